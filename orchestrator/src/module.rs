//! `Module`: one assembled rdx program as a Python object, and the functions that make one.
//!
//! A `Module` holds the bytecode module of [`rdx_vm`], the checked IR when it was assembled
//! from source (a loaded `.rdxb` re-checks the source embedded in its debug info on demand), and
//! one interpreter, which runs take in turn. A backward run undoes the lossy operations of the
//! forward run before it from the history tape. The module keeps one tape per Python thread,
//! whichever engine ran: a thread's reverse run reads the tape its own forward run left, on
//! the interpreter or the JIT, whatever other threads ran meanwhile. Each run lends its
//! thread's tape to the engine it runs on and takes it back after (both engines write the same
//! [`TapeEntry`]s). A run that fails after touching the tape clears it, since its partial
//! history matches no other run.
//!
//! The `jit` backend is one [`rdx_jit::Jit`] engine per Python thread (its code cache is not
//! `Send`); it compiles each module on its first run in that thread and keeps the code. Between
//! runs its own tape is empty: the tapes are the modules'.
//!
//! Source is checked against the stdlib kernel catalogue, so genes may call kernels. A module
//! that calls one gets its own kernel host (the WebAssembly stdlib kernels, through
//! [`rdx_kernels::bridge::HostCall`]) on its first run; each run lends it to the engine.

use crate::errors;
use crate::home::Home;
use crate::values;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use rdx_core::kernels::stdlib_catalogue as catalogue;
use rdx_core::run::{Backend, Execution, Facts, LoadError, Program, execute, on_big_stack};
use rdx_lang::ast::Dialect;
use rdx_lang::check::CheckOptions;
use rdx_lang::diag::Diagnostic;
use rdx_lang::invariants::{self, Invariant};
use rdx_vm::engine::TapeEntry;
use rdx_vm::{Direction, Engine, Interpreter, KernelCall};
use std::collections::HashMap;
use std::sync::Mutex;
use std::thread::ThreadId;

/// Backends this build can run.
pub const BACKENDS: &[&str] = &["interp", "jit"];

thread_local! {
    /// The JIT engine of this thread (see the module docs).
    static JIT: std::cell::RefCell<rdx_jit::Jit> = std::cell::RefCell::new(rdx_jit::Jit::new());
}

/// A module's history tape of each Python thread between its runs (see the module docs).
#[derive(Default)]
struct Tapes(Mutex<HashMap<ThreadId, Vec<TapeEntry>>>);

impl Tapes {
    /// This thread's tape, for a run to hold (empty when there is none).
    fn take(&self) -> Vec<TapeEntry> {
        let thread = std::thread::current().id();
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(&thread).unwrap_or_default()
    }

    /// Gives `thread`'s tape back after a run.
    fn keep(&self, thread: ThreadId, tape: Vec<TapeEntry>) {
        let mut tapes = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if tape.is_empty() {
            tapes.remove(&thread);
        } else {
            tapes.insert(thread, tape);
        }
    }

    /// Words on this thread's tape.
    fn words(&self) -> usize {
        let thread = std::thread::current().id();
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get(&thread).map_or(0, Vec::len)
    }
}

/// The module's interpreter, lent to one thread with that thread's history tape, which goes
/// back to the module's `tapes` when the guard is dropped.
struct ThreadInterpreter<'m> {
    guard: std::sync::MutexGuard<'m, Interpreter>,
    tapes: &'m Tapes,
    thread: ThreadId,
}

impl std::ops::Deref for ThreadInterpreter<'_> {
    type Target = Interpreter;
    fn deref(&self) -> &Interpreter {
        &self.guard
    }
}

impl std::ops::DerefMut for ThreadInterpreter<'_> {
    fn deref_mut(&mut self) -> &mut Interpreter {
        &mut self.guard
    }
}

impl Drop for ThreadInterpreter<'_> {
    fn drop(&mut self) {
        let tape = self.guard.swap_tape(Vec::new());
        self.tapes.keep(self.thread, tape);
    }
}

/// Python's main thread, once a run has been on it: only there are signals (Ctrl-C) seen.
static MAIN_THREAD: std::sync::OnceLock<std::thread::ThreadId> = std::sync::OnceLock::new();

