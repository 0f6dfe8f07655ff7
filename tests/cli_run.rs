//! `rdx run`, `rdx asm`, `rdx disasm` end to end: output formats, exit codes (0 ok, 1 run-time
//! error, 2 usage or compile error), error rendering, modules on disk.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn rdx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rdx")).env("RDX_NO_LEDGER", "1").args(args).output().expect("rdx runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stdlib(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib").join(name).display().to_string()
}

/// A scratch directory for this test.
fn scratch(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rdx-cli-run-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

const SUM: &str = "\
gene sum_to(n: u64, s: u64) {
    local i: u64 = 0
    from i == 0 do {
        i += 1
        s += i
    } until i == n
    delocal i = n
}
";

#[test]
fn forward_text_and_json() {
    let o = rdx(&["run", &stdlib("fib.rdx"), "--entry", "fib", "--set", "n=10"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "n = 0\nx1 = 89\nx2 = 144\n");
    let o = rdx(&["run", &stdlib("fib.rdx"), "--entry", "fib", "--set", "n=90", "--json"]);
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o), "{\"n\": 0, \"x1\": 4660046610375530309, \"x2\": 7540113804746346429}\n");
}

#[test]
fn reverse_gives_the_initial_state() {
    let o = rdx(&[
        "run",
        &stdlib("fib.rdx"),
        "--entry",
        "fib",
        "--reverse",
        "--set",
        "x1=89",
        "--set",
        "x2=0x90",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "n = 10\nx1 = 0\nx2 = 0\n");
}

#[test]
fn default_entry_is_the_only_gene() {
    let d = scratch("only");
    let f = write(&d, "sum.rdx", SUM);
    let o = rdx(&["run", &f, "--set", "n=100"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "n = 100\ns = 5050\n");
    let o = rdx(&["run", &f, "--set", "n=100", "--set", "s=5050", "--reverse", "--json"]);
    assert_eq!(stdout(&o), "{\"n\": 100, \"s\": 0}\n");
}

#[test]
fn no_main_lists_the_genes() {
    let d = scratch("nomain");
    let f = write(&d, "two.rdx", &format!("{SUM}\ngene other(x: u64) {{\n    x += 1\n}}\n"));
    let o = rdx(&["run", &f]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--entry"), "{}", stderr(&o));
    assert!(stderr(&o).contains("sum_to, other"), "{}", stderr(&o));
    let o = rdx(&["run", &f, "--entry", "other", "--set", "x=1"]);
    assert_eq!((code(&o), stdout(&o)), (0, "x = 2\n".to_string()));
    let o = rdx(&["run", &stdlib("fib.rdx"), "--entry", "nope"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no gene `nope`"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("did you mean"), "{}", stderr(&o));
    let o = rdx(&["run", &stdlib("fib.rdx"), "--entry", "fbi"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no gene `fbi` (did you mean `fib`? the genes are: fib)"), "{}", stderr(&o));
}

#[test]
fn bad_set_is_a_usage_error_naming_the_parameters() {
    let o = rdx(&["run", &stdlib("fib.rdx"), "--entry", "fib", "--set", "m=1"]);
    assert_eq!(code(&o), 2);
    let e = stderr(&o);
    assert!(e.contains("no parameter `m`") && e.contains("n: u64, x1: u64, x2: u64"), "{e}");
    for bad in ["n=-1", "n=abc", "n=18446744073709551616", "n", "n=1,2"] {
        let o = rdx(&["run", &stdlib("fib.rdx"), "--entry", "fib", "--set", bad]);
        assert_eq!(code(&o), 2, "--set {bad}: {}", stderr(&o));
    }
}

#[test]
fn signed_arrays_and_negative_values() {
    let d = scratch("signed");
    let f = write(&d, "neg.rdx", "gene main(x: i64, a: i64[3]) {\n    a[1] -= x\n    neg x\n}\n");
    let o = rdx(&["run", &f, "--set", "x=-9223372036854775807", "--set", "a=[1, -2, 3]"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "x = 9223372036854775807\na = [1, 9223372036854775805, 3]\n");
    let o = rdx(&["run", &f, "--set", "a=[1,2]"]);
    assert_eq!(code(&o), 2, "wrong array length must be a usage error");
}

#[test]
fn run_time_errors_exit_1_with_span_and_call_stack() {
    let d = scratch("errors");
    let f = write(
        &d,
        "err.rdx",
        "gene main(x: u64, a: u64[3]) {\n    call inner(x, a)\n}\n\ngene inner(i: u64, b: u64[3]) {\n    b[i] += 1\n}\n",
    );
    let o = rdx(&["run", &f, "--set", "x=7"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(e.contains("R0109") && e.contains("index 7, length 3"), "{e}");
    assert!(e.contains("b[i] += 1"), "the failing line is shown: {e}");
    assert!(e.contains("inner") && e.contains("main"), "the call stack is shown: {e}");
    assert_eq!(stdout(&o), "", "no result on error");

    let f = write(&d, "assert.rdx", "gene main(x: u64) {\n    assert x == 3\n}\n");
    let o = rdx(&["run", &f, "--set", "x=4"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("R0101"), "{}", stderr(&o));

    let f = write(&d, "div.rdx", "gene main(x: u64, y: u64) {\n    y += 10 / x\n}\n");
    let o = rdx(&["run", &f]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("division by zero"), "{}", stderr(&o));

    let f = write(
        &d,
        "deloc.rdx",
        "gene main(x: u64) {\n    local t: u64 = x\n    x += 1\n    delocal t = x\n}\n",
    );
    let o = rdx(&["run", &f, "--set", "x=4"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("should be 5 but is 4"), "{}", stderr(&o));

    let f = write(&d, "alias.rdx", "gene main(i: u64, j: u64, a: u64[4]) {\n    a[i] += a[j]\n}\n");
    let o = rdx(&["run", &f, "--set", "i=2", "--set", "j=2"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("R0111"), "{}", stderr(&o));
    let o = rdx(&["run", &f, "--set", "i=2", "--set", "j=1", "--set", "a=[0,5,1,0]"]);
    assert_eq!((code(&o), stdout(&o)), (0, "i = 2\nj = 1\na = [0, 5, 6, 0]\n".to_string()));
}

#[test]
fn deep_recursion_is_an_error_not_a_crash() {
    let d = scratch("deep");
    let f = write(&d, "deep.rdx", "gene main(n: u64) {\n    n += 1\n    call main(n)\n}\n");
    let o = rdx(&["run", &f]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("R0112"), "{}", stderr(&o));
}

#[test]
fn lossy_programs_strict_and_history() {
    let d = scratch("lossy");
    let f = write(&d, "lossy.rdx", "gene main(x: u64) {\n    x := 5\n}\n");
    let o = rdx(&["run", &f, "--set", "x=7"]);
    assert_eq!((code(&o), stdout(&o)), (0, "x = 5\n".to_string()));
    let o = rdx(&["run", &f, "--strict"]);
    assert_eq!(code(&o), 2, "strict refuses lossy programs");
    let o = rdx(&["run", &f, "--reverse", "--set", "x=5"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("forward history"), "{}", stderr(&o));
}

#[test]
fn asm_disasm_and_running_a_module() {
    let d = scratch("asm");
    let src = write(&d, "sum.rdx", SUM);
    let o = rdx(&["asm", &src]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let cid = stdout(&o).trim().to_string();
    assert_eq!(cid.len(), 64);
    assert!(cid.chars().all(|c| c.is_ascii_hexdigit()));
    let module = d.join("sum.rdxb");
    let bytes = std::fs::read(&module).expect("asm writes FILE.rdxb by default");
    assert_eq!(rdx_vm::module::cid_of(&bytes), cid);
    // Same source, same bytes.
    let out = d.join("again.rdxb").display().to_string();
    let o = rdx(&["asm", &src, "-o", &out]);
    assert_eq!(stdout(&o).trim(), cid);
    assert_eq!(std::fs::read(&out).unwrap(), bytes);

    let m = module.display().to_string();
    let o = rdx(&["run", &m, "--set", "n=10"]);
    assert_eq!((code(&o), stdout(&o)), (0, "n = 10\ns = 55\n".to_string()), "{}", stderr(&o));

    let o = rdx(&["disasm", &m]);
    assert_eq!(code(&o), 0);
    let listing = stdout(&o);
    assert!(listing.contains("gene sum_to(n: u64, s: u64)"), "{listing}");
    assert!(listing.contains("s += i"), "source lines are shown: {listing}");
    assert!(listing.contains(&cid), "{listing}");

    // The backward stream: `delocal i = n` opens it, the loop's conditions are exchanged,
    // `s -= i` for `s += i`; source lines are the forward statements'.
    let o = rdx(&["disasm", "--backward", &m]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let back = stdout(&o);
    assert!(back.contains("backward streams"), "{back}");
    assert!(back.contains("local         %2:i, %0:n"), "{back}");
    assert!(back.contains("from          %2:i == %0:n"), "{back}");
    assert!(back.contains("sub           %1:s, %2:i"), "{back}");
    assert!(back.contains("s += i"), "{back}");

    // The plain streams: what the interpreter runs, the loop's re-entry check left out.
    let o = rdx(&["disasm", "--plain", &m]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let plain = stdout(&o);
    assert!(plain.contains("plain forward streams"), "{plain}");
    assert!(plain.contains("loop.back.q"), "{plain}");
    assert!(plain.contains("s += i"), "{plain}");
    let o = rdx(&["disasm", "--plain", "--backward", &m]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("plain backward streams"), "{}", stdout(&o));
    // A mnemonic longer than its column is still followed by a space: a counted loop's
    // backward latch.
    let counted = write(
        &d,
        "counted.rdx",
        "gene c(s: u64) {\n    local i: u64 = 0\n    from i == 0 do {\n        s += i\n        i += 1\n    } until i == 8\n    delocal i = 8\n}\n",
    );
    let o = rdx(&["disasm", "--plain", "--backward", &counted]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("loop.test.dec.q %1:i, %1:i == 0"), "{}", stdout(&o));

    // A run-time error in a module still shows the source line (from the debug section).
    let src = write(&d, "assert.rdx", "gene main(x: u64) {\n    assert x == 3\n}\n");
    assert_eq!(code(&rdx(&["asm", &src])), 0);
    let o = rdx(&["run", &d.join("assert.rdxb").display().to_string(), "--set", "x=4"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("assert x == 3"), "{}", stderr(&o));
}

/// `rdx asm F -o F` wrote the module over its own source: an output that is the program (by
/// any path to it, a hard link too) or has a source extension is refused, and the source is
/// left as it was.
#[test]
fn asm_refuses_to_write_over_its_source() {
    let d = scratch("asm_over");
    let src = write(&d, "sum.rdx", SUM);
    let other = d.join("sub").join("..").join("sum.rdx").display().to_string();
    std::fs::create_dir_all(d.join("sub")).unwrap();
    let link = d.join("link.rdxb");
    std::fs::hard_link(&src, &link).unwrap();
    for (out, why) in [
        (src.clone(), "a .rdx name is for source"),
        (other, "a .rdx name is for source"),
        (d.join("m.ja").display().to_string(), "a .ja name is for source"),
        (link.display().to_string(), "over its own source"),
    ] {
        let o = rdx(&["asm", &src, "-o", &out]);
        assert_eq!(code(&o), 2, "{out}: {}", stderr(&o));
        assert!(stderr(&o).contains(why), "{out}: {}", stderr(&o));
        assert_eq!(std::fs::read_to_string(&src).unwrap(), SUM, "{out}");
    }
    assert!(!d.join("m.ja").exists());
}

/// A command that reads source (`check`, `invert`) given a bytecode module says it is one,
/// under whatever name, rather than that it is not UTF-8 text.
#[test]
fn source_commands_name_a_module_given_for_source() {
    let d = scratch("module_for_source");
    let src = write(&d, "sum.rdx", SUM);
    let module = d.join("sum.rdxb").display().to_string();
    assert_eq!(code(&rdx(&["asm", &src, "-o", &module])), 0);
    let renamed = d.join("renamed.rdx").display().to_string();
    std::fs::copy(&module, &renamed).unwrap();
    for file in [&module, &renamed] {
        for cmd in ["check", "invert"] {
            let o = rdx(&[cmd, file]);
            assert_eq!(code(&o), 2, "{cmd} {file}: {}", stderr(&o));
            let err = stderr(&o);
            assert!(err.contains("is a bytecode module, not source text"), "{cmd} {file}: {err}");
            assert!(err.contains("rdx disasm"), "{cmd} {file}: {err}");
        }
    }
}

/// A module is known by its magic bytes under any name: a small one is ASCII, which the source
/// path took for program text (`rdx run p.bin`: eleven syntax errors; `p.janus`: a hundred).
/// `run`, `disasm` and `debug` load it, `check` and `invert` say it is a module, and `rdx asm`
/// refuses the source names `.janus` and `.RDX` as it refuses `.rdx`.
#[test]
fn a_module_under_another_name_is_known_by_its_bytes() {
    let d = scratch("module_any_name");
    let src = write(&d, "p.rdx", "gene main(x: u64) {\n    x += 1\n}\n");
    for name in ["p.bin", "p.janus.bin", "p"] {
        let m = d.join(name).display().to_string();
        assert_eq!(code(&rdx(&["asm", &src, "-o", &m])), 0, "{name}");
        assert!(std::fs::read(&m).unwrap().is_ascii(), "{name}: the case needs an ASCII module");
        let o = rdx(&["run", &m, "--set", "x=4", "--no-ledger"]);
        assert_eq!((code(&o), stdout(&o)), (0, "x = 5\n".to_string()), "{name}: {}", stderr(&o));
        let o = rdx(&["disasm", &m]);
        assert!(code(&o) == 0 && stdout(&o).contains("gene main"), "{name}: {}", stderr(&o));
        for cmd in ["check", "invert"] {
            let o = rdx(&[cmd, &m]);
            assert_eq!(code(&o), 2, "{cmd} {name}");
            assert!(
                stderr(&o).contains("is a bytecode module, not source text"),
                "{cmd} {name}: {}",
                stderr(&o)
            );
        }
    }
    for out in ["q.janus", "Q.RDX", "q.Ja"] {
        let o = rdx(&["asm", &src, "-o", &d.join(out).display().to_string()]);
        assert_eq!(code(&o), 2, "{out}: {}", stderr(&o));
        assert!(stderr(&o).contains("name is for source"), "{out}: {}", stderr(&o));
        assert!(!d.join(out).exists(), "{out}");
    }
}

#[test]
fn corrupt_modules_exit_2() {
    let d = scratch("corrupt");
    let src = write(&d, "sum.rdx", SUM);
    assert_eq!(code(&rdx(&["asm", &src])), 0);
    let good = std::fs::read(d.join("sum.rdxb")).unwrap();
    for (name, bytes) in [
        ("empty.rdxb", Vec::new()),
        ("short.rdxb", good[..good.len() / 2].to_vec()),
        ("magic.rdxb", [b"XXXX".as_slice(), &good[4..]].concat()),
        ("text.rdxb", b"gene main() {}".to_vec()),
    ] {
        let p = d.join(name);
        std::fs::write(&p, &bytes).unwrap();
        let o = rdx(&["run", &p.display().to_string()]);
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("invalid module") || stderr(&o).contains("not an rdx module"),
            "{name}: {}",
            stderr(&o)
        );
        let o = rdx(&["disasm", &p.display().to_string()]);
        assert_eq!(code(&o), 2, "{name}");
    }
}

#[test]
fn compile_errors_exit_2() {
    let d = scratch("compile");
    let f = write(&d, "bad.rdx", "gene main(x: u64) {\n    x += x\n}\n");
    assert_eq!(code(&rdx(&["run", &f])), 2);
    assert_eq!(code(&rdx(&["asm", &f])), 2);
    assert_eq!(code(&rdx(&["run", "/nonexistent/file.rdx"])), 2);
}

/// A Janus program prints its store as jana does (`a[3] = {…}`, `m[2][2] = {{…}, {…}}`,
/// `s = <top, …]`, `nil`): that output read back with `--input` and run backward gives the
/// whole starting state; `--set` takes the same notation.
#[test]
fn janus_output_reads_back_through_the_reverse_run() {
    let d = scratch("janus-input");
    let prog = write(
        &d,
        "st.ja",
        "procedure main()\n  int a[3]\n  int m[2][2]\n  stack s\n  int x\n  int y\n  x += 5\n  y -= 3\n  a[1] += x\n  m[1][0] += 4\n  push(x, s)\n",
    );
    let run = |extra: &[&str]| {
        let out = rdx(&[&["run", prog.as_str(), "--no-ledger"][..], extra].concat());
        assert_eq!(code(&out), 0, "rdx run {extra:?}: {}", stderr(&out));
        stdout(&out)
    };
    let start = ["--set", "a={1, -2, 3}", "--set", "m={{1, 2}, {3, 4}}", "--set", "s=<7, 6]", "--set", "y=9"];
    let out = run(&start);
    assert_eq!(out, "a[3] = {1, 3, 3}\nm[2][2] = {{1, 2}, {7, 4}}\ns = <5, 7, 6]\nx = 0\ny = 6\n");
    let back = run(&["--reverse", "--input", &write(&d, "out.txt", &out)]);
    assert_eq!(back, "a[3] = {1, -2, 3}\nm[2][2] = {{1, 2}, {3, 4}}\ns = <7, 6]\nx = 0\ny = 9\n");
    let bad = rdx(&["run", &prog, "--no-ledger", "--set", "m={{1, 2}{3, 4}}"]);
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("`{{1, 2}{3, 4}}` is not a list"), "{}", stderr(&bad));
    let _ = std::fs::remove_dir_all(&d);
}

/// `--input` reads the state `rdx run` prints (lines or `--json`): a run's output fed back with
/// `--reverse` gives its whole input state back; `--set` overrides one value; a bad file is a
/// usage error (exit 2) that names it.
#[test]
fn input_files_take_a_runs_output_back_through_the_reverse_run() {
    let d = scratch("input");
    let prog = write(
        &d,
        "mix.rdx",
        "gene main(n: u64, a: u64[3], s: i64) {\n    local i: u64 = 0\n    from i == 0 do {\n        a[i % 3] += n * 7 + i\n        s -= a[i % 3]\n        i += 1\n    } until i == 5\n    delocal i = 5\n}\n",
    );
    let run = |extra: &[&str]| {
        let out = rdx(&[&["run", prog.as_str()][..], extra].concat());
        assert_eq!(code(&out), 0, "rdx run {extra:?}: {}", stderr(&out));
        stdout(&out)
    };
    let given = ["--set", "n=12345", "--set", "a=[1,2,3]", "--set", "s=-4"];
    let lines = write(&d, "out.txt", &run(&given));
    assert_eq!(run(&["--reverse", "--input", &lines]), "n = 12345\na = [1, 2, 3]\ns = -4\n");
    let json = write(&d, "out.json", &run(&[&given[..], &["--json"]].concat()));
    let back: serde_json::Value =
        serde_json::from_str(&run(&["--reverse", "--input", &json, "--json"])).unwrap();
    assert_eq!(back, serde_json::json!({"n": 12345, "a": [1, 2, 3], "s": -4}));
    // --set wins over the file: the reverse run starts from another state.
    assert_ne!(
        run(&["--reverse", "--input", &lines, "--set", "n=1"]),
        run(&["--reverse", "--input", &lines])
    );

    let missing = rdx(&["run", &prog, "--input", &d.join("nope.txt").display().to_string()]);
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("--input") && stderr(&missing).contains("nope.txt"),
        "{}",
        stderr(&missing)
    );
    let garbage = rdx(&["run", &prog, "--input", &write(&d, "bad.txt", "n = 1\nthis is not a state\n")]);
    assert_eq!(code(&garbage), 2);
    assert!(stderr(&garbage).contains("line 2"), "{}", stderr(&garbage));
    let unknown = rdx(&["run", &prog, "--input", &write(&d, "x.json", "{\"m\": 1}")]);
    assert_eq!(code(&unknown), 2);
    assert!(stderr(&unknown).contains("no parameter `m`"), "{}", stderr(&unknown));
    // A name given twice is refused in either form (JSON kept the last one silently).
    for (file, text) in
        [("twice.txt", "n = 1\nn = 2\n"), ("twice.json", "{\"n\": 1, \"a\": [1, 2, 3], \"n\": 2}")]
    {
        let twice = rdx(&["run", &prog, "--input", &write(&d, file, text)]);
        assert_eq!(code(&twice), 2, "{file}");
        assert!(stderr(&twice).contains("`n` is set twice"), "{file}: {}", stderr(&twice));
        // The hint about a program's printed lines is for programs that print; this one does not.
        assert!(!stderr(&twice).contains("help"), "{file}: {}", stderr(&twice));
    }
    // A long value is quoted by its start and its length, not repeated back whole.
    let long = format!("n = {}\n", "9".repeat(100_000));
    let big = rdx(&["run", &prog, "--input", &write(&d, "long.txt", &long)]);
    assert_eq!(code(&big), 2);
    assert!(stderr(&big).contains("… (100000 characters)` does not fit in 64 bits"), "{}", stderr(&big));
    assert!(stderr(&big).len() < 400, "{} bytes of error", stderr(&big).len());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_programs_own_output_stays_out_of_the_json_and_the_lines_form_says_why_it_cannot_be_read() {
    let d = scratch("printed");
    let prog = write(&d, "show.rdx", "gene main(x: u64, y: u64) {\n    x += 10\n    show x\n    y += x\n}\n");
    // --json: stdout is the one JSON object, what the program printed is on stderr, and the
    // object goes back through the reverse run.
    let out = rdx(&["run", &prog, "--set", "x=1", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("stdout is one JSON object");
    assert_eq!(v, serde_json::json!({"x": 11, "y": 11}));
    assert_eq!(stderr(&out), "x = 11\n");
    let file = write(&d, "out.json", &stdout(&out));
    let back = rdx(&["run", &prog, "--reverse", "--input", &file, "--json"]);
    assert_eq!(stdout(&back), "{\"x\": 1, \"y\": 0}\n", "{}", stderr(&back));
    // The lines form keeps the program's output on stdout (as jana does): such a file is
    // refused, with the way out.
    let out = rdx(&["run", &prog, "--set", "x=1"]);
    assert_eq!(stdout(&out), "x = 11\nx = 11\ny = 11\n");
    let lines = rdx(&["run", &prog, "--reverse", "--input", &write(&d, "out.txt", &stdout(&out))]);
    assert_eq!(code(&lines), 2);
    assert!(
        stderr(&lines).contains("`x` is set twice") && stderr(&lines).contains("with --json"),
        "{}",
        stderr(&lines)
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// The allocator is not torn down at exit (`src/memory.rs`): with mimalloc's verbose messages
/// on, its start shows and its "process done" does not.
#[test]
fn the_allocator_is_left_to_the_kernel_at_exit() {
    let o = Command::new(env!("CARGO_BIN_EXE_rdx"))
        .env("MIMALLOC_VERBOSE", "1")
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(code(&o), 0);
    let err = stderr(&o);
    assert!(err.contains("mimalloc: process init"), "{err}");
    assert!(!err.contains("process done"), "{err}");
}

#[test]
fn a_listing_piped_into_a_reader_that_stops_early_ends_quietly() {
    // `rdx disasm big.rdx | head -1`: the reader goes away after one line; rdx ends as `cat`
    // does (by the pipe's signal), not with "failed printing to stdout" and an internal error.
    let dir = scratch("closed_pipe");
    let mut text = String::from("gene main(x: u64) {\n");
    for k in 0..20_000 {
        text.push_str(&format!("    x += {k}\n"));
    }
    text.push_str("}\n");
    let file = write(&dir, "big.rdx", &text);
    let mut child = Command::new(env!("CARGO_BIN_EXE_rdx"))
        .args(["disasm", &file])
        .env("RDX_NO_LEDGER", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rdx disasm starts");
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first).expect("a line");
    assert!(first.starts_with("; rdx module"), "{first}");
    // (The reader is dropped here: the pipe closes.)
    let out = child.wait_with_output().expect("rdx disasm ends");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("internal error") && !err.contains("panicked"), "{err}");
    assert_ne!(out.status.code(), Some(101), "{err}");
}

#[test]
fn a_failure_under_an_uncall_of_a_forward_run_names_the_uncall() {
    // The run was asked forward: "the state given to the backward run" would speak of a run
    // nobody started. The hint names the `uncall` that turned it backward (both engines).
    let d = scratch("uncall_hint");
    let prog = write(
        &d,
        "nested.rdx",
        "gene main(x: u64, y: u64) {\n    call a(x, y)\n}\ngene a(x: u64, y: u64) {\n    uncall b(x, y)\n}\ngene b(x: u64, y: u64) {\n    local t: u64 = 0\n    from t == 0 do {\n    } loop {\n        t += 1\n    } until t == x\n    delocal t = 7\n}\n",
    );
    for backend in ["interp", "jit"] {
        let out = rdx(&["run", &prog, "--set", "x=3", "--backend", backend]);
        assert_eq!(code(&out), 1, "{backend}");
        let err = stderr(&out);
        assert!(err.contains("R0105") && err.contains("`a` uncalls `b`"), "{backend}: {err}");
        assert!(!err.contains("the state given to the backward run"), "{backend}: {err}");
    }
    // Asked backward, the hint is about the state given.
    let out = rdx(&["run", &prog, "--entry", "b", "--reverse", "--set", "x=3"]);
    let err = stderr(&out);
    assert!(code(&out) == 1 && err.contains("R0105"), "{err}");
    assert!(err.contains("the state given to the backward run"), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_local_arrays_delocal_mismatch_names_the_element() {
    let d = scratch("delocal_elem");
    let prog = write(
        &d,
        "arr.rdx",
        "gene main(x: u64) {\n    local u: u64[40] = 0\n    u[37] += x\n    delocal u = 0\n}\n",
    );
    for backend in ["interp", "jit"] {
        let out = rdx(&["run", &prog, "--set", "x=3", "--backend", backend]);
        assert_eq!(code(&out), 1, "{backend}");
        assert!(
            stderr(&out).contains("delocal mismatch: `u[37]` should be 0 but is 3"),
            "{backend}: {}",
            stderr(&out)
        );
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// `pop` into a fixed-width variable takes only a value of its type (it kept 44 of 300, so the
/// reverse run did not come back), and `push` of one compiles (it was an internal error):
/// both engines, both ways, and through a `.rdxb` module.
#[test]
fn push_and_pop_of_a_fixed_width_variable_keep_its_width() {
    let d = scratch("pushpop_fixed");
    let pop = write(&d, "pop.rdx", "gene main(x: u8, s: stack) {\n    pop x, s\n    x += 0\n}\n");
    let push = write(&d, "push.rdx", "gene main(x: i8, s: stack) {\n    push x, s\n}\n");
    let check = rdx(&["check", &push]);
    assert_eq!(code(&check), 0, "{}{}", stdout(&check), stderr(&check));
    let module = d.join("push.rdxb").display().to_string();
    let asm = rdx(&["asm", &push, "-o", &module]);
    assert_eq!(code(&asm), 0, "{}", stderr(&asm));
    for backend in ["interp", "jit"] {
        let run = |args: &[&str]| rdx(&[&["run"][..], args, &["--backend", backend, "--json"]].concat());
        let out = run(&[&pop, "--set", "s=[300]"]);
        assert_eq!(code(&out), 1, "{backend}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains("R0113") && err.contains("the top of the stack, 300, does not fit in `x: u8`"),
            "{err}"
        );
        let out = run(&[&pop, "--set", "s=[7, 200]"]);
        assert_eq!(stdout(&out), "{\"x\": 200, \"s\": [7]}\n", "{backend}: {}", stderr(&out));
        let out = run(&[&pop, "--reverse", "--set", "x=200", "--set", "s=[7]"]);
        assert_eq!(stdout(&out), "{\"x\": 0, \"s\": [7, 200]}\n", "{backend}: {}", stderr(&out));
        // (A stack holds words and shows them unsigned: an i8's -5 is the word 2^64 - 5.)
        let minus5 = (-5i64 as u64).to_string();
        for prog in [&push, &module] {
            let out = run(&[prog, "--set", "x=-5"]);
            assert_eq!(
                stdout(&out),
                format!("{{\"x\": 0, \"s\": [{minus5}]}}\n"),
                "{backend}: {}",
                stderr(&out)
            );
            let out = run(&[prog, "--reverse", "--set", &format!("s=[{minus5}]")]);
            assert_eq!(stdout(&out), "{\"x\": -5, \"s\": []}\n", "{backend}: {}", stderr(&out));
            let out = run(&[prog, "--reverse", "--set", "s=[200]"]);
            assert_eq!(code(&out), 1, "{backend}: {}", stdout(&out));
            let err = stderr(&out);
            assert!(err.contains("the top of the stack, 200, does not fit in `x: i8`"), "{backend}: {err}");
        }
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// An rdx `printf` of an array or a stack (jana's `%a`, `%t`) prints each value as its type
/// says, as `show` does: a `u64` word past `i64::MAX` unsigned, an `i64` signed; a float buffer
/// is refused at check time (E0208), not printed as the integers of its bits.
#[test]
fn rdx_printf_of_arrays_prints_values_by_their_types() {
    let d = scratch("printf_types");
    let p = write(
        &d,
        "p.rdx",
        "gene main(a: u64[2], b: i64[2], s: stack, n: u64) {\n    printf \"%a %a %t %d\", a, b, s, n\n}\n",
    );
    for backend in ["interp", "jit"] {
        let out = rdx(&[
            "run",
            &p,
            "--backend",
            backend,
            "--set",
            "a=[18446744073709551615, 1]",
            "--set",
            "b=[-1, 2]",
            "--set",
            "s=[18446744073709551615]",
            "--set",
            "n=18446744073709551615",
        ]);
        assert_eq!(code(&out), 0, "{backend}: {}", stderr(&out));
        assert!(
            stdout(&out).starts_with(
                "{18446744073709551615, 1} {-1, 2} <18446744073709551615] 18446744073709551615\n"
            ),
            "{backend}: {}",
            stdout(&out)
        );
    }
    // A NUL in the text prints as written, even where what follows it reads as a shape.
    let nul = write(
        &d,
        "nul.rdx",
        "gene main(a: u64[2], x: u64) {\n    printf \"v\\0[1][2]%a x\\0[1]%d\", a, x\n}\n",
    );
    for backend in ["interp", "jit"] {
        let out = rdx(&["run", &nul, "--backend", backend, "--set", "a=[0, 5]", "--set", "x=3"]);
        assert_eq!(code(&out), 0, "{backend}: {}", stderr(&out));
        assert!(stdout(&out).starts_with("v\0[1][2]{0, 5} x\0[1]3\n"), "{backend}: {:?}", stdout(&out));
    }
    let f = write(&d, "f.rdx", "gene main(z: f64[2]) {\n    printf \"%a\", z\n}\n");
    let out = rdx(&["check", &f]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("E0208") && stderr(&out).contains("`printf` prints integers"),
        "{}",
        stderr(&out)
    );
}

/// A delocal mismatch shows the values with the variable's sign: a signed parameter's by its
/// type, a signed local's by the type the source in the module's debug section declares (the
/// bytecode keeps no local types), also from a `.rdxb`, on both engines. An unsigned one stays
/// a word.
#[test]
fn a_delocal_mismatch_shows_signed_values_with_their_sign() {
    let d = scratch("signed-delocal");
    let cases = [
        (
            "local.rdx",
            "gene g(y: i64) {\n    local x: i64 = -3\n    y += 1\n    delocal x = 5\n}\n",
            "`x` should be 5 but is -3",
        ),
        (
            "fixed.rdx",
            "gene g(y: u64) {\n    local x: i8 = 5\n    x -= 8\n    delocal x = 5\n}\n",
            "`x` should be 5 but is -3",
        ),
        (
            "param.rdx",
            "gene g(y: i64) {\n    y -= 9\n    local z: i64 = 0\n    delocal z = y\n}\n",
            "`z` should be -9 but is 0",
        ),
        (
            "elem.rdx",
            "gene g(y: i64) {\n    local a: i64[2] = 0\n    a[1] -= 4\n    delocal a = 0\n}\n",
            "`a[1]` should be 0 but is -4",
        ),
        (
            "word.rdx",
            "gene g(y: u64) {\n    local x: u64 = 0\n    x -= 3\n    delocal x = 5\n}\n",
            "`x` should be 5 but is 18446744073709551613",
        ),
    ];
    for (name, src, says) in cases {
        let f = write(&d, name, src);
        let module = d.join(name).with_extension("rdxb");
        let m = module.to_str().unwrap();
        assert_eq!(code(&rdx(&["asm", &f, "-o", m])), 0, "{name}");
        for program in [f.as_str(), m] {
            for backend in ["interp", "jit"] {
                let o = rdx(&["run", program, "--backend", backend, "--no-ledger"]);
                assert_eq!(code(&o), 1, "{name} {backend}");
                assert!(stderr(&o).contains(says), "{program} {backend}: {}", stderr(&o));
            }
        }
    }
}
