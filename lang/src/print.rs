//! The printer: any syntax tree back to canonical, readable rdx source.
//!
//! Output uses 4-space indentation, `} else {`, `} fi cond`, `} until cond`, one statement per
//! line and the fewest parentheses C precedence allows. It always parses back to the same tree,
//! spans aside ([`strip_spans`] makes trees comparable); the dialect is ignored, so a Janus tree
//! prints as rdx. The only place parentheses carry meaning: `x ^= (x << c)` is an ordinary
//! update, while `x ^= x << c` is an xorshift step.

use crate::ast::*;
use crate::parser::place_is_expr;
use std::fmt::Write;

/// Prints a tree as canonical rdx source that parses back to the same tree (spans aside).
pub fn print_program(p: &Program) -> String {
    let mut out = String::new();
    for c in &p.consts {
        let _ = writeln!(out, "const {} = {}", c.name.name, print_expr(&c.value));
    }
    for (i, g) in p.genes.iter().enumerate() {
        if i > 0 || !p.consts.is_empty() {
            out.push('\n');
        }
        print_gene(&mut out, g);
    }
    out
}

fn print_gene(out: &mut String, g: &Gene) {
    let params: Vec<String> = g.params.iter().map(|p| format!("{}: {}", p.name.name, p.ty)).collect();
    let _ = write!(out, "gene {}({}) ", g.name.name, params.join(", "));
    print_block(out, &g.body, 0);
    out.push('\n');
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("    ");
    }
}

/// Writes `{`, the statements one level deeper, and `}` (no newline after it).
fn print_block(out: &mut String, b: &Block, level: usize) {
    out.push_str("{\n");
    for s in &b.stmts {
        indent(out, level + 1);
        write_stmt(out, s, level + 1);
        out.push('\n');
    }
    indent(out, level);
    out.push('}');
}

/// Prints one statement; a compound statement spans several lines, indented from column 0.
pub fn print_stmt(s: &Stmt) -> String {
    let mut out = String::new();
    write_stmt(&mut out, s, 0);
    out
}

