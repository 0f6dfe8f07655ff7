//! Remote runs: `POST /runs` runs a stored program on a stored state under an instruction and
//! a time budget, records the run in the server's ledger and answers with the record and the
//! output state; [`record_locally`] records that same run in the caller's home.

use crate::error::NetError;
use crate::peers::{Peer, Peers};
use crate::server::{Shared, json, text_resp};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use rdx_core::ledger::RunRecord;
use rdx_core::run::{Backend, Outcome, Program};
use rdx_core::{Cid, CoreError, Home, state};
use rdx_vm::{Interpreter, Limits};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// What a remote run may spend.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Instructions the interpreter may execute (`Limits::max_steps`).
    pub max_steps: u64,
    /// Wall-clock time before the server answers 503. The run itself stops at `max_steps`.
    pub wall: Duration,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget { max_steps: 1_000_000_000, wall: Duration::from_secs(60) }
    }
}

/// The body of `POST /runs`: CIDs of a module and of an input state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRequest {
    pub program: String,
    /// The gene to run (default: `main`, else the only gene).
    #[serde(default)]
    pub entry: Option<String>,
    /// `forward` or `backward`.
    pub direction: String,
    pub input: String,
}

/// The answer of `POST /runs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReply {
    /// The run as the server recorded it.
    pub record: RunRecord,
    /// The output state's JSON text (its bytes are the output blob); none when the run failed.
    pub output: Option<String>,
    /// What the run printed.
    pub printed: String,
}

/// `POST /runs`.
pub(crate) async fn post_run(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let req: RunRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return text_resp(StatusCode::BAD_REQUEST, &format!("not a run request: {e}")),
    };
    let root = shared.config.home.clone();
    let budget = shared.config.budget;
    let job = tokio::task::spawn_blocking(move || {
        rdx_core::run::on_big_stack(move || run_here(&root, &req, budget)).unwrap_or_else(|| {
            Err((StatusCode::INTERNAL_SERVER_ERROR, "internal error: the run panicked".to_string()))
        })
    });
    match tokio::time::timeout(budget.wall, job).await {
        Err(_) => text_resp(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("the run exceeded the time budget of {} ms", budget.wall.as_millis()),
        ),
        Ok(Err(_)) => text_resp(StatusCode::INTERNAL_SERVER_ERROR, "internal error: a worker failed"),
        Ok(Ok(Err((status, msg)))) => text_resp(status, &msg),
        Ok(Ok(Ok(reply))) => match serde_json::to_string(&reply) {
            Ok(body) => json(StatusCode::OK, body),
            Err(e) => text_resp(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
    }
}

type Failure = (StatusCode, String);

fn bad(e: impl std::fmt::Display) -> Failure {
    (StatusCode::BAD_REQUEST, e.to_string())
}

fn net_failure(e: NetError) -> Failure {
    match e {
        NetError::Core(e) => core_failure(e),
        NetError::Unavailable { .. } => (StatusCode::NOT_FOUND, e.to_string()),
        other => (StatusCode::BAD_GATEWAY, other.to_string()),
    }
}

fn core_failure(e: CoreError) -> Failure {
    let status = match e.exit_code() {
        2 => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, e.to_string())
}

/// Runs a request in the home at `root`, fetching what it lacks from the home's own peers.
fn run_here(root: &std::path::Path, req: &RunRequest, budget: Budget) -> Result<RunReply, Failure> {
    let program_cid = Cid::parse(&req.program).map_err(bad)?;
    let input_cid = Cid::parse(&req.input).map_err(bad)?;
    let dir = rdx_core::run::parse_direction(&req.direction).map_err(bad)?;
    let home = Home::open(Some(root)).map_err(core_failure)?;
    let peers = Peers::load(home.root()).map_err(net_failure)?;
    let bytes = crate::load(&home, &peers.list, &program_cid).map_err(net_failure)?;
    let program = Program::from_bytes(&bytes, &program_cid.to_hex(), false).map_err(|e| match e {
        rdx_core::run::LoadError::Core(e) => core_failure(e),
        rdx_core::run::LoadError::Compile { .. } => bad("the program does not compile"),
    })?;
    let gene = program.entry(req.entry.as_deref()).map_err(core_failure)?;
    let input = crate::load(&home, &peers.list, &input_cid).map_err(net_failure)?;
    let values = state::decode(&program.module, gene, &input).map_err(core_failure)?;
    let module = &program.module;
    let mut host = if rdx_core::kernels::needs_host(module) {
        Some(rdx_core::kernels::engine_host(&[], false).map_err(core_failure)?)
    } else {
        None
    };
    let limits = Limits { max_steps: budget.max_steps, ..Limits::default() };
    let mut engine = Interpreter::with_limits(limits);
    let mut out = values.clone();
    let exec = rdx_core::run::execute(&mut engine, module, gene, &mut out, dir, &mut host);
    let output = exec.result.is_ok().then(|| state::encode(module, gene, &out));
    let outcome = Outcome {
        values: out,
        dir,
        exec,
        backend: Backend::Interp,
        backend_reason: None,
        input: state::encode(module, gene, &values),
        output,
    };
    let facts = outcome.facts(&program, gene, &[], &[], None);
    let record = rdx_core::run::record(&home, &facts, &outcome.exec).map_err(core_failure)?;
    let output = outcome.output.map(|o| String::from_utf8_lossy(&o).into_owned());
    let printed = String::from_utf8_lossy(&outcome.exec.printed).into_owned();
    Ok(RunReply { record, output, printed })
}

/// Records in `home` the run `reply` that `peer` made of `program` on `input`: checks that
/// the record names those blobs and that the output hashes to its CID, stores the program,
/// the states and the tape (fetched from `peer`), and appends the run to the ledger.
pub fn record_locally(
    client: &crate::Client,
    home: &Home,
    peer: &Peer,
    program: &[u8],
    input: &[u8],
    reply: &RunReply,
) -> Result<RunRecord, NetError> {
    let run = &reply.record.run;
    let mismatch = |what: &str| NetError::Protocol {
        peer: peer.name.clone(),
        why: format!("its record names another {what} than the one sent"),
    };
    if run.program != Cid::of(program).to_hex() {
        return Err(mismatch("program"));
    }
    if run.input != Cid::of(input).to_hex() {
        return Err(mismatch("input state"));
    }
    let output = reply.output.as_deref().map(str::as_bytes);
    if run.output.as_deref() != output.map(|o| Cid::of(o).to_hex()).as_deref() {
        return Err(mismatch("output state"));
    }
    let tape = match &run.tape {
        Some(text) => {
            let cid = Cid::parse(text)?;
            Some(crate::load::load_with(client, home, std::slice::from_ref(peer), &cid)?)
        }
        None => None,
    };
    let printed = run.printed.is_some().then_some(reply.printed.as_bytes());
    if run.printed.as_deref() != printed.map(|p| Cid::of(p).to_hex()).as_deref() {
        return Err(mismatch("printed output"));
    }
    // The run is marked as made on the peer, so the planner does not take the peer's compute
    // time for what a run here costs.
    let mut run = run.clone();
    run.flags.push(format!("{}{}", rdx_core::ledger::ON_FLAG, peer.name));
    let batch = home.batch()?;
    for blob in [Some(program), Some(input), output, tape.as_deref(), printed].into_iter().flatten() {
        batch.put(blob)?;
    }
    let rec = batch.record_run(&run)?;
    batch.commit()?;
    Ok(rec)
}
