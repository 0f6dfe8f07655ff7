//! The verifier's reversibility and name rules (`spec/bytecode.md` §5), on compiled modules
//! changed by hand the way the bytecode probe wrote them: each change the source checker would
//! refuse is refused at load, with a message that names it; and deep nesting loads in time
//! linear in the code (`rdx_vm::loops`).

use rdx_lang::ast::{Elem, Type, Width};
use rdx_vm::module::{GeneDef, ParamDef};
use rdx_vm::ops::{Args, Cond, Imm, Off, Op, Pre, Slot, Wid};
use rdx_vm::{LoadErrorKind, Module};

fn compile(src: &str) -> Module {
    let prog = rdx_lang::parser::parse(src).unwrap_or_else(|d| panic!("{d:?}"));
    let checked = rdx_lang::check::check(&prog, &Default::default()).unwrap_or_else(|d| panic!("{d:?}"));
    rdx_vm::compile(&checked, "t.rdx", src).unwrap()
}

/// A gene: name, parameters, slots, argument slots, code.
type Gene<'a> = (&'a str, Vec<(&'a str, Type)>, u16, Vec<Slot>, Vec<Op>);

/// A module of one gene per entry, no debug section.
fn hand(genes: Vec<Gene<'_>>) -> Module {
    let genes = genes
        .into_iter()
        .map(|(name, params, slots, args, code)| GeneDef {
            name: name.into(),
            params: params.into_iter().map(|(n, ty)| ParamDef { name: n.into(), ty }).collect(),
            slots,
            words: u32::from(slots),
            args,
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
        })
        .collect();
    Module { dialect: Default::default(), strings: vec![], genes, debug: None }
}

/// The verifier's message for `m` after an encode and decode (it must refuse it).
fn refused(m: &Module) -> String {
    let e = Module::decode(&m.encode()).expect_err("the verifier refuses it");
    assert_eq!(e.kind, LoadErrorKind::Invalid, "{e}");
    // A verifier error names the gene and instruction, not a byte it does not know.
    assert!(e.to_string().starts_with("invalid module: "), "{e}");
    e.message
}

fn main(params: Vec<(&str, Type)>, slots: u16, body: Vec<Op>) -> Module {
    let mut code = vec![Op::Enter {}];
    code.extend(body);
    code.push(Op::Exit {});
    hand(vec![("main", params, slots, vec![], code)])
}

const U8: Type = Type::Fixed(Width::U8);

#[test]
fn an_update_of_its_own_operand_is_refused() {
    let x = || vec![("x", Type::U64), ("y", Type::U64)];
    let (s0, s1) = (Slot(0), Slot(1));
    for (op, what) in [
        (Op::Xor { dst: s0, src: s0, pre: Pre(0) }, "its target, slot 0, is also its operand"),
        (Op::Add { dst: s0, src: s0, pre: Pre(0) }, "its target, slot 0, is also its operand"),
        (Op::RotAdd { dst: s1, src: s1, amt: rdx_vm::ops::Amt(3) }, "its target, slot 1"),
        (Op::Swap { a: s1, b: s1 }, "swaps slot 1 with itself"),
    ] {
        assert!(refused(&main(x(), 2, vec![op])).contains(what), "{op:?}");
    }
    // `delocal t = x` whose expression code reads t itself (always equal: t's value lost).
    let mut m = compile("gene main(x: u64, y: u64) {\n    local t: u64 = x + y\n    delocal t = x + y\n}\n");
    let code = &mut m.genes[0].code;
    let at = code.iter().position(|o| matches!(o, Op::Delocal { .. })).expect("a delocal");
    let Op::Delocal { dst, .. } = code[at] else { unreachable!() };
    let Op::Add3 { dst: tmp, b, .. } = code[at - 1] else { panic!("x + y before it: {:?}", code[at - 1]) };
    code[at - 1] = Op::Add3 { dst: tmp, a: dst, b };
    assert!(refused(&m).contains("its expression code (instruction"), "{}", refused(&m));
    // What the compiler emits loads.
    let ok = compile(
        "gene main(x: u64, y: u64) {\n    local t: u64 = x + y\n    y ^= t\n    y ^= t\n    delocal t = x + y\n}\n",
    );
    Module::decode(&ok.encode()).expect("loads");
}

#[test]
fn a_call_passing_one_variable_twice_or_of_another_type_is_refused() {
    let g = |params: Vec<(&'static str, Type)>| ("g", params, 4, vec![], vec![Op::Enter {}, Op::Exit {}]);
    let call = |n: u16| Op::Call { gene: rdx_vm::ops::GeneIdx(1), args: Args { start: 0, len: n } };
    let arr = Type::Array(Elem::U64, 2);
    // The same array twice (array_alias.rdxb).
    let m = hand(vec![
        (
            "main",
            vec![("a", arr), ("x", Type::U64)],
            3,
            vec![Slot(0), Slot(0), Slot(2)],
            vec![Op::Enter {}, call(3), Op::Exit {}],
        ),
        g(vec![("a", arr), ("b", arr), ("x", Type::U64)]),
    ]);
    assert!(refused(&m).contains("arguments 0 and 1 share slot 0: one variable passed twice"));
    // A scalar in an array argument's length slot.
    let m = hand(vec![
        ("main", vec![], 3, vec![Slot(0), Slot(1)], vec![Op::Enter {}, call(2), Op::Exit {}]),
        g(vec![("a", arr), ("x", Type::U64)]),
    ]);
    assert!(refused(&m).contains("share slot 1"));
    // A u64 (holding 511, say) for a u8 parameter (fixed_noncanon2.rdxb).
    let m = hand(vec![
        (
            "main",
            vec![("x", Type::U64), ("r", Type::U64)],
            2,
            vec![Slot(0), Slot(1)],
            vec![Op::Enter {}, call(2), Op::Exit {}],
        ),
        g(vec![("a", U8), ("r", Type::U64)]),
    ]);
    assert!(refused(&m).contains("passes parameter `x: u64` as argument 0, of type u8"));
}

#[test]
fn an_instruction_of_another_width_on_a_parameter_is_refused() {
    let u8w = Wid::of(Width::U8);
    let u16w = Wid::of(Width::U16);
    let cases: Vec<(Type, Vec<Op>, &str)> = vec![
        // fix_u64.rdxb
        (
            Type::U64,
            vec![Op::Fix { dst: Slot(0), w: u8w }],
            "is an instruction of a fixed width on parameter `x: u64`",
        ),
        (
            U8,
            vec![Op::AddWImm { dst: Slot(0), imm: Imm(1), w: u16w }],
            "of another width on parameter `x: u8`",
        ),
        // A full-width step of a u8 (loop_imm_u8_300.rdxb).
        (U8, vec![Op::AddImm { dst: Slot(0), imm: Imm(1) }], "is a full-width update"),
        (U8, vec![Op::XorImm { dst: Slot(0), imm: Imm(300) }], "xors a value wider than"),
        (U8, vec![Op::Xor { dst: Slot(0), src: Slot(1), pre: Pre(0) }], "xors a value of another type"),
    ];
    for (ty, body, what) in cases {
        let m = main(vec![("x", ty), ("y", Type::U64)], 2, body.clone());
        let e = refused(&m);
        assert!(e.contains(what), "{body:?}: {e}");
    }
    // A counted loop stepping a u8 counter at full width (counted_u8_300.rdxb).
    let m = main(
        vec![("i", U8), ("s", Type::U64)],
        2,
        vec![
            Op::FromC { cond: Cond::EqImm(Slot(0), 0), loop_back: Off(3) },
            Op::AddImm { dst: Slot(1), imm: Imm(1) },
            Op::LoopInc { ctr: Slot(0), cond: Cond::EqImm(Slot(0), 300), from_top: Off(1) },
            Op::LoopExit { until: Off(3) },
        ],
    );
    assert!(refused(&m).contains("(loop.inc): is a full-width update"));
    // An update followed by its fix, and a xor of a value of the width, load.
    let ok = main(
        vec![("x", U8), ("y", Type::U64)],
        2,
        vec![
            Op::MulImm { dst: Slot(0), imm: Imm(3) },
            Op::Fix { dst: Slot(0), w: u8w },
            Op::XorImm { dst: Slot(0), imm: Imm(255) },
            Op::AddWImm { dst: Slot(0), imm: Imm(300), w: u8w },
        ],
    );
    Module::decode(&ok.encode()).expect("loads");
}

#[test]
fn a_fixed_width_parameter_moves_to_and_from_a_stack_only_by_the_forms_of_its_width() {
    let (u8w, u16w) = (Wid::of(Width::U8), Wid::of(Width::U16));
    let (x, s) = (Slot(0), Slot(1));
    let params = |ty: Type| vec![("x", ty), ("s", Type::Stack)];
    let push_w = |w| Op::PushW { var: x, stack: s, w, pre: Pre(0) };
    let pop_w = |w| Op::PopW { var: x, stack: s, w, pre: Pre(0) };
    // The compiler's `push x, s` and `pop x, s` of a u8 load.
    let ok = main(params(U8), 2, vec![push_w(u8w), pop_w(u8w)]);
    Module::decode(&ok.encode()).expect("loads");
    let m = compile("gene main(x: u8, s: stack) {\n    push x, s\n    pop x, s\n}\n");
    assert!(
        m.genes[0].code.contains(&push_w(u8w)) && m.genes[0].code.contains(&pop_w(u8w)),
        "{:?}",
        m.genes[0].code
    );
    let cases: Vec<(Type, Vec<Op>, &str)> = vec![
        (U8, vec![push_w(u16w)], "(push.w): is an instruction of another width on parameter `x: u8`"),
        (U8, vec![pop_w(u16w)], "(pop.w): is an instruction of another width on parameter `x: u8`"),
        (Type::U64, vec![pop_w(u8w)], "is an instruction of a fixed width on parameter `x: u64`"),
        // A pop of any word into a u8 (what the compiler emitted before `pop.w`), with or
        // without a `fix` after it: its mirror would not give the word back.
        (U8, vec![Op::Pop { var: x, stack: s, pre: Pre(0) }], "(pop): is a pop without its width"),
        (
            U8,
            vec![Op::Pop { var: x, stack: s, pre: Pre(0) }, Op::Fix { dst: x, w: u8w }],
            "(pop): is a pop without its width",
        ),
        (U8, vec![Op::Push { var: x, stack: s, pre: Pre(0) }], "(push): is a push without its width"),
    ];
    for (ty, body, what) in cases {
        let e = refused(&main(params(ty), 2, body.clone()));
        assert!(e.contains(what), "{body:?}: {e}");
    }
}

#[test]
fn names_that_are_not_names_or_are_repeated_are_refused() {
    let body = || vec![Op::AddImm { dst: Slot(0), imm: Imm(1) }];
    let m = main(vec![("x", Type::U64), ("x", Type::U64)], 2, body());
    assert!(refused(&m).contains("two parameters are named `x`"));
    for bad in ["", "a\"b", "c\nd", "x=y", "a b", "1x", "m[", "m[]", "m[2]x"] {
        let m = main(vec![(bad, Type::U64)], 1, body());
        assert!(refused(&m).contains("is not a name"), "{bad:?}");
        let mut m = main(vec![("x", Type::U64)], 1, body());
        m.genes[0].name = bad.into();
        assert!(refused(&m).contains("is not a name"), "gene {bad:?}");
    }
    // Janus's names: primes, Unicode letters, a shaped array's dimensions.
    for good in ["x", "_t1", "x'", "λ", "m[2][3]"] {
        let m = main(vec![(good, Type::U64)], 1, body());
        Module::decode(&m.encode()).unwrap_or_else(|e| panic!("{good:?}: {e}"));
    }
}

/// `depth` nested `if x != 0 { … } fi x != 0` around `depth` nested counted loops (each with
/// its own counter slot), around one update: the loader's loop and branch analyses used to
/// walk each one's body (quadratic in the depth: 8,000 levels took seconds, 100,000 never
/// finished); now each structure costs a lookup. This checks what they find at a depth the old
/// walk took minutes over.
#[test]
fn deep_nesting_loads_and_is_analysed() {
    let depth: usize = 30_000;
    let slots = depth as u16 + 2;
    let (acc, x) = (Slot(0), Slot(1));
    // Positions: enter, if × depth, from.c × depth, body, (loop.inc, loop.exit) × depth,
    // (fi.then, else, fi.else) × depth, exit.
    let if_at = |k: usize| 1 + k;
    let from_at = |k: usize| 1 + depth + k;
    let body = 1 + 2 * depth;
    let inc_at = |k: usize| body + 1 + 2 * (depth - 1 - k);
    let fi_at = |k: usize| body + 1 + 2 * depth + 3 * (depth - 1 - k);
    let mut code = vec![Op::Enter {}; body + 1 + 5 * depth + 1];
    let nz = Cond::NeImm(x, 0);
    for k in 0..depth {
        code[if_at(k)] = Op::If { cond: nz, else_at: Off(fi_at(k) as u32 + 1), pre: Pre(0) };
        code[fi_at(k)] = Op::FiThen { cond: nz, fi_else: Off(fi_at(k) as u32 + 2), pre: Pre(0) };
        code[fi_at(k) + 1] = Op::Else { if_top: Off(if_at(k) as u32) };
        code[fi_at(k) + 2] = Op::FiElse { cond: nz, fi_then: Off(fi_at(k) as u32), pre: Pre(0) };
        let ctr = Slot(2 + k as u16);
        code[from_at(k)] = Op::FromC { cond: Cond::EqImm(ctr, 0), loop_back: Off(inc_at(k) as u32) };
        code[inc_at(k)] = Op::LoopInc { ctr, cond: Cond::EqImm(ctr, 1), from_top: Off(from_at(k) as u32) };
        code[inc_at(k) + 1] = Op::LoopExit { until: Off(inc_at(k) as u32) };
    }
    code[body] = Op::AddImm { dst: acc, imm: Imm(1) };
    *code.last_mut().unwrap() = Op::Exit {};
    let m = hand(vec![("main", vec![("acc", Type::U64), ("x", Type::U64)], slots, vec![], code)]);
    let m = Module::decode(&m.encode()).unwrap_or_else(|e| panic!("{e}"));
    let g = &m.genes[0];
    // Every loop is simple (nothing in its body writes its counter), every `fi` settled after
    // either branch.
    assert_eq!(g.loops.len(), depth);
    assert_eq!(rdx_vm::loops::settled_exits(g, &g.code).len(), 2 * depth);
    // A write of the outermost counter in the body: that loop alone is no longer simple.
    let mut w = m.clone();
    w.genes[0].code[body] = Op::AddImm { dst: Slot(2), imm: Imm(1) };
    let w = Module::decode(&w.encode()).expect("loads");
    assert_eq!(w.genes[0].loops.len(), depth - 1);
    assert!(w.genes[0].loops.iter().all(|l| l.ctr != Slot(2)));
    // …and a write of x in the innermost then-branch settles no `fi` after a then-branch.
    let mut w = m.clone();
    w.genes[0].code[body] = Op::AddImm { dst: x, imm: Imm(1) };
    let w = Module::decode(&w.encode()).expect("loads");
    assert_eq!(rdx_vm::loops::settled_exits(&w.genes[0], &w.genes[0].code).len(), depth);
}

/// An entry gene whose array parameters alone are over the memory limit: binding it allocates
/// none of them (16 × 2^28 words was 32 GiB of zeros, and an abort), and the run refuses it
/// before it starts (R0120, the frames).
#[test]
fn array_parameters_over_the_memory_limit_are_not_allocated() {
    let arr = Type::Array(Elem::U64, 1 << 28);
    let names: Vec<String> = (0..16).map(|i| format!("a{i}")).collect();
    let params: Vec<(&str, Type)> = names.iter().map(|n| (n.as_str(), arr)).collect();
    let m = main(params, 32, vec![]);
    let m = Module::decode(&m.encode()).expect("loads");
    let values = rdx_vm::values::bind::<&str, &str>(&m, 0, &[]).expect("binds");
    let words: usize = values
        .iter()
        .map(|v| match v {
            rdx_vm::Value::Array(a) => a.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(words, 0);
    let e = rdx_vm::engine::bind_args(&m, 0, &values, &rdx_vm::Limits::default()).unwrap_err();
    assert!(matches!(e, rdx_vm::RunErrorKind::MemoryLimit { grown: rdx_vm::Grown::Frames, .. }), "{e:?}");
    // Under the limit, unset arrays are zeros of their length as before.
    let small = main(vec![("a", Type::Array(Elem::U64, 3))], 2, vec![]);
    let small = Module::decode(&small.encode()).expect("loads");
    let v = rdx_vm::values::bind::<&str, &str>(&small, 0, &[]).expect("binds");
    assert_eq!(v, vec![rdx_vm::Value::Array(vec![0; 3])]);
}

#[test]
fn an_index_computed_from_the_array_it_changes_is_refused() {
    // `a[c[0] & 3] += 1` and `swap a[c[0] & 3], b[1]`, with the index's load moved from `c`
    // to `a`: `a[a[0] & 3] += 1` (E0308 at the source), refused at load too.
    for src in [
        "gene main(a: u64[4], c: u64[4]) {\n    a[c[0] & 3] += 1\n}\n",
        "gene main(a: u64[4], b: u64[4], c: u64[4]) {\n    swap a[c[0] & 3], b[1]\n}\n",
    ] {
        let mut m = compile(src);
        let code = &mut m.genes[0].code;
        let at = code.iter().position(|o| matches!(o, Op::LoadImm { .. })).expect("the load of c[0]");
        let Op::LoadImm { dst, imm, .. } = code[at] else { unreachable!() };
        let a = code
            .iter()
            .find_map(|o| match *o {
                Op::AddElemImm { arr, .. } | Op::SwapElems { arr, .. } => Some(arr),
                _ => None,
            })
            .expect("the update of a");
        code[at] = Op::LoadImm { dst, arr: a, imm };
        let why = refused(&m);
        assert!(
            why.contains(&format!("its index is computed from an array it changes (instruction {at}")),
            "{why}"
        );
    }
    // What the compiler emits for reads of the array in the value, or for an index copied
    // first, loads.
    for ok in [
        "gene main(a: u64[4], i: u64) {\n    a[i & 3] := a[i & 3] + 1\n    a[0] += a[1]\n}\n",
        "gene main(a: u64[4]) {\n    local k: u64 = a[0] & 3\n    a[k ^ 1] += 1\n    delocal k = a[0] & 3\n}\n",
    ] {
        Module::decode(&compile(ok).encode()).expect("loads");
    }
}
