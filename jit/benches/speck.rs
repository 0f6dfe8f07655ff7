//! Speck128/128 on the JIT against native Rust, forward (encrypt) and backward (decrypt: the rdx
//! gene run backward; native: the inverse rounds). The rdx program is the interpreter
//! benchmark's `vm/benches/speck.rdx`. Two workloads of 32 rounds × 5·10⁶ blocks:
//! - chained: one block encrypted again and again, each output the next input (gene `encrypt`);
//!   latency bound, so decryption's longer dependency chain per round (4 operations against 3)
//!   shows even natively;
//! - bulk: independent blocks in one buffer, ECB (gene `encrypt_all`); throughput bound.
//!
//! Run with `cargo bench -p rdx-jit --bench speck` (optionally `-- BLOCKS [BULK_BLOCKS]`; at most
//! 8388608 bulk blocks, the largest rdx array). Prints compile time alone, the first run with
//! compilation included, then per workload ns/block, JIT/native and backward/forward (the four
//! runs interleaved, best of 3 each), and for the chained one the interpreter forward (one run).

use rdx_jit::Jit;
use rdx_vm::{Direction, Engine, Interpreter, Value};
use std::time::{Duration, Instant};

#[path = "../../vm/benches/common/speck.rs"]
mod common;
use common::*;

fn main() {
    let sizes: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let blocks = sizes.first().copied().unwrap_or(5_000_000);
    let bulk_blocks = sizes.get(1).copied().unwrap_or(5_000_000);
    let reps = 3;
    let m = module_with_words(2 * bulk_blocks as usize);
    let expand = m.gene_index("expand").expect("expand");
    let encrypt = m.gene_index("encrypt").expect("encrypt");
    let encrypt_all = m.gene_index("encrypt_all").expect("encrypt_all");
    let rk_native = native_keys();
    let plain = (0x6c61766975716520u64, 0x7469206564616d20u64);

    // Compile time alone (a fresh engine: nothing cached).
    let (t_compile, _) = best(reps, || Jit::new().prepare(&m).expect("JIT compiles speck"));

    // First run with compilation included.
    let mut jit = Jit::new();
    let mut ks = vec![Value::Int(KEY_K), Value::Int(KEY_L), Value::Array(vec![0; 32])];
    let t0 = Instant::now();
    jit.run(&m, expand, &mut ks, Direction::Forward).expect("key schedule");
    let mut first = vec![Value::Int(plain.0), Value::Int(plain.1), ks[2].clone(), Value::Int(blocks)];
    jit.run(&m, encrypt, &mut first, Direction::Forward).expect("JIT encrypt");
    let t_first = t0.elapsed();
    assert_eq!(ks[2], Value::Array(rk_native.to_vec()), "JIT and native key schedules differ");

    let (chained, (cx, cy)) = measure_chained(&mut jit, &m, encrypt, &rk_native, plain, blocks, reps);
    assert_eq!((&first[0], &first[1]), (&Value::Int(cx), &Value::Int(cy)), "first JIT run differs");

    // The interpreter on the same module and input, once (it is the slow one), for JIT/interp.
    let mut state = vec![Value::Int(plain.0), Value::Int(plain.1), ks[2].clone(), Value::Int(blocks)];
    let (t_interp, _) = best(1, || {
        Interpreter::new().run(&m, encrypt, &mut state, Direction::Forward).expect("interpreter encrypt")
    });
    assert_eq!(state, first, "JIT and interpreter differ");

    let per = |t: Duration| t.as_nanos() as f64 / blocks as f64;
    println!("Speck128/128 on the JIT (best of {reps})");
    println!("  compile (all genes, both directions) {:8.2} ms", t_compile.as_secs_f64() * 1e3);
    println!(
        "  first run incl. compile (expand + chained encrypt forward) {:8.1} ms = {:.1} ns/block",
        t_first.as_secs_f64() * 1e3,
        per(t_first)
    );
    println!("chained (one block, each output the next input), 32 rounds x {blocks} blocks");
    chained.print("jit", blocks);
    println!(
        "  interp  forward  {:9.2} ns/block   jit is {:.1}x faster than the interpreter",
        per(t_interp),
        per(t_interp) / per(chained.engine_fwd)
    );
    println!(
        "  with compile time: forward {:.3}x native",
        (chained.engine_fwd + t_compile).as_secs_f64() / chained.native_fwd.as_secs_f64()
    );

    let bulk = measure_bulk(&mut jit, &m, encrypt_all, &rk_native, bulk_blocks as usize, reps);
    println!("bulk (independent blocks in a buffer, ECB), 32 rounds x {bulk_blocks} blocks");
    bulk.print("jit", bulk_blocks);
}
