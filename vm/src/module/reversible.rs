//! The verifier's reversibility rules (`spec/bytecode.md` §5): what the source checker refuses
//! and no engine can run backward, refused in a module too. The other rules make a module safe
//! to run; these make it a reversible program.
//!
//! - An update never reads or overwrites its own target: not as an operand (`xor %0, %0`,
//!   `add.from %1, %a[], %1`), not in its expression code (`delocal x = x + 0`), and `swap`
//!   names two slots (E0301, E0302, E0308).
//! - A call passes no slot twice, nor two arguments that share a slot (E0303).
//! - Parameters keep their types. The module records only the parameters' types (a local's
//!   type is not in it), so these rules speak of parameter slots: a call passing a parameter
//!   passes it to a parameter of the same type (E0206; arrays of the same element type, whose
//!   lengths the engines compare at the call); a fixed-width parameter is changed only by the
//!   instructions of its width (the `.w` forms and `fix`, an update followed by its `fix`, a
//!   `xor` of a value of the width, `xsr` of an unsigned one; moved to or from a stack only by
//!   `push.w`/`pop.w`), never stepped by a counted loop's latch; a 64-bit one by
//!   no instruction of a width. (What an array's or a stack's slots hold the engines check
//!   where they use it.)

use super::GeneDef;
use crate::loops::is_write;
use crate::ops::{Class, Op, OperandRef, Slot};
use rdx_lang::ast::Type;

/// Checks gene `g` (its structure verified, its parameter layout derived) against the rules
/// above; `callees[k]` are the parameter types of gene `k`.
pub(super) fn check(g: &GeneDef, callees: &[Vec<Type>]) -> Result<(), String> {
    // The parameter at each parameter slot, and whether the slot is the parameter's first.
    let mut param_at: Vec<Option<(usize, bool)>> = vec![None; g.param_words as usize];
    for (k, (p, &at)) in g.params.iter().zip(&g.param_slots).enumerate() {
        for i in 0..p.width() {
            param_at[(at + i) as usize] = Some((k, i == 0));
        }
    }
    let param = |s: Slot| param_at.get(s.0 as usize).copied().flatten();
    let describe = |k: usize| format!("parameter `{}: {}`", g.params[k].name, g.params[k].ty);
    let code = &g.code;
    for (pc, op) in code.iter().enumerate() {
        let err = |m: String| format!("instruction {pc} ({}): {m}", op.mnemonic());
        let (written, read) = slots_of(op);
        if op.class() == Class::Effect && !matches!(op, Op::Assign { .. } | Op::Unassign { .. }) {
            if let Op::Swap { a, b } = *op
                && a == b
            {
                return Err(err(format!("swaps slot {} with itself", a.0)));
            }
            if let Some(t) = written.iter().find(|t| read.contains(t)) {
                return Err(err(format!("its target, slot {}, is also its operand", t.0)));
            }
            let n = op.pre().map_or(0, |n| n as usize).min(pc);
            for (q, e) in code[pc - n..pc].iter().enumerate() {
                let (w, r) = slots_of(e);
                if let Some(t) = written.iter().find(|t| w.contains(t) || r.contains(t)) {
                    return Err(err(format!(
                        "its expression code (instruction {}) uses its target, slot {}",
                        pc - n + q,
                        t.0
                    )));
                }
            }
        }
        if let Some(q) = index_reads_changed_array(code, pc) {
            return Err(err(format!(
                "its index is computed from an array it changes (instruction {q} reads it): going \
                 backward the index would name another element"
            )));
        }
        for &t in &written {
            let Some((k, _)) = param(t) else { continue };
            if let Some(m) = keeps_type(code, pc, t, &g.params[k].ty, &param, g) {
                return Err(err(format!("{m} {}", describe(k))));
            }
        }
        if let Op::Call { gene, args } | Op::Uncall { gene, args } = *op {
            let Some(types) = callees.get(gene.0 as usize) else { continue };
            let Some(slots) = g.args.get(args.start as usize..args.start as usize + args.len as usize) else {
                continue;
            };
            let mut spans: Vec<(u32, u32, usize)> = Vec::with_capacity(slots.len());
            for (i, (&s, ty)) in slots.iter().zip(types).enumerate() {
                let width = if matches!(ty, Type::Array(..)) { 2 } else { 1 };
                spans.push((s.0 as u32, s.0 as u32 + width, i));
                match param(s) {
                    Some((k, true)) if same_kind(&g.params[k].ty, ty) => {}
                    Some((k, _)) => {
                        return Err(err(format!("passes {} as argument {i}, of type {ty}", describe(k))));
                    }
                    None => {}
                }
            }
            spans.sort_unstable();
            if let Some(w) = spans.windows(2).find(|w| w[1].0 < w[0].1) {
                return Err(err(format!(
                    "arguments {} and {} share slot {}: one variable passed twice",
                    w[0].2.min(w[1].2),
                    w[0].2.max(w[1].2),
                    w[1].0
                )));
            }
        }
    }
    Ok(())
}

