//! The two dispatch loops: forward (pc increasing, each instruction's own meaning) and backward
//! (pc decreasing, each instruction's mirror). Both run the top frame until it calls, returns
//! or faults.
//!
//! Backward, an instruction that consumes pure expression code first re-evaluates that code
//! (forward: expressions are pure) from `pre[pc]` to `pc`, applies its mirror, and continues
//! at `pre[pc] - 1`, skipping the expression code.

use super::pure::{Mem, cond, elem, rd, step, wr};
use super::{Fault, Flow, Interpreter, TapeEntry, Trap, trap};
use crate::Direction;
use crate::module::ANY_TAG;
use crate::module::{GeneDef, Module};
use crate::ops::{Args, Fmt, Op, Pre, Slot, un_xsl, un_xsr};

/// What a dispatch loop needs about its frame.
struct Ctx<'m> {
    g: &'m GeneDef,
    gi: usize,
    fp: *mut u64,
    mem: Mem,
    base: usize,
}

impl<'m> Ctx<'m> {
    fn new(it: &mut Interpreter, m: &'m Module) -> Result<(Ctx<'m>, usize), Trap> {
        let Some(fr) = it.frames.last().copied() else {
            return Err(trap(0, Fault::Internal("no frame")));
        };
        let g = &m.genes[fr.gene as usize];
        if fr.base + g.words as usize > it.mem.len() {
            return Err(trap(fr.pc, Fault::Internal("frame outside memory")));
        }
        let mem = Mem { ptr: it.mem.as_mut_ptr(), len: it.mem.len() };
        // SAFETY: base + words <= mem.len, checked just above.
        let fp = unsafe { mem.ptr.add(fr.base) };
        Ok((Ctx { g, gi: fr.gene as usize, fp, mem, base: fr.base }, fr.pc))
    }
}

macro_rules! r {
    ($fp:expr, $s:expr) => {{
        // SAFETY: verified slot operand; the frame is allocated (see `pure::rd`).
        #[allow(unused_unsafe)]
        let v = unsafe { rd($fp, $s) };
        v
    }};
}

macro_rules! w {
    ($fp:expr, $s:expr, $v:expr) => {{
        let v = $v;
        // SAFETY: verified slot operand; the frame is allocated (see `pure::wr`).
        #[allow(unused_unsafe)]
        unsafe {
            wr($fp, $s, v)
        }
    }};
}

/// `arr[idx]` as a raw pointer, or break out of the loop with the fault.
macro_rules! el {
    ($c:expr, $arr:expr, $idx:expr, $pc:expr) => {
        // SAFETY: verified array operand; `elem` checks index and address.
        match unsafe { elem($c.fp, $c.mem, $arr, r!($c.fp, $idx)) } {
            Ok(p) => p,
            Err(f) => break Err(trap($pc, f)),
        }
    };
}

/// `pc - n`: stepping back over expression code (kept out of line, see `back!`).
#[cold]
#[inline(never)]
fn skip_pre(pc: usize, n: usize) -> usize {
    pc - n
}

#[inline(always)]
fn chk(v: Option<i64>) -> Result<u64, Fault> {
    v.map(|x| x as u64).ok_or(Fault::Overflow)
}

impl Interpreter {
    fn stack_id(&self, v: u64) -> Result<usize, Fault> {
        let id = v as usize;
        if id < self.live && id < self.stacks.len() { Ok(id) } else { Err(Fault::BadRef) }
    }

    #[inline(always)]
    fn push_to(&mut self, fp: *mut u64, var: Slot, stack: Slot) -> Result<(), Fault> {
        let id = self.stack_id(r!(fp, stack))?;
        let v = r!(fp, var);
        self.stacks[id].push(v);
        w!(fp, var, 0);
        Ok(())
    }

    #[inline(always)]
    fn pop_from(&mut self, fp: *mut u64, var: Slot, stack: Slot) -> Result<(), Fault> {
        let id = self.stack_id(r!(fp, stack))?;
        let cur = r!(fp, var);
        if cur != 0 {
            return Err(Fault::PopNonZero(cur));
        }
        let v = self.stacks[id].pop().ok_or(Fault::EmptyStack)?;
        w!(fp, var, v);
        Ok(())
    }

    /// Pops the history tape for the lossy statement tagged `tag`.
    #[cold]
    /// `now` is the location's current value: it must be what the write left there.
    fn restore(&mut self, tag: u64, now: u64) -> Result<u64, Fault> {
        match self.tape.last() {
            None => Err(Fault::NoHistory),
            Some(e) if e.tag != tag && e.tag != ANY_TAG && tag != ANY_TAG => {
                Err(Fault::HistoryMismatch(e.tag))
            }
            Some(e) if e.new != now => Err(Fault::UndoMismatch { wrote: e.new, found: now }),
            Some(&TapeEntry { old, .. }) => {
                self.tape.pop();
                Ok(old)
            }
        }
    }

    fn open_stack(&mut self, fp: *mut u64, dst: Slot) {
        let id = self.new_stack();
        w!(fp, dst, id as u64);
    }

    fn close_stack(&mut self, fp: *mut u64, dst: Slot) -> Result<(), Fault> {
        let id = self.stack_id(r!(fp, dst))?;
        if id + 1 != self.live {
            return Err(Fault::BadRef);
        }
        let n = self.stacks[id].len();
        if n != 0 {
            return Err(Fault::StackNotEmpty(n));
        }
        self.live -= 1;
        Ok(())
    }

