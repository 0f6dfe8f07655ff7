//! Buffers: the typed, host-side arrays a kernel transforms in place, and their
//! little-endian image in a kernel's linear memory.

use num_complex::Complex64;

use crate::meta::ElemType;

/// A buffer of one of the four kernel element types.
#[derive(Debug, Clone, PartialEq)]
pub enum Buffer {
    /// `f64[N]`
    F64(Vec<f64>),
    /// `c64[N]`, stored as interleaved (re, im) pairs in linear memory.
    C64(Vec<Complex64>),
    /// `u64[N]`
    U64(Vec<u64>),
    /// `i64[N]`
    I64(Vec<i64>),
}

impl Buffer {
    /// The element type.
    pub fn elem(&self) -> ElemType {
        match self {
            Buffer::F64(_) => ElemType::F64,
            Buffer::C64(_) => ElemType::C64,
            Buffer::U64(_) => ElemType::U64,
            Buffer::I64(_) => ElemType::I64,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Buffer::F64(v) => v.len(),
            Buffer::C64(v) => v.len(),
            Buffer::U64(v) => v.len(),
            Buffer::I64(v) => v.len(),
        }
    }

    /// Whether the buffer has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Σ|xᵢ|², the quantity a unitary kernel preserves (integers are converted to f64).
    pub fn norm_sqr(&self) -> f64 {
        match self {
            Buffer::F64(v) => v.iter().map(|x| x * x).sum(),
            Buffer::C64(v) => v.iter().map(|z| z.norm_sqr()).sum(),
            Buffer::U64(v) => v.iter().map(|&x| (x as f64) * (x as f64)).sum(),
            Buffer::I64(v) => v.iter().map(|&x| (x as f64) * (x as f64)).sum(),
        }
    }

    /// Σ|xᵢ|² as `(m, s)` with Σ|xᵢ|² = m²·s: `m` the largest magnitude of a component, `s`
    /// the sum of the squares scaled by it, so values near `f64::MAX` do not overflow the sum
    /// (`(0, 0)` for a zero buffer). `None` when a value is NaN or infinite.
    pub fn scaled_norm_sqr(&self) -> Option<(f64, f64)> {
        let parts: Vec<f64> = match self {
            Buffer::F64(v) => v.clone(),
            Buffer::C64(v) => v.iter().flat_map(|z| [z.re, z.im]).collect(),
            Buffer::U64(v) => v.iter().map(|&x| x as f64).collect(),
            Buffer::I64(v) => v.iter().map(|&x| x as f64).collect(),
        };
        if !parts.iter().all(|x| x.is_finite()) {
            return None;
        }
        let m = parts.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        if m == 0.0 {
            return Some((0.0, 0.0));
        }
        Some((m, parts.iter().map(|x| (x / m) * (x / m)).sum()))
    }

    /// Size of the buffer's image in linear memory.
    pub fn byte_len(&self) -> usize {
        self.len() * self.elem().size()
    }

    /// Writes the little-endian image; `dst` is exactly `byte_len()` long.
    pub(crate) fn write_le(&self, dst: &mut [u8]) {
        match self {
            Buffer::F64(v) => {
                for (d, x) in dst.chunks_exact_mut(8).zip(v) {
                    d.copy_from_slice(&x.to_le_bytes());
                }
            }
            Buffer::C64(v) => {
                for (d, z) in dst.chunks_exact_mut(16).zip(v) {
                    d[..8].copy_from_slice(&z.re.to_le_bytes());
                    d[8..].copy_from_slice(&z.im.to_le_bytes());
                }
            }
            Buffer::U64(v) => {
                for (d, x) in dst.chunks_exact_mut(8).zip(v) {
                    d.copy_from_slice(&x.to_le_bytes());
                }
            }
            Buffer::I64(v) => {
                for (d, x) in dst.chunks_exact_mut(8).zip(v) {
                    d.copy_from_slice(&x.to_le_bytes());
                }
            }
        }
    }

