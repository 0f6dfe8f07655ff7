//! The content-addressed store of a [`Home`]: blobs named by the blake3 of their bytes.
//!
//! Blobs of at most [`INLINE_MAX`] bytes live in the ledger database (`blobs` table), so a run's
//! states commit with its record; bigger ones are files `store/blobs/<2 hex>/<62 hex>`, written
//! to `store/tmp/`, synced and renamed into place, so no partial blob is ever visible under its
//! CID. Every read re-hashes: a blob whose bytes changed is [`CoreError::Corrupt`], never
//! returned.
//!
//! `gc` keeps pinned blobs and everything a ledger record names. With `drop_recoverable` it also
//! deletes the inputs of lossless runs, which rewinding the run from its output recomputes, and
//! remembers which run to rewind (`dropped` table).

use crate::cid::Cid;
use crate::error::CoreError;
use crate::home::Home;
use crate::ledger::{NewRun, RUN};
use rusqlite::OptionalExtension;
use rusqlite::types::ValueRef;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The largest blob kept inline in the ledger database, in bytes.
pub const INLINE_MAX: usize = 4096;

/// A temp file older than this is left over from a crashed writer, whoever wrote it.
pub const STALE_TEMP_AGE: Duration = Duration::from_secs(60 * 60);

/// A temp file named after a process that no longer runs is left over once it is this old (the
/// writer may live in another PID namespace sharing the home).
pub const DEAD_WRITER_TEMP_AGE: Duration = Duration::from_secs(60);

/// One blob of the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobInfo {
    /// Its name.
    pub cid: Cid,
    /// Its length in bytes.
    pub size: u64,
    /// Whether it lives in the ledger database rather than in a file.
    pub inline: bool,
    /// Whether `gc` must keep it whatever refers to it.
    pub pinned: bool,
}

/// A blob as [`Home::open_blob`] gives it.
#[derive(Debug)]
pub enum BlobSource {
    /// A small blob from the ledger database, verified.
    Inline(Vec<u8>),
    /// A blob file, open, of `len` bytes, not yet verified.
    File { file: fs::File, len: u64 },
}

/// A blob, or an entry of the store, that [`Home::verify_entries`] found wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadEntry {
    /// The blob it is; `None` for an entry whose name is not a CID, which is no blob.
    pub cid: Option<Cid>,
    /// What was found.
    pub why: String,
    /// The hash of the bytes it holds, when they were read.
    pub held: Option<Cid>,
}

/// What [`Home::gc`] may remove.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcOptions {
    /// Report what would be removed; remove nothing.
    pub dry_run: bool,
    /// Also remove the inputs of lossless runs, recoverable by rewinding from their outputs.
    pub drop_recoverable: bool,
}

/// What [`Home::gc`] removed (or would remove, in a dry run).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcReport {
    /// The blobs removed, with their sizes, sorted by CID.
    pub removed: Vec<(Cid, u64)>,
    /// How many blobs stay.
    pub kept: usize,
    /// The bytes of the removed blobs.
    pub freed_bytes: u64,
    /// Temp files of crashed writers removed from `store/tmp/` (or that would be, in a dry
    /// run).
    pub stale_temp: usize,
    /// The bytes of those temp files.
    pub stale_temp_bytes: u64,
}

/// An entry under `store/blobs/`: a blob file, or something whose name is not a CID or that is
/// not a regular file.
struct FileEntry {
    path: PathBuf,
    cid: Option<Cid>,
    size: u64,
    /// What it is, when not a regular file (see [`special_kind`]): never a blob, never read.
    special: Option<&'static str>,
}

/// How a CID is referred to by the ledger.
#[derive(Default)]
struct Refs {
    total: u64,
    as_lossless_input: u64,
}

/// What gc's first transaction left to its second: the blob files to remove with their sizes,
/// and what that was decided from (the drops, the references, the ledger's last record).
struct GcFiles {
    files: Vec<(Cid, u64)>,
    drops: BTreeMap<Cid, u64>,
    refs: HashMap<String, Refs>,
    head: (u64, String),
    stale: Vec<(PathBuf, u64)>,
}

/// A lossless run: `(id, input, output)`.
type Rewind = (u64, String, String);

static TEMP_SEQ: AtomicU64 = AtomicU64::new(0);

impl Home {
    /// Stores `bytes` and returns their CID. Storing a blob already present is a no-op; what
    /// stands at a file blob's path and is not a regular file is replaced, or, for a directory
    /// that is not empty, an I/O error.
    pub fn put(&self, bytes: &[u8]) -> Result<Cid, CoreError> {
        let cid = Cid::of(bytes);
        if bytes.len() <= INLINE_MAX {
            self.put_inline(&cid, bytes)?;
        } else {
            self.put_file(&cid, bytes)?;
        }
        Ok(cid)
    }

