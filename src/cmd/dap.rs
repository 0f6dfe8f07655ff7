//! `rdx dap`: a Debug Adapter Protocol server over stdin/stdout for editors.
//!
//! Messages are JSON bodies after a `Content-Length: N` header and a blank line. The session
//! is the one `rdx debug` drives ([`super::debug::Session`]); the adapter only translates
//! requests to its motions and its state to DAP bodies. One thread (id 1); frame ids count from
//! the innermost frame (0); a frame's variables are reference `frame id + 1`.
//!
//! Requests are read on a thread of their own and passed on through a channel, and a motion
//! runs on a thread of its own, so the session answers while the program runs: `pause` raises
//! the debugger's interrupt flag ([`Debugger::set_interrupt`]) and the motion stops with a
//! `stopped` event, reason `pause`; `disconnect` stops it and ends the session; `threads` is
//! answered; a request that needs the program's state is refused until it stops. After
//! `terminate` the adapter answers the client's `disconnect` before it exits.

use super::debug::{Session, clip};
use rdx_core::run::Program;
use rdx_vm::engine::debug::{BreakAt, Debugger, Motion, Stop, line_of};
use rdx_vm::{Engine, Interpreter};
use serde_json::{Value as Json, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};

/// Serve the Debug Adapter Protocol on stdin/stdout (for editors; see editors/vscode).
///
/// Supports initialize (with supportsStepBack), launch (program: a file, or a CID in the
/// store of the home, as `rdx debug` takes it; entry, args as ["n=10", …] or {"n": "10"},
/// reverse, stopOnEntry), setBreakpoints (each with an optional condition,
/// supportsConditionalBreakpoints; or the deprecated lines), configurationDone,
/// threads, stackTrace, scopes, variables, evaluate, next, stepIn, stepOut, stepBack,
/// continue, reverseContinue, pause (it stops a running motion), terminate (then it waits
/// for disconnect), disconnect; it sends stopped, output and terminated events.
/// A message that is not a request (not JSON, or without a `command`) is skipped with a note
/// on stderr and in an output event; a frame that cannot be read (no or a bad
/// `Content-Length`, a header line over 4 KiB, a header of more than 64 lines, a body over
/// 16 MiB, the input ending inside a message) ends the session with an error and exit code 2.
///
/// A `program` given as a CID is looked up in the store of the home (`--home DIR`, else
/// $RDX_HOME, else ~/.rdx), as `rdx debug` looks it up.
#[derive(clap::Args)]
pub struct Args {}

struct Wire<W: Write> {
    out: W,
    seq: u64,
}

impl<W: Write> Wire<W> {
    fn send(&mut self, mut msg: Json) {
        self.seq += 1;
        msg["seq"] = json!(self.seq);
        let body = msg.to_string();
        let _ = write!(self.out, "Content-Length: {}\r\n\r\n{body}", body.len());
        let _ = self.out.flush();
    }

    fn respond(&mut self, req: &Json, body: Json) {
        self.send(json!({
            "type": "response", "request_seq": req["seq"], "success": true,
            "command": req["command"], "body": body,
        }));
    }

    fn refuse(&mut self, req: &Json, message: &str) {
        self.send(json!({
            "type": "response", "request_seq": req["seq"], "success": false,
            "command": req["command"], "message": message,
        }));
    }

    fn event(&mut self, event: &str, body: Json) {
        self.send(json!({"type": "event", "event": event, "body": body}));
    }
}

/// The longest message body read. A request is a few hundred bytes (`setBreakpoints` for a long
/// file a few KiB): a longer `Content-Length` is a broken frame, not a reason to allocate it.
const MAX_BODY: usize = 1 << 24;

/// The longest header line read (`Content-Length: N` is about 20 bytes).
const MAX_HEADER_LINE: usize = 1 << 12;

/// The most header lines a message may have (DAP sends one, `Content-Length`).
const MAX_HEADER_LINES: usize = 64;

/// Reads one framed message: `Ok(None)` at the end of input; `Ok(Some(Err(why)))` for a frame
/// whose body is not a JSON object (the next frame can still be read); `Err` for a frame that
/// cannot be read, after which the stream cannot be followed.
fn read_message(input: &mut impl BufRead) -> Result<Option<Result<Json, String>>, String> {
    let mut len = None;
    let mut first = true;
    let mut header_lines = 0;
    loop {
        let mut line = String::new();
        let n = (&mut *input)
            .take(MAX_HEADER_LINE as u64)
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the input: {e}"))?;
        if n == 0 {
            return if first { Ok(None) } else { Err("the input ended inside a message header".into()) };
        }
        if n == MAX_HEADER_LINE && !line.ends_with('\n') {
            return Err(format!("a message header line longer than {MAX_HEADER_LINE} bytes"));
        }
        first = false;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        header_lines += 1;
        if header_lines > MAX_HEADER_LINES {
            return Err(format!("a message header of more than {MAX_HEADER_LINES} lines"));
        }
        // Header names are case-insensitive (as in HTTP).
        if let Some((name, v)) = line.split_once(':')
            && name.eq_ignore_ascii_case("Content-Length")
        {
            let v = v.trim();
            len = Some(v.parse::<usize>().ok().filter(|&n| n <= MAX_BODY).ok_or_else(|| {
                format!("`Content-Length: {v}` is not a length of at most {MAX_BODY} bytes")
            })?);
        }
    }
    let len = len.ok_or("a message header without `Content-Length`")?;
    let mut body = Vec::with_capacity(len);
    input.take(len as u64).read_to_end(&mut body).map_err(|e| format!("cannot read the input: {e}"))?;
    if body.len() < len {
        return Err(format!("the input ended inside a message ({} of its {len} bytes)", body.len()));
    }
    Ok(Some(match serde_json::from_slice::<Json>(&body) {
        Ok(msg) if msg.is_object() => Ok(msg),
        Ok(_) => Err("its body is JSON but not an object".into()),
        Err(e) => Err(format!("its body is not JSON ({e})")),
    }))
}