fn write_stmt(out: &mut String, s: &Stmt, level: usize) {
    match &s.kind {
        StmtKind::Update { target, op, value } => {
            let sym = match op {
                UpdateOp::Add => "+=",
                UpdateOp::Sub => "-=",
                UpdateOp::Xor => "^=",
            };
            let _ = write!(out, "{} {sym} ", print_place(target));
            // `x ^= x << c` would read back as an xorshift step: keep the parentheses.
            let shift_of_target = *op == UpdateOp::Xor
                && matches!(&value.kind, ExprKind::Binary(BinOp::Shl | BinOp::Shr, l, _) if place_is_expr(target, l));
            if shift_of_target {
                let _ = write!(out, "({})", print_expr(value));
            } else {
                write_expr(out, value, 0);
            }
        }
        StmtKind::Mul { target, factor } => {
            let _ = write!(out, "{} *= {}", print_place(target), print_expr(factor));
        }
        StmtKind::XorShift { target, dir, amount } => {
            let p = print_place(target);
            let sym = if *dir == Dir::Left { "<<" } else { ">>" };
            let _ = write!(out, "{p} ^= {p} {sym} ");
            write_expr(out, amount, BinOp::Shl.precedence() + 1);
        }
        StmtKind::Rotate { target, dir, amount } => {
            let sym = if *dir == Dir::Left { "<<<=" } else { ">>>=" };
            let _ = write!(out, "{} {sym} {}", print_place(target), print_expr(amount));
        }
        StmtKind::Neg(p) => {
            let _ = write!(out, "neg {}", print_place(p));
        }
        StmtKind::Not(p) => {
            let _ = write!(out, "not {}", print_place(p));
        }
        StmtKind::Swap(a, b) => {
            let _ = write!(out, "swap {}, {}", print_place(a), print_place(b));
        }
        StmtKind::If { cond, then_block, else_block, fi } => {
            let _ = write!(out, "if {} ", print_expr(cond));
            print_block(out, then_block, level);
            if let Some(e) = else_block {
                out.push_str(" else ");
                print_block(out, e, level);
            }
            let _ = write!(out, " fi {}", print_expr(fi));
        }
        StmtKind::From { entry, body, again, until } => {
            let _ = write!(out, "from {} do ", print_expr(entry));
            print_block(out, body, level);
            if let Some(a) = again {
                out.push_str(" loop ");
                print_block(out, a, level);
            }
            let _ = write!(out, " until {}", print_expr(until));
        }
        StmtKind::Call { gene, args, uncall } => {
            let args: Vec<&str> = args.iter().map(|a| a.name.as_str()).collect();
            let kw = if *uncall { "uncall" } else { "call" };
            let _ = write!(out, "{kw} {}({})", gene.name, args.join(", "));
        }
        StmtKind::Local { name, ty, init } => {
            let _ = write!(out, "local {}: {ty} = {}", name.name, print_expr(init));
        }
        StmtKind::Delocal { name, ty, value } => {
            let _ = match ty {
                Some(ty) => write!(out, "delocal {}: {ty} = {}", name.name, print_expr(value)),
                None => write!(out, "delocal {} = {}", name.name, print_expr(value)),
            };
        }
        StmtKind::Push { value, stack } => {
            let _ = write!(out, "push {}, {}", print_place(value), stack.name);
        }
        StmtKind::Pop { target, stack } => {
            let _ = write!(out, "pop {}, {}", print_place(target), stack.name);
        }
        StmtKind::Assert(e) => {
            let _ = write!(out, "assert {}", print_expr(e));
        }
        StmtKind::Skip => out.push_str("skip"),
        StmtKind::Kernel { name, buf } => {
            let _ = write!(out, "kernel {}({})", name.name, buf.name);
        }
        StmtKind::Assign { target, value } => {
            let _ = write!(out, "{} := {}", print_place(target), print_expr(value));
        }
        StmtKind::Erase(p) => {
            let _ = write!(out, "erase {}", print_place(p));
        }
        StmtKind::Undo(inner) => {
            out.push_str("undo ");
            write_stmt(out, inner, level);
        }
        StmtKind::Error(msg) => {
            out.push_str("error ");
            write_string(out, msg);
        }
        StmtKind::Print(Print::Text(t)) => {
            out.push_str("print ");
            write_string(out, t);
        }
        StmtKind::Print(Print::Format(f, args)) => {
            out.push_str("printf ");
            write_string(out, f);
            for a in args {
                let _ = write!(out, ", {}", a.name);
            }
        }
        StmtKind::Print(Print::Show(args)) => {
            let args: Vec<&str> = args.iter().map(|a| a.name.as_str()).collect();
            let _ = write!(out, "show {}", args.join(", "));
        }
    }
}

/// A string literal with the escapes the lexer understands.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Prints a place: `x` or `a[e]`.
pub fn print_place(p: &Place) -> String {
    match &p.index {
        None => p.name.name.clone(),
        Some(i) => format!("{}[{}]", p.name.name, print_expr(i)),
    }
}

/// Prints an expression with the fewest parentheses.
pub fn print_expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e, 0);
    out
}

const UNARY_PREC: u8 = 11;
const ATOM_PREC: u8 = 12;

fn prec(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, ..) => op.precedence(),
        ExprKind::Unary(..) => UNARY_PREC,
        _ => ATOM_PREC,
    }
}

/// Writes `e`, in parentheses if it binds less tightly than `min`.
fn write_expr(out: &mut String, e: &Expr, min: u8) {
    let paren = prec(e) < min;
    if paren {
        out.push('(');
    }
    match &e.kind {
        ExprKind::Int(n) => {
            let _ = write!(out, "{n}");
        }
        ExprKind::Var(v) => out.push_str(v),
        ExprKind::Index(a, i) => {
            let _ = write!(out, "{}[", a.name);
            write_expr(out, i, 0);
            out.push(']');
        }
        ExprKind::Unary(op, inner) => {
            out.push_str(op.symbol());
            write_expr(out, inner, UNARY_PREC);
        }
        ExprKind::Binary(op, l, r) => {
            let p = op.precedence();
            write_expr(out, l, p);
            let _ = write!(out, " {} ", op.symbol());
            write_expr(out, r, p + 1);
        }
        ExprKind::Builtin(b, x) => {
            let f = match b {
                Builtin::Empty => "empty",
                Builtin::Top => "top",
                Builtin::Size => "size",
            };
            let _ = write!(out, "{f}({})", x.name);
        }
        ExprKind::Nil => out.push_str("nil"),
    }
    if paren {
        out.push(')');
    }
}