    /// The bytes of blob `cid`, checked against their name: [`CoreError::Corrupt`] if they no
    /// longer hash to it, [`CoreError::NotFound`] (or [`CoreError::Dropped`]) if absent.
    ///
    /// Every get is a load: it is noted as a probe (see [`Home::note_load`]).
    pub fn get(&self, cid: &Cid) -> Result<Vec<u8>, CoreError> {
        let clock = std::time::Instant::now();
        let got = self.read_verified(cid);
        let ns = u64::try_from(clock.elapsed().as_nanos()).unwrap_or(u64::MAX);
        match &got {
            Ok(bytes) => self.note_load("local", cid, Some(bytes.len() as u64), ns, "ok"),
            Err(e) => self.note_load("local", cid, None, ns, &e.to_string()),
        }
        got
    }

    /// The bytes of blob `cid`, verified (no probe).
    fn read_verified(&self, cid: &Cid) -> Result<Vec<u8>, CoreError> {
        let bytes = match self.inline_data(cid)? {
            Some(bytes) => bytes,
            None => match read_regular(&self.blob_path(cid))? {
                Some(bytes) => bytes,
                None => return Err(self.missing(cid)?),
            },
        };
        let actual = Cid::of(&bytes);
        if actual != *cid {
            return Err(CoreError::Corrupt { cid: cid.to_hex(), actual: actual.to_hex() });
        }
        Ok(bytes)
    }

    /// Blob `cid` to stream: inline bytes (verified), or its file opened with its length, NOT
    /// yet verified: the reader must hash what it reads and refuse the bytes if they do not
    /// hash to `cid` (as `rdx serve` does, so a big blob is never held whole in memory).
    /// [`CoreError::NotFound`] (or [`CoreError::Dropped`]) if absent. Not noted as a load.
    pub fn open_blob(&self, cid: &Cid) -> Result<BlobSource, CoreError> {
        if let Some(bytes) = self.inline_data(cid)? {
            let actual = Cid::of(&bytes);
            if actual != *cid {
                return Err(CoreError::Corrupt { cid: cid.to_hex(), actual: actual.to_hex() });
            }
            return Ok(BlobSource::Inline(bytes));
        }
        match open_regular(&self.blob_path(cid))? {
            Some((file, len)) => Ok(BlobSource::File { file, len }),
            None => Err(self.missing(cid)?),
        }
    }

