//! The benchmark suite on the interpreter against native Rust: seventeen programs of different
//! shapes (vm/benches/suite/, table and native twins in vm/benches/common/suite.rs), each run
//! through the whole pipeline (parse, check, compile) and timed forward and backward,
//! interleaved with its native twin, best of k.
//!
//! Run with `cargo bench -p rdx-vm --bench suite` (optionally `-- [--reps K] [--disasm] [NAME…]`; `--disasm` prints the bytecode instead). Prints a
//! markdown table: per program the best times, interp/native, the interpreter's
//! backward/forward and its ns per executed instruction (each direction); then the geometric means.
//! `cargo bench -p rdx-jit --bench suite` adds the JIT.

use rdx_vm::{Engine, Interpreter};

#[allow(dead_code)]
#[path = "common/suite.rs"]
mod suite;
use suite::*;

fn main() {
    let args = Args::parse(31);
    println!("Interpreter vs native Rust, best of {} interleaved runs per cell\n", args.reps);
    println!(
        "| program | shape | size | instructions | native | interp fwd | interp bwd | interp/native | bwd/fwd | ns/instr fwd | ns/instr bwd |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let (mut slow, mut back, mut per) = (Vec::new(), Vec::new(), Vec::new());
    let mut it = Interpreter::new();
    for p in programs().iter().filter(|p| args.wants(p)) {
        let m = p.module(p.bench);
        if args.disasm {
            println!("{}\n{}", rdx_vm::disasm::disassemble(&m), rdx_vm::disasm::disassemble_backward(&m));
            continue;
        }
        let mut case = (p.case)(p.bench);
        let engines: &mut [&mut dyn Engine] = &mut [&mut it];
        let t = measure(engines, &m, p.gene(&m), &mut case, args.reps);
        let e = &t.engines[0];
        let ns = e.fwd.as_nanos() as f64 / e.report.instructions as f64;
        let ns_bwd = e.bwd.as_nanos() as f64 / e.report_bwd.instructions as f64;
        slow.push(ratio(e.fwd, t.native));
        back.push(ratio(e.bwd, e.fwd));
        per.push(ns);
        println!(
            "| {} | {} | {} {} | {} | {} | {} | {} | {:.1} | {:.2} | {:.2} | {:.2} |",
            p.name,
            p.shape,
            p.bench,
            p.unit,
            e.report.instructions,
            ms(t.native),
            ms(e.fwd),
            ms(e.bwd),
            slow.last().unwrap(),
            back.last().unwrap(),
            ns,
            ns_bwd
        );
    }
    if !slow.is_empty() {
        println!(
            "| **geometric mean** | | | | | | | **{:.1}** | **{:.2}** | **{:.2}** | |",
            geomean(&slow),
            geomean(&back),
            geomean(&per)
        );
    }
}
