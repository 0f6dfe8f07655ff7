//! The debugger's driver: runs a gene one statement (or to a stop) at a time, in either
//! direction, from any statement boundary, through the interpreter's one dispatch loop.
//!
//! Going backward needs no log. Every frame runs in its own direction; reversing the session
//! flips every frame onto its gene's other stream at the same program point, through the
//! statement-boundary maps of [`crate::module::Backward`] (a suspended frame stands at its
//! `call`/`uncall`, whose mirror is the same call in the other stream), and the backward stream
//! undoes what the forward one did. Only lossy writes (`:=`) keep what they overwrote, on the
//! interpreter's history tape, as a plain run does.
//!
//! The session's position is counted in *steps*: arrivals at statement boundaries since the
//! start of the run (a forward step adds one, a backward step takes one away, so `goto N`
//! reaches the same program state from either side). Stops are checked by a [`Hook`] asked
//! before each instruction; the plain run uses [`super::exec::NoHook`], so it pays nothing.
//! The hook reads one byte per instruction of the running stream ([`Marks`]): statement
//! boundary, breakpoint. A run-time error stops the session at the start of the statement that
//! failed (the run is replayed there from its start), from where it can be stepped back.
//!
//! A breakpoint may have a condition, an expression of the program's language: it is evaluated
//! only where the breakpoint's byte stops the hook, by the evaluator the front end installs
//! ([`Debugger::set_condition_eval`]; the one that computes `print`), and the breakpoint stops
//! where it is non-zero or fails.
//!
//! A motion that never ends (a `continue` into an endless loop) is interrupted by a flag that
//! another thread or a signal handler raises ([`Debugger::set_interrupt`]): the hook counts
//! steps down and, every [`INTERRUPT_CHECK_STEPS`] of them, the driver reads the flag, so the
//! stepping pays a counter decrement per step and no system call.

use super::exec::Hook;
use super::{Fault, Flow, Interpreter, Trap};
use crate::error::RunError;
use crate::module::{Backward, Module};
use crate::ops::Op;
use crate::{Direction, Value};
use rdx_lang::ast::{Elem, Span, Type};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const BOUNDARY: u8 = 1;
const BREAK: u8 = 2;

/// Steps a motion runs between two looks at the interrupt flag ([`Debugger::set_interrupt`]).
pub const INTERRUPT_CHECK_STEPS: u32 = 1 << 12;

/// Per gene and direction, one byte per instruction: [`BOUNDARY`] where a source statement
/// starts (a point where the run may change direction; the backward stream's are the mirrors of
/// the forward ones), [`BREAK`] at breakpoints.
struct Marks {
    genes: Vec<[Vec<u8>; 2]>,
}

fn side(dir: Direction) -> usize {
    match dir {
        Direction::Forward => 0,
        Direction::Backward => 1,
    }
}

/// The hook of one dispatch: counts statement boundaries and pauses where the driver must look.
struct Stepper<'a> {
    marks: &'a [u8],
    /// Steps since the start of the run.
    pos: u64,
    /// Whether a boundary counts +1 (the run's own direction) or −1 (reversed).
    ahead: bool,
    /// Pause at every boundary (stepping, watchpoints).
    every: bool,
    /// Pause when `pos` reaches this (goto).
    target: u64,
    /// Pause before this instruction (the entry gene's `exit`: the end of the run).
    end: usize,
    /// Steps left before the driver looks at the interrupt flag: pause when it reaches 0.
    tick: u32,
}

impl Hook for Stepper<'_> {
    const ON: bool = true;

    #[inline(always)]
    fn pause(&mut self, pc: usize) -> bool {
        let k = self.marks.get(pc).copied().unwrap_or(0);
        if k == 0 {
            return false;
        }
        if k & BOUNDARY != 0 {
            self.pos = if self.ahead { self.pos.wrapping_add(1) } else { self.pos.wrapping_sub(1) };
            self.tick = self.tick.wrapping_sub(1);
            if self.every || self.pos == self.target || self.tick == 0 {
                return true;
            }
        }
        k & BREAK != 0 || pc == self.end
    }
}

/// Where a breakpoint stops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BreakAt {
    /// Before each statement starting on this source line (1-based).
    Line(u32),
    /// Before the first statement of this gene.
    Gene(usize),
}

/// A breakpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breakpoint {
    /// Its number (from 1, never reused in a session).
    pub id: u32,
    pub at: BreakAt,
    /// Program points it marks (0: a line with no statement).
    pub points: usize,
    /// An expression of the program's language: the breakpoint stops only where it is
    /// non-zero (or fails: [`Stop::ConditionFailed`]), evaluated in the frame at the stop.
    pub condition: Option<String>,
}

/// Evaluates a breakpoint's condition in the top frame of a debugger paused at the breakpoint:
/// whether it holds (is non-zero), or why it cannot be computed.
pub type ConditionEval<'m> = Box<dyn Fn(&Debugger<'m>, &str) -> Result<bool, String> + Send + 'm>;

/// A watched variable: the session stops where its value changes.
#[derive(Clone, Debug, PartialEq)]
pub struct Watch {
    pub id: u32,
    pub name: String,
    /// The frame (by depth) and gene it was set in.
    depth: usize,
    gene: usize,
    last: Option<Var>,
}

/// A watched variable's change, as a stop reports it: its value before and after, as `rdx run`
/// prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub id: u32,
    pub name: String,
    pub old: String,
    pub new: String,
}

/// Why a session stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum Stop {
    /// A step finished.
    Step,
    /// At breakpoint `id`.
    Break(u32),
    /// Watched variables changed (every one the last statement changed, in the order they
    /// were set).
    Watch(Vec<Change>),
    /// At the end of the run (its own direction).
    End,
    /// At the start of the run (going backward).
    Start,
    /// A run-time error: the session stands before the failing statement.
    Error(Box<RunError>),
    /// The interrupt flag was raised ([`Debugger::set_interrupt`]): the session stands at the
    /// statement the motion had reached.
    Interrupted,
    /// At breakpoint `id`, whose condition could not be evaluated there (`error` says why).
    ConditionFailed { id: u32, condition: String, error: String },
    /// A breakpoint stopped ([`Stop::Break`] or [`Stop::ConditionFailed`], in `breakpoint`)
    /// right after a statement that changed watched variables (`changes`, as
    /// [`Stop::Watch`] has them): one stop, both reasons.
    Both { breakpoint: Box<Stop>, changes: Vec<Change> },
}

/// What an advance runs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Motion {
    /// The next statement, into calls.
    Step,
    /// The next statement of this frame or a caller (over calls).
    Next,
    /// Out of the current gene: the caller's next statement.
    Finish,
    /// The next breakpoint, watchpoint, error or end.
    Continue,
}

/// A variable of a frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Var {
    pub name: String,
    pub ty: Type,
    pub value: Value,
    /// A parameter (else a local).
    pub param: bool,
    /// Whether `ty` is the declared type. A local's type is not in the bytecode: the debugger
    /// reads it from the source in the module's debug section; without one (or when the source
    /// does not declare it) a scalar local is a `u64` word, an array local `u64` words.
    pub typed: bool,
}

/// A variable in scope, before it is read: its name, slot and type.
struct Decl<'a> {
    name: &'a str,
    slot: usize,
    ty: Type,
    param: bool,
    typed: bool,
}

/// One active gene as the debugger shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    pub gene: String,
    /// The forward instruction the frame stands before (or at, for a call in progress).
    pub pc: usize,
    pub span: Option<Span>,
    pub dir: Direction,
}

