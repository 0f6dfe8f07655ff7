//! The interpreter: runs a verified module's bytecode forward or backward.
//!
//! State: one value memory (`mem`, 64-bit words) holding the arrays passed in followed by the
//! frames of the active genes (each frame: its slots, then its local arrays), an explicit frame
//! stack (calls never recurse on the host stack, so deep recursion is a run-time error, not a
//! crash), a table of stacks, and the history tape of lossy operations.
//!
//! Each frame runs in its own direction (`uncall` inside a forward run runs its callee
//! backward): forward it runs the gene's code, backward the gene's backward stream
//! ([`crate::module::Backward`], built at load from the opcode table's mirror column). Both go
//! through the one dispatch loop in [`exec`], whose handlers live per category in [`pure`]
//! (expression code and frame access), [`update`] (reversible updates), [`control`] (`if`,
//! `from` and their assertions) and [`state`] (ancillas, stacks, the tape, kernels and output).
//! This module is the driver that sets up frames on calls (the plain run pushes and pops them
//! from inside the dispatch loop; the debugger between loop runs), copies scalar arguments in and out
//! (equivalent to by-reference passing because arguments never alias; arrays and stacks are
//! passed as references), and turns traps into [`RunError`]s with the call stack, naming the
//! forward instruction a backward one stands for.

mod control;
pub mod debug;
mod exec;
mod pure;
mod state;
mod update;

use crate::error::{KernelCallError, KernelCallErrorKind, RunError, RunErrorKind, StackFrame};
use crate::module::Module;
use crate::{Direction, Engine, RunReport, Value};
use rdx_lang::ast::{Elem, Type};

/// With a stop flag set ([`Interpreter::set_stop`]), instructions run between two looks at it.
pub const STOP_CHECK_STEPS: u64 = 1 << 20;

/// Asked between slices of a run whether to stop it ([`Interpreter::set_stop_check`]).
pub type StopCheck = Box<dyn Fn() -> bool + Send>;

/// Resource limits of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deepest call nesting allowed.
    pub max_depth: usize,
    /// Largest value memory (arrays and frames), in 64-bit words; also the most words the
    /// run's stacks, its history tape and its printed output may each grow to.
    pub max_words: usize,
    /// Most instructions a run may execute (checked when a loop goes around and on calls);
    /// unlimited by default.
    pub max_steps: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_depth: 200_000, max_words: 1 << 25, max_steps: u64::MAX }
    }
}

/// Room for one more word on the full stack `s` (its length is its capacity), as both engines
/// grow a stack: its buffer doubles (at least 4 words) up to `max_words` words, and a push onto
/// a stack of `max_words` words faults. So a stack's buffer never holds room for more than
/// `max_words` (unless an argument gave it more), and the push that faults is the same on
/// every engine.
#[cold]
#[inline(never)]
pub fn stack_room(s: &mut Vec<u64>, max_words: usize) -> Result<(), Fault> {
    let len = s.len();
    if len >= max_words {
        return Err(Fault::MemoryLimit(crate::Grown::Stacks, max_words as u64));
    }
    s.reserve_exact(len.max(4).min(max_words - len));
    Ok(())
}

/// A fault when a history tape of `len` entries (three words each) cannot take one more
/// within `max_words` words: the engines ask before each lossy write, so a run that
/// overwrites without end stops.
#[inline]
pub fn tape_within(len: usize, max_words: usize) -> Result<(), Fault> {
    if len < max_words / 3 { Ok(()) } else { Err(Fault::MemoryLimit(crate::Grown::Tape, max_words as u64)) }
}

/// One lossy write on the history tape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TapeEntry {
    /// The word the write overwrote (what an undo restores).
    pub old: u64,
    /// [`Module::tape_tag`] of the writing statement.
    pub tag: u64,
    /// The word it wrote (what the location must hold when the write is undone).
    pub new: u64,
}

/// One active gene.
#[derive(Clone, Copy, Debug)]
struct Frame {
    gene: u32,
    /// Index of the frame's slot 0 in `mem`.
    base: usize,
    /// The instruction being executed (for suspended frames: their `call`).
    pc: usize,
    dir: Direction,
    /// Where the call's arguments start in the caller's argument pool (the scalars are
    /// copied back through it when the frame returns).
    args: u32,
}

/// Why a dispatch loop stopped.
enum Flow {
    Call {
        gene: u32,
        args: crate::ops::Args,
        dir: Direction,
    },
    Return,
    /// A stepping hook paused the loop (the frame's `pc` is where it stopped).
    Pause,
}

