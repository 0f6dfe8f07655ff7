//! proptest strategies that build rdx syntax trees (enabled by the `gen` cargo feature).
//!
//! Two families:
//! - [`arb_program`] and its parts ([`arb_expr`], [`arb_stmt`], …): any tree the printer can
//!   print and the parser can read back; names, types and reversibility rules are ignored. For
//!   syntax round trips and for the inverter (`invert(invert(p)) == p`).
//! - [`arb_valid_program`]: programs that pass the checker (in non-strict mode when lossy
//!   statements are asked for), terminate, and never fail an assertion, from any values of the
//!   entry gene's parameters, run forward or backward. For the interpreter and the JIT:
//!   `run_back(p, run(p, s)) == s`. They are built from a random recipe (numbers only) by a
//!   deterministic builder that keeps every rule: updates never read their target, an `if`'s
//!   branches leave its condition's variables alone (so `fi` repeats the condition), every loop
//!   runs a fresh counter from 0 to a constant, calls only go to later genes (no recursion) and
//!   stay within [`CALL_BUDGET`] statements, and divisions are by `(e | 1)`. Variables pushed
//!   onto a local stack are popped back from it; in [`arb_fixed_program`]'s programs a value
//!   may then go back into a variable of another type, and a run stops (R0113) when it does
//!   not fit.
//!
//! All spans are `Span::default()`.

use crate::ast::*;
use crate::token::is_keyword;
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

// ================================================================ syntactic trees

/// A name that is not a keyword (includes `size`, `top`, `empty`, which are not reserved).
pub fn arb_name() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(vec!["x", "y", "n", "a", "s", "x1", "x2", "tmp", "size", "top", "empty"])
            .prop_map(str::to_string),
        1 => "[a-z_][a-z0-9_]{0,6}".prop_filter("not a keyword", |s| !is_keyword(s)),
    ]
    .boxed()
}

/// An identifier node with a default span.
pub fn arb_ident() -> BoxedStrategy<Ident> {
    arb_name().prop_map(ident).boxed()
}

fn ident(name: impl Into<String>) -> Ident {
    Ident { name: name.into(), span: Span::default() }
}

/// Any of the seven types, with any array length.
pub fn arb_type() -> BoxedStrategy<Type> {
    prop_oneof![
        Just(Type::U64),
        Just(Type::I64),
        Just(Type::Stack),
        any::<u64>().prop_map(|n| Type::Array(Elem::U64, n)),
        (0u64..16).prop_map(|n| Type::Array(Elem::I64, n)),
        (1u64..16).prop_map(|n| Type::Array(Elem::F64, n)),
        (1u64..16).prop_map(|n| Type::Array(Elem::C64, n)),
    ]
    .boxed()
}

fn arb_binop() -> impl Strategy<Value = BinOp> {
    use BinOp::*;
    prop::sample::select(vec![
        Mul, Div, Mod, Add, Sub, Shl, Shr, And, Xor, Or, Eq, Ne, Lt, Le, Gt, Ge, LogAnd, LogOr,
    ])
}

fn arb_unop() -> impl Strategy<Value = UnOp> {
    prop::sample::select(vec![UnOp::Neg, UnOp::BitNot, UnOp::Not])
}

fn e(kind: ExprKind) -> Expr {
    Expr::new(kind, Span::default())
}

/// Any expression, a few levels deep.
pub fn arb_expr() -> BoxedStrategy<Expr> {
    let leaf = prop_oneof![
        4 => prop_oneof![any::<u64>(), 0u64..100].prop_map(|n| e(ExprKind::Int(n))),
        4 => arb_name().prop_map(|n| e(ExprKind::Var(n))),
        1 => Just(e(ExprKind::Nil)),
        1 => (prop::sample::select(vec![Builtin::Empty, Builtin::Top, Builtin::Size]), arb_ident())
            .prop_map(|(b, x)| e(ExprKind::Builtin(b, x))),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            1 => (arb_ident(), inner.clone()).prop_map(|(a, i)| e(ExprKind::Index(a, Box::new(i)))),
            1 => (arb_unop(), inner.clone()).prop_map(|(op, x)| e(ExprKind::Unary(op, Box::new(x)))),
            3 => (arb_binop(), inner.clone(), inner)
                .prop_map(|(op, l, r)| e(ExprKind::Binary(op, Box::new(l), Box::new(r)))),
        ]
    })
    .boxed()
}

