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
use std::collections::HashMap;

/// The array bases of a gene, each with whether it is a parameter; None when a `local.arr`
/// targets a parameter array or two arrays' slots overlap.
fn arrays(g: &GeneDef) -> Option<HashMap<u16, bool>> {
    let mut out: HashMap<u16, bool> = HashMap::new();
    for (i, p) in g.params.iter().enumerate() {
        if let Type::Array(..) = p.ty {
            out.insert(*g.param_slots.get(i)?, true);
        }
    }
    for op in &g.code {
        if let Op::LocalArr { arr, .. } | Op::DelocalArr { arr, .. } = *op
            && *out.entry(arr.0).or_insert(false)
        {
            return None;
        }
    }
    // Two slots each: bases one apart (or equal) overlap.
    let mut bases: Vec<u16> = out.keys().copied().collect();
    bases.sort_unstable();
    bases.windows(2).all(|w| w[1] > w[0].saturating_add(1)).then_some(out)
}

/// The length in words that each array of gene `g` always has: a parameter's declared
/// length, or the length of every `local.arr` that opens it (None when they differ).
fn static_lens(g: &GeneDef) -> HashMap<u16, Option<u64>> {
    let mut lens: HashMap<u16, Option<u64>> = HashMap::new();
    for op in &g.code {
        if let Op::LocalArr { arr, len, .. } | Op::DelocalArr { arr, len, .. } = *op {
            let l = lens.entry(arr.0).or_insert(Some(len.0 as u64));
            if *l != Some(len.0 as u64) {
                *l = None;
            }
        }
    }
    for (i, p) in g.params.iter().enumerate() {
        if let (Type::Array(e, n), Some(&s)) = (p.ty, g.param_slots.get(i)) {
            lens.insert(s, Some(n.saturating_mul(e.words())));
        }
    }
    lens
}

/// True when every gene may treat its array slots as pointers (see the module documentation).
/// True when compiled code may treat the module's array slots as pointers (see the module
/// documentation).
pub fn trusted(m: &Module) -> bool {
    if !m.genes.iter().flat_map(|g| &g.code).all(crate::translate::supported) {
        return false;
    }
    m.genes.iter().all(|g| arrays(g).is_some_and(|arrs| gene_trusted(m, g, &arrs)))
}

