//! Facts about counted loops that let compiled code skip checks that can never fail.
//!
//! A counted loop is `from.c` at `top` … `loop.inc`/`loop.dec` at `step` (then `loop.exit`):
//! the entry assertion `ctr == s`, the body, the step `ctr ± 1` and the exit test `ctr == e`.
//! A *test-first* loop is the general form with an empty do-block, `from ctr == s do { } loop
//! { body; ctr ± 1 } until ctr == e` (`from`, `until`, the body, the step, `loop.back`): the
//! same facts hold for its body, which runs zero or more times instead of at least once.
//! It is *simple* when nothing in the body writes `ctr` (or a slot named by `s` or `e`), and
//! control enters and leaves the body only through the loop's own instructions. Then:
//!
//! - **The re-entry assertions hold.** Forward, `ctr` enters at `s` and goes around with the
//!   values `s ± 1, s ± 2, …` until it meets `e`; it could equal `s` again only after 2⁶⁴
//!   steps, and it meets `e` first (or at the same step when `e == s`, where the exit test
//!   comes first). Backward the walk is the mirror: `ctr` starts at `e` and goes around with
//!   values that meet `s` before `e` again. So `from`'s re-entry check (forward) and `until`'s
//!   (backward) never fire and are not emitted.
//! - **The counter's range is known** when `s` and `e` are constants with `s < e` for
//!   `loop.inc` (`s > e` for `loop.dec`): the body sees exactly `s ..= e - 1` (`e + 1 ..= s`),
//!   in either direction. An array access `a[ctr]` in the body with the range inside `a`'s
//!   static length needs no bounds check.
//! - **Unrolling.** With a known trip count `t` (constant bounds) and a short straight-line
//!   body, the body may be emitted `k` times per trip around, after `r = t mod k` trips run
//!   straight when the loop is entered: the counter then meets its bound only after a multiple
//!   of `k` steps, so the exit test (forward) is needed only after every `k`-th copy. Going
//!   backward the entry test becomes `ctr == s ± r` (after every `k`-th copy), and the `r`
//!   trips run straight after it holds, leaving `ctr == s` as the entry test would.
//! - **A value carried from one trip to the next.** When the body is straight-line code whose
//!   only memory write is one update `arr[ctr + c]` (no calls, stacks, kernels or swaps), a
//!   read of `arr[ctr + c - step]` before that update reads what the previous trip wrote
//!   ([`carried_store`]): compiled code keeps that word in a register across the back edge
//!   instead of waiting for the store to reach memory and come back (a prefix sum's
//!   `a[i] += a[i - 1]`). The first trip's word is loaded before the loop.

use rdx_vm::module::GeneDef;
use rdx_vm::ops::{Class, Cond, Op, OperandRef, Slot};

/// The most instructions an unrolled body may have, all copies together.
const UNROLL_BUDGET: usize = 128;

/// One simple counted loop of a gene.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountedLoop {
    /// The loop's entry instruction: `from.c`, or `from` for a test-first loop.
    pub head: usize,
    /// The instruction just before the body: `from.c`, or the `until` of a test-first loop.
    pub top: usize,
    /// The step: `loop.inc` / `loop.dec` (the `loop.exit` follows it), or the `add.imm` /
    /// `sub.imm` of the counter that ends a test-first loop's `loop` block.
    pub step: usize,
    /// The counter.
    pub ctr: Slot,
    /// The counter's values inside the body, inclusive (constant bounds only).
    pub range: Option<(u64, u64)>,
}

impl CountedLoop {
    /// Whether instruction `pc` is in the loop's body.
    pub fn contains(&self, pc: usize) -> bool {
        self.top < pc && pc < self.step
    }
}

/// How a simple counted loop's body is unrolled ([`unrolling`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unroll {
    /// Copies of the body per trip around the loop (1: not unrolled).
    pub copies: usize,
    /// Trips run once each, straight, before the loop (going forward; after it going
    /// backward), so that the rest is a multiple of `copies`.
    pub peeled: usize,
}

