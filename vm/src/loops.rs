//! Loops whose shape proves some of their assertions: the counter of a *simple* loop goes
//! from its start to its bound one step at a time, so it cannot meet either again on the way.
//! The JIT uses these facts to leave checks out (`rdx-jit`'s `loops`), the loader to leave out
//! a re-entry assertion's expression code in a backward stream ([`crate::module::Backward`]).
//!
//! A counted loop is `from.c` at `top` … `loop.inc`/`loop.dec` at `step` (then `loop.exit`):
//! the entry assertion `ctr == s`, the body, the step `ctr ± 1` and the exit test `ctr == e`.
//! A *test-first* loop is the general form with an empty do-block, `from ctr == s do { } loop
//! { body; ctr ± 1 } until ctr == e` (`from`, `until`, the body, the step, `loop.back`): the
//! same facts hold for its body, which runs zero or more times instead of at least once.
//! A *step-first* loop is Janus's `from i = 0 do i += 1 … loop skip until …` with a checked
//! step ([`step_first_loops`]).
//! It is *simple* when nothing in the body writes `ctr` (or a slot named by `s` or `e`), and
//! control enters and leaves the body only through the loop's own instructions. Then:
//!
//! - **The re-entry assertions hold.** Forward, `ctr` enters at `s` and goes around with the
//!   values `s ± 1, s ± 2, …` until it meets `e`; it could equal `s` again only after 2⁶⁴
//!   steps, and it meets `e` first (or at the same step when `e == s`, where the exit test
//!   comes first). Backward the walk is the mirror: `ctr` starts at `e` and goes around with
//!   values that meet `s` before `e` again. So `from`'s re-entry check (forward) and `until`'s
//!   (backward) never fire.
//! - **The counter's range is known** when `s` and `e` are constants with `s < e` for
//!   `loop.inc` (`s > e` for `loop.dec`): the body sees exactly `s ..= e - 1` (`e + 1 ..= s`),
//!   in either direction.
//!
//! An `if` can prove its exit assertion too ([`settled_exits`]): where the `fi` tests the
//! `if`'s own condition with the same expression code, and a branch writes nothing that code
//! reads or writes (nor, when it reads array elements or stacks, any of those), the assertion at
//! the end of that branch gives what the `if`'s test gave: it holds after the then-branch and
//! fails after the else-branch, so it cannot fail.

use crate::module::GeneDef;
use crate::ops::{Class, Cond, Op, OperandRef, Slot};

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

/// Whether operand `name` of `op` is a slot the instruction writes (conservatively: a `show`
/// counts, and both operands of `swap`). Call arguments are written through by reference; see
/// [`writes`].
pub fn is_write(op: &Op, name: &str) -> bool {
    matches!(name, "dst" | "var" | "ctr") || matches!(op, Op::Swap { .. })
}

/// Calls `f` with every slot instruction `op` of gene `g` may write: a call's or uncall's
/// arguments that the callee may change (`GeneDef::arg_written`; all of them before the
/// verifier filled that in).
pub fn writes(g: &GeneDef, op: &Op, f: &mut impl FnMut(Slot)) {
    op.operands(&mut |name, o| match o {
        OperandRef::Slot(s) if is_write(op, name) => f(s),
        // An array opened or closed here: its address and length slots.
        OperandRef::Arr(a) if matches!(op, Op::LocalArr { .. } | Op::DelocalArr { .. }) => {
            f(Slot(a.0));
            f(Slot(a.0.wrapping_add(1)));
        }
        OperandRef::Args(a) if matches!(op, Op::Call { .. } | Op::Uncall { .. }) => {
            for (k, s) in g.args.iter().enumerate().skip(a.start as usize).take(a.len as usize) {
                if g.arg_written.get(k).copied().unwrap_or(true) {
                    f(*s);
                }
            }
        }
        _ => {}
    });
}

