//! The instruction set, declared once.
//!
//! [`for_each_op!`] is the single table of opcodes: for each one its byte, mnemonic, operands,
//! **mirror** (the opcode whose forward meaning is this one's backward meaning), class, whether
//! pure expression code may precede it, and its documentation. The [`Op`] enum, the binary
//! encoder and decoder, the disassembler's operand printing, the verifier's operand checks and
//! the opcode table of `spec/bytecode.md` are all generated from it.
//!
//! Operands are slot indices into the gene's frame of 64-bit words ([`Slot`], [`Arr`]),
//! immediates, absolute instruction indices ([`Off`]) and indices into the module's tables.

use crate::module::{LoadError, LoadErrorKind};

/// A frame slot holding one 64-bit word (a scalar variable, a temporary, a stack id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(pub u16);

/// An array variable: slot `n` holds the address of element 0 in the value memory and slot
/// `n + 1` the array's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Arr(pub u16);

/// A 64-bit immediate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Imm(pub u64);

/// A shift or rotation amount (0..=63).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Amt(pub u8);

/// A 16-bit constant: the divisor of `remu.m` (interpreter only, never in a module file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Half(pub u16);

/// The width of a fixed-width integer (`u8` … `i32`): its bit count (8, 16, 32), plus 0x80
/// when signed (see [`rdx_lang::ast::Width::code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Wid(pub u8);

impl Wid {
    /// The width this code stands for (the verifier rejects unknown codes, so engines may
    /// rely on it being one of the six).
    #[inline(always)]
    pub fn width(self) -> rdx_lang::ast::Width {
        rdx_lang::ast::Width { bits: self.0 & 0x7f, signed: self.0 & 0x80 != 0 }
    }

    /// `x` reduced to the width, in canonical form (zero- or sign-extended).
    #[inline(always)]
    pub fn wrap(self, x: u64) -> u64 {
        self.width().wrap(x)
    }

    pub fn of(w: rdx_lang::ast::Width) -> Wid {
        Wid(w.code())
    }
}

/// An absolute instruction index inside the same gene.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Off(pub u32);

/// An index into the module's gene table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GeneIdx(pub u32);

/// An index into the module's string table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Str(pub u32);

/// A 32-bit count or word offset (array storage inside a frame); also the element-type code
/// of a kernel call (see [`kernel_elem`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Word(pub u32);

/// How many pure instructions immediately precede this one: its expression code, which the
/// backward stream copies before the instruction's mirror.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pre(pub u16);

/// A run of slots in the gene's argument pool: `start..start + len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Args {
    pub start: u32,
    pub len: u16,
}

/// How a value is shown by [`Op::Show`] and friends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fmt(pub u8);

impl Fmt {
    pub const U64: Fmt = Fmt(0);
    pub const I64: Fmt = Fmt(1);
    pub const ARR_U64: Fmt = Fmt(2);
    pub const ARR_I64: Fmt = Fmt(3);
    pub const STACK_U64: Fmt = Fmt(4);
    pub const STACK_I64: Fmt = Fmt(5);
}

/// The condition of a control instruction, fused with the comparisons of two variables or of a
/// variable and a small constant, so that a branch or loop test on a comparison is one
/// instruction. Anything else is computed into a slot by pure code and tested with
/// [`Cond::Nz`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    /// `s != 0`
    Nz(Slot),
    /// `a == b`
    Eq(Slot, Slot),
    /// `a != b`
    Ne(Slot, Slot),
    /// `a == imm`
    EqImm(Slot, u32),
    /// `a != imm`
    NeImm(Slot, u32),
    /// `a < b` unsigned
    LtU(Slot, Slot),
    /// `a < b` signed
    LtS(Slot, Slot),
    /// `a <= b` unsigned
    LeU(Slot, Slot),
    /// `a <= b` signed
    LeS(Slot, Slot),
    /// `a < imm` unsigned
    LtUImm(Slot, u32),
    /// `a < imm` signed
    LtSImm(Slot, u32),
    /// `a <= imm` unsigned
    LeUImm(Slot, u32),
    /// `a <= imm` signed
    LeSImm(Slot, u32),
    /// `a > imm` unsigned
    GtUImm(Slot, u32),
    /// `a > imm` signed
    GtSImm(Slot, u32),
    /// `a >= imm` unsigned
    GeUImm(Slot, u32),
    /// `a >= imm` signed
    GeSImm(Slot, u32),
}

/// The comparisons a [`Cond`] can make, with the tag each has in the encoding.
macro_rules! cond_forms {
    ($m:ident) => {
        $m! {
            slots: 1 Eq, 2 Ne, 5 LtU, 6 LtS, 7 LeU, 8 LeS;
            imm: 3 EqImm, 4 NeImm, 9 LtUImm, 10 LtSImm, 11 LeUImm, 12 LeSImm, 13 GtUImm, 14 GtSImm, 15 GeUImm, 16 GeSImm;
        }
    };
}

/// The class of an opcode, which decides where it may appear.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// `enter`/`exit`: the first and last instruction of every gene.
    Frame,
    /// Structured control flow: branches and assertions of `if`/`from`.
    Control,
    /// A state change with an exact mirror.
    Effect,
    /// Expression code: writes only temporaries, always runs forward (in both directions it is
    /// evaluated before the instruction that consumes it).
    Pure,
}

/// One row of the opcode table, for the spec and the disassembler.
#[derive(Debug)]
pub struct OpInfo {
    pub code: u8,
    pub name: &'static str,
    pub mnemonic: &'static str,
    pub operands: &'static [(&'static str, &'static str)],
    pub mirror: &'static str,
    pub class: Class,
    /// Pure code may precede it (it consumes temporaries).
    pub pre: bool,
    pub doc: &'static str,
}

