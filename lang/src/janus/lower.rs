//! Lowering: the Janus surface tree to the rdx syntax tree (`Dialect::Janus`).
//!
//! What changes on the way (spec/janus.md, "Translation", says the same for users):
//! - Global declarations and `main`'s own declarations become the parameters of the gene `main`,
//!   globals first, each in declaration order. Initialisers (`int x = 5`, `int a[3] = {1, 2, 3}`)
//!   become `+=` updates at the start of `main`, as in jana.
//! - A procedure that uses a global, directly or through the procedures it calls, gets it as an
//!   extra by-reference parameter after its own, in declaration order of the globals; every call
//!   passes it on. If the procedure declares a name equal to the global's, the extra parameter is
//!   called `_g_<name>` there. Passing a global explicitly to a procedure that also uses it is
//!   then "the same variable passed twice" (E0303): the aliasing Janus forbids.
//! - A parameter `int a[]` has the length of the array passed for it: one gene is made per
//!   distinct set of lengths, named `<proc>_<len>…`. A procedure with such a parameter that is
//!   never called is not translated.
//! - An argument, `push` value or `pop` target that is not a plain variable is evaluated into a
//!   temporary `_t<n>` (`local` before, `delocal` after), exactly like jana does.
//! - `local a, b … delocal a', b'` becomes `local a; local b; …; delocal b'; delocal a'`.
//!
//! Name and type errors are left to the shared checker, which sees the lowered tree.

use super::printf::{Kind, printf_plan};
use super::syntax::{self, Decl, DeclTy, LocalDecl, Proc};
use crate::ast::{
    BinOp, Block, Dialect, Elem, Expr, ExprKind, Gene, Ident, Param, Place, Print, Program, Span, Stmt,
    StmtKind, Type, UnOp, UpdateOp,
};
use crate::codes::Code::*;
use crate::diag::Diagnostic;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

/// More array-initialiser updates than this are refused (an initialiser is expanded into one
/// `+=` per element).
const MAX_INIT_UPDATES: u64 = 1 << 16;

/// More generated genes than this for array-length instances are refused.
const MAX_INSTANCES: usize = 10_000;

/// A global: its declaration and rdx type.
struct Global<'a> {
    decl: &'a Decl,
    ty: Type,
    /// All dimensions of a multi-dimensional array (empty otherwise).
    dims: Vec<u64>,
}

/// Lowers a parsed Janus program; problems found on the way are appended to `diags`.
pub fn lower(prog: &syntax::Program, src: &str, diags: &mut Vec<Diagnostic>) -> Program {
    let mut cx = Lowering::new(prog, src, diags);
    cx.run();
    Program { dialect: Dialect::Janus, consts: Vec::new(), genes: cx.finish() }
}

struct Lowering<'a> {
    prog: &'a syntax::Program,
    /// The source text, to quote expressions in messages.
    src: &'a str,
    diags: &'a mut Vec<Diagnostic>,
    globals: Vec<Global<'a>>,
    /// Procedure name → index of its first definition.
    procs: HashMap<&'a str, usize>,
    /// Per procedure: the globals it uses, directly or through calls (indices into `globals`).
    uses: Vec<BTreeSet<usize>>,
    /// Per procedure: every name it declares (parameters, locals).
    declared: Vec<HashSet<&'a str>>,
    /// (procedure, lengths of its `int a[]` parameters) → gene name.
    instances: HashMap<(usize, Vec<u64>), String>,
    /// Gene names taken so far (procedure names and instance names).
    taken: HashSet<String>,
    queue: VecDeque<(usize, Vec<u64>, String)>,
    /// Lowered genes per procedure, in creation order.
    genes: Vec<Vec<Gene>>,
}

fn is_generic(p: &Proc) -> bool {
    p.params.iter().any(is_generic_param)
}

/// An array parameter with a dimension taken from the argument (`int a[]`, `int a[][]`, …).
fn is_generic_param(d: &Decl) -> bool {
    d.ty == DeclTy::Array(None) || d.inner.contains(&None)
}

/// The rdx name of a multi-dimensional array: its Janus name with its dimensions,
/// `a[3][4]` (Janus names cannot contain `[`), so that output shows its shape as jana does.
fn shaped(name: &str, dims: &[u64]) -> String {
    if dims.len() < 2 {
        return name.to_string();
    }
    let mut out = name.to_string();
    for d in dims {
        out.push_str(&format!("[{d}]"));
    }
    out
}

/// All dimensions of a global or `main` array declaration, when every one is known.
fn decl_dims(d: &Decl, ty: Type) -> Vec<u64> {
    match ty {
        Type::Array(_, n) if !d.inner.is_empty() => {
            let inner: Vec<u64> = d.inner.iter().map(|x| x.unwrap_or(1)).collect();
            let row: u64 = inner.iter().product::<u64>().max(1);
            std::iter::once(n / row).chain(inner).collect()
        }
        _ => Vec::new(),
    }
}

