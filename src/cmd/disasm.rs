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
    /// List the backward streams instead: the code each gene runs backward (`--reverse`,
    /// `uncall`), which the loader builds from the forward code (statements last first, each
    /// replaced by its mirror; `if`/`from` with their conditions exchanged).
    #[arg(long)]
    backward: bool,
}

pub fn run(args: Args) -> ExitCode {
    match load(&args.file, false, &Default::default()) {
        Ok(l) => {
            let text = if args.backward {
                rdx_vm::disasm::disassemble_backward(&l.module)
            } else {
                rdx_vm::disasm::disassemble(&l.module)
            };
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}