/// Every slot the instructions `ops` of gene `g` may write, each once, in order of first write.
pub fn written_by(g: &GeneDef, ops: &[Op]) -> Vec<Slot> {
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

/// Whether no instruction of `code[range]` writes the counter or a slot one of the bounds
/// names (looked up in `index`, so nested loops do not rescan each other's bodies).
fn untouched(
    index: &WriteIndex,
    range: std::ops::Range<usize>,
    ctr: Slot,
    bounds: [Option<Bound>; 2],
) -> bool {
    !index.writes_in(ctr, range.clone())
        && bounds.iter().all(|b| !matches!(b, Some(Bound::Slot(x)) if index.writes_in(*x, range.clone())))
}

/// Where a stream writes each slot and which of its instructions may write memory, found in one
/// pass, so that "does this range of the stream write slot `s`" costs a binary search instead of
/// a walk over the range: the loops and branches of a gene nest, and a walk over each one's
/// body would be quadratic in the nesting depth.
pub struct WriteIndex {
    /// Per slot, the positions of the instructions that may write it ([`writes`]), ascending.
    at: Vec<Vec<u32>>,
    /// `memory[p]`: how many of the first `p` instructions may write memory ([`writes_memory`]).
    memory: Vec<u32>,
}

impl WriteIndex {
    /// The index of `code`, a stream of gene `g`.
    pub fn new(g: &GeneDef, code: &[Op]) -> WriteIndex {
        let mut at: Vec<Vec<u32>> = Vec::new();
        let mut memory = Vec::with_capacity(code.len() + 1);
        memory.push(0u32);
        for (pc, op) in code.iter().enumerate() {
            writes(g, op, &mut |s| {
                let s = s.0 as usize;
                if at.len() <= s {
                    at.resize_with(s + 1, Vec::new);
                }
                if at[s].last() != Some(&(pc as u32)) {
                    at[s].push(pc as u32);
                }
            });
            memory.push(memory[pc] + writes_memory(op) as u32);
        }
        WriteIndex { at, memory }
    }

    /// Whether an instruction in `range` may write slot `s`.
    pub fn writes_in(&self, s: Slot, range: std::ops::Range<usize>) -> bool {
        let Some(at) = self.at.get(s.0 as usize) else { return false };
        let k = at.partition_point(|&p| (p as usize) < range.start);
        at.get(k).is_some_and(|&p| (p as usize) < range.end)
    }

    /// Whether an instruction in `range` may write an array element or a stack.
    pub fn memory_in(&self, range: std::ops::Range<usize>) -> bool {
        let end = range.end.min(self.memory.len() - 1);
        range.start < end && self.memory[end] > self.memory[range.start]
    }
}

/// The counter's values in the body of a loop from `s` to `e`: `s ..= e - 1` counting up,
/// `e + 1 ..= s` down, for constant bounds on the right side of each other.
fn range(s: Bound, e: Bound, inc: bool) -> Option<(u64, u64)> {
    match (s, e) {
        (Bound::Const(s), Bound::Const(e)) if inc && s < e => Some((s, e - 1)),
        (Bound::Const(s), Bound::Const(e)) if !inc && s > e => Some((e + 1, s)),
        _ => None,
    }
}

/// The simple counted loops of a gene (see the module documentation).
pub fn counted_loops(g: &GeneDef) -> Vec<CountedLoop> {
    let code = &g.code;
    let jumps = Jumps::new(g, code);
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
        // Nothing in the body writes the counter or a bound; control enters and leaves only
        // through the loop's own instructions.
        if !untouched(jumps.writes(), top + 1..step, ctr, [Some(s), Some(e)]) || !jumps.closed(top, step + 1)
        {
            continue;
        }
        out.push(CountedLoop { head: top, top, step, ctr, range: range(s, e, inc) });
    }
    out.extend(test_first_loops(g, &jumps));
    out.extend(step_first_loops(g, &jumps));
    out.extend(stride_loops(g, &jumps));
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

/// A gene's [`JumpIndex`], built the first time a loop of a counted loop's shape asks for it:
/// the index costs passes over the whole code, and most code (straight-line code, loops of
/// other shapes) never asks.
struct Jumps<'a> {
    g: &'a GeneDef,
    code: &'a [Op],
    index: std::cell::OnceCell<JumpIndex>,
}

