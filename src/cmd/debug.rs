//! `rdx debug FILE`: a time-travel debugger REPL over `rdx_vm::engine::debug::Debugger`.
//!
//! Commands come from a terminal (rustyline: history, completion of commands and names) or,
//! when stdin is not a terminal, one per line from the pipe, with no prompt, so sessions can be
//! scripted. The session logic ([`Session::command`]) only returns text; reading and printing
//! are the edges. Ctrl-C (SIGINT) during a motion interrupts it ([`interrupt`]) and the session
//! goes on where it stopped.

use crate::frontend;
use rdx_core::run::Program;
use rdx_lang::ast::{Dialect, ExprKind, StmtKind, Type};
use rdx_vm::engine::debug::{BreakAt, Breakpoint, Debugger, Motion, Stop, Var, line_of};
use rdx_vm::{Engine, Interpreter, Value};
use std::io::{BufRead, IsTerminal};
use std::num::IntErrorKind;
use std::path::Path;
use std::process::ExitCode;

/// Debug a gene: step it forward and backward, with breakpoints and watchpoints.
///
/// Going backward keeps no log: the debugger runs the program's mirror (only lossy `:=`
/// writes keep what they overwrote, on the history tape, as a plain run does). The session
/// starts paused before the entry gene's first statement. Reads commands from the terminal,
/// or one per line from a pipe (no prompt), so sessions can be scripted; `quit` or the end of
/// input ends it with exit code 0. Ctrl-C stops a running motion where it is (the session goes
/// on). A breakpoint may have a condition, an expression `print` computes:
/// `break 26 if i == 3` stops only where it is non-zero, going forward or back. Type `help` for
/// the commands.
#[derive(clap::Args)]
#[command(mut_arg("input", |a| a.help(INPUT_HELP).long_help(INPUT_HELP)))]
pub struct Args {
    /// The program: rdx source (.rdx), Janus (.ja), a bytecode module (.rdxb), or the CID
    /// of a module in the store.
    #[arg(value_name = "FILE|CID")]
    pub(crate) file: String,
    #[command(flatten)]
    pub(crate) inputs: crate::cmd::run::Inputs,
    #[command(flatten)]
    kernels: crate::kernels::KernelArgs,
}

/// What `--input` takes here: `run`'s files, not stdin, which carries the commands.
const INPUT_HELP: &str = "Read parameter values from FILE: the `name = value` lines `rdx run` prints, \
     or the JSON object `rdx run --json` prints (a Janus program's store as it prints it). --set \
     overrides single values. Not `-`: stdin carries the debugger's commands.";

const COMMANDS: &[&str] = &[
    "step",
    "next",
    "finish",
    "continue",
    "back",
    "rnext",
    "rfinish",
    "rcontinue",
    "break",
    "delete",
    "watch",
    "print",
    "info",
    "where",
    "bt",
    "list",
    "goto",
    "run",
    "quit",
    "help",
];

const HELP: &str = "\
commands (forward in the run's own direction; r… and back go the other way):
  step, s [N]        one statement forward (N of them), into calls
  next, n [N]        one statement forward (N of them), over calls
  finish             run until the current gene returns
  continue, c        run to the next breakpoint, watchpoint change, error or the end
  back, b [N]        one statement backward (N of them), into calls
  rnext [N]          one statement backward (N of them), over calls
  rfinish            run backward to where the current gene was called
  rcontinue, rc      run backward to the previous breakpoint, watchpoint change or the start
  break LINE|GENE [if EXPR]
                     stop before each statement on LINE, or at the start of GENE; with
                     `if EXPR`, only where EXPR (as `print` computes it there) is non-zero
  delete N           delete breakpoint or watchpoint N
  watch VAR          stop where VAR (of the current gene) changes, in either direction
  print VAR|EXPR, p  print a variable (`x = VALUE`, as rdx run prints it) or an expression
  info locals|args|stack|tape|breaks
  where, bt          the call stack
  list [LINE|GENE]   the source around the current line, a line, or a gene's start
  goto STEP          go to step STEP of the run (counted from its start), either direction
  run                restart the run from its start
  quit, q            end the session
Ctrl-C stops a running motion (continue into an endless loop) at the step it reached.
";

/// What a command that takes no argument answers when given one.
fn no_argument(cmd: &str, arg: &str) -> String {
    format!("error: {cmd} takes no argument (`{}`)\n", clip(arg))
}

/// The most characters of a client's text an error echoes.
const CLIP: usize = 80;

/// `text` cut to [`CLIP`] characters (`…` marks the cut), to echo what was typed or sent: a
/// 20 MB line is not echoed whole.
pub(crate) fn clip(text: &str) -> String {
    match text.char_indices().nth(CLIP) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// `message` with each piece between backquotes cut as [`clip`] cuts it: a message that
/// quotes what was typed (a parser's `unexpected name `…``) echoes it cut.
fn clip_quoted(message: &str) -> String {
    let pieces: Vec<String> = message
        .split('`')
        .enumerate()
        .map(|(i, p)| if i % 2 == 1 { clip(p) } else { p.to_string() })
        .collect();
    pieces.join("`")
}

/// What a command line that is not UTF-8 gets (the session goes on).
const NOT_TEXT: &str = "error: the line is not UTF-8 text";

pub fn run(args: Args, home: Option<&Path>) -> ExitCode {
    if args.inputs.input.as_deref() == Some(Path::new("-")) {
        return frontend::usage_error(
            "--input -: stdin carries the debugger's commands; give the input in a file (--input FILE)",
        );
    }
    let kernels = match args.kernels.read() {
        Ok(k) => k,
        Err(code) => return code,
    };
    let home = store_for(&args.file, home);
    let program = match frontend::load(&args.file, home.as_ref(), false, &kernels) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let (gene, values, dir) = match args.inputs.resolve(&program) {
        Ok(r) => r,
        Err(e) => return frontend::fail(e),
    };
    let mut it = Interpreter::new();
    match rdx_core::kernels::engine_host(&kernels, false) {
        Ok(host) => it.set_kernels(host),
        Err(e) => return frontend::fail(e),
    }
    let mut dbg = match Debugger::new(&program.module, gene, values, dir) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {}", e.kind.message());
            return ExitCode::from(2);
        }
    };
    if let Err(e) = dbg.set_interpreter(it) {
        eprintln!("error: {}", e.kind.message());
        return ExitCode::from(2);
    }
    dbg.set_interrupt(interrupt::install());
    let mut s = Session::new(&program, dbg);
    if !say(&s.banner()) {
        return ExitCode::SUCCESS;
    }
    if std::io::stdin().is_terminal() {
        interactive(&mut s)
    } else {
        for line in std::io::stdin().lock().lines() {
            let line = match line {
                Ok(line) => line,
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    if !say(&format!("{NOT_TEXT}\n")) {
                        break;
                    }
                    continue;
                }
                Err(e) => {
                    eprintln!("error: cannot read a command: {e}");
                    return ExitCode::from(2);
                }
            };
            let (text, quit) = s.command(&line);
            if !say(&text) || quit {
                break;
            }
        }
        ExitCode::SUCCESS
    }
}

