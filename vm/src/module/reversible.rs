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
//! - Expression code writes only temporaries: no parameter, no local open there (rule 15).
//! - A local opens on a slot that holds no variable (nor local array storage that one open
//!   array holds) and closes where it opened, in the same block; every local opened in a
//!   branch or loop is closed by the end of its block, and one opened in the gene's own block
//!   by its `exit`; nothing closes a local it did not open (rule 16).
//! - Partners that both test the construct's condition (`fi.then`/`fi.else`, `from`/
//!   `loop.back`) test the same one, computed by the same expression code up to its
//!   temporaries' slots (rule 17).
//! - A statement reads only the temporaries its own expression code computed, on every path
//!   through it; an element statement's `assign` may read what the `swap.elem` before it
//!   computed, an `unassign` what the `swap.elem` after it computes; a call's scalar argument
//!   is a variable; and no effect changes a temporary but an element statement's three
//!   instructions, `swap.elem t`, an update of t, `swap.elem t` (rule 18).
//! - Arrays and stacks are used as such: array and stack operands and arguments name arrays
//!   and stacks (parameters, or locals open there), nothing changes their references, and a
//!   kernel reads an array parameter as its element type (rule 19).

use super::GeneDef;
use crate::loops::is_write;
use crate::ops::{Class, Op, OperandRef, Slot};
use rdx_lang::ast::Type;

/// Checks gene `g` (its structure verified, its parameter layout derived) against the rules
/// above; `callees[k]` are the parameter types of gene `k`. `lone_ancillas`: the gene's own
/// block may leave a local open or close one it never opened ([`super::Module::verify_unit`]).
/// `also`: a check of the caller's to run beside these (reported after the per-instruction
/// rules and rule 17, before the walk of rules 15, 16 and 18).
pub(super) fn check(
    g: &GeneDef,
    callees: &[Vec<Type>],
    lone_ancillas: bool,
    also: impl FnOnce() -> Result<(), String>,
) -> Result<(), String> {
    // The parameter at each parameter slot, and whether the slot is the parameter's first.
    let mut param_at: Vec<Option<(usize, bool)>> = vec![None; g.param_words as usize];
    for (k, (p, &at)) in g.params.iter().zip(&g.param_slots).enumerate() {
        for i in 0..p.width() {
            param_at[(at + i) as usize] = Some((k, i == 0));
        }
    }
    let param = |s: Slot| param_at.get(s.0 as usize).copied().flatten();
    let describe = |k: usize| format!("parameter `{}: {}`", g.params[k].name, g.params[k].ty);
    // The parameter holding a slot, named (the table `check`'s own rules use).
    let parameter = |s: Slot| param(s).map(|(k, _)| describe(k));
    let first = || {
        each_instruction(g, callees, &param, &describe)
            .and_then(|()| partners_agree(&g.code))
            .and_then(|()| also())
    };
    let walk = || variables(g, callees, &parameter, lone_ancillas);
    if g.code.len() < PARALLEL_CHECK {
        return first().and_then(|()| walk());
    }
    // The two halves read the code and nothing else: on a long gene the walk runs on a thread
    // of its own. The first half's error, when both find one, is the one reported, as when
    // they run one after the other.
    std::thread::scope(|scope| {
        let other = scope.spawn(walk);
        let first = first();
        let second = other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        first.and(second)
    })
}

/// The length of code from which [`check`] runs its two halves in parallel: below it, a
/// thread's start costs more than it saves.
const PARALLEL_CHECK: usize = 16_384;

