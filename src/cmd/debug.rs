//! `rdx debug FILE`: a time-travel debugger REPL over `rdx_vm::engine::debug::Debugger`.
//!
//! Commands come from a terminal (rustyline: history, completion of commands and names) or,
//! when stdin is not a terminal, one per line from the pipe, with no prompt, so sessions can be
//! scripted. The session logic ([`Session::command`]) only returns text; reading and printing
//! are the edges.

use crate::frontend;
use rdx_core::run::Program;
use rdx_lang::ast::{BinOp, Builtin, Dialect, ExprKind, StmtKind, Type, UnOp};
use rdx_vm::engine::debug::{BreakAt, Debugger, Motion, Stop, Var, line_of};
use rdx_vm::{Engine, Interpreter, Value};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

/// Debug a gene: step it forward and backward, with breakpoints and watchpoints.
///
/// Going backward keeps no log: the debugger runs the program's mirror (only lossy `:=`
/// writes keep what they overwrote, on the history tape, as a plain run does). The session
/// starts paused before the entry gene's first statement. Reads commands from the terminal,
/// or one per line from a pipe (no prompt), so sessions can be scripted; `quit` or the end of
/// input ends it with exit code 0. Type `help` for the commands.
#[derive(clap::Args)]
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
  break LINE|GENE    stop before each statement on LINE, or at the start of GENE
  delete N           delete breakpoint or watchpoint N
  watch VAR          stop where VAR (of the current gene) changes, in either direction
  print VAR|EXPR, p  print a variable (`x = VALUE`, as rdx run prints it) or an expression
  info locals|args|stack|tape|breaks
  where, bt          the call stack
  list [LINE|GENE]   the source around the current line, a line, or a gene's start
  goto STEP          go to step STEP of the run (counted from its start), either direction
  run                restart the run from its start
  quit, q            end the session
";

/// What a command that takes no argument answers when given one.
fn no_argument(cmd: &str, arg: &str) -> String {
    format!("error: {cmd} takes no argument (`{arg}`)\n")
}

/// What a command line that is not UTF-8 gets (the session goes on).
const NOT_TEXT: &str = "error: the line is not UTF-8 text";

