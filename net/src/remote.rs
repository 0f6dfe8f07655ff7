//! Remote runs: `POST /runs` runs a stored program on a stored state under an instruction and
//! a time budget, records the run in the server's ledger and answers with the record and the
//! output state; [`record_locally`] records that same run in the caller's home.

use crate::error::{NetError, printable};
use crate::peers::{Peer, Peers};
use crate::server::{Shared, json, text_resp};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use rdx_core::kernels::UserKernel;
use rdx_core::ledger::RunRecord;
use rdx_core::run::{Backend, Outcome, Program};
use rdx_core::{Cid, CoreError, Home, state};
use rdx_vm::{Interpreter, Limits};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What a remote run may spend.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Instructions the interpreter may execute (`Limits::max_steps`).
    pub max_steps: u64,
    /// Wall-clock time the run may take: then the interpreter is stopped (run-time error
    /// R0119, recorded like any failed run).
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
    /// CIDs of user kernels (WebAssembly modules) to load, as `rdx run --kernel` does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kernels: Vec<String>,
    /// Verify every kernel call, as `rdx run --checked` does.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub checked: bool,
    /// A smaller instruction budget than the server's (the server's own is the most).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_steps: Option<u64>,
    /// A shorter time budget than the server's, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<u64>,
    /// The engine: `interp` (the default) or `jit`. Sent only when it is not the interpreter,
    /// so a request to the interpreter reads the same to every server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
}

/// The engines `POST /runs` runs on (`engine` of a [`RunRequest`]).
pub const ENGINES: [&str; 2] = ["interp", "jit"];

impl RunRequest {
    /// The engine asked for: the interpreter unless `engine` says `jit`; a clear error for an
    /// engine the server does not have, or for an instruction budget the JIT cannot count.
    pub fn backend(&self) -> Result<Backend, String> {
        match self.engine.as_deref() {
            None | Some("interp") => Ok(Backend::Interp),
            Some("jit") if self.max_steps.is_some() => {
                Err("the JIT counts no instructions, so a run on it cannot take max_steps: drop \
                 max_steps or ask for the engine interp"
                    .to_string())
            }
            Some("jit") => Ok(Backend::Jit),
            Some(other) => Err(format!(
                "unknown engine {other:?}: a run's engine is {}",
                ENGINES.map(|e| format!("{e:?}")).join(" or ")
            )),
        }
    }

    /// The `engine` field that asks for `backend` (none for the interpreter, the default).
    pub fn engine_of(backend: Backend) -> Option<String> {
        (backend == Backend::Jit).then(|| "jit".to_string())
    }
}

impl Budget {
    /// This budget, lowered to what `req` asks for.
    pub fn for_request(self, req: &RunRequest) -> Budget {
        Budget {
            max_steps: req.max_steps.map_or(self.max_steps, |n| n.min(self.max_steps)),
            wall: req.max_ms.map_or(self.wall, |ms| Duration::from_millis(ms).min(self.wall)),
        }
    }
}

/// How long past its time budget a stopped run may take to be recorded before the server
/// gives up waiting and answers 503.
pub const GRACE: Duration = Duration::from_secs(10);

/// The route of a remote run, as errors about its answer name it.
pub(crate) const RUNS_ROUTE: &str = "POST /runs";

/// The answer of `POST /runs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReply {
    /// The run as the server recorded it.
    pub record: RunRecord,
    /// The output state's JSON text (its bytes are the output blob); none when the run failed.
    pub output: Option<String>,
    /// What the run printed.
    pub printed: String,
    /// The run's error as a diagnostic with its source spans (byte offsets into the
    /// program's source), so a client holding the source renders it as a local run would.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WireDiagnostic>,
}

