//! The pure (expression) instructions: one `translate_*` per opcode of class `Pure` that is
//! more than one Cranelift instruction; [`Tr::translate_pure`] dispatches to them. Pure code
//! writes only its own temporaries, so it is the same in both directions.

use super::{I32, I64, Tr, known};
use crate::runtime::{self, FaultCode};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{DataFlowGraph, InstBuilder, InstructionData, Opcode, Value, ValueDef};
use cranelift_frontend::FunctionBuilder;
use rdx_vm::ops::{Arr, Slot, Wid};

/// The three shifts, with the interpreter's rules for amounts ≥ 64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shift {
    /// `shl`: 0 when the amount is ≥ 64.
    Left,
    /// `shru`: 0 when the amount is ≥ 64.
    RightU,
    /// `shrs`: sign fill when the amount is ≥ 64.
    RightS,
}

/// Wrapping 64-bit multiplication. When one factor is known to be 0 or 1 (`x & 1`, a
/// comparison, `x >> 63`, the constants 0 and 1, or an `&` with such a value), the product is
/// the other factor where that bit is set and 0 where it is not: a `select`, which x86 emits as
/// a `test` of the bit and a `cmov` (crc32's `crc ^= b * POLY` with `b = crc & 1`: test, cmov,
/// xor in the dependency chain, where `-b & k` took and, neg, and, xor; crc32 forward about 5%
/// faster, saved suite binaries alternated).
pub(super) fn mul(b: &mut FunctionBuilder<'_>, x: Value, y: Value) -> Value {
    let (bit, other) = if is_bit(&b.func.dfg, x, 4) {
        (x, y)
    } else if is_bit(&b.func.dfg, y, 4) {
        (y, x)
    } else {
        return b.ins().imul(x, y);
    };
    let zero = b.ins().iconst(I64, 0);
    let c = b.ins().icmp_imm_s(IntCC::NotEqual, bit, 0);
    b.ins().select(c, other, zero)
}

/// Whether `v` is certainly 0 or 1, from the instruction that defines it (looking through at
/// most `depth` nested `&`s).
fn is_bit(dfg: &DataFlowGraph, v: Value, depth: u32) -> bool {
    let ValueDef::Result(inst, 0) = dfg.value_def(v) else {
        return false;
    };
    match dfg.insts[inst] {
        InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } => matches!(imm.bits(), 0 | 1),
        InstructionData::Binary { opcode: Opcode::Ushr, args: [_, n] } => is_const(dfg, n, 63),
        InstructionData::Unary { opcode: Opcode::Uextend, arg } => {
            matches!(dfg.value_def(arg), ValueDef::Result(i, 0) if matches!(dfg.insts[i].opcode(), Opcode::Icmp))
        }
        InstructionData::Binary { opcode: Opcode::Band, args } => {
            depth > 0 && args.iter().any(|&a| is_bit(dfg, a, depth - 1))
        }
        _ => false,
    }
}

/// `y` when `x` is `y - (y & m)`: the bits `m` taken off `y` (an `isub` of a `band` with the
/// constant `m`).
pub(super) fn bits_off(dfg: &DataFlowGraph, x: Value, m: u64) -> Option<Value> {
    let def = |v: Value| match dfg.value_def(dfg.resolve_aliases(v)) {
        ValueDef::Result(i, 0) => Some(dfg.insts[i]),
        _ => None,
    };
    let InstructionData::Binary { opcode: Opcode::Isub, args: [y, r] } = def(x)? else { return None };
    let same = |v: Value| dfg.resolve_aliases(v) == dfg.resolve_aliases(y);
    let k = m as i64;
    let masked = match def(r)? {
        InstructionData::Binary { opcode: Opcode::Band, args: [a, b] } => {
            (same(a) && is_const(dfg, b, k)) || (same(b) && is_const(dfg, a, k))
        }
        _ => false,
    };
    masked.then_some(y)
}

