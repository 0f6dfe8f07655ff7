//! A home: the directory (`--home`, `$RDX_HOME` or `~/.rdx`) that holds one content-addressed
//! store and one ledger, shared by every process that runs rdx on the machine.
//!
//! ```text
//! $root/ledger.sqlite        records, inline blobs (≤ 4 KiB), pins (SQLite, WAL)
//! $root/store/blobs/ab/cd…   bigger blobs, one file each, named by their CID
//! $root/store/tmp/           blobs being written, renamed into place once synced
//! ```
//!
//! Every write that reads the ledger's head runs inside `BEGIN IMMEDIATE`, so the head is read
//! under SQLite's write lock and concurrent writers (a server, CLI runs, Python) queue on the
//! busy timeout instead of forking the hash chain. A [`Batch`] holds that lock across many
//! writes so they share one commit and one fsync.

use crate::cid::Cid;
use crate::error::CoreError;
use crate::ledger::{NewRun, RunRecord};
use rusqlite::{Connection, ErrorCode};
use std::cell::{Cell, RefCell};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The ledger's file name inside a home.
pub const LEDGER_FILE: &str = "ledger.sqlite";

/// The schema version this crate writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i32 = 1;

/// How long a write waits for another process holding the ledger's write lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

const SCHEMA: &str = "
CREATE TABLE blobs (cid TEXT PRIMARY KEY NOT NULL, data BLOB NOT NULL);
CREATE TABLE pins (cid TEXT PRIMARY KEY NOT NULL);
CREATE TABLE dropped (cid TEXT PRIMARY KEY NOT NULL, run INTEGER NOT NULL);
CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL,
    program TEXT
);
CREATE INDEX records_kind ON records (kind, id);
CREATE INDEX records_program ON records (program, id) WHERE program IS NOT NULL;
";

/// An open home: its directories and a connection to its ledger.
///
/// A `Home` is one SQLite connection, so it is `Send` but not `Sync`; open one per thread.
pub struct Home {
    root: PathBuf,
    ledger_path: PathBuf,
    pub(crate) conn: Connection,
    in_batch: Cell<bool>,
    /// The ledger's last `(id, hash)`, known only while a batch holds the write lock.
    pub(crate) head: RefCell<Option<(u64, String)>>,
    /// Loads not yet recorded: they go into the ledger with the next batch's commit, or when
    /// the home is closed, so a load costs no transaction of its own.
    loads: RefCell<Vec<crate::probe::Probe>>,
    /// Whether loads are noted: not while [`Home::unnoted`] runs.
    noting: Cell<bool>,
}

impl Home {
    /// Opens the home at `dir` (an explicit `--home`), else `$RDX_HOME`, else `$HOME/.rdx`.
    /// Creates the directories and the ledger if missing.
    ///
    /// A directory that cannot be created or written is [`CoreError::Io`]; a ledger that is not
    /// an rdx ledger (random bytes, an empty file, another program's database, a newer schema)
    /// is [`CoreError::Ledger`].
    pub fn open(dir: Option<&Path>) -> Result<Home, CoreError> {
        Self::open_waiting(dir, BUSY_TIMEOUT)
    }

    /// Opens the home as [`Home::open`] does, but waits at most `busy` (instead of
    /// [`BUSY_TIMEOUT`]) for another process holding the ledger's write lock, in opening it and
    /// in every write after: a caller that must not be held up (the rustc wrapper) gives up
    /// sooner, with the ledger error "database is locked".
    pub fn open_waiting(dir: Option<&Path>, busy: Duration) -> Result<Home, CoreError> {
        let root = Self::resolve_dir(dir)?;
        for d in [blobs_dir(&root), tmp_dir(&root)] {
            fs::create_dir_all(&d).map_err(|e| match fs::metadata(&root) {
                // `RDX_HOME=some/file`: say so, not that `store/blobs` cannot be created.
                Ok(m) if !m.is_dir() => CoreError::io(
                    &root,
                    io::Error::new(io::ErrorKind::NotADirectory, "the home is not a directory"),
                ),
                // `store`, `store/blobs` or `store/tmp` is a file: say which, not `File exists`.
                _ => match d
                    .ancestors()
                    .take_while(|a| *a != root)
                    .find_map(|a| fs::metadata(a).ok().filter(|m| !m.is_dir()).map(|m| (a, m)))
                {
                    Some((a, m)) => crate::store::not_a_directory(a, &m),
                    None => CoreError::io(&d, e),
                },
            })?;
        }
        let ledger_path = root.join(LEDGER_FILE);
        ensure_ledger(&root, &ledger_path)?;
        let conn = open_ledger(&root, &ledger_path, busy)?;
        Ok(Home {
            root,
            ledger_path,
            conn,
            in_batch: Cell::new(false),
            head: RefCell::new(None),
            loads: RefCell::new(Vec::new()),
            noting: Cell::new(true),
        })
    }

