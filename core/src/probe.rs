//! Probes: repeated timings of one thing (a command, an rdx run, a load, a URL), summarised
//! and recorded in the ledger as records of kind `probe`, so the planner can learn from them.
//!
//! The summary is what a careful benchmark tool prints: n, min, median, mean ± sd, p90, p99,
//! max; outliers by the modified z-score (|0.6745 (x − median) / MAD| > 3.5, as hyperfine flags
//! them); jitter as RFC 3550's interarrival estimator (J += (|D| − J) / 16 over consecutive
//! samples) and as the mean |Δ| of consecutive samples; throughput when the bytes are known.
//! [`compare`] puts two probes side by side: the ratio of their typical times with a 95%
//! interval (Welch's interval on the logarithms of the samples, so the ratio is of geometric
//! means and the interval is not symmetric). A probe of one sample says nothing of its spread,
//! so a comparison with one has the ratio and no interval.

use crate::error::CoreError;
use crate::home::Home;
use serde::{Deserialize, Serialize};

/// A modified z-score above this marks an outlier (Iglewicz and Hoaglin).
pub const OUTLIER_Z: f64 = 3.5;

/// The summary of a list of samples, in nanoseconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub n: usize,
    pub min_ns: f64,
    pub median_ns: f64,
    pub mean_ns: f64,
    pub sd_ns: f64,
    pub p90_ns: f64,
    pub p99_ns: f64,
    pub max_ns: f64,
    /// Samples whose modified z-score exceeds [`OUTLIER_Z`].
    pub outliers: usize,
    /// RFC 3550's interarrival jitter estimator over consecutive samples.
    pub jitter_rfc3550_ns: f64,
    /// The mean absolute difference of consecutive samples.
    pub jitter_mean_delta_ns: f64,
}

impl Stats {
    /// The summary of `samples` (nanoseconds, in the order they were taken); `None` when there
    /// are none.
    pub fn of(samples: &[f64]) -> Option<Stats> {
        let n = samples.len();
        if n == 0 {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mean = samples.iter().sum::<f64>() / n as f64;
        let var = if n > 1 {
            samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        let median = quantile(&sorted, 0.5);
        let mut deviations: Vec<f64> = samples.iter().map(|x| (x - median).abs()).collect();
        deviations.sort_by(f64::total_cmp);
        let mad = quantile(&deviations, 0.5);
        let outliers = if mad > 0.0 {
            samples.iter().filter(|x| (0.6745 * (*x - median) / mad).abs() > OUTLIER_Z).count()
        } else {
            0
        };
        let mut jitter = 0.0;
        let mut delta_sum = 0.0;
        for w in samples.windows(2) {
            let d = (w[1] - w[0]).abs();
            jitter += (d - jitter) / 16.0;
            delta_sum += d;
        }
        Some(Stats {
            n,
            min_ns: sorted[0],
            median_ns: median,
            mean_ns: mean,
            sd_ns: var.sqrt(),
            p90_ns: quantile(&sorted, 0.9),
            p99_ns: quantile(&sorted, 0.99),
            max_ns: sorted[n - 1],
            outliers,
            jitter_rfc3550_ns: jitter,
            jitter_mean_delta_ns: if n > 1 { delta_sum / (n - 1) as f64 } else { 0.0 },
        })
    }
}

/// The `q` quantile of sorted data, interpolating linearly between neighbours.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// One probe as the ledger keeps it (a record of kind `probe`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// What was timed: `command`, `run`, `load` or `url` (`what` in JSON: the record's own
    /// kind is `probe`).
    #[serde(rename = "what")]
    pub kind: String,
    /// Where it ran or came from: `local`, or a peer's name, or the URL's host.
    pub source: String,
    /// What exactly: the command line, `PROGRAM-CID entry direction backend`, a blob's CID, a URL.
    pub target: String,
    /// Runs before the timed ones, not recorded.
    pub warmup: usize,
    /// The timed samples, in nanoseconds, in the order taken.
    pub samples_ns: Vec<u64>,
    /// Bytes moved per sample (loads and URLs), for throughput.
    pub bytes: Option<u64>,
    /// `ok`, or what went wrong (a non-zero exit, an error).
    pub outcome: String,
    pub started: String,
    pub host: String,
    #[serde(flatten)]
    pub stats: Stats,
    /// Bytes per second at the median sample, when `bytes` is known.
    pub throughput_bps: Option<f64>,
}

/// What a probe times: its kind, source and target (see [`Probe`]).
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    pub kind: &'a str,
    pub source: &'a str,
    pub target: &'a str,
}