/// `y` when `x` is `y - y % k` (an `isub` of a `urem` by the constant `k`).
fn minus_rem(dfg: &DataFlowGraph, x: Value, k: u64) -> Option<Value> {
    let def = |v: Value| match dfg.value_def(dfg.resolve_aliases(v)) {
        ValueDef::Result(i, 0) => Some(dfg.insts[i]),
        _ => None,
    };
    let InstructionData::Binary { opcode: Opcode::Isub, args: [y, r] } = def(x)? else { return None };
    let InstructionData::Binary { opcode: Opcode::Urem, args: [z, kv] } = def(r)? else { return None };
    (dfg.resolve_aliases(z) == dfg.resolve_aliases(y) && is_const(dfg, kv, k as i64)).then_some(y)
}

fn is_const(dfg: &DataFlowGraph, v: Value, k: i64) -> bool {
    matches!(dfg.value_def(v), ValueDef::Result(i, 0)
        if matches!(dfg.insts[i], InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } if imm.bits() == k))
}

/// Janus's checked binary operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Checked {
    Add,
    Sub,
    Mul,
}

impl<'a, 'b, 'm> Tr<'a, 'b, 'm> {
    pub(super) fn translate_wrap(&mut self, dst: Slot, a: Slot, w: Wid) {
        let x = self.v(a);
        let r = self.wrap_w(x, w);
        self.set(dst, r);
    }

    pub(super) fn translate_const(&mut self, dst: Slot, imm: u64) {
        let v = self.k(imm);
        self.set(dst, v);
    }

    /// `divu` (`rem`: `remu`).
    pub(super) fn translate_divu(&mut self, dst: Slot, a: Slot, b: Slot, rem: bool) {
        let (x, d) = (self.v(a), self.v(b));
        self.div_zero_check(d);
        let r = if rem { self.b.ins().urem(x, d) } else { self.b.ins().udiv(x, d) };
        self.set(dst, r);
    }

    /// `divu.imm` (`rem`: `remu.imm`): the divisor a constant, not 0 (verified), so no check.
    /// `(y - y % k) / k` (the remainder taken off first, the reversible way to divide) is
    /// `y / k`, which shares its multiply with the remainder's.
    pub(super) fn translate_divu_imm(&mut self, dst: Slot, a: Slot, k: u64, rem: bool) {
        let x = self.v(a);
        let x = if rem { x } else { minus_rem(&self.b.func.dfg, x, k).unwrap_or(x) };
        let d = self.k(k.max(1));
        let r = if rem { self.b.ins().urem(x, d) } else { self.b.ins().udiv(x, d) };
        self.set(dst, r);
    }

    /// `divs` (`rem`: `rems`), truncating and wrapping.
    pub(super) fn translate_divs(&mut self, dst: Slot, a: Slot, b: Slot, rem: bool) {
        let (x, d) = (self.v(a), self.v(b));
        self.div_zero_check(d);
        let (sd, m1) = self.safe_divisor(d);
        let r = if rem {
            self.b.ins().srem(x, sd)
        } else {
            let q = self.b.ins().sdiv(x, sd);
            let nq = self.b.ins().ineg(x);
            self.b.ins().select(m1, nq, q)
        };
        self.set(dst, r);
    }

    /// `add3.chk`, `sub3.chk`, `mul3.chk`.
    pub(super) fn translate_checked(&mut self, dst: Slot, a: Slot, b: Slot, op: Checked) {
        let (x, y) = (self.v(a), self.v(b));
        self.checked_values(dst, x, y, op);
    }

    /// `add3.chk.imm`, `sub3.chk.imm`, `mul3.chk.imm`.
    pub(super) fn translate_checked_imm(&mut self, dst: Slot, a: Slot, imm: u64, op: Checked) {
        let x = self.v(a);
        // x ± imm with x in a known range below 2^63 whose result stays in 0 ..= 2^63 - 1
        // cannot overflow: no check (an index `a[i + 1]` in a Janus counted loop).
        let k = match op {
            Checked::Add => Some(imm as i64),
            Checked::Sub => (imm as i64).checked_neg(),
            Checked::Mul => None,
        };
        if let (Some(k), Some((_, hi))) = (k, self.range(a, x))
            && hi <= i64::MAX as u64
        {
            let r = self.b.ins().iadd_imm_s(x, k);
            if self.note_offset(a, x, k, r).is_some_and(|(_, hi)| hi <= i64::MAX as u64) {
                self.set(dst, r);
                return;
            }
            self.ranges.remove(&r);
        }
        if op == Checked::Mul {
            let y = self.k(imm);
            self.checked_values(dst, x, y, op);
        } else {
            let r = self.add_const_checked(x, imm, op == Checked::Sub);
            self.set(dst, r);
        }
    }