impl RunReply {
    /// Checks that this answer of `peer` is the run `request` asked for, as recorded: its
    /// record names the program, input state, entry gene (when one was asked for), direction
    /// and engine of the request (the interpreter when it names none), its fields hash to its
    /// hash ([`RunRecord::hash_matches`]), and the output sent hashes to the record's output.
    /// Otherwise the answer is malformed ([`NetError::Protocol`]): printed and recorded by
    /// no one, as a peer's lie would be.
    pub fn check(&self, peer: &Peer, request: &RunRequest) -> Result<(), NetError> {
        let run = &self.record.run;
        let malformed = |why: String| NetError::Protocol { peer: peer.name.clone(), why };
        let differs = |what: &str, got: &str, want: &str| {
            malformed(format!(
                "its record says {what} `{}`, but the run asked for has {what} `{}`",
                printable(got),
                printable(want)
            ))
        };
        if run.program != request.program {
            return Err(differs("the program", &run.program, &request.program));
        }
        if run.input != request.input {
            return Err(differs("the input state", &run.input, &request.input));
        }
        if let Some(entry) = &request.entry
            && run.entry != *entry
        {
            return Err(differs("the entry gene", &run.entry, entry));
        }
        if run.direction != request.direction {
            return Err(differs("the direction", &run.direction, &request.direction));
        }
        match request.backend() {
            Ok(backend) if run.backend != backend.name() => {
                return Err(differs("the engine", &run.backend, backend.name()));
            }
            Err(_) if !ENGINES.contains(&run.backend.as_str()) => {
                return Err(malformed(format!(
                    "its record names the engine `{}`, which is none of {}",
                    printable(&run.backend),
                    ENGINES.join(", ")
                )));
            }
            _ => {}
        }
        if !self.record.hash_matches() {
            return Err(malformed(format!(
                "its record (run {}) does not hash to its hash: it was altered on its way or \
                 not written by rdx",
                self.record.id
            )));
        }
        let output = self.output.as_deref().map(|o| Cid::of(o.as_bytes()).to_hex());
        if run.output != output {
            return Err(malformed("the output state it sent is not the one its record names".into()));
        }
        Ok(())
    }
}

/// A run-time diagnostic on the wire: [`rdx_lang::diag::Diagnostic`] with its code as text
/// and its spans as `[start, end]` byte offsets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireDiagnostic {
    pub code: String,
    pub message: String,
    pub span: [u32; 2],
    #[serde(default)]
    pub note: String,
    /// Further places: `[start, end, note]`.
    #[serde(default)]
    pub labels: Vec<(u32, u32, String)>,
    #[serde(default)]
    pub hints: Vec<String>,
}

impl WireDiagnostic {
    /// The wire form of `d`.
    pub fn from_diagnostic(d: &rdx_lang::diag::Diagnostic) -> WireDiagnostic {
        WireDiagnostic {
            code: d.code.to_string(),
            message: d.message.clone(),
            span: [d.span.start, d.span.end],
            note: d.note.clone(),
            labels: d.labels.iter().map(|l| (l.span.start, l.span.end, l.message.clone())).collect(),
            hints: d.hints.clone(),
        }
    }

    /// The diagnostic again; `None` when its code is not one this rdx knows. Its text came from
    /// a peer, so it is made printable ([`printable`]).
    pub fn to_diagnostic(&self) -> Option<rdx_lang::diag::Diagnostic> {
        use rdx_lang::ast::Span;
        let code = rdx_lang::codes::lookup(&self.code)?;
        let mut d = rdx_lang::diag::Diagnostic::error(
            code,
            printable(&self.message),
            Span::new(self.span[0], self.span[1]),
        );
        d.note = printable(&self.note);
        d.labels = self
            .labels
            .iter()
            .map(|(a, b, m)| rdx_lang::diag::Label { span: Span::new(*a, *b), message: printable(m) })
            .collect();
        d.hints = self.hints.iter().map(|h| printable(h)).collect();
        Some(d)
    }
}

