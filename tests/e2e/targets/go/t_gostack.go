// Goroutines whose stacks grow inside traced calls: fib keeps a large local
// array, so its recursion outgrows the goroutine's stack several times; leaf
// is a small call that never grows it. Prints how many calls it made of each.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
)

var nfib, nleaf int64

//go:noinline
func fib(n int) int {
	var pad [1024]byte // its stack outgrows 8 KiB at depth 8: it grows, and moves
	atomic.AddInt64(&nfib, 1)
	z := touch(&pad, n)
	if n < 2 {
		return n + z
	}
	return fib(n-1) + fib(n-2) + z
}

//go:noinline
func touch(p *[1024]byte, n int) int {
	p[n&1023] = byte(n)
	return int(p[(n+1)&1023])
}

//go:noinline
func leaf(x int) int {
	atomic.AddInt64(&nleaf, 1)
	return x*3 + 1
}

// As the C targets (common.h): argv[1] is the log, "ready PID" on stdout,
// then wait for a line on stdin so the tracer can attach first.
func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: t_gostack LOGFILE [N]")
		os.Exit(2)
	}
	log, err := os.Create(os.Args[1])
	if err != nil {
		os.Exit(2)
	}
	n, g := 18, 4
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[2])
	}
	fmt.Printf("ready %d\n", os.Getpid())
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		os.Exit(3)
	}
	var wg sync.WaitGroup
	res := make([]int, g)
	for i := 0; i < g; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s := 0
			for j := 0; j < 50; j++ {
				s += leaf(j)
			}
			res[i] = fib(n) + s
		}(i)
	}
	wg.Wait()
	fmt.Fprintln(log, "results", res[0], res[1], res[2], res[3])
	fmt.Fprintln(log, "calls main.fib", atomic.LoadInt64(&nfib))
	fmt.Fprintln(log, "calls main.leaf", atomic.LoadInt64(&nleaf))
	log.Close()
}
