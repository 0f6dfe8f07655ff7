//! Frame access and the handlers of pure expression instructions (value in, value out; a
//! fault where the language has one).
//!
//! Every slot access goes through [`rd`]/[`wr`] without a bounds check: the verifier proved
//! each slot operand is below the gene's slot count, and the driver allocated the frame with
//! at least that many words before running it.

use super::Fault;
use crate::ops::{Arr, Cond, Slot};

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
            Cond::LtU(a, b) => rd(fp, a) < rd(fp, b),
            Cond::LtS(a, b) => (rd(fp, a) as i64) < rd(fp, b) as i64,
            Cond::LeU(a, b) => rd(fp, a) <= rd(fp, b),
            Cond::LeS(a, b) => rd(fp, a) as i64 <= rd(fp, b) as i64,
            Cond::LtUImm(a, k) => rd(fp, a) < k as u64,
            Cond::LtSImm(a, k) => (rd(fp, a) as i64) < k as i64,
            Cond::LeUImm(a, k) => rd(fp, a) <= k as u64,
            Cond::LeSImm(a, k) => rd(fp, a) as i64 <= k as i64,
            Cond::GtUImm(a, k) => rd(fp, a) > k as u64,
            Cond::GtSImm(a, k) => rd(fp, a) as i64 > k as i64,
            Cond::GeUImm(a, k) => rd(fp, a) >= k as u64,
            Cond::GeSImm(a, k) => rd(fp, a) as i64 >= k as i64,
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
    let addr = base.wrapping_add(idx);
    if idx < len && addr < mem.len as u64 {
        // SAFETY: addr < mem.len, the length of the allocation `mem.ptr` points into.
        Ok(unsafe { mem.ptr.add(addr as usize) })
    } else {
        Err(elem_fault(idx, len))
    }
}

/// Why [`elem`] refused: out of bounds, else a reference outside the memory. Out of line, so
/// the dispatch loop's array arms carry no fault values on their hot path.
#[cold]
#[inline(never)]
fn elem_fault(idx: u64, len: u64) -> Fault {
    if idx >= len { Fault::Oob(idx, len) } else { Fault::BadRef }
}

#[inline(always)]
pub(super) fn shl(a: u64, b: u64) -> u64 {
    if b >= 64 { 0 } else { a << b }
}

#[inline(always)]
pub(super) fn shru(a: u64, b: u64) -> u64 {
    if b >= 64 { 0 } else { a >> b }
}

#[inline(always)]
pub(super) fn shrs(a: u64, b: u64) -> u64 {
    ((a as i64) >> b.min(63)) as u64
}

/// A checked (Janus) result: `None` is an overflow.
#[inline(always)]
pub(super) fn ovf(r: Option<i64>) -> Result<u64, Fault> {
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

/// Unsigned division; by zero is an error.
#[inline(always)]
pub(super) fn divu(a: u64, b: u64) -> Result<u64, Fault> {
    a.checked_div(b).ok_or(Fault::DivZero)
}

/// Signed truncating division (wrapping at `i64::MIN / -1`); by zero is an error.
#[inline(always)]
pub(super) fn divs(a: u64, b: u64) -> Result<u64, Fault> {
    if b == 0 {
        return Err(Fault::DivZero);
    }
    Ok((a as i64).wrapping_div(b as i64) as u64)
}

/// Unsigned remainder; by zero is an error.
#[inline(always)]
pub(super) fn remu(a: u64, b: u64) -> Result<u64, Fault> {
    a.checked_rem(b).ok_or(Fault::DivZero)
}

/// Signed truncating remainder; by zero is an error.
#[inline(always)]
pub(super) fn rems(a: u64, b: u64) -> Result<u64, Fault> {
    if b == 0 {
        return Err(Fault::DivZero);
    }
    Ok((a as i64).wrapping_rem(b as i64) as u64)
}

/// `a != b`, for a `noalias` check.
#[inline(always)]
pub(super) fn no_alias(a: u64, b: u64) -> Result<(), Fault> {
    if a == b { Err(Fault::Alias(a)) } else { Ok(()) }
}
