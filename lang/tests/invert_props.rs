//! The inverter: `invert(invert(p)) == p` exactly (spans included) on checked IR of generated
//! programs, the printed inverse is valid source that checks, and inverting it again gives the
//! original IR back (spans aside).

use proptest::prelude::*;
use rdx_lang::ast::Program;
use rdx_lang::check::{CheckOptions, check};
use rdx_lang::generate::{arb_program, arb_valid_program};
use rdx_lang::invert::invert_program;
use rdx_lang::parser::parse;
use rdx_lang::print::{print_program, strip_spans};

fn ir(p: &Program) -> Program {
    match check(p, &CheckOptions::default()) {
        Ok(c) => c.program,
        Err(d) => panic!("generated valid program fails the checker: {d:?}\n{}", print_program(p)),
    }
}

/// Prints, parses and checks: the IR of a program as read from its printed form.
fn reread(p: &Program) -> Program {
    let text = print_program(p);
    let parsed = parse(&text).unwrap_or_else(|d| panic!("printed program does not parse: {d:?}\n{text}"));
    match check(&parsed, &CheckOptions::default()) {
        Ok(c) => c.program,
        Err(d) => panic!("printed program does not check: {d:?}\n{text}"),
    }
}

fn stripped(mut p: Program) -> Program {
    strip_spans(&mut p);
    p
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn inverting_twice_is_the_identity(p in arb_valid_program(true)) {
        let ir = ir(&p);
        prop_assert_eq!(invert_program(&invert_program(&ir)), ir);
    }

    #[test]
    fn printed_inverse_checks_and_inverts_back(p in arb_valid_program(true)) {
        let ir = ir(&p);
        let inverse = reread(&invert_program(&ir));
        let back = invert_program(&inverse);
        prop_assert_eq!(stripped(back), stripped(ir));
    }

    /// Any tree at all (most fail the checker): checking never panics, and whatever passes
    /// inverts twice to itself.
    #[test]
    fn checker_total_and_involution_on_arbitrary_trees(p in arb_program()) {
        for strict in [false, true] {
            if let Ok(c) = check(&p, &CheckOptions { strict, ..Default::default() }) {
                prop_assert_eq!(invert_program(&invert_program(&c.program)), c.program);
            }
        }
    }
}

/// The stdlib and the UI `ok-` programs: their inverses check, and invert back.
#[test]
fn real_programs_invert_back() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut seen = 0;
    for dir in ["stdlib", "tests/ui", "spec/examples"] {
        let Ok(entries) = std::fs::read_dir(format!("{root}/{dir}")) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            if !name.ends_with(".rdx") || (dir == "tests/ui" && !name.starts_with("ok-")) {
                continue;
            }
            let src = std::fs::read_to_string(&path).expect("readable");
            let Ok(parsed) = parse(&src) else { continue };
            let Ok(c) = check(&parsed, &CheckOptions::default()) else { continue };
            let inverse = reread(&invert_program(&c.program));
            assert_eq!(stripped(invert_program(&inverse)), stripped(c.program.clone()), "{name}");
            assert_eq!(invert_program(&invert_program(&c.program)), c.program, "{name}");
            seen += 1;
        }
    }
    assert!(seen >= 4, "expected real programs to invert, found {seen}");
}
