//! `rdx run FILE|CID`: run a gene forward or backward, print its parameters, and record the
//! run in the ledger. The run itself is `rdx_core::run`; this file is options and printing.

use crate::frontend;
use rdx_core::Home;
use rdx_core::run::{Outcome, Program, Request};
use rdx_vm::Direction;
use std::io::Write;
use std::path::Path;
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
    /// The planner's choice, learned from the ledger's runs (`rdx plan`); on a cold start,
    /// or with --no-plan, the interpreter, moving a run to the JIT when some gene loops or
    /// recurses and the run goes past a step budget in proportion to the code.
    Auto,
}

/// The gene, its parameters and the direction of a run: `--entry`, `--set`, `--reverse`, as
/// `run`, `probe`, `hint`, `plan` and `loop` take them.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct Inputs {
    /// The gene to run (default: `main`, else the only gene).
    #[arg(long, value_name = "GENE")]
    pub entry: Option<String>,
    /// Set a parameter: --set n=10 --set a=[1,2,3]. Repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
    /// Run backward: the values given are the final state.
    #[arg(long)]
    pub reverse: bool,
    /// Read parameter values from FILE (`-`: stdin): the `name = value` lines `rdx run` prints,
    /// or the JSON object `rdx run --json` prints (a Janus program's store as it prints it).
    /// --set overrides single values.
    #[arg(long, value_name = "FILE")]
    pub input: Option<std::path::PathBuf>,
}

impl Inputs {
    /// The entry gene of `program`, its bound parameter values and the direction.
    pub fn resolve(
        &self,
        program: &Program,
    ) -> Result<(usize, Vec<rdx_vm::Value>, Direction), rdx_core::CoreError> {
        let gene = program.entry(self.entry.as_deref())?;
        // The input file's text outlives the pairs parsed from it (they borrow long values).
        let mut text = String::new();
        let base = match &self.input {
            None => Vec::new(),
            Some(path) => {
                let origin = path.display().to_string();
                text = if origin == "-" {
                    std::io::read_to_string(std::io::stdin())
                } else {
                    std::fs::read_to_string(path)
                }
                .map_err(|e| rdx_core::CoreError::Usage(format!("--input {origin}: {e}")))?;
                rdx_core::run::parse_state(&text, &format!("--input {origin}"))
                    .map_err(|e| printed_hint(e, &text, program))?
            }
        };
        let values = program.bind_over(gene, base, &self.sets).map_err(|e| match &self.input {
            Some(_) if e.to_string().contains("is set twice") => printed_hint(e, &text, program),
            _ => e,
        })?;
        let dir = if self.reverse { Direction::Backward } else { Direction::Forward };
        Ok((gene, values, dir))
    }
}

/// A hint on an `--input` file in the lines form that does not read, for a program that
/// prints: the file may hold what the program printed before its result lines.
fn printed_hint(e: rdx_core::CoreError, text: &str, program: &Program) -> rdx_core::CoreError {
    match e {
        rdx_core::CoreError::Usage(m)
            if !text.trim_start().starts_with('{') && rdx_core::planner::prints(&program.module) =>
        {
            rdx_core::CoreError::Usage(format!(
                "{m}\n  = help: `rdx run` writes what the program prints (print, printf, show) before the \
             result lines; with --json that goes to stderr and the file holds the values alone"
            ))
        }
        e => e,
    }
}

/// Run a gene forward (or backward with --reverse) and print its parameters' final values.
///
/// Values: decimal, 0x hex, 0b binary, negative for the signed types (i8 … i64, i64 arrays) and a
/// stack's words, arrays and stacks as [1,2,3] (a stack bottom first); for a Janus program also
/// as jana prints them ({1,2,3}, <3,2,1] top first, nil). Unset parameters are 0. Output: `name = value` per parameter in declaration order, or one
/// JSON object with --json. Exit codes: 0 ok, 1 run-time error, 2 usage or compile error.
///
/// Every run is recorded in the ledger of the home (--home, $RDX_HOME, else ~/.rdx): the
/// program, input and output states and history tape go to the store by CID, and `rdx log`
/// lists the run. --no-ledger (or RDX_NO_LEDGER=1) records nothing; a home that cannot be
/// written is a warning, and what the run prints never changes.
#[derive(clap::Args)]
#[command(mut_arg("input", |a| a.help(INPUT_HELP).long_help(INPUT_HELP)))]
pub struct Args {
    /// The program: rdx source (.rdx), Janus (.ja), a bytecode module (.rdxb), or the CID
    /// of a module in the store (a unique prefix of at least 8 hex digits will do).
    #[arg(value_name = "FILE|CID")]
    pub(crate) file: String,
    #[command(flatten)]
    pub(crate) inputs: Inputs,
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
    /// With --backend auto, use the fixed static rule, not the planner (refused with another
    /// backend).
    #[arg(long, alias = "no-ce1")]
    no_plan: bool,
    /// Do not record this run in the ledger (also: RDX_NO_LEDGER=1).
    #[arg(long)]
    no_ledger: bool,
    /// Run on the peer NAME (`rdx peer`): the program and input state it lacks are pushed,
    /// it runs there on the engine of --backend (auto: the static rule) and records the run,
    /// and the same run is recorded here. What is printed is what a local run prints.
    #[arg(long, value_name = "NAME")]
    on: Option<String>,
    #[command(flatten)]
    kernels: crate::kernels::KernelArgs,
}

