//! Handlers of instructions that touch more than the frame's slots: ancillas (`local`,
//! `delocal`), stacks, the history tape of lossy writes, kernel calls and output.

use super::exec::Ctx;
use super::pure::{rd, wr};
use super::{Fault, Interpreter, TapeEntry, stack_room, tape_within};
use crate::module::{ANY_TAG, GeneDef, Module};
use crate::ops::{Args, Fmt, Slot, Wid};

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

impl Interpreter {
    pub(super) fn stack_id(&self, v: u64) -> Result<usize, Fault> {
        let id = v as usize;
        if id < self.live && id < self.stacks.len() { Ok(id) } else { Err(Fault::BadRef) }
    }

    #[inline(always)]
    pub(super) fn push_to(&mut self, fp: *mut u64, var: Slot, stack: Slot) -> Result<(), Fault> {
        let id = self.stack_id(r!(fp, stack))?;
        let v = r!(fp, var);
        let s = &mut self.stacks[id];
        let len = s.len();
        if len == s.capacity() {
            stack_room(s, self.limits.max_words)?;
        }
        // SAFETY: the buffer has room for a word at `len` (it was not full, or `stack_room`
        // made room); the word is written before the length covers it.
        unsafe {
            s.as_mut_ptr().add(len).write(v);
            s.set_len(len + 1);
        }
        w!(fp, var, 0);
        Ok(())
    }

    #[inline(always)]
    pub(super) fn pop_from(&mut self, fp: *mut u64, var: Slot, stack: Slot) -> Result<(), Fault> {
        let id = self.stack_id(r!(fp, stack))?;
        let cur = r!(fp, var);
        if cur != 0 {
            return Err(Fault::PopNonZero(cur));
        }
        let v = self.stacks[id].pop().ok_or(Fault::EmptyStack)?;
        w!(fp, var, v);
        Ok(())
    }

    /// `pop.w`: as [`Self::pop_from`], and the top must be a value of width `w` in canonical
    /// form (else the stack is left as it is).
    #[inline(always)]
    pub(super) fn pop_fixed(&mut self, fp: *mut u64, var: Slot, stack: Slot, w: Wid) -> Result<(), Fault> {
        let id = self.stack_id(r!(fp, stack))?;
        let cur = r!(fp, var);
        if cur != 0 {
            return Err(Fault::PopNonZero(cur));
        }
        let s = &mut self.stacks[id];
        let v = *s.last().ok_or(Fault::EmptyStack)?;
        if w.wrap(v) != v {
            return Err(Fault::PopRange { slot: var.0, w: w.0, value: v });
        }
        s.pop();
        w!(fp, var, v);
        Ok(())
    }

    /// Pops the history tape for the lossy statement tagged `tag`.
    #[cold]
    /// `now` is the location's current value: it must be what the write left there.
    pub(super) fn restore(&mut self, tag: u64, now: u64) -> Result<u64, Fault> {
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

    pub(super) fn open_stack(&mut self, fp: *mut u64, dst: Slot) {
        let id = self.new_stack();
        w!(fp, dst, id as u64);
    }

    pub(super) fn close_stack(&mut self, fp: *mut u64, dst: Slot) -> Result<(), Fault> {
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

    pub(super) fn open_array(c: &Ctx<'_>, arr: crate::ops::Arr, at: u32, len: u32, v: u64) {
        let start = c.base + at as usize;
        w!(c.fp, Slot(arr.0), start as u64);
        w!(c.fp, Slot(arr.0 + 1), len as u64);
        // SAFETY: the verifier checked at + len <= words, and the frame's words are allocated:
        // start + len <= base + words <= mem.len.
        unsafe { std::slice::from_raw_parts_mut(c.mem.ptr.add(start), len as usize) }.fill(v);
    }

    pub(super) fn close_array(
        c: &Ctx<'_>,
        arr: crate::ops::Arr,
        at: u32,
        len: u32,
        v: u64,
    ) -> Result<(), Fault> {
        let start = c.base + at as usize;
        // SAFETY: as in `open_array`.
        let words = unsafe { std::slice::from_raw_parts(c.mem.ptr.add(start), len as usize) };
        match super::first_unlike(words, v) {
            Some((k, x)) => Err(Fault::Delocal { slot: arr.0, expected: v, actual: x, elem: k as u32 }),
            None => Ok(()),
        }
    }

    /// Runs a kernel over the array `buf` in place through the embedder's [`super::KernelCall`].
    #[cold]
    #[inline(never)]
    pub(super) fn kernel(
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
    pub(super) fn print_fmt(
        &mut self,
        m: &Module,
        g: &GeneDef,
        fp: *mut u64,
        fmt: crate::ops::Str,
        args: Args,
    ) -> Result<(), Fault> {
        let text = m.strings.get(fmt.0 as usize).map_or("", |s| s.as_str());
        let vals: Vec<u64> =
            g.args[args.start as usize..][..args.len as usize].iter().map(|s| r!(fp, *s)).collect();
        self.out.printf(text, &vals);
        self.out.within(self.limits.max_words)
    }

    #[cold]
    pub(super) fn show(
        &mut self,
        m: &Module,
        c: &Ctx<'_>,
        var: Slot,
        name: crate::ops::Str,
        fmt: Fmt,
    ) -> Result<(), Fault> {
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
        self.out.show(name, fmt, &value, c.dir == crate::Direction::Backward);
        self.out.within(self.limits.max_words)
    }

    /// `print`: a string constant.
    pub(super) fn print(&mut self, m: &Module, text: crate::ops::Str) -> Result<(), Fault> {
        if let Some(s) = m.strings.get(text.0 as usize) {
            self.out.print(s);
        }
        self.out.within(self.limits.max_words)
    }

    /// The stack whose id is in slot `s`, for `top`, `empty` and `size`.
    #[inline(always)]
    pub(super) fn stack_at(&self, fp: *mut u64, s: Slot) -> Result<&Vec<u64>, Fault> {
        Ok(&self.stacks[self.stack_id(r!(fp, s))?])
    }

    /// `x := e` (lossy): the old value goes to the tape, tagged with the writing statement
    /// (`at`: its forward position).
    pub(super) fn assign(
        &mut self,
        m: &Module,
        c: &Ctx<'_>,
        at: usize,
        dst: Slot,
        src: Slot,
    ) -> Result<(), Fault> {
        let fp = c.fp;
        tape_within(self.tape.len(), self.limits.max_words)?;
        self.tape.push(TapeEntry { old: r!(fp, dst), tag: m.tape_tag(c.gi, at), new: r!(fp, src) });
        self.lossy_words += 1;
        w!(fp, dst, r!(fp, src));
        Ok(())
    }

    /// Undoes `x := e` written by the statement at forward position `at`: `x` must hold what
    /// the write left, and gets back what it overwrote.
    pub(super) fn unassign(&mut self, m: &Module, c: &Ctx<'_>, at: usize, dst: Slot) -> Result<(), Fault> {
        let v = self.restore(m.tape_tag(c.gi, at), r!(c.fp, dst))?;
        w!(c.fp, dst, v);
        Ok(())
    }
}

/// `delocal`: the ancilla must hold the expected value.
#[inline(always)]
pub(super) fn delocal(slot: Slot, expected: u64, actual: u64) -> Result<(), Fault> {
    if expected == actual {
        Ok(())
    } else {
        Err(Fault::Delocal { slot: slot.0, expected, actual, elem: Fault::SCALAR })
    }
}
