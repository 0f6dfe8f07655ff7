//! The shadow ledger: one hash-chained SQLite record per run (and, later, per probe, decision
//! or certificate).
//!
//! Records of every kind share the `records` table and one chain. Record `n` stores `prev`, the
//! hash of record `n - 1` (64 zeros for record 1), and `hash`, the blake3 of its canonical
//! bytes: the compact JSON `{"kind":…,"id":…,<body fields>,"prev":…}`, that is the record
//! without its hash. [`Home::verify_ledger`] recomputes the chain and names the first record
//! that was altered, deleted or moved.

use crate::cid::Cid;
use crate::error::CoreError;
use crate::home::Home;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// Energy that erasing one bit dissipates at least, at 300 K: k_B · 300 K · ln 2, in joules.
pub const LANDAUER_JOULES_PER_BIT: f64 = 1.380649e-23 * 300.0 * std::f64::consts::LN_2;

/// The `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The flag of a run recorded here that a peer made (`--on=NAME`): its `wall_ns` is the
/// peer's compute time, not what the caller waited. A replay or rewind of such a run runs here,
/// so it does not copy the flag ([`NewRun::rerun_flags`]).
pub const ON_FLAG: &str = "--on=";

/// The record kind of a run.
pub const RUN: &str = "run";

/// The fields of a run as recorded (everything but id, prev, hash).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewRun {
    /// When the run started: RFC 3339 UTC with nanoseconds (see [`timestamp`]).
    pub started: String,
    /// When the run ended.
    pub ended: String,
    /// The program's CID.
    pub program: String,
    /// The gene the run entered.
    pub entry: String,
    /// `"forward"` or `"backward"`.
    pub direction: String,
    /// `"interp"` or `"jit"`.
    pub backend: String,
    /// Why that backend was chosen, when it was not the default.
    pub backend_reason: Option<String>,
    /// The CID of the input state.
    pub input: String,
    /// The CID of the output state; `None` when the run failed.
    pub output: Option<String>,
    /// The CID of the history tape; `None` when the tape is empty.
    pub tape: Option<String>,
    /// Bits the run erased.
    pub erased_bits: u64,
    /// The Landauer bound of those erasures ([`LANDAUER_JOULES_PER_BIT`] per bit).
    pub landauer_joules: f64,
    /// Instructions executed, when the engine counts them.
    pub instructions: Option<u64>,
    /// Wall-clock time of the run, in nanoseconds.
    pub wall_ns: u64,
    /// `"ok"` or `"error"`.
    pub outcome: String,
    /// The error code, when the run failed.
    pub code: Option<String>,
    /// The error message, when the run failed.
    pub message: Option<String>,
    /// The version of rdx that ran it.
    pub rdx_version: String,
    /// The machine it ran on (see [`host_name`]).
    pub host: String,
    /// The run this one continues or rewinds, if any.
    pub parent: Option<u64>,
    /// CIDs of the user kernels bound to the run.
    pub kernels: Vec<String>,
    /// Command-line flags that changed the run, e.g. `["--strict", "--checked"]`.
    pub flags: Vec<String>,
    /// The CID of what the run printed (`print`, `printf`, `show`), when its program can
    /// print; absent otherwise (and in records older than the field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printed: Option<String>,
    /// The CID of the entries of the history tape that the run started from and used up
    /// (undoing lossy writes of runs before it: a rewind, or a Python backward run after its
    /// forward run), so a replay starts from them too; absent when it used none (and in
    /// records older than the field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tape_in: Option<String>,
}

impl NewRun {
    /// Whether the run's input can be recomputed by rewinding it from its output: it succeeded,
    /// erased nothing, and left and used no tape.
    pub fn is_lossless(&self) -> bool {
        self.outcome == "ok"
            && self.erased_bits == 0
            && self.tape.is_none()
            && self.tape_in.is_none()
            && self.output.is_some()
    }

