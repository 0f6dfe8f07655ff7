//! Bytecode → Cranelift IR, one function per gene and direction.
//!
//! [`FuncTranslator`] keeps the `FunctionBuilderContext` between functions. For a gene it
//! declares one `Variable` per frame slot (parameters are loaded from the argument block at
//! entry, everything else starts at 0) so values live in SSA registers; a pre-pass
//! ([`Targets`]) finds every instruction that is a jump target in the direction being built
//! and gives it a block. Each instruction gets `set_srcloc(pc)`; each opcode has its
//! `translate_*` method. Code after an unconditional transfer that no jump reaches is dead
//! and is skipped.
//!
//! The backward function walks the forward code, which visits the instructions of the gene's
//! backward stream (what the interpreter runs backward, `rdx_vm::module::Backward`) in the same
//! order with the same meanings: instructions are
//! visited from `exit` down to `enter`; an instruction that consumes pure expression code
//! first re-runs that code forward, then applies its mirror, and continues below its
//! expression code; control instructions apply their backward meaning (the assertions of
//! `fi`/`from` choose the way back).
//!
//! Calling convention of every compiled function: `fn(ctx: *mut Ctx, args: *mut u64) -> u32`,
//! where `args` holds the gene's parameter slots (scalars by value, arrays as pointer and
//! length, stacks as ids); on return the width-1 parameter slots are written back. The result
//! is 0, or 1 after an error was recorded in the context (see `runtime::rt_error`).

use crate::runtime::{self, fault};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    AbiParam, FuncRef, Function, InstBuilder, MemFlagsData, Signature, SourceLoc, StackSlotData,
    StackSlotKind, Type, UserFuncName, Value, types,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use rdx_vm::Module;
use rdx_vm::module::GeneDef;
use rdx_vm::ops::{Arr, Cond, Fmt, Op, Slot};
use std::collections::HashMap;

const I64: Type = types::I64;
const I32: Type = types::I32;

/// What a translation needs to know about the whole module.
pub struct ModuleInfo<'m> {
    /// The verified module being compiled.
    pub module: &'m Module,
    /// The calling convention of gene functions and runtime helpers.
    pub call_conv: CallConv,
    /// The target's pointer type and the like, for `FunctionBuilder::finalize`.
    pub frontend: cranelift_codegen::isa::TargetFrontendConfig,
}

/// The signature of every compiled gene function.
pub fn gene_signature(call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.push(AbiParam::new(I64));
    sig.params.push(AbiParam::new(I64));
    sig.returns.push(AbiParam::new(I32));
    sig
}

/// The jump targets of one gene in one direction.
struct Targets {
    at: Vec<bool>,
}

impl Targets {
    fn forward(g: &GeneDef) -> Targets {
        let mut at = vec![false; g.code.len() + 1];
        for op in &g.code {
            let t = match *op {
                Op::If { else_at, .. } => Some(else_at.0 as usize + 1),
                Op::FiThen { fi_else, .. } => Some(fi_else.0 as usize + 1),
                Op::Until { loop_exit, .. } => Some(loop_exit.0 as usize + 1),
                Op::LoopBack { from_top, .. } => Some(from_top.0 as usize + 1),
                _ => None,
            };
            if let Some(t) = t {
                at[t] = true;
            }
            if let Op::LoopInc { from_top, .. } | Op::LoopDec { from_top, .. } = *op {
                at[from_top.0 as usize + 1] = true;
            }
        }
        for (pc, op) in g.code.iter().enumerate() {
            if matches!(op, Op::LoopInc { .. } | Op::LoopDec { .. }) && pc + 2 <= g.code.len() {
                at[pc + 2] = true;
            }
        }
        Targets { at }
    }

    fn backward(g: &GeneDef) -> Targets {
        let mut at = vec![false; g.code.len() + 1];
        let below = |p: usize| pre_start(g, p).wrapping_sub(1);
        for op in &g.code {
            let t = match *op {
                Op::From { loop_back, .. } => Some(below(loop_back.0 as usize)),
                Op::LoopExit { until, .. } => Some(below(until.0 as usize)),
                Op::Else { if_top, .. } => Some(below(if_top.0 as usize)),
                Op::FiElse { fi_then, .. } => Some(below(fi_then.0 as usize)),
                Op::FromC { loop_back, .. } => Some(below(loop_back.0 as usize)),
                _ => None,
            };
            if let Some(t) = t.filter(|&t| t < g.code.len()) {
                at[t] = true;
            }
        }
        Targets { at }
    }
}

/// Reusable translator: one instance compiles every function of a module.
#[derive(Default)]
pub struct FuncTranslator {
    fctx: FunctionBuilderContext,
}

impl FuncTranslator {
    /// A translator with an empty builder context.
    pub fn new() -> FuncTranslator {
        FuncTranslator::default()
    }

    /// Builds the IR of gene `gene` in the given direction. `funcs[g]` are the callee
    /// references (forward, backward) already declared in `func`.
    pub fn translate(
        &mut self,
        info: &ModuleInfo<'_>,
        gene: usize,
        backward: bool,
        func: &mut Function,
        funcs: &[(FuncRef, FuncRef)],
    ) {
        let m = info.module;
        let g = &m.genes[gene];
        let mut b = FunctionBuilder::new(func, &mut self.fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let ctx = b.block_params(entry)[0];
        let args = b.block_params(entry)[1];
        let vars: Vec<Variable> = (0..g.slots).map(|_| b.declare_var(I64)).collect();
        let mut params = vec![false; g.slots as usize];
        let mut fixed = vec![Fixed::No; g.slots as usize];
        let flags = MemFlagsData::trusted();
        for (i, p) in g.params.iter().enumerate() {
            let s = g.param_slots[i] as usize;
            for k in 0..p.width() as usize {
                let v = b.ins().load(I64, flags, args, (8 * (s + k)) as i32);
                b.def_var(vars[s + k], v);
                params[s + k] = true;
            }
            // A parameter array's (pointer, length) never changes in the gene (the trust
            // check); its length is the declared one (the engine's argument check and the
            // trust check's call check).
            if let rdx_lang::ast::Type::Array(e, n) = p.ty
                && s + 1 < fixed.len()
            {
                fixed[s] = Fixed::Value(b.use_var(vars[s]));
                fixed[s + 1] = Fixed::Const(n.saturating_mul(e.words()));
            }
        }
        let zero = b.ins().iconst(I64, 0);
        for (s, v) in vars.iter().enumerate() {
            if !params[s] {
                b.def_var(*v, zero);
            }
        }
        let has_local_arrays =
            g.code.iter().any(|o| matches!(o, Op::LocalArr { .. } | Op::DelocalArr { .. }));
        let frame = if has_local_arrays {
            let arena = b.ins().load(I64, flags, ctx, runtime::OFF_ARENA);
            let used = b.ins().load(I64, flags, ctx, runtime::OFF_USED);
            let start = b.ins().iadd_imm_s(used, -(g.words as i64));
            let off = b.ins().ishl_imm_u(start, 3);
            Some(b.ins().iadd(arena, off))
        } else {
            None
        };
        let buf_words = g
            .code
            .iter()
            .map(|o| match *o {
                Op::Call { gene, .. } | Op::Uncall { gene, .. } => {
                    m.genes[gene.0 as usize].params.iter().map(|p| p.width() as u32).sum::<u32>()
                }
                Op::Printf { args, .. } => args.len as u32,
                _ => 0,
            })
            .max()
            .unwrap_or(0);
        let needs_buf =
            g.code.iter().any(|o| matches!(o, Op::Call { .. } | Op::Uncall { .. } | Op::Printf { .. }));
        let buf = needs_buf.then(|| {
            b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                buf_words.max(1) * 8,
                3,
            ))
        });
        let mut t = Tr {
            b,
            info,
            g,
            gene: gene as u32,
            backward,
            ctx,
            args,
            vars,
            frame,
            buf,
            funcs,
            pc: 0,
            blocks: HashMap::new(),
            done: false,
            fixed,
            loops: crate::loops::counted_loops(g),
            rots: HashMap::new(),
        };
        if backward {
            t.body_backward();
        } else {
            t.body_forward();
        }
        t.b.seal_all_blocks();
        t.b.finalize(info.frontend);
    }
}

/// The state of one function's translation.
struct Tr<'a, 'b, 'm> {
    b: FunctionBuilder<'b>,
    info: &'a ModuleInfo<'m>,
    g: &'m GeneDef,
    gene: u32,
    backward: bool,
    ctx: Value,
    args: Value,
    vars: Vec<Variable>,
    /// Address of the frame's word 0 in the arena (genes with local arrays).
    frame: Option<Value>,
    /// Scratch stack slot for call arguments and printf values.
    buf: Option<cranelift_codegen::ir::StackSlot>,
    funcs: &'a [(FuncRef, FuncRef)],
    /// The instruction being translated (errors report it).
    pc: usize,
    blocks: HashMap<usize, cranelift_codegen::ir::Block>,
    /// The current block ended with an unconditional transfer.
    done: bool,
    /// Slots whose value is the same everywhere in the function (parameter arrays).
    fixed: Vec<Fixed>,
    /// The gene's simple counted loops ([`crate::loops`]).
    loops: Vec<crate::loops::CountedLoop>,
    /// Values made by rotating another by a constant: `r ↦ (c, k)` for `r = rotl(c, k)`.
    rots: HashMap<Value, (Value, u32)>,
}

/// A slot that keeps one value for the whole function.
#[derive(Clone, Copy, Debug)]
enum Fixed {
    No,
    /// Defined in the entry block (so it dominates every use).
    Value(Value),
    Const(u64),
}

impl<'a, 'b, 'm> Tr<'a, 'b, 'm> {
    // ------------------------------------------------------------ helpers