/// A stop check for the interpreter's runs on Python's main thread: between slices of a
/// loop (`rdx_vm::STOP_CHECK_STEPS` instructions, a few milliseconds) it takes the GIL and
/// runs Python's signal handlers; the exception one raises (`KeyboardInterrupt` for Ctrl-C)
/// stops the run and is left in `raised`. None on other threads, where Python runs no
/// handler.
fn signal_check(py: Python<'_>, raised: &Raised) -> Option<rdx_vm::StopCheck> {
    if !on_main_thread(py) {
        return None;
    }
    let raised = raised.clone();
    Some(Box::new(move || signalled(&raised)))
}

/// The exception a signal handler raised during a run, for the run's caller to raise.
type Raised = std::sync::Arc<Mutex<Option<PyErr>>>;

/// Whether this is Python's main thread, the one that runs signal handlers.
fn on_main_thread(py: Python<'_>) -> bool {
    let here = std::thread::current().id();
    match MAIN_THREAD.get() {
        Some(&id) => id == here,
        None => {
            let is_main = || -> PyResult<bool> {
                let threading = py.import("threading")?;
                let main = threading.call_method0("main_thread")?;
                Ok(main.is(&threading.call_method0("current_thread")?))
            };
            is_main().unwrap_or(false) && *MAIN_THREAD.get_or_init(|| here) == here
        }
    }
}

/// Runs Python's signal handlers (taking the GIL); true when one raised, its exception then
/// left in `raised`.
fn signalled(raised: &Raised) -> bool {
    Python::attach(|py| match py.check_signals() {
        Ok(()) => false,
        Err(e) => {
            *raised.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
            true
        }
    })
}

/// What `Module.run` gives back: `(values, instructions, lossy_bits, max_depth, record)`.
type RunResult<'py> = (Bound<'py, PyList>, u64, u64, usize, Option<u64>);

/// An assembled rdx program.
#[pyclass(module = "redoxa._native", frozen)]
pub struct Module {
    program: Program,
    cid: String,
    interp: Mutex<Interpreter>,
    /// The history tape of each Python thread between its runs, on either engine (see the
    /// module docs); the engine of a run holds the running thread's.
    tapes: Tapes,
    /// Whether runs need a kernel host (the module calls kernels or takes float buffers).
    needs_host: bool,
    /// The kernel host between runs (None until a run needs it, or while one has it).
    kernels: Mutex<Option<Box<dyn KernelCall + Send>>>,
}

impl Module {
    fn new(program: Program) -> Module {
        let cid = program.cid().to_hex();
        let needs_host = rdx_core::kernels::needs_host(&program.module);
        let (interp, kernels) = (Mutex::new(Interpreter::new()), Mutex::new(None));
        Module { program, cid, needs_host, kernels, interp, tapes: Tapes::default() }
    }

    /// Invariant rows: from the IR, or by re-checking the source embedded in a loaded module.
    fn evaluate(&self, py: Python<'_>, strict: bool) -> PyResult<(Vec<Invariant>, String)> {
        if let Some(c) = &self.program.checked {
            let rows = py.detach(|| on_big_stack(|| invariants::evaluate(c, strict)));
            let Some(rows) = rows else {
                return Err(errors::make(
                    py,
                    "RdxError",
                    "internal error in the rdx checker (please report it)",
                    None,
                ));
            };
            return Ok((rows, self.program.text.clone().unwrap_or_default()));
        }
        let Some(debug) = &self.program.module.debug else {
            return Err(errors::make(
                py,
                "RdxError",
                "this module was stripped of its debug info (source), so its invariants cannot be checked",
                None,
            ));
        };
        let opts = CheckOptions { strict, kernels: catalogue() };
        let dialect = self.program.module.dialect;
        let front = || -> Result<Vec<Invariant>, Vec<Diagnostic>> {
            let checked =
                rdx_lang::parse(&debug.source, dialect).and_then(|p| rdx_lang::check::check(&p, &opts))?;
            Ok(invariants::evaluate(&checked, strict))
        };
        match py.detach(|| on_big_stack(front)) {
            Some(Ok(rows)) => Ok((rows, debug.source.clone())),
            Some(Err(d)) => Err(errors::compile_error(py, &d, &debug.file, &debug.source)),
            None => Err(errors::make(
                py,
                "RdxError",
                "internal error in the rdx checker (please report it)",
                None,
            )),
        }
    }
}