/// How to unroll loop `l`: the largest of 8, 4, 2 copies of the body per trip around that
/// fit [`UNROLL_BUDGET`] with the trips the count leaves over (trip count mod copies, run
/// before the loop), when the trip count is known and at least that, and the body is
/// straight-line code (no control, calls, frames or `error`).
pub fn unrolling(g: &GeneDef, l: &CountedLoop) -> Unroll {
    let none = Unroll { copies: 1, peeled: 0 };
    let Some((lo, hi)) = l.range else { return none };
    let trips = hi - lo + 1;
    let body = &g.code[l.top + 1..l.step];
    let straight = body.iter().all(|op| {
        matches!(op.class(), Class::Effect | Class::Pure)
            && !matches!(op, Op::Call { .. } | Op::Uncall { .. } | Op::Error { .. })
    });
    if !straight || body.is_empty() {
        return none;
    }
    [8, 4, 2]
        .into_iter()
        .map(|k| Unroll { copies: k, peeled: (trips % k as u64) as usize })
        .find(|u| u.copies as u64 <= trips && (u.copies + u.peeled) * body.len() <= UNROLL_BUDGET)
        .unwrap_or(none)
}

/// The counter's step around loop `l`: 1 or -1.
pub fn step(g: &GeneDef, l: &CountedLoop) -> i64 {
    if matches!(g.code[l.step], Op::LoopInc { .. } | Op::AddImm { .. }) { 1 } else { -1 }
}

/// The counter's value after the trips [`Unroll::peeled`] off loop `l` (which has a range):
/// where the unrolled loop starts going forward, and its entry test's value going backward.
pub fn after_peeled(g: &GeneDef, l: &CountedLoop, u: Unroll) -> u64 {
    let (lo, hi) = l.range.unwrap_or_default();
    let r = u.peeled as u64;
    if step(g, l) == 1 { lo.wrapping_add(r) } else { hi.wrapping_sub(r) }
}

/// The one element update of a simple counted loop's body that a value can be carried from
/// (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CarriedStore {
    /// The update instruction.
    pub pc: usize,
    /// The array it updates.
    pub arr: rdx_vm::ops::Arr,
    /// Its index is the counter plus this constant.
    pub offset: i64,
}

/// The body's only memory write, when the loop's body is straight-line code whose one memory
/// write is an `add.elem` / `sub.elem` / `xor.elem` (or `.imm`) at `ctr + c`, `c` constant
/// (the index is the counter itself or an `add3.imm` of it in the update's expression code).
pub fn carried_store(g: &GeneDef, l: &CountedLoop) -> Option<CarriedStore> {
    let body = l.top + 1..l.step;
    let mut found = None;
    for pc in body.clone() {
        let op = g.code[pc];
        let (arr, idx) = match op {
            Op::AddElem { arr, idx, .. }
            | Op::SubElem { arr, idx, .. }
            | Op::XorElem { arr, idx, .. }
            | Op::AddElemImm { arr, idx, .. }
            | Op::SubElemImm { arr, idx, .. }
            | Op::XorElemImm { arr, idx, .. } => (arr, idx),
            Op::SwapElem { .. }
            | Op::SwapElems { .. }
            | Op::Call { .. }
            | Op::Uncall { .. }
            | Op::Kernel { .. }
            | Op::KernelInv { .. }
            | Op::LocalArr { .. }
            | Op::DelocalArr { .. }
            | Op::LocalStack { .. }
            | Op::DelocalStack { .. }
            | Op::Push { .. }
            | Op::Pop { .. }
            | Op::Assign { .. }
            | Op::Unassign { .. }
            | Op::Error { .. } => return None,
            _ if matches!(op.class(), Class::Effect | Class::Pure) => continue,
            _ => return None,
        };
        if found.is_some() {
            return None;
        }
        let offset = if idx == l.ctr {
            0
        } else {
            // The index's definition in the update's own expression code.
            let start = pc - op.pre().map_or(0, |n| n as usize).min(pc - body.start);
            let defs: Vec<&Op> = g.code[start..pc]
                .iter()
                .filter(|o| {
                    let mut w = false;
                    o.operands(&mut |name, x| {
                        w |= matches!(x, OperandRef::Slot(s) if s == idx && is_write(o, name))
                    });
                    w
                })
                .collect();
            match defs.as_slice() {
                [Op::Add3Imm { a, imm, .. }] if *a == l.ctr => imm.0 as i64,
                _ => return None,
            }
        };
        found = Some(CarriedStore { pc, arr, offset });
    }
    found
}

