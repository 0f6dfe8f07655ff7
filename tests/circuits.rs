//! `rdx circuit`: every circuit is simulated on basis states and compared with the
//! interpreter (every state when the parameters have ≤ 16 bits, sampled states otherwise);
//! ancillas must come back to zero. The adder's gate counts are Cuccaro et al.'s.

use proptest::prelude::*;
use rdx_core::circuit::{self, Circuit, Gate};
use rdx_lang::ast::{BinOp, Dir, Type, UnOp, UpdateOp, Width};
use rdx_lang::generate::{ExprRecipe, GeneRecipe, StmtRecipe};
use rdx_vm::{Direction, Engine, Interpreter, Module, Value};
use std::path::Path;

fn front(text: &str) -> (rdx_lang::check::Checked, Module) {
    let prog = rdx_lang::parser::parse(text).unwrap_or_else(|d| panic!("parse: {d:?}\n{text}"));
    let checked =
        rdx_lang::check::check(&prog, &Default::default()).unwrap_or_else(|d| panic!("check: {d:?}"));
    let m = rdx_vm::compile(&checked, "t.rdx", text).unwrap_or_else(|d| panic!("compile: {d:?}"));
    (checked, m)
}

/// Compares the circuit with the interpreter on the parameter values `vals` (each its
/// w-bit pattern). Err: the difference.
fn agree_on(c: &Circuit, m: &Module, gene: usize, vals: &[u64]) -> Result<(), String> {
    let mut args: Vec<Value> =
        c.registers.iter().zip(vals).map(|((_, w, _), &v)| Value::Int(w.wrap(v))).collect();
    let ok = Interpreter::new().run(m, gene, &mut args, Direction::Forward).is_ok();
    let mut bits = vec![false; c.qubits() as usize];
    for ((_, _, wires), v) in c.registers.iter().zip(vals) {
        for (i, &q) in wires.iter().enumerate() {
            bits[q as usize] = v >> i & 1 == 1;
        }
    }
    c.simulate(&mut bits);
    if !ok {
        return Ok(()); // the gene is partial there: the circuit may do anything
    }
    let nparam: usize = c.registers.iter().map(|r| r.2.len()).sum();
    if bits[nparam..].iter().any(|&b| b) {
        return Err(format!("state {vals:x?}: an ancilla is not back to zero"));
    }
    for (((name, w, wires), want), v) in c.registers.iter().zip(&args).zip(vals) {
        let got = wires.iter().enumerate().fold(0u64, |a, (i, &q)| a | u64::from(bits[q as usize]) << i);
        let Value::Int(want) = want else { unreachable!() };
        if got != want & w.mask() {
            return Err(format!(
                "from {vals:x?}: `{name}` circuit {got:#x}, interpreter {:#x} (in {v:#x})",
                want & w.mask()
            ));
        }
    }
    Ok(())
}

/// Every state when there are at most 16 parameter bits, else 128 spread states.
fn verify(c: &Circuit, m: &Module, gene: usize) -> Result<usize, String> {
    let widths: Vec<u32> = c.registers.iter().map(|r| r.2.len() as u32).collect();
    let bits: u32 = widths.iter().sum();
    let states: Vec<Vec<u64>> = if bits <= 16 {
        (0..1u64 << bits)
            .map(|s| {
                let mut at = 0;
                widths
                    .iter()
                    .map(|&w| {
                        let v = (s >> at) & ((1u64 << w) - 1);
                        at += w;
                        v
                    })
                    .collect()
            })
            .collect()
    } else {
        spread_states(&widths, 128)
    };
    for s in &states {
        agree_on(c, m, gene, s)?;
    }
    Ok(states.len())
}

/// OpenQASM 3 forbids a gate that names one qubit twice.
fn distinct_operands(c: &Circuit) -> Result<(), String> {
    for g in &c.gates {
        let mut qs: Vec<u32> = match g {
            Gate::Mcx { controls, target } => controls.iter().copied().chain([*target]).collect(),
            Gate::Swap(a, b) => vec![*a, *b],
        };
        let n = qs.len();
        qs.sort_unstable();
        qs.dedup();
        if qs.len() != n {
            return Err(format!("{g:?} names a qubit twice"));
        }
    }
    Ok(())
}

fn compile_and_verify(text: &str, gene: &str) -> Circuit {
    let (checked, m) = front(text);
    let c = circuit::compile(&checked.program, gene).unwrap_or_else(|e| panic!("{gene}: {}", e.message));
    if let Err(e) = distinct_operands(&c) {
        panic!("{gene}: {e}\n{text}");
    }
    let gi = m.gene_index(gene).expect("gene");
    if let Err(e) = verify(&c, &m, gi) {
        panic!("{gene}: {e}\n{text}");
    }
    c
}

#[test]
fn stdlib_genes_compile_and_agree_with_the_interpreter() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib/speck32.rdx");
    let text = std::fs::read_to_string(path).expect("speck32.rdx");
    for gene in ["speck_round8", "speck_round", "speck_key_step", "simon_round", "simon32", "speck32"] {
        let c = compile_and_verify(&text, gene);
        assert!(!c.gates.is_empty(), "{gene}");
    }
}

