//! Property tests: printing any tree and parsing it back gives the same tree (spans aside).

use proptest::prelude::*;
use rdx_lang::ast::Program;
use rdx_lang::generate::{arb_expr, arb_program, arb_stmt, arb_valid_program};
use rdx_lang::parser::parse;
use rdx_lang::print::{print_expr, print_program, print_stmt, strip_spans};

fn round_trip(p: &Program) -> Result<(), TestCaseError> {
    let text = print_program(p);
    let mut back = match parse(&text) {
        Ok(back) => back,
        Err(diags) => {
            let msgs: Vec<String> = diags.iter().map(|d| format!("{d} at {:?}", d.span)).collect();
            return Err(TestCaseError::fail(format!("printed program does not parse: {msgs:?}\n{text}")));
        }
    };
    strip_spans(&mut back);
    prop_assert_eq!(&back, p, "round trip changed the tree; printed:\n{}", text);
    // Printing is canonical: a second round gives the same text.
    prop_assert_eq!(print_program(&back), text);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_program_round_trips(p in arb_program()) {
        round_trip(&p)?;
    }

    #[test]
    fn valid_programs_round_trip(p in arb_valid_program(true)) {
        round_trip(&p)?;
    }

    #[test]
    fn single_statements_round_trip(s in arb_stmt()) {
        let text = format!("gene g() {{\n{}\n}}\n", print_stmt(&s));
        let mut back = parse(&text).map_err(|d| TestCaseError::fail(format!("{d:?}\n{text}")))?;
        strip_spans(&mut back);
        prop_assert_eq!(back.genes[0].body.stmts.len(), 1, "{}", text);
        prop_assert_eq!(&back.genes[0].body.stmts[0], &s, "{}", text);
    }

    #[test]
    fn expressions_round_trip(x in arb_expr()) {
        let text = format!("const c = {}", print_expr(&x));
        let mut back = parse(&text).map_err(|d| TestCaseError::fail(format!("{d:?}\n{text}")))?;
        strip_spans(&mut back);
        prop_assert_eq!(&back.consts[0].value, &x, "{}", text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The contract of `arb_valid_program`: the checker accepts what it builds.
    #[test]
    fn valid_programs_pass_the_checker(p in arb_valid_program(true)) {
        use rdx_lang::check::{check, CheckOptions};
        if let Err(d) = check(&p, &CheckOptions::default()) {
            let msgs: Vec<String> = d.iter().map(|d| format!("{d} at {:?}", d.span)).collect();
            prop_assert!(false, "{:?}\n{}", msgs, print_program(&p));
        }
    }

    /// Without lossy statements they pass strict mode too.
    #[test]
    fn lossless_valid_programs_pass_strict(p in arb_valid_program(false)) {
        use rdx_lang::check::{check, CheckOptions};
        if let Err(d) = check(&p, &CheckOptions { strict: true, ..Default::default() }) {
            let msgs: Vec<String> = d.iter().map(|d| format!("{d} at {:?}", d.span)).collect();
            prop_assert!(false, "{:?}\n{}", msgs, print_program(&p));
        }
    }
}