    fn open_array(c: &Ctx<'_>, arr: crate::ops::Arr, at: u32, len: u32, v: u64) {
        let start = c.base + at as usize;
        w!(c.fp, Slot(arr.0), start as u64);
        w!(c.fp, Slot(arr.0 + 1), len as u64);
        for k in 0..len as usize {
            // SAFETY: the verifier checked at + len <= words, and the frame's words are
            // allocated: start + k < base + words <= mem.len.
            unsafe { *c.mem.ptr.add(start + k) = v };
        }
    }

    fn close_array(c: &Ctx<'_>, arr: crate::ops::Arr, at: u32, len: u32, v: u64) -> Result<(), Fault> {
        let start = c.base + at as usize;
        for k in 0..len as usize {
            // SAFETY: as in `open_array`.
            let x = unsafe { *c.mem.ptr.add(start + k) };
            if x != v {
                return Err(Fault::Delocal { slot: arr.0, expected: v, actual: x });
            }
        }
        Ok(())
    }

    /// Runs a kernel over the array `buf` in place through the embedder's [`super::KernelCall`].
    #[cold]
    #[inline(never)]
    fn kernel(
        &mut self,
        m: &Module,
        c: &Ctx<'_>,
        name: crate::ops::Str,
        buf: crate::ops::Arr,
        elem: crate::ops::Word,
        inverse: bool,
    ) -> Result<(), Fault> {
        let name = m.strings.get(name.0 as usize).map_or("?", |s| s.as_str());
        let Some(elem) = crate::ops::kernel_elem(elem) else {
            return Err(Fault::Internal("unknown kernel element type"));
        };
        let start = r!(c.fp, Slot(buf.0)) as usize;
        let len = r!(c.fp, Slot(buf.0 + 1)) as usize;
        if start.checked_add(len).is_none_or(|e| e > c.mem.len) {
            return Err(Fault::BadRef);
        }
        // SAFETY: start + len <= mem.len (checked above); the slice is the only access to
        // these words while the kernel host runs (it cannot reach the interpreter).
        let words = unsafe { std::slice::from_raw_parts_mut(c.mem.ptr.add(start), len) };
        super::call_kernel(self.kernels.as_deref_mut(), name, inverse, elem, words).map_err(|e| {
            self.kernel_error = Some(e);
            Fault::Kernel
        })
    }

    #[cold]
    fn print_fmt(&mut self, m: &Module, g: &GeneDef, fp: *mut u64, fmt: crate::ops::Str, args: Args) {
        let text = m.strings.get(fmt.0 as usize).map_or("", |s| s.as_str());
        let vals: Vec<u64> =
            g.args[args.start as usize..][..args.len as usize].iter().map(|s| r!(fp, *s)).collect();
        self.out.printf(text, &vals);
    }

    #[cold]
    fn show(&mut self, m: &Module, c: &Ctx<'_>, var: Slot, name: crate::ops::Str, fmt: Fmt, backward: bool) {
        let name = m.strings.get(name.0 as usize).map_or("?", |s| s.as_str());
        let v = r!(c.fp, var);
        // The low three bits are the value's kind; Janus flags above them are `Output`'s.
        let value = match Fmt(fmt.0 & 7) {
            Fmt::U64 | Fmt::I64 => crate::Value::Int(v),
            Fmt::ARR_U64 | Fmt::ARR_I64 => {
                let len = r!(c.fp, Slot(var.0 + 1)) as usize;
                let start = v as usize;
                // SAFETY: a shared view of words inside the memory (checked bounds); no
                // writes happen while it lives.
                let s = if start.checked_add(len).is_some_and(|e| e <= c.mem.len) {
                    unsafe { std::slice::from_raw_parts(c.mem.ptr.add(start), len) }.to_vec()
                } else {
                    Vec::new()
                };
                crate::Value::Array(s)
            }
            _ => crate::Value::Stack(self.stack_id(v).map(|id| self.stacks[id].clone()).unwrap_or_default()),
        };
        self.out.show(name, fmt, &value, backward);
    }

    /// Evaluates the pure code `start..at` (the expression code of instruction `at`). Marked
    /// cold so the backward loop keeps its registers for the common case without expression
    /// code.
    #[cold]
    #[inline(never)]
    fn eval_range(&mut self, c: &Ctx<'_>, start: usize, at: usize) -> Result<(), Trap> {
        let code = &c.g.code;
        if start > at || at > code.len() {
            return Err(trap(at, Fault::Internal("bad expression range")));
        }
        let mut q = start;
        while q < at {
            // SAFETY: start <= q < at < code.len().
            let op = unsafe { code.get_unchecked(q) };
            // SAFETY: verified instruction of this frame's gene.
            q = match unsafe { step(op, q, c.fp, c.mem, &self.stacks, self.live) } {
                Ok(n) => n,
                Err(f) => return Err(trap(q, f)),
            };
        }
        self.count += (at - start) as u64;
        Ok(())
    }

