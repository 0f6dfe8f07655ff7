//! rdx-jit: bytecode genes compiled to native code with Cranelift, forward and backward.
//!
//! [`Jit`] implements [`rdx_vm::Engine`]. Each gene compiles to two functions (forward and
//! backward, see [`translate`]) in one `JITModule` per module, kept by the engine under the
//! module's content hash (the last [`CACHED_MODULES`] modules run); a run compiles the functions it calls that are
//! not compiled yet (its entry in its direction and the callees compiled code calls, not those
//! translated in place); nothing is written to disk. A run binds
//! the arguments exactly as the interpreter does, calls the entry function with a [`runtime::Ctx`],
//! and turns a recorded fault and call stack into the same [`RunError`] the interpreter gives.
//!
//! Modules whose array references could be overwritten or mistyped (only hand-written bytecode
//! can do that; see [`trust`]) run on the interpreter instead, so compiled code never touches
//! memory through an unchecked pointer. See `spec/jit.md` for the design and its limits.

#![warn(missing_docs)]

pub mod loops;
pub(crate) mod runtime;
pub mod translate;
pub mod trust;

use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module as _, ModuleReloc};
use rdx_vm::engine::Fault;
use rdx_vm::error::StackFrame;
use rdx_vm::{
    Direction, Engine, Interpreter, KernelCall, Limits, Module, RunError, RunErrorKind, RunReport, Value,
};
use runtime::{Ctx, FaultCode};
use std::collections::HashMap;
use std::rc::Rc;
use translate::{FuncTranslator, ModuleInfo, func_name, gene_signature};

/// Options of the compiler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JitOptions {
    /// Run Cranelift's IR verifier on every function (on in debug builds and tests).
    pub verify: bool,
    /// Let Cranelift optimise (`opt_level=speed`).
    pub optimize: bool,
}

impl Default for JitOptions {
    fn default() -> JitOptions {
        JitOptions { verify: cfg!(debug_assertions), optimize: true }
    }
}

/// Why a module could not be compiled to machine code (a run reports it as
/// [`RunErrorKind::EngineFailed`], code E0998). Each variant keeps Cranelift's own description
/// of the failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompileError {
    /// The host is not a target the JIT supports (not 64-bit, or no Cranelift backend).
    UnsupportedTarget(String),
    /// Cranelift refused a setting of the JIT's configuration.
    Settings(String),
    /// Cranelift rejected the function generated for a gene (its IR verifier or code
    /// generation failed): a bug of the translator.
    Codegen {
        /// The gene whose function failed.
        gene: String,
        /// Cranelift's description of the failure.
        message: String,
    },
    /// Declaring, defining or finalizing functions in the JIT module failed.
    Module(String),
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JIT compilation failed: ")?;
        match self {
            CompileError::UnsupportedTarget(m) | CompileError::Settings(m) | CompileError::Module(m) => {
                f.write_str(m)
            }
            CompileError::Codegen { gene, message } => write!(f, "gene `{gene}`: {message}"),
        }
    }
}

impl std::error::Error for CompileError {}

/// The entry point of a compiled gene function.
type GeneFn = unsafe extern "C" fn(*mut Ctx, *mut u64, u64, u64) -> u32;

/// A compiled module: its code memory and the entry points of the gene functions defined so
/// far. Every gene function is declared up front; a run defines the ones it can reach (its
/// entry in its direction and, through `call` and `uncall`, the callees in theirs), so a
/// forward run of a program that never uncalls compiles half the code.
pub struct Compiled {
    jit: Option<JITModule>,
    /// The JIT module's target with the single-pass register allocator, for a function of
    /// [`MANY_CALLS`] calls or more, or of [`LARGE_FUNCTION`] instructions or more, and no loop.
    large_isa: cranelift_codegen::isa::OwnedTargetIsa,
    /// Each gene's (forward, backward) function.
    ids: Vec<(FuncId, FuncId)>,
    /// Each gene's [forward, backward] entry point; 0 while not defined.
    fns: Vec<[usize; 2]>,
    /// Whether any gene has a local array (the run then needs frame memory).
    arena: bool,
    /// Whether calls can nest deeply (some gene reaches itself, or the genes' frames could
    /// exceed a small stack): runs then happen on the engine's large-stack thread.
    recursive: bool,
    /// A generous estimate of one compiled frame's native stack use, in bytes.
    frame_bytes: usize,
    /// The entry functions, as [`Compiled::fns`], whose runs went deeper than the caller's
    /// thread allows: later runs from them start on the worker, not over again.
    deep: std::cell::RefCell<Vec<[bool; 2]>>,
}

impl Drop for Compiled {
    fn drop(&mut self) {
        if let Some(j) = self.jit.take() {
            // SAFETY: the code is unreachable once its `Compiled` is dropped: function pointers
            // never escape a run, and runs borrow the `Compiled` through an `Rc`.
            unsafe { j.free_memory() };
        }
    }
}

/// Compiles every gene of a verified module, both directions.
pub fn compile(m: &Module, opts: JitOptions) -> Result<Compiled, CompileError> {
    let mut c = Compiled::declare(m, opts)?;
    c.define(m, &every_function(m))?;
    Ok(c)
}

