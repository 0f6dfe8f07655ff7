//! Property tests of every stdlib kernel against the native references in
//! `rdx_kernels::reference`: agreement (1e-12 relative for floats, bit-exact for integers),
//! round trip through the mirror, Kᵏ = I for the declared order, norm preservation.

use std::sync::{LazyLock, Mutex, MutexGuard};

use proptest::prelude::*;
use rdx_kernels::{
    Buffer, Complex64, ElemType, KernelError, KernelHost, Kind, LengthRule, Limits, reference,
};

const REL: f64 = 1e-12;

static HOST: LazyLock<Mutex<KernelHost>> = LazyLock::new(|| {
    let mut host = KernelHost::new(Limits::default()).expect("engine");
    host.register_stdlib().expect("stdlib kernels load");
    Mutex::new(host)
});

fn host() -> MutexGuard<'static, KernelHost> {
    HOST.lock().unwrap_or_else(|e| e.into_inner())
}

fn complex_vec(max_log2: u32) -> impl Strategy<Value = Vec<Complex64>> {
    (0..=max_log2).prop_flat_map(|k| {
        prop::collection::vec(
            (-1e3..1e3f64, -1e3..1e3f64).prop_map(|(re, im)| Complex64::new(re, im)),
            1 << k,
        )
    })
}

fn real_pow2_vec(max_log2: u32) -> impl Strategy<Value = Vec<f64>> {
    (0..=max_log2).prop_flat_map(|k| prop::collection::vec(-1e3..1e3f64, 1 << k))
}

fn int_pow2_vec(max_log2: u32) -> impl Strategy<Value = Vec<i64>> {
    (0..=max_log2).prop_flat_map(|k| prop::collection::vec(any::<i64>(), 1 << k))
}

/// Runs `name` on `input`, checks it against `native` and the checked call, then the mirror
/// round trip and the declared order.
fn check_float(name: &str, input: Buffer, native: Buffer) -> Result<(), TestCaseError> {
    let mut h = host();
    let mut out = input.clone();
    h.call(name, &mut out).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(out.approx_eq(&native, REL), "{name} disagrees with the reference");
    let mut checked = input.clone();
    h.call_checked(name, &mut checked).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&checked, &out, "checked call gives the same output");
    let rel_norm = (out.norm_sqr() - input.norm_sqr()).abs() / input.norm_sqr().max(f64::MIN_POSITIVE);
    prop_assert!(rel_norm <= REL, "{name} changed the norm by {rel_norm:e}");
    h.call_mirror(name, &mut out).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(out.approx_eq(&input, REL), "{name} round trip");
    prop_assert!(h.verify_order(name, &input, REL).map_err(|e| TestCaseError::fail(e.to_string()))?);
    Ok(())
}

