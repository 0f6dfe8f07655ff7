//! The planner: which engine should run a gene on an input, learned from the ledger's runs.
//!
//! A decision context is (program, entry, direction, work bucket). The bucket is
//! ⌊log₂ instructions⌋ of the interpreter's runs of the same input (the work, not the input's
//! size: Speck's work grows with the value of `n`); a JIT run takes the bucket of its input once
//! an interpreter run of that input has counted it. The arms are `interp` and `jit` here and
//! on each peer the query names (a peer's `/runs` takes an `engine`), and `reuse` when the
//! ledger holds an ok run of this exact program, entry, direction and input (with what it
//! printed, when the program prints).
//!
//! A peer arm's time is what the caller waits: the one-sample probes (`what` = `run`, `source`
//! = the peer) that `rdx run --on` records, pushing and network included. The run records a
//! remote run leaves here (flag `--on=NAME`) count the work, not the time.
//!
//! Each arm's wall time is log-normal: ln(wall_ns) is Normal with unknown mean and variance,
//! under a conjugate Normal-Inverse-Gamma posterior ([`Nig`]). Older runs weigh less (half-life
//! [`HALF_LIFE`] runs of the same context and arm), so the planner follows a changing machine.
//! The prior of a context is fitted from every other run of the arm in nearby buckets (any
//! program), worth at most [`PRIOR_WEIGHT`] runs, so a new program starts from similar ones.
//! Re-seeding (the cycle's Φ): those runs weigh by recency across the whole ledger (half-life
//! [`RESEED_HALF_LIFE`] runs of the arm), so the prior moves toward recent evidence.
//! MDL ([`Mdl`]) chooses between one model per arm for every input and one per bucket.
//!
//! [`Planner::assess`] gives what `rdx hint` and `rdx plan` print: the arm most likely fastest
//! (by Monte Carlo with a fixed seed, no sampling of the decision itself); [`Planner::ids`]
//! picks an arm for `rdx loop` by information-directed sampling, weighing what an exploration
//! is expected to cost against what it would teach. With no timed run of the program (a cold start) the decision
//! is the static rule of `--backend auto`. Everything here is pure: the ledger is read once by
//! [`Planner::load`].

use crate::error::CoreError;
use crate::home::Home;
use crate::ledger::{ON_FLAG, RunRecord};
use crate::probe::Probe;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Runs of a context and arm after which an observation weighs half as much.
pub const HALF_LIFE: f64 = 50.0;

/// The most runs' worth of evidence the shared prior of a context carries.
pub const PRIOR_WEIGHT: f64 = 2.0;

/// Runs of an arm, across the ledger, after which a run weighs half as much in the priors.
pub const RESEED_HALF_LIFE: f64 = 100.0;

/// How many of the newest runs, and of the newest probes it learns from (those of runs on a
/// peer), [`Planner::load`] reads.
pub const LOAD_LIMIT: usize = 5000;

/// Monte Carlo draws for the probability that each arm is fastest and for intervals.
pub const DRAWS: usize = 4000;

/// The seed of the Monte Carlo estimates of `hint`, `plan` and `status` (fixed, so they are
/// reproducible).
pub const MC_SEED: u64 = 0x5eed_c0de;

/// The resolution, in ln units, at which MDL codes timings (1%).
const MDL_DELTA: f64 = 0.01;

/// The least standard deviation of ln time a fitted Gaussian may have (5%).
const MIN_SD: f64 = 0.05;

/// A way to get a run's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arm {
    /// The bytecode interpreter, here.
    Interp,
    /// The Cranelift JIT, here (pays its compilation in every run).
    Jit,
    /// The output an earlier identical run recorded.
    Reuse,
}

impl Arm {
    /// The compute arms, the ones `loop` explores.
    pub const COMPUTE: [Arm; 2] = [Arm::Interp, Arm::Jit];

    /// `interp`, `jit` or `reuse`.
    pub fn name(self) -> &'static str {
        match self {
            Arm::Interp => "interp",
            Arm::Jit => "jit",
            Arm::Reuse => "reuse",
        }
    }

    fn of_backend(backend: &str) -> Option<Arm> {
        match backend {
            "interp" => Some(Arm::Interp),
            "jit" => Some(Arm::Jit),
            _ => None,
        }
    }
}

/// A Normal-Inverse-Gamma distribution over (μ, σ²) of ln(wall_ns): σ² ~ InvGamma(α, β),
/// μ | σ² ~ N(mu, σ²/κ).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Nig {
    pub mu: f64,
    pub kappa: f64,
    pub alpha: f64,
    pub beta: f64,
}

impl Nig {
    /// The prior before any evidence: centred on 100 µs, σ ≈ 1 (a factor of e), worth a tenth
    /// of a run for the mean and one run for the variance.
    pub const VAGUE: Nig = Nig { mu: 11.512_925_464_970_229, kappa: 0.1, alpha: 1.0, beta: 1.0 };

    /// The posterior after weighted observations `(x, w)` (x = ln wall_ns, w ≥ 0).
    pub fn update(self, obs: &[(f64, f64)]) -> Nig {
        let n: f64 = obs.iter().map(|(_, w)| w).sum();
        if n <= 0.0 {
            return self;
        }
        let mean = obs.iter().map(|(x, w)| x * w).sum::<f64>() / n;
        let ss: f64 = obs.iter().map(|(x, w)| w * (x - mean).powi(2)).sum();
        let kappa = self.kappa + n;
        Nig {
            mu: (self.kappa * self.mu + n * mean) / kappa,
            kappa,
            alpha: self.alpha + n / 2.0,
            beta: self.beta + ss / 2.0 + self.kappa * n * (mean - self.mu).powi(2) / (2.0 * kappa),
        }
    }

    /// One draw of (μ, σ²) from this distribution.
    pub fn sample(&self, rng: &mut Rng) -> (f64, f64) {
        let precision = rng.gamma(self.alpha) / self.beta;
        let var = 1.0 / precision.max(1e-300);
        (self.mu + (var / self.kappa).sqrt() * rng.normal(), var)
    }

    /// One draw of ln(wall_ns) of a new run (the posterior predictive, a Student t).
    pub fn predict(&self, rng: &mut Rng) -> f64 {
        let (mu, var) = self.sample(rng);
        mu + var.sqrt() * rng.normal()
    }

    /// The expected σ² (β / (α − 1), or β / α when α ≤ 1).
    pub fn mean_var(&self) -> f64 {
        if self.alpha > 1.0 { self.beta / (self.alpha - 1.0) } else { self.beta / self.alpha }
    }
}

/// A small seeded generator (splitmix64), enough for Monte Carlo and sampling.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Gamma(shape, 1) (Marsaglia–Tsang; shape < 1 boosted by U^(1/shape)).
    pub fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            return self.gamma(shape + 1.0) * self.uniform().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v <= 0.0 {
                continue;
            }
            let u = self.uniform();
            if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }
}

/// What is asked: a run of `entry` of `program` in `direction` on `input`.
#[derive(Clone, Debug)]
pub struct Query {
    /// The program's CID (hex).
    pub program: String,
    pub entry: String,
    /// `forward` or `backward`.
    pub direction: String,
    /// The input state's CID (hex).
    pub input: String,
    /// Whether the program can print (`print`, `printf`, `show`): its output cannot be reused.
    pub prints: bool,
    /// What the static rule picks: the JIT when some gene loops or recurses.
    pub static_jit: bool,
    /// The peers the run may go to (on either engine); empty to run here only.
    pub peers: Vec<String>,
    /// The input's features ([`features`]), which predict the work of an input no
    /// interpreter run has counted.
    pub features: Vec<f64>,
}

impl Query {
    /// The query of a run of gene `gene` of `program` on `args` in `dir`.
    pub fn of(
        program: &crate::run::Program,
        gene: usize,
        args: &[rdx_vm::Value],
        dir: rdx_vm::Direction,
    ) -> Query {
        let module = &program.module;
        let state = crate::state::encode(module, gene, args);
        let input = crate::cid::Cid::of(&state);
        Query {
            features: features(&state).unwrap_or_default(),
            program: program.cid().to_hex(),
            entry: module.genes[gene].name.clone(),
            direction: crate::run::direction_name(dir).to_string(),
            input: input.to_hex(),
            prints: prints(module),
            static_jit: rdx_jit::worth_compiling(module),
            peers: Vec::new(),
        }
    }
}

/// The features of an input state (its JSON text, spec/ledger.md): per parameter, in the
/// state's order, log₂(1 + |x|) of a number, and log₂(1 + length) and log₂(1 + max |x|) of an
/// array. The work of a gene grows with such numbers (`sum_to(n)`, Speck's rounds, an array's
/// length), so the work of a new input is predicted from them. `None` when the text is not a
/// JSON object.
pub fn features(state: &[u8]) -> Option<Vec<f64>> {
    let value: serde_json::Value = serde_json::from_slice(state).ok()?;
    fn magnitude(v: &serde_json::Value) -> f64 {
        match v {
            serde_json::Value::Number(n) => n.as_f64().unwrap_or(0.0).abs(),
            serde_json::Value::Array(xs) => xs.iter().map(magnitude).fold(0.0, f64::max),
            _ => 0.0,
        }
    }
    let mut out = Vec::new();
    for v in value.as_object()?.values() {
        match v {
            serde_json::Value::Array(xs) => {
                out.push((1.0 + xs.len() as f64).log2());
                out.push((1.0 + magnitude(v)).log2());
            }
            other => out.push((1.0 + magnitude(other)).log2()),
        }
    }
    Some(out)
}

/// A prediction of log₂ instructions of a new input from recorded ones `(features, log₂
/// instructions)`: the log-log linear fit (least squares over the features that vary, a
/// little ridge) or the nearest neighbour, whichever predicts the recorded inputs better when
/// each is left out; its standard deviation is that leave-one-out error. A fit that leaving one
/// out cannot check gives way to the nearest neighbour when the neighbour's error, scaled to the
/// query's distance, is less than half the fit's. Gives (prediction, sd, method).
pub fn predict_work(known: &[(Vec<f64>, f64)], query: &[f64]) -> Option<(f64, f64, &'static str)> {
    let known: Vec<&(Vec<f64>, f64)> = known.iter().filter(|(f, _)| f.len() == query.len()).collect();
    // A prediction nothing checks (one counted input; a fit through every counted input) is
    // given or taken a factor of 4, or more the farther the query lies from the nearest
    // counted input: the features are log₂ sizes, and work often grows as fast as a size, so
    // n = 1000 predicted from n = 2 000 000 alone is uncertain by about 2¹¹, not 4 (taken as
    // 4, a JIT run that counts nothing was planned on every later run of the small input).
    let dist = |f: &[f64], x: &[f64]| f.iter().zip(x).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
    let query_dist = known.iter().map(|(f, _)| dist(f, query)).fold(f64::INFINITY, f64::min);
    let unchecked = || query_dist.max(2.0);
    match known.len() {
        0 => return None,
        1 => return Some((known[0].1, unchecked(), "the one counted input")),
        _ => {}
    }
    let nearest = |train: &[&(Vec<f64>, f64)], x: &[f64]| -> f64 {
        let d = |f: &[f64]| f.iter().zip(x).map(|(a, b)| (a - b).powi(2)).sum::<f64>();
        train.iter().min_by(|a, b| d(&a.0).total_cmp(&d(&b.0))).map_or(0.0, |k| k.1)
    };
    // Columns that vary among the counted inputs, plus an intercept: the same model when one
    // input is left out, so that leaving one out checks the fit that predicts.
    let cols: Vec<usize> = (0..query.len())
        .filter(|&j| known.iter().any(|(f, _)| (f[j] - known[0].0[j]).abs() > 1e-9))
        .collect();
    let fit = |train: &[&(Vec<f64>, f64)], x: &[f64]| -> Option<f64> {
        let k = cols.len() + 1;
        if train.len() < k {
            return None;
        }
        let row =
            |f: &[f64]| -> Vec<f64> { std::iter::once(1.0).chain(cols.iter().map(|&j| f[j])).collect() };
        let mut a = vec![vec![0.0; k + 1]; k];
        for (f, y) in train {
            let r = row(f);
            for i in 0..k {
                for j in 0..k {
                    a[i][j] += r[i] * r[j];
                }
                a[i][k] += r[i] * y;
            }
        }
        for (i, ai) in a.iter_mut().enumerate().skip(1) {
            ai[i] += 1e-6;
        }
        let beta = solve(a)?;
        Some(row(x).iter().zip(&beta).map(|(r, b)| r * b).sum())
    };
    let loo = |predict: &Predictor<'_>| -> Option<f64> {
        let mut ss = 0.0;
        for i in 0..known.len() {
            let train: Vec<&(Vec<f64>, f64)> =
                known.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, k)| *k).collect();
            ss += (predict(&train, &known[i].0)? - known[i].1).powi(2);
        }
        Some((ss / known.len() as f64).sqrt())
    };
    let nn_err = loo(&|t, x| Some(nearest(t, x))).unwrap_or(f64::INFINITY);
    match (loo(&fit), fit(&known, query)) {
        (Some(e), Some(y)) if e <= nn_err => Some((y, e.max(0.1), "log-log fit")),
        // No more counted inputs than the fit has unknowns: it passes through each, and leaving
        // one out cannot check it; its error is taken as with one counted input. The nearest
        // input was checked at the spacing of the counted inputs (root mean square of each
        // one's distance to its nearest other); its error, grown in proportion to how much
        // farther the query lies, predicts instead when it is less than half the fit's: the
        // work changed at most half as fast as the log₂ features (equal work everywhere: error
        // 0, however far the query). Work that grows as fast as a size keeps the fit.
        (None, Some(y)) => {
            let spacing = (known
                .iter()
                .enumerate()
                .map(|(i, (f, _))| {
                    let others = known.iter().enumerate().filter(|(j, _)| *j != i);
                    others.map(|(_, (g, _))| dist(f, g)).fold(f64::INFINITY, f64::min).powi(2)
                })
                .sum::<f64>()
                / known.len() as f64)
                .sqrt();
            let nn_here = if nn_err == 0.0 { 0.0 } else { nn_err * (query_dist / spacing).max(1.0) };
            if nn_here < unchecked() / 2.0 {
                Some((nearest(&known, query), nn_here.max(0.1), "nearest input"))
            } else {
                Some((y, unchecked(), "log-log fit"))
            }
        }
        _ => Some((nearest(&known, query), nn_err.clamp(0.1, 4.0), "nearest input")),
    }
}

