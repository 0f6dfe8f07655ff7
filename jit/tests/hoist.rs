//! Loop invariants computed once before their loop (`vm/src/compile/hoist.rs`): generated
//! nested loops whose expressions mix variables the loops change with ones they do not, run
//! on the interpreter and the JIT both ways and checked against a model of the same loops in
//! Rust; and the per-trip instruction count of loops whose invariants are known.

use proptest::prelude::*;
use rdx_jit::{Jit, JitOptions};
use rdx_vm::{Direction, Engine, Interpreter, Module, Value};

fn compile(text: &str) -> Module {
    let prog = rdx_lang::parser::parse(text).unwrap_or_else(|d| panic!("parse: {d:?}\n{text}"));
    let checked =
        rdx_lang::check::check(&prog, &Default::default()).unwrap_or_else(|d| panic!("check: {d:?}\n{text}"));
    rdx_vm::compile(&checked, "test.rdx", text).unwrap_or_else(|d| panic!("compile: {d:?}\n{text}"))
}

/// The variables an expression may read: `x`, `y` (no loop changes them), the counters `i`
/// and `j`, and `z`, `w` (updated in the loops).
const VARS: [&str; 6] = ["x", "y", "i", "j", "z", "w"];

#[derive(Clone, Debug)]
enum E {
    Var(usize),
    K(u64),
    Bin(u8, Box<E>, Box<E>),
    Shift(bool, Box<E>, u32),
    Neg(Box<E>),
}

fn arb_e() -> impl Strategy<Value = E> {
    let leaf = prop_oneof![3 => (0..VARS.len()).prop_map(E::Var), 1 => (0u64..1000).prop_map(E::K)];
    leaf.prop_recursive(4, 16, 2, |inner| {
        prop_oneof![
            4 => (0u8..6, inner.clone(), inner.clone()).prop_map(|(o, l, r)| E::Bin(o, Box::new(l), Box::new(r))),
            1 => (any::<bool>(), inner.clone(), 0u32..64).prop_map(|(l, e, k)| E::Shift(l, Box::new(e), k)),
            1 => inner.prop_map(|e| E::Neg(Box::new(e))),
        ]
    })
}

impl E {
    /// The source text, variables in `no` read as `x` instead.
    fn text(&self, no: &[usize]) -> String {
        match self {
            E::Var(v) if no.contains(v) => "x".into(),
            E::Var(v) => VARS[*v].into(),
            E::K(k) => k.to_string(),
            E::Bin(o, l, r) => {
                format!("({} {} {})", l.text(no), ["+", "-", "*", "&", "|", "^"][*o as usize], r.text(no))
            }
            E::Shift(left, e, k) => format!("({} {} {k})", e.text(no), if *left { "<<" } else { ">>" }),
            E::Neg(e) => format!("(-{})", e.text(no)),
        }
    }

    fn eval(&self, no: &[usize], vals: &[u64; 7]) -> u64 {
        match self {
            E::Var(v) if no.contains(v) => vals[0],
            E::Var(v) => vals[*v],
            E::K(k) => *k,
            E::Bin(o, l, r) => {
                let (a, b) = (l.eval(no, vals), r.eval(no, vals));
                match o {
                    0 => a.wrapping_add(b),
                    1 => a.wrapping_sub(b),
                    2 => a.wrapping_mul(b),
                    3 => a & b,
                    4 => a | b,
                    _ => a ^ b,
                }
            }
            E::Shift(true, e, k) => e.eval(no, vals) << k,
            E::Shift(false, e, k) => e.eval(no, vals) >> k,
            E::Neg(e) => e.eval(no, vals).wrapping_neg(),
        }
    }
}

/// Two nested loops:
/// ```text
/// from i == 0 do { [i += 1]  z += e1  local j = 0
///     from j == 0 do { w ^= e2  a[e3 & 7] += e4  [if (e5 & 1) == 1 { z += e6 } fi …]  j += 1 }
///     until j == (x & 3) + 1
///     delocal j = (x & 3) + 1  [i += 1] } until i == n
/// ```
#[derive(Clone, Debug)]
struct Recipe {
    e: [E; 6],
    /// `i += 1` first in the outer do-block (a loop of `from`, `until`, `loop.back`), else last
    /// (a counted loop).
    step_first: bool,
    /// The inner loop has the `if` (so it changes `z`).
    branch: bool,
    n: u64,
}

