//! The effect instructions: one `translate_*` per opcode of class `Effect`, with its forward
//! meaning (the backward function applies the mirror's). [`Tr::translate_effect`] dispatches
//! to them.

use super::{Deepest, I32, I64, Tr};
use crate::runtime::{self, FaultCode};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value};
use cranelift_frontend::FunctionBuilder;
use rdx_vm::ops::{Arr, Cond, Fmt, Slot, Str, Wid};

/// The most terms [`Tr::translate_xs_inv`] xors as a tree.
const XS_TERMS: usize = 8;

/// Local arrays of at most this many words are filled and checked by inline code (a store,
/// or a load and an xor, a word); longer ones by a loop in the runtime.
const INLINE_ARRAY: u32 = 32;

/// `terms` combined by `op` as a balanced tree, so that no chain runs through them (`None`
/// for no terms).
fn tree(
    b: &mut FunctionBuilder,
    mut terms: Vec<Value>,
    op: impl Fn(&mut FunctionBuilder, Value, Value) -> Value,
) -> Option<Value> {
    while terms.len() > 1 {
        terms = terms.chunks(2).map(|p| if let [x, y] = *p { op(b, x, y) } else { p[0] }).collect();
    }
    terms.first().copied()
}

impl<'a, 'b, 'm> Tr<'a, 'b, 'm> {
    pub(super) fn translate_local(&mut self, dst: Slot, src: Slot) {
        let v = self.v(src);
        self.set(dst, v);
    }

    pub(super) fn translate_delocal(&mut self, dst: Slot, src: Slot) {
        let (e, a) = (self.v(src), self.v(dst));
        self.delocal_check(dst.0, e, a);
    }

    pub(super) fn translate_local_imm(&mut self, dst: Slot, imm: u64) {
        let v = self.k(imm);
        self.set(dst, v);
    }

    pub(super) fn translate_delocal_imm(&mut self, dst: Slot, imm: u64) {
        let e = self.k(imm);
        let a = self.v(dst);
        self.delocal_check(dst.0, e, a);
    }

    pub(super) fn translate_local_arr(&mut self, arr: Arr, at: u32, len: u32, src: Slot) {
        let p = self.frame_word(at);
        let n = self.k(len as u64);
        let v = self.v(src);
        if len <= INLINE_ARRAY {
            let flags = MemFlagsData::trusted();
            for k in 0..len {
                self.b.ins().store(flags, v, p, 8 * k as i32);
            }
            // (The slot may have held an array before: what was known of its words goes.)
            self.known.forget_words();
        } else {
            self.call_rt(runtime::rt_fill as *const () as usize, &[I64, I64, I64], None, &[p, n, v]);
        }
        self.set(Slot(arr.0), p);
        self.set(Slot(arr.0 + 1), n);
    }

    pub(super) fn translate_delocal_arr(&mut self, arr: Arr, at: u32, len: u32, src: Slot) {
        let p = self.frame_word(at);
        let n = self.k(len as u64);
        let v = self.v(src);
        let check = |t: &mut Self| {
            let slot = t.b.ins().iconst(I32, arr.0 as i64);
            let ctx = t.ctx;
            t.call_rt(
                runtime::rt_check as *const () as usize,
                &[I64, I64, I64, I64, I32],
                Some(I32),
                &[ctx, p, n, v, slot],
            )
            .expect("the helper returns a status")
        };
        if len > INLINE_ARRAY {
            let st = check(self);
            self.check_status(st);
            return;
        }
        // Inline: the elements' differences from `v`, or-ed as a tree (no chain through the
        // words), tested once; where one differs, the helper finds the first and records it.
        let flags = MemFlagsData::trusted();
        let diffs: Vec<Value> = (0..len)
            .map(|k| {
                let x = self.b.ins().load(I64, flags, p, 8 * k as i32);
                self.b.ins().bxor(x, v)
            })
            .collect();
        let Some(any) = tree(&mut self.b, diffs, |b, x, y| b.ins().bor(x, y)) else { return };
        let (err, next) = (self.b.create_block(), self.b.create_block());
        self.b.set_cold_block(err);
        self.b.ins().brif(any, err, &[], next, &[]);
        self.cold_path(err, next, |t| {
            check(t);
            let z = t.k(0);
            t.emit_error(FaultCode::Recorded, z, z);
        });
    }

