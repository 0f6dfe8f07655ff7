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
    /// `delocal x = e` (or a `local` undone) where x does not hold e. (`signed`: the values
    /// are shown as signed, as every Janus integer is.)
    DelocalMismatch { name: String, expected: u64, actual: u64, signed: bool },
    /// A stack ancilla is not empty when it is closed.
    StackNotEmpty { len: usize },
    /// `pop x, s` with x not zero.
    PopNonZero { value: u64, signed: bool },
    /// `pop x, s` into a fixed-width variable (or, backward, `push x, s` undone) where the top
    /// of the stack is not a value of x's type in canonical form (`name` is x, `ty` its type).
    PopOutOfRange { value: u64, name: String, ty: rdx_lang::ast::Width },
    /// `pop` or `top` of an empty stack.
    EmptyStack,
    /// Array index out of bounds.
    IndexOutOfBounds { index: u64, len: u64, signed: bool },
    /// Division or remainder by zero.
    DivisionByZero,
    /// An update whose target is the same element its expression read.
    Alias { index: u64 },
    /// Calls nested deeper than the limit (or frames larger than the memory limit).
    RecursionLimit { limit: usize },
    /// More instructions than `Limits::max_steps` allows.
    StepLimit { limit: u64 },
    /// A stack, the history tape or the printed output grew past `Limits::max_words` words.
    MemoryLimit { grown: Grown, limit: u64 },
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
    UndoMismatch { wrote: u64, found: u64, signed: bool },
    /// The arguments do not fit the gene's parameters (an API misuse, not a program error).
    BadArguments(String),
    /// A `kernel` statement failed: unknown kernel, no kernel host, a trap, fuel or memory
    /// exhausted, a bad length, or (checked runs) a broken norm or inverse. The error names
    /// the kernel.
    KernelFailed(KernelCallError),
    /// An inconsistency the verifier cannot rule out (e.g. an invalid array address produced by
    /// a hand-written module).
    Internal(String),
    /// An engine failed for a reason of its own, not the program's (the JIT could not compile
    /// the module, or could not start its thread): a bug in rdx or a limit of the host (E0998).
    EngineFailed(String),
}

/// What grew past the memory limit ([`RunErrorKind::MemoryLimit`]). Frames and their local
/// arrays are sized before they are made, so a run that needs too many of their words stops
/// at the call that would make them ([`Grown::Frames`]); the others grow as the run goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Grown {
    /// One stack's words.
    Stacks,
    /// The history tape (three words an entry).
    Tape,
    /// What `print`, `printf` and `show` wrote (eight bytes a word).
    Output,
    /// The frames of the calls open at once, with their local arrays.
    Frames,
}

impl Grown {
    /// Every kind, in the order of their payload numbers (`ALL[i] as u64 == i`).
    pub const ALL: [Grown; 4] = [Grown::Stacks, Grown::Tape, Grown::Output, Grown::Frames];

    /// What grew, in words: `a stack`, `the history tape`, `the printed output`, `the frames
    /// of the calls open at once (with their local arrays)`.
    pub fn name(self) -> &'static str {
        match self {
            Grown::Stacks => "a stack",
            Grown::Tape => "the history tape",
            Grown::Output => "the printed output",
            Grown::Frames => "the frames of the calls open at once (with their local arrays)",
        }
    }
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

/// A word as a message shows it: as a signed integer where the program's integers are signed.
fn word(v: u64, signed: bool) -> String {
    if signed { (v as i64).to_string() } else { v.to_string() }
}

