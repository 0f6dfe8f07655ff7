//! `rdx asm FILE [-o OUT]`: compile to a bytecode module and print its CID.

use super::run::load_with_ir;
use crate::frontend::usage_error;
use std::path::PathBuf;
use std::process::ExitCode;

/// Assemble a program into a bytecode module (.rdxb) and print its CID (blake3 of the bytes).
#[derive(clap::Args)]
pub struct Args {
    /// The program (.rdx, or Janus .ja).
    file: PathBuf,
    /// Where to write the module (default: FILE with the extension .rdxb).
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
    /// Refuse lossy operations (`:=`, `erase`).
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    kernels: crate::kernels::KernelArgs,
}

pub fn run(args: Args) -> ExitCode {
    if super::run::is_module_path(&args.file) {
        return usage_error(&format!("{} is already a bytecode module", args.file.display()));
    }
    let (loaded, ir) = match load_with_ir(&args.file, args.strict, &args.kernels) {
        Ok(l) => l,
        Err(code) => return code,
    };
    // The process ends right after writing the module: the IR (a node per statement, operand
    // and name) is left to the operating system rather than freed node by node, which took
    // about a tenth of `rdx asm` on large genes.
    std::mem::forget(ir);
    let bytes = loaded.module.encode();
    let out = args.output.unwrap_or_else(|| args.file.with_extension("rdxb"));
    if let Err(e) = std::fs::write(&out, &bytes) {
        return usage_error(&format!("cannot write {}: {e}", out.display()));
    }
    println!("{}", rdx_vm::module::cid_of(&bytes));
    ExitCode::SUCCESS
}
