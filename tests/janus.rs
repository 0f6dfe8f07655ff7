//! Janus programs: every `tests/janus/*.ja` file goes through the built `rdx` binary.
//!
//! - `NAME.ja` with `NAME.out`: a good program. `rdx check` accepts it, its inverse (`rdx invert`)
//!   checks as rdx source, and `rdx run` prints the expected store in jana's format on every
//!   backend; run backward from that final store it gives main's initial store (all zeros).
//! - `NAME.ja` with `NAME.stderr`: a failing program (`err_*`). `rdx run` prints the expected
//!   diagnostics; it exits 2 when `rdx check` rejects the program and 1 for a run-time error.
//!
//! `BLESS=1 cargo test --test janus` rewrites the `.stderr` files from the actual output (the
//! `.out` files are written by hand from jana's semantics and never blessed). Adding an engine
//! is one entry in [`BACKENDS`].

use std::path::{Path, PathBuf};
use std::process::Command;

/// The engines every good program runs on, as `--backend` values.
const BACKENDS: &[&str] = &["interp", "jit"];

/// Programs whose inverse is not valid rdx source, with the reason. The test checks they still
/// are not, so an entry is removed as soon as its inverse checks.
const NOT_RDX: &[(&str, &str)] = &[];

/// Programs whose printed inverse prints other text than the program run backward, with the
/// reason. The test checks they still do, so an entry is removed as soon as they agree.
const INVERSE_PRINTS_OTHERWISE: &[(&str, &str)] = &[
    (
        "matrix",
        "a multi-dimensional array is renamed in rdx source (`m[2][3]` is `m_2_3`), so its `%a` prints flat",
    ),
    (
        "stack_negative",
        "an rdx stack holds words of no type, which print unsigned (`-5` is 18446744073709551611)",
    ),
];

/// Programs whose forward output is known to differ from jana's, with the reason. The test
/// checks they still differ, so an entry is removed as soon as its difference is fixed.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Janus programs, sorted by name.
fn programs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/janus"))
        .expect("tests/janus exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ja"))
        .collect();
    files.sort();
    files
}

fn good() -> Vec<PathBuf> {
    programs().into_iter().filter(|p| p.with_extension("out").exists()).collect()
}

fn failing() -> Vec<PathBuf> {
    programs()
        .into_iter()
        .filter(|p| p.with_extension("stderr").exists() || stem(p).starts_with("err_"))
        .collect()
}

fn stem(p: &Path) -> String {
    p.file_stem().and_then(|s| s.to_str()).expect("UTF-8 file name").to_string()
}

fn rel(p: &Path) -> PathBuf {
    p.strip_prefix(root()).expect("file under the repository").to_path_buf()
}

struct Output {
    stdout: String,
    stderr: String,
    code: i32,
}

/// Runs `rdx ARGS…` from the repository root (so file names in diagnostics are relative).
fn rdx<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = Command::new(env!("CARGO_BIN_EXE_rdx"))
        .env("RDX_NO_LEDGER", "1")
        .current_dir(root())
        .args(args)
        .output()
        .expect("rdx runs");
    Output {
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
        code: out.status.code().unwrap_or(-1),
    }
}

fn bless() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| v == "1")
}

#[test]
fn the_folder_holds_the_programs() {
    let names: Vec<String> = programs().iter().map(|p| stem(p)).collect();
    for classic in ["fib", "factor", "sqrt", "perm_to_code", "rle", "stack_reverse"] {
        assert!(names.iter().any(|n| n == classic), "missing tests/janus/{classic}.ja");
    }
    assert!(good().len() >= 12, "good programs: {}", good().len());
    assert!(failing().len() >= 20, "failing programs: {}", failing().len());
}

