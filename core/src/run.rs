//! The one run path: a program is loaded (a source path, a `.rdxb` file or a CID), checked,
//! compiled, its arguments bound, run on an engine with its kernels, and recorded.
//!
//! - [`Program`] loads and names a program: [`Program::open`] takes what a user types (a path
//!   or a CID), [`Program::from_source`] and [`Program::from_bytes`] take text and bytes.
//! - [`execute`] runs one gene on an engine the caller keeps (the Python package keeps one per
//!   module and thread, so a backward run can undo the forward run before it), lending it the
//!   kernel host and handing back what the run wrote on the history tape.
//! - [`run`] is a whole run as `rdx run` does it: a fresh engine, then [`record`] in a home.
//! - [`record`] turns a finished run into a ledger record, putting the program, states, tape
//!   and user kernels in the store first.

use crate::error::CoreError;
use crate::home::Batch;
use crate::kernels::{self, UserKernel};
use crate::ledger::{self, NewRun, RunRecord};
use crate::{Cid, Home, state};
use rdx_lang::ast::Dialect;
use rdx_lang::check::{CheckOptions, Checked};
use rdx_lang::diag::Diagnostic;
use rdx_lang::kernels::KernelSig;
use rdx_vm::engine::TapeEntry;
use rdx_vm::{Direction, Engine, Interpreter, KernelCall, Module, RunError, RunReport, Value};
use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime};

/// Why a program did not load.
#[derive(Debug)]
pub enum LoadError {
    /// It did not compile: the diagnostics, with the file name and text they point into.
    Compile { diagnostics: Vec<Diagnostic>, name: String, text: String },
    /// It could not be read or found, or is not a valid module.
    Core(CoreError),
}

impl From<CoreError> for LoadError {
    fn from(e: CoreError) -> LoadError {
        LoadError::Core(e)
    }
}

/// Stack for the front end's recursive passes: deeply nested input is rejected by the parser,
/// but the passes after it (checker, inverter, compiler, printer, dropping trees) recurse once
/// per nesting level, so the `rdx` command and the Python package run them on a thread with a
/// generous stack, whatever stack their caller has.
pub const BIG_STACK: usize = 256 << 20;

/// Runs `f` on a thread with a [`BIG_STACK`]; `None` if the thread could not start or `f`
/// panicked.
pub fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> Option<T> {
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new().stack_size(BIG_STACK).spawn_scoped(s, f).ok()?;
        worker.join().ok()
    })
}

/// Whether a path names a bytecode module (`.rdxb`).
pub fn is_module_path(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rdxb")
}

/// The dialect a file name says: Janus for `.ja` and `.janus`, else rdx.
pub fn dialect_of(name: &str) -> Dialect {
    if name.ends_with(".ja") || name.ends_with(".janus") { Dialect::Janus } else { Dialect::Rdx }
}

/// Reads a source file as UTF-8 text; returns its display name and text. A bytecode module
/// (its magic bytes, whatever its name) is refused as one.
pub fn read_source(path: &Path) -> Result<(String, String), CoreError> {
    let (name, bytes) = read_file(path)?;
    if bytes.starts_with(rdx_vm::module::MAGIC) {
        return Err(CoreError::Usage(format!(
            "{name} is a bytecode module, not source text: this command reads .rdx or .ja \
             source (`rdx disasm {name}` shows the module's code; `rdx run` runs it)"
        )));
    }
    Ok((name.clone(), source_text(&name, bytes)?))
}

/// A file's display name and bytes.
fn read_file(path: &Path) -> Result<(String, Vec<u8>), CoreError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| CoreError::Usage(format!("cannot read {name}: {e}")))?;
    Ok((name, bytes))
}

