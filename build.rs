//! Links the `rdx` binary as a position-dependent executable on Linux.
//!
//! A position-independent executable is relocated by the loader at every start: this one
//! carries some 25,000 relative relocations (vtables and tables of pointers, most from
//! Cranelift, wasmtime and clap), and writing them copies about a hundred pages of
//! `.data.rel.ro` per process. Every `rdx` command pays that before `main`; linked with
//! `-no-pie` the addresses are fixed at link time: `rdx --version` 1.95 → 1.74 ms and
//! `rdx run` of a one-line gene 2.34 → 1.99 ms (medians of 150 alternating runs; packing the
//! relocations with `-z pack-relative-relocs` instead saved nothing measurable). The price is
//! that the binary's own code and data load at a fixed address (libraries, the heap and the
//! stacks are still randomised). Only the binaries of this package are linked so; the Python
//! extension and the libraries stay position-independent.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