    /// The flags a replay or rewind of this run copies: all but [`ON_FLAG`], since the rerun
    /// runs here, not on the peer that made the run.
    pub fn rerun_flags(&self) -> Vec<String> {
        self.flags.iter().filter(|f| !f.starts_with(ON_FLAG)).cloned().collect()
    }

    /// The CIDs of every blob the run names, as written: program, states, tapes, what it
    /// printed and its user kernels.
    pub fn blob_cids(&self) -> impl Iterator<Item = &String> {
        [
            Some(&self.program),
            Some(&self.input),
            self.output.as_ref(),
            self.tape.as_ref(),
            self.printed.as_ref(),
            self.tape_in.as_ref(),
        ]
        .into_iter()
        .flatten()
        .chain(&self.kernels)
    }

    fn check(&self) -> Result<(), CoreError> {
        for text in self.blob_cids() {
            let canonical = text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            if !canonical {
                return Err(CoreError::BadCid {
                    text: text.clone(),
                    why: "a recorded CID is written in 64 lowercase hex digits".into(),
                });
            }
        }
        if !self.landauer_joules.is_finite() {
            return Err(CoreError::Usage(format!(
                "a run's landauer_joules must be a finite number, not {}",
                self.landauer_joules
            )));
        }
        Ok(())
    }
}

/// Every field a run record can have, in the order `rdx log --json`, `rdx show --json` and
/// `rdx show` give them (the order [`RunRecord`] serialises in). A record has all of them but
/// the [`OPTIONAL_RUN_FIELDS`] it does not set.
pub const ALL_RUN_FIELDS: [&str; 27] = [
    "id",
    "started",
    "ended",
    "program",
    "entry",
    "direction",
    "backend",
    "backend_reason",
    "input",
    "output",
    "tape",
    "erased_bits",
    "landauer_joules",
    "instructions",
    "wall_ns",
    "outcome",
    "code",
    "message",
    "rdx_version",
    "host",
    "parent",
    "kernels",
    "flags",
    "printed",
    "tape_in",
    "prev",
    "hash",
];

/// The fields of [`ALL_RUN_FIELDS`] that a run record has only when they are set.
pub const OPTIONAL_RUN_FIELDS: [&str; 2] = ["printed", "tape_in"];

/// The fields every run record has, in the order of [`ALL_RUN_FIELDS`].
pub const RUN_FIELDS: [&str; 25] = required_run_fields();

/// [`ALL_RUN_FIELDS`] without [`OPTIONAL_RUN_FIELDS`] (checked when compiled: a field added to
/// one list but not the other does not build).
const fn required_run_fields() -> [&'static str; 25] {
    const fn same(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
    let mut out = [""; 25];
    let (mut i, mut n) = (0, 0);
    while i < ALL_RUN_FIELDS.len() {
        let field = ALL_RUN_FIELDS[i];
        let mut j = 0;
        while j < OPTIONAL_RUN_FIELDS.len() && !same(field, OPTIONAL_RUN_FIELDS[j]) {
            j += 1;
        }
        if j == OPTIONAL_RUN_FIELDS.len() {
            out[n] = field;
            n += 1;
        }
        i += 1;
    }
    assert!(n == out.len(), "every optional field is one of ALL_RUN_FIELDS");
    out
}

/// A run as the ledger holds it. Its JSON is flat: `id`, the fields of [`NewRun`], `prev`,
/// `hash`, in that order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Its place in the ledger, from 1.
    pub id: u64,
    /// What was recorded.
    #[serde(flatten)]
    pub run: NewRun,
    /// The hash of the record before it.
    pub prev: String,
    /// The blake3 of its canonical bytes.
    pub hash: String,
}

impl RunRecord {
    /// Whether its fields hash to its `hash`, as [`Home::record_run`] computed it: false for a
    /// record altered after it was written (or on its way from a peer).
    pub fn hash_matches(&self) -> bool {
        serde_json::to_string(&self.run)
            .ok()
            .and_then(|body| canonical(RUN, self.id, &body, &self.prev))
            .is_some_and(|text| hash_of(&text) == self.hash)
    }
}