/// The opcode table. Columns: byte, name, mnemonic, operands, mirror, class, whether pure code
/// may precede it (`pre` / `direct`), forward meaning (backward meaning = the mirror's forward
/// meaning, or given explicitly for control instructions).
#[macro_export]
#[doc(hidden)]
macro_rules! for_each_op {
    ($m:ident) => {
        $m! {
            0x00 Enter "enter" {} => Exit, Frame, direct, "First instruction of a gene. Backward: return to the caller.";
            0x01 Exit "exit" {} => Enter, Frame, direct, "Last instruction of a gene: return to the caller.";

            0x08 If "if" { cond: Cond, else_at: Off, pre: Pre } => If, Control, pre,
                "Head of `if`: when cond is false jump past the `else` marker at else_at. Backward (leaving the then-branch): cond must hold.";
            0x09 FiThen "fi.then" { cond: Cond, fi_else: Off, pre: Pre } => FiThen, Control, pre,
                "End of the then-branch: the fi assertion must hold; jump past fi.else. Backward: never reached.";
            0x0a Else "else" { if_top: Off } => Else, Control, direct,
                "Start of the else-branch; forward never reached. Backward (leaving the else-branch): the `if` condition must be false.";
            0x0b FiElse "fi.else" { cond: Cond, fi_then: Off, pre: Pre } => FiElse, Control, pre,
                "End of the else-branch: the fi assertion must be false. Backward: when the fi assertion holds continue at the end of the then-branch, else in the else-branch.";
            0x0c From "from" { cond: Cond, loop_back: Off, pre: Pre } => From, Control, pre,
                "Loop entry: the entry assertion must hold. Backward: when it holds leave the loop, else continue at the end of the loop block.";
            0x0d Until "until" { cond: Cond, loop_exit: Off, pre: Pre } => Until, Control, pre,
                "Exit test after the do-block: when cond holds jump past loop.exit. Backward: cond must be false (the loop continues backward).";
            0x0e LoopBack "loop.back" { cond: Cond, from_top: Off, pre: Pre } => LoopBack, Control, pre,
                "End of the loop block: the entry assertion must be false; jump to the start of the do-block. Backward: never reached.";
            0x0f LoopExit "loop.exit" { until: Off } => LoopExit, Control, direct,
                "Loop end marker; forward never reached. Backward (entering the loop): the until condition must hold (for a counted loop, then ctr steps back).";
            0x04 FromC "from.c" { cond: Cond, loop_back: Off } => FromC, Control, direct,
                "Entry of a counted loop (`from` whose do-block ends in `ctr += 1` or `ctr -= 1`, with no loop block): the entry assertion must hold. Backward: when it holds leave the loop, else continue at loop.inc/loop.dec.";
            0x05 LoopInc "loop.inc" { ctr: Slot, cond: Cond, from_top: Off } => LoopInc, Control, direct,
                "Counted loop step: ctr += 1; when cond holds leave the loop (skip the loop.exit that follows), else the entry assertion must be false and the do-block runs again. Backward: cond must be false; ctr -= 1.";
            0x06 LoopDec "loop.dec" { ctr: Slot, cond: Cond, from_top: Off } => LoopDec, Control, direct,
                "As loop.inc with ctr -= 1 (backward: ctr += 1).";
            0x02 FromDec "from.dec" { ctr: Slot, cond: Cond, loop_test: Off } => FromDec, Control, direct,
                "Entry of a counted loop whose step comes first (the backward stream of a `from.c … loop.inc` loop): cond must hold; ctr -= 1. Its latch is the loop.test at loop_test.";
            0x03 FromInc "from.inc" { ctr: Slot, cond: Cond, loop_test: Off } => FromInc, Control, direct,
                "As from.dec with ctr += 1 (the backward stream of a `loop.dec` loop).";
            0x07 LoopTest "loop.test" { cond: Cond, from_step: Off } => LoopTest, Control, direct,
                "Latch of a step-first counted loop: when cond holds leave the loop (skip the loop.exit that follows); else the head's cond must be false, the head's step runs and the do-block runs again.";
            0x14 LoopIncQ "loop.inc.q" { ctr: Slot, cond: Cond, from_top: Off } => LoopIncQ, Control, direct,
                "Interpreter only, never in a module file: the loop.inc of a loop whose entry assertion cannot hold again (a simple counted loop): ctr += 1; when cond holds leave the loop, else the do-block runs again.";
            0x15 LoopDecQ "loop.dec.q" { ctr: Slot, cond: Cond, from_top: Off } => LoopDecQ, Control, direct,
                "Interpreter only, never in a module file: as loop.inc.q with ctr -= 1.";
            0x2d LoopBackQ "loop.back.q" { from_top: Off, count: Amt } => LoopBackQ, Control, direct,
                "Interpreter only, never in a module file: the loop.back of a loop whose entry assertion cannot hold again, in place of its expression code: jump to the start of the do-block, counting the count instructions passed over.";
            0x17 Skip "skip" { to: Off, count: Amt } => Skip, Control, direct,
                "Interpreter only, never in a module file: go on at `to`, counting the count instructions passed over besides this one. In place of an exit assertion's expression code that repeats the `if`'s on inputs its branch left alone (`to` past the `fi` when it repeats the `if`'s condition too, so it cannot fail; else at the `fi`, which tests its condition on the values still in their slots), and of the code computing a lossy assignment's value in the direction that restores it from the tape (`undo x := e` forward, `a[i] := e` backward).";
            0x16 LoopTestDecQ "loop.test.dec.q" { ctr: Slot, cond: Cond, from_step: Off } => LoopTestDecQ, Control, direct,
                "Interpreter only, never in a module file: the loop.test of a from.dec loop whose head's cond cannot hold again (the backward stream of a simple counted loop): when cond holds leave the loop, else ctr -= 1 and the do-block runs again.";
            0x2e LoopTestIncQ "loop.test.inc.q" { ctr: Slot, cond: Cond, from_step: Off } => LoopTestIncQ, Control, direct,
                "Interpreter only, never in a module file: as loop.test.dec.q for a from.inc loop (ctr += 1).";

            0x10 Call "call" { gene: GeneIdx, args: Args } => Uncall, Effect, direct, "Run a gene forward on the argument variables (by reference).";
            0x11 Uncall "uncall" { gene: GeneIdx, args: Args } => Call, Effect, direct, "Run a gene backward on the argument variables (by reference).";
            0x12 CallIn "call.in" { gene: GeneIdx, at: Word, depth: Amt, ret: Amt } => CallIn, Frame, direct,
                "Interpreter only, never in a module file: a call of a small gene whose code follows, translated in place, its frame at words past this frame's and depth levels deeper (checks the call's limits, clears the callee's locals); ret is 1 when the code can neither fault nor jump and its ret.in is left out (counted here).";
            0x13 RetIn "ret.in" {} => RetIn, Frame, direct,
                "Interpreter only, never in a module file: the end of a call translated in place, where the callee's exit would run.";

            0x18 Local "local" { dst: Slot, src: Slot, pre: Pre } => Delocal, Effect, pre, "Open an ancilla: dst = src.";
            0x19 Delocal "delocal" { dst: Slot, src: Slot, pre: Pre } => Local, Effect, pre, "Close an ancilla: dst must equal src.";
            0x1a LocalImm "local.imm" { dst: Slot, imm: Imm } => DelocalImm, Effect, direct, "Open an ancilla: dst = imm.";
            0x1b DelocalImm "delocal.imm" { dst: Slot, imm: Imm } => LocalImm, Effect, direct, "Close an ancilla: dst must equal imm.";
            0x1c LocalArr "local.arr" { arr: Arr, at: Word, len: Word, src: Slot, pre: Pre } => DelocalArr, Effect, pre,
                "Open an array ancilla stored at frame word `at`, every element = src.";
            0x1d DelocalArr "delocal.arr" { arr: Arr, at: Word, len: Word, src: Slot, pre: Pre } => LocalArr, Effect, pre,
                "Close an array ancilla: every element must equal src.";
            0x1e LocalStack "local.stack" { dst: Slot } => DelocalStack, Effect, direct, "Open an empty stack ancilla.";
            0x1f DelocalStack "delocal.stack" { dst: Slot } => LocalStack, Effect, direct, "Close a stack ancilla: it must be empty.";

            0x20 Push "push" { var: Slot, stack: Slot, pre: Pre } => Pop, Effect, pre, "Move var onto the stack; var = 0.";
            0x21 Pop "pop" { var: Slot, stack: Slot, pre: Pre } => Push, Effect, pre, "var must be 0; move the stack's top into var.";
            0x2f PushW "push.w" { var: Slot, stack: Slot, w: Wid, pre: Pre } => PopW, Effect, pre,
                "Move var, a variable of the fixed width w (in canonical form), onto the stack; var = 0. Its mirror, pop.w, checks the word it takes back.";
            0xa3 PopW "pop.w" { var: Slot, stack: Slot, w: Wid, pre: Pre } => PushW, Effect, pre,
                "var must be 0 and the stack's top a value of the fixed width w in canonical form (else R0113, the stack left as it is); move the top into var.";
            0x22 Assert "assert" { cond: Cond, pre: Pre } => Assert, Effect, pre, "cond must hold (in both directions).";
            0x23 Assign "assign" { dst: Slot, src: Slot, pre: Pre } => Unassign, Effect, pre,
                "Lossy: push dst onto the history tape; dst = src.";
            0x24 Unassign "unassign" { dst: Slot, src: Slot, pre: Pre } => Assign, Effect, pre,
                "Undo a lossy assignment: dst = value popped from the history tape.";
            0x25 Error "error" { msg: Str } => Error, Effect, direct, "Janus `error`: stop with a run-time error.";
            0x26 Print "print" { text: Str } => Print, Effect, direct, "Print text (Janus `print`).";
            0x27 Printf "printf" { fmt: Str, args: Args } => Printf, Effect, direct, "Print a format string with %d/%u/%x arguments.";
            0x28 Show "show" { var: Slot, name: Str, fmt: Fmt } => Show, Effect, direct, "Print `name = value` (Janus `show`).";
            0x29 Kernel "kernel" { name: Str, buf: Arr, elem: Word } => KernelInv, Effect, direct,
                "Run kernel `name` in place over the array buf through the embedder's kernel host (elem: 0 u64, 1 i64, 2 f64, 3 c64; a c64 element is two words, re then im).";
            0x2a KernelInv "kernel.inv" { name: Str, buf: Arr, elem: Word } => Kernel, Effect, direct,
                "Run the mirror of kernel `name` over buf (`undo kernel`; what `kernel` does backward).";

            0x30 Add "add" { dst: Slot, src: Slot, pre: Pre } => Sub, Effect, pre, "dst += src (wrapping).";
            0x31 Sub "sub" { dst: Slot, src: Slot, pre: Pre } => Add, Effect, pre, "dst -= src (wrapping).";
            0x32 Xor "xor" { dst: Slot, src: Slot, pre: Pre } => Xor, Effect, pre, "dst ^= src.";
            0x33 AddImm "add.imm" { dst: Slot, imm: Imm } => SubImm, Effect, direct, "dst += imm (wrapping).";
            0x34 SubImm "sub.imm" { dst: Slot, imm: Imm } => AddImm, Effect, direct, "dst -= imm (wrapping).";
            0x35 XorImm "xor.imm" { dst: Slot, imm: Imm } => XorImm, Effect, direct, "dst ^= imm.";
            0x36 AddChk "add.chk" { dst: Slot, src: Slot, pre: Pre } => SubChk, Effect, pre, "Janus dst += src; signed overflow is an error.";
            0x37 SubChk "sub.chk" { dst: Slot, src: Slot, pre: Pre } => AddChk, Effect, pre, "Janus dst -= src; signed overflow is an error.";
            0x38 MulImm "mul.imm" { dst: Slot, imm: Imm } => MulImm, Effect, direct,
                "dst *= imm, imm odd (wrapping). Mirror: multiply by the inverse of imm mod 2^64.";
            0x39 Xsl "xsl" { dst: Slot, amt: Amt } => XslInv, Effect, direct, "dst ^= dst << amt (amt 1..=63).";
            0x3a XslInv "xsl.inv" { dst: Slot, amt: Amt } => Xsl, Effect, direct, "Inverse of xsl.";
            0x3b Xsr "xsr" { dst: Slot, amt: Amt } => XsrInv, Effect, direct, "dst ^= dst >> amt (logical, amt 1..=63).";
            0x3c XsrInv "xsr.inv" { dst: Slot, amt: Amt } => Xsr, Effect, direct, "Inverse of xsr.";
            0x3d RotlImm "rotl.imm" { dst: Slot, amt: Amt } => RotrImm, Effect, direct, "dst <<<= amt.";
            0x3e RotrImm "rotr.imm" { dst: Slot, amt: Amt } => RotlImm, Effect, direct, "dst >>>= amt.";
            0x3f Rotl "rotl" { dst: Slot, src: Slot, pre: Pre } => Rotr, Effect, pre, "dst <<<= src mod 64.";
            0x40 Rotr "rotr" { dst: Slot, src: Slot, pre: Pre } => Rotl, Effect, pre, "dst >>>= src mod 64.";
            0x41 Neg "neg" { dst: Slot } => Neg, Effect, direct, "dst = -dst (wrapping).";
            0x42 Not "not" { dst: Slot } => Not, Effect, direct, "dst = !dst.";
            0x43 NegChk "neg.chk" { dst: Slot } => NegChk, Effect, direct, "Janus dst = -dst; overflow is an error.";
            0x44 Swap "swap" { a: Slot, b: Slot } => Swap, Effect, direct, "Exchange two slots.";
            0x45 RotAdd "rot.add" { dst: Slot, src: Slot, amt: Amt } => SubRot, Effect, direct,
                "dst = (dst <<< amt) + src: a rotation followed by an update of the same variable (ARX ciphers). Mirror: sub.rot by 64 - amt.";
            0x46 RotSub "rot.sub" { dst: Slot, src: Slot, amt: Amt } => AddRot, Effect, direct, "dst = (dst <<< amt) - src.";
            0x47 RotXor "rot.xor" { dst: Slot, src: Slot, amt: Amt } => XorRot, Effect, direct, "dst = (dst <<< amt) ^ src.";
            0x53 AddRot "add.rot" { dst: Slot, src: Slot, amt: Amt } => RotSub, Effect, direct,
                "dst = (dst + src) <<< amt: an update followed by a rotation of the same variable.";
            0x54 SubRot "sub.rot" { dst: Slot, src: Slot, amt: Amt } => RotAdd, Effect, direct, "dst = (dst - src) <<< amt.";
            0x55 XorRot "xor.rot" { dst: Slot, src: Slot, amt: Amt } => RotXor, Effect, direct, "dst = (dst ^ src) <<< amt.";

            0x58 Fix "fix" { dst: Slot, w: Wid } => Fix, Effect, direct,
                "dst = dst reduced to the fixed width w (zero-extended for u8/u16/u32, sign-extended for i8/i16/i32). An update of a fixed-width variable without a `.w` form (`mul.imm`, `neg`, `xsl`, `add.from` …) is followed by one: `update; fix`, undone as a unit (`update⁻¹; fix`: a fix right after another effect pairs with it in the backward stream).";
            0x59 RotlW "rotl.w" { dst: Slot, src: Slot, w: Wid, pre: Pre } => RotrW, Effect, pre,
                "dst <<<= src mod bits, at the fixed width w.";
            0x5a RotrW "rotr.w" { dst: Slot, src: Slot, w: Wid, pre: Pre } => RotlW, Effect, pre,
                "dst >>>= src mod bits, at the fixed width w.";
            0x5b RotlWImm "rotl.w.imm" { dst: Slot, amt: Amt, w: Wid } => RotrWImm, Effect, direct,
                "dst <<<= amt mod bits, at the fixed width w (a rotation by a constant).";
            0x5c RotrWImm "rotr.w.imm" { dst: Slot, amt: Amt, w: Wid } => RotlWImm, Effect, direct,
                "dst >>>= amt mod bits, at the fixed width w (a rotation by a constant).";
            0x5d AddW "add.w" { dst: Slot, src: Slot, w: Wid, pre: Pre } => SubW, Effect, pre,
                "dst += src, wrapping at the fixed width w (an update of a fixed-width variable: `add` and its `fix` in one).";
            0x5e SubW "sub.w" { dst: Slot, src: Slot, w: Wid, pre: Pre } => AddW, Effect, pre,
                "dst -= src, wrapping at the fixed width w.";
            0x5f XorW "xor.w" { dst: Slot, src: Slot, w: Wid, pre: Pre } => XorW, Effect, pre,
                "dst ^= src, reduced to the fixed width w (src may have bits above it).";
            0x2b AddWImm "add.w.imm" { dst: Slot, imm: Imm, w: Wid } => SubWImm, Effect, direct,
                "dst += imm, wrapping at the fixed width w.";
            0x2c SubWImm "sub.w.imm" { dst: Slot, imm: Imm, w: Wid } => AddWImm, Effect, direct,
                "dst -= imm, wrapping at the fixed width w.";

            0x56 AddChkImm "add.chk.imm" { dst: Slot, imm: Imm } => SubChkImm, Effect, direct, "Janus dst += imm; signed overflow is an error.";
            0x57 SubChkImm "sub.chk.imm" { dst: Slot, imm: Imm } => AddChkImm, Effect, direct, "Janus dst -= imm; signed overflow is an error.";

            0x48 AddElem "add.elem" { arr: Arr, idx: Slot, src: Slot, pre: Pre } => SubElem, Effect, pre, "arr[idx] += src.";
            0x49 SubElem "sub.elem" { arr: Arr, idx: Slot, src: Slot, pre: Pre } => AddElem, Effect, pre, "arr[idx] -= src.";
            0x4a XorElem "xor.elem" { arr: Arr, idx: Slot, src: Slot, pre: Pre } => XorElem, Effect, pre, "arr[idx] ^= src.";
            0x4b AddElemImm "add.elem.imm" { arr: Arr, idx: Slot, imm: Imm, pre: Pre } => SubElemImm, Effect, pre, "arr[idx] += imm.";
            0x4c SubElemImm "sub.elem.imm" { arr: Arr, idx: Slot, imm: Imm, pre: Pre } => AddElemImm, Effect, pre, "arr[idx] -= imm.";
            0x4d XorElemImm "xor.elem.imm" { arr: Arr, idx: Slot, imm: Imm, pre: Pre } => XorElemImm, Effect, pre, "arr[idx] ^= imm.";
            0x4e AddFrom "add.from" { dst: Slot, arr: Arr, idx: Slot, pre: Pre } => SubFrom, Effect, pre, "dst += arr[idx].";
            0x4f SubFrom "sub.from" { dst: Slot, arr: Arr, idx: Slot, pre: Pre } => AddFrom, Effect, pre, "dst -= arr[idx].";
            0x50 XorFrom "xor.from" { dst: Slot, arr: Arr, idx: Slot, pre: Pre } => XorFrom, Effect, pre, "dst ^= arr[idx].";
            0x51 SwapElem "swap.elem" { dst: Slot, arr: Arr, idx: Slot, pre: Pre } => SwapElem, Effect, pre, "Exchange dst and arr[idx].";
            0x52 SwapElems "swap.elems" { arr: Arr, i: Slot, arr2: Arr, j: Slot, pre: Pre } => SwapElems, Effect, pre, "Exchange arr[i] and arr2[j].";

            0x60 Const "const" { dst: Slot, imm: Imm } => Const, Pure, direct, "dst = imm.";
            0x61 Add3 "add3" { dst: Slot, a: Slot, b: Slot } => Add3, Pure, direct, "dst = a + b (wrapping).";
            0x62 Sub3 "sub3" { dst: Slot, a: Slot, b: Slot } => Sub3, Pure, direct, "dst = a - b (wrapping).";
            0x63 Mul3 "mul3" { dst: Slot, a: Slot, b: Slot } => Mul3, Pure, direct, "dst = a * b (wrapping).";
            0x64 Divu "divu" { dst: Slot, a: Slot, b: Slot } => Divu, Pure, direct, "dst = a / b unsigned; b = 0 is an error.";
            0x65 Divs "divs" { dst: Slot, a: Slot, b: Slot } => Divs, Pure, direct, "dst = a / b signed, truncating (wrapping).";
            0x66 Remu "remu" { dst: Slot, a: Slot, b: Slot } => Remu, Pure, direct, "dst = a % b unsigned.";
            0x67 Rems "rems" { dst: Slot, a: Slot, b: Slot } => Rems, Pure, direct, "dst = a % b signed, truncating.";
            0x68 Shl "shl" { dst: Slot, a: Slot, b: Slot } => Shl, Pure, direct, "dst = a << b (0 when b >= 64).";
            0x69 Shru "shru" { dst: Slot, a: Slot, b: Slot } => Shru, Pure, direct, "dst = a >> b logical (0 when b >= 64).";
            0x6a Shrs "shrs" { dst: Slot, a: Slot, b: Slot } => Shrs, Pure, direct, "dst = a >> b arithmetic (sign fill when b >= 64).";
            0x6b And "and" { dst: Slot, a: Slot, b: Slot } => And, Pure, direct, "dst = a & b.";
            0x6c Or "or" { dst: Slot, a: Slot, b: Slot } => Or, Pure, direct, "dst = a | b.";
            0x6d Xor3 "xor3" { dst: Slot, a: Slot, b: Slot } => Xor3, Pure, direct, "dst = a ^ b.";
            0x6e Eq "eq" { dst: Slot, a: Slot, b: Slot } => Eq, Pure, direct, "dst = (a == b).";
            0x6f Ne "ne" { dst: Slot, a: Slot, b: Slot } => Ne, Pure, direct, "dst = (a != b).";
            0x70 Ltu "ltu" { dst: Slot, a: Slot, b: Slot } => Ltu, Pure, direct, "dst = (a < b) unsigned.";
            0x71 Lts "lts" { dst: Slot, a: Slot, b: Slot } => Lts, Pure, direct, "dst = (a < b) signed.";
            0x72 Leu "leu" { dst: Slot, a: Slot, b: Slot } => Leu, Pure, direct, "dst = (a <= b) unsigned.";
            0x73 Les "les" { dst: Slot, a: Slot, b: Slot } => Les, Pure, direct, "dst = (a <= b) signed.";
            0x74 Add3Chk "add3.chk" { dst: Slot, a: Slot, b: Slot } => Add3Chk, Pure, direct, "Janus dst = a + b; signed overflow is an error.";
            0x75 Sub3Chk "sub3.chk" { dst: Slot, a: Slot, b: Slot } => Sub3Chk, Pure, direct, "Janus dst = a - b; signed overflow is an error.";
            0x76 Mul3Chk "mul3.chk" { dst: Slot, a: Slot, b: Slot } => Mul3Chk, Pure, direct, "Janus dst = a * b; signed overflow is an error.";
            0x77 Divf "divf" { dst: Slot, a: Slot, b: Slot } => Divf, Pure, direct, "Janus dst = a / b signed, rounding toward negative infinity.";
            0x78 Modf "modf" { dst: Slot, a: Slot, b: Slot } => Modf, Pure, direct, "Janus dst = a mod b, the sign of b.";
            0x79 Add3Imm "add3.imm" { dst: Slot, a: Slot, imm: Imm } => Add3Imm, Pure, direct, "dst = a + imm (wrapping).";
            0x7a Neg3 "neg3" { dst: Slot, a: Slot } => Neg3, Pure, direct, "dst = -a (wrapping).";
            0x7b Neg3Chk "neg3.chk" { dst: Slot, a: Slot } => Neg3Chk, Pure, direct, "Janus dst = -a; overflow is an error.";
            0x7c Bnot "bnot" { dst: Slot, a: Slot } => Bnot, Pure, direct, "dst = ~a.";
            0x7d Lnot "lnot" { dst: Slot, a: Slot } => Lnot, Pure, direct, "dst = (a == 0).";
            0x7e Bool "bool" { dst: Slot, a: Slot } => Bool, Pure, direct, "dst = (a != 0).";
            0x7f Load "load" { dst: Slot, arr: Arr, idx: Slot } => Load, Pure, direct, "dst = arr[idx]; index checked.";
            0x80 Top "top" { dst: Slot, stack: Slot } => Top, Pure, direct, "dst = top of the stack; empty is an error.";
            0x81 Empty "empty" { dst: Slot, stack: Slot } => Empty, Pure, direct, "dst = (the stack is empty).";
            0x82 Size "size" { dst: Slot, stack: Slot } => Size, Pure, direct, "dst = number of elements on the stack.";
            0x83 Jz "jz" { a: Slot, to: Off } => Jz, Pure, direct, "Jump forward to `to` when a == 0 (short-circuit `&&`).";
            0x84 Jnz "jnz" { a: Slot, to: Off } => Jnz, Pure, direct, "Jump forward to `to` when a != 0 (short-circuit `||`).";
            0x86 Mul3Imm "mul3.imm" { dst: Slot, a: Slot, imm: Imm } => Mul3Imm, Pure, direct, "dst = a * imm (wrapping).";
            0x9d DivuImm "divu.imm" { dst: Slot, a: Slot, imm: Imm } => DivuImm, Pure, direct, "dst = a / imm, unsigned; imm is not 0 (verified).";
            0x9e RemuImm "remu.imm" { dst: Slot, a: Slot, imm: Imm } => RemuImm, Pure, direct, "dst = a % imm, unsigned; imm is not 0 (verified).";
            0x9f RsubImm "rsub.imm" { dst: Slot, a: Slot, imm: Imm } => RsubImm, Pure, direct, "dst = imm - a (wrapping): a constant minus a value (`size(a) - 1 - i`).";
            0xa0 RshlImm "rshl.imm" { dst: Slot, a: Slot, imm: Imm } => RshlImm, Pure, direct, "dst = imm << a (0 when a >= 64): a constant shifted by a value (`1 << b`).";
            0xa1 DivuM "divu.m" { dst: Slot, a: Slot, sh: Amt, magic: Imm } => DivuM, Pure, direct,
                "Interpreter only, never in a module file: divu.imm by a constant d of at least 2, as a multiplication: t = (magic × a) >> 64, dst = (t + ((a − t) >> 1)) >> sh, with magic and sh computed from d at load (`ops::Magic`).";
            0xa2 RemuM "remu.m" { dst: Slot, a: Slot, sh: Amt, d: Half, magic: Imm } => RemuM, Pure, direct,
                "Interpreter only, never in a module file: remu.imm by a constant d in 2..=65535, as divu.m's quotient q: dst = a − q × d.";
            0xa4 MulFix "mul.fix" { dst: Slot, imm: Imm, w: Wid } => MulFix, Effect, direct,
                "Interpreter only, never in a module file: a mul.imm and the fix after it (`x *= c` on a fixed-width x), in one dispatch: dst = (dst * imm) reduced to w; the fix's position is passed over and counted.";
            0xa5 LoadAddElem "load.add.elem" { dst: Slot, arr: Arr, idx: Slot, off: Word, to: Arr, at: Slot } => LoadAddElem, Effect, direct,
                "Interpreter only, never in a module file: a load (or load.off) and the add.elem after it that adds what it loaded (`x[i] += y[j]`, `a[i] += a[i - 1]`), in one dispatch: dst = arr[idx + off] (off a sign-extended 32-bit offset), then to[at] += dst; the add.elem's position is passed over and counted, and its fault reported there.";
            0xa6 LoadSubElem "load.sub.elem" { dst: Slot, arr: Arr, idx: Slot, off: Word, to: Arr, at: Slot } => LoadSubElem, Effect, direct,
                "Interpreter only, never in a module file: as load.add.elem with sub.elem: to[at] -= dst.";
            0xa7 LoadXorElem "load.xor.elem" { dst: Slot, arr: Arr, idx: Slot, off: Word, to: Arr, at: Slot } => LoadXorElem, Effect, direct,
                "Interpreter only, never in a module file: as load.add.elem with xor.elem: to[at] ^= dst.";
            0x87 AndImm "and.imm" { dst: Slot, a: Slot, imm: Imm } => AndImm, Pure, direct, "dst = a & imm.";
            0x88 OrImm "or.imm" { dst: Slot, a: Slot, imm: Imm } => OrImm, Pure, direct, "dst = a | imm.";
            0x89 Xor3Imm "xor3.imm" { dst: Slot, a: Slot, imm: Imm } => Xor3Imm, Pure, direct, "dst = a ^ imm.";
            0x8a ShlImm "shl.imm" { dst: Slot, a: Slot, imm: Imm } => ShlImm, Pure, direct, "dst = a << imm (0 when imm >= 64).";
            0x8b ShruImm "shru.imm" { dst: Slot, a: Slot, imm: Imm } => ShruImm, Pure, direct, "dst = a >> imm logical (0 when imm >= 64).";
            0x8c ShrsImm "shrs.imm" { dst: Slot, a: Slot, imm: Imm } => ShrsImm, Pure, direct, "dst = a >> imm arithmetic (sign fill when imm >= 64).";
            0x8d EqImm "eq.imm" { dst: Slot, a: Slot, imm: Imm } => EqImm, Pure, direct, "dst = (a == imm).";
            0x8e NeImm "ne.imm" { dst: Slot, a: Slot, imm: Imm } => NeImm, Pure, direct, "dst = (a != imm).";
            0x8f LtuImm "ltu.imm" { dst: Slot, a: Slot, imm: Imm } => LtuImm, Pure, direct, "dst = (a < imm) unsigned.";
            0x90 LtsImm "lts.imm" { dst: Slot, a: Slot, imm: Imm } => LtsImm, Pure, direct, "dst = (a < imm) signed.";
            0x91 LeuImm "leu.imm" { dst: Slot, a: Slot, imm: Imm } => LeuImm, Pure, direct, "dst = (a <= imm) unsigned.";
            0x92 LesImm "les.imm" { dst: Slot, a: Slot, imm: Imm } => LesImm, Pure, direct, "dst = (a <= imm) signed.";
            0x93 GtuImm "gtu.imm" { dst: Slot, a: Slot, imm: Imm } => GtuImm, Pure, direct, "dst = (a > imm) unsigned.";
            0x94 GtsImm "gts.imm" { dst: Slot, a: Slot, imm: Imm } => GtsImm, Pure, direct, "dst = (a > imm) signed.";
            0x95 GeuImm "geu.imm" { dst: Slot, a: Slot, imm: Imm } => GeuImm, Pure, direct, "dst = (a >= imm) unsigned.";
            0x96 GesImm "ges.imm" { dst: Slot, a: Slot, imm: Imm } => GesImm, Pure, direct, "dst = (a >= imm) signed.";
            0x97 Add3ChkImm "add3.chk.imm" { dst: Slot, a: Slot, imm: Imm } => Add3ChkImm, Pure, direct, "Janus dst = a + imm; signed overflow is an error.";
            0x98 Sub3ChkImm "sub3.chk.imm" { dst: Slot, a: Slot, imm: Imm } => Sub3ChkImm, Pure, direct, "Janus dst = a - imm; signed overflow is an error.";
            0x99 Mul3ChkImm "mul3.chk.imm" { dst: Slot, a: Slot, imm: Imm } => Mul3ChkImm, Pure, direct, "Janus dst = a * imm; signed overflow is an error.";
            0x9a Wrap "wrap" { dst: Slot, a: Slot, w: Wid } => Wrap, Pure, direct,
                "dst = a reduced to the fixed width w (an arithmetic step of an expression computed at that width).";
            0x9b LoadOff "load.off" { dst: Slot, arr: Arr, idx: Slot, imm: Imm } => LoadOff, Pure, direct,
                "dst = arr[idx + imm] (wrapping sum); index checked. `a[i - 1]`, `a[j + 1]` in one instruction.";
            0x9c LoadImm "load.imm" { dst: Slot, arr: Arr, imm: Imm } => LoadImm, Pure, direct,
                "dst = arr[imm]; index checked. A constant index (`s[1]`) without a `const`.";
            0x85 Noalias "noalias" { a: Slot, b: Slot } => Noalias, Pure, direct,
                "Error when a == b: an update's target index equals the index of an element its expression reads.";
        }
    };
}