/// The bytes of source file `name` as text.
fn source_text(name: &str, bytes: Vec<u8>) -> Result<String, CoreError> {
    String::from_utf8(bytes).map_err(|e| {
        CoreError::Usage(format!(
            "{name} is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Parses and checks source text and compiles the checked IR with `compile` (to a module, or
/// to its bytes); `name` is what diagnostics show. Gives back the name and text.
fn compile_source<T>(
    text: String,
    name: String,
    dialect: Dialect,
    strict: bool,
    catalogue: &[KernelSig],
    compile: impl FnOnce(&Checked, &str, &str) -> Result<T, Vec<Diagnostic>>,
) -> Result<(Checked, T, String, String), LoadError> {
    let opts = CheckOptions { strict, kernels: catalogue };
    let compiled = rdx_lang::parse(&text, dialect)
        .and_then(|p| rdx_lang::check::check_owned(p, &opts))
        .and_then(|c| compile(&c, &name, &text).map(|m| (c, m)));
    match compiled {
        Ok((checked, made)) => Ok((checked, made, name, text)),
        Err(diagnostics) => Err(LoadError::Compile { diagnostics, name, text }),
    }
}

/// A source file assembled ([`Program::assemble`]).
pub struct Assembled {
    /// The file name diagnostics show.
    pub name: String,
    pub text: String,
    /// The checked IR (its warnings are the command's to show).
    pub checked: Checked,
    /// The encoded module (`.rdxb` bytes).
    pub bytes: Vec<u8>,
}

/// A program ready to run.
pub struct Program {
    pub module: Module,
    /// The file name error messages show (from the debug section for a `.rdxb` or a CID).
    pub name: String,
    /// The source text, for rendering errors (none for a module stripped of its debug info).
    pub text: Option<String>,
    /// The checked IR it was compiled from (none for a module loaded as bytecode).
    pub checked: Option<Checked>,
    /// The encoded module and its CID, computed on first use.
    encoded: OnceLock<(Cid, Arc<[u8]>)>,
}

impl Program {
    fn new(module: Module, name: String, text: Option<String>, checked: Option<Checked>) -> Program {
        Program { module, name, text, checked, encoded: OnceLock::new() }
    }

    /// Loads what a user names: an existing file (source or `.rdxb`), else a CID or unique
    /// prefix of one (≥ 8 hex digits) in `home`'s store. `user` kernels extend the checker's
    /// catalogue; `strict` refuses lossy programs.
    pub fn open(
        what: &str,
        home: Option<&Home>,
        strict: bool,
        user: &[UserKernel],
    ) -> Result<Program, LoadError> {
        let path = Path::new(what);
        if path.exists() || !looks_like_cid(what) {
            return Program::from_path(path, strict, user);
        }
        let Some(home) = home else {
            return Err(
                CoreError::Usage(format!("no file {what}, and no store to look it up in as a CID")).into()
            );
        };
        let cid = home.resolve(what)?;
        Program::from_store(home, &cid, strict)
    }

    /// Loads a source file (parse, check, compile) or a module (decode, verify): a `.rdxb`, or
    /// a file of another name that starts with a module's magic bytes.
    pub fn from_path(path: &Path, strict: bool, user: &[UserKernel]) -> Result<Program, LoadError> {
        let (name, bytes) = read_file(path)?;
        // A module is known by its name or, saved under another, by its magic bytes.
        if is_module_path(path) || bytes.starts_with(rdx_vm::module::MAGIC) {
            return Program::from_bytes(&bytes, &name, strict);
        }
        let text = source_text(&name, bytes)?;
        let catalogue = kernels::catalogue(user)?;
        let dialect = dialect_of(&name);
        Program::from_source(text, name, dialect, strict, &catalogue)
    }

    /// Parses, checks and compiles source text; `name` is what diagnostics show.
    pub fn from_source(
        text: String,
        name: String,
        dialect: Dialect,
        strict: bool,
        catalogue: &[KernelSig],
    ) -> Result<Program, LoadError> {
        let (checked, module, name, text) =
            compile_source(text, name, dialect, strict, catalogue, rdx_vm::compile)?;
        Ok(Program::new(module, name, Some(text), Some(checked)))
    }

    /// What `rdx asm` makes of a source file: [`Program::from_path`]'s checks, every one, and
    /// the encoded module, without the tables only a run needs ([`rdx_vm::compile_encoded`]).
    pub fn assemble(path: &Path, strict: bool, user: &[UserKernel]) -> Result<Assembled, LoadError> {
        let (name, text) = read_source(path)?;
        let catalogue = kernels::catalogue(user)?;
        let dialect = dialect_of(&name);
        let (checked, bytes, name, text) =
            compile_source(text, name, dialect, strict, &catalogue, rdx_vm::compile_encoded)?;
        Ok(Assembled { name, text, checked, bytes })
    }

    /// Decodes and verifies an encoded module; `name` is what errors show when the module has
    /// no debug section.
    pub fn from_bytes(bytes: &[u8], name: &str, strict: bool) -> Result<Program, LoadError> {
        let module = Module::decode(bytes).map_err(|e| CoreError::Usage(format!("{name}: {e}")))?;
        if strict && module.lossy_count() > 0 {
            return Err(CoreError::Usage(format!(
                "{name}: --strict refuses lossy programs, and this module has {} lossy operations",
                module.lossy_count()
            ))
            .into());
        }
        Ok(Program::from_module(module, name))
    }

    /// A program of a decoded module: its file name and text come from the debug section;
    /// `name` is used when the module has none.
    pub fn from_module(module: Module, name: &str) -> Program {
        let (name, text) = match &module.debug {
            Some(d) => (d.file.clone(), Some(d.source.clone())),
            None => (name.to_string(), None),
        };
        Program::new(module, name, text, None)
    }

    /// Loads a module stored in `home` under `cid`.
    pub fn from_store(home: &Home, cid: &Cid, strict: bool) -> Result<Program, LoadError> {
        let bytes = home.get(cid)?;
        let program = Program::from_bytes(&bytes, &cid.to_hex(), strict)?;
        let _ = program.encoded.set((*cid, Arc::from(bytes)));
        Ok(program)
    }

    /// The content ID of the encoded module.
    pub fn cid(&self) -> Cid {
        self.encoded().0
    }

    /// The encoded module (`.rdxb` bytes) and its CID.
    pub fn encoded(&self) -> &(Cid, Arc<[u8]>) {
        self.encoded.get_or_init(|| {
            let bytes = self.module.encode();
            (Cid::of(&bytes), Arc::from(bytes))
        })
    }

    /// Picks the entry gene: `wanted`, else `main`, else the only gene.
    pub fn entry(&self, wanted: Option<&str>) -> Result<usize, CoreError> {
        let m = &self.module;
        let names: Vec<&str> = m.genes.iter().map(|g| g.name.as_str()).collect();
        let others =
            |w: &str| rdx_lang::check::alternatives(w, "the genes are:", &names, |i| names[i].to_string());
        match wanted {
            Some(w) => m.gene_index(w).ok_or_else(|| CoreError::Usage(format!("no gene `{w}`{}", others(w)))),
            None => m.default_entry().ok_or_else(|| {
                CoreError::Usage(format!(
                    "there is no `main` gene: choose one with --entry{}",
                    others("main")
                ))
            }),
        }
    }

    /// The values of gene `gene`'s parameters from `name=value` texts (unset ones are zero).
    pub fn bind(&self, gene: usize, sets: &[String]) -> Result<Vec<Value>, CoreError> {
        self.bind_over(gene, Vec::new(), sets)
    }

    /// As [`Program::bind`], starting from `base` (name, value text) pairs, e.g. a state file's
    /// ([`parse_state`]): a parameter named in `sets` takes its value from there.
    pub fn bind_over(
        &self,
        gene: usize,
        mut base: Vec<(String, Cow<'_, str>)>,
        sets: &[String],
    ) -> Result<Vec<Value>, CoreError> {
        let mut pairs = Vec::with_capacity(sets.len());
        for s in sets {
            let (name, text) =
                rdx_vm::values::parse_assignment(s).map_err(|e| CoreError::Usage(format!("--set {e}")))?;
            pairs.push((name, Cow::Owned(text)));
        }
        let from = if base.is_empty() { "--set" } else { "--input/--set" };
        base.retain(|(name, _)| !pairs.iter().any(|(n, _)| n == name));
        base.append(&mut pairs);
        rdx_vm::values::bind(&self.module, gene, &base).map_err(|e| CoreError::Usage(format!("{from}: {e}")))
    }
}

/// The (name, value text) pairs of a state: the JSON object that `rdx run --json` prints, or
/// the `name = value` lines that `rdx run` prints (blank lines and lines starting with `#` are
/// skipped). So the output of one run is the input of the next, e.g. of the same gene run
/// backward. `origin` names the text in errors.
pub fn parse_state<'t>(text: &'t str, origin: &str) -> Result<Vec<(String, Cow<'t, str>)>, CoreError> {
    let bad = |what: String| CoreError::Usage(format!("{origin}: {what}"));
    if text.trim_start().starts_with('{') {
        // Each value's JSON text as written: numbers and (nested) arrays of them are already
        // value text (no tree of JSON values for a long array); anything else (the strings
        // `rdx run --json` writes for non-finite floats, or what is not a value) is read as JSON.
        let Members(object) = serde_json::from_str(text)
            .map_err(|e| bad(format!("not a JSON object of parameter values ({e})")))?;
        let plain = |t: &str| t.bytes().all(|b| b.is_ascii_digit() || b",[]-+.eE \t\r\n".contains(&b));
        return object
            .into_iter()
            .map(|(name, raw)| {
                if plain(raw.get()) {
                    // Borrowed from `text`: a long array is not copied.
                    return Ok((name, Cow::Borrowed(raw.get())));
                }
                let v: serde_json::Value =
                    serde_json::from_str(raw.get()).map_err(|e| bad(format!("`{name}`: not JSON ({e})")))?;
                let value = json_value_text(&v).ok_or_else(|| {
                    bad(format!("`{name}`: {v} is not a value (numbers, or arrays of them, nested for c64)"))
                })?;
                Ok((name, Cow::Owned(value)))
            })
            .collect();
    }
    let mut pairs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = rdx_vm::values::parse_assignment(line)
            .map_err(|e| bad(format!("line {}: {e} (expected `name = value`)", i + 1)))?;
        pairs.push((name, Cow::Owned(value)));
    }
    Ok(pairs)
}

/// A JSON object's members in the order written, a name given twice kept twice: the binding
/// refuses it ("`n` is set twice") as it does in the `name = value` form, where a map would
/// have kept the last silently.
struct Members<'t>(Vec<(String, &'t serde_json::value::RawValue)>);

impl<'de> serde::Deserialize<'de> for Members<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// A JSON value as value text: numbers as written, the strings `rdx run --json` writes for
/// non-finite floats (`"inf"`, `"NaN"`) unquoted, arrays bracketed.
fn json_value_text(v: &serde_json::Value) -> Option<String> {
    let mut out = String::new();
    push_json_value_text(v, &mut out).then_some(out)
}

/// Appends [`json_value_text`] of `v` to `out` (one buffer for a whole array); false for a
/// value that is not a number, a string or an array of them.
fn push_json_value_text(v: &serde_json::Value, out: &mut String) -> bool {
    use std::fmt::Write;
    match v {
        // Writing to a String cannot fail.
        serde_json::Value::Number(n) => write!(out, "{n}").is_ok(),
        serde_json::Value::String(s) => {
            out.push_str(s);
            true
        }
        serde_json::Value::Array(items) => {
            out.reserve(2 + 21 * items.len());
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if !push_json_value_text(item, out) {
                    return false;
                }
            }
            out.push(']');
            true
        }
        _ => false,
    }
}

/// Whether `text` could be a CID or a prefix of one.
fn looks_like_cid(text: &str) -> bool {
    Cid::check_prefix(text).is_ok()
}

/// The engine a run asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The bytecode interpreter (the reference engine).
    Interp,
    /// Native code compiled with Cranelift.
    Jit,
    /// The JIT when some gene loops or recurses, else the interpreter.
    Auto,
}