/// The home whose store a program named by CID (`file`, when no file has that name) is looked
/// up in: `--home` (`dir`), else `$RDX_HOME`, else `~/.rdx`. None for a file, and for a home
/// that cannot be opened: loading a CID then says there is no store to look it up in. `rdx
/// debug` and `rdx dap` share it.
pub(crate) fn store_for(file: &str, dir: Option<&Path>) -> Option<rdx_core::Home> {
    if Path::new(file).exists() { None } else { rdx_core::Home::open(dir).ok() }
}

/// Writes `text` to stdout as every command does ([`frontend::write_stdout`]); false once
/// stdout cannot be written: the session ends there, and `main` ends the command as it ends any
/// other whose stdout failed (by the pipe's signal when the reader went away, else `error:
/// cannot write to stdout: …` and exit code 1).
fn say(text: &str) -> bool {
    if !text.is_empty() {
        frontend::write_stdout(text.as_bytes());
    }
    frontend::stdout_failure().is_none()
}

fn interactive(s: &mut Session<'_, '_>) -> ExitCode {
    use rustyline::Helper;
    use rustyline::completion::{Completer, Pair};
    use rustyline::highlight::Highlighter;
    use rustyline::hint::Hinter;
    use rustyline::validate::Validator;

    struct Names {
        words: Vec<String>,
    }
    impl Helper for Names {}
    impl Highlighter for Names {}
    impl Validator for Names {}
    impl Hinter for Names {
        type Hint = String;
    }
    impl Completer for Names {
        type Candidate = Pair;
        fn complete(
            &self,
            line: &str,
            pos: usize,
            _: &rustyline::Context<'_>,
        ) -> rustyline::Result<(usize, Vec<Pair>)> {
            let start = line[..pos].rfind(' ').map_or(0, |i| i + 1);
            let word = &line[start..pos];
            let c = self
                .words
                .iter()
                .filter(|w| w.starts_with(word))
                .map(|w| Pair { display: w.clone(), replacement: w.clone() })
                .collect();
            Ok((start, c))
        }
    }
    let mut words: Vec<String> = COMMANDS.iter().map(|c| c.to_string()).collect();
    words.extend(["locals", "args", "stack", "tape", "breaks"].map(String::from));
    let dialect = s.program.module.dialect;
    for (gi, g) in s.program.module.genes.iter().enumerate() {
        words.push(g.name.clone());
        words.extend(g.params.iter().map(|p| p.name.clone()));
        let names = s.program.module.debug.as_ref().and_then(|d| d.genes.get(gi));
        if let Some(d) = names {
            let slots = 0..d.slot_names.len() as u16;
            let named = slots.flat_map(|s| d.slot_uses(s)).map(|(name, _)| name);
            words.extend(named.filter(|n| !temporary(n, dialect)).map(String::from));
        }
    }
    words.sort();
    words.dedup();
    let mut rl = match rustyline::Editor::<Names, rustyline::history::DefaultHistory>::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot read the terminal: {e}");
            return ExitCode::from(2);
        }
    };
    rl.set_helper(Some(Names { words }));
    loop {
        let line = match rl.readline("(rdx) ") {
            Ok(line) => line,
            Err(rustyline::error::ReadlineError::Eof) => break,
            // Ctrl-C drops the line being typed; the session goes on.
            Err(rustyline::error::ReadlineError::Interrupted) => {
                if !say("(`quit` or Ctrl-D ends the session)\n") {
                    break;
                }
                continue;
            }
            Err(rustyline::error::ReadlineError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidData => {
                if !say(&format!("{NOT_TEXT}\n")) {
                    break;
                }
                continue;
            }
            Err(e) => {
                eprintln!("error: cannot read a command: {e}");
                return ExitCode::from(2);
            }
        };
        if !line.trim().is_empty() {
            let _ = rl.add_history_entry(line.as_str());
        }
        let (text, quit) = s.command(&line);
        // After the terminal's `^C`, on a line of its own.
        let text = if interrupt::take_hit() { format!("\n{text}") } else { text };
        if !say(&text) || quit {
            break;
        }
    }
    ExitCode::SUCCESS
}

/// Ctrl-C during a motion: a SIGINT handler raises the session's interrupt flag, which the
/// debugger reads every [`rdx_vm::engine::debug::INTERRUPT_CHECK_STEPS`] steps
/// ([`Debugger::set_interrupt`]). Outside a motion it only says how to end the session (at the
/// terminal's prompt the line editor takes Ctrl-C itself: it drops the line being typed).
mod interrupt {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, OnceLock};

    /// The flag the debugger reads (set before the handler is installed).
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    /// A motion is running.
    static RUNNING: AtomicBool = AtomicBool::new(false);
    /// Ctrl-C came during the last motion.
    static HIT: AtomicBool = AtomicBool::new(false);

    const NOTE: &[u8] =
        b"\nrdx debug: Ctrl-C stops a running motion; `quit` or the end of input ends the session\n";

    extern "C" fn on_sigint(_: libc::c_int) {
        if RUNNING.load(Ordering::SeqCst) {
            if let Some(flag) = FLAG.get() {
                flag.store(true, Ordering::SeqCst);
            }
            HIT.store(true, Ordering::SeqCst);
        } else {
            // SAFETY: write(2) is async-signal-safe; NOTE is a static buffer of NOTE.len() bytes.
            let _ = unsafe { libc::write(2, NOTE.as_ptr().cast(), NOTE.len()) };
        }
    }

    /// Installs the SIGINT handler; returns the flag it raises (None if it cannot be installed:
    /// Ctrl-C then ends the process, as before).
    pub fn install() -> Option<Arc<AtomicBool>> {
        let flag = FLAG.get_or_init(|| Arc::new(AtomicBool::new(false))).clone();
        // SAFETY: a zeroed `sigaction` is a valid value of the C struct; the handler only
        // touches atomics (the flag is initialised above, so `get` only loads) and write(2),
        // all async-signal-safe. SA_RESTART: a read waiting for the next command goes on.
        let installed = unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t;
            sa.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut()) == 0
        };
        installed.then_some(flag)
    }

    /// Runs motion `f` so that Ctrl-C interrupts it (a Ctrl-C from before it is forgotten).
    pub fn during<T>(f: impl FnOnce() -> T) -> T {
        if let Some(flag) = FLAG.get() {
            flag.store(false, Ordering::SeqCst);
        }
        RUNNING.store(true, Ordering::SeqCst);
        let r = f();
        RUNNING.store(false, Ordering::SeqCst);
        r
    }

    /// Whether Ctrl-C came during the last motion (forgotten once asked).
    pub fn take_hit() -> bool {
        HIT.swap(false, Ordering::SeqCst)
    }
}

