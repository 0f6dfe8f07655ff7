//! `rdx run FILE`: run a gene forward or backward and print its parameters.
//!
//! Also home of [`load`], the one path from a `.rdx`/`.ja` source or a `.rdxb` module on disk
//! to a runnable [`Module`] (with the source text for error messages), shared by `asm` and
//! `disasm`.

use crate::frontend::{EXIT_COMPILE, Source, usage_error};
use rdx_lang::check::{CheckOptions, Checked};
use rdx_vm::{Direction, Engine, Interpreter, Module};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit code of a run-time error.
pub const EXIT_RUNTIME: u8 = 1;

/// Which engine runs the gene.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// The bytecode interpreter (the reference engine).
    Interp,
    /// Native code compiled with Cranelift (rdx-jit).
    Jit,
    /// The JIT when some gene loops or recurses, else the interpreter.
    Auto,
}

/// Run a gene forward (or backward with --reverse) and print its parameters' final values.
///
/// Values: decimal, 0x hex, 0b binary, negative for i64, arrays and stacks as [1,2,3].
/// Unset parameters are 0. Output: `name = value` per parameter in declaration order, or one
/// JSON object with --json. Exit codes: 0 ok, 1 run-time error, 2 usage or compile error.
#[derive(clap::Args)]
pub struct Args {
    /// The program: rdx source (.rdx), Janus (.ja) or a bytecode module (.rdxb).
    file: PathBuf,
    /// The gene to run (default: `main`, else the only gene).
    #[arg(long, value_name = "GENE")]
    entry: Option<String>,
    /// Set a parameter: --set n=10 --set a=[1,2,3]. Repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    sets: Vec<String>,
    /// Run backward: the values given are the final state; print the initial one.
    #[arg(long)]
    reverse: bool,
    /// Print one JSON object instead of `name = value` lines.
    #[arg(long)]
    json: bool,
    /// The execution engine.
    #[arg(long, value_enum, default_value = "interp")]
    backend: Backend,
    /// Refuse lossy operations (`:=`, `erase`).
    #[arg(long)]
    strict: bool,
    /// Verify every kernel call: a unitary kernel must preserve sum |x|^2 (1e-9 relative) and,
    /// when its order divides 4, give the input back after `order` applications; an exact
    /// kernel's mirror must restore its input bit for bit.
    #[arg(long)]
    checked: bool,
    #[command(flatten)]
    kernels: crate::kernels::KernelArgs,
}

/// A module ready to run, with what error messages need.
pub struct Loaded {
    pub module: Module,
    /// File name and source text for rendering run-time errors (from the module's debug
    /// section when loading a `.rdxb`).
    pub name: String,
    pub text: Option<String>,
}

/// Whether a path names a bytecode module.
pub fn is_module_path(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rdxb")
}

/// Loads a source file (parse, check, compile) or a `.rdxb` module (decode, verify).
/// Diagnostics go to stderr; the error is the exit code.
pub fn load(path: &Path, strict: bool, kernels: &crate::kernels::KernelArgs) -> Result<Loaded, ExitCode> {
    load_with_ir(path, strict, kernels).map(|(loaded, _ir)| loaded)
}

