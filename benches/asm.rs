//! Assembler throughput: what `rdx asm` does to large generated programs, phase by phase.
//!
//! Three workloads of 200 000 lines each (`common/big_gene.rs`): `straight`, one straight-line
//! gene; `structured`, a gene with loops (some nested), branches, calls and array indexing
//! throughout; `janus`, a Janus (.ja) program of the same mix. Each phase is timed on its own
//! (best of several runs): lex (the token list the grammar path needs) and the grammar path
//! alone (rdx only: the path that reports syntax errors, not the one well-formed files take),
//! parse (what `rdx asm` runs: the rdx fast path, which lexes as it goes, or the Janus parser
//! and lowering), check, compile (which verifies the module it built and builds the tables a
//! run uses), verify alone, compile as `rdx asm` does (every check, no run tables, encoded),
//! encode, CID; then the whole of `rdx asm` in-process: read the file, parse, check, compile, encode,
//! CID, write; and last the real command as a process (`rdx asm IN -o OUT`, start-up and exit
//! included), the figure the README quotes. (In-process, the IR each run leaves behind costs the
//! next run fresh pages, so "whole" reads slower than the process on a busy machine.)
//!
//! Run with `cargo bench --bench asm` (optionally `-- LINES`, `-- --workload NAME`,
//! `-- --only PHASE`). To time the real command on the same text, write it out with
//! `-- --workload NAME --emit big.rdx` and run `rdx asm big.rdx -o big.rdxb`.

#[path = "common/big_gene.rs"]
mod common;

use rdx_lang::ast::Dialect;
use rdx_lang::check::{CheckOptions, check, check_owned};
use std::time::{Duration, Instant};

const REPS: usize = 7;

/// A workload's name, its generator (of a program of so many lines) and its dialect.
type Workload = (&'static str, fn(usize) -> String, Dialect);

/// The allocator of the `rdx` command (`src/main.rs`), so the phases cost what they cost there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lines = args.iter().find_map(|a| a.parse::<usize>().ok()).unwrap_or(200_000);
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1));
    let workloads: [Workload; 3] = [
        ("straight", common::big_gene, Dialect::Rdx),
        ("structured", common::structured_gene, Dialect::Rdx),
        ("janus", common::big_janus, Dialect::Janus),
    ];
    let chosen = value("--workload");
    let only = value("--only");
    for (name, make, dialect) in workloads {
        if chosen.is_some_and(|w| !name.starts_with(w.as_str())) {
            continue;
        }
        let src = make(lines);
        if let Some(path) = value("--emit") {
            std::fs::write(path, &src).expect("write the generated program");
            println!("wrote the {name} workload, {lines} lines ({} bytes), to {path}", src.len());
            return;
        }
        workload(name, &src, dialect, only.map(String::as_str));
    }
}

/// Times every phase (or those whose name starts with `only`) on one program.
fn workload(name: &str, src: &str, dialect: Dialect, only: Option<&str>) {
    let lines = src.lines().count();
    let dir = std::env::temp_dir().join(format!("rdx-asm-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = if dialect == Dialect::Janus { "big.ja" } else { "big.rdx" };
    let input = dir.join(file);
    let output = dir.join("big.rdxb");
    std::fs::write(&input, src).expect("write input");

    let opts = CheckOptions { strict: false, kernels: &[] };
    let program = rdx_lang::parse(src, dialect).expect("the generated program parses");
    let checked = check(&program, &opts).expect("the generated program checks");
    let module = rdx_vm::compile(&checked, file, src).expect("the generated program compiles");
    let bytes = module.encode();
    let instructions: usize = module.genes.iter().map(|g| g.code.len()).sum();
    println!(
        "rdx asm, {name} workload: {lines} lines, {} bytes, {instructions} instructions, module {} bytes \
         (best of {REPS})",
        src.len(),
        bytes.len()
    );

    let run = |phase: &str| only.is_none_or(|o| phase.starts_with(o));
    let phase = |phase: &str, f: &mut dyn FnMut() -> Duration| {
        if run(phase) {
            report(phase, f(), lines);
        }
    };
    if dialect == Dialect::Rdx {
        phase("lex", &mut || best(|| rdx_lang::lexer::lex(src).0.len()));
        phase("grammar parse", &mut || {
            best(|| rdx_lang::parser::parse_reference(src).map(|p| p.genes.len()))
        });
    }
    phase("parse", &mut || best(|| rdx_lang::parse(src, dialect).map(|p| p.genes.len())));
    phase("check", &mut || {
        best_with(|| program.clone(), |p| check_owned(p, &opts).map(|c| c.program.genes.len()))
    });
    phase("compile (+ verify)", &mut || best(|| rdx_vm::compile(&checked, file, src).map(|m| m.genes.len())));
    phase("verify alone", &mut || best_with(|| module.clone(), |mut m| m.verify().map(|()| m.genes.len())));
    phase("compile for rdx asm (checks + encode)", &mut || {
        best(|| rdx_vm::compile_encoded(&checked, file, src).map(|b| b.len()))
    });
    phase("encode", &mut || best(|| module.encode().len()));
    phase("cid", &mut || best(|| rdx_vm::module::cid_of(&bytes).len()));
    if run("whole") {
        let whole = best(|| asm(&input, &output, dialect, &opts));
        report("whole (read … write)", whole, lines);
        assert_eq!(std::fs::read(&output).expect("read output"), bytes, "the module bytes differ");
    }
    if run("rdx asm") {
        let process = best(|| rdx_asm(&input, &output));
        report("rdx asm (the process)", process, lines);
        assert_eq!(std::fs::read(&output).expect("read output"), bytes, "the module bytes differ");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `rdx asm IN -o OUT`, in-process: the module's CID. (The IR it forgets is memory leaked by
/// the benchmark, as many times as it runs.)
fn asm(
    input: &std::path::Path,
    output: &std::path::Path,
    dialect: Dialect,
    opts: &CheckOptions<'_>,
) -> String {
    let text = std::fs::read_to_string(input).expect("read");
    let program = rdx_lang::parse(&text, dialect).expect("parse");
    let checked = check_owned(program, opts).expect("check");
    let name = input.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let bytes = rdx_vm::compile_encoded(&checked, name, &text).expect("compile");
    // As `rdx asm` does: the IR is left to the operating system, not freed node by node.
    std::mem::forget(checked);
    std::fs::write(output, &bytes).expect("write");
    rdx_vm::module::cid_of(&bytes)
}

/// The real command, `rdx asm IN -o OUT`, as a process: start-up, the whole pipeline, the write
/// and the exit. Unlike [`asm`] in this long-lived process, every run starts from a fresh address
/// space, which is what a user gets.
fn rdx_asm(input: &std::path::Path, output: &std::path::Path) {
    // Run in the input's directory with its bare name, so the module's debug section names the
    // file as the in-process phases do and the bytes can be compared.
    let dir = input.parent().expect("the input has a directory");
    let name = input.file_name().expect("the input has a name");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_rdx"))
        .current_dir(dir)
        .arg("asm")
        .arg(name)
        .arg("-o")
        .arg(output)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("start rdx");
    assert!(status.success(), "rdx asm failed: {status}");
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