/// `arg` as a count, a step, a line or a breakpoint's number: decimal digits alone. `+2`, which
/// Rust's parser takes, is refused as `0x2` is, with the error the parser gives a `+` alone
/// (`InvalidDigit`).
fn number<T: std::str::FromStr<Err = std::num::ParseIntError>>(
    arg: &str,
) -> Result<T, std::num::ParseIntError> {
    if arg.starts_with('+') { "+".parse::<T>() } else { arg.parse::<T>() }
}

/// A debugging session: a program and its debugger.
pub struct Session<'p, 'm> {
    pub program: &'p Program,
    pub dbg: Debugger<'m>,
}

impl<'p: 'm, 'm> Session<'p, 'm> {
    /// A session over `program` and its debugger, which evaluates breakpoint conditions as
    /// `print` computes expressions ([`Frames::condition`]).
    pub fn new(program: &'p Program, mut dbg: Debugger<'m>) -> Session<'p, 'm> {
        let compiled = Compiled::default();
        dbg.set_condition_eval(Some(Box::new(move |d: &Debugger<'m>, text: &str| {
            Frames { program, dbg: d }.condition(text, &compiled)
        })));
        Session { program, dbg }
    }
}

impl<'m> Session<'_, 'm> {
    /// What the session shows when it starts.
    pub fn banner(&self) -> String {
        let g = &self.program.module.genes[self.dbg.entry()];
        let mut s = format!("rdx debug: {} `{}` (type `help` for commands)\n", self.program.name, g.name);
        s.push_str(&self.here(2));
        s
    }

    /// Runs one command line; returns its text and whether the session ends.
    pub fn command(&mut self, line: &str) -> (String, bool) {
        let line = line.trim();
        let (cmd, arg) = line.split_once(char::is_whitespace).map_or((line, ""), |(c, a)| (c, a.trim()));
        let text = match cmd {
            "" => String::new(),
            "quit" | "q" | "exit" if arg.is_empty() => return (String::new(), true),
            "help" | "h" if arg.is_empty() => HELP.to_string(),
            "step" | "s" => self.motion(cmd, arg, Motion::Step, true),
            "next" | "n" => self.motion(cmd, arg, Motion::Next, true),
            "finish" => self.motion(cmd, arg, Motion::Finish, true),
            "continue" | "c" => self.motion(cmd, arg, Motion::Continue, true),
            "back" | "b" => self.motion(cmd, arg, Motion::Step, false),
            "rnext" => self.motion(cmd, arg, Motion::Next, false),
            "rfinish" => self.motion(cmd, arg, Motion::Finish, false),
            "rcontinue" | "rc" => self.motion(cmd, arg, Motion::Continue, false),
            "break" | "br" => self.add_break(arg),
            "delete" | "d" => match number::<u32>(arg) {
                Ok(n) if self.dbg.delete(n) => format!("deleted {n}\n"),
                Ok(n) => format!("error: no breakpoint or watchpoint {n}\n"),
                Err(_) if arg.is_empty() => {
                    "error: delete N: N is the number `break` or `watch` gave\n".into()
                }
                Err(_) => format!(
                    "error: delete N: `{}` is not the number of a breakpoint or watchpoint (`info breaks`)\n",
                    clip(arg)
                ),
            },
            "watch" if arg.is_empty() => "error: watch VAR: VAR is a variable of the current gene\n".into(),
            "watch" if temporary(arg, self.program.module.dialect) => no_variable(arg),
            "watch" => match self.dbg.add_watch(arg) {
                Ok(w) => format!("watchpoint {}: {}\n", w.id, w.name),
                // (It names the variable asked for.)
                Err(e) => format!("error: {}\n", clip_quoted(&e)),
            },
            "print" | "p" => self.print(arg),
            "info" | "i" => self.info(arg),
            "where" | "bt" | "backtrace" if arg.is_empty() => self.stack(),
            "list" | "l" => self.list(arg),
            "goto" => match number::<u64>(arg) {
                Ok(n) => {
                    let stop = interrupt::during(|| self.dbg.goto(n));
                    // Past the last step: say so, rather than only where it stopped.
                    let past = matches!(stop, Stop::End) && self.dbg.position() < n;
                    let end = self.dbg.position();
                    let report = self.report(stop);
                    if past {
                        format!("there is no step {n}: the run ends at step {end}\n{report}")
                    } else {
                        report
                    }
                }
                Err(e) if *e.kind() == IntErrorKind::PosOverflow => {
                    format!("error: goto STEP: `{}` is too large (at most {})\n", clip(arg), u64::MAX)
                }
                Err(_) if arg.is_empty() => {
                    "error: goto STEP: STEP is a step number (see `info stack`)\n".into()
                }
                Err(_) => {
                    format!("error: goto STEP: `{}` is not a step number (see `info stack`)\n", clip(arg))
                }
            },
            "run" | "r" if arg.is_empty() => match self.dbg.restart() {
                Ok(()) => format!("restarted\n{}", self.here(2)),
                Err(e) => format!("error: {}\n", e.kind.message()),
            },
            "where" | "bt" | "backtrace" | "run" | "r" | "quit" | "q" | "exit" | "help" | "h" => {
                no_argument(cmd, arg)
            }
            other => format!("error: unknown command `{}` (type `help`)\n", clip(other)),
        };
        (text, false)
    }

    /// A motion (`cmd` as typed): a step or a `next` `arg` times (once when there is no
    /// argument), ending early where a breakpoint, a watchpoint, an error or an end of the run
    /// stops it; the other motions take no argument.
    fn motion(&mut self, cmd: &str, arg: &str, motion: Motion, ahead: bool) -> String {
        let counted = matches!(motion, Motion::Step | Motion::Next);
        let times = match number::<u64>(arg) {
            _ if arg.is_empty() => 1,
            Ok(n) if n >= 1 && counted => n,
            Err(e) if counted && *e.kind() == IntErrorKind::PosOverflow => {
                return format!("error: {cmd} [N]: `{}` is too large (at most {})\n", clip(arg), u64::MAX);
            }
            _ if counted => return format!("error: {cmd} [N]: `{}` is not a count (1 or more)\n", clip(arg)),
            _ => return no_argument(cmd, arg),
        };
        let stop = interrupt::during(|| {
            let mut stop = self.dbg.advance(motion, ahead);
            for _ in 1..times {
                if !matches!(stop, Stop::Step) {
                    break;
                }
                stop = self.dbg.advance(motion, ahead);
            }
            stop
        });
        self.report(stop)
    }

    /// What the program printed, why the session stopped and where.
    fn report(&mut self, stop: Stop) -> String {
        let mut s = String::from_utf8_lossy(&self.dbg.take_output()).into_owned();
        why(&mut s, stop, self.dbg.position() == 0);
        s.push_str(&self.here(1));
        s
    }

    /// The current position, gene and line, with `ctx` lines of source each side.
    fn here(&self, ctx: u32) -> String {
        let m = &self.program.module;
        let step = self.dbg.position();
        let Some((gi, span)) = self.dbg.current() else {
            return format!("step {step}\n");
        };
        let line = line_of(m, span).unwrap_or(0);
        let head = format!("step {step}, {} at {}:{line}\n", m.genes[gi].name, self.program.name);
        head + &self.source_around(line, ctx)
    }

    /// The source lines `center - ctx ..= center + ctx` that exist, the current line marked
    /// `>`.
    fn source_around(&self, center: u32, ctx: u32) -> String {
        let m = &self.program.module;
        let current = self.dbg.current().and_then(|(_, span)| line_of(m, span));
        let Some(src) = m.debug.as_ref().map(|d| &d.source) else {
            return String::new();
        };
        let lines: Vec<&str> = src.lines().collect();
        let lo = center.saturating_sub(ctx).max(1);
        let hi = center.saturating_add(ctx).min(lines.len() as u32);
        let mut s = String::new();
        for n in lo..=hi {
            let mark = if Some(n) == current { ">" } else { " " };
            s.push_str(&format!("{mark}{n:>5} | {}\n", lines[n as usize - 1]));
        }
        s
    }

    /// `list`: the source around the current line; `list LINE` around LINE; `list GENE` around
    /// the gene's first line.
    fn list(&self, arg: &str) -> String {
        if arg.is_empty() {
            return self.here(5);
        }
        let m = &self.program.module;
        let gene_line = || {
            let d = m.debug.as_ref()?;
            let sp = d.genes.get(m.gene_index(arg)?)?.spans.first().copied()?;
            line_of(m, sp)
        };
        let Some(line) = number::<u64>(arg).ok().or_else(|| gene_line().map(u64::from)) else {
            return format!("error: list [LINE|GENE]: `{}` is neither a line number nor a gene\n", clip(arg));
        };
        let lines = m.debug.as_ref().map_or(0, |d| d.source.lines().count() as u64);
        match u32::try_from(line) {
            Ok(l) if (1..=lines).contains(&line) => self.source_around(l, 5),
            _ => format!("error: no line {line} in the source\n"),
        }
    }

    /// `break LINE|GENE [if EXPR]`: a breakpoint, stopping only where EXPR is non-zero (or
    /// fails) when it has one. EXPR is checked where the breakpoint stops, as `print` takes
    /// it: one it refuses sets no breakpoint.
    fn add_break(&mut self, arg: &str) -> String {
        let m = &self.program.module;
        let (arg, condition) = match arg.split_once(char::is_whitespace) {
            None => (arg, None),
            Some((at, rest)) => match rest.trim_start().strip_prefix("if") {
                Some(c) if c.is_empty() || c.starts_with(char::is_whitespace) => {
                    if c.trim().is_empty() {
                        return "error: break LINE|GENE if EXPR: the condition EXPR is missing\n".into();
                    }
                    (at, Some(c.trim()))
                }
                _ => {
                    return format!(
                        "error: break LINE|GENE [if EXPR]: `{}` is not `if EXPR`\n",
                        clip(rest.trim_start())
                    );
                }
            },
        };
        // A line with no statement of its own (a gene's header, folded into the next one)
        // moves to the next one that has.
        let mut moved = String::new();
        let at = match number::<u32>(arg) {
            Ok(line) => match self.dbg.statement_line(line) {
                Some(to) => {
                    if to != line {
                        moved =
                            format!(" (no statement starts on line {line}: the next one is on line {to})");
                    }
                    BreakAt::Line(to)
                }
                None => return format!("error: no statement starts on line {line}\n"),
            },
            Err(e) if *e.kind() == IntErrorKind::PosOverflow => {
                return format!(
                    "error: break LINE|GENE: `{}` is too large: a line number is at most {}\n",
                    clip(arg),
                    u32::MAX
                );
            }
            _ if arg.is_empty() => {
                return "error: break LINE|GENE [if EXPR]: LINE or GENE is missing\n".into();
            }
            _ => match m.gene_index(arg) {
                Some(g) => BreakAt::Gene(g),
                None => {
                    return format!(
                        "error: break LINE|GENE: `{}` is neither a line number nor a gene\n",
                        clip(arg)
                    );
                }
            },
        };
        if let Some(c) = condition
            && let Err(e) = self.frames().check_condition(&at, c)
        {
            return format!("error: {e} (no breakpoint set)\n");
        }
        let Some(b) = self.dbg.add_break_with_code(at, condition.map(String::from)) else {
            return format!("error: no statement starts on line {}\n", clip(arg));
        };
        format!("breakpoint {}: {}{moved}\n", b.id, describe(m, &b))
    }

    fn info(&self, arg: &str) -> String {
        let m = &self.program.module;
        match arg {
            "locals" | "args" => {
                let vars = self.variables(self.dbg.depth() - 1);
                let want_param = arg == "args";
                let shown: Vec<String> =
                    vars.iter().filter(|v| v.param == want_param).map(|v| self.var_line(v)).collect();
                if shown.is_empty() {
                    format!("no {}\n", if want_param { "parameters" } else { "locals in scope" })
                } else {
                    shown.join("")
                }
            }
            "stack" => self.stack(),
            "tape" => {
                let tape = self.dbg.tape();
                let mut s = format!(
                    "history tape: {} entries, {} bytes held (lossy writes only; reversible code keeps nothing)\n",
                    tape.len(),
                    self.dbg.bytes_held()
                );
                for (i, e) in tape.iter().enumerate().rev().take(10) {
                    let at = m
                        .tape_tag_span(e.tag)
                        .and_then(|sp| line_of(m, sp))
                        .map_or(String::new(), |l| format!(" (line {l})"));
                    s.push_str(&format!("  #{i}: overwrote {} with {}{at}\n", e.old, e.new));
                }
                s
            }
            "breaks" | "break" | "watch" => {
                let mut s = String::new();
                for b in self.dbg.breakpoints() {
                    s.push_str(&format!("breakpoint {}: {}\n", b.id, describe(m, b)));
                }
                for w in self.dbg.watches() {
                    s.push_str(&format!("watchpoint {}: {}\n", w.id, w.name));
                }
                if s.is_empty() {
                    s.push_str("no breakpoints or watchpoints\n");
                }
                s
            }
            "" => "error: info locals|args|stack|tape|breaks\n".into(),
            _ => format!("error: info locals|args|stack|tape|breaks: `{}` is none of these\n", clip(arg)),
        }
    }

    fn stack(&self) -> String {
        let m = &self.program.module;
        let mut s = format!("step {}\n", self.dbg.position());
        for (i, f) in self.dbg.stack().iter().enumerate() {
            let line = f.span.and_then(|sp| line_of(m, sp)).unwrap_or(0);
            // Only a frame running against the run's own direction was uncalled.
            let dir = match f.dir {
                d if d == self.dbg.direction() => "",
                rdx_vm::Direction::Forward => " (uncalled: runs forward)",
                rdx_vm::Direction::Backward => " (uncalled: runs backward)",
            };
            s.push_str(&format!("#{i} {} at {}:{line}{dir}\n", f.gene, self.program.name));
        }
        s
    }

    /// The frames' variables and expressions, as `print` shows them.
    pub fn frames(&self) -> Frames<'_, 'm> {
        Frames { program: self.program, dbg: &self.dbg }
    }

    /// The variables in scope in frame `k` (0: the entry's frame) that the program declares.
    pub fn variables(&self, k: usize) -> Vec<Var> {
        self.frames().variables(k)
    }

    /// `name = VALUE` as `rdx run` prints it.
    pub fn var_line(&self, v: &Var) -> String {
        self.frames().var_line(v)
    }

    /// A variable as `rdx run` prints it: its name and its value ([`Frames::var_value`]).
    pub fn var_value(&self, v: &Var) -> (String, String) {
        self.frames().var_value(v)
    }

    /// The type of `v` as the DAP's `variables` shows it ([`Frames::var_type`]).
    pub fn var_type(&self, v: &Var) -> String {
        self.frames().var_type(v)
    }

    /// `print VAR|EXPR` in the top frame.
    pub fn print(&self, arg: &str) -> String {
        self.print_in(self.dbg.depth() - 1, arg)
    }

    /// `print VAR|EXPR` in frame `k` (0: the entry's frame).
    pub fn print_in(&self, k: usize, arg: &str) -> String {
        match self.evaluate(k, arg) {
            Ok((name, value)) => format!("{name} = {value}\n"),
            Err(e) => format!("error: {e}\n"),
        }
    }

    /// What `print VAR|EXPR` shows in frame `k` ([`Frames::evaluate`]).
    pub fn evaluate(&self, k: usize, arg: &str) -> Result<(String, String), String> {
        self.frames().evaluate(k, arg)
    }
}