impl Backend {
    /// The engine that runs `module`, and why when the choice was automatic.
    pub fn resolve(self, module: &Module) -> (Backend, Option<&'static str>) {
        match self {
            // (A JIT run the static rule chose starts on the interpreter: `execute_auto`.)
            Backend::Auto if rdx_jit::worth_compiling(module) => (Backend::Jit, Some(AUTO_LOOPS)),
            Backend::Auto => (Backend::Interp, Some(AUTO_STRAIGHT)),
            b => (b, None),
        }
    }

    /// `interp`, `jit` or `auto`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Interp => "interp",
            Backend::Jit => "jit",
            Backend::Auto => "auto",
        }
    }

    /// A fresh engine of this kind (`Auto` must be resolved first; it gives the interpreter).
    pub fn engine(self) -> Box<dyn Engine> {
        match self {
            Backend::Jit => Box::new(rdx_jit::Jit::new()),
            Backend::Interp | Backend::Auto => Box::new(Interpreter::new()),
        }
    }
}

/// One run on an engine: what it gave back and what it cost.
pub struct Execution {
    pub result: Result<RunReport, RunError>,
    /// What `print`/`printf`/`show` wrote.
    pub printed: Vec<u8>,
    pub started: SystemTime,
    pub ended: SystemTime,
    pub wall_ns: u64,
    /// The entries this run added to the engine's history tape (none when it failed).
    pub tape: Vec<TapeEntry>,
    /// How many entries it wrote, also when it failed (the tape is then cleared).
    pub tape_written: usize,
    /// The entries of the tape it started from that it used up (undoing lossy writes of the
    /// runs before it), oldest first, when the run succeeded and was asked to keep them
    /// ([`execute_from`]): what a replay of it must start from.
    pub tape_in: Vec<TapeEntry>,
}

