//! `rdx check FILE [--strict] [--kernel FILE.wasm]…`: compile (parse, check, lower to bytecode),
//! then report the five invariants I1–I5 (I4 and I5 from the metadata of the kernels the
//! program calls).
//!
//! Diagnostics go to stderr, the invariant report (one line per invariant) to stdout. Exit 0
//! when the program compiles and no invariant fails, 2 otherwise. Under `--strict` a program
//! whose only errors are lossy operations still gets its report, with I1 failing.

use crate::frontend::{EXIT_COMPILE, Source};
use rdx_lang::check::{CheckOptions, check};
use rdx_lang::invariants;
use std::path::PathBuf;
use std::process::ExitCode;

/// Check a program's static rules and report the five invariants I1–I5.
#[derive(clap::Args)]
pub struct Args {
    /// The program (.rdx, or Janus .ja).
    pub(crate) file: PathBuf,
    /// Treat lossy operations (`:=`, `erase`) as an I1 failure.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    kernels: crate::kernels::KernelArgs,
}

pub fn run(args: Args) -> ExitCode {
    let src = match Source::read(&args.file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let catalogue = match crate::kernels::catalogue(&args.kernels) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let program = match src.parse() {
        Ok(p) => p,
        Err(diags) => {
            src.report(&diags);
            return ExitCode::from(EXIT_COMPILE);
        }
    };
    let checked = match check(&program, &CheckOptions { strict: args.strict, kernels: &catalogue }) {
        Ok(c) => {
            src.report(&c.warnings);
            c
        }
        Err(diags) => {
            src.report(&diags);
            // Only lossy operations refused by --strict: still show the report, with I1 failing.
            let only_lossy = args.strict && diags.iter().all(|d| d.code == rdx_lang::codes::Code::E0306);
            match check(&program, &CheckOptions { strict: false, kernels: &catalogue }) {
                Ok(c) if only_lossy => c,
                _ => return ExitCode::from(EXIT_COMPILE),
            }
        }
    };
    // The bytecode has limits of its own (E0902): a program that checks must also lower.
    if let Err(diags) = rdx_vm::compile(&checked, &src.name, &src.text) {
        src.report(&diags);
        return ExitCode::from(EXIT_COMPILE);
    }
    let report = invariants::evaluate(&checked, args.strict);
    print!("{}", invariants::format_report(&report, &src.text));
    if invariants::any_fails(&report) { ExitCode::from(EXIT_COMPILE) } else { ExitCode::SUCCESS }
}