#[test]
fn constructs_agree_at_every_width() {
    let cases = [
        "gene g(x: u8, y: u8) { x ^= (y & 3) | (y >> 5) }",
        "gene g(x: u8, y: u8) { x += y }",
        "gene g(x: u8, y: u8) { x -= y + 3 }",
        "gene g(x: i8, y: i8) { x += y * 5 }",
        "gene g(x: u8, y: u8) { x -= y * 0xe1 }",
        "gene g(x: u8, y: u8) { if y < 9 { x += y * 0x71 } fi y < 9 }",
        "gene g(x: u8, y: u8) { x ^= x << 3\n y ^= y >> 2 }",
        "gene g(x: u8, y: u8) { x <<<= 3\n swap x, y\n y >>>= 1 }",
        "gene g(x: i8) { neg x }",
        "gene g(x: u8) { not x\n x += 200 }",
        "gene g(x: u8, y: u8) { if x == 3 { y += 1 } else { y ^= 7 } fi x == 3 }",
        "gene g(x: u8, y: u8) { if x < y { x <<<= 1\n swap x, y } fi y < x || y == x }",
        "gene g(x: i8, y: i8) { if x < 0 && y >= 2 { y += x } fi y < x + 2 && x < 0 }",
        "gene g(x: u8, y: u16) { y += x }",
        "gene g(x: u16, y: u8) { local t: u8 = 0\n from t == 0 do { x += y\n t += 1 } until t == 5\n delocal t = 5 }",
        "gene g(x: u8, y: u8) { call h(x, y)\n uncall h(y, x) }\ngene h(a: u8, b: u8) { a += b\n b <<<= 1 }",
        "gene g(x: u8, y: u8) { local t: u8 = x + y\n y ^= t\n delocal t = x + y }",
        "gene g(x: u8, y: u8) { if x != 0 { x <<<= 2 } fi x != 0 }",
        "gene g(a: u8, b: u8, c: u8) { call s(a, b, c)\n uncall t(a, b, c) }\ngene s(x: u8, y: u8, z: u8) { call t(x, y, z)\n x += 1 }\ngene t(x: u8, y: u8, z: u8) { swap x, y\n y += z\n call u(x)\n swap y, z }\ngene u(x: u8) { x <<<= 3\n x ^= 5 }",
    ];
    for src in cases {
        compile_and_verify(src, "g");
    }
}

/// Bitwise operations and comparisons over sums and products (operands computed into ancillas
/// and uncomputed), comparisons as values, `x *= c` (also inside `if`), rotations and shifts
/// by a variable.
#[test]
fn arithmetic_operands_products_and_variable_rotations_agree() {
    let cases = [
        "gene g(x: u8, y: u8) { x ^= (y + 3) >> 1 }",
        "gene g(x: i8, y: i8) { x ^= (y - 7) >> 2 ^ ~(y * 3) }",
        "gene g(x: u8, y: u8) { y += (x * 3 == 9) + (x < 17) }",
        "gene g(a: u8, b: u8, c: u8) { c ^= (a + b < 7) ^ ((a - b) << 2) }",
        "gene g(a: u8, b: u8, c: u8) { if a + b < c - 1 { c <<<= 0 } fi a + b < c - 1 }",
        "gene g(a: u8, b: u8, c: u8) { if a + b < 100 { c += 1 } else { c -= 1 } fi a + b < 100 }",
        "gene g(x: u8, y: u8) { x *= 5\n y *= 0xc3 }",
        "gene g(x: u16) { x *= 0x9e37 }",
        "gene g(x: u8, y: u8) { if y < 9 { x *= 5 } else { x *= 0xc3 } fi y < 9 }",
        "gene g(x: u8, y: u8, z: u8) { if y == z { if y < 4 { x *= 7 } fi y < 4 } fi y == z }",
        "gene g(x: u8, k: u8) { x <<<= k }",
        "gene g(x: u8, k: i8) { x >>>= k + 1 }",
        "gene g(x: u16, k: u8) { if k < 4 { x <<<= k } fi k < 4 }",
        "gene g(x: u8, y: u8, k: u8) { x ^= (y >> k) & 1 }",
        "gene g(x: u8, y: u8) { x ^= (y < 9) + (y == 200) + (y >= 255) + (y < 300) + (y != 256) + (y == 0x1ff) }",
        "gene g(x: u8, y: i8) { x ^= (y < -3) + (y == -128) + (y > 100) + (y <= 127) + (y > -129) + (y != 128) + (y == -129) }",
        "gene g(x: u16, y: u8) { if y < 9 { x += 5 } fi y < 9 }",
        "gene g(x: u8, y: u8) { x ^= y / 3 + y % 0x1ff }",
        "gene g(x: u8, y: u8) { if x < 100 { y -= (x / 255) % 7 } fi x < 100 }",
        "gene g(x: u8, y: u8, k: u8) { x ^= y << k }",
        "gene g(x: i8, y: i8, k: i8) { x ^= y >> k }",
        "gene g(x: u8, y: u16, k: u8) { y += x << (k & 7) }",
        "gene g(x: u8, y: u8, k: u8) { if k < 3 { x ^= y >> (k + 1) } fi k < 3 }",
        // A comparison is a word, 0 or 1: its complement is 64 bits, not one.
        "gene g(x: u8, y: u8) { x ^= ~(y < 5) }",
        "gene g(x: i8, y: i8) { x >>>= ~(y < 5) }",
        "gene g(x: u8, y: u8) { x <<<= ~(y == 3) ^ (y != 9) }",
        "gene g(x: i8, y: u8, z: i8) { x += ~(y >= 7) & (z < 2) }",
        // A word-wide part (it holds a comparison) of which only the target's low bits count:
        // computed on as many bits as they need, not refused as 64-bit.
        "gene g(x: u8, y: u8) { x += ((y < 3) + y) ^ y }",
        "gene g(x: u8, y: u8) { x += (y < 3) << y }",
        "gene g(x: u8, y: u8) { x += ((y < 3) + y) >> 1 }",
        "gene g(x: u16, y: u8) { x += ((y < 3) + y * 255) >> 3 ^ y }",
        "gene g(x: i8, y: i8) { x -= ~((y < 0) - y) >> 2 }",
        "gene g(x: u8, k: u8) { x ^= 0xb5 >> k }",
        "gene g(x: u16, k: u8) { x ^= 0x1b5 >> (k & 15) }",
        "gene g(x: u8, k: u8) { x ^= 0x1b5 << k }",
    ];
    for src in cases {
        compile_and_verify(src, "g");
    }
    // A signed value against an unsigned one: their values, not their bits (an `i8` -128 is
    // not a `u8` 128, though the circuit said it was), for every x and the z with x's bits.
    for (src, zbits) in [
        ("gene g(x: i8, z: u8, y: u8) { y ^= (x == z) + (x != z) * 2 }", 8),
        ("gene g(x: i8, z: u16) { if x == z { z += 1 } fi x == z - 1 }", 16),
    ] {
        let c = compile_and_verify(src, "g");
        let (_, m) = front(src);
        for x in 0..256u64 {
            let same_bits = (x as u8 as i8 as i64 as u64) & ((1 << zbits) - 1);
            for z in [x, same_bits, same_bits.wrapping_sub(1) & ((1 << zbits) - 1)] {
                agree_on(&c, &m, 0, &[x, z, 0]).unwrap_or_else(|e| panic!("{src}: {e}"));
            }
        }
    }
}

