//! `if`/`fi` without a branch: an `if c { S } else { T } fi a` whose parts are updates that
//! cannot fail but for their bounds checks (wrapping arithmetic, multiplications by odd
//! constants, rotations, xor-shifts, swaps of slots and of elements, `x += a[i]`, each after
//! its own expression code; T may be empty) and ancillas opened and closed in them runs S where
//! c holds and T where it does not by selects, not a jump (a branch on data, such as
//! `if x[i] > t { c += 1; s += x[i] }`, `if x >> 63 == 1 { y += 3 } else { y -= 5 }` over
//! random words or a Collatz step `if m & 1 == 1 { m *= 3; m += 1 } else { local h = m / 2;
//! swap h, m; delocal h = m * 2 }`, is mispredicted half the time).
//!
//! S and then T run on every path, each from the state before the construct: each element
//! write of S stores a select of the new value where c holds and the old one where it does
//! not, each of T's where c does not hold (so each element a part updates is stored once, on
//! both ways; T reads the elements S left, which are the old ones where T's way is taken).
//! The slots the parts write (their expression code's too) are set back to their values before
//! the construct between the parts, and each is selected once at the end between the two parts'
//! values, so a slot's chain from trip to trip is one part and a select. The exit assertion is
//! then tested once for both ways, from `fi.then`'s copy of its code (so `fi.else`'s must be the
//! same instructions: the compiler's always is, a hand-written module's may not be),
//! with each way's error at its own instruction (`fi.then` going forward when c held,
//! `fi.else` when it did not; `if` and `else` going backward).
//!
//! A `delocal` of S or T is tested where its part's way is taken: where it does not hold, the
//! run is bad as an out-of-bounds access makes it (below), and the usual translation fails at
//! that `delocal`. On the way not taken a part's values are not used, so its closings are not
//! tested there.
//!
//! Every element S or T writes must have passed its bounds check on every path to the construct
//! ([`known`](super::known)): a write on every path costs a load, a select and a store where
//! a predicted branch would skip it. What S and the assertion's code read may be unchecked:
//! they run speculatively, such an access not failing but noting whether it is out of bounds
//! and reading a scratch word then. Where one was, a cold branch puts back the old value of
//! every slot and element S and T wrote and goes to the usual translation of the `if`/`fi`, which fails
//! where the interpreter does; the branchless way rejoins it after the construct. The
//! assertion's code must not fail otherwise (each way has its own copy of it, at other
//! positions), and its indices must be the same on both ways: only the backward way's `if`
//! test, which both ways evaluate from the same instructions after the construct, may fail.

use super::{Spec, Tr, known, pre_start};
use crate::runtime::FaultCode;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Value};
use rdx_vm::module::GeneDef;
use rdx_vm::ops::{Arr, Op, OperandRef, Slot};

/// The elements `(array, index slot)` an update writes (the slots it writes are found with
/// those of its expression code: [`Shape::slots`]).
struct Writes {
    elems: Vec<(Arr, Slot)>,
}

/// The writes of `op` when it is an update that cannot fail (given the bounds checks of the
/// elements it reads and writes): wrapping arithmetic and swaps of slots and of elements. Its
/// mirror writes the same.
fn update_writes(op: &Op) -> Option<Writes> {
    let elems = match *op {
        Op::Add { .. }
        | Op::Sub { .. }
        | Op::Xor { .. }
        | Op::AddImm { .. }
        | Op::SubImm { .. }
        | Op::XorImm { .. }
        | Op::RotlImm { .. }
        | Op::RotrImm { .. }
        | Op::Neg { .. }
        | Op::Not { .. }
        | Op::AddFrom { .. }
        | Op::SubFrom { .. }
        | Op::XorFrom { .. }
        | Op::AddW { .. }
        | Op::SubW { .. }
        | Op::XorW { .. }
        | Op::AddWImm { .. }
        | Op::SubWImm { .. }
        | Op::RotlWImm { .. }
        | Op::RotrWImm { .. }
        | Op::MulImm { .. }
        | Op::Xsl { .. }
        | Op::XslInv { .. }
        | Op::Xsr { .. }
        | Op::XsrInv { .. }
        | Op::Rotl { .. }
        | Op::Rotr { .. }
        | Op::RotAdd { .. }
        | Op::RotSub { .. }
        | Op::RotXor { .. }
        | Op::AddRot { .. }
        | Op::SubRot { .. }
        | Op::XorRot { .. }
        | Op::Swap { .. }
        // An ancilla opened and closed in a part (`local h = m / 2; swap h, m; delocal h = m * 2`):
        // a closing that does not hold where the part's way is taken sends the run to the usual
        // translation, which fails there ([`Tr::spec_delocal`]).
        | Op::Local { .. }
        | Op::LocalImm { .. }
        | Op::Delocal { .. }
        | Op::DelocalImm { .. } => vec![],
        Op::AddElem { arr, idx, .. }
        | Op::SubElem { arr, idx, .. }
        | Op::XorElem { arr, idx, .. }
        | Op::AddElemImm { arr, idx, .. }
        | Op::SubElemImm { arr, idx, .. }
        | Op::XorElemImm { arr, idx, .. } => vec![(arr, idx)],
        Op::SwapElems { arr, i, arr2, j, .. } => vec![(arr, i), (arr2, j)],
        _ => return None,
    };
    Some(Writes { elems })
}

