//! rdx front end: source text → tokens → syntax tree → checked IR, plus the inverter, the
//! printer and diagnostics.
//!
//! Data flows one way: [`parser::parse`] builds an [`ast::Program`], [`check::check`] validates
//! it and folds constants into the IR, [`invert::invert_program`] maps IR to its inverse and
//! [`print::print_program`] turns any tree back into rdx source.

pub mod ast;
pub mod check;
pub mod codes;
pub mod diag;
#[cfg(feature = "gen")]
pub mod generate;
pub mod invariants;
pub mod invert;
pub mod janus;
pub mod kernels;
pub mod lexer;
pub mod parser;
pub mod print;
pub mod report;
pub mod token;
pub mod types;

/// Parses source of either dialect: rdx ([`parser::parse`]) or Janus ([`janus::parse`]).
pub fn parse(src: &str, dialect: ast::Dialect) -> Result<ast::Program, Vec<diag::Diagnostic>> {
    match dialect {
        ast::Dialect::Rdx => parser::parse(src),
        ast::Dialect::Janus => janus::parse(src),
    }
}