/// Shifts by a constant of the width or more (a negative amount is a huge one) shift everything
/// out, as the interpreter does: zero, or the sign for a signed `>>`.
#[test]
fn shifts_by_huge_or_negative_constants_agree() {
    for src in [
        "gene g(x: i8, y: i8) { y ^= x >> -1 }",
        "gene g(x: i8, y: i8) { y ^= x >> -8 }",
        "gene g(x: i8, y: i8) { y ^= x >> 8 }",
        "gene g(x: i8, y: i8) { y ^= x >> 64 }",
        "gene g(x: u8, y: u8) { y ^= x >> -1 }",
        "gene g(x: i16, y: i8) { y ^= x >> -2 }",
        "gene g(x: i8, y: i8) { y ^= (x + 1) >> -1 }",
        "gene g(x: i8, y: i8) { y ^= x << -1 }",
    ] {
        compile_and_verify(src, "g");
    }
}

/// Each gene `g` compiles and agrees with the interpreter (on the states [`verify`] takes, and
/// on the states beside it); every case that does not is in the panic.
fn agree_everywhere(cases: &[(&str, &[&[u64]])]) {
    let failed: Vec<String> = cases
        .iter()
        .filter_map(|&(src, at)| {
            let (checked, m) = front(src);
            let c = match circuit::compile(&checked.program, "g") {
                Ok(c) => c,
                Err(e) => return Some(format!("{src}: {}", e.message)),
            };
            let r = distinct_operands(&c)
                .and_then(|()| verify(&c, &m, 0))
                .and_then(|_| at.iter().try_for_each(|s| agree_on(&c, &m, 0, s)));
            r.err().map(|e| format!("{src}: {e}"))
        })
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// A shift by a variable is computed at the width of the widest variable it reads, the amount
/// included, as every binary operator is (`t << b` with `t: u8` and `b: u16` is 16 bits wide);
/// the shifted value keeps its sign there. The circuit took the shifted value's width alone:
/// `a ^= t << b` gave 0xe6 from t = 243, b = 1 (the interpreter 0x1e6), and a negative `i8`
/// lost its sign above bit 7. Each case is checked on spread states and on `at`.
#[test]
fn shifts_by_a_wider_amount_agree() {
    let cases: [(&str, &[&[u64]]); 19] = [
        ("gene g(a: u16, b: u16, t: u8) { a ^= t << b }", &[&[0, 1, 243], &[0, 8, 0xff], &[0, 15, 1]]),
        (
            "gene g(a: u16, b: u8) { local k: u16 = b  local t: u8 = 243  a ^= t << k  delocal t = 243  delocal k = b }",
            &[&[0, 1], &[0, 7]],
        ),
        ("gene g(a: u16, b: u16) { local t: i8 = -13  a ^= t << b  delocal t = -13 }", &[&[0, 0], &[0, 3]]),
        (
            "gene g(a: u16, b: u16) { local t: i8 = -13  a ^= t >> b  delocal t = -13 }",
            &[&[0, 0], &[0, 2], &[0, 9]],
        ),
        ("gene g(a: u32, b: u16, t: i8) { a ^= t >> b }", &[&[0, 0, 0xf3], &[0, 3, 0x80], &[0, 20, 0x80]]),
        ("gene g(a: u32, b: u16, t: i8) { a ^= t << b }", &[&[0, 0, 0xf3], &[0, 9, 0x80]]),
        ("gene g(a: u32, b: u32, t: u8) { a += t << b }", &[&[0, 24, 0xff], &[5, 31, 3]]),
        ("gene g(a: i16, b: i16, t: u8) { a ^= t >> b }", &[&[0, 0, 0xff], &[0, 0xffff, 0xff]]),
        ("gene g(a: u16, k: i8, t: u8) { a ^= t >> k }", &[&[0, 0, 243], &[0, 0xff, 243]]),
        ("gene g(a: u16, b: u16, t: u8) { a ^= (t << b) & 0x3ff ^ b }", &[&[0, 1, 243]]),
        ("gene g(a: u16, b: u16, t: i8) { a ^= ((t >> b) + 1) | 4 }", &[&[0, 1, 0x81]]),
        (
            "gene g(a: u16, b: u16, t: u8) { if (t << b) == 0x1e6 { a += 1 } fi (t << b) == 0x1e6 }",
            &[&[0, 1, 243]],
        ),
        ("gene g(a: u8, b: u16, t: u8) { a ^= (t << b) < 300 }", &[&[0, 1, 243], &[0, 1, 140]]),
        ("gene g(a: u8, b: u16, t: i8) { a ^= (t >> b) == b }", &[&[0, 0, 0x80], &[0, 0, 0]]),
        ("gene g(a: u8, b: u16, t: u8) { a ^= t < b }", &[&[0, 0x100, 0xff], &[0, 3, 0xff]]),
        (
            "gene g(a: u8, b: u16, t: i8) { a ^= (t == b) + 2 * (t < b) }",
            &[&[0, 0xff80, 0x80], &[0, 0x80, 0x80]],
        ),
        // A comparison as the amount is 0 or 1 (refused before as a 64-bit part).
        ("gene g(a: u8, b: u8) { a += 0 << (0 < b) }", &[&[0, 1]]),
        ("gene g(a: u16, b: u8, t: i8) { a ^= t << (b < 3) }", &[&[0, 1, 0xc0]]),
        ("gene g(a: u16, b: u8, t: i8) { a ^= t >> (b == 0) ^ b }", &[&[0, 0, 0x80]]),
    ];
    agree_everywhere(&cases);
}

/// Other binary operators whose operands have different widths: a constant local of another
/// width than the value it multiplies, divides or is added to, and comparisons.
#[test]
fn operands_of_another_width_agree() {
    let cases: [(&str, &[&[u64]]); 8] = [
        ("gene g(a: u16, y: u8) { local c: u16 = 0x101  a ^= y * c  delocal c = 0x101 }", &[&[0, 0xff]]),
        ("gene g(a: u16, y: i8) { local c: u16 = 3  a += y * c  delocal c = 3 }", &[&[0, 0x80]]),
        ("gene g(a: u16, y: u8) { local c: u16 = 0xff00  a ^= y + c  delocal c = 0xff00 }", &[&[0, 0xff]]),
        ("gene g(a: u16, y: u8) { local c: u16 = 3  a ^= y % c + y / c  delocal c = 3 }", &[&[0, 0xff]]),
        ("gene g(a: u16, y: u8) { local c: i16 = 7  a ^= y / c  delocal c = 7 }", &[&[0, 0xff]]),
        (
            "gene g(a: u8, y: u8) { local c: u16 = 256  a ^= (y == c) + (y < c) * 2  delocal c = 256 }",
            &[&[0, 0]],
        ),
        (
            "gene g(a: u8, y: i8) { local c: u16 = 0xff80  a ^= (y == c) + (y < c) * 2  delocal c = 0xff80 }",
            &[&[0, 0x80]],
        ),
        ("gene g(a: u8, y: u16, z: i8) { a ^= (y + z < 3) + (y - z == 0) * 2  }", &[&[0, 0xffff, 0xff]]),
    ];
    agree_everywhere(&cases);
}

/// Rotations by a variable of another width than the target's: the amount is taken mod the
/// target's width from the amount's own bits (a negative amount too).
#[test]
fn rotations_by_an_amount_of_another_width_agree() {
    let cases: [(&str, &[&[u64]]); 5] = [
        ("gene g(x: u16, k: u32) { x <<<= k }", &[&[0x8001, 0xffff_ffff], &[0x1234, 0x10003]]),
        ("gene g(x: u8, k: i16) { x >>>= k }", &[&[0x81, 0xffff], &[0x81, 0x8003]]),
        ("gene g(x: u32, k: u8) { x <<<= k ^ 3 }", &[&[0x8000_0001, 0xff], &[1, 0x1c]]),
        ("gene g(x: i16, k: u8) { x >>>= k + 250 }", &[&[0x8001, 6], &[0x8001, 5]]),
        ("gene g(x: u8, k: u16) { if k < 300 { x <<<= k } fi k < 300 }", &[&[0x81, 0x107], &[0x81, 299]]),
    ];
    agree_everywhere(&cases);
}

/// A gate whose controls are one qubit twice is a gate with that control once (checked on
/// every circuit by `compile_and_verify`).
#[test]
fn no_gate_names_a_qubit_twice() {
    for src in [
        "gene g(y: u8, z: u8) { z ^= y << y }",
        "gene g(y: u8, z: u8) { z ^= y >> y }",
        "gene g(x: i8, y: i8) { y ^= x >> x }",
        "gene g(y: u8, z: u8) { z ^= (y << 1) << y }",
        "gene g(y: u8, z: u8) { z ^= (y < y) }",
        "gene g(y: u8, z: u8) { z ^= (y & 3) & (y & 5) }",
        "gene g(y: u8, z: u8) { if y & 1 { z <<<= y } fi y & 1 }",
    ] {
        let c = compile_and_verify(src, "g");
        for text in [c.qasm3(), c.real()] {
            assert!(!text.contains("y_[0], y_[0]") && !text.contains("y__0_ y__0_"), "{src}\n{text}");
        }
    }
}

/// Each register has its own name, in OpenQASM 3 and in `.real`, even when renaming a reserved
/// name meets another parameter's.
#[test]
fn register_names_are_unique() {
    for (src, want) in [
        ("gene g(x: u8, x_: u8) { x += x_ }", &["x__", "x_"][..]),
        ("gene g(x_: u8, x: u8) { x += x_ }", &["x_", "x__"]),
        ("gene g(anc: u8, anc_: u8) { anc += anc_ }", &["anc__", "anc_"]),
        ("gene g(y: u8, y_: u8, y__: u8) { y += 3\n y_ ^= y\n y__ += y_ }", &["y___", "y_", "y__"]),
    ] {
        let c = compile_and_verify(src, "g");
        assert_eq!(c.register_names(), want, "{src}");
        let q = c.qasm3();
        let decls: Vec<&str> = q.lines().filter(|l| l.starts_with("qubit[")).collect();
        let mut names: Vec<&str> = decls.iter().map(|l| l.split(' ').nth(1).unwrap()).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "{src}\n{q}");
        let real = c.real();
        let vars: Vec<&str> =
            real.lines().find_map(|l| l.strip_prefix(".variables ")).unwrap().split(' ').collect();
        let mut uniq = vars.clone();
        uniq.sort_unstable();
        uniq.dedup();
        assert_eq!(uniq.len(), vars.len(), "{src}\n{real}");
    }
}

