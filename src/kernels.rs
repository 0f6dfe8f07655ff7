//! Kernels for the CLI: the `--kernel FILE.wasm` option. The catalogue the checker gets and
//! the host engines call live in `rdx_core::kernels`, shared with the Python package.

use crate::frontend::fail;
use rdx_core::kernels::UserKernel;
use rdx_kernels::KernelHost;
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

impl KernelArgs {
    /// The kernel files' bytes; a file that cannot be read is a usage error (exit 2).
    pub fn read(&self) -> Result<Vec<UserKernel>, ExitCode> {
        self.kernel.iter().map(|p| UserKernel::read(p).map_err(fail)).collect()
    }
}

/// A host with the stdlib kernels and the `--kernel` files loaded. A file that does not load
/// is a usage error (exit 2) with the host's message.
pub fn host(args: &KernelArgs) -> Result<KernelHost, ExitCode> {
    rdx_core::kernels::host(&args.read()?).map_err(fail)
}

/// The catalogue for the checker: the stdlib kernels plus the `--kernel` files.
pub fn catalogue(args: &KernelArgs) -> Result<Vec<KernelSig>, ExitCode> {
    rdx_core::kernels::catalogue(&args.read()?).map_err(fail)
}