/// A work predictor trained on some counted inputs, asked about one feature vector.
type Predictor<'a> = dyn Fn(&[&(Vec<f64>, f64)], &[f64]) -> Option<f64> + 'a;

/// Solves the augmented system `a` (k rows of k + 1) by Gaussian elimination with pivoting.
fn solve(mut a: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let k = a.len();
    for c in 0..k {
        let p = (c..k).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-12 {
            return None;
        }
        a.swap(c, p);
        let pivot = a[c].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != c {
                let m = row[c] / pivot[c];
                for (x, p) in row.iter_mut().zip(&pivot).skip(c) {
                    *x -= m * p;
                }
            }
        }
    }
    Some((0..k).map(|i| a[i][k] / a[i][i]).collect())
}

/// Whether some gene of `module` prints.
pub fn prints(module: &rdx_vm::Module) -> bool {
    use rdx_vm::ops::Op;
    module
        .genes
        .iter()
        .flat_map(|g| &g.code)
        .any(|o| matches!(o, Op::Print { .. } | Op::Printf { .. } | Op::Show { .. }))
}

/// Where a query's work bucket came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bucket {
    /// ⌊log₂ instructions⌋, or `None` when unknown.
    pub log2_instructions: Option<u32>,
    /// `same input` (an interpreter run of it counted the instructions), `log-log fit`,
    /// `nearest input` or `the one counted input` (predicted from the counted inputs of the
    /// program, [`predict_work`]), `latest run of this program` or `unknown`.
    pub from: &'static str,
    /// The standard deviation of log₂ instructions: 0 when counted; for a prediction, its
    /// leave-one-out error. It widens the interpreters' posteriors.
    pub sd_log2: f64,
}

/// One arm's prediction.
#[derive(Clone, Debug, Serialize)]
pub struct ArmView {
    pub arm: Arm,
    /// `local`, or the peer's name.
    #[serde(rename = "where")]
    pub site: String,
    /// Timed ok runs in the context.
    pub runs: usize,
    /// Their total weight after discounting.
    pub weight: f64,
    /// The prior of the context (re-seeded from the arm's runs in other contexts).
    pub prior: Nig,
    /// The posterior (prior included) on ln(wall_ns).
    pub posterior: Nig,
    /// exp of the posterior mean of ln(wall_ns): the predicted (geometric mean) wall time.
    pub predicted_ns: f64,
    /// The 5% and 95% quantiles of the predictive distribution of a new run's wall time.
    pub interval_ns: [f64; 2],
    /// The probability that this arm's median time is the least.
    pub p_fastest: f64,
}

/// Two-part code lengths of the timings of a program, entry and direction under two models.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Mdl {
    /// One Gaussian on ln time per arm, for every input.
    pub pooled_bits: f64,
    /// One Gaussian per arm and work bucket.
    pub per_bucket_bits: f64,
    /// The timed runs coded.
    pub runs: usize,
}

impl Mdl {
    /// `per-bucket` when it codes the timings in fewer bits, else `pooled`.
    pub fn chosen(&self) -> &'static str {
        if self.per_bucket_bits < self.pooled_bits { "per-bucket" } else { "pooled" }
    }

    /// The model the predictions for an input of `bucket` come from: the one the scores choose,
    /// but the pooled one only for work within a bucket of the runs `fam` counted. That the
    /// times do not depend on the work was seen only there: far past it (`sum_to n=3·10⁶` after
    /// runs of 2²–2¹⁵ instructions) a pooled mean of small runs would predict the big one, where
    /// the per-bucket model's prior scales the interpreter's runs by the work.
    fn model_at(&self, fam: &[Obs], bucket: Option<u32>) -> &'static str {
        let chosen = self.chosen();
        match (chosen, bucket, Planner::counted_range(fam)) {
            ("pooled", Some(q), Some((lo, hi))) if q.saturating_add(1) < lo || q > hi.saturating_add(1) => {
                "per-bucket"
            }
            _ => chosen,
        }
    }
}

/// An earlier ok run whose output can be reused.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cached {
    pub run: u64,
    /// The output state's CID.
    pub output: String,
    /// The CID of what the run printed, when the program prints.
    pub printed: Option<String>,
}

/// An earlier failure of this exact input.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Failure {
    pub run: u64,
    pub code: Option<String>,
    pub message: Option<String>,
}

/// Everything the planner knows about one query.
#[derive(Clone, Debug, Serialize)]
pub struct Assessment {
    pub bucket: Bucket,
    /// No timed run of this program, entry and direction: the static rule decides.
    pub cold: bool,
    /// The compute arms: interp and jit here, then interp and jit on each peer.
    pub arms: Vec<ArmView>,
    /// The largest probability of being fastest.
    pub confidence: f64,
    /// Whether some gene of the program loops or recurses ([`Query::static_jit`]), so that a
    /// run of work nothing predicts may be long ([`Assessment::tiered`]).
    #[serde(skip)]
    pub loops: bool,
    pub mdl: Mdl,
    /// `pooled` or `per-bucket`: the model the predictions come from.
    pub model: &'static str,
    /// The compute arm chosen.
    pub choice: Arm,
    /// Where: `local` or a peer's name.
    #[serde(rename = "where")]
    pub site: String,
    /// A recorded output for this exact input, when reuse is possible.
    pub cached: Option<Cached>,
    /// Why a recorded output cannot be reused, when one exists.
    pub reuse_blocked: Option<String>,
    /// The newest run of this exact input, when it failed.
    pub failure: Option<Failure>,
    /// The peer arms of the query left out for now, because their newest tries did not run.
    pub resting: Vec<Resting>,
    /// The decision in words.
    pub why: String,
    /// Why the compute arm was chosen, without reuse or failure (what `run --backend auto`
    /// records as its `backend_reason`).
    #[serde(skip)]
    pub why_backend: String,
}

impl Assessment {
    /// The view of a compute arm here.
    pub fn arm(&self, arm: Arm) -> Option<&ArmView> {
        self.at(arm, LOCAL)
    }

    /// The view of a compute arm at `site`.
    pub fn at(&self, arm: Arm, site: &str) -> Option<&ArmView> {
        self.arms.iter().find(|a| a.arm == arm && a.site == site)
    }
}

/// The site of the arms that run here.
pub const LOCAL: &str = "local";

/// How the `outcome` of a probe of a peer arm that did not run the gene begins (the peer could
/// not be reached, timed out, or answered with an error): see [`peer_failure_probe`].
pub const PEER_FAILED: &str = "the peer did not run it";

/// Runs recorded after a peer arm's first failure in a row before the planner considers the
/// arm again; each further failure in a row doubles it (up to [`RETRY_MAX_DOUBLINGS`] times).
pub const RETRY_RUNS: usize = 20;

/// The most times a resting arm's wait is doubled (20 · 2⁸ = 5120 runs, past the
/// [`LOAD_LIMIT`] runs [`Planner::load`] reads: a failure older than every run read ends the
/// rest, so the arm is considered again after at most that many runs).
pub const RETRY_MAX_DOUBLINGS: u32 = 8;

/// The probe `loop` records when `arm` on `peer` did not run `q` (`why`: the error): one
/// sample, `waited_ns`, the wait until the failure. It teaches no time; it makes the arm rest
/// ([`Resting`]).
pub fn peer_failure_probe(
    q: &Query,
    arm: Arm,
    peer: &str,
    waited_ns: u64,
    why: &str,
    started: std::time::SystemTime,
) -> Option<Probe> {
    let target = format!("{} {} {} {} {}", q.program, q.entry, q.direction, arm.name(), q.input);
    let subject = crate::probe::Subject { kind: "run", source: peer, target: &target };
    Probe::new(subject, 0, vec![waited_ns.max(1)], None, &format!("{PEER_FAILED}: {why}"), started)
}

/// A peer arm left out of every decision for now: its newest tries (of any program) did not
/// run there. It is considered again once [`RETRY_RUNS`] · 2^(failures − 1) runs have been
/// recorded since the newest failure; a try that reaches the peer ends the rest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Resting {
    pub arm: Arm,
    #[serde(rename = "where")]
    pub site: String,
    /// Failures in a row (since the newest try that reached the peer).
    pub failures: u32,
    /// The probe record of the newest failure.
    pub probe: u64,
    /// Its error.
    pub error: String,
    /// Runs still to be recorded before the arm is considered again.
    pub runs_left: usize,
}

impl Resting {
    /// The failures in words: `its last try`, `the last 3 tries`.
    pub fn tries(&self) -> String {
        if self.failures == 1 {
            "its last try".to_string()
        } else {
            format!("the last {} tries", self.failures)
        }
    }
}

/// `n` and the noun for it: `1 run`, `3 runs`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A timed ok run, as the model sees it.
#[derive(Clone, Debug)]
struct Obs {
    /// The record, and the sample within it (probes hold several).
    id: (u64, u32),
    arm: Arm,
    site: String,
    bucket: Option<u32>,
    ln_ns: f64,
}

/// An observation of another context, as re-seeding weighs it: (its context, ln time, weight).
type Weighed<'a> = ((&'a Family, Option<u32>), f64, f64);

/// The key of a family of runs: program, entry, direction.
type Family = (String, String, String);

/// The planner's view of the ledger.
pub struct Planner {
    /// Runs, newest first.
    runs: Vec<RunRecord>,
    /// Instructions the interpreter counted per (family, input).
    work: HashMap<(Family, String), u64>,
    /// The features of counted inputs (input CID → [`features`]), read from the store.
    features: HashMap<String, Vec<f64>>,
    /// Timed ok runs (and peer probe samples) per family, newest first.
    obs: BTreeMap<Family, Vec<Obs>>,
    /// Each observation's age among those of its arm and site across the ledger (0 = newest):
    /// what re-seeding weighs the priors by.
    age: HashMap<(u64, u32), usize>,
    /// Per peer arm whose newest try did not run there: the failures in a row, the newest
    /// one's probe id and its error.
    failed: HashMap<(Arm, String), (u32, u64, String)>,
}

/// The compute arms: each engine here, then each engine on each peer.
fn arm_keys<'a>(peers: impl Iterator<Item = &'a str>) -> Vec<(Arm, String)> {
    std::iter::once(LOCAL)
        .chain(peers)
        .flat_map(|site| Arm::COMPUTE.iter().map(move |a| (*a, site.to_string())))
        .collect()
}

/// ⌊log₂ n⌋ (0 for 0).
fn log2_floor(n: u64) -> u32 {
    63 - n.max(1).leading_zeros()
}

fn family_of(r: &RunRecord) -> Family {
    (r.run.program.clone(), r.run.entry.clone(), r.run.direction.clone())
}

/// A context's prior and posterior for one arm.
#[derive(Clone, Copy, Debug)]
struct Fit {
    prior: Nig,
    posterior: Nig,
    /// Observations of the context.
    runs: usize,
    /// Their weight after discounting.
    weight: f64,
    /// Whether anything (this context or another) informs the prior.
    informed: bool,
}

/// The re-seeded prior (Φ) from other contexts' observations `(context, ln time, recency
/// weight)`, worth at most [`PRIOR_WEIGHT`] runs: μ₀ is their weighted mean; the prior on σ²
/// is centred on their pooled *within*-context variance (how much runs of one context scatter,
/// not how much contexts differ from each other), or vague when no context has two runs.
/// [`Nig::VAGUE`] when there are none.
pub fn reseed<K: Eq + std::hash::Hash>(others: &[(K, f64, f64)]) -> Nig {
    let total: f64 = others.iter().map(|(_, _, w)| w).sum();
    if total <= 0.0 {
        return Nig::VAGUE;
    }
    let mean = others.iter().map(|(_, x, w)| x * w).sum::<f64>() / total;
    let mut groups: HashMap<&K, (f64, f64, usize)> = HashMap::new();
    for (k, x, w) in others {
        let g = groups.entry(k).or_default();
        g.0 += w;
        g.1 += w * x;
        g.2 += 1;
    }
    let ss: f64 = others
        .iter()
        .map(|(k, x, w)| {
            let g = groups[k];
            w * (x - g.1 / g.0).powi(2)
        })
        .sum();
    let (n, k) = (others.len(), groups.len());
    // Evidence that weighs little (old, or of distant work) makes a prior no vaguer than the
    // vague one it replaces.
    let weight = PRIOR_WEIGHT.min(total).max(Nig::VAGUE.kappa);
    if n <= k {
        return Nig { mu: mean, kappa: weight, ..Nig::VAGUE };
    }
    // Bessel's correction, one degree of freedom per context.
    let var = (ss / total * n as f64 / (n - k) as f64).max(MIN_SD * MIN_SD);
    Nig { mu: mean, kappa: weight, alpha: 1.0 + weight / 2.0, beta: var * weight / 2.0 }
}

/// The probe records the planner learns from: those of runs on a peer (`what` `run`, `source`
/// not [`LOCAL`]; [`Planner::from_records`]), so the other probes (a load is noted on every
/// read of the store) do not take their place in its window. A body that is not JSON passes,
/// and is an error, as in [`Home::records_of`].
const PEER_RUN_PROBES: &str = "NOT json_valid(body) OR (CASE WHEN json_valid(body) THEN \
     json_extract(body, '$.what') = 'run' AND json_extract(body, '$.source') IS NOT 'local' END)";