    fn block(&mut self, pc: usize) -> cranelift_codegen::ir::Block {
        if let Some(b) = self.blocks.get(&pc) {
            return *b;
        }
        let b = self.b.create_block();
        self.blocks.insert(pc, b);
        b
    }

    fn jump(&mut self, pc: usize) {
        let blk = self.block(pc);
        self.b.ins().jump(blk, &[]);
        self.done = true;
    }

    /// Continues in a new block when `c` is true (the current block goes on when false).
    fn branch_to(&mut self, c: Value, pc: usize) {
        let target = self.block(pc);
        let next = self.b.create_block();
        self.b.ins().brif(c, target, &[], next, &[]);
        self.b.switch_to_block(next);
    }

    fn v(&mut self, s: Slot) -> Value {
        match self.fixed[s.0 as usize] {
            Fixed::Value(v) => v,
            Fixed::Const(k) => self.k(k),
            Fixed::No => self.b.use_var(self.vars[s.0 as usize]),
        }
    }

    /// Whether the counted loop ending at `step` is simple: its re-entry checks cannot fail.
    fn simple_loop(&self, step: usize) -> bool {
        self.loops.iter().any(|l| l.step == step)
    }

    /// `x` rotated left by the constant `k` (mod 64), remembered for [`Op::XorRot`]'s rewrite.
    fn rotl_k(&mut self, x: Value, k: u32) -> Value {
        let k = k % 64;
        if k == 0 {
            return x;
        }
        let (base, total) = match self.rots.get(&x) {
            Some(&(c, j)) => (c, (j + k) % 64),
            None => (x, k),
        };
        if total == 0 {
            return base;
        }
        let r = self.b.ins().rotl_imm_u(base, total as i64);
        self.rots.insert(r, (base, total));
        r
    }

    /// Copies of the body per trip around the counted loop ending at `step`.
    fn unroll_factor(&self, step: usize) -> usize {
        self.loops.iter().find(|l| l.step == step).map_or(1, |l| crate::loops::unroll_factor(self.g, l))
    }

    /// Emits the straight-line code `start..end` forward (a copy of an unrolled loop body).
    fn forward_range(&mut self, start: usize, end: usize) {
        let mut pc = start;
        while pc < end {
            if self.g.code[pc].is_pure() {
                let consumer = self.consumer_of(pc);
                self.emit_pure(pc, consumer);
                pc = consumer;
            }
            self.srcloc(pc);
            self.translate_forward(pc);
            pc += 1;
        }
    }

    /// Emits the straight-line code `start..end` backward (a copy of an unrolled loop body).
    fn backward_range(&mut self, start: usize, end: usize) {
        let mut pc = end - 1;
        while pc >= start {
            self.srcloc(pc);
            self.translate_backward(pc);
            let below = pre_start(self.g, pc);
            if below <= start {
                break;
            }
            pc = below - 1;
        }
    }

    fn set(&mut self, s: Slot, v: Value) {
        self.b.def_var(self.vars[s.0 as usize], v);
    }

    fn k(&mut self, x: u64) -> Value {
        self.b.ins().iconst(I64, x as i64)
    }

    fn cond(&mut self, c: Cond) -> Value {
        match c {
            Cond::Nz(a) => {
                let x = self.v(a);
                self.b.ins().icmp_imm_s(IntCC::NotEqual, x, 0)
            }
            Cond::Eq(a, b) | Cond::Ne(a, b) => {
                let (x, y) = (self.v(a), self.v(b));
                let cc = if matches!(c, Cond::Eq(..)) { IntCC::Equal } else { IntCC::NotEqual };
                self.b.ins().icmp(cc, x, y)
            }
            Cond::EqImm(a, k) => {
                let x = self.v(a);
                self.b.ins().icmp_imm_s(IntCC::Equal, x, k as i64)
            }
            Cond::NeImm(a, k) => {
                let x = self.v(a);
                self.b.ins().icmp_imm_s(IntCC::NotEqual, x, k as i64)
            }
            Cond::LtU(a, b) | Cond::LtS(a, b) | Cond::LeU(a, b) | Cond::LeS(a, b) => {
                let cc = match c {
                    Cond::LtU(..) => IntCC::UnsignedLessThan,
                    Cond::LtS(..) => IntCC::SignedLessThan,
                    Cond::LeU(..) => IntCC::UnsignedLessThanOrEqual,
                    _ => IntCC::SignedLessThanOrEqual,
                };
                let (x, y) = (self.v(a), self.v(b));
                self.b.ins().icmp(cc, x, y)
            }
            Cond::LtUImm(a, k)
            | Cond::LtSImm(a, k)
            | Cond::LeUImm(a, k)
            | Cond::LeSImm(a, k)
            | Cond::GtUImm(a, k)
            | Cond::GtSImm(a, k)
            | Cond::GeUImm(a, k)
            | Cond::GeSImm(a, k) => {
                let cc = match c {
                    Cond::LtUImm(..) => IntCC::UnsignedLessThan,
                    Cond::LtSImm(..) => IntCC::SignedLessThan,
                    Cond::LeUImm(..) => IntCC::UnsignedLessThanOrEqual,
                    Cond::LeSImm(..) => IntCC::SignedLessThanOrEqual,
                    Cond::GtUImm(..) => IntCC::UnsignedGreaterThan,
                    Cond::GtSImm(..) => IntCC::SignedGreaterThan,
                    Cond::GeUImm(..) => IntCC::UnsignedGreaterThanOrEqual,
                    _ => IntCC::SignedGreaterThanOrEqual,
                };
                let x = self.v(a);
                self.b.ins().icmp_imm_s(cc, x, k as i64)
            }
        }
    }

    /// Calls a runtime helper at a fixed address.
    fn call_rt(&mut self, addr: usize, params: &[Type], ret: Option<Type>, args: &[Value]) -> Option<Value> {
        let mut sig = Signature::new(self.info.call_conv);
        sig.params.extend(params.iter().map(|t| AbiParam::new(*t)));
        sig.returns.extend(ret.map(AbiParam::new));
        let sref = self.b.import_signature(sig);
        let callee = self.b.ins().iconst(I64, addr as i64);
        let inst = self.b.ins().call_indirect(sref, callee, args);
        self.b.inst_results(inst).first().copied()
    }

    /// Calls a runtime helper that returns a status and leaves through the error exit when it
    /// recorded a fault.
    fn call_checked(&mut self, addr: usize, params: &[Type], args: &[Value]) {
        let st = self.call_rt(addr, params, Some(I32), args).expect("the helper returns a status");
        self.check_status(st);
    }

    /// Records an error at the current instruction and returns 1 (in a new cold block).
    fn emit_error(&mut self, code: u32, a: Value, b: Value) {
        let ctx = self.ctx;
        let code = self.b.ins().iconst(I32, code as i64);
        let gene = self.b.ins().iconst(I32, self.gene as i64);
        let pc = self.b.ins().iconst(I32, self.pc as i64);
        let dir = self.b.ins().iconst(I32, self.backward as i64);
        self.call_rt(
            runtime::rt_error as *const () as usize,
            &[I64, I32, I64, I64, I32, I32, I32],
            None,
            &[ctx, code, a, b, gene, pc, dir],
        );
        let one = self.b.ins().iconst(I32, 1);
        self.b.ins().return_(&[one]);
    }

    /// When `c` holds: error `code` with payload (a, b) at the current instruction.
    fn fail_if(&mut self, c: Value, code: u32, a: Value, b: Value) {
        let err = self.b.create_block();
        let next = self.b.create_block();
        self.b.set_cold_block(err);
        self.b.ins().brif(c, err, &[], next, &[]);
        self.b.switch_to_block(err);
        self.emit_error(code, a, b);
        self.b.switch_to_block(next);
    }

    fn fail_if0(&mut self, c: Value, code: u32) {
        let z = self.k(0);
        self.fail_if(c, code, z, z);
    }

    /// Unconditional error at the current instruction; the rest of the block is dead.
    fn fail(&mut self, code: u32, a: Value, b: Value) {
        self.emit_error(code, a, b);
        self.done = true;
    }

    /// A helper returned a status: non-zero means it recorded a fault.
    fn check_status(&mut self, st: Value) {
        let z = self.k(0);
        self.fail_if(st, fault::RECORDED, z, z);
    }

    fn ret_word(&mut self) -> Value {
        self.b.ins().load(I64, MemFlagsData::trusted(), self.ctx, runtime::OFF_RET)
    }

