//! Loop-invariant expressions: the parts of a loop's expressions that read only variables the
//! loop never changes, found on the IR before the loop is lowered.
//!
//! The compiler computes each once per run of the loop, into a slot of its own opened before
//! the loop (`local t = e`) and closed after it (`delocal t = e`), and the loop's code reads
//! the slot. Both are ordinary statements, so the backward stream opens the slot before the
//! backward loop and closes it after, and every engine runs the same code.

use rdx_lang::ast::{BinOp, Block, Builtin, Expr, ExprKind, Place, Stmt, StmtKind, UnOp};

/// The most expressions computed before one loop (the first found): enough for any loop
/// written by hand, and it keeps the compiler's searches of them short in a generated loop of
/// thousands of statements.
pub(super) const MAX_PER_LOOP: usize = 16;

/// Whether `a` and `b` are the same expression (their spans aside).
pub(super) use rdx_lang::parser::same_expr as same;

/// What the search needs to know about the names in a loop.
pub(super) trait Names {
    /// Whether `name` is a 64-bit scalar in scope before the loop that no statement of the
    /// loop changes.
    fn invariant(&self, name: &str) -> bool;
    /// Whether `name` is an array (whose `size` is a constant).
    fn is_array(&self, name: &str) -> bool;
    /// Whether index expression `e` of an element read costs no instruction of its own
    /// (`a[i]`, `a[i + 1]`: read by `load` and `load.off`).
    fn free_index(&self, e: &Expr) -> bool;
}

/// What [`visit`] found out about an expression.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Found {
    /// It reads constants and invariant variables only, through operations that cannot fault;
    /// `var`: it reads a variable.
    Invariant { var: bool },
    /// It reads something a trip may change, or it may fault, or it is a 0/1 value.
    Not,
}

/// Adds `e` to `out` (once, while there is room) when it is invariant, reads a variable and
/// takes an instruction to compute (not a variable or a constant).
fn keep(e: &Expr, f: Found, out: &mut Vec<Expr>) {
    if f == (Found::Invariant { var: true })
        && !matches!(e.kind, ExprKind::Var(_) | ExprKind::Int(_))
        && out.len() < MAX_PER_LOOP
        && !out.iter().any(|x| same(x, e))
    {
        out.push(e.clone());
    }
}

/// Finds out whether `e` is invariant (bottom up, each node once), adding to `out` the largest
/// invariant parts of an expression that is not.
fn visit(e: &Expr, n: &dyn Names, out: &mut Vec<Expr>) -> Found {
    match &e.kind {
        ExprKind::Int(_) => Found::Invariant { var: false },
        ExprKind::Var(name) if n.invariant(name) => Found::Invariant { var: true },
        ExprKind::Builtin(Builtin::Size, a) if n.is_array(&a.name) => Found::Invariant { var: false },
        ExprKind::Unary(UnOp::Neg | UnOp::BitNot, x) => visit(x, n, out),
        ExprKind::Binary(
            BinOp::Add
            | BinOp::Sub
            | BinOp::Mul
            | BinOp::And
            | BinOp::Or
            | BinOp::Xor
            | BinOp::Shl
            | BinOp::Shr,
            l,
            r,
        ) => match (visit(l, n, out), visit(r, n, out)) {
            (Found::Invariant { var: a }, Found::Invariant { var: b }) => Found::Invariant { var: a || b },
            (fl, fr) => {
                keep(l, fl, out);
                keep(r, fr, out);
                Found::Not
            }
        },
        // An element read: its index, unless the element instructions take it as it is.
        ExprKind::Index(_, i) => {
            let f = visit(i, n, out);
            if !n.free_index(i) {
                keep(i, f, out);
            }
            Found::Not
        }
        // Comparisons, `!`, `&&`, `||`, division (faults): their operands.
        ExprKind::Unary(_, x) => {
            let f = visit(x, n, out);
            keep(x, f, out);
            Found::Not
        }
        ExprKind::Binary(_, l, r) => {
            let (fl, fr) = (visit(l, n, out), visit(r, n, out));
            keep(l, fl, out);
            keep(r, fr, out);
            Found::Not
        }
        // Variables a trip may change, stack reads.
        ExprKind::Var(_) | ExprKind::Builtin(..) | ExprKind::Nil => Found::Not,
    }
}

/// Adds to `out` the largest invariant parts of `e` that take an instruction to compute (not
/// a variable, a constant, or an expression that folds to one), each once.
fn search(e: &Expr, n: &dyn Names, out: &mut Vec<Expr>) {
    if out.len() < MAX_PER_LOOP {
        let f = visit(e, n, out);
        keep(e, f, out);
    }
}

fn place(p: &Place, n: &dyn Names, out: &mut Vec<Expr>) {
    if let Some(i) = &p.index {
        search(i, n, out);
    }
}

fn block(b: &Block, n: &dyn Names, out: &mut Vec<Expr>) {
    for s in &b.stmts {
        stmt(s, n, out);
    }
}

fn stmt(s: &Stmt, n: &dyn Names, out: &mut Vec<Expr>) {
    match &s.kind {
        StmtKind::Update { target, value: e, .. }
        | StmtKind::Mul { target, factor: e }
        | StmtKind::XorShift { target, amount: e, .. }
        | StmtKind::Rotate { target, amount: e, .. }
        | StmtKind::Assign { target, value: e } => {
            place(target, n, out);
            search(e, n, out);
        }
        StmtKind::Neg(p)
        | StmtKind::Not(p)
        | StmtKind::Erase(p)
        | StmtKind::Push { value: p, .. }
        | StmtKind::Pop { target: p, .. } => place(p, n, out),
        StmtKind::Swap(p, q) => {
            place(p, n, out);
            place(q, n, out);
        }
        StmtKind::If { cond, then_block, else_block, fi } => {
            search(cond, n, out);
            block(then_block, n, out);
            if let Some(b) = else_block {
                block(b, n, out);
            }
            search(fi, n, out);
        }
        StmtKind::From { entry, body, again, until } => from_loop(entry, body, again.as_ref(), until, n, out),
        StmtKind::Local { init: e, .. } | StmtKind::Delocal { value: e, .. } | StmtKind::Assert(e) => {
            search(e, n, out)
        }
        StmtKind::Undo(inner) => stmt(inner, n, out),
        StmtKind::Call { .. }
        | StmtKind::Skip
        | StmtKind::Error(_)
        | StmtKind::Kernel { .. }
        | StmtKind::Print(_) => {}
    }
}

/// The invariant expressions of loop `from entry do body loop again until until` worth
/// computing once: each the largest such part of an expression, in the order met (the first
/// [`MAX_PER_LOOP`]).
pub(super) fn loop_invariants(
    entry: &Expr,
    body: &Block,
    again: Option<&Block>,
    until: &Expr,
    n: &dyn Names,
) -> Vec<Expr> {
    let mut out = Vec::new();
    from_loop(entry, body, again, until, n, &mut out);
    out
}

/// The expressions of loop `from entry do body loop again until until`, in order.
fn from_loop(
    entry: &Expr,
    body: &Block,
    again: Option<&Block>,
    until: &Expr,
    n: &dyn Names,
    out: &mut Vec<Expr>,
) {
    search(entry, n, out);
    block(body, n, out);
    if let Some(b) = again {
        block(b, n, out);
    }
    search(until, n, out);
}