/// A run-time fault, small and `Copy` for the hot path; [`Fault::into_kind`] makes it the
/// [`RunErrorKind`] a user sees. The JIT decodes its compiled code's fault codes into these, so
/// both engines word every error the same way.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    Assert,
    FiThen,
    FiElse,
    IfThen,
    IfElse,
    FromEntry,
    FromReentry,
    UntilExit,
    UntilReentry,
    Delocal {
        slot: u16,
        /// For an array, the first word that differs; [`Fault::SCALAR`] for a scalar (not an
        /// `Option`: the fault stays three words, as results of the handlers pass it).
        elem: u32,
        expected: u64,
        actual: u64,
    },
    StackNotEmpty(usize),
    PopNonZero(u64),
    /// `pop.w`: the top of the stack, `value`, is not a value of width `w` (a [`crate::ops::Wid`]
    /// code) in canonical form; `slot` is the variable popped into.
    PopRange {
        slot: u16,
        w: u8,
        value: u64,
    },
    EmptyStack,
    Oob(u64, u64),
    DivZero,
    Alias(u64),
    Overflow,
    User(u32),
    NoHistory,
    HistoryMismatch(u64),
    UndoMismatch {
        wrote: u64,
        found: u64,
    },
    BadRef,
    Recursion(usize),
    StepLimit(u64),
    /// Stacks, the tape or the output grew past the limit (the limit's words).
    MemoryLimit(crate::error::Grown, u64),
    /// The embedder asked the run to stop ([`Interpreter::set_stop`]).
    Stopped,
    /// A kernel call failed; the error is in `Interpreter::kernel_error`.
    Kernel,
    Internal(&'static str),
}

impl Fault {
    /// [`Fault::Delocal`]'s `elem` of a scalar.
    pub const SCALAR: u32 = u32::MAX;
}

const _: () = assert!(std::mem::size_of::<Fault>() <= 24, "a fault is three words");

/// A fault at an instruction of the top frame (a position in the frame's stream).
pub(crate) struct Trap {
    pc: usize,
    fault: Fault,
}

#[cold]
#[inline(never)]
fn trap(pc: usize, fault: Fault) -> Trap {
    Trap { pc, fault }
}

/// The reference engine.
pub struct Interpreter {
    mem: Vec<u64>,
    frames: Vec<Frame>,
    /// Stack variables by id; ids `0..live` are in use (they are opened and closed in LIFO
    /// order); the rest keep their capacity for reuse.
    stacks: Vec<Vec<u64>>,
    live: usize,
    /// The history tape of lossy writes: the overwritten word, the tag of the statement that
    /// wrote ([`Module::tape_tag`]: a digest of its target and expression code) and the word it
    /// wrote, so a value is only restored by the same statement undone, on the value it left.
    tape: Vec<TapeEntry>,
    /// What `print`, `printf` and `show` wrote.
    out: crate::output::Output,
    /// Limits applied to every run.
    pub limits: Limits,
    count: u64,
    lossy_words: u64,
    max_depth: usize,
    /// Runs `kernel` statements (None: a kernel statement is a run-time error).
    kernels: Option<Box<dyn KernelCall + Send>>,
    /// The last failed kernel call.
    kernel_error: Option<KernelCallError>,
    /// Asked between slices of a run whether to stop it ([`Interpreter::set_stop`],
    /// [`Interpreter::set_stop_check`]).
    stop: Option<StopCheck>,
    /// Whether calls ask `stop` too (a flag: [`Interpreter::set_stop`]); a check of
    /// [`Interpreter::set_stop_check`] is asked only between slices of a loop, so that calls
    /// keep their fast paths.
    stop_calls: bool,
    /// The last dispatch loop ran the plain streams (`module/inline.rs`): its positions are
    /// theirs.
    plain: bool,
}

/// The embedder's kernel host, as the interpreter sees it: runs kernel `name` (or, with
/// `inverse`, its mirror) in place over a buffer of `elem` elements held as 64-bit words
/// (`f64` bits; `c64` as interleaved re, im bits, two words per element). The interpreter
/// never depends on the WebAssembly host itself; the CLI supplies one.
pub trait KernelCall {
    /// Runs the kernel; an error names the kernel and what went wrong.
    fn call(
        &mut self,
        name: &str,
        inverse: bool,
        elem: Elem,
        words: &mut [u64],
    ) -> Result<(), KernelCallError>;
}

/// The first of `words` that is not `v` and its position (`delocal` of a local array, in every
/// engine): the words are or-ed in chunks without a branch a word (vector code) and searched
/// only when one differs.
pub fn first_unlike(words: &[u64], v: u64) -> Option<(usize, u64)> {
    if words.chunks(64).all(|c| c.iter().fold(0, |a, &x| a | (x ^ v)) == 0) {
        return None;
    }
    words.iter().copied().enumerate().find(|&(_, x)| x != v)
}

