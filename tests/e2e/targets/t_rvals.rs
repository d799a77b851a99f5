// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
//! Rust values, built with -O by the e2e test: each function's parameter is
//! read where rustc's DWARF says it is (stack slots the prologue fills from
//! registers, memory an argument points to, pieces) and shown as Rust's
//! Debug shows it. The functions are #[no_mangle] so the test can name
//! them. Like the C targets: waits for "go" on stdin, logs each call to
//! argv[1] as "NAME(ARGS) = RESULT", ARGS with {:?}.
use std::fs::File;
use std::io::{BufRead, Write};
use std::os::raw::c_char;
use std::sync::atomic::{AtomicUsize, Ordering};

static SEEN: AtomicUsize = AtomicUsize::new(0);

/// Takes the argument's address, as real code does: rustc then keeps it in a
/// stack slot its prologue fills, the case the DWARF location names.
#[inline(never)]
fn seen(d: &dyn std::fmt::Debug) {
    SEEN.fetch_add(format!("{:?}", d).len(), Ordering::Relaxed);
}

#[derive(Debug)]
pub struct Point {
    x: i32,
    y: i32,
}

#[no_mangle]
#[inline(never)]
pub fn r_str(s: &str) -> usize {
    seen(&s);
    s.len()
}

#[no_mangle]
#[inline(never)]
pub fn r_slice(v: &[i32]) -> i32 {
    seen(&v);
    v.iter().sum()
}

#[no_mangle]
#[inline(never)]
pub fn r_string(s: String) -> usize {
    seen(&s);
    s.len()
}

#[no_mangle]
#[inline(never)]
pub fn r_vec(v: Vec<i64>) -> usize {
    seen(&v);
    v.len()
}

#[no_mangle]
#[inline(never)]
pub fn r_opt(o: Option<i32>) -> i32 {
    seen(&o);
    o.unwrap_or(0)
}

#[no_mangle]
#[inline(never)]
pub fn r_optstr(o: Option<&str>) -> usize {
    seen(&o);
    o.map(|s| s.len()).unwrap_or(0)
}

#[no_mangle]
#[inline(never)]
pub fn r_res(r: Result<i32, &str>) -> i32 {
    seen(&r);
    r.unwrap_or(-1)
}

/// An enum whose payload is a String: a 24-byte value the caller passes in memory.
#[no_mangle]
#[inline(never)]
pub fn r_resstring(r: Result<u32, String>) -> usize {
    seen(&r);
    match r {
        Ok(v) => v as usize,
        Err(e) => e.len(),
    }
}

#[no_mangle]
#[inline(never)]
pub fn r_optstring(o: Option<String>) -> usize {
    seen(&o);
    o.map(|s| s.len()).unwrap_or(0)
}

#[no_mangle]
#[inline(never)]
pub fn r_point(p: Point) -> i32 {
    seen(&p);
    p.x * 10 + p.y
}

#[no_mangle]
#[inline(never)]
pub fn r_mix(a: i32, v: &[u8], b: u64) -> u64 {
    seen(&v);
    a as u64 + b + v.len() as u64
}

/// A raw pointer: an address, never an out-parameter read again at return.
#[no_mangle]
#[inline(never)]
pub fn r_cptr(s: *const c_char) -> u8 {
    let b = unsafe { *s as u8 };
    seen(&b);
    b
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut f = File::create(&args[1]).unwrap();
    println!("ready {}", std::process::id());
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).unwrap();

    for s in ["abc", "tab\there", ""] {
        let r = r_str(s);
        writeln!(f, "r_str(s={:?}) = {}", s, r).unwrap();
    }
    let v = [1, 2, 3];
    writeln!(f, "r_slice(v={:?}) = {}", &v[..], r_slice(&v)).unwrap();
    let s = String::from("hello");
    let d = format!("{:?}", s);
    writeln!(f, "r_string(s={}) = {}", d, r_string(s)).unwrap();
    let w: Vec<i64> = vec![7, -8, 9];
    let d = format!("{:?}", w);
    writeln!(f, "r_vec(v={}) = {}", d, r_vec(w)).unwrap();
    for o in [Some(3), None] {
        writeln!(f, "r_opt(o={:?}) = {}", o, r_opt(o)).unwrap();
    }
    for o in [Some("x"), None] {
        writeln!(f, "r_optstr(o={:?}) = {}", o, r_optstr(o)).unwrap();
    }
    for r in [Ok(5), Err("bad")] {
        writeln!(f, "r_res(r={:?}) = {}", r, r_res(r)).unwrap();
    }
    for r in [Ok(6), Err(String::from("worse"))] {
        let d = format!("{:?}", r);
        writeln!(f, "r_resstring(r={}) = {}", d, r_resstring(r)).unwrap();
    }
    for o in [Some(String::from("yes")), None] {
        let d = format!("{:?}", o);
        writeln!(f, "r_optstring(o={}) = {}", d, r_optstring(o)).unwrap();
    }
    let p = Point { x: 1, y: 2 };
    let d = format!("{:?}", p);
    writeln!(f, "r_point(p={}) = {}", d, r_point(p)).unwrap();
    let bytes = b"xyz";
    writeln!(f, "r_mix(a=4, v={:?}, b=9) = {}", &bytes[..], r_mix(4, bytes, 9)).unwrap();
    let c = b"b\0";
    let r = r_cptr(c.as_ptr() as *const c_char);
    writeln!(f, "r_cptr(s={:p}) = {}", c.as_ptr(), r).unwrap();
}