/// Parses, checks and compiles rdx source (Janus source when `janus`). `file` is the name
/// diagnostics show; `strict` rejects the lossy `:=` and `erase`. Raises
/// `redoxa.errors.CompileError`.
#[pyfunction]
#[pyo3(signature = (source, file = "<rdx>", strict = false, janus = false))]
pub fn assemble(py: Python<'_>, source: &str, file: &str, strict: bool, janus: bool) -> PyResult<Module> {
    let dialect = if janus { Dialect::Janus } else { Dialect::Rdx };
    let front = || Program::from_source(source.to_string(), file.to_string(), dialect, strict, catalogue());
    match py.detach(|| on_big_stack(front)) {
        Some(Ok(program)) => Ok(Module::new(program)),
        Some(Err(LoadError::Compile { diagnostics, .. })) => {
            Err(errors::compile_error(py, &diagnostics, file, source))
        }
        Some(Err(LoadError::Core(e))) => Err(errors::make(py, "RdxError", &e.to_string(), None)),
        None => {
            Err(errors::make(py, "RdxError", "internal error in the rdx front end (please report it)", None))
        }
    }
}

/// Decodes and verifies a bytecode module (`.rdxb` bytes). Raises `redoxa.errors.LoadError`.
#[pyfunction]
pub fn load(py: Python<'_>, data: &[u8]) -> PyResult<Module> {
    let vm = rdx_vm::Module::decode(data).map_err(|e| errors::load_error(py, &e))?;
    Ok(Module::new(Program::from_module(vm, "<module>")))
}

#[pymethods]
impl Module {
    /// The source text of the program (embedded in the debug info of a loaded module), if any.
    #[getter]
    fn source(&self) -> Option<&str> {
        self.program.text.as_deref()
    }

    /// The content id: blake3 of the encoded module, lowercase hex.
    #[getter]
    fn cid(&self) -> &str {
        &self.cid
    }

