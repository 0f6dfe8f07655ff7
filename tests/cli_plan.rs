//! The planner through the `rdx` command: `hint`, `plan`, `status`, `loop` and `run --backend
//! auto`, each in a fresh temporary home. Decisions are asserted, never durations.

mod common;
use common::{Server, TempHome};

const FIB: [&str; 3] = ["stdlib/fib.rdx", "--set", "n=10"];

/// `rdx ARGS… FIB…`.
fn with_fib<'a>(args: &[&'a str]) -> Vec<&'a str> {
    args.iter().copied().chain(FIB).collect()
}

#[test]
fn a_cold_start_follows_the_static_rule() {
    let home = TempHome::new("cold");
    let plan = home.json(&with_fib(&["plan", "--json"]));
    // fib recurses: the static rule's JIT, which starts on the interpreter.
    assert_eq!((plan["backend"].as_str(), plan["tiered"].as_bool()), (Some("interp"), Some(true)), "{plan}");
    assert_eq!(plan["where"], "local");
    assert_eq!(plan["reuse"], false);
    assert_eq!(plan["cold"], true);
    assert!(plan["why"].as_str().is_some_and(|w| w.contains("static rule")), "{plan}");
    let text = home.ok(&with_fib(&["plan"]));
    assert!(text.starts_with("run on interp here, then on jit if the run is long"), "{text}");
    let flat = home.file("flat.rdx", "gene main(a: u64, b: u64) {\n    a += b\n}\n");
    let plan = home.json(&["plan", "--json", &flat]);
    assert_eq!(plan["backend"], "interp", "no loop, no recursion: {plan}");
    assert_eq!(plan["tiered"], false, "{plan}");
    // The decision says what the plan said, and the run starts (here, ends) on interp.
    home.ok(&with_fib(&["run", "--backend", "auto"]));
    let decision = &home.json(&["log", "--decisions", "--json"])[0];
    assert_eq!((decision["backend"].as_str(), decision["tiered"].as_bool()), (Some("interp"), Some(true)));
    assert_eq!(home.log()[0]["backend"], "interp");
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
fn a_program_that_prints_is_reused_with_what_it_printed() {
    let home = TempHome::new("prints");
    let ja =
        home.file("pr.ja", "procedure main()\n    int x\n    x += 2\n    printf(\"x=%d\", x)\n    show(x)\n");
    let first = home.ok(&["run", &ja]);
    assert!(first.contains("x=2"), "{first}");
    let plan = home.json(&["plan", "--json", &ja]);
    assert_eq!(plan["reuse"], true, "{plan}");
    let runs = home.log().len();
    assert_eq!(home.ok(&["run", "--backend", "auto", &ja]), first, "printed again, byte for byte");
    assert_eq!(home.log().len(), runs);
    let printed = home.log()[0]["printed"].as_str().expect("the printed output's CID").to_string();
    let out = home.ok(&["store", "get", &printed]);
    assert!(first.starts_with(&out), "{out:?} is what the run printed before its result");
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
    assert!(
        log.iter().all(|r| r["backend_reason"].as_str().is_some_and(|w| w.starts_with("loop (decision ")))
    );
    // Every cycle's decision is in the ledger, with the posterior of every arm.
    let decisions = home.json(&["log", "--decisions", "--json"]);
    let decisions = decisions.as_array().expect("an array");
    assert_eq!(decisions.len(), 5);
    assert!(decisions.iter().all(|d| d["by"] == "loop" && d["how"] == "ids" && d["reuse"] == false));
    assert_eq!(decisions[0]["arms"].as_array().map(Vec::len), Some(2));
    let id = decisions[0]["id"].as_u64().unwrap().to_string();
    let shown = home.ok(&["show", &id]);
    assert!(
        shown.contains("decision") && shown.contains("P(fastest)") && shown.contains("posterior"),
        "{shown}"
    );
    let lines = home.ok(&with_fib(&["loop", "-n", "2", "--seed", "1", "--json"]));
    for line in lines.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object per line");
        assert!(["interp", "jit"].contains(&v["arm"].as_str().unwrap_or("")), "{v}");
        assert!(v["regret_ns"].as_f64().is_some_and(|r| r >= 0.0));
    }
    assert_eq!(home.log().len(), 7);
    // The loop never reuses, though this input's output is recorded.
    assert_eq!(home.json(&with_fib(&["plan", "--json"]))["reuse"], true);
}