/// Runs gene `gene` of `module` on `engine`, in place on `args`, lending the engine `host` for
/// the run. The engine keeps its history tape across runs, so a backward run can undo the
/// forward run before it; a run that fails after changing the tape clears it, since its
/// partial history matches no other run. A backward run notes what it used up of the tape
/// it started from ([`Execution::tape_in`]; see [`execute_from`]).
pub fn execute(
    engine: &mut dyn Engine,
    module: &Module,
    gene: usize,
    args: &mut [Value],
    dir: Direction,
    host: &mut Option<Box<dyn KernelCall + Send>>,
) -> Execution {
    execute_from(engine, module, gene, args, dir, host, dir == Direction::Backward)
}

/// [`execute`], noting what the run used up of the tape it started from when `keep` says so
/// (a copy of that tape is taken first, so a run that cannot use any does not ask: a forward
/// run only undoes what it wrote itself, unless it was given a tape to rewind from).
/// The entries are those past the longest part the run left as it found it.
pub fn execute_from(
    engine: &mut dyn Engine,
    module: &Module,
    gene: usize,
    args: &mut [Value],
    dir: Direction,
    host: &mut Option<Box<dyn KernelCall + Send>>,
    keep: bool,
) -> Execution {
    if let Some(h) = host.take() {
        engine.set_kernels(h);
    }
    let before = engine.tape_len();
    let start = (keep && before > 0).then(|| engine.tape().to_vec());
    let started = SystemTime::now();
    let clock = Instant::now();
    let result = engine.run(module, gene, args, dir);
    let wall_ns = u64::try_from(clock.elapsed().as_nanos()).unwrap_or(u64::MAX);
    let ended = SystemTime::now();
    *host = engine.take_kernels();
    let printed = engine.take_output();
    let after = engine.tape_len();
    // Where the tape the run started from was left as it was found: all of it, unless the
    // run used some up (then the entries past the common part were used, and those after it
    // on the tape now are the run's own).
    let kept = match &start {
        Some(start) => start.iter().zip(engine.tape()).take_while(|(a, b)| a == b).count(),
        None => before.min(after),
    };
    let (tape, tape_in) = match (&result, start) {
        (Ok(_), start) => {
            (engine.tape()[kept.min(after)..].to_vec(), start.map_or_else(Vec::new, |s| s[kept..].to_vec()))
        }
        (Err(_), _) => (Vec::new(), Vec::new()),
    };
    if result.is_err() && after != before {
        engine.clear_tape();
    }
    let tape_written = after.saturating_sub(before);
    Execution { result, printed, started, ended, wall_ns, tape, tape_written, tape_in }
}