/// What the reader thread passes on.
enum Input {
    Request(Json),
    /// A message that is not a request was skipped, for this reason.
    Skipped(String),
    /// A frame that cannot be read: the stream cannot be followed.
    Broken(String),
    /// The end of the input.
    End,
}

/// What the session waits for: the client's next input, or the end of a running motion (or
/// its panic, which the session raises again).
enum Event {
    In(Input),
    Stopped(std::thread::Result<Stop>),
}

/// Reads messages on a thread of its own and sends them to `tx`, until the end of the input or
/// a frame that cannot be read.
fn read_on_a_thread(mut input: impl BufRead + Send + 'static, tx: Sender<Event>) {
    std::thread::spawn(move || {
        loop {
            let got = match read_message(&mut input) {
                Ok(None) => Input::End,
                Ok(Some(Ok(msg)))
                    if msg["command"].is_string()
                        && matches!(msg["type"].as_str(), Some("request") | None) =>
                {
                    Input::Request(msg)
                }
                Ok(Some(Ok(_))) => Input::Skipped("it is not a request with a `command`".to_string()),
                Ok(Some(Err(why))) => Input::Skipped(why),
                Err(e) => Input::Broken(e),
            };
            let last = matches!(got, Input::End | Input::Broken(_));
            if tx.send(Event::In(got)).is_err() || last {
                return;
            }
        }
    });
}

/// A message that is not a request is skipped with a note on stderr and in the editor's
/// console.
fn skipped<W: Write>(wire: &mut Wire<W>, why: &str) {
    let note = format!("rdx dap: skipped a message: {why}");
    eprintln!("{note}");
    wire.event("output", json!({"category": "stderr", "output": format!("{note}\n")}));
}

/// The next request (messages that are not one skipped); `Ok(None)` at the end of input.
fn next_request<W: Write>(events: &Receiver<Event>, wire: &mut Wire<W>) -> Result<Option<Json>, String> {
    loop {
        match events.recv() {
            Ok(Event::In(Input::Request(req))) => return Ok(Some(req)),
            Ok(Event::In(Input::Skipped(why))) => skipped(wire, &why),
            Ok(Event::In(Input::Broken(e))) => return Err(e),
            Ok(Event::In(Input::End)) | Err(_) => return Ok(None),
            // (No motion runs between requests.)
            Ok(Event::Stopped(_)) => {}
        }
    }
}

pub fn run(_: Args, home: Option<&std::path::Path>) -> ExitCode {
    let (tx, events) = std::sync::mpsc::channel();
    read_on_a_thread(BufReader::new(std::io::stdin()), tx.clone());
    let mut wire = Wire { out: std::io::stdout().lock(), seq: 0 };
    match serve(&events, &tx, &mut wire, home) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: rdx dap: {e}");
            ExitCode::from(2)
        }
    }
}

fn capabilities() -> Json {
    json!({
        "supportsConfigurationDoneRequest": true,
        "supportsStepBack": true,
        "supportsEvaluateForHovers": true,
        "supportsTerminateRequest": true,
        "supportsConditionalBreakpoints": true,
    })
}

/// Before `launch`: answers `initialize`, refuses what needs a program. A `program` given as a
/// CID is looked up in the store of the home `home` names ([`super::debug::store_for`]).
fn serve<W: Write>(
    events: &Receiver<Event>,
    tx: &Sender<Event>,
    wire: &mut Wire<W>,
    home: Option<&std::path::Path>,
) -> Result<(), String> {
    let mut lines = Lines { from_one: true, columns_from_one: true };
    while let Some(req) = next_request(events, wire)? {
        match req["command"].as_str().unwrap_or("") {
            "initialize" => {
                let args = &req["arguments"];
                lines.from_one = args["linesStartAt1"].as_bool() != Some(false);
                lines.columns_from_one = args["columnsStartAt1"].as_bool() != Some(false);
                wire.respond(&req, capabilities())
            }
            "launch" => match launch(&req["arguments"], home) {
                Ok(Launched { program, gene, values, dir, stop_on_entry, file, host }) => {
                    let mut it = Interpreter::new();
                    it.set_kernels(host);
                    let dbg = Debugger::new(&program.module, gene, values, dir)
                        .and_then(|mut d| d.set_interpreter(it).map(|()| d));
                    match dbg {
                        Ok(mut dbg) => {
                            wire.respond(&req, json!({}));
                            wire.event("initialized", json!({}));
                            let flag = Arc::new(AtomicBool::new(false));
                            dbg.set_interrupt(Some(flag.clone()));
                            let mut s = Session::new(&program, dbg);
                            let mut run = Running { events, tx, flag };
                            let source = Source::find(&program, &file);
                            let how = How { stop_on_entry, lines, source };
                            return session(&mut run, wire, &mut s, &how);
                        }
                        Err(e) => wire.refuse(&req, &e.kind.message()),
                    }
                }
                Err(e) => wire.refuse(&req, &e),
            },
            "disconnect" => {
                wire.respond(&req, json!({}));
                return Ok(());
            }
            "terminate" => {
                disconnect(wire, &req);
                return terminated(events, wire);
            }
            // No program, no thread.
            "threads" => wire.respond(&req, json!({"threads": []})),
            cmd if NEED_A_PROGRAM.contains(&cmd) => wire.refuse(&req, "launch a program first"),
            cmd => wire.refuse(&req, &not_supported(cmd)),
        }
    }
    Ok(())
}