/// What `--input` takes here: [`Inputs`]' text, and how a run's output gives its input back.
const INPUT_HELP: &str = "Read parameter values from FILE (`-`: stdin): the `name = value` lines \
     `rdx run` prints, or the JSON object `rdx run --json` prints (a Janus program's store as it \
     prints it). --set overrides single values. So `rdx run p.rdx --set n=9 > out.txt && rdx run \
     p.rdx --reverse --input out.txt` gives the input back (for a program that prints, run both \
     with --json: what it prints goes to stderr).";

impl From<Backend> for rdx_core::run::Backend {
    fn from(b: Backend) -> Self {
        match b {
            Backend::Interp => rdx_core::run::Backend::Interp,
            Backend::Jit => rdx_core::run::Backend::Jit,
            Backend::Auto => rdx_core::run::Backend::Auto,
        }
    }
}

pub fn run(args: Args, home: Option<&Path>) -> ExitCode {
    if args.no_plan && args.backend != Backend::Auto {
        let backend = if args.backend == Backend::Jit { "jit" } else { "interp" };
        return frontend::usage_error(&format!(
            "--no-plan chooses the static rule over the planner of --backend auto, but this run's \
             backend is {backend}: drop --no-plan, or give --backend auto"
        ));
    }
    let record =
        !args.no_ledger && std::env::var_os("RDX_NO_LEDGER").is_none_or(|v| v.is_empty() || v == "0");
    let kernels = match args.kernels.read() {
        Ok(k) => k,
        Err(code) => return code,
    };
    // The home is opened when the program is a CID or the run is recorded; a home that cannot
    // be opened only costs the record (a warning), unless the program has to come from it.
    let (home, home_error) = if record || args.on.is_some() || !Path::new(&args.file).exists() {
        match Home::open(home) {
            Ok(h) => (Some(h), None),
            Err(e) => (None, Some(e)),
        }
    } else {
        (None, None)
    };
    if let Some(h) = &home
        && let Err(code) = crate::cmd::net::ensure_local(h, &args.file)
    {
        return code;
    }
    let program = match frontend::load(&args.file, home.as_ref(), args.strict, &kernels) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let (gene, values, dir) = match args.inputs.resolve(&program) {
        Ok(r) => r,
        Err(e) => return frontend::fail(e),
    };
    if let Some(name) = &args.on {
        // On a peer, `auto` is the static rule: the planner weighs every peer and here.
        let (backend, _) = rdx_core::run::Backend::from(args.backend).resolve(&program.module);
        let Some(home) = &home else {
            return home_error.map_or(ExitCode::from(2), frontend::fail);
        };
        let remote = crate::cmd::net::Remote {
            home,
            peer: name,
            program: &program,
            gene,
            values,
            dir,
            kernels: &kernels,
            checked: args.checked,
            backend,
        };
        return remote.run(args.json, record);
    }
    let mut flags = Vec::new();
    if args.strict {
        flags.push("--strict".to_string());
    }
    if args.checked {
        flags.push("--checked".to_string());
    }
    // `--backend auto` asks the planner, which reads the ledger (the static rule without one):
    // run here on one engine, on a peer, or give back a recorded output.
    use crate::cmd::plan::{Allowed, Planned};
    let plain = kernels.is_empty() && !args.checked;
    let planned = match (&home, args.backend, args.no_plan) {
        (Some(h), Backend::Auto, false) => {
            let allowed = Allowed { peers: plain, reuse: plain };
            Some(crate::cmd::plan::choose(h, &program, gene, &values, dir, allowed, record))
        }
        _ => None,
    };
    let planned = match (planned, &home) {
        (Some((Planned::Remote(peer, backend), reason)), Some(home)) => {
            let remote = crate::cmd::net::Remote {
                home,
                peer: &peer,
                program: &program,
                gene,
                values: values.clone(),
                dir,
                kernels: &[],
                checked: false,
                backend,
            };
            let (started, clock) = (std::time::SystemTime::now(), std::time::Instant::now());
            match remote.exec() {
                Ok(done) => {
                    if record && let Err(e) = remote.record(&done) {
                        eprintln!("warning: this run was not recorded here: {e}");
                    }
                    return remote.print(&done, args.json);
                }
                // A peer that did not run it (unreachable, timed out, an error answer) rests,
                // as in `loop`, and the run goes on here by the static rule.
                Err(e) if crate::cmd::plan::peer_did_not_run(&e) => {
                    let arm = (peer.as_str(), backend);
                    crate::cmd::plan::peer_failed(
                        home,
                        &program,
                        gene,
                        &values,
                        dir,
                        arm,
                        clock.elapsed(),
                        &e,
                        started,
                    );
                    Some((
                        rdx_core::run::Backend::Auto,
                        format!("{reason}; {peer} did not run it: static rule here"),
                    ))
                }
                Err(e) => return crate::cmd::net::net_fail(e),
            }
        }
        (Some((Planned::Reuse(cached), reason)), Some(home)) => match reused(home, &program, gene, &cached) {
            Ok((printed, values)) => {
                write_printed(&printed, args.json);
                frontend::write_stdout(result_text(&program, gene, &values, args.json).as_bytes());
                return ExitCode::SUCCESS;
            }
            // The recorded output (or what the run printed) is gone or corrupt: run here, by
            // the static rule, saying so on stderr and in the new run's record.
            Err(e) => {
                let run = cached.run;
                eprintln!("warning: the output of run {run} cannot be reused: {e}; it runs here");
                let reason =
                    format!("{reason}; the output of run {run} could not be reused ({e}): static rule here");
                Some((rdx_core::run::Backend::Auto, reason))
            }
        },
        (Some((Planned::Local(b), reason)), _) => Some((b, reason)),
        _ => None,
    };
    let request = Request {
        program: &program,
        gene,
        args: values,
        dir,
        backend: planned.as_ref().map_or(args.backend.into(), |(b, _)| *b),
        kernels: &kernels,
        checked: args.checked,
        tape: Vec::new(),
        flags,
        parent: None,
        // The states go into the record; a run that is not recorded only prints its result.
        states: record,
        max_steps: None,
    };
    let flags = request.flags.clone();
    let outcome = match rdx_core::run::run(request) {
        Ok(o) => o,
        Err(e) => return frontend::fail(e),
    };
    let code = print_outcome(&program, gene, &outcome, args.json);
    if record {
        match (&home, home_error) {
            (Some(home), _) => {
                let mut facts = outcome.facts(&program, gene, &kernels, &flags, None);
                // The planner's reason, and how the run ended when it started on the interpreter.
                let planned_reason = planned.as_ref().map(|(_, reason)| match &outcome.tier {
                    Some(tier) => format!("{reason}; {tier}"),
                    None => reason.clone(),
                });
                if let Some(reason) = &planned_reason {
                    facts.backend_reason = Some(reason);
                }
                if let Err(e) = rdx_core::run::record(home, &facts, &outcome.exec) {
                    eprintln!("warning: this run was not recorded: {e}");
                }
            }
            (None, Some(e)) => eprintln!("warning: this run was not recorded: {e}"),
            (None, None) => {}
        }
    }
    code
}

