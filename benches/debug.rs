//! The debugger's cost: a plain run, the same run under the debugger with no breakpoint
//! (`continue` to the end), and `rcontinue` from the end back to a breakpoint on the first
//! statement, about 10^7 instructions back. Also the bytes the session holds per step (the
//! history tape; 0 for this lossless program).
//!
//! Run with `cargo bench --bench debug` (optionally `-- N`, the loop's iterations).

use rdx_vm::engine::debug::{BreakAt, Debugger, Motion, Stop};
use rdx_vm::{Direction, Engine, Interpreter, Value};
use std::time::Instant;

const SRC: &str = "gene sum_to(n: u64, s: u64) {
    local i: u64 = 0
    from i == 0 do {
    } loop {
        i += 1
        s += i
    } until i == n
    delocal i = n
}
";

fn main() {
    let n: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(2_500_000);
    let program = rdx_core::run::Program::from_source(
        SRC.to_string(),
        "sum.rdx".into(),
        rdx_lang::ast::Dialect::Rdx,
        false,
        &[],
    )
    .unwrap_or_else(|_| panic!("the benchmark program compiles"));
    let m = &program.module;
    let args = vec![Value::Int(n), Value::Int(0)];

    let mut best = f64::MAX;
    let mut instructions = 0;
    for _ in 0..5 {
        let mut a = args.clone();
        let t = Instant::now();
        let r = Interpreter::new().run(m, 0, &mut a, Direction::Forward).expect("runs");
        best = best.min(t.elapsed().as_secs_f64());
        instructions = r.instructions;
    }
    let mips = |i: u64, s: f64| i as f64 / s / 1e6;
    println!(
        "plain run:               {instructions} instructions, {:.1} ms, {:.0} M instructions/s",
        best * 1e3,
        mips(instructions, best)
    );

    let mut d = Debugger::new(m, 0, args.clone(), Direction::Forward).expect("session");
    let t = Instant::now();
    let stop = d.advance(Motion::Continue, true);
    let s = t.elapsed().as_secs_f64();
    assert_eq!(stop, Stop::End);
    let fwd = d.executed();
    println!(
        "debugger continue:       {fwd} instructions, {:.1} ms, {:.0} M instructions/s ({} steps)",
        s * 1e3,
        mips(fwd, s),
        d.position()
    );

    let b = d.add_break(BreakAt::Line(2));
    let steps = d.position();
    let t = Instant::now();
    let stop = d.advance(Motion::Continue, false);
    let s = t.elapsed().as_secs_f64();
    assert_eq!(stop, Stop::Break(b.id));
    let back = d.executed() - fwd;
    println!(
        "rcontinue to breakpoint: {back} instructions back, {:.1} ms, {:.0} M instructions/s",
        s * 1e3,
        mips(back, s)
    );
    println!(
        "bytes held: {} after {steps} steps forward and back ({} per step)",
        d.bytes_held(),
        d.bytes_held() as u64 / steps.max(1)
    );
}