/// The requests that need a launched program (any other but `initialize`, `launch`,
/// `threads`, `disconnect` and `terminate` is not one `rdx dap` supports).
const NEED_A_PROGRAM: &[&str] = &[
    "setBreakpoints",
    "setExceptionBreakpoints",
    "configurationDone",
    "stackTrace",
    "scopes",
    "variables",
    "evaluate",
    "next",
    "stepIn",
    "stepOut",
    "stepBack",
    "continue",
    "reverseContinue",
    "pause",
];

/// What a request `rdx dap` does not support gets.
fn not_supported(cmd: &str) -> String {
    format!("`{}` is not supported by rdx dap", clip(cmd))
}

/// A launched program, and how it was launched.
struct Launched {
    program: Program,
    gene: usize,
    values: Vec<rdx_vm::Value>,
    dir: rdx_vm::Direction,
    stop_on_entry: bool,
    /// The launch argument `program`: the file (or CID) loaded.
    file: String,
    /// The kernels the program runs with: the stdlib's and the launch argument `kernels`.
    host: Box<dyn rdx_vm::KernelCall + Send>,
}

/// Launch argument `key`: None when it is not given (or null); refused, naming the type it
/// wants (`kind`), when `want` does not take it.
fn launch_arg<'a, T>(
    args: &'a Json,
    key: &str,
    kind: &str,
    want: impl Fn(&'a Json) -> Option<T>,
) -> Result<Option<T>, String> {
    match &args[key] {
        Json::Null => Ok(None),
        v => want(v)
            .map(Some)
            .ok_or_else(|| format!("launch argument `{key}` must be {kind}, not `{}`", clip(&v.to_string()))),
    }
}

