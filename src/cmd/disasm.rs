//! `rdx disasm FILE`: print a readable listing of a bytecode module.

use std::path::Path;
use std::process::ExitCode;

/// Print a readable listing of a bytecode module (.rdxb, or a CID in the store; a source file
/// is compiled first), with gene names, slot names and the source line of each statement.
#[derive(clap::Args)]
pub struct Args {
    /// The module (.rdxb), a program (.rdx, .ja), or a module's CID in the store.
    #[arg(value_name = "FILE|CID")]
    pub(crate) file: String,
    /// List the backward streams instead: the code each gene runs backward (`--reverse`,
    /// `uncall`), which the loader builds from the forward code (statements last first, each
    /// replaced by its mirror; `if`/`from` with their conditions exchanged).
    #[arg(long)]
    backward: bool,
    /// List what the interpreter's plain run executes (with --backward: backward): each gene's
    /// stream as the loader rewrote it, small calls translated in place (`call.in` … `ret.in`;
    /// `ret=1`: a callee that can neither fault nor jump, its `ret.in` counted by the `call.in`
    /// and left out), checks that cannot fail left out (`loop.inc.q`, `loop.back.q`, `skip`, …)
    /// and a `fi`'s code that repeats its `if`'s passed over (`skip` to the `fi`;
    /// spec/bytecode.md §2). `rdx debug` and the JIT use the genes' own streams.
    #[arg(long)]
    plain: bool,
    #[command(flatten)]
    kernels: crate::kernels::KernelArgs,
}

pub fn run(args: Args, home: Option<&Path>) -> ExitCode {
    // The store is opened only for a CID.
    let home = if Path::new(&args.file).exists() { None } else { rdx_core::Home::open(home).ok() };
    if let Some(h) = &home
        && let Err(code) = crate::cmd::net::ensure_local(h, &args.file)
    {
        return code;
    }
    let kernels = match args.kernels.read() {
        Ok(k) => k,
        Err(code) => return code,
    };
    match crate::frontend::load(&args.file, home.as_ref(), false, &kernels) {
        Ok(l) => {
            let dir = if args.backward { rdx_vm::Direction::Backward } else { rdx_vm::Direction::Forward };
            let text = match (args.plain, dir) {
                (true, _) => rdx_vm::disasm::disassemble_plain(&l.module, dir),
                (false, rdx_vm::Direction::Backward) => rdx_vm::disasm::disassemble_backward(&l.module),
                (false, rdx_vm::Direction::Forward) => rdx_vm::disasm::disassemble(&l.module),
            };
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}