/// Operand types: encoding, decoding and disassembly.
pub trait Operand: Sized + Copy {
    /// Appends the operand's bytes.
    fn put(&self, out: &mut Vec<u8>);
    /// Reads the operand.
    fn get(r: &mut Reader<'_>) -> Result<Self, LoadError>;
    /// The expression-code length, for a [`Pre`] operand.
    fn pre_count(&self) -> Option<u16> {
        None
    }
    /// Sets the expression-code length of a [`Pre`] operand (no effect on other operands).
    fn set_pre_count(&mut self, _n: u16) {}
    /// Renames the slots and jump targets the operand holds (no effect on other operands).
    fn remap(&mut self, _m: &mut dyn Remap) {}
}

/// A renaming of slots and jump targets, for [`Op::remap`] (the interpreter's inlined streams,
/// `module/inline.rs`).
pub trait Remap {
    fn slot(&mut self, s: Slot) -> Slot;
    fn off(&mut self, o: Off) -> Off;
}

/// A bounds-checked little-endian reader over module bytes.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    /// Bytes consumed so far.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], LoadError> {
        if n > self.remaining() {
            return Err(LoadError::new(
                LoadErrorKind::Truncated,
                self.pos,
                format!("truncated: needs {n} more bytes, {} left", self.remaining()),
            ));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub fn u8(&mut self) -> Result<u8, LoadError> {
        Ok(self.take(1)?[0])
    }

    pub fn u16(&mut self) -> Result<u16, LoadError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub fn u32(&mut self) -> Result<u32, LoadError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn u64(&mut self) -> Result<u64, LoadError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// A count of items each at least `min_item_bytes` long: rejected when the remaining bytes
    /// cannot hold that many, so a hostile count never causes a large allocation.
    pub fn count(&mut self, min_item_bytes: usize, what: &str) -> Result<usize, LoadError> {
        let at = self.pos;
        let n = self.u32()? as usize;
        if n.saturating_mul(min_item_bytes.max(1)) > self.remaining() {
            return Err(LoadError::new(
                LoadErrorKind::Truncated,
                at,
                format!("{what}: count {n} is larger than the {} bytes left could hold", self.remaining()),
            ));
        }
        Ok(n)
    }

    /// A length-prefixed UTF-8 string.
    pub fn string(&mut self) -> Result<String, LoadError> {
        let n = self.count(1, "string")?;
        let at = self.pos;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec())
            .map_err(|_| LoadError::new(LoadErrorKind::NotUtf8, at, "string is not valid UTF-8"))
    }
}

