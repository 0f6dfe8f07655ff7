//! `rdx debug` end to end: scripted sessions through a pipe, one per command, with the values
//! the session prints checked against a plain forward run (`rdx run`).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn rdx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rdx")).env("RDX_NO_LEDGER", "1").args(args).output().expect("rdx runs")
}

/// Runs `rdx debug ARGS` with `script` on stdin (text, or any bytes); returns stdout (checks
/// exit code 0).
fn session(args: &[&str], script: impl AsRef<[u8]>) -> String {
    let out = debug_output(args, script);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{text}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// Runs `rdx debug ARGS` with `script` on stdin; its output, whatever its exit code. (A script
/// the debugger does not read, because it ended first, is no error.)
fn debug_output(args: &[&str], script: impl AsRef<[u8]>) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rdx"))
        .arg("debug")
        .args(args)
        .env("RDX_NO_LEDGER", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rdx debug starts");
    let _ = child.stdin.take().expect("stdin").write_all(script.as_ref());
    child.wait_with_output().expect("rdx debug ends")
}

fn stdlib(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib").join(name).display().to_string()
}

/// The `name = value` lines of a plain forward run.
fn run_lines(args: &[&str]) -> Vec<String> {
    let mut a = vec!["run"];
    a.extend_from_slice(args);
    let o = rdx(&a);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).lines().map(String::from).collect()
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

/// Writes `text` to `name` in a folder of the test's own (`tag`); returns the file's path.
fn program(tag: &str, name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("rdx-cli-debug-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn starts_paused_before_the_first_statement_and_quits_with_0() {
    let sum = stdlib("sum.rdx");
    let out = session(&[&sum, "--entry", "sum_to", "--set", "n=3"], "info args\nquit\nstep\n");
    assert!(out.contains("step 0, sum_to at"), "{out}");
    assert!(out.contains(">   22 |     local i: u64 = 0"), "{out}");
    assert!(out.contains("n = 3\ns = 0\n"), "{out}");
    // `quit` ends the session: the `step` after it never runs.
    assert!(!out.contains("step 1,"), "{out}");
    // The end of input ends it too.
    session(&[&sum, "--entry", "sum_to"], "");
}

#[test]
fn continue_to_the_end_prints_what_rdx_run_prints() {
    let fib = stdlib("fib.rdx");
    let out = session(&[&fib, "--set", "n=10"], "continue\nprint n\nprint x1\np x2\n");
    assert!(out.contains("at the end of the run"), "{out}");
    let want = run_lines(&[&fib, "--set", "n=10"]);
    for w in &want {
        assert!(lines(&out).contains(&w.as_str()), "missing `{w}` in\n{out}");
    }
}

#[test]
fn step_next_and_finish() {
    let fib = stdlib("fib.rdx");
    // step goes into the recursive call; next steps over it.
    let out = session(&[&fib, "--set", "n=2"], "step\nstep\nstep\nwhere\n");
    assert!(out.contains("#1 fib at"), "step enters the call:\n{out}");
    let out = session(&[&fib, "--set", "n=2"], "n\nn\nn\nwhere\nprint x1\nprint x2\n");
    assert!(!out.contains("#1 fib"), "next stays in the frame:\n{out}");
    // After the call returns in the outer frame, x1 and x2 hold fib(1)'s pair (1, 2).
    assert!(out.contains("x1 = 1\nx2 = 2\n"), "{out}");
    // finish from inside the call returns to the caller, after the call.
    let out = session(&[&fib, "--set", "n=2"], "s\ns\ns\nfinish\nwhere\n");
    assert!(out.contains(">   32 |         x1 += x2"), "{out}");
    assert!(out.trim_end().ends_with(&format!("#0 fib at {fib}:32")), "{out}");
}

#[test]
fn back_rnext_and_rfinish_undo_what_steps_did() {
    let sum = stdlib("sum.rdx");
    let args = [sum.as_str(), "--entry", "sum_to", "--set", "n=5"];
    // Forward 10 steps, print; back 10 steps: the start values again.
    let mut script = String::new();
    script += &"s\n".repeat(10);
    script += "print s\n";
    script += &"b\n".repeat(10);
    script += "print s\ninfo locals\n";
    let out = session(&args, &script);
    assert!(out.contains("s = 3\n"), "after 10 steps s = 1 + 2:\n{out}");
    assert!(out.contains("step 0, sum_to"), "{out}");
    assert!(out.trim_end().ends_with("no locals in scope"), "{out}");
    // rnext skips back over a call; rfinish goes back to the call.
    let fib = stdlib("fib.rdx");
    let out = session(&[&fib, "--set", "n=3"], "n\nn\nn\nrnext\nwhere\nprint n\n");
    assert!(out.contains(">   31 |         call fib(n, x1, x2)"), "{out}");
    assert!(out.trim_end().ends_with("n = 2"), "{out}");
    let out = session(&[&fib, "--set", "n=3"], "s\ns\ns\ns\nrfinish\nwhere\n");
    assert!(out.trim_end().ends_with(&format!("#0 fib at {fib}:31")), "{out}");
}

#[test]
fn break_delete_continue_and_rcontinue() {
    let sum = stdlib("sum.rdx");
    let args = [sum.as_str(), "--entry", "sum_to", "--set", "n=4"];
    let out = session(
        &args,
        "break 26\nc\nprint i\nc\nprint i\nrc\nprint i\ninfo breaks\ndelete 1\nc\ninfo breaks\n",
    );
    assert!(out.contains("breakpoint 1: line 26"), "{out}");
    assert!(out.contains("i = 1\n") && out.contains("i = 2\n"), "{out}");
    // rcontinue goes back to the previous stop on line 26: i = 1 again.
    let tail = out.split("i = 2\n").nth(1).unwrap_or("");
    assert!(tail.contains("i = 1\n"), "{out}");
    assert!(out.contains("deleted 1"), "{out}");
    assert!(out.contains("at the end of the run"), "{out}");
    assert!(out.trim_end().ends_with("no breakpoints or watchpoints"), "{out}");
    // A gene breakpoint, and errors for a line without statements or an unknown name.
    let fib = stdlib("fib.rdx");
    let out = session(&[&fib, "--set", "n=3"], "break fib\nc\nc\nwhere\nbreak 1\nbreak nosuch\n");
    assert!(out.contains("#2 fib at"), "{out}");
    assert!(out.contains("error: no statement starts on line 1"), "{out}");
    assert!(out.contains("`nosuch` is neither"), "{out}");
    // A statement the compiler folded into the next one (`i += 1` before `until` is the
    // counted loop's step): the breakpoint moves to that one's line, and says so.
    let sum = stdlib("sum.rdx");
    let out = session(&[&sum, "--entry", "sum_array"], "break 43\nc\nprint i\nc\nprint i\n");
    assert!(
        out.contains("breakpoint 1: line 44 (no statement starts on line 43: the next one is on line 44)"),
        "{out}"
    );
    assert!(out.contains("i = 0\n") && out.contains("i = 1\n"), "{out}");
}

#[test]
fn watch_stops_where_the_variable_changes_both_ways() {
    let sum = stdlib("sum.rdx");
    let args = [sum.as_str(), "--entry", "sum_to", "--set", "n=3"];
    let out = session(&args, "watch s\nc\nc\nrc\nc\nc\nc\n");
    assert!(out.contains("watchpoint 1: s\n"), "{out}");
    assert!(out.contains("watchpoint 1: s changed: 0 -> 1"), "{out}");
    assert!(out.contains("watchpoint 1: s changed: 1 -> 3"), "{out}");
    assert!(out.contains("watchpoint 1: s changed: 3 -> 1"), "backward:\n{out}");
    assert!(out.contains("watchpoint 1: s changed: 3 -> 6"), "{out}");
    assert!(out.contains("at the end of the run"), "{out}");
    let out = session(&args, "watch nosuch\n");
    assert!(out.contains("error: no variable `nosuch`"), "{out}");
}

#[test]
fn print_expressions_info_list_and_goto() {
    let sum = stdlib("sum.rdx");
    let args = [sum.as_str(), "--entry", "sum_array", "--set", "xs=[1,2,3,4,5,6,7,8]"];
    let out = session(
        &args,
        "goto 7\nprint xs\nprint xs[i] * 2 + s\nprint size(xs)\nprint nosuch\ninfo stack\nlist\ngoto 3\nprint s\ngoto 7\nprint s\n",
    );
    assert!(out.contains("xs = [1, 2, 3, 4, 5, 6, 7, 8]\n"), "{out}");
    assert!(out.contains("step 7, sum_array"), "{out}");
    // The loop is counted (`i += 1` is its step, on the `until` line): step 7 is the third
    // trip's step (i = 2, s = 1 + 2 + 3): xs[2] * 2 + s = 12.
    assert!(out.contains("step 7, sum_array") && out.contains(">   44 |     } until i == size(xs)"), "{out}");
    assert!(out.contains("xs[i] * 2 + s = 12\n"), "{out}");
    assert!(out.contains("size(xs) = 8\n"), "{out}");
    assert!(out.contains("error: no variable `nosuch` in scope"), "{out}");
    assert!(out.contains("#0 sum_array at"), "{out}");
    // goto back and forward again reaches the same state.
    let s_values: Vec<&str> = out.lines().filter(|l| l.starts_with("s = ")).collect();
    assert_eq!(s_values, ["s = 1", "s = 6"], "{out}");
    // A step past the run's last says so, with the last step's number.
    let out = session(
        &args,
        "goto 100000
goto 100000
",
    );
    let end = out.lines().find_map(|l| l.strip_prefix("there is no step 100000: the run ends at step "));
    let end: u64 = end.and_then(|e| e.parse().ok()).unwrap_or_else(|| panic!("{out}"));
    assert!(out.contains(&format!("at the end of the run\nstep {end}, sum_array")), "{out}");
    assert_eq!(out.matches("there is no step 100000").count(), 2, "{out}");
}

/// Locals that use one slot in turn are each found by their own name where they are open.
#[test]
fn locals_that_share_a_slot_are_printed_by_their_own_names() {
    let f = program(
        "slots",
        "slots.rdx",
        "gene main(x: u64) {\n    local a: u64 = 1\n    x += a\n    delocal a = 1\n    local b: u64 = 2\n    x += b\n    delocal b = 2\n}\n",
    );
    let out =
        session(&[&f, "--set", "x=5"], "step\nprint a\ninfo locals\ngoto 4\nprint b\nprint a\ninfo locals\n");
    assert!(out.contains(">    3 |     x += a\n     4 |     delocal a = 1\na = 1\na = 1\n"), "{out}");
    assert!(
        out.contains(
            ">    6 |     x += b\n     7 |     delocal b = 2\nb = 2\nerror: no variable `a` in scope\nb = 2\n"
        ),
        "{out}"
    );
}

#[test]
fn lossy_writes_are_on_the_tape_and_undone() {
    let f =
        program("lossy", "lossy.rdx", "gene main(x: u64, y: u64) {\n    x := 7\n    y += x\n    x := 9\n}\n");
    let out =
        session(&[&f, "--set", "x=5"], "info tape\nc\ninfo tape\nb\nb\nprint x\ninfo tape\nrun\nprint x\n");
    assert!(out.contains("history tape: 0 entries, 0 bytes held"), "{out}");
    assert!(out.contains("history tape: 2 entries, 48 bytes held"), "{out}");
    assert!(out.contains("overwrote 5 with 7"), "{out}");
    assert!(out.contains("x = 7\nhistory tape: 1 entries"), "{out}");
    assert!(out.contains("restarted"), "{out}");
    assert!(out.trim_end().ends_with("x = 5"), "{out}");
    let want = run_lines(&[&f, "--set", "x=5"]);
    let out = session(&[&f, "--set", "x=5"], "c\nprint x\nprint y\n");
    for w in &want {
        assert!(out.contains(w.as_str()), "{out}");
    }
}

#[test]
fn a_run_time_error_stops_before_the_statement_and_can_be_stepped_back() {
    let f = program(
        "err",
        "bad.rdx",
        "gene main(x: u64, y: u64) {\n    x += 1\n    y += 2\n    assert x == 0\n    y += 3\n}\n",
    );
    let out = session(&[&f], "c\nprint y\nc\nb\nprint y\nb\nprint x\n");
    assert!(out.contains("error[R"), "{out}");
    assert!(out.contains(">    4 |     assert x == 0"), "{out}");
    assert!(out.contains("y = 2\n"), "{out}");
    assert!(out.trim_end().ends_with("x = 0"), "{out}");
    assert!(out.contains("y = 0\n"), "{out}");
}

/// In a Janus program, `print` reads expressions as Janus: its names (`x'`, the rdx keyword
/// `not`) and operators (`=` compares; `==` is refused as Janus refuses it).
#[test]
fn janus_expressions_are_printed_in_janus() {
    let ja = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/janus/names.ja").display().to_string();
    let out = session(&[&ja], "step\nstep\nprint not + 1\nprint x' * 3 = 6 && not = 0\nprint x' == 2\n");
    assert!(out.contains("not + 1 = 1\n"), "{out}");
    assert!(out.contains("x' * 3 = 6 && not = 0 = 1\n"), "{out}");
    assert!(out.contains("error: `x' == 2` is not an expression: `==` is not a Janus operator\n"), "{out}");
}

/// `print`'s parse errors speak of the expression typed, in either dialect: never of the
/// statement the debugger wraps it in (`unexpected `}``, `found keyword `delocal``).
#[test]
fn an_expression_that_does_not_parse_is_refused_for_what_it_is() {
    let sum = stdlib("sum.rdx");
    let ja = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/janus/names.ja").display().to_string();
    let script = "print V +\nprint (V\nprint V)\nprint 1 2\nprint V }\nprint V; s += 1\nprint (V + 1) * 2\n";
    for (args, n) in
        [(vec![sum.as_str(), "--entry", "sum_to", "--set", "n=3"], "n"), (vec![ja.as_str()], "not")]
    {
        let out = session(&args, script.replace('V', n));
        for line in [
            format!("error: `{n} +` is not an expression: it ends too soon\n"),
            format!("error: `({n}` is not an expression: it ends too soon\n"),
            format!("error: `{n})` is not an expression: unexpected `)` after `{n}`\n"),
            "error: `1 2` is not an expression: unexpected `2` after `1`\n".to_string(),
        ] {
            assert!(out.contains(&line), "{line}{out}");
        }
        assert!(!out.contains("delocal") && !out.contains("statement"), "{out}");
        if n == "n" {
            assert!(!out.contains("`}`"), "{out}");
            assert!(out.contains("error: `n }` is not an expression\n"), "{out}");
            assert!(out.contains("error: `n; s += 1` is not an expression\n"), "{out}");
            assert!(out.contains("(n + 1) * 2 = 8\n"), "{out}");
        }
    }
}

/// `break LINE if EXPR` stops only where EXPR, computed in the frame there as `print` computes
/// it, is non-zero: once going forward, and at the mirror point (the same state) going back.
#[test]
fn a_conditional_breakpoint_stops_only_where_it_holds_both_ways() {
    let sum = stdlib("sum.rdx");
    let args = [sum.as_str(), "--entry", "sum_to", "--set", "n=5"];
    // Line 26 is `s += i`, reached five times.
    let out = session(&args, "break 26 if i == 3\ninfo breaks\nc\nprint i\nprint s\nc\n");
    assert_eq!(out.matches("breakpoint 1: line 26 if i == 3\n").count(), 2, "{out}");
    assert_eq!(out.matches("\nbreakpoint 1\n").count(), 1, "{out}");
    let after = out.split("\nbreakpoint 1\n").nth(1).unwrap_or("");
    assert!(after.contains("i = 3\ns = 3\n"), "{out}");
    assert!(after.contains("at the end of the run"), "{out}");
    // From the end, backward: the same state, once.
    let out = session(&args, "c\nbreak 26 if i == 3\nrc\nprint i\nprint s\nrc\n");
    assert_eq!(out.matches("\nbreakpoint 1\n").count(), 1, "{out}");
    let after = out.split("\nbreakpoint 1\n").nth(1).unwrap_or("");
    assert!(after.contains(">   26 |         s += i\n"), "{out}");
    assert!(after.contains("i = 3\ns = 3\n"), "{out}");
    assert!(after.contains("at the start of the run"), "{out}");
    assert!(HELP_TEXT.iter().all(|h| session(&args, "help\n").contains(h)));
}

/// What `help` says of conditions.
const HELP_TEXT: &[&str] = &["break LINE|GENE [if EXPR]", "only where EXPR"];

/// A condition `print` would refuse where the breakpoint stops (it does not parse, or names no
/// variable there) sets no breakpoint and uses no number.
#[test]
fn a_condition_that_print_would_refuse_sets_no_breakpoint() {
    let sum = stdlib("sum.rdx");
    let out = session(
        &[&sum, "--entry", "sum_to", "--set", "n=5"],
        "break 26 if q > 1\nbreak 26 if i +\nbreak sum_to if i == 1\nbreak 26 if\nbreak 26 when i\ninfo breaks\nbreak sum_to if n == 5\n",
    );
    assert!(out.contains("error: no variable `q` in scope (no breakpoint set)\n"), "{out}");
    assert!(
        out.contains("error: `i +` is not an expression: it ends too soon (no breakpoint set)\n"),
        "{out}"
    );
    // At the start of sum_to, `i` is not open yet.
    assert!(out.contains("error: no variable `i` in scope (no breakpoint set)\n"), "{out}");
    assert!(out.contains("error: break LINE|GENE if EXPR: the condition EXPR is missing\n"), "{out}");
    assert!(out.contains("error: break LINE|GENE [if EXPR]: `when i` is not `if EXPR`\n"), "{out}");
    assert!(out.contains("no breakpoints or watchpoints\n"), "{out}");
    assert!(out.contains("breakpoint 1: gene sum_to if n == 5\n"), "{out}");
}

/// A condition that fails where it is computed (a division by zero) stops there and says why,
/// rather than being skipped.
#[test]
fn a_condition_that_fails_stops_and_says_why() {
    let sum = stdlib("sum.rdx");
    let out = session(
        &[&sum, "--entry", "sum_to", "--set", "n=5"],
        "break 26 if 6 / (i - 2) == 6\nc\nprint i\nc\nprint i\n",
    );
    assert!(
        out.contains("breakpoint 1: its condition `6 / (i - 2) == 6` failed: division by zero\n"),
        "{out}"
    );
    let failed = out.split("division by zero\n").nth(1).unwrap_or("");
    assert!(failed.contains("i = 2\n"), "{out}");
    // It holds at i = 3.
    assert!(failed.contains("\nbreakpoint 1\n") && failed.trim_end().ends_with("i = 3"), "{out}");
}

/// A `break` refused (no statement on the line) leaves no breakpoint and uses no number.
#[test]
fn a_refused_breakpoint_uses_no_number() {
    let sum = stdlib("sum.rdx");
    let out =
        session(&[&sum, "--entry", "sum_to"], "break 1\nwatch s\nbreak 9999\nbreak sum_to\ninfo breaks\n");
    assert!(out.contains("error: no statement starts on line 1\n"), "{out}");
    assert!(out.contains("watchpoint 1: s\n"), "{out}");
    assert!(out.contains("breakpoint 2: gene sum_to\n"), "{out}");
    assert!(!out.contains("breakpoint 3") && !out.contains("breakpoint 4"), "{out}");
}

#[test]
fn janus_and_bytecode_modules_and_reverse() {
    let ja = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/janus/fib.ja").display().to_string();
    let out = session(&[&ja], "c\nprint n\nprint x1\nprint x2\n");
    let want = run_lines(&[&ja]);
    for w in &want {
        assert!(lines(&out).contains(&w.as_str()), "missing `{w}` in\n{out}");
    }
    // A .rdxb module debugs like its source.
    let dir = std::env::temp_dir().join(format!("rdx-cli-debug-rdxb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rdxb = dir.join("fib.rdxb").display().to_string();
    let o = rdx(&["asm", &stdlib("fib.rdx"), "-o", &rdxb]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = session(&[&rdxb, "--set", "n=5"], "c\nprint x1\n");
    assert!(out.contains("x1 = 8\n"), "{out}");
    // --reverse: the values given are the final state; continue reaches the input.
    let fib = stdlib("fib.rdx");
    let out =
        session(&[&fib, "--reverse", "--set", "x1=89", "--set", "x2=144"], "c\nprint n\nrc\nprint x1\n");
    let want = run_lines(&[&fib, "--reverse", "--set", "x1=89", "--set", "x2=144"]);
    assert!(out.contains(&format!("{}\n", want[0])), "{out}");
    assert!(out.contains("at the start of the run") && out.contains("x1 = 89\n"), "{out}");
}

#[test]
fn a_loop_invariant_computed_before_its_loop_is_not_a_variable_or_a_stop() {
    // `i * 4` is computed once per run of the inner loop, into a slot of the compiler's own
    // (spec/bytecode.md §1): stepping stops once on each line, and only `i` and `j` are listed.
    let dir = std::env::temp_dir().join(format!("rdx-debug-hoist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("h.rdx");
    std::fs::write(
        &file,
        "gene main(a: u64[16], s: u64) {
    local i: u64 = 0
    from i == 0 do {
        local j: u64 = 0
        from j == 0 do {
            s += a[i * 4 + j]
            j += 1
        } until j == 4
        delocal j = 4
        i += 1
    } until i == 2
    delocal i = 2
}
",
    )
    .expect("program written");
    let out = session(&[file.to_str().expect("utf-8 path")], "s\ns\ns\ns\ns\ninfo locals\nq\n");
    std::fs::remove_dir_all(&dir).ok();
    let stops: Vec<&str> = lines(&out).into_iter().filter(|l| l.starts_with("step ")).collect();
    let at: Vec<&str> = stops.iter().filter_map(|l| l.rsplit(':').next()).collect();
    assert_eq!(at, ["2", "3", "4", "5", "6", "8"], "{out}");
    let after = out.rsplit("until j == 4").next().expect("the last stop");
    assert!(after.contains("j = 0") && after.contains("i = 0"), "{out}");
    assert!(!after.contains("slot"), "{out}");
}

#[test]
fn a_count_repeats_a_step_and_a_stray_argument_is_refused() {
    let fib = stdlib("fib.rdx");
    // `step 3` stops where three `step`s stop; `back 2` where two `back`s do; `next 2` as two
    // `next`s. A count runs out early at the end of the run.
    let apart = |script: &str| {
        let out = session(&[&fib, "--set", "n=3"], script);
        out.rsplit("step ").next().unwrap_or_default().to_string()
    };
    for (counted, single) in [
        ("step 3\n", "step\nstep\nstep\n"),
        ("step 5\nback 2\n", "step\nstep\nstep\nstep\nstep\nback\nback\n"),
        ("next 2\nrnext 1\n", "next\nnext\nrnext\n"),
    ] {
        assert_eq!(apart(counted), apart(single), "{counted:?} against {single:?}");
    }
    let out = session(&[&fib, "--set", "n=3"], "step 1000000000000\n");
    assert!(out.contains("at the end of the run"), "{out}");
    // A count that is not one, and an argument to a motion that takes none: refused, nothing
    // moves, and the session goes on.
    // A count or a step past 64 bits is too large, and says so.
    // A sign is no more a count than `0x2` is (`step +2` stepped twice), nor a step number.
    let script = "step -3\nnext 0\nback x\ncontinue 5\nrfinish 1\nstep 99999999999999999999999\n\
                  goto 18446744073709551616\nstep +2\nstep 0x2\ngoto +2\ndelete +1\nwhere\n";
    let out = session(&[&fib, "--set", "n=3"], script);
    for refusal in [
        "error: step [N]: `-3` is not a count (1 or more)",
        "error: next [N]: `0` is not a count (1 or more)",
        "error: back [N]: `x` is not a count (1 or more)",
        "error: continue takes no argument (`5`)",
        "error: rfinish takes no argument (`1`)",
        "error: step [N]: `99999999999999999999999` is too large (at most 18446744073709551615)",
        "error: goto STEP: `18446744073709551616` is too large (at most 18446744073709551615)",
        "error: step [N]: `+2` is not a count (1 or more)",
        "error: step [N]: `0x2` is not a count (1 or more)",
        "error: goto STEP: `+2` is not a step number (see `info stack`)",
        "error: delete N: `+1` is not the number of a breakpoint or watchpoint (`info breaks`)",
    ] {
        assert!(out.contains(refusal), "{refusal}:\n{out}");
    }
    assert!(out.trim_end().ends_with(&format!("#0 fib at {fib}:26")), "nothing moved:\n{out}");
}

#[test]
fn a_line_that_is_not_text_is_refused_and_the_session_goes_on() {
    let fib = stdlib("fib.rdx");
    let out = session(&[&fib, "--set", "n=3"], b"print \xff\xfe\nprint n\n");
    assert!(out.contains("error: the line is not UTF-8 text\nn = 3\n"), "{out}");
}

#[test]
fn list_shows_a_line_or_a_gene_and_other_commands_refuse_an_argument() {
    let fib = stdlib("fib.rdx");
    // `list 30` shows lines 25..=35 (the current line 26 marked; the file has 35), `list fib`
    // the gene's start.
    let out = session(&[&fib, "--set", "n=3"], "list 30\n");
    let listed = out.split_once("    28 |         x2 += 1\n").map_or("", |(_, after)| after);
    assert!(listed.starts_with(" ") && listed.contains(">   26 |     if n == 0 {\n"), "{out}");
    assert!(listed.contains("    35 | }") && !listed.contains("    24 | "), "{out}");
    let out = session(&[&fib, "--set", "n=3"], "list fib\n");
    assert!(out.ends_with("    30 |         n -= 1\n") && out.contains("    25 | gene fib("), "{out}");
    let out = session(&[&fib, "--set", "n=3"], "list 99999\nlist zz\nrun 3\nwhere x\n");
    for refusal in [
        "error: no line 99999 in the source\n",
        "error: list [LINE|GENE]: `zz` is neither a line number nor a gene\n",
        "error: run takes no argument (`3`)\n",
        "error: where takes no argument (`x`)\n",
    ] {
        assert!(out.contains(refusal), "{refusal}{out}");
    }
}

/// A program with calls, an `uncall`, an `i64` and an array, for the tests below.
const CALLS: &str = "gene add_square(x: u64, y: u64) {
    y += x * x
}

gene main(x: u64, y: u64, z: i64, xs: u64[4]) {
    call add_square(x, y)
    call add_square(x, y)
    uncall add_square(x, y)
    z -= 7
    xs[1] += x
}
";

/// `where` shows each frame at the line the `>` marks: inside an `uncall` (a frame running
/// backward) and in a `--reverse` session, whose entry frame runs in the run's own direction
/// and is not labelled as uncalled.
#[test]
fn where_shows_the_marked_line_inside_an_uncall_and_in_a_reverse_session() {
    let f = program("where", "calls.rdx", CALLS);
    // Step 7: inside the `uncall`, before undoing `y += x * x` (line 2).
    let out = session(&[&f, "--set", "x=3"], "goto 7\nwhere\n");
    assert!(out.contains("step 7, add_square at") && out.contains(">    2 |     y += x * x\n"), "{out}");
    assert!(out.contains(&format!("#0 add_square at {f}:2 (uncalled: runs backward)\n")), "{out}");
    assert!(out.contains(&format!("#1 main at {f}:8\n")), "{out}");
    let sum = stdlib("sum.rdx");
    let out =
        session(&[&sum, "--entry", "sum_to", "--set", "n=3", "--set", "s=6", "--reverse"], "next\nwhere\n");
    assert!(out.contains(">   27 |     } until i == n\n"), "{out}");
    assert!(out.trim_end().ends_with(&format!("#0 sum_to at {sum}:27")), "{out}");
}

/// A watchpoint compares from where `goto` lands (not from where it was set), and every watched
/// variable one statement changes is reported at that statement.
#[test]
fn watchpoints_after_goto_and_two_changed_by_one_statement() {
    let f = program(
        "watch2",
        "watch2.rdx",
        "gene main(a: u64, b: u64, c: u64) {\n    local s: stack = nil\n    push a, s\n    b += 1\n    c += 1\n    c -= 1\n    pop a, s\n    delocal s = nil\n}\n",
    );
    // `b += 1` (step 3) is behind step 4: nothing changes b after it.
    let out = session(&[&f, "--set", "a=7"], "watch b\ngoto 4\ncontinue\n");
    assert!(!out.contains("changed"), "{out}");
    assert!(out.contains("at the end of the run"), "{out}");
    // `push a, s` changes both; `pop a, s` both back.
    let out = session(&[&f, "--set", "a=7"], "watch s\nwatch a\ncontinue\ncontinue\n");
    assert!(
        out.contains("watchpoint 1: s changed: [] -> [7]\nwatchpoint 2: a changed: 7 -> 0\nstep 2, main at"),
        "{out}"
    );
    assert!(
        out.contains("watchpoint 1: s changed: [7] -> []\nwatchpoint 2: a changed: 0 -> 7\nstep 6, main at"),
        "{out}"
    );
}

/// `print` computes as the language does: rdx `i64` arithmetic is signed; Janus divides and
/// takes the modulo rounding toward negative infinity and stops at an overflow, as the program
/// does.
#[test]
fn print_computes_as_the_language_does() {
    let f = program("signed", "calls.rdx", CALLS);
    let out =
        session(&[&f, "--set", "x=3"], "continue\nprint z\nprint z < 0\nprint z / 2\nprint z * 2 + 1\n");
    assert!(out.contains("z = -7\nz < 0 = 1\nz / 2 = -3\nz * 2 + 1 = -13\n"), "{out}");
    let ja = program(
        "floor",
        "neg.ja",
        "procedure main()\n    int x\n    int q\n    int r\n    x -= 7\n    q += x / 2\n    r += x % 2\n",
    );
    let out = session(
        &[&ja],
        "continue\nprint x / 2\nprint q\nprint x % 2\nprint r\nprint x * 9223372036854775807\n",
    );
    assert!(out.contains("x / 2 = -4\nq = -4\nx % 2 = 1\nr = 1\n"), "{out}");
    assert!(out.contains("error: integer overflow"), "{out}");
}

/// A Janus array of several dimensions is printed, indexed and watched by its name.
#[test]
fn janus_arrays_of_several_dimensions_are_inspected_by_name() {
    let ja = program(
        "matrix",
        "matrix.ja",
        "procedure main()\n    int m[2][3] = {{1, 2, 3}, {4}}\n    int r\n    m[1][2] += 5\n    r += m[1][0]\n",
    );
    let out = session(&[&ja], "watch m\ncontinue\ncontinue\nprint m\nprint m[1][0] * 2\nprint m[2][3]\n");
    assert!(out.contains("watchpoint 1: m\n"), "{out}");
    assert!(
        out.contains("watchpoint 1: m changed: {{1, 2, 3}, {4, 0, 0}} -> {{1, 2, 3}, {4, 0, 5}}"),
        "{out}"
    );
    assert!(out.contains("\nm[2][3] = {{1, 2, 3}, {4, 0, 5}}\nm[1][0] * 2 = 8\n"), "{out}");
    // Past the dimensions: the program's own error, not the whole array, with the help
    // `rdx run` gives for it.
    let last: Vec<&str> = out.trim_end().lines().rev().take(2).collect();
    assert!(last[1].starts_with("error: index out of bounds"), "{out}");
    assert!(
        last[0].starts_with("help: in a Janus multi-dimensional array")
            && last[0].ends_with("an index past 2^32 means a subscript outside its dimension"),
        "{out}"
    );
}

/// A Janus program's compiler-made names are not variables: its temporaries (`_t3`, an
/// expression passed to a call) are neither printed nor watched, and neither they nor a global
/// hidden by a parameter (`_g_counter`), which the Janus parser refuses, keep an expression
/// from being computed in that frame; a name of Unicode letters is one (`été`).
#[test]
fn janus_compiler_names_are_not_variables_and_expressions_compute_in_their_frames() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/janus");
    let locals = dir.join("locals.ja").display().to_string();
    let out = session(&[&locals], "break 21\ncontinue\nprint r - 2\nprint _t3\nwatch _t3\n");
    assert!(out.contains("\nr - 2 = 10\n"), "{out}");
    assert_eq!(out.matches("error: no variable `_t3` in scope\n").count(), 2, "{out}");
    let globals = dir.join("globals.ja").display().to_string();
    let out = session(&[&globals], "break 19\ncontinue\ninfo args\nprint counter + 1\n");
    assert!(out.contains("counter = 2\n_g_counter = 6\n"), "{out}");
    assert!(out.contains("\ncounter + 1 = 3\n"), "{out}");
    let uni = program(
        "unicode",
        "uni.ja",
        "procedure main()\n    int été\n    int x\n    été += 2\n    x += été\n",
    );
    let out = session(&[&uni], "step\nstep\nprint été + x\n");
    assert!(out.contains("\nété + x = 4\n"), "{out}");
}

/// Float buffers are shown as `rdx run` shows them, element by element (a `c64` element is a
/// pair), by `print` and by a watchpoint.
#[test]
fn float_buffers_are_printed_and_watched_as_floats() {
    let f = program(
        "floats",
        "floats.rdx",
        "gene main(z: c64[4], x: f64[4], w: u64) {\n    kernel fft(z)\n    w += 1\n}\n",
    );
    let out = session(
        &[&f, "--set", "z=[1,2,3,4]", "--set", "x=[3,1,3,1]"],
        "print z[1]\nprint x[0]\nprint x[4]\nwatch z\ncontinue\n",
    );
    assert!(out.contains("z[1] = [2, 0]\nx[0] = 3\nerror: index 4 out of bounds (size 4)\n"), "{out}");
    assert!(
        out.contains("watchpoint 1: z changed: [[1, 0], [2, 0], [3, 0], [4, 0]] -> [[5, 0], [-1, 1], [-1, 0], [-1, -1]]"),
        "{out}"
    );
}

/// Small refusals: a line 0 or past the file, a line number past `u32` (too large, as the spec
/// says: it was "no statement starts on line 4294967296"), stray arguments to `help` and `quit`; at the end of the run the `>` marks the gene's last line.
#[test]
fn small_refusals_and_the_line_at_the_end() {
    let f = program("small", "calls.rdx", CALLS);
    let out = session(
        &[&f, "--set", "x=3"],
        "list 0\nbreak 4294967296\nbreak 99999999999999999999999999\nhelp me\nquit now\ncontinue\n",
    );
    for refusal in [
        "error: no line 0 in the source\n",
        "error: break LINE|GENE: `4294967296` is too large: a line number is at most 4294967295\n",
        "error: break LINE|GENE: `99999999999999999999999999` is too large: a line number is at most 4294967295\n",
        "error: help takes no argument (`me`)\n",
        "error: quit takes no argument (`now`)\n",
    ] {
        assert!(out.contains(refusal), "{refusal}{out}");
    }
    assert!(out.contains("at the end of the run\nstep 11, main at") && out.contains(">   11 | }\n"), "{out}");
    let ja = program("end", "end.ja", "procedure main()\n    int x\n    int y\n    x += 1\n    y += 2\n");
    let out = session(&[&ja], "continue\n");
    assert!(
        out.contains("at the end of the run\nstep 2, main at") && out.contains(">    5 |     y += 2\n"),
        "{out}"
    );
}

/// A loop that never ends.
const FOREVER: &str = "gene main(n: u64) {\n    from n == 0 do {\n        n += 1\n    } until n == 0\n}\n";

/// Ctrl-C (SIGINT) during a `continue` that never ends stops it at the step it reached and
/// the session goes on: it answers `where`, `print` and the motions, and `quit` ends it with
/// exit code 0.
#[test]
fn ctrl_c_stops_a_motion_that_never_ends_and_the_session_goes_on() {
    use std::io::BufRead;
    use std::sync::mpsc;
    let f = program("ctrlc", "forever.rdx", FOREVER);
    let mut child = Command::new(env!("CARGO_BIN_EXE_rdx"))
        .args(["debug", &f])
        .env("RDX_NO_LEDGER", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rdx debug starts");
    let mut to = child.stdin.take().expect("stdin");
    let from = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in from.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let pid = child.id() as libc::pid_t;
    let mut seen = Vec::new();
    let mut wait_for = |want: &str, interrupt: bool| loop {
        if interrupt {
            // SAFETY: kill(2) on the child's pid, which has not been waited for.
            unsafe { libc::kill(pid, libc::SIGINT) };
        }
        // (A Ctrl-C before the motion starts is only noted on stderr: send it again until
        // the motion says it stopped.)
        match lines.recv_timeout(std::time::Duration::from_millis(100)) {
            Ok(line) => {
                let found = line == want;
                seen.push(line);
                if found {
                    return;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("rdx debug ended:\n{}", seen.join("\n")),
        }
    };
    wait_for(">    2 |     from n == 0 do {", false);
    writeln!(to, "continue").unwrap();
    wait_for("interrupted (Ctrl-C)", true);
    writeln!(to, "where\nprint n\nstep\nrcontinue\nquit").unwrap();
    let out = child.wait_with_output().expect("rdx debug ends");
    let rest: String = lines.iter().map(|l| l + "\n").collect();
    let text = format!("{}\n{rest}", seen.join("\n"));
    assert_eq!(out.status.code(), Some(0), "{text}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr));
    // Where it stopped: a step past the start, in the loop.
    let after = rest.lines().next().unwrap_or_default();
    let step: u64 = after
        .strip_prefix("step ")
        .and_then(|s| s.split_once(',')?.0.parse().ok())
        .unwrap_or_else(|| panic!("{text}"));
    assert!(step > 0 && after.ends_with(&format!("main at {f}:4")), "{text}");
    // The session answered every command after it.
    assert!(rest.contains(&format!("step {step}\n#0 main at {f}:4\n")), "{text}");
    let n: u64 =
        rest.lines().find_map(|l| l.strip_prefix("n = ")?.parse().ok()).unwrap_or_else(|| panic!("{text}"));
    assert!(n > 0, "{text}");
    assert!(rest.contains(&format!("step {}, main at", step + 1)), "{text}");
    assert!(rest.contains("at the start of the run\nstep 0, main at"), "{text}");
}

/// Signed and narrow locals.
const TYPED_LOCALS: &str = include_str!("common/typed_locals.rdx");

#[path = "common/untyped.rs"]
mod untyped;

/// Locals are shown, printed, computed and watched with the types the source declares (the
/// bytecode keeps none: `local d: i64` = -5 was 18446744073709551611, `d < 0` was 0).
#[test]
fn locals_are_printed_and_computed_with_their_declared_types() {
    let f = program("typed", "typed.rdx", TYPED_LOCALS);
    let out = session(
        &[&f, "--set", "x=10", "--set", "y=3"],
        "goto 8\ninfo locals\nprint d\nprint d < 0\nprint d / 2\nprint w * 2\nprint e + 1\nwatch d\ncontinue\n",
    );
    assert!(out.contains("w = -7\ne = 255\nd = -5\n"), "{out}");
    for line in
        ["d = -5\n", "d < 0 = 1\n", "d / 2 = -2\n", "w * 2 = -14\n", "e + 1 = 0\n", "d changed: -5 -> 0\n"]
    {
        assert!(out.contains(line), "{line}{out}");
    }
}

/// A module whose debug section does not declare its locals (its source no longer parses:
/// `gene main` made `gene@main`) shows them as words and says so, in `info locals` and in
/// `print` of an expression that reads one.
#[test]
fn locals_of_a_module_that_does_not_type_them_are_shown_as_words_and_say_so() {
    let module = untyped::module_without_local_types(&program("untyped", "typed.rdx", TYPED_LOCALS));
    let out = session(
        &[&module, "--set", "x=10", "--set", "y=3"],
        "goto 8\ninfo locals\nprint d < 0\nprint x + 1\n",
    );
    let word = "(a u64 word: the module does not record this local's type)";
    assert!(out.contains(&format!("d = 18446744073709551611 {word}\n")), "{out}");
    assert!(
        out.contains("d < 0 = 0 (`d` read as a u64 word: the module does not record its type)\n"),
        "{out}"
    );
    assert!(out.contains("x + 1 = 6\n"), "parameters keep their types: {out}");
}

/// A stray `;` is refused (`print n;` printed `n; = 3`), and a `//` comment ends an expression
/// as a `/* */` one does (it commented out what `print` wraps the expression in); an unknown
/// command is echoed cut short (a 20 MB line was echoed whole).
#[test]
fn a_stray_semicolon_is_refused_comments_end_an_expression_and_long_lines_are_cut() {
    let f = program("semicolon", "calls.rdx", CALLS);
    let long = "y".repeat(1000);
    let out = session(
        &[&f, "--set", "x=3"],
        format!("print x;\nprint x ;;\nprint x // c\nprint x /* c */\n{long}\n"),
    );
    assert!(out.contains("error: `x;` is not an expression: unexpected `;` after `x`\n"), "{out}");
    assert!(out.contains("error: `x ;;` is not an expression: unexpected `;` after `x`\n"), "{out}");
    // The comment is not part of the value's name (it echoed `x /* c */ = 3`).
    assert!(out.contains("\nx = 3\nx = 3\n"), "{out}");
    let unknown =
        out.lines().find(|l| l.starts_with("error: unknown command")).unwrap_or_else(|| panic!("{out}"));
    assert_eq!(unknown, format!("error: unknown command `{}…` (type `help`)", "y".repeat(80)));
}

/// `goto 0` gives the inputs back exactly: stepping back over a float kernel runs its mirror
/// (`fft` undone by `ifft`), which rounds, so going back to step 0 gave 0.09999999999999998
/// for an input of 0.1.
#[test]
fn goto_0_gives_the_exact_inputs_back_after_a_float_kernel() {
    let f = program("fft", "fft.rdx", "gene main(z: c64[4], w: u64) {\n    kernel fft(z)\n    w += 1\n}\n");
    let out = session(
        &[&f, "--set", "z=[0.1,0.2,0.3,0.7]"],
        "step\nstep\ngoto 0\nprint z\nstep\ngoto 0\nprint z\n",
    );
    let zs: Vec<&str> = out.lines().filter(|l| l.starts_with("z = ")).collect();
    assert_eq!(zs, ["z = [[0.1, 0], [0.2, 0], [0.3, 0], [0.7, 0]]"; 2], "{out}");
    assert!(out.contains("step 0, main at"), "{out}");
}

/// Two watched variables, a statement each.
const WATCHED: &str = "gene main(x: u64, y: u64) {\n    x += 1\n    y += 1\n    x += 2\n}\n";

/// A breakpoint that stops right after a statement that changed a watched variable reports the
/// change too, both ways (the breakpoint's stop took it: `x changed: 0 -> 1` was never said).
#[test]
fn a_breakpoint_after_a_watched_change_reports_both_both_ways() {
    let f = program("both", "both.rdx", WATCHED);
    let out = session(&[&f], "watch x\nbreak 3\ncontinue\ncontinue\n");
    assert!(out.contains("breakpoint 2\nwatchpoint 1: x changed: 0 -> 1\nstep 1, main at"), "{out}");
    assert!(out.contains("watchpoint 1: x changed: 1 -> 3\nstep 3, main at"), "{out}");
    // Backward: `break 4` stands where undoing `x += 2` arrives.
    let out = session(&[&f], "watch x\nbreak 4\ngoto 3\nrcontinue\n");
    assert!(out.contains("breakpoint 2\nwatchpoint 1: x changed: 3 -> 1\nstep 2, main at"), "{out}");
}

/// An argument a command refuses is echoed, cut to 80 characters and `…` (`goto abc` and
/// `info foo` were not echoed; a 3 MB name or 200,000 `(` were echoed whole).
#[test]
fn refused_arguments_are_echoed_cut_to_80_characters() {
    let f = program("refused", "calls.rdx", CALLS);
    let long = "a".repeat(300);
    let parens = "(".repeat(200_000);
    let cut = |t: &str| format!("{}…", &t[..80]);
    let script = format!(
        "goto -1\ngoto abc\ndelete x\ninfo foo\nprint {long}\nprint {parens}\n\
         break 9 if {parens}\nwatch {long}\nprint x + {long}\nprint _t{long}\n"
    );
    let out = session(&[&f, "--set", "x=3"], script);
    for refusal in [
        "error: goto STEP: `-1` is not a step number (see `info stack`)\n".to_string(),
        "error: goto STEP: `abc` is not a step number (see `info stack`)\n".into(),
        "error: delete N: `x` is not the number of a breakpoint or watchpoint (`info breaks`)\n".into(),
        "error: info locals|args|stack|tape|breaks: `foo` is none of these\n".into(),
        format!("error: no variable `{}` in scope\n", cut(&long)),
        format!("error: `{}` is not an expression: nesting too deep\n", cut(&parens)),
        format!("error: `{}` is not an expression: nesting too deep (no breakpoint set)\n", cut(&parens)),
        format!("error: no variable `{}` in `main`\n", cut(&long)),
        format!("error: no variable `{}` in scope\n", cut(&format!("_t{long}"))),
    ] {
        assert!(out.contains(&refusal), "{refusal}{}", &out[..out.len().min(4000)]);
    }
    // No line echoes more than what was typed cut.
    assert!(out.lines().all(|l| l.chars().count() < 200), "{}", &out[..out.len().min(4000)]);
}

/// A breakpoint on a gene's header line (where an editor's user clicks) moves to the gene's
/// first statement, as one on a line inside it does, and says so; so do a Janus `main`'s
/// declaration lines (it was "no statement starts on line 1").
#[test]
fn a_breakpoint_on_a_genes_header_moves_to_its_first_statement() {
    let f = program(
        "header",
        "header.rdx",
        "gene inc(a: i64[4], k: i64) {\n    a[0] += k\n}\n\ngene main(a: i64[4], k: i64) {\n    call inc(a, k)\n}\n",
    );
    let out = session(&[&f, "--set", "k=2"], "break 1\nbreak 5\nbreak 4\ncontinue\nprint a\n");
    for line in [
        "breakpoint 1: line 2 (no statement starts on line 1: the next one is on line 2)\n",
        "breakpoint 2: line 6 (no statement starts on line 5: the next one is on line 6)\n",
        "error: no statement starts on line 4\n",
        "breakpoint 1\nstep 1, inc at",
        "a = [0, 0, 0, 0]\n",
    ] {
        assert!(out.contains(line), "{line}{out}");
    }
    let ja = program(
        "header",
        "header.ja",
        "procedure twice(int n)\n    n += 2\n\nprocedure main()\n    int m[2][3]\n    int n\n    n += 4\n    call twice(n)\n",
    );
    let out = session(&[&ja], "break 1\nbreak 4\nbreak 5\n");
    for line in [
        "breakpoint 1: line 2 (no statement starts on line 1: the next one is on line 2)\n",
        "breakpoint 2: line 7 (no statement starts on line 4: the next one is on line 7)\n",
        "breakpoint 3: line 7 (no statement starts on line 5: the next one is on line 7)\n",
    ] {
        assert!(out.contains(line), "{line}{out}");
    }
}

/// `print` names an expression's value by the expression without its comments, in either
/// dialect: `print s /* c */` printed `s /* c */ = 10`.
#[test]
fn print_names_an_expression_without_its_comments() {
    let sum = stdlib("sum.rdx");
    let script = "continue\nprint s /* c */\nprint s /* c */  \nprint s /* c */ + 1\nprint s  +  1 // c\n";
    let out = session(&[&sum, "--entry", "sum_to", "--set", "n=4"], script);
    assert!(out.contains("\ns = 10\ns = 10\ns + 1 = 11\ns  +  1 = 11\n"), "{out}");
    let ja = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/janus/names.ja").display().to_string();
    let out = session(&[&ja], "step\nstep\nprint not /* c */ + 1 // d\n");
    assert!(out.contains("\nnot + 1 = 1\n"), "{out}");
}

/// stdin carries the commands: `--input -` ended the session at once (the values took the
/// script) or failed reading JSON. It is refused, and `--help` says what `--input` takes.
#[test]
fn input_from_stdin_is_refused_as_stdin_carries_the_commands() {
    let sum = stdlib("sum.rdx");
    // Refused before reading a line.
    let out = debug_output(&[&sum, "--entry", "sum_to", "--input", "-"], "n = 4\ns = 0\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(
        err,
        "error: --input -: stdin carries the debugger's commands; give the input in a file (--input FILE)\n"
    );
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    for help in ["--help", "-h"] {
        let out = rdx(&["debug", help]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("(`-`: stdin)"), "{help}: {text}");
        assert!(text.contains("Not `-`: stdin carries the debugger's commands"), "{help}: {text}");
    }
    // `rdx run` still reads them from stdin.
    assert!(String::from_utf8_lossy(&rdx(&["run", "--help"]).stdout).contains("(`-`: stdin)"));
}

/// A run-time error at step 0 (the entry's first statement fails) stops before it with no
/// advice to step `back`, which has nothing to undo there ("at the start of the run"); an
/// error after the first step still gives it.
#[test]
fn an_error_at_step_0_does_not_advise_back() {
    let f = program("error0", "a0.rdx", "gene main(x: u64) {\n    assert x == 1\n    x += 1\n}\n");
    let out = session(&[&f, "--set", "x=0"], "step\nback\n");
    assert!(out.contains("error[R0101]: assertion failed\nstopped before the failing statement\n"), "{out}");
    assert!(!out.contains("`back`"), "{out}");
    assert!(out.contains("at the start of the run"), "{out}");
    let f = program("error1", "a1.rdx", "gene main(x: u64) {\n    x += 1\n    assert x == 1\n}\n");
    let out = session(&[&f, "--set", "x=1"], "step\nstep\n");
    assert!(
        out.contains("stopped before the failing statement; `back` steps back from it\nstep 1,"),
        "{out}"
    );
}
