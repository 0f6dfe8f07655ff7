//! The body of the loader fuzz target (`fuzz/fuzz_targets/load.rs`), here so the regular tests
//! run it too.

use crate::values::zero;
use crate::{Direction, Engine, Interpreter, Limits, Module};
use rdx_lang::ast::Type;

/// Loads `bytes`; when they form a module, checks that it re-encodes to the same bytes and
/// runs every gene (with zero arguments, small limits) forward and backward. Panics only when
/// one of those promises is broken.
pub fn load_and_run(bytes: &[u8]) {
    let Ok(m) = Module::decode(bytes) else { return };
    assert_eq!(m.encode(), bytes, "a module that loads re-encodes to its bytes");
    let limits = Limits { max_depth: 64, max_words: 1 << 16, max_steps: 10_000 };
    for (gi, g) in m.genes.iter().enumerate() {
        if g.params.iter().any(|p| matches!(p.ty, Type::Array(_, n) if n > 1024)) {
            continue;
        }
        for dir in [Direction::Forward, Direction::Backward] {
            let mut it = Interpreter::with_limits(limits);
            let mut args: Vec<_> = g.params.iter().map(|p| zero(p.ty)).collect();
            let _ = it.run(&m, gi, &mut args, dir);
        }
    }
}
