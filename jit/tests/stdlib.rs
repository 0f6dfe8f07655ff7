//! Every `// run:` line of every `stdlib/*.rdx` program, on the JIT against the interpreter:
//! forward from the inputs and backward from the outputs, states and errors compared, and the
//! forward result checked against the line's expectation.

use rdx_jit::Jit;
use rdx_vm::values::{parse_assignments, parse_value, zero};
use rdx_vm::{Direction, Engine, Interpreter, Module, Value};
use std::path::Path;

fn compile(text: &str, name: &str) -> Module {
    let prog = rdx_lang::parser::parse(text).unwrap_or_else(|d| panic!("{name}: parse: {d:?}"));
    let checked =
        rdx_lang::check::check(&prog, &Default::default()).unwrap_or_else(|d| panic!("{name}: check: {d:?}"));
    rdx_vm::compile(&checked, name, text).unwrap_or_else(|d| panic!("{name}: compile: {d:?}"))
}

fn values(m: &Module, gene: usize, text: &str) -> Vec<Value> {
    let g = &m.genes[gene];
    let mut out: Vec<Value> = g.params.iter().map(|p| zero(p.ty)).collect();
    for (name, v) in parse_assignments(text).expect("assignments") {
        let i = g.params.iter().position(|p| p.name == name).expect("parameter");
        out[i] = parse_value(&v, g.params[i].ty, m.dialect).expect("value");
    }
    out
}

#[test]
fn stdlib_run_lines_on_the_jit_match_the_interpreter() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../stdlib");
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).expect("stdlib").filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "rdx"));
    files.sort();
    assert!(files.len() >= 12);
    let mut jit = Jit::new();
    let mut lines = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read");
        let name = path.display().to_string();
        let m = compile(&text, &name);
        assert!(rdx_jit::trust::trusted(&m), "{name}: would run on the interpreter, not compiled");
        for line in text.lines().filter_map(|l| l.trim_start().strip_prefix("// run:")) {
            let (lhs, rhs) = line.split_once("==").expect("==");
            let lhs = lhs.trim();
            let open = lhs.find('(').expect("(");
            let gene = m.gene_index(lhs[..open].trim()).expect("gene");
            let input = values(&m, gene, &lhs[open + 1..lhs.len() - 1]);
            let rhs = rhs.trim();
            let expected = values(&m, gene, &rhs[1..rhs.len() - 1]);
            let mut interp = Interpreter::new();
            for (dir, start, want) in
                [(Direction::Forward, &input, &expected), (Direction::Backward, &expected, &input)]
            {
                let mut a = start.clone();
                let mut b = start.clone();
                let ra = interp.run(&m, gene, &mut a, dir).map(|_| ());
                let rb = jit.run(&m, gene, &mut b, dir).map(|_| ());
                assert_eq!(ra, rb, "{name}: `{line}` {dir:?}: results differ");
                assert_eq!(a, b, "{name}: `{line}` {dir:?}: states differ");
                assert_eq!(&b, want, "{name}: `{line}` {dir:?}: JIT state");
            }
            lines += 1;
        }
    }
    assert!(lines > 20, "only {lines} run lines");
    eprintln!("{lines} run lines agree on {} files", files.len());
}
