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
//! The per-opcode translations live in [`effect`] (updates, frames, stacks, calls, output)
//! and [`pure`] (expression code); the dispatch `match`es here have one arm per opcode and no
//! wildcard, so a new opcode does not compile until it has a translation.
//!
//! The backward function walks the forward code, which visits the instructions of the gene's
//! backward stream (what the interpreter runs backward, `rdx_vm::module::Backward`) in the same
//! order with the same meanings: instructions are
//! visited from `exit` down to `enter`; an instruction that consumes pure expression code
//! first re-runs that code forward, then applies its mirror, and continues below its
//! expression code; control instructions apply their backward meaning (the assertions of
//! `fi`/`from` choose the way back).
//!
//! Calling convention of every compiled function:
//! `fn(ctx: *mut Ctx, args: *mut u64, depth: u64, used: u64) -> u32`, where `depth` is the
//! call's nesting (1 for the entry gene), `used` the frame words in use including its own
//! frame, and `args` holds the gene's parameter slots (scalars by value, arrays as pointer and
//! length, stacks as ids); on return the width-1 parameter slots are written back. The result
//! is 0, or 1 after an error was recorded in the context (see `runtime::rt_error`).

mod effect;
mod known;
mod pure;
mod select;

use crate::runtime::{self, FaultCode};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    AbiParam, FuncRef, Function, InstBuilder, InstructionData, MemFlagsData, Opcode, Signature, SourceLoc,
    StackSlotData, StackSlotKind, Type, UserFuncName, Value, ValueDef, types,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use pure::{Checked, Shift};
use rdx_vm::Module;
use rdx_vm::module::GeneDef;
use rdx_vm::ops::{Arr, Cond, Op, Slot};
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
    /// Stack parameters name live stacks for the whole call ([`crate::trust::stack_params_fixed`]).
    pub stack_params_fixed: bool,
}

/// The signature of every compiled gene function.
pub fn gene_signature(call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    for _ in 0..4 {
        sig.params.push(AbiParam::new(I64));
    }
    sig.returns.push(AbiParam::new(I32));
    sig
}

/// The jump targets of one gene in one direction.
struct Targets {
    /// How many jumps go to each position.
    at: Vec<u8>,
}

impl Targets {
    fn forward(g: &GeneDef) -> Targets {
        let mut at = vec![0u8; g.code.len() + 1];
        for op in &g.code {
            let t = match *op {
                Op::If { else_at, .. } => Some(else_at.0 as usize + 1),
                Op::FiThen { fi_else, .. } => Some(fi_else.0 as usize + 1),
                Op::Until { loop_exit, .. } => Some(loop_exit.0 as usize + 1),
                Op::LoopBack { from_top, .. } => Some(from_top.0 as usize + 1),
                _ => None,
            };
            if let Some(t) = t {
                at[t] = at[t].saturating_add(1);
            }
            if let Op::LoopInc { from_top, .. } | Op::LoopDec { from_top, .. } = *op {
                let t = from_top.0 as usize + 1;
                at[t] = at[t].saturating_add(1);
            }
        }
        for (pc, op) in g.code.iter().enumerate() {
            if matches!(op, Op::LoopInc { .. } | Op::LoopDec { .. }) && pc + 2 <= g.code.len() {
                at[pc + 2] = at[pc + 2].saturating_add(1);
            }
        }
        Targets { at }
    }

    fn backward(g: &GeneDef) -> Targets {
        let mut at = vec![0u8; g.code.len() + 1];
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
                at[t] = at[t].saturating_add(1);
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

    /// Builds the IR of gene `gene` in the given direction. `funcs[g]` names gene g's
    /// functions (forward, backward) in the JIT module (`FuncId` indices); a call declares in
    /// `func` the one it calls, once. Returns the functions the
    /// IR calls, (gene, backward) (calls translated in place are not among them).
    pub fn translate(
        &mut self,
        info: &ModuleInfo<'_>,
        gene: usize,
        backward: bool,
        func: &mut Function,
        funcs: &[(u32, u32)],
    ) -> Vec<(usize, bool)> {
        let m = info.module;
        let g = &m.genes[gene];
        let mut b = FunctionBuilder::new(func, &mut self.fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let ctx = b.block_params(entry)[0];
        let args = b.block_params(entry)[1];
        let depth = b.block_params(entry)[2];
        let used = b.block_params(entry)[3];
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
            let start = b.ins().iadd_imm_s(used, -(g.words as i64));
            let off = b.ins().ishl_imm_u(start, 3);
            Some(b.ins().iadd(arena, off))
        } else {
            None
        };
        let buf_words = buf_words(m, g, INLINE_LEVELS);
        let calls = g.code.iter().any(|o| matches!(o, Op::Call { .. } | Op::Uncall { .. }));
        // (A real call passes its arguments through it, even none.)
        let needs_buf = calls || buf_words > 0;
        // The limits a call checks are the same for the whole run: read once.
        let limits = calls.then(|| Limits {
            max_depth: b.ins().load(I64, flags, ctx, runtime::OFF_MAX_DEPTH),
            max_words: b.ins().load(I64, flags, ctx, runtime::OFF_MAX_WORDS),
            stack_floor: b.ins().load(I64, flags, ctx, runtime::OFF_STACK_FLOOR),
        });
        let room = limits.map(|lim| Room::at_entry(&mut b, lim, depth, used));
        // The stack table moves, and the live count changes, only when a stack is opened or
        // closed (here or in a real call): both are read at entry and again after those.
        let stack_tab = uses_stacks(m, g, INLINE_LEVELS).then(|| {
            let st = StackTab { live: b.declare_var(I64), tab: b.declare_var(I64) };
            let live = b.ins().load(I64, flags, ctx, runtime::OFF_LIVE);
            let tab = b.ins().load(I64, flags, ctx, runtime::OFF_STACK_TAB);
            b.def_var(st.live, live);
            b.def_var(st.tab, tab);
            st
        });
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
            depth,
            used,
            limits,
            room,
            offs: (0, 0),
            scope: 0,
            target: Deepest::Return,
            stack_tab,
            stack_vars: Vec::new(),
            vars,
            frame,
            buf,
            funcs,
            callees: HashMap::new(),
            callee_sig: None,
            pc: 0,
            blocks: HashMap::new(),
            done: false,
            fixed,
            loops: crate::loops::Loops::new(g),
            rots: HashMap::new(),
            ranges: HashMap::new(),
            carry: None,
            known: known::Known::default(),
            entry_facts: HashMap::new(),
            ret: None,
            outer: Vec::new(),
            exits: Vec::new(),
            calls: Vec::new(),
            inline_budget: INLINE_BUDGET,
            skip_to: None,
            spec: None,
            scratch: None,
            failed: None,
            values: Values::default(),
        };
        // A stack parameter names the same live stack for the whole call: its header words are
        // read once here and kept in variables.
        for (p, &s) in g.params.iter().zip(&g.param_slots) {
            if p.ty == rdx_lang::ast::Type::Stack {
                t.keep_stack_words(Slot(s), None);
            }
        }
        if backward {
            t.body_backward();
        } else {
            t.body_forward();
        }
        t.fill_error_exits();
        if let Some(r) = &t.room {
            r.finish(&mut t.b);
        }
        t.b.seal_all_blocks();
        t.b.finalize(info.frontend);
        t.calls
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
    /// This call's depth (1 for the entry gene) and the frame words in use up to and
    /// including this gene's frame: passed by the caller in registers.
    depth: Value,
    used: Value,
    /// The run's call limits, loaded at entry in genes that call.
    limits: Option<Limits>,
    /// Whether every call translated in place in this function is within the depth and
    /// frame-memory limits, tested once at entry ([`Room`]).
    room: Option<Room>,
    /// How far this scope's `depth` and `used` are above the function's own: (0, 0) but in
    /// a call translated in place.
    offs: (u64, u64),
    /// This scope's number in the function (0; each call translated in place another).
    scope: u32,
    /// Where the calls at the positions of this scope in no part ([`crate::loops::Parts`])
    /// record their depth: where the call that made the scope does (the function's return
    /// outside any).
    target: Deepest,
    /// The stack table, in a function that uses stacks ([`StackTab`]).
    stack_tab: Option<StackTab>,
    /// The stack slots of this scope whose header words are kept in variables ([`StackVars`]).
    stack_vars: Vec<(u16, StackVars)>,
    vars: Vec<Variable>,
    /// Address of the frame's word 0 in the arena (genes with local arrays).
    frame: Option<Value>,
    /// Scratch stack slot for call arguments and printf values.
    buf: Option<cranelift_codegen::ir::StackSlot>,
    /// Each gene's functions (forward, backward) in the JIT module, by `FuncId` index.
    funcs: &'a [(u32, u32)],
    /// The functions declared in this one so far, by (gene, backward), and their signature.
    callees: HashMap<(usize, bool), FuncRef>,
    callee_sig: Option<cranelift_codegen::ir::SigRef>,
    /// The instruction being translated (errors report it).
    pc: usize,
    blocks: HashMap<usize, cranelift_codegen::ir::Block>,
    /// The current block ended with an unconditional transfer.
    done: bool,
    /// Slots whose value is the same everywhere in the function (parameter arrays).
    fixed: Vec<Fixed>,
    /// The gene's simple counted loops ([`crate::loops`]).
    loops: crate::loops::Loops,
    /// Values made by rotating another by a constant: `r ↦ (c, k)` for `r = rotl(c, k)`.
    rots: HashMap<Value, (Value, u32)>,
    /// Values known to lie in an inclusive unsigned range wherever they are used: a simple
    /// counted loop's counter plus or minus a constant ([`Self::range`]).
    ranges: HashMap<Value, (u64, u64)>,
    /// The counted loop being translated forward that carries a stored word to its next trip
    /// ([`crate::loops::carried_store`]).
    carry: Option<Carry>,
    /// Array elements checked and loaded at the current point ([`known`]).
    known: known::Known,
    /// The element facts at the jumps emitted so far, per target position (the first jump's).
    entry_facts: HashMap<usize, Vec<known::Fact>>,
    /// Where the gene being translated returns to when it is a call translated in place
    /// ([`Self::inline_call`]): a block taking its scalar parameters' final values.
    ret: Option<cranelift_codegen::ir::Block>,
    /// The calls translated in place around the current point, outermost first: (gene, pc,
    /// direction) of each caller, the call-stack levels an error there reports too.
    outer: Vec<(u32, usize, bool)>,
    /// The error exits made so far ([`Self::error_exit`]).
    exits: Vec<ErrorExit>,
    /// The functions this one calls, (gene, backward), each once.
    calls: Vec<(usize, bool)>,
    /// Instructions this function may still take in from the genes it calls.
    inline_budget: usize,
    /// Set by an instruction translated with the ones after it (an `if`/`fi` without a
    /// branch, [`select`]): the body goes on after (forward) or below (backward) this one.
    skip_to: Option<usize>,
    /// While code runs speculatively ([`select`]): its element accesses do not fail but are
    /// noted here (true where one is out of bounds) and read and write a scratch word instead.
    spec: Option<Spec>,
    /// The scratch word of speculative out-of-bounds accesses (made when first needed).
    scratch: Option<cranelift_codegen::ir::StackSlot>,
    /// Where a place that failed leaves the fault, its payload and its position for the error
    /// exit ([`Self::emit_error`]).
    failed: Option<cranelift_codegen::ir::StackSlot>,
    /// The slots' values in the current straight run of blocks ([`Values`]).
    values: Values,
}

/// The value each slot's variable has in a straight run of blocks: the current block and
/// the ones it went on from, each the only way into the next (a check's branch and the
/// block after it, [`Tr::go_on`], [`Tr::cold_path`]). Read from here, a slot's value is the
/// one Cranelift's `use_var` would find by walking back through those blocks, one block per
/// check, to where the slot was last set: in a long gene of many checks that walk made
/// compiling quadratic (20,000 statements over 300 variables: 2.4 s).
#[derive(Default)]
struct Values {
    /// The block the entries hold for (None: none yet).
    block: Option<cranelift_codegen::ir::Block>,
    /// Entries of an earlier generation are stale (a new run of blocks starts in O(1)).
    generation: u32,
    /// By variable index: (generation, value).
    by_var: Vec<(u32, Value)>,
    /// Inside a cold path ([`Tr::cold_path`]): no entries read or written.
    paused: u32,
    /// A variable was set while paused.
    set_while_paused: bool,
}

impl Values {
    /// The entries, made to hold for block `cur` (emptied when they held for another).
    fn at(&mut self, cur: cranelift_codegen::ir::Block) -> &mut Self {
        if self.block != Some(cur) {
            self.block = Some(cur);
            self.generation = self.generation.wrapping_add(1);
            if self.generation == 0 {
                // (Wrapped: no entry may look current.)
                self.by_var.clear();
                self.generation = 1;
            }
        }
        self
    }

