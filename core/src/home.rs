//! TEMPORARY stub (replaced by the ring0 branch).
use crate::error::CoreError;
use std::path::{Path, PathBuf};
pub struct Home {
    root: PathBuf,
}
impl Home {
    pub fn open(dir: Option<&Path>) -> Result<Home, CoreError> {
        Ok(Home { root: dir.map(Path::to_path_buf).unwrap_or_default() })
    }
    pub fn root(&self) -> &Path {
        &self.root
    }
}
