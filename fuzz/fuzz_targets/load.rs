//! Fuzz target for the module loader: see `rdx_vm::fuzzing::load_and_run`, which the regular
//! test suite also runs on mutated modules (`vm/tests/module.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    rdx_vm::fuzzing::load_and_run(bytes);
});