/// What a reused run printed and its output values, from the store.
fn reused(
    home: &Home,
    program: &Program,
    gene: usize,
    cached: &rdx_core::planner::Cached,
) -> Result<(Vec<u8>, Vec<rdx_vm::Value>), rdx_core::CoreError> {
    let output = home.get(&rdx_core::Cid::parse(&cached.output)?)?;
    let values = rdx_core::state::decode(&program.module, gene, &output)?;
    let printed = match &cached.printed {
        Some(cid) => home.get(&rdx_core::Cid::parse(cid)?)?,
        None => Vec::new(),
    };
    Ok((printed, values))
}

/// Writes what the program printed (`print`, `printf`, `show`): on stdout before the result
/// lines, as jana does, or with `json` on stderr, so that stdout is the one JSON object.
pub fn write_printed(printed: &[u8], json: bool) {
    if printed.is_empty() {
        return;
    }
    if json {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(printed).and_then(|()| err.flush());
    } else {
        frontend::write_stdout(printed);
    }
}

/// Prints what a run printed, then its result (stdout) or its error (stderr); gives the exit
/// code. Shared by `run`, `replay` and `rewind`.
pub fn print_outcome(program: &Program, gene: usize, outcome: &Outcome, json: bool) -> ExitCode {
    write_printed(&outcome.exec.printed, json);
    match &outcome.exec.result {
        Ok(_) => {
            frontend::write_stdout(result_text(program, gene, &outcome.values, json).as_bytes());
            ExitCode::SUCCESS
        }
        Err(e) => {
            let d = e.to_diagnostic();
            // An error of no statement (bad arguments, R0116) shows no source line: the
            // program's first line is not where it is.
            match (&program.text, e.span()) {
                (Some(text), Some(_)) => frontend::report(&[d], &program.name, text),
                _ => {
                    eprintln!("error[{}]: {} ({})", d.code, d.message, program.name);
                    for h in &d.hints {
                        eprintln!("  = help: {h}");
                    }
                }
            }
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}

/// How a run prints its final values: `name = value` lines, or JSON with `json`.
pub fn result_text(program: &Program, gene: usize, values: &[rdx_vm::Value], json: bool) -> String {
    let m = &program.module;
    // Janus programs print their store as jana does (sorted, jana's notation).
    if m.dialect == rdx_lang::ast::Dialect::Janus && !json {
        rdx_vm::jana::format_store(m.genes[gene].params.iter().map(|p| p.name.as_str()).zip(values))
    } else {
        rdx_vm::values::format_result(m, gene, values, json)
    }
}