impl Probe {
    /// A probe of `samples_ns`; `None` when there are none.
    pub fn new(
        subject: Subject<'_>,
        warmup: usize,
        samples_ns: Vec<u64>,
        bytes: Option<u64>,
        outcome: &str,
        started: std::time::SystemTime,
    ) -> Option<Probe> {
        let floats: Vec<f64> = samples_ns.iter().map(|&s| s as f64).collect();
        let stats = Stats::of(&floats)?;
        let throughput_bps =
            bytes.filter(|_| stats.median_ns > 0.0).map(|b| b as f64 / (stats.median_ns * 1e-9));
        Some(Probe {
            kind: subject.kind.to_string(),
            source: subject.source.to_string(),
            target: subject.target.to_string(),
            warmup,
            samples_ns,
            bytes,
            outcome: outcome.to_string(),
            started: crate::ledger::timestamp(started),
            host: crate::ledger::host_name(),
            stats,
            throughput_bps,
        })
    }
}

/// The kind of ledger record probes are.
pub const KIND: &str = "probe";

impl Home {
    /// Appends a probe to the ledger; returns its record id.
    pub fn record_probe(&self, probe: &Probe) -> Result<u64, CoreError> {
        let body =
            serde_json::to_value(probe).map_err(|e| CoreError::Usage(format!("a probe as JSON: {e}")))?;
        self.append_record(KIND, &body)
    }

    /// The probe recorded as record `id`: [`CoreError::Usage`] if that record is of another
    /// kind (the user named the wrong record), [`CoreError::Ledger`] if its body does not read
    /// as a probe (the record was damaged).
    pub fn probe(&self, id: u64) -> Result<Probe, CoreError> {
        let (kind, body) = self.record_body(id)?;
        if kind != KIND {
            return Err(CoreError::Usage(format!("record {id} is a {kind} record, not a probe")));
        }
        serde_json::from_value(body)
            .map_err(|e| self.bad_ledger(format!("record {id} is not a readable probe: {e}")))
    }
}

/// Two probes side by side: how many times slower `b` is than `a`, with a 95% interval.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// exp(mean ln b − mean ln a): the ratio of geometric means.
    pub ratio: f64,
    /// The 95% interval of the ratio, `[low, high]`; `None` when a probe has fewer than two
    /// (positive) samples, whose spread is then unknown.
    pub interval: Option<[f64; 2]>,
    /// The (positive) samples compared of each probe.
    pub n_a: usize,
    pub n_b: usize,
    /// The two geometric means, in nanoseconds.
    pub geo_a_ns: f64,
    pub geo_b_ns: f64,
}