    /// The directory [`Home::open`] would use for `dir`, as an absolute path.
    pub fn resolve_dir(dir: Option<&Path>) -> Result<PathBuf, CoreError> {
        let chosen = match dir {
            Some(d) => d.to_path_buf(),
            None => match std::env::var_os("RDX_HOME").filter(|v| !v.is_empty()) {
                Some(d) => PathBuf::from(d),
                None => match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
                    Some(h) => PathBuf::from(h).join(".rdx"),
                    None => {
                        return Err(CoreError::io(
                            "~/.rdx",
                            io::Error::new(
                                io::ErrorKind::NotFound,
                                "no home: neither RDX_HOME nor HOME is set",
                            ),
                        ));
                    }
                },
            },
        };
        std::path::absolute(&chosen).map_err(|e| CoreError::io(&chosen, e))
    }

    /// The home's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The ledger database file.
    pub fn ledger_path(&self) -> &Path {
        &self.ledger_path
    }

    pub(crate) fn blobs_dir(&self) -> PathBuf {
        blobs_dir(&self.root)
    }

    pub(crate) fn tmp_dir(&self) -> PathBuf {
        tmp_dir(&self.root)
    }

    /// An SQLite error of this home's ledger.
    pub(crate) fn sql(&self, e: rusqlite::Error) -> CoreError {
        ledger_error(&self.root, &e)
    }

    /// A ledger that cannot be used, said in words.
    pub(crate) fn bad_ledger(&self, why: impl Into<String>) -> CoreError {
        CoreError::Ledger { path: self.ledger_path.clone(), why: why.into() }
    }

    /// Starts a batch: the ledger's write lock is held until [`Batch::commit`], so every write
    /// in it shares one commit and one fsync. Writes made through the `Home` while the batch is
    /// open join it. Dropping the batch without committing rolls its ledger writes back (blob
    /// files already written stay, unreferenced, until `gc`).
    pub fn batch(&self) -> Result<Batch<'_>, CoreError> {
        if self.in_batch.get() {
            return Err(CoreError::Usage("a batch is already open on this home".into()));
        }
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| self.sql(e))?;
        self.in_batch.set(true);
        *self.head.borrow_mut() = None;
        Ok(Batch { home: self, open: true })
    }

    /// Whether a batch holds the write lock.
    pub(crate) fn in_batch(&self) -> bool {
        self.in_batch.get()
    }

    /// Runs `f` holding the ledger's write lock: inside the open batch, or in a transaction of
    /// its own that commits when `f` succeeds.
    pub(crate) fn write<T>(&self, f: impl FnOnce() -> Result<T, CoreError>) -> Result<T, CoreError> {
        if self.in_batch.get() {
            if self.conn.is_autocommit() {
                return Err(self.bad_ledger("the open batch was rolled back by an earlier error"));
            }
            return f();
        }
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| self.sql(e))?;
        match f() {
            Ok(v) => match self.conn.execute_batch("COMMIT") {
                Ok(()) => Ok(v),
                Err(e) => {
                    self.rollback();
                    Err(self.sql(e))
                }
            },
            Err(e) => {
                self.rollback();
                Err(e)
            }
        }
    }

    fn rollback(&self) {
        if !self.conn.is_autocommit() {
            // The transaction is abandoned either way; a failed ROLLBACK leaves nothing to undo.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }

    fn end_batch(&self, commit: bool) -> Result<(), CoreError> {
        // Noted loads join the batch's commit (written while it still holds the lock).
        let loads = if commit && !self.conn.is_autocommit() { self.record_loads() } else { Ok(()) };
        self.in_batch.set(false);
        *self.head.borrow_mut() = None;
        if !commit {
            self.rollback();
            return Ok(());
        }
        if self.conn.is_autocommit() {
            return Err(self
                .bad_ledger("the batch was rolled back by an earlier error: none of its records were kept"));
        }
        if let Err(e) = loads {
            self.rollback();
            return Err(e);
        }
        self.conn.execute_batch("COMMIT").map_err(|e| {
            self.rollback();
            self.sql(e)
        })
    }
}

impl Home {
    /// Notes a load (of blob `cid` from `source`, `local` or a peer's name): a probe of one
    /// sample, recorded with the next batch or when the home closes.
    pub fn note_load(&self, source: &str, cid: &Cid, bytes: Option<u64>, ns: u64, outcome: &str) {
        if !self.noting.get() {
            return;
        }
        let target = cid.to_hex();
        let subject = crate::probe::Subject { kind: "load", source, target: &target };
        if let Some(p) =
            crate::probe::Probe::new(subject, 0, vec![ns], bytes, outcome, std::time::SystemTime::now())
        {
            self.loads.borrow_mut().push(p);
        }
    }

    /// Runs `f` without noting its loads: a caller that times loads itself (`rdx probe --load`)
    /// records one probe of them all, not one per load.
    pub fn unnoted<T>(&self, f: impl FnOnce() -> T) -> T {
        let was = self.noting.replace(false);
        let result = f();
        self.noting.set(was);
        result
    }

    /// Appends the noted loads (inside the caller's transaction).
    fn record_loads(&self) -> Result<(), CoreError> {
        let loads = std::mem::take(&mut *self.loads.borrow_mut());
        for p in &loads {
            let body =
                serde_json::to_value(p).map_err(|e| CoreError::Usage(format!("a probe as JSON: {e}")))?;
            self.append_record(crate::probe::KIND, &body)?;
        }
        Ok(())
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        // Best effort: loads noted after the last batch go in one transaction of their own.
        if !self.loads.borrow().is_empty()
            && let Ok(batch) = self.batch()
        {
            let _ = batch.commit();
        }
        // Best effort too: the log emptied into the database once it has grown past
        // [`WAL_LIMIT`]. Without waiting: while another process writes the home (a batch may
        // hold the write lock for many runs) or reads an older snapshot, the checkpoint gives
        // up at once, and a later close empties the log.
        let mut wal = self.ledger_path.clone().into_os_string();
        wal.push("-wal");
        if fs::metadata(&wal).is_ok_and(|m| m.len() > WAL_LIMIT) {
            let _ = self.conn.busy_timeout(Duration::ZERO);
            let _ = self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
    }
}

/// The size of the ledger's write-ahead log past which closing a home empties it into the
/// database. SQLite's own checkpoints copy the log into the database as it grows, but only a
/// connection that saw the log from its start can begin it again, and a CLI run is most often
/// the only connection, opening a home whose log it reads through to rebuild its index. So the
/// log grew by every run and each run read all of it: after 3,000 runs, 47 MB read by each
/// (11,565 reads of a page) and a run took 10.7 ms.
pub const WAL_LIMIT: u64 = 1 << 20;

/// Writes sharing one ledger transaction: one commit and one fsync for the lot.
///
/// Made by [`Home::batch`]; dropped without [`Batch::commit`], it rolls back.
pub struct Batch<'h> {
    home: &'h Home,
    open: bool,
}

impl Batch<'_> {
    /// The home this batch writes to.
    pub fn home(&self) -> &Home {
        self.home
    }

    /// Stores `bytes` (see [`Home::put`]).
    pub fn put(&self, bytes: &[u8]) -> Result<Cid, CoreError> {
        self.home.put(bytes)
    }

    /// Appends a run record (see [`Home::record_run`]).
    pub fn record_run(&self, run: &NewRun) -> Result<RunRecord, CoreError> {
        self.home.record_run(run)
    }

    /// Appends a record of any kind (see [`Home::append_record`]).
    pub fn append_record(&self, kind: &str, body: &serde_json::Value) -> Result<u64, CoreError> {
        self.home.append_record(kind, body)
    }

    /// Commits every write of the batch.
    pub fn commit(mut self) -> Result<(), CoreError> {
        self.open = false;
        self.home.end_batch(true)
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        if self.open {
            // Rolling back cannot fail in a way the caller could act on.
            let _ = self.home.end_batch(false);
        }
    }
}

