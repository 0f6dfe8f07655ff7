//! `rdx disasm FILE`: print a readable listing of a bytecode module.

use super::run::load;
use std::path::PathBuf;
use std::process::ExitCode;

/// Print a readable listing of a bytecode module (.rdxb; a source file is compiled first),
/// with gene names, slot names and the source line of each statement.
#[derive(clap::Args)]
pub struct Args {
    /// The module (.rdxb) or a program (.rdx, .ja).
    file: PathBuf,
}

pub fn run(args: Args) -> ExitCode {
    match load(&args.file, false, &Default::default()) {
        Ok(l) => {
            print!("{}", rdx_vm::disasm::disassemble(&l.module));
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}