/// Every gene function of `m`: each gene forward and backward.
fn every_function(m: &Module) -> Vec<(usize, Direction)> {
    (0..m.genes.len()).flat_map(|g| [(g, Direction::Forward), (g, Direction::Backward)]).collect()
}

/// The slot of `dir` in [`Compiled::fns`].
fn side(dir: Direction) -> usize {
    match dir {
        Direction::Forward => 0,
        Direction::Backward => 1,
    }
}

impl Compiled {
    /// A code module with every gene function declared and none defined.
    fn declare(m: &Module, opts: JitOptions) -> Result<Compiled, CompileError> {
        let settings = |e: &dyn std::fmt::Display| CompileError::Settings(e.to_string());
        let module = |e: &dyn std::fmt::Display| CompileError::Module(e.to_string());
        // The same target either way; `single_pass`: the register allocator for functions of
        // many calls or instructions ([`MANY_CALLS`], [`LARGE_FUNCTION`]).
        let isa = |single_pass: bool| {
            let mut flags = settings::builder();
            flags.set("opt_level", if opts.optimize { "speed" } else { "none" }).map_err(|e| settings(&e))?;
            flags
                .set("enable_verifier", if opts.verify { "true" } else { "false" })
                .map_err(|e| settings(&e))?;
            flags.set("use_colocated_libcalls", "false").map_err(|e| settings(&e))?;
            flags.set("is_pic", "false").map_err(|e| settings(&e))?;
            if single_pass {
                flags.set("regalloc_algorithm", "single_pass").map_err(|e| settings(&e))?;
            }
            cranelift_native::builder()
                .map_err(|e| CompileError::UnsupportedTarget(e.to_string()))?
                .finish(settings::Flags::new(flags))
                .map_err(|e| settings(&e))
        };
        let (isa, large_isa) = (isa(false)?, isa(true)?);
        if isa.pointer_bytes() != 8 {
            return Err(CompileError::UnsupportedTarget("the JIT needs a 64-bit target".into()));
        }
        let mut jm = JITModule::new(JITBuilder::with_isa(isa, cranelift_module::default_libcall_names()));
        let sig = gene_signature(jm.isa().default_call_conv());
        let mut ids = Vec::with_capacity(m.genes.len());
        for gi in 0..m.genes.len() {
            let f =
                jm.declare_function(&format!("g{gi}_fwd"), Linkage::Local, &sig).map_err(|e| module(&e))?;
            let b =
                jm.declare_function(&format!("g{gi}_bwd"), Linkage::Local, &sig).map_err(|e| module(&e))?;
            ids.push((f, b));
        }
        let ops = || m.genes.iter().flat_map(|g| &g.code);
        let arena =
            ops().any(|o| matches!(o, rdx_vm::ops::Op::LocalArr { .. } | rdx_vm::ops::Op::DelocalArr { .. }));
        let widest = m.genes.iter().map(|g| g.slots as usize + g.args.len()).max().unwrap_or(0);
        let frame_bytes = 256 + 16 * widest;
        // Without recursion a chain of calls visits each gene at most once.
        let recursive = m.recursive() || m.genes.len().saturating_mul(frame_bytes) > SMALL_STACK;
        let fns = vec![[0; 2]; m.genes.len()];
        let deep = std::cell::RefCell::new(vec![[false; 2]; fns.len()]);
        Ok(Compiled { jit: Some(jm), large_isa, ids, fns, arena, recursive, frame_bytes, deep })
    }

    /// The entry point of gene `gene` in direction `dir`, once defined.
    fn entry(&self, gene: usize, dir: Direction) -> Option<usize> {
        self.fns.get(gene).map(|f| f[side(dir)]).filter(|&f| f != 0)
    }

