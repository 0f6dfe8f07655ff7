//! The planner's commands: `rdx hint`, `rdx plan`, `rdx status` and `rdx loop`, and the
//! choice `rdx run --backend auto` asks of it. The model is `rdx_core::planner`; this file is
//! options and printing.

use crate::frontend::{self, fail, usage_error};
use rdx_core::Home;
use rdx_core::kernels::UserKernel;
use rdx_core::planner::{
    Arm, Assessment, Cached, LOCAL, Planner, Query, Rng, Rule, arm_label, count, human_ns,
};
use rdx_core::run::{self, Backend, Program, Request};
use rdx_vm::{Direction, Value};
use std::path::Path;
use std::process::ExitCode;

/// What to run: a program, its entry, its parameters, the direction and the user kernels.
#[derive(clap::Args)]
pub struct Target {
    /// The program: .rdx, .ja, .rdxb, or the CID of a module in the store.
    #[arg(value_name = "FILE|CID")]
    file: String,
    #[command(flatten)]
    inputs: super::run::Inputs,
    #[command(flatten)]
    kernels: crate::kernels::KernelArgs,
}

/// Predict each way of running a gene: wall time, the chance it is fastest, a cached result.
///
/// Per arm (interp and jit here, and each on every peer of `rdx peer ls`): the runs it learned
/// from, the predicted wall time (exp of the posterior mean of ln wall_ns) with the 90% interval
/// of a new run, and the probability it is the fastest. Also the work bucket, the MDL scores of
/// the two models, the recorded output of this exact input when it can be reused, and a
/// predicted failure when it failed before.
///
/// With --build (and no program): each crate's compile time and the whole build's (the sum of
/// its rustc times), with 90% intervals, from the certificates `RUSTC_WRAPPER=rdx cargo build`
/// recorded.
#[derive(clap::Args)]
pub struct HintArgs {
    /// The program: .rdx, .ja, .rdxb, or the CID of a module in the store.
    #[arg(value_name = "FILE|CID", required_unless_present = "build")]
    file: Option<String>,
    #[command(flatten)]
    inputs: super::run::Inputs,
    /// Predict the build's compile times instead (see `RUSTC_WRAPPER=rdx cargo build`).
    #[arg(long, conflicts_with_all = ["file", "Inputs", "KernelArgs"])]
    build: bool,
    /// One JSON object.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    kernels: crate::kernels::KernelArgs,
}

/// Say how the planner would run a gene, and why (without running it).
///
/// The arm most likely fastest, with the counts, posteriors and MDL scores behind it; on a
/// cold start (no timed run of this program), the static rule of `--backend auto`. With
/// --json: `backend` (interp or jit), `where` (`local`, or the name of the peer it would run
/// on), `reuse` (true when a recorded output of this exact input can be given back), `why`,
/// and the numbers.
#[derive(clap::Args)]
pub struct PlanArgs {
    #[command(flatten)]
    target: Target,
    /// One JSON object.
    #[arg(long)]
    json: bool,
}

/// The planner's state: each context (program, entry, direction, work bucket) and its arms.
///
/// With --build: the slowest crates of the recorded builds (`RUSTC_WRAPPER=rdx cargo build`).
#[derive(clap::Args)]
pub struct StatusArgs {
    /// List the slowest crates of the recorded builds instead.
    #[arg(long)]
    build: bool,
    /// One JSON object.
    #[arg(long)]
    json: bool,
}

/// Run a gene K times, each on the arm information-directed sampling picks, recording every run.
///
/// Each cycle weighs what trying an arm is expected to cost against what it would teach (the
/// least expected regret² / information gain). One line per cycle: the cycle, the arm, the
/// measured wall time, the estimated regret (the chosen arm's predicted time minus the best
/// predicted time) and the confidence before the choice. Never reuses a recorded output.
/// A peer arm that does not run the gene (unreachable, timed out, an error answer) is recorded
/// as a failure, rests for a while, and the cycle runs here. Exits 1, as `rdx run`, when the run
/// of any cycle failed. With --kernel, the runs bind the user kernels and every cycle runs here
/// (no peer arm, as for `rdx run --backend auto`). With --json, one JSON object per line.
#[derive(clap::Args)]
pub struct LoopArgs {
    #[command(flatten)]
    target: Target,
    /// Cycles.
    #[arg(short = 'n', default_value_t = 10, value_name = "K")]
    n: usize,
    /// The seed of the sampling.
    #[arg(long, default_value_t = 1, value_name = "S")]
    seed: u64,
    /// The decision rule: `ids` (information-directed sampling) or `thompson` (Thompson
    /// sampling, the earlier rule, for comparison).
    #[arg(long, default_value = "ids", value_parser = ["ids", "thompson"])]
    rule: String,
    /// One JSON object per cycle.
    #[arg(long)]
    json: bool,
}

