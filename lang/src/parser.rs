//! The rdx parser: tokens from [`crate::lexer`] through the lalrpop grammar (`grammar.lalrpop`)
//! to an [`ast::Program`], with every syntax error of the file reported in one run.
//!
//! No input can make it panic or overflow the stack: a pre-pass over the tokens rejects
//! brackets nested deeper than [`MAX_DEPTH`] before the grammar runs, and the grammar's actions
//! refuse to build an expression tree deeper than [`MAX_DEPTH`] (a chain `1+1+…` of any length
//! is an E0105 error, built and dropped without deep recursion). The private helpers at the end
//! are the grammar's actions (the generated parser is a child module, so it can call them).

use crate::ast::{
    self, Builtin, Const, Dir, Elem, Expr, ExprKind, Gene, Ident, Place, Program, Span, Stmt, StmtKind, Type,
};
use crate::ast::{BinOp, UnOp, UpdateOp};
use crate::codes::Code::*;
use crate::diag::{Diagnostic, Label};
use crate::lexer::{self, Spanned, span as mk_span};
use crate::token::{LexError, Token};
use lalrpop_util::{ErrorRecovery, ParseError};
use std::cell::Cell;

mod fast;

#[allow(clippy::all, clippy::pedantic, unused_qualifications, unused_imports, unused_parens)]
#[rustfmt::skip]
mod grammar {
    include!(concat!(env!("OUT_DIR"), "/grammar.rs"));
}

/// The deepest nesting accepted: of `{ ( [` in the source, and of an expression tree.
pub const MAX_DEPTH: u32 = 256;

/// Parses rdx source text into a syntax tree, reporting every syntax error found.
///
/// The result has `Dialect::Rdx`. Errors come sorted by position; see `codes.rs` (E01xx).
/// Well-formed source takes the fast path ([`parse_fast`]); anything else goes through the
/// grammar ([`parse_reference`]), which gives the same tree for well-formed source and
/// reports every error otherwise.
pub fn parse(src: &str) -> Result<Program, Vec<Diagnostic>> {
    if u32::try_from(src.len()).is_ok()
        && let Some(p) = parse_fast(src)
    {
        return Ok(p);
    }
    parse_reference(src)
}

/// The tree of well-formed source, from a recursive-descent parser that gives up (`None`) at
/// the first thing [`parse_reference`] would report. Where it gives a tree, it is the one
/// `parse_reference` gives (tested in `tests/parse_fast.rs`).
pub fn parse_fast(src: &str) -> Option<Program> {
    fast::parse(src)
}

