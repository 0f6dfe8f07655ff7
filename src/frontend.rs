//! The CLI's edge: reading source files and rendering what `rdx_core` and `rdx_lang` report
//! (diagnostics against their source, errors as `error: …` lines) on stderr, with the exit
//! codes every subcommand shares.

use rdx_core::CoreError;
use rdx_core::run::{LoadError, Program};
use rdx_lang::check::{CheckOptions, Checked};
use rdx_lang::diag::Diagnostic;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

/// Exit code for usage and compile errors.
pub const EXIT_COMPILE: u8 = 2;

/// A source file as read from disk.
pub struct Source {
    /// The name diagnostics show.
    pub name: String,
    pub text: String,
}

impl Source {
    /// Reads `path`; a missing or non-UTF-8 file is a usage error.
    pub fn read(path: &Path) -> Result<Source, ExitCode> {
        let (name, text) = rdx_core::run::read_source(path).map_err(fail)?;
        Ok(Source { name, text })
    }

    /// The syntax tree, in the dialect the file name says.
    pub fn parse(&self) -> Result<rdx_lang::ast::Program, Vec<Diagnostic>> {
        rdx_lang::parse(&self.text, rdx_core::run::dialect_of(&self.name))
    }

    /// Parses and checks; diagnostics (errors and warnings) go to stderr.
    pub fn compile(&self, opts: &CheckOptions) -> Result<Checked, ExitCode> {
        let checked = self.parse().and_then(|p| rdx_lang::check::check_owned(p, opts));
        match checked {
            Ok(c) => {
                self.report(&c.warnings);
                Ok(c)
            }
            Err(diags) => {
                self.report(&diags);
                Err(ExitCode::from(EXIT_COMPILE))
            }
        }
    }

    /// Renders diagnostics against this source on stderr.
    pub fn report(&self, diags: &[Diagnostic]) {
        report(diags, &self.name, &self.text);
    }
}

/// Renders diagnostics against `text` (the file `name`) on stderr.
pub fn report(diags: &[Diagnostic], name: &str, text: &str) {
    if !diags.is_empty() {
        let color = std::io::stderr().is_terminal();
        eprint!("{}", rdx_lang::report::render(diags, name, text, color));
    }
}

/// Loads a program as `rdx_core` does (a path, or a CID in `home`'s store), rendering its
/// diagnostics and warnings on stderr; the error is the exit code.
pub fn load(
    what: &str,
    home: Option<&rdx_core::Home>,
    strict: bool,
    kernels: &[rdx_core::kernels::UserKernel],
) -> Result<Program, ExitCode> {
    let p = Program::open(what, home, strict, kernels).map_err(load_failed)?;
    if let (Some(c), Some(text)) = (&p.checked, &p.text) {
        report(&c.warnings, &p.name, text);
    }
    Ok(p)
}

/// Renders why a program did not load; gives the exit code.
pub fn load_failed(e: LoadError) -> ExitCode {
    match e {
        LoadError::Compile { diagnostics, name, text } => {
            report(&diagnostics, &name, &text);
            ExitCode::from(EXIT_COMPILE)
        }
        LoadError::Core(e) => fail(e),
    }
}

/// Prints an error of the core as `error: …` and gives its exit code.
pub fn fail(e: CoreError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(e.exit_code())
}

/// Prints a usage error and gives exit code 2.
pub fn usage_error(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_COMPILE)
}

/// How writing to stdout failed, once it has (the first failure counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StdoutFailed {
    /// The reader went away (`rdx run … | head -1`): the command ends as `cat` does, by the
    /// pipe's signal, once its work is done (a run is still recorded).
    ReaderGone,
    /// Any other error (`rdx log > /dev/full`), said on stderr: exit code 1.
    Error,
}

static STDOUT_FAILED: std::sync::OnceLock<StdoutFailed> = std::sync::OnceLock::new();

/// Notes that writing to stdout failed with the error text `why` and, unless the reader went
/// away, says so on stderr (`error: cannot write to stdout: No space left on device`), once.
/// The command goes on; `main` gives the exit code ([`stdout_failure`]).
pub fn stdout_failed(why: &str) {
    let gone = why == std::io::Error::from_raw_os_error(libc::EPIPE).to_string();
    let failure = if gone { StdoutFailed::ReaderGone } else { StdoutFailed::Error };
    if STDOUT_FAILED.set(failure).is_ok() && !gone {
        let why = why.find(" (os error ").map_or(why, |at| &why[..at]);
        eprintln!("error: cannot write to stdout: {why}");
    }
}

/// How writing to stdout failed, if it has ([`stdout_failed`]).
pub fn stdout_failure() -> Option<StdoutFailed> {
    STDOUT_FAILED.get().copied()
}

static STDERR_FAILED: std::sync::OnceLock<StdoutFailed> = std::sync::OnceLock::new();

/// Notes that writing to stderr failed with the error text `why` (its reader went away, or
/// `2>/dev/full`): nothing can say so, so `main` ends the command as for stdout, by the pipe's
/// signal or with exit code 1 ([`stderr_failure`]).
pub fn stderr_failed(why: &str) {
    let gone = why == std::io::Error::from_raw_os_error(libc::EPIPE).to_string();
    let _ = STDERR_FAILED.set(if gone { StdoutFailed::ReaderGone } else { StdoutFailed::Error });
}

/// How writing to stderr failed, if it has ([`stderr_failed`]).
pub fn stderr_failure() -> Option<StdoutFailed> {
    STDERR_FAILED.get().copied()
}

/// Writes `bytes` to stdout and flushes it; a failure is noted ([`stdout_failed`]).
pub fn write_stdout(bytes: &[u8]) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(bytes).and_then(|()| out.flush()) {
        stdout_failed(&e.to_string());
    }
}
