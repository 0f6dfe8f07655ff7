//! Native reference implementations of the stdlib kernels, written independently of the WAT
//! (from the definitions, or with rustfft), for the tests and the benchmark.

use num_complex::Complex64;
use rustfft::{FftDirection, FftPlanner};

/// Unitary DFT (e^(-2πi jk/n), scaled by 1/√n) with rustfft; any length.
pub fn fft(x: &mut [Complex64]) {
    dft(x, FftDirection::Forward);
}

/// Unitary inverse DFT (e^(+2πi jk/n), scaled by 1/√n) with rustfft; any length.
pub fn ifft(x: &mut [Complex64]) {
    dft(x, FftDirection::Inverse);
}

fn dft(x: &mut [Complex64], direction: FftDirection) {
    if x.is_empty() {
        return;
    }
    let plan = FftPlanner::new().plan_fft(x.len(), direction);
    plan.process(x);
    let s = 1.0 / (x.len() as f64).sqrt();
    for z in x.iter_mut() {
        *z *= s;
    }
}

/// Orthonormal Walsh–Hadamard transform from its matrix, (1/√n)(−1)^popcount(i & j); O(n²).
pub fn wht(x: &mut [f64]) {
    let n = x.len();
    let s = 1.0 / (n as f64).sqrt();
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let sum: f64 =
                x.iter().enumerate().map(|(j, &v)| if (i & j).count_ones() % 2 == 0 { v } else { -v }).sum();
            sum * s
        })
        .collect();
    x.copy_from_slice(&y);
}

/// The normalised Kravchuk matrix of size n = N + 1 (row k, column x),
/// M[k][x] = K_k(x) √(C(N,x) / (C(N,k) 2^N)), with the Kravchuk polynomials computed exactly
/// in integers from K_k(x) = Σ_j (−1)^j C(x,j) C(N−x,k−j). `None` when n = 0 or n > 62
/// (where the exact integers would overflow).
pub fn kravchuk_matrix(n: usize) -> Option<Vec<Vec<f64>>> {
    if n == 0 || n > 62 {
        return None;
    }
    let big = n - 1;
    let binom = |a: usize, b: usize| -> i128 {
        if b > a {
            return 0;
        }
        let mut c: i128 = 1;
        for i in 0..b {
            c = c * (a - i) as i128 / (i + 1) as i128;
        }
        c
    };
    let scale = 2f64.powi(big as i32);
    let m = (0..n)
        .map(|k| {
            (0..n)
                .map(|x| {
                    let kk: i128 = (0..=k)
                        .map(|j| {
                            let t = binom(x, j) * binom(big - x, k - j);
                            if j % 2 == 0 { t } else { -t }
                        })
                        .sum();
                    kk as f64 * (binom(big, x) as f64 / (binom(big, k) as f64 * scale)).sqrt()
                })
                .collect()
        })
        .collect();
    Some(m)
}

/// Applies the normalised Kravchuk matrix (see [`kravchuk_matrix`]); `false` if n is out of
/// its range (the buffer is then unchanged).
pub fn kravchuk(x: &mut [f64]) -> bool {
    let Some(m) = kravchuk_matrix(x.len()) else { return false };
    let y: Vec<f64> = m.iter().map(|row| row.iter().zip(x.iter()).map(|(a, b)| a * b).sum()).collect();
    x.copy_from_slice(&y);
    true
}

/// Full dyadic integer Haar transform by lifting (wrapping i64 arithmetic); n a power of two.
pub fn haar(x: &mut [i64]) {
    let mut m = x.len();
    while m >= 2 {
        let half = m / 2;
        let (mut s, mut d) = (Vec::with_capacity(half), Vec::with_capacity(half));
        for pair in x[..m].chunks_exact(2) {
            let diff = pair[1].wrapping_sub(pair[0]);
            s.push(pair[0].wrapping_add(diff >> 1));
            d.push(diff);
        }
        x[..half].copy_from_slice(&s);
        x[half..m].copy_from_slice(&d);
        m = half;
    }
}

/// The exact inverse of [`haar`].
pub fn unhaar(x: &mut [i64]) {
    let n = x.len();
    let mut m = 2;
    while m <= n {
        let half = m / 2;
        let mut out = Vec::with_capacity(m);
        for i in 0..half {
            let (s, d) = (x[i], x[half + i]);
            let a = s.wrapping_sub(d >> 1);
            out.push(a);
            out.push(d.wrapping_add(a));
        }
        x[..m].copy_from_slice(&out);
        m *= 2;
    }
}

/// Gray code of each element: x ^ (x >> 1).
pub fn gray(x: &mut [u64]) {
    for v in x {
        *v ^= *v >> 1;
    }
}

/// Inverse Gray code of each element: bit b of the result is the parity of bits b..64 of x.
pub fn ungray(x: &mut [u64]) {
    for v in x {
        let mut out = 0u64;
        let mut parity = 0u64;
        for b in (0..64).rev() {
            parity ^= (*v >> b) & 1;
            out |= parity << b;
        }
        *v = out;
    }
}

/// Bit-reversal permutation: element i moves to index reverse(i) over log2(n) bits.
pub fn bitrev(x: &mut [Complex64]) {
    let n = x.len();
    if n < 2 {
        return;
    }
    let bits = n.trailing_zeros();
    let src = x.to_vec();
    for (i, v) in src.into_iter().enumerate() {
        x[i.reverse_bits() >> (usize::BITS - bits)] = v;
    }
}
