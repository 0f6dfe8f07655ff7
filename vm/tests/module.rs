//! The module format: deterministic encoding, `decode(encode(m)) == m` for every stdlib
//! program, and hostile bytes (truncations, bit flips, random garbage) never panic the loader.

use proptest::prelude::*;
use rdx_vm::Module;
use std::path::{Path, PathBuf};

fn stdlib() -> Vec<(PathBuf, Module)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../stdlib");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).expect("stdlib/").filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "rdx"));
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let src = std::fs::read_to_string(&p).ok()?;
            let prog = rdx_lang::parser::parse(&src).ok()?;
            let checked = rdx_lang::check::check(&prog, &Default::default()).ok()?;
            let m = rdx_vm::compile(&checked, &p.display().to_string(), &src).ok()?;
            Some((p, m))
        })
        .collect()
}

fn speck() -> Module {
    let src = include_str!("../benches/speck.rdx");
    let prog = rdx_lang::parser::parse(src).unwrap();
    let checked = rdx_lang::check::check(&prog, &Default::default()).unwrap();
    rdx_vm::compile(&checked, "speck.rdx", src).unwrap()
}

#[test]
fn stdlib_modules_round_trip_and_encode_deterministically() {
    let mods = stdlib();
    assert!(mods.len() >= 12, "only {} stdlib programs compiled", mods.len());
    for (p, m) in &mods {
        let bytes = m.encode();
        assert_eq!(bytes, m.encode(), "{}: encoding is not deterministic", p.display());
        let back = Module::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!(&back, m, "{}: decode(encode(m)) != m", p.display());
        assert_eq!(back.cid(), m.cid());
        assert_eq!(m.cid().len(), 64);
    }
}

#[test]
fn same_source_same_bytes() {
    assert_eq!(speck().encode(), speck().encode());
}

#[test]
fn every_truncation_is_an_error_except_dropping_the_whole_debug_section() {
    let bytes = speck().encode();
    let mut stripped = speck();
    stripped.debug = None;
    let boundary = stripped.encode().len();
    for n in 0..bytes.len() {
        match Module::decode(&bytes[..n]) {
            Ok(m) => {
                assert_eq!(n, boundary, "truncated to {n} bytes and still loads");
                assert_eq!(m, stripped);
            }
            Err(e) => assert!(!e.message.is_empty()),
        }
    }
}

#[test]
fn not_a_module() {
    let e = Module::decode(b"hello").unwrap_err();
    assert!(e.message.contains("not an rdx module"), "{e}");
    let mut b = speck().encode();
    b[4] = 99;
    assert!(Module::decode(&b).unwrap_err().message.contains("version"));
    let mut b = speck().encode();
    b.push(0);
    assert!(Module::decode(&b).is_err());
}

#[test]
fn each_defect_has_its_kind() {
    use rdx_vm::LoadErrorKind as K;
    let kind = |b: &[u8]| Module::decode(b).map(|_| ()).unwrap_err().kind;
    assert_eq!(kind(b"hello"), K::BadMagic);
    assert_eq!(kind(b"RD"), K::BadMagic);
    let bytes = speck().encode();
    let with = |i: usize, v: u8| {
        let mut b = bytes.clone();
        b[i] = v;
        b
    };
    assert_eq!(kind(&with(4, 99)), K::UnsupportedVersion);
    assert_eq!(kind(&with(6, 9)), K::BadHeader);
    assert_eq!(kind(&with(7, 1)), K::BadHeader);
    assert_eq!(kind(&bytes[..bytes.len() / 2]), K::Truncated);
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(kind(&longer), K::BadSection);
    let mut empty = speck();
    empty.genes.clear();
    empty.debug = None;
    assert_eq!(kind(&empty.encode()), K::Invalid);
    // Byte changes all over a real module reach every kind of defect inside it.
    let mut seen = std::collections::HashSet::new();
    for i in 0..bytes.len() {
        for v in [0xee, 0xff] {
            if let Err(e) = Module::decode(&with(i, v)) {
                assert!(!e.message.is_empty() && e.offset <= bytes.len(), "{e}");
                seen.insert(e.kind);
            }
        }
    }
    for k in [K::Truncated, K::BadSection, K::UnknownOpcode, K::BadOperand, K::NotUtf8, K::Invalid] {
        assert!(seen.contains(&k), "no byte change gave {k:?}: {seen:?}");
    }
}

#[test]
fn stripped_module_loads() {
    let mut m = speck();
    m.debug = None;
    let back = Module::decode(&m.encode()).unwrap();
    assert_eq!(back, m);
}

#[test]
fn every_single_byte_change_is_handled() {
    // Each byte of a real module replaced by a few values: the loader returns a module or an
    // error, never panics; a module it accepts re-encodes to the same bytes.
    let bytes = speck().encode();
    for i in 0..bytes.len() {
        for v in [0u8, 1, 0x7f, 0xff, bytes[i] ^ 0x10] {
            let mut b = bytes.clone();
            b[i] = v;
            if let Ok(m) = Module::decode(&b) {
                assert_eq!(m.encode(), b, "byte {i} = {v}: accepted but re-encodes differently");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Module::decode(&bytes);
    }

    #[test]
    fn random_bytes_after_a_valid_header_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut b = b"RDXB\x01\x00\x00\x00".to_vec();
        b.extend_from_slice(&tail);
        let _ = Module::decode(&b);
    }

    #[test]
    fn mutated_modules_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut b = speck().encode();
        for (i, v) in edits {
            let k = i.index(b.len());
            b[k] = v;
        }
        if truncate {
            let n = cut.index(b.len());
            b.truncate(n);
        }
        if let Ok(m) = Module::decode(&b) {
            prop_assert_eq!(m.encode(), b.clone());
        }
        // The fuzz target's body: load, and run what loads.
        rdx_vm::fuzzing::load_and_run(&b);
    }
}