impl Planner {
    /// The planner of `home`: its newest [`LOAD_LIMIT`] runs and probes of runs on a peer.
    pub fn load(home: &Home) -> Result<Planner, CoreError> {
        let runs = home.runs(Some(LOAD_LIMIT), None)?;
        let probes = home
            .records_where(crate::probe::KIND, PEER_RUN_PROBES, Some(LOAD_LIMIT))?
            .into_iter()
            .filter_map(|(id, body)| serde_json::from_value::<Probe>(body).ok().map(|p| (id, p)))
            .collect();
        let mut planner = Planner::from_records(runs, probes);
        // The counted inputs' features, from their states in the store (read without noting a
        // load: the planner only looks); an input gc dropped teaches nothing.
        let inputs: std::collections::BTreeSet<String> =
            planner.work.keys().map(|(_, i)| i.clone()).collect();
        for input in inputs {
            let Ok(cid) = crate::cid::Cid::parse(&input) else { continue };
            let bytes = match home.open_blob(&cid) {
                Ok(crate::store::BlobSource::Inline(b)) => b,
                Ok(crate::store::BlobSource::File { mut file, len }) if len < 1 << 20 => {
                    let mut b = Vec::new();
                    if std::io::Read::read_to_end(&mut file, &mut b).is_err()
                        || crate::cid::Cid::of(&b) != cid
                    {
                        continue;
                    }
                    b
                }
                _ => continue,
            };
            if let Some(f) = features(&bytes) {
                planner.features.insert(input, f);
            }
        }
        Ok(planner)
    }

    /// These input features (input CID → [`features`]) for predicting work.
    pub fn with_features(mut self, features: HashMap<String, Vec<f64>>) -> Planner {
        self.features.extend(features);
        self
    }

    /// The planner of these runs (in any order), without probes.
    pub fn from_runs(runs: Vec<RunRecord>) -> Planner {
        Planner::from_records(runs, Vec::new())
    }

    /// The planner of these runs and probes (each with its record id, in any order). Probes of
    /// runs on a peer (`what` = `run`, `source` = the peer, `target` = `PROGRAM entry direction
    /// backend [INPUT]`) are the evidence of that peer's arm.
    pub fn from_records(mut runs: Vec<RunRecord>, probes: Vec<(u64, Probe)>) -> Planner {
        runs.sort_by_key(|r| std::cmp::Reverse(r.id));
        let mut work = HashMap::new();
        for r in runs.iter().rev() {
            if let (Some(n), "ok", "interp") =
                (r.run.instructions, r.run.outcome.as_str(), r.run.backend.as_str())
            {
                work.insert((family_of(r), r.run.input.clone()), n);
            }
        }
        let bucket_of = |family: &Family, input: &str| {
            work.get(&(family.clone(), input.to_string())).map(|n| log2_floor(*n))
        };
        let mut obs: BTreeMap<Family, Vec<Obs>> = BTreeMap::new();
        for r in &runs {
            let Some(arm) = Arm::of_backend(&r.run.backend) else { continue };
            if r.run.outcome != "ok" || r.run.flags.iter().any(|f| f.starts_with(ON_FLAG)) {
                continue;
            }
            let family = family_of(r);
            let bucket = bucket_of(&family, &r.run.input);
            let ln_ns = (r.run.wall_ns.max(1) as f64).ln();
            let site = LOCAL.to_string();
            obs.entry(family).or_default().push(Obs { id: (r.id, 0), arm, site, bucket, ln_ns });
        }
        for (id, p) in &probes {
            if p.kind != "run" || p.source == LOCAL || p.outcome != "ok" {
                continue;
            }
            let words: Vec<&str> = p.target.split(' ').collect();
            let [program, entry, direction, backend, rest @ ..] = &words[..] else { continue };
            let Some(arm) = Arm::of_backend(backend) else { continue };
            let family = (program.to_string(), entry.to_string(), direction.to_string());
            let bucket = rest.first().and_then(|input| bucket_of(&family, input));
            let fam = obs.entry(family).or_default();
            for (k, ns) in p.samples_ns.iter().enumerate() {
                let ln_ns = ((*ns).max(1) as f64).ln();
                let id = (*id, u32::try_from(k).unwrap_or(u32::MAX));
                fam.push(Obs { id, arm, site: p.source.clone(), bucket, ln_ns });
            }
        }
        for fam in obs.values_mut() {
            fam.sort_by_key(|o| std::cmp::Reverse(o.id));
        }
        let mut all: Vec<&Obs> = obs.values().flatten().collect();
        all.sort_by_key(|o| std::cmp::Reverse(o.id));
        let mut seen: HashMap<(Arm, &str), usize> = HashMap::new();
        let mut age = HashMap::new();
        for o in all {
            let n = seen.entry((o.arm, o.site.as_str())).or_default();
            age.insert(o.id, *n);
            *n += 1;
        }
        // Newest first: a peer arm's failures up to its newest try that reached the peer.
        let mut tries: Vec<&(u64, Probe)> =
            probes.iter().filter(|(_, p)| p.kind == "run" && p.source != LOCAL).collect();
        tries.sort_by_key(|(id, _)| std::cmp::Reverse(*id));
        let mut failed: HashMap<(Arm, String), (u32, u64, String)> = HashMap::new();
        let mut reached: std::collections::HashSet<(Arm, &str)> = std::collections::HashSet::new();
        for (id, p) in tries {
            let Some(arm) = p.target.split(' ').nth(3).and_then(Arm::of_backend) else { continue };
            if reached.contains(&(arm, p.source.as_str())) {
                continue;
            }
            match p.outcome.strip_prefix(PEER_FAILED) {
                Some(why) => {
                    let entry = failed
                        .entry((arm, p.source.clone()))
                        .or_insert_with(|| (0, *id, why.trim_start_matches(':').trim_start().to_string()));
                    entry.0 += 1;
                }
                None => {
                    reached.insert((arm, p.source.as_str()));
                }
            }
        }
        Planner { runs, work, features: HashMap::new(), obs, age, failed }
    }

    /// Whether `arm` on `site` rests now, and until when.
    fn resting(&self, arm: Arm, site: &str) -> Option<Resting> {
        let (failures, probe, error) = self.failed.get(&(arm, site.to_string()))?;
        let window = RETRY_RUNS << (failures.saturating_sub(1)).min(RETRY_MAX_DOUBLINGS);
        let since = self.runs.iter().take_while(|r| r.id > *probe).count();
        // Every run of a full window came after the failure: at least that many runs since.
        if since == self.runs.len() && since >= LOAD_LIMIT {
            return None;
        }
        (since < window).then(|| Resting {
            arm,
            site: site.to_string(),
            failures: *failures,
            probe: *probe,
            error: error.clone(),
            runs_left: window - since,
        })
    }

    /// How many runs the planner read.
    pub fn run_count(&self) -> usize {
        self.runs.len()
    }

    /// The bucket of `q`: the instructions of an earlier interpreter run of the same input, else
    /// the bucket of the newest run of the program (entry, direction) that has one.
    fn bucket(&self, q: &Query) -> Bucket {
        let family = (q.program.clone(), q.entry.clone(), q.direction.clone());
        if let Some(n) = self.work.get(&(family.clone(), q.input.clone())) {
            return Bucket { log2_instructions: Some(log2_floor(*n)), from: "same input", sd_log2: 0.0 };
        }
        let known: Vec<(Vec<f64>, f64)> = self
            .work
            .iter()
            .filter(|((f, _), _)| *f == family)
            .filter_map(|((_, input), n)| {
                Some((self.features.get(input)?.clone(), (*n.max(&1) as f64).log2()))
            })
            .collect();
        if let Some((y, sd, how)) = predict_work(&known, &q.features) {
            let b = y.max(0.0).floor() as u32;
            return Bucket { log2_instructions: Some(b), from: how, sd_log2: sd };
        }
        let latest = self.obs.get(&family).and_then(|o| o.iter().find_map(|o| o.bucket));
        match latest {
            Some(b) => {
                Bucket { log2_instructions: Some(b), from: "latest run of this program", sd_log2: 2.0 }
            }
            None => Bucket { log2_instructions: None, from: "unknown", sd_log2: 0.0 },
        }
    }

