//! Shared by the interpreter's and the JIT's Speck benchmarks (included with `#[path]`): the
//! rdx program, the native Rust baseline (key schedule, encrypt, decrypt) and best-of timing.

use rdx_vm::Module;
use std::time::{Duration, Instant};

pub const KEY_K: u64 = 0x0706050403020100;
pub const KEY_L: u64 = 0x0f0e0d0c0b0a0908;

pub fn module() -> Module {
    let src = include_str!("../speck.rdx");
    let prog = rdx_lang::parser::parse(src).expect("speck.rdx parses");
    let checked = rdx_lang::check::check(&prog, &Default::default()).expect("speck.rdx checks");
    rdx_vm::compile(&checked, "speck.rdx", src).expect("speck.rdx compiles")
}

pub fn native_keys() -> [u64; 32] {
    let (mut k, mut l) = (KEY_K, KEY_L);
    let mut rk = [0u64; 32];
    for (i, r) in rk.iter_mut().enumerate() {
        *r = k;
        l = (l.rotate_right(8).wrapping_add(k)) ^ i as u64;
        k = k.rotate_left(3) ^ l;
    }
    rk
}

#[inline(never)]
pub fn native_encrypt(mut x: u64, mut y: u64, rk: &[u64; 32], blocks: u64) -> (u64, u64) {
    for _ in 0..blocks {
        for &k in rk {
            x = x.rotate_right(8).wrapping_add(y) ^ k;
            y = y.rotate_left(3) ^ x;
        }
    }
    (x, y)
}

#[inline(never)]
pub fn native_decrypt(mut x: u64, mut y: u64, rk: &[u64; 32], blocks: u64) -> (u64, u64) {
    for _ in 0..blocks {
        for &k in rk.iter().rev() {
            y = (y ^ x).rotate_right(3);
            x = (x ^ k).wrapping_sub(y).rotate_left(8);
        }
    }
    (x, y)
}

pub fn best<T>(reps: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..reps {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed());
        out = Some(r);
    }
    (best, out.expect("at least one repetition"))
}
