//! `rdx check FILE [--strict]`: compile, then report the five invariants I1–I5.
//!
//! Diagnostics go to stderr, the invariant report (one line per invariant) to stdout. Exit 0
//! when the program compiles and no invariant fails, 2 otherwise. Under `--strict` a program
//! whose only errors are lossy operations still gets its report, with I1 failing.

use crate::frontend::{EXIT_COMPILE, Source};
use rdx_lang::check::CheckOptions;
use rdx_lang::invariants;
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
    // Compile leniently first so that a strict-mode failure can still show the report.
    let checked = match src.compile(&CheckOptions { strict: false }) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if args.strict
        && let Err(diags) = rdx_lang::check::check(&checked.program, &CheckOptions { strict: true })
    {
        src.report(&diags);
    }
    let report = invariants::evaluate(&checked, args.strict);
    print!("{}", invariants::format_report(&report, &src.text));
    if invariants::any_fails(&report) { ExitCode::from(EXIT_COMPILE) } else { ExitCode::SUCCESS }
}
