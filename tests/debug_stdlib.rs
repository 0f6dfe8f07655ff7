//! The debugger against the interpreter on every `// run:` line of the stdlib and the spec's
//! examples: `continue` ends in the interpreter's final state and `rcontinue` in the inputs;
//! `goto` reaches the same state (frames, lines, every variable, the tape) from either side;
//! and stepping forward twice then back once, all along the run, turns around at each
//! statement boundary and lands on the state recorded there going forward.

use rdx_vm::engine::debug::{Debugger, FrameInfo, Motion, Stop, Var};
use rdx_vm::values::{parse_assignments, parse_value, zero};
use rdx_vm::{Direction, Engine, Interpreter, Module, Value};
use std::path::{Path, PathBuf};

/// Runs longer than this (instructions) are only checked at their ends and middle.
const WALK: u64 = 400;

type State = (u64, Vec<FrameInfo>, Vec<Vec<Var>>, usize);

fn state(d: &Debugger<'_>) -> State {
    let vars = (0..d.depth()).map(|k| d.variables(k)).collect();
    (d.position(), d.stack(), vars, d.tape().len())
}

fn params(d: &Debugger<'_>) -> Vec<Value> {
    d.variables(0).into_iter().filter(|v| v.param).map(|v| v.value).collect()
}

fn files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["stdlib", "spec/examples"]
        .iter()
        .filter_map(|dir| std::fs::read_dir(root.join(dir)).ok())
        .flat_map(|d| d.filter_map(|e| e.ok().map(|e| e.path())))
        .filter(|p| p.extension().is_some_and(|e| e == "rdx"))
        .collect();
    files.sort();
    files
}

fn inputs(m: &Module, gene: usize, text: &str) -> Vec<Value> {
    let g = &m.genes[gene];
    let mut out: Vec<Value> = g.params.iter().map(|p| zero(p.ty)).collect();
    for (name, v) in parse_assignments(text).expect("run line inputs") {
        let i = g.params.iter().position(|p| p.name == name).expect("a parameter");
        out[i] = parse_value(&v, g.params[i].ty, m.dialect).expect("a value");
    }
    out
}

/// Checks one run; returns the number of turns checked.
fn check(m: &Module, gene: usize, input: Vec<Value>, at: &str) -> usize {
    let mut want = input.clone();
    if Interpreter::new().run(m, gene, &mut want, Direction::Forward).is_err() {
        return 0; // kernels or deliberate errors: the CLI tests cover those
    }
    let mut d = Debugger::new(m, gene, input.clone(), Direction::Forward).expect("session");
    let start = state(&d);
    assert_eq!(d.advance(Motion::Continue, true), Stop::End, "{at}");
    assert_eq!(params(&d), want, "{at}: continue ends in the interpreter's state");
    let end = d.position();
    let last = state(&d);
    let mid = end / 2;
    d.goto(mid);
    let from_end = state(&d);
    assert_eq!(d.advance(Motion::Continue, false), Stop::Start, "{at}");
    assert_eq!(state(&d), start, "{at}: rcontinue ends where the run started");
    assert_eq!(params(&d), input, "{at}");
    d.goto(mid);
    assert_eq!(state(&d), from_end, "{at}: step {mid} from the start and from the end");
    d.goto(end);
    assert_eq!(state(&d), last, "{at}");
    assert_eq!(d.bytes_held(), 24 * d.tape().len(), "{at}");

    // Forward two, back one: a turn at every boundary of the walk.
    let mut turns = 0;
    if end <= WALK {
        d.goto(0);
        let mut seen = vec![state(&d)];
        while d.position() + 2 <= end {
            for _ in 0..2 {
                d.advance(Motion::Step, true);
                let s = state(&d);
                if s.0 as usize == seen.len() {
                    seen.push(s);
                }
            }
            d.advance(Motion::Step, false);
            let s = state(&d);
            assert_eq!(s, seen[s.0 as usize], "{at}: back at step {}", s.0);
            d.advance(Motion::Step, true);
            turns += 1;
        }
    }
    turns
}

#[test]
fn the_debugger_agrees_with_the_interpreter_both_ways_on_the_stdlib() {
    let mut runs = 0;
    let mut turns = 0;
    for path in files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.display().to_string();
        let Ok(program) = rdx_core::run::Program::from_source(
            text.clone(),
            name.clone(),
            rdx_lang::ast::Dialect::Rdx,
            false,
            &[],
        ) else {
            continue;
        };
        let m = &program.module;
        for (i, line) in text.lines().enumerate() {
            let Some(rest) = line.trim_start().strip_prefix("// run:") else { continue };
            let Some((lhs, _)) = rest.split_once("==") else { continue };
            let lhs = lhs.trim();
            let Some(open) = lhs.find('(') else { continue };
            let Some(gene) = m.gene_index(lhs[..open].trim()) else { continue };
            let args = lhs[open + 1..].strip_suffix(')').unwrap_or("");
            let input = inputs(m, gene, args);
            let at = format!("{name}:{}", i + 1);
            turns += check(m, gene, input, &at);
            runs += 1;
        }
    }
    assert!(runs > 50 && turns > 1000, "{runs} runs, {turns} turns checked");
}

#[test]
fn the_debugger_agrees_with_the_interpreter_on_janus_programs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/janus");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ja"))
        .collect();
    paths.sort();
    let mut turns = 0;
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.display().to_string();
        let Ok(program) = rdx_core::run::Program::from_source(
            text,
            name.clone(),
            rdx_lang::ast::Dialect::Janus,
            false,
            &[],
        ) else {
            continue;
        };
        let m = &program.module;
        let Some(gene) = m.default_entry() else { continue };
        let input = m.genes[gene].params.iter().map(|p| zero(p.ty)).collect();
        turns += check(m, gene, input, &name);
    }
    assert!(turns > 500, "{turns} turns checked");
}
