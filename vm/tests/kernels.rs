//! `kernel` statements in the interpreter, with a test kernel host: forward runs the kernel,
//! backward its mirror, `undo kernel` the mirror forward; failures become R0118 with the
//! statement's span; modules with kernel ops encode, decode and disassemble.

use rdx_lang::ast::{Elem, Type};
use rdx_lang::check::{CheckOptions, check};
use rdx_lang::codes::Code;
use rdx_lang::kernels::KernelSig;
use rdx_vm::{
    Direction, Engine, Interpreter, KernelCall, KernelCallError, KernelCallErrorKind, Module, RunErrorKind,
    Value,
};

/// `rot`: rotates the buffer's elements left by one (mirror `unrot`); `flipsign`: negates f64s
/// (its own mirror); `boom`: always fails.
struct TestHost;

impl KernelCall for TestHost {
    fn call(
        &mut self,
        name: &str,
        inverse: bool,
        elem: Elem,
        words: &mut [u64],
    ) -> Result<(), KernelCallError> {
        let w = elem.words() as usize;
        match (name, inverse) {
            ("rot", false) | ("unrot", true) => words.rotate_left(w),
            ("rot", true) | ("unrot", false) => words.rotate_right(w),
            ("flipsign", _) => words.iter_mut().for_each(|x| *x = (-f64::from_bits(*x)).to_bits()),
            _ => {
                let message = format!("kernel `{name}` trapped: unreachable");
                return Err(KernelCallError::new(KernelCallErrorKind::Trap, name, message));
            }
        }
        Ok(())
    }
}

fn catalogue() -> Vec<KernelSig> {
    let sig = |name: &str, mirror: &str, elem, exact, order| KernelSig {
        name: name.into(),
        mirror: mirror.into(),
        elem,
        exact,
        order,
        power_of_two: false,
        max_len: None,
    };
    vec![
        sig("rot", "unrot", Elem::C64, false, 0),
        sig("unrot", "rot", Elem::C64, false, 0),
        sig("flipsign", "flipsign", Elem::F64, false, 2),
        sig("boom", "boom", Elem::F64, false, 2),
    ]
}

fn module(src: &str) -> Module {
    let cat = catalogue();
    let p = rdx_lang::parser::parse(src).unwrap_or_else(|d| panic!("{d:?}"));
    let c = check(&p, &CheckOptions { strict: false, kernels: &cat }).unwrap_or_else(|d| panic!("{d:?}"));
    rdx_vm::compile(&c, "k.rdx", src).unwrap()
}

fn c64(v: &[(f64, f64)]) -> Value {
    Value::Array(v.iter().flat_map(|&(re, im)| [re.to_bits(), im.to_bits()]).collect())
}

fn f64s(v: &[f64]) -> Value {
    Value::Array(v.iter().map(|x| x.to_bits()).collect())
}

fn host() -> Interpreter {
    let mut it = Interpreter::new();
    it.set_kernels(Box::new(TestHost));
    it
}

const SRC: &str = "gene main(z: c64[3], x: f64[2], n: u64) {
    kernel rot(z)
    kernel rot(z)
    undo kernel rot(z)
    local t: f64[2] = 0
    call flip(x)
    delocal t = 0
    n += 1
}
gene flip(y: f64[2]) {
    kernel flipsign(y)
}
";

#[test]
fn forward_runs_kernels_backward_runs_mirrors() {
    let m = module(SRC);
    let g = m.gene_index("main").unwrap();
    let input = vec![c64(&[(1.0, 2.0), (3.0, 4.0), (5.0, 6.0)]), f64s(&[1.5, -2.0]), Value::Int(0)];
    let mut s = input.clone();
    let mut it = host();
    it.run(&m, g, &mut s, Direction::Forward).unwrap();
    assert_eq!(s, vec![c64(&[(3.0, 4.0), (5.0, 6.0), (1.0, 2.0)]), f64s(&[-1.5, 2.0]), Value::Int(1)]);
    it.run(&m, g, &mut s, Direction::Backward).unwrap();
    assert_eq!(s, input);
}

#[test]
fn kernel_failures_are_run_errors_with_the_span() {
    let src = "gene main(x: f64[2]) {\n    kernel boom(x)\n}\n";
    let m = module(src);
    let mut s = vec![f64s(&[1.0, 2.0])];
    let e = host().run(&m, 0, &mut s, Direction::Forward).unwrap_err();
    let failed =
        KernelCallError::new(KernelCallErrorKind::Trap, "boom", "kernel `boom` trapped: unreachable");
    assert_eq!(e.kind, RunErrorKind::KernelFailed(failed));
    assert_eq!(e.kind.code(), Code::R0118);
    let span = e.stack[0].span.expect("span");
    assert_eq!(&src[span.range()], "kernel boom(x)");
    // Without a host the statement is an error too, not a silent no-op.
    let e = Interpreter::new().run(&m, 0, &mut s, Direction::Backward).unwrap_err();
    assert!(
        matches!(&e.kind, RunErrorKind::KernelFailed(k) if k.kind == KernelCallErrorKind::NoHost
            && k.message.contains("no kernel host")),
        "{e:?}"
    );
}

#[test]
fn kernel_modules_encode_decode_and_disassemble() {
    let m = module(SRC);
    let bytes = m.encode();
    let back = Module::decode(&bytes).expect("decodes");
    assert_eq!(back, m);
    assert_eq!(back.genes[0].params[0].ty, Type::Array(Elem::C64, 3));
    let text = rdx_vm::disasm::disassemble(&back);
    assert!(
        text.contains("kernel") && text.contains("kernel.inv") && text.contains("\"rot\", %0:z[], c64"),
        "{text}"
    );
}

#[test]
fn c64_arrays_take_two_words_per_element() {
    let m = module(SRC);
    let mut short = vec![Value::Array(vec![0; 3]), f64s(&[0.0, 0.0]), Value::Int(0)];
    let e = host().run(&m, 0, &mut short, Direction::Forward).unwrap_err();
    assert!(matches!(e.kind, RunErrorKind::BadArguments(_)), "{e:?}");
}

#[test]
fn the_verifier_rejects_unknown_kernel_element_codes() {
    let mut m = module(SRC);
    let op = m.genes[0]
        .code
        .iter_mut()
        .find(|op| matches!(op, rdx_vm::ops::Op::Kernel { .. }))
        .expect("kernel op");
    if let rdx_vm::ops::Op::Kernel { elem, .. } = op {
        *elem = rdx_vm::ops::Word(9);
    }
    let e = Module::decode(&m.encode()).expect_err("bad element code");
    assert!(e.to_string().contains("unknown element type 9"), "{e}");
}

#[test]
fn negative_zeros_from_kernels_close_zero_locals() {
    // flipsign turns +0.0 into −0.0; the interpreter stores it as +0.0, so the local closes.
    let src = "gene main(n: u64) {\n    local t: f64[2] = 0\n    call flip(t)\n    delocal t = 0\n    n += 1\n}\n\
               gene flip(y: f64[2]) {\n    kernel flipsign(y)\n}\n";
    let m = module(src);
    let mut s = vec![Value::Int(0)];
    host().run(&m, 0, &mut s, Direction::Forward).unwrap();
    host().run(&m, 0, &mut s, Direction::Backward).unwrap();
    let mut x = vec![f64s(&[0.0, -3.0])];
    host().run(&m, 1, &mut x, Direction::Forward).unwrap();
    assert_eq!(x, vec![f64s(&[0.0, 3.0])]);
}
