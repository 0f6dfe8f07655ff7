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

impl Project {
    /// A shell script `name` in the project's folder (a fake compiler), executable.
    #[cfg(unix)]
    fn script(&self, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.0.join("bin").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// `rdx ARGS…` as cargo calls the wrapper, recording into the project's home.
    fn wrapped(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = Command::new(rdx_bin());
        c.current_dir(&self.0)
            .args(args)
            .env("RDX_HOME", self.0.join("home"))
            .env_remove("RDX_NO_LEDGER")
            .env_remove("RDX_WRAPPER_VERBOSE");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("rdx runs")
    }

    /// `rdx status --build --json`.
    fn build_status(&self) -> serde_json::Value {
        serde_json::from_str(&self.rdx(&["status", "--build", "--json"])).unwrap()
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

/// The text of a path, for `Project::wrapped`.
fn text(path: &Path) -> &str {
    path.to_str().expect("a temporary path in UTF-8")
}

/// A fake rustc: prints its arguments on stdout, `fake-err` on stderr, exits with `$FAKE_RC`.
#[cfg(unix)]
const FAKE_RUSTC: &str = "echo \"fake-out: $*\"\necho fake-err >&2\nexit ${FAKE_RC:-0}";

#[cfg(unix)]
#[test]
fn a_workspace_wrapper_before_rustc_is_run_with_the_rest() {
    let p = Project::new("workspace-wrapper");
    let rustc = p.script("rustc", FAKE_RUSTC);
    let driver = p.script("clippy-driver", "echo \"driver: $*\"\nexit ${FAKE_RC:-0}");
    // `cargo clippy` asks `rdx …/clippy-driver …/rustc -vV` first.
    let out = p.wrapped(&[text(&driver), text(&rustc), "-vV"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("driver: {} -vV\n", rustc.display()));
    let out = p.wrapped(
        &[text(&driver), text(&rustc), "--crate-name", "tiny", "--crate-type", "lib", "src/lib.rs"],
        &[("FAKE_RC", "3")],
    );
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let status = p.build_status();
    assert_eq!(status["certificates"], 1, "{status}");
    let c = &status["slowest"][0];
    assert_eq!((c["crate"].as_str(), c["exit_code"].as_i64()), (Some("tiny"), Some(3)), "{c}");
    // The certificate's arguments are rustc's: the path of rustc is not one of them.
    let args = p.rdx(&["store", "get", c["args"].as_str().unwrap()]);
    assert!(args.starts_with("--crate-name\ntiny\n") && !args.contains("bin/rustc"), "{args}");
}

#[test]
fn cargo_clippy_builds_under_the_wrapper() {
    let p = Project::new("clippy");
    let home = p.0.join("home");
    let probe = p.cargo(None, &home, &["clippy", "--version"]);
    if !probe.status.success() {
        return; // no clippy in this toolchain
    }
    let out = p.cargo(Some(rdx_bin()), &home, &["clippy", "-j", "1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let status = p.build_status();
    assert_eq!(status["certificates"], 2, "the library and the binary, checked: {status}");
    assert!(status["slowest"].as_array().unwrap().iter().all(|c| c["mode"] == "check"), "{status}");
}

#[cfg(unix)]
#[test]
fn an_rdx_file_named_rustc_is_not_a_compiler() {
    let p = Project::new("rustc-rdx");
    std::fs::write(p.0.join("rustc.rdx"), "gene main(n: u64) {\n  n += 1\n}\n").unwrap();
    for file in ["rustc.rdx", "./rustc.rdx"] {
        let out = p.wrapped(&[file], &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("could not start"), "rdx {file}: {err}");
    }
    // A compiler named rustc is still one, by path or on PATH.
    let rustc = p.script("rustc", FAKE_RUSTC);
    let out = p.wrapped(&[text(&rustc), "-vV"], &[]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "fake-out: -vV\n");
    let path = format!("{}:{}", p.0.join("bin").display(), std::env::var("PATH").unwrap_or_default());
    let out = p.wrapped(&["rustc", "-vV"], &[("PATH", &path)]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "fake-out: -vV\n");
}

#[cfg(unix)]
#[test]
fn a_locked_home_drops_the_certificate_and_does_not_hold_the_build() {
    let p = Project::new("locked");
    let rustc = p.script("rustc", FAKE_RUSTC);
    p.rdx(&["status", "--build"]); // creates the home
    let lock = rusqlite::Connection::open(p.0.join("home/ledger.sqlite")).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    let child = Command::new(rdx_bin())
        .args([text(&rustc), "--crate-name", "tiny", "--crate-type", "lib", "src/lib.rs"])
        .env("RDX_HOME", p.0.join("home"))
        .env("RDX_WRAPPER_VERBOSE", "1")
        .env("FAKE_RC", "4")
        .env_remove("RDX_NO_LEDGER")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The lock is held until the wrapper is done: it gives up after its own short wait (the
    // warning names it), not the 60 s other commands wait.
    let out = child.wait_with_output().unwrap();
    lock.execute_batch("ROLLBACK").unwrap();
    assert_eq!(out.status.code(), Some(4), "rustc's exit code");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "fake-out: --crate-name tiny --crate-type lib src/lib.rs\n"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(
            "fake-err\nwarning: rdx did not record the build of tiny (it waits at most 2 s for the home):"
        ),
        "{err}"
    );
    assert!(err.contains("locked"), "{err}");
    assert_eq!(p.build_status()["certificates"], 0);
}

#[cfg(unix)]
#[test]
fn build_scripts_of_two_packages_are_two_units() {
    let p = Project::new("build-scripts");
    let rustc = p.script("rustc", FAKE_RUSTC);
    for (package, ns) in [("alpha", "0123456789abcdef"), ("beta", "fedcba9876543210")] {
        let out_dir = p.0.join(format!("target/debug/build/{package}-{ns}"));
        let out = p.wrapped(
            &[
                text(&rustc),
                "--crate-name",
                "build_script_build",
                &format!("{package}/build.rs"),
                "--crate-type",
                "bin",
                "--out-dir",
                text(&out_dir),
            ],
            &[],
        );
        assert!(out.status.success());
    }
    let status = p.build_status();
    let packages: Vec<&str> =
        status["slowest"].as_array().unwrap().iter().filter_map(|c| c["package"].as_str()).collect();
    assert_eq!(packages.len(), 2, "{status}");
    let text = p.rdx(&["status", "--build"]);
    assert!(text.contains("2 crates"), "{text}");
    let hint = p.rdx(&["hint", "--build"]);
    for shown in [&text, &hint] {
        assert!(
            shown.contains("build_script_build (alpha)") && shown.contains("build_script_build (beta)"),
            "{shown}"
        );
    }
}

#[cfg(unix)]
#[test]
fn the_profile_comes_from_the_folder_cargo_writes_to() {
    let p = Project::new("profiles");
    let rustc = p.script("rustc", FAKE_RUSTC);
    for (name, out_dir) in [
        ("a", "/x/build/debug/examples"),
        ("b", "/home/me/deps/proj/target/debug/examples"),
        ("c", "/x/target/fast/examples"),
        ("d", "/x/build/release/deps"),
    ] {
        let args = [
            text(&rustc),
            "--crate-name",
            name,
            "--crate-type",
            "bin",
            "-C",
            "opt-level=3",
            "--out-dir",
            out_dir,
        ];
        assert!(p.wrapped(&args, &[]).status.success());
    }
    let status = p.build_status();
    let mut profiles: Vec<(&str, &str)> = status["slowest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["crate"].as_str().unwrap(), c["profile"].as_str().unwrap()))
        .collect();
    profiles.sort();
    assert_eq!(profiles, [("a", "debug"), ("b", "debug"), ("c", "fast"), ("d", "release")]);
}

#[cfg(target_os = "linux")]
#[test]
fn rustc_runs_with_the_huge_pages_of_the_machine() {
    let p = Project::new("thp");
    let rustc = p.script("rustc", "grep THP_enabled /proc/self/status");
    let plain = Command::new(&rustc).output().unwrap();
    let plain = String::from_utf8_lossy(&plain.stdout).into_owned();
    if plain.is_empty() {
        return; // a kernel that does not say
    }
    let out = p.wrapped(&[text(&rustc), "-vV"], &[]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), plain);
}

#[cfg(unix)]
#[test]
fn a_crate_that_never_compiled_is_predicted_from_the_others() {
    let p = Project::new("never-compiled");
    let rustc = p.script("rustc", FAKE_RUSTC);
    let compile = |name: &str, rc: &str| {
        let args =
            [text(&rustc), "--crate-name", name, "--crate-type", "lib", "--out-dir", "/x/target/debug/deps"];
        assert_eq!(p.wrapped(&args, &[("FAKE_RC", rc)]).status.code(), Some(rc.parse().unwrap()));
    };
    // Only failures: the hint says what it has.
    compile("broken", "1");
    let hint = p.rdx(&["hint", "--build"]);
    assert!(!hint.contains("no build recorded") && hint.contains("broken (lib)"), "{hint}");
    compile("fine", "0");
    compile("fine", "0");
    let hint: serde_json::Value = serde_json::from_str(&p.rdx(&["hint", "--build", "--json"])).unwrap();
    let crates = hint["profiles"][0]["crates"].as_array().unwrap();
    let broken = crates.iter().find(|c| c["crate"] == "broken (lib)").unwrap_or_else(|| panic!("{hint}"));
    assert_eq!(broken["builds"], 0, "{broken}");
    assert_eq!(crates.len(), 2, "{hint}");
}

#[cfg(unix)]
#[test]
fn checks_and_test_harnesses_are_units_of_their_own() {
    let p = Project::new("modes");
    let rustc = p.script("rustc", FAKE_RUSTC);
    for extra in [
        &["--crate-type", "lib", "--emit=dep-info,metadata,link"][..],
        &["--crate-type", "lib", "--emit=dep-info,metadata"],
        &["--emit=dep-info,link", "--test"],
    ] {
        let args = [&[text(&rustc), "--crate-name", "alpha", "--out-dir", "/x/target/debug/deps"][..], extra]
            .concat();
        assert!(p.wrapped(&args, &[]).status.success());
    }
    let text = p.rdx(&["status", "--build"]);
    assert!(text.starts_with("3 build certificates, 3 crates\n"), "{text}");
    for unit in ["alpha (lib) ", "alpha (lib, check)", "alpha (test)"] {
        assert!(text.contains(unit), "{unit}: {text}");
    }
}

/// `status --build` lists the 20 slowest crates as text and says how many it left out; its
/// JSON lists every one.
#[cfg(unix)]
#[test]
fn status_says_how_many_crates_it_leaves_out() {
    let p = Project::new("many");
    let rustc = p.script("rustc", FAKE_RUSTC);
    for k in 0..22 {
        let name = format!("c{k}");
        let out = p.wrapped(&[text(&rustc), "--crate-name", &name, "--crate-type", "lib", "src/lib.rs"], &[]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let text = p.rdx(&["status", "--build"]);
    assert!(text.starts_with("22 build certificates, 22 crates\n"), "{text}");
    assert!(text.ends_with("… and 2 more (the 20 slowest are shown; --json lists every one)\n"), "{text}");
    assert_eq!(p.build_status()["slowest"].as_array().map(Vec::len), Some(22));
}
