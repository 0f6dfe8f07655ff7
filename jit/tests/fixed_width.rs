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
    assert_eq!(forward("gene main(x: u8) { x ^= 0x1ff }", &[0x0f]), [0xf0]);
    assert_eq!(forward("gene main(x: i8) { x ^= 0x180 }", &[1]), [(-127i64) as u64]);
}

#[test]
fn rotations_and_shifts_act_at_the_width() {
    assert_eq!(forward("gene main(x: u8) { x <<<= 3 }", &[0x81]), [0x0c]);
    assert_eq!(forward("gene main(x: u8) { x >>>= 3 }", &[0x81]), [0x30]);
    assert_eq!(forward("gene main(x: u16, k: u16) { x <<<= k }", &[0x8001, 17]), [0x0003, 17]);
    assert_eq!(forward("gene main(x: i8) { x <<<= 1 }", &[(-128i64) as u64]), [1]);
    assert_eq!(forward("gene main(x: i8) { x >>>= 1 }", &[1]), [(-128i64) as u64]);
    assert_eq!(forward("gene main(x: u32) { x <<<= 32 }", &[0x1234_5678]), [0x1234_5678]);
    // Amounts of any size are taken modulo the width.
    assert_eq!(forward("gene main(x: u8, k: u64) { x <<<= k }", &[0x81, u64::MAX]), [0xc0, u64::MAX]);
    assert_eq!(forward("gene main(x: u8, k: u64) { x >>>= k }", &[0x81, 67]), [0x30, 67]);
    let k = 0x8000_0000_0000_0011u64;
    assert_eq!(forward("gene main(x: i16, k: u64) { x <<<= k }", &[0x4001, k]), [0x8002u16 as i16 as u64, k]);
    assert_eq!(forward("gene main(x: i32, k: u64) { x >>>= k }", &[3, 33]), [(-0x7fff_ffffi64) as u64, 33]);
    assert_eq!(forward("gene main(x: u8) { x ^= x << 4 }", &[0x1f]), [0xef]);
    assert_eq!(forward("gene main(x: u8) { x ^= x >> 4 }", &[0xf1]), [0xfe]);
    assert_eq!(forward("gene main(x: u16) { x ^= x >> 15 }", &[0x8001]), [0x8000]);
    assert_eq!(forward("gene main(x: u32) { x ^= x << 13\n x ^= x >> 17 }", &[0xdead_beef]), [0x6970_6a57]);
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

/// An expression over a few of the parameters `p0: u8 … p6: u64` of [`WIDTH_GENE`] (one to
/// three, so that most expressions are computed at a fixed width), fully parenthesised.
fn arb_width_expr() -> impl Strategy<Value = String> {
    prop::sample::subsequence((0..7).collect::<Vec<usize>>(), 1..=3).prop_flat_map(|vars| {
        let leaf = prop_oneof![
            6 => prop::sample::select(vars).prop_map(|k| format!("p{k}")),
            1 => prop_oneof![Just(0u64), Just(1), Just(0x80), Just(0xff), Just(0x1_0001), Just(0xffff_ffff), any::<u64>()]
                .prop_map(|k| k.to_string()),
            1 => (0u64..70).prop_map(|k| k.to_string()),
        ];
        leaf.prop_recursive(4, 24, 2, |inner| {
            let ops = ["+", "-", "*", "&", "|", "^", "<<", ">>", "<", "==", "!="];
            let weights = [4, 4, 3, 3, 2, 3, 3, 3, 1, 1, 1];
            let op = prop::sample::select(
                (0..ops.len()).flat_map(|k| std::iter::repeat_n(ops[k], weights[k])).collect::<Vec<_>>(),
            );
            prop_oneof![
                5 => (inner.clone(), op, inner.clone()).prop_map(|(l, o, r)| format!("({l} {o} {r})")),
                1 => (inner, prop_oneof![Just("-"), Just("~")]).prop_map(|(x, u)| format!("({u}{x})")),
            ]
        })
    })
}

/// The gene the width property test runs: `t op= e` on a target of width `ty`.
const WIDTH_GENE: &str =
    "gene main(p0: u8, p1: i8, p2: u16, p3: i16, p4: u32, p5: i32, p6: u64, t: TY) { t OP EXPR }";

/// `e`'s value by the language's definition: each arithmetic step of an expression computed
/// at a fixed width (`rdx_lang::types::expr_width`) wraps to that width.
fn reference(e: &rdx_lang::ast::Expr, vals: &[u64], types: &[Type]) -> u64 {
    use rdx_lang::ast::{BinOp, Dialect, ExprKind, UnOp};
    let lookup = |n: &str| Some(types[n[1..].parse::<usize>().unwrap()]);
    let v = match &e.kind {
        ExprKind::Int(k) => return *k,
        ExprKind::Var(n) => return vals[n[1..].parse::<usize>().unwrap()],
        ExprKind::Unary(op, x) => {
            let x = reference(x, vals, types);
            match op {
                UnOp::Neg => x.wrapping_neg(),
                UnOp::BitNot => !x,
                UnOp::Not => (x == 0) as u64,
            }
        }
        ExprKind::Binary(op, l, r) => {
            let signed = rdx_lang::types::operands_signed(Dialect::Rdx, l, r, &lookup);
            let (a, b) = (reference(l, vals, types), reference(r, vals, types));
            match op {
                BinOp::Add => a.wrapping_add(b),
                BinOp::Sub => a.wrapping_sub(b),
                BinOp::Mul => a.wrapping_mul(b),
                BinOp::And => a & b,
                BinOp::Or => a | b,
                BinOp::Xor => a ^ b,
                BinOp::Shl => {
                    if b >= 64 {
                        0
                    } else {
                        a << b
                    }
                }
                BinOp::Shr if signed => ((a as i64) >> b.min(63)) as u64,
                BinOp::Shr => {
                    if b >= 64 {
                        0
                    } else {
                        a >> b
                    }
                }
                BinOp::Lt if signed => ((a as i64) < b as i64) as u64,
                BinOp::Lt => (a < b) as u64,
                BinOp::Eq => (a == b) as u64,
                BinOp::Ne => (a != b) as u64,
                other => panic!("operator {other:?} not generated"),
            }
        }
        other => panic!("{other:?} not generated"),
    };
    rdx_lang::types::expr_width(e, &lookup).map_or(v, |w| w.wrap(v))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// The compiler leaves out the wraps no consumer can tell from (a sum that only a
    /// narrower update reads, a value reduced already): every step's result must still be
    /// the language's. Checked against a reference evaluator, on both engines, both ways.
    #[test]
    fn expressions_compute_at_their_width(
        expr in arb_width_expr(),
        w in 0usize..7,
        op in 0usize..3,
        seed in prop::collection::vec(any::<u64>(), 8),
    ) {
        let tys = ["u8", "i8", "u16", "i16", "u32", "i32", "u64"];
        let src = WIDTH_GENE.replace("TY", tys[w]).replace("OP", ["+=", "-=", "^="][op]).replace("EXPR", &expr);
        let m = compile(&src);
        let types: Vec<Type> = m.genes[0].params.iter().map(|p| p.ty).collect();
        let vals: Vec<u64> = seed.iter().zip(&types).map(|(&x, t)| t.width().map_or(x, |w| w.wrap(x))).collect();
        let prog = rdx_lang::parser::parse(&src).unwrap();
        let rdx_lang::ast::StmtKind::Update { value, .. } = &prog.genes[0].body.stmts[0].kind else { unreachable!() };
        let e = reference(value, &vals, &types);
        let t = vals[7];
        let want = match op { 0 => t.wrapping_add(e), 1 => t.wrapping_sub(e), _ => t ^ e };
        let want = types[7].width().map_or(want, |w| w.wrap(want));
        let out = forward(&src, &vals);
        prop_assert_eq!(out[..7].to_vec(), vals[..7].to_vec(), "{}", src);
        prop_assert_eq!(out[7], want, "{}\ninputs {:x?}", src, vals);
    }
}

/// A loop counted by a fixed-width variable runs as a counted loop where the counter cannot
/// wrap (constant bounds in order, nothing else changes it); the others wrap as every update
/// does.
#[test]
fn narrow_loop_counters_wrap_where_they_must() {
    // i: 250, 251, …, 255, 0, 1, 2, 3: nine trips, each adding i to s (mod 256).
    let wraps = "gene main(s: u8) { local i: u8 = 250\n from i == 250 do { s += i\n i += 1 } until i == 3\n delocal i = 3 }";
    let want = (250..=255u64).chain(0..3).fold(0u64, |s, i| (s + i) & 0xff);
    assert_eq!(forward(wraps, &[0]), [want]);
    // Counting down through zero at a signed width: -2, -1, 0, 1, 2 … as i8 from 2 to -3.
    let down = "gene main(s: i16) { local i: i8 = 2\n from i == 2 do { s += i\n i -= 1 } until i == -3\n delocal i = -3 }";
    assert_eq!(forward(down, &[10]), [10 + 2 + 1 - 1 - 2]);
    // The body changes the counter too (by 3 a trip): 1, 4 … 253, 0, 3 … 255, 2: the last step
    // of a trip wraps it (253 + 2 + 1).
    let body = "gene main(s: u16) { local i: u8 = 1\n from i == 1 do { s += i\n i += 2\n i += 1 } until i == 2\n delocal i = 2 }";
    let (mut s, mut i) = (0u64, 1u64);
    loop {
        s = (s + i) & 0xffff;
        i = (i + 3) & 0xff;
        if i == 2 {
            break;
        }
    }
    assert_eq!(forward(body, &[0]), [s]);
    // A counted loop proper: from 0 up to 200 at u8.
    let counted = "gene main(s: u32) { local i: u8 = 0\n from i == 0 do { s += i\n i += 1 } until i == 200\n delocal i = 200 }";
    assert_eq!(forward(counted, &[0]), [(0..200u64).sum::<u64>()]);
}

#[test]
fn show_prints_signed_fixed_width_values_with_their_sign() {
    // i8 … i32 values are kept sign-extended; `show` printed -1 as 18446744073709551615.
    let src = "gene main(a: i8, b: i16, c: i32, d: u8) {\n    a -= 1\n    b -= 2\n    c -= 3\n    d -= 4\n    show a, b, c, d\n}\n";
    let m = compile(src);
    for mut e in engines() {
        let mut s = vec![Value::Int(0); 4];
        e.run(&m, 0, &mut s, Direction::Forward).unwrap();
        let out = String::from_utf8(e.take_output()).unwrap();
        assert_eq!(out, "a = -1\nb = -2\nc = -3\nd = 252\n", "{}", e.name());
    }
}

/// `push` and `pop` of each fixed width, on both engines both ways (whole states compared,
/// stacks too): a push takes the variable's word as it is (sign-extended when signed) and a
/// pop takes back only a value of the variable's type; the JIT agrees with the interpreter.
#[test]
fn push_and_pop_move_words_of_the_width() {
    let neg = |x: i64| x as u64;
    // (type, values of the type, words that are not values of it)
    let cases: [(&str, Vec<u64>, Vec<u64>); 6] = [
        ("u8", vec![0, 1, 0x80, 0xff], vec![0x100, 300, u64::MAX, neg(-1) & !0xff]),
        ("u16", vec![1, 0xffff], vec![0x1_0000, u64::MAX]),
        ("u32", vec![7, 0xffff_ffff], vec![0x1_0000_0000, neg(-5)]),
        ("i8", vec![5, 127, neg(-1), neg(-128)], vec![128, 200, 0xff, neg(-129)]),
        ("i16", vec![neg(-32768), 32767, neg(-2)], vec![0x8000, 0xffff, neg(-32769)]),
        ("i32", vec![neg(-1), neg(-0x8000_0000), 0x7fff_ffff], vec![0x8000_0000, 0xffff_ffff, 1 << 40]),
    ];
    for (ty, good, bad) in cases {
        // Through a stack from x to y, and on into a u64, which gets the same word.
        let src = format!(
            "gene main(x: {ty}, y: {ty}, w: u64, s: stack) {{\n    push x, s\n    pop y, s\n    push y, s\n    pop w, s\n}}"
        );
        let m = compile(&src);
        for &v in &good {
            let start = vec![Value::Int(v), Value::Int(0), Value::Int(0), Value::Stack(vec![3])];
            let end = vec![Value::Int(0), Value::Int(0), Value::Int(v), Value::Stack(vec![3])];
            let mut outs = Vec::new();
            for mut e in engines() {
                let f = run(e.as_mut(), &m, 0, &start, Direction::Forward);
                assert_eq!(f, Ok(end.clone()), "{ty} {v:#x}: forward on {}", e.name());
                let b = run(e.as_mut(), &m, 0, &end, Direction::Backward);
                assert_eq!(b, Ok(start.clone()), "{ty} {v:#x}: backward on {}", e.name());
                outs.push((f, b));
            }
            assert_eq!(outs[0], outs[1], "{ty} {v:#x}: the engines differ");
        }
        // A pop of a word that is not a value of the type stops the run (R0113), forward and
        // in a backward run of a push (whose mirror is a pop), and leaves the stack alone.
        let pop = compile(&format!("gene main(x: {ty}, s: stack) {{\n    pop x, s\n}}"));
        let push = compile(&format!("gene main(x: {ty}, s: stack) {{\n    push x, s\n}}"));
        for &v in &bad {
            let shown = if ty.starts_with('i') { (v as i64).to_string() } else { v.to_string() };
            let want = format!("the top of the stack, {shown}, does not fit in `x: {ty}`");
            let mut errors = Vec::new();
            for (m, dir) in [(&pop, Direction::Forward), (&push, Direction::Backward)] {
                for mut e in engines() {
                    let mut a = vec![Value::Int(0), Value::Stack(vec![1, v])];
                    let err = e.run(m, 0, &mut a, dir).expect_err("out of range");
                    assert_eq!(err.kind.code(), rdx_lang::diag::Code::R0113, "{ty} {v:#x} on {}", e.name());
                    assert_eq!(err.kind.message(), want, "{ty} {v:#x} {dir:?} on {}", e.name());
                    errors.push(err.kind);
                }
            }
            assert!(errors.windows(2).all(|w| w[0] == w[1]), "{ty} {v:#x}: {errors:?}");
        }
        // A value of the type goes back into x backward too.
        for &v in &good {
            for mut e in engines() {
                let end = vec![Value::Int(0), Value::Stack(vec![v])];
                let b = run(e.as_mut(), &push, 0, &end, Direction::Backward);
                assert_eq!(b, Ok(vec![Value::Int(v), Value::Stack(vec![])]), "{ty} {v:#x} on {}", e.name());
            }
        }
    }
}

/// The fault names the variable of the gene that pops, also when that gene is a small leaf the
/// interpreter runs in place in its caller's frame (`module/inline.rs`).
#[test]
fn a_pop_too_wide_in_a_called_gene_names_its_own_variable() {
    let src = "gene main(a: u64, b: i16, s: stack) {\n    call g(b, s)\n}\ngene g(x: i16, t: stack) {\n    pop x, t\n}";
    let m = compile(src);
    for mut e in engines() {
        let mut a = vec![Value::Int(9), Value::Int(0), Value::Stack(vec![40000])];
        let err = e.run(&m, 0, &mut a, Direction::Forward).expect_err("40000 is no i16");
        assert_eq!(
            err.kind.message(),
            "the top of the stack, 40000, does not fit in `x: i16`",
            "{}",
            e.name()
        );
        let genes: Vec<&str> = err.stack.iter().map(|f| f.gene.as_str()).collect();
        assert_eq!(genes, ["g", "main"], "{}", e.name());
    }
}

/// `t := e` and its `undo` at a fixed width (the value is reduced before the write, so the tape
/// records what `t` holds: the `undo` found 44 where the tape said 300), `undo z := e` of a
/// short-circuit expression (its tape tag no longer depends on where the statement stands), and
/// `x ^= y` of a narrower fixed-width parameter (an internal error before): each runs forward
/// to the expected state and back on both engines.
#[test]
fn scratch_writes_and_xors_of_narrower_parameters_run_both_ways() {
    let neg = |x: i64| Value::Int(x as u64);
    let cases = [
        (
            "gene main(x: u64, y: u64) {\n    local t: u8 = 0\n    t := x\n    y += t\n    undo t := x\n    delocal t = 0\n}\n",
            vec![Value::Int(300), Value::Int(0)],
            vec![Value::Int(300), Value::Int(44)],
        ),
        (
            "gene main(x: i64, y: i64) {\n    local t: i8 = 0\n    t := x + 1\n    y += t\n    undo t := x + 1\n    delocal t = 0\n}\n",
            vec![neg(-200), Value::Int(0)],
            vec![neg(-200), Value::Int(57)],
        ),
        (
            "gene main(ra: u64, rb: u64) {\n    local z: u64 = 7\n    z := rb || 3\n    ra += z\n    undo z := rb || 3\n    delocal z = 7\n}\n",
            vec![Value::Int(0), Value::Int(0)],
            vec![Value::Int(1), Value::Int(0)],
        ),
        (
            "gene main(x5: u32, x2: u16) {\n    x5 ^= x2\n}\n",
            vec![Value::Int(0x1234_5678), Value::Int(0xffff)],
            vec![Value::Int(0x1234_a987), Value::Int(0xffff)],
        ),
        ("gene main(a: i32, b: i8) {\n    a ^= b\n}\n", vec![Value::Int(5), neg(-1)], vec![neg(-6), neg(-1)]),
        (
            "gene main(a: i16, b: u8) {\n    a ^= b\n}\n",
            vec![neg(-1), Value::Int(255)],
            vec![neg(-256), Value::Int(255)],
        ),
    ];
    for (text, input, output) in cases {
        let m = compile(text);
        for mut e in engines() {
            let name = e.name();
            assert_eq!(
                run(e.as_mut(), &m, 0, &input, Direction::Forward),
                Ok(output.clone()),
                "{name}: {text}"
            );
            assert_eq!(
                run(e.as_mut(), &m, 0, &output, Direction::Backward),
                Ok(input.clone()),
                "{name}: {text}"
            );
        }
    }
}
