//! Kernels for the CLI: the `--kernel FILE.wasm` option, the catalogue the checker gets (I4, I5,
//! E0215/E0216), and the bridge that lets the interpreter run `kernel` statements on the
//! WebAssembly host.
//!
//! The stdlib catalogue is read from the kernels' metadata sections without compiling them,
//! so `rdx check` and programs without kernels pay nothing for wasmtime; a [`KernelHost`] is
//! created only when a module actually calls a kernel, or when `--kernel` files must be
//! validated.

use crate::frontend::usage_error;
use rdx_kernels::{Buffer, Complex64, ElemType, KernelHost, KernelInfo, Kind, Limits, NORM_TOLERANCE};
use rdx_lang::ast::Elem;
use rdx_lang::kernels::KernelSig;
use rdx_vm::Module;
use rdx_vm::ops::Op;
use std::path::PathBuf;
use std::process::ExitCode;

/// `--kernel FILE.wasm`, shared by the subcommands that need kernels.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct KernelArgs {
    /// Load a user kernel (a WebAssembly module with `rdx.kernel` metadata, see
    /// spec/kernels.md); its name and its mirror's become usable as `kernel NAME(buf)`.
    /// Repeatable.
    #[arg(long = "kernel", value_name = "FILE.wasm")]
    pub kernel: Vec<PathBuf>,
}

/// The language's element type for a kernel element type.
pub fn elem_of(e: ElemType) -> Elem {
    match e {
        ElemType::U64 => Elem::U64,
        ElemType::I64 => Elem::I64,
        ElemType::F64 => Elem::F64,
        ElemType::C64 => Elem::C64,
    }
}

/// What the checker needs to know about a loaded kernel.
pub fn sig_of(k: &KernelInfo) -> KernelSig {
    KernelSig {
        name: k.name.clone(),
        mirror: k.mirror.clone(),
        elem: elem_of(k.elem),
        exact: k.kind == Kind::Exact,
        order: k.order,
    }
}

/// The stdlib kernels' signatures, from their metadata sections (no compilation).
fn stdlib_catalogue() -> Vec<KernelSig> {
    let mut out = Vec::new();
    for (_, wasm) in rdx_kernels::stdlib::MODULES {
        let Ok(sections) = rdx_kernels::meta::custom_sections(wasm, rdx_kernels::meta::SECTION) else {
            continue;
        };
        let Some(meta) = sections.first().and_then(|s| std::str::from_utf8(s).ok()) else { continue };
        let Ok(m) = rdx_kernels::meta::parse(meta) else { continue };
        let sig = KernelSig {
            name: m.name.clone(),
            mirror: m.mirror.clone(),
            elem: elem_of(m.elem),
            exact: m.kind == Kind::Exact,
            order: m.order,
        };
        if m.mirror != m.name {
            out.push(KernelSig { name: m.mirror.clone(), mirror: m.name.clone(), ..sig.clone() });
        }
        out.push(sig);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// A host with the stdlib kernels and the `--kernel` files loaded. A file that does not load
/// is a usage error (exit 2) with the host's message.
pub fn host(args: &KernelArgs) -> Result<KernelHost, ExitCode> {
    let mut host = KernelHost::new(Limits::default()).map_err(|e| usage_error(&e.to_string()))?;
    host.register_stdlib().map_err(|e| usage_error(&e.to_string()))?;
    for path in &args.kernel {
        host.load_user(path).map_err(|e| usage_error(&e.to_string()))?;
    }
    Ok(host)
}

/// The catalogue for the checker: the stdlib kernels plus the `--kernel` files (loaded and
/// validated through a host only when there are any).
pub fn catalogue(args: &KernelArgs) -> Result<Vec<KernelSig>, ExitCode> {
    if args.kernel.is_empty() {
        return Ok(stdlib_catalogue());
    }
    Ok(host(args)?.kernels().iter().map(sig_of).collect())
}

/// Whether running the module needs a kernel host: it calls a kernel or passes float buffers.
pub fn needs_host(m: &Module) -> bool {
    m.genes.iter().any(|g| {
        g.code.iter().any(|op| matches!(op, Op::Kernel { .. } | Op::KernelInv { .. }))
            || g.params.iter().any(|p| matches!(p.ty, rdx_lang::ast::Type::Array(e, _) if e.is_float()))
    })
}

/// The interpreter's view of the WebAssembly host: converts the buffer's words to a typed
/// buffer, runs the kernel (or its mirror; checked with `--checked`) and writes the result
/// back.
pub struct HostCall {
    pub host: KernelHost,
    /// `--checked`: each call verifies its promise (norm preserved within 1e-9 relative for a
    /// unitary kernel, bit-exact inverse for an exact one) and, for a unitary kernel whose
    /// order divides 4, that applying it `order` times gives the input back (dynamic I5).
    pub checked: bool,
}

fn to_buffer(elem: Elem, words: &[u64]) -> Buffer {
    match elem {
        Elem::U64 => Buffer::U64(words.to_vec()),
        Elem::I64 => Buffer::I64(words.iter().map(|&w| w as i64).collect()),
        Elem::F64 => Buffer::F64(words.iter().map(|&w| f64::from_bits(w)).collect()),
        Elem::C64 => Buffer::C64(
            words
                .chunks_exact(2)
                .map(|p| Complex64::new(f64::from_bits(p[0]), f64::from_bits(p[1])))
                .collect(),
        ),
    }
}

fn from_buffer(buf: &Buffer, words: &mut [u64]) {
    match buf {
        Buffer::U64(v) => words.iter_mut().zip(v).for_each(|(w, x)| *w = *x),
        Buffer::I64(v) => words.iter_mut().zip(v).for_each(|(w, x)| *w = *x as u64),
        Buffer::F64(v) => words.iter_mut().zip(v).for_each(|(w, x)| *w = x.to_bits()),
        Buffer::C64(v) => words.chunks_exact_mut(2).zip(v).for_each(|(w, z)| {
            w[0] = z.re.to_bits();
            w[1] = z.im.to_bits();
        }),
    }
}

impl rdx_vm::KernelCall for HostCall {
    fn call(&mut self, name: &str, inverse: bool, elem: Elem, words: &mut [u64]) -> Result<(), String> {
        let mut buf = to_buffer(elem, words);
        if !self.checked {
            let r =
                if inverse { self.host.call_mirror(name, &mut buf) } else { self.host.call(name, &mut buf) };
            r.map_err(|e| e.to_string())?;
            from_buffer(&buf, words);
            return Ok(());
        }
        let Some(info) = self.host.get(name) else {
            return Err(rdx_kernels::KernelError::UnknownKernel { name: name.to_string() }.to_string());
        };
        let target = if inverse { info.mirror.clone() } else { info.name.clone() };
        let input = buf.clone();
        self.host.call_checked(&target, &mut buf).map_err(|e| e.to_string())?;
        // The dynamic half of I5: a unitary kernel declaring an order that divides 4 must give
        // the input back after that many applications.
        if info.kind == Kind::Unitary && info.order_divides_4() {
            let back = self.host.verify_order(&target, &input, NORM_TOLERANCE).map_err(|e| e.to_string())?;
            if !back {
                return Err(format!(
                    "kernel `{target}` declares order {}, but applying it {} times did not give the input back (I5)",
                    info.order, info.order
                ));
            }
        }
        from_buffer(&buf, words);
        Ok(())
    }
}