fn check_exact(name: &str, input: Buffer, native: Buffer) -> Result<(), TestCaseError> {
    let mut h = host();
    let mut out = input.clone();
    h.call(name, &mut out).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&out, &native, "{} disagrees with the reference", name);
    let mut checked = input.clone();
    h.call_checked(name, &mut checked).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&checked, &out);
    h.call_mirror(name, &mut out).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&out, &input, "{} round trip", name);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn fft_matches_rustfft(x in complex_vec(12)) {
        let mut native = x.clone();
        reference::fft(&mut native);
        check_float("fft", Buffer::C64(x), Buffer::C64(native))?;
    }

    #[test]
    fn ifft_matches_rustfft(x in complex_vec(12)) {
        let mut native = x.clone();
        reference::ifft(&mut native);
        check_float("ifft", Buffer::C64(x), Buffer::C64(native))?;
    }

    #[test]
    fn wht_matches_matrix(x in real_pow2_vec(8)) {
        let mut native = x.clone();
        reference::wht(&mut native);
        check_float("wht", Buffer::F64(x), Buffer::F64(native))?;
    }

    #[test]
    fn kravchuk_matches_exact_matrix(x in (1usize..=62).prop_flat_map(|n| prop::collection::vec(-1e3..1e3f64, n))) {
        let mut native = x.clone();
        prop_assert!(reference::kravchuk(&mut native));
        check_float("kravchuk", Buffer::F64(x), Buffer::F64(native))?;
    }

    #[test]
    fn kravchuk_round_trips_beyond_the_reference(x in (63usize..=400).prop_flat_map(|n| prop::collection::vec(-1e3..1e3f64, n))) {
        let mut h = host();
        let input = Buffer::F64(x);
        let mut out = input.clone();
        h.call_checked("kravchuk", &mut out).map_err(|e| TestCaseError::fail(e.to_string()))?;
        h.call("kravchuk", &mut out).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(out.approx_eq(&input, 1e-11), "kravchuk^2 = I at n = {}", input.len());
    }

    #[test]
    fn bitrev_matches_reference(x in complex_vec(12)) {
        let mut native = x.clone();
        reference::bitrev(&mut native);
        // a permutation: bit-exact
        let mut out = Buffer::C64(x.clone());
        host().call("bitrev", &mut out).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&out, &Buffer::C64(native.clone()));
        check_float("bitrev", Buffer::C64(x), Buffer::C64(native))?;
    }

    #[test]
    fn haar_matches_reference(x in int_pow2_vec(12)) {
        let mut native = x.clone();
        reference::haar(&mut native);
        check_exact("haar", Buffer::I64(x), Buffer::I64(native))?;
    }

    #[test]
    fn unhaar_matches_reference(x in int_pow2_vec(12)) {
        let mut native = x.clone();
        reference::unhaar(&mut native);
        check_exact("unhaar", Buffer::I64(x), Buffer::I64(native))?;
    }

    #[test]
    fn gray_matches_reference(x in prop::collection::vec(any::<u64>(), 0..300)) {
        let mut native = x.clone();
        reference::gray(&mut native);
        check_exact("gray", Buffer::U64(x.clone()), Buffer::U64(native))?;
        prop_assert!(host().verify_order("gray", &Buffer::U64(x), 0.0).map_err(|e| TestCaseError::fail(e.to_string()))?);
    }

    #[test]
    fn ungray_matches_reference(x in prop::collection::vec(any::<u64>(), 0..300)) {
        let mut native = x.clone();
        reference::ungray(&mut native);
        check_exact("ungray", Buffer::U64(x), Buffer::U64(native))?;
    }
}

#[test]
fn fft_twiddle_cache_follows_the_length() {
    let mut h = host();
    for &n in &[8usize, 16, 8, 1024, 2, 1024, 4, 1, 65536, 16] {
        let x: Vec<Complex64> =
            (0..n).map(|i| Complex64::new((i as f64).sin(), (3.0 * i as f64).cos())).collect();
        let mut native = x.clone();
        reference::fft(&mut native);
        let mut out = Buffer::C64(x);
        h.call("fft", &mut out).unwrap();
        assert!(out.approx_eq(&Buffer::C64(native), REL), "n = {n}");
    }
}

#[test]
fn fft_of_a_large_buffer_matches_rustfft() {
    let n = 1 << 18;
    let x: Vec<Complex64> =
        (0..n).map(|i| Complex64::new(((i * 7919) % 1000) as f64, (i % 17) as f64)).collect();
    let mut native = x.clone();
    reference::fft(&mut native);
    let mut out = Buffer::C64(x.clone());
    let mut h = host();
    h.call("fft", &mut out).unwrap();
    assert!(out.approx_eq(&Buffer::C64(native), REL));
    h.call("ifft", &mut out).unwrap();
    assert!(out.approx_eq(&Buffer::C64(x), REL));
}

#[test]
fn unitary_kernels_keep_large_finite_values_finite() {
    // A unitary transform keeps the norm: values near f64::MAX whose result is finite must not
    // overflow on the way (wht scaled after its passes: [1e308, 1e308] gave [inf, 0]).
    let mut h = host();
    for n in [2usize, 4, 64] {
        let mut x = vec![0.0; n];
        x[0] = 1e308;
        x[1] = 1e308;
        let mut out = Buffer::F64(x.clone());
        h.call("wht", &mut out).unwrap();
        let Buffer::F64(y) = &out else { unreachable!("wht keeps f64") };
        assert!(y.iter().all(|v| v.is_finite()), "wht, n = {n}: {:?}", &y[..2]);
        h.call("wht", &mut out).unwrap();
        assert!(out.approx_eq(&Buffer::F64(x), REL), "wht twice, n = {n}");
        let z: Vec<Complex64> =
            (0..n).map(|i| Complex64::new(if i < 2 { 1e308 } else { 0.0 }, 0.0)).collect();
        let mut out = Buffer::C64(z.clone());
        h.call("fft", &mut out).unwrap();
        h.call("ifft", &mut out).unwrap();
        assert!(out.approx_eq(&Buffer::C64(z), REL), "fft then ifft, n = {n}");
    }
}

