//! `--kernel FILE.wasm` on every subcommand that compiles a program from source: with it, a
//! program calling a user kernel is planned, probed, looped, disassembled, swept by `perm` and
//! compiled by `circuit`; without it, the compile error E0215, whose help names `--kernel`, a
//! flag each of these commands has.

mod common;
use common::{TempHome, stderr};

/// One gene, calling `kid`.
const ONE: &str = "gene g(x: f64[4]) {\n    kernel kid(x)\n}\n";

/// A gene over u8 state beside one calling `kid`: `perm` and `circuit` take `h`.
const TWO: &str = "gene g(x: f64[4]) {\n    kernel kid(x)\n}\n\ngene h(a: u8) {\n    a += 3\n}\n";

/// A home with `kid.wasm`, `one.rdx` and `two.rdx` in it: (home, kernel, one, two).
fn setup(tag: &str) -> (TempHome, String, String, String) {
    let home = TempHome::new(&format!("kernel-option-{tag}"));
    let kernel = home.file("kid.wasm", common::negating_kernel("kid"));
    let one = home.file("one.rdx", ONE);
    let two = home.file("two.rdx", TWO);
    (home, kernel, one, two)
}

/// Each subcommand that compiles a program, as run here: its arguments before the kernel
/// option, with `{one}` or `{two}` for the program.
const COMMANDS: [(&str, &[&str]); 9] = [
    ("plan", &["plan", "{one}", "--set", "x=[1,2,3,4]"]),
    ("hint", &["hint", "{one}", "--set", "x=[1,2,3,4]"]),
    ("loop", &["loop", "{one}", "--set", "x=[1,2,3,4]", "-n", "2"]),
    ("probe", &["probe", "{one}", "--set", "x=[1,2,3,4]", "-n", "2", "--warmup", "0"]),
    ("disasm", &["disasm", "{one}"]),
    ("perm", &["perm", "{two}", "--entry", "h", "--no-store"]),
    ("circuit", &["circuit", "{two}", "--entry", "h"]),
    ("run", &["run", "{one}", "--set", "x=[1,2,3,4]", "--backend", "auto"]),
    ("check", &["check", "{one}"]),
];

fn args<'a>(template: &[&'a str], one: &'a str, two: &'a str) -> Vec<&'a str> {
    template
        .iter()
        .map(|a| match *a {
            "{one}" => one,
            "{two}" => two,
            a => a,
        })
        .collect()
}

#[test]
fn every_command_that_compiles_takes_kernel() {
    let (home, kernel, one, two) = setup("with");
    for (name, template) in COMMANDS {
        let mut a = args(template, &one, &two);
        a.extend(["--kernel", kernel.as_str()]);
        let out = home.rdx(&a);
        assert!(out.status.success(), "rdx {name} with --kernel failed: {}", stderr(&out));
    }
}

#[test]
fn without_kernel_the_error_is_e0215_naming_a_flag_the_command_has() {
    let (home, _, one, two) = setup("without");
    for (name, template) in COMMANDS {
        let out = home.rdx(&args(template, &one, &two));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "rdx {name}: {err}");
        assert!(err.contains("E0215") && err.contains("unknown kernel `kid`"), "rdx {name}: {err}");
        assert!(err.contains("--kernel FILE.wasm"), "rdx {name}: {err}");
        let help = String::from_utf8(home.rdx(&[name, "--help"]).stdout).expect("utf-8");
        assert!(help.contains("--kernel <FILE.wasm>"), "rdx {name} --help has no --kernel:\n{help}");
    }
}