/// A loaded target, ready to be asked about or run.
struct Loaded {
    program: Program,
    gene: usize,
    values: Vec<Value>,
    dir: Direction,
    /// The `--kernel` files, which every run of the target binds.
    kernels: Vec<UserKernel>,
}

impl Loaded {
    /// The query of this target, with the home's peers as arms; a peers file that cannot be
    /// read is an error (exit 1). With user kernels the query has no peers: as for `run
    /// --backend auto`, the gene runs here (spec/planner.md §5).
    fn query(&self, home: &Home) -> Result<Query, ExitCode> {
        let peers = if self.kernels.is_empty() {
            peer_names(home).map_err(crate::cmd::net::net_fail)?
        } else {
            Vec::new()
        };
        Ok(Query { peers, ..Query::of(&self.program, self.gene, &self.values, self.dir) })
    }
}

/// The names of the home's peers: none when `peers.toml` is missing, an error when it cannot
/// be read or parsed (spec/planner.md §3).
fn peer_names(home: &Home) -> Result<Vec<String>, rdx_net::NetError> {
    Ok(rdx_net::Peers::load(home.root())?.list.into_iter().map(|p| p.name).collect())
}

fn load(t: &Target, home: &Home) -> Result<Loaded, ExitCode> {
    let kernels = t.kernels.read()?;
    let program = frontend::load(&t.file, Some(home), false, &kernels)?;
    let (gene, values, dir) = t.inputs.resolve(&program).map_err(fail)?;
    Ok(Loaded { program, gene, values, dir, kernels })
}

fn assess(t: &Target, home: Option<&Path>) -> Result<(Query, Assessment), ExitCode> {
    let home = Home::open(home).map_err(fail)?;
    let loaded = load(t, &home)?;
    let query = loaded.query(&home)?;
    let planner = Planner::load(&home).map_err(fail)?;
    let a = planner.assess(&query);
    Ok((query, a))
}

fn short(cid: &str) -> &str {
    &cid[..cid.len().min(12)]
}

fn json(value: &serde_json::Value) -> ExitCode {
    println!("{}", serde_json::to_string(value).unwrap_or_default());
    ExitCode::SUCCESS
}

