//! Pure expression instructions and the frame-access helpers shared by both dispatch loops.
//!
//! Every slot access goes through [`rd`]/[`wr`] without a bounds check: the verifier proved
//! each slot operand is below the gene's slot count, and the driver allocated the frame with
//! at least that many words before running it.

use super::Fault;
use crate::ops::{Arr, Cond, Op, Slot};

/// Reads a slot.
///
/// # Safety
/// `fp` points at a live frame of at least `s + 1` words (verifier: slot < slots ≤ words).
#[inline(always)]
pub(super) unsafe fn rd(fp: *mut u64, s: Slot) -> u64 {
    // SAFETY: see the function's contract.
    unsafe { *fp.add(s.0 as usize) }
}

/// Writes a slot.
///
/// # Safety
/// As for [`rd`].
#[inline(always)]
pub(super) unsafe fn wr(fp: *mut u64, s: Slot, v: u64) {
    // SAFETY: see the function's contract.
    unsafe { *fp.add(s.0 as usize) = v }
}

/// Evaluates a fused condition.
///
/// # Safety
/// As for [`rd`], for the condition's slots.
#[inline(always)]
pub(super) unsafe fn cond(fp: *mut u64, c: Cond) -> bool {
    // SAFETY: the verifier checked every slot of every condition operand.
    unsafe {
        match c {
            Cond::Nz(a) => rd(fp, a) != 0,
            Cond::Eq(a, b) => rd(fp, a) == rd(fp, b),
            Cond::Ne(a, b) => rd(fp, a) != rd(fp, b),
            Cond::EqImm(a, k) => rd(fp, a) == k as u64,
            Cond::NeImm(a, k) => rd(fp, a) != k as u64,
        }
    }
}

/// The memory view a dispatch loop works on.
#[derive(Clone, Copy)]
pub(super) struct Mem {
    pub ptr: *mut u64,
    pub len: usize,
}

/// The address of `arr[idx]`: the index is checked against the array's length, and the
/// address against the memory (array references come from the driver or `local.arr`, but a
/// hand-written module could overwrite them, so this check stays).
///
/// # Safety
/// As for [`rd`], for `arr`'s two slots.
#[inline(always)]
pub(super) unsafe fn elem(fp: *mut u64, mem: Mem, arr: Arr, idx: u64) -> Result<*mut u64, Fault> {
    // SAFETY: the verifier checked arr.0 + 1 < slots.
    let (base, len) = unsafe { (rd(fp, Slot(arr.0)), rd(fp, Slot(arr.0 + 1))) };
    if idx >= len {
        return Err(Fault::Oob(idx, len));
    }
    let addr = base.wrapping_add(idx);
    if addr >= mem.len as u64 {
        return Err(Fault::BadRef);
    }
    // SAFETY: addr < mem.len, the length of the allocation `mem.ptr` points into.
    Ok(unsafe { mem.ptr.add(addr as usize) })
}

#[inline(always)]
fn shl(a: u64, b: u64) -> u64 {
    if b >= 64 { 0 } else { a << b }
}

#[inline(always)]
fn shru(a: u64, b: u64) -> u64 {
    if b >= 64 { 0 } else { a >> b }
}

#[inline(always)]
fn shrs(a: u64, b: u64) -> u64 {
    ((a as i64) >> b.min(63)) as u64
}

#[inline(always)]
fn ovf(r: Option<i64>) -> Result<u64, Fault> {
    match r {
        Some(v) => Ok(v as u64),
        None => Err(Fault::Overflow),
    }
}

/// Janus division: rounds toward negative infinity.
pub(crate) fn div_floor(a: u64, b: u64) -> Result<u64, Fault> {
    let (a, b) = (a as i64, b as i64);
    if b == 0 {
        return Err(Fault::DivZero);
    }
    let q = a.checked_div(b).ok_or(Fault::Overflow)?;
    let r = a.wrapping_rem(b);
    Ok((if r != 0 && ((r < 0) != (b < 0)) { q - 1 } else { q }) as u64)
}

/// Janus modulo: the remainder of floor division (it has the sign of the divisor).
pub(crate) fn mod_floor(a: u64, b: u64) -> Result<u64, Fault> {
    let (a, b) = (a as i64, b as i64);
    if b == 0 {
        return Err(Fault::DivZero);
    }
    let r = a.wrapping_rem(b);
    Ok((if r != 0 && ((r < 0) != (b < 0)) { r.wrapping_add(b) } else { r }) as u64)
}