/// Whether operand `name` of `op` is a slot the instruction writes (conservatively: a `show`
/// counts, and both operands of `swap`). Call arguments are written through by reference; see
/// [`writes`].
pub fn is_write(op: &Op, name: &str) -> bool {
    matches!(name, "dst" | "var" | "ctr") || matches!(op, Op::Swap { .. })
}

/// Calls `f` with every slot instruction `op` of gene `g` may write.
pub(crate) fn writes(g: &GeneDef, op: &Op, f: &mut impl FnMut(Slot)) {
    op.operands(&mut |name, o| match o {
        OperandRef::Slot(s) if is_write(op, name) => f(s),
        OperandRef::Args(a) if matches!(op, Op::Call { .. } | Op::Uncall { .. }) => {
            for s in g.args.iter().skip(a.start as usize).take(a.len as usize) {
                f(*s);
            }
        }
        _ => {}
    });
}

/// Every slot the instructions `ops` of gene `g` may write, each once, in order of first write.
pub(crate) fn written_by(g: &GeneDef, ops: &[Op]) -> Vec<Slot> {
    let mut out: Vec<Slot> = Vec::new();
    for op in ops {
        writes(g, op, &mut |s| {
            if !out.contains(&s) {
                out.push(s);
            }
        });
    }
    out
}

/// `ctr == x` as (the other operand: a slot or a constant), for a condition on `ctr`.
#[derive(Clone, Copy)]
enum Bound {
    Slot(Slot),
    Const(u64),
}

fn bound(c: Cond, ctr: Slot) -> Option<Bound> {
    match c {
        Cond::EqImm(a, k) if a == ctr => Some(Bound::Const(k as u64)),
        Cond::Eq(a, b) if a == ctr && b != ctr => Some(Bound::Slot(b)),
        Cond::Eq(a, b) if b == ctr && a != ctr => Some(Bound::Slot(a)),
        _ => None,
    }
}

/// The simple counted loops of a gene (see the module documentation).
pub fn counted_loops(g: &GeneDef) -> Vec<CountedLoop> {
    let code = &g.code;
    let mut out = Vec::new();
    for (step, op) in code.iter().enumerate() {
        let (Op::LoopInc { ctr, cond, from_top } | Op::LoopDec { ctr, cond, from_top }) = *op else {
            continue;
        };
        let inc = matches!(op, Op::LoopInc { .. });
        let top = from_top.0 as usize;
        let Some(Op::FromC { cond: entry, loop_back }) = code.get(top).copied() else { continue };
        if loop_back.0 as usize != step
            || top >= step
            || !matches!(code.get(step + 1), Some(Op::LoopExit { .. }))
        {
            continue;
        }
        let (Some(s), Some(e)) = (bound(entry, ctr), bound(cond, ctr)) else { continue };
        // Nothing in the body writes the counter or a bound slot.
        let mut written = false;
        for op in &code[top + 1..step] {
            writes(g, op, &mut |w| {
                written |= w == ctr
                    || matches!(s, Bound::Slot(x) if x == w)
                    || matches!(e, Bound::Slot(x) if x == w);
            });
        }
        if written {
            continue;
        }
        // Control enters and leaves only through the loop's own instructions.
        if !closed(code, top, step + 1) {
            continue;
        }
        let range = match (s, e) {
            (Bound::Const(s), Bound::Const(e)) if inc && s < e => Some((s, e - 1)),
            (Bound::Const(s), Bound::Const(e)) if !inc && s > e => Some((e + 1, s)),
            _ => None,
        };
        out.push(CountedLoop { head: top, top, step, ctr, range });
    }
    out.extend(test_first_loops(g));
    out.extend(step_first_loops(g));
    out
}

/// The bound `e` when the condition `c` of an instruction whose expression code is
/// `code[lo..at]` is an `&&` chain with `ctr == e` last (`… jz v → at … v = (ctr == e)`, the
/// condition `v != 0`): false whenever `ctr != e`, as `ctr == e` alone is.
fn conjunct_bound(code: &[Op], lo: usize, at: usize, c: Cond, ctr: Slot) -> Option<Bound> {
    let v = match c {
        Cond::Nz(v) | Cond::NeImm(v, 0) => v,
        _ => return None,
    };
    let last = match *code.get(at.checked_sub(1)?)? {
        Op::Eq { dst, a, b } if dst == v => Cond::Eq(a, b),
        Op::EqImm { dst, a, imm } if dst == v => Cond::EqImm(a, u32::try_from(imm.0).ok()?),
        _ => return None,
    };
    // Every jump in the chain skips to the end with `v` false.
    let and_chain = code[lo..at - 1].iter().all(|op| match *op {
        Op::Jz { a, to } => a == v && to.0 as usize == at,
        Op::Jnz { .. } => false,
        _ => true,
    });
    let e = bound(last, ctr)?;
    (and_chain && !matches!(e, Bound::Slot(x) if x == v)).then_some(e)
}

