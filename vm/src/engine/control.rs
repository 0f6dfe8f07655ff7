//! Handlers of control instructions: each returns the next position in its stream, or the
//! fault of a failed assertion. The names are the forward ones; in a backward stream the same
//! instruction checks the other condition of its construct, and the driver renames the fault
//! ([`super::Fault::mirror`]).
//!
//! # Safety
//! Every handler takes the frame pointer of a verified gene whose frame is allocated (see
//! [`super::pure::rd`]) and positions the verifier checked (partners inside the code, of the
//! right kind).

use super::Fault;
use super::pure::{cond, rd, wr};
use crate::ops::{Cond, Off, Op, Slot};

type Next = Result<usize, Fault>;

/// `if`: the then-branch when `c` holds, else past the `else` marker.
#[inline(always)]
pub(super) unsafe fn if_top(fp: *mut u64, c: Cond, else_at: Off, pc: usize) -> Next {
    // SAFETY: verified condition slots (module contract).
    Ok(if unsafe { cond(fp, c) } { pc + 1 } else { else_at.0 as usize + 1 })
}

/// End of the then-branch: the fi assertion must hold; continue past `fi.else`.
#[inline(always)]
pub(super) unsafe fn fi_then(fp: *mut u64, c: Cond, fi_else: Off) -> Next {
    // SAFETY: as above.
    if unsafe { cond(fp, c) } { Ok(fi_else.0 as usize + 1) } else { Err(Fault::FiThen) }
}

/// End of the else-branch: the fi assertion must be false.
#[inline(always)]
pub(super) unsafe fn fi_else(fp: *mut u64, c: Cond, pc: usize) -> Next {
    // SAFETY: as above.
    if unsafe { cond(fp, c) } { Err(Fault::FiElse) } else { Ok(pc + 1) }
}

/// Loop entry: the entry assertion must hold.
#[inline(always)]
pub(super) unsafe fn from_top(fp: *mut u64, c: Cond, pc: usize) -> Next {
    // SAFETY: as above.
    if unsafe { cond(fp, c) } { Ok(pc + 1) } else { Err(Fault::FromEntry) }
}

/// Exit test: leave the loop (past `loop.exit`) when `c` holds.
#[inline(always)]
pub(super) unsafe fn until(fp: *mut u64, c: Cond, loop_exit: Off, pc: usize) -> Next {
    // SAFETY: as above.
    if unsafe { cond(fp, c) } {
        // Once per run of the loop. (Also keeps the choice a branch: computed branch-free,
        // the next instruction's address would wait for the condition's operands.)
        std::hint::cold_path();
        Ok(loop_exit.0 as usize + 1)
    } else {
        Ok(pc + 1)
    }
}

/// End of the loop block: the entry assertion must be false; around again.
#[inline(always)]
pub(super) unsafe fn loop_back(fp: *mut u64, c: Cond, from_top: Off) -> Next {
    // SAFETY: as above.
    if unsafe { cond(fp, c) } { Err(Fault::FromReentry) } else { Ok(from_top.0 as usize + 1) }
}

/// A loop marker that no walk reaches (`else`, `loop.exit`): go on.
#[inline(always)]
pub(super) fn marker(pc: usize) -> Next {
    Ok(pc + 1)
}

/// Steps a counter by `step` (1 or `u64::MAX` for −1).
#[inline(always)]
unsafe fn bump(fp: *mut u64, ctr: Slot, step: u64) {
    // SAFETY: verified slot (module contract).
    unsafe { wr(fp, ctr, rd(fp, ctr).wrapping_add(step)) }
}

/// Latch of a counted loop (`loop.inc`/`loop.dec`): step the counter; leave (past `loop.exit`)
/// when `c` holds, else the entry assertion of the `from.c` at `top` must be false and the
/// do-block runs again. `QUIET` (`loop.inc.q`/`loop.dec.q`, a simple counted loop,
/// [`crate::loops`]) leaves out that assertion, which cannot hold again.
#[inline(always)]
pub(super) unsafe fn loop_step<const QUIET: bool>(
    code: &[Op],
    fp: *mut u64,
    ctr: Slot,
    step: u64,
    c: Cond,
    top: Off,
    pc: usize,
) -> Next {
    // SAFETY: verified slots and partners (module contract).
    unsafe {
        bump(fp, ctr, step);
        if cond(fp, c) {
            return Ok(pc + 2);
        }
        if QUIET {
            return Ok(top.0 as usize + 1);
        }
        match code.get_unchecked(top.0 as usize) {
            Op::FromC { cond: a, .. } if cond(fp, *a) => Err(Fault::FromReentry),
            Op::FromC { .. } => Ok(top.0 as usize + 1),
            _ => Err(Fault::Internal("loop.inc without its from.c")),
        }
    }
}

/// `loop.test.dec.q`/`loop.test.inc.q`: [`loop_test`] of a loop whose head's condition cannot
/// hold again, its counter and step in the instruction: leave when `c` holds, else step the
/// counter and run the do-block again.
#[inline(always)]
pub(super) unsafe fn loop_test_quiet(
    fp: *mut u64,
    ctr: Slot,
    step: u64,
    c: Cond,
    head: Off,
    pc: usize,
) -> Next {
    // SAFETY: verified slots (module contract).
    unsafe {
        if cond(fp, c) {
            return Ok(pc + 2);
        }
        bump(fp, ctr, step);
    }
    Ok(head.0 as usize + 1)
}

/// Head of a step-first counted loop (`from.dec`/`from.inc`): `c` must hold; step the counter.
#[inline(always)]
pub(super) unsafe fn from_step(fp: *mut u64, ctr: Slot, step: u64, c: Cond, pc: usize) -> Next {
    // SAFETY: verified slots (module contract).
    unsafe {
        if !cond(fp, c) {
            return Err(Fault::FromEntry);
        }
        bump(fp, ctr, step);
    }
    Ok(pc + 1)
}

/// Latch of a step-first counted loop (`loop.test`): leave (past `loop.exit`) when `c` holds,
/// else the head's condition must be false, the head's step runs and the do-block runs again.
#[inline(always)]
pub(super) unsafe fn loop_test(code: &[Op], fp: *mut u64, c: Cond, head: Off, pc: usize) -> Next {
    // SAFETY: verified slots and partners (module contract).
    unsafe {
        if cond(fp, c) {
            return Ok(pc + 2);
        }
        let (ctr, a, step) = match *code.get_unchecked(head.0 as usize) {
            Op::FromDec { ctr, cond, .. } => (ctr, cond, u64::MAX),
            Op::FromInc { ctr, cond, .. } => (ctr, cond, 1),
            _ => return Err(Fault::Internal("loop.test without its head")),
        };
        if cond(fp, a) {
            return Err(Fault::FromReentry);
        }
        bump(fp, ctr, step);
    }
    Ok(head.0 as usize + 1)
}

/// `assert`: `c` must hold.
#[inline(always)]
pub(super) unsafe fn assert(fp: *mut u64, c: Cond) -> Result<(), Fault> {
    // SAFETY: verified condition slots (module contract).
    if unsafe { cond(fp, c) } { Ok(()) } else { Err(Fault::Assert) }
}
