//! `rdx`: the command-line front of the rdx toolchain.
//!
//! Each subcommand lives in its own file under `cmd/`; [`frontend`] is the one path from a file
//! on disk to checked IR (with diagnostics rendered to stderr) that they all share.

mod cmd;
mod frontend;
mod kernels;
mod memory;

use clap::{Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

/// The front end builds a tree node per statement, operand and name and frees them again;
/// with the system allocator, malloc and free were the largest single cost of `rdx asm` on
/// large files (`cargo bench --bench asm` measures it with the same allocator). mimalloc, with
/// transparent huge pages kept off ([`memory`]).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// rdx (Redoxa): write a reversible program once, run it forward or backward.
///
/// Programs are `.rdx` files (or Janus `.ja`). Typical use:
///
///   rdx check stdlib/fib.rdx          check the five invariants
///   rdx run stdlib/fib.rdx --set n=10 run forward
///   rdx run stdlib/fib.rdx --reverse --set x1=89 --set x2=144
///   rdx invert stdlib/fib.rdx         print the inverse program
///   rdx debug stdlib/fib.rdx --set n=5 step it forward and backward (`rdx dap`: editors)
///   rdx asm stdlib/fib.rdx -o fib.rdxb && rdx disasm fib.rdxb
///   rdx kernels                       list the kernels (`kernel fft(buf)`)
///   rdx log                           the runs recorded in the ledger, newest first
///   rdx replay 12 / rdx rewind 12     run recorded run 12 again / the other way
///   rdx plan stdlib/fib.rdx --set n=10 how the planner would run it, and why
///   rdx serve / rdx peer add lab URL  share a home over HTTP / look CIDs up on another
///   RUSTC_WRAPPER=rdx cargo build     record each crate's compile time; rdx hint --build
///   rdx perm FILE --entry G           a gene over u8…i32 state as a permutation (cycles, order)
///   rdx circuit FILE --entry G        the same gene as a reversible circuit (OpenQASM 3)
///
/// Every `rdx run` is recorded in a home (--home DIR, else $RDX_HOME, else ~/.rdx): a
/// content-addressed store of programs and states, and a hash-chained ledger of runs.
///
/// Exit codes: 0 ok, 1 run-time error (or a failed verification), 2 usage or compile error.
#[derive(Parser)]
#[command(name = "rdx", version, verbatim_doc_comment)]
struct Cli {
    /// The home holding the store and the ledger (default: $RDX_HOME, else ~/.rdx).
    #[arg(long, global = true, value_name = "DIR")]
    home: Option<std::path::PathBuf>,
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
    Debug(cmd::debug::Args),
    Dap(cmd::dap::Args),
    Kernels(cmd::kernels::Args),
    Store(cmd::store::Args),
    Log(cmd::ledger::LogArgs),
    Show(cmd::ledger::ShowArgs),
    Replay(cmd::ledger::ReplayArgs),
    Rewind(cmd::ledger::RewindArgs),
    Ledger(cmd::ledger::LedgerArgs),
    Probe(cmd::probe::Args),
    Hint(cmd::plan::HintArgs),
    Plan(cmd::plan::PlanArgs),
    Status(cmd::plan::StatusArgs),
    Loop(cmd::plan::LoopArgs),
    Serve(cmd::net::ServeArgs),
    Peer(cmd::net::PeerArgs),
    Fetch(cmd::net::FetchArgs),
    Push(cmd::net::PushArgs),
    Perm(cmd::perm::Args),
    Circuit(cmd::circuit::Args),
}

impl Command {
    /// Whether the command only prints what it computes from local files (no server, no peer,
    /// no session, no run): such a command ends quietly when its output's reader goes away
    /// (`rdx disasm big.rdxb | head`), as `cat` does, instead of failing to print.
    fn quiet_on_closed_output(&self) -> bool {
        matches!(
            self,
            Command::Check(_)
                | Command::Invert(_)
                | Command::Asm(_)
                | Command::Disasm(_)
                | Command::Kernels(_)
                | Command::Log(_)
                | Command::Perm(_)
                | Command::Circuit(_)
        )
    }
}

fn main() -> ExitCode {
    memory::skip_teardown();
    // `RUSTC_WRAPPER=rdx cargo build` calls `rdx /path/to/rustc ARGS…`, as it calls sccache.
    let mut argv = std::env::args_os().skip(1);
    let first = argv.next();
    if cmd::build::is_wrapper_call(first.as_ref())
        && let Some(rustc) = first
    {
        cmd::build::wrap(rustc, argv.collect());
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    if cli.command.quiet_on_closed_output() {
        // SAFETY: restores the default action of a signal at start-up, before any thread.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    }
    stdout_errors_are_errors();
    let home = cli.home;
    // The whole command runs on a big stack (see `on_big_stack`), so no accepted input can
    // overflow it.
    let code = rdx_core::run::on_big_stack(move || {
        let home = home.as_deref();
        match cli.command {
            Command::Check(args) => cmd::check::run(args),
            Command::Invert(args) => cmd::invert::run(args),
            Command::Asm(args) => cmd::asm::run(args),
            Command::Disasm(args) => cmd::disasm::run(args, home),
            Command::Run(args) => cmd::run::run(args, home),
            Command::Debug(args) => cmd::debug::run(args, home),
            Command::Dap(args) => cmd::dap::run(args, home),
            Command::Kernels(args) => cmd::kernels::run(args),
            Command::Store(args) => cmd::store::run(args, home),
            Command::Log(args) => cmd::ledger::log(args, home),
            Command::Show(args) => cmd::ledger::show(args, home),
            Command::Replay(args) => cmd::ledger::replay(args, home),
            Command::Rewind(args) => cmd::ledger::rewind(args, home),
            Command::Ledger(args) => cmd::ledger::ledger(args, home),
            Command::Probe(args) => cmd::probe::run(args, home),
            Command::Hint(args) => cmd::plan::hint(args, home),
            Command::Plan(args) => cmd::plan::plan(args, home),
            Command::Status(args) => cmd::plan::status(args, home),
            Command::Loop(args) => cmd::plan::run_loop(args, home),
            Command::Serve(args) => cmd::net::serve(args, home),
            Command::Peer(args) => cmd::net::peer(args, home),
            Command::Fetch(args) => cmd::net::fetch(args, home),
            Command::Push(args) => cmd::net::push(args, home),
            Command::Perm(args) => cmd::perm::run(args, home),
            Command::Circuit(args) => cmd::circuit::run(args),
        }
    });
    // What is still buffered; `std` would flush it at exit and drop the error.
    if let Err(e) = std::io::stdout().flush() {
        frontend::stdout_failed(&e.to_string());
    }
    match (frontend::stdout_failure().or(frontend::stderr_failure()), code) {
        (Some(frontend::StdoutFailed::ReaderGone), _) => end_by_closed_pipe(),
        (Some(frontend::StdoutFailed::Error), _) => ExitCode::from(1),
        (None, Some(code)) => code,
        (None, None) => {
            eprintln!("error: internal error (please report it)");
            ExitCode::from(101)
        }
    }
}

/// Ends the process by `SIGPIPE`, as `cat` ends when its reader goes away: quietly, with the
/// status a shell reports as 141.
fn end_by_closed_pipe() -> ExitCode {
    // SAFETY: restores the signal's default action and raises it on this thread; nothing runs
    // after it but the exit below, should the signal be blocked.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
    ExitCode::from(1)
}

/// `println!` panics when stdout cannot be written (`rdx log > /dev/full`, or a closed pipe for
/// a command that ignores `SIGPIPE`): such a panic is noted by [`frontend::stdout_failed`] and
/// ends the command with `error: cannot write to stdout: …` and exit code 1 (or by the pipe's
/// signal), not as an internal error. So does `eprintln!` when stderr cannot be written
/// (`2>/dev/full`, `rdx run bad.rdx 2>&1 | head -1`), silently: nothing could say it
/// ([`frontend::stderr_failed`]). Other panics keep the default report.
fn stdout_errors_are_errors() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info.payload_as_str().unwrap_or_default();
        if let Some(why) = text.strip_prefix("failed printing to stdout: ") {
            frontend::stdout_failed(why);
        } else if let Some(why) = text.strip_prefix("failed printing to stderr: ") {
            frontend::stderr_failed(why);
        } else {
            default(info);
        }
    }));
}