/// Writes a length-prefixed UTF-8 string.
pub fn put_string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

macro_rules! newtype_operand {
    ($t:ident, $inner:ident, $read:ident) => {
        impl Operand for $t {
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.0.to_le_bytes());
            }
            fn get(r: &mut Reader<'_>) -> Result<Self, LoadError> {
                Ok($t(r.$read()?))
            }
        }
    };
}

macro_rules! newtype_operand_remap {
    ($t:ident, $read:ident, |$x:ident, $m:ident| $e:expr) => {
        impl Operand for $t {
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.0.to_le_bytes());
            }
            fn get(r: &mut Reader<'_>) -> Result<Self, LoadError> {
                Ok($t(r.$read()?))
            }
            fn remap(&mut self, $m: &mut dyn Remap) {
                let $x = *self;
                *self = $e;
            }
        }
    };
}

newtype_operand_remap!(Slot, u16, |s, m| m.slot(s));
newtype_operand_remap!(Arr, u16, |a, m| Arr(m.slot(Slot(a.0)).0));
newtype_operand!(Imm, u64, u64);
newtype_operand!(Amt, u8, u8);
newtype_operand!(Half, u16, u16);
newtype_operand_remap!(Off, u32, |o, m| m.off(o));
newtype_operand!(GeneIdx, u32, u32);
newtype_operand!(Str, u32, u32);
newtype_operand!(Word, u32, u32);
newtype_operand!(Fmt, u8, u8);
newtype_operand!(Wid, u8, u8);