    /// Runs the top frame forward.
    #[inline(never)]
    pub(super) fn exec_fwd(&mut self, m: &Module) -> Result<Flow, Trap> {
        let (c, mut pc) = Ctx::new(self, m)?;
        let code = &c.g.code[..];
        let fp = c.fp;
        let mut n: u64 = 0;
        // Instructions this call may still execute (checked where loops go around again).
        let budget = self.limits.max_steps.saturating_sub(self.count);
        macro_rules! fuel {
            () => {
                if n > budget {
                    break Err(trap(pc, Fault::StepLimit(self.limits.max_steps)));
                }
            };
        }
        let result = loop {
            n += 1;
            // SAFETY: the verifier guarantees every forward successor and jump target is
            // inside the code (the last instruction is `exit`, which returns).
            let op = unsafe { code.get_unchecked(pc) };
            match *op {
                Op::AddS { dst, src, .. } => w!(fp, dst, r!(fp, dst).wrapping_add(r!(fp, src))),
                Op::SubS { dst, src, .. } => w!(fp, dst, r!(fp, dst).wrapping_sub(r!(fp, src))),
                Op::XorS { dst, src, .. } => w!(fp, dst, r!(fp, dst) ^ r!(fp, src)),
                Op::AddI { dst, imm, .. } => w!(fp, dst, r!(fp, dst).wrapping_add(imm.0)),
                Op::SubI { dst, imm, .. } => w!(fp, dst, r!(fp, dst).wrapping_sub(imm.0)),
                Op::XorI { dst, imm, .. } => w!(fp, dst, r!(fp, dst) ^ imm.0),
                Op::RotlI { dst, amt, .. } => w!(fp, dst, r!(fp, dst).rotate_left(amt.0 as u32)),
                Op::RotrI { dst, amt, .. } => w!(fp, dst, r!(fp, dst).rotate_right(amt.0 as u32)),
                Op::RotAdd { dst, src, amt } => {
                    w!(fp, dst, r!(fp, dst).rotate_left(amt.0 as u32).wrapping_add(r!(fp, src)))
                }
                Op::RotSub { dst, src, amt } => {
                    w!(fp, dst, r!(fp, dst).rotate_left(amt.0 as u32).wrapping_sub(r!(fp, src)))
                }
                Op::RotXor { dst, src, amt } => {
                    w!(fp, dst, r!(fp, dst).rotate_left(amt.0 as u32) ^ r!(fp, src))
                }
                Op::AddRot { dst, src, amt } => {
                    w!(fp, dst, r!(fp, dst).wrapping_add(r!(fp, src)).rotate_left(amt.0 as u32))
                }
                Op::SubRot { dst, src, amt } => {
                    w!(fp, dst, r!(fp, dst).wrapping_sub(r!(fp, src)).rotate_left(amt.0 as u32))
                }
                Op::XorRot { dst, src, amt } => {
                    w!(fp, dst, (r!(fp, dst) ^ r!(fp, src)).rotate_left(amt.0 as u32))
                }
                Op::AddFromE { dst, arr, idx, .. } => {
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    w!(fp, dst, r!(fp, dst).wrapping_add(unsafe { *p }))
                }
                Op::SubFromE { dst, arr, idx, .. } => {
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    w!(fp, dst, r!(fp, dst).wrapping_sub(unsafe { *p }))
                }
                Op::XorFromE { dst, arr, idx, .. } => {
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    w!(fp, dst, r!(fp, dst) ^ unsafe { *p })
                }
                Op::Until { cond: k, loop_exit, .. } => {
                    // SAFETY: verified condition slots.
                    if unsafe { cond(fp, k) } {
                        pc = loop_exit.0 as usize + 1;
                        continue;
                    }
                }
                Op::LoopBack { cond: k, from_top, .. } => {
                    // SAFETY: verified condition slots.
                    if unsafe { cond(fp, k) } {
                        break Err(trap(pc, Fault::FromReentry));
                    }
                    fuel!();
                    pc = from_top.0 as usize + 1;
                    continue;
                }
                Op::LoopInc { ctr, cond: k, from_top, .. } | Op::LoopDec { ctr, cond: k, from_top, .. } => {
                    let step = if matches!(*op, Op::LoopInc { .. }) { 1 } else { u64::MAX };
                    w!(fp, ctr, r!(fp, ctr).wrapping_add(step));
                    // SAFETY: verified condition slots.
                    if unsafe { cond(fp, k) } {
                        // Leave the loop, past the `loop.exit` that follows.
                        pc += 2;
                        continue;
                    }
                    let top = from_top.0 as usize;
                    // SAFETY: the verifier checked that `from_top` is a `from.c` in the code.
                    let again = match unsafe { code.get_unchecked(top) } {
                        // SAFETY: verified condition slots.
                        Op::FromTopC { cond: a, .. } => unsafe { cond(fp, *a) },
                        _ => true,
                    };
                    if again {
                        break Err(trap(pc, Fault::FromReentry));
                    }
                    fuel!();
                    pc = top + 1;
                    continue;
                }
                Op::FromTopC { cond: k, .. } => {
                    // SAFETY: verified condition slots.
                    if !unsafe { cond(fp, k) } {
                        break Err(trap(pc, Fault::FromEntry));
                    }
                }
                Op::IfTop { cond: k, else_at, .. } => {
                    // SAFETY: verified condition slots.
                    if !unsafe { cond(fp, k) } {
                        pc = else_at.0 as usize + 1;
                        continue;
                    }
                }
                Op::FiThen { cond: k, fi_else, .. } => {
                    // SAFETY: verified condition slots.
                    if !unsafe { cond(fp, k) } {
                        break Err(trap(pc, Fault::FiThen));
                    }
                    pc = fi_else.0 as usize + 1;
                    continue;
                }
                Op::FiElse { cond: k, .. } => {
                    // SAFETY: verified condition slots.
                    if unsafe { cond(fp, k) } {
                        break Err(trap(pc, Fault::FiElse));
                    }
                }
                Op::FromTop { cond: k, .. } => {
                    // SAFETY: verified condition slots.
                    if !unsafe { cond(fp, k) } {
                        break Err(trap(pc, Fault::FromEntry));
                    }
                }
                Op::ElseMark { .. } | Op::LoopExit { .. } | Op::Enter {} => {}
                Op::Exit {} => break Ok(Flow::Return),
                Op::Call { gene, args, .. } | Op::Uncall { gene, args, .. } => {
                    let dir =
                        if matches!(op, Op::Call { .. }) { Direction::Forward } else { Direction::Backward };
                    if let Some(f) = self.frames.last_mut() {
                        f.pc = pc;
                    }
                    break Ok(Flow::Call { gene: gene.0, args, dir });
                }
                Op::Local { dst, src, .. } => w!(fp, dst, r!(fp, src)),
                Op::Delocal { dst, src, .. } => {
                    let (e, a) = (r!(fp, src), r!(fp, dst));
                    if e != a {
                        break Err(trap(pc, Fault::Delocal { slot: dst.0, expected: e, actual: a }));
                    }
                }
                Op::LocalImm { dst, imm, .. } => w!(fp, dst, imm.0),
                Op::DelocalImm { dst, imm, .. } => {
                    let a = r!(fp, dst);
                    if a != imm.0 {
                        break Err(trap(pc, Fault::Delocal { slot: dst.0, expected: imm.0, actual: a }));
                    }
                }
                Op::LocalArr { arr, at, len, src, .. } => Self::open_array(&c, arr, at.0, len.0, r!(fp, src)),
                Op::DelocalArr { arr, at, len, src, .. } => {
                    if let Err(f) = Self::close_array(&c, arr, at.0, len.0, r!(fp, src)) {
                        break Err(trap(pc, f));
                    }
                }
                Op::LocalStack { dst, .. } => self.open_stack(fp, dst),
                Op::DelocalStack { dst, .. } => {
                    if let Err(f) = self.close_stack(fp, dst) {
                        break Err(trap(pc, f));
                    }
                }
                Op::Push { var, stack, .. } => {
                    if let Err(f) = self.push_to(fp, var, stack) {
                        break Err(trap(pc, f));
                    }
                }
                Op::Pop { var, stack, .. } => {
                    if let Err(f) = self.pop_from(fp, var, stack) {
                        break Err(trap(pc, f));
                    }
                }
                Op::Assert { cond: k, .. } => {
                    // SAFETY: verified condition slots.
                    if !unsafe { cond(fp, k) } {
                        break Err(trap(pc, Fault::Assert));
                    }
                }
                Op::Assign { dst, src, .. } => {
                    self.tape.push(TapeEntry {
                        old: r!(fp, dst),
                        tag: m.tape_tag(c.gi, pc),
                        new: r!(fp, src),
                    });
                    self.lossy_words += 1;
                    w!(fp, dst, r!(fp, src));
                }
                Op::Unassign { dst, .. } => match self.restore(m.tape_tag(c.gi, pc), r!(fp, dst)) {
                    Ok(v) => w!(fp, dst, v),
                    Err(f) => break Err(trap(pc, f)),
                },
                Op::Fail { msg, .. } => break Err(trap(pc, Fault::User(msg.0))),
                Op::Kernel { name, buf, elem } | Op::KernelInv { name, buf, elem } => {
                    let inverse = matches!(op, Op::KernelInv { .. });
                    if let Err(f) = self.kernel(m, &c, name, buf, elem, inverse) {
                        break Err(trap(pc, f));
                    }
                }
                Op::PrintStr { text, .. } => {
                    if let Some(s) = m.strings.get(text.0 as usize) {
                        self.out.print(s);
                    }
                }
                Op::PrintFmt { fmt, args, .. } => self.print_fmt(m, c.g, fp, fmt, args),
                Op::Show { var, name, fmt, .. } => self.show(m, &c, var, name, fmt, false),
                Op::AddChk { dst, src, .. } => {
                    match chk((r!(fp, dst) as i64).checked_add(r!(fp, src) as i64)) {
                        Ok(v) => w!(fp, dst, v),
                        Err(f) => break Err(trap(pc, f)),
                    }
                }
                Op::SubChk { dst, src, .. } => {
                    match chk((r!(fp, dst) as i64).checked_sub(r!(fp, src) as i64)) {
                        Ok(v) => w!(fp, dst, v),
                        Err(f) => break Err(trap(pc, f)),
                    }
                }
                Op::MulI { dst, imm, .. } => w!(fp, dst, r!(fp, dst).wrapping_mul(imm.0)),
                Op::Xsl { dst, amt, .. } => {
                    let x = r!(fp, dst);
                    w!(fp, dst, x ^ (x << amt.0))
                }
                Op::UnXsl { dst, amt, .. } => w!(fp, dst, un_xsl(r!(fp, dst), amt.0 as u32)),
                Op::Xsr { dst, amt, .. } => {
                    let x = r!(fp, dst);
                    w!(fp, dst, x ^ (x >> amt.0))
                }
                Op::UnXsr { dst, amt, .. } => w!(fp, dst, un_xsr(r!(fp, dst), amt.0 as u32)),
                Op::RotlS { dst, src, .. } => w!(fp, dst, r!(fp, dst).rotate_left((r!(fp, src) % 64) as u32)),
                Op::RotrS { dst, src, .. } => {
                    w!(fp, dst, r!(fp, dst).rotate_right((r!(fp, src) % 64) as u32))
                }
                Op::Neg { dst, .. } => w!(fp, dst, r!(fp, dst).wrapping_neg()),
                Op::Not { dst, .. } => w!(fp, dst, !r!(fp, dst)),
                Op::NegChk { dst, .. } => match chk((r!(fp, dst) as i64).checked_neg()) {
                    Ok(v) => w!(fp, dst, v),
                    Err(f) => break Err(trap(pc, f)),
                },
                Op::Swap { a, b, .. } => {
                    let (x, y) = (r!(fp, a), r!(fp, b));
                    w!(fp, a, y);
                    w!(fp, b, x);
                }
                Op::AddE { arr, idx, src, .. } => {
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    unsafe { *p = (*p).wrapping_add(r!(fp, src)) }
                }
                Op::SubE { arr, idx, src, .. } => {
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    unsafe { *p = (*p).wrapping_sub(r!(fp, src)) }
                }
                Op::XorE { arr, idx, src, .. } => {
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    unsafe { *p ^= r!(fp, src) }
                }
                Op::AddEI { arr, idx, imm, .. } => {
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    unsafe { *p = (*p).wrapping_add(imm.0) }
                }
                Op::SubEI { arr, idx, imm, .. } => {
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    unsafe { *p = (*p).wrapping_sub(imm.0) }
                }
                Op::XorEI { arr, idx, imm, .. } => {
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    unsafe { *p ^= imm.0 }
                }
                Op::SwapE { dst, arr, idx, .. } => {
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    let x = unsafe { *p };
                    // SAFETY: as above.
                    unsafe { *p = r!(fp, dst) };
                    w!(fp, dst, x);
                }
                Op::SwapEE { arr, i, arr2, j, .. } => {
                    let p = el!(c, arr, i, pc);
                    let q = el!(c, arr2, j, pc);
                    // SAFETY: both addresses checked by `elem`; `ptr::swap` allows p == q.
                    unsafe { std::ptr::swap(p, q) }
                }
                _ => {
                    // SAFETY: verified instruction of this frame's gene.
                    match unsafe { step(op, pc, fp, c.mem, &self.stacks, self.live) } {
                        Ok(next) => {
                            pc = next;
                            continue;
                        }
                        Err(f) => break Err(trap(pc, f)),
                    }
                }
            }
            pc += 1;
        };
        self.count += n;
        if let (Err(t), Some(f)) = (&result, self.frames.last_mut()) {
            f.pc = t.pc;
        }
        result
    }

