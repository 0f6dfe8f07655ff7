//! The value code a run passes over: the code computing a lossy assignment's value in the
//! direction that does not read it.
//!
//! `x := e` saves x on the history tape and sets it to e; its mirror `unassign` restores x from
//! the tape and reads no value. So the value code is needed only where the statement runs as
//! an `assign`: forward for `x := e`, backward for `undo x := e`. It stays in the module (each
//! stream takes it from there), but run in the other direction it would compute e on a state
//! it was not meant for (x holds what `x := e` left; an element is swapped out of its array):
//! `x := 10 / x; y += x; undo x := 10 / x` stopped forward with a division by zero where the
//! backward run passes, and `a[0] := 10 / a[0]` stopped backward. So there a `skip` passes
//! over that code (`spec/bytecode.md` §2): the backward stream of `x := e` has no value code
//! at all (`module/mirror.rs`); the rest is found here, in the gene's forward code and its
//! backward stream alike. A `skip` counts the instructions it passes over, so a run's
//! instruction count is what it was.

use crate::ops::{Amt, Off, Op, OperandRef, Slot};

/// The code of a run stream (a gene's forward code or its backward stream) that computes only
/// values an `unassign` of that stream would read: `(from, until)`, each range inside one
/// instruction's expression code.
pub fn passed(code: &[Op]) -> Vec<(usize, usize)> {
    (0..code.len()).filter_map(|to| unread_value(code, to)).collect()
}

/// The part of instruction `to`'s expression code that computes the value of an `unassign`
/// running before `to` or at it, which no instruction reads: for `undo x := e`, the `unassign`'s
/// own expression code; for an element (`swap.elem t, a[i]; unassign t, v; swap.elem t,
/// a[i]`), the part of the second swap's code that computes v (running as an `assign`, the
/// statement computes it there with the element still in the array).
pub fn unread_value(code: &[Op], to: usize) -> Option<(usize, usize)> {
    let start = to - code.get(to)?.pre().map_or(0, usize::from).min(to);
    match code[to] {
        Op::Unassign { .. } if start < to => Some((start, to)),
        Op::SwapElem { dst: t, idx, .. } => match start.checked_sub(1).and_then(|u| code.get(u)) {
            Some(&Op::Unassign { dst, src, .. }) if dst == t => value_part(code, to, src, idx),
            _ => None,
        },
        _ => None,
    }
}

/// [`unread_value`] for the mirror of forward instruction `at` in a backward run, found in
/// the forward code (the JIT translates backward from it): the part of the expression code of
/// an element's first `swap.elem` (`swap.elem t, a[i]; assign t, v; swap.elem t, a[i]`) that
/// computes v, which the backward run, restoring t from the tape, does not read.
pub fn unread_value_backward(code: &[Op], at: usize) -> Option<(usize, usize)> {
    match (code.get(at)?, code.get(at + 1)?) {
        (&Op::SwapElem { dst: t, idx, .. }, &Op::Assign { dst, src, .. }) if dst == t => {
            value_part(code, at, src, idx)
        }
        _ => None,
    }
}

/// The part of the expression code of `swap.elem` `swap` (index slot `idx`) that computes `v`
/// and nothing the swap reads: all of it, or the part after the index's code (its last write
/// of `idx`), or the part before it; None when the two are not apart (a slot the index's code
/// reads written by the value's, or a jump from one into the other).
pub fn value_part(code: &[Op], swap: usize, v: Slot, idx: Slot) -> Option<(usize, usize)> {
    let start = swap - code[swap].pre().map_or(0, usize::from).min(swap);
    let of = |s: Slot| (start..swap).filter(move |&p| slots(&code[p], true).contains(&s));
    let (first_v, last_v) = (of(v).next()?, of(v).next_back()?);
    let (from, until) = match (of(idx).next(), of(idx).next_back()) {
        (None, _) => (start, swap),
        (Some(_), Some(last_i)) if first_v > last_i => (last_i + 1, swap),
        (Some(first_i), _) if last_v < first_i => (start, last_v + 1),
        _ => return None,
    };
    // The value's code: no jump into it from outside, none out of it but to its end.
    let jumps_to = |p: usize| match code[p] {
        Op::Jz { to, .. } | Op::Jnz { to, .. } => Some(to.0 as usize),
        _ => None,
    };
    let crossing = (start..swap).any(|p| {
        jumps_to(p).is_some_and(|t| {
            let inside = (from..until).contains(&p);
            if inside { t > until } else { p < from && t > from }
        })
    });
    // The rest (the index's code) reads nothing the value's code writes.
    let value_writes: Vec<Slot> = (from..until).flat_map(|p| slots(&code[p], true)).collect();
    let rest_reads =
        reads_any(code, (start..from).chain(until..swap), &value_writes) || value_writes.contains(&idx);
    (!crossing && !rest_reads).then_some((from, until))
}

/// Whether the value's code `from..until` (inside the expression code `start..swap`) reads no
/// slot the rest of that code writes: its form then names only variables and its own
/// temporaries, the same wherever the statement's other copy (`:=` or its `undo`) puts it.
pub fn self_contained(code: &[Op], start: usize, swap: usize, from: usize, until: usize) -> bool {
    let rest: Vec<Slot> = (start..from).chain(until..swap).flat_map(|p| slots(&code[p], true)).collect();
    !reads_any(code, from..until, &rest)
}

/// The slot operands `op` writes (`written`), or those it reads.
fn slots(op: &Op, written: bool) -> Vec<Slot> {
    let mut out = Vec::new();
    op.operands(&mut |name, o| {
        if let OperandRef::Slot(s) = o
            && crate::loops::is_write(op, name) == written
        {
            out.push(s);
        }
    });
    out
}

/// Whether an instruction of `code` at one of `at` reads one of `slots`.
fn reads_any(code: &[Op], mut at: impl Iterator<Item = usize>, slots_: &[Slot]) -> bool {
    at.any(|p| slots(&code[p], false).iter().any(|s| slots_.contains(s)))
}

/// `code` with a `skip` over each range of `passed` ([`passed`]), or nothing when there is
/// none. A `skip` passes over at most 255 instructions besides itself, so a longer range gets
/// one every 256.
pub fn stream(code: &[Op], passed: &[(usize, usize)]) -> Vec<Op> {
    if passed.is_empty() {
        return Vec::new();
    }
    let mut out = code.to_vec();
    for &(from, until) in passed {
        let mut at = from;
        while at < until {
            let next = (at + 256).min(until);
            out[at] = Op::Skip { to: Off(next as u32), count: Amt((next - at - 1) as u8) };
            at = next;
        }
    }
    out
}
