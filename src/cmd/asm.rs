//! `rdx asm FILE [-o OUT]`: compile to a bytecode module and print its CID.

use crate::frontend::{self, usage_error};
use std::path::PathBuf;
use std::process::ExitCode;

/// Assemble a program into a bytecode module (.rdxb) and print its CID (blake3 of the bytes).
#[derive(clap::Args)]
pub struct Args {
    /// The program (.rdx, or Janus .ja).
    pub(crate) file: PathBuf,
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
    if rdx_core::run::is_module_path(&args.file) {
        return usage_error(&format!("{} is already a bytecode module", args.file.display()));
    }
    let kernels = match args.kernels.read() {
        Ok(k) => k,
        Err(code) => return code,
    };
    let mut program = match rdx_core::run::Program::from_path(&args.file, args.strict, &kernels) {
        Ok(p) => p,
        Err(e) => return frontend::load_failed(e),
    };
    if let (Some(c), Some(text)) = (&program.checked, &program.text) {
        frontend::report(&c.warnings, &program.name, text);
    }
    let ir = program.checked.take();
    // The process ends right after writing the module: the IR (a node per statement, operand
    // and name) is left to the operating system rather than freed node by node, which took
    // about a tenth of `rdx asm` on large genes.
    std::mem::forget(ir);
    let bytes = program.module.encode();
    let out = args.output.unwrap_or_else(|| args.file.with_extension("rdxb"));
    if let Err(e) = std::fs::write(&out, &bytes) {
        return usage_error(&format!("cannot write {}: {e}", out.display()));
    }
    println!("{}", rdx_vm::module::cid_of(&bytes));
    ExitCode::SUCCESS
}