    fn get(&self, var: Variable) -> Option<Value> {
        let &(g, v) = self.by_var.get(cranelift_codegen::entity::EntityRef::index(var))?;
        (g == self.generation).then_some(v)
    }

    fn put(&mut self, var: Variable, v: Value) {
        let i = cranelift_codegen::entity::EntityRef::index(var);
        if i >= self.by_var.len() {
            self.by_var.resize(i + 1, (0, Value::from_u32(0)));
        }
        self.by_var[i] = (self.generation, v);
    }
}

/// The error exit of one context ([`Tr::error_exit`]): the gene translated, its direction,
/// the calls it is translated in place in ([`Tr::outer`]), and the exit's block.
struct ErrorExit {
    gene: u32,
    backward: bool,
    outer: Vec<(u32, usize, bool)>,
    block: cranelift_codegen::ir::Block,
    /// The places that jump to it so far.
    places: u32,
}

/// The most places one error exit serves ([`Tr::error_exit`]). The places leave what failed
/// in the function's frame ([`Tr::emit_error`]), not as the exit block's parameters.
/// Cranelift's time grew with the square of a function's size when one exit with four
/// parameters served all its places: in the register allocator's moves between blocks, whose
/// scan of the blocks' incoming arguments restarts for each value (regalloc2 0.15), and, with
/// thousands of predecessors of one block, in the dominator tree. A gene of 10,000 small
/// loops, two checks each, took 8.1 s to compile; 2.4 s with no exit parameters; 1.3 s with
/// an exit every 64 places.
const EXIT_PLACES: u32 = 64;

/// The state of a speculative run ([`Tr::spec`]).
#[derive(Default)]
struct Spec {
    /// True where some access was out of bounds or some `delocal` of the way taken did not
    /// hold (None: nothing needed a test).
    bad: Option<Value>,
    /// The elements it accessed with a check, and the address each was accessed at.
    seen: Vec<(u16, known::Index, Value)>,
    /// Where a branchless `if`'s writes take effect (its condition, or its exit assertion
    /// going backward): elsewhere each keeps the old value ([`select`]).
    way: Option<Value>,
    /// The elements the update being translated is about to write, with their old values.
    pending: Vec<(u16, known::Index, Value)>,
}

/// What the translation of one gene keeps for itself: swapped out while a call to another gene
/// is translated in place ([`Tr::inline_call`]).
struct GeneScope<'m> {
    g: &'m GeneDef,
    gene: u32,
    backward: bool,
    depth: Value,
    used: Value,
    vars: Vec<Variable>,
    frame: Option<Value>,
    pc: usize,
    blocks: HashMap<usize, cranelift_codegen::ir::Block>,
    done: bool,
    fixed: Vec<Fixed>,
    loops: crate::loops::Loops,
    carry: Option<Carry>,
    known: known::Known,
    entry_facts: HashMap<usize, Vec<known::Fact>>,
    stack_tab: Option<StackTab>,
    stack_vars: Vec<(u16, StackVars)>,
    ret: Option<cranelift_codegen::ir::Block>,
    offs: (u64, u64),
    scope: u32,
    target: Deepest,
}