    /// The encoded module (`.rdxb`).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.program.encoded().1)
    }

    /// Every gene: `(name, [(param, type), …])` with types spelled as in rdx (`u64[8]`). In a
    /// Janus module every integer is signed, so its integer types are reported as `i64`.
    fn genes(&self) -> Vec<(String, Vec<(String, String)>)> {
        let dialect = self.program.module.dialect;
        self.program
            .module
            .genes
            .iter()
            .map(|g| {
                (
                    g.name.clone(),
                    g.params.iter().map(|p| (p.name.clone(), values::type_name(dialect, p.ty))).collect(),
                )
            })
            .collect()
    }

    /// The checker's warnings, as `redoxa.errors.Diagnostic`s, and their rendered report.
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyList>, String)> {
        let (warnings, src) = match (&self.program.checked, &self.program.text) {
            (Some(c), Some(src)) => (c.warnings.as_slice(), src.as_str()),
            _ => (&[][..], ""),
        };
        let file = self.program.module.debug.as_ref().map_or("<rdx>", |d| d.file.as_str());
        let rendered = if warnings.is_empty() {
            String::new()
        } else {
            rdx_lang::report::render(warnings, file, src, false)
        };
        Ok((errors::diagnostics(py, warnings, src)?, rendered))
    }

    /// The permutation table of gene `entry` (`rdx perm`): the image of every state, each
    /// state's run given `max_steps` instructions (`rdx perm`'s default when None).
    #[pyo3(signature = (entry, max_steps = None))]
    fn permutation(&self, py: Python<'_>, entry: &str, max_steps: Option<u64>) -> PyResult<Vec<u32>> {
        let m = &self.program.module;
        let gene = m
            .gene_index(entry)
            .ok_or_else(|| errors::make(py, "RdxError", &format!("no gene `{entry}`"), None))?;
        let mut it = rdx_core::perm::sweeper(max_steps);
        let p = rdx_core::perm::permutation(&mut it, m, gene)
            .map_err(|e| errors::make(py, "RdxError", &e.to_string(), None))?;
        if let (Some((_, e)), Some(why)) = (&p.partial, p.failure(m, gene, "max_steps")) {
            return Err(errors::make(py, "RdxError", &format!("{why}: {}", e.kind.message()), None));
        }
        if let Some((a, b, img)) = p.collision {
            return Err(errors::make(
                py,
                "RdxError",
                &format!("not a bijection: states {a} and {b} both go to {img}"),
                None,
            ));
        }
        Ok(p.table)
    }

    /// The circuit of gene `entry` (`rdx circuit`) as text in `format` (`qasm3` or `real`),
    /// its report, and, when `check` is set, the partial-gene warning
    /// (`rdx_core::circuit::partial`, which runs the gene from every state).
    #[pyo3(signature = (entry, format, check = true))]
    fn circuit(
        &self,
        py: Python<'_>,
        entry: &str,
        format: &str,
        check: bool,
    ) -> PyResult<(String, String, Option<String>)> {
        let Some(checked) = &self.program.checked else {
            return Err(errors::make(py, "RdxError", "a circuit needs the program's source", None));
        };
        let c = rdx_core::circuit::compile(&checked.program, entry).map_err(|e| {
            let at =
                self.program.text.as_deref().map_or(0, |t| t[..e.span.start as usize].lines().count().max(1));
            let err = errors::make(py, "RdxError", &format!("line {at}: {}", e.message), None);
            // The line of the rdx source, for a gene written in Python to map to its own.
            let _ = err.value(py).setattr("line", at);
            err
        })?;
        let text = match format {
            "qasm3" => c.qasm3(),
            "real" => c.real(),
            f => {
                return Err(errors::make(
                    py,
                    "RdxError",
                    &format!("unknown circuit format {f:?} (qasm3, real)"),
                    None,
                ));
            }
        };
        let counts: Vec<String> = c.counts().iter().map(|(k, n)| format!("{k} {n}")).collect();
        let report = format!(
            "{} qubits ({} ancillas), {} gates ({}), depth {}",
            c.qubits(),
            c.ancillas,
            c.gates.len(),
            counts.join(", "),
            c.depth()
        );
        let partial = if check {
            self.program
                .module
                .gene_index(entry)
                .and_then(|g| rdx_core::circuit::partial(&self.program.module, g))
        } else {
            None
        };
        Ok((text, report, partial))
    }

    /// The bytecode listing (as `rdx disasm` prints it).
    fn disasm(&self) -> String {
        rdx_vm::disasm::disassemble(&self.program.module)
    }

    /// The language the module was written in: `rdx` or `janus`.
    #[getter]
    fn dialect(&self) -> &'static str {
        match self.program.module.dialect {
            Dialect::Rdx => "rdx",
            Dialect::Janus => "janus",
        }
    }

    /// One row per invariant: `(id, name, status, evidence)`; status is `holds`, `fails` or
    /// `not applicable`.
    #[pyo3(signature = (strict = false))]
    fn invariants(
        &self,
        py: Python<'_>,
        strict: bool,
    ) -> PyResult<Vec<(&'static str, &'static str, &'static str, String)>> {
        let (rows, _) = self.evaluate(py, strict)?;
        Ok(rows.into_iter().map(|i| (i.id, i.name, i.status.as_str(), i.evidence)).collect())
    }

    /// The invariant report as `rdx check` prints it.
    #[pyo3(signature = (strict = false))]
    fn invariant_report(&self, py: Python<'_>, strict: bool) -> PyResult<String> {
        let (rows, src) = self.evaluate(py, strict)?;
        Ok(invariants::format_report(&rows, &src))
    }

    /// The canonical state blob of gene `entry` with `values` (a run's input or output as
    /// the ledger names it), for `rx.Peer.run`.
    fn encode_state<'py>(
        &self,
        py: Python<'py>,
        entry: &str,
        values: &Bound<'py, PyList>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let module = &self.program.module;
        let Some(gene) = module.gene_index(entry) else {
            return Err(errors::make(py, "RdxError", &format!("no gene named {entry:?}"), None));
        };
        let args = values::from_python(py, module.dialect, &module.genes[gene].params, values)?;
        Ok(PyBytes::new(py, &rdx_core::state::encode(module, gene, &args)))
    }

    /// The values of a state blob of gene `entry` (see `encode_state`).
    fn decode_state<'py>(&self, py: Python<'py>, entry: &str, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
        let module = &self.program.module;
        let Some(gene) = module.gene_index(entry) else {
            return Err(errors::make(py, "RdxError", &format!("no gene named {entry:?}"), None));
        };
        let args = rdx_core::state::decode(module, gene, data)
            .map_err(|e| errors::make(py, "RdxError", &e.to_string(), None))?;
        values::to_python(py, module.dialect, &module.genes[gene].params, &args)
    }

    /// Runs gene `entry` on `values` (one per parameter, in order: ints, or lists for arrays
    /// and stacks) forward, or backward when `reverse`, stopping with `RunError` (R0117) after
    /// `max_steps` instructions when given. Returns the final values in the same shape and what
    /// the run did: `(values, instructions, lossy_bits, max_depth, record)`. With `record`
    /// (a `Home`) the run is recorded in its ledger, failed runs too: `record` is then the
    /// run's id, or None when `defer` leaves it for the home's next flush. Raises
    /// `ReversibilityError` / `RunError` with the rdx line and column.
    #[pyo3(signature = (entry, values, reverse, backend, max_steps = None, record = None, defer = false))]
    #[allow(clippy::too_many_arguments)]
    fn run<'py>(
        &self,
        py: Python<'py>,
        entry: &str,
        values: &Bound<'py, PyList>,
        reverse: bool,
        backend: &str,
        max_steps: Option<u64>,
        record: Option<Bound<'py, Home>>,
        defer: bool,
    ) -> PyResult<RunResult<'py>> {
        let steps = max_steps.unwrap_or(u64::MAX);
        let Some(gene) = self.program.module.gene_index(entry) else {
            return Err(errors::make(py, "RdxError", &format!("no gene named {entry:?}"), None));
        };
        let params = &self.program.module.genes[gene].params;
        let mut args = values::from_python(py, self.program.module.dialect, params, values)?;
        let dir = if reverse { Direction::Backward } else { Direction::Forward };
        // `auto` asks the planner of the home the run is recorded in (rdx-core's, as `rdx run
        // --backend auto` does, here only: no peers, no reuse), else the static rule; `static`
        // is the static rule (`--no-ce1`).
        // A tiered choice (the static rule's JIT, or the interpreter the planner took for work it
        // predicts only roughly) starts on the interpreter, as `rdx run` does; the static rule's
        // JIT goes straight to the JIT when this thread's JIT has compiled the module already
        // (the budget would buy nothing), the planner's interpreter never does (it predicted
        // the interpreter faster).
        let mut reason = None;
        let mut tiered = false;
        let backend = if backend == "auto" || backend == "static" {
            let home = record.as_ref().filter(|_| backend == "auto");
            let (chosen, mut why, tier) = self.auto(py, gene, &args, dir, home);
            if tier && steps == u64::MAX {
                let module = &self.program.module;
                if chosen == "interp" || !JIT.with(|jit| jit.borrow_mut().has_compiled(module)) {
                    tiered = true;
                } else {
                    why.push_str("; this thread's JIT has compiled it already");
                }
            }
            reason = Some(why);
            chosen
        } else {
            backend
        };
        if !BACKENDS.contains(&backend) {
            return Err(errors::make(
                py,
                "BackendError",
                &format!("backend {backend:?} is not available"),
                None,
            ));
        }
        let mut host = if self.needs_host { Some(self.take_host(py)?) } else { None };
        // Other Python threads run meanwhile; the interpreter's lock keeps runs of one module
        // in turn, and each thread has its own JIT engine. The kernel host goes to the engine
        // for the run and comes back after it.
        let module = &self.program.module;
        let input = record.as_ref().map(|_| rdx_core::state::encode(module, gene, &args));
        let ran_on = if backend == "jit" && steps == u64::MAX { Backend::Jit } else { Backend::Interp };
        // Ctrl-C stops the interpreter's part of a run (a JIT run goes to its end).
        let raised = Raised::default();
        let check = signal_check(py, &raised);
        let (exec, ran_on) = py.detach(|| {
            if tiered {
                let mut interp = self.interpreter();
                interp.limits.max_steps = steps;
                interp.set_stop_check(check);
                // The run starts on the interpreter, holding this thread's tape; if it starts over
                // on the JIT, `execute_auto` lends the JIT that tape and gives the interpreter
                // the JIT's after, so the JIT keeps none of this module's.
                let with_jit = |run: &mut dyn FnMut(&mut dyn Engine) -> Execution| {
                    JIT.with(|jit| {
                        let mut jit = jit.borrow_mut();
                        let exec = run(&mut *jit);
                        jit.swap_tape(Vec::new());
                        exec
                    })
                };
                let (exec, ran_on, tier) = rdx_core::run::execute_auto(
                    &mut interp,
                    with_jit,
                    module,
                    gene,
                    &mut args,
                    dir,
                    &mut host,
                );
                interp.set_stop_check(None);
                if let Some(why) = &mut reason {
                    *why = format!("{why}; {tier}");
                }
                (exec, ran_on)
            } else if ran_on == Backend::Jit {
                (self.on_jit(|jit| execute(jit, module, gene, &mut args, dir, &mut host)), ran_on)
            } else {
                // Only the interpreter counts instructions, so a step-limited run uses it.
                let mut interp = self.interpreter();
                interp.limits.max_steps = steps;
                interp.set_stop_check(check);
                let exec = execute(&mut *interp, module, gene, &mut args, dir, &mut host);
                interp.set_stop_check(None);
                (exec, ran_on)
            }
        });
        if host.is_some() {
            *self.kernels.lock().unwrap_or_else(|p| p.into_inner()) = host;
        }
        // Interrupted (Ctrl-C): the handler's exception, and nothing recorded, as when `rdx run`
        // is interrupted.
        if let Some(e) = raised.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(e);
        }
        let id = match (&record, &input) {
            (Some(home), Some(input)) => {
                let output = exec.result.is_ok().then(|| rdx_core::state::encode(module, gene, &args));
                let facts = Facts {
                    program: &self.program,
                    gene,
                    dir,
                    backend: ran_on,
                    backend_reason: reason.as_deref(),
                    input,
                    output: output.as_deref(),
                    kernels: &[],
                    flags: &[],
                    parent: None,
                };
                home.get().record(py, rdx_core::run::prepare(&facts, &exec), defer)?
            }
            _ => None,
        };
        // What the program printed (`show`, `printf`, `print`) goes to `sys.stdout`, as `rdx
        // run` prints it before the result or the error.
        if !exec.printed.is_empty() {
            let text = String::from_utf8_lossy(&exec.printed);
            py.import("sys")?.getattr("stdout")?.call_method1("write", (text.as_ref(),))?;
        }
        match exec.result {
            Ok(r) => {
                let out = values::to_python(py, self.program.module.dialect, params, &args)?;
                Ok((out, r.instructions, r.lossy_bits, r.max_depth, id))
            }
            Err(e) => {
                let err = errors::run_error(py, &e, &self.program.module);
                // The failed run's ledger id travels with the exception.
                err.value(py).setattr("record", id)?;
                Err(err)
            }
        }
    }

    /// What the planner of `home` predicts and would do for a run of `entry` on `values`
    /// (`rdx hint --json`: every arm's prediction, the choice, `why`), as JSON text. Records
    /// nothing.
    fn plan_json<'py>(
        &self,
        py: Python<'py>,
        entry: &str,
        values: &Bound<'py, PyList>,
        reverse: bool,
        home: Bound<'py, Home>,
    ) -> PyResult<String> {
        let Some(gene) = self.program.module.gene_index(entry) else {
            return Err(errors::make(py, "RdxError", &format!("no gene named {entry:?}"), None));
        };
        let params = &self.program.module.genes[gene].params;
        let args = values::from_python(py, self.program.module.dialect, params, values)?;
        let dir = if reverse { Direction::Backward } else { Direction::Forward };
        let q = rdx_core::planner::Query::of(&self.program, gene, &args, dir);
        let home = home.get();
        let assessed = py.detach(|| home.with(rdx_core::planner::Planner::load).map(|p| p.assess(&q)));
        let a = assessed.map_err(|e| errors::make(py, "StoreError", &e.to_string(), None))?;
        let mut value = serde_json::to_value(&a).unwrap_or_default();
        if let Some(o) = value.as_object_mut() {
            // As `rdx plan --json`: a cold start's run starts on the interpreter (tiered).
            o.insert("backend".into(), a.starts_on().name().into());
            o.insert("tiered".into(), a.tiered().into());
            o.insert("reuse".into(), a.cached.is_some().into());
            o.insert("input".into(), q.input.into());
        }
        Ok(value.to_string())
    }

    /// `rdx loop` for a run of `entry` on `values`: `n` cycles, each measuring the ledger of
    /// `home`, picking an engine here by information-directed sampling (seeded with `seed`),
    /// recording the decision, then running on a fresh engine (the JIT compiling again, as a
    /// `rdx run` does) and recording the run. One JSON object per cycle (`cycle`, `arm`, `where`, `run`,
    /// `decision`, `wall_ns`, `outcome`, `regret_ns`, `cumulative_regret_ns`, `confidence`),
    /// as `rdx loop --json` prints them. Python considers no peers.
    #[pyo3(signature = (entry, values, reverse, home, n = 10, seed = 1, max_steps = None))]
    #[allow(clippy::too_many_arguments)]
    fn loop_json<'py>(
        &self,
        py: Python<'py>,
        entry: &str,
        values: &Bound<'py, PyList>,
        reverse: bool,
        home: Bound<'py, Home>,
        n: usize,
        seed: u64,
        max_steps: Option<u64>,
    ) -> PyResult<Vec<String>> {
        let Some(gene) = self.program.module.gene_index(entry) else {
            return Err(errors::make(py, "RdxError", &format!("no gene named {entry:?}"), None));
        };
        let params = &self.program.module.genes[gene].params;
        let args = values::from_python(py, self.program.module.dialect, params, values)?;
        let dir = if reverse { Direction::Backward } else { Direction::Forward };
        let q = rdx_core::planner::Query::of(&self.program, gene, &args, dir);
        let home = home.get();
        let program = &self.program;
        // Ctrl-C (on Python's main thread) stops the loop between cycles, and an interpreter
        // run within its cycle, which is then not recorded; a JIT run goes to its end.
        let raised = Raised::default();
        let main = on_main_thread(py);
        let lines = py.detach(|| {
            home.with(|home| {
                let mut rng = rdx_core::planner::Rng::new(seed);
                let mut total = 0.0;
                let mut lines = Vec::with_capacity(n);
                for cycle in 1..=n {
                    if main && signalled(&raised) {
                        break;
                    }
                    let c = rdx_core::planner::cycle(home, &q, &mut rng, "python loop", Default::default())?;
                    total += c.regret_ns;
                    let backend = if c.arm().arm == rdx_core::planner::Arm::Jit {
                        Backend::Jit
                    } else {
                        Backend::Interp
                    };
                    let outcome = if backend == Backend::Interp || max_steps.is_some() {
                        let stop = main.then(|| -> rdx_vm::StopCheck {
                            let raised = raised.clone();
                            Box::new(move || signalled(&raised))
                        });
                        interp_outcome(program, gene, args.clone(), dir, max_steps, stop)?
                    } else {
                        rdx_core::run::run(rdx_core::run::Request::new(
                            program,
                            gene,
                            args.clone(),
                            dir,
                            backend,
                        ))?
                    };
                    if raised.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
                        break;
                    }
                    let reason = c.reason();
                    let mut facts = outcome.facts(program, gene, &[], &[], None);
                    facts.backend_reason = Some(&reason);
                    let rec = rdx_core::run::record(home, &facts, &outcome.exec)?;
                    let result = match &outcome.exec.result {
                        Ok(_) => "ok".to_string(),
                        Err(e) => format!("error {}", e.to_diagnostic().code),
                    };
                    lines.push(
                        serde_json::json!({
                            "cycle": cycle,
                            "arm": c.arm().arm.name(),
                            "where": c.arm().site,
                            "run": rec.id,
                            "decision": c.decision,
                            "wall_ns": outcome.exec.wall_ns,
                            "outcome": result,
                            "regret_ns": c.regret_ns,
                            "cumulative_regret_ns": total,
                            "confidence": c.assessment.confidence,
                        })
                        .to_string(),
                    );
                }
                Ok::<_, rdx_core::CoreError>(lines)
            })
        });
        if let Some(e) = raised.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(e);
        }
        lines.map_err(|e| errors::make(py, "StoreError", &e.to_string(), None))
    }

    /// Words on this thread's history tape, whichever engine wrote them: values overwritten by
    /// lossy operations of forward runs that no backward run has consumed yet.
    fn history_words(&self) -> usize {
        self.tapes.words()
    }

    /// Forgets this thread's history tape (a later backward run over a lossy operation then
    /// fails).
    fn clear_history(&self) {
        self.tapes.take();
    }
}

