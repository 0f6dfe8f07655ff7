//! Speck128/128 bulk encryption (32 rounds × 5·10⁶ blocks) on the JIT against the same loop in
//! native Rust, forward (encrypt) and backward (decrypt: the rdx gene run backward; native: the
//! inverse rounds). The rdx program is the interpreter benchmark's `vm/benches/speck.rdx`.
//!
//! Run with `cargo bench -p rdx-jit --bench speck` (optionally `-- BLOCKS`). Prints ns/block,
//! compile time alone, the first run with compilation included, and the ratios JIT/native and
//! backward/forward (best of 3 runs each), and the interpreter forward (one run) for JIT/interp.

use rdx_jit::Jit;
use rdx_vm::{Direction, Engine, Interpreter, Value};
use std::hint::black_box;
use std::time::{Duration, Instant};

#[path = "../../vm/benches/common/speck.rs"]
mod common;
use common::*;

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

    // The interpreter on the same module and input, once (it is the slow one), for JIT/interp.
    let (t_if, interp_state) = best(1, || {
        let mut a = plain.clone();
        Interpreter::new().run(&m, encrypt, &mut a, Direction::Forward).expect("interpreter encrypt");
        a
    });
    assert_eq!(interp_state, fwd_state, "JIT and interpreter differ");

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
        "  interp  forward  {:9.2} ns/block   jit is {:.1}x faster than the interpreter",
        per(t_if),
        per(t_if) / per(t_jf)
    );
    println!(
        "  with compile time: forward {:.3}x native",
        (t_jf + t_compile).as_secs_f64() / t_nf.as_secs_f64()
    );
}
