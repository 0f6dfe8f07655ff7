//! Builds as workload: one certificate per rustc invocation (`RUSTC_WRAPPER=rdx cargo build`),
//! recorded in the ledger as records of kind `build`, and predictions of each crate's and the
//! whole build's compile time from them.
//!
//! A unit's compile time ([`BuildCert::unit`]: a crate of one type and mode) is log-normal with
//! a Normal-Inverse-Gamma posterior, as a run's is in [`crate::planner`]: its certificates (same
//! unit and profile, ok ones) are the evidence, older ones weigh less (half-life
//! [`crate::planner::HALF_LIFE`] certificates); a unit without any starts from a prior fitted
//! from every other's (worth at most [`crate::planner::PRIOR_WEIGHT`]). The
//! whole build's time is the sum of its crates' rustc times (what the compilers spent, not the
//! wall time of a parallel build): its interval comes from summing draws of each crate.

use crate::error::CoreError;
use crate::home::Home;
use crate::planner::{DRAWS, HALF_LIFE, MC_SEED, Nig, Rng, reseed};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The record kind of build certificates.
pub const KIND: &str = "build";

/// One rustc invocation as the ledger keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BuildCert {
    /// `--crate-name`.
    #[serde(rename = "crate")]
    pub crate_name: String,
    /// `--crate-type` (`lib`, `bin`, …; several joined by `,`).
    pub crate_type: String,
    /// The cargo profile (`debug`, `release`, …), from the output directory.
    pub profile: String,
    /// The package of a build script (`build_script_build` is every package's): from
    /// `--out-dir …/build/<package>-<hash>`, else the `-C metadata` hash. `None` for other
    /// crates and in certificates written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// What rustc was asked for: `build` (code), `check` (`--emit` metadata without link), `test`
    /// (`--test`, a test harness) or `test,check`. `build` in certificates written before it was
    /// kept.
    #[serde(default = "build_mode")]
    pub mode: String,
    /// The CID of the arguments (one per line).
    pub args: String,
    pub wall_ns: u64,
    /// rustc's exit code; `None` when a signal ended it.
    pub exit_code: Option<i32>,
    /// Bytes of the files rustc wrote for this crate in its output directory.
    pub output_bytes: u64,
    pub started: String,
    pub host: String,
}

impl BuildCert {
    /// The certificate of a rustc invocation with `args` (the arguments after rustc's path),
    /// or `None` when it compiles no crate (`rustc -vV`, `--print …`).
    pub fn of(
        args: &[String],
        wall_ns: u64,
        exit_code: Option<i32>,
        started: std::time::SystemTime,
    ) -> Option<BuildCert> {
        let value = |flag: &str| {
            let eq = format!("{flag}=");
            args.iter().enumerate().find_map(|(i, a)| {
                if a == flag { args.get(i + 1).cloned() } else { a.strip_prefix(&eq).map(str::to_string) }
            })
        };
        // Cargo's queries (`rustc - --crate-name ___ --print=file-names …`) compile nothing.
        if args.iter().any(|a| a.starts_with("--print")) {
            return None;
        }
        let crate_name = value("--crate-name")?;
        let crate_types: Vec<String> = args
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                if a == "--crate-type" {
                    args.get(i + 1).cloned()
                } else {
                    a.strip_prefix("--crate-type=").map(str::to_string)
                }
            })
            .collect();
        let out_dir = value("--out-dir");
        let codegen = |key: &str| {
            let prefix = format!("{key}=");
            args.iter().enumerate().find_map(|(i, a)| {
                let c = if a == "-C" { args.get(i + 1).map(String::as_str) } else { a.strip_prefix("-C") };
                c.and_then(|c| c.strip_prefix(&prefix)).map(str::to_string)
            })
        };
        let profile = out_dir.as_deref().and_then(profile_of).unwrap_or_else(|| {
            match codegen("opt-level").as_deref() {
                None | Some("0") => "debug".to_string(),
                Some(_) => "release".to_string(),
            }
        });
        let package = if crate_name.starts_with("build_script_") {
            out_dir.as_deref().and_then(build_script_package).or_else(|| codegen("metadata"))
        } else {
            None
        };
        let test = args.iter().any(|a| a == "--test");
        let check = value("--emit").is_some_and(|emit| {
            let kinds: Vec<&str> = emit.split(',').filter_map(|k| k.split('=').next()).collect();
            kinds.contains(&"metadata") && !kinds.contains(&"link")
        });
        let mode = match (test, check) {
            (false, false) => "build",
            (false, true) => "check",
            (true, false) => "test",
            (true, true) => "test,check",
        };
        let stem = format!("{crate_name}{}", codegen("extra-filename").unwrap_or_default());
        let output_bytes = out_dir.map_or(0, |d| output_bytes(std::path::Path::new(&d), &stem, started));
        Some(BuildCert {
            crate_name,
            crate_type: crate_types.join(","),
            profile,
            package,
            mode: mode.to_string(),
            args: crate::cid::Cid::of(args_text(args).as_bytes()).to_hex(),
            wall_ns,
            exit_code,
            output_bytes,
            started: crate::ledger::timestamp(started),
            host: crate::ledger::host_name(),
        })
    }
}

