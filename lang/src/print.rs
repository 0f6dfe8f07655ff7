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
    walk_program(p, &mut Names { span: &mut |s| *s = Span::default(), name: &mut |_| {} });
}

/// The hooks of a walk over a tree's spans and names (genes' and variables' alike).
struct Names<'a> {
    span: &'a mut dyn FnMut(&mut Span),
    name: &'a mut dyn FnMut(&mut String),
}

impl Names<'_> {
    fn ident(&mut self, i: &mut Ident) {
        (self.span)(&mut i.span);
        (self.name)(&mut i.name);
    }
}

fn walk_program(p: &mut Program, v: &mut Names<'_>) {
    for c in &mut p.consts {
        (v.span)(&mut c.span);
        v.ident(&mut c.name);
        walk_expr(&mut c.value, v);
    }
    for g in &mut p.genes {
        (v.span)(&mut g.span);
        v.ident(&mut g.name);
        for prm in &mut g.params {
            v.ident(&mut prm.name);
            (v.span)(&mut prm.ty_span);
        }
        walk_block(&mut g.body, v);
    }
}

fn walk_block(b: &mut Block, v: &mut Names<'_>) {
    (v.span)(&mut b.span);
    for s in &mut b.stmts {
        walk_stmt(s, v);
    }
}

/// Sets every span in the statement to `Span::default()`.
pub fn strip_stmt(s: &mut Stmt) {
    walk_stmt(s, &mut Names { span: &mut |s| *s = Span::default(), name: &mut |_| {} });
}

fn walk_stmt(s: &mut Stmt, v: &mut Names<'_>) {
    (v.span)(&mut s.span);
    match &mut s.kind {
        StmtKind::Update { target, value: e, .. }
        | StmtKind::Mul { target, factor: e }
        | StmtKind::XorShift { target, amount: e, .. }
        | StmtKind::Rotate { target, amount: e, .. }
        | StmtKind::Assign { target, value: e } => {
            walk_place(target, v);
            walk_expr(e, v);
        }
        StmtKind::Neg(p) | StmtKind::Not(p) | StmtKind::Erase(p) => walk_place(p, v),
        StmtKind::Swap(a, b) => {
            walk_place(a, v);
            walk_place(b, v);
        }
        StmtKind::If { cond, then_block, else_block, fi } => {
            walk_expr(cond, v);
            walk_block(then_block, v);
            if let Some(b) = else_block {
                walk_block(b, v);
            }
            walk_expr(fi, v);
        }
        StmtKind::From { entry, body, again, until } => {
            walk_expr(entry, v);
            walk_block(body, v);
            if let Some(b) = again {
                walk_block(b, v);
            }
            walk_expr(until, v);
        }
        StmtKind::Call { gene, args, .. } => {
            v.ident(gene);
            args.iter_mut().for_each(|a| v.ident(a));
        }
        StmtKind::Local { name, init: e, .. } | StmtKind::Delocal { name, value: e, .. } => {
            v.ident(name);
            walk_expr(e, v);
        }
        StmtKind::Push { value: p, stack } | StmtKind::Pop { target: p, stack } => {
            walk_place(p, v);
            v.ident(stack);
        }
        StmtKind::Assert(e) => walk_expr(e, v),
        StmtKind::Kernel { name, buf } => {
            // (A kernel's name is the kernel's, not the program's.)
            (v.span)(&mut name.span);
            v.ident(buf);
        }
        StmtKind::Undo(inner) => walk_stmt(inner, v),
        StmtKind::Print(Print::Format(_, args)) | StmtKind::Print(Print::Show(args)) => {
            args.iter_mut().for_each(|a| v.ident(a));
        }
        StmtKind::Skip | StmtKind::Error(_) | StmtKind::Print(Print::Text(_)) => {}
    }
}

fn walk_place(p: &mut Place, v: &mut Names<'_>) {
    (v.span)(&mut p.span);
    v.ident(&mut p.name);
    if let Some(i) = &mut p.index {
        walk_expr(i, v);
    }
}

/// Sets every span in the expression to `Span::default()` (without recursion).
pub fn strip_expr(e: &mut Expr) {
    walk_expr(e, &mut Names { span: &mut |s| *s = Span::default(), name: &mut |_| {} });
}

/// Walks the expression without recursion.
fn walk_expr(e: &mut Expr, v: &mut Names<'_>) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        (v.span)(&mut e.span);
        match &mut e.kind {
            ExprKind::Index(a, i) => {
                v.ident(a);
                stack.push(i);
            }
            ExprKind::Unary(_, i) => stack.push(i),
            ExprKind::Binary(_, l, r) => {
                stack.push(l);
                stack.push(r);
            }
            ExprKind::Builtin(_, x) => v.ident(x),
            ExprKind::Var(name) => (v.name)(name),
            ExprKind::Int(_) | ExprKind::Nil => {}
        }
    }
}

/// Gives every name of `p` that is not an rdx name (a Janus name with `'` or a letter outside
/// ASCII, or an rdx keyword such as `swap`) one that is: its characters outside
/// `[A-Za-z0-9_]` as `_` (`]` left out), a `_` before a digit, then `_` added while it is a
/// keyword or a name of the program. Returns the renamings, old name first, in the order found.
pub fn rdx_names(p: &mut Program) -> Vec<(String, String)> {
    let valid = |n: &str| {
        let mut cs = n.chars();
        cs.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !crate::token::is_keyword(n)
    };
    let mut taken = std::collections::HashSet::new();
    walk_program(
        p,
        &mut Names {
            span: &mut |_| {},
            name: &mut |n| {
                taken.insert(n.clone());
            },
        },
    );
    let mut renamed: Vec<(String, String)> = Vec::new();
    let mut map = std::collections::HashMap::new();
    walk_program(
        p,
        &mut Names {
            span: &mut |_| {},
            name: &mut |n| {
                if valid(n) {
                    return;
                }
                let to = map.entry(n.clone()).or_insert_with(|| {
                    // (`m[2][3]`: a Janus array of two dimensions, as the front end names it.)
                    let mut to: String = n
                        .chars()
                        .filter(|&c| c != ']')
                        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                        .collect();
                    if to.starts_with(|c: char| c.is_ascii_digit()) || to.is_empty() {
                        to.insert(0, '_');
                    }
                    while crate::token::is_keyword(&to) || taken.contains(&to) {
                        to.push('_');
                    }
                    taken.insert(to.clone());
                    renamed.push((n.clone(), to.clone()));
                    to
                });
                *n = to.clone();
            },
        },
    );
    renamed
}