    pub(super) fn translate_local_stack(&mut self, dst: Slot) {
        let ctx = self.ctx;
        let id = self.call_rt(runtime::rt_open_stack as *const () as usize, &[I64], Some(I64), &[ctx]);
        self.set(dst, id.expect("the helper returns the id"));
        self.reload_stack_tab();
    }

    pub(super) fn translate_delocal_stack(&mut self, dst: Slot) {
        let ctx = self.ctx;
        let id = self.v(dst);
        self.call_checked(runtime::rt_close_stack as *const () as usize, &[I64, I64], &[ctx, id]);
        self.reload_stack_tab();
    }

    pub(super) fn translate_push(&mut self, var: Slot, stack: Slot) {
        let ctx = self.ctx;
        let (id, v) = (self.v(stack), self.v(var));
        // Inline while the buffer has room; the helper grows it or reports the fault.
        let (slow, done) = (self.b.create_block(), self.b.create_block());
        self.b.set_cold_block(slow);
        let hdr = self.stack_hdr(stack, id, slow);
        let (len, cap) = (
            self.stack_field(stack, id, hdr, runtime::OFF_STACK_LEN),
            self.stack_field(stack, id, hdr, runtime::OFF_STACK_CAP),
        );
        let room = self.b.ins().icmp(IntCC::UnsignedLessThan, len, cap);
        let fast = self.b.create_block();
        self.b.ins().brif(room, fast, &[], slow, &[]);
        self.go_on(fast);
        let buf = self.stack_field(stack, id, hdr, runtime::OFF_STACK_PTR);
        let off = self.b.ins().ishl_imm_u(len, 3);
        let at = self.b.ins().iadd(buf, off);
        // A stack's buffer is no array's memory: the words known stay known.
        let flags = MemFlagsData::trusted();
        self.b.ins().store(flags, v, at, 0);
        let len1 = self.b.ins().iadd_imm_s(len, 1);
        self.set_stack_len(stack, id, hdr, len1);
        self.b.ins().jump(done, &[]);
        // Both ways into `done` keep the array facts (the helper only grows the stack's
        // buffer), not the header's words (the helper's are other values).
        self.cold_path(slow, done, |t| {
            t.call_checked(runtime::rt_push as *const () as usize, &[I64, I64, I64], &[ctx, id, v]);
            // (The helper grew the buffer and pushed: the words kept in variables change.)
            if let Some(sv) = t.kept_stack(stack) {
                t.read_stack_words(stack, sv);
            }
            t.b.ins().jump(done, &[]);
        });
        self.known.forget_stack_words();
        let z = self.k(0);
        self.set(var, z);
    }

