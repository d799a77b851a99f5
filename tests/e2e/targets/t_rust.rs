// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
//! A Rust panic caught with catch_unwind after it unwound through traced
//! functions. Built by the e2e test with the machine's rustc (one file, no
//! cargo). The traced functions are #[no_mangle] so the test can name them
//! (Rust mangles with a hash); they keep the Rust ABI, through which a panic
//! may unwind (an extern "C" function aborts instead, and "C-unwind" needs
//! rustc 1.71, newer than Debian 12's). Like the C
//! targets: waits for "go" on stdin, logs what really happened to argv[1].
//! Logs "PID mid x ret", "PID caught x" and "PID done".
use std::fs::File;
use std::io::{BufRead, Write};
use std::panic;

fn log(f: &mut File, s: String) {
    writeln!(f, "{} {}", std::process::id(), s).unwrap();
}

#[no_mangle]
#[inline(never)]
pub fn rs_leaf(x: i32) -> i32 {
    if x < 0 {
        panic!("negative {}", x);
    }
    x * 10
}

#[no_mangle]
#[inline(never)]
pub fn rs_mid(x: i32) -> i32 {
    rs_leaf(x) + 1
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut f = File::create(&args[1]).unwrap();
    // The panic message is the default hook's, on stderr: keep the log exact.
    panic::set_hook(Box::new(|_| {}));
    println!("ready {}", std::process::id());
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).unwrap();
    for _ in 0..2 {
        for x in [1, -2, 3, -4] {
            match panic::catch_unwind(|| rs_mid(x)) {
                Ok(r) => log(&mut f, format!("mid {} {}", x, r)),
                Err(_) => log(&mut f, format!("caught {}", x)),
            }
        }
    }
    log(&mut f, "done".to_string());
}
