//! UI tests: every `tests/ui/*.rdx` program is checked by the built `rdx check` binary and its
//! stdout, stderr and exit code are compared with the files beside it.
//!
//! - `NAME.stderr` / `NAME.stdout`: the expected output (a missing file means empty output).
//! - Exit code: programs named `ok-*` (good programs) and `W*` (warnings only) must exit 0,
//!   all others (one failing program per error code, named `CODE-short-name.rdx`) must exit 2.
//! - A first line `// args: …` adds command-line flags (e.g. `--strict`); a first line
//!   `// command: circuit --entry g` runs `rdx circuit --entry g` instead of `rdx check`.
//!
//! `BLESS=1 cargo test -p rdx --test ui` rewrites the expected files from the actual output.
//! A second test checks that every front-end code of the catalogue (`rdx_lang::codes`,
//! `Family::Source`) has a UI program whose stderr shows that code, and that every front-end and
//! internal code has a section `## CODE: title` in `spec/diagnostics.md` (and no other sections).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The UI programs, sorted by name.
fn programs() -> Vec<PathBuf> {
    let dir = root().join("tests/ui");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/ui exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rdx"))
        .collect();
    files.sort();
    files
}

fn stem(p: &Path) -> String {
    p.file_stem().and_then(|s| s.to_str()).expect("UTF-8 file name").to_string()
}

/// Runs `rdx check` from the repository root on the relative path, so file names in the
/// rendered diagnostics do not depend on where the repository lives.
fn run(program: &Path) -> (String, String, i32) {
    let text = std::fs::read_to_string(program).expect("readable program");
    let first = text.lines().next().unwrap_or("");
    let extra: Vec<&str> =
        first.strip_prefix("// args:").map_or(Vec::new(), |a| a.split_whitespace().collect());
    // `// command: circuit --entry g` runs another subcommand than `check` (E0218).
    let mut command: Vec<&str> =
        first.strip_prefix("// command:").map_or(Vec::new(), |a| a.split_whitespace().collect());
    if command.is_empty() {
        command.push("check");
    }
    let rel = program.strip_prefix(root()).expect("program under the repository");
    let out = Command::new(env!("CARGO_BIN_EXE_rdx"))
        .env("RDX_NO_LEDGER", "1")
        .current_dir(root())
        .args(command)
        .args(extra)
        .arg(rel)
        .output()
        .expect("rdx runs");
    (
        String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        String::from_utf8(out.stderr).expect("UTF-8 stderr"),
        out.status.code().unwrap_or(-1),
    )
}

fn compare(expected_path: &Path, actual: &str, bless: bool, failures: &mut Vec<String>) {
    if bless {
        if actual.is_empty() {
            let _ = std::fs::remove_file(expected_path);
        } else {
            std::fs::write(expected_path, actual).expect("write expected output");
        }
        return;
    }
    let expected = std::fs::read_to_string(expected_path).unwrap_or_default();
    if expected != actual {
        failures.push(format!(
            "{} differs (run with BLESS=1 to accept)\n--- expected\n{expected}\n--- actual\n{actual}",
            expected_path.display()
        ));
    }
}

