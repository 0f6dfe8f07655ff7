//! One module per `rdx` subcommand, each with its clap `Args` and a `run` returning the exit code.

pub mod asm;
pub mod build;
pub mod check;
pub mod circuit;
pub mod dap;
pub mod debug;
pub mod disasm;
pub mod invert;
pub mod kernels;
pub mod ledger;
pub mod net;
pub mod perm;
pub mod plan;
pub mod probe;
pub mod run;
pub mod store;