#[test]
fn fft_squared_reverses_indices() {
    let n = 64;
    let x: Vec<Complex64> = (0..n).map(|i| Complex64::new(i as f64, -(i as f64) / 2.0)).collect();
    let mut out = Buffer::C64(x.clone());
    let mut h = host();
    h.call("fft", &mut out).unwrap();
    h.call("fft", &mut out).unwrap();
    let reversed: Vec<Complex64> = (0..n).map(|k| x[(n - k) % n]).collect();
    assert!(out.approx_eq(&Buffer::C64(reversed), REL));
}

#[test]
fn reference_kravchuk_matrix_is_symmetric_and_orthogonal() {
    for n in 1..=62 {
        let m = reference::kravchuk_matrix(n).unwrap();
        for i in 0..n {
            for j in 0..n {
                assert!((m[i][j] - m[j][i]).abs() <= 1e-13, "symmetric at n = {n}");
                let dot: f64 = (0..n).map(|k| m[i][k] * m[j][k]).sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((dot - want).abs() <= 1e-12, "orthogonal at n = {n}: ({i},{j}) = {dot}");
            }
        }
    }
    assert!(reference::kravchuk_matrix(0).is_none());
    assert!(reference::kravchuk_matrix(63).is_none());
}

#[test]
fn kravchuk_at_its_maximum_length_round_trips() {
    let n = 2046;
    let x: Vec<f64> = (0..n).map(|i| ((i * 37) % 101) as f64 - 50.0).collect();
    let mut out = Buffer::F64(x.clone());
    let mut h = host();
    h.call_checked("kravchuk", &mut out).unwrap();
    h.call("kravchuk", &mut out).unwrap();
    assert!(out.approx_eq(&Buffer::F64(x), 1e-10));
}

#[test]
fn gray_has_order_64_and_not_32() {
    let mut h = host();
    let x = Buffer::U64(vec![1 << 63, 12345, u64::MAX]);
    assert!(h.verify_order("gray", &x, 0.0).unwrap());
    let mut y = x.clone();
    for _ in 0..32 {
        h.call("gray", &mut y).unwrap();
    }
    assert_ne!(y, x);
}

#[test]
fn listing_has_every_stdlib_kernel() {
    let h = host();
    let listed: Vec<(String, String, ElemType, Kind, u32, LengthRule)> =
        h.kernels().into_iter().map(|k| (k.name, k.mirror, k.elem, k.kind, k.order, k.length)).collect();
    let s = |x: &str| x.to_string();
    use ElemType::*;
    use Kind::*;
    use LengthRule::*;
    let want = vec![
        (s("bitrev"), s("bitrev"), C64, Unitary, 2, PowerOfTwo),
        (s("fft"), s("ifft"), C64, Unitary, 4, PowerOfTwo),
        (s("gray"), s("ungray"), U64, Exact, 64, Any),
        (s("haar"), s("unhaar"), I64, Exact, 0, PowerOfTwo),
        (s("ifft"), s("fft"), C64, Unitary, 4, PowerOfTwo),
        (s("kravchuk"), s("kravchuk"), F64, Unitary, 2, Any),
        (s("ungray"), s("gray"), U64, Exact, 64, Any),
        (s("unhaar"), s("haar"), I64, Exact, 0, PowerOfTwo),
        (s("wht"), s("wht"), F64, Unitary, 2, PowerOfTwo),
    ];
    assert_eq!(listed, want);
    assert!(h.get("fft").unwrap().order_divides_4());
    assert!(!h.get("gray").unwrap().order_divides_4());
    assert_eq!(h.get("kravchuk").unwrap().max_len, Some(2046));
    assert!(h.get("nope").is_none());
}

