//! A module that does not tell its locals' types, for the debugger's and the DAP's tests.

use std::path::Path;
use std::process::Command;

/// Assembles the source file `src` (in its own folder) into `untyped.rdxb` beside it, whose
/// debug section's source no longer parses (`gene main` made `gene@main`): the debugger cannot
/// read its locals' types there. Returns the module's path.
pub fn module_without_local_types(src: &str) -> String {
    let dir = Path::new(src).parent().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rdx"))
        .args(["asm", src, "-o", "typed.rdxb", "--home"])
        .arg(dir.join("home"))
        .current_dir(dir)
        .env("RDX_NO_LEDGER", "1")
        .output()
        .expect("rdx asm runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut bytes = std::fs::read(dir.join("typed.rdxb")).unwrap();
    let at = bytes.windows(9).position(|w| w == b"gene main").expect("the source is in the module");
    bytes[at + 4] = b'@';
    let broken = dir.join("untyped.rdxb");
    std::fs::write(&broken, bytes).unwrap();
    broken.display().to_string()
}
