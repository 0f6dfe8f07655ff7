//! The benchmark suite end to end: the `rdx run` process (release build: start-up, reading the
//! source and the input state, checking, compiling — and the JIT's code generation — running,
//! printing) against a native process doing the same work, per program of
//! vm/benches/suite/ (table and native twins in vm/benches/common/suite.rs).
//!
//! Run with `cargo bench --bench e2e` (optionally `-- [--reps K] [--scale S] [--keep] [NAME…]`;
//! `--scale` multiplies each program's benchmark size, default 10, so the work is not lost in
//! start-up; `--keep` leaves the sources and input files in the printed folder, to profile one
//! `rdx run` by hand).
//! The native process is this benchmark itself started again with `RDX_E2E_NATIVE=NAME:N`: it
//! reads and parses the same JSON input file as `rdx run` (then builds its twin's native state
//! from the same generator), runs the twin once and prints the final state. The outputs of both processes are
//! checked against the twin run in-process before anything is timed. Processes are interleaved and
//! the median of `reps` wall times is kept.

use rdx_vm::values::format_result;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[allow(dead_code)]
#[path = "../vm/benches/common/suite.rs"]
mod suite;
use suite::{Program, geomean, ms, programs};

fn main() {
    if let Ok(spec) = std::env::var("RDX_E2E_NATIVE") {
        native_process(&spec);
        return;
    }
    let mut reps = 11;
    let mut scale = 10;
    let mut keep = false;
    let mut only = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--reps" => reps = it.next().and_then(|k| k.parse().ok()).filter(|&k| k > 0).expect("--reps K"),
            "--scale" => {
                scale = it.next().and_then(|k| k.parse().ok()).filter(|&k| k > 0).expect("--scale S")
            }
            "--keep" => keep = true,
            "--bench" => {}
            _ => only.push(a),
        }
    }
    let rdx = env!("CARGO_BIN_EXE_rdx");
    let dir = std::env::temp_dir().join(format!("rdx-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");

    let empty = dir.join("empty.rdx");
    std::fs::write(&empty, "gene main(x: u64) {\n    x += 1\n}\n").expect("written");
    let startup =
        median((0..reps).map(|_| time(Command::new(rdx).args(["run", "--no-ledger"]).arg(&empty))).collect());
    println!(
        "`rdx run` process vs native process, median of {reps} interleaved wall times, sizes = {scale} × the \
         suite's; `rdx run` of a one-line gene takes {}\n",
        ms(startup)
    );
    println!("| program | size | native | rdx interp | rdx jit | interp/native | jit/native |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let (mut ri, mut rj) = (Vec::new(), Vec::new());
    for p in programs().iter().filter(|p| only.is_empty() || only.iter().any(|o| o == p.name)) {
        let n = p.bench * scale;
        let ext = if p.file.ends_with(".ja") { "ja" } else { "rdx" };
        let source = dir.join(format!("{}.{ext}", p.name));
        std::fs::write(&source, p.source_at(n)).expect("written");
        let input = dir.join(format!("{}.json", p.name));
        std::fs::write(&input, input_json(p, n)).expect("written");

        let native = || {
            let mut c = Command::new(std::env::current_exe().expect("this benchmark"));
            c.env("RDX_E2E_NATIVE", format!("{}:{n}:{}", p.name, input.display()));
            c
        };
        let run = |backend: &str| {
            let mut c = Command::new(rdx);
            c.args(["run", "--no-ledger", "--json", "--backend", backend, "--entry", p.entry, "--input"])
                .arg(&input)
                .arg(&source);
            c
        };
        let mut case = (p.case)(n);
        case.native.run();
        assert_eq!(
            output(&mut native()).trim(),
            format!("{:?}", case.native.state()),
            "{}: native process",
            p.name
        );
        let m = p.module(n);
        let expected = format_result(&m, p.gene(&m), &case.native.state(), true);
        for backend in ["interp", "jit"] {
            let got = output(&mut run(backend));
            assert_eq!(
                got.trim(),
                expected.trim(),
                "{}: rdx run --backend {backend} differs from the native twin",
                p.name
            );
        }
        let (mut tn, mut ti, mut tj) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..reps {
            tn.push(time(&mut native()));
            ti.push(time(&mut run("interp")));
            tj.push(time(&mut run("jit")));
        }
        let (tn, ti, tj) = (median(tn), median(ti), median(tj));
        let (a, b) = (ti.as_secs_f64() / tn.as_secs_f64(), tj.as_secs_f64() / tn.as_secs_f64());
        ri.push(a);
        rj.push(b);
        println!("| {} | {n} {} | {} | {} | {} | {a:.1} | {b:.2} |", p.name, p.unit, ms(tn), ms(ti), ms(tj));
    }
    println!("| **geometric mean** | | | | | **{:.1}** | **{:.2}** |", geomean(&ri), geomean(&rj));
    if keep {
        println!("\nSources and inputs kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The program's input state at size n, as the JSON object `rdx run --json` prints.
fn input_json(p: &Program, n: u64) -> String {
    let m = p.module(n);
    format_result(&m, p.gene(&m), &(p.case)(n).input, true)
}

/// The native process: `NAME:N:INPUT` — reads and parses the input file as `rdx run` must, runs
/// the twin once, prints the final state (`Debug` of the values, so nothing of rdx runs here).
fn native_process(spec: &str) {
    let mut parts = spec.splitn(3, ':');
    let (name, n, input) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    let n: u64 = n.parse().expect("a size");
    let text = std::fs::read_to_string(Path::new(input)).expect("the input file");
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("a JSON input");
    std::hint::black_box(&parsed);
    let p = programs().into_iter().find(|p| p.name == name).expect("a suite program");
    let mut case = (p.case)(n);
    case.native.run();
    println!("{:?}", case.native.state());
}

fn output(c: &mut Command) -> String {
    let out = c.output().expect("the process runs");
    assert!(out.status.success(), "{c:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

fn time(c: &mut Command) -> Duration {
    let t = Instant::now();
    let status = c.stdout(Stdio::null()).status().expect("the process runs");
    let took = t.elapsed();
    assert!(status.success(), "{c:?} failed");
    took
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}