impl<'a> Lowering<'a> {
    fn new(prog: &'a syntax::Program, src: &'a str, diags: &'a mut Vec<Diagnostic>) -> Lowering<'a> {
        let mut procs = HashMap::new();
        for (i, p) in prog.procs.iter().enumerate() {
            procs.entry(p.name.name.as_str()).or_insert(i);
        }
        let mut lw = Lowering {
            prog,
            src,
            diags,
            globals: Vec::new(),
            procs,
            uses: vec![BTreeSet::new(); prog.procs.len()],
            declared: prog.procs.iter().map(declared_names).collect(),
            instances: HashMap::new(),
            taken: prog.procs.iter().map(|p| p.name.name.clone()).collect(),
            queue: VecDeque::new(),
            genes: vec![Vec::new(); prog.procs.len()],
        };
        for d in &prog.globals {
            let ty = lw.decl_type(d);
            let dims = decl_dims(d, ty);
            lw.globals.push(Global { decl: d, ty, dims });
        }
        lw
    }

    /// The rdx type of a global or `main` declaration (arrays need a length).
    fn decl_type(&mut self, d: &Decl) -> Type {
        if d.inner.contains(&None) {
            self.diags.push(
                Diagnostic::error(
                    J0104,
                    format!("array `{}` needs all its dimensions", d.name.name),
                    d.ty_span,
                )
                .hint(format!("give every dimension, e.g. `int {}[3][4]`", d.name.name)),
            );
            return Type::Array(Elem::I64, 1);
        }
        let row = d.inner.iter().map(|x| x.unwrap_or(1)).fold(1u64, |a, b| a.saturating_mul(b));
        match d.ty {
            DeclTy::Int => Type::I64,
            DeclTy::Stack => Type::Stack,
            DeclTy::Array(Some(n)) if n.saturating_mul(row) > u32::MAX as u64 => {
                self.diags.push(
                    Diagnostic::error(J0104, format!("array `{}` is too large", d.name.name), d.ty_span)
                        .hint("use smaller dimensions"),
                );
                Type::Array(Elem::I64, 1)
            }
            DeclTy::Array(Some(n)) => Type::Array(Elem::I64, n * row),
            DeclTy::Array(None) if !d.init.is_empty() => Type::Array(Elem::I64, d.init.len() as u64),
            DeclTy::Array(None) => {
                self.diags.push(
                    Diagnostic::error(J0104, format!("array `{}` has no length", d.name.name), d.ty_span)
                        .note("length missing")
                        .hint(format!("give its length, e.g. `int {}[10]`", d.name.name)),
                );
                Type::Array(Elem::I64, 1)
            }
        }
    }

    fn run(&mut self) {
        if !self.procs.contains_key("main") {
            self.diags.push(
                Diagnostic::error(J0101, "the program has no `main` procedure", Span::new(0, 0))
                    .hint("add `procedure main()` with the program's variables and statements"),
            );
        }
        self.compute_uses();
        for (i, p) in self.prog.procs.iter().enumerate() {
            if !is_generic(p) {
                let gene = self.lower_proc(i, &[], p.name.name.clone());
                self.genes[i].push(gene);
            }
        }
        while let Some((i, lengths, name)) = self.queue.pop_front() {
            let gene = self.lower_proc(i, &lengths, name);
            self.genes[i].push(gene);
        }
    }

    fn finish(self) -> Vec<Gene> {
        self.genes.into_iter().flatten().collect()
    }

    /// Fills `uses`: the globals each procedure needs, through its calls too (a fixpoint).
    fn compute_uses(&mut self) {
        let names: HashMap<&str, usize> =
            self.globals.iter().enumerate().map(|(i, g)| (g.decl.name.name.as_str(), i)).collect();
        let mut calls: Vec<BTreeSet<usize>> = Vec::new();
        let mut uses = Vec::new();
        for p in &self.prog.procs {
            let mut free = FreeNames::default();
            let mut scope: Vec<&str> =
                p.params.iter().chain(&p.decls).map(|d| d.name.name.as_str()).collect();
            free.stmts(&p.body, &mut scope);
            let direct: BTreeSet<usize> = free.names.iter().filter_map(|n| names.get(n).copied()).collect();
            let callees = free.calls.iter().filter_map(|c| self.procs.get(c).copied()).collect();
            calls.push(callees);
            uses.push(direct);
        }
        self.uses = uses;
        let main = self.procs.get("main").copied();
        loop {
            let mut changed = false;
            for (i, callees) in calls.iter().enumerate() {
                for &c in callees {
                    if Some(c) == main || c == i {
                        continue;
                    }
                    let extra: Vec<usize> = self.uses[c].difference(&self.uses[i]).copied().collect();
                    if !extra.is_empty() {
                        self.uses[i].extend(extra);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// The name global `g` has inside procedure `p`.
    fn global_alias(&self, p: usize, g: usize) -> String {
        let name = &self.globals[g].decl.name.name;
        let ir = shaped(name, &self.globals[g].dims);
        if self.is_main(p) || !self.declared[p].contains(name.as_str()) { ir } else { format!("_g_{ir}") }
    }

    fn is_main(&self, p: usize) -> bool {
        self.prog.procs[p].name.name == "main"
    }

    /// The gene implementing `callee` for these array lengths, creating it when new.
    fn instance(&mut self, callee: usize, lengths: Vec<u64>) -> String {
        if let Some(name) = self.instances.get(&(callee, lengths.clone())) {
            return name.clone();
        }
        let base = &self.prog.procs[callee].name.name;
        let mut name = base.clone();
        for l in &lengths {
            name.push_str(&format!("_{l}"));
        }
        while self.taken.contains(&name) {
            name.push('_');
        }
        if self.instances.len() >= MAX_INSTANCES {
            return name;
        }
        self.taken.insert(name.clone());
        self.instances.insert((callee, lengths.clone()), name.clone());
        self.queue.push_back((callee, lengths, name.clone()));
        name
    }

    fn lower_proc(&mut self, p: usize, lengths: &[u64], gene_name: String) -> Gene {
        let proc = &self.prog.procs[p];
        let mut params = Vec::new();
        let mut open = lengths.iter();
        let mut prelude = Vec::new();
        // Multi-dimensional arrays: Janus name → rdx name, and rdx name → dimensions.
        let mut renamed = HashMap::new();
        let mut shapes = HashMap::new();
        for g in &self.globals {
            if g.dims.len() >= 2 {
                let ir = shaped(&g.decl.name.name, &g.dims);
                shapes.insert(ir.clone(), g.dims.clone());
                shapes.insert(format!("_g_{ir}"), g.dims.clone());
            }
        }
        let mut shape = |name: &Ident, dims: Vec<u64>| -> Ident {
            if dims.len() < 2 {
                return name.clone();
            }
            let ir = shaped(&name.name, &dims);
            renamed.insert(name.name.clone(), ir.clone());
            shapes.insert(ir.clone(), dims);
            Ident { name: ir, span: name.span }
        };
        if self.is_main(p) {
            self.bind_in_order(&proc.decls);
            let globals: Vec<(Ident, Type, Span, &Decl, Vec<u64>)> = self
                .globals
                .iter()
                .map(|g| (g.decl.name.clone(), g.ty, g.decl.ty_span, g.decl, g.dims.clone()))
                .collect();
            for (name, ty, ty_span, decl, dims) in globals {
                let name = shape(&name, dims);
                params.push(Param { name: name.clone(), ty, ty_span });
                prelude.extend(self.init_updates(decl, &name, ty));
            }
            for d in &proc.decls {
                let ty = self.decl_type(d);
                let name = shape(&d.name, decl_dims(d, ty));
                params.push(Param { name: name.clone(), ty, ty_span: d.ty_span });
                prelude.extend(self.init_updates(d, &name, ty));
            }
        } else {
            for d in &proc.params {
                let (ty, name) = match d.ty {
                    DeclTy::Int => (Type::I64, d.name.clone()),
                    DeclTy::Stack => (Type::Stack, d.name.clone()),
                    DeclTy::Array(first) => {
                        // A generic parameter's instance key holds its total length, then its
                        // open inner dimensions.
                        let generic = is_generic_param(d);
                        let total = if generic { open.next().copied().unwrap_or(1) } else { 0 };
                        let inner: Vec<u64> =
                            d.inner.iter().map(|x| x.or_else(|| open.next().copied()).unwrap_or(1)).collect();
                        let row = inner.iter().fold(1u64, |a, b| a.saturating_mul(*b)).max(1);
                        let (first, total) = match (generic, first) {
                            (true, _) => (total / row, total),
                            (false, Some(n)) => (n, n.saturating_mul(row)),
                            (false, None) => (1, row),
                        };
                        let dims: Vec<u64> = if inner.is_empty() {
                            Vec::new()
                        } else {
                            std::iter::once(first).chain(inner).collect()
                        };
                        (Type::Array(Elem::I64, total), shape(&d.name, dims))
                    }
                };
                params.push(Param { name, ty, ty_span: d.ty_span });
            }
            for &g in &self.uses[p].clone() {
                let name = Ident { name: self.global_alias(p, g), span: proc.name.span };
                params.push(Param { name, ty: self.globals[g].ty, ty_span: self.globals[g].decl.ty_span });
            }
        }
        let mut gl = GeneLowering {
            lw: self,
            proc: p,
            scope: params.iter().map(|q| (q.name.name.clone(), q.ty)).collect(),
            temps: 0,
            renamed,
            shapes,
            expr_errors: Default::default(),
        };
        // Initialisers are expressions of `main` like the others (`int y = m[1][1]` reads a
        // multi-dimensional array, `int z = -7 / 2` has a value of literals).
        let mut stmts = prelude;
        for s in &mut stmts {
            if let StmtKind::Update { value, .. } = &mut s.kind {
                *value = gl.expr(value);
            }
        }
        stmts.extend(gl.stmts(&proc.body));
        let errors = gl.expr_errors.take();
        self.diags.extend(errors);
        let span = match (proc.body.first(), proc.body.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => proc.name.span,
        };
        Gene {
            name: Ident { name: gene_name, span: proc.name.span },
            params,
            body: Block { stmts, span },
            span: proc.span,
        }
    }

    /// E0201 for an initialiser that reads a variable declared after it, or its own: jana binds
    /// the declarations one at a time (globals first, then those of `main`), so an initialiser
    /// sees only the variables declared before it.
    fn bind_in_order(&mut self, main_decls: &[Decl]) {
        let decls: Vec<&Decl> = self.prog.globals.iter().chain(main_decls).collect();
        let globals = self.prog.globals.len();
        for (k, d) in decls.iter().enumerate() {
            // One store holds the globals and `main`'s variables: a name is declared once.
            if let Some(j) = decls[..k].iter().position(|e| e.name.name == d.name.name) {
                let name = &d.name.name;
                let what = |i: usize| if i < globals { "a global" } else { "a variable of `main`" };
                self.diags.push(
                    Diagnostic::error(
                        E0204,
                        format!("`{name}` is declared twice: as {} and as {}", what(j), what(k)),
                        d.name.span,
                    )
                    .note("declared again here")
                    .label(decls[j].name.span, format!("`{name}` is declared here"))
                    .hint("the globals and the variables of `main` are one store: give one of them another name"),
                );
            }
            let mut uses = Vec::new();
            for e in &d.init {
                reads(e, &mut uses);
            }
            for (name, span) in uses {
                let Some(later) = decls[k..].iter().find(|l| l.name.name == name) else { continue };
                if decls[..k].iter().any(|e| e.name.name == name) {
                    continue;
                }
                let what = if later.name.span == d.name.span {
                    "in its own initialiser"
                } else {
                    "before its declaration"
                };
                self.diags.push(
                    Diagnostic::error(E0201, format!("unknown variable `{name}`: used {what}"), span)
                        .note("not declared yet")
                        .label(later.name.span, format!("`{name}` is declared here"))
                        .hint("declarations bind one at a time, as in jana: an initialiser can use only the variables declared before it"),
                );
            }
        }
    }

    /// `x += e` for `int x = e`; `a[k] += e_k` for `int a[N] = {…}` (the elements after the list
    /// stay 0, as in jana; a list longer than the array is an error, as in jana).
    fn init_updates(&mut self, d: &Decl, name: &Ident, ty: Type) -> Vec<Stmt> {
        let place = |index: Option<Box<Expr>>| Place { name: name.clone(), index, span: d.name.span };
        let update = |target: Place, value: &Expr| Stmt {
            kind: StmtKind::Update { target, op: UpdateOp::Add, value: value.clone() },
            span: d.span,
        };
        match (ty, d.init.as_slice()) {
            (_, []) => Vec::new(),
            (Type::Array(_, n), init) => {
                if init.len() as u64 > n {
                    self.diags.push(
                        Diagnostic::error(J0104, "more initial values than array elements", d.span)
                            .note(format!("the array has {n} elements, the list {}", init.len()))
                            .hint("give the array a length at least that of the list, or `[]`"),
                    );
                    return Vec::new();
                }
                let nonzero = init.iter().filter(|e| e.kind != ExprKind::Int(0)).count() as u64;
                if nonzero > MAX_INIT_UPDATES {
                    self.diags.push(
                        Diagnostic::error(J0104, "array initialiser too large", d.span)
                            .note(format!("this would expand to more than {MAX_INIT_UPDATES} updates"))
                            .hint("fill the array with a loop instead"),
                    );
                    return Vec::new();
                }
                (0..n)
                    .zip(init.iter())
                    .filter(|(_, e)| e.kind != ExprKind::Int(0))
                    .map(|(k, e)| {
                        let index = Expr::new(ExprKind::Int(k), d.name.span);
                        update(place(Some(Box::new(index))), e)
                    })
                    .collect()
            }
            (_, [e]) => vec![update(place(None), e)],
            (_, _) => Vec::new(),
        }
    }
}

/// The variables `e` reads, with the span of each use (not the dimension markers of
/// multi-dimensional subscripts).
fn reads(e: &Expr, out: &mut Vec<(String, Span)>) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Var(n) if !n.starts_with('#') => out.push((n.clone(), e.span)),
            ExprKind::Index(a, i) => {
                out.push((a.name.clone(), a.span));
                stack.push(i);
            }
            ExprKind::Builtin(_, a) => out.push((a.name.clone(), a.span)),
            ExprKind::Unary(_, x) => stack.push(x),
            ExprKind::Binary(_, l, r) => stack.extend([&**r, &**l]),
            ExprKind::Var(_) | ExprKind::Int(_) | ExprKind::Nil => {}
        }
    }
}

/// Whether rdx computes `op` otherwise on operands it reads as unsigned: an rdx literal is
/// unsigned (`spec/language.md` §4), a Janus one is signed.
fn sign_sensitive(op: BinOp) -> bool {
    matches!(op, BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Div | BinOp::Mod | BinOp::Shr)
}

/// The value of an expression of literals alone, computed as jana does; `None` for anything
/// else, and where jana would stop (a division by zero, an overflow) or rdx's shift differs
/// (by a negative amount or by 64 or more), which are left to run time.
///
/// rdx reads literals as unsigned, so `-1 < 0`, `-7 / 2` and `-8 >> 1` would mean something
/// else in the printed inverse (`rdx invert`); the lowering puts their values in their place.
fn literal_value(kind: &ExprKind) -> Option<i64> {
    use BinOp::*;
    match kind {
        ExprKind::Int(v) => Some(*v as i64),
        ExprKind::Unary(op, x) => {
            let v = literal_value(&x.kind)?;
            match op {
                UnOp::Neg => v.checked_neg(),
                UnOp::BitNot => Some(!v),
                UnOp::Not => Some(i64::from(v == 0)),
            }
        }
        ExprKind::Binary(op, l, r) => {
            let (a, b) = (literal_value(&l.kind)?, literal_value(&r.kind)?);
            match op {
                Add => a.checked_add(b),
                Sub => a.checked_sub(b),
                Mul => a.checked_mul(b),
                Div => floor_div(a, b),
                Mod => floor_div(a, b).map(|q| a.wrapping_sub(q.wrapping_mul(b))),
                Shl => (0..64).contains(&b).then(|| ((a as u64) << b) as i64),
                Shr => (0..64).contains(&b).then(|| a >> b),
                And => Some(a & b),
                Or => Some(a | b),
                Xor => Some(a ^ b),
                Eq => Some(i64::from(a == b)),
                Ne => Some(i64::from(a != b)),
                Lt => Some(i64::from(a < b)),
                Le => Some(i64::from(a <= b)),
                Gt => Some(i64::from(a > b)),
                Ge => Some(i64::from(a >= b)),
                LogAnd => Some(i64::from(a != 0 && b != 0)),
                LogOr => Some(i64::from(a != 0 || b != 0)),
            }
        }
        _ => None,
    }
}

/// `a / b` rounded toward minus infinity (Haskell's `div`); `None` for a division by zero or
/// an overflow.
fn floor_div(a: i64, b: i64) -> Option<i64> {
    let q = a.checked_div(b)?;
    Some(if a % b != 0 && ((a < 0) != (b < 0)) { q - 1 } else { q })
}

/// The literal for `v` as the parser writes it: a negative value is the negation of its
/// magnitude (so the printed inverse reads `-4`), -2^63 the literal 2^63.
fn literal(v: i64, span: Span) -> Expr {
    match v {
        i64::MIN => Expr::new(ExprKind::Int(1 << 63), span),
        v if v < 0 => {
            let magnitude = Expr::new(ExprKind::Int(v.unsigned_abs()), span);
            Expr::new(ExprKind::Unary(UnOp::Neg, Box::new(magnitude)), span)
        }
        v => Expr::new(ExprKind::Int(v as u64), span),
    }
}

/// A `local`/`delocal` declaration without its value, as Janus writes it: `int t[3]`,
/// `stack s`, `int x`.
fn local_decl_text(x: &LocalDecl) -> String {
    match (&x.array, x.stack) {
        (Some((n, _)), _) => format!("int {}[{n}]", x.name.name),
        (None, true) => format!("stack {}", x.name.name),
        (None, false) => format!("int {}", x.name.name),
    }
}

/// Every name a procedure declares: parameters, `main` variables, locals anywhere.
fn declared_names(p: &Proc) -> HashSet<&str> {
    let mut out: HashSet<&str> = p.params.iter().chain(&p.decls).map(|d| d.name.name.as_str()).collect();
    let mut stack: Vec<&syntax::Stmt> = p.body.iter().collect();
    while let Some(s) = stack.pop() {
        match &s.kind {
            syntax::StmtKind::If { then_block, else_block, .. } => {
                stack.extend(&then_block.stmts);
                stack.extend(else_block.iter().flat_map(|b| &b.stmts));
            }
            syntax::StmtKind::From { body, again, .. } => {
                stack.extend(&body.stmts);
                stack.extend(again.iter().flat_map(|b| &b.stmts));
            }
            syntax::StmtKind::Local { locals, body, delocals } => {
                out.extend(locals.iter().chain(delocals).map(|l| l.name.name.as_str()));
                stack.extend(body);
            }
            _ => {}
        }
    }
    out
}

/// Collects the names a procedure uses without declaring them, and the procedures it calls.
#[derive(Default)]
struct FreeNames<'a> {
    names: BTreeSet<&'a str>,
    calls: BTreeSet<&'a str>,
}

impl<'a> FreeNames<'a> {
    fn name(&mut self, n: &'a str, scope: &[&'a str]) {
        if !scope.contains(&n) {
            self.names.insert(n);
        }
    }

    fn expr(&mut self, e: &'a Expr, scope: &[&'a str]) {
        match &e.kind {
            ExprKind::Var(n) => self.name(n, scope),
            ExprKind::Index(a, i) => {
                self.name(&a.name, scope);
                self.expr(i, scope);
            }
            ExprKind::Builtin(_, a) => self.name(&a.name, scope),
            ExprKind::Unary(_, x) => self.expr(x, scope),
            ExprKind::Binary(_, l, r) => {
                self.expr(l, scope);
                self.expr(r, scope);
            }
            ExprKind::Int(_) | ExprKind::Nil => {}
        }
    }

