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

/// What the inverse of a Janus program says first: it is rdx source, and rdx's arithmetic is
/// not Janus's, so running it is not always running the Janus program backward.
const JANUS_NOTE: &str = "\
// The inverse of a Janus program, printed as rdx source. rdx's arithmetic is not Janus's:
// `/` and `%` round toward zero (Janus: down) and `+`, `-`, `*` wrap (Janus: an overflow is
// an error), and `top(s)`, `size`, `empty` and a comparison's result are unsigned words (a
// negative `top(s)` compares, divides and shifts as a large number), so where those differ
// this file computes another result than `rdx run --reverse` of the Janus program, which
// keeps Janus's arithmetic. A stack holds words: it takes a negative value as given
// (`--set s=[-5]`) but shows it unsigned (`-5` is 18446744073709551611).

";

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
            let mut inverse = rdx_lang::invert::invert_program(&checked.program);
            if checked.program.dialect == rdx_lang::ast::Dialect::Janus {
                print!("{JANUS_NOTE}");
                // Janus names that rdx cannot read (`x'`, `swap`) get names it can.
                let renamed = rdx_lang::print::rdx_names(&mut inverse);
                if !renamed.is_empty() {
                    let list: Vec<String> = renamed.iter().map(|(a, b)| format!("`{a}` is `{b}`")).collect();
                    println!("// Names that are not rdx names, renamed: {}.\n", list.join(", "));
                }
            }
            print!("{}", rdx_lang::print::print_program(&inverse));
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}
