//! `rdx probe` through the command: commands, rdx runs and loads timed, summarised and
//! recorded as ledger records of kind `probe`; `--compare`; bad requests.

mod common;
use common::TempHome;

#[test]
fn probes_are_summarised_and_recorded() {
    let home = TempHome::new("record");
    let cmd = home.json_list(&["probe", "-n", "4", "--warmup", "0", "--json", "--", "true"]);
    assert_eq!(cmd.len(), 1);
    let p = &cmd[0];
    assert_eq!(
        (p["id"].as_u64(), p["what"].as_str(), p["target"].as_str()),
        (Some(1), Some("command"), Some("true"))
    );
    assert_eq!(p["n"], 4);
    let samples: Vec<u64> = p["samples_ns"].as_array().unwrap().iter().map(|s| s.as_u64().unwrap()).collect();
    assert_eq!(samples.len(), 4);
    let (min, max) = (*samples.iter().min().unwrap() as f64, *samples.iter().max().unwrap() as f64);
    assert_eq!((p["min_ns"].as_f64(), p["max_ns"].as_f64()), (Some(min), Some(max)));
    for key in [
        "median_ns",
        "mean_ns",
        "sd_ns",
        "p90_ns",
        "p99_ns",
        "outliers",
        "jitter_rfc3550_ns",
        "jitter_mean_delta_ns",
    ] {
        assert!(p.get(key).is_some(), "{key} missing");
    }
    // One probe per backend for an rdx run.
    let runs = home.json_list(&["probe", "stdlib/fib.rdx", "--set", "n=12", "-n", "3", "--json"]);
    assert_eq!(runs.len(), 2);
    assert!(runs[0]["target"].as_str().unwrap().ends_with("fib forward interp"));
    assert!(runs[1]["target"].as_str().unwrap().ends_with("fib forward jit"));
    assert_eq!((runs[0]["id"].as_u64(), runs[1]["id"].as_u64()), (Some(2), Some(3)));
    // Probes are chained like runs, and `rdx log` lists runs only.
    let verify = home.rdx(&["ledger", "verify"]);
    assert!(String::from_utf8_lossy(&verify.stdout).starts_with("ok: 3 records"));
    assert_eq!(home.json_list(&["log", "--json"]).len(), 0);
    let cmp = home.rdx(&["probe", "--compare", "2", "3"]);
    assert!(cmp.status.success());
    let text = String::from_utf8_lossy(&cmp.stdout);
    assert!(text.contains("probe 3 (run") && text.contains("95% interval"), "{text}");
}

#[test]
fn loads_report_bytes_and_throughput() {
    let home = TempHome::new("load");
    std::fs::create_dir_all(&home.0).unwrap();
    let file = home.0.join("blob.bin");
    std::fs::write(&file, vec![5u8; 100_000]).unwrap();
    let put = home.rdx(&["store", "put", file.to_str().unwrap()]);
    let cid = String::from_utf8_lossy(&put.stdout).split_whitespace().next().unwrap().to_string();
    let p = &home.json_list(&["probe", "--load", &cid[..10], "-n", "5", "--json"])[0];
    assert_eq!(
        (p["what"].as_str(), p["source"].as_str(), p["bytes"].as_u64()),
        (Some("load"), Some("local"), Some(100_000))
    );
    assert!(p["throughput_bps"].as_f64().is_some_and(|t| t > 0.0));
}

