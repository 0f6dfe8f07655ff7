//! The ledger's commands: `rdx log`, `rdx show ID`, `rdx replay RUN`, `rdx rewind RUN` and
//! `rdx ledger verify`.

use crate::frontend::fail;
use rdx_core::ledger::ALL_RUN_FIELDS;
use rdx_core::planner::{DECISION, Decision, human_ns};
use rdx_core::replay::{Rerun, Verdict};
use rdx_core::store::calls_float_kernel;
use rdx_core::{Cid, CoreError, Home};
use std::path::Path;
use std::process::ExitCode;

/// List recorded runs, newest first.
///
/// Columns: id, started (UTC), entry, direction, backend, program, input and output (state
/// CIDs, first 12 digits), wall_ns, outcome, parent (the run a replay or rewind repeats).
/// `rdx show ID` gives every field of one run.
#[derive(clap::Args)]
pub struct LogArgs {
    /// Show at most N runs.
    #[arg(short = 'n', value_name = "N")]
    limit: Option<usize>,
    /// Only runs of this program (a CID, or a unique prefix of a CID in the store).
    #[arg(long, value_name = "CID")]
    program: Option<String>,
    /// One JSON array of records, every field (see spec/ledger.md).
    #[arg(long)]
    json: bool,
    /// List the planner's decisions instead (`rdx run --backend auto`, `rdx loop`): id, when,
    /// who, how, the arm and where, reuse, confidence. `rdx show ID` gives every arm's
    /// posterior.
    #[arg(long)]
    decisions: bool,
}

/// Show every field of one recorded run (or of a record of another kind, such as a decision or
/// a probe).
#[derive(clap::Args)]
pub struct ShowArgs {
    /// The record's id (see `rdx log`, `rdx log --decisions`, `rdx probe`).
    #[arg(value_name = "ID")]
    run: String,
    /// One JSON object.
    #[arg(long)]
    json: bool,
}

/// Run a recorded run again and check that it gives the same output.
///
/// The same program, entry, direction, backend and input (from the store). Exit 0 when the
/// output is the recorded one (same CID), 1 naming the first parameter that differs. The
/// replay is recorded with the original as its parent.
#[derive(clap::Args)]
pub struct ReplayArgs {
    /// The run's id (see `rdx log`).
    #[arg(value_name = "RUN")]
    run: String,
    /// Print the replay's result as `rdx run` does.
    #[arg(long)]
    print: bool,
}

/// Run a recorded run the other way and check that it gives back the input.
///
/// It starts from the recorded output and history tape. Exit 0 when it gives back the recorded
/// input (same CID), 1 otherwise. Recorded with the original as its parent.
#[derive(clap::Args)]
pub struct RewindArgs {
    /// The run's id (see `rdx log`).
    #[arg(value_name = "RUN")]
    run: String,
    /// Print the rewind's result (the recovered input) as `rdx run` does.
    #[arg(long)]
    print: bool,
}

/// Check the ledger: `rdx ledger verify` walks its hash chain.
#[derive(clap::Args)]
pub struct LedgerArgs {
    #[command(subcommand)]
    command: LedgerCommand,
}

#[derive(clap::Subcommand)]
enum LedgerCommand {
    /// Walk the hash chain: exit 1 naming the first record altered, deleted or reordered.
    Verify,
}

fn open(home: Option<&Path>) -> Result<Home, ExitCode> {
    Home::open(home).map_err(fail)
}

/// A record's id (`rdx show`, `rdx probe --compare`), of any kind.
pub(crate) fn record_id(text: &str) -> Result<u64, CoreError> {
    text.trim().parse::<u64>().map_err(|_| {
        CoreError::Usage(format!(
            "`{text}` is not a record id: records are numbered 1, 2, 3, … (see `rdx log`)"
        ))
    })
}

