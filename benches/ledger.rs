//! What the ledger costs: per CLI run, where that time goes, and what 1,000 recorded runs
//! keep in the store with and without `rdx store gc --drop-recoverable`.
//!
//! Run with `cargo bench --bench ledger` (optionally `-- ROUNDS`, default 41).
//!
//! 1. `rdx run stdlib/fib.rdx --set n=10`, recorded and with `--no-ledger`, alternating, in a
//!    fresh home: the median of each and their difference (the target is ≤ 2 ms).
//! 2. The recording's parts, in-process on the same run: opening the home (SQLite, WAL),
//!    preparing the record (state encoding, blake3 hashing), writing it (blob inserts, the
//!    record with its hash chain, the commit and its fsync), and one bare fsync of a 4 KiB file
//!    on the same filesystem for comparison.
//! 3. 1,000 recorded runs of `stdlib/xtea.rdx` (distinct inputs), the store's size (blob bytes
//!    and bytes on disk) before and after `gc --drop-recoverable`.

use rdx_core::Home;
use rdx_core::run::{self, Backend, Program, Request};
use rdx_core::store::GcOptions;
use rdx_vm::Direction;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let rounds = std::env::args().skip(1).find_map(|a| a.parse::<usize>().ok()).unwrap_or(41);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = std::env::temp_dir().join(format!("rdx-bench-ledger-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("a scratch directory");

    cli_cost(root, &scratch.join("cli"), rounds);
    parts(root, &scratch.join("parts"), rounds.max(100));
    store_size(root, &scratch.join("size"));
    let _ = std::fs::remove_dir_all(&scratch);
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn cli_cost(root: &Path, home: &Path, rounds: usize) {
    let rdx = env!("CARGO_BIN_EXE_rdx");
    let time = |ledger: bool| {
        let mut cmd = Command::new(rdx);
        cmd.current_dir(root).env_remove("RDX_NO_LEDGER").arg("--home").arg(home);
        cmd.args(["run", "stdlib/fib.rdx", "--set", "n=10"]);
        if !ledger {
            cmd.arg("--no-ledger");
        }
        let t = Instant::now();
        let out = cmd.output().expect("rdx runs");
        let d = t.elapsed();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        d
    };
    for _ in 0..3 {
        time(true);
        time(false);
    }
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        with.push(time(true));
        without.push(time(false));
    }
    let (w, wo) = (median(with), median(without));
    println!("1. rdx run stdlib/fib.rdx --set n=10, median of {rounds} alternating runs");
    println!("   recorded      {:8.3} ms", ms(w));
    println!("   --no-ledger   {:8.3} ms", ms(wo));
    println!("   ledger cost   {:8.3} ms per run   (target <= 2 ms)", ms(w.saturating_sub(wo)));
}

fn parts(root: &Path, home_dir: &Path, rounds: usize) {
    let program = Program::from_path(&root.join("stdlib/fib.rdx"), false, &[]).expect("fib loads");
    let gene = program.entry(None).expect("an entry");
    let args = program.bind(gene, &["n=10".to_string()]).expect("binds");
    Home::open(Some(home_dir)).expect("a home");
    let (mut open, mut prepare, mut write, mut fsync) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let probe = home_dir.join("fsync-probe");
    for i in 0..rounds {
        let req = Request::new(&program, gene, args.clone(), Direction::Forward, Backend::Interp);
        let outcome = run::run(req).expect("runs");
        let t = Instant::now();
        let home = Home::open(Some(home_dir)).expect("opens");
        open.push(t.elapsed());
        let facts = outcome.facts(&program, gene, &[], &[], None);
        let t = Instant::now();
        let prepared = run::prepare(&facts, &outcome.exec);
        prepare.push(t.elapsed());
        let t = Instant::now();
        run::write(&home, &prepared).expect("records");
        write.push(t.elapsed());
        let t = Instant::now();
        std::fs::write(&probe, vec![i as u8; 4096])
            .and_then(|()| std::fs::File::open(&probe)?.sync_all())
            .expect("fsync");
        fsync.push(t.elapsed());
    }
    println!("2. the parts of one record, in-process, median of {rounds}");
    println!("   open the home          {:8.3} ms", ms(median(open)));
    println!("   prepare (encode, hash) {:8.3} ms", ms(median(prepare)));
    println!("   write (blobs, record, commit + fsync) {:8.3} ms", ms(median(write)));
    println!("   one bare fsync (4 KiB file, same filesystem) {:8.3} ms", ms(median(fsync)));
}

fn disk_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(e.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

fn store_size(root: &Path, home_dir: &Path) {
    let program = Program::from_path(&root.join("stdlib/xtea.rdx"), false, &[]).expect("xtea loads");
    let gene = program.entry(None).expect("an entry");
    let home = Home::open(Some(home_dir)).expect("a home");
    let batch = home.batch().expect("a batch");
    let mut seen = std::collections::HashSet::new();
    for i in 0..1000u64 {
        let sets = [format!("v0={i}"), format!("v1={}", i * 7919), format!("key=[{i},2,3,{}]", i ^ 0xff)];
        let args = program.bind(gene, &sets).expect("binds");
        let req = Request::new(&program, gene, args, Direction::Forward, Backend::Interp);
        let outcome = run::run(req).expect("runs");
        let facts = outcome.facts(&program, gene, &[], &[], None);
        run::write_in(&batch, &run::prepare(&facts, &outcome.exec), &mut seen).expect("records");
    }
    batch.commit().expect("commits");
    let (blobs, disk) = (home.size().expect("size"), disk_bytes(home_dir));
    let report = home.gc(&GcOptions { dry_run: false, drop_recoverable: true }).expect("gc");
    drop(home);
    let home = Home::open(Some(home_dir)).expect("reopens");
    let (blobs2, disk2) = (home.size().expect("size"), disk_bytes(home_dir));
    println!("3. 1,000 recorded runs of stdlib/xtea.rdx (distinct inputs)");
    println!(
        "   store, blob bytes      {blobs:>9}   after gc --drop-recoverable {blobs2:>9}   ({} inputs dropped)",
        report.removed.len()
    );
    println!("   home, bytes on disk    {disk:>9}   after gc --drop-recoverable {disk2:>9}");
}
