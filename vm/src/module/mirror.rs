//! The backward stream of a gene, built at load from its forward code.
//!
//! Running a gene backward is running its backward stream forward, through the same handlers,
//! so backward costs what forward costs by construction. The stream is the gene's inverse,
//! instruction for instruction:
//! - a statement (an effect and its expression code) becomes its expression code followed by
//!   [`Op::mirror`] (the opcode table's mirror column), and statements come last first;
//!   `x := e` backward restores `x` from the tape without evaluating `e`, so `unassign` standing
//!   for an `assign` has no expression code;
//! - `if C { T } else { E } fi A` becomes `if A { T⁻¹ } else { E⁻¹ } fi C`: the same control
//!   instructions with the conditions (and their expression code) exchanged;
//! - `from A do B loop L until C` becomes `from C do B⁻¹ loop L⁻¹ until A`; where C can never
//!   hold again going backward (a simple loop's exit test, [`crate::loops`]) and its expression
//!   code cannot fault, the re-entry assertion at `loop.back` is `x != x` without that code
//!   (Janus's `until s > 0 && i = n` costs three instructions less a trip);
//! - a counted loop `from.c A; B; loop.inc i, C; loop.exit` becomes
//!   `from.dec i, C; B⁻¹; loop.test A; loop.exit` (`from.inc` for `loop.dec`): its step comes
//!   first backward, and the stream still spends one control instruction per iteration. The
//!   step-first form mirrors back to the counted loop, so a backward stream is a valid forward
//!   code whose backward stream is the original (but for re-entry assertions left out).
//!
//! Each backward instruction records the forward instruction it stands for ([`Backward::origin`]:
//! spans, tape tags and error positions), and statement boundaries are mapped both ways
//! ([`Backward::to_backward`], [`Backward::to_forward`]).
//!
//! Building the stream also checks that control instructions nest (the verifier checked that
//! partners point at each other); a module whose do not fails to load. The walk keeps its own
//! task stack, so deep nesting needs no deep host recursion.

use super::Backward;
use crate::ops::{Cond, Off, Op, Pre, Slot};

/// Builds the backward stream of verified forward code (`enter … exit`, partners checked).
/// `quiet` lists the `until`s whose condition can never hold again going backward, each with a
/// slot of its gene ([`crate::loops`]: a simple loop's counter), by position.
pub(super) fn backward(code: &[Op], quiet: &[(usize, Slot)]) -> Result<Backward, String> {
    let len = code.len();
    let mut b = Builder {
        code,
        quiet,
        out: Vec::with_capacity(len),
        origin: Vec::with_capacity(len),
        to_backward: vec![Backward::NONE; len + 1],
        open: Vec::new(),
    };
    b.put(Op::Enter {}, len - 1);
    let mut tasks = vec![Task::Block { start: 1, end: len - 1 }];
    while let Some(task) = tasks.pop() {
        b.task(task, &mut tasks)?;
    }
    b.put(Op::Exit {}, 0);
    let Builder { out, origin, to_backward, .. } = b;
    let mut to_forward = vec![Backward::NONE; out.len() + 1];
    for (p, &q) in to_backward.iter().enumerate() {
        if q != Backward::NONE {
            to_forward[q as usize] = p as u32;
        }
    }
    Ok(Backward { code: out, origin, to_backward, to_forward })
}

/// One step of the walk. A block is emitted last statement first; a compound statement pushes
/// its pieces and its bodies, so they come out in order.
#[derive(Clone, Copy, Debug)]
enum Task {
    /// The statements of forward `start..end`, last first.
    Block { start: usize, end: usize },
    /// `if A` (A: the fi assertion at `fi_else`).
    IfHead { fi_else: usize },
    /// The end of the backward then-branch: `fi C` (C: the condition of `if_top`).
    IfThen { if_top: usize },
    /// The backward `else` marker (standing for forward `fi.then`).
    IfElse { fi_then: usize },
    /// The end of the backward if: `fi C` after the else-branch.
    IfEnd { if_top: usize, else_at: usize },
    /// `from C` (C: the exit test `until`), standing for `loop.exit`.
    LoopHead { until: usize, exit: usize },
    /// `until A` (A: the entry assertion at `from_top`).
    LoopUntil { from_top: usize },
    /// `loop.back` with C and `loop.exit`.
    LoopEnd { from_top: usize, until: usize },
    /// The head of a counted loop: the mirror of its latch.
    CountedHead { latch: usize, exit: usize },
    /// The latch of a counted loop (the mirror of its head) and `loop.exit`.
    CountedEnd { head: usize, latch: usize },
}