/// `POST /runs`.
pub(crate) async fn post_run(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let req: RunRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return text_resp(StatusCode::BAD_REQUEST, &format!("not a run request: {e}")),
    };
    let backend = match req.backend() {
        Ok(b) => b,
        Err(why) => return text_resp(StatusCode::BAD_REQUEST, &why),
    };
    let root = shared.config.home.clone();
    let budget = shared.config.budget.for_request(&req);
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let mut job = tokio::task::spawn_blocking(move || {
        rdx_core::run::on_big_stack(move || run_here(&root, &req, backend, budget, flag)).unwrap_or_else(
            || Err((StatusCode::INTERNAL_SERVER_ERROR, "internal error: the run panicked".to_string())),
        )
    });
    // At the time budget the interpreter is told to stop; the stopped run is recorded and
    // answered like any failed run. Only a run that does not come back even then is a 503
    // (compiled code cannot be stopped: a JIT run past its budget is one).
    let done = match tokio::time::timeout(budget.wall, &mut job).await {
        Ok(done) => Ok(done),
        Err(_) => {
            stop.store(true, Ordering::Relaxed);
            tokio::time::timeout(GRACE, &mut job).await
        }
    };
    match done {
        Err(_) => text_resp(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("the run exceeded the time budget of {} ms and did not stop", budget.wall.as_millis()),
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
        // The peers file is this server's own setup: a broken one is its fault, not a peer's.
        NetError::Peers { .. } => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
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

/// Runs a request on `backend` in the home at `root`, fetching what it lacks from the home's
/// own peers.
fn run_here(
    root: &std::path::Path,
    req: &RunRequest,
    backend: Backend,
    budget: Budget,
    stop: Arc<AtomicBool>,
) -> Result<RunReply, Failure> {
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
    let mut kernels = Vec::new();
    for text in &req.kernels {
        let cid = Cid::parse(text).map_err(bad)?;
        let bytes = crate::load(&home, &peers.list, &cid).map_err(net_failure)?;
        kernels.push(UserKernel { label: cid.to_hex(), bytes });
    }
    let mut host = if rdx_core::kernels::needs_host(module) || !kernels.is_empty() {
        Some(rdx_core::kernels::engine_host(&kernels, req.checked).map_err(core_failure)?)
    } else {
        None
    };
    let flags: Vec<String> = if req.checked { vec!["--checked".into()] } else { Vec::new() };
    // The interpreter counts its instructions and reads the stop flag; the JIT does neither
    // (a step limit would send its run to the interpreter), so only the wait is bounded.
    let mut engine: Box<dyn rdx_vm::Engine> = match backend {
        Backend::Jit => Backend::Jit.engine(),
        _ => {
            let limits = Limits { max_steps: budget.max_steps, ..Limits::default() };
            let mut interp = Interpreter::with_limits(limits);
            interp.set_stop(Some(stop));
            Box::new(interp)
        }
    };
    let mut out = values.clone();
    let exec = rdx_core::run::execute(&mut *engine, module, gene, &mut out, dir, &mut host);
    let output = exec.result.is_ok().then(|| state::encode(module, gene, &out));
    let error = exec.result.as_ref().err().map(|e| WireDiagnostic::from_diagnostic(&e.to_diagnostic()));
    let outcome = Outcome {
        values: out,
        dir,
        exec,
        backend,
        backend_reason: None,
        tier: None,
        input: state::encode(module, gene, &values),
        output,
    };
    let facts = outcome.facts(&program, gene, &kernels, &flags, None);
    let record = rdx_core::run::record(&home, &facts, &outcome.exec).map_err(core_failure)?;
    let output = outcome.output.map(|o| String::from_utf8_lossy(&o).into_owned());
    let printed = String::from_utf8_lossy(&outcome.exec.printed).into_owned();
    Ok(RunReply { record, output, printed, error })
}

/// Records in `home` the run `reply` that `peer` made of `program` on `input`: checks that
/// the record names those blobs, that its fields hash to its hash and that the output hashes
/// to its CID (the rest of the answer was checked against the request by
/// [`Client::run`](crate::Client::run), with [`RunReply::check`]), stores the program,
/// the kernels, the states and the tape (fetched from `peer`), and appends the run to the
/// ledger. A check that fails is a malformed answer to `POST /runs`.
pub fn record_locally(
    client: &crate::Client,
    home: &Home,
    peer: &Peer,
    program: &[u8],
    input: &[u8],
    kernels: &[&[u8]],
    reply: &RunReply,
) -> Result<RunRecord, NetError> {
    let run = &reply.record.run;
    let malformed = |why: String| {
        crate::client::answer_to(RUNS_ROUTE, NetError::Protocol { peer: peer.name.clone(), why })
    };
    let mismatch = |what: &str| malformed(format!("its record names another {what} than the one sent"));
    if run.program != Cid::of(program).to_hex() {
        return Err(mismatch("program"));
    }
    if run.input != Cid::of(input).to_hex() {
        return Err(mismatch("input state"));
    }
    if !reply.record.hash_matches() {
        return Err(malformed(format!("its record (run {}) does not hash to its hash", reply.record.id)));
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
    for blob in kernels {
        batch.put(blob)?;
    }
    let rec = batch.record_run(&run)?;
    batch.commit()?;
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::WireDiagnostic;

    #[test]
    fn a_peers_diagnostic_is_made_printable() {
        let wire = WireDiagnostic {
            code: "R0119".into(),
            message: "run \x1b[2Jstopped".into(),
            span: [0, 1],
            note: "in gene \x1b]0;x\x07".into(),
            labels: vec![(0, 1, "here\r".into())],
            hints: vec!["größe \u{202e}".into()],
        };
        let d = wire.to_diagnostic().expect("a known code");
        assert_eq!(d.message, r"run \u{1b}[2Jstopped");
        assert_eq!(d.note, r"in gene \u{1b}]0;x\u{7}");
        assert_eq!(d.labels[0].message, r"here\r");
        assert_eq!(d.hints, vec![r"größe \u{202e}".to_string()]);
    }
}
