//! `rdx perm FILE --entry G`: a gene over fixed-width state as a permutation of its states.
//! The enumeration is `rdx_core::perm`; this file is options and printing.

use crate::frontend;
use rdx_core::Home;
use rdx_core::perm::{self, Permutation};
use rdx_vm::Engine;
use rdx_vm::values::format_state;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Run a gene forward from every state of its parameters and report the permutation.
///
/// The gene's parameters must be fixed-width integers (u8 u16 u32 i8 i16 i32), at most 24 bits
/// in all. A state's number concatenates the parameters' values, the first parameter in the
/// lowest bits (`x: u8, y: u8`: state x + 256·y). rdx perm proves the gene a bijection by
/// exhaustion and prints the number of states, the cycle type (cycle length × count), the
/// order (exact), the fixed points and the CID of the permutation table (the images of states
/// 0, 1, … as little-endian u32), which is kept in the home's store (--home, $RDX_HOME,
/// ~/.rdx; --no-store keeps nothing).
///
/// A state where the gene fails (an assertion, a delocal) makes it partial: the first such
/// state is reported and the exit code is 1. Two states with the same image (a lossy gene)
/// are reported too (exit code 1). Each state's run has a budget of --max-steps instructions
/// (default 10000000), checked each time a loop goes around and at each call: a run found past
/// it there stops the sweep, with that state named (exit code 1), so a gene that never stops
/// from some state is reported, not run forever. Code with no loop or call is never stopped.
///
/// Example: rdx perm stdlib/speck32.rdx --entry speck_round8 --json
#[derive(clap::Args)]
#[command(mut_arg("kernel", |a| a.help(KERNEL_HELP).long_help(KERNEL_HELP)))]
pub struct Args {
    /// The program: rdx source (.rdx), Janus (.ja), a bytecode module (.rdxb), or a CID.
    #[arg(value_name = "FILE|CID")]
    file: String,
    /// The gene (default: `main`, else the only gene).
    #[arg(long, value_name = "GENE")]
    entry: Option<String>,
    /// Print one JSON object: states, bits, bijective, order (a JSON integer of any size),
    /// fixed_points, cycle_type (cycle length → count), cid, partial and collision (null where
    /// they do not apply), and with --table the table.
    #[arg(long)]
    json: bool,
    /// Also print the table: `s -> π(s)` per state (with --json, a `table` array).
    #[arg(long)]
    table: bool,
    /// Do not keep the table in the home's store (the CID is still printed).
    #[arg(long)]
    no_store: bool,
    /// The execution engine: `interp` (the default), `jit` or `auto`. The JIT counts no
    /// instructions: `jit` runs with no step budget (a gene that never stops from some state
    /// never finishes) and refuses --max-steps; `auto` runs on the interpreter, which keeps the
    /// budget (a sweep has no planner).
    #[arg(long, value_enum, default_value = "interp", hide_possible_values = true)]
    backend: crate::cmd::run::Backend,
    /// The instructions each state's run may execute (from 1; default 10000000). Every
    /// instruction counts, but the count is checked only when a loop goes around and at each
    /// call: a run found past the budget there stops the sweep with an error naming that state.
    /// Code with no loop or call is never stopped (it always finishes).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_steps: Option<u64>,
    #[command(flatten)]
    kernels: crate::kernels::KernelArgs,
}

/// What `--kernel` does here: the program compiles, but the gene itself may call no kernel.
const KERNEL_HELP: &str = "Load a user kernel (a WebAssembly module with `rdx.kernel` metadata, \
     see spec/kernels.md), so that a program whose genes call it compiles. Repeatable. The gene \
     swept may not call a kernel (directly or through its callees): kernels are not run here.";

pub fn run(args: Args, home: Option<&Path>) -> ExitCode {
    // The table goes to the home's store: a home that cannot be opened is an error (as for
    // every command that records), unless nothing is stored and the program is a file.
    let home = if args.no_store && Path::new(&args.file).exists() {
        None
    } else {
        match Home::open(home) {
            Ok(h) => Some(h),
            Err(e) => return frontend::fail(e),
        }
    };
    let kernels = match args.kernels.read() {
        Ok(k) => k,
        Err(code) => return code,
    };
    let program = match frontend::load(&args.file, home.as_ref(), false, &kernels) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let gene = match program.entry(args.entry.as_deref()) {
        Ok(g) => g,
        Err(e) => return frontend::fail(e),
    };
    let mut engine = match engine(args.backend, args.max_steps) {
        Ok(e) => e,
        Err(msg) => return frontend::usage_error(msg),
    };
    let p = match perm::permutation(engine.as_mut(), &program.module, gene) {
        Ok(p) => p,
        Err(e) => return frontend::fail(e),
    };
    let m = &program.module;
    let params = &m.genes[gene].params;
    if let (Some((_, e)), Some(why)) = (&p.partial, p.failure(m, gene, "--max-steps")) {
        if args.json {
            print!("{}", json(&p, m, gene, None, args.table));
        } else {
            println!("{why}");
        }
        let d = e.to_diagnostic();
        match &program.text {
            Some(text) => frontend::report(&[d], &program.name, text),
            None => eprintln!("error[{}]: {} ({})", d.code, d.message, program.name),
        }
        return ExitCode::from(crate::cmd::run::EXIT_RUNTIME);
    }
    let bytes = p.table_bytes();
    let cid = match (&home, args.no_store) {
        (Some(h), false) => match h.put(&bytes) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("warning: the table was not stored: {e}");
                rdx_core::Cid::of(&bytes)
            }
        },
        _ => rdx_core::Cid::of(&bytes),
    };
    let text = if args.json {
        json(&p, m, gene, Some(&cid.to_string()), args.table)
    } else {
        report(&p, m, gene, &cid.to_string(), args.table)
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    if let Some((a, b, img)) = p.collision {
        let (sa, sb) = (
            format_state(params, &p.domain.decode(a), m.dialect),
            format_state(params, &p.domain.decode(b), m.dialect),
        );
        eprintln!("error: not a bijection: states {a} {sa} and {b} {sb} both go to state {img}");
        return ExitCode::from(crate::cmd::run::EXIT_RUNTIME);
    }
    ExitCode::SUCCESS
}