/// Compares two probes' samples (see the module docs); `None` when either has no positive
/// sample.
pub fn compare(a: &Probe, b: &Probe) -> Option<Comparison> {
    let logs =
        |p: &Probe| p.samples_ns.iter().filter(|&&s| s > 0).map(|&s| (s as f64).ln()).collect::<Vec<f64>>();
    let (la, lb) = (logs(a), logs(b));
    if la.is_empty() || lb.is_empty() {
        return None;
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let var = |v: &[f64], m: f64| {
        if v.len() > 1 { v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64 } else { 0.0 }
    };
    let (ma, mb) = (mean(&la), mean(&lb));
    let d = mb - ma;
    let (n_a, n_b) = (la.len(), lb.len());
    let (geo_a_ns, geo_b_ns) = (ma.exp(), mb.exp());
    if n_a < 2 || n_b < 2 {
        return Some(Comparison { ratio: d.exp(), interval: None, n_a, n_b, geo_a_ns, geo_b_ns });
    }
    let (va, vb) = (var(&la, ma) / la.len() as f64, var(&lb, mb) / lb.len() as f64);
    let se = (va + vb).sqrt();
    // Welch–Satterthwaite degrees of freedom, then Student's t at 97.5%.
    let df = if va + vb > 0.0 {
        (va + vb).powi(2) / (va.powi(2) / (n_a - 1) as f64 + vb.powi(2) / (n_b - 1) as f64)
    } else {
        f64::INFINITY
    };
    let t = t975(df);
    let interval = Some([(d - t * se).exp(), (d + t * se).exp()]);
    Some(Comparison { ratio: d.exp(), interval, n_a, n_b, geo_a_ns, geo_b_ns })
}

impl Comparison {
    /// Whether the samples show a clear difference: the interval exists and does not hold 1.
    pub fn clear(&self) -> bool {
        self.interval.is_some_and(|[low, high]| !(low <= 1.0 && 1.0 <= high))
    }
}

/// Student's t quantile at 0.975 for `df` degrees of freedom (table values, interpolated in
/// 1/df; 1.96 in the limit).
fn t975(df: f64) -> f64 {
    const TABLE: [(f64, f64); 12] = [
        (1.0, 12.706),
        (2.0, 4.303),
        (3.0, 3.182),
        (4.0, 2.776),
        (5.0, 2.571),
        (6.0, 2.447),
        (8.0, 2.306),
        (10.0, 2.228),
        (15.0, 2.131),
        (20.0, 2.086),
        (30.0, 2.042),
        (60.0, 2.000),
    ];
    if !df.is_finite() || df >= 1e6 {
        return 1.960;
    }
    let df = df.max(1.0);
    let mut prev = TABLE[0];
    for &(d, t) in &TABLE {
        if df <= d {
            let (d0, t0) = prev;
            if d == d0 {
                return t;
            }
            let f = (1.0 / df - 1.0 / d0) / (1.0 / d - 1.0 / d0);
            return t0 + (t - t0) * f;
        }
        prev = (d, t);
    }
    // Past the table: interpolate between 60 and infinity in 1/df.
    let f = (1.0 / df) / (1.0 / 60.0);
    1.960 + (2.000 - 1.960) * f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_of_a_known_list() {
        let s = Stats::of(&[10.0, 12.0, 11.0, 13.0, 100.0]).unwrap();
        assert_eq!((s.n, s.min_ns, s.median_ns, s.max_ns), (5, 10.0, 12.0, 100.0));
        assert!((s.mean_ns - 29.2).abs() < 1e-9);
        assert_eq!(s.outliers, 1, "100 is far from the rest");
        // |Δ| = 2, 1, 2, 87
        assert!((s.jitter_mean_delta_ns - 23.0).abs() < 1e-9);
        let mut j = 0.0;
        for d in [2.0, 1.0, 2.0, 87.0] {
            j += (d - j) / 16.0;
        }
        assert!((s.jitter_rfc3550_ns - j).abs() < 1e-9);
        assert!(Stats::of(&[]).is_none());
        let one = Stats::of(&[5.0]).unwrap();
        assert_eq!((one.sd_ns, one.outliers, one.jitter_mean_delta_ns), (0.0, 0, 0.0));
    }

    #[test]
    fn quantiles_interpolate() {
        let sorted: Vec<f64> = (0..=100).map(f64::from).collect();
        assert_eq!(quantile(&sorted, 0.9), 90.0);
        assert_eq!(quantile(&sorted, 0.99), 99.0);
        assert_eq!(quantile(&[1.0, 2.0], 0.5), 1.5);
    }

    #[test]
    fn comparisons_find_the_ratio() {
        let probe = |samples: Vec<u64>| {
            let subject = Subject { kind: "run", source: "local", target: "x" };
            Probe::new(subject, 0, samples, None, "ok", std::time::SystemTime::now()).unwrap()
        };
        let a = probe((0..50).map(|i| 1000 + i % 7).collect());
        let b = probe((0..50).map(|i| 3000 + 3 * (i % 7)).collect());
        let c = compare(&a, &b).unwrap();
        assert!((c.ratio - 3.0).abs() < 0.01, "{c:?}");
        let [low, high] = c.interval.unwrap();
        assert!(low < c.ratio && c.ratio < high && high - low < 0.1 && c.clear(), "{c:?}");
        assert!((t975(1.0) - 12.706).abs() < 1e-9 && (t975(f64::INFINITY) - 1.96).abs() < 1e-9);
        assert!(t975(7.0) < t975(6.0) && t975(7.0) > t975(8.0));
    }

    #[test]
    fn one_sample_gives_a_ratio_and_no_interval() {
        let probe = |samples: Vec<u64>| {
            let subject = Subject { kind: "command", source: "local", target: "x" };
            Probe::new(subject, 0, samples, None, "ok", std::time::SystemTime::now()).unwrap()
        };
        let (one, other, two) = (probe(vec![1000]), probe(vec![2000]), probe(vec![10, 100_000]));
        for (a, b) in [(&one, &other), (&one, &two), (&two, &one)] {
            let c = compare(a, b).unwrap();
            assert_eq!((c.interval, c.clear()), (None, false), "{c:?}");
        }
        let c = compare(&one, &other).unwrap();
        assert!((c.ratio - 2.0).abs() < 1e-9 && (c.n_a, c.n_b) == (1, 1), "{c:?}");
    }
}
