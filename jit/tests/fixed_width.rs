//! Fixed-width integers (`u8 u16 u32 i8 i16 i32`) on both engines: generated programs at each
//! width run forward then backward back to their input (whole states compared), the JIT
//! agrees with the interpreter both ways, and every final value is in canonical form (it fits
//! its type); plus exact cases of wrapping, rotation, shifts and `*=` at each width.

use proptest::prelude::*;
use rdx_jit::{Jit, JitOptions};
use rdx_lang::ast::{Type, Width};
use rdx_lang::generate::arb_fixed_program;
use rdx_vm::{Direction, Engine, Interpreter, Module, Value};

const WIDTHS: [Width; 6] = [Width::U8, Width::U16, Width::U32, Width::I8, Width::I16, Width::I32];

fn compile(text: &str) -> Module {
    let prog = rdx_lang::parser::parse(text).unwrap_or_else(|d| panic!("parse: {d:?}\n{text}"));
    let checked =
        rdx_lang::check::check(&prog, &Default::default()).unwrap_or_else(|d| panic!("check: {d:?}\n{text}"));
    rdx_vm::compile(&checked, "test.rdx", text).unwrap_or_else(|d| panic!("compile: {d:?}\n{text}"))
}

fn engines() -> Vec<Box<dyn Engine>> {
    vec![
        Box::new(Interpreter::new()),
        Box::new(Jit::with_options(JitOptions { verify: true, optimize: true })),
    ]
}

/// A state from seed words, each reduced to its parameter's type.
fn state(m: &Module, gene: usize, seed: &[u64]) -> Vec<Value> {
    let mut it = seed.iter().copied().cycle();
    m.genes[gene]
        .params
        .iter()
        .map(|p| {
            let x = it.next().unwrap_or(0);
            Value::Int(p.ty.width().map_or(x, |w| w.wrap(x)))
        })
        .collect()
}

fn canonical(m: &Module, gene: usize, s: &[Value]) -> bool {
    m.genes[gene].params.iter().zip(s).all(|(p, v)| match (p.ty, v) {
        (Type::Fixed(w), Value::Int(x)) => w.holds(*x),
        _ => true,
    })
}

fn run(
    e: &mut dyn Engine,
    m: &Module,
    gene: usize,
    s: &[Value],
    dir: Direction,
) -> Result<Vec<Value>, String> {
    let mut a = s.to_vec();
    e.run(m, gene, &mut a, dir).map(|_| a).map_err(|e| format!("{:?}", e.kind))
}