    /// `x + k` (`sub`: `x - k`) for a constant `k`, an error on signed overflow. The wrapped
    /// sum lies on the wrong side of `x` exactly when it overflowed (adding a positive `k`
    /// gives less than `x`, a negative one more), so the check is one comparison of the result
    /// with `x` and its branch, with no overflow flag copied to a register.
    pub(super) fn add_const_checked(&mut self, x: Value, k: u64, sub: bool) -> Value {
        let k = k as i64;
        let r = self.b.ins().iadd_imm_s(x, if sub { k.wrapping_neg() } else { k });
        if k != 0 {
            // Whether the exact result is above x.
            let up = (k > 0) != sub;
            let cc = if up { IntCC::SignedLessThan } else { IntCC::SignedGreaterThan };
            let o = self.b.ins().icmp(cc, r, x);
            self.fail_if0(o, FaultCode::Overflow);
        }
        r
    }

    fn checked_values(&mut self, dst: Slot, x: Value, y: Value, op: Checked) {
        let (r, o) = match op {
            Checked::Add => self.b.ins().sadd_overflow(x, y),
            Checked::Sub => self.b.ins().ssub_overflow(x, y),
            Checked::Mul => self.b.ins().smul_overflow(x, y),
        };
        self.fail_if0(o, FaultCode::Overflow);
        self.set(dst, r);
    }

