//! `rdx check FILE`: compile and report the five invariants. (being written)

use crate::frontend::Source;
use rdx_lang::check::CheckOptions;
use std::path::PathBuf;
use std::process::ExitCode;

/// Check a program's static rules and report the five invariants I1–I5.
#[derive(clap::Args)]
pub struct Args {
    /// The program (.rdx, or Janus .ja).
    file: PathBuf,
    /// Treat lossy operations (`:=`, `erase`) as an I1 failure.
    #[arg(long)]
    strict: bool,
}

pub fn run(args: Args) -> ExitCode {
    let src = match Source::read(&args.file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match src.compile(&CheckOptions { strict: args.strict }) {
        Ok(_) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}
