//! Assembles the stdlib kernels (WebAssembly text in `wat/`) into `.wasm` files in `OUT_DIR`,
//! which `src/stdlib.rs` embeds with `include_bytes!`.

use std::path::PathBuf;

/// The stdlib kernel sources, by file stem. `src/stdlib.rs` lists the same names.
const KERNELS: &[&str] = &["fft", "bitrev", "wht", "kravchuk", "haar", "gray"];

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for name in KERNELS {
        let src = PathBuf::from("wat").join(format!("{name}.wat"));
        println!("cargo::rerun-if-changed={}", src.display());
        let bytes = match wat::parse_file(&src) {
            Ok(bytes) => bytes,
            Err(err) => panic!("assembling {}: {err}", src.display()),
        };
        let dst = out.join(format!("{name}.wasm"));
        if let Err(err) = std::fs::write(&dst, bytes) {
            panic!("writing {}: {err}", dst.display());
        }
    }
}