    /// `pop` (`w`: `pop.w`, whose word must be a value of the width in canonical form).
    pub(super) fn translate_pop(&mut self, var: Slot, stack: Slot, w: Option<Wid>) {
        let ctx = self.ctx;
        let (id, cur) = (self.v(stack), self.v(var));
        // Inline when the variable is 0 and the stack is not empty; else the helper reports
        // the fault.
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        let hdr = self.stack_hdr(stack, id, slow);
        let len = self.stack_field(stack, id, hdr, runtime::OFF_STACK_LEN);
        let empty = self.b.ins().icmp_imm_s(IntCC::Equal, len, 0);
        let empty = self.b.ins().uextend(I64, empty);
        let bad = self.b.ins().bor(empty, cur);
        let fast = self.b.create_block();
        self.b.ins().brif(bad, slow, &[], fast, &[]);
        self.go_on(fast);
        let len1 = self.b.ins().iadd_imm_s(len, -1);
        let buf = self.stack_field(stack, id, hdr, runtime::OFF_STACK_PTR);
        let off = self.b.ins().ishl_imm_u(len1, 3);
        let at = self.b.ins().iadd(buf, off);
        let top = self.load(at);
        if let Some(w) = w {
            // Tested before the length changes: the fault leaves the stack as it is.
            let canon = self.wrap_w(top, w);
            let ne = self.b.ins().icmp(IntCC::NotEqual, canon, top);
            let (err, next) = (self.b.create_block(), self.b.create_block());
            self.b.set_cold_block(err);
            self.b.ins().brif(ne, err, &[], next, &[]);
            self.cold_path(err, next, |t| {
                let s = t.b.ins().iconst(I32, var.0 as i64);
                t.call_rt(runtime::rt_fault_slot as *const () as usize, &[I64, I32], None, &[ctx, s]);
                let code = t.k(u64::from(w.0));
                t.emit_error(FaultCode::PopRange, top, code);
            });
        }
        self.set_stack_len(stack, id, hdr, len1);
        if self.stack_tab.is_some() {
            // (The buffer stays where it is: a pop never moves it.)
            let cur = self.b.current_block();
            self.known.note_stack_word(cur, id, runtime::OFF_STACK_PTR, buf);
        }
        self.stack_fault_path(slow, runtime::rt_pop as *const () as usize, &[I64, I64, I64], &[ctx, id, cur]);
        self.set(var, top);
    }

    pub(super) fn translate_assert(&mut self, cond: Cond) {
        let c = self.cond(cond);
        self.fail_unless(c, FaultCode::Assert);
    }

    pub(super) fn translate_assign(&mut self, dst: Slot, src: Slot) {
        let ctx = self.ctx;
        let old = self.v(dst);
        let tag = self.k(self.info.module.tape_tag(self.gene as usize, self.pc));
        let v = self.v(src);
        self.call_checked(
            runtime::rt_tape_push as *const () as usize,
            &[I64, I64, I64, I64],
            &[ctx, old, tag, v],
        );
        self.set(dst, v);
    }

    /// `unassign` (and `assign` backward): restore dst from the tape.
    pub(super) fn translate_unassign(&mut self, dst: Slot) {
        self.tape_pop_into(dst);
    }

    pub(super) fn translate_error(&mut self, msg: Str) {
        let a = self.k(msg.0 as u64);
        let z = self.k(0);
        self.fail(FaultCode::User, a, z);
    }

    pub(super) fn translate_print(&mut self, text: Str) {
        let ctx = self.ctx;
        let s = self.b.ins().iconst(I32, text.0 as i64);
        self.call_checked(runtime::rt_print as *const () as usize, &[I64, I32], &[ctx, s]);
    }

    pub(super) fn translate_printf(&mut self, fmt: Str, args: rdx_vm::ops::Args) {
        let slots: Vec<Slot> = self.g.args[args.start as usize..][..args.len as usize].to_vec();
        let buf = self.buf.expect("printf has a buffer");
        for (k, s) in slots.iter().enumerate() {
            let v = self.v(*s);
            self.b.ins().stack_store(I64, v, buf, 8 * k as i32);
        }
        let p = self.b.ins().stack_addr(I64, buf, 0);
        let ctx = self.ctx;
        let f = self.b.ins().iconst(I32, fmt.0 as i64);
        let n = self.k(slots.len() as u64);
        self.call_checked(runtime::rt_printf as *const () as usize, &[I64, I32, I64, I64], &[ctx, f, p, n]);
    }