fn launch(args: &Json, home: Option<&std::path::Path>) -> Result<Launched, String> {
    let path = launch_arg(args, "program", "the file to debug (a string)", Json::as_str)?
        .filter(|p| !p.is_empty())
        .ok_or("launch needs `program`: the file to debug")?;
    let entry = launch_arg(args, "entry", "the name of a gene (a string)", Json::as_str)?;
    let reverse = launch_arg(args, "reverse", "true or false", Json::as_bool)?;
    let stop_on_entry = launch_arg(args, "stopOnEntry", "true or false", Json::as_bool)?;
    // (name, value text) pairs, from `["n=10", …]` or `{"n": "10", …}`.
    let sets: Vec<(String, String)> = match &args["args"] {
        Json::Null => Vec::new(),
        Json::Array(a) => {
            a.iter()
                .map(|v| match v.as_str() {
                    Some(s) => rdx_vm::values::parse_assignment(s)
                        .map_err(|e| format!("launch argument `args`: {e}")),
                    None => Err(format!(
                        "launch argument `args`: `{}` is not a `name=value` string",
                        clip(&v.to_string())
                    )),
                })
                .collect::<Result<_, _>>()?
        }
        Json::Object(o) => o
            .iter()
            .map(|(k, v)| {
                (k.trim().to_string(), v.as_str().map_or_else(|| v.to_string(), |s| s.trim().to_string()))
            })
            .collect(),
        v => {
            return Err(format!(
                "launch argument `args` must be a list of `name=value` strings or an object of values, not `{}`",
                clip(&v.to_string())
            ));
        }
    };
    // User kernels, as `rdx debug --kernel FILE.wasm`: a list of file names.
    let kernels = match launch_arg(args, "kernels", "a list of .wasm file names", Json::as_array)? {
        None => Vec::new(),
        Some(files) => files
            .iter()
            .map(|f| match f.as_str() {
                Some(p) => rdx_core::kernels::UserKernel::read(std::path::Path::new(p))
                    .map_err(|e| format!("launch argument `kernels`: {e}")),
                None => {
                    Err(format!("launch argument `kernels`: `{}` is not a file name", clip(&f.to_string())))
                }
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    // Loaded once, here: a kernel file that does not load is refused with the host's message.
    let host = rdx_core::kernels::engine_host(&kernels, false)
        .map_err(|e| format!("launch argument `kernels`: {e}"))?;
    let store = super::debug::store_for(path, home);
    let program = Program::open(path, store.as_ref(), false, &kernels).map_err(|e| match e {
        rdx_core::run::LoadError::Compile { diagnostics, name, text } => {
            compile_errors(&diagnostics, &name, &text)
        }
        rdx_core::run::LoadError::Core(e) => e.to_string(),
    })?;
    // Messages name the launch arguments, not the command line's `--entry` and `--set`.
    let m = &program.module;
    let gene = match entry {
        Some(_) => program.entry(entry).map_err(|e| format!("launch argument `entry`: {e}"))?,
        None => m.default_entry().ok_or_else(|| {
            let names: Vec<&str> = m.genes.iter().map(|g| g.name.as_str()).collect();
            let others =
                rdx_lang::check::alternatives("main", "the genes are:", &names, |i| names[i].to_string());
            format!("there is no `main` gene: set the launch argument `entry` to the gene to debug{others}")
        })?,
    };
    let values = rdx_vm::values::bind(m, gene, &sets).map_err(|e| format!("launch argument `args`: {e}"))?;
    let dir = if reverse == Some(true) { rdx_vm::Direction::Backward } else { rdx_vm::Direction::Forward };
    let stop_on_entry = stop_on_entry.unwrap_or(true);
    Ok(Launched { program, gene, values, dir, stop_on_entry, file: path.to_string(), host })
}

/// Why a program does not compile: each diagnostic on a line, `FILE:LINE:COLUMN: error[CODE]:
/// MESSAGE` (the first line of what `rdx check` shows for it).
fn compile_errors(diagnostics: &[rdx_lang::diag::Diagnostic], name: &str, text: &str) -> String {
    if diagnostics.is_empty() {
        return format!("{name}: it does not compile");
    }
    let lines: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            let (line, col) = rdx_lang::report::line_col(text, d.span.start);
            let kind = if d.is_error() { "error" } else { "warning" };
            format!("{name}:{line}:{col}: {kind}[{}]: {}", d.code, d.message)
        })
        .collect();
    lines.join("\n")
}

/// What a second `launch` gets.
const LAUNCHED: &str = "the program is launched already (`rdx dap` debugs one program per session)";

/// Refuses a request naming a thread other than the program's one (id 1); a request without
/// `threadId` means that one.
fn thread(args: &Json) -> Result<(), String> {
    match &args["threadId"] {
        Json::Null => Ok(()),
        id if id.as_u64() == Some(1) => Ok(()),
        id => Err(format!("no thread {} (the program's one thread is 1)", clip(&id.to_string()))),
    }
}

/// What runs a motion needs: the session's events (and a sender for the motion's end) and the
/// debugger's interrupt flag.
struct Running<'a> {
    events: &'a Receiver<Event>,
    tx: &'a Sender<Event>,
    flag: Arc<AtomicBool>,
}

/// How a motion ended for the session.
enum Moved {
    /// It stopped (reported as a `stopped` event).
    Stopped(Stop),
    /// `disconnect` or `terminate` (this request) came while it ran: it was stopped, and the
    /// session ends.
    Disconnect(Json),
    /// The input ended while it ran: it was stopped, and the session ends.
    End,
}

impl Running<'_> {
    /// Runs `motion` on a thread of its own while this one answers requests: `pause` raises
    /// the interrupt flag (the motion stops with [`Stop::Interrupted`]), `disconnect` and
    /// `terminate` too and end the session, `threads` is answered, and a request that needs
    /// the program's state is refused until it stops.
    fn motion<W: Write>(
        &mut self,
        wire: &mut Wire<W>,
        s: &mut Session<'_, '_>,
        motion: Motion,
        ahead: bool,
    ) -> Result<Moved, String> {
        self.flag.store(false, Ordering::SeqCst);
        let dbg = &mut s.dbg;
        let moved = std::thread::scope(|scope| {
            let tx = self.tx.clone();
            scope.spawn(move || {
                let stop =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dbg.advance(motion, ahead)));
                let _ = tx.send(Event::Stopped(stop));
            });
            let mut ending: Option<Result<Moved, String>> = None;
            loop {
                let Ok(event) = self.events.recv() else { return Ok(Moved::End) };
                let req = match event {
                    Event::Stopped(Ok(stop)) => return ending.unwrap_or(Ok(Moved::Stopped(stop))),
                    Event::Stopped(Err(panic)) => std::panic::resume_unwind(panic),
                    Event::In(Input::Request(req)) => req,
                    Event::In(Input::Skipped(why)) => {
                        skipped(wire, &why);
                        continue;
                    }
                    Event::In(Input::End) => {
                        self.flag.store(true, Ordering::SeqCst);
                        ending.get_or_insert(Ok(Moved::End));
                        continue;
                    }
                    Event::In(Input::Broken(e)) => {
                        self.flag.store(true, Ordering::SeqCst);
                        ending.get_or_insert(Err(e));
                        continue;
                    }
                };
                match req["command"].as_str().unwrap_or("") {
                    "pause" => match thread(&req["arguments"]) {
                        Ok(()) => {
                            self.flag.store(true, Ordering::SeqCst);
                            wire.respond(&req, json!({}));
                        }
                        Err(e) => wire.refuse(&req, &e),
                    },
                    "disconnect" | "terminate" if ending.is_none() => {
                        self.flag.store(true, Ordering::SeqCst);
                        ending = Some(Ok(Moved::Disconnect(req)));
                    }
                    "threads" => wire.respond(&req, json!({"threads": [{"id": 1, "name": "main"}]})),
                    "initialize" => wire.respond(&req, capabilities()),
                    _ if ending.is_some() => wire.refuse(&req, "the session is ending"),
                    "launch" => wire.refuse(&req, LAUNCHED),
                    cmd if NEED_A_PROGRAM.contains(&cmd) => {
                        wire.refuse(&req, &format!("the program is running: `{cmd}` needs it paused"))
                    }
                    cmd => wire.refuse(&req, &not_supported(cmd)),
                }
            }
        });
        // A `pause` that came as the motion stopped by itself is not kept for the next one.
        self.flag.store(false, Ordering::SeqCst);
        moved
    }
}

