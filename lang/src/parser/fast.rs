//! The parser's fast path: a recursive-descent parser for well-formed rdx source.
//!
//! It reads tokens straight from the logos lexer and builds exactly the tree the grammar
//! (`grammar.lalrpop`, through the actions in `parser.rs`) builds, spans included, but it
//! gives up (returns `None`) at the first thing the grammar path would report: a lexical
//! error, an unexpected token, a missing `do`, an unknown built-in, a statement `undo` does not
//! take, an expression deeper than [`MAX_DEPTH`] or brackets nested deeper than [`MAX_DEPTH`].
//! [`super::parse`] then runs the grammar path, which reports every error with its recovery,
//! so diagnostics come from one place only.
//!
//! Why two parsers: the LR tables spend about a dozen reductions on every operand (one per
//! precedence tier) and move a large stack symbol at each, which made parsing most of the cost
//! of `rdx asm`; this path does one call per tier actually used. The contract (`Some(p)` only
//! where the grammar path gives `Ok(p)`) is checked by `tests/parse_fast.rs` over the example
//! files and generated programs; keep the two in step when the grammar changes.
//!
//! Recursion is bounded and shallow: brackets are counted as they are lexed (more than
//! [`MAX_DEPTH`] open gives up, like the grammar path's pre-pass), each level costs a few small
//! frames (binary operators go through an explicit stack, prefix operators through a loop, and
//! `if`/`from` through their own functions).

use super::{Ex, MAX_DEPTH};
use crate::ast::{
    BinOp, Block, Builtin, Const, Dir, Elem, Expr, ExprKind, Gene, Ident, Param, Place, Print, Program, Span,
    Stmt, StmtKind, Type, UnOp, UpdateOp, Width,
};
use crate::lexer::span as mk_span;
use crate::token::Token;
use logos::Logos;

/// The tree of `src` if it is well-formed rdx the grammar path accepts without a diagnostic;
/// `None` otherwise (the grammar path then says why).
pub(super) fn parse(src: &str) -> Option<Program> {
    let mut p = Fast {
        lex: Token::lexer(src),
        tok: None,
        span: Span::default(),
        last_end: 0,
        open: 0,
        operands: Vec::new(),
        operators: Vec::new(),
    };
    p.bump()?;
    let mut program = Program::default();
    while let Some(tok) = &p.tok {
        match tok {
            Token::Const => program.consts.push(p.const_decl()?),
            Token::Gene => program.genes.push(p.gene_decl()?),
            _ => return None,
        }
    }
    Some(program)
}

struct Fast<'s> {
    lex: logos::Lexer<'s, Token<'s>>,
    /// The look-ahead token (`None` at the end of the input) and its span.
    tok: Option<Token<'s>>,
    span: Span,
    /// Where the last consumed token ends (a production's `@R`).
    last_end: u32,
    /// Brackets `{ ( [` lexed and not yet closed.
    open: u32,
    /// The shunting yard's stacks, shared by nested expressions (each works above the
    /// lengths it found).
    operands: Vec<Ex>,
    operators: Vec<(BinOp, u8)>,
}

/// A binary operator token: the operator and its tier (higher binds tighter; the grammar's
/// `Tier` order, all left-associative).
fn binary_op(t: &Token<'_>) -> Option<(BinOp, u8)> {
    Some(match t {
        Token::OrOr => (BinOp::LogOr, 1),
        Token::AndAnd => (BinOp::LogAnd, 2),
        Token::Pipe => (BinOp::Or, 3),
        Token::Caret => (BinOp::Xor, 4),
        Token::Amp => (BinOp::And, 5),
        Token::EqEq => (BinOp::Eq, 6),
        Token::NotEq => (BinOp::Ne, 6),
        Token::Lt => (BinOp::Lt, 7),
        Token::Le => (BinOp::Le, 7),
        Token::Gt => (BinOp::Gt, 7),
        Token::Ge => (BinOp::Ge, 7),
        Token::Shl => (BinOp::Shl, 8),
        Token::Shr => (BinOp::Shr, 8),
        Token::Plus => (BinOp::Add, 9),
        Token::Minus => (BinOp::Sub, 9),
        Token::Star => (BinOp::Mul, 10),
        Token::Slash => (BinOp::Div, 10),
        Token::Percent => (BinOp::Mod, 10),
        _ => return None,
    })
}

