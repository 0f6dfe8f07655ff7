//! Property: for random buffers, running a gene of kernel calls forward and then backward on
//! the interpreter (with the real stdlib kernels behind `rdx_vm::KernelCall`) gives the input
//! back: bit for bit for the integer kernels, within 1e-12 relative for the float ones. The
//! JIT, with its own host, gives bit for bit the interpreter's states both ways.

use proptest::prelude::*;
use rdx_kernels::bridge::HostCall;
use rdx_kernels::{KernelHost, Limits};
use rdx_lang::check::{CheckOptions, check};
use rdx_lang::kernels::KernelSig;
use rdx_vm::{Direction, Engine, Interpreter, Value};

fn host() -> KernelHost {
    let mut h = KernelHost::new(Limits::default()).expect("host");
    h.register_stdlib().expect("stdlib");
    h
}

fn catalogue(h: &KernelHost) -> Vec<KernelSig> {
    h.kernels().iter().map(rdx_kernels::bridge::sig_of).collect()
}

fn module(n: usize) -> rdx_vm::Module {
    let src = format!(
        "gene main(z: c64[{n}], x: f64[{n}], a: i64[{n}], g: u64[{n}]) {{
            kernel fft(z)
            kernel bitrev(z)
            undo kernel fft(z)
            kernel wht(x)
            kernel kravchuk(x)
            kernel haar(a)
            kernel gray(g)
            call inner(z)
        }}
        gene inner(w: c64[{n}]) {{
            local t: c64[{n}] = 0
            kernel ifft(w)
            kernel fft(t)
            delocal t = 0
        }}"
    );
    let h = host();
    let cat = catalogue(&h);
    let p = rdx_lang::parser::parse(&src).expect("parses");
    let c = check(&p, &CheckOptions { strict: false, kernels: &cat }).expect("checks");
    rdx_vm::compile(&c, "props.rdx", &src).expect("compiles")
}

fn floats(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(w) => w.iter().map(|&x| f64::from_bits(x)).collect(),
        _ => Vec::new(),
    }
}

fn close(a: &[f64], b: &[f64]) -> bool {
    let diff: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>().sqrt();
    let norm: f64 = b.iter().map(|y| y * y).sum::<f64>().sqrt();
    a.len() == b.len() && diff <= 1e-12 * norm.max(f64::MIN_POSITIVE)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn forward_then_backward_is_the_identity(
        log in 0u32..7,
        seed in prop::collection::vec(-1e3f64..1e3, 128 * 3),
        ints in prop::collection::vec(any::<u64>(), 128),
    ) {
        let n = 1usize << log;
        let m = module(n);
        let z = Value::Array(seed[..2 * n].iter().map(|x| x.to_bits()).collect());
        let x = Value::Array(seed[2 * n..3 * n].iter().map(|x| x.to_bits()).collect());
        let a = Value::Array(ints[..n].to_vec());
        let g = Value::Array(ints[64..64 + n].to_vec());
        let input = vec![z, x, a, g];
        let mut it = Interpreter::new();
        it.set_kernels(Box::new(HostCall { host: host(), checked: false }));
        let mut jit = rdx_jit::Jit::new();
        jit.set_kernels(Box::new(HostCall { host: host(), checked: false }));
        prop_assert!(rdx_jit::trust::trusted(&m), "kernel module not compiled");
        let gene = m.gene_index("main").expect("main");
        let mut s = input.clone();
        let mut j = input.clone();
        it.run(&m, gene, &mut s, Direction::Forward).expect("forward");
        jit.run(&m, gene, &mut j, Direction::Forward).expect("JIT forward");
        prop_assert_eq!(&j, &s, "JIT and interpreter differ forward");
        if n > 1 {
            prop_assert_ne!(&s[2], &input[2], "haar changed nothing");
        }
        it.run(&m, gene, &mut s, Direction::Backward).expect("backward");
        jit.run(&m, gene, &mut j, Direction::Backward).expect("JIT backward");
        prop_assert_eq!(&j, &s, "JIT and interpreter differ backward");
        prop_assert!(close(&floats(&s[0]), &floats(&input[0])), "z: {:?}", floats(&s[0]));
        prop_assert!(close(&floats(&s[1]), &floats(&input[1])), "x: {:?}", floats(&s[1]));
        prop_assert_eq!(&s[2], &input[2]);
        prop_assert_eq!(&s[3], &input[3]);
    }
}
