//! The kernel catalogue as the checker sees it: plain data, no WebAssembly.
//!
//! The front end does not run kernels; it only needs to know which names exist, which element
//! type each works on, and the metadata that invariants I4 and I5 rest on. The CLI builds a
//! [`KernelSig`] list from its kernel host (stdlib kernels plus `--kernel` files) and passes it
//! in [`crate::check::CheckOptions::kernels`].

use crate::ast::{Elem, Span};

/// What the checker knows about one kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelSig {
    /// The kernel's name, as written in `kernel NAME(buf)`.
    pub name: String,
    /// The kernel that undoes it (its own name for a self-mirror kernel).
    pub mirror: String,
    /// Element type of the buffer it transforms.
    pub elem: Elem,
    /// `true`: exact (integer, bit-exact inverse); `false`: unitary (float, norm-preserving).
    pub exact: bool,
    /// The smallest k ≥ 1 with Kᵏ = I, or 0 when none is declared.
    pub order: u32,
    /// It takes only buffers whose length is a power of two (`fft`, `wht`).
    pub power_of_two: bool,
    /// The longest buffer it takes, if it declares one.
    pub max_len: Option<u64>,
}

impl KernelSig {
    /// I5: the declared order divides 4 (eigenphases in the quarter turns).
    pub fn order_divides_4(&self) -> bool {
        matches!(self.order, 1 | 2 | 4)
    }

    /// `exact` or `unitary`.
    pub fn kind_str(&self) -> &'static str {
        if self.exact { "exact" } else { "unitary" }
    }
}

/// One `kernel` statement of a checked program, with the catalogue entry it resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelUse {
    /// The catalogue entry.
    pub sig: KernelSig,
    /// The statement's span.
    pub span: Span,
}

/// Looks a kernel up by name.
pub fn find<'a>(catalogue: &'a [KernelSig], name: &str) -> Option<&'a KernelSig> {
    catalogue.iter().find(|k| k.name == name)
}