/// A variable or an array element.
pub fn arb_place() -> BoxedStrategy<Place> {
    (arb_ident(), prop::option::of(arb_expr()))
        .prop_map(|(name, index)| Place { name, index: index.map(Box::new), span: Span::default() })
        .boxed()
}

fn stmt(kind: StmtKind) -> Stmt {
    Stmt { kind, span: Span::default() }
}

fn block(stmts: Vec<Stmt>) -> Block {
    Block { stmts, span: Span::default() }
}

fn arb_dir() -> impl Strategy<Value = Dir> {
    prop_oneof![Just(Dir::Left), Just(Dir::Right)]
}

/// The statements `undo` may take: xorshift, `:=`, `erase`.
fn arb_undoable() -> BoxedStrategy<Stmt> {
    prop_oneof![
        (arb_place(), arb_dir(), arb_expr()).prop_map(|(target, dir, amount)| stmt(StmtKind::XorShift {
            target,
            dir,
            amount
        })),
        (arb_place(), arb_expr()).prop_map(|(target, value)| stmt(StmtKind::Assign { target, value })),
        arb_place().prop_map(|p| stmt(StmtKind::Erase(p))),
        (arb_ident(), arb_ident()).prop_map(|(name, buf)| stmt(StmtKind::Kernel { name, buf })),
    ]
    .boxed()
}

fn arb_simple_stmt() -> BoxedStrategy<Stmt> {
    let update = prop::sample::select(vec![UpdateOp::Add, UpdateOp::Sub, UpdateOp::Xor]);
    prop_oneof![
        4 => (arb_place(), update, arb_expr())
            .prop_map(|(target, op, value)| stmt(StmtKind::Update { target, op, value })),
        1 => (arb_place(), arb_expr()).prop_map(|(target, factor)| stmt(StmtKind::Mul { target, factor })),
        1 => arb_undoable(),
        1 => (arb_place(), arb_dir(), arb_expr())
            .prop_map(|(target, dir, amount)| stmt(StmtKind::Rotate { target, dir, amount })),
        1 => arb_place().prop_map(|p| stmt(StmtKind::Neg(p))),
        1 => arb_place().prop_map(|p| stmt(StmtKind::Not(p))),
        1 => (arb_place(), arb_place()).prop_map(|(a, b)| stmt(StmtKind::Swap(a, b))),
        1 => (arb_ident(), prop::collection::vec(arb_ident(), 0..4), any::<bool>())
            .prop_map(|(gene, args, uncall)| stmt(StmtKind::Call { gene, args, uncall })),
        1 => (arb_ident(), arb_type(), arb_expr())
            .prop_map(|(name, ty, init)| stmt(StmtKind::Local { name, ty, init })),
        1 => (arb_ident(), prop::option::of(arb_type()), arb_expr())
            .prop_map(|(name, ty, value)| stmt(StmtKind::Delocal { name, ty, value })),
        1 => (arb_place(), arb_ident()).prop_map(|(value, stack)| stmt(StmtKind::Push { value, stack })),
        1 => (arb_place(), arb_ident()).prop_map(|(target, stack)| stmt(StmtKind::Pop { target, stack })),
        1 => arb_expr().prop_map(|x| stmt(StmtKind::Assert(x))),
        1 => Just(stmt(StmtKind::Skip)),
        1 => arb_undoable().prop_map(|s| stmt(StmtKind::Undo(Box::new(s)))),
        1 => any::<String>().prop_map(|s| stmt(StmtKind::Error(s))),
        1 => any::<String>().prop_map(|s| stmt(StmtKind::Print(Print::Text(s)))),
        1 => (any::<String>(), prop::collection::vec(arb_ident(), 0..3))
            .prop_map(|(s, a)| stmt(StmtKind::Print(Print::Format(s, a)))),
        1 => prop::collection::vec(arb_ident(), 1..4).prop_map(|a| stmt(StmtKind::Print(Print::Show(a)))),
    ]
    .boxed()
}

