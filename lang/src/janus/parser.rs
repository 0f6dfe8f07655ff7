//! Recursive-descent parser for jana 1.0 syntax, producing the surface tree of [`super::syntax`].
//!
//! Statements are not separated by any punctuation in Janus, so a statement ends where the next
//! token cannot continue it. After a syntax error the parser skips to the next token that can
//! start a statement (or ends a block, or starts a procedure) and carries on, so one run reports
//! several errors. Nesting (statements, parentheses, unary operators) and the depth of expression
//! trees are limited to [`MAX_DEPTH`]; deeper input stops the parse with one E0105 error before
//! any further recursion.
//!
//! Operator precedence is jana's, loosest first: `&& ||`, then `& | ^`, then the comparisons
//! `< <= > >= = !=`, then (an extension) `<< >>`, then `+ -`, then `* / %`, then the prefix
//! operators `! ~ -`. Every binary operator is left-associative.

use super::MAX_DEPTH;
use super::lexer::{Kw, Sym, Tok, Token};
use super::syntax::{Block, Decl, DeclTy, LocalDecl, Proc, Program, Stmt, StmtKind};
use crate::ast::{BinOp, Builtin, Expr, ExprKind, Ident, Place, Span, UnOp, UpdateOp};
use crate::codes::Code::*;
use crate::diag::Diagnostic;

/// More errors than this end the parse (the rest would mostly be follow-on errors).
const MAX_ERRORS: usize = 50;

/// Marks a failed parse step; the diagnostic has already been recorded.
#[derive(Debug)]
pub struct Fail;

type PResult<T> = Result<T, Fail>;

/// Binary operator levels, loosest first.
const LEVELS: &[&[(Sym, BinOp)]] = &[
    &[(Sym::AndAnd, BinOp::LogAnd), (Sym::OrOr, BinOp::LogOr)],
    &[(Sym::Amp, BinOp::And), (Sym::Pipe, BinOp::Or), (Sym::Caret, BinOp::Xor)],
    &[
        (Sym::Lt, BinOp::Lt),
        (Sym::Le, BinOp::Le),
        (Sym::Gt, BinOp::Gt),
        (Sym::Ge, BinOp::Ge),
        (Sym::Assign, BinOp::Eq),
        (Sym::Ne, BinOp::Ne),
    ],
    &[(Sym::Shl, BinOp::Shl), (Sym::Shr, BinOp::Shr)],
    &[(Sym::Plus, BinOp::Add), (Sym::Minus, BinOp::Sub)],
    &[(Sym::Star, BinOp::Mul), (Sym::Slash, BinOp::Div), (Sym::Percent, BinOp::Mod)],
];

/// The tier of the comparisons in [`LEVELS`], where a stray `==` is reported.
const EQUALITY: usize = 2;

/// The parser state over one token vector (which always ends with `Tok::Eof`).
pub struct Parser {
    toks: Vec<Token>,
    pos: usize,
    /// Current nesting of statements, parentheses and prefix operators.
    depth: u32,
    /// Set after a fatal error (too deep, too many errors): parsing unwinds silently.
    fatal: bool,
    /// Every diagnostic so far (the lexer's first).
    pub diags: Vec<Diagnostic>,
    /// The variables declared so far in the procedure being read (parameters, `main`'s
    /// variables, the open `local`s and `iterate` variables), innermost last, with their kinds.
    scope: Vec<(String, VarKind)>,
    /// J0106 reports about variables not in `scope` (globals, perhaps declared further on),
    /// made as for an integer and redone by [`Self::program`] for a global array or stack.
    pending: Vec<Pending>,
}

impl Parser {
    /// A parser over `toks` (ending with `Tok::Eof`), keeping the lexer's `diags`.
    pub fn new(toks: Vec<Token>, diags: Vec<Diagnostic>) -> Parser {
        Parser { toks, pos: 0, depth: 0, fatal: false, diags, scope: Vec::new(), pending: Vec::new() }
    }

    /// The diagnostics, dropping the tokens.
    pub fn finish(self) -> Vec<Diagnostic> {
        self.diags
    }