fn cycle_list(p: &Permutation) -> Vec<(u64, u64)> {
    p.cycle_type().iter().map(|(&l, &c)| (l, c)).collect()
}

/// The engine for `--backend` and `--max-steps`: the interpreter with the step budget, or the
/// JIT with none (it counts no instructions, so it refuses a budget asked for; `auto` keeps
/// the budget and so runs on the interpreter).
fn engine(
    backend: crate::cmd::run::Backend,
    max_steps: Option<u64>,
) -> Result<Box<dyn Engine>, &'static str> {
    use crate::cmd::run::Backend;
    match (backend, max_steps) {
        (Backend::Jit, None) => Ok(rdx_core::run::Backend::Jit.engine()),
        (Backend::Jit, Some(_)) => {
            Err("the JIT counts no instructions, so it cannot keep --max-steps: drop \
             --max-steps (the JIT then runs every state with no budget) or --backend jit")
        }
        (Backend::Interp | Backend::Auto, steps) => Ok(Box::new(perm::sweeper(steps))),
    }
}

/// The `--json` object, every field in every case (spec/circuits.md §2): `order`,
/// `fixed_points` null and `cycle_type` empty unless the gene is a bijection; `cid` null when
/// there is no table (`cid` None: a partial gene); `partial` and `collision` null unless the
/// gene is partial or lossy; `table` (with `table`) null for a partial gene.
fn json(p: &Permutation, m: &rdx_vm::Module, gene: usize, cid: Option<&str>, table: bool) -> String {
    let fixed = p.cycle_type().get(&1).copied().unwrap_or(0);
    let cycles: Vec<String> = cycle_list(p).iter().map(|(l, c)| format!("\"{l}\": {c}")).collect();
    let params = &m.genes[gene].params;
    let partial = match &p.partial {
        Some((s, e)) => format!(
            "{{\"state\": {s}, \"values\": {}, \"error\": {}, \"code\": \"{}\"}}",
            format_state(params, &p.domain.decode(*s), m.dialect),
            rdx_vm::values::json_string(&e.kind.message()),
            e.kind.code()
        ),
        None => "null".into(),
    };
    let collision = match p.collision {
        Some((a, b, img)) => format!("{{\"states\": [{a}, {b}], \"image\": {img}}}"),
        None => "null".into(),
    };
    let mut s = format!(
        "{{\"states\": {}, \"bits\": {}, \"bijective\": {}, \"order\": {}, \"fixed_points\": {}, \"cycle_type\": {{{}}}, \"cid\": {}, \"partial\": {partial}, \"collision\": {collision}",
        p.domain.states(),
        p.domain.bits(),
        p.bijective(),
        if p.bijective() { p.order() } else { "null".into() },
        if p.bijective() { fixed.to_string() } else { "null".into() },
        cycles.join(", "),
        cid.map_or("null".into(), |c| format!("\"{c}\"")),
    );
    if table {
        if p.partial.is_some() {
            s.push_str(", \"table\": null");
        } else {
            let items: Vec<String> = p.table.iter().map(|x| x.to_string()).collect();
            let _ = write!(s, ", \"table\": [{}]", items.join(", "));
        }
    }
    s.push_str("}\n");
    s
}

fn report(p: &Permutation, m: &rdx_vm::Module, gene: usize, cid: &str, table: bool) -> String {
    let g = &m.genes[gene];
    let params: Vec<String> = g.params.iter().map(|q| format!("{}: {}", q.name, q.ty)).collect();
    let mut s = format!(
        "gene {}({}): {} bits, {} states\n",
        g.name,
        params.join(", "),
        p.domain.bits(),
        p.domain.states()
    );
    if p.bijective() {
        let cycles: Vec<String> = cycle_list(p).iter().map(|(l, c)| format!("{l}×{c}")).collect();
        let _ = writeln!(s, "bijective: yes (every state has one image and no two share one)");
        let _ = writeln!(s, "cycle type: {}", cycles.join(" "));
        let _ = writeln!(s, "order: {}", p.order());
        let _ = writeln!(s, "fixed points: {}", p.cycle_type().get(&1).copied().unwrap_or(0));
    } else {
        let _ = writeln!(s, "bijective: no");
    }
    let _ = writeln!(s, "cid: {cid}");
    if table {
        for (i, x) in p.table.iter().enumerate() {
            let _ = writeln!(s, "{i} -> {x}");
        }
    }
    s
}