impl Operand for Pre {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_le_bytes());
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, LoadError> {
        Ok(Pre(r.u16()?))
    }
    fn pre_count(&self) -> Option<u16> {
        Some(self.0)
    }
    fn set_pre_count(&mut self, n: u16) {
        self.0 = n;
    }
}

impl Operand for Args {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.start.to_le_bytes());
        out.extend_from_slice(&self.len.to_le_bytes());
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, LoadError> {
        Ok(Args { start: r.u32()?, len: r.u16()? })
    }
}

macro_rules! cond_codec {
    (slots: $($ts:literal $s:ident),*; imm: $($ti:literal $i:ident),*;) => {
        impl Operand for Cond {
            fn put(&self, out: &mut Vec<u8>) {
                match *self {
                    Cond::Nz(a) => {
                        out.push(0);
                        a.put(out);
                    }
                    $( Cond::$s(a, b) => {
                        out.push($ts);
                        a.put(out);
                        b.put(out);
                    } )*
                    $( Cond::$i(a, k) => {
                        out.push($ti);
                        a.put(out);
                        out.extend_from_slice(&k.to_le_bytes());
                    } )*
                }
            }
            fn remap(&mut self, m: &mut dyn Remap) {
                match self {
                    Cond::Nz(a) $( | Cond::$i(a, _) )* => *a = m.slot(*a),
                    $( Cond::$s(a, b) )|* => {
                        *a = m.slot(*a);
                        *b = m.slot(*b);
                    }
                }
            }
            fn get(r: &mut Reader<'_>) -> Result<Self, LoadError> {
                let at = r.pos();
                Ok(match r.u8()? {
                    0 => Cond::Nz(Slot::get(r)?),
                    $( $ts => Cond::$s(Slot::get(r)?, Slot::get(r)?), )*
                    $( $ti => Cond::$i(Slot::get(r)?, r.u32()?), )*
                    t => {
                        return Err(LoadError::new(
                            LoadErrorKind::BadOperand,
                            at,
                            format!("unknown condition form {t}"),
                        ));
                    }
                })
            }
        }

        impl Cond {
            /// The slots the condition reads.
            pub fn slots(&self) -> [Option<Slot>; 2] {
                match *self {
                    Cond::Nz(a) $( | Cond::$i(a, _) )* => [Some(a), None],
                    $( Cond::$s(a, b) )|* => [Some(a), Some(b)],
                }
            }
        }
    };
}
cond_forms!(cond_codec);

