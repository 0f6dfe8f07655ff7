//! Speck128/128 bulk encryption (32 rounds × 5·10⁶ blocks) on the JIT against the same loop in
//! native Rust, forward (encrypt) and backward (decrypt: the rdx gene run backward; native: the
//! inverse rounds). The rdx program is the interpreter benchmark's `vm/benches/speck.rdx`.
//!
//! Run with `cargo bench -p rdx-jit --bench speck` (optionally `-- BLOCKS`). Prints ns/block,
//! compile time alone, the first run with compilation included, and the ratios JIT/native and
//! backward/forward (best of 3 runs each).

use rdx_jit::Jit;
use rdx_vm::{Direction, Engine, Module, Value};
use std::hint::black_box;
use std::time::{Duration, Instant};

const KEY_K: u64 = 0x0706050403020100;
const KEY_L: u64 = 0x0f0e0d0c0b0a0908;

fn module() -> Module {
    let src = include_str!("../../vm/benches/speck.rdx");
    let prog = rdx_lang::parser::parse(src).expect("speck.rdx parses");
    let checked = rdx_lang::check::check(&prog, &Default::default()).expect("speck.rdx checks");
    rdx_vm::compile(&checked, "speck.rdx", src).expect("speck.rdx compiles")
}

fn native_keys() -> [u64; 32] {
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
fn native_encrypt(mut x: u64, mut y: u64, rk: &[u64; 32], blocks: u64) -> (u64, u64) {
    for _ in 0..blocks {
        for &k in rk {
            x = x.rotate_right(8).wrapping_add(y) ^ k;
            y = y.rotate_left(3) ^ x;
        }
    }
    (x, y)
}

#[inline(never)]
fn native_decrypt(mut x: u64, mut y: u64, rk: &[u64; 32], blocks: u64) -> (u64, u64) {
    for _ in 0..blocks {
        for &k in rk.iter().rev() {
            y = (y ^ x).rotate_right(3);
            x = (x ^ k).wrapping_sub(y).rotate_left(8);
        }
    }
    (x, y)
}

fn best<T>(reps: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
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

fn main() {
    let blocks: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(5_000_000);
    let reps = 3;
    let m = module();
    let expand = m.gene_index("expand").expect("expand");
    let encrypt = m.gene_index("encrypt").expect("encrypt");
    let rk_native = native_keys();
    let (px, py) = (0x6c61766975716520u64, 0x7469206564616d20u64);

    // Compile time alone (a fresh engine: nothing cached).
    let (t_compile, _) = best(reps, || Jit::new().prepare(&m).expect("JIT compiles speck"));

    // First run with compilation included.
    let mut jit = Jit::new();
    let mut ks = vec![Value::Int(KEY_K), Value::Int(KEY_L), Value::Array(vec![0; 32])];
    let t0 = Instant::now();
    jit.run(&m, expand, &mut ks, Direction::Forward).expect("key schedule");
    let rk = match &ks[2] {
        Value::Array(a) => a.clone(),
        _ => unreachable!("rk is an array"),
    };
    assert_eq!(rk, rk_native.to_vec(), "JIT and native key schedules differ");
    let plain = vec![Value::Int(px), Value::Int(py), Value::Array(rk.clone()), Value::Int(blocks)];
    let mut first = plain.clone();
    jit.run(&m, encrypt, &mut first, Direction::Forward).expect("JIT encrypt");
    let t_first = t0.elapsed();

    let (t_nf, (cx, cy)) =
        best(reps, || native_encrypt(black_box(px), black_box(py), black_box(&rk_native), black_box(blocks)));
    let (t_nb, (dx, dy)) =
        best(reps, || native_decrypt(black_box(cx), black_box(cy), black_box(&rk_native), black_box(blocks)));
    assert_eq!((dx, dy), (px, py), "native decrypt");

    let (t_jf, fwd_state) = best(reps, || {
        let mut a = plain.clone();
        jit.run(&m, encrypt, &mut a, Direction::Forward).expect("JIT encrypt");
        a
    });
    assert_eq!(fwd_state, first);
    assert_eq!((&fwd_state[0], &fwd_state[1]), (&Value::Int(cx), &Value::Int(cy)), "JIT and native differ");
    let (t_jb, bwd_state) = best(reps, || {
        let mut a = fwd_state.clone();
        jit.run(&m, encrypt, &mut a, Direction::Backward).expect("JIT decrypt");
        a
    });
    assert_eq!(bwd_state, plain, "JIT backward run did not decrypt");

    let per = |t: Duration| t.as_nanos() as f64 / blocks as f64;
    println!("Speck128/128 on the JIT, 32 rounds x {blocks} blocks (best of {reps})");
    println!("  compile (all genes, both directions) {:8.2} ms", t_compile.as_secs_f64() * 1e3);
    println!(
        "  first run incl. compile (expand + encrypt forward) {:8.1} ms = {:.1} ns/block",
        t_first.as_secs_f64() * 1e3,
        per(t_first)
    );
    println!("  native  forward  {:9.2} ns/block", per(t_nf));
    println!("  native  backward {:9.2} ns/block", per(t_nb));
    println!("  jit     forward  {:9.2} ns/block   {:6.3}x native", per(t_jf), per(t_jf) / per(t_nf));
    println!("  jit     backward {:9.2} ns/block   {:6.3}x native", per(t_jb), per(t_jb) / per(t_nb));
    println!("  jit backward/forward {:.3}", per(t_jb) / per(t_jf));
    println!(
        "  with compile time: forward {:.3}x native",
        (t_jf + t_compile).as_secs_f64() / t_nf.as_secs_f64()
    );
}