pub fn run(args: Args, home: Option<&Path>) -> ExitCode {
    let kernels = match args.kernels.read() {
        Ok(k) => k,
        Err(code) => return code,
    };
    let home = if Path::new(&args.file).exists() { None } else { rdx_core::Home::open(home).ok() };
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
    let mut s = Session { program: &program, dbg };
    let tty = std::io::stdin().is_terminal();
    let mut out = std::io::stdout();
    let _ = write!(out, "{}", s.banner());
    if tty {
        interactive(&mut s)
    } else {
        for line in std::io::stdin().lock().lines() {
            let line = match line {
                Ok(line) => line,
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    let _ = writeln!(out, "{NOT_TEXT}");
                    continue;
                }
                Err(e) => {
                    eprintln!("error: cannot read a command: {e}");
                    return ExitCode::from(2);
                }
            };
            let (text, quit) = s.command(&line);
            let _ = write!(out, "{text}");
            let _ = out.flush();
            if quit {
                break;
            }
        }
        ExitCode::SUCCESS
    }
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
    for (gi, g) in s.program.module.genes.iter().enumerate() {
        words.push(g.name.clone());
        words.extend(g.params.iter().map(|p| p.name.clone()));
        let names = s.program.module.debug.as_ref().and_then(|d| d.genes.get(gi));
        if let Some(d) = names {
            let slots = 0..d.slot_names.len() as u16;
            words.extend(slots.flat_map(|s| d.slot_uses(s)).map(|(name, _)| name.to_string()));
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
            // Ctrl-C drops the line being typed (`quit` or Ctrl-D end the session).
            Err(rustyline::error::ReadlineError::Interrupted) => continue,
            Err(rustyline::error::ReadlineError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidData => {
                println!("{NOT_TEXT}");
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
        print!("{text}");
        if quit {
            break;
        }
    }
    ExitCode::SUCCESS
}

/// A debugging session: a program and its debugger.
pub struct Session<'p, 'm> {
    pub program: &'p Program,
    pub dbg: Debugger<'m>,
}

impl Session<'_, '_> {
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
            "quit" | "q" | "exit" => return (String::new(), true),
            "help" | "h" => HELP.to_string(),
            "step" | "s" => self.motion(cmd, arg, Motion::Step, true),
            "next" | "n" => self.motion(cmd, arg, Motion::Next, true),
            "finish" => self.motion(cmd, arg, Motion::Finish, true),
            "continue" | "c" => self.motion(cmd, arg, Motion::Continue, true),
            "back" | "b" => self.motion(cmd, arg, Motion::Step, false),
            "rnext" => self.motion(cmd, arg, Motion::Next, false),
            "rfinish" => self.motion(cmd, arg, Motion::Finish, false),
            "rcontinue" | "rc" => self.motion(cmd, arg, Motion::Continue, false),
            "break" | "br" => self.add_break(arg),
            "delete" | "d" => match arg.parse::<u32>() {
                Ok(n) if self.dbg.delete(n) => format!("deleted {n}\n"),
                Ok(n) => format!("error: no breakpoint or watchpoint {n}\n"),
                Err(_) => "error: delete N: N is the number `break` or `watch` gave\n".into(),
            },
            "watch" => match self.dbg.add_watch(arg) {
                Ok(w) => format!("watchpoint {}: {}\n", w.id, w.name),
                Err(e) => format!("error: {e}\n"),
            },
            "print" | "p" => self.print(arg),
            "info" | "i" => self.info(arg),
            "where" | "bt" | "backtrace" if arg.is_empty() => self.stack(),
            "list" | "l" => self.list(arg),
            "goto" => match arg.parse::<u64>() {
                Ok(n) => {
                    let stop = self.dbg.goto(n);
                    self.report(stop)
                }
                Err(_) => "error: goto STEP: STEP is a step number (see `info stack`)\n".into(),
            },
            "run" | "r" if arg.is_empty() => match self.dbg.restart() {
                Ok(()) => format!("restarted\n{}", self.here(2)),
                Err(e) => format!("error: {}\n", e.kind.message()),
            },
            "where" | "bt" | "backtrace" | "run" | "r" => no_argument(cmd, arg),
            other => format!("error: unknown command `{other}` (type `help`)\n"),
        };
        (text, false)
    }

    /// A motion (`cmd` as typed): a step or a `next` `arg` times (once when there is no
    /// argument), ending early where a breakpoint, a watchpoint, an error or an end of the run
    /// stops it; the other motions take no argument.
    fn motion(&mut self, cmd: &str, arg: &str, motion: Motion, ahead: bool) -> String {
        let counted = matches!(motion, Motion::Step | Motion::Next);
        let times = match arg.parse::<u64>() {
            _ if arg.is_empty() => 1,
            Ok(n) if n >= 1 && counted => n,
            _ if counted => return format!("error: {cmd} [N]: `{arg}` is not a count (1 or more)\n"),
            _ => return no_argument(cmd, arg),
        };
        let mut stop = self.dbg.advance(motion, ahead);
        for _ in 1..times {
            if !matches!(stop, Stop::Step) {
                break;
            }
            stop = self.dbg.advance(motion, ahead);
        }
        self.report(stop)
    }

    /// What the program printed, why the session stopped and where.
    fn report(&mut self, stop: Stop) -> String {
        let mut s = String::from_utf8_lossy(&self.dbg.take_output()).into_owned();
        match stop {
            Stop::Step => {}
            Stop::Break(id) => s.push_str(&format!("breakpoint {id}\n")),
            Stop::Watch { id, name, old, new } => {
                s.push_str(&format!("watchpoint {id}: {name} changed: {old} -> {new}\n"))
            }
            Stop::End => s.push_str("at the end of the run\n"),
            Stop::Start => s.push_str("at the start of the run\n"),
            Stop::Error(e) => {
                let d = e.to_diagnostic();
                s.push_str(&format!(
                    "error[{}]: {}\nstopped before the failing statement; `back` steps back from it\n",
                    d.code, d.message
                ));
            }
        }
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
        let Some(line) = arg.parse::<u32>().ok().or_else(gene_line) else {
            return format!("error: list [LINE|GENE]: `{arg}` is neither a line number nor a gene\n");
        };
        let text = self.source_around(line, 5);
        if text.is_empty() {
            return format!("error: no line {line} in the source\n");
        }
        text
    }

    fn add_break(&mut self, arg: &str) -> String {
        let m = &self.program.module;
        let at = if let Ok(line) = arg.parse::<u32>() {
            BreakAt::Line(line)
        } else if let Some(g) = m.gene_index(arg) {
            BreakAt::Gene(g)
        } else {
            return format!("error: break LINE|GENE: `{arg}` is neither a line number nor a gene\n");
        };
        let Some(b) = self.dbg.add_break_with_code(at) else {
            return format!("error: no statement starts on line {arg}\n");
        };
        format!("breakpoint {}: {}\n", b.id, describe(m, &b.at))
    }

    fn info(&self, arg: &str) -> String {
        let m = &self.program.module;
        match arg {
            "locals" | "args" => {
                let k = self.dbg.depth() - 1;
                let vars = self.dbg.variables(k);
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
                    s.push_str(&format!("breakpoint {}: {}\n", b.id, describe(m, &b.at)));
                }
                for w in self.dbg.watches() {
                    s.push_str(&format!("watchpoint {}: {}\n", w.id, w.name));
                }
                if s.is_empty() {
                    s.push_str("no breakpoints or watchpoints\n");
                }
                s
            }
            _ => "error: info locals|args|stack|tape|breaks\n".into(),
        }
    }

    fn stack(&self) -> String {
        let m = &self.program.module;
        let mut s = format!("step {}\n", self.dbg.position());
        for (i, f) in self.dbg.stack().iter().enumerate() {
            let line = f.span.and_then(|sp| line_of(m, sp)).unwrap_or(0);
            let dir = match f.dir {
                rdx_vm::Direction::Forward => "",
                rdx_vm::Direction::Backward => " (uncalled: runs backward)",
            };
            s.push_str(&format!("#{i} {} at {}:{line}{dir}\n", f.gene, self.program.name));
        }
        s
    }

    /// `name = VALUE` as `rdx run` prints it.
    pub fn var_line(&self, v: &Var) -> String {
        let m = &self.program.module;
        if m.dialect == Dialect::Janus {
            format!("{}\n", rdx_vm::jana::format_var(&v.name, &v.value))
        } else {
            format!("{} = {}\n", v.name, rdx_vm::values::format_typed(&v.value, v.ty, m.dialect, false))
        }
    }

    pub fn print(&self, arg: &str) -> String {
        if arg.is_empty() {
            return "error: print VAR|EXPR\n".into();
        }
        let k = self.dbg.depth() - 1;
        if let Some(v) = self.dbg.lookup(k, arg) {
            return self.var_line(&v);
        }
        match self.eval(arg) {
            Ok(x) => {
                let signed = self.program.module.dialect == Dialect::Janus;
                format!("{arg} = {}\n", rdx_vm::values::format_value(&Value::Int(x), signed))
            }
            Err(e) => format!("error: {e}\n"),
        }
    }

    /// Evaluates an expression over the current frame's variables (integer arithmetic as the
    /// program's dialect does it).
    pub fn eval(&self, text: &str) -> Result<u64, String> {
        let m = &self.program.module;
        // Parsed in the program's own language: a Janus program's names (`x'`, `neg`) and
        // operators (`=`) are Janus's.
        let (head, tail) = match m.dialect {
            Dialect::Janus => ("procedure main()\n local int t = ", "\n delocal int t = 0\n"),
            Dialect::Rdx => ("gene debug_expr() { assert ", " }"),
        };
        let not_expr = |why: &str| format!("`{text}` is not an expression{why}");
        let prog = rdx_lang::parse(&format!("{head}{text}{tail}"), m.dialect).map_err(|d| {
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
                    Some(tok) if !tok.is_empty() => {
                        not_expr(&format!(": unexpected `{tok}` after `{}`", text[..at].trim_end()))
                    }
                    _ => not_expr(""),
                }
            } else {
                not_expr(&format!(": {}", d.message))
            }
        })?;
        // One statement holding the whole text (not `x; y += 1`, which parses as two).
        let e = match prog.genes.as_slice() {
            [g] => match g.body.stmts.as_slice() {
                [s] => match &s.kind {
                    StmtKind::Assert(e) => Some(e.clone()),
                    _ => None,
                },
                [s, _] => match &s.kind {
                    StmtKind::Local { init: e, .. } => Some(e.clone()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        let Some(e) = e else { return Err(not_expr("")) };
        let vars = self.dbg.variables(self.dbg.depth() - 1);
        eval(&e.kind, &vars, m.dialect == Dialect::Janus)
    }
}

fn describe(m: &rdx_vm::module::Module, at: &BreakAt) -> String {
    match at {
        BreakAt::Line(l) => format!("line {l}"),
        BreakAt::Gene(g) => format!("gene {}", m.genes[*g].name),
    }
}

fn eval(e: &ExprKind, vars: &[Var], signed: bool) -> Result<u64, String> {
    let var = |name: &str| {
        vars.iter().find(|v| v.name == name).ok_or_else(|| format!("no variable `{name}` in scope"))
    };
    Ok(match e {
        ExprKind::Int(x) => *x,
        ExprKind::Nil => 0,
        ExprKind::Var(name) => match &var(name)?.value {
            Value::Int(x) => *x,
            _ => return Err(format!("`{name}` is not a number (print it by name)")),
        },
        ExprKind::Index(a, i) => {
            let i = eval(&i.kind, vars, signed)?;
            match &var(&a.name)?.value {
                Value::Array(xs) => *xs
                    .get(i as usize)
                    .ok_or_else(|| format!("index {i} out of bounds (size {})", xs.len()))?,
                _ => return Err(format!("`{}` is not an array", a.name)),
            }
        }
        ExprKind::Builtin(b, x) => {
            let v = var(&x.name)?;
            match (b, &v.value) {
                (Builtin::Size, Value::Array(xs) | Value::Stack(xs)) => {
                    let words = match v.ty {
                        Type::Array(e, _) => e.words().max(1),
                        _ => 1,
                    };
                    xs.len() as u64 / words
                }
                (Builtin::Empty, Value::Stack(xs)) => xs.is_empty() as u64,
                (Builtin::Top, Value::Stack(xs)) => *xs.last().ok_or("top of an empty stack")?,
                _ => return Err(format!("`{}` is not a stack", x.name)),
            }
        }
        ExprKind::Unary(op, a) => {
            let a = eval(&a.kind, vars, signed)?;
            match op {
                UnOp::Neg => a.wrapping_neg(),
                UnOp::BitNot => !a,
                UnOp::Not => (a == 0) as u64,
            }
        }
        ExprKind::Binary(op, a, b) => {
            let (a, b) = (eval(&a.kind, vars, signed)?, eval(&b.kind, vars, signed)?);
            let (sa, sb) = (a as i64, b as i64);
            let lt = if signed { sa < sb } else { a < b };
            let gt = if signed { sa > sb } else { a > b };
            match op {
                BinOp::Add => a.wrapping_add(b),
                BinOp::Sub => a.wrapping_sub(b),
                BinOp::Mul => a.wrapping_mul(b),
                BinOp::Div | BinOp::Mod if b == 0 => return Err("division by zero".into()),
                BinOp::Div if signed => sa.wrapping_div(sb) as u64,
                BinOp::Div => a / b,
                BinOp::Mod if signed => sa.wrapping_rem(sb) as u64,
                BinOp::Mod => a % b,
                BinOp::Shl => a.checked_shl(b as u32).unwrap_or(0),
                BinOp::Shr => a.checked_shr(b as u32).unwrap_or(0),
                BinOp::And => a & b,
                BinOp::Xor => a ^ b,
                BinOp::Or => a | b,
                BinOp::Eq => (a == b) as u64,
                BinOp::Ne => (a != b) as u64,
                BinOp::Lt => lt as u64,
                BinOp::Le => (!gt) as u64,
                BinOp::Gt => gt as u64,
                BinOp::Ge => (!lt) as u64,
                BinOp::LogAnd => (a != 0 && b != 0) as u64,
                BinOp::LogOr => (a != 0 || b != 0) as u64,
            }
        }
    })
}
