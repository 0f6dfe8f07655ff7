//! The one error type of the kernel host. Every message names the kernel (or the module's
//! origin) it is about, so the CLI can print it as it is.

use std::fmt;

use crate::meta::{ElemType, Kind};

/// Everything that can go wrong when loading or calling a kernel.
#[derive(Debug, Clone, PartialEq)]
pub enum KernelError {
    /// No kernel of this name is registered.
    UnknownKernel { name: String },
    /// A second kernel tried to take a name already in use.
    DuplicateKernel { name: String, origin: String },
    /// A kernel file could not be read.
    Io { origin: String, message: String },
    /// The bytes are not a valid WebAssembly module, or the module does not have the ABI's exports.
    BadModule { origin: String, reason: String },
    /// The module is over one of the size bounds checked before it is compiled
    /// (`spec/kernels.md` §2): `what` is `found`, the bound is `max`.
    OverLimit { origin: String, what: String, found: usize, max: usize },
    /// The module imports something; kernels may import nothing.
    ImportRejected { origin: String, import: String },
    /// The `rdx.kernel` metadata section is missing or wrong.
    BadMetadata { origin: String, reason: String },
    /// The call ran out of fuel: the kernel looped too long (probably forever).
    FuelExhausted { kernel: String, fuel: u64, len: Option<usize> },
    /// The kernel (or the buffer it was given) needed more linear memory than allowed: than the
    /// host's cap of `cap_bytes` ([`crate::Limits::memory_bytes`]), or, when `module_max_bytes`
    /// is set, than the maximum the module declares for its own memory. `needed_bytes` is set
    /// when it was the host growing the memory for the buffer that failed: the memory size the
    /// buffer needs (`rdx_base` plus its length in bytes).
    MemoryCap {
        kernel: String,
        cap_bytes: usize,
        module_max_bytes: Option<usize>,
        needed_bytes: Option<usize>,
    },
    /// The kernel trapped (unreachable, out-of-bounds access, division by zero, ...).
    Trap { kernel: String, message: String },
    /// The buffer's element type is not the kernel's.
    WrongElement { kernel: String, expected: ElemType, found: ElemType },
    /// The kernel needs a power-of-two length.
    NotPowerOfTwo { kernel: String, len: usize },
    /// The buffer is longer than the kernel (or the 32-bit address space) allows.
    TooLong { kernel: String, len: usize, max: usize },
    /// A checked call of a unitary kernel changed the buffer's norm √(Σ|xᵢ|²) (`before`,
    /// `after`).
    NormNotPreserved { kernel: String, before: f64, after: f64 },
    /// A checked call: the mirror did not give the input back (bit for bit for an exact
    /// kernel, within [`crate::NORM_TOLERANCE`] relative for a unitary one).
    NotInverted { kernel: String, mirror: String, kind: Kind },
    /// A checked call of a self-mirror kernel (K = K⁻¹): applying it twice did not give the
    /// input back.
    NotSelfInverse { kernel: String },
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::UnknownKernel { name } => write!(f, "unknown kernel `{name}`"),
            KernelError::DuplicateKernel { name, origin } => {
                write!(f, "kernel `{name}` from {origin}: a kernel of that name is already loaded")
            }
            KernelError::Io { origin, message } => write!(f, "cannot read kernel {origin}: {message}"),
            KernelError::BadModule { origin, reason } => write!(f, "kernel module {origin}: {reason}"),
            KernelError::OverLimit { origin, what, found, max } => {
                write!(f, "kernel module {origin}: {what} is {found}, over the limit of {max}")
            }
            KernelError::ImportRejected { origin, import } => {
                write!(f, "kernel module {origin} imports `{import}`: kernels may not import anything")
            }
            KernelError::BadMetadata { origin, reason } => {
                write!(f, "kernel module {origin}: bad `rdx.kernel` metadata: {reason}")
            }
            KernelError::FuelExhausted { kernel, fuel, len: None } => write!(
                f,
                "kernel `{kernel}`: fuel exhausted (ran more than {fuel} fuel units; does it loop forever?)"
            ),
            KernelError::FuelExhausted { kernel, fuel, len: Some(len) } => write!(
                f,
                "kernel `{kernel}`: fuel exhausted on a buffer of {len} elements (more than {fuel} fuel \
                 units, one call's budget): it loops forever, or the buffer is too long for the budget"
            ),
            KernelError::MemoryCap { kernel, cap_bytes, module_max_bytes, needed_bytes } => {
                match module_max_bytes {
                    None => write!(f, "kernel `{kernel}`: memory cap of {cap_bytes} bytes exceeded")?,
                    Some(max) => {
                        let pages = max / WASM_PAGE;
                        let s = if pages == 1 { "" } else { "s" };
                        write!(
                            f,
                            "kernel `{kernel}`: the module's memory maximum of {max} bytes ({pages} page{s} of \
                             64 KiB) exceeded"
                        )?
                    }
                }
                match needed_bytes {
                    Some(needed) => write!(
                        f,
                        ": the buffer, placed at `rdx_base`, needs a memory of {needed} bytes{}",
                        if module_max_bytes.is_some() {
                            " (declare a larger maximum in the module, or pass a shorter buffer)"
                        } else {
                            ""
                        }
                    ),
                    None => Ok(()),
                }
            }
            KernelError::Trap { kernel, message } => write!(f, "kernel `{kernel}` trapped: {message}"),
            KernelError::WrongElement { kernel, expected, found } => {
                write!(f, "kernel `{kernel}` works on {expected} buffers, not {found}")
            }
            KernelError::NotPowerOfTwo { kernel, len } => {
                write!(f, "kernel `{kernel}` needs a buffer whose length is a power of two, not {len}")
            }
            KernelError::TooLong { kernel, len, max } => {
                write!(f, "kernel `{kernel}`: buffer length {len} is over its maximum {max}")
            }
            KernelError::NormNotPreserved { kernel, before, after } => {
                // `{:e}` prints the shortest text that reads back as the same double, so two
                // different norms never print the same.
                let shown = |x: f64| if x == 0.0 { "0".to_string() } else { format!("{x:e}") };
                write!(
                    f,
                    "kernel `{kernel}` did not preserve the norm: sqrt(sum |x|^2) was {}, is {}",
                    shown(*before),
                    shown(*after)
                )
            }
            KernelError::NotInverted { kernel, mirror, kind: Kind::Exact } => write!(
                f,
                "kernel `{kernel}` is declared exact, but its mirror `{mirror}` did not restore the input"
            ),
            KernelError::NotInverted { kernel, mirror, kind: Kind::Unitary } => write!(
                f,
                "kernel `{kernel}` is declared unitary, but its mirror `{mirror}` did not restore the input \
                 (to {:e} relative)",
                crate::NORM_TOLERANCE
            ),
            KernelError::NotSelfInverse { kernel } => write!(
                f,
                "kernel `{kernel}` is declared its own mirror, but applying it twice did not give the input back"
            ),
        }
    }
}

impl std::error::Error for KernelError {}

/// The size of a WebAssembly page, the unit of a memory's declared limits.
const WASM_PAGE: usize = 65536;
