//! The benchmark suite (vm/benches/suite/, table in vm/benches/common/suite.rs) on the JIT at its
//! small test sizes: every program is compiled (not left to the interpreter fallback), and the
//! JIT agrees with the interpreter forward (whole state) and backward (the input comes back).

use rdx_jit::{Jit, JitOptions};
use rdx_vm::{Direction, Engine, Interpreter};

#[allow(dead_code)]
#[path = "../../vm/benches/common/suite.rs"]
mod suite;
use suite::*;

#[test]
fn every_program_agrees_with_the_interpreter_both_ways() {
    let programs = programs();
    assert!(programs.len() >= 10, "the suite has {} programs", programs.len());
    let mut it = Interpreter::new();
    let mut jit = Jit::with_options(JitOptions { verify: true, optimize: true });
    for p in &programs {
        let m = p.module(p.test);
        assert!(rdx_jit::trust::trusted(&m), "{}: would run on the interpreter fallback", p.name);
        let gene = p.gene(&m);
        let case = (p.case)(p.test);
        let (mut a, mut b) = (case.input.clone(), case.input.clone());
        it.run(&m, gene, &mut a, Direction::Forward).unwrap_or_else(|e| panic!("{}: interp: {e:?}", p.name));
        jit.run(&m, gene, &mut b, Direction::Forward).unwrap_or_else(|e| panic!("{}: jit: {e:?}", p.name));
        assert_eq!(b, a, "{}: JIT and interpreter differ forward", p.name);
        assert_ne!(b, case.input, "{}: the forward run did nothing", p.name);
        it.run(&m, gene, &mut a, Direction::Backward)
            .unwrap_or_else(|e| panic!("{}: interp back: {e:?}", p.name));
        jit.run(&m, gene, &mut b, Direction::Backward)
            .unwrap_or_else(|e| panic!("{}: jit back: {e:?}", p.name));
        assert_eq!(b, case.input, "{}: JIT backward did not give the input back", p.name);
        assert_eq!(a, case.input, "{}: interpreter backward did not give the input back", p.name);
    }
}
