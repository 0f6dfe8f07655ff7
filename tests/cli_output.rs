//! What `rdx` prints when its output or its inputs are out of the ordinary: a stdout that cannot
//! be written (a full disk, a reader gone), names too long for a table's columns, `probe -n`
//! past what can be kept, a home that is a file, a token too long for an HTTP header.

mod common;
use common::TempHome;
use std::process::Output;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_huge_sample_count_is_a_usage_error() {
    // `-n` samples are kept in memory and in the ledger: 2^64 − 1 used to overflow the vector's
    // capacity (a panic), 2^58 to abort on a failed allocation.
    let home = TempHome::new("output-probe-n");
    for n in ["18446744073709551615", "288230376151711744", "1000001"] {
        let out = home.rdx(&["probe", "-n", n, "--", "true"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "-n {n}: {err}");
        assert!(err.contains(&format!("-n {n} is too many samples: at most 1000000")), "{err}");
    }
    let out = home.rdx(&["probe", "-n", "18446744073709551615", "stdlib/fib.rdx", "--set", "n=3"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// Runs `rdx args…` in `home` with stdout opened on `/dev/full`.
#[cfg(target_os = "linux")]
fn into_full_disk(home: &TempHome, args: &[&str]) -> Output {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
    home.cmd().args(args).stdout(full).output().expect("rdx runs")
}

#[cfg(target_os = "linux")]
#[test]
fn a_stdout_that_cannot_be_written_is_an_error_for_every_command() {
    let home = TempHome::new("output-full");
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=3"]);
    let cid = home.ok(&["store", "ls"]).split_whitespace().next().expect("a blob").to_string();
    let commands: [&[&str]; 15] = [
        &["run", "stdlib/fib.rdx", "--set", "n=4"],
        &["log"],
        &["log", "--json"],
        &["show", "1"],
        &["disasm", "stdlib/sort.rdx"],
        &["invert", "stdlib/sort.rdx"],
        &["kernels"],
        &["store", "ls"],
        &["store", "get", &cid],
        &["store", "verify"],
        &["check", "stdlib/fib.rdx"],
        &["status"],
        &["circuit", "stdlib/speck32.rdx", "--entry", "speck_round8"],
        &["replay", "1"],
        // A session with no commands: its banner is all it writes (it said nothing, exit 0).
        &["debug", "stdlib/sum.rdx", "--entry", "sum_to", "--set", "n=4"],
    ];
    for args in commands {
        let out = into_full_disk(&home, args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "rdx {args:?}: {err}");
        assert!(
            err.contains("error: cannot write to stdout: No space left on device\n"),
            "rdx {args:?}: {err}"
        );
        assert!(!err.contains("panicked") && !err.contains("internal error"), "rdx {args:?}: {err}");
        assert_eq!(err.matches("cannot write to stdout").count(), 1, "rdx {args:?}: {err}");
    }
    // The run whose result could not be printed was still recorded (as was the replay).
    assert_eq!(home.log().len(), 3);
}

#[cfg(unix)]
#[test]
fn a_command_whose_reader_is_gone_ends_as_cat_does_once_its_work_is_done() {
    // `rdx run … | head -c 0`: the run is recorded, then rdx ends by the pipe's signal, quietly,
    // as before for `rdx disasm` (not "failed printing to stdout" and an internal error).
    use std::os::unix::process::ExitStatusExt;
    let home = TempHome::new("output-pipe");
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=3"]);
    let debug = ["debug", "stdlib/sum.rdx", "--entry", "sum_to", "--set", "n=4"];
    for args in [&["run", "stdlib/fib.rdx", "--set", "n=5"][..], &["status"], &["store", "ls"], &debug] {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = home.cmd().args(args).stdout(writer).output().expect("rdx runs");
        let err = stderr(&out);
        assert_eq!(out.status.signal(), Some(SIGPIPE), "rdx {args:?}: {:?} {err}", out.status);
        assert!(err.is_empty(), "rdx {args:?}: {err}");
    }
    assert_eq!(home.log().len(), 2);
}

/// A stderr that cannot be written (`2>/dev/full`, a reader gone: `rdx run bad.rdx 2>&1 | head
/// -1`) while a command reports an error: it ended as a panic, exit 101, with nothing said. Now
/// the command ends as for stdout: by the pipe's signal when the reader went away, else exit 1.
#[cfg(target_os = "linux")]
#[test]
fn a_stderr_that_cannot_be_written_ends_the_command_as_stdout_does() {
    use std::os::unix::process::ExitStatusExt;
    let home = TempHome::new("output-stderr");
    let bad = home.file("bad.rdx", "gene m(x: u64) {\n    x += y\n}\n");
    let fails = home.file("fails.rdx", "gene m(x: u64) {\n    assert x == 1\n}\n");
    for args in [&["run", bad.as_str()][..], &["run", fails.as_str()], &["check", bad.as_str()]] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
        let out = home.cmd().args(args).stderr(full).output().expect("rdx runs");
        assert_eq!(out.status.code(), Some(1), "rdx {args:?}: {:?}", out.status);
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = home.cmd().args(args).stderr(writer).output().expect("rdx runs");
        assert_eq!(out.status.signal(), Some(SIGPIPE), "rdx {args:?}: {:?}", out.status);
    }
}

/// SIGPIPE's number (13 on Linux and macOS).
#[cfg(unix)]
const SIGPIPE: i32 = 13;

#[cfg(unix)]
#[test]
fn a_closed_stdout_is_still_no_error() {
    // `rdx run … >&-`: nothing to write to, nothing said, exit 0 (as before).
    let home = TempHome::new("output-closed");
    let out = std::process::Command::new("sh")
        .args(["-c", "exec \"$@\" >&-", "sh", env!("CARGO_BIN_EXE_rdx"), "--home"])
        .arg(&home.0)
        .args(["run", "stdlib/fib.rdx", "--set", "n=3"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RDX_NO_LEDGER")
        .output()
        .expect("sh runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert_eq!(home.log().len(), 1);
}

#[test]
fn names_longer_than_a_column_are_printed_whole_and_the_table_stays_aligned() {
    // A format width past 65 535 panicked: a 70 000-character gene name broke `rdx log` of the
    // home for good, and a kernel's 100 000-character name `rdx kernels`.
    let home = TempHome::new("output-long-names");
    let long = "g".repeat(70_000);
    let prog = home.file("long.rdx", format!("gene {long}(x: u64) {{ x += 1 }}\n"));
    home.ok(&["run", &prog, "--set", "x=1", "--backend", "auto"]);
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=3", "--backend", "auto"]);
    for args in [&["log"][..], &["log", "--decisions"]] {
        let text = home.ok(args);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{args:?}");
        assert!(lines.iter().any(|l| l.contains(&long)), "{args:?}: the name printed whole");
        // The header and the row of `fib` keep their columns as if the long name were not there.
        let header = lines[0];
        let fib = lines.iter().find(|l| l.contains(" fib ") || l.ends_with(" fib")).expect("fib's row");
        let (col_h, col_f) = match args.len() {
            1 => (header.find("direction"), fib.find("forward")),
            _ => (header.find("arm"), fib.find("interp").or_else(|| fib.find("jit"))),
        };
        assert_eq!(col_h, col_f, "{args:?}:\n{header}\n{fib}");
        assert!(header.len() < 200, "{args:?}: {header}");
    }
    let meta = format!("abi=1\\nname={long}\\nmirror={long}\\nelem=u64\\nkind=exact\\norder=1\\n");
    let wat = format!(
        "(module (@custom \"rdx.kernel\" \"{meta}\") (memory (export \"memory\") 1)
           (func (export \"forward\") (param i32 i32)) (func (export \"inverse\") (param i32 i32)))"
    );
    let kernel = home.file("long.wasm", wat::parse_str(&wat).expect("a module"));
    let out = home.rdx(&["kernels", "--kernel", &kernel]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.lines().any(|l| l.starts_with(&format!("{long}  {long}  u64"))), "the row whole");
    let header = text.lines().next().expect("a header");
    let fft = text.lines().find(|l| l.starts_with("fft ")).expect("fft's row");
    assert_eq!(header.find("elem"), fft.find("c64"), "\n{header}\n{fft}");
}

#[test]
fn a_home_that_is_a_file_is_said_to_be_one() {
    let dir = TempHome::new("output-home-file");
    let file = dir.file("not-a-home", "x");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rdx"))
        .env("RDX_HOME", &file)
        .arg("log")
        .output()
        .expect("rdx runs");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err, format!("error: {file}: the home is not a directory\n"));
}

#[test]
fn a_token_too_long_for_a_header_is_refused_when_read() {
    // A 133 KB token was accepted, then every write failed with "output too small to write
    // output" or "cannot be reached".
    let home = TempHome::new("output-token");
    let long = home.file("long-token", format!("{}\n", "t".repeat(4097)));
    let limit = home.file("token", format!("{}\n", "t".repeat(4096)));
    let refused = "is 4097 bytes long, over the limit of 4096";
    let out = home.rdx(&["peer", "add", "lab", "http://127.0.0.1:7370", "--token-file", &long]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(refused), "{}", stderr(&out));
    assert!(home.ok(&["peer", "ls"]).is_empty(), "nothing stored");
    let out = home.rdx(&["serve", "--addr", "127.0.0.1:0", "--token-file", &long]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(refused), "{}", stderr(&out));
    // A token at the limit is taken, and a push with it goes through.
    let server = home.serve(&["--token-file", &limit]);
    let client = TempHome::new("output-token-client");
    client.ok(&["run", "stdlib/fib.rdx", "--set", "n=3"]);
    client.ok(&["peer", "add", "lab", &server.url, "--token-file", &limit]);
    let cid = client.ok(&["store", "ls"]).split_whitespace().next().expect("a blob").to_string();
    client.ok(&["push", &cid, "--to", "lab"]);
}

#[test]
fn a_show_of_several_variables_prints_them_in_order_backward_too() {
    // Running backward, `show x, y, a` printed `a`, then `y`, then `x`: its instructions ran in
    // reverse. Its lines are now one group, in source order both ways, so running backward
    // prints what running the inverse forward prints.
    let home = TempHome::new("output-show-backward");
    let prog = home.file(
        "show.rdx",
        "gene g(x: u64, y: i64, a: u64[2]) {\n    x += 1\n    show x, y, a\n    show y\n    \
         a[1] += x\n    show a, x\n}\n",
    );
    let inverse = home.file("show_inv.rdx", home.ok(&["invert", &prog]));
    let end = home.file("end.json", r#"{"x": 2, "y": -2, "a": [0, 2]}"#);
    for backend in ["interp", "jit"] {
        let run = |args: &[&str]| {
            let mut all = vec!["run", "--no-ledger", "--json", "--backend", backend];
            all.extend_from_slice(args);
            let out = home.rdx(&all);
            assert_eq!(out.status.code(), Some(0), "{backend} {args:?}: {}", stderr(&out));
            let state: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("one JSON object");
            (stderr(&out), state)
        };
        let (printed, state) = run(&[&prog, "--set", "x=1", "--set", "y=-2"]);
        assert_eq!(printed, "x = 2\ny = -2\na = [0, 0]\ny = -2\na = [0, 2]\nx = 2\n", "{backend}");
        assert_eq!(state, serde_json::json!({"x": 2, "y": -2, "a": [0, 2]}), "{backend}");
        let backward = run(&[&prog, "--reverse", "--input", &end]);
        assert_eq!(backward.0, "a = [0, 2]\nx = 2\ny = -2\nx = 2\ny = -2\na = [0, 0]\n", "{backend}");
        assert_eq!(backward.1, serde_json::json!({"x": 1, "y": -2, "a": [0, 0]}), "{backend}");
        assert_eq!(run(&[&inverse, "--input", &end]), backward, "{backend}: the inverse run forward");
    }
}