impl<'s> Fast<'s> {
    /// Moves to the next token; `None` on a lexical error or too deep a nesting.
    #[inline]
    fn bump(&mut self) -> Option<()> {
        self.last_end = self.span.end;
        match self.lex.next() {
            None => {
                self.tok = None;
                // The grammar's end-of-input location.
                self.span = Span::new(self.last_end, self.last_end);
            }
            Some(Ok(t)) => {
                let r = self.lex.span();
                self.span = mk_span(r.start, r.end);
                match t {
                    Token::LBrace | Token::LParen | Token::LBracket => {
                        self.open += 1;
                        if self.open > MAX_DEPTH {
                            return None;
                        }
                    }
                    Token::RBrace | Token::RParen | Token::RBracket => {
                        self.open = self.open.saturating_sub(1)
                    }
                    _ => {}
                }
                self.tok = Some(t);
            }
            Some(Err(_)) => return None,
        }
        Some(())
    }

    /// Whether the look-ahead is `t` (a token without data).
    #[inline]
    fn at(&self, t: Token<'static>) -> bool {
        self.tok.as_ref() == Some(&t)
    }

    /// Consumes `t` (a token without data), or gives up.
    #[inline]
    fn expect(&mut self, t: Token<'static>) -> Option<()> {
        if self.at(t) { self.bump() } else { None }
    }

    /// Consumes `t` if it is the look-ahead.
    #[inline]
    fn eat(&mut self, t: Token<'static>) -> Option<bool> {
        if self.at(t) {
            self.bump()?;
            Some(true)
        } else {
            Some(false)
        }
    }

    /// A name (the grammar's `Name`).
    fn name(&mut self) -> Option<Ident> {
        let Some(Token::Ident(n)) = self.tok else { return None };
        let span = self.span;
        self.bump()?;
        Some(Ident { name: n.to_string(), span })
    }

    fn int(&mut self) -> Option<u64> {
        let Some(Token::Int(n)) = self.tok else { return None };
        self.bump()?;
        Some(n)
    }

    fn string(&mut self) -> Option<String> {
        let Some(Token::Str(s)) = self.tok.take() else { return None };
        self.bump()?;
        Some(s)
    }

    // ---- top level ------------------------------------------------------------------------

    fn const_decl(&mut self) -> Option<Const> {
        let l = self.span.start;
        self.bump()?;
        let name = self.name()?;
        self.expect(Token::Assign)?;
        let v = self.expr()?;
        Some(Const { name, value: v.e, span: Span::new(l, self.last_end) })
    }

    fn gene_decl(&mut self) -> Option<Gene> {
        let l = self.span.start;
        self.bump()?;
        let name = self.name()?;
        self.expect(Token::LParen)?;
        let mut params = Vec::new();
        while matches!(self.tok, Some(Token::Ident(_))) {
            let name = self.name()?;
            self.expect(Token::Colon)?;
            let tl = self.span.start;
            let ty = self.ty()?;
            params.push(Param { name, ty, ty_span: Span::new(tl, self.last_end) });
            if !self.eat(Token::Comma)? {
                break;
            }
        }
        self.expect(Token::RParen)?;
        let body = self.block()?;
        Some(Gene { name, params, body, span: Span::new(l, self.last_end) })
    }

