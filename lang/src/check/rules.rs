//! Syntactic questions the reversibility rules ask about expressions: does this expression read
//! that location, are two index expressions the same text.

use crate::ast::{Block, Expr, ExprKind, Place, Print, Stmt, StmtKind};
use std::collections::HashSet;

/// The span of the first read of scalar variable `name` in `e`.
pub(crate) fn reads_var(e: &Expr, name: &str) -> Option<crate::ast::Span> {
    find(e, &|x| matches!(&x.kind, ExprKind::Var(n) if n == name))
}

/// The span of the first element read `name[...]` in `e`.
pub(crate) fn reads_array(e: &Expr, name: &str) -> Option<crate::ast::Span> {
    find(e, &|x| matches!(&x.kind, ExprKind::Index(n, _) if n.name == name))
}

/// The span of the first read of the stack `name` in `e` (`size(s)`, `top(s)`, `empty(s)`).
pub(crate) fn reads_stack(e: &Expr, name: &str) -> Option<crate::ast::Span> {
    find(e, &|x| matches!(&x.kind, ExprKind::Builtin(_, s) if s.name == name))
}

/// The span of the first read of exactly the element `name[index]` (same index expression).
pub(crate) fn reads_element(e: &Expr, name: &str, index: &Expr) -> Option<crate::ast::Span> {
    find(e, &|x| matches!(&x.kind, ExprKind::Index(n, i) if n.name == name && same_expr(i, index)))
}

pub(crate) use crate::parser::same_expr;

fn find(e: &Expr, pred: &dyn Fn(&Expr) -> bool) -> Option<crate::ast::Span> {
    if pred(e) {
        return Some(e.span);
    }
    match &e.kind {
        ExprKind::Index(_, i) | ExprKind::Unary(_, i) => find(i, pred),
        ExprKind::Binary(_, l, r) => find(l, pred).or_else(|| find(r, pred)),
        ExprKind::Int(_) | ExprKind::Var(_) | ExprKind::Builtin(..) | ExprKind::Nil => None,
    }
}

/// Whether `e` reads an element of `name` that may be the element `name[index]` at run time:
/// any read `name[j]`, unless `j` and `index` are different literals.
pub(crate) fn may_alias(e: &Expr, name: &str, index: &Expr) -> bool {
    find(e, &|x| match &x.kind {
        ExprKind::Index(n, j) if n.name == name => {
            !matches!((&j.kind, &index.kind), (ExprKind::Int(p), ExprKind::Int(q)) if p != q)
        }
        _ => false,
    })
    .is_some()
}

/// The names of the variables (scalars, arrays, stacks) an expression reads, sorted.
pub(crate) fn vars_read(e: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    collect_reads(e, &mut out);
    out.sort();
    out.dedup();
    out
}

fn collect_reads(e: &Expr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Var(n) => out.push(n.clone()),
        ExprKind::Index(n, i) => {
            out.push(n.name.clone());
            collect_reads(i, out);
        }
        ExprKind::Builtin(_, n) => out.push(n.name.clone()),
        ExprKind::Unary(_, i) => collect_reads(i, out),
        ExprKind::Binary(_, l, r) => {
            collect_reads(l, out);
            collect_reads(r, out);
        }
        ExprKind::Int(_) | ExprKind::Nil => {}
    }
}

/// Adds to `out` every variable a block may change: update targets, both sides of a swap,
/// both operands of push/pop, every argument of a call, nested blocks.
pub(crate) fn vars_changed<'a>(b: &'a Block, out: &mut HashSet<&'a str>) {
    for s in &b.stmts {
        stmt_changes(s, out);
    }
}

fn stmt_changes<'a>(s: &'a Stmt, out: &mut HashSet<&'a str>) {
    let mut place = |p: &'a Place| {
        out.insert(p.name.name.as_str());
    };
    match &s.kind {
        StmtKind::Update { target, .. }
        | StmtKind::Mul { target, .. }
        | StmtKind::XorShift { target, .. }
        | StmtKind::Rotate { target, .. }
        | StmtKind::Assign { target, .. }
        | StmtKind::Neg(target)
        | StmtKind::Not(target)
        | StmtKind::Erase(target) => place(target),
        StmtKind::Swap(a, b) => {
            place(a);
            place(b);
        }
        StmtKind::Push { value: p, stack } | StmtKind::Pop { target: p, stack } => {
            place(p);
            out.insert(stack.name.as_str());
        }
        StmtKind::Call { args, .. } => out.extend(args.iter().map(|a| a.name.as_str())),
        StmtKind::If { then_block, else_block, .. } => {
            vars_changed(then_block, out);
            if let Some(b) = else_block {
                vars_changed(b, out);
            }
        }
        StmtKind::From { body, again, .. } => {
            vars_changed(body, out);
            if let Some(b) = again {
                vars_changed(b, out);
            }
        }
        StmtKind::Undo(inner) => stmt_changes(inner, out),
        StmtKind::Kernel { buf, .. } => {
            out.insert(buf.name.as_str());
        }
        StmtKind::Local { .. }
        | StmtKind::Delocal { .. }
        | StmtKind::Assert(_)
        | StmtKind::Skip
        | StmtKind::Error(_)
        | StmtKind::Print(Print::Text(_) | Print::Format(..) | Print::Show(_)) => {}
    }
}