/// The words of argument buffer gene `g` needs: for its calls' arguments and printf's values,
/// and those of the genes it calls `levels` deep (which may be translated in place in it).
fn buf_words(m: &rdx_vm::Module, g: &GeneDef, levels: u32) -> u32 {
    g.code
        .iter()
        .map(|o| match *o {
            Op::Call { gene, .. } | Op::Uncall { gene, .. } => {
                let cg = &m.genes[gene.0 as usize];
                let own = cg.params.iter().map(|p| p.width() as u32).sum::<u32>();
                if levels > 0 { own.max(buf_words(m, cg, levels - 1)) } else { own }
            }
            Op::Printf { args, .. } => args.len as u32,
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

/// How deep calls are translated in place: genes that call others two levels deep (their
/// calls below are real calls, or in place when the callee calls none), so a recursive gene
/// takes in two levels of itself and each real call runs three. (Measured: fib 1.01 -> 0.79x
/// native from one level to two, 0.76x at three; compile time 3.2 / 4.6 / 6.1 ms. Later, with
/// cheaper checks: fib 60 µs at three levels, 52 at four, 42 at six, and about 1 ms more
/// compile time a level, which the `rdx run` process of a short run does not win back.)
const INLINE_LEVELS: u32 = 3;

/// The most instructions of a called gene translated in place at one call.
const INLINE_MAX: usize = 64;
/// The most instructions one function takes in from the genes it calls.
const INLINE_BUDGET: usize = 1024;

/// What a function that calls sets up for its calls, with constants known only when its
/// translation is done (emitted as placeholders that [`Room::finish`] sets):
///
/// - "Every call translated in place is within the limits", tested once at the entry as
///   `depth + D < max_depth && used + W <= max_words`. D is the deepest of those calls'
///   depths and W the most words any of them checks, both above the function's own `depth`
///   and `used` ([`Tr::offs`]). Where it holds no such call's own check can fail, and a call
///   takes one branch on it instead.
/// - The deepest nesting its calls reach, recorded in the context's `max_seen` (only a run
///   that returns reports it). A call that every run of the function that returns reaches
///   (in no part of [`crate::loops::Parts`]) is recorded at the function's return, as
///   `depth + E` for the deepest E of them; a call that every pass through a part reaches,
///   once per pass, by the instruction that ends the pass ([`Deepest`]). So no call in a
///   loop records its depth each trip, and nothing is kept in a register across the loop.
struct Room {
    ok: Value,
    depth: Value,
    d: cranelift_codegen::ir::Inst,
    w: cranelift_codegen::ir::Inst,
    e: cranelift_codegen::ir::Inst,
    max_d: u64,
    max_w: u64,
    max_e: u64,
    /// The deepest call of each part, by (scope, part); the placeholders recording each.
    part_max: HashMap<(u32, usize), u64>,
    part_marks: Vec<((u32, usize), cranelift_codegen::ir::Inst)>,
    scopes: u32,
}

/// Where a call records the depth it reaches ([`Room`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Deepest {
    /// At the function's return.
    Return,
    /// At the end of each pass through part `.1` of scope `.0`.
    Part(u32, usize),
    /// At the call itself (in a loop part whose passes are translated more than once).
    Each,
}

impl Room {
    fn at_entry(b: &mut FunctionBuilder, lim: Limits, depth: Value, used: Value) -> Room {
        let mut placeholder = || {
            let k = b.ins().iconst(I64, 0);
            (k, b.func.dfg.value_def(k).unwrap_inst())
        };
        let ((dk, d), (wk, w), (_, e)) = (placeholder(), placeholder(), placeholder());
        let (dd, ww) = (b.ins().iadd(depth, dk), b.ins().iadd(used, wk));
        let d_ok = b.ins().icmp(IntCC::UnsignedLessThan, dd, lim.max_depth);
        let w_ok = b.ins().icmp(IntCC::UnsignedLessThanOrEqual, ww, lim.max_words);
        let ok = b.ins().band(d_ok, w_ok);
        Room {
            ok,
            depth,
            d,
            w,
            e,
            max_d: 0,
            max_w: 0,
            max_e: 0,
            part_max: HashMap::new(),
            part_marks: Vec::new(),
            scopes: 0,
        }
    }

    /// The constant `E` (of the entry's placeholder).
    fn e_value(&self, b: &FunctionBuilder) -> Value {
        b.func.dfg.first_result(self.e)
    }

    /// A call translated in place checks `depth + d` and `used + w` (above the function's own).
    fn note(&mut self, (d, w): (u64, u64)) {
        self.max_d = self.max_d.max(d);
        self.max_w = self.max_w.max(w);
    }

    /// Sets the entry's constants to the translation's D, W and E.
    fn finish(&self, b: &mut FunctionBuilder) {
        b.func.replace(self.d).iconst(I64, self.max_d as i64);
        b.func.replace(self.w).iconst(I64, self.max_w as i64);
        b.func.replace(self.e).iconst(I64, self.max_e as i64);
        for (part, k) in &self.part_marks {
            let max = self.part_max.get(part).copied().unwrap_or(0);
            b.func.replace(*k).iconst(I64, max as i64);
        }
    }
}

/// The limits a call checks (see [`runtime::Ctx`]).
#[derive(Clone, Copy)]
struct Limits {
    max_depth: Value,
    max_words: Value,
    stack_floor: Value,
}

/// The stack table's address and live count: variables of the function, read at its entry
/// and again after each instruction that may change them ([`Tr::reload_stack_tab`]).
#[derive(Clone, Copy)]
struct StackTab {
    live: Variable,
    tab: Variable,
}

/// A stack's header words (buffer, length, capacity) kept in variables while the code that
/// changes them is this function's own, so that a loop of pushes or pops carries the length in a
/// register, not through memory (a store, then a load of it the next trip): for each stack
/// parameter of a module whose stack parameters are fixed ([`crate::trust::stack_params_fixed`]:
/// a live stack for the whole call, passed to no other parameter), read at the function's entry
/// or a call in place's (which shares the caller's variables for a stack the caller keeps).
/// The length is also stored at each change, so the memory is always current for the runtime's
/// helpers, real calls and errors; the words are read again after what may change them
/// elsewhere: a real call, and the helper that grows a full stack. Opening or closing another
/// stack moves the table, not a stack's words.
#[derive(Clone, Copy)]
struct StackVars {
    buf: Variable,
    len: Variable,
    cap: Variable,
}

/// Whether gene `g`, or a gene it calls `levels` deep (which may be translated in place in
/// it), uses a stack.
fn uses_stacks(m: &rdx_vm::Module, g: &GeneDef, levels: u32) -> bool {
    g.code.iter().any(|o| match *o {
        Op::Push { .. }
        | Op::Pop { .. }
        | Op::PushW { .. }
        | Op::PopW { .. }
        | Op::Top { .. }
        | Op::Empty { .. }
        | Op::Size { .. } => true,
        Op::Call { gene, .. } | Op::Uncall { gene, .. } => {
            levels > 0 && m.genes.get(gene.0 as usize).is_some_and(|cg| uses_stacks(m, cg, levels - 1))
        }
        _ => false,
    })
}

/// A word carried across a counted loop's back edge in a `Variable`: `var` holds
/// `arr[ctr + offset - step]` until the trip's store (`fresh` false after it).
#[derive(Clone, Debug)]
struct Carry {
    store: crate::loops::CarriedStore,
    ctr: Slot,
    /// The index offset of the word `var` holds while `fresh`: the store's offset minus the step.
    load_offset: i64,
    var: Variable,
    fresh: bool,
    /// Values that are the counter plus a constant in the current trip.
    offsets: HashMap<Value, i64>,
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
        self.note_jump(pc);
        self.b.ins().jump(blk, &[]);
        self.done = true;
    }

    /// Continues in a new block when `c` is true (the current block goes on when false).
    fn branch_to(&mut self, c: Value, pc: usize) {
        let target = self.block(pc);
        self.note_jump(pc);
        let next = self.b.create_block();
        self.b.ins().brif(c, target, &[], next, &[]);
        self.go_on(next);
    }

    /// Continues at `pc` when `c` is false (the current block goes on in a new block when
    /// true): the branch's targets exchanged rather than `c` negated, so the comparison feeds
    /// the branch directly.
    fn branch_unless(&mut self, c: Value, pc: usize) {
        let target = self.block(pc);
        self.note_jump(pc);
        let next = self.b.create_block();
        self.b.ins().brif(c, next, &[], target, &[]);
        self.go_on(next);
    }

    /// A jump to the block of `pc` is being emitted: keeps the element facts here for that
    /// block, in case this jump is its one way in ([`Self::start_block`]).
    fn note_jump(&mut self, pc: usize) {
        let cur = self.b.current_block();
        let facts = self.known.snapshot(cur);
        self.entry_facts.entry(pc).or_insert(facts);
    }

    /// Goes on in `next`, which only the branch just emitted reaches: sealed at once, with
    /// the element facts of the branch.
    fn go_on(&mut self, next: cranelift_codegen::ir::Block) {
        let cur = self.b.current_block();
        let facts = self.known.take(cur);
        let values = self.values.paused == 0 && self.values.block == cur;
        self.b.switch_to_block(next);
        self.b.seal_block(next);
        self.known.resume(next, facts);
        if values {
            self.values.block = Some(next);
        }
    }

    fn v(&mut self, s: Slot) -> Value {
        match self.fixed[s.0 as usize] {
            Fixed::Value(v) => v,
            Fixed::Const(k) => self.k(k),
            Fixed::No => {
                let var = self.vars[s.0 as usize];
                let Some(cur) = self.b.current_block().filter(|_| self.values.paused == 0) else {
                    return self.b.use_var(var);
                };
                if let Some(v) = self.values.at(cur).get(var) {
                    return v;
                }
                let v = self.b.use_var(var);
                self.values.put(var, v);
                v
            }
        }
    }

    /// Whether the counted loop ending at `step` is simple: its re-entry checks cannot fail.
    fn simple_loop(&self, step: usize) -> bool {
        self.loops.at_step(step).is_some()
    }

    /// `x` rotated left by the constant `k` (mod 64), remembered for [`Op::XorRot`]'s rewrite.
    fn rotl_k(&mut self, x: Value, k: u32) -> Value {
        let k = k % 64;
        if k == 0 {
            return x;
        }
        // The bits a rotation would carry round taken off first (the reversible way to shift:
        // `b = x & 1; x -= b; x >>>= 1`): a plain shift.
        let dfg = &self.b.func.dfg;
        if let Some(y) = pure::bits_off(dfg, x, (1u64 << (64 - k)) - 1) {
            return self.b.ins().ushr_imm_u(y, i64::from(64 - k));
        }
        if let Some(y) = pure::bits_off(dfg, x, !(u64::MAX >> k)) {
            return self.b.ins().ishl_imm_u(y, i64::from(k));
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

    /// The simple counted loop whose step is at `step`, with its unrolling.
    fn unrolled(&self, step: usize) -> Option<(crate::loops::CountedLoop, crate::loops::Unroll)> {
        let l = self.loops.at_step(step).filter(|l| l.top < l.step)?;
        Some((l, crate::loops::unrolling(self.g, &l)))
    }

    /// The simple counted loop entered at `head` (its `from.c`, or a test-first loop's
    /// `from`), when trips are peeled off it to unroll the rest ([`crate::loops::Unroll`]).
    fn peeling(&self, head: usize) -> Option<(crate::loops::CountedLoop, crate::loops::Unroll)> {
        let l = self.loops.at_head(head).filter(|l| l.top < l.step)?;
        let u = crate::loops::unrolling(self.g, &l);
        (u.peeled > 0).then_some((l, u))
    }

    /// One trip around loop `l` forward, straight: its body, then its step.
    fn trip_forward(&mut self, l: &crate::loops::CountedLoop) {
        if let Op::LoopInc { ctr, .. } | Op::LoopDec { ctr, .. } = self.g.code[l.step] {
            self.forward_range(l.top + 1, l.step);
            self.srcloc(l.step);
            self.step_forward(ctr, crate::loops::step(self.g, l));
        } else {
            self.forward_range(l.top + 1, l.step + 1);
        }
    }

    /// One trip around loop `l` backward, straight: its step undone, then its body.
    fn trip_backward(&mut self, l: &crate::loops::CountedLoop) {
        if matches!(self.g.code[l.step], Op::LoopInc { .. } | Op::LoopDec { .. }) {
            self.srcloc(l.step);
            self.step_back(l.step);
            self.backward_range(l.top + 1, l.step);
        } else {
            self.backward_range(l.top + 1, l.step + 1);
        }
    }

    /// Forward, entering loop `head` whose trip count is not a multiple of its copies: the
    /// trips left over, run straight.
    fn peel_forward(&mut self, head: usize) {
        if let Some((l, u)) = self.peeling(head) {
            for _ in 0..u.peeled {
                self.trip_forward(&l);
            }
            self.srcloc(head);
        }
    }

    /// Backward, the entry test of loop `head` (`cond`, its `from.c` or `from`): with trips
    /// peeled off, the test is for the counter's value after them, and they run when it holds
    /// (call [`Self::peel_backward`] there).
    fn entry_test_backward(&mut self, head: usize, cond: Cond) -> Value {
        match self.peeling(head) {
            Some((l, u)) => {
                let x = self.v(l.ctr);
                self.b.ins().icmp_imm_s(IntCC::Equal, x, crate::loops::after_peeled(self.g, &l, u) as i64)
            }
            None => self.cond(cond),
        }
    }

    /// Backward, where the entry test of loop `head` held: the trips peeled off it, run
    /// straight (the counter ends at the loop's first value, as the entry test wants).
    fn peel_backward(&mut self, head: usize) {
        if let Some((l, u)) = self.peeling(head) {
            for _ in 0..u.peeled {
                self.trip_backward(&l);
            }
            self.srcloc(head);
        }
    }

    /// Emits the straight-line code `start..end` forward (a copy of an unrolled loop body).
    fn forward_range(&mut self, start: usize, end: usize) {
        let mut pc = start;
        while pc < end {
            if self.g.code[pc].is_pure() {
                let consumer = self.consumer_of(pc);
                self.emit_pure_forward(pc, consumer);
                pc = consumer;
            }
            self.srcloc(pc);
            self.translate_forward(pc);
            if let Some(to) = self.skip_to.take() {
                pc = to;
            }
            pc += 1;
        }
    }

    /// Emits the straight-line code `start..end` backward (a copy of an unrolled loop body).
    fn backward_range(&mut self, start: usize, end: usize) {
        let mut pc = end - 1;
        while pc >= start {
            self.srcloc(pc);
            self.translate_backward(pc);
            let below = pre_start(self.g, self.skip_to.take().unwrap_or(pc));
            if below <= start {
                break;
            }
            pc = below - 1;
        }
    }

    fn set(&mut self, s: Slot, v: Value) {
        let var = self.vars[s.0 as usize];
        self.b.def_var(var, v);
        if self.values.paused > 0 {
            self.values.set_while_paused = true;
        } else if let Some(cur) = self.b.current_block() {
            self.values.at(cur).put(var, v);
        }
        self.known.forget_slot(s.0);
        // Only the step writes a carrying loop's counter: the next trip starts.
        if let Some(c) = &mut self.carry
            && c.ctr == s
        {
            c.fresh = true;
            c.offsets.clear();
        }
    }

    fn k(&mut self, x: u64) -> Value {
        self.b.ins().iconst(I64, x as i64)
    }

    /// Raises the context's deepest nesting (`max_seen`) to `d`: stored only where `d` is
    /// deeper, a branch the processor predicts, where a load-max-store would tie each record
    /// to the one before it through memory.
    fn record_depth(&mut self, d: Value) {
        let (flags, ctx) = (MemFlagsData::trusted(), self.ctx);
        let seen = self.b.ins().load(I64, flags, ctx, runtime::OFF_MAX_SEEN);
        let deeper = self.b.ins().icmp(IntCC::UnsignedGreaterThan, d, seen);
        let (set, next) = (self.b.create_block(), self.b.create_block());
        self.b.set_cold_block(set);
        self.b.ins().brif(deeper, set, &[], next, &[]);
        self.cold_path(set, next, |t| {
            t.b.ins().store(flags, d, ctx, runtime::OFF_MAX_SEEN);
            t.b.ins().jump(next, &[]);
        });
    }

    /// Where a call at `pc` records its depth ([`Room`]): its innermost part's pass, where
    /// the function's translation emits that pass once (a loop unrolled or with trips peeled
    /// off emits its loop part several times: each call there records at the call).
    fn deepest_at(&self, pc: usize) -> Deepest {
        let parts = self.loops.parts();
        match parts.of(pc) {
            None => self.target,
            Some(p) if self.copied(p) => Deepest::Each,
            Some(p) => Deepest::Part(self.scope, p),
        }
    }

    /// Whether part `p` of this scope's gene is translated more than once per pass (the loop
    /// part of a loop unrolled or with trips peeled off).
    fn copied(&self, p: usize) -> bool {
        let until = self.loops.parts().get(p).until;
        until.and_then(|u| self.loops.at_top(u)).is_some_and(|l| {
            let u = crate::loops::unrolling(self.g, &l);
            u.copies > 1 || u.peeled > 0
        })
    }

    /// At an instruction that ends a pass through a part holding calls: the record of the
    /// deepest of them (its constant set when the translation is done).
    fn end_of_pass(&mut self, pc: usize) {
        let Some(p) = self.loops.parts().ended_at(pc, self.backward) else { return };
        if !self.loops.parts().get(p).calls || self.copied(p) {
            return;
        }
        let Some(depth) = self.room.as_ref().map(|r| r.depth) else { return };
        let k = self.b.ins().iconst(I64, 0);
        let inst = self.b.func.dfg.value_def(k).unwrap_inst();
        let d = self.b.ins().iadd(depth, k);
        self.record_depth(d);
        let scope = self.scope;
        self.room.as_mut().expect("checked").part_marks.push(((scope, p), inst));
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

    /// The reference to gene `callee`'s function (its backward one when `backward`), declared
    /// in this function at its first call, as `cranelift_module`'s `declare_func_in_func`
    /// does (user name namespace 0 at the `FuncId` index; the module's genes are local, so
    /// colocated), with one signature for all of them.
    pub(super) fn callee_ref(&mut self, callee: usize, backward: bool) -> FuncRef {
        if let Some(&f) = self.callees.get(&(callee, backward)) {
            return f;
        }
        let sig = match self.callee_sig {
            Some(s) => s,
            None => {
                let s = self.b.import_signature(gene_signature(self.info.call_conv));
                self.callee_sig = Some(s);
                s
            }
        };
        let (fwd, bwd) = self.funcs[callee];
        let name = self.b.func.declare_imported_user_function(cranelift_codegen::ir::UserExternalName {
            namespace: 0,
            index: if backward { bwd } else { fwd },
        });
        let f = self.b.import_function(cranelift_codegen::ir::ExtFuncData {
            name: cranelift_codegen::ir::ExternalName::user(name),
            signature: sig,
            colocated: true,
            patchable: false,
        });
        self.callees.insert((callee, backward), f);
        f
    }

    /// Calls a runtime helper at a fixed address.
    fn call_rt(&mut self, addr: usize, params: &[Type], ret: Option<Type>, args: &[Value]) -> Option<Value> {
        let mut sig = Signature::new(self.info.call_conv);
        sig.params.extend(params.iter().map(|t| AbiParam::new(*t)));
        sig.returns.extend(ret.map(AbiParam::new));
        let sref = self.b.import_signature(sig);
        let callee = self.b.ins().iconst(I64, addr as i64);
        let inst = self.b.ins().call_indirect(sref, callee, args);
        // A helper may write array memory.
        self.known.forget_words();
        self.b.inst_results(inst).first().copied()
    }

    /// Calls a runtime helper that returns a status and leaves through the error exit when it
    /// recorded a fault.
    fn call_checked(&mut self, addr: usize, params: &[Type], args: &[Value]) {
        let st = self.call_rt(addr, params, Some(I32), args).expect("the helper returns a status");
        self.check_status(st);
    }

    /// Records an error at the current instruction and returns 1: the payload and the fault
    /// with its position stored in the function's frame (not passed to the exit as arguments,
    /// see [`EXIT_PLACES`]; not in the context, whose pointer would then be used in every loop
    /// with a check and take a register from its code), then a jump (from a cold block) to the
    /// error exit of the gene being translated.
    fn emit_error(&mut self, code: FaultCode, a: Value, b: Value) {
        let exit = self.error_exit();
        let slot = *self.failed.get_or_insert_with(|| {
            self.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 24, 3))
        });
        let code_pc = self.b.ins().iconst(I64, ((code as i64) << 32) | self.pc as i64);
        for (k, v) in [a, b, code_pc].into_iter().enumerate() {
            self.b.ins().stack_store(I64, v, slot, 8 * k as i32);
        }
        self.b.ins().jump(exit, &[]);
    }

    /// The error exit of the current context (the gene being translated, its direction and
    /// the calls it is translated in place in): a cold block shared by up to [`EXIT_PLACES`]
    /// places that may fail, filled when the function is finished
    /// ([`Self::fill_error_exits`]). One call of the runtime for many places instead of one
    /// each keeps the function small for the register allocator: `fib`'s three functions had
    /// 101 calls, 60% of their instructions, on paths no run takes twice.
    fn error_exit(&mut self) -> cranelift_codegen::ir::Block {
        let (gene, backward) = (self.gene, self.backward);
        // (The newest exit of the context: the places of one exit lie close together.)
        if let Some(e) = self
            .exits
            .iter_mut()
            .rev()
            .find(|e| e.gene == gene && e.backward == backward && e.outer == self.outer)
            && e.places < EXIT_PLACES
        {
            e.places += 1;
            return e.block;
        }
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        self.exits.push(ErrorExit { gene, backward, outer: self.outer.clone(), block, places: 1 });
        block
    }

    /// Fills the error exits: each records its fault and call-stack level, then, inside calls
    /// translated in place, their callers' levels too, innermost first (what each compiled
    /// caller records when its call fails), and returns 1.
    fn fill_error_exits(&mut self) {
        for ErrorExit { gene, backward, outer, block, .. } in std::mem::take(&mut self.exits) {
            self.b.switch_to_block(block);
            let (gene, dir) =
                (self.b.ins().iconst(I32, gene as i64), self.b.ins().iconst(I32, backward as i64));
            let slot = self.failed.expect("a place that fails stored its error");
            let [a, b, code_pc] = [0, 8, 16].map(|off| self.b.ins().stack_load(I64, I64, slot, off));
            let code = self.b.ins().ushr_imm_u(code_pc, 32);
            let [code, pc] = [code, code_pc].map(|v| self.b.ins().ireduce(I32, v));
            self.record_level(code, a, b, gene, pc, dir);
            for &(gene, pc, backward) in outer.iter().rev() {
                let z = self.k(0);
                let [code, gene, pc, dir] =
                    [FaultCode::Recorded as i64, gene as i64, pc as i64, backward as i64]
                        .map(|x| self.b.ins().iconst(I32, x));
                self.record_level(code, z, z, gene, pc, dir);
            }
            let one = self.b.ins().iconst(I32, 1);
            self.b.ins().return_(&[one]);
        }
    }

    /// `rt_error`: fault `code` (payload a, b) and one call-stack level (gene, pc, direction).
    fn record_level(&mut self, code: Value, a: Value, b: Value, gene: Value, pc: Value, dir: Value) {
        let ctx = self.ctx;
        self.call_rt(
            runtime::rt_error as *const () as usize,
            &[I64, I32, I64, I64, I32, I32, I32],
            None,
            &[ctx, code, a, b, gene, pc, dir],
        );
    }

    /// When `c` holds: error `code` with payload (a, b) at the current instruction.
    fn fail_if(&mut self, c: Value, code: FaultCode, a: Value, b: Value) {
        let err = self.b.create_block();
        let next = self.b.create_block();
        self.b.set_cold_block(err);
        self.b.ins().brif(c, err, &[], next, &[]);
        self.error_then(err, next, code, a, b);
    }

    /// Unless `c` holds: error `code` (no payload) at the current instruction.
    fn fail_unless(&mut self, c: Value, code: FaultCode) {
        let err = self.b.create_block();
        let next = self.b.create_block();
        self.b.set_cold_block(err);
        let z = self.k(0);
        self.b.ins().brif(c, next, &[], err, &[]);
        self.error_then(err, next, code, z, z);
    }

    /// After a branch to `err` or `next`: the error in `err`, then on in `next`.
    fn error_then(
        &mut self,
        err: cranelift_codegen::ir::Block,
        next: cranelift_codegen::ir::Block,
        code: FaultCode,
        a: Value,
        b: Value,
    ) {
        self.cold_path(err, next, |t| t.emit_error(code, a, b));
    }

    /// After a branch to `path` or `next` (the current block ended with it): `emit` fills
    /// `path`, which must end in a return or a jump to `next`; then on in `next`, with the
    /// facts of the branch when only it and `path` reach `next`.
    fn cold_path(
        &mut self,
        path: cranelift_codegen::ir::Block,
        next: cranelift_codegen::ir::Block,
        emit: impl FnOnce(&mut Self),
    ) {
        let cur = self.b.current_block();
        let facts = self.known.take(cur);
        // The slots' values go on into `next` when `path` sets none (it then reaches `next`,
        // if at all, with the values `cur` has).
        let values = self.values.paused == 0 && self.values.block == cur;
        let set_before = std::mem::replace(&mut self.values.set_while_paused, false);
        self.values.paused += 1;
        self.b.switch_to_block(path);
        self.b.seal_block(path);
        emit(self);
        self.values.paused -= 1;
        let set = std::mem::replace(&mut self.values.set_while_paused, set_before);
        self.b.switch_to_block(next);
        self.b.seal_block(next);
        self.known.resume(next, facts);
        if values && !set {
            self.values.block = Some(next);
        }
    }

    fn fail_if0(&mut self, c: Value, code: FaultCode) {
        let z = self.k(0);
        self.fail_if(c, code, z, z);
    }

    /// Unconditional error at the current instruction; the rest of the block is dead.
    fn fail(&mut self, code: FaultCode, a: Value, b: Value) {
        self.emit_error(code, a, b);
        self.done = true;
    }

    /// A helper returned a status: non-zero means it recorded a fault.
    fn check_status(&mut self, st: Value) {
        let z = self.k(0);
        self.fail_if(st, FaultCode::Recorded, z, z);
    }

    fn ret_word(&mut self) -> Value {
        self.b.ins().load(I64, MemFlagsData::trusted(), self.ctx, runtime::OFF_RET)
    }

    /// The address of `arr[idx]` after the bounds check, and the index as element facts know it.
    fn elem(&mut self, arr: Arr, idx: Slot) -> (Value, known::Index) {
        let i = self.v(idx);
        let range = self.range(idx, i);
        let at = self.index_of(i);
        (self.elem_at(arr, i, range, at), at)
    }

    /// The address of `arr[i]` (checked), where `i` lies in `range` when that is known and is
    /// `at` for the element facts: no check where one passed on every path to here.
    fn elem_at(&mut self, arr: Arr, i: Value, range: Option<(u64, u64)>, at: known::Index) -> Value {
        let base = self.v(Slot(arr.0));
        // An index whose range is known to lie inside the array's static length needs no check.
        let in_bounds = match self.fixed.get(arr.0 as usize + 1) {
            Some(Fixed::Const(n)) => range.is_some_and(|(_, hi)| hi < *n),
            _ => false,
        };
        let cur = self.b.current_block();
        // A speculative run accesses an element it checked at the address it got then (its
        // facts say checked: it is, but only where the run's accesses were all in bounds).
        if let Some(&(_, _, p)) =
            self.spec.as_ref().and_then(|s| s.seen.iter().find(|e| e.0 == arr.0 && e.1 == at))
        {
            return p;
        }
        if !in_bounds && !self.known.checked(cur, arr.0, at) {
            if self.spec.is_some() {
                return self.spec_elem(arr, at, base, i);
            }
            let len = self.v(Slot(arr.0 + 1));
            let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, len);
            self.fail_if(oob, FaultCode::Oob, i, len);
            let cur = self.b.current_block();
            self.known.note(cur, arr.0, at, None);
        }
        // The constant part of the index goes to the address's displacement (`a[i - 1]` is
        // `-8(base, i, 8)`, one instruction), the same address modulo 2⁶⁴.
        let disp = |k: i64| k.checked_mul(8).filter(|d| i32::try_from(*d).is_ok());
        match at {
            known::Index::Const(k) if let Some(d) = disp(k) => self.b.ins().iadd_imm_s(base, d),
            known::Index::Sum(x, k)
                if k != 0
                    && let Some(d) = disp(k) =>
            {
                let off = self.b.ins().ishl_imm_u(x, 3);
                let p = self.b.ins().iadd(base, off);
                self.b.ins().iadd_imm_s(p, d)
            }
            _ => {
                let off = self.b.ins().ishl_imm_u(i, 3);
                self.b.ins().iadd(base, off)
            }
        }
    }

    /// The inclusive unsigned range of `v`, the value of slot `s` at the current instruction,
    /// when known: inside a simple counted loop with constant bounds the counter lies in the
    /// loop's range ([`crate::loops`]), and a value made from a known range by adding a
    /// constant without wrapping has the shifted range (recorded by [`Self::note_offset`]).
    /// A Value is defined once, so its range holds at every use, in any later trip.
    fn range(&self, s: Slot, v: Value) -> Option<(u64, u64)> {
        if let Some(&r) = self.ranges.get(&v) {
            return Some(r);
        }
        self.loops.counter_range(s, self.pc).or_else(|| self.made_range(v))
    }

    /// The range of `v` by the instruction that made it: a constant, `x & k` (0 ..= k),
    /// `x >> k` unsigned (0 ..= u64::MAX >> k), `x % k` unsigned (0 ..= k - 1), for a
    /// constant k (`h[x & 15]` needs no bounds check when h has 16 elements).
    fn made_range(&self, v: Value) -> Option<(u64, u64)> {
        let (op, _, k) = self.split(v)?;
        let k = k as u64;
        match op {
            Opcode::Iconst => Some((k, k)),
            Opcode::Band => Some((0, k)),
            // (Cranelift takes a shift amount modulo the width.)
            Opcode::Ushr => Some((0, u64::MAX >> (k & 63))),
            Opcode::Urem if k > 0 => Some((0, k - 1)),
            _ => None,
        }
    }

    /// Whether `v` is 0 or 1 by how it was computed: a comparison made a word, a constant 0
    /// or 1, or the `and`/`or` of such values.
    fn is_bool(&self, v: Value) -> bool {
        let dfg = &self.b.func.dfg;
        let mut todo = vec![v];
        let mut seen = 0;
        while let Some(v) = todo.pop() {
            seen += 1;
            let ValueDef::Result(inst, 0) = dfg.value_def(dfg.resolve_aliases(v)) else { return false };
            match dfg.insts[inst] {
                InstructionData::Unary { opcode: Opcode::Uextend, arg } => {
                    let ValueDef::Result(c, 0) = dfg.value_def(dfg.resolve_aliases(arg)) else {
                        return false;
                    };
                    if !matches!(dfg.insts[c].opcode(), Opcode::Icmp) {
                        return false;
                    }
                }
                InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } if matches!(imm.bits(), 0 | 1) => {}
                InstructionData::Binary { opcode: Opcode::Band | Opcode::Bor, args } if seen < 8 => {
                    todo.extend(args);
                }
                _ => return false,
            }
        }
        true
    }

    /// How `v` was made when by a constant or an operation with a constant second operand:
    /// `(op, Some(a), k)` for `op(a, k)`, `(Iconst, None, k)` for the constant `k`.
    fn split(&self, v: Value) -> Option<(Opcode, Option<Value>, i64)> {
        let dfg = &self.b.func.dfg;
        let def = |v: Value| match dfg.value_def(dfg.resolve_aliases(v)) {
            ValueDef::Result(inst, 0) => Some(dfg.insts[inst]),
            _ => None,
        };
        let constant = |v: Value| match def(v)? {
            InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } => Some(imm.bits()),
            _ => None,
        };
        match def(v)? {
            InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } => {
                Some((Opcode::Iconst, None, imm.bits()))
            }
            InstructionData::Binary { opcode, args: [a, b] } => {
                Some((opcode, Some(dfg.resolve_aliases(a)), constant(b)?))
            }
            _ => None,
        }
    }

    /// Records `r = x + k` (wrapping `k`) for [`Self::range`] when x's range is known and the
    /// sum cannot wrap; returns the new range.
    fn note_offset(&mut self, a: Slot, x: Value, k: i64, r: Value) -> Option<(u64, u64)> {
        if let Some(c) = &mut self.carry
            && c.ctr == a
        {
            c.offsets.insert(r, k);
        }
        let (lo, hi) = self.range(a, x)?;
        let lo = u64::try_from(i128::from(lo) + i128::from(k)).ok()?;
        let hi = u64::try_from(i128::from(hi) + i128::from(k)).ok()?;
        self.ranges.insert(r, (lo, hi));
        Some((lo, hi))
    }

    /// The address of stack `id`'s [`runtime::RtStack`] (`id` read from slot `stack`) when
    /// `id` names a live stack; else continues in `slow` (where a helper reports the fault).
    /// The check is left out where it passed on every path to here ([`known`]), and for a
    /// stack parameter when the module keeps them fixed.
    fn stack_hdr(&mut self, stack: Slot, id: Value, slow: cranelift_codegen::ir::Block) -> Value {
        let flags = MemFlagsData::trusted();
        let cur = self.b.current_block();
        let st = self.stack_tab;
        // A stack parameter names a live stack for the whole call (when the module says so).
        let param = self.info.stack_params_fixed
            && self
                .g
                .params
                .iter()
                .zip(&self.g.param_slots)
                .any(|(p, &s)| p.ty == rdx_lang::ast::Type::Stack && s == stack.0);
        let known = param || st.is_some() && self.known.stack_live(cur, id);
        if !known {
            let live = match st {
                Some(st) => self.b.use_var(st.live),
                None => self.b.ins().load(I64, flags, self.ctx, runtime::OFF_LIVE),
            };
            let ok = self.b.ins().icmp(IntCC::UnsignedLessThan, id, live);
            let next = self.b.create_block();
            self.b.ins().brif(ok, next, &[], slow, &[]);
            self.go_on(next);
            if st.is_some() {
                let cur = self.b.current_block();
                self.known.note_stack_live(cur, id);
            }
        }
        let tab = match st {
            Some(st) => self.b.use_var(st.tab),
            None => self.b.ins().load(I64, flags, self.ctx, runtime::OFF_STACK_TAB),
        };
        let off = self.b.ins().imul_imm_s(id, runtime::STACK_SIZE);
        self.b.ins().iadd(tab, off)
    }

    /// Ends a stack operation whose fast path is the current block and whose `slow` block is
    /// reached only when the operation fails (a dead or empty stack, a pop into a non-zero
    /// variable): `helper(args)` records the fault there. Goes on in a block only the fast
    /// path reaches, with its facts.
    fn stack_fault_path(
        &mut self,
        slow: cranelift_codegen::ir::Block,
        helper: usize,
        params: &[Type],
        args: &[Value],
    ) {
        let done = self.b.create_block();
        self.b.ins().jump(done, &[]);
        self.cold_path(slow, done, |t| {
            // The helper finds the fault the inline checks found (its status is not needed).
            t.call_rt(helper, params, Some(I32), args);
            let z = t.k(0);
            t.emit_error(FaultCode::Recorded, z, z);
        });
    }

    /// Stack slot `stack`'s header words, when this scope keeps them in variables.
    pub(super) fn kept_stack(&self, stack: Slot) -> Option<StackVars> {
        self.stack_vars.iter().find(|e| e.0 == stack.0).map(|e| e.1)
    }

    /// Keeps stack slot `stack`'s header words in variables ([`StackVars`]): `share`'s (a
    /// caller's, for a call in place), else new ones read from its header here. Only in a
    /// function with a stack table, and a module whose stack parameters are fixed.
    pub(super) fn keep_stack_words(&mut self, stack: Slot, share: Option<StackVars>) {
        if self.stack_tab.is_none() || !self.info.stack_params_fixed {
            return;
        }
        let sv = match share {
            Some(sv) => sv,
            None => {
                let sv = StackVars {
                    buf: self.b.declare_var(I64),
                    len: self.b.declare_var(I64),
                    cap: self.b.declare_var(I64),
                };
                self.read_stack_words(stack, sv);
                sv
            }
        };
        self.stack_vars.push((stack.0, sv));
    }

    /// Reads stack slot `stack`'s header words into `sv`.
    pub(super) fn read_stack_words(&mut self, stack: Slot, sv: StackVars) {
        let st = self.stack_tab.expect("kept stacks have a stack table");
        let id = self.v(stack);
        let tab = self.b.use_var(st.tab);
        let off = self.b.ins().imul_imm_s(id, runtime::STACK_SIZE);
        let hdr = self.b.ins().iadd(tab, off);
        let flags = MemFlagsData::trusted();
        for (var, off) in [
            (sv.buf, runtime::OFF_STACK_PTR),
            (sv.len, runtime::OFF_STACK_LEN),
            (sv.cap, runtime::OFF_STACK_CAP),
        ] {
            let w = self.b.ins().load(I64, flags, hdr, off);
            self.b.def_var(var, w);
        }
    }

    /// After a real call (which may push onto or pop from a stack passed to it): the words of
    /// every stack kept in variables read again.
    pub(super) fn reread_stack_words(&mut self) {
        for (s, sv) in self.stack_vars.clone() {
            self.read_stack_words(Slot(s), sv);
        }
    }

    /// The word at offset `off` of stack `id`'s header `hdr` (of slot `stack`): its variable's
    /// value when the scope keeps it ([`StackVars`]), else the one known here, else loaded
    /// (and known after, in a gene whose stack table does not move).
    fn stack_field(&mut self, stack: Slot, id: Value, hdr: Value, off: i32) -> Value {
        if let Some(sv) = self.kept_stack(stack) {
            let var = match off {
                runtime::OFF_STACK_PTR => sv.buf,
                runtime::OFF_STACK_LEN => sv.len,
                _ => sv.cap,
            };
            return self.b.use_var(var);
        }
        let cur = self.b.current_block();
        if self.stack_tab.is_some()
            && let Some(w) = self.known.stack_word(cur, id, off)
        {
            return w;
        }
        let w = self.b.ins().load(I64, MemFlagsData::trusted(), hdr, off);
        if self.stack_tab.is_some() {
            self.known.note_stack_word(cur, id, off, w);
        }
        w
    }

    /// After an instruction that may have opened or closed a stack (or a real call, which
    /// may have): the stack table's address and live count read again, and no stack known
    /// live or its words known.
    pub(super) fn reload_stack_tab(&mut self) {
        let Some(st) = self.stack_tab else { return };
        let flags = MemFlagsData::trusted();
        let live = self.b.ins().load(I64, flags, self.ctx, runtime::OFF_LIVE);
        let tab = self.b.ins().load(I64, flags, self.ctx, runtime::OFF_STACK_TAB);
        self.b.def_var(st.live, live);
        self.b.def_var(st.tab, tab);
        self.known.forget_stacks();
    }

    /// Stores `len` as stack `id`'s length (header `hdr`, slot `stack`): the one header word
    /// known after (its variable's value, where the scope keeps the words).
    fn set_stack_len(&mut self, stack: Slot, id: Value, hdr: Value, len: Value) {
        self.b.ins().store(MemFlagsData::trusted(), len, hdr, runtime::OFF_STACK_LEN);
        if let Some(sv) = self.kept_stack(stack) {
            self.b.def_var(sv.len, len);
        }
        self.known.forget_stack_words();
        if self.stack_tab.is_some() {
            let cur = self.b.current_block();
            self.known.note_stack_word(cur, id, runtime::OFF_STACK_LEN, len);
        }
    }

    fn load(&mut self, p: Value) -> Value {
        self.b.ins().load(I64, MemFlagsData::trusted(), p, 0)
    }

    /// Stores `v` at `p`, which may be any array's element: no element's word is known after.
    fn store(&mut self, arr: Arr, at: known::Index, v: Value, p: Value) {
        self.b.ins().store(MemFlagsData::trusted(), v, p, 0);
        self.known.forget_words_at(arr.0, at);
    }

    /// `arr[at]`, whose address `p` came from [`Self::elem_at`]: the word known here, else loaded.
    fn load_at(&mut self, arr: Arr, at: known::Index, p: Value) -> Value {
        let cur = self.b.current_block();
        if let Some(w) = self.known.word(cur, arr.0, at) {
            return w;
        }
        let w = self.load(p);
        self.known.note(cur, arr.0, at, Some(w));
        w
    }

    /// Stores `v` into `arr[at]` (address `p` from [`Self::elem_at`]): the one word known after.
    /// Returns the word stored: `v`, or in a branchless `if` `v` where it takes effect
    /// ([`select`]).
    fn store_at(&mut self, arr: Arr, at: known::Index, v: Value, p: Value) -> Value {
        let v = self.spec_store(arr.0, at, v);
        self.store(arr, at, v, p);
        let cur = self.b.current_block();
        self.known.note(cur, arr.0, at, Some(v));
        v
    }

    /// The index `i` as element facts know it: by the instructions that computed it.
    fn index_of(&self, i: Value) -> known::Index {
        let (mut base, mut k) = (self.b.func.dfg.resolve_aliases(i), 0i64);
        // Sums of sums (`j + 1` of `i + 2`), as deep as the steps of an unrolled loop body.
        for _ in 0..16 {
            match self.split(base) {
                Some((Opcode::Iconst, None, c)) => return known::Index::Const(c.wrapping_add(k)),
                Some((Opcode::Iadd, Some(a), c)) => {
                    base = a;
                    k = k.wrapping_add(c);
                }
                Some((Opcode::Isub, Some(a), c)) => {
                    base = a;
                    k = k.wrapping_sub(c);
                }
                Some((op, Some(a), c)) if k == 0 => return known::Index::Op(op, a, c),
                _ => break,
            }
        }
        known::Index::Sum(base, k)
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
            if targets.at[pc] > 0 || pc == 1 {
                self.start_block(pc, targets.at[pc]);
            } else if self.done {
                pc += 1;
                continue;
            }
            let op = code[pc];
            if op.is_pure() {
                let consumer = self.consumer_of(pc);
                // (A settled exit assertion's code is not run: see `Op::FiThen` below.)
                if !self.loops.settled(consumer) {
                    self.emit_pure_forward(pc, consumer);
                }
                pc = consumer;
            }
            self.srcloc(pc);
            self.translate_forward(pc);
            if let Some(to) = self.skip_to.take() {
                pc = to;
            }
            pc += 1;
        }
    }

    fn body_backward(&mut self) {
        let code = &self.g.code;
        let targets = Targets::backward(self.g);
        let mut pc = code.len() - 2;
        loop {
            if targets.at[pc] > 0 || pc == code.len() - 2 {
                self.start_block(pc, targets.at[pc]);
            }
            if !self.done {
                self.srcloc(pc);
                self.translate_backward(pc);
            }
            let below = pre_start(self.g, self.skip_to.take().unwrap_or(pc));
            if below == 0 {
                break;
            }
            pc = below - 1;
        }
    }

    /// Starts the block of jump target `pc`, which `jumps` jumps go to: the code before falls
    /// into it unless it ended with a transfer. With one jump and no fall-through, the block has
    /// one way in, so it starts with the element facts of that jump ([`known`]).
    fn start_block(&mut self, pc: usize, jumps: u8) {
        let blk = self.block(pc);
        let only = self.entry_facts.remove(&pc).filter(|_| self.done && jumps == 1);
        if !self.done {
            self.b.ins().jump(blk, &[]);
        }
        self.b.switch_to_block(blk);
        if let Some(facts) = only {
            // Its one predecessor is already emitted.
            self.b.seal_block(blk);
            self.known.resume(blk, facts);
        }
        self.done = false;
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
        let mut q = start;
        while q < end {
            let op = code[q];
            if let Some(&blk) = local.get(&q) {
                self.b.ins().jump(blk, &[]);
                self.b.switch_to_block(blk);
            }
            self.srcloc(q);
            // The verifier keeps a short-circuit jump inside its expression: q < to <= end.
            // (No other jump may land in the part it skips: the compiler's jumps nest, but a
            // hand-written module's may cross, and then that target is translated where it is.)
            if let Op::Jz { a, to } | Op::Jnz { a, to } = op
                && let skipped = &code[q + 1..to.0 as usize]
                && skipped.iter().all(Op::cannot_fault)
                && !(q + 1..to.0 as usize).any(|p| local.contains_key(&p))
            {
                // Short-circuit code whose skipped part cannot fault (`s > 0 && i == n`): run
                // it on both paths and keep, for each slot it writes, the old value where the
                // jump would have skipped it (a select, no branch).
                let x = self.v(a);
                let written = crate::loops::written_by(self.g, skipped);
                let old: Vec<Value> = written.iter().map(|&d| self.v(d)).collect();
                for (k, o) in skipped.iter().enumerate() {
                    self.srcloc(q + 1 + k);
                    self.translate_pure(*o);
                }
                let and = matches!(op, Op::Jz { .. });
                let cc = if and { IntCC::Equal } else { IntCC::NotEqual };
                let jumped = self.b.ins().icmp_imm_s(cc, x, 0);
                for (&d, &was) in written.iter().zip(&old) {
                    let now = self.v(d);
                    // The result of `&&`/`||` itself, both sides 0 or 1: their `and`/`or`
                    // (what the select picks, in one instruction the branch can use).
                    let v = if d == a && self.is_bool(was) && self.is_bool(now) {
                        if and { self.b.ins().band(was, now) } else { self.b.ins().bor(was, now) }
                    } else {
                        self.b.ins().select(jumped, was, now)
                    };
                    self.set(d, v);
                }
                q = to.0 as usize;
                continue;
            }
            match op {
                Op::Jz { a, to, .. } | Op::Jnz { a, to, .. } => {
                    let x = self.v(a);
                    let cc = if matches!(op, Op::Jz { .. }) { IntCC::Equal } else { IntCC::NotEqual };
                    let c = self.b.ins().icmp_imm_s(cc, x, 0);
                    let target = local[&(to.0 as usize)];
                    let next = self.b.create_block();
                    self.b.ins().brif(c, target, &[], next, &[]);
                    self.go_on(next);
                }
                op => self.translate_pure(op),
            }
            q += 1;
        }
        if let Some(&blk) = local.get(&end) {
            self.b.ins().jump(blk, &[]);
            self.b.switch_to_block(blk);
        }
    }

    /// Re-runs the pure code of instruction `at` (backward direction), but for a value the
    /// backward run does not read (rdx_vm::module::forward).
    fn eval_pre(&mut self, at: usize) {
        let here = self.pc;
        let start = pre_start(self.g, at);
        if start < at {
            let unread = rdx_vm::module::forward::unread_value_backward(&self.g.code, at);
            self.emit_pure_but(start, at, unread);
        }
        self.srcloc(here);
    }

    /// Runs the pure code `start..consumer` forward, but for the value of an `undo x := e`,
    /// which a forward run does not read (rdx_vm::module::forward).
    pub(super) fn emit_pure_forward(&mut self, start: usize, consumer: usize) {
        let unread = rdx_vm::module::forward::unread_value(&self.g.code, consumer);
        self.emit_pure_but(start, consumer, unread);
    }

    /// [`Tr::emit_pure`] of `start..end` but for the part `unread` (inside it, jumps kept
    /// inside each side: `value_part`).
    fn emit_pure_but(&mut self, start: usize, end: usize, unread: Option<(usize, usize)>) {
        match unread.filter(|&(from, until)| start <= from && until <= end) {
            Some((from, until)) => {
                self.emit_pure(start, from);
                self.emit_pure(until, end);
            }
            None => self.emit_pure(start, end),
        }
    }

    /// Exchanges the per-gene translation state with `sc` (see [`GeneScope`]).
    fn swap_scope(&mut self, sc: &mut GeneScope<'m>) {
        use std::mem::swap;
        swap(&mut self.g, &mut sc.g);
        swap(&mut self.gene, &mut sc.gene);
        swap(&mut self.backward, &mut sc.backward);
        swap(&mut self.depth, &mut sc.depth);
        swap(&mut self.used, &mut sc.used);
        swap(&mut self.vars, &mut sc.vars);
        swap(&mut self.frame, &mut sc.frame);
        swap(&mut self.pc, &mut sc.pc);
        swap(&mut self.blocks, &mut sc.blocks);
        swap(&mut self.done, &mut sc.done);
        swap(&mut self.fixed, &mut sc.fixed);
        swap(&mut self.loops, &mut sc.loops);
        swap(&mut self.carry, &mut sc.carry);
        swap(&mut self.known, &mut sc.known);
        swap(&mut self.entry_facts, &mut sc.entry_facts);
        swap(&mut self.stack_tab, &mut sc.stack_tab);
        swap(&mut self.stack_vars, &mut sc.stack_vars);
        swap(&mut self.ret, &mut sc.ret);
        swap(&mut self.offs, &mut sc.offs);
        swap(&mut self.scope, &mut sc.scope);
        swap(&mut self.target, &mut sc.target);
    }

    /// Whether a call of `callee` is translated in place: a small gene, within this function's
    /// budget; one that calls others only less than [`INLINE_LEVELS`] - 1 calls in place deep
    /// (so calls in place go [`INLINE_LEVELS`] deep at most).
    fn inlinable(&self, callee: usize) -> bool {
        let cg = &self.info.module.genes[callee];
        let calls = cg.code.iter().any(|o| matches!(o, Op::Call { .. } | Op::Uncall { .. }));
        cg.code.len() <= INLINE_MAX.min(self.inline_budget)
            && (!calls || self.outer.len() + 1 < INLINE_LEVELS as usize)
    }

    /// Translates a call of `callee` (backward for `uncall`) in place: the callee's code on
    /// the caller's values, as the callee's own function would run it (its variables start as
    /// the arguments and zeros, its arrays are the caller's, its local arrays take the frame
    /// above the caller's), then on in the caller with the scalars' final values. The limits
    /// and the deepest nesting are the call's (checked by the caller before); an error inside
    /// reports the callee's level and then the caller's, as a real call does.
    fn inline_call(
        &mut self,
        callee: usize,
        args: rdx_vm::ops::Args,
        backward: bool,
        depth: Value,
        used: Value,
    ) {
        let m = self.info.module;
        let cg = &m.genes[callee];
        self.inline_budget -= cg.code.len();
        let arg_slots: Vec<Slot> = self.g.args[args.start as usize..][..args.len as usize].to_vec();
        let vars: Vec<Variable> = (0..cg.slots).map(|_| self.b.declare_var(I64)).collect();
        let mut fixed = vec![Fixed::No; cg.slots as usize];
        let mut given = vec![false; cg.slots as usize];
        for (i, p) in cg.params.iter().enumerate() {
            let (s, a) = (cg.param_slots[i] as usize, arg_slots[i].0);
            for k in 0..p.width() {
                let v = self.v(Slot(a + k));
                self.b.def_var(vars[s + k as usize], v);
                given[s + k as usize] = true;
            }
            // As at a function's entry: a parameter array's (pointer, length) is fixed.
            if let rdx_lang::ast::Type::Array(e, n) = p.ty
                && s + 1 < fixed.len()
            {
                fixed[s] = Fixed::Value(self.v(Slot(a)));
                fixed[s + 1] = Fixed::Const(n.saturating_mul(e.words()));
            }
        }
        let zero = self.k(0);
        for (s, v) in vars.iter().enumerate() {
            if !given[s] {
                self.b.def_var(*v, zero);
            }
        }
        // The callee's frame starts where the caller's ends (`used` words in use before it).
        let frame =
            cg.code.iter().any(|o| matches!(o, Op::LocalArr { .. } | Op::DelocalArr { .. })).then(|| {
                let arena = self.b.ins().load(I64, MemFlagsData::trusted(), self.ctx, runtime::OFF_ARENA);
                let start = self.b.ins().iadd_imm_s(used, -(cg.words as i64));
                let off = self.b.ins().ishl_imm_u(start, 3);
                self.b.ins().iadd(arena, off)
            });
        let ret = self.b.create_block();
        let scalars: Vec<Slot> =
            (cg.params.iter().zip(&arg_slots)).filter(|(p, _)| p.ty.is_scalar()).map(|(_, &a)| a).collect();
        for _ in &scalars {
            self.b.append_block_param(ret, I64);
        }
        let mut scope = GeneScope {
            g: cg,
            gene: callee as u32,
            backward,
            depth,
            used,
            vars,
            frame,
            pc: 0,
            blocks: HashMap::new(),
            done: false,
            fixed,
            loops: crate::loops::Loops::new(cg),
            carry: None,
            known: known::Known::default(),
            entry_facts: HashMap::new(),
            stack_tab: self.stack_tab,
            stack_vars: Vec::new(),
            ret: Some(ret),
            offs: (self.offs.0 + 1, self.offs.1 + cg.words as u64),
            scope: {
                let room = self.room.as_mut().expect("genes that call have a room");
                room.scopes += 1;
                room.scopes
            },
            target: self.deepest_at(self.pc),
        };
        // The callee's stack parameters: the caller's variables where it keeps the stack, else
        // new ones, read here (where the caller's arguments are).
        let stacks: Vec<(Slot, Option<StackVars>)> = (cg.params.iter().zip(&cg.param_slots))
            .zip(&arg_slots)
            .filter(|((p, _), _)| p.ty == rdx_lang::ast::Type::Stack)
            .map(|((_, &s), &a)| (Slot(s), self.kept_stack(a)))
            .collect();
        self.outer.push((self.gene, self.pc, self.backward));
        self.swap_scope(&mut scope);
        for (s, share) in stacks {
            self.keep_stack_words(s, share);
        }
        if backward {
            self.body_backward();
        } else {
            self.body_forward();
        }
        self.swap_scope(&mut scope);
        self.outer.pop();
        self.b.switch_to_block(ret);
        self.b.seal_block(ret);
        let vals = self.b.block_params(ret).to_vec();
        for (a, v) in scalars.into_iter().zip(vals) {
            self.set(a, v);
        }
    }

    /// Writes the width-1 parameter slots back and returns 0.
    fn emit_return(&mut self) {
        if let Some(ret) = self.ret {
            // A call translated in place: on in the caller with the scalars' final values.
            let g = self.g;
            let vals: Vec<_> = (g.params.iter().zip(&g.param_slots))
                .filter(|(p, _)| p.ty.is_scalar())
                .map(|(_, &s)| self.v(Slot(s)).into())
                .collect();
            self.b.ins().jump(ret, &vals);
            self.done = true;
            return;
        }
        let flags = MemFlagsData::trusted();
        // (The return is translated after every call of the function, forward its `exit` and
        // backward its `enter`: E is known here, and a function whose calls all record
        // elsewhere records nothing at its return.)
        if let Some(r) = self.room.as_ref().filter(|r| r.max_e > 0) {
            let (depth, e) = (r.depth, r.e_value(&self.b));
            let d = self.b.ins().iadd(depth, e);
            self.record_depth(d);
        }
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
        self.end_of_pass(pc);
        match op {
            Op::Enter {} | Op::Else { .. } | Op::LoopExit { .. } => {}
            Op::Exit {} => self.emit_return(),
            Op::If { cond, else_at, .. } => {
                if let Some(end) = self.select_forward(pc) {
                    self.skip_to = Some(end);
                } else {
                    // (Also the way taken where the branchless form's accesses were out of
                    // bounds: it goes on here, as if it had not been tried.)
                    let c = self.cond(cond);
                    self.branch_unless(c, else_at.0 as usize + 1);
                }
            }
            // An exit assertion that cannot fail is left out with its code
            // (`rdx_vm::loops::settled_exits`).
            Op::FiThen { cond, fi_else, .. } => {
                if !self.loops.settled(pc) {
                    let c = self.cond(cond);
                    self.fail_unless(c, FaultCode::FiThen);
                }
                self.jump(fi_else.0 as usize + 1);
            }
            Op::FiElse { cond, .. } => {
                if !self.loops.settled(pc) {
                    let c = self.cond(cond);
                    self.fail_if0(c, FaultCode::FiElse);
                }
            }
            Op::From { cond, .. } => {
                let c = self.cond(cond);
                self.fail_unless(c, FaultCode::FromEntry);
                self.start_carry(pc);
                self.peel_forward(pc);
            }
            Op::Until { cond, loop_exit, .. } => {
                let c = self.cond(cond);
                self.branch_to(c, loop_exit.0 as usize + 1);
            }
            Op::LoopBack { cond, from_top, .. } => {
                // A simple test-first loop's entry assertion never holds again.
                let simple = self.loops.at_head(from_top.0 as usize);
                if simple.is_none() {
                    let c = self.cond(cond);
                    self.fail_if0(c, FaultCode::FromReentry);
                }
                // Unrolled: more copies of the body and its step before the exit test.
                if let Some((l, u)) = simple.and_then(|l| self.unrolled(l.step)) {
                    for _ in 1..u.copies {
                        self.trip_forward(&l);
                    }
                    self.srcloc(pc);
                }
                self.carry = None;
                self.jump(from_top.0 as usize + 1);
            }
            Op::FromC { cond, .. } => {
                let c = self.cond(cond);
                self.fail_unless(c, FaultCode::FromEntry);
                self.start_carry(pc);
                self.peel_forward(pc);
            }
            Op::LoopInc { ctr, cond, from_top, .. } | Op::LoopDec { ctr, cond, from_top, .. } => {
                let step = if matches!(op, Op::LoopInc { .. }) { 1 } else { -1 };
                self.step_forward(ctr, step);
                // Unrolled: more copies of the body, each with its step, before the exit test.
                let top = from_top.0 as usize;
                if let Some((l, u)) = self.unrolled(pc) {
                    for _ in 1..u.copies {
                        self.trip_forward(&l);
                    }
                    self.srcloc(pc);
                }
                self.carry = None;
                let c = self.cond(cond);
                self.branch_to(c, pc + 2);
                if !self.simple_loop(pc) {
                    let again = match self.g.code[top] {
                        Op::FromC { cond, .. } => self.cond(cond),
                        _ => self.b.ins().iconst(types::I8, 1),
                    };
                    self.fail_if0(again, FaultCode::FromReentry);
                }
                self.jump(top + 1);
            }
            other => self.translate_effect(other),
        }
    }

    // ------------------------------------------------------------ control, backward

    fn translate_backward(&mut self, pc: usize) {
        let op = self.g.code[pc];
        self.end_of_pass(pc);
        let below = |t: &Self, p: usize| pre_start(t.g, p) - 1;
        match op {
            Op::Enter {} => self.emit_return(),
            Op::Exit {} | Op::FiThen { .. } | Op::LoopBack { .. } => {}
            Op::From { cond, loop_back, .. } => {
                self.eval_pre(pc);
                let c = self.entry_test_backward(pc, cond);
                // Holds: leave the loop (fall through below); else go to the loop block's end.
                let to = below(self, loop_back.0 as usize);
                self.branch_unless(c, to);
                self.peel_backward(pc);
            }
            Op::Until { cond, .. } => {
                self.eval_pre(pc);
                // Inside a simple test-first loop the exit condition never holds going back.
                let simple = self.loops.at_top(pc).filter(|l| l.head != l.top);
                if simple.is_none() {
                    let c = self.cond(cond);
                    self.fail_if0(c, FaultCode::UntilReentry);
                }
                // Unrolled: more trips back (the step, then the body) before the entry test.
                if let Some((l, u)) = simple.and_then(|l| self.unrolled(l.step)) {
                    for _ in 1..u.copies {
                        self.trip_backward(&l);
                    }
                    self.srcloc(pc);
                }
            }
            Op::LoopExit { until, .. }
                if matches!(self.g.code[until.0 as usize], Op::LoopInc { .. } | Op::LoopDec { .. }) =>
            {
                let u = until.0 as usize;
                let c = self.cond_of_step(u);
                self.fail_unless(c, FaultCode::UntilExit);
                self.step_back(u);
                self.jump(u - 1);
            }
            Op::LoopInc { cond, .. } | Op::LoopDec { cond, .. } => {
                if !self.simple_loop(pc) {
                    let c = self.cond(cond);
                    self.fail_if0(c, FaultCode::UntilReentry);
                }
                self.step_back(pc);
            }
            Op::FromC { cond, loop_back, .. } => {
                // Unrolled: more steps back, each with a copy of the body, before the test.
                let lp = loop_back.0 as usize;
                if let Some((l, u)) = self.unrolled(lp) {
                    for _ in 1..u.copies {
                        self.trip_backward(&l);
                    }
                }
                self.srcloc(pc);
                let c = self.entry_test_backward(pc, cond);
                let around = self.b.create_block();
                let next = self.b.create_block();
                self.b.ins().brif(c, next, &[], around, &[]);
                self.b.switch_to_block(around);
                // Around again: the step's backward meaning (its errors name the step).
                self.srcloc(lp);
                if !self.simple_loop(lp) {
                    let c = self.cond_of_step(lp);
                    self.fail_if0(c, FaultCode::UntilReentry);
                }
                self.step_back(lp);
                self.jump(lp - 1);
                self.b.switch_to_block(next);
                self.done = false;
                self.srcloc(pc);
                self.peel_backward(pc);
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
                self.fail_if0(ok, FaultCode::UntilExit);
                let to = below(self, u);
                self.jump(to);
            }
            // Backward, the `if` test ends a branch: it cannot fail where the branch's exit
            // assertion cannot (the branch writes the same backward as forward). The way back
            // into the then branch was chosen by `fi.else`'s copy of that assertion, so this
            // holds only where it is the same as `fi.then`'s.
            Op::If { cond, else_at, .. } => {
                let fi_then = (else_at.0 as usize).saturating_sub(1);
                if !(self.loops.settled(fi_then) && fi_copies_same(self.g, fi_then)) {
                    self.eval_pre(pc);
                    let c = self.cond(cond);
                    self.fail_unless(c, FaultCode::IfThen);
                }
            }
            Op::Else { if_top, .. } => {
                let t = if_top.0 as usize;
                let fi_else = match self.g.code.get(pc.wrapping_sub(1)) {
                    Some(Op::FiThen { fi_else, .. }) => Some(fi_else.0 as usize),
                    _ => None,
                };
                if !fi_else.is_some_and(|f| self.loops.settled(f)) {
                    self.eval_pre(t);
                    self.srcloc(pc);
                    let holds = match self.g.code[t] {
                        Op::If { cond, .. } => self.cond(cond),
                        _ => self.b.ins().iconst(types::I8, 1),
                    };
                    self.fail_if0(holds, FaultCode::IfElse);
                }
                let to = below(self, t);
                self.jump(to);
            }
            Op::FiElse { cond, fi_then, .. } => {
                if let Some(top) = self.select_backward(pc) {
                    self.skip_to = Some(top);
                } else {
                    self.eval_pre(pc);
                    let c = self.cond(cond);
                    let to = below(self, fi_then.0 as usize);
                    self.branch_to(c, to);
                }
            }
            Op::Assign { dst, .. } => {
                // Backward over `x := e`: restore x from the tape; e is not evaluated.
                self.tape_pop_into(dst);
            }
            // `update; fix` undoes as `update⁻¹; fix` (the backward stream's rule).
            Op::Fix { .. } if rdx_vm::module::paired_fix(&self.g.code, 0, pc) => {
                self.translate_backward(pc - 1);
                self.srcloc(pc);
                self.translate_effect(op);
                self.skip_to = Some(pc - 1);
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

    /// A counted loop's step forward: `ctr += step`; a carried word is the next trip's.
    fn step_forward(&mut self, ctr: Slot, step: i64) {
        let x = self.v(ctr);
        let x = self.b.ins().iadd_imm_s(x, step);
        self.set(ctr, x);
    }

    /// At the `from.c` or `from` at `top` (forward): when its loop carries a stored word to the next
    /// trip ([`crate::loops::carried_store`]) and the first trip's word is provably inside a
    /// parameter array, loads that word and starts carrying it.
    fn start_carry(&mut self, top: usize) {
        self.carry = None;
        let Some(l) = self.loops.at_head(top) else { return };
        let (Some((lo, hi)), Some(store)) = (l.range, crate::loops::carried_store(self.g, &l)) else {
            return;
        };
        let step = crate::loops::step(self.g, &l);
        let (Fixed::Value(base), Some(Fixed::Const(n))) =
            (self.fixed[store.arr.0 as usize], self.fixed.get(store.arr.0 as usize + 1).copied())
        else {
            return;
        };
        let load_offset = store.offset - step;
        let first = if step == 1 { lo } else { hi };
        let Ok(at) = u64::try_from(i128::from(first) + i128::from(load_offset)) else { return };
        if at >= n {
            return;
        }
        let word = self.b.ins().load(I64, MemFlagsData::trusted(), base, (8 * at) as i32);
        let var = self.b.declare_var(I64);
        self.b.def_var(var, word);
        self.carry =
            Some(Carry { store, ctr: l.ctr, load_offset, var, fresh: true, offsets: HashMap::new() });
    }

    /// `arr[idx]` when it is the carried word (see [`Carry`]).
    fn carried(&mut self, arr: Arr, idx: Option<Slot>, i: Value) -> Option<Value> {
        let c = self.carry.as_ref()?;
        let off = if idx == Some(c.ctr) { Some(0) } else { c.offsets.get(&i).copied() };
        if !c.fresh || c.store.arr != arr || off != Some(c.load_offset) {
            return None;
        }
        let var = c.var;
        Some(self.b.use_var(var))
    }

    /// `arr[idx]`, from the carried word when it is that one.
    fn load_elem(&mut self, arr: Arr, idx: Slot) -> Value {
        let i = self.v(idx);
        if let Some(v) = self.carried(arr, Some(idx), i) {
            return v;
        }
        let (p, at) = self.elem(arr, idx);
        self.load_at(arr, at, p)
    }

    /// `arr[idx + k]` (`load.off`): the sum as `add3.imm` computes it, then as [`Self::load_elem`].
    fn load_elem_off(&mut self, arr: Arr, idx: Slot, k: i64) -> Value {
        let x = self.v(idx);
        let i = self.b.ins().iadd_imm_s(x, k);
        let range = self.note_offset(idx, x, k, i);
        if let Some(v) = self.carried(arr, None, i) {
            return v;
        }
        let at = self.index_of(i);
        let p = self.elem_at(arr, i, range, at);
        self.load_at(arr, at, p)
    }

    /// After the carrying loop's store of `v`: `v` is the next trip's carried word.
    fn note_store(&mut self, v: Value) {
        let pc = self.pc;
        if let Some(c) = &mut self.carry
            && c.store.pc == pc
        {
            c.fresh = false;
            let var = c.var;
            self.b.def_var(var, v);
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

    // ------------------------------------------------------------ dispatch

    /// The forward meaning of an effect instruction (the backward function passes the
    /// mirror). One arm per opcode, each calling that opcode's `translate_*`
    /// ([`effect`](self::effect)); control and pure opcodes belong to the callers
    /// ([`Self::translate_forward`], [`Self::translate_backward`], [`Self::emit_pure`]) and
    /// have their own arm here so that a new opcode does not compile until it is placed.
    fn translate_effect(&mut self, op: Op) {
        use FunctionBuilder as B;
        match op {
            Op::Call { gene, args } => self.translate_call(gene.0 as usize, args, false),
            Op::Uncall { gene, args } => self.translate_call(gene.0 as usize, args, true),
            Op::Local { dst, src, .. } => self.translate_local(dst, src),
            Op::Delocal { dst, src, .. } => self.translate_delocal(dst, src),
            Op::LocalImm { dst, imm } => self.translate_local_imm(dst, imm.0),
            Op::DelocalImm { dst, imm } => self.translate_delocal_imm(dst, imm.0),
            Op::LocalArr { arr, at, len, src, .. } => self.translate_local_arr(arr, at.0, len.0, src),
            Op::DelocalArr { arr, at, len, src, .. } => self.translate_delocal_arr(arr, at.0, len.0, src),
            Op::LocalStack { dst } => self.translate_local_stack(dst),
            Op::DelocalStack { dst } => self.translate_delocal_stack(dst),
            Op::Push { var, stack, .. } => self.translate_push(var, stack),
            Op::Pop { var, stack, .. } => self.translate_pop(var, stack, None),
            // (A fixed-width variable holds its canonical form: pushing it is `push`.)
            Op::PushW { var, stack, .. } => self.translate_push(var, stack),
            Op::PopW { var, stack, w, .. } => self.translate_pop(var, stack, Some(w)),
            Op::Assert { cond, .. } => self.translate_assert(cond),
            Op::Assign { dst, src, .. } => self.translate_assign(dst, src),
            Op::Unassign { dst, .. } => self.translate_unassign(dst),
            Op::Error { msg } => self.translate_error(msg),
            Op::Print { text } => self.translate_print(text),
            Op::Printf { fmt, args } => self.translate_printf(fmt, args),
            Op::Show { var, name, fmt } => self.translate_show(var, name, fmt),
            Op::Kernel { name, buf, elem } => self.translate_kernel(name, buf, elem.0, false),
            Op::KernelInv { name, buf, elem } => self.translate_kernel(name, buf, elem.0, true),
            Op::Fix { dst, w } => self.translate_fix(dst, w),
            Op::RotlW { dst, src, w, .. } => self.translate_rot_w(dst, src, w, false),
            Op::RotrW { dst, src, w, .. } => self.translate_rot_w(dst, src, w, true),
            // An update at a fixed width: the word update, then its `fix`.
            Op::AddW { dst, src, w, .. } => {
                self.update(dst, src, |b: &mut B, x, y| b.ins().iadd(x, y));
                self.translate_fix(dst, w)
            }
            Op::SubW { dst, src, w, .. } => {
                self.update(dst, src, |b: &mut B, x, y| b.ins().isub(x, y));
                self.translate_fix(dst, w)
            }
            Op::XorW { dst, src, w, .. } => {
                self.update(dst, src, |b: &mut B, x, y| b.ins().bxor(x, y));
                self.translate_fix(dst, w)
            }
            Op::AddWImm { dst, imm, w } => {
                self.update_imm(dst, imm.0, |b: &mut B, x, y| b.ins().iadd(x, y));
                self.translate_fix(dst, w)
            }
            Op::SubWImm { dst, imm, w } => {
                self.update_imm(dst, imm.0, |b: &mut B, x, y| b.ins().isub(x, y));
                self.translate_fix(dst, w)
            }
            Op::RotlWImm { dst, amt, w } => {
                let k = self.k(u64::from(amt.0));
                self.rot_w(dst, k, w, false)
            }
            Op::RotrWImm { dst, amt, w } => {
                let k = self.k(u64::from(amt.0));
                self.rot_w(dst, k, w, true)
            }
            Op::Add { dst, src, .. } => self.update(dst, src, |b: &mut B, x, y| b.ins().iadd(x, y)),
            Op::Sub { dst, src, .. } => self.update(dst, src, |b: &mut B, x, y| b.ins().isub(x, y)),
            Op::Xor { dst, src, .. } => self.update(dst, src, |b: &mut B, x, y| b.ins().bxor(x, y)),
            Op::AddImm { dst, imm } => self.update_imm(dst, imm.0, |b: &mut B, x, y| b.ins().iadd(x, y)),
            Op::SubImm { dst, imm } => self.update_imm(dst, imm.0, |b: &mut B, x, y| b.ins().isub(x, y)),
            Op::XorImm { dst, imm } => self.translate_xor_imm(dst, imm.0),
            Op::MulImm { dst, imm } => self.update_imm(dst, imm.0, pure::mul),
            Op::AddChk { dst, src, .. } => self.translate_add_chk(dst, src, false),
            Op::SubChk { dst, src, .. } => self.translate_add_chk(dst, src, true),
            Op::AddChkImm { dst, imm } => self.translate_add_chk_imm(dst, imm.0, false),
            Op::SubChkImm { dst, imm } => self.translate_add_chk_imm(dst, imm.0, true),
            Op::Xsl { dst, amt } => self.translate_xs(dst, amt.0, false),
            Op::Xsr { dst, amt } => self.translate_xs(dst, amt.0, true),
            Op::XslInv { dst, amt } => self.translate_xs_inv(dst, amt.0, false),
            Op::XsrInv { dst, amt } => self.translate_xs_inv(dst, amt.0, true),
            Op::RotlImm { dst, amt } => self.translate_rot_imm(dst, amt.0, false),
            Op::RotrImm { dst, amt } => self.translate_rot_imm(dst, amt.0, true),
            Op::Rotl { dst, src, .. } => self.translate_rot(dst, src, false),
            Op::Rotr { dst, src, .. } => self.translate_rot(dst, src, true),
            Op::Neg { dst } => self.translate_neg(dst),
            Op::Not { dst } => self.translate_not(dst),
            Op::NegChk { dst } => self.translate_neg_chk(dst),
            Op::Swap { a, b } => self.translate_swap(a, b),
            Op::RotAdd { dst, src, amt } => {
                self.translate_rot_then(dst, src, amt.0, |b: &mut B, x, y| b.ins().iadd(x, y))
            }
            Op::RotSub { dst, src, amt } => {
                self.translate_rot_then(dst, src, amt.0, |b: &mut B, x, y| b.ins().isub(x, y))
            }
            Op::RotXor { dst, src, amt } => {
                self.translate_rot_then(dst, src, amt.0, |b: &mut B, x, y| b.ins().bxor(x, y))
            }
            Op::AddRot { dst, src, amt } => {
                self.translate_then_rot(dst, src, amt.0, |b: &mut B, x, y| b.ins().iadd(x, y))
            }
            Op::SubRot { dst, src, amt } => {
                self.translate_then_rot(dst, src, amt.0, |b: &mut B, x, y| b.ins().isub(x, y))
            }
            Op::XorRot { dst, src, amt } => self.translate_xor_rot(dst, src, amt.0),
            Op::AddElem { arr, idx, src, .. } => {
                self.update_elem(arr, idx, Some(src), 0, |b: &mut B, x, y| b.ins().iadd(x, y))
            }
            Op::SubElem { arr, idx, src, .. } => {
                self.update_elem(arr, idx, Some(src), 0, |b: &mut B, x, y| b.ins().isub(x, y))
            }
            Op::XorElem { arr, idx, src, .. } => {
                self.update_elem(arr, idx, Some(src), 0, |b: &mut B, x, y| b.ins().bxor(x, y))
            }
            Op::AddElemImm { arr, idx, imm, .. } => {
                self.update_elem(arr, idx, None, imm.0, |b: &mut B, x, y| b.ins().iadd(x, y))
            }
            Op::SubElemImm { arr, idx, imm, .. } => {
                self.update_elem(arr, idx, None, imm.0, |b: &mut B, x, y| b.ins().isub(x, y))
            }
            Op::XorElemImm { arr, idx, imm, .. } => {
                self.update_elem(arr, idx, None, imm.0, |b: &mut B, x, y| b.ins().bxor(x, y))
            }
            Op::AddFrom { dst, arr, idx, .. } => {
                self.update_from(dst, arr, idx, |b: &mut B, x, y| b.ins().iadd(x, y))
            }
            Op::SubFrom { dst, arr, idx, .. } => {
                self.update_from(dst, arr, idx, |b: &mut B, x, y| b.ins().isub(x, y))
            }
            Op::XorFrom { dst, arr, idx, .. } => self.translate_xor_from(dst, arr, idx),
            Op::SwapElem { dst, arr, idx, .. } => self.translate_swap_elem(dst, arr, idx),
            Op::SwapElems { arr, i, arr2, j, .. } => self.translate_swap_elems(arr, i, arr2, j),
            // Frame and control instructions: `translate_forward` / `translate_backward`
            // (step-first counted loops, which only backward streams hold, are refused by
            // `supported`). Pure instructions: `emit_pure`.
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
            | Op::CallIn { .. }
            | Op::RetIn {}
            | Op::LoopIncQ { .. }
            | Op::LoopDecQ { .. }
            | Op::LoopTestDecQ { .. }
            | Op::LoopTestIncQ { .. }
            | Op::Skip { .. }
            | Op::LoopBackQ { .. } => debug_assert!(false, "control instruction {op:?} taken for an effect"),
            // (The interpreter's, never in a module.)
            Op::DivuM { .. }
            | Op::RemuM { .. }
            | Op::MulFix { .. }
            | Op::LoadAddElem { .. }
            | Op::LoadSubElem { .. }
            | Op::LoadXorElem { .. } => {
                debug_assert!(false, "{op:?} is the interpreter's, never in a module")
            }
            Op::Const { .. }
            | Op::Add3 { .. }
            | Op::Sub3 { .. }
            | Op::Mul3 { .. }
            | Op::Divu { .. }
            | Op::Divs { .. }
            | Op::Remu { .. }
            | Op::DivuImm { .. }
            | Op::RemuImm { .. }
            | Op::RsubImm { .. }
            | Op::RshlImm { .. }
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
            | Op::LoadOff { .. }
            | Op::LoadImm { .. }
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
            | Op::Mul3ChkImm { .. } => self.translate_pure(op),
        }
    }

    /// A pure instruction (`emit_pure` runs them in order, with their short-circuit jumps).
    /// One arm per opcode ([`pure`](self::pure) holds the longer ones); effect and control
    /// opcodes have their own arm so that a new opcode does not compile until it is placed.
    fn translate_pure(&mut self, op: Op) {
        use FunctionBuilder as B;
        match op {
            Op::Wrap { dst, a, w } => self.translate_wrap(dst, a, w),
            Op::Const { dst, imm } => self.translate_const(dst, imm.0),
            Op::Add3 { dst, a, b } => self.bin(dst, a, b, |bd: &mut B, x, y| bd.ins().iadd(x, y)),
            Op::Sub3 { dst, a, b } => self.bin(dst, a, b, |bd: &mut B, x, y| bd.ins().isub(x, y)),
            Op::Mul3 { dst, a, b } => self.bin(dst, a, b, pure::mul),
            Op::Divu { dst, a, b } => self.translate_divu(dst, a, b, false),
            Op::Remu { dst, a, b } => self.translate_divu(dst, a, b, true),
            Op::DivuImm { dst, a, imm } => self.translate_divu_imm(dst, a, imm.0, false),
            Op::RemuImm { dst, a, imm } => self.translate_divu_imm(dst, a, imm.0, true),
            Op::RsubImm { dst, a, imm } => {
                let (x, y) = (self.k(imm.0), self.v(a));
                let r = self.b.ins().isub(x, y);
                self.set(dst, r);
            }
            Op::RshlImm { dst, a, imm } => {
                let x = self.k(imm.0);
                self.shift_by(dst, x, a, Shift::Left);
            }
            Op::Divs { dst, a, b } => self.translate_divs(dst, a, b, false),
            Op::Rems { dst, a, b } => self.translate_divs(dst, a, b, true),
            Op::Shl { dst, a, b } => self.shift(dst, a, b, Shift::Left),
            Op::Shru { dst, a, b } => self.shift(dst, a, b, Shift::RightU),
            Op::Shrs { dst, a, b } => self.shift(dst, a, b, Shift::RightS),
            Op::And { dst, a, b } => self.bin(dst, a, b, |bd: &mut B, x, y| bd.ins().band(x, y)),
            Op::Or { dst, a, b } => self.bin(dst, a, b, |bd: &mut B, x, y| bd.ins().bor(x, y)),
            Op::Xor3 { dst, a, b } => self.bin(dst, a, b, |bd: &mut B, x, y| bd.ins().bxor(x, y)),
            Op::Eq { dst, a, b } => self.cmp(dst, a, b, IntCC::Equal),
            Op::Ne { dst, a, b } => self.cmp(dst, a, b, IntCC::NotEqual),
            Op::Ltu { dst, a, b } => self.cmp(dst, a, b, IntCC::UnsignedLessThan),
            Op::Lts { dst, a, b } => self.cmp(dst, a, b, IntCC::SignedLessThan),
            Op::Leu { dst, a, b } => self.cmp(dst, a, b, IntCC::UnsignedLessThanOrEqual),
            Op::Les { dst, a, b } => self.cmp(dst, a, b, IntCC::SignedLessThanOrEqual),
            Op::Add3Chk { dst, a, b } => self.translate_checked(dst, a, b, Checked::Add),
            Op::Sub3Chk { dst, a, b } => self.translate_checked(dst, a, b, Checked::Sub),
            Op::Mul3Chk { dst, a, b } => self.translate_checked(dst, a, b, Checked::Mul),
            Op::Divf { dst, a, b } => self.translate_divf(dst, a, b, false),
            Op::Modf { dst, a, b } => self.translate_divf(dst, a, b, true),
            Op::Mul3Imm { dst, a, imm } => self.bin_k(dst, a, imm.0, pure::mul),
            Op::AndImm { dst, a, imm } => self.bin_k(dst, a, imm.0, |bd: &mut B, x, y| bd.ins().band(x, y)),
            Op::OrImm { dst, a, imm } => self.bin_k(dst, a, imm.0, |bd: &mut B, x, y| bd.ins().bor(x, y)),
            Op::Xor3Imm { dst, a, imm } => self.bin_k(dst, a, imm.0, |bd: &mut B, x, y| bd.ins().bxor(x, y)),
            Op::ShlImm { dst, a, imm } => self.shift_k(dst, a, imm.0, Shift::Left),
            Op::ShruImm { dst, a, imm } => self.shift_k(dst, a, imm.0, Shift::RightU),
            Op::ShrsImm { dst, a, imm } => self.shift_k(dst, a, imm.0, Shift::RightS),
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
            Op::Add3ChkImm { dst, a, imm } => self.translate_checked_imm(dst, a, imm.0, Checked::Add),
            Op::Sub3ChkImm { dst, a, imm } => self.translate_checked_imm(dst, a, imm.0, Checked::Sub),
            Op::Mul3ChkImm { dst, a, imm } => self.translate_checked_imm(dst, a, imm.0, Checked::Mul),
            Op::Add3Imm { dst, a, imm } => self.translate_add3_imm(dst, a, imm.0),
            Op::Neg3 { dst, a } => self.translate_neg3(dst, a),
            Op::Neg3Chk { dst, a } => self.translate_neg3_chk(dst, a),
            Op::Bnot { dst, a } => self.translate_bnot(dst, a),
            Op::Lnot { dst, a } => self.translate_is_zero(dst, a, IntCC::Equal),
            Op::Bool { dst, a } => self.translate_is_zero(dst, a, IntCC::NotEqual),
            Op::Load { dst, arr, idx } => self.translate_load(dst, arr, idx),
            Op::LoadImm { dst, arr, imm } => self.translate_load_imm(dst, arr, imm.0),
            Op::LoadOff { dst, arr, idx, imm } => self.translate_load_off(dst, arr, idx, imm.0),
            Op::Top { dst, stack } => self.translate_peek(dst, stack, 0),
            Op::Empty { dst, stack } => self.translate_peek(dst, stack, 1),
            Op::Size { dst, stack } => self.translate_peek(dst, stack, 2),
            Op::Noalias { a, b } => self.translate_noalias(a, b),
            // `emit_pure` branches on these itself.
            Op::Jz { .. } | Op::Jnz { .. } => debug_assert!(false, "jump {op:?} taken for a value"),
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
            | Op::PushW { .. }
            | Op::PopW { .. }
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
            | Op::RotlWImm { .. }
            | Op::RotrWImm { .. }
            | Op::AddW { .. }
            | Op::SubW { .. }
            | Op::XorW { .. }
            | Op::AddWImm { .. }
            | Op::SubWImm { .. }
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
            | Op::CallIn { .. }
            | Op::RetIn {}
            | Op::LoopIncQ { .. }
            | Op::LoopDecQ { .. }
            | Op::LoopTestDecQ { .. }
            | Op::LoopTestIncQ { .. }
            | Op::Skip { .. }
            | Op::MulFix { .. }
            | Op::LoadAddElem { .. }
            | Op::LoadSubElem { .. }
            | Op::LoadXorElem { .. }
            | Op::LoopBackQ { .. } => debug_assert!(false, "{op:?} is not pure"),
            Op::DivuM { .. } | Op::RemuM { .. } => {
                debug_assert!(false, "{op:?} is the interpreter's, never in a module")
            }
        }
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

/// Whether the `fi.then` at `fi_then` and its `fi.else` test the same condition with the same
/// expression code. The compiler's always do (both are the source's one exit assertion); a
/// hand-written module's may not, and then what one copy proves says nothing about the other.
fn fi_copies_same(g: &GeneDef, fi_then: usize) -> bool {
    let Some(&Op::FiThen { cond, fi_else, .. }) = g.code.get(fi_then) else { return false };
    let f = fi_else.0 as usize;
    let Some(&Op::FiElse { cond: c_else, .. }) = g.code.get(f) else { return false };
    cond == c_else && g.code[pre_start(g, fi_then)..fi_then] == g.code[pre_start(g, f)..f]
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
        | Op::PushW { .. }
        | Op::PopW { .. }
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
        | Op::RotlWImm { .. }
        | Op::RotrWImm { .. }
        | Op::AddW { .. }
        | Op::SubW { .. }
        | Op::XorW { .. }
        | Op::AddWImm { .. }
        | Op::SubWImm { .. }
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
        | Op::DivuImm { .. }
        | Op::RemuImm { .. }
        | Op::RsubImm { .. }
        | Op::RshlImm { .. }
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
        | Op::LoadOff { .. }
        | Op::LoadImm { .. }
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
        // (`call.in`, `ret.in`, the quiet latches and the divisions by multiplication are the
        // interpreter's, never in a module.)
        Op::FromDec { .. }
        | Op::FromInc { .. }
        | Op::LoopTest { .. }
        | Op::CallIn { .. }
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
        | Op::LoadXorElem { .. } => false,
    }
}
