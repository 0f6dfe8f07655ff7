//! Properties over generated well-formed programs and states (`rdx_lang::generate`):
//! - `run_back(p, run(p, s)) == s`;
//! - `run(invert(p), s') == run_back(p, s')` (with `s'` a final state of `p`);
//! - `decode(encode(m)) == m`;
//! - lossy programs reverse through the history tape, and not without it.
//!
//! (Each instruction backward against its mirror forward: `tests/mirror.rs`.)

use proptest::prelude::*;
use rdx_lang::ast::{Program, Type};
use rdx_lang::codes::Code;
use rdx_vm::{Direction, Engine, Interpreter, Module, RunErrorKind, Value};

fn compile(p: &Program) -> Module {
    let checked = rdx_lang::check::check(p, &Default::default()).unwrap_or_else(|d| {
        panic!("generated program does not check: {d:?}\n{}", rdx_lang::print::print_program(p))
    });
    rdx_vm::compile(&checked, "gen.rdx", "").expect("compiles")
}

/// Whether some gene of `p` is called (or uncalled) with two different argument lists.
fn calls_on_different_arguments(p: &Program) -> bool {
    use rdx_lang::ast::{Block, StmtKind};
    fn walk<'a>(b: &'a Block, seen: &mut Vec<(&'a str, Vec<&'a str>)>) -> bool {
        b.stmts.iter().any(|s| match &s.kind {
            StmtKind::Call { gene, args, .. } => {
                let args: Vec<&str> = args.iter().map(|a| a.name.as_str()).collect();
                let differs = seen.iter().any(|(g, a)| *g == gene.name && *a != args);
                seen.push((&gene.name, args));
                differs
            }
            StmtKind::If { then_block, else_block, .. } => {
                walk(then_block, seen) || else_block.as_ref().is_some_and(|e| walk(e, seen))
            }
            StmtKind::From { body, again, .. } => {
                walk(body, seen) || again.as_ref().is_some_and(|a| walk(a, seen))
            }
            _ => false,
        })
    }
    let mut seen = Vec::new();
    p.genes.iter().any(|g| walk(&g.body, &mut seen))
}

/// Values for `main`'s parameters from a pool of random words.
fn state(m: &Module, words: &[u64]) -> Vec<Value> {
    let mut it = words.iter().copied().cycle();
    let main = &m.genes[m.gene_index("main").expect("main")];
    main.params
        .iter()
        .map(|p| match p.ty {
            Type::Array(_, n) => Value::Array((0..n).map(|_| it.next().unwrap_or(0)).collect()),
            Type::Stack => Value::Stack(Vec::new()),
            _ => Value::Int(it.next().unwrap_or(0)),
        })
        .collect()
}