struct Builder<'c> {
    code: &'c [Op],
    quiet: &'c [(usize, Slot)],
    out: Vec<Op>,
    origin: Vec<u32>,
    to_backward: Vec<u32>,
    /// Backward positions of the control instructions of constructs being built, innermost last.
    open: Vec<usize>,
}

/// Whether the `fix` at `pc` undoes as a unit with the effect before it (in the block
/// starting at `start`): an update of a fixed-width variable is `update; fix`, undone as
/// `update⁻¹; fix` (see [`Op::Fix`]). Engines that walk the forward code backward (the JIT)
/// pair by this same rule.
pub fn paired_fix(code: &[Op], start: usize, pc: usize) -> bool {
    matches!(code[pc], Op::Fix { .. })
        && pc > start
        && code[pc - 1].class() == crate::ops::Class::Effect
        && !matches!(code[pc - 1], Op::Fix { .. })
}

fn nesting(pc: usize) -> String {
    format!("instruction {pc}: control instructions do not nest")
}

impl Builder<'_> {
    fn here(&self) -> usize {
        self.out.len()
    }

    fn put(&mut self, op: Op, origin: usize) -> usize {
        self.out.push(op);
        self.origin.push(origin as u32);
        self.out.len() - 1
    }

    /// Where the expression code of instruction `pc` starts.
    fn pre_start(&self, pc: usize) -> usize {
        pc - self.code[pc].pre().map_or(0, |n| n as usize)
    }

    /// Copies the expression code of instruction `pc` (its jumps moved with it), then puts `op`
    /// with that code's length as its `pre`.
    fn with_pre(&mut self, pc: usize, mut op: Op, origin: usize) -> usize {
        let start = self.pre_start(pc);
        let at = self.here();
        for q in start..pc {
            let mut p = self.code[q];
            if let Op::Jz { to, .. } | Op::Jnz { to, .. } = &mut p {
                *to = Off((to.0 as usize - start + at) as u32);
            }
            self.put(p, q);
        }
        op.set_pre((pc - start) as u16);
        self.put(op, origin)
    }

    /// The condition of control instruction `pc`.
    fn cond(&self, pc: usize) -> Cond {
        match self.code[pc] {
            Op::If { cond, .. }
            | Op::FiThen { cond, .. }
            | Op::FiElse { cond, .. }
            | Op::From { cond, .. }
            | Op::Until { cond, .. }
            | Op::LoopBack { cond, .. }
            | Op::FromC { cond, .. }
            | Op::LoopInc { cond, .. }
            | Op::LoopDec { cond, .. }
            | Op::FromDec { cond, .. }
            | Op::FromInc { cond, .. }
            | Op::LoopTest { cond, .. } => cond,
            _ => Cond::Nz(crate::ops::Slot(0)),
        }
    }

    /// Puts the mirror of effect `pc` after its expression code.
    fn undo_effect(&mut self, pc: usize) {
        match self.code[pc].mirror() {
            // Backward, `x := e` restores x from the tape: e is not evaluated.
            mut mirror @ Op::Unassign { .. } => {
                mirror.set_pre(0);
                self.put(mirror, pc);
            }
            mirror => {
                self.with_pre(pc, mirror, pc);
            }
        }
    }

    fn set_open(&mut self, at: usize, f: impl FnOnce(&mut Op)) {
        f(&mut self.out[at]);
    }

    fn task(&mut self, task: Task, tasks: &mut Vec<Task>) -> Result<(), String> {
        let code = self.code;
        match task {
            Task::Block { start, end } => {
                self.to_backward[end] = self.here() as u32;
                if start == end {
                    return Ok(());
                }
                let last = end - 1;
                match code[last] {
                    Op::FiElse { fi_then, .. } => {
                        let ft = fi_then.0 as usize;
                        let Op::Else { if_top } = code.get(ft + 1).copied().unwrap_or(Op::Exit {}) else {
                            return Err(nesting(ft));
                        };
                        let t = if_top.0 as usize;
                        let first = self.pre_start(t);
                        let (then_end, else_end) = (self.pre_start(ft), self.pre_start(last));
                        if first < start || then_end < t + 1 || else_end < ft + 2 {
                            return Err(nesting(last));
                        }
                        tasks.push(Task::Block { start, end: first });
                        tasks.push(Task::IfEnd { if_top: t, else_at: ft + 1 });
                        tasks.push(Task::Block { start: ft + 2, end: else_end });
                        tasks.push(Task::IfElse { fi_then: ft });
                        tasks.push(Task::IfThen { if_top: t });
                        tasks.push(Task::Block { start: t + 1, end: then_end });
                        tasks.push(Task::IfHead { fi_else: last });
                    }
                    Op::LoopExit { until } => {
                        let u = until.0 as usize;
                        match code[u] {
                            Op::Until { .. } => {
                                let Op::LoopBack { from_top, .. } = code[last - 1] else {
                                    return Err(nesting(last));
                                };
                                let t = from_top.0 as usize;
                                let first = self.pre_start(t);
                                let (body_end, again_end) = (self.pre_start(u), self.pre_start(last - 1));
                                if first < start || t + 1 > body_end || u + 1 > again_end {
                                    return Err(nesting(last));
                                }
                                tasks.push(Task::Block { start, end: first });
                                tasks.push(Task::LoopEnd { from_top: t, until: u });
                                tasks.push(Task::Block { start: u + 1, end: again_end });
                                tasks.push(Task::LoopUntil { from_top: t });
                                tasks.push(Task::Block { start: t + 1, end: body_end });
                                tasks.push(Task::LoopHead { until: u, exit: last });
                            }
                            Op::LoopInc { from_top: h, .. }
                            | Op::LoopDec { from_top: h, .. }
                            | Op::LoopTest { from_step: h, .. } => {
                                let t = h.0 as usize;
                                if u + 1 != last || t < start || t >= u {
                                    return Err(nesting(last));
                                }
                                tasks.push(Task::Block { start, end: t });
                                tasks.push(Task::CountedEnd { head: t, latch: u });
                                tasks.push(Task::Block { start: t + 1, end: u });
                                tasks.push(Task::CountedHead { latch: u, exit: last });
                            }
                            _ => return Err(nesting(last)),
                        }
                    }
                    // An update and the `fix` after it are undone as a unit: the update's
                    // mirror, then the fix (the value is in canonical form before either).
                    Op::Fix { .. } if paired_fix(code, start, last) => {
                        let upd = last - 1;
                        let first = self.pre_start(upd);
                        if first < start {
                            return Err(nesting(upd));
                        }
                        self.undo_effect(upd);
                        self.put(code[last], last);
                        tasks.push(Task::Block { start, end: first });
                    }
                    op if op.class() == crate::ops::Class::Effect => {
                        let first = self.pre_start(last);
                        if first < start {
                            return Err(nesting(last));
                        }
                        self.undo_effect(last);
                        tasks.push(Task::Block { start, end: first });
                    }
                    _ => return Err(nesting(last)),
                }
            }
            Task::IfHead { fi_else } => {
                let at = self.with_pre(
                    fi_else,
                    Op::If { cond: self.cond(fi_else), else_at: Off(0), pre: Pre(0) },
                    fi_else,
                );
                self.open.push(at);
            }
            Task::IfThen { if_top } => {
                let at = self.with_pre(
                    if_top,
                    Op::FiThen { cond: self.cond(if_top), fi_else: Off(0), pre: Pre(0) },
                    if_top,
                );
                self.open.push(at);
            }
            Task::IfElse { fi_then } => {
                let head = self.open[self.open.len() - 2];
                let at = self.put(Op::Else { if_top: Off(head as u32) }, fi_then);
                self.set_open(head, |op| {
                    if let Op::If { else_at, .. } = op {
                        *else_at = Off(at as u32);
                    }
                });
                self.open.push(at);
            }
            Task::IfEnd { if_top, else_at } => {
                let mid = self.open[self.open.len() - 2];
                let at = self.with_pre(
                    if_top,
                    Op::FiElse { cond: self.cond(if_top), fi_then: Off(mid as u32), pre: Pre(0) },
                    else_at,
                );
                self.set_open(mid, |op| {
                    if let Op::FiThen { fi_else, .. } = op {
                        *fi_else = Off(at as u32);
                    }
                });
                self.open.truncate(self.open.len() - 3);
            }
            Task::LoopHead { until, exit } => {
                let at = self.with_pre(
                    until,
                    Op::From { cond: self.cond(until), loop_back: Off(0), pre: Pre(0) },
                    exit,
                );
                self.open.push(at);
            }
            Task::LoopUntil { from_top } => {
                let at = self.with_pre(
                    from_top,
                    Op::Until { cond: self.cond(from_top), loop_exit: Off(0), pre: Pre(0) },
                    from_top,
                );
                self.open.push(at);
            }
            Task::LoopEnd { from_top, until } => {
                let (head, test) = (self.open[self.open.len() - 2], self.open[self.open.len() - 1]);
                // The re-entry assertion is the exit test's condition; where that can never hold
                // again and its expression code cannot fault, neither is run: the condition
                // `x != x` (of the loop's counter) is never true.
                let quiet =
                    self.quiet.binary_search_by_key(&until, |q| q.0).ok().map(|i| self.quiet[i].1).filter(
                        |_| {
                            code[self.pre_start(until)..until]
                                .iter()
                                .all(|op| op.cannot_fault() || matches!(op, Op::Jz { .. } | Op::Jnz { .. }))
                        },
                    );
                let back = match quiet {
                    Some(x) => self.put(
                        Op::LoopBack { cond: Cond::Ne(x, x), from_top: Off(head as u32), pre: Pre(0) },
                        until,
                    ),
                    None => self.with_pre(
                        until,
                        Op::LoopBack { cond: self.cond(until), from_top: Off(head as u32), pre: Pre(0) },
                        until,
                    ),
                };
                let exit = self.put(Op::LoopExit { until: Off(test as u32) }, from_top);
                self.set_open(head, |op| {
                    if let Op::From { loop_back, .. } = op {
                        *loop_back = Off(back as u32);
                    }
                });
                self.set_open(test, |op| {
                    if let Op::Until { loop_exit, .. } = op {
                        *loop_exit = Off(exit as u32);
                    }
                });
                self.open.truncate(self.open.len() - 2);
            }
            Task::CountedHead { latch, exit } => {
                let head = match code[latch] {
                    Op::LoopInc { ctr, cond, .. } => Op::FromDec { ctr, cond, loop_test: Off(0) },
                    Op::LoopDec { ctr, cond, .. } => Op::FromInc { ctr, cond, loop_test: Off(0) },
                    Op::LoopTest { cond, .. } => Op::FromC { cond, loop_back: Off(0) },
                    _ => return Err(nesting(latch)),
                };
                let at = self.put(head, exit);
                self.open.push(at);
            }
            Task::CountedEnd { head, latch } => {
                let h = self.open.pop().ok_or_else(|| nesting(head))?;
                let back = Off(h as u32);
                let mirror = match code[head] {
                    Op::FromC { cond, .. } => Op::LoopTest { cond, from_step: back },
                    Op::FromDec { ctr, cond, .. } => Op::LoopInc { ctr, cond, from_top: back },
                    Op::FromInc { ctr, cond, .. } => Op::LoopDec { ctr, cond, from_top: back },
                    _ => return Err(nesting(head)),
                };
                let at = self.put(mirror, latch);
                self.put(Op::LoopExit { until: Off(at as u32) }, head);
                self.set_open(h, |op| match op {
                    Op::FromDec { loop_test, .. } | Op::FromInc { loop_test, .. } => {
                        *loop_test = Off(at as u32)
                    }
                    Op::FromC { loop_back, .. } => *loop_back = Off(at as u32),
                    _ => {}
                });
            }
        }
        Ok(())
    }
}