fn check_program(text: &str, seed: &[u64]) -> Result<(), String> {
    let m = compile(text);
    if !rdx_jit::trust::trusted(&m) {
        return Err("the module would not be compiled by the JIT".into());
    }
    for gene in 0..m.genes.len() {
        let s = state(&m, gene, seed);
        let mut results = Vec::new();
        for mut e in engines() {
            let f = run(e.as_mut(), &m, gene, &s, Direction::Forward);
            if let Ok(out) = &f {
                if !canonical(&m, gene, out) {
                    return Err(format!("{}: gene {gene}: a value outside its type: {out:?}", e.name()));
                }
                let back = run(e.as_mut(), &m, gene, out, Direction::Backward);
                if back.as_ref() != Ok(&s) {
                    return Err(format!("{}: gene {gene}: backward gave {back:?}, not {s:?}", e.name()));
                }
            }
            let b = run(e.as_mut(), &m, gene, &s, Direction::Backward);
            if let Ok(out) = &b
                && !canonical(&m, gene, out)
            {
                return Err(format!(
                    "{}: gene {gene}: backward, a value outside its type: {out:?}",
                    e.name()
                ));
            }
            results.push((f, b));
        }
        if results[0] != results[1] {
            return Err(format!("gene {gene}: interpreter {:?}\njit {:?}", results[0], results[1]));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn generated_programs_reverse_and_agree_at_every_width(
        w in 0usize..6,
        p in (0usize..6).prop_flat_map(|w| arb_fixed_program(WIDTHS[w], false)),
        seed in prop::collection::vec(any::<u64>(), 1..8),
    ) {
        let _ = w;
        let text = rdx_lang::print::print_program(&p);
        if let Err(e) = check_program(&text, &seed) {
            prop_assert!(false, "{e}\nprogram:\n{text}\nseed: {seed:?}");
        }
    }
}

/// Runs `src`'s gene `main` forward on both engines and returns the final values.
fn forward(src: &str, args: &[u64]) -> Vec<u64> {
    let m = compile(src);
    let gene = m.gene_index("main").expect("main");
    let mut out = Vec::new();
    for mut e in engines() {
        let mut a: Vec<Value> = args.iter().map(|&x| Value::Int(x)).collect();
        e.run(&m, gene, &mut a, Direction::Forward).expect("runs");
        let words: Vec<u64> = a.iter().map(|v| if let Value::Int(x) = v { *x } else { 0 }).collect();
        let mut b = a.clone();
        e.run(&m, gene, &mut b, Direction::Backward).expect("runs backward");
        assert_eq!(
            b,
            args.iter().map(|&x| Value::Int(x)).collect::<Vec<_>>(),
            "{src}: backward on {}",
            e.name()
        );
        out.push(words);
    }
    assert_eq!(out[0], out[1], "{src}: interpreter and JIT differ");
    out.remove(0)
}

#[test]
fn arithmetic_wraps_at_the_width() {
    assert_eq!(forward("gene main(x: u8, y: u8) { x += y }", &[200, 100]), [44, 100]);
    assert_eq!(forward("gene main(x: u8) { x -= 1 }", &[0]), [255]);
    assert_eq!(forward("gene main(x: u16, y: u16) { x ^= y * 3 }", &[0, 0x6000]), [0x2000, 0x6000]);
    assert_eq!(forward("gene main(x: i8) { x += 1 }", &[127]), [(-128i64) as u64]);
    assert_eq!(forward("gene main(x: i16) { neg x }", &[(-32768i64) as u64]), [(-32768i64) as u64]);
    assert_eq!(forward("gene main(x: u32) { not x }", &[0]), [0xffff_ffff]);
    assert_eq!(forward("gene main(x: i32) { not x }", &[0]), [u64::MAX]);
    // The expression is computed at 8 bits: (200 + 100) wraps to 44 before the shift.
    assert_eq!(
        forward("gene main(x: u8, y: u8, z: u8) { z ^= (x + y) >> 1 }", &[200, 100, 0]),
        [200, 100, 22]
    );
    // Mixed with a u64, the expression is computed on 64-bit words; the update wraps.
    assert_eq!(
        forward("gene main(x: u8, y: u8, w: u64) { y += (x + w) >> 1 }", &[200, 0, 100]),
        [200, 150, 100]
    );
    // Literals wrap into the target's width.
    assert_eq!(forward("gene main(x: u8) { x += 300 }", &[0]), [44]);
}

#[test]
fn rotations_and_shifts_act_at_the_width() {
    assert_eq!(forward("gene main(x: u8) { x <<<= 3 }", &[0x81]), [0x0c]);
    assert_eq!(forward("gene main(x: u8) { x >>>= 3 }", &[0x81]), [0x30]);
    assert_eq!(forward("gene main(x: u16, k: u16) { x <<<= k }", &[0x8001, 17]), [0x0003, 17]);
    assert_eq!(forward("gene main(x: i8) { x <<<= 1 }", &[(-128i64) as u64]), [1]);
    assert_eq!(forward("gene main(x: i8) { x >>>= 1 }", &[1]), [(-128i64) as u64]);
    assert_eq!(forward("gene main(x: u32) { x <<<= 32 }", &[0x1234_5678]), [0x1234_5678]);
    assert_eq!(forward("gene main(x: u8) { x ^= x << 4 }", &[0x1f]), [0xef]);
    assert_eq!(forward("gene main(x: u8) { x ^= x >> 4 }", &[0xf1]), [0xfe]);
    assert_eq!(forward("gene main(x: i8) { x ^= x << 1 }", &[0x40]), [(-64i64) as u64]);
    assert_eq!(forward("gene main(x: u8, y: u8) { y ^= x << 9 }", &[0xff, 1]), [0xff, 1]);
}

#[test]
fn multiplication_inverts_mod_two_to_the_width() {
    for (ty, mask) in [("u8", 0xffu64), ("u16", 0xffff), ("u32", 0xffff_ffff)] {
        let src = format!("gene main(x: {ty}) {{ x *= 0x9e3779b1 }}");
        let out = forward(&src, &[12345 & mask]);
        assert_eq!(out[0], (12345 & mask).wrapping_mul(0x9e37_79b1) & mask, "{ty}");
    }
    assert_eq!(forward("gene main(x: i8) { x *= 3 }", &[100]), [44]);
}

#[test]
fn locals_and_conditions_at_the_width() {
    let src = "gene main(x: u8, y: u8) {
        local t: u8 = x + 1
        if t == 0 { y += 1 } fi t == 0
        delocal t = x + 1
    }";
    assert_eq!(forward(src, &[255, 0]), [255, 1]);
    assert_eq!(forward(src, &[254, 0]), [254, 0]);
    assert_eq!(
        forward("gene main(x: i16, y: u8) { if x < 0 { y += 1 } fi x < 0 }", &[(-5i64) as u64, 0]),
        [(-5i64) as u64, 1]
    );
}

#[test]
fn out_of_range_arguments_are_refused() {
    let m = compile("gene main(x: u8) { x += 1 }");
    for mut e in engines() {
        let mut a = vec![Value::Int(256)];
        let err = e.run(&m, 0, &mut a, Direction::Forward).expect_err("256 is not a u8");
        assert!(format!("{:?}", err.kind).contains("does not fit"), "{}: {:?}", e.name(), err.kind);
    }
}
