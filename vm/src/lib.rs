//! rdx-vm: the bytecode, its loader/verifier, and the interpreter that runs the same bytecode
//! forward or backward.
//!
//! The pieces, in data-flow order:
//! - [`compile`] lowers checked IR ([`rdx_lang::check::Checked`]) to a [`Module`];
//! - [`Module::encode`] / [`Module::decode`] give and read the deterministic `.rdxb` bytes
//!   (decoding verifies: a module that loads is safe to run);
//! - an [`Engine`] runs one gene over a slice of [`Value`]s in a [`Direction`]; the
//!   [`Interpreter`] is the reference engine (the JIT implements the same trait);
//! - [`values`] parses `name=value` arguments and formats results (text and exact JSON) for the
//!   CLI and the Python package.
//!
//! Run-time errors are [`RunError`]s, convertible to the front end's diagnostics.

pub mod compile;
pub mod disasm;
pub mod engine;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod jana;
pub mod loops;
pub mod module;
pub mod ops;
pub mod output;
pub mod values;

pub use compile::{compile, compile_encoded};
pub use engine::{Interpreter, KernelCall, Limits, STOP_CHECK_STEPS, StopCheck};
pub use error::{FaultCode, Grown, KernelCallError, KernelCallErrorKind, RunError, RunErrorKind};
pub use module::{LoadError, LoadErrorKind, Module};
pub use output::Output;

/// The value of one gene parameter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// A `u64` or `i64` (same bits).
    Int(u64),
    /// A fixed array, element 0 first. For an `f64[N]` buffer each word holds an f64's bits;
    /// for `c64[N]` the words are interleaved (re, im) bits, two per element.
    Array(Vec<u64>),
    /// A stack, bottom first (the top is the last element).
    Stack(Vec<u64>),
}

/// Which way to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    #[default]
    Forward,
    Backward,
}

impl Direction {
    /// The other direction.
    pub fn flip(self) -> Direction {
        match self {
            Direction::Forward => Direction::Backward,
            Direction::Backward => Direction::Forward,
        }
    }
}

/// What a successful run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Instructions executed (engines that do not count report 0).
    pub instructions: u64,
    /// Bits written to the history tape by lossy operations (64 per overwritten word).
    pub lossy_bits: u64,
    /// Deepest call nesting reached (1 = the entry gene only).
    pub max_depth: usize,
}

/// An execution engine: runs a gene of a module on parameter values, in place, and carries
/// what a run needs around it (the kernel host, the output, the history tape), so embedders
/// (the CLI, the Python module) drive every engine the same way.
///
/// `args` has one value per parameter of the gene, in declaration order; on success they hold
/// the final state. On error they are left unspecified.
pub trait Engine {
    /// A short name (`interp`, `jit`).
    fn name(&self) -> &'static str;

    /// Runs gene `gene` of `module` in direction `dir`.
    fn run(
        &mut self,
        module: &Module,
        gene: usize,
        args: &mut [Value],
        dir: Direction,
    ) -> Result<RunReport, RunError>;

    /// Sets the kernel host that runs `kernel` statements.
    fn set_kernels(&mut self, kernels: Box<dyn KernelCall + Send>);

    /// Takes the kernel host back (None if none was set).
    fn take_kernels(&mut self) -> Option<Box<dyn KernelCall + Send>>;

    /// Takes what `print`/`printf`/`show` wrote so far.
    fn take_output(&mut self) -> Vec<u8>;

    /// The history tape, oldest entry first: the words lossy operations overwrote. It is kept
    /// across runs, so a backward run can undo the lossy operations of the forward run before
    /// it.
    fn tape(&self) -> &[engine::TapeEntry];

    /// Replaces the history tape (with one read back from a store, to rewind a recorded run)
    /// and gives back the one it held.
    fn swap_tape(&mut self, tape: Vec<engine::TapeEntry>) -> Vec<engine::TapeEntry>;

    /// Entries on the history tape.
    fn tape_len(&self) -> usize {
        self.tape().len()
    }

    /// Forgets the history tape.
    fn clear_tape(&mut self) {
        self.swap_tape(Vec::new());
    }
}