pub fn hint(args: HintArgs, home: Option<&Path>) -> ExitCode {
    if args.build {
        return build_hint(args.json, home);
    }
    let target = Target { file: args.file.unwrap_or_default(), inputs: args.inputs, kernels: args.kernels };
    let (q, a) = match assess(&target, home) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if args.json {
        let mut v = serde_json::to_value(&a).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("program".into(), q.program.into());
            o.insert("entry".into(), q.entry.into());
            o.insert("direction".into(), q.direction.into());
            o.insert("input".into(), q.input.into());
        }
        return json(&v);
    }
    println!("{} {} {}, input {}", short(&q.program), q.entry, q.direction, short(&q.input));
    match a.bucket.log2_instructions {
        Some(b) => println!("work bucket: 2^{b} instructions ({})", a.bucket.from),
        // What `bucket` looks at: the runs of this entry in this direction (spec/planner.md §1).
        None => println!(
            "work bucket: unknown (no interpreter run of {} {} has counted its work)",
            q.entry, q.direction
        ),
    }
    // A column fits labels of up to 64 characters; a longer one (a peer's name has no bound)
    // is printed whole and pushes the rest of its row (a format width past 65,535 panics).
    let width =
        a.arms.iter().map(|v| arm_label(v.arm, &v.site).len()).filter(|&n| n <= 64).max().unwrap_or(0).max(6)
            + 2;
    println!(
        "{:<width$}{:>6}  {:>11}  {:<25}{:>10}",
        "arm", "runs", "predicted", "90% interval", "P(fastest)"
    );
    for v in &a.arms {
        let interval = format!("[{}, {}]", human_ns(v.interval_ns[0]), human_ns(v.interval_ns[1]));
        println!(
            "{:<width$}{:>6}  {:>11}  {:<25}{:>10.2}",
            arm_label(v.arm, &v.site),
            v.runs,
            human_ns(v.predicted_ns),
            interval,
            v.p_fastest
        );
    }
    println!(
        "confidence {:.2}; model {} (MDL: pooled {:.1} bits, per bucket {:.1} bits, {})",
        a.confidence,
        a.model,
        a.mdl.pooled_bits,
        a.mdl.per_bucket_bits,
        count(a.mdl.runs, "run", "runs")
    );
    if a.cold {
        println!(
            "cold start: no timed run of {} {} here yet, so `plan` follows the static rule",
            q.entry, q.direction
        );
    }
    for r in &a.resting {
        println!(
            "resting: {} did not run {} (probe {}), so it is left out for {}",
            arm_label(r.arm, &r.site),
            r.tries(),
            r.probe,
            count(r.runs_left, "more run", "more runs")
        );
    }
    match (&a.cached, &a.reuse_blocked) {
        (Some(c), _) => println!(
            "cached: run {} recorded output {}{}",
            c.run,
            c.output,
            c.printed.as_ref().map_or(String::new(), |p| format!(" and printed {p}"))
        ),
        (None, Some(why)) => println!("no reuse: {why}"),
        (None, None) => {}
    }
    if let Some(f) = &a.failure {
        println!(
            "predicted failure: run {} failed with {}: {}",
            f.run,
            f.code.as_deref().unwrap_or("an error"),
            f.message.as_deref().unwrap_or("")
        );
    }
    ExitCode::SUCCESS
}

pub fn plan(args: PlanArgs, home: Option<&Path>) -> ExitCode {
    let (_, a) = match assess(&args.target, home) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let reuse = a.cached.is_some();
    if args.json {
        let by_arm = |f: &dyn Fn(&rdx_core::planner::ArmView) -> serde_json::Value| {
            let map: serde_json::Map<String, serde_json::Value> =
                a.arms.iter().map(|v| (arm_label(v.arm, &v.site), f(v))).collect();
            serde_json::Value::Object(map)
        };
        return json(&serde_json::json!({
            "backend": a.starts_on().name(),
            "tiered": a.tiered(),
            "where": a.site,
            "reuse": reuse,
            "why": a.why,
            "cold": a.cold,
            "confidence": a.confidence,
            "p_fastest": by_arm(&|v| v.p_fastest.into()),
            "predicted_ns": by_arm(&|v| v.predicted_ns.into()),
            "runs": by_arm(&|v| v.runs.into()),
            "bucket": a.bucket,
            "model": a.model,
            "mdl": a.mdl,
            "cached": a.cached,
            "failure": a.failure,
            "resting": a.resting,
        }));
    }
    let action = match &a.cached {
        Some(c) => format!("reuse the output of run {} ({})", c.run, short(&c.output)),
        // The static rule's JIT starts on the interpreter (`rdx_core::run::execute_auto`).
        None if a.tiered() => "run on interp here, then on jit if the run is long".to_string(),
        None if a.site == LOCAL => format!("run on {} here", a.choice.name()),
        None => format!("run on {}'s {}", a.site, if a.choice == Arm::Jit { "JIT" } else { "interpreter" }),
    };
    println!("{action}");
    println!("why: {}", a.why);
    ExitCode::SUCCESS
}

