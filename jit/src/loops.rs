//! Facts about simple counted loops ([`rdx_vm::loops`]) that let compiled code skip checks
//! that can never fail and do less work per trip. The loop shapes and the facts that hold for
//! them (the re-entry assertions never fire; the counter's range) are the VM's; here:
//!
//! - **Re-entry checks.** `from`'s re-entry check (forward) and `until`'s (backward) of a
//!   simple loop are not emitted.
//! - **Bounds checks.** An array access `a[ctr]` in the body with the counter's range inside
//!   `a`'s static length needs no bounds check.
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

pub use rdx_vm::loops::{CountedLoop, counted_loops, is_write, writes, written_by};
use rdx_vm::module::GeneDef;
use rdx_vm::ops::{Class, Op, OperandRef, Slot};
use std::collections::HashMap;

/// The most instructions an unrolled body may have, all copies together.
const UNROLL_BUDGET: usize = 128;

/// A gene's simple loops, found by their instructions' positions in constant time (a gene of
/// thousands of loops is translated in time proportional to its size).
#[derive(Default)]
pub struct Loops {
    all: Vec<CountedLoop>,
    by_head: HashMap<usize, usize>,
    by_top: HashMap<usize, usize>,
    by_step: HashMap<usize, usize>,
    /// The innermost loop whose body holds each position (`NONE`: none), and the innermost
    /// loop whose body holds each loop.
    inner: Vec<u32>,
    outer: Vec<u32>,
    /// The `fi.then`/`fi.else` positions whose exit assertion cannot fail
    /// ([`rdx_vm::loops::settled_exits`]).
    settled: Vec<usize>,
    /// The parts of the gene's code a run may pass through no times ([`Parts`]).
    parts: Parts,
}

const NONE: u32 = u32::MAX;

impl Loops {
    /// The simple loops of `g` ([`counted_loops`]), indexed.
    pub fn new(g: &GeneDef) -> Loops {
        let all = counted_loops(g);
        let index =
            |key: fn(&CountedLoop) -> usize| all.iter().enumerate().map(|(i, l)| (key(l), i)).collect();
        let (by_head, by_top, by_step) = (index(|l| l.head), index(|l| l.top), index(|l| l.step));
        // Larger bodies first, so a nested loop's positions end up naming it.
        let mut order: Vec<usize> = (0..all.len()).collect();
        // (A step-first loop's step comes before its top: its body holds no position.)
        order.sort_by_key(|&i| std::cmp::Reverse(all[i].step.saturating_sub(all[i].top)));
        let mut inner = vec![NONE; g.code.len() + 1];
        let mut outer = vec![NONE; all.len()];
        for i in order {
            let l = all[i];
            if l.top < l.step && l.step <= g.code.len() {
                outer[i] = inner[l.top];
                inner[l.top + 1..l.step].fill(i as u32);
            }
        }
        let mut settled: Vec<usize> =
            rdx_vm::loops::settled_exits(g, &g.code).iter().map(|s| s.from + s.n).collect();
        settled.sort_unstable();
        let parts = Parts::new(g);
        Loops { all, by_head, by_top, by_step, inner, outer, settled, parts }
    }

    /// The gene's parts a run may pass through no times ([`Parts`]).
    pub fn parts(&self) -> &Parts {
        &self.parts
    }

    /// Whether the exit assertion at `at` (a `fi.then` or `fi.else`) cannot fail: then the
    /// `if` test at the other end of its branch cannot fail going backward either (the branch
    /// backward writes what it writes forward).
    pub fn settled(&self, at: usize) -> bool {
        self.settled.binary_search(&at).is_ok()
    }

    fn get(&self, at: Option<&usize>) -> Option<CountedLoop> {
        at.map(|&i| self.all[i])
    }

    /// The loop entered at `head` (its `from.c`, or `from`).
    pub fn at_head(&self, head: usize) -> Option<CountedLoop> {
        self.get(self.by_head.get(&head))
    }

    /// The loop whose body starts after `top` (its `from.c`, or `until`).
    pub fn at_top(&self, top: usize) -> Option<CountedLoop> {
        self.get(self.by_top.get(&top))
    }

    /// The loop whose step is at `step`.
    pub fn at_step(&self, step: usize) -> Option<CountedLoop> {
        self.get(self.by_step.get(&step))
    }