/// OpenQASM 3 keywords, built-in constants and functions as parameter names get a `_`.
#[test]
fn openqasm_words_are_escaped() {
    for word in
        ["true", "false", "durationof", "sizeof", "im", "pi", "tau", "euler", "sin", "nop", "x", "anc"]
    {
        let src = format!("gene g({word}: u8, zz: u8) {{ zz += {word} }}");
        let (checked, _) = front(&src);
        let c = circuit::compile(&checked.program, "g").expect("compiles");
        assert_eq!(c.register_names()[0], format!("{word}_"), "{src}");
        assert!(c.qasm3().contains(&format!("qubit[8] {word}_;")), "{src}");
    }
}

/// A loop with a constant trip count inside an `if` (directly, through `call`/`uncall`, in
/// nested ifs and loops): its counter, opened and closed inside the block, stays a constant
/// while the state's updates carry the block's controls. These were refused (E0218, "a loop
/// whose entry test depends on the state"), the counter put on qubits.
#[test]
fn loops_inside_ifs_unroll_and_agree() {
    let helpers = "gene inner(y: u8) { local i: u8 = 0  from i == 0 do { y += i  y <<<= 1  i += 1 } until i == 3  delocal i = 3 }
gene keep(y: u8) { local i: u8 = 0  from i == 0 do { y += i * 2  y ^= y << 3  i += 1 } until i == 3  delocal i = 3 }
gene twice(x: u8, y: u8) { local j: u8 = 0  from j == 0 do { call inner(y)  x ^= j } loop { j += 1 } until j == 2  delocal j = 2 }
";
    let cases = [
        // The prober's: a counting loop in a gene called under an `if`.
        "gene g(x: u8, y: u8) { if x < 10 { call inner(y) } fi x < 10 }",
        "gene g(x: u8, y: u8) { if x < 10 { uncall inner(y) } fi x < 10 }",
        "gene g(x: u8, y: u8) { if x < 10 { local i: u8 = 0  from i == 0 do { y += i  y <<<= 1  i += 1 } until i == 3  delocal i = 3 } fi x < 10 }",
        "gene g(x: u8, y: u8) { if x < 10 { local t: u8 = 5  y += t  delocal t = 5 } fi x < 10 }",
        // A test on the counter inside the block is chosen while compiling.
        "gene g(x: u8, y: u8) { if x < 100 { local i: u8 = 0  from i == 0 do { if i == 2 { y += 1 } else { y <<<= 1 } fi i == 2  i += 1 } until i == 4  delocal i = 4 } fi x < 100 }",
        // Loops inside ifs inside loops, and ifs on the state inside them.
        "gene g(x: u8, y: u8) { local k: u8 = 0  from k == 0 do { if x & 1 { local i: u8 = 0  from i == 0 do { y += i + k  i += 1 } until i == 2  delocal i = 2 } fi x & 1  k += 1 } until k == 3  delocal k = 3 }",
        "gene g(x: u8, y: u8) { if x < 50 { local i: u8 = 0  from i == 0 do { if y & 1 { local m: u8 = 0  from m == 0 do { y += 14 + i * 2  y ^= 6  m += 1 } until m == 2  delocal m = 2 } fi y & 1  i += 1 } until i == 2  delocal i = 2 } fi x < 50 }",
        // Calls and uncalls under nested ifs, and a loop of them inside an `if`.
        "gene g(x: u8, y: u8) { if x < 100 { if x & 2 { call inner(y) } else { uncall inner(y) } fi x & 2 } fi x < 100 }",
        "gene g(x: u8, y: u8) { local k: u8 = 0  from k == 0 do { if x & 1 { if y & 1 { call keep(x) } fi y & 1 } else { uncall keep(y) } fi x & 1  k += 1 } until k == 2  delocal k = 2 }",
        "gene g(x: u8, y: u8) { if x & 1 { local k: u8 = 0  from k == 0 do { if y & 1 { uncall keep(x) } else { call keep(x) } fi y & 1  k += 1 } until k == 3  delocal k = 3 } fi x & 1 }",
        "gene g(c: u8, x: u8, y: u8) { if c < 100 { if c & 1 { uncall twice(x, y) } else { call twice(y, x) } fi c & 1 } fi c < 100 }",
        "gene g(x: i8, y: u8) { if x < 0 { local i: i8 = -2  from i == -2 do { y += i  i += 1 } until i == 2  delocal i = 2 } else { call inner(y) } fi x < 0 }",
        // A constant local of the block changed inside a deeper `if`, or by the state, moves
        // onto qubits that are zero where the block does not run.
        "gene g(x: u8, y: u8) { if x < 10 { local t: u8 = 0  if x & 1 { t += 3 } fi t == 3  y += t  delocal t = (x & 1) * 3 } fi x < 10 }",
        "gene g(x: u8, y: u8) { if x < 10 { local t: u8 = 0  t += y  delocal t = y } fi x < 10 }",
        "gene g(x: u8, y: u8) { if x < 10 { local t: u8 = 5  t ^= x  y += t  delocal t = x ^ 5 } fi x < 10 }",
        "gene g(x: u8, y: u8) { if x < 10 { local t: u8 = 5  y *= 3  t *= 3  y += t  t *= 171  delocal t = 5 } fi x < 10 }",
        "gene g(x: u8, y: u8) { if x < 10 { local t: u8 = 5  swap t, y  y += 1  swap t, y  delocal t = 6 } fi x < 10 }",
        "gene g(x: u8, y: u8) { if x < 10 { local t: u64 = 300  y += t  if y & 1 { y ^= t >> 4 } fi y & 1  delocal t = 300 } fi x < 10 }",
    ];
    for case in cases {
        let src = format!("{helpers}{case}");
        compile_and_verify(&src, "g");
    }
}

