//! Kernels for the CLI: the `--kernel FILE.wasm` option and the catalogue the checker gets (I4,
//! I5, E0215/E0216); the bridge that lets either engine run `kernel` statements on the
//! WebAssembly host is `rdx_kernels::bridge`, shared with the Python package.
//!
//! The stdlib catalogue is read from the kernels' metadata sections without compiling them,
//! so `rdx check` and programs without kernels pay nothing for wasmtime; a [`KernelHost`] is
//! created only when a module actually calls a kernel, or when `--kernel` files must be
//! validated.

use crate::frontend::usage_error;
use rdx_kernels::{KernelHost, Limits};
use rdx_lang::kernels::KernelSig;
use std::path::PathBuf;
use std::process::ExitCode;

/// `--kernel FILE.wasm`, shared by the subcommands that need kernels.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct KernelArgs {
    /// Load a user kernel (a WebAssembly module with `rdx.kernel` metadata, see
    /// spec/kernels.md); its name and its mirror's become usable as `kernel NAME(buf)`.
    /// Repeatable.
    #[arg(long = "kernel", value_name = "FILE.wasm")]
    pub kernel: Vec<PathBuf>,
}

/// A host with the stdlib kernels and the `--kernel` files loaded. A file that does not load
/// is a usage error (exit 2) with the host's message.
pub fn host(args: &KernelArgs) -> Result<KernelHost, ExitCode> {
    let mut host = KernelHost::new(Limits::default()).map_err(|e| usage_error(&e.to_string()))?;
    host.register_stdlib().map_err(|e| usage_error(&e.to_string()))?;
    for path in &args.kernel {
        host.load_user(path).map_err(|e| usage_error(&e.to_string()))?;
    }
    Ok(host)
}

/// The catalogue for the checker: the stdlib kernels plus the `--kernel` files (loaded and
/// validated through a host only when there are any).
pub fn catalogue(args: &KernelArgs) -> Result<Vec<KernelSig>, ExitCode> {
    if args.kernel.is_empty() {
        return Ok(rdx_kernels::bridge::stdlib_catalogue());
    }
    Ok(host(args)?.kernels().iter().map(rdx_kernels::bridge::sig_of).collect())
}

pub use rdx_kernels::bridge::{HostCall, needs_host};