    fn place(&mut self, p: &'a Place, scope: &[&'a str]) {
        self.name(&p.name.name, scope);
        if let Some(i) = &p.index {
            self.expr(i, scope);
        }
    }

    fn stmts(&mut self, stmts: &'a [syntax::Stmt], scope: &mut Vec<&'a str>) {
        for s in stmts {
            self.stmt(s, scope);
        }
    }

    fn stmt(&mut self, s: &'a syntax::Stmt, scope: &mut Vec<&'a str>) {
        use syntax::StmtKind as K;
        match &s.kind {
            K::Update { target, value, .. } => {
                self.place(target, scope);
                self.expr(value, scope);
            }
            K::Swap(a, b) => {
                self.place(a, scope);
                self.place(b, scope);
            }
            K::If { cond, then_block, else_block, fi } => {
                self.expr(cond, scope);
                self.stmts(&then_block.stmts, scope);
                if let Some(b) = else_block {
                    self.stmts(&b.stmts, scope);
                }
                self.expr(fi, scope);
            }
            K::From { entry, body, again, until } => {
                self.expr(entry, scope);
                self.stmts(&body.stmts, scope);
                if let Some(b) = again {
                    self.stmts(&b.stmts, scope);
                }
                self.expr(until, scope);
            }
            K::Push { value, stack } => {
                self.expr(value, scope);
                self.name(&stack.name, scope);
            }
            K::Pop { target, stack } => {
                self.expr(target, scope);
                self.name(&stack.name, scope);
            }
            K::Local { locals, body, delocals } => {
                let mark = scope.len();
                for l in locals {
                    for v in l.array.as_ref().map_or(std::slice::from_ref(&l.value), |a| &a.1) {
                        self.expr(v, scope);
                    }
                    scope.push(&l.name.name);
                }
                self.stmts(body, scope);
                for l in delocals {
                    for v in l.array.as_ref().map_or(std::slice::from_ref(&l.value), |a| &a.1) {
                        self.expr(v, scope);
                    }
                }
                scope.truncate(mark);
            }
            K::Call { proc_name, args, .. } => {
                self.calls.insert(&proc_name.name);
                for a in args {
                    self.expr(a, scope);
                }
            }
            K::Printf(_, ids) | K::Show(ids) => {
                for id in ids {
                    self.name(&id.name, scope);
                }
            }
            K::Assert(e) => self.expr(e, scope),
            K::Error(_) | K::Print(_) | K::Skip => {}
        }
    }
}