/// Runs kernel `name` (or, with `inverse`, its mirror) in place over `words` through `host`,
/// as every engine does: a missing host or a buffer that is not whole `elem` elements is an
/// error, and afterwards −0.0 becomes +0.0 in float buffers (numerically the same), so a zero
/// buffer that went through a linear kernel and back still closes as `delocal b = 0`.
pub fn call_kernel(
    host: Option<&mut (dyn KernelCall + Send + 'static)>,
    name: &str,
    inverse: bool,
    elem: Elem,
    words: &mut [u64],
) -> Result<(), KernelCallError> {
    let Some(host) = host else {
        let message = format!("kernel `{name}`: no kernel host (this embedder does not run kernels)");
        return Err(KernelCallError::new(KernelCallErrorKind::NoHost, name, message));
    };
    if !words.len().is_multiple_of(elem.words() as usize) {
        let message = format!(
            "kernel `{name}`: a buffer of {} words is not whole {} elements",
            words.len(),
            elem.as_str()
        );
        return Err(KernelCallError::new(KernelCallErrorKind::BadBuffer, name, message));
    }
    host.call(name, inverse, elem, words)?;
    if elem.is_float() {
        for w in words.iter_mut() {
            if *w == 1 << 63 {
                *w = 0;
            }
        }
    }
    Ok(())
}

impl Default for Interpreter {
    fn default() -> Interpreter {
        Interpreter::new()
    }
}

impl Interpreter {
    pub fn new() -> Interpreter {
        Interpreter {
            mem: Vec::new(),
            frames: Vec::new(),
            stacks: Vec::new(),
            live: 0,
            tape: Vec::new(),
            out: crate::output::Output::new(),
            limits: Limits::default(),
            count: 0,
            lossy_words: 0,
            max_depth: 0,
            kernels: None,
            kernel_error: None,
            stop: None,
            stop_calls: false,
            plain: false,
        }
    }

    /// With the given limits.
    pub fn with_limits(limits: Limits) -> Interpreter {
        Interpreter { limits, ..Interpreter::new() }
    }

    /// A flag another thread may raise to stop this engine's runs (a time budget, a
    /// cancelled request): the run ends with [`RunErrorKind::Stopped`] within
    /// [`STOP_CHECK_STEPS`] instructions, or at its next call. `None` removes it.
    pub fn set_stop(&mut self, flag: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>) {
        self.stop =
            flag.map(|f| -> StopCheck { Box::new(move || f.load(std::sync::atomic::Ordering::Relaxed)) });
        self.stop_calls = self.stop.is_some();
    }

    /// A question asked on the running thread where a jump back has run [`STOP_CHECK_STEPS`]
    /// instructions since the last: true stops the run with [`RunErrorKind::Stopped`]. An
    /// embedder polls its own events there, such as Python's signals (Ctrl-C). Unlike
    /// [`Interpreter::set_stop`]'s flag it is not asked at calls, which keep their fast paths,
    /// so a run of calls without loops is not asked. `None` removes it (and a flag).
    pub fn set_stop_check(&mut self, check: Option<StopCheck>) {
        self.stop = check;
        self.stop_calls = false;
    }

    /// Whether the run is asked to stop.
    #[cold]
    pub(crate) fn stop_asked(&self) -> bool {
        self.stop.as_ref().is_some_and(|ask| ask())
    }

    fn new_stack(&mut self) -> usize {
        if self.live < self.stacks.len() {
            self.stacks[self.live].clear();
        } else {
            self.stacks.push(Vec::new());
        }
        self.live += 1;
        self.live - 1
    }

    /// Checks `args` against the gene's parameters (see [`bind_args`]).
    fn bind(&mut self, m: &Module, gene: usize, args: &[Value]) -> Result<(usize, usize), RunErrorKind> {
        bind_args(m, gene, args, &self.limits)
    }

    fn run_gene(
        &mut self,
        m: &Module,
        gene: usize,
        args: &mut [Value],
        dir: Direction,
    ) -> Result<RunReport, RunError> {
        let base = self.setup(m, gene, args, dir)?;
        self.drive(m)?;
        self.collect(m, gene, base, args)?;
        Ok(RunReport {
            instructions: self.count,
            lossy_bits: self.lossy_words * 64,
            max_depth: self.max_depth,
        })
    }

    /// Lays out the arguments and the entry gene's frame, ready to run; returns the frame's
    /// base.
    fn setup(&mut self, m: &Module, gene: usize, args: &[Value], dir: Direction) -> Result<usize, RunError> {
        let (area, need) = self.bind(m, gene, args).map_err(RunError::bare)?;
        let g = &m.genes[gene];
        self.mem.clear();
        self.mem.resize(need, 0);
        self.frames.clear();
        self.live = 0;
        self.count = 0;
        self.lossy_words = 0;
        self.max_depth = 1;
        let base = area;
        let mut at = 0usize;
        for (i, v) in args.iter().enumerate() {
            let ps = base + g.param_slots[i] as usize;
            match v {
                Value::Int(x) => self.mem[ps] = *x,
                Value::Array(a) => {
                    self.mem[at..at + a.len()].copy_from_slice(a);
                    self.mem[ps] = at as u64;
                    self.mem[ps + 1] = a.len() as u64;
                    at += a.len();
                }
                Value::Stack(s) => {
                    let id = self.new_stack();
                    self.stacks[id].extend_from_slice(s);
                    self.mem[ps] = id as u64;
                }
            }
        }
        self.frames.push(Frame { gene: gene as u32, base, pc: 1, dir, args: 0 });
        Ok(base)
    }

    /// Copies the entry gene's parameters (frame at `base`) out into `args`.
    fn collect(&self, m: &Module, gene: usize, base: usize, args: &mut [Value]) -> Result<(), RunError> {
        let g = &m.genes[gene];
        // Copy the final state out (array and stack references are re-checked: a hand-written
        // module could have overwritten them).
        let bad = || RunError::bare(RunErrorKind::Internal("parameter reference overwritten".into()));
        for (i, v) in args.iter_mut().enumerate() {
            let ps = base + g.param_slots[i] as usize;
            match v {
                Value::Int(x) => *x = self.mem[ps],
                Value::Array(a) => {
                    let start = self.mem[ps] as usize;
                    let src = start
                        .checked_add(a.len())
                        .and_then(|end| self.mem.get(start..end))
                        .ok_or_else(bad)?;
                    a.copy_from_slice(src);
                }
                Value::Stack(s) => {
                    let id = self.mem[ps] as usize;
                    let src = self.stacks.get(id).filter(|_| id < self.live).ok_or_else(bad)?;
                    s.clear();
                    s.extend_from_slice(src);
                }
            }
        }
        Ok(())
    }

    /// Runs frames until the entry gene returns.
    fn drive(&mut self, m: &Module) -> Result<(), RunError> {
        loop {
            if self.frames.is_empty() {
                return Ok(());
            }
            match self.exec(m) {
                Ok(Flow::Call { gene, args, dir }) => {
                    if let Err(f) = self.push_frame(m, gene, args, dir) {
                        let pc = self.frames.last().map_or(0, |f| f.pc);
                        return Err(self.error(m, Trap { pc, fault: f }));
                    }
                }
                Ok(Flow::Return) => {
                    self.pop_frame(m);
                }
                Ok(Flow::Pause) => {}
                Err(t) => return Err(self.error(m, t)),
            }
        }
    }

    /// Pushes the frame of a call of gene `gene` from the top frame (the driver's and the
    /// debugger's calls, with the instruction count settled).
    fn push_frame(
        &mut self,
        m: &Module,
        gene: u32,
        args: crate::ops::Args,
        dir: Direction,
    ) -> Result<Frame, Fault> {
        let caller = *self.frames.last().ok_or(Fault::Internal("no caller"))?;
        self.push_callee(m, &m.genes[caller.gene as usize], caller.base, gene, args, dir, 0)
    }

    /// Pushes the frame of a call of gene `gene` from the top frame, which runs gene `cg` at
    /// `caller_base`; `pending` instructions have run that `count` does not hold yet (the
    /// dispatch loop settles its count when it leaves). The dispatch loop's call takes it when
    /// [`Interpreter::call_fast`] does not apply.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn push_callee(
        &mut self,
        m: &Module,
        cg: &crate::module::GeneDef,
        caller_base: usize,
        gene: u32,
        args: crate::ops::Args,
        dir: Direction,
        pending: u64,
    ) -> Result<Frame, Fault> {
        let g = &m.genes[gene as usize];
        let base = caller_base + cg.words as usize;
        let need = base + g.words as usize;
        // One test on the common path; the cold one says which limit (if any) the call hits.
        if self.frames.len() >= self.limits.max_depth
            || need > self.limits.max_words
            || pending > self.limits.max_steps.saturating_sub(self.count)
            || self.stop_calls
        {
            self.call_limits(self.frames.len(), need, pending)?;
        }
        if need > self.mem.len() {
            self.grow(need);
        }
        // SAFETY: the operands of a verified call of `cg`, the top frame's gene; the memory
        // holds both frames (grown above).
        let mem = pure::Mem { ptr: self.mem.as_mut_ptr(), len: self.mem.len() };
        unsafe { self.lay_out_frame(mem, cg, caller_base, g, gene, args, dir) }.ok_or(Fault::BadRef)
    }

    /// Lays out the frame of a call of gene `g` (index `gene`) in direction `dir` from gene `cg`,
    /// whose frame is at `caller_base`: the arguments copied in, the rest of the frame at zero,
    /// the frame pushed and the deepest nesting raised to it. Returns the frame; None, having
    /// pushed nothing, when an array argument's length slot is past the caller's slots (the
    /// verifier leaves that check to the call, so that verifying many calls of a gene with
    /// many parameters stays linear).
    ///
    /// # Safety
    /// `gene` and `args` are the operands of a verified `call`/`uncall` of gene `cg` (so the
    /// argument list lies inside `cg.args` and has one slot per parameter, each below
    /// `cg.slots`, and the parameters' words are below `g.slots`), `g` is gene `gene`, and
    /// `mem` holds both frames (`caller_base + cg.words + g.words <= mem.len`).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn lay_out_frame(
        &mut self,
        mem: pure::Mem,
        cg: &crate::module::GeneDef,
        caller_base: usize,
        g: &crate::module::GeneDef,
        gene: u32,
        args: crate::ops::Args,
        dir: Direction,
    ) -> Option<Frame> {
        // SAFETY: the caller's frame is `mem[caller_base .. base]` and the callee's
        // `mem[base .. base + g.words]`, inside the memory; the argument slots and parameter
        // words are in their frames (contract), an array argument's length slot checked here.
        unsafe {
            let from = mem.ptr.add(caller_base);
            let to = from.add(cg.words as usize);
            let pool = cg.args.as_ptr().add(args.start as usize);
            for (k, p) in g.param_pass.iter().enumerate() {
                let (slot, at) = ((*pool.add(k)).0 as usize, p.at as usize);
                *to.add(at) = *from.add(slot);
                if p.width == 2 {
                    if slot + 1 >= cg.slots as usize {
                        return None;
                    }
                    *to.add(at + 1) = *from.add(slot + 1);
                }
            }
            // The rest of the frame starts at zero (a few words: a loop, not a call of memset).
            for k in g.param_words as usize..g.words as usize {
                to.add(k).write(0);
            }
        }
        let frame = Frame { gene, base: caller_base + cg.words as usize, pc: 1, dir, args: args.start };
        self.frames.push(frame);
        if self.frames.len() > self.max_depth {
            self.max_depth = self.frames.len();
        }
        Some(frame)
    }

    /// The limit a call from `levels` frames deep would pass (depth, memory, steps, with
    /// `pending` instructions not yet in `count`) or the stop flag raised, if any.
    #[cold]
    #[inline(never)]
    fn call_limits(&self, levels: usize, need: usize, pending: u64) -> Result<(), Fault> {
        if levels >= self.limits.max_depth {
            return Err(Fault::Recursion(self.limits.max_depth));
        }
        if need > self.limits.max_words {
            return Err(Fault::MemoryLimit(crate::Grown::Frames, self.limits.max_words as u64));
        }
        if self.count.saturating_add(pending) > self.limits.max_steps {
            return Err(Fault::StepLimit(self.limits.max_steps));
        }
        if self.stop_calls && self.stop_asked() {
            return Err(Fault::Stopped);
        }
        Ok(())
    }

    /// The plain run's call (`call`/`uncall` of gene `gene` from the top frame, which runs gene
    /// `cg` at `caller_base`, at position `pc`) in the common case: no limit reached
    /// (`steps_ok`: the instructions run so far leave `count` within the step limit), no stop
    /// flag, and the memory `mem` (the dispatch loop's view, which it does not have to follow)
    /// already holds the callee's frame. Does what [`Interpreter::push_callee`] does, and
    /// returns the callee and its frame's base; None, having pushed nothing, in any other case
    /// (the dispatch loop then takes `push_callee`, which says why).
    ///
    /// # Safety
    /// `gene` and `args` are the operands of a verified `call`/`uncall` of gene `cg`, the top
    /// frame's gene (so the gene exists, the argument list lies inside `cg.args` and has one
    /// slot per parameter, each below `cg.slots`), and `mem` is the interpreter's memory, which
    /// holds the top frame.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn call_fast<'m>(
        &mut self,
        m: &'m Module,
        cg: &crate::module::GeneDef,
        mem: pure::Mem,
        caller_base: usize,
        gene: u32,
        args: crate::ops::Args,
        dir: Direction,
        pc: usize,
        steps_ok: bool,
    ) -> Option<(&'m crate::module::GeneDef, usize)> {
        // SAFETY: a verified gene index (contract).
        let g = unsafe { m.genes.get_unchecked(gene as usize) };
        let need = caller_base + cg.words as usize + g.words as usize;
        if !steps_ok
            || self.frames.len() >= self.limits.max_depth
            || need > self.limits.max_words
            || need > mem.len
            || self.stop_calls
        {
            return None;
        }
        // SAFETY: the running frame is the top one (contract: there is one).
        unsafe { self.frames.last_mut().unwrap_unchecked().pc = pc };
        // SAFETY: a verified call of `cg`, memory holding both frames (need <= mem.len).
        let fr = unsafe { self.lay_out_frame(mem, cg, caller_base, g, gene, args, dir) }?;
        Some((g, fr.base))
    }

    /// Returns from the top frame, which runs gene `g` with its frame at `fp`, to its caller
    /// (there is one): the scalar parameters' values go back into the caller's argument slots
    /// and the caller goes on after its call. Returns the caller's frame, now at the
    /// instruction after its call, and its gene.
    ///
    /// # Safety
    /// At least two frames are live; `g` is the top frame's gene and `fp` the address of its
    /// frame in `mem`, the interpreter's memory (which holds both frames); the top frame was
    /// pushed by a verified call of the frame below it (so its argument list lies inside the
    /// caller gene's pool, one slot per parameter, each below the caller's slot count).
    #[inline(always)]
    unsafe fn return_to_caller<'m>(
        &mut self,
        m: &'m Module,
        g: &crate::module::GeneDef,
        fp: *mut u64,
        mem: pure::Mem,
    ) -> (Frame, &'m crate::module::GeneDef) {
        // SAFETY: two frames at least, a verified call (contract).
        unsafe {
            let done = self.frames.pop().unwrap_unchecked();
            let caller = self.frames.last_mut().unwrap_unchecked();
            caller.pc += 1;
            let caller = *caller;
            let cg = m.genes.get_unchecked(caller.gene as usize);
            let to = mem.ptr.add(caller.base);
            let pool = cg.args.as_ptr().add(done.args as usize);
            for &(k, at) in &g.param_back {
                *to.add((*pool.add(k as usize)).0 as usize) = *fp.add(at as usize);
            }
            (caller, cg)
        }
    }

    /// `call.in` (a leaf call translated in place, `module/inline.rs`) of gene `gene`, whose
    /// frame would be at `at`, `depth` levels above the top frame (more than one inside a
    /// callee translated in place itself): what [`Interpreter::push_frame`] checks and
    /// prepares besides the frame itself — the call's limits, memory for the callee's slots,
    /// its locals at zero, the depth it reaches.
    ///
    /// The cheap case first: when the memory already holds the callee's words, no limit is
    /// reached and `steps_ok` (the instructions run so far, not yet added to `count`, leave
    /// `count` within the step limit), the dispatch loop need not settle its count nor follow
    /// a moved memory. False otherwise, having done nothing: take [`Interpreter::enter_inline`].
    #[inline(always)]
    fn enter_inline_fast(&mut self, m: &Module, at: usize, gene: u32, depth: usize, steps_ok: bool) -> bool {
        let Some(g) = m.genes.get(gene as usize) else { return false };
        let need = at + g.words as usize;
        let levels = self.frames.len() + depth - 1;
        if !steps_ok
            || need > self.mem.len()
            || levels >= self.limits.max_depth
            || need > self.limits.max_words
            || self.stop_calls
        {
            return false;
        }
        let lo = at + g.param_words as usize;
        if lo < need {
            self.mem[lo..need].fill(0);
        }
        self.max_depth = self.max_depth.max(levels + 1);
        true
    }

    /// [`Interpreter::enter_inline_fast`]'s other case (the step count settled first).
    #[cold]
    #[inline(never)]
    fn enter_inline(&mut self, m: &Module, at: usize, gene: u32, depth: usize) -> Result<(), Fault> {
        let g = &m.genes[gene as usize];
        let need = at + g.words as usize;
        let levels = self.frames.len() + depth - 1;
        if levels >= self.limits.max_depth
            || need > self.limits.max_words
            || self.count > self.limits.max_steps
            || self.stop_calls
        {
            self.call_limits(levels, need, 0)?;
        }
        if need > self.mem.len() {
            self.grow(need);
        }
        for w in &mut self.mem[at + g.param_words as usize..need] {
            *w = 0;
        }
        self.max_depth = self.max_depth.max(levels + 1);
        Ok(())
    }

    /// Grows the memory to `need` words (a deeper frame than any so far).
    #[cold]
    #[inline(never)]
    fn grow(&mut self, need: usize) {
        self.mem.resize(need, 0);
    }

    /// Returns from the top frame ([`Interpreter::return_to_caller`]; the driver's and the
    /// debugger's returns). Returns the caller's frame, now at the instruction after its call;
    /// None when the frame popped was the entry frame.
    fn pop_frame(&mut self, m: &Module) -> Option<Frame> {
        if self.frames.len() < 2 {
            self.frames.pop();
            return None;
        }
        let done = *self.frames.last()?;
        let g = &m.genes[done.gene as usize];
        // Both frames lie inside the memory: `push_frame` grew it to hold them, and it never
        // shrinks while frames are live.
        let mem = pure::Mem { ptr: self.mem.as_mut_ptr(), len: self.mem.len() };
        debug_assert!(done.base + g.words as usize <= mem.len);
        // SAFETY: two frames, the top one (gene `g`, at `done.base`, inside the memory) pushed
        // by a verified call of the one below.
        Some(unsafe { self.return_to_caller(m, g, mem.ptr.add(done.base), mem) }.0)
    }

    /// Builds the error with the call stack, innermost first.
    #[cold]
    fn error(&self, m: &Module, t: Trap) -> RunError {
        let mut stack = Vec::with_capacity(self.frames.len() + 1);
        let frame = |gi: usize, pc: usize, dir: Direction| {
            let pc = m.origin(gi, pc, dir);
            StackFrame { gene: m.genes[gi].name.clone(), pc, span: m.span(gi, pc), direction: dir }
        };
        let (mut gene, mut dir) =
            self.frames.last().map_or((0, Direction::Forward), |f| (f.gene as usize, f.dir));
        let mut fault = t.fault;
        for (k, f) in self.frames.iter().rev().enumerate() {
            let (mut gi, mut pc, mut d) = (f.gene as usize, if k == 0 { t.pc } else { f.pc }, f.dir);
            if !self.plain {
                stack.push(frame(gi, pc, d));
                continue;
            }
            // A plain run's positions are in the plain streams, where a leaf call may be
            // translated in place (inside another one, too): each callee's instruction stands
            // for a frame of its own, above its caller's.
            let mut chain = Vec::new();
            loop {
                let (own, inlined) = m.plain_origin(gi, pc, d);
                chain.push((gi, own, d));
                let Some(c) = inlined else { break };
                if let Fault::Delocal { slot, .. } | Fault::PopRange { slot, .. } = &mut fault {
                    // Back to the callee's own slot (`module/inline.rs` renamed it): a
                    // parameter's from the caller's argument slots, the rest from past the
                    // caller's frame.
                    let args = m.genes[gi].args.get(c.args.start as usize..).unwrap_or_default();
                    let params = &m.genes[c.gene].param_pass;
                    let arg = args.iter().zip(params).find(|(a, p)| a.0 <= *slot && *slot < a.0 + p.width);
                    *slot = match arg {
                        Some((a, p)) => p.at + (*slot - a.0),
                        None => slot.saturating_sub(m.genes[gi].words as u16),
                    };
                }
                (gi, pc, d) = (c.gene, c.pc, c.dir);
                (gene, dir) = (c.gene, c.dir);
            }
            stack.extend(chain.into_iter().rev().map(|(g, p, d)| frame(g, p, d)));
        }
        let fault = match dir {
            Direction::Forward => fault,
            Direction::Backward => fault.mirror(),
        };
        let pc = stack.first().map_or(0, |f| f.pc);
        RunError { kind: fault.into_kind(m, gene, pc, self.kernel_error.clone()), stack }
    }
}