/// The arguments as a certificate's `args` blob holds them: one per line.
fn args_text(args: &[String]) -> String {
    args.join("\n")
}

/// The mode of a certificate written before modes were kept.
fn build_mode() -> String {
    "build".to_string()
}

impl BuildCert {
    /// The compilation unit, one model each: the crate, then its type (a build script: its
    /// package) and its mode unless `build`: `tiny (lib)`, `build_script_build (alpha)`,
    /// `tiny (lib, check)`, `tiny (test)`.
    pub fn unit(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        match &self.package {
            Some(p) => parts.push(p),
            None if !self.crate_type.is_empty() => parts.push(&self.crate_type),
            None => {}
        }
        if self.mode != "build" {
            parts.extend(self.mode.split(','));
        }
        format!("{} ({})", self.crate_name, parts.join(", "))
    }
}

/// The profile of an output directory, from cargo's layout: the folder above `deps`,
/// `examples` or `incremental`, or above `build/<package>-<hash>`; `None` for any other folder.
fn profile_of(out_dir: &str) -> Option<String> {
    let parts: Vec<&str> = out_dir.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    let n = parts.len();
    let last = *parts.last()?;
    let at = if matches!(last, "deps" | "examples" | "incremental") {
        n.checked_sub(2)?
    } else if n >= 3 && parts[n - 2] == "build" && package_of_dir(last).is_some() {
        n - 3
    } else {
        return None;
    };
    Some(parts[at].to_string())
}

/// The package a build script belongs to, from its output directory `…/build/<package>-<hash>`.
fn build_script_package(out_dir: &str) -> Option<String> {
    let mut parts = out_dir.split(['/', '\\']).filter(|p| !p.is_empty()).rev();
    let last = parts.next()?;
    (parts.next()? == "build").then(|| package_of_dir(last)).flatten().map(str::to_string)
}

/// `alpha` of `alpha-0f3c9a1b2d4e5f60`: a folder named after a package and a hex hash.
fn package_of_dir(dir: &str) -> Option<&str> {
    let (package, hash) = dir.rsplit_once('-')?;
    let hex = !hash.is_empty() && hash.bytes().all(|b| b.is_ascii_hexdigit());
    (!package.is_empty() && hex).then_some(package)
}

/// Bytes of the files in `dir` named after `stem` and written since `since`.
fn output_bytes(dir: &std::path::Path, stem: &str, since: std::time::SystemTime) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(stem))
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file() && m.modified().is_ok_and(|t| t >= since))
        .map(|m| m.len())
        .sum()
}

