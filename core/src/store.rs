//! TEMPORARY stub (replaced by the ring0 branch).
use crate::{Cid, CoreError, Home};
pub struct Batch<'h> {
    _h: &'h Home,
}
impl Home {
    pub fn put(&self, _b: &[u8]) -> Result<Cid, CoreError> {
        todo!()
    }
    pub fn get(&self, _c: &Cid) -> Result<Vec<u8>, CoreError> {
        todo!()
    }
    pub fn has(&self, _c: &Cid) -> Result<bool, CoreError> {
        todo!()
    }
    pub fn resolve(&self, _t: &str) -> Result<Cid, CoreError> {
        todo!()
    }
}
impl Batch<'_> {
    pub fn put(&self, _b: &[u8]) -> Result<Cid, CoreError> {
        todo!()
    }
    pub fn record_run(&self, _r: &crate::ledger::NewRun) -> Result<crate::ledger::RunRecord, CoreError> {
        todo!()
    }
}
pub struct BlobInfo {
    pub cid: Cid,
    pub size: u64,
    pub inline: bool,
    pub pinned: bool,
}
pub struct GcOptions {
    pub dry_run: bool,
    pub drop_recoverable: bool,
}
pub struct GcReport {
    pub removed: Vec<(Cid, u64)>,
    pub kept: usize,
    pub freed_bytes: u64,
}
impl Home {
    pub fn list(&self) -> Result<Vec<BlobInfo>, CoreError> {
        todo!()
    }
    pub fn pin(&self, _c: &Cid) -> Result<(), CoreError> {
        todo!()
    }
    pub fn unpin(&self, _c: &Cid) -> Result<(), CoreError> {
        todo!()
    }
    pub fn verify(&self) -> Result<Vec<(Cid, String)>, CoreError> {
        todo!()
    }
    pub fn gc(&self, _o: &GcOptions) -> Result<GcReport, CoreError> {
        todo!()
    }
    pub fn size(&self) -> Result<u64, CoreError> {
        todo!()
    }
}
