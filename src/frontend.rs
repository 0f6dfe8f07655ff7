//! From a path on disk to checked IR: read the file, pick the dialect by extension, parse,
//! check, and render any diagnostics to stderr. Every subcommand goes through here.

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
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| usage_error(&format!("cannot read {name}: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            usage_error(&format!(
                "{name} is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ))
        })?;
        Ok(Source { name, text })
    }

    /// Whether the file is Janus (by its `.ja` / `.janus` extension).
    pub fn is_janus(&self) -> bool {
        self.name.ends_with(".ja") || self.name.ends_with(".janus")
    }

    /// The syntax tree, in the dialect the file name says.
    pub fn parse(&self) -> Result<rdx_lang::ast::Program, Vec<Diagnostic>> {
        let dialect =
            if self.is_janus() { rdx_lang::ast::Dialect::Janus } else { rdx_lang::ast::Dialect::Rdx };
        rdx_lang::parse(&self.text, dialect)
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
        if !diags.is_empty() {
            let color = std::io::stderr().is_terminal();
            eprint!("{}", rdx_lang::report::render(diags, &self.name, &self.text, color));
        }
    }
}

/// Prints a usage error and gives exit code 2.
pub fn usage_error(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_COMPILE)
}
