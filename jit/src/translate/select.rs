//! `if`/`fi` without a branch: an `if c { S } fi a` whose then part is one update that cannot
//! fail and whose else part is empty runs S where c holds by a select, not a jump (a branch
//! on data, such as `if x[j] > x[k] { x[j] -= 1 }`, is mispredicted half the time).
//!
//! S runs on every path, then each slot and element it wrote takes back its old value where c
//! does not hold. That is the interpreter's meaning when S cannot fail and touches only
//! elements whose bounds check passed on every path to the `if` ([`known`](super::known)).
//! The exit assertion is then tested once for both ways, with each way's error at its own
//! instruction (`fi.then` going forward when c held, `fi.else` when it did not; `if` and
//! `else` going backward). The code that computes it must not fail either, since each way has
//! its own copy of it (at other positions): only the backward way's `if` test, which both ways
//! evaluate from the same instructions, may.

use super::{Tr, pre_start, speculable};
use crate::runtime::FaultCode;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, Value};
use rdx_vm::ops::{Arr, Op, Slot};

/// What an update writes: scalar slots, and elements `(array, index slot)`.
struct Writes {
    slots: Vec<Slot>,
    elems: Vec<(Arr, Slot)>,
}

/// The writes of `op` when it is an update that cannot fail (given its elements' bounds
/// checks): wrapping arithmetic and swaps of slots and of elements. Its mirror writes the same.
fn update_writes(op: &Op) -> Option<Writes> {
    let (slots, elems) = match *op {
        Op::Add { dst, .. }
        | Op::Sub { dst, .. }
        | Op::Xor { dst, .. }
        | Op::AddImm { dst, .. }
        | Op::SubImm { dst, .. }
        | Op::XorImm { dst, .. }
        | Op::RotlImm { dst, .. }
        | Op::RotrImm { dst, .. }
        | Op::Neg { dst }
        | Op::Not { dst } => (vec![dst], vec![]),
        Op::Swap { a, b } => (vec![a, b], vec![]),
        Op::AddElem { arr, idx, .. }
        | Op::SubElem { arr, idx, .. }
        | Op::XorElem { arr, idx, .. }
        | Op::AddElemImm { arr, idx, .. }
        | Op::SubElemImm { arr, idx, .. }
        | Op::XorElemImm { arr, idx, .. } => (vec![], vec![(arr, idx)]),
        Op::SwapElems { arr, i, arr2, j, .. } => (vec![], vec![(arr, i), (arr2, j)]),
        _ => return None,
    };
    Some(Writes { slots, elems })
}

