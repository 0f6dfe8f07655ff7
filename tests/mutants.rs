//! Mutants of the programs in this repository (the stdlib, the benchmark suite, the Janus
//! tests): lines deleted, repeated, swapped or cut short, and words, numbers and operators
//! replaced, a few at a time. Whatever the text, loading it gives a program or diagnostics that
//! render, never a panic. A mutant that loads is run on random inputs: the interpreter and the
//! JIT give the same final state or the same error, a forward run that ends is undone by the
//! backward run on both engines and by the inverse program (`rdx invert`, printed and loaded
//! again), and the module's bytecode decodes to the same module.
//!
//! The generated programs of `jit/tests/differential.rs` come from a grammar; these come from
//! the shapes people wrote, broken in the ways an edit breaks them.

use rdx_core::run::{LoadError, Program};
use rdx_lang::ast::{Dialect, Elem, Type};
use rdx_vm::engine::Limits;
use rdx_vm::{Direction, Engine, Interpreter, Module, RunError, RunErrorKind, Value};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

/// Mutants made (a fixed seed: the same ones every run).
const MUTANTS: usize = 1000;
/// Steps a run may take on the interpreter; a run that takes more is not compared.
const STEPS: u64 = 20_000;

/// xorshift64: the mutants and inputs are reproducible from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The programs to mutate: every `.rdx` and `.ja` file of the folders, except those with
/// kernel statements (they need a kernel host).
fn programs() -> Vec<(PathBuf, Dialect, String)> {
    let mut out = Vec::new();
    for dir in ["stdlib", "vm/benches/suite", "tests/janus"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("a folder of programs")
            .map(|e| e.expect("an entry").path())
            .collect();
        paths.sort();
        for path in paths {
            let dialect = match path.extension().and_then(|e| e.to_str()) {
                Some("rdx") => Dialect::Rdx,
                Some("ja") => Dialect::Janus,
                _ => continue,
            };
            let text = std::fs::read_to_string(&path).expect("a program");
            if !text.contains("kernel") {
                out.push((path, dialect, text));
            }
        }
    }
    out
}

const OPERATORS: [&str; 24] = [
    "+=", "-=", "^=", "<=>", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "&", "|", "^", "<<",
    ">>", "&&", "||", "!", "=",
];
const NUMBERS: [&str; 11] =
    ["0", "1", "2", "3", "7", "63", "64", "65", "255", "4294967296", "18446744073709551615"];

/// `text` with one to three edits.
fn mutate(text: &str, r: &mut Rng) -> String {
    let words: Vec<&str> =
        text.split(|c: char| !c.is_alphanumeric() && c != '_').filter(|w| !w.is_empty()).collect();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for _ in 0..1 + r.below(3) {
        if lines.is_empty() {
            break;
        }
        let i = r.below(lines.len());
        match r.below(8) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let line = lines[i].clone();
                let at = r.below(lines.len());
                lines.insert(at, line);
            }
            2 => {
                let j = r.below(lines.len());
                lines.swap(i, j);
            }
            3 | 4 => {
                let parts: Vec<&str> = lines[i].split(' ').filter(|w| !w.is_empty()).collect();
                if !parts.is_empty() {
                    let from = r.pick(&parts).to_string();
                    let to = r.pick(&words);
                    lines[i] = lines[i].replacen(&from, to, 1);
                }
            }
            5 => {
                let line = &lines[i];
                if let Some(start) = line.find(|c: char| c.is_ascii_digit()) {
                    let end =
                        line[start..].find(|c: char| !c.is_ascii_digit()).map_or(line.len(), |e| start + e);
                    lines[i] = format!("{}{}{}", &line[..start], r.pick(&NUMBERS), &line[end..]);
                }
            }
            6 => {
                let (from, to) = (*r.pick(&OPERATORS), *r.pick(&OPERATORS));
                lines[i] = lines[i].replacen(from, to, 1);
            }
            _ => {
                let line = &lines[i];
                let mut cut = r.below(line.len() + 1);
                while !line.is_char_boundary(cut) {
                    cut -= 1;
                }
                lines[i] = line[..cut].to_string();
            }
        }
    }
    lines.join("\n")
}