#[test]
fn ui_programs_match_expected_output() {
    let bless = std::env::var_os("BLESS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    let programs = programs();
    assert!(programs.len() >= 40, "expected the UI folder to hold the programs, found {}", programs.len());
    for p in &programs {
        let (stdout, stderr, code) = run(p);
        let name = stem(p);
        let want = if name.starts_with("ok-") || name.starts_with('W') { 0 } else { 2 };
        if code != want {
            failures.push(format!("{name}: exit code {code}, expected {want}\n{stderr}"));
        }
        if name.starts_with("ok-") && !stderr.is_empty() {
            failures.push(format!("{name}: a good program printed diagnostics\n{stderr}"));
        }
        compare(&p.with_extension("stderr"), &stderr, bless, &mut failures);
        compare(&p.with_extension("stdout"), &stdout, bless, &mut failures);
    }
    assert!(failures.is_empty(), "{} UI failures:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn every_code_has_a_ui_program_and_a_spec_section() {
    use rdx_lang::codes::{Code, Family};
    let names: Vec<String> = programs().iter().map(|p| stem(p)).collect();
    let spec =
        std::fs::read_to_string(root().join("spec/diagnostics.md")).expect("spec/diagnostics.md exists");
    let mut missing = Vec::new();
    for c in rdx_lang::codes::family(Family::Source) {
        let prefix = format!("{c}-");
        match names.iter().find(|n| n.starts_with(&prefix)) {
            None => missing.push(format!("{c}: no tests/ui/{prefix}<name>.rdx")),
            Some(n) => {
                let program = std::fs::read_to_string(root().join("tests/ui").join(format!("{n}.rdx")))
                    .unwrap_or_default();
                if !spec.contains(program.trim_end()) {
                    missing.push(format!("{c}: spec/diagnostics.md does not show tests/ui/{n}.rdx verbatim"));
                }
                let stderr = std::fs::read_to_string(root().join("tests/ui").join(format!("{n}.stderr")))
                    .unwrap_or_default();
                if !stderr.contains(&format!("[{c}]")) {
                    missing.push(format!("{c}: tests/ui/{n}.stderr does not show the code"));
                }
            }
        }
    }
    // Internal errors are bugs of rdx: no program shows them, but the spec explains them.
    let documented: Vec<Code> =
        rdx_lang::codes::family(Family::Source).chain(rdx_lang::codes::family(Family::Internal)).collect();
    for c in &documented {
        let heading = format!("## {c}: {}\n", c.title());
        if !spec.contains(&heading) {
            missing.push(format!("{c}: no `{}` section in spec/diagnostics.md", heading.trim_end()));
        }
    }
    for line in
        spec.lines().filter(|l| l.starts_with("## ") && l.as_bytes().get(4).is_some_and(u8::is_ascii_digit))
    {
        let code = line[3..].split(':').next().unwrap_or_default();
        if !Code::lookup(code).is_some_and(|c| documented.contains(&c)) {
            missing.push(format!("spec/diagnostics.md has a section `{line}` for no catalogued code"));
        }
    }
    for n in names.iter().filter(|n| !n.starts_with("ok-")) {
        let code = n.split('-').next().unwrap_or_default();
        if !Code::lookup(code).is_some_and(|c| c.family() == Family::Source) {
            missing.push(format!("tests/ui/{n}.rdx is named after no code of the rdx front end"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// The stdlib kernels as the checker sees them (what `rdx check` uses without `--kernel`).
fn stdlib_kernels() -> Vec<rdx_lang::kernels::KernelSig> {
    let mut host = rdx_kernels::KernelHost::new(rdx_kernels::Limits::default()).expect("kernel host");
    host.register_stdlib().expect("stdlib kernels load");
    host.kernels().iter().map(rdx_kernels::bridge::sig_of).collect()
}

/// `rdx invert` on every good UI program prints source that checks, and inverting that source
/// again prints the original program's IR.
#[test]
fn invert_output_checks_and_inverts_back() {
    let tmp = std::env::temp_dir().join(format!("rdx-ui-invert-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let catalogue = stdlib_kernels();
    for p in programs().iter().filter(|p| stem(p).starts_with("ok-")) {
        let name = stem(p);
        let invert = |path: &Path| {
            let out = Command::new(env!("CARGO_BIN_EXE_rdx"))
                .env("RDX_NO_LEDGER", "1")
                .arg("invert")
                .arg(path)
                .output()
                .expect("rdx runs");
            assert!(
                out.status.success(),
                "{name}: rdx invert failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).expect("UTF-8")
        };
        let inverse = tmp.join(format!("{name}.inv.rdx"));
        std::fs::write(&inverse, invert(p)).expect("write inverse");
        let checked = Command::new(env!("CARGO_BIN_EXE_rdx"))
            .env("RDX_NO_LEDGER", "1")
            .arg("check")
            .arg(&inverse)
            .output()
            .expect("rdx runs");
        assert!(
            checked.status.success(),
            "{name}: inverse does not check: {}",
            String::from_utf8_lossy(&checked.stderr)
        );
        let src = std::fs::read_to_string(p).expect("readable");
        let opts = rdx_lang::check::CheckOptions { strict: false, kernels: &catalogue };
        let ir = rdx_lang::check::check(&rdx_lang::parser::parse(&src).expect("parses"), &opts)
            .expect("checks")
            .program;
        assert_eq!(invert(&inverse), rdx_lang::print::print_program(&ir), "{name}: invert twice");
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

/// The invariant report quoted in `spec/diagnostics.md` is the real output for `ok-fib.rdx`.
#[test]
fn spec_quotes_the_real_invariant_report() {
    let spec = std::fs::read_to_string(root().join("spec/diagnostics.md")).expect("spec exists");
    let start = spec.find("```text\n").expect("a text block in the spec") + "```text\n".len();
    let end = start + spec[start..].find("```").expect("closed block");
    let stdout = std::fs::read_to_string(root().join("tests/ui/ok-fib.stdout")).expect("ok-fib.stdout");
    assert_eq!(&spec[start..end], stdout);
}
