//! Speck128/128 bulk encryption (32 rounds × 10⁶ blocks): rdx through the whole pipeline
//! (parse, check, compile, interpret) against the same loop in native Rust, forward (encrypt)
//! and backward (decrypt: the rdx gene run backward; native: the inverse rounds).
//!
//! Run with `cargo bench -p rdx-vm --bench speck` (optionally `-- BLOCKS`). Prints ns/block,
//! the ratios rdx/native and backward/forward, and the interpreter's instructions per second.

use rdx_vm::{Direction, Engine, Interpreter, Value};
use std::hint::black_box;
use std::time::Duration;

#[path = "common/speck.rs"]
mod common;
use common::*;

fn main() {
    let blocks: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1_000_000);
    let reps = 5;
    let m = module();
    let mut it = Interpreter::new();
    let expand = m.gene_index("expand").expect("expand");
    let encrypt = m.gene_index("encrypt").expect("encrypt");
    let mut ks = vec![Value::Int(KEY_K), Value::Int(KEY_L), Value::Array(vec![0; 32])];
    it.run(&m, expand, &mut ks, Direction::Forward).expect("key schedule");
    let rk_native = native_keys();
    let rk = match &ks[2] {
        Value::Array(a) => a.clone(),
        _ => unreachable!(),
    };
    assert_eq!(rk, rk_native.to_vec(), "rdx and native key schedules differ");

    let (px, py) = (0x6c61766975716520u64, 0x7469206564616d20u64);
    let (cx, cy) = native_encrypt(px, py, &rk_native, blocks);
    let plain = vec![Value::Int(px), Value::Int(py), Value::Array(rk.clone()), Value::Int(blocks)];
    let mut cipher = plain.clone();
    cipher[0] = Value::Int(cx);
    cipher[1] = Value::Int(cy);
    // The four measurements are interleaved and each keeps its best time, so a busy machine
    // disturbs the ratios less.
    let (mut t_nf, mut t_nb, mut t_rf, mut t_rb) =
        (Duration::MAX, Duration::MAX, Duration::MAX, Duration::MAX);
    let (mut rep_f, mut rep_b) = (Default::default(), Default::default());
    for _ in 0..reps {
        let (t, r) = best(1, || {
            native_encrypt(black_box(px), black_box(py), black_box(&rk_native), black_box(blocks))
        });
        assert_eq!(r, (cx, cy));
        t_nf = t_nf.min(t);
        let (t, r) = best(1, || {
            native_decrypt(black_box(cx), black_box(cy), black_box(&rk_native), black_box(blocks))
        });
        assert_eq!(r, (px, py), "native decrypt");
        t_nb = t_nb.min(t);
        let (t, (state, rep)) = best(1, || {
            let mut a = plain.clone();
            let r = it.run(&m, encrypt, &mut a, Direction::Forward).expect("rdx encrypt");
            (a, r)
        });
        assert_eq!(state, cipher, "rdx and native ciphertexts differ");
        t_rf = t_rf.min(t);
        rep_f = rep;
        let (t, (state, rep)) = best(1, || {
            let mut a = cipher.clone();
            let r = it.run(&m, encrypt, &mut a, Direction::Backward).expect("rdx decrypt");
            (a, r)
        });
        assert_eq!(state, plain, "rdx backward run did not decrypt");
        t_rb = t_rb.min(t);
        rep_b = rep;
    }
    let (rep_f, rep_b): (rdx_vm::RunReport, rdx_vm::RunReport) = (rep_f, rep_b);

    let per = |t: Duration| t.as_nanos() as f64 / blocks as f64;
    println!("Speck128/128, 32 rounds x {blocks} blocks (best of {reps})");
    println!("  native  forward  {:9.1} ns/block", per(t_nf));
    println!("  native  backward {:9.1} ns/block", per(t_nb));
    println!("  rdx     forward  {:9.1} ns/block   {:6.2}x native", per(t_rf), per(t_rf) / per(t_nf));
    println!("  rdx     backward {:9.1} ns/block   {:6.2}x native", per(t_rb), per(t_rb) / per(t_nb));
    println!("  rdx backward/forward {:.3}", per(t_rb) / per(t_rf));
    println!(
        "  interpreter: {} instructions forward ({:.0} M/s), {} backward ({:.0} M/s), {:.1} per round",
        rep_f.instructions,
        rep_f.instructions as f64 / t_rf.as_secs_f64() / 1e6,
        rep_b.instructions,
        rep_b.instructions as f64 / t_rb.as_secs_f64() / 1e6,
        rep_f.instructions as f64 / (blocks as f64 * 32.0)
    );
}
