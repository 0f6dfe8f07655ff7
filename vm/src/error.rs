//! Run-time errors, shared by every engine.
//!
//! An engine stops with a [`RunError`]: what went wrong ([`RunErrorKind`]), the instruction and
//! its source span, and the gene call stack. [`RunError::to_diagnostic`] turns it into the
//! front end's [`Diagnostic`] (codes `R01xx`, catalogued with every other code in
//! [`rdx_lang::codes`]), so one renderer shows compile and run-time errors alike.

use crate::Direction;
use rdx_lang::ast::Span;
use rdx_lang::diag::{Code, Diagnostic};

/// What went wrong at run time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunErrorKind {
    /// `assert e` with e false.
    AssertFailed,
    /// The `fi` assertion does not agree with the branch just taken (`then`: it is false after
    /// the then-branch; else it is true after the else-branch).
    FiFailed { then: bool },
    /// Going backward, the `if` condition does not agree with the branch just undone.
    IfFailed { then: bool },
    /// The `from` entry assertion is false when the loop is entered.
    FromEntryFailed,
    /// The `from` entry assertion is true when the loop comes around again.
    FromReentryFailed,
    /// Going backward, the `until` condition is false where the loop was left.
    UntilExitFailed,
    /// Going backward, the `until` condition is true inside the loop.
    UntilReentryFailed,
    /// `delocal x = e` (or a `local` undone) where x does not hold e.
    DelocalMismatch { name: String, expected: u64, actual: u64 },
    /// A stack ancilla is not empty when it is closed.
    StackNotEmpty { len: usize },
    /// `pop x, s` with x not zero.
    PopNonZero { value: u64 },
    /// `pop` or `top` of an empty stack.
    EmptyStack,
    /// Array index out of bounds.
    IndexOutOfBounds { index: u64, len: u64 },
    /// Division or remainder by zero.
    DivisionByZero,
    /// An update whose target is the same element its expression read.
    Alias { index: u64 },
    /// Calls nested deeper than the limit (or frames larger than the memory limit).
    RecursionLimit { limit: usize },
    /// More instructions than `Limits::max_steps` allows.
    StepLimit { limit: u64 },
    /// The embedder stopped the run (a time budget ran out, a request was cancelled).
    Stopped,
    /// Janus arithmetic outside 64 bits.
    Overflow,
    /// A Janus `error` statement.
    UserError(String),
    /// Going backward over a lossy operation without its forward history.
    NoHistory,
    /// Going backward over a lossy operation when the history tape's last value was written by
    /// another lossy statement (e.g. `uncall g` of a lossy gene with no matching `call g`).
    HistoryMismatch { written_at: Option<Span> },
    /// Undoing `x := e` (or `erase x`) when x no longer holds what that statement wrote: the
    /// undo is not the inverse of the write it would consume (e.g. a forward `uncall` of a
    /// lossy gene on a state its `call` did not produce).
    UndoMismatch { wrote: u64, found: u64 },
    /// The arguments do not fit the gene's parameters (an API misuse, not a program error).
    BadArguments(String),
    /// A `kernel` statement failed: unknown kernel, no kernel host, a trap, fuel or memory
    /// exhausted, a bad length, or (checked runs) a broken norm or inverse. The error names
    /// the kernel.
    KernelFailed(KernelCallError),
    /// An inconsistency the verifier cannot rule out (e.g. an invalid array address produced by
    /// a hand-written module).
    Internal(String),
}

/// What kind of failure stopped a kernel call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KernelCallErrorKind {
    /// The engine has no kernel host: this embedder does not run kernels.
    NoHost,
    /// No kernel of that name is loaded.
    UnknownKernel,
    /// The buffer does not suit the kernel: not whole elements, another element type, or a
    /// length the kernel does not take.
    BadBuffer,
    /// The kernel ran out of fuel or over its memory cap.
    Limit,
    /// The kernel trapped.
    Trap,
    /// A checked call caught the kernel breaking its promise: the norm (I4), the exact
    /// inverse, or its declared order (I5).
    Broken,
    /// Anything else the host reports.
    Other,
}

/// Why a kernel call failed, as the engines see it ([`crate::KernelCall`]): the VM owns this
/// type and does not depend on any kernel host; a host converts its own errors into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelCallError {
    pub kind: KernelCallErrorKind,
    /// The kernel called.
    pub kernel: String,
    /// One line naming the kernel and what went wrong.
    pub message: String,
}

impl KernelCallError {
    pub fn new(kind: KernelCallErrorKind, kernel: impl Into<String>, message: impl Into<String>) -> Self {
        KernelCallError { kind, kernel: kernel.into(), message: message.into() }
    }
}

impl std::fmt::Display for KernelCallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for KernelCallError {}

/// One level of the gene call stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackFrame {
    pub gene: String,
    /// The instruction being executed in this gene (the call, for outer frames).
    pub pc: usize,
    pub span: Option<Span>,
    pub direction: Direction,
}

/// A run-time error with its location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunError {
    pub kind: RunErrorKind,
    /// Innermost first: `stack[0]` is where the error happened.
    pub stack: Vec<StackFrame>,
}