    /// Whether blob `cid` is in the store (without reading it): an inline row, or anything at its
    /// file's path (a symlink is not followed; reading what is not a regular file is an error).
    pub fn has(&self, cid: &Cid) -> Result<bool, CoreError> {
        if self.inline_size(cid)?.is_some() {
            return Ok(true);
        }
        let path = self.blob_path(cid);
        match fs::symlink_metadata(&path) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(blob_io(&path, e)),
        }
    }

    /// The blob that `text` names: a whole CID or a unique prefix of at least
    /// [`Cid::MIN_PREFIX`] hex digits. [`CoreError::BadCid`] if it is not such text,
    /// [`CoreError::NotFound`] if no blob matches, [`CoreError::Ambiguous`] if several do.
    pub fn resolve(&self, text: &str) -> Result<Cid, CoreError> {
        self.resolve_among(text, false)
    }

    /// The blob or pin that `text` names, as [`Home::resolve`] does, but a pinned CID counts
    /// even when its blob is gone, so that its pin can be removed ([`Home::unpin`]).
    pub fn resolve_pinned(&self, text: &str) -> Result<Cid, CoreError> {
        self.resolve_among(text, true)
    }

    fn resolve_among(&self, text: &str, pins: bool) -> Result<Cid, CoreError> {
        let prefix = Cid::check_prefix(text)?;
        if prefix.len() == 64 {
            let cid = Cid::parse(&prefix)?;
            let found = self.has(&cid)? || (pins && self.pins()?.contains(&cid));
            return if found { Ok(cid) } else { Err(self.missing(&cid)?) };
        }
        let mut found = BTreeSet::new();
        let upper = format!("{prefix}g");
        let tables: &[&str] = if pins { &["blobs", "pins"] } else { &["blobs"] };
        for table in tables {
            let sql = format!("SELECT cid FROM {table} WHERE cid >= ?1 AND cid < ?2");
            let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.sql(e))?;
            let rows =
                stmt.query_map([&prefix, &upper], |r| r.get::<_, String>(0)).map_err(|e| self.sql(e))?;
            for name in rows {
                if let Some(cid) = canonical_cid(&name.map_err(|e| self.sql(e))?) {
                    found.insert(cid);
                }
            }
        }
        let (fan, rest) = prefix.split_at(2);
        let dir = self.blobs_dir().join(fan);
        match fs::read_dir(&dir) {
            Ok(entries) => {
                for entry in entries {
                    let entry = entry.map_err(|e| CoreError::io(&dir, e))?;
                    let name = entry.file_name();
                    let Some(name) = name.to_str().filter(|n| n.starts_with(rest)) else { continue };
                    if let Some(cid) = canonical_cid(&format!("{fan}{name}")) {
                        found.insert(cid);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(CoreError::io(dir, e)),
        }
        let count = found.len();
        match found.pop_first() {
            Some(cid) if count == 1 => Ok(cid),
            Some(_) => Err(CoreError::Ambiguous { prefix, count }),
            None => Err(self.dropped_prefix(&prefix, &upper)?),
        }
    }

    /// Every blob of the store, sorted by CID.
    pub fn list(&self) -> Result<Vec<BlobInfo>, CoreError> {
        let pins = self.pins()?;
        let mut blobs = BTreeMap::new();
        for file in self.files()? {
            if let (Some(cid), None) = (file.cid, file.special) {
                let pinned = pins.contains(&cid);
                blobs.insert(cid, BlobInfo { cid, size: file.size, inline: false, pinned });
            }
        }
        let mut stmt = self.conn.prepare("SELECT cid, length(data) FROM blobs").map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(|e| self.sql(e))?;
        for row in rows {
            let (name, size) = row.map_err(|e| self.sql(e))?;
            if let Some(cid) = canonical_cid(&name) {
                let size = u64::try_from(size).unwrap_or(0);
                blobs.insert(cid, BlobInfo { cid, size, inline: true, pinned: pins.contains(&cid) });
            }
        }
        Ok(blobs.into_values().collect())
    }

    /// The total size of the store's blobs, in bytes.
    pub fn size(&self) -> Result<u64, CoreError> {
        Ok(self.list()?.iter().map(|b| b.size).sum())
    }

    /// Pins blob `cid`, so `gc` keeps it; [`CoreError::NotFound`] if it is not in the store.
    pub fn pin(&self, cid: &Cid) -> Result<(), CoreError> {
        self.write(|| {
            if !self.has(cid)? {
                return Err(self.missing(cid)?);
            }
            self.conn
                .prepare_cached("INSERT OR IGNORE INTO pins (cid) VALUES (?1)")
                .and_then(|mut s| s.execute([cid.to_hex()]))
                .map_err(|e| self.sql(e))?;
            Ok(())
        })
    }

    /// Unpins blob `cid`, in the store or not; unpinning a blob that is not pinned is a no-op.
    pub fn unpin(&self, cid: &Cid) -> Result<(), CoreError> {
        self.write(|| {
            self.conn
                .prepare_cached("DELETE FROM pins WHERE cid = ?1")
                .and_then(|mut s| s.execute([cid.to_hex()]))
                .map_err(|e| self.sql(e))?;
            Ok(())
        })
    }

    /// Re-hashes every blob, inline and in files, and returns what is wrong, sorted by CID
    /// (entries whose name is not a CID first): for a blob, the hash its bytes have,
    /// `unreadable: …`, or `not a regular file (…)` for a FIFO, symlink, device or directory
    /// (never opened); for an entry whose name is not a CID, `… name is not a CID: …`, with no
    /// CID.
    pub fn verify_entries(&self) -> Result<Vec<BadEntry>, CoreError> {
        let mut bad = Vec::new();
        let mut push =
            |cid: Option<Cid>, why: String, held: Option<Cid>| bad.push(BadEntry { cid, why, held });
        let mut stmt = self.conn.prepare("SELECT cid, data FROM blobs").map_err(|e| self.sql(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.sql(e))?;
        while let Some(row) = rows.next().map_err(|e| self.sql(e))? {
            let name: String = row.get(0).map_err(|e| self.sql(e))?;
            let actual = Cid::of(&value_bytes(row.get_ref(1).map_err(|e| self.sql(e))?));
            match canonical_cid(&name) {
                Some(cid) if cid == actual => {}
                Some(cid) => push(Some(cid), actual.to_hex(), Some(actual)),
                None => push(None, format!("inline blob name is not a CID: `{name}`"), Some(actual)),
            }
        }
        for file in self.files()? {
            let shown = file.path.strip_prefix(self.root()).unwrap_or(&file.path).display().to_string();
            if let Some(kind) = file.special {
                match file.cid {
                    Some(cid) => push(Some(cid), format!("not a regular file ({kind}): {shown}"), None),
                    None => push(None, format!("file name is not a CID: {shown} ({kind})"), None),
                }
                continue;
            }
            let read = match read_regular(&file.path) {
                Ok(Some(bytes)) => Ok(bytes),
                // Removed meanwhile by another process's gc.
                Ok(None) => continue,
                Err(e) => Err(e),
            };
            match (read, file.cid) {
                (Ok(bytes), Some(cid)) => {
                    let actual = Cid::of(&bytes);
                    if actual != cid {
                        push(Some(cid), actual.to_hex(), Some(actual));
                    }
                }
                (Ok(bytes), None) => {
                    push(None, format!("file name is not a CID: {shown}"), Some(Cid::of(&bytes)))
                }
                (Err(e), Some(cid)) => push(Some(cid), format!("unreadable: {}", io_reason(&e)), None),
                (Err(e), None) => push(
                    None,
                    format!("file name is not a CID: {shown} (unreadable: {})", io_reason(&e)),
                    None,
                ),
            }
        }
        bad.sort_by(|a, b| a.cid.cmp(&b.cid).then_with(|| a.why.cmp(&b.why)));
        Ok(bad)
    }

    /// [`Home::verify_entries`] as pairs sorted by CID: an entry whose name is not a CID is
    /// given under the hash of what it holds (all zeros if it cannot be read or is not a
    /// regular file).
    pub fn verify(&self) -> Result<Vec<(Cid, String)>, CoreError> {
        let mut bad: Vec<(Cid, String)> = self
            .verify_entries()?
            .into_iter()
            .map(|e| (e.cid.or(e.held).unwrap_or(Cid([0; 32])), e.why))
            .collect();
        bad.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        Ok(bad)
    }

    /// Removes the blobs nothing needs: every blob is kept that is pinned or named by a ledger
    /// record (any CID in any record but a probe, so a run's program, input, output, tape and
    /// kernels; a probe only names the blob it timed).
    /// Also removes temp files that crashed writers left in `store/tmp/`.
    ///
    /// With `drop_recoverable`, the input of a lossless run (ok, no erasure, no tape, no float
    /// kernel or user kernel, which rewind only up to rounding) goes too,
    /// provided it is not pinned, every reference to it is as the input of such a run, and the
    /// output it is recovered from stays and still hashes to its name. Runs are taken in id order
    /// and an output already dropped is never used, so of two runs that rewind each other at
    /// most one state goes. Each dropped blob remembers its run (see
    /// [`Home::dropped_as_recoverable`]).
    ///
    /// gc works in two transactions, each under the ledger's write lock, so batches cannot
    /// interleave with either: a run, recorded in one batch (`run::write`), never loses a blob
    /// between its put and its record. The first decides, deletes the inline blobs, records the
    /// dropped ones and commits; only then does the second remove the blob files, each only if
    /// nothing pinned or named it meanwhile. So a reader that finds a dropped blob's file gone
    /// finds its `dropped` row as well. A crash between the two leaves the files: unreferenced
    /// ones go with the next gc, dropped inputs (read as blobs until then) with the next
    /// `drop_recoverable` one. A blob `put` alone, outside a batch, is unreferenced until something records
    /// or pins it. A gc that is not a dry run cannot run inside a batch ([`CoreError::Usage`]):
    /// the batch would keep its first transaction from committing.
    pub fn gc(&self, opts: &GcOptions) -> Result<GcReport, CoreError> {
        self.gc_pausing(opts, &mut || {})
    }

    /// [`Home::gc`], calling `after_commit` between its two transactions: a test hook, to look
    /// at the home, or change it, as another process could at that moment.
    #[doc(hidden)]
    pub fn gc_pausing(
        &self,
        opts: &GcOptions,
        after_commit: &mut dyn FnMut(),
    ) -> Result<GcReport, CoreError> {
        if self.in_batch() && !opts.dry_run {
            return Err(CoreError::Usage(
                "gc cannot run inside a batch: it removes blob files only after its own commit".into(),
            ));
        }
        let (mut report, files) = self.write(|| self.gc_decide(opts))?;
        if let Some(files) = files {
            after_commit();
            self.gc_remove_files(files, &mut report)?;
        }
        // Give the space of deleted inline blobs back to the filesystem: rebuild the database
        // and empty the write-ahead log (best effort: a busy reader only delays the latter).
        if !opts.dry_run && report.removed.iter().any(|(_, size)| *size <= INLINE_MAX as u64) {
            self.conn.execute_batch("VACUUM").map_err(|e| self.sql(e))?;
            let _ = self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
        Ok(report)
    }

    /// gc's first transaction: what goes, with the inline blobs deleted and the dropped ones
    /// recorded; the files to remove after the commit (`None` in a dry run).
    fn gc_decide(&self, opts: &GcOptions) -> Result<(GcReport, Option<GcFiles>), CoreError> {
        let blobs = self.list()?;
        let (refs, rewinds) = self.references()?;
        let drops = match opts.drop_recoverable {
            true => self.recoverable(&blobs, &refs, &rewinds),
            false => BTreeMap::new(),
        };
        let mut report = GcReport::default();
        let (mut removed_inline, mut files) = (Vec::new(), Vec::new());
        for blob in &blobs {
            let name = blob.cid.to_hex();
            if blob.pinned || (refs.contains_key(&name) && !drops.contains_key(&blob.cid)) {
                report.kept += 1;
                continue;
            }
            report.removed.push((blob.cid, blob.size));
            report.freed_bytes += blob.size;
            match blob.inline {
                true => removed_inline.push(name),
                false => files.push((blob.cid, blob.size)),
            }
        }
        let stale = self.stale_temps()?;
        report.stale_temp = stale.len();
        report.stale_temp_bytes = stale.iter().map(|(_, size)| size).sum();
        if opts.dry_run {
            return Ok((report, None));
        }
        for name in &removed_inline {
            self.conn
                .prepare_cached("DELETE FROM blobs WHERE cid = ?1")
                .and_then(|mut s| s.execute([name]))
                .map_err(|e| self.sql(e))?;
        }
        for (cid, run) in &drops {
            let run = i64::try_from(*run).map_err(|_| self.bad_ledger("a run id is too big"))?;
            self.conn
                .prepare_cached("INSERT OR REPLACE INTO dropped (cid, run) VALUES (?1, ?2)")
                .and_then(|mut s| s.execute(rusqlite::params![cid.to_hex(), run]))
                .map_err(|e| self.sql(e))?;
        }
        let head = self.read_head()?;
        Ok((report, Some(GcFiles { files, drops, refs, head, stale })))
    }

    /// gc's second transaction, after the first committed: removes the files it chose, but
    /// keeps (and takes out of `report`) any blob pinned since, or named by a record appended
    /// since other than as the input of a lossless run it dropped.
    fn gc_remove_files(&self, plan: GcFiles, report: &mut GcReport) -> Result<(), CoreError> {
        self.write(|| {
            let pins = self.pins()?;
            let appended;
            let refs = match self.read_head()? == plan.head {
                true => &plan.refs,
                false => {
                    appended = self.references()?.0;
                    &appended
                }
            };
            for (cid, size) in plan.files {
                let unneeded = !pins.contains(&cid)
                    && refs
                        .get(&cid.to_hex())
                        .is_none_or(|r| plan.drops.contains_key(&cid) && r.total == r.as_lossless_input);
                if unneeded {
                    remove_if_present(&self.blob_path(&cid))?;
                } else {
                    report.removed.retain(|(removed, _)| *removed != cid);
                    report.freed_bytes -= size;
                    report.kept += 1;
                }
            }
            for (path, _) in &plan.stale {
                remove_if_present(path)?;
            }
            Ok(())
        })
    }

    /// The run to rewind to recover blob `cid`, if `gc --drop-recoverable` removed it (and it
    /// has not been stored again since).
    pub fn dropped_as_recoverable(&self, cid: &Cid) -> Result<Option<u64>, CoreError> {
        if self.has(cid)? {
            return Ok(None);
        }
        self.dropped_run(cid)
    }

    fn put_inline(&self, cid: &Cid, bytes: &[u8]) -> Result<(), CoreError> {
        // A batch holds the write lock already; outside one, looking first spares taking it.
        if !self.in_batch() && self.inline_size(cid)?.is_some() {
            return Ok(());
        }
        self.write(|| {
            self.conn
                .prepare_cached("INSERT OR IGNORE INTO blobs (cid, data) VALUES (?1, ?2)")
                .and_then(|mut s| s.execute(rusqlite::params![cid.to_hex(), bytes]))
                .map_err(|e| self.sql(e))?;
            Ok(())
        })
    }

    /// Writes a file blob: temp file, fsync, rename into place, fsync of the directory.
    ///
    /// A regular file at the blob's path is the blob already stored. Anything else there is not
    /// a blob (§2.3 of spec/ledger.md) and is replaced: the rename takes the place of a FIFO,
    /// socket, device or symlink (never followed), and an empty directory is removed first; a
    /// directory that holds something is an error, so the caller never takes a blob for stored
    /// that cannot be read.
    fn put_file(&self, cid: &Cid, bytes: &[u8]) -> Result<(), CoreError> {
        let name = cid.to_hex();
        let dir = self.blobs_dir().join(&name[..2]);
        let path = dir.join(&name[2..]);
        match fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => return Ok(()),
            Ok(m) if m.is_dir() => remove_empty_dir(&path)?,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(blob_io(&path, e)),
        }
        let tmp = self.tmp_dir().join(temp_name());
        let written = write_synced(&tmp, bytes)
            .and_then(|()| self.make_fan_dir(&dir))
            .and_then(|()| fs::rename(&tmp, &path).map_err(|e| CoreError::io(&path, e)));
        if let Err(e) = written {
            // The temp file is garbage now; gc would remove it later anyway.
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        sync_dir(&dir)
    }

    fn make_fan_dir(&self, dir: &Path) -> Result<(), CoreError> {
        match fs::create_dir(dir) {
            Ok(()) => sync_dir(&self.blobs_dir()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(CoreError::io(dir, e)),
        }
    }

    fn blob_path(&self, cid: &Cid) -> PathBuf {
        let name = cid.to_hex();
        self.blobs_dir().join(&name[..2]).join(&name[2..])
    }

    fn inline_size(&self, cid: &Cid) -> Result<Option<u64>, CoreError> {
        self.conn
            .prepare_cached("SELECT length(data) FROM blobs WHERE cid = ?1")
            .and_then(|mut s| s.query_row([cid.to_hex()], |r| r.get::<_, i64>(0)).optional())
            .map(|size| size.map(|n| u64::try_from(n).unwrap_or(0)))
            .map_err(|e| self.sql(e))
    }

    fn inline_data(&self, cid: &Cid) -> Result<Option<Vec<u8>>, CoreError> {
        self.conn
            .prepare_cached("SELECT data FROM blobs WHERE cid = ?1")
            .and_then(|mut s| s.query_row([cid.to_hex()], |r| Ok(value_bytes(r.get_ref(0)?))).optional())
            .map_err(|e| self.sql(e))
    }

    fn pins(&self) -> Result<HashSet<Cid>, CoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT cid FROM pins").map_err(|e| self.sql(e))?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(|e| self.sql(e))?;
        let mut pins = HashSet::new();
        for name in rows {
            if let Some(cid) = canonical_cid(&name.map_err(|e| self.sql(e))?) {
                pins.insert(cid);
            }
        }
        Ok(pins)
    }

    fn dropped_run(&self, cid: &Cid) -> Result<Option<u64>, CoreError> {
        self.conn
            .prepare_cached("SELECT run FROM dropped WHERE cid = ?1")
            .and_then(|mut s| s.query_row([cid.to_hex()], |r| r.get::<_, i64>(0)).optional())
            .map(|run| run.and_then(|r| u64::try_from(r).ok()))
            .map_err(|e| self.sql(e))
    }

    /// The error for a blob that is not in the store: [`CoreError::Dropped`] if gc dropped it.
    fn missing(&self, cid: &Cid) -> Result<CoreError, CoreError> {
        Ok(match self.dropped_run(cid)? {
            Some(run) => CoreError::Dropped { cid: cid.to_hex(), run },
            None => CoreError::NotFound { cid: cid.to_hex() },
        })
    }

    /// The error for a prefix that names no blob: [`CoreError::Dropped`] if it names exactly one
    /// dropped blob.
    fn dropped_prefix(&self, prefix: &str, upper: &str) -> Result<CoreError, CoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT cid, run FROM dropped WHERE cid >= ?1 AND cid < ?2 LIMIT 2")
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([prefix, upper], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(match rows.as_slice() {
            [(cid, run)] if *run >= 0 => CoreError::Dropped { cid: cid.clone(), run: run.unsigned_abs() },
            _ => CoreError::NotFound { cid: prefix.to_string() },
        })
    }

    /// Everything under `store/blobs/`.
    fn files(&self) -> Result<Vec<FileEntry>, CoreError> {
        let top = self.blobs_dir();
        let mut out = Vec::new();
        for entry in read_dir(&top)? {
            let (path, name, is_dir) = entry;
            let fan = name.filter(|n| n.len() == 2 && is_lower_hex(n));
            match fan {
                Some(fan) if is_dir => {
                    // A directory named as a blob is that blob's entry, not a regular file.
                    for (path, name, _) in read_dir(&path)? {
                        let cid =
                            name.filter(|n| n.len() == 62).and_then(|n| canonical_cid(&format!("{fan}{n}")));
                        if let Some((size, special)) = entry_kind(&path)? {
                            out.push(FileEntry { path, cid, size, special });
                        }
                    }
                }
                _ => {
                    if let Some((size, special)) = entry_kind(&path)? {
                        out.push(FileEntry { path, cid: None, size, special });
                    }
                }
            }
        }
        Ok(out)
    }

    /// Temp files in `store/tmp/` whose writer is gone: older than [`STALE_TEMP_AGE`], or
    /// older than [`DEAD_WRITER_TEMP_AGE`] and named after a process not running here. Each
    /// with its size in bytes.
    fn stale_temps(&self) -> Result<Vec<(PathBuf, u64)>, CoreError> {
        let now = SystemTime::now();
        let procs = Path::new("/proc/self").exists();
        let mut stale = Vec::new();
        for (path, name, is_dir) in read_dir(&self.tmp_dir())? {
            if is_dir {
                continue;
            }
            let (age, size) = match fs::symlink_metadata(&path).and_then(|m| Ok((m.modified()?, m.len()))) {
                Ok((modified, size)) => (now.duration_since(modified).unwrap_or(Duration::ZERO), size),
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(CoreError::io(path, e)),
            };
            let writer_gone = || {
                procs
                    && name
                        .as_deref()
                        .and_then(|n| n.split('-').next())
                        .and_then(|pid| pid.parse::<u32>().ok())
                        .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists())
            };
            if age > STALE_TEMP_AGE || (age > DEAD_WRITER_TEMP_AGE && writer_gone()) {
                stale.push((path, size));
            }
        }
        Ok(stale)
    }

    /// How each CID is referred to by the ledger's records, and the lossless runs in id order.
    fn references(&self) -> Result<(HashMap<String, Refs>, Vec<Rewind>), CoreError> {
        let mut refs: HashMap<String, Refs> = HashMap::new();
        let mut rewinds = Vec::new();
        let mut exact_programs: HashMap<String, bool> = HashMap::new();
        let mut stmt =
            self.conn.prepare("SELECT id, kind, body FROM records ORDER BY id").map_err(|e| self.sql(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.sql(e))?;
        while let Some(row) = rows.next().map_err(|e| self.sql(e))? {
            let id: i64 = row.get(0).map_err(|e| self.sql(e))?;
            let kind: String = row.get(1).map_err(|e| self.sql(e))?;
            let body: String = row.get(2).map_err(|e| self.sql(e))?;
            let value: serde_json::Value = serde_json::from_str(&body).map_err(|e| {
                self.bad_ledger(format!(
                    "record {id} cannot be read ({e}), so gc cannot tell what it needs: \
                     run `rdx ledger verify`"
                ))
            })?;
            // A probe names what it timed; it does not need the blob kept.
            if kind == crate::probe::KIND {
                continue;
            }
            each_cid(&value, &mut |cid| refs.entry(cid).or_default().total += 1);
            if kind != RUN {
                continue;
            }
            let Ok(run) = serde_json::from_value::<NewRun>(value) else { continue };
            let mut exact = || {
                run.kernels.is_empty()
                    && *exact_programs
                        .entry(run.program.to_ascii_lowercase())
                        .or_insert_with(|| self.rewinds_bit_for_bit(&run.program))
            };
            if let (true, Some(output), Ok(id)) = (run.is_lossless(), &run.output, u64::try_from(id))
                && exact()
            {
                refs.entry(run.input.to_ascii_lowercase()).or_default().as_lossless_input += 1;
                rewinds.push((id, run.input.to_ascii_lowercase(), output.to_ascii_lowercase()));
            }
        }
        Ok((refs, rewinds))
    }

    /// Whether rewinding a lossless run of `program` gives its input back bit for bit: not if
    /// the program calls a kernel on a float buffer (a unitary kernel's inverse undoes it up
    /// to rounding, and −0.0 comes back as +0.0), nor if the module cannot be read from the
    /// store (then nothing is assumed). A run with user kernels is left out by its caller.
    fn rewinds_bit_for_bit(&self, program: &str) -> bool {
        let Some(cid) = canonical_cid(&program.to_ascii_lowercase()) else { return false };
        let Ok(bytes) = self.read_verified(&cid) else { return false };
        let Ok(module) = rdx_vm::Module::decode(&bytes) else { return false };
        !calls_float_kernel(&module)
    }

    /// The blobs `gc --drop-recoverable` may drop, each with the run that recovers it.
    fn recoverable(
        &self,
        blobs: &[BlobInfo],
        refs: &HashMap<String, Refs>,
        rewinds: &[Rewind],
    ) -> BTreeMap<Cid, u64> {
        let present: HashMap<Cid, &BlobInfo> = blobs.iter().map(|b| (b.cid, b)).collect();
        let mut sound: HashMap<Cid, bool> = HashMap::new();
        let mut drops = BTreeMap::new();
        for (run, input, output) in rewinds {
            let (Some(i), Some(o)) = (canonical_cid(input), canonical_cid(output)) else { continue };
            if i == o || drops.contains_key(&i) || drops.contains_key(&o) {
                continue;
            }
            if present.get(&i).is_none_or(|b| b.pinned) || !present.contains_key(&o) {
                continue;
            }
            if refs.get(input).is_none_or(|r| r.total != r.as_lossless_input) {
                continue;
            }
            if *sound.entry(o).or_insert_with(|| self.read_verified(&o).is_ok()) {
                drops.insert(i, *run);
            }
        }
        drops
    }
}

/// Whether `module` calls a kernel on a float buffer (`f64`, `c64`, or an element type it does
/// not name): rewinding a run of it gives the input back only up to rounding, and −0.0 comes
/// back as +0.0, so such a run is not rewound bit for bit (`gc --drop-recoverable` keeps its
/// input, `rdx rewind` says why it may differ).
pub fn calls_float_kernel(module: &rdx_vm::Module) -> bool {
    module.genes.iter().flat_map(|g| &g.code).any(|op| match *op {
        rdx_vm::ops::Op::Kernel { elem, .. } | rdx_vm::ops::Op::KernelInv { elem, .. } => {
            rdx_vm::ops::kernel_elem(elem).is_none_or(|e| e.is_float())
        }
        _ => false,
    })
}

/// The CID `text` writes in canonical form (64 lowercase hex digits), if it does.
fn canonical_cid(text: &str) -> Option<Cid> {
    if text.len() == 64 && is_lower_hex(text) { Cid::parse(text).ok() } else { None }
}

fn is_lower_hex(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Calls `f` with every string in `value` (keys too) that is a CID in either case, lowercased.
fn each_cid(value: &serde_json::Value, f: &mut impl FnMut(String)) {
    fn visit(s: &str, f: &mut impl FnMut(String)) {
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            f(s.to_ascii_lowercase());
        }
    }
    match value {
        serde_json::Value::String(s) => visit(s, f),
        serde_json::Value::Array(items) => items.iter().for_each(|v| each_cid(v, f)),
        serde_json::Value::Object(fields) => {
            for (k, v) in fields {
                visit(k, f);
                each_cid(v, f);
            }
        }
        _ => {}
    }
}

/// The bytes an inline blob's cell holds, whatever SQL put there.
fn value_bytes(value: ValueRef<'_>) -> Vec<u8> {
    match value {
        ValueRef::Null => Vec::new(),
        ValueRef::Integer(n) => n.to_string().into_bytes(),
        ValueRef::Real(x) => x.to_string().into_bytes(),
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => bytes.to_vec(),
    }
}

/// A temp file name unique to this process and call, starting with the process id.
pub(crate) fn temp_name() -> String {
    let seq = TEMP_SEQ.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{}-{seq}-{nanos}.tmp", std::process::id())
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), CoreError> {
    let mut file = fs::File::create_new(path).map_err(|e| CoreError::io(path, e))?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(|e| CoreError::io(path, e))
}

pub(crate) fn sync_dir(dir: &Path) -> Result<(), CoreError> {
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| CoreError::io(dir, e))
}

fn remove_if_present(path: &Path) -> Result<(), CoreError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(CoreError::io(path, e)),
        _ => Ok(()),
    }
}

