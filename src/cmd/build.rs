//! `RUSTC_WRAPPER=rdx cargo build`: cargo calls `rdx /path/to/rustc ARGS…`; rdx runs rustc
//! exactly as asked (same arguments, stdin, stdout and stderr, same exit code) and records one
//! build certificate per crate compiled (`rdx_core::build`). The ledger is never allowed to
//! break a build nor to slow it: when the home cannot be written within [`LEDGER_WAIT`], the
//! certificate is dropped silently (a warning on stderr only with RDX_WRAPPER_VERBOSE=1, since
//! cargo reads rustc's stderr).
//!
//! With `RUSTC_WORKSPACE_WRAPPER` set too (`cargo clippy`, rust-analyzer), cargo calls
//! `rdx /path/to/clippy-driver /path/to/rustc ARGS…`: rdx runs the first program with the rest,
//! as sccache does.

use rdx_core::Home;
use rdx_core::build::BuildCert;
use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

/// How long the wrapper waits for another process holding the ledger's write lock (a Python
/// batch, `rdx store gc`) before it drops the certificate: long enough for the wrapped rustc
/// calls of a parallel build to take turns, short enough not to hold the build up.
pub const LEDGER_WAIT: Duration = Duration::from_secs(2);

/// Whether `rdx` was called as a rustc wrapper: its first argument is rustc ([`is_rustc`]), or
/// a program (a workspace wrapper: an existing file, or a bare name on `PATH`) followed by
/// rustc (read from this process's second argument).
pub fn is_wrapper_call(first: Option<&OsString>) -> bool {
    first.is_some_and(|first| {
        is_rustc(first)
            || (std::env::args_os().nth(2).is_some_and(|second| is_rustc(&second)) && program_exists(first))
    })
}

/// Whether `arg` names rustc: its file stem is `rustc` exactly, and it is an existing file (or,
/// a bare name, one on `PATH`) without an extension or executable. `rustc.rdx`, an rdx source
/// file, is not a compiler.
pub fn is_rustc(arg: &OsStr) -> bool {
    let path = Path::new(arg);
    path.file_stem().is_some_and(|stem| stem == "rustc")
        && resolve(arg).is_some_and(|file| path.extension().is_none() || is_executable(&file))
}

/// Whether `arg` names a program: an existing file, or a bare name found on `PATH`.
fn program_exists(arg: &OsStr) -> bool {
    resolve(arg).is_some()
}

/// The file `arg` names as a command: a path as it is, a bare name looked up on `PATH`.
fn resolve(arg: &OsStr) -> Option<std::path::PathBuf> {
    let path = Path::new(arg);
    if path.components().count() != 1 || path.has_root() {
        return path.is_file().then(|| path.to_path_buf());
    }
    let dirs = std::env::var_os("PATH")?;
    std::env::split_paths(&dirs).map(|d| d.join(path)).find(|f| f.is_file() && is_executable(f))
}

#[cfg(unix)]
fn is_executable(file: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    file.metadata().is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(file: &Path) -> bool {
    file.extension().is_some_and(|e| e.eq_ignore_ascii_case("exe"))
}

/// Runs `program` with `args` (rustc, or a workspace wrapper whose first argument is rustc) and
/// exits with its exit code.
pub fn wrap(program: OsString, args: Vec<OsString>) -> ! {
    // The arguments rustc is given: after the workspace wrapper's rustc, if there is one.
    let rustc_args = match args.first() {
        Some(second) if !is_rustc(&program) && is_rustc(second) => &args[1..],
        _ => &args[..],
    };
    let started = SystemTime::now();
    let clock = Instant::now();
    let mut command = std::process::Command::new(&program);
    command.args(&args);
    huge_pages_as_without_rdx(&mut command);
    let status = match command.status() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: rdx could not start {}: {e}", program.to_string_lossy());
            std::process::exit(1);
        }
    };
    let wall_ns = u64::try_from(clock.elapsed().as_nanos()).unwrap_or(u64::MAX);
    let rustc_args: Vec<String> = rustc_args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let off = std::env::var_os("RDX_NO_LEDGER").is_some_and(|v| !v.is_empty() && v != "0");
    if !off && let Some(cert) = BuildCert::of(&rustc_args, wall_ns, status.code(), started) {
        let recorded =
            Home::open_waiting(None, LEDGER_WAIT).and_then(|home| home.record_build(&cert, &rustc_args));
        if let Err(e) = recorded
            && std::env::var_os("RDX_WRAPPER_VERBOSE").is_some_and(|v| v == "1")
        {
            eprintln!(
                "warning: rdx did not record the build of {} (it waits at most {} s for the home): {e}",
                cert.crate_name,
                LEDGER_WAIT.as_secs()
            );
        }
    }
    std::process::exit(exit_code(status))
}

/// rdx runs with transparent huge pages off (`crate::memory`), a setting its children inherit:
/// the compiler gets the machine's own, as it would without the wrapper.
fn huge_pages_as_without_rdx(command: &mut std::process::Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: the closure runs in the child between fork and exec, where only
        // async-signal-safe calls are allowed: it makes one system call (prctl) and allocates
        // nothing.
        unsafe {
            command.pre_exec(|| {
                crate::memory::huge_pages_default();
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}

/// rustc's exit code; for a signal, 128 + its number, as a shell reports it.
fn exit_code(status: std::process::ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return 128 + signal;
        }
    }
    1
}
