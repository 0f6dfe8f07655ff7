//! One module per `rdx` subcommand, each with its clap `Args` and a `run` returning the exit code.

pub mod check;
pub mod invert;
