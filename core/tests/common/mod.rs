//! What the core's integration tests share.

use rdx_core::Cid;
use rdx_core::ledger::NewRun;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("rdx-core-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A run from `input` to `output` of `program`; lossless unless changed.
pub fn run(program: &Cid, input: &Cid, output: Option<&Cid>) -> NewRun {
    NewRun {
        started: "2026-12-03T21:28:07.000000000Z".into(),
        ended: "2026-12-03T21:28:07.000000001Z".into(),
        program: program.to_hex(),
        entry: "main".into(),
        direction: "forward".into(),
        backend: "interp".into(),
        backend_reason: None,
        input: input.to_hex(),
        output: output.map(Cid::to_hex),
        tape: None,
        erased_bits: 0,
        landauer_joules: 0.0,
        instructions: None,
        wall_ns: 1,
        outcome: "ok".into(),
        code: None,
        message: None,
        rdx_version: "0.1.0".into(),
        host: "testhost".into(),
        parent: None,
        kernels: vec![],
        flags: vec![],
        printed: None,
        tape_in: None,
    }
}
