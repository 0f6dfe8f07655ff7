//! Runs again from the ledger: `replay` runs a recorded run again (same program, entry,
//! direction, input, backend and kernels), `rewind` runs it the other way from its recorded
//! output and tape. Both are recorded with the original as their parent.
//!
//! An input that `rdx store gc --drop-recoverable` deleted is recovered on the way by rewinding
//! the run it was the input of: a lossless run's output determines its input.
//!
//! What a record says is not what the user asked: a field that does not fit its run (an entry
//! that is no gene, a CID of a blob that is no state or tape) is a problem in the home,
//! [`CoreError::Ledger`], naming the run and the field.

use crate::error::CoreError;
use crate::kernels::UserKernel;
use crate::ledger::RunRecord;
use crate::run::{self, Backend, LoadError, Outcome, Program, Request};
use crate::{Cid, Home, state};
use rdx_vm::Direction;

/// What a replay or rewind found.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// The state it had to give back (the recorded output, or for a rewind the recorded input).
    Same,
    /// It gave back another state; the first parameter that differs, with both values.
    Differs { param: String, expected: String, got: String },
    /// It failed, or failed differently from the recorded run.
    Failed { expected: String, got: String },
}

/// A replay or rewind, run and recorded.
pub struct Rerun {
    /// The recorded run it started from.
    pub original: RunRecord,
    pub program: Program,
    pub gene: usize,
    pub outcome: Outcome,
    /// Its own ledger record (None when recording failed: `record_error` says why).
    pub record: Option<RunRecord>,
    pub record_error: Option<CoreError>,
    pub verdict: Verdict,
}

/// Runs recorded run `id` again and compares its output with the recorded one.
pub fn replay(home: &Home, id: u64) -> Result<Rerun, CoreError> {
    let original = home.run_record(id)?;
    let (program, gene, kernels) = reload(home, &original)?;
    let input = recorded_input(home, &original, &program, gene, &kernels)?;
    let r = &original.run;
    let args =
        state::decode(&program.module, gene, &input).map_err(blame(home, &original, "input", &r.input))?;
    let dir =
        run::parse_direction(&r.direction).map_err(blame(home, &original, "direction", &r.direction))?;
    // The tape the run started from, as far as it used it (a rewind's, a backward run's).
    let tape = match &original.run.tape_in {
        Some(t) => recorded_tape(home, &original, "tape_in", t)?,
        None => Vec::new(),
    };
    let outcome = rerun(&program, gene, args, dir, &original, &kernels, tape)?;
    let verdict = match (&original.run.output, &outcome.output) {
        (Some(want), Some(got)) => compare(home, &original, "output", &program, gene, want, got)?,
        (None, None) => same_failure(&original, &outcome),
        (Some(_), None) => Verdict::Failed { expected: "ok".into(), got: failure(&outcome) },
        (None, Some(_)) => Verdict::Failed { expected: recorded_failure(&original), got: "ok".into() },
    };
    finish(home, original, program, gene, kernels, outcome, verdict)
}

/// Runs recorded run `id` the other way from its recorded output and tape, and compares what
/// it gives back with the recorded input.
pub fn rewind(home: &Home, id: u64) -> Result<Rerun, CoreError> {
    let original = home.run_record(id)?;
    let (program, gene, kernels) = reload(home, &original)?;
    let (outcome, _) = rewind_record(home, &original, &program, gene, &kernels)?;
    let verdict = match &outcome.output {
        Some(got) => compare(home, &original, "input", &program, gene, &original.run.input, got)?,
        None => Verdict::Failed { expected: "ok".into(), got: failure(&outcome) },
    };
    finish(home, original, program, gene, kernels, outcome, verdict)
}

/// Loads a recorded run's program, entry gene and user kernels from the store.
fn reload(home: &Home, rec: &RunRecord) -> Result<(Program, usize, Vec<UserKernel>), CoreError> {
    let strict = rec.run.flags.iter().any(|f| f == "--strict");
    let program = Cid::parse(&rec.run.program)
        .and_then(|cid| {
            Program::from_store(home, &cid, strict).map_err(|e| match e {
                LoadError::Core(e) => e,
                LoadError::Compile { name, .. } => CoreError::Usage(format!("{name} does not compile")),
            })
        })
        .map_err(blame(home, rec, "program", &rec.run.program))?;
    let gene = program.entry(Some(&rec.run.entry)).map_err(blame(home, rec, "entry", &rec.run.entry))?;
    let kernels = rec
        .run
        .kernels
        .iter()
        .map(|c| {
            let bytes =
                Cid::parse(c).and_then(|cid| home.get(&cid)).map_err(blame(home, rec, "kernel", c))?;
            Ok(UserKernel { label: c.clone(), bytes })
        })
        .collect::<Result<Vec<_>, CoreError>>()?;
    Ok((program, gene, kernels))
}

