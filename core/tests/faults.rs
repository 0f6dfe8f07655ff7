//! Faults a shared home must survive: concurrent writers in separate processes, a writer killed
//! mid-append, a ledger of garbage or cut short, an unwritable home, temp files left by a crash.
//!
//! Child processes re-execute this test binary on [`child_process`] with `RDX_FAULTS_CHILD`
//! saying what to do.

use rdx_core::ledger::{LedgerReport, NewRun};
use rdx_core::store::{DEAD_WRITER_TEMP_AGE, GcOptions, STALE_TEMP_AGE};
use rdx_core::{Cid, CoreError, Home};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::SystemTime;

mod common;
use common::{TempDir, run};

const CHILD_ENV: &str = "RDX_FAULTS_CHILD";

/// What a child prints before each id it got; libtest may print on the same line.
const ID_MARK: &str = "rdx-id=";

fn id_in(line: &str) -> Option<u64> {
    line.split_whitespace().find_map(|w| w.strip_prefix(ID_MARK)).map(|id| id.parse().unwrap())
}

fn sample_run(tag: &str, n: u64) -> NewRun {
    let (input, output) =
        (Cid::of(format!("{tag} in {n}").as_bytes()), Cid::of(format!("{tag} out {n}").as_bytes()));
    NewRun { instructions: Some(n), ..run(&Cid::of(tag.as_bytes()), &input, Some(&output)) }
}

/// Not a test of its own: the body of the child processes the other tests spawn, as
/// `RDX_FAULTS_CHILD` says. `append <home> <tag> <count>` records `count` runs (putting a state
/// blob with each) and prints each id after [`ID_MARK`]; `batch …` does the same in one batch
/// committed at the end; `resolve` prints where
/// `Home::resolve_dir(None)` points, or the error.
#[test]
fn child_process() {
    let Ok(spec) = std::env::var(CHILD_ENV) else { return };
    let parts: Vec<&str> = spec.splitn(4, ' ').collect();
    match parts[..] {
        ["append", home, tag, count] => append(Path::new(home), tag, count.parse().unwrap(), false),
        ["batch", home, tag, count] => append(Path::new(home), tag, count.parse().unwrap(), true),
        ["resolve"] => match Home::resolve_dir(None) {
            Ok(dir) => println!("\nresolved={}", dir.display()),
            Err(e) => println!("\nerror={e:?}"),
        },
        _ => panic!("bad {CHILD_ENV}: {spec}"),
    }
}

fn append(home: &Path, tag: &str, count: u64, in_one_batch: bool) {
    let home = Home::open(Some(home)).unwrap();
    let batch = in_one_batch.then(|| home.batch().unwrap());
    let mut out = std::io::stdout().lock();
    for n in 0..count {
        home.put(format!("{tag} in {n}").as_bytes()).unwrap();
        let id = home.record_run(&sample_run(tag, n)).unwrap().id;
        writeln!(out, "{ID_MARK}{id}").unwrap();
        out.flush().unwrap();
    }
    if let Some(batch) = batch {
        batch.commit().unwrap();
    }
}

fn child(spec: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["--exact", "child_process", "--nocapture", "--test-threads=1"]).env(CHILD_ENV, spec);
    command
}