    fn peek(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)].tok
    }

    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)].tok
    }

    fn span(&self) -> Span {
        self.toks[self.pos.min(self.toks.len() - 1)].span
    }

    /// The span of the last token consumed.
    fn prev_span(&self) -> Span {
        if self.pos == 0 { Span::default() } else { self.toks[self.pos - 1].span }
    }

    fn bump(&mut self) -> Token {
        let last = self.toks.len() - 1;
        let at = self.pos.min(last);
        let t = &mut self.toks[at];
        // A consumed token's text is moved out, not copied: only its span and kind are looked
        // at again (`prev_span`, `is_bool_literal`).
        let tok = match &mut t.tok {
            Tok::Ident(text) if at < last => Tok::Ident(std::mem::take(text)),
            Tok::Str(text) if at < last => Tok::Str(std::mem::take(text)),
            other => other.clone(),
        };
        let span = t.span;
        if self.pos < last {
            self.pos += 1;
        }
        Token { tok, span }
    }

    fn at_kw(&self, k: Kw) -> bool {
        *self.peek() == Tok::Kw(k)
    }

    fn at_sym(&self, s: Sym) -> bool {
        *self.peek() == Tok::Sym(s)
    }

    fn eat_kw(&mut self, k: Kw) -> Option<Span> {
        if self.at_kw(k) { Some(self.bump().span) } else { None }
    }

    fn eat_sym(&mut self, s: Sym) -> Option<Span> {
        if self.at_sym(s) { Some(self.bump().span) } else { None }
    }

    /// Records a diagnostic unless the parse is already unwinding.
    fn report(&mut self, d: Diagnostic) {
        if self.fatal {
            return;
        }
        self.diags.push(d);
        if self.diags.len() >= MAX_ERRORS {
            self.stop();
        }
    }

    /// Ends the parse: every later step sees the end of the file and reports nothing.
    fn stop(&mut self) {
        self.fatal = true;
        self.pos = self.toks.len() - 1;
    }

    /// "expected X, found Y" at the current token.
    fn expected<T>(&mut self, what: &str) -> PResult<T> {
        let found = self.peek().clone();
        let sp = self.span();
        let d = if found == Tok::Eof {
            Diagnostic::error(E0102, format!("unexpected end of file: expected {what}"), sp)
                .note(format!("expected {what} here"))
        } else {
            Diagnostic::error(E0101, format!("expected {what}, found {}", found.describe()), sp)
                .note(format!("expected {what}"))
        };
        self.report(d);
        Err(Fail)
    }

    fn expect_kw(&mut self, k: Kw) -> PResult<Span> {
        match self.eat_kw(k) {
            Some(sp) => Ok(sp),
            None => self.expected(&format!("`{}`", k.text())),
        }
    }

    /// Expects the keyword closing a construct; on failure the error also points at its opener.
    fn expect_closing(&mut self, k: Kw, opener: Span, what: &str) -> PResult<Span> {
        let before = self.diags.len();
        let r = self.expect_kw(k);
        if r.is_err() && self.diags.len() > before {
            let label = format!("this `{what}` has no `{}`", k.text());
            if let Some(d) = self.diags.last_mut() {
                d.labels.push(crate::diag::Label { span: opener, message: label });
            }
        }
        r
    }

    fn expect_sym(&mut self, s: Sym) -> PResult<Span> {
        match self.eat_sym(s) {
            Some(sp) => Ok(sp),
            None => self.expected(&format!("`{}`", s.text())),
        }
    }

    fn expect_ident(&mut self, what: &str) -> PResult<Ident> {
        if let Tok::Ident(_) = self.peek()
            && let Token { tok: Tok::Ident(name), span } = self.bump()
        {
            return Ok(Ident { name, span });
        }
        self.expected(what)
    }

    /// Enters one nesting level; past [`MAX_DEPTH`] the parse stops with E0105.
    fn enter(&mut self, sp: Span) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.too_deep(sp, "statements, parentheses and prefix operators");
            return Err(Fail);
        }
        Ok(())
    }

    fn too_deep(&mut self, sp: Span, what: &str) {
        self.report(
            Diagnostic::error(E0105, "nesting too deep", sp)
                .note(format!("{what} nest more than {MAX_DEPTH} levels deep here"))
                .hint("move inner parts into their own procedure or a `local` variable"),
        );
        self.stop();
    }

    fn unsupported(&mut self, sp: Span, what: &str, hint: &str) -> Fail {
        self.report(
            Diagnostic::error(J0103, format!("{what} is not supported"), sp)
                .note("this belongs to a later jana version, not jana 1.0")
                .hint(hint.to_string()),
        );
        Fail
    }

    // ----- program level -----

    /// Parses the whole token stream.
    pub fn program(&mut self) -> Program {
        let mut prog = Program { globals: Vec::new(), procs: Vec::new() };
        loop {
            self.scope.clear();
            match self.peek() {
                Tok::Eof => break,
                Tok::Kw(Kw::Procedure) => match self.procedure() {
                    Ok(p) => prog.procs.push(p),
                    Err(Fail) => self.recover_top(),
                },
                Tok::Kw(Kw::Int | Kw::Stack) => match self.decl(true) {
                    Ok(d) => prog.globals.push(d),
                    Err(Fail) => self.recover_top(),
                },
                _ => {
                    let _ =
                        self.expected::<()>("`procedure` or a declaration (`int x`, `int a[N]`, `stack s`)");
                    self.bump();
                    self.recover_top();
                }
            }
        }
        for p in std::mem::take(&mut self.pending) {
            let Some(global) = prog.globals.iter().find(|g| g.name.name == p.name) else { continue };
            let kind = VarKind::of_decl(global);
            if kind != VarKind::Int {
                self.diags[p.at] = not_condition(p.site, p.span, &p.what, &kind);
            }
        }
        prog
    }

    /// Skips to the next `procedure` (or the end of the file).
    fn recover_top(&mut self) {
        while !matches!(self.peek(), Tok::Eof | Tok::Kw(Kw::Procedure)) {
            self.bump();
        }
    }

    fn procedure(&mut self) -> PResult<Proc> {
        let start = self.expect_kw(Kw::Procedure)?;
        let name = self.expect_ident("a procedure name")?;
        let is_main = name.name == "main";
        let mut params = Vec::new();
        if let Some(open) = self.eat_sym(Sym::LParen) {
            if !self.at_sym(Sym::RParen) {
                loop {
                    if !matches!(self.peek(), Tok::Kw(Kw::Int | Kw::Stack)) {
                        return self.expected("a parameter (`int x`, `int a[]` or `stack s`)");
                    }
                    let d = self.decl(false)?;
                    self.scope.push((d.name.name.clone(), VarKind::of_decl(&d)));
                    params.push(d);
                    if self.eat_sym(Sym::Comma).is_none() {
                        break;
                    }
                }
            }
            let close = self.expect_sym(Sym::RParen)?;
            if is_main && !params.is_empty() {
                self.report(
                    Diagnostic::error(J0102, "`main` takes no parameters", open.to(close))
                        .note("parameters of `main`")
                        .hint("declare main's variables at the start of its body: `int x`, `int a[10]`, `stack s`"),
                );
            }
        }
        let mut decls = Vec::new();
        while matches!(self.peek(), Tok::Kw(Kw::Int | Kw::Stack)) {
            let d = self.decl(true)?;
            if !is_main {
                self.report(
                    Diagnostic::error(J0104, "variable declarations are only allowed in `main`", d.span)
                        .note("declared here")
                        .hint("use `local int x = 0 … delocal int x = 0` inside a procedure"),
                );
            }
            self.scope.push((d.name.name.clone(), VarKind::of_decl(&d)));
            decls.push(d);
        }
        let body = self.block();
        let end = body.last().map_or(self.prev_span(), |s| s.span);
        if matches!(
            self.peek(),
            Tok::Kw(Kw::Else | Kw::Fi | Kw::Loop | Kw::Until | Kw::Delocal | Kw::Then | Kw::Do)
        ) {
            let _ = self.expected::<()>("a statement");
            self.bump();
            self.recover_top();
        }
        Ok(Proc { name, params, decls, body, span: start.to(end) })
    }

    /// `int x`, `int a[N]`, `int a[]`, `stack s`; with `= init` when `init_ok`.
    fn decl(&mut self, init_ok: bool) -> PResult<Decl> {
        let ty_tok = self.bump();
        let is_stack = ty_tok.tok == Tok::Kw(Kw::Stack);
        let name = self.expect_ident("a variable name")?;
        let mut ty = if is_stack { DeclTy::Stack } else { DeclTy::Int };
        let mut ty_span = ty_tok.span;
        let mut inner = Vec::new();
        if !is_stack && let Some(open) = self.eat_sym(Sym::LBracket) {
            let size = match self.peek().clone() {
                Tok::Int(v) => {
                    self.bump();
                    v.or(Some(1))
                }
                Tok::Sym(Sym::RBracket) => None,
                _ => return self.expected("an array length (an integer literal) or `]`"),
            };
            let mut close = self.expect_sym(Sym::RBracket)?;
            // `int a[3][4]` (later jana versions): the dimensions after the first.
            while self.eat_sym(Sym::LBracket).is_some() {
                let dim = match self.peek().clone() {
                    Tok::Int(v) => {
                        self.bump();
                        Some(v.unwrap_or(1))
                    }
                    Tok::Sym(Sym::RBracket) => None,
                    _ => return self.expected("an array dimension (an integer literal) or `]`"),
                };
                close = self.expect_sym(Sym::RBracket)?;
                inner.push(dim);
            }
            ty = DeclTy::Array(size);
            ty_span = ty_tok.span.to(open).to(close);
        }
        let mut init = Vec::new();
        if self.at_sym(Sym::Assign) && init_ok {
            self.bump();
            match ty {
                DeclTy::Int => init.push(self.expr()?),
                DeclTy::Array(_) if !inner.is_empty() => {
                    let dims: Option<Vec<u64>> =
                        std::iter::once(size_of(ty)).chain(inner.iter().copied()).collect();
                    let Some(dims) = dims else {
                        self.report(
                            Diagnostic::error(
                                J0104,
                                "an initialised array needs all its dimensions",
                                ty_span,
                            )
                            .hint("write every dimension, e.g. `int a[2][3] = {{1, 2, 3}, {4, 5, 6}}`"),
                        );
                        return Err(Fail);
                    };
                    init = self.nested_init(&dims)?;
                }
                DeclTy::Array(_) => {
                    self.expect_sym(Sym::LBrace)?;
                    loop {
                        init.push(self.expr()?);
                        if self.eat_sym(Sym::Comma).is_none() {
                            break;
                        }
                    }
                    self.expect_sym(Sym::RBrace)?;
                }
                // `stack s = nil` (later jana versions): the empty stack, as without a value.
                DeclTy::Stack if self.peek() == &Tok::Kw(Kw::Nil) => {
                    self.bump();
                }
                DeclTy::Stack => return self.expected("`nil` (a stack starts empty)"),
            }
        }
        let end = init.last().map_or(self.prev_span(), |e| e.span);
        let span = ty_tok.span.to(end);
        Ok(Decl { name, ty, ty_span, inner, init, span })
    }

    /// `{{1, 2}, {3}}` for an array of dimensions `dims`, flattened row by row; as in jana,
    /// each list is padded with zeros to its dimension and may not be longer.
    fn nested_init(&mut self, dims: &[u64]) -> PResult<Vec<Expr>> {
        let total = dims.iter().fold(1u64, |a, b| a.saturating_mul(*b));
        if total > 1 << 16 {
            self.report(
                Diagnostic::error(J0104, "array initialiser too large", self.span())
                    .note("an initialised array has at most 65536 elements")
                    .hint("fill the array with a loop instead"),
            );
            return Err(Fail);
        }
        let open = self.expect_sym(Sym::LBrace)?;
        self.enter(open)?;
        let r = self.nested_items(dims);
        self.depth -= 1;
        let mut items = r?;
        let close = self.expect_sym(Sym::RBrace)?;
        let row: u64 = dims[1..].iter().product();
        if items.len() as u64 > dims[0].saturating_mul(row) {
            self.report(
                Diagnostic::error(J0104, "more initial values than array elements", open.to(close))
                    .note(format!("this level has {} elements", dims[0]))
                    .hint("give the array larger dimensions, or fewer values"),
            );
            // The list is whole: parsing goes on after it.
        }
        items.resize((dims[0] * row) as usize, Expr::new(ExprKind::Int(0), close));
        Ok(items)
    }

    fn nested_items(&mut self, dims: &[u64]) -> PResult<Vec<Expr>> {
        let row: u64 = dims[1..].iter().product();
        let mut items = Vec::new();
        let mut count = 0u64;
        loop {
            count += 1;
            if dims.len() > 1 {
                items.extend(self.nested_init(&dims[1..])?);
            } else {
                items.push(self.expr()?);
            }
            if self.eat_sym(Sym::Comma).is_none() || count > dims[0] {
                break;
            }
        }
        if count > dims[0] {
            // Reported by the caller (more items than the level holds).
            items
                .resize((dims[0].saturating_mul(row) + 1) as usize, Expr::new(ExprKind::Int(0), self.span()));
        }
        Ok(items)
    }

    // ----- statements -----

    fn starts_stmt(&self) -> bool {
        match self.peek() {
            Tok::Ident(_) => true,
            Tok::Kw(k) => matches!(
                k,
                Kw::If
                    | Kw::From
                    | Kw::Push
                    | Kw::Pop
                    | Kw::Local
                    | Kw::Call
                    | Kw::Uncall
                    | Kw::Error
                    | Kw::Skip
                    | Kw::Print
                    | Kw::Printf
                    | Kw::Show
                    | Kw::Assert
            ),
            _ => false,
        }
    }

    /// Tokens that end a statement sequence.
    fn at_block_end(&self) -> bool {
        // `end` closes an `iterate` unless it is a variable being updated.
        if let Tok::Ident(n) = self.peek()
            && n == "end"
            && !matches!(
                self.peek_at(1),
                Tok::Sym(Sym::PlusEq | Sym::MinusEq | Sym::CaretEq | Sym::Swap | Sym::LBracket)
            )
        {
            return true;
        }
        matches!(
            self.peek(),
            Tok::Eof
                | Tok::Kw(
                    Kw::Else
                        | Kw::Fi
                        | Kw::Loop
                        | Kw::Until
                        | Kw::Delocal
                        | Kw::Procedure
                        | Kw::Int
                        | Kw::Stack
                )
        )
    }

    /// Skips to a token where a statement can start or a block ends.
    fn recover_stmt(&mut self) {
        loop {
            if self.at_block_end() {
                return;
            }
            match self.peek() {
                Tok::Ident(_) => {
                    if matches!(
                        self.peek_at(1),
                        Tok::Sym(Sym::PlusEq | Sym::MinusEq | Sym::CaretEq | Sym::Swap | Sym::LBracket)
                    ) {
                        return;
                    }
                }
                Tok::Kw(_) if self.starts_stmt() => return,
                _ => {}
            }
            self.bump();
        }
    }

    /// A statement sequence up to (not including) a block end.
    fn block(&mut self) -> Vec<Stmt> {
        let mut out = Vec::new();
        loop {
            if self.fatal || self.at_block_end() {
                return out;
            }
            let before = self.pos;
            if self.starts_stmt() {
                match self.stmt() {
                    Ok(s) => out.push(s),
                    Err(Fail) => {
                        self.recover_stmt();
                        if self.pos == before {
                            self.bump();
                        }
                    }
                }
            } else {
                let _ = self.expected::<()>("a statement");
                self.bump();
                self.recover_stmt();
            }
        }
    }

    /// A block whose span falls back to `at` when it is empty.
    fn block_at(&mut self, at: Span) -> Block {
        let stmts = self.block();
        let span = match (stmts.first(), stmts.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => at,
        };
        Block { stmts, span }
    }

    fn stmt(&mut self) -> PResult<Stmt> {
        let start = self.span();
        let kind = match self.peek() {
            Tok::Ident(n) if n == "iterate" && matches!(self.peek_at(1), Tok::Kw(Kw::Int)) => {
                self.enter(start)?;
                let mark = self.scope.len();
                let r = self.iterate_stmt();
                self.scope.truncate(mark);
                self.depth -= 1;
                r?
            }
            Tok::Ident(_) => return self.update_or_swap(),
            Tok::Kw(Kw::If) => {
                self.enter(start)?;
                let r = self.if_stmt();
                self.depth -= 1;
                r?
            }
            Tok::Kw(Kw::From) => {
                self.enter(start)?;
                let r = self.loop_stmt();
                self.depth -= 1;
                r?
            }
            Tok::Kw(Kw::Local) => {
                self.enter(start)?;
                let mark = self.scope.len();
                let r = self.local_stmt();
                self.scope.truncate(mark);
                self.depth -= 1;
                r?
            }
            &Tok::Kw(k @ (Kw::Push | Kw::Pop)) => {
                self.bump();
                self.expect_sym(Sym::LParen)?;
                let value = self.expr()?;
                self.expect_sym(Sym::Comma)?;
                let stack = self.expect_ident("a stack name")?;
                self.expect_sym(Sym::RParen)?;
                if k == Kw::Push {
                    StmtKind::Push { value, stack }
                } else {
                    StmtKind::Pop { target: value, stack }
                }
            }
            &Tok::Kw(k @ (Kw::Call | Kw::Uncall)) => {
                self.bump();
                let proc_name = self.expect_ident("a procedure name")?;
                let mut args = Vec::new();
                if self.eat_sym(Sym::LParen).is_some() {
                    if !self.at_sym(Sym::RParen) {
                        loop {
                            args.push(self.expr()?);
                            if self.eat_sym(Sym::Comma).is_none() {
                                break;
                            }
                        }
                    }
                    self.expect_sym(Sym::RParen)?;
                }
                StmtKind::Call { proc_name, args, uncall: k == Kw::Uncall }
            }
            Tok::Kw(Kw::Error) => {
                self.bump();
                StmtKind::Error(self.string_arg()?)
            }
            Tok::Kw(Kw::Print) => {
                self.bump();
                StmtKind::Print(self.string_arg()?)
            }
            Tok::Kw(Kw::Printf) => {
                self.bump();
                let paren = self.eat_sym(Sym::LParen).is_some();
                let fmt = self.string()?;
                let mut vars = Vec::new();
                while self.eat_sym(Sym::Comma).is_some() {
                    vars.push(self.expect_ident("a variable name")?);
                }
                if paren {
                    self.expect_sym(Sym::RParen)?;
                }
                StmtKind::Printf(fmt, vars)
            }
            Tok::Kw(Kw::Show) => {
                self.bump();
                let paren = self.eat_sym(Sym::LParen).is_some();
                let mut vars = vec![self.expect_ident("a variable name")?];
                while self.eat_sym(Sym::Comma).is_some() {
                    vars.push(self.expect_ident("a variable name")?);
                }
                if paren {
                    self.expect_sym(Sym::RParen)?;
                }
                StmtKind::Show(vars)
            }
            Tok::Kw(Kw::Skip) => {
                self.bump();
                StmtKind::Skip
            }
            Tok::Kw(Kw::Assert) => {
                self.bump();
                StmtKind::Assert(self.expr()?)
            }
            _ => return self.expected("a statement"),
        };
        Ok(Stmt { kind, span: start.to(self.prev_span()) })
    }

    /// `"text"` or `("text")`.
    fn string_arg(&mut self) -> PResult<String> {
        if self.eat_sym(Sym::LParen).is_some() {
            let s = self.string()?;
            self.expect_sym(Sym::RParen)?;
            Ok(s)
        } else {
            self.string()
        }
    }

    fn string(&mut self) -> PResult<String> {
        if let Tok::Str(_) = self.peek()
            && let Tok::Str(s) = self.bump().tok
        {
            return Ok(s);
        }
        self.expected("a string literal")
    }

    fn place(&mut self) -> PResult<Place> {
        self.place_depth().map(|(p, _)| p)
    }

    /// A variable or array element, with the depth of its index expression (0 for none).
    fn place_depth(&mut self) -> PResult<(Place, u32)> {
        let name = self.expect_ident("a variable name")?;
        let mut span = name.span;
        let mut index = None;
        let mut depth = 0;
        if let Some(open) = self.eat_sym(Sym::LBracket) {
            self.enter(open)?;
            let r = self.binary(0);
            self.depth -= 1;
            let (e, d) = r?;
            depth = d;
            span = span.to(self.expect_sym(Sym::RBracket)?);
            // `a[i][j]…` (later jana versions): the row-major index `(i · d1 + j) · d2 + …`,
            // where `dk` is the marker variable `#a#k` that the lowering replaces by the
            // array's k-th dimension (`#a#0` the first).
            let mut subscripts = vec![(e, open)];
            while let Some(open) = self.eat_sym(Sym::LBracket) {
                self.enter(open)?;
                let r = self.binary(0);
                self.depth -= 1;
                let (next, d) = r?;
                let close = self.expect_sym(Sym::RBracket)?;
                depth = depth.max(d) + 6;
                if depth > MAX_DEPTH {
                    self.too_deep(span.to(close), "operators");
                    return Err(Fail);
                }
                subscripts.push((next, open));
                span = span.to(close);
            }
            let first = subscripts.remove(0);
            let e = if subscripts.is_empty() { first.0 } else { multi_index(&name.name, first, subscripts) };
            index = Some(Box::new(e));
        }
        Ok((Place { name, index, span }, depth))
    }

    fn update_or_swap(&mut self) -> PResult<Stmt> {
        let target = self.place()?;
        let op_span = self.span();
        let op = match self.peek() {
            Tok::Sym(Sym::PlusEq) => UpdateOp::Add,
            Tok::Sym(Sym::MinusEq) => UpdateOp::Sub,
            Tok::Sym(Sym::CaretEq) => UpdateOp::Xor,
            Tok::Sym(Sym::Swap) => {
                self.bump();
                let other = self.place()?;
                let span = target.span.to(other.span);
                return Ok(Stmt { kind: StmtKind::Swap(target, other), span });
            }
            Tok::Sym(Sym::StarEq | Sym::SlashEq) => {
                return Err(self.unsupported(
                    op_span,
                    "multiplicative update `*=` / `/=`",
                    "jana 1.0 has only `+=`, `-=`, `^=` and `<=>`",
                ));
            }
            _ => return self.expected("`+=`, `-=`, `^=` or `<=>`"),
        };
        self.bump();
        let value = self.expr()?;
        let span = target.span.to(value.span);
        Ok(Stmt { kind: StmtKind::Update { target, op, value }, span })
    }

    fn if_stmt(&mut self) -> PResult<StmtKind> {
        let if_kw = self.expect_kw(Kw::If)?;
        let cond = self.expr()?;
        let then_kw = self.expect_kw(Kw::Then)?;
        let then_block = self.block_at(then_kw);
        let else_block = self.eat_kw(Kw::Else).map(|sp| self.block_at(sp));
        self.expect_closing(Kw::Fi, if_kw, "if")?;
        let fi = self.expr()?;
        Ok(StmtKind::If { cond, then_block, else_block, fi })
    }

    fn loop_stmt(&mut self) -> PResult<StmtKind> {
        let from_kw = self.expect_kw(Kw::From)?;
        let entry = self.expr()?;
        let body = match self.eat_kw(Kw::Do) {
            Some(sp) => self.block_at(sp),
            None => Block { stmts: Vec::new(), span: from_kw },
        };
        let again = self.eat_kw(Kw::Loop).map(|sp| self.block_at(sp));
        self.expect_closing(Kw::Until, from_kw, "from")?;
        let until = self.expr()?;
        Ok(StmtKind::From { entry, body, again, until })
    }

    /// Whether the next token is the identifier `word` (a contextual keyword).
    fn at_word(&self, word: &str) -> bool {
        matches!(self.peek(), Tok::Ident(n) if n == word)
    }

    /// `iterate int i = a by s to b … end` (later jana versions; `by 1` when omitted) is, as in
    /// jana, `local int i = a  from i = a loop … i += s until i = b + s  delocal int i = b + s`:
    /// the body runs for `i = a, a + s, …, b`.
    fn iterate_stmt(&mut self) -> PResult<StmtKind> {
        let iterate_kw = self.bump().span;
        let ty_span = self.expect_kw(Kw::Int)?;
        let name = self.expect_ident("a variable name")?;
        self.expect_sym(Sym::Assign)?;
        let first = self.expr()?;
        self.scope.push((name.name.clone(), VarKind::Int));
        let step = if self.at_word("by") {
            self.bump();
            self.expr()?
        } else {
            Expr::new(ExprKind::Int(1), first.span)
        };
        if !self.at_word("to") {
            return self.expected("`to` and the last value of the iteration");
        }
        self.bump();
        let last = self.expr()?;
        let body = self.block();
        if !self.at_word("end") {
            self.report(
                Diagnostic::error(E0101, "`iterate` without its `end`", self.span())
                    .label(iterate_kw, "this `iterate`")
                    .hint("close the loop body with `end`"),
            );
            return Err(Fail);
        }
        let end_kw = self.bump().span;
        let span = iterate_kw.to(end_kw);
        let var = || Expr::new(ExprKind::Var(name.name.clone()), name.span);
        let eq = |a: Expr, b: Expr| {
            let sp = a.span.to(b.span);
            Expr::new(ExprKind::Binary(BinOp::Eq, Box::new(a), Box::new(b)), sp)
        };
        let past = Expr::new(
            ExprKind::Binary(BinOp::Add, Box::new(last.clone()), Box::new(step.clone())),
            last.span,
        );
        let mut again = body;
        again.push(Stmt {
            kind: StmtKind::Update {
                target: Place { name: name.clone(), index: None, span: name.span },
                op: UpdateOp::Add,
                value: step.clone(),
            },
            span: step.span,
        });
        let again_span = again.first().map_or(span, |s| s.span).to(end_kw);
        let decl =
            |value: Expr| LocalDecl { stack: false, ty_span, name: name.clone(), value, array: None, span };
        let from = Stmt {
            kind: StmtKind::From {
                entry: eq(var(), first.clone()),
                body: Block { stmts: Vec::new(), span: iterate_kw },
                again: Some(Block { stmts: again, span: again_span }),
                until: eq(var(), past.clone()),
            },
            span,
        };
        Ok(StmtKind::Local { locals: vec![decl(first)], body: vec![from], delocals: vec![decl(past)] })
    }

    fn local_stmt(&mut self) -> PResult<StmtKind> {
        let local_kw = self.expect_kw(Kw::Local)?;
        // After a bad declaration the block is still read to its `delocal`, so that keyword is
        // not reported again as a misplaced one.
        let locals = self.local_decls();
        if locals.is_err() {
            // The rest of the declarations (`int`/`stack` end a block elsewhere).
            loop {
                self.recover_stmt();
                if !matches!(self.peek(), Tok::Kw(Kw::Int | Kw::Stack)) {
                    break;
                }
                self.bump();
            }
        }
        let body = self.block();
        let delocal_kw = self.expect_closing(Kw::Delocal, local_kw, "local")?;
        let delocals = self.local_decls()?;
        let locals = locals?;
        if locals.len() != delocals.len() {
            self.report(
                Diagnostic::error(
                    E0101,
                    format!("{} variable(s) delocalled, but {} declared local", delocals.len(), locals.len()),
                    delocal_kw.to(self.prev_span()),
                )
                .label(local_kw, "the matching `local`")
                .hint("a `delocal` lists the variables of its `local`, in the same order"),
            );
            return Err(Fail);
        }
        Ok(StmtKind::Local { locals, body, delocals })
    }

    /// The declarations of a `local` or `delocal`, separated by commas.
    fn local_decls(&mut self) -> PResult<Vec<LocalDecl>> {
        let mut decls = vec![self.local_decl()?];
        while self.eat_sym(Sym::Comma).is_some() {
            decls.push(self.local_decl()?);
        }
        Ok(decls)
    }

    /// `int x = e` or `stack s = e` in a `local` / `delocal`; the variable is in scope from
    /// here on (the caller closes the scope).
    fn local_decl(&mut self) -> PResult<LocalDecl> {
        let d = self.local_decl_alone()?;
        let kind = match (&d.array, d.stack) {
            (Some((n, _)), _) => VarKind::Array { ty: format!("int[{n}]"), rank: 1 },
            (None, true) => VarKind::Stack,
            (None, false) => VarKind::Int,
        };
        self.scope.push((d.name.name.clone(), kind));
        Ok(d)
    }

    /// [`Self::local_decl`] without bringing the variable into scope.
    fn local_decl_alone(&mut self) -> PResult<LocalDecl> {
        let ty_span = self.span();
        let stack = match self.peek() {
            Tok::Kw(Kw::Int) => false,
            Tok::Kw(Kw::Stack) => true,
            _ => return self.expected("a type (`int` or `stack`)"),
        };
        self.bump();
        let name = self.expect_ident("a variable name")?;
        let mut len = None;
        if !stack && let Some(open) = self.eat_sym(Sym::LBracket) {
            len = match self.peek().clone() {
                Tok::Int(v) => {
                    self.bump();
                    Some(v.unwrap_or(1))
                }
                Tok::Sym(Sym::RBracket) => None,
                _ => return self.expected("an array length (an integer literal) or `]`"),
            };
            self.expect_sym(Sym::RBracket)?;
            if self.at_sym(Sym::LBracket) {
                return Err(self.unsupported(
                    self.span(),
                    "a multi-dimensional array",
                    "use a one-dimensional array",
                ));
            }
            if len.is_some_and(|n| n > 1 << 16) {
                self.report(
                    Diagnostic::error(
                        J0104,
                        "a local array has at most 65536 elements",
                        open.to(self.prev_span()),
                    )
                    .hint("declare a long array in `main` and pass it as a parameter"),
                );
                return Err(Fail);
            }
            if len == Some(0) {
                self.report(
                    Diagnostic::error(J0104, "an array has at least one element", open.to(self.prev_span()))
                        .hint("give the local array a positive length"),
                );
                return Err(Fail);
            }
            // Marks an array whose length comes from its initial values.
            len = len.or(Some(0));
        }
        self.expect_sym(Sym::Assign)?;
        let Some(len) = len else {
            let value = self.expr()?;
            let span = ty_span.to(value.span);
            return Ok(LocalDecl { stack, ty_span, name, value, array: None, span });
        };
        let mut values = Vec::new();
        if self.eat_sym(Sym::LBrace).is_some() {
            loop {
                values.push(self.expr()?);
                if self.eat_sym(Sym::Comma).is_none() {
                    break;
                }
            }
            self.expect_sym(Sym::RBrace)?;
        } else {
            // jana refuses a number for an array (an array size error), as rdx does in a
            // declaration (`int a[3] = 5`); the statement is whole, so parsing goes on.
            let value = self.expr()?;
            self.report(
                Diagnostic::error(
                    E0101,
                    format!("array `{}` is given a number, not a list", name.name),
                    value.span,
                )
                .note("an array's value is a list in braces")
                .hint(match value.kind {
                    ExprKind::Int(v) => format!("write a list: `{{{v}}}` is {v} followed by zeros"),
                    _ => "write a list: `{e}` is `e` followed by zeros".to_string(),
                }),
            );
            values.push(value);
        }
        let len = if len == 0 { values.len() as u64 } else { len };
        if values.len() as u64 > len {
            self.report(
                Diagnostic::error(
                    J0104,
                    "more initial values than array elements",
                    ty_span.to(self.prev_span()),
                )
                .note(format!("the array has {len} elements, the list {}", values.len()))
                .hint("give the array a length at least that of the list, or `[]`"),
            );
            // The statement is whole: parsing goes on after it.
            values.truncate(len as usize);
        }
        let value = values[0].clone();
        let span = ty_span.to(self.prev_span());
        Ok(LocalDecl { stack, ty_span, name, value, array: Some((len, values)), span })
    }

    // ----- expressions -----

    /// Parses an expression.
    pub fn expr(&mut self) -> PResult<Expr> {
        self.binary(0).map(|(e, _)| e)
    }

    /// Operators of tier `level` (an index into [`LEVELS`]) and tighter, all left-associative,
    /// by precedence climbing: one call per operator present rather than one per tier.
    fn binary(&mut self, level: usize) -> PResult<(Expr, u32)> {
        let (mut lhs, mut depth) = self.power()?;
        while let Tok::Sym(sym) = *self.peek() {
            if sym == Sym::EqEq && level <= EQUALITY {
                let sp = self.span();
                self.report(
                    Diagnostic::error(E0101, "`==` is not a Janus operator", sp)
                        .note("equality is written `=` in Janus")
                        .hint("write `a = b`"),
                );
                self.bump();
                let (rhs, rd) = self.binary(EQUALITY + 1)?;
                depth = depth.max(rd) + 1;
                let span = lhs.span.to(rhs.span);
                lhs = Expr::new(ExprKind::Binary(BinOp::Eq, Box::new(lhs), Box::new(rhs)), span);
                continue;
            }
            let found = LEVELS
                .iter()
                .enumerate()
                .skip(level)
                .find_map(|(tier, ops)| ops.iter().find(|(s, _)| *s == sym).map(|&(_, op)| (tier, op)));
            let Some((tier, op)) = found else { break };
            let op_span = self.bump().span;
            let (rhs, rd) = self.binary(tier + 1)?;
            depth = depth.max(rd) + 1;
            let span = lhs.span.to(rhs.span);
            if depth > MAX_DEPTH {
                self.too_deep(span, "operators");
                return Err(Fail);
            }
            if matches!(op, BinOp::LogAnd | BinOp::LogOr) {
                let text = if op == BinOp::LogAnd { "&&" } else { "||" };
                self.expect_condition(&lhs, Site::Logic(text, op_span));
                self.expect_condition(&rhs, Site::Logic(text, op_span));
            }
            lhs = Expr::new(ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span);
        }
        Ok((lhs, depth))
    }

    /// `a ** k` (later jana versions; tighter than `*`, right-associative): accepted when the
    /// exponent `k` is a literal in 0 ..= 64, as the product of `k` copies of `a` (1 for 0).
    fn power(&mut self) -> PResult<(Expr, u32)> {
        let (base, depth) = self.unary()?;
        if !self.at_sym(Sym::StarStar) {
            return Ok((base, depth));
        }
        let op = self.bump().span;
        self.enter(op)?;
        let r = self.power();
        self.depth -= 1;
        let (exp, _) = r?;
        let span = base.span.to(exp.span);
        let k = match exp.kind {
            ExprKind::Int(k) if k <= 64 => k,
            _ => {
                return Err(self.unsupported(
                    op.to(exp.span),
                    "the power operator `**` with an exponent that is not a literal 0 ..= 64",
                    "multiply explicitly, or use a loop",
                ));
            }
        };
        if k == 0 {
            // jana evaluates the base (Haskell's `^` is strict in it): its faults (a division by
            // zero, an index out of bounds) and its reads count, so `e ** 0` is `e * 0 + 1`
            // unless `e` is a literal.
            if matches!(base.kind, ExprKind::Int(_)) {
                return Ok((Expr::new(ExprKind::Int(1), span), 1));
            }
            let zero = Expr::new(ExprKind::Int(0), exp.span);
            let one = Expr::new(ExprKind::Int(1), exp.span);
            let times_zero = Expr::new(ExprKind::Binary(BinOp::Mul, Box::new(base), Box::new(zero)), span);
            let plus_one = ExprKind::Binary(BinOp::Add, Box::new(times_zero), Box::new(one));
            if depth + 2 > MAX_DEPTH {
                self.too_deep(span, "operators");
                return Err(Fail);
            }
            return Ok((Expr::new(plus_one, span), depth + 2));
        }
        // A literal power is a literal (so `2 ** 3 ** 2` has the literal exponent 9).
        if let ExprKind::Int(b) = base.kind
            && let Some(v) = (b as i64).checked_pow(k as u32)
        {
            return Ok((Expr::new(ExprKind::Int(v as u64), span), 1));
        }
        if expr_size(&base).saturating_mul(k) > 1 << 16 {
            return Err(self.unsupported(
                op.to(exp.span),
                "a power that expands to more than 65536 terms",
                "compute the power with a loop",
            ));
        }
        let mut product = base.clone();
        let mut d = depth;
        for _ in 1..k {
            d += 1;
            if d > MAX_DEPTH {
                self.too_deep(span, "operators");
                return Err(Fail);
            }
            product =
                Expr::new(ExprKind::Binary(BinOp::Mul, Box::new(product), Box::new(base.clone())), span);
        }
        Ok((product, d))
    }

    fn unary(&mut self) -> PResult<(Expr, u32)> {
        let start = self.span();
        let op = match self.peek() {
            Tok::Sym(Sym::Bang) => UnOp::Not,
            Tok::Sym(Sym::Tilde) => UnOp::BitNot,
            Tok::Sym(Sym::Minus) => {
                if let Tok::Int(v) = *self.peek_at(1) {
                    self.bump();
                    let lit = self.bump().span;
                    return Ok((self.negative_literal(v, start.to(lit), lit), 2));
                }
                UnOp::Neg
            }
            Tok::Sym(Sym::Plus) if matches!(self.peek_at(1), Tok::Int(_)) => {
                // jana's literals take a sign: `+5` is 5.
                self.bump();
                let (mut e, d) = self.primary()?;
                e.span = start.to(e.span);
                return Ok((e, d));
            }
            _ => return self.primary(),
        };
        self.bump();
        self.enter(start)?;
        let r = self.unary();
        self.depth -= 1;
        let (inner, d) = r?;
        let span = start.to(inner.span);
        if op == UnOp::Not {
            self.expect_condition(&inner, Site::Not(span));
        }
        Ok((Expr::new(ExprKind::Unary(op, Box::new(inner)), span), d + 1))
    }

    /// Reports J0106 when `operand` of `!` or of `&&` / `||` (`site`) is not a condition. A
    /// variable is named by its declared kind (integer, array or stack); one the procedure does
    /// not declare is reported as an integer, and [`Self::program`] redoes the report once it
    /// knows every global.
    fn expect_condition(&mut self, operand: &Expr, site: Site) {
        let Some(what) = self.integer_operand(operand) else { return };
        let ExprKind::Var(name) = &operand.kind else {
            self.report(not_condition(site, operand.span, &what, &VarKind::Int));
            return;
        };
        if let Some((_, kind)) = self.scope.iter().rev().find(|(n, _)| n == name) {
            let d = not_condition(site, operand.span, &what, kind);
            self.report(d);
            return;
        }
        let at = self.diags.len();
        self.report(not_condition(site, operand.span, &what, &VarKind::Int));
        if self.diags.len() > at {
            self.pending.push(Pending { at, site, span: operand.span, what, name: name.clone() });
        }
    }

    /// Why `e` is an integer where jana wants a condition, or `None` when it is a condition.
    ///
    /// jana (`Eval.hs`: `unpackBool`) keeps the two apart: `true`, `false`, the comparisons,
    /// `!`, `&&`, `||` and `empty(s)` (a boolean in later jana versions) are conditions;
    /// literals, variables, array elements, arithmetic, `top(s)` and `size(x)` are integers.
    /// `nil` is left to the checker (E0212). A variable may also be an array or a stack, which
    /// [`Self::expect_condition`] tells from its declaration.
    fn integer_operand(&self, e: &Expr) -> Option<IntegerOperand> {
        let mut literal = None;
        let (name, text) = match &e.kind {
            _ if e.is_boolean() => return None,
            ExprKind::Builtin(Builtin::Empty, _) | ExprKind::Nil => return None,
            // `true` and `false` are literals 1 and 0 in the tree; the tokens tell them apart.
            ExprKind::Int(_) if self.is_bool_literal(e.span) => return None,
            ExprKind::Int(v) => {
                literal = Some(*v);
                (format!("the literal `{}`", *v as i64), None)
            }
            ExprKind::Var(name) => (format!("the variable `{name}`"), Some(name.clone())),
            ExprKind::Index(a, _) => {
                (format!("the array element `{}[…]`", a.name), Some(format!("{}[…]", a.name)))
            }
            ExprKind::Builtin(Builtin::Top, s) => {
                (format!("`top({})`", s.name), Some(format!("top({})", s.name)))
            }
            ExprKind::Builtin(Builtin::Size, x) => {
                (format!("`size({})`", x.name), Some(format!("size({})", x.name)))
            }
            ExprKind::Unary(..) | ExprKind::Binary(..) => ("this arithmetic expression".to_string(), None),
        };
        Some(IntegerOperand { name, text, literal })
    }

    /// Whether the literal expression at `span` was written `true` or `false` (perhaps in
    /// parentheses).
    fn is_bool_literal(&self, span: Span) -> bool {
        let first = self.toks.partition_point(|t| t.span.start < span.start);
        self.toks[first..]
            .iter()
            .take_while(|t| t.span.end <= span.end && t.tok != Tok::Eof)
            .any(|t| matches!(t.tok, Tok::Kw(Kw::True | Kw::False)))
    }

    /// `-n`: the negation of a literal (exactly `-2^63` is the literal of that value).
    fn negative_literal(&mut self, v: Option<u64>, span: Span, lit: Span) -> Expr {
        const MIN_MAGNITUDE: u64 = 1 << 63;
        match v {
            Some(MIN_MAGNITUDE) => Expr::new(ExprKind::Int(MIN_MAGNITUDE), span),
            Some(v) if v < MIN_MAGNITUDE => {
                Expr::new(ExprKind::Unary(UnOp::Neg, Box::new(Expr::new(ExprKind::Int(v), lit))), span)
            }
            Some(_) => {
                self.literal_range(span);
                Expr::new(ExprKind::Int(0), span)
            }
            None => Expr::new(ExprKind::Int(0), span),
        }
    }

    fn literal_range(&mut self, span: Span) {
        self.report(
            Diagnostic::error(E0104, "integer literal out of range", span)
                .note("this does not fit in a signed 64-bit integer")
                .hint("rdx runs Janus on 64-bit integers: literals lie in -2^63 ..= 2^63-1"),
        );
    }

    fn primary(&mut self) -> PResult<(Expr, u32)> {
        let start = self.span();
        let kind = match self.peek() {
            &Tok::Int(v) => {
                self.bump();
                match v {
                    Some(v) if v <= i64::MAX as u64 => ExprKind::Int(v),
                    Some(_) => {
                        self.literal_range(start);
                        ExprKind::Int(0)
                    }
                    None => ExprKind::Int(0),
                }
            }
            Tok::Kw(Kw::True) => {
                self.bump();
                ExprKind::Int(1)
            }
            Tok::Kw(Kw::False) => {
                self.bump();
                ExprKind::Int(0)
            }
            Tok::Kw(Kw::Nil) => {
                self.bump();
                ExprKind::Nil
            }
            Tok::Ident(_) => {
                let (p, d) = self.place_depth()?;
                let kind = match p.index {
                    Some(i) => ExprKind::Index(p.name, i),
                    None => ExprKind::Var(p.name.name),
                };
                return Ok((Expr::new(kind, p.span), d + 1));
            }
            &Tok::Kw(k @ (Kw::Empty | Kw::Top | Kw::Size)) => {
                self.bump();
                self.expect_sym(Sym::LParen)?;
                let id = self.expect_ident("a variable name")?;
                let close = self.expect_sym(Sym::RParen)?;
                let b = match k {
                    Kw::Empty => Builtin::Empty,
                    Kw::Top => Builtin::Top,
                    _ => Builtin::Size,
                };
                return Ok((Expr::new(ExprKind::Builtin(b, id), start.to(close)), 1));
            }
            Tok::Sym(Sym::LParen) => {
                self.bump();
                self.enter(start)?;
                let r = self.binary(0);
                self.depth -= 1;
                let (mut e, d) = r?;
                let close = self.expect_sym(Sym::RParen)?;
                e.span = start.to(close);
                return Ok((e, d));
            }
            _ => return self.expected("an expression"),
        };
        Ok((Expr::new(kind, start), 1))
    }
}