/// Removes the directory at a blob's path so the blob can take its place: only if it is empty
/// (or vanished meanwhile); one that holds something is an error that says so.
fn remove_empty_dir(path: &Path) -> Result<(), CoreError> {
    match fs::remove_dir(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::DirectoryNotEmpty => {
            let why = "a directory that is not empty stands where this blob belongs, so the blob cannot be \
                       stored (the store was changed on disk): move the directory away";
            Err(CoreError::io(path, io::Error::new(io::ErrorKind::DirectoryNotEmpty, why)))
        }
        Err(e) => Err(CoreError::io(path, e)),
    }
}

/// The entries of `dir`: path, name (if UTF-8) and whether it is a directory.
fn read_dir(dir: &Path) -> Result<Vec<(PathBuf, Option<String>, bool)>, CoreError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| CoreError::io(dir, e))? {
        let entry = entry.map_err(|e| CoreError::io(dir, e))?;
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        out.push((entry.path(), entry.file_name().into_string().ok(), is_dir));
    }
    Ok(out)
}

/// The size of the entry at `path` and what it is if not a regular file (a symlink is not
/// followed); `None` if it vanished meanwhile (another process's gc).
fn entry_kind(path: &Path) -> Result<Option<(u64, Option<&'static str>)>, CoreError> {
    match fs::symlink_metadata(path) {
        Ok(m) => Ok(Some((m.len(), special_kind(m.file_type())))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CoreError::io(path, e)),
    }
}