/// What [`Home::verify_ledger`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerReport {
    /// How many records the ledger holds.
    pub records: u64,
    /// The first record altered, deleted or moved, with what is wrong; `None` if the chain holds.
    pub first_bad: Option<(u64, String)>,
}

/// `t` in RFC 3339, UTC, with nanoseconds: `2026-12-03T21:28:07.123456789Z`.
pub fn timestamp(t: SystemTime) -> String {
    let (secs, nanos) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (i128::from(d.as_secs()), d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            match d.subsec_nanos() {
                0 => (-i128::from(d.as_secs()), 0),
                n => (-i128::from(d.as_secs()) - 1, 1_000_000_000 - n),
            }
        }
    };
    let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        day_secs / 3600,
        day_secs / 60 % 60,
        day_secs % 60
    )
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i128) -> (i128, i128, i128) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i128::from(m <= 2);
    (y, m, d)
}

/// This machine's name: `/proc/sys/kernel/hostname`, else `$HOSTNAME`, else `"unknown"` (read once
/// per process).
pub fn host_name() -> String {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        let from_proc = std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
        let from_env = || std::env::var("HOSTNAME").ok();
        [from_proc, from_env()]
            .into_iter()
            .flatten()
            .map(|h| h.trim().to_string())
            .find(|h| !h.is_empty())
            .unwrap_or_else(|| "unknown".into())
    })
    .clone()
}

/// The bytes a record's hash covers: the record as compact JSON without its hash. `body` is
/// the record's fields as a JSON object; `None` if it is not one.
fn canonical(kind: &str, id: u64, body: &str, prev: &str) -> Option<String> {
    let inner = body.strip_prefix('{')?.strip_suffix('}')?;
    let kind = serde_json::to_string(kind).ok()?;
    let prev = serde_json::to_string(prev).ok()?;
    Some(if inner.trim().is_empty() {
        format!("{{\"kind\":{kind},\"id\":{id},\"prev\":{prev}}}")
    } else {
        format!("{{\"kind\":{kind},\"id\":{id},{inner},\"prev\":{prev}}}")
    })
}

fn hash_of(canonical: &str) -> String {
    blake3::hash(canonical.as_bytes()).to_hex().to_string()
}

/// Keys the chain itself writes into a record's canonical bytes.
const RESERVED: [&str; 4] = ["kind", "id", "prev", "hash"];

impl Home {
    /// Appends a run to the ledger and returns it as recorded.
    ///
    /// CIDs must be 64 lowercase hex digits ([`CoreError::BadCid`]); the blobs they name need
    /// not be in the store.
    pub fn record_run(&self, run: &NewRun) -> Result<RunRecord, CoreError> {
        run.check()?;
        let body = serde_json::to_string(run)
            .map_err(|e| CoreError::Usage(format!("a run cannot be written as JSON: {e}")))?;
        let (id, prev, hash) = self.append(RUN, &body, Some(&run.program))?;
        Ok(RunRecord { id, run: run.clone(), prev, hash })
    }

    /// Appends a record of any kind; `body` is a JSON object of its fields (not `kind`, `id`,
    /// `prev` or `hash`). A `"run"` body must be a [`NewRun`]. Returns the record's id.
    pub fn append_record(&self, kind: &str, body: &serde_json::Value) -> Result<u64, CoreError> {
        if kind == RUN {
            let run: NewRun = serde_json::from_value(body.clone())
                .map_err(|e| CoreError::Usage(format!("not a run record: {e}")))?;
            return Ok(self.record_run(&run)?.id);
        }
        if kind.is_empty() {
            return Err(CoreError::Usage("a record needs a kind".into()));
        }
        let Some(fields) = body.as_object() else {
            return Err(CoreError::Usage("a record's body is a JSON object".into()));
        };
        if let Some(key) = RESERVED.iter().find(|k| fields.contains_key(**k)) {
            return Err(CoreError::Usage(format!("a record's body cannot set `{key}`")));
        }
        let text = serde_json::to_string(body)
            .map_err(|e| CoreError::Usage(format!("a record cannot be written as JSON: {e}")))?;
        Ok(self.append(kind, &text, None)?.0)
    }