/// Whether control enters and leaves `lo..=hi` only through its own instructions: every jump
/// target is on the same side of the range's edges as its instruction.
fn closed(code: &[Op], lo: usize, hi: usize) -> bool {
    let inside = |p: usize| lo <= p && p <= hi;
    let mut crossing = false;
    for (pc, op) in code.iter().enumerate() {
        op.operands(&mut |_, o| {
            if let OperandRef::Off(t) = o {
                crossing |= inside(pc) != inside(t.0 as usize);
            }
        });
    }
    !crossing
}

/// A general loop's instructions: `from` at `head` (entry `entry`), `until` at `u` (exit test
/// `exit`), `loop.back` at `lb`, `loop.exit` after it, each naming its partners.
struct General {
    head: usize,
    u: usize,
    lb: usize,
    entry: Cond,
    exit: Cond,
}

/// The general loops (`from … until … loop.back loop.exit`) of `code`.
fn general_loops(code: &[Op]) -> impl Iterator<Item = General> + '_ {
    code.iter().enumerate().filter_map(|(lb, op)| {
        let Op::LoopBack { from_top, .. } = *op else { return None };
        let head = from_top.0 as usize;
        let Some(Op::From { cond: entry, loop_back, .. }) = code.get(head).copied() else { return None };
        let Some(Op::LoopExit { until }) = code.get(lb + 1).copied() else { return None };
        let u = until.0 as usize;
        let Some(Op::Until { cond: exit, loop_exit, .. }) = code.get(u).copied() else { return None };
        (loop_back.0 as usize == lb && loop_exit.0 as usize == lb + 1).then_some(General {
            head,
            u,
            lb,
            entry,
            exit,
        })
    })
}

/// The step-first loops of a gene, Janus's usual `from i = 0 do i += 1 … loop skip until …`:
/// `from ctr == s`, a do-block that starts with a checked step `ctr += k` or `ctr -= k`
/// (`add.chk.imm`/`sub.chk.imm`, `k` ≠ 0) and writes neither `ctr` nor a bound slot after it,
/// `until`, an empty loop block, `loop.back`; no jump enters or leaves. The checked step makes
/// the counter strictly monotonic (an overflow stops the run before it could wrap), so going
/// forward it never equals `s` again: `from`'s re-entry check never fires. When the exit test
/// is `ctr == e` (alone or as the last term of an `&&` chain, `s > 0 && i = n`), going backward
/// the counter never equals `e` again either, so `until`'s re-entry check never fires (`top` is
/// the `until` then; else `top == head`, which keeps that check). No range: the exit test may
/// be any condition.
fn step_first_loops(g: &GeneDef) -> Vec<CountedLoop> {
    let code = &g.code;
    let pre = |p: usize| code[p].pre().map_or(0, |n| n as usize).min(p);
    let mut out = Vec::new();
    for General { head, u, lb, entry, exit } in general_loops(code) {
        // An empty loop block: only loop.back's expression code between until and loop.back.
        if u + 1 + pre(lb) != lb || head + 1 >= u {
            continue;
        }
        let step = head + 1;
        let ctr = match code[step] {
            Op::AddChkImm { dst, imm } | Op::SubChkImm { dst, imm } if imm.0 != 0 => dst,
            _ => continue,
        };
        let Some(s) = bound(entry, ctr) else { continue };
        let e = bound(exit, ctr).or_else(|| conjunct_bound(code, u - pre(u), u, exit, ctr));
        let mut written = false;
        for op in &code[step + 1..lb] {
            writes(g, op, &mut |w| {
                written |= w == ctr
                    || matches!(s, Bound::Slot(x) if x == w)
                    || matches!(e, Some(Bound::Slot(x)) if x == w);
            });
        }
        if written || !closed(code, head, lb + 1) {
            continue;
        }
        let top = if e.is_some() { u } else { head };
        out.push(CountedLoop { head, top, step, ctr, range: None });
    }
    out
}