    /// Defines the functions `want` reach through the calls their code makes (a `call` keeps
    /// the direction, an `uncall` turns it) that are not defined yet, and makes them callable.
    /// A call translated in place is no call: a gene whose every call is inlined is not
    /// compiled on its own until something calls it for real or a run starts there.
    fn define(&mut self, m: &Module, want: &[(usize, Direction)]) -> Result<(), CompileError> {
        let mut todo: Vec<(usize, Direction)> = want.to_vec();
        let mut new = Vec::new();
        let mut seen = vec![[false; 2]; m.genes.len()];
        let module = |e: &dyn std::fmt::Display| CompileError::Module(e.to_string());
        let Some(jm) = self.jit.as_mut() else { return Err(CompileError::Module("code freed".into())) };
        let call_conv = jm.isa().default_call_conv();
        let sig = gene_signature(call_conv);
        let info = ModuleInfo {
            module: m,
            call_conv,
            frontend: jm.isa().frontend_config(),
            stack_params_fixed: trust::stack_params_fixed(m),
        };
        let mut tr = FuncTranslator::new();
        // Each gene's functions (forward, backward), which a call names by their index (the
        // translation declares in a function only those it calls).
        let ids: Vec<(u32, u32)> = self.ids.iter().map(|&(f, b)| (f.as_u32(), b.as_u32())).collect();
        // Translation first, one function after another (each names the functions its calls
        // need); then code generation (most of the time), shared with another thread when
        // there are several functions ([`codegen_all`]); then the definitions, in order.
        let mut funcs = Vec::new();
        while let Some((gi, dir)) = todo.pop() {
            if gi >= m.genes.len() || seen[gi][side(dir)] || self.fns[gi][side(dir)] != 0 {
                continue;
            }
            seen[gi][side(dir)] = true;
            new.push((gi, dir));
            let backward = dir == Direction::Backward;
            let mut func = Function::with_name_signature(func_name(gi, backward), sig.clone());
            let calls = tr.translate(&info, gi, backward, &mut func, &ids);
            todo.extend(
                calls
                    .into_iter()
                    .map(|(g, back)| (g, if back { Direction::Backward } else { Direction::Forward })),
            );
            if std::env::var_os("RDX_JIT_DUMP").is_some() {
                eprintln!(
                    "; gene {} {}\n{}",
                    m.genes[gi].name,
                    if backward { "backward" } else { "forward" },
                    func.display()
                );
            }
            let id = if backward { self.ids[gi].1 } else { self.ids[gi].0 };
            funcs.push((gi, id, func));
        }
        let asm = std::env::var_os("RDX_JIT_DUMP").is_some_and(|v| v == "asm");
        let codes = codegen_all([jm.isa(), &*self.large_isa], funcs, asm);
        for (gi, id, code) in codes {
            let code =
                code.map_err(|message| CompileError::Codegen { gene: m.genes[gi].name.clone(), message })?;
            if let Some(text) = &code.vcode {
                eprintln!("; gene {} machine code\n{text}", m.genes[gi].name);
            }
            jm.define_function_bytes(id, code.alignment, &code.bytes, &code.relocs).map_err(|e| {
                CompileError::Codegen { gene: m.genes[gi].name.clone(), message: format!("{e:?}") }
            })?;
        }
        if new.is_empty() {
            return Ok(());
        }
        jm.finalize_definitions().map_err(|e| module(&e))?;
        for &(gi, dir) in &new {
            let id = if dir == Direction::Backward { self.ids[gi].1 } else { self.ids[gi].0 };
            self.fns[gi][side(dir)] = jm.get_finalized_function(id) as usize;
        }
        Ok(())
    }
}

/// One function's machine code, ready to be defined in the JIT module.
struct Code {
    bytes: Vec<u8>,
    alignment: u64,
    relocs: Vec<ModuleReloc>,
    /// The code as text, when asked for (`RDX_JIT_DUMP=asm`).
    vcode: Option<String>,
}

/// Generates the machine code of `func` (the definition of `id`), as `JITModule` would when
/// defining it; a failure is Cranelift's description of it.
fn codegen(isa: &dyn TargetIsa, func: Function, id: FuncId, asm: bool) -> Result<Code, String> {
    let mut ctx = cranelift_codegen::Context::for_function(func);
    ctx.set_disasm(asm);
    let alignment = ctx
        .compile(isa, &mut ControlPlane::default())
        .map_err(|e| format!("{:?}", e.inner))?
        .buffer
        .alignment;
    let code = ctx.compiled_code().ok_or("no code generated")?;
    let relocs =
        code.buffer.relocs().iter().map(|r| ModuleReloc::from_mach_reloc(r, &ctx.func, id)).collect();
    Ok(Code {
        bytes: code.code_buffer().to_vec(),
        alignment: alignment.into(),
        relocs,
        vcode: code.vcode.clone().filter(|_| asm),
    })
}

/// Functions of fewer instructions than this in all are not worth a second thread.
const PARALLEL_INSTS: usize = 400;

/// A function without loops with this many calls (of genes, not translated in place) or more
/// gets the single-pass register allocator. The backtracking one, which gives faster code, took
/// longer: a gene of n `call tof(…)` lines (a circuit of gates) compiled in 40 ms at n = 1,000
/// and 250 ms at n = 4,000, against 20 and 150 ms (whole `rdx run` processes). (Its time once
/// grew with the square of the calls, 3.6 s at n = 4,000: that was one error exit for all the
/// places that may fail, `EXIT_PLACES` in `translate.rs`.)
const MANY_CALLS: usize = 256;

/// A function of this many IR instructions or more (some 4,000 statements) and no loop gets
/// the single-pass register allocator too: its code runs once a call, and the backtracking
/// allocator's time grows faster than the code beyond that size, faster still with many
/// values live at once: a gene of 20,000 statements over 300 variables compiled in 1,220 ms
/// against 80, one of 100,000 statements over four variables in 730 against 440 ms.
///
/// A function with loops keeps the backtracking allocator whatever its size or calls: their
/// code is worth the faster allocation, and the single-pass allocator's time grew faster with
/// the loops. A gene of 10,000 small loops compiled in 1.35 s with the backtracking one and
/// 8.6 s with the single-pass one; 5,000 loops each calling a gene in 1.4 against 2.3 s.
const LARGE_FUNCTION: usize = 30_000;

/// Whether `f` has a loop (a block that a block it dominates branches back to).
fn has_loop(f: &Function) -> bool {
    let cfg = cranelift_codegen::flowgraph::ControlFlowGraph::with_function(f);
    let domtree = cranelift_codegen::dominator_tree::DominatorTree::with_function(f, &cfg);
    let mut loops = cranelift_codegen::loop_analysis::LoopAnalysis::new();
    loops.compute(f, &cfg, &domtree);
    loops.loops().next().is_some()
}