/// The positions of an `if` whose then part is updates and whose else part is updates too or
/// empty.
struct Shape {
    /// The `if`, its `fi.then`, `else` and `fi.else`.
    top: usize,
    fi_then: usize,
    els: usize,
    fi_else: usize,
    /// The then part's updates in order (each after its expression code), with their writes.
    updates: Vec<(usize, Writes)>,
    /// The else part's, the same way (none when it is empty).
    else_updates: Vec<(usize, Writes)>,
}

impl Shape {
    /// Both parts' updates: the then part's, then the else part's.
    fn all_updates(&self) -> impl Iterator<Item = &(usize, Writes)> {
        self.updates.iter().chain(&self.else_updates)
    }

    /// The slots either part writes, each once: its updates' and its expression code's (the
    /// compiler's temporaries are written before they are read again, but a hand-written
    /// module may read one after the construct, where it must hold the way taken's value).
    fn slots(&self, g: &GeneDef) -> Vec<Slot> {
        let parts = [self.top + 1..pre_start(g, self.fi_then), self.els + 1..pre_start(g, self.fi_else)];
        let mut slots = Vec::new();
        for s in parts.into_iter().flat_map(|r| crate::loops::written_by(g, &g.code[r])) {
            if !slots.contains(&s) {
                slots.push(s);
            }
        }
        slots
    }
}

/// At most this many instructions of an `if`'s two parts together (each with its exit
/// assertion's code) made branchless: they run on both ways.
const MAX_THEN: usize = 24;

/// Expression code that may run speculatively: it cannot fail but for its bounds checks.
fn speculative(op: &Op) -> bool {
    op.cannot_fault() || matches!(op, Op::Load { .. } | Op::LoadOff { .. } | Op::LoadImm { .. })
}

/// The old value of each element a branchless run writes (every time, in order, with its
/// address), for the cold path to put back.
type Olds = Vec<(Arr, known::Index, Value, Value)>;

/// Whether the indices of the reads in `fi` (the exit assertion's code) are the same on both
/// ways: none comes from a slot the then part `then` writes or from a read element.
fn indices_on_both_ways(g: &rdx_vm::module::GeneDef, then: &[Op], fi: &[Op]) -> bool {
    let mut differ = crate::loops::written_by(g, then);
    for op in fi {
        if let Op::Load { idx, .. } | Op::LoadOff { idx, .. } = *op
            && differ.contains(&idx)
        {
            return false;
        }
        let mut reads_differ = matches!(op, Op::Load { .. } | Op::LoadOff { .. } | Op::LoadImm { .. });
        op.operands(&mut |name, o| {
            if let OperandRef::Slot(s) = o
                && !crate::loops::is_write(op, name)
            {
                reads_differ |= differ.contains(&s);
            }
        });
        for d in crate::loops::written_by(g, std::slice::from_ref(op)) {
            differ.retain(|&s| s != d);
            if reads_differ {
                differ.push(d);
            }
        }
    }
    true
}

