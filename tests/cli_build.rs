//! `RUSTC_WRAPPER=rdx cargo build` on a tiny throwaway cargo project (offline, no
//! dependencies): the build is unchanged (exit code, diagnostics), one certificate per crate
//! compiled is recorded, `rdx hint --build` and `rdx status --build` read them, and a ledger
//! that cannot be written never breaks the build.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary folder with a cargo project `tiny` (a library and a binary) and a home.
struct Project(PathBuf);

impl Project {
    fn new(tag: &str) -> Project {
        let dir = std::env::temp_dir().join(format!("rdx-cli-build-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("tiny/src")).unwrap();
        std::fs::write(
            dir.join("tiny/Cargo.toml"),
            "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        )
        .unwrap();
        std::fs::write(dir.join("tiny/src/lib.rs"), "pub fn two() -> u32 {\n    2\n}\n").unwrap();
        std::fs::write(dir.join("tiny/src/main.rs"), "fn main() {\n    println!(\"{}\", tiny::two());\n}\n")
            .unwrap();
        Project(dir)
    }

    fn cargo(&self, wrapper: Option<&Path>, home: &Path, args: &[&str]) -> Output {
        let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        c.current_dir(self.0.join("tiny"))
            .args(args)
            .arg("--offline")
            .env("CARGO_TARGET_DIR", self.0.join("target"))
            .env("RDX_HOME", home)
            .env_remove("RUSTC_WORKSPACE_WRAPPER")
            .env_remove("RDX_NO_LEDGER")
            .env_remove("RDX_WRAPPER_VERBOSE")
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS");
        match wrapper {
            Some(w) => c.env("RUSTC_WRAPPER", w),
            None => c.env_remove("RUSTC_WRAPPER"),
        };
        c.output().expect("cargo runs")
    }

    fn rdx(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_rdx"))
            .arg("--home")
            .arg(self.0.join("home"))
            .args(args)
            .output()
            .expect("rdx runs");
        assert!(out.status.success(), "rdx {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn rdx_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_rdx"))
}

#[test]
fn a_wrapped_build_records_one_certificate_per_crate() {
    let p = Project::new("ok");
    let home = p.0.join("home");
    let out = p.cargo(Some(rdx_bin()), &home, &["build"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let status: serde_json::Value = serde_json::from_str(&p.rdx(&["status", "--build", "--json"])).unwrap();
    assert_eq!(status["certificates"], 2, "the library and the binary: {status}");
    let slowest = status["slowest"].as_array().unwrap();
    for c in slowest {
        assert_eq!(
            (c["crate"].as_str(), c["profile"].as_str(), c["exit_code"].as_i64()),
            (Some("tiny"), Some("debug"), Some(0))
        );
        assert!(c["output_bytes"].as_u64().is_some_and(|b| b > 0), "{c}");
        // The arguments are in the store under the CID the certificate names.
        let args = p.rdx(&["store", "get", c["args"].as_str().unwrap()]);
        assert!(args.lines().any(|a| a == "--crate-name") && args.contains("tiny"), "{args}");
    }
    let types: Vec<&str> = slowest.iter().filter_map(|c| c["crate_type"].as_str()).collect();
    assert!(types.contains(&"lib") && types.contains(&"bin"), "{types:?}");
    // A release build is another profile; a rebuild after a change adds certificates.
    assert!(p.cargo(Some(rdx_bin()), &home, &["build", "--release"]).status.success());
    std::fs::write(p.0.join("tiny/src/lib.rs"), "pub fn two() -> u32 {\n    1 + 1\n}\n").unwrap();
    assert!(p.cargo(Some(rdx_bin()), &home, &["build"]).status.success());
    let hint: serde_json::Value = serde_json::from_str(&p.rdx(&["hint", "--build", "--json"])).unwrap();
    assert_eq!(hint["certificates"], 6, "{hint}");
    let profiles = hint["profiles"].as_array().unwrap();
    let names: Vec<&str> = profiles.iter().filter_map(|p| p["profile"].as_str()).collect();
    assert_eq!(names, ["debug", "release"]);
    let debug = &profiles[0];
    assert_eq!(debug["crates"].as_array().map(Vec::len), Some(2), "tiny's library and binary: {debug}");
    assert!(debug["crates"].as_array().unwrap().iter().all(|c| c["builds"] == 2), "{debug}");
    let [lo, hi] =
        [&debug["total_interval_ns"][0], &debug["total_interval_ns"][1]].map(|v| v.as_f64().unwrap());
    assert!(lo < hi);
    assert!(p.rdx(&["hint", "--build"]).contains("90% interval"));
    assert!(p.rdx(&["status", "--build"]).contains("tiny"));
}

#[test]
fn a_failing_build_fails_the_same_way_and_a_broken_home_changes_nothing() {
    let p = Project::new("fail");
    std::fs::write(p.0.join("tiny/src/lib.rs"), "pub fn two() -> u32 {\n    \"two\"\n}\n").unwrap();
    let home = p.0.join("home");
    let plain = p.cargo(None, &home, &["build"]);
    let wrapped = p.cargo(Some(rdx_bin()), &home, &["build"]);
    assert_eq!(wrapped.status.code(), plain.status.code());
    assert!(!wrapped.status.success());
    let err = String::from_utf8_lossy(&wrapped.stderr);
    assert!(err.contains("error[E0308]: mismatched types"), "{err}");
    let status: serde_json::Value = serde_json::from_str(&p.rdx(&["status", "--build", "--json"])).unwrap();
    assert_eq!(status["slowest"][0]["exit_code"], 1, "the failure is certified: {status}");
    // A home that cannot be opened (a file): the build succeeds, and says nothing about it.
    std::fs::write(p.0.join("tiny/src/lib.rs"), "pub fn two() -> u32 {\n    2\n}\n").unwrap();
    let not_a_dir = p.0.join("not-a-dir");
    std::fs::write(&not_a_dir, "x").unwrap();
    let out = p.cargo(Some(rdx_bin()), &not_a_dir, &["build"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("warning: rdx") && !err.contains("error: rdx"), "{err}");
}