/// [`load`], also handing back the checked IR the module was compiled from (`None` for a
/// `.rdxb`), for a caller that has a better use for it than freeing it right away.
pub fn load_with_ir(
    path: &Path,
    strict: bool,
    kernels: &crate::kernels::KernelArgs,
) -> Result<(Loaded, Option<Checked>), ExitCode> {
    if is_module_path(path) {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| usage_error(&format!("cannot read {name}: {e}")))?;
        let module = Module::decode(&bytes).map_err(|e| usage_error(&format!("{name}: {e}")))?;
        if strict && module.lossy_count() > 0 {
            return Err(usage_error(&format!(
                "{name}: --strict refuses lossy programs, and this module has {} lossy operations",
                module.lossy_count()
            )));
        }
        let (name, text) = match &module.debug {
            Some(d) => (d.file.clone(), Some(d.source.clone())),
            None => (name, None),
        };
        return Ok((Loaded { module, name, text }, None));
    }
    let src = Source::read(path)?;
    let catalogue = crate::kernels::catalogue(kernels)?;
    let checked = src.compile(&CheckOptions { strict, kernels: &catalogue })?;
    match rdx_vm::compile(&checked, &src.name, &src.text) {
        Ok(module) => Ok((Loaded { module, name: src.name, text: Some(src.text) }, Some(checked))),
        Err(d) => {
            src.report(&d);
            Err(ExitCode::from(EXIT_COMPILE))
        }
    }
}

/// Picks the entry gene: `--entry`, else `main`, else the only gene.
pub fn entry(m: &Module, wanted: Option<&str>) -> Result<usize, ExitCode> {
    let names = || m.genes.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", ");
    match wanted {
        Some(w) => {
            m.gene_index(w).ok_or_else(|| usage_error(&format!("no gene `{w}` (the genes are: {})", names())))
        }
        None => m.default_entry().ok_or_else(|| {
            usage_error(&format!(
                "there is no `main` gene: choose one with --entry (the genes are: {})",
                names()
            ))
        }),
    }
}

pub fn run(args: Args) -> ExitCode {
    let loaded = match load(&args.file, args.strict, &args.kernels) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let m = &loaded.module;
    let gene = match entry(m, args.entry.as_deref()) {
        Ok(g) => g,
        Err(code) => return code,
    };
    let mut sets = Vec::with_capacity(args.sets.len());
    for s in &args.sets {
        match rdx_vm::values::parse_assignment(s) {
            Ok(p) => sets.push(p),
            Err(e) => return usage_error(&format!("--set {e}")),
        }
    }
    let mut values = match rdx_vm::values::bind(m, gene, &sets) {
        Ok(v) => v,
        Err(e) => return usage_error(&format!("--set: {e}")),
    };
    let dir = if args.reverse { Direction::Backward } else { Direction::Forward };
    // Each engine returns its result and what `print`/`show` wrote, emitted before the result.
    let backend = match args.backend {
        Backend::Auto if rdx_jit::worth_compiling(m) => Backend::Jit,
        Backend::Auto => Backend::Interp,
        b => b,
    };
    // Kernel calls go to the WebAssembly host, plugged into whichever engine runs.
    let host = if crate::kernels::needs_host(m) {
        match crate::kernels::host(&args.kernels) {
            Ok(h) => Some(crate::kernels::HostCall { host: h, checked: args.checked }),
            Err(code) => return code,
        }
    } else {
        None
    };
    let mut engine: Box<dyn Engine> = match backend {
        Backend::Jit => Box::new(rdx_jit::Jit::new()),
        Backend::Interp | Backend::Auto => Box::new(Interpreter::new()),
    };
    if let Some(host) = host {
        engine.set_kernels(Box::new(host));
    }
    let result = engine.run(m, gene, &mut values, dir);
    let printed = engine.take_output();
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(&printed);
    match result {
        Ok(_) => {
            // Janus programs print their store as jana does (sorted, jana's notation).
            let text = if m.dialect == rdx_lang::ast::Dialect::Janus && !args.json {
                rdx_vm::jana::format_store(m.genes[gene].params.iter().map(|p| p.name.as_str()).zip(&values))
            } else {
                rdx_vm::values::format_result(m, gene, &values, args.json)
            };
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = out.flush();
            let d = e.to_diagnostic();
            match &loaded.text {
                Some(text) => {
                    let color = std::io::stderr().is_terminal();
                    eprint!("{}", rdx_lang::report::render(&[d], &loaded.name, text, color));
                }
                None => eprintln!("error[{}]: {} ({})", d.code, d.message, loaded.name),
            }
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}