#[test]
fn run_backend_auto_asks_the_planner_unless_no_plan() {
    let home = TempHome::new("auto");
    let plain = home.ok(&with_fib(&["run", "--backend", "interp", "--no-ledger"]));
    // Cold: the static rule, said to come from the planner.
    assert_eq!(home.ok(&with_fib(&["run", "--backend", "auto"])), plain, "auto prints what interp prints");
    // fib(10) ends within the interpreter's budget, so nothing is compiled.
    let first = &home.log()[0];
    assert_eq!(first["backend"], "interp");
    let reason = first["backend_reason"].as_str().unwrap_or("");
    assert!(reason.starts_with("plan (decision 1): cold start"), "{first}");
    assert!(reason.ends_with("so nothing was compiled"), "{first}");
    assert!(home.ok(&["show", "1"]).contains("static rule"));
    for backend in ["interp", "interp", "interp"] {
        home.ok(&with_fib(&["run", "--backend", backend]));
    }
    // `plan` is deterministic (a fixed seed), so auto runs what it said just before: on a new
    // input, an engine; on this one, the recorded output, and no run.
    let fib11 = ["stdlib/fib.rdx", "--set", "n=11"];
    let expected = home.json(&[&["plan", "--json"][..], &fib11].concat())["backend"].clone();
    home.ok(&[&["run", "--backend", "auto"][..], &fib11].concat());
    let planned = &home.log()[0];
    assert_eq!(planned["backend"], expected, "{planned}");
    assert!(
        planned["backend_reason"]
            .as_str()
            .is_some_and(|w| w.starts_with("plan (decision ") && !w.contains("cold")),
        "{planned}"
    );
    let runs = home.log().len();
    assert_eq!(home.ok(&with_fib(&["run", "--backend", "auto"])), plain, "a reuse prints what a run prints");
    assert_eq!(
        home.ok(&with_fib(&["run", "--backend", "auto", "--json"])),
        home.ok(&with_fib(&["run", "--json", "--no-ledger"]))
    );
    assert_eq!(home.log().len(), runs, "a reuse runs nothing");
    let decisions = home.json(&["log", "--decisions", "--json"]);
    assert_eq!(decisions[0]["reuse"], true, "{decisions}");
    assert_eq!(decisions[0]["how"], "reuse");
    assert_eq!(decisions.as_array().map(Vec::len), Some(4));
    for flag in ["--no-plan", "--no-ce1"] {
        assert_eq!(home.ok(&with_fib(&["run", "--backend", "auto", flag])), plain);
        let fixed = &home.log()[0];
        assert_eq!(fixed["backend"], "interp");
        let reason = fixed["backend_reason"].as_str().unwrap_or("");
        assert!(reason.starts_with("auto: a gene loops or recurses; the run ended within"), "{fixed}");
    }
}

/// The static rule runs a module that loops on the interpreter first; a run that goes past
/// the interpreter's budget starts over on the JIT and prints what the interpreter prints.
#[test]
fn the_static_rule_moves_a_long_run_to_the_jit() {
    let home = TempHome::new("tiers");
    let cases = [("100", "interp", "nothing was compiled"), ("3000000", "jit", "started over on the JIT")];
    for (n, backend, told) in cases {
        // A program of its own per case, so the planned run is a cold start.
        let sum = home.file(
            &format!("sum{n}.rdx"),
            format!(
                "// up to {n}\ngene main(n: u64, s: u64) {{\n    local i: u64 = 0\n    from i == 0 do {{\n        \
                 s += i\n        i += 1\n    }} until i == n\n    delocal i = n\n}}\n"
            ),
        );
        let set = format!("n={n}");
        let args = ["run", &sum, "--set", &set];
        let plain = home.ok(&[&args[..], &["--backend", "interp", "--no-ledger"]].concat());
        for flags in [&["--backend", "auto"][..], &["--backend", "auto", "--no-plan"]] {
            assert_eq!(home.ok(&[&args[..], flags].concat()), plain);
            let run = &home.log()[0];
            assert_eq!(run["backend"], backend, "{run}");
            let reason = run["backend_reason"].as_str().unwrap_or("");
            assert!(reason.ends_with(told), "{run}");
        }
    }
}

/// A tiered run that moved to the JIT counted no work, so the next input's work is unknown and
/// the interpreter's vague prior may win: that run is tiered too, and moves to the JIT.
#[test]
fn the_interpreter_planned_for_unknown_work_moves_a_long_run_to_the_jit() {
    let home = TempHome::new("unknown-work");
    let sum = home.file(
        "sum.rdx",
        "gene main(n: u64, s: u64) {\n    local i: u64 = 0\n    from i == 0 do { skip } loop {\n        \
         s += i\n        i += 1\n    } until i == n\n    delocal i = n\n}\n",
    );
    // Past the interpreter's budget (about 2^18 steps for this code), done on the JIT.
    let run = |n: &str| home.ok(&["run", &sum, "--set", &format!("n={n}"), "--backend", "auto"]);
    run("100000");
    let first = &home.log()[0];
    assert_eq!((first["backend"].as_str(), first["instructions"].as_u64()), (Some("jit"), None), "{first}");
    let next = ["--set", "n=100001"];
    let plan = home.json(&[&["plan", "--json", &sum][..], &next].concat());
    assert_eq!(plan["cold"], false, "{plan}");
    assert_eq!(plan["bucket"]["from"], "unknown", "{plan}");
    assert_eq!((plan["backend"].as_str(), plan["tiered"].as_bool()), (Some("interp"), Some(true)), "{plan}");
    let text = home.ok(&[&["plan", &sum][..], &next].concat());
    assert!(text.starts_with("run on interp here, then on jit if the run is long"), "{text}");
    assert!(text.contains("so the run starts on the interpreter and starts over on the JIT"), "{text}");
    assert_eq!(run("100001"), home.ok(&["run", &sum, "--set", "n=100001", "--no-ledger"]));
    let decision = &home.json(&["log", "--decisions", "--json"])[0];
    assert_eq!(
        (decision["how"].as_str(), decision["cold"].as_bool()),
        (Some("plan"), Some(false)),
        "{decision}"
    );
    assert_eq!((decision["backend"].as_str(), decision["tiered"].as_bool()), (Some("interp"), Some(true)));
    let second = &home.log()[0];
    assert_eq!(second["backend"], "jit", "{second}");
    let reason = second["backend_reason"].as_str().unwrap_or("");
    let planned = format!("plan (decision {}): interp is fastest", decision["id"]);
    assert!(reason.starts_with(&planned), "{second}");
    assert!(reason.ends_with("so it started over on the JIT"), "{second}");
}

