//! The backward stream against the opcode table, generated from [`OPCODES`]: for every effect
//! opcode, a gene whose body is that instruction, run backward, does exactly what a gene whose
//! body is its mirror does run forward (same state, same error, same output), and forward then
//! backward is the identity. Operands come from each row's operand types, so a new opcode is
//! covered as soon as it is in the table. Also: the backward stream's position maps are
//! inverse to each other on every compiled stdlib program.

use proptest::prelude::*;
use rdx_lang::ast::{Elem, Type};
use rdx_vm::module::{GeneDef, ParamDef};
use rdx_vm::ops::{Class, OPCODES, Op, Reader};
use rdx_vm::{Direction, Engine, Interpreter, Module, Value};

/// Scalar parameters `p0..p5` are slots 0..5, the array `a: u64[4]` slots 6 and 7, the stack
/// `s` slot 8; slot 9 is a local (a scalar or a stack), slots 10 and 11 a local array stored in words 12..16.
const SCALARS: u16 = 6;

/// Encodes an instance of opcode row `info` with operands drawn from `seed`, and decodes it.
fn instance(code: u8, operands: &[(&str, &str)], seed: &[u64]) -> Op {
    let mut it = seed.iter().copied().cycle();
    let mut next = || it.next().unwrap_or(0);
    let mut b = vec![code];
    let first = (next() % SCALARS as u64) as u16;
    let mut used = 0;
    for &(name, ty) in operands {
        match ty {
            "Slot" => {
                let s: u16 = match name {
                    "stack" => 8,
                    // An ancilla (`local`, `local.imm`, `local.stack` and their mirrors) is a
                    // local slot, zero when the gene starts.
                    "dst" if matches!(code, 0x18..=0x1b | 0x1e | 0x1f) => 9,
                    // Distinct slots: an update never reads its own target (rule I2).
                    _ => {
                        let s = (first + used) % SCALARS;
                        used += 1;
                        s
                    }
                };
                b.extend_from_slice(&s.to_le_bytes());
            }
            // local.arr / delocal.arr open their own array; the others use the parameter.
            "Arr" => b.extend_from_slice(&(if code & 0xfe == 0x1c { 10u16 } else { 6 }).to_le_bytes()),
            "Imm" => b.extend_from_slice(&(next() | 1).to_le_bytes()),
            "Amt" => b.push((next() % 63 + 1) as u8),
            "Word" => {
                let w: u32 = match name {
                    "at" => 12,
                    "len" => 4,
                    _ => 0,
                };
                b.extend_from_slice(&w.to_le_bytes());
            }
            "GeneIdx" => b.extend_from_slice(&1u32.to_le_bytes()),
            "Args" => {
                b.extend_from_slice(&0u32.to_le_bytes());
                b.extend_from_slice(&1u16.to_le_bytes());
            }
            "Str" => b.extend_from_slice(&((next() % 2) as u32).to_le_bytes()),
            "Fmt" => b.push(0),
            // u8 u16 u32 i8 i16 i32.
            "Wid" => b.push([8u8, 16, 32, 0x88, 0x90, 0xa0][(next() % 6) as usize]),
            "Cond" => {
                let (x, y) = ((next() % SCALARS as u64) as u16, (next() % SCALARS as u64) as u16);
                b.push(1); // a == b
                b.extend_from_slice(&x.to_le_bytes());
                b.extend_from_slice(&y.to_le_bytes());
            }
            "Pre" => b.extend_from_slice(&0u16.to_le_bytes()),
            other => panic!("no generator for operand type {other} (add one)"),
        }
    }
    Op::decode(&mut Reader::new(&b)).unwrap_or_else(|e| panic!("{e}"))
}

/// The fixed width `op` computes at, if any.
fn width(op: Op) -> Option<rdx_vm::ops::Wid> {
    match op {
        Op::Fix { w, .. }
        | Op::RotlW { w, .. }
        | Op::RotrW { w, .. }
        | Op::RotlWImm { w, .. }
        | Op::RotrWImm { w, .. }
        | Op::AddW { w, .. }
        | Op::SubW { w, .. }
        | Op::XorW { w, .. }
        | Op::AddWImm { w, .. }
        | Op::SubWImm { w, .. }
        | Op::PushW { w, .. }
        | Op::PopW { w, .. } => Some(w),
        _ => None,
    }
}

/// A module whose `main` runs `op` (and a callee `g(q)` for calls). The scalar parameters are
/// of `op`'s width, if it has one (the verifier refuses an instruction of a width on a
/// parameter of another type).
fn module(op: Op) -> Module {
    let u64p = |n: &str| ParamDef { name: n.into(), ty: Type::U64 };
    let scalar = width(op).map_or(Type::U64, |w| Type::Fixed(w.width()));
    let mut params: Vec<ParamDef> =
        (0..SCALARS).map(|i| ParamDef { name: format!("p{i}"), ty: scalar }).collect();
    params.push(ParamDef { name: "a".into(), ty: Type::Array(Elem::U64, 4) });
    params.push(ParamDef { name: "s".into(), ty: Type::Stack });
    let gene = |name: &str, params, slots, words, args, code| GeneDef {
        name: String::from(name),
        params,
        slots,
        words,
        args,
        code,
        param_slots: Vec::new(),
        param_pass: Vec::new(),
        param_back: Vec::new(),
        tape_tags: Vec::new(),
        param_words: 0,
        backward: Default::default(),
        plain: Default::default(),
        loops: Vec::new(),
        arg_written: Vec::new(),
        skipping: Default::default(),
    };
    let callee = vec![
        Op::Enter {},
        Op::MulImm { dst: rdx_vm::ops::Slot(0), imm: rdx_vm::ops::Imm(3) },
        Op::AddImm { dst: rdx_vm::ops::Slot(0), imm: rdx_vm::ops::Imm(5) },
        Op::Exit {},
    ];
    let mut m = Module {
        dialect: Default::default(),
        strings: vec!["boom".into(), "x".into()],
        genes: vec![
            gene("main", params, 12, 16, vec![rdx_vm::ops::Slot(1)], vec![Op::Enter {}, op, Op::Exit {}]),
            gene("g", vec![u64p("q")], 1, 1, vec![], callee),
        ],
        debug: None,
    };
    // A lone `local` or `delocal` is half an ancilla pair: loaded as a unit of its own.
    m.verify_unit().unwrap_or_else(|e| panic!("{op:?}: {e}"));
    m
}