impl Home {
    /// Appends the certificate of the rustc invocation with `args` to the ledger and stores
    /// the arguments as the blob its `args` names, in one transaction (a gc in between would
    /// take a blob no record names yet); returns the record's id.
    pub fn record_build(&self, cert: &BuildCert, args: &[String]) -> Result<u64, CoreError> {
        let body = serde_json::to_value(cert)
            .map_err(|e| CoreError::Usage(format!("a build certificate as JSON: {e}")))?;
        let batch = self.batch()?;
        let cid = batch.put(args_text(args).as_bytes())?;
        if cid.to_hex() != cert.args {
            return Err(CoreError::Usage(format!(
                "the certificate of {} names other arguments",
                cert.crate_name
            )));
        }
        let id = batch.append_record(KIND, &body)?;
        batch.commit()?;
        Ok(id)
    }

    /// Every build certificate, newest first. A record that is not a certificate (a field
    /// missing or out of range: `wall_ns` -1) is an error naming it, as a run record that cannot
    /// be read is for the planner.
    pub fn builds(&self) -> Result<Vec<(u64, BuildCert)>, CoreError> {
        self.records_of(KIND, None)?
            .into_iter()
            .map(|(id, body)| {
                serde_json::from_value(body).map(|c| (id, c)).map_err(|e| CoreError::Ledger {
                    path: self.ledger_path().to_path_buf(),
                    why: format!("build certificate {id} cannot be read: {e}"),
                })
            })
            .collect()
    }
}

/// What is predicted of one crate (of one type).
#[derive(Clone, Debug, Serialize)]
pub struct CratePrediction {
    /// The crate and its type: `tiny (lib)`.
    #[serde(rename = "crate")]
    pub crate_name: String,
    pub profile: String,
    /// Certificates of successful compilations it learned from (0: predicted from the other
    /// crates, its compilations all failed).
    pub builds: usize,
    /// The newest successful certificate's time, else the newest failed one's.
    pub last_ns: u64,
    /// exp of the posterior mean of ln wall_ns.
    pub predicted_ns: f64,
    /// The 5% and 95% quantiles of a new compilation's time.
    pub interval_ns: [f64; 2],
    pub posterior: Nig,
}

/// What is predicted of the whole build (one profile).
#[derive(Clone, Debug, Serialize)]
pub struct BuildPrediction {
    pub profile: String,
    pub crates: Vec<CratePrediction>,
    /// The sum of the crates' predicted rustc times (median of the summed draws).
    pub total_ns: f64,
    /// The 5% and 95% quantiles of that sum.
    pub total_interval_ns: [f64; 2],
}