/// The error `e` of the blob file at `path`: when its fan-out directory (`store/blobs/ab`) is
/// no directory, that is what is wrong ([`not_a_directory`]), not the blob.
fn blob_io(path: &Path, e: io::Error) -> CoreError {
    let fan = path.parent().filter(|_| e.kind() == io::ErrorKind::NotADirectory);
    match fan.and_then(|d| fs::metadata(d).ok().filter(|m| !m.is_dir()).map(|m| (d, m))) {
        Some((dir, found)) => not_a_directory(dir, &found),
        None => CoreError::io(path, e),
    }
}

/// The error for a directory of the store that is something else (a regular file, a FIFO…).
pub(crate) fn not_a_directory(path: &Path, found: &fs::Metadata) -> CoreError {
    let kind = special_kind(found.file_type()).unwrap_or("a regular file");
    let why = format!("not a directory but {kind} (the store was changed on disk): move it away");
    CoreError::io(path, io::Error::new(io::ErrorKind::NotADirectory, why))
}

/// What an entry of type `t` is, in words, unless it is a regular file.
pub(crate) fn special_kind(t: fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    use std::os::unix::fs::FileTypeExt;
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    if t.is_symlink() {
        return Some("a symbolic link");
    }
    #[cfg(unix)]
    {
        if t.is_fifo() {
            return Some("a FIFO");
        }
        if t.is_socket() {
            return Some("a socket");
        }
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
    }
    Some("a special file")
}