/// Any statement, including `if` and `from` with nested blocks.
pub fn arb_stmt() -> BoxedStrategy<Stmt> {
    arb_simple_stmt()
        .prop_recursive(3, 32, 4, |inner| {
            let blk = prop::collection::vec(inner, 0..4).prop_map(block);
            prop_oneof![
                (arb_expr(), blk.clone(), prop::option::of(blk.clone()), arb_expr()).prop_map(
                    |(cond, then_block, else_block, fi)| {
                        stmt(StmtKind::If { cond: Box::new(cond), then_block, else_block, fi: Box::new(fi) })
                    }
                ),
                (arb_expr(), blk.clone(), prop::option::of(blk), arb_expr()).prop_map(
                    |(entry, body, again, until)| stmt(StmtKind::From {
                        entry: Box::new(entry),
                        body,
                        again,
                        until: Box::new(until)
                    })
                ),
            ]
        })
        .boxed()
}

/// A block of up to `n - 1` statements.
pub fn arb_block(n: usize) -> BoxedStrategy<Block> {
    prop::collection::vec(arb_stmt(), 0..n).prop_map(block).boxed()
}

/// A gene with any parameters and body.
pub fn arb_gene() -> BoxedStrategy<Gene> {
    let param = (arb_ident(), arb_type()).prop_map(|(name, ty)| Param { name, ty, ty_span: Span::default() });
    (arb_ident(), prop::collection::vec(param, 0..4), arb_block(8))
        .prop_map(|(name, params, body)| Gene { name, params, body, span: Span::default() })
        .boxed()
}

/// Any program (syntax only): constants and genes.
pub fn arb_program() -> BoxedStrategy<Program> {
    let konst =
        (arb_ident(), arb_expr()).prop_map(|(name, value)| Const { name, value, span: Span::default() });
    (prop::collection::vec(konst, 0..3), prop::collection::vec(arb_gene(), 0..4))
        .prop_map(|(consts, genes)| Program { dialect: Dialect::Rdx, consts, genes })
        .boxed()
}

// ================================================================ valid programs

/// A random expression shape; variables are picked by the builder from what is in scope.
#[derive(Clone, Debug)]
pub enum ExprRecipe {
    Lit(u64),
    Var(usize),
    Un(UnOp, Box<ExprRecipe>),
    Bin(BinOp, Box<ExprRecipe>, Box<ExprRecipe>),
}

/// A random statement shape; `usize` fields select variables or genes modulo what is allowed.
#[derive(Clone, Debug)]
pub enum StmtRecipe {
    Update(UpdateOp, usize, ExprRecipe),
    Mul(usize, u64),
    XorShift(usize, Dir, u8),
    Rotate(usize, Dir, ExprRecipe),
    Neg(usize),
    Not(usize),
    Swap(usize, usize),
    If(ExprRecipe, Vec<StmtRecipe>, Option<Vec<StmtRecipe>>),
    Loop(u8, Vec<StmtRecipe>, Option<Vec<StmtRecipe>>),
    Local(ExprRecipe, Vec<StmtRecipe>),
    /// A local stack: some variables pushed onto it, the body, then popped back (`true`: in
    /// the order they were pushed, so their values change places, across types too, and a
    /// value too wide for a fixed-width variable stops the run).
    Stack(Vec<usize>, bool, Vec<StmtRecipe>),
    Call(usize, Vec<usize>, bool),
    Assert(ExprRecipe),
    Skip,
    Assign(usize, ExprRecipe),
    /// `t := e` (`erase t` without an expression), an update of another place by `t`, then
    /// `undo t := e`: the scratch pattern, whose `undo` runs backward as the `:=` it undoes.
    Scratch(usize, Option<ExprRecipe>, UpdateOp, usize),
    Erase(usize),
    UndoXorShift(usize, Dir, u8),
}

fn arb_expr_recipe() -> BoxedStrategy<ExprRecipe> {
    let leaf = prop_oneof![
        1 => prop_oneof![0u64..16, any::<u64>()].prop_map(ExprRecipe::Lit),
        2 => any::<usize>().prop_map(ExprRecipe::Var),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            1 => (arb_unop(), inner.clone()).prop_map(|(o, x)| ExprRecipe::Un(o, Box::new(x))),
            3 => (arb_binop(), inner.clone(), inner).prop_map(|(o, l, r)| ExprRecipe::Bin(o, Box::new(l), Box::new(r))),
        ]
    })
    .boxed()
}

