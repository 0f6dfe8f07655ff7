//! The static checker: names, types, reversibility rules and constants, producing the IR.
//!
//! [`check`] walks the whole program once and reports *every* error it finds (codes E02xx
//! names and types, E03xx reversibility, E04xx constants, E09xx limits; see
//! [`crate::codes`]). On success the result is the IR: the same tree with every `const`
//! reference in gene bodies replaced by its value, multipliers and shift amounts folded to
//! literals, every `delocal` carrying its local's type, and `undo s` kept only where `s` has no
//! direct inverse (an xorshift step, `:=`, `erase`); other `undo s` are replaced by the inverse
//! of `s`; the statement inside a kept `undo` carries the span of the whole `undo …`. That
//! canonical form is what makes `invert(invert(p)) == p` exact, spans included.

mod copy;
mod fold;
pub(crate) mod rules;

use crate::ast::{
    Block, Builtin, Const, Dialect, Elem, Expr, ExprKind, Gene, Ident, NameKey, Param, Place, Program, Span,
    Stmt, StmtKind, Type,
};
use crate::codes::Code::{self, *};
use crate::diag::Diagnostic;
use crate::kernels::{KernelSig, KernelUse};
use fold::{FoldError, fold};
use std::collections::HashMap;

/// Longest array the checker accepts (elements).
pub const MAX_ARRAY_LEN: u64 = 1 << 24;
/// Deepest nesting of statements and expressions the checker walks.
pub const MAX_DEPTH: u32 = 600;

/// How strictly to check, and against which kernels.
#[derive(Clone, Copy, Debug, Default)]
pub struct CheckOptions<'k> {
    /// Lossy operations (`:=`, `erase`) are errors.
    pub strict: bool,
    /// The kernels a `kernel NAME(buf)` statement may name (empty: no kernels available).
    pub kernels: &'k [KernelSig],
}

/// A program that passed every static rule, with constants folded: the IR.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The IR (see the module documentation for what differs from the parsed tree).
    pub program: Program,
    /// Warnings found while checking (errors make `check` fail instead).
    pub warnings: Vec<Diagnostic>,
    /// Spans of the lossy operations (`:=`, `erase`).
    pub lossy: Vec<Span>,
    /// Every `kernel` statement, in source order, with its catalogue entry (for I4 and I5).
    pub kernels: Vec<KernelUse>,
}

/// Checks every static rule; on success returns the IR. On failure returns every error found,
/// sorted by position. [`check_owned`] does the same without copying the tree.
pub fn check(program: &Program, opts: &CheckOptions<'_>) -> Result<Checked, Vec<Diagnostic>> {
    check_owned(copy::program(program), opts)
}

/// [`check`], turning the tree itself into the IR (constants folded in place) instead of
/// building a copy: what the command line does with the tree it has just parsed. The tree is
/// dropped on failure, so pass trees no deeper than the parser builds (or use [`check`]).
pub fn check_owned(mut program: Program, opts: &CheckOptions<'_>) -> Result<Checked, Vec<Diagnostic>> {
    // The bodies are checked (and rewritten) apart from the genes, whose names and parameters
    // the checker reads for every call.
    let mut bodies: Vec<Block> = program
        .genes
        .iter_mut()
        .map(|g| {
            let span = g.body.span;
            std::mem::replace(&mut g.body, Block { stmts: Vec::new(), span })
        })
        .collect();
    let mut ck = Checker {
        dialect: program.dialect,
        strict: opts.strict,
        catalogue: opts.kernels,
        kernel_uses: Vec::new(),
        consts: HashMap::new(),
        const_names: HashMap::new(),
        genes: HashMap::new(),
        diags: Vec::new(),
        lossy: Vec::new(),
        depth: 0,
        too_deep: false,
    };
    for c in &program.consts {
        ck.constant(c);
    }
    for g in &program.genes {
        if let Some(&first) = ck.genes.get(g.name.name.as_str()) {
            ck.diags.push(
                Diagnostic::error(E0203, format!("gene `{}` is defined twice", g.name.name), g.name.span)
                    .note("second definition")
                    .label(first.name.span, "first defined here")
                    .hint("rename one of the two genes"),
            );
        } else {
            ck.genes.insert(g.name.name.as_str(), g);
        }
    }
    if program.genes.is_empty() {
        let end = program.consts.last().map_or(Span::default(), |c| c.span);
        ck.diags.push(
            Diagnostic::error(E0219, "the program declares no gene", end)
                .hint("declare the gene to run: `gene main(x: u64) { x += 1 }`"),
        );
    }
    for (g, body) in program.genes.iter().zip(&mut bodies) {
        ck.gene(g, body);
    }
    let Checker { mut diags, lossy, kernel_uses, .. } = ck;
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    let (errors, warnings): (Vec<_>, Vec<_>) = diags.into_iter().partition(Diagnostic::is_error);
    if !errors.is_empty() {
        return Err(errors);
    }
    for (g, body) in program.genes.iter_mut().zip(bodies) {
        g.body = body;
    }
    Ok(Checked { program, warnings, lossy, kernels: kernel_uses })
}

/// A name in scope inside a gene.
struct Var {
    name: String,
    key: NameKey,
    ty: Type,
    span: Span,
    /// Opened by `local` (as opposed to a parameter).
    local: bool,
}

/// The variables in scope, innermost last. Names are unique in scope (rdx has no shadowing).
#[derive(Default)]
struct Scope {
    vars: Vec<Var>,
    /// Each variable's position in `vars`, kept once there are more than [`Scope::SCAN`] of
    /// them: a gene of thousands of live locals (generated code) would otherwise scan them all
    /// at each new name (40,000 locals: `rdx check` 547 → 87 ms).
    at: Option<HashMap<String, usize>>,
}

impl Scope {
    /// Up to this many variables a lookup scans them (cheaper than hashing the name).
    const SCAN: usize = 32;

    fn get(&self, name: &str) -> Option<&Var> {
        if let Some(at) = &self.at {
            return at.get(name).map(|&i| &self.vars[i]);
        }
        let key = NameKey::of(name);
        self.vars.iter().rev().find(|v| key.same(name, v.key, &v.name))
    }

    fn push(&mut self, v: Var) {
        if let Some(at) = &mut self.at {
            at.insert(v.name.clone(), self.vars.len());
        }
        self.vars.push(v);
        if self.at.is_none() && self.vars.len() > Self::SCAN {
            self.at = Some(self.vars.iter().enumerate().map(|(i, v)| (v.name.clone(), i)).collect());
        }
    }

    /// Closes every variable opened after the first `len`.
    fn truncate(&mut self, len: usize) {
        if let Some(at) = &mut self.at {
            for v in self.vars.get(len..).unwrap_or_default() {
                at.remove(&v.name);
            }
        }
        self.vars.truncate(len);
    }