/// A program's frames as the debugger stands in them: their variables, and expressions over
/// them computed as the program's language does. `print`, the DAP's `evaluate` and breakpoint
/// conditions (checked mid-motion, over the debugger the motion runs) all compute here.
#[derive(Clone, Copy)]
pub struct Frames<'a, 'm> {
    program: &'a Program,
    dbg: &'a Debugger<'m>,
}

impl Frames<'_, '_> {
    /// The variables in scope in frame `k` (0: the entry's frame) that the program declares:
    /// not the compiler's temporaries.
    pub fn variables(&self, k: usize) -> Vec<Var> {
        let dialect = self.program.module.dialect;
        self.dbg.variables(k).into_iter().filter(|v| !temporary(&v.name, dialect)).collect()
    }

    /// `name = VALUE` as `rdx run` prints it.
    pub fn var_line(&self, v: &Var) -> String {
        let (name, value) = self.var_value(v);
        format!("{name} = {value}\n")
    }

    /// A variable as `rdx run` prints it: its name (a Janus array's with its size, `v[5]`) and
    /// its value. A local whose type the module does not record is shown as a `u64` word, and
    /// says so.
    pub fn var_value(&self, v: &Var) -> (String, String) {
        let m = &self.program.module;
        if m.dialect == Dialect::Janus {
            let line = rdx_vm::jana::format_var(&v.name, &v.value);
            // The name is an identifier (with a Janus array's dimensions): never ` = `.
            return match line.split_once(" = ") {
                Some((name, value)) => (name.to_string(), value.to_string()),
                None => (v.name.clone(), line),
            };
        }
        let mut value = rdx_vm::values::format_typed(&v.value, v.ty, m.dialect, false);
        if self.untyped(v) {
            value.push_str(&format!(" ({UNTYPED})"));
        }
        (v.name.clone(), value)
    }

