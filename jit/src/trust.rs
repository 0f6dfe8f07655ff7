//! The trust check: may this module's array references be used as raw pointers?
//!
//! Compiled code keeps an array as (element pointer, length) in two slots and accesses
//! `ptr + 8·idx` after checking `idx < len`. That is safe when every such pair was made by the
//! engine (array arguments), by `local.arr`, or passed along by `call`, and nothing else ever
//! writes or misreads those slots. The compiler from source guarantees it; a hand-written
//! module might not (the interpreter, which stores word indices into its own memory and checks
//! them, tolerates that). A module fails the check when, in some gene:
//! - an array slot (either word of a parameter array or of a `local.arr` target) is written
//!   by an ordinary slot operand, or its pointer word is read by one (reading the length,
//!   `size(a)`, is fine); array operands, a `show` of an array and array arguments of calls
//!   are the legitimate uses;
//! - an array operand does not name one of the gene's arrays, or two arrays' slots overlap;
//! - `local.arr` targets a parameter array;
//! - a local array is used (an array operand, a `show`, a call's argument) anywhere but between
//!   its `local.arr` and its `delocal.arr`, or these do not pair up in regions that no jump
//!   enters or leaves (before its `local.arr` the pointer slot holds no address);
//! - a call passes a non-array where the callee expects an array, or an array where it does
//!   not, or an array whose length is not the one the callee declares (compiled code takes
//!   a parameter array's length from its type).
//!
//! Modules with an opcode the translator does not know are not trusted either.
//!
//! Untrusted modules run on the interpreter, so every module gives the interpreter's answer.

use rdx_lang::ast::Type;
use rdx_vm::Module;
use rdx_vm::module::GeneDef;
use rdx_vm::ops::{Fmt, Op, OperandRef};

/// The array bases of a gene, each with whether it is a parameter; None when a `local.arr`
/// targets a parameter array.
fn arrays(g: &GeneDef) -> Option<Vec<(u16, bool)>> {
    let mut out: Vec<(u16, bool)> = Vec::new();
    for (i, p) in g.params.iter().enumerate() {
        if let Type::Array(..) = p.ty {
            out.push((*g.param_slots.get(i)?, true));
        }
    }
    for op in &g.code {
        if let Op::LocalArr { arr, .. } | Op::DelocalArr { arr, .. } = *op {
            match out.iter().find(|a| a.0 == arr.0) {
                Some(a) if a.1 => return None,
                Some(_) => {}
                None => out.push((arr.0, false)),
            }
        }
    }
    for (k, a) in out.iter().enumerate() {
        if out.iter().enumerate().any(|(j, b)| j != k && (b.0 == a.0 || b.0 == a.0 + 1 || a.0 == b.0 + 1)) {
            return None;
        }
    }
    Some(out)
}

/// The length in words that array `base` of gene `g` always has: a parameter's declared
/// length, or the length of every `local.arr` that opens it (None when they differ).
fn static_len(g: &GeneDef, base: u16) -> Option<u64> {
    for (i, p) in g.params.iter().enumerate() {
        if let Type::Array(e, n) = p.ty
            && g.param_slots.get(i) == Some(&base)
        {
            return Some(n.saturating_mul(e.words()));
        }
    }
    let mut lens = g.code.iter().filter_map(|o| match *o {
        Op::LocalArr { arr, len, .. } | Op::DelocalArr { arr, len, .. } if arr.0 == base => {
            Some(len.0 as u64)
        }
        _ => None,
    });
    let first = lens.next()?;
    lens.all(|l| l == first).then_some(first)
}

/// True when compiled code may treat the module's array slots as pointers (see the module
/// documentation).
pub fn trusted(m: &Module) -> bool {
    if !m.genes.iter().flat_map(|g| &g.code).all(crate::translate::supported) {
        return false;
    }
    let all: Option<Vec<_>> = m.genes.iter().map(arrays).collect();
    let Some(all) = all else { return false };
    m.genes.iter().zip(&all).all(|(g, arrs)| gene_trusted(m, g, arrs))
}

