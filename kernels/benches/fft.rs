//! Benchmark: the WASM `fft` kernel against rustfft at N = 2¹⁰ and 2¹⁶, and the per-call
//! overhead of an empty kernel. Run with `cargo bench -p rdx-kernels --bench fft`.
//!
//! Each figure is the time per call of the best batch (the least disturbed by other work on
//! the machine), with the median batch beside it. The WASM figure is a whole
//! `KernelHost::call`: copying the buffer in and out, the fuel budget, and the transform
//! (with its 1/√N scaling). rustfft is timed as `Fft::process_with_scratch` on a reused plan
//! and scratch buffer, unscaled (its fastest form); "rustfft+scale" adds the 1/√N pass.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use rdx_kernels::{Buffer, Complex64, KernelHost, Limits};
use rustfft::FftPlanner;

/// Median seconds per iteration of `f` on `state`, over `batches` batches of `iters`
/// iterations, with `reset` run (untimed) before each batch.
fn time_per_call<S>(
    batches: usize,
    iters: usize,
    state: &mut S,
    reset: impl Fn(&mut S),
    mut f: impl FnMut(&mut S),
) -> Timing {
    reset(state);
    f(state); // warm-up
    let mut samples: Vec<f64> = (0..batches)
        .map(|_| {
            reset(state);
            let start = Instant::now();
            for _ in 0..iters {
                f(state);
            }
            start.elapsed().as_secs_f64() / iters as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    Timing { best: samples[0], median: samples[samples.len() / 2] }
}

/// Seconds per call: the best batch (least disturbed by other processes) and the median one.
#[derive(Clone, Copy)]
struct Timing {
    best: f64,
    median: f64,
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:9.2} µs (median {:9.2} µs)", self.best * 1e6, self.median * 1e6)
    }
}

fn input(n: usize) -> Vec<Complex64> {
    (0..n)
        .map(|i| Complex64::new(((i * 7919) % 1009) as f64 / 1009.0 - 0.5, ((i * 31) % 17) as f64 / 17.0))
        .collect()
}

fn main() {
    let mut host = KernelHost::new(Limits::default()).expect("engine");
    host.register_stdlib().expect("stdlib");
    let empty = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/empty.wat");
    let empty = wat::parse_file(&empty).expect("empty.wat");
    host.load_bytes(&empty, "empty.wat").expect("empty kernel");

    println!("rdx-kernels fft benchmark (time per call: best batch, median batch)");
    for log2 in [10u32, 16] {
        let n = 1usize << log2;
        let (batches, iters) = if log2 == 10 { (31, 100) } else { (15, 10) };
        let x = input(n);

        let plan = FftPlanner::<f64>::new().plan_fft_forward(n);
        let mut scratch = vec![Complex64::default(); plan.get_inplace_scratch_len()];
        let mut native = x.clone();
        let reset = |v: &mut Vec<Complex64>| v.copy_from_slice(&x);
        let rustfft = time_per_call(batches, iters, &mut native, reset, |v| {
            plan.process_with_scratch(black_box(v), &mut scratch)
        });
        let s = 1.0 / (n as f64).sqrt();
        let rustfft_scaled = time_per_call(batches, iters, &mut native, reset, |v| {
            plan.process_with_scratch(black_box(&mut *v), &mut scratch);
            v.iter_mut().for_each(|z| *z *= s);
        });

        let mut buf = Buffer::C64(x.clone());
        let wasm =
            time_per_call(batches, iters, &mut buf, |_| {}, |b| host.call("fft", black_box(b)).expect("fft"));
        // the host's copy in and out for a buffer of the same size, through the empty kernel
        let mut same_bytes = Buffer::F64(vec![0.5; 2 * n]);
        let copy = time_per_call(
            batches,
            iters,
            &mut same_bytes,
            |_| {},
            |b| host.call("empty", black_box(b)).expect("empty"),
        );

        let mut perm = Buffer::C64(x.clone());
        let bitrev = time_per_call(
            batches,
            iters,
            &mut perm,
            |_| {},
            |b| host.call("bitrev", black_box(b)).expect("bitrev"),
        );

        println!("N = 2^{log2} = {n}");
        println!("  rustfft          {rustfft}");
        println!("  rustfft+scale    {rustfft_scaled}");
        println!("  wasm fft (call)  {wasm}");
        println!(
            "  ratio wasm/rustfft: {:.2}x best, {:.2}x median; wasm/(rustfft+scale): {:.2}x best",
            wasm.best / rustfft.best,
            wasm.median / rustfft.median,
            wasm.best / rustfft_scaled.best
        );
        println!("  (host copy in/out + call, same bytes, empty kernel: {copy})");
        println!("  (bitrev kernel alone, same buffer:                 {bitrev})");
    }

    let mut nothing = Buffer::F64(Vec::new());
    let overhead = time_per_call(
        21,
        100_000,
        &mut nothing,
        |_| {},
        |b| host.call("empty", black_box(b)).expect("empty"),
    );
    let mut one = Buffer::F64(vec![1.0]);
    let overhead_one =
        time_per_call(21, 100_000, &mut one, |_| {}, |b| host.call("empty", black_box(b)).expect("empty"));
    println!(
        "empty kernel, per call: {:.0} ns (0 elements), {:.0} ns (1 element); medians {:.0} ns, {:.0} ns",
        overhead.best * 1e9,
        overhead_one.best * 1e9,
        overhead.median * 1e9,
        overhead_one.median * 1e9
    );

    // how long the default fuel budget lets an endless loop run before it is stopped
    let spin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/loop.wat");
    host.load_bytes(&wat::parse_file(&spin).expect("loop.wat"), "loop.wat").expect("loop kernel");
    let start = Instant::now();
    let err = host.call("spin", &mut Buffer::U64(vec![0])).expect_err("an endless loop must fail");
    println!("endless loop stopped after {:.0} ms: {err}", start.elapsed().as_secs_f64() * 1e3);
}
