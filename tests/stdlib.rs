//! Runs every `// run:` expectation of every `stdlib/*.rdx` and `spec/examples/*.rdx` program
//! on every engine, forward and backward.
//!
//! A line `// run: gene(a=1, b=[1,2]) == (a=0, b=[2,1])` means: running `gene` forward from
//! those inputs (unset parameters are 0) gives exactly those outputs (unset: 0); and running it
//! backward from the outputs gives the inputs back. The engines are listed in [`engines`]; a new
//! engine (the JIT) is one more entry there.

use rdx_vm::values::{parse_value, zero};
use rdx_vm::{Direction, Engine, Interpreter, Module, Value};
use std::path::{Path, PathBuf};

/// Every engine the expectations run on.
fn engines() -> Vec<Box<dyn Engine>> {
    vec![Box::new(Interpreter::new()), Box::new(rdx_jit::Jit::new())]
}

/// One `// run:` line.
#[derive(Debug)]
struct RunLine {
    line: usize,
    gene: String,
    inputs: Vec<(String, String)>,
    outputs: Vec<(String, String)>,
}

fn assignments(s: &str) -> Result<Vec<(String, String)>, String> {
    rdx_vm::values::parse_assignments(s).map_err(|e| e.to_string())
}

fn parse_run_line(line: usize, text: &str) -> Result<RunLine, String> {
    let (lhs, rhs) = text.split_once("==").ok_or("missing `==`")?;
    let lhs = lhs.trim();
    let open = lhs.find('(').ok_or("missing `(` after the gene name")?;
    let gene = lhs[..open].trim().to_string();
    let args = lhs[open + 1..].strip_suffix(')').ok_or("missing `)` after the inputs")?;
    let rhs = rhs.trim();
    let outs = rhs.strip_prefix('(').and_then(|r| r.strip_suffix(')')).ok_or("outputs must be `(…)`")?;
    Ok(RunLine { line, gene, inputs: assignments(args)?, outputs: assignments(outs)? })
}

/// The `// run:` lines of a source text.
fn run_lines(src: &str) -> Vec<Result<RunLine, String>> {
    src.lines()
        .enumerate()
        .filter_map(|(i, l)| l.trim_start().strip_prefix("// run:").map(|r| (i + 1, r)))
        .map(|(i, r)| parse_run_line(i, r).map_err(|e| format!("line {i}: {e}")))
        .collect()
}

fn compile(path: &Path) -> Result<(Module, String), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let name = path.display().to_string();
    let render = |d: &[rdx_lang::diag::Diagnostic]| rdx_lang::report::render(d, &name, &text, false);
    let prog = rdx_lang::parser::parse(&text).map_err(|d| render(&d))?;
    let checked = rdx_lang::check::check(&prog, &Default::default()).map_err(|d| render(&d))?;
    let m = rdx_vm::compile(&checked, &name, &text).map_err(|d| render(&d))?;
    Ok((m, text))
}

fn values(m: &Module, gene: usize, sets: &[(String, String)]) -> Result<Vec<Value>, String> {
    let g = &m.genes[gene];
    let mut out: Vec<Value> = g.params.iter().map(|p| zero(p.ty)).collect();
    for (name, text) in sets {
        let i =
            g.params.iter().position(|p| p.name == *name).ok_or_else(|| format!("no parameter `{name}`"))?;
        out[i] = parse_value(text, g.params[i].ty, m.dialect).map_err(|e| format!("`{name}`: {e}"))?;
    }
    Ok(out)
}

fn show(m: &Module, gene: usize, v: &[Value]) -> String {
    rdx_vm::values::format_result(m, gene, v, true)
}

/// Checks one run line on one engine; returns a failure description.
fn check_line(engine: &mut dyn Engine, m: &Module, text: &str, file: &str, rl: &RunLine) -> Option<String> {
    let at = format!("{file}:{} [{}]", rl.line, engine.name());
    let Some(gene) = m.gene_index(&rl.gene) else { return Some(format!("{at}: no gene `{}`", rl.gene)) };
    let (input, expected) = match (values(m, gene, &rl.inputs), values(m, gene, &rl.outputs)) {
        (Ok(i), Ok(o)) => (i, o),
        (Err(e), _) | (_, Err(e)) => return Some(format!("{at}: {e}")),
    };
    let render = |e: &rdx_vm::RunError| rdx_lang::report::render(&[e.to_diagnostic()], file, text, false);
    let mut state = input.clone();
    if let Err(e) = engine.run(m, gene, &mut state, Direction::Forward) {
        return Some(format!("{at}: forward run failed:\n{}", render(&e)));
    }
    if state != expected {
        return Some(format!(
            "{at}: forward\n  expected {}  got      {}",
            show(m, gene, &expected),
            show(m, gene, &state)
        ));
    }
    if let Err(e) = engine.run(m, gene, &mut state, Direction::Backward) {
        return Some(format!("{at}: backward run failed:\n{}", render(&e)));
    }
    if state != input {
        return Some(format!(
            "{at}: backward from the outputs\n  expected {}  got      {}",
            show(m, gene, &input),
            show(m, gene, &state)
        ));
    }
    None
}

/// The stdlib programs and the spec's example programs (the docs show files the tests run).
fn stdlib_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["stdlib", "spec/examples"]
        .iter()
        .filter_map(|dir| std::fs::read_dir(root.join(dir)).ok())
        .flat_map(|d| d.filter_map(|e| e.ok().map(|e| e.path())))
        .collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "rdx"));
    files.sort();
    files
}

#[test]
fn stdlib_run_lines_hold_forward_and_backward_on_every_engine() {
    let files = stdlib_files();
    assert!(!files.is_empty(), "no stdlib programs found");
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in &files {
        let file = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(path).display().to_string();
        let (m, text) = match compile(path) {
            Ok(x) => x,
            Err(e) => {
                failures.push(format!("{file}: does not compile:\n{e}"));
                continue;
            }
        };
        let lines = run_lines(&text);
        if lines.is_empty() {
            failures.push(format!("{file}: no `// run:` lines"));
        }
        for rl in lines {
            let rl = match rl {
                Ok(rl) => rl,
                Err(e) => {
                    failures.push(format!("{file}: {e}"));
                    continue;
                }
            };
            for mut engine in engines() {
                checked += 1;
                if let Some(f) = check_line(engine.as_mut(), &m, &text, &file, &rl) {
                    failures.push(f);
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} run lines failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!("{checked} run lines hold forward and backward on {} files", files.len());
}

#[test]
fn run_line_syntax() {
    let rl = parse_run_line(1, " fib(n=10, a=[1, 2]) == (n=0, x1=89)").unwrap();
    assert_eq!(rl.gene, "fib");
    assert_eq!(rl.inputs, vec![("n".into(), "10".into()), ("a".into(), "[1, 2]".into())]);
    assert_eq!(rl.outputs, vec![("n".into(), "0".into()), ("x1".into(), "89".into())]);
    assert!(parse_run_line(1, "fib(n=1)").is_err());
}
