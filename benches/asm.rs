//! Assembler throughput: what `rdx asm` does to a large straight-line gene, phase by phase.
//!
//! The workload is a generated 200 000-line gene (`common/big_gene.rs`). Each phase is timed
//! on its own (best of several runs): lex (the token list the grammar path needs), parse
//! through the grammar path alone and through `parse` (the fast path, which lexes as it goes),
//! check, compile (which verifies the module it built), verify alone, encode, CID; then the
//! whole of `rdx asm` in-process: read the file, parse, check, compile, encode, CID, write.
//!
//! Run with `cargo bench --bench asm` (optionally `-- LINES`, `-- --only PHASE`). To time the
//! real command on the same text, write it out with `-- --emit big.rdx` and run
//! `rdx asm big.rdx -o big.rdxb`.

#[path = "common/big_gene.rs"]
mod common;

use rdx_lang::check::{CheckOptions, check, check_owned};
use std::time::{Duration, Instant};

const REPS: usize = 7;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lines = args.iter().find_map(|a| a.parse::<usize>().ok()).unwrap_or(200_000);
    let src = common::big_gene(lines);
    if let Some(at) = args.iter().position(|a| a == "--emit") {
        let path = args.get(at + 1).expect("--emit needs a path");
        std::fs::write(path, &src).expect("write the generated gene");
        println!("wrote {lines} lines ({} bytes) to {path}", src.len());
        return;
    }
    let lines = src.lines().count();
    let dir = std::env::temp_dir().join(format!("rdx-asm-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let input = dir.join("big.rdx");
    let output = dir.join("big.rdxb");
    std::fs::write(&input, &src).expect("write input");

    let opts = CheckOptions { strict: false, kernels: &[] };
    let program = rdx_lang::parser::parse(&src).expect("the generated gene parses");
    let checked = check(&program, &opts).expect("the generated gene checks");
    let module = rdx_vm::compile(&checked, "big.rdx", &src).expect("the generated gene compiles");
    let bytes = module.encode();
    let instructions: usize = module.genes.iter().map(|g| g.code.len()).sum();
    println!(
        "rdx asm on a generated straight-line gene: {lines} lines, {} bytes, {instructions} instructions, \
         module {} bytes (best of {REPS})",
        src.len(),
        bytes.len()
    );

    // `-- --only NAME` runs one phase (or `whole`), e.g. under a profiler.
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1));
    let run = |name: &str| only.is_none_or(|o| name.starts_with(o.as_str()));
    let phase = |name: &str, f: &mut dyn FnMut() -> Duration| {
        if run(name) {
            report(name, f(), lines);
        }
    };
    phase("lex", &mut || best(|| rdx_lang::lexer::lex(&src).0.len()));
    phase("grammar parse", &mut || best(|| rdx_lang::parser::parse_reference(&src).map(|p| p.genes.len())));
    phase("parse", &mut || best(|| rdx_lang::parser::parse(&src).map(|p| p.genes.len())));
    phase("check", &mut || {
        best_with(|| program.clone(), |p| check_owned(p, &opts).map(|c| c.program.genes.len()))
    });
    phase("compile (+ verify)", &mut || {
        best(|| rdx_vm::compile(&checked, "big.rdx", &src).map(|m| m.genes.len()))
    });
    phase("verify alone", &mut || best_with(|| module.clone(), |mut m| m.verify().map(|()| m.genes.len())));
    phase("encode", &mut || best(|| module.encode().len()));
    phase("cid", &mut || best(|| rdx_vm::module::cid_of(&bytes).len()));
    if !run("whole") {
        return;
    }
    let whole = best(|| asm(&input, &output, &opts));
    report("whole (read … write)", whole, lines);
    assert_eq!(std::fs::read(&output).expect("read output"), bytes, "the module bytes differ");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `rdx asm IN -o OUT`, in-process: the module's CID. (The IR it forgets is memory leaked by
/// the benchmark, as many times as it runs.)
fn asm(input: &std::path::Path, output: &std::path::Path, opts: &CheckOptions<'_>) -> String {
    let text = std::fs::read_to_string(input).expect("read");
    let program = rdx_lang::parser::parse(&text).expect("parse");
    let checked = check_owned(program, opts).expect("check");
    let module = rdx_vm::compile(&checked, "big.rdx", &text).expect("compile");
    // As `rdx asm` does: the IR is left to the operating system, not freed node by node.
    std::mem::forget(checked);
    let bytes = module.encode();
    std::fs::write(output, &bytes).expect("write");
    rdx_vm::module::cid_of(&bytes)
}

fn report(name: &str, t: Duration, lines: usize) {
    let s = t.as_secs_f64();
    println!("  {name:<24} {:>9.2} ms  {:>12.0} lines/s", s * 1e3, lines as f64 / s);
}

/// The shortest of [`REPS`] runs of `f` (its result is dropped outside the timing).
fn best<T>(mut f: impl FnMut() -> T) -> Duration {
    best_with(|| (), |()| f())
}

/// The shortest of [`REPS`] runs of `f` on a fresh `setup()` each (setup is not timed).
fn best_with<S, T>(mut setup: impl FnMut() -> S, mut f: impl FnMut(S) -> T) -> Duration {
    (0..REPS)
        .map(|_| {
            let s = setup();
            let t0 = Instant::now();
            let r = f(s);
            let t = t0.elapsed();
            drop(std::hint::black_box(r));
            t
        })
        .min()
        .unwrap_or_default()
}