    /// Whether `v` is shown as words of unknown type: an rdx local whose type the module does
    /// not record ([`Var::typed`]). Janus has one integer type, and a stack is a stack.
    fn untyped(&self, v: &Var) -> bool {
        !v.typed && self.program.module.dialect == Dialect::Rdx && v.ty != Type::Stack
    }

    /// The type of `v` as the DAP's `variables` shows it: the declared one, or what is known of
    /// a local whose type the module does not record.
    pub fn var_type(&self, v: &Var) -> String {
        match v.ty {
            Type::Array(_, n) if self.untyped(v) => format!("u64[{n}] (words: type not recorded)"),
            _ if self.untyped(v) => "u64 (a word: type not recorded)".to_string(),
            ty => ty.to_string(),
        }
    }

    /// What `print VAR|EXPR` shows in frame `k`: the variable's name (a Janus array's with its
    /// size) or the expression as typed without its comments ([`label`]), and its value; the
    /// DAP's `evaluate` shows the value.
    pub fn evaluate(&self, k: usize, arg: &str) -> Result<(String, String), String> {
        if arg.is_empty() {
            return Err("print VAR|EXPR".into());
        }
        if temporary(arg, self.program.module.dialect) {
            return Err(format!("no variable `{}` in scope", clip(arg)));
        }
        if let Some(v) = self.dbg.lookup(k, arg) {
            return Ok(self.var_value(&v));
        }
        let value = self.eval(k, arg)?;
        Ok((label(arg, self.program.module.dialect), value))
    }

