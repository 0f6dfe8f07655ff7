//! `rdx perm`: the permutation of a gene over fixed-width state, checked against an
//! independent computation of the same function, with partial and lossy genes and refusals.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rdx-cli-perm-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

fn rdx(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rdx")).arg("--home").arg(home).args(args).output().expect("rdx runs")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.display().to_string()
}

/// The Speck-like round of `stdlib/speck32.rdx`'s `speck_round8`, written again in Rust.
fn speck_round8(x: u8, y: u8) -> (u8, u8) {
    let x = x.rotate_right(3).wrapping_add(y) ^ 0x4d;
    let y = y.rotate_left(2) ^ x;
    (x, y)
}

fn cycle_type(table: &[u32]) -> BTreeMap<u64, u64> {
    let mut seen = vec![false; table.len()];
    let mut out = BTreeMap::new();
    for s in 0..table.len() {
        let (mut n, mut t) = (0, s);
        while !seen[t] {
            seen[t] = true;
            t = table[t] as usize;
            n += 1;
        }
        if n > 0 {
            *out.entry(n).or_insert(0u64) += 1;
        }
    }
    out
}

#[test]
fn speck_round8_table_cycles_and_cid_match_an_independent_computation() {
    let home = scratch("speck");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib/speck32.rdx").display().to_string();
    let o = rdx(&home, &["perm", &file, "--entry", "speck_round8", "--json", "--table"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    // State x + 256·y (first parameter lowest).
    let want: Vec<u32> = (0..65536u32)
        .map(|s| {
            let (x, y) = speck_round8(s as u8, (s >> 8) as u8);
            u32::from(x) | u32::from(y) << 8
        })
        .collect();
    let table: Vec<u32> =
        v["table"].as_array().expect("table").iter().map(|x| x.as_u64().unwrap() as u32).collect();
    assert_eq!(table, want);
    assert_eq!(v["states"], 65536);
    assert_eq!(v["bijective"], true);
    let ct = cycle_type(&want);
    let got: BTreeMap<u64, u64> = v["cycle_type"]
        .as_object()
        .expect("cycle_type")
        .iter()
        .map(|(k, c)| (k.parse().unwrap(), c.as_u64().unwrap()))
        .collect();
    assert_eq!(got, ct);
    assert_eq!(v["fixed_points"].as_u64(), Some(ct.get(&1).copied().unwrap_or(0)));
    // The order is printed as a bare JSON integer even past 2^64: check it divides by every
    // cycle length and that the text is all digits.
    let text = String::from_utf8_lossy(&o.stdout);
    let order = text.split("\"order\": ").nth(1).unwrap().split(',').next().unwrap().to_string();
    assert!(order.chars().all(|c| c.is_ascii_digit()), "{order}");
    for len in ct.keys() {
        let r = order.bytes().fold(0u64, |r, d| (r * 10 + u64::from(d - b'0')) % len);
        assert_eq!(r, 0, "order {order} is not a multiple of {len}");
    }
    // The table is in the store under its CID: 4 bytes per state, little-endian.
    let cid = v["cid"].as_str().expect("cid");
    let bytes: Vec<u8> = want.iter().flat_map(|x| x.to_le_bytes()).collect();
    assert_eq!(cid, rdx_core::Cid::of(&bytes).to_string());
    let got = rdx(&home, &["store", "get", cid]);
    assert_eq!(got.status.code(), Some(0), "{}", String::from_utf8_lossy(&got.stderr));
    assert_eq!(got.stdout, bytes);
}

#[test]
fn signed_widths_and_text_report() {
    let dir = scratch("signed");
    // neg on an i8: −x mod 256 has fixed points 0 and −128, every other state in a 2-cycle.
    let f = write(&dir, "neg.rdx", "gene g(x: i8) { neg x }\n");
    let o = rdx(&dir, &["perm", &f, "--no-store"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("cycle type: 1×2 2×127"), "{out}");
    assert!(out.contains("order: 2\n"), "{out}");
    assert!(out.contains("fixed points: 2\n"), "{out}");
}

#[test]
fn partial_and_lossy_genes_and_refusals() {
    let dir = scratch("partial");
    let f = write(&dir, "p.rdx", "gene g(x: u8, y: u8) {\n    assert x != 7\n    y += x\n}\n");
    let o = rdx(&dir, &["perm", &f, "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["bijective"], false);
    assert_eq!(v["partial"]["state"], 7);
    assert_eq!(v["partial"]["values"]["x"], 7);
    assert!(String::from_utf8_lossy(&o.stderr).contains("assert"), "{}", String::from_utf8_lossy(&o.stderr));
    // `rdx circuit` of a partial gene warns (its circuit matches it only where it runs); of a
    // total one it does not.
    let f = write(
        &dir,
        "fi.rdx",
        "gene g(x: u8, y: u8) {\n    if x < y {\n        x <<<= 3\n    } else {\n        y += 1\n    } fi x < y\n}\n",
    );
    let o = rdx(&dir, &["circuit", &f]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: gene `g` is partial: it fails from state 0 {\"x\":0,\"y\":0} (fi assertion"),
        "{err}"
    );
    let total = write(&dir, "total.rdx", "gene g(x: u8, y: u8) {\n    y += x\n}\n");
    let o = rdx(&dir, &["circuit", &total]);
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("warning"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // A gene that calls a kernel (here through another gene) is refused for what it is, not
    // reported partial ("no kernel host"); its circuit is refused for the array it needs.
    let f = write(
        &dir,
        "kernel.rdx",
        "gene g(a: u8) {\n    local b: u64[2] = 0\n    call h(b)\n    delocal b = 0\n}\ngene h(b: u64[2]) {\n    kernel gray(b)\n}\n",
    );
    let o = rdx(&dir, &["perm", &f, "--entry", "g"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("gene `g` calls the kernel `gray`"), "{err}");
    let o = rdx(&dir, &["circuit", &f, "--entry", "g"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("a `u64[2]` local has no circuit: arrays and stacks have none"), "{err}");

    let f = write(&dir, "lossy.rdx", "gene g(x: u8, y: u8) {\n    erase y\n}\n");
    let o = rdx(&dir, &["perm", &f]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("bijective: no"));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("both go to state 0"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // The first collision names the one earlier state with the same image: x² mod 11 takes
    // 0, 1, 4, 9, 5, 3 at 0..=5, and 3 again at 6.
    let f = write(&dir, "mod.rdx", "gene g(x: u8) {\n    x := x * x % 11\n}\n");
    let o = rdx(&dir, &["perm", &f, "--no-store"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("states 5 ") && err.contains(" and 6 ") && err.contains("both go to state 3"),
        "{err}"
    );

    let f = write(&dir, "big.rdx", "gene g(x: u16, y: u16) { x += y }\n");
    let o = rdx(&dir, &["perm", &f]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("32 bits of state"));
    let f = write(&dir, "word.rdx", "gene g(x: u64) { x += 1 }\n");
    let o = rdx(&dir, &["perm", &f]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("fixed-width"));
}

/// The table is kept in the home's store: a home that cannot be opened (a plain file) is an
/// error, not a table silently left unstored; with `--no-store` no home is needed.
#[test]
fn a_home_that_cannot_be_opened_is_an_error_unless_nothing_is_stored() {
    let dir = scratch("home");
    let f = write(&dir, "neg.rdx", "gene g(x: u8) { neg x }\n");
    let home = dir.join("home-is-a-file");
    std::fs::write(&home, b"not a directory").expect("write");
    let o = rdx(&home, &["perm", &f]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(matches!(o.status.code(), Some(1 | 2)), "{err}");
    assert!(err.contains("error"), "{err}");
    assert!(o.stdout.is_empty(), "no table printed as if stored: {}", String::from_utf8_lossy(&o.stdout));
    let o = rdx(&home, &["perm", &f, "--no-store"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Each state's run has a step budget (`--max-steps`, by default 10000000 instructions): a
/// gene that never stops from some state stops the sweep with that state named, rather than
/// running forever. The budget is per state, and needs the interpreter (the JIT counts no
/// instructions).
#[test]
fn a_state_past_the_step_budget_stops_the_sweep_and_is_named() {
    let dir = scratch("steps");
    // From x = 0 (2⁶³ rounds before i comes back to 0) and from an odd x it never stops.
    let inf = write(
        &dir,
        "inf.rdx",
        "gene g(x: u8) {\n    local i: u64 = 0\n    from i == 0 do {\n        i += 2\n    } until i == x\n    delocal i = x\n}\n",
    );
    let o = rdx(&dir, &["perm", &inf, "--no-store", "--max-steps", "1000"]);
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(
        out.contains("gene `g` did not finish from state 0 {\"x\":0} within 1000 instructions (--max-steps)"),
        "{out}"
    );
    assert!(err.contains("R0117") && err.contains("more than 1000 instructions"), "{err}");
    let o = rdx(&dir, &["perm", &inf, "--no-store"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let default = rdx_core::perm::DEFAULT_MAX_STEPS;
    assert!(out.contains(&format!("within {default} instructions")), "{out}");
    // The help says the default the code uses.
    let help = String::from_utf8_lossy(&rdx(&dir, &["perm", "--help"]).stdout).to_string();
    assert!(help.contains(&format!("--max-steps instructions (default {default})")), "{help}");
    assert!(help.contains(&format!("may execute (from 1; default {default})")), "{help}");
    let o = rdx(&dir, &["perm", &inf, "--no-store", "--json", "--max-steps", "1000"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["partial"]["state"], 0);
    assert_eq!(v["partial"]["code"], "R0117");
    assert!(v["partial"]["error"].as_str().unwrap().contains("more than 1000 instructions"), "{v}");
    // `auto` keeps the budget (it runs on the interpreter).
    let o = rdx(&dir, &["perm", &inf, "--no-store", "--backend", "auto", "--max-steps", "1000"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("did not finish from state 0"));

    // The budget is per state: 256 runs of about a thousand instructions each pass 5000.
    let slow = write(
        &dir,
        "slow.rdx",
        "gene g(x: u8) {\n    local i: u8 = 0\n    from i == 0 do {\n        i += 1\n        x += 1\n    } until i == 200\n    delocal i = 200\n}\n",
    );
    let o = rdx(&dir, &["perm", &slow, "--no-store", "--max-steps", "5000"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let o = rdx(&dir, &["perm", &slow, "--no-store", "--max-steps", "100"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("did not finish from state 0 {\"x\":0} within 100"));

    // The JIT counts no instructions: it runs with no budget, and refuses one asked for.
    let o = rdx(&dir, &["perm", &slow, "--no-store", "--backend", "jit"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let o = rdx(&dir, &["perm", &inf, "--no-store", "--backend", "jit", "--max-steps", "1000"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("the JIT counts no instructions, so it cannot keep --max-steps"), "{err}");
}

/// The budget is checked when a loop goes around and at calls, so code with neither (Speck's
/// round) finishes with any budget, and a budget of 0, which would refuse every loop's first
/// turn and every call, is refused.
#[test]
fn the_step_budget_is_checked_at_loops_and_calls_and_starts_at_1() {
    let dir = scratch("steps-from-1");
    let speck = Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib/speck32.rdx").display().to_string();
    let o = rdx(&dir, &["perm", &speck, "--entry", "speck_round8", "--no-store", "--max-steps", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let o = rdx(&dir, &["perm", &speck, "--entry", "speck_round8", "--no-store", "--max-steps", "0"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("invalid value '0' for '--max-steps <N>'"), "{err}");
    assert!(o.stdout.is_empty(), "no sweep: {}", String::from_utf8_lossy(&o.stdout));
}

/// `--json` prints every field of spec/circuits.md §2 whatever the gene: `order`,
/// `fixed_points` null and `cycle_type` empty unless it is a bijection, `cid` and `table` null
/// for a partial gene, `partial` and `collision` null unless it is partial or lossy.
#[test]
fn json_has_every_field_for_bijective_partial_and_lossy_genes() {
    let dir = scratch("json");
    let fields = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    let mut want: Vec<String> = [
        "states",
        "bits",
        "bijective",
        "order",
        "fixed_points",
        "cycle_type",
        "cid",
        "partial",
        "collision",
        "table",
    ]
    .map(String::from)
    .to_vec();
    want.sort();
    let run = |name: &str, src: &str, code: i32| -> serde_json::Value {
        let f = write(&dir, name, src);
        let o = rdx(&dir, &["perm", &f, "--json", "--table", "--no-store"]);
        assert_eq!(o.status.code(), Some(code), "{name}: {}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).expect("JSON")
    };

    let v = run("bij.rdx", "gene g(x: u8, y: u8) {\n    y += x\n}\n", 0);
    assert_eq!(fields(&v), want, "{v}");
    assert_eq!(
        (v["states"].as_u64(), v["bits"].as_u64(), v["bijective"].as_bool()),
        (Some(65536), Some(16), Some(true))
    );
    assert!(v["order"].is_u64() && v["fixed_points"].is_u64() && v["cid"].is_string(), "{v}");
    assert!(v["partial"].is_null() && v["collision"].is_null(), "{v}");
    assert_eq!(v["table"].as_array().map(Vec::len), Some(65536));

    let v = run("partial.rdx", "gene g(x: u8, y: u8) {\n    assert x != 7\n    y += x\n}\n", 1);
    assert_eq!(fields(&v), want, "{v}");
    assert_eq!(
        (v["states"].as_u64(), v["bits"].as_u64(), v["bijective"].as_bool()),
        (Some(65536), Some(16), Some(false))
    );
    assert!(v["order"].is_null() && v["fixed_points"].is_null() && v["cid"].is_null(), "{v}");
    assert_eq!(v["cycle_type"], serde_json::json!({}));
    assert!(v["table"].is_null() && v["collision"].is_null(), "{v}");
    assert_eq!(v["partial"]["state"], 7);
    assert_eq!(v["partial"]["values"], serde_json::json!({"x": 7, "y": 0}));
    assert_eq!(v["partial"]["code"], "R0101");
    assert!(v["partial"]["error"].is_string(), "{v}");

    let v = run("lossy.rdx", "gene g(x: u8, y: u8) {\n    erase y\n}\n", 1);
    assert_eq!(fields(&v), want, "{v}");
    assert_eq!((v["bits"].as_u64(), v["bijective"].as_bool()), (Some(16), Some(false)));
    assert!(v["order"].is_null() && v["fixed_points"].is_null() && v["partial"].is_null(), "{v}");
    assert_eq!(v["cycle_type"], serde_json::json!({}));
    assert!(v["cid"].is_string(), "{v}");
    assert_eq!(v["collision"], serde_json::json!({"states": [0, 256], "image": 0}));
    assert_eq!(v["table"].as_array().map(Vec::len), Some(65536));

    // Without --table there is no `table` field; the others are all there.
    let f = write(&dir, "p2.rdx", "gene g(x: u8) {\n    assert x != 3\n}\n");
    let o = rdx(&dir, &["perm", &f, "--json", "--no-store"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let no_table: Vec<String> = want.iter().filter(|k| *k != "table").cloned().collect();
    assert_eq!(fields(&v), no_table, "{v}");
}

/// A Janus program's state is its variables: `main` takes the globals and `main`'s own, and
/// they are 64-bit `int`s, which have no permutation; the error says variable, not parameter.
#[test]
fn janus_state_is_named_as_variables() {
    let dir = scratch("janus");
    let f = write(
        &dir,
        "j.ja",
        "procedure f(int x, int y)\n    x += y\nprocedure main()\n    int a\n    int b\n    call f(a, b)\n",
    );
    let o = rdx(&dir, &["perm", &f, "--no-store"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("procedure `main`: variable `a` is `int` (64 bits)"), "{err}");
    assert!(!err.contains("parameter"), "{err}");
    let o = rdx(&dir, &["circuit", &f]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("variable `a` is `int` (64 bits)") && !err.contains("parameter"), "{err}");
}
