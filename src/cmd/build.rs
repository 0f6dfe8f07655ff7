//! `RUSTC_WRAPPER=rdx cargo build`: cargo calls `rdx /path/to/rustc ARGS…`; rdx runs rustc
//! exactly as asked (same arguments, stdin, stdout and stderr, same exit code) and records one
//! build certificate per crate compiled (`rdx_core::build`). The ledger is never allowed to
//! break a build: when the home cannot be written, the certificate is dropped silently (a
//! warning on stderr only with RDX_WRAPPER_VERBOSE=1, since cargo reads rustc's stderr).

use rdx_core::Home;
use rdx_core::build::BuildCert;
use std::ffi::OsString;
use std::path::Path;
use std::time::{Instant, SystemTime};

/// Whether `rdx` was called as a rustc wrapper: its first argument is a path to rustc.
pub fn is_wrapper_call(first: Option<&OsString>) -> bool {
    first.map(Path::new).and_then(Path::file_stem).is_some_and(|stem| stem == "rustc")
}

/// Runs rustc with `args` and exits with its exit code.
pub fn wrap(rustc: OsString, args: Vec<OsString>) -> ! {
    let started = SystemTime::now();
    let clock = Instant::now();
    let status = std::process::Command::new(&rustc).args(&args).status();
    let status = match status {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: rdx could not start {}: {e}", rustc.to_string_lossy());
            std::process::exit(1);
        }
    };
    let wall_ns = u64::try_from(clock.elapsed().as_nanos()).unwrap_or(u64::MAX);
    let args: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let off = std::env::var_os("RDX_NO_LEDGER").is_some_and(|v| !v.is_empty() && v != "0");
    if !off && let Some(cert) = BuildCert::of(&args, wall_ns, status.code(), started) {
        let recorded = Home::open(None).and_then(|home| home.record_build(&cert, &args));
        if let Err(e) = recorded
            && std::env::var_os("RDX_WRAPPER_VERBOSE").is_some_and(|v| v == "1")
        {
            eprintln!("warning: rdx did not record the build of {}: {e}", cert.crate_name);
        }
    }
    std::process::exit(exit_code(status))
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