    fn ty(&mut self) -> Option<Type> {
        let elem = match self.tok {
            Some(Token::U64) => Elem::U64,
            Some(Token::I64) => Elem::I64,
            Some(Token::F64) => Elem::F64,
            Some(Token::C64) => Elem::C64,
            Some(Token::Stack) => return self.bump().map(|()| Type::Stack),
            Some(ref t) if fixed_width(t).is_some() => {
                let w = fixed_width(t)?;
                return self.bump().map(|()| Type::Fixed(w));
            }
            _ => return None,
        };
        self.bump()?;
        if !self.eat(Token::LBracket)? {
            return match elem {
                Elem::U64 => Some(Type::U64),
                Elem::I64 => Some(Type::I64),
                Elem::F64 | Elem::C64 => None,
            };
        }
        let n = self.int()?;
        self.expect(Token::RBracket)?;
        Some(Type::Array(elem, n))
    }

    // ---- statements -----------------------------------------------------------------------

    fn block(&mut self) -> Option<Block> {
        let l = self.span.start;
        self.expect(Token::LBrace)?;
        let mut stmts = Vec::new();
        loop {
            match self.tok {
                Some(Token::RBrace) => break,
                Some(Token::Semi) => self.bump()?,
                _ => stmts.push(self.stmt()?),
            }
        }
        self.bump()?;
        Some(Block { stmts, span: Span::new(l, self.last_end) })
    }

    /// A statement. `if` and `from` nest, so they go through small frames of their own rather
    /// than the large one of [`Fast::simple_kind`]: deep nesting costs little stack.
    fn stmt(&mut self) -> Option<Stmt> {
        let l = self.span.start;
        let kind = match self.tok {
            Some(Token::If) => self.if_stmt()?,
            Some(Token::From) => self.loop_stmt()?,
            Some(Token::Undo) => self.undo()?,
            _ => self.simple_kind()?,
        };
        Some(Stmt { kind, span: Span::new(l, self.last_end) })
    }

    /// `undo s`, for the statements `undo` takes (any other is the grammar path's error).
    fn undo(&mut self) -> Option<StmtKind> {
        self.bump()?;
        let l = self.span.start;
        let kind = match self.tok {
            Some(Token::If | Token::From | Token::Undo) => return None,
            _ => self.simple_kind()?,
        };
        match kind {
            StmtKind::XorShift { .. }
            | StmtKind::Kernel { .. }
            | StmtKind::Assign { .. }
            | StmtKind::Erase(_) => {
                Some(StmtKind::Undo(Box::new(Stmt { kind, span: Span::new(l, self.last_end) })))
            }
            _ => None,
        }
    }

    fn if_stmt(&mut self) -> Option<StmtKind> {
        self.bump()?;
        let cond = self.expr()?.e;
        let then_block = self.block()?;
        let else_block = if self.eat(Token::Else)? { Some(self.block()?) } else { None };
        self.expect(Token::Fi)?;
        Some(StmtKind::If { cond: Box::new(cond), then_block, else_block, fi: Box::new(self.expr()?.e) })
    }

    fn loop_stmt(&mut self) -> Option<StmtKind> {
        self.bump()?;
        let entry = self.expr()?.e;
        // A missing `do` is reported by the grammar path.
        self.expect(Token::Do)?;
        let body = self.block()?;
        let again = if self.eat(Token::Loop)? { Some(self.block()?) } else { None };
        self.expect(Token::Until)?;
        Some(StmtKind::From { entry: Box::new(entry), body, again, until: Box::new(self.expr()?.e) })
    }