/// The calls `f` makes to other functions (not runtime helpers, which are indirect).
fn calls(f: &Function) -> usize {
    let dfg = &f.dfg;
    (f.layout.blocks())
        .flat_map(|b| f.layout.block_insts(b))
        .filter(|&i| dfg.insts[i].opcode() == cranelift_codegen::ir::Opcode::Call)
        .count()
}

/// [`codegen`] of every function, in the order given. With two functions or more (and
/// [`PARALLEL_INSTS`] instructions in all) on a machine with two cores or more, another thread
/// generates about half the code: the functions go, largest first, to whichever side has
/// fewer instructions so far.
fn codegen_all(
    [isa, large_isa]: [&dyn TargetIsa; 2],
    funcs: Vec<(usize, FuncId, Function)>,
    asm: bool,
) -> Vec<(usize, FuncId, Result<Code, String>)> {
    let generate = |f: Function, id: FuncId| {
        let large = (calls(&f) >= MANY_CALLS || f.dfg.num_insts() >= LARGE_FUNCTION) && !has_loop(&f);
        let isa = if large { large_isa } else { isa };
        codegen(isa, f, id, asm)
    };
    let size = |f: &Function| f.dfg.num_insts();
    let total: usize = funcs.iter().map(|(_, _, f)| size(f)).sum();
    // (Asked once: it reads the cgroup's quota.)
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if funcs.len() < 2 || total < PARALLEL_INSTS || cores < 2 {
        return funcs.into_iter().map(|(gi, id, f)| (gi, id, generate(f, id))).collect();
    }
    // Each function keeps its position, to put the results back in order.
    let mut by_size: Vec<(usize, (usize, FuncId, Function))> = funcs.into_iter().enumerate().collect();
    by_size.sort_by_key(|(_, (_, _, f))| std::cmp::Reverse(size(f)));
    let (mut sides, mut load): ([Vec<_>; 2], [usize; 2]) = Default::default();
    for (k, (gi, id, f)) in by_size {
        let side = usize::from(load[1] < load[0]);
        load[side] += size(&f);
        sides[side].push((k, gi, id, f));
    }
    let [mine, theirs] = sides;
    let run = |work: Vec<(usize, usize, FuncId, Function)>| {
        work.into_iter().map(|(k, gi, id, f)| (k, gi, id, generate(f, id))).collect::<Vec<_>>()
    };
    // (Taken by the thread that runs them: this one too, when no thread can be had.)
    let theirs = std::sync::Mutex::new(Some(theirs));
    let take_theirs = || theirs.lock().ok().and_then(|mut t| t.take()).unwrap_or_default();
    let mut done = std::thread::scope(|s| {
        // (As much stack as a main thread has: Cranelift's passes recurse little, but a big
        // function is not the place to find out.)
        let other = std::thread::Builder::new().stack_size(8 << 20).spawn_scoped(s, || run(take_theirs()));
        let mut done = run(mine);
        match other {
            // (A panic in code generation is a bug of the translator, as it would be on one
            // thread.)
            Ok(other) => done.extend(other.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
            Err(_) => done.extend(run(take_theirs())),
        }
        done
    });
    done.sort_by_key(|d| d.0);
    done.into_iter().map(|(_, gi, id, c)| (gi, id, c)).collect()
}

/// Native stack a run of non-recursive genes may use on the caller's thread.
const SMALL_STACK: usize = 64 << 10;

/// Native stack any run may use on the caller's thread before moving to the worker.
const HERE_STACK: usize = 128 << 10;

/// Native stack left free below a run on the caller's thread that goes as deep as the thread
/// allows, for what compiled code calls there (the runtime's helpers, a kernel's WebAssembly).
const STACK_MARGIN: usize = 2 << 20;

/// The most native stack a run on the caller's thread uses.
const HERE_MAX: usize = 64 << 20;

/// Where calls of a run on this thread stop, `sp` being a point in the caller's frame: at
/// [`STACK_MARGIN`] above the bottom of the thread's stack (at most [`HERE_MAX`] below `sp`),
/// so a recursive run as deep as the thread allows (`rdx run`'s main thread has 8 MiB) need
/// not start over on the worker; never less than [`HERE_STACK`] below `sp`.
fn here_floor(sp: usize) -> usize {
    let least = sp.saturating_sub(HERE_STACK);
    match thread_stack_bottom() {
        Some(low) => low.saturating_add(STACK_MARGIN).max(sp.saturating_sub(HERE_MAX)).min(least),
        None => least,
    }
}

thread_local! {
    /// [`stack_bottom`] of this thread, asked once.
    static STACK_BOTTOM: Option<usize> = stack_bottom();
}

fn thread_stack_bottom() -> Option<usize> {
    STACK_BOTTOM.with(|b| *b)
}

/// The lowest address of this thread's stack (for the main thread, as far as it may grow).
#[cfg(target_os = "linux")]
fn stack_bottom() -> Option<usize> {
    // SAFETY: the attribute object is initialised by pthread_getattr_np before it is read and
    // destroyed after; the out-pointers are valid locals.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let (mut addr, mut size) = (std::ptr::null_mut(), 0usize);
        let r = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        (r == 0 && !addr.is_null() && size > 0).then_some(addr as usize)
    }
}