/// Ends a session for `disconnect` or `terminate`.
fn disconnect<W: Write>(wire: &mut Wire<W>, req: &Json) {
    wire.respond(req, json!({}));
    wire.event("terminated", json!({}));
}

/// After `terminate`: the program is gone, and the client's `disconnect` (or the end of the
/// input) ends the session; `disconnect` is answered, every other request refused.
fn terminated<W: Write>(events: &Receiver<Event>, wire: &mut Wire<W>) -> Result<(), String> {
    while let Some(req) = next_request(events, wire)? {
        match req["command"].as_str().unwrap_or("") {
            "disconnect" => {
                wire.respond(&req, json!({}));
                return Ok(());
            }
            "terminate" => wire.respond(&req, json!({})),
            "threads" => wire.respond(&req, json!({"threads": []})),
            _ => wire.refuse(&req, "the program was terminated: `disconnect` ends the session"),
        }
    }
    Ok(())
}

/// How the program was launched: what the session needs besides the program.
struct How {
    stop_on_entry: bool,
    lines: Lines,
    source: Source,
}

/// How a session ended.
enum Ended {
    /// `disconnect` or `terminate` ended it (and sent `terminated`).
    Asked,
    /// The input ended.
    Input,
}

/// After `launch`: the session. It ends with a `terminated` event: for `disconnect` and
/// `terminate` as they are answered, else when the input ends (or a frame cannot be read).
fn session<W: Write>(
    run: &mut Running<'_>,
    wire: &mut Wire<W>,
    s: &mut Session<'_, '_>,
    how: &How,
) -> Result<(), String> {
    let ended = serve_program(run, wire, s, how);
    if !matches!(ended, Ok(Ended::Asked)) {
        wire.event("terminated", json!({}));
    }
    ended.map(|_| ())
}