impl<'a> Jumps<'a> {
    fn new(g: &'a GeneDef, code: &'a [Op]) -> Jumps<'a> {
        Jumps { g, code, index: std::cell::OnceCell::new() }
    }

    fn index(&self) -> &JumpIndex {
        self.index.get_or_init(|| JumpIndex::new(self.g, self.code))
    }

    fn writes(&self) -> &WriteIndex {
        &self.index().writes
    }

    fn closed(&self, lo: usize, hi: usize) -> bool {
        self.index().closed(lo, hi)
    }
}

/// The jumps of a gene's code (every jump target and partner index, as an edge between two
/// positions) for the question "does control enter or leave this range only through its own
/// instructions" in logarithmic time ([`JumpIndex::closed`]), and the code's [`WriteIndex`].
struct JumpIndex {
    /// Over positions `a`: the farthest other end `b > a` of an edge whose nearer end is `a`.
    far: RangeMax,
    /// Over positions `b`: the nearest other end `a < b` of an edge whose farther end is `b`,
    /// stored as `n - a` (so the nearest is the maximum).
    near: RangeMax,
    n: usize,
    writes: WriteIndex,
}

impl JumpIndex {
    fn new(g: &GeneDef, code: &[Op]) -> JumpIndex {
        let n = code.len() + 1;
        let mut far = vec![0u32; n];
        let mut near = vec![0u32; n];
        for (pc, op) in code.iter().enumerate() {
            op.operands(&mut |_, o| {
                if let OperandRef::Off(t) = o {
                    let t = (t.0 as usize).min(n - 1);
                    let (a, b) = (pc.min(t), pc.max(t));
                    far[a] = far[a].max(b as u32);
                    near[b] = near[b].max((n - a) as u32);
                }
            });
        }
        JumpIndex { far: RangeMax::new(far), near: RangeMax::new(near), n, writes: WriteIndex::new(g, code) }
    }

    /// Whether control enters and leaves `lo..=hi` only through its own instructions: every
    /// jump from inside lands inside, and every jump into it comes from inside. (An edge with
    /// one end inside has its other end past `hi` or before `lo`.)
    fn closed(&self, lo: usize, hi: usize) -> bool {
        let hi = hi.min(self.n - 1);
        lo > hi || (self.far.max(lo, hi) as usize <= hi && self.near.max(lo, hi) as usize <= self.n - lo)
    }
}

/// The largest value over any range of positions, in logarithmic time (a segment tree).
struct RangeMax {
    n: usize,
    tree: Vec<u32>,
}

impl RangeMax {
    fn new(values: Vec<u32>) -> RangeMax {
        let n = values.len();
        let mut tree = vec![0u32; n];
        tree.extend(values);
        for i in (1..n).rev() {
            tree[i] = tree[2 * i].max(tree[2 * i + 1]);
        }
        RangeMax { n, tree }
    }

