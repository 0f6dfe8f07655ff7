//! Kernels end to end through the `rdx` binary: `rdx kernels`, `--kernel FILE.wasm`, the `// run:`
//! lines of `stdlib/kernels/*.rdx` (floats within 1e-12 relative, both directions), forward then
//! backward round trips, `--checked`, hostile kernels, type errors and I4/I5 in `rdx check`.

use rdx_lang::ast::{Elem, Type};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `rdx` from the repository root: (stdout, stderr, exit code).
fn rdx(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_rdx"))
        .env("RDX_NO_LEDGER", "1")
        .current_dir(root())
        .args(args)
        .output()
        .expect("rdx runs");
    (
        String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        String::from_utf8(out.stderr).expect("UTF-8 stderr"),
        out.status.code().unwrap_or(-1),
    )
}

/// A scratch directory for this test process.
fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rdx-cli-kernels-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Assembles a WAT fixture into `dir` and returns the `.wasm` path.
fn wasm(wat_path: &Path, dir: &Path) -> PathBuf {
    let bytes = wat::parse_file(wat_path).unwrap_or_else(|e| panic!("{}: {e}", wat_path.display()));
    let out = dir.join(wat_path.with_extension("wasm").file_name().expect("file name"));
    std::fs::write(&out, bytes).expect("write wasm");
    out
}

fn fixture(name: &str, dir: &Path) -> PathBuf {
    wasm(&root().join("kernels/tests/fixtures").join(format!("{name}.wat")), dir)
}

fn write(dir: &Path, name: &str, src: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, src).expect("write program");
    p
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

// ---- values -------------------------------------------------------------------------------

/// The `name = value` lines of a run's text output, as (name, value text) pairs.
fn parse_output(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once(" = "))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// Numbers of a value text `[[1, 2], 3]` → [1, 2, 3] (NaN/inf not used here).
fn numbers(v: &str) -> Vec<f64> {
    v.split(['[', ']', ','])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| t.parse::<f64>().unwrap_or_else(|_| panic!("`{t}` in `{v}` is not a number")))
        .collect()
}

/// Within 1e-12 relative: ‖a − b‖ ≤ 1e-12 ‖b‖ (so an all-zero expectation must match exactly).
/// The test programs' integers are small, so comparing them as f64 is exact.
fn close(a: &[f64], b: &[f64]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>().sqrt();
    let norm: f64 = b.iter().map(|y| y * y).sum::<f64>().sqrt();
    diff <= 1e-12 * norm.max(f64::MIN_POSITIVE)
}

/// The type of each parameter of `gene` (from the parsed program), to tell how many words a
/// buffer has when a run line leaves it unset.
fn param_types(src: &str, gene: &str) -> Vec<(String, Type)> {
    let p = rdx_lang::parser::parse(src).expect("parses");
    p.genes
        .iter()
        .find(|g| g.name.name == gene)
        .unwrap_or_else(|| panic!("no gene {gene}"))
        .params
        .iter()
        .map(|p| (p.name.name.clone(), p.ty))
        .collect()
}

/// Compares actual output with expected `name=value` pairs (unset: zero).
fn matches(actual: &str, expected: &[(String, String)], types: &[(String, Type)]) -> Result<(), String> {
    let got = parse_output(actual);
    for (name, ty) in types {
        let a = got.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).ok_or(format!("no `{name}`"))?;
        let zero = match ty {
            Type::Array(e, n) => vec![0.0; (*n * e.words()) as usize],
            _ => vec![0.0],
        };
        let want = expected.iter().find(|(n, _)| n == name).map_or(zero, |(_, v)| {
            let mut w = numbers(v);
            // A bare number in a c64 list is a complex number with imaginary part 0.
            if let Type::Array(Elem::C64, n) = ty
                && w.len() as u64 == *n
            {
                w = w.into_iter().flat_map(|x| [x, 0.0]).collect();
            }
            w
        });
        if !close(&numbers(a), &want) {
            return Err(format!("`{name}` is {a}, expected {want:?}"));
        }
    }
    Ok(())
}

