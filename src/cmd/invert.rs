//! `rdx invert FILE`: print the inverse program as rdx source.

use crate::frontend::Source;
use rdx_lang::check::CheckOptions;
use std::path::PathBuf;
use std::process::ExitCode;

/// Print the inverse program as readable rdx source (running it forward = running FILE backward).
#[derive(clap::Args)]
pub struct Args {
    /// The program (.rdx, or Janus .ja).
    pub(crate) file: PathBuf,
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
    match src.compile(&CheckOptions { strict: false, kernels: &catalogue }) {
        Ok(checked) => {
            let inverse = rdx_lang::invert::invert_program(&checked.program);
            print!("{}", rdx_lang::print::print_program(&inverse));
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}