/// [`check`]'s rules that look at one instruction at a time (with its expression code).
fn each_instruction(
    g: &GeneDef,
    callees: &[Vec<Type>],
    param: &impl Fn(Slot) -> Option<(usize, bool)>,
    describe: &impl Fn(usize) -> String,
) -> Result<(), String> {
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
        // A kernel reads its buffer's words as its element type: an array parameter's own.
        if let Op::Kernel { buf, elem, .. } | Op::KernelInv { buf, elem, .. } = *op
            && let Some((k, true)) = param(Slot(buf.0))
            && let Type::Array(e, _) = g.params[k].ty
            && crate::ops::kernel_elem(elem) != Some(e)
        {
            let code_elem = crate::ops::kernel_elem(elem).map_or("?", rdx_lang::ast::Elem::as_str);
            return Err(err(format!("runs on {} as {code_elem} elements", describe(k))));
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
fn slots_of(op: &Op) -> (Slots, Slots) {
    let (mut w, mut r) = (Slots::default(), Slots::default());
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

/// The most slots an instruction names (a slot operand one, an array's two, a condition's up
/// to two); a test checks every opcode of the table against it.
const MAX_SLOTS: usize = 8;

/// An instruction's slots, on the stack: the verifier asks for them several times an
/// instruction, and a vector each time cost the loader a tenth of its time.
#[derive(Clone, Copy)]
pub(super) struct Slots {
    len: usize,
    at: [Slot; MAX_SLOTS],
}

impl Default for Slots {
    fn default() -> Slots {
        Slots { len: 0, at: [Slot(0); MAX_SLOTS] }
    }
}

impl Slots {
    fn push(&mut self, s: Slot) {
        // (Never full: `every_opcode_names_at_most_max_slots`.)
        if let Some(x) = self.at.get_mut(self.len) {
            *x = s;
            self.len += 1;
        }
    }
}

impl Extend<Slot> for Slots {
    fn extend<I: IntoIterator<Item = Slot>>(&mut self, it: I) {
        for s in it {
            self.push(s);
        }
    }
}

impl<'a> IntoIterator for &'a Slots {
    type Item = &'a Slot;
    type IntoIter = std::slice::Iter<'a, Slot>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl IntoIterator for Slots {
    type Item = Slot;
    type IntoIter = std::iter::Take<std::array::IntoIter<Slot, MAX_SLOTS>>;
    fn into_iter(self) -> Self::IntoIter {
        self.at.into_iter().take(self.len)
    }
}

impl std::ops::Deref for Slots {
    type Target = [Slot];
    fn deref(&self) -> &[Slot] {
        &self.at[..self.len]
    }
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
        // Its slots hold a reference (an address and a length, a stack's number): no
        // instruction changes them (a call passes them on, rule 14's argument check).
        Type::Array(..) | Type::Stack => Some("changes the reference held by"),
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

/// Rules 15, 16 and 18: one walk over the code keeps the locals open at each instruction, and
/// the temporaries the current statement's code has written. Locals
/// open and close in the same block (between two control instructions of one construct, the
/// constructs nested within it aside), so the walk's set is the one every path through the code
/// has there: a jump goes from a control instruction to just past one of the same construct.
fn variables(
    g: &GeneDef,
    callees: &[Vec<Type>],
    parameter: &impl Fn(Slot) -> Option<String>,
    lone_ancillas: bool,
) -> Result<(), String> {
    let slots = g.slots as usize;
    let params = g.param_words as usize;
    let param_kinds = param_held(g);
    // Per slot: the block depth and instruction where its local opened.
    let mut open: Vec<Option<(usize, usize)>> = vec![None; slots];
    // Per open block: how many locals it opened that are still open.
    let mut blocks: Vec<usize> = vec![0];
    // Open local arrays' storage: start word → (end word, instruction that opened it).
    let mut storage: std::collections::BTreeMap<u32, (u64, usize)> = Default::default();
    const RULE15: &str = "expression code writes only temporaries (rule 15)";
    const RULE16: &str = "a local opens on a slot that holds no variable and closes in its block (rule 16)";
    const RULE18: &str = "a statement reads only the temporaries its own expression code computed (rule 18)";
    let code = &g.code;
    // Rule 18. cross[p]: the nearest target of a short-circuit jump that passes over
    // instruction p (from before it to after it), so a write at p has certainly happened
    // before any instruction up to cross[p] (exclusive).
    let mut cross = vec![usize::MAX; code.len()];
    let mut jumps: std::collections::BinaryHeap<std::cmp::Reverse<usize>> = Default::default();
    for (p, op) in code.iter().enumerate() {
        while jumps.peek().is_some_and(|t| t.0 <= p) {
            jumps.pop();
        }
        cross[p] = jumps.peek().map_or(usize::MAX, |t| t.0);
        if let Op::Jz { to, .. } | Op::Jnz { to, .. } = *op {
            jumps.push(std::cmp::Reverse(to.0 as usize));
        }
    }
    // Per temporary written by the current statement's code: before which instruction it has
    // certainly been written (0: not written). The previous statement's, for an `assign` after
    // a `swap.elem` (the element statements, `a[i] := e`, compute e before the swap). An
    // `unassign` before a `swap.elem` whose code computes its value (`undo a[i] := e`).
    let mut written_by: Vec<usize> = vec![0; slots];
    let mut touched: Vec<Slot> = Vec::new();
    let mut before: (usize, Vec<(Slot, usize)>) = (usize::MAX, Vec::new());
    let mut pending: Option<(usize, Slot)> = None;
    // next[pc]: the first instruction after pc that is not expression code.
    let mut next = vec![code.len(); code.len() + 1];
    for pc in (0..code.len()).rev() {
        next[pc] = if code.get(pc + 1).is_some_and(|o| !o.is_pure()) { pc + 1 } else { next[pc + 1] };
    }
    // The element statement under way: its temporary, its update and its swap back.
    let mut element: Option<(Slot, usize, usize, usize)> = None;
    for (pc, op) in code.iter().enumerate() {
        let err = |m: String| format!("instruction {pc} ({}): {m}", op.mnemonic());
        let is_temp = |s: Slot, open: &[Option<(usize, usize)>]| {
            (s.0 as usize) >= params && open.get(s.0 as usize).is_some_and(|o| o.is_none())
        };
        let stale = |s: Slot, open: &[Option<(usize, usize)>]| {
            is_temp(s, open) && written_by.get(s.0 as usize).is_none_or(|&w| w <= pc)
        };
        let (written, read) = slots_of(op);
        references(g, &param_kinds, op, &open, &written).map_err(err)?;
        // A call's scalar arguments: variables passed by reference, never a value left in a
        // slot. (An array's or a stack's reference the call checks: R0199.)
        let mut passed: &[Slot] = &[];
        let mut types: &[Type] = &[];
        if let Op::Call { gene, args } | Op::Uncall { gene, args } = *op {
            let at = args.start as usize;
            types = callees.get(gene.0 as usize).map_or(&[][..], Vec::as_slice);
            passed = g.args.get(at..at + args.len as usize).unwrap_or(&[]);
        }
        for (i, (&s, ty)) in passed.iter().zip(types).enumerate() {
            let want = match ty {
                Type::Array(..) => Held::ArrayFirst,
                Type::Stack => Held::Stack,
                _ => Held::Other,
            };
            let h = held(g, &param_kinds, &open, s);
            if h != want {
                return Err(err(format!(
                    "passes slot {}, which holds {}, as argument {i}, of type {ty}: arrays and \
                     stacks are used as such (rule 19)",
                    s.0,
                    Held::name(h)
                )));
            }
        }
        let scalar_args = passed.iter().zip(types).filter(|(_, ty)| ty.is_scalar()).map(|(&s, _)| s);
        let statement = pc - op.pre().map_or(0, usize::from).min(pc);
        for s in read.iter().copied().chain(scalar_args) {
            let value = match *op {
                Op::Assign { src, .. } | Op::Unassign { src, .. } => src == s,
                _ => false,
            };
            let after_swap = value
                && matches!(op, Op::Assign { .. })
                && before.0.checked_add(1) == Some(statement)
                && matches!(code[before.0], Op::SwapElem { .. })
                && before.1.iter().any(|&(t, w)| t == s && w > before.0);
            if matches!(op, Op::Unassign { .. }) && value && stale(s, &open) {
                pending = Some((pc, s));
            } else if !after_swap && stale(s, &open) {
                return Err(err(format!(
                    "reads slot {}, which no expression code before it in its statement wrote: {RULE18}",
                    s.0
                )));
            }
        }
        // An effect that changes a temporary: only an element statement's three instructions
        // (`swap.elem t, a[i]`, an update of t, `swap.elem t, a[i]`), which leave t as it was.
        // Any other would move a value into a slot no variable holds, or out of one.
        let opens_or_closes = matches!(
            op,
            Op::Local { .. }
                | Op::LocalImm { .. }
                | Op::LocalArr { .. }
                | Op::LocalStack { .. }
                | Op::Delocal { .. }
                | Op::DelocalImm { .. }
                | Op::DelocalArr { .. }
                | Op::DelocalStack { .. }
        );
        if op.class() == Class::Effect && !opens_or_closes {
            if let Op::SwapElem { dst, arr, .. } = *op
                && element.is_none()
                && is_temp(dst, &open)
            {
                let m = next[pc];
                let back = next.get(m).copied().unwrap_or(code.len());
                let updates =
                    code.get(m).is_some_and(|o| o.class() == Class::Effect && slots_of(o).0.contains(&dst));
                let swaps_back = matches!(code.get(back), Some(Op::SwapElem { dst: d, arr: a, .. }) if *d == dst && *a == arr);
                if updates && swaps_back {
                    element = Some((dst, pc, m, back));
                }
            }
            let ours =
                |s: Slot| element.is_some_and(|(t, first, m, back)| t == s && [first, m, back].contains(&pc));
            if let Some(&s) = written.iter().find(|&&s| is_temp(s, &open) && !ours(s)) {
                return Err(err(format!(
                    "changes slot {}, which holds no variable, outside an element statement \
                     (`swap.elem` of it, an update of it, `swap.elem` back): {RULE18}",
                    s.0
                )));
            }
            if element.is_some_and(|(.., back)| back == pc) {
                element = None;
            }
        }
        if op.is_pure() {
            for &s in &written {
                if let Some(w) = written_by.get_mut(s.0 as usize) {
                    *w = (*w).max(cross[pc]);
                    touched.push(s);
                }
            }
        } else {
            if let Some((at, s)) = pending.filter(|&(at, _)| at < pc) {
                pending = None;
                let next_swap = matches!(op, Op::SwapElem { .. }) && before.0 == at;
                if !(next_swap && written_by.get(s.0 as usize).is_some_and(|&w| w > pc)) {
                    return Err(format!(
                        "instruction {at} ({}): reads slot {}, which no expression code before it in its \
                         statement, or of the `swap.elem` after it, wrote: {RULE18}",
                        code[at].mnemonic(),
                        s.0
                    ));
                }
            }
            before.0 = pc;
            before.1.clear();
            for s in touched.drain(..) {
                if let Some(w) = written_by.get_mut(s.0 as usize) {
                    before.1.push((s, *w));
                    *w = 0;
                }
            }
        }
        let holder = |s: Slot, open: &[Option<(usize, usize)>]| -> Option<String> {
            if (s.0 as usize) < params {
                return Some(parameter(s).unwrap_or_else(|| format!("parameter slot {}", s.0)));
            }
            open.get(s.0 as usize)
                .copied()
                .flatten()
                .map(|(_, at)| format!("the local opened at instruction {at}"))
        };
        if op.is_pure() {
            for &s in written.iter() {
                if let Some(h) = holder(s, &open) {
                    return Err(err(format!("writes slot {}, which holds {h}: {RULE15}", s.0)));
                }
            }
            continue;
        }
        let depth = blocks.len() - 1;
        let mut opens: Vec<Slot> = Vec::new();
        let mut closes: Vec<Slot> = Vec::new();
        match *op {
            Op::Local { dst, .. } | Op::LocalImm { dst, .. } | Op::LocalStack { dst } => opens.push(dst),
            Op::Delocal { dst, .. } | Op::DelocalImm { dst, .. } | Op::DelocalStack { dst } => {
                closes.push(dst)
            }
            Op::LocalArr { arr, at, len, .. } => {
                opens.extend([Slot(arr.0), Slot(arr.0.wrapping_add(1))]);
                let end = u64::from(at.0) + u64::from(len.0);
                let before = storage.range(..=at.0).next_back().map(|(_, &v)| v);
                let after = storage.range(at.0..).next().map(|(&a, &v)| (a, v));
                let clash = match (before, after) {
                    (Some((e, q)), _) if len.0 > 0 && e > u64::from(at.0) => Some(q),
                    (_, Some((a, (e, q)))) if len.0 > 0 && e > u64::from(a) && u64::from(a) < end => Some(q),
                    _ => None,
                };
                if let Some(q) = clash {
                    return Err(err(format!(
                        "its storage, words {}..{end}, overlaps that of the local array opened at \
                         instruction {q}: {RULE16}",
                        at.0
                    )));
                }
                if len.0 > 0 {
                    storage.insert(at.0, (end, pc));
                }
            }
            Op::DelocalArr { arr, at, len, .. } => {
                closes.extend([Slot(arr.0), Slot(arr.0.wrapping_add(1))]);
                let opened = open.get(arr.0 as usize).copied().flatten().map(|(_, q)| q);
                let same = opened.is_some_and(
                    |q| matches!(g.code[q], Op::LocalArr { at: a, len: n, .. } if a == at && n == len),
                );
                if opened.is_some() && !same {
                    return Err(err(format!(
                        "closes the local array opened at instruction {} with other storage \
                         (words {}..{}): {RULE16}",
                        opened.unwrap_or(0),
                        at.0,
                        u64::from(at.0) + u64::from(len.0)
                    )));
                }
                if len.0 > 0 {
                    storage.remove(&at.0);
                }
            }
            _ => {}
        }
        for s in opens {
            if let Some(h) = holder(s, &open) {
                return Err(err(format!("opens a local on slot {}, which holds {h}: {RULE16}", s.0)));
            }
            if let Some(o) = open.get_mut(s.0 as usize) {
                *o = Some((depth, pc));
            }
            blocks[depth] += 1;
        }
        for s in closes {
            match open.get(s.0 as usize).copied().flatten() {
                Some((d, _)) if d == depth => {}
                Some((_, at)) => {
                    return Err(err(format!(
                        "closes slot {}, the local opened at instruction {at}, in another block: {RULE16}",
                        s.0
                    )));
                }
                // A lone `delocal` (the mirror of a local left open at the end, below).
                None if lone_ancillas && depth == 0 && holder(s, &open).is_none() => continue,
                None => {
                    let h = holder(s, &open).unwrap_or_else(|| "no open local".into());
                    return Err(err(format!("closes slot {}, which holds {h}: {RULE16}", s.0)));
                }
            }
            open[s.0 as usize] = None;
            blocks[depth] -= 1;
        }
        let still_open = |blocks: &[usize], open: &[Option<(usize, usize)>]| -> Result<(), String> {
            if blocks[depth] == 0 {
                return Ok(());
            }
            let (s, at) = (open.iter().enumerate())
                .find_map(|(s, o)| o.filter(|&(d, _)| d == depth).map(|(_, at)| (s, at)))
                .unwrap_or((0, 0));
            Err(err(format!(
                "the local opened at instruction {at} (slot {s}) is still open at the end of its block: {RULE16}"
            )))
        };
        match op {
            Op::If { .. } | Op::From { .. } | Op::FromC { .. } | Op::FromDec { .. } | Op::FromInc { .. } => {
                blocks.push(0)
            }
            Op::FiThen { .. }
            | Op::Else { .. }
            | Op::Until { .. }
            | Op::LoopBack { .. }
            | Op::LoopInc { .. }
            | Op::LoopDec { .. }
            | Op::LoopTest { .. } => still_open(&blocks, &open)?,
            Op::Exit {} if depth != 0 => return Err(err("control instructions do not nest".into())),
            // A local still open when the frame goes takes its value with it.
            Op::Exit {} if !lone_ancillas => still_open(&blocks, &open)?,
            Op::FiElse { .. } | Op::LoopExit { .. } => {
                if depth == 0 {
                    return Err(err("control instructions do not nest".into()));
                }
                still_open(&blocks, &open)?;
                blocks.pop();
            }
            _ => {}
        }
    }
    Ok(())
}

/// What a slot holds, for [`references`]: an array's first slot, either slot of an array, or a
/// stack, as a parameter or as a local open at the instruction (`open`: per slot, where its
/// local opened).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Held {
    ArrayFirst,
    ArrayLen,
    Stack,
    Other,
}

impl Held {
    fn name(self) -> &'static str {
        match self {
            Held::ArrayFirst => "an array",
            Held::ArrayLen => "an array's length",
            Held::Stack => "a stack",
            Held::Other => "a number",
        }
    }
}

/// What each parameter slot holds (built once per gene: [`held`] is asked for every array and
/// stack operand and every slot an instruction writes).
fn param_held(g: &GeneDef) -> Vec<Held> {
    let mut out = vec![Held::Other; g.param_words as usize];
    for (p, &at) in g.params.iter().zip(&g.param_slots) {
        let at = usize::from(at);
        match p.ty {
            Type::Array(..) => {
                out[at] = Held::ArrayFirst;
                if let Some(len) = out.get_mut(at + 1) {
                    *len = Held::ArrayLen;
                }
            }
            Type::Stack => out[at] = Held::Stack,
            _ => {}
        }
    }
    out
}

fn held(g: &GeneDef, params: &[Held], open: &[Option<(usize, usize)>], s: Slot) -> Held {
    let i = s.0 as usize;
    if let Some(&h) = params.get(i) {
        return h;
    }
    match open.get(i).copied().flatten().map(|(_, q)| &g.code[q]) {
        Some(Op::LocalArr { arr, .. }) if arr.0 as usize == i => Held::ArrayFirst,
        Some(Op::LocalArr { .. }) => Held::ArrayLen,
        Some(Op::LocalStack { .. }) => Held::Stack,
        _ => Held::Other,
    }
}

/// Rule 19: arrays and stacks are used as such. An array operand names an array (a parameter,
/// or a local array open there), a stack operand a stack; a call passes an array, a stack or a
/// number where the callee has one; and nothing but the `local`/`delocal` of a local array or
/// stack changes the slots that hold its reference. An `add.elem` whose array operand named a
/// number's slot read that number and the next slot as an address and a length, which could
/// lie over the frame: a module changed by one byte ran forward, and backward to another state.
fn references(
    g: &GeneDef,
    params: &[Held],
    op: &Op,
    open: &[Option<(usize, usize)>],
    written: &[Slot],
) -> Result<(), String> {
    const RULE19: &str = "arrays and stacks are used as such (rule 19)";
    let what = Held::name;
    let opener = matches!(
        op,
        Op::LocalArr { .. } | Op::DelocalArr { .. } | Op::LocalStack { .. } | Op::DelocalStack { .. }
    );
    let mut problem: Option<String> = None;
    op.operands(&mut |name, o| {
        if problem.is_some() {
            return;
        }
        let (s, want) = match o {
            OperandRef::Arr(a) if !opener => (Slot(a.0), Held::ArrayFirst),
            OperandRef::Slot(s) if name == "stack" => (s, Held::Stack),
            // What no local holds, rule 16 refuses to close (or takes for a lone ancilla).
            OperandRef::Slot(s)
                if matches!(op, Op::DelocalStack { .. })
                    && open.get(s.0 as usize).copied().flatten().is_some() =>
            {
                (s, Held::Stack)
            }
            _ => return,
        };
        let h = held(g, params, open, s);
        if h != want {
            problem = Some(format!(
                "operand `{name}` names slot {}, which holds {}, not {}: {RULE19}",
                s.0,
                what(h),
                what(want)
            ));
        }
    });
    if let Some(p) = problem {
        return Err(p);
    }
    if !opener && let Some(&s) = written.iter().find(|&&s| held(g, params, open, s) != Held::Other) {
        return Err(format!(
            "changes slot {}, which holds {}'s reference: {RULE19}",
            s.0,
            what(held(g, params, open, s))
        ));
    }
    Ok(())
}

/// Rule 17: `fi.then` and `fi.else` test the `if`'s exit assertion, `from` and `loop.back` the
/// loop's entry assertion, each after its own copy of the condition's expression code; going
/// backward only one of them is tested (the `fi.else`'s decides the branch, the `from`'s leaves
/// the loop), so they must be the same test. The copies may compute into other temporaries
/// (the compiler allocates them afresh), so each is compared in a form where the slots its code
/// writes are numbered in the order written and its jumps are relative.
fn partners_agree(code: &[Op]) -> Result<(), String> {
    for (pc, op) in code.iter().enumerate() {
        let (other, cond, what) = match *op {
            Op::FiThen { fi_else, cond, .. } => (fi_else.0 as usize, cond, "exit assertion"),
            Op::From { loop_back, cond, .. } => (loop_back.0 as usize, cond, "entry assertion"),
            _ => continue,
        };
        let Some(partner) = code.get(other) else { continue };
        let Some(partner_cond) = (match *partner {
            Op::FiElse { cond, .. } | Op::LoopBack { cond, .. } => Some(cond),
            _ => None,
        }) else {
            continue;
        };
        if test_form(code, pc, cond) != test_form(code, other, partner_cond) {
            return Err(format!(
                "instruction {other} ({}): tests another {what} than its partner, instruction {pc} \
                 ({}): partners test the same condition with the same expression code (rule 17)",
                partner.mnemonic(),
                op.mnemonic()
            ));
        }
    }
    Ok(())
}

/// The test instruction `code[pc]` makes of `cond` after its expression code, as tokens: the
/// code's instructions and the condition, with the slots the code writes numbered in the order
/// written (a slot read before the code writes it, or never written, stays itself) and jump
/// targets relative to the code's start.
fn test_form(code: &[Op], pc: usize, cond: crate::ops::Cond) -> Vec<u64> {
    let n = code[pc].pre().map_or(0, |n| n as usize).min(pc);
    let (mut out, named) = code_form(code, pc - n, pc);
    out.push(u64::MAX);
    out.extend(cond_tokens(&named, cond, &|named: &Named, s| named.token(s)));
    out
}

/// The slots a piece of code writes, numbered in the order written ([`code_form`]).
pub(super) struct Named(std::collections::HashMap<Slot, u64>);

impl Named {
    const TEMP: u64 = 1 << 32;

    /// A slot as the form names it: its number in write order, or itself if not written yet.
    fn token(&self, s: Slot) -> u64 {
        self.0.get(&s).map_or(u64::from(s.0), |&k| Self::TEMP + k)
    }
}

/// The form of `code[start..end]`: each instruction's opcode and operands, the slots the code
/// writes numbered in the order written (a slot read before the code writes it, or never
/// written, stays itself) and jump targets relative to `start`. Two copies of one computation
/// into other temporaries have the same form.
pub(super) fn code_form(code: &[Op], start: usize, end: usize) -> (Vec<u64>, Named) {
    use crate::ops::Operand;
    let mut named = Named(Default::default());
    let mut out = Vec::new();
    for e in &code[start..end] {
        out.push(u64::from(e.code()));
        let mut writes: Vec<usize> = Vec::new();
        let mut written: Vec<Slot> = Vec::new();
        e.operands(&mut |name, o| match o {
            OperandRef::Slot(s) if is_write(e, name) => {
                writes.push(out.len());
                written.push(s);
                out.push(0);
            }
            OperandRef::Slot(s) => out.push(named.token(s)),
            OperandRef::Arr(a) => out.push(named.token(Slot(a.0))),
            OperandRef::Off(o) => out.push(u64::from(o.0).wrapping_sub(start as u64)),
            OperandRef::Imm(i) => out.push(i.0),
            OperandRef::Cond(c) => out.extend(cond_tokens(&named, c, &|named: &Named, s| named.token(s))),
            other => {
                let mut bytes = Vec::new();
                match other {
                    OperandRef::Amt(x) => x.put(&mut bytes),
                    OperandRef::Half(x) => x.put(&mut bytes),
                    OperandRef::Wid(x) => x.put(&mut bytes),
                    OperandRef::Word(x) => x.put(&mut bytes),
                    OperandRef::Pre(x) => x.put(&mut bytes),
                    _ => bytes.push(0xff),
                }
                out.extend(bytes.into_iter().map(u64::from));
            }
        });
        for (at, s) in writes.into_iter().zip(written) {
            let next = named.0.len() as u64;
            let k = *named.0.entry(s).or_insert(next);
            out[at] = Named::TEMP + k;
        }
    }
    (out, named)
}

/// A condition's form and constant, then its slots as [`test_form`] names them.
fn cond_tokens<M>(named: &M, c: crate::ops::Cond, token: &impl Fn(&M, Slot) -> u64) -> Vec<u64> {
    use crate::ops::{Off, Operand, Remap};
    struct Zero;
    impl Remap for Zero {
        fn slot(&mut self, _: Slot) -> Slot {
            Slot(0)
        }
        fn off(&mut self, o: Off) -> Off {
            o
        }
    }
    let mut shape = c;
    shape.remap(&mut Zero);
    let mut bytes = Vec::new();
    shape.put(&mut bytes);
    let mut out: Vec<u64> = bytes.into_iter().map(u64::from).collect();
    out.extend(c.slots().into_iter().flatten().map(|s| token(named, s)));
    out
}

#[cfg(test)]
mod tests {
    use super::MAX_SLOTS;
    use crate::ops::OPCODES;

    /// [`super::Slots`] holds every slot an instruction names: a `Slot` operand one, an
    /// `Arr` two (address and length), a `Cond` up to two.
    #[test]
    fn every_opcode_names_at_most_max_slots() {
        for info in OPCODES {
            let n: usize = info
                .operands
                .iter()
                .map(|(_, ty)| match *ty {
                    "Slot" => 1,
                    "Arr" | "Cond" => 2,
                    _ => 0,
                })
                .sum();
            assert!(n <= MAX_SLOTS, "{} names {n} slots", info.mnemonic);
        }
    }
}
