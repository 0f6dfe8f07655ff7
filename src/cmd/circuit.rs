//! `rdx circuit FILE --entry G`: a gene over fixed-width state as a reversible circuit. The
//! compiler is `rdx_core::circuit`; this file is options and printing.

use crate::frontend;
use rdx_core::circuit::{self, Circuit};
use std::path::PathBuf;
use std::process::ExitCode;

/// The text format of `rdx circuit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// OpenQASM 3 with `stdgates.inc`: x, cx, ccx, swap, `ctrl(k) @ x`.
    Qasm3,
    /// RevLib `.real`: t1…tn (Toffoli family) and f2 (swap).
    Real,
}

/// Compile a gene over fixed-width state (u8 u16 u32 i8 i16 i32 parameters) to a reversible
/// circuit of X, CNOT, Toffoli, multi-controlled X and SWAP gates.
///
/// Each parameter gets a register named after it (bit i of its value on qubit i), ancillas a
/// register `anc`; every ancilla ends at zero and every parameter's final value on its own
/// register. `+=`/`-=` use the Cuccaro–Draper–Kutin–Moulton ripple-carry adder (one ancilla),
/// rotations and swaps are rewiring, `if … fi` is a controlled block, loops with constant trip
/// counts are unrolled and calls inlined (spec/circuits.md). The circuit goes to stdout (or -o
/// FILE), the report (qubits, ancillas, gates by kind, Toffoli count, depth) to stderr. A
/// statement with no circuit is an error at its span (exit code 2). A gene that fails from
/// some state (a `fi` or a `delocal` that does not hold) matches its circuit only on the states
/// it runs from: for at most 20 bits of state every state is run, and a warning names the
/// first that fails.
///
/// Example: rdx circuit stdlib/speck32.rdx --entry speck_round8 -o round.qasm
#[derive(clap::Args)]
#[command(mut_arg("kernel", |a| a.help(KERNEL_HELP).long_help(KERNEL_HELP)))]
pub struct Args {
    /// The program (rdx source or Janus).
    #[arg(value_name = "FILE")]
    file: String,
    /// The gene (default: `main`, else the only gene).
    #[arg(long, value_name = "GENE")]
    entry: Option<String>,
    /// The text format.
    #[arg(long, value_enum, default_value = "qasm3")]
    format: Format,
    /// Write the circuit to this file instead of stdout.
    #[arg(short = 'o', value_name = "OUT")]
    output: Option<PathBuf>,
    #[command(flatten)]
    kernels: crate::kernels::KernelArgs,
}

/// What `--kernel` does here: the program compiles, but a kernel statement has no circuit.
const KERNEL_HELP: &str = "Load a user kernel (a WebAssembly module with `rdx.kernel` metadata, \
     see spec/kernels.md), so that a program whose genes call it compiles. Repeatable. A \
     `kernel` statement in the gene compiled has no circuit (an error at its span).";

pub fn run(args: Args) -> ExitCode {
    let kernels = match args.kernels.read() {
        Ok(k) => k,
        Err(code) => return code,
    };
    let program = match frontend::load(&args.file, None, false, &kernels) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let gene = match program.entry(args.entry.as_deref()) {
        Ok(g) => g,
        Err(e) => return frontend::fail(e),
    };
    let (Some(checked), Some(text)) = (&program.checked, &program.text) else {
        return frontend::usage_error("rdx circuit needs source (.rdx or .ja), not a bytecode module");
    };
    let name = program.module.genes[gene].name.clone();
    let c = match circuit::compile(&checked.program, &name) {
        Ok(c) => c,
        Err(e) => {
            let d = rdx_lang::diag::Diagnostic::error(rdx_lang::diag::Code::E0218, e.message, e.span);
            frontend::report(&[d], &program.name, text);
            return ExitCode::from(2);
        }
    };
    let out = match args.format {
        Format::Qasm3 => c.qasm3(),
        Format::Real => c.real(),
    };
    match &args.output {
        Some(p) => {
            if let Err(e) = std::fs::write(p, &out) {
                eprintln!("error: {}: {e}", p.display());
                return ExitCode::from(1);
            }
        }
        None => print!("{out}"),
    }
    eprint!("{}", report(&c, &name));
    if let Some(why) = circuit::partial(&program.module, gene) {
        eprintln!("warning: {why}");
    }
    ExitCode::SUCCESS
}

/// The report: qubits, ancillas, gates by kind, Toffoli count and depth.
pub fn report(c: &Circuit, gene: &str) -> String {
    let counts: Vec<String> = c.counts().iter().map(|(k, n)| format!("{k} {n}")).collect();
    let toffoli = c.counts()[2].1;
    format!(
        "circuit {gene}: {} qubits ({} ancillas), {} gates ({}), toffoli {toffoli}, depth {}\n",
        c.qubits(),
        c.ancillas,
        c.gates.len(),
        counts.join(", "),
        c.depth()
    )
}
