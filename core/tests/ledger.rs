//! The ledger against a real SQLite database in a temp dir: records round-trip, their JSON
//! shape, the hash chain and what `verify_ledger` says after raw-SQL tampering, batches.

use rdx_core::ledger::{
    GENESIS, LANDAUER_JOULES_PER_BIT, LedgerReport, NewRun, RUN_FIELDS, RunRecord, host_name, timestamp,
};
use rdx_core::{Cid, CoreError, Home};
use std::time::{Duration, Instant, UNIX_EPOCH};

mod common;
use common::{TempDir, run};

fn sample_run(n: u64) -> NewRun {
    let program = Cid::of(format!("program {}", n % 3).as_bytes());
    let (input, output) = (Cid::of(format!("in {n}").as_bytes()), Cid::of(format!("out {n}").as_bytes()));
    NewRun {
        ended: "2026-12-03T21:28:07.223456789Z".into(),
        instructions: Some(1000 + n),
        wall_ns: 12_345,
        flags: vec!["--strict".into()],
        ..run(&program, &input, Some(&output))
    }
}

fn raw(home: &Home) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(home.ledger_path()).unwrap();
    conn.busy_timeout(Duration::from_secs(60)).unwrap();
    conn
}

#[test]
fn records_round_trip() {
    let dir = TempDir::new("round-trip");
    let home = Home::open(Some(dir.path())).unwrap();
    let mut run = sample_run(1);
    run.tape = Some(Cid::of(b"tape").to_hex());
    run.erased_bits = 12;
    run.landauer_joules = 12.0 * LANDAUER_JOULES_PER_BIT;
    run.backend_reason = Some("--jit".into());
    run.kernels = vec![Cid::of(b"kernel").to_hex()];
    run.parent = Some(7);
    let first = home.record_run(&run).unwrap();
    assert_eq!(first.id, 1);
    assert_eq!(first.prev, GENESIS);
    assert_eq!(first.run, run);
    assert_eq!(home.run_record(1).unwrap(), first);

    let probe = home.append_record("probe", &serde_json::json!({"target": "x", "n": 3})).unwrap();
    assert_eq!(probe, 2);
    let third = home.record_run(&sample_run(2)).unwrap();
    assert_eq!(third.id, 3);
    assert_ne!(third.prev, first.hash, "the probe sits between them in the chain");

    let all = home.runs(None, None).unwrap();
    assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), [3, 1]);
    assert_eq!(home.runs(Some(1), None).unwrap(), std::slice::from_ref(&third));
    let program = Cid::parse(&run.program).unwrap();
    assert_eq!(home.runs(None, Some(&program)).unwrap(), std::slice::from_ref(&first));
    assert!(home.runs(None, Some(&Cid::of(b"nothing"))).unwrap().is_empty());
    assert!(matches!(home.run_record(2), Err(CoreError::NotARun { id: 2, ref kind }) if kind == "probe"));
    assert!(matches!(home.run_record(99), Err(CoreError::NoSuchRun { .. })));
    assert!(matches!(home.run_record(u64::MAX), Err(CoreError::NoSuchRun { .. })));
    drop(home);

    let home = Home::open(Some(dir.path())).unwrap();
    assert_eq!(home.run_record(1).unwrap(), first);
    assert_eq!(home.verify_ledger().unwrap(), LedgerReport { records: 3, first_bad: None });
}

#[test]
fn run_json_is_flat_and_ordered() {
    let dir = TempDir::new("json");
    let home = Home::open(Some(dir.path())).unwrap();
    let record = home.record_run(&sample_run(1)).unwrap();
    let json = serde_json::to_string(&record).unwrap();
    let order = RUN_FIELDS;
    let mut de = serde_json::Deserializer::from_str(&json);
    let map: serde_json::Map<String, serde_json::Value> = serde::Deserialize::deserialize(&mut de).unwrap();
    assert_eq!(map.len(), order.len());
    let mut at = 0;
    for key in order {
        let needle = format!("\"{key}\":");
        let pos = json[at..].find(&needle).unwrap_or_else(|| panic!("{key} out of order in {json}"));
        at += pos + needle.len();
    }
    assert_eq!(serde_json::from_str::<RunRecord>(&json).unwrap(), record);
}