/// Predictions per profile, from `certs` (newest first): each crate's time and the sum, the
/// crates slowest first. A crate learns from its successful certificates; one that has only
/// failed ones (never compiled yet) is predicted from the other crates' of its profile.
pub fn predict(certs: &[(u64, BuildCert)]) -> Vec<BuildPrediction> {
    let mut by_crate: BTreeMap<(String, String), Vec<&BuildCert>> = BTreeMap::new();
    for (_, c) in certs {
        by_crate.entry((c.profile.clone(), c.unit())).or_default().push(c);
    }
    let ok = |c: &BuildCert| c.exit_code == Some(0);
    let ln = |c: &BuildCert| (c.wall_ns.max(1) as f64).ln();
    let mut profiles: BTreeMap<String, Vec<CratePrediction>> = BTreeMap::new();
    let mut rng = Rng::new(MC_SEED);
    for ((profile, name), all) in &by_crate {
        let mine: Vec<&BuildCert> = all.iter().copied().filter(|c| ok(c)).collect();
        let others: Vec<(&String, f64, f64)> = by_crate
            .iter()
            .filter(|((p, n), _)| p == profile && n != name)
            .flat_map(|((_, n), cs)| cs.iter().filter(|c| ok(c)).map(move |c| (n, ln(c), 1.0)))
            .collect();
        let obs: Vec<(f64, f64)> =
            mine.iter().enumerate().map(|(age, c)| (ln(c), 0.5f64.powf(age as f64 / HALF_LIFE))).collect();
        // A crate never compiled before starts from the others; one with certificates from its
        // own, crates differing too much for the others to say more.
        let prior = if obs.is_empty() { reseed(&others) } else { Nig { kappa: 0.01, ..Nig::VAGUE } };
        let posterior = prior.update(&obs);
        let mut draws: Vec<f64> = (0..DRAWS).map(|_| posterior.predict(&mut rng)).collect();
        draws.sort_by(f64::total_cmp);
        let at = |q: f64| draws[((draws.len() - 1) as f64 * q).round() as usize].exp();
        profiles.entry(profile.clone()).or_default().push(CratePrediction {
            crate_name: name.clone(),
            profile: profile.clone(),
            builds: mine.len(),
            last_ns: mine.first().unwrap_or(&all[0]).wall_ns,
            predicted_ns: posterior.mu.exp(),
            interval_ns: [at(0.05), at(0.95)],
            posterior,
        });
    }
    profiles
        .into_iter()
        .map(|(profile, mut crates)| {
            crates.sort_by(|a, b| b.predicted_ns.total_cmp(&a.predicted_ns));
            let mut sums: Vec<f64> = (0..DRAWS)
                .map(|_| crates.iter().map(|c| c.posterior.predict(&mut rng).exp()).sum())
                .collect();
            sums.sort_by(f64::total_cmp);
            let at = |q: f64| sums[((sums.len() - 1) as f64 * q).round() as usize];
            let total_ns = at(0.5);
            BuildPrediction { profile, crates, total_ns, total_interval_ns: [at(0.05), at(0.95)] }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn a_certificate_names_crate_profile_and_args() {
        let a = args(
            "--crate-name tiny --edition=2021 src/lib.rs --crate-type lib -C opt-level=3 \
             -C extra-filename=-abc --out-dir /tmp/t/target/release/deps",
        );
        let c = BuildCert::of(&a, 5, Some(0), std::time::SystemTime::now()).unwrap();
        assert_eq!(
            (c.crate_name.as_str(), c.crate_type.as_str(), c.profile.as_str()),
            ("tiny", "lib", "release")
        );
        assert_eq!(c.args.len(), 64);
        assert_eq!(profile_of("/x/target/debug/build/foo-123"), Some("debug".into()));
        assert_eq!(profile_of("/x/target/x86_64-unknown-linux-gnu/release/deps"), Some("release".into()));
        assert!(BuildCert::of(&args("-vV"), 1, Some(0), std::time::SystemTime::now()).is_none());
        let query = args("- --crate-name ___ --print=file-names --crate-type bin");
        assert!(BuildCert::of(&query, 1, Some(0), std::time::SystemTime::now()).is_none());
        let d =
            BuildCert::of(&args("--crate-name=b --crate-type=bin"), 1, Some(1), std::time::SystemTime::now());
        assert_eq!(d.map(|d| (d.crate_name, d.profile)), Some(("b".into(), "debug".into())));
    }

    #[test]
    fn predictions_follow_the_certificates() {
        let cert = |name: &str, ns: u64, exit: i32| BuildCert {
            crate_name: name.into(),
            crate_type: "lib".into(),
            profile: "debug".into(),
            package: None,
            mode: "build".into(),
            args: String::new(),
            wall_ns: ns,
            exit_code: Some(exit),
            output_bytes: 0,
            started: String::new(),
            host: String::new(),
        };
        let mut certs = Vec::new();
        for k in 0..6u64 {
            certs.push((2 * k, cert("big", 1_000_000_000 + k * 1_000_000, 0)));
            certs.push((2 * k + 1, cert("small", 10_000_000 + k * 10_000, 0)));
        }
        certs.push((99, cert("broken", 5, 1)));
        let p = predict(&certs);
        assert_eq!(p.len(), 1);
        let names: Vec<&str> = p[0].crates.iter().map(|c| c.crate_name.as_str()).collect();
        assert_eq!(names, ["big (lib)", "broken (lib)", "small (lib)"], "slowest first");
        // A failed compilation teaches nothing: `broken`, never compiled, is predicted from the
        // others (between them), not from its 5 ns.
        let broken = &p[0].crates[1];
        assert_eq!((broken.builds, broken.last_ns), (0, 5));
        assert!(1.0e7 < broken.predicted_ns && broken.predicted_ns < 1.0e9, "{broken:?}");
        let big = &p[0].crates[0];
        assert!(big.interval_ns[0] < 1.0e9 && 1.0e9 < big.interval_ns[1], "{big:?}");
        assert!(p[0].total_interval_ns[0] < p[0].total_ns && p[0].total_ns < p[0].total_interval_ns[1]);
    }

    #[test]
    fn the_profile_comes_from_cargos_layout() {
        for (out_dir, profile) in [
            ("/x/target/debug/deps", Some("debug")),
            ("/x/target/release/deps", Some("release")),
            ("/x/target/x86_64-unknown-linux-gnu/release/deps", Some("release")),
            ("/x/target/debug/build/foo-0123456789abcdef", Some("debug")),
            ("/x/target/debug/build/foo-bar-0123456789abcdef", Some("debug")),
            ("/x/target/debug/examples", Some("debug")),
            ("/x/target/fast/examples", Some("fast")),
            ("/x/target/debug/incremental", Some("debug")),
            // A target dir named `build` (`CARGO_TARGET_DIR=/x/build`).
            ("/x/build/debug/examples", Some("debug")),
            ("/x/build/debug/deps", Some("debug")),
            ("/x/build/release/build/alpha-0123456789abcdef", Some("release")),
            // `deps` higher up is a folder of the user's, not cargo's.
            ("/home/me/deps/proj/target/debug/examples", Some("debug")),
            ("C:\\x\\target\\fast\\deps", Some("fast")),
            ("/home/me/deps/out", None),
            ("/x/build/notes", None),
            ("deps", None),
            ("", None),
        ] {
            assert_eq!(profile_of(out_dir).as_deref(), profile, "{out_dir}");
        }
        // Without a profile in the folder: from the optimisation level.
        let a = args("--crate-name ex --crate-type bin -C opt-level=3 --out-dir /tmp/o");
        let c = BuildCert::of(&a, 1, Some(0), std::time::SystemTime::now()).unwrap();
        assert_eq!(c.profile, "release");
    }

    #[test]
    fn build_scripts_tests_and_checks_are_units_of_their_own() {
        let cert = |text: &str| BuildCert::of(&args(text), 1, Some(0), std::time::SystemTime::now()).unwrap();
        let alpha = cert(
            "--crate-name build_script_build alpha/build.rs --crate-type bin -C metadata=1f2e              --out-dir /t/debug/build/alpha-0123456789abcdef",
        );
        let beta = cert(
            "--crate-name build_script_build beta/build.rs --crate-type bin              --out-dir /t/debug/build/beta-fedcba9876543210",
        );
        let bare = cert("--crate-name build_script_build build.rs --crate-type bin -C metadata=1f2e");
        assert_eq!(
            [alpha.unit(), beta.unit(), bare.unit()],
            ["build_script_build (alpha)", "build_script_build (beta)", "build_script_build (1f2e)"]
        );
        let lib = cert("--crate-name alpha --crate-type lib --emit=dep-info,metadata,link");
        let check = cert("--crate-name alpha --crate-type lib --emit=dep-info,metadata");
        let test = cert("--crate-name alpha --emit=dep-info,link --test");
        let check_test = cert("--crate-name alpha --emit dep-info,metadata --test");
        assert_eq!(
            [lib.unit(), check.unit(), test.unit(), check_test.unit()],
            ["alpha (lib)", "alpha (lib, check)", "alpha (test)", "alpha (test, check)"]
        );
        assert_eq!((lib.package.as_deref(), lib.mode.as_str()), (None, "build"));
        // A certificate written before package and mode were kept reads as a build.
        let mut old = serde_json::to_value(&lib).unwrap();
        old.as_object_mut().unwrap().remove("mode");
        let old: BuildCert = serde_json::from_value(old).unwrap();
        assert_eq!((old.mode.as_str(), old.unit()), ("build", "alpha (lib)".to_string()));
    }
}