fn arb_stmt_recipe(lossy: bool) -> BoxedStrategy<StmtRecipe> {
    let update = prop::sample::select(vec![UpdateOp::Add, UpdateOp::Sub, UpdateOp::Xor]);
    let odd = any::<u64>().prop_map(|c| c | 1);
    let simple = prop_oneof![
        6 => (update.clone(), any::<usize>(), arb_expr_recipe()).prop_map(|(o, t, x)| StmtRecipe::Update(o, t, x)),
        1 => (any::<usize>(), odd).prop_map(|(t, c)| StmtRecipe::Mul(t, c)),
        1 => (any::<usize>(), arb_dir(), 1u8..64).prop_map(|(t, d, c)| StmtRecipe::XorShift(t, d, c)),
        1 => (any::<usize>(), arb_dir(), arb_expr_recipe()).prop_map(|(t, d, x)| StmtRecipe::Rotate(t, d, x)),
        1 => any::<usize>().prop_map(StmtRecipe::Neg),
        1 => any::<usize>().prop_map(StmtRecipe::Not),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| StmtRecipe::Swap(a, b)),
        2 => (any::<usize>(), prop::collection::vec(any::<usize>(), 4), any::<bool>())
            .prop_map(|(g, a, u)| StmtRecipe::Call(g, a, u)),
        1 => arb_expr_recipe().prop_map(StmtRecipe::Assert),
        1 => Just(StmtRecipe::Skip),
    ];
    let simple = if lossy {
        prop_oneof![
            8 => simple,
            1 => (any::<usize>(), arb_expr_recipe()).prop_map(|(t, x)| StmtRecipe::Assign(t, x)),
            1 => any::<usize>().prop_map(StmtRecipe::Erase),
            1 => (any::<usize>(), prop::option::of(arb_expr_recipe()), update.clone(), any::<usize>())
                .prop_map(|(t, x, o, y)| StmtRecipe::Scratch(t, x, o, y)),
            1 => (any::<usize>(), arb_dir(), 1u8..64).prop_map(|(t, d, c)| StmtRecipe::UndoXorShift(t, d, c)),
        ]
        .boxed()
    } else {
        prop_oneof![
            10 => simple,
            1 => (any::<usize>(), arb_dir(), 1u8..64).prop_map(|(t, d, c)| StmtRecipe::UndoXorShift(t, d, c)),
        ]
        .boxed()
    };
    simple
        .prop_recursive(3, 24, 4, |inner| {
            let body = prop::collection::vec(inner, 0..4);
            prop_oneof![
                (arb_expr_recipe(), body.clone(), prop::option::of(body.clone()))
                    .prop_map(|(c, t, e)| StmtRecipe::If(c, t, e)),
                (1u8..5, body.clone(), prop::option::of(body.clone()))
                    .prop_map(|(k, b, a)| StmtRecipe::Loop(k, b, a)),
                (arb_expr_recipe(), body.clone()).prop_map(|(x, b)| StmtRecipe::Local(x, b)),
                (prop::collection::vec(any::<usize>(), 1..4), prop::bool::weighted(0.25), body)
                    .prop_map(|(vs, turn, b)| StmtRecipe::Stack(vs, turn, b)),
            ]
        })
        .boxed()
}

/// The recipe of one gene: parameter types (scalars; the entry gene may add an array) and body.
#[derive(Clone, Debug)]
pub struct GeneRecipe {
    pub params: Vec<Type>,
    pub body: Vec<StmtRecipe>,
}

/// Length of the array parameter the entry gene may have.
pub const ARRAY_LEN: u64 = 4;

fn arb_gene_recipe(lossy: bool, array: bool) -> BoxedStrategy<GeneRecipe> {
    let scalar = prop_oneof![3 => Just(Type::U64), 1 => Just(Type::I64)];
    arb_gene_recipe_of(scalar.boxed(), lossy, array)
}

fn arb_gene_recipe_of(scalar: BoxedStrategy<Type>, lossy: bool, array: bool) -> BoxedStrategy<GeneRecipe> {
    (prop::collection::vec(scalar, 1..5), any::<bool>(), prop::collection::vec(arb_stmt_recipe(lossy), 0..8))
        .prop_map(move |(mut params, with_array, body)| {
            if array && with_array {
                params.push(Type::Array(Elem::U64, ARRAY_LEN));
            }
            GeneRecipe { params, body }
        })
        .boxed()
}