impl RunErrorKind {
    /// The error's code (an R01xx [`rdx_lang::codes::Family::Run`] code; E0998 for an engine's
    /// own failure).
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
            Overflow | PopOutOfRange { .. } => Code::R0113,
            UserError(_) => Code::R0114,
            NoHistory | HistoryMismatch { .. } | UndoMismatch { .. } => Code::R0115,
            BadArguments(_) => Code::R0116,
            StepLimit { .. } => Code::R0117,
            Stopped => Code::R0119,
            MemoryLimit { .. } => Code::R0120,
            KernelFailed(_) => Code::R0118,
            Internal(_) => Code::R0199,
            EngineFailed(_) => Code::E0998,
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
            DelocalMismatch { name, expected, actual, signed } => format!(
                "delocal mismatch: `{name}` should be {} but is {}",
                word(*expected, *signed),
                word(*actual, *signed)
            ),
            StackNotEmpty { len } => {
                format!("stack ancilla is not empty when closed ({len} element{})", if *len == 1 { "" } else { "s" })
            }
            PopNonZero { value, signed } => {
                format!("pop into a variable that is not zero (it is {})", word(*value, *signed))
            }
            PopOutOfRange { value, name, ty } => format!(
                "the top of the stack, {}, does not fit in `{name}: {}`",
                word(*value, ty.signed),
                ty.as_str()
            ),
            EmptyStack => "the stack is empty".into(),
            IndexOutOfBounds { index, len, signed } => {
                format!("index out of bounds: index {}, length {len}", word(*index, *signed))
            }
            DivisionByZero => "division by zero".into(),
            Alias { index } => format!(
                "the update's target and an element its expression reads are the same (index {index})"
            ),
            RecursionLimit { limit } => format!("calls nested deeper than the limit ({limit})"),
            Overflow => "integer overflow (Janus integers are unbounded; rdx stops at 64 bits)".into(),
            // A Janus `printf` that jana refuses when it runs is compiled to an `error` with
            // the printf's own message (`vm/src/jana.rs`): no `error` statement was written.
            UserError(msg) if msg.starts_with("printf: ") => msg.clone(),
            UserError(msg) => format!("`error` statement reached: {msg}"),
            NoHistory => "cannot reverse a lossy operation without its forward history".into(),
            HistoryMismatch { .. } => {
                "cannot reverse this lossy operation: the history tape's last value was written by another one".into()
            }
            UndoMismatch { wrote, found, signed } => format!(
                "cannot reverse this lossy operation: it wrote {}, but the location now holds {}",
                word(*wrote, *signed),
                word(*found, *signed)
            ),
            BadArguments(m) => format!("bad arguments: {m}"),
            KernelFailed(e) => e.message.clone(),
            StepLimit { limit } => format!("the run executed more than {limit} instructions (the step limit)"),
            MemoryLimit { grown, limit } => format!(
                "{} grew past the memory limit of {limit} words ({} MiB)",
                grown.name(),
                limit / (1 << 17)
            ),
            Stopped => "the run was stopped before it finished (its time budget ran out)".into(),
            Internal(m) => format!("internal error: {m}"),
            EngineFailed(m) => format!("internal engine error: {m}"),
        }
    }

    fn hint(&self) -> Option<&'static str> {
        use RunErrorKind::*;
        Some(match self {
            // The temporaries of `spec/janus.md` ("Expressions as operands").
            DelocalMismatch { name, signed: true, .. }
                if name
                    .strip_prefix("_t")
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) =>
            {
                "`_t…` carries an expression passed by value (a call argument that is not a plain variable, such as an array element, a `push` value or a `pop` target): the call must leave it equal to the expression, and the value popped must equal it"
            }
            NoHistory => {
                "`:=` and `erase` keep the overwritten value on a history tape of the forward run; a backward run started on its own has none"
            }
            HistoryMismatch { .. } => {
                "an `undo` (or a backward run) takes back the last value on the history tape, which the lossy statement it mirrors must have written: undo lossy statements in the reverse order they ran"
            }
            UndoMismatch { .. } => {
                "an `undo` gives back the overwritten value only where the location still holds what its `:=` wrote"
            }
            RecursionLimit { .. } => "check that the recursion reaches its base case",
            PopOutOfRange { .. } => {
                "a `pop` into a fixed-width variable takes only a value of its type: push values of that type onto the stack, or pop into a `u64`/`i64`"
            }
            MemoryLimit { grown: Grown::Frames, .. } => {
                "check that the recursion reaches its base case, and the sizes of the local arrays"
            }
            MemoryLimit { .. } => "check that the loop that pushes, overwrites with `:=` or prints ends",
            EngineFailed(_) => {
                "this is a bug in rdx, not in the program: `--backend interp` runs it on the interpreter"
            }
            Alias { .. } => "an update must not read the location it changes: use distinct indices",
            // `spec/janus.md`: a subscript outside its dimension adds 2^32 to the flat index.
            IndexOutOfBounds { index, signed: true, .. } if *index >= 1 << 32 && *index < 1 << 40 => {
                "in a Janus multi-dimensional array (`m[2][3]`), an index past 2^32 means a subscript outside its dimension"
            }
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
        if let Some(h) = self.uncall_hint() {
            d = d.hint(h);
        } else if let Some(h) = self.kind.hint() {
            d = d.hint(h);
        }
        d
    }

    /// For a failure that only a backward run meets, in a run that was started forward: the
    /// `uncall` that turned it backward, rather than the hint about the state given to a
    /// backward run.
    fn uncall_hint(&self) -> Option<String> {
        use RunErrorKind::*;
        if !matches!(self.kind, IfFailed { .. } | UntilExitFailed | UntilReentryFailed) {
            return None;
        }
        // The outermost frame that runs backward, called by one that runs forward.
        let k = self
            .stack
            .windows(2)
            .rposition(|w| w[0].direction == Direction::Backward && w[1].direction == Direction::Forward)?;
        let (callee, caller) = (&self.stack[k].gene, &self.stack[k + 1].gene);
        Some(format!(
            "`{caller}` uncalls `{callee}`, which runs backward from the state it is given: that state is not one a forward run of `{callee}` can produce"
        ))
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

/// A run-time fault's kind as one number, shared by every engine: compiled code (the JIT) and
/// its helpers record a `FaultCode` and up to two payload words, and [`Fault::decode`] makes the
/// interpreter's [`Fault`] of them, so both engines word every error the same way.
/// [`Fault::code`] goes the other way; a test checks that the two agree on every fault.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultCode {
    /// Compiled code: the fault was already recorded (by a helper or a callee); only the frame
    /// is added to the call stack.
    Recorded = 0,
    Assert = 1,
    FiThen = 2,
    FiElse = 3,
    IfThen = 4,
    IfElse = 5,
    FromEntry = 6,
    FromReentry = 7,
    UntilExit = 8,
    UntilReentry = 9,
    /// a = expected, b = actual; the slot travels beside the payload.
    Delocal = 10,
    /// a = length.
    StackNotEmpty = 11,
    /// a = the value.
    PopNonZero = 12,
    EmptyStack = 13,
    /// a = index, b = length.
    Oob = 14,
    DivZero = 15,
    /// a = index.
    Alias = 16,
    Overflow = 17,
    /// a = string index.
    User = 18,
    NoHistory = 19,
    BadRef = 20,
    /// a = the depth limit.
    Recursion = 21,
    /// a = the tag of the tape's last entry.
    HistoryMismatch = 22,
    /// Compiled code: the native stack budget of the current thread ran out before a call
    /// (the engine retries on a larger stack; if that also runs out it is [`Self::Recursion`]).
    /// a = the depth limit.
    NativeStack = 23,
    /// a = the word the undone write left, b = the word found there.
    UndoMismatch = 24,
    /// The kernel error travels beside the payload.
    Kernel = 25,
    /// a = the step limit.
    StepLimit = 26,
    Stopped = 27,
    /// An engine inconsistency (the text is the interpreter's own).
    Internal = 28,
    /// a = what grew ([`Grown`], its index in [`Grown::ALL`]), b = the limit in words.
    MemoryLimit = 29,
    /// a = the word on top of the stack, b = the width's code ([`crate::ops::Wid`]); the
    /// slot popped into travels beside the payload.
    PopRange = 30,
}