#[test]
fn bad_calls_get_clear_errors() {
    let mut h = host();
    let err = h.call("fft", &mut Buffer::F64(vec![0.0; 4])).unwrap_err();
    assert_eq!(
        err,
        KernelError::WrongElement { kernel: "fft".into(), expected: ElemType::C64, found: ElemType::F64 }
    );
    assert_eq!(err.to_string(), "kernel `fft` works on c64 buffers, not f64");
    let err = h.call_mirror("fft", &mut Buffer::C64(vec![Complex64::default(); 12])).unwrap_err();
    assert_eq!(err, KernelError::NotPowerOfTwo { kernel: "ifft".into(), len: 12 });
    assert!(err.to_string().contains("power of two, not 12"));
    let err = h.call("haar", &mut Buffer::I64(vec![])).unwrap_err();
    assert_eq!(err, KernelError::NotPowerOfTwo { kernel: "haar".into(), len: 0 });
    let err = h.call("kravchuk", &mut Buffer::F64(vec![0.0; 2047])).unwrap_err();
    assert_eq!(err, KernelError::TooLong { kernel: "kravchuk".into(), len: 2047, max: 2046 });
    let err = h.call("fourier", &mut Buffer::F64(vec![])).unwrap_err();
    assert_eq!(err.to_string(), "unknown kernel `fourier`");
    // Any-length kernels accept the empty buffer.
    let mut empty = Buffer::U64(vec![]);
    h.call("gray", &mut empty).unwrap();
    assert!(empty.is_empty());
    let mut empty = Buffer::F64(vec![]);
    h.call("kravchuk", &mut empty).unwrap();
}

#[test]
fn stdlib_twice_is_a_duplicate() {
    let mut h = KernelHost::new(Limits::default()).unwrap();
    h.register_stdlib().unwrap();
    let err = h.register_stdlib().unwrap_err();
    assert!(matches!(err, KernelError::DuplicateKernel { ref name, .. } if name == "fft"), "{err}");
}

#[test]
fn host_can_move_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<KernelHost>();
    assert_send::<KernelError>();
    let mut h = KernelHost::new(Limits::default()).unwrap();
    h.register_stdlib().unwrap();
    let out = std::thread::spawn(move || {
        let mut buf = Buffer::U64(vec![5]);
        h.call("gray", &mut buf).unwrap();
        buf
    })
    .join()
    .unwrap();
    assert_eq!(out, Buffer::U64(vec![7]));
}

#[test]
fn bitrev_of_large_buffers_matches_reference() {
    let mut h = host();
    for log2 in [12, 13, 14, 16] {
        let x: Vec<Complex64> = (0..1usize << log2).map(|i| Complex64::new(i as f64, -(i as f64))).collect();
        let mut native = x.clone();
        reference::bitrev(&mut native);
        let mut out = Buffer::C64(x.clone());
        h.call("bitrev", &mut out).unwrap();
        assert_eq!(out, Buffer::C64(native), "n = 2^{log2}");
        h.call("bitrev", &mut out).unwrap();
        assert_eq!(out, Buffer::C64(x));
    }
}

/// A stdlib module is compiled at its first call only, a kernel and its mirror sharing one:
/// a run pays for the kernels it calls. Each then runs as it would have.
#[test]
fn stdlib_modules_are_compiled_when_first_called() {
    let mut h = KernelHost::new(Limits::default()).unwrap();
    h.register_stdlib().unwrap();
    assert_eq!(h.compiled(), 0);
    assert!(h.get("fft").is_some() && h.get("ungray").is_some(), "known before compiled");
    let mut g = Buffer::U64(vec![1, 2, 3, 4]);
    h.call("gray", &mut g).unwrap();
    let mut expected = vec![1, 2, 3, 4];
    reference::gray(&mut expected);
    assert_eq!(g, Buffer::U64(expected));
    assert_eq!(h.compiled(), 1);
    h.call("ungray", &mut g).unwrap();
    assert_eq!((g, h.compiled()), (Buffer::U64(vec![1, 2, 3, 4]), 1));
    let mut z = Buffer::C64(vec![Complex64::new(1.0, 0.0); 4]);
    h.call_mirror("ifft", &mut z).unwrap();
    assert_eq!(h.compiled(), 2);
    // A length the kernel refuses is refused before anything is compiled.
    let mut odd = Buffer::I64(vec![1, 2, 3]);
    assert!(matches!(h.call("haar", &mut odd), Err(KernelError::NotPowerOfTwo { .. })));
    assert_eq!(h.compiled(), 2);
}