#[test]
fn every_subcommand_that_takes_a_program_has_kernel() {
    // The commands of `rdx --help` whose usage takes a program (FILE, FILE|CID, FILE|URL): each
    // may meet E0215, so each takes the flag its help names.
    let home = TempHome::new("kernel-option-help");
    let top = String::from_utf8(home.rdx(&["--help"]).stdout).expect("utf-8");
    let commands: Vec<&str> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.contains(&"perm"), "{top}");
    let mut checked = 0;
    for c in commands {
        let help = String::from_utf8(home.rdx(&[c, "--help"]).stdout).expect("utf-8");
        let usage = help.lines().find(|l| l.starts_with("Usage:")).unwrap_or_default();
        let program = ["<FILE>", "<FILE|CID>", "[FILE|CID]", "[FILE|URL]"].iter().any(|f| usage.contains(f));
        if program {
            checked += 1;
            assert!(help.contains("--kernel <FILE.wasm>"), "rdx {c} --help has no --kernel:\n{help}");
        }
    }
    assert!(checked >= 12, "only {checked} commands take a program");
}

#[test]
fn kernels_run_where_the_command_runs_the_gene() {
    let (home, kernel, one, two) = setup("runs");
    let k = kernel.as_str();
    // The probe's runs call the kernel on both engines: a run without it would fail (exit 1).
    let probes = home.json(&[
        "probe",
        &one,
        "--set",
        "x=[1,2,3,4]",
        "-n",
        "1",
        "--warmup",
        "0",
        "--json",
        "--kernel",
        k,
    ]);
    let probes = probes.as_array().expect("an array");
    assert_eq!(probes.len(), 2, "{probes:?}");
    assert!(probes.iter().all(|p| p["outcome"] == "ok"), "{probes:?}");
    // Each cycle of `loop` runs the gene with the kernel and records the kernel with the run.
    home.ok(&["loop", &one, "--set", "x=[1,2,3,4]", "-n", "2", "--kernel", k]);
    let runs = home.log();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert!(runs.iter().all(|r| r["outcome"] == "ok"), "{runs:?}");
    assert!(runs.iter().all(|r| r["kernels"].as_array().is_some_and(|k| k.len() == 1)), "{runs:?}");
    // `perm` refuses a gene that calls a kernel, and `circuit` has none for it: usage errors
    // of the gene, not of a missing kernel.
    let out = home.rdx(&["perm", &two, "--entry", "g", "--no-store", "--kernel", k]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains("E0215"), "{}", stderr(&out));
    let out = home.rdx(&["circuit", &two, "--entry", "g", "--kernel", k]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains("E0215"), "{}", stderr(&out));
    // `perm` of the other gene is its own permutation: a += 3 on u8 has order 256.
    let perm = home.json(&["perm", &two, "--entry", "h", "--no-store", "--json", "--kernel", k]);
    assert_eq!(perm["order"], 256, "{perm}");
    // `disasm` lists the kernel call.
    let text = home.ok(&["disasm", &one, "--kernel", k]);
    assert!(text.contains("kid"), "{text}");
}

#[test]
fn with_user_kernels_plan_hint_and_loop_stay_here() {
    // As `rdx run --backend auto` with --kernel, no peer is considered (spec/planner.md §5).
    let (home, kernel, one, _) = setup("peers");
    let k = kernel.as_str();
    home.ok(&["peer", "add", "lab", "http://127.0.0.1:9"]);
    let hint = home.json(&["hint", &one, "--set", "x=[1,2,3,4]", "--json", "--kernel", k]);
    let arms = hint["arms"].as_array().expect("arms");
    assert!(arms.iter().all(|a| a["where"] == "local"), "{hint}");
    let plan = home.json(&["plan", &one, "--set", "x=[1,2,3,4]", "--json", "--kernel", k]);
    assert_eq!(plan["where"], "local", "{plan}");
    let out = home.rdx(&["loop", &one, "--set", "x=[1,2,3,4]", "-n", "3", "--kernel", k]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("did not run it"), "{}", stderr(&out));
    assert!(home.log().iter().all(|r| r.get("on").is_none_or(serde_json::Value::is_null)));
}

#[test]
fn probe_refuses_kernel_without_a_program() {
    let (home, kernel, _, _) = setup("probe-usage");
    let out = home.rdx(&["probe", "--kernel", &kernel, "-n", "1", "--", "true"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--kernel loads user kernels for the runs of an rdx program"),
        "{}",
        stderr(&out)
    );
}