#[test]
fn bad_probes_are_clear_errors() {
    let home = TempHome::new("bad");
    for (args, needle) in [
        (&["probe"][..], "nothing to probe"),
        (&["probe", "-n", "0", "--", "true"], "-n must be at least 1"),
        (&["probe", "--", "false"], "failed"),
        (&["probe", "--", "/no/such/program"], "cannot start"),
        (&["probe", "--compare", "1", "2"], "no record 1"),
        (&["probe", "--load", "zz"], "is not a CID"),
        // A URL's scheme in any case is a URL (port 1 of loopback refuses the connection).
        (&["probe", "-n", "1", "HTTP://127.0.0.1:1/"], "no sample of url"),
    ] {
        let out = home.rdx(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(matches!(out.status.code(), Some(1 | 2)), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    home.rdx(&["run", "stdlib/fib.rdx", "--set", "n=3"]);
    let out = home.rdx(&["probe", "--compare", "1", "1"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a probe"));
}

#[test]
fn one_sample_gives_a_ratio_and_no_interval() {
    let home = TempHome::new("one");
    for n in ["1", "1", "2"] {
        home.ok(&["probe", "-n", n, "--warmup", "0", "--", "true"]);
    }
    let text = home.ok(&["probe", "--compare", "1", "2"]);
    assert!(text.contains("no interval: probe 1 has one sample; take more with -n"), "{text}");
    assert!(!text.contains("95% interval") && text.contains("no evidence of a clear difference"), "{text}");
    let text = home.ok(&["probe", "--compare", "3", "2"]);
    assert!(text.contains("no interval: probe 2 has one sample"), "{text}");
    let v = home.json(&["probe", "--compare", "1", "3", "--json"]);
    assert!(v["interval"].is_null() && v["ratio"].as_f64().is_some_and(|r| r > 0.0), "{v}");
    assert_eq!(
        (v["a"].as_u64(), v["b"].as_u64(), v["clear_difference"].as_bool()),
        (Some(1), Some(3), Some(false))
    );
    // Two samples a side: an interval.
    home.ok(&["probe", "-n", "2", "--warmup", "0", "--", "true"]);
    let v = home.json(&["probe", "--compare", "3", "4", "--json"]);
    assert!(v["interval"].as_array().is_some_and(|i| i.len() == 2) && v["no_interval"].is_null(), "{v}");
    // Singular and plural.
    let text = home.ok(&["probe", "-n", "1", "--", "true"]);
    assert!(text.contains("1 sample after 1 warm-up\n"), "{text}");
    let text = home.ok(&["probe", "-n", "2", "--warmup", "2", "--", "true"]);
    assert!(text.contains("2 samples after 2 warm-ups\n"), "{text}");
}

#[test]
fn a_measured_run_or_command_that_fails_exits_1() {
    let home = TempHome::new("fails");
    let bad = home.file("bad.rdx", "gene main(x: u64, y: u64) {\n    y += 10 / (x - 4)\n}\n");
    for (args, needle) in [
        (&["probe", "-n", "3", &bad, "--set", "x=4"][..], "division by zero"),
        (&["probe", "-n", "2", "--", "false"], "`false` failed"),
    ] {
        let out = home.rdx(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("error: no sample of") && err.contains(needle), "{args:?}: {err}");
    }
    // A command that cannot be started, an option out of range: usage errors.
    for args in [&["probe", "--", "/no/such/program"][..], &["probe", "-n", "0", &bad]] {
        assert_eq!(home.rdx(args).status.code(), Some(2), "{args:?}");
    }
}

/// `rdx ledger verify`'s count of records.
fn records(home: &TempHome) -> u64 {
    let text = home.ok(&["ledger", "verify"]);
    let count = text.strip_prefix("ok: ").and_then(|t| t.split_whitespace().next());
    count.and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{text}"))
}

#[test]
fn a_load_probe_is_one_record_and_none_with_no_ledger() {
    let home = TempHome::new("load-records");
    let file = home.file("blob.bin", "some bytes");
    let cid = home.ok(&["store", "put", &file]).split_whitespace().next().unwrap().to_string();
    let before = records(&home);
    // Its own timed loads are not noted as loads served.
    home.ok(&["probe", "--load", &cid, "-n", "5", "--no-ledger"]);
    assert_eq!(records(&home), before, "--no-ledger records nothing");
    home.ok(&["probe", "--load", &cid, "-n", "5"]);
    assert_eq!(records(&home), before + 1, "one probe record, not one per load");
    // A load outside a probe is still noted.
    home.ok(&["store", "get", &cid]);
    assert_eq!(records(&home), before + 2);
}

#[test]
fn warmups_are_bounded_as_samples_are() {
    let home = TempHome::new("warmup-bound");
    // `false` fails its first warm-up: without the bound, this test fails rather than hangs.
    for arg in ["1000001", "18446744073709551615"] {
        let out = home.rdx(&["probe", "--warmup", arg, "--", "false"]);
        let err = common::stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("--warmup {arg} is too many warm-ups: at most 1000000")), "{err}");
    }
}

#[test]
fn a_damaged_probe_record_exits_1_and_a_wrong_one_2() {
    let home = TempHome::new("damaged-probe");
    home.ok(&["probe", "-n", "2", "--warmup", "0", "--", "true"]);
    home.ok(&["probe", "-n", "2", "--warmup", "0", "--", "true"]);
    home.ok(&["run", "stdlib/fib.rdx", "--set", "n=3"]);
    let db = rusqlite::Connection::open(home.0.join("ledger.sqlite")).unwrap();
    let body: String = db.query_row("SELECT body FROM records WHERE id = 2", [], |r| r.get(0)).unwrap();
    let negative = body.replacen("\"samples_ns\":[", "\"samples_ns\":[-5,", 1);
    assert_ne!(negative, body);
    for (damaged, why) in [("{}".to_string(), "missing field `what`"), (negative, "invalid value")] {
        db.execute("UPDATE records SET body = ?1 WHERE id = 2", [&damaged]).unwrap();
        let out = home.rdx(&["probe", "--compare", "1", "2"]);
        let err = common::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "a damaged record is the home's problem: {err}");
        assert!(err.contains("record 2 is not a readable probe") && err.contains(why), "{err}");
    }
    // A record of another kind, or an id that is no number: the user's error.
    for (args, needle) in [
        (&["probe", "--compare", "1", "3"][..], "record 3 is a run record, not a probe"),
        (&["probe", "--compare", "1", "18446744073709551616"], "`18446744073709551616` is not a record id"),
    ] {
        let out = home.rdx(args);
        let err = common::stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

/// `--from NAME` times a load from a peer, so it needs `--load`: with a program, a URL, a
/// command or `--compare` it is refused before anything runs, not ignored (clap's `requires`
/// was dropped when the program or URL, in conflict with `--load`, was given).
#[test]
fn from_without_load_is_a_usage_error() {
    let home = TempHome::new("from-without-load");
    // Port 1 of loopback refuses the connection: the refusal has to come first.
    for args in [
        &["probe", "--from", "nosuch", "-n", "1", "--warmup", "0", "stdlib/fib.rdx"][..],
        &["probe", "--from", "nosuch", "-n", "1", "--warmup", "0", "http://127.0.0.1:1/health"],
        &["probe", "--from", "nosuch", "-n", "1", "--warmup", "0", "--", "true"],
        &["probe", "--from", "nosuch", "--compare", "1", "2"],
    ] {
        let out = home.rdx(args);
        let err = common::stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("--from NAME times a load from a peer: use it with --load CID"),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?}: nothing timed: {}", String::from_utf8_lossy(&out.stdout));
    }
    assert!(!home.0.join("ledger.sqlite").exists() || records(&home) == 0, "nothing recorded");
}
