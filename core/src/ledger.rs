//! TEMPORARY stub (replaced by the ring0 branch).
use crate::{CoreError, Home};
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NewRun {
    pub started: String,
    pub ended: String,
    pub program: String,
    pub entry: String,
    pub direction: String,
    pub backend: String,
    pub backend_reason: Option<String>,
    pub input: String,
    pub output: Option<String>,
    pub tape: Option<String>,
    pub erased_bits: u64,
    pub landauer_joules: f64,
    pub instructions: Option<u64>,
    pub wall_ns: u64,
    pub outcome: String,
    pub code: Option<String>,
    pub message: Option<String>,
    pub rdx_version: String,
    pub host: String,
    pub parent: Option<u64>,
    pub kernels: Vec<String>,
    pub flags: Vec<String>,
}
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    pub id: u64,
    #[serde(flatten)]
    pub run: NewRun,
    pub prev: String,
    pub hash: String,
}
pub const LANDAUER_JOULES_PER_BIT: f64 = 2.87e-21;
pub fn timestamp(_t: std::time::SystemTime) -> String {
    todo!()
}
pub fn host_name() -> String {
    todo!()
}
impl Home {
    pub fn record_run(&self, _r: &NewRun) -> Result<RunRecord, CoreError> {
        todo!()
    }
    pub fn run_record(&self, _id: u64) -> Result<RunRecord, CoreError> {
        todo!()
    }
}
pub struct LedgerReport {
    pub records: u64,
    pub first_bad: Option<(u64, String)>,
}
impl Home {
    pub fn runs(&self, _l: Option<usize>, _p: Option<&crate::Cid>) -> Result<Vec<RunRecord>, CoreError> {
        todo!()
    }
    pub fn verify_ledger(&self) -> Result<LedgerReport, CoreError> {
        todo!()
    }
}
