//! The run-time context shared by compiled code and Rust, and the `extern "C"` helpers that
//! compiled code calls for everything off the hot path: stacks, the history tape, local array
//! fill/check, printing, kernels, and recording an error with its call stack.
//!
//! Compiled code reads and writes the first fields of [`Ctx`] directly (their byte offsets are
//! the `OFF_*` constants); the rest is touched only by the helpers. No helper panics: each one
//! reports a fault by storing it in the context and returning a non-zero status.

use rdx_vm::ops::Fmt;
use rdx_vm::{KernelCall, Module, Output};
use std::mem::offset_of;

pub use rdx_vm::FaultCode;

/// One level of the call stack recorded while an error unwinds through compiled frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceFrame {
    pub gene: u32,
    pub pc: u32,
    pub backward: bool,
}

/// The state of one run. `#[repr(C)]`: compiled code accesses the leading fields by offset.
#[repr(C)]
pub struct Ctx {
    /// The entry gene's call nesting (1). Compiled code passes each callee its depth in a
    /// register (the third argument of every gene function).
    pub depth: u64,
    /// Words of frame memory in use when the entry gene runs (the interpreter's accounting:
    /// array arguments plus the words of every active frame). Compiled code passes each callee
    /// the words in use including its frame in a register (the fourth argument).
    pub used: u64,
    /// The depth limit.
    pub max_depth: u64,
    /// The word limit.
    pub max_words: u64,
    /// The deepest nesting reached.
    pub max_seen: u64,
    /// Frame memory for local arrays: `max_words` words (null when no gene has local arrays).
    pub arena: *mut u64,
    /// Lowest native stack address a call may start below; 0 = no check.
    pub stack_floor: u64,
    /// Words written to the history tape.
    pub lossy: u64,
    /// A helper's result word.
    pub ret: u64,
    /// `stacks`' elements (moves when a stack is opened past the table's capacity): compiled
    /// code runs `push`, `pop`, `top`, `empty` and `size` inline on them.
    pub stack_tab: *mut RtStack,
    // ---- Rust only below ----
    pub fault: FaultCode,
    pub fault_a: u64,
    pub fault_b: u64,
    /// The slot named by a delocal or `pop.w` fault.
    pub fault_slot: u16,
    /// For an array's delocal fault, the first word that differs.
    pub fault_elem: Option<u32>,
    pub trace: Vec<TraceFrame>,
    pub stacks: Vec<RtStack>,
    pub live: usize,
    /// The history tape, entries as the interpreter keeps them.
    pub tape: Vec<TapeEntry>,
    pub output: Output,
    /// Runs `kernel` statements (moved in and out by the engine; None: a kernel statement is
    /// a run-time error, as in the interpreter).
    pub kernels: Option<Box<dyn KernelCall + Send>>,
    /// The failed kernel call.
    pub kernel_error: Option<rdx_vm::KernelCallError>,
    pub module: *const Module,
}

pub const OFF_MAX_DEPTH: i32 = offset_of!(Ctx, max_depth) as i32;
pub const OFF_MAX_WORDS: i32 = offset_of!(Ctx, max_words) as i32;
pub const OFF_MAX_SEEN: i32 = offset_of!(Ctx, max_seen) as i32;
pub const OFF_ARENA: i32 = offset_of!(Ctx, arena) as i32;
pub const OFF_STACK_FLOOR: i32 = offset_of!(Ctx, stack_floor) as i32;
pub const OFF_RET: i32 = offset_of!(Ctx, ret) as i32;
pub const OFF_STACK_TAB: i32 = offset_of!(Ctx, stack_tab) as i32;
pub const OFF_LIVE: i32 = offset_of!(Ctx, live) as i32;
pub const OFF_STACK_PTR: i32 = offset_of!(RtStack, ptr) as i32;
pub const OFF_STACK_LEN: i32 = offset_of!(RtStack, len) as i32;
pub const OFF_STACK_CAP: i32 = offset_of!(RtStack, cap) as i32;
/// Bytes per [`RtStack`].
pub const STACK_SIZE: i64 = std::mem::size_of::<RtStack>() as i64;