fn gene_trusted(m: &Module, g: &GeneDef, arrs: &[(u16, bool)]) -> bool {
    let is_array_slot = |s: u16| arrs.iter().any(|a| s == a.0 || s == a.0 + 1);
    // A length slot may be read (`size(a)`); a pointer slot never is an ordinary operand.
    let is_pointer = |s: u16| arrs.iter().any(|a| s == a.0);
    // A local array is used only between its `local.arr` and `delocal.arr` (before, its
    // pointer slot holds no address).
    let Some(open) = open_regions(g, |op| match *op {
        Op::LocalArr { arr, .. } => Some((arr.0, true)),
        Op::DelocalArr { arr, .. } => Some((arr.0, false)),
        _ => None,
    }) else {
        return false;
    };
    let base = |s: u16, pc: usize| {
        arrs.iter()
            .find(|a| a.0 == s)
            .filter(|a| a.1 || open.iter().any(|&(x, o, c)| x == s && o <= pc && pc <= c))
    };
    for (pc, op) in g.code.iter().enumerate() {
        match *op {
            Op::Show { var, fmt, .. } if matches!(Fmt(fmt.0 & 7), Fmt::ARR_U64 | Fmt::ARR_I64) => {
                if base(var.0, pc).is_none() {
                    return false;
                }
                continue;
            }
            Op::Call { gene, args } | Op::Uncall { gene, args } => {
                let Some(callee) = m.genes.get(gene.0 as usize) else { return false };
                for (i, p) in callee.params.iter().enumerate() {
                    let Some(s) = g.args.get(args.start as usize + i) else { return false };
                    let fits = match p.ty {
                        // Compiled code takes an array parameter's length from its type.
                        Type::Array(e, n) => {
                            base(s.0, pc).is_some() && static_len(g, s.0) == Some(n.saturating_mul(e.words()))
                        }
                        _ => !is_array_slot(s.0),
                    };
                    if !fits {
                        return false;
                    }
                }
                continue;
            }
            _ => {}
        }
        let mut ok = true;
        op.operands(&mut |name, o| match o {
            OperandRef::Slot(s) => {
                let write = crate::loops::is_write(op, name);
                ok &= if write { !is_array_slot(s.0) } else { !is_pointer(s.0) }
            }
            OperandRef::Cond(c) => ok &= c.slots().iter().flatten().all(|s| !is_pointer(s.0)),
            OperandRef::Arr(a) => ok &= base(a.0, pc).is_some(),
            OperandRef::Args(a) => {
                ok &= g
                    .args
                    .get(a.start as usize..a.start as usize + a.len as usize)
                    .is_some_and(|s| s.iter().all(|s| !is_pointer(s.0)))
            }
            _ => {}
        });
        if !ok {
            return false;
        }
    }
    true
}

/// True when every gene's stack parameters name one live stack for the whole call, so compiled
/// code may use them without checking that the stack is live. In every gene:
/// - no instruction writes a stack parameter's slot (`local.stack`, `delocal.stack`, `swap`,
///   an array over it or any other write);
/// - a call passes to each stack parameter of the callee either a stack parameter of the
///   caller (for which the same holds) or a local stack open at the call: between a
///   `local.stack` and the `delocal.stack` of its slot, with no other write of the slot
///   between them and no jump into or out of the region between them ([`local_stacks`]);
///   and it passes such a stack once, to a stack parameter (a scalar parameter passed the same
///   slot would change the id, by reference);
/// - every `delocal.stack` closes such a local (so no stack is closed through a slot that holds
///   another's id: stacks close last-opened first, and a closed stack's id is given again).
///
/// The engine and compiled callers pass live stacks, and a stack outlives the calls it is
/// passed to (its owner closes it only after they return). The compiler from source
/// guarantees all this; a hand-written module might not (one that passed a number as a stack
/// made compiled code read a stack header far outside the table).
pub fn stack_params_fixed(m: &Module) -> bool {
    m.genes.iter().all(|g| {
        let stacks: Vec<u16> = g
            .params
            .iter()
            .zip(&g.param_slots)
            .filter(|(p, _)| p.ty == Type::Stack)
            .map(|(_, &s)| s)
            .collect();
        let Some(locals) = local_stacks(g) else { return false };
        let open_at = |s: u16, pc: usize| locals.iter().any(|&(l, a, d)| l == s && a < pc && pc < d);
        g.code.iter().enumerate().all(|(pc, op)| {
            if let Op::Call { gene, args } | Op::Uncall { gene, args } = *op {
                let Some(callee) = m.genes.get(gene.0 as usize) else { return false };
                let passed = g.args.get(args.start as usize..args.start as usize + args.len as usize);
                return passed.is_some_and(|passed| {
                    passed.iter().zip(&callee.params).all(|(s, p)| {
                        let stack = stacks.contains(&s.0) || open_at(s.0, pc);
                        // Passed once: an alias, a scalar parameter say, would change the id.
                        let once = passed.iter().filter(|x| x.0 == s.0).count() == 1;
                        if p.ty == Type::Stack { stack && once } else { !stack }
                    })
                });
            }
            if let Op::DelocalStack { dst } = *op
                && !locals.iter().any(|&(l, _, d)| l == dst.0 && d == pc)
            {
                return false;
            }
            let mut ok = true;
            op.operands(&mut |name, o| match o {
                OperandRef::Slot(s) => ok &= !(stacks.contains(&s.0) && crate::loops::is_write(op, name)),
                // (An array over a stack parameter's slot: `local.arr` would write it.)
                OperandRef::Arr(a) => ok &= !stacks.iter().any(|&s| s == a.0 || s == a.0.wrapping_add(1)),
                _ => {}
            });
            ok
        })
    })
}

