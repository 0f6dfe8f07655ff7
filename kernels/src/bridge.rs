//! The kernels as the rest of rdx sees them: the catalogue the checker gets
//! ([`rdx_lang::kernels::KernelSig`]: names, mirrors, element types, I4/I5 facts) and
//! [`HostCall`], the [`rdx_vm::KernelCall`] through which both engines run `kernel` statements
//! on a [`KernelHost`]. The `rdx` command, the Python package and the tests all use these.

use crate::meta::LengthRule;
use crate::{Buffer, Complex64, ElemType, KernelError, KernelHost, KernelInfo, Kind, NORM_TOLERANCE};
use rdx_lang::ast::Elem;
use rdx_lang::kernels::KernelSig;
use rdx_vm::ops::Op;
use rdx_vm::{KernelCallError, KernelCallErrorKind, Module};

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
    sig(&k.name, &k.mirror, k.elem, k.kind, k.order, (k.length, k.max_len))
}

fn sig(
    name: &str,
    mirror: &str,
    elem: ElemType,
    kind: Kind,
    order: u32,
    (length, max_len): (LengthRule, Option<usize>),
) -> KernelSig {
    KernelSig {
        name: name.into(),
        mirror: mirror.into(),
        elem: elem_of(elem),
        exact: kind == Kind::Exact,
        order,
        power_of_two: length == LengthRule::PowerOfTwo,
        max_len: max_len.map(|n| n as u64),
    }
}