/// Where a constant local's `delocal`, or a `fi` known while compiling, fails inside an `if`,
/// the gene fails only from the states where the `if` runs: the circuit is still built, and
/// there an ancilla ends nonzero (elsewhere it agrees with the interpreter). A branch chosen
/// while compiling still checks its `fi` when that is not known to hold after it.
#[test]
fn failures_inside_ifs_leave_an_ancilla_set_where_the_if_runs() {
    for src in [
        "gene g(x: u8, y: u8) { if x < 10 { local t: u8 = 5  y += t  delocal t = 6 } fi x < 10 }",
        "gene g(x: u8, y: u8) { if x < 10 { local t: u8 = 1  if t == 1 { y += 1 } fi t == 0  delocal t = 1 } fi x < 10 }",
        // The assertion is known before the branch to agree, and after it not to.
        "gene g(x: u8, y: u8) { if x < 10 { local t: u8 = 0  if t == 0 { t += 1 } fi t == 0  y += t  delocal t = 1 } fi x < 10 }",
        // A known test with an assertion on the state (from y = 0, y + 1 > 3 fails).
        "gene g(x: u8, y: u8) { local t: u8 = 0  if t == 0 { y += 1 } fi y > 3  delocal t = 0 }",
    ] {
        let c = compile_and_verify(src, "g");
        for x in [0u64, 3, 9] {
            let mut bits = vec![false; c.qubits() as usize];
            for (i, &q) in c.registers[0].2.iter().enumerate() {
                bits[q as usize] = x >> i & 1 == 1;
            }
            c.simulate(&mut bits);
            assert!(bits[16..].iter().any(|&b| b), "{src}: from x = {x} every ancilla is zero");
        }
    }
}