    /// The largest value at positions `lo..=hi`.
    fn max(&self, lo: usize, hi: usize) -> u32 {
        let (mut l, mut r, mut m) = (lo + self.n, hi + 1 + self.n, 0);
        while l < r {
            if l & 1 == 1 {
                m = m.max(self.tree[l]);
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                m = m.max(self.tree[r]);
            }
            l /= 2;
            r /= 2;
        }
        m
    }
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
/// forward it never equals `s` again: `from`'s re-entry check never fires. rdx's unchecked
/// `from i == 0 do { i += 1 … } until i == n` (a step of exactly one) counts too when the exit
/// test is `ctr == e`: the counter meets `e` before it could wrap round to `s` (as for counted
/// loops). So does a step of one that wraps at a narrower width (`add.w.imm`, a `u16`
/// counter) when `e` is a constant of that width ([`narrow_meets`]). When the exit test
/// is `ctr == e` (alone or as the last term of an `&&` chain, `s > 0 && i = n`), going backward
/// the counter never equals `e` again either, so `until`'s re-entry check never fires (`top` is
/// the `until` then; else `top == head`, which keeps that check). No range: the exit test may
/// be any condition.
fn step_first_loops(g: &GeneDef, jumps: &Jumps) -> Vec<CountedLoop> {
    let code = &g.code;
    let pre = |p: usize| code[p].pre().map_or(0, |n| n as usize).min(p);
    let mut out = Vec::new();
    for General { head, u, lb, entry, exit } in general_loops(code) {
        // An empty loop block: only loop.back's expression code between until and loop.back.
        if u + 1 + pre(lb) != lb || head + 1 >= u {
            continue;
        }
        let step = head + 1;
        let (ctr, checked) = match code[step] {
            Op::AddChkImm { dst, imm } | Op::SubChkImm { dst, imm } if imm.0 != 0 => (dst, true),
            Op::AddImm { dst, imm } | Op::SubImm { dst, imm } if imm.0 == 1 => (dst, false),
            Op::AddWImm { dst, imm, w } | Op::SubWImm { dst, imm, w }
                if imm.0 == 1 && narrow_meets(w, exit, dst) =>
            {
                (dst, false)
            }
            _ => continue,
        };
        let Some(s) = bound(entry, ctr) else { continue };
        // An unchecked step wraps after 2⁶⁴ trips: only an exit test `ctr == e` (met first)
        // keeps the counter from coming round to `s` again.
        let e = match bound(exit, ctr) {
            None if checked => conjunct_bound(code, u - pre(u), u, exit, ctr),
            None => continue,
            e => e,
        };
        if !untouched(jumps.writes(), step + 1..lb, ctr, [Some(s), e]) || !jumps.closed(head, lb + 1) {
            continue;
        }
        let top = if e.is_some() { u } else { head };
        out.push(CountedLoop { head, top, step, ctr, range: None });
    }
    out
}

/// Whether a counter `ctr` stepped by one at width `w` (wrapping round within its `w` bits)
/// meets the exit test `exit` before it comes round to its start again: when the test is
/// `ctr == k` for a constant `k` of that width (a wider bound it might never meet).
fn narrow_meets(w: crate::ops::Wid, exit: Cond, ctr: Slot) -> bool {
    matches!(bound(exit, ctr), Some(Bound::Const(k)) if w.wrap(k) == k)
}

/// The loops that step their counter by a constant anywhere in a straight-line do-block,
/// `from ctr == s do { …; ctr += k; … } until ctr == e` (no loop block; s, e and k ≠ 0
/// constants; XTEA's `s += DELTA` between its two half-rounds): the do-block holds no control
/// instruction, so it runs once per trip, and its one write of `ctr` is an unchecked
/// `add.imm`/`sub.imm` (nothing else in the loop writes `ctr`; no jump enters or leaves).
/// After j trips the counter is s + j·k (mod 2⁶⁴), back at s only after 2⁶⁴ / 2ᵗ trips, where
/// 2ᵗ is the largest power of two dividing k. When e − s is a multiple of 2ᵗ the counter meets
/// e first (at the same trip when e = s, where the exit test comes first), and going backward
/// it meets s before e: neither re-entry check fires (`top` is the `until`). The exit test must
/// be exactly `ctr == e` (a condition that could stay false at e would let the counter come
/// round). No range.
fn stride_loops(g: &GeneDef, jumps: &Jumps) -> Vec<CountedLoop> {
    let code = &g.code;
    let pre = |p: usize| code[p].pre().map_or(0, |n| n as usize).min(p);
    let mut out = Vec::new();
    for General { head, u, lb, entry, exit } in general_loops(code) {
        // An empty loop block, a do-block without control instructions.
        let body = head + 1..u - pre(u);
        if u + 1 + pre(lb) != lb
            || body.is_empty()
            || code[body.clone()].iter().any(|op| op.class() == Class::Control)
        {
            continue;
        }
        let Cond::EqImm(ctr, s) = entry else { continue };
        let s = u64::from(s);
        let steps: Vec<(usize, u64)> = body
            .clone()
            .filter_map(|p| match code[p] {
                Op::AddImm { dst, imm } if dst == ctr => Some((p, imm.0)),
                Op::SubImm { dst, imm } if dst == ctr => Some((p, imm.0.wrapping_neg())),
                _ => None,
            })
            .collect();
        let [(step, k)] = steps[..] else { continue };
        // The exit test `ctr == e`: fused, or `eq.imm v, ctr, e` then `v != 0` (e above u32).
        let e = match (bound(exit, ctr), exit) {
            (Some(Bound::Const(e)), _) => e,
            (None, Cond::Nz(v) | Cond::NeImm(v, 0)) if pre(u) == 1 => match code[u - 1] {
                Op::EqImm { dst, a, imm } if dst == v && a == ctr => imm.0,
                _ => continue,
            },
            _ => continue,
        };
        let low = (1u64 << k.trailing_zeros().min(63)) - 1;
        // Nothing else in the loop (the exit test's code included) writes the counter.
        if k == 0
            || e.wrapping_sub(s) & low != 0
            || !untouched(jumps.writes(), head + 1..step, ctr, [None, None])
            || !untouched(jumps.writes(), step + 1..lb, ctr, [None, None])
            || !jumps.closed(head, lb + 1)
        {
            continue;
        }
        out.push(CountedLoop { head, top: u, step, ctr, range: None });
    }
    out
}

/// The simple test-first loops of a gene: `from ctr == s` (entry), `until ctr == e` right
/// after it (an empty do-block), a loop block that ends with `ctr += 1` or `ctr -= 1` and
/// writes neither ctr nor a bound slot elsewhere, then `loop.back`; no jump enters or leaves.
/// The body sees `s ..= e - 1` (`e + 1 ..= s` counting down) when s and e are constants on
/// the right side of each other; the re-entry assertion never holds again (as for counted
/// loops).
fn test_first_loops(g: &GeneDef, jumps: &Jumps) -> Vec<CountedLoop> {
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
            Op::AddWImm { dst, imm, w } if imm.0 == 1 && narrow_meets(w, exit, dst) => (dst, true),
            Op::SubWImm { dst, imm, w } if imm.0 == 1 && narrow_meets(w, exit, dst) => (dst, false),
            _ => continue,
        };
        let (Some(s), Some(e)) = (bound(entry, ctr), bound(exit, ctr)) else { continue };
        if !untouched(jumps.writes(), u + 1..step, ctr, [Some(s), Some(e)]) || !jumps.closed(head, lb + 1) {
            continue;
        }
        out.push(CountedLoop { head, top: u, step, ctr, range: range(s, e, inc) });
    }
    out
}