#[test]
fn hash_covers_the_canonical_bytes() {
    let dir = TempDir::new("canonical");
    let home = Home::open(Some(dir.path())).unwrap();
    let run = sample_run(5);
    let first = home.record_run(&run).unwrap();
    let body = serde_json::to_string(&run).unwrap();
    let canonical =
        format!("{{\"kind\":\"run\",\"id\":1,{},\"prev\":\"{GENESIS}\"}}", &body[1..body.len() - 1]);
    assert_eq!(first.hash, blake3::hash(canonical.as_bytes()).to_hex().to_string());

    let id = home.append_record("decision", &serde_json::json!({"b": 1, "a": [true]})).unwrap();
    let hash: String =
        raw(&home).query_row("SELECT hash FROM records WHERE id = ?1", [id as i64], |r| r.get(0)).unwrap();
    let expected =
        format!("{{\"kind\":\"decision\",\"id\":2,\"a\":[true],\"b\":1,\"prev\":\"{}\"}}", first.hash);
    assert_eq!(hash, blake3::hash(expected.as_bytes()).to_hex().to_string());
}

/// A ledger of `n` records, runs and probes mixed.
fn ledger_of(dir: &TempDir, n: u64) -> Home {
    let home = Home::open(Some(dir.path())).unwrap();
    for i in 1..=n {
        if i % 4 == 0 {
            home.append_record("probe", &serde_json::json!({"i": i})).unwrap();
        } else {
            home.record_run(&sample_run(i)).unwrap();
        }
    }
    home
}

fn first_bad(home: &Home) -> (u64, String) {
    let report = home.verify_ledger().unwrap();
    report.first_bad.expect("the chain does not verify")
}

#[test]
fn chain_verifies() {
    let dir = TempDir::new("chain");
    let home = ledger_of(&dir, 10);
    assert_eq!(home.verify_ledger().unwrap(), LedgerReport { records: 10, first_bad: None });
    let empty = TempDir::new("empty");
    let home = Home::open(Some(empty.path())).unwrap();
    assert_eq!(home.verify_ledger().unwrap(), LedgerReport { records: 0, first_bad: None });
}

