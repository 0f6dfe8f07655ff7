//! Property: for random buffers, running a gene of kernel calls forward and then backward on
//! the interpreter (with the real stdlib kernels behind `rdx_vm::KernelCall`) gives the input
//! back: bit for bit for the integer kernels, within 1e-12 relative for the float ones. The
//! JIT, with its own host, gives bit for bit the interpreter's states both ways.

use proptest::prelude::*;
use rdx_kernels::{Buffer, Complex64, KernelHost, Limits};
use rdx_lang::ast::Elem;
use rdx_lang::check::{CheckOptions, check};
use rdx_lang::kernels::KernelSig;
use rdx_vm::{Direction, Engine, Interpreter, KernelCall, Value};

/// The test's bridge to the host (the CLI has its own in `src/kernels.rs`).
struct Bridge(KernelHost);

impl KernelCall for Bridge {
    fn call(&mut self, name: &str, inverse: bool, elem: Elem, words: &mut [u64]) -> Result<(), String> {
        let mut buf = match elem {
            Elem::U64 => Buffer::U64(words.to_vec()),
            Elem::I64 => Buffer::I64(words.iter().map(|&w| w as i64).collect()),
            Elem::F64 => Buffer::F64(words.iter().map(|&w| f64::from_bits(w)).collect()),
            Elem::C64 => Buffer::C64(
                words
                    .chunks_exact(2)
                    .map(|p| Complex64::new(f64::from_bits(p[0]), f64::from_bits(p[1])))
                    .collect(),
            ),
        };
        let r = if inverse { self.0.call_mirror(name, &mut buf) } else { self.0.call(name, &mut buf) };
        r.map_err(|e| e.to_string())?;
        let out: Vec<u64> = match buf {
            Buffer::U64(v) => v,
            Buffer::I64(v) => v.into_iter().map(|x| x as u64).collect(),
            Buffer::F64(v) => v.into_iter().map(f64::to_bits).collect(),
            Buffer::C64(v) => v.into_iter().flat_map(|z| [z.re.to_bits(), z.im.to_bits()]).collect(),
        };
        words.copy_from_slice(&out);
        Ok(())
    }
}

fn host() -> KernelHost {
    let mut h = KernelHost::new(Limits::default()).expect("host");
    h.register_stdlib().expect("stdlib");
    h
}

fn catalogue(h: &KernelHost) -> Vec<KernelSig> {
    h.kernels()
        .iter()
        .map(|k| KernelSig {
            name: k.name.clone(),
            mirror: k.mirror.clone(),
            elem: match k.elem {
                rdx_kernels::ElemType::U64 => Elem::U64,
                rdx_kernels::ElemType::I64 => Elem::I64,
                rdx_kernels::ElemType::F64 => Elem::F64,
                rdx_kernels::ElemType::C64 => Elem::C64,
            },
            exact: k.kind == rdx_kernels::Kind::Exact,
            order: k.order,
        })
        .collect()
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
        it.set_kernels(Box::new(Bridge(host())));
        let mut jit = rdx_jit::Jit::new();
        jit.set_kernels(Box::new(Bridge(host())));
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
