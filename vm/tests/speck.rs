//! The benchmark's Speck128/128 (vm/benches/speck.rdx), through the whole pipeline, against the
//! published test vector, forward (encrypt) and backward (decrypt).

use rdx_vm::{Direction, Engine, Interpreter, Module, Value};

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