/// `rdx hint --build`.
fn build_hint(as_json: bool, home: Option<&Path>) -> ExitCode {
    let certs = match Home::open(home).and_then(|h| h.builds()) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let predictions = rdx_core::build::predict(&certs);
    if as_json {
        return json(&serde_json::json!({ "certificates": certs.len(), "profiles": predictions }));
    }
    if predictions.is_empty() {
        println!("no build recorded: build with RUSTC_WRAPPER=rdx cargo build");
        return ExitCode::SUCCESS;
    }
    for p in &predictions {
        println!(
            "profile {}: {}, rustc time {} (90% interval [{}, {}])",
            p.profile,
            count(p.crates.len(), "crate", "crates"),
            human_ns(p.total_ns),
            human_ns(p.total_interval_ns[0]),
            human_ns(p.total_interval_ns[1])
        );
        println!("  {:<28}{:>7}  {:>11}  {:<25}", "crate", "builds", "predicted", "90% interval");
        for c in &p.crates {
            let interval = format!("[{}, {}]", human_ns(c.interval_ns[0]), human_ns(c.interval_ns[1]));
            println!(
                "  {:<28}{:>7}  {:>11}  {interval:<25}",
                c.crate_name,
                c.builds,
                human_ns(c.predicted_ns)
            );
        }
    }
    ExitCode::SUCCESS
}

/// `rdx status --build`: the slowest crates, by their newest certificate.
fn build_status(as_json: bool, home: Option<&Path>) -> ExitCode {
    let certs = match Home::open(home).and_then(|h| h.builds()) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    // The newest certificate of each crate and profile.
    let mut newest: Vec<&rdx_core::build::BuildCert> = Vec::new();
    for (_, c) in &certs {
        if !newest.iter().any(|n| n.unit() == c.unit() && n.profile == c.profile) {
            newest.push(c);
        }
    }
    newest.sort_by_key(|c| std::cmp::Reverse(c.wall_ns));
    if as_json {
        return json(&serde_json::json!({ "certificates": certs.len(), "slowest": newest }));
    }
    println!(
        "{}, {}",
        count(certs.len(), "build certificate", "build certificates"),
        count(newest.len(), "crate", "crates")
    );
    if newest.is_empty() {
        return ExitCode::SUCCESS;
    }
    println!("{:<28}{:<10}{:>11}  {:>6}  {:>12}", "crate (type)", "profile", "last", "exit", "output bytes");
    for c in newest.iter().take(BUILD_ROWS) {
        let exit = c.exit_code.map_or("signal".to_string(), |c| c.to_string());
        println!(
            "{:<28}{:<10}{:>11}  {exit:>6}  {:>12}",
            c.unit(),
            c.profile,
            human_ns(c.wall_ns as f64),
            c.output_bytes
        );
    }
    if newest.len() > BUILD_ROWS {
        println!(
            "… and {} more (the {BUILD_ROWS} slowest are shown; --json lists every one)",
            newest.len() - BUILD_ROWS
        );
    }
    ExitCode::SUCCESS
}

/// The crates `rdx status --build` lists as text, slowest first.
const BUILD_ROWS: usize = 20;

pub fn status(args: StatusArgs, home: Option<&Path>) -> ExitCode {
    if args.build {
        return build_status(args.json, home);
    }
    let home = match Home::open(home) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let planner = match Planner::load(&home) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let contexts = planner.status();
    // The database and its write-ahead log (SQLite's `-wal` file beside it).
    let ledger = home.ledger_path();
    let mut wal = ledger.as_os_str().to_owned();
    wal.push("-wal");
    let bytes: u64 =
        [ledger.to_path_buf(), wal.into()].iter().map(|p| std::fs::metadata(p).map_or(0, |m| m.len())).sum();
    if args.json {
        return json(&serde_json::json!({
            "runs": planner.run_count(),
            "ledger_bytes": bytes,
            "contexts": contexts,
        }));
    }
    println!(
        "ledger: {} read, {bytes} bytes; {}",
        count(planner.run_count(), "run", "runs"),
        count(contexts.len(), "context", "contexts")
    );
    if contexts.is_empty() {
        return ExitCode::SUCCESS;
    }
    println!(
        "{:<14}{:<12}{:<10}{:<8}{:<16}{:>6}  {:>11}{:>11}",
        "program", "entry", "direction", "bucket", "arm", "runs", "predicted", "P(fastest)"
    );
    for c in &contexts {
        let bucket = c.bucket.map_or("unknown".to_string(), |b| format!("2^{b}"));
        for (i, v) in c.arms.iter().enumerate() {
            let (p, e, d, b) = if i == 0 {
                (short(&c.program), c.entry.as_str(), c.direction.as_str(), bucket.as_str())
            } else {
                ("", "", "", "")
            };
            println!(
                "{p:<14}{e:<12}{d:<10}{b:<8}{:<16}{:>6}  {:>11}{:>11.2}",
                arm_label(v.arm, &v.site),
                v.runs,
                human_ns(v.predicted_ns),
                v.p_fastest
            );
        }
        println!(
            "{:<44}best {} (confidence {:.2}); MDL pooled {:.1} bits, per bucket {:.1} bits",
            "",
            arm_label(c.best, &c.best_where),
            c.confidence,
            c.mdl.pooled_bits,
            c.mdl.per_bucket_bits
        );
    }
    ExitCode::SUCCESS
}