    /// The address of `arr[idx]` after the bounds check.
    fn elem(&mut self, arr: Arr, idx: Slot) -> Value {
        let base = self.v(Slot(arr.0));
        let i = self.v(idx);
        // In a simple counted loop whose counter stays inside the array, no check.
        let in_bounds = match self.fixed.get(arr.0 as usize + 1) {
            Some(Fixed::Const(n)) => self
                .loops
                .iter()
                .any(|l| l.ctr == idx && l.contains(self.pc) && l.range.is_some_and(|(_, hi)| hi < *n)),
            _ => false,
        };
        if !in_bounds {
            let len = self.v(Slot(arr.0 + 1));
            let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, len);
            self.fail_if(oob, fault::OOB, i, len);
        }
        let off = self.b.ins().ishl_imm_u(i, 3);
        self.b.ins().iadd(base, off)
    }

    /// The address of stack `id`'s [`runtime::RtStack`] when `id` names a live stack; else
    /// continues in `slow` (where a helper reports the fault).
    fn stack_hdr(&mut self, id: Value, slow: cranelift_codegen::ir::Block) -> Value {
        let flags = MemFlagsData::trusted();
        let live = self.b.ins().load(I64, flags, self.ctx, runtime::OFF_LIVE);
        let ok = self.b.ins().icmp(IntCC::UnsignedLessThan, id, live);
        let next = self.b.create_block();
        self.b.ins().brif(ok, next, &[], slow, &[]);
        self.b.switch_to_block(next);
        let tab = self.b.ins().load(I64, flags, self.ctx, runtime::OFF_STACK_TAB);
        let off = self.b.ins().imul_imm_s(id, runtime::STACK_SIZE);
        self.b.ins().iadd(tab, off)
    }

    /// A word of a stack header.
    fn stack_field(&mut self, hdr: Value, off: i32) -> Value {
        self.b.ins().load(I64, MemFlagsData::trusted(), hdr, off)
    }

    fn load(&mut self, p: Value) -> Value {
        self.b.ins().load(I64, MemFlagsData::trusted(), p, 0)
    }

    fn store(&mut self, v: Value, p: Value) {
        self.b.ins().store(MemFlagsData::trusted(), v, p, 0);
    }

    fn srcloc(&mut self, pc: usize) {
        self.pc = pc;
        self.b.set_srcloc(SourceLoc::new(pc as u32));
    }

    // ------------------------------------------------------------ bodies

    fn body_forward(&mut self) {
        let code = &self.g.code;
        let targets = Targets::forward(self.g);
        let mut pc = 1;
        while pc < code.len() {
            if targets.at[pc] || pc == 1 {
                let blk = self.block(pc);
                if !self.done {
                    self.b.ins().jump(blk, &[]);
                }
                self.b.switch_to_block(blk);
                self.done = false;
            } else if self.done {
                pc += 1;
                continue;
            }
            let op = code[pc];
            if op.is_pure() {
                let consumer = self.consumer_of(pc);
                self.emit_pure(pc, consumer);
                pc = consumer;
            }
            self.srcloc(pc);
            self.translate_forward(pc);
            pc += 1;
        }
    }

    fn body_backward(&mut self) {
        let code = &self.g.code;
        let targets = Targets::backward(self.g);
        let mut pc = code.len() - 2;
        loop {
            if targets.at[pc] || pc == code.len() - 2 {
                let blk = self.block(pc);
                if !self.done {
                    self.b.ins().jump(blk, &[]);
                }
                self.b.switch_to_block(blk);
                self.done = false;
            }
            if !self.done {
                self.srcloc(pc);
                self.translate_backward(pc);
            }
            let below = pre_start(self.g, pc);
            if below == 0 {
                break;
            }
            pc = below - 1;
        }
    }

    /// The instruction that consumes the pure run starting at `start`.
    fn consumer_of(&self, start: usize) -> usize {
        let mut p = start;
        while p < self.g.code.len() && self.g.code[p].is_pure() {
            p += 1;
        }
        p.min(self.g.code.len() - 1)
    }

    /// Runs the pure code `start..end` forward (with its short-circuit jumps).
    fn emit_pure(&mut self, start: usize, end: usize) {
        let code = &self.g.code;
        let mut local: HashMap<usize, cranelift_codegen::ir::Block> = HashMap::new();
        for op in &code[start..end] {
            if let Op::Jz { to, .. } | Op::Jnz { to, .. } = *op {
                local.entry(to.0 as usize).or_insert_with(|| self.b.create_block());
            }
        }
        for (q, &op) in code.iter().enumerate().take(end).skip(start) {
            if let Some(&blk) = local.get(&q) {
                self.b.ins().jump(blk, &[]);
                self.b.switch_to_block(blk);
            }
            self.srcloc(q);
            match op {
                Op::Jz { a, to, .. } | Op::Jnz { a, to, .. } => {
                    let x = self.v(a);
                    let cc = if matches!(op, Op::Jz { .. }) { IntCC::Equal } else { IntCC::NotEqual };
                    let c = self.b.ins().icmp_imm_s(cc, x, 0);
                    let target = local[&(to.0 as usize)];
                    let next = self.b.create_block();
                    self.b.ins().brif(c, target, &[], next, &[]);
                    self.b.switch_to_block(next);
                }
                op => self.translate_pure(op),
            }
        }
        if let Some(&blk) = local.get(&end) {
            self.b.ins().jump(blk, &[]);
            self.b.switch_to_block(blk);
        }
    }

    /// Re-runs the pure code of instruction `at` (backward direction).
    fn eval_pre(&mut self, at: usize) {
        let here = self.pc;
        let start = pre_start(self.g, at);
        if start < at {
            self.emit_pure(start, at);
        }
        self.srcloc(here);
    }

    /// Writes the width-1 parameter slots back and returns 0.
    fn emit_return(&mut self) {
        let flags = MemFlagsData::trusted();
        for (i, p) in self.g.params.iter().enumerate() {
            if p.width() == 1 {
                let s = self.g.param_slots[i];
                let v = self.v(Slot(s));
                self.b.ins().store(flags, v, self.args, 8 * s as i32);
            }
        }
        let z = self.b.ins().iconst(I32, 0);
        self.b.ins().return_(&[z]);
        self.done = true;
    }

    // ------------------------------------------------------------ control, forward

    fn translate_forward(&mut self, pc: usize) {
        let op = self.g.code[pc];
        match op {
            Op::Enter {} | Op::Else { .. } | Op::LoopExit { .. } => {}
            Op::Exit {} => self.emit_return(),
            Op::If { cond, else_at, .. } => {
                let c = self.cond(cond);
                let nc = self.b.ins().bxor_imm_u(c, 1);
                self.branch_to(nc, else_at.0 as usize + 1);
            }
            Op::FiThen { cond, fi_else, .. } => {
                let c = self.cond(cond);
                let nc = self.b.ins().bxor_imm_u(c, 1);
                self.fail_if0(nc, fault::FI_THEN);
                self.jump(fi_else.0 as usize + 1);
            }
            Op::FiElse { cond, .. } => {
                let c = self.cond(cond);
                self.fail_if0(c, fault::FI_ELSE);
            }
            Op::From { cond, .. } => {
                let c = self.cond(cond);
                let nc = self.b.ins().bxor_imm_u(c, 1);
                self.fail_if0(nc, fault::FROM_ENTRY);
            }
            Op::Until { cond, loop_exit, .. } => {
                let c = self.cond(cond);
                self.branch_to(c, loop_exit.0 as usize + 1);
            }
            Op::LoopBack { cond, from_top, .. } => {
                let c = self.cond(cond);
                self.fail_if0(c, fault::FROM_REENTRY);
                self.jump(from_top.0 as usize + 1);
            }
            Op::FromC { cond, .. } => {
                let c = self.cond(cond);
                let nc = self.b.ins().bxor_imm_u(c, 1);
                self.fail_if0(nc, fault::FROM_ENTRY);
            }
            Op::LoopInc { ctr, cond, from_top, .. } | Op::LoopDec { ctr, cond, from_top, .. } => {
                let step = if matches!(op, Op::LoopInc { .. }) { 1 } else { -1 };
                let x = self.v(ctr);
                let x = self.b.ins().iadd_imm_s(x, step);
                self.set(ctr, x);
                // Unrolled: more copies of the body, each with its step, before the exit test.
                let top = from_top.0 as usize;
                for _ in 1..self.unroll_factor(pc) {
                    self.forward_range(top + 1, pc);
                    self.srcloc(pc);
                    let x = self.v(ctr);
                    let x = self.b.ins().iadd_imm_s(x, step);
                    self.set(ctr, x);
                }
                let c = self.cond(cond);
                self.branch_to(c, pc + 2);
                if !self.simple_loop(pc) {
                    let again = match self.g.code[top] {
                        Op::FromC { cond, .. } => self.cond(cond),
                        _ => self.b.ins().iconst(types::I8, 1),
                    };
                    self.fail_if0(again, fault::FROM_REENTRY);
                }
                self.jump(top + 1);
            }
            other => self.translate_effect(other),
        }
    }

    // ------------------------------------------------------------ control, backward

    fn translate_backward(&mut self, pc: usize) {
        let op = self.g.code[pc];
        let below = |t: &Self, p: usize| pre_start(t.g, p) - 1;
        match op {
            Op::Enter {} => self.emit_return(),
            Op::Exit {} | Op::FiThen { .. } | Op::LoopBack { .. } => {}
            Op::From { cond, loop_back, .. } => {
                self.eval_pre(pc);
                let c = self.cond(cond);
                // Holds: leave the loop (fall through below); else go to the loop block's end.
                let nc = self.b.ins().bxor_imm_u(c, 1);
                let to = below(self, loop_back.0 as usize);
                self.branch_to(nc, to);
            }
            Op::Until { cond, .. } => {
                self.eval_pre(pc);
                let c = self.cond(cond);
                self.fail_if0(c, fault::UNTIL_REENTRY);
            }
            Op::LoopExit { until, .. }
                if matches!(self.g.code[until.0 as usize], Op::LoopInc { .. } | Op::LoopDec { .. }) =>
            {
                let u = until.0 as usize;
                let c = self.cond_of_step(u);
                let nc = self.b.ins().bxor_imm_u(c, 1);
                self.fail_if0(nc, fault::UNTIL_EXIT);
                self.step_back(u);
                self.jump(u - 1);
            }
            Op::LoopInc { cond, .. } | Op::LoopDec { cond, .. } => {
                if !self.simple_loop(pc) {
                    let c = self.cond(cond);
                    self.fail_if0(c, fault::UNTIL_REENTRY);
                }
                self.step_back(pc);
            }
            Op::FromC { cond, loop_back, .. } => {
                // Unrolled: more steps back, each with a copy of the body, before the test.
                let lp = loop_back.0 as usize;
                for _ in 1..self.unroll_factor(lp) {
                    self.srcloc(lp);
                    self.step_back(lp);
                    self.backward_range(pc + 1, lp);
                }
                self.srcloc(pc);
                let c = self.cond(cond);
                let around = self.b.create_block();
                let next = self.b.create_block();
                self.b.ins().brif(c, next, &[], around, &[]);
                self.b.switch_to_block(around);
                // Around again: the step's backward meaning (its errors name the step).
                self.srcloc(lp);
                if !self.simple_loop(lp) {
                    let c = self.cond_of_step(lp);
                    self.fail_if0(c, fault::UNTIL_REENTRY);
                }
                self.step_back(lp);
                self.jump(lp - 1);
                self.b.switch_to_block(next);
                self.done = false;
                self.srcloc(pc);
            }
            Op::LoopExit { until, .. } => {
                let u = until.0 as usize;
                self.eval_pre(u);
                self.srcloc(pc);
                let ok = match self.g.code[u] {
                    Op::Until { cond, .. } => {
                        let c = self.cond(cond);
                        self.b.ins().bxor_imm_u(c, 1)
                    }
                    _ => self.b.ins().iconst(types::I8, 1),
                };
                self.fail_if0(ok, fault::UNTIL_EXIT);
                let to = below(self, u);
                self.jump(to);
            }
            Op::If { cond, .. } => {
                self.eval_pre(pc);
                let c = self.cond(cond);
                let nc = self.b.ins().bxor_imm_u(c, 1);
                self.fail_if0(nc, fault::IF_THEN);
            }
            Op::Else { if_top, .. } => {
                let t = if_top.0 as usize;
                self.eval_pre(t);
                self.srcloc(pc);
                let holds = match self.g.code[t] {
                    Op::If { cond, .. } => self.cond(cond),
                    _ => self.b.ins().iconst(types::I8, 1),
                };
                self.fail_if0(holds, fault::IF_ELSE);
                let to = below(self, t);
                self.jump(to);
            }
            Op::FiElse { cond, fi_then, .. } => {
                self.eval_pre(pc);
                let c = self.cond(cond);
                let to = below(self, fi_then.0 as usize);
                self.branch_to(c, to);
            }
            Op::Assign { dst, .. } => {
                // Backward over `x := e`: restore x from the tape; e is not evaluated.
                self.tape_pop_into(dst);
            }
            other if other.is_pure() => {}
            other => {
                if other.takes_pre() {
                    self.eval_pre(pc);
                }
                self.translate_effect(other.mirror());
            }
        }
    }

    /// The condition of the counted-loop step at `at`.
    fn cond_of_step(&mut self, at: usize) -> Value {
        match self.g.code[at] {
            Op::LoopInc { cond, .. } | Op::LoopDec { cond, .. } => self.cond(cond),
            _ => self.b.ins().iconst(types::I8, 1),
        }
    }

    /// Undoes the counter step of the counted-loop step at `at`.
    fn step_back(&mut self, at: usize) {
        if let Op::LoopInc { ctr, .. } | Op::LoopDec { ctr, .. } = self.g.code[at] {
            let step = if matches!(self.g.code[at], Op::LoopInc { .. }) { -1 } else { 1 };
            let x = self.v(ctr);
            let x = self.b.ins().iadd_imm_s(x, step);
            self.set(ctr, x);
        }
    }

    // ------------------------------------------------------------ effects (forward meaning)

    fn tape_pop_into(&mut self, dst: Slot) {
        let ctx = self.ctx;
        let tag = self.k(self.info.module.tape_tag(self.gene as usize, self.pc));
        let now = self.v(dst);
        self.call_checked(runtime::rt_tape_pop as *const () as usize, &[I64, I64, I64], &[ctx, tag, now]);
        let v = self.ret_word();
        self.set(dst, v);
    }

    fn translate_effect(&mut self, op: Op) {
        match op {
            Op::Call { gene, args, .. } => self.translate_call(gene.0 as usize, args, false),
            Op::Uncall { gene, args, .. } => self.translate_call(gene.0 as usize, args, true),
            Op::Local { dst, src, .. } => {
                let v = self.v(src);
                self.set(dst, v);
            }
            Op::Delocal { dst, src, .. } => {
                let (e, a) = (self.v(src), self.v(dst));
                self.delocal_check(dst.0, e, a);
            }
            Op::LocalImm { dst, imm, .. } => {
                let v = self.k(imm.0);
                self.set(dst, v);
            }
            Op::DelocalImm { dst, imm, .. } => {
                let e = self.k(imm.0);
                let a = self.v(dst);
                self.delocal_check(dst.0, e, a);
            }
            Op::LocalArr { arr, at, len, src, .. } => {
                let p = self.frame_word(at.0);
                let n = self.k(len.0 as u64);
                let v = self.v(src);
                self.call_rt(runtime::rt_fill as *const () as usize, &[I64, I64, I64], None, &[p, n, v]);
                self.set(Slot(arr.0), p);
                self.set(Slot(arr.0 + 1), n);
            }
            Op::DelocalArr { arr, at, len, src, .. } => {
                let p = self.frame_word(at.0);
                let n = self.k(len.0 as u64);
                let v = self.v(src);
                let slot = self.b.ins().iconst(I32, arr.0 as i64);
                let ctx = self.ctx;
                self.call_checked(
                    runtime::rt_check as *const () as usize,
                    &[I64, I64, I64, I64, I32],
                    &[ctx, p, n, v, slot],
                );
            }
            Op::LocalStack { dst, .. } => {
                let ctx = self.ctx;
                let id =
                    self.call_rt(runtime::rt_open_stack as *const () as usize, &[I64], Some(I64), &[ctx]);
                self.set(dst, id.expect("id"));
            }
            Op::DelocalStack { dst, .. } => {
                let ctx = self.ctx;
                let id = self.v(dst);
                self.call_checked(runtime::rt_close_stack as *const () as usize, &[I64, I64], &[ctx, id]);
            }
            Op::Push { var, stack, .. } => {
                let ctx = self.ctx;
                let (id, v) = (self.v(stack), self.v(var));
                // Inline while the buffer has room; the helper grows it or reports the fault.
                let (slow, done) = (self.b.create_block(), self.b.create_block());
                self.b.set_cold_block(slow);
                let hdr = self.stack_hdr(id, slow);
                let (len, cap) = (
                    self.stack_field(hdr, runtime::OFF_STACK_LEN),
                    self.stack_field(hdr, runtime::OFF_STACK_CAP),
                );
                let room = self.b.ins().icmp(IntCC::UnsignedLessThan, len, cap);
                let fast = self.b.create_block();
                self.b.ins().brif(room, fast, &[], slow, &[]);
                self.b.switch_to_block(fast);
                let buf = self.stack_field(hdr, runtime::OFF_STACK_PTR);
                let off = self.b.ins().ishl_imm_u(len, 3);
                let at = self.b.ins().iadd(buf, off);
                self.store(v, at);
                let len1 = self.b.ins().iadd_imm_s(len, 1);
                self.b.ins().store(MemFlagsData::trusted(), len1, hdr, runtime::OFF_STACK_LEN);
                self.b.ins().jump(done, &[]);
                self.b.switch_to_block(slow);
                self.call_checked(runtime::rt_push as *const () as usize, &[I64, I64, I64], &[ctx, id, v]);
                self.b.ins().jump(done, &[]);
                self.b.switch_to_block(done);
                let z = self.k(0);
                self.set(var, z);
            }
            Op::Pop { var, stack, .. } => {
                let ctx = self.ctx;
                let (id, cur) = (self.v(stack), self.v(var));
                // Inline when the variable is 0 and the stack is not empty; else the helper
                // reports the fault.
                let (slow, done) = (self.b.create_block(), self.b.create_block());
                self.b.set_cold_block(slow);
                self.b.append_block_param(done, I64);
                let hdr = self.stack_hdr(id, slow);
                let len = self.stack_field(hdr, runtime::OFF_STACK_LEN);
                let empty = self.b.ins().icmp_imm_s(IntCC::Equal, len, 0);
                let empty = self.b.ins().uextend(I64, empty);
                let bad = self.b.ins().bor(empty, cur);
                let fast = self.b.create_block();
                self.b.ins().brif(bad, slow, &[], fast, &[]);
                self.b.switch_to_block(fast);
                let len1 = self.b.ins().iadd_imm_s(len, -1);
                self.b.ins().store(MemFlagsData::trusted(), len1, hdr, runtime::OFF_STACK_LEN);
                let buf = self.stack_field(hdr, runtime::OFF_STACK_PTR);
                let off = self.b.ins().ishl_imm_u(len1, 3);
                let at = self.b.ins().iadd(buf, off);
                let top = self.load(at);
                self.b.ins().jump(done, &[top.into()]);
                self.b.switch_to_block(slow);
                self.call_checked(runtime::rt_pop as *const () as usize, &[I64, I64, I64], &[ctx, id, cur]);
                let v = self.ret_word();
                self.b.ins().jump(done, &[v.into()]);
                self.b.switch_to_block(done);
                let v = self.b.block_params(done)[0];
                self.set(var, v);
            }
            Op::Assert { cond, .. } => {
                let c = self.cond(cond);
                let nc = self.b.ins().bxor_imm_u(c, 1);
                self.fail_if0(nc, fault::ASSERT);
            }
            Op::Assign { dst, src, .. } => {
                let ctx = self.ctx;
                let old = self.v(dst);
                let tag = self.k(self.info.module.tape_tag(self.gene as usize, self.pc));
                let v = self.v(src);
                self.call_rt(
                    runtime::rt_tape_push as *const () as usize,
                    &[I64, I64, I64, I64],
                    None,
                    &[ctx, old, tag, v],
                );
                self.set(dst, v);
            }
            Op::Unassign { dst, .. } => self.tape_pop_into(dst),
            Op::Error { msg, .. } => {
                let a = self.k(msg.0 as u64);
                let z = self.k(0);
                self.fail(fault::USER, a, z);
            }
            Op::Print { text, .. } => {
                let ctx = self.ctx;
                let s = self.b.ins().iconst(I32, text.0 as i64);
                self.call_rt(runtime::rt_print as *const () as usize, &[I64, I32], None, &[ctx, s]);
            }
            Op::Printf { fmt, args, .. } => {
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
                self.call_rt(
                    runtime::rt_printf as *const () as usize,
                    &[I64, I32, I64, I64],
                    None,
                    &[ctx, f, p, n],
                );
            }
            Op::Show { var, name, fmt, .. } => {
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
                self.call_rt(
                    runtime::rt_show as *const () as usize,
                    &[I64, I32, I32, I64, I64, I32],
                    None,
                    &[ctx, nm, f, v, len, dir],
                );
            }
            Op::Kernel { name, buf, elem } | Op::KernelInv { name, buf, elem } => {
                let ctx = self.ctx;
                let (p, len) = (self.v(Slot(buf.0)), self.v(Slot(buf.0 + 1)));
                let nm = self.b.ins().iconst(I32, name.0 as i64);
                let el = self.b.ins().iconst(I32, elem.0 as i64);
                let inv = self.b.ins().iconst(I32, matches!(op, Op::KernelInv { .. }) as i64);
                self.call_checked(
                    runtime::rt_kernel as *const () as usize,
                    &[I64, I32, I64, I64, I32, I32],
                    &[ctx, nm, p, len, el, inv],
                );
            }
            Op::Fix { dst, w } => {
                let x = self.v(dst);
                let r = self.wrap_w(x, w);
                self.set(dst, r);
            }
            Op::RotlW { dst, src, w, .. } | Op::RotrW { dst, src, w, .. } => {
                let bits = i64::from(w.width().bits);
                let (x, y) = (self.v(dst), self.v(src));
                let v = self.b.ins().band_imm_u(x, w.width().mask() as i64);
                let mut k = self.b.ins().band_imm_u(y, bits - 1);
                if matches!(op, Op::RotrW { .. }) {
                    let c = self.k(bits as u64);
                    let n = self.b.ins().isub(c, k);
                    k = self.b.ins().band_imm_u(n, bits - 1);
                }
                // v < 2^bits, so v >> bits is 0 when k is 0.
                let hi = self.b.ins().ishl(v, k);
                let c = self.k(bits as u64);
                let back = self.b.ins().isub(c, k);
                let lo = self.b.ins().ushr(v, back);
                let r = self.b.ins().bor(hi, lo);
                let r = self.wrap_w(r, w);
                self.set(dst, r);
            }
            Op::Add { dst, src, .. } => self.update(dst, src, |b, x, y| b.ins().iadd(x, y)),
            Op::Sub { dst, src, .. } => self.update(dst, src, |b, x, y| b.ins().isub(x, y)),
            Op::Xor { dst, src, .. } => self.update(dst, src, |b, x, y| b.ins().bxor(x, y)),
            Op::AddImm { dst, imm, .. } => self.update_imm(dst, imm.0, |b, x, y| b.ins().iadd(x, y)),
            Op::SubImm { dst, imm, .. } => self.update_imm(dst, imm.0, |b, x, y| b.ins().isub(x, y)),
            Op::XorImm { dst, imm, .. } => {
                let x = self.v(dst);
                if let Some(&(c, k)) = self.rots.get(&x) {
                    // rotl(c, k) ^ imm = rotl(c ^ rotr(imm, k), k), at no cost.
                    let u = self.b.ins().bxor_imm_u(c, imm.0.rotate_right(k) as i64);
                    let r = self.rotl_k(u, k);
                    self.set(dst, r);
                } else {
                    self.update_imm(dst, imm.0, |b, x, y| b.ins().bxor(x, y))
                }
            }
            Op::MulImm { dst, imm, .. } => self.update_imm(dst, imm.0, |b, x, y| b.ins().imul(x, y)),
            Op::AddChk { dst, src, .. } => {
                let (x, y) = (self.v(dst), self.v(src));
                let (r, o) = self.b.ins().sadd_overflow(x, y);
                self.fail_if0(o, fault::OVERFLOW);
                self.set(dst, r);
            }
            Op::SubChk { dst, src, .. } => {
                let (x, y) = (self.v(dst), self.v(src));
                let (r, o) = self.b.ins().ssub_overflow(x, y);
                self.fail_if0(o, fault::OVERFLOW);
                self.set(dst, r);
            }
            Op::AddChkImm { dst, imm } | Op::SubChkImm { dst, imm } => {
                let (x, y) = (self.v(dst), self.k(imm.0));
                let (r, o) = if matches!(op, Op::AddChkImm { .. }) {
                    self.b.ins().sadd_overflow(x, y)
                } else {
                    self.b.ins().ssub_overflow(x, y)
                };
                self.fail_if0(o, fault::OVERFLOW);
                self.set(dst, r);
            }
            Op::Xsl { dst, amt, .. } => {
                let x = self.v(dst);
                let s = self.b.ins().ishl_imm_u(x, amt.0 as i64);
                let r = self.b.ins().bxor(x, s);
                self.set(dst, r);
            }
            Op::Xsr { dst, amt, .. } => {
                let x = self.v(dst);
                let s = self.b.ins().ushr_imm_u(x, amt.0 as i64);
                let r = self.b.ins().bxor(x, s);
                self.set(dst, r);
            }
            Op::XslInv { dst, amt, .. } | Op::XsrInv { dst, amt, .. } => {
                let left = matches!(op, Op::XslInv { .. });
                let mut x = self.v(dst);
                let mut s = amt.0 as u32;
                while s < 64 {
                    let sh = if left {
                        self.b.ins().ishl_imm_u(x, s as i64)
                    } else {
                        self.b.ins().ushr_imm_u(x, s as i64)
                    };
                    x = self.b.ins().bxor(x, sh);
                    s *= 2;
                }
                self.set(dst, x);
            }
            Op::RotlImm { dst, amt, .. } | Op::RotrImm { dst, amt, .. } => {
                let k = u32::from(amt.0 % 64);
                let k = if matches!(op, Op::RotlImm { .. }) { k } else { 64 - k };
                let x = self.v(dst);
                let r = self.rotl_k(x, k);
                self.set(dst, r);
            }
            Op::Rotl { dst, src, .. } => self.update(dst, src, |b, x, y| {
                let y = b.ins().band_imm_u(y, 63);
                b.ins().rotl(x, y)
            }),
            Op::Rotr { dst, src, .. } => self.update(dst, src, |b, x, y| {
                let y = b.ins().band_imm_u(y, 63);
                b.ins().rotr(x, y)
            }),
            Op::RotAdd { dst, src, amt } | Op::RotSub { dst, src, amt } | Op::RotXor { dst, src, amt } => {
                let x = self.v(dst);
                let r = self.rotl_k(x, u32::from(amt.0));
                let y = self.v(src);
                let r = match op {
                    Op::RotAdd { .. } => self.b.ins().iadd(r, y),
                    Op::RotSub { .. } => self.b.ins().isub(r, y),
                    _ => self.b.ins().bxor(r, y),
                };
                self.set(dst, r);
            }
            Op::AddRot { dst, src, amt } | Op::SubRot { dst, src, amt } | Op::XorRot { dst, src, amt } => {
                let (x, y) = (self.v(dst), self.v(src));
                let amt = u32::from(amt.0);
                let r = match (op, self.rots.get(&y).copied()) {
                    // (x ^ rotl(c, k)) <<< amt = (x <<< amt) ^ rotl(c, k + amt): rotation
                    // distributes over xor, and the late operand's chain loses a step (an
                    // inverse ARX round, such as Speck's decryption, gets its encryption's
                    // chain length).
                    (Op::XorRot { .. }, Some((c, k))) => {
                        let (a, b) = (self.rotl_k(x, amt), self.rotl_k(c, k + amt));
                        self.b.ins().bxor(a, b)
                    }
                    _ => {
                        let r = match op {
                            Op::AddRot { .. } => self.b.ins().iadd(x, y),
                            Op::SubRot { .. } => self.b.ins().isub(x, y),
                            _ => self.b.ins().bxor(x, y),
                        };
                        self.rotl_k(r, amt)
                    }
                };
                self.set(dst, r);
            }
            Op::Neg { dst, .. } => {
                let x = self.v(dst);
                let r = self.b.ins().ineg(x);
                self.set(dst, r);
            }
            Op::Not { dst, .. } => {
                let x = self.v(dst);
                let r = self.b.ins().bnot(x);
                self.set(dst, r);
            }
            Op::NegChk { dst, .. } => {
                let x = self.v(dst);
                let o = self.b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
                self.fail_if0(o, fault::OVERFLOW);
                let r = self.b.ins().ineg(x);
                self.set(dst, r);
            }
            Op::Swap { a, b, .. } => {
                let (x, y) = (self.v(a), self.v(b));
                self.set(a, y);
                self.set(b, x);
            }
            Op::AddElem { arr, idx, src, .. } => {
                self.update_elem(arr, idx, Some(src), 0, |b, x, y| b.ins().iadd(x, y))
            }
            Op::SubElem { arr, idx, src, .. } => {
                self.update_elem(arr, idx, Some(src), 0, |b, x, y| b.ins().isub(x, y))
            }
            Op::XorElem { arr, idx, src, .. } => {
                self.update_elem(arr, idx, Some(src), 0, |b, x, y| b.ins().bxor(x, y))
            }
            Op::AddElemImm { arr, idx, imm, .. } => {
                self.update_elem(arr, idx, None, imm.0, |b, x, y| b.ins().iadd(x, y))
            }
            Op::SubElemImm { arr, idx, imm, .. } => {
                self.update_elem(arr, idx, None, imm.0, |b, x, y| b.ins().isub(x, y))
            }
            Op::XorElemImm { arr, idx, imm, .. } => {
                self.update_elem(arr, idx, None, imm.0, |b, x, y| b.ins().bxor(x, y))
            }
            Op::AddFrom { dst, arr, idx, .. } => {
                self.update_from(dst, arr, idx, |b, x, y| b.ins().iadd(x, y))
            }
            Op::SubFrom { dst, arr, idx, .. } => {
                self.update_from(dst, arr, idx, |b, x, y| b.ins().isub(x, y))
            }
            Op::XorFrom { dst, arr, idx, .. } => {
                let x = self.v(dst);
                if let Some(&(c, k)) = self.rots.get(&x) {
                    // rotl(c, k) ^ e = rotl(c ^ rotr(e, k), k): the value stays a rotation
                    // (which later rotations fold into), the element's rotation is off the
                    // chain through c, and the chain's rotation moves a step later (Speck's
                    // decryption: its two rotations of one value no longer compete for the
                    // same cycle).
                    let p = self.elem(arr, idx);
                    let e = self.load(p);
                    let e = self.rotl_k(e, 64 - k);
                    let u = self.b.ins().bxor(c, e);
                    let r = self.rotl_k(u, k);
                    self.set(dst, r);
                } else {
                    self.update_from(dst, arr, idx, |b, x, y| b.ins().bxor(x, y))
                }
            }
            Op::SwapElem { dst, arr, idx, .. } => {
                let p = self.elem(arr, idx);
                let x = self.load(p);
                let d = self.v(dst);
                self.store(d, p);
                self.set(dst, x);
            }
            Op::SwapElems { arr, i, arr2, j, .. } => {
                let p = self.elem(arr, i);
                let q = self.elem(arr2, j);
                let (x, y) = (self.load(p), self.load(q));
                self.store(y, p);
                self.store(x, q);
            }
            // Frame, control and pure instructions are handled by the callers (step-first
            // counted loops, which only backward streams hold, are refused by `supported`).
            Op::Enter { .. }
            | Op::Exit { .. }
            | Op::If { .. }
            | Op::FiThen { .. }
            | Op::Else { .. }
            | Op::FiElse { .. }
            | Op::From { .. }
            | Op::Until { .. }
            | Op::LoopBack { .. }
            | Op::LoopExit { .. }
            | Op::FromC { .. }
            | Op::LoopInc { .. }
            | Op::LoopDec { .. }
            | Op::FromDec { .. }
            | Op::FromInc { .. }
            | Op::LoopTest { .. }
            | Op::Const { .. }
            | Op::Add3 { .. }
            | Op::Sub3 { .. }
            | Op::Mul3 { .. }
            | Op::Divu { .. }
            | Op::Divs { .. }
            | Op::Remu { .. }
            | Op::Rems { .. }
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
            | Op::Add3Chk { .. }
            | Op::Sub3Chk { .. }
            | Op::Mul3Chk { .. }
            | Op::Divf { .. }
            | Op::Modf { .. }
            | Op::Add3Imm { .. }
            | Op::Neg3 { .. }
            | Op::Neg3Chk { .. }
            | Op::Bnot { .. }
            | Op::Lnot { .. }
            | Op::Bool { .. }
            | Op::Load { .. }
            | Op::Top { .. }
            | Op::Empty { .. }
            | Op::Size { .. }
            | Op::Jz { .. }
            | Op::Jnz { .. }
            | Op::Noalias { .. }
            | Op::Wrap { .. }
            | Op::Mul3Imm { .. }
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
            | Op::Add3ChkImm { .. }
            | Op::Sub3ChkImm { .. }
            | Op::Mul3ChkImm { .. } => {}
        }
    }

    fn update(
        &mut self,
        dst: Slot,
        src: Slot,
        f: impl FnOnce(&mut FunctionBuilder<'b>, Value, Value) -> Value,
    ) {
        let (x, y) = (self.v(dst), self.v(src));
        let r = f(&mut self.b, x, y);
        self.set(dst, r);
    }

    fn update_imm(
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

    fn update_elem(
        &mut self,
        arr: Arr,
        idx: Slot,
        src: Option<Slot>,
        imm: u64,
        f: impl FnOnce(&mut FunctionBuilder<'b>, Value, Value) -> Value,
    ) {
        let p = self.elem(arr, idx);
        let x = self.load(p);
        let y = match src {
            Some(s) => self.v(s),
            None => self.k(imm),
        };
        let r = f(&mut self.b, x, y);
        self.store(r, p);
    }

    fn update_from(
        &mut self,
        dst: Slot,
        arr: Arr,
        idx: Slot,
        f: impl FnOnce(&mut FunctionBuilder<'b>, Value, Value) -> Value,
    ) {
        let p = self.elem(arr, idx);
        let y = self.load(p);
        let x = self.v(dst);
        let r = f(&mut self.b, x, y);
        self.set(dst, r);
    }

    fn delocal_check(&mut self, slot: u16, expected: Value, actual: Value) {
        let ne = self.b.ins().icmp(IntCC::NotEqual, expected, actual);
        let err = self.b.create_block();
        let next = self.b.create_block();
        self.b.set_cold_block(err);
        self.b.ins().brif(ne, err, &[], next, &[]);
        self.b.switch_to_block(err);
        let ctx = self.ctx;
        let s = self.b.ins().iconst(I32, slot as i64);
        self.call_rt(runtime::rt_delocal_slot as *const () as usize, &[I64, I32], None, &[ctx, s]);
        self.emit_error(fault::DELOCAL, expected, actual);
        self.b.switch_to_block(next);
    }

    fn frame_word(&mut self, at: u32) -> Value {
        let f = self.frame.expect("genes with local arrays have a frame pointer");
        self.b.ins().iadd_imm_s(f, 8 * at as i64)
    }

    fn translate_call(&mut self, callee: usize, args: rdx_vm::ops::Args, backward: bool) {
        let m = self.info.module;
        let cg = &m.genes[callee];
        let flags = MemFlagsData::trusted();
        let ctx = self.ctx;
        // Depth, frame-memory and native-stack limits.
        let depth = self.b.ins().load(I64, flags, ctx, runtime::OFF_DEPTH);
        let used = self.b.ins().load(I64, flags, ctx, runtime::OFF_USED);
        let max_depth = self.b.ins().load(I64, flags, ctx, runtime::OFF_MAX_DEPTH);
        let max_words = self.b.ins().load(I64, flags, ctx, runtime::OFF_MAX_WORDS);
        let floor = self.b.ins().load(I64, flags, ctx, runtime::OFF_STACK_FLOOR);
        let need = self.b.ins().iadd_imm_s(used, cg.words as i64);
        let deep = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, depth, max_depth);
        let big = self.b.ins().icmp(IntCC::UnsignedGreaterThan, need, max_words);
        let sp = self.b.ins().get_stack_pointer(I64);
        let low = self.b.ins().icmp(IntCC::UnsignedLessThan, sp, floor);
        let over = self.b.ins().bor(deep, big);
        self.fail_if(over, fault::RECURSION, max_depth, depth);
        self.fail_if(low, fault::STACK, max_depth, depth);
        let d1 = self.b.ins().iadd_imm_s(depth, 1);
        self.b.ins().store(flags, d1, ctx, runtime::OFF_DEPTH);
        self.b.ins().store(flags, need, ctx, runtime::OFF_USED);
        let seen = self.b.ins().load(I64, flags, ctx, runtime::OFF_MAX_SEEN);
        let seen = self.b.ins().umax(seen, d1);
        self.b.ins().store(flags, seen, ctx, runtime::OFF_MAX_SEEN);
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
        let f = if backward { self.funcs[callee].1 } else { self.funcs[callee].0 };
        let call = self.b.ins().call(f, &[ctx, p]);
        let st = self.b.inst_results(call)[0];
        self.check_status(st);
        self.b.ins().store(flags, depth, ctx, runtime::OFF_DEPTH);
        self.b.ins().store(flags, used, ctx, runtime::OFF_USED);
        for (i, p) in cg.params.iter().enumerate() {
            if p.ty.is_scalar() {
                let v = self.b.ins().stack_load(I64, I64, buf, 8 * cg.param_slots[i] as i32);
                self.set(arg_slots[i], v);
            }
        }
    }

    // ------------------------------------------------------------ pure code

    fn bin(
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
    fn bin_k(
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

    fn cmp_k(&mut self, dst: Slot, a: Slot, k: u64, cc: IntCC) {
        self.bin_k(dst, a, k, |bd, x, y| {
            let c = bd.ins().icmp(cc, x, y);
            bd.ins().uextend(I64, c)
        });
    }

    fn cmp(&mut self, dst: Slot, a: Slot, b: Slot, cc: IntCC) {
        self.bin(dst, a, b, |bd, x, y| {
            let c = bd.ins().icmp(cc, x, y);
            bd.ins().uextend(I64, c)
        });
    }

    /// A divisor that is never 0 or -1 (those cases are handled around the division).
    fn safe_divisor(&mut self, d: Value) -> (Value, Value) {
        let m1 = self.b.ins().icmp_imm_s(IntCC::Equal, d, -1);
        let one = self.k(1);
        (self.b.ins().select(m1, one, d), m1)
    }

    fn div_zero_check(&mut self, d: Value) {
        let z = self.b.ins().icmp_imm_s(IntCC::Equal, d, 0);
        self.fail_if0(z, fault::DIV_ZERO);
    }

    /// `x` reduced to the fixed width `w` (zero- or sign-extended).
    fn wrap_w(&mut self, x: Value, w: rdx_vm::ops::Wid) -> Value {
        let wd = w.width();
        if wd.signed {
            let sh = 64 - i64::from(wd.bits);
            let t = self.b.ins().ishl_imm_u(x, sh);
            self.b.ins().sshr_imm_u(t, sh)
        } else {
            self.b.ins().band_imm_u(x, wd.mask() as i64)
        }
    }

    fn translate_pure(&mut self, op: Op) {
        match op {
            Op::Wrap { dst, a, w } => {
                let x = self.v(a);
                let r = self.wrap_w(x, w);
                self.set(dst, r);
            }
            Op::Const { dst, imm, .. } => {
                let v = self.k(imm.0);
                self.set(dst, v);
            }
            Op::Add3 { dst, a, b, .. } => self.bin(dst, a, b, |bd, x, y| bd.ins().iadd(x, y)),
            Op::Sub3 { dst, a, b, .. } => self.bin(dst, a, b, |bd, x, y| bd.ins().isub(x, y)),
            Op::Mul3 { dst, a, b, .. } => self.bin(dst, a, b, |bd, x, y| bd.ins().imul(x, y)),
            Op::Divu { dst, a, b, .. } | Op::Remu { dst, a, b, .. } => {
                let (x, d) = (self.v(a), self.v(b));
                self.div_zero_check(d);
                let r = if matches!(op, Op::Divu { .. }) {
                    self.b.ins().udiv(x, d)
                } else {
                    self.b.ins().urem(x, d)
                };
                self.set(dst, r);
            }
            Op::Divs { dst, a, b, .. } | Op::Rems { dst, a, b, .. } => {
                let (x, d) = (self.v(a), self.v(b));
                self.div_zero_check(d);
                let (sd, m1) = self.safe_divisor(d);
                let r = if matches!(op, Op::Divs { .. }) {
                    let q = self.b.ins().sdiv(x, sd);
                    let nq = self.b.ins().ineg(x);
                    self.b.ins().select(m1, nq, q)
                } else {
                    self.b.ins().srem(x, sd)
                };
                self.set(dst, r);
            }
            Op::Shl { dst, a, b, .. } => self.shift(dst, a, b, 0),
            Op::Shru { dst, a, b, .. } => self.shift(dst, a, b, 1),
            Op::Shrs { dst, a, b, .. } => self.shift(dst, a, b, 2),
            Op::And { dst, a, b, .. } => self.bin(dst, a, b, |bd, x, y| bd.ins().band(x, y)),
            Op::Or { dst, a, b, .. } => self.bin(dst, a, b, |bd, x, y| bd.ins().bor(x, y)),
            Op::Xor3 { dst, a, b, .. } => self.bin(dst, a, b, |bd, x, y| bd.ins().bxor(x, y)),
            Op::Eq { dst, a, b, .. } => self.cmp(dst, a, b, IntCC::Equal),
            Op::Ne { dst, a, b, .. } => self.cmp(dst, a, b, IntCC::NotEqual),
            Op::Ltu { dst, a, b, .. } => self.cmp(dst, a, b, IntCC::UnsignedLessThan),
            Op::Lts { dst, a, b, .. } => self.cmp(dst, a, b, IntCC::SignedLessThan),
            Op::Leu { dst, a, b, .. } => self.cmp(dst, a, b, IntCC::UnsignedLessThanOrEqual),
            Op::Les { dst, a, b, .. } => self.cmp(dst, a, b, IntCC::SignedLessThanOrEqual),
            Op::Add3Chk { dst, a, b, .. } | Op::Sub3Chk { dst, a, b, .. } | Op::Mul3Chk { dst, a, b, .. } => {
                let (x, y) = (self.v(a), self.v(b));
                let (r, o) = match op {
                    Op::Add3Chk { .. } => self.b.ins().sadd_overflow(x, y),
                    Op::Sub3Chk { .. } => self.b.ins().ssub_overflow(x, y),
                    _ => self.b.ins().smul_overflow(x, y),
                };
                self.fail_if0(o, fault::OVERFLOW);
                self.set(dst, r);
            }
            Op::Divf { dst, a, b, .. } | Op::Modf { dst, a, b, .. } => {
                let (x, d) = (self.v(a), self.v(b));
                self.div_zero_check(d);
                let (sd, m1) = self.safe_divisor(d);
                if matches!(op, Op::Divf { .. }) {
                    let min = self.b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
                    let o = self.b.ins().band(min, m1);
                    self.fail_if0(o, fault::OVERFLOW);
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
                let res = if matches!(op, Op::Divf { .. }) {
                    let q1 = self.b.ins().iadd_imm_s(q, -1);
                    self.b.ins().select(adj, q1, q)
                } else {
                    let r1 = self.b.ins().iadd(r, d);
                    self.b.ins().select(adj, r1, r)
                };
                self.set(dst, res);
            }
            Op::Mul3Imm { dst, a, imm } => self.bin_k(dst, a, imm.0, |bd, x, y| bd.ins().imul(x, y)),
            Op::AndImm { dst, a, imm } => self.bin_k(dst, a, imm.0, |bd, x, y| bd.ins().band(x, y)),
            Op::OrImm { dst, a, imm } => self.bin_k(dst, a, imm.0, |bd, x, y| bd.ins().bor(x, y)),
            Op::Xor3Imm { dst, a, imm } => self.bin_k(dst, a, imm.0, |bd, x, y| bd.ins().bxor(x, y)),
            Op::ShlImm { dst, a, imm } => self.shift_k(dst, a, imm.0, 0),
            Op::ShruImm { dst, a, imm } => self.shift_k(dst, a, imm.0, 1),
            Op::ShrsImm { dst, a, imm } => self.shift_k(dst, a, imm.0, 2),
            Op::EqImm { dst, a, imm } => self.cmp_k(dst, a, imm.0, IntCC::Equal),
            Op::NeImm { dst, a, imm } => self.cmp_k(dst, a, imm.0, IntCC::NotEqual),
            Op::LtuImm { dst, a, imm } => self.cmp_k(dst, a, imm.0, IntCC::UnsignedLessThan),
            Op::LtsImm { dst, a, imm } => self.cmp_k(dst, a, imm.0, IntCC::SignedLessThan),
            Op::LeuImm { dst, a, imm } => self.cmp_k(dst, a, imm.0, IntCC::UnsignedLessThanOrEqual),
            Op::LesImm { dst, a, imm } => self.cmp_k(dst, a, imm.0, IntCC::SignedLessThanOrEqual),
            Op::GtuImm { dst, a, imm } => self.cmp_k(dst, a, imm.0, IntCC::UnsignedGreaterThan),
            Op::GtsImm { dst, a, imm } => self.cmp_k(dst, a, imm.0, IntCC::SignedGreaterThan),
            Op::GeuImm { dst, a, imm } => self.cmp_k(dst, a, imm.0, IntCC::UnsignedGreaterThanOrEqual),
            Op::GesImm { dst, a, imm } => self.cmp_k(dst, a, imm.0, IntCC::SignedGreaterThanOrEqual),
            Op::Add3ChkImm { dst, a, imm }
            | Op::Sub3ChkImm { dst, a, imm }
            | Op::Mul3ChkImm { dst, a, imm } => {
                let (x, y) = (self.v(a), self.k(imm.0));
                let (r, o) = match op {
                    Op::Add3ChkImm { .. } => self.b.ins().sadd_overflow(x, y),
                    Op::Sub3ChkImm { .. } => self.b.ins().ssub_overflow(x, y),
                    _ => self.b.ins().smul_overflow(x, y),
                };
                self.fail_if0(o, fault::OVERFLOW);
                self.set(dst, r);
            }
            Op::Add3Imm { dst, a, imm, .. } => {
                let x = self.v(a);
                let r = self.b.ins().iadd_imm_s(x, imm.0 as i64);
                self.set(dst, r);
            }
            Op::Neg3 { dst, a, .. } => {
                let x = self.v(a);
                let r = self.b.ins().ineg(x);
                self.set(dst, r);
            }
            Op::Neg3Chk { dst, a, .. } => {
                let x = self.v(a);
                let o = self.b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
                self.fail_if0(o, fault::OVERFLOW);
                let r = self.b.ins().ineg(x);
                self.set(dst, r);
            }
            Op::Bnot { dst, a, .. } => {
                let x = self.v(a);
                let r = self.b.ins().bnot(x);
                self.set(dst, r);
            }
            Op::Lnot { dst, a, .. } | Op::Bool { dst, a, .. } => {
                let x = self.v(a);
                let cc = if matches!(op, Op::Lnot { .. }) { IntCC::Equal } else { IntCC::NotEqual };
                let c = self.b.ins().icmp_imm_s(cc, x, 0);
                let r = self.b.ins().uextend(I64, c);
                self.set(dst, r);
            }
            Op::Load { dst, arr, idx, .. } => {
                let p = self.elem(arr, idx);
                let v = self.load(p);
                self.set(dst, v);
            }
            Op::Top { dst, stack, .. } | Op::Empty { dst, stack, .. } | Op::Size { dst, stack, .. } => {
                let what = match op {
                    Op::Top { .. } => 0,
                    Op::Empty { .. } => 1,
                    _ => 2,
                };
                let ctx = self.ctx;
                let id = self.v(stack);
                // Inline on a live stack (and, for `top`, a non-empty one); else the helper
                // reports the fault.
                let (slow, done) = (self.b.create_block(), self.b.create_block());
                self.b.set_cold_block(slow);
                self.b.append_block_param(done, I64);
                let hdr = self.stack_hdr(id, slow);
                let len = self.stack_field(hdr, runtime::OFF_STACK_LEN);
                let v = match what {
                    0 => {
                        let fast = self.b.create_block();
                        self.b.ins().brif(len, fast, &[], slow, &[]);
                        self.b.switch_to_block(fast);
                        let buf = self.stack_field(hdr, runtime::OFF_STACK_PTR);
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
                self.b.ins().jump(done, &[v.into()]);
                self.b.switch_to_block(slow);
                let w = self.b.ins().iconst(I32, what);
                self.call_checked(runtime::rt_peek as *const () as usize, &[I64, I64, I32], &[ctx, id, w]);
                let v = self.ret_word();
                self.b.ins().jump(done, &[v.into()]);
                self.b.switch_to_block(done);
                let v = self.b.block_params(done)[0];
                self.set(dst, v);
            }
            Op::Noalias { a, b, .. } => {
                let (x, y) = (self.v(a), self.v(b));
                let eq = self.b.ins().icmp(IntCC::Equal, x, y);
                let z = self.k(0);
                self.fail_if(eq, fault::ALIAS, x, z);
            }
            // Jz/Jnz are handled by `emit_pure`; other classes never reach here.
            Op::Jz { .. }
            | Op::Jnz { .. }
            | Op::Enter { .. }
            | Op::Exit { .. }
            | Op::If { .. }
            | Op::FiThen { .. }
            | Op::Else { .. }
            | Op::FiElse { .. }
            | Op::From { .. }
            | Op::Until { .. }
            | Op::LoopBack { .. }
            | Op::LoopExit { .. }
            | Op::FromC { .. }
            | Op::LoopInc { .. }
            | Op::LoopDec { .. }
            | Op::FromDec { .. }
            | Op::FromInc { .. }
            | Op::LoopTest { .. }
            | Op::Call { .. }
            | Op::Uncall { .. }
            | Op::Local { .. }
            | Op::Delocal { .. }
            | Op::LocalImm { .. }
            | Op::DelocalImm { .. }
            | Op::LocalArr { .. }
            | Op::DelocalArr { .. }
            | Op::LocalStack { .. }
            | Op::DelocalStack { .. }
            | Op::Push { .. }
            | Op::Pop { .. }
            | Op::Assert { .. }
            | Op::Assign { .. }
            | Op::Unassign { .. }
            | Op::Error { .. }
            | Op::Print { .. }
            | Op::Printf { .. }
            | Op::Show { .. }
            | Op::Kernel { .. }
            | Op::KernelInv { .. }
            | Op::Add { .. }
            | Op::Sub { .. }
            | Op::Xor { .. }
            | Op::AddImm { .. }
            | Op::SubImm { .. }
            | Op::XorImm { .. }
            | Op::AddChk { .. }
            | Op::SubChk { .. }
            | Op::AddChkImm { .. }
            | Op::SubChkImm { .. }
            | Op::MulImm { .. }
            | Op::Xsl { .. }
            | Op::XslInv { .. }
            | Op::Xsr { .. }
            | Op::XsrInv { .. }
            | Op::RotlImm { .. }
            | Op::RotrImm { .. }
            | Op::Rotl { .. }
            | Op::Rotr { .. }
            | Op::Neg { .. }
            | Op::Not { .. }
            | Op::NegChk { .. }
            | Op::Swap { .. }
            | Op::RotAdd { .. }
            | Op::RotSub { .. }
            | Op::RotXor { .. }
            | Op::AddRot { .. }
            | Op::SubRot { .. }
            | Op::XorRot { .. }
            | Op::Fix { .. }
            | Op::RotlW { .. }
            | Op::RotrW { .. }
            | Op::AddElem { .. }
            | Op::SubElem { .. }
            | Op::XorElem { .. }
            | Op::AddElemImm { .. }
            | Op::SubElemImm { .. }
            | Op::XorElemImm { .. }
            | Op::AddFrom { .. }
            | Op::SubFrom { .. }
            | Op::XorFrom { .. }
            | Op::SwapElem { .. }
            | Op::SwapElems { .. } => {}
        }
    }

    /// A shift by the immediate `k` (see [`Self::shift`]).
    fn shift_k(&mut self, dst: Slot, a: Slot, k: u64, kind: u8) {
        let (x, y) = (self.v(a), self.k(k));
        self.shift_values(dst, x, y, kind);
    }

    /// `shl` (kind 0), `shru` (1), `shrs` (2) with the interpreter's rules for amounts ≥ 64.
    fn shift(&mut self, dst: Slot, a: Slot, b: Slot, kind: u8) {
        let (x, y) = (self.v(a), self.v(b));
        self.shift_values(dst, x, y, kind);
    }

    fn shift_values(&mut self, dst: Slot, x: Value, y: Value, kind: u8) {
        let big = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, y, 64);
        let r = match kind {
            0 | 1 => {
                let s = if kind == 0 { self.b.ins().ishl(x, y) } else { self.b.ins().ushr(x, y) };
                let z = self.k(0);
                self.b.ins().select(big, z, s)
            }
            _ => {
                let c63 = self.k(63);
                let amt = self.b.ins().umin(y, c63);
                self.b.ins().sshr(x, amt)
            }
        };
        self.set(dst, r);
    }
}

/// A function's name in the module: gene index and direction.
pub fn func_name(gene: usize, backward: bool) -> UserFuncName {
    UserFuncName::user(0, (gene as u32) * 2 + backward as u32)
}

/// Where the expression code of instruction `pc` starts (`pc` itself when it has none).
fn pre_start(g: &GeneDef, pc: usize) -> usize {
    pc - g.code.get(pc).and_then(|o| o.pre()).map_or(0, |n| n as usize).min(pc)
}

/// Whether the translator knows the opcode (a module with any other runs on the interpreter).
/// Exhaustive: a new opcode must be placed on one side or the other.
pub fn supported(op: &Op) -> bool {
    match op {
        Op::Enter { .. }
        | Op::Exit { .. }
        | Op::If { .. }
        | Op::FiThen { .. }
        | Op::Else { .. }
        | Op::FiElse { .. }
        | Op::From { .. }
        | Op::Until { .. }
        | Op::LoopBack { .. }
        | Op::LoopExit { .. }
        | Op::FromC { .. }
        | Op::LoopInc { .. }
        | Op::LoopDec { .. }
        | Op::Call { .. }
        | Op::Uncall { .. }
        | Op::Local { .. }
        | Op::Delocal { .. }
        | Op::LocalImm { .. }
        | Op::DelocalImm { .. }
        | Op::LocalArr { .. }
        | Op::DelocalArr { .. }
        | Op::LocalStack { .. }
        | Op::DelocalStack { .. }
        | Op::Push { .. }
        | Op::Pop { .. }
        | Op::Assert { .. }
        | Op::Assign { .. }
        | Op::Unassign { .. }
        | Op::Error { .. }
        | Op::Print { .. }
        | Op::Printf { .. }
        | Op::Show { .. }
        | Op::Kernel { .. }
        | Op::KernelInv { .. }
        | Op::Add { .. }
        | Op::Sub { .. }
        | Op::Xor { .. }
        | Op::AddImm { .. }
        | Op::SubImm { .. }
        | Op::XorImm { .. }
        | Op::AddChk { .. }
        | Op::SubChk { .. }
        | Op::MulImm { .. }
        | Op::Xsl { .. }
        | Op::XslInv { .. }
        | Op::Xsr { .. }
        | Op::XsrInv { .. }
        | Op::RotlImm { .. }
        | Op::RotrImm { .. }
        | Op::Rotl { .. }
        | Op::Rotr { .. }
        | Op::Neg { .. }
        | Op::Not { .. }
        | Op::NegChk { .. }
        | Op::Swap { .. }
        | Op::RotAdd { .. }
        | Op::RotSub { .. }
        | Op::RotXor { .. }
        | Op::AddRot { .. }
        | Op::SubRot { .. }
        | Op::XorRot { .. }
        | Op::Fix { .. }
        | Op::RotlW { .. }
        | Op::RotrW { .. }
        | Op::Wrap { .. }
        | Op::AddElem { .. }
        | Op::SubElem { .. }
        | Op::XorElem { .. }
        | Op::AddElemImm { .. }
        | Op::SubElemImm { .. }
        | Op::XorElemImm { .. }
        | Op::AddFrom { .. }
        | Op::SubFrom { .. }
        | Op::XorFrom { .. }
        | Op::SwapElem { .. }
        | Op::SwapElems { .. }
        | Op::Const { .. }
        | Op::Add3 { .. }
        | Op::Sub3 { .. }
        | Op::Mul3 { .. }
        | Op::Divu { .. }
        | Op::Divs { .. }
        | Op::Remu { .. }
        | Op::Rems { .. }
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
        | Op::Add3Chk { .. }
        | Op::Sub3Chk { .. }
        | Op::Mul3Chk { .. }
        | Op::Divf { .. }
        | Op::Modf { .. }
        | Op::Add3Imm { .. }
        | Op::Neg3 { .. }
        | Op::Neg3Chk { .. }
        | Op::Bnot { .. }
        | Op::Lnot { .. }
        | Op::Bool { .. }
        | Op::Load { .. }
        | Op::Top { .. }
        | Op::Empty { .. }
        | Op::Size { .. }
        | Op::Jz { .. }
        | Op::Jnz { .. }
        | Op::Noalias { .. }
        | Op::AddChkImm { .. }
        | Op::SubChkImm { .. }
        | Op::Mul3Imm { .. }
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
        | Op::Add3ChkImm { .. }
        | Op::Sub3ChkImm { .. }
        | Op::Mul3ChkImm { .. } => true,
        // Step-first counted loops appear in backward streams, which the JIT does not compile
        // (it translates backward from the forward code).
        Op::FromDec { .. } | Op::FromInc { .. } | Op::LoopTest { .. } => false,
    }
}
