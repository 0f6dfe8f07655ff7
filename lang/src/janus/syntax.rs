//! The Janus surface tree: what the parser reads, before [`super::lower`] turns it into the rdx
//! syntax tree. Expressions and places are already rdx [`Expr`]s and [`Place`]s; only the parts
//! whose meaning needs the whole program (globals, array parameters of unknown length, argument
//! expressions, `local` blocks) keep their Janus shape here.

use crate::ast::{Expr, Ident, Place, Span, UpdateOp};

/// A whole Janus program.
#[derive(Clone, Debug)]
pub struct Program {
    /// Top-level declarations (`int x`, `int a[N]`, `stack s`), in source order.
    pub globals: Vec<Decl>,
    /// Procedures in source order, `main` included.
    pub procs: Vec<Proc>,
}

/// The declared type of a variable or parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclTy {
    Int,
    /// `int a[N]`, or `int a[]` (length taken from the call sites) when `None`.
    Array(Option<u64>),
    Stack,
}

/// A declaration: a global, a variable of `main`, or a procedure parameter.
#[derive(Clone, Debug)]
pub struct Decl {
    pub name: Ident,
    pub ty: DeclTy,
    /// Span of the type (`int`, `int …[N]`, `stack`).
    pub ty_span: Span,
    /// The dimensions after the first of a multi-dimensional array (`int a[3][4]`: `[Some(4)]`;
    /// `None` for `[]`); empty otherwise.
    pub inner: Vec<Option<u64>>,
    /// `int x = e` / `int a[N] = {e, …}` (globals and `main` variables only).
    pub init: Vec<Expr>,
    pub span: Span,
}

/// `procedure name(params) body`.
#[derive(Clone, Debug)]
pub struct Proc {
    pub name: Ident,
    pub params: Vec<Decl>,
    /// Variable declarations at the start of the body (jana allows them in `main`).
    pub decls: Vec<Decl>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

/// One `type name = value` of a `local` or `delocal`.
#[derive(Clone, Debug)]
pub struct LocalDecl {
    /// `false` for `int`, `true` for `stack`.
    pub stack: bool,
    pub ty_span: Span,
    pub name: Ident,
    /// The value (for a local array, its first initial value).
    pub value: Expr,
    /// A local array (later jana versions), `int a[n] = {e, …}`: its length and its initial
    /// values (at most the length; the other elements are 0).
    pub array: Option<(u64, Vec<Expr>)>,
    pub span: Span,
}

/// A statement with its span.
#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

/// The Janus statements (see spec/janus.md, "Syntax").
#[derive(Clone, Debug)]
pub enum StmtKind {
    Update {
        target: Place,
        op: UpdateOp,
        value: Expr,
    },
    Swap(Place, Place),
    If {
        cond: Expr,
        then_block: Block,
        else_block: Option<Block>,
        fi: Expr,
    },
    From {
        entry: Expr,
        body: Block,
        again: Option<Block>,
        until: Expr,
    },
    /// `push(e, s)`: `e` is a variable (moved) or any expression (copied through a temporary).
    Push {
        value: Expr,
        stack: Ident,
    },
    /// `pop(e, s)`: `e` is a variable (must be 0) or an expression the popped value must equal.
    Pop {
        target: Expr,
        stack: Ident,
    },
    /// `local d1, d2 … body … delocal d1', d2'` (pairs matched in order, d1 outermost).
    Local {
        locals: Vec<LocalDecl>,
        body: Vec<Stmt>,
        delocals: Vec<LocalDecl>,
    },
    /// `call p(args)` / `uncall p(args)`: each argument is a variable or an expression.
    Call {
        proc_name: Ident,
        args: Vec<Expr>,
        uncall: bool,
    },
    Error(String),
    Print(String),
    Printf(String, Vec<Ident>),
    Show(Vec<Ident>),
    Assert(Expr),
    Skip,
}

/// A statement sequence with the span it covers.
#[derive(Clone, Debug)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}