/// The steps the static rule lets a run take on the interpreter before it starts over on the
/// JIT ([`execute_auto`]), as a fixed part and a part per instruction of the module's code.
/// Compiling costs about 0.25 ms and then 10–40 µs an instruction (`cargo bench -p rdx-jit
/// --bench suite`, its compile column), and the interpreter takes 1–2 ns a step, so a run
/// that stops at the budget has spent about what compiling would have: never more than
/// twice what the better engine alone would have cost, plus the JIT's own run.
const TIER_STEPS: u64 = 1 << 17;
const TIER_STEPS_PER_INSTRUCTION: u64 = 1 << 13;

/// The static rule's reason for a module worth compiling, before how its run ended.
pub const AUTO_LOOPS: &str = "auto: a gene loops or recurses";
/// The static rule's reason for a module that is not.
pub const AUTO_STRAIGHT: &str = "auto: no gene loops or recurses, so interpreting is cheaper";

/// How many steps the static rule's interpreter tier may take on `module`.
pub fn tier_budget(module: &Module) -> u64 {
    let code: usize = module.genes.iter().map(|g| g.code.len()).sum();
    TIER_STEPS.saturating_add(TIER_STEPS_PER_INSTRUCTION.saturating_mul(code as u64))
}

/// Runs gene `gene` as `--backend auto`'s static rule does a module worth compiling
/// ([`rdx_jit::worth_compiling`]), and as the planner does one when it plans the interpreter
/// for work nothing predicts ([`crate::planner::Assessment::tiered`]): on `interp` for at
/// most [`tier_budget`] steps, so a short run pays no compile; a run that goes past them
/// starts over from `args` on the JIT engine `with_jit` lends, with the history tape it
/// started with (the interpreter then holds the JIT's tape, so the next run goes on from it).
/// What the first try printed is dropped, so a run prints what one engine prints. The
/// execution, the engine that gave it and which tier ended the run, in words.
pub fn execute_auto(
    interp: &mut Interpreter,
    with_jit: impl FnOnce(&mut dyn FnMut(&mut dyn Engine) -> Execution) -> Execution,
    module: &Module,
    gene: usize,
    args: &mut [Value],
    dir: Direction,
    host: &mut Option<Box<dyn KernelCall + Send>>,
) -> (Execution, Backend, String) {
    let budget = tier_budget(module);
    let limit = interp.limits.max_steps;
    let tape = interp.tape().to_vec();
    interp.limits.max_steps = budget.min(limit);
    let first = execute(interp, module, gene, args, dir, host);
    interp.limits.max_steps = limit;
    let past = budget < limit
        && matches!(&first.result, Err(e) if matches!(e.kind, rdx_vm::RunErrorKind::StepLimit { .. }));
    if !past {
        let why = format!(
            "the run ended within the interpreter's first {budget} steps (a budget in \
             proportion to the code), so nothing was compiled"
        );
        return (first, Backend::Interp, why);
    }
    // A failed interpreter run leaves `args` as they were (it copies its state out at the end).
    let mut tape = Some(tape);
    let exec = with_jit(&mut |jit: &mut dyn Engine| {
        jit.swap_tape(tape.take().unwrap_or_default());
        let exec = execute(jit, module, gene, args, dir, host);
        interp.swap_tape(jit.tape().to_vec());
        exec
    });
    let why = format!(
        "the run went past the interpreter's first {budget} steps (a budget in proportion to \
         the code), so it started over on the JIT"
    );
    (exec, Backend::Jit, why)
}