/// Checks `args` against gene `gene`'s parameters, as every engine must (one value per
/// parameter, of its kind; arrays of their exact length, in words: a `c64` element takes two).
/// Returns the words the array arguments take and the words a run needs (those plus the entry
/// gene's frame), refusing a run larger than `limits.max_words`.
pub fn bind_args(
    m: &Module,
    gene: usize,
    args: &[Value],
    limits: &Limits,
) -> Result<(usize, usize), RunErrorKind> {
    let g = m.genes.get(gene).ok_or_else(|| RunErrorKind::BadArguments(format!("no gene number {gene}")))?;
    if args.len() != g.params.len() {
        return Err(RunErrorKind::BadArguments(format!(
            "gene `{}` has {} parameters, {} values given",
            g.name,
            g.params.len(),
            args.len()
        )));
    }
    // The memory first, from the parameters' types (what the values must match): an array
    // argument over the limit need not even be allocated ([`crate::values::bind`]).
    let typed = crate::values::param_words(g).saturating_add(u64::from(g.words));
    if typed > limits.max_words as u64 {
        return Err(RunErrorKind::MemoryLimit {
            grown: crate::Grown::Frames,
            limit: limits.max_words as u64,
        });
    }
    let mut area = 0usize;
    for (p, v) in g.params.iter().zip(args) {
        match (p.ty, v) {
            (Type::U64 | Type::I64, Value::Int(_)) => {}
            (Type::Stack, Value::Stack(s)) if s.len() <= limits.max_words => {}
            (Type::Stack, Value::Stack(s)) => {
                return Err(RunErrorKind::BadArguments(format!(
                    "`{}` has {} elements, more than the memory limit of {} words",
                    p.name,
                    s.len(),
                    limits.max_words
                )));
            }
            (Type::Fixed(w), Value::Int(x)) if w.holds(*x) => {}
            (Type::Fixed(w), Value::Int(x)) => {
                return Err(RunErrorKind::BadArguments(format!(
                    "`{}` is `{w}` and {} does not fit",
                    p.name,
                    if w.signed { (*x as i64).to_string() } else { x.to_string() },
                    w = w.as_str()
                )));
            }
            (Type::Array(e, n), Value::Array(a)) if a.len() as u64 == n.saturating_mul(e.words()) => {
                area += a.len()
            }
            (Type::Array(e, n), Value::Array(a)) => {
                return Err(RunErrorKind::BadArguments(format!(
                    "`{}` has {n} elements, {} given",
                    p.name,
                    a.len() as u64 / e.words()
                )));
            }
            (ty, _) => {
                return Err(RunErrorKind::BadArguments(format!(
                    "`{}` is `{ty}`: wrong kind of value",
                    p.name
                )));
            }
        }
    }
    let need = area.saturating_add(g.words as usize);
    if need > limits.max_words {
        return Err(RunErrorKind::MemoryLimit {
            grown: crate::Grown::Frames,
            limit: limits.max_words as u64,
        });
    }
    Ok((area, need))
}