/// A debugging session over one run of a gene.
pub struct Debugger<'m> {
    m: &'m Module,
    it: Interpreter,
    entry: usize,
    input: Vec<Value>,
    dir: Direction,
    reversed: bool,
    pos: u64,
    marks: Marks,
    breaks: Vec<Breakpoint>,
    watches: Vec<Watch>,
    next_id: u32,
    /// The error the session stopped at, and the step where.
    error: Option<(u64, Box<RunError>)>,
    /// Instructions executed since the session started (all directions).
    executed: u64,
    /// Where the source's lines end (empty without debug information).
    newlines: Vec<u32>,
    /// Each gene's locals.
    locals: Vec<Vec<Local>>,
    /// Raised to interrupt a motion ([`Debugger::set_interrupt`]).
    interrupt: Option<Arc<AtomicBool>>,
    /// The interpreter's stop check saw `interrupt` raised at its last look (lowered when a
    /// motion starts).
    seen: Arc<AtomicBool>,
    /// Steps left before a motion looks at `interrupt` (counted down by the hook).
    tick: u32,
    /// Evaluates breakpoint conditions ([`Debugger::set_condition_eval`]).
    condition_eval: Option<ConditionEval<'m>>,
}

impl<'m> Debugger<'m> {
    /// A session paused before the first statement of gene `entry` run in direction `dir` on
    /// `args` (bad arguments are an error, as for a run).
    pub fn new(
        m: &'m Module,
        entry: usize,
        args: Vec<Value>,
        dir: Direction,
    ) -> Result<Debugger<'m>, RunError> {
        let newlines: Option<Vec<u32>> = m.debug.as_ref().map(|d| d.line_ends());
        let line = |gi: usize, p: usize| {
            let nl = newlines.as_ref()?;
            let sp = m.span(gi, p)?;
            Some(nl.partition_point(|&o| o < sp.start))
        };
        let genes = m
            .genes
            .iter()
            .enumerate()
            .map(|(gi, g)| {
                let mut fwd = vec![0u8; g.code.len()];
                let mut bwd = vec![0u8; g.backward.code.len()];
                for (p, k) in fwd.iter_mut().enumerate() {
                    let q = g.backward.to_backward.get(p).copied().unwrap_or(Backward::NONE);
                    // A source statement may compile to several bytecode statements (a Janus
                    // update of an array element swaps the element into a temporary, updates
                    // it and swaps it back); between those the variables do not hold their
                    // values yet, so only a boundary where the source line changes is a stop.
                    let starts = p <= 1 || p + 1 >= g.code.len() || line(gi, p) != line(gi, p - 1);
                    if q != Backward::NONE && (starts || newlines.is_none()) {
                        *k = BOUNDARY;
                        if let Some(b) = bwd.get_mut(q as usize) {
                            *b = BOUNDARY;
                        }
                    }
                }
                [fwd, bwd]
            })
            .collect();
        let mut d = Debugger {
            m,
            it: Interpreter::new(),
            entry,
            input: args,
            dir,
            reversed: false,
            pos: 0,
            marks: Marks { genes },
            breaks: Vec::new(),
            watches: Vec::new(),
            next_id: 1,
            error: None,
            executed: 0,
            newlines: newlines.clone().unwrap_or_default(),
            locals: {
                let declared = declared_locals(m);
                (0..m.genes.len()).map(|gi| locals(m, gi, &declared)).collect()
            },
            interrupt: None,
            seen: Arc::new(AtomicBool::new(false)),
            tick: INTERRUPT_CHECK_STEPS,
            condition_eval: None,
        };
        d.restart()?;
        Ok(d)
    }

    /// Sets the interpreter that runs the session (its limits and kernel host), and restarts.
    pub fn set_interpreter(&mut self, it: Interpreter) -> Result<(), RunError> {
        self.it = it;
        self.install_stop_check();
        self.restart()
    }

    /// A flag that interrupts a motion when raised (by another thread, or a signal handler):
    /// the motion stops at the next statement boundary where it looks (every
    /// [`INTERRUPT_CHECK_STEPS`] steps) with [`Stop::Interrupted`], and lowers the flag. A
    /// statement that runs on without reaching a boundary (a loop written on one line) is
    /// stopped by the interpreter between slices of its loop, and the session replayed from
    /// the start to the last boundary it passed. A flag raised between motions interrupts the
    /// next one; lower it first to ignore it. `None` removes it.
    pub fn set_interrupt(&mut self, flag: Option<Arc<AtomicBool>>) {
        self.interrupt = flag;
        self.install_stop_check();
    }

    /// Sets the evaluator of breakpoint conditions, called only where a breakpoint with a
    /// condition is reached. Without one, such a breakpoint stops with
    /// [`Stop::ConditionFailed`].
    pub fn set_condition_eval(&mut self, eval: Option<ConditionEval<'m>>) {
        self.condition_eval = eval;
    }

    /// Whether the interrupt flag is raised (it is lowered).
    fn interrupted(&self) -> bool {
        self.interrupt.as_ref().is_some_and(|f| f.swap(false, Ordering::Relaxed))
    }

    /// Installs the interpreter's stop check for the interrupt flag. It answers yes only when
    /// the flag is still up at its second look in a motion (one slice of a loop later): a
    /// boundary, where the session stops without a replay, usually comes first.
    fn install_stop_check(&mut self) {
        let check = self.interrupt.clone().map(|flag| -> super::StopCheck {
            let seen = self.seen.clone();
            Box::new(move || {
                let up = flag.load(Ordering::Relaxed);
                seen.swap(up, Ordering::Relaxed) && up
            })
        });
        self.it.set_stop_check(check);
    }

    /// Back to the start of the run (breakpoints and watchpoints stay).
    pub fn restart(&mut self) -> Result<(), RunError> {
        self.it.tape.clear();
        self.it.out.take();
        self.it.kernel_error = None;
        self.it.setup(self.m, self.entry, &self.input, self.dir)?;
        self.reversed = false;
        self.pos = 0;
        self.error = None;
        self.refresh_watches();
        Ok(())
    }

    pub fn module(&self) -> &'m Module {
        self.m
    }

    /// The entry gene.
    pub fn entry(&self) -> usize {
        self.entry
    }

    /// Steps since the start of the run.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Instructions executed since the session started, in either direction.
    pub fn executed(&self) -> u64 {
        self.executed
    }

    /// The history tape (lossy writes only).
    pub fn tape(&self) -> &[super::TapeEntry] {
        &self.it.tape
    }

    /// Bytes the session holds to go backward: the history tape's entries.
    pub fn bytes_held(&self) -> usize {
        std::mem::size_of_val(self.it.tape.as_slice())
    }

    /// What the program printed so far (taken).
    pub fn take_output(&mut self) -> Vec<u8> {
        self.it.out.take()
    }

    /// The error the session stands at, if any.
    pub fn error(&self) -> Option<&RunError> {
        self.error.as_ref().map(|(_, e)| &**e)
    }

    pub fn breakpoints(&self) -> &[Breakpoint] {
        &self.breaks
    }

    pub fn watches(&self) -> &[Watch] {
        &self.watches
    }

    /// Whether the session is at the end of the run (nothing left to run forward).
    pub fn at_end(&self) -> bool {
        self.it.frames.len() == 1 && self.at_exit(!self.reversed)
    }

    /// Whether the session is at the start of the run.
    pub fn at_start(&self) -> bool {
        self.it.frames.len() == 1 && self.at_exit(self.reversed)
    }

    /// Whether the only frame stands before its `exit` when running `ahead` (the run's own
    /// direction) or against it.
    fn at_exit(&self, ahead: bool) -> bool {
        let Some(f) = self.it.frames.last() else { return true };
        if ahead == self.reversed {
            // The frame runs the other way: its exit in the other stream is this point's mirror.
            let code = self.m.stream(f.gene as usize, f.dir);
            let g = &self.m.genes[f.gene as usize];
            let map = match f.dir {
                Direction::Forward => &g.backward.to_backward,
                Direction::Backward => &g.backward.to_forward,
            };
            let other = self.m.stream(f.gene as usize, f.dir.flip());
            return code.len() > f.pc && map.get(f.pc).is_some_and(|&q| q as usize + 1 == other.len());
        }
        matches!(self.m.stream(f.gene as usize, f.dir).get(f.pc), Some(Op::Exit {}))
    }

    /// Adds a breakpoint; returns it.
    pub fn add_break(&mut self, at: BreakAt) -> Breakpoint {
        self.add_break_if(at, None)
    }

    /// Adds a breakpoint that stops where `condition` (if any) holds; returns it.
    pub fn add_break_if(&mut self, at: BreakAt, condition: Option<String>) -> Breakpoint {
        let b = Breakpoint { id: self.next_id, at, points: 0, condition };
        self.next_id += 1;
        self.breaks.push(b);
        self.remark();
        self.breaks.last().cloned().unwrap_or_else(|| unreachable!())
    }

    /// Adds a breakpoint (stopping where `condition`, if any, holds) where it has code to stop
    /// at; None (no breakpoint kept, no number used) where it has none (a line without a
    /// statement).
    pub fn add_break_with_code(&mut self, at: BreakAt, condition: Option<String>) -> Option<Breakpoint> {
        let b = self.add_break_if(at, condition);
        if b.points > 0 {
            return Some(b);
        }
        self.delete(b.id);
        self.next_id -= 1;
        None
    }

    /// The line a breakpoint asked for on `line` stops at: `line` when a statement starts on it,
    /// else the first line after it on which one does, in the gene whose header or statements
    /// come before it and statements after it (the gene's header line, a Janus `main`'s
    /// declarations, a statement the compiler folded into another: `i += 1` before `until` is
    /// the counted loop's step, at the `until`); None when no gene's code surrounds it.
    pub fn statement_line(&self, line: u32) -> Option<u32> {
        let m = self.m;
        let mut best: Option<u32> = None;
        for (gi, g) in m.genes.iter().enumerate() {
            let lines = (0..g.code.len())
                .filter(|&p| self.marks.genes[gi][0][p] & BOUNDARY != 0)
                .filter_map(|p| point_line(m, &self.newlines, gi, p));
            // The gene's first instruction has its header's span (`gene f(…) {`).
            let header = m.span(gi, 0).map(|sp| self.newlines.partition_point(|&o| o < sp.start) as u32 + 1);
            let (mut before, mut after) = (header.is_some_and(|h| h <= line), None::<u32>);
            for l in lines {
                if l == line {
                    return Some(line);
                }
                before |= l < line;
                if l > line {
                    after = Some(after.map_or(l, |a| a.min(l)));
                }
            }
            if before && let Some(a) = after {
                best = Some(best.map_or(a, |b| b.min(a)));
            }
        }
        best
    }

    /// Deletes breakpoint or watchpoint `id`; false if there is none.
    pub fn delete(&mut self, id: u32) -> bool {
        let before = self.breaks.len() + self.watches.len();
        self.breaks.retain(|b| b.id != id);
        self.watches.retain(|w| w.id != id);
        self.remark();
        before != self.breaks.len() + self.watches.len()
    }

    /// Removes every breakpoint (not watchpoints).
    pub fn clear_breaks(&mut self) {
        self.breaks.clear();
        self.remark();
    }

    /// Replaces every breakpoint with one at each of `ats`, with its condition (numbered in
    /// order), in one pass over the code however many there are; returns them.
    pub fn set_breaks(
        &mut self,
        ats: impl IntoIterator<Item = (BreakAt, Option<String>)>,
    ) -> Vec<Breakpoint> {
        self.breaks.clear();
        for (at, condition) in ats {
            self.breaks.push(Breakpoint { id: self.next_id, at, points: 0, condition });
            self.next_id += 1;
        }
        self.remark();
        self.breaks.clone()
    }

    /// Watches variable `name` of the current frame; an unknown name is an error.
    pub fn add_watch(&mut self, name: &str) -> Result<Watch, String> {
        let depth = self.it.frames.len() - 1;
        let gene = self.it.frames[depth].gene as usize;
        let last = self.lookup(depth, name);
        if last.is_none() && !self.names(depth).iter().any(|n| base_name(n) == name) {
            return Err(format!("no variable `{name}` in `{}`", self.m.genes[gene].name));
        }
        let w = Watch { id: self.next_id, name: name.to_string(), depth, gene, last };
        self.next_id += 1;
        self.watches.push(w.clone());
        Ok(w)
    }

    fn refresh_watches(&mut self) {
        for i in 0..self.watches.len() {
            let v = self.watch_value(i);
            self.watches[i].last = v;
        }
    }

    fn watch_value(&self, i: usize) -> Option<Var> {
        let w = &self.watches[i];
        let f = self.it.frames.get(w.depth)?;
        if f.gene as usize != w.gene {
            return None;
        }
        self.lookup(w.depth, &w.name)
    }

    /// Rebuilds the breakpoint bytes of the marks: one pass over the code, each point looking
    /// up the breakpoints of its line and gene.
    fn remark(&mut self) {
        let m = self.m;
        for sides in self.marks.genes.iter_mut() {
            for s in sides.iter_mut() {
                for k in s.iter_mut() {
                    *k &= !BREAK;
                }
            }
        }
        let mut by_line: std::collections::HashMap<u32, Vec<usize>> = std::collections::HashMap::new();
        let mut by_gene: std::collections::HashMap<usize, Vec<usize>> = std::collections::HashMap::new();
        for (i, b) in self.breaks.iter_mut().enumerate() {
            b.points = 0;
            match b.at {
                BreakAt::Line(l) => by_line.entry(l).or_default().push(i),
                BreakAt::Gene(g) => by_gene.entry(g).or_default().push(i),
            }
        }
        if self.breaks.is_empty() {
            return;
        }
        for (gi, g) in m.genes.iter().enumerate() {
            let sides = &mut self.marks.genes[gi];
            for p in 0..g.code.len() {
                if sides[0][p] & BOUNDARY == 0 {
                    continue;
                }
                let line = point_line(m, &self.newlines, gi, p);
                let lines = line.and_then(|l| by_line.get(&l)).map_or(&[][..], Vec::as_slice);
                let genes = if p == 1 { by_gene.get(&gi).map_or(&[][..], Vec::as_slice) } else { &[] };
                if lines.is_empty() && genes.is_empty() {
                    continue;
                }
                for &i in lines.iter().chain(genes) {
                    self.breaks[i].points += 1;
                }
                sides[0][p] |= BREAK;
                // The same program point in the backward stream, so a backward run stops
                // where a forward one would.
                if let Some(&q) = g.backward.to_backward.get(p)
                    && let Some(k) = sides[1].get_mut(q as usize)
                {
                    *k |= BREAK;
                }
            }
        }
    }

    /// Moves in the run's own direction (`ahead`) or against it until `motion` is done.
    pub fn advance(&mut self, motion: Motion, ahead: bool) -> Stop {
        self.seen.store(false, Ordering::Relaxed);
        self.go(motion, ahead, None)
    }

    /// Goes to step `target` of the run (either direction), ignoring breakpoints. Step 0 is
    /// reached by a restart: the inputs exactly, where running back to them would give what a
    /// float kernel's mirror (`kernel fft` undone by `ifft`) rounds them to.
    pub fn goto(&mut self, target: u64) -> Stop {
        if target == self.pos {
            return Stop::Step;
        }
        if target == 0 {
            return match self.restart() {
                Ok(()) => Stop::Step,
                Err(e) => Stop::Error(Box::new(e)),
            };
        }
        let ahead = target > self.pos;
        self.seen.store(false, Ordering::Relaxed);
        let stop = self.go(Motion::Continue, ahead, Some(target));
        // Watchpoints are not checked on the way: they compare from the step reached.
        self.refresh_watches();
        stop
    }

    fn go(&mut self, motion: Motion, ahead: bool, target: Option<u64>) -> Stop {
        if let Some((at, e)) = &self.error
            && ahead
            && *at == self.pos
        {
            return Stop::Error(e.clone());
        }
        self.face(ahead);
        let depth = self.it.frames.len();
        let every = motion != Motion::Continue || !self.watches.is_empty();
        loop {
            if self.it.frames.len() == 1 && self.at_exit(ahead) {
                return if ahead { Stop::End } else { Stop::Start };
            }
            let Some(f) = self.it.frames.last().copied() else { return Stop::End };
            let marks = &self.marks.genes[f.gene as usize][side(f.dir)];
            let end = if self.it.frames.len() == 1 {
                self.m.stream(f.gene as usize, f.dir).len() - 1
            } else {
                usize::MAX
            };
            let (pos, tick, stop_at) = (self.pos, self.tick, target.unwrap_or(u64::MAX));
            let mut hook = Stepper { marks, pos, ahead, every, target: stop_at, end, tick };
            let before = self.it.count;
            let flow = self.it.exec_with(self.m, &mut hook);
            self.executed += self.it.count - before;
            self.pos = hook.pos;
            self.tick = hook.tick;
            let point = match flow {
                Ok(Flow::Pause) => self.it.frames.last().map_or(0, |f| f.pc),
                Ok(Flow::Call { gene, args, dir }) => {
                    if let Err(fault) = self.it.push_frame(self.m, gene, args, dir) {
                        let pc = self.it.frames.last().map_or(0, |f| f.pc);
                        let e = self.it.error(self.m, Trap { pc, fault });
                        return self.fail(e, ahead);
                    }
                    self.count_arrival(ahead, 1);
                    1
                }
                Ok(Flow::Return) => {
                    self.it.pop_frame(self.m);
                    let pc = self.it.frames.last().map_or(0, |f| f.pc);
                    self.count_arrival(ahead, pc);
                    pc
                }
                Err(Trap { fault: Fault::Stopped, .. }) if self.interrupt.is_some() => {
                    return self.interrupted_inside(ahead);
                }
                Err(t) => {
                    let e = self.it.error(self.m, t);
                    return self.fail(e, ahead);
                }
            };
            let Some(f) = self.it.frames.last().copied() else { return Stop::End };
            let k = self.marks.genes[f.gene as usize][side(f.dir)].get(point).copied().unwrap_or(0);
            if k & BOUNDARY == 0 {
                // Inside a source statement (a call returned into it), or paused at the end of
                // the run (checked at the top of the loop).
                continue;
            }
            // The hook paused with its count down at 0: time to look at the interrupt flag.
            let look = self.tick == 0;
            if look {
                self.tick = INTERRUPT_CHECK_STEPS;
            }
            if target == Some(self.pos) {
                return Stop::Step;
            }
            if target.is_some() {
                if look && self.interrupted() {
                    return Stop::Interrupted;
                }
                continue;
            }
            // A breakpoint where the statement before changed a watched variable reports both.
            let brk = if k & BREAK != 0 { self.break_at(f.gene as usize, f.dir, point) } else { None };
            let changes = self.watch_changes();
            match (brk, changes.is_empty()) {
                (Some(stop), true) => return stop,
                (Some(stop), false) => return Stop::Both { breakpoint: Box::new(stop), changes },
                (None, false) => return Stop::Watch(changes),
                (None, true) => {}
            }
            if look && self.interrupted() {
                return Stop::Interrupted;
            }
            let now = self.it.frames.len();
            let done = match motion {
                Motion::Step => true,
                Motion::Next => now <= depth,
                Motion::Finish => now < depth,
                Motion::Continue => false,
            };
            if done {
                if self.it.frames.len() == 1 && self.at_exit(ahead) {
                    return if ahead { Stop::End } else { Stop::Start };
                }
                return Stop::Step;
            }
        }
    }

    /// A frame was pushed or popped: a step if its new top stands at a source statement's
    /// start (`pc`).
    fn count_arrival(&mut self, ahead: bool, pc: usize) {
        let Some(f) = self.it.frames.last() else { return };
        let k = self.marks.genes[f.gene as usize][side(f.dir)].get(pc).copied().unwrap_or(0);
        if k & BOUNDARY != 0 {
            self.pos = if ahead { self.pos.wrapping_add(1) } else { self.pos.wrapping_sub(1) };
        }
    }

    /// The stop of a breakpoint at `point` of the top frame's stream, if one stops there: one
    /// without a condition, else the first whose condition holds or fails (conditions are
    /// evaluated only here, in the frame at the stop).
    fn break_at(&self, gene: usize, dir: Direction, point: usize) -> Option<Stop> {
        let g = &self.m.genes[gene];
        let fwd = match dir {
            Direction::Forward => point,
            Direction::Backward => *g.backward.to_forward.get(point)? as usize,
        };
        let hits = || self.breaks.iter().filter(|b| break_hits(self.m, &self.newlines, &b.at, gene, fwd));
        if let Some(b) = hits().find(|b| b.condition.is_none()) {
            return Some(Stop::Break(b.id));
        }
        hits().find_map(|b| {
            let condition = b.condition.as_deref()?;
            let holds = match &self.condition_eval {
                Some(eval) => eval(self, condition),
                None => Err("no evaluator of conditions is installed".to_string()),
            };
            match holds {
                Ok(true) => Some(Stop::Break(b.id)),
                Ok(false) => None,
                Err(error) => {
                    Some(Stop::ConditionFailed { id: b.id, condition: condition.to_string(), error })
                }
            }
        })
    }

    /// The variables in scope at each program point where a breakpoint at `at` would stop
    /// (each distinct list once; none for a line without a statement), each holding zero: to
    /// check a condition before the breakpoint is set.
    pub fn break_scopes(&self, at: &BreakAt) -> Vec<Vec<Var>> {
        let mut out: Vec<Vec<Var>> = Vec::new();
        for (gi, g) in self.m.genes.iter().enumerate() {
            for p in 0..g.code.len() {
                if self.marks.genes[gi][0][p] & BOUNDARY == 0
                    || !break_hits(self.m, &self.newlines, at, gi, p)
                {
                    continue;
                }
                let mut scope: Vec<Var> = Vec::new();
                self.visit_at(gi, p, |d| {
                    if !scope.iter().any(|v| v.name == d.name) {
                        let value = match d.ty {
                            Type::Array(e, n) => Value::Array(vec![0; n.saturating_mul(e.words()) as usize]),
                            Type::Stack => Value::Stack(Vec::new()),
                            _ => Value::Int(0),
                        };
                        let (name, ty, param, typed) = (d.name.to_string(), d.ty, d.param, d.typed);
                        scope.push(Var { name, ty, value, param, typed });
                    }
                    false
                });
                if !out.contains(&scope) {
                    out.push(scope);
                }
            }
        }
        out
    }

    /// Every watched variable the last statement changed, in the order they were set (a frame
    /// coming or going is not a change: a variable is compared where it exists); each watch
    /// then holds its new value.
    fn watch_changes(&mut self) -> Vec<Change> {
        let mut changes = Vec::new();
        for i in 0..self.watches.len() {
            let now = self.watch_value(i);
            let w = &self.watches[i];
            if let (Some(old), Some(new)) = (&w.last, &now)
                && old.value != new.value
            {
                let (old, new) = (self.format_var(old), self.format_var(new));
                changes.push(Change { id: w.id, name: w.name.clone(), old, new });
            }
            self.watches[i].last = now;
        }
        changes
    }

    /// A variable's value as `rdx run` prints it (floats decoded, a Janus array of several
    /// dimensions nested row by row).
    fn format_var(&self, v: &Var) -> String {
        if self.m.dialect == rdx_lang::ast::Dialect::Janus {
            // A name is an identifier, with its dimensions for a Janus array: never ` = `.
            let text = crate::jana::format_var(&v.name, &v.value);
            return text.split_once(" = ").map_or(text.clone(), |(_, v)| v.to_string());
        }
        crate::values::format_typed(&v.value, v.ty, self.m.dialect, false)
    }

    /// A run-time error: replays the run to the start of the failing statement and stops there.
    fn fail(&mut self, e: RunError, ahead: bool) -> Stop {
        // The failing statement started at the last boundary counted.
        let at = self.pos;
        if let Err(e2) = self.replay(at, ahead) {
            return Stop::Error(e2);
        }
        let e = Box::new(e);
        self.error = Some((at, e.clone()));
        Stop::Error(e)
    }

    /// Interrupted inside a statement (the interpreter stopped a loop that passes no
    /// boundary): replays the run to the last boundary counted and stops there.
    #[cold]
    fn interrupted_inside(&mut self, ahead: bool) -> Stop {
        self.interrupted();
        match self.replay(self.pos, ahead) {
            Ok(()) => Stop::Interrupted,
            Err(e) => Stop::Error(e),
        }
    }

    /// Restarts the run and goes to step `at` (facing the run's own direction, or the other
    /// if not `ahead`), stopping nowhere on the way: no breakpoint, watchpoint or interrupt.
    fn replay(&mut self, at: u64, ahead: bool) -> Result<(), Box<RunError>> {
        let breaks = std::mem::take(&mut self.breaks);
        let watches = std::mem::take(&mut self.watches);
        let interrupt = self.interrupt.take();
        self.remark();
        self.install_stop_check();
        let restarted = self.restart();
        if restarted.is_ok() && at != 0 {
            let _ = self.go(Motion::Continue, true, Some(at));
        }
        self.breaks = breaks;
        self.watches = watches;
        self.interrupt = interrupt;
        self.remark();
        self.install_stop_check();
        restarted.map_err(Box::new)?;
        self.refresh_watches();
        if !ahead {
            self.face(false);
        }
        Ok(())
    }

    /// Faces the run's own direction (`ahead`) or the other, flipping every frame onto its
    /// gene's other stream at the same program point.
    fn face(&mut self, ahead: bool) {
        if ahead != self.reversed {
            return;
        }
        let n = self.it.frames.len();
        for (k, f) in self.it.frames.iter_mut().enumerate() {
            let b: &Backward = &self.m.genes[f.gene as usize].backward;
            let map = match f.dir {
                Direction::Forward => &b.to_backward,
                Direction::Backward => &b.to_forward,
            };
            // The top frame stands at a boundary; the others at their call, whose mirror in
            // the other stream starts at the mirror of the point after it.
            let at = if k + 1 == n { f.pc } else { f.pc + 1 };
            let q = map.get(at).copied().filter(|&q| q != Backward::NONE);
            f.pc = q.map_or(f.pc, |q| q as usize);
            f.dir = f.dir.flip();
        }
        self.reversed = !ahead;
    }

    /// The frames, innermost first, each at the forward instruction it stands before, with the
    /// span of its current statement ([`Debugger::frame_span`]).
    pub fn stack(&self) -> Vec<FrameInfo> {
        (0..self.it.frames.len()).rev().filter_map(|k| self.frame(k)).collect()
    }

    /// Frame `k` (0: the entry's) as [`Debugger::stack`] shows it; reads only that frame (a
    /// client showing the top of a deep stack asks for a few).
    pub fn frame(&self, k: usize) -> Option<FrameInfo> {
        let f = *self.it.frames.get(k)?;
        let gi = f.gene as usize;
        let pc = self.forward_point(k);
        let dir = if self.reversed { f.dir.flip() } else { f.dir };
        Some(FrameInfo { gene: self.m.genes[gi].name.clone(), pc, span: self.frame_span(k), dir })
    }

    /// The point of frame `k` in its gene's forward code: the instruction it stands before (the
    /// top frame) or its call (the others).
    fn forward_point(&self, k: usize) -> usize {
        let f = self.it.frames[k];
        let top = k + 1 == self.it.frames.len();
        let g = &self.m.genes[f.gene as usize];
        match f.dir {
            Direction::Forward => f.pc,
            Direction::Backward if top => g.backward.to_forward.get(f.pc).map_or(f.pc, |&q| q as usize),
            Direction::Backward => g.backward.to_forward.get(f.pc + 1).map_or(f.pc, |&q| q as usize),
        }
    }

    /// The gene and span of the statement the top frame runs next in the run's own direction
    /// (for a frame running backward: the statement it undoes next).
    pub fn current(&self) -> Option<(usize, Span)> {
        let k = self.it.frames.len().checked_sub(1)?;
        Some((self.it.frames[k].gene as usize, self.frame_span(k)?))
    }

    /// The span of frame `k`'s current statement: for the top frame the statement it runs next
    /// in its own direction (for a frame running backward, the one it undoes next), for a
    /// caller its call. The one place a frame's line comes from: the REPL's `>`, `where` and
    /// the DAP's `stackTrace` all show it.
    pub fn frame_span(&self, k: usize) -> Option<Span> {
        let f = *self.it.frames.get(k)?;
        let gi = f.gene as usize;
        let g = &self.m.genes[gi];
        let natural = if self.reversed { f.dir.flip() } else { f.dir };
        let fwd = self.forward_point(k);
        let top = k + 1 == self.it.frames.len();
        let pc = match natural {
            Direction::Backward if top => {
                let q = *g.backward.to_backward.get(fwd)? as usize;
                *g.backward.origin.get(q)? as usize
            }
            _ => fwd,
        };
        let sp = self.m.span(gi, pc)?;
        // At the gene's `exit` (the end of the run) no statement is next: the gene's last line.
        Some(match g.code.get(pc) {
            Some(Op::Exit {}) => Span::new(sp.end.saturating_sub(1).max(sp.start), sp.end),
            _ => sp,
        })
    }

    /// The run's own direction (backward for a `--reverse` session).
    pub fn direction(&self) -> Direction {
        self.dir
    }

    /// Depth of the frame stack.
    pub fn depth(&self) -> usize {
        self.it.frames.len()
    }

    /// The gene of frame `k` (0: the entry).
    pub fn frame_gene(&self, k: usize) -> Option<usize> {
        self.it.frames.get(k).map(|f| f.gene as usize)
    }

    /// The variables in scope in frame `k` (0: the entry's frame): parameters, then the locals
    /// open at the frame's point.
    pub fn variables(&self, k: usize) -> Vec<Var> {
        let mut out: Vec<Var> = Vec::new();
        self.visit(k, |d| {
            if !out.iter().any(|v| v.name == d.name)
                && let Some(v) = self.var(k, &d)
            {
                out.push(v);
            }
            false
        });
        out
    }

    /// Calls `f` with each variable in scope in frame `k` (parameters, then the locals open at
    /// its point) until it returns true.
    fn visit(&self, k: usize, f: impl FnMut(Decl<'_>) -> bool) {
        let Some(fr) = self.it.frames.get(k).copied() else { return };
        self.visit_at(fr.gene as usize, self.forward_point(k), f);
    }

    /// Calls `f` with each variable in scope at forward point `point` of gene `gi` (parameters,
    /// then the locals open there) until it returns true.
    fn visit_at(&self, gi: usize, point: usize, mut f: impl FnMut(Decl<'_>) -> bool) {
        let g = &self.m.genes[gi];
        for (i, p) in g.params.iter().enumerate() {
            let d =
                Decl { name: &p.name, slot: g.param_slots[i] as usize, ty: p.ty, param: true, typed: true };
            if f(d) {
                return;
            }
        }
        for l in &self.locals[gi] {
            if l.open < point
                && point <= l.close
                && let Some(name) = &l.name
                && f(Decl { name, slot: l.slot, ty: l.ty, param: false, typed: l.typed })
            {
                return;
            }
        }
    }

    /// Variable `d` of frame `k`, read.
    fn var(&self, k: usize, d: &Decl<'_>) -> Option<Var> {
        let value = self.read(k, d.slot, d.ty)?;
        Some(Var { name: d.name.to_string(), ty: d.ty, value, param: d.param, typed: d.typed })
    }

    /// The names a frame may show (parameters and every named local).
    fn names(&self, k: usize) -> Vec<String> {
        let Some(f) = self.it.frames.get(k) else { return Vec::new() };
        let gi = f.gene as usize;
        let params = self.m.genes[gi].params.iter().map(|p| p.name.clone());
        params.chain(self.locals[gi].iter().filter_map(|l| l.name.clone())).collect()
    }

    /// Variable `name` of frame `k` (a Janus array named with its dimensions, `m[2][3]`, by
    /// its name `m`); reads only that variable.
    pub fn lookup(&self, k: usize, name: &str) -> Option<Var> {
        let mut found = None;
        self.visit(k, |d| {
            if base_name(d.name) != name {
                return false;
            }
            found = self.var(k, &d);
            true
        });
        found
    }

    /// The word in slot `slot` of frame `k`. A scalar passed to a call in progress is the
    /// callee's parameter (arguments are by reference; the caller's slot is only written back
    /// when the call returns).
    fn word(&self, k: usize, slot: usize) -> Option<u64> {
        let f = self.it.frames.get(k)?;
        if let Some(callee) = self.it.frames.get(k + 1) {
            let g = &self.m.genes[f.gene as usize];
            let cg = &self.m.genes[callee.gene as usize];
            if let Some(Op::Call { args, .. } | Op::Uncall { args, .. }) =
                self.m.stream(f.gene as usize, f.dir).get(f.pc)
            {
                for (i, p) in cg.params.iter().enumerate() {
                    let passed = g.args.get(args.start as usize + i).map(|s| s.0 as usize);
                    if p.ty.is_scalar() && passed == Some(slot) {
                        return self.word(k + 1, cg.param_slots[i] as usize);
                    }
                }
            }
        }
        self.it.mem.get(f.base + slot).copied()
    }

    fn read(&self, k: usize, slot: usize, ty: Type) -> Option<Value> {
        let w = self.word(k, slot)?;
        Some(match ty {
            Type::U64 | Type::I64 | Type::Fixed(_) => Value::Int(w),
            Type::Array(e, n) => {
                let len = (n.saturating_mul(e.words())) as usize;
                let start = w as usize;
                Value::Array(self.it.mem.get(start..start.checked_add(len)?)?.to_vec())
            }
            Type::Stack => Value::Stack(self.it.stacks.get(w as usize)?.clone()),
        })
    }
}

/// Whether a breakpoint at `at` stops at forward point `p` of gene `gene` (a boundary);
/// `newlines` are where the source's lines end.
fn break_hits(m: &Module, newlines: &[u32], at: &BreakAt, gene: usize, p: usize) -> bool {
    match *at {
        BreakAt::Gene(x) => x == gene && p == 1,
        BreakAt::Line(line) => point_line(m, newlines, gene, p) == Some(line),
    }
}

/// The 1-based source line where a line breakpoint at forward point `p` of gene `gene` stops
/// (None: no source, or the gene's `exit`).
fn point_line(m: &Module, newlines: &[u32], gene: usize, p: usize) -> Option<u32> {
    if m.debug.is_none() || matches!(m.genes[gene].code.get(p), Some(Op::Exit {}) | None) {
        return None;
    }
    m.span(gene, p).map(|sp| newlines.partition_point(|&o| o < sp.start) as u32 + 1)
}

/// The 1-based line a span starts on.
pub fn line_of(m: &Module, sp: Span) -> Option<u32> {
    let src = &m.debug.as_ref()?.source;
    let upto = src.get(..sp.start as usize)?;
    Some(upto.bytes().filter(|&b| b == b'\n').count() as u32 + 1)
}

/// A local of a gene's forward code: its slot, type, the instructions that open and close it,
/// and its name (None for the compiler's own).
struct Local {
    slot: usize,
    ty: Type,
    /// Whether `ty` is the type the source declares (else the word the bytecode shows).
    typed: bool,
    open: usize,
    close: usize,
    name: Option<String>,
}

/// Whether the variable in slot `slot` of gene `gi` at forward instruction `pc` holds signed
/// values (`i64`, `i8`…, an `i64[N]`'s elements): a parameter's declared type, or, for a local,
/// the type the source in the debug section declares ([`declared_locals`], as the debugger
/// reads it). False when neither says. Errors use it to show a value with its sign
/// (`should be 5 but is -3`); it parses the source, so it is for the error path only.
pub(crate) fn slot_signed(m: &Module, gi: usize, slot: u16, pc: usize) -> bool {
    let Some(g) = m.genes.get(gi) else { return false };
    let ty = if slot < g.param_words {
        g.param_slots.iter().rposition(|&at| at <= slot).and_then(|k| g.params.get(k)).map(|p| p.ty)
    } else {
        let declared = declared_locals(m);
        locals(m, gi, &declared)
            .into_iter()
            .find(|l| l.typed && l.slot == slot as usize && l.open <= pc && pc <= l.close)
            .map(|l| l.ty)
    };
    match ty {
        Some(Type::I64 | Type::Array(Elem::I64, _)) => true,
        Some(Type::Fixed(w)) => w.signed,
        _ => false,
    }
}

/// The types the source declares for its locals, by the span of their `local` statement (the
/// span the compiler gives the `local` instruction). The bytecode does not keep a local's type,
/// but the debug section keeps the source: parsed again, it says `local d: i64`. Empty without
/// a debug section, or when its source does not parse.
fn declared_locals(m: &Module) -> std::collections::HashMap<Span, Type> {
    fn walk(b: &rdx_lang::ast::Block, out: &mut std::collections::HashMap<Span, Type>) {
        for s in &b.stmts {
            walk_stmt(s, out);
        }
    }
    fn walk_stmt(s: &rdx_lang::ast::Stmt, out: &mut std::collections::HashMap<Span, Type>) {
        use rdx_lang::ast::StmtKind;
        match &s.kind {
            StmtKind::Local { ty, .. } => {
                out.insert(s.span, *ty);
            }
            StmtKind::If { then_block, else_block, .. } => {
                walk(then_block, out);
                else_block.iter().for_each(|b| walk(b, out));
            }
            StmtKind::From { body, again, .. } => {
                walk(body, out);
                again.iter().for_each(|b| walk(b, out));
            }
            StmtKind::Undo(inner) => walk_stmt(inner, out),
            _ => {}
        }
    }
    let mut out = std::collections::HashMap::new();
    if let Some(Ok(p)) = m.debug.as_ref().map(|d| rdx_lang::parse(&d.source, m.dialect)) {
        p.genes.iter().for_each(|g| walk(&g.body, &mut out));
    }
    out
}

/// The type of the local gene `gi` opens at `pc` as `seen` (the word, words or stack its
/// instruction opens): the source's, when `declared` has one of that shape there.
fn local_type(
    m: &Module,
    declared: &std::collections::HashMap<Span, Type>,
    gi: usize,
    pc: usize,
    seen: Type,
) -> Option<Type> {
    let ty = *declared.get(&m.span(gi, pc)?)?;
    match (seen, ty) {
        (Type::U64, t) if t.is_scalar() => Some(t),
        (Type::Stack, Type::Stack) => Some(ty),
        // The instruction's length counts words (two per `c64` element).
        (Type::Array(_, words), Type::Array(e, _)) if words % e.words() == 0 => {
            Some(Type::Array(e, words / e.words()))
        }
        _ => None,
    }
}

/// The locals of gene `gi`'s forward code, named, typed as `declared` says.
fn locals(m: &Module, gi: usize, declared: &std::collections::HashMap<Span, Type>) -> Vec<Local> {
    let code = &m.genes[gi].code;
    let mut open: Vec<(usize, Type, usize)> = Vec::new();
    let mut out = Vec::new();
    for (pc, op) in code.iter().enumerate() {
        match *op {
            Op::Local { dst, .. } | Op::LocalImm { dst, .. } => open.push((dst.0 as usize, Type::U64, pc)),
            Op::LocalArr { arr, len, .. } => {
                open.push((arr.0 as usize, Type::Array(Elem::U64, u64::from(len.0)), pc))
            }
            Op::LocalStack { dst } => open.push((dst.0 as usize, Type::Stack, pc)),
            Op::Delocal { dst, .. } | Op::DelocalImm { dst, .. } | Op::DelocalStack { dst } => {
                close(&mut open, &mut out, dst.0 as usize, pc)
            }
            Op::DelocalArr { arr, .. } => close(&mut open, &mut out, arr.0 as usize, pc),
            _ => {}
        }
    }
    let names = m.debug.as_ref().and_then(|d| d.genes.get(gi)).map(|d| d.names_in(code));
    out.into_iter()
        .map(|(slot, seen, open, close)| {
            let name = (!m.compiler_slot(gi, slot as u16)).then(|| {
                names
                    .as_ref()
                    .and_then(|n| n.at(slot as u16, open).map(str::to_string))
                    .unwrap_or_else(|| m.slot_name(gi, slot as u16, open))
            });
            let declared = local_type(m, declared, gi, open, seen);
            // A stack is a stack whatever the source says.
            let typed = declared.is_some() || seen == Type::Stack;
            Local { slot, ty: declared.unwrap_or(seen), typed, open, close, name }
        })
        .collect()
}

/// The name without the dimensions of a Janus array named with them (`m[2][3]` → `m`).
fn base_name(name: &str) -> &str {
    name.split_once('[').map_or(name, |(b, _)| b)
}

fn close(
    open: &mut Vec<(usize, Type, usize)>,
    out: &mut Vec<(usize, Type, usize, usize)>,
    slot: usize,
    pc: usize,
) {
    if let Some(i) = open.iter().rposition(|o| o.0 == slot) {
        let (s, ty, at) = open.remove(i);
        out.push((s, ty, at, pc));
    }
}

#[cfg(test)]
mod tests {
    use super::{BreakAt, Debugger, INTERRUPT_CHECK_STEPS, Motion, Stop};
    use crate::{Direction, Module, Value};
    use rdx_lang::ast::{Elem, Type};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn module(src: &str) -> Module {
        let p = rdx_lang::parser::parse(src).unwrap_or_else(|d| panic!("{d:?}"));
        let c = rdx_lang::check::check(&p, &Default::default()).unwrap_or_else(|d| panic!("{d:?}"));
        crate::compile(&c, "t.rdx", src).unwrap()
    }

    /// A loop that never ends, a statement a line.
    const FOREVER: &str =
        "gene main(n: u64) {\n    from n == 0 do {\n        n += 1\n    } until n == 0\n}\n";

    #[test]
    fn a_raised_flag_stops_a_motion_at_a_step_and_is_lowered() {
        let m = module(FOREVER);
        let mut d = Debugger::new(&m, 0, vec![Value::Int(0)], Direction::Forward).unwrap();
        let flag = Arc::new(AtomicBool::new(true));
        d.set_interrupt(Some(flag.clone()));
        // The flag is read every INTERRUPT_CHECK_STEPS steps: the first look stops there.
        assert_eq!(d.advance(Motion::Continue, true), Stop::Interrupted);
        assert_eq!(d.position(), u64::from(INTERRUPT_CHECK_STEPS));
        assert!(!flag.load(Ordering::Relaxed), "the flag is lowered");
        let n = d.lookup(0, "n").unwrap().value;
        assert!(matches!(n, Value::Int(x) if x > 0), "{n:?}");
        // The session goes on from there, both ways.
        assert_eq!(d.advance(Motion::Step, true), Stop::Step);
        assert_eq!(d.position(), u64::from(INTERRUPT_CHECK_STEPS) + 1);
        assert_eq!(d.advance(Motion::Continue, false), Stop::Start);
        assert_eq!(d.lookup(0, "n").unwrap().value, Value::Int(0));
        // Stepping many times one by one is interrupted too, and so is `goto`.
        flag.store(true, Ordering::Relaxed);
        let mut steps = 0;
        while d.advance(Motion::Step, true) == Stop::Step {
            steps += 1;
            assert!(steps <= 2 * INTERRUPT_CHECK_STEPS, "never interrupted");
        }
        flag.store(true, Ordering::Relaxed);
        assert_eq!(d.goto(u64::MAX), Stop::Interrupted);
        assert!(d.position() > u64::from(INTERRUPT_CHECK_STEPS));
        // A motion that ends on a step where the flag is read reads it again as often after.
        let mut d = Debugger::new(&m, 0, vec![Value::Int(0)], Direction::Forward).unwrap();
        d.set_interrupt(Some(flag.clone()));
        assert_eq!(d.goto(u64::from(INTERRUPT_CHECK_STEPS)), Stop::Step);
        flag.store(true, Ordering::Relaxed);
        assert_eq!(d.advance(Motion::Continue, true), Stop::Interrupted);
        assert_eq!(d.position(), 2 * u64::from(INTERRUPT_CHECK_STEPS));
    }

    #[test]
    fn a_loop_that_passes_no_step_is_stopped_at_the_step_before_it() {
        // The loop is one line: no statement of it starts a line, so it passes no boundary
        // and the interpreter stops it; the session is replayed to the step before the loop.
        let src = "gene main(n: u64, k: u64) {\n    k += 5\n    from n == 0 do { n += 1 } until n == 0\n}\n";
        let m = module(src);
        let mut d = Debugger::new(&m, 0, vec![Value::Int(0), Value::Int(0)], Direction::Forward).unwrap();
        let flag = Arc::new(AtomicBool::new(true));
        d.set_interrupt(Some(flag.clone()));
        assert_eq!(d.advance(Motion::Step, true), Stop::Step);
        assert_eq!(d.position(), 1);
        flag.store(true, Ordering::Relaxed);
        assert_eq!(d.advance(Motion::Step, true), Stop::Interrupted);
        assert_eq!(d.position(), 1);
        assert_eq!(d.lookup(0, "n").unwrap().value, Value::Int(0));
        assert_eq!(d.lookup(0, "k").unwrap().value, Value::Int(5));
        assert!(!flag.load(Ordering::Relaxed), "the flag is lowered");
        assert_eq!(d.advance(Motion::Step, false), Stop::Start);
    }

    #[test]
    fn locals_have_the_types_their_source_declares() {
        // The bytecode opens a word and four words: the source says `i64` and two `c64`s.
        let src = "gene main(x: u64) {\n    local d: i64 = 0\n    local t: c64[2] = 0\n    d -= 5\n    d += 5\n    delocal t = 0\n    delocal d = 0\n}\n";
        let m = module(src);
        let mut d = Debugger::new(&m, 0, vec![Value::Int(0)], Direction::Forward).unwrap();
        assert_eq!(d.goto(3), Stop::Step);
        let v = d.lookup(0, "d").unwrap();
        assert_eq!((v.ty, v.typed, v.value), (Type::I64, true, Value::Int(5u64.wrapping_neg())));
        let t = d.lookup(0, "t").unwrap();
        assert_eq!((t.ty, t.typed, t.value), (Type::Array(Elem::C64, 2), true, Value::Array(vec![0; 4])));
        // Without a debug section there is no source to ask: words, and not typed.
        let mut bare = m.clone();
        bare.debug = None;
        let mut d = Debugger::new(&bare, 0, vec![Value::Int(0)], Direction::Forward).unwrap();
        assert_eq!(d.goto(3), Stop::Step);
        let vars = d.variables(0);
        assert_eq!(vars.iter().filter(|v| !v.param && !v.typed && v.ty == Type::U64).count(), 1, "{vars:?}");
    }

    /// An evaluator of `NAME == N` conditions, failing on any other text.
    fn equals(d: &Debugger<'_>, text: &str) -> Result<bool, String> {
        let (name, n) = text.split_once("==").ok_or("not `NAME == N`")?;
        let n: u64 = n.trim().parse().map_err(|_| "not a number")?;
        match d.lookup(d.depth() - 1, name.trim()).map(|v| v.value) {
            Some(Value::Int(x)) => Ok(x == n),
            _ => Err(format!("no variable `{}`", name.trim())),
        }
    }

    #[test]
    fn a_conditional_breakpoint_stops_where_it_holds_both_ways_and_where_it_fails() {
        // Line 5 is `s += i`: its condition is evaluated in the frame there.
        let src = "gene main(n: u64, s: u64) {\n    local i: u64 = 0\n    from i == 0 do {\n        i += 1\n        s += i\n    } until i == n\n    delocal i = n\n}\n";
        let m = module(src);
        let mut d = Debugger::new(&m, 0, vec![Value::Int(5), Value::Int(0)], Direction::Forward).unwrap();
        d.set_condition_eval(Some(Box::new(equals)));
        let b = d.add_break_with_code(BreakAt::Line(5), Some("i == 3".into())).unwrap();
        assert_eq!(b.condition.as_deref(), Some("i == 3"));
        let at = |d: &Debugger<'_>| (d.lookup(0, "i").unwrap().value, d.lookup(0, "s").unwrap().value);
        assert_eq!(d.advance(Motion::Continue, true), Stop::Break(b.id));
        assert_eq!(at(&d), (Value::Int(3), Value::Int(3)));
        assert_eq!(d.advance(Motion::Continue, true), Stop::End);
        // Backward, at the mirror point: the same state.
        assert_eq!(d.advance(Motion::Continue, false), Stop::Break(b.id));
        assert_eq!(at(&d), (Value::Int(3), Value::Int(3)));
        assert_eq!(d.advance(Motion::Continue, false), Stop::Start);
        // A condition that fails stops at the first hit and says why.
        d.set_breaks([(BreakAt::Line(5), Some("j == 1".to_string()))]);
        let stop = d.advance(Motion::Continue, true);
        assert!(
            matches!(&stop, Stop::ConditionFailed { condition, error, .. } if condition == "j == 1" && error == "no variable `j`"),
            "{stop:?}"
        );
        assert_eq!(at(&d), (Value::Int(1), Value::Int(0)));
        // The scope a condition is checked in before the breakpoint is set: the line's.
        let names: Vec<Vec<String>> = d
            .break_scopes(&BreakAt::Line(5))
            .iter()
            .map(|s| s.iter().map(|v| v.name.clone()).collect())
            .collect();
        assert_eq!(names, [["n", "s", "i"]]);
        assert!(d.break_scopes(&BreakAt::Line(9)).is_empty(), "no statement on line 9");
    }

    #[test]
    fn a_breakpoint_after_a_statement_that_changed_a_watch_reports_both_ways() {
        // `break 3` stops after `x += 1`, which changed the watched x: both are the stop's.
        let src = "gene main(x: u64, y: u64) {\n    x += 1\n    y += 1\n    x += 2\n}\n";
        let m = module(src);
        let mut d = Debugger::new(&m, 0, vec![Value::Int(0), Value::Int(0)], Direction::Forward).unwrap();
        let w = d.add_watch("x").unwrap();
        let b = d.add_break(BreakAt::Line(3));
        let change = |old: &str, new: &str| super::Change {
            id: w.id,
            name: "x".into(),
            old: old.into(),
            new: new.into(),
        };
        let both = |old: &str, new: &str| Stop::Both {
            breakpoint: Box::new(Stop::Break(b.id)),
            changes: vec![change(old, new)],
        };
        assert_eq!(d.advance(Motion::Continue, true), both("0", "1"));
        assert_eq!(d.advance(Motion::Continue, true), Stop::Watch(vec![change("1", "3")]));
        // Backward: undoing `x += 2` changes x, then the mirror of line 3's point, after
        // `y += 1` is undone (x unchanged): the breakpoint alone; then undoing `x += 1`.
        assert_eq!(d.advance(Motion::Continue, false), Stop::Watch(vec![change("3", "1")]));
        assert_eq!(d.advance(Motion::Continue, false), Stop::Break(b.id));
        assert_eq!(d.advance(Motion::Continue, false), Stop::Watch(vec![change("1", "0")]));
        // With `break 4`, the point after `y += 1`: going back, undoing `x += 2` stops there.
        d.clear_breaks();
        let b = d.add_break(BreakAt::Line(4));
        assert_eq!(d.goto(3), Stop::Step);
        let stop = d.advance(Motion::Continue, false);
        assert_eq!(
            stop,
            Stop::Both { breakpoint: Box::new(Stop::Break(b.id)), changes: vec![change("3", "1")] }
        );
    }

    #[test]
    fn a_breakpoint_on_a_genes_header_moves_to_its_first_statement() {
        let src = "// a comment\ngene inc(a: u64,\n        k: u64) {\n    a += k\n}\n\ngene main(x: u64, y: u64) {\n\n    call inc(x, y)\n}\n";
        let m = module(src);
        let d = Debugger::new(&m, 1, vec![Value::Int(1), Value::Int(2)], Direction::Forward).unwrap();
        let moved: Vec<Option<u32>> = (1..=11).map(|l| d.statement_line(l)).collect();
        let want = [None, Some(4), Some(4), Some(4), None, None, Some(9), Some(9), Some(9), None, None];
        assert_eq!(moved, want);
    }

    #[test]
    fn a_flag_raised_by_another_thread_stops_continue() {
        let m = module(FOREVER);
        let mut d = Debugger::new(&m, 0, vec![Value::Int(0)], Direction::Forward).unwrap();
        let flag = Arc::new(AtomicBool::new(false));
        d.set_interrupt(Some(flag.clone()));
        let stop = std::thread::scope(|s| {
            let run = s.spawn(|| d.advance(Motion::Continue, true));
            while !run.is_finished() {
                flag.store(true, Ordering::Relaxed);
                std::thread::yield_now();
            }
            run.join().unwrap()
        });
        assert_eq!(stop, Stop::Interrupted);
        assert!(d.position() > 0);
    }
}