/// A whole run as `rdx run` does it.
pub struct Request<'a> {
    pub program: &'a Program,
    pub gene: usize,
    pub args: Vec<Value>,
    pub dir: Direction,
    pub backend: Backend,
    /// User kernels (recorded by CID).
    pub kernels: &'a [UserKernel],
    /// Verify every kernel call (`--checked`).
    pub checked: bool,
    /// The history tape to start from (a rewind's recorded tape).
    pub tape: Vec<TapeEntry>,
    /// Flags that change a run, recorded as given (`--strict`, `--checked`).
    pub flags: Vec<String>,
    /// The run this one replays or rewinds.
    pub parent: Option<u64>,
    /// Encode the input and output states ([`Outcome::input`], [`Outcome::output`]): what a
    /// record or a comparison of states needs. A run that is only printed skips them (for a
    /// large array, each is a pass over the state and a buffer as large as its JSON).
    pub states: bool,
    /// Stop the run after this many instructions (R0117). The interpreter counts them, so a
    /// step-limited run is the interpreter's whatever `backend` says.
    pub max_steps: Option<u64>,
}

impl<'a> Request<'a> {
    /// A run of `gene` on `args` in `dir` on `backend`, with no user kernels, flags or parent.
    pub fn new(
        program: &'a Program,
        gene: usize,
        args: Vec<Value>,
        dir: Direction,
        backend: Backend,
    ) -> Self {
        Request {
            program,
            gene,
            args,
            dir,
            backend,
            kernels: &[],
            checked: false,
            tape: Vec::new(),
            flags: Vec::new(),
            parent: None,
            states: true,
            max_steps: None,
        }
    }
}