    /// The posterior of `arm` at `site` from `own` (the context's observations, newest first)
    /// and the re-seeded prior: every other observation of the arm and site in buckets near
    /// `bucket`, weighed by recency.
    fn fit(&self, arm: Arm, site: &str, bucket: Option<u32>, own: &[&Obs]) -> Fit {
        let near = |b: Option<u32>| match (bucket, b) {
            (Some(q), Some(b)) => q.abs_diff(b) <= 1,
            (None, _) => true,
            (Some(_), None) => false,
        };
        let own_ids: std::collections::HashSet<(u64, u32)> = own.iter().map(|o| o.id).collect();
        let others_where = |near: &dyn Fn(Option<u32>) -> bool, by_distance: bool| -> Vec<Weighed<'_>> {
            self.obs
                .iter()
                .flat_map(|(family, fam)| fam.iter().map(move |o| (family, o)))
                .filter(|(_, o)| o.arm == arm && o.site == site && near(o.bucket) && !own_ids.contains(&o.id))
                .map(|(family, o)| {
                    let age = self.age.get(&o.id).copied().unwrap_or_default();
                    // The interpreter here takes time in proportion to the instructions it runs
                    // (what the bucket counts), so a run of other work is scaled to this one.
                    let scaled = match (arm, site, bucket, o.bucket) {
                        (Arm::Interp, LOCAL, Some(q), Some(b)) => {
                            o.ln_ns + std::f64::consts::LN_2 * (f64::from(q) - f64::from(b))
                        }
                        _ => o.ln_ns,
                    };
                    let recency = 0.5f64.powf(age as f64 / RESEED_HALF_LIFE);
                    let distance = match (bucket, o.bucket) {
                        (Some(q), Some(b)) if by_distance => 0.5f64.powi(q.abs_diff(b) as i32),
                        _ => 1.0,
                    };
                    ((family, o.bucket), scaled, recency * distance)
                })
                .collect()
        };
        // Nearby work first; with none, the arm's runs of any work (a JIT's compile time or a
        // peer's latency do not depend on it) say more than the vague prior, each weighing
        // half as much per doubling of work away from this one: the interpreter's time is
        // proportional to the work only for long runs (a short one is mostly fixed cost), so
        // a run of 2^5 instructions scaled to 2^18 would overstate it.
        let mut others = others_where(&near, false);
        if others.is_empty() {
            others = others_where(&|_| true, true);
        }
        let prior = reseed(&others);
        let mine: Vec<(f64, f64)> = own
            .iter()
            .filter(|o| o.arm == arm && o.site == site)
            .enumerate()
            .map(|(age, o)| (o.ln_ns, 0.5f64.powf(age as f64 / HALF_LIFE)))
            .collect();
        // From 0.0: an empty `sum` of floats is -0.0, which JSON would print.
        let weight = mine.iter().fold(0.0, |sum, (_, w)| sum + w);
        Fit {
            prior,
            posterior: prior.update(&mine),
            runs: mine.len(),
            weight,
            informed: !mine.is_empty() || !others.is_empty(),
        }
    }

    /// MDL of a family's timings: pooled (one Gaussian per arm) against per bucket.
    fn mdl(obs: &[Obs]) -> Mdl {
        let n = obs.len();
        type Groups<'a> = BTreeMap<(Arm, &'a str, Option<u32>), Vec<f64>>;
        let cost = |groups: &Groups| -> f64 {
            let params = 2.0 * groups.len() as f64;
            let model = 0.5 * params * (n.max(2) as f64).log2();
            let data: f64 = groups.values().map(|xs| gaussian_bits(xs)).sum();
            model + data
        };
        let mut pooled: Groups = BTreeMap::new();
        let mut split: Groups = BTreeMap::new();
        for o in obs {
            pooled.entry((o.arm, &o.site, None)).or_default().push(o.ln_ns);
            split.entry((o.arm, &o.site, o.bucket)).or_default().push(o.ln_ns);
        }
        Mdl { pooled_bits: cost(&pooled), per_bucket_bits: cost(&split), runs: n }
    }

    /// The compute arms here and on `peers`, but the peer arms resting now ([`Resting`]).
    fn arms_now<'a>(&self, peers: impl Iterator<Item = &'a str>) -> (Vec<(Arm, String)>, Vec<Resting>) {
        let mut keys = arm_keys(peers);
        let resting: Vec<Resting> = keys
            .iter()
            .filter(|(_, site)| site != LOCAL)
            .filter_map(|(arm, site)| self.resting(*arm, site))
            .collect();
        keys.retain(|(arm, site)| !resting.iter().any(|r| r.arm == *arm && &r.site == site));
        (keys, resting)
    }

    /// The fits of the arms `keys` in the context of the family's observations `fam` at
    /// `bucket`, and each arm's probability of being fastest: what [`Planner::assess`] and
    /// [`Planner::status`] both show. The context's own runs are those of `bucket`, or of every
    /// bucket when `model` is `pooled` (§2 of spec/planner.md).
    fn fit_arms(
        &self,
        fam: &[Obs],
        model: &str,
        bucket: &Bucket,
        keys: &[(Arm, String)],
    ) -> (Vec<Fit>, Vec<f64>) {
        let own: Vec<&Obs> =
            fam.iter().filter(|o| model == "pooled" || o.bucket == bucket.log2_instructions).collect();
        // A predicted work is uncertain: an interpreter's time is proportional to the work, so
        // its μ takes the prediction's variance too (κ shrinks so that σ²/κ grows by it).
        let widen = (bucket.sd_log2 * std::f64::consts::LN_2).powi(2);
        let fits: Vec<Fit> = keys
            .iter()
            .map(|(arm, site)| {
                let mut fit = self.fit(*arm, site, bucket.log2_instructions, &own);
                if *arm == Arm::Interp && widen > 0.0 {
                    let post = &mut fit.posterior;
                    post.kappa = 1.0 / (1.0 / post.kappa + widen / post.mean_var().max(1e-9));
                }
                fit
            })
            .collect();
        let posts: Vec<Nig> = fits.iter().map(|f| f.posterior).collect();
        let p = p_fastest(&posts, &mut Rng::new(MC_SEED));
        (fits, p)
    }

    /// The least and the greatest bucket among the runs `fam` counted, if any.
    fn counted_range(fam: &[Obs]) -> Option<(u32, u32)> {
        let mut buckets = fam.iter().filter_map(|o| o.bucket);
        let first = buckets.next()?;
        Some(buckets.fold((first, first), |(lo, hi), b| (lo.min(b), hi.max(b))))
    }

    /// What the planner predicts and decides for `q`.
    pub fn assess(&self, q: &Query) -> Assessment {
        let family = (q.program.clone(), q.entry.clone(), q.direction.clone());
        let bucket = self.bucket(q);
        let empty = Vec::new();
        let fam = self.obs.get(&family).unwrap_or(&empty);
        let mdl = Planner::mdl(fam);
        let model = mdl.model_at(fam, bucket.log2_instructions);
        let cold = !fam.iter().any(|o| o.site == LOCAL);
        let (keys, resting) = self.arms_now(q.peers.iter().map(String::as_str));
        let (fits, p) = self.fit_arms(fam, model, &bucket, &keys);
        let mut rng = Rng::new(MC_SEED ^ 1);
        let arms: Vec<ArmView> = keys
            .iter()
            .zip(&fits)
            .zip(&p)
            .map(|(((arm, site), fit), p)| ArmView {
                arm: *arm,
                site: site.clone(),
                runs: fit.runs,
                weight: fit.weight,
                prior: fit.prior,
                posterior: fit.posterior,
                predicted_ns: fit.posterior.mu.exp(),
                interval_ns: interval(&fit.posterior, &mut rng),
                p_fastest: *p,
            })
            .collect();
        // A peer nothing has been learned about is explored by `loop`, never planned.
        let best = (0..arms.len())
            .filter(|&i| arms[i].site == LOCAL || fits[i].informed)
            .fold(0, |b, i| if p[i] > p[b] { i } else { b });
        let confidence = p[best];
        let (choice, site) = if cold {
            (if q.static_jit { Arm::Jit } else { Arm::Interp }, LOCAL.to_string())
        } else {
            (arms[best].arm, arms[best].site.clone())
        };
        let (cached, reuse_blocked) = self.reuse(q, &family);
        let failure = self.failure(q, &family);
        let mut a = Assessment {
            bucket,
            cold,
            arms,
            confidence,
            loops: q.static_jit,
            mdl,
            model,
            choice,
            site,
            cached,
            reuse_blocked,
            failure,
            resting,
            why: String::new(),
            why_backend: String::new(),
        };
        a.why_backend = explain(&a, q);
        for r in &a.resting {
            a.why_backend.push_str(&format!(
                "; {} is left out: it did not run {} (probe {}: {}), so it rests for {}",
                arm_label(r.arm, &r.site),
                r.tries(),
                r.probe,
                r.error,
                count(r.runs_left, "more run", "more runs")
            ));
        }
        a.why = a.why_backend.clone();
        if let Some(c) = &a.cached {
            let printed = if c.printed.is_some() { " (with what it printed)" } else { "" };
            a.why
                .push_str(&format!("; run {} recorded this input's output{printed}, so it is reused", c.run));
        }
        if let Some(f) = &a.failure {
            a.why.push_str(&format!(
                "; this input failed in run {} ({}), and will likely fail again",
                f.run,
                f.code.as_deref().unwrap_or("error")
            ));
        }
        a
    }

    /// The newest ok run of exactly `q` with no user kernels; when the program prints, only
    /// with what it printed recorded.
    fn reuse(&self, q: &Query, family: &Family) -> (Option<Cached>, Option<String>) {
        let hit = self.runs.iter().find(|r| {
            r.run.outcome == "ok"
                && r.run.output.is_some()
                && r.run.kernels.is_empty()
                && r.run.input == q.input
                && &family_of(r) == family
        });
        match hit {
            None => (None, None),
            Some(r) if q.prints && r.run.printed.is_none() => (
                None,
                Some(format!(
                    "run {} has this output, but the program prints (print, printf or show) and \
                     that run did not record what it printed",
                    r.id
                )),
            ),
            Some(r) => (
                Some(Cached {
                    run: r.id,
                    output: r.run.output.clone().unwrap_or_default(),
                    printed: r.run.printed.clone(),
                }),
                None,
            ),
        }
    }

    /// The newest run of exactly `q`, when it failed.
    fn failure(&self, q: &Query, family: &Family) -> Option<Failure> {
        let last = self.runs.iter().find(|r| r.run.input == q.input && &family_of(r) == family)?;
        (last.run.outcome != "ok").then(|| Failure {
            run: last.id,
            code: last.run.code.clone(),
            message: last.run.message.clone(),
        })
    }

    /// An arm by Thompson sampling: one draw of each compute arm's median time, the least wins.
    /// Gives the index of the arm in `a.arms`.
    pub fn thompson(a: &Assessment, rng: &mut Rng) -> usize {
        let draws: Vec<f64> = a.arms.iter().map(|v| v.posterior.sample(rng).0).collect();
        (0..draws.len()).fold(0, |b, i| if draws[i] < draws[b] { i } else { b })
    }

    /// An arm by information-directed sampling ([`Ids`]), from [`DRAWS`] joint draws of every
    /// compute arm's ln mean wall time; `rng` draws them and then the arm.
    pub fn ids(a: &Assessment, rng: &mut Rng) -> Ids {
        let k = a.arms.len();
        // Per arm: the sd of μ and ln of the log-normal's mean over its median (σ²/2), both
        // with σ² at its posterior mean.
        let spread: Vec<(f64, f64)> = a
            .arms
            .iter()
            .map(|v| {
                let var = v.posterior.mean_var();
                ((var / v.posterior.kappa).sqrt(), var / 2.0)
            })
            .collect();
        let mut mean = vec![0.0; k];
        let mut wins = vec![0usize; k];
        // given[b][i]: the sum of arm i's times over the draws in which arm b is fastest.
        let mut given = vec![vec![0.0; k]; k];
        let mut least = 0.0;
        let mut t = vec![0.0; k];
        for _ in 0..DRAWS {
            for ((ti, v), (sd, half)) in t.iter_mut().zip(&a.arms).zip(&spread) {
                *ti = v.posterior.mu + sd * rng.normal() + half;
            }
            let best = (0..k).fold(0, |b, i| if t[i] < t[b] { i } else { b });
            wins[best] += 1;
            least += t[best];
            for ((sum, g), ti) in mean.iter_mut().zip(given[best].iter_mut()).zip(&t) {
                *sum += ti;
                *g += ti;
            }
        }
        let m = DRAWS as f64;
        let mean: Vec<f64> = mean.iter().map(|x| x / m).collect();
        let least = least / m;
        // Below this (in ln units), a regret or a gain is rounding.
        let tiny = 1e-9;
        let regret: Vec<f64> = mean.iter().map(|x| if x - least > tiny { x - least } else { 0.0 }).collect();
        let information: Vec<f64> = (0..k)
            .map(|i| {
                let g: f64 = (0..k)
                    .filter(|&b| wins[b] > 0)
                    .map(|b| wins[b] as f64 / m * (given[b][i] / wins[b] as f64 - mean[i]).powi(2))
                    .sum();
                if g > tiny * tiny { g } else { 0.0 }
            })
            .collect();
        // The distribution with the least ratio is a mixture of at most two arms (Russo and
        // Van Roy, Proposition 6): each pair's best mixing weight, the least ratio overall.
        let ratio = |q: f64, i: usize, j: usize| {
            let d = q * regret[i] + (1.0 - q) * regret[j];
            let g = q * information[i] + (1.0 - q) * information[j];
            if d <= 0.0 {
                0.0
            } else if g <= 0.0 {
                f64::INFINITY
            } else {
                d * d / g
            }
        };
        let mut best = (f64::INFINITY, f64::INFINITY, 0, 0, 1.0);
        for i in 0..k {
            for j in 0..k {
                // (d_j + q (d_i − d_j))² / (g_j + q (g_i − g_j)) is convex in q; its minimum is
                // at q = d_j / (d_i − d_j) − 2 g_j / (g_i − g_j), within [0, 1].
                let (dd, dg) = (regret[i] - regret[j], information[i] - information[j]);
                let mut q = if i == j { 1.0 } else { 0.0 };
                if i != j && dd != 0.0 && dg != 0.0 {
                    q = (regret[j] / dd - 2.0 * information[j] / dg).clamp(0.0, 1.0);
                }
                for q in [q, 1.0] {
                    let (r, d) = (ratio(q, i, j), q * regret[i] + (1.0 - q) * regret[j]);
                    // The least ratio; among equal ones (all infinite when nothing is left to
                    // learn), the least expected regret.
                    if r.total_cmp(&best.0).then(d.total_cmp(&best.1)).is_lt() {
                        best = (r, d, i, j, q);
                    }
                }
            }
        }
        let (least_ratio, _, i, j, q) = best;
        let mut probability = vec![0.0; k];
        probability[i] += q;
        probability[j] += 1.0 - q;
        let pick = if rng.uniform() < q { i } else { j };
        Ids { pick, probability, ratio: least_ratio, regret, information }
    }

    /// Every context with its arms, as `rdx status` lists them: per work bucket its runs
    /// counted, the predictions and P(fastest) as [`Planner::assess`] makes them for an input of
    /// that bucket (the same model, so under the pooled one the runs of every bucket), over the
    /// arms here and on each peer with runs of the program, entry and direction (but those
    /// resting now).
    pub fn status(&self) -> Vec<ContextStatus> {
        let mut out = Vec::new();
        for ((program, entry, direction), fam) in &self.obs {
            let mut buckets: Vec<Option<u32>> = fam.iter().map(|o| o.bucket).collect();
            buckets.sort();
            buckets.dedup();
            let mut peers: Vec<&str> = fam.iter().map(|o| o.site.as_str()).filter(|s| *s != LOCAL).collect();
            peers.sort();
            peers.dedup();
            let (keys, _) = self.arms_now(peers.into_iter());
            let mdl = Planner::mdl(fam);
            for bucket in buckets {
                let from = if bucket.is_some() { "same input" } else { "unknown" };
                let counted = Bucket { log2_instructions: bucket, from, sd_log2: 0.0 };
                let (fits, p) = self.fit_arms(fam, mdl.model_at(fam, bucket), &counted, &keys);
                let arms: Vec<ArmStatus> = keys
                    .iter()
                    .zip(&fits)
                    .zip(&p)
                    .map(|(((arm, site), fit), p)| ArmStatus {
                        arm: *arm,
                        site: site.clone(),
                        runs: fit.runs,
                        predicted_ns: fit.posterior.mu.exp(),
                        p_fastest: *p,
                    })
                    .collect();
                let best = (0..arms.len()).fold(0, |b, i| if p[i] > p[b] { i } else { b });
                out.push(ContextStatus {
                    program: program.clone(),
                    entry: entry.clone(),
                    direction: direction.clone(),
                    bucket,
                    best: arms[best].arm,
                    best_where: arms[best].site.clone(),
                    confidence: p[best],
                    arms,
                    mdl,
                });
            }
        }
        out
    }
}

/// One context as `rdx status` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct ContextStatus {
    pub program: String,
    pub entry: String,
    pub direction: String,
    /// ⌊log₂ instructions⌋, `None` when unknown.
    pub bucket: Option<u32>,
    pub arms: Vec<ArmStatus>,
    pub best: Arm,
    /// Where the best arm runs: `local` or a peer's name.
    #[serde(rename = "best_where")]
    pub best_where: String,
    pub confidence: f64,
    /// The MDL scores of the context's program, entry and direction.
    pub mdl: Mdl,
}

/// One arm of a context in `rdx status`.
#[derive(Clone, Debug, Serialize)]
pub struct ArmStatus {
    pub arm: Arm,
    /// `local`, or the peer's name.
    #[serde(rename = "where")]
    pub site: String,
    pub runs: usize,
    pub predicted_ns: f64,
    pub p_fastest: f64,
}

/// Bits to code `xs` (ln times) under the Gaussian fitted to them, at resolution [`MDL_DELTA`].
fn gaussian_bits(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).max(MIN_SD * MIN_SD);
    let ln2 = std::f64::consts::LN_2;
    xs.iter()
        .map(|x| {
            0.5 * (std::f64::consts::TAU * var).log2() + (x - mean).powi(2) / (2.0 * var * ln2)
                - MDL_DELTA.log2()
        })
        .sum()
}

/// The probability that each posterior's μ is the least, by [`DRAWS`] Monte Carlo draws.
fn p_fastest(posts: &[Nig], rng: &mut Rng) -> Vec<f64> {
    let mut wins = vec![0usize; posts.len()];
    for _ in 0..DRAWS {
        let draws: Vec<f64> = posts.iter().map(|p| p.sample(rng).0).collect();
        let best = (0..draws.len()).fold(0, |b, i| if draws[i] < draws[b] { i } else { b });
        wins[best] += 1;
    }
    wins.iter().map(|w| *w as f64 / DRAWS as f64).collect()
}

/// The 90% interval of a new run's wall time under `post`, by Monte Carlo.
fn interval(post: &Nig, rng: &mut Rng) -> [f64; 2] {
    let mut xs: Vec<f64> = (0..DRAWS).map(|_| post.predict(rng)).collect();
    xs.sort_by(f64::total_cmp);
    let at = |q: f64| xs[((xs.len() - 1) as f64 * q).round() as usize].exp();
    [at(0.05), at(0.95)]
}

