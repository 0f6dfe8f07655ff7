//! `rdx dap` as an editor drives it: a client over the child's stdin/stdout launches a
//! program, sets a breakpoint, continues, steps back, reads variables and compares them with
//! the interpreter's own run of the same gene to the same point.

mod common;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

struct Client {
    child: Child,
    to: ChildStdin,
    from: BufReader<ChildStdout>,
    seq: u64,
}

impl Client {
    fn start() -> Client {
        Client::start_in(Path::new("."))
    }

    /// `rdx dap` started in directory `dir`.
    fn start_in(dir: &Path) -> Client {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rdx"));
        cmd.arg("dap").current_dir(dir);
        Client::spawn(cmd)
    }

    /// `cmd` (an `rdx … dap …`) started, its stdin and stdout the client's.
    fn spawn(mut cmd: Command) -> Client {
        let mut child = cmd
            .env("RDX_NO_LEDGER", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("rdx dap starts");
        let to = child.stdin.take().expect("stdin");
        let from = BufReader::new(child.stdout.take().expect("stdout"));
        Client { child, to, from, seq: 0 }
    }

    fn read(&mut self) -> Value {
        let mut len = 0;
        loop {
            let mut line = String::new();
            assert!(self.from.read_line(&mut line).expect("header") > 0, "rdx dap closed its output");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length:") {
                len = v.trim().parse().expect("length");
            }
        }
        let mut body = vec![0; len];
        self.from.read_exact(&mut body).expect("body");
        serde_json::from_slice(&body).expect("JSON body")
    }