#[test]
fn fuzz_body_runs_every_stdlib_module() {
    for (_, m) in stdlib() {
        rdx_vm::fuzzing::load_and_run(&m.encode());
    }
}

/// A slot reused by locals in turn names each where it is open; a listing without a position
/// shows the first few names (`%3:i/j/k/l/…`). A gene of thousands of loops, each with its own
/// counter `i` in the one slot they share, names that slot `i*N`: a debug name that grew with
/// every loop made compiling quadratic.
#[test]
fn a_reused_slot_names_each_local_where_it_is_open() {
    let mut src = String::from("gene main(x: u64) {\n");
    for k in 0..50 {
        src += &format!("    local v{k}: u64 = 0\n    x += v{k}\n    delocal v{k} = 0\n");
    }
    for _ in 0..3000 {
        src += "    local i: u64 = 0\n    from i == 0 do { i += 1 } until i == 2\n    delocal i = 2\n";
    }
    src += "}\n";
    let p = rdx_lang::parser::parse(&src).unwrap();
    let c = rdx_lang::check::check(&p, &Default::default()).unwrap();
    let m = rdx_vm::compile(&c, "t.rdx", &src).unwrap();
    let d = &m.debug.as_ref().unwrap().genes[0];
    let slot = d.slot_names.iter().position(|n| n.starts_with("v0/")).expect("the shared slot") as u16;
    let want: Vec<String> = (0..50).map(|k| format!("v{k}")).chain(["i*3000".to_string()]).collect();
    assert_eq!(d.slot_names[slot as usize], want.join("/"));
    assert_eq!(d.slot_label(slot).as_deref(), Some("v0/v1/v2/v3/…"));
    // Each delocal names its own local (one lookup, and the table for many).
    let code = &m.genes[0].code;
    let mut names = d.names_in(code);
    // The table splits each slot's names once (a listing split them per operand: quadratic).
    for s in 0..d.slot_names.len() as u16 {
        assert_eq!(names.label(s), d.slot_label(s), "slot {s}");
    }
    let mut closed = Vec::new();
    for (pc, op) in code.iter().enumerate() {
        if let rdx_vm::ops::Op::DelocalImm { dst, .. } = op
            && dst.0 == slot
        {
            assert_eq!(d.name_at(code, slot, pc), names.at(slot, pc));
            closed.push(names.at(slot, pc).unwrap_or("?").to_string());
        }
    }
    let want: Vec<String> = (0..50).map(|k| format!("v{k}")).chain((0..3000).map(|_| "i".into())).collect();
    assert_eq!(closed, want);
    assert_eq!(m.slot_name(0, slot, 0), "v0/v1/v2/v3/…", "before any local opens");
}

/// Operands at the top of their range are refused, never a panic: an array whose slots would
/// be 65535 and 65536 overflowed a `u16` in the verifier's message (found by
/// `mutated_modules_never_crash_the_jit` in a debug build).
#[test]
fn operands_at_the_top_of_their_range_are_refused() {
    use rdx_vm::ops::{Arr, Op, Slot};
    let mut m = speck();
    m.genes[0].code[1] = Op::Load { dst: Slot(0), arr: Arr(u16::MAX), idx: Slot(0) };
    let e = Module::decode(&m.encode()).unwrap_err();
    assert!(e.message.contains("array slots 65535..65536 out of range"), "{e}");
}

/// `rdx asm`'s compile ([`rdx_vm::compile_encoded`]: every check, no run tables) writes the
/// bytes the full compile encodes, for every stdlib program, spec example and Janus test
/// program that compiles.
#[test]
fn rdx_asm_writes_the_bytes_the_full_compile_encodes() {
    use rdx_lang::ast::Dialect;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut compared = 0;
    for dir in ["stdlib", "stdlib/kernels", "spec/examples", "tests/janus", "vm/benches/suite"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for p in files {
            let dialect = match p.extension().and_then(|e| e.to_str()) {
                Some("rdx") => Dialect::Rdx,
                Some("ja") => Dialect::Janus,
                _ => continue,
            };
            let Ok(src) = std::fs::read_to_string(&p) else { continue };
            let Ok(prog) = rdx_lang::parse(&src, dialect) else { continue };
            let Ok(checked) = rdx_lang::check::check(&prog, &Default::default()) else { continue };
            let name = p.display().to_string();
            let Ok(m) = rdx_vm::compile(&checked, &name, &src) else { continue };
            let bytes = rdx_vm::compile_encoded(&checked, &name, &src)
                .unwrap_or_else(|d| panic!("{name}: the full compile passed, rdx asm's did not: {d:?}"));
            assert_eq!(bytes, m.encode(), "{name}: rdx asm's bytes differ");
            compared += 1;
        }
    }
    assert!(compared >= 60, "only {compared} programs compared");
}