macro_rules! define_ops {
    ($( $code:literal $name:ident $mn:literal { $($f:ident : $t:ident),* } => $mirror:ident, $class:ident, $pre:ident, $doc:literal; )*) => {
        /// One instruction. See the opcode table in `spec/bytecode.md` (generated from
        /// [`for_each_op!`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Op {
            $( #[doc = $doc] $name { $($f: $t),* }, )*
        }

        /// Every opcode's row of the table, in table order.
        pub const OPCODES: &[OpInfo] = &[
            $( OpInfo {
                code: $code,
                name: stringify!($name),
                mnemonic: $mn,
                operands: &[$( (stringify!($f), stringify!($t)) ),*],
                mirror: stringify!($mirror),
                class: Class::$class,
                pre: define_ops!(@pre $pre),
                doc: $doc,
            }, )*
        ];

        impl Op {
            /// The opcode byte.
            pub fn code(&self) -> u8 {
                match self { $( Op::$name { .. } => $code, )* }
            }

            /// The mnemonic used by the disassembler.
            pub fn mnemonic(&self) -> &'static str {
                match self { $( Op::$name { .. } => $mn, )* }
            }

            /// The opcode's class.
            pub fn class(&self) -> Class {
                match self { $( Op::$name { .. } => Class::$class, )* }
            }

            /// Whether pure expression code may precede this instruction.
            pub fn takes_pre(&self) -> bool {
                match self { $( Op::$name { .. } => define_ops!(@pre $pre), )* }
            }

            /// The mirror with the same operands (operand fix-ups are in [`Op::mirror`]).
            #[allow(unused_variables)]
            fn mirror_raw(&self) -> Op {
                match *self { $( Op::$name { $($f),* } => Op::$mirror { $($f),* }, )* }
            }

            /// Appends the instruction's bytes: opcode byte, then each operand.
            #[allow(unused_variables)]
            pub fn encode(&self, out: &mut Vec<u8>) {
                match self {
                    $( Op::$name { $($f),* } => {
                        out.push($code);
                        $( Operand::put($f, out); )*
                    } )*
                }
            }

            /// Reads one instruction.
            pub fn decode(r: &mut Reader<'_>) -> Result<Op, LoadError> {
                let at = r.pos();
                match r.u8()? {
                    $( $code => Ok(Op::$name { $($f: <$t as Operand>::get(r)?),* }), )*
                    b => Err(LoadError::new(LoadErrorKind::UnknownOpcode, at, format!("unknown opcode 0x{b:02x}"))),
                }
            }

            /// The length of the expression code before this instruction, for instructions
            /// that consume expression code.
            #[allow(unused_variables)]
            pub fn pre(&self) -> Option<u16> {
                match self {
                    $( Op::$name { $($f),* } => { None $( .or(Operand::pre_count($f)) )* } )*
                }
            }

            /// Sets the expression-code length (no effect on instructions without one).
            #[allow(unused_variables)]
            pub fn set_pre(&mut self, n: u16) {
                match self {
                    $( Op::$name { $($f),* } => { $( Operand::set_pre_count($f, n); )* } )*
                }
            }

            /// Renames the instruction's slots and jump targets.
            #[allow(unused_variables)]
            pub fn remap(&mut self, m: &mut dyn Remap) {
                match self {
                    $( Op::$name { $($f),* } => { $( Operand::remap($f, m); )* } )*
                }
            }

            /// Calls `f` on each operand, by name, as a printable [`OperandRef`].
            #[allow(unused_variables)]
            pub fn operands(&self, f: &mut dyn FnMut(&'static str, OperandRef)) {
                match *self {
                    $( Op::$name { $($f),* } => { $( f(stringify!($f), OperandRef::from($f)); )* } )*
                }
            }
        }
    };
    (@pre pre) => { true };
    (@pre direct) => { false };
}

for_each_op!(define_ops);

/// A borrowed view of any operand, for generic walks (disassembly, verification).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperandRef {
    Slot(Slot),
    Arr(Arr),
    Imm(Imm),
    Amt(Amt),
    Half(Half),
    Off(Off),
    Gene(GeneIdx),
    Str(Str),
    Word(Word),
    Args(Args),
    Fmt(Fmt),
    Wid(Wid),
    Cond(Cond),
    Pre(Pre),
}

macro_rules! operand_from {
    ($($t:ident => $v:ident),*) => {
        $( impl From<$t> for OperandRef {
            fn from(x: $t) -> OperandRef { OperandRef::$v(x) }
        } )*
    };
}
operand_from!(Slot => Slot, Arr => Arr, Imm => Imm, Amt => Amt, Half => Half, Off => Off, GeneIdx => Gene, Str => Str,
    Word => Word, Args => Args, Fmt => Fmt, Wid => Wid, Cond => Cond, Pre => Pre);

