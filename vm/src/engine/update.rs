//! Handlers of reversible updates: each computes a target's new value from its old value and
//! its operands. Backward streams use the same handlers through the mirror opcodes (`sub` for
//! `add`, `mul.imm` by the inverse computed at load, `xsl.inv` for `xsl`, …).

use super::Fault;
use super::pure::ovf;
use crate::ops::{Amt, un_xsl, un_xsr, xs_steps};

/// `x ^= x << c`.
#[inline(always)]
pub(super) fn xsl(x: u64, c: Amt) -> u64 {
    x ^ (x << c.0)
}

/// The inverse of [`xsl`] (at the width the amount carries: [`xs_steps`]).
#[inline(always)]
pub(super) fn unxsl(x: u64, c: Amt) -> u64 {
    let (c, bits) = xs_steps(c);
    un_xsl(x, c, bits)
}

/// `x ^= x >> c`.
#[inline(always)]
pub(super) fn xsr(x: u64, c: Amt) -> u64 {
    x ^ (x >> c.0)
}

/// The inverse of [`xsr`] (at the width the amount carries: [`xs_steps`]).
#[inline(always)]
pub(super) fn unxsr(x: u64, c: Amt) -> u64 {
    let (c, bits) = xs_steps(c);
    un_xsr(x, c, bits)
}

/// `(x <<< k) + s`.
#[inline(always)]
pub(super) fn rot_add(x: u64, s: u64, k: Amt) -> u64 {
    x.rotate_left(k.0 as u32).wrapping_add(s)
}

/// `(x <<< k) - s`.
#[inline(always)]
pub(super) fn rot_sub(x: u64, s: u64, k: Amt) -> u64 {
    x.rotate_left(k.0 as u32).wrapping_sub(s)
}

/// `(x <<< k) ^ s`.
#[inline(always)]
pub(super) fn rot_xor(x: u64, s: u64, k: Amt) -> u64 {
    x.rotate_left(k.0 as u32) ^ s
}

/// `(x + s) <<< k`.
#[inline(always)]
pub(super) fn add_rot(x: u64, s: u64, k: Amt) -> u64 {
    x.wrapping_add(s).rotate_left(k.0 as u32)
}

/// `(x - s) <<< k`.
#[inline(always)]
pub(super) fn sub_rot(x: u64, s: u64, k: Amt) -> u64 {
    x.wrapping_sub(s).rotate_left(k.0 as u32)
}

/// `(x ^ s) <<< k`.
#[inline(always)]
pub(super) fn xor_rot(x: u64, s: u64, k: Amt) -> u64 {
    (x ^ s).rotate_left(k.0 as u32)
}

/// `x <<< (s mod 64)`.
#[inline(always)]
pub(super) fn rotl(x: u64, s: u64) -> u64 {
    x.rotate_left((s % 64) as u32)
}

/// `x >>> (s mod 64)`.
#[inline(always)]
pub(super) fn rotr(x: u64, s: u64) -> u64 {
    x.rotate_right((s % 64) as u32)
}

/// Janus `x += s`: signed overflow is an error.
#[inline(always)]
pub(super) fn add_chk(x: u64, s: u64) -> Result<u64, Fault> {
    ovf((x as i64).checked_add(s as i64))
}

/// Janus `x -= s`: signed overflow is an error.
#[inline(always)]
pub(super) fn sub_chk(x: u64, s: u64) -> Result<u64, Fault> {
    ovf((x as i64).checked_sub(s as i64))
}

/// Janus `-x`: overflow is an error.
#[inline(always)]
pub(super) fn neg_chk(x: u64) -> Result<u64, Fault> {
    ovf((x as i64).checked_neg())
}