/// The requests of a launched program, until the session ends.
fn serve_program<W: Write>(
    run: &mut Running<'_>,
    wire: &mut Wire<W>,
    s: &mut Session<'_, '_>,
    how: &How,
) -> Result<Ended, String> {
    let lines = how.lines;
    // `configurationDone` starts the session once (a stop on entry, or a `continue`), and not
    // after a motion has.
    let mut configured = false;
    while let Some(req) = next_request(run.events, wire)? {
        let args = &req["arguments"];
        let mut moved = None;
        match req["command"].as_str().unwrap_or("") {
            "initialize" => wire.respond(&req, capabilities()),
            "launch" => wire.refuse(&req, LAUNCHED),
            "setBreakpoints" => match set_breakpoints(s, args, &how.source, lines) {
                Ok(out) => wire.respond(&req, json!({"breakpoints": out})),
                Err(e) => wire.refuse(&req, &e),
            },
            "stackTrace" | "pause" | "next" | "stepIn" | "stepOut" | "stepBack" | "continue"
            | "reverseContinue"
                if let Err(e) = thread(args) =>
            {
                wire.refuse(&req, &e)
            }
            "setExceptionBreakpoints" => wire.respond(&req, json!({})),
            "configurationDone" => {
                wire.respond(&req, json!({}));
                if !configured {
                    configured = true;
                    if how.stop_on_entry {
                        wire.event(
                            "stopped",
                            json!({"reason": "entry", "threadId": 1, "allThreadsStopped": true}),
                        );
                    } else {
                        moved = Some(run.motion(wire, s, Motion::Continue, true)?);
                    }
                }
            }
            "threads" => wire.respond(&req, json!({"threads": [{"id": 1, "name": "main"}]})),
            "stackTrace" => match stack_trace(s, args, &how.source, lines) {
                Ok(body) => wire.respond(&req, body),
                Err(e) => wire.refuse(&req, &e),
            },
            "scopes" if args["frameId"].is_null() => {
                wire.refuse(&req, "scopes needs `frameId`: the id of a frame `stackTrace` gave")
            }
            "scopes" => match frame(s, &args["frameId"]) {
                Some(k) => {
                    let id = s.dbg.depth() - k;
                    wire.respond(
                        &req,
                        json!({"scopes": [{"name": "Variables", "variablesReference": id, "expensive": false}]}),
                    )
                }
                None => wire.refuse(&req, &format!("no frame {}", clip(&args["frameId"].to_string()))),
            },
            "variables" => {
                // Reference `frame id + 1`; any other is no frame's (no variables).
                let id = args["variablesReference"].as_u64().and_then(|r| r.checked_sub(1));
                let vars = match frame(s, &id.map_or(Json::Null, |i| json!(i))) {
                    Some(k) => s.variables(k),
                    None => Vec::new(),
                };
                let list: Vec<Json> = vars
                    .iter()
                    .map(|v| {
                        let (_, value) = s.var_value(v);
                        json!({"name": v.name, "value": value, "type": s.var_type(v), "variablesReference": 0})
                    })
                    .collect();
                wire.respond(&req, json!({"variables": list}));
            }
            "evaluate" => {
                let Some(expr) = args["expression"].as_str().filter(|e| !e.trim().is_empty()) else {
                    wire.refuse(&req, "evaluate needs `expression`: a variable or an expression (a string)");
                    continue;
                };
                // In the frame asked for (the innermost when none is).
                let k = match &args["frameId"] {
                    Json::Null => Some(s.dbg.depth() - 1),
                    id => frame(s, id),
                };
                let Some(k) = k else {
                    wire.refuse(&req, &format!("no frame {}", clip(&args["frameId"].to_string())));
                    continue;
                };
                // The value itself, not cut out of the REPL's `EXPR = VALUE` line: a Janus
                // expression holds `=` (`acc = 0`).
                match s.evaluate(k, expr.trim()) {
                    Ok((_, value)) => wire.respond(&req, json!({"result": value, "variablesReference": 0})),
                    Err(e) => wire.refuse(&req, e.trim_end()),
                }
            }
            cmd @ ("next" | "stepIn" | "stepOut" | "stepBack" | "continue" | "reverseContinue") => {
                let (motion, ahead) = match cmd {
                    "next" => (Motion::Next, true),
                    "stepIn" => (Motion::Step, true),
                    "stepOut" => (Motion::Finish, true),
                    // VS Code's Step Back mirrors Step Over: it steps back over calls.
                    "stepBack" => (Motion::Next, false),
                    "continue" => (Motion::Continue, true),
                    _ => (Motion::Continue, false),
                };
                let body = if cmd == "continue" { json!({"allThreadsContinued": true}) } else { json!({}) };
                wire.respond(&req, body);
                configured = true;
                moved = Some(run.motion(wire, s, motion, ahead)?);
            }
            // Nothing runs: the program is paused already.
            "pause" => wire.respond(&req, json!({})),
            "disconnect" => {
                disconnect(wire, &req);
                return Ok(Ended::Asked);
            }
            "terminate" => {
                disconnect(wire, &req);
                return terminated(run.events, wire).map(|()| Ended::Asked);
            }
            cmd => wire.refuse(&req, &not_supported(cmd)),
        }
        match moved {
            None => {}
            Some(Moved::Stopped(stop)) => report(wire, s, stop),
            Some(Moved::Disconnect(req)) => {
                disconnect(wire, &req);
                if req["command"] == "terminate" {
                    return terminated(run.events, wire).map(|()| Ended::Asked);
                }
                return Ok(Ended::Asked);
            }
            Some(Moved::End) => return Ok(Ended::Input),
        }
    }
    Ok(Ended::Input)
}

/// `stackTrace`: the frames from `startFrame` (0: the innermost), `levels` of them (all when it
/// is 0 or not given), each at the line the REPL shows; `totalFrames` counts them all. Only the
/// frames sent are read: a deep recursion's top costs what its few frames do.
fn stack_trace(s: &Session<'_, '_>, args: &Json, source: &Source, lines: Lines) -> Result<Json, String> {
    let count = |key: &str| match &args[key] {
        Json::Null => Ok(0),
        v => v.as_u64().ok_or_else(|| {
            format!("stackTrace argument `{key}` must be a count (0 or more), not `{}`", clip(&v.to_string()))
        }),
    };
    let (start, levels) = (count("startFrame")?, count("levels")?);
    let depth = s.dbg.depth() as u64;
    let end = if levels == 0 { depth } else { start.saturating_add(levels).min(depth) };
    let m = &s.program.module;
    let frames: Vec<Json> = (start.min(depth)..end)
        .filter_map(|id| {
            let f = s.dbg.frame((depth - 1 - id) as usize)?;
            let line = f.span.and_then(|sp| line_of(m, sp)).map_or(0, |l| lines.to_client(l));
            Some(json!({
                "id": id, "name": f.gene, "line": line, "column": lines.column(),
                "source": {"name": s.program.name, "path": source.path},
            }))
        })
        .collect();
    Ok(json!({"stackFrames": frames, "totalFrames": depth}))
}

/// The program's source file as the editor names it.
struct Source {
    /// Its path: absolute when the file was found.
    path: String,
    /// The file launched (an `.rdxb`, or the source itself), canonical; None for a CID.
    launched: Option<std::path::PathBuf>,
}

