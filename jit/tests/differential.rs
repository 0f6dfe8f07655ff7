//! Differential tests: the JIT against the interpreter (the reference) on generated programs
//! and states, forward and backward; final states, error kinds, spans and call stacks compared.
//! Every JIT here runs Cranelift's verifier on each function it builds.

use proptest::prelude::*;
use rdx_jit::{Jit, JitOptions};
use rdx_lang::ast::Type;
use rdx_lang::generate::arb_valid_program;
use rdx_vm::{Direction, Engine, Interpreter, Module, RunError, Value};

fn jit() -> Jit {
    Jit::with_options(JitOptions { verify: true, optimize: true })
}

/// Source text → module, through the whole front end (real spans for the error comparisons).
fn compile(text: &str) -> Module {
    let prog = rdx_lang::parser::parse(text).unwrap_or_else(|d| panic!("parse: {d:?}\n{text}"));
    let checked =
        rdx_lang::check::check(&prog, &Default::default()).unwrap_or_else(|d| panic!("check: {d:?}\n{text}"));
    rdx_vm::compile(&checked, "test.rdx", text).unwrap_or_else(|d| panic!("compile: {d:?}\n{text}"))
}

fn state(m: &Module, gene: usize, seed: &[u64]) -> Vec<Value> {
    let mut it = seed.iter().copied().cycle();
    m.genes[gene]
        .params
        .iter()
        .map(|p| match p.ty {
            Type::U64 | Type::I64 => Value::Int(it.next().unwrap_or(0)),
            Type::Fixed(w) => Value::Int(w.wrap(it.next().unwrap_or(0))),
            Type::Array(_, n) => Value::Array((0..n).map(|_| it.next().unwrap_or(0)).collect()),
            Type::Stack => Value::Stack(Vec::new()),
        })
        .collect()
}

/// The run's result (lossy bits and deepest nesting, or the error) and final state.
type Outcome = (Result<(u64, usize), RunError>, Vec<Value>);

fn run(e: &mut dyn Engine, m: &Module, gene: usize, s: &[Value], dir: Direction) -> Outcome {
    let mut a = s.to_vec();
    let r = e.run(m, gene, &mut a, dir).map(|rep| (rep.lossy_bits, rep.max_depth));
    // On error the state is unspecified: compare only the error then.
    if r.is_err() {
        a.clear();
    }
    (r, a)
}

/// One run on each engine from `s` (a module the JIT does not trust goes to the interpreter),
/// checked to be the same; the interpreter's outcome.
fn both(m: &Module, gene: usize, s: &[Value], dir: Direction) -> Outcome {
    let i = run(&mut Interpreter::new(), m, gene, s, dir);
    assert_eq!(i, run(&mut jit(), m, gene, s, dir), "interpreter and JIT, {dir:?} from {s:?}");
    i
}

/// [`agree`] on a fresh engine, as a property's outcome: a failure shows the program `text`
/// that `m` was compiled from and the state.
fn agrees(m: &Module, gene: usize, text: &str, s: &[Value]) -> Result<(), TestCaseError> {
    agree(&mut jit(), m, gene, s)
        .map_err(|e| TestCaseError::fail(format!("{e}\nprogram:\n{text}\nstate: {s:?}")))
}

/// Runs `gene` both ways on both engines from `s`: forward, backward from the forward result
/// (using the tape of the forward run), and backward from `s` itself.
fn agree(jt: &mut Jit, m: &Module, gene: usize, s: &[Value]) -> Result<(), String> {
    engines_agree(jt, m, gene, s, true)
}