/// A stack's words as compiled code sees them: the buffer, its length and capacity of a
/// `Vec<u64>` taken apart. Compiled code pushes while `len < cap`, pops while `len > 0`, and
/// calls a helper for anything else (growing the buffer, or a fault), so the three fields
/// always describe a `Vec` this type owns.
#[repr(C)]
pub struct RtStack {
    ptr: *mut u64,
    len: u64,
    cap: u64,
}

impl RtStack {
    fn from_vec(v: Vec<u64>) -> RtStack {
        let mut v = std::mem::ManuallyDrop::new(v);
        RtStack { ptr: v.as_mut_ptr(), len: v.len() as u64, cap: v.capacity() as u64 }
    }

    /// The words as a `Vec` (this stack is left empty until [`RtStack::put`]).
    fn take(&mut self) -> Vec<u64> {
        let s = std::mem::ManuallyDrop::new(std::mem::replace(self, RtStack::from_vec(Vec::new())));
        // SAFETY: (ptr, len, cap) are a Vec's parts (`from_vec`); compiled code only moves
        // len within 0..=cap after writing the words below it; `s` is not dropped.
        unsafe { Vec::from_raw_parts(s.ptr, s.len as usize, s.cap as usize) }
    }

    fn put(&mut self, v: Vec<u64>) {
        *self = RtStack::from_vec(v);
    }

    /// Applies `f` to the words as a `Vec`.
    fn with<R>(&mut self, f: impl FnOnce(&mut Vec<u64>) -> R) -> R {
        let mut v = self.take();
        let r = f(&mut v);
        self.put(v);
        r
    }

    /// The words, bottom first.
    pub fn as_slice(&self) -> &[u64] {
        // SAFETY: the first len words of the buffer are initialised (see the type's doc); an
        // empty Vec's pointer is dangling but aligned and non-null, fine for length 0.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len as usize) }
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn pop(&mut self) -> Option<u64> {
        self.with(|s| s.pop())
    }

    pub fn clear(&mut self) {
        self.len = 0;
    }

    pub fn extend_from_slice(&mut self, w: &[u64]) {
        self.with(|s| s.extend_from_slice(w));
    }
}

impl Drop for RtStack {
    fn drop(&mut self) {
        drop(self.take());
    }
}

impl Ctx {
    /// A fresh context (the tape is moved in and out by the engine).
    pub fn new(module: &Module) -> Ctx {
        Ctx {
            depth: 1,
            used: 0,
            max_depth: 0,
            max_words: 0,
            max_seen: 1,
            arena: std::ptr::null_mut(),
            stack_floor: 0,
            lossy: 0,
            ret: 0,
            stack_tab: std::ptr::null_mut(),
            fault: FaultCode::Recorded,
            fault_a: 0,
            fault_b: 0,
            fault_slot: 0,
            fault_elem: None,
            trace: Vec::new(),
            stacks: Vec::new(),
            live: 0,
            tape: Vec::new(),
            output: Output::new(),
            kernels: None,
            kernel_error: None,
            module,
        }
    }

    /// Opens a stack (ids are handed out in LIFO order, as in the interpreter).
    pub fn new_stack(&mut self) -> usize {
        if self.live < self.stacks.len() {
            self.stacks[self.live].clear();
        } else {
            self.stacks.push(RtStack::from_vec(Vec::new()));
            self.stack_tab = self.stacks.as_mut_ptr();
        }
        self.live += 1;
        self.live - 1
    }

    fn stack_id(&mut self, v: u64) -> Option<usize> {
        let id = v as usize;
        if id < self.live && id < self.stacks.len() { Some(id) } else { None }
    }

    fn set_fault(&mut self, code: FaultCode, a: u64, b: u64) -> u32 {
        self.fault = code;
        self.fault_a = a;
        self.fault_b = b;
        1
    }