fn blobs_dir(root: &Path) -> PathBuf {
    root.join("store").join("blobs")
}

fn tmp_dir(root: &Path) -> PathBuf {
    root.join("store").join("tmp")
}

/// Maps an SQLite error: a database that cannot be opened or written (permissions, a full disk,
/// a failing device) is the home's I/O problem, and names the write-ahead log or its index when
/// one of them is not a regular file (SQLite only says "readonly database"); anything else
/// means the ledger itself cannot be used.
fn ledger_error(root: &Path, e: &rusqlite::Error) -> CoreError {
    let path = root.join(LEDGER_FILE);
    match e.sqlite_error_code() {
        Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => {
            for suffix in ["-wal", "-shm"] {
                let side = root.join(format!("{LEDGER_FILE}{suffix}"));
                if let Some(kind) =
                    fs::symlink_metadata(&side).ok().and_then(|m| crate::store::special_kind(m.file_type()))
                {
                    let why = format!(
                        "not a regular file but {kind}, so SQLite cannot use it (the home was changed on \
                         disk): move it away"
                    );
                    return CoreError::io(side, io::Error::new(io::ErrorKind::InvalidData, why));
                }
            }
            CoreError::io(path, io::Error::new(io::ErrorKind::PermissionDenied, e.to_string()))
        }
        Some(ErrorCode::DiskFull) => {
            CoreError::io(path, io::Error::new(io::ErrorKind::StorageFull, e.to_string()))
        }
        Some(ErrorCode::SystemIoFailure) => CoreError::io(path, io::Error::other(e.to_string())),
        _ => CoreError::Ledger { path, why: e.to_string() },
    }
}