    /// Closes the local `name` (`delocal`), if it is open.
    fn close_local(&mut self, name: &str) {
        let found = match &self.at {
            Some(at) => at.get(name).copied().filter(|&i| self.vars[i].local),
            None => self.vars.iter().rposition(|v| v.name == name && v.local),
        };
        let Some(i) = found else { return };
        self.vars.remove(i);
        if let Some(at) = &mut self.at {
            at.remove(name);
            for (k, v) in self.vars.iter().enumerate().skip(i) {
                at.insert(v.name.clone(), k);
            }
        }
    }
}

/// What a name refers to.
enum Lookup<'s> {
    Var(&'s Var),
    Const,
    Unknown,
}

struct Checker<'p> {
    dialect: Dialect,
    strict: bool,
    catalogue: &'p [KernelSig],
    kernel_uses: Vec<KernelUse>,
    /// Folded constant values.
    consts: HashMap<String, u64>,
    /// Every declared constant (also those that failed to fold), with its name's span.
    const_names: HashMap<String, Span>,
    /// Gene name → its first definition.
    genes: HashMap<&'p str, &'p Gene>,
    diags: Vec<Diagnostic>,
    lossy: Vec<Span>,
    depth: u32,
    too_deep: bool,
}

impl<'p> Checker<'p> {
    /// A type as the program's language writes it: Janus's `int`, `int[3]` and `stack`.
    fn type_name(&self, ty: Type) -> String {
        match (self.dialect, ty) {
            (Dialect::Janus, Type::I64) => "int".into(),
            (Dialect::Janus, Type::Array(Elem::I64, n)) => format!("int[{n}]"),
            _ => ty.to_string(),
        }
    }

    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Enters one nesting level; false (and one E0901) past [`MAX_DEPTH`].
    fn enter(&mut self, span: Span) -> bool {
        if self.depth >= MAX_DEPTH {
            if !self.too_deep {
                self.too_deep = true;
                self.err(
                    Diagnostic::error(E0901, format!("nesting deeper than {MAX_DEPTH} levels"), span)
                        .hint("split the computation into smaller genes"),
                );
            }
            return false;
        }
        self.depth += 1;
        true
    }