#[test]
fn good_programs_pass_the_checker() {
    let mut failures = Vec::new();
    for p in good() {
        let out = rdx([Path::new("check"), &rel(&p)]);
        if out.code != 0 || !out.stderr.is_empty() {
            failures.push(format!("{}: rdx check exit {}\n{}", stem(&p), out.code, out.stderr));
        }
        if !out.stdout.contains("I2 reversibility: holds") {
            failures.push(format!("{}: no I2 line in\n{}", stem(&p), out.stdout));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `rdx invert` of a Janus program is rdx source that checks again, under a note that its
/// arithmetic is rdx's.
#[test]
fn inverses_are_valid_rdx() {
    let dir = std::env::temp_dir().join(format!("rdx-janus-invert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let mut failures = Vec::new();
    for p in good() {
        let out = rdx([Path::new("invert"), &rel(&p)]);
        if out.code != 0 {
            failures.push(format!("{}: rdx invert exit {}\n{}", stem(&p), out.code, out.stderr));
            continue;
        }
        // It says first that its arithmetic is rdx's, not Janus's.
        if !out.stdout.starts_with("// The inverse of a Janus program, printed as rdx source.") {
            failures.push(format!("{}: the inverse does not start with its note\n{}", stem(&p), out.stdout));
        }
        let file = dir.join(format!("{}.rdx", stem(&p)));
        std::fs::write(&file, &out.stdout).expect("write inverse");
        let check = rdx([Path::new("check"), &file]);
        match NOT_RDX.iter().find(|(n, _)| *n == stem(&p)) {
            Some((name, why)) if check.code == 0 => {
                failures.push(format!("{name}'s inverse now checks: remove it from NOT_RDX ({why})"));
            }
            None if check.code != 0 => {
                failures.push(format!(
                    "{}: inverse does not check\n{}\n{}",
                    stem(&p),
                    out.stdout,
                    check.stderr
                ));
            }
            _ => {}
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The printed inverse of a Janus program, run forward from where the program's run ended,
/// prints the same text (`print`, `printf`, `show`) as the program run backward: every output
/// form has an rdx form that prints as jana does.
#[test]
fn inverses_print_what_the_program_prints_backward() {
    let dir = std::env::temp_dir().join(format!("rdx-janus-invert-print-{}", std::process::id()));
    let mut failures = Vec::new();
    let mut compared = 0;
    for Inverse { program: p, store, renamed, file } in inverses(&dir) {
        let mut back = vec!["run".to_string(), "--reverse".into()];
        let mut forward = vec!["run".to_string(), file.display().to_string()];
        for l in &store {
            back.extend(["--set".to_string(), format!("{}={}", l.name, l.set)]);
            let name = renamed.iter().find(|(a, _)| *a == l.name).map_or(l.name.as_str(), |(_, b)| b);
            forward.extend(["--set".to_string(), format!("{name}={}", l.set)]);
        }
        back.push(rel(&p).display().to_string());
        let (back, forward) = (rdx(&back), rdx(&forward));
        // What each printed before its final store (one line per variable).
        let printed = |out: &str| -> String {
            let lines: Vec<&str> = out.lines().collect();
            lines[..lines.len().saturating_sub(store.len())].iter().map(|l| format!("{l}\n")).collect()
        };
        let (want, got) = (printed(&back.stdout), printed(&forward.stdout));
        let same = back.code == 0 && forward.code == 0 && want == got;
        match INVERSE_PRINTS_OTHERWISE.iter().find(|(n, _)| *n == stem(&p)) {
            Some((name, why)) if same => failures.push(format!(
                "{name}'s inverse now prints the same: remove it from INVERSE_PRINTS_OTHERWISE ({why})"
            )),
            None if !same => failures.push(format!(
                "{}: exit {} / {}\n--- backward\n{want}--- inverse\n{got}--- stderr\n{}{}",
                stem(&p),
                back.code,
                forward.code,
                back.stderr,
                forward.stderr
            )),
            _ => compared += usize::from(!want.is_empty()),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(compared >= 3, "only {compared} programs print something");
}

/// The printed inverse of a Janus program, run forward from where the program's run ended,
/// ends where the program started (all zeros): it keeps Janus's meaning, literals included
/// (`-1 < 0` is true in Janus; rdx reads a literal as unsigned, so the front end writes such
/// literal expressions' values).
#[test]
fn inverses_run_back_to_the_initial_store() {
    let dir = std::env::temp_dir().join(format!("rdx-janus-invert-back-{}", std::process::id()));
    let mut failures = Vec::new();
    for Inverse { program: p, store, renamed, file } in inverses(&dir) {
        for backend in BACKENDS {
            let mut args = vec!["run".to_string(), "--json".into(), "--backend".into(), backend.to_string()];
            for l in &store {
                let name = renamed.iter().find(|(a, _)| *a == l.name).map_or(l.name.as_str(), |(_, b)| b);
                args.extend(["--set".to_string(), format!("{name}={}", l.set)]);
            }
            args.push(file.display().to_string());
            let out = rdx(&args);
            // `{"x": 0, "a": [0, 0], "s": []}` after whatever the program prints.
            let json = out.stdout.lines().last().unwrap_or_default();
            let zero = json
                .trim_matches(|c| c == '{' || c == '}')
                .split(['[', ']', ','])
                .filter_map(|part| part.split(':').next_back().map(str::trim))
                .all(|v| v.is_empty() || v == "0");
            if out.code != 0 || !zero {
                failures.push(format!(
                    "{} inverse on {backend}: exit {}\n{}{}",
                    stem(&p),
                    out.code,
                    out.stdout,
                    out.stderr
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A good program whose run ends with a store, and its printed inverse written to `file`.
struct Inverse {
    program: PathBuf,
    store: Vec<StoreLine>,
    /// The names the inverse renamed ([`renamed_names`]).
    renamed: Vec<(String, String)>,
    file: PathBuf,
}

/// [`Inverse`] of each good program whose run ends with a store, written into `dir`.
fn inverses(dir: &Path) -> Vec<Inverse> {
    std::fs::create_dir_all(dir).expect("temporary directory");
    let mut out = Vec::new();
    for p in good() {
        let expected = std::fs::read_to_string(p.with_extension("out")).expect("readable .out");
        let store = trailing_store(&expected);
        if store.is_empty() {
            continue;
        }
        let inverse = rdx([Path::new("invert"), &rel(&p)]);
        assert_eq!(inverse.code, 0, "{}: {}", stem(&p), inverse.stderr);
        let renamed = renamed_names(&inverse.stdout);
        let file = dir.join(format!("{}.rdx", stem(&p)));
        std::fs::write(&file, &inverse.stdout).expect("write inverse");
        out.push(Inverse { program: p, store, renamed, file });
    }
    out
}

/// The renamings an inverse lists in its note, ``// Names that are not rdx names, renamed: `x'`
/// is `x_`, …``.
fn renamed_names(inverse: &str) -> Vec<(String, String)> {
    inverse
        .lines()
        .find_map(|l| l.strip_prefix("// Names that are not rdx names, renamed: "))
        .map(|list| {
            list.trim_end_matches('.')
                .split("`, `")
                .filter_map(|pair| {
                    let (a, b) = pair.trim_matches('`').split_once("` is `")?;
                    Some((a.to_string(), b.to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Janus names rdx cannot read (`x'`, the keywords `swap`, `not`, `neg`) are renamed in the
/// printed inverse, which says so; run forward from where the Janus run ended, it gives the
/// Janus program's input back under the new names.
#[test]
fn an_inverse_renames_the_names_rdx_cannot_read() {
    let names = root().join("tests/janus/names.ja");
    let inverse = rdx([Path::new("invert"), &rel(&names)]);
    assert_eq!(inverse.code, 0, "{}", inverse.stderr);
    let note = "// Names that are not rdx names, renamed: `swap` is `swap_`, `not` is `not_`, `x'` is `x_`, `neg` is `neg_`.";
    assert!(inverse.stdout.contains(note), "{}", inverse.stdout);
    let forward = rdx([Path::new("run"), &rel(&names)]);
    assert_eq!(forward.stdout, "neg = 2\nx' = 2\n");
    let dir = std::env::temp_dir().join(format!("rdx-janus-rename-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let file = dir.join("names_inverse.rdx");
    std::fs::write(&file, &inverse.stdout).expect("write inverse");
    let back = rdx([
        "run".as_ref(),
        file.as_os_str(),
        "--set".as_ref(),
        "neg_=2".as_ref(),
        "--set".as_ref(),
        "x_=2".as_ref(),
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!((back.code, back.stdout.as_str()), (0, "neg_ = 0\nx_ = 0\n"), "{}", back.stderr);
}

/// Every Janus-only diagnostic code has a failing program that shows it and a spec section.
#[test]
fn every_janus_code_has_a_program_and_a_spec_section() {
    let spec = std::fs::read_to_string(root().join("spec/janus.md")).expect("spec/janus.md exists");
    let mut missing = Vec::new();
    for c in rdx_lang::codes::family(rdx_lang::codes::Family::Janus) {
        let shown = failing().iter().any(|p| {
            let src = std::fs::read_to_string(p).unwrap_or_default();
            rdx_lang::janus::parse(&src).is_err_and(|diags| diags.iter().any(|d| d.code == c))
        });
        if !shown {
            missing.push(format!("{c}: no tests/janus/err_*.ja reports it"));
        }
        if !spec.contains(&format!("## {c}: {}", c.title())) {
            missing.push(format!("{c}: no `## {c}: {}` section in spec/janus.md", c.title()));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Every Janus example in spec/janus.md is a test program, verbatim.
#[test]
fn spec_examples_are_test_files() {
    let spec = std::fs::read_to_string(root().join("spec/janus.md")).expect("spec/janus.md exists");
    let sources: Vec<String> =
        programs().iter().map(|p| std::fs::read_to_string(p).expect("readable program")).collect();
    let mut blocks = 0;
    for block in spec.split("```janus\n").skip(1) {
        let body = block.split("```").next().unwrap_or_default();
        blocks += 1;
        assert!(
            sources.iter().any(|s| s == body),
            "spec/janus.md example is not a tests/janus file:\n{body}"
        );
    }
    assert!(blocks >= 6, "spec/janus.md shows {blocks} examples");
}

/// One line of jana's final store, `name = value`, read back: the `--set` text that gives the
/// same value, and the line main's initial (all-zero) store has for it.
struct StoreLine {
    name: String,
    set: String,
    zero: String,
}

fn parse_store_line(line: &str) -> Option<StoreLine> {
    let (lhs, value) = line.split_once(" = ")?;
    let ints = |body: &str| -> Option<Vec<String>> {
        if body.trim().is_empty() {
            return Some(Vec::new());
        }
        body.split(", ").map(|x| x.parse::<i64>().ok().map(|v| v.to_string())).collect()
    };
    if lhs.contains("][") {
        // A multi-dimensional array, `m[2][3] = {{1, 2, 3}, {4, 5, 6}}`: `--set` names it with its
        // dimensions and lists the elements row by row.
        let items = ints(&value.replace(['{', '}'], ""))?;
        let mut zero = String::new();
        let mut in_number = false;
        for ch in value.chars() {
            let part_of_number = ch == '-' || ch.is_ascii_digit();
            if part_of_number && !in_number {
                zero.push('0');
            } else if !part_of_number {
                zero.push(ch);
            }
            in_number = part_of_number;
        }
        return Some(StoreLine {
            name: lhs.to_string(),
            set: format!("[{}]", items.join(",")),
            zero: format!("{lhs} = {zero}"),
        });
    }
    if let Some((name, len)) = lhs.strip_suffix(']').and_then(|l| l.split_once('[')) {
        let items = ints(value.strip_prefix('{')?.strip_suffix('}')?)?;
        (len.parse::<usize>().ok()? == items.len()).then_some(())?;
        let zeros = vec!["0"; items.len()].join(", ");
        return Some(StoreLine {
            name: name.to_string(),
            set: format!("[{}]", items.join(",")),
            zero: format!("{lhs} = {{{zeros}}}"),
        });
    }
    let zero_stack = format!("{lhs} = nil");
    let (set, zero) = if value == "nil" {
        ("[]".to_string(), zero_stack)
    } else if let Some(body) = value.strip_prefix('<').and_then(|v| v.strip_suffix(']')) {
        // jana lists the top first; `--set` takes the bottom first.
        let mut items = ints(body)?;
        items.reverse();
        (format!("[{}]", items.join(",")), zero_stack)
    } else {
        (value.parse::<i64>().ok()?.to_string(), format!("{lhs} = 0"))
    };
    (!lhs.contains(' ')).then_some(StoreLine { name: lhs.to_string(), set, zero })
}

/// The store at the end of an output: the longest run of final lines that read as store lines
/// in jana's (sorted) order.
fn trailing_store(out: &str) -> Vec<StoreLine> {
    let mut lines: Vec<StoreLine> = Vec::new();
    for line in out.lines().rev() {
        match parse_store_line(line) {
            Some(l) if lines.last().is_none_or(|next| l.name < next.name) => lines.push(l),
            _ => break,
        }
    }
    lines.reverse();
    lines
}

#[test]
fn good_programs_print_janas_final_store() {
    let mut failures = Vec::new();
    for p in good() {
        let expected = std::fs::read_to_string(p.with_extension("out")).expect("readable .out");
        let known = KNOWN_DIFFERENCES.iter().find(|(n, _)| *n == stem(&p));
        for backend in BACKENDS {
            let out = rdx([Path::new("run"), Path::new("--backend"), Path::new(backend), &rel(&p)]);
            let same = out.code == 0 && out.stderr.is_empty() && out.stdout == expected;
            if let Some((name, why)) = known {
                if same {
                    failures
                        .push(format!("{name} now matches jana: remove it from KNOWN_DIFFERENCES ({why})"));
                }
                continue;
            }
            if !same {
                failures.push(format!(
                    "{} on {backend}: exit {}\n--- expected\n{expected}--- actual\n{}--- stderr\n{}",
                    stem(&p),
                    out.code,
                    out.stdout,
                    out.stderr
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn good_programs_run_backward_to_the_initial_store() {
    let mut failures = Vec::new();
    for p in good() {
        let expected = std::fs::read_to_string(p.with_extension("out")).expect("readable .out");
        if KNOWN_DIFFERENCES.iter().any(|(n, _)| *n == stem(&p)) {
            continue;
        }
        let store = trailing_store(&expected);
        if expected.ends_with("\n\n") && store.is_empty() {
            // main has no variables: jana's store is one empty line, and there is nothing to set.
            continue;
        }
        assert!(!store.is_empty(), "{}: no store in the .out file", stem(&p));
        let zero: String = store.iter().map(|l| format!("{}\n", l.zero)).collect();
        for backend in BACKENDS {
            let mut args =
                vec!["run".to_string(), "--reverse".into(), "--backend".into(), backend.to_string()];
            for l in &store {
                args.push("--set".into());
                args.push(format!("{}={}", l.name, l.set));
            }
            args.push(rel(&p).display().to_string());
            let out = rdx(&args);
            let got: String = trailing_store(&out.stdout).iter().map(|l| format!("{}\n", l.zero)).collect();
            let exact: String = out
                .stdout
                .lines()
                .rev()
                .take(store.len())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .map(|l| format!("{l}\n"))
                .collect();
            if out.code != 0 || got != zero || exact != zero {
                failures.push(format!(
                    "{} backward on {backend}: exit {}\n--- expected\n{zero}--- actual\n{}--- stderr\n{}",
                    stem(&p),
                    out.code,
                    out.stdout,
                    out.stderr
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn failing_programs_report_their_error() {
    let bless = bless();
    let mut failures = Vec::new();
    for p in failing() {
        let name = stem(&p);
        let check = rdx([Path::new("check"), &rel(&p)]);
        let out = rdx([Path::new("run"), &rel(&p)]);
        let want = if check.code == 0 { 1 } else { 2 };
        if out.code != want {
            failures.push(format!("{name}: exit {} (expected {want})\n{}", out.code, out.stderr));
        }
        if !out.stderr.contains("error") && !out.stderr.contains("Error") {
            failures.push(format!("{name}: no error reported\n{}", out.stderr));
        }
        let path = p.with_extension("stderr");
        if bless {
            std::fs::write(&path, &out.stderr).expect("write .stderr");
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if expected != out.stderr {
            failures.push(format!(
                "{} differs (BLESS=1 to accept)\n--- expected\n{expected}--- actual\n{}",
                path.display(),
                out.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A Janus program assembled to bytecode keeps its dialect: the module prints jana's store.
#[test]
fn assembled_janus_modules_run_like_the_source() {
    let dir = std::env::temp_dir().join(format!("rdx-janus-asm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let mut failures = Vec::new();
    for p in good().into_iter().filter(|p| !KNOWN_DIFFERENCES.iter().any(|(n, _)| *n == stem(p))) {
        let module = dir.join(format!("{}.rdxb", stem(&p)));
        let asm = rdx([Path::new("asm"), &rel(&p), Path::new("-o"), &module]);
        if asm.code != 0 {
            failures.push(format!("{}: rdx asm exit {}\n{}", stem(&p), asm.code, asm.stderr));
            continue;
        }
        let expected = std::fs::read_to_string(p.with_extension("out")).expect("readable .out");
        let out = rdx([Path::new("run"), &module]);
        if out.code != 0 || out.stdout != expected {
            failures.push(format!("{}: module output\n{}{}", stem(&p), out.stdout, out.stderr));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Running backward, output statements run in reverse order but each prints its line as it
/// does forward (a `show`/`printf` line is several instructions; their pieces must not be
/// reversed).
#[test]
fn output_lines_read_the_same_backward() {
    let expected = "a[4] = {-5, 0, 0, 12}\n100%% unchanged without variables\n100% of 3\n\ntwo lines:\nend\n\
                    n=3, a={-5, 0, 0, 12}, s=<30, 20, 10], e=nil\ne = nil, n = 3\ns = <30, 20, 10]\n\
                    a[4] = {0, 0, 0, 0}\ne = nil\nn = 0\ns = nil\n";
    for backend in BACKENDS {
        let out = rdx([
            "run",
            "--reverse",
            "--backend",
            backend,
            "--set",
            "n=3",
            "--set",
            "a=[-5,0,0,12]",
            "--set",
            "s=[10,20,30]",
            "tests/janus/printf_kinds.ja",
        ]);
        assert_eq!((out.code, out.stdout.as_str(), out.stderr.as_str()), (0, expected, ""), "on {backend}");
    }
}

#[test]
fn janus_type_errors_name_janus_types() {
    let messages = |src: &str| -> Vec<String> {
        let checked = rdx_lang::parse(src, rdx_lang::ast::Dialect::Janus)
            .and_then(|p| rdx_lang::check::check_owned(p, &Default::default()));
        checked.expect_err("refused").into_iter().map(|d| format!("[{}] {}", d.code, d.message)).collect()
    };
    let call = "procedure f(int a[3])\n    a[0] += 1\nprocedure main()\n    int x\n    call f(x)\n";
    assert_eq!(messages(call), ["[E0206] `x` is `int` but parameter `a` is `int[3]`"]);
    let index = "procedure main()\n    int x\n    x[1] += 1\n";
    assert_eq!(messages(index), ["[E0207] `x` is `int` and cannot be indexed"]);
    let stack = "procedure main()\n    int x\n    stack s\n    x += s\n";
    assert_eq!(messages(stack), ["[E0208] `s` is `stack`, not a number"]);
    let top = "procedure main()\n    int x\n    int y\n    y += top(x)\n";
    assert_eq!(messages(top), ["[E0209] `top` needs a stack, `x` is `int`"]);
    let delocal =
        "procedure main()\n    int x\n    local int t[2] = {1}\n    x += t[0]\n    delocal int t[3] = {1}\n";
    assert_eq!(messages(delocal), ["[E0211] `delocal int t[3]` but the local is `int t[2]`"]);
    // An expression passed for an array or stack parameter is named as written, not as the
    // temporary that carries it.
    let by_value = "procedure f(stack s)\n    skip\nprocedure g(int a[])\n    a[0] += 1\n\
                    procedure main()\n    int x\n    int b[2]\n    call f(x + 1)\n    call g(b[0])\n";
    assert_eq!(
        messages(by_value),
        [
            "[E0206] `x + 1` is an `int` but parameter `s` of `f` is `stack s`",
            "[E0206] `b[0]` is an `int` but parameter `a` of `g` is `int a[]`"
        ]
    );
}

/// A matrix given with `--set` must have the array's shape: jana's nested notation is read with
/// its nesting (`{{1, 2, 3}, {4}}` is not a `[2][3]` value, though it is six numbers padded),
/// and a name with dimensions must have the array's (`m[3][2]` does not set `m[2][3]`).
#[test]
fn set_values_have_the_arrays_shape() {
    let run = |set: &str| rdx(["run", "tests/janus/matrix.ja", "--reverse", "--set", set]);
    let wrong = run("m={{1,2,3},{4}}");
    assert_eq!(wrong.code, 2, "{}", wrong.stdout);
    assert!(
        wrong.stderr.contains("`m`: the value is not `[2][3]`, its lists differ in length (3 and 1)"),
        "{}",
        wrong.stderr
    );
    let flat = run("m={1,2,3,4,5,6}");
    assert!(flat.stderr.contains("the value is `[6]` but `m` is `int m[2][3]`"), "{}", flat.stderr);
    let named = run("m[3][2]=[1,2,3,4,5,6]");
    assert!(
        named.stderr.contains("`m[3][2]`: not the shape of `m`, which is `int m[2][3]`"),
        "{}",
        named.stderr
    );
    for good in ["m={{1,2,3},{4,5,6}}", "m[2][3]=[1,2,3,4,5,6]", "m=[1,2,3,4,5,6]"] {
        let out = run(good);
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{good}");
    }
}

/// The `delocal` of a local array names the element that differs, with its expected value, in
/// both directions (the values move through a scalar named after the element).
#[test]
fn local_array_mismatches_name_the_element_both_ways() {
    let src = "tests/janus/err_local_array_delocal.ja";
    for backend in BACKENDS {
        let fwd = rdx(["run", "--backend", backend, src]);
        assert!(fwd.stderr.contains("delocal mismatch: `t[1]` should be 3 but is 2"), "{}", fwd.stderr);
        // Backward, the `local` is the check: t opens as {1, 3}, `x -= t[0]` and closes as
        // {1, 2} is expected.
        let back = rdx(["run", "--reverse", "--backend", backend, "--set", "x=1", src]);
        assert!(back.stderr.contains("delocal mismatch: `t[1]` should be 2 but is 3"), "{}", back.stderr);
    }
}
