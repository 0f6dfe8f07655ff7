//! `check(&p)` (which checks a depth-bounded copy) and `check_owned(p)` (which checks the tree
//! in place) agree: same IR, same diagnostics, on generated programs valid and invalid.

use proptest::prelude::*;
use rdx_lang::ast::Program;
use rdx_lang::check::{CheckOptions, check, check_owned};
use rdx_lang::generate::{arb_program, arb_valid_program};

fn agree(p: &Program) -> Result<(), TestCaseError> {
    let opts = CheckOptions::default();
    let borrowed = format!("{:?}", check(p, &opts));
    let owned = format!("{:?}", check_owned(p.clone(), &opts));
    prop_assert_eq!(borrowed, owned);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn on_any_program(p in arb_program()) {
        agree(&p)?;
    }

    #[test]
    fn on_valid_programs(p in arb_valid_program(true)) {
        agree(&p)?;
    }
}
