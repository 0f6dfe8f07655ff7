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
