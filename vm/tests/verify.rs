//! The verifier's reversibility and name rules (`spec/bytecode.md` §5), on compiled modules
//! changed by hand the way the bytecode probe wrote them: each change the source checker would
//! refuse is refused at load, with a message that names it; and deep nesting loads in time
//! linear in the code (`rdx_vm::loops`).

use rdx_lang::ast::{Elem, Type, Width};
use rdx_vm::module::{GeneDef, ParamDef};
use rdx_vm::ops::{Args, Cond, Imm, Off, Op, Pre, Slot, Wid, Word};
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
            skipping: Default::default(),
        })
        .collect();
    Module { dialect: Default::default(), strings: vec![], genes, debug: None }
}

/// The verifier's message for `m` after an encode and decode (it must refuse it). The checks
/// `rdx asm` runs on what it compiled ([`Module::verify_for_encoding`], no run tables built)
/// refuse it with the same message.
fn refused(m: &Module) -> String {
    let e = Module::decode(&m.encode()).expect_err("the verifier refuses it");
    assert_eq!(e.kind, LoadErrorKind::Invalid, "{e}");
    // A verifier error names the gene and instruction, not a byte it does not know.
    assert!(e.to_string().starts_with("invalid module: "), "{e}");
    let asm = m.clone().verify_for_encoding().expect_err("rdx asm's checks refuse it");
    assert_eq!(asm.message, e.message, "rdx asm's checks and the loader's differ");
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
/// its own counter, a parameter), around one update: the loader's loop and branch analyses used to
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
    // The counters are parameters: a slot no local opened is a temporary (rule 18).
    let names: Vec<String> = (0..depth).map(|k| format!("c{k}")).collect();
    let mut params = vec![("acc", Type::U64), ("x", Type::U64)];
    params.extend(names.iter().map(|n| (n.as_str(), Type::U64)));
    let m = hand(vec![("main", params, slots, vec![], code)]);
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

/// The slot a compiled module's first `op` (by `pick`) writes, with its position.
fn find(m: &Module, pick: impl Fn(&Op) -> Option<Slot>) -> (usize, Slot) {
    (m.genes[0].code.iter().enumerate())
        .find_map(|(pc, o)| pick(o).map(|s| (pc, s)))
        .expect("the instruction")
}

/// Rule 15: expression code writes temporaries only. `y ^= x << 3` with the shift computed
/// into x (the tester's module: forward x = 5, y = 7 gave x = 40, backward x = 320), into an
/// open local, or into the slot of a loop invariant the compiler computes before its loop.
#[test]
fn expression_code_writing_a_variable_is_refused() {
    let shl = |o: &Op| match *o {
        Op::ShlImm { dst, .. } => Some(dst),
        _ => None,
    };
    let set_shl = |m: &mut Module, at: usize, to: Slot| {
        if let Op::ShlImm { a, imm, .. } = m.genes[0].code[at] {
            m.genes[0].code[at] = Op::ShlImm { dst: to, a, imm };
        }
    };
    let mut m = compile("gene main(x: u64, y: u64) {\n    y ^= x << 3\n}\n");
    let (at, _) = find(&m, shl);
    set_shl(&mut m, at, Slot(0));
    let why = refused(&m);
    assert!(
        why.starts_with(&format!(
            "gene `main`: instruction {at} (shl.imm): writes slot 0, which holds parameter `x: u64`: \
             expression code writes only temporaries (rule 15)"
        )),
        "{why}"
    );
    // An open local's slot.
    let mut m = compile(
        "gene main(x: u64, y: u64) {\n    local t: u64 = x + 1\n    y ^= x << 3\n    delocal t = x + 1\n}\n",
    );
    let (_, t) = find(&m, |o| match *o {
        Op::Local { dst, .. } => Some(dst),
        _ => None,
    });
    let (at, _) = find(&m, shl);
    set_shl(&mut m, at, t);
    let why = refused(&m);
    assert!(
        why.contains(&format!("(shl.imm): writes slot {}, which holds the local opened at instruction", t.0))
    );
    assert!(why.contains("(rule 15)"), "{why}");
    // A loop invariant's slot (`n & 3` computed once before the loop, into a slot the loop's
    // code reads): the loop's index code computing into it.
    let src = "gene main(a: u64[16], n: u64, s: u64) {\n    local j: u64 = 0\n    from j == 0 do {\n        \
               s += a[(n & 3) * 4 + j]\n        j += 1\n    } until j == 4\n    delocal j = 4\n}\n";
    let ok = compile(src);
    Module::decode(&ok.encode()).expect("loads");
    let code = &ok.genes[0].code;
    let from = code.iter().position(|o| matches!(o, Op::FromC { .. } | Op::From { .. })).expect("a loop");
    let hoisted = code[..from]
        .iter()
        .rev()
        .find_map(|o| match *o {
            Op::Local { dst, .. } => Some(dst),
            _ => None,
        })
        .expect("the invariant's local");
    let inner = (from..code.len()).find(|&pc| code[pc].is_pure()).expect("the loop's expression code");
    let mut m = ok.clone();
    m.genes[0].code[inner].remap(&mut Dst(Some(hoisted)));
    let why = refused(&m);
    assert!(why.contains(&format!("instruction {inner} (")), "{why}");
    assert!(why.contains(&format!("writes slot {}, which holds the local opened at", hoisted.0)), "{why}");
}

/// Renames an instruction's first slot (its `dst`).
struct Dst(Option<Slot>);
impl rdx_vm::ops::Remap for Dst {
    fn slot(&mut self, s: Slot) -> Slot {
        self.0.take().unwrap_or(s)
    }
    fn off(&mut self, o: Off) -> Off {
        o
    }
}

/// Rule 16: a local opens on a slot that holds no variable and closes in its block. `local i =
/// 0` opened on parameter a (the tester's module), on a local open already, a `delocal` of a
/// parameter, a local opened in a branch and closed after it, and local arrays sharing storage.
#[test]
fn a_local_on_a_variable_or_outside_its_block_is_refused() {
    let src = "gene main(a: u64, b: u64) {\n    local i: u64 = 0\n    local k: u64 = a\n    b += i + k\n    \
               delocal k = a\n    delocal i = 0\n}\n";
    let ok = compile(src);
    Module::decode(&ok.encode()).expect("loads");
    let (at_i, i) = find(&ok, |o| match *o {
        Op::LocalImm { dst, .. } => Some(dst),
        _ => None,
    });
    let (at_k, _) = find(&ok, |o| match *o {
        Op::Local { dst, .. } => Some(dst),
        _ => None,
    });
    let rule = "a local opens on a slot that holds no variable and closes in its block (rule 16)";
    let mut m = ok.clone();
    m.genes[0].code[at_i] = Op::LocalImm { dst: Slot(0), imm: Imm(0) };
    let why = refused(&m);
    assert!(
        why.starts_with(&format!(
            "gene `main`: instruction {at_i} (local.imm): opens a local on slot 0, which holds parameter `a: u64`: {rule}"
        )),
        "{why}"
    );
    let mut m = ok.clone();
    m.genes[0].code[at_k].remap(&mut Dst(Some(i)));
    let why = refused(&m);
    assert!(
        why.contains(&format!(
            "instruction {at_k} (local): opens a local on slot {}, which holds the local opened at instruction {at_i}",
            i.0
        )),
        "{why}"
    );
    // `delocal` of a parameter: backward, a `local` over it.
    let m = main(vec![("a", Type::U64)], 2, vec![Op::DelocalImm { dst: Slot(0), imm: Imm(0) }]);
    assert!(
        refused(&m).contains("instruction 1 (delocal.imm): closes slot 0, which holds parameter `a: u64`")
    );
    // A local left open at the gene's exit takes its value with the frame: `x -= t` with t a
    // copy of x turned 5 into 0 forward, and 0 into 0 backward. Its mirror, a lone `delocal`,
    // closes what nothing opened.
    let m = main(
        vec![("a", Type::U64)],
        2,
        vec![
            Op::Local { dst: Slot(1), src: Slot(0), pre: Pre(0) },
            Op::Sub { dst: Slot(0), src: Slot(1), pre: Pre(0) },
        ],
    );
    let why = refused(&m);
    assert!(
        why.contains(&format!(
            "instruction 3 (exit): the local opened at instruction 1 (slot 1) is still open at the end of its block: {rule}"
        )),
        "{why}"
    );
    let lone = main(vec![("a", Type::U64)], 2, vec![Op::Delocal { dst: Slot(1), src: Slot(0), pre: Pre(0) }]);
    let why = refused(&lone);
    assert!(
        why.contains(&format!("instruction 1 (delocal): closes slot 1, which holds no open local: {rule}")),
        "{why}"
    );
    // A local opened inside a branch and closed after it (on the else path never opened).
    let nz = Cond::NeImm(Slot(0), 0);
    let m = main(
        vec![("a", Type::U64), ("b", Type::U64)],
        3,
        vec![
            Op::If { cond: nz, else_at: Off(4), pre: Pre(0) },
            Op::Local { dst: Slot(2), src: Slot(0), pre: Pre(0) },
            Op::FiThen { cond: nz, fi_else: Off(5), pre: Pre(0) },
            Op::Else { if_top: Off(1) },
            Op::FiElse { cond: nz, fi_then: Off(3), pre: Pre(0) },
            Op::Add { dst: Slot(1), src: Slot(2), pre: Pre(0) },
            Op::Delocal { dst: Slot(2), src: Slot(0), pre: Pre(0) },
        ],
    );
    let why = refused(&m);
    assert!(
        why.contains(&format!(
            "instruction 3 (fi.then): the local opened at instruction 2 (slot 2) is still open at the end of its block: {rule}"
        )),
        "{why}"
    );
    // Two local arrays open at once on the same storage: opening the second overwrites the
    // first's elements.
    let arr = |a: u16, at: u32| Op::LocalArr {
        arr: rdx_vm::ops::Arr(a),
        at: Word(at),
        len: Word(2),
        src: Slot(0),
        pre: Pre(0),
    };
    let darr = |a: u16, at: u32| Op::DelocalArr {
        arr: rdx_vm::ops::Arr(a),
        at: Word(at),
        len: Word(2),
        src: Slot(0),
        pre: Pre(0),
    };
    let mut m = main(vec![("a", Type::U64)], 5, vec![arr(1, 5), arr(3, 6), darr(3, 6), darr(1, 5)]);
    m.genes[0].words = 9;
    assert!(refused(&m).contains("instruction 2 (local.arr): its storage, words 6..8, overlaps that of the local array opened at instruction 1"));
    let mut ok = main(vec![("a", Type::U64)], 5, vec![arr(1, 5), arr(3, 7), darr(3, 7), darr(1, 5)]);
    ok.genes[0].words = 9;
    Module::decode(&ok.encode()).expect("loads");
}

/// Rule 17: `fi.then` and `fi.else` test the same exit assertion, `from` and `loop.back` the
/// same entry assertion, with the same expression code (up to its temporaries' slots).
/// Backward only one of each pair is tested: `fi.else`'s test picks the branch to undo
/// (Janus's fib with another `fi.else` condition ran forward 0, 0, 0 → 89, 144, 0, backward
/// to x1 = −1).
#[test]
fn partners_testing_other_conditions_are_refused() {
    let rule = "partners test the same condition with the same expression code (rule 17)";
    let ok = compile(
        "gene main(x: u64, y: u64) {\n    if x == 0 {\n        y += 1\n    } else {\n        y += 2\n    } fi y == 1\n}\n",
    );
    Module::decode(&ok.encode()).expect("loads");
    let (fi_then, _) = find(&ok, |o| matches!(o, Op::FiThen { .. }).then_some(Slot(0)));
    let (fi_else, _) = find(&ok, |o| matches!(o, Op::FiElse { .. }).then_some(Slot(0)));
    let mut m = ok.clone();
    if let Op::FiElse { fi_then, pre, .. } = m.genes[0].code[fi_else] {
        m.genes[0].code[fi_else] = Op::FiElse { cond: Cond::EqImm(Slot(0), 1), fi_then, pre };
    }
    let why = refused(&m);
    assert!(
        why.starts_with(&format!(
            "gene `main`: instruction {fi_else} (fi.else): tests another exit assertion than its partner, \
             instruction {fi_then} (fi.then): {rule}"
        )),
        "{why}"
    );
    // A loop's re-entry assertion (`loop.back`) other than its entry assertion (`from`).
    let src = "gene main(x: u64, y: u64, n: u64) {\n    from x == 0 do {\n        x += 1\n    } loop {\n        \
               y += x\n    } until x == n\n}\n";
    let ok = compile(src);
    Module::decode(&ok.encode()).expect("loads");
    let (from, _) = find(&ok, |o| matches!(o, Op::From { .. }).then_some(Slot(0)));
    let (back, _) = find(&ok, |o| matches!(o, Op::LoopBack { .. }).then_some(Slot(0)));
    let mut m = ok.clone();
    if let Op::LoopBack { from_top, pre, .. } = m.genes[0].code[back] {
        m.genes[0].code[back] = Op::LoopBack { cond: Cond::EqImm(Slot(1), 0), from_top, pre };
    }
    let why = refused(&m);
    assert!(
        why.contains(&format!(
            "instruction {back} (loop.back): tests another entry assertion than its partner, instruction {from} (from)"
        )),
        "{why}"
    );
    // The same condition on values the expression code computes otherwise: `fi.else`'s code
    // loading another element.
    let src =
        "gene main(a: u64[4], y: u64) {\n    if a[0] > a[1] {\n        y += 1\n    } fi a[0] > a[1]\n}\n";
    let ok = compile(src);
    Module::decode(&ok.encode()).expect("loads");
    let (fi_else, _) = find(&ok, |o| matches!(o, Op::FiElse { .. }).then_some(Slot(0)));
    let load =
        (0..fi_else).rev().find(|&pc| matches!(ok.genes[0].code[pc], Op::LoadImm { .. })).expect("a load");
    let mut m = ok.clone();
    if let Op::LoadImm { dst, arr, imm } = m.genes[0].code[load] {
        m.genes[0].code[load] = Op::LoadImm { dst, arr, imm: Imm(imm.0 ^ 2) };
    }
    assert!(refused(&m).contains(&format!("instruction {fi_else} (fi.else): tests another exit assertion")));
    // The same code computing into other temporaries loads.
    let mut m = ok.clone();
    let free = m.genes[0].slots;
    m.genes[0].slots += 1;
    m.genes[0].words += 1;
    let Op::LoadImm { dst: old, .. } = m.genes[0].code[load] else { unreachable!() };
    struct Rename(Slot, Slot);
    impl rdx_vm::ops::Remap for Rename {
        fn slot(&mut self, s: Slot) -> Slot {
            if s == self.0 { self.1 } else { s }
        }
        fn off(&mut self, o: Off) -> Off {
            o
        }
    }
    for pc in fi_else - 2..=fi_else {
        m.genes[0].code[pc].remap(&mut Rename(old, Slot(free)));
    }
    assert_ne!(m.genes[0].code, ok.genes[0].code);
    Module::decode(&m.encode()).unwrap_or_else(|e| panic!("{e}: {:?}", &m.genes[0].code));
}

/// Rule 18: a statement reads only the temporaries its own expression code computed.
/// `z += x * 5` with its multiplication dropped reads what `y += x * 3` left in the temporary
/// (forward z += 3x; backward the temporary holds nothing of the kind). A write a short-circuit
/// jump may pass over does not count, nor a scalar argument in a slot no variable holds. The
/// element statements (`a[i] := e`: e computed before the swap in) load.
#[test]
fn a_temporary_read_before_its_statement_writes_it_is_refused() {
    let rule = "a statement reads only the temporaries its own expression code computed (rule 18)";
    let ok = compile("gene main(x: u64, y: u64, z: u64) {\n    y += x * 3\n    z += x * 5\n}\n");
    Module::decode(&ok.encode()).expect("loads");
    let code = &ok.genes[0].code;
    let second = code.iter().rposition(|o| matches!(o, Op::Mul3Imm { .. })).expect("x * 5");
    let Op::Add { dst, src, .. } = code[second + 1] else { panic!("z += t: {:?}", code[second + 1]) };
    let mut m = ok.clone();
    m.genes[0].code.splice(second..second + 2, [Op::Add { dst, src, pre: Pre(0) }]);
    let why = refused(&m);
    assert!(
        why.starts_with(&format!(
            "gene `main`: instruction {second} (add): reads slot {}, which no expression code before it in its \
             statement wrote: {rule}",
            src.0
        )),
        "{why}"
    );
    // `t = 5` on the path that does not jump only.
    let m = main(
        vec![("x", Type::U64), ("y", Type::U64)],
        5,
        vec![
            Op::Bool { dst: Slot(3), a: Slot(0) },
            Op::Jz { a: Slot(3), to: Off(4) },
            Op::Const { dst: Slot(4), imm: Imm(5) },
            Op::Add { dst: Slot(1), src: Slot(4), pre: Pre(3) },
        ],
    );
    assert!(refused(&m).contains("instruction 4 (add): reads slot 4, which no expression code"));
    // A value moved into a slot no variable holds, where it is lost at the end: `swap x, t`,
    // or a `swap.elem` of t that no update and swap back follow.
    let m = main(vec![("x", Type::U64), ("y", Type::U64)], 3, vec![Op::Swap { a: Slot(0), b: Slot(2) }]);
    assert!(refused(&m).contains(&format!(
        "instruction 1 (swap): changes slot 2, which holds no variable, outside an element statement \
         (`swap.elem` of it, an update of it, `swap.elem` back): {rule}"
    )));
    let swap = Op::SwapElem { dst: Slot(3), arr: rdx_vm::ops::Arr(0), idx: Slot(2), pre: Pre(0) };
    let arr4 = || vec![("a", Type::Array(Elem::U64, 4)), ("i", Type::U64)];
    let m = main(arr4(), 4, vec![swap, Op::AddImm { dst: Slot(3), imm: Imm(1) }]);
    assert!(refused(&m).contains("instruction 1 (swap.elem): changes slot 3, which holds no variable"));
    let ok = main(arr4(), 4, vec![swap, Op::AddImm { dst: Slot(3), imm: Imm(1) }, swap]);
    Module::decode(&ok.encode()).expect("an element statement loads");
    // A call passing a slot no variable holds: `y += t` in the callee, t whatever was left.
    let call = Op::Call { gene: rdx_vm::ops::GeneIdx(1), args: Args { start: 0, len: 2 } };
    let m = hand(vec![
        (
            "main",
            vec![("x", Type::U64), ("y", Type::U64)],
            3,
            vec![Slot(2), Slot(1)],
            vec![Op::Enter {}, call, Op::Exit {}],
        ),
        (
            "g",
            vec![("t", Type::U64), ("y", Type::U64)],
            2,
            vec![],
            vec![Op::Enter {}, Op::Add { dst: Slot(1), src: Slot(0), pre: Pre(0) }, Op::Exit {}],
        ),
    ]);
    assert!(refused(&m).contains(&format!("gene `main`: instruction 1 (call): reads slot 2, which no expression code before it in its statement wrote: {rule}")));
    for src in [
        "gene main(a: u64[4], i: u64, x: u64) {\n    a[i & 3] := a[i & 3] + x\n    a[i & 3] *= 3\n}\n",
        "gene main(a: u64[4], i: u64, x: u64, s: stack) {\n    push a[i & 3], s\n    pop a[i & 3], s\n}\n",
        "gene main(a: u64[4], i: u64, x: u64) {\n    a[i & 3] := x + 1\n    undo a[i & 3] := x + 1\n}\n",
        // (Found by the JIT's generated programs: the update's own expression code between.)
        "gene main(p0: u64, a1: u64[4]) {\n    a1[0] <<<= -(p0 * 4)\n}\n",
        "gene main(p0: u64, a1: u64[4]) {\n    local t2: stack = nil\n    push a1[0], t2\n    a1[1] <<<= 0 * p0 * 3\n    \
         pop a1[0], t2\n    delocal t2: stack = nil\n}\n",
        "gene main(x: u64, y: u64, z: u64) {\n    if x != 0 && (y > 3 || z < 2) {\n        x += 1\n    } fi x != 1 && (y > 3 || z < 2)\n}\n",
    ] {
        Module::decode(&compile(src).encode()).unwrap_or_else(|e| panic!("{src}: {e}"));
    }
}

/// Rule 19, from the bytecode probe's one-byte changes: an element update whose array operand
/// names a number's slot read that number and the next slot as an address and a length (over
/// the frame: `n` = 4 turned (4, 16) into (5, 16) forward and (5, 15) backward), and a float
/// kernel run on an integer array read its words as floats (−0 made +0: 2⁶³ became 0). Both
/// are refused at load, as are a number pushed to as a stack and an array's length changed.
#[test]
fn arrays_and_stacks_are_used_as_such() {
    let m = compile("gene main(n: u64, m: u64, a: u64[4]) {\n    a[0] += 1\n}\n");
    let mut bad = m.clone();
    for op in &mut bad.genes[0].code {
        if let Op::AddElemImm { arr, .. } = op {
            arr.0 = 0;
        }
    }
    let e = refused(&bad);
    assert!(e.contains("names slot 0, which holds a number, not an array") && e.contains("(rule 19)"), "{e}");
    let kernel = |buf: u16| {
        let mut m = main(
            vec![("a", Type::Array(Elem::U64, 4)), ("x", Type::Array(Elem::F64, 4))],
            4,
            vec![Op::Kernel { name: rdx_vm::ops::Str(0), buf: rdx_vm::ops::Arr(buf), elem: Word(2) }],
        );
        m.strings = vec!["wht".into()];
        m
    };
    Module::decode(&kernel(2).encode()).expect("`kernel wht(x)` on the f64 buffer");
    let e = refused(&kernel(0));
    assert!(e.contains("runs on parameter `a: u64[4]` as f64 elements"), "{e}");
    let m = compile("gene main(s: stack, x: u64, y: u64) {\n    push x, s\n    pop x, s\n}\n");
    let mut bad = m.clone();
    for op in &mut bad.genes[0].code {
        if let Op::Push { stack, .. } | Op::Pop { stack, .. } = op {
            *stack = Slot(2);
        }
    }
    let e = refused(&bad);
    assert!(e.contains("names slot 2, which holds a number, not a stack"), "{e}");
    let e = refused(&main(
        vec![("a", Type::Array(Elem::U64, 2)), ("x", Type::U64)],
        3,
        vec![Op::AddImm { dst: Slot(1), imm: Imm(8) }],
    ));
    assert!(e.contains("changes the reference held by parameter `a: u64[2]`"), "{e}");
    // A local array is an array while it is open, and only then.
    let ok = compile(
        "gene bump(t: u64[4], y: u64) {\n    t[1] += y\n}\n\
         gene main(y: u64) {\n    local t: u64[4] = 0\n    call bump(t, y)\n    uncall bump(t, y)\n    delocal t = 0\n}\n",
    );
    Module::decode(&ok.encode()).expect("a local array passed while open");
}

/// Control instructions whose partners point at each other but whose ranges cross (the second
/// `if`'s then-branch holds the first one's end) are refused, by the loader and by the checks
/// `rdx asm` runs on what it compiled alike ([`refused`]).
#[test]
fn control_instructions_that_do_not_nest_are_refused() {
    let (x, y) = (Slot(0), Slot(1));
    let a = Cond::EqImm(x, 0);
    let b = Cond::EqImm(x, 1);
    let m = main(
        vec![("x", Type::U64), ("y", Type::U64)],
        2,
        vec![
            Op::If { cond: a, else_at: Off(4), pre: Pre(0) },
            Op::If { cond: b, else_at: Off(8), pre: Pre(0) },
            Op::FiThen { cond: a, fi_else: Off(5), pre: Pre(0) },
            Op::Else { if_top: Off(1) },
            Op::FiElse { cond: a, fi_then: Off(3), pre: Pre(0) },
            Op::AddImm { dst: y, imm: Imm(1) },
            Op::FiThen { cond: b, fi_else: Off(9), pre: Pre(0) },
            Op::Else { if_top: Off(2) },
            Op::FiElse { cond: b, fi_then: Off(7), pre: Pre(0) },
        ],
    );
    let why = refused(&m);
    assert!(why.contains("control instructions do not nest"), "{why}");
}

/// A gene of 20 000 instructions is checked with its walk (rules 15, 16, 18) on a second thread
/// (`reversible::check`, from 16 384): it loads as a short one does, and of two faults, one for
/// each half, the per-instruction rules' is the one reported, wherever each is, on both sides of
/// that length.
#[test]
fn a_long_gene_is_checked_as_a_short_one() {
    let params = || vec![("x", Type::U64), ("y", Type::U64)];
    let (x, y, t) = (Slot(0), Slot(1), Slot(2));
    let plain = Op::Xor { dst: x, src: y, pre: Pre(0) };
    // Rule 18, found by the walk: t, which no expression code wrote, is read.
    let walk_fault = Op::Xor { dst: x, src: t, pre: Pre(0) };
    // Found by the per-instruction rules.
    let own_fault = Op::Swap { a: y, b: y };
    for len in [40, 20_000] {
        let body = |faults: &[(usize, Op)]| {
            let mut body = vec![plain; len];
            for &(at, op) in faults {
                body[at] = op;
            }
            main(params(), 3, body)
        };
        let mut ok = body(&[]);
        ok.verify().unwrap_or_else(|e| panic!("{len}: {e}"));
        Module::decode(&ok.encode()).unwrap_or_else(|e| panic!("{len}: {e}"));
        let (early, late) = (3, len - 5);
        let walk = refused(&body(&[(early, walk_fault)]));
        assert!(walk.contains(&format!("instruction {} (xor): reads slot 2", early + 1)), "{len}: {walk}");
        let own = refused(&body(&[(late, own_fault)]));
        assert!(
            own.contains(&format!("instruction {} (swap): swaps slot 1 with itself", late + 1)),
            "{len}: {own}"
        );
        assert_eq!(refused(&body(&[(early, walk_fault), (late, own_fault)])), own, "{len}");
    }
}

/// Renames an instruction's slots to the ones `next` gives (jump targets kept).
struct Slots<'a>(&'a mut dyn FnMut(Slot) -> Slot);
impl rdx_vm::ops::Remap for Slots<'_> {
    fn slot(&mut self, s: Slot) -> Slot {
        (self.0)(s)
    }
    fn off(&mut self, o: Off) -> Off {
        o
    }
}