#[test]
fn verify_names_an_altered_record() {
    let dir = TempDir::new("altered");
    let home = ledger_of(&dir, 10);
    let changed = raw(&home)
        .execute(
            "UPDATE records SET body = replace(body, '\"erased_bits\":0', '\"erased_bits\":1') WHERE id = 6",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    let (id, why) = first_bad(&home);
    assert_eq!(id, 6, "{why}");
    assert_eq!(home.verify_ledger().unwrap().records, 10);
}

#[test]
fn verify_names_the_successor_of_a_rehashed_record() {
    let dir = TempDir::new("rehashed");
    let home = ledger_of(&dir, 10);
    let mut forged = home.run_record(6).unwrap();
    forged.run.erased_bits = 99;
    let body = serde_json::to_string(&forged.run).unwrap();
    let canonical =
        format!("{{\"kind\":\"run\",\"id\":6,{},\"prev\":\"{}\"}}", &body[1..body.len() - 1], forged.prev);
    let hash = blake3::hash(canonical.as_bytes()).to_hex().to_string();
    raw(&home).execute("UPDATE records SET body = ?1, hash = ?2 WHERE id = 6", [&body, &hash]).unwrap();
    let (id, why) = first_bad(&home);
    assert_eq!(id, 7, "{why}");
    assert!(why.contains("record 6"), "{why}");
}

#[test]
fn verify_names_a_deleted_record() {
    let dir = TempDir::new("deleted");
    let home = ledger_of(&dir, 10);
    raw(&home).execute("DELETE FROM records WHERE id = 5", []).unwrap();
    let (id, why) = first_bad(&home);
    assert_eq!(id, 5, "{why}");
    assert!(why.contains("missing"), "{why}");
    let dir = TempDir::new("deleted-first");
    let home = ledger_of(&dir, 3);
    raw(&home).execute("DELETE FROM records WHERE id = 1", []).unwrap();
    assert_eq!(first_bad(&home).0, 1);
}

#[test]
fn verify_names_the_first_of_two_swapped_records() {
    let dir = TempDir::new("swapped");
    let home = ledger_of(&dir, 10);
    let conn = raw(&home);
    conn.execute_batch(
        "BEGIN;
         UPDATE records SET id = -3 WHERE id = 3;
         UPDATE records SET id = 3 WHERE id = 7;
         UPDATE records SET id = 7 WHERE id = -3;
         COMMIT;",
    )
    .unwrap();
    assert_eq!(first_bad(&home).0, 3);

    let dir = TempDir::new("swapped-bodies");
    let home = ledger_of(&dir, 10);
    raw(&home)
        .execute_batch(
            "BEGIN;
             CREATE TEMP TABLE keep AS SELECT * FROM records WHERE id IN (2, 5);
             UPDATE records SET (kind, body, prev, hash, program) =
                 (SELECT kind, body, prev, hash, program FROM keep WHERE keep.id = 7 - records.id)
                 WHERE id IN (2, 5);
             COMMIT;",
        )
        .unwrap();
    assert_eq!(first_bad(&home).0, 2);
}

#[test]
fn verify_names_an_altered_index_column() {
    let dir = TempDir::new("index");
    let home = ledger_of(&dir, 5);
    raw(&home).execute("UPDATE records SET program = ?1 WHERE id = 3", [Cid::of(b"x").to_hex()]).unwrap();
    assert_eq!(first_bad(&home).0, 3);
    // A record of another kind indexes no program.
    let dir = TempDir::new("index_probe");
    let home = ledger_of(&dir, 2);
    let probe2 = home.append_record("probe", &serde_json::json!({"target": "t"})).unwrap();
    raw(&home)
        .execute("UPDATE records SET program = ?1 WHERE id = ?2", (Cid::of(b"x").to_hex(), probe2 as i64))
        .unwrap();
    let (at, why) = first_bad(&home);
    assert_eq!((at, why.contains("`probe` record but indexes a program")), (probe2, true), "{why}");
}

#[test]
fn bad_runs_are_refused() {
    let dir = TempDir::new("refused");
    let home = Home::open(Some(dir.path())).unwrap();
    let mut run = sample_run(1);
    run.input = run.input.to_uppercase();
    assert!(matches!(home.record_run(&run), Err(CoreError::BadCid { .. })));
    let mut run = sample_run(1);
    run.kernels = vec!["abc".into()];
    assert!(matches!(home.record_run(&run), Err(CoreError::BadCid { .. })));
    let mut run = sample_run(1);
    run.landauer_joules = f64::NAN;
    assert!(matches!(home.record_run(&run), Err(CoreError::Usage(_))));
    for body in [serde_json::json!([1]), serde_json::json!({"id": 3}), serde_json::json!({"hash": "x"})] {
        assert!(matches!(home.append_record("probe", &body), Err(CoreError::Usage(_))), "{body}");
    }
    assert!(matches!(home.append_record("", &serde_json::json!({})), Err(CoreError::Usage(_))));
    assert!(matches!(home.append_record("run", &serde_json::json!({"a": 1})), Err(CoreError::Usage(_))));
    let as_value = serde_json::to_value(sample_run(2)).unwrap();
    assert_eq!(home.append_record("run", &as_value).unwrap(), 1);
    assert_eq!(home.append_record("empty", &serde_json::json!({})).unwrap(), 2);
    assert_eq!(home.verify_ledger().unwrap(), LedgerReport { records: 2, first_bad: None });
}

#[test]
fn batches_commit_together_or_not_at_all() {
    let dir = TempDir::new("batch");
    let home = Home::open(Some(dir.path())).unwrap();
    let batch = home.batch().unwrap();
    assert!(matches!(home.batch(), Err(CoreError::Usage(_))));
    for i in 0..100 {
        let input = batch.put(format!("state {i}").as_bytes()).unwrap();
        let mut run = sample_run(i);
        run.input = input.to_hex();
        assert_eq!(batch.record_run(&run).unwrap().id, i + 1);
    }
    let joined = home.record_run(&sample_run(100)).unwrap();
    assert_eq!(joined.id, 101);
    batch.commit().unwrap();
    assert_eq!(home.runs(None, None).unwrap().len(), 101);
    assert_eq!(home.get(&Cid::of(b"state 7")).unwrap(), b"state 7");

    let batch = home.batch().unwrap();
    batch.record_run(&sample_run(200)).unwrap();
    batch.put(b"forgotten").unwrap();
    batch.append_record("probe", &serde_json::json!({})).unwrap();
    drop(batch);
    assert_eq!(home.runs(None, None).unwrap().len(), 101);
    assert!(!home.has(&Cid::of(b"forgotten")).unwrap());
    assert_eq!(home.record_run(&sample_run(201)).unwrap().id, 102);
    assert_eq!(home.verify_ledger().unwrap(), LedgerReport { records: 102, first_bad: None });
}

#[test]
fn timestamps_are_rfc3339_utc_with_nanoseconds() {
    let at = |secs: u64, nanos: u32| timestamp(UNIX_EPOCH + Duration::new(secs, nanos));
    assert_eq!(at(0, 0), "1970-01-01T00:00:00.000000000Z");
    assert_eq!(at(1_700_000_000, 5), "2023-11-14T22:13:20.000000005Z");
    assert_eq!(at(1_709_164_800, 123_456_789), "2024-02-29T00:00:00.123456789Z");
    assert_eq!(at(951_782_400, 0), "2000-02-29T00:00:00.000000000Z");
    assert_eq!(at(4_102_444_799, 999_999_999), "2099-12-31T23:59:59.999999999Z");
    assert_eq!(at(253_402_300_799, 0), "9999-12-31T23:59:59.000000000Z");
    assert_eq!(timestamp(UNIX_EPOCH - Duration::new(1, 0)), "1969-12-31T23:59:59.000000000Z");
    assert_eq!(timestamp(UNIX_EPOCH - Duration::new(0, 1)), "1969-12-31T23:59:59.999999999Z");
    assert_eq!(timestamp(UNIX_EPOCH - Duration::new(86_400 * 365, 0)), "1969-01-01T00:00:00.000000000Z");
    let now = timestamp(std::time::SystemTime::now());
    assert_eq!(now.len(), 30, "{now}");
    assert!(now.ends_with('Z'));
}

#[test]
fn a_home_can_move_between_threads() {
    fn send<T: Send>() {}
    send::<Home>();
}

#[test]
fn host_and_landauer() {
    let host = host_name();
    assert!(!host.is_empty() && host.trim() == host);
    let expected = 1.380649e-23 * 300.0 * 2f64.ln();
    assert!((LANDAUER_JOULES_PER_BIT - expected).abs() < 1e-35);
    assert!((LANDAUER_JOULES_PER_BIT - 2.870_978e-21).abs() < 1e-26);
}

/// Recording throughput: 20,000 runs with two ~100-byte inline state blobs each, in batches of
/// 1,000, closing the home (its WAL checkpoint) included. Prints wall-clock and on-CPU rates
/// (the machine may be shared). Run with
/// `cargo test -p rdx-core --release --test ledger -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn measure_batched_recording() {
    let on_cpu = || {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
            .map(|ns| ns / 1e9)
    };
    let dir = TempDir::new("bench");
    let home = Home::open(Some(dir.path())).unwrap();
    let (runs, per_batch) = (20_000u64, 1_000u64);
    let (started, cpu_started) = (Instant::now(), on_cpu());
    for b in 0..runs / per_batch {
        let batch = home.batch().unwrap();
        for i in b * per_batch..(b + 1) * per_batch {
            let input = batch.put(format!("{{\"n\":{i},\"x\":\"{}\"}}", "a".repeat(80)).as_bytes()).unwrap();
            let output = batch.put(format!("{{\"n\":{i},\"x\":\"{}\"}}", "b".repeat(80)).as_bytes()).unwrap();
            let mut run = sample_run(i);
            run.input = input.to_hex();
            run.output = Some(output.to_hex());
            batch.record_run(&run).unwrap();
        }
        batch.commit().unwrap();
    }
    drop(home);
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_started.zip(on_cpu()).map(|(a, b)| format!(", {:.0} runs/s on CPU", runs as f64 / (b - a)));
    println!(
        "recorded {runs} runs in {secs:.3} s: {:.0} runs/s{}",
        runs as f64 / secs,
        cpu.unwrap_or_default()
    );
    let home = Home::open(Some(dir.path())).unwrap();
    assert_eq!(home.verify_ledger().unwrap(), LedgerReport { records: runs, first_bad: None });
}