/// Makes sure a ledger file is at `path`. A new one is built whole under `store/tmp/` and linked
/// into place, so processes creating a home at once all open one complete file, and an empty
/// file at `path` is never a ledger being created: it is a ledger cut to nothing, refused
/// ([`CoreError::Ledger`]) rather than started afresh beside the old runs' blobs.
fn ensure_ledger(root: &Path, path: &Path) -> Result<(), CoreError> {
    match fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() == 0 => {
            return Err(CoreError::Ledger {
                path: path.to_path_buf(),
                why: "the file is empty (0 bytes): it was truncated and its records are lost. rdx \
                      does not start a new ledger over it; move the file away to start one"
                    .into(),
            });
        }
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(CoreError::io(path, e)),
    }
    let tmp = tmp_dir(root).join(crate::store::temp_name());
    let made = build_ledger(root, &tmp).and_then(|()| match fs::hard_link(&tmp, path) {
        Ok(()) => crate::store::sync_dir(root),
        // Another process created it first: that one is opened.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        // A filesystem without hard links: SQLite creates the ledger in place, as before (a
        // process opening the home at that moment may find the file empty and refuse it).
        Err(_) => Ok(()),
    });
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut side = tmp.clone().into_os_string();
        side.push(suffix);
        // Best effort: what is left is a stale temp file, which gc removes.
        let _ = fs::remove_file(side);
    }
    made
}

/// Writes a new, empty ledger at `path`: its schema, then WAL journal mode, synced.
fn build_ledger(root: &Path, path: &Path) -> Result<(), CoreError> {
    let fail = |e: rusqlite::Error| ledger_error(root, &e);
    let conn = Connection::open(path).map_err(fail)?;
    conn.pragma_update(None, "synchronous", "FULL").map_err(fail)?;
    create_schema(&conn, path).map_err(|e| match e {
        SchemaError::Sql(e) => fail(e),
        SchemaError::Bad(why) => CoreError::Ledger { path: path.to_path_buf(), why },
    })?;
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)).map_err(fail)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(CoreError::Ledger {
            path: path.to_path_buf(),
            why: format!("cannot switch to WAL journal mode (it stays in {mode} mode)"),
        });
    }
    conn.close().map_err(|(_, e)| fail(e))
}

fn open_ledger(root: &Path, path: &Path, busy: Duration) -> Result<Connection, CoreError> {
    let fail = |e: rusqlite::Error| ledger_error(root, &e);
    let bad = |why: String| CoreError::Ledger { path: path.to_path_buf(), why };
    let conn = Connection::open(path).map_err(fail)?;
    conn.busy_timeout(busy).map_err(fail)?;
    // Refuse another program's database before changing anything in it (the journal mode).
    // One statement, so one snapshot: another process may be creating the schema meanwhile.
    let (version, tables): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(fail)?;
    if version == 0 && tables != 0 {
        return Err(bad(format!(
            "{} holds tables but no rdx schema: it is not an rdx ledger",
            path.display()
        )));
    }
    let mode: String =
        retry_busy(busy, || conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)))
            .map_err(fail)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(bad(format!("cannot switch to WAL journal mode (it stays in {mode} mode)")));
    }
    conn.pragma_update(None, "synchronous", "FULL").map_err(fail)?;
    // A CLI run is often the only connection: closing it would checkpoint the log into the
    // database (more fsyncs) on every run. The log is emptied when it has grown past
    // `WAL_LIMIT` instead (`Drop for Home`), and by `rdx store gc`.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true).map_err(fail)?;
    let version = user_version(&conn).map_err(fail)?;
    if version != SCHEMA_VERSION {
        create_schema(&conn, path).map_err(|e| match e {
            SchemaError::Sql(e) => fail(e),
            SchemaError::Bad(why) => bad(why),
        })?;
    }
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