    /// Runs the top frame backward.
    #[inline(never)]
    pub(super) fn exec_bwd(&mut self, m: &Module) -> Result<Flow, Trap> {
        let (c, mut pc) = Ctx::new(self, m)?;
        let code = &c.g.code[..];
        let fp = c.fp;
        let mut n: u64 = 0;
        // Instructions this call may still execute (checked where loops go around again).
        let budget = self.limits.max_steps.saturating_sub(self.count);
        macro_rules! fuel {
            () => {
                if n > budget {
                    break Err(trap(pc, Fault::StepLimit(self.limits.max_steps)));
                }
            };
        }
        // Continue before the pure code of instruction `pc`.
        // Continue before instruction `pc` and its `pre` instructions of expression code (the
        // verifier checked pre < pc: index 0 is `enter`, which is not pure).
        // (A branch rather than arithmetic: the next instruction's address then does not wait
        // for this one's `pre` to load, which matters because expression code is rare.)
        macro_rules! back {
            ($pre:expr) => {{
                let n = $pre.0 as usize;
                if n != 0 {
                    pc = skip_pre(pc, n);
                }
                pc -= 1;
                continue;
            }};
        }
        // Evaluate the `pre` instructions of expression code before instruction `at`.
        macro_rules! eval {
            ($at:expr, $pre:expr) => {{
                let at: usize = $at;
                let n = $pre.0 as usize;
                if n != 0
                    && let Err(t) = self.eval_range(&c, at - n, at)
                {
                    break Err(t);
                }
            }};
        }
        let result = loop {
            n += 1;
            // SAFETY: the verifier guarantees every backward successor and jump target is
            // inside the code (index 0 is `enter`, which returns).
            let op = unsafe { code.get_unchecked(pc) };
            match *op {
                Op::AddS { dst, src, pre, .. } => {
                    eval!(pc, pre);
                    w!(fp, dst, r!(fp, dst).wrapping_sub(r!(fp, src)));
                    back!(pre)
                }
                Op::SubS { dst, src, pre, .. } => {
                    eval!(pc, pre);
                    w!(fp, dst, r!(fp, dst).wrapping_add(r!(fp, src)));
                    back!(pre)
                }
                Op::XorS { dst, src, pre, .. } => {
                    eval!(pc, pre);
                    w!(fp, dst, r!(fp, dst) ^ r!(fp, src));
                    back!(pre)
                }
                Op::AddI { dst, imm, .. } => w!(fp, dst, r!(fp, dst).wrapping_sub(imm.0)),
                Op::SubI { dst, imm, .. } => w!(fp, dst, r!(fp, dst).wrapping_add(imm.0)),
                Op::XorI { dst, imm, .. } => w!(fp, dst, r!(fp, dst) ^ imm.0),
                Op::RotlI { dst, amt, .. } => w!(fp, dst, r!(fp, dst).rotate_right(amt.0 as u32)),
                Op::RotrI { dst, amt, .. } => w!(fp, dst, r!(fp, dst).rotate_left(amt.0 as u32)),
                Op::RotAdd { dst, src, amt } => {
                    w!(fp, dst, r!(fp, dst).wrapping_sub(r!(fp, src)).rotate_right(amt.0 as u32))
                }
                Op::RotSub { dst, src, amt } => {
                    w!(fp, dst, r!(fp, dst).wrapping_add(r!(fp, src)).rotate_right(amt.0 as u32))
                }
                Op::RotXor { dst, src, amt } => {
                    w!(fp, dst, (r!(fp, dst) ^ r!(fp, src)).rotate_right(amt.0 as u32))
                }
                Op::AddRot { dst, src, amt } => {
                    w!(fp, dst, r!(fp, dst).rotate_right(amt.0 as u32).wrapping_sub(r!(fp, src)))
                }
                Op::SubRot { dst, src, amt } => {
                    w!(fp, dst, r!(fp, dst).rotate_right(amt.0 as u32).wrapping_add(r!(fp, src)))
                }
                Op::XorRot { dst, src, amt } => {
                    w!(fp, dst, r!(fp, dst).rotate_right(amt.0 as u32) ^ r!(fp, src))
                }
                // `x += a[i]` and the like without expression code (the common case) have arms
                // of their own, with no `pre` to evaluate or skip.
                Op::AddFromE { dst, arr, idx, pre: Pre(0), .. } => {
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    w!(fp, dst, r!(fp, dst).wrapping_sub(unsafe { *p }));
                }
                Op::SubFromE { dst, arr, idx, pre: Pre(0), .. } => {
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    w!(fp, dst, r!(fp, dst).wrapping_add(unsafe { *p }));
                }
                Op::XorFromE { dst, arr, idx, pre: Pre(0), .. } => {
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    w!(fp, dst, r!(fp, dst) ^ unsafe { *p });
                }
                Op::AddFromE { dst, arr, idx, pre, .. } => {
                    eval!(pc, pre);
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    w!(fp, dst, r!(fp, dst).wrapping_sub(unsafe { *p }));
                    back!(pre)
                }
                Op::SubFromE { dst, arr, idx, pre, .. } => {
                    eval!(pc, pre);
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    w!(fp, dst, r!(fp, dst).wrapping_add(unsafe { *p }));
                    back!(pre)
                }
                Op::XorFromE { dst, arr, idx, pre, .. } => {
                    eval!(pc, pre);
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    w!(fp, dst, r!(fp, dst) ^ unsafe { *p });
                    back!(pre)
                }
                Op::FromTop { cond: k, loop_back, pre, .. } => {
                    eval!(pc, pre);
                    // SAFETY: verified condition slots.
                    if unsafe { cond(fp, k) } {
                        back!(pre)
                    }
                    // Around again: continue at the end of the loop block.
                    let lb = loop_back.0 as usize;
                    let n = match code[lb] {
                        Op::LoopBack { pre, .. } => pre,
                        _ => Pre(0),
                    };
                    fuel!();
                    pc = lb;
                    back!(n)
                }
                Op::Until { cond: k, pre, .. } => {
                    eval!(pc, pre);
                    // SAFETY: verified condition slots.
                    if unsafe { cond(fp, k) } {
                        break Err(trap(pc, Fault::UntilReentry));
                    }
                    back!(pre)
                }
                Op::LoopExit { until, .. } => {
                    let u = until.0 as usize;
                    // The verifier checked that `until` names an `until` or a counted-loop step.
                    match code[u] {
                        Op::Until { cond: k, pre, .. } => {
                            eval!(u, pre);
                            // SAFETY: verified condition slots.
                            if !unsafe { cond(fp, k) } {
                                break Err(trap(pc, Fault::UntilExit));
                            }
                            pc = u;
                            back!(pre)
                        }
                        Op::LoopInc { ctr, cond: k, .. } | Op::LoopDec { ctr, cond: k, .. } => {
                            // SAFETY: verified condition slots.
                            if !unsafe { cond(fp, k) } {
                                break Err(trap(pc, Fault::UntilExit));
                            }
                            let step = if matches!(code[u], Op::LoopInc { .. }) { 1 } else { u64::MAX };
                            w!(fp, ctr, r!(fp, ctr).wrapping_sub(step));
                            pc = u - 1;
                            continue;
                        }
                        _ => break Err(trap(pc, Fault::Internal("loop.exit without its loop"))),
                    }
                }
                Op::LoopInc { ctr, cond: k, .. } | Op::LoopDec { ctr, cond: k, .. } => {
                    // SAFETY: verified condition slots.
                    if unsafe { cond(fp, k) } {
                        break Err(trap(pc, Fault::UntilReentry));
                    }
                    let step = if matches!(*op, Op::LoopInc { .. }) { 1 } else { u64::MAX };
                    w!(fp, ctr, r!(fp, ctr).wrapping_sub(step));
                }
                // SAFETY (guard): verified condition slots.
                Op::FromTopC { cond: k, loop_back, .. } if !unsafe { cond(fp, k) } => {
                    // Around again: the step's backward meaning, without dispatching it.
                    let lp = loop_back.0 as usize;
                    // SAFETY: the verifier checked that `loop_back` is a counted-loop step.
                    let (ctr, k, step) = match unsafe { code.get_unchecked(lp) } {
                        Op::LoopInc { ctr, cond, .. } => (*ctr, *cond, 1u64),
                        Op::LoopDec { ctr, cond, .. } => (*ctr, *cond, u64::MAX),
                        _ => break Err(trap(pc, Fault::Internal("from.c without its step"))),
                    };
                    // SAFETY: verified condition slots.
                    if unsafe { cond(fp, k) } {
                        break Err(trap(lp, Fault::UntilReentry));
                    }
                    w!(fp, ctr, r!(fp, ctr).wrapping_sub(step));
                    fuel!();
                    pc = lp - 1;
                    continue;
                }
                // The entry assertion holds: leave the loop.
                Op::FromTopC { .. } => {}
                Op::IfTop { cond: k, pre, .. } => {
                    eval!(pc, pre);
                    // SAFETY: verified condition slots.
                    if !unsafe { cond(fp, k) } {
                        break Err(trap(pc, Fault::IfThen));
                    }
                    back!(pre)
                }
                Op::ElseMark { if_top, .. } => {
                    let t = if_top.0 as usize;
                    let (k, n) = match code[t] {
                        Op::IfTop { cond, pre, .. } => (cond, pre),
                        _ => break Err(trap(pc, Fault::Internal("else without its if"))),
                    };
                    eval!(t, n);
                    // SAFETY: verified condition slots.
                    if unsafe { cond(fp, k) } {
                        break Err(trap(pc, Fault::IfElse));
                    }
                    pc = t;
                    back!(n)
                }
                Op::FiElse { cond: k, fi_then, pre, .. } => {
                    eval!(pc, pre);
                    // SAFETY: verified condition slots.
                    if unsafe { cond(fp, k) } {
                        // The then-branch was taken: continue at its end.
                        let ft = fi_then.0 as usize;
                        let n = match code[ft] {
                            Op::FiThen { pre, .. } => pre,
                            _ => Pre(0),
                        };
                        pc = ft;
                        back!(n)
                    }
                    back!(pre)
                }
                // Never reached walking backward in a verified module.
                Op::FiThen { pre, .. } | Op::LoopBack { pre, .. } => back!(pre),
                Op::Exit {} => back!(Pre(0)),
                Op::Enter {} => break Ok(Flow::Return),
                Op::Call { gene, args, .. } | Op::Uncall { gene, args, .. } => {
                    let dir =
                        if matches!(op, Op::Call { .. }) { Direction::Backward } else { Direction::Forward };
                    if let Some(f) = self.frames.last_mut() {
                        f.pc = pc;
                    }
                    break Ok(Flow::Call { gene: gene.0, args, dir });
                }
                Op::Local { dst, src, pre, .. } => {
                    eval!(pc, pre);
                    let (e, a) = (r!(fp, src), r!(fp, dst));
                    if e != a {
                        break Err(trap(pc, Fault::Delocal { slot: dst.0, expected: e, actual: a }));
                    }
                    back!(pre)
                }
                Op::Delocal { dst, src, pre, .. } => {
                    eval!(pc, pre);
                    w!(fp, dst, r!(fp, src));
                    back!(pre)
                }
                Op::LocalImm { dst, imm, .. } => {
                    let a = r!(fp, dst);
                    if a != imm.0 {
                        break Err(trap(pc, Fault::Delocal { slot: dst.0, expected: imm.0, actual: a }));
                    }
                }
                Op::DelocalImm { dst, imm, .. } => w!(fp, dst, imm.0),
                Op::LocalArr { arr, at, len, src, pre, .. } => {
                    eval!(pc, pre);
                    if let Err(f) = Self::close_array(&c, arr, at.0, len.0, r!(fp, src)) {
                        break Err(trap(pc, f));
                    }
                    back!(pre)
                }
                Op::DelocalArr { arr, at, len, src, pre, .. } => {
                    eval!(pc, pre);
                    Self::open_array(&c, arr, at.0, len.0, r!(fp, src));
                    back!(pre)
                }
                Op::LocalStack { dst, .. } => {
                    if let Err(f) = self.close_stack(fp, dst) {
                        break Err(trap(pc, f));
                    }
                }
                Op::DelocalStack { dst, .. } => self.open_stack(fp, dst),
                Op::Push { var, stack, pre, .. } => {
                    eval!(pc, pre);
                    if let Err(f) = self.pop_from(fp, var, stack) {
                        break Err(trap(pc, f));
                    }
                    back!(pre)
                }
                Op::Pop { var, stack, pre, .. } => {
                    eval!(pc, pre);
                    if let Err(f) = self.push_to(fp, var, stack) {
                        break Err(trap(pc, f));
                    }
                    back!(pre)
                }
                Op::Assert { cond: k, pre, .. } => {
                    eval!(pc, pre);
                    // SAFETY: verified condition slots.
                    if !unsafe { cond(fp, k) } {
                        break Err(trap(pc, Fault::Assert));
                    }
                    back!(pre)
                }
                // Backward over `x := e`: restore x, which must hold what the write left; e is
                // not needed (nor evaluated).
                Op::Assign { dst, pre, .. } => match self.restore(m.tape_tag(c.gi, pc), r!(fp, dst)) {
                    Ok(v) => {
                        w!(fp, dst, v);
                        back!(pre)
                    }
                    Err(f) => break Err(trap(pc, f)),
                },
                Op::Unassign { dst, src, pre, .. } => {
                    eval!(pc, pre);
                    self.tape.push(TapeEntry {
                        old: r!(fp, dst),
                        tag: m.tape_tag(c.gi, pc),
                        new: r!(fp, src),
                    });
                    self.lossy_words += 1;
                    w!(fp, dst, r!(fp, src));
                    back!(pre)
                }
                Op::Fail { msg, .. } => break Err(trap(pc, Fault::User(msg.0))),
                Op::Kernel { name, buf, elem } | Op::KernelInv { name, buf, elem } => {
                    // Backward, `kernel` runs the mirror and `kernel.inv` the kernel itself.
                    let inverse = matches!(op, Op::Kernel { .. });
                    if let Err(f) = self.kernel(m, &c, name, buf, elem, inverse) {
                        break Err(trap(pc, f));
                    }
                }
                Op::PrintStr { text, .. } => {
                    if let Some(s) = m.strings.get(text.0 as usize) {
                        self.out.print(s);
                    }
                }
                Op::PrintFmt { fmt, args, .. } => self.print_fmt(m, c.g, fp, fmt, args),
                Op::Show { var, name, fmt, .. } => self.show(m, &c, var, name, fmt, true),
                Op::AddChk { dst, src, pre, .. } => {
                    eval!(pc, pre);
                    match chk((r!(fp, dst) as i64).checked_sub(r!(fp, src) as i64)) {
                        Ok(v) => w!(fp, dst, v),
                        Err(f) => break Err(trap(pc, f)),
                    }
                    back!(pre)
                }
                Op::SubChk { dst, src, pre, .. } => {
                    eval!(pc, pre);
                    match chk((r!(fp, dst) as i64).checked_add(r!(fp, src) as i64)) {
                        Ok(v) => w!(fp, dst, v),
                        Err(f) => break Err(trap(pc, f)),
                    }
                    back!(pre)
                }
                Op::MulI { dst, imm, .. } => {
                    w!(fp, dst, r!(fp, dst).wrapping_mul(crate::ops::mul_inverse(imm.0)))
                }
                Op::Xsl { dst, amt, .. } => w!(fp, dst, un_xsl(r!(fp, dst), amt.0 as u32)),
                Op::UnXsl { dst, amt, .. } => {
                    let x = r!(fp, dst);
                    w!(fp, dst, x ^ (x << amt.0))
                }
                Op::Xsr { dst, amt, .. } => w!(fp, dst, un_xsr(r!(fp, dst), amt.0 as u32)),
                Op::UnXsr { dst, amt, .. } => {
                    let x = r!(fp, dst);
                    w!(fp, dst, x ^ (x >> amt.0))
                }
                Op::RotlS { dst, src, pre, .. } => {
                    eval!(pc, pre);
                    w!(fp, dst, r!(fp, dst).rotate_right((r!(fp, src) % 64) as u32));
                    back!(pre)
                }
                Op::RotrS { dst, src, pre, .. } => {
                    eval!(pc, pre);
                    w!(fp, dst, r!(fp, dst).rotate_left((r!(fp, src) % 64) as u32));
                    back!(pre)
                }
                Op::Neg { dst, .. } => w!(fp, dst, r!(fp, dst).wrapping_neg()),
                Op::Not { dst, .. } => w!(fp, dst, !r!(fp, dst)),
                Op::NegChk { dst, .. } => match chk((r!(fp, dst) as i64).checked_neg()) {
                    Ok(v) => w!(fp, dst, v),
                    Err(f) => break Err(trap(pc, f)),
                },
                Op::Swap { a, b, .. } => {
                    let (x, y) = (r!(fp, a), r!(fp, b));
                    w!(fp, a, y);
                    w!(fp, b, x);
                }
                Op::AddE { arr, idx, src, pre, .. } => {
                    eval!(pc, pre);
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    unsafe { *p = (*p).wrapping_sub(r!(fp, src)) };
                    back!(pre)
                }
                Op::SubE { arr, idx, src, pre, .. } => {
                    eval!(pc, pre);
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    unsafe { *p = (*p).wrapping_add(r!(fp, src)) };
                    back!(pre)
                }
                Op::XorE { arr, idx, src, pre, .. } => {
                    eval!(pc, pre);
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    unsafe { *p ^= r!(fp, src) };
                    back!(pre)
                }
                Op::AddEI { arr, idx, imm, pre, .. } => {
                    eval!(pc, pre);
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    unsafe { *p = (*p).wrapping_sub(imm.0) };
                    back!(pre)
                }
                Op::SubEI { arr, idx, imm, pre, .. } => {
                    eval!(pc, pre);
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    unsafe { *p = (*p).wrapping_add(imm.0) };
                    back!(pre)
                }
                Op::XorEI { arr, idx, imm, pre, .. } => {
                    eval!(pc, pre);
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    unsafe { *p ^= imm.0 };
                    back!(pre)
                }
                Op::SwapE { dst, arr, idx, pre, .. } => {
                    eval!(pc, pre);
                    let p = el!(c, arr, idx, pc);
                    // SAFETY: `elem` checked the address.
                    let x = unsafe { *p };
                    // SAFETY: as above.
                    unsafe { *p = r!(fp, dst) };
                    w!(fp, dst, x);
                    back!(pre)
                }
                Op::SwapEE { arr, i, arr2, j, pre, .. } => {
                    eval!(pc, pre);
                    let p = el!(c, arr, i, pc);
                    let q = el!(c, arr2, j, pc);
                    // SAFETY: both addresses checked by `elem`; `ptr::swap` allows p == q.
                    unsafe { std::ptr::swap(p, q) };
                    back!(pre)
                }
                // Pure code is never reached walking backward in a verified module (each run
                // is skipped by its consumer); stepping over it is harmless.
                _ => {}
            }
            pc -= 1;
        };
        self.count += n;
        if let (Err(t), Some(f)) = (&result, self.frames.last_mut()) {
            f.pc = t.pc;
        }
        result
    }
}