fn spawn_child(home: &Path, tag: &str, count: u64) -> Child {
    child(&format!("append {} {tag} {count}", home.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Reads ids from `child` until `n` were printed, then kills it with SIGKILL.
fn kill_after(mut child: Child, n: usize) -> Vec<u64> {
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    while printed.len() < n {
        let line = lines.next().expect("the child stopped early").unwrap();
        printed.extend(id_in(&line));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    printed
}

fn spawn_batch_child(home: &Path, tag: &str, count: u64) -> Child {
    child(&format!("batch {} {tag} {count}", home.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn ids_printed(child: Child) -> Vec<u64> {
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "a child failed: {output:?}");
    String::from_utf8(output.stdout).unwrap().lines().filter_map(id_in).collect()
}

#[test]
fn eight_processes_append_one_chain() {
    let dir = TempDir::new("eight");
    let home_dir = dir.path().join("home");
    let children: Vec<Child> = (0..8).map(|i| spawn_child(&home_dir, &format!("writer{i}"), 200)).collect();
    let mut all: Vec<u64> = Vec::new();
    for child in children {
        let ids = ids_printed(child);
        assert_eq!(ids.len(), 200);
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        all.extend(ids);
    }
    all.sort();
    assert_eq!(all, (1..=1600).collect::<Vec<u64>>(), "every id was handed out once");
    let home = Home::open(Some(&home_dir)).unwrap();
    assert_eq!(home.verify_ledger().unwrap(), LedgerReport { records: 1600, first_bad: None });
    for i in 0..8 {
        let program = Cid::of(format!("writer{i}").as_bytes());
        assert_eq!(home.runs(None, Some(&program)).unwrap().len(), 200);
    }
    assert_eq!(home.list().unwrap().len(), 1600);
}

#[test]
fn a_writer_killed_mid_append_loses_nothing_it_reported() {
    let dir = TempDir::new("killed");
    let home_dir = dir.path().join("home");
    let printed = kill_after(spawn_child(&home_dir, "victim", 1_000_000), 25);
    let home = Home::open(Some(&home_dir)).unwrap();
    let report = home.verify_ledger().unwrap();
    assert_eq!(report.first_bad, None);
    assert!(report.records >= 25);
    for id in printed {
        assert_eq!(home.run_record(id).unwrap().run, sample_run("victim", id - 1));
    }
    assert_eq!(home.record_run(&sample_run("after", 0)).unwrap().id, report.records + 1);
}

#[test]
fn a_writer_killed_mid_batch_leaves_none_of_it() {
    let dir = TempDir::new("killed-batch");
    let home_dir = dir.path().join("home");
    let home = Home::open(Some(&home_dir)).unwrap();
    home.record_run(&sample_run("before", 0)).unwrap();
    let printed = kill_after(spawn_batch_child(&home_dir, "victim", 1_000_000), 25);
    assert_eq!(printed[..3], [2, 3, 4]);
    assert_eq!(home.verify_ledger().unwrap(), LedgerReport { records: 1, first_bad: None });
    assert!(!home.has(&Cid::of(b"victim in 0")).unwrap());
    assert_eq!(home.record_run(&sample_run("after", 0)).unwrap().id, 2);
}

fn assert_ledger_error(result: Result<impl std::fmt::Debug, CoreError>, what: &str) {
    match result {
        Err(CoreError::Ledger { path, why }) => {
            assert!(path.ends_with("ledger.sqlite"), "{what}: {path:?}");
            assert!(!why.is_empty());
        }
        other => panic!("{what}: expected a ledger error, got {other:?}"),
    }
}

#[test]
fn a_ledger_of_random_bytes_is_a_ledger_error() {
    let dir = TempDir::new("random");
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let noise: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(dir.path().join("ledger.sqlite"), &noise).unwrap();
    assert_ledger_error(Home::open(Some(dir.path())).map(|_| ()), "random bytes");

    let mut header = b"SQLite format 3\0".to_vec();
    header.extend_from_slice(&noise[..4096]);
    std::fs::write(dir.path().join("ledger.sqlite"), &header).unwrap();
    assert_ledger_error(Home::open(Some(dir.path())).map(|_| ()), "a header then random bytes");
}

#[test]
fn a_truncated_ledger_is_a_ledger_error() {
    let dir = TempDir::new("truncated");
    let home = Home::open(Some(dir.path())).unwrap();
    let batch = home.batch().unwrap();
    for n in 0..2000 {
        batch.put(format!("state {n} {}", "x".repeat(200)).as_bytes()).unwrap();
        batch.record_run(&sample_run("cut", n)).unwrap();
    }
    batch.commit().unwrap();
    drop(home);
    let ledger = dir.path().join("ledger.sqlite");
    // A home leaves its log for later checkpoints; a plain connection, closing last, moves it
    // into the database file, so cutting that file cuts records.
    let conn = rusqlite::Connection::open(&ledger).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    conn.close().unwrap();
    assert!(!dir.path().join("ledger.sqlite-wal").exists(), "closing checkpoints the WAL");
    let len = std::fs::metadata(&ledger).unwrap().len();
    for keep in [len / 2, 4096 * 3, 100] {
        std::fs::OpenOptions::new().write(true).open(&ledger).unwrap().set_len(keep).unwrap();
        let first_use = Home::open(Some(dir.path())).and_then(|home| {
            let report = home.verify_ledger()?;
            home.list()?;
            Ok(report)
        });
        assert_ledger_error(first_use, &format!("cut to {keep} bytes"));
    }
}

#[test]
fn an_emptied_ledger_is_refused_not_started_again() {
    let dir = TempDir::new("emptied");
    let home = Home::open(Some(dir.path())).unwrap();
    let state: Vec<u8> = (0..9000u32).map(|i| (i % 253) as u8).collect();
    home.put(&state).unwrap();
    home.record_run(&sample_run("gone", 0)).unwrap();
    drop(home);
    let ledger = dir.path().join("ledger.sqlite");
    let conn = rusqlite::Connection::open(&ledger).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    conn.close().unwrap();
    std::fs::File::create(&ledger).unwrap();
    match Home::open(Some(dir.path())).map(|_| ()) {
        Err(CoreError::Ledger { path, why }) => {
            assert_eq!(path, ledger);
            assert!(why.contains("empty (0 bytes)") && why.contains("truncated"), "{why}");
        }
        other => panic!("an empty ledger was opened: {other:?}"),
    }
    assert_eq!(std::fs::metadata(&ledger).unwrap().len(), 0, "the empty file stays as it was");
    assert!(Home::open(Some(dir.path())).is_err(), "and is refused again");
}

#[test]
fn a_new_home_gets_a_whole_ledger_and_leaves_no_temp_file() {
    let dir = TempDir::new("new-home");
    let home = Home::open(Some(&dir.path().join("home"))).unwrap();
    assert!(std::fs::metadata(home.ledger_path()).unwrap().len() > 0);
    assert_eq!(std::fs::read_dir(home.root().join("store/tmp")).unwrap().count(), 0);
    assert_eq!(home.record_run(&sample_run("first", 0)).unwrap().id, 1);
}

#[test]
fn a_foreign_or_newer_database_is_a_ledger_error() {
    let dir = TempDir::new("foreign");
    let conn = rusqlite::Connection::open(dir.path().join("ledger.sqlite")).unwrap();
    conn.execute_batch("CREATE TABLE mine (x INTEGER)").unwrap();
    drop(conn);
    assert_ledger_error(Home::open(Some(dir.path())).map(|_| ()), "another program's database");

    let dir = TempDir::new("newer");
    drop(Home::open(Some(dir.path())).unwrap());
    let conn = rusqlite::Connection::open(dir.path().join("ledger.sqlite")).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    assert_ledger_error(Home::open(Some(dir.path())).map(|_| ()), "a newer schema");
}

#[test]
fn an_unwritable_home_is_an_io_error() {
    let dir = TempDir::new("unwritable");
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let result = Home::open(Some(&file.join("home")));
    assert!(matches!(result, Err(CoreError::Io { .. })), "{:?}", result.err());
    let result = Home::open(Some(&file));
    assert!(matches!(result, Err(CoreError::Io { .. })), "{:?}", result.err());
}

#[test]
fn a_store_directory_that_is_a_file_is_named() {
    let dir = TempDir::new("store-dir-file");
    drop(Home::open(Some(dir.path())).unwrap());
    for name in ["store/tmp", "store"] {
        let path = dir.path().join(name);
        let moved = dir.path().join("moved");
        std::fs::rename(&path, &moved).unwrap();
        std::fs::write(&path, b"").unwrap();
        let err = Home::open(Some(dir.path())).err().expect("refused").to_string();
        let want =
            format!("{}: not a directory but a regular file (the store was changed on disk)", path.display());
        assert!(err.starts_with(&want), "{err}");
        std::fs::remove_file(&path).unwrap();
        std::fs::rename(&moved, &path).unwrap();
    }
    // A fan-out directory `store/blobs/ab` that is a file: storing or reading a blob in it.
    let home = Home::open(Some(dir.path())).unwrap();
    let bytes = vec![7u8; 6000];
    let cid = home.put(&bytes).unwrap();
    let fan = home.root().join("store/blobs").join(&cid.to_hex()[..2]);
    std::fs::remove_dir_all(&fan).unwrap();
    std::fs::write(&fan, b"").unwrap();
    let want = format!("{}: not a directory but a regular file", fan.display());
    for err in [home.put(&bytes).err(), home.get(&cid).err(), home.has(&cid).err()] {
        let err = err.expect("refused").to_string();
        assert!(err.starts_with(&want), "{err}");
    }
}

#[test]
fn temp_files_are_never_blobs_and_gc_removes_stale_ones() {
    let dir = TempDir::new("temp");
    let home = Home::open(Some(dir.path())).unwrap();
    let tmp = home.root().join("store/tmp");
    let bytes: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let cid = Cid::of(&bytes);
    // What a writer killed between write and rename leaves: a partial copy in store/tmp.
    let dead_writer = tmp.join("4194999-0-0.tmp");
    std::fs::write(&dead_writer, &bytes[..8000]).unwrap();
    let a_while_ago = SystemTime::now() - DEAD_WRITER_TEMP_AGE * 2;
    std::fs::File::options().write(true).open(&dead_writer).unwrap().set_modified(a_while_ago).unwrap();
    let dead_but_fresh = tmp.join("4194999-1-0.tmp");
    std::fs::write(&dead_but_fresh, &bytes[..10]).unwrap();
    let old = tmp.join("leftover.tmp");
    std::fs::write(&old, &bytes[..100]).unwrap();
    let long_ago = SystemTime::now() - STALE_TEMP_AGE * 2;
    std::fs::File::options().write(true).open(&old).unwrap().set_modified(long_ago).unwrap();
    let in_progress = tmp.join(format!("{}-99-0.tmp", std::process::id()));
    std::fs::write(&in_progress, &bytes[..10]).unwrap();

    assert!(!home.has(&cid).unwrap());
    assert!(matches!(home.get(&cid), Err(CoreError::NotFound { .. })));
    assert!(matches!(home.resolve(&cid.to_hex()[..8]), Err(CoreError::NotFound { .. })));
    assert_eq!(home.list().unwrap(), []);
    assert_eq!(home.size().unwrap(), 0);
    assert_eq!(home.verify().unwrap(), []);

    let dry = home.gc(&GcOptions { dry_run: true, drop_recoverable: false }).unwrap();
    assert_eq!((dry.stale_temp, dry.stale_temp_bytes), (2, 8000 + 100));
    assert!(dead_writer.exists() && old.exists());
    let done = home.gc(&GcOptions::default()).unwrap();
    assert_eq!((done.stale_temp, done.stale_temp_bytes, done.removed.len()), (2, 8000 + 100, 0));
    assert!(!dead_writer.exists() && !old.exists());
    assert!(in_progress.exists(), "a live writer's temp file stays");
    assert!(dead_but_fresh.exists(), "a fresh temp file stays whoever wrote it");

    assert_eq!(home.put(&bytes).unwrap(), cid);
    assert_eq!(home.get(&cid).unwrap(), bytes);
}

#[test]
fn the_home_comes_from_the_environment() {
    let resolve = |rdx_home: Option<&str>, home: Option<&str>| {
        let mut command = child("resolve");
        command.env_remove("RDX_HOME").env_remove("HOME").current_dir(std::env::temp_dir());
        if let Some(dir) = rdx_home {
            command.env("RDX_HOME", dir);
        }
        if let Some(dir) = home {
            command.env("HOME", dir);
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        stdout.lines().find(|l| l.starts_with("resolved=") || l.starts_with("error=")).unwrap().to_string()
    };
    assert_eq!(resolve(Some("/srv/rdx"), Some("/home/u")), "resolved=/srv/rdx");
    assert_eq!(resolve(Some(""), Some("/home/u")), "resolved=/home/u/.rdx");
    assert_eq!(resolve(None, Some("/home/u")), "resolved=/home/u/.rdx");
    let relative = std::env::temp_dir().join("rel");
    assert_eq!(resolve(Some("rel"), None), format!("resolved={}", relative.display()));
    assert!(resolve(None, None).starts_with("error=Io"));
    let explicit = Home::resolve_dir(Some(Path::new("/x/y"))).unwrap();
    assert_eq!(explicit, Path::new("/x/y"));
}
