#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Greenlets switching C stacks while a traced C function of greenlet's
module runs: each switch enters greenlet's stack switch on one greenlet's
stack and leaves it on another's. Debian's /usr/bin/python3 with
python3-greenlet (tests/e2e/install-greenlet.sh). Like the C targets: waits
for "go" on stdin and logs what really happened to argv[1]: "T NAME got X"
for each value a greenlet receives, "T main got X" for each one it sends
back, and "T done"."""
import os
import sys

import greenlet

log = open(sys.argv[1], "w")


def say(*words):
    log.write(" ".join(str(w) for w in (os.getpid(), *words)) + "\n")
    log.flush()


def worker(name):
    def run(x):
        main = greenlet.getcurrent().parent
        for _ in range(3):
            say(name, "got", x)
            x = main.switch(x * 10)
        say(name, "got", x)
        return x + 1
    return run


print("ready", os.getpid(), flush=True)
sys.stdin.readline()
a, b = greenlet.greenlet(worker("a")), greenlet.greenlet(worker("b"))
va, vb = 1, 2
# Interleaved: a and b each yield back inside their switches, three times.
for _ in range(4):
    va, vb = a.switch(va), b.switch(vb)
    say("main", "got", va, vb)
say("done", a.dead, b.dead)