/// [`agree`], checking that the backward run restores the input only when `reversible` (a
/// hand-written module need not be).
fn engines_agree(jt: &mut Jit, m: &Module, gene: usize, s: &[Value], reversible: bool) -> Result<(), String> {
    if !rdx_jit::trust::trusted(m) {
        return Err("the module would run on the interpreter, not compiled".into());
    }
    let mut it = Interpreter::new();
    jt.clear_tape();
    let f_i = run(&mut it, m, gene, s, Direction::Forward);
    let f_j = run(jt, m, gene, s, Direction::Forward);
    if f_i != f_j {
        return Err(format!("forward:\n  interp {f_i:?}\n  jit    {f_j:?}"));
    }
    if f_i.0.is_ok() {
        let b_i = run(&mut it, m, gene, &f_i.1, Direction::Backward);
        let b_j = run(jt, m, gene, &f_j.1, Direction::Backward);
        if b_i != b_j {
            return Err(format!("backward from the output:\n  interp {b_i:?}\n  jit    {b_j:?}"));
        }
        if reversible && b_i.0.is_ok() && b_i.1 != s {
            return Err("backward run did not restore the input".into());
        }
    }
    let mut it = Interpreter::new();
    jt.clear_tape();
    let r_i = run(&mut it, m, gene, s, Direction::Backward);
    let r_j = run(jt, m, gene, s, Direction::Backward);
    if r_i != r_j {
        return Err(format!("backward from the input:\n  interp {r_i:?}\n  jit    {r_j:?}"));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn jit_matches_interpreter_on_generated_programs(
        p in arb_valid_program(true),
        seed in prop::collection::vec(prop_oneof![0u64..8, any::<u64>()], 1..12),
    ) {
        let text = rdx_lang::print::print_program(&p);
        let m = compile(&text);
        let gene = m.gene_index("main").expect("main");
        let s = state(&m, gene, &seed);
        agrees(&m, gene, &text, &s)?;
    }

    #[test]
    fn jit_matches_interpreter_on_lossless_programs_every_gene(
        p in arb_valid_program(false),
        seed in prop::collection::vec(any::<u64>(), 1..12),
    ) {
        let text = rdx_lang::print::print_program(&p);
        let m = compile(&text);
        let mut jt = jit();
        for gene in 0..m.genes.len() {
            let s = state(&m, gene, &seed);
            if let Err(e) = agree(&mut jt, &m, gene, &s) {
                prop_assert!(false, "gene {}: {e}\nprogram:\n{text}\nstate: {s:?}", m.genes[gene].name);
            }
        }
    }
}

/// Programs that fail at run time: each error must be the interpreter's (kind, span, stack).
const FAILING: &[(&str, &str, &[u64])] = &[
    ("assert", "gene main(x: u64) { assert x == 1 }", &[0]),
    ("oob", "gene main(a: u64[4], i: u64, x: u64) { x += a[i] }", &[1, 2, 3, 4, 9, 0]),
    ("oob_update", "gene main(a: u64[4], i: u64) { a[i] ^= 5 }", &[1, 2, 3, 4, 4]),
    ("div0", "gene main(x: u64, y: u64) { x += 10 / y }", &[1, 0]),
    ("fi", "gene main(x: u64) {\n if x == 0 {\n x += 1\n } fi x == 5\n}", &[0]),
    ("from", "gene main(x: u64) {\n from x == 0 do {\n x += 1\n } until x == 3\n}", &[1]),
    ("delocal", "gene main(x: u64) { local t: u64 = x\n t += 1\n delocal t = x }", &[7]),
    ("alias", "gene main(a: u64[4], i: u64, j: u64) { a[i] += a[j] }", &[1, 2, 3, 4, 2, 2]),
    (
        "nested",
        "gene main(x: u64, y: u64) { call inner(x, y) }\ngene inner(a: u64, b: u64) { call leaf(b)\n a += b }\ngene leaf(c: u64) { assert c != 3 }",
        &[1, 3],
    ),
    // Each context a fault can come from (the gene itself, a callee translated in place at
    // one call or another) reports its own position and call stack.
    ("sites_caller", SITES, &[0, 0, 7]),
    ("sites_first", SITES, &[3, 0, 0]),
    ("sites_second", SITES, &[0, 3, 0]),
    ("sites_other", SITES, &[0, 0, 5]),
    (
        "recursion",
        "gene main(x: u64) { call down(x) }\ngene down(n: u64) {\n if n != 0 {\n n -= 1\n call down(n)\n n += 1\n } fi n != 0\n}",
        &[300_000],
    ),
    (
        "stack_pop_empty",
        "gene main(x: u64) { local s: stack = nil\n pop x, s\n push x, s\n delocal s = nil }",
        &[0],
    ),
    (
        "stack_pop_nonzero",
        "gene main(x: u64, y: u64) { local s: stack = nil\n push x, s\n pop y, s\n push y, s\n pop x, s\n delocal s = nil }",
        &[5, 7],
    ),
    ("stack_top_empty", "gene main(x: u64) { local s: stack = nil\n x += top(s)\n delocal s = nil }", &[0]),
    (
        // Pushes past the first buffers (compiled code grows them through the helper), then
        // reads the top.
        "stack_grows",
        "gene main(n: u64, x: u64) {\n local s: stack = nil\n local i: u64 = 0\n from i == 0 do {\n x += i + 1\n push x, s\n i += 1\n } until i == n\n assert top(s) == 1000 && size(s) == n && !empty(s)\n from i == n do {\n i -= 1\n pop x, s\n x -= i + 1\n } until i == 0\n delocal i = 0\n delocal s = nil\n}",
        &[100, 0],
    ),
];

/// A gene calling one gene at two places and another at a third, each able to fail, and
/// failing itself (see `FAILING`).
const SITES: &str = "gene main(x: u64, y: u64, z: u64) {\n call one(x)\n call one(y)\n call two(z)\n assert z != 7\n}\ngene one(p: u64) { assert p != 3 }\ngene two(q: u64) {\n q += 1\n assert q != 6\n q -= 1\n}";

#[test]
fn run_time_errors_match_the_interpreter() {
    for (name, text, seed) in FAILING {
        let Ok(prog) = rdx_lang::parser::parse(text) else { panic!("{name}: does not parse") };
        let checked = match rdx_lang::check::check(&prog, &Default::default()) {
            Ok(c) => c,
            Err(d) => panic!("{name}: does not check: {d:?}"),
        };
        let m = rdx_vm::compile(&checked, "t.rdx", text).expect("compiles");
        let gene = m.gene_index("main").expect("main");
        let s = state(&m, gene, seed);
        let mut it = Interpreter::new();
        let mut jt = jit();
        for dir in [Direction::Forward, Direction::Backward] {
            let a = run(&mut it, &m, gene, &s, dir);
            let b = run(&mut jt, &m, gene, &s, dir);
            assert_eq!(a, b, "{name} {dir:?}");
            if dir == Direction::Forward {
                let e = a.0.expect_err(name);
                assert!(e.span().is_some(), "{name}: the error has a span");
            }
        }
    }
}

/// Locals that use one slot in turn (here and in a callee the interpreter translates in
/// place): a delocal that fails names the local open there, forward and backward, on both
/// engines, not every local the slot has held.
#[test]
fn a_failed_delocal_names_the_local_open_in_its_slot() {
    let text = "gene main(x: u64, y: u64) {\n local a: u64 = x\n y += a\n delocal a = 3\n local b: u64 = y\n x += b\n delocal b = 7\n call h(y)\n}\ngene h(p: u64) {\n local c: u64 = 1\n p += c\n delocal c = 1\n local d: u64 = p\n p += d\n delocal d = 4\n}";
    let m = compile(text);
    let gene = m.gene_index("main").expect("main");
    let cases = [
        ([1, 0], Direction::Forward, "a"),
        ([3, 0], Direction::Forward, "b"),
        ([3, 4], Direction::Forward, "d"),
        ([0, 5], Direction::Backward, "d"),
        ([0, 8], Direction::Backward, "b"),
    ];
    let (mut it, mut jt) = (Interpreter::new(), jit());
    for (seed, dir, want) in cases {
        let s = state(&m, gene, &seed);
        let a = run(&mut it, &m, gene, &s, dir);
        assert_eq!(a, run(&mut jt, &m, gene, &s, dir), "{seed:?} {dir:?}");
        match a.0 {
            Err(RunError { kind: rdx_vm::RunErrorKind::DelocalMismatch { name, .. }, .. }) => {
                assert_eq!(name, want, "{seed:?} {dir:?}")
            }
            other => panic!("{seed:?} {dir:?}: {other:?}"),
        }
    }
}

#[test]
fn deep_recursion_within_the_limit_runs_and_reverses() {
    let text = "gene main(x: u64) { call down(x) }\ngene down(n: u64) {\n if n != 0 {\n n -= 1\n call down(n)\n n += 1\n } fi n != 0\n}";
    let m = compile(text);
    let gene = m.gene_index("main").expect("main");
    let s = vec![Value::Int(150_000)];
    let mut jt = jit();
    let mut a = s.clone();
    let r = jt.run(&m, gene, &mut a, Direction::Forward).expect("deep recursion runs");
    assert_eq!(r.max_depth, 150_002);
    jt.run(&m, gene, &mut a, Direction::Backward).expect("and reverses");
    assert_eq!(a, s);
}

#[test]
fn lossy_history_round_trips_and_backward_alone_fails() {
    let text = "gene main(x: u64, y: u64) { x := y + 1 }";
    let Ok(prog) = rdx_lang::parser::parse(text) else { panic!("parse") };
    let checked = rdx_lang::check::check(&prog, &Default::default()).expect("checks");
    let m = rdx_vm::compile(&checked, "t.rdx", text).expect("compiles");
    let mut jt = jit();
    let mut a = vec![Value::Int(40), Value::Int(1)];
    let r = jt.run(&m, 0, &mut a, Direction::Forward).expect("forward");
    assert_eq!(r.lossy_bits, 64);
    assert_eq!(a, vec![Value::Int(2), Value::Int(1)]);
    jt.run(&m, 0, &mut a, Direction::Backward).expect("backward with history");
    assert_eq!(a, vec![Value::Int(40), Value::Int(1)]);
    let mut fresh = jit();
    let e = fresh.run(&m, 0, &mut a, Direction::Backward).expect_err("no history");
    let mut it = Interpreter::new();
    let e2 = it.run(&m, 0, &mut a, Direction::Backward).expect_err("no history");
    assert_eq!(e, e2);
}

#[test]
fn bad_arguments_are_the_interpreter_errors() {
    let m = compile("gene main(x: u64, a: u64[2]) { x += a[0] }");
    for args in
        [vec![Value::Int(1)], vec![Value::Int(1), Value::Array(vec![1])], vec![Value::Int(1), Value::Int(2)]]
    {
        let (mut a, mut b) = (args.clone(), args.clone());
        let ei = Interpreter::new().run(&m, 0, &mut a, Direction::Forward).expect_err("bad");
        let ej = jit().run(&m, 0, &mut b, Direction::Forward).expect_err("bad");
        assert_eq!(ei, ej);
    }
}

#[test]
fn compiled_once_per_engine() {
    let m = compile("gene main(x: u64) { x += 1 }");
    let mut jt = jit();
    assert!(jt.prepare(&m).expect("compiles") > std::time::Duration::ZERO);
    assert_eq!(jt.prepare(&m).expect("cached"), std::time::Duration::ZERO);
}

/// An engine that runs program after program keeps the code of the last `CACHED_MODULES`
/// (the one used least recently goes); a module dropped is compiled again when run again,
/// and runs stay right throughout.
#[test]
fn the_engine_keeps_the_modules_used_last() {
    let cap = rdx_jit::CACHED_MODULES;
    let m = |k: usize| compile(&format!("gene main(x: u64) {{ x += {k} }}"));
    let first = m(1000);
    let mut jt = jit();
    for k in 0..cap + 40 {
        // The first module is run every time, so it is never the least recently used.
        for (mk, add) in [(&first, 1000), (&m(k + 1), k as u64 + 1)] {
            let mut s = vec![Value::Int(7)];
            jt.run(mk, 0, &mut s, Direction::Forward).expect("runs");
            assert_eq!(s, vec![Value::Int(7 + add)]);
        }
        assert!(jt.cached_modules() <= cap, "{} modules kept", jt.cached_modules());
    }
    assert_eq!(jt.cached_modules(), cap);
    assert!(jt.has_compiled(&m(cap + 40)) && jt.has_compiled(&first));
    assert!(!jt.has_compiled(&m(1)), "the module used least recently is dropped");
    let mut s = vec![Value::Int(7)];
    jt.run(&m(1), 0, &mut s, Direction::Forward).expect("compiled again");
    assert_eq!(s, vec![Value::Int(8)]);
    assert!(jt.has_compiled(&m(1)) && jt.cached_modules() == cap);
}

/// A run compiles what it calls: its entry in its direction and the callees its code calls
/// in theirs (`uncall` turns the direction); a callee translated in place at every call is
/// not compiled on its own; a later run adds what it needs; results stay the interpreter's.
#[test]
fn a_run_compiles_the_functions_it_calls() {
    let m = compile(
        "gene main(x: u64, y: u64) { call f(x)\n uncall g(y)\n call down(x) }\n\
         gene f(x: u64) { x += 3 }\n\
         gene g(y: u64) { y ^= 5 }\n\
         gene down(n: u64) {\n if n != 0 {\n n -= 1\n call down(n)\n n += 1\n } fi n != 0\n}\n\
         gene unused(x: u64) { x += 1 }",
    );
    let main = m.gene_index("main").expect("main");
    let mut jt = jit();
    assert_eq!(jt.compiled_functions(&m), 0);
    let mut a = vec![Value::Int(10), Value::Int(2)];
    let mut it = Interpreter::new();
    let mut b = a.clone();
    jt.run(&m, main, &mut a, Direction::Forward).expect("runs");
    it.run(&m, main, &mut b, Direction::Forward).expect("runs");
    assert_eq!(a, b);
    // main forward and down forward (its recursion goes deeper than calls in place go); f
    // and g run inside main.
    assert_eq!(jt.compiled_functions(&m), 2);
    jt.run(&m, main, &mut a, Direction::Backward).expect("runs");
    // and main backward, down backward; `unused` never.
    assert_eq!(jt.compiled_functions(&m), 4);
    assert_eq!(a, vec![Value::Int(10), Value::Int(2)]);
    // A run that starts at f compiles it.
    let f = m.gene_index("f").expect("f");
    let mut x = vec![Value::Int(1)];
    jt.run(&m, f, &mut x, Direction::Forward).expect("runs");
    assert_eq!((jt.compiled_functions(&m), &x[..]), (5, &[Value::Int(4)][..]));
    assert!(jt.prepare(&m).expect("compiles the rest") > std::time::Duration::ZERO);
    assert_eq!(jt.compiled_functions(&m), 10);
}

/// A one-gene module `main` written by hand, before the verifier has seen it: its parameters
/// (name, type), slots (and four frame words more, for a local array) and code.
fn unverified(params: &[(&str, Type)], slots: u16, code: Vec<rdx_vm::ops::Op>) -> Module {
    use rdx_vm::module::{GeneDef, ParamDef};
    let gene = GeneDef {
        name: "main".into(),
        params: params.iter().map(|&(name, ty)| ParamDef { name: name.into(), ty }).collect(),
        slots,
        words: u32::from(slots) + 4,
        args: vec![],
        code,
        param_slots: vec![],
        param_pass: vec![],
        param_back: vec![],
        tape_tags: vec![],
        param_words: 0,
        backward: Default::default(),
        plain: Default::default(),
        loops: Vec::new(),
        arg_written: Vec::new(),
        skipping: Default::default(),
    };
    Module { dialect: rdx_lang::ast::Dialect::Rdx, strings: vec![], genes: vec![gene], debug: None }
}

/// A call that passes a stack parameter something other than a stack open in the caller, once:
/// a number (which compiled code, trusting the parameter, once used as an index into the stack
/// table: the test process crashed), a local stack the caller already closed (its call moved
/// after the `delocal.stack`), or the stack passed for a scalar parameter too (whose update
/// changed the id in compiled code, where the callee ran in place). The verifier refuses the
/// number and the stack passed twice; for the closed stack, the rule that lets compiled code
/// trust stack parameters refuses the module, and both engines give the interpreter's answer.
#[test]
fn a_call_passing_a_stack_parameter_a_number_or_a_closed_stack_is_checked() {
    use rdx_vm::ops::{Op, Slot};
    let text = "gene put(v: u64, s: stack) {\n    v += 3\n    push v, s\n    pop v, s\n    v -= 3\n}\ngene main(x: u64, y: u64) {\n    local s: stack = nil\n    call put(x, s)\n    delocal s = nil\n}";
    let m = compile(text);
    assert!(rdx_jit::trust::stack_params_fixed(&m));
    let main = m.gene_index("main").expect("main");
    let call = m.genes[main].code.iter().position(|o| matches!(o, Op::Call { .. })).expect("a call");
    let mut number = m.clone();
    // `call put(x, y)`: y (slot 1), a number, for the stack.
    let Op::Call { args, .. } = number.genes[main].code[call] else { unreachable!() };
    number.genes[main].args[args.start as usize + 1] = Slot(1);
    let mut closed = m.clone();
    closed.genes[main].code.swap(call, call + 1);
    // `call put(s, s)`: the stack's slot for v too, which `v += 3` changes.
    let mut twice = m.clone();
    twice.genes[main].args[args.start as usize] = twice.genes[main].args[args.start as usize + 1];
    // A parameter passed for a stack and one variable passed twice the verifier refuses
    // (`spec/bytecode.md` §5); a stack closed before the call it cannot see, and the engines check.
    // A stack closed before the call holds no stack there (rule 19): refused too.
    for (what, hand, why) in [
        ("a number", number, "passes parameter `y: u64` as argument 1, of type stack"),
        ("the stack twice", twice, "one variable passed twice"),
        ("a closed stack", closed, "which holds a number, as argument 1, of type stack"),
    ] {
        let e = Module::decode(&hand.encode()).expect_err(what);
        assert!(e.message.contains(why), "{what}: {e}");
    }
    // The suite's collatz with `uncall walk(m, trail, trail)`: the step count's updates changed
    // the trail's id where compiled code ran the callee in place (the process crashed).
    let m = compile(include_str!("../../vm/benches/suite/collatz.rdx"));
    assert!(rdx_jit::trust::stack_params_fixed(&m));
    let mut hand = m.clone();
    let walks = m.gene_index("walks").expect("walks");
    let g = &mut hand.genes[walks];
    let at = g.code.iter().position(|o| matches!(o, Op::Uncall { .. })).expect("an uncall");
    let Op::Uncall { args, .. } = g.code[at] else { unreachable!() };
    g.args[args.start as usize + 2] = g.args[args.start as usize + 1];
    // (As the fuzzer had it: the outer counter's step and the closing check changed too.)
    if let Some(op @ Op::AddImm { .. }) = g.code.iter_mut().find(|o| matches!(o, Op::AddImm { .. })) {
        let Op::AddImm { dst, .. } = *op else { unreachable!() };
        *op = Op::AddImm { dst, imm: rdx_vm::ops::Imm(4294967297) };
    }
    if let Op::DelocalImm { dst, .. } = g.code[at + 1] {
        g.code[at + 1] = Op::DelocalImm { dst, imm: rdx_vm::ops::Imm(18374686479671623680) };
    }
    // (The verifier now refuses the trail passed twice.)
    let e = Module::decode(&hand.encode()).expect_err("the trail passed twice");
    assert!(e.message.contains("one variable passed twice"), "{e}");
}

/// A local array used where it is not open: its `local.arr` turned into a `delocal.arr` (so the
/// array is closed twice and never opened), or a call passing it moved after its `delocal.arr`.
/// Compiled code passed the array's pointer slot, which holds no address then, to the callee
/// as one (the process crashed); the trust check now sends such a module to the interpreter.
#[test]
fn a_local_array_used_where_it_is_not_open_is_checked() {
    use rdx_vm::ops::Op;
    let text = "gene bump(t: u64[4], y: u64) {\n    t[1] += y\n}\ngene main(x: u64[4], y: u64) {\n    local t: u64[4] = 0\n    call bump(t, y)\n    x[2] += t[1]\n    uncall bump(t, y)\n    delocal t = 0\n}";
    let m = compile(text);
    assert!(rdx_jit::trust::trusted(&m));
    let main = m.gene_index("main").expect("main");
    let code = &m.genes[main].code;
    let open = code.iter().position(|o| matches!(o, Op::LocalArr { .. })).expect("a local array");
    let close = code.iter().position(|o| matches!(o, Op::DelocalArr { .. })).expect("its end");
    let mut never_opened = m.clone();
    if let Op::LocalArr { arr, at, len, src, pre } = code[open] {
        never_opened.genes[main].code[open] = Op::DelocalArr { arr, at, len, src, pre };
    }
    // `uncall bump(t, y)` moved after `delocal t = 0` (and its code).
    let mut used_after = m.clone();
    used_after.genes[main].code[close - 2..=close].rotate_left(1);
    // Closed where it was never opened: refused (rule 16).
    let e = Module::decode(&never_opened.encode()).expect_err("never opened");
    assert!(
        e.message.contains("closes slot 4, which holds no open local") && e.message.contains("(rule 16)"),
        "{e}"
    );
    // Passed where it is closed: it holds no array there (rule 19).
    let e = Module::decode(&used_after.encode()).expect_err("used after its end");
    assert!(e.message.contains("which holds a number, as argument 0, of type u64[4]"), "{e}");
}

/// Short-circuit code whose jumps cross (`jz` to a position inside the part another `jz`
/// skips), which the compiler never emits: the JIT translated the skipped part without a
/// branch and left the other jump's target block empty, which made Cranelift panic. Now that
/// target is translated where it is; the results are the interpreter's.
#[test]
fn crossing_short_circuit_jumps_compile_and_agree() {
    use rdx_vm::ops::{Off, Op};
    let text = "gene main(a: u64, b: u64, c: u64, r: u64) {\n    if a < b && b <= 9 && !(c > 5) && c != 0 || a == 7 {\n        r += 1\n    } fi r == 1\n}";
    let m = compile(text);
    let code = &m.genes[0].code;
    let jumps: Vec<usize> =
        (0..code.len()).filter(|&p| matches!(code[p], Op::Jz { .. } | Op::Jnz { .. })).collect();
    let mut crossed = 0;
    for &p in &jumps {
        let (Op::Jz { a, to } | Op::Jnz { a, to }) = code[p] else { unreachable!() };
        // Each target one further on, where the verifier still takes it.
        for t in [to.0 + 1, to.0.saturating_sub(1)] {
            let mut hand = m.clone();
            hand.debug = None;
            hand.genes[0].code[p] = match code[p] {
                Op::Jz { .. } => Op::Jz { a, to: Off(t) },
                _ => Op::Jnz { a, to: Off(t) },
            };
            let Ok(hand) = Module::decode(&hand.encode()) else { continue };
            crossed += 1;
            for (a, b, c) in [(1, 2, 3), (1, 2, 0), (5, 2, 9), (0, 12, 0), (7, 7, 6), (0, 0, 0), (2, 9, 5)] {
                let st = vec![Value::Int(a), Value::Int(b), Value::Int(c), Value::Int(0)];
                engines_agree(&mut jit(), &hand, 0, &st, false)
                    .unwrap_or_else(|e| panic!("jump at {p} to {t}: {e}"));
            }
        }
    }
    assert!(crossed > 0, "some edited jump is accepted: {code:?}");
}

/// An `if` whose parts the JIT runs without a branch (`if x[j] > x[k] { y += x[k] * 3 } fi
/// x[j] > x[k]`), changed by hand where the compiler's code never differs: `fi.then`'s
/// assertion not `fi.else`'s, `fi.then`'s code writing a variable (z, slot 4) that `fi.else`'s
/// does not, an update's expression code writing a variable; and in walk, `fi.else`'s code
/// reading another variable. Each way must test and write what its own
/// instructions say, as in the interpreter (the branchless form ran `fi.then`'s code on both
/// ways, and set back only the slots the updates themselves write).
#[test]
fn a_hand_written_if_gives_the_interpreters_answer_both_ways() {
    use rdx_vm::ops::{Cond, Op, Slot};
    let text = "gene main(x: u64[4], k: u64, y: u64, z: u64) {\n    local j: u64 = 0\n    from j == 0 do {\n        if x[j] > x[k] {\n            y += x[k] * 3\n        } fi x[j] > x[k]\n        z ^= k\n        j += 1\n    } until j == 4\n    delocal j = 4\n}";
    let m = compile(text);
    let code = &m.genes[0].code;
    let fi_then = code.iter().position(|o| matches!(o, Op::FiThen { .. })).expect("an if");
    type Edit = fn(&mut [Op], usize, Slot);
    let edits: [(&str, Edit); 3] = [
        ("fi.then always holds", |c, fi, _| {
            if let Op::FiThen { cond: Cond::LtU(_, b), fi_else, pre } = c[fi] {
                c[fi] = Op::FiThen { cond: Cond::LeU(b, b), fi_else, pre };
            }
        }),
        ("fi.then's code writes z", |c, fi, z| {
            if let Op::Load { arr, idx, .. } = c[fi - 1] {
                c[fi - 1] = Op::Load { dst: z, arr, idx };
            }
        }),
        ("the update's code writes z", |c, fi, z| {
            // `mul3.imm t, x[k], 3` then `add y, t`, with z for t.
            if let (Op::Mul3Imm { a, imm, .. }, Op::Add { dst, pre, .. }) = (c[fi - 4], c[fi - 3]) {
                c[fi - 4] = Op::Mul3Imm { dst: z, a, imm };
                c[fi - 3] = Op::Add { dst, src: z, pre };
            }
        }),
    ];
    for (what, edit) in edits {
        let mut hand = m.clone();
        hand.debug = None;
        edit(&mut hand.genes[0].code, fi_then, Slot(4));
        assert_ne!(hand.genes[0].code, m.genes[0].code, "{what}: the edit applies");
        // Not a reversible program: the verifier refuses it (spec/bytecode.md §5, rules 15 and 17).
        let e = Module::decode(&hand.encode()).expect_err(what);
        assert!(e.message.contains("(rule 17)") || e.message.contains("(rule 15)"), "{what}: {e}");
    }
    // The suite's walk with `fi.else`'s code testing up's top bit for x's (as the fuzzer had
    // it): backward, the way into the branch is `fi.else`'s test, so the then branch's settled
    // `fi.then` proves nothing about the `if` test at its other end (it was left out, and a
    // failing one went unreported).
    let mut hand = compile(include_str!("../../vm/benches/suite/walk.rdx"));
    hand.debug = None;
    let c = &mut hand.genes[0].code;
    let fe = c.iter().position(|o| matches!(o, Op::FiElse { .. })).expect("fi.else");
    if let Op::ShruImm { dst, imm, .. } = c[fe - 1] {
        c[fe - 1] = Op::ShruImm { dst, a: Slot(2), imm };
    }
    let e = Module::decode(&hand.encode()).expect_err("fi.else tests another condition");
    assert!(e.message.contains("(rule 17)"), "{e}");
}

/// A hand-written module that grows an array's length slot and then reads past the array:
/// the trust check sends it to the interpreter, whose checked memory reports it.
#[test]
fn untrusted_modules_run_on_the_interpreter() {
    use rdx_lang::ast::Elem;
    use rdx_vm::ops::{Arr, Imm, Op, Pre, Slot};
    let params = [("a", Type::Array(Elem::U64, 2)), ("x", Type::U64), ("i", Type::U64)];
    // An update of an array's length slot (its reference): refused at load now (rule 14), as
    // is an array operand naming a number's slot (rule 19), so the trust check sees neither.
    let mut m = unverified(
        &params,
        4,
        vec![
            Op::Enter {},
            Op::AddImm { dst: Slot(1), imm: Imm(1000) },
            Op::AddFrom { dst: Slot(2), arr: Arr(0), idx: Slot(3), pre: Pre(0) },
            Op::Exit {},
        ],
    );
    let e = m.verify().expect_err("the length of `a` changed");
    assert!(e.message.contains("changes the reference held by parameter `a: u64[2]`"), "{e}");
    let mut m = unverified(
        &params,
        4,
        vec![Op::Enter {}, Op::AddFrom { dst: Slot(3), arr: Arr(1), idx: Slot(2), pre: Pre(0) }, Op::Exit {}],
    );
    let e = m.verify().expect_err("a length read as an array");
    assert!(e.message.contains("names slot 1, which holds an array's length, not an array"), "{e}");
}

/// Compiled code uses a stack parameter without checking that it names a live stack only
/// when no gene writes one (`trust::stack_params_fixed`): a hand-written module that adds to
/// a stack parameter's slot before pushing is refused by the rule, and both engines report
/// the dead stack alike; compiled sources keep the rule.
#[test]
fn a_stack_parameter_written_by_hand_is_checked_on_both_engines() {
    use rdx_vm::ops::{Imm, Op, Pre, Slot};
    // (The verifier refuses it now: a stack's reference changed, rule 14.)
    let mut m = unverified(
        &[("s", Type::Stack), ("x", Type::U64)],
        2,
        vec![
            Op::Enter {},
            Op::AddImm { dst: Slot(0), imm: Imm(1) },
            Op::Push { var: Slot(1), stack: Slot(0), pre: Pre(0) },
            Op::Exit {},
        ],
    );
    let e = m.verify().expect_err("a stack's reference changed");
    assert!(e.message.contains("changes the reference held by parameter `s: stack`"), "{e}");
    // A number pushed onto as a stack (rule 19).
    let mut m = unverified(
        &[("x", Type::U64), ("y", Type::U64)],
        2,
        vec![Op::Enter {}, Op::Push { var: Slot(0), stack: Slot(1), pre: Pre(0) }, Op::Exit {}],
    );
    let e = m.verify().expect_err("a number used as a stack");
    assert!(e.message.contains("names slot 1, which holds a number, not a stack"), "{e}");
    // An array whose length word is a stack parameter's slot: `local.arr` writes the length.
    use rdx_vm::ops::{Arr, Word};
    // (The verifier refuses it now: a local opened over parameters, rule 16.)
    let mut m = unverified(
        &[("x", Type::U64), ("s", Type::Stack), ("y", Type::U64)],
        3,
        vec![
            Op::Enter {},
            Op::LocalArr { arr: Arr(0), at: Word(3), len: Word(1), src: Slot(2), pre: Pre(0) },
            Op::Push { var: Slot(2), stack: Slot(1), pre: Pre(0) },
            Op::Exit {},
        ],
    );
    let e = m.verify().expect_err("a local array over parameters");
    assert!(e.message.contains("changes the reference held by parameter `s: stack`"), "{e}");
    let text = format!("{STACK_CALLEES}}}\ngene main(s: stack, x: u64, k: u64) {{ call bigpush(s, x, k) }}");
    assert!(rdx_jit::trust::stack_params_fixed(&compile(&text)), "{text}");
}

/// Local arrays live in per-frame arena memory: recursion must keep each level's array.
#[test]
fn local_arrays_in_recursion_and_their_errors() {
    let rec = |len: u64| {
        format!(
            "gene main(n: u64, s: u64) {{ call rec(n, s) }}\n\
             gene rec(n: u64, s: u64) {{\n if n != 0 {{\n local q: u64[{len}] = n\n s += q[2]\n n -= 1\n \
             call rec(n, s)\n n += 1\n delocal q = n\n }} fi n != 0\n}}"
        )
    };
    let cases: Vec<(String, Vec<u64>, bool)> = vec![
        (rec(3), vec![1000, 0], true),
        // 2^20-word frames exhaust the 2^25-word memory limit after about 32 levels: R0120.
        (rec(1 << 20), vec![100, 0], false),
        ("gene main(x: u64) {\n local q: u64[4] = 0\n q[2] += x\n delocal q = 0\n}".into(), vec![5], false),
    ];
    for (text, seed, ok) in cases {
        let m = compile(&text);
        assert!(rdx_jit::trust::trusted(&m));
        let gene = m.gene_index("main").expect("main");
        let s = state(&m, gene, &seed);
        if let Err(e) = agree(&mut jit(), &m, gene, &s) {
            panic!("{e}\n{text}");
        }
        let mut a = s.clone();
        assert_eq!(jit().run(&m, gene, &mut a, Direction::Forward).is_ok(), ok, "{text}");
        if ok {
            assert_eq!(a[1], Value::Int(1000 * 1001 / 2));
        }
    }
}

/// Local arrays either side of the longest the JIT fills and checks inline (32 words) and of
/// the runtime check's chunk (64), opened again each trip of a loop and passed to a call: a
/// `delocal` that fails names the first element that differs.
#[test]
fn local_arrays_of_every_length_close_as_in_the_interpreter() {
    for len in [1u64, 2, 5, 31, 32, 33, 64, 65, 130] {
        let text = format!(
            "gene main(x: u64, i: u64, j: u64, y: u64, z: u64, s: u64) {{\n local r: u64 = 0\n \
             from r == 0 do {{\n local q: u64[{len}] = x + r\n q[(i + r) % {len}] += y\n \
             call f(q, j, z)\n s += q[r % {len}]\n q[(i + r) % {len}] -= y * (r != 1)\n \
             delocal q = x + r\n r += 1\n }} until r == 3\n delocal r = 3\n}}\n\
             gene f(q: u64[{len}], j: u64, z: u64) {{\n q[j % {len}] ^= z\n q[0] += z * 2\n}}"
        );
        let m = compile(&text);
        let main = m.gene_index("main").expect("main");
        let last = len - 1;
        // Closes on every trip; the first and the last element differ (the first is named); on
        // the second trip the last element differs, and only it.
        let seeds: [&[u64]; 4] = [
            &[7, 3, 0, 0, 0, 0],
            &[7, 0, last, 0, 5, 0],
            &[7, len.saturating_sub(2), 0, 4, 0, 0],
            &[0, 0, 1, 0, 0, 0],
        ];
        assert_eq!(agree_on(&m, main, &seeds), 2, "{text}");
    }
}

/// The JIT knows a module it ran before by comparing it with a copy, not by its address: six
/// modules in turn (more than it remembers), and one changed in place between two runs, each
/// run their own code.
#[test]
fn a_module_run_again_or_changed_runs_its_own_code() {
    let mut jt = jit();
    let texts: Vec<String> =
        (1..=6).map(|k| format!("gene main(x: u64) {{\n x += {k}\n x *= 3\n}}")).collect();
    for _ in 0..2 {
        for (k, text) in texts.iter().enumerate() {
            let m = compile(text);
            let mut a = vec![Value::Int(10)];
            jt.run(&m, 0, &mut a, Direction::Forward).expect("runs");
            assert_eq!(a, vec![Value::Int((10 + k as u64 + 1) * 3)], "{text}");
        }
    }
    let mut m = compile(&texts[0]);
    let mut a = vec![Value::Int(10)];
    jt.run(&m, 0, &mut a, Direction::Forward).expect("runs");
    assert_eq!(a, vec![Value::Int(33)]);
    let mut changed = 0;
    for op in &mut m.genes[0].code {
        if let rdx_vm::ops::Op::AddImm { imm, .. } = op {
            imm.0 = 100;
            changed += 1;
        }
    }
    assert_eq!(changed, 1);
    let mut a = vec![Value::Int(10)];
    jt.run(&m, 0, &mut a, Direction::Forward).expect("runs");
    assert_eq!(a, vec![Value::Int(330)]);
}

/// A recursive run uses as much of the caller's thread's stack as it has before moving to
/// the large-stack worker, and a function that needed the worker once starts there: neither
/// a deep run on a large thread nor a second deep run on a small one is started over.
#[test]
fn deep_recursion_starts_over_at_most_once() {
    let text = "gene main(n: u64, s: u64) { call down(n, s) }\n\
                gene down(n: u64, s: u64) {\n if n != 0 {\n n -= 1\n s += n\n call down(n, s)\n \
                n += 1\n } fi n != 0\n}";
    let m = compile(text);
    let main = m.gene_index("main").expect("main");
    let run = move |stack: usize| {
        let m = m.clone();
        std::thread::Builder::new()
            .stack_size(stack)
            .spawn(move || {
                let mut jt = jit();
                let mut restarts = Vec::new();
                for n in [30_000u64, 30_000, 10] {
                    let mut a = vec![Value::Int(n), Value::Int(0)];
                    jt.run(&m, main, &mut a, Direction::Forward).expect("runs");
                    assert_eq!(a, vec![Value::Int(n), Value::Int(n * (n - 1) / 2)]);
                    let mut b = a.clone();
                    jt.run(&m, main, &mut b, Direction::Backward).expect("runs back");
                    assert_eq!(b, vec![Value::Int(n), Value::Int(0)]);
                    restarts.push(jt.restarts());
                }
                restarts
            })
            .expect("thread")
            .join()
            .expect("no panic")
    };
    // 30,000 levels need more than the first try's 128 KiB: on a 64 MiB thread the run stays
    // there; on a 1 MiB thread the first run of each direction starts over, and only the first.
    assert_eq!(run(64 << 20), vec![0, 0, 0]);
    assert_eq!(run(1 << 20), vec![2, 2, 2]);
}

#[test]
fn auto_backend_compiles_loops_and_recursion_only() {
    let straight = compile("gene main(x: u64, y: u64) { call f(x)\n y += x }\ngene f(a: u64) { a += 1 }");
    let looping = compile(
        "gene main(x: u64) {\n local i: u64 = 0\n from i == 0 do {\n x += i\n i += 1\n } until i == 4\n delocal i = 4\n}",
    );
    let recursive = compile(
        "gene main(x: u64) { call a(x) }\ngene a(n: u64) {\n if n != 0 {\n n -= 1\n call b(n)\n n += 1\n } fi n != 0\n}\ngene b(n: u64) { call a(n) }",
    );
    assert!(!rdx_jit::worth_compiling(&straight));
    assert!(rdx_jit::worth_compiling(&looping));
    assert!(rdx_jit::worth_compiling(&recursive));
}

/// A recursion too deep for the caller's thread budget starts over on the worker thread: the
/// array it changed in place and the tape it wrote before running out must be restored first.
#[test]
fn restarted_deep_runs_restore_arrays_and_tape() {
    let text = "gene main(a: u64[2], n: u64, x: u64) { call down(a, n, x) }\n\
                gene down(a: u64[2], n: u64, x: u64) {\n if n != 0 {\n a[0] += n\n x := x + 1\n n -= 1\n \
                call down(a, n, x)\n n += 1\n } fi n != 0\n}";
    let m = compile(text);
    let gene = m.gene_index("main").expect("main");
    for n in [10, 5_000, 40_000] {
        let s = vec![Value::Array(vec![7, 8]), Value::Int(n), Value::Int(3)];
        if let Err(e) = agree(&mut jit(), &m, gene, &s) {
            panic!("n = {n}: {e}");
        }
    }
}

#[test]
fn genes_without_parameters_can_be_called() {
    let m =
        compile("gene main(x: u64) {\n call nothing()\n uncall nothing()\n x += 1\n}\ngene nothing() {\n}");
    let gene = m.gene_index("main").expect("main");
    if let Err(e) = agree(&mut jit(), &m, gene, &[Value::Int(4)]) {
        panic!("{e}");
    }
    // One too large to be translated in place: a real call, through the argument buffer.
    let body = "    t += 1\n".repeat(40) + &"    t -= 1\n".repeat(40);
    let m = compile(&format!(
        "gene main(x: u64) {{\n call big()\n uncall big()\n x += 1\n}}\ngene big() {{\n    local t: u64 = 0\n{body}    delocal t = 0\n}}"
    ));
    let gene = m.gene_index("main").expect("main");
    if let Err(e) = agree(&mut jit(), &m, gene, &[Value::Int(4)]) {
        panic!("{e}");
    }
}

/// Compiled code takes a parameter array's length from its type, so a hand-written call that
/// passes a shorter array than the callee declares is not compiled: the interpreter runs it
/// (and reports the out-of-bounds access its checked memory sees).
#[test]
fn calls_passing_arrays_of_another_length_run_on_the_interpreter() {
    use rdx_lang::ast::{Dialect, Elem};
    use rdx_vm::module::{GeneDef, ParamDef};
    use rdx_vm::ops::{Args, Arr, GeneIdx, Imm, Op, Pre, Slot};
    let arr = |n| ParamDef { name: "a".into(), ty: Type::Array(Elem::U64, n) };
    let idx = ParamDef { name: "i".into(), ty: Type::U64 };
    let main = GeneDef {
        name: "main".into(),
        params: vec![arr(2), idx.clone()],
        slots: 3,
        words: 3,
        args: vec![Slot(0), Slot(2)],
        code: vec![Op::Enter {}, Op::Call { gene: GeneIdx(1), args: Args { start: 0, len: 2 } }, Op::Exit {}],
        param_slots: vec![],
        param_pass: vec![],
        param_back: vec![],
        tape_tags: vec![],
        param_words: 0,
        backward: Default::default(),
        plain: Default::default(),
        loops: Vec::new(),
        arg_written: Vec::new(),
        skipping: Default::default(),
    };
    let callee = GeneDef {
        name: "f".into(),
        params: vec![arr(4), idx],
        slots: 3,
        words: 3,
        args: vec![],
        code: vec![
            Op::Enter {},
            Op::AddElemImm { arr: Arr(0), idx: Slot(2), imm: Imm(1), pre: Pre(0) },
            Op::Exit {},
        ],
        param_slots: vec![],
        param_pass: vec![],
        param_back: vec![],
        tape_tags: vec![],
        param_words: 0,
        backward: Default::default(),
        plain: Default::default(),
        loops: Vec::new(),
        arg_written: Vec::new(),
        skipping: Default::default(),
    };
    let mut m = Module { dialect: Dialect::Rdx, strings: vec![], genes: vec![main, callee], debug: None };
    m.verify().expect("the verifier accepts it");
    assert!(!rdx_jit::trust::trusted(&m));
    for i in [1u64, 3] {
        let s = vec![Value::Array(vec![5, 6]), Value::Int(i)];
        let (mut a, mut b) = (s.clone(), s.clone());
        let ra = Interpreter::new().run(&m, 0, &mut a, Direction::Forward);
        let rb = jit().run(&m, 0, &mut b, Direction::Forward);
        assert_eq!(ra, rb);
        assert_eq!(a, b);
        assert_eq!(ra.is_ok(), i < 2, "{ra:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Products with a factor known to be 0 or 1 (`& 1`, a comparison, `>> 63`, the constants,
    /// an `&` with such a value) compile to a mask instead of a multiply; lookalikes that are
    /// not bits (`& 3`, `>> 62`, the constant 2) keep the multiply. All agree with the
    /// interpreter, forward and backward, in both operand orders.
    #[test]
    fn products_with_a_bit_factor_match_the_interpreter(
        x in any::<u64>(),
        y in prop_oneof![0u64..4, any::<u64>()],
        z in any::<u64>(),
        form in 0usize..9,
        swap in any::<bool>(),
    ) {
        let bit = ["y & 1", "y < z", "y >> 63", "1", "0", "(y & 1) & z", "y & 3", "y >> 62", "2"][form];
        let prod = if swap { format!("z * ({bit})") } else { format!("({bit}) * z") };
        let text = format!(
            "gene main(x: u64, y: u64, z: u64) {{\n x ^= {prod}\n x += {prod} * 0xedb88320\n local b: u64 = {bit}\n x ^= b * 0x9e3779b97f4a7c15\n delocal b = {bit}\n}}"
        );
        let m = compile(&text);
        let gene = m.gene_index("main").expect("main");
        let s = state(&m, gene, &[x, y, z]);
        agrees(&m, gene, &text, &s)?;
    }
}

/// Janus source text → module, through the whole front end.
fn compile_janus(text: &str) -> Module {
    let prog = rdx_lang::janus::parse(text).unwrap_or_else(|d| panic!("parse: {d:?}\n{text}"));
    let checked =
        rdx_lang::check::check(&prog, &Default::default()).unwrap_or_else(|d| panic!("check: {d:?}\n{text}"));
    rdx_vm::compile(&checked, "t.ja", text).unwrap_or_else(|d| panic!("compile: {d:?}\n{text}"))
}

/// A Janus literal for `k` (the front end folds `-n` to a constant).
fn janus_int(k: i64) -> String {
    if k < 0 { format!("-{}", k.unsigned_abs()) } else { k.to_string() }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Janus checked arithmetic with a constant (`x += k`, `x -= k`, `y += x + k`,
    /// `y += x - k`) at and around the overflow boundaries, both signs of `k`: the same
    /// results and errors as the interpreter, both ways.
    #[test]
    fn checked_constant_arithmetic_agrees(
        x in prop_oneof![any::<i64>(), -3i64..3, (i64::MAX - 3)..=i64::MAX, i64::MIN..(i64::MIN + 3)],
        k in prop_oneof![any::<i64>(), -3i64..3, Just(i64::MAX), Just(i64::MIN + 1)].prop_filter("a literal", |&k| k != i64::MIN),
        y in prop_oneof![any::<i64>(), Just(0i64), Just(i64::MAX), Just(i64::MIN)],
        form in 0usize..4,
    ) {
        let k = janus_int(k);
        let body = match form {
            0 => format!("x += {k}"),
            1 => format!("x -= {k}"),
            2 => format!("y += x + {k}"),
            _ => format!("y += x - {k}"),
        };
        let text = format!("procedure f(int x, int y)\n    {body}\n\nprocedure main()\n    int x\n    int y\n    call f(x, y)\n");
        let m = compile_janus(&text);
        let s = vec![Value::Int(x as u64), Value::Int(y as u64)];
        let f = m.gene_index("f").expect("f");
        agrees(&m, f, &text, &s)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Reads at a constant index (`load.imm`), inside or past the array, and next to a
    /// variable index (`load.off`): the same results and errors as the interpreter, both ways.
    #[test]
    fn constant_and_offset_indices_agree(
        len in 1u64..6,
        k in 0u64..8,
        j in -2i64..3,
        i in 0u64..8,
        seed in prop::collection::vec(any::<u64>(), 8),
    ) {
        let j = if j < 0 { format!("- {}", -j) } else { format!("+ {j}") };
        let text = format!("gene main(a: u64[{len}], x: u64, i: u64) {{\n    x += a[{k}] * 3\n    x ^= a[i {j}] + 1\n}}");
        let m = compile(&text);
        let s = vec![Value::Array(seed[..len as usize].to_vec()), Value::Int(seed[7]), Value::Int(i)];
        agrees(&m, 0, &text, &s)?;
    }
}

/// Conditions over array elements for [`elements_read_again_agree`]: indices by variable, by
/// variable plus a constant, and constant, inside or past the array.
const ELEM_CONDS: [&str; 8] = [
    "a[i] > a[j]",
    "a[i] >= a[j]",
    "a[j] == a[i + 1]",
    "a[2] < a[i]",
    "a[i] != x",
    "(a[i] & 1) == 1",
    "a[j + 1] <= a[i]",
    "x < a[j]",
];

/// Statements of an `if`'s then or else part for [`elements_read_again_agree`]: element
/// updates and swaps (of the elements the conditions read, maybe the same one), an index moved,
/// a call that writes the array, a word read into `x`.
const ELEM_STMTS: [&str; 10] = [
    "a[i] -= 1",
    "a[j] += 3",
    "swap a[i], a[j + 1]",
    "swap a[i], a[j]",
    "i += 1",
    "call bump(a, j)",
    "x += a[i]",
    "x ^= a[1] + 1",
    "a[2] ^= x",
    "j -= 1",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// An `if`/`fi` whose `fi` reads again the elements its `if` read, with then and else parts
    /// that store into those elements (or others, or the same one through another index), move
    /// an index or call a gene that writes the array: the JIT keeps checked elements and loaded
    /// words only where nothing can have changed them, so results and errors are the
    /// interpreter's, both ways. After the `fi`, elements read on only one of the ways to it
    /// are read again (checked again).
    #[test]
    fn elements_read_again_agree(
        c1 in 0usize..ELEM_CONDS.len(),
        c2 in 0usize..ELEM_CONDS.len(),
        then in prop::collection::vec(0usize..ELEM_STMTS.len(), 0..3),
        other in prop::collection::vec(0usize..ELEM_STMTS.len(), 0..3),
        len in 2u64..6,
        i in 0u64..6,
        j in 0u64..6,
        x in 0u64..4,
        seed in prop::collection::vec(0u64..4, 6),
    ) {
        let part = |s: &[usize]| s.iter().map(|&k| format!("        {}\n", ELEM_STMTS[k])).collect::<String>();
        let text = format!(
            "gene bump(a: u64[{len}], k: u64) {{\n    a[k] += 1\n}}\n\
             gene main(a: u64[{len}], x: u64, i: u64, j: u64) {{\n    if {} {{\n{}    }} else {{\n{}    }} fi {}\n    x += a[i]\n    x ^= a[j + 1]\n    x -= a[1] + 1\n}}",
            ELEM_CONDS[c1], part(&then), part(&other), ELEM_CONDS[c2]
        );
        let m = compile(&text);
        let gene = m.gene_index("main").expect("main");
        let s = vec![Value::Array(seed[..len as usize].to_vec()), Value::Int(x), Value::Int(i), Value::Int(j)];
        agrees(&m, gene, &text, &s)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Janus's step-first loop (`from i = S do i += K … loop skip until …`), whose re-entry
    /// checks the JIT leaves out because the checked step never brings the counter back:
    /// counters that reach the exit, that overflow on the way (near `i64::MAX` or `MIN`), exit
    /// tests on the counter alone or after `&&` or `||`; the same results and errors as
    /// the interpreter, both ways.
    #[test]
    fn janus_step_first_loops_agree(
        k in prop_oneof![1i64..4, -3i64..0],
        start in prop_oneof![Just(0i64), Just(5), Just(40), Just(-7), Just(i64::MAX - 4), Just(i64::MIN + 4)],
        trips in 1i64..12,
        other in prop::option::of(-20i64..60),
        and in any::<bool>(),
    ) {
        // Where the counter is after `trips` steps, or (past the range) a bound it never meets:
        // the run then ends with the overflow a few steps on.
        let end = i64::try_from(i128::from(start) + i128::from(k) * i128::from(trips)).unwrap_or(start);
        let exit = match other {
            // (A first term that holds wherever the counter is at its bound: the loop ends.)
            Some(c) if and => format!("s != {} && i = {}", janus_int(c + 123_456_789), janus_int(end)),
            Some(c) => format!("s = {} || i = {}", janus_int(c), janus_int(end)),
            None => format!("i = {}", janus_int(end)),
        };
        let text = format!(
            "procedure f(int s)\n    local int i = {s0}\n    from i = {s0} do\n        i += {k}\n        s += i\n    loop\n        skip\n    until {exit}\n    delocal int i = {e}\n\nprocedure main()\n    int s\n    call f(s)\n",
            s0 = janus_int(start),
            k = janus_int(k),
            e = janus_int(end),
        );
        let m = compile_janus(&text);
        let f = m.gene_index("f").expect("f");
        // Bounds that fit a fused condition's immediate make the loop one the JIT recognises.
        let small = |v: i64| u32::try_from(v).is_ok();
        if small(start) && small(end) {
            prop_assert!(
                rdx_jit::loops::counted_loops(&m.genes[f]).iter().any(|l| l.range.is_none()),
                "not recognised:\n{text}"
            );
        }
        for s in [0i64, 3, -100] {
            let st = vec![Value::Int(s as u64)];
            agrees(&m, f, &text, &st)?;
        }
    }
}

/// Statements over two parameter stacks, an array and two words (see
/// `stack_parameters_agree`): pops into non-zero words, `top` of empty stacks, element reads
/// before and after stack operations.
const STACK_STMTS: &[&str] = &[
    "push x, s",
    "pop x, s",
    "push y, t",
    "pop y, t",
    "x += top(s)",
    "y += size(t) + size(s)",
    "x += a[1]",
    "a[2] += y",
    "y ^= a[1] + top(t)",
    "if empty(s) {\n        x += a[1]\n    } else {\n        y += top(s) + a[1]\n    } fi empty(s)",
    "if !empty(t) && top(t) > 2 {\n        push x, t\n        pop x, t\n    } fi !empty(t) && top(t) > 2",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// A gene whose stacks are all parameters (no stack opened or closed, no call): the JIT
    /// reads the stack table once and checks each stack's liveness once along a path, keeps
    /// known array words across stack operations, and sends every failing stack operation to
    /// the helper that reports it. Results and errors are the interpreter's, both ways.
    #[test]
    fn stack_parameters_agree(
        stmts in prop::collection::vec(0usize..STACK_STMTS.len(), 1..8),
        s0 in prop::collection::vec(0u64..5, 0..3),
        t0 in prop::collection::vec(0u64..5, 0..3),
        x in prop_oneof![Just(0u64), 0u64..4],
        y in prop_oneof![Just(0u64), 0u64..4],
        seed in prop::collection::vec(0u64..4, 4),
    ) {
        let body = stmts.iter().map(|&k| format!("    {}\n", STACK_STMTS[k])).collect::<String>();
        let text = format!("gene main(s: stack, t: stack, a: u64[4], x: u64, y: u64) {{\n{body}}}");
        let m = compile(&text);
        let gene = m.gene_index("main").expect("main");
        let st = vec![Value::Stack(s0), Value::Stack(t0), Value::Array(seed), Value::Int(x), Value::Int(y)];
        agrees(&m, gene, &text, &st)?;
    }
}

/// Statements of a small gene the JIT translates in place where it is called (see
/// `inlined_calls_agree`): element reads past the end, failing `delocal`s and assertions, a
/// local array, a stack parameter, branches.
const LEAF_STMTS: &[&str] = &[
    "x += a[y]",
    "a[x & 3] ^= y + 1",
    "local t: u64 = x\n    y += t\n    delocal t = x",
    "local t: u64 = y\n    x += 1\n    delocal t = x",
    "assert x != 7",
    "local q: u64[3] = x\n    y += q[2]\n    delocal q = x",
    "if x > y {\n        x -= y\n    } fi x >= y",
    "push x, s\n    pop x, s",
    "y <<<= 3\n    x ^= y",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    /// Calls the JIT translates in place: of a small gene that calls none, called and uncalled
    /// from a loop, directly, through a gene that calls it twice (in place too, one level
    /// up), and from a recursive gene (one level of itself in place, then real calls); with
    /// errors inside. The same results, deepest nesting and errors
    /// (kind, span, call stack) as the interpreter, both ways.
    #[test]
    fn inlined_calls_agree(
        leaf in prop::collection::vec(0usize..LEAF_STMTS.len(), 1..4),
        uncall in any::<bool>(),
        through in 0usize..3,
        n in 1u64..4,
        x in 0u64..9,
        y in 0u64..6,
        seed in prop::collection::vec(0u64..4, 4),
    ) {
        let body = leaf.iter().map(|&k| format!("    {}\n", LEAF_STMTS[k])).collect::<String>();
        let verb = if uncall { "uncall" } else { "call" };
        let callee = ["leaf(a, s, x, y)", "mid(a, s, x, y)", "rec(a, s, x, y, n)"][through];
        let text = format!(
            "gene leaf(a: u64[4], s: stack, x: u64, y: u64) {{\n{body}}}\n\
             gene mid(a: u64[4], s: stack, x: u64, y: u64) {{\n    {verb} leaf(a, s, x, y)\n    x += 1\n    call leaf(a, s, y, x)\n}}\n\
             gene rec(a: u64[4], s: stack, x: u64, y: u64, d: u64) {{\n    if d != 0 {{\n        d -= 1\n        {verb} leaf(a, s, x, y)\n        call rec(a, s, y, x, d)\n        d += 1\n    }} fi d != 0\n}}\n\
             gene main(a: u64[4], s: stack, x: u64, y: u64, n: u64) {{\n    local i: u64 = 0\n    from i == 0 do {{\n        {verb} {callee}\n        i += 1\n    }} until i == n\n    delocal i = n\n}}"
        );
        let m = compile(&text);
        let gene = m.gene_index("main").expect("main");
        let st = vec![Value::Array(seed), Value::Stack(vec![1, 2]), Value::Int(x), Value::Int(y), Value::Int(n)];
        agrees(&m, gene, &text, &st)?;
    }
}

/// Conditions and one-statement then parts of `branchless_ifs_agree`.
const SEL_CONDS: &[&str] = &["x[j] > x[k]", "x[j] >= x[k]", "x[i] == y", "y < 3", "x[j] != 0 && y > 1"];
const SEL_UPDATES: &[&str] = &[
    "x[j] -= 1",
    "x[j] += y",
    "y += 3",
    "y ^= x[k]",
    "swap x[j], x[k]",
    "x[k] ^= 5",
    "x[y] += 1",
    "y <<<= 7",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// `if c { S } fi a` with one update S and no else part, which the JIT runs without a
    /// branch when S cannot fail (its elements checked by c's code): exit assertions that hold
    /// and that fail either way, elements read by c or not, in a loop over j. The interpreter's
    /// results and errors, both ways.
    #[test]
    fn branchless_ifs_agree(
        c in 0usize..SEL_CONDS.len(),
        a in 0usize..SEL_CONDS.len(),
        s in 0usize..SEL_UPDATES.len(),
        seed in prop::collection::vec(0u64..5, 4),
        y in 0u64..6,
        i in 0u64..5,
        k in 0u64..4,
    ) {
        let text = format!(
            "gene main(x: u64[4], y: u64, i: u64, k: u64) {{\n    local j: u64 = 0\n    from j == 0 do {{\n        if {} {{\n            {}\n        }} fi {}\n        j += 1\n    }} until j == 4\n    delocal j = 4\n}}",
            SEL_CONDS[c], SEL_UPDATES[s], SEL_CONDS[a]
        );
        let m = compile(&text);
        let gene = m.gene_index("main").expect("main");
        let st = vec![Value::Array(seed), Value::Int(y), Value::Int(i), Value::Int(k)];
        agrees(&m, gene, &text, &st)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Indices made by `& k`, `>> k` and `% k`, whose range the JIT knows (and leaves out the
    /// bounds check when it lies inside the array): ranges inside, at the edge of and past the
    /// array's length. The interpreter's results and errors, both ways.
    #[test]
    fn masked_indices_agree(
        len in 1u64..20,
        k in 0u64..20,
        shift in prop_oneof![0u64..6, 58u64..64],
        m in 1u64..20,
        x in any::<u64>(),
    ) {
        let text = format!(
            "gene main(h: u64[{len}], x: u64, y: u64) {{\n    h[x & {k}] += 1\n    h[x >> {shift}] ^= 3\n    h[x % {m}] += x >> 60\n    y += h[(x >> 1) & {k}]\n}}"
        );
        let m = compile(&text);
        let gene = m.gene_index("main").expect("main");
        let st = vec![Value::Array(vec![0; len as usize]), Value::Int(x), Value::Int(0)];
        agrees(&m, gene, &text, &st)?;
    }
}

/// Then parts of two updates for `branchless_multi_updates_agree`: elements whose bounds
/// check the condition's code did not pass (`x[y]`, `x[i]`, `b[y >> 1]`), an element written
/// twice, a slot an index or a later update reads; a multiplication, rotations and xor-shifts;
/// ancillas whose `delocal` holds or fails (a failure where the part's way is taken sends the
/// run to the usual translation, which fails there); and a `delocal` reading an element.
const SEL_MORE: &[&str] = &[
    "x[y] += 1",
    "x[i] ^= 3",
    "b[y >> 1] ^= 1 << (j & 3)",
    "x[j] += k",
    "k += 1",
    "y -= 1",
    "y *= 3",
    "y <<<= k",
    "y ^= y >> 3",
    "k ^= k << 5",
    // An ancilla whose `delocal` fails where y is odd.
    "local h: u64 = y >> 1\n            swap h, y\n            delocal h = y << 1",
    "local g: u64 = x[j]\n            k += g\n            delocal g = x[j]",
    // Reads that may be out of bounds before a check that may fail.
    "local f: u64 = x[y]\n            delocal f = x[i]",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// `if c { S1; S2 } fi a` with two updates and no else part, which the JIT runs without a
    /// branch when the elements they write were checked, its reads speculative (where one is
    /// out of bounds, it undoes the writes and goes the usual way): updates that read and
    /// write elements in and out of bounds, conditions and exit assertions that hold and that
    /// fail either way. The interpreter's results and errors, both ways.
    #[test]
    fn branchless_multi_updates_agree(
        c in 0usize..SEL_CONDS.len(),
        a in 0usize..SEL_CONDS.len(),
        s1 in 0usize..SEL_UPDATES.len() + SEL_MORE.len(),
        s2 in 0usize..SEL_UPDATES.len() + SEL_MORE.len(),
        seed in prop::collection::vec(0u64..5, 4),
        y in 0u64..10,
        i in 0u64..5,
        k in 0u64..4,
    ) {
        let upd = |n: usize| SEL_UPDATES.get(n).copied().unwrap_or_else(|| SEL_MORE[n - SEL_UPDATES.len()]);
        let text = format!(
            "gene main(x: u64[4], b: u64[3], y: u64, i: u64, k: u64) {{\n    local j: u64 = 0\n    from j == 0 do {{\n        if {} {{\n            {}\n            {}\n        }} fi {}\n        j += 1\n    }} until j == 4\n    delocal j = 4\n}}",
            SEL_CONDS[c], upd(s1), upd(s2), SEL_CONDS[a]
        );
        let m = compile(&text);
        let gene = m.gene_index("main").expect("main");
        let st = vec![Value::Array(seed), Value::Array(vec![1, 0, 6]), Value::Int(y), Value::Int(i), Value::Int(k)];
        agrees(&m, gene, &text, &st)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// `if c { S1; S2 } else { T1; T2 } fi a` with one or two updates in each part, which the
    /// JIT runs without a branch (S where c holds, then T where it does not) when the elements
    /// they write were checked: parts that update the same slots and elements, read what the
    /// other part writes, and read out of bounds on the way not taken (where it undoes both
    /// parts' writes and goes the usual way); conditions and exit assertions that hold and that
    /// fail either way. The interpreter's results and errors, both ways.
    #[test]
    fn branchless_if_elses_agree(
        c in 0usize..SEL_CONDS.len(),
        a in 0usize..SEL_CONDS.len(),
        ups in prop::collection::vec(0usize..SEL_UPDATES.len() + SEL_MORE.len(), 2..=4),
        split in 1usize..3,
        seed in prop::collection::vec(0u64..5, 4),
        y in 0u64..10,
        i in 0u64..5,
        k in 0u64..4,
    ) {
        let upd = |n: usize| SEL_UPDATES.get(n).copied().unwrap_or_else(|| SEL_MORE[n - SEL_UPDATES.len()]);
        let split = split.min(ups.len() - 1);
        let part = |u: &[usize]| u.iter().map(|&n| format!("            {}\n", upd(n))).collect::<String>();
        let text = format!(
            "gene main(x: u64[4], b: u64[3], y: u64, i: u64, k: u64) {{\n    local j: u64 = 0\n    from j == 0 do {{\n        if {} {{\n{}        }} else {{\n{}        }} fi {}\n        j += 1\n    }} until j == 4\n    delocal j = 4\n}}",
            SEL_CONDS[c], part(&ups[..split]), part(&ups[split..]), SEL_CONDS[a]
        );
        let m = compile(&text);
        let gene = m.gene_index("main").expect("main");
        let st = vec![Value::Array(seed), Value::Array(vec![1, 0, 6]), Value::Int(y), Value::Int(i), Value::Int(k)];
        agrees(&m, gene, &text, &st)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Shifts by a variable amount whose range the JIT knows (`& k`, `% k`, `>> s`, a counted
    /// loop's counter), which it shifts without the test for 64 and more where the range lies
    /// below 64: ranges below, at and past 64. The interpreter's results, both ways.
    #[test]
    fn shifts_by_known_ranges_agree(
        k in prop_oneof![0u64..8, 60u64..70, 120u64..130],
        m in prop_oneof![1u64..8, 62u64..67],
        s in prop_oneof![0u64..4, 56u64..60],
        n in prop_oneof![1u64..4, 62u64..67],
        x in any::<u64>(),
        y in any::<u64>(),
    ) {
        let text = format!(
            "gene main(x: u64, y: u64, z: u64) {{\n    z += x << (y & {k})\n    z ^= x >> (y % {m})\n    z += (x >> (y >> {s})) ^ (x << (y >> {s}))\n    local i: u64 = 0\n    from i == 0 do {{\n        z ^= x >> i\n        i += 1\n    }} until i == {n}\n    delocal i = {n}\n}}"
        );
        let m = compile(&text);
        let gene = m.gene_index("main").expect("main");
        let st = vec![Value::Int(x), Value::Int(y), Value::Int(0)];
        agrees(&m, gene, &text, &st)?;
    }
}

/// Callees of `deepest_nesting_agrees`: a leaf, one that calls it in an `if`, one that calls
/// that in a loop part run `y` times (none when y = 0), and one too long to be translated in
/// place (a real call) that calls the second.
const DEEP_CALLEES: &str = "gene g0(x: u64, y: u64) { x += y }
gene g1(x: u64, y: u64) { if y > 2 { call g0(x, y) } fi y > 2 }
gene g2(x: u64, y: u64) {
    local i: u64 = 0
    from i == 0 do { } loop { call g1(x, y)  i += 1 } until i == y
    delocal i = y
}
gene g3(x: u64, y: u64) {
";

/// A statement of `deepest_nesting_agrees` calling `call`, its locals numbered `k`.
fn deep_statement(shape: usize, call: &str, k: usize, c: u64) -> String {
    match shape {
        0 => call.to_string(),
        1 => format!("if y > {c} {{ {call} }} fi y > {c}"),
        2 => format!("if y > {c} {{ x += 1 }} else {{ {call} }} fi y > {c}"),
        3 => format!(
            "local i{k}: u64 = 0\nfrom i{k} == 0 do {{ }} loop {{ {call}\ni{k} += 1 }} until i{k} == n\ndelocal i{k} = n"
        ),
        4 => format!(
            "local i{k}: u64 = 0\nfrom i{k} == 0 do {{ }} loop {{ {call}\ni{k} += 1 }} until i{k} == {c}\ndelocal i{k} = {c}"
        ),
        _ => format!(
            "local i{k}: u64 = 0\nfrom i{k} == 0 do {{ {call}\ni{k} += 1 }} until i{k} == {}\ndelocal i{k} = {}",
            c + 1,
            c + 1
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The deepest nesting a run reports: calls in place and real calls, nested in callees,
    /// at the top, in `if` parts run or not, in loop parts run `n` times (none when n = 0) or a
    /// constant number of times (unrolled, trips peeled off), in do parts, one statement inside
    /// another. The compiled code records a call's depth at the function's return or once per
    /// pass through its part; the interpreter's report (and results), both ways.
    #[test]
    fn deepest_nesting_agrees(
        stmts in prop::collection::vec((0usize..6, 0usize..4, 0u64..5, prop::option::of((0usize..6, 0u64..5))), 1..4),
        x in any::<u64>(),
        y in 0u64..5,
        n in 0u64..4,
    ) {
        let mut body = String::new();
        for (k, &(shape, callee, c, outer)) in stmts.iter().enumerate() {
            let inner = deep_statement(shape, &format!("call g{callee}(x, y)"), k, c);
            let st = match outer {
                Some((o, oc)) => deep_statement(o, &inner, k + 10, oc),
                None => inner,
            };
            body.push_str(&st);
            body.push('\n');
        }
        let g3 = "    x += y\n".repeat(70);
        let text = format!("{DEEP_CALLEES}{g3}    call g1(x, y)\n}}\ngene main(x: u64, y: u64, n: u64) {{\n{body}}}\n");
        let m = compile(&text);
        let gene = m.gene_index("main").expect("main");
        let st = vec![Value::Int(x), Value::Int(y), Value::Int(n)];
        agrees(&m, gene, &text, &st)?;
    }
}

/// Callees of `stacks_opened_and_closed_agree`: `k` words pushed onto `s` in a loop, and a
/// gene too long to be translated in place (a real call) that opens a stack of its own, fills
/// and empties it, then pushes onto `s`.
const STACK_CALLEES: &str = "gene pushn(s: stack, x: u64, k: u64) {
    local i: u64 = 0
    from i == 0 do { } loop {
        local v: u64 = x + i
        push v, s
        delocal v = 0
        i += 1
    } until i == k
    delocal i = k
}
gene bigpush(s: stack, x: u64, k: u64) {
    local own: stack = nil
    call pushn(own, x, k)
    uncall pushn(own, x, k)
    delocal own = nil
    call pushn(s, x, k)
";

/// A statement of `stacks_opened_and_closed_agree`, its locals numbered `n`.
fn stack_statement(shape: usize, n: usize, c: u64) -> String {
    match shape {
        0 => format!(
            "local s{n}: stack = nil\ncall pushn(s{n}, x, k)\nif empty(s{n}) {{ acc += 1 }} fi empty(s{n})\nuncall pushn(s{n}, x, k)\ndelocal s{n} = nil"
        ),
        1 => "call pushn(t, x, k)".into(),
        2 => format!(
            "if k > {c} {{\nlocal s{n}: stack = nil\ncall bigpush(s{n}, x, k)\nuncall bigpush(s{n}, x, k)\ndelocal s{n} = nil\n}} fi k > {c}"
        ),
        3 => format!(
            "local i{n}: u64 = 0\nfrom i{n} == 0 do {{ }} loop {{\nlocal s{n}: stack = nil\ncall pushn(s{n}, x, i{n})\nlocal w{n}: u64 = i{n}\npush w{n}, t\ndelocal w{n} = 0\nuncall pushn(s{n}, x, i{n})\ndelocal s{n} = nil\ni{n} += 1\n}} until i{n} == k\ndelocal i{n} = k"
        ),
        4 => "call bigpush(t, x, k)".into(),
        5 => format!("local z{n}: u64 = 0\npop z{n}, t\nacc += z{n}\npush z{n}, t\ndelocal z{n} = 0"),
        _ => "if empty(t) { acc += 7 } fi empty(t)".into(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Stacks opened and closed between stack instructions (the compiled code reads the stack
    /// table and live count again after each, and after each real call): local stacks filled
    /// and emptied by calls in place and by a real call that opens one of its own, in `if`
    /// parts and loops, a parameter stack pushed onto and popped (failing when empty). The
    /// interpreter's results and errors, both ways.
    #[test]
    fn stacks_opened_and_closed_agree(
        stmts in prop::collection::vec((0usize..7, 0u64..4), 1..5),
        x in any::<u64>(),
        k in 0u64..4,
        t in prop::collection::vec(any::<u64>(), 0..3),
    ) {
        let body: String = stmts.iter().enumerate().map(|(n, &(sh, c))| stack_statement(sh, n, c) + "\n").collect();
        let filler = "    x += 1\n    x -= 1\n".repeat(35);
        let text = format!("{STACK_CALLEES}{filler}}}\ngene main(x: u64, k: u64, t: stack, acc: u64) {{\n{body}}}\n");
        let m = compile(&text);
        let gene = m.gene_index("main").expect("main");
        let st = vec![Value::Int(x), Value::Int(k), Value::Stack(t), Value::Int(0)];
        agrees(&m, gene, &text, &st)?;
    }
}

/// Compiled code keeps words it read in registers until a store may overwrite them: a store to
/// `a[j + k]` keeps only `a[i + c]` with the same base and another constant. Indices that are
/// equal at run time but computed differently (`a[i]` after a store to `a[j]`, i == j) must be
/// read again; so must a word of another array, which may share memory in a call. Every index
/// combination of a 4-word array, both ways.
#[test]
fn stores_forget_the_words_they_may_overwrite() {
    let text = "gene main(a: u64[4], b: u64[4], i: u64, j: u64, x: u64) {
        x += a[i] * 7
        a[j] += x + 5
        x += a[i] * 3
        a[i + 1] ^= a[j]
        x += a[j + 1] + a[i]
        b[i] += a[i]
        x += a[i] + b[j]
        call mix(a, x)
        x += a[0]
    }
    gene mix(c: u64[4], z: u64) {
        c[0] += z
    }";
    let m = compile(text);
    let mut jt = jit();
    for i in 0..3u64 {
        for j in 0..3u64 {
            let s = vec![
                Value::Array(vec![3, 5, 7, 11]),
                Value::Array(vec![13, 17, 19, 23]),
                Value::Int(i),
                Value::Int(j),
                Value::Int(1),
            ];
            agree(&mut jt, &m, 0, &s).unwrap_or_else(|e| panic!("i = {i}, j = {j}: {e}"));
        }
    }
}

/// Words of one array known across stores to others: two arrays of a frame never share memory,
/// so the JIT keeps `x[i]` loaded by `y[i] -= x[i]` for `x[i] += …` (and a local array's words
/// across stores to the parameters), while a store to an array still drops that array's words
/// at other indices, a call every word, and a local array opened again (in the next trip, at
/// the same frame words) starts from what its fill wrote.
#[test]
fn words_of_other_arrays_stay_known_across_stores() {
    let text = "gene main(x: u64[4], y: u64[4], s: u64) {
        local i: u64 = 0
        from i == 0 do {
        } loop {
            y[i] -= x[i]
            x[i] += y[i] >> 1
            local t: u64[4] = 0
            t[i] += x[i] + y[i]
            y[(i + 1) % 4] += t[i] * 3
            s += x[i] + y[(i + 1) % 4] + t[i]
            t[i] -= x[i] + y[i]
            delocal t = 0
            x[i] ^= y[i] + 1
            call mix(y, x, s)
            swap x[i], y[3 - i]
            s += x[i] * 5 + y[3 - i]
            i += 1
        } until i == 4
        delocal i = 4
    }
    gene mix(a: u64[4], b: u64[4], z: u64) {
        a[0] += b[1] + z
        z += a[0] ^ b[2]
        b[3] -= a[0]
    }";
    let m = compile(text);
    let mut jt = jit();
    for seed in 0..8u64 {
        let word = |k: u64| (seed + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(k as u32 * 7) ^ k;
        let s = vec![
            Value::Array((0..4).map(word).collect()),
            Value::Array((4..8).map(word).collect()),
            Value::Int(seed),
        ];
        let forward = run(&mut Interpreter::new(), &m, 0, &s, Direction::Forward);
        assert!(forward.0.is_ok(), "seed {seed}: {forward:?}");
        agree(&mut jt, &m, 0, &s).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    }
}

/// Every xorshift amount, both shift directions, run both ways: the JIT undoes `x ^= x >> c`
/// with a tree of shifted terms (up to eight) or doubling steps (more), the interpreter with
/// doubling steps; the results, and the input restored, agree on words with bits everywhere.
#[test]
fn xorshifts_of_every_amount_agree() {
    let mut jt = jit();
    for c in 1..64 {
        for op in [">>", "<<"] {
            let text = format!("gene main(x: u64, y: u64) {{\n    x ^= x {op} {c}\n    y += x\n}}");
            let m = compile(&text);
            assert!(
                rdx_vm::disasm::disassemble(&m).contains(if op == ">>" { "xsr" } else { "xsl" }),
                "`x ^= x {op} {c}` is one xorshift instruction"
            );
            let gene = m.gene_index("main").expect("main");
            for x in [0x0123_4567_89ab_cdef, u64::MAX, 1, 1 << 63, 0x8000_0000_0000_0001] {
                if let Err(e) = agree(&mut jt, &m, gene, &[Value::Int(x), Value::Int(7)]) {
                    panic!("{e}\nprogram:\n{text}\nx = {x:#x}");
                }
            }
        }
    }
}

/// Xorshifts of fixed-width variables of every amount below the width and past it, done and
/// undone (`undo x ^= x << c` runs `xsl.inv` forward): both engines undo them in the steps below
/// the width (the `fix` after drops the rest), and agree with each other and with the input
/// restored, on words with bits everywhere in the width.
#[test]
fn narrow_xorshifts_of_every_amount_agree() {
    let mut jt = jit();
    let words = [0u64, 1, 0x5a, 0x80, 0xff, 0x8001, 0xffff, 0xdead_beef, 0x8000_0000, 0xffff_ffff];
    for (ty, bits) in [("u8", 8u32), ("u16", 16), ("u32", 32), ("i8", 8), ("i16", 16), ("i32", 32)] {
        let signed = ty.starts_with('i');
        for c in 1..bits + 2 {
            // `>>` of a signed width is no xorshift (E0217): only `<<` there.
            let ops: &[&str] = if signed { &["<<"] } else { &["<<", ">>"] };
            for op in ops {
                let text = format!(
                    "gene main(x: {ty}, z: {ty}, y: u64) {{\n    x ^= x {op} {c}\n    undo z ^= z {op} {c}\n    y += 1\n}}"
                );
                let m = compile(&text);
                let gene = m.gene_index("main").expect("main");
                for (k, &w) in words.iter().enumerate() {
                    let width = rdx_lang::ast::Width { bits: bits as u8, signed };
                    let (x, z) = (width.wrap(w), width.wrap(words[(k + 3) % words.len()]));
                    let s = [Value::Int(x), Value::Int(z), Value::Int(7)];
                    if let Err(e) = agree(&mut jt, &m, gene, &s) {
                        panic!("{e}\nprogram:\n{text}\nx = {x:#x}, z = {z:#x}");
                    }
                }
            }
        }
    }
}

#[test]
fn constants_on_the_left_match_rust_on_both_engines() {
    // `k - x` and `k << x` take the constant as an immediate (`rsub.imm`, `rshl.imm`): no
    // `const` instruction. Shifts by 64 and more give 0, as `<<` does.
    let ks: [u64; 4] = [0, 1, 7, u64::MAX];
    let mut body = String::new();
    for (i, k) in ks.iter().enumerate() {
        body.push_str(&format!(
            "    d{i} += {k} - x
    s{i} ^= {k} << x
"
        ));
    }
    let params: Vec<String> = (0..ks.len()).map(|i| format!("d{i}: u64, s{i}: u64")).collect();
    let text = format!("gene main(x: u64, {}) {{\n{body}}}\n", params.join(", "));
    let m = compile(&text);
    let code = &m.genes[0].code;
    use rdx_vm::ops::Op;
    let count = |f: fn(&Op) -> bool| code.iter().filter(|o| f(o)).count();
    assert_eq!(count(|o| matches!(o, Op::RsubImm { .. })), 4);
    assert_eq!(count(|o| matches!(o, Op::RshlImm { .. })), 4);
    assert_eq!(count(|o| matches!(o, Op::Const { .. } | Op::Sub3 { .. } | Op::Shl { .. })), 0);
    let shl = |k: u64, x: u64| if x >= 64 { 0 } else { k << x };
    let xs = [0, 1, 5, 63, 64, 65, 1 << 40, u64::MAX];
    runs_match_rust(&m, &xs, 2 * ks.len(), |x| {
        ks.iter().flat_map(|&k| [k.wrapping_sub(x), shl(k, x)]).collect()
    });
}

/// Gene 0 of `m` on state `x` then `n` zeros, on both engines: forward gives `x` then `f(x)`,
/// backward the state back.
fn runs_match_rust(m: &Module, xs: &[u64], n: usize, f: impl Fn(u64) -> Vec<u64>) {
    let mut jt = jit();
    for &x in xs {
        let s: Vec<Value> = std::iter::once(x).chain(std::iter::repeat_n(0, n)).map(Value::Int).collect();
        let want: Vec<Value> = std::iter::once(x).chain(f(x)).map(Value::Int).collect();
        for e in [&mut Interpreter::new() as &mut dyn Engine, &mut jt] {
            let mut a = s.clone();
            e.run(m, 0, &mut a, Direction::Forward).expect("forward");
            assert_eq!(a, want, "x = {x}");
            e.run(m, 0, &mut a, Direction::Backward).expect("backward");
            assert_eq!(a, s, "x = {x} back");
        }
    }
}

#[test]
fn division_by_constants_matches_rust_on_both_engines() {
    // Unsigned `/` and `%` by a constant: a power of two becomes a shift or a mask, any other
    // divisor an immediate (`divu.imm`, `remu.imm`); 0 stays a run-time error.
    let ks: [u64; 10] = [1, 2, 3, 7, 10, 16, 1000, (1 << 32) + 1, 1 << 63, u64::MAX];
    let mut body = String::new();
    for (i, k) in ks.iter().enumerate() {
        body.push_str(&format!("    q{i} += x / {k}\n    r{i} += x % {k}\n"));
    }
    let params: Vec<String> = (0..ks.len()).map(|i| format!("q{i}: u64, r{i}: u64")).collect();
    let text = format!("gene main(x: u64, {}) {{\n{body}}}\n", params.join(", "));
    let m = compile(&text);
    let code = &m.genes[0].code;
    let count = |f: fn(&rdx_vm::ops::Op) -> bool| code.iter().filter(|o| f(o)).count();
    use rdx_vm::ops::Op;
    assert_eq!(count(|o| matches!(o, Op::DivuImm { .. } | Op::RemuImm { .. })), 12);
    assert_eq!(count(|o| matches!(o, Op::ShruImm { .. } | Op::AndImm { .. })), 8);
    assert_eq!(count(|o| matches!(o, Op::Divu { .. } | Op::Remu { .. } | Op::Const { .. })), 0);
    let xs = [0, 1, 9, 10, 999, 1001, 1 << 32, (1 << 32) + 1, u64::MAX / 3, 1 << 63, u64::MAX - 1, u64::MAX];
    runs_match_rust(&m, &xs, 2 * ks.len(), |x| ks.iter().flat_map(|&k| [x / k, x % k]).collect());
    // The reversible way to divide, the remainder taken off first: `(x - x % k) / k` (the JIT
    // divides x itself then), also next to a division by another constant (it must not).
    let pairs: [(u64, u64); 5] = [(10, 10), (7, 7), (3, 1 << 32), (10, 7), (u64::MAX, u64::MAX)];
    let mut body = String::new();
    for (i, (k, j)) in pairs.iter().enumerate() {
        body.push_str(&format!(
            "    local d{i}: u64 = x % {k}\n    x -= d{i}\n    q{i} += x / {j}\n    x += d{i}\n    delocal d{i} = x % {k}\n"
        ));
    }
    let params: Vec<String> = (0..pairs.len()).map(|i| format!("q{i}: u64")).collect();
    let text = format!("gene main(x: u64, {}) {{\n{body}}}\n", params.join(", "));
    let m2 = compile(&text);
    runs_match_rust(&m2, &xs, pairs.len(), |x| pairs.iter().map(|&(k, j)| (x - x % k) / j).collect());
    // A divisor of 0 in a module file is refused at load.
    let mut bad = m.clone();
    let at = bad.genes[0].code.iter().position(|o| matches!(o, Op::DivuImm { .. })).expect("divu.imm");
    if let Op::DivuImm { dst, a, .. } = bad.genes[0].code[at] {
        bad.genes[0].code[at] = Op::DivuImm { dst, a, imm: rdx_vm::ops::Imm(0) };
    }
    let e = Module::decode(&bad.encode()).expect_err("a constant divisor of 0");
    assert!(e.to_string().contains("divisor of 0"), "{e}");
    // `x / 0` stays the run-time error it was.
    let z = compile("gene main(x: u64, y: u64) {\n    y += x / 0\n}\n");
    let mut s = vec![Value::Int(5), Value::Int(0)];
    let err = Interpreter::new().run(&z, 0, &mut s, Direction::Forward).expect_err("division by zero");
    assert_eq!(format!("{:?}", err.kind), "DivisionByZero", "{err:?}");
}

#[test]
fn settled_exit_assertions_agree_with_the_interpreter() {
    // Exit assertions that cannot fail are left out (forward the `fi`, backward the `if` test);
    // those that can still fail where the interpreter's do.
    let m = compile(include_str!("../../vm/tests/settled.rdx"));
    let main = m.gene_index("main").expect("main");
    let seeds: [&[u64]; 5] = [
        &[5, 9, 2, 14, 6, 0, 0, 2, 1],
        &[1, 3, 5, 7, 0, 9, 4, 6, 0],
        &[3, 8, 8, 8, 4, 1, 1, 5, 1],
        &[9, 9, 0, 0, 4, 0, 0, 2, 1],
        &[u64::MAX, 0, 7, 2, u64::MAX - 1, 3, u64::MAX, 0, 7],
    ];
    let failed = agree_on(&m, main, &seeds);
    assert!(
        (1..seeds.len()).contains(&failed),
        "some inputs fail an exit assertion that can fail, some run through: {failed}"
    );
}

#[test]
fn loops_passing_their_counter_to_calls_agree_with_the_interpreter() {
    // Counters passed to calls that only read them, and u16 counters, leave their re-entry
    // checks out; a counter a callee may change (d = 1) and a u8 counter that never meets its
    // bound (d = 2) keep theirs and fail where the interpreter's do.
    let m = compile(include_str!("../../vm/tests/called.rdx"));
    let main = m.gene_index("main").expect("main");
    let seeds: [&[u64]; 5] = [&[0, 3, 0], &[9, 1, 0], &[u64::MAX, 40, 0], &[5, 2, 1], &[1, 1, 2]];
    assert_eq!(agree_on(&m, main, &seeds), 2, "d = 1 and d = 2 fail their re-entry assertions");
}

/// Runs gene `main` of `m` on each seed's state on both engines, both ways ([`agree`]), and
/// counts the seeds whose forward run fails.
fn agree_on(m: &Module, main: usize, seeds: &[&[u64]]) -> usize {
    let mut jt = jit();
    let mut failed = 0;
    for seed in seeds {
        let s = state(m, main, seed);
        agree(&mut jt, m, main, &s).unwrap_or_else(|e| panic!("{seed:?}: {e}"));
        let mut a = s.clone();
        failed += jt.run(m, main, &mut a, Direction::Forward).is_err() as usize;
    }
    failed
}

#[test]
fn shifts_written_reversibly_match_rust_on_both_engines() {
    // The bits a rotation would carry round taken off first, then the rotation (the
    // reversible way to shift: `b = x & 1; x -= b; x >>>= 1`): the JIT shifts instead.
    // Masks that are not exactly those bits stay rotations.
    type Case = (&'static str, u64, &'static str, fn(u64) -> u64);
    let cases: [Case; 5] = [
        ("1", 1, ">>>=", |x| x >> 1),
        ("7", 3, ">>>=", |x| x >> 3),
        ("3", 1, ">>>=", |x| (x & !3) >> 1),
        ("0xf000000000000000", 4, "<<<=", |x| x << 4),
        ("0xf000000000000000", 3, "<<<=", |x| (x & !0xf000_0000_0000_0000).rotate_left(3)),
    ];
    let mut jt = jit();
    for (mask, k, rot, want) in cases {
        let back = if rot == ">>>=" { "<<<=" } else { ">>>=" };
        let text = format!(
            "gene main(x: u64, y: u64) {{\n    local b: u64 = x & {mask}\n    x -= b\n    x {rot} {k}\n    y += x\n    x {back} {k}\n    x += b\n    delocal b = x & {mask}\n}}\n"
        );
        let m = compile(&text);
        for x in [0, 1, 2, 7, 8, 0x8000_0000_0000_0001, u64::MAX, 0x1234_5678_9abc_def0] {
            let s = vec![Value::Int(x), Value::Int(5)];
            let expect = vec![Value::Int(x), Value::Int(5u64.wrapping_add(want(x)))];
            for e in [&mut Interpreter::new() as &mut dyn Engine, &mut jt] {
                let mut a = s.clone();
                e.run(&m, 0, &mut a, Direction::Forward).expect("forward");
                assert_eq!(a, expect, "{mask} {rot} {k}, x = {x:#x}");
                e.run(&m, 0, &mut a, Direction::Backward).expect("backward");
                assert_eq!(a, s, "{mask} {rot} {k}, x = {x:#x} back");
            }
        }
    }
}

/// Gates of `many_calls_agree`: small genes over three variables, one that calls two others
/// (translated in place one level up), one whose assertion can fail.
const GATES: &str = "\
gene tof(x: u64, y: u64, z: u64) {\n    z ^= x & y\n}\n\
gene rot(x: u64, y: u64, z: u64) {\n    x <<<= 7\n    y += x * 3\n}\n\
gene pair(x: u64, y: u64, z: u64) {\n    call tof(x, y, z)\n    uncall rot(z, x, y)\n}\n\
gene odd(x: u64, y: u64, z: u64) {\n    assert x != 12345\n    y -= z\n}\n";

/// A gate too long to be translated in place (more than the JIT's 64 instructions): each
/// call of it is a real call.
fn long_gate() -> String {
    let body: String = (0..40).map(|k| format!("    x += y ^ {k}\n    z ^= x >> {}\n", k % 63 + 1)).collect();
    format!("gene long(x: u64, y: u64, z: u64) {{\n{body}}}\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    /// A gene of hundreds of calls (a circuit of gates, most too long to be translated in
    /// place: past the count of real calls at which its functions get the single-pass register
    /// allocator), and a chain of genes each calling the next (calls in place whose callees
    /// call further): the same results and errors as the interpreter, both ways.
    #[test]
    fn many_calls_agree(
        gates in prop::collection::vec((0usize..13, 0usize..6, any::<bool>()), 380..420),
        chain in 4usize..12,
        x in prop_oneof![Just(12345u64), any::<u64>()],
        y in any::<u64>(),
        z in any::<u64>(),
    ) {
        const ORDERS: [[&str; 3]; 6] =
            [["a", "b", "c"], ["a", "c", "b"], ["b", "a", "c"], ["b", "c", "a"], ["c", "a", "b"], ["c", "b", "a"]];
        let mut text = String::from(GATES) + &long_gate();
        for k in 0..chain {
            let next = if k + 1 < chain { format!("    call link{}(y, z, x)\n", k + 1) } else { String::new() };
            text += &format!("gene link{k}(x: u64, y: u64, z: u64) {{\n    x += {k}\n{next}    z ^= y\n}}\n");
        }
        text += "gene main(a: u64, b: u64, c: u64) {\n    call link0(a, b, c)\n";
        for &(g, order, back) in &gates {
            let [p, q, r] = ORDERS[order];
            let verb = if back { "uncall" } else { "call" };
            text += &format!("    {verb} {}({p}, {q}, {r})\n", ["tof", "rot", "pair", "odd"].get(g).unwrap_or(&"long"));
        }
        text += "}\n";
        let m = compile(&text);
        let gene = m.gene_index("main").expect("main");
        agrees(&m, gene, &text, &[Value::Int(x), Value::Int(y), Value::Int(z)])?;
    }
}

/// A long gene without loops (more IR instructions than the JIT's threshold for the
/// single-pass register allocator) of element updates and reads at computed indices, ancillas
/// and assertions over many variables, some read only far from where they were set: the same
/// results and errors as the interpreter, both ways (with an index out of bounds half way, and
/// without).
#[test]
fn long_straight_genes_agree() {
    const VARS: usize = 24;
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    let params: Vec<String> = (0..VARS).map(|k| format!("v{k}: u64")).collect();
    let mut text = format!("gene main(a: u64[16], {}, w: u64) {{\n", params.join(", "));
    for k in 0..4200 {
        if k == 2100 {
            // Out of bounds where w >> 59 is 12 or more.
            text += "    v0 += a[(w >> 59) + 4]\n";
        }
        let (i, j) = (next(VARS), next(VARS));
        let j = if i == j { (j + 1) % VARS } else { j };
        text += &match next(6) {
            0 => format!("    a[v{i} & 15] += v{j}\n"),
            1 => format!("    v{i} += a[v{j} & 15]\n"),
            2 => format!("    v{i} ^= v{j} >> {}\n", k % 63 + 1),
            3 => format!("    local t{k}: u64 = v{j} * 3\n    v{i} += t{k}\n    delocal t{k} = v{j} * 3\n"),
            4 => format!("    assert v{i} != {k}\n"),
            _ => format!("    v{i} += a[(v{j} >> 61) + 8]\n"),
        };
    }
    text += "}\n";
    let m = compile(&text);
    let gene = m.gene_index("main").expect("main");
    let mut outcomes = Vec::new();
    for (w, top) in [(0u64, 0u64), (7, 11 << 60), (3, u64::MAX)] {
        let mut s = vec![Value::Array((0..16).map(|k| k * w).collect())];
        s.extend((0..VARS as u64).map(|k| Value::Int((k * 0x0101).wrapping_add(top >> (k % 4)))));
        s.push(Value::Int(top));
        if let Err(e) = agree(&mut jit(), &m, gene, &s) {
            panic!("{e}\nstate: {s:?}");
        }
        outcomes.push(run(&mut Interpreter::new(), &m, gene, &s, Direction::Forward).0.is_ok());
    }
    // Runs that end and runs that fail part way.
    assert!(outcomes.contains(&true) && outcomes.contains(&false), "{outcomes:?}");
}

/// A gene of many small loops, each followed by an assertion that fails where `w` is its
/// number, called from `main` (so an error records two levels): far more places that may fail
/// than one error exit serves. Each failure, at the first place, on either side of where one
/// exit's places end and the next's begin, and at the last, is the interpreter's error (fault,
/// position, call stack), both ways; with no failure the results agree.
#[test]
fn errors_at_every_exit_of_a_long_gene_match_the_interpreter() {
    const LOOPS: u64 = 300;
    let mut text = String::from("gene many(w: u64, x: u64, y: u64) {\n");
    for i in 0..LOOPS {
        text += &format!(
            "    local k{i}: u64 = 0\n    from k{i} == 0 do {{\n        x += y ^ k{i}\n        k{i} += 1\n    }} until k{i} == 3\n    delocal k{i} = 3\n    assert w != {i}\n"
        );
    }
    text += "}\ngene main(w: u64, x: u64, y: u64) {\n    y += 1\n    call many(w, x, y)\n}\n";
    let m = compile(&text);
    let gene = m.gene_index("main").expect("main");
    let mut jt = jit();
    let mut failed = 0;
    for w in [0, 1, 31, 32, 33, 63, 64, 65, 127, 128, 150, 255, 256, LOOPS - 1, LOOPS, u64::MAX] {
        let s = [Value::Int(w), Value::Int(w.wrapping_mul(0x9e37_79b9)), Value::Int(7)];
        if let Err(e) = agree(&mut jt, &m, gene, &s) {
            panic!("w = {w}: {e}");
        }
        let (r, _) = run(&mut Interpreter::new(), &m, gene, &s, Direction::Forward);
        failed += r.is_err() as usize;
    }
    assert_eq!(failed, 14, "every w below {LOOPS} fails, the others do not");
}

/// Frames and their local arrays need words before they are made: a call whose frame would
/// pass the word limit stops with R0120 (the frames), not R0112 (the depth), at the call, on
/// both engines alike (a shallow call with a large local array, a deep recursion of small
/// frames within the word limit but not the depth limit, and the entry gene's own frame).
#[test]
fn frames_past_the_word_limit_are_a_memory_limit_not_a_depth_limit() {
    let text = "gene big(x: u64) {
    local a: u64[4000] = 0
    a[x] += 1
    a[x] -= 1
    delocal a = 0
}
gene down(n: u64) {
    if n != 0 {
        n -= 1
        call down(n)
        n += 1
    } fi n != 0
}
gene main(k: u64, n: u64) {
    if k == 0 {
        call big(n)
    } else {
        call down(n)
    } fi k == 0
}
";
    let m = compile(text);
    let limits = rdx_vm::engine::Limits { max_words: 3000, max_depth: 50, ..Default::default() };
    let frames = rdx_vm::RunErrorKind::MemoryLimit { grown: rdx_vm::Grown::Frames, limit: 3000 };
    let depth = rdx_vm::RunErrorKind::RecursionLimit { limit: 50 };
    for (gene, args, want) in [
        ("main", vec![0, 5], Some((frames.clone(), "R0120", "call big(n)"))),
        ("main", vec![1, 40], None),
        ("main", vec![1, 60], Some((depth, "R0112", "call down(n)"))),
        ("big", vec![5], Some((frames, "R0120", ""))),
    ] {
        let g = m.gene_index(gene).expect("gene");
        let args: Vec<Value> = args.into_iter().map(Value::Int).collect();
        let mut interp = Interpreter::with_limits(limits);
        let mut jt = jit();
        jt.limits = limits;
        let (ri, si) = run(&mut interp, &m, g, &args, Direction::Forward);
        let (rj, sj) = run(&mut jt, &m, g, &args, Direction::Forward);
        assert_eq!(ri, rj, "{gene}{args:?}");
        assert_eq!(si, sj, "{gene}{args:?}");
        match (ri, want) {
            (Ok(_), None) => {}
            (Err(e), Some((kind, code, call))) => {
                assert_eq!(e.kind, kind, "{gene}{args:?}");
                assert_eq!(e.to_diagnostic().code.to_string(), code);
                if !call.is_empty() {
                    let span = e.stack.last().and_then(|f| f.span).expect("a span");
                    assert_eq!(&text[span.start as usize..span.end as usize], call, "{gene}{args:?}");
                }
            }
            (r, w) => panic!("{gene}{args:?}: {r:?}, expected {w:?}"),
        }
    }
}

/// A stack, the history tape and the printed output may each grow to the word limit: a run
/// that grows one past it stops with R0120 at the statement that would, on both engines alike
/// (the same error, call stack and printed output), and a run that stays within it ends.
#[test]
fn growth_past_the_word_limit_stops_both_engines_alike() {
    let text = "gene main(n: u64, k: u64, t: u64, s: stack) {
    local i: u64 = 0
    from i == 0 do {
        i += 1
        if k == 0 {
            local x: u64 = i
            push x, s
            delocal x = 0
        } else {
            if k == 1 {
                t := i
            } else {
                printf \"line %d\", i
            } fi k == 1
        } fi k == 0
    } until i == n
    delocal i = n
}
";
    let m = compile(text);
    let limits = rdx_vm::engine::Limits { max_words: 3000, ..Default::default() };
    // Per kind: the most trips that stay within 3,000 words (pushes of one word, tape entries
    // of three, and lines `line N` of 7–10 bytes: 24,003 bytes after 2,511 of them).
    for (k, grown, most) in
        [(0, rdx_vm::Grown::Stacks, 3000), (1, rdx_vm::Grown::Tape, 1000), (2, rdx_vm::Grown::Output, 2510)]
    {
        for n in [most, most + 1, 100 * most] {
            let args = [Value::Int(n), Value::Int(k), Value::Int(0), Value::Stack(Vec::new())];
            let mut interp = Interpreter::with_limits(limits);
            let mut jt = jit();
            jt.limits = limits;
            let (ri, si) = run(&mut interp, &m, 0, &args, Direction::Forward);
            let (rj, sj) = run(&mut jt, &m, 0, &args, Direction::Forward);
            assert_eq!(ri, rj, "k = {k}, n = {n}");
            assert_eq!(si, sj, "k = {k}, n = {n}");
            assert_eq!(interp.take_output(), jt.take_output(), "k = {k}, n = {n}");
            match ri {
                Ok(_) => assert_eq!(n, most, "k = {k}: {n} trips ran"),
                Err(e) => {
                    assert!(n > most, "k = {k}: {n} trips stopped: {e:?}");
                    assert_eq!(e.kind, rdx_vm::RunErrorKind::MemoryLimit { grown, limit: 3000 });
                    assert_eq!(e.to_diagnostic().code.to_string(), "R0120");
                    let statement = ["push x, s", "t := i", "printf \"line %d\", i"][k as usize];
                    let span = e.stack[0].span.expect("a span");
                    assert_eq!(&text[span.start as usize..span.end as usize], statement, "k = {k}");
                }
            }
        }
    }
}

/// Statements of the loop body of `stacks_in_loops_agree`: stack operations that grow, shrink
/// and fail (a pop from an empty stack or into a non-zero variable, `top` of an empty one), a
/// local stack opened and closed on every trip, calls of a gene that opens one, real calls
/// (of a recursive gene) that push onto a stack or pop from it, and a nested loop that drains
/// one stack onto the other and moves the words back (its trip count is the data's).
const LOOP_STACK_STMTS: &[&str] = &[
    "push x, s\n        pop x, s",
    "push y, t",
    "pop y, t",
    "x += size(s)",
    "y ^= top(t)",
    "local u: stack = nil\n        push x, u\n        y += top(u)\n        pop x, u\n        delocal u = nil",
    "call helper(s, x)",
    "uncall helper(t, y)",
    "if !empty(s) && top(s) > 2 {\n            x += a[1]\n        } fi !empty(s) && top(s) > 2",
    "local v: u64 = x + 1\n        push v, t\n        local w: u64 = 0\n        pop w, t\n        delocal w = x + 1\n        delocal v = 0",
    "a[i & 3] += size(t)",
    "local c: u64 = 0\n        from c == 0 do {\n        } loop {\n            local e: u64 = 0\n            pop e, t\n            push e, s\n            delocal e = 0\n            c += 1\n        } until empty(t)\n        y += c\n        from empty(t) do {\n        } loop {\n            local e: u64 = 0\n            pop e, s\n            push e, t\n            delocal e = 0\n            c -= 1\n        } until c == 0\n        delocal c = 0",
    "from empty(s) || top(s) != 7 do {\n            x += 1\n        } until empty(s) || top(s) != 7",
    "local d: u64 = 2\n        call deep(s, d)\n        delocal d = 2",
    "local d: u64 = 1\n        uncall deep(t, d)\n        delocal d = 1",
    "x += size(s) + size(t)\n        local d: u64 = 1\n        call deep(t, d)\n        delocal d = 1\n        y += size(t)",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Stack operations inside a counted loop, beside local stacks and calls that open and close
    /// stacks (so the stack table may move between trips), and data-dependent loops over
    /// stacks: what the JIT knows about a stack (live, its length) must not outlive what
    /// changes it. The interpreter's results and errors, both ways.
    #[test]
    fn stacks_in_loops_agree(
        stmts in prop::collection::vec(0usize..LOOP_STACK_STMTS.len(), 1..6),
        s0 in prop::collection::vec(prop_oneof![Just(7u64), 0u64..5], 0..4),
        t0 in prop::collection::vec(0u64..5, 0..4),
        x in prop_oneof![Just(0u64), 0u64..4],
        y in prop_oneof![Just(0u64), 0u64..4],
        n in 1u64..4,
        seed in prop::collection::vec(0u64..4, 4),
    ) {
        let body = stmts.iter().map(|&k| format!("        {}\n", LOOP_STACK_STMTS[k])).collect::<String>();
        let text = format!(
            "gene helper(s: stack, x: u64) {{\n    local u: stack = nil\n    push x, u\n    local q: u64 = 0\n    pop q, u\n    x += q\n    delocal q = x\n    delocal u = nil\n    if !empty(s) {{\n        x += top(s)\n    }} fi !empty(s)\n}}\n\
             gene deep(s: stack, d: u64) {{\n    if d != 0 {{\n        d -= 1\n        call deep(s, d)\n        d += 1\n        local z: u64 = d\n        push z, s\n        delocal z = 0\n    }} fi d != 0\n}}\n\
             gene main(s: stack, t: stack, a: u64[4], x: u64, y: u64, n: u64) {{\n    local i: u64 = 0\n    from i == 0 do {{\n{body}        i += 1\n    }} until i == n\n    delocal i = n\n}}"
        );
        let m = compile(&text);
        let gene = m.gene_index("main").expect("main");
        let st = vec![Value::Stack(s0), Value::Stack(t0), Value::Array(seed), Value::Int(x), Value::Int(y), Value::Int(n)];
        agrees(&m, gene, &text, &st)?;
    }
}

/// Modules the fuzzing of mutated bytecode found crashes in (a number or an aliased stack
/// passed for a stack, a local array used before it is opened, crossing short-circuit jumps),
/// and more of their kinds: stacks, local arrays, calls in place, short-circuit conditions.
fn mutation_seeds() -> Vec<Module> {
    let mut out: Vec<Module> = [
        include_str!("../../vm/benches/suite/collatz.rdx"),
        include_str!("../../vm/benches/suite/digits.rdx"),
        include_str!("../../vm/benches/suite/perm_code.rdx"),
        include_str!("../../vm/benches/suite/filter.rdx"),
        include_str!("../../stdlib/perm.rdx"),
        include_str!("../../stdlib/stack.rdx"),
    ]
    .into_iter()
    .map(compile)
    .collect();
    out.push(compile_janus(include_str!("../../vm/benches/suite/rle.ja")));
    out.push(compile_janus(include_str!("../../tests/janus/operators.ja")));
    for m in &mut out {
        m.debug = None;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    /// Bytes of compiled modules changed at random: whatever the verifier accepts and the trust
    /// check lets the JIT compile runs on the JIT without crashing the process or panicking,
    /// wherever the interpreter's run (step-limited) ends, forward and backward. (The results
    /// are not compared: a hand-written module whose expression code reads another's
    /// temporaries may give the engines different answers; `spec/jit.md`.)
    #[test]
    fn mutated_modules_never_crash_the_jit(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..4),
        seed in prop::collection::vec(0u64..40, 8),
    ) {
        thread_local!(static SEEDS: Vec<Vec<u8>> = mutation_seeds().iter().map(Module::encode).collect());
        let mut b = SEEDS.with(|s| s[which.index(s.len())].clone());
        for (at, v, how) in edits {
            let k = at.index(b.len());
            b[k] = match how {
                0 => v,
                1 => b[k].wrapping_add(1),
                2 => b[k].wrapping_sub(1),
                _ => b[k] ^ (1 << (v % 8)),
            };
        }
        let Ok(m) = Module::decode(&b) else { return Ok(()) };
        if !rdx_jit::trust::trusted(&m) {
            return Ok(());
        }
        let limits = rdx_vm::engine::Limits { max_steps: 100_000, max_depth: 100, ..Default::default() };
        for gene in 0..m.genes.len() {
            for dir in [Direction::Forward, Direction::Backward] {
                let st = state(&m, gene, &seed);
                let mut a = st.clone();
                let r = Interpreter::with_limits(limits).run(&m, gene, &mut a, dir);
                if r.is_err_and(|e| {
                    matches!(
                        e.kind,
                        rdx_vm::RunErrorKind::StepLimit { .. }
                            | rdx_vm::RunErrorKind::RecursionLimit { .. }
                            | rdx_vm::RunErrorKind::MemoryLimit { grown: rdx_vm::Grown::Frames, .. }
                    )
                }) {
                    continue;
                }
                let mut j = jit();
                j.limits = rdx_vm::engine::Limits { max_depth: 100, ..Default::default() };
                let mut b = st.clone();
                let _ = j.run(&m, gene, &mut b, dir);
            }
        }
    }
}

/// A chain of unary operators on a variable compiles each level once (it compiled the operand
/// twice, once to find out whether it was a constant: 2ⁿ compilations, so a chain of 40 `-`
/// never finished) and computes what Rust computes, on both engines, both ways.
#[test]
fn a_long_chain_of_unary_operators_compiles_and_agrees() {
    for chain in ["-~".repeat(120), "-".repeat(41), "~-".repeat(60) + "~"] {
        let text = format!("gene main(x: u64, y: u64) {{\n    x += {chain}y\n}}\n");
        let m = compile(&text);
        let gene = m.gene_index("main").unwrap();
        for y in [0u64, 1, 7, u64::MAX, 1 << 63] {
            let want = chain.chars().rev().fold(y, |v, c| if c == '-' { v.wrapping_neg() } else { !v });
            let s = [Value::Int(5), Value::Int(y)];
            let (r, out) = both(&m, gene, &s, Direction::Forward);
            assert!(r.is_ok(), "{r:?}");
            assert_eq!(out, vec![Value::Int(5u64.wrapping_add(want)), Value::Int(y)], "{chain} y = {y}");
            let (r, back) = both(&m, gene, &out, Direction::Backward);
            assert!(r.is_ok(), "{r:?}");
            assert_eq!(back, s.to_vec());
        }
    }
}

/// An element's `:=` is tagged on the tape with its array, index and value, as a variable's
/// is with the variable and value: an `undo` of another statement's write is R0115 on both
/// engines (every element statement's stand-in temporary is the same slot, and `undo a[1] :=
/// 5` took back what `b[2] := 9` saved: exit 0, a[1] = 30; `a[1] := 5; y += a[1]; undo a[1] :=
/// 7` ran backward to another y). Undone in order, each passes.
#[test]
fn an_undo_of_another_elements_write_is_refused_on_both_engines() {
    let arrays = || vec![Value::Array(vec![1, 2, 3, 4]), Value::Array(vec![10, 20, 30, 40])];
    for (other, ok) in [("b[2]", false), ("a[2]", false), ("b[1]", false), ("a[1]", false)] {
        let text = format!(
            "gene g(a: u64[4], b: u64[4]) {{\n    a[1] := 5\n    {other} := 9\n    undo {other} := 9\n    undo a[1] := 5\n}}\n\
             gene h(a: u64[4], b: u64[4]) {{\n    a[1] := 5\n    {other} := 9\n    undo a[1] := 5\n}}\n\
             gene v(a: u64[4], b: u64[4]) {{\n    a[1] := 5\n    {other} += 1\n    undo a[1] := 7\n}}"
        );
        let m = compile(&text);
        let (r, out) = both(&m, 0, &arrays(), Direction::Forward);
        assert!(r.is_ok() && out == arrays(), "{other}: {r:?} {out:?}");
        let (r, _) = both(&m, 1, &arrays(), Direction::Forward);
        match r {
            Err(e) if !ok => assert_eq!(e.kind.code(), rdx_lang::codes::Code::R0115, "{other}: {e:?}"),
            r => assert!(ok && r.is_ok(), "{other}: {r:?}"),
        }
        // Another value (both ways: backward the `undo` assigns 7, and the `:=` takes back 5).
        for dir in [Direction::Forward, Direction::Backward] {
            let (r, _) = both(&m, 2, &arrays(), dir);
            assert!(
                matches!(&r, Err(e) if e.kind.code() == rdx_lang::codes::Code::R0115),
                "{other} {dir:?}: {r:?}"
            );
        }
    }
}