/// The error for a statement with no circuit lists what has one: rotations by a variable and
/// `*=` compile, so the list says so (it is [`circuit::STATEMENTS`]).
#[test]
fn the_unsupported_statement_error_lists_what_compiles() {
    for src in ["gene g(x: u8, y: u8) { x := y }", "gene g(x: u8) { erase x }"] {
        let (checked, _) = front(src);
        let e = circuit::compile(&checked.program, "g").expect_err(src);
        assert!(e.message.contains(circuit::STATEMENTS), "{}", e.message);
        assert!(e.message.contains("*= by an odd constant"), "{}", e.message);
        assert!(
            e.message.contains("rotations") && !e.message.contains("rotations by constants"),
            "{}",
            e.message
        );
    }
    // What the list names compiles.
    for src in [
        "gene g(x: u8, k: u8) { x <<<= k\n x >>>= 3 }",
        "gene g(x: u8) { x *= 3 }",
        "gene g(x: u8) { x ^= x << 3\n not x\n neg x\n assert x == x\n skip }",
    ] {
        compile_and_verify(src, "g");
    }
}

/// A Janus program's state is its variables (`main`'s, and the globals a procedure uses):
/// the error names a variable, with its Janus type, not a parameter.
#[test]
fn janus_state_is_named_as_variables() {
    let src =
        "procedure f(int x, int y)\n    x += y\nprocedure main()\n    int a\n    int b\n    call f(a, b)\n";
    let prog = rdx_lang::parse(src, rdx_lang::ast::Dialect::Janus).expect("parse");
    let checked = rdx_lang::check::check(&prog, &Default::default()).expect("check");
    let e = circuit::compile(&checked.program, "main").expect_err("64-bit state");
    assert!(e.message.starts_with("variable `a` is `int` (64 bits)"), "{}", e.message);
    assert!(!e.message.contains("parameter"), "{}", e.message);
}

#[test]
fn unsupported_statements_are_errors_at_their_span() {
    for (src, what) in [
        ("gene g(x: u8, y: u8, z: u8) { x ^= y / z }", "y / z"),
        ("gene g(x: i8, y: i8) { x ^= y % 3 }", "y % 3"),
        ("gene g(x: u8, y: u8) { from x == 0 do { y += 1 } until y == 3 }", "x == 0"),
        ("gene g(x: u64) { x += 1 }", "u64"),
        // A signed divisor makes the division signed: by a negative one, not the unsigned
        // division by its bits (the circuit gave 0 for 3 / -3).
        ("gene g(a: u8, y: u8) { local c: i8 = -3  a ^= y / c  delocal c = -3 }", "y / c"),
        ("gene g(a: u8, y: u8) { local c: i16 = -3  a ^= y % c  delocal c = -3 }", "y % c"),
    ] {
        let (checked, _) = front(src);
        let e = circuit::compile(&checked.program, "g").expect_err(src);
        assert_eq!(&src[e.span.start as usize..e.span.end as usize], what, "{src}: {}", e.message);
    }
}

/// Cuccaro, Draper, Kutin and Moulton (2004), arXiv:quant-ph/0410184: their depth-optimised
/// n-bit adder with the high bit (Figure 5) has 2n − 1 Toffoli, 5n − 3 CNOT and 2n − 4 NOT.
/// Addition modulo 2^w is that adder at n = w − 1 with b's top qubit as the high bit, plus one
/// CNOT: 2w − 3 Toffoli, 5w − 7 CNOT, 2w − 6 NOT, one ancilla.
#[test]
fn adder_gate_counts_are_cuccaros() {
    for (ty, w) in [("u8", 8usize), ("u16", 16), ("u32", 32)] {
        let n = w - 1;
        let src = format!("gene g(x: {ty}, y: {ty}) {{ x += y }}");
        let (checked, _) = front(&src);
        let c = circuit::compile(&checked.program, "g").expect("compiles");
        let [x, cx, ccx, mcx, swap] = c.counts();
        assert_eq!((ccx.1, cx.1 - 1, x.1), (2 * n - 1, 5 * n - 3, 2 * n - 4), "{ty}: the paper's counts");
        assert_eq!((x.1, cx.1, ccx.1, mcx.1, swap.1), (2 * w - 6, 5 * w - 7, 2 * w - 3, 0, 0), "{ty}");
        assert_eq!(c.ancillas, 1, "{ty}");
        // x -= y is the same gates in reverse order.
        let src = format!("gene g(x: {ty}, y: {ty}) {{ x -= y }}");
        let (checked, _) = front(&src);
        let d = circuit::compile(&checked.program, "g").expect("compiles");
        let rev: Vec<Gate> = c.gates.iter().rev().cloned().collect();
        assert_eq!(d.gates, rev);
    }
}

