//! The planner through the `rdx` command: `hint`, `plan`, `status`, `loop` and `run --backend
//! auto`, each in a fresh temporary home. Decisions are asserted, never durations.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A temporary home (and a folder for programs), deleted on drop.
struct TempHome(PathBuf);

impl TempHome {
    fn new(tag: &str) -> TempHome {
        let dir = std::env::temp_dir().join(format!("rdx-cli-plan-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        TempHome(dir)
    }

    /// Writes a program beside the home and gives its path.
    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("a program file");
        path.to_string_lossy().into_owned()
    }

    /// Runs `rdx --home HOME/home args…` from the repository root.
    fn rdx(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_rdx"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("RDX_NO_LEDGER")
            .env_remove("RDX_HOME")
            .arg("--home")
            .arg(self.0.join("home"))
            .args(args)
            .output()
            .expect("rdx runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.rdx(args);
        assert!(out.status.success(), "rdx {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf-8")
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let text = self.ok(args);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("rdx {args:?} gave no JSON ({e}): {text}"))
    }

    fn log(&self) -> Vec<serde_json::Value> {
        serde_json::from_value(self.json(&["log", "--json"])).expect("an array")
    }
}

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const FIB: [&str; 3] = ["stdlib/fib.rdx", "--set", "n=10"];

/// `rdx ARGS… FIB…`.
fn with_fib<'a>(args: &[&'a str]) -> Vec<&'a str> {
    args.iter().copied().chain(FIB).collect()
}

#[test]
fn a_cold_start_follows_the_static_rule() {
    let home = TempHome::new("cold");
    let plan = home.json(&with_fib(&["plan", "--json"]));
    assert_eq!(plan["backend"], "jit", "fib recurses: {plan}");
    assert_eq!(plan["where"], "local");
    assert_eq!(plan["reuse"], false);
    assert_eq!(plan["cold"], true);
    assert!(plan["why"].as_str().is_some_and(|w| w.contains("static rule")), "{plan}");
    let text = home.ok(&with_fib(&["plan"]));
    assert!(text.starts_with("run on jit here"), "{text}");
    let flat = home.file("flat.rdx", "gene main(a: u64, b: u64) {\n    a += b\n}\n");
    let plan = home.json(&["plan", "--json", &flat]);
    assert_eq!(plan["backend"], "interp", "no loop, no recursion: {plan}");
}

#[test]
fn plan_hint_and_status_read_recorded_runs() {
    let home = TempHome::new("learn");
    for backend in ["interp", "jit", "interp", "jit", "interp", "jit"] {
        home.ok(&with_fib(&["run", "--backend", backend]));
    }
    let plan = home.json(&with_fib(&["plan", "--json"]));
    for key in ["backend", "where", "reuse", "why", "confidence", "p_fastest", "mdl", "runs"] {
        assert!(plan.get(key).is_some(), "plan --json lacks {key}: {plan}");
    }
    assert!(["interp", "jit"].contains(&plan["backend"].as_str().unwrap_or("")));
    assert_eq!(plan["where"], "local");
    assert_eq!(plan["cold"], false);
    assert_eq!(plan["reuse"], true, "fib prints nothing and this input ran: {plan}");
    assert_eq!(plan["runs"]["interp"], 3);
    assert_eq!(plan["runs"]["jit"], 3);
    assert_eq!(plan["cached"]["run"], 6);

    let hint = home.json(&with_fib(&["hint", "--json"]));
    let arms = hint["arms"].as_array().expect("arms");
    assert_eq!(arms.len(), 2);
    let p: f64 = arms.iter().map(|a| a["p_fastest"].as_f64().expect("a probability")).sum();
    assert!((p - 1.0).abs() < 1e-9, "{hint}");
    for a in arms {
        let (lo, mid, hi) = (
            a["interval_ns"][0].as_f64().unwrap(),
            a["predicted_ns"].as_f64().unwrap(),
            a["interval_ns"][1].as_f64().unwrap(),
        );
        assert!(lo < mid && mid < hi, "{a}");
    }
    assert_eq!(hint["bucket"]["from"], "same input");
    assert_eq!(hint["bucket"]["log2_instructions"], 6, "fib(10) runs 75 instructions");
    assert!(hint["mdl"]["pooled_bits"].is_number() && hint["mdl"]["per_bucket_bits"].is_number());
    assert!(hint["failure"].is_null());
    assert!(home.ok(&with_fib(&["hint"])).contains("P(fastest)"));

    let status = home.json(&["status", "--json"]);
    assert_eq!(status["runs"], 6);
    let contexts = status["contexts"].as_array().expect("contexts");
    assert_eq!(contexts.len(), 1);
    assert_eq!(contexts[0]["entry"], "fib");
    assert_eq!(contexts[0]["bucket"], 6);
    assert!(home.ok(&["status"]).contains("best "));
}