/// Lowering of one gene: the names in scope with their types, and the temporaries made so far.
struct GeneLowering<'l, 'a> {
    lw: &'l mut Lowering<'a>,
    proc: usize,
    scope: Vec<(String, Type)>,
    temps: u32,
    /// Janus names of multi-dimensional arrays → their rdx names (`a` → `a[3][4]`).
    renamed: HashMap<String, String>,
    /// rdx names of multi-dimensional arrays → their dimensions.
    shapes: HashMap<String, Vec<u64>>,
    /// Errors found while lowering expressions (which take `&self`).
    expr_errors: std::cell::RefCell<Vec<Diagnostic>>,
}

impl GeneLowering<'_, '_> {
    /// The name `n` denotes here: itself when declared, else the global's alias.
    fn resolve(&self, n: &str) -> String {
        if let Some(ir) = self.renamed.get(n) {
            return ir.clone();
        }
        if self.scope.iter().any(|(s, _)| s == n) {
            return n.to_string();
        }
        match self.lw.globals.iter().position(|g| g.decl.name.name == n) {
            Some(g) => self.lw.global_alias(self.proc, g),
            None => n.to_string(),
        }
    }

    fn ident(&self, id: &Ident) -> Ident {
        Ident { name: self.resolve(&id.name), span: id.span }
    }