/// The error for a blob path that holds something other than a regular file.
fn not_regular(path: &Path, kind: &str) -> CoreError {
    let why =
        format!("not a regular file but {kind}, so it is not read as a blob (the store was changed on disk)");
    CoreError::io(path, io::Error::new(io::ErrorKind::InvalidData, why))
}

/// Opens the blob file at `path` with its length, if it is a regular file: a FIFO would block
/// the reader and a symlink to a device could be endless, so anything else is [`not_regular`]
/// and never opened (a symlink is not followed). `None` if nothing is there.
fn open_regular(path: &Path) -> Result<Option<(fs::File, u64)>, CoreError> {
    let found = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(blob_io(path, e)),
    };
    if let Some(kind) = special_kind(found.file_type()) {
        return Err(not_regular(path, kind));
    }
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CoreError::io(path, e)),
    };
    // What was opened, in case the entry was replaced after it was looked at.
    let opened = file.metadata().map_err(|e| CoreError::io(path, e))?;
    if let Some(kind) = special_kind(opened.file_type()) {
        return Err(not_regular(path, kind));
    }
    Ok(Some((file, opened.len())))
}

/// The bytes of the blob file at `path`, opened as [`open_regular`] does; `None` if absent.
fn read_regular(path: &Path) -> Result<Option<Vec<u8>>, CoreError> {
    let Some((mut file, len)) = open_regular(path)? else { return Ok(None) };
    let mut bytes = Vec::new();
    bytes
        .try_reserve_exact(usize::try_from(len).unwrap_or(usize::MAX))
        .map_err(|e| CoreError::io(path, io::Error::new(io::ErrorKind::OutOfMemory, e.to_string())))?;
    file.read_to_end(&mut bytes).map_err(|e| CoreError::io(path, e))?;
    Ok(Some(bytes))
}

/// An error's reason without the path it names.
fn io_reason(e: &CoreError) -> String {
    match e {
        CoreError::Io { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}
