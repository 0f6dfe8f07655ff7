//! `rdx probe`: time one thing several times, summarise it, record it in the ledger.

use crate::frontend::{self, fail, usage_error};
use rdx_core::Home;
use rdx_core::probe::{self, Probe, Subject};
use rdx_core::run::{self, Backend, Program};
use rdx_vm::Direction;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// Time a command, an rdx run or a load several times; print the summary and record it.
///
///   rdx probe -- python3 script.py            a command (its output is discarded)
///   rdx probe stdlib/fib.rdx --set n=20       an rdx run, once per backend (--backend)
///   rdx probe --load 1a2b3c4d                 reading a blob from the store
///   rdx probe --load CID --from lab           fetching it from a peer, verified, into memory
///   rdx probe http://127.0.0.1:7370/health    GET of a URL (its body read, not kept)
///   rdx probe --compare 12 13                 two recorded probes side by side
///
/// The summary: n, min, median, mean ± sd, p90, p99, max, outliers (modified z-score > 3.5, as
/// hyperfine flags them), jitter (RFC 3550's interarrival estimator, and the mean |Δ| of
/// consecutive samples), throughput for loads. A progress bar shows on stderr when the work
/// takes over a second. Each probe is recorded in the ledger and its id printed.
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The program to run (.rdx, .ja, .rdxb or a CID in the store), or a URL to GET
    /// (http://…).
    #[arg(value_name = "FILE|URL", conflicts_with_all = ["load", "compare"])]
    file: Option<String>,
    /// The command to time, after `--`.
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<String>,
    /// Time reading this blob (CID or unique prefix) from the store, verified.
    #[arg(long, value_name = "CID", conflicts_with = "compare")]
    load: Option<String>,
    /// With --load: fetch the blob from this peer instead (`rdx peer add`), verified, into
    /// memory (not stored); give all 64 hex digits.
    // Checked in `run`, not with `requires = "load"`: clap drops a `requires` when an argument
    // in conflict with `--load` (a program, a URL) is given.
    #[arg(long, value_name = "NAME")]
    from: Option<String>,
    /// Compare two recorded probes: how many times slower the second is, with a 95% interval.
    #[arg(long, num_args = 2, value_names = ["ID1", "ID2"])]
    compare: Vec<String>,
    /// Timed samples (1 to 1000000: each is kept, in memory and in the ledger's record).
    #[arg(short = 'n', default_value_t = 10, value_name = "N")]
    n: usize,
    /// Untimed runs first (0 to 1000000: caches, the JIT's compilation).
    #[arg(long, default_value_t = 1, value_name = "N")]
    warmup: usize,
    #[command(flatten)]
    inputs: super::run::Inputs,
    /// The engines to time an rdx run on: interp, jit, or all (one probe each).
    #[arg(long, default_value = "all", value_parser = ["interp", "jit", "all"])]
    backend: String,
    /// Print one JSON object per probe (one array).
    #[arg(long)]
    json: bool,
    /// Do not record the probes.
    #[arg(long)]
    no_ledger: bool,
    #[command(flatten)]
    kernels: crate::kernels::KernelArgs,
}

/// The most samples one probe takes: each is kept in memory and in the probe's ledger record
/// (about 10 MB of JSON at this bound).
const MAX_SAMPLES: usize = 1_000_000;

/// The most warm-ups one probe takes, as many as samples.
const MAX_WARMUP: usize = MAX_SAMPLES;