/// An exit assertion that cannot fail ([`settled_exits`]), or whose expression code need not
/// run again ([`repeated_tests`]): its code starts at `from` (its expression code, else the
/// `fi.then`/`fi.else` itself) and the branch goes on at `to` (past the `fi.else`, or at the
/// `fi` for a repeated test), having passed over `n` instructions besides the one at `from`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settled {
    pub from: usize,
    pub to: usize,
    pub n: usize,
}

/// The exit assertions of the `if`s of `code` (a stream of gene `g`) that cannot fail: the
/// `fi` condition and its expression code are the `if`'s, that code does not jump and writes
/// none of the slots it reads first (so it gives the same value again on the same inputs), and
/// the branch writes none of the slots it reads or writes, nor, when it reads array elements or
/// stacks, any element or stack ([`writes_memory`]). Control enters a branch only through its
/// `if` (the loader checked that control instructions nest, and a short-circuit jump stays in
/// its expression code).
pub fn settled_exits(g: &GeneDef, code: &[Op]) -> Vec<Settled> {
    exits(g, code, true)
}

/// The exit assertions of the `if`s of `code` whose expression code repeats the `if`'s after a
/// branch that leaves it alone (as for [`settled_exits`]) but whose condition is another
/// (`if x[k] < x[j] … fi x[k] <= x[j]`): the code gives what it gave at the `if`, and its values
/// are still in its slots, so the plain streams pass over it (`skip`) and the `fi.then` or
/// `fi.else` tests its condition on them. `to` is that `fi`, `n` the code's length less one
/// (codes of two instructions or more: a `skip` in place of one saves nothing).
pub fn repeated_tests(g: &GeneDef, code: &[Op]) -> Vec<Settled> {
    exits(g, code, false)
}