/// E0308 in a module: the instruction of the expression code of `code[pc]` that reads an array
/// whose element `code[pc]` changes, when the value of an index of `code[pc]` comes from it
/// (followed back through the expression code's temporaries). Going backward the index is
/// computed again after the change, so it could name another element. (An index copied into
/// a variable before the statement is the source's way around this, and is not followed.)
fn index_reads_changed_array(code: &[Op], pc: usize) -> Option<usize> {
    use crate::ops::Arr;
    let (changed, indices): (Vec<Arr>, Vec<Slot>) = match code[pc] {
        Op::AddElem { arr, idx, .. }
        | Op::SubElem { arr, idx, .. }
        | Op::XorElem { arr, idx, .. }
        | Op::AddElemImm { arr, idx, .. }
        | Op::SubElemImm { arr, idx, .. }
        | Op::XorElemImm { arr, idx, .. }
        | Op::SwapElem { arr, idx, .. } => (vec![arr], vec![idx]),
        Op::SwapElems { arr, i, arr2, j, .. } => (vec![arr, arr2], vec![i, j]),
        _ => return None,
    };
    let n = code[pc].pre().map_or(0, |n| n as usize).min(pc);
    let mut needed = indices;
    for q in (pc - n..pc).rev() {
        let (w, r) = slots_of(&code[q]);
        if !w.iter().any(|s| needed.contains(s)) {
            continue;
        }
        if let Op::Load { arr, .. } | Op::LoadOff { arr, .. } | Op::LoadImm { arr, .. } = code[q]
            && changed.contains(&arr)
        {
            return Some(q);
        }
        needed.retain(|s| !w.contains(s));
        needed.extend(r);
    }
    None
}

/// The slots `op` writes and the slots it reads (an array operand's two, a condition's), call
/// arguments aside.
fn slots_of(op: &Op) -> (Vec<Slot>, Vec<Slot>) {
    let (mut w, mut r) = (Vec::new(), Vec::new());
    let frame_arr = matches!(op, Op::LocalArr { .. } | Op::DelocalArr { .. });
    op.operands(&mut |name, o| match o {
        OperandRef::Slot(s) if is_write(op, name) && !matches!(op, Op::Show { .. }) => w.push(s),
        OperandRef::Slot(s) => r.push(s),
        OperandRef::Arr(a) if frame_arr => w.extend([Slot(a.0), Slot(a.0.wrapping_add(1))]),
        OperandRef::Arr(a) => r.extend([Slot(a.0), Slot(a.0.wrapping_add(1))]),
        OperandRef::Cond(c) => r.extend(c.slots().into_iter().flatten()),
        _ => {}
    });
    (w, r)
}

/// Why instruction `pc` of `code`, which writes slot `t` of a parameter of type `ty`, would
/// leave it holding a value not of its type (None: it does not).
fn keeps_type(
    code: &[Op],
    pc: usize,
    t: Slot,
    ty: &Type,
    param: &impl Fn(Slot) -> Option<(usize, bool)>,
    g: &GeneDef,
) -> Option<&'static str> {
    let op = &code[pc];
    let width = op_width(op);
    match ty {
        // (The engines check an array's or a stack's slots where they use them.)
        Type::Array(..) | Type::Stack => None,
        Type::U64 | Type::I64 => width.is_some().then_some("is an instruction of a fixed width on"),
        Type::Fixed(w) => {
            if let Some(ow) = width {
                return (ow != *w).then_some("is an instruction of another width on");
            }
            let fixed_next =
                matches!(code.get(pc + 1), Some(Op::Fix { dst, w: fw }) if *dst == t && fw.width() == *w);
            match *op {
                // A `fix` after them would change a word moved to or from a stack: the mirror
                // could not give it back. Only `push.w`/`pop.w` check the word popped.
                Op::Push { .. } => {
                    Some("is a push without its width (`push.w`, whose mirror checks the word it pops) of")
                }
                Op::Pop { .. } => {
                    Some("is a pop without its width (`pop.w`, which checks the word it pops) into")
                }
                _ if fixed_next => None,
                // A right shift of an unsigned width's value stays below its top bit.
                Op::Xsr { .. } | Op::XsrInv { .. } => w.signed.then_some("is a full-width xorshift of"),
                Op::XorImm { imm, .. } => (!w.holds(imm.0)).then_some("xors a value wider than"),
                Op::Xor { src, .. } => match param(src) {
                    Some((k, _)) if !canonical_within(&g.params[k].ty, *w) => {
                        Some("xors a value of another type into")
                    }
                    _ => None,
                },
                Op::Swap { a, b } => {
                    let other = if a == t { b } else { a };
                    match param(other) {
                        Some((k, _)) if g.params[k].ty != *ty => Some("swaps a value of another type into"),
                        _ => None,
                    }
                }
                // What these move in is not known here (a local's type is not in the module).
                Op::Assign { .. } | Op::Unassign { .. } => None,
                _ => Some("is a full-width update (no `.w` form, no `fix` after it) of"),
            }
        }
    }
}

/// Whether a parameter of type `a` passed for one of type `b` keeps its type: the same type,
/// or arrays of one element type (the engines check an array argument's length at the call).
fn same_kind(a: &Type, b: &Type) -> bool {
    match (a, b) {
        (Type::Array(x, _), Type::Array(y, _)) => x == y,
        _ => a == b,
    }
}

/// Whether every value of type `a`, held in its canonical form, is also in the canonical form
/// of the fixed width `w`, so that xoring it into a `w` keeps that in canonical form: the same
/// type, a narrower unsigned one (zero-extended), or a narrower signed one into a signed `w`
/// (sign-extended).
fn canonical_within(a: &Type, w: rdx_lang::ast::Width) -> bool {
    match a {
        Type::Fixed(v) => *v == w || (v.bits < w.bits && (!v.signed || w.signed)),
        _ => false,
    }
}

/// The fixed width an instruction computes at, if any.
fn op_width(op: &Op) -> Option<rdx_lang::ast::Width> {
    match *op {
        Op::Fix { w, .. }
        | Op::AddW { w, .. }
        | Op::SubW { w, .. }
        | Op::XorW { w, .. }
        | Op::RotlW { w, .. }
        | Op::RotrW { w, .. }
        | Op::RotlWImm { w, .. }
        | Op::RotrWImm { w, .. }
        | Op::AddWImm { w, .. }
        | Op::SubWImm { w, .. }
        | Op::PushW { w, .. }
        | Op::PopW { w, .. } => Some(w.width()),
        _ => None,
    }
}