    /// 0 for Ok, else records the fault and gives 1 (a helper's status).
    fn status(&mut self, r: Result<(), rdx_vm::engine::Fault>) -> u32 {
        match r {
            Ok(()) => 0,
            Err(f) => {
                let (code, a, b) = f.code();
                self.set_fault(code, a, b)
            }
        }
    }
}

/// The context behind a pointer handed to compiled code.
///
/// # Safety
/// `ctx` is the live, exclusively used context of the current run (the engine passes it to
/// the entry function and nothing else touches it until the run ends).
unsafe fn cx<'a>(ctx: *mut Ctx) -> &'a mut Ctx {
    // SAFETY: see the function's contract.
    unsafe { &mut *ctx }
}

/// Records an error: the fault (unless `code` is [`FaultCode::Recorded`]) and one call-stack
/// level. Called on the way out of every compiled frame an error passes through.
pub extern "C" fn rt_error(ctx: *mut Ctx, code: u32, a: u64, b: u64, gene: u32, pc: u32, backward: u32) {
    // SAFETY: called by compiled code with its context.
    let c = unsafe { cx(ctx) };
    // Compiled code passes `FaultCode as u32`; an unknown number (never emitted) is reported
    // as an engine inconsistency rather than trusted.
    match FaultCode::from_u32(code) {
        Some(FaultCode::Recorded) => {}
        Some(code) => {
            c.set_fault(code, a, b);
        }
        None => {
            c.set_fault(FaultCode::Internal, 0, 0);
        }
    }
    c.trace.push(TraceFrame { gene, pc, backward: backward != 0 });
}

/// Records the slot of a delocal or `pop.w` fault (set just before [`rt_error`]).
pub extern "C" fn rt_fault_slot(ctx: *mut Ctx, slot: u32) {
    // SAFETY: called by compiled code with its context.
    let c = unsafe { cx(ctx) };
    c.fault_slot = slot as u16;
    c.fault_elem = None;
}

/// `push`: moves `v` onto stack `id` (compiled code calls it when the stack's buffer is
/// full), growing the buffer as the interpreter does ([`rdx_vm::engine::stack_room`]).
pub extern "C" fn rt_push(ctx: *mut Ctx, id: u64, v: u64) -> u32 {
    // SAFETY: called by compiled code with its context.
    let c = unsafe { cx(ctx) };
    let Some(i) = c.stack_id(id) else { return c.set_fault(FaultCode::BadRef, 0, 0) };
    let max_words = c.max_words as usize;
    let pushed = c.stacks[i].with(|s| {
        if s.len() == s.capacity() {
            rdx_vm::engine::stack_room(s, max_words)?;
        }
        s.push(v);
        Ok(())
    });
    c.status(pushed)
}

/// `pop`: `cur` must be 0; the top of stack `id` goes to `ret`.
pub extern "C" fn rt_pop(ctx: *mut Ctx, id: u64, cur: u64) -> u32 {
    // SAFETY: called by compiled code with its context.
    let c = unsafe { cx(ctx) };
    let Some(i) = c.stack_id(id) else { return c.set_fault(FaultCode::BadRef, 0, 0) };
    if cur != 0 {
        return c.set_fault(FaultCode::PopNonZero, cur, 0);
    }
    match c.stacks[i].pop() {
        Some(v) => {
            c.ret = v;
            0
        }
        None => c.set_fault(FaultCode::EmptyStack, 0, 0),
    }
}

/// `top`, `empty` (what = 1) or `size` (what = 2) of stack `id`, into `ret`.
pub extern "C" fn rt_peek(ctx: *mut Ctx, id: u64, what: u32) -> u32 {
    // SAFETY: called by compiled code with its context.
    let c = unsafe { cx(ctx) };
    let Some(i) = c.stack_id(id) else { return c.set_fault(FaultCode::BadRef, 0, 0) };
    let s = c.stacks[i].as_slice();
    c.ret = match what {
        0 => match s.last() {
            Some(&v) => v,
            None => return c.set_fault(FaultCode::EmptyStack, 0, 0),
        },
        1 => s.is_empty() as u64,
        _ => s.len() as u64,
    };
    0
}

/// `local.stack`: opens an empty stack, returns its id.
pub extern "C" fn rt_open_stack(ctx: *mut Ctx) -> u64 {
    // SAFETY: called by compiled code with its context.
    unsafe { cx(ctx) }.new_stack() as u64
}

/// `delocal.stack`: closes stack `id`, which must be the last opened and empty.
pub extern "C" fn rt_close_stack(ctx: *mut Ctx, id: u64) -> u32 {
    // SAFETY: called by compiled code with its context.
    let c = unsafe { cx(ctx) };
    let Some(i) = c.stack_id(id) else { return c.set_fault(FaultCode::BadRef, 0, 0) };
    if i + 1 != c.live {
        return c.set_fault(FaultCode::BadRef, 0, 0);
    }
    let n = c.stacks[i].len();
    if n != 0 {
        return c.set_fault(FaultCode::StackNotEmpty, n as u64, 0);
    }
    c.live -= 1;
    0
}

pub use rdx_vm::engine::TapeEntry;
pub use rdx_vm::module::ANY_TAG;

/// A lossy write of `new` over `old`: keeps `old` on the history tape, tagged with its
/// statement.
pub extern "C" fn rt_tape_push(ctx: *mut Ctx, old: u64, tag: u64, new: u64) -> u32 {
    // SAFETY: called by compiled code with its context.
    let c = unsafe { cx(ctx) };
    if let Err(f) = rdx_vm::engine::tape_within(c.tape.len(), c.max_words as usize) {
        return c.status(Err(f));
    }
    c.tape.push(TapeEntry { old, tag, new });
    c.lossy += 1;
    0
}

/// Undoes the lossy write of the statement tagged `tag` on a location holding `now`: the old
/// value goes to `ret`; an empty tape, a last entry written by another statement, or a
/// location that no longer holds what the write left is a fault (as in the interpreter).
pub extern "C" fn rt_tape_pop(ctx: *mut Ctx, tag: u64, now: u64) -> u32 {
    // SAFETY: called by compiled code with its context.
    let c = unsafe { cx(ctx) };
    match c.tape.last() {
        None => c.set_fault(FaultCode::NoHistory, 0, 0),
        Some(e) if e.tag != tag && e.tag != ANY_TAG && tag != ANY_TAG => {
            c.set_fault(FaultCode::HistoryMismatch, e.tag, 0)
        }
        Some(e) if e.new != now => c.set_fault(FaultCode::UndoMismatch, e.new, now),
        Some(&TapeEntry { old, .. }) => {
            c.tape.pop();
            c.ret = old;
            0
        }
    }
}

/// `local.arr`: every element of the frame storage at `p` (`len` words) becomes `v`.
///
/// # Safety
/// `p..p + len` lies in the frame memory of the calling gene (verifier: `at + len <= words`).
pub unsafe extern "C" fn rt_fill(p: *mut u64, len: u64, v: u64) {
    // SAFETY: see the function's contract.
    unsafe { std::slice::from_raw_parts_mut(p, len as usize) }.fill(v);
}

/// `delocal.arr`: every element must equal `v`; on the first that does not, records a delocal
/// fault for array slot `slot`.
///
/// # Safety
/// As for [`rt_fill`].
pub unsafe extern "C" fn rt_check(ctx: *mut Ctx, p: *const u64, len: u64, v: u64, slot: u32) -> u32 {
    // SAFETY: see the function's contract.
    let words = unsafe { std::slice::from_raw_parts(p, len as usize) };
    let Some((k, x)) = rdx_vm::engine::first_unlike(words, v) else { return 0 };
    // SAFETY: called by compiled code with its context.
    let c = unsafe { cx(ctx) };
    c.fault_slot = slot as u16;
    c.fault_elem = Some(k as u32);
    c.set_fault(FaultCode::Delocal, v, x)
}

fn module<'a>(c: &Ctx) -> &'a Module {
    // SAFETY: the engine keeps the module borrowed for the whole run.
    unsafe { &*c.module }
}

/// `print`: a string constant and a newline.
pub extern "C" fn rt_print(ctx: *mut Ctx, text: u32) -> u32 {
    // SAFETY: called by compiled code with its context.
    let c = unsafe { cx(ctx) };
    if let Some(s) = module(c).strings.get(text as usize) {
        c.output.print(s);
    }
    c.status(c.output.within(c.max_words as usize))
}

/// `printf`: a format string with `n` argument values at `vals`.
///
/// # Safety
/// `vals` points at `n` readable words (a stack slot of the calling function).
pub unsafe extern "C" fn rt_printf(ctx: *mut Ctx, fmt: u32, vals: *const u64, n: u64) -> u32 {
    // SAFETY: called by compiled code with its context.
    let c = unsafe { cx(ctx) };
    let m = module(c);
    let text = m.strings.get(fmt as usize).map_or("", |s| s.as_str());
    // SAFETY: see the function's contract.
    let vals = if n == 0 { &[][..] } else { unsafe { std::slice::from_raw_parts(vals, n as usize) } };
    c.output.printf(text, vals);
    c.status(c.output.within(c.max_words as usize))
}

/// `show`: `name = value` (or a piece of a Janus line, by the flags of `fmt`). For an array
/// format, `v` is the element pointer and `len` its length; for a stack format, `v` is the
/// stack id.
///
/// # Safety
/// For an array format, `v..v + len` words are readable (an array reference of the caller,
/// which the trust check guarantees is one).
pub unsafe extern "C" fn rt_show(ctx: *mut Ctx, name: u32, fmt: u32, v: u64, len: u64, backward: u32) -> u32 {
    use rdx_vm::Value;
    // SAFETY: called by compiled code with its context.
    let c = unsafe { cx(ctx) };
    let m = module(c);
    let name = m.strings.get(name as usize).map_or("?", |s| s.as_str());
    let fmt = Fmt(fmt as u8);
    let value = match Fmt(fmt.0 & 7) {
        Fmt::U64 | Fmt::I64 => Value::Int(v),
        Fmt::ARR_U64 | Fmt::ARR_I64 => {
            let s = if v == 0 || len == 0 {
                Vec::new()
            } else {
                // SAFETY: see the function's contract.
                unsafe { std::slice::from_raw_parts(v as *const u64, len as usize) }.to_vec()
            };
            Value::Array(s)
        }
        _ => Value::Stack(c.stack_id(v).map(|i| c.stacks[i].as_slice().to_vec()).unwrap_or_default()),
    };
    c.output.show(name, fmt, &value, backward != 0);
    c.status(c.output.within(c.max_words as usize))
}

/// `kernel`: runs kernel `name` (string index), or its mirror when `inverse` is set, in place
/// over the `len` words at `p` through the run's kernel host (the VM's one
/// [`rdx_vm::engine::call_kernel`]); `elem` is the instruction's element code.
///
/// # Safety
/// `p..p + len` are the words of an array of the caller (the trust check guarantees the
/// operand is one), and nothing else accesses them during the call.
pub unsafe extern "C" fn rt_kernel(
    ctx: *mut Ctx,
    name: u32,
    p: u64,
    len: u64,
    elem: u32,
    inverse: u32,
) -> u32 {
    // SAFETY: called by compiled code with its context.
    let c = unsafe { cx(ctx) };
    let m = module(c);
    let name = m.strings.get(name as usize).map_or("?", |s| s.as_str());
    let Some(elem) = rdx_vm::ops::kernel_elem(rdx_vm::ops::Word(elem)) else {
        return c.set_fault(FaultCode::BadRef, 0, 0);
    };
    let words: &mut [u64] = if p == 0 || len == 0 {
        &mut []
    } else {
        // SAFETY: see the function's contract.
        unsafe { std::slice::from_raw_parts_mut(p as *mut u64, len as usize) }
    };
    match rdx_vm::engine::call_kernel(c.kernels.as_deref_mut(), name, inverse != 0, elem, words) {
        Ok(()) => 0,
        Err(e) => {
            c.kernel_error = Some(e);
            c.set_fault(FaultCode::Kernel, 0, 0)
        }
    }
}