    /// Appends one record under the write lock; returns its id, prev and hash.
    fn append(
        &self,
        kind: &str,
        body: &str,
        program: Option<&str>,
    ) -> Result<(u64, String, String), CoreError> {
        self.write(|| {
            let cached = self.head.borrow().clone();
            let (last, prev) = match cached {
                Some(head) => head,
                None => self.read_head()?,
            };
            let id = last + 1;
            let text = canonical(kind, id, body, &prev)
                .ok_or_else(|| CoreError::Usage("a record's body is a JSON object".into()))?;
            let hash = hash_of(&text);
            let sql_id = i64::try_from(id).map_err(|_| self.bad_ledger("the ledger is full"))?;
            self.conn
                .prepare_cached(
                    "INSERT INTO records (id, kind, body, prev, hash, program) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .and_then(|mut s| s.execute(params![sql_id, kind, body, prev, hash, program]))
                .map_err(|e| self.sql(e))?;
            if self.in_batch() {
                *self.head.borrow_mut() = Some((id, hash.clone()));
            }
            Ok((id, prev, hash))
        })
    }

    /// The last record's id and hash: `(0, GENESIS)` for an empty ledger.
    pub(crate) fn read_head(&self) -> Result<(u64, String), CoreError> {
        let row = self
            .conn
            .prepare_cached("SELECT id, hash FROM records ORDER BY id DESC LIMIT 1")
            .and_then(|mut s| {
                s.query_row([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).optional()
            })
            .map_err(|e| self.sql(e))?;
        match row {
            None => Ok((0, GENESIS.to_string())),
            Some((id, hash)) => {
                let id =
                    u64::try_from(id).map_err(|_| self.bad_ledger(format!("the last record has id {id}")))?;
                Ok((id, hash))
            }
        }
    }

    /// Runs, newest first: at most `limit`, only those of `program` if given.
    pub fn runs(&self, limit: Option<usize>, program: Option<&Cid>) -> Result<Vec<RunRecord>, CoreError> {
        let limit = limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let (sql, key) = match program {
            Some(cid) => (
                "SELECT id, body, prev, hash FROM records \
                 WHERE program = ?1 AND kind = 'run' ORDER BY id DESC LIMIT ?2",
                cid.to_hex(),
            ),
            None => (
                "SELECT id, body, prev, hash FROM records \
                 WHERE kind = ?1 ORDER BY id DESC LIMIT ?2",
                RUN.to_string(),
            ),
        };
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params![key, limit], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?))
            })
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body, prev, hash) = row.map_err(|e| self.sql(e))?;
            out.push(self.run_from_row(id, &body, prev, hash)?);
        }
        Ok(out)
    }

    /// The run with id `id`; [`CoreError::NoSuchRun`] if there is none, [`CoreError::NotARun`]
    /// if that record is of another kind.
    pub fn run_record(&self, id: u64) -> Result<RunRecord, CoreError> {
        let no_such = || CoreError::NoSuchRun { id: id.to_string() };
        let sql_id = i64::try_from(id).map_err(|_| no_such())?;
        let row = self
            .conn
            .prepare_cached("SELECT body, prev, hash FROM records WHERE id = ?1 AND kind = 'run'")
            .and_then(|mut s| {
                s.query_row([sql_id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
                })
                .optional()
            })
            .map_err(|e| self.sql(e))?;
        let Some((body, prev, hash)) = row else {
            // A record of another kind (a probe, a decision, a peer's run) is named as such.
            let kind: Option<String> = self
                .conn
                .prepare_cached("SELECT kind FROM records WHERE id = ?1")
                .and_then(|mut s| s.query_row([sql_id], |r| r.get(0)).optional())
                .map_err(|e| self.sql(e))?;
            return Err(match kind {
                Some(kind) => CoreError::NotARun { id, kind },
                None => no_such(),
            });
        };
        self.run_from_row(sql_id, &body, prev, hash)
    }

    /// Records of kind `kind`, newest first, at most `limit`: each id with its body.
    pub fn records_of(
        &self,
        kind: &str,
        limit: Option<usize>,
    ) -> Result<Vec<(u64, serde_json::Value)>, CoreError> {
        self.kind_rows(kind, false, limit)
    }

    /// Records of kind `kind` whose body passes `filter`, newest first, at most `limit`: an SQL
    /// condition on `body` the caller writes (a constant, never user text; `json_extract`
    /// on a body that is not JSON is an error, so a filter tests `json_valid(body)` first and
    /// lets such a body through, to be reported as [`Home::records_of`] reports it).
    pub fn records_where(
        &self,
        kind: &str,
        filter: &'static str,
        limit: Option<usize>,
    ) -> Result<Vec<(u64, serde_json::Value)>, CoreError> {
        self.kind_rows_where(kind, filter, false, limit)
    }

    /// Records of kind `kind` in id order (`oldest_first` or not), at most `limit`.
    fn kind_rows(
        &self,
        kind: &str,
        oldest_first: bool,
        limit: Option<usize>,
    ) -> Result<Vec<(u64, serde_json::Value)>, CoreError> {
        self.kind_rows_where(kind, "1", oldest_first, limit)
    }

    /// [`Self::kind_rows`] of the records whose body passes `filter` (an SQL condition).
    fn kind_rows_where(
        &self,
        kind: &str,
        filter: &'static str,
        oldest_first: bool,
        limit: Option<usize>,
    ) -> Result<Vec<(u64, serde_json::Value)>, CoreError> {
        let limit = limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let order = if oldest_first { "" } else { " DESC" };
        let sql = format!(
            "SELECT id, body FROM records WHERE kind = ?1 AND ({filter}) ORDER BY id{order} LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params![kind, limit], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body) = row.map_err(|e| self.sql(e))?;
            let body = serde_json::from_str(&body)
                .map_err(|e| self.bad_ledger(format!("record {id} cannot be read: {e}")))?;
            out.push((u64::try_from(id).unwrap_or_default(), body));
        }
        Ok(out)
    }

    /// Record `id` of any kind: its kind and its body.
    pub fn record_body(&self, id: u64) -> Result<(String, serde_json::Value), CoreError> {
        let (kind, body) = self.record_columns(id, "SELECT kind, body FROM records WHERE id = ?1")?;
        let body = serde_json::from_str(&body)
            .map_err(|e| self.bad_ledger(format!("record {id} cannot be read: {e}")))?;
        Ok((kind, body))
    }

    /// The `prev` and `hash` of record `id`, of any kind (a run's are in its [`RunRecord`]).
    pub fn record_links(&self, id: u64) -> Result<(String, String), CoreError> {
        self.record_columns(id, "SELECT prev, hash FROM records WHERE id = ?1")
    }

    /// Two text columns of record `id`, as `sql` selects them.
    fn record_columns(&self, id: u64, sql: &str) -> Result<(String, String), CoreError> {
        let no_such = || CoreError::Usage(format!("no record {id} in the ledger"));
        let sql_id = i64::try_from(id).map_err(|_| no_such())?;
        let row = self
            .conn
            .prepare_cached(sql)
            .and_then(|mut s| {
                s.query_row([sql_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).optional()
            })
            .map_err(|e| self.sql(e))?;
        row.ok_or_else(no_such)
    }

    /// Every record of kind `kind`, oldest first: its id and its body.
    pub fn records_of_kind(&self, kind: &str) -> Result<Vec<(u64, serde_json::Value)>, CoreError> {
        self.kind_rows(kind, true, None)
    }

    fn run_from_row(&self, id: i64, body: &str, prev: String, hash: String) -> Result<RunRecord, CoreError> {
        let run = serde_json::from_str(body)
            .map_err(|e| self.bad_ledger(format!("run {id} cannot be read: {e}")))?;
        let id = u64::try_from(id).map_err(|_| self.bad_ledger(format!("a run has id {id}")))?;
        Ok(RunRecord { id, run, prev, hash })
    }

    /// Walks every record in id order, recomputing each hash from the stored fields and
    /// checking ids and `prev` links; names the first record altered, deleted or moved.
    pub fn verify_ledger(&self) -> Result<LedgerReport, CoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, kind, body, prev, hash, program FROM records ORDER BY id")
            .map_err(|e| self.sql(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.sql(e))?;
        let mut report = LedgerReport { records: 0, first_bad: None };
        let mut expected_id: u64 = 1;
        let mut expected_prev = GENESIS.to_string();
        while let Some(row) = rows.next().map_err(|e| self.sql(e))? {
            report.records += 1;
            if report.first_bad.is_some() {
                continue;
            }
            let stored = (|| -> rusqlite::Result<Stored> {
                Ok(Stored {
                    id: row.get(0)?,
                    kind: row.get(1)?,
                    body: row.get(2)?,
                    prev: row.get(3)?,
                    hash: row.get(4)?,
                    program: row.get(5)?,
                })
            })();
            let record = match stored {
                Ok(record) => record,
                Err(e) => {
                    let why = format!("record {expected_id} cannot be read: {e}");
                    report.first_bad = Some((expected_id, why));
                    continue;
                }
            };
            report.first_bad = check_record(expected_id, &expected_prev, &record);
            expected_id = u64::try_from(record.id).map_or(expected_id, |id| id + 1);
            expected_prev = record.hash;
        }
        Ok(report)
    }
}