/// [`settled_exits`] (`settled`) or [`repeated_tests`].
fn exits(g: &GeneDef, code: &[Op], settled: bool) -> Vec<Settled> {
    let pre = |p: usize| code[p].pre().map_or(0, |n| n as usize).min(p);
    let mut out = Vec::new();
    let mut index: Option<WriteIndex> = None;
    for (p, op) in code.iter().enumerate() {
        let Op::If { cond, else_at, .. } = *op else { continue };
        let e = else_at.0 as usize;
        let Some(t) = e.checked_sub(1).filter(|&t| t > p) else { continue };
        let (Some(&Op::Else { if_top }), Some(&Op::FiThen { cond: c_then, fi_else, .. })) =
            (code.get(e), code.get(t))
        else {
            continue;
        };
        let f = fi_else.0 as usize;
        let Some(&Op::FiElse { cond: c_else, fi_then, .. }) = code.get(f) else { continue };
        if if_top.0 as usize != p || fi_then.0 as usize != t || f <= e {
            continue;
        }
        let same = c_then == cond && c_else == cond;
        if same != settled {
            continue;
        }
        let test = &code[p - pre(p)..p];
        let Some(inputs) = TestInputs::of(test, cond) else { continue };
        let index = index.get_or_insert_with(|| WriteIndex::new(g, code));
        let mut settle = |branch: std::ops::Range<usize>, at: usize| {
            let exit = &code[at - pre(at)..at];
            if exit == test && inputs.unchanged_by(index, branch) {
                let from = at - exit.len();
                if settled {
                    out.push(Settled { from, to: f + 1, n: exit.len() });
                } else if exit.len() >= 2 {
                    out.push(Settled { from, to: at, n: exit.len() - 1 });
                }
            }
        };
        settle(p + 1..t - pre(t), t);
        settle(e + 1..f - pre(f), f);
    }
    out
}

/// What an `if`'s test (expression code, then condition) depends on.
struct TestInputs {
    /// Slots read before the code writes them.
    reads: Vec<Slot>,
    /// Slots the code writes.
    writes: Vec<Slot>,
    /// Whether it reads array elements or stacks.
    memory: bool,
}

impl TestInputs {
    /// None when the code jumps or overwrites a slot it read first.
    fn of(test: &[Op], cond: Cond) -> Option<TestInputs> {
        let mut t = TestInputs { reads: Vec::new(), writes: Vec::new(), memory: false };
        let read = |t: &mut TestInputs, s: Slot| {
            if !t.writes.contains(&s) && !t.reads.contains(&s) {
                t.reads.push(s);
            }
        };
        for op in test {
            if matches!(op, Op::Jz { .. } | Op::Jnz { .. }) {
                return None;
            }
            let mut slots = Vec::new();
            op.operands(&mut |name, o| match o {
                OperandRef::Slot(s) if !is_write(op, name) => {
                    slots.push(s);
                    t.memory |= name == "stack";
                }
                OperandRef::Arr(a) => {
                    slots.extend([Slot(a.0), Slot(a.0 + 1)]);
                    t.memory = true;
                }
                _ => {}
            });
            for s in slots {
                read(&mut t, s);
            }
            op.operands(&mut |name, o| {
                if let OperandRef::Slot(s) = o
                    && is_write(op, name)
                {
                    t.writes.push(s);
                }
            });
        }
        for s in cond.slots().into_iter().flatten() {
            read(&mut t, s);
        }
        t.reads.iter().all(|s| !t.writes.contains(s)).then_some(t)
    }

    /// Whether the instructions `branch` of the stream `index` was built from leave every
    /// input of the test and every slot it writes as they are.
    fn unchanged_by(&self, index: &WriteIndex, branch: std::ops::Range<usize>) -> bool {
        !(self.memory && index.memory_in(branch.clone()))
            && self.reads.iter().chain(&self.writes).all(|&s| !index.writes_in(s, branch.clone()))
    }
}

/// Whether `op` may write an array element or a stack (conservatively: every effect with an
/// array, stack, call or kernel operand, but the updates of a slot by an element).
pub fn writes_memory(op: &Op) -> bool {
    match op.class() {
        Class::Pure | Class::Control => false,
        Class::Frame => true,
        Class::Effect => {
            if matches!(op, Op::AddFrom { .. } | Op::SubFrom { .. } | Op::XorFrom { .. }) {
                return false;
            }
            let mut w = matches!(op, Op::LocalStack { .. } | Op::DelocalStack { .. });
            op.operands(&mut |name, o| {
                w |= matches!(o, OperandRef::Arr(_) | OperandRef::Args(_) | OperandRef::Gene(_))
                    || name == "stack";
            });
            w
        }
    }
}