    /// Every statement but `if`, `from` and `undo`.
    fn simple_kind(&mut self) -> Option<StmtKind> {
        let kw = match &self.tok {
            Some(Token::Ident(_)) => return self.update(),
            Some(t) => t.clone(),
            None => return None,
        };
        self.bump()?;
        Some(match kw {
            Token::Neg => StmtKind::Neg(self.place()?),
            Token::Not => StmtKind::Not(self.place()?),
            Token::Swap => {
                let a = self.place()?;
                self.expect(Token::Comma)?;
                StmtKind::Swap(a, self.place()?)
            }
            Token::Call | Token::Uncall => {
                let gene = self.name()?;
                self.expect(Token::LParen)?;
                let mut args = Vec::new();
                while matches!(self.tok, Some(Token::Ident(_))) {
                    args.push(self.name()?);
                    if !self.eat(Token::Comma)? {
                        break;
                    }
                }
                self.expect(Token::RParen)?;
                StmtKind::Call { gene, args, uncall: kw == Token::Uncall }
            }
            Token::Local => {
                let name = self.name()?;
                self.expect(Token::Colon)?;
                let ty = self.ty()?;
                self.expect(Token::Assign)?;
                StmtKind::Local { name, ty, init: self.expr()?.e }
            }
            Token::Delocal => {
                let name = self.name()?;
                let ty = if self.eat(Token::Colon)? { Some(self.ty()?) } else { None };
                self.expect(Token::Assign)?;
                StmtKind::Delocal { name, ty, value: self.expr()?.e }
            }
            Token::Push | Token::Pop => {
                let p = self.place()?;
                self.expect(Token::Comma)?;
                let stack = self.name()?;
                if kw == Token::Push {
                    StmtKind::Push { value: p, stack }
                } else {
                    StmtKind::Pop { target: p, stack }
                }
            }
            Token::Assert => StmtKind::Assert(self.expr()?.e),
            Token::Skip => StmtKind::Skip,
            Token::Kernel => {
                let name = self.name()?;
                self.expect(Token::LParen)?;
                let buf = self.name()?;
                self.expect(Token::RParen)?;
                StmtKind::Kernel { name, buf }
            }
            Token::Erase => StmtKind::Erase(self.place()?),
            Token::Error => StmtKind::Error(self.string()?),
            Token::Print => StmtKind::Print(Print::Text(self.string()?)),
            Token::Printf => {
                let s = self.string()?;
                let mut args = Vec::new();
                while self.eat(Token::Comma)? {
                    args.push(self.name()?);
                }
                StmtKind::Print(Print::Format(s, args))
            }
            Token::Show => {
                let mut args = vec![self.name()?];
                while self.eat(Token::Comma)? {
                    args.push(self.name()?);
                }
                StmtKind::Print(Print::Show(args))
            }
            _ => return None,
        })
    }

    /// `place op= expr`.
    fn update(&mut self) -> Option<StmtKind> {
        let target = self.place()?;
        let op = self.tok.take()?;
        self.bump()?;
        let v = self.expr()?;
        Some(match op {
            Token::AddAssign => StmtKind::Update { target, op: UpdateOp::Add, value: v.e },
            Token::SubAssign => StmtKind::Update { target, op: UpdateOp::Sub, value: v.e },
            Token::XorAssign => super::xor_update(target, v),
            Token::MulAssign => StmtKind::Mul { target, factor: v.e },
            Token::RotlAssign => StmtKind::Rotate { target, dir: Dir::Left, amount: v.e },
            Token::RotrAssign => StmtKind::Rotate { target, dir: Dir::Right, amount: v.e },
            Token::ColonAssign => StmtKind::Assign { target, value: v.e },
            _ => return None,
        })
    }

    fn place(&mut self) -> Option<Place> {
        let l = self.span.start;
        let name = self.name()?;
        let index = if self.eat(Token::LBracket)? {
            let i = self.expr()?;
            self.expect(Token::RBracket)?;
            Some(Box::new(i.e))
        } else {
            None
        };
        Some(Place { name, index, span: Span::new(l, self.last_end) })
    }

    // ---- expressions ----------------------------------------------------------------------

    /// An expression: operator precedence by a shunting yard over [`Fast::operands`] and
    /// [`Fast::operators`], so only parentheses, indices and built-ins recurse.
    fn expr(&mut self) -> Option<Ex> {
        let base = self.operators.len();
        let first = self.unary()?;
        self.operands.push(first);
        while let Some((op, tier)) = self.tok.as_ref().and_then(binary_op) {
            self.bump()?;
            // Left-associative: what is pending at this tier or tighter is complete.
            while self.operators.len() > base && self.operators.last().is_some_and(|&(_, t)| t >= tier) {
                self.reduce()?;
            }
            self.operators.push((op, tier));
            let r = self.unary()?;
            self.operands.push(r);
        }
        while self.operators.len() > base {
            self.reduce()?;
        }
        self.operands.pop()
    }