pub fn log(args: LogArgs, home: Option<&Path>) -> ExitCode {
    let home = match open(home) {
        Ok(h) => h,
        Err(code) => return code,
    };
    if args.decisions {
        return decisions(&home, &args);
    }
    let program = match args.program.as_deref().map(|p| program_arg(&home, p)).transpose() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let runs = match home.runs(args.limit, program.as_ref()) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if let Some(cid) = &program
        && runs.is_empty()
        && let Err(e) = known_program(&home, cid)
    {
        return fail(e);
    }
    if args.json {
        println!("{}", serde_json::to_string(&runs).unwrap_or_else(|_| "[]".into()));
        return ExitCode::SUCCESS;
    }
    let short = |c: &str| c.chars().take(12).collect::<String>();
    let header = [
        "id",
        "started",
        "entry",
        "direction",
        "backend",
        "program",
        "input",
        "output",
        "wall_ns",
        "outcome",
        "parent",
    ];
    let rows: Vec<[String; 11]> = runs
        .iter()
        .map(|r| {
            let outcome = match &r.run.code {
                Some(code) => format!("{} {code}", r.run.outcome),
                None => r.run.outcome.clone(),
            };
            [
                r.id.to_string(),
                r.run.started.clone(),
                r.run.entry.clone(),
                r.run.direction.clone(),
                r.run.backend.clone(),
                short(&r.run.program),
                short(&r.run.input),
                r.run.output.as_deref().map_or("-".into(), short),
                r.run.wall_ns.to_string(),
                outcome,
                r.run.parent.map_or("-".into(), |p| p.to_string()),
            ]
        })
        .collect();
    print!("{}", table(&header, &rows));
    ExitCode::SUCCESS
}

/// The program `--program` names: a whole CID as it is, since runs still name a program whose
/// blob has left the store; a prefix is looked up in the store ([`Home::resolve`]).
fn program_arg(home: &Home, text: &str) -> Result<Cid, CoreError> {
    match Cid::parse(text) {
        Ok(cid) => Ok(cid),
        Err(_) => home.resolve(text),
    }
}

/// Ok if the store holds `cid` or a run names it as its program; else the error that says
/// neither knows it (a whole CID given to `--program` that names nothing).
fn known_program(home: &Home, cid: &Cid) -> Result<(), CoreError> {
    if home.has(cid)? || !home.runs(Some(1), Some(cid))?.is_empty() {
        return Ok(());
    }
    Err(CoreError::Usage(format!(
        "no blob {cid} in the store, and no run in the ledger names it as its program"
    )))
}

/// The longest cell a table's column is widened for: a longer one (a generated gene's name) is
/// printed whole and pushes the rest of its row right, so the other rows stay aligned and narrow.
const MAX_COLUMN: usize = 64;

/// Left-aligned columns two spaces apart (`rdx log`, `rdx log --decisions`, `rdx kernels`).
pub(crate) fn table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut width = header.map(|h| h.chars().count());
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            let n = c.chars().count();
            if n <= MAX_COLUMN {
                *w = (*w).max(n);
            }
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (c, w) in cells.iter().zip(width) {
            s.push_str(c);
            // Padded by hand: a width given to `format!` past 65 535 panics.
            s.extend(std::iter::repeat_n(' ', w.saturating_sub(c.chars().count()) + 2));
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for r in rows {
        line(r.iter().map(String::as_str).collect());
    }
    out
}

/// `rdx log --decisions`.
fn decisions(home: &Home, args: &LogArgs) -> ExitCode {
    let cid = match args.program.as_deref().map(|p| program_arg(home, p)).transpose() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let program = cid.map(|c| c.to_hex());
    let records = match home.records_of(DECISION, None) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let mut rows: Vec<(u64, Decision)> = Vec::new();
    for (id, body) in records {
        // A decision that does not read as one was damaged: named, as the planner names a run
        // record it cannot read, never left out.
        let d = match serde_json::from_value::<Decision>(body) {
            Ok(d) => d,
            Err(e) => {
                return fail(CoreError::Ledger {
                    path: home.ledger_path().to_path_buf(),
                    why: format!("decision {id} cannot be read: {e}"),
                });
            }
        };
        if program.as_ref().is_none_or(|p| &d.program == p) {
            rows.push((id, d));
        }
    }
    if let Some(cid) = &cid
        && rows.is_empty()
        && let Err(e) = known_program(home, cid)
    {
        return fail(e);
    }
    if let Some(n) = args.limit {
        rows.truncate(n);
    }
    if args.json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|(id, d)| {
                let mut v = serde_json::to_value(d).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("id".into(), (*id).into());
                }
                v
            })
            .collect();
        println!("{}", serde_json::to_string(&list).unwrap_or_else(|_| "[]".into()));
        return ExitCode::SUCCESS;
    }
    let short = |c: &str| c.chars().take(12).collect::<String>();
    let header = ["id", "started", "by", "how", "arm", "where", "reuse", "confidence", "program", "entry"];
    let table_rows: Vec<[String; 10]> = rows
        .iter()
        .map(|(id, d)| {
            [
                id.to_string(),
                d.started.clone(),
                d.by.clone(),
                d.how.clone(),
                d.backend.clone(),
                d.site.clone(),
                d.reuse.to_string(),
                format!("{:.2}", d.confidence),
                short(&d.program),
                d.entry.clone(),
            ]
        })
        .collect();
    print!("{}", table(&header, &table_rows));
    ExitCode::SUCCESS
}