/// Random values for gene `gene`'s parameters; None when it takes a float buffer.
fn inputs(m: &Module, gene: usize, r: &mut Rng) -> Option<Vec<Value>> {
    let word = |r: &mut Rng| match r.below(4) {
        0 => r.next(),
        1 => r.next() % 1000,
        _ => r.next() % 20,
    };
    m.genes[gene]
        .params
        .iter()
        .map(|p| match p.ty {
            Type::U64 | Type::I64 => Some(Value::Int(word(r))),
            Type::Fixed(_) => Some(Value::Int(r.next() % 100)),
            Type::Array(Elem::U64 | Elem::I64, n) if n <= 4096 => {
                Some(Value::Array((0..n).map(|_| word(r)).collect()))
            }
            Type::Stack => Some(Value::Stack((0..r.below(4)).map(|_| word(r)).collect())),
            Type::Array(..) => None,
        })
        .collect()
}

/// A run's result in a comparable form: the final values, or the error's code and message.
fn outcome(result: &Result<rdx_vm::RunReport, RunError>, values: &[Value]) -> Result<Vec<Value>, String> {
    match result {
        Ok(_) => Ok(values.to_vec()),
        Err(e) => {
            let d = e.to_diagnostic();
            Err(format!("{}: {}", d.code, d.message))
        }
    }
}

/// Whether a run stopped at a limit (such runs are not compared).
fn limited(result: &Result<rdx_vm::RunReport, RunError>) -> bool {
    matches!(result, Err(e) if matches!(
        e.kind,
        RunErrorKind::StepLimit { .. }
            | RunErrorKind::RecursionLimit { .. }
            | RunErrorKind::MemoryLimit { grown: rdx_vm::Grown::Frames, .. }
    ))
}

/// Runs gene `gene` of `m` (compiled from `text`) from `input` in `dir` on the interpreter
/// and the JIT: what they disagree on, or None, and the interpreter's outcome (None when it
/// hit a limit). An error's report is rendered against the text.
fn compare(
    m: &Module,
    text: &str,
    gene: usize,
    input: &[Value],
    dir: Direction,
) -> (Option<String>, Option<Result<Vec<Value>, String>>) {
    let mut interp = Interpreter::with_limits(Limits { max_steps: STEPS, ..Limits::default() });
    let mut a = input.to_vec();
    let ran = interp.run(m, gene, &mut a, dir);
    if limited(&ran) {
        return (None, None);
    }
    if let Err(e) = &ran {
        assert!(!rdx_lang::report::render(&[e.to_diagnostic()], "mutant", text, false).is_empty());
    }
    let expected = outcome(&ran, &a);
    let mut b = input.to_vec();
    let ran = rdx_jit::Jit::new().run(m, gene, &mut b, dir);
    let got = outcome(&ran, &b);
    let differs =
        (got != expected).then(|| format!("{dir:?} from {input:?}: interpreter {expected:?}, JIT {got:?}"));
    (differs, Some(expected))
}