/// A finished run: its final state, what it printed and how it went, and its ledger record.
pub struct Outcome {
    /// The final values (meaningful when the run succeeded).
    pub values: Vec<Value>,
    pub dir: Direction,
    pub exec: Execution,
    pub backend: Backend,
    pub backend_reason: Option<String>,
    /// For a tiered run, started on the interpreter ([`execute_auto`]): how it ended, in words
    /// (also the end of `backend_reason`).
    pub tier: Option<String>,
    /// The canonical bytes of the input and output states (output: when the run succeeded),
    /// when the request asked for them ([`Request::states`]; else empty and `None`).
    pub input: Vec<u8>,
    pub output: Option<Vec<u8>>,
}

/// Runs `req` on a fresh engine. Kernel host failures are errors before anything runs.
pub fn run(req: Request<'_>) -> Result<Outcome, CoreError> {
    let module = &req.program.module;
    let mut host = if kernels::needs_host(module) {
        Some(kernels::engine_host(req.kernels, req.checked)?)
    } else {
        None
    };
    let input = if req.states { state::encode(module, req.gene, &req.args) } else { Vec::new() };
    let mut values = req.args;
    // A run given a tape (a rewind's) notes what it uses of it, in either direction.
    let keep = !req.tape.is_empty() || req.dir == Direction::Backward;
    let (exec, backend, backend_reason, tier) = match req.backend.resolve(module) {
        _ if req.max_steps.is_some() => {
            let mut interp = Interpreter::new();
            interp.limits.max_steps = req.max_steps.unwrap_or(u64::MAX);
            interp.swap_tape(req.tape);
            let exec = execute_from(&mut interp, module, req.gene, &mut values, req.dir, &mut host, keep);
            let why = "a step limit: the interpreter counts the instructions".to_string();
            (exec, Backend::Interp, Some(why), None)
        }
        // `auto` chose the JIT: the run starts on the interpreter.
        (Backend::Jit, Some(_)) => {
            let mut interp = Interpreter::new();
            interp.swap_tape(req.tape);
            let with_jit = |run: &mut dyn FnMut(&mut dyn Engine) -> Execution| run(&mut rdx_jit::Jit::new());
            let (exec, backend, tier) =
                execute_auto(&mut interp, with_jit, module, req.gene, &mut values, req.dir, &mut host);
            (exec, backend, Some(format!("{AUTO_LOOPS}; {tier}")), Some(tier))
        }
        (backend, why) => {
            let mut engine = backend.engine();
            engine.swap_tape(req.tape);
            let exec = execute_from(&mut *engine, module, req.gene, &mut values, req.dir, &mut host, keep);
            (exec, backend, why.map(str::to_string), None)
        }
    };
    let output = (req.states && exec.result.is_ok()).then(|| state::encode(module, req.gene, &values));
    Ok(Outcome { values, dir: req.dir, exec, backend, backend_reason, tier, input, output })
}

impl Outcome {
    /// What the record of this run of gene `gene` of `program` says besides its execution.
    pub fn facts<'a>(
        &'a self,
        program: &'a Program,
        gene: usize,
        kernels: &'a [UserKernel],
        flags: &'a [String],
        parent: Option<u64>,
    ) -> Facts<'a> {
        Facts {
            program,
            gene,
            dir: self.dir,
            backend: self.backend,
            backend_reason: self.backend_reason.as_deref(),
            input: &self.input,
            output: self.output.as_deref(),
            kernels,
            flags,
            parent,
        }
    }
}

/// What a record says about a run besides its [`Execution`].
pub struct Facts<'a> {
    pub program: &'a Program,
    pub gene: usize,
    pub dir: Direction,
    pub backend: Backend,
    pub backend_reason: Option<&'a str>,
    pub input: &'a [u8],
    pub output: Option<&'a [u8]>,
    pub kernels: &'a [UserKernel],
    pub flags: &'a [String],
    pub parent: Option<u64>,
}

/// A run's record ready to be written: the blobs it refers to and its fields, CIDs computed.
/// [`prepare`] does no I/O, so a caller can gather many and write them in one batch.
pub struct Prepared {
    /// The program, the states, the tape and the user kernels, with the CIDs the record names
    /// them by.
    pub blobs: Vec<(Cid, Arc<[u8]>)>,
    pub run: NewRun,
}