fn arb_recipe() -> impl Strategy<Value = Recipe> {
    ([arb_e(), arb_e(), arb_e(), arb_e(), arb_e(), arb_e()], any::<bool>(), any::<bool>(), 1u64..5)
        .prop_map(|(e, step_first, branch, n)| Recipe { e, step_first, branch, n })
}

// Indices into VARS.
const X: usize = 0;
const I: usize = 2;
const J: usize = 3;
const Z: usize = 4;
const W: usize = 5;
/// A `u32` the inner loop counts in (so the gene has a fixed-width variable).
const U: usize = 6;

impl Recipe {
    fn text(&self) -> String {
        let e = |k: usize, no: &[usize]| self.e[k].text(no);
        let step = "        i += 1\n";
        let branch = if self.branch {
            format!(
                "            if ({e5} & 1) == 1 {{\n                z += {e6}\n            }} fi ({e5} & 1) == 1\n",
                e5 = e(4, &[Z]),
                e6 = e(5, &[Z]),
            )
        } else {
            String::new()
        };
        format!(
            "gene main(a: u64[8], x: u64, y: u64, z: u64, w: u64, u: u32) {{
    local i: u64 = 0
    from i == 0 do {{
{first}        z += {e1}
        local j: u64 = 0
        from j == 0 do {{
            w ^= {e2}
            a[{e3} & 7] += {e4}
{branch}            u += 1
            j += 1
        }} until j == (x & 3) + 1
        delocal j = (x & 3) + 1
{last}    }} until i == {n}
    delocal i = {n}
}}
",
            first = if self.step_first { step } else { "" },
            last = if self.step_first { "" } else { step },
            e1 = e(0, &[Z, J]),
            e2 = e(1, &[W]),
            e3 = e(2, &[]),
            e4 = e(3, &[]),
            n = self.n,
        )
    }

    /// The loops run in Rust: the final `a` and `x, y, z, w`.
    fn model(&self, a: &mut [u64; 8], v: &mut [u64; 7]) {
        v[I] = 0;
        loop {
            if self.step_first {
                v[I] += 1;
            }
            v[Z] = v[Z].wrapping_add(self.e[0].eval(&[Z, J], v));
            v[J] = 0;
            loop {
                v[W] ^= self.e[1].eval(&[W], v);
                let k = (self.e[2].eval(&[], v) & 7) as usize;
                a[k] = a[k].wrapping_add(self.e[3].eval(&[], v));
                if self.branch && self.e[4].eval(&[Z], v) & 1 == 1 {
                    v[Z] = v[Z].wrapping_add(self.e[5].eval(&[Z], v));
                }
                v[U] = (v[U] + 1) & 0xffff_ffff;
                v[J] += 1;
                if v[J] == (v[X] & 3) + 1 {
                    break;
                }
            }
            if !self.step_first {
                v[I] += 1;
            }
            if v[I] == self.n {
                break;
            }
        }
    }
}

fn values(a: &[u64; 8], v: &[u64; 7]) -> Vec<Value> {
    vec![
        Value::Array(a.to_vec()),
        Value::Int(v[0]),
        Value::Int(v[1]),
        Value::Int(v[Z]),
        Value::Int(v[W]),
        Value::Int(v[U]),
    ]
}

fn run(e: &mut dyn Engine, m: &Module, s: &[Value], dir: Direction) -> Result<Vec<Value>, String> {
    let mut out = s.to_vec();
    e.run(m, 0, &mut out, dir).map_err(|err| format!("{} {dir:?}: {err:?}", e.name()))?;
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn loop_invariants_computed_once_give_the_models_results(r in arb_recipe(), a in any::<[u64; 8]>(), v in any::<[u64; 4]>()) {
        let text = r.text();
        let m = compile(&text);
        // (The branch keeps its condition's variables: `z` is not among them.)
        let vals = [v[0], v[1], 0, 0, v[2], v[3], v[0] >> 32];
        let input = values(&a, &vals);
        let (mut a2, mut v2) = (a, vals);
        r.model(&mut a2, &mut v2);
        let want = values(&a2, &v2);
        prop_assert!(rdx_jit::trust::trusted(&m), "the JIT would not compile:\n{text}");
        let mut jit = Jit::with_options(JitOptions { verify: true, optimize: true });
        let engines: [&mut dyn Engine; 2] = [&mut Interpreter::new(), &mut jit];
        for e in engines {
            let out = run(e, &m, &input, Direction::Forward).map_err(|s| TestCaseError::fail(format!("{s}\n{text}")))?;
            prop_assert_eq!(&out, &want, "{} forward\n{}", e.name(), text);
            let back = run(e, &m, &out, Direction::Backward).map_err(|s| TestCaseError::fail(format!("{s}\n{text}")))?;
            prop_assert_eq!(&back, &input, "{} backward\n{}", e.name(), text);
        }
    }
}