/// An integer found where jana wants a condition: how to name it in a message, its source text
/// when it is short enough to quote in a hint, and its value when it is a literal.
struct IntegerOperand {
    name: String,
    text: Option<String>,
    literal: Option<u64>,
}

/// Where an operand that must be a condition stands: under `!` (the span of the whole `!e`) or
/// beside `&&` / `||` (the operator and its span).
#[derive(Clone, Copy)]
enum Site {
    Not(Span),
    Logic(&'static str, Span),
}

/// What a declared variable is, as far as conditions are concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
enum VarKind {
    Int,
    /// An array: its type as declared (`int[2]`, `int[2][3]`, `int[]`) and its number of
    /// dimensions.
    Array {
        ty: String,
        rank: usize,
    },
    Stack,
}

impl VarKind {
    /// The kind of a global, a variable of `main` or a parameter.
    fn of_decl(d: &Decl) -> VarKind {
        let first = match d.ty {
            DeclTy::Int => return VarKind::Int,
            DeclTy::Stack => return VarKind::Stack,
            // `int a[] = {…}` has the length of its list.
            DeclTy::Array(None) if d.inner.is_empty() && !d.init.is_empty() => Some(d.init.len() as u64),
            DeclTy::Array(n) => n,
        };
        let dims: String = std::iter::once(first)
            .chain(d.inner.iter().copied())
            .map(|n| n.map_or("[]".to_string(), |n| format!("[{n}]")))
            .collect();
        VarKind::Array { ty: format!("int{dims}"), rank: 1 + d.inner.len() }
    }
}

/// A J0106 report about a variable the procedure does not declare: the diagnostic's index in
/// [`Parser::diags`] and what it was made from.
struct Pending {
    at: usize,
    site: Site,
    span: Span,
    what: IntegerOperand,
    name: String,
}

/// J0106 for `what` (at `span`, a variable of kind `kind` when it is a variable) where `site`
/// needs a condition: for an integer, the comparison with zero that makes it one; for an array,
/// the comparison of an element; for a stack, `empty`.
fn not_condition(site: Site, span: Span, what: &IntegerOperand, kind: &VarKind) -> Diagnostic {
    let var = what.text.as_deref().unwrap_or("…");
    let (noun, is) = match kind {
        VarKind::Int => ("an integer", "an integer".to_string()),
        VarKind::Array { ty, .. } => ("an array", format!("an array (`{ty}`)")),
        VarKind::Stack => ("a stack", "a stack".to_string()),
    };
    let hint = match (kind, site, what.literal) {
        (VarKind::Int, Site::Not(_), Some(v)) => format!("a literal is not a condition: write `{}`", v == 0),
        (VarKind::Int, Site::Logic(..), Some(v)) => {
            format!("a literal is not a condition: write `{}`", v != 0)
        }
        (VarKind::Int, Site::Not(_), None) => {
            let t = what.text.as_deref().unwrap_or("(…)");
            format!("jana does not read integers as conditions: to test for zero, write `{t} = 0`")
        }
        (VarKind::Int, Site::Logic(..), None) => {
            let t = what.text.as_deref().unwrap_or("(…)");
            format!("jana does not read integers as conditions: to test for non-zero, write `{t} != 0`")
        }
        (VarKind::Array { rank, .. }, _, _) => {
            let element: String =
                ["i", "j", "k", "l", "m", "n"].iter().cycle().take(*rank).map(|x| format!("[{x}]")).collect();
            let (test, cmp) = if matches!(site, Site::Not(_)) { ("zero", "=") } else { ("non-zero", "!=") };
            format!(
                "an array is not a condition: to test an element for {test}, write `{var}{element} {cmp} 0`"
            )
        }
        (VarKind::Stack, Site::Not(_), _) => {
            format!("a stack is not a condition: to test whether it is empty, write `empty({var})`")
        }
        (VarKind::Stack, Site::Logic(..), _) => {
            format!("a stack is not a condition: to test whether it has elements, write `!empty({var})`")
        }
    };
    match site {
        Site::Not(whole) => Diagnostic::error(J0106, format!("`!` applied to {noun}"), whole)
            .note(format!("`!` takes a condition, and {} is {is}", what.name)),
        Site::Logic(op, op_span) => Diagnostic::error(J0106, format!("`{op}` applied to {noun}"), span)
            .note(format!("{} is {is}, not a condition", what.name))
            .label(op_span, format!("`{op}` takes conditions on both sides")),
    }
    .hint(hint)
}

/// The number of nodes of an expression tree (its depth is bounded by the parser).
fn expr_size(e: &Expr) -> u64 {
    match &e.kind {
        ExprKind::Unary(_, x) => 1 + expr_size(x),
        ExprKind::Binary(_, l, r) => 1 + expr_size(l) + expr_size(r),
        ExprKind::Index(_, i) => 1 + expr_size(i),
        _ => 1,
    }
}

/// The first dimension of an array declaration type, when written.
fn size_of(ty: DeclTy) -> Option<u64> {
    match ty {
        DeclTy::Array(n) => n,
        _ => None,
    }
}

/// The flat index of `name[x0][x1]…` (two subscripts or more, each with its `[`'s span).
/// jana checks every subscript against its own dimension, and the flat index is checked only
/// against the whole array, so each subscript counts only when it is inside its dimension
/// (`xk · okk`, `okk = 0 <= xk < dk`: no overflow, whatever the subscripts) and any subscript
/// outside adds 2^32, more than any array's length, with nothing to cancel it: the access is
/// out of bounds with the index `2^32 + …`.
fn multi_index(name: &str, first: (Expr, Span), rest: Vec<(Expr, Span)>) -> Expr {
    let bin = |op, l: Expr, r: Expr| {
        let sp = l.span.to(r.span);
        Expr::new(ExprKind::Binary(op, Box::new(l), Box::new(r)), sp)
    };
    // `xk · (0 <= xk < dk)` and `0 <= xk < dk` of subscript k.
    let subscript = |k: usize, (x, open): (Expr, Span)| {
        let dim = Expr::new(ExprKind::Var(dim_marker(name, k)), open);
        let zero = Expr::new(ExprKind::Int(0), x.span);
        let inside =
            bin(BinOp::LogAnd, bin(BinOp::Ge, x.clone(), zero), bin(BinOp::Lt, x.clone(), dim.clone()));
        (bin(BinOp::Mul, x, inside.clone()), inside, dim)
    };
    let (mut flat, mut all_inside, _) = subscript(0, first);
    for (k, s) in rest.into_iter().enumerate() {
        let (counted, inside, dim) = subscript(k + 1, s);
        flat = bin(BinOp::Add, bin(BinOp::Mul, flat, dim), counted);
        all_inside = bin(BinOp::LogAnd, all_inside, inside);
    }
    let sp = flat.span;
    let outside = Expr::new(ExprKind::Unary(UnOp::Not, Box::new(all_inside)), sp);
    bin(BinOp::Add, flat, bin(BinOp::Mul, outside, Expr::new(ExprKind::Int(1 << 32), sp)))
}

/// The marker variable standing for dimension `k` (0 = the first) of array `name` in a
/// multi-dimensional index; Janus names cannot contain `#`.
pub fn dim_marker(name: &str, k: usize) -> String {
    format!("#{name}#{k}")
}

#[cfg(test)]
mod tests {
    use crate::codes::Code;
    use crate::diag::Diagnostic;