impl Fault {
    /// The fault as the source program names it when the instruction that raised it runs in a
    /// backward stream: there a `fi` assertion checks the `if` condition and a `from` assertion
    /// the `until` condition (the stream exchanged them), so those faults exchange names.
    pub fn mirror(self) -> Fault {
        match self {
            Fault::FiThen => Fault::IfThen,
            Fault::IfThen => Fault::FiThen,
            Fault::FiElse => Fault::IfElse,
            Fault::IfElse => Fault::FiElse,
            Fault::FromEntry => Fault::UntilExit,
            Fault::UntilExit => Fault::FromEntry,
            Fault::FromReentry => Fault::UntilReentry,
            Fault::UntilReentry => Fault::FromReentry,
            other => other,
        }
    }

    /// The error kind, with names and spans looked up in `m` (`gene` is the failing gene and
    /// `pc` the failing instruction's forward position, for a delocal's variable name);
    /// `kernel_error` is the failed kernel call's error.
    pub fn into_kind(
        self,
        m: &Module,
        gene: usize,
        pc: usize,
        kernel_error: Option<KernelCallError>,
    ) -> RunErrorKind {
        use RunErrorKind as K;
        // Every Janus integer is signed; an rdx module keeps no types of its locals, but a
        // delocal's variable has a slot, whose type the parameters or the source say.
        let signed = m.dialect == rdx_lang::ast::Dialect::Janus;
        match self {
            Fault::Assert => K::AssertFailed,
            Fault::FiThen => K::FiFailed { then: true },
            Fault::FiElse => K::FiFailed { then: false },
            Fault::IfThen => K::IfFailed { then: true },
            Fault::IfElse => K::IfFailed { then: false },
            Fault::FromEntry => K::FromEntryFailed,
            Fault::FromReentry => K::FromReentryFailed,
            Fault::UntilExit => K::UntilExitFailed,
            Fault::UntilReentry => K::UntilReentryFailed,
            Fault::Delocal { slot, expected, actual, elem } => {
                let name = m.slot_name(gene, slot, pc);
                let name = if elem == Fault::SCALAR { name } else { format!("{name}[{elem}]") };
                let signed = signed || debug::slot_signed(m, gene, slot, pc);
                K::DelocalMismatch { name, expected, actual, signed }
            }
            Fault::StackNotEmpty(len) => K::StackNotEmpty { len },
            Fault::PopNonZero(value) => K::PopNonZero { value, signed },
            Fault::PopRange { slot, w, value } => {
                K::PopOutOfRange { value, name: m.slot_name(gene, slot, pc), ty: crate::ops::Wid(w).width() }
            }
            Fault::EmptyStack => K::EmptyStack,
            Fault::Oob(index, len) => K::IndexOutOfBounds { index, len, signed },
            Fault::DivZero => K::DivisionByZero,
            Fault::Alias(index) => K::Alias { index },
            Fault::Overflow => K::Overflow,
            Fault::User(s) => K::UserError(m.strings.get(s as usize).cloned().unwrap_or_default()),
            Fault::NoHistory => K::NoHistory,
            Fault::HistoryMismatch(tag) => K::HistoryMismatch { written_at: m.tape_tag_span(tag) },
            Fault::UndoMismatch { wrote, found } => K::UndoMismatch { wrote, found, signed },
            Fault::BadRef => K::Internal("invalid array or stack reference".into()),
            Fault::Recursion(limit) => K::RecursionLimit { limit },
            Fault::StepLimit(limit) => K::StepLimit { limit },
            Fault::MemoryLimit(grown, limit) => K::MemoryLimit { grown, limit },
            Fault::Stopped => K::Stopped,
            Fault::Kernel => K::KernelFailed(kernel_error.unwrap_or_else(|| {
                KernelCallError::new(KernelCallErrorKind::Other, "", "kernel call failed")
            })),
            Fault::Internal(what) => K::Internal(what.into()),
        }
    }
}