/// What a cycle's run gave: its record, the wall time (for a peer: the wait), and `ok` or
/// `error CODE`.
struct CycleRun {
    id: u64,
    wall_ns: u64,
    result: String,
}

/// A peer arm a cycle picked that did not run the gene: the cycle ran here instead.
struct FellBack {
    arm: Arm,
    site: String,
    decision: u64,
    waited_ns: u64,
    error: String,
}

/// Runs the cycle `c` picked here and records the run.
fn run_here(home: &Home, loaded: &Loaded, c: &rdx_core::planner::Cycle) -> Result<CycleRun, ExitCode> {
    let view = c.arm();
    let request = Request {
        kernels: &loaded.kernels,
        ..Request::new(&loaded.program, loaded.gene, loaded.values.clone(), loaded.dir, backend_of(view.arm))
    };
    let outcome = run::run(request).map_err(fail)?;
    let reason = c.reason();
    let mut facts = outcome.facts(&loaded.program, loaded.gene, &loaded.kernels, &[], None);
    facts.backend_reason = Some(&reason);
    let id = run::record(home, &facts, &outcome.exec).map_err(fail)?.id;
    let result = match &outcome.exec.result {
        Ok(_) => "ok".to_string(),
        Err(e) => format!("error {}", e.to_diagnostic().code),
    };
    Ok(CycleRun { id, wall_ns: outcome.exec.wall_ns, result })
}

/// Whether a remote run's error says the peer did not run the gene (it cannot be reached,
/// timed out, answered with an error or with something malformed), rather than that this home
/// or the peers file is at fault.
pub fn peer_did_not_run(e: &rdx_net::NetError) -> bool {
    use rdx_net::NetError;
    match e {
        NetError::Unreachable { .. }
        | NetError::Timeout { .. }
        | NetError::Status { .. }
        | NetError::BadBytes { .. }
        | NetError::Protocol { .. } => true,
        NetError::Core(_)
        | NetError::Usage(_)
        | NetError::Peers { .. }
        | NetError::Unavailable { .. }
        | NetError::Url { .. } => false,
    }
}