/// The positions of an `if` with one update in its then part and nothing in its else part.
struct Shape {
    /// The `if`, its update, its `fi.then`, `else` and `fi.else`.
    top: usize,
    update: usize,
    fi_then: usize,
    els: usize,
    fi_else: usize,
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
        let update = top + 1;
        let shape = Shape { top, update, fi_then, els, fi_else };
        let one_update = pre_start(self.g, fi_then) == update + 1
            && !code[update].is_pure()
            && code[update].pre().unwrap_or(0) == 0;
        let empty_else = matches!(code[els], Op::Else { .. })
            && matches!(code.get(fi_else), Some(Op::FiElse { .. }))
            && pre_start(self.g, fi_else) == els + 1;
        (one_update && empty_else).then_some(shape)
    }

    /// Whether every element `w` names passed its bounds check on every path to here.
    fn elems_checked(&mut self, elems: &[(Arr, Slot)]) -> bool {
        elems.iter().all(|&(arr, idx)| {
            let i = self.v(idx);
            let at = self.index_of(i);
            let cur = self.b.current_block();
            self.known.checked(cur, arr.0, at)
        })
    }

    /// Whether the expression code `start..end` cannot fail here once `w` has run: each
    /// instruction speculable, or a load of an element checked on every path to here whose
    /// index no earlier instruction of it (nor `w`) writes.
    fn pre_cannot_fail(&mut self, start: usize, end: usize, w: &Writes) -> bool {
        let mut written: Vec<Slot> = w.slots.clone();
        for k in start..end {
            let op = self.g.code[k];
            let ok = match op {
                Op::Load { arr, idx, .. } if !written.contains(&idx) => self.elems_checked(&[(arr, idx)]),
                op => speculable(&op),
            };
            if !ok {
                return false;
            }
            crate::loops::writes(self.g, &op, &mut |d| written.push(d));
        }
        true
    }

    /// Runs `op` (this direction's meaning of the update, writing `w`) only where `c` holds:
    /// it runs, then what it wrote takes back its old value where `c` does not hold.
    fn update_where(&mut self, op: Op, w: &Writes, c: Value) {
        let olds: Vec<Value> = w.slots.iter().map(|&s| self.v(s)).collect();
        let mut elems = Vec::with_capacity(w.elems.len());
        for &(arr, idx) in &w.elems {
            let (p, at) = self.elem(arr, idx);
            let old = self.load_at(arr, at, p);
            elems.push((arr, at, p, old));
        }
        self.translate_effect(op);
        for (&s, old) in w.slots.iter().zip(olds) {
            let new = self.v(s);
            let v = self.b.ins().select(c, new, old);
            self.set(s, v);
        }
        for (arr, at, p, old) in elems {
            let new = self.load_at(arr, at, p);
            let v = self.b.ins().select(c, new, old);
            self.store_at(arr, at, v, p);
        }
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
    /// `if`/`fi` without a branch when it has the shape and its parts cannot fail; returns the
    /// position of its `fi.else` then (the caller goes on after it).
    pub(super) fn select_forward(&mut self, top: usize) -> Option<usize> {
        let s = self.select_shape(top)?;
        let op = self.g.code[s.update];
        let w = update_writes(&op)?;
        if !self.elems_checked(&w.elems) || !self.pre_cannot_fail(pre_start(self.g, s.fi_then), s.fi_then, &w)
        {
            return None;
        }
        let (Op::If { cond, .. }, Op::FiThen { cond: fi, .. }) = (self.g.code[top], self.g.code[s.fi_then])
        else {
            return None;
        };
        let c = self.cond(cond);
        self.srcloc(s.update);
        self.update_where(op, &w, c);
        // The exit assertion, computed once (`fi.then`'s copy of its code).
        self.emit_pure(pre_start(self.g, s.fi_then), s.fi_then);
        self.srcloc(s.fi_then);
        let a = self.cond(fi);
        // Failing either way: `fi.then`'s error where c held, `fi.else`'s where it did not.
        self.fail_either(c, a, (s.fi_then, FaultCode::FiThen), (s.fi_else, FaultCode::FiElse));
        Some(s.fi_else)
    }

    /// Backward at the `fi.else` at `at`: the same `if`/`fi` undone without a branch; returns
    /// the position of its `if` then (the caller goes on below it). Emits nothing when it
    /// does not apply.
    pub(super) fn select_backward(&mut self, at: usize) -> Option<usize> {
        let Op::FiElse { cond: fi, fi_then, .. } = self.g.code[at] else { return None };
        let Op::Else { if_top, .. } = *self.g.code.get(fi_then.0 as usize + 1)? else { return None };
        let s = self.select_shape(if_top.0 as usize)?;
        if s.fi_else != at {
            return None;
        }
        let op = self.g.code[s.update];
        let w = update_writes(&op)?;
        let Op::If { cond, .. } = self.g.code[s.top] else { return None };
        // The exit assertion's code runs first on both ways (here): it may fail as it is.
        self.eval_pre(at);
        if !self.elems_checked(&w.elems) {
            // (What follows is the usual backward `fi.else`: its code is emitted already.)
            let a = self.cond(fi);
            let to = pre_start(self.g, s.fi_then) - 1;
            self.branch_to(a, to);
            return Some(at);
        }
        let a = self.cond(fi);
        self.srcloc(s.update);
        self.update_where(op.mirror(), &w, a);
        // The `if` test, whose code both ways evaluate from the same instructions.
        self.eval_pre(s.top);
        self.srcloc(s.top);
        let c = self.cond(cond);
        // Failing either way: `if`'s error where a held, `else`'s where it did not.
        self.fail_either(a, c, (s.top, FaultCode::IfThen), (s.els, FaultCode::IfElse));
        Some(s.top)
    }
}