    /// Evaluates expression `text` over frame `k`'s variables as the program's language does,
    /// and shows the value as `rdx run` prints it. The expression is compiled by the program's
    /// own compiler, as a gene over the frame's variables, and run by the interpreter, so its
    /// types (signed, fixed width), Janus's floor division and Janus's overflow errors are the
    /// language's. An element of a float buffer (`z[1]`, which the language only passes to
    /// kernels) is read and shown as `rdx run` shows the buffer's elements.
    pub fn eval(&self, k: usize, text: &str) -> Result<String, String> {
        let m = &self.program.module;
        let vars: Vec<Var> =
            self.variables(k).into_iter().filter(|v| declarable(&v.name, m.dialect)).collect();
        let e = self.expression(text, &vars)?;
        if let ExprKind::Index(a, i) = &e.expr.kind
            && let Some(v) = vars.iter().find(|v| base_name(&v.name) == a.name)
            && let (Type::Array(elem, n), Value::Array(words)) = (v.ty, &v.value)
            && elem.is_float()
        {
            let at = |o: u32| (o as usize).saturating_sub(e.head);
            let (x, _) = self.compute(k, &text[at(i.span.start)..at(i.span.end)], &vars)?;
            let w = elem.words() as usize;
            let item = (x < n).then(|| words.get(x as usize * w..x as usize * w + w)).flatten();
            let item = item.ok_or_else(|| format!("index {x} out of bounds (size {n})"))?;
            let floats: Vec<String> =
                item.iter().map(|b| rdx_vm::values::format_float(f64::from_bits(*b), false)).collect();
            return Ok(if w == 1 { floats.join("") } else { format!("[{}]", floats.join(", ")) });
        }
        let (x, ty) = self.compute(k, text, &vars)?;
        Ok(match m.dialect {
            Dialect::Janus => rdx_vm::jana::format_value(&Value::Int(x)),
            Dialect::Rdx => {
                let mut value = rdx_vm::values::format_typed(&Value::Int(x), ty, m.dialect, false);
                // Computed over words for the locals whose types are not recorded: say which.
                let mut read = Vec::new();
                names_read(&e.expr, &mut read);
                let words: Vec<String> = vars
                    .iter()
                    .filter(|v| self.untyped(v) && read.contains(&v.name.as_str()))
                    .map(|v| format!("`{}`", v.name))
                    .collect();
                match words.as_slice() {
                    [] => {}
                    [one] => value.push_str(&format!(
                        " ({one} read as a u64 word: the module does not record its type)"
                    )),
                    _ => value.push_str(&format!(
                        " ({} read as u64 words: the module does not record their types)",
                        words.join(", ")
                    )),
                }
                value
            }
        })
    }

