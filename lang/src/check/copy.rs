//! The copy of a borrowed tree that [`super::check`] hands to the in-place checker.
//!
//! It is exact down to the depth the checker walks and holds, at the first statement or
//! expression past [`MAX_DEPTH`], the placeholder the checker puts there itself (`skip`, or the
//! literal 0, with the node's span). So copying, checking and dropping a tree too deep to check
//! (trees built by hand or by other front ends can be) costs no deeper recursion than the
//! checker's own walk. Multipliers and xorshift amounts are copied whole: the checker folds
//! them as written before walking them.

use super::MAX_DEPTH;
use crate::ast::{Block, Expr, ExprKind, Gene, Place, Program, Stmt, StmtKind};

pub(super) fn program(p: &Program) -> Program {
    let genes = p
        .genes
        .iter()
        .map(|g| Gene {
            name: g.name.clone(),
            params: g.params.clone(),
            body: block(&g.body, 1),
            span: g.span,
        })
        .collect();
    Program { dialect: p.dialect, consts: p.consts.clone(), genes }
}

/// `level`: the number of statements and expressions on the path down to (and including) a
/// node; the checker gives up on nodes past `MAX_DEPTH`.
fn block(b: &Block, level: u32) -> Block {
    Block { stmts: b.stmts.iter().map(|s| stmt(s, level)).collect(), span: b.span }
}

fn stmt(s: &Stmt, level: u32) -> Stmt {
    if level > MAX_DEPTH {
        return Stmt { kind: StmtKind::Skip, span: s.span };
    }
    // `if` and `from` nest: small frames of their own, as in the checker.
    let kind = match &s.kind {
        StmtKind::If { .. } => if_kind(s, level + 1),
        StmtKind::From { .. } => loop_kind(s, level + 1),
        _ => kind(s, level + 1),
    };
    Stmt { kind, span: s.span }
}

#[inline(never)]
fn if_kind(s: &Stmt, l: u32) -> StmtKind {
    let StmtKind::If { cond, then_block, else_block, fi } = &s.kind else { return StmtKind::Skip };
    StmtKind::If {
        cond: Box::new(expr(cond, l)),
        then_block: block(then_block, l),
        else_block: else_block.as_ref().map(|b| block(b, l)),
        fi: Box::new(expr(fi, l)),
    }
}

#[inline(never)]
fn loop_kind(s: &Stmt, l: u32) -> StmtKind {
    let StmtKind::From { entry, body, again, until } = &s.kind else { return StmtKind::Skip };
    StmtKind::From {
        entry: Box::new(expr(entry, l)),
        body: block(body, l),
        again: again.as_ref().map(|b| block(b, l)),
        until: Box::new(expr(until, l)),
    }
}

/// The kind of statement `s`, whose parts are at level `l`.
#[inline(never)]
fn kind(s: &Stmt, l: u32) -> StmtKind {
    use StmtKind::*;
    match &s.kind {
        Update { target, op, value } => Update { target: place(target, l), op: *op, value: expr(value, l) },
        Mul { target, factor } => Mul { target: place(target, l), factor: factor.clone() },
        XorShift { target, dir, amount } => {
            XorShift { target: place(target, l), dir: *dir, amount: amount.clone() }
        }
        Rotate { target, dir, amount } => {
            Rotate { target: place(target, l), dir: *dir, amount: expr(amount, l) }
        }
        Neg(p) => Neg(place(p, l)),
        Not(p) => Not(place(p, l)),
        Swap(a, b) => Swap(place(a, l), place(b, l)),
        If { .. } => if_kind(s, l),
        From { .. } => loop_kind(s, l),
        Local { name, ty, init } => Local { name: name.clone(), ty: *ty, init: expr(init, l) },
        Delocal { name, ty, value } => Delocal { name: name.clone(), ty: *ty, value: expr(value, l) },
        Push { value, stack } => Push { value: place(value, l), stack: stack.clone() },
        Pop { target, stack } => Pop { target: place(target, l), stack: stack.clone() },
        Assert(e) => Assert(expr(e, l)),
        Assign { target, value } => Assign { target: place(target, l), value: expr(value, l) },
        Erase(p) => Erase(place(p, l)),
        // As the checker walks `undo s`: `s` at the next level, except that a local or delocal
        // is inverted first (and the inverse checked, with the span of the `undo`), and that
        // `undo undo s` checks `s` at the level of the inner `undo`.
        Undo(inner) => Undo(Box::new(match &inner.kind {
            Local { .. } | Delocal { .. } => Stmt { kind: kind(inner, l + 1), span: inner.span },
            Undo(twice) => Stmt { kind: Undo(Box::new(stmt(twice, l))), span: inner.span },
            _ => stmt(inner, l),
        })),
        Call { .. } | Skip | Error(_) | Kernel { .. } | Print(_) => s.kind.clone(),
    }
}

/// A place of a statement at `level - 1`: its index is checked as an expression at `level`.
fn place(p: &Place, level: u32) -> Place {
    Place { name: p.name.clone(), index: p.index.as_ref().map(|i| Box::new(expr(i, level))), span: p.span }
}

fn expr(e: &Expr, level: u32) -> Expr {
    if level > MAX_DEPTH {
        return Expr::new(ExprKind::Int(0), e.span);
    }
    let l = level + 1;
    let kind = match &e.kind {
        ExprKind::Index(a, i) => ExprKind::Index(a.clone(), Box::new(expr(i, l))),
        ExprKind::Unary(op, x) => ExprKind::Unary(*op, Box::new(expr(x, l))),
        ExprKind::Binary(op, x, y) => ExprKind::Binary(*op, Box::new(expr(x, l)), Box::new(expr(y, l))),
        ExprKind::Int(_) | ExprKind::Var(_) | ExprKind::Builtin(..) | ExprKind::Nil => e.kind.clone(),
    };
    Expr::new(kind, e.span)
}
