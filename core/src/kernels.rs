//! Kernels around a run: the catalogue the checker gets (the stdlib kernels plus user
//! kernels) and the WebAssembly host an engine calls for `kernel` statements.
//!
//! User kernels are bytes with a label (a file name, or a CID when they come from the store),
//! so a recorded run names its kernels by CID and a replay loads them from the store. The
//! stdlib catalogue is read from the kernels' metadata sections without compiling them, so
//! programs without kernels pay nothing for wasmtime; a host is started only when a module
//! calls a kernel or user kernels must be validated.

use crate::error::CoreError;
use rdx_kernels::{KernelHost, Limits};
use rdx_lang::kernels::KernelSig;
use rdx_vm::KernelCall;
use std::path::Path;

/// A user kernel: a WebAssembly module with `rdx.kernel` metadata (spec/kernels.md).
#[derive(Clone, Debug)]
pub struct UserKernel {
    /// What errors and listings call it (its file name).
    pub label: String,
    pub bytes: Vec<u8>,
}

impl UserKernel {
    /// Reads a kernel file; one that cannot be read is a usage error.
    pub fn read(path: &Path) -> Result<UserKernel, CoreError> {
        let bytes = std::fs::read(path)
            .map_err(|e| CoreError::Usage(format!("cannot read kernel {}: {e}", path.display())))?;
        Ok(UserKernel { label: path.display().to_string(), bytes })
    }
}

/// A host with the stdlib kernels and `user` loaded; a kernel that does not load is a usage
/// error with the host's message.
pub fn host(user: &[UserKernel]) -> Result<KernelHost, CoreError> {
    let usage = |e: rdx_kernels::KernelError| CoreError::Usage(e.to_string());
    let mut host = KernelHost::new(Limits::default()).map_err(usage)?;
    host.register_stdlib().map_err(usage)?;
    for k in user {
        host.load_bytes(&k.bytes, &k.label).map_err(usage)?;
    }
    Ok(host)
}

/// The host an engine calls, verifying every call when `checked` (see `rdx run --checked`).
pub fn engine_host(user: &[UserKernel], checked: bool) -> Result<Box<dyn KernelCall + Send>, CoreError> {
    Ok(Box::new(rdx_kernels::bridge::HostCall { host: host(user)?, checked }))
}

/// The catalogue for the checker: the stdlib kernels, plus `user`. A user kernel is checked
/// (size bounds, imports, exports, metadata, valid code) but not compiled: the checker needs
/// its metadata only (`KernelHost::declare_bytes`). One that fails is a usage error.
pub fn catalogue(user: &[UserKernel]) -> Result<Vec<KernelSig>, CoreError> {
    if user.is_empty() {
        return Ok(stdlib_catalogue().to_vec());
    }
    let usage = |e: rdx_kernels::KernelError| CoreError::Usage(e.to_string());
    let mut host = KernelHost::new(Limits::default()).map_err(usage)?;
    host.register_stdlib().map_err(usage)?;
    for k in user {
        host.declare_bytes(&k.bytes, &k.label).map_err(usage)?;
    }
    Ok(host.kernels().iter().map(rdx_kernels::bridge::sig_of).collect())
}

/// The stdlib kernels' signatures, read once.
pub fn stdlib_catalogue() -> &'static [KernelSig] {
    static CATALOGUE: std::sync::OnceLock<Vec<KernelSig>> = std::sync::OnceLock::new();
    CATALOGUE.get_or_init(rdx_kernels::bridge::stdlib_catalogue)
}

pub use rdx_kernels::bridge::needs_host;
