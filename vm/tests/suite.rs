//! The benchmark suite (vm/benches/suite/, table in vm/benches/common/suite.rs) at its small test
//! sizes: every program forward on the interpreter gives its native twin's state, and backward
//! gives the whole input back. Plus the known answers the twins are built on (Speck, XTEA,
//! CRC-32, fmix64 test vectors), so an engine that agrees with a twin agrees with the standard.

use rdx_vm::{Direction, Engine, Interpreter, Value};

#[allow(dead_code)]
#[path = "../benches/common/suite.rs"]
mod suite;
use suite::*;

#[test]
fn every_program_matches_its_native_twin_and_runs_back() {
    let programs = programs();
    assert!(programs.len() >= 10, "the suite has {} programs", programs.len());
    let mut it = Interpreter::new();
    for p in &programs {
        let m = p.module(p.test);
        let gene = p.gene(&m);
        let mut case = (p.case)(p.test);
        case.native.run();
        let expected = case.native.state();
        assert_ne!(expected, case.input, "{}: the native twin did nothing", p.name);
        let mut state = case.input.clone();
        let report =
            it.run(&m, gene, &mut state, Direction::Forward).unwrap_or_else(|e| panic!("{}: {e:?}", p.name));
        assert_eq!(state, expected, "{}: interpreter forward differs from native", p.name);
        assert!(report.instructions > 0, "{}: no instructions counted", p.name);
        it.run(&m, gene, &mut state, Direction::Backward)
            .unwrap_or_else(|e| panic!("{} backward: {e:?}", p.name));
        assert_eq!(state, case.input, "{}: backward did not give the input back", p.name);
    }
}

#[test]
fn bench_sizes_compile() {
    // The benchmark rewrites array lengths in the sources; they must still compile there.
    for p in programs() {
        let m = p.module(p.bench);
        p.gene(&m);
    }
}

#[test]
fn native_twins_give_the_published_answers() {
    assert_eq!(speck_encrypt(SPECK_PLAIN, SPECK_KEY, 1), (0xa65d985179783265, 0x7860fedf5c570d18));
    assert_eq!(xtea_encrypt(XTEA_PLAIN, &XTEA_KEY, 1), (0x497df3d0, 0x72612cb5));
    assert_eq!(speck32_encrypt(SPECK32_PLAIN, SPECK32_KEY, 1), (0xa868, 0x42f2));
    // The walks of 1, 2, 3: 0, 1 and 7 steps (3 10 5 16 8 4 2 1).
    assert_eq!(collatz_walks(3, 0), 8);
    assert_eq!(count_digits(&[12345, 0, 7, u64::MAX], 0), 5 + 1 + 20);
    // zlib.crc32(b"12345678" + bytes(24))
    assert_eq!(crc32_words(&[u64::from_le_bytes(*b"12345678"), 0, 0, 0], 0), 0xa4e580a5);
    assert_eq!(fmix64(1), 0xb456bcfc34c2cb2c);
    let (mut n, mut x1, mut x2) = (10, 0, 0);
    fib(&mut n, &mut x1, &mut x2);
    assert_eq!((n, x1, x2), (0, 89, 144));
    unfib(&mut n, &mut x1, &mut x2);
    assert_eq!((n, x1, x2), (10, 0, 0));
    let mut x = vec![2, 0, 3, 1, 5, 7, 4, 6];
    perm_code(&mut x);
    assert_eq!(x, [0, 0, 2, 1, 4, 5, 4, 6]);
    assert_eq!(sums_checked(100, 0, 0), (5050, 338350));
    let (mut text, mut arc) = (vec![1, 1, 2, 2, 2, 3], Vec::new());
    rle_encode(&mut text, &mut arc);
    assert_eq!(arc, [3, 1, 2, 3, 1, 2]);
}

#[test]
fn the_speck_program_gives_the_test_vector() {
    let p = programs().into_iter().find(|p| p.name == "speck").expect("speck");
    let m = p.module(1);
    let mut state = vec![
        Value::Int(SPECK_PLAIN.0),
        Value::Int(SPECK_PLAIN.1),
        Value::Int(SPECK_KEY.0),
        Value::Int(SPECK_KEY.1),
        Value::Int(1),
    ];
    Interpreter::new().run(&m, p.gene(&m), &mut state, Direction::Forward).expect("encrypts");
    assert_eq!(&state[..2], &[Value::Int(0xa65d985179783265), Value::Int(0x7860fedf5c570d18)]);
}
