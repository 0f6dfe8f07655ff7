//! Speck128/128 on the interpreter against native Rust, forward (encrypt) and backward (decrypt:
//! the rdx gene run backward; native: the inverse rounds), rdx through the whole pipeline (parse,
//! check, compile, interpret). Two workloads:
//! - chained (32 rounds × 10⁶ blocks): one block encrypted again and again, each output the next
//!   input (gene `encrypt`); latency bound, so decryption's longer dependency chain per round
//!   (4 operations against 3) shows even natively;
//! - bulk (32 rounds × 10⁶ independent blocks in one buffer, ECB; gene `encrypt_all`): what
//!   encrypting many blocks usually means; throughput bound.
//!
//! Run with `cargo bench -p rdx-vm --bench speck` (optionally `-- BLOCKS [BULK_BLOCKS]`). Prints
//! ns/block, the ratios rdx/native and backward/forward, and the interpreter's instructions per
//! second, per workload.

use rdx_vm::{Direction, Engine, Interpreter, Value};

#[path = "common/speck.rs"]
mod common;
use common::*;

fn main() {
    let sizes: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let blocks = sizes.first().copied().unwrap_or(1_000_000);
    let bulk_blocks = sizes.get(1).copied().unwrap_or(1_000_000);
    let reps = 5;
    let m = module_with_words(2 * bulk_blocks as usize);
    let mut it = Interpreter::new();
    let expand = m.gene_index("expand").expect("expand");
    let encrypt = m.gene_index("encrypt").expect("encrypt");
    let encrypt_all = m.gene_index("encrypt_all").expect("encrypt_all");
    let mut ks = vec![Value::Int(KEY_K), Value::Int(KEY_L), Value::Array(vec![0; 32])];
    it.run(&m, expand, &mut ks, Direction::Forward).expect("key schedule");
    let rk = native_keys();
    assert_eq!(ks[2], Value::Array(rk.to_vec()), "rdx and native key schedules differ");

    let plain = (0x6c61766975716520u64, 0x7469206564616d20u64);
    let (chained, _) = measure_chained(&mut it, &m, encrypt, &rk, plain, blocks, reps);
    println!(
        "Speck128/128 chained (one block, each output the next input), 32 rounds x {blocks} blocks (best of {reps})"
    );
    chained.print("rdx", blocks);
    print_instructions(&chained, blocks);

    let bulk = measure_bulk(&mut it, &m, encrypt_all, &rk, bulk_blocks as usize, reps);
    println!(
        "Speck128/128 bulk (independent blocks in a buffer, ECB), 32 rounds x {bulk_blocks} blocks (best of {reps})"
    );
    bulk.print("rdx", bulk_blocks);
    print_instructions(&bulk, bulk_blocks);
}

fn print_instructions(t: &Times, blocks: u64) {
    println!(
        "  interpreter: {} instructions forward ({:.0} M/s), {} backward ({:.0} M/s), {:.1} per round",
        t.report_fwd.instructions,
        t.report_fwd.instructions as f64 / t.engine_fwd.as_secs_f64() / 1e6,
        t.report_bwd.instructions,
        t.report_bwd.instructions as f64 / t.engine_bwd.as_secs_f64() / 1e6,
        t.report_fwd.instructions as f64 / (blocks as f64 * 32.0)
    );
}