/// A duration in nanoseconds in words: `830 ns`, `31.2 µs`, `1.20 ms`, `2.50 s`.
pub fn human_ns(ns: f64) -> String {
    let (v, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    if unit == "ns" || v >= 100.0 {
        format!("{v:.0} {unit}")
    } else if v >= 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.2} {unit}")
    }
}

/// An arm's name with its site: `interp`, `jit`, `interp on NAME`.
pub fn arm_label(arm: Arm, site: &str) -> String {
    if site == LOCAL { arm.name().to_string() } else { format!("{} on {site}", arm.name()) }
}

/// The choice of a compute arm in words.
fn explain(a: &Assessment, q: &Query) -> String {
    if a.cold {
        let rule = if q.static_jit {
            "a gene loops or recurses, so the run starts on the interpreter and starts over on the JIT if it runs long"
        } else {
            "no gene loops or recurses, so interpreting is cheaper"
        };
        format!("cold start (no timed run of this program, entry and direction): the static rule: {rule}")
    } else {
        let bucket = match a.bucket.log2_instructions {
            // `the one counted input` has its article.
            Some(b) => {
                let from = a.bucket.from;
                let the = if from.starts_with("the ") { "" } else { "the " };
                format!("work bucket 2^{b} instructions, from {the}{from}")
            }
            None => "work bucket unknown".to_string(),
        };
        let arms: Vec<String> = a
            .arms
            .iter()
            .map(|v| {
                let runs = count(v.runs, "run", "runs");
                format!("{} {} over {runs}", arm_label(v.arm, &v.site), human_ns(v.predicted_ns))
            })
            .collect();
        // The pooled model is not used past the work its runs counted (`Mdl::model_at`).
        let past = if a.model == a.mdl.chosen() {
            ""
        } else {
            ", but this input's work is more than a bucket past its runs', so per-bucket predicts"
        };
        // The interpreter planned for work nothing predicts, on a program that may run long.
        let tiered = match (a.tiered(), a.bucket.log2_instructions) {
            (false, _) => String::new(),
            (true, known) => {
                let work = match known {
                    None => "nothing predicts this input's work (no interpreter run of this program, \
                         entry and direction has counted any)"
                        .to_string(),
                    Some(_) => {
                        format!(
                            "this input's work is predicted only roughly (sd_log2 {:.1})",
                            a.bucket.sd_log2
                        )
                    }
                };
                format!(
                    "; {work} and a gene loops or recurses, so the run starts on the interpreter and \
                     starts over on the JIT if it runs long"
                )
            }
        };
        format!(
            "{} is fastest with probability {:.2}: {} ({bucket}); MDL prefers the {} model ({:.1} bits \
             against {:.1}){past}{tiered}",
            arm_label(a.choice, &a.site),
            a.confidence,
            arms.join(", "),
            a.mdl.chosen(),
            a.mdl.pooled_bits.min(a.mdl.per_bucket_bits),
            a.mdl.pooled_bits.max(a.mdl.per_bucket_bits),
        )
    }
}

/// The record kind of the planner's decisions (the audit trail).
pub const DECISION: &str = "decision";

/// A decision as the ledger keeps it (a record of kind [`DECISION`]): what was asked, what was
/// chosen and how, and every arm's prior and posterior at that moment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Who decided: `run --backend auto`, `loop`, `python`.
    pub by: String,
    /// `plan` (the arm most likely fastest), `ids` (information-directed sampling, `loop`),
    /// `thompson` (`loop --rule thompson`), `reuse` or `static rule`.
    pub how: String,
    pub program: String,
    pub entry: String,
    pub direction: String,
    pub input: String,
    /// `interp` or `jit` (the engine, also for a reuse: the one the plan would have run; for
    /// a tiered run, `interp`, where the run starts, with `tiered`).
    pub backend: String,
    /// The run starts on the interpreter and moves to the JIT past a step budget
    /// ([`Assessment::tiered`]: the static rule's JIT on a cold start, or the interpreter
    /// planned for work nothing predicts); false in records older than the field.
    #[serde(default)]
    pub tiered: bool,
    /// `local` or a peer's name.
    #[serde(rename = "where")]
    pub site: String,
    pub reuse: bool,
    /// The run whose output was reused.
    pub reused_run: Option<u64>,
    pub cold: bool,
    pub confidence: f64,
    /// `pooled` or `per-bucket`.
    pub model: String,
    pub bucket: Option<u32>,
    pub arms: Vec<DecisionArm>,
    pub why: String,
    pub started: String,
}

/// One arm of a [`Decision`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionArm {
    pub arm: String,
    #[serde(rename = "where")]
    pub site: String,
    pub runs: usize,
    pub prior: Nig,
    pub posterior: Nig,
    pub predicted_ns: f64,
    pub p_fastest: f64,
}

impl Decision {
    /// The decision to take arm `pick` of `a` (an index into `a.arms`), or its cached output
    /// when `reuse`; `how` says how it was taken.
    pub fn of(q: &Query, a: &Assessment, pick: usize, reuse: bool, by: &str, how: &str) -> Decision {
        let chosen = &a.arms[pick];
        Decision {
            by: by.to_string(),
            how: how.to_string(),
            program: q.program.clone(),
            entry: q.entry.clone(),
            direction: q.direction.clone(),
            input: q.input.clone(),
            backend: chosen.arm.name().to_string(),
            tiered: false,
            site: chosen.site.clone(),
            reuse,
            reused_run: a.cached.as_ref().filter(|_| reuse).map(|c| c.run),
            cold: a.cold,
            confidence: a.confidence,
            model: a.model.to_string(),
            bucket: a.bucket.log2_instructions,
            arms: a
                .arms
                .iter()
                .map(|v| DecisionArm {
                    arm: v.arm.name().to_string(),
                    site: v.site.clone(),
                    runs: v.runs,
                    prior: v.prior,
                    posterior: v.posterior,
                    predicted_ns: v.predicted_ns,
                    p_fastest: v.p_fastest,
                })
                .collect(),
            why: if reuse { a.why.clone() } else { a.why_backend.clone() },
            started: crate::ledger::timestamp(std::time::SystemTime::now()),
        }
    }
}

/// The uncertainty of a predicted work bucket (the standard deviation of its log₂) from which a
/// run planned on the interpreter is tiered ([`Assessment::tiered`]): a factor of 4 either way.
pub const ROUGH_SD_LOG2: f64 = 2.0;

impl Assessment {
    /// Whether the planned run is tiered: it starts on the interpreter and moves to the JIT only
    /// past a step budget ([`crate::run::execute_auto`]). So is the static rule's JIT here (a
    /// cold start of a gene that loops or recurses), and the interpreter here planned for an
    /// input whose work nothing predicts (the bucket is unknown) or predicts only roughly
    /// (`sd_log2` of [`ROUGH_SD_LOG2`] or more: one counted input far from this one, or the
    /// latest run of the program) when some gene loops or recurses: the prediction then speaks
    /// for a run that may be long, and the budget bounds what a long one costs (a short one
    /// ends on the interpreter, as planned).
    pub fn tiered(&self) -> bool {
        self.site == LOCAL
            && self.loops
            && match self.choice {
                Arm::Jit => self.cold,
                Arm::Interp => {
                    self.bucket.log2_instructions.is_none() || self.bucket.sd_log2 >= ROUGH_SD_LOG2
                }
                Arm::Reuse => false,
            }
    }

    /// The engine the planned run starts on: the interpreter when [`Assessment::tiered`], else
    /// `choice`.
    pub fn starts_on(&self) -> Arm {
        if self.tiered() { Arm::Interp } else { self.choice }
    }

    /// The index in `arms` of the planned arm (`choice` at `site`).
    pub fn planned(&self) -> usize {
        self.arms.iter().position(|v| v.arm == self.choice && v.site == self.site).unwrap_or_default()
    }
}

/// What `--backend auto` decided (the CLI's `rdx run` and Python's `backend="auto"` alike).
#[derive(Debug)]
pub struct Auto {
    /// The engine chosen (for a reuse, the one the plan would have run; for a tiered run, the
    /// static rule's JIT or the interpreter the planner took, either way started on the
    /// interpreter and moved to the JIT past the step budget).
    pub arm: Arm,
    /// `local` or a peer's name.
    pub site: String,
    /// The recorded output to give back, when reusing.
    pub reuse: Option<Cached>,
    /// Whether the run is tiered ([`Assessment::tiered`]: the static rule's JIT on a cold start,
    /// or the interpreter planned for work nothing predicts or predicts only roughly): it starts
    /// on the interpreter and moves to the JIT past the step budget
    /// ([`crate::run::execute_auto`]).
    pub tiered: bool,
    /// Why: `plan (decision N): …`, the decision record's id included when it was recorded.
    pub reason: String,
    /// Why the decision could not be recorded, when it could not.
    pub unrecorded: Option<CoreError>,
}

/// `--backend auto`: the plan for `q` (peers: `q.peers`; reuse only with `allow_reuse`), and,
/// with `record`, its decision appended to the ledger (by `by`). An error when the ledger
/// cannot be read.
pub fn auto(home: &Home, q: &Query, allow_reuse: bool, by: &str, record: bool) -> Result<Auto, CoreError> {
    let a = Planner::load(home)?.assess(q);
    let reuse = a.cached.clone().filter(|_| allow_reuse);
    let how = match (&reuse, a.cold) {
        (Some(_), _) => "reuse",
        (None, true) => "static rule",
        (None, false) => "plan",
    };
    let mut decision = Decision::of(q, &a, a.planned(), reuse.is_some(), by, how);
    // A tiered run starts on the interpreter: the decision says where.
    if a.tiered() {
        decision.backend = a.starts_on().name().to_string();
        decision.tiered = true;
    }
    let (id, unrecorded) = if record {
        match home.record_decision(&decision) {
            Ok(id) => (Some(id), None),
            Err(e) => (None, Some(e)),
        }
    } else {
        (None, None)
    };
    let reason = match id {
        Some(id) => format!("plan (decision {id}): {}", a.why_backend),
        None => format!("plan: {}", a.why_backend),
    };
    let tiered = a.tiered();
    Ok(Auto { arm: a.choice, site: a.site, reuse, reason, unrecorded, tiered })
}

/// How `loop` picks a compute arm.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rule {
    /// Information-directed sampling ([`Planner::ids`]): an exploration is weighed by what it
    /// is expected to cost.
    #[default]
    Ids,
    /// Thompson sampling ([`Planner::thompson`]): one posterior draw of each arm's median
    /// time, the least wins (the earlier rule, kept for comparison).
    Thompson,
}

impl Rule {
    /// `ids` or `thompson`: the decision record's `how`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Ids => "ids",
            Rule::Thompson => "thompson",
        }
    }

    /// The rule of a name ([`Rule::name`]).
    pub fn of_name(name: &str) -> Option<Rule> {
        [Rule::Ids, Rule::Thompson].into_iter().find(|r| r.name() == name)
    }

    fn words(self) -> &'static str {
        match self {
            Rule::Ids => "information-directed sampling (the least regret² / information)",
            Rule::Thompson => "Thompson sampling",
        }
    }
}

/// Information-directed sampling (Russo and Van Roy, 2018, the variance form) on ln time: with
/// t_a the ln of arm a's mean wall time and a* the fastest arm in each joint posterior draw,
/// a's expected regret is Δ_a = E[t_a − t_a*] (so exp Δ_a is how many times slower than the
/// fastest it is expected to be) and its information gain is g_a = Σ_b P(a* = b)
/// (E[t_a | a* = b] − E[t_a])², how much knowing which arm is fastest would move a's expected
/// time. The arm is drawn from the distribution π over the arms with the least information
/// ratio (Σ π_a Δ_a)² / Σ π_a g_a. An arm that can only be slower teaches nothing (g = 0) and
/// is never drawn; an arm that may be faster is drawn about as often as the regret of not
/// knowing (the best arm's Δ) over its own regret: rarely when trying it costs much.
#[derive(Clone, Debug, PartialEq)]
pub struct Ids {
    /// The arm drawn: an index into the assessment's arms.
    pub pick: usize,
    /// π per arm (at most two are positive).
    pub probability: Vec<f64>,
    /// π's information ratio (0 when one arm is fastest in every draw).
    pub ratio: f64,
    /// Δ per arm (ln units).
    pub regret: Vec<f64>,
    /// g per arm (ln units squared).
    pub information: Vec<f64>,
}

impl Ids {
    /// The arms drawn with positive probability, in words: `jit 0.97 (1.02× the fastest),
    /// interp on far 0.03 (2.61× the fastest)`.
    fn words(&self, a: &Assessment) -> String {
        let arms: Vec<String> = (0..a.arms.len())
            .filter(|&i| self.probability[i] > 0.0)
            .map(|i| {
                let v = &a.arms[i];
                let p = self.probability[i];
                let p = if p < 0.005 { "< 0.01".to_string() } else { format!("{p:.2}") };
                let times = self.regret[i].exp();
                let times = if times < 10.0 { format!("{times:.2}") } else { format!("{times:.0}") };
                format!("{} {p} ({times}× the fastest)", arm_label(v.arm, &v.site))
            })
            .collect();
        arms.join(", ")
    }
}

/// One cycle of `loop` up to its run: T (measure: the ledger, every earlier cycle's run
/// included, gives the posteriors, their priors re-seeded from the arm's recent runs
/// elsewhere), S (act: the rule picks a compute arm, never reuse; information-directed sampling
/// unless told otherwise), and the decision recorded with the posteriors it came from. The
/// caller runs the arm; its run is the evidence the next cycle's Φ re-seeds from.
#[derive(Debug)]
pub struct Cycle {
    pub assessment: Assessment,
    /// The arm picked: an index into `assessment.arms`.
    pub pick: usize,
    /// The pick's predicted time minus the least predicted time, in nanoseconds.
    pub regret_ns: f64,
    /// The decision record's id.
    pub decision: u64,
    /// The rule that picked.
    pub rule: Rule,
}