/// A CLI run opens its home, records and closes it. SQLite's own checkpoints never let such a
/// connection begin the write-ahead log again, so the log must be emptied on close once it has
/// grown past `WAL_LIMIT` (else it grows by every run, and every run reads all of it); below
/// that, closing leaves the log alone (no checkpoint and its fsyncs on every run).
#[test]
fn closing_a_home_bounds_its_write_ahead_log() {
    let dir = TempDir::new("wal");
    let wal = dir.path().join("ledger.sqlite-wal");
    let size = || std::fs::metadata(&wal).map_or(0, |m| m.len());
    let (mut emptied, mut largest) = (0, 0);
    for i in 0..400 {
        let home = Home::open(Some(dir.path())).unwrap();
        let input = home.put(format!("state {i}").repeat(200).as_bytes()).unwrap();
        home.record_run(&NewRun { input: input.to_hex(), ..sample_run(i) }).unwrap();
        drop(home);
        let now = size();
        if i == 0 {
            assert!(now > 0, "a small log is left for later");
        }
        emptied += (now == 0) as usize;
        largest = largest.max(now);
    }
    assert!(emptied >= 2, "the log was emptied {emptied} times");
    assert!(largest <= rdx_core::home::WAL_LIMIT + (256 << 10), "the log grew to {largest} bytes");
    // Another process reading an older snapshot: closing gives up on the log (and does not wait
    // for the reader) until the reader is gone.
    let reader = rusqlite::Connection::open(dir.path().join("ledger.sqlite")).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let seen: i64 = reader.query_row("SELECT count(*) FROM records", [], |r| r.get(0)).unwrap();
    assert_eq!(seen, 400);
    for i in 400..600 {
        let home = Home::open(Some(dir.path())).unwrap();
        home.record_run(&sample_run(i)).unwrap();
    }
    assert!(size() > rdx_core::home::WAL_LIMIT, "the log kept while a reader needs it");
    reader.execute_batch("COMMIT").unwrap();
    drop(reader);
    drop(Home::open(Some(dir.path())).unwrap());
    assert_eq!(size(), 0, "emptied once the reader is gone");
    let home = Home::open(Some(dir.path())).unwrap();
    assert_eq!(home.verify_ledger().unwrap(), LedgerReport { records: 600, first_bad: None });
    assert_eq!(
        home.get(&Cid::of("state 399".repeat(200).as_bytes())).unwrap(),
        "state 399".repeat(200).as_bytes()
    );
}