    fn lookup<'s>(&self, scope: &'s Scope, name: &str) -> Lookup<'s> {
        match scope.get(name) {
            Some(v) => Lookup::Var(v),
            None if self.const_names.contains_key(name) => Lookup::Const,
            None => Lookup::Unknown,
        }
    }

    /// Why jana's rules refuse `printf fmt, names` (None when they accept it, or when a name
    /// is not a variable: that is reported on its own).
    fn printf_refusal(&self, fmt: &str, names: &[Ident], scope: &Scope) -> Option<String> {
        use crate::janus::printf::{Kind, printf_plan};
        let kinds = names
            .iter()
            .map(|n| match self.lookup(scope, &n.name) {
                Lookup::Var(v) => Some(Kind::of_type(v.ty)),
                _ => None,
            })
            .collect::<Option<Vec<Kind>>>()?;
        printf_plan(fmt, &kinds).err().map(|e| e.to_string())
    }

    fn unknown(&mut self, name: &Ident, scope: &Scope) {
        let mut d = Diagnostic::error(E0201, format!("unknown variable `{}`", name.name), name.span)
            .note("not a parameter, a local in scope or a constant");
        if self.genes.contains_key(name.name.as_str()) {
            d = d.hint(format!("`{}` is a gene; genes are run with `call {}(...)`", name.name, name.name));
        } else {
            let names =
                scope.vars.iter().map(|v| v.name.as_str()).chain(self.const_names.keys().map(String::as_str));
            if let Some(close) = closest(&name.name, names) {
                d = d.hint(format!("did you mean `{close}`?"));
            }
        }
        self.err(d);
    }

    // ---- constants ------------------------------------------------------------------------

    fn constant(&mut self, c: &Const) {
        let name = &c.name.name;
        if let Some(&first) = self.const_names.get(name) {
            self.err(
                Diagnostic::error(E0204, format!("constant `{name}` is defined twice"), c.name.span)
                    .label(first, "first defined here"),
            );
            return;
        }
        self.const_names.insert(name.clone(), c.name.span);
        match fold(self.dialect, &c.value, &self.consts) {
            Ok(v) => {
                self.consts.insert(name.clone(), v);
            }
            Err(e) => self.fold_error(e, name),
        }
    }

    fn fold_error(&mut self, e: FoldError, const_name: &str) {
        let d = match e {
            FoldError::NotConstant(n, span)
                if self.const_names.contains_key(&n) && !self.consts.contains_key(&n) =>
            {
                // Defined but failed (or is this constant itself): already reported or circular.
                if n == const_name {
                    Diagnostic::error(E0406, format!("constant `{n}` refers to itself"), span)
                } else {
                    return;
                }
            }
            FoldError::NotConstant(n, span) => {
                Diagnostic::error(E0406, format!("unknown constant `{n}`"), span)
                    .note("not a constant defined above")
                    .hint("a constant's value may use only literals and constants defined before it")
            }
            FoldError::NotFoldable(span) => Diagnostic::error(
                E0405,
                format!("the value of `{const_name}` is not a constant expression"),
                span,
            )
            .hint("use literals, constants and operators only"),
            FoldError::ShiftTooFar(span) => {
                Diagnostic::error(E0405, format!("the value of `{const_name}` shifts by 64 or more"), span)
                    .hint("shift amounts in constants must be below 64")
            }
            FoldError::DivByZero(span) => {
                Diagnostic::error(E0407, format!("division by zero in the value of `{const_name}`"), span)
            }
        };
        self.err(d);
    }

    // ---- genes and types ------------------------------------------------------------------

    /// Checks gene `g` whose body (taken out of it) is `body`.
    fn gene(&mut self, g: &Gene, body: &mut Block) {
        let mut scope = Scope::default();
        for p in &g.params {
            self.param(p, &mut scope);
        }
        self.depth = 0;
        self.block(body, &mut scope);
    }

    fn param(&mut self, p: &Param, scope: &mut Scope) {
        self.check_type(p.ty, p.ty_span);
        if !self.fresh_name(&p.name, scope, "parameter") {
            return;
        }
        let name = p.name.name.clone();
        scope.push(Var { key: NameKey::of(&name), name, ty: p.ty, span: p.name.span, local: false });
    }

    /// Reports E0204 when `name` is already a variable in scope or a constant.
    fn fresh_name(&mut self, name: &Ident, scope: &Scope, what: &str) -> bool {
        let earlier = match scope.get(&name.name) {
            Some(v) => Some((v.span, if v.local { "a local" } else { "a parameter" })),
            None => self.const_names.get(&name.name).map(|&s| (s, "a constant")),
        };
        match earlier {
            Some((span, kind)) => {
                self.err(
                    Diagnostic::error(
                        E0204,
                        format!("{what} `{}` reuses the name of {kind} in scope", name.name),
                        name.span,
                    )
                    .label(span, format!("`{}` is declared here", name.name))
                    .hint("rdx has no shadowing: choose another name"),
                );
                false
            }
            None => true,
        }
    }

    fn check_type(&mut self, ty: Type, span: Span) {
        if let Type::Array(_, n) = ty {
            if n == 0 {
                self.err(
                    Diagnostic::error(E0408, "array of length 0", span)
                        .hint("arrays need at least one element"),
                );
            } else if n > MAX_ARRAY_LEN {
                self.err(Diagnostic::error(
                    E0901,
                    format!("array of {n} elements is longer than the limit ({MAX_ARRAY_LEN})"),
                    span,
                ));
            }
        }
    }

    // ---- blocks and statements ------------------------------------------------------------

    // The statement and expression walks below rewrite the tree into the IR as they go. Where
    // they report an error the rewritten tree is thrown away, so what error paths leave in it
    // does not matter.

    fn block(&mut self, b: &mut Block, scope: &mut Scope) {
        let base = scope.vars.len();
        // Locals opened by this block and not yet delocalled, in opening order.
        let mut open: Vec<(Ident, Type)> = Vec::new();
        for s in &mut b.stmts {
            self.stmt(s, scope, &mut open);
        }
        for (name, _) in &open {
            self.err(
                Diagnostic::error(
                    E0304,
                    format!("local `{}` has no `delocal` in its block", name.name),
                    name.span,
                )
                .note("opened here")
                .label(Span::new(b.span.end.saturating_sub(1), b.span.end), "the block ends here")
                .hint(format!("add `delocal {} = <final value>` before the end of the block", name.name)),
            );
        }
        scope.truncate(base);
    }

    fn stmt(&mut self, s: &mut Stmt, scope: &mut Scope, open: &mut Vec<(Ident, Type)>) {
        if !self.enter(s.span) {
            // Already an error (E0901): the deep subtree is not walked.
            s.kind = StmtKind::Skip;
            return;
        }
        // `if` and `from` nest: they go through small frames, not the large `stmt_kind` one,
        // so deep nesting costs little stack.
        match &mut s.kind {
            StmtKind::If { cond, then_block, else_block, fi } => {
                self.if_stmt(cond, then_block, else_block.as_mut(), fi, scope)
            }
            StmtKind::From { entry, body, again, until } => {
                self.loop_stmt(entry, body, again.as_mut(), until, scope)
            }
            StmtKind::Undo(_) => self.undo(s, scope, open),
            _ => self.stmt_kind(s, scope, open),
        }
        self.depth -= 1;
    }

    fn stmt_kind(&mut self, s: &mut Stmt, scope: &mut Scope, open: &mut Vec<(Ident, Type)>) {
        use StmtKind::*;
        let span = s.span;
        match &mut s.kind {
            Update { target, value, .. } => {
                let ok = self.place(target, scope);
                self.expr(value, scope);
                if ok {
                    self.index_rule(target, &[target]);
                    self.self_reference(target, value, "updated");
                }
            }
            Mul { target, factor } => {
                if self.place(target, scope) {
                    self.index_rule(target, &[target]);
                }
                match self.const_operand(factor, scope, E0401, "multiplier") {
                    Some(c) if c & 1 == 0 => {
                        // As written: `x *= -128` is the word 2^64 - 128.
                        let shown = if (c as i64) < 0 { (c as i64).to_string() } else { c.to_string() };
                        self.err(
                            Diagnostic::error(E0402, format!("multiplier {shown} is even"), factor.span)
                                .note("an even factor has no inverse modulo 2^64")
                                .hint("multiply by an odd constant; `x *= 2` loses the top bit of x"),
                        );
                    }
                    Some(c) => factor.kind = ExprKind::Int(c),
                    None => {}
                }
            }
            XorShift { target, amount, dir } => {
                if self.place(target, scope) {
                    self.index_rule(target, &[target]);
                    if *dir == crate::ast::Dir::Right
                        && let Some(w) = self.place_type(target, scope).and_then(Type::width)
                        && w.signed
                    {
                        self.err(
                            Diagnostic::error(
                                E0217,
                                format!("`^= {} >> c` on `{}`, a signed `{}`", target.name.name, target.name.name, w.as_str()),
                                target.span,
                            )
                            .hint("declare it unsigned (`u8`, `u16`, `u32`): the xorshift step shifts in zeros at the width"),
                        );
                    }
                }
                match self.const_operand(amount, scope, E0403, "shift amount") {
                    Some(c) if !(1..=63).contains(&c) => {
                        self.err(
                            Diagnostic::error(
                                E0404,
                                format!("shift amount {c} is outside 1..=63"),
                                amount.span,
                            )
                            .hint("an xorshift step needs a shift between 1 and 63"),
                        );
                    }
                    Some(c) => amount.kind = ExprKind::Int(c),
                    None => {}
                }
            }
            Rotate { target, amount, .. } => {
                let ok = self.place(target, scope);
                self.expr(amount, scope);
                if ok {
                    self.index_rule(target, &[target]);
                    let name = &target.name.name;
                    match rules::reads_array(amount, name) {
                        // Stricter than `+=`: any element of the rotated array is refused.
                        Some(read) if target.index.is_some() => self.err(
                            Diagnostic::error(
                                E0301,
                                format!("the rotation amount reads the array `{name}` being rotated"),
                                read,
                            )
                            .label(target.span, "rotated here")
                            .hint("copy the amount into a local first"),
                        ),
                        _ => self.self_reference(target, amount, "rotated"),
                    }
                }
                if let Ok(c) = fold(self.dialect, amount, &self.consts) {
                    amount.kind = ExprKind::Int(c);
                }
            }
            Neg(p) | Not(p) => {
                if self.place(p, scope) {
                    self.index_rule(p, &[p]);
                }
            }
            Swap(a, b) => self.swap(a, b, scope),
            If { cond, then_block, else_block, fi } => {
                self.if_stmt(cond, then_block, else_block.as_mut(), fi, scope)
            }
            From { entry, body, again, until } => self.loop_stmt(entry, body, again.as_mut(), until, scope),
            Call { gene, args, uncall } => self.call(gene, args, *uncall, scope),
            Local { name, ty, init } => self.local(name, *ty, init, scope, open),
            Delocal { name, ty, value } => self.delocal(name, ty, value, scope, open),
            Push { value: p, stack } => {
                let ok = self.place(p, scope);
                self.stack_operand(stack, scope, "push");
                if ok {
                    self.index_rule(p, &[p]);
                    self.stack_index_rule(p, stack, "push");
                }
            }
            Pop { target: p, stack } => {
                let ok = self.place(p, scope);
                self.stack_operand(stack, scope, "pop");
                if ok {
                    self.index_rule(p, &[p]);
                    self.stack_index_rule(p, stack, "pop");
                }
            }
            Assert(e) => self.expr(e, scope),
            Skip | Error(_) => {}
            Kernel { name, buf } => self.kernel(name, buf, span, scope),
            // Going backward the write's index is computed again, after the write: it must
            // not read the array written (`a[a[0]] := 3` would name another element).
            Assign { target, value } => {
                self.lossy(span, ":=");
                self.place(target, scope);
                self.expr(value, scope);
                self.index_rule(target, &[target]);
            }
            Erase(p) => {
                self.lossy(span, "erase");
                self.place(p, scope);
                self.index_rule(p, &[p]);
            }
            // `stmt` sends `undo` to `undo`.
            Undo(_) => {}
            Print(p) => {
                let (names, kw, fmt): (&[Ident], _, _) = match &*p {
                    crate::ast::Print::Text(_) => (&[], "print", None),
                    crate::ast::Print::Format(f, names) => (names, "printf", Some(f.as_str())),
                    crate::ast::Print::Show(names) => (names, "show", None),
                };
                for n in names {
                    match self.lookup(scope, &n.name) {
                        Lookup::Unknown => self.unknown(n, scope),
                        Lookup::Const => self.err(
                            Diagnostic::error(
                                E0213,
                                format!("constant `{}` named in `{kw}`", n.name),
                                n.span,
                            )
                            .label(self.const_names[&n.name], "defined as a constant here")
                            .hint("output statements print variables: copy it into a local first"),
                        ),
                        // `printf` prints integers; a float buffer is shown with `show`.
                        Lookup::Var(v)
                            if kw == "printf" && matches!(v.ty, Type::Array(Elem::F64 | Elem::C64, _)) =>
                        {
                            let d = Diagnostic::error(
                                E0208,
                                format!("`{}` is `{}`: `printf` prints integers", n.name, v.ty),
                                n.span,
                            )
                            .label(v.span, "declared here")
                            .hint(format!("print a float buffer with `show {}`", n.name));
                            self.err(d);
                        }
                        // An rdx `printf` of an array or a stack follows jana's rules (`%a`,
                        // `%t`): one they refuse is refused here (a Janus program's is jana's
                        // run-time error, decided by the front end).
                        Lookup::Var(v)
                            if self.dialect == Dialect::Rdx
                                && matches!(v.ty, Type::Array(..) | Type::Stack)
                                && let Some(f) = fmt
                                && let Some(e) = self.printf_refusal(f, names, scope) =>
                        {
                            let d = Diagnostic::error(
                                E0208,
                                format!("{e} (`{}` is `{}`)", n.name, self.type_name(v.ty)),
                                n.span,
                            )
                            .label(v.span, "declared here")
                            .hint(
                                "a `printf` of an array or a stack prints as jana's: `%d` an integer, \
                                     `%a` an array, `%t` a stack, `%%` a percent sign",
                            );
                            self.err(d);
                            break;
                        }
                        Lookup::Var(_) => {}
                    }
                }
                // A `printf` of numbers: as many `%d`/`%u`/`%x` as variables, no other directive
                // (one of an array or a stack follows jana's rules, above).
                let listed = |n: &Ident| matches!(self.lookup(scope, &n.name), Lookup::Var(v) if matches!(v.ty, Type::Array(..) | Type::Stack));
                if self.dialect == Dialect::Rdx
                    && let Some(f) = fmt
                    && !names.is_empty()
                    && !names.iter().any(listed)
                    && let Some(e) = number_format_refusal(f, names.len())
                {
                    self.err(Diagnostic::error(E0208, e, span).hint(
                        "a `printf` of numbers takes one `%d` (signed), `%u` (unsigned) or `%x` (hex) per \
                         variable, in order; `%%` prints a percent sign",
                    ));
                }
            }
        }
    }

    fn if_stmt(
        &mut self,
        cond: &mut Expr,
        then_block: &mut Block,
        else_block: Option<&mut Block>,
        fi: &mut Expr,
        scope: &mut Scope,
    ) {
        self.expr(cond, scope);
        self.block(then_block, scope);
        if let Some(b) = else_block {
            self.block(b, scope);
        }
        self.expr(fi, scope);
    }

    fn loop_stmt(
        &mut self,
        entry: &mut Expr,
        body: &mut Block,
        again: Option<&mut Block>,
        until: &mut Expr,
        scope: &mut Scope,
    ) {
        let reads = rules::vars_read(entry);
        let mut changed = std::collections::HashSet::new();
        rules::vars_changed(body, &mut changed);
        if let Some(b) = &again {
            rules::vars_changed(b, &mut changed);
        }
        if !reads.iter().any(|r| changed.contains(r.as_str())) {
            let what = if reads.is_empty() {
                "the entry assertion reads no variable".to_string()
            } else {
                format!(
                    "the loop never changes {}",
                    reads.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
                )
            };
            self.diags.push(
                Diagnostic::warning(W0301, "the entry assertion can never become false", entry.span)
                    .note(what)
                    .hint("the entry assertion must hold on entry and fail on every later iteration; a loop that runs twice stops with an error"),
            );
        }
        drop(changed);
        self.expr(entry, scope);
        self.block(body, scope);
        if let Some(b) = again {
            self.block(b, scope);
        }
        self.expr(until, scope);
    }

    /// `undo s` (the statement `s` holds): kept for statements without a direct inverse,
    /// otherwise replaced by the inverse of the checked inner statement (which carries the
    /// `undo`'s span).
    fn undo(&mut self, s: &mut Stmt, scope: &mut Scope, open: &mut Vec<(Ident, Type)>) {
        let span = s.span;
        let StmtKind::Undo(mut inner) = std::mem::replace(&mut s.kind, StmtKind::Skip) else { return };
        s.kind = match &mut inner.kind {
            // Canonical span: the kept statement spans the whole `undo …`, so that inverting
            // it (which drops the `undo`) and inverting back give the same node.
            StmtKind::XorShift { .. }
            | StmtKind::Kernel { .. }
            | StmtKind::Assign { .. }
            | StmtKind::Erase(_) => {
                self.stmt(&mut inner, scope, open);
                inner.span = span;
                StmtKind::Undo(inner)
            }
            StmtKind::Undo(twice) => {
                self.stmt(twice, scope, open);
                std::mem::replace(&mut twice.kind, StmtKind::Skip)
            }
            // Opening or closing an ancilla changes the scope: invert first, then check.
            StmtKind::Local { .. } | StmtKind::Delocal { .. } => {
                let mut inv = Stmt { kind: crate::invert::invert_stmt(&inner).kind, span };
                self.stmt(&mut inv, scope, open);
                inv.kind
            }
            _ => {
                self.stmt(&mut inner, scope, open);
                crate::invert::invert_stmt(&inner).kind
            }
        };
    }

    /// `kernel name(buf)`: the kernel must be in the catalogue and `buf` an array of its
    /// element type.
    fn kernel(&mut self, name: &Ident, buf: &Ident, span: Span, scope: &Scope) {
        let buf_ty = match self.lookup(scope, &buf.name) {
            Lookup::Var(v) => Some((v.ty, v.span)),
            Lookup::Const => {
                self.err(
                    Diagnostic::error(E0216, format!("constant `{}` passed to a kernel", buf.name), buf.span)
                        .hint("a kernel transforms an array variable in place"),
                );
                None
            }
            Lookup::Unknown => {
                self.unknown(buf, scope);
                None
            }
        };
        let Some(sig) = crate::kernels::find(self.catalogue, &name.name).cloned() else {
            let mut d = Diagnostic::error(E0215, format!("unknown kernel `{}`", name.name), name.span)
                .note("no kernel of this name is loaded");
            d = match closest(&name.name, self.catalogue.iter().map(|k| k.name.as_str())) {
                Some(close) => d.hint(format!("did you mean `{close}`? (`rdx kernels` lists them)")),
                None => d.hint(
                    "`rdx kernels` lists the available kernels; load your own with `--kernel FILE.wasm`",
                ),
            };
            self.err(d);
            return;
        };
        match buf_ty {
            // The length is in the array's type: one the kernel never takes fails every run.
            Some((Type::Array(elem, len), decl)) if elem == sig.elem => {
                let refused = if sig.power_of_two && !len.is_power_of_two() {
                    Some(format!(
                        "a buffer whose length is a power of two, `{}` has {len} elements",
                        buf.name
                    ))
                } else {
                    sig.max_len
                        .filter(|&max| len > max)
                        .map(|max| format!("buffers of at most {max} elements, `{}` has {len}", buf.name))
                };
                match refused {
                    Some(why) => self.err(
                        Diagnostic::error(E0216, format!("kernel `{}` takes {why}", name.name), buf.span)
                            .label(decl, format!("`{}` declared here", buf.name))
                            .note("the call would fail at every run (R0118)"),
                    ),
                    None => self.kernel_uses.push(KernelUse { sig, span }),
                }
            }
            Some((ty, decl)) => {
                let want = sig.elem.as_str();
                // A scalar of the element's type is not a buffer: say so, not only its type.
                let what = match ty {
                    Type::Array(..) => format!("`{ty}`"),
                    Type::Stack => "a stack".to_string(),
                    _ => format!("a `{ty}` scalar, not an array"),
                };
                self.err(
                    Diagnostic::error(
                        E0216,
                        format!("kernel `{}` works on `{want}` buffers, `{}` is {what}", name.name, buf.name),
                        buf.span,
                    )
                    .label(decl, format!("`{}` declared here", buf.name))
                    .hint(format!("pass an array `{want}[N]` to `{}`", name.name)),
                );
            }
            None => {}
        }
    }

    /// E0214: a float buffer (`f64[N]`, `c64[N]`) used where numbers are needed.
    fn float_buffer(&mut self, name: &str, ty: Type, span: Span, decl: Span) {
        self.err(
            Diagnostic::error(
                E0214,
                format!("`{name}` is a `{ty}` buffer and cannot be read or changed here"),
                span,
            )
            .label(decl, "declared here")
            .hint("float buffers may only be passed to genes and kernels (`kernel fft(buf)`)"),
        );
    }

    fn lossy(&mut self, span: Span, what: &str) {
        self.lossy.push(span);
        if self.strict {
            self.err(
                Diagnostic::error(E0306, format!("lossy operation `{what}` in strict mode"), span)
                    .note("this overwrites information (invariant I1)")
                    .hint("rewrite it reversibly (e.g. `x -= <known value>`), or leave out --strict"),
            );
        }
    }

    fn swap(&mut self, a: &mut Place, b: &mut Place, scope: &Scope) {
        let ra = self.place(a, scope);
        let rb = self.place(b, scope);
        if ra && rb {
            let (x, y) = (&*a, &*b);
            let same = x.name.name == y.name.name
                && match (&x.index, &y.index) {
                    (None, None) => true,
                    (Some(i), Some(j)) => rules::same_expr(i, j),
                    _ => false,
                };
            if same {
                self.err(
                    Diagnostic::error(E0302, "`swap` names the same location twice", y.span)
                        .label(x.span, "first named here")
                        .hint("swapping a location with itself does nothing; remove the statement"),
                );
            }
            self.index_rule(x, &[x, y]);
            self.index_rule(y, &[x, y]);
            if let (Some(tx), Some(ty)) = (self.place_type(x, scope), self.place_type(y, scope))
                && tx != ty
                && (tx.width().is_some() || ty.width().is_some())
            {
                self.err(
                    Diagnostic::error(E0217, format!("`swap` of a `{tx}` and a `{ty}`"), y.span)
                        .label(x.span, format!("this is `{tx}`"))
                        .hint("swap locations of the same type; copy through a local to change the width"),
                );
            }
        }
    }

    /// The type of the value at a place: the variable's, or an array's element type.
    fn place_type(&self, p: &Place, scope: &Scope) -> Option<Type> {
        let Lookup::Var(v) = self.lookup(scope, &p.name.name) else { return None };
        match (v.ty, &p.index) {
            (Type::Array(crate::ast::Elem::I64, _), Some(_)) => Some(Type::I64),
            (Type::Array(_, _), Some(_)) => Some(Type::U64),
            (t, None) => Some(t),
            _ => None,
        }
    }

    fn call(&mut self, gene: &Ident, args: &[Ident], uncall: bool, scope: &Scope) {
        let kw = if uncall { "uncall" } else { "call" };
        // Arguments: known variables, each passed once.
        let mut arg_types: Vec<Option<Type>> = Vec::with_capacity(args.len());
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for a in args {
            match self.lookup(scope, &a.name) {
                Lookup::Var(v) => arg_types.push(Some(v.ty)),
                Lookup::Const => {
                    self.err(
                        Diagnostic::error(E0213, format!("constant `{}` passed to {kw}", a.name), a.span)
                            .note("arguments are passed by reference and must be variables")
                            .hint("copy it into a local: `local t: u64 = NAME`"),
                    );
                    arg_types.push(None);
                }
                Lookup::Unknown => {
                    self.unknown(a, scope);
                    arg_types.push(None);
                }
            }
            if let Some(&first) = seen.get(a.name.as_str()) {
                self.err(
                    Diagnostic::error(
                        E0303,
                        format!("`{}` is passed twice to `{}`", a.name, gene.name),
                        a.span,
                    )
                    .label(first, "first passed here")
                    .hint("parameters are references: pass a copy held in a local instead"),
                );
            } else {
                seen.insert(&a.name, a.span);
            }
        }
        let Some(&callee) = self.genes.get(gene.name.as_str()) else {
            let mut d = Diagnostic::error(E0202, format!("unknown gene `{}`", gene.name), gene.span)
                .note(format!("no gene of this name to {kw}"));
            if let Some(close) = closest(&gene.name, self.genes.keys().copied()) {
                d = d.hint(format!("did you mean `{close}`?"));
            }
            self.err(d);
            return;
        };
        if callee.params.len() != args.len() {
            let n = callee.params.len();
            self.err(
                Diagnostic::error(
                    E0205,
                    format!(
                        "`{}` takes {n} argument{}, {} given",
                        gene.name,
                        if n == 1 { "" } else { "s" },
                        args.len()
                    ),
                    gene.span,
                )
                .label(callee.name.span, format!("`{}` is defined here", gene.name)),
            );
            return;
        }
        for ((a, ty), p) in args.iter().zip(arg_types).zip(&callee.params) {
            if let Some(ty) = ty
                && ty != p.ty
            {
                self.err(
                    Diagnostic::error(
                        E0206,
                        format!(
                            "`{}` is `{}` but parameter `{}` is `{}`",
                            a.name,
                            self.type_name(ty),
                            p.name.name,
                            self.type_name(p.ty)
                        ),
                        a.span,
                    )
                    .label(p.ty_span, format!("parameter `{}` declared here", p.name.name))
                    .hint("arguments are passed by reference: their types must be equal"),
                );
            }
        }
    }

    fn local(
        &mut self,
        name: &Ident,
        ty: Type,
        init: &mut Expr,
        scope: &mut Scope,
        open: &mut Vec<(Ident, Type)>,
    ) {
        self.check_type(ty, name.span);
        self.ancilla_value(ty, init, scope, "local");
        if self.fresh_name(name, scope, "local") {
            let key = NameKey::of(&name.name);
            scope.push(Var { name: name.name.clone(), key, ty, span: name.span, local: true });
        }
        // Opened even when the name clashes, so its `delocal` does not report a second error.
        open.push((name.clone(), ty));
    }

    fn delocal(
        &mut self,
        name: &Ident,
        ty: &mut Option<Type>,
        value: &mut Expr,
        scope: &mut Scope,
        open: &mut Vec<(Ident, Type)>,
    ) {
        let Some(pos) = open.iter().rposition(|(n, _)| n.name == name.name) else {
            let mut d = Diagnostic::error(
                E0305,
                format!("`delocal {}` without a `local` in this block", name.name),
                name.span,
            );
            d = match scope.get(&name.name) {
                Some(v) if v.local => d
                    .label(v.span, "opened in an enclosing block")
                    .hint("delocal a local in the block that opened it"),
                Some(v) => d.label(v.span, "a parameter").hint("parameters cannot be delocalled"),
                None => d.hint(format!("open it first with `local {}: u64 = ...`", name.name)),
            };
            self.err(d);
            self.expr(value, scope);
            return;
        };
        if pos + 1 != open.len() {
            let (inner, _) = &open[open.len() - 1];
            self.err(
                Diagnostic::error(
                    E0307,
                    format!("`{}` is delocalled before `{}`", name.name, inner.name),
                    name.span,
                )
                .label(inner.span, format!("`{}` was opened later and is still open", inner.name))
                .hint(format!("delocal `{}` first: locals close in reverse order of opening", inner.name)),
            );
        }
        let (opened, local_ty) = open.remove(pos);
        if let Some(t) = *ty
            && t != local_ty
        {
            self.err(
                Diagnostic::error(
                    E0211,
                    format!("`delocal {}: {t}` but the local is `{local_ty}`", name.name),
                    name.span,
                )
                .label(opened.span, format!("declared `{local_ty}` here")),
            );
        }
        self.ancilla_value(local_ty, value, scope, "delocal");
        // The value may not read the local itself: a scalar by name, an array by an element or
        // `size` (the compiler computes the value after the local is gone).
        let read = if local_ty.is_scalar() {
            rules::reads_var(value, &name.name)
        } else {
            rules::reads_array(value, &name.name).or_else(|| rules::reads_stack(value, &name.name))
        };
        if let Some(read) = read {
            self.err(
                Diagnostic::error(
                    E0301,
                    format!("the final value of `{}` reads `{}` itself", name.name, name.name),
                    read,
                )
                .label(name.span, "delocalled here")
                .hint("give the value the ancilla must hold, without reading it"),
            );
        }
        scope.close_local(&name.name);
        *ty = Some(local_ty);
    }

    /// The value of a `local`/`delocal`: `nil` for a stack, a number otherwise.
    fn ancilla_value(&mut self, ty: Type, e: &mut Expr, scope: &Scope, kw: &str) {
        match (ty, &e.kind) {
            (Type::Stack, ExprKind::Nil) => {}
            (Type::Stack, _) => {
                self.err(
                    Diagnostic::error(E0212, format!("a stack `{kw}` must have the value `nil`"), e.span)
                        .hint("stack ancillas start and end empty: write `nil`"),
                );
            }
            (Type::Array(elem, _), kind) if elem.is_float() => {
                if !matches!(kind, ExprKind::Int(0)) {
                    self.err(
                        Diagnostic::error(E0214, format!("a `{ty}` `{kw}` must have the value `0`"), e.span)
                            .hint("float buffer ancillas start and end as all zeros (+0.0): write `0`"),
                    );
                }
            }
            _ => self.expr(e, scope),
        }
    }

    fn stack_operand(&mut self, stack: &Ident, scope: &Scope, kw: &str) {
        match self.lookup(scope, &stack.name) {
            Lookup::Var(v) if v.ty == Type::Stack => {}
            Lookup::Var(v) => {
                let ty = v.ty;
                self.err(
                    Diagnostic::error(
                        E0209,
                        format!("`{kw}` needs a stack, `{}` is `{}`", stack.name, self.type_name(ty)),
                        stack.span,
                    )
                    .label(v.span, "declared here"),
                )
            }
            Lookup::Const => self.err(Diagnostic::error(
                E0209,
                format!("`{kw}` needs a stack, `{}` is a constant", stack.name),
                stack.span,
            )),
            Lookup::Unknown => self.unknown(stack, scope),
        }
    }

    // ---- reversibility rules on places ----------------------------------------------------

    /// E0308: the index of `p` must not read any array among `changed`.
    fn index_rule(&mut self, p: &Place, changed: &[&Place]) {
        let Some(index) = &p.index else { return };
        for c in changed {
            if c.index.is_none() {
                if let Some(read) = rules::reads_var(index, &c.name.name) {
                    self.err(
                        Diagnostic::error(
                            E0308,
                            format!(
                                "the index of `{}` reads `{}`, which this statement changes",
                                p.name.name, c.name.name
                            ),
                            read,
                        )
                        .label(c.span, "changed here")
                        .hint("copy the index into a local first"),
                    );
                    return;
                }
            } else if let Some(read) = rules::reads_array(index, &c.name.name) {
                self.err(
                    Diagnostic::error(
                        E0308,
                        format!(
                            "the index of `{}` reads the array `{}` it changes",
                            p.name.name, c.name.name
                        ),
                        read,
                    )
                    .label(c.span, "changed here")
                    .hint("copy the index into a local first"),
                );
                return;
            }
        }
    }

    /// E0308 for `push`/`pop`: the index of `p` must not read the stack the statement
    /// changes (`push a[size(s)], s`): the element is swapped out before the stack moves and
    /// back after, so the index would name another element the second time.
    fn stack_index_rule(&mut self, p: &Place, stack: &Ident, kw: &str) {
        let Some(index) = &p.index else { return };
        if let Some(read) = rules::reads_stack(index, &stack.name) {
            self.err(
                Diagnostic::error(
                    E0308,
                    format!(
                        "the index of `{}` reads the stack `{}` this `{kw}` changes",
                        p.name.name, stack.name
                    ),
                    read,
                )
                .label(stack.span, format!("changed by the `{kw}`"))
                .hint("copy the index into a local first"),
            );
        }
    }

    /// E0301: `value` must not read the location `target`.
    fn self_reference(&mut self, target: &Place, value: &Expr, verb: &str) {
        let name = &target.name.name;
        let read = match &target.index {
            None => rules::reads_var(value, name),
            Some(i) => rules::reads_element(value, name, i),
        };
        if let Some(read) = read {
            let loc = if target.index.is_some() { format!("{name}[…]") } else { name.clone() };
            self.err(
                Diagnostic::error(E0301, format!("`{loc}` is {verb} by an expression that reads it"), read)
                    .note("reads the location being changed")
                    .label(target.span, format!("{verb} here"))
                    .hint("the right-hand side must not read the updated location: the old value could not be recovered going backward"),
            );
        }
    }

    // ---- places and expressions -----------------------------------------------------------

    /// Resolves a place that must denote one 64-bit location.
    /// Whether `p` is a 64-bit location (its index, if any, is checked and folded in place).
    /// W0302: a constant index outside the array (`a[4]` of a `u64[4]`) fails whenever it
    /// runs (R0109).
    fn constant_index(&mut self, name: &str, index: &Expr, len: u64, decl: Span) {
        let Ok(k) = fold(self.dialect, index, &self.consts) else { return };
        // (An array of length 0 is E0408 already.)
        if k < len || len == 0 {
            return;
        }
        // A negative index (two's complement) as the program wrote it.
        let shown = if k > i64::MAX as u64 { (k as i64).to_string() } else { k.to_string() };
        let last = len - 1;
        // A Janus multi-dimensional array (its rdx name carries its shape, `m[2][3]`): a
        // subscript outside its dimension made the flat index 2^32 or more (`spec/janus.md`).
        let (message, hint) = if name.contains('[') && k >= 1 << 32 {
            (
                format!(
                    "a subscript of `{name}` is outside its dimension: a run that gets here fails (R0109)"
                ),
                format!("each subscript of `{name}` goes from 0 to its dimension less one"),
            )
        } else {
            (
                format!(
                    "index {shown} is outside `{name}` ({len} elements): a run that gets here fails (R0109)"
                ),
                format!("indices of `{name}` go from 0 to {last}"),
            )
        };
        self.err(Diagnostic::warning(W0302, message, index.span).label(decl, "declared here").hint(hint));
    }

    fn place(&mut self, p: &mut Place, scope: &Scope) -> bool {
        let var = match self.lookup(scope, &p.name.name) {
            Lookup::Var(v) => (v.ty, v.span),
            Lookup::Const => {
                self.err(
                    Diagnostic::error(E0213, format!("constant `{}` cannot be changed", p.name.name), p.span)
                        .label(self.const_names[&p.name.name], "defined as a constant here"),
                );
                return false;
            }
            Lookup::Unknown => {
                self.unknown(&p.name, scope);
                if let Some(i) = &mut p.index {
                    self.expr(i, scope);
                }
                return false;
            }
        };
        let (ty, decl) = var;
        match (&mut p.index, ty) {
            (None, t) if t.is_scalar() => true,
            (None, Type::Array(el, _)) if el.is_float() => {
                self.float_buffer(&p.name.name, ty, p.span, decl);
                false
            }
            (None, _) => {
                let hint = if ty == Type::Stack {
                    "use `push`/`pop` to change a stack"
                } else {
                    "index the array: `a[i]`"
                };
                self.err(
                    Diagnostic::error(
                        E0208,
                        format!("`{}` is `{}`, not a number", p.name.name, self.type_name(ty)),
                        p.span,
                    )
                    .label(decl, "declared here")
                    .hint(hint),
                );
                false
            }
            (Some(i), Type::Array(elem, _)) if elem.is_float() => {
                self.float_buffer(&p.name.name, ty, p.span, decl);
                self.expr(i, scope);
                false
            }
            (Some(i), Type::Array(_, len)) => {
                self.expr(i, scope);
                self.constant_index(&p.name.name, i, len, decl);
                true
            }
            (Some(i), _) => {
                self.err(
                    Diagnostic::error(
                        E0207,
                        format!("`{}` is `{}` and cannot be indexed", p.name.name, self.type_name(ty)),
                        p.span,
                    )
                    .label(decl, "declared here"),
                );
                self.expr(i, scope);
                false
            }
        }
    }

    /// A constant operand (multiplier, shift amount): reports `code` when it does not fold.
    fn const_operand(&mut self, e: &mut Expr, scope: &Scope, code: Code, what: &str) -> Option<u64> {
        match fold(self.dialect, e, &self.consts) {
            Ok(v) => Some(v),
            Err(FoldError::NotConstant(n, span)) if matches!(self.lookup(scope, &n), Lookup::Unknown) => {
                self.unknown(&Ident { name: n, span }, scope);
                None
            }
            Err(FoldError::NotConstant(n, _)) if self.const_names.contains_key(&n) => None,
            Err(FoldError::NotConstant(_, _) | FoldError::NotFoldable(_)) => {
                self.expr(e, scope);
                self.err(
                    Diagnostic::error(code, format!("the {what} must be a constant"), e.span)
                        .note("reads a variable")
                        .hint(format!("write the {what} with literals and `const`s only")),
                );
                None
            }
            Err(FoldError::ShiftTooFar(span)) => {
                self.err(Diagnostic::error(E0405, format!("the {what} shifts by 64 or more"), span));
                None
            }
            Err(FoldError::DivByZero(span)) => {
                self.err(Diagnostic::error(E0407, format!("division by zero in the {what}"), span));
                None
            }
        }
    }

    /// Checks an expression that must give a 64-bit value, folding its constants in place.
    fn expr(&mut self, e: &mut Expr, scope: &Scope) {
        if !self.enter(e.span) {
            e.kind = ExprKind::Int(0);
            return;
        }
        self.expr_inner(e, scope);
        self.depth -= 1;
    }

    fn expr_inner(&mut self, e: &mut Expr, scope: &Scope) {
        let span = e.span;
        match &mut e.kind {
            ExprKind::Int(_) => {}
            ExprKind::Var(name) => {
                let folded = match self.lookup(scope, name) {
                    Lookup::Var(v) if v.ty.is_scalar() => None,
                    Lookup::Var(v) if matches!(v.ty, Type::Array(el, _) if el.is_float()) => {
                        let (ty, decl) = (v.ty, v.span);
                        self.float_buffer(name, ty, span, decl);
                        None
                    }
                    Lookup::Var(v) => {
                        let (ty, decl) = (v.ty, v.span);
                        let hint = if ty == Type::Stack {
                            "read the top with `top(s)`"
                        } else {
                            "index the array: `a[i]`"
                        };
                        self.err(
                            Diagnostic::error(
                                E0208,
                                format!("`{name}` is `{}`, not a number", self.type_name(ty)),
                                span,
                            )
                            .label(decl, "declared here")
                            .hint(hint),
                        );
                        None
                    }
                    Lookup::Const => self.consts.get(name.as_str()).copied(),
                    Lookup::Unknown => {
                        self.unknown(&Ident { name: name.clone(), span }, scope);
                        None
                    }
                };
                if let Some(v) = folded {
                    e.kind = ExprKind::Int(v);
                }
            }
            ExprKind::Index(name, i) => {
                self.expr(i, scope);
                match self.lookup(scope, &name.name) {
                    Lookup::Var(v) if matches!(v.ty, Type::Array(e, _) if e.is_float()) => {
                        let (ty, decl) = (v.ty, v.span);
                        self.float_buffer(&name.name, ty, span, decl);
                    }
                    Lookup::Var(v) if matches!(v.ty, Type::Array(..)) => {
                        if let Type::Array(_, len) = v.ty {
                            let decl = v.span;
                            self.constant_index(&name.name, i, len, decl);
                        }
                    }
                    Lookup::Var(v) => {
                        let (ty, decl) = (v.ty, v.span);
                        self.err(
                            Diagnostic::error(
                                E0207,
                                format!("`{}` is `{}` and cannot be indexed", name.name, self.type_name(ty)),
                                span,
                            )
                            .label(decl, "declared here"),
                        );
                    }
                    Lookup::Const => self.err(Diagnostic::error(
                        E0207,
                        format!("constant `{}` cannot be indexed", name.name),
                        span,
                    )),
                    Lookup::Unknown => self.unknown(name, scope),
                }
            }
            ExprKind::Unary(_, inner) => self.expr(inner, scope),
            ExprKind::Binary(_, l, r) => {
                self.expr(l, scope);
                self.expr(r, scope);
            }
            ExprKind::Builtin(f, name) => self.builtin(*f, name, scope),
            ExprKind::Nil => {
                self.err(
                    Diagnostic::error(E0212, "`nil` is not a number", span)
                        .hint("`nil` only initialises or finalises a `stack` local"),
                );
            }
        }
    }

    fn builtin(&mut self, f: Builtin, name: &Ident, scope: &Scope) {
        let fname = match f {
            Builtin::Empty => "empty",
            Builtin::Top => "top",
            Builtin::Size => "size",
        };
        let ty = match self.lookup(scope, &name.name) {
            Lookup::Var(v) => Some((v.ty, v.span)),
            Lookup::Const => None,
            Lookup::Unknown => {
                self.unknown(name, scope);
                return;
            }
        };
        match (f, ty) {
            (Builtin::Size, Some((ty @ Type::Array(e, _), decl))) if e.is_float() => {
                self.float_buffer(&name.name, ty, name.span, decl);
            }
            (Builtin::Size, Some((Type::Array(..) | Type::Stack, _))) => {}
            (Builtin::Empty | Builtin::Top, Some((Type::Stack, _))) => {}
            (Builtin::Size, other) => {
                let mut d = Diagnostic::error(E0210, format!("`size({})` of a scalar", name.name), name.span)
                    .hint("`size` is defined for arrays and stacks");
                if let Some((_, decl)) = other {
                    d = d.label(decl, "declared here");
                }
                self.err(d);
            }
            (_, other) => {
                let what =
                    other.map_or("a constant".to_string(), |(t, _)| format!("`{}`", self.type_name(t)));
                self.err(Diagnostic::error(
                    E0209,
                    format!("`{fname}` needs a stack, `{}` is {what}", name.name),
                    name.span,
                ));
            }
        }
    }
}