impl Op {
    /// The instruction whose forward meaning is this instruction's backward meaning. For
    /// `mul.imm` the factor becomes its inverse mod 2^64; control instructions are their own
    /// mirror (the backward stream exchanges their conditions, see `module/mirror.rs`).
    /// An xorshift step by 32 or more (`x ^= x >> 33`) is its own inverse, so it is its own
    /// mirror: backward runs the same handler as forward. `mirror(mirror(op)) == op`.
    pub fn mirror(&self) -> Op {
        match *self {
            Op::Xsl { amt, .. } | Op::XslInv { amt, .. } | Op::Xsr { amt, .. } | Op::XsrInv { amt, .. }
                if amt.0 >= 32 =>
            {
                return *self;
            }
            _ => {}
        }
        match self.mirror_raw() {
            Op::MulImm { dst, imm } => Op::MulImm { dst, imm: Imm(mul_inverse(imm.0)) },
            Op::RotAdd { dst, src, amt } => {
                Op::RotAdd { dst, src, amt: Amt((64 - amt.0 as u32 % 64) as u8 % 64) }
            }
            Op::RotSub { dst, src, amt } => {
                Op::RotSub { dst, src, amt: Amt((64 - amt.0 as u32 % 64) as u8 % 64) }
            }
            Op::RotXor { dst, src, amt } => {
                Op::RotXor { dst, src, amt: Amt((64 - amt.0 as u32 % 64) as u8 % 64) }
            }
            Op::AddRot { dst, src, amt } => {
                Op::AddRot { dst, src, amt: Amt((64 - amt.0 as u32 % 64) as u8 % 64) }
            }
            Op::SubRot { dst, src, amt } => {
                Op::SubRot { dst, src, amt: Amt((64 - amt.0 as u32 % 64) as u8 % 64) }
            }
            Op::XorRot { dst, src, amt } => {
                Op::XorRot { dst, src, amt: Amt((64 - amt.0 as u32 % 64) as u8 % 64) }
            }
            other => other,
        }
    }

    /// True for pure expression code.
    pub fn is_pure(&self) -> bool {
        self.class() == Class::Pure
    }

    /// Whether this instruction is built by the interpreter at load for its plain-run streams
    /// (`module/inline.rs`) and never read from a module file.
    pub fn plain_only(&self) -> bool {
        matches!(
            self,
            Op::CallIn { .. }
                | Op::RetIn {}
                | Op::LoopIncQ { .. }
                | Op::LoopDecQ { .. }
                | Op::LoopTestDecQ { .. }
                | Op::LoopTestIncQ { .. }
                | Op::Skip { .. }
                | Op::LoopBackQ { .. }
                | Op::DivuM { .. }
                | Op::RemuM { .. }
                | Op::MulFix { .. }
                | Op::LoadAddElem { .. }
                | Op::LoadSubElem { .. }
                | Op::LoadXorElem { .. }
        )
    }

    /// Whether this pure instruction can run where the program would have skipped it: it
    /// cannot fault and writes only its `dst` (no division, checked arithmetic, array or stack
    /// read, alias check or jump).
    pub fn cannot_fault(&self) -> bool {
        matches!(
            self,
            Op::Const { .. }
                | Op::Add3 { .. }
                | Op::Sub3 { .. }
                | Op::Mul3 { .. }
                | Op::RsubImm { .. }
                | Op::RshlImm { .. }
                | Op::Shl { .. }
                | Op::Shru { .. }
                | Op::Shrs { .. }
                | Op::And { .. }
                | Op::Or { .. }
                | Op::Xor3 { .. }
                | Op::Eq { .. }
                | Op::Ne { .. }
                | Op::Ltu { .. }
                | Op::Lts { .. }
                | Op::Leu { .. }
                | Op::Les { .. }
                | Op::Add3Imm { .. }
                | Op::Mul3Imm { .. }
                | Op::DivuImm { .. }
                | Op::RemuImm { .. }
                | Op::DivuM { .. }
                | Op::RemuM { .. }
                | Op::AndImm { .. }
                | Op::OrImm { .. }
                | Op::Xor3Imm { .. }
                | Op::ShlImm { .. }
                | Op::ShruImm { .. }
                | Op::ShrsImm { .. }
                | Op::EqImm { .. }
                | Op::NeImm { .. }
                | Op::LtuImm { .. }
                | Op::LtsImm { .. }
                | Op::LeuImm { .. }
                | Op::LesImm { .. }
                | Op::GtuImm { .. }
                | Op::GtsImm { .. }
                | Op::GeuImm { .. }
                | Op::GesImm { .. }
                | Op::Wrap { .. }
                | Op::Neg3 { .. }
                | Op::Bnot { .. }
                | Op::Lnot { .. }
                | Op::Bool { .. }
        )
    }
}

/// The inverse of an odd number modulo 2^64 (for even `c`, some value: callers check oddness).
pub fn mul_inverse(c: u64) -> u64 {
    // Newton's iteration: each step doubles the number of correct low bits (3 → 6 → … → 96).
    let mut x = c;
    for _ in 0..5 {
        x = x.wrapping_mul(2u64.wrapping_sub(c.wrapping_mul(x)));
    }
    x
}

/// Unsigned division by a constant `d >= 2` as a multiplication (Granlund and Montgomery,
/// "Division by invariant integers using multiplication", 1994, figure 4.1): with
/// `l = ⌈log₂ d⌉`, `magic = ⌊2⁶⁴ (2ˡ − d) / d⌋ + 1` and `sh = l − 1`, the quotient of any
/// 64-bit `x` is `(t + ((x − t) >> 1)) >> sh` for `t` the high word of `magic × x`. A 64-bit
/// `div` costs the interpreter several times the multiplication and shifts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Magic {
    pub magic: u64,
    pub sh: u8,
}

impl Magic {
    /// The multiplier and shift for divisor `d` (None for 0 and 1).
    pub fn new(d: u64) -> Option<Magic> {
        if d < 2 {
            return None;
        }
        let l = 64 - (d - 1).leading_zeros();
        // 2^l - d < d, so the quotient is below 2^64 and magic fits in a word.
        let magic = ((((1u128 << l) - u128::from(d)) << 64) / u128::from(d)) as u64 + 1;
        Some(Magic { magic, sh: (l - 1) as u8 })
    }

    /// `x / d`.
    #[inline(always)]
    pub fn div(magic: u64, sh: u8, x: u64) -> u64 {
        let t = ((u128::from(magic) * u128::from(x)) >> 64) as u64;
        (t + ((x - t) >> 1)) >> sh
    }
}

/// `x <<< (s mod bits)` at the fixed width `w`, in canonical form.
#[inline(always)]
pub fn rotl_w(x: u64, s: u64, w: Wid) -> u64 {
    let wd = w.width();
    let bits = wd.bits as u32;
    // A verified width is 8, 16 or 32 bits, so `s mod bits` is a mask: no division per step
    // (two `div`s made the u16 rotations the interpreter's costliest handlers).
    debug_assert!(bits.is_power_of_two(), "width of {bits} bits");
    let k = (s as u32) & (bits - 1);
    let v = x & wd.mask();
    let r = if k == 0 { v } else { (v << k) | (v >> (bits - k)) };
    wd.wrap(r)
}

/// `x >>> (s mod bits)` at the fixed width `w`, in canonical form.
#[inline(always)]
pub fn rotr_w(x: u64, s: u64, w: Wid) -> u64 {
    let bits = w.width().bits as u64;
    rotl_w(x, bits - (s & (bits - 1)), w)
}

/// The inverse of the xorshift step `x ^= x << c` (c in 1..=63) on the low `bits` bits:
/// `y ^ (y << c) ^ (y << 2c) ^ …` by `⌈log₂(bits / c)⌉` doubling steps (64 for a word; a narrower
/// width when a `fix` to it follows, which drops what the steps past it would change: see
/// [`xs_steps`]). (A carry-less multiply — x86-64 `pclmulqdq` — computes it in one instruction,
/// but moving the word to a vector register and back made the interpreter's backward xorshift
/// and fmix runs 5–45% slower, so it is not used.)
#[inline(always)]
pub fn un_xsl(y: u64, c: u32, bits: u32) -> u64 {
    let mut x = y;
    let mut s = c;
    while s < bits {
        x ^= x << s;
        s *= 2;
    }
    x
}