/// A row of the `records` table.
struct Stored {
    id: i64,
    kind: String,
    body: String,
    prev: String,
    hash: String,
    program: Option<String>,
}

/// What is wrong with the record found where record `expected_id` should be, if anything.
fn check_record(expected_id: u64, expected_prev: &str, record: &Stored) -> Option<(u64, String)> {
    let Stored { id, kind, body, prev, hash, program } = record;
    let id = match u64::try_from(*id) {
        Ok(id) if id == expected_id => id,
        Ok(id) if id > expected_id => {
            let why = format!("record {expected_id} is missing: ids jump from {} to {id}", expected_id - 1);
            return Some((expected_id, why));
        }
        _ => {
            return Some((
                expected_id,
                format!("a record with id {id} stands where record {expected_id} should"),
            ));
        }
    };
    let Some(text) = canonical(kind, id, body, prev) else {
        return Some((id, "its body is not a JSON object (the record was altered)".into()));
    };
    if hash_of(&text) != *hash {
        return Some((id, "its contents do not hash to its stored hash (the record was altered)".into()));
    }
    if prev != expected_prev {
        return Some((
            id,
            match id {
                1 => "its prev is not the genesis hash (records before it were removed)".into(),
                _ => format!(
                    "its prev is not the hash of record {} (a record was replaced, removed or moved)",
                    id - 1
                ),
            },
        ));
    }
    if kind == RUN {
        match serde_json::from_str::<NewRun>(body) {
            Err(e) => return Some((id, format!("it is not a readable run: {e}"))),
            Ok(run) if Some(&run.program) != program.as_ref() => {
                return Some((
                    id,
                    "its indexed program differs from its body (the index was altered)".into(),
                ));
            }
            Ok(_) => {}
        }
    } else if program.is_some() {
        return Some((id, format!("it is a `{kind}` record but indexes a program (the index was altered)")));
    }
    None
}