/// The error of a value that run `rec` recorded in `field` (or of the blob it names) and that
/// cannot be used: the record's fault, not the request's, so a problem in the home
/// ([`CoreError::Ledger`], exit 1) that names the run and the field. Errors that already say
/// the home is at fault (I/O, a corrupt or missing blob) pass unchanged.
fn blame<'a>(
    home: &'a Home,
    rec: &'a RunRecord,
    field: &'a str,
    value: &'a str,
) -> impl Fn(CoreError) -> CoreError + 'a {
    move |e| match e {
        CoreError::Usage(_) | CoreError::BadCid { .. } => CoreError::Ledger {
            path: home.ledger_path().to_path_buf(),
            why: format!(
                "run {}'s {field} `{value}` does not fit the run: {e}; was the record or the store \
                 changed on disk? (`rdx ledger verify` and `rdx store verify` check them)",
                rec.id
            ),
        },
        other => other,
    }
}

/// The history tape that run `rec` recorded in `field` (`tape` or `tape_in`), from the store.
fn recorded_tape(
    home: &Home,
    rec: &RunRecord,
    field: &str,
    cid: &str,
) -> Result<Vec<rdx_vm::engine::TapeEntry>, CoreError> {
    Cid::parse(cid)
        .and_then(|c| home.get(&c))
        .and_then(|bytes| state::decode_tape(&bytes))
        .map_err(blame(home, rec, field, cid))
}

/// Runs `rec` the other way from its recorded output and tape.
fn rewind_record(
    home: &Home,
    rec: &RunRecord,
    program: &Program,
    gene: usize,
    kernels: &[UserKernel],
) -> Result<(Outcome, Direction), CoreError> {
    let Some(output) = &rec.run.output else {
        return Err(CoreError::Usage(format!(
            "run {} failed ({}), so it has no output to rewind from",
            rec.id,
            recorded_failure(rec)
        )));
    };
    let args = Cid::parse(output)
        .and_then(|c| home.get(&c))
        .and_then(|start| state::decode(&program.module, gene, &start))
        .map_err(blame(home, rec, "output", output))?;
    let tape = match &rec.run.tape {
        Some(t) => recorded_tape(home, rec, "tape", t)?,
        None => Vec::new(),
    };
    let dir = run::parse_direction(&rec.run.direction).map_err(blame(
        home,
        rec,
        "direction",
        &rec.run.direction,
    ))?;
    let dir = match dir {
        Direction::Forward => Direction::Backward,
        Direction::Backward => Direction::Forward,
    };
    Ok((rerun(program, gene, args, dir, rec, kernels, tape)?, dir))
}

/// The recorded input state's bytes: from the store, or recovered as [`get_or_recover`] does
/// when gc dropped it.
fn recorded_input(
    home: &Home,
    rec: &RunRecord,
    program: &Program,
    gene: usize,
    kernels: &[UserKernel],
) -> Result<Vec<u8>, CoreError> {
    let cid = Cid::parse(&rec.run.input).map_err(blame(home, rec, "input", &rec.run.input))?;
    match home.get(&cid) {
        Err(CoreError::Dropped { .. } | CoreError::NotFound { .. }) if rec.run.is_lossless() => {
            recover(home, &cid, rec, program, gene, kernels)
        }
        other => other,
    }
}

/// A blob from the store; a state that `rdx store gc --drop-recoverable` deleted is recovered
/// by rewinding the lossless run it was the input of (checked against its CID, and put back).
pub fn get_or_recover(home: &Home, cid: &Cid) -> Result<Vec<u8>, CoreError> {
    match home.get(cid) {
        Err(CoreError::Dropped { run, .. }) => {
            let rec = home.run_record(run)?;
            let (program, gene, kernels) = reload(home, &rec)?;
            recover(home, cid, &rec, &program, gene, &kernels)
        }
        other => other,
    }
}

/// The blob a user names (a CID or unique prefix), recovered as [`get_or_recover`] does when
/// gc dropped it.
pub fn fetch(home: &Home, text: &str) -> Result<(Cid, Vec<u8>), CoreError> {
    let cid = match home.resolve(text) {
        Ok(c) => c,
        Err(CoreError::Dropped { cid, .. }) => Cid::parse(&cid)?,
        Err(e) => return Err(e),
    };
    Ok((cid, get_or_recover(home, &cid)?))
}