impl Cycle {
    /// The arm picked.
    pub fn arm(&self) -> &ArmView {
        &self.assessment.arms[self.pick]
    }

    /// The `backend_reason` of the run the cycle makes.
    pub fn reason(&self) -> String {
        format!(
            "loop (decision {}): {} (confidence {:.2})",
            self.decision,
            self.rule.words(),
            self.assessment.confidence
        )
    }
}

/// Measures, picks by `rule` and records one cycle of `loop` for `q` (decisions `by` the
/// caller).
pub fn cycle(home: &Home, q: &Query, rng: &mut Rng, by: &str, rule: Rule) -> Result<Cycle, CoreError> {
    let assessment = Planner::load(home)?.assess(q);
    let (pick, note) = match rule {
        Rule::Ids => {
            let ids = Planner::ids(&assessment, rng);
            (ids.pick, format!("; {}: {}", rule.words(), ids.words(&assessment)))
        }
        Rule::Thompson => (Planner::thompson(&assessment, rng), String::new()),
    };
    let best = assessment.arms.iter().map(|v| v.predicted_ns).fold(f64::INFINITY, f64::min);
    let regret_ns = assessment.arms[pick].predicted_ns - best;
    let mut decision = Decision::of(q, &assessment, pick, false, by, rule.name());
    decision.why.push_str(&note);
    let decision = home.record_decision(&decision)?;
    Ok(Cycle { assessment, pick, regret_ns, decision, rule })
}