/// A run on a fresh interpreter, as [`rdx_core::run::run`] makes one for `loop`, with `stop`
/// checked between slices of the run.
fn interp_outcome(
    program: &Program,
    gene: usize,
    args: Vec<rdx_vm::Value>,
    dir: Direction,
    max_steps: Option<u64>,
    stop: Option<rdx_vm::StopCheck>,
) -> Result<rdx_core::run::Outcome, rdx_core::CoreError> {
    let module = &program.module;
    let mut host = if rdx_core::kernels::needs_host(module) {
        Some(rdx_core::kernels::engine_host(&[], false)?)
    } else {
        None
    };
    let input = rdx_core::state::encode(module, gene, &args);
    let mut values = args;
    let mut interp = Interpreter::new();
    interp.limits.max_steps = max_steps.unwrap_or(u64::MAX);
    interp.set_stop_check(stop);
    let exec = execute(&mut interp, module, gene, &mut values, dir, &mut host);
    interp.set_stop_check(None);
    let output = exec.result.is_ok().then(|| rdx_core::state::encode(module, gene, &values));
    Ok(rdx_core::run::Outcome {
        values,
        dir,
        exec,
        backend: Backend::Interp,
        backend_reason: None,
        tier: None,
        input,
        output,
    })
}

impl Module {
    /// The module's kernel host for a run: the one a previous run gave back, or a new one.
    fn take_host(&self, py: Python<'_>) -> PyResult<Box<dyn KernelCall + Send>> {
        let kept = self.kernels.lock().unwrap_or_else(|p| p.into_inner()).take();
        match kept {
            Some(h) => Ok(h),
            None => py.detach(|| rdx_core::kernels::engine_host(&[], false)).map_err(|e| {
                errors::make(py, "RdxError", &format!("cannot start the kernel host: {e}"), None)
            }),
        }
    }