/// The local stacks of gene `g` as `(slot, local.stack position, delocal.stack position)`,
/// from [`open_regions`], with no other write of the slot (nor an array over it) inside a
/// region: so the stack is open at every instruction between them on every path, and the slot
/// holds its id. None when some slot that a `local.stack` or `delocal.stack` writes is not so.
fn local_stacks(g: &GeneDef) -> Option<Vec<(u16, usize, usize)>> {
    let out = open_regions(g, |op| match *op {
        Op::LocalStack { dst } => Some((dst.0, true)),
        Op::DelocalStack { dst } => Some((dst.0, false)),
        _ => None,
    })?;
    for &(s, a, d) in &out {
        for op in &g.code[a + 1..d] {
            let mut ok = true;
            op.operands(&mut |name, o| match o {
                OperandRef::Slot(x) => ok &= !(x.0 == s && crate::loops::is_write(op, name)),
                OperandRef::Arr(x) => ok &= x.0 != s && x.0.wrapping_add(1) != s,
                _ => {}
            });
            if !ok {
                return None;
            }
        }
    }
    Some(out)
}

/// Where gene `g`'s locals of one kind are open, as `(slot, opening position, closing
/// position)`: `open_close` names the slot an instruction opens (`true`) or closes. Each slot is
/// opened and closed in turn (not a parameter's), and each pair encloses a region no jump enters
/// or leaves (a jump inside may go to the closing instruction), so on every path an instruction
/// between the two runs after the opening and before the closing. None when that does not hold.
fn open_regions(
    g: &GeneDef,
    open_close: impl Fn(&Op) -> Option<(u16, bool)>,
) -> Option<Vec<(u16, usize, usize)>> {
    let mut slots: Vec<u16> = Vec::new();
    for op in &g.code {
        if let Some((s, _)) = open_close(op)
            && !slots.contains(&s)
        {
            slots.push(s);
        }
    }
    let mut out = Vec::new();
    for s in slots {
        if g.param_slots.contains(&s) {
            return None;
        }
        let mut open: Option<usize> = None;
        for (pc, op) in g.code.iter().enumerate() {
            match open_close(op) {
                Some((x, true)) if x == s && open.is_some() => return None,
                Some((x, true)) if x == s => open = Some(pc),
                Some((x, false)) if x == s => out.push((s, open.take()?, pc)),
                _ => {}
            }
        }
        if open.is_some() {
            return None;
        }
    }
    // No jump crosses a region: from inside to outside (but to its closing), or from outside in.
    for (pc, op) in g.code.iter().enumerate() {
        let mut ok = true;
        op.operands(&mut |_, o| {
            if let OperandRef::Off(t) = o {
                let t = t.0 as usize;
                ok &= out.iter().all(|&(_, a, d)| {
                    let inside = |x: usize| a < x && x < d;
                    inside(pc) == inside(t) || inside(pc) && t == d
                });
            }
        });
        if !ok {
            return None;
        }
    }
    Some(out)
}