impl RunErrorKind {
    /// The error's code (an R01xx [`rdx_lang::codes::Family::Run`] code).
    pub fn code(&self) -> Code {
        use RunErrorKind::*;
        match self {
            AssertFailed => Code::R0101,
            FiFailed { .. } => Code::R0102,
            IfFailed { .. } => Code::R0103,
            FromEntryFailed | FromReentryFailed => Code::R0104,
            UntilExitFailed | UntilReentryFailed => Code::R0105,
            DelocalMismatch { .. } | StackNotEmpty { .. } => Code::R0106,
            PopNonZero { .. } => Code::R0107,
            EmptyStack => Code::R0108,
            IndexOutOfBounds { .. } => Code::R0109,
            DivisionByZero => Code::R0110,
            Alias { .. } => Code::R0111,
            RecursionLimit { .. } => Code::R0112,
            Overflow => Code::R0113,
            UserError(_) => Code::R0114,
            NoHistory | HistoryMismatch { .. } | UndoMismatch { .. } => Code::R0115,
            BadArguments(_) => Code::R0116,
            StepLimit { .. } => Code::R0117,
            Stopped => Code::R0119,
            KernelFailed(_) => Code::R0118,
            Internal(_) => Code::R0199,
        }
    }

    /// One line saying what went wrong.
    pub fn message(&self) -> String {
        use RunErrorKind::*;
        match self {
            AssertFailed => "assertion failed".into(),
            FiFailed { then: true } => "fi assertion is false after the then-branch".into(),
            FiFailed { then: false } => "fi assertion is true after the else-branch".into(),
            IfFailed { then: true } => {
                "going backward, the if condition is false after undoing the then-branch".into()
            }
            IfFailed { then: false } => {
                "going backward, the if condition is true after undoing the else-branch".into()
            }
            FromEntryFailed => "from entry assertion is false when the loop starts".into(),
            FromReentryFailed => "from entry assertion is true when the loop comes around again".into(),
            UntilExitFailed => "going backward, the until condition is false where the loop ended".into(),
            UntilReentryFailed => "going backward, the until condition is true inside the loop".into(),
            DelocalMismatch { name, expected, actual } => {
                format!("delocal mismatch: `{name}` should be {expected} but is {actual}")
            }
            StackNotEmpty { len } => format!("stack ancilla is not empty when closed ({len} elements)"),
            PopNonZero { value } => format!("pop into a variable that is not zero (it is {value})"),
            EmptyStack => "the stack is empty".into(),
            IndexOutOfBounds { index, len } => {
                format!("index out of bounds: index {index}, length {len}")
            }
            DivisionByZero => "division by zero".into(),
            Alias { index } => format!(
                "the update's target and an element its expression reads are the same (index {index})"
            ),
            RecursionLimit { limit } => format!("calls nested deeper than the limit ({limit})"),
            Overflow => "integer overflow (Janus integers are unbounded; rdx stops at 64 bits)".into(),
            UserError(msg) => format!("`error` statement reached: {msg}"),
            NoHistory => "cannot reverse a lossy operation without its forward history".into(),
            HistoryMismatch { .. } => {
                "cannot reverse this lossy operation: the history tape's last value was written by another one".into()
            }
            UndoMismatch { wrote, found } => format!(
                "cannot reverse this lossy operation: it wrote {wrote}, but the location now holds {found}"
            ),
            BadArguments(m) => format!("bad arguments: {m}"),
            KernelFailed(e) => e.message.clone(),
            StepLimit { limit } => format!("the run executed more than {limit} instructions (the step limit)"),
            Stopped => "the run was stopped before it finished (its time budget ran out)".into(),
            Internal(m) => format!("internal error: {m}"),
        }
    }

    fn hint(&self) -> Option<&'static str> {
        use RunErrorKind::*;
        Some(match self {
            NoHistory | HistoryMismatch { .. } | UndoMismatch { .. } => {
                "`:=` and `erase` keep the overwritten value on a history tape of the forward run; a backward run started on its own has none"
            }
            RecursionLimit { .. } => "check that the recursion reaches its base case",
            Alias { .. } => "an update must not read the location it changes: use distinct indices",
            IfFailed { .. } | UntilExitFailed | UntilReentryFailed => {
                "the state given to the backward run is not one the forward run can produce"
            }
            _ => return None,
        })
    }
}

impl RunError {
    /// An error with no location (bad arguments before the run starts).
    pub fn bare(kind: RunErrorKind) -> RunError {
        RunError { kind, stack: Vec::new() }
    }

    /// The span where the error happened, when known.
    pub fn span(&self) -> Option<Span> {
        self.stack.first().and_then(|f| f.span)
    }

    /// The error as a diagnostic: code, message, the failing statement's span, one label per
    /// enclosing call and a note with the whole call stack.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let mut d = Diagnostic::error(self.kind.code(), self.kind.message(), self.span().unwrap_or_default());
        if let Some(f) = self.stack.first() {
            let dir = if f.direction == Direction::Backward { " (running backward)" } else { "" };
            d = d.note(format!("in gene `{}`{dir}", f.gene));
        }
        let mut shown = vec![self.span()];
        for w in self.stack.windows(2) {
            let (inner, outer) = (&w[0], &w[1]);
            if shown.len() > 4 || shown.contains(&outer.span) {
                continue;
            }
            shown.push(outer.span);
            if let Some(sp) = outer.span {
                d = d.label(sp, format!("`{}` called from `{}` here", inner.gene, outer.gene));
            }
        }
        if self.stack.len() > 1 {
            let chain: Vec<&str> = self.stack.iter().map(|f| f.gene.as_str()).take(12).collect();
            let more = if self.stack.len() > 12 {
                format!(" ← … ({} levels)", self.stack.len())
            } else {
                String::new()
            };
            d = d.hint(format!("call stack: {}{more}", chain.join(" ← ")));
        }
        if let RunErrorKind::HistoryMismatch { written_at: Some(sp) } = self.kind {
            d = d.label(sp, "the tape's last value was written here");
        }
        if let Some(h) = self.kind.hint() {
            d = d.hint(h);
        }
        d
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.kind.code(), self.kind.message())?;
        if let Some(fr) = self.stack.first() {
            write!(f, " in gene `{}`", fr.gene)?;
        }
        Ok(())
    }
}

impl std::error::Error for RunError {}