#[test]
fn reuse_is_not_offered_for_a_program_that_prints() {
    let home = TempHome::new("prints");
    let ja = home.file("pr.ja", "procedure main()\n    int x\n    x += 2\n    printf(\"x=%d\", x)\n");
    home.ok(&["run", &ja]);
    let plan = home.json(&["plan", "--json", &ja]);
    assert_eq!(plan["reuse"], false, "{plan}");
    let hint = home.json(&["hint", "--json", &ja]);
    assert!(hint["reuse_blocked"].as_str().is_some_and(|w| w.contains("prints")), "{hint}");
}

#[test]
fn a_failed_input_is_predicted_to_fail() {
    let home = TempHome::new("fail");
    let div = home.file("div.rdx", "gene main(a: u64, b: u64) {\n    a += 10 / b\n}\n");
    assert_eq!(home.rdx(&["run", &div, "--set", "b=0"]).status.code(), Some(1));
    let hint = home.json(&["hint", "--json", &div, "--set", "b=0"]);
    assert_eq!(hint["failure"]["code"], "R0110", "{hint}");
    assert_eq!(hint["failure"]["run"], 1);
    let text = home.ok(&["hint", &div, "--set", "b=0"]);
    assert!(text.contains("predicted failure: run 1 failed with R0110"), "{text}");
    let other = home.json(&["hint", "--json", &div, "--set", "b=2"]);
    assert!(other["failure"].is_null());
    let plan = home.json(&["plan", "--json", &div, "--set", "b=0"]);
    assert_eq!(plan["reuse"], false);
    assert!(plan["why"].as_str().is_some_and(|w| w.contains("fail")), "{plan}");
}

#[test]
fn loop_records_one_run_per_cycle() {
    let home = TempHome::new("loop");
    let text = home.ok(&with_fib(&["loop", "-n", "5", "--seed", "1"]));
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(text.lines().all(|l| l.starts_with("cycle") && l.contains("confidence")), "{text}");
    let log = home.log();
    assert_eq!(log.len(), 5);
    assert!(log.iter().all(|r| r["backend_reason"].as_str().is_some_and(|w| w.starts_with("loop:"))));
    let lines = home.ok(&with_fib(&["loop", "-n", "2", "--seed", "1", "--json"]));
    for line in lines.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object per line");
        assert!(["interp", "jit"].contains(&v["arm"].as_str().unwrap_or("")), "{v}");
        assert!(v["regret_ns"].as_f64().is_some_and(|r| r >= 0.0));
    }
    assert_eq!(home.log().len(), 7);
}

#[test]
fn run_backend_auto_asks_the_planner_unless_no_plan() {
    let home = TempHome::new("auto");
    let plain = home.ok(&with_fib(&["run", "--backend", "interp", "--no-ledger"]));
    // Cold: the static rule, said to come from the planner.
    assert_eq!(home.ok(&with_fib(&["run", "--backend", "auto"])), plain, "auto prints what interp prints");
    let first = &home.log()[0];
    assert_eq!(first["backend"], "jit");
    assert!(first["backend_reason"].as_str().is_some_and(|w| w.starts_with("plan: cold start")), "{first}");
    for backend in ["interp", "interp", "interp"] {
        home.ok(&with_fib(&["run", "--backend", backend]));
    }
    // `plan` is deterministic (a fixed seed), so auto runs what it said just before.
    let expected = home.json(&with_fib(&["plan", "--json"]))["backend"].clone();
    assert_eq!(home.ok(&with_fib(&["run", "--backend", "auto"])), plain);
    let planned = &home.log()[0];
    assert_eq!(planned["backend"], expected, "{planned}");
    assert!(
        planned["backend_reason"].as_str().is_some_and(|w| w.starts_with("plan: ") && !w.contains("cold")),
        "{planned}"
    );
    for flag in ["--no-plan", "--no-ce1"] {
        assert_eq!(home.ok(&with_fib(&["run", "--backend", "auto", flag])), plain);
        let fixed = &home.log()[0];
        assert_eq!(fixed["backend"], "jit");
        assert_eq!(fixed["backend_reason"], "auto: a gene loops or recurses, so compiling pays off");
    }
}