    /// `divf` (`modf`: the remainder), rounding toward negative infinity.
    pub(super) fn translate_divf(&mut self, dst: Slot, a: Slot, b: Slot, modulo: bool) {
        let (x, d) = (self.v(a), self.v(b));
        self.div_zero_check(d);
        let (sd, m1) = self.safe_divisor(d);
        if !modulo {
            let min = self.b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
            let o = self.b.ins().band(min, m1);
            self.fail_if0(o, FaultCode::Overflow);
        }
        let q = self.b.ins().sdiv(x, sd);
        let q = {
            let nq = self.b.ins().ineg(x);
            self.b.ins().select(m1, nq, q)
        };
        let r = self.b.ins().srem(x, sd);
        // Adjust when the remainder is non-zero and its sign differs from the divisor's.
        let nz = self.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
        let sx = self.b.ins().bxor(r, d);
        let diff = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, sx, 0);
        let adj = self.b.ins().band(nz, diff);
        let res = if modulo {
            let r1 = self.b.ins().iadd(r, d);
            self.b.ins().select(adj, r1, r)
        } else {
            let q1 = self.b.ins().iadd_imm_s(q, -1);
            self.b.ins().select(adj, q1, q)
        };
        self.set(dst, res);
    }

    pub(super) fn translate_add3_imm(&mut self, dst: Slot, a: Slot, imm: u64) {
        let x = self.v(a);
        let r = self.b.ins().iadd_imm_s(x, imm as i64);
        self.note_offset(a, x, imm as i64, r);
        self.set(dst, r);
    }

    pub(super) fn translate_neg3(&mut self, dst: Slot, a: Slot) {
        let x = self.v(a);
        let r = self.b.ins().ineg(x);
        self.set(dst, r);
    }

    pub(super) fn translate_neg3_chk(&mut self, dst: Slot, a: Slot) {
        let x = self.v(a);
        let o = self.b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
        self.fail_if0(o, FaultCode::Overflow);
        let r = self.b.ins().ineg(x);
        self.set(dst, r);
    }

    pub(super) fn translate_bnot(&mut self, dst: Slot, a: Slot) {
        let x = self.v(a);
        let r = self.b.ins().bnot(x);
        self.set(dst, r);
    }

    /// `lnot` (cc Equal) and `bool` (cc NotEqual): a comparison with 0 as a word.
    pub(super) fn translate_is_zero(&mut self, dst: Slot, a: Slot, cc: IntCC) {
        let x = self.v(a);
        let c = self.b.ins().icmp_imm_s(cc, x, 0);
        let r = self.b.ins().uextend(I64, c);
        self.set(dst, r);
    }

    pub(super) fn translate_load(&mut self, dst: Slot, arr: Arr, idx: Slot) {
        let v = self.load_elem(arr, idx);
        self.set(dst, v);
    }

    /// `load.off`: dst = arr[idx + imm].
    pub(super) fn translate_load_off(&mut self, dst: Slot, arr: Arr, idx: Slot, imm: u64) {
        let v = self.load_elem_off(arr, idx, imm as i64);
        self.set(dst, v);
    }

    /// `load.imm`: dst = arr[imm], the index's range known.
    pub(super) fn translate_load_imm(&mut self, dst: Slot, arr: Arr, imm: u64) {
        let i = self.k(imm);
        let at = known::Index::Const(imm as i64);
        let p = self.elem_at(arr, i, Some((imm, imm)), at);
        let v = self.load_at(arr, at, p);
        self.set(dst, v);
    }

    /// `top` (what 0), `empty` (1), `size` (2): inline on a live stack (and, for `top`, a
    /// non-empty one); else the helper reports the fault.
    pub(super) fn translate_peek(&mut self, dst: Slot, stack: Slot, what: i64) {
        let ctx = self.ctx;
        let id = self.v(stack);
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        // (Defined before the branches, so that it dominates the slow path.)
        let w = self.b.ins().iconst(I32, what);
        let hdr = self.stack_hdr(stack, id, slow);
        let len = self.stack_field(stack, id, hdr, runtime::OFF_STACK_LEN);
        let v = match what {
            0 => {
                let fast = self.b.create_block();
                self.b.ins().brif(len, fast, &[], slow, &[]);
                self.go_on(fast);
                let buf = self.stack_field(stack, id, hdr, runtime::OFF_STACK_PTR);
                let last = self.b.ins().iadd_imm_s(len, -1);
                let off = self.b.ins().ishl_imm_u(last, 3);
                let at = self.b.ins().iadd(buf, off);
                self.load(at)
            }
            1 => {
                let e = self.b.ins().icmp_imm_s(IntCC::Equal, len, 0);
                self.b.ins().uextend(I64, e)
            }
            _ => len,
        };
        self.stack_fault_path(slow, runtime::rt_peek as *const () as usize, &[I64, I64, I32], &[ctx, id, w]);
        self.set(dst, v);
    }

    pub(super) fn translate_noalias(&mut self, a: Slot, b: Slot) {
        let (x, y) = (self.v(a), self.v(b));
        let eq = self.b.ins().icmp(IntCC::Equal, x, y);
        let z = self.k(0);
        self.fail_if(eq, FaultCode::Alias, x, z);
    }

    // ------------------------------------------------------------ shared by several

    pub(super) fn bin(
        &mut self,
        dst: Slot,
        a: Slot,
        b: Slot,
        f: impl FnOnce(&mut FunctionBuilder<'b>, Value, Value) -> Value,
    ) {
        let (x, y) = (self.v(a), self.v(b));
        let r = f(&mut self.b, x, y);
        self.set(dst, r);
    }

    /// A binary operation whose right operand is the immediate `k`.
    pub(super) fn bin_k(
        &mut self,
        dst: Slot,
        a: Slot,
        k: u64,
        f: impl FnOnce(&mut FunctionBuilder<'b>, Value, Value) -> Value,
    ) {
        let (x, y) = (self.v(a), self.k(k));
        let r = f(&mut self.b, x, y);
        self.set(dst, r);
    }

    pub(super) fn cmp_k(&mut self, dst: Slot, a: Slot, k: u64, cc: IntCC) {
        self.bin_k(dst, a, k, |bd, x, y| {
            let c = bd.ins().icmp(cc, x, y);
            bd.ins().uextend(I64, c)
        });
    }

    pub(super) fn cmp(&mut self, dst: Slot, a: Slot, b: Slot, cc: IntCC) {
        self.bin(dst, a, b, |bd, x, y| {
            let c = bd.ins().icmp(cc, x, y);
            bd.ins().uextend(I64, c)
        });
    }

    /// A divisor that is never 0 or -1 (those cases are handled around the division).
    pub(super) fn safe_divisor(&mut self, d: Value) -> (Value, Value) {
        let m1 = self.b.ins().icmp_imm_s(IntCC::Equal, d, -1);
        let one = self.k(1);
        (self.b.ins().select(m1, one, d), m1)
    }

    pub(super) fn div_zero_check(&mut self, d: Value) {
        let z = self.b.ins().icmp_imm_s(IntCC::Equal, d, 0);
        self.fail_if0(z, FaultCode::DivZero);
    }

    /// `x` reduced to the fixed width `w` (zero- or sign-extended).
    pub(super) fn wrap_w(&mut self, x: Value, w: rdx_vm::ops::Wid) -> Value {
        let t = self.b.ins().ireduce(narrow_type(w), x);
        self.extend_w(t, w)
    }

    /// A value of `w`'s narrow machine type as a word in canonical form (a `movzx`/`movsx`, or
    /// a 32-bit move).
    pub(super) fn extend_w(&mut self, t: Value, w: rdx_vm::ops::Wid) -> Value {
        if w.width().signed { self.b.ins().sextend(I64, t) } else { self.b.ins().uextend(I64, t) }
    }

    /// A shift by the immediate `k` (see [`Self::shift`]).
    pub(super) fn shift_k(&mut self, dst: Slot, a: Slot, k: u64, kind: Shift) {
        let (x, y) = (self.v(a), self.k(k.min(64)));
        if k >= 64 {
            return self.shift_values(dst, x, y, kind);
        }
        // An amount below 64: the machine shift alone (no range test for later passes to fold,
        // and `p >> 6` is the same index wherever it is computed, see `known`).
        let r = self.machine_shift(x, y, kind);
        self.set(dst, r);
    }

    /// `x` shifted by `y`, an amount below 64.
    fn machine_shift(&mut self, x: Value, y: Value, kind: Shift) -> Value {
        match kind {
            Shift::Left => self.b.ins().ishl(x, y),
            Shift::RightU => self.b.ins().ushr(x, y),
            Shift::RightS => self.b.ins().sshr(x, y),
        }
    }

    /// A shift by the variable amount in `b`: by the machine shift alone when the amount's
    /// range is known to lie below 64 (`1 << (p & 63)`), else with the test for 64 and more.
    pub(super) fn shift(&mut self, dst: Slot, a: Slot, b: Slot, kind: Shift) {
        let x = self.v(a);
        self.shift_by(dst, x, b, kind);
    }

    /// The value `x` shifted by the variable amount in `b` (see [`Self::shift`]).
    pub(super) fn shift_by(&mut self, dst: Slot, x: Value, b: Slot, kind: Shift) {
        let y = self.v(b);
        if self.range(b, y).is_some_and(|(_, hi)| hi < 64) {
            let r = self.machine_shift(x, y, kind);
            return self.set(dst, r);
        }
        self.shift_values(dst, x, y, kind);
    }

    fn shift_values(&mut self, dst: Slot, x: Value, y: Value, kind: Shift) {
        let big = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, y, 64);
        let r = match kind {
            Shift::Left | Shift::RightU => {
                let s = if kind == Shift::Left { self.b.ins().ishl(x, y) } else { self.b.ins().ushr(x, y) };
                let z = self.k(0);
                self.b.ins().select(big, z, s)
            }
            Shift::RightS => {
                let c63 = self.k(63);
                let amt = self.b.ins().umin(y, c63);
                self.b.ins().sshr(x, amt)
            }
        };
        self.set(dst, r);
    }
}

/// The machine integer type of a fixed width (`i8`, `i16` or `i32`).
pub(super) fn narrow_type(w: Wid) -> cranelift_codegen::ir::Type {
    match w.width().bits {
        8 => cranelift_codegen::ir::types::I8,
        16 => cranelift_codegen::ir::types::I16,
        _ => I32,
    }
}