/// `rdx serve` of another home on a free loopback port (the server first, so it stops before
/// its home is deleted).
fn serve_other(tag: &str) -> (Server, TempHome) {
    let home = TempHome::new(tag);
    (home.serve(&[]), home)
}

/// How many records `home`'s ledger holds.
fn runs(home: &TempHome) -> usize {
    home.log().len()
}

/// Notes in `home` that runs of fib on `peer`'s `engine` took `ns` each, as `rdx run --on`
/// notes them.
fn peer_evidence(home: &TempHome, peer: &str, engine: &str, ns: u64, program: &str, input: &str) {
    let h = rdx_core::Home::open(Some(&home.0)).expect("the home");
    let target = format!("{program} fib forward {engine} {input}");
    let subject = rdx_core::probe::Subject { kind: "run", source: peer, target: &target };
    let probe =
        rdx_core::probe::Probe::new(subject, 0, vec![ns; 8], None, "ok", std::time::SystemTime::now());
    h.record_probe(&probe.expect("a probe")).expect("recorded");
}

#[test]
fn a_peer_is_an_arm_and_auto_runs_there_when_the_plan_says_so() {
    let home = TempHome::new("peer");
    let (server, server_home) = serve_other("peer-server");
    home.ok(&["peer", "add", "far", &server.url]);
    for backend in ["interp", "jit", "interp", "jit"] {
        home.ok(&with_fib(&["run", "--backend", backend]));
    }
    let program = home.log()[0]["program"].as_str().unwrap().to_string();
    // Nothing known about the peer: it is an arm (hint), but the plan stays here.
    let hint = home.json(&with_fib(&["hint", "--json"]));
    let arms = hint["arms"].as_array().expect("arms");
    assert_eq!(arms.len(), 4, "{hint}");
    assert_eq!((arms[2]["arm"].as_str(), arms[2]["where"].as_str()), (Some("interp"), Some("far")));
    // The peer's evidence is of n=12 (whose work a run here counted); the runs are of n=13,
    // in the same work bucket.
    let fib12 = ["stdlib/fib.rdx", "--set", "n=12"];
    home.ok(&[&["run", "--backend", "interp"][..], &fib12].concat());
    let input = home.json(&[&["hint", "--json"][..], &fib12].concat())["input"].as_str().unwrap().to_string();
    let fib13 = ["stdlib/fib.rdx", "--set", "n=13"];
    let with13 = |args: &[&'static str]| [args, &fib13[..]].concat();
    assert_eq!(home.json(&with13(&["plan", "--json"]))["where"], "local");
    // A peer probed slow (a second per run) stays unused.
    peer_evidence(&home, "far", "interp", 1_000_000_000, &program, &input);
    assert_eq!(home.json(&with13(&["plan", "--json"]))["where"], "local");
    // Probed fast (a nanosecond): the plan sends the run there, and auto runs it there.
    for _ in 0..3 {
        peer_evidence(&home, "far", "interp", 1, &program, &input);
    }
    let plan = home.json(&with13(&["plan", "--json"]));
    assert_eq!((plan["backend"].as_str(), plan["where"].as_str()), (Some("interp"), Some("far")), "{plan}");
    let local = home.ok(&with13(&["run", "--no-ledger"]));
    let before = runs(&server_home);
    assert_eq!(
        home.ok(&with13(&["run", "--backend", "auto"])),
        local,
        "a remote run prints what a local one does"
    );
    assert_eq!(runs(&server_home), before + 1, "the run was made on the peer");
    let here = &home.log()[0];
    assert!(here["flags"].as_array().is_some_and(|f| f.iter().any(|f| f == "--on=far")), "{here}");
    let decision = &home.json(&["log", "--decisions", "--json"])[0];
    assert_eq!((decision["where"].as_str(), decision["reuse"].as_bool()), (Some("far"), Some(false)));
    // The wait was noted as a probe of the peer, which the planner learns from.
    let hint = home.json(&with13(&["hint", "--json"]));
    assert_eq!(hint["arms"][2]["runs"], 4 * 8 + 1, "{hint}");
    // --no-plan keeps the static rule, here.
    home.ok(&with13(&["run", "--backend", "auto", "--no-plan"]));
    assert_eq!(runs(&server_home), before + 1);
}

#[test]
fn a_peer_s_jit_is_an_arm_and_both_ledgers_record_it() {
    let home = TempHome::new("peer-jit");
    let (server, server_home) = serve_other("peer-jit-server");
    home.ok(&["peer", "add", "far", &server.url]);
    let fib12 = ["stdlib/fib.rdx", "--set", "n=12"];
    let with12 = |args: &[&'static str]| [args, &fib12[..]].concat();
    let local = home.ok(&with12(&["run", "--no-ledger"]));
    // `--on far --backend jit`: compiled there, recorded as a JIT run on both sides.
    assert_eq!(home.ok(&with12(&["run", "--on", "far", "--backend", "jit"])), local);
    let there = &server_home.log()[0];
    assert_eq!(there["backend"], "jit", "{there}");
    let here = &home.log()[0];
    assert_eq!(here["backend"], "jit", "{here}");
    assert!(here["flags"].as_array().is_some_and(|f| f.iter().any(|f| f == "--on=far")), "{here}");
    // `auto` on a peer is the static rule (fib recurses: the JIT).
    home.ok(&with12(&["run", "--on", "far", "--backend", "auto"]));
    assert_eq!(server_home.log()[0]["backend"], "jit");
    // The arms are interp and jit, here and on far; each wait taught its arm.
    home.ok(&with12(&["run", "--backend", "interp"]));
    home.ok(&with12(&["run", "--backend", "jit"]));
    let hint = home.json(&with12(&["hint", "--json"]));
    let arms: Vec<(String, String, u64)> = hint["arms"]
        .as_array()
        .expect("arms")
        .iter()
        .map(|a| {
            (
                a["arm"].as_str().unwrap().into(),
                a["where"].as_str().unwrap().into(),
                a["runs"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [("interp", "local", 1), ("jit", "local", 1), ("interp", "far", 0), ("jit", "far", 2)];
    assert_eq!(arms, expected.map(|(a, w, n)| (a.to_string(), w.to_string(), n)), "{hint}");
    // The peer's JIT probed fast (a nanosecond), its interpreter slow: the plan is far's JIT,
    // and `auto` runs it there, a JIT run on both sides and a decision that says so.
    let program = here["program"].as_str().unwrap().to_string();
    let input = hint["input"].as_str().unwrap().to_string();
    peer_evidence(&home, "far", "interp", 1_000_000_000, &program, &input);
    for _ in 0..3 {
        peer_evidence(&home, "far", "jit", 1, &program, &input);
    }
    let plan = home.json(&with12(&["plan", "--json"]));
    assert_eq!((plan["backend"].as_str(), plan["where"].as_str()), (Some("jit"), Some("far")), "{plan}");
    assert_eq!(plan["reuse"], true, "an ok run of this input is on record");
    let fib13 = ["stdlib/fib.rdx", "--set", "n=13"];
    let plan = home.json(&[&["plan", "--json"][..], &fib13].concat());
    assert_eq!((plan["backend"].as_str(), plan["where"].as_str()), (Some("jit"), Some("far")), "{plan}");
    assert_eq!(home.ok(&[&["plan"][..], &fib13].concat()).lines().next(), Some("run on far's JIT"));
    let before = server_home.log().len();
    home.ok(&[&["run", "--backend", "auto"][..], &fib13].concat());
    let there = server_home.log();
    assert_eq!((there.len(), there[0]["backend"].as_str()), (before + 1, Some("jit")));
    assert_eq!(home.log()[0]["backend"], "jit");
    let decision = &home.json(&["log", "--decisions", "--json"])[0];
    assert_eq!((decision["backend"].as_str(), decision["where"].as_str()), (Some("jit"), Some("far")));
    // The server refuses an engine it does not have, and a step budget the JIT cannot count.
    let body = format!(r#"{{"program":"{program}","direction":"forward","input":"{input}","engine":"gpu"}}"#);
    let (status, text) = server.post("/runs", &body);
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("unknown engine \"gpu\"") && text.contains("\"jit\""), "{text}");
    let body = format!(
        r#"{{"program":"{program}","direction":"forward","input":"{input}","engine":"jit","max_steps":10}}"#
    );
    let (status, text) = server.post("/runs", &body);
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("counts no instructions"), "{text}");
}

#[test]
fn the_work_of_a_new_input_is_predicted_from_the_value_of_n() {
    // sum_to's work grows with the value of n: three counted runs predict a fourth input's.
    let home = TempHome::new("work");
    let sum = |n: &str| ["stdlib/sum.rdx", "--entry", "sum_to", "--set", &format!("n={n}")].map(String::from);
    let args =
        |pre: &[&str], n: &str| -> Vec<String> { pre.iter().map(|s| s.to_string()).chain(sum(n)).collect() };
    let ok = |a: Vec<String>| home.ok(&a.iter().map(String::as_str).collect::<Vec<_>>());
    for n in ["1000", "2000", "4000"] {
        ok(args(&["run", "--backend", "interp"], n));
    }
    let hint: serde_json::Value = serde_json::from_str(&ok(args(&["hint", "--json"], "64000"))).unwrap();
    assert_eq!(hint["bucket"]["from"], "log-log fit", "{hint}");
    assert!(hint["bucket"]["sd_log2"].as_f64().is_some_and(|sd| sd < 0.5), "{hint}");
    // The prediction is the bucket an interpreter run then counts.
    ok(args(&["run", "--backend", "interp"], "64000"));
    let counted: serde_json::Value = serde_json::from_str(&ok(args(&["hint", "--json"], "64000"))).unwrap();
    assert_eq!(counted["bucket"]["from"], "same input");
    assert_eq!(counted["bucket"]["log2_instructions"], hint["bucket"]["log2_instructions"], "{hint}");
}

#[test]
fn an_input_more_never_makes_the_work_prediction_less_sure() {
    // The same work on every input: with two and three counted inputs the log-log fit has as
    // many unknowns as inputs and cannot be checked, so the nearest input, checked with error 0,
    // predicts the far input's work (it was the fit, given or taken 2^26).
    let home = TempHome::new("monotone");
    let two = home.file("two.rdx", "gene main(x: u64, y: u64) {\n    x += 1\n}\n");
    let set =
        |x: &str, y: &str| [two.clone(), "--set".into(), format!("x={x}"), "--set".into(), format!("y={y}")];
    let far = || {
        let args: Vec<String> =
            ["hint".into(), "--json".into()].into_iter().chain(set("1000000", "1000000")).collect();
        home.json(&args.iter().map(String::as_str).collect::<Vec<_>>())["bucket"].clone()
    };
    let mut sds = Vec::new();
    for (k, (x, y)) in [("1", "1"), ("2", "1"), ("1", "2"), ("2", "2")].into_iter().enumerate() {
        let args: Vec<String> = ["run".into()].into_iter().chain(set(x, y)).collect();
        home.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        if k == 0 {
            continue;
        }
        let bucket = far();
        let sd = bucket["sd_log2"].as_f64().expect("an sd");
        if k < 3 {
            assert_eq!(
                (bucket["from"].as_str(), sd),
                (Some("nearest input"), 0.1),
                "{} inputs: {bucket}",
                k + 1
            );
        }
        sds.push(sd);
    }
    assert!(sds.windows(2).all(|w| w[1] <= w[0]), "{sds:?}");
}

/// A loopback address nothing listens on: a port the system gave out and took back.
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("an address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn loop_learns_that_a_peer_cannot_be_reached_and_runs_the_cycle_here() {
    let home = TempHome::new("loop-dead");
    home.ok(&["peer", "add", "dead", &dead_url()]);
    // Nothing known about the peer: `loop` explores its arms. Each failed try is recorded, and
    // the cycle runs here instead.
    let text = home.ok(&with_fib(&["loop", "-n", "5", "--seed", "1", "--json"]));
    let cycles: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).expect("one JSON object per line")).collect();
    assert_eq!(cycles.len(), 5, "{text}");
    assert!(cycles.iter().all(|c| c["where"] == "local" && c["outcome"] == "ok"), "{text}");
    let fell_back: Vec<&serde_json::Value> =
        cycles.iter().map(|c| &c["fell_back_from"]).filter(|f| !f.is_null()).collect();
    assert!(!fell_back.is_empty(), "{text}");
    assert!(fell_back.iter().all(
        |f| f["where"] == "dead" && f["error"].as_str().is_some_and(|e| e.contains("cannot be reached"))
    ));
    assert_eq!(home.log().len(), 5, "every cycle ran here, once");
    // Each failure is a probe of the peer's arm, and that arm now rests: left out of the next
    // cycles and of the plan.
    let hint = home.json(&with_fib(&["hint", "--json"]));
    let resting = hint["resting"].as_array().expect("a list");
    assert_eq!(resting.len(), fell_back.len(), "{hint}");
    assert!(resting.iter().all(|r| r["where"] == "dead" && r["failures"] == 1));
    assert!(hint["arms"].as_array().unwrap().iter().all(|a| a["where"] == "local" || a["runs"] == 0));
    let again = home.ok(&with_fib(&["loop", "-n", "5", "--seed", "2", "--json"]));
    assert!(again.lines().all(|l| l.contains("\"fell_back_from\":null")), "{again}");
    let decisions = home.json_list(&["log", "--decisions", "--json"]);
    assert_eq!(decisions.len(), 10 + fell_back.len(), "one more decision per cycle that fell back");
    let text = home.ok(&with_fib(&["hint"]));
    assert!(text.contains("resting: ") && text.contains("did not run its last try (probe "), "{text}");
    assert!(!text.contains("1 tries") && !text.contains(" 1 more runs"), "{text}");
    let why = hint["why"].as_str().unwrap_or("");
    assert!(why.contains("it did not run its last try (probe ") && !why.contains("1 tries"), "{why}");
}

#[test]
fn loop_exits_as_run_does_when_a_cycle_s_run_fails() {
    let home = TempHome::new("loop-fail");
    let div = home.file("div.rdx", "gene main(a: u64, b: u64) {\n    a += 10 / b\n}\n");
    let out = home.rdx(&["loop", &div, "--set", "b=0", "-n", "3"]);
    assert_eq!(out.status.code(), Some(1), "as `rdx run` of this input");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().filter(|l| l.contains("error R0110")).count(), 3, "every cycle ran: {text}");
    assert!(common::stderr(&out).contains("the run failed in 3 of 3 cycles"), "{}", common::stderr(&out));
    assert_eq!(home.log().len(), 3);
    assert_eq!(home.rdx(&["loop", &div, "--set", "b=2", "-n", "2"]).status.code(), Some(0));
}

/// `run --backend auto` sent to a peer that cannot be reached runs here instead, by the static
/// rule, and records the failure as `loop` does: the arm rests and the next plan stays here.
#[test]
fn auto_runs_here_when_the_peer_it_chose_cannot_be_reached() {
    let home = TempHome::new("auto-dead");
    home.ok(&["peer", "add", "far", &dead_url()]);
    for backend in ["interp", "jit", "interp", "jit"] {
        home.ok(&with_fib(&["run", "--backend", backend]));
    }
    let program = home.log()[0]["program"].as_str().unwrap().to_string();
    let fib12 = ["stdlib/fib.rdx", "--set", "n=12"];
    home.ok(&[&["run", "--backend", "interp"][..], &fib12].concat());
    let input = home.json(&[&["hint", "--json"][..], &fib12].concat())["input"].as_str().unwrap().to_string();
    let fib13 = ["stdlib/fib.rdx", "--set", "n=13"];
    let with13 = |args: &[&'static str]| [args, &fib13[..]].concat();
    // Probed fast before it went away: the plan sends the run there.
    for _ in 0..3 {
        peer_evidence(&home, "far", "interp", 1, &program, &input);
    }
    assert_eq!(home.json(&with13(&["plan", "--json"]))["where"], "far");
    let local = home.ok(&with13(&["run", "--no-ledger"]));
    let out = home.rdx(&with13(&["run", "--backend", "auto"]));
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), local, "ran here, printing what a run here prints");
    assert!(common::stderr(&out).contains("interp on far did not run it"), "{}", common::stderr(&out));
    let here = &home.log()[0];
    assert!(here["backend_reason"].as_str().is_some_and(|r| r.contains("far did not run it")), "{here}");
    let hint = home.json(&with13(&["hint", "--json"]));
    let resting = hint["resting"].as_array().expect("a list");
    assert!(resting.iter().any(|r| r["where"] == "far" && r["arm"] == "interp"), "{hint}");
    assert_eq!(home.json(&with13(&["plan", "--json"]))["where"], "local");
}

/// The home's ledger, to alter as damage would.
fn db(home: &TempHome) -> rusqlite::Connection {
    rusqlite::Connection::open(home.0.join("ledger.sqlite")).expect("the ledger opens")
}

#[test]
fn auto_says_why_when_the_planner_cannot_be_used() {
    let home = TempHome::new("plan-error");
    for _ in 0..2 {
        home.ok(&with_fib(&["run", "--backend", "interp"]));
    }
    db(&home).execute("UPDATE records SET body = 'not json' WHERE id = 1", []).unwrap();
    let plan = home.rdx(&with_fib(&["plan"]));
    let plan_error = String::from_utf8_lossy(&plan.stderr).into_owned();
    assert_eq!(plan.status.code(), Some(1), "{plan_error}");
    assert!(plan_error.contains("run 1 cannot be read"), "{plan_error}");
    // The run still runs, by the static rule, and says why on stderr and in its record.
    let out = home.rdx(&with_fib(&["run", "--backend", "auto"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("x1 = 89"));
    assert!(
        err.contains("warning: the planner could not be used") && err.contains("run 1 cannot be read"),
        "{err}"
    );
    let reason: String = db(&home)
        .query_row("SELECT json_extract(body, '$.backend_reason') FROM records WHERE id = 3", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(reason.starts_with("auto: the planner could not be used ("), "{reason}");
    assert!(
        reason.contains("run 1 cannot be read") && reason.contains("so the static rule: a gene loops"),
        "{reason}"
    );
}

#[test]
fn a_reuse_whose_output_is_damaged_runs_and_says_so() {
    let home = TempHome::new("reuse-damaged");
    for _ in 0..2 {
        home.ok(&with_fib(&["run", "--backend", "interp"]));
    }
    let output = home.log()[0]["output"].as_str().expect("an output").to_string();
    let plain = home.ok(&with_fib(&["run", "--backend", "interp", "--no-ledger"]));
    // Corrupt: the bytes no longer hash to the CID.
    db(&home).execute("UPDATE blobs SET data = CAST('{\"n\":0}' AS BLOB) WHERE cid = ?1", [&output]).unwrap();
    let out = home.rdx(&with_fib(&["run", "--backend", "auto"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), plain, "the run gives the result");
    assert!(err.contains("the output of run 2 cannot be reused") && err.contains("is corrupt"), "{err}");
    let last = &home.log()[0];
    let reason = last["backend_reason"].as_str().unwrap_or("");
    assert!(reason.starts_with("plan (decision 3): "), "{last}");
    assert!(
        reason.contains("the output of run 2 could not be reused (blob") && reason.contains("is corrupt"),
        "{last}"
    );
    // Gone: the run says that instead.
    db(&home).execute("DELETE FROM blobs WHERE cid = ?1", [&output]).unwrap();
    let out = home.rdx(&with_fib(&["run", "--backend", "auto"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("cannot be reused: no blob") || err.contains("cannot be reused: blob"), "{err}");
}

#[test]
fn status_counts_the_write_ahead_log_in_the_ledger_s_size() {
    let home = TempHome::new("status-wal");
    home.ok(&with_fib(&["run"]));
    // A writer that keeps its changes in the WAL (no checkpoint) while `status` runs.
    let db = db(&home);
    db.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    db.execute("UPDATE records SET body = body WHERE id = 1", []).unwrap();
    let size = |name: &str| std::fs::metadata(home.0.join(name)).map_or(0, |m| m.len());
    let wal = size("ledger.sqlite-wal");
    assert!(wal > 0, "the test keeps pages in the WAL");
    let status = home.json(&["status", "--json"]);
    assert_eq!(status["ledger_bytes"].as_u64(), Some(size("ledger.sqlite") + wal), "{status}");
}

#[test]
fn plan_text_has_its_articles_and_plurals() {
    let home = TempHome::new("words");
    let sum = ["stdlib/sum.rdx", "--entry", "sum_to"];
    home.ok(&[&["run", "--backend", "interp", "--set", "n=10"][..], &sum].concat());
    // One counted input, a new one asked about: the bucket comes from `the one counted input`.
    let why = home.json(&[&["plan", "--json", "--set", "n=20"][..], &sum].concat())["why"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(why.contains("from the one counted input") && !why.contains("the the"), "{why}");
    assert!(why.contains("interp") && why.contains(" over 1 run,") && why.contains(" over 0 runs"), "{why}");
    let hint = home.ok(&[&["hint", "--set", "n=20"][..], &sum].concat());
    assert!(hint.contains(", 1 run)"), "{hint}");
}

/// Runs `rdx args…` in `home`, asserts it exits with `code` and gives its stderr.
fn fails(home: &TempHome, args: &[&str], code: i32) -> String {
    let out = home.rdx(args);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(code), "rdx {args:?}: {err}");
    err
}

/// `--no-plan` picks the static rule over the planner of `--backend auto`: with another backend
/// (given or the default) it is refused, not ignored.
#[test]
fn no_plan_needs_backend_auto() {
    let home = TempHome::new("no-plan-backend");
    for (flags, backend) in [
        (&["--backend", "jit", "--no-plan"][..], "jit"),
        (&["--backend", "interp", "--no-ce1"], "interp"),
        (&["--no-plan"], "interp"),
    ] {
        let err = fails(&home, &with_fib(&[&["run"][..], flags].concat()), 2);
        assert!(
            err.contains(&format!(
                "--no-plan chooses the static rule over the planner of --backend auto, but this run's \
                 backend is {backend}: drop --no-plan, or give --backend auto"
            )),
            "{flags:?}: {err}"
        );
    }
    assert_eq!(runs(&home), 0, "nothing ran");
    home.ok(&with_fib(&["run", "--backend", "auto", "--no-plan"]));
    assert_eq!(runs(&home), 1);
}

#[test]
fn a_peer_cannot_be_called_local() {
    let home = TempHome::new("peer-local");
    let err = fails(&home, &["peer", "add", "local", "http://127.0.0.1:7370"], 2);
    assert!(err.contains("`local` cannot be a peer's name"), "{err}");
    assert!(!home.0.join("peers.toml").exists() || home.ok(&["peer", "ls"]).is_empty());
    // Edited by hand: the planner's commands refuse the file rather than list `local` twice.
    home.ok(&with_fib(&["run", "--backend", "interp"]));
    home.file("peers.toml", "[[peer]]\nname = \"local\"\nurl = \"http://127.0.0.1:7370\"\n");
    let err = fails(&home, &with_fib(&["hint"]), 1);
    assert!(
        err.contains("peers.toml")
            && err.contains("`local` cannot be a peer's name")
            && err.contains("in the file"),
        "{err}"
    );
}

#[test]
fn a_peers_file_that_cannot_be_parsed_is_an_error_of_the_planner() {
    let home = TempHome::new("peers-garbage");
    home.ok(&with_fib(&["run", "--backend", "interp"]));
    home.file("peers.toml", "garbage = [\n");
    for command in [&["plan"][..], &["hint"], &["loop", "-n", "1"]] {
        let err = fails(&home, &with_fib(command), 1);
        assert!(err.contains("the peers file") && err.contains("peers.toml: line 1, column 12:"), "{err}");
        assert!(err.contains("unclosed array"), "{err}");
    }
    assert_eq!(runs(&home), 1, "loop ran nothing");
    // `run --backend auto` runs, by the static rule, as when the ledger cannot be read.
    let out = home.rdx(&with_fib(&["run", "--backend", "auto"]));
    let err = common::stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("warning: the planner could not be used: the peers file"), "{err}");
    let reason = home.log()[0]["backend_reason"].as_str().unwrap_or("").to_string();
    assert!(reason.starts_with("auto: the planner could not be used (the peers file"), "{reason}");
    // No file: no peers.
    std::fs::remove_file(home.0.join("peers.toml")).unwrap();
    assert_eq!(home.json(&with_fib(&["plan", "--json"]))["where"], "local");
}

#[test]
fn hint_backward_says_which_runs_it_looked_at() {
    let home = TempHome::new("hint-backward");
    let out = home.ok(&with_fib(&["run", "--backend", "interp", "--json"]));
    let output = home.file("o.json", out);
    let hint = home.ok(&["hint", "stdlib/fib.rdx", "--reverse", "--input", &output]);
    assert!(
        hint.contains("work bucket: unknown (no interpreter run of fib backward has counted its work)"),
        "{hint}"
    );
    assert!(hint.contains("cold start: no timed run of fib backward here yet"), "{hint}");
    // An arm without runs weighs 0, not -0.
    let json = home.ok(&["hint", "--json", "stdlib/fib.rdx", "--reverse", "--input", &output]);
    assert!(!json.contains("-0.0"), "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["arms"].as_array().unwrap().iter().all(|a| a["weight"] == 0.0), "{v}");
}

#[test]
fn status_agrees_with_hint_under_the_pooled_model() {
    let home = TempHome::new("status-pooled");
    let sum = ["stdlib/sum.rdx", "--entry", "sum_to"];
    // Two inputs of two buckets, timed alike (set here, so the test does not hang on the
    // clock): the MDL finds no reason to split them.
    for n in ["1", "100", "1", "100"] {
        home.ok(&[&["run", "--backend", "interp", "--set"][..], &[&format!("n={n}")], &sum].concat());
    }
    for (id, ns) in [(1, 30_000), (2, 30_000), (3, 31_000), (4, 31_000)] {
        let sql = "UPDATE records SET body = json_set(body, '$.wall_ns', ?2) WHERE id = ?1 AND kind = 'run'";
        assert_eq!(db(&home).execute(sql, [id, ns]).unwrap(), 1, "record {id} is a run");
    }
    let hint = home.json(&[&["hint", "--json", "--set", "n=100"][..], &sum].concat());
    assert_eq!(hint["model"], "pooled", "{hint}");
    let status = home.json(&["status", "--json"]);
    let bucket = &hint["bucket"]["log2_instructions"];
    let context = status["contexts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| &c["bucket"] == bucket)
        .unwrap_or_else(|| panic!("no context of bucket {bucket}: {status}"));
    for (s, h) in context["arms"].as_array().unwrap().iter().zip(hint["arms"].as_array().unwrap()) {
        for key in ["arm", "where", "runs", "predicted_ns", "p_fastest"] {
            assert_eq!(s[key], h[key], "{key}: status {context}, hint {hint}");
        }
    }
    assert_eq!(context["arms"][0]["runs"], 4, "the runs of every bucket: {context}");
}

#[test]
fn builds_are_counted_in_words_and_a_damaged_certificate_is_named() {
    let home = TempHome::new("build-words");
    let err = fails(&home, &["hint", "--build", "--set", "n=1"], 2);
    assert!(err.contains("cannot be used with"), "{err}");
    let h = rdx_core::Home::open(Some(&home.0)).expect("the home");
    let args: Vec<String> =
        ["--crate-name", "tiny", "--crate-type", "lib", "--out-dir", "/x/target/debug/deps", "src/lib.rs"]
            .map(String::from)
            .to_vec();
    let cert = rdx_core::build::BuildCert::of(&args, 2_000_000, Some(0), std::time::SystemTime::now())
        .expect("a certificate");
    let id = h.record_build(&cert, &args).expect("recorded");
    drop(h);
    let hint = home.ok(&["hint", "--build"]);
    assert!(hint.contains("profile debug: 1 crate, rustc time"), "{hint}");
    assert!(home.ok(&["status", "--build"]).starts_with("1 build certificate, 1 crate\n"));
    db(&home)
        .execute("UPDATE records SET body = json_set(body, '$.wall_ns', -1) WHERE id = ?1", [id as i64])
        .unwrap();
    for command in ["hint", "status"] {
        let err = fails(&home, &[command, "--build"], 1);
        assert!(err.contains(&format!("build certificate {id} cannot be read")), "{command}: {err}");
    }
}

#[test]
fn status_calls_an_unknown_bucket_unknown() {
    let home = TempHome::new("status-unknown");
    // The JIT counts no instructions: its run's context has no bucket.
    home.ok(&with_fib(&["run", "--backend", "jit"]));
    assert!(home.json(&["status", "--json"])["contexts"][0]["bucket"].is_null());
    let text = home.ok(&["status"]);
    let row = text.lines().find(|l| l.contains("fib")).unwrap_or_else(|| panic!("{text}"));
    assert_eq!(row.split_whitespace().nth(3), Some("unknown"), "{text}");
}