fn gene_trusted(m: &Module, g: &GeneDef, arrs: &HashMap<u16, bool>) -> bool {
    let is_array_slot =
        |s: u16| arrs.contains_key(&s) || s.checked_sub(1).is_some_and(|b| arrs.contains_key(&b));
    // A length slot may be read (`size(a)`); a pointer slot never is an ordinary operand.
    let is_pointer = |s: u16| arrs.contains_key(&s);
    let lens = static_lens(g);
    // A local array is used only between its `local.arr` and `delocal.arr` (before, its
    // pointer slot holds no address).
    let Some(open) = open_regions(g, |op| match *op {
        Op::LocalArr { arr, .. } => Some((arr.0, true)),
        Op::DelocalArr { arr, .. } => Some((arr.0, false)),
        _ => None,
    }) else {
        return false;
    };
    let base = |s: u16, pc: usize| arrs.get(&s).is_some_and(|&param| param || open.open_at(s, pc, true));
    for (pc, op) in g.code.iter().enumerate() {
        match *op {
            Op::Show { var, fmt, .. } if matches!(Fmt(fmt.0 & 7), Fmt::ARR_U64 | Fmt::ARR_I64) => {
                if !base(var.0, pc) {
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
                            base(s.0, pc) && lens.get(&s.0) == Some(&Some(n.saturating_mul(e.words())))
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
            OperandRef::Arr(a) => ok &= base(a.0, pc),
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
        let open_at = |s: u16, pc: usize| locals.open_at(s, pc, false);
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
                && !locals.closes(dst.0, pc)
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

/// The local stacks of gene `g` ([`open_regions`]), with no other write of the slot (nor an
/// array over it) inside a region: so the stack is open at every instruction between them on
/// every path, and the slot holds its id. None when some slot that a `local.stack` or
/// `delocal.stack` writes is not so.
fn local_stacks(g: &GeneDef) -> Option<Regions> {
    let regions = open_regions(g, |op| match *op {
        Op::LocalStack { dst } => Some((dst.0, true)),
        Op::DelocalStack { dst } => Some((dst.0, false)),
        _ => None,
    })?;
    // One pass, with the slots open at each instruction.
    let mut open = vec![false; usize::from(g.slots)];
    let is_open = |open: &[bool], s: u16| open.get(usize::from(s)).copied().unwrap_or(false);
    for op in &g.code {
        match *op {
            Op::LocalStack { dst } | Op::DelocalStack { dst } => {
                if let Some(o) = open.get_mut(usize::from(dst.0)) {
                    *o = matches!(op, Op::LocalStack { .. });
                }
            }
            _ => {
                let mut ok = true;
                op.operands(&mut |name, o| match o {
                    OperandRef::Slot(x) => ok &= !(is_open(&open, x.0) && crate::loops::is_write(op, name)),
                    OperandRef::Arr(x) => ok &= !is_open(&open, x.0) && !is_open(&open, x.0.wrapping_add(1)),
                    _ => {}
                });
                if !ok {
                    return None;
                }
            }
        }
    }
    Some(regions)
}

/// Where a gene's locals of one kind are open ([`open_regions`]): `(opening, closing)`
/// positions per slot, in order.
struct Regions {
    by_slot: HashMap<u16, Vec<(usize, usize)>>,
}

impl Regions {
    /// Whether slot `s` is open at `pc`: strictly between an opening and its closing, or at
    /// either end too when `ends`.
    fn open_at(&self, s: u16, pc: usize, ends: bool) -> bool {
        let Some(list) = self.by_slot.get(&s) else { return false };
        let k = list.partition_point(|&(a, _)| a <= pc);
        k > 0 && {
            let (a, d) = list[k - 1];
            if ends { pc <= d } else { a < pc && pc < d }
        }
    }

    /// Whether `pc` is a closing position of slot `s`.
    fn closes(&self, s: u16, pc: usize) -> bool {
        self.by_slot.get(&s).is_some_and(|list| list.binary_search_by_key(&pc, |&(_, d)| d).is_ok())
    }
}

/// Where gene `g`'s locals of one kind are open: `open_close` names the slot an instruction
/// opens (`true`) or closes. Each slot (not a parameter's) is opened and closed in turn; the
/// regions between an opening and its closing nest (or are apart); and no jump enters or
/// leaves a region (a jump inside may go to the closing instruction), so on every path an
/// instruction between the two runs after the opening and before the closing. None when that
/// does not hold. Linear in the code but for sorting the regions.
fn open_regions(g: &GeneDef, open_close: impl Fn(&Op) -> Option<(u16, bool)>) -> Option<Regions> {
    let mut opened: HashMap<u16, usize> = HashMap::new();
    let mut by_slot: HashMap<u16, Vec<(usize, usize)>> = HashMap::new();
    let mut list: Vec<(usize, usize)> = Vec::new();
    for (pc, op) in g.code.iter().enumerate() {
        match open_close(op) {
            Some((s, _)) if g.param_slots.contains(&s) => return None,
            Some((s, true)) if opened.contains_key(&s) => return None,
            Some((s, true)) => {
                opened.insert(s, pc);
            }
            Some((s, false)) => {
                let a = opened.remove(&s)?;
                by_slot.entry(s).or_default().push((a, pc));
                list.push((a, pc));
            }
            None => {}
        }
    }
    if !opened.is_empty() {
        return None;
    }
    // Nested or apart, and the innermost region around each position (its index in `list`).
    list.sort_by_key(|&(a, d)| (a, std::cmp::Reverse(d)));
    let mut stack: Vec<usize> = Vec::new();
    for (k, &(a, d)) in list.iter().enumerate() {
        while stack.last().is_some_and(|&t| list[t].1 < a) {
            stack.pop();
        }
        if stack.last().is_some_and(|&t| d > list[t].1) {
            return None;
        }
        stack.push(k);
    }
    let n = g.code.len();
    let mut inner: Vec<Option<usize>> = vec![None; n];
    let (mut stack, mut next) = (Vec::new(), 0);
    for (p, slot) in inner.iter_mut().enumerate() {
        // Regions whose inside starts here (opened at p - 1), then those that ended.
        while next < list.len() && list[next].0 + 1 == p {
            stack.push(next);
            next += 1;
        }
        while next < list.len() && list[next].0 + 1 < p {
            next += 1;
        }
        while stack.last().is_some_and(|&t| list[t].1 <= p) {
            stack.pop();
        }
        *slot = stack.last().copied();
    }
    // No jump crosses a region: it stays in the same innermost region, or goes from inside one
    // to its closing.
    for (pc, op) in g.code.iter().enumerate() {
        let mut ok = true;
        op.operands(&mut |_, o| {
            if let OperandRef::Off(t) = o {
                let t = t.0 as usize;
                let (from, to) = (inner[pc], inner.get(t).copied().flatten());
                ok &= from == to || from.is_some_and(|r| list[r].1 == t);
            }
        });
        if !ok {
            return None;
        }
    }
    Some(Regions { by_slot })
}