    /// The engine `backend="auto"` runs on, why, and whether the run is tiered (the static
    /// rule's JIT, or the interpreter the planner took for work nothing predicts well: it
    /// starts on the interpreter): the planner of `home` (its decision recorded), else the
    /// static rule.
    fn auto(
        &self,
        py: Python<'_>,
        gene: usize,
        args: &[rdx_vm::Value],
        dir: Direction,
        home: Option<&Bound<'_, Home>>,
    ) -> (&'static str, String, bool) {
        let module = &self.program.module;
        let planned = home.and_then(|h| {
            let q = rdx_core::planner::Query::of(&self.program, gene, args, dir);
            let home = h.get();
            py.detach(|| home.with(|home| rdx_core::planner::auto(home, &q, false, "python", true)).ok())
        });
        match planned {
            Some(a) => {
                (if a.arm == rdx_core::planner::Arm::Jit { "jit" } else { "interp" }, a.reason, a.tiered)
            }
            None => match Backend::Auto.resolve(module) {
                (Backend::Jit, why) => ("jit", why.unwrap_or_default().to_string(), true),
                (_, why) => ("interp", why.unwrap_or_default().to_string(), false),
            },
        }
    }

    /// The interpreter, holding this thread's history tape until the guard goes.
    fn interpreter(&self) -> ThreadInterpreter<'_> {
        // Every run resets the interpreter's frames and memory first, so a run that panicked
        // while holding the lock leaves nothing behind that a later run would read, except
        // history-tape words, as a failed run can.
        let mut guard = self.interp.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.swap_tape(self.tapes.take());
        ThreadInterpreter { guard, tapes: &self.tapes, thread: std::thread::current().id() }
    }

    /// `run` on this thread's JIT engine holding this thread's history tape, which goes back
    /// to `tapes` after (the engine serves every module this thread runs).
    fn on_jit<R>(&self, run: impl FnOnce(&mut rdx_jit::Jit) -> R) -> R {
        let tape = self.tapes.take();
        JIT.with(|jit| {
            let mut jit = jit.borrow_mut();
            jit.swap_tape(tape);
            let out = run(&mut jit);
            let tape = jit.swap_tape(Vec::new());
            self.tapes.keep(std::thread::current().id(), tape);
            out
        })
    }
}