/// The most alternatives [`alternatives`] lists.
pub const LISTED: usize = 12;

/// What a message about an unknown `name` adds in parentheses: the likely one ([`closest`]),
/// then `label` and the names there are, shown by `shown` (the first [`LISTED`] of a longer
/// list, with the count): `` (did you mean `fib`? the genes are: fib, main)``.
pub fn alternatives(name: &str, label: &str, names: &[&str], shown: impl Fn(usize) -> String) -> String {
    let hint =
        closest(name, names.iter().copied()).map(|c| format!("did you mean `{c}`? ")).unwrap_or_default();
    let list: Vec<String> = (0..names.len().min(LISTED)).map(shown).collect();
    let list = match names.len() {
        0 => "none".to_string(),
        n if n > LISTED => format!("{}, … {n} in all", list.join(", ")),
        _ => list.join(", "),
    };
    format!(" ({hint}{label} {list})")
}

/// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo
/// (at most one edit per three characters, so names shorter than three get none); ties go to the first in sorted
/// order so the hint is deterministic.
/// Why a `printf` of `vars` numbers with format `fmt` is refused: a directive other than
/// `%d`, `%i`, `%u`, `%x` and `%%`, a `%` at the end, or another number of directives than of
/// variables (None: accepted).
fn number_format_refusal(fmt: &str, vars: usize) -> Option<String> {
    let mut directives = 0;
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        match chars.next() {
            Some('d' | 'i' | 'u' | 'x') => directives += 1,
            Some('%') => {}
            Some(other) => return Some(format!("`printf`: unknown directive `%{other}` for a number")),
            None => {
                return Some(
                    "`printf`: the format ends with a `%` alone (`%%` prints a percent sign)".into(),
                );
            }
        }
    }
    let count = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    (directives != vars).then(|| {
        format!(
            "`printf` has {} for {}",
            count(directives, "directive", "directives"),
            count(vars, "variable", "variables")
        )
    })
}

fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = name.chars().count() / 3;
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(name, c);
        if d > 0 && d <= limit && best.is_none_or(|(bd, bc)| (d, c) < (bd, bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Edit distance over characters counting insertions, deletions, substitutions and swaps of
/// two neighbours (optimal string alignment), so `stpe` is one edit from `step`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        d[i * width] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = v;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("x1", "x1"), 0);
        assert_eq!(edit_distance("stpe", "step"), 1);
    }

    #[test]
    fn closest_name() {
        let names = ["total", "count", "x"];
        assert_eq!(closest("totl", names.iter().copied()), Some("total"));
        assert_eq!(closest("y", names.iter().copied()), None);
        assert_eq!(closest("zzzzzz", names.iter().copied()), None);
    }
}