/// Executes one pure instruction at `pc`; returns the next pc.
///
/// # Safety
/// `op` comes from a verified gene whose frame `fp` points at (see [`rd`]).
#[inline(always)]
pub(super) unsafe fn step(
    op: &Op,
    pc: usize,
    fp: *mut u64,
    mem: Mem,
    stacks: &[Vec<u64>],
    live: usize,
) -> Result<usize, Fault> {
    macro_rules! r {
        ($s:expr) => {{
            // SAFETY: verified slot operand (function contract).
            #[allow(unused_unsafe)]
            let v = unsafe { rd(fp, $s) };
            v
        }};
    }
    macro_rules! set {
        ($d:expr, $v:expr) => {{
            let v = $v;
            // SAFETY: verified slot operand (function contract).
            unsafe { wr(fp, $d, v) }
        }};
    }
    let stack = |s: Slot| -> Result<&Vec<u64>, Fault> {
        let id = r!(s) as usize;
        if id < live { stacks.get(id).ok_or(Fault::BadRef) } else { Err(Fault::BadRef) }
    };
    match *op {
        Op::Const { dst, imm, .. } => set!(dst, imm.0),
        Op::Add { dst, a, b, .. } => set!(dst, r!(a).wrapping_add(r!(b))),
        Op::Sub { dst, a, b, .. } => set!(dst, r!(a).wrapping_sub(r!(b))),
        Op::Mul { dst, a, b, .. } => set!(dst, r!(a).wrapping_mul(r!(b))),
        Op::DivU { dst, a, b, .. } => {
            let d = r!(b);
            if d == 0 {
                return Err(Fault::DivZero);
            }
            set!(dst, r!(a) / d)
        }
        Op::DivS { dst, a, b, .. } => {
            let d = r!(b) as i64;
            if d == 0 {
                return Err(Fault::DivZero);
            }
            set!(dst, (r!(a) as i64).wrapping_div(d) as u64)
        }
        Op::RemU { dst, a, b, .. } => {
            let d = r!(b);
            if d == 0 {
                return Err(Fault::DivZero);
            }
            set!(dst, r!(a) % d)
        }
        Op::RemS { dst, a, b, .. } => {
            let d = r!(b) as i64;
            if d == 0 {
                return Err(Fault::DivZero);
            }
            set!(dst, (r!(a) as i64).wrapping_rem(d) as u64)
        }
        Op::Shl { dst, a, b, .. } => set!(dst, shl(r!(a), r!(b))),
        Op::ShrU { dst, a, b, .. } => set!(dst, shru(r!(a), r!(b))),
        Op::ShrS { dst, a, b, .. } => set!(dst, shrs(r!(a), r!(b))),
        Op::And { dst, a, b, .. } => set!(dst, r!(a) & r!(b)),
        Op::Or { dst, a, b, .. } => set!(dst, r!(a) | r!(b)),
        Op::Xor { dst, a, b, .. } => set!(dst, r!(a) ^ r!(b)),
        Op::Eq { dst, a, b, .. } => set!(dst, (r!(a) == r!(b)) as u64),
        Op::Ne { dst, a, b, .. } => set!(dst, (r!(a) != r!(b)) as u64),
        Op::LtU { dst, a, b, .. } => set!(dst, (r!(a) < r!(b)) as u64),
        Op::LtS { dst, a, b, .. } => set!(dst, ((r!(a) as i64) < (r!(b) as i64)) as u64),
        Op::LeU { dst, a, b, .. } => set!(dst, (r!(a) <= r!(b)) as u64),
        Op::LeS { dst, a, b, .. } => set!(dst, ((r!(a) as i64) <= (r!(b) as i64)) as u64),
        Op::AddO { dst, a, b, .. } => set!(dst, ovf((r!(a) as i64).checked_add(r!(b) as i64))?),
        Op::SubO { dst, a, b, .. } => set!(dst, ovf((r!(a) as i64).checked_sub(r!(b) as i64))?),
        Op::MulO { dst, a, b, .. } => set!(dst, ovf((r!(a) as i64).checked_mul(r!(b) as i64))?),
        Op::DivF { dst, a, b, .. } => set!(dst, div_floor(r!(a), r!(b))?),
        Op::ModF { dst, a, b, .. } => set!(dst, mod_floor(r!(a), r!(b))?),
        Op::AddK { dst, a, imm, .. } => set!(dst, r!(a).wrapping_add(imm.0)),
        Op::NegV { dst, a, .. } => set!(dst, r!(a).wrapping_neg()),
        Op::NegO { dst, a, .. } => set!(dst, ovf((r!(a) as i64).checked_neg())?),
        Op::BitNot { dst, a, .. } => set!(dst, !r!(a)),
        Op::LNot { dst, a, .. } => set!(dst, (r!(a) == 0) as u64),
        Op::Bool { dst, a, .. } => set!(dst, (r!(a) != 0) as u64),
        Op::Load { dst, arr, idx, .. } => {
            let i = r!(idx);
            // SAFETY: verified array operand.
            let p = unsafe { elem(fp, mem, arr, i)? };
            // SAFETY: `elem` returned an address inside the memory.
            set!(dst, unsafe { *p })
        }
        Op::Top { dst, stack: s, .. } => set!(dst, *stack(s)?.last().ok_or(Fault::EmptyStack)?),
        Op::Empty { dst, stack: s, .. } => set!(dst, stack(s)?.is_empty() as u64),
        Op::Size { dst, stack: s, .. } => set!(dst, stack(s)?.len() as u64),
        Op::Jz { a, to, .. } => {
            if r!(a) == 0 {
                return Ok(to.0 as usize);
            }
        }
        Op::Jnz { a, to, .. } => {
            if r!(a) != 0 {
                return Ok(to.0 as usize);
            }
        }
        Op::NoAlias { a, b, .. } => {
            let i = r!(a);
            if i == r!(b) {
                return Err(Fault::Alias(i));
            }
        }
        _ => return Err(Fault::Internal("not an expression instruction")),
    }
    Ok(pc + 1)
}