    pub(super) fn translate_show(&mut self, var: Slot, name: Str, fmt: Fmt) {
        let ctx = self.ctx;
        let v = self.v(var);
        let len = if matches!(Fmt(fmt.0 & 7), Fmt::ARR_U64 | Fmt::ARR_I64) {
            self.v(Slot(var.0 + 1))
        } else {
            self.k(0)
        };
        let nm = self.b.ins().iconst(I32, name.0 as i64);
        let f = self.b.ins().iconst(I32, fmt.0 as i64);
        let dir = self.b.ins().iconst(I32, self.backward as i64);
        self.call_checked(
            runtime::rt_show as *const () as usize,
            &[I64, I32, I32, I64, I64, I32],
            &[ctx, nm, f, v, len, dir],
        );
    }

    /// `kernel` (`inverse`: `kernel.inv`).
    pub(super) fn translate_kernel(&mut self, name: Str, buf: Arr, elem: u32, inverse: bool) {
        let ctx = self.ctx;
        let (p, len) = (self.v(Slot(buf.0)), self.v(Slot(buf.0 + 1)));
        let nm = self.b.ins().iconst(I32, name.0 as i64);
        let el = self.b.ins().iconst(I32, elem as i64);
        let inv = self.b.ins().iconst(I32, inverse as i64);
        self.call_checked(
            runtime::rt_kernel as *const () as usize,
            &[I64, I32, I64, I64, I32, I32],
            &[ctx, nm, p, len, el, inv],
        );
    }

    pub(super) fn translate_fix(&mut self, dst: Slot, w: Wid) {
        let x = self.v(dst);
        let r = self.wrap_w(x, w);
        self.set(dst, r);
    }

    /// `rotl.w` (`right`: `rotr.w`): the machine rotation of the width's type (its amount
    /// taken modulo the width, as rdx's).
    pub(super) fn translate_rot_w(&mut self, dst: Slot, src: Slot, w: Wid, right: bool) {
        let y = self.v(src);
        self.rot_w(dst, y, w, right)
    }

    /// `dst` rotated by `y` at width `w` (see [`Self::translate_rot_w`]).
    pub(super) fn rot_w(&mut self, dst: Slot, y: Value, w: Wid, right: bool) {
        let x = self.v(dst);
        let t = self.b.ins().ireduce(super::pure::narrow_type(w), x);
        let r = if right { self.b.ins().rotr(t, y) } else { self.b.ins().rotl(t, y) };
        let r = self.extend_w(r, w);
        self.set(dst, r);
    }

    pub(super) fn translate_xor_imm(&mut self, dst: Slot, imm: u64) {
        let x = self.v(dst);
        if let Some(&(c, k)) = self.rots.get(&x) {
            // rotl(c, k) ^ imm = rotl(c ^ rotr(imm, k), k), at no cost.
            let u = self.b.ins().bxor_imm_u(c, imm.rotate_right(k) as i64);
            let r = self.rotl_k(u, k);
            self.set(dst, r);
        } else {
            self.update_imm(dst, imm, |b, x, y| b.ins().bxor(x, y))
        }
    }

    /// `add.chk` (`sub`: `sub.chk`): Janus's checked update.
    pub(super) fn translate_add_chk(&mut self, dst: Slot, src: Slot, sub: bool) {
        let (x, y) = (self.v(dst), self.v(src));
        let (r, o) = if sub { self.b.ins().ssub_overflow(x, y) } else { self.b.ins().sadd_overflow(x, y) };
        self.fail_if0(o, FaultCode::Overflow);
        self.set(dst, r);
    }

    /// `add.chk.imm` (`sub`: `sub.chk.imm`).
    pub(super) fn translate_add_chk_imm(&mut self, dst: Slot, imm: u64, sub: bool) {
        let x = self.v(dst);
        let r = self.add_const_checked(x, imm, sub);
        self.set(dst, r);
    }