impl<'a, 'b, 'm> Tr<'a, 'b, 'm> {
    /// The shape around the `if` at `top`, if it has it.
    fn select_shape(&self, top: usize) -> Option<Shape> {
        let code = &self.g.code;
        let Op::If { else_at, .. } = code[top] else { return None };
        let els = else_at.0 as usize;
        let fi_then = els.checked_sub(1)?;
        let Op::FiThen { fi_else, .. } = *code.get(fi_then)? else { return None };
        let fi_else = fi_else.0 as usize;
        if !matches!(code[els], Op::Else { .. }) || !matches!(code.get(fi_else), Some(Op::FiElse { .. })) {
            return None;
        }
        let (then_end, else_end) = (pre_start(self.g, fi_then), pre_start(self.g, fi_else));
        if then_end <= top + 1 || else_end < els + 1 || (fi_then - top) + (fi_else - els) > MAX_THEN {
            return None;
        }
        // The exit assertion runs once, from `fi.then`'s copy of its code, on the state of the
        // way taken: so `fi.else`'s copy must be the same (else each way tests its own).
        if !super::fi_copies_same(self.g, fi_then) {
            return None;
        }
        let updates = self.part_updates(top + 1..then_end)?;
        let else_updates = self.part_updates(els + 1..else_end)?;
        let fi = &code[then_end..fi_then];
        let parts: Vec<Op> =
            code[top + 1..then_end].iter().chain(&code[els + 1..else_end]).copied().collect();
        let assertion = fi.iter().all(speculative) && indices_on_both_ways(self.g, &parts, fi);
        (!updates.is_empty() && assertion).then_some(Shape {
            top,
            fi_then,
            els,
            fi_else,
            updates,
            else_updates,
        })
    }

    /// The updates of the part at `range` in order with their writes, when the part is
    /// nothing but updates, each right after its own expression code (nothing else in between).
    fn part_updates(&self, range: std::ops::Range<usize>) -> Option<Vec<(usize, Writes)>> {
        let mut updates = Vec::new();
        let mut from = range.start;
        for k in range {
            let op = &self.g.code[k];
            if op.is_pure() {
                if !speculative(op) {
                    return None;
                }
                continue;
            }
            let w = update_writes(op)?;
            if pre_start(self.g, k) != from {
                return None;
            }
            updates.push((k, w));
            from = k + 1;
        }
        Some(updates)
    }

    /// Whether every element the parts of `s` write passed its bounds check on every path to
    /// here, so that none is written speculatively: an element written on every path
    /// costs a load, a select and a store where a predicted branch would skip it (a histogram
    /// updated under a condition that mostly holds went 1.7× slower so), while reads, which
    /// cost no more than the branch's own, may be speculative. The update that writes it
    /// has no expression code and nothing in either part writes its index.
    fn writes_checked(&mut self, s: &Shape) -> bool {
        let then_end = pre_start(self.g, s.fi_then);
        let mut written = crate::loops::written_by(self.g, &self.g.code[s.top + 1..then_end]);
        written
            .extend(crate::loops::written_by(self.g, &self.g.code[s.els + 1..pre_start(self.g, s.fi_else)]));
        s.all_updates().filter(|(_, w)| !w.elems.is_empty()).all(|(u, w)| {
            pre_start(self.g, *u) == *u
                && w.elems.iter().all(|&(arr, idx)| {
                    let i = self.v(idx);
                    let at = self.index_of(i);
                    let cur = self.b.current_block();
                    !written.contains(&idx) && self.known.checked(cur, arr.0, at)
                })
        })
    }