#[cfg(not(target_os = "linux"))]
fn stack_bottom() -> Option<usize> {
    None
}

/// Where a run happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// The caller's thread, within [`HERE_STACK`].
    Here,
    /// The engine's large-stack worker thread.
    Worker,
}

/// How one attempt at a run ended.
enum Attempt {
    /// The run finished (successfully or with a run-time error).
    Done(Result<RunReport, RunError>),
    /// The run needed more native stack than this thread's budget: start over on the worker.
    OutOfStack,
}

/// Whether compiling pays off: some gene has a loop, or some gene can reach itself through
/// calls (recursion). `rdx run --backend auto`'s static rule moves a long run to the JIT
/// exactly then (`rdx_core::run::execute_auto`).
pub fn worth_compiling(m: &Module) -> bool {
    use rdx_vm::ops::Op;
    m.genes.iter().flat_map(|g| &g.code).any(|o| matches!(o, Op::From { .. } | Op::FromC { .. }))
        || m.recursive()
}

/// The JIT engine. Compiled modules are cached by content hash, the [`CACHED_MODULES`] run
/// last: a process that builds program after program (a Python experiment, a planner's
/// variants) keeps the code of those it runs, not of every one it ever ran.
pub struct Jit {
    cache: HashMap<Rc<str>, Cached>,
    /// Counts lookups in the cache, to tell which module was used least recently.
    clock: u64,
    /// The modules run last, each with its CID and whether it is trusted ([`Jit::known`]).
    known: Vec<Known>,
    /// Options used for modules compiled from now on.
    pub options: JitOptions,
    /// Limits applied to every run (the interpreter's defaults).
    pub limits: Limits,
    tape: Vec<runtime::TapeEntry>,
    output: rdx_vm::Output,
    /// Runs `kernel` statements (lent to each run's context, or to the interpreter when a
    /// run falls back to it).
    kernels: Option<Box<dyn KernelCall + Send>>,
    arena: Vec<u64>,
    fallback: Interpreter,
    /// The large-stack thread that runs recursive modules (started on first need).
    worker: Option<Worker>,
    /// Runs started over on the worker after the caller's thread ran out of stack.
    restarts: u64,
}

/// How many modules [`Jit::known`] remembers.
const KNOWN_MODULES: usize = 4;

/// How many compiled modules a [`Jit`] keeps. Past it, the one used least recently is
/// dropped (its code memory freed once no run holds it) and compiled again if run again.
pub const CACHED_MODULES: usize = 64;

/// A compiled module in the cache, with when it was last looked up ([`Jit::clock`]).
struct Cached {
    code: Rc<Compiled>,
    used: u64,
}

/// A module run before: a copy to recognise it by, its CID and whether it is trusted.
struct Known {
    module: Module,
    cid: Rc<str>,
    trusted: bool,
}

impl Default for Jit {
    fn default() -> Jit {
        Jit::new()
    }
}

impl Jit {
    /// An engine with the default options (verifier on in debug builds) and limits.
    pub fn new() -> Jit {
        Jit::with_options(JitOptions::default())
    }

    /// With the given compiler options.
    pub fn with_options(options: JitOptions) -> Jit {
        Jit {
            cache: HashMap::new(),
            clock: 0,
            known: Vec::new(),
            options,
            limits: Limits::default(),
            tape: Vec::new(),
            output: rdx_vm::Output::new(),
            kernels: None,
            arena: Vec::new(),
            fallback: Interpreter::new(),
            worker: None,
            restarts: 0,
        }
    }

    /// `m`'s CID and whether it is trusted ([`trust::trusted`]). A module run again (`rdx
    /// perm` runs one gene 2²⁴ times, a Python program runs in a loop) is recognised by
    /// comparing the fields its CID covers with a copy of the modules run last
    /// ([`Module::same_encoding`]), which costs far less than encoding and hashing it again
    /// and checking its trust each run (`rdx perm` of a four-statement gene over 24 bits spent
    /// a third of its time in blake3).
    fn known(&mut self, m: &Module) -> (Rc<str>, bool) {
        if let Some(k) = self.known.iter().find(|k| k.module.same_encoding(m)) {
            return (k.cid.clone(), k.trusted);
        }
        let k = Known { module: m.clone(), cid: m.cid().into(), trusted: trust::trusted(m) };
        let out = (k.cid.clone(), k.trusted);
        if self.known.len() == KNOWN_MODULES {
            self.known.remove(0);
        }
        self.known.push(k);
        out
    }

    /// Compiles every gene of `m` now, both directions (or finds them in the cache); returns
    /// the time compilation took, zero when cached.
    pub fn prepare(&mut self, m: &Module) -> Result<std::time::Duration, CompileError> {
        let all = every_function(m);
        let (cid, _) = self.known(m);
        if self.cache.get(&*cid).is_some_and(|c| all.iter().all(|&(g, d)| c.code.entry(g, d).is_some())) {
            return Ok(std::time::Duration::ZERO);
        }
        let t = std::time::Instant::now();
        self.compiled(m, &all)?;
        Ok(t.elapsed())
    }