    /// `xsl` (`right`: `xsr`): x ^= x << amt.
    pub(super) fn translate_xs(&mut self, dst: Slot, amt: u8, right: bool) {
        let x = self.v(dst);
        let s = if right {
            self.b.ins().ushr_imm_u(x, amt as i64)
        } else {
            self.b.ins().ishl_imm_u(x, amt as i64)
        };
        let r = self.b.ins().bxor(x, s);
        self.set(dst, r);
    }

    /// `xsl.inv` (`right`: `xsr.inv`): the xorshift undone, `x ^ (x << c) ^ (x << 2c) ^ …`.
    /// Up to [`XS_TERMS`] terms, the shifts run side by side and a balanced tree xors them (one
    /// shift and ⌈log₂ terms⌉ xors deep: 4 for c = 12, where doubling the shift — `x ^= x << c;
    /// x ^= x << 2c; …` — is 6 deep); more terms (c < 8) take the doubling steps, fewer
    /// instructions.
    pub(super) fn translate_xs_inv(&mut self, dst: Slot, amt: u8, right: bool) {
        let x = self.v(dst);
        let c = u32::from(amt);
        let bits = self.xs_width(dst, right);
        let shift = |b: &mut FunctionBuilder<'b>, x: Value, s: u32| {
            if right { b.ins().ushr_imm_u(x, i64::from(s)) } else { b.ins().ishl_imm_u(x, i64::from(s)) }
        };
        let r = if c > 0 && (bits as usize).div_ceil(c as usize) <= XS_TERMS {
            let terms: Vec<Value> = std::iter::once(x)
                .chain((c..bits).step_by(c as usize).map(|s| shift(&mut self.b, x, s)))
                .collect();
            tree(&mut self.b, terms, |b, x, y| b.ins().bxor(x, y)).unwrap_or(x)
        } else {
            let (mut x, mut s) = (x, c.max(1));
            while s < bits {
                let sh = shift(&mut self.b, x, s);
                x = self.b.ins().bxor(x, sh);
                s *= 2;
            }
            x
        };
        self.set(dst, r);
    }

    /// The width an undone xorshift of `dst` works at (`rdx_vm`'s `GeneDef::xs_width`, the
    /// interpreter's rule), with the `fix` paired with it: forward `xsl.inv; fix` (the fix after
    /// the instruction at `pc`), backward `xsl; fix` undone as a unit (translated at the fix's
    /// `pc`).
    fn xs_width(&self, dst: Slot, right: bool) -> u32 {
        let code = &self.g.code;
        let paired = |at: usize| match code.get(at) {
            Some(&rdx_vm::ops::Op::Fix { dst: d, w })
                if d == dst && rdx_vm::module::paired_fix(code, 0, at) =>
            {
                Some(w)
            }
            _ => None,
        };
        self.g.xs_width(dst, right, paired(self.pc).or_else(|| paired(self.pc + 1)))
    }

    /// `rotl.imm` (`right`: `rotr.imm`).
    pub(super) fn translate_rot_imm(&mut self, dst: Slot, amt: u8, right: bool) {
        let k = u32::from(amt % 64);
        let k = if right { 64 - k } else { k };
        let x = self.v(dst);
        let r = self.rotl_k(x, k);
        self.set(dst, r);
    }

    /// `rotl` (`right`: `rotr`) by a variable amount mod 64.
    pub(super) fn translate_rot(&mut self, dst: Slot, src: Slot, right: bool) {
        self.update(dst, src, |b, x, y| {
            let y = b.ins().band_imm_u(y, 63);
            if right { b.ins().rotr(x, y) } else { b.ins().rotl(x, y) }
        })
    }

    /// `rot.add`, `rot.sub`, `rot.xor`: dst = (dst <<< amt) ∘ src.
    pub(super) fn translate_rot_then(
        &mut self,
        dst: Slot,
        src: Slot,
        amt: u8,
        f: impl FnOnce(&mut FunctionBuilder<'b>, Value, Value) -> Value,
    ) {
        let x = self.v(dst);
        let r = self.rotl_k(x, u32::from(amt));
        let y = self.v(src);
        let r = f(&mut self.b, r, y);
        self.set(dst, r);
    }

    /// `add.rot`, `sub.rot`: dst = (dst ∘ src) <<< amt.
    pub(super) fn translate_then_rot(
        &mut self,
        dst: Slot,
        src: Slot,
        amt: u8,
        f: impl FnOnce(&mut FunctionBuilder<'b>, Value, Value) -> Value,
    ) {
        let (x, y) = (self.v(dst), self.v(src));
        let r = f(&mut self.b, x, y);
        let r = self.rotl_k(r, u32::from(amt));
        self.set(dst, r);
    }

    pub(super) fn translate_xor_rot(&mut self, dst: Slot, src: Slot, amt: u8) {
        let (x, y) = (self.v(dst), self.v(src));
        let amt = u32::from(amt);
        let r = match self.rots.get(&y).copied() {
            // (x ^ rotl(c, k)) <<< amt = (x <<< amt) ^ rotl(c, k + amt): rotation distributes
            // over xor, and the late operand's chain loses a step (an inverse ARX round, such
            // as Speck's decryption, gets its encryption's chain length).
            Some((c, k)) => {
                let (a, b) = (self.rotl_k(x, amt), self.rotl_k(c, k + amt));
                self.b.ins().bxor(a, b)
            }
            None => {
                let r = self.b.ins().bxor(x, y);
                self.rotl_k(r, amt)
            }
        };
        self.set(dst, r);
    }

    pub(super) fn translate_neg(&mut self, dst: Slot) {
        let x = self.v(dst);
        let r = self.b.ins().ineg(x);
        self.set(dst, r);
    }

    pub(super) fn translate_not(&mut self, dst: Slot) {
        let x = self.v(dst);
        let r = self.b.ins().bnot(x);
        self.set(dst, r);
    }

    pub(super) fn translate_neg_chk(&mut self, dst: Slot) {
        let x = self.v(dst);
        let o = self.b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
        self.fail_if0(o, FaultCode::Overflow);
        let r = self.b.ins().ineg(x);
        self.set(dst, r);
    }

    pub(super) fn translate_swap(&mut self, a: Slot, b: Slot) {
        let (x, y) = (self.v(a), self.v(b));
        self.set(a, y);
        self.set(b, x);
    }

    pub(super) fn translate_xor_from(&mut self, dst: Slot, arr: Arr, idx: Slot) {
        let x = self.v(dst);
        if let Some(&(c, k)) = self.rots.get(&x) {
            // rotl(c, k) ^ e = rotl(c ^ rotr(e, k), k): the value stays a rotation (which later
            // rotations fold into), the element's rotation is off the chain through c, and the
            // chain's rotation moves a step later (Speck's decryption: its two rotations of one
            // value no longer compete for the same cycle).
            let e = self.load_elem(arr, idx);
            let e = self.rotl_k(e, 64 - k);
            let u = self.b.ins().bxor(c, e);
            let r = self.rotl_k(u, k);
            self.set(dst, r);
        } else {
            self.update_from(dst, arr, idx, |b, x, y| b.ins().bxor(x, y))
        }
    }

    pub(super) fn translate_swap_elem(&mut self, dst: Slot, arr: Arr, idx: Slot) {
        let (p, at) = self.elem(arr, idx);
        let x = self.load_at(arr, at, p);
        let d = self.v(dst);
        self.store_at(arr, at, d, p);
        self.set(dst, x);
    }

    pub(super) fn translate_swap_elems(&mut self, arr: Arr, i: Slot, arr2: Arr, j: Slot) {
        let (p, at) = self.elem(arr, i);
        let (q, at2) = self.elem(arr2, j);
        let x = self.load_at(arr, at, p);
        let y = self.load_at(arr2, at2, q);
        self.store_at(arr, at, y, p);
        self.store_at(arr2, at2, x, q);
    }

    // ------------------------------------------------------------ shared by several

    pub(super) fn tape_pop_into(&mut self, dst: Slot) {
        let ctx = self.ctx;
        let tag = self.k(self.info.module.tape_tag(self.gene as usize, self.pc));
        let now = self.v(dst);
        self.call_checked(runtime::rt_tape_pop as *const () as usize, &[I64, I64, I64], &[ctx, tag, now]);
        let v = self.ret_word();
        self.set(dst, v);
    }

    pub(super) fn update(
        &mut self,
        dst: Slot,
        src: Slot,
        f: impl FnOnce(&mut FunctionBuilder<'b>, Value, Value) -> Value,
    ) {
        let (x, y) = (self.v(dst), self.v(src));
        let r = f(&mut self.b, x, y);
        self.set(dst, r);
    }

    pub(super) fn update_imm(
        &mut self,
        dst: Slot,
        imm: u64,
        f: impl FnOnce(&mut FunctionBuilder<'b>, Value, Value) -> Value,
    ) {
        let x = self.v(dst);
        let y = self.k(imm);
        let r = f(&mut self.b, x, y);
        self.set(dst, r);
    }

    pub(super) fn update_elem(
        &mut self,
        arr: Arr,
        idx: Slot,
        src: Option<Slot>,
        imm: u64,
        f: impl FnOnce(&mut FunctionBuilder<'b>, Value, Value) -> Value,
    ) {
        let (p, at) = self.elem(arr, idx);
        let x = self.load_at(arr, at, p);
        let y = match src {
            Some(s) => self.v(s),
            None => self.k(imm),
        };
        let r = f(&mut self.b, x, y);
        let r = self.store_at(arr, at, r, p);
        self.note_store(r);
    }

    pub(super) fn update_from(
        &mut self,
        dst: Slot,
        arr: Arr,
        idx: Slot,
        f: impl FnOnce(&mut FunctionBuilder<'b>, Value, Value) -> Value,
    ) {
        let y = self.load_elem(arr, idx);
        let x = self.v(dst);
        let r = f(&mut self.b, x, y);
        self.set(dst, r);
    }

    pub(super) fn delocal_check(&mut self, slot: u16, expected: Value, actual: Value) {
        let ne = self.b.ins().icmp(IntCC::NotEqual, expected, actual);
        let err = self.b.create_block();
        let next = self.b.create_block();
        self.b.set_cold_block(err);
        self.b.ins().brif(ne, err, &[], next, &[]);
        // (The facts here go on in `next`, which only this branch reaches.)
        self.cold_path(err, next, |t| {
            let ctx = t.ctx;
            let s = t.b.ins().iconst(I32, slot as i64);
            t.call_rt(runtime::rt_fault_slot as *const () as usize, &[I64, I32], None, &[ctx, s]);
            t.emit_error(FaultCode::Delocal, expected, actual);
        });
    }

    pub(super) fn frame_word(&mut self, at: u32) -> Value {
        let f = self.frame.expect("genes with local arrays have a frame pointer");
        self.b.ins().iadd_imm_s(f, 8 * at as i64)
    }

    pub(super) fn translate_call(&mut self, callee: usize, args: rdx_vm::ops::Args, backward: bool) {
        let m = self.info.module;
        let cg = &m.genes[callee];
        let ctx = self.ctx;
        // Depth, frame-memory and native-stack limits (the depth and the words in use come
        // in registers and go to the callee the same way: nothing to restore after it).
        let lim = self.limits.expect("genes that call load the limits at entry");
        let (depth, used) = (self.depth, self.used);
        let need = self.b.ins().iadd_imm_s(used, cg.words as i64);
        let inline = self.inlinable(callee);
        let check = |t: &mut Self| {
            let deep = t.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, depth, lim.max_depth);
            let big = t.b.ins().icmp(IntCC::UnsignedGreaterThan, need, lim.max_words);
            let over = t.b.ins().bor(deep, big);
            // One branch on the way; the cold path says which limit, the depth first (as the
            // interpreter's `call_limits`).
            let (err, next) = (t.b.create_block(), t.b.create_block());
            t.b.set_cold_block(err);
            t.b.ins().brif(over, err, &[], next, &[]);
            t.cold_path(err, next, |t| {
                let (rec, mem) = (t.b.create_block(), t.b.create_block());
                t.b.set_cold_block(rec);
                t.b.set_cold_block(mem);
                t.b.ins().brif(deep, rec, &[], mem, &[]);
                t.b.switch_to_block(rec);
                t.b.seal_block(rec);
                t.emit_error(FaultCode::Recursion, lim.max_depth, depth);
                t.b.switch_to_block(mem);
                t.b.seal_block(mem);
                let frames = t.k(rdx_vm::Grown::Frames as u64);
                t.emit_error(FaultCode::MemoryLimit, frames, lim.max_words);
            });
        };
        match self.room.as_mut() {
            // A call in place: its check only where the function's entry test did not pass.
            Some(room) if inline => {
                room.note((self.offs.0, self.offs.1 + cg.words as u64));
                let ok = room.ok;
                let (chk, next) = (self.b.create_block(), self.b.create_block());
                self.b.set_cold_block(chk);
                self.b.ins().brif(ok, next, &[], chk, &[]);
                self.cold_path(chk, next, |t| {
                    check(t);
                    t.b.ins().jump(next, &[]);
                });
            }
            _ => check(self),
        }
        // (A call translated in place takes no native stack.)
        if !inline {
            let sp = self.b.ins().get_stack_pointer(I64);
            let low = self.b.ins().icmp(IntCC::UnsignedLessThan, sp, lim.stack_floor);
            self.fail_if(low, FaultCode::NativeStack, lim.max_depth, depth);
        }
        let d1 = self.b.ins().iadd_imm_s(depth, 1);
        // The deepest nesting: recorded at the function's return, at the end of each pass
        // through the call's part, or here ([`Room`]).
        let reach = self.offs.0 + 1;
        let at = self.deepest_at(self.pc);
        let room = self.room.as_mut().expect("genes that call keep their deepest nesting");
        match at {
            Deepest::Return => room.max_e = room.max_e.max(reach),
            Deepest::Part(s, p) => {
                let m = room.part_max.entry((s, p)).or_insert(0);
                *m = (*m).max(reach);
            }
            Deepest::Each => self.record_depth(d1),
        }
        if inline {
            return self.inline_call(callee, args, backward, d1, need);
        }
        // Arguments.
        let buf = self.buf.expect("calls have a buffer");
        let arg_slots: Vec<Slot> = self.g.args[args.start as usize..][..args.len as usize].to_vec();
        for (i, p) in cg.params.iter().enumerate() {
            let s = arg_slots[i].0;
            let off = 8 * cg.param_slots[i] as i32;
            for k in 0..p.width() {
                let v = self.v(Slot(s + k));
                self.b.ins().stack_store(I64, v, buf, off + 8 * k as i32);
            }
        }
        let p = self.b.ins().stack_addr(I64, buf, 0);
        let f = self.callee_ref(callee, backward);
        if !self.calls.contains(&(callee, backward)) {
            self.calls.push((callee, backward));
        }
        let call = self.b.ins().call(f, &[ctx, p, d1, need]);
        // The callee may write array memory.
        self.known.forget_words();
        let st = self.b.inst_results(call)[0];
        self.check_status(st);
        self.reload_stack_tab();
        self.reread_stack_words();
        for (i, p) in cg.params.iter().enumerate() {
            if p.ty.is_scalar() {
                let v = self.b.ins().stack_load(I64, I64, buf, 8 * cg.param_slots[i] as i32);
                self.set(arg_slots[i], v);
            }
        }
    }
}