impl Source {
    /// Finds the source of `program`, launched as `file`. A module keeps the name its source
    /// had when it was assembled (`progs/e1.rdx`, relative to where `rdx asm` ran): it is looked
    /// for in the current directory, then in the launched file's directory and the directories
    /// above it (`/work/progs/e1.rdxb` → `/work/progs/progs/e1.rdx`, `/work/progs/e1.rdx`, …).
    /// A file holding the module's source wins over one that only has its name; with none, the
    /// name stays as recorded.
    fn find(program: &Program, file: &str) -> Source {
        use std::path::{Path, PathBuf};
        let recorded = Path::new(&program.name);
        let launched = std::fs::canonicalize(file).ok().filter(|p| p.is_file());
        let mut places: Vec<PathBuf> = vec![recorded.to_path_buf()];
        if recorded.is_relative()
            && let Some(dir) = launched.as_ref().and_then(|l| l.parent())
        {
            places.extend(dir.ancestors().map(|d| d.join(recorded)));
        }
        let found: Vec<PathBuf> =
            places.iter().filter_map(|p| std::fs::canonicalize(p).ok()).filter(|p| p.is_file()).collect();
        let text = program.module.debug.as_ref().map(|d| d.source.as_bytes());
        let same = found.iter().find(|p| text.is_some_and(|t| std::fs::read(p).is_ok_and(|f| f == t)));
        let path = same.or(found.first()).map_or_else(|| program.name.clone(), |p| p.display().to_string());
        Source { path, launched }
    }

    /// Whether `path` (as the client names it; relative to the current directory) is this
    /// source, or the launched file: the same file by any path.
    fn is(&self, path: &str, recorded: &str) -> bool {
        if path == self.path || path == recorded {
            return true;
        }
        std::fs::canonicalize(path)
            .is_ok_and(|p| p.display().to_string() == self.path || self.launched.as_ref() == Some(&p))
    }
}

/// Sends what the program printed and why it stopped.
fn report<W: Write>(wire: &mut Wire<W>, s: &mut Session<'_, '_>, stop: Stop) {
    let printed = s.dbg.take_output();
    if !printed.is_empty() {
        wire.event("output", json!({"category": "stdout", "output": String::from_utf8_lossy(&printed)}));
    }
    let (reason, text, console) = why(stop);
    if let Some(line) = console {
        wire.event("output", json!({"category": "stderr", "output": format!("{line}\n")}));
    }
    let mut body = json!({"reason": reason, "threadId": 1, "allThreadsStopped": true});
    if let Some(t) = text {
        body["text"] = json!(t);
        body["description"] = json!(t);
    }
    wire.event("stopped", body);
}

/// Why the session stopped, for a `stopped` event: its `reason`, its text (the event's
/// `description`, which the client shows where it says why the program paused, and `text`),
/// and a line for the client's console (stderr), if any.
fn why(stop: Stop) -> (&'static str, Option<String>, Option<String>) {
    let watched = |changes: &[rdx_vm::engine::debug::Change]| {
        let text: Vec<String> =
            changes.iter().map(|c| format!("{}: {} -> {}", c.name, c.old, c.new)).collect();
        text.join("; ")
    };
    match stop {
        Stop::Step => ("step", None, None),
        Stop::Break(_) => ("breakpoint", None, None),
        Stop::ConditionFailed { condition, error, .. } => {
            let msg = format!("breakpoint condition `{condition}` failed: {error}");
            ("breakpoint", Some(msg.clone()), Some(msg))
        }
        Stop::Watch(changes) => ("data breakpoint", Some(watched(&changes)), None),
        // A breakpoint where the statement before changed watched variables: both said.
        Stop::Both { breakpoint, changes } => {
            let head = match *breakpoint {
                Stop::Break(id) => (format!("breakpoint {id}"), None),
                other => {
                    let (_, text, console) = why(other);
                    (text.unwrap_or_else(|| "breakpoint".into()), console)
                }
            };
            ("breakpoint", Some(format!("{}; {}", head.0, watched(&changes))), head.1)
        }
        Stop::End => ("end", Some("at the end of the run (step back to go on)".to_string()), None),
        Stop::Start => ("start", Some("at the start of the run".to_string()), None),
        Stop::Interrupted => ("pause", None, None),
        Stop::Error(e) => {
            let d = e.to_diagnostic();
            let msg = format!("error[{}]: {}", d.code, d.message);
            ("exception", Some(msg.clone()), Some(msg))
        }
    }
}

/// How the client counts lines and columns (`linesStartAt1` and `columnsStartAt1` of
/// `initialize`: from 1 unless it says 0).
#[derive(Clone, Copy)]
struct Lines {
    from_one: bool,
    columns_from_one: bool,
}

impl Lines {
    /// The column a frame stands at, as the client counts it: the line's first (the debugger
    /// stops at lines, not columns).
    fn column(self) -> u32 {
        u32::from(self.columns_from_one)
    }

    /// A source line (from 1) as the client counts it.
    fn to_client(self, line: u32) -> u32 {
        if self.from_one { line } else { line - 1 }
    }

    /// A line from the client as a source line (from 1); None for one that is no line.
    fn source_line(self, line: &Json) -> Option<u32> {
        let l = whole_number(line)?.checked_add(u64::from(!self.from_one))?;
        u32::try_from(l).ok().filter(|&l| l >= 1)
    }
}

/// A JSON number with a whole value of 0 or more (`15`, or `15.0` as some clients send it);
/// None for any other value.
fn whole_number(v: &Json) -> Option<u64> {
    // 2⁶⁴ is the first float past `u64::MAX`.
    const PAST_U64: f64 = 18_446_744_073_709_551_616.0;
    v.as_u64()
        .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && (0.0..PAST_U64).contains(f)).map(|f| f as u64))
}