pub fn run(args: Args, home: Option<&Path>) -> ExitCode {
    if args.from.is_some() && args.load.is_none() {
        return usage_error(
            "--from NAME times a load from a peer: use it with --load CID (all 64 hex digits), \
             not with a program, a URL, a command or --compare",
        );
    }
    let program = args.file.as_deref().is_some_and(|f| !is_url(f)) && args.command.is_empty();
    if !args.kernels.kernel.is_empty() && !program {
        return usage_error(
            "--kernel loads user kernels for the runs of an rdx program: use it with a program \
             (FILE or CID), not with a URL, a command, --load or --compare",
        );
    }
    if args.n == 0 {
        return usage_error("-n must be at least 1");
    }
    if args.n > MAX_SAMPLES {
        return usage_error(&format!(
            "-n {} is too many samples: at most {MAX_SAMPLES} (each is kept, in memory and in the ledger)",
            args.n
        ));
    }
    if args.warmup > MAX_WARMUP {
        return usage_error(&format!(
            "--warmup {} is too many warm-ups: at most {MAX_WARMUP} (each takes as long as a sample)",
            args.warmup
        ));
    }
    let home = match Home::open(home) {
        Ok(h) => Some(h),
        Err(e) if args.no_ledger && args.load.is_none() && args.compare.is_empty() => {
            let _ = e;
            None
        }
        Err(e) => return fail(e),
    };
    if !args.compare.is_empty() {
        return compare(home.as_ref(), &args.compare, args.json);
    }
    let probes = if let Some(cid) = &args.load {
        load(home.as_ref(), cid, &args).map(|p| vec![p])
    } else if !args.command.is_empty() {
        if args.file.is_some() {
            return usage_error("give a program or a command after `--`, not both");
        }
        command(&args).map(|p| vec![p])
    } else if let Some(url) = args.file.as_deref().filter(|f| is_url(f)) {
        get_url(url, &args).map(|p| vec![p])
    } else if let Some(file) = &args.file {
        runs(home.as_ref(), file, &args)
    } else {
        return usage_error(
            "nothing to probe: give a program, a URL, `-- COMMAND`, --load CID or --compare ID1 ID2",
        );
    };
    let probes = match probes {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut shown = Vec::new();
    for p in &probes {
        let id = match (&home, args.no_ledger) {
            (Some(h), false) => match h.record_probe(p) {
                Ok(id) => Some(id),
                Err(e) => {
                    eprintln!("warning: this probe was not recorded: {e}");
                    None
                }
            },
            _ => None,
        };
        shown.push((id, p));
    }
    if args.json {
        /// A probe with its ledger id first.
        #[derive(serde::Serialize)]
        struct Shown<'a> {
            id: Option<u64>,
            #[serde(flatten)]
            probe: &'a Probe,
        }
        let items: Vec<Shown<'_>> = shown.iter().map(|(id, p)| Shown { id: *id, probe: p }).collect();
        println!("{}", serde_json::to_string(&items).unwrap_or_default());
    } else {
        for (id, p) in &shown {
            print!("{}", describe(*id, p));
        }
    }
    if shown.iter().all(|(_, p)| p.outcome == "ok") { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// Takes `warmup` untimed then `n` timed samples of `once`, which returns the time it measured
/// (or an error that stops the probe); a progress bar shows when the work looks longer than a
/// second.
fn sample(
    n: usize,
    warmup: usize,
    what: &str,
    mut once: impl FnMut() -> Result<Duration, String>,
) -> (Vec<u64>, String) {
    let started = Instant::now();
    for _ in 0..warmup {
        if let Err(e) = once() {
            return (Vec::new(), e);
        }
    }
    let mut bar: Option<indicatif::ProgressBar> = None;
    // Grown as samples come: a probe stopped by an error keeps only what it took.
    let mut samples = Vec::with_capacity(n.min(1024));
    for i in 0..n {
        match once() {
            Ok(d) => samples.push(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
            Err(e) => {
                if let Some(b) = bar {
                    b.finish_and_clear();
                }
                return (samples, e);
            }
        }
        let elapsed = started.elapsed();
        if bar.is_none() && elapsed.as_secs_f64() * n as f64 / (i + 1) as f64 > 1.0 && i + 1 < n {
            let b = indicatif::ProgressBar::new(n as u64);
            b.set_style(
                indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} samples, {eta} left")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b.set_message(format!("probe {what}"));
            bar = Some(b);
        }
        if let Some(b) = &bar {
            b.set_position((i + 1) as u64);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    (samples, "ok".to_string())
}

fn finish(
    subject: Subject<'_>,
    args: &Args,
    samples: Vec<u64>,
    bytes: Option<u64>,
    outcome: String,
    at: SystemTime,
) -> Result<Probe, ExitCode> {
    Probe::new(subject, args.warmup, samples, bytes, &outcome, at)
        .ok_or_else(|| usage_error(&format!("no sample of {} `{}`: {outcome}", subject.kind, subject.target)))
}

fn command(args: &Args) -> Result<Probe, ExitCode> {
    let at = SystemTime::now();
    let line = args.command.join(" ");
    // A command that ran and failed is a failed measurement (exit 1); one that cannot be
    // started is a usage error (exit 2).
    let mut code = None;
    let (samples, outcome) = sample(args.n, args.warmup, &line, || {
        let t = Instant::now();
        let status = Command::new(&args.command[0])
            .args(&args.command[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| format!("cannot start `{}`: {e}", args.command[0]))?;
        let d = t.elapsed();
        if status.success() {
            Ok(d)
        } else {
            code = Some(1);
            Err(format!("`{line}` failed ({status})"))
        }
    });
    let subject = Subject { kind: "command", source: "local", target: &line };
    finish_coded(subject, args, samples, None, outcome, at, code)
}

fn load(home: Option<&Home>, cid: &str, args: &Args) -> Result<Probe, ExitCode> {
    let home = home.ok_or_else(|| usage_error("--load needs a home"))?;
    if let Some(name) = &args.from {
        return remote_load(home, name, cid, args);
    }
    let cid = home.resolve(cid).map_err(fail)?;
    let at = SystemTime::now();
    let mut bytes = 0;
    let (samples, outcome) = sample(args.n, args.warmup, &cid.to_hex(), || {
        let t = Instant::now();
        // Not noted as loads: this probe is their one record.
        let got = home.unnoted(|| home.get(&cid)).map_err(|e| e.to_string())?;
        let d = t.elapsed();
        bytes = got.len() as u64;
        Ok(d)
    });
    let target = cid.to_hex();
    finish(
        Subject { kind: "load", source: "local", target: &target },
        args,
        samples,
        Some(bytes),
        outcome,
        at,
    )
}

/// Fetching `cid` from peer `name` into memory, verified, `n` times.
fn remote_load(home: &Home, name: &str, cid: &str, args: &Args) -> Result<Probe, ExitCode> {
    let net_fail = crate::cmd::net::net_fail;
    let cid = rdx_core::Cid::parse(cid).map_err(fail)?;
    let peers = rdx_net::peers::Peers::load(home.root()).map_err(net_fail)?;
    let peer = peers.get(name).map_err(net_fail)?.clone();
    let client = rdx_net::client::Client::from_env().map_err(crate::cmd::net::net_fail)?;
    let at = SystemTime::now();
    let mut bytes = 0;
    let mut code = None;
    let (samples, outcome) = sample(args.n, args.warmup, &cid.to_hex(), || {
        let t = Instant::now();
        let got = client.fetch(&peer, &cid).map_err(|e| failed(e, &mut code))?;
        let d = t.elapsed();
        bytes = got.len() as u64;
        Ok(d)
    });
    let target = cid.to_hex();
    let subject = Subject { kind: "load", source: name, target: &target };
    finish_coded(subject, args, samples, Some(bytes), outcome, at, code)
}

fn is_url(text: &str) -> bool {
    // The scheme in any case, as `peer add` takes it.
    ["http://", "https://"]
        .iter()
        .any(|scheme| text.get(..scheme.len()).is_some_and(|s| s.eq_ignore_ascii_case(scheme)))
}

/// `GET url`, `n` times: latency and, from the body's length, throughput.
fn get_url(url: &str, args: &Args) -> Result<Probe, ExitCode> {
    let site = rdx_net::peers::check_http_url(url).map_err(crate::cmd::net::net_fail)?.to_string();
    let client = rdx_net::client::Client::from_env().map_err(crate::cmd::net::net_fail)?;
    let at = SystemTime::now();
    let mut bytes = 0;
    let mut code = None;
    let (samples, outcome) = sample(args.n, args.warmup, url, || {
        let t = Instant::now();
        let got = client.get_url(url).map_err(|e| failed(e, &mut code))?;
        let d = t.elapsed();
        bytes = got;
        Ok(d)
    });
    let bytes = (bytes > 0).then_some(bytes);
    let subject = Subject { kind: "url", source: &site, target: url };
    finish_coded(subject, args, samples, bytes, outcome, at, code)
}

/// The text of a network error, noting its exit code in `code`.
fn failed(e: rdx_net::NetError, code: &mut Option<u8>) -> String {
    *code = Some(e.exit_code());
    e.to_string()
}

/// [`finish`] for a probe whose failures carry an exit code (`code`): when no sample could be
/// taken, the error exits with it (a command or run that failed, or the network's error: 1),
/// not as a usage error.
fn finish_coded(
    subject: Subject<'_>,
    args: &Args,
    samples: Vec<u64>,
    bytes: Option<u64>,
    outcome: String,
    at: SystemTime,
    code: Option<u8>,
) -> Result<Probe, ExitCode> {
    match (samples.is_empty(), code) {
        (true, Some(code)) => {
            eprintln!("error: no sample of {} `{}`: {outcome}", subject.kind, subject.target);
            Err(ExitCode::from(code))
        }
        _ => finish(subject, args, samples, bytes, outcome, at),
    }
}

fn runs(home: Option<&Home>, file: &str, args: &Args) -> Result<Vec<Probe>, ExitCode> {
    let kernels = args.kernels.read()?;
    let program = frontend::load(file, home, false, &kernels)?;
    let (gene, values, dir) = args.inputs.resolve(&program).map_err(fail)?;
    let backends = match args.backend.as_str() {
        "interp" => vec![Backend::Interp],
        "jit" => vec![Backend::Jit],
        _ => vec![Backend::Interp, Backend::Jit],
    };
    backends.into_iter().map(|b| one_backend(&program, gene, &values, dir, &kernels, b, args)).collect()
}

fn one_backend(
    program: &Program,
    gene: usize,
    values: &[rdx_vm::Value],
    dir: Direction,
    kernels: &[rdx_core::kernels::UserKernel],
    backend: Backend,
    args: &Args,
) -> Result<Probe, ExitCode> {
    let module = &program.module;
    let mut host = if rdx_core::kernels::needs_host(module) {
        Some(rdx_core::kernels::engine_host(kernels, false).map_err(fail)?)
    } else {
        None
    };
    // One engine for every sample, so the JIT compiles once (in the warm-up).
    let mut engine = backend.engine();
    let at = SystemTime::now();
    let mut code = None;
    let (samples, outcome) = sample(args.n, args.warmup, backend.name(), || {
        let mut args = values.to_vec();
        engine.clear_tape();
        let exec = run::execute(&mut *engine, module, gene, &mut args, dir, &mut host);
        match exec.result {
            Ok(_) => Ok(Duration::from_nanos(exec.wall_ns)),
            Err(e) => {
                // As `rdx run` exits for a run-time error.
                code = Some(super::run::EXIT_RUNTIME);
                let d = e.to_diagnostic();
                Err(format!("the run failed: error[{}]: {}", d.code, d.message))
            }
        }
    });
    let target = format!(
        "{} {} {} {}",
        program.cid(),
        module.genes[gene].name,
        run::direction_name(dir),
        backend.name()
    );
    finish_coded(
        Subject { kind: "run", source: "local", target: &target },
        args,
        samples,
        None,
        outcome,
        at,
        code,
    )
}

fn compare(home: Option<&Home>, ids: &[String], as_json: bool) -> ExitCode {
    let Some(home) = home else { return usage_error("--compare needs a home") };
    let mut probes = Vec::new();
    for text in ids {
        let id = match super::ledger::record_id(text) {
            Ok(id) => id,
            Err(e) => return fail(e),
        };
        match home.probe(id) {
            Ok(p) => probes.push((id, p)),
            Err(e) => return fail(e),
        }
    }
    let [(ia, a), (ib, b)] = [&probes[0], &probes[1]];
    let Some(c) = probe::compare(a, b) else {
        return usage_error("the probes have no positive samples to compare");
    };
    // Welch's interval needs the spread of each side: none with one sample.
    let no_interval = [(ia, c.n_a), (ib, c.n_b)]
        .iter()
        .find(|(_, n)| *n < 2)
        .map(|(id, _)| format!("probe {id} has one sample; take more with -n"));
    if as_json {
        let v = serde_json::json!({
            "a": ia,
            "b": ib,
            "ratio": c.ratio,
            "interval": c.interval,
            "no_interval": no_interval,
            "clear_difference": c.clear(),
            "geo_a_ns": c.geo_a_ns,
            "geo_b_ns": c.geo_b_ns,
        });
        println!("{v}");
        return ExitCode::SUCCESS;
    }
    let name = |id: u64, p: &Probe| format!("probe {id} ({} {} from {})", p.kind, short(&p.target), p.source);
    let (word, r) = if c.ratio >= 1.0 { ("slower", c.ratio) } else { ("faster", 1.0 / c.ratio) };
    let interval = match (c.interval, &no_interval) {
        (Some([low, high]), _) => {
            let (lo, hi) = if c.ratio >= 1.0 { (low, high) } else { (1.0 / high, 1.0 / low) };
            format!("95% interval {lo:.2}×–{hi:.2}×")
        }
        (None, why) => format!("no interval: {}", why.as_deref().unwrap_or("too few samples")),
    };
    println!(
        "{} is {r:.2}× {word} than {} (geometric means {} vs {}), {interval}",
        name(*ib, b),
        name(*ia, a),
        time(c.geo_b_ns),
        time(c.geo_a_ns)
    );
    match c.interval {
        Some(_) if !c.clear() => {
            println!("the interval holds 1: these samples show no clear difference (take more with -n)")
        }
        Some(_) => {}
        None => println!("one sample shows no spread, so this is no evidence of a clear difference"),
    }
    ExitCode::SUCCESS
}

/// A target with every CID in it cut to 12 digits.
fn short(target: &str) -> String {
    let word = |w: &str| {
        if w.len() == 64 && w.bytes().all(|b| b.is_ascii_hexdigit()) {
            format!("{}…", &w[..12])
        } else {
            w.to_string()
        }
    };
    target.split(' ').map(word).collect::<Vec<_>>().join(" ")
}

/// A duration in ns as text with a readable unit.
fn time(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.3} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// `n` and the noun for it: `1 sample`, `3 samples`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn describe(id: Option<u64>, p: &Probe) -> String {
    let s = &p.stats;
    let head = match id {
        Some(id) => format!("probe {id}"),
        None => "probe (not recorded)".to_string(),
    };
    let mut out = format!(
        "{head}: {} `{}` ({}), {} after {}\n",
        p.kind,
        p.target,
        p.source,
        count(s.n, "sample", "samples"),
        count(p.warmup, "warm-up", "warm-ups")
    );
    out.push_str(&format!(
        "  min {}  median {}  mean {} ± {}  p90 {}  p99 {}  max {}\n",
        time(s.min_ns),
        time(s.median_ns),
        time(s.mean_ns),
        time(s.sd_ns),
        time(s.p90_ns),
        time(s.p99_ns),
        time(s.max_ns)
    ));
    out.push_str(&format!(
        "  outliers {} (modified z-score > {})  jitter {} (RFC 3550), {} (mean |Δ|)\n",
        s.outliers,
        probe::OUTLIER_Z,
        time(s.jitter_rfc3550_ns),
        time(s.jitter_mean_delta_ns)
    ));
    if let (Some(b), Some(t)) = (p.bytes, p.throughput_bps) {
        out.push_str(&format!("  {b} bytes each, {:.1} MB/s at the median\n", t / 1e6));
    }
    if p.outcome != "ok" {
        out.push_str(&format!("  stopped: {}\n", p.outcome));
    }
    out
}