#[test]
fn qasm_layout() {
    let (checked, _) = front("gene g(x: u8, acc: u8) { acc += x\n x <<<= 1 }");
    let c = circuit::compile(&checked.program, "g").expect("compiles");
    let q = c.qasm3();
    let lines: Vec<&str> = q.lines().collect();
    assert_eq!(lines[0], "OPENQASM 3.0;");
    assert_eq!(lines[1], "include \"stdgates.inc\";");
    assert_eq!(lines[2], "qubit[8] x_;");
    assert_eq!(lines[3], "qubit[8] acc;");
    assert_eq!(lines[4], "qubit[1] anc;");
    for l in &lines[5..] {
        assert!(
            l.starts_with("x ")
                || l.starts_with("cx ")
                || l.starts_with("ccx ")
                || l.starts_with("swap ")
                || l.starts_with("ctrl("),
            "{l}"
        );
        assert!(l.ends_with(';'));
    }
    // The rotation left pending is resolved with swaps at the end.
    assert!(q.contains("swap "), "{q}");
}

/// `n` states spread over parameters of widths `widths` (xorshift), the first all zero.
fn spread_states(widths: &[u32], n: usize) -> Vec<Vec<u64>> {
    let mut x = 0x243f_6a88_85a3_08d3u64;
    let mut out = vec![vec![0; widths.len()]];
    while out.len() < n {
        out.push(
            widths
                .iter()
                .map(|&w| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x & ((1u64 << w) - 1)
                })
                .collect(),
        );
    }
    out
}

/// Expressions the circuit compiler takes: constants, variables, `+ - & | ^ << >> < ==` and
/// `~` (a shift's amount a variable as often as its value, of another width than it).
fn arb_circuit_expr() -> BoxedStrategy<ExprRecipe> {
    let leaf = prop_oneof![
        1 => (0u64..16).prop_map(ExprRecipe::Lit),
        2 => any::<usize>().prop_map(ExprRecipe::Var),
    ];
    leaf.prop_recursive(2, 6, 2, |inner| {
        let op = prop::sample::select(vec![
            BinOp::Add,
            BinOp::Sub,
            BinOp::And,
            BinOp::Or,
            BinOp::Xor,
            BinOp::Shl,
            BinOp::Shr,
            BinOp::Lt,
            BinOp::Eq,
        ]);
        let shift = prop::sample::select(vec![BinOp::Shl, BinOp::Shr]);
        let var = any::<usize>().prop_map(ExprRecipe::Var);
        prop_oneof![
            3 => (op, inner.clone(), inner.clone())
                .prop_map(|(o, l, r)| ExprRecipe::Bin(o, Box::new(l), Box::new(r))),
            1 => (shift, inner.clone(), var).prop_map(|(o, l, r)| ExprRecipe::Bin(o, Box::new(l), Box::new(r))),
            1 => inner.prop_map(|x| ExprRecipe::Un(UnOp::BitNot, Box::new(x))),
        ]
    })
    .boxed()
}

/// Statements with a circuit, nested: ifs on the state, loops with constant trip counts (their
/// counters are `u64` locals), constant locals, calls and uncalls, in any order of nesting.
fn arb_circuit_stmt() -> BoxedStrategy<StmtRecipe> {
    let update = prop::sample::select(vec![UpdateOp::Add, UpdateOp::Sub, UpdateOp::Xor]);
    let dir = prop::sample::select(vec![Dir::Left, Dir::Right]);
    let amount = prop_oneof![(0u64..9).prop_map(ExprRecipe::Lit), any::<usize>().prop_map(ExprRecipe::Var)];
    let simple = prop_oneof![
        6 => (update, any::<usize>(), arb_circuit_expr()).prop_map(|(o, t, x)| StmtRecipe::Update(o, t, x)),
        1 => (any::<usize>(), 0u64..16).prop_map(|(t, c)| StmtRecipe::Mul(t, c * 2 + 1)),
        1 => (any::<usize>(), dir.clone(), 1u8..8).prop_map(|(t, d, c)| StmtRecipe::XorShift(t, d, c)),
        1 => (any::<usize>(), dir, amount).prop_map(|(t, d, x)| StmtRecipe::Rotate(t, d, x)),
        1 => any::<usize>().prop_map(StmtRecipe::Neg),
        1 => any::<usize>().prop_map(StmtRecipe::Not),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| StmtRecipe::Swap(a, b)),
        2 => (any::<usize>(), prop::collection::vec(any::<usize>(), 2), any::<bool>())
            .prop_map(|(g, a, u)| StmtRecipe::Call(g, a, u)),
    ];
    simple
        .prop_recursive(3, 16, 3, |inner| {
            let body = prop::collection::vec(inner, 0..3);
            prop_oneof![
                2 => (arb_circuit_expr(), body.clone(), prop::option::of(body.clone()))
                    .prop_map(|(c, t, e)| StmtRecipe::If(c, t, e)),
                2 => (1u8..4, body.clone(), prop::option::of(body.clone()))
                    .prop_map(|(k, b, a)| StmtRecipe::Loop(k, b, a)),
                1 => ((0u64..300).prop_map(ExprRecipe::Lit), body).prop_map(|(x, b)| StmtRecipe::Local(x, b)),
            ]
        })
        .boxed()
}