/// The frame (by depth from the entry's, 0) of DAP frame id `id` (0: the innermost); None
/// for an id that is no frame's.
fn frame(s: &Session<'_, '_>, id: &Json) -> Option<usize> {
    let depth = s.dbg.depth() as u64;
    let id = whole_number(id).filter(|&i| i < depth)?;
    Some((depth - 1 - id) as usize)
}

/// `setBreakpoints`: the breakpoints of one source, named by its `path` (or its `name`; one
/// with neither is refused), from `breakpoints` (or the deprecated `lines`; a request where
/// either is not a list is refused). The program's replace its breakpoints (a line with no
/// statement is unverified); another file's are answered unverified and leave the program's
/// alone.
fn set_breakpoints(
    s: &mut Session<'_, '_>,
    args: &Json,
    program: &Source,
    lines: Lines,
) -> Result<Vec<Json>, String> {
    // `breakpoints`, or the protocol's deprecated `lines` (lines without conditions) from a
    // client that sends only those; neither clears the program's breakpoints.
    let asked: Vec<Json> = match (&args["breakpoints"], &args["lines"]) {
        (Json::Array(bs), _) => bs.clone(),
        (Json::Null, Json::Array(ls)) => ls.iter().map(|l| json!({"line": l})).collect(),
        (Json::Null, Json::Null) => Vec::new(),
        (Json::Null, other) => {
            return Err(format!(
                "setBreakpoints: `lines` must be a list of line numbers, not `{}`",
                clip(&other.to_string())
            ));
        }
        (other, _) => {
            return Err(format!(
                "setBreakpoints: `breakpoints` must be a list of breakpoints (objects with a `line`), not `{}`",
                clip(&other.to_string())
            ));
        }
    };
    if let Some(b) = asked.iter().find(|b| !b.is_object()) {
        return Err(format!(
            "setBreakpoints: a breakpoint must be an object with a `line`, not `{}`",
            clip(&b.to_string())
        ));
    }
    // A line is a number (one that is no line, 0 or past 32 bits, is answered unverified).
    if let Some(b) = asked.iter().find(|b| !b["line"].is_number()) {
        return Err(format!(
            "setBreakpoints: a breakpoint's `line` must be a line number, not `{}`",
            clip(&b["line"].to_string())
        ));
    }
    // A condition is a string (an empty one is none).
    let mut conditions: Vec<Option<&str>> = Vec::new();
    for b in &asked {
        conditions.push(match &b["condition"] {
            Json::Null => None,
            Json::String(c) => Some(c.trim()).filter(|c| !c.is_empty()),
            other => {
                return Err(format!(
                    "setBreakpoints: a breakpoint's `condition` must be an expression (a string), not `{}`",
                    clip(&other.to_string())
                ));
            }
        });
    }
    let source = &args["source"];
    let name = &s.program.name;
    let ours = match (source["path"].as_str(), source["name"].as_str()) {
        (Some(p), _) => program.is(p, name),
        (None, Some(n)) => {
            let file_name = |p: &str| std::path::Path::new(p).file_name().is_some_and(|f| f == n);
            n == name || file_name(name) || file_name(&program.path)
        }
        (None, None) => {
            return Err(
                "setBreakpoints needs `source` with a `path` (or a `name`): the file the breakpoints are in"
                    .into(),
            );
        }
    };
    if !ours {
        let why = format!("not the program being debugged ({})", program.path);
        return Ok(asked
            .iter()
            .map(|b| json!({"verified": false, "line": b["line"], "message": why}))
            .collect());
    }
    // Each one set (its line and condition), or why not: a line that is no line, a condition
    // that `print` would refuse there (no breakpoint is set for it).
    let wanted: Vec<Result<(u32, Option<String>), String>> = asked
        .iter()
        .zip(&conditions)
        .map(|(b, c)| {
            let line = lines.source_line(&b["line"]).ok_or("no such line")?;
            // A line with no statement of its own moves to the next that has one (answered
            // with that line, so the editor moves its marker).
            let line = s.dbg.statement_line(line).unwrap_or(line);
            if let Some(c) = c {
                s.frames()
                    .check_condition(&BreakAt::Line(line), c)
                    .map_err(|e| format!("the condition is refused: {e}"))?;
            }
            Ok((line, c.map(String::from)))
        })
        .collect();
    let set = s.dbg.set_breaks(wanted.iter().flatten().map(|(l, c)| (BreakAt::Line(*l), c.clone())));
    let mut set = set.into_iter();
    Ok(asked
        .iter()
        .zip(&wanted)
        .map(|(b, w)| match w.as_ref().map(|_| set.next()) {
            Ok(Some(bp)) if bp.points > 0 => {
                let line = match bp.at {
                    BreakAt::Line(l) => json!(lines.to_client(l)),
                    BreakAt::Gene(_) => b["line"].clone(),
                };
                json!({"id": bp.id, "verified": true, "line": line})
            }
            Ok(Some(bp)) => json!({"id": bp.id, "verified": false, "line": b["line"],
                "message": "no statement starts on this line"}),
            Ok(None) => json!({"verified": false, "line": b["line"], "message": "no such line"}),
            Err(why) => json!({"verified": false, "line": b["line"], "message": why}),
        })
        .collect())
}
