//! The home through the `rdx` command: runs recorded in the ledger, the store, replay and
//! rewind, and the damage a home can suffer (edited blobs and records, a ledger of garbage),
//! each in a fresh temporary home.

use std::process::{Command, Output};

mod common;
use common::{TempHome, stderr};

/// A run that is not a crash: exit code 1 or 2 and an `error:` line.
fn assert_clean_error(out: &Output, code: i32, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert!(err.contains(needle), "stderr lacks {needle:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// The keys of the first JSON object in `text`, in the order written (serde_json's maps sort).
fn keys_in_order(text: &str) -> Vec<String> {
    let (mut keys, mut depth, mut in_string, mut escaped, mut current) =
        (Vec::new(), 0, false, false, String::new());
    for c in text.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => current.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                current.clear();
            }
            ':' if depth == 1 => keys.push(current.clone()),
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
    }
    keys
}

use rdx_core::ledger::RUN_FIELDS as FIELDS;

#[test]
fn a_run_is_recorded_and_its_states_are_stored() {
    let home = TempHome::new("record");
    let plain = Command::new(env!("CARGO_BIN_EXE_rdx"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "stdlib/fib.rdx", "--set", "n=10", "--no-ledger"])
        .output()
        .expect("rdx runs");
    let recorded = home.ok(&["run", "stdlib/fib.rdx", "--set", "n=10"]);
    assert_eq!(recorded, String::from_utf8_lossy(&plain.stdout), "the ledger changes nothing on stdout");
    let log = home.log();
    assert_eq!(log.len(), 1);
    let rec = log[0].as_object().expect("an object");
    assert_eq!(keys_in_order(&home.ok(&["show", "1", "--json"])), FIELDS, "field names and order");
    assert_eq!(keys_in_order(&home.ok(&["log", "--json"])[1..]), FIELDS, "field names and order");
    assert_eq!(rec["id"], 1);
    assert_eq!(rec["entry"], "fib");
    assert_eq!(rec["direction"], "forward");
    assert_eq!(rec["backend"], "interp");
    assert_eq!(rec["outcome"], "ok");
    assert_eq!(rec["erased_bits"], 0);
    assert_eq!(rec["prev"], "0".repeat(64));
    assert!(rec["instructions"].as_u64().is_some_and(|n| n > 0));
    let cid = |k: &str| rec[k].as_str().expect("a CID").to_string();
    assert_eq!(home.ok(&["store", "get", &cid("input")]), r#"{"n":10,"x1":0,"x2":0}"#);
    assert_eq!(home.ok(&["store", "get", &cid("output")[..8]]), r#"{"n":0,"x1":89,"x2":144}"#);
    // The stored program runs by CID (a prefix will do), and that run is recorded too.
    assert_eq!(home.ok(&["run", &cid("program")[..10], "--set", "n=10"]), recorded);
    let log = home.log();
    assert_eq!(log.len(), 2);
    assert!(log[0]["id"].as_u64() > log[1]["id"].as_u64(), "newest first");
    assert_eq!(log[0]["input"], log[1]["input"], "equal states, equal CIDs");
    let shown: serde_json::Value =
        serde_json::from_str(&home.ok(&["show", "1", "--json"])).expect("show --json is JSON");
    assert_eq!(shown, log[1]);
    assert!(home.ok(&["log"]).lines().next().is_some_and(|h| h.starts_with("id")));
    // The run by CID loaded its program from the store: that load is a probe in the chain.
    let probes = home.ok(&["probe", "--compare", "3", "3"]);
    assert!(probes.contains("probe 3 (load "), "{probes}");
    assert!(home.ok(&["ledger", "verify"]).starts_with("ok: "));
}

#[test]
fn no_ledger_and_unwritable_homes_record_nothing() {
    let home = TempHome::new("noledger");
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=3", "--no-ledger"]);
    let out = Command::new(env!("CARGO_BIN_EXE_rdx"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RDX_NO_LEDGER", "1")
        .args(["--home"])
        .arg(&home.0)
        .args(["run", "stdlib/fib.rdx", "--set", "n=3"])
        .output()
        .expect("rdx runs");
    assert!(out.status.success());
    assert_eq!(home.log().len(), 0);
    // A home under a regular file cannot be created: a warning, the same output, exit 0.
    let file = home.0.join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let blocked = file.join("home");
    let out = Command::new(env!("CARGO_BIN_EXE_rdx"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--home")
        .arg(&blocked)
        .args(["run", "stdlib/fib.rdx", "--set", "n=10"])
        .output()
        .expect("rdx runs");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning: this run was not recorded"), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "n = 0\nx1 = 89\nx2 = 144\n");
}

#[test]
fn replay_and_rewind_give_back_the_recorded_states() {
    let home = TempHome::new("replay");
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=10"]);
    home.ok(&["run", "stdlib/fib.rdx", "--reverse", "--set", "x1=89", "--set", "x2=144", "--backend", "jit"]);
    assert!(home.ok(&["replay", "1"]).contains("replays run 1: the same output"));
    assert!(home.ok(&["rewind", "1"]).contains("rewinds run 1: the same input"));
    assert!(home.ok(&["replay", "2"]).contains("the same output"));
    assert!(home.ok(&["rewind", "2"]).contains("the same input"));
    let log = home.log();
    assert_eq!(log.len(), 6);
    assert_eq!(log[0]["parent"], 2);
    assert_eq!(log[0]["direction"], "forward", "the rewind of a backward run runs forward");
    assert_eq!(log[0]["backend"], "jit", "the recorded backend");
    assert_eq!(log[0]["output"], log[4]["input"]);
    assert_eq!(log[3]["parent"], 1);
    assert!(home.ok(&["ledger", "verify"]).starts_with("ok: "));
}

/// A lossy program: its tape is stored, and the rewind undoes the overwrite from it.
#[test]
fn a_lossy_run_is_rewound_from_its_tape() {
    let home = TempHome::new("lossy");
    let src = home.0.join("lossy.rdx");
    std::fs::create_dir_all(&home.0).unwrap();
    std::fs::write(&src, "gene main(x: u64, y: u64) {\n    y := x * 3\n    x += y\n}\n").unwrap();
    let src = src.to_str().unwrap();
    assert_eq!(home.ok(&["run", src, "--set", "x=5", "--set", "y=7"]), "x = 20\ny = 15\n");
    let rec = &home.log()[0];
    assert_eq!(rec["erased_bits"], 64);
    let joules = rec["landauer_joules"].as_f64().unwrap();
    assert!((joules - 64.0 * 1.380649e-23 * 300.0 * std::f64::consts::LN_2).abs() < 1e-30, "{joules}");
    let tape = rec["tape"].as_str().expect("a tape CID");
    assert!(home.rdx(&["store", "get", tape]).status.success());
    let out = home.ok(&["rewind", "1", "--print"]);
    assert!(out.contains("x = 5\ny = 7\n"), "{out}");
    assert!(out.contains("the same input"), "{out}");
    // The rewind used up run 1's tape: its record names it as the tape it started from, so a
    // replay of the rewind starts from it too (it failed with R0115 on an empty tape).
    let rewind = &home.log()[0];
    assert_eq!(rewind["tape_in"], rec["tape"], "{rewind}");
    assert!(rewind["tape"].is_null(), "{rewind}");
    let id = rewind["id"].to_string();
    let out = home.ok(&["replay", &id]);
    assert!(out.contains(&format!("replays run {id}: the same output")), "{out}");
    assert!(home.ok(&["show", &id]).contains(&format!("tape_in          {tape}")));
    // A run that used up a tape is no lossless run: gc keeps its input.
    assert!(!home.ok(&["store", "gc", "--drop-recoverable"]).contains(rewind["input"].as_str().unwrap()));
    assert!(home.ok(&["ledger", "verify"]).starts_with("ok: "));
}

#[test]
fn failed_runs_are_recorded_and_replay_the_same_error() {
    let home = TempHome::new("failed");
    let out = home.rdx(&["run", "stdlib/fib.rdx", "--reverse", "--set", "x1=5", "--set", "x2=3"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let rec = &home.log()[0];
    assert_eq!(rec["outcome"], "error");
    assert!(rec["code"].as_str().is_some_and(|c| c.starts_with('R')), "{rec}");
    assert!(rec["output"].is_null());
    let out = home.rdx(&["replay", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("the same error"));
    assert_clean_error(&home.rdx(&["rewind", "1"]), 2, "has no output to rewind from");
}

#[test]
fn gc_keeps_what_runs_need_and_drop_recoverable_inputs_come_back() {
    let home = TempHome::new("gc");
    let note = home.0.join("note.txt");
    std::fs::create_dir_all(&home.0).unwrap();
    std::fs::write(&note, b"not referenced by any run").unwrap();
    let line = home.ok(&["store", "put", note.to_str().unwrap()]);
    let note_cid = line.split_whitespace().next().unwrap().to_string();
    for n in 1..=5 {
        home.ok(&["run", "stdlib/fib.rdx", "--set", &format!("n={n}")]);
    }
    assert!(home.ok(&["store", "gc", "--dry-run"]).contains(&note_cid));
    assert!(home.rdx(&["store", "get", &note_cid]).status.success(), "dry run deletes nothing");
    home.ok(&["store", "gc"]);
    assert_clean_error(&home.rdx(&["store", "get", &note_cid]), 2, &note_cid);
    let log = home.log();
    let input = |i: usize| log[i]["input"].as_str().unwrap().to_string();
    assert!(home.rdx(&["store", "get", &input(0)]).status.success(), "gc keeps what runs refer to");
    let before = home.ok(&["store", "ls"]).lines().count();
    let dropped = home.ok(&["store", "gc", "--drop-recoverable"]);
    assert!(dropped.contains(&input(0)) && dropped.contains(&input(1)), "{dropped}");
    assert_eq!(home.ok(&["store", "ls"]).lines().count(), before - 5, "the five inputs went");
    // The replay recovers its input by rewinding, and puts it back.
    assert!(home.ok(&["replay", "5"]).contains("the same output"));
    assert!(home.ok(&["store", "ls"]).contains(&input(0)));
    // So does `store get`.
    assert_eq!(home.ok(&["store", "get", &input(1)]), r#"{"n":4,"x1":0,"x2":0}"#);
    assert!(home.ok(&["ledger", "verify"]).starts_with("ok: "));
    // A dropped state whose row names a run that does not give it back is the home's fault
    // (exit 1), not the user's: here the row of run 1's input is edited to name run 2.
    let db = rusqlite::Connection::open(home.0.join("ledger.sqlite")).unwrap();
    let changed = db
        .execute("UPDATE dropped SET run = (SELECT MIN(run) + 1 FROM dropped) WHERE cid = ?1", [&input(4)])
        .unwrap();
    assert_eq!(changed, 1);
    drop(db);
    assert_clean_error(&home.rdx(&["store", "get", &input(4)]), 1, "rewinding run 2 did not give it back");
}

#[test]
fn gc_keeps_the_input_of_a_run_that_calls_a_float_kernel() {
    // Rewinding a unitary kernel gives its input back only up to rounding (and -0.0 comes back
    // +0.0): such an input is not recoverable, so --drop-recoverable keeps it, while it drops
    // the input of a run with an exact kernel (gray on u64).
    let home = TempHome::new("gc_float");
    std::fs::create_dir_all(&home.0).unwrap();
    let float = home.0.join("float.rdx");
    std::fs::write(&float, "gene g(z: c64[2]) {\n    kernel bitrev(z)\n}\n").unwrap();
    let exact = home.0.join("exact.rdx");
    std::fs::write(&exact, "gene g(b: u64[4]) {\n    kernel gray(b)\n}\n").unwrap();
    home.ok(&["run", float.to_str().unwrap(), "--set", "z=[[-0.0,1],[2,3]]"]);
    home.ok(&["run", exact.to_str().unwrap(), "--set", "b=[1,2,3,4]"]);
    let log = home.log();
    let input = |id: u64| {
        let r = log.iter().find(|r| r["id"].as_u64() == Some(id)).expect("the run's record");
        r["input"].as_str().unwrap().to_string()
    };
    let dropped = home.ok(&["store", "gc", "--drop-recoverable"]);
    assert!(!dropped.contains(&input(1)) && dropped.contains(&input(2)), "{dropped}");
    assert!(home.ok(&["replay", "1"]).contains("the same output"));
    assert!(home.ok(&["replay", "2"]).contains("the same output"));
}

#[test]
fn store_put_reads_stdin_as_dash() {
    use std::io::Write;
    let home = TempHome::new("put_stdin");
    let mut child = home
        .cmd()
        .args(["store", "put", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("rdx runs");
    child.stdin.take().expect("stdin").write_all(b"hello").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let line = String::from_utf8(out.stdout).unwrap();
    let cid = line.split_whitespace().next().unwrap().to_string();
    assert_eq!(line, format!("{cid}  -\n"));
    assert_eq!(home.ok(&["store", "get", &cid]), "hello");
}

#[test]
fn a_record_that_is_no_run_is_named_by_its_kind() {
    let home = TempHome::new("not_a_run");
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=3"]);
    home.ok(&["probe", "-n", "2", "--", "true"]);
    for cmd in ["replay", "rewind"] {
        assert_clean_error(&home.rdx(&[cmd, "2"]), 2, "record 2 is a `probe` record, not a run");
        assert_clean_error(&home.rdx(&[cmd, "9"]), 2, "no run 9 in the ledger");
    }
    assert!(home.ok(&["show", "2"]).contains("probe"));
}

#[test]
fn damage_is_reported_never_a_panic() {
    let home = TempHome::new("damage");
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=10"]);
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=11"]);
    // Bad names.
    assert_clean_error(&home.rdx(&["store", "get", "not-hex!"]), 2, "is not a CID");
    assert_clean_error(&home.rdx(&["store", "get", "abc"]), 2, "is not a CID");
    assert_clean_error(&home.rdx(&["store", "get", &"0".repeat(64)]), 2, "no blob");
    assert_clean_error(&home.rdx(&["show", "99"]), 2, "no record 99 in the ledger");
    assert_clean_error(&home.rdx(&["show", "x"]), 2, "`x` is not a record id");
    assert_clean_error(&home.rdx(&["replay", "x"]), 2, "not a run id");
    assert_clean_error(&home.rdx(&["run", "deadbeef00"]), 2, "");
    // A big blob edited on disk: verify names it, get refuses it.
    let big = home.0.join("big.bin");
    std::fs::write(&big, vec![7u8; 10_000]).unwrap();
    let cid =
        home.ok(&["store", "put", big.to_str().unwrap()]).split_whitespace().next().unwrap().to_string();
    let file = home.0.join("store/blobs").join(&cid[..2]).join(&cid[2..]);
    std::fs::write(&file, vec![8u8; 10_000]).unwrap();
    let out = home.rdx(&["store", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&cid));
    assert_clean_error(&home.rdx(&["store", "get", &cid]), 1, &cid);
    // A record altered in the database: the chain names it.
    let db = rusqlite::Connection::open(home.0.join("ledger.sqlite")).unwrap();
    let changed =
        db.execute("UPDATE records SET body = replace(body, '\"n\"', '\"m\"') WHERE id = 1", []).unwrap_or(0)
            + db.execute("UPDATE records SET prev = '00' WHERE id = 2", []).unwrap_or(0);
    assert!(changed > 0, "the test could alter a record");
    drop(db);
    assert_clean_error(&home.rdx(&["ledger", "verify"]), 1, "record");
    // A ledger of random bytes: every command that needs it says so.
    let garbage = TempHome::new("garbage");
    std::fs::create_dir_all(&garbage.0).unwrap();
    let noise: Vec<u8> = (0..50_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(garbage.0.join("ledger.sqlite"), &noise).unwrap();
    for args in [&["log"][..], &["ledger", "verify"], &["store", "ls"], &["replay", "1"]] {
        let out = garbage.rdx(args);
        assert!(matches!(out.status.code(), Some(1 | 2)), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("ledger"), "{args:?}: {}", stderr(&out));
    }
    // A run still works, unrecorded, with a warning.
    let out = garbage.rdx(&["run", "stdlib/fib.rdx", "--set", "n=10"]);
    assert!(out.status.success());
    assert!(stderr(&out).contains("warning"), "{}", stderr(&out));
}

#[test]
fn an_emptied_ledger_is_refused_not_started_again() {
    let home = TempHome::new("emptied");
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=10"]);
    let ledger = home.0.join("ledger.sqlite");
    let db = rusqlite::Connection::open(&ledger).unwrap();
    db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    db.close().unwrap();
    std::fs::File::create(&ledger).unwrap();
    for args in [&["ledger", "verify"][..], &["log"], &["store", "ls"]] {
        let out = home.rdx(args);
        assert_clean_error(&out, 1, &ledger.display().to_string());
        assert!(stderr(&out).contains("empty (0 bytes)"), "{args:?}: {}", stderr(&out));
    }
    // A run is not recorded as run 1 of a new ledger: it warns, and the file stays empty.
    let out = home.rdx(&["run", "stdlib/fib.rdx", "--set", "n=3"]);
    assert!(out.status.success() && stderr(&out).contains("warning: this run was not recorded"));
    assert_eq!(std::fs::metadata(&ledger).unwrap().len(), 0);
}

#[test]
fn special_files_in_the_store_are_reported_never_read() {
    let home = TempHome::new("special");
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=10"]);
    let fan = home.0.join("store/blobs/ab");
    std::fs::create_dir_all(&fan).unwrap();
    // A symlink is not followed, even to bytes that hash to its name.
    let target = home.file("elsewhere.bin", vec![9u8; 5000]);
    let linked = home.ok(&["store", "put", &target]).split_whitespace().next().unwrap().to_string();
    let linked_path = home.0.join("store/blobs").join(&linked[..2]).join(&linked[2..]);
    std::fs::remove_file(&linked_path).unwrap();
    std::os::unix::fs::symlink(&target, &linked_path).unwrap();
    // A FIFO would block the reader for ever; /dev/zero never ends.
    let fifo = format!("ab{}", "c".repeat(62));
    assert!(Command::new("mkfifo").arg(fan.join(&fifo[2..])).status().unwrap().success());
    let zero = format!("ab{}", "d".repeat(62));
    std::os::unix::fs::symlink("/dev/zero", fan.join(&zero[2..])).unwrap();
    for (cid, kind) in [(&linked, "a symbolic link"), (&fifo, "a FIFO"), (&zero, "a symbolic link")] {
        assert_clean_error(&home.rdx(&["store", "get", cid]), 1, &format!("not a regular file but {kind}"));
    }
    let out = home.rdx(&["store", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("corrupt {fifo}: not a regular file (a FIFO)")), "{stdout}");
    assert!(stdout.contains(&format!("corrupt {zero}: not a regular file (a symbolic link)")), "{stdout}");
    assert!(stdout.contains(&format!("corrupt {linked}: not a regular file (a symbolic link)")), "{stdout}");
    assert!(!home.ok(&["store", "gc", "--dry-run"]).contains(&fifo), "gc leaves them to whoever made them");
}

#[test]
fn a_blob_missing_from_the_store_fails_replay_and_rewind_with_1() {
    let home = TempHome::new("missing-blob");
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=10"]);
    let run = &home.log()[0];
    let program = run["program"].as_str().unwrap();
    let db = rusqlite::Connection::open(home.0.join("ledger.sqlite")).unwrap();
    db.execute("DELETE FROM blobs WHERE cid = ?1", [program]).unwrap();
    for verb in ["replay", "rewind"] {
        let want = format!("run 1's program {}… is not in the store", &program[..12]);
        assert_clean_error(&home.rdx(&[verb, "1"]), 1, &want);
    }
    // With the program back, the run replays.
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=3"]);
    assert!(home.ok(&["replay", "1"]).contains("the same output"));
}

/// The file a blob of `home` lives in.
fn blob_path(home: &TempHome, cid: &str) -> std::path::PathBuf {
    home.0.join("store/blobs").join(&cid[..2]).join(&cid[2..])
}

#[test]
fn a_run_stores_its_blob_over_what_is_not_a_blob_file() {
    // A state of 2100 words is over 4 KiB: a file blob. Its output's CID is known beforehand.
    let home = TempHome::new("blob-path-taken");
    let src = home.file("wide.rdx", "gene wide(a: u64[2100]) {\n    a[0] += 1\n}\n");
    let output = format!("{{\"a\":[1{}]}}", ",0".repeat(2099));
    let cid = rdx_core::Cid::of(output.as_bytes()).to_hex();
    let path = blob_path(&home, &cid);
    std::fs::create_dir_all(&path).unwrap();
    home.ok(&["run", &src]);
    assert_eq!(home.log()[0]["output"], cid.as_str());
    assert_eq!(home.ok(&["store", "get", &cid]), output, "the empty directory gave way to the blob");
    // A FIFO (or a symlink) is replaced by the rename; the run's output reads back.
    std::fs::remove_file(&path).unwrap();
    assert!(Command::new("mkfifo").arg(&path).status().unwrap().success());
    home.ok(&["run", &src]);
    assert_eq!(home.ok(&["store", "get", &cid]), output);
    assert!(home.ok(&["store", "verify"]).starts_with("ok: "));
    // A directory that holds something is not removed: the run is not recorded, and says so.
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir_all(path.join("keep")).unwrap();
    let before = home.log().len();
    let out = home.rdx(&["run", &src]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("warning: this run was not recorded") && err.contains("not empty"), "{err}");
    assert_eq!(home.log().len(), before);
    // verify names the directory by its CID, as it does a FIFO; a stray entry gets no CID.
    std::fs::write(home.0.join("store/blobs/zz"), b"stray").unwrap();
    let out = home.rdx(&["store", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let shown = format!("store/blobs/{}/{}", &cid[..2], &cid[2..]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "corrupt: file name is not a CID: store/blobs/zz".to_string(),
            format!("corrupt {cid}: not a regular file (a directory): {shown}"),
        ],
        "{stdout}"
    );
}

#[test]
fn a_pin_whose_blob_is_gone_can_be_removed() {
    let home = TempHome::new("unpin-gone");
    let file = home.file("s2.bin", vec![5u8; 6000]);
    let cid = home.ok(&["store", "put", &file]).split_whitespace().next().unwrap().to_string();
    home.ok(&["store", "pin", &cid]);
    assert!(home.ok(&["store", "ls"]).contains("pinned"));
    std::fs::remove_file(blob_path(&home, &cid)).unwrap();
    home.ok(&["store", "unpin", &cid[..10]]);
    let db = rusqlite::Connection::open(home.0.join("ledger.sqlite")).unwrap();
    let pins: i64 = db.query_row("SELECT count(*) FROM pins", [], |r| r.get(0)).unwrap();
    assert_eq!(pins, 0, "the pin went with its blob");
    // With no pin and no blob left, the CID names nothing.
    assert_clean_error(&home.rdx(&["store", "unpin", &cid]), 2, "no blob");
}

#[test]
fn show_gives_the_fields_in_the_order_of_show_json() {
    let home = TempHome::new("show-order");
    let lossy = home.file("lossy.rdx", "gene main(x: u64, y: u64) {\n    y := x * 3\n    x += y\n}\n");
    home.ok(&["run", &lossy, "--set", "x=5", "--set", "y=7"]);
    home.ok(&["rewind", "1"]);
    let printy = home.file("printy.rdx", "gene f(x: u64) {\n    x += 3\n    printf \"x is %d\", x\n}\n");
    home.ok(&["run", &printy, "--set", "x=1"]);
    let log = home.log();
    let (printed, rewind) = (log[0]["id"].to_string(), log[1]["id"].to_string());
    for (id, field) in [(rewind.as_str(), "tape_in"), (printed.as_str(), "printed")] {
        let json = home.ok(&["show", id, "--json"]);
        let keys = keys_in_order(&json);
        assert!(keys.iter().any(|k| k == field), "{json}");
        let shown: Vec<String> = home
            .ok(&["show", id])
            .lines()
            .map(|l| l.split_whitespace().next().unwrap().to_string())
            .collect();
        assert_eq!(shown, keys, "rdx show {id}");
        let all: Vec<&str> = rdx_core::ledger::ALL_RUN_FIELDS
            .iter()
            .copied()
            .filter(|f| keys.contains(&f.to_string()))
            .collect();
        assert_eq!(keys, all, "the order of ALL_RUN_FIELDS");
    }
}

#[test]
fn a_tampered_record_fails_replay_with_1_naming_the_run_and_field() {
    let home = TempHome::new("tampered");
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=10"]);
    let lossy = home.file("lossy.rdx", "gene main(x: u64, y: u64) {\n    y := x * 3\n    x += y\n}\n");
    home.ok(&["run", &lossy, "--set", "x=5", "--set", "y=7"]);
    let log = home.log();
    let (fib, lossy) = (&log[1], &log[0]);
    let cid = |r: &serde_json::Value, k: &str| r[k].as_str().unwrap().to_string();
    let db = rusqlite::Connection::open(home.0.join("ledger.sqlite")).unwrap();
    let body = |id: i64| -> String {
        db.query_row("SELECT body FROM records WHERE id = ?1", [id], |r| r.get(0)).unwrap()
    };
    let set_body = |id: i64, text: &str| {
        db.execute("UPDATE records SET body = ?1 WHERE id = ?2", (text, id)).unwrap();
    };
    let field = |k: &str, v: &str| format!(r#""{k}":"{v}""#);
    // (record, text replaced, its replacement, command, what the error names)
    let cases = [
        (1, field("entry", "fib"), field("entry", "fob"), "replay", "run 1's entry `fob`".to_string()),
        (
            1,
            field("direction", "forward"),
            field("direction", "sideways"),
            "rewind",
            "run 1's direction `sideways`".into(),
        ),
        (
            1,
            cid(fib, "output"),
            cid(fib, "program"),
            "replay",
            format!("run 1's output `{}`", cid(fib, "program")),
        ),
        (
            2,
            cid(lossy, "tape"),
            cid(lossy, "output"),
            "rewind",
            format!("run 2's tape `{}`", cid(lossy, "output")),
        ),
    ];
    for (id, from, to, verb, want) in cases {
        let original = body(id);
        assert!(original.contains(&from), "{original}");
        set_body(id, &original.replacen(&from, &to, 1));
        assert_clean_error(&home.rdx(&[verb, &id.to_string()]), 1, &want);
        set_body(id, &original);
    }
    assert!(home.ok(&["replay", "1"]).contains("the same output"));
}

#[test]
fn log_program_lists_the_runs_of_a_program_whose_blob_is_gone() {
    let home = TempHome::new("log-program-gone");
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=10"]);
    let program = home.log()[0]["program"].as_str().unwrap().to_string();
    let db = rusqlite::Connection::open(home.0.join("ledger.sqlite")).unwrap();
    assert_eq!(db.execute("DELETE FROM blobs WHERE cid = ?1", [&program]).unwrap(), 1);
    drop(db);
    // A whole CID needs no lookup in the store: the run that names it is listed.
    let runs = home.json_list(&["log", "--program", &program, "--json"]);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["program"], program.as_str());
    assert!(home.ok(&["log", "--program", &program.to_uppercase()]).contains(&program[..12]));
    // A prefix is looked up in the store, which no longer has it.
    assert_clean_error(&home.rdx(&["log", "--program", &program[..12]]), 2, "no blob");
    // A whole CID that neither the store nor the ledger knows is said to be unknown.
    let unknown = "ab".repeat(32);
    let want = format!("no blob {unknown} in the store, and no run in the ledger names it");
    assert_clean_error(&home.rdx(&["log", "--program", &unknown]), 2, &want);
    assert_clean_error(&home.rdx(&["log", "--decisions", "--program", &unknown]), 2, &want);
}

#[test]
fn gc_says_how_many_stale_temp_files_it_deletes() {
    let home = TempHome::new("gc-stale-temp");
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=3"]);
    let temp = home.0.join("store/tmp/1-0-0.tmp");
    std::fs::write(&temp, b"12345").unwrap();
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 3600);
    std::fs::File::options().write(true).open(&temp).unwrap().set_modified(two_hours_ago).unwrap();
    for (args, verb) in
        [(&["store", "gc", "--dry-run"][..], "would delete"), (&["store", "gc"][..], "deleted")]
    {
        let out = home.rdx(args);
        assert!(out.status.success(), "{}", stderr(&out));
        let want = format!("{verb} 0 blobs (0 bytes) and 1 stale temp file (5 bytes); ");
        assert!(stderr(&out).contains(&want), "{}", stderr(&out));
        assert_eq!(temp.exists(), verb == "would delete");
    }
    let out = home.rdx(&["store", "gc"]);
    assert!(!stderr(&out).contains("temp"), "{}", stderr(&out));
}

#[test]
fn a_store_directory_that_is_a_file_is_named_not_file_exists() {
    let home = TempHome::new("store-dir-file");
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=3"]);
    let tmp = home.0.join("store/tmp");
    std::fs::remove_dir_all(&tmp).unwrap();
    std::fs::write(&tmp, b"").unwrap();
    let want =
        format!("{}: not a directory but a regular file (the store was changed on disk)", tmp.display());
    let out = home.rdx(&["run", "stdlib/fib.rdx", "--set", "n=3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("warning: this run was not recorded: {want}")),
        "{}",
        stderr(&out)
    );
    assert_clean_error(&home.rdx(&["store", "gc"]), 1, &want);
    std::fs::remove_file(&tmp).unwrap();
    // A write-ahead log index that is a directory: SQLite only says "readonly database".
    let shm = home.0.join("ledger.sqlite-shm");
    let _ = std::fs::remove_file(&shm);
    std::fs::create_dir(&shm).unwrap();
    let want = format!("{}: not a regular file but a directory, so SQLite cannot use it", shm.display());
    let out = home.rdx(&["run", "stdlib/fib.rdx", "--set", "n=3"]);
    assert!(
        stderr(&out).contains(&format!("warning: this run was not recorded: {want}")),
        "{}",
        stderr(&out)
    );
    assert_clean_error(&home.rdx(&["store", "gc"]), 1, &want);
}

#[test]
fn a_rerun_of_a_run_made_on_a_peer_is_not_recorded_as_made_there() {
    let home = TempHome::new("rerun-on-peer");
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=10"]);
    // The record `rdx run --on a` leaves here: the peer's run, flagged `--on=a`.
    let ledger = rdx_core::Home::open(Some(&home.0)).unwrap();
    let mut run = ledger.run_record(1).unwrap().run;
    run.flags = vec!["--checked".into(), format!("{}a", rdx_core::ledger::ON_FLAG)];
    let id = ledger.record_run(&run).unwrap().id.to_string();
    drop(ledger);
    assert!(home.ok(&["replay", &id]).contains("the same output"));
    assert!(home.ok(&["rewind", &id]).contains("the same input"));
    let log = home.log();
    for rerun in &log[..2] {
        assert_eq!(rerun["parent"].to_string(), id, "{rerun}");
        assert_eq!(rerun["flags"], serde_json::json!(["--checked"]), "it ran here: {rerun}");
    }
    assert!(home.ok(&["ledger", "verify"]).starts_with("ok: "));
}

#[test]
fn a_float_kernel_run_that_rewinds_up_to_rounding_says_why() {
    let home = TempHome::new("rewind-float");
    let args = ["run", "stdlib/kernels/spectrum.rdx", "--entry", "scrambled", "--set", "z=[1,2,3,4,5,6,7,8]"];
    home.ok(&args);
    let out = home.rdx(&["rewind", "1"]);
    assert_clean_error(&out, 1, "rewinds run 1 and differs: `z` was");
    assert!(
        stderr(&out).contains("= help: the program calls a kernel on a float buffer"),
        "{}",
        stderr(&out)
    );
    // An integer program that rewinds differently (its record was changed) gets no such help.
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=10"]);
    let fib = home.log()[0].clone();
    let db = rusqlite::Connection::open(home.0.join("ledger.sqlite")).unwrap();
    let other = home.ok(&["run", "stdlib/fib.rdx", "--set", "n=11"]);
    assert!(other.contains("x1"));
    let input = home.log()[0]["input"].as_str().unwrap().to_string();
    let id = fib["id"].as_i64().unwrap();
    let body: String = db.query_row("SELECT body FROM records WHERE id = ?1", [id], |r| r.get(0)).unwrap();
    let changed = body.replacen(fib["input"].as_str().unwrap(), &input, 1);
    db.execute("UPDATE records SET body = ?1 WHERE id = ?2", (changed, id)).unwrap();
    drop(db);
    let out = home.rdx(&["rewind", &id.to_string()]);
    assert_clean_error(&out, 1, "and differs: `n` was 11, is now 10");
    assert!(!stderr(&out).contains("help:"), "{}", stderr(&out));
}

/// `rdx show ID`'s lines as (name, value, the column its value starts at).
fn shown(text: &str) -> Vec<(String, String, usize)> {
    text.lines()
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let name = l.split_whitespace().next().unwrap().to_string();
            let start = name.len() + l[name.len()..].len() - l[name.len()..].trim_start().len();
            (name, l[start..].to_string(), start)
        })
        .collect()
}

#[test]
fn show_lines_up_every_kind_of_record_and_gives_its_prev_and_hash() {
    let home = TempHome::new("show-kinds");
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=5"]);
    home.ok(&["probe", "-n", "2", "--", "true"]);
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=6", "--backend", "auto"]);
    let decision = home.json_list(&["log", "--decisions", "--json"])[0]["id"].as_u64().unwrap();
    let run = shown(&home.ok(&["show", "1"]));
    let next_prev = |id: u64| -> String {
        let lines = shown(&home.ok(&["show", &(id + 1).to_string()]));
        lines.into_iter().find(|(k, _, _)| k == "prev").unwrap().1
    };
    for id in [2, decision] {
        let lines = shown(&home.ok(&["show", &id.to_string()]));
        let column = lines[0].2;
        assert!(lines.iter().all(|(_, _, c)| *c == column), "record {id} does not line up: {lines:?}");
        let names: Vec<&str> = lines.iter().map(|(k, _, _)| k.as_str()).collect();
        assert_eq!(names[names.len() - 2..], ["prev", "hash"], "record {id}: {names:?}");
        // The hash shown is the next record's prev (record 1's is shown by its run record).
        let hash = &lines.last().unwrap().1;
        assert_eq!(hash.len(), 64, "{hash}");
        if id == 2 {
            let prev = &lines[names.len() - 2].1;
            assert_eq!(prev, &run.iter().find(|(k, _, _)| k == "hash").unwrap().1);
            assert_eq!(hash, &next_prev(id));
        }
        let json = home.json(&["show", &id.to_string(), "--json"]);
        assert_eq!(json["hash"].as_str(), Some(hash.as_str()), "{json}");
    }
    // A probe's longest names are wider than a run's column.
    let probe = shown(&home.ok(&["show", "2"]));
    assert!(probe.iter().any(|(k, _, _)| k == "jitter_mean_delta_ns"));
    assert!(probe[0].2 > run[0].2, "{probe:?}");
}

#[test]
fn a_decision_that_cannot_be_read_is_named_not_left_out() {
    let home = TempHome::new("bad-decision");
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=5", "--backend", "auto"]);
    let id = home.json_list(&["log", "--decisions", "--json"])[0]["id"].as_u64().unwrap();
    let db = rusqlite::Connection::open(home.0.join("ledger.sqlite")).unwrap();
    db.execute("UPDATE records SET body = '{}' WHERE id = ?1", [id as i64]).unwrap();
    for args in [&["log", "--decisions"][..], &["log", "--decisions", "--json"]] {
        assert_clean_error(&home.rdx(args), 1, &format!("decision {id} cannot be read: missing field"));
    }
}