pub fn run_loop(args: LoopArgs, home: Option<&Path>) -> ExitCode {
    if args.n == 0 {
        return usage_error("-n must be at least 1");
    }
    let home = match Home::open(home) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let loaded = match load(&args.target, &home) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let query = match loaded.query(&home) {
        Ok(q) => q,
        Err(code) => return code,
    };
    // A cycle whose peer did not run the gene runs again here, over the local arms only.
    let here_only = Query { peers: Vec::new(), ..query.clone() };
    let rule = Rule::of_name(&args.rule).unwrap_or_default();
    let mut rng = Rng::new(args.seed);
    let mut total_regret = 0.0;
    // The cycles whose run failed, and the first failure's result.
    let mut failed: Vec<usize> = Vec::new();
    let mut first_failure = String::new();
    // The arm column is as wide as the widest arm's label (`jit`, `interp on lab`), up to 64.
    let width = std::iter::once(arm_label(Arm::Interp, LOCAL))
        .chain(query.peers.iter().map(|p| arm_label(Arm::Interp, p)))
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(6)
        .min(64);
    for cycle in 1..=args.n {
        let c = match rdx_core::planner::cycle(&home, &query, &mut rng, "loop", rule) {
            Ok(c) => c,
            Err(e) => return fail(e),
        };
        let (confidence, regret) = (c.assessment.confidence, c.regret_ns);
        total_regret += regret;
        let view = c.arm();
        let mut fell_back = None;
        let (decision, arm, site, done) = if view.site == LOCAL {
            match run_here(&home, &loaded, &c) {
                Ok(r) => (c.decision, view.arm, LOCAL.to_string(), r),
                Err(code) => return code,
            }
        } else {
            let remote = crate::cmd::net::Remote {
                home: &home,
                peer: &view.site,
                program: &loaded.program,
                gene: loaded.gene,
                values: loaded.values.clone(),
                dir: loaded.dir,
                kernels: &loaded.kernels,
                checked: false,
                backend: backend_of(view.arm),
            };
            let started = std::time::SystemTime::now();
            let clock = std::time::Instant::now();
            match remote.exec() {
                Ok(d) => {
                    let id = match remote.record(&d) {
                        Ok(id) => id,
                        Err(e) => return crate::cmd::net::net_fail(e),
                    };
                    let result = match &d.reply.record.run.code {
                        None => "ok".to_string(),
                        Some(code) => format!("error {code}"),
                    };
                    (c.decision, view.arm, view.site.clone(), CycleRun { id, wall_ns: d.waited_ns, result })
                }
                Err(e) if peer_did_not_run(&e) => {
                    let waited_ns = u64::try_from(clock.elapsed().as_nanos()).unwrap_or(u64::MAX);
                    let error = e.to_string();
                    // The failure makes the arm rest (spec/planner.md §3) before the cycle
                    // runs again here: its own decision, over the local arms.
                    if let Some(p) = rdx_core::planner::peer_failure_probe(
                        &query, view.arm, &view.site, waited_ns, &error, started,
                    ) && let Err(e) = home.record_probe(&p)
                    {
                        return fail(e);
                    }
                    let local = match rdx_core::planner::cycle(&home, &here_only, &mut rng, "loop", rule) {
                        Ok(c) => c,
                        Err(e) => return fail(e),
                    };
                    let done = match run_here(&home, &loaded, &local) {
                        Ok(r) => r,
                        Err(code) => return code,
                    };
                    eprintln!(
                        "warning: cycle {cycle}: {} did not run it: {error}; the cycle ran here (decision {})",
                        arm_label(view.arm, &view.site),
                        local.decision
                    );
                    fell_back = Some(FellBack {
                        arm: view.arm,
                        site: view.site.clone(),
                        decision: c.decision,
                        waited_ns,
                        error,
                    });
                    let arm = local.arm().arm;
                    (local.decision, arm, LOCAL.to_string(), done)
                }
                Err(e) => return crate::cmd::net::net_fail(e),
            }
        };
        if done.result != "ok" {
            if failed.is_empty() {
                first_failure = format!("run {}: {}", done.id, done.result);
            }
            failed.push(cycle);
        }
        let label = arm_label(arm, &site);
        if args.json {
            let fell_back = fell_back.as_ref().map(|f| {
                serde_json::json!({
                    "arm": f.arm.name(),
                    "where": f.site,
                    "decision": f.decision,
                    "waited_ns": f.waited_ns,
                    "error": f.error,
                })
            });
            println!(
                "{}",
                serde_json::json!({
                    "cycle": cycle,
                    "arm": arm.name(),
                    "where": site,
                    "run": done.id,
                    "decision": decision,
                    "wall_ns": done.wall_ns,
                    "outcome": done.result,
                    "regret_ns": regret,
                    "cumulative_regret_ns": total_regret,
                    "confidence": confidence,
                    "fell_back_from": fell_back,
                })
            );
        } else {
            let note = fell_back
                .as_ref()
                .map_or(String::new(), |f| format!("  ({} did not run it)", arm_label(f.arm, &f.site)));
            println!(
                "cycle {cycle:>3}  {label:<width$}  {:>11}  regret ~{:>11}  confidence {confidence:.2}  run {}{}{note}",
                human_ns(done.wall_ns as f64),
                human_ns(regret),
                done.id,
                if done.result == "ok" { String::new() } else { format!("  {}", done.result) },
            );
        }
    }
    if failed.is_empty() {
        return ExitCode::SUCCESS;
    }
    // As `rdx run` exits for a failed run: every cycle's run is recorded, and the loop says so.
    eprintln!("error: the run failed in {} of {} cycles (the first: {first_failure})", failed.len(), args.n);
    ExitCode::from(crate::cmd::run::EXIT_RUNTIME)
}