    /// The J0106 reports of `src` as (quoted span, message, note, hint).
    fn not_conditions(src: &str) -> Vec<(String, String, String, String)> {
        let diags: Vec<Diagnostic> = super::super::parse(src).expect_err("J0106 expected");
        diags
            .iter()
            .map(|d| {
                assert_eq!(d.code, Code::J0106, "{d:?}");
                let text = src[d.span.start as usize..d.span.end as usize].to_string();
                (text, d.message.clone(), d.note.clone(), d.hints.join("; "))
            })
            .collect()
    }

    fn row(text: &str, message: &str, note: &str, hint: &str) -> (String, String, String, String) {
        (text.into(), message.into(), note.into(), hint.into())
    }

    /// An array or a stack under `!`, `&&` or `||` is named for what it is, with advice that
    /// fits it (an element, `empty`), not the comparison with zero of an integer.
    #[test]
    fn arrays_and_stacks_are_not_conditions() {
        let src = "procedure main()\n    int x\n    int a[2]\n    stack s\n    \
                   if !a || (s && x = 0) then\n        x += 1\n    fi x = 1\n    x += !s\n    \
                   x += a || s\n";
        assert_eq!(
            not_conditions(src),
            vec![
                row(
                    "!a",
                    "`!` applied to an array",
                    "`!` takes a condition, and the variable `a` is an array (`int[2]`)",
                    "an array is not a condition: to test an element for zero, write `a[i] = 0`",
                ),
                row(
                    "s",
                    "`&&` applied to a stack",
                    "the variable `s` is a stack, not a condition",
                    "a stack is not a condition: to test whether it has elements, write `!empty(s)`",
                ),
                row(
                    "!s",
                    "`!` applied to a stack",
                    "`!` takes a condition, and the variable `s` is a stack",
                    "a stack is not a condition: to test whether it is empty, write `empty(s)`",
                ),
                row(
                    "a",
                    "`||` applied to an array",
                    "the variable `a` is an array (`int[2]`), not a condition",
                    "an array is not a condition: to test an element for non-zero, write `a[i] != 0`",
                ),
                row(
                    "s",
                    "`||` applied to a stack",
                    "the variable `s` is a stack, not a condition",
                    "a stack is not a condition: to test whether it has elements, write `!empty(s)`",
                ),
            ]
        );
    }