    /// The address of `arr[i]` (at `at`) in a speculative run, at its first access: the
    /// scratch word where `i` is out of bounds, which is noted.
    pub(super) fn spec_elem(&mut self, arr: Arr, at: known::Index, base: Value, i: Value) -> Value {
        let len = self.v(Slot(arr.0 + 1));
        let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, len);
        let scratch = *self.scratch.get_or_insert_with(|| {
            self.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3))
        });
        let spare = self.b.ins().stack_addr(I64, scratch, 0);
        let off = self.b.ins().ishl_imm_u(i, 3);
        let real = self.b.ins().iadd(base, off);
        let p = self.b.ins().select(oob, spare, real);
        let bad = match self.spec.as_ref().and_then(|s| s.bad) {
            Some(b) => self.b.ins().bor(b, oob),
            None => oob,
        };
        let spec = self.spec.as_mut().expect("speculating");
        spec.bad = Some(bad);
        spec.seen.push((arr.0, at, p));
        p
    }

    /// Runs `op` (this direction's meaning of an update, writing `w`) where the run's way
    /// holds: each element it writes gets the new value there and keeps its old one elsewhere
    /// (a select before the one store, so a branchless `if` stores each element it updates
    /// once). The slots it writes take the new value (the caller selects them once per part:
    /// [`Self::select_slots`]). The old value of each element is kept in `olds` (in order of
    /// the writes): where an access of the run was out of bounds, the cold path puts them back.
    fn update_where(&mut self, op: Op, w: &Writes, olds: &mut Olds) {
        for &(arr, idx) in &w.elems {
            let (p, at) = self.elem(arr, idx);
            let old = self.load_at(arr, at, p);
            olds.push((arr, at, p, old));
            if let Some(spec) = self.spec.as_mut() {
                spec.pending.push((arr.0, at, old));
            }
        }
        match op {
            Op::Delocal { dst, src, .. } => {
                let (e, a) = (self.v(src), self.v(dst));
                self.spec_delocal(e, a);
            }
            Op::DelocalImm { dst, imm } => {
                let (e, a) = (self.k(imm.0), self.v(dst));
                self.spec_delocal(e, a);
            }
            _ => self.translate_effect(op),
        }
        // (An element the update did not store to keeps its value on both ways.)
        self.spec.as_mut().expect("a branchless run").pending.clear();
    }

    /// An ancilla's closing in a speculative run: where the run's way is taken and `expected`
    /// differs from `actual`, the run is noted bad (as an access out of bounds is), so the
    /// usual translation takes over and fails at the `delocal` as the interpreter does; where
    /// the way is not taken, the part's values are not used and the closing is not tested.
    fn spec_delocal(&mut self, expected: Value, actual: Value) {
        let ne = self.b.ins().icmp(IntCC::NotEqual, expected, actual);
        let spec = self.spec.as_ref().expect("a branchless run");
        let (way, bad) = (spec.way, spec.bad);
        let here = match way {
            Some(w) => self.b.ins().band(w, ne),
            None => ne,
        };
        let bad = match bad {
            Some(b) => self.b.ins().bor(b, here),
            None => here,
        };
        self.spec.as_mut().expect("a branchless run").bad = Some(bad);
    }

    /// After a part ran from the values `start` of `slots`: the values it left them, and each
    /// slot back at its `start` value (for the other part, which runs from the same state).
    fn part_values(&mut self, slots: &[Slot], start: &[Value]) -> Vec<Value> {
        let left = slots.iter().map(|&s| self.v(s)).collect();
        for (&s, &v) in slots.iter().zip(start) {
            self.set(s, v);
        }
        left
    }

    /// Each of `slots` set to its value in `then` where `c` holds and in `els` where it does
    /// not: one select per slot however many updates of each part wrote it, so a slot's
    /// chain from trip to trip is its longer part and a select, not both parts.
    fn select_slots(&mut self, slots: &[Slot], c: Value, then: &[Value], els: &[Value]) {
        for ((&s, &t), &e) in slots.iter().zip(then).zip(els) {
            let v = if t == e { t } else { self.b.ins().select(c, t, e) };
            self.set(s, v);
        }
    }

    /// Forward, a part of a branchless `if` (starting at `from`, its `updates`) where the
    /// run's way holds.
    fn part_where(&mut self, from: usize, updates: &[(usize, Writes)], olds: &mut Olds) {
        let mut from = from;
        for (u, w) in updates {
            self.emit_pure_forward(from, *u);
            self.srcloc(*u);
            self.update_where(self.g.code[*u], w, olds);
            from = u + 1;
        }
    }

    /// Backward, a part of a branchless `if` (its `updates`) undone where the run's way holds.
    fn part_undone(&mut self, updates: &[(usize, Writes)], olds: &mut Olds) {
        for (u, w) in updates.iter().rev() {
            self.eval_pre(*u);
            self.srcloc(*u);
            self.update_where(self.g.code[*u].mirror(), w, olds);
        }
    }

    /// The value an element store of the run at `(arr, at)` writes instead of `v`: `v` where
    /// the run's way holds, the element's old value elsewhere ([`Self::update_where`]).
    pub(super) fn spec_store(&mut self, arr: u16, at: known::Index, v: Value) -> Value {
        let Some(spec) = self.spec.as_mut() else { return v };
        let Some(k) = spec.pending.iter().position(|e| e.0 == arr && e.1 == at) else { return v };
        let (_, _, old) = spec.pending.remove(k);
        let way = spec.way.expect("a branchless run has its way");
        self.b.ins().select(way, v, old)
    }

    /// What the usual translation of the construct needs if it has to take over: the element
    /// facts here, and the values of the slots the instructions `range` write.
    fn before_spec(&mut self, range: std::ops::Range<usize>) -> (Vec<known::Fact>, Vec<(Slot, Value)>) {
        let cur = self.b.current_block();
        let facts = self.known.snapshot(cur);
        let written = crate::loops::written_by(self.g, &self.g.code[range]);
        (facts, written.into_iter().map(|s| (s, self.v(s))).collect())
    }

    /// After a speculative run: `rest` where every access was in bounds (each of them is
    /// then known checked). Where one was not (`spec.bad`), a cold block in which the caller
    /// goes on with the usual translation of the construct, from the state `before` it (the
    /// elements the run wrote get their `olds` back; the slots are set back): the branchless
    /// way then jumps to position `join` after `rest`, where the usual translation arrives
    /// too. True when the caller goes on so.
    fn after_spec(
        &mut self,
        spec: Spec,
        olds: Olds,
        before: (Vec<known::Fact>, Vec<(Slot, Value)>),
        join: usize,
        rest: impl FnOnce(&mut Self),
    ) -> bool {
        let Some(bad) = spec.bad else {
            rest(self);
            return false;
        };
        let (slow, quick) = (self.b.create_block(), self.b.create_block());
        self.b.set_cold_block(slow);
        self.b.ins().brif(bad, slow, &[], quick, &[]);
        self.go_on(quick);
        for (arr, at, _) in spec.seen {
            let cur = self.b.current_block();
            self.known.note(cur, arr, at, None);
        }
        rest(self);
        // The join has other ways in (the usual translation's): no facts come with this one.
        let blk = self.block(join);
        self.entry_facts.insert(join, Vec::new());
        self.b.ins().jump(blk, &[]);
        self.b.switch_to_block(slow);
        self.b.seal_block(slow);
        // The elements as before the construct (latest write first, so an element written
        // twice gets its first old value), then the facts of before it hold again.
        for (_, _, p, old) in olds.into_iter().rev() {
            self.b.ins().store(MemFlagsData::trusted(), old, p, 0);
        }
        let (facts, slots) = before;
        self.known.resume(slow, facts);
        // Every slot the construct's code wrote, its temporaries too, as before it.
        for (s, v) in slots {
            self.set(s, v);
        }
        self.done = false;
        true
    }

    /// The check both ways share: `got` must equal `way` (the way taken); where it does not,
    /// the error of that way at that way's instruction. One branch, to a cold block that picks.
    fn fail_either(
        &mut self,
        way: Value,
        got: Value,
        taken: (usize, FaultCode),
        not_taken: (usize, FaultCode),
    ) {
        let bad = self.b.ins().icmp(IntCC::NotEqual, way, got);
        let (err, next) = (self.b.create_block(), self.b.create_block());
        self.b.set_cold_block(err);
        self.b.ins().brif(bad, err, &[], next, &[]);
        let here = self.pc;
        self.cold_path(err, next, |t| {
            let (e1, e2) = (t.b.create_block(), t.b.create_block());
            t.b.set_cold_block(e1);
            t.b.set_cold_block(e2);
            t.b.ins().brif(way, e1, &[], e2, &[]);
            for (blk, (at, code)) in [(e1, taken), (e2, not_taken)] {
                t.b.switch_to_block(blk);
                t.b.seal_block(blk);
                t.srcloc(at);
                let z = t.k(0);
                t.emit_error(code, z, z);
            }
            t.srcloc(here);
        });
    }

    /// Forward at the `if` at `top` (its condition's code already emitted): the whole
    /// `if`/`fi` without a branch when it has the shape; returns the position of its `fi.else`
    /// then (the caller goes on after it). None when it does not apply, or when the
    /// branchless way was taken only where its accesses are in bounds: the caller then goes on
    /// with the usual translation (in the cold block of the other case).
    pub(super) fn select_forward(&mut self, top: usize) -> Option<usize> {
        let s = self.select_shape(top)?;
        let (Op::If { cond, .. }, Op::FiThen { cond: fi, .. }) = (self.g.code[top], self.g.code[s.fi_then])
        else {
            return None;
        };
        if !self.writes_checked(&s) {
            return None;
        }
        let c = self.cond(cond);
        let before = self.before_spec(top + 1..s.fi_else);
        // Each part from the state before the construct, its element writes selected as it
        // goes and its slot writes at the end.
        let slots = s.slots(self.g);
        let start: Vec<Value> = slots.iter().map(|&x| self.v(x)).collect();
        self.spec = Some(Spec { way: Some(c), ..Spec::default() });
        let mut olds = Olds::new();
        self.part_where(top + 1, &s.updates, &mut olds);
        let then = self.part_values(&slots, &start);
        if !s.else_updates.is_empty() {
            let not_c = self.b.ins().icmp_imm_s(IntCC::Equal, c, 0);
            self.spec.as_mut().expect("a branchless run").way = Some(not_c);
            self.part_where(s.els + 1, &s.else_updates, &mut olds);
        }
        let els = self.part_values(&slots, &start);
        self.select_slots(&slots, c, &then, &els);
        // The exit assertion's code, once (`fi.then`'s copy) on the state of the way taken,
        // its reads speculative: their indices are those of the other way too
        // (`indices_on_both_ways`), so where they are in bounds its values are both ways'.
        // (Left out with its check where it cannot fail either way.)
        let settled = self.loops.settled(s.fi_then) && self.loops.settled(s.fi_else);
        let then_end = pre_start(self.g, s.fi_then);
        if !settled {
            self.emit_pure(then_end, s.fi_then);
        }
        let spec = self.spec.take().unwrap_or_default();
        let rest = |t: &mut Self| {
            if settled {
                return;
            }
            // Failing either way: `fi.then`'s error where c held, `fi.else`'s where it did not.
            t.srcloc(s.fi_then);
            let a = t.cond(fi);
            t.fail_either(c, a, (s.fi_then, FaultCode::FiThen), (s.fi_else, FaultCode::FiElse));
        };
        if self.after_spec(spec, olds, before, s.fi_else + 1, rest) { None } else { Some(s.fi_else) }
    }

    /// Backward at the `fi.else` at `at`: the same `if`/`fi` undone without a branch; returns
    /// the position of its `if` then (the caller goes on below it), or `at` when it emitted the
    /// usual `fi.else` itself (the shape's writes were not checked). None (as forward) when it
    /// does not apply (nothing emitted) or when the usual translation goes on in a cold block.
    pub(super) fn select_backward(&mut self, at: usize) -> Option<usize> {
        let Op::FiElse { cond: fi, fi_then, .. } = self.g.code[at] else { return None };
        let Op::Else { if_top, .. } = *self.g.code.get(fi_then.0 as usize + 1)? else { return None };
        let s = self.select_shape(if_top.0 as usize)?;
        let Op::If { cond, .. } = self.g.code[s.top] else { return None };
        if s.fi_else != at {
            return None;
        }
        // The exit assertion's code runs first on both ways (here): it may fail as it is.
        self.eval_pre(at);
        let a = self.cond(fi);
        if !self.writes_checked(&s) {
            // The usual backward `fi.else` (its code is emitted already).
            let to = pre_start(self.g, s.fi_then) - 1;
            self.branch_to(a, to);
            return Some(at);
        }
        let before = self.before_spec(s.top + 1..pre_start(self.g, s.fi_else));
        let not_a = (!s.else_updates.is_empty()).then(|| self.b.ins().icmp_imm_s(IntCC::Equal, a, 0));
        let slots = s.slots(self.g);
        let start: Vec<Value> = slots.iter().map(|&x| self.v(x)).collect();
        self.spec = Some(Spec { way: not_a, ..Spec::default() });
        let mut olds = Olds::new();
        // The else part undone (where a does not hold), then the then part (where it does),
        // each from the state after the construct (as forward).
        self.part_undone(&s.else_updates, &mut olds);
        let els = self.part_values(&slots, &start);
        self.spec.as_mut().expect("a branchless run").way = Some(a);
        self.part_undone(&s.updates, &mut olds);
        let then = self.part_values(&slots, &start);
        self.select_slots(&slots, a, &then, &els);
        let spec = self.spec.take().unwrap_or_default();
        let settled = self.loops.settled(s.fi_then) && self.loops.settled(s.fi_else);
        let rest = |t: &mut Self| {
            if settled {
                return;
            }
            // The `if` test, whose code both ways evaluate from the same instructions.
            t.eval_pre(s.top);
            t.srcloc(s.top);
            let c = t.cond(cond);
            // Failing either way: `if`'s error where a held, `else`'s where it did not.
            t.fail_either(a, c, (s.top, FaultCode::IfThen), (s.els, FaultCode::IfElse));
        };
        let join = pre_start(self.g, s.top) - 1;
        if self.after_spec(spec, olds, before, join, rest) { None } else { Some(s.top) }
    }
}
