// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
//! Rust names as users write them: two functions named helper in two
//! modules, another function of one of them and an inherent method. Built
//! by tests/e2e/test_names.py with rustc -O, once with each symbol mangling
//! (legacy, v0). Like the C targets: waits for "go" on stdin, logs what
//! really happened to argv[1]: "PID what arg ret" per call.
use std::fs::File;
use std::io::{BufRead, Write};

mod m {
    #[inline(never)]
    pub fn helper(x: u64) -> u64 {
        x * 3 + 1
    }

    #[inline(never)]
    pub fn other(x: u64) -> u64 {
        x + 7
    }
}

mod n {
    #[inline(never)]
    pub fn helper(x: u64) -> u64 {
        x * 5 + 2
    }
}

pub struct Acc {
    total: u64,
}

impl Acc {
    #[inline(never)]
    pub fn add(&mut self, v: u64) -> u64 {
        self.total += v;
        self.total
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut f = File::create(&args[1]).unwrap();
    let pid = std::process::id();
    // From the command line: nothing the optimizer can fold into the callees.
    let base = args.len() as u64 - 1;
    let mut acc = Acc { total: base };
    println!("ready {}", pid);
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).unwrap();
    for i in base..base + 2 {
        let r = m::helper(i);
        writeln!(f, "{} m::helper {} {}", pid, i, r).unwrap();
        let r = m::other(i);
        writeln!(f, "{} m::other {} {}", pid, i, r).unwrap();
        let r = n::helper(i);
        writeln!(f, "{} n::helper {} {}", pid, i, r).unwrap();
        let r = acc.add(i);
        writeln!(f, "{} Acc::add {} {}", pid, i, r).unwrap();
    }
}