/// Instructions a trip of the loop in `body` costs on the interpreter: the count of a run of
/// `n + 1` trips less that of `n`. With `fixed`, the gene also has a `u32` variable (so its
/// expressions are compiled for their widths).
fn per_trip(body: &str, dir: Direction, fixed: bool) -> u64 {
    let extra = if fixed { ", w: u32" } else { "" };
    let text = format!(
        "gene main(a: u64[64], n: u64, k: u64, s: u64{extra}) {{
    local i: u64 = 0
    from i == 0 do {{
{body}
        i += 1
    }} until i == n
    delocal i = n
}}
"
    );
    let m = compile(&text);
    let count = |n: u64| {
        let mut args = vec![Value::Array(vec![1; 64]), Value::Int(n), Value::Int(7), Value::Int(0)];
        if fixed {
            args.push(Value::Int(3));
        }
        if dir == Direction::Backward {
            // The state the forward run leaves, so the backward run ends at i == 0.
            Interpreter::new().run(&m, 0, &mut args, Direction::Forward).unwrap_or_else(|e| panic!("{e:?}"));
        }
        let rep = Interpreter::new().run(&m, 0, &mut args, dir).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        rep.instructions
    };
    count(9) - count(8)
}

#[test]
fn an_invariant_costs_nothing_per_trip() {
    for (dir, fixed) in
        [(Direction::Forward, false), (Direction::Backward, false), (Direction::Forward, true)]
    {
        let per_trip = |body: &str| per_trip(body, dir, fixed);
        let at = format!("{dir:?}, fixed-width variable: {fixed}");
        // An update and the loop's step and latch (`add`, `loop.inc`).
        let plain = per_trip("        s += k");
        assert_eq!(plain, 2, "{at}");
        // `k * 3 + 1` and `(k ^ 5) & 63` read only `k`: computed before the loop, so a trip
        // costs what `s += k` does.
        assert_eq!(per_trip("        s += k * 3 + 1"), plain, "{at}");
        assert_eq!(per_trip("        s ^= a[(k ^ 5) & 63]"), plain, "{at}");
        // `i * 4` changes each trip: computed in the loop, and added to `k << 2` from before it.
        assert_eq!(per_trip("        s += i * 4 + (k << 2)"), plain + 2, "{at}");
    }
}

#[test]
fn a_loop_bound_computed_before_the_loop_makes_a_counted_loop() {
    // `until i == n * 2`: `n * 2` is in a slot of its own, so the loop is a counted loop and a
    // trip costs its update and its latch (`add`, `loop.inc`), both ways.
    let text = "gene main(n: u64, k: u64, s: u64) {
    local i: u64 = 0
    from i == 0 do {
        s += k
        i += 1
    } until i == n * 2
    delocal i = n * 2
}
";
    let m = compile(text);
    for dir in [Direction::Forward, Direction::Backward] {
        let count = |n: u64| {
            let start = [Value::Int(n), Value::Int(7), Value::Int(0)];
            let mut args = start.to_vec();
            if dir == Direction::Backward {
                // The state the forward run leaves: s = 7 * 2n.
                args[2] = Value::Int(14 * n);
            }
            let input = args.clone();
            let rep = Interpreter::new().run(&m, 0, &mut args, dir).unwrap_or_else(|e| panic!("{e:?}"));
            let want = if dir == Direction::Forward { 14 * n } else { 0 };
            assert_eq!(args[2], Value::Int(want), "{dir:?}");
            // The JIT takes it back.
            let mut jit = Jit::with_options(JitOptions { verify: true, optimize: true });
            jit.run(&m, 0, &mut args, dir.flip()).unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(args, input, "{dir:?}");
            rep.instructions
        };
        assert_eq!(count(5) - count(4), 2 * 2, "{dir:?}");
    }
}