/// The simple test-first loops of a gene: `from ctr == s` (entry), `until ctr == e` right
/// after it (an empty do-block), a loop block that ends with `ctr += 1` or `ctr -= 1` and
/// writes neither ctr nor a bound slot elsewhere, then `loop.back`; no jump enters or leaves.
/// The body sees `s ..= e - 1` (`e + 1 ..= s` counting down) when s and e are constants on
/// the right side of each other; the re-entry assertion never holds again (as for counted
/// loops).
fn test_first_loops(g: &GeneDef) -> Vec<CountedLoop> {
    let code = &g.code;
    let pre = |p: usize| code[p].pre().map_or(0, |n| n as usize).min(p);
    let mut out = Vec::new();
    for General { head, u, lb, entry, exit } in general_loops(code) {
        if head + 1 + pre(u) != u {
            continue;
        }
        // The step just before loop.back's expression code.
        let Some(step) = (lb - pre(lb)).checked_sub(1).filter(|&p| p > u) else { continue };
        let (ctr, inc) = match code[step] {
            Op::AddImm { dst, imm } if imm.0 == 1 => (dst, true),
            Op::SubImm { dst, imm } if imm.0 == 1 => (dst, false),
            _ => continue,
        };
        let (Some(s), Some(e)) = (bound(entry, ctr), bound(exit, ctr)) else { continue };
        let mut written = false;
        for op in &code[u + 1..step] {
            writes(g, op, &mut |w| {
                written |= w == ctr
                    || matches!(s, Bound::Slot(x) if x == w)
                    || matches!(e, Bound::Slot(x) if x == w);
            });
        }
        if written {
            continue;
        }
        if !closed(code, head, lb + 1) {
            continue;
        }
        let range = match (s, e) {
            (Bound::Const(s), Bound::Const(e)) if inc && s < e => Some((s, e - 1)),
            (Bound::Const(s), Bound::Const(e)) if !inc && s > e => Some((e + 1, s)),
            _ => None,
        };
        out.push(CountedLoop { head, top: u, step, ctr, range });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gene(src: &str) -> GeneDef {
        let prog = rdx_lang::parser::parse(src).expect("parses");
        let checked = rdx_lang::check::check(&prog, &Default::default()).expect("checks");
        let m = rdx_vm::compile(&checked, "t.rdx", src).expect("compiles");
        m.genes[0].clone()
    }

    #[test]
    fn a_constant_counted_loop_has_its_range() {
        let g = gene(
            "gene f(a: u64[8], x: u64) {
                local i: u64 = 0
                from i == 0 do { x += a[i]  i += 1 } until i == 8
                delocal i = 8
            }",
        );
        let l = counted_loops(&g);
        assert_eq!(l.len(), 1, "{:?}", g.code);
        assert_eq!(l[0].range, Some((0, 7)));
        assert_eq!(unrolling(&g, &l[0]), Unroll { copies: 8, peeled: 0 }, "8 trips");
    }

    #[test]
    fn a_counter_written_in_the_body_is_not_simple() {
        let g = gene(
            "gene f(x: u64) {
                local i: u64 = 0
                from i == 0 do { i += 1  x += i  i += 1 } until i == 8
                delocal i = 8
            }",
        );
        assert!(g.code.iter().any(|o| matches!(o, Op::LoopInc { .. })), "{:?}", g.code);
        assert!(counted_loops(&g).is_empty());
    }

    #[test]
    fn a_counter_passed_to_a_call_is_not_simple() {
        let g = gene(
            "gene f(x: u64) {
                local i: u64 = 0
                from i == 0 do { call g(i, x)  i += 1 } until i == 8
                delocal i = 8
            }
            gene g(i: u64, x: u64) { x += i }",
        );
        assert!(g.code.iter().any(|o| matches!(o, Op::LoopInc { .. })), "{:?}", g.code);
        assert!(counted_loops(&g).is_empty());
    }

    #[test]
    fn a_variable_bound_keeps_the_checks_off_but_has_no_range() {
        let g = gene(
            "gene f(n: u64, x: u64) {
                local i: u64 = 0
                from i == 0 do { x += 1  i += 1 } until i == n
                delocal i = n
            }",
        );
        let l = counted_loops(&g);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].range, None);
    }
}
