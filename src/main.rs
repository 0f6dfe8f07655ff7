//! `rdx`: the command-line front of the rdx toolchain.
//!
//! Each subcommand lives in its own file under `cmd/`; [`frontend`] is the one path from a file
//! on disk to checked IR (with diagnostics rendered to stderr) that they all share.

mod cmd;
mod frontend;
mod kernels;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// rdx (Redoxa): write a reversible program once, run it forward or backward.
///
/// Programs are `.rdx` files (or Janus `.ja`). Typical use:
///
///   rdx check stdlib/fib.rdx          check the five invariants
///   rdx run stdlib/fib.rdx --set n=10 run forward
///   rdx run stdlib/fib.rdx --reverse --set x1=89 --set x2=144
///   rdx invert stdlib/fib.rdx         print the inverse program
///   rdx asm stdlib/fib.rdx -o fib.rdxb && rdx disasm fib.rdxb
///   rdx kernels                       list the kernels (`kernel fft(buf)`)
///
/// Exit codes: 0 ok, 1 run-time error, 2 usage or compile error.
#[derive(Parser)]
#[command(name = "rdx", version, verbatim_doc_comment)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Check(cmd::check::Args),
    Invert(cmd::invert::Args),
    Asm(cmd::asm::Args),
    Disasm(cmd::disasm::Args),
    Run(cmd::run::Args),
    Kernels(cmd::kernels::Args),
}

/// Deeply nested input is rejected by the parser, but the remaining recursion (checker,
/// printer, dropping trees) gets a generous stack so no accepted input can overflow it.
const STACK_SIZE: usize = 256 << 20;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let worker = std::thread::Builder::new().stack_size(STACK_SIZE).spawn(move || match cli.command {
        Command::Check(args) => cmd::check::run(args),
        Command::Invert(args) => cmd::invert::run(args),
        Command::Asm(args) => cmd::asm::run(args),
        Command::Disasm(args) => cmd::disasm::run(args),
        Command::Run(args) => cmd::run::run(args),
        Command::Kernels(args) => cmd::kernels::run(args),
    });
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("error: internal error (please report it)");
            ExitCode::from(101)
        }
    }
}