/// Recovers the input `cid` of the lossless run `rec` by rewinding it from its output.
fn recover(
    home: &Home,
    cid: &Cid,
    rec: &RunRecord,
    program: &Program,
    gene: usize,
    kernels: &[UserKernel],
) -> Result<Vec<u8>, CoreError> {
    let (outcome, _) = rewind_record(home, rec, program, gene, kernels)?;
    match outcome.output {
        Some(bytes) if Cid::of(&bytes) == *cid => {
            home.put(&bytes)?;
            Ok(bytes)
        }
        // The home's fault, not the user's: its `dropped` row or the run's record is wrong.
        _ => Err(CoreError::Ledger {
            path: home.ledger_path().to_path_buf(),
            why: format!("blob {cid} is not in the store, and rewinding run {} did not give it back", rec.id),
        }),
    }
}

fn rerun(
    program: &Program,
    gene: usize,
    args: Vec<rdx_vm::Value>,
    dir: Direction,
    rec: &RunRecord,
    kernels: &[UserKernel],
    tape: Vec<rdx_vm::engine::TapeEntry>,
) -> Result<Outcome, CoreError> {
    let backend = if rec.run.backend == "jit" { Backend::Jit } else { Backend::Interp };
    run::run(Request {
        program,
        gene,
        args,
        dir,
        backend,
        kernels,
        checked: rec.run.flags.iter().any(|f| f == "--checked"),
        tape,
        flags: rec.run.rerun_flags(),
        parent: Some(rec.id),
        states: true,
        max_steps: None,
    })
}

fn finish(
    home: &Home,
    original: RunRecord,
    program: Program,
    gene: usize,
    kernels: Vec<UserKernel>,
    outcome: Outcome,
    verdict: Verdict,
) -> Result<Rerun, CoreError> {
    let flags = original.run.rerun_flags();
    let facts = outcome.facts(&program, gene, &kernels, &flags, Some(original.id));
    let (record, record_error) = match run::record(home, &facts, &outcome.exec) {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e)),
    };
    Ok(Rerun { original, program, gene, outcome, record, record_error, verdict })
}

/// Compares the state stored as `want` (what `rec` recorded in `field`) with `got`, naming the
/// first parameter that differs.
fn compare(
    home: &Home,
    rec: &RunRecord,
    field: &str,
    program: &Program,
    gene: usize,
    want: &str,
    got: &[u8],
) -> Result<Verdict, CoreError> {
    if Cid::of(got).to_hex() == want {
        return Ok(Verdict::Same);
    }
    let params = &program.module.genes[gene].params;
    let got_values = state::decode(&program.module, gene, got)?;
    let want_values = match Cid::parse(want).and_then(|c| home.get(&c)) {
        Ok(bytes) => state::decode(&program.module, gene, &bytes).map_err(blame(home, rec, field, want))?,
        Err(CoreError::NotFound { .. }) => {
            return Ok(Verdict::Differs {
                param: "(the whole state)".into(),
                expected: format!("the state {want} (no longer in the store)"),
                got: String::from_utf8_lossy(got).into_owned(),
            });
        }
        Err(e) => return Err(blame(home, rec, field, want)(e)),
    };
    let show = |i: usize, v: &rdx_vm::Value| {
        rdx_vm::values::format_typed(v, params[i].ty, program.module.dialect, false)
    };
    for (i, (w, g)) in want_values.iter().zip(&got_values).enumerate() {
        if w != g {
            return Ok(Verdict::Differs {
                param: params[i].name.clone(),
                expected: show(i, w),
                got: show(i, g),
            });
        }
    }
    // Equal values with other bytes: only possible for floats (e.g. NaN payloads).
    Ok(Verdict::Differs {
        param: "(encoding)".into(),
        expected: want.to_string(),
        got: Cid::of(got).to_hex(),
    })
}

fn same_failure(rec: &RunRecord, outcome: &Outcome) -> Verdict {
    let (want, got) = (recorded_failure(rec), failure(outcome));
    if want == got { Verdict::Same } else { Verdict::Failed { expected: want, got } }
}

fn recorded_failure(rec: &RunRecord) -> String {
    format!("error[{}]: {}", rec.run.code.as_deref().unwrap_or("?"), rec.run.message.as_deref().unwrap_or(""))
}

fn failure(outcome: &Outcome) -> String {
    match &outcome.exec.result {
        Ok(_) => "ok".into(),
        Err(e) => {
            let d = e.to_diagnostic();
            format!("error[{}]: {}", d.code, d.message)
        }
    }
}