impl FaultCode {
    /// Every code, in numeric order (`ALL[i] as u32 == i`).
    pub const ALL: [FaultCode; 31] = {
        use FaultCode::*;
        [
            Recorded,
            Assert,
            FiThen,
            FiElse,
            IfThen,
            IfElse,
            FromEntry,
            FromReentry,
            UntilExit,
            UntilReentry,
            Delocal,
            StackNotEmpty,
            PopNonZero,
            EmptyStack,
            Oob,
            DivZero,
            Alias,
            Overflow,
            User,
            NoHistory,
            BadRef,
            Recursion,
            HistoryMismatch,
            NativeStack,
            UndoMismatch,
            Kernel,
            StepLimit,
            Stopped,
            Internal,
            MemoryLimit,
            PopRange,
        ]
    };

    /// The code with this number, if any.
    pub fn from_u32(x: u32) -> Option<FaultCode> {
        FaultCode::ALL.get(x as usize).copied()
    }
}

impl crate::engine::Fault {
    /// The fault's code and payload words `(a, b)` (see [`FaultCode`]; a delocal's slot and a
    /// kernel's error travel separately).
    pub fn code(&self) -> (FaultCode, u64, u64) {
        use crate::engine::Fault as F;
        match *self {
            F::Assert => (FaultCode::Assert, 0, 0),
            F::FiThen => (FaultCode::FiThen, 0, 0),
            F::FiElse => (FaultCode::FiElse, 0, 0),
            F::IfThen => (FaultCode::IfThen, 0, 0),
            F::IfElse => (FaultCode::IfElse, 0, 0),
            F::FromEntry => (FaultCode::FromEntry, 0, 0),
            F::FromReentry => (FaultCode::FromReentry, 0, 0),
            F::UntilExit => (FaultCode::UntilExit, 0, 0),
            F::UntilReentry => (FaultCode::UntilReentry, 0, 0),
            F::Delocal { expected, actual, .. } => (FaultCode::Delocal, expected, actual),
            F::StackNotEmpty(n) => (FaultCode::StackNotEmpty, n as u64, 0),
            F::PopNonZero(v) => (FaultCode::PopNonZero, v, 0),
            F::PopRange { value, w, .. } => (FaultCode::PopRange, value, u64::from(w)),
            F::EmptyStack => (FaultCode::EmptyStack, 0, 0),
            F::Oob(i, n) => (FaultCode::Oob, i, n),
            F::DivZero => (FaultCode::DivZero, 0, 0),
            F::Alias(i) => (FaultCode::Alias, i, 0),
            F::Overflow => (FaultCode::Overflow, 0, 0),
            F::User(s) => (FaultCode::User, u64::from(s), 0),
            F::NoHistory => (FaultCode::NoHistory, 0, 0),
            F::HistoryMismatch(tag) => (FaultCode::HistoryMismatch, tag, 0),
            F::UndoMismatch { wrote, found } => (FaultCode::UndoMismatch, wrote, found),
            F::BadRef => (FaultCode::BadRef, 0, 0),
            F::Recursion(limit) => (FaultCode::Recursion, limit as u64, 0),
            F::StepLimit(limit) => (FaultCode::StepLimit, limit, 0),
            F::MemoryLimit(grown, limit) => (FaultCode::MemoryLimit, grown as u64, limit),
            F::Stopped => (FaultCode::Stopped, 0, 0),
            F::Kernel => (FaultCode::Kernel, 0, 0),
            F::Internal(_) => (FaultCode::Internal, 0, 0),
        }
    }