    /// Applies the innermost pending operator to the last two operands.
    fn reduce(&mut self) -> Option<()> {
        let (op, _) = self.operators.pop()?;
        let r = self.operands.pop()?;
        let l = self.operands.pop()?;
        let depth = l.depth.max(r.depth) + 1;
        if depth > MAX_DEPTH {
            return None;
        }
        let span = l.e.span.to(r.e.span);
        let e = Expr::new(ExprKind::Binary(op, Box::new(l.e), Box::new(r.e)), span);
        self.operands.push(Ex { e, depth, paren: false });
        Some(())
    }

    /// Prefix operators (read in a loop), then a primary expression.
    fn unary(&mut self) -> Option<Ex> {
        let mut ops: Vec<(UnOp, u32)> = Vec::new();
        loop {
            let op = match self.tok {
                Some(Token::Minus) => UnOp::Neg,
                Some(Token::Tilde) => UnOp::BitNot,
                Some(Token::Bang) => UnOp::Not,
                _ => break,
            };
            // The operand has depth at least 1.
            if ops.len() >= MAX_DEPTH as usize {
                return None;
            }
            ops.push((op, self.span.start));
            self.bump()?;
        }
        let mut e = self.primary()?;
        for (op, start) in ops.into_iter().rev() {
            let span = Span::new(start, e.e.span.end);
            e = Ex {
                e: Expr::new(ExprKind::Unary(op, Box::new(e.e)), span),
                depth: e.depth + 1,
                paren: false,
            };
        }
        if e.depth > MAX_DEPTH {
            return None;
        }
        Some(e)
    }

    fn primary(&mut self) -> Option<Ex> {
        let sp = self.span;
        match self.tok {
            Some(Token::Int(n)) => {
                self.bump()?;
                Some(Ex::leaf(ExprKind::Int(n), sp))
            }
            Some(Token::Nil) => {
                self.bump()?;
                Some(Ex::leaf(ExprKind::Nil, sp))
            }
            Some(Token::LParen) => {
                self.bump()?;
                let e = self.expr()?;
                self.expect(Token::RParen)?;
                Some(e.parenthesized(Span::new(sp.start, self.last_end)))
            }
            Some(Token::Ident(n)) => {
                self.bump()?;
                match self.tok {
                    Some(Token::LBracket) => {
                        self.bump()?;
                        let i = self.expr()?;
                        self.expect(Token::RBracket)?;
                        let depth = i.depth + 1;
                        if depth > MAX_DEPTH {
                            return None;
                        }
                        let a = Ident { name: n.to_string(), span: sp };
                        let span = Span::new(sp.start, self.last_end);
                        Some(Ex {
                            e: Expr::new(ExprKind::Index(a, Box::new(i.e)), span),
                            depth,
                            paren: false,
                        })
                    }
                    Some(Token::LParen) => {
                        let f = match n {
                            "empty" => Builtin::Empty,
                            "top" => Builtin::Top,
                            "size" => Builtin::Size,
                            _ => return None,
                        };
                        self.bump()?;
                        let x = self.name()?;
                        self.expect(Token::RParen)?;
                        Some(Ex::leaf(ExprKind::Builtin(f, x), Span::new(sp.start, self.last_end)))
                    }
                    _ => Some(Ex::leaf(ExprKind::Var(n.to_string()), sp)),
                }
            }
            _ => None,
        }
    }
}

/// The fixed-width integer type a token names (`u8` … `i32`).
fn fixed_width(t: &Token<'_>) -> Option<Width> {
    Some(match t {
        Token::U8 => Width::U8,
        Token::U16 => Width::U16,
        Token::U32 => Width::U32,
        Token::I8 => Width::I8,
        Token::I16 => Width::I16,
        Token::I32 => Width::I32,
        _ => return None,
    })
}