fn words() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(prop_oneof![0u64..8, any::<u64>(), Just(u64::MAX), Just(1 << 63)], 8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn backward_undoes_forward_and_inverse_equals_backward(p in rdx_lang::generate::arb_valid_program(false), w in words()) {
        let m = compile(&p);
        let main = m.gene_index("main").unwrap();
        let s0 = state(&m, &w);
        let mut it = Interpreter::new();
        let mut s1 = s0.clone();
        let fwd = it.run(&m, main, &mut s1, Direction::Forward);
        prop_assert!(fwd.is_ok(), "forward failed: {:?}\n{}", fwd, rdx_lang::print::print_program(&p));
        prop_assert_eq!(fwd.unwrap().lossy_bits, 0);
        let mut back = s1.clone();
        let bwd = it.run(&m, main, &mut back, Direction::Backward);
        prop_assert!(bwd.is_ok(), "backward failed: {:?}\n{}", bwd, rdx_lang::print::print_program(&p));
        prop_assert_eq!(&back, &s0);

        // The inverse program, run forward, is the backward run.
        let inv = compile(&rdx_lang::invert::invert_program(&p));
        let mut via_inverse = s1.clone();
        let r = it.run(&inv, inv.gene_index("main").unwrap(), &mut via_inverse, Direction::Forward);
        prop_assert!(r.is_ok(), "inverse failed: {:?}", r);
        prop_assert_eq!(&via_inverse, &s0);

        // The module survives its encoding.
        let bytes = m.encode();
        prop_assert_eq!(&Module::decode(&bytes).unwrap(), &m);
    }

    #[test]
    fn plain_streams_run_as_the_genes_own_do(p in rdx_lang::generate::arb_valid_program(false), w in words()) {
        // The interpreter's plain streams (calls in place, quiet latches, exit assertions
        // passed over) against the same module on its genes' own streams: final state, count,
        // depth and error, both ways, also where a step limit stops the run midway.
        let m = compile(&p);
        let mut own = m.clone();
        for g in &mut own.genes {
            g.plain = Default::default();
        }
        let main = m.gene_index("main").unwrap();
        let s0 = state(&m, &w);
        for dir in [Direction::Forward, Direction::Backward] {
            for max_steps in [u64::MAX, w[0] % 64, w[1] % 512] {
                let limits = rdx_vm::Limits { max_steps, ..Default::default() };
                let go = |m: &Module| {
                    let mut s = s0.clone();
                    let r = Interpreter::with_limits(limits).run(m, main, &mut s, dir);
                    (s, format!("{r:?}"))
                };
                prop_assert_eq!(go(&m), go(&own), "{:?} {}", dir, rdx_lang::print::print_program(&p));
            }
        }
    }

    #[test]
    fn lossy_programs_reverse_through_the_tape(p in rdx_lang::generate::arb_valid_program(true), w in words()) {
        let m = compile(&p);
        let main = m.gene_index("main").unwrap();
        let s0 = state(&m, &w);
        let mut it = Interpreter::new();
        let mut s1 = s0.clone();
        let rep = match it.run(&m, main, &mut s1, Direction::Forward) {
            Ok(r) => r,
            // `uncall g` of a gene with lossy steps, on history its `call g` did not write: the
            // tape is empty, its last entry was written by another statement, or the location
            // no longer holds what the write left.
            Err(e)
                if matches!(
                    e.kind,
                    RunErrorKind::NoHistory
                        | RunErrorKind::HistoryMismatch { .. }
                        | RunErrorKind::UndoMismatch { .. }
                ) =>
            {
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(format!("forward: {e:?}"))),
        };
        prop_assert!(64 * it.tape_len() as u64 <= rep.lossy_bits);
        // The forward run took history back (an `uncall` popped what a `call` wrote) through
        // calls of one gene on different arguments: where the entry's statement, location and
        // value all match, the engine cannot tell the history was another call's, and the
        // program is not the inverse of itself then (`call g(a, x)` … `uncall g(b, x)` undoes
        // `g`'s lossy write to `x` with the value `a` gave it). Only no panic is asked.
        if 64 * (it.tape_len() as u64) < rep.lossy_bits && calls_on_different_arguments(&p) {
            let mut back = s1.clone();
            let _ = it.run(&m, main, &mut back, Direction::Backward);
            return Ok(());
        }
        if rep.lossy_bits > 0 {
            // A fresh interpreter has no history: the backward run must say so (or fail an
            // assertion first, on the state the lost value would have restored).
            let mut fresh = Interpreter::new();
            let mut s = s1.clone();
            if let Err(e) = fresh.run(&m, main, &mut s, Direction::Backward) {
                prop_assert!(e.kind == RunErrorKind::NoHistory || e.kind.code() != Code::R0199, "{:?}", e);
            }
        }
        let mut back = s1.clone();
        it.run(&m, main, &mut back, Direction::Backward).expect("backward with the tape");
        prop_assert_eq!(&back, &s0, "{}", rdx_lang::print::print_program(&p));
        prop_assert_eq!(it.tape_len(), 0);
    }
}

#[test]
fn every_opcode_mirror_is_an_involution_on_the_table() {
    for info in rdx_vm::ops::OPCODES {
        let m = rdx_vm::ops::OPCODES.iter().find(|o| o.name == info.mirror).expect("mirror exists");
        assert_eq!(m.mirror, info.name, "mirror of the mirror of {} is {}", info.name, m.mirror);
        assert_eq!(m.operands, info.operands, "{} and its mirror {} differ in operands", info.name, m.name);
    }
}

/// Every `Op` variant is named after its mnemonic in UpperCamelCase, one word per dotted part
/// (`add3.chk.imm` is `Add3ChkImm`), so reading the code and reading a disassembly agree.
#[test]
fn every_opcode_name_is_its_mnemonic() {
    for info in rdx_vm::ops::OPCODES {
        let camel: String = info
            .mnemonic
            .split('.')
            .map(|part| {
                let mut c = part.chars();
                c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
            })
            .collect();
        assert_eq!(info.name, camel, "Op::{} has the mnemonic `{}`", info.name, info.mnemonic);
    }
}
