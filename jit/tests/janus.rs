//! Every Janus program of `tests/janus/` on the JIT against the interpreter: the entry gene run
//! forward from the zero state and backward from the forward result (and from zero), states,
//! printed output and errors (kind, span, call stack) compared. Janus brings the checked
//! arithmetic, floor division, `error` statements and jana's output rules (`show`/`printf`
//! lines, whose pieces come last-first backward), all compiled.

use rdx_jit::{Jit, JitOptions};
use rdx_vm::ops::Op;
use rdx_vm::values::zero;
use rdx_vm::{Direction, Engine, Interpreter, Module};
use std::path::Path;

fn compile(text: &str, name: &str) -> Option<Module> {
    let prog = rdx_lang::janus::parse(text).ok()?;
    let checked = rdx_lang::check::check(&prog, &Default::default()).ok()?;
    rdx_vm::compile(&checked, name, text).ok()
}

#[test]
fn janus_programs_agree_with_the_interpreter() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/janus");
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).expect("tests/janus").filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "ja"));
    files.sort();
    let (mut ran, mut errors, mut compiled, mut printing) = (0, 0, 0, 0);
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read");
        let name = path.display().to_string();
        let Some(m) = compile(&text, &name) else { continue };
        let Some(gene) = m.default_entry() else { continue };
        let prints = m
            .genes
            .iter()
            .flat_map(|g| &g.code)
            .any(|o| matches!(o, Op::Show { .. } | Op::Print { .. } | Op::Printf { .. }));
        assert!(rdx_jit::trust::trusted(&m), "{name}: would run on the interpreter, not compiled");
        compiled += 1;
        printing += usize::from(prints);
        let start: Vec<_> = m.genes[gene].params.iter().map(|p| zero(p.ty)).collect();
        let mut it = Interpreter::new();
        let mut jt = Jit::with_options(JitOptions { verify: true, optimize: true });
        let mut sa = start.clone();
        let mut sb = start.clone();
        let ra = it.run(&m, gene, &mut sa, Direction::Forward).map(|_| ());
        let rb = jt.run(&m, gene, &mut sb, Direction::Forward).map(|_| ());
        assert_eq!(ra, rb, "{name}: forward");
        assert_eq!(it.take_output(), jt.take_output(), "{name}: forward output");
        if ra.is_ok() {
            assert_eq!(sa, sb, "{name}: forward state");
            let ra = it.run(&m, gene, &mut sa, Direction::Backward).map(|_| ());
            let rb = jt.run(&m, gene, &mut sb, Direction::Backward).map(|_| ());
            assert_eq!(ra, rb, "{name}: backward");
            assert_eq!(it.take_output(), jt.take_output(), "{name}: backward output");
            if ra.is_ok() {
                assert_eq!(sa, sb, "{name}: backward state");
            }
        } else {
            errors += 1;
        }
        ran += 1;
    }
    assert!(ran >= 10 && compiled >= 10, "only {ran} Janus programs ran, {compiled} compiled");
    assert!(printing >= 5, "only {printing} Janus programs print");
    eprintln!(
        "{ran} Janus programs agree ({compiled} compiled, {printing} print, {errors} stop with an error)"
    );
}

/// An element update whose target index is computed (`z[i + 1] += z[j + 1]`) checks for an
/// alias in both directions with the indices of that direction: backward from a state where
/// i = j the update is R0111 as it is forward, on both engines (the check once compared with
/// a target index computed only later in the backward run, a stale one, and let it pass).
#[test]
fn an_element_updates_alias_check_runs_backward_with_its_own_indices() {
    let text = "procedure main()\n    int z[4]\n    int i\n    int j\n    z[i + 1] += z[j + 1]\n";
    let m = compile(text, "alias.ja").expect("compiles");
    let gene = m.default_entry().expect("main");
    let names: Vec<&str> = m.genes[gene].params.iter().map(|p| p.name.as_str()).collect();
    let start: Vec<_> = m.genes[gene]
        .params
        .iter()
        .map(|p| match p.name.as_str() {
            "z" => rdx_vm::Value::Array(vec![1, 2, 3, 4]),
            _ => zero(p.ty),
        })
        .collect();
    for dir in [Direction::Forward, Direction::Backward] {
        let mut it = Interpreter::new();
        let mut jt = Jit::with_options(JitOptions { verify: true, optimize: true });
        let (mut sa, mut sb) = (start.clone(), start.clone());
        let ra = it.run(&m, gene, &mut sa, dir).map(|_| ());
        let rb = jt.run(&m, gene, &mut sb, dir).map(|_| ());
        assert_eq!(ra, rb, "{dir:?}");
        let kind = ra.map_err(|e| e.kind).err();
        assert_eq!(kind, Some(rdx_vm::RunErrorKind::Alias { index: 1 }), "{dir:?} {names:?}");
    }
}