/// The width of `rdx show`'s column of names: a run's longest field, `landauer_joules`; a
/// record of another kind widens it to its own longest field.
const SHOW_COLUMN: usize = 15;

/// `rdx show ID` of a record that is not a run: its kind, id, fields, prev and hash; a
/// decision's arms as a table.
fn show_other(
    id: u64,
    kind: &str,
    body: &serde_json::Value,
    links: (String, String),
    json: bool,
) -> ExitCode {
    let (prev, hash) = links;
    if json {
        let mut v = body.clone();
        if let Some(o) = v.as_object_mut() {
            o.insert("kind".into(), kind.into());
            o.insert("id".into(), id.into());
            o.insert("prev".into(), prev.into());
            o.insert("hash".into(), hash.into());
        }
        println!("{}", serde_json::to_string(&v).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    let empty = serde_json::Map::new();
    let fields: Vec<(&String, &serde_json::Value)> = body
        .as_object()
        .unwrap_or(&empty)
        .iter()
        .filter(|(k, _)| !(*k == "arms" && kind == DECISION))
        .collect();
    let width = fields.iter().map(|(k, _)| k.chars().count()).fold(SHOW_COLUMN, usize::max);
    println!("{:<width$}  {kind}", "kind");
    println!("{:<width$}  {id}", "id");
    for (k, v) in fields {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => "-".into(),
            other => other.to_string(),
        };
        println!("{k:<width$}  {text}");
    }
    println!("{:<width$}  {prev}", "prev");
    println!("{:<width$}  {hash}", "hash");
    if kind == DECISION
        && let Ok(d) = serde_json::from_value::<Decision>(body.clone())
    {
        let header =
            ["arm", "where", "runs", "predicted", "P(fastest)", "prior mu", "posterior mu,kappa,alpha,beta"];
        let rows: Vec<[String; 7]> = d
            .arms
            .iter()
            .map(|a| {
                let p = &a.posterior;
                [
                    a.arm.clone(),
                    a.site.clone(),
                    a.runs.to_string(),
                    human_ns(a.predicted_ns),
                    format!("{:.2}", a.p_fastest),
                    format!("{:.3}", a.prior.mu),
                    format!("{:.3}, {:.2}, {:.2}, {:.4}", p.mu, p.kappa, p.alpha, p.beta),
                ]
            })
            .collect();
        println!();
        print!("{}", table(&header, &rows));
    }
    ExitCode::SUCCESS
}

pub fn show(args: ShowArgs, home: Option<&Path>) -> ExitCode {
    let record = open(home).and_then(|h| {
        let id = record_id(&args.run).map_err(fail)?;
        match h.record_body(id) {
            Ok((kind, body)) if kind != rdx_core::ledger::RUN => {
                let links = h.record_links(id).map_err(fail)?;
                Err(show_other(id, &kind, &body, links, args.json))
            }
            Ok(_) => h.run_record(id).map_err(fail),
            // No record with this id (of any kind), or one that cannot be read.
            Err(e) => Err(fail(e)),
        }
    });
    let record = match record {
        Ok(r) => r,
        Err(code) => return code,
    };
    if args.json {
        println!("{}", serde_json::to_string(&record).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    // The fields as `--json` gives them, in the order of ALL_RUN_FIELDS: the two cannot differ.
    let json = serde_json::to_value(&record).unwrap_or_default();
    let Some(fields) = json.as_object() else { return ExitCode::SUCCESS };
    for key in ALL_RUN_FIELDS {
        let Some(value) = fields.get(key) else { continue };
        let text = match value {
            _ if key == "landauer_joules" => format!("{:e}", record.run.landauer_joules),
            serde_json::Value::Null => "-".into(),
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(items) if items.is_empty() => "-".into(),
            serde_json::Value::Array(items) => {
                let words: Vec<String> =
                    items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect();
                words.join(" ")
            }
            other => other.to_string(),
        };
        println!("{key:<SHOW_COLUMN$}  {text}");
    }
    ExitCode::SUCCESS
}

pub fn replay(args: ReplayArgs, home: Option<&Path>) -> ExitCode {
    rerun(&args.run, args.print, home, "replays", rdx_core::replay::replay)
}

pub fn rewind(args: RewindArgs, home: Option<&Path>) -> ExitCode {
    rerun(&args.run, args.print, home, "rewinds", rdx_core::replay::rewind)
}

fn rerun(
    run: &str,
    print: bool,
    home: Option<&Path>,
    verb: &str,
    how: fn(&Home, u64) -> Result<Rerun, CoreError>,
) -> ExitCode {
    let home = match open(home) {
        Ok(h) => h,
        Err(code) => return code,
    };
    let id = match super::store::run_id(run) {
        Ok(id) => id,
        Err(e) => return fail(e),
    };
    let r = match how(&home, id) {
        Ok(r) => r,
        Err(CoreError::NotFound { cid }) => return missing_blob(&home, id, &cid),
        Err(e) => return fail(e),
    };
    if print || r.outcome.exec.result.is_err() {
        let _ = super::run::print_outcome(&r.program, r.gene, &r.outcome, false);
    }
    let this = match (&r.record, &r.record_error) {
        (Some(rec), _) => format!("run {}", rec.id),
        (None, Some(e)) => {
            eprintln!("warning: this run was not recorded: {e}");
            "this run".to_string()
        }
        (None, None) => "this run".to_string(),
    };
    let wanted = if verb == "replays" { "output" } else { "input" };
    match &r.verdict {
        Verdict::Same => {
            let cid = if verb == "replays" {
                r.original.run.output.clone()
            } else {
                Some(r.original.run.input.clone())
            };
            match cid {
                Some(cid) => println!("{this} {verb} run {id}: the same {wanted}, {cid}"),
                None => println!("{this} {verb} run {id}: the same error"),
            }
            ExitCode::SUCCESS
        }
        Verdict::Differs { param, expected, got } => {
            eprintln!("error: {this} {verb} run {id} and differs: `{param}` was {expected}, is now {got}");
            if verb == "rewinds" && calls_float_kernel(&r.program.module) {
                eprintln!(
                    "  = help: the program calls a kernel on a float buffer (f64, c64), whose inverse gives \
                     the input back only up to rounding (-0.0 comes back as +0.0): such a run does not \
                     rewind bit for bit (spec/ledger.md §2.6)"
                );
            }
            ExitCode::from(1)
        }
        Verdict::Failed { expected, got } => {
            eprintln!("error: {this} {verb} run {id} and differs: it gave {got}, the record says {expected}");
            ExitCode::from(1)
        }
    }
}

/// A blob run `id` needs is not in the store: the home holds something wrong (exit 1, as a
/// corrupt blob), not the user's request. Names which of the run's blobs it is.
fn missing_blob(home: &Home, id: u64, cid: &str) -> ExitCode {
    let what = home.run_record(id).ok().and_then(|rec| {
        let r = rec.run;
        let named = [
            ("program", Some(r.program)),
            ("input", Some(r.input)),
            ("output", r.output),
            ("tape", r.tape),
            ("tape_in", r.tape_in),
            ("printed", r.printed),
        ];
        named
            .into_iter()
            .find(|(_, c)| c.as_deref() == Some(cid))
            .map(|(name, _)| name.to_string())
            .or_else(|| r.kernels.iter().any(|k| k == cid).then(|| "kernel".to_string()))
    });
    let short = &cid[..cid.len().min(12)];
    match what {
        Some(what) => eprintln!("error: run {id}'s {what} {short}… is not in the store"),
        None => eprintln!("error: run {id} needs blob {cid}, which is not in the store"),
    }
    ExitCode::from(1)
}

pub fn ledger(args: LedgerArgs, home: Option<&Path>) -> ExitCode {
    let home = match open(home) {
        Ok(h) => h,
        Err(code) => return code,
    };
    match args.command {
        LedgerCommand::Verify => match home.verify_ledger() {
            Ok(report) => match report.first_bad {
                None => {
                    println!("ok: {} records, the hash chain holds", report.records);
                    ExitCode::SUCCESS
                }
                Some((id, why)) => {
                    eprintln!("error: the hash chain breaks at record {id}: {why}");
                    ExitCode::from(1)
                }
            },
            Err(e) => fail(e),
        },
    }
}