/// Well-formed programs: see the module documentation. The entry gene is `main` (the first);
/// it calls `g1`, `g2`, … which only call genes after themselves. With `lossy`, `:=` and
/// `erase` appear too (the program then fails `--strict`).
pub fn arb_valid_program(lossy: bool) -> BoxedStrategy<Program> {
    (arb_gene_recipe(lossy, true), prop::collection::vec(arb_gene_recipe(lossy, false), 0..3))
        .prop_map(|(main, helpers)| {
            let mut recipes = vec![main];
            recipes.extend(helpers);
            build_program(&recipes)
        })
        .boxed()
}

/// Well-formed programs over the fixed-width type `w` (`u8` … `i32`): the parameters are
/// mostly of type `w`, some `u64`, so expressions mix widths. No arrays; swaps pair variables
/// of one type (E0217).
pub fn arb_fixed_program(w: Width, lossy: bool) -> BoxedStrategy<Program> {
    let scalar = || prop_oneof![3 => Just(Type::Fixed(w)), 1 => Just(Type::U64)].boxed();
    (
        arb_gene_recipe_of(scalar(), lossy, false),
        prop::collection::vec(arb_gene_recipe_of(scalar(), lossy, false), 0..3),
    )
        .prop_map(|(main, helpers)| {
            let mut recipes = vec![main];
            recipes.extend(helpers);
            build_program(&recipes)
        })
        .boxed()
}

/// Builds a valid program from recipes (the first is `main`). Deterministic.
pub fn build_program(recipes: &[GeneRecipe]) -> Program {
    let names: Vec<String> =
        (0..recipes.len()).map(|i| if i == 0 { "main".to_string() } else { format!("g{i}") }).collect();
    let signatures: Vec<Vec<Type>> = recipes.iter().map(|r| r.params.clone()).collect();
    // Callees come after their callers, so build from the last gene back to know their costs.
    let mut costs = vec![0u64; recipes.len()];
    let mut genes = Vec::new();
    for (i, r) in recipes.iter().enumerate().rev() {
        let mut b = Builder { vars: Vec::new(), next_local: 0, callees: Vec::new(), mult: 1, cost: 0 };
        let mut params = Vec::new();
        for (k, ty) in r.params.iter().enumerate() {
            let name = if matches!(ty, Type::Array(..)) { format!("a{k}") } else { format!("p{k}") };
            params.push(Param { name: ident(name.clone()), ty: *ty, ty_span: Span::default() });
            match ty {
                Type::Array(_, n) => {
                    for j in 0..*n {
                        b.vars.push(Var { name: name.clone(), index: Some(j), ty: Type::U64, frozen: 0 });
                    }
                }
                _ => b.vars.push(Var { name, index: None, ty: *ty, frozen: 0 }),
            }
        }
        b.callees =
            ((i + 1)..recipes.len()).map(|j| (names[j].clone(), signatures[j].clone(), costs[j])).collect();
        let body = b.block(&r.body);
        costs[i] = b.cost + 1;
        genes.push(Gene { name: ident(names[i].clone()), params, body, span: Span::default() });
    }
    genes.reverse();
    Program { dialect: Dialect::Rdx, consts: Vec::new(), genes }
}

/// A call is left out (replaced by `skip`) when it would run more than this many statements,
/// counting the enclosing loops' iterations, so every generated run stays short.
pub const CALL_BUDGET: u64 = 10_000;

/// A location the builder can read or update: a scalar or one array element.
struct Var {
    name: String,
    index: Option<u64>,
    ty: Type,
    /// How many enclosing constructs forbid changing it (it must keep its value).
    frozen: u32,
}

struct Builder {
    vars: Vec<Var>,
    next_local: u32,
    /// Genes that may be called: name, parameter types, statements one call runs (at most).
    callees: Vec<(String, Vec<Type>, u64)>,
    /// How many times the statement being built runs per call of the gene (enclosing loops).
    mult: u64,
    /// Upper bound of the statements one call of the gene runs, so far.
    cost: u64,
}

impl Builder {
    fn place(&self, v: usize) -> Place {
        let var = &self.vars[v];
        Place {
            name: ident(var.name.clone()),
            index: var.index.map(|i| Box::new(e(ExprKind::Int(i)))),
            span: Span::default(),
        }
    }