/// Records a finished run: puts the program, the states, the tape and the user kernels in the
/// store and appends the run to the ledger, in one transaction.
pub fn record(home: &Home, facts: &Facts<'_>, exec: &Execution) -> Result<RunRecord, CoreError> {
    write(home, &prepare(facts, exec))
}

/// Writes a prepared record in one transaction: one commit and one fsync, and a `gc` in
/// another process cannot run between the blobs and the record that keeps them.
pub fn write(home: &Home, prepared: &Prepared) -> Result<RunRecord, CoreError> {
    let batch = home.batch()?;
    let rec = write_in(&batch, prepared, &mut HashSet::new())?;
    batch.commit()?;
    Ok(rec)
}

/// Writes a prepared record inside `batch`: its blobs, then the run. Blobs in `seen` were put
/// earlier in the batch (runs of one program share its module), so they are skipped.
pub fn write_in(
    batch: &Batch<'_>,
    prepared: &Prepared,
    seen: &mut HashSet<Cid>,
) -> Result<RunRecord, CoreError> {
    for (cid, blob) in &prepared.blobs {
        if seen.insert(*cid) {
            batch.put(blob)?;
        }
    }
    batch.record_run(&prepared.run)
}

/// The record of a finished run, without writing it.
pub fn prepare(facts: &Facts<'_>, exec: &Execution) -> Prepared {
    let (program, program_bytes) = facts.program.encoded();
    let mut blobs: Vec<(Cid, Arc<[u8]>)> = vec![(*program, program_bytes.clone())];
    let mut put = |bytes: Arc<[u8]>| {
        let cid = Cid::of(&bytes);
        blobs.push((cid, bytes));
        cid.to_hex()
    };
    let input = put(Arc::from(facts.input));
    let output = facts.output.map(|o| put(Arc::from(o)));
    let tape = (!exec.tape.is_empty()).then(|| put(Arc::from(state::encode_tape(&exec.tape))));
    let tape_in = (!exec.tape_in.is_empty()).then(|| put(Arc::from(state::encode_tape(&exec.tape_in))));
    let kernels = facts.kernels.iter().map(|k| put(Arc::from(&k.bytes[..]))).collect();
    // What a printing program printed, so a reuse of this run can print it again.
    let printed = crate::planner::prints(&facts.program.module).then(|| put(Arc::from(&exec.printed[..])));
    let (erased_bits, instructions) = match &exec.result {
        Ok(r) => (r.lossy_bits, (facts.backend == Backend::Interp).then_some(r.instructions)),
        Err(_) => (64 * exec.tape_written as u64, None),
    };
    let (outcome, code, message) = match &exec.result {
        Ok(_) => ("ok", None, None),
        Err(e) => {
            let d = e.to_diagnostic();
            ("error", Some(d.code.to_string()), Some(d.message))
        }
    };
    let run = NewRun {
        started: ledger::timestamp(exec.started),
        ended: ledger::timestamp(exec.ended),
        program: program.to_hex(),
        entry: facts.program.module.genes[facts.gene].name.clone(),
        direction: direction_name(facts.dir).to_string(),
        backend: facts.backend.name().to_string(),
        backend_reason: facts.backend_reason.map(str::to_string),
        input,
        output,
        tape,
        erased_bits,
        landauer_joules: erased_bits as f64 * ledger::LANDAUER_JOULES_PER_BIT,
        instructions,
        wall_ns: exec.wall_ns,
        outcome: outcome.to_string(),
        code,
        message,
        rdx_version: env!("CARGO_PKG_VERSION").to_string(),
        host: ledger::host_name(),
        parent: facts.parent,
        kernels,
        flags: facts.flags.to_vec(),
        printed,
        tape_in,
    };
    Prepared { blobs, run }
}

/// `forward` or `backward`, as records spell directions.
pub fn direction_name(dir: Direction) -> &'static str {
    match dir {
        Direction::Forward => "forward",
        Direction::Backward => "backward",
    }
}

/// Reads a direction as records spell it.
pub fn parse_direction(text: &str) -> Result<Direction, CoreError> {
    match text {
        "forward" => Ok(Direction::Forward),
        "backward" => Ok(Direction::Backward),
        other => Err(CoreError::Usage(format!("`{other}` is not a direction (forward or backward)"))),
    }
}