impl Engine for Interpreter {
    fn name(&self) -> &'static str {
        "interp"
    }

    fn run(
        &mut self,
        module: &Module,
        gene: usize,
        args: &mut [Value],
        dir: Direction,
    ) -> Result<RunReport, RunError> {
        self.run_gene(module, gene, args, dir)
    }

    fn set_kernels(&mut self, kernels: Box<dyn KernelCall + Send>) {
        self.kernels = Some(kernels);
    }

    fn take_kernels(&mut self) -> Option<Box<dyn KernelCall + Send>> {
        self.kernels.take()
    }

    fn take_output(&mut self) -> Vec<u8> {
        self.out.take()
    }

    fn tape(&self) -> &[TapeEntry] {
        &self.tape
    }

    fn swap_tape(&mut self, tape: Vec<TapeEntry>) -> Vec<TapeEntry> {
        std::mem::replace(&mut self.tape, tape)
    }
}

#[cfg(test)]
mod tests {
    use super::first_unlike;

    #[test]
    fn first_unlike_names_the_first_word_that_differs() {
        for len in [0usize, 1, 63, 64, 65, 130] {
            let mut w = vec![9u64; len];
            assert_eq!(first_unlike(&w, 9), None, "{len}");
            if len == 0 {
                continue;
            }
            w[len - 1] = 4;
            assert_eq!(first_unlike(&w, 9), Some((len - 1, 4)), "the last of {len}");
            w[len / 2] = 5;
            assert_eq!(first_unlike(&w, 9), Some((len / 2, 5)), "the middle of {len}");
            w[0] = 6;
            assert_eq!(first_unlike(&w, 9), Some((0, 6)), "the first of {len}");
        }
    }
}