/// The engine of a compute arm.
fn backend_of(arm: Arm) -> Backend {
    if arm == Arm::Jit { Backend::Jit } else { Backend::Interp }
}

/// `rdx run --backend auto` chose `peer` (on `backend`) and the peer did not run the gene
/// ([`peer_did_not_run`]): records the failure as `loop` does, so the arm rests (spec/planner.md
/// §3), and says on stderr that the run goes on here. A failure to record is only said.
#[allow(clippy::too_many_arguments)]
pub fn peer_failed(
    home: &Home,
    program: &Program,
    gene: usize,
    values: &[Value],
    dir: Direction,
    (peer, backend): (&str, Backend),
    waited: std::time::Duration,
    error: &rdx_net::NetError,
    started: std::time::SystemTime,
) {
    let q = Query::of(program, gene, values, dir);
    let arm = if backend == Backend::Jit { Arm::Jit } else { Arm::Interp };
    let waited_ns = u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX);
    let error = error.to_string();
    if let Some(p) = rdx_core::planner::peer_failure_probe(&q, arm, peer, waited_ns, &error, started)
        && let Err(e) = home.record_probe(&p)
    {
        eprintln!("warning: the peer's failure was not recorded: {e}");
    }
    eprintln!("warning: {} did not run it: {error}; it runs here", arm_label(arm, peer));
}

/// What `rdx run --backend auto` does, as the planner decided it.
pub enum Planned {
    /// Run here on this engine.
    Local(Backend),
    /// Run on this peer, on this engine.
    Remote(String, Backend),
    /// Give back this recorded output (and what the run printed).
    Reuse(Cached),
}

/// What may `rdx run --backend auto` do besides running here.
pub struct Allowed {
    /// Run on a peer (no user kernels, no --checked).
    pub peers: bool,
    /// Give back a recorded output (no user kernels, no --checked).
    pub reuse: bool,
}

/// The planner's choice for `rdx run --backend auto`, and why (the static rule on a cold
/// start), through `rdx_core::planner::auto`, as Python's `backend="auto"`. With `record`, the
/// decision goes to the ledger with the posteriors it came from, and the reason names it.
/// When the planner cannot be used (the ledger, or the peers file when peers are allowed,
/// cannot be read), it says so on stderr and the run follows the static rule, with a reason
/// that names the planner's error.
pub fn choose(
    home: &Home,
    program: &Program,
    gene: usize,
    values: &[Value],
    dir: Direction,
    allowed: Allowed,
    record: bool,
) -> (Planned, String) {
    let unusable = |e: &dyn std::fmt::Display| {
        eprintln!("warning: the planner could not be used: {e}; the run follows the static rule");
        let (_, rule) = Backend::Auto.resolve(&program.module);
        let rule = rule.unwrap_or_default().trim_start_matches("auto: ");
        let reason = format!("auto: the planner could not be used ({e}), so the static rule: {rule}");
        (Planned::Local(Backend::Auto), reason)
    };
    let mut q = Query::of(program, gene, values, dir);
    if allowed.peers {
        q.peers = match peer_names(home) {
            Ok(peers) => peers,
            Err(e) => return unusable(&e),
        };
    }
    let auto = match rdx_core::planner::auto(home, &q, allowed.reuse, "run --backend auto", record) {
        Ok(auto) => auto,
        Err(e) => return unusable(&e),
    };
    if let Some(e) = &auto.unrecorded {
        eprintln!("warning: the planner's decision was not recorded: {e}");
    }
    let planned = match auto.reuse {
        Some(c) => Planned::Reuse(c),
        None if auto.site != LOCAL => Planned::Remote(auto.site.clone(), backend_of(auto.arm)),
        // A tiered run (the static rule's JIT, or the interpreter planned for work nothing
        // predicts well) starts on the interpreter, as `--no-plan` does.
        None if auto.tiered => Planned::Local(rdx_core::run::Backend::Auto),
        None => Planned::Local(backend_of(auto.arm)),
    };
    (planned, auto.reason)
}