    /// How many runs started over on the large-stack thread, the caller's thread having run out
    /// of native stack (the work done until then is done again; a function that did so once
    /// starts there from then on).
    pub fn restarts(&self) -> u64 {
        self.restarts
    }

    /// Whether this engine has compiled any of `m`'s functions (a module among the last it ran
    /// is known without hashing it).
    pub fn has_compiled(&mut self, m: &Module) -> bool {
        let (cid, _) = self.known(m);
        self.cache.get(&*cid).is_some_and(|c| c.code.fns.iter().flatten().any(|&f| f != 0))
    }

    /// How many of `m`'s gene functions (two a gene: forward and backward) this engine has
    /// compiled.
    pub fn compiled_functions(&self, m: &Module) -> usize {
        self.cache
            .get(m.cid().as_str())
            .map_or(0, |c| c.code.fns.iter().flatten().filter(|&&f| f != 0).count())
    }

    /// How many compiled modules this engine keeps now (at most [`CACHED_MODULES`]).
    pub fn cached_modules(&self) -> usize {
        self.cache.len()
    }

    /// The compiled module of `m` with the functions `want` reach defined (compiling what is
    /// missing).
    fn compiled(&mut self, m: &Module, want: &[(usize, Direction)]) -> Result<Rc<Compiled>, CompileError> {
        let (key, _) = self.known(m);
        self.compiled_as(key, m, want)
    }

    /// [`Jit::compiled`] of `m`, whose CID is `key`.
    fn compiled_as(
        &mut self,
        key: Rc<str>,
        m: &Module,
        want: &[(usize, Direction)],
    ) -> Result<Rc<Compiled>, CompileError> {
        let ready = |c: &Rc<Compiled>| want.iter().all(|&(g, d)| c.entry(g, d).is_some());
        self.clock += 1;
        if let Some(c) = self.cache.get_mut(&*key).filter(|c| ready(&c.code)) {
            c.used = self.clock;
            return Ok(c.code.clone());
        }
        let c = match self.cache.remove(&*key) {
            Some(c) => c.code,
            None => Rc::new(Compiled::declare(m, self.options)?),
        };
        let c = if ready(&c) {
            c
        } else {
            // Runs hold their module only while they run, so the cache's is the only one here;
            // were it shared, a fresh one is built.
            let mut c = Rc::try_unwrap(c).or_else(|_| Compiled::declare(m, self.options))?;
            c.define(m, want)?;
            Rc::new(c)
        };
        if self.cache.len() >= CACHED_MODULES
            && let Some(old) = self.cache.iter().min_by_key(|(_, c)| c.used).map(|(k, _)| k.clone())
        {
            self.cache.remove(&old);
        }
        self.cache.insert(key, Cached { code: c.clone(), used: self.clock });
        Ok(c)
    }

    /// Checks `args` against the gene's parameters exactly as the interpreter does (the one
    /// [`rdx_vm::engine::bind_args`]); returns the words of array arguments.
    fn bind(&self, m: &Module, gene: usize, args: &[Value]) -> Result<usize, RunErrorKind> {
        rdx_vm::engine::bind_args(m, gene, args, &self.limits).map(|(area, _)| area)
    }

    fn run_compiled(
        &mut self,
        m: &Module,
        c: &Compiled,
        gene: usize,
        args: &mut [Value],
        dir: Direction,
        area: usize,
    ) -> Result<RunReport, RunError> {
        if !c.recursive {
            return match self.attempt(m, c, gene, args, dir, area, Place::Here)? {
                Attempt::Done(r) => r,
                Attempt::OutOfStack => {
                    Err(RunError::bare(RunErrorKind::EngineFailed("stack check without calls".into())))
                }
            };
        }
        // Most recursive runs are shallow: try this thread with a small stack budget first
        // (when the state is small enough to keep a copy), and only when that budget runs out
        // start over on the large-stack worker thread.
        let words: usize = args
            .iter()
            .map(|v| match v {
                Value::Int(_) => 1,
                Value::Array(a) | Value::Stack(a) => a.len(),
            })
            .sum();
        let deep = |c: &Compiled| c.deep.borrow().get(gene).is_some_and(|d| d[side(dir)]);
        if self.tape.len() <= 1 << 12 && words <= 1 << 14 && !deep(c) {
            let (saved_args, saved_tape) = (args.to_vec(), self.tape.clone());
            match self.attempt(m, c, gene, args, dir, area, Place::Here)? {
                Attempt::Done(r) => return r,
                Attempt::OutOfStack => {
                    args.clone_from_slice(&saved_args);
                    self.tape = saved_tape;
                    self.restarts += 1;
                    if let Some(d) = c.deep.borrow_mut().get_mut(gene) {
                        d[side(dir)] = true;
                    }
                }
            }
        }
        match self.attempt(m, c, gene, args, dir, area, Place::Worker)? {
            Attempt::Done(r) => r,
            Attempt::OutOfStack => {
                Err(RunError::bare(RunErrorKind::EngineFailed("stack check on the worker".into())))
            }
        }
    }