    fn type_of(&self, n: &str) -> Option<Type> {
        let n = self.resolve(n);
        self.scope.iter().rev().find(|(s, _)| *s == n).map(|(_, t)| *t)
    }

    /// Dimension `k` (0 = the first) of the array that the marker `#name#k` names.
    fn dimension(&self, marker: &str, span: Span) -> ExprKind {
        let (name, k) = marker[1..].rsplit_once('#').unwrap_or(("", "0"));
        let k: usize = k.parse().unwrap_or(0);
        let ir = self.resolve(name);
        match self.shapes.get(&ir).and_then(|d| d.get(k)) {
            Some(&d) => ExprKind::Int(d),
            // The first dimension of an array of one (the second's marker says what is wrong),
            // or of a name that is no array (the checker says so).
            None if k == 0 => match self.type_of(name) {
                Some(Type::Array(_, n)) => ExprKind::Int(n),
                _ => ExprKind::Int(1),
            },
            None => {
                self.expr_errors.borrow_mut().push(
                    Diagnostic::error(J0104, format!("`{name}` has fewer than {} dimensions", k + 1), span)
                        .note("indexed with more dimensions than declared")
                        .hint("index the array with as many `[…]` as it has dimensions"),
                );
                ExprKind::Int(1)
            }
        }
    }

    fn expr(&self, e: &Expr) -> Expr {
        let kind = match &e.kind {
            ExprKind::Var(n) if n.starts_with('#') => self.dimension(n, e.span),
            ExprKind::Var(n) => ExprKind::Var(self.resolve(n)),
            ExprKind::Index(a, i) => {
                self.subscripts(a, i);
                ExprKind::Index(self.ident(a), Box::new(self.expr(i)))
            }
            ExprKind::Builtin(b, a) => {
                let a = self.ident(a);
                // jana's `size` of a multi-dimensional array is its first dimension.
                match self.shapes.get(&a.name) {
                    Some(dims) if *b == crate::ast::Builtin::Size => ExprKind::Int(dims[0]),
                    _ => ExprKind::Builtin(*b, a),
                }
            }
            ExprKind::Unary(op, x) => ExprKind::Unary(*op, Box::new(self.expr(x))),
            ExprKind::Binary(op, l, r) => {
                let kind = ExprKind::Binary(*op, Box::new(self.expr(l)), Box::new(self.expr(r)));
                if sign_sensitive(*op)
                    && let Some(v) = literal_value(&kind)
                {
                    return literal(v, e.span);
                }
                kind
            }
            k @ (ExprKind::Int(_) | ExprKind::Nil) => k.clone(),
        };
        Expr::new(kind, e.span)
    }

    /// E0206 for an array argument whose shape is not the parameter's: a number of dimensions
    /// other than the parameter's, or a dimension other than one it fixes (`b[2][2]` for
    /// `int a[][3]`). Lengths alone are the checker's (a flat length that differs).
    fn shape_check(&self, d: &Decl, arg: &Ident, span: Span, proc: &str) {
        let DeclTy::Array(first) = d.ty else { return };
        let dims = match (self.shapes.get(&arg.name), self.type_of(&arg.name)) {
            (Some(dims), _) => dims.clone(),
            (None, Some(Type::Array(_, n))) => vec![n],
            // Not an array: the checker reports the type.
            _ => return,
        };
        let wanted: Vec<Option<u64>> = std::iter::once(first).chain(d.inner.iter().copied()).collect();
        let fits =
            dims.len() == wanted.len() && dims.iter().zip(&wanted).all(|(n, w)| w.is_none_or(|w| w == *n));
        if fits || (dims.len() == 1 && wanted.len() == 1) {
            return;
        }
        let shape: String = dims.iter().map(|n| format!("[{n}]")).collect();
        let param: String = wanted.iter().map(|w| w.map_or("[]".to_string(), |n| format!("[{n}]"))).collect();
        let name = self.janus_name(&arg.name);
        self.expr_errors.borrow_mut().push(
            Diagnostic::error(
                E0206,
                format!("`{name}{shape}` does not fit the parameter `int {}{param}` of `{proc}`", d.name.name),
                span,
            )
            .label(d.span, "the parameter")
            .note("an array is passed by reference, with its shape: the number of dimensions and each one the parameter fixes must agree"),
        );
    }

    /// E0206 for an expression (`x + 1`, `a[0]`) passed for an array or stack parameter: it is
    /// an integer, passed through a temporary, so the checker would name the temporary.
    fn by_value_check(&self, d: &Decl, arg: &Expr, proc: &str) {
        let param = match d.ty {
            DeclTy::Int => return,
            DeclTy::Stack => format!("stack {}", d.name.name),
            DeclTy::Array(first) => {
                let dims: String = std::iter::once(first)
                    .chain(d.inner.iter().copied())
                    .map(|n| n.map_or("[]".to_string(), |n| format!("[{n}]")))
                    .collect();
                format!("int {}{dims}", d.name.name)
            }
        };
        let text = self.lw.src.get(arg.span.start as usize..arg.span.end as usize).unwrap_or("the argument");
        self.expr_errors.borrow_mut().push(
            Diagnostic::error(
                E0206,
                format!("`{text}` is an `int` but parameter `{}` of `{proc}` is `{param}`", d.name.name),
                arg.span,
            )
            .label(d.span, "the parameter")
            .hint(format!(
                "an expression is passed by value, as an integer: pass {} variable",
                if d.ty == DeclTy::Stack { "a stack" } else { "an array" }
            )),
        );
    }