    /// The fault a code and its payload words stand for (`slot`: a delocal's slot; `elem`: for
    /// an array's, the first word that differs). [`FaultCode::Recorded`] is not a fault of its
    /// own: it decodes as an internal error.
    pub fn decode(code: FaultCode, a: u64, b: u64, slot: u16, elem: Option<u32>) -> crate::engine::Fault {
        use crate::engine::Fault as F;
        match code {
            FaultCode::Assert => F::Assert,
            FaultCode::FiThen => F::FiThen,
            FaultCode::FiElse => F::FiElse,
            FaultCode::IfThen => F::IfThen,
            FaultCode::IfElse => F::IfElse,
            FaultCode::FromEntry => F::FromEntry,
            FaultCode::FromReentry => F::FromReentry,
            FaultCode::UntilExit => F::UntilExit,
            FaultCode::UntilReentry => F::UntilReentry,
            FaultCode::Delocal => {
                F::Delocal { slot, expected: a, actual: b, elem: elem.unwrap_or(F::SCALAR) }
            }
            FaultCode::StackNotEmpty => F::StackNotEmpty(a as usize),
            FaultCode::PopNonZero => F::PopNonZero(a),
            FaultCode::PopRange => F::PopRange { slot, w: b as u8, value: a },
            FaultCode::EmptyStack => F::EmptyStack,
            FaultCode::Oob => F::Oob(a, b),
            FaultCode::DivZero => F::DivZero,
            FaultCode::Alias => F::Alias(a),
            FaultCode::Overflow => F::Overflow,
            FaultCode::User => F::User(a as u32),
            FaultCode::NoHistory => F::NoHistory,
            FaultCode::HistoryMismatch => F::HistoryMismatch(a),
            FaultCode::UndoMismatch => F::UndoMismatch { wrote: a, found: b },
            FaultCode::BadRef => F::BadRef,
            FaultCode::Recursion | FaultCode::NativeStack => F::Recursion(a as usize),
            FaultCode::StepLimit => F::StepLimit(a),
            FaultCode::MemoryLimit => match Grown::ALL.get(a as usize) {
                Some(&grown) => F::MemoryLimit(grown, b),
                None => F::Internal("a memory limit fault of no kind"),
            },
            FaultCode::Stopped => F::Stopped,
            FaultCode::Kernel => F::Kernel,
            FaultCode::Internal => F::Internal("an engine inconsistency"),
            FaultCode::Recorded => F::Internal("a fault recorded without its code"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FaultCode, Grown};
    use crate::engine::Fault;

    #[test]
    fn fault_codes_are_numbered_in_order() {
        for (i, c) in FaultCode::ALL.iter().enumerate() {
            assert_eq!(*c as u32, i as u32, "{c:?}");
            assert_eq!(FaultCode::from_u32(i as u32), Some(*c));
        }
        assert_eq!(FaultCode::from_u32(FaultCode::ALL.len() as u32), None);
    }

    #[test]
    fn every_fault_decodes_from_its_code() {
        let faults = [
            Fault::Assert,
            Fault::FiThen,
            Fault::FiElse,
            Fault::IfThen,
            Fault::IfElse,
            Fault::FromEntry,
            Fault::FromReentry,
            Fault::UntilExit,
            Fault::UntilReentry,
            Fault::Delocal { slot: 3, expected: 5, actual: 7, elem: Fault::SCALAR },
            Fault::Delocal { slot: 3, expected: 5, actual: 7, elem: 2 },
            Fault::StackNotEmpty(4),
            Fault::PopNonZero(9),
            Fault::PopRange { slot: 4, w: 0x88, value: 200 },
            Fault::EmptyStack,
            Fault::Oob(10, 8),
            Fault::DivZero,
            Fault::Alias(2),
            Fault::Overflow,
            Fault::User(1),
            Fault::NoHistory,
            Fault::HistoryMismatch(77),
            Fault::UndoMismatch { wrote: 1, found: 2 },
            Fault::BadRef,
            Fault::Recursion(100),
            Fault::StepLimit(1000),
            Fault::MemoryLimit(Grown::Stacks, 64),
            Fault::MemoryLimit(Grown::Tape, 64),
            Fault::MemoryLimit(Grown::Output, 64),
            Fault::MemoryLimit(Grown::Frames, 128),
            Fault::Stopped,
            Fault::Kernel,
        ];
        for f in faults {
            let (code, a, b) = f.code();
            let (slot, elem) = match f {
                Fault::Delocal { slot, elem, .. } => (slot, (elem != Fault::SCALAR).then_some(elem)),
                Fault::PopRange { slot, .. } => (slot, None),
                _ => (0, None),
            };
            let back = Fault::decode(code, a, b, slot, elem);
            assert_eq!(format!("{back:?}"), format!("{f:?}"));
        }
    }
}