    /// One run on this thread or on the worker. `Err` is an engine failure; a run-time error
    /// of the program is `Attempt::Done(Err(..))`.
    #[allow(clippy::too_many_arguments)]
    fn attempt(
        &mut self,
        m: &Module,
        c: &Compiled,
        gene: usize,
        args: &mut [Value],
        dir: Direction,
        area: usize,
        place: Place,
    ) -> Result<Attempt, RunError> {
        let g = &m.genes[gene];
        let mut ctx = Box::new(Ctx::new(m));
        ctx.max_depth = self.limits.max_depth as u64;
        ctx.max_words = self.limits.max_words as u64;
        ctx.used = (area + g.words as usize) as u64;
        ctx.tape = std::mem::take(&mut self.tape);
        ctx.kernels = self.kernels.take();
        if c.arena {
            if self.arena.len() < self.limits.max_words {
                // Zeroed pages come from the OS lazily; only the words used are touched.
                self.arena = vec![0; self.limits.max_words];
            }
            ctx.arena = self.arena.as_mut_ptr();
        }
        let width: usize = g.params.iter().map(|p| p.width() as usize).sum();
        let mut buf = vec![0u64; width.max(1)];
        for (i, v) in args.iter_mut().enumerate() {
            let ps = g.param_slots[i] as usize;
            match v {
                Value::Int(x) => buf[ps] = *x,
                Value::Array(a) => {
                    buf[ps] = a.as_mut_ptr() as u64;
                    buf[ps + 1] = a.len() as u64;
                }
                Value::Stack(s) => {
                    let id = ctx.new_stack();
                    ctx.stacks[id].extend_from_slice(s);
                    buf[ps] = id as u64;
                }
            }
        }
        let Some(f) = c.entry(gene, dir) else {
            return Err(RunError::bare(RunErrorKind::EngineFailed(
                "the entry function is not compiled".into(),
            )));
        };
        let status = if place == Place::Worker {
            let stack = self
                .limits
                .max_depth
                .saturating_mul(c.frame_bytes)
                .saturating_add(1 << 20)
                .clamp(1 << 22, 1 << 32);
            if self.worker.as_ref().is_none_or(|w| w.stack < stack) {
                self.worker = None;
                self.worker = Some(Worker::spawn(stack).map_err(|e| {
                    RunError::bare(RunErrorKind::EngineFailed(format!("cannot start the JIT thread: {e}")))
                })?);
            }
            let w = self
                .worker
                .as_ref()
                .ok_or_else(|| RunError::bare(RunErrorKind::EngineFailed("no JIT thread".into())))?;
            match w.run(f, &mut *ctx, buf.as_mut_ptr()) {
                Some(st) => st,
                None => {
                    self.worker = None;
                    return Err(RunError::bare(RunErrorKind::EngineFailed("the JIT thread stopped".into())));
                }
            }
        } else {
            let here = 0u8;
            let sp = &here as *const u8 as usize;
            // Calls stop as far down as this thread's stack allows (OutOfStack, then the worker
            // takes over), at least 128 KiB below this point; without recursion the nesting is
            // at most one frame per gene, which `compile` checked fits in that budget.
            ctx.stack_floor = here_floor(sp) as u64;
            // SAFETY: `f` is a finalized function of `c` with the gene signature; `buf` holds
            // the gene's parameter slots; array words point into the argument vectors, which
            // stay in place during the call.
            unsafe { call(f, &mut *ctx, buf.as_mut_ptr()) }
        };
        self.kernels = ctx.kernels.take();
        if status != 0 && ctx.fault == FaultCode::NativeStack && place == Place::Here {
            return Ok(Attempt::OutOfStack);
        }
        self.tape = std::mem::take(&mut ctx.tape);
        self.output.append(std::mem::take(&mut ctx.output));
        if status != 0 {
            return Ok(Attempt::Done(Err(self.error(m, &ctx))));
        }
        let bad = || RunError::bare(RunErrorKind::Internal("parameter reference overwritten".into()));
        for (i, v) in args.iter_mut().enumerate() {
            let ps = g.param_slots[i] as usize;
            match v {
                Value::Int(x) => *x = buf[ps],
                Value::Array(_) => {}
                Value::Stack(s) => {
                    let id = buf[ps] as usize;
                    let Some(src) = ctx.stacks.get(id).filter(|_| id < ctx.live) else {
                        return Ok(Attempt::Done(Err(bad())));
                    };
                    s.clear();
                    s.extend_from_slice(src.as_slice());
                }
            }
        }
        Ok(Attempt::Done(Ok(RunReport {
            instructions: 0,
            lossy_bits: ctx.lossy * 64,
            max_depth: ctx.max_seen as usize,
        })))
    }