    /// Sends a request; returns its response, and the events that came before it.
    fn request(&mut self, command: &str, arguments: Value) -> (Value, Vec<Value>) {
        self.seq += 1;
        let body = json!({"seq": self.seq, "type": "request", "command": command, "arguments": arguments})
            .to_string();
        write!(self.to, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("send");
        self.to.flush().expect("flush");
        let mut events = Vec::new();
        loop {
            let msg = self.read();
            if msg["type"] == "response" {
                assert_eq!(msg["request_seq"], json!(self.seq), "{msg}");
                return (msg, events);
            }
            events.push(msg);
        }
    }

    /// Waits for the event `name`.
    fn event(&mut self, name: &str) -> Value {
        loop {
            let msg = self.read();
            if msg["type"] == "event" && msg["event"] == name {
                return msg;
            }
        }
    }

    fn variables(&mut self, frame: u64) -> Vec<(String, String)> {
        let (r, _) = self.request("variables", json!({"variablesReference": frame + 1}));
        r["body"]["variables"]
            .as_array()
            .expect("variables")
            .iter()
            .map(|v| (v["name"].as_str().unwrap().to_string(), v["value"].as_str().unwrap().to_string()))
            .collect()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The parameters of `sum_to(n, s)` after a plain interpreter run of `k` loop iterations
/// (`sum_to` with n = k): what the debugger must show at the k-th stop on `s += i`, before it.
fn interpreter_state(k: u64) -> (u64, u64) {
    let src = std::fs::read_to_string(stdlib("sum.rdx")).unwrap();
    let p =
        rdx_core::run::Program::from_source(src, "sum.rdx".into(), rdx_lang::ast::Dialect::Rdx, false, &[])
            .unwrap_or_else(|_| panic!("sum.rdx compiles"));
    let g = p.module.gene_index("sum_to").unwrap();
    let mut args = vec![rdx_vm::Value::Int(k), rdx_vm::Value::Int(0)];
    use rdx_vm::Engine;
    rdx_vm::Interpreter::new().run(&p.module, g, &mut args, rdx_vm::Direction::Forward).unwrap();
    match args[1] {
        rdx_vm::Value::Int(s) => (k, s),
        _ => unreachable!(),
    }
}

fn stdlib(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib").join(name).display().to_string()
}

#[test]
fn launch_break_continue_step_back_and_read_variables() {
    let mut c = Client::start();
    let (r, _) = c.request("initialize", json!({"adapterID": "rdx"}));
    assert_eq!(r["body"]["supportsStepBack"], json!(true), "{r}");
    let sum = stdlib("sum.rdx");
    let (r, _) = c.request("launch", json!({"program": sum, "entry": "sum_to", "args": ["n=5"]}));
    assert_eq!(r["success"], json!(true), "{r}");
    c.event("initialized");
    let (r, _) = c.request(
        "setBreakpoints",
        json!({"source": {"path": sum}, "breakpoints": [{"line": 26}, {"line": 3}]}),
    );
    let bps = r["body"]["breakpoints"].as_array().unwrap().clone();
    assert_eq!(bps[0]["verified"], json!(true), "{r}");
    assert_eq!(bps[1]["verified"], json!(false), "line 3 is a comment: {r}");
    c.request("configurationDone", json!({}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("entry"));
    let (r, _) = c.request("threads", json!({}));
    assert_eq!(r["body"]["threads"][0]["id"], json!(1));

    // Continue three times: the third stop on `s += i` is before s += 3, so s = 1 + 2, i = 3.
    for _ in 0..3 {
        c.request("continue", json!({"threadId": 1}));
        assert_eq!(c.event("stopped")["body"]["reason"], json!("breakpoint"));
    }
    let (r, _) = c.request("stackTrace", json!({"threadId": 1}));
    let top = &r["body"]["stackFrames"][0];
    assert_eq!((top["name"].clone(), top["line"].clone()), (json!("sum_to"), json!(26)), "{r}");
    let (r, _) = c.request("scopes", json!({"frameId": 0}));
    assert_eq!(r["body"]["scopes"][0]["variablesReference"], json!(1));
    let vars = c.variables(0);
    let (_, s2) = interpreter_state(2);
    assert_eq!(vars, [("n".into(), "5".into()), ("s".into(), s2.to_string()), ("i".into(), "3".into())]);

    // Step back: before `i += 1` of the third iteration, i = 2; s unchanged.
    c.request("stepBack", json!({"threadId": 1}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("step"));
    let vars = c.variables(0);
    assert_eq!(vars[2], ("i".into(), "2".into()));
    assert_eq!(vars[1], ("s".into(), s2.to_string()));
    // reverseContinue: the second stop on line 26 (s = 1).
    c.request("reverseContinue", json!({"threadId": 1}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("breakpoint"));
    let (_, s1) = interpreter_state(1);
    let (r, _) = c.request("evaluate", json!({"expression": "s", "frameId": 0}));
    assert_eq!(r["body"]["result"], json!(s1.to_string()), "{r}");
    let (r, _) = c.request("evaluate", json!({"expression": "i * 10 + n", "frameId": 0}));
    assert_eq!(r["body"]["result"], json!("25"), "{r}");
    let (r, _) = c.request("evaluate", json!({"expression": "nosuch"}));
    assert_eq!(r["success"], json!(false), "{r}");

    // Clear the breakpoints and run to the end: the interpreter's final state.
    c.request("setBreakpoints", json!({"source": {"path": sum}, "breakpoints": []}));
    c.request("continue", json!({"threadId": 1}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("end"));
    let (_, s5) = interpreter_state(5);
    assert_eq!(c.variables(0), [("n".into(), "5".into()), ("s".into(), s5.to_string())]);
    let (r, _) = c.request("disconnect", json!({}));
    assert_eq!(r["success"], json!(true));
    c.event("terminated");
}

#[test]
fn step_in_out_and_errors() {
    let mut c = Client::start();
    let (r, _) = c.request("next", json!({}));
    assert_eq!(r["success"], json!(false), "no program yet: {r}");
    c.request("initialize", json!({}));
    let (r, _) = c.request("launch", json!({"program": "/no/such/file.rdx"}));
    assert_eq!(r["success"], json!(false), "{r}");
    let fib = stdlib("fib.rdx");
    let (r, _) = c.request("launch", json!({"program": fib, "args": {"n": "2"}}));
    assert_eq!(r["success"], json!(true), "{r}");
    c.request("configurationDone", json!({}));
    c.event("stopped");
    for _ in 0..3 {
        c.request("stepIn", json!({"threadId": 1}));
        c.event("stopped");
    }
    let (r, _) = c.request("stackTrace", json!({"threadId": 1}));
    assert_eq!(r["body"]["totalFrames"], json!(2), "stepIn entered the call: {r}");
    c.request("stepOut", json!({"threadId": 1}));
    c.event("stopped");
    let (r, _) = c.request("stackTrace", json!({"threadId": 1}));
    assert_eq!(r["body"]["totalFrames"], json!(1), "{r}");
    assert_eq!(r["body"]["stackFrames"][0]["line"], json!(32), "{r}");
    c.request("disconnect", json!({}));
}

#[test]
fn a_message_that_is_not_a_request_is_skipped_and_a_broken_frame_ends_the_session() {
    // Not JSON, JSON but not an object, an object without a command: each skipped with a
    // note, and the session goes on (also after a launch).
    let mut c = Client::start();
    for body in ["[1,2", "17", "{\"seq\": 5}"] {
        write!(c.to, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("send");
        let note = c.event("output");
        let text = note["body"]["output"].as_str().unwrap_or_default().to_string();
        assert!(text.starts_with("rdx dap: skipped a message"), "{note}");
    }
    let (r, _) = c.request("initialize", json!({}));
    assert_eq!(r["success"], json!(true), "{r}");
    let (r, _) = c.request("launch", json!({"program": stdlib("fib.rdx"), "args": {"n": "2"}}));
    assert_eq!(r["success"], json!(true), "{r}");
    write!(c.to, "Content-Length: 4\r\n\r\nnull").expect("send");
    c.event("output");
    let (r, _) = c.request("threads", json!({}));
    assert_eq!(r["success"], json!(true), "{r}");
    // Frames that cannot be followed: an error and exit code 2, never a panic (a length past
    // the address space made `vec![0; len]` panic) nor an allocation of the length asked.
    let endless_header = "x".repeat(100_000);
    // A header of more than 64 lines (a stream of them was read for ever).
    let many_lines = format!("{}Content-Length: 2\r\n\r\n{{}}", "X-Note: 1\r\n".repeat(65));
    for frame in [
        "Content-Length: 18446744073709551615\r\n\r\n{}",
        "Content-Length: 1000000000000\r\n\r\n{}",
        "Content-Length: 10\r\n\r\n{}",
        "Content-Type: text\r\n\r\n{}",
        "Content-Length: x\r\n\r\n{}",
        endless_header.as_str(),
        many_lines.as_str(),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_rdx"))
            .arg("dap")
            .env("RDX_NO_LEDGER", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                // (It may stop reading before the end: a write into the closed pipe is fine.)
                let _ = child.stdin.take().expect("stdin").write_all(frame.as_bytes());
                child.wait_with_output()
            })
            .expect("rdx dap runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{frame:?}: {err}");
        assert!(err.starts_with("error: rdx dap: ") && !err.contains("panicked"), "{frame:?}: {err}");
    }
}

/// Writes `text` to `name` (which may name a folder too) in a folder of the test's own
/// (`tag`); returns the file's path.
fn program(tag: &str, name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("rdx-cli-dap-{tag}-{}", std::process::id()));
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    std::fs::canonicalize(p).unwrap().display().to_string()
}

/// A program with calls and an `uncall`.
const CALLS: &str = "gene add_square(x: u64, y: u64) {
    y += x * x
}

gene main(x: u64, y: u64, z: i64) {
    call add_square(x, y)
    call add_square(x, y)
    uncall add_square(x, y)
    z -= 7
}
";

/// Launches `program` with `args` and stops on entry.
fn launched(program: &str, args: Value) -> Client {
    let mut c = Client::start();
    c.request("initialize", json!({}));
    let (r, _) = c.request("launch", json!({"program": program, "args": args}));
    assert_eq!(r["success"], json!(true), "{r}");
    c.request("configurationDone", json!({}));
    c.event("stopped");
    c
}

fn top_line(c: &mut Client) -> Value {
    let (r, _) = c.request("stackTrace", json!({"threadId": 1}));
    r["body"]["stackFrames"][0]["line"].clone()
}

/// Ids and numbers from the client that name no frame or no line are refused (or answered
/// unverified), never a panic nor a truncated number.
#[test]
fn ids_and_lines_out_of_range_are_refused() {
    let sum = stdlib("sum.rdx");
    let mut c = Client::start();
    c.request("initialize", json!({}));
    c.request("launch", json!({"program": sum, "entry": "sum_to", "args": ["n=3"]}));
    // 4294967322 is 26 + 2³²: no line of the file, not line 26.
    let (r, _) = c.request(
        "setBreakpoints",
        json!({"source": {"path": sum}, "breakpoints": [{"line": 4294967322u64}, {"line": 26}]}),
    );
    let bps = &r["body"]["breakpoints"];
    assert_eq!((bps[0]["verified"].clone(), bps[1]["verified"].clone()), (json!(false), json!(true)), "{r}");
    assert_eq!(bps[0]["line"], json!(4294967322u64), "{r}");
    c.request("configurationDone", json!({}));
    c.event("stopped");
    for id in [json!(u64::MAX), json!(1), json!(-1)] {
        let (r, _) = c.request("scopes", json!({"frameId": id}));
        assert_eq!(r["success"], json!(false), "{r}");
        let (r, _) = c.request("evaluate", json!({"expression": "n", "frameId": id}));
        assert_eq!(r["success"], json!(false), "{r}");
    }
    let (r, _) = c.request("variables", json!({"variablesReference": u64::MAX}));
    assert_eq!(r["body"]["variables"], json!([]), "{r}");
    let (r, _) = c.request("threads", json!({}));
    assert_eq!(r["success"], json!(true), "the session goes on: {r}");
    c.request("continue", json!({"threadId": 1}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("breakpoint"));
    assert_eq!(top_line(&mut c), json!(26));
}

/// Breakpoints are kept per source: another file's are unverified, with a message, and leave
/// the program's in place.
#[test]
fn breakpoints_of_another_file_leave_the_programs() {
    let sum = stdlib("sum.rdx");
    let fib = stdlib("fib.rdx");
    let mut c = Client::start();
    c.request("initialize", json!({}));
    c.request("launch", json!({"program": sum, "entry": "sum_to", "args": ["n=3"]}));
    let (r, _) = c.request("setBreakpoints", json!({"source": {"path": sum}, "breakpoints": [{"line": 26}]}));
    assert_eq!(r["body"]["breakpoints"][0]["verified"], json!(true), "{r}");
    let (r, _) = c.request("setBreakpoints", json!({"source": {"path": fib}, "breakpoints": [{"line": 25}]}));
    let bp = &r["body"]["breakpoints"][0];
    assert_eq!(bp["verified"], json!(false), "{r}");
    assert!(bp["message"].as_str().is_some_and(|m| m.contains("not the program")), "{r}");
    c.request("configurationDone", json!({}));
    c.event("stopped");
    c.request("continue", json!({"threadId": 1}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("breakpoint"));
    assert_eq!(top_line(&mut c), json!(26));
}

/// `stackTrace` gives the line the REPL marks: inside an `uncall` and in a `--reverse` session.
#[test]
fn stack_lines_inside_an_uncall_and_backward() {
    let f = program("uncall", "calls.rdx", CALLS);
    let mut c = launched(&f, json!(["x=3"]));
    for _ in 0..7 {
        c.request("stepIn", json!({"threadId": 1}));
        c.event("stopped");
    }
    let (r, _) = c.request("stackTrace", json!({"threadId": 1}));
    let frames = &r["body"]["stackFrames"];
    assert_eq!(
        (frames[0]["name"].clone(), frames[0]["line"].clone()),
        (json!("add_square"), json!(2)),
        "{r}"
    );
    assert_eq!(frames[1]["line"], json!(8), "{r}");
    let sum = stdlib("sum.rdx");
    let mut c = Client::start();
    c.request("initialize", json!({}));
    c.request("launch", json!({"program": sum, "entry": "sum_to", "args": ["n=3", "s=6"], "reverse": true}));
    c.request("configurationDone", json!({}));
    c.event("stopped");
    let mut lines = vec![top_line(&mut c)];
    for _ in 0..2 {
        c.request("next", json!({"threadId": 1}));
        c.event("stopped");
        lines.push(top_line(&mut c));
    }
    // As the REPL marks them: `delocal`, `until`, then the loop's test going back in.
    assert_eq!(lines, [json!(28), json!(27), json!(23)]);
}

/// `evaluate` reads the frame asked for; `stepBack` steps back over a call (the mirror of
/// `next`); lines count from 0 when the client asks so.
#[test]
fn evaluate_in_a_frame_and_step_back_over_a_call() {
    let f = program("frames", "calls.rdx", CALLS);
    let mut c = Client::start();
    c.request("initialize", json!({"linesStartAt1": false}));
    c.request("launch", json!({"program": f, "args": ["x=3"]}));
    c.request("setBreakpoints", json!({"source": {"path": f}, "breakpoints": [{"line": 1}]}));
    c.request("configurationDone", json!({}));
    c.event("stopped");
    c.request("continue", json!({"threadId": 1}));
    c.event("stopped");
    let (r, _) = c.request("stackTrace", json!({"threadId": 1}));
    assert_eq!(r["body"]["stackFrames"][1]["line"], json!(5), "{r}");
    // In add_square, x and y are main's; z is main's only.
    let (r, _) = c.request("evaluate", json!({"expression": "z - 1", "frameId": 1}));
    assert_eq!(r["body"]["result"], json!("-1"), "{r}");
    let (r, _) = c.request("evaluate", json!({"expression": "z", "frameId": 0}));
    assert_eq!(r["success"], json!(false), "{r}");
    c.request("setBreakpoints", json!({"source": {"path": f}, "breakpoints": []}));
    c.request("stepOut", json!({"threadId": 1}));
    c.event("stopped");
    c.request("next", json!({"threadId": 1}));
    c.event("stopped");
    assert_eq!(top_line(&mut c), json!(7));
    c.request("stepBack", json!({"threadId": 1}));
    c.event("stopped");
    let (r, _) = c.request("stackTrace", json!({"threadId": 1}));
    assert_eq!(r["body"]["totalFrames"], json!(1), "stepped back over the call: {r}");
    assert_eq!(r["body"]["stackFrames"][0]["line"], json!(6), "{r}");
}

/// Reads messages until a `stopped` event; returns it and the `output` events before it.
fn stopped(c: &mut Client) -> (Value, Vec<Value>) {
    let mut outputs = Vec::new();
    loop {
        let msg = c.read();
        if msg["event"] == "stopped" {
            return (msg, outputs);
        }
        if msg["event"] == "output" {
            outputs.push(msg);
        }
    }
}

/// `setBreakpoints` takes a `condition`: the breakpoint stops only where it holds, both ways; one
/// that does not parse is unverified with a message; one that fails at a hit stops there and
/// says why.
#[test]
fn conditional_breakpoints_stop_only_where_they_hold() {
    let sum = stdlib("sum.rdx");
    let mut c = Client::start();
    let (r, _) = c.request("initialize", json!({}));
    assert_eq!(r["body"]["supportsConditionalBreakpoints"], json!(true), "{r}");
    c.request("launch", json!({"program": sum, "entry": "sum_to", "args": ["n=5"]}));
    let (r, _) = c.request(
        "setBreakpoints",
        json!({"source": {"path": sum}, "breakpoints": [
            {"line": 25, "condition": "i +"},
            {"line": 26, "condition": "i == 3"},
            {"line": 25, "condition": "q == 1"},
        ]}),
    );
    let bps = r["body"]["breakpoints"].as_array().unwrap().clone();
    assert_eq!(bps[0]["verified"], json!(false), "{r}");
    assert!(bps[0]["message"].as_str().is_some_and(|m| m.contains("`i +` is not an expression")), "{r}");
    assert_eq!(bps[1]["verified"], json!(true), "{r}");
    assert!(bps[2]["message"].as_str().is_some_and(|m| m.contains("no variable `q` in scope")), "{r}");
    c.request("configurationDone", json!({}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("entry"));
    let i = |c: &mut Client| c.request("evaluate", json!({"expression": "i"})).0["body"]["result"].clone();
    c.request("continue", json!({"threadId": 1}));
    assert_eq!(stopped(&mut c).0["body"]["reason"], json!("breakpoint"));
    assert_eq!(i(&mut c), json!("3"));
    c.request("continue", json!({"threadId": 1}));
    assert_eq!(stopped(&mut c).0["body"]["reason"], json!("end"));
    c.request("reverseContinue", json!({"threadId": 1}));
    assert_eq!(stopped(&mut c).0["body"]["reason"], json!("breakpoint"));
    assert_eq!(i(&mut c), json!("3"));
    c.request("reverseContinue", json!({"threadId": 1}));
    assert_eq!(stopped(&mut c).0["body"]["reason"], json!("start"));
    // A condition that fails at a hit (i = 2) stops there, saying so.
    let (r, _) = c.request(
        "setBreakpoints",
        json!({"source": {"path": sum}, "breakpoints": [{"line": 26, "condition": "6 / (i - 2) == 6"}]}),
    );
    assert_eq!(r["body"]["breakpoints"][0]["verified"], json!(true), "{r}");
    c.request("continue", json!({"threadId": 1}));
    let (stop, outputs) = stopped(&mut c);
    assert_eq!(stop["body"]["reason"], json!("breakpoint"), "{stop}");
    let why = "breakpoint condition `6 / (i - 2) == 6` failed: division by zero";
    assert_eq!(stop["body"]["description"], json!(why), "{stop}");
    assert!(outputs.iter().any(|o| o["body"]["output"] == json!(format!("{why}\n"))), "{outputs:?}");
    assert_eq!(i(&mut c), json!("2"));
    c.request("continue", json!({"threadId": 1}));
    assert_eq!(stopped(&mut c).0["body"]["description"], Value::Null);
    assert_eq!(i(&mut c), json!("3"));
}

/// Thousands of breakpoints in one request are marked in one pass over the code (this took
/// seconds when each one rebuilt every other's marks): each answer says whether its line has
/// a statement; line 24, `} loop {` inside the gene, is answered with the next statement's
/// line, 25, as `break 24` moves there, and line 21, the gene's header, with its first
/// statement's, 22.
#[test]
fn many_breakpoints_in_one_request() {
    let sum = stdlib("sum.rdx");
    let mut c = Client::start();
    c.request("initialize", json!({}));
    c.request("launch", json!({"program": sum, "entry": "sum_to", "args": ["n=3"]}));
    let asked: Vec<Value> = (1..=3000).map(|l| json!({"line": l % 30 + 1})).collect();
    let (r, _) = c.request("setBreakpoints", json!({"source": {"path": sum}, "breakpoints": asked}));
    let bps = r["body"]["breakpoints"].as_array().expect("breakpoints");
    assert_eq!(bps.len(), 3000);
    for (i, b) in bps.iter().enumerate() {
        let line = (i as u64 + 1) % 30 + 1;
        let moved = match line {
            21 => 22,
            24 => 25,
            _ => line,
        };
        assert_eq!(b["line"], json!(moved), "{b}");
        assert_eq!(b["verified"], json!((21..=28).contains(&line)), "line {line}: {b}");
    }
}

/// A loop that never ends.
const FOREVER: &str = "gene main(n: u64) {\n    from n == 0 do {\n        n += 1\n    } until n == 0\n}\n";

/// While a `continue` that never ends runs, the session still answers: `threads`, a refusal
/// for what needs the program paused, and `pause`, which stops the motion with a `stopped`
/// event (reason `pause`) at a step past the start; after it the session goes on, and a
/// `disconnect` during a motion ends the process.
#[test]
fn pause_stops_a_running_continue_and_disconnect_ends_a_running_session() {
    let f = program("pause", "forever.rdx", FOREVER);
    let mut c = Client::start();
    c.request("initialize", json!({}));
    let (r, _) = c.request("launch", json!({"program": f, "stopOnEntry": false}));
    assert_eq!(r["success"], json!(true), "{r}");
    // The motion starts after this answer: every request below comes while it runs.
    c.request("configurationDone", json!({}));
    let (r, _) = c.request("threads", json!({}));
    assert_eq!(r["body"]["threads"][0]["id"], json!(1), "{r}");
    for (cmd, args) in [("stackTrace", json!({"threadId": 1})), ("next", json!({"threadId": 1}))] {
        let (r, _) = c.request(cmd, args);
        assert_eq!(r["success"], json!(false), "{r}");
        assert!(r["message"].as_str().unwrap_or_default().contains("running"), "{r}");
    }
    let (r, _) = c.request("pause", json!({"threadId": 1}));
    assert_eq!(r["success"], json!(true), "{r}");
    let stopped = c.event("stopped");
    assert_eq!(stopped["body"]["reason"], json!("pause"), "{stopped}");
    // Stopped in the loop, past the start.
    assert_eq!(top_line(&mut c), json!(4));
    let (r, _) = c.request("evaluate", json!({"expression": "n"}));
    let n: u64 = r["body"]["result"].as_str().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{r}"));
    assert!(n > 0, "{r}");
    // The session goes on: back to the start, then again.
    c.request("reverseContinue", json!({"threadId": 1}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("start"));
    c.request("continue", json!({"threadId": 1}));
    c.request("pause", json!({"threadId": 1}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("pause"));
    // `disconnect` while a motion runs ends the session and the process.
    c.request("continue", json!({"threadId": 1}));
    let (r, _) = c.request("disconnect", json!({}));
    assert_eq!(r["success"], json!(true), "{r}");
    c.event("terminated");
    assert!(c.child.wait().expect("rdx dap ends").success());

    // So does the end of the input.
    let (_, ok) = whole_session(&[
        ("initialize", json!({})),
        ("launch", json!({"program": f, "stopOnEntry": false})),
        ("configurationDone", json!({})),
    ]);
    assert!(ok);
}

fn janus(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/janus").join(name).display().to_string()
}

/// In a Janus caller whose call passes an expression (`call twice(r - 2, s)` goes through a
/// temporary `_t3`), the temporary is not a variable, and every expression computes in that
/// frame (`_t3`, which the Janus parser refuses, made each one fail).
#[test]
fn a_janus_callers_temporaries_are_not_variables_and_its_expressions_compute() {
    let ja = janus("locals.ja");
    let mut c = Client::start();
    c.request("initialize", json!({}));
    c.request("launch", json!({"program": ja}));
    c.request("setBreakpoints", json!({"source": {"path": ja}, "breakpoints": [{"line": 4}]}));
    c.request("configurationDone", json!({}));
    c.event("stopped");
    c.request("continue", json!({"threadId": 1}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("breakpoint"));
    let names: Vec<String> = c.variables(1).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["r", "s", "st"]);
    for (expr, value) in [("r - 2", "10"), ("1", "1"), ("s", "13")] {
        let (r, _) = c.request("evaluate", json!({"expression": expr, "frameId": 1}));
        assert_eq!(r["body"]["result"], json!(value), "{expr}: {r}");
    }
    let (r, _) = c.request("evaluate", json!({"expression": "_t3", "frameId": 1}));
    assert_eq!(r["message"], json!("no variable `_t3` in scope"), "{r}");
}

/// Launch arguments of the wrong type are refused, naming the argument and the type it takes
/// (a string `args` launched with n = 0, `"reverse": "true"` ran forward); the messages name
/// launch arguments, not the command line's flags. The session goes on to a good launch.
#[test]
fn launch_arguments_of_the_wrong_type_are_refused() {
    let sum = stdlib("sum.rdx");
    let mut c = Client::start();
    c.request("initialize", json!({}));
    for (args, says) in [
        (
            json!({"entry": "sum_to", "args": "n=5"}),
            "launch argument `args` must be a list of `name=value` strings",
        ),
        (json!({"entry": "sum_to", "args": [5]}), "launch argument `args`: `5` is not a `name=value` string"),
        (
            json!({"entry": "sum_to", "args": ["n=5", 7]}),
            "launch argument `args`: `7` is not a `name=value` string",
        ),
        (json!({"entry": "sum_to", "args": ["n"]}), "launch argument `args`: `n` is not `name=value`"),
        (json!({"entry": "sum_to", "args": ["n=1", "n=2"]}), "launch argument `args`: `n` is set twice"),
        (json!({"entry": "sum_to", "reverse": "true"}), "launch argument `reverse` must be true or false"),
        (
            json!({"entry": "sum_to", "stopOnEntry": "yes"}),
            "launch argument `stopOnEntry` must be true or false",
        ),
        (json!({"entry": 5}), "launch argument `entry` must be the name of a gene (a string), not `5`"),
        (json!({}), "there is no `main` gene: set the launch argument `entry` to the gene to debug"),
        (json!({"entry": "nosuch"}), "launch argument `entry`: no gene `nosuch`"),
    ] {
        let mut args = args;
        args["program"] = json!(sum);
        let (r, _) = c.request("launch", args.clone());
        let message = r["message"].as_str().unwrap_or_default();
        assert!(r["success"] == json!(false) && message.starts_with(says), "{args}: {r}");
        assert!(!message.contains("--"), "{args}: {r}");
    }
    let (r, _) = c.request("launch", json!({"program": 5}));
    assert_eq!(
        r["message"],
        json!("launch argument `program` must be the file to debug (a string), not `5`")
    );
    let (r, _) = c.request(
        "launch",
        json!({"program": sum, "entry": "sum_to", "args": ["n=3", "s=6"], "reverse": true}),
    );
    assert_eq!(r["success"], json!(true), "{r}");
    c.request("configurationDone", json!({}));
    c.event("stopped");
    assert_eq!(c.variables(0), [("n".into(), "3".into()), ("s".into(), "6".into())]);
}

/// Requests at the protocol's edges: `threads` before `launch` (no thread), a second `launch`,
/// `setBreakpoints` without a source, `evaluate` without an expression, a thread that is not
/// the program's, a header named in lower case; after `terminate` the client's `disconnect`
/// is answered before the adapter exits.
#[test]
fn protocol_edges_and_disconnect_after_terminate() {
    let sum = stdlib("sum.rdx");
    let mut c = Client::start();
    let (r, _) = c.request("threads", json!({}));
    assert_eq!((r["success"].clone(), r["body"]["threads"].clone()), (json!(true), json!([])), "{r}");
    c.request("initialize", json!({}));
    let launch = json!({"program": sum, "entry": "sum_to", "args": ["n=3"]});
    let (r, _) = c.request("launch", launch.clone());
    assert_eq!(r["success"], json!(true), "{r}");
    let (r, _) = c.request("launch", launch);
    assert_eq!(
        r["message"],
        json!("the program is launched already (`rdx dap` debugs one program per session)"),
        "{r}"
    );
    for args in [json!({"source": {}, "breakpoints": [{"line": 26}]}), json!({"breakpoints": [{"line": 26}]})]
    {
        let (r, _) = c.request("setBreakpoints", args);
        assert!(r["message"].as_str().is_some_and(|m| m.starts_with("setBreakpoints needs `source`")), "{r}");
    }
    c.request("configurationDone", json!({}));
    c.event("stopped");
    for args in [json!({}), json!({"expression": 5}), json!({"expression": " "})] {
        let (r, _) = c.request("evaluate", args);
        assert!(r["message"].as_str().is_some_and(|m| m.starts_with("evaluate needs `expression`")), "{r}");
    }
    for cmd in ["next", "stepIn", "stepBack", "continue", "stackTrace", "pause"] {
        let (r, _) = c.request(cmd, json!({"threadId": 7}));
        assert_eq!(r["message"], json!("no thread 7 (the program's one thread is 1)"), "{cmd}: {r}");
    }
    assert_eq!(top_line(&mut c), json!(22), "nothing moved");
    c.seq += 1;
    let body = json!({"seq": c.seq, "type": "request", "command": "threads"}).to_string();
    write!(c.to, "content-length: {}\r\n\r\n{body}", body.len()).expect("send");
    let r = c.read();
    assert_eq!(r["body"]["threads"][0]["id"], json!(1), "{r}");
    let (r, _) = c.request("terminate", json!({}));
    assert_eq!(r["success"], json!(true), "{r}");
    c.event("terminated");
    let (r, _) = c.request("stackTrace", json!({"threadId": 1}));
    assert_eq!(r["success"], json!(false), "{r}");
    let (r, _) = c.request("disconnect", json!({}));
    assert_eq!(r["success"], json!(true), "{r}");
    assert!(c.child.wait().expect("rdx dap ends").success());

    // So after a `terminate` that stops a running motion.
    let f = program("terminate", "forever.rdx", FOREVER);
    let mut c = Client::start();
    c.request("initialize", json!({}));
    c.request("launch", json!({"program": f, "stopOnEntry": false}));
    c.request("configurationDone", json!({}));
    let (r, _) = c.request("terminate", json!({}));
    assert_eq!(r["success"], json!(true), "{r}");
    c.event("terminated");
    let (r, _) = c.request("disconnect", json!({}));
    assert_eq!(r["success"], json!(true), "{r}");
    assert!(c.child.wait().expect("rdx dap ends").success());
}

/// Sends `requests` (command, arguments) and ends the input; returns every message `rdx dap`
/// sent, in order, and whether it exited with 0.
fn whole_session(requests: &[(&str, Value)]) -> (Vec<Value>, bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rdx"))
        .arg("dap")
        .env("RDX_NO_LEDGER", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("rdx dap starts");
    let mut to = child.stdin.take().expect("stdin");
    for (seq, (cmd, args)) in requests.iter().enumerate() {
        let body = json!({"seq": seq + 1, "type": "request", "command": cmd, "arguments": args}).to_string();
        write!(to, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("send");
    }
    drop(to);
    let out = child.wait_with_output().expect("rdx dap ends");
    let mut from = BufReader::new(&out.stdout[..]);
    let mut messages = Vec::new();
    loop {
        let mut len = None;
        loop {
            let mut line = String::new();
            if from.read_line(&mut line).expect("header") == 0 {
                return (messages, out.status.success());
            }
            match line.trim_end() {
                "" => break,
                l => {
                    len =
                        l.strip_prefix("Content-Length:").map(|v| v.trim().parse::<usize>().expect("length"))
                }
            }
        }
        let mut body = vec![0; len.expect("Content-Length")];
        from.read_exact(&mut body).expect("body");
        messages.push(serde_json::from_slice(&body).expect("JSON body"));
    }
}

/// The names of the events among `messages`.
fn events(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .filter(|m| m["type"] == "event")
        .map(|m| m["event"].as_str().unwrap().to_string())
        .collect()
}

/// `evaluate` answers the expression's value itself: a Janus expression holding `=` (`acc = 0`,
/// a comparison) was cut at its first ` = ` out of the REPL's `EXPR = VALUE` line ("0 = 1").
#[test]
fn evaluate_answers_the_value_of_a_janus_expression_holding_equals() {
    let ja = program("equals", "equals.ja", "int acc\nint v[3]\n\nprocedure main()\n    acc += 2\n");
    let mut c = launched(&ja, json!([]));
    for (expr, value) in
        [("acc = 0", "1"), ("acc = 1", "0"), ("(acc = 0) + 5", "6"), ("v[0] = 0 && acc = 0", "1")]
    {
        let (r, _) = c.request("evaluate", json!({"expression": expr, "context": "hover"}));
        assert_eq!(r["body"]["result"], json!(value), "{expr}: {r}");
    }
    let (r, _) = c.request("evaluate", json!({"expression": "v"}));
    assert_eq!(r["body"]["result"], json!("{0, 0, 0}"), "{r}");
}

/// Signed and narrow locals.
const TYPED_LOCALS: &str = include_str!("common/typed_locals.rdx");

#[path = "common/untyped.rs"]
mod untyped;

/// [`untyped::module_without_local_types`] of `source`, written in its own folder.
fn module_without_local_types(tag: &str, source: &str) -> String {
    untyped::module_without_local_types(&program(tag, "typed.rdx", source))
}

/// Locals have the types the source declares (the bytecode keeps none: they were all shown,
/// and computed, as `u64`: `d < 0` was 0 for d = -5). A module that does not tell them says
/// so in the type.
#[test]
fn locals_are_shown_and_computed_with_their_declared_types() {
    let f = program("typed", "typed.rdx", TYPED_LOCALS);
    let mut c = Client::start();
    c.request("initialize", json!({}));
    c.request("launch", json!({"program": f, "args": ["x=10", "y=3"]}));
    c.request("setBreakpoints", json!({"source": {"path": f}, "breakpoints": [{"line": 10}]}));
    c.request("configurationDone", json!({}));
    c.event("stopped");
    c.request("continue", json!({"threadId": 1}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("breakpoint"));
    let (r, _) = c.request("variables", json!({"variablesReference": 1}));
    let typed: Vec<(String, String, String)> = r["body"]["variables"]
        .as_array()
        .expect("variables")
        .iter()
        .map(|v| (v["name"].to_string(), v["type"].to_string(), v["value"].to_string()))
        .collect();
    let want =
        [("x", "i64", "5"), ("y", "u8", "2"), ("w", "i32", "-7"), ("e", "u8", "255"), ("d", "i64", "-5")];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(n, t, v)| (json!(n).to_string(), json!(t).to_string(), json!(v).to_string()))
        .collect();
    assert_eq!(typed, want, "{r}");
    for (expr, value) in [("d < 0", "1"), ("d / 2", "-2"), ("w * 2", "-14"), ("e + 1", "0"), ("x + d", "0")] {
        let (r, _) = c.request("evaluate", json!({"expression": expr}));
        assert_eq!(r["body"]["result"], json!(value), "{expr}: {r}");
    }

    let f = module_without_local_types("untyped", TYPED_LOCALS);
    let mut c = Client::start();
    c.request("initialize", json!({}));
    c.request("launch", json!({"program": f, "args": ["x=10", "y=3"]}));
    c.request("configurationDone", json!({}));
    c.event("stopped");
    for _ in 0..8 {
        c.request("next", json!({"threadId": 1}));
        c.event("stopped");
    }
    let (r, _) = c.request("variables", json!({"variablesReference": 1}));
    let d = &r["body"]["variables"][4];
    assert_eq!(d["name"], json!("d"), "{r}");
    assert_eq!(d["type"], json!("u64 (a word: type not recorded)"), "{r}");
    let (r, _) = c.request("evaluate", json!({"expression": "d < 0"}));
    assert_eq!(
        r["body"]["result"],
        json!("0 (`d` read as a u64 word: the module does not record its type)"),
        "{r}"
    );
}

/// `stackTrace` sends the frames asked for (`startFrame`, `levels`) and counts them all in
/// `totalFrames`: a deep recursion sent every frame at each stop (29 MB at 200,000).
#[test]
fn stack_trace_sends_the_frames_asked_for() {
    let f = program(
        "deep",
        "deep.rdx",
        "gene r(n: u64, c: u64) {\n    if n != 0 {\n        n -= 1\n        c += 1\n        call r(n, c)\n        n += 1\n    } fi n != 0\n}\n",
    );
    let mut c = Client::start();
    c.request("initialize", json!({}));
    c.request("launch", json!({"program": f, "args": ["n=50"]}));
    c.request("setBreakpoints", json!({"source": {"path": f}, "breakpoints": [{"line": 6}]}));
    c.request("configurationDone", json!({}));
    c.event("stopped");
    c.request("continue", json!({"threadId": 1}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("breakpoint"));
    let ids = |r: &Value| -> Vec<u64> {
        r["body"]["stackFrames"]
            .as_array()
            .expect("frames")
            .iter()
            .map(|f| f["id"].as_u64().unwrap())
            .collect()
    };
    let (r, _) = c.request("stackTrace", json!({"threadId": 1, "startFrame": 1, "levels": 2}));
    assert_eq!((ids(&r), r["body"]["totalFrames"].clone()), (vec![1, 2], json!(50)), "{r}");
    assert_eq!(r["body"]["stackFrames"][0]["line"], json!(5), "a caller at its call: {r}");
    let (r, _) = c.request("stackTrace", json!({"threadId": 1, "startFrame": 48, "levels": 5}));
    assert_eq!(ids(&r), [48, 49], "{r}");
    let (r, _) = c.request("stackTrace", json!({"threadId": 1, "startFrame": 60}));
    assert_eq!((ids(&r), r["body"]["totalFrames"].clone()), (vec![], json!(50)), "{r}");
    let (r, _) = c.request("stackTrace", json!({"threadId": 1, "levels": 0}));
    assert_eq!(ids(&r), (0..50).collect::<Vec<u64>>(), "levels 0: all of them");
    let (r, _) = c.request("stackTrace", json!({"threadId": 1, "levels": "20"}));
    assert!(r["message"].as_str().is_some_and(|m| m.contains("`levels` must be a count")), "{r}");
}

/// A module assembled from a relative path (`rdx asm progs/e.rdx` run in D) and debugged from
/// another directory: its frames name the source by its absolute path, found next to the
/// module, and breakpoints set by that path, by the module's, or by another spelling of either
/// are the program's (they were "not the program being debugged (progs/e.rdx)").
#[test]
fn a_module_assembled_elsewhere_names_its_source_by_a_path_the_editor_opens() {
    let src = program("elsewhere", "progs/e.rdx", CALLS);
    let progs = Path::new(&src).parent().unwrap();
    let d = progs.parent().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rdx"))
        .args(["asm", "progs/e.rdx", "-o", "progs/e.rdxb", "--home", "home"])
        .current_dir(d)
        .env("RDX_NO_LEDGER", "1")
        .output()
        .expect("rdx asm runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let module = progs.join("e.rdxb").display().to_string();
    let mut c = Client::start_in(Path::new("/"));
    c.request("initialize", json!({}));
    let (r, _) = c.request("launch", json!({"program": module, "args": ["x=3"]}));
    assert_eq!(r["success"], json!(true), "{r}");
    let roundabout = d.join("progs/../progs/e.rdx").display().to_string();
    for path in [&src, &module, &roundabout] {
        let (r, _) =
            c.request("setBreakpoints", json!({"source": {"path": path}, "breakpoints": [{"line": 2}]}));
        assert_eq!(r["body"]["breakpoints"][0]["verified"], json!(true), "{path}: {r}");
    }
    let (r, _) = c.request(
        "setBreakpoints",
        json!({"source": {"path": stdlib("sum.rdx")}, "breakpoints": [{"line": 26}]}),
    );
    assert_eq!(r["body"]["breakpoints"][0]["verified"], json!(false), "{r}");
    c.request("configurationDone", json!({}));
    c.event("stopped");
    c.request("continue", json!({"threadId": 1}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("breakpoint"));
    let (r, _) = c.request("stackTrace", json!({"threadId": 1}));
    for f in r["body"]["stackFrames"].as_array().expect("frames") {
        assert_eq!(f["source"]["path"], json!(src), "{r}");
    }
}

/// `configurationDone` starts the session once: another one sent no second `stopped`
/// (reason entry, after a step had moved on) and, with `stopOnEntry: false`, no second
/// `continue`. Before `launch` a request the adapter does not know is "not supported" (not
/// "launch a program first"), its name cut short.
#[test]
fn configuration_done_acts_once_and_unknown_requests_are_not_supported() {
    let sum = stdlib("sum.rdx");
    let mut c = Client::start();
    let (r, _) = c.request("stackTrace", json!({"threadId": 1}));
    assert_eq!(r["message"], json!("launch a program first"), "{r}");
    let (r, _) = c.request("fooBar", json!({}));
    assert_eq!(r["message"], json!("`fooBar` is not supported by rdx dap"), "{r}");
    let (r, _) = c.request(&"x".repeat(10_000), json!({}));
    let message = r["message"].as_str().unwrap_or_default();
    assert!(message.len() < 200 && message.contains("x…`"), "{r}");
    c.request("initialize", json!({}));
    c.request("launch", json!({"program": sum, "entry": "sum_to", "args": ["n=3"]}));
    c.request("configurationDone", json!({}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("entry"));
    c.request("next", json!({"threadId": 1}));
    c.event("stopped");
    let line = top_line(&mut c);
    let (r, events) = c.request("configurationDone", json!({}));
    assert_eq!(r["success"], json!(true), "{r}");
    let (_, more) = c.request("threads", json!({}));
    assert_eq!((events, more), (vec![], vec![]), "no second stop on entry");
    assert_eq!(top_line(&mut c), line);
    let (r, _) = c.request("fooBar", json!({}));
    assert_eq!(r["message"], json!("`fooBar` is not supported by rdx dap"), "{r}");

    // A step before `configurationDone` has started the session: no stop on entry after it.
    let mut c = Client::start();
    c.request("initialize", json!({}));
    c.request("launch", json!({"program": sum, "entry": "sum_to", "args": ["n=3"]}));
    c.request("next", json!({"threadId": 1}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("step"));
    c.request("configurationDone", json!({}));
    let (_, events) = c.request("threads", json!({}));
    assert_eq!(events, Vec::<Value>::new(), "no stop on entry after a step");

    let mut c = Client::start();
    c.request("initialize", json!({}));
    c.request("launch", json!({"program": sum, "entry": "sum_to", "args": ["n=3"], "stopOnEntry": false}));
    c.request("configurationDone", json!({}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("end"));
    c.request("stepBack", json!({"threadId": 1}));
    c.event("stopped");
    let line = top_line(&mut c);
    c.request("configurationDone", json!({}));
    let (_, events) = c.request("threads", json!({}));
    assert_eq!(events, Vec::<Value>::new(), "no second continue");
    assert_eq!(top_line(&mut c), line);
}

/// The end of the input ends a launched session with a `terminated` event (spec/debugger.md),
/// also while a motion runs; the adapter exits with 0.
#[test]
fn the_end_of_the_input_ends_the_session_with_terminated() {
    let sum = stdlib("sum.rdx");
    let forever = program("end", "forever.rdx", FOREVER);
    for requests in [
        vec![
            ("initialize", json!({})),
            ("launch", json!({"program": sum, "entry": "sum_to", "args": ["n=3"]})),
            ("configurationDone", json!({})),
        ],
        vec![
            ("initialize", json!({})),
            ("launch", json!({"program": forever, "stopOnEntry": false})),
            ("configurationDone", json!({})),
        ],
    ] {
        let (messages, ok) = whole_session(&requests);
        assert!(ok, "{messages:?}");
        let events = events(&messages);
        assert_eq!(events.last().map(String::as_str), Some("terminated"), "{messages:?}");
        assert_eq!(events.iter().filter(|e| *e == "terminated").count(), 1, "{messages:?}");
    }
    // After `disconnect`, one `terminated` (the end of the input sends no second).
    let (messages, _) = whole_session(&[
        ("initialize", json!({})),
        ("launch", json!({"program": sum, "entry": "sum_to", "args": ["n=3"]})),
        ("disconnect", json!({})),
    ]);
    assert_eq!(events(&messages).iter().filter(|e| *e == "terminated").count(), 1, "{messages:?}");
}

/// A breakpoint's `line` that is not a number is refused (it was echoed back as the line); a
/// program that does not compile is refused with each error at its file, line and column.
#[test]
fn a_line_that_is_not_a_number_and_a_program_that_does_not_compile_are_refused() {
    let sum = stdlib("sum.rdx");
    let mut c = Client::start();
    c.request("initialize", json!({}));
    let bad = program("compile", "bad.rdx", "gene main(x: u64) {\n    x += y\n    z -= 1\n}\n");
    let (r, _) = c.request("launch", json!({"program": bad}));
    assert_eq!(
        r["message"],
        json!(format!(
            "{bad}:2:10: error[E0201]: unknown variable `y`\n{bad}:3:5: error[E0201]: unknown variable `z`"
        )),
        "{r}"
    );
    c.request("launch", json!({"program": sum, "entry": "sum_to", "args": ["n=3"]}));
    let (r, _) = c.request(
        "setBreakpoints",
        json!({"source": {"path": sum}, "breakpoints": [{"line": 26}, {"line": "x"}]}),
    );
    assert_eq!(
        r["message"],
        json!("setBreakpoints: a breakpoint's `line` must be a line number, not `\"x\"`"),
        "{r}"
    );
}

/// A breakpoint on a gene's header line (where an editor's user clicks) is verified at the
/// gene's first statement (it was unverified, "no statement starts on this line"); a `line`
/// sent as a whole float (`6.0`) is that line (it was "no such line"); `scopes` without
/// `frameId` says it is missing (it said "no frame null").
#[test]
fn a_header_line_moves_a_float_line_is_a_line_and_scopes_needs_a_frame_id() {
    let f = program("header", "calls.rdx", CALLS);
    let mut c = Client::start();
    c.request("initialize", json!({}));
    c.request("launch", json!({"program": f, "args": ["x=3"]}));
    let (r, _) = c.request(
        "setBreakpoints",
        json!({"source": {"path": f}, "breakpoints": [{"line": 1}, {"line": 5}, {"line": 7.0}, {"line": 7.5}]}),
    );
    let bps = &r["body"]["breakpoints"];
    let at = |i: usize| (bps[i]["verified"].clone(), bps[i]["line"].clone());
    assert_eq!(at(0), (json!(true), json!(2)), "{r}");
    assert_eq!(at(1), (json!(true), json!(6)), "{r}");
    assert_eq!(at(2), (json!(true), json!(7)), "{r}");
    assert_eq!(bps[3]["verified"], json!(false), "{r}");
    c.request("configurationDone", json!({}));
    c.event("stopped");
    let (r, _) = c.request("scopes", json!({}));
    assert_eq!(r["success"], json!(false), "{r}");
    assert_eq!(r["message"], json!("scopes needs `frameId`: the id of a frame `stackTrace` gave"), "{r}");
    c.request("continue", json!({"threadId": 1}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("breakpoint"));
    assert_eq!(top_line(&mut c), json!(2));
}

/// `rdx` run with `args` in directory `dir`; checks it succeeds and returns its stdout.
fn rdx_in(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rdx"))
        .args(args)
        .current_dir(dir)
        .env("RDX_NO_LEDGER", "1")
        .output()
        .expect("rdx runs");
    assert!(out.status.success(), "rdx {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A module launched by its CID is looked up in the store of the home `--home` (written after
/// `dap` or before it) or `$RDX_HOME` names, as `rdx debug CID` looks it up, and debugs as the
/// module launched by its path does (it was "no file …, and no store to look it up in as a
/// CID", whatever home was given); a home whose store has no such module says so.
#[test]
fn a_program_launched_by_cid_is_looked_up_in_the_home() {
    let src = program("cid", "calls.rdx", CALLS);
    let d = Path::new(&src).parent().unwrap();
    rdx_in(d, &["asm", "calls.rdx", "-o", "calls.rdxb", "--home", "other"]);
    let put = rdx_in(d, &["--home", "home", "store", "put", "calls.rdxb"]);
    let cid = put.split_whitespace().next().expect("a CID").to_string();
    let module = d.join("calls.rdxb").display().to_string();
    let home = d.join("home");
    /// Launches `program`, breaks on line 2, continues: the line it stops on and `y` there.
    fn stop_at_the_breakpoint(mut c: Client, program: &str, src: &str) -> (Value, Vec<(String, String)>) {
        c.request("initialize", json!({}));
        let (r, _) = c.request("launch", json!({"program": program, "args": ["x=3"]}));
        assert_eq!(r["success"], json!(true), "{program}: {r}");
        c.request("setBreakpoints", json!({"source": {"path": src}, "breakpoints": [{"line": 2}]}));
        c.request("configurationDone", json!({}));
        assert_eq!(c.event("stopped")["body"]["reason"], json!("entry"));
        c.request("continue", json!({"threadId": 1}));
        assert_eq!(c.event("stopped")["body"]["reason"], json!("breakpoint"), "{program}");
        (top_line(&mut c), c.variables(0))
    }
    let by_path = stop_at_the_breakpoint(Client::start_in(d), &module, &src);
    let after = {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rdx"));
        cmd.args(["dap", "--home", "home"]).current_dir(d);
        cmd
    };
    let before = {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rdx"));
        cmd.args(["--home", "home", "dap"]).current_dir(d);
        cmd
    };
    let env = {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rdx"));
        cmd.arg("dap").env("RDX_HOME", &home).current_dir(d);
        cmd
    };
    for cmd in [after, before, env] {
        let what = format!("{:?}", cmd.get_args().collect::<Vec<_>>());
        assert_eq!(stop_at_the_breakpoint(Client::spawn(cmd), &cid, &src), by_path, "{what}");
    }
    // The home given is the one looked in: `empty` holds no module.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rdx"));
    cmd.args(["dap", "--home", "empty"]).current_dir(d);
    let mut c = Client::spawn(cmd);
    c.request("initialize", json!({}));
    let (r, _) = c.request("launch", json!({"program": cid}));
    assert_eq!(r["success"], json!(false), "{r}");
    assert_eq!(r["message"], json!(format!("no blob {cid} in the store")), "{r}");
}

/// `setBreakpoints` whose `breakpoints` is not a list (an object, a string) is refused, and
/// the program's breakpoints stay (it was answered with no breakpoints, and cleared them all);
/// the deprecated `lines` (lines without conditions), which was ignored, sets breakpoints on
/// those lines; a `lines` that is not a list is refused.
#[test]
fn breakpoints_that_are_not_a_list_are_refused_and_lines_set_breakpoints() {
    let sum = stdlib("sum.rdx");
    let mut c = Client::start();
    c.request("initialize", json!({}));
    c.request("launch", json!({"program": sum, "entry": "sum_to", "args": ["n=3"]}));
    let (r, _) = c.request("setBreakpoints", json!({"source": {"path": sum}, "lines": [26, 3]}));
    assert_eq!(r["success"], json!(true), "{r}");
    let bps = &r["body"]["breakpoints"];
    assert_eq!((bps[0]["verified"].clone(), bps[0]["line"].clone()), (json!(true), json!(26)), "{r}");
    assert_eq!(bps[1]["verified"], json!(false), "line 3 is a comment: {r}");
    for (args, message) in [
        (
            json!({"breakpoints": {"line": 22}}),
            "setBreakpoints: `breakpoints` must be a list of breakpoints (objects with a `line`), not `{\"line\":22}`",
        ),
        (
            json!({"breakpoints": "22"}),
            "setBreakpoints: `breakpoints` must be a list of breakpoints (objects with a `line`), not `\"22\"`",
        ),
        (
            json!({"breakpoints": [22]}),
            "setBreakpoints: a breakpoint must be an object with a `line`, not `22`",
        ),
        (json!({"lines": 22}), "setBreakpoints: `lines` must be a list of line numbers, not `22`"),
    ] {
        let mut args = args;
        args["source"] = json!({"path": sum});
        let (r, _) = c.request("setBreakpoints", args.clone());
        assert_eq!(
            (r["success"].clone(), r["message"].clone()),
            (json!(false), json!(message)),
            "{args}: {r}"
        );
    }
    c.request("configurationDone", json!({}));
    c.event("stopped");
    c.request("continue", json!({"threadId": 1}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("breakpoint"), "line 26's stays");
    assert_eq!(top_line(&mut c), json!(26));
    // `breakpoints` wins over `lines`; an empty list clears them.
    c.request("setBreakpoints", json!({"source": {"path": sum}, "breakpoints": [], "lines": [26]}));
    c.request("continue", json!({"threadId": 1}));
    assert_eq!(c.event("stopped")["body"]["reason"], json!("end"));
}

/// A frame's `column` counts as the client's `initialize` says: 0 with `columnsStartAt1:
/// false` (it was 1 whatever the client said), else 1.
#[test]
fn columns_count_from_0_when_the_client_says_so() {
    let sum = stdlib("sum.rdx");
    for (init, column) in [
        (json!({"columnsStartAt1": false}), 0),
        (json!({"columnsStartAt1": false, "linesStartAt1": false}), 0),
        (json!({"columnsStartAt1": true}), 1),
        (json!({}), 1),
    ] {
        let mut c = Client::start();
        c.request("initialize", init.clone());
        c.request("launch", json!({"program": sum, "entry": "sum_to", "args": ["n=3"]}));
        c.request("configurationDone", json!({}));
        c.event("stopped");
        let (r, _) = c.request("stackTrace", json!({"threadId": 1}));
        assert_eq!(r["body"]["stackFrames"][0]["column"], json!(column), "{init}: {r}");
    }
}

/// A program calling a user kernel launches with the launch argument `kernels` (the `.wasm`
/// files, as `rdx debug --kernel`) and steps over the kernel and back; without it, the compile
/// error E0215; a file that does not load, or an entry that is not a file name, is refused
/// naming the argument.
#[test]
fn launch_takes_user_kernels() {
    let home = common::TempHome::new("dap-kernels");
    let kernel = home.file("flip.wasm", common::negating_kernel("flip"));
    let junk = home.file("junk.wasm", "not wasm");
    let program = home.file("k.rdx", "gene main(x: f64[2]) {\n    kernel flip(x)\n}\n");
    let mut c = Client::start();
    c.request("initialize", json!({}));
    for (kernels, says) in [
        (json!(null), "E0215"),
        (json!([junk]), "launch argument `kernels`"),
        (json!([5]), "launch argument `kernels`: `5` is not a file name"),
        (json!(kernel), "launch argument `kernels` must be a list of .wasm file names"),
    ] {
        let (r, _) =
            c.request("launch", json!({"program": program, "args": ["x=[1.5,2]"], "kernels": kernels}));
        let message = r["message"].as_str().unwrap_or_default();
        assert!(r["success"] == json!(false) && message.contains(says), "{kernels}: {r}");
    }
    let (r, _) = c.request("launch", json!({"program": program, "args": ["x=[1.5,2]"], "kernels": [kernel]}));
    assert_eq!(r["success"], json!(true), "{r}");
    c.request("configurationDone", json!({}));
    c.event("stopped");
    let before = c.variables(0);
    c.request("next", json!({"threadId": 1}));
    c.event("stopped");
    let after = c.variables(0);
    assert!(after[0].1.contains("-1.5") && after[0].1.contains("-2"), "{after:?}");
    c.request("stepBack", json!({"threadId": 1}));
    c.event("stopped");
    assert_eq!(c.variables(0), before);
}