/// The inverse of the xorshift step `x ^= x >> c` (logical, c in 1..=63), as for [`un_xsl`]: on
/// a word zero-extended from `bits` bits, the steps past them shift in only zeros.
#[inline(always)]
pub fn un_xsr(y: u64, c: u32, bits: u32) -> u64 {
    let mut x = y;
    let mut s = c;
    while s < bits {
        x ^= x >> s;
        s *= 2;
    }
    x
}

/// The amount and width of an `xsl.inv`/`xsr.inv` of a run stream: `(c, bits)`. In a module an
/// amount is 1..=63 (the verifier refuses more) and the width is the word's, 64. An inverse
/// followed by the `fix` of a narrower unsigned width (or, for `xsl.inv`, any narrower width)
/// undoes an xorshift of a `u8`…`i32` variable, whose steps at or past its width change only
/// bits the `fix` drops (`xsl`) or shift in zeros (`xsr` of a zero-extended word): a plain
/// stream built at load keeps that width in the amount's top two bits (0: 64, 1: 32, 2: 16,
/// 3: 8; [`xs_narrowed`]), so `u8 ^= u8 >> 1` is undone in 3 steps rather than 6.
#[inline(always)]
pub fn xs_steps(a: Amt) -> (u32, u32) {
    (u32::from(a.0 & 63), 64 >> (a.0 >> 6))
}

/// The amount `a` of an inverse xorshift with the width `bits` (8, 16, 32 or 64) in it, as
/// [`xs_steps`] reads it.
pub fn xs_narrowed(a: Amt, bits: u8) -> Amt {
    let class = match bits {
        8 => 3,
        16 => 2,
        32 => 1,
        _ => 0,
    };
    Amt(a.0 & 63 | class << 6)
}

const _: () = assert!(std::mem::size_of::<Op>() <= 16);

/// The element type of a `kernel` instruction's `elem` code (None for an unknown code).
pub fn kernel_elem(code: Word) -> Option<rdx_lang::ast::Elem> {
    use rdx_lang::ast::Elem;
    Some(match code.0 {
        0 => Elem::U64,
        1 => Elem::I64,
        2 => Elem::F64,
        3 => Elem::C64,
        _ => return None,
    })
}

/// The `elem` code of a kernel instruction for an element type.
pub fn kernel_elem_code(e: rdx_lang::ast::Elem) -> Word {
    use rdx_lang::ast::Elem;
    Word(match e {
        Elem::U64 => 0,
        Elem::I64 => 1,
        Elem::F64 => 2,
        Elem::C64 => 3,
    })
}

/// The opcode table of `spec/bytecode.md`, generated from [`for_each_op!`] (a test keeps the
/// spec in sync): one row per opcode with its byte, mnemonic, operands, mirror and meaning.
pub fn opcode_table_markdown() -> String {
    let mut s = String::from(
        "| byte | mnemonic | operands | mirror | class | meaning |\n|---|---|---|---|---|---|\n",
    );
    for info in OPCODES {
        let operands: Vec<String> = info.operands.iter().map(|(n, t)| format!("{n}: {t}")).collect();
        let mirror = OPCODES.iter().find(|o| o.name == info.mirror).map_or(info.mirror, |o| o.mnemonic);
        let mirror = if info.mirror == info.name { "itself".to_string() } else { format!("`{mirror}`") };
        let class = match info.class {
            Class::Frame => "frame",
            Class::Control => "control",
            Class::Effect => "effect",
            Class::Pure => "pure",
        };
        s.push_str(&format!(
            "| `0x{:02x}` | `{}` | {} | {} | {} | {} |\n",
            info.code,
            info.mnemonic,
            if operands.is_empty() { "—".to_string() } else { operands.join(", ") },
            mirror,
            class,
            info.doc.replace('|', "\\|")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcode_bytes_unique_and_names_unique() {
        let mut seen = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for info in OPCODES {
            assert!(seen.insert(info.code), "duplicate opcode byte {:#x}", info.code);
            assert!(names.insert(info.mnemonic), "duplicate mnemonic {}", info.mnemonic);
        }
    }

    #[test]
    fn pre_column_matches_the_pre_operand() {
        for info in OPCODES {
            let has = info.operands.iter().any(|(_, t)| *t == "Pre");
            assert_eq!(has, info.pre, "{}: the pre column and the operands disagree", info.name);
            if has {
                assert_eq!(info.operands.last().map(|o| o.1), Some("Pre"), "{}: pre comes last", info.name);
            }
        }
    }

    #[test]
    fn fixed_width_rotations_take_the_amount_mod_the_width() {
        // Against rotations of the width's own integer type, for amounts far past the width.
        let xs = [0u64, 1, 0x5a, 0x8001, 0xdead_beef, 0xffff_ffff_ffff_ffff, 0x1234_5678_9abc_def0];
        for s in [0u64, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 1000, u64::MAX] {
            for x in xs {
                let (s32, w8, w16, w32) = ((s % 256) as u32, Wid(8), Wid(16), Wid(32));
                assert_eq!(rotl_w(x, s, w8), u64::from((x as u8).rotate_left(s32 % 8)), "u8 {x:#x} <<< {s}");
                assert_eq!(
                    rotl_w(x, s, w16),
                    u64::from((x as u16).rotate_left(s32 % 16)),
                    "u16 {x:#x} <<< {s}"
                );
                assert_eq!(
                    rotr_w(x, s, w32),
                    u64::from((x as u32).rotate_right(s32 % 32)),
                    "u32 {x:#x} >>> {s}"
                );
                let i16w = Wid(0x80 | 16);
                assert_eq!(rotr_w(x, s, i16w), (x as u16).rotate_right(s32 % 16) as i16 as i64 as u64, "i16");
                assert_eq!(rotl_w(rotr_w(x, s, w16), s, w16), x & 0xffff, "u16 {x:#x} >>> {s} <<< {s}");
            }
        }
    }

    #[test]
    fn division_by_a_constant_as_a_multiplication() {
        // Every divisor up to 2^12, divisors at and around powers of two, and large ones,
        // each on values at the edges (multiples of d and their neighbours, the top of the
        // range) and a seeded xorshift stream; against the machine's division.
        let mut r = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            r
        };
        let mut ds: Vec<u64> = (2..=4096).collect();
        for k in 1..64 {
            ds.extend([(1u64 << k) - 1, 1 << k, (1 << k) + 1]);
        }
        ds.extend([u64::MAX, u64::MAX - 1, 0x9e37_79b9_7f4a_7c15, 10_000_000_007, 0xffff_ffff]);
        ds.extend((0..64).map(|_| next()));
        for d in ds.into_iter().filter(|&d| d >= 2) {
            let m = Magic::new(d).expect("a divisor of at least 2");
            let mut xs = vec![
                0,
                1,
                d - 1,
                d,
                d.wrapping_add(1),
                u64::MAX,
                u64::MAX - 1,
                u64::MAX / d * d,
                (u64::MAX / d * d) - 1,
            ];
            xs.extend((0..32).map(|_| next()));
            xs.extend((0..8).map(|_| next() >> (next() % 64)));
            for x in xs {
                assert_eq!(Magic::div(m.magic, m.sh, x), x / d, "{x} / {d}");
            }
        }
        assert_eq!(Magic::new(0), None);
        assert_eq!(Magic::new(1), None);
    }

    #[test]
    fn xorshift_inverses() {
        // Fixed values, then a seeded xorshift stream (every amount, 64 values each).
        let mut r = 0x9e37_79b9_7f4a_7c15u64;
        for c in 1..64 {
            let mut xs = vec![0u64, 1, 0xdead_beef_1234_5678, u64::MAX, 1 << 63];
            xs.extend((0..64).map(|_| {
                r ^= r << 13;
                r ^= r >> 7;
                r ^= r << 17;
                r
            }));
            for x in xs {
                assert_eq!(un_xsl(x ^ (x << c), c, 64), x, "xsl {c} {x:#x}");
                assert_eq!(un_xsr(x ^ (x >> c), c, 64), x, "xsr {c} {x:#x}");
            }
        }
    }

    #[test]
    fn mul_inverse_is_inverse() {
        for c in [1u64, 3, 5, 0xffff_ffff_ffff_ffff, 0x9e37_79b9_7f4a_7c15] {
            assert_eq!(c.wrapping_mul(mul_inverse(c)), 1);
        }
    }
}