    /// The recorded fault and call stack as the interpreter's error.
    #[cold]
    fn error(&self, m: &Module, ctx: &Ctx) -> RunError {
        let stack: Vec<StackFrame> = ctx
            .trace
            .iter()
            .map(|f| StackFrame {
                gene: m.genes.get(f.gene as usize).map_or_else(String::new, |g| g.name.clone()),
                pc: f.pc as usize,
                span: m.span(f.gene as usize, f.pc as usize),
                direction: if f.backward { Direction::Backward } else { Direction::Forward },
            })
            .collect();
        let (gene, pc) = ctx.trace.first().map_or((0, 0), |f| (f.gene as usize, f.pc as usize));
        let (a, b) = (ctx.fault_a, ctx.fault_b);
        // Compiled code's fault code and payload words, decoded into the interpreter's fault,
        // which words the error.
        let f = Fault::decode(ctx.fault, a, b, ctx.fault_slot, ctx.fault_elem);
        let kind = f.into_kind(m, gene, pc, ctx.kernel_error.clone());
        RunError { kind, stack }
    }
}

/// A thread with a large stack that runs compiled code of recursive modules, so deep
/// recursion fits and the calling thread's stack is never at risk. It lives as long as its
/// engine; each run is one job, and the caller waits for its status.
struct Worker {
    jobs: Option<std::sync::mpsc::Sender<[usize; 3]>>,
    done: std::sync::mpsc::Receiver<u32>,
    /// The thread's stack size in bytes.
    stack: usize,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Worker {
    fn spawn(stack: usize) -> std::io::Result<Worker> {
        let (jobs, rx) = std::sync::mpsc::channel::<[usize; 3]>();
        let (tx, done) = std::sync::mpsc::channel::<u32>();
        let handle =
            std::thread::Builder::new().name("rdx-jit".into()).stack_size(stack).spawn(move || {
                let here = 0u8;
                let sp = &here as *const u8 as usize;
                // Calls stop (R0112) 256 KiB above the end of the stack: room for helpers.
                let floor = sp.saturating_sub(stack.saturating_sub(256 << 10)) as u64;
                while let Ok([f, ctx, args]) = rx.recv() {
                    // SAFETY: `Worker::run` sends a live context and argument block and waits for
                    // this job's status before anything else touches them.
                    let st = unsafe {
                        (*(ctx as *mut Ctx)).stack_floor = floor;
                        call(f, ctx as *mut Ctx, args as *mut u64)
                    };
                    if tx.send(st).is_err() {
                        break;
                    }
                }
            })?;
        Ok(Worker { jobs: Some(jobs), done, stack, handle: Some(handle) })
    }

    /// Runs `f` on the worker and waits for its status (None if the worker is gone).
    fn run(&self, f: usize, ctx: *mut Ctx, args: *mut u64) -> Option<u32> {
        self.jobs.as_ref()?.send([f, ctx as usize, args as usize]).ok()?;
        self.done.recv().ok()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Calls a compiled gene function.
///
/// # Safety
/// `f` is a finalized gene function of a live [`Compiled`]; `ctx` and `args` are valid for
/// it (see [`translate`] for the calling convention).
unsafe fn call(f: usize, ctx: *mut Ctx, args: *mut u64) -> u32 {
    // SAFETY: `f` has the gene signature (`gene_signature`, the platform's C convention).
    let func: GeneFn = unsafe { std::mem::transmute::<usize, GeneFn>(f) };
    // SAFETY: see the function's contract; the entry gene's depth and words in use are the
    // context's (compiled code passes them on to its callees in registers).
    unsafe { func(ctx, args, (*ctx).depth, (*ctx).used) }
}

impl Engine for Jit {
    fn name(&self) -> &'static str {
        "jit"
    }

    fn run(
        &mut self,
        module: &Module,
        gene: usize,
        args: &mut [Value],
        dir: Direction,
    ) -> Result<RunReport, RunError> {
        let area = self.bind(module, gene, args).map_err(RunError::bare)?;
        // A step limit needs the interpreter's instruction count; untrusted modules need its
        // checked memory. Both run there, so every run gives the interpreter's answer.
        let (cid, trusted) = self.known(module);
        if self.limits.max_steps != u64::MAX || !trusted {
            self.fallback.limits = self.limits;
            if let Some(k) = self.kernels.take() {
                self.fallback.set_kernels(k);
            }
            // One history tape, whichever of the two runs the gene.
            self.fallback.swap_tape(std::mem::take(&mut self.tape));
            let r = self.fallback.run(module, gene, args, dir);
            self.tape = self.fallback.swap_tape(Vec::new());
            self.kernels = self.fallback.take_kernels();
            return r;
        }
        let c = self
            .compiled_as(cid, module, &[(gene, dir)])
            .map_err(|e| RunError::bare(RunErrorKind::EngineFailed(e.to_string())))?;
        self.run_compiled(module, &c, gene, args, dir, area)
    }

    fn take_output(&mut self) -> Vec<u8> {
        let mut out = self.output.take();
        out.extend(self.fallback.take_output());
        out
    }

    fn set_kernels(&mut self, kernels: Box<dyn KernelCall + Send>) {
        self.kernels = Some(kernels);
    }

    fn take_kernels(&mut self) -> Option<Box<dyn KernelCall + Send>> {
        self.kernels.take()
    }

    fn tape(&self) -> &[runtime::TapeEntry] {
        &self.tape
    }

    fn swap_tape(&mut self, tape: Vec<runtime::TapeEntry>) -> Vec<runtime::TapeEntry> {
        std::mem::replace(&mut self.tape, tape)
    }
}