/// A gene over `u8`/`i8`/`u16`/`i16` parameters whose body ends with a loop inside an `if` on
/// the state.
fn arb_circuit_gene(params: std::ops::Range<usize>) -> BoxedStrategy<GeneRecipe> {
    let ty = prop_oneof![
        2 => Just(Type::Fixed(Width::U8)),
        2 => Just(Type::Fixed(Width::I8)),
        1 => Just(Type::Fixed(Width::U16)),
        1 => Just(Type::Fixed(Width::I16)),
    ];
    let body = prop::collection::vec(arb_circuit_stmt(), 0..3);
    (
        prop::collection::vec(ty, params),
        body.clone(),
        arb_circuit_expr(),
        1u8..4,
        body.clone(),
        prop::option::of(body),
    )
        .prop_map(|(params, mut body, cond, k, inner, other)| {
            body.push(StmtRecipe::If(cond, vec![StmtRecipe::Loop(k, inner, None)], other));
            GeneRecipe { params, body }
        })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Generated genes with loops inside ifs (and ifs inside loops, calls and uncalls of genes
    /// that have them) compile, and agree with the interpreter; a loop is never refused.
    #[test]
    fn generated_loops_inside_ifs_agree(
        main in arb_circuit_gene(3..4),
        helpers in prop::collection::vec(arb_circuit_gene(1..3), 0..3),
    ) {
        let mut recipes = vec![main];
        recipes.extend(helpers);
        let text = rdx_lang::print::print_program(&rdx_lang::generate::build_program(&recipes));
        let (checked, m) = front(&text);
        match circuit::compile(&checked.program, "main") {
            Ok(c) => {
                prop_assert!(distinct_operands(&c).is_ok(), "{text}");
                let gi = m.gene_index("main").expect("main");
                let widths: Vec<u32> = c.registers.iter().map(|r| r.2.len() as u32).collect();
                for s in spread_states(&widths, 256) {
                    if let Err(e) = agree_on(&c, &m, gi, &s) {
                        prop_assert!(false, "{e}\n{text}");
                    }
                }
            }
            // Mixing a `u64` counter into arithmetic under a bitwise operation, or too many
            // gates, has no circuit; a loop always has one here.
            Err(e) => prop_assert!(!e.message.contains("loop"), "{}\n{text}", e.message),
        }
    }
}

/// A straight-line gene over three parameters of mixed widths (`u8`/`i8`/`u16`/`i16`): each
/// statement's expression reads variables of other widths than its target's and than each
/// other's (a shift's value and amount most of all).
fn arb_mixed_width_gene() -> BoxedStrategy<GeneRecipe> {
    let ty = prop::sample::select(vec![
        Type::Fixed(Width::U8),
        Type::Fixed(Width::I8),
        Type::Fixed(Width::U16),
        Type::Fixed(Width::I16),
    ]);
    let update = prop::sample::select(vec![UpdateOp::Add, UpdateOp::Sub, UpdateOp::Xor]);
    let shift = prop::sample::select(vec![BinOp::Shl, BinOp::Shr]);
    let shifted = (shift, arb_circuit_expr(), any::<usize>())
        .prop_map(|(o, l, r)| ExprRecipe::Bin(o, Box::new(l), Box::new(ExprRecipe::Var(r))));
    let expr = prop_oneof![arb_circuit_expr(), shifted];
    let stmt = (update, any::<usize>(), expr).prop_map(|(o, t, x)| StmtRecipe::Update(o, t, x));
    (prop::collection::vec(ty, 3), prop::collection::vec(stmt, 1..4))
        .prop_map(|(params, body)| GeneRecipe { params, body })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Generated updates over mixed widths compile and agree with the interpreter (this found
    /// `t << b` computed at t's width alone, `t: u8` and `b: u16`).
    #[test]
    fn generated_mixed_width_updates_agree(gene in arb_mixed_width_gene()) {
        let text = rdx_lang::print::print_program(&rdx_lang::generate::build_program(&[gene]));
        let (checked, m) = front(&text);
        let c = match circuit::compile(&checked.program, "main") {
            Ok(c) => c,
            // A part computed on words whose high bits count (`~0 >> p1`, `(p0 < p1) >> p1`)
            // has no circuit; nothing else is refused here.
            Err(e) => {
                prop_assert!(e.message.starts_with("this is computed on 64-bit words"), "{}\n{text}", e.message);
                return Ok(());
            }
        };
        prop_assert!(distinct_operands(&c).is_ok(), "{text}");
        let widths: Vec<u32> = c.registers.iter().map(|r| r.2.len() as u32).collect();
        for s in spread_states(&widths, 256) {
            if let Err(e) = agree_on(&c, &m, 0, &s) {
                prop_assert!(false, "{e}\n{text}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Generated programs that compile (all-fixed parameters, supported statements) agree with
    /// the interpreter on every state.
    #[test]
    fn generated_programs_agree(
        w in prop_oneof![Just(Width::U8), Just(Width::I8)],
        p in prop_oneof![
            rdx_lang::generate::arb_fixed_program(Width::U8, false),
            rdx_lang::generate::arb_fixed_program(Width::I8, false)
        ],
    ) {
        let _ = w;
        let text = rdx_lang::print::print_program(&p);
        let (checked, m) = front(&text);
        if let Ok(c) = circuit::compile(&checked.program, "main") {
            let bits: u32 = c.registers.iter().map(|r| r.2.len() as u32).sum();
            if bits <= 16 {
                let gi = m.gene_index("main").expect("main");
                if let Err(e) = verify(&c, &m, gi) {
                    prop_assert!(false, "{e}\n{text}");
                }
            }
        }
    }
}