/// Runs `step` again while SQLite answers "database is locked", for up to `timeout`.
///
/// The busy handler does not cover every wait: where two connections would wait for each other
/// (one holding a read lock it wants to turn into a write lock, the other holding the write
/// lock and waiting for the readers to go), SQLite answers the first at once. Processes opening
/// a fresh home together meet that in `PRAGMA journal_mode=WAL`, which reads the database and
/// then writes its header; failing, the step gives its lock up, so trying again lets the other
/// finish first. (Seen in `core/tests/faults.rs`: one of eight processes opening a new home at
/// once failed "database is locked".)
fn retry_busy<T>(timeout: Duration, mut step: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let start = std::time::Instant::now();
    loop {
        match step() {
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) && start.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(2));
            }
            result => return result,
        }
    }
}

enum SchemaError {
    Sql(rusqlite::Error),
    Bad(String),
}

impl From<rusqlite::Error> for SchemaError {
    fn from(e: rusqlite::Error) -> Self {
        SchemaError::Sql(e)
    }
}

fn user_version(conn: &Connection) -> rusqlite::Result<i32> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Creates the schema of a new ledger, under the write lock so that processes opening a fresh
/// home at once create it once.
fn create_schema(conn: &Connection, path: &Path) -> Result<(), SchemaError> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| {
        let version = user_version(conn)?;
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        if version > SCHEMA_VERSION {
            return Err(SchemaError::Bad(format!(
                "its schema version is {version}, newer than this rdx knows ({SCHEMA_VERSION}): \
                 upgrade rdx"
            )));
        }
        if version != 0 {
            return Err(SchemaError::Bad(format!("unknown schema version {version}")));
        }
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if tables != 0 {
            return Err(SchemaError::Bad(format!(
                "{} holds tables but no rdx schema: it is not an rdx ledger",
                path.display()
            )));
        }
        conn.execute_batch(SCHEMA)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        Ok(())
    })();
    match result {
        Ok(()) => {
            conn.execute_batch("COMMIT")?;
            Ok(())
        }
        Err(e) => {
            // The schema error is what the caller needs; the rollback only releases the lock.
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn busy() -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY), None)
    }

    #[test]
    fn loads_read_unnoted_are_not_recorded() {
        let dir = std::env::temp_dir().join(format!("rdx-home-unnoted-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let home = Home::open(Some(&dir)).unwrap();
        let cid = home.put(b"blob").unwrap();
        for _ in 0..3 {
            home.unnoted(|| home.get(&cid)).unwrap();
        }
        assert_eq!(home.loads.borrow().len(), 0);
        home.get(&cid).unwrap();
        assert_eq!(home.loads.borrow().len(), 1, "noting is back on after `unnoted`");
        drop(home);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_busy_step_is_tried_again_until_it_passes() {
        let mut calls = 0;
        let r = retry_busy(Duration::from_secs(60), || {
            calls += 1;
            if calls < 4 { Err(busy()) } else { Ok(calls) }
        });
        assert_eq!(r.unwrap(), 4);
    }

    #[test]
    fn other_errors_and_a_timeout_end_the_retries() {
        let mut calls = 0;
        let r: rusqlite::Result<()> = retry_busy(Duration::from_secs(60), || {
            calls += 1;
            Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                None,
            ))
        });
        assert_eq!(r.unwrap_err().sqlite_error_code(), Some(ErrorCode::DatabaseCorrupt));
        assert_eq!(calls, 1);
        // With no time to wait, a busy step is tried once.
        let mut calls = 0;
        let r: rusqlite::Result<()> = retry_busy(Duration::ZERO, || {
            calls += 1;
            Err(busy())
        });
        assert_eq!(r.unwrap_err().sqlite_error_code(), Some(ErrorCode::DatabaseBusy));
        assert_eq!(calls, 1);
    }
}