    /// An integer variable keeps the integer's report and its advice.
    #[test]
    fn integer_variables_are_reported_as_integers() {
        let src = "procedure main()\n    int x\n    int y\n    if !x then\n        x += 1\n    fi x = 1\n    \
                   from y = 0 && x loop\n        y += 1\n    until y = 3\n";
        assert_eq!(
            not_conditions(src),
            vec![
                row(
                    "!x",
                    "`!` applied to an integer",
                    "`!` takes a condition, and the variable `x` is an integer",
                    "jana does not read integers as conditions: to test for zero, write `x = 0`",
                ),
                row(
                    "x",
                    "`&&` applied to an integer",
                    "the variable `x` is an integer, not a condition",
                    "jana does not read integers as conditions: to test for non-zero, write `x != 0`",
                ),
            ]
        );
    }

    /// The kind is the declaration in scope: parameters, locals and `iterate` variables before
    /// globals, and globals declared after the procedure that reads them.
    #[test]
    fn the_kind_is_the_declaration_in_scope() {
        let src = "procedure p(int b[], stack t, int y)\n\
                   if !b && !t then skip fi !y\n\
                   local int c[] = {1, 2}, stack u = nil, int g = 0\n\
                   if !c || !u || !g || !h then skip fi !m\n\
                   delocal int c[] = {1, 2}, stack u = nil, int g = 0\n\
                   iterate int h = 0 to 2\n    y += !h\n end\n\
                   y += !g || !h || !q\n\
                   int g[3]\nint m[2][3]\nstack h\n\
                   procedure main()\n    int x\n    call p(g, h, x)\n";
        let messages: Vec<(String, String)> =
            not_conditions(src).into_iter().map(|(text, message, _, _)| (text, message)).collect();
        let expected = [
            ("!b", "an array"),
            ("!t", "a stack"),
            ("!y", "an integer"),
            ("!c", "an array"),
            ("!u", "a stack"),
            ("!g", "an integer"),
            ("!h", "a stack"),
            ("!m", "an array"),
            ("!h", "an integer"),
            ("!g", "an array"),
            ("!h", "a stack"),
            ("!q", "an integer"),
        ];
        let expected: Vec<(String, String)> =
            expected.iter().map(|(t, k)| (t.to_string(), format!("`!` applied to {k}"))).collect();
        assert_eq!(messages, expected);
        let hints: Vec<String> = super::super::parse(src).expect_err("J0106").remove(7).hints;
        assert_eq!(
            hints,
            vec!["an array is not a condition: to test an element for zero, write `m[i][j] = 0`"]
        );
    }
}