/// [`parse`] through the lalrpop grammar only, with error recovery: the reference the fast path
/// is tested against, and the path that reports syntax errors.
pub fn parse_reference(src: &str) -> Result<Program, Vec<Diagnostic>> {
    if u32::try_from(src.len()).is_err() {
        return Err(vec![Diagnostic::error(E0103, "source file is larger than 4 GiB", Span::default())]);
    }
    let (tokens, mut diags) = lexer::lex(src);
    let nesting = check_nesting(&tokens);
    if let Some(d) = nesting.too_deep {
        diags.push(d);
        return Err(finish(diags));
    }
    let lexed = diags.len();
    let starts: Vec<u32> = tokens.iter().map(|t| mk_span(t.0, t.0).start).collect();
    let recoveries = Cell::new(0);
    let input = tokens.into_iter().take_while(|_| recoveries.get() < MAX_RECOVERIES);
    let result =
        grammar::ProgramParser::new().parse(&mut diags, &recoveries, input.map(Ok::<Spanned<'_>, LexError>));
    let stopped = recoveries.get() >= MAX_RECOVERIES;
    let program = match result {
        Ok(p) => Some(p),
        Err(e) => {
            diags.push(syntax_error(e));
            None
        }
    };
    drop_adjacent(&mut diags, lexed, &starts);
    if nesting.balanced {
        drop_cascades(&mut diags);
    }
    // A comment or string that runs to the end of the file already explains the early end, and
    // when the parser stopped early, the end it saw is not the file's.
    if stopped || diags.iter().any(|d| d.code == E0106) {
        diags.retain(|d| d.code != E0102);
    }
    for d in diags.iter_mut().filter(|d| d.code == E0102) {
        for &(open, text) in nesting.unclosed.iter().rev().take(3) {
            d.labels.push(Label { span: open, message: format!("this `{text}` is not closed") });
        }
    }
    match program {
        Some(p) if diags.is_empty() => {
            if let Some(sp) = too_deep_expr(&p) {
                return Err(vec![too_deep(sp)]);
            }
            Ok(p)
        }
        _ => {
            let mut diags = finish(diags);
            if stopped && let Some(last) = diags.last_mut() {
                last.hints.push(format!("parsing stopped after {MAX_RECOVERIES} syntax errors"));
            }
            Err(diags)
        }
    }
}

/// The parser gives up after recovering from this many syntax errors.
pub const MAX_RECOVERIES: usize = 1000;

/// At most this many syntax errors are returned; the last one says how many more there were.
pub const MAX_ERRORS: usize = 100;

fn finish(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    diags.dedup_by(|a, b| a.code == b.code && a.span == b.span);
    if diags.len() > MAX_ERRORS {
        let more = diags.len() - MAX_ERRORS;
        diags.truncate(MAX_ERRORS);
        if let Some(last) = diags.last_mut() {
            last.hints.push(format!("{more} more syntax errors after this one are not shown"));
        }
    }
    diags
}

/// The end of the message of an error found between top-level items.
const AT_TOP_LEVEL: &str = "expected `const` or `gene`";

/// Drops errors that only follow from recovering from an earlier one.
///
/// When brackets are balanced in the source, finding a stray token between genes means an
/// earlier error's recovery skipped an opening brace (e.g. the `{` of `from c { … }`), so the
/// parser left the gene too early: that report would only confuse.
fn drop_cascades(diags: &mut Vec<Diagnostic>) {
    let mut first_error: Option<u32> = None;
    let mut sorted: Vec<Diagnostic> = std::mem::take(diags);
    sorted.sort_by_key(|d| d.span.start);
    for d in sorted {
        let cascade = d.code == E0101
            && d.message.ends_with(AT_TOP_LEVEL)
            && first_error.is_some_and(|f| f < d.span.start);
        if !cascade {
            first_error.get_or_insert(d.span.start);
            diags.push(d);
        }
    }
}

/// Drops a syntax error on the token right after the previous syntax error's token: recovery
/// resumed at a token that was itself part of the mistake (e.g. the `{` after `if c then`).
/// `diags[..lexed]` are lexical errors, which are always kept.
fn drop_adjacent(diags: &mut Vec<Diagnostic>, lexed: usize, starts: &[u32]) {
    let token_index = |at: u32| starts.partition_point(|&s| s < at);
    let mut syntax = diags.split_off(lexed);
    syntax.sort_by_key(|d| d.span.start);
    let mut previous: Option<usize> = None;
    for d in syntax {
        let here = token_index(d.span.start);
        let adjacent = d.code == E0101 && previous.is_some_and(|p| here == p + 1);
        if d.code == E0101 {
            previous = Some(here);
        }
        if !adjacent {
            diags.push(d);
        }
    }
}

/// What the bracket pre-pass found.
struct Nesting {
    /// Every closer matches an opener of its kind and nothing is left open.
    balanced: bool,
    too_deep: Option<Diagnostic>,
    /// Openers still open at the end of the file, outermost first.
    unclosed: Vec<(Span, &'static str)>,
}

/// Tracks `{ ( [` nesting over the token stream without recursion.
fn check_nesting(tokens: &[Spanned<'_>]) -> Nesting {
    let mut open: Vec<(Span, &'static str)> = Vec::new();
    let mut matched = true;
    for (start, tok, end) in tokens {
        let sp = mk_span(*start, *end);
        match tok {
            Token::LBrace | Token::LParen | Token::LBracket => {
                open.push((sp, tok.text().unwrap_or("(")));
                if open.len() > MAX_DEPTH as usize {
                    let d = Diagnostic::error(E0105, "nesting too deep", sp)
                        .note(format!("this is nesting level {}", open.len()))
                        .hint(format!(
                            "blocks, brackets and parentheses may nest at most {MAX_DEPTH} deep; \
                             move inner parts into their own gene"
                        ));
                    return Nesting { balanced: false, too_deep: Some(d), unclosed: Vec::new() };
                }
            }
            Token::RBrace | Token::RParen | Token::RBracket => {
                let opener = match tok {
                    Token::RBrace => "{",
                    Token::RParen => "(",
                    _ => "[",
                };
                matched &= open.pop().is_some_and(|(_, o)| o == opener);
            }
            _ => {}
        }
    }
    Nesting { balanced: matched && open.is_empty(), too_deep: None, unclosed: open }
}

fn too_deep(sp: Span) -> Diagnostic {
    Diagnostic::error(E0105, "expression nested too deeply", sp)
        .note(format!(
            "this expression is more than {MAX_DEPTH} operators deep (a chain `a + b + c + …` \
             counts one level per operator: more than {MAX_DEPTH} terms)"
        ))
        .hint("split it over several statements (`x += a + b + …`, then `x += c + d + …`), or use a `local`")
}

/// The depth of an expression tree (a leaf has depth 1), measured without recursion.
pub fn expr_depth(e: &Expr) -> usize {
    let mut max = 0;
    let mut stack = vec![(e, 1usize)];
    while let Some((e, d)) = stack.pop() {
        max = max.max(d);
        match &e.kind {
            ExprKind::Index(_, i) | ExprKind::Unary(_, i) => stack.push((i, d + 1)),
            ExprKind::Binary(_, l, r) => {
                stack.push((l, d + 1));
                stack.push((r, d + 1));
            }
            ExprKind::Int(_) | ExprKind::Var(_) | ExprKind::Builtin(..) | ExprKind::Nil => {}
        }
    }
    max
}

/// Safety net behind the grammar's own limit: the span of an expression deeper than the limit.
fn too_deep_expr(p: &Program) -> Option<Span> {
    let mut exprs: Vec<&Expr> = p.consts.iter().map(|c| &c.value).collect();
    let mut blocks: Vec<&ast::Block> = p.genes.iter().map(|g| &g.body).collect();
    while let Some(b) = blocks.pop() {
        let mut stmts: Vec<&Stmt> = b.stmts.iter().collect();
        while let Some(s) = stmts.pop() {
            stmt_parts(s, &mut exprs, &mut blocks, &mut stmts);
        }
    }
    exprs.into_iter().find(|e| expr_depth(e) > MAX_DEPTH as usize).map(|e| e.span)
}

fn stmt_parts<'a>(
    s: &'a Stmt,
    exprs: &mut Vec<&'a Expr>,
    blocks: &mut Vec<&'a ast::Block>,
    stmts: &mut Vec<&'a Stmt>,
) {
    let place = |p: &'a Place, exprs: &mut Vec<&'a Expr>| {
        if let Some(i) = &p.index {
            exprs.push(i);
        }
    };
    match &s.kind {
        StmtKind::Update { target, value, .. }
        | StmtKind::Mul { target, factor: value }
        | StmtKind::XorShift { target, amount: value, .. }
        | StmtKind::Rotate { target, amount: value, .. }
        | StmtKind::Assign { target, value } => {
            place(target, exprs);
            exprs.push(value);
        }
        StmtKind::Neg(p) | StmtKind::Not(p) | StmtKind::Erase(p) => place(p, exprs),
        StmtKind::Push { value: p, .. } | StmtKind::Pop { target: p, .. } => place(p, exprs),
        StmtKind::Swap(a, b) => {
            place(a, exprs);
            place(b, exprs);
        }
        StmtKind::If { cond, then_block, else_block, fi } => {
            exprs.push(cond);
            exprs.push(fi);
            blocks.push(then_block);
            blocks.extend(else_block);
        }
        StmtKind::From { entry, body, again, until } => {
            exprs.push(entry);
            exprs.push(until);
            blocks.push(body);
            blocks.extend(again);
        }
        StmtKind::Local { init: e, .. } | StmtKind::Delocal { value: e, .. } | StmtKind::Assert(e) => {
            exprs.push(e)
        }
        StmtKind::Undo(inner) => stmts.push(inner),
        StmtKind::Call { .. }
        | StmtKind::Kernel { .. }
        | StmtKind::Skip
        | StmtKind::Error(_)
        | StmtKind::Print(_) => {}
    }
}

// ---------------------------------------------------------------- error messages

/// Turns a lalrpop error into a diagnostic a user can act on.
fn syntax_error(e: ParseError<usize, Token<'_>, LexError>) -> Diagnostic {
    match e {
        ParseError::UnrecognizedEof { location, expected } => {
            let sp = mk_span(location, location);
            let mut d = Diagnostic::error(E0102, "unexpected end of file", sp);
            let want = describe_expected(&expected);
            if !want.is_empty() {
                d = d.note(format!("expected {want}"));
                d.message = format!("unexpected end of file: expected {want}");
            }
            d
        }
        ParseError::UnrecognizedToken { token: (l, tok, r), expected } => {
            let sp = mk_span(l, r);
            let want = describe_expected(&expected);
            let message = if want.is_empty() {
                format!("unexpected {}", tok.describe())
            } else {
                format!("unexpected {}: expected {want}", tok.describe())
            };
            let note =
                if want.is_empty() { "not expected here".to_string() } else { format!("expected {want}") };
            let d = Diagnostic::error(E0101, message, sp).note(note);
            add_hints(d, &tok, &expected)
        }
        ParseError::ExtraToken { token: (l, tok, r) } => Diagnostic::error(
            E0101,
            format!("unexpected {} after the end of the program", tok.describe()),
            mk_span(l, r),
        ),
        ParseError::InvalidToken { location } => {
            Diagnostic::error(E0103, "invalid character", mk_span(location, location + 1))
        }
        ParseError::User { error } => lexer::lex_diagnostic(error, "", Span::default()),
    }
}

fn add_hints(mut d: Diagnostic, tok: &Token<'_>, expected: &[String]) -> Diagnostic {
    let has = |t: &str| expected.iter().any(|e| e.trim_matches('"') == t);
    if *tok == Token::Assign && has("+=") {
        d = d.hint(
            "rdx has no plain assignment: update with `+=`, `-=` or `^=`, or overwrite with the lossy `:=`",
        );
    }
    if matches!(tok, Token::Plus | Token::Minus) && has("+=") {
        d = d.hint("there is no `++` or `--`: write `x += 1` or `x -= 1`");
    }
    let update_op = matches!(
        tok,
        Token::AddAssign
            | Token::SubAssign
            | Token::XorAssign
            | Token::MulAssign
            | Token::RotlAssign
            | Token::RotrAssign
            | Token::ColonAssign
    );
    if update_op && has("skip") {
        d = d.hint(
            "statements need no separator, so an expression continues across lines: \
             is the value of the statement before this one missing?",
        );
    }
    if let Token::Rotl | Token::Rotr = tok {
        let (op, k) = if *tok == Token::Rotl {
            ("<<<", "(x << 7) | (x >> 57)")
        } else {
            (">>>", "(x >> 7) | (x << 57)")
        };
        d = d.hint(format!(
            "`{op}` rotates a variable in place, as an update: `x {op}= 7`; an expression has no \
             rotation operator (of a 64-bit word, `x {op} 7` is `{k}`)"
        ));
    }
    if let Token::Shl | Token::Shr = tok
        && has("+=")
    {
        let (op, rot) = if *tok == Token::Shl { ("<<", "<<<") } else { (">>", ">>>") };
        d = d.hint(format!(
            "a shift loses bits, so `{op}=` is no update: rotate with `{rot}=`, or shift into a \
             variable with `^=` (`x ^= y {op} 3`, or the xorshift `x ^= x {op} 3`)"
        ));
    }
    // `call f(x[1])`: only the argument lists of calls take names alone.
    if *tok == Token::LBracket && has(")") && has(",") && expected.len() == 2 {
        d = d.hint(
            "a call passes variables by reference, so an argument is a variable, not an array \
             element: pass the array, or move the element into a local around the call (`local \
             t: u64 = 0`, `swap t, x[1]`, the call on `t`, `swap t, x[1]`, `delocal t = 0`)",
        );
    }
    // `u64[N]`: only an integer literal fits there.
    if expected.len() == 1 && has("Int") && matches!(tok, Token::Ident(_)) {
        d = d.hint(
            "an array's length is an integer literal (`u64[8]`); a `const` does not fit there, \
             but `size(a)` gives the length where an expression is wanted",
        );
    }
    if *tok == Token::If && has("{") {
        d = d.hint("there is no `else if`: write `else { if … fi … }`");
    }
    if has("fi") && !has("else") {
        d = d.hint("every `if` ends with an exit assertion: `} fi condition`");
    } else if has("fi") {
        d = d.hint("every `if` ends with an exit assertion: `} else { … } fi condition`");
    }
    if has("until") {
        d = d.hint("a `from` loop ends with its exit condition: `} until condition`");
    }
    if has("do") && !has("+") {
        d = d.hint("a loop is written `from entry do { … } until exit`");
    }
    // A reserved word where a name was expected: `local i8: u64`, `from c64 == 0`.
    if has("Ident")
        && let Some(t) = tok.text()
        && t.starts_with(|c: char| c.is_ascii_alphabetic())
    {
        let ty = matches!(
            tok,
            Token::U64
                | Token::I64
                | Token::U8
                | Token::U16
                | Token::U32
                | Token::I8
                | Token::I16
                | Token::I32
                | Token::Stack
                | Token::F64
                | Token::C64
        );
        if ty || !(has("skip") || has("Int")) {
            let what = if ty { "a type name" } else { "a keyword" };
            d = d.hint(format!("`{t}` is {what}, so it cannot name a variable: choose another name"));
        }
    }
    if let Token::Ident(name) = tok
        && (has("}") || has("gene"))
    {
        if matches!(*name, "procedure" | "proc" | "fn" | "def" | "function") {
            d = d.hint("procedures are declared with `gene name(params) { … }`");
        } else if has("+=") {
            d = d.hint("a statement that updates a variable needs an operator such as `+=`");
        }
    }
    d
}

const STMT_START: &[&str] = &[
    "Ident", "neg", "not", "swap", "if", "from", "call", "uncall", "local", "delocal", "push", "pop",
    "assert", "skip", "erase", "undo", "error", "print", "printf", "show", "kernel",
];
const EXPR_START: &[&str] = &["Int", "Ident", "nil", "(", "-", "~", "!"];
const BIN_OPS: &[&str] =
    &["+", "-", "*", "/", "%", "<<", ">>", "&", "^", "|", "==", "!=", "<", "<=", ">", ">=", "&&", "||"];
const UPDATE_OPS: &[&str] = &["+=", "-=", "^=", "*=", "<<<=", ">>>=", ":="];
const TYPES: &[&str] = &["u64", "i64", "stack"];

/// Describes lalrpop's expected-terminal list in words: "a statement, `}` or `;`".
fn describe_expected(expected: &[String]) -> String {
    let mut left: Vec<&str> = expected.iter().map(|e| e.trim_matches('"')).collect();
    let mut words: Vec<String> = Vec::new();
    let mut take_group = |left: &mut Vec<&str>, group: &[&str], trigger: &str, word: &str| {
        if left.contains(&trigger) {
            left.retain(|t| !group.contains(t));
            words.push(word.to_string());
        }
    };
    take_group(&mut left, STMT_START, "skip", "a statement");
    // An integer alone (an array type's length) is not "an expression".
    if left.contains(&"Ident") {
        take_group(&mut left, EXPR_START, "Int", "an expression");
    }
    take_group(&mut left, BIN_OPS, "*", "an operator");
    take_group(&mut left, UPDATE_OPS, "+=", "an update operator (`+=`, `^=`, `:=`, …)");
    take_group(&mut left, TYPES, "u64", "a type (`u64`, `i64`, `u64[N]`, `i64[N]` or `stack`)");
    for t in left {
        words.push(match t {
            "Ident" => "a name".to_string(),
            "Int" => "an integer".to_string(),
            "Str" => "a string".to_string(),
            t => format!("`{t}`"),
        });
    }
    match words.len() {
        0 => String::new(),
        1 => words.pop().unwrap_or_default(),
        n => format!("{} or {}", words[..n - 1].join(", "), words[n - 1]),
    }
}

// ---------------------------------------------------------------- grammar actions

/// A top-level item, before consts and genes are sorted apart.
enum Item {
    Const(Const),
    Gene(Gene),
}

/// An expression while it is being parsed: its depth and whether it was parenthesised.
struct Ex {
    e: Expr,
    /// Tree depth; above [`MAX_DEPTH`] means "too deep, already reported": `e` is then a
    /// placeholder leaf.
    depth: u32,
    paren: bool,
}

impl Ex {
    /// A literal, variable or other leaf.
    fn leaf(kind: ExprKind, span: Span) -> Ex {
        Ex { e: Expr::new(kind, span), depth: 1, paren: false }
    }

    fn poisoned(span: Span) -> Ex {
        Ex { e: Expr::new(ExprKind::Nil, span), depth: MAX_DEPTH + 1, paren: false }
    }

    fn is_poisoned(&self) -> bool {
        self.depth > MAX_DEPTH
    }

    /// `( e )`: the span grows to cover the parentheses.
    fn parenthesized(mut self, span: Span) -> Ex {
        self.e.span = span;
        self.paren = true;
        self
    }
}

/// A span from lalrpop's byte locations.
fn span(l: usize, r: usize) -> Span {
    mk_span(l, r)
}

/// Records an error the grammar recovered from.
fn recovered(diags: &mut Vec<Diagnostic>, count: &Cell<usize>, e: ErrorRecovery<usize, Token<'_>, LexError>) {
    count.set(count.get() + 1);
    diags.push(syntax_error(e.error));
}

/// Collects the items into a program.
fn program(items: Vec<Option<Item>>) -> Program {
    let mut p = Program::default();
    for item in items.into_iter().flatten() {
        match item {
            Item::Const(c) => p.consts.push(c),
            Item::Gene(g) => p.genes.push(g),
        }
    }
    p
}

fn grow(diags: &mut Vec<Diagnostic>, depth: u32, kind: impl FnOnce() -> ExprKind, span: Span) -> Ex {
    if depth > MAX_DEPTH {
        diags.push(too_deep(span));
        return Ex::poisoned(span);
    }
    Ex { e: Expr::new(kind(), span), depth, paren: false }
}

/// `l op r`, unless the tree would get too deep.
fn bin(diags: &mut Vec<Diagnostic>, op: BinOp, l: Ex, r: Ex) -> Ex {
    let sp = l.e.span.to(r.e.span);
    if l.is_poisoned() || r.is_poisoned() {
        return Ex::poisoned(sp);
    }
    let depth = l.depth.max(r.depth) + 1;
    grow(diags, depth, || ExprKind::Binary(op, Box::new(l.e), Box::new(r.e)), sp)
}

/// `op e`; `start` is where the operator begins.
fn un(diags: &mut Vec<Diagnostic>, op: UnOp, e: Ex, start: usize) -> Ex {
    let sp = Span::new(mk_span(start, start).start, e.e.span.end);
    if e.is_poisoned() {
        return Ex::poisoned(sp);
    }
    grow(diags, e.depth + 1, || ExprKind::Unary(op, Box::new(e.e)), sp)
}

/// `a[i]` in an expression.
fn index(diags: &mut Vec<Diagnostic>, a: Ident, i: Ex, sp: Span) -> Ex {
    if i.is_poisoned() {
        return Ex::poisoned(sp);
    }
    grow(diags, i.depth + 1, || ExprKind::Index(a, Box::new(i.e)), sp)
}

/// `u32[N]` and the like: arrays hold 64-bit words. Reported, and read as `u64[N]` so that
/// checking goes on.
fn narrow_array(diags: &mut Vec<Diagnostic>, ty: &str, n: u64, sp: Span) -> Type {
    let elem = if ty.starts_with('i') { "i64" } else { "u64" };
    diags.push(
        Diagnostic::error(E0101, format!("arrays hold 64-bit words: `{ty}[{n}]` is not a type"), sp)
            .hint(format!("write `{elem}[{n}]`: its elements can hold {ty} values")),
    );
    Type::Array(if elem == "i64" { Elem::I64 } else { Elem::U64 }, n)
}

/// `f(x)`: one of the built-ins `empty`, `top`, `size`.
fn builtin(diags: &mut Vec<Diagnostic>, f: Ident, x: Ident, sp: Span) -> Ex {
    let b = match f.name.as_str() {
        "empty" => Builtin::Empty,
        "top" => Builtin::Top,
        "size" => Builtin::Size,
        _ => {
            diags.push(
                Diagnostic::error(E0101, format!("unknown function `{}`", f.name), f.span)
                    .note("not a built-in function")
                    .hint("the built-in functions are `empty(s)`, `top(s)` and `size(x)`; genes are run with `call`"),
            );
            return Ex::leaf(ExprKind::Nil, sp);
        }
    };
    Ex::leaf(ExprKind::Builtin(b, x), sp)
}

/// `t ^= v`: an xorshift step when `v` is `t << c` or `t >> c` written without parentheses.
fn xor_update(target: Place, v: Ex) -> StmtKind {
    if !v.paren
        && let ExprKind::Binary(op @ (BinOp::Shl | BinOp::Shr), l, _) = &v.e.kind
        && place_is_expr(&target, l)
    {
        let dir = if *op == BinOp::Shl { Dir::Left } else { Dir::Right };
        if let ExprKind::Binary(_, _, amount) = v.e.kind {
            return StmtKind::XorShift { target, dir, amount: *amount };
        }
    }
    StmtKind::Update { target, op: UpdateOp::Xor, value: v.e }
}

/// Whether expression `e` denotes exactly the place `p` (spans ignored).
pub fn place_is_expr(p: &Place, e: &Expr) -> bool {
    match (&p.index, &e.kind) {
        (None, ExprKind::Var(n)) => *n == p.name.name,
        (Some(i), ExprKind::Index(a, j)) => a.name == p.name.name && same_expr(i, j),
        _ => false,
    }
}

/// Structural equality of expressions, ignoring spans. Recursive: only for trees the parser
/// built (at most [`MAX_DEPTH`] deep).
pub fn same_expr(a: &Expr, b: &Expr) -> bool {
    match (&a.kind, &b.kind) {
        (ExprKind::Int(x), ExprKind::Int(y)) => x == y,
        (ExprKind::Var(x), ExprKind::Var(y)) => x == y,
        (ExprKind::Index(x, i), ExprKind::Index(y, j)) => x.name == y.name && same_expr(i, j),
        (ExprKind::Unary(o, x), ExprKind::Unary(p, y)) => o == p && same_expr(x, y),
        (ExprKind::Binary(o, x1, x2), ExprKind::Binary(p, y1, y2)) => {
            o == p && same_expr(x1, y1) && same_expr(x2, y2)
        }
        (ExprKind::Builtin(f, x), ExprKind::Builtin(g, y)) => f == g && x.name == y.name,
        (ExprKind::Nil, ExprKind::Nil) => true,
        _ => false,
    }
}

/// `from entry { … }`: the `do` before the body is missing.
fn missing_do(diags: &mut Vec<Diagnostic>, body: Span) {
    let at = Span::new(body.start, body.start.saturating_add(1));
    diags.push(
        Diagnostic::error(E0101, "unexpected `{`: expected `do`", at)
            .note("expected `do` before the loop body")
            .hint("a loop is written `from entry do { … } until exit`"),
    );
}

/// `undo s`: only an xorshift step, a kernel call, `:=` or `erase` can follow.
fn undo(diags: &mut Vec<Diagnostic>, s: Stmt, sp: Span) -> Stmt {
    match s.kind {
        StmtKind::XorShift { .. }
        | StmtKind::Kernel { .. }
        | StmtKind::Assign { .. }
        | StmtKind::Erase(_) => Stmt { kind: StmtKind::Undo(Box::new(s)), span: sp },
        _ => {
            diags.push(
                Diagnostic::error(E0101, "this statement cannot follow `undo`", s.span)
                    .label(Span::new(sp.start, sp.start.saturating_add(4)), "`undo` takes only an xorshift step, a `kernel` call, `:=` or `erase`")
                    .hint("every other statement has a direct inverse: write that instead (e.g. `x -= e` for `undo x += e`)"),
            );
            s
        }
    }
}