    /// Parses `text` as one expression of the program's language over `vars`, whose names it
    /// must use; text that is not one whole expression is refused, saying where.
    fn expression(&self, text: &str, vars: &[Var]) -> Result<Parsed, String> {
        let dialect = self.program.module.dialect;
        // Parsed in the program's own language: a Janus program's names (`x'`, `neg`),
        // operators (`=`) and arrays of several dimensions (`m[1][0]`) are Janus's.
        let (head, tail) = wrapper(dialect, vars, Type::U64);
        // What was typed is echoed cut (a 3 MB name, 200,000 `(`).
        let not_expr = |why: &str| format!("`{}` is not an expression{why}", clip(text));
        let prog = rdx_lang::parse(&format!("{head}{text}{tail}"), dialect).map_err(|d| {
            let Some(d) = d.first() else { return not_expr("") };
            // The text is `head.len()..end` of the wrapped source. Where the parser wanted a
            // statement, the expression before had ended (`acc)`); where it stopped past the
            // text wanting more of the expression, the text ends too soon (`acc +`, `(acc`).
            // Other errors past the text are the wrapper's (`acc }` closes the gene).
            let (start, end) = (d.span.start as usize, head.len() + text.len());
            let wants_more = ["expected an expression", "expected `)`", "expected `]`"];
            if start >= end {
                let soon = wants_more.iter().any(|w| d.message.contains(w));
                not_expr(if soon { ": it ends too soon" } else { "" })
            } else if d.message.contains("statement") {
                let at = start.saturating_sub(head.len());
                match text.get(at..(d.span.end as usize).min(end).saturating_sub(head.len())) {
                    Some(tok) if !tok.is_empty() => not_expr(&format!(
                        ": unexpected `{}` after `{}`",
                        clip(tok),
                        clip(text[..at].trim_end())
                    )),
                    _ => not_expr(""),
                }
            } else {
                not_expr(&format!(": {}", clip_quoted(&d.message)))
            }
        })?;
        // One statement holding the whole text (not `x; y += 1`, which parses as two).
        let expr = match prog.genes.as_slice() {
            [g] => match g.body.stmts.as_slice() {
                [s] => match &s.kind {
                    StmtKind::Update { value, .. } => Some(value.clone()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        let expr = expr.ok_or_else(|| not_expr(""))?;
        // `;` ends a statement in rdx: the wrapper's one statement would take `n;` whole.
        if dialect == Dialect::Rdx
            && let Some(&(at, ..)) =
                rdx_lang::lexer::lex(text).0.iter().find(|(_, t, _)| *t == rdx_lang::token::Token::Semi)
        {
            return Err(not_expr(&format!(": unexpected `;` after `{}`", clip(text[..at].trim_end()))));
        }
        if let Some(name) = unknown_name(&expr, vars) {
            return Err(format!("no variable `{}` in scope", clip(&name)));
        }
        Ok(Parsed { expr, head: head.len() })
    }

    /// The value of expression `text` over frame `k`'s variables `vars` and its type: compiled
    /// as `value += text` in a gene whose parameters are the variables, and run.
    fn compute(&self, k: usize, text: &str, vars: &[Var]) -> Result<(u64, Type), String> {
        let (p, ty) = self.compile(text, vars)?;
        self.run(k, text, &p, vars).map(|x| (x, ty))
    }

    /// The value of expression `text` compiled as `p` ([`Frames::compile`]), run over frame
    /// `k`'s variables `vars`.
    fn run(&self, k: usize, text: &str, p: &Program, vars: &[Var]) -> Result<u64, String> {
        let g = p.module.default_entry().unwrap_or(0);
        let params = &p.module.genes[g].params;
        let mut args: Vec<Value> = params
            .iter()
            .map(|p| vars.iter().find(|v| v.name == p.name).map_or(Value::Int(0), |v| v.value.clone()))
            .collect();
        // The error as `rdx run` reports it: its message and its help (a Janus subscript
        // outside its dimension).
        Interpreter::new().run(&p.module, g, &mut args, rdx_vm::Direction::Forward).map_err(|e| {
            let d = e.to_diagnostic();
            d.hints.iter().fold(d.message, |s, h| format!("{s}\nhelp: {h}"))
        })?;
        match params.iter().position(|p| p.name == RESULT).map(|i| &args[i]) {
            Some(Value::Int(x)) => Ok(*x),
            _ => Err(format!("`{}` has no value in frame {k}", clip(text))),
        }
    }

    /// Expression `text` over `vars` compiled as `value += text` in a gene whose parameters
    /// are the variables, and the type of its value; text that is not one whole expression
    /// over `vars`, or that the language refuses, is an error saying so.
    fn compile(&self, text: &str, vars: &[Var]) -> Result<(Program, Type), String> {
        let m = &self.program.module;
        let e = self.expression(text, vars)?.expr;
        let types = |n: &str| vars.iter().find(|v| base_name(&v.name) == n).map(|v| v.ty);
        let ty = if m.dialect == Dialect::Janus {
            Type::I64
        } else if let Some(w) = rdx_lang::types::expr_width(&e, &types) {
            Type::Fixed(w)
        } else if rdx_lang::types::expr_signed(m.dialect, &e, &types) {
            Type::I64
        } else {
            Type::U64
        };
        let (head, tail) = wrapper(m.dialect, vars, ty);
        let source = format!("{head}{text}{tail}");
        let p = Program::from_source(source, "print".into(), m.dialect, false, &[]).map_err(|e| match e {
            rdx_core::run::LoadError::Compile { diagnostics, .. } => diagnostics
                .first()
                .map_or_else(|| format!("`{}` does not compile", clip(text)), |d| clip_quoted(&d.message)),
            rdx_core::run::LoadError::Core(e) => e.to_string(),
        })?;
        Ok((p, ty))
    }

    /// The variables of `all` an expression may name: not the compiler's temporaries, nor names
    /// the language cannot declare.
    fn declarable(&self, all: Vec<Var>) -> Vec<Var> {
        let dialect = self.program.module.dialect;
        all.into_iter().filter(|v| !temporary(&v.name, dialect) && declarable(&v.name, dialect)).collect()
    }

    /// Whether breakpoint condition `text` holds (is non-zero) in the top frame, computed as
    /// `print` computes it; an error (a division by zero, an index out of range) says why not.
    /// A condition is compiled once for each set of variables it is computed over (kept in
    /// `compiled`), so a breakpoint reached often costs a run of the expression each time.
    pub fn condition(&self, text: &str, compiled: &Compiled) -> Result<bool, String> {
        let k = self.dbg.depth() - 1;
        let vars = self.declarable(self.dbg.variables(k));
        // What the compiled gene depends on: the text, and each variable's name, type and shape.
        let key = vars.iter().fold(text.to_string(), |key, v| {
            let shape = match &v.value {
                Value::Int(_) => String::new(),
                Value::Array(xs) => xs.len().to_string(),
                Value::Stack(_) => "stack".into(),
            };
            format!("{key}\n{} {} {shape}", v.name, v.ty)
        });
        if !compiled.0.borrow().contains_key(&key) {
            let p = self.compile(text, &vars)?.0;
            compiled.0.borrow_mut().insert(key.clone(), p);
        }
        let map = compiled.0.borrow();
        let p = map.get(&key).ok_or_else(|| format!("`{}` does not compile", clip(text)))?;
        self.run(k, text, p, &vars).map(|x| x != 0)
    }

    /// Checks breakpoint condition `text` where a breakpoint at `at` would stop: it must be one
    /// whole expression of the program's language over the variables in scope there, as
    /// `print` takes it (refused as `print` refuses it).
    pub fn check_condition(&self, at: &BreakAt, text: &str) -> Result<(), String> {
        for scope in self.dbg.break_scopes(at) {
            self.compile(text, &self.declarable(scope))?;
        }
        Ok(())
    }
}

/// Breakpoint conditions compiled ([`Frames::condition`]), by their text and the variables they
/// are computed over.
#[derive(Default)]
pub struct Compiled(std::cell::RefCell<std::collections::HashMap<String, Program>>);

/// An expression `print` parsed, and where the text starts in the source it was parsed in.
struct Parsed {
    expr: rdx_lang::ast::Expr,
    head: usize,
}

/// The variable a compiled expression adds its value to.
const RESULT: &str = "rdx_debug_value";

/// The source around an expression that `print` compiles: a gene (a Janus `main`) declaring
/// `vars` and `RESULT` of type `ty`, whose one statement is `RESULT += ` the expression.
fn wrapper(dialect: Dialect, vars: &[Var], ty: Type) -> (String, &'static str) {
    let mut head = String::new();
    match dialect {
        Dialect::Janus => {
            head.push_str("procedure main()\n");
            for v in vars {
                let decl = match (&v.value, v.name.contains('[')) {
                    (Value::Stack(_), _) => format!("stack {}", v.name),
                    (Value::Array(_), true) => format!("int {}", v.name),
                    (Value::Array(xs), false) => format!("int {}[{}]", v.name, xs.len()),
                    (Value::Int(_), _) => format!("int {}", v.name),
                };
                head.push_str(&format!("    {decl}\n"));
            }
            head.push_str(&format!("    int {RESULT}\n    {RESULT} += "));
            (head, "\n")
        }
        Dialect::Rdx => {
            head.push_str("gene debug_expr(");
            for v in vars {
                head.push_str(&format!("{}: {}, ", v.name, v.ty));
            }
            head.push_str(&format!("{RESULT}: {ty}) {{ {RESULT} += "));
            // On a line of its own, so a `//` comment ends the expression as `/* … */` does.
            (head, "\n}")
        }
    }
}

/// Expression `text` as `print` names its value: its tokens as typed, without the comments
/// (`x /* c */` → `x`, `x /* c */ + 1` → `x + 1`).
fn label(text: &str, dialect: Dialect) -> String {
    let tokens: Vec<(usize, usize)> = match dialect {
        Dialect::Rdx => rdx_lang::lexer::lex(text).0.iter().map(|&(start, _, end)| (start, end)).collect(),
        Dialect::Janus => rdx_lang::janus::lexer::lex(text)
            .0
            .iter()
            .filter(|t| t.tok != rdx_lang::janus::lexer::Tok::Eof)
            .map(|t| (t.span.start as usize, t.span.end as usize))
            .collect(),
    };
    let mut s = String::new();
    for (i, &(start, end)) in tokens.iter().enumerate() {
        if i > 0 {
            // What lies between two tokens: kept if it is blank, one space where a comment was.
            let gap = &text[tokens[i - 1].1..start];
            s.push_str(if gap.trim().is_empty() { gap } else { " " });
        }
        s.push_str(&text[start..end]);
    }
    s
}

/// Whether `name` can be declared in the program's language (not a compiler's label such as
/// `slot 3`, shown for a module without names, nor a Janus program's `_t1` or `_g_x`, which
/// the Janus parser refuses): an identifier (a Janus one starts with a letter, Unicode ones too,
/// and may hold `'`) and, for a Janus array of several dimensions, its dimensions (`m[2][3]`).
fn declarable(name: &str, dialect: Dialect) -> bool {
    let base = base_name(name);
    let ident = match dialect {
        Dialect::Janus => {
            base.chars().next().is_some_and(char::is_alphabetic)
                && base.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '\'')
        }
        Dialect::Rdx => {
            base.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && base.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
    };
    let dims = &name[base.len()..];
    ident
        && (dims.is_empty()
            || dims.starts_with('[') && dims.chars().all(|c| c.is_ascii_digit() || "[]".contains(c)))
}

/// Whether `name` is a temporary the Janus compiler made (`_t1`: an expression passed as a call
/// argument or to `push`/`pop`, a loop counter of a whole-array swap; `spec/janus.md`), which
/// the debugger does not show as a variable. An rdx program's names are all its own.
fn temporary(name: &str, dialect: Dialect) -> bool {
    dialect == Dialect::Janus
        && name.strip_prefix("_t").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// What `print` or `watch` of a name no variable in scope has answers.
fn no_variable(name: &str) -> String {
    format!("error: no variable `{}` in scope\n", clip(name))
}

/// The name without the dimensions of a Janus array named with them (`m[2][3]` → `m`).
fn base_name(name: &str) -> &str {
    name.split_once('[').map_or(name, |(b, _)| b)
}

/// What `print` says of a local shown as a word (the module records no local's type).
const UNTYPED: &str = "a u64 word: the module does not record this local's type";

/// Appends the names of the variables `e` reads.
fn names_read<'e>(e: &'e rdx_lang::ast::Expr, out: &mut Vec<&'e str>) {
    match &e.kind {
        ExprKind::Int(_) | ExprKind::Nil => {}
        ExprKind::Var(n) => out.push(n),
        ExprKind::Builtin(_, x) => out.push(&x.name),
        ExprKind::Index(a, i) => {
            out.push(&a.name);
            names_read(i, out);
        }
        ExprKind::Unary(_, a) => names_read(a, out),
        ExprKind::Binary(_, a, b) => {
            names_read(a, out);
            names_read(b, out);
        }
    }
}

/// The first name `e` uses that is none of `vars`.
fn unknown_name(e: &rdx_lang::ast::Expr, vars: &[Var]) -> Option<String> {
    let known = |n: &str| vars.iter().any(|v| base_name(&v.name) == base_name(n));
    match &e.kind {
        ExprKind::Int(_) | ExprKind::Nil => None,
        ExprKind::Var(n) => (!known(n)).then(|| n.clone()),
        ExprKind::Builtin(_, x) => (!known(&x.name)).then(|| x.name.clone()),
        ExprKind::Index(a, i) => {
            if known(&a.name) {
                unknown_name(i, vars)
            } else {
                Some(base_name(&a.name).to_string())
            }
        }
        ExprKind::Unary(_, a) => unknown_name(a, vars),
        ExprKind::Binary(_, a, b) => unknown_name(a, vars).or_else(|| unknown_name(b, vars)),
    }
}

/// Appends why the session stopped (`stop`) to `s`, a line each reason; `at_start`: the
/// session stands at step 0, where `back` has nothing to step back over.
fn why(s: &mut String, stop: Stop, at_start: bool) {
    match stop {
        Stop::Step => {}
        Stop::Break(id) => s.push_str(&format!("breakpoint {id}\n")),
        Stop::ConditionFailed { id, condition, error } => {
            s.push_str(&format!("breakpoint {id}: its condition `{condition}` failed: {error}\n"))
        }
        Stop::Watch(changes) => {
            for c in changes {
                s.push_str(&format!("watchpoint {}: {} changed: {} -> {}\n", c.id, c.name, c.old, c.new));
            }
        }
        Stop::End => s.push_str("at the end of the run\n"),
        Stop::Start => s.push_str("at the start of the run\n"),
        Stop::Interrupted => s.push_str("interrupted (Ctrl-C)\n"),
        Stop::Both { breakpoint, changes } => {
            why(s, *breakpoint, at_start);
            why(s, Stop::Watch(changes), at_start);
        }
        Stop::Error(e) => {
            let d = e.to_diagnostic();
            let back = if at_start { "" } else { "; `back` steps back from it" };
            s.push_str(&format!(
                "error[{}]: {}\nstopped before the failing statement{back}\n",
                d.code, d.message
            ));
        }
    }
}

/// Where a breakpoint stops, and its condition (`line 26 if i == 3`).
fn describe(m: &rdx_vm::module::Module, b: &Breakpoint) -> String {
    let at = match b.at {
        BreakAt::Line(l) => format!("line {l}"),
        BreakAt::Gene(g) => format!("gene {}", m.genes[g].name),
    };
    match &b.condition {
        Some(c) => format!("{at} if {c}"),
        None => at,
    }
}
