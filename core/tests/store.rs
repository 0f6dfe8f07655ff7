//! The content-addressed store against a real home in a temp dir: round trips, prefixes, pins,
//! gc (with and without `drop_recoverable`) and verification of blobs edited behind its back.

use rdx_core::run::Program;
use rdx_core::store::{BlobInfo, GcOptions, GcReport, INLINE_MAX};
use rdx_core::{Cid, CoreError, Home};
use rdx_lang::ast::Dialect;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

mod common;
use common::{TempDir, run};

fn blob_file(home: &Home, cid: &Cid) -> PathBuf {
    let hex = cid.to_hex();
    home.root().join("store/blobs").join(&hex[..2]).join(&hex[2..])
}

fn raw(home: &Home) -> rusqlite::Connection {
    rusqlite::Connection::open(home.ledger_path()).unwrap()
}

fn big(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

fn cids(report: &GcReport) -> Vec<Cid> {
    report.removed.iter().map(|(cid, _)| *cid).collect()
}

/// A real module calling no float kernel: `gc --drop-recoverable` drops only the inputs of runs
/// of such a program.
fn module(home: &Home) -> Cid {
    let source = "gene main(x: u64) {\n    x += 1\n}\n";
    let program = Program::from_source(source.into(), "t.rdx".into(), Dialect::Rdx, false, &[]).unwrap();
    home.put(&program.encoded().1).unwrap()
}

fn sorted(mut v: Vec<Cid>) -> Vec<Cid> {
    v.sort();
    v
}

#[test]
fn put_get_round_trip() {
    let dir = TempDir::new("round-trip");
    let home = Home::open(Some(dir.path())).unwrap();
    let blobs = [b"small".to_vec(), Vec::new(), big(1, INLINE_MAX), big(2, INLINE_MAX + 1), big(3, 1 << 20)];
    let mut put = Vec::new();
    for bytes in &blobs {
        let cid = home.put(bytes).unwrap();
        assert_eq!(cid, Cid::of(bytes));
        assert_eq!(home.get(&cid).unwrap(), *bytes);
        assert!(home.has(&cid).unwrap());
        assert_eq!(blob_file(&home, &cid).exists(), bytes.len() > INLINE_MAX);
        put.push(cid);
    }
    let listed = home.list().unwrap();
    let mut expected: Vec<BlobInfo> = blobs
        .iter()
        .map(|b| BlobInfo {
            cid: Cid::of(b),
            size: b.len() as u64,
            inline: b.len() <= INLINE_MAX,
            pinned: false,
        })
        .collect();
    expected.sort_by_key(|b| b.cid);
    assert_eq!(listed, expected);
    assert_eq!(home.size().unwrap(), blobs.iter().map(|b| b.len() as u64).sum::<u64>());
    assert!(std::fs::read_dir(home.root().join("store/tmp")).unwrap().next().is_none());

    let absent = Cid::of(b"absent");
    assert!(!home.has(&absent).unwrap());
    assert!(matches!(home.get(&absent), Err(CoreError::NotFound { cid }) if cid == absent.to_hex()));
    drop(home);
    let home = Home::open(Some(dir.path())).unwrap();
    for (bytes, cid) in blobs.iter().zip(&put) {
        assert_eq!(home.get(cid).unwrap(), *bytes);
    }
}

#[test]
fn putting_an_existing_blob_is_a_no_op() {
    let dir = TempDir::new("idempotent");
    let home = Home::open(Some(dir.path())).unwrap();
    let large = big(9, 10_000);
    let cid = home.put(&large).unwrap();
    let before = std::fs::metadata(blob_file(&home, &cid)).unwrap();
    assert_eq!(home.put(&large).unwrap(), cid);
    let after = std::fs::metadata(blob_file(&home, &cid)).unwrap();
    assert_eq!(
        (before.ino(), before.mtime(), before.mtime_nsec()),
        (after.ino(), after.mtime(), after.mtime_nsec())
    );
    let small = home.put(b"tiny").unwrap();
    assert_eq!(home.put(b"tiny").unwrap(), small);
    assert_eq!(home.list().unwrap().len(), 2);
}

#[test]
fn prefixes_resolve() {
    let dir = TempDir::new("resolve");
    let home = Home::open(Some(dir.path())).unwrap();
    let inline = home.put(b"resolve me").unwrap();
    let file = home.put(&big(4, 5000)).unwrap();
    for cid in [inline, file] {
        let hex = cid.to_hex();
        assert_eq!(home.resolve(&hex).unwrap(), cid);
        assert_eq!(home.resolve(&hex[..8]).unwrap(), cid);
        assert_eq!(home.resolve(&hex[..20].to_uppercase()).unwrap(), cid);
        assert_eq!(home.resolve(&format!(" {} ", &hex[..9])).unwrap(), cid);
        assert!(matches!(home.resolve(&hex[..7]), Err(CoreError::BadCid { .. })));
    }
    assert!(matches!(home.resolve("not-a-cid"), Err(CoreError::BadCid { .. })));
    assert!(matches!(home.resolve("0123456z"), Err(CoreError::BadCid { .. })));
    assert!(matches!(home.resolve(""), Err(CoreError::BadCid { .. })));
    assert!(matches!(home.resolve(&"a".repeat(65)), Err(CoreError::BadCid { .. })));

    let absent = Cid::of(b"absent").to_hex();
    assert!(matches!(home.resolve(&absent), Err(CoreError::NotFound { .. })));
    assert!(matches!(home.resolve(&absent[..12]), Err(CoreError::NotFound { .. })));

    // Two blobs sharing an 8-digit prefix, one inline and one a file (their bytes do not match
    // their names; resolving does not read them).
    let shared = "abcdef01";
    let inline_name = format!("{shared}{}", "0".repeat(56));
    raw(&home).execute("INSERT INTO blobs (cid, data) VALUES (?1, x'00')", [&inline_name]).unwrap();
    let file_name = format!("{shared}{}", "1".repeat(56));
    let fan = home.root().join("store/blobs/ab");
    std::fs::create_dir_all(&fan).unwrap();
    std::fs::write(fan.join(&file_name[2..]), b"x").unwrap();
    assert!(matches!(
        home.resolve(shared),
        Err(CoreError::Ambiguous { prefix, count: 2 }) if prefix == shared
    ));
    assert_eq!(home.resolve(&format!("{shared}0")).unwrap(), Cid::parse(&inline_name).unwrap());
    assert_eq!(home.resolve(&format!("{shared}1")).unwrap(), Cid::parse(&file_name).unwrap());
}

#[test]
fn pins() {
    let dir = TempDir::new("pins");
    let home = Home::open(Some(dir.path())).unwrap();
    let absent = Cid::of(b"absent");
    assert!(matches!(home.pin(&absent), Err(CoreError::NotFound { .. })));
    let a = home.put(b"pinned").unwrap();
    let b = home.put(&big(5, 8000)).unwrap();
    home.pin(&a).unwrap();
    home.pin(&a).unwrap();
    home.pin(&b).unwrap();
    assert!(home.list().unwrap().iter().all(|blob| blob.pinned));
    let report = home.gc(&GcOptions::default()).unwrap();
    assert_eq!(
        report,
        GcReport { removed: vec![], kept: 2, freed_bytes: 0, stale_temp: 0, stale_temp_bytes: 0 }
    );
    home.unpin(&a).unwrap();
    home.unpin(&a).unwrap();
    home.unpin(&absent).unwrap();
    let listed = home.list().unwrap();
    assert_eq!(listed.iter().find(|blob| blob.cid == a).map(|blob| blob.pinned), Some(false));
    let report = home.gc(&GcOptions::default()).unwrap();
    assert_eq!(cids(&report), [a]);
    assert!(home.has(&b).unwrap());
}

#[test]
fn gc_keeps_what_the_ledger_needs() {
    let dir = TempDir::new("gc");
    let home = Home::open(Some(dir.path())).unwrap();
    let program = home.put(b"program").unwrap();
    let input = home.put(b"input").unwrap();
    let output = home.put(&big(6, 6000)).unwrap();
    let tape = home.put(b"tape").unwrap();
    let kernel = home.put(&big(7, 7000)).unwrap();
    let pinned = home.put(b"pinned").unwrap();
    let probed = home.put(b"named by a decision record").unwrap();
    let garbage_inline = home.put(b"garbage").unwrap();
    let garbage_file = home.put(&big(8, 9000)).unwrap();
    home.pin(&pinned).unwrap();
    let mut lossy = run(&program, &input, Some(&output));
    lossy.tape = Some(tape.to_hex());
    lossy.kernels = vec![kernel.to_hex()];
    home.record_run(&lossy).unwrap();
    home.append_record("decision", &serde_json::json!({"seen": [probed.to_hex()]})).unwrap();
    // A probe only names what it timed: that keeps nothing.
    let timed = home.put(b"timed by a probe").unwrap();
    home.append_record("probe", &serde_json::json!({"target": timed.to_hex()})).unwrap();

    let before = home.list().unwrap();
    let dry = home.gc(&GcOptions { dry_run: true, drop_recoverable: false }).unwrap();
    assert_eq!(home.list().unwrap(), before, "a dry run removes nothing");
    assert_eq!(sorted(cids(&dry)), sorted(vec![garbage_inline, garbage_file, timed]));
    assert_eq!(dry.kept, 7);
    assert_eq!(dry.freed_bytes, 7 + 9000 + 16);

    let done = home.gc(&GcOptions::default()).unwrap();
    assert_eq!(done, dry);
    assert!(!home.has(&garbage_inline).unwrap());
    assert!(!home.has(&garbage_file).unwrap());
    assert!(!blob_file(&home, &garbage_file).exists());
    for cid in [program, input, output, tape, kernel, pinned, probed] {
        assert!(home.get(&cid).is_ok(), "{cid} was removed");
    }
    assert_eq!(home.gc(&GcOptions::default()).unwrap().removed, []);
}

#[test]
fn drop_recoverable_drops_only_what_a_rewind_recovers() {
    let dir = TempDir::new("recoverable");
    let home = Home::open(Some(dir.path())).unwrap();
    let program = module(&home);
    let state = |name: &str| home.put(format!("state {name}").as_bytes()).unwrap();

    // Droppable: the input of a lossless run, referenced nowhere else.
    let (i1, o1) = (home.put(&big(10, 5000)).unwrap(), state("o1"));
    let r1 = home.record_run(&run(&program, &i1, Some(&o1))).unwrap().id;
    // Kept: the input of a run that erased bits.
    let (i2, o2) = (state("i2"), state("o2"));
    let mut lossy = run(&program, &i2, Some(&o2));
    lossy.erased_bits = 3;
    home.record_run(&lossy).unwrap();
    // Kept: the input of a run that left a tape.
    let (i3, o3, t3) = (state("i3"), state("o3"), state("t3"));
    let mut taped = run(&program, &i3, Some(&o3));
    taped.tape = Some(t3.to_hex());
    home.record_run(&taped).unwrap();
    // Kept: pinned.
    let (i4, o4) = (state("i4"), state("o4"));
    home.record_run(&run(&program, &i4, Some(&o4))).unwrap();
    home.pin(&i4).unwrap();
    // Kept: also referred to as a kernel.
    let (i5, o5) = (state("i5"), state("o5"));
    home.record_run(&run(&program, &i5, Some(&o5))).unwrap();
    let mut with_kernel = run(&program, &o5, Some(&o4));
    with_kernel.erased_bits = 1;
    with_kernel.kernels = vec![i5.to_hex()];
    home.record_run(&with_kernel).unwrap();
    // Kept: the input of a failed run.
    let i6 = state("i6");
    let mut failed = run(&program, &i6, None);
    failed.outcome = "error".into();
    home.record_run(&failed).unwrap();
    // Kept: the output it would be recovered from is not in the store.
    let i7 = state("i7");
    home.record_run(&run(&program, &i7, Some(&Cid::of(b"never stored")))).unwrap();
    // Two runs rewinding each other: at most one of the states goes (here neither, as each is
    // also the other's output).
    let (a, b) = (state("a"), state("b"));
    home.record_run(&run(&program, &a, Some(&b))).unwrap();
    let mut back = run(&program, &b, Some(&a));
    back.direction = "backward".into();
    home.record_run(&back).unwrap();
    // A chain s0 -> s1 -> s2: only s0, the one state no run produced.
    let (s0, s1, s2) = (state("s0"), state("s1"), state("s2"));
    let r_s0 = home.record_run(&run(&program, &s0, Some(&s1))).unwrap().id;
    home.record_run(&run(&program, &s1, Some(&s2))).unwrap();
    // Kept: the output it would be recovered from is corrupt.
    let (i8, o8) = (state("i8"), state("o8"));
    home.record_run(&run(&program, &i8, Some(&o8))).unwrap();
    raw(&home).execute("UPDATE blobs SET data = x'00' WHERE cid = ?1", [o8.to_hex()]).unwrap();
    // Droppable twice over, recovered from the first run.
    let (i9, o9a, o9b) = (state("i9"), state("o9a"), state("o9b"));
    let r9 = home.record_run(&run(&program, &i9, Some(&o9a))).unwrap().id;
    home.record_run(&run(&program, &i9, Some(&o9b))).unwrap();

    let size = home.size().unwrap();
    let plain = home.gc(&GcOptions { dry_run: true, drop_recoverable: false }).unwrap();
    assert_eq!(plain.removed, []);
    let dry = home.gc(&GcOptions { dry_run: true, drop_recoverable: true }).unwrap();
    assert_eq!(sorted(cids(&dry)), sorted(vec![i1, s0, i9]));
    assert_eq!(home.size().unwrap(), size);

    let done = home.gc(&GcOptions { dry_run: false, drop_recoverable: true }).unwrap();
    assert_eq!(done, dry);
    assert_eq!(home.size().unwrap(), size - done.freed_bytes);
    for (cid, run) in [(i1, r1), (s0, r_s0), (i9, r9)] {
        assert!(!home.has(&cid).unwrap());
        assert_eq!(home.dropped_as_recoverable(&cid).unwrap(), Some(run));
        match home.get(&cid) {
            Err(CoreError::Dropped { cid: named, run: r }) => assert_eq!((named, r), (cid.to_hex(), run)),
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(home.resolve(&cid.to_hex()[..10]), Err(CoreError::Dropped { run: r, .. }) if r == run)
        );
    }
    assert!(!blob_file(&home, &i1).exists());
    for cid in [i2, i3, i4, i5, i6, i7, a, b, s1, s2, o1, o9a, o9b, program] {
        assert!(home.has(&cid).unwrap(), "{cid} was dropped");
    }
    assert_eq!(home.dropped_as_recoverable(&i2).unwrap(), None);

    assert_eq!(home.put(&big(10, 5000)).unwrap(), i1);
    assert_eq!(home.dropped_as_recoverable(&i1).unwrap(), None);
    assert!(home.get(&i1).is_ok());
}

#[test]
fn verify_finds_edited_blobs() {
    let dir = TempDir::new("verify");
    let home = Home::open(Some(dir.path())).unwrap();
    let file = home.put(&big(11, 6000)).unwrap();
    let inline = home.put(b"inline blob").unwrap();
    let sound = home.put(b"untouched").unwrap();
    assert_eq!(home.verify().unwrap(), []);

    let mut edited = big(11, 6000);
    edited[100] ^= 1;
    std::fs::write(blob_file(&home, &file), &edited).unwrap();
    raw(&home)
        .execute("UPDATE blobs SET data = ?1 WHERE cid = ?2", (b"inline blub".as_slice(), inline.to_hex()))
        .unwrap();
    let stray = home.root().join("store/blobs/zz");
    std::fs::write(&stray, b"stray").unwrap();

    let found = home.verify().unwrap();
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found.contains(&(file, Cid::of(&edited).to_hex())), "{found:?}");
    assert!(found.contains(&(inline, Cid::of(b"inline blub").to_hex())), "{found:?}");
    assert!(
        found.iter().any(|(cid, why)| *cid == Cid::of(b"stray") && why.contains("not a CID")),
        "{found:?}"
    );

    for (cid, bytes) in [(file, edited.as_slice()), (inline, b"inline blub".as_slice())] {
        match home.get(&cid) {
            Err(CoreError::Corrupt { cid: named, actual }) => {
                assert_eq!((named, actual), (cid.to_hex(), Cid::of(bytes).to_hex()))
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(home.get(&sound).unwrap(), b"untouched");
    assert!(home.list().unwrap().iter().all(|b| b.cid != Cid::of(b"stray")));
}

#[test]
fn gc_removes_files_only_after_its_dropped_rows_commit() {
    let dir = TempDir::new("gc-order");
    let home = Home::open(Some(dir.path())).unwrap();
    let program = module(&home);
    let (input, output) = (home.put(&big(20, 6000)).unwrap(), home.put(b"state out").unwrap());
    let file_run = home.record_run(&run(&program, &input, Some(&output))).unwrap().id;
    let (small_in, small_out) = (home.put(b"state small in").unwrap(), home.put(b"state small out").unwrap());
    let inline_run = home.record_run(&run(&program, &small_in, Some(&small_out))).unwrap().id;
    let loose = home.put(&big(21, 7000)).unwrap();
    // Another process's view of the ledger.
    let other = raw(&home);
    let dropped_run = |cid: &Cid| -> Option<u64> {
        other
            .query_row("SELECT run FROM dropped WHERE cid = ?1", [cid.to_hex()], |r| r.get::<_, i64>(0))
            .ok()
            .map(|run| run as u64)
    };
    let mut paused = 0;
    let opts = GcOptions { dry_run: false, drop_recoverable: true };
    let report = home
        .gc_pausing(&opts, &mut || {
            paused += 1;
            // A reader finding a dropped state's file gone must find its `dropped` row: the rows
            // are committed before any file goes.
            assert_eq!(dropped_run(&input), Some(file_run));
            assert_eq!(dropped_run(&small_in), Some(inline_run));
            assert!(blob_file(&home, &input).exists(), "a dropped file went before its row committed");
            assert!(blob_file(&home, &loose).exists(), "a file went before gc's transaction committed");
            // An inline blob goes in the transaction that records its drop.
            let inline_rows: i64 = other
                .query_row("SELECT count(*) FROM blobs WHERE cid = ?1", [small_in.to_hex()], |r| r.get(0))
                .unwrap();
            assert_eq!(inline_rows, 0);
        })
        .unwrap();
    assert_eq!(paused, 1);
    assert_eq!(sorted(cids(&report)), sorted(vec![input, small_in, loose]));
    assert!(!blob_file(&home, &input).exists() && !blob_file(&home, &loose).exists());
    assert!(matches!(home.get(&input), Err(CoreError::Dropped { run, .. }) if run == file_run));
    assert!(matches!(home.get(&loose), Err(CoreError::NotFound { .. })));
}

#[test]
fn gc_keeps_a_file_pinned_or_named_after_it_decided() {
    let dir = TempDir::new("gc-recheck");
    let home = Home::open(Some(dir.path())).unwrap();
    let program = module(&home);
    let (input, output) = (home.put(&big(30, 6000)).unwrap(), home.put(b"state out").unwrap());
    home.record_run(&run(&program, &input, Some(&output))).unwrap();
    let (named, pinned, loose) = (
        home.put(&big(31, 5000)).unwrap(),
        home.put(&big(32, 5000)).unwrap(),
        home.put(&big(33, 5000)).unwrap(),
    );
    {
        let batch = home.batch().unwrap();
        assert!(matches!(home.gc(&GcOptions::default()), Err(CoreError::Usage(_))), "not inside a batch");
        batch.commit().unwrap();
    }
    let opts = GcOptions { dry_run: false, drop_recoverable: true };
    let report = home
        .gc_pausing(&opts, &mut || {
            // Another process, between gc's two transactions: a run names one blob gc chose
            // (and names the dropped input as its kernel), a pin keeps another.
            let other = Home::open(Some(dir.path())).unwrap();
            let mut uses = run(&program, &named, Some(&output));
            uses.erased_bits = 1;
            uses.kernels = vec![input.to_hex()];
            other.record_run(&uses).unwrap();
            other.pin(&pinned).unwrap();
        })
        .unwrap();
    assert_eq!(cids(&report), [loose]);
    assert_eq!((report.freed_bytes, report.kept), (5000, 5));
    for cid in [named, pinned, input] {
        assert!(blob_file(&home, &cid).exists(), "{cid} was removed");
        assert!(home.get(&cid).is_ok());
    }
    assert!(!blob_file(&home, &loose).exists());
}

#[test]
fn special_files_are_reported_and_never_read() {
    let dir = TempDir::new("special");
    let home = Home::open(Some(dir.path())).unwrap();
    let sound = home.put(&big(40, 6000)).unwrap();
    let elsewhere = dir.path().join("elsewhere");
    let linked_bytes = big(41, 6000);
    std::fs::write(&elsewhere, &linked_bytes).unwrap();
    let put_at = |cid: &Cid| {
        let path = blob_file(&home, cid);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        path
    };
    // A symlink to a file holding the right bytes is not followed either.
    let linked = Cid::of(&linked_bytes);
    std::os::unix::fs::symlink(&elsewhere, put_at(&linked)).unwrap();
    // Opened, a FIFO would block the reader for ever, and /dev/zero never ends.
    let fifo = Cid::parse(&format!("ab{}", "c".repeat(62))).unwrap();
    let made = std::process::Command::new("mkfifo").arg(put_at(&fifo)).status().unwrap();
    assert!(made.success());
    let zero = Cid::parse(&format!("ab{}", "d".repeat(62))).unwrap();
    std::os::unix::fs::symlink("/dev/zero", put_at(&zero)).unwrap();
    let socket = Cid::parse(&format!("ab{}", "e".repeat(62))).unwrap();
    let _listener = std::os::unix::net::UnixListener::bind(put_at(&socket)).unwrap();
    let directory = Cid::parse(&format!("ab{}", "f".repeat(62))).unwrap();
    std::fs::create_dir(put_at(&directory)).unwrap();
    let stray_fifo = home.root().join("store/blobs/zz");
    assert!(std::process::Command::new("mkfifo").arg(&stray_fifo).status().unwrap().success());

    let specials =
        [(linked, "a symbolic link"), (fifo, "a FIFO"), (zero, "a symbolic link"), (socket, "a socket")];
    for (cid, kind) in specials {
        match home.get(&cid) {
            Err(CoreError::Io { path, source }) => {
                assert_eq!(path, blob_file(&home, &cid));
                assert!(source.to_string().contains(&format!("not a regular file but {kind}")), "{source}");
            }
            other => panic!("{cid}: {:?}", other.map(|bytes| bytes.len())),
        }
        assert!(home.open_blob(&cid).is_err(), "{cid}");
    }
    let found = home.verify().unwrap();
    for (cid, kind) in specials {
        let why = format!("not a regular file ({kind})");
        assert!(found.iter().any(|(c, w)| *c == cid && w.starts_with(&why)), "{cid}: {found:?}");
    }
    let reasons: Vec<&str> = found.iter().map(|(_, why)| why.as_str()).collect();
    assert!(reasons.iter().any(|w| w.contains("store/blobs/zz (a FIFO)")), "{found:?}");
    assert!(reasons.iter().any(|w| w.contains("(a directory)")), "{found:?}");
    assert_eq!(found.len(), 6, "{found:?}");
    // None is a blob: not listed, and gc leaves them where they are.
    assert_eq!(home.list().unwrap().iter().map(|b| b.cid).collect::<Vec<_>>(), [sound]);
    let report = home.gc(&GcOptions::default()).unwrap();
    assert_eq!(cids(&report), [sound]);
    for (cid, _) in specials {
        assert!(blob_file(&home, &cid).symlink_metadata().is_ok(), "{cid}");
    }
}