    /// The range of counter `ctr` at position `pc`: that of the innermost loop counted by it
    /// whose body holds `pc`, when that has one.
    pub fn counter_range(&self, ctr: Slot, pc: usize) -> Option<(u64, u64)> {
        let mut i = *self.inner.get(pc)?;
        while i != NONE {
            let l = &self.all[i as usize];
            if l.ctr == ctr && l.contains(pc) {
                return l.range;
            }
            i = self.outer[i as usize];
        }
        None
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
    if matches!(g.code[l.step], Op::LoopInc { .. } | Op::AddImm { .. } | Op::AddWImm { .. }) { 1 } else { -1 }
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
            | Op::PushW { .. }
            | Op::PopW { .. }
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

/// The parts of a gene's code that a run may pass through no times, each pass ended by one
/// instruction in each direction: an `if`'s then part (ended by its `fi.then` forward, by the
/// `if` backward) and else part (`fi.else`, `else`), and a loop's `loop` part, between its
/// `until` and its `loop.back` (`loop.back`, `until`: a loop whose exit test holds at once
/// runs it no times). Every run of the gene that returns reaches the positions in no part (a
/// `from`'s do part runs at least once), and every pass through a part the positions in it
/// that are in no part inside it.
#[derive(Default)]
pub struct Parts {
    /// The innermost part holding each position (`NONE`: none).
    of: Vec<u32>,
    parts: Vec<Part>,
    /// The part each position ends a pass through, forward and backward.
    ends: [HashMap<usize, usize>; 2],
}

/// One part ([`Parts`]).
#[derive(Clone, Copy, Debug)]
pub struct Part {
    /// The loop's `until`, for a `loop` part.
    pub until: Option<usize>,
    /// Whether a call is in it and in no part inside it.
    pub calls: bool,
}

impl Parts {
    /// The parts of `g`'s code.
    pub fn new(g: &GeneDef) -> Parts {
        let n = g.code.len();
        // (first, last, end forward, end backward, until) of each part.
        let mut found: Vec<(usize, usize, usize, usize, Option<usize>)> = Vec::new();
        for (pc, op) in g.code.iter().enumerate() {
            match *op {
                Op::If { else_at, .. } => {
                    let els = else_at.0 as usize;
                    if let Some(&Op::FiThen { fi_else, .. }) = g.code.get(els.wrapping_sub(1)) {
                        let fi_else = fi_else.0 as usize;
                        found.push((pc + 1, els - 1, els - 1, pc, None));
                        found.push((els + 1, fi_else, fi_else, els, None));
                    }
                }
                Op::Until { loop_exit, .. } => {
                    let back = (loop_exit.0 as usize).wrapping_sub(1);
                    if matches!(g.code.get(back), Some(Op::LoopBack { .. })) {
                        found.push((pc + 1, back, back, pc, Some(pc)));
                    }
                }
                _ => {}
            }
        }
        // Larger parts first, so that an inner part's positions end up naming it.
        let mut order: Vec<usize> = (0..found.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(found[i].1.saturating_sub(found[i].0)));
        let mut of = vec![NONE; n];
        for i in order {
            let (first, last, ..) = found[i];
            if first <= last && last < n {
                of[first..=last].fill(i as u32);
            }
        }
        let mut parts: Vec<Part> = found.iter().map(|f| Part { until: f.4, calls: false }).collect();
        for (pc, op) in g.code.iter().enumerate() {
            if matches!(op, Op::Call { .. } | Op::Uncall { .. }) && of[pc] != NONE {
                parts[of[pc] as usize].calls = true;
            }
        }
        let ends = [
            found.iter().enumerate().map(|(i, f)| (f.2, i)).collect(),
            found.iter().enumerate().map(|(i, f)| (f.3, i)).collect(),
        ];
        Parts { of, parts, ends }
    }

    /// The innermost part holding `pc`, if any.
    pub fn of(&self, pc: usize) -> Option<usize> {
        self.of.get(pc).filter(|&&i| i != NONE).map(|&i| i as usize)
    }

    /// Part number `part`.
    pub fn get(&self, part: usize) -> Part {
        self.parts[part]
    }

    /// The part whose pass the instruction at `pc` ends, going `backward` or forward.
    pub fn ended_at(&self, pc: usize, backward: bool) -> Option<usize> {
        self.ends[backward as usize].get(&pc).copied()
    }
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

    /// Calls at the top level, in a loop's do part and in a do part inside it are reached by
    /// every run that returns; calls in a `loop` part and in either part of an `if` (at any
    /// depth below them) are not.
    #[test]
    fn every_run_reaches_what_no_if_and_no_loop_part_encloses() {
        let src = "gene g(x: u64) { x += 1 }
            gene f(x: u64, n: u64) {
                call g(x)
                local i: u64 = 0
                from i == 0 do {
                    call g(x)
                    local j: u64 = 0
                    from j == 0 do { call g(x)  j += 1 } until j == 2
                    delocal j = 2
                    i += 1
                } loop {
                    call g(n)
                } until i == 3
                delocal i = 3
                if x > 5 { call g(x) } else { if n > 1 { call g(n) } fi n > 1 } fi x > 5
                from x == x do { call g(n) } loop { if n == 7 { call g(n) } fi n == 7 } until n != 0
                call g(n)
            }";
        let prog = rdx_lang::parser::parse(src).expect("parses");
        let checked = rdx_lang::check::check(&prog, &Default::default()).expect("checks");
        let m = rdx_vm::compile(&checked, "t.rdx", src).expect("compiles");
        let g = &m.genes[m.gene_index("f").expect("f")];
        let parts = Parts::new(g);
        let calls: Vec<bool> = (g.code.iter().enumerate())
            .filter(|(_, o)| matches!(o, Op::Call { .. }))
            .map(|(pc, _)| parts.of(pc).is_none())
            .collect();
        assert_eq!(calls, [true, true, true, false, false, false, true, false, true], "{:?}", g.code);
        // Each part's pass ends where the other instructions say, both ways.
        for (pc, op) in g.code.iter().enumerate() {
            let (fwd, bwd) = (parts.ended_at(pc, false), parts.ended_at(pc, true));
            match op {
                Op::FiThen { .. } | Op::FiElse { .. } | Op::LoopBack { .. } => {
                    assert!(fwd.is_some() && bwd.is_none(), "{pc}: {op:?}")
                }
                Op::If { .. } | Op::Else { .. } | Op::Until { .. } => {
                    assert!(bwd.is_some() && fwd.is_none(), "{pc}: {op:?}")
                }
                _ => assert!(fwd.is_none() && bwd.is_none(), "{pc}: {op:?}"),
            }
        }
        // The parts holding a call directly: the first loop part, the then part, the inner then
        // part and the then part in the second loop part.
        assert_eq!((0..parts.parts.len()).filter(|&p| parts.get(p).calls).count(), 4);
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
    fn a_counter_passed_to_a_call_is_simple_only_if_the_callee_leaves_it() {
        let f = |callee: &str| {
            gene(&format!(
                "gene f(x: u64) {{
                    local i: u64 = 0
                    from i == 0 do {{ call g(i, x)  i += 1 }} until i == 8
                    delocal i = 8
                }}
                gene h(v: u64) {{ v += 1 }}
                {callee}"
            ))
        };
        // `g` reads its `i`; it changes it itself, or through a call of `h`.
        let reads = f("gene g(i: u64, x: u64) { x += i }");
        assert!(reads.code.iter().any(|o| matches!(o, Op::LoopInc { .. })), "{:?}", reads.code);
        assert_eq!(counted_loops(&reads).len(), 1);
        for writes in ["gene g(i: u64, x: u64) { i += x }", "gene g(i: u64, x: u64) { call h(i) }"] {
            let g = f(writes);
            assert!(g.code.iter().any(|o| matches!(o, Op::LoopInc { .. })), "{:?}", g.code);
            assert!(counted_loops(&g).is_empty(), "{writes}");
        }
    }

    #[test]
    fn a_constant_stride_is_simple_when_it_meets_its_bound() {
        let f = |step: &str, until: &str| {
            gene(&format!(
                "gene f(x: u64, y: u64) {{
                    local s: u64 = 0
                    from s == 0 do {{ x += s  {step}  y ^= s }} until {until}
                    delocal s = 0
                }}"
            ))
        };
        // XTEA's schedule: a stride above u32 to a bound above u32 (met after 32 trips).
        assert_eq!(counted_loops(&f("s += 0x9e3779b9", "s == 32 * 0x9e3779b9")).len(), 1);
        assert_eq!(counted_loops(&f("s -= 6", "s == 0 - 6 * 5")).len(), 1);
        // 2 never meets 7 (the counter would come round to 0); `&&` could stay false at the
        // bound; a step that runs on some trips only; a second write of the counter.
        for (step, until) in [
            ("s += 2", "s == 7"),
            ("s += 3", "s == 9 && x == 1"),
            ("if y == 0 { s += 3 } fi y == 0", "s == 9"),
            ("s += 3  s ^= 1", "s == 9"),
        ] {
            assert!(counted_loops(&f(step, until)).is_empty(), "{step} / {until}");
        }
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