/// What is wrong with gene `gene` of the loaded mutant `m` (compiled from `text`, its inverse
/// program compiled as `inverse`) on a random input, or None.
fn check_gene(m: &Module, text: &str, inverse: Option<&Module>, gene: usize, r: &mut Rng) -> Option<String> {
    let input = inputs(m, gene, r)?;
    let (differs, forward) = compare(m, text, gene, &input, Direction::Forward);
    if differs.is_some() {
        return differs;
    }
    if let (Some(Ok(end)), Some(inv)) = (&forward, inverse) {
        // The inverse program run forward from where the run ended: the input again (unless
        // the gene is lossy: then it needs the forward run's tape).
        let ig = inv.gene_index(&m.genes[gene].name).expect("the inverse keeps the gene's name");
        let mut interp = Interpreter::with_limits(Limits { max_steps: STEPS, ..Limits::default() });
        let mut back = end.clone();
        let ran = interp.run(inv, ig, &mut back, Direction::Forward);
        let lossy = matches!(&ran, Err(e) if e.kind == RunErrorKind::NoHistory);
        if !limited(&ran) && !lossy && outcome(&ran, &back) != Ok(input.clone()) {
            return Some(format!(
                "the inverse from {end:?} gave {:?}, not the input {input:?}",
                outcome(&ran, &back)
            ));
        }
    }
    if let Some(Ok(end)) = forward {
        // Backward from where the forward run ended: the input again, on both engines.
        let (differs, backward) = compare(m, text, gene, &end, Direction::Backward);
        if differs.is_some() {
            return differs;
        }
        if backward.as_ref().is_some_and(|b| b.as_ref() != Ok(&input)) {
            return Some(format!("backward from {end:?} gave {backward:?}, not the input {input:?}"));
        }
    }
    // Backward from the random input, on the module decoded from its bytecode.
    let bytes = m.encode();
    let decoded = match Module::decode(&bytes) {
        Ok(d) => d,
        Err(e) => return Some(format!("its bytecode does not load: {e}")),
    };
    if decoded.encode() != bytes {
        return Some("its bytecode decodes to another module".into());
    }
    compare(&decoded, text, gene, &input, Direction::Backward).0
}

#[test]
fn mutants_of_the_repository_programs_load_or_are_refused_and_run_alike_on_both_engines() {
    let programs = programs();
    assert!(programs.len() >= 40, "the stdlib, suite and Janus programs: {}", programs.len());
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut loaded, mut runs, mut problems) = (0, 0, Vec::new());
    for n in 0..MUTANTS {
        let (path, dialect, text) = r.pick(&programs);
        let mutant = mutate(text, &mut r);
        let verdict = catch_unwind(AssertUnwindSafe(|| {
            let program = match Program::from_source(mutant.clone(), "mutant".into(), *dialect, false, &[]) {
                Ok(p) => p,
                Err(LoadError::Compile { diagnostics, name, text }) => {
                    assert!(diagnostics.iter().any(|d| d.is_error()), "refused without an error");
                    let shown = rdx_lang::report::render(&diagnostics, &name, &text, false);
                    assert!(!shown.is_empty());
                    return (false, 0, None);
                }
                Err(LoadError::Core(e)) => return (false, 0, Some(format!("not a compile error: {e}"))),
            };
            let m = &program.module;
            // Its inverse prints as rdx source that loads again (a Janus program's inverse is
            // rdx with rdx's arithmetic: spec/janus.md).
            let inverse = match (*dialect, &program.checked) {
                (Dialect::Rdx, Some(checked)) => {
                    let inverse = rdx_lang::invert::invert_program(&checked.program);
                    let text = rdx_lang::print::print_program(&inverse);
                    match Program::from_source(text.clone(), "inverse".into(), Dialect::Rdx, false, &[]) {
                        Ok(p) => Some(p.module),
                        Err(_) => return (true, 0, Some(format!("its inverse does not load:\n{text}"))),
                    }
                }
                _ => None,
            };
            let mut ran = 0;
            for gene in 0..m.genes.len().min(3) {
                if let Some(why) = check_gene(m, &mutant, inverse.as_ref(), gene, &mut r) {
                    return (true, ran, Some(format!("gene `{}`: {why}", m.genes[gene].name)));
                }
                ran += 1;
            }
            (true, ran, None)
        }));
        match verdict {
            Ok((ok, ran, problem)) => {
                loaded += ok as usize;
                runs += ran;
                if let Some(why) = problem {
                    problems.push(format!("mutant {n} of {}: {why}\n{mutant}", path.display()));
                }
            }
            Err(_) => problems.push(format!("mutant {n} of {}: panicked\n{mutant}", path.display())),
        }
    }
    assert!(problems.is_empty(), "{} of {MUTANTS} mutants:\n\n{}", problems.len(), problems.join("\n\n"));
    // The mutants exercise both sides: many are refused, many load and run.
    assert!((MUTANTS / 5..=MUTANTS * 4 / 5).contains(&loaded), "{loaded} of {MUTANTS} loaded");
    assert!(runs >= MUTANTS / 5, "{runs} genes ran");
}