/// The stdlib kernels' signatures (each kernel and its mirror), read from their metadata
/// sections without compiling them, sorted by name.
pub fn stdlib_catalogue() -> Vec<KernelSig> {
    let mut out = Vec::new();
    for (_, wasm) in crate::stdlib::MODULES {
        let Ok(sections) = crate::meta::custom_sections(wasm, crate::meta::SECTION) else {
            continue;
        };
        let Some(meta) = sections.first().and_then(|s| std::str::from_utf8(s).ok()) else { continue };
        let Ok(m) = crate::meta::parse(meta) else { continue };
        let lengths = (m.length, m.max_len);
        if m.mirror != m.name {
            out.push(sig(&m.mirror, &m.name, m.elem, m.kind, m.order, lengths));
        }
        out.push(sig(&m.name, &m.mirror, m.elem, m.kind, m.order, lengths));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Whether running the module needs a kernel host: it calls a kernel or passes float buffers.
pub fn needs_host(m: &Module) -> bool {
    m.genes.iter().any(|g| {
        g.code.iter().any(|op| matches!(op, Op::Kernel { .. } | Op::KernelInv { .. }))
            || g.params.iter().any(|p| matches!(p.ty, rdx_lang::ast::Type::Array(e, _) if e.is_float()))
    })
}

/// An engine's view of the WebAssembly host: converts the buffer's words to a typed buffer,
/// runs the kernel (or its mirror; checked when `checked`) and writes the result back.
pub struct HostCall {
    pub host: KernelHost,
    /// Each call verifies its promise ([`KernelHost::call_checked`]: norm preserved for a
    /// unitary kernel, the mirror restoring the input, to 1e-9 relative for a unitary kernel
    /// and bit for bit for an exact one, a self-mirror kernel applied twice giving the input
    /// back) and, for a unitary kernel whose order divides 4, that applying it `order` times
    /// gives the input back (dynamic I5).
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

/// The host's error as an engine reports it: the same message, classified.
impl From<KernelError> for KernelCallError {
    fn from(e: KernelError) -> KernelCallError {
        use KernelCallErrorKind as K;
        let message = e.to_string();
        let (kind, kernel) = match e {
            KernelError::UnknownKernel { name } => (K::UnknownKernel, name),
            KernelError::WrongElement { kernel, .. }
            | KernelError::NotPowerOfTwo { kernel, .. }
            | KernelError::TooLong { kernel, .. } => (K::BadBuffer, kernel),
            KernelError::FuelExhausted { kernel, .. } | KernelError::MemoryCap { kernel, .. } => {
                (K::Limit, kernel)
            }
            KernelError::Trap { kernel, .. } => (K::Trap, kernel),
            KernelError::NormNotPreserved { kernel, .. }
            | KernelError::NotInverted { kernel, .. }
            | KernelError::NotSelfInverse { kernel } => (K::Broken, kernel),
            KernelError::DuplicateKernel { name, .. } => (K::Other, name),
            KernelError::Io { origin, .. }
            | KernelError::BadModule { origin, .. }
            | KernelError::ImportRejected { origin, .. }
            | KernelError::OverLimit { origin, .. }
            | KernelError::BadMetadata { origin, .. } => (K::Other, origin),
        };
        KernelCallError { kind, kernel, message }
    }
}

impl rdx_vm::KernelCall for HostCall {
    fn call(
        &mut self,
        name: &str,
        inverse: bool,
        elem: Elem,
        words: &mut [u64],
    ) -> Result<(), KernelCallError> {
        let mut buf = to_buffer(elem, words);
        if !self.checked {
            let r =
                if inverse { self.host.call_mirror(name, &mut buf) } else { self.host.call(name, &mut buf) };
            r?;
            from_buffer(&buf, words);
            return Ok(());
        }
        let Some(info) = self.host.get(name) else {
            return Err(KernelError::UnknownKernel { name: name.to_string() }.into());
        };
        // The same export as the unchecked call: looking the mirror up by name would find
        // `forward` again for a self-mirror kernel, where the unchecked call runs `inverse`.
        let target = if inverse { info.mirror.clone() } else { info.name.clone() };
        let input = buf.clone();
        if inverse {
            self.host.call_mirror_checked(name, &mut buf)?;
        } else {
            self.host.call_checked(name, &mut buf)?;
        }
        // The dynamic half of I5: a unitary kernel declaring an order that divides 4 must give
        // the input back after that many applications.
        if info.kind == Kind::Unitary && info.order_divides_4() {
            let back = if inverse {
                self.host.verify_mirror_order(name, &input, NORM_TOLERANCE)?
            } else {
                self.host.verify_order(name, &input, NORM_TOLERANCE)?
            };
            if !back {
                let message = format!(
                    "kernel `{target}` declares order {}, but applying it {} times did not give the input back (I5)",
                    info.order, info.order
                );
                return Err(KernelCallError::new(KernelCallErrorKind::Broken, target, message));
            }
        }
        from_buffer(&buf, words);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdx_vm::KernelCall;

    #[test]
    fn the_catalogue_lists_every_stdlib_kernel_and_mirror() {
        let names: Vec<String> = stdlib_catalogue().into_iter().map(|s| s.name).collect();
        for k in ["fft", "ifft", "wht", "kravchuk", "haar", "unhaar", "gray", "ungray", "bitrev"] {
            assert!(names.iter().any(|n| n == k), "{k} missing from {names:?}");
        }
    }

    #[test]
    fn a_call_and_its_mirror_restore_the_words() {
        for checked in [false, true] {
            let mut call = HostCall { host: KernelHost::new(crate::Limits::default()).unwrap(), checked };
            call.host.register_stdlib().unwrap();
            let input: Vec<u64> =
                [1.0f64, 2.0, -3.0, 0.5, 0.0, 1.0, 4.0, -1.0].iter().map(|x| x.to_bits()).collect();
            let mut w = input.clone();
            call.call("fft", false, Elem::C64, &mut w).unwrap();
            assert_ne!(w, input);
            call.call("fft", true, Elem::C64, &mut w).unwrap();
            let back: Vec<f64> = w.iter().map(|&x| f64::from_bits(x)).collect();
            let want: Vec<f64> = input.iter().map(|&x| f64::from_bits(x)).collect();
            assert!(back.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-12), "{back:?}");
            let e = call.call("nope", false, Elem::C64, &mut w).unwrap_err();
            assert_eq!((e.kind, e.kernel.as_str()), (KernelCallErrorKind::UnknownKernel, "nope"));
            assert_eq!(e.message, "unknown kernel `nope`");
        }
    }
}