    fn read(&self, v: usize) -> Expr {
        let var = &self.vars[v];
        match var.index {
            None => e(ExprKind::Var(var.name.clone())),
            Some(i) => e(ExprKind::Index(ident(var.name.clone()), Box::new(e(ExprKind::Int(i))))),
        }
    }

    /// Variables that may be changed.
    fn writable(&self) -> Vec<usize> {
        (0..self.vars.len()).filter(|&i| self.vars[i].frozen == 0).collect()
    }

    /// An expression that never reads anything named `exclude` (the target's variable or array).
    fn expr(&self, r: &ExprRecipe, exclude: Option<&str>, reads: &mut Vec<usize>) -> Expr {
        match r {
            ExprRecipe::Lit(n) => e(ExprKind::Int(*n)),
            ExprRecipe::Var(sel) => {
                let ok: Vec<usize> =
                    (0..self.vars.len()).filter(|&i| Some(self.vars[i].name.as_str()) != exclude).collect();
                if ok.is_empty() {
                    return e(ExprKind::Int(*sel as u64));
                }
                let v = ok[sel % ok.len()];
                reads.push(v);
                self.read(v)
            }
            ExprRecipe::Un(op, x) => e(ExprKind::Unary(*op, Box::new(self.expr(x, exclude, reads)))),
            ExprRecipe::Bin(op, l, r) => {
                let l = self.expr(l, exclude, reads);
                let mut r = self.expr(r, exclude, reads);
                if matches!(op, BinOp::Div | BinOp::Mod) {
                    r = e(ExprKind::Binary(BinOp::Or, Box::new(r), Box::new(e(ExprKind::Int(1)))));
                }
                e(ExprKind::Binary(*op, Box::new(l), Box::new(r)))
            }
        }
    }

    fn pick(&self, sel: usize) -> Option<usize> {
        let w = self.writable();
        (!w.is_empty()).then(|| w[sel % w.len()])
    }

    fn block(&mut self, rs: &[StmtRecipe]) -> Block {
        let mut out = Vec::new();
        for r in rs {
            self.stmt(r, &mut out);
        }
        block(out)
    }

    fn freeze(&mut self, vs: &[usize], by: i32) {
        for &v in vs {
            self.vars[v].frozen = self.vars[v].frozen.saturating_add_signed(by);
        }
    }

    fn fresh_local(&mut self) -> String {
        self.next_local += 1;
        format!("t{}", self.next_local)
    }

