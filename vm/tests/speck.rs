//! The benchmark's Speck128/128 (vm/benches/speck.rdx), through the whole pipeline, against the
//! published test vector, forward (encrypt) and backward (decrypt); and its bulk gene
//! `encrypt_all` against the benchmark's native baseline (vm/benches/common/speck.rs).

use rdx_vm::{Direction, Engine, Interpreter, Module, Value};

#[allow(dead_code)]
#[path = "../benches/common/speck.rs"]
mod common;

fn module() -> Module {
    let src = include_str!("../benches/speck.rdx");
    let prog = rdx_lang::parser::parse(src).expect("parses");
    let checked = rdx_lang::check::check(&prog, &Default::default()).expect("checks");
    rdx_vm::compile(&checked, "speck.rdx", src).expect("compiles")
}

const KEY_K: u64 = 0x0706050403020100;
const KEY_L: u64 = 0x0f0e0d0c0b0a0908;
const PLAIN: (u64, u64) = (0x6c61766975716520, 0x7469206564616d20);
const CIPHER: (u64, u64) = (0xa65d985179783265, 0x7860fedf5c570d18);

fn round_keys(m: &Module, it: &mut Interpreter) -> Vec<u64> {
    let g = m.gene_index("expand").unwrap();
    let mut args = vec![Value::Int(KEY_K), Value::Int(KEY_L), Value::Array(vec![0; 32])];
    it.run(m, g, &mut args, Direction::Forward).unwrap();
    // Backward, the schedule gives the key back and clears the round keys.
    let mut back = args.clone();
    it.run(m, g, &mut back, Direction::Backward).unwrap();
    assert_eq!(back, vec![Value::Int(KEY_K), Value::Int(KEY_L), Value::Array(vec![0; 32])]);
    match &args[2] {
        Value::Array(rk) => rk.clone(),
        _ => unreachable!(),
    }
}

#[test]
fn speck128_128_test_vector_forward_and_backward() {
    let m = module();
    let mut it = Interpreter::new();
    let rk = round_keys(&m, &mut it);
    assert_eq!(rk[0], KEY_K);
    let g = m.gene_index("encrypt").unwrap();
    let mut args = vec![Value::Int(PLAIN.0), Value::Int(PLAIN.1), Value::Array(rk.clone()), Value::Int(1)];
    it.run(&m, g, &mut args, Direction::Forward).unwrap();
    assert_eq!((&args[0], &args[1]), (&Value::Int(CIPHER.0), &Value::Int(CIPHER.1)));
    it.run(&m, g, &mut args, Direction::Backward).unwrap();
    assert_eq!((&args[0], &args[1]), (&Value::Int(PLAIN.0), &Value::Int(PLAIN.1)));
}

#[test]
fn speck_round_trip_many_blocks() {
    let m = module();
    let mut it = Interpreter::new();
    let rk = round_keys(&m, &mut it);
    let g = m.gene_index("encrypt").unwrap();
    let start = vec![Value::Int(1), Value::Int(2), Value::Array(rk), Value::Int(1000)];
    let mut args = start.clone();
    let fwd = it.run(&m, g, &mut args, Direction::Forward).unwrap();
    assert_ne!(args, start);
    let bwd = it.run(&m, g, &mut args, Direction::Backward).unwrap();
    assert_eq!(args, start);
    assert_eq!(fwd.lossy_bits, 0);
    assert!(fwd.instructions >= 32 * 1000 * 4, "{fwd:?}");
    assert!(bwd.instructions >= 32 * 1000 * 4, "{bwd:?}");
}

/// `encrypt_all` over `blocks` blocks (block 0 the test vector, the rest varied) on the
/// interpreter: every ciphertext equals native's, the round keys stay, and the backward run gives
/// the whole plaintext state back.
fn bulk_matches_native(blocks: usize) {
    let m = common::module_with_words(2 * blocks);
    let mut it = Interpreter::new();
    let rk = round_keys(&m, &mut it);
    let rk_native = common::native_keys();
    assert_eq!(rk, rk_native.to_vec());
    let mut plain = common::bulk_plaintext(blocks);
    (plain[0], plain[1]) = PLAIN;
    let mut cipher = plain.clone();
    common::native_encrypt_all(&mut cipher, &rk_native);
    assert_eq!((cipher[0], cipher[1]), CIPHER);
    let g = m.gene_index("encrypt_all").unwrap();
    let start = vec![Value::Array(plain.clone()), Value::Array(rk.clone())];
    let mut args = start.clone();
    let fwd = it.run(&m, g, &mut args, Direction::Forward).unwrap();
    assert_eq!(args, vec![Value::Array(cipher.clone()), Value::Array(rk)]);
    assert_eq!(fwd.lossy_bits, 0);
    it.run(&m, g, &mut args, Direction::Backward).unwrap();
    assert_eq!(args, start);
    let mut back = cipher;
    common::native_decrypt_all(&mut back, &rk_native);
    assert_eq!(back, plain);
}

#[test]
fn speck_encrypt_all_matches_native_both_ways() {
    for blocks in [1, 2, 8, 37] {
        bulk_matches_native(blocks);
    }
}

#[test]
fn speck_encrypt_all_blocks_are_independent() {
    // Changing one block changes only that block's ciphertext (ECB), on the file as written
    // (16 words, 8 blocks).
    let m = module();
    let mut it = Interpreter::new();
    let rk = round_keys(&m, &mut it);
    let g = m.gene_index("encrypt_all").unwrap();
    let run = |it: &mut Interpreter, buf: Vec<u64>| {
        let mut args = vec![Value::Array(buf), Value::Array(rk.clone())];
        it.run(&m, g, &mut args, Direction::Forward).unwrap();
        match &args[0] {
            Value::Array(b) => b.clone(),
            _ => unreachable!(),
        }
    };
    let a = run(&mut it, vec![0; 16]);
    let mut buf = vec![0; 16];
    buf[7] = 1;
    let b = run(&mut it, buf);
    for w in 0..16 {
        assert_eq!(a[w] == b[w], w / 2 != 3, "word {w}");
    }
    assert!(a.chunks(2).all(|c| c == &a[..2]), "equal blocks encrypt equally");
}