    /// Reads the elements back from their little-endian image (`src` is `byte_len()` long).
    pub(crate) fn read_le(&mut self, src: &[u8]) {
        fn word(b: &[u8]) -> [u8; 8] {
            let mut w = [0; 8];
            w.copy_from_slice(b);
            w
        }
        match self {
            Buffer::F64(v) => {
                for (x, s) in v.iter_mut().zip(src.chunks_exact(8)) {
                    *x = f64::from_le_bytes(word(s));
                }
            }
            Buffer::C64(v) => {
                for (z, s) in v.iter_mut().zip(src.chunks_exact(16)) {
                    z.re = f64::from_le_bytes(word(&s[..8]));
                    z.im = f64::from_le_bytes(word(&s[8..]));
                }
            }
            Buffer::U64(v) => {
                for (x, s) in v.iter_mut().zip(src.chunks_exact(8)) {
                    *x = u64::from_le_bytes(word(s));
                }
            }
            Buffer::I64(v) => {
                for (x, s) in v.iter_mut().zip(src.chunks_exact(8)) {
                    *x = i64::from_le_bytes(word(s));
                }
            }
        }
    }

    /// Whether two buffers are equal: bit for bit for integers, within `rel` relative
    /// distance (‖a − b‖₂ ≤ rel·max(‖a‖₂, ‖b‖₂)) for floats, computed at a common scale so that
    /// values near `f64::MAX` do not overflow; a NaN or an infinity must meet the same at its
    /// place (and is left out of the norms). Different types or lengths are unequal.
    pub fn approx_eq(&self, other: &Buffer, rel: f64) -> bool {
        self.close_to(other, rel, 0.0)
    }

    /// [`Self::approx_eq`] with an absolute floor for floats: equal when
    /// ‖a − b‖₂ ≤ rel·max(‖a‖₂, ‖b‖₂) + abs. The floor lets values in the subnormal range,
    /// which have no relative precision, differ by their rounding.
    pub fn close_to(&self, other: &Buffer, rel: f64, abs: f64) -> bool {
        let parts = |b: &Buffer| -> Vec<f64> {
            match b {
                Buffer::F64(v) => v.clone(),
                Buffer::C64(v) => v.iter().flat_map(|z| [z.re, z.im]).collect(),
                _ => Vec::new(),
            }
        };
        let (a, b) = match (self, other) {
            (Buffer::U64(a), Buffer::U64(b)) => return a == b,
            (Buffer::I64(a), Buffer::I64(b)) => return a == b,
            (Buffer::F64(x), Buffer::F64(y)) if x.len() == y.len() => (parts(self), parts(other)),
            (Buffer::C64(x), Buffer::C64(y)) if x.len() == y.len() => (parts(self), parts(other)),
            _ => return false,
        };
        let same_kind = |x: f64, y: f64| (x.is_nan() && y.is_nan()) || x == y;
        let both_finite = |x: f64, y: f64| x.is_finite() && y.is_finite();
        if !a.iter().zip(&b).all(|(&x, &y)| both_finite(x, y) || same_kind(x, y)) {
            return false;
        }
        let finite = || a.iter().zip(&b).filter(|(x, y)| x.is_finite() && y.is_finite());
        let m = finite().fold(0.0f64, |m, (x, y)| m.max(x.abs()).max(y.abs()));
        if m == 0.0 {
            return true;
        }
        let sq = |v: f64| (v / m) * (v / m);
        let diff: f64 = finite().map(|(x, y)| sq(x - y)).sum();
        let na: f64 = finite().map(|(x, _)| sq(*x)).sum();
        let nb: f64 = finite().map(|(_, y)| sq(*y)).sum();
        // (x − y) of two values near f64::MAX can itself overflow: then they are far apart.
        diff.is_finite() && diff.sqrt() <= rel * na.max(nb).sqrt() + abs / m
    }
}