    fn stmt(&mut self, r: &StmtRecipe, out: &mut Vec<Stmt>) {
        let skip = stmt(StmtKind::Skip);
        self.cost = self.cost.saturating_add(self.mult);
        match r {
            StmtRecipe::Update(op, t, x) => {
                let Some(t) = self.pick(*t) else { return out.push(skip) };
                let value = self.expr(x, Some(&self.vars[t].name), &mut Vec::new());
                out.push(stmt(StmtKind::Update { target: self.place(t), op: *op, value }));
            }
            StmtRecipe::Mul(t, c) => {
                let Some(t) = self.pick(*t) else { return out.push(skip) };
                out.push(stmt(StmtKind::Mul { target: self.place(t), factor: e(ExprKind::Int(c | 1)) }));
            }
            StmtRecipe::XorShift(t, dir, c) | StmtRecipe::UndoXorShift(t, dir, c) => {
                let Some(t) = self.pick(*t) else { return out.push(skip) };
                let amount = e(ExprKind::Int(u64::from((*c).clamp(1, 63))));
                // A signed fixed-width target only takes the left step (E0217).
                let signed_fixed =
                    self.vars[t].ty.width().is_some_and(|w| w.signed) && self.vars[t].index.is_none();
                let dir = if signed_fixed { &Dir::Left } else { dir };
                // The spec makes `x ^= x >> c` a logical shift even on an i64, so it stays a
                // bijection on signed targets too.
                let s = stmt(StmtKind::XorShift { target: self.place(t), dir: *dir, amount });
                out.push(if matches!(r, StmtRecipe::UndoXorShift(..)) {
                    stmt(StmtKind::Undo(Box::new(s)))
                } else {
                    s
                });
            }
            StmtRecipe::Rotate(t, dir, x) => {
                let Some(t) = self.pick(*t) else { return out.push(skip) };
                let amount = self.expr(x, Some(&self.vars[t].name), &mut Vec::new());
                out.push(stmt(StmtKind::Rotate { target: self.place(t), dir: *dir, amount }));
            }
            StmtRecipe::Neg(t) | StmtRecipe::Not(t) | StmtRecipe::Erase(t) => {
                let Some(t) = self.pick(*t) else { return out.push(skip) };
                let p = self.place(t);
                out.push(stmt(match r {
                    StmtRecipe::Neg(_) => StmtKind::Neg(p),
                    StmtRecipe::Not(_) => StmtKind::Not(p),
                    _ => StmtKind::Erase(p),
                }));
            }
            StmtRecipe::Assign(t, x) => {
                let Some(t) = self.pick(*t) else { return out.push(skip) };
                let value = self.expr(x, Some(&self.vars[t].name), &mut Vec::new());
                out.push(stmt(StmtKind::Assign { target: self.place(t), value }));
            }
            StmtRecipe::Scratch(t, x, op, y) => {
                let Some(t) = self.pick(*t) else { return out.push(skip) };
                let mut reads = Vec::new();
                let value = x.as_ref().map(|x| self.expr(x, Some(&self.vars[t].name), &mut reads));
                // `y` is neither `t`'s variable or array nor read by `e` (which the `undo`
                // computes again, backward after the update).
                let names: Vec<&str> =
                    reads.iter().chain([&t]).map(|&v| self.vars[v].name.as_str()).collect();
                let ys: Vec<usize> = self
                    .writable()
                    .into_iter()
                    .filter(|&v| !names.contains(&self.vars[v].name.as_str()))
                    .collect();
                let Some(&y) = ys.get(y % ys.len().max(1)) else { return out.push(skip) };
                let write = |value: Option<Expr>| match value {
                    Some(value) => StmtKind::Assign { target: self.place(t), value },
                    None => StmtKind::Erase(self.place(t)),
                };
                out.push(stmt(write(value.clone())));
                out.push(stmt(StmtKind::Update { target: self.place(y), op: *op, value: self.read(t) }));
                out.push(stmt(StmtKind::Undo(Box::new(stmt(write(value))))));
            }
            StmtRecipe::Swap(a, b) => {
                let w = self.writable();
                if w.len() < 2 {
                    return out.push(skip);
                }
                let a = w[a % w.len()];
                let ty_of = |v: usize| if self.vars[v].index.is_some() { Type::U64 } else { self.vars[v].ty };
                let fixed = |t: Type| t.width().is_some();
                let rest: Vec<usize> = w
                    .into_iter()
                    .filter(|&v| v != a && (ty_of(v) == ty_of(a) || !(fixed(ty_of(v)) || fixed(ty_of(a)))))
                    .collect();
                if rest.is_empty() {
                    return out.push(skip);
                }
                let b = rest[b % rest.len()];
                out.push(stmt(StmtKind::Swap(self.place(a), self.place(b))));
            }
            StmtRecipe::If(c, then_r, else_r) => {
                let mut reads = Vec::new();
                let cond = self.expr(c, None, &mut reads);
                self.freeze(&reads, 1);
                let then_block = self.block(then_r);
                let else_block = else_r.as_ref().map(|rs| self.block(rs));
                self.freeze(&reads, -1);
                out.push(stmt(StmtKind::If {
                    cond: Box::new(cond.clone()),
                    then_block,
                    else_block,
                    fi: Box::new(cond),
                }));
            }
            StmtRecipe::Loop(k, body_r, again_r) => {
                let i = self.fresh_local();
                let k = u64::from((*k).max(1));
                let var = |n: &str| e(ExprKind::Var(n.to_string()));
                let eq = |a: Expr, b: u64| {
                    e(ExprKind::Binary(BinOp::Eq, Box::new(a), Box::new(e(ExprKind::Int(b)))))
                };
                self.vars.push(Var { name: i.clone(), index: None, ty: Type::U64, frozen: 1 });
                let counter = Place { name: ident(i.clone()), index: None, span: Span::default() };
                let step =
                    stmt(StmtKind::Update { target: counter, op: UpdateOp::Add, value: e(ExprKind::Int(1)) });
                let outer = self.mult;
                self.mult = outer.saturating_mul(k);
                let mut body = self.block(body_r);
                body.stmts.insert(0, step);
                let again = again_r.as_ref().map(|rs| self.block(rs));
                self.mult = outer;
                self.vars.pop();
                out.push(stmt(StmtKind::Local {
                    name: ident(i.clone()),
                    ty: Type::U64,
                    init: e(ExprKind::Int(0)),
                }));
                out.push(stmt(StmtKind::From {
                    entry: Box::new(eq(var(&i), 0)),
                    body,
                    again,
                    until: Box::new(eq(var(&i), k)),
                }));
                out.push(stmt(StmtKind::Delocal { name: ident(i), ty: None, value: e(ExprKind::Int(k)) }));
            }
            StmtRecipe::Local(x, body_r) => {
                let mut reads = Vec::new();
                let init = self.expr(x, None, &mut reads);
                let t = self.fresh_local();
                self.freeze(&reads, 1);
                self.vars.push(Var { name: t.clone(), index: None, ty: Type::U64, frozen: 1 });
                let body = self.block(body_r);
                self.vars.pop();
                self.freeze(&reads, -1);
                out.push(stmt(StmtKind::Local { name: ident(t.clone()), ty: Type::U64, init: init.clone() }));
                out.extend(body.stmts);
                out.push(stmt(StmtKind::Delocal { name: ident(t), ty: None, value: init }));
            }
            StmtRecipe::Stack(sels, turn, body_r) => {
                let s = self.fresh_local();
                let mut pushed: Vec<usize> = Vec::new();
                for &sel in sels {
                    let w: Vec<usize> = self.writable().into_iter().filter(|v| !pushed.contains(v)).collect();
                    if let Some(&v) = w.get(sel % w.len().max(1)) {
                        pushed.push(v);
                    }
                }
                let on = |p: Place| (p, ident(s.clone()));
                out.push(stmt(StmtKind::Local {
                    name: ident(s.clone()),
                    ty: Type::Stack,
                    init: e(ExprKind::Nil),
                }));
                for &v in &pushed {
                    let (value, stack) = on(self.place(v));
                    out.push(stmt(StmtKind::Push { value, stack }));
                }
                // They hold 0 until they are popped into.
                self.freeze(&pushed, 1);
                out.extend(self.block(body_r).stmts);
                self.freeze(&pushed, -1);
                let mut targets = pushed.clone();
                if !*turn {
                    targets.reverse();
                }
                for &v in &targets {
                    let (target, stack) = on(self.place(v));
                    out.push(stmt(StmtKind::Pop { target, stack }));
                }
                self.cost = self.cost.saturating_add(self.mult.saturating_mul(2 * pushed.len() as u64 + 1));
                // (Typed, as the checker leaves it: the inverse's `local` takes its type.)
                let ty = Some(Type::Stack);
                out.push(stmt(StmtKind::Delocal { name: ident(s), ty, value: e(ExprKind::Nil) }));
            }
            StmtRecipe::Call(g, sels, uncall) => {
                if self.callees.is_empty() {
                    return out.push(skip);
                }
                let (name, params, cost) = self.callees[g % self.callees.len()].clone();
                if cost.saturating_mul(self.mult) > CALL_BUDGET {
                    return out.push(skip);
                }
                let mut used: Vec<usize> = Vec::new();
                let mut args = Vec::new();
                for (k, ty) in params.iter().enumerate() {
                    let ok: Vec<usize> = self
                        .writable()
                        .into_iter()
                        .filter(|&v| {
                            self.vars[v].index.is_none() && self.vars[v].ty == *ty && !used.contains(&v)
                        })
                        .collect();
                    if ok.is_empty() {
                        return out.push(skip);
                    }
                    let v = ok[sels.get(k).copied().unwrap_or(0) % ok.len()];
                    used.push(v);
                    args.push(ident(self.vars[v].name.clone()));
                }
                self.cost = self.cost.saturating_add(cost.saturating_mul(self.mult));
                out.push(stmt(StmtKind::Call { gene: ident(name), args, uncall: *uncall }));
            }
            StmtRecipe::Assert(x) => {
                // `x == x` always holds, and reads whatever the recipe picked.
                let a = self.expr(x, None, &mut Vec::new());
                out.push(stmt(StmtKind::Assert(e(ExprKind::Binary(
                    BinOp::Eq,
                    Box::new(a.clone()),
                    Box::new(a),
                )))));
            }
            StmtRecipe::Skip => out.push(skip),
        }
    }
}
