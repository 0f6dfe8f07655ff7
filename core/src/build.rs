//! Builds as workload: one certificate per rustc invocation (`RUSTC_WRAPPER=rdx cargo build`),
//! recorded in the ledger as records of kind `build`, and predictions of each crate's and the
//! whole build's compile time from them.
//!
//! A crate's compile time is log-normal with a Normal-Inverse-Gamma posterior, as a run's is
//! in [`crate::planner`]: its certificates (same crate and profile, ok ones) are the evidence,
//! older ones weigh less (half-life [`crate::planner::HALF_LIFE`] certificates), and the prior
//! is fitted from every other crate's (worth at most [`crate::planner::PRIOR_WEIGHT`]). The
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
        let stem = format!("{crate_name}{}", codegen("extra-filename").unwrap_or_default());
        let output_bytes = out_dir.map_or(0, |d| output_bytes(std::path::Path::new(&d), &stem, started));
        Some(BuildCert {
            crate_name,
            crate_type: crate_types.join(","),
            profile,
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

impl BuildCert {
    /// The compilation unit: the crate and its type, `tiny (lib)`.
    pub fn unit(&self) -> String {
        format!("{} ({})", self.crate_name, self.crate_type)
    }
}

/// The profile of an output directory: the folder above `deps` (or above `build/NAME`).
fn profile_of(out_dir: &str) -> Option<String> {
    let parts: Vec<&str> = out_dir.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    let at = parts.iter().rposition(|p| *p == "deps" || *p == "build")?;
    at.checked_sub(1).map(|i| parts[i].to_string())
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
    /// Certificates of successful compilations it learned from.
    pub builds: usize,
    /// The newest certificate's time.
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
/// crates slowest first.
pub fn predict(certs: &[(u64, BuildCert)]) -> Vec<BuildPrediction> {
    let mut by_crate: BTreeMap<(String, String), Vec<&BuildCert>> = BTreeMap::new();
    for (_, c) in certs.iter().filter(|(_, c)| c.exit_code == Some(0)) {
        by_crate.entry((c.profile.clone(), c.unit())).or_default().push(c);
    }
    let ln = |c: &BuildCert| (c.wall_ns.max(1) as f64).ln();
    let mut profiles: BTreeMap<String, Vec<CratePrediction>> = BTreeMap::new();
    let mut rng = Rng::new(MC_SEED);
    for ((profile, name), mine) in &by_crate {
        let others: Vec<(&String, f64, f64)> = by_crate
            .iter()
            .filter(|((p, n), _)| p == profile && n != name)
            .flat_map(|((_, n), cs)| cs.iter().map(move |c| (n, ln(c), 1.0)))
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
            last_ns: mine[0].wall_ns,
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
        assert_eq!(names, ["big (lib)", "small (lib)"], "failed compilations teach nothing; slowest first");
        let big = &p[0].crates[0];
        assert!(big.interval_ns[0] < 1.0e9 && 1.0e9 < big.interval_ns[1], "{big:?}");
        assert!(p[0].total_interval_ns[0] < p[0].total_ns && p[0].total_ns < p[0].total_interval_ns[1]);
    }
}