/// A long gene changed at a few instructions (slots renamed within the frame, an instruction
/// copied over another) loads or is refused, never panics: its walk runs on a thread of its
/// own beside the per-instruction rules, so it meets code those rules refuse.
#[test]
fn a_long_gene_changed_by_hand_never_panics() {
    use proptest::prelude::*;
    let mut src = String::from("gene main(x: u64, y: u64, a: u64[8], s: stack) {\n");
    for k in 0..1200 {
        src += &format!(
            "    x += y * {k}\n    a[3] ^= x + y\n    local t: u64 = x\n    if t > y {{ y += t }} fi y > t\n    \
             delocal t = x\n    push y, s\n    pop y, s\n    from y == 0 do {{ y += 1 }} until y == 1\n    y -= 1\n",
            k = 2 * k + 1
        );
    }
    src += "}\n";
    let ok = compile(&src);
    let len = ok.genes[0].code.len();
    assert!(len > 20_000, "{len} instructions");
    let slots = ok.genes[0].slots;
    let runner_config = ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() };
    let mut runner = proptest::test_runner::TestRunner::new(runner_config);
    let edit = (any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<bool>(), any::<u16>());
    runner
        .run(&proptest::collection::vec(edit, 1..4), |edits| {
            let mut m = ok.clone();
            let code = &mut m.genes[0].code;
            for &(at, from, copy, seed) in &edits {
                let (at, from) = (at.index(code.len()), from.index(code.len()));
                if copy {
                    code[at] = code[from];
                } else {
                    let mut n = u32::from(seed);
                    code[at].remap(&mut Slots(&mut |s| {
                        n = n.wrapping_mul(2_654_435_761).wrapping_add(u32::from(s.0));
                        Slot((n % u32::from(slots)) as u16)
                    }));
                }
            }
            let _ = Module::decode(&m.encode());
            let _ = m.verify_for_encoding();
            Ok(())
        })
        .unwrap();
}