fn assignments(s: &str) -> Vec<(String, String)> {
    rdx_vm::values::parse_assignments(s).expect("name=value pairs")
}

fn sets(pairs: &[(String, String)]) -> Vec<String> {
    pairs.iter().flat_map(|(n, v)| ["--set".to_string(), format!("{n}={}", v.replace(' ', ""))]).collect()
}

// ---- tests --------------------------------------------------------------------------------

#[test]
fn stdlib_kernel_programs_run_lines_hold_both_ways_on_both_engines() {
    let dir = root().join("stdlib/kernels");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("stdlib/kernels")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rdx"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut failures = Vec::new();
    let mut count = 0;
    for f in &files {
        let src = std::fs::read_to_string(f).expect("readable");
        let rel = f.strip_prefix(root()).expect("under root").to_str().expect("UTF-8").to_string();
        let (out, err, code) = rdx(&["check", &rel]);
        assert_eq!(code, 0, "{rel}: rdx check failed\n{out}{err}");
        for (i, line) in src.lines().enumerate() {
            let Some(rest) = line.trim_start().strip_prefix("// run:") else { continue };
            count += 1;
            let (lhs, rhs) = rest.split_once("==").expect("==");
            let (gene, args) = lhs.trim().split_once('(').expect("(");
            let inputs = assignments(args.trim().strip_suffix(')').expect(")"));
            let outputs =
                assignments(rhs.trim().strip_prefix('(').and_then(|r| r.strip_suffix(')')).expect("(…)"));
            let types = param_types(&src, gene.trim());
            for backend in ["interp", "jit"] {
                for (reverse, from, to) in [(false, &inputs, &outputs), (true, &outputs, &inputs)] {
                    let mut args = vec!["run".to_string(), rel.clone(), "--entry".into(), gene.trim().into()];
                    args.extend(["--backend".to_string(), backend.into()]);
                    if reverse {
                        args.push("--reverse".into());
                    }
                    args.extend(sets(from));
                    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
                    let (out, err, code) = rdx(&argv);
                    let dir = if reverse { "backward" } else { "forward" };
                    if code != 0 {
                        failures.push(format!("{rel}:{} {dir} on {backend}: exit {code}\n{err}", i + 1));
                    } else if let Err(e) = matches(&out, to, &types) {
                        failures.push(format!("{rel}:{} {dir} on {backend}: {e}", i + 1));
                    }
                }
            }
        }
    }
    assert!(count >= 5, "only {count} run lines");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn kernels_lists_the_stdlib_and_user_kernels() {
    let (out, err, code) = rdx(&["kernels"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["name", "mirror", "elem", "kind", "order", "length", "origin"]
    );
    for k in ["bitrev", "fft", "gray", "haar", "ifft", "kravchuk", "ungray", "unhaar", "wht"] {
        assert!(lines.iter().any(|l| l.split_whitespace().next() == Some(k)), "{k} missing:\n{out}");
    }
    let fft: Vec<&str> =
        lines.iter().find(|l| l.starts_with("fft ")).expect("fft row").split_whitespace().collect();
    assert_eq!(fft, ["fft", "ifft", "c64", "unitary", "4", "pow2", "stdlib"]);
    let dir = scratch("list");
    let inc = fixture("inc", &dir);
    let (out, err, code) = rdx(&["kernels", "--kernel", s(&inc)]);
    assert_eq!(code, 0, "{err}");
    let row = out.lines().find(|l| l.starts_with("inc ")).expect("inc listed");
    assert!(
        row.contains("dec") && row.contains("u64") && row.contains("exact") && row.contains(s(&inc)),
        "{row}"
    );
    assert!(out.lines().any(|l| l.starts_with("dec ")), "{out}");
    // A bad file is a usage error naming the problem.
    let (_, err, code) = rdx(&["kernels", "--kernel", s(&fixture("import", &dir))]);
    assert_eq!(code, 2);
    assert!(err.contains("may not import anything"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn user_kernel_runs_forward_and_backward() {
    let dir = scratch("user");
    let inc = fixture("inc", &dir);
    let prog = write(&dir, "inc.rdx", "gene main(a: u64[3]) {\n    kernel inc(a)\n    kernel inc(a)\n}\n");
    let (out, err, code) = rdx(&["run", s(&prog), "--kernel", s(&inc), "--set", "a=[1,2,3]"]);
    assert_eq!((code, out.as_str()), (0, "a = [3, 4, 5]\n"), "{err}");
    let (out, err, code) = rdx(&["run", s(&prog), "--kernel", s(&inc), "--reverse", "--set", "a=[3,4,5]"]);
    assert_eq!((code, out.as_str()), (0, "a = [1, 2, 3]\n"), "{err}");
    // Without --kernel the name is unknown: a compile error.
    let (_, err, code) = rdx(&["run", s(&prog), "--set", "a=[1,2,3]"]);
    assert_eq!(code, 2);
    assert!(err.contains("E0215") && err.contains("unknown kernel `inc`"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn forward_then_backward_is_the_identity_within_1e_12() {
    // A deterministic pseudo-random signal of 64 complex numbers.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let signal: Vec<f64> = (0..128).map(|_| next()).collect();
    let text = format!(
        "[{}]",
        signal.chunks(2).map(|p| format!("[{:?},{:?}]", p[0], p[1])).collect::<Vec<_>>().join(",")
    );
    let dir = scratch("roundtrip");
    let prog = write(
        &dir,
        "rt.rdx",
        "gene main(z: c64[64], w: f64[64]) {\n    kernel fft(z)\n    kernel bitrev(z)\n    kernel ifft(z)\n    kernel wht(w)\n    kernel kravchuk(w)\n}\n",
    );
    let real = format!("[{}]", signal[..64].iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(","));
    let z = format!("z={text}");
    let w = format!("w={real}");
    let (fwd, err, code) = rdx(&["run", s(&prog), "--set", &z, "--set", &w]);
    assert_eq!(code, 0, "{err}");
    let got = parse_output(&fwd);
    assert!(!close(&numbers(&got[0].1), &signal), "the forward run changed nothing");
    let back_z = format!("z={}", got[0].1.replace(' ', ""));
    let back_w = format!("w={}", got[1].1.replace(' ', ""));
    let (back, err, code) = rdx(&["run", s(&prog), "--reverse", "--set", &back_z, "--set", &back_w]);
    assert_eq!(code, 0, "{err}");
    let again = parse_output(&back);
    assert!(close(&numbers(&again[0].1), &signal), "z did not come back: {}", again[0].1);
    assert!(close(&numbers(&again[1].1), &signal[..64]), "w did not come back: {}", again[1].1);
    // JSON output carries the same numbers.
    let (json, _, code) = rdx(&["run", s(&prog), "--json", "--set", &z, "--set", &w]);
    assert_eq!(code, 0);
    assert!(json.starts_with("{\"z\": [[") && json.contains("\"w\": ["), "{json}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn checked_runs_verify_each_call() {
    let dir = scratch("checked");
    let liar = fixture("liar_norm", &dir);
    let prog = write(&dir, "liar.rdx", "gene main(x: f64[4]) {\n    kernel liar(x)\n}\n");
    let set = ["--set", "x=[1,2,3,4]"];
    let (_, err, code) = rdx(&[&["run", s(&prog), "--kernel", s(&liar)][..], &set[..]].concat());
    assert_eq!(code, 0, "unchecked runs trust the metadata: {err}");
    let (_, err, code) = rdx(&[&["run", s(&prog), "--kernel", s(&liar), "--checked"][..], &set[..]].concat());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("R0118") && err.contains("did not preserve the norm"), "{err}");
    assert!(err.contains("kernel liar(x)"), "the error shows the statement: {err}");
    // Honest kernels pass the check both ways.
    let spectrum = "stdlib/kernels/spectrum.rdx";
    for extra in [&[][..], &["--reverse"][..]] {
        let args = [&["run", spectrum, "--checked", "--entry", "lifting", "--set", "a=[5,7,3,1]"][..], extra]
            .concat();
        let (_, err, code) = rdx(&args);
        assert_eq!(code, 0, "{err}");
    }
    let (_, err, code) = rdx(&["run", spectrum, "--checked", "--entry", "spectrum", "--set", "z=[1,2,3,4]"]);
    assert_eq!(code, 0, "{err}");
    // A norm-preserving kernel whose declared order is wrong: caught by the dynamic I5 check.
    let wat = std::fs::read_to_string(root().join("tests/kernels/rot3.wat")).expect("rot3.wat");
    let wat =
        wat.replace("name=rotl\\nmirror=rotr", "name=spin2\\nmirror=unspin2").replace("order=3", "order=2");
    assert!(wat.contains("order=2") && wat.contains("spin2"), "{wat}");
    let fake = dir.join("spin2.wat");
    std::fs::write(&fake, wat).expect("write wat");
    let spin2 = wasm(&fake, &dir);
    let prog = write(&dir, "spin2.rdx", "gene main(x: f64[3]) {\n    kernel spin2(x)\n}\n");
    let base = ["run", s(&prog), "--kernel", s(&spin2), "--set", "x=[1,2,3]"];
    let (out, err, code) = rdx(&base);
    assert_eq!((code, out.as_str()), (0, "x = [2, 3, 1]\n"), "{err}");
    let (_, err, code) = rdx(&[&base[..], &["--checked"][..]].concat());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("declares order 2") && err.contains("(I5)"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hostile_kernels_fail_cleanly() {
    let dir = scratch("hostile");
    let spin = fixture("loop", &dir);
    let prog = write(&dir, "spin.rdx", "gene main(a: u64[2]) {\n    kernel spin(a)\n}\n");
    let (_, err, code) = rdx(&["run", s(&prog), "--kernel", s(&spin)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("fuel exhausted") && err.contains("spin"), "{err}");
    let trap = fixture("trap", &dir);
    let trap_src = std::fs::read_to_string(root().join("kernels/tests/fixtures/trap.wat")).expect("trap.wat");
    let name = trap_src.split("name=").nth(1).and_then(|r| r.split("\\n").next()).expect("trap kernel name");
    let elem = trap_src.split("elem=").nth(1).and_then(|r| r.split("\\n").next()).expect("trap kernel elem");
    // The fixture traps forward on 3 elements and stores out of bounds backward.
    let prog = write(&dir, "trap.rdx", &format!("gene main(a: {elem}[3]) {{\n    kernel {name}(a)\n}}\n"));
    for extra in [&[][..], &["--reverse"][..]] {
        let (_, err, code) = rdx(&[&["run", s(&prog), "--kernel", s(&trap)][..], extra].concat());
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("trapped") && err.contains("boom"), "{err}");
    }
    // A length the kernel never takes is in the buffer's type: refused when checking (E0216).
    let prog = write(&dir, "len.rdx", "gene main(z: c64[3]) {\n    kernel fft(z)\n}\n");
    let (_, err, code) = rdx(&["run", s(&prog)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("E0216") && err.contains("power of two, `z` has 3 elements"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn type_errors_are_compile_errors() {
    let dir = scratch("types");
    let prog = write(&dir, "t.rdx", "gene main(x: f64[8]) {\n    kernel fft(x)\n}\n");
    for cmd in ["run", "check"] {
        let (_, err, code) = rdx(&[cmd, s(&prog)]);
        assert_eq!(code, 2, "{cmd}: {err}");
        assert!(err.contains("E0216"), "{err}");
    }
    let prog = write(&dir, "u.rdx", "gene main(x: f64[8], n: u64) {\n    n += x[1]\n}\n");
    let (_, err, code) = rdx(&["run", s(&prog)]);
    assert_eq!(code, 2);
    assert!(err.contains("E0214"), "{err}");
    // Values that do not fit a buffer are usage errors.
    let prog = write(&dir, "v.rdx", "gene main(z: c64[2]) {\n    kernel fft(z)\n}\n");
    let (_, err, code) = rdx(&["run", s(&prog), "--set", "z=[[1,2,3],0]"]);
    assert_eq!(code, 2, "{err}");
    let (_, err, code) = rdx(&["run", s(&prog), "--set", "z=[1]"]);
    assert_eq!(code, 2, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_reports_i4_and_i5_from_kernel_metadata() {
    let (out, _, code) = rdx(&["check", "stdlib/kernels/spectrum.rdx"]);
    assert_eq!(code, 0);
    assert!(out.contains("I4 mass conservation: holds"), "{out}");
    assert!(out.contains("I5 phase coherence: holds"), "{out}");
    let dir = scratch("inv");
    let rot = wasm(&root().join("tests/kernels/rot3.wat"), &dir);
    let prog = write(&dir, "r.rdx", "gene main(x: f64[3]) {\n    kernel rotl(x)\n}\n");
    let (out, err, code) = rdx(&["check", s(&prog), "--kernel", s(&rot)]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("I5 phase coherence: fails") && out.contains("rotl (unitary, order 3)"), "{out}");
    let (out, err, code) = rdx(&["run", s(&prog), "--kernel", s(&rot), "--set", "x=[1,2,3]"]);
    assert_eq!((code, out.as_str()), (0, "x = [2, 3, 1]\n"), "{err}");
    let prog = write(&dir, "g.rdx", "gene main(a: u64[4]) {\n    kernel gray(a)\n}\n");
    let (out, _, code) = rdx(&["check", s(&prog)]);
    assert_eq!(code, 0);
    assert!(out.contains("I5 phase coherence: not applicable (no unitary kernels"), "{out}");
    let (out, _, _) = rdx(&["check", "stdlib/fib.rdx"]);
    assert!(out.contains("I4 mass conservation: not applicable (no kernels)"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn modules_with_kernels_assemble_and_run_on_any_backend() {
    let dir = scratch("asm");
    let module = dir.join("spectrum.rdxb");
    let (cid, err, code) = rdx(&["asm", "stdlib/kernels/spectrum.rdx", "-o", s(&module)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(cid.trim().len(), 64, "{cid}");
    let (listing, err, code) = rdx(&["disasm", s(&module)]);
    assert_eq!(code, 0, "{err}");
    assert!(listing.contains("kernel") && listing.contains("\"fft\""), "{listing}");
    // Every backend runs kernels (the JIT through the same host): the same answer.
    for backend in ["interp", "jit", "auto"] {
        let (out, err, code) =
            rdx(&["run", s(&module), "--entry", "spectrum", "--backend", backend, "--set", "x=[1,1,1,1]"]);
        assert_eq!(
            (code, out.as_str()),
            (0, "z = [[0, 0], [0, 0], [0, 0], [0, 0]]\nx = [2, 0, 0, 0]\n"),
            "{err}"
        );
    }
    // A module naming a kernel that is not loaded fails when the statement runs.
    let inc = fixture("inc", &dir);
    let prog = write(&dir, "inc.rdx", "gene main(a: u64[2]) {\n    kernel inc(a)\n}\n");
    let module = dir.join("inc.rdxb");
    let (_, err, code) = rdx(&["asm", s(&prog), "--kernel", s(&inc), "-o", s(&module)]);
    assert_eq!(code, 0, "{err}");
    let (_, interp_err, code) = rdx(&["run", s(&module), "--backend", "interp"]);
    assert_eq!(code, 1, "{interp_err}");
    assert!(interp_err.contains("R0118") && interp_err.contains("unknown kernel `inc`"), "{interp_err}");
    let (_, jit_err, code) = rdx(&["run", s(&module), "--backend", "jit"]);
    assert_eq!((code, jit_err.as_str()), (1, interp_err.as_str()), "the JIT reports the failed call alike");
    for backend in ["interp", "jit"] {
        let (out, err, code) = rdx(&["run", s(&module), "--kernel", s(&inc), "--backend", backend]);
        assert_eq!((code, out.as_str()), (0, "a = [1, 1]\n"), "{backend}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
