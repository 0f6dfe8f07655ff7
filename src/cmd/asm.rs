//! `rdx asm FILE [-o OUT]`: compile to a bytecode module and print its CID.

use crate::frontend::{self, usage_error};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Assemble a program into a bytecode module (.rdxb) and print its CID (blake3 of the bytes).
#[derive(clap::Args)]
pub struct Args {
    /// The program (.rdx, or Janus .ja).
    pub(crate) file: PathBuf,
    /// Where to write the module (default: FILE with the extension .rdxb).
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
    /// Refuse lossy operations (`:=`, `erase`).
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    kernels: crate::kernels::KernelArgs,
}

pub fn run(args: Args) -> ExitCode {
    if rdx_core::run::is_module_path(&args.file) {
        return usage_error(&format!("{} is already a bytecode module", args.file.display()));
    }
    let out = args.output.clone().unwrap_or_else(|| args.file.with_extension("rdxb"));
    if let Err(why) = writable_output(&args.file, &out) {
        return usage_error(&why);
    }
    let kernels = match args.kernels.read() {
        Ok(k) => k,
        Err(code) => return code,
    };
    let assembled = match rdx_core::run::Program::assemble(&args.file, args.strict, &kernels) {
        Ok(a) => a,
        Err(e) => return frontend::load_failed(e),
    };
    frontend::report(&assembled.checked.warnings, &assembled.name, &assembled.text);
    let bytes = assembled.bytes;
    // The process ends right after writing the module: the IR (a node per statement, operand
    // and name) is left to the operating system rather than freed node by node, which took
    // about a tenth of `rdx asm` on large genes.
    std::mem::forget(assembled.checked);
    if let Err(e) = std::fs::write(&out, &bytes) {
        return usage_error(&format!("cannot write {}: {e}", out.display()));
    }
    println!("{}", rdx_vm::module::cid_of(&bytes));
    ExitCode::SUCCESS
}

/// Whether the module may be written to `out`: not over the program `file` itself (by any path
/// to it), and not to a source file name (`.rdx`, `.ja`, `.janus`, in any case): a name that
/// says source for a module is a trap, on a file system that ignores case too.
fn writable_output(file: &Path, out: &Path) -> Result<(), String> {
    let source_name = |e: &&str| ["rdx", "ja", "janus"].iter().any(|s| e.eq_ignore_ascii_case(s));
    if let Some(ext) = out.extension().and_then(|e| e.to_str()).filter(source_name) {
        return Err(format!(
            "refusing to write bytecode to {}: a .{ext} name is for source (use .rdxb)",
            out.display()
        ));
    }
    if same_file(file, out) {
        return Err(format!("refusing to write the module over its own source {}", file.display()));
    }
    Ok(())
}

/// Whether two paths name one existing file (through links, `..` or a hard link too).
fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) else { return false };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        x.dev() == y.dev() && x.ino() == y.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (x, y);
        matches!((a.canonicalize(), b.canonicalize()), (Ok(p), Ok(q)) if p == q)
    }
}