impl Home {
    /// Appends a decision to the ledger; returns its record id.
    pub fn record_decision(&self, d: &Decision) -> Result<u64, CoreError> {
        let body =
            serde_json::to_value(d).map_err(|e| CoreError::Usage(format!("a decision as JSON: {e}")))?;
        self.append_record(DECISION, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::NewRun;

    const PROG: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const OTHER: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    const INPUT: &str = "1111111111111111111111111111111111111111111111111111111111111111";
    const INPUT2: &str = "2222222222222222222222222222222222222222222222222222222222222222";
    const OUTPUT: &str = "3333333333333333333333333333333333333333333333333333333333333333";

    fn rec(id: u64, program: &str, input: &str, backend: &str, wall_ns: u64, ok: bool) -> RunRecord {
        RunRecord {
            id,
            run: NewRun {
                started: String::new(),
                ended: String::new(),
                program: program.into(),
                entry: "main".into(),
                direction: "forward".into(),
                backend: backend.into(),
                backend_reason: None,
                input: input.into(),
                output: ok.then(|| OUTPUT.to_string()),
                tape: None,
                erased_bits: 0,
                landauer_joules: 0.0,
                instructions: (ok && backend == "interp").then_some(5000),
                wall_ns,
                outcome: if ok { "ok" } else { "error" }.into(),
                code: (!ok).then(|| "R0110".to_string()),
                message: (!ok).then(|| "division by zero".to_string()),
                rdx_version: String::new(),
                host: String::new(),
                parent: None,
                kernels: Vec::new(),
                flags: Vec::new(),
                printed: None,
                tape_in: None,
            },
            prev: String::new(),
            hash: String::new(),
        }
    }

    fn query(input: &str) -> Query {
        Query {
            program: PROG.into(),
            entry: "main".into(),
            direction: "forward".into(),
            input: input.into(),
            prints: false,
            static_jit: false,
            peers: Vec::new(),
            features: Vec::new(),
        }
    }

    /// Ten runs per backend, with a little jitter, `interp_ns` and `jit_ns` apart.
    fn history(interp_ns: u64, jit_ns: u64) -> Vec<RunRecord> {
        let mut runs = Vec::new();
        for k in 0..10u64 {
            let jitter = 100 + (k * 37 % 11);
            runs.push(rec(2 * k + 1, PROG, INPUT, "interp", interp_ns * jitter / 100, true));
            runs.push(rec(2 * k + 2, PROG, INPUT, "jit", jit_ns * jitter / 100, true));
        }
        runs
    }

    #[test]
    fn the_update_moves_the_mean_to_the_data_and_narrows() {
        let xs: Vec<(f64, f64)> = [10.0, 10.2, 9.8, 10.1, 9.9].iter().map(|x| (*x, 1.0)).collect();
        let post = Nig::VAGUE.update(&xs);
        assert!((post.mu - 10.0).abs() < 0.1, "{post:?}");
        assert!((post.kappa - 5.1).abs() < 1e-9);
        assert!((post.alpha - 3.5).abs() < 1e-9);
        assert!(post.mean_var() < Nig::VAGUE.mean_var());
        // Weights act as counts: one run of weight 2 is two equal runs.
        let twice = Nig::VAGUE.update(&[(10.0, 1.0), (10.0, 1.0)]);
        let weighted = Nig::VAGUE.update(&[(10.0, 2.0)]);
        assert!((twice.mu - weighted.mu).abs() < 1e-12 && (twice.beta - weighted.beta).abs() < 1e-12);
        assert_eq!(Nig::VAGUE.update(&[]), Nig::VAGUE);
    }

    #[test]
    fn posterior_draws_centre_on_the_posterior() {
        let post = Nig { mu: 5.0, kappa: 100.0, alpha: 50.0, beta: 5.0 };
        let mut rng = Rng::new(7);
        let n = 20_000;
        let (mut sm, mut sv) = (0.0, 0.0);
        for _ in 0..n {
            let (m, v) = post.sample(&mut rng);
            sm += m;
            sv += v;
        }
        assert!((sm / n as f64 - 5.0).abs() < 0.01);
        assert!((sv / n as f64 - post.mean_var()).abs() < 0.01);
    }

    #[test]
    fn a_jit_ten_times_faster_is_chosen() {
        let a = Planner::from_runs(history(1_000_000, 100_000)).assess(&query(INPUT));
        assert!(!a.cold);
        assert_eq!(a.choice, Arm::Jit, "{}", a.why);
        assert!(a.arm(Arm::Jit).unwrap().p_fastest > 0.95);
        assert!(a.confidence > 0.95);
        let jit = a.arm(Arm::Jit).unwrap();
        assert!(jit.interval_ns[0] < jit.predicted_ns && jit.predicted_ns < jit.interval_ns[1]);
        assert_eq!(jit.runs, 10);
    }

    #[test]
    fn an_interpreter_ten_times_faster_is_chosen() {
        let a = Planner::from_runs(history(100_000, 1_000_000)).assess(&query(INPUT));
        assert_eq!(a.choice, Arm::Interp, "{}", a.why);
        assert!(a.arm(Arm::Interp).unwrap().p_fastest > 0.95);
    }

    #[test]
    fn a_cold_start_takes_the_static_rule() {
        let planner = Planner::from_runs(Vec::new());
        let a = planner.assess(&query(INPUT));
        assert!(a.cold);
        assert_eq!(a.choice, Arm::Interp);
        assert!(a.why.contains("static rule"), "{}", a.why);
        let a = planner.assess(&Query { static_jit: true, ..query(INPUT) });
        assert_eq!(a.choice, Arm::Jit);
        assert_eq!(a.bucket.from, "unknown");
        // Runs of another program do not warm this one up, but they shape its prior.
        let other: Vec<RunRecord> = history(1_000_000, 100_000)
            .into_iter()
            .map(|mut r| {
                r.run.program = OTHER.into();
                r
            })
            .collect();
        let a = Planner::from_runs(other).assess(&query(INPUT));
        assert!(a.cold);
        assert!(a.arm(Arm::Jit).unwrap().predicted_ns < a.arm(Arm::Interp).unwrap().predicted_ns);
    }

    #[test]
    fn the_interpreter_planned_for_unpredicted_work_of_a_loop_is_tiered() {
        // A tiered run that moved to the JIT counted nothing: this input's work is unknown, and
        // the interpreter's vague prior beats the JIT's measured 10 ms.
        let moved = vec![rec(1, PROG, INPUT, "jit", 10_000_000, true)];
        let loops = Query { static_jit: true, ..query(INPUT2) };
        let a = Planner::from_runs(moved.clone()).assess(&loops);
        assert!(!a.cold);
        assert_eq!((a.choice, a.bucket.from), (Arm::Interp, "unknown"), "{}", a.why);
        assert!(a.tiered(), "{}", a.why);
        assert_eq!(a.starts_on(), Arm::Interp);
        assert!(
            a.why
                .ends_with("so the run starts on the interpreter and starts over on the JIT if it runs long")
        );
        assert!(a.why_backend.contains("nothing predicts this input's work"), "{}", a.why_backend);
        // No gene loops: nothing to move to.
        let straight = Planner::from_runs(moved.clone()).assess(&query(INPUT2));
        assert_eq!(straight.choice, Arm::Interp);
        assert!(!straight.tiered() && !straight.why.contains("starts over"), "{}", straight.why);
        // A counted interpreter run of another input predicts this one's work only roughly (the
        // latest run of the program, sd_log2 2): still tiered.
        let mut counted = moved;
        counted.push(rec(2, PROG, INPUT, "interp", 50_000, true));
        let a = Planner::from_runs(counted.clone()).assess(&loops);
        assert_eq!(a.choice, Arm::Interp, "{}", a.why);
        assert_eq!((a.bucket.from, a.bucket.sd_log2), ("latest run of this program", ROUGH_SD_LOG2));
        assert!(a.tiered(), "{}", a.why);
        assert!(a.why.contains("predicted only roughly (sd_log2 2.0)"), "{}", a.why);
        // The same input counted (a program that prints and recorded nothing printed, so no
        // reuse): the work is known, the plan is the plan.
        let same = Query { prints: true, input: INPUT.into(), ..loops.clone() };
        let a = Planner::from_runs(counted).assess(&same);
        assert_eq!((a.choice, a.bucket.from), (Arm::Interp, "same input"), "{}", a.why);
        assert!(!a.tiered() && !a.why.contains("starts over"), "{}", a.why);
        // The cold start's JIT stays tiered.
        let cold = Planner::from_runs(Vec::new()).assess(&loops);
        assert!(cold.cold && cold.tiered() && cold.choice == Arm::Jit);
    }

    #[test]
    fn reuse_needs_an_exact_ok_input_and_no_prints() {
        let planner = Planner::from_runs(history(1_000_000, 100_000));
        let a = planner.assess(&query(INPUT));
        assert_eq!(a.cached, Some(Cached { run: 20, output: OUTPUT.into(), printed: None }));
        assert!(a.why.contains("reused"));
        let other_input = planner.assess(&query(INPUT2));
        assert_eq!(other_input.cached, None);
        assert_eq!(other_input.bucket.from, "latest run of this program");
        let printing = planner.assess(&Query { prints: true, ..query(INPUT) });
        assert_eq!(printing.cached, None);
        assert!(printing.reuse_blocked.is_some_and(|w| w.contains("prints")));
        // A printing run that recorded what it printed can be reused, with that.
        let mut runs = history(1_000_000, 100_000);
        runs[19].run.printed = Some(OTHER.into());
        let printing = Planner::from_runs(runs).assess(&Query { prints: true, ..query(INPUT) });
        assert_eq!(printing.cached.and_then(|c| c.printed), Some(OTHER.to_string()));
    }

    fn remote_probe(peer: &str, backend: &str, ns: u64) -> Probe {
        let target = format!("{PROG} main forward {backend} {INPUT}");
        let subject = crate::probe::Subject { kind: "run", source: peer, target: &target };
        Probe::new(subject, 0, vec![ns], None, "ok", std::time::SystemTime::now()).unwrap()
    }

    #[test]
    fn a_peer_is_an_arm_learned_from_its_probes() {
        // Runs made on the peer count the work, not the time the caller waited.
        let mut runs = history(1_000_000, 2_000_000);
        let mut remote = rec(21, PROG, INPUT, "interp", 1_000, true);
        remote.run.flags = vec![format!("{ON_FLAG}fast")];
        runs.push(remote);
        let probes: Vec<(u64, Probe)> =
            (0..10).map(|k| (30 + k, remote_probe("fast", "interp", 200_000 + k * 1000))).collect();
        let planner = Planner::from_records(runs.clone(), probes);
        let q = Query { peers: vec!["fast".into(), "unknown".into()], ..query(INPUT) };
        let a = planner.assess(&q);
        assert_eq!((a.choice, a.site.as_str()), (Arm::Interp, "fast"), "{}", a.why);
        assert_eq!(a.arms.len(), 6, "interp and jit, here and on each peer");
        assert_eq!(a.at(Arm::Interp, "fast").unwrap().runs, 10);
        assert_eq!(a.arm(Arm::Interp).unwrap().runs, 10, "the remote run's time is not a local one");
        // Without the peer, or with only a peer nothing is known about, the run stays here.
        assert_eq!(planner.assess(&query(INPUT)).site, LOCAL);
        let unknown = Query { peers: vec!["unknown".into()], ..query(INPUT) };
        assert_eq!(Planner::from_runs(runs).assess(&unknown).site, LOCAL);
        // A slow peer (latency) loses.
        let slow: Vec<(u64, Probe)> =
            (0..10).map(|k| (30 + k, remote_probe("slow", "interp", 50_000_000 + k))).collect();
        let a = Planner::from_records(history(1_000_000, 2_000_000), slow)
            .assess(&Query { peers: vec!["slow".into()], ..query(INPUT) });
        assert_eq!((a.choice, a.site.as_str()), (Arm::Interp, LOCAL), "{}", a.why);
    }

    #[test]
    fn a_peer_arm_that_did_not_run_rests_longer_after_each_failure() {
        // A peer nothing is known about is explored by `loop`.
        let dead = Query { peers: vec!["dead".into()], ..query(INPUT) };
        let dead_picks = |a: &Assessment| {
            let mut rng = Rng::new(3);
            (0..200).filter(|_| a.arms[Planner::ids(a, &mut rng).pick].site == "dead").count()
        };
        let unknown = Planner::from_runs(history(1_000_000, 2_000_000)).assess(&dead);
        assert!(dead_picks(&unknown) > 0, "a peer nothing is known about is explored");
        let failed = |arm: Arm, id: u64| {
            let now = std::time::SystemTime::now();
            (id, peer_failure_probe(&dead, arm, "dead", 300_000, "cannot be reached", now).expect("a sample"))
        };
        // The jit on dead failed after the 20 runs of the history: it rests for 20 runs.
        let a =
            Planner::from_records(history(1_000_000, 2_000_000), vec![failed(Arm::Jit, 30)]).assess(&dead);
        assert!(a.at(Arm::Jit, "dead").is_none() && a.at(Arm::Interp, "dead").is_some());
        let expected = Resting {
            arm: Arm::Jit,
            site: "dead".into(),
            failures: 1,
            probe: 30,
            error: "cannot be reached".into(),
            runs_left: RETRY_RUNS,
        };
        assert_eq!(a.resting, [expected]);
        assert!(a.why.contains("jit on dead is left out"), "{}", a.why);
        assert!(Planner::ids(&a, &mut Rng::new(1)).probability.len() == 3, "IDS never sees it");
        // Both arms failed: nothing on the peer is tried, planned or drawn.
        let both = vec![failed(Arm::Jit, 30), failed(Arm::Interp, 31)];
        let a = Planner::from_records(history(1_000_000, 2_000_000), both.clone()).assess(&dead);
        assert_eq!((a.arms.len(), a.resting.len(), dead_picks(&a)), (2, 2, 0));
        // After 19 more runs it still rests; after 20 it is considered again.
        let more = |n: u64| {
            let mut runs = history(1_000_000, 2_000_000);
            runs.extend((0..n).map(|k| rec(40 + k, PROG, INPUT, "interp", 1_000_000, true)));
            runs
        };
        let a = Planner::from_records(more(19), vec![failed(Arm::Jit, 30)]).assess(&dead);
        assert_eq!(a.resting.iter().map(|r| r.runs_left).collect::<Vec<_>>(), [1]);
        let a = Planner::from_records(more(20), vec![failed(Arm::Jit, 30)]).assess(&dead);
        assert!(a.resting.is_empty() && a.at(Arm::Jit, "dead").is_some());
        // Three failures in a row: 80 runs from the newest (20 of them recorded since). A try
        // that reached the peer (a run that failed there included) ends the count: failures
        // before it do not add up.
        let three = vec![failed(Arm::Jit, 30), failed(Arm::Jit, 31), failed(Arm::Jit, 32)];
        let a = Planner::from_records(more(20), three).assess(&dead);
        let rests =
            |a: &Assessment| a.resting.iter().map(|r| (r.failures, r.probe, r.runs_left)).collect::<Vec<_>>();
        assert_eq!(rests(&a), [(3, 32, 60)]);
        let mut ran = remote_probe("dead", "jit", 1_300_000);
        ran.outcome = "the run failed".into();
        let reached = vec![failed(Arm::Jit, 30), (31, ran), failed(Arm::Jit, 32)];
        let a = Planner::from_records(more(19), reached).assess(&dead);
        assert_eq!(rests(&a), [(1, 32, 1)]);
        // A failure teaches no time.
        assert_eq!(a.at(Arm::Interp, "dead").unwrap().runs, 0);
        // Nine failures in a row rest 5120 runs, more than the planner reads: a failure older
        // than its whole window of runs is over.
        let nine: Vec<(u64, Probe)> = (0..9).map(|k| failed(Arm::Jit, 30 + k)).collect();
        let after = |n: u64| -> Vec<RunRecord> {
            let mut runs = history(1_000_000, 2_000_000);
            runs.extend((0..n).map(|k| rec(40 + k, PROG, INPUT, "interp", 1_000_000, true)));
            // What `load` reads: the newest LOAD_LIMIT.
            runs.sort_by_key(|r| std::cmp::Reverse(r.id));
            runs.truncate(LOAD_LIMIT);
            runs
        };
        let n = LOAD_LIMIT as u64 - 1;
        let a = Planner::from_records(after(n), nine.clone()).assess(&dead);
        assert_eq!(rests(&a), [(9, 38, 5120 - (LOAD_LIMIT - 1))], "the window reaches back past the failure");
        let a = Planner::from_records(after(n + 1), nine).assess(&dead);
        assert!(a.resting.is_empty(), "{:?}", a.resting);
    }

    #[test]
    fn the_probe_window_counts_only_the_probes_the_planner_uses() {
        // The filter names the local site as `LOCAL` spells it (SQL text cannot take the const).
        assert!(super::PEER_RUN_PROBES.contains(&format!("IS NOT '{LOCAL}'")));
        let dir = std::env::temp_dir().join(format!("rdx-planner-window-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let home = Home::open(Some(&dir)).unwrap();
        let dead = Query { peers: vec!["dead".into()], ..query(INPUT) };
        let now = std::time::SystemTime::now();
        let failure = peer_failure_probe(&dead, Arm::Jit, "dead", 300_000, "cannot be reached", now).unwrap();
        let batch = home.batch().unwrap();
        let id = home.record_probe(&failure).unwrap();
        // More local probes (loads, commands, local runs) than the window holds, and no run.
        for k in 0..LOAD_LIMIT + 1 {
            let target = format!("{k}");
            let subject = crate::probe::Subject { kind: "load", source: LOCAL, target: &target };
            home.record_probe(&Probe::new(subject, 0, vec![1000], Some(8), "ok", now).unwrap()).unwrap();
        }
        batch.commit().unwrap();
        let a = Planner::load(&home).unwrap().assess(&dead);
        let rests: Vec<(u32, u64, usize)> =
            a.resting.iter().map(|r| (r.failures, r.probe, r.runs_left)).collect();
        assert_eq!(rests, [(1, id, RETRY_RUNS)], "the failure is still in the window; no run since");
        assert!(a.at(Arm::Jit, "dead").is_none());
        drop(home);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_work_of_a_new_input_is_predicted_from_its_features() {
        // sum_to-like: 5n instructions for n = 1000, 2000, 4000, 8000 (work grows with the
        // value of n, not the input's size).
        let mut runs = Vec::new();
        let mut features = HashMap::new();
        for (k, n) in [1000u64, 2000, 4000, 8000].iter().enumerate() {
            let input = format!("{:064x}", k + 10);
            let mut r = rec(k as u64 + 1, PROG, &input, "interp", 5 * n, true);
            r.run.instructions = Some(5 * n);
            runs.push(r);
            features.insert(input, vec![(1.0 + *n as f64).log2(), 0.0]);
        }
        let planner = Planner::from_runs(runs).with_features(features);
        let q = |n: f64| Query { features: vec![(1.0 + n).log2(), 0.0], ..query(INPUT) };
        let far = planner.assess(&q(64_000.0));
        assert_eq!(far.bucket.from, "log-log fit");
        assert_eq!(far.bucket.log2_instructions, Some(18), "5 · 64000 = 320000 ≈ 2^18.3");
        assert!(far.bucket.sd_log2 < 0.2, "{:?}", far.bucket);
        // The prediction's uncertainty widens the interpreter's posterior.
        let counted = planner.assess(&Query { input: format!("{:064x}", 13), ..q(8000.0) });
        assert_eq!(counted.bucket.from, "same input");
        assert!(
            far.arm(Arm::Interp).unwrap().posterior.kappa < counted.arm(Arm::Interp).unwrap().posterior.kappa
        );
        // Fit against nearest neighbour by leave-one-out; with one counted input, its work.
        let known: Vec<(Vec<f64>, f64)> =
            [(1.0, 10.0), (1.1, 10.0), (5.0, 30.0), (5.1, 30.0), (9.0, 10.0), (9.1, 10.0)]
                .iter()
                .map(|(x, y)| (vec![*x], *y))
                .collect();
        // Two counted inputs: the line through them, unchecked.
        let two: Vec<(Vec<f64>, f64)> = vec![(vec![10.0, 0.0], 12.0), (vec![20.0, 0.0], 22.0)];
        let (y, sd, how) = predict_work(&two, &[17.0, 0.0]).unwrap();
        assert!((y - 19.0).abs() < 1e-3 && (sd, how) == (3.0, "log-log fit"), "{y} {sd} {how}");
        let (_, sd, _) = predict_work(&two, &[11.0, 0.0]).unwrap();
        assert_eq!(sd, 2.0, "near a counted input: a factor of 4");
        let (y, _, how) = predict_work(&known, &[5.2]).unwrap();
        assert_eq!((y, how), (30.0, "nearest input"), "work that no line follows");
        // One counted input: its work, the farther the query the less sure (log₂ distance).
        assert_eq!(predict_work(&known[..1], &[9.0]), Some((10.0, 8.0, "the one counted input")));
        assert_eq!(predict_work(&known[..1], &[2.0]), Some((10.0, 2.0, "the one counted input")));
        assert_eq!(predict_work(&[], &[9.0]), None);
        assert_eq!(super::features(br#"{"a":[1,7,3],"n":1023}"#), Some(vec![2.0, 3.0, 10.0]));
    }

    #[test]
    fn an_input_more_never_makes_the_work_prediction_less_sure() {
        // `gene main(x: u64, y: u64) { x += 1 }`: the same work on every input. Two and three
        // counted inputs are as many as the fit has unknowns (it cannot be checked); the nearest
        // input, checked with error 0, predicts, however far the query.
        let f = |x: f64, y: f64| vec![(1.0 + x).log2(), (1.0 + y).log2()];
        let inputs = [(1.0, 1.0), (2.0, 1.0), (1.0, 2.0), (2.0, 2.0)];
        let known: Vec<(Vec<f64>, f64)> = inputs.iter().map(|&(x, y)| (f(x, y), 1.0)).collect();
        let mut sds = Vec::new();
        for n in 2..=4 {
            let (y, sd, how) = predict_work(&known[..n], &f(1e6, 1e6)).unwrap();
            assert!((y - 1.0).abs() < 1e-6, "{n} inputs: {y}");
            if n < 4 {
                assert_eq!((sd, how), (0.1, "nearest input"), "{n} inputs");
            }
            sds.push(sd);
        }
        assert!(sds.windows(2).all(|w| w[1] <= w[0]), "{sds:?}");
        // An array of huge floats: features near 1023, still the nearest input's error.
        let g = |x: f64| vec![(3.0f64).log2(), (1.0 + x).log2()];
        let known: Vec<(Vec<f64>, f64)> = [1.0, 2.0].iter().map(|&x| (g(x), 1.0)).collect();
        assert_eq!(predict_work(&known, &g(1e308)), Some((1.0, 0.1, "nearest input")));
        // Work that grows as fast as a size (5n + 30, a loop): the unchecked line, as sure as
        // the query is far, not the nearest input's work.
        let lin: Vec<(Vec<f64>, f64)> = [2_000_000.0f64, 4_000_000.0]
            .iter()
            .map(|&n| (vec![(1.0 + n).log2()], (5.0 * n + 30.0).log2()))
            .collect();
        let (y, sd, how) = predict_work(&lin, &[(1001.0f64).log2()]).unwrap();
        assert_eq!(how, "log-log fit");
        assert!((y - 5030f64.log2()).abs() < 0.1 && (sd - 10.96).abs() < 0.01, "{y} {sd}");
    }

    #[test]
    fn a_peer_s_jit_is_an_arm_of_its_own() {
        // Here both engines take a millisecond or more; the peer's JIT answers in 200 µs, its
        // interpreter in 50 ms: the plan is the peer's JIT.
        let mut probes: Vec<(u64, Probe)> =
            (0..8).map(|k| (30 + k, remote_probe("fast", "jit", 200_000 + k * 1000))).collect();
        probes.extend((0..8).map(|k| (40 + k, remote_probe("fast", "interp", 50_000_000 + k))));
        let planner = Planner::from_records(history(1_000_000, 2_000_000), probes);
        let a = planner.assess(&Query { peers: vec!["fast".into()], ..query(INPUT) });
        assert_eq!((a.choice, a.site.as_str()), (Arm::Jit, "fast"), "{}", a.why);
        assert_eq!(a.at(Arm::Jit, "fast").unwrap().runs, 8);
        assert_eq!(a.at(Arm::Interp, "fast").unwrap().runs, 8);
        let d = Decision::of(&q_fast(), &a, a.planned(), false, "loop", "plan");
        assert_eq!((d.backend.as_str(), d.site.as_str()), ("jit", "fast"));
        // A peer whose JIT nothing is known about: its interpreter may be planned, its JIT not.
        let interp_only: Vec<(u64, Probe)> =
            (0..8).map(|k| (30 + k, remote_probe("fast", "interp", 200_000 + k))).collect();
        let a = Planner::from_records(history(1_000_000, 2_000_000), interp_only)
            .assess(&Query { peers: vec!["fast".into()], ..query(INPUT) });
        assert_eq!((a.choice, a.site.as_str()), (Arm::Interp, "fast"), "{}", a.why);
        assert_eq!(a.at(Arm::Jit, "fast").unwrap().runs, 0);
    }

    fn q_fast() -> Query {
        Query { peers: vec!["fast".into()], ..query(INPUT) }
    }

    #[test]
    fn reseeding_moves_a_new_program_s_prior_toward_recent_runs() {
        // Other programs' jit runs took 1 ms long ago and 10 ms lately.
        let mut runs = Vec::new();
        for k in 0..300u64 {
            let ns = if k < 100 { 1_000_000 } else { 10_000_000 };
            runs.push(rec(k + 1, OTHER, INPUT, "jit", ns, true));
        }
        let a = Planner::from_runs(runs).assess(&query(INPUT2));
        let prior = a.arm(Arm::Jit).unwrap().prior;
        let (old, new) = ((1_000_000f64).ln(), (10_000_000f64).ln());
        assert!((prior.mu - new).abs() < (prior.mu - old).abs(), "{prior:?}");
        assert!(reseed::<u8>(&[]) == Nig::VAGUE);
        // Two contexts far apart, each tight: the prior's σ² is theirs, not the gap's.
        let two: Vec<(u8, f64, f64)> = [(0, 10.0), (0, 10.1), (0, 9.9), (1, 15.0), (1, 15.1), (1, 14.9)]
            .iter()
            .map(|(k, x)| (*k, *x, 1.0))
            .collect();
        let prior = reseed(&two);
        assert!((prior.mu - 12.5).abs() < 1e-9 && prior.mean_var() < 0.05, "{prior:?}");
    }

    #[test]
    fn the_interpreter_s_prior_from_other_work_is_scaled_by_the_instructions() {
        let mut runs = Vec::new();
        for k in 0..5u64 {
            let mut big = rec(k + 1, OTHER, INPUT2, "interp", 1_000_000_000, true);
            big.run.instructions = Some(1 << 20);
            runs.push(big);
        }
        let mut mine = rec(10, PROG, INPUT, "interp", 1_000_000, true);
        mine.run.instructions = Some(1 << 10);
        runs.push(mine);
        let a = Planner::from_runs(runs).assess(&query(INPUT));
        let prior = a.arm(Arm::Interp).unwrap().prior;
        assert!((prior.mu - (1e9f64 / 1024.0).ln()).abs() < 0.01, "{prior:?}");
    }

    #[test]
    fn a_decision_keeps_the_posteriors_it_came_from() {
        let planner = Planner::from_runs(history(1_000_000, 100_000));
        let q = query(INPUT2);
        let a = planner.assess(&q);
        let d = Decision::of(&q, &a, a.planned(), false, "run --backend auto", "plan");
        assert_eq!((d.backend.as_str(), d.site.as_str(), d.reuse), ("jit", LOCAL, false));
        assert_eq!(d.arms.len(), 2);
        assert_eq!(d.arms[1].posterior, a.arms[1].posterior);
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["where"], "local");
        assert_eq!(serde_json::from_value::<Decision>(json).unwrap(), d);
    }

    #[test]
    fn a_failed_input_is_predicted_to_fail() {
        let mut runs = history(1_000_000, 100_000);
        runs.push(rec(21, PROG, INPUT2, "interp", 5000, false));
        let planner = Planner::from_runs(runs);
        let a = planner.assess(&query(INPUT2));
        let f = a.failure.expect("a predicted failure");
        assert_eq!((f.run, f.code.as_deref()), (21, Some("R0110")));
        assert_eq!(a.cached, None);
        assert!(planner.assess(&query(INPUT)).failure.is_none());
    }

    #[test]
    fn mdl_prefers_buckets_only_when_they_explain_the_times() {
        // Small inputs: interp wins; large inputs: jit wins. Buckets explain the times.
        let mut runs = Vec::new();
        for k in 0..8u64 {
            let mut small = rec(4 * k + 1, PROG, INPUT, "interp", 10_000 + k, true);
            small.run.instructions = Some(100);
            runs.push(small);
            runs.push(rec(4 * k + 2, PROG, INPUT, "jit", 200_000 + k, true));
            let mut big = rec(4 * k + 3, PROG, INPUT2, "interp", 50_000_000 + k, true);
            big.run.instructions = Some(10_000_000);
            runs.push(big);
            runs.push(rec(4 * k + 4, PROG, INPUT2, "jit", 1_000_000 + k, true));
        }
        let planner = Planner::from_runs(runs);
        let small = planner.assess(&query(INPUT));
        assert!(small.mdl.per_bucket_bits < small.mdl.pooled_bits, "{:?}", small.mdl);
        assert_eq!(small.model, "per-bucket");
        assert_eq!(small.choice, Arm::Interp, "{}", small.why);
        assert_eq!(planner.assess(&query(INPUT2)).choice, Arm::Jit);
        // One input only: the split buys nothing, so the pooled model wins.
        let flat = Planner::from_runs(history(1_000_000, 100_000)).assess(&query(INPUT));
        assert!(flat.mdl.pooled_bits <= flat.mdl.per_bucket_bits, "{:?}", flat.mdl);
        assert_eq!(flat.model, "pooled");
    }

    #[test]
    fn the_pooled_model_does_not_predict_work_past_its_runs() {
        // sum_to-like, one run per input and engine at n = 0, 1, 3, …, 10⁴ (5n instructions):
        // the interpreter's times grow with n, the JIT's are its compile time. Too few runs per
        // bucket for the split to pay, so MDL prefers the pooled model.
        let mut runs = Vec::new();
        let mut features = HashMap::new();
        for (k, n) in [0u64, 1, 3, 10, 30, 100, 300, 1000, 3000, 10_000].iter().enumerate() {
            let input = format!("{:064x}", k + 10);
            let mut r = rec(2 * k as u64 + 1, PROG, &input, "interp", 20_000 + 30 * n, true);
            r.run.instructions = Some(5 * n);
            runs.push(r);
            runs.push(rec(2 * k as u64 + 2, PROG, &input, "jit", 2_000_000 + 10 * n, true));
            features.insert(input, vec![(1.0 + *n as f64).log2(), 0.0]);
        }
        let planner = Planner::from_runs(runs).with_features(features);
        let q = |n: f64| Query { features: vec![(1.0 + n).log2(), 0.0], ..query(INPUT) };
        let near = planner.assess(&q(5000.0));
        assert_eq!((near.mdl.chosen(), near.model), ("pooled", "pooled"), "{}", near.why);
        // n = 3·10⁶: about 2^23 instructions, far past the biggest run's 2^15.
        let far = planner.assess(&q(3_000_000.0));
        assert!(far.bucket.log2_instructions.is_some_and(|b| b >= 20), "{:?}", far.bucket);
        assert_eq!((far.mdl.chosen(), far.model), ("pooled", "per-bucket"), "{}", far.why);
        assert!(far.why.contains("more than a bucket past its runs'"), "{}", far.why);
        // The interpreter's prediction scales with the work, so the JIT is chosen.
        let interp = far.arm(Arm::Interp).unwrap().predicted_ns;
        assert!(interp > 20_000_000.0, "{interp}");
        assert_eq!(far.choice, Arm::Jit, "{}", far.why);
    }

    #[test]
    fn thompson_explores_an_uncertain_arm_and_exploits_a_known_one() {
        let planner = Planner::from_runs(history(1_000_000, 100_000));
        let a = planner.assess(&query(INPUT));
        let mut rng = Rng::new(1);
        let picks: Vec<Arm> = (0..100).map(|_| a.arms[Planner::thompson(&a, &mut rng)].arm).collect();
        assert!(picks.iter().filter(|p| **p == Arm::Jit).count() > 95);
        let cold = Planner::from_runs(Vec::new()).assess(&query(INPUT));
        let picks: Vec<Arm> = (0..100).map(|_| cold.arms[Planner::thompson(&cold, &mut rng)].arm).collect();
        assert!(picks.contains(&Arm::Interp) && picks.contains(&Arm::Jit));
    }

    /// An assessment of two arms, interp and jit, with these posteriors on ln wall_ns: (μ, the
    /// sd of μ), both with σ² about 0.01.
    fn two_arms(interp: (f64, f64), jit: (f64, f64)) -> Assessment {
        let mut a = Planner::from_runs(history(1_000_000, 100_000)).assess(&query(INPUT));
        for (v, (mu, sd)) in a.arms.iter_mut().zip([interp, jit]) {
            v.posterior = Nig { mu, kappa: 0.01 / (sd * sd), alpha: 10.0, beta: 0.09 };
            v.predicted_ns = mu.exp();
        }
        a
    }

    /// How often Thompson sampling and information-directed sampling pick the JIT of `a`, in
    /// `n` cycles from one seed.
    fn jit_picks(a: &Assessment, n: usize) -> (usize, usize) {
        let mut rng = Rng::new(5);
        let thompson = (0..n).filter(|_| a.arms[Planner::thompson(a, &mut rng)].arm == Arm::Jit).count();
        let ids = (0..n).filter(|_| a.arms[Planner::ids(a, &mut rng).pick].arm == Arm::Jit).count();
        (thompson, ids)
    }

    #[test]
    fn ids_never_tries_an_arm_that_can_only_be_slower() {
        // interp 1 ms, known to 1.4%; jit 10 ms, to 10%.
        let a = two_arms(((1e6f64).ln(), 0.014), ((1e7f64).ln(), 0.1));
        let ids = Planner::ids(&a, &mut Rng::new(1));
        assert_eq!((ids.probability[1], ids.information[1]), (0.0, 0.0), "{ids:?}");
        assert_eq!(jit_picks(&a, 100), (0, 0));
    }

    #[test]
    fn ids_tries_an_arm_that_may_be_faster_as_often_as_that_is_worth() {
        // jit 1.5 ms, give or take a factor of 1.6: faster than interp's 1 ms in about one
        // draw in six. Tried, but less often than Thompson sampling tries it.
        let a = two_arms(((1e6f64).ln(), 0.014), ((1.5e6f64).ln(), 0.45));
        let (thompson, ids) = jit_picks(&a, 400);
        assert!(ids > 4 && 2 * ids < thompson, "jit picked {ids} times by IDS, {thompson} by Thompson");
        // jit 270 ms against interp's 100 ms, and as uncertain: faster in about one draw in
        // twenty, but when it is slower, it is likely several times slower: tried less often.
        let a = two_arms(((1e8f64).ln(), 0.014), ((1e8f64).ln() + 1.0, 0.6));
        let (thompson, ids) = jit_picks(&a, 400);
        assert!(thompson > 10 && 2 * ids < thompson, "jit picked {ids} times by IDS, {thompson} by Thompson");
        // As likely to be faster as slower: tried more often than not (it teaches the most).
        let a = two_arms(((1e8f64).ln(), 0.014), ((1e8f64).ln(), 0.6));
        let ids = Planner::ids(&a, &mut Rng::new(1));
        assert!(ids.probability[1] > 0.5, "{ids:?}");
        // The same seed, the same pick.
        assert_eq!(Planner::ids(&a, &mut Rng::new(9)), Planner::ids(&a, &mut Rng::new(9)));
    }

    #[test]
    fn ids_exploits_a_known_arm_and_explores_a_cold_start() {
        let a = Planner::from_runs(history(1_000_000, 100_000)).assess(&query(INPUT));
        let mut rng = Rng::new(1);
        assert!((0..20).all(|_| a.arms[Planner::ids(&a, &mut rng).pick].arm == Arm::Jit));
        // With nothing known, both arms are tried.
        let cold = Planner::from_runs(Vec::new()).assess(&query(INPUT));
        let picks: Vec<Arm> = (0..50).map(|_| cold.arms[Planner::ids(&cold, &mut rng).pick].arm).collect();
        assert!(picks.contains(&Arm::Interp) && picks.contains(&Arm::Jit));
    }

    #[test]
    fn newer_runs_weigh_more() {
        // The machine changed: interp was slow long ago and is fast now.
        let mut runs = Vec::new();
        for k in 0..200u64 {
            let interp = if k < 150 { 10_000_000 } else { 100_000 };
            runs.push(rec(2 * k + 1, PROG, INPUT, "interp", interp, true));
            runs.push(rec(2 * k + 2, PROG, INPUT, "jit", 1_000_000, true));
        }
        let a = Planner::from_runs(runs).assess(&query(INPUT));
        assert_eq!(a.choice, Arm::Interp, "{}", a.why);
    }

    #[test]
    fn status_shows_what_assess_does_under_the_pooled_model() {
        // Two inputs in two buckets whose times do not differ: the pooled model codes them in
        // fewer bits, so an input of either bucket learns from the runs of both.
        let mut runs = Vec::new();
        for k in 0..6u64 {
            for (i, input, n) in [(0, INPUT, 5000), (2, INPUT2, 100)] {
                let mut r = rec(4 * k + i + 1, PROG, input, "interp", 1_000_000 + 1000 * k, true);
                r.run.instructions = Some(n);
                runs.push(r);
                runs.push(rec(4 * k + i + 2, PROG, input, "jit", 100_000 + 100 * k, true));
            }
        }
        let planner = Planner::from_runs(runs);
        let status = planner.status();
        assert_eq!(status.iter().map(|c| c.bucket).collect::<Vec<_>>(), [Some(6), Some(12)]);
        for (c, input) in status.iter().zip([INPUT2, INPUT]) {
            let a = planner.assess(&query(input));
            assert_eq!((a.model, a.bucket.log2_instructions), ("pooled", c.bucket));
            let shown = |arm: Arm, site: &str, runs, ns, p| (arm, site.to_string(), runs, ns, p);
            let status_arms: Vec<_> =
                c.arms.iter().map(|v| shown(v.arm, &v.site, v.runs, v.predicted_ns, v.p_fastest)).collect();
            let assessed: Vec<_> =
                a.arms.iter().map(|v| shown(v.arm, &v.site, v.runs, v.predicted_ns, v.p_fastest)).collect();
            assert_eq!(status_arms, assessed);
            assert_eq!(c.arms.iter().map(|a| a.runs).collect::<Vec<_>>(), [12, 12]);
            assert_eq!((c.best, c.confidence), (a.choice, a.confidence));
        }
    }

    #[test]
    fn status_lists_each_context() {
        let status = Planner::from_runs(history(1_000_000, 100_000)).status();
        assert_eq!(status.len(), 1);
        assert_eq!(status[0].bucket, Some(12));
        assert_eq!(status[0].best, Arm::Jit);
        assert_eq!(status[0].arms.iter().map(|a| a.runs).collect::<Vec<_>>(), [10, 10]);
    }
}