/// Sets every span in the program to `Span::default()`, so trees compare by structure only.
pub fn strip_spans(p: &mut Program) {
    for c in &mut p.consts {
        c.span = Span::default();
        c.name.span = Span::default();
        strip_expr(&mut c.value);
    }
    for g in &mut p.genes {
        g.span = Span::default();
        g.name.span = Span::default();
        for prm in &mut g.params {
            prm.name.span = Span::default();
            prm.ty_span = Span::default();
        }
        strip_block(&mut g.body);
    }
}

fn strip_block(b: &mut Block) {
    b.span = Span::default();
    for s in &mut b.stmts {
        strip_stmt(s);
    }
}

/// Sets every span in the statement to `Span::default()`.
pub fn strip_stmt(s: &mut Stmt) {
    s.span = Span::default();
    match &mut s.kind {
        StmtKind::Update { target, value: e, .. }
        | StmtKind::Mul { target, factor: e }
        | StmtKind::XorShift { target, amount: e, .. }
        | StmtKind::Rotate { target, amount: e, .. }
        | StmtKind::Assign { target, value: e } => {
            strip_place(target);
            strip_expr(e);
        }
        StmtKind::Neg(p) | StmtKind::Not(p) | StmtKind::Erase(p) => strip_place(p),
        StmtKind::Swap(a, b) => {
            strip_place(a);
            strip_place(b);
        }
        StmtKind::If { cond, then_block, else_block, fi } => {
            strip_expr(cond);
            strip_block(then_block);
            if let Some(b) = else_block {
                strip_block(b);
            }
            strip_expr(fi);
        }
        StmtKind::From { entry, body, again, until } => {
            strip_expr(entry);
            strip_block(body);
            if let Some(b) = again {
                strip_block(b);
            }
            strip_expr(until);
        }
        StmtKind::Call { gene, args, .. } => {
            gene.span = Span::default();
            args.iter_mut().for_each(|a| a.span = Span::default());
        }
        StmtKind::Local { name, init: e, .. } | StmtKind::Delocal { name, value: e, .. } => {
            name.span = Span::default();
            strip_expr(e);
        }
        StmtKind::Push { value: p, stack } | StmtKind::Pop { target: p, stack } => {
            strip_place(p);
            stack.span = Span::default();
        }
        StmtKind::Assert(e) => strip_expr(e),
        StmtKind::Kernel { name, buf } => {
            name.span = Span::default();
            buf.span = Span::default();
        }
        StmtKind::Undo(inner) => strip_stmt(inner),
        StmtKind::Print(Print::Format(_, args)) | StmtKind::Print(Print::Show(args)) => {
            args.iter_mut().for_each(|a| a.span = Span::default());
        }
        StmtKind::Skip | StmtKind::Error(_) | StmtKind::Print(Print::Text(_)) => {}
    }
}

fn strip_place(p: &mut Place) {
    p.span = Span::default();
    p.name.span = Span::default();
    if let Some(i) = &mut p.index {
        strip_expr(i);
    }
}

/// Sets every span in the expression to `Span::default()` (without recursion).
pub fn strip_expr(e: &mut Expr) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        e.span = Span::default();
        match &mut e.kind {
            ExprKind::Index(a, i) => {
                a.span = Span::default();
                stack.push(i);
            }
            ExprKind::Unary(_, i) => stack.push(i),
            ExprKind::Binary(_, l, r) => {
                stack.push(l);
                stack.push(r);
            }
            ExprKind::Builtin(_, x) => x.span = Span::default(),
            ExprKind::Int(_) | ExprKind::Var(_) | ExprKind::Nil => {}
        }
    }
}