fn state(v: &[u64], arr: &[u64], stack: &[u64]) -> Vec<Value> {
    let mut s: Vec<Value> = v.iter().map(|&x| Value::Int(x)).collect();
    s.push(Value::Array(arr.to_vec()));
    s.push(Value::Stack(stack.to_vec()));
    s
}

type Outcome = (Result<Vec<Value>, rdx_vm::RunErrorKind>, Vec<u8>);

fn run(it: &mut Interpreter, m: &Module, start: &[Value], dir: Direction) -> Outcome {
    let mut s = start.to_vec();
    let r = it.run(m, 0, &mut s, dir).map(|_| s).map_err(|e| e.kind);
    (r, it.take_output())
}

fn effect_rows() -> Vec<usize> {
    // (The interpreter's own fused forms are never in a module: their parts are tested.)
    let plain_only = |i: usize| instance(OPCODES[i].code, OPCODES[i].operands, &[0]).plain_only();
    (0..OPCODES.len()).filter(|&i| OPCODES[i].class == Class::Effect && !plain_only(i)).collect()
}

fn small() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..5, any::<u64>()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn every_effect_backward_is_its_mirror_forward(
        row in prop::sample::select(effect_rows()),
        seed in prop::collection::vec(any::<u64>(), 8),
        v in prop::collection::vec(small(), SCALARS as usize),
        arr in prop::collection::vec(small(), 4),
        stack in prop::collection::vec(small(), 0..3),
    ) {
        let info = &OPCODES[row];
        let op = instance(info.code, info.operands, &seed);
        prop_assert_eq!(op.mnemonic(), info.mnemonic);
        prop_assert_eq!(op.mirror().mirror(), op);
        let (m, mm) = (module(op), module(op.mirror()));
        // A fixed-width update is a bijection on values of its width (canonical words).
        let v: Vec<u64> = match width(op) {
            Some(w) => v.iter().map(|&x| w.wrap(x)).collect(),
            None => v,
        };
        let start = state(&v, &arr, &stack);
        let mut it = Interpreter::new();
        let backward = run(&mut it, &m, &start, Direction::Backward);
        it.clear_tape();
        let mirror = run(&mut it, &mm, &start, Direction::Forward);
        it.clear_tape();
        prop_assert_eq!(&backward, &mirror, "{:?} backward vs {:?} forward", op, op.mirror());
        // Forward then backward is the identity (the tape carries what a lossy write erased),
        // except for a lone half of an ancilla pair: its partner would be in the same frame.
        let ancilla = info.mnemonic.starts_with("local") || info.mnemonic.starts_with("delocal");
        if let (false, (Ok(after), _)) = (ancilla, run(&mut it, &m, &start, Direction::Forward)) {
            let (back, _) = run(&mut it, &m, &after, Direction::Backward);
            prop_assert_eq!(back, Ok(start.clone()), "{:?}", op);
            prop_assert_eq!(it.tape_len(), 0);
        }
    }
}

#[test]
fn every_effect_row_has_instances() {
    for &row in &effect_rows() {
        let info = &OPCODES[row];
        let op = instance(info.code, info.operands, &[1, 2, 3]);
        module(op);
    }
}

/// Compiles every stdlib program and checks the backward streams' maps.
#[test]
fn position_maps_are_inverse() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../stdlib");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("stdlib") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "rdx") {
            continue;
        }
        let src = std::fs::read_to_string(&path).expect("read");
        let Ok(prog) = rdx_lang::parser::parse(&src) else { continue };
        let Ok(checked) = rdx_lang::check::check(&prog, &Default::default()) else { continue };
        let m = rdx_vm::compile(&checked, "s.rdx", &src).expect("compiles");
        for g in &m.genes {
            let b = &g.backward;
            assert_eq!(b.code.len(), b.origin.len());
            assert_eq!(b.to_backward.len(), g.code.len() + 1);
            // Every statement boundary maps to a backward boundary and back.
            let mut mapped = 0;
            for (p, &q) in b.to_backward.iter().enumerate() {
                if q != rdx_vm::module::Backward::NONE {
                    assert_eq!(b.to_forward[q as usize] as usize, p, "{}: {}", path.display(), g.name);
                    mapped += 1;
                }
            }
            assert_eq!(b.to_backward[1] as usize, b.code.len() - 1, "start of the body ↔ before exit");
            assert_eq!(b.to_backward[g.code.len() - 1], 1, "end of the body ↔ after enter");
            assert!(mapped >= 2);
            seen += 1;
        }
    }
    assert!(seen > 10, "only {seen} genes");
}
