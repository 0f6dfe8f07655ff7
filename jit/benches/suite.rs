//! The benchmark suite on the JIT against the interpreter and native Rust: the programs of
//! vm/benches/suite/ (table and native twins in vm/benches/common/suite.rs) at their benchmark
//! sizes, native twin, interpreter and JIT interleaved, best of k, every run's state checked.
//!
//! Run with `cargo bench -p rdx-jit --bench suite` (optionally `-- [--reps K] [NAME…]`). Prints a
//! markdown table: per program the best times, interp/native, JIT/native, backward/forward on
//! each engine, interp/JIT, the JIT's ns per bytecode instruction (the interpreter's count of
//! the same run) and the JIT's compile time; then the geometric means.

use rdx_jit::Jit;
use rdx_vm::{Engine, Interpreter};
use std::time::Duration;

#[allow(dead_code)]
#[path = "../../vm/benches/common/suite.rs"]
mod suite;
use suite::*;

fn main() {
    let args = Args::parse(31);
    println!("JIT and interpreter vs native Rust, best of {} interleaved runs per cell\n", args.reps);
    println!(
        "| program | size | native | interp fwd | jit fwd | jit bwd | interp/native | jit/native | interp bwd/fwd | jit bwd/fwd | interp/jit | jit ns/instr | compile |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut cols: [Vec<f64>; 6] = Default::default();
    let mut compile_total = Duration::ZERO;
    for p in programs().iter().filter(|p| args.wants(p)) {
        let m = p.module(p.bench);
        assert!(rdx_jit::trust::trusted(&m), "{}: the JIT would leave it to the interpreter", p.name);
        let compile = (0..3)
            .map(|_| Jit::new().prepare(&m).unwrap_or_else(|e| panic!("{}: {e:?}", p.name)))
            .min()
            .expect("three compilations");
        compile_total += compile;
        let mut it = Interpreter::new();
        let mut jit = Jit::new();
        jit.prepare(&m).expect("compiles");
        let mut case = (p.case)(p.bench);
        let engines: &mut [&mut dyn Engine] = &mut [&mut it, &mut jit];
        let t = measure(engines, &m, p.gene(&m), &mut case, args.reps);
        let (i, j) = (&t.engines[0], &t.engines[1]);
        let row = [
            ratio(i.fwd, t.native),
            ratio(j.fwd, t.native),
            ratio(i.bwd, i.fwd),
            ratio(j.bwd, j.fwd),
            ratio(i.fwd, j.fwd),
            j.fwd.as_nanos() as f64 / i.report.instructions as f64,
        ];
        for (c, x) in cols.iter_mut().zip(row) {
            c.push(x);
        }
        println!(
            "| {} | {} {} | {} | {} | {} | {} | {:.1} | {:.2} | {:.2} | {:.2} | {:.1} | {:.3} | {} |",
            p.name,
            p.bench,
            p.unit,
            ms(t.native),
            ms(i.fwd),
            ms(j.fwd),
            ms(j.bwd),
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            ms(compile)
        );
    }
    if !cols[0].is_empty() {
        let g: Vec<f64> = cols.iter().map(|c| geomean(c)).collect();
        println!(
            "| **geometric mean** | | | | | | **{:.1}** | **{:.2}** | **{:.2}** | **{:.2}** | **{:.1}** | **{:.3}** | {} total |",
            g[0],
            g[1],
            g[2],
            g[3],
            g[4],
            g[5],
            ms(compile_total)
        );
    }
}