    /// The Janus name of an rdx variable (a multi-dimensional array's without its shape).
    fn janus_name<'n>(&self, ir: &'n str) -> &'n str {
        if self.shapes.contains_key(ir) { ir.split_once('[').map_or(ir, |(n, _)| n) } else { ir }
    }

    /// J0104 for a multi-dimensional array indexed with fewer subscripts than it has
    /// dimensions (`m[1]` of an `int m[2][3]`: a row is not an integer). Its flat index then
    /// lacks the marker of the last dimension (more subscripts than dimensions are reported
    /// by [`Self::dimension`]).
    fn subscripts(&self, a: &Ident, index: &Expr) {
        let Some(dims) = self.shapes.get(&self.resolve(&a.name)) else { return };
        let last = super::parser::dim_marker(&a.name, dims.len() - 1);
        if crate::check::rules::reads_var(index, &last).is_none() {
            let n = dims.len();
            let shape: String = dims.iter().map(|d| format!("[{d}]")).collect();
            let subscripts =
                ["i", "j", "k", "l", "m", "n"].iter().take(n).map(|x| format!("[{x}]")).collect::<String>();
            self.expr_errors.borrow_mut().push(
                Diagnostic::error(
                    J0104,
                    format!("`{}` has {n} dimensions: index it with {n} subscripts", a.name),
                    index.span,
                )
                .note(format!("`{}` is declared `{}{shape}`: a row is not an integer", a.name, a.name))
                .hint(format!("write `{}{subscripts}`", a.name)),
            );
        }
    }

    fn place(&self, p: &Place) -> Place {
        if let Some(i) = &p.index {
            self.subscripts(&p.name, i);
        }
        Place {
            name: self.ident(&p.name),
            index: p.index.as_ref().map(|i| Box::new(self.expr(i))),
            span: p.span,
        }
    }

    fn block(&mut self, b: &syntax::Block) -> Block {
        Block { stmts: self.stmts(&b.stmts), span: b.span }
    }

    fn stmts(&mut self, stmts: &[syntax::Stmt]) -> Vec<Stmt> {
        let mut out = Vec::with_capacity(stmts.len());
        self.stmts_into(stmts, &mut out);
        out
    }

    /// Lowers `stmts` onto the end of `out` (a body inside `local … delocal` goes straight into
    /// its block, not through a vector of its own).
    fn stmts_into(&mut self, stmts: &[syntax::Stmt], out: &mut Vec<Stmt>) {
        for s in stmts {
            self.stmt(s, out);
        }
    }

    fn fresh(&mut self, span: Span) -> Ident {
        self.temps += 1;
        Ident { name: format!("_t{}", self.temps), span }
    }

    fn stmt(&mut self, s: &syntax::Stmt, out: &mut Vec<Stmt>) {
        use syntax::StmtKind as K;
        let span = s.span;
        let mk = |kind| Stmt { kind, span };
        match &s.kind {
            K::Update { target, op, value } => out.push(mk(StmtKind::Update {
                target: self.place(target),
                op: *op,
                value: self.expr(value),
            })),
            K::Swap(a, b) => self.swap(a, b, span, out),
            K::If { cond, then_block, else_block, fi } => {
                let cond = self.expr(cond);
                let then_block = self.block(then_block);
                let else_block = else_block.as_ref().map(|b| self.block(b));
                out.push(mk(StmtKind::If {
                    cond: Box::new(cond),
                    then_block,
                    else_block,
                    fi: Box::new(self.expr(fi)),
                }));
            }
            K::From { entry, body, again, until } => {
                let entry = self.expr(entry);
                let body = self.block(body);
                let again = again.as_ref().map(|b| self.block(b));
                out.push(mk(StmtKind::From {
                    entry: Box::new(entry),
                    body,
                    again,
                    until: Box::new(self.expr(until)),
                }));
            }
            K::Push { value, stack } => {
                let stack = self.ident(stack);
                match &value.kind {
                    ExprKind::Var(n) => {
                        let value = Place {
                            name: Ident { name: self.resolve(n), span: value.span },
                            index: None,
                            span: value.span,
                        };
                        out.push(mk(StmtKind::Push { value, stack }));
                    }
                    _ => {
                        let t = self.fresh(value.span);
                        let init = self.expr(value);
                        out.push(mk(StmtKind::Local { name: t.clone(), ty: Type::I64, init }));
                        let place = Place { name: t.clone(), index: None, span: value.span };
                        out.push(mk(StmtKind::Push { value: place, stack }));
                        let zero = Expr::new(ExprKind::Int(0), value.span);
                        out.push(mk(StmtKind::Delocal { name: t, ty: Some(Type::I64), value: zero }));
                    }
                }
            }
            K::Pop { target, stack } => {
                let stack = self.ident(stack);
                match &target.kind {
                    ExprKind::Var(n) => {
                        let target = Place {
                            name: Ident { name: self.resolve(n), span: target.span },
                            index: None,
                            span: target.span,
                        };
                        out.push(mk(StmtKind::Pop { target, stack }));
                    }
                    _ => {
                        let t = self.fresh(target.span);
                        let zero = Expr::new(ExprKind::Int(0), target.span);
                        out.push(mk(StmtKind::Local { name: t.clone(), ty: Type::I64, init: zero }));
                        let place = Place { name: t.clone(), index: None, span: target.span };
                        out.push(mk(StmtKind::Pop { target: place, stack }));
                        let value = self.expr(target);
                        out.push(mk(StmtKind::Delocal { name: t, ty: Some(Type::I64), value }));
                    }
                }
            }
            K::Local { locals, body, delocals } => self.local(locals, body, delocals, out),
            K::Call { proc_name, args, uncall } => self.call(proc_name, args, *uncall, span, out),
            K::Error(msg) => out.push(mk(StmtKind::Error(msg.clone()))),
            K::Print(text) => out.push(mk(StmtKind::Print(Print::Text(text.clone())))),
            K::Printf(fmt, ids) => out.push(mk(self.printf(fmt, ids))),
            K::Show(ids) => out.push(mk(self.show(ids))),
            K::Assert(e) => out.push(mk(StmtKind::Assert(self.expr(e)))),
            K::Skip => out.push(mk(StmtKind::Skip)),
        }
    }

    /// The kinds (`%d`, `%a`, `%t`) of these variables, if all are declared (the checker
    /// reports the others).
    fn kinds(&self, ids: &[Ident]) -> Option<Vec<Kind>> {
        ids.iter().map(|i| self.type_of(&i.name).map(Kind::of_type)).collect()
    }

    /// jana's `printf`, in the form rdx source prints the same way: without variables its text
    /// unchanged (`print`); one jana refuses, jana's run-time error (`error "printf: …"`); else
    /// the `printf` itself, which prints as jana's in rdx source too.
    fn printf(&self, fmt: &str, ids: &[Ident]) -> StmtKind {
        if ids.is_empty() {
            return StmtKind::Print(Print::Text(fmt.to_string()));
        }
        let ir: Vec<Ident> = ids.iter().map(|i| self.ident(i)).collect();
        let Some(kinds) = self.kinds(ids) else { return StmtKind::Print(Print::Format(fmt.to_string(), ir)) };
        if let Err(e) = printf_plan(fmt, &kinds) {
            return StmtKind::Error(e.to_string());
        }
        StmtKind::Print(Print::Format(fmt.to_string(), ir))
    }

    /// jana's `show(x, a, s)`, one line `x = 1, a[2] = {0, 7}, s = nil`: the `printf` that
    /// prints it (`printf("x = %d, a[2] = %a, s = %t", x, a, s)`), so rdx source prints the
    /// same line.
    fn show(&self, ids: &[Ident]) -> StmtKind {
        let ir: Vec<Ident> = ids.iter().map(|i| self.ident(i)).collect();
        let Some(kinds) = self.kinds(ids) else { return StmtKind::Print(Print::Show(ir)) };
        let mut fmt = String::new();
        for (k, (id, kind)) in ir.iter().zip(kinds).enumerate() {
            if k > 0 {
                fmt.push_str(", ");
            }
            fmt.push_str(&id.name);
            match (kind, self.type_of(&id.name)) {
                // A multi-dimensional array's name carries its shape (`m[2][3]`).
                (Kind::Array, Some(Type::Array(_, n))) if !self.shapes.contains_key(&id.name) => {
                    fmt.push_str(&format!("[{n}] = %a"))
                }
                (Kind::Array, _) => fmt.push_str(" = %a"),
                (Kind::Stack, _) => fmt.push_str(" = %t"),
                (Kind::Int, _) => fmt.push_str(" = %d"),
            }
        }
        StmtKind::Print(Print::Format(fmt, ir))
    }

    /// `a <=> b`. jana also swaps whole arrays and whole stacks; rdx swaps numbers, so an
    /// array swap becomes a loop of element swaps (arrays of one length) and a stack swap moves
    /// both stacks through two temporary stacks (order kept).
    fn swap(&mut self, a: &Place, b: &Place, span: Span, out: &mut Vec<Stmt>) {
        let whole = |p: &Place| p.index.is_none();
        let (ta, tb) = (self.type_of(&a.name.name), self.type_of(&b.name.name));
        let (pa, pb) = (self.place(a), self.place(b));
        match (ta, tb) {
            (Some(Type::Array(_, n)), Some(Type::Array(_, m))) if whole(a) && whole(b) => {
                let (sa, sb) = (self.dims(&pa.name.name, n), self.dims(&pb.name.name, m));
                if sa != sb {
                    self.shapes_differ(a, b, &sa, &sb);
                } else if n > 0 {
                    self.swap_arrays(pa.name, pb.name, n, span, out)
                }
            }
            (Some(Type::Stack), Some(Type::Stack)) if whole(a) && whole(b) => {
                let (u, v) = (self.fresh(span), self.fresh(span));
                let nil = Expr::new(ExprKind::Nil, span);
                for t in [&u, &v] {
                    out.push(Stmt {
                        kind: StmtKind::Local { name: t.clone(), ty: Type::Stack, init: nil.clone() },
                        span,
                    });
                }
                self.move_stack(&pa.name, &u, span, out);
                self.move_stack(&pb.name, &v, span, out);
                self.move_stack(&u, &pb.name, span, out);
                self.move_stack(&v, &pa.name, span, out);
                for t in [v, u] {
                    out.push(Stmt {
                        kind: StmtKind::Delocal { name: t, ty: Some(Type::Stack), value: nil.clone() },
                        span,
                    });
                }
            }
            _ => out.push(Stmt { kind: StmtKind::Swap(pa, pb), span }),
        }
    }

    /// The dimensions of the array with rdx name `ir` and `len` elements (`[len]` unless it is
    /// multi-dimensional).
    fn dims(&self, ir: &str, len: u64) -> Vec<u64> {
        self.shapes.get(ir).cloned().unwrap_or_else(|| vec![len])
    }

    /// E0206 for `a <=> b` of arrays of different shapes: jana swaps the whole values, shapes
    /// included, but an rdx array's shape is its static type (and, for a multi-dimensional
    /// array, part of its name), so neither can take the other's.
    fn shapes_differ(&self, a: &Place, b: &Place, sa: &[u64], sb: &[u64]) {
        let shape = |d: &[u64]| d.iter().map(|n| format!("[{n}]")).collect::<String>();
        let (na, nb) = (&a.name.name, &b.name.name);
        let (fa, fb) = (shape(sa), shape(sb));
        let (what, one) =
            if sa.len() == 1 && sb.len() == 1 { ("lengths", "length") } else { ("shapes", "shape") };
        self.expr_errors.borrow_mut().push(
            Diagnostic::error(
                E0206,
                format!("`{na} <=> {nb}` swaps arrays of different {what}"),
                a.name.span,
            )
            .note(format!("`{na}` is `int {na}{fa}`"))
            .label(b.name.span, format!("`{nb}` is `int {nb}{fb}`"))
            .hint(format!(
                "jana swaps whole arrays, {what} included, but an rdx array's {one} is fixed: \
                     swap arrays of one {one}, or their elements one by one"
            )),
        );
    }

    /// `local i = 0; from i = 0 do a[i] <=> b[i]; i += 1 until i = n; delocal i = n`.
    fn swap_arrays(&mut self, a: Ident, b: Ident, n: u64, span: Span, out: &mut Vec<Stmt>) {
        let i = self.fresh(span);
        let int = |v: u64| Expr::new(ExprKind::Int(v), span);
        let var = Expr::new(ExprKind::Var(i.name.clone()), span);
        let at = |arr: Ident| Place { name: arr, index: Some(Box::new(var.clone())), span };
        let eq = |v: u64| {
            Expr::new(ExprKind::Binary(crate::ast::BinOp::Eq, Box::new(var.clone()), Box::new(int(v))), span)
        };
        let body = vec![
            Stmt { kind: StmtKind::Swap(at(a), at(b)), span },
            Stmt {
                kind: StmtKind::Update {
                    target: Place { name: i.clone(), index: None, span },
                    op: UpdateOp::Add,
                    value: int(1),
                },
                span,
            },
        ];
        out.push(Stmt { kind: StmtKind::Local { name: i.clone(), ty: Type::I64, init: int(0) }, span });
        out.push(Stmt {
            kind: StmtKind::From {
                entry: Box::new(eq(0)),
                body: Block { stmts: body, span },
                again: None,
                until: Box::new(eq(n)),
            },
            span,
        });
        out.push(Stmt { kind: StmtKind::Delocal { name: i, ty: Some(Type::I64), value: int(n) }, span });
    }

    /// Moves every element of stack `from` onto the empty stack `to` (reversing their order):
    /// `local e = 0; if !empty(from) then from empty(to) do pop(e, from); push(e, to)
    /// until empty(from) fi !empty(to); delocal e = 0`.
    fn move_stack(&mut self, from: &Ident, to: &Ident, span: Span, out: &mut Vec<Stmt>) {
        use crate::ast::{Builtin, UnOp};
        let e = self.fresh(span);
        let zero = Expr::new(ExprKind::Int(0), span);
        let empty = |s: &Ident| Expr::new(ExprKind::Builtin(Builtin::Empty, s.clone()), span);
        let not = |x: Expr| Expr::new(ExprKind::Unary(UnOp::Not, Box::new(x)), span);
        let place = Place { name: e.clone(), index: None, span };
        let body = vec![
            Stmt { kind: StmtKind::Pop { target: place.clone(), stack: from.clone() }, span },
            Stmt { kind: StmtKind::Push { value: place, stack: to.clone() }, span },
        ];
        let moves = Stmt {
            kind: StmtKind::From {
                entry: Box::new(empty(to)),
                body: Block { stmts: body, span },
                again: None,
                until: Box::new(empty(from)),
            },
            span,
        };
        out.push(Stmt { kind: StmtKind::Local { name: e.clone(), ty: Type::I64, init: zero.clone() }, span });
        out.push(Stmt {
            kind: StmtKind::If {
                cond: Box::new(not(empty(from))),
                then_block: Block { stmts: vec![moves], span },
                else_block: None,
                fi: Box::new(not(empty(to))),
            },
            span,
        });
        out.push(Stmt { kind: StmtKind::Delocal { name: e, ty: Some(Type::I64), value: zero }, span });
    }

    /// Moves `values[k]` into element `a[k]` of a zero array (`into`), or out of it: for every
    /// value that is not the literal 0, a scalar named `a[k]` (Janus names cannot contain `[`)
    /// carries it, `local a[k] = v; a[k] <=> a[k]; delocal a[k] = 0` (`into`), else
    /// `local a[k] = 0; a[k] <=> a[k]; delocal a[k] = v`. So the `delocal` of a local array
    /// that does not hold its values fails naming the element, its value and the expected one
    /// (``delocal mismatch: `t[1]` should be 3 but is 2``), in both directions. The parser
    /// checked that there are at most `n` values.
    fn array_values(&mut self, a: &Ident, n: u64, values: &[Expr], into: bool, out: &mut Vec<Stmt>) {
        for (k, v) in (0..n).zip(values) {
            if v.kind == ExprKind::Int(0) {
                continue;
            }
            let span = v.span;
            let carrier = Ident { name: format!("{}[{k}]", a.name), span };
            let index = Expr::new(ExprKind::Int(k), span);
            let element = Place { name: a.clone(), index: Some(Box::new(index)), span };
            let zero = Expr::new(ExprKind::Int(0), span);
            let (init, value) = if into { (self.expr(v), zero) } else { (zero, self.expr(v)) };
            out.push(Stmt { kind: StmtKind::Local { name: carrier.clone(), ty: Type::I64, init }, span });
            let whole = Place { name: carrier.clone(), index: None, span };
            out.push(Stmt { kind: StmtKind::Swap(whole, element), span });
            out.push(Stmt { kind: StmtKind::Delocal { name: carrier, ty: Some(Type::I64), value }, span });
        }
    }

    fn local(
        &mut self,
        locals: &[LocalDecl],
        body: &[syntax::Stmt],
        delocals: &[LocalDecl],
        out: &mut Vec<Stmt>,
    ) {
        let mark = self.scope.len();
        for l in locals {
            if let Some((n, values)) = &l.array {
                // A zero array, then each non-zero initial value moved into its element.
                let ty = Type::Array(Elem::I64, *n);
                let zero = Expr::new(ExprKind::Int(0), l.span);
                out.push(Stmt {
                    kind: StmtKind::Local { name: l.name.clone(), ty, init: zero },
                    span: l.span,
                });
                self.scope.push((l.name.name.clone(), ty));
                self.array_values(&l.name, *n, values, true, out);
                continue;
            }
            let ty = if l.stack { Type::Stack } else { Type::I64 };
            let init = self.expr(&l.value);
            self.scope.push((l.name.name.clone(), ty));
            out.push(Stmt { kind: StmtKind::Local { name: l.name.clone(), ty, init }, span: l.span });
        }
        self.stmts_into(body, out);
        for (l, d) in locals.iter().zip(delocals) {
            if l.name.name != d.name.name {
                self.mismatched_delocal(l, d);
            } else if local_decl_text(l) != local_decl_text(d) {
                self.lw.diags.push(
                    Diagnostic::error(
                        E0211,
                        format!("`delocal {}` but the local is `{}`", local_decl_text(d), local_decl_text(l)),
                        d.ty_span.to(d.name.span),
                    )
                    .label(l.ty_span.to(l.name.span), format!("declared `{}` here", local_decl_text(l)))
                    .hint("a `delocal` repeats the type of its `local`"),
                );
            }
        }
        for l in delocals.iter().rev() {
            if let Some((n, values)) = &l.array {
                // Each initial value moved out of its element, then the array must be all zeros.
                self.array_values(&l.name, *n, values, false, out);
                let ty = Type::Array(Elem::I64, *n);
                let value = Expr::new(ExprKind::Int(0), l.span);
                out.push(Stmt {
                    kind: StmtKind::Delocal { name: l.name.clone(), ty: Some(ty), value },
                    span: l.span,
                });
                continue;
            }
            let ty = if l.stack { Type::Stack } else { Type::I64 };
            let value = self.expr(&l.value);
            out.push(Stmt {
                kind: StmtKind::Delocal { name: l.name.clone(), ty: Some(ty), value },
                span: l.span,
            });
        }
        self.scope.truncate(mark);
    }

    /// `local int a = … delocal int b = …`: `a` is not closed and `b` not opened (in Janus
    /// words; the checker would say it with rdx's).
    fn mismatched_delocal(&mut self, l: &LocalDecl, d: &LocalDecl) {
        let ty = local_decl_text;
        self.lw.diags.push(
            Diagnostic::error(E0304, format!("local `{}` has no `delocal`", l.name.name), l.name.span)
                .note("opened here")
                .label(
                    d.name.span,
                    format!("the `delocal` here closes `{}`, not `{}`", d.name.name, l.name.name),
                )
                .hint(format!("close it with `delocal {} = <its final value>`", ty(l))),
        );
        self.lw.diags.push(
            Diagnostic::error(E0305, format!("`delocal {}` without a `local`", d.name.name), d.name.span)
                .hint(format!("open it first with `local {} = …`", ty(d))),
        );
    }

    fn call(&mut self, proc_name: &Ident, args: &[Expr], uncall: bool, span: Span, out: &mut Vec<Stmt>) {
        let callee = self.lw.procs.get(proc_name.name.as_str()).copied();
        if proc_name.name == "main" {
            self.lw.diags.push(
                Diagnostic::error(J0105, "`main` cannot be called", proc_name.span)
                    .note("called here")
                    .hint("move the statements into a procedure and call that from `main`"),
            );
        }
        let mut idents = Vec::new();
        let mut temps = Vec::new();
        for a in args {
            match &a.kind {
                ExprKind::Var(n) => idents.push(Ident { name: self.resolve(n), span: a.span }),
                _ => {
                    let t = self.fresh(a.span);
                    let value = self.expr(a);
                    out.push(Stmt {
                        kind: StmtKind::Local { name: t.clone(), ty: Type::I64, init: value.clone() },
                        span,
                    });
                    self.scope.push((t.name.clone(), Type::I64));
                    idents.push(t.clone());
                    temps.push((t, value));
                }
            }
        }
        let mut gene = proc_name.clone();
        if let Some(c) = callee.filter(|&c| Some(c) != self.lw.procs.get("main").copied()) {
            let cproc = &self.lw.prog.procs[c];
            for (d, (a, arg)) in cproc.params.iter().zip(idents.iter().zip(args)) {
                if matches!(arg.kind, ExprKind::Var(_)) {
                    self.shape_check(d, a, arg.span, &proc_name.name);
                } else {
                    self.by_value_check(d, arg, &proc_name.name);
                }
            }
            let cproc = &self.lw.prog.procs[c];
            if is_generic(cproc) {
                let mut lengths = Vec::new();
                for (k, d) in cproc.params.iter().enumerate() {
                    if !is_generic_param(d) {
                        continue;
                    }
                    let len = match idents.get(k).and_then(|i| self.type_of(&i.name)) {
                        Some(Type::Array(_, n)) => n,
                        // Not an array (or unknown): the checker reports it against this gene.
                        _ => 1,
                    };
                    lengths.push(len);
                    // The open inner dimensions come from the argument's shape.
                    let dims =
                        idents.get(k).and_then(|i| self.shapes.get(&i.name)).cloned().unwrap_or_default();
                    for (j, x) in d.inner.iter().enumerate() {
                        if x.is_none() {
                            lengths.push(dims.get(j + 1).copied().unwrap_or(1));
                        }
                    }
                }
                gene.name = self.lw.instance(c, lengths);
            }
            for &g in &self.lw.uses[c].clone() {
                idents.push(Ident { name: self.lw.global_alias(self.proc, g), span: proc_name.span });
            }
        }
        out.push(Stmt { kind: StmtKind::Call { gene, args: idents, uncall }, span });
        for (t, value) in temps.into_iter().rev() {
            self.scope.retain(|(n, _)| *n != t.name);
            out.push(Stmt { kind: StmtKind::Delocal { name: t, ty: Some(Type::I64), value }, span });
        }
    }
}
