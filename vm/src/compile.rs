//! Lowering: checked IR to a bytecode [`Module`].
//!
//! Each statement becomes pure expression code (three-address, into temporary slots) followed
//! by the one instruction that consumes it. Control structures are bracketed by paired
//! instructions that point at each other (see `spec/bytecode.md`), so the same stream runs
//! backward. Common shapes get superinstructions: updates by a variable or a constant, updates
//! from an array element, rotations by a constant, and loop/branch conditions of the form
//! `x == y`, `x == k`, `x != …`.
//!
//! A scalar operation on an array element with no element form (`a[i] *= 3`, `neg a[i]`, …)
//! is lowered as swap-in / operate / swap-out through a temporary: `swap.elem` is its own
//! mirror, so the sequence runs backward unchanged.

use crate::module::{DebugInfo, GeneDebug, GeneDef, Module, ParamDef};
use crate::ops::{Amt, Args, Arr, Cond, Fmt, GeneIdx, Imm, Off, Op, Pre, Slot, Str, Wid, Word};
use rdx_lang::ast::NameKey;
use rdx_lang::ast::{
    BinOp, Block, Builtin, Dialect, Dir, Elem, Expr, ExprKind, Gene, Ident, Place, Print, Program, Span,
    Stmt, StmtKind, Type, UnOp, UpdateOp, Width,
};
use rdx_lang::check::Checked;
use rdx_lang::diag::{Code, Diagnostic};
use std::collections::HashMap;

mod hoist;

/// Lowers a checked program to a module (with debug info naming `file_name` and embedding
/// `source_text`). Fails only when a gene exceeds the bytecode's limits (65 535 slots, frame
/// size) or the IR breaks a checker guarantee; the error is a diagnostic with a span (in a
/// `Vec`, like the checker's errors).
pub fn compile(checked: &Checked, file_name: &str, source_text: &str) -> Result<Module, Vec<Diagnostic>> {
    compile_program(&checked.program, file_name, source_text)
}

/// [`compile`] on a bare IR program (which must satisfy the checker's guarantees).
pub fn compile_program(p: &Program, file_name: &str, source_text: &str) -> Result<Module, Vec<Diagnostic>> {
    compile_inner(p, file_name, source_text, Module::verify).map_err(|d| vec![*d])
}

/// [`compile`] to the encoded module (`.rdxb` bytes), for a command that writes it and does
/// not run it (`rdx asm`): the module passes every check of [`Module::verify`], but the tables
/// a run builds at load are left to whoever decodes the bytes.
pub fn compile_encoded(
    checked: &Checked,
    file_name: &str,
    source_text: &str,
) -> Result<Vec<u8>, Vec<Diagnostic>> {
    compile_inner(&checked.program, file_name, source_text, Module::verify_for_encoding)
        .map(|m| m.encode())
        .map_err(|d| vec![*d])
}

/// Lowers `p` and verifies the module with `verify` (a compiler that produced an invalid
/// module is E0999).
fn compile_inner(
    p: &Program,
    file_name: &str,
    source_text: &str,
    verify: fn(&mut Module) -> Result<(), crate::LoadError>,
) -> R<Module> {
    let mut strings = Strings::default();
    let gene_index: HashMap<&str, usize> =
        p.genes.iter().enumerate().map(|(i, g)| (g.name.name.as_str(), i)).collect();
    let calls = ParamWrites::new(p, &gene_index);
    let mut genes = Vec::with_capacity(p.genes.len());
    let mut debug = Vec::with_capacity(p.genes.len());
    for g in &p.genes {
        let (def, dbg) = GeneCompiler::new(p, &gene_index, &calls, &mut strings).run(g)?;
        genes.push(def);
        debug.push(dbg);
    }
    let mut m = Module {
        dialect: p.dialect,
        strings: strings.list,
        genes,
        debug: Some(DebugInfo { file: file_name.to_string(), source: source_text.to_string(), genes: debug }),
    };
    // Spans must lie inside the text given; an IR built by hand may not have matching text.
    if let Some(d) = &mut m.debug {
        let n = d.source.len() as u32;
        for gd in &mut d.genes {
            for s in &mut gd.spans {
                if s.end > n
                    || s.start > s.end
                    || !d.source.is_char_boundary(s.start as usize)
                    || !d.source.is_char_boundary(s.end as usize)
                {
                    *s = Span::default();
                }
            }
        }
    }
    verify(&mut m).map_err(|e| {
        Box::new(Diagnostic::error(
            Code::E0999,
            format!("internal error: the compiler produced an invalid module: {e}"),
            Span::default(),
        ))
    })?;
    Ok(m)
}

#[derive(Default)]
struct Strings {
    list: Vec<String>,
    index: HashMap<String, u32>,
}

impl Strings {
    fn get(&mut self, s: &str) -> Str {
        if let Some(&i) = self.index.get(s) {
            return Str(i);
        }
        let i = self.list.len() as u32;
        self.list.push(s.to_string());
        self.index.insert(s.to_string(), i);
        Str(i)
    }
}

/// Released slots, handed out again lowest first (a set: releasing a slot twice keeps one).
/// Kept sorted highest first in a vector: a statement's temporaries are few, so this beats a
/// B-tree by a wide margin.
#[derive(Default)]
struct FreeSlots(Vec<u16>);

impl FreeSlots {
    fn pop_lowest(&mut self) -> Option<u16> {
        self.0.pop()
    }

    fn insert(&mut self, s: u16) {
        if let Err(at) = self.0.binary_search_by(|x| s.cmp(x)) {
            self.0.insert(at, s);
        }
    }
}

/// What a name denotes inside a gene.
#[derive(Clone, Copy, Debug)]
enum Var {
    Scalar { slot: Slot, ty: Type },
    Array { arr: Arr, elem: Elem, len: u64, at: u32 },
    Stack { slot: Slot },
}

/// An expression's value: in a slot or a constant.
#[derive(Clone, Copy, Debug)]
enum Opnd {
    S(Slot),
    K(u64),
}

/// While compiling an update to `arr[idx]`: reads of `arr` in the expression must check that
/// their index differs from `idx`.
#[derive(Clone, Copy)]
struct AliasGuard {
    arr: Arr,
    /// The index's slot, computed in the expression code of the instruction that reads it;
    /// None until a read needs it (then computed from [`GeneCompiler::guard_index`]).
    idx: Option<Slot>,
    /// The index as `variable + offset`, when it has that form ([`GeneCompiler::affine`]).
    at: Option<(Slot, u64)>,
}

struct GeneCompiler<'a> {
    prog: &'a Program,
    genes: &'a HashMap<&'a str, usize>,
    /// Which arguments each gene's calls may change.
    calls: &'a ParamWrites<'a>,
    strings: &'a mut Strings,
    dialect: Dialect,
    code: Vec<Op>,
    spans: Vec<Span>,
    args: Vec<Slot>,
    /// Names in scope, by key (the checker guarantees they are distinct; names that share a
    /// key, innermost last). A map, not a list searched from the end: a gene of n locals open
    /// at once looked each name up in time growing with n (40,000 locals: 1.3 s to compile).
    scope: Scope,
    free: FreeSlots,
    next_slot: u32,
    temps: Vec<Slot>,
    /// Array storage in use / high-water mark, in words after the slots.
    storage: u64,
    storage_max: u64,
    slot_names: Vec<String>,
    guard: Option<AliasGuard>,
    /// The index expression of a guard whose `idx` is not computed yet ([`Self::on_place`]).
    guard_index: Option<Expr>,
    /// Pure instructions emitted since the last other one.
    pure_run: usize,
    /// The pure instructions of the current run of expression code, by their operands (the
    /// destination set to [`CSE_DST`]), and the temporary each wrote: an expression computed
    /// twice for one consumer is computed once. Cleared by every other instruction, so a
    /// consumer's expression code stays self-contained (the backward stream re-runs it). Only
    /// the last [`CSE_WINDOW`] are searched, so long expressions stay linear.
    cse: Vec<(Op, Slot)>,
    /// An expression needed more than 65 535 instructions.
    too_long: bool,
    /// Some variable in scope has a fixed-width type (`u8` … `i32`): expressions are checked
    /// for the width they are computed at.
    fixed: bool,
    /// How many low bits of the next expression [`Self::expr`] compiles its consumer uses
    /// (64: all). Set just before the call and taken by it, so every other call sees 64.
    demand: u8,
    /// Loop invariants may be computed before their loops (not in Janus, whose arithmetic
    /// checks; only of 64-bit variables, whose expressions have no width to be computed at).
    may_hoist: bool,
    /// The loop-invariant expressions of the loops being lowered, outermost first, and the
    /// slot each was computed into before its loop ([`hoist`]): [`Self::expr`] reads them there.
    hoisted: Vec<(Expr, Slot)>,
    /// Slots that held loop invariants and are free again: only loop invariants take them.
    hoist_free: Vec<Slot>,
}

type R<T> = Result<T, Box<Diagnostic>>;

/// Whether `e` is a comparison, `!` or `empty(s)`: 0 or 1, computed by one instruction into a
/// temporary.
fn is_comparison(e: &Expr) -> bool {
    (e.is_boolean() && !matches!(e.kind, ExprKind::Binary(BinOp::LogAnd | BinOp::LogOr, ..)))
        || matches!(e.kind, ExprKind::Builtin(Builtin::Empty, _))
}

/// Whether the value of `e` is always 0 or 1 (a comparison, `!`, `&&`, `||` or `empty(s)`).
fn zero_or_one(e: &Expr) -> bool {
    e.is_boolean() || is_comparison(e)
}

/// Whether statement `s` may change the variable `name` (or opens another of that name).
fn may_change(s: &Stmt, name: &str, calls: &ParamWrites) -> bool {
    changes(s, calls, &mut |n| n == name)
}

/// Calls `f` with each variable statement `s` may change (or opens, or closes): as a target, a
/// swapped place, a call's argument the callee may change (`calls`), a pushed or popped place,
/// a kernel's buffer; stops, returning true, where `f` does.
fn changes<'s>(s: &'s Stmt, calls: &ParamWrites, f: &mut dyn FnMut(&'s str) -> bool) -> bool {
    let block =
        |b: &'s Block, f: &mut dyn FnMut(&'s str) -> bool| b.stmts.iter().any(|s| changes(s, calls, f));
    match &s.kind {
        StmtKind::Update { target: p, .. }
        | StmtKind::Mul { target: p, .. }
        | StmtKind::XorShift { target: p, .. }
        | StmtKind::Rotate { target: p, .. }
        | StmtKind::Assign { target: p, .. }
        | StmtKind::Neg(p)
        | StmtKind::Not(p)
        | StmtKind::Erase(p)
        | StmtKind::Push { value: p, .. }
        | StmtKind::Pop { target: p, .. } => f(&p.name.name),
        StmtKind::Swap(a, b) => f(&a.name.name) || f(&b.name.name),
        StmtKind::If { then_block, else_block, .. } => {
            block(then_block, f) || else_block.as_ref().is_some_and(|b| block(b, f))
        }
        StmtKind::From { body, again, .. } => block(body, f) || again.as_ref().is_some_and(|b| block(b, f)),
        StmtKind::Call { gene, args, .. } => {
            args.iter().enumerate().any(|(k, a)| calls.changes(&gene.name, k) && f(&a.name))
        }
        StmtKind::Local { name: n, .. } | StmtKind::Delocal { name: n, .. } => f(&n.name),
        StmtKind::Kernel { buf, .. } => f(&buf.name),
        StmtKind::Undo(inner) => changes(inner, calls, f),
        StmtKind::Assert(_) | StmtKind::Skip | StmtKind::Error(_) | StmtKind::Print(_) => false,
    }
}

/// Appends each call or uncall in statement `s` (nested ones included): the gene and the
/// arguments.
fn calls_in<'s>(s: &'s Stmt, out: &mut Vec<(&'s Ident, &'s [Ident])>) {
    let block = |b: &'s Block, out: &mut Vec<(&'s Ident, &'s [Ident])>| {
        b.stmts.iter().for_each(|s| calls_in(s, out));
    };
    match &s.kind {
        StmtKind::Call { gene, args, .. } => out.push((gene, args)),
        StmtKind::If { then_block, else_block, .. } => {
            block(then_block, out);
            if let Some(b) = else_block {
                block(b, out);
            }
        }
        StmtKind::From { body, again, .. } => {
            block(body, out);
            if let Some(b) = again {
                block(b, out);
            }
        }
        StmtKind::Undo(inner) => calls_in(inner, out),
        StmtKind::Update { .. }
        | StmtKind::Mul { .. }
        | StmtKind::XorShift { .. }
        | StmtKind::Rotate { .. }
        | StmtKind::Assign { .. }
        | StmtKind::Neg(_)
        | StmtKind::Not(_)
        | StmtKind::Erase(_)
        | StmtKind::Push { .. }
        | StmtKind::Pop { .. }
        | StmtKind::Swap(..)
        | StmtKind::Local { .. }
        | StmtKind::Delocal { .. }
        | StmtKind::Kernel { .. }
        | StmtKind::Assert(_)
        | StmtKind::Skip
        | StmtKind::Error(_)
        | StmtKind::Print(_) => {}
    }
}

/// The names of a loop being lowered, for [`hoist::loop_invariants`]: `changed` are those its
/// statements may change, sorted.
struct LoopNames<'c, 'a> {
    c: &'c GeneCompiler<'a>,
    changed: Vec<&'c str>,
}

impl hoist::Names for LoopNames<'_, '_> {
    fn invariant(&self, name: &str) -> bool {
        self.changed.binary_search(&name).is_err()
            && matches!(self.c.find(name), Some(Var::Scalar { ty: Type::U64 | Type::I64, .. }))
    }

    fn is_array(&self, name: &str) -> bool {
        matches!(self.c.find(name), Some(Var::Array { .. }))
    }

    fn free_index(&self, e: &Expr) -> bool {
        self.c.affine(e).is_some()
    }
}

/// For each gene of a program, whether a call or uncall of it may change each argument.
struct ParamWrites<'a> {
    index: &'a HashMap<&'a str, usize>,
    written: Vec<Vec<bool>>,
}

/// What [`ParamWrites::written`] did: the gene bodies it walked and the links from a callee's
/// parameter to a caller's it followed (each at most once), so a test can see that a call chain
/// costs one walk per gene rather than one round over every gene per link.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ParamWritesWork {
    bodies: usize,
    links: usize,
}

impl<'a> ParamWrites<'a> {
    /// A parameter may change when the gene's own statements change it, or pass it to a call
    /// that may change that argument (recursion included). Not for Janus, whose loops the
    /// compiler leaves as they are: there every argument may change.
    fn new(p: &Program, index: &'a HashMap<&'a str, usize>) -> ParamWrites<'a> {
        if p.dialect == Dialect::Janus {
            return ParamWrites { index, written: Vec::new() };
        }
        let (written, _) = Self::written(p, index);
        ParamWrites { index, written }
    }

    /// The least set of parameters that may change, as [`ParamWrites::new`] defines it. Each
    /// gene's body is walked once: for the parameters its own statements change (a call of an
    /// unknown gene included) and, for each call of a known gene, which of its parameters it
    /// passes as which argument. A changed parameter then marks the callers' parameters passed
    /// to it, each link followed once: linear in the program, also along a chain of calls.
    fn written(p: &Program, index: &HashMap<&str, usize>) -> (Vec<Vec<bool>>, ParamWritesWork) {
        let mut work = ParamWritesWork::default();
        // A (gene, parameter) pair is one node, numbered gene by gene.
        let mut base = Vec::with_capacity(p.genes.len() + 1);
        base.push(0usize);
        for g in &p.genes {
            base.push(base[base.len() - 1] + g.params.len());
        }
        let node_of = |gi: usize, k: usize| base[gi] + k;
        // With nothing written yet, `changes` reports exactly a body's own writes (a call of an
        // unknown gene, or an argument past the callee's parameters, included).
        let none =
            ParamWrites { index, written: p.genes.iter().map(|g| vec![false; g.params.len()]).collect() };
        let mut written = vec![false; base[p.genes.len()]];
        // For each node, the callers' nodes passed to it as that argument.
        let mut callers: Vec<Vec<usize>> = vec![Vec::new(); written.len()];
        let mut spread = Vec::new();
        for (gi, g) in p.genes.iter().enumerate() {
            work.bodies += 1;
            let mut own: Vec<&str> = Vec::new();
            let mut sites: Vec<(&Ident, &[Ident])> = Vec::new();
            for s in &g.body.stmts {
                changes(s, &none, &mut |n| {
                    own.push(n);
                    false
                });
                calls_in(s, &mut sites);
            }
            own.sort_unstable();
            let mut params: HashMap<&str, Vec<usize>> = HashMap::new();
            for (k, q) in g.params.iter().enumerate() {
                params.entry(q.name.name.as_str()).or_default().push(k);
                if own.binary_search(&q.name.name.as_str()).is_ok() {
                    written[node_of(gi, k)] = true;
                    spread.push(node_of(gi, k));
                }
            }
            for (callee, args) in sites {
                let Some(&c) = index.get(callee.name.as_str()) else { continue };
                for (j, a) in args.iter().enumerate().take(p.genes[c].params.len()) {
                    for &k in params.get(a.name.as_str()).into_iter().flatten() {
                        callers[node_of(c, j)].push(node_of(gi, k));
                    }
                }
            }
        }
        while let Some(n) = spread.pop() {
            for &m in &callers[n] {
                work.links += 1;
                if !written[m] {
                    written[m] = true;
                    spread.push(m);
                }
            }
        }
        let written = (0..p.genes.len()).map(|gi| written[base[gi]..base[gi + 1]].to_vec()).collect();
        (written, work)
    }

    /// Whether a call of gene `gene` may change its argument `k` (yes for an unknown gene).
    fn changes(&self, gene: &str, k: usize) -> bool {
        self.index.get(gene).and_then(|&g| self.written.get(g)?.get(k).copied()).unwrap_or(true)
    }
}

/// `op` with its operands exchanged (`k < x` is `x > k`), for operations that have that form.
fn swapped(op: BinOp) -> Option<BinOp> {
    Some(match op {
        BinOp::Add | BinOp::Mul | BinOp::And | BinOp::Or | BinOp::Xor | BinOp::Eq | BinOp::Ne => op,
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        _ => return None,
    })
}

/// How far down [`GeneCompiler::reduced`] looks (long chains of `^` stay linear).
const REDUCED_DEPTH: u8 = 6;

/// The destination of the instructions [`GeneCompiler::cse`] is keyed by.
const CSE_DST: Slot = Slot(u16::MAX);

/// How many of the latest pure instructions a new one is compared with.
const CSE_WINDOW: usize = 32;

/// The fused condition `a op k` (a comparison) with a small immediate.
fn imm_cond(op: BinOp, a: Slot, k: u32, signed: bool) -> Option<Cond> {
    Some(match (op, signed) {
        (BinOp::Eq, _) => Cond::EqImm(a, k),
        (BinOp::Ne, _) => Cond::NeImm(a, k),
        (BinOp::Lt, false) => Cond::LtUImm(a, k),
        (BinOp::Lt, true) => Cond::LtSImm(a, k),
        (BinOp::Le, false) => Cond::LeUImm(a, k),
        (BinOp::Le, true) => Cond::LeSImm(a, k),
        (BinOp::Gt, false) => Cond::GtUImm(a, k),
        (BinOp::Gt, true) => Cond::GtSImm(a, k),
        (BinOp::Ge, false) => Cond::GeUImm(a, k),
        (BinOp::Ge, true) => Cond::GeSImm(a, k),
        _ => return None,
    })
}

/// The instruction computing `x op k` with `k` as an immediate, if there is one.
fn with_imm(op: BinOp, x: Slot, k: u64, signed: bool, janus: bool) -> Option<Box<dyn Fn(Slot) -> Op>> {
    let imm = Imm(k);
    let f: Box<dyn Fn(Slot) -> Op> = match (op, janus, signed) {
        (BinOp::Add, true, _) => Box::new(move |d| Op::Add3ChkImm { dst: d, a: x, imm }),
        (BinOp::Sub, true, _) => Box::new(move |d| Op::Sub3ChkImm { dst: d, a: x, imm }),
        (BinOp::Mul, true, _) => Box::new(move |d| Op::Mul3ChkImm { dst: d, a: x, imm }),
        (BinOp::Add, false, _) => Box::new(move |d| Op::Add3Imm { dst: d, a: x, imm }),
        (BinOp::Sub, false, _) => Box::new(move |d| Op::Add3Imm { dst: d, a: x, imm: Imm(k.wrapping_neg()) }),
        (BinOp::Mul, false, _) => Box::new(move |d| Op::Mul3Imm { dst: d, a: x, imm }),
        // Unsigned division by a constant: by a power of two a shift or a mask, else the
        // divisor as an immediate (not 0: that stays a run-time error at its span).
        (BinOp::Div, false, false) if k.is_power_of_two() => {
            Box::new(move |d| Op::ShruImm { dst: d, a: x, imm: Imm(k.trailing_zeros() as u64) })
        }
        (BinOp::Mod, false, false) if k.is_power_of_two() => {
            Box::new(move |d| Op::AndImm { dst: d, a: x, imm: Imm(k - 1) })
        }
        (BinOp::Div, false, false) if k != 0 => Box::new(move |d| Op::DivuImm { dst: d, a: x, imm }),
        (BinOp::Mod, false, false) if k != 0 => Box::new(move |d| Op::RemuImm { dst: d, a: x, imm }),
        (BinOp::And, ..) => Box::new(move |d| Op::AndImm { dst: d, a: x, imm }),
        (BinOp::Or, ..) => Box::new(move |d| Op::OrImm { dst: d, a: x, imm }),
        (BinOp::Xor, ..) => Box::new(move |d| Op::Xor3Imm { dst: d, a: x, imm }),
        (BinOp::Shl, ..) => Box::new(move |d| Op::ShlImm { dst: d, a: x, imm }),
        (BinOp::Shr, _, true) => Box::new(move |d| Op::ShrsImm { dst: d, a: x, imm }),
        (BinOp::Shr, _, false) => Box::new(move |d| Op::ShruImm { dst: d, a: x, imm }),
        (BinOp::Eq, ..) => Box::new(move |d| Op::EqImm { dst: d, a: x, imm }),
        (BinOp::Ne, ..) => Box::new(move |d| Op::NeImm { dst: d, a: x, imm }),
        (BinOp::Lt, _, true) => Box::new(move |d| Op::LtsImm { dst: d, a: x, imm }),
        (BinOp::Lt, _, false) => Box::new(move |d| Op::LtuImm { dst: d, a: x, imm }),
        (BinOp::Le, _, true) => Box::new(move |d| Op::LesImm { dst: d, a: x, imm }),
        (BinOp::Le, _, false) => Box::new(move |d| Op::LeuImm { dst: d, a: x, imm }),
        (BinOp::Gt, _, true) => Box::new(move |d| Op::GtsImm { dst: d, a: x, imm }),
        (BinOp::Gt, _, false) => Box::new(move |d| Op::GtuImm { dst: d, a: x, imm }),
        (BinOp::Ge, _, true) => Box::new(move |d| Op::GesImm { dst: d, a: x, imm }),
        (BinOp::Ge, _, false) => Box::new(move |d| Op::GeuImm { dst: d, a: x, imm }),
        _ => return None,
    };
    Some(f)
}

/// The instruction computing `k op y` with the constant `k` on the left of an operation that
/// cannot swap its operands, if there is one (wrapping subtraction, shift left).
fn with_imm_left(op: BinOp, k: u64, y: Slot, janus: bool) -> Option<Box<dyn Fn(Slot) -> Op>> {
    let imm = Imm(k);
    let f: Box<dyn Fn(Slot) -> Op> = match (op, janus) {
        (BinOp::Sub, false) => Box::new(move |d| Op::RsubImm { dst: d, a: y, imm }),
        (BinOp::Shl, _) => Box::new(move |d| Op::RshlImm { dst: d, a: y, imm }),
        _ => return None,
    };
    Some(f)
}

/// `x op y` computed at compile time, when it is defined (no division by zero, no Janus
/// overflow: those stay run-time errors at their span).
fn fold(op: BinOp, x: u64, y: u64, signed: bool, janus: bool) -> Option<u64> {
    let (a, b) = (x as i64, y as i64);
    let shift = |f: fn(u64, u64) -> u64| Some(f(x, y));
    Some(match op {
        BinOp::Add if janus => a.checked_add(b)? as u64,
        BinOp::Sub if janus => a.checked_sub(b)? as u64,
        BinOp::Mul if janus => a.checked_mul(b)? as u64,
        BinOp::Div | BinOp::Mod if janus => return None,
        BinOp::Add => x.wrapping_add(y),
        BinOp::Sub => x.wrapping_sub(y),
        BinOp::Mul => x.wrapping_mul(y),
        BinOp::Div if signed => {
            a.checked_div(b).map(|v| v as u64).or_else(|| (b == -1).then(|| a.wrapping_div(b) as u64))?
        }
        BinOp::Div => x.checked_div(y)?,
        BinOp::Mod if signed => a.checked_rem(b).map(|v| v as u64).or_else(|| (b == -1).then_some(0))?,
        BinOp::Mod => x.checked_rem(y)?,
        BinOp::Shl => return shift(|x, y| if y >= 64 { 0 } else { x << y }),
        BinOp::Shr if signed => (a >> y.min(63)) as u64,
        BinOp::Shr => return shift(|x, y| if y >= 64 { 0 } else { x >> y }),
        BinOp::And => x & y,
        BinOp::Or => x | y,
        BinOp::Xor => x ^ y,
        BinOp::Eq => (x == y) as u64,
        BinOp::Ne => (x != y) as u64,
        BinOp::Lt if signed => (a < b) as u64,
        BinOp::Lt => (x < y) as u64,
        BinOp::Le if signed => (a <= b) as u64,
        BinOp::Le => (x <= y) as u64,
        BinOp::Gt if signed => (a > b) as u64,
        BinOp::Gt => (x > y) as u64,
        BinOp::Ge if signed => (a >= b) as u64,
        BinOp::Ge => (x >= y) as u64,
        BinOp::LogAnd | BinOp::LogOr => return None,
    })
}

fn limit(span: Span, what: &str) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::error(Code::E0902, format!("gene too large for the bytecode: {what}"), span)
            .hint("split the gene into smaller genes"),
    )
}

fn internal(span: Span, what: &str) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(
        Code::E0999,
        format!("internal error: {what} (the checker should have rejected this)"),
        span,
    ))
}

impl<'a> GeneCompiler<'a> {
    fn new(
        prog: &'a Program,
        genes: &'a HashMap<&'a str, usize>,
        calls: &'a ParamWrites<'a>,
        strings: &'a mut Strings,
    ) -> GeneCompiler<'a> {
        GeneCompiler {
            prog,
            genes,
            calls,
            strings,
            dialect: prog.dialect,
            code: Vec::new(),
            spans: Vec::new(),
            args: Vec::new(),
            scope: Scope::default(),
            free: FreeSlots::default(),
            next_slot: 0,
            temps: Vec::new(),
            storage: 0,
            storage_max: 0,
            slot_names: Vec::new(),
            guard: None,
            guard_index: None,
            pure_run: 0,
            cse: Vec::new(),
            too_long: false,
            fixed: false,
            demand: 64,
            may_hoist: prog.dialect != Dialect::Janus,
            hoisted: Vec::new(),
            hoist_free: Vec::new(),
        }
    }

    fn run(mut self, g: &Gene) -> R<(GeneDef, GeneDebug)> {
        let mut params = Vec::with_capacity(g.params.len());
        for p in &g.params {
            let var = match p.ty {
                Type::U64 | Type::I64 | Type::Fixed(_) => {
                    self.fixed |= p.ty.width().is_some();
                    Var::Scalar { slot: self.fresh(p.name.span, &p.name.name)?, ty: p.ty }
                }
                Type::Array(elem, len) => {
                    let a = self.fresh(p.name.span, &p.name.name)?;
                    self.fresh(p.name.span, &format!("{}.len", p.name.name))?;
                    Var::Array { arr: Arr(a.0), elem, len, at: 0 }
                }
                Type::Stack => Var::Stack { slot: self.fresh(p.name.span, &p.name.name)? },
            };
            self.scope.open(&p.name.name, var);
            params.push(ParamDef { name: p.name.name.clone(), ty: p.ty });
        }
        // Most statements take one to three instructions: allocate for the common case once.
        let estimate = g.body.stmts.len().saturating_mul(3) + 2;
        self.code.reserve(estimate);
        self.spans.reserve(estimate);
        self.emit(Op::Enter {}, g.name.span);
        self.block(&g.body)?;
        self.emit(Op::Exit {}, g.body.span);
        if self.too_long {
            return Err(limit(g.span, "an expression needs more than 65 535 instructions"));
        }
        let slots = u16::try_from(self.next_slot).map_err(|_| limit(g.span, "more than 65 535 slots"))?;
        let words = self.next_slot as u64 + self.storage_max;
        let words = u32::try_from(words)
            .ok()
            .filter(|&w| w <= crate::module::MAX_FRAME_WORDS)
            .ok_or_else(|| limit(g.span, "local arrays too large"))?;
        // Local array storage was numbered from 0; it lives after the slots.
        for op in &mut self.code {
            if let Op::LocalArr { at, .. } | Op::DelocalArr { at, .. } = op {
                at.0 += slots as u32;
            }
        }
        if self.code.len() > (u32::MAX / 2) as usize {
            return Err(limit(g.span, "too many instructions"));
        }
        let def = GeneDef {
            name: g.name.name.clone(),
            params,
            slots,
            words,
            args: self.args,
            code: self.code,
            param_slots: Vec::new(),
            param_pass: Vec::new(),
            param_back: Vec::new(),
            tape_tags: Vec::new(),
            param_words: 0,
            backward: Default::default(),
            plain: Default::default(),
            loops: Vec::new(),
            arg_written: Vec::new(),
            skipping: Default::default(),
        };
        Ok((def, GeneDebug { spans: self.spans, slot_names: self.slot_names }))
    }

    // ---- slots --------------------------------------------------------------------------

    fn fresh(&mut self, span: Span, name: &str) -> R<Slot> {
        let s = self.alloc(span)?;
        let i = s.0 as usize;
        if self.slot_names.len() <= i {
            self.slot_names.resize(i + 1, String::new());
        }
        // A slot reused by locals in turn lists their names in the order they open, `NAME*N`
        // for N in a row (`GeneDebug::slot_uses`): a gene of thousands of loops, each with its
        // own counter `i`, names that slot `i*5000`. Only the last entry is looked at, so the
        // names cost time and space in proportion to the locals.
        let n = &mut self.slot_names[i];
        if n.is_empty() {
            *n = name.to_string();
        } else {
            let last = n.rsplit('/').next().unwrap_or_default();
            let (last_name, count) = crate::module::slot_use(last);
            if last_name == name {
                let keep = n.len() - last.len();
                n.truncate(keep);
                n.push_str(name);
                n.push('*');
                n.push_str(&(count + 1).to_string());
            } else {
                n.push('/');
                n.push_str(name);
            }
        }
        Ok(s)
    }

    fn alloc(&mut self, span: Span) -> R<Slot> {
        if let Some(s) = self.free.pop_lowest() {
            return Ok(Slot(s));
        }
        if self.next_slot >= u16::MAX as u32 - 1 {
            return Err(limit(span, "more than 65 535 slots"));
        }
        self.next_slot += 1;
        Ok(Slot((self.next_slot - 1) as u16))
    }

    /// Two adjacent fresh slots (an array's address and length).
    fn alloc_pair(&mut self, span: Span, name: &str) -> R<Arr> {
        if self.next_slot >= u16::MAX as u32 - 2 {
            return Err(limit(span, "more than 65 535 slots"));
        }
        let a = self.next_slot as u16;
        self.next_slot += 2;
        let i = a as usize;
        if self.slot_names.len() <= i + 1 {
            self.slot_names.resize(i + 2, String::new());
        }
        self.slot_names[i] = name.to_string();
        self.slot_names[i + 1] = format!("{name}.len");
        Ok(Arr(a))
    }

    fn release(&mut self, s: Slot) {
        self.free.insert(s.0);
    }

    fn temp(&mut self, span: Span) -> R<Slot> {
        let s = self.alloc(span)?;
        self.temps.push(s);
        Ok(s)
    }

    fn is_temp(&self, s: Slot) -> bool {
        self.temps.contains(&s)
    }

    /// Makes the comparison (or `empty`) just emitted, which computed temporary `b`, write `d`
    /// instead; false when the last instruction is not such a comparison.
    fn retarget(&mut self, b: Slot, d: Slot) -> bool {
        if !self.is_temp(b) {
            return false;
        }
        match self.code.last_mut() {
            Some(
                Op::Eq { dst, .. }
                | Op::Ne { dst, .. }
                | Op::Ltu { dst, .. }
                | Op::Lts { dst, .. }
                | Op::Leu { dst, .. }
                | Op::Les { dst, .. }
                | Op::EqImm { dst, .. }
                | Op::NeImm { dst, .. }
                | Op::LtuImm { dst, .. }
                | Op::LtsImm { dst, .. }
                | Op::LeuImm { dst, .. }
                | Op::LesImm { dst, .. }
                | Op::GtuImm { dst, .. }
                | Op::GtsImm { dst, .. }
                | Op::GeuImm { dst, .. }
                | Op::GesImm { dst, .. }
                | Op::Lnot { dst, .. }
                | Op::Empty { dst, .. },
            ) if *dst == b => {
                *dst = d;
                self.cse.clear();
                true
            }
            _ => false,
        }
    }

    fn free_temps(&mut self, mark: usize) {
        while self.temps.len() > mark {
            if let Some(t) = self.temps.pop() {
                self.release(t);
            }
        }
    }

    /// The temporary holding pure instruction `make(d)`'s value: a new one, or the one an
    /// identical instruction of the same expression code already wrote.
    fn pure_op(&mut self, span: Span, make: &dyn Fn(Slot) -> R<Op>) -> R<Slot> {
        let key = make(CSE_DST)?;
        if let Some(&(_, d)) = self.cse.iter().rev().take(CSE_WINDOW).find(|(k, _)| *k == key) {
            return Ok(d);
        }
        let d = self.temp(span)?;
        self.emit(make(d)?, span);
        self.cse.push((key, d));
        Ok(d)
    }

    fn emit(&mut self, mut op: Op, span: Span) -> usize {
        if !op.is_pure() || matches!(op, Op::Jz { .. } | Op::Jnz { .. }) {
            self.cse.clear();
        }
        if op.is_pure() {
            self.pure_run += 1;
        } else {
            // The consumer records how much expression code precedes it (checked against
            // u16 in `run`).
            op.set_pre(self.pure_run.min(u16::MAX as usize) as u16);
            if self.pure_run > u16::MAX as usize {
                self.too_long = true;
            }
            self.pure_run = 0;
        }
        self.code.push(op);
        self.spans.push(span);
        self.code.len() - 1
    }

    fn here(&self) -> u32 {
        self.code.len() as u32
    }

    fn find(&self, name: &str) -> Option<Var> {
        self.scope.find(name)
    }

    fn lookup(&self, name: &str, span: Span) -> R<Var> {
        self.find(name).ok_or_else(|| internal(span, &format!("unknown name `{name}`")))
    }

    fn type_of(&self, name: &str) -> Option<Type> {
        self.find(name).map(|v| match v {
            Var::Scalar { ty, .. } => ty,
            Var::Array { elem, len, .. } => Type::Array(elem, len),
            Var::Stack { .. } => Type::Stack,
        })
    }

    fn operands_signed(&self, l: &Expr, r: &Expr) -> bool {
        rdx_lang::types::operands_signed(self.dialect, l, r, &|n| self.type_of(n))
    }

    fn janus(&self) -> bool {
        self.dialect == Dialect::Janus
    }

    // ---- expressions --------------------------------------------------------------------

    fn expr(&mut self, e: &Expr) -> R<Opnd> {
        let demand = std::mem::replace(&mut self.demand, 64);
        if let Some(&(_, t)) = self.hoisted.iter().rev().find(|(h, _)| hoist::same(h, e)) {
            return Ok(Opnd::S(t));
        }
        Ok(match &e.kind {
            ExprKind::Int(v) => Opnd::K(*v),
            ExprKind::Var(name) => match self.lookup(name, e.span)? {
                Var::Scalar { slot, .. } => Opnd::S(slot),
                _ => return Err(internal(e.span, &format!("`{name}` is not a number"))),
            },
            ExprKind::Index(a, i) => {
                let (arr, _) = self.array(a)?;
                // `a[v + j]` and `a[v + k]` with j != k (mod 2^64) never alias: no check.
                let at = self.affine(i);
                let distinct =
                    |g: AliasGuard| matches!((g.at, at), (Some((v, j)), Some((w, k))) if v == w && j != k);
                let check = self.guard.filter(|g| g.arr == arr && !distinct(*g));
                // `a[v + k]` read in one instruction (the sum wraps as rdx's `+` does; Janus
                // checks its `+`, so it keeps the sum's instruction), unless an alias check
                // needs the index in a slot.
                if let (Some((idx, k)), None, false) = (at, check, self.janus())
                    && k != 0
                {
                    return Ok(Opnd::S(
                        self.pure_op(e.span, &|d| Ok(Op::LoadOff { dst: d, arr, idx, imm: Imm(k) }))?,
                    ));
                }
                let idx = match (self.expr(i)?, check) {
                    // A constant index (`s[1]`, `a[size(a) - 1]`) as an immediate.
                    (Opnd::K(k), None) => {
                        return Ok(Opnd::S(
                            self.pure_op(e.span, &|d| Ok(Op::LoadImm { dst: d, arr, imm: Imm(k) }))?,
                        ));
                    }
                    (Opnd::K(k), Some(_)) => self.konst(k, i.span)?,
                    (Opnd::S(s), _) => s,
                };
                if let Some(g) = check {
                    let b = self.guard_slot(g)?;
                    self.emit(Op::Noalias { a: idx, b }, e.span);
                }
                Opnd::S(self.pure_op(e.span, &|d| Ok(Op::Load { dst: d, arr, idx }))?)
            }
            ExprKind::Unary(op, inner) => {
                let inner_demand = self.operand_demand(e, demand, 0);
                self.demand = inner_demand;
                // The operand is compiled once (compiled again to get its slot, a chain of n
                // unary operators took 2ⁿ compilations: `- - … - y`).
                let v = match self.expr(inner)? {
                    Opnd::S(s) => s,
                    Opnd::K(k) => {
                        let folded = match op {
                            UnOp::Neg if self.janus() => (k as i64).checked_neg().map(|v| v as u64),
                            UnOp::Neg => Some(k.wrapping_neg()),
                            UnOp::BitNot => Some(!k),
                            UnOp::Not => Some((k == 0) as u64),
                        };
                        match folded {
                            Some(v) => return Ok(Opnd::K(v)),
                            None => self.konst(k, inner.span)?,
                        }
                    }
                };
                let janus = self.janus();
                let d = self.pure_op(e.span, &|d| {
                    Ok(match op {
                        UnOp::Neg if janus => Op::Neg3Chk { dst: d, a: v },
                        UnOp::Neg => Op::Neg3 { dst: d, a: v },
                        UnOp::BitNot => Op::Bnot { dst: d, a: v },
                        UnOp::Not => Op::Lnot { dst: d, a: v },
                    })
                })?;
                return self.at_width(e, Opnd::S(d), demand);
            }
            ExprKind::Binary(..) => {
                let v = self.binary(e, demand)?;
                return self.at_width(e, v, demand);
            }
            ExprKind::Builtin(f, x) => {
                let var = self.lookup(&x.name, x.span)?;
                match (f, var) {
                    // An array's length is its type's (the engine checks arguments, the
                    // checker calls, and `local.arr` opens it so): a constant, as the length
                    // slot holds it (words: a c64 element takes two).
                    (Builtin::Size, Var::Array { elem, len, .. }) => {
                        Opnd::K(len.saturating_mul(elem.words()))
                    }
                    (Builtin::Size | Builtin::Empty | Builtin::Top, Var::Stack { slot }) => {
                        let d = self.temp(e.span)?;
                        let op = match f {
                            Builtin::Size => Op::Size { dst: d, stack: slot },
                            Builtin::Empty => Op::Empty { dst: d, stack: slot },
                            Builtin::Top => Op::Top { dst: d, stack: slot },
                        };
                        self.emit(op, e.span);
                        Opnd::S(d)
                    }
                    _ => return Err(internal(e.span, "built-in applied to the wrong kind of variable")),
                }
            }
            ExprKind::Nil => return Err(internal(e.span, "`nil` used as a number")),
        })
    }

    /// An index expression as `v + k` (a 64-bit scalar variable plus a constant, wrapping),
    /// so two indices of one variable are known to differ when their constants do.
    fn affine(&self, e: &Expr) -> Option<(Slot, u64)> {
        let var = |x: &Expr| match &x.kind {
            ExprKind::Var(n) => match self.find(n)? {
                Var::Scalar { slot, ty: Type::U64 | Type::I64 } => Some(slot),
                _ => None,
            },
            _ => None,
        };
        let int = |x: &Expr| match x.kind {
            ExprKind::Int(k) => Some(k),
            _ => None,
        };
        match &e.kind {
            ExprKind::Var(_) => Some((var(e)?, 0)),
            ExprKind::Binary(BinOp::Add, l, r) => match (var(l), int(r), int(l), var(r)) {
                (Some(v), Some(k), ..) | (_, _, Some(k), Some(v)) => Some((v, k)),
                _ => None,
            },
            ExprKind::Binary(BinOp::Sub, l, r) => Some((var(l)?, int(r)?.wrapping_neg())),
            _ => None,
        }
    }

    /// The fixed width `e` is computed at, if any (see [`rdx_lang::types::expr_width`]).
    fn width_of(&self, e: &Expr) -> Option<Wid> {
        if !self.fixed {
            return None;
        }
        rdx_lang::types::expr_width(e, &|n| self.type_of(n)).map(Wid::of)
    }

    /// The result `v` of an arithmetic step of `e`, reduced to `e`'s fixed width (a `wrap` of
    /// its temporary); unchanged when `e` is computed on words. No `wrap` either where the
    /// consumer uses no more low bits than the width has (`demand`, see
    /// [`Self::operand_demand`]: the bits a wrap changes are never read), or where the value
    /// is reduced already ([`Self::reduced`]).
    fn at_width(&mut self, e: &Expr, v: Opnd, demand: u8) -> R<Opnd> {
        if let (Opnd::S(d), Some(w)) = (v, self.width_of(e))
            && self.is_temp(d)
            && demand > w.width().bits
            && !self.reduced_by_op(e, w.width(), demand, REDUCED_DEPTH)
        {
            self.emit(Op::Wrap { dst: d, a: d, w }, e.span);
        }
        Ok(v)
    }

    /// How many low bits of operand `k` (0: left or only) of `e` its value depends on, when
    /// `e`'s consumer uses its low `demand` bits: an operation whose low bits depend only on
    /// its operands' low bits (`+ - * & | ^ ~`, unary `-`, the value shifted by `<<`) passes
    /// the demand on (at most `e`'s width: its wrap reads no more), any other wants all 64.
    /// Janus's operations are checked: all 64.
    fn operand_demand(&self, e: &Expr, demand: u8, k: usize) -> u8 {
        if !self.fixed || self.janus() {
            return 64;
        }
        let passes = match &e.kind {
            ExprKind::Unary(op, _) => matches!(op, UnOp::Neg | UnOp::BitNot),
            ExprKind::Binary(op, ..) => {
                matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::And | BinOp::Or | BinOp::Xor)
                    || (*op == BinOp::Shl && k == 0)
            }
            _ => false,
        };
        if !passes {
            return 64;
        }
        self.width_of(e).map_or(demand, |w| demand.min(w.width().bits))
    }

    /// Whether the value `e` computes (with the wraps [`Self::at_width`] keeps where its
    /// consumer uses the low `demand` bits) is in canonical form at width `w` already.
    /// Looks `depth` levels down at most.
    fn reduced(&self, e: &Expr, w: Width, demand: u8, depth: u8) -> bool {
        // A value of width `v` is one of width `w` too when `w` holds all of `v`'s values.
        let fits = |v: Width| v == w || (v.bits < w.bits && (w.signed || !v.signed));
        match &e.kind {
            ExprKind::Int(k) => w.holds(*k),
            ExprKind::Var(n) => self.type_of(n).and_then(Type::width).is_some_and(fits),
            _ if e.is_boolean() => true,
            ExprKind::Unary(..) | ExprKind::Binary(..) if depth > 0 => match self.width_of(e) {
                // Its own wrap (kept, or left out because the value is reduced already).
                Some(v) if demand > v.width().bits => fits(v.width()),
                _ => self.reduced_by_op(e, w, demand, depth),
            },
            _ => false,
        }
    }

    /// Whether operation `e` keeps its operands' canonical form at width `w` (`&`, `|`, `^`,
    /// `>>`, `~` of signed values): reduced operands give a reduced result.
    fn reduced_by_op(&self, e: &Expr, w: Width, demand: u8, depth: u8) -> bool {
        let depth = depth.saturating_sub(1);
        let side = |x: &Expr, k: usize| self.reduced(x, w, self.operand_demand(e, demand, k), depth);
        match &e.kind {
            ExprKind::Binary(BinOp::And, l, r) if !w.signed => side(l, 0) || side(r, 1),
            ExprKind::Binary(BinOp::And | BinOp::Or | BinOp::Xor, l, r) => side(l, 0) && side(r, 1),
            // A logical shift of a signed width's negative value is not one of its values;
            // an arithmetic shift of an unsigned width's value is a logical one.
            ExprKind::Binary(BinOp::Shr, l, r) => (!w.signed || self.operands_signed(l, r)) && side(l, 0),
            ExprKind::Unary(UnOp::BitNot, x) => w.signed && side(x, 0),
            _ => false,
        }
    }

    /// The value of `e` converted to the fixed width `w` (a local's initial or final value).
    fn expr_to_width(&mut self, e: &Expr, w: Option<Wid>) -> R<Opnd> {
        let v = self.expr(e)?;
        let Some(w) = w else { return Ok(v) };
        Ok(match v {
            Opnd::K(k) => Opnd::K(w.wrap(k)),
            Opnd::S(s) if self.width_of(e) == Some(w) => Opnd::S(s),
            Opnd::S(s) => {
                let d = self.temp(e.span)?;
                self.emit(Op::Wrap { dst: d, a: s, w }, e.span);
                Opnd::S(d)
            }
        })
    }

    /// The slot and width of the fixed-width scalar variable a statement updates in place
    /// (None for anything else): such a statement is emitted between two `fix`.
    fn fixed_target(&self, s: &Stmt) -> Option<(Slot, Wid)> {
        if !self.fixed {
            return None;
        }
        let place = match &s.kind {
            StmtKind::Update { target, .. }
            | StmtKind::Mul { target, .. }
            | StmtKind::XorShift { target, .. }
            | StmtKind::Assign { target, .. } => target,
            StmtKind::Neg(p) | StmtKind::Not(p) | StmtKind::Erase(p) => p,
            StmtKind::Undo(inner) => return self.fixed_target(inner),
            _ => return None,
        };
        let (slot, w) = self.fixed_scalar(place)?;
        // An update by an expression wraps itself (`add.w` …; `x op= a[i]` does not); `x := e`
        // and `erase x` of a value in canonical form leave x in it: no fix.
        let kept = match &s.kind {
            StmtKind::Update { value, .. } => !matches!(value.kind, ExprKind::Index(..)),
            // A right shift of an unsigned width's value stays below its top bit.
            StmtKind::XorShift { dir: Dir::Right, .. } => !w.signed,
            // `x := e` writes `e` reduced to the width (`assign`), `erase x` a zero.
            StmtKind::Assign { .. } | StmtKind::Erase(_) => true,
            _ => false,
        };
        (!kept).then_some((slot, Wid::of(w)))
    }

    /// The slot and width of `place` if it is a fixed-width scalar variable.
    fn fixed_scalar(&self, place: &Place) -> Option<(Slot, Width)> {
        if !self.fixed || place.index.is_some() {
            return None;
        }
        match self.find(&place.name.name)? {
            Var::Scalar { slot, ty: Type::Fixed(w) } => Some((slot, w)),
            _ => None,
        }
    }

    fn expr_slot(&mut self, e: &Expr) -> R<Slot> {
        match self.expr(e)? {
            Opnd::S(s) => Ok(s),
            Opnd::K(k) => self.konst(k, e.span),
        }
    }

    fn konst(&mut self, k: u64, span: Span) -> R<Slot> {
        self.pure_op(span, &|d| Ok(Op::Const { dst: d, imm: Imm(k) }))
    }

    fn binary(&mut self, e: &Expr, demand: u8) -> R<Opnd> {
        let ExprKind::Binary(op, l, r) = &e.kind else {
            return Err(internal(e.span, "not a binary operation"));
        };
        let (op, span) = (*op, e.span);
        if matches!(op, BinOp::LogAnd | BinOp::LogOr) {
            // Each side's comparison is then its own fresh instruction, which `retarget` may
            // rewrite.
            self.cse.clear();
            // The result slot gets each side as 0 or 1; a side that is a comparison or a logical
            // operation already is, and is computed straight into it (no `bool`).
            let a = self.expr_slot(l)?;
            let d = if zero_or_one(l) && self.is_temp(a) { a } else { self.temp(span)? };
            if d != a {
                self.emit(Op::Bool { dst: d, a }, span);
            }
            // What the left side computed holds on the right (which runs only after it, with
            // nothing written in between but `d`'s own value, which the right side's result
            // overwrites last): `x[i] >= 97 && x[i] <= 122` loads `x[i]` once.
            let left = std::mem::take(&mut self.cse);
            let jump = self.emit(Op::Jz { a: d, to: Off(0) }, span);
            self.cse = left.into_iter().filter(|&(_, t)| t != d).collect();
            let b = self.expr_slot(r)?;
            if !(is_comparison(r) && self.retarget(b, d)) {
                self.emit(Op::Bool { dst: d, a: b }, span);
            }
            let to = Off(self.here());
            self.code[jump] = if op == BinOp::LogAnd { Op::Jz { a: d, to } } else { Op::Jnz { a: d, to } };
            // The right operand's code may have been jumped over: nothing it computed is
            // known here.
            self.cse.clear();
            return Ok(Opnd::S(d));
        }
        // Only these operators have signed forms (walking the operands for the others would
        // make long expressions quadratic for nothing).
        let signed = matches!(
            op,
            BinOp::Div | BinOp::Mod | BinOp::Shr | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        ) && self.operands_signed(l, r);
        let janus = self.janus();
        self.demand = self.operand_demand(e, demand, 0);
        let a = self.expr(l)?;
        self.demand = self.operand_demand(e, demand, 1);
        let b = self.expr(r)?;
        // Constant operands: folded when both are, else an immediate (no `const` instruction)
        // on the right, or on the left of an operation that can swap its operands.
        let imm = match (a, b) {
            (Opnd::K(x), Opnd::K(y)) => match fold(op, x, y, signed, janus) {
                Some(v) => return Ok(Opnd::K(v)),
                None => None,
            },
            (Opnd::S(x), Opnd::K(k)) => with_imm(op, x, k, signed, janus),
            (Opnd::K(k), Opnd::S(y)) => swapped(op)
                .and_then(|op| with_imm(op, y, k, signed, janus))
                .or_else(|| with_imm_left(op, k, y, janus)),
            (Opnd::S(_), Opnd::S(_)) => None,
        };
        if let Some(make) = imm {
            return Ok(Opnd::S(self.pure_op(span, &|d| Ok(make(d)))?));
        }
        let a = match a {
            Opnd::S(s) => s,
            Opnd::K(k) => self.konst(k, l.span)?,
        };
        let b = match b {
            Opnd::S(s) => s,
            Opnd::K(k) => self.konst(k, r.span)?,
        };
        let (x, y) = (a, b);
        let make = |d: Slot| -> R<Op> {
            Ok(match op {
                BinOp::Add if janus => Op::Add3Chk { dst: d, a: x, b: y },
                BinOp::Sub if janus => Op::Sub3Chk { dst: d, a: x, b: y },
                BinOp::Mul if janus => Op::Mul3Chk { dst: d, a: x, b: y },
                BinOp::Div if janus => Op::Divf { dst: d, a: x, b: y },
                BinOp::Mod if janus => Op::Modf { dst: d, a: x, b: y },
                BinOp::Add => Op::Add3 { dst: d, a: x, b: y },
                BinOp::Sub => Op::Sub3 { dst: d, a: x, b: y },
                BinOp::Mul => Op::Mul3 { dst: d, a: x, b: y },
                BinOp::Div if signed => Op::Divs { dst: d, a: x, b: y },
                BinOp::Div => Op::Divu { dst: d, a: x, b: y },
                BinOp::Mod if signed => Op::Rems { dst: d, a: x, b: y },
                BinOp::Mod => Op::Remu { dst: d, a: x, b: y },
                BinOp::Shl => Op::Shl { dst: d, a: x, b: y },
                BinOp::Shr if signed => Op::Shrs { dst: d, a: x, b: y },
                BinOp::Shr => Op::Shru { dst: d, a: x, b: y },
                BinOp::And => Op::And { dst: d, a: x, b: y },
                BinOp::Or => Op::Or { dst: d, a: x, b: y },
                BinOp::Xor => Op::Xor3 { dst: d, a: x, b: y },
                BinOp::Eq => Op::Eq { dst: d, a: x, b: y },
                BinOp::Ne => Op::Ne { dst: d, a: x, b: y },
                BinOp::Lt if signed => Op::Lts { dst: d, a: x, b: y },
                BinOp::Lt => Op::Ltu { dst: d, a: x, b: y },
                BinOp::Le if signed => Op::Les { dst: d, a: x, b: y },
                BinOp::Le => Op::Leu { dst: d, a: x, b: y },
                BinOp::Gt if signed => Op::Lts { dst: d, a: y, b: x },
                BinOp::Gt => Op::Ltu { dst: d, a: y, b: x },
                BinOp::Ge if signed => Op::Les { dst: d, a: y, b: x },
                BinOp::Ge => Op::Leu { dst: d, a: y, b: x },
                BinOp::LogAnd | BinOp::LogOr => return Err(internal(span, "logical operator")),
            })
        };
        Ok(Opnd::S(self.pure_op(span, &make)?))
    }

    /// A counted loop, `from a do { …; i += 1 } until c` (or `i -= 1`) with no loop block and
    /// conditions of simple shape, as `from.c … loop.inc loop.exit`: one instruction per
    /// iteration for the step, the exit test and the entry assertion. `None`: not that shape.
    ///
    /// A test-first loop `from i == a do { } loop { …; i += 1 } until i == c` with constants
    /// a ≠ c is one too: nothing runs between its entry assertion and its first exit test,
    /// which therefore never holds, so it is the same loop (both ways, from any state) with
    /// its loop block as the do-block.
    ///
    /// A Janus loop is one only between constants, upward from a to c > a (downward to c < a)
    /// with nothing else changing the counter (Janus's `iterate int i = 0 to 4095`): its step
    /// is checked arithmetic, which then never overflows, so `loop.inc` (which does not check)
    /// is the same step.
    fn counted_loop(
        &mut self,
        entry: &Expr,
        body: &Block,
        again: Option<&Block>,
        until: &Expr,
    ) -> R<Option<()>> {
        let (body, test_first) = match again {
            Some(l) if l.stmts.is_empty() => (body, false),
            Some(l) if body.stmts.is_empty() => (l, true),
            Some(_) => return Ok(None),
            None => (body, false),
        };
        let Some((last, rest)) = body.stmts.split_last() else { return Ok(None) };
        let StmtKind::Update { target, op: op @ (UpdateOp::Add | UpdateOp::Sub), value } = &last.kind else {
            return Ok(None);
        };
        // A step of one, up or down (`i += -1`, Janus's `by -1`, steps down).
        let upward = match (op, self.constant(value)) {
            (UpdateOp::Add, Some(1)) | (UpdateOp::Sub, Some(u64::MAX)) => true,
            (UpdateOp::Sub, Some(1)) | (UpdateOp::Add, Some(u64::MAX)) => false,
            _ => return Ok(None),
        };
        if target.index.is_some() {
            return Ok(None);
        }
        let Ok(Var::Scalar { slot: ctr, ty }) = self.lookup(&target.name.name, target.span) else {
            return Ok(None);
        };
        // `ctr == k` for a constant k.
        let bound = |e: &Expr| match &e.kind {
            ExprKind::Binary(BinOp::Eq, l, r) => match (&l.kind, &r.kind) {
                (ExprKind::Var(n), _) if *n == target.name.name => self.constant(r),
                (_, ExprKind::Var(n)) if *n == target.name.name => self.constant(l),
                _ => None,
            },
            _ => None,
        };
        if test_first && !matches!((bound(entry), bound(until)), (Some(a), Some(c)) if a != c) {
            return Ok(None);
        }
        // `loop.inc` steps without wrapping (or a Janus overflow check): a fixed-width or
        // Janus counter only where it never wraps, from `ctr == a` to `ctr == c` with
        // constants a < c (a > c down) that nothing else in the loop changes (a call only
        // where its callee may change that argument).
        // (A Janus integer is a signed word: every constant is one.)
        let signed_word = |_: u64| true;
        let (holds, signed): (&dyn Fn(u64) -> bool, bool) = match ty.width() {
            Some(w) => (&move |x| w.holds(x), w.signed),
            None if self.janus() => (&signed_word, true),
            None => (&signed_word, false),
        };
        if ty.width().is_some() || self.janus() {
            let (Some(a), Some(c)) = (bound(entry), bound(until)) else { return Ok(None) };
            let order = |x: u64| if signed { x as i64 as i128 } else { x as i128 };
            if !holds(a) || !holds(c) || (order(a) < order(c)) != upward || a == c {
                return Ok(None);
            }
            if rest.iter().any(|s| may_change(s, &target.name.name, self.calls)) {
                return Ok(None);
            }
        }
        let (Some(a), Some(c)) = (self.simple_cond(entry), self.simple_cond(until)) else { return Ok(None) };
        let top = self.emit(Op::FromC { cond: a, loop_back: Off(0) }, entry.span);
        self.stmts(rest)?;
        let from_top = Off(top as u32);
        let step = if upward {
            Op::LoopInc { ctr, cond: c, from_top }
        } else {
            Op::LoopDec { ctr, cond: c, from_top }
        };
        let lp = self.emit(step, until.span);
        self.emit(Op::LoopExit { until: Off(lp as u32) }, until.span);
        self.code[top] = Op::FromC { cond: a, loop_back: Off(lp as u32) };
        Ok(Some(()))
    }

    /// The value of `e` when it is known at compile time: literals, array sizes and
    /// operations on them that fold (`size(a) - 2`, `2 * size(x)`), as the expression code
    /// would compute them (a Janus overflow or a division by zero is not folded).
    fn constant(&self, e: &Expr) -> Option<u64> {
        match &e.kind {
            ExprKind::Int(k) => Some(*k),
            ExprKind::Builtin(Builtin::Size, a) => match self.lookup(&a.name, a.span).ok()? {
                Var::Array { elem, len, .. } => Some(len.saturating_mul(elem.words())),
                _ => None,
            },
            ExprKind::Binary(op, l, r) => {
                let (x, y) = (self.constant(l)?, self.constant(r)?);
                fold(*op, x, y, self.operands_signed(l, r), self.janus())
            }
            // (Janus's `-x` of the smallest integer overflows: not folded.)
            ExprKind::Unary(UnOp::Neg, x) => {
                let k = self.constant(x)?;
                (!self.janus() || k != 1 << 63).then(|| k.wrapping_neg())
            }
            _ => None,
        }
    }

    /// A condition that needs no expression code, if `e` has such a shape (an operand computed
    /// before the loop, [`Self::hoist`], reads its slot).
    fn simple_cond(&self, e: &Expr) -> Option<Cond> {
        let slot_of = |x: &Expr| -> Option<Slot> {
            match &x.kind {
                ExprKind::Var(n) => match self.lookup(n, x.span).ok()? {
                    Var::Scalar { slot, .. } => Some(slot),
                    _ => None,
                },
                _ => self.hoisted.iter().rev().find(|(h, _)| hoist::same(h, x)).map(|&(_, t)| t),
            }
        };
        let small = |x: &Expr| -> Option<u32> { u32::try_from(self.constant(x)?).ok() };
        match &e.kind {
            ExprKind::Binary(op @ (BinOp::Eq | BinOp::Ne), l, r) => {
                let eq = *op == BinOp::Eq;
                if let (Some(a), Some(b)) = (slot_of(l), slot_of(r)) {
                    return Some(if eq { Cond::Eq(a, b) } else { Cond::Ne(a, b) });
                }
                let (a, k) = match (slot_of(l), small(r), small(l), slot_of(r)) {
                    (Some(a), Some(k), _, _) | (_, _, Some(k), Some(a)) => (a, k),
                    _ => return None,
                };
                Some(if eq { Cond::EqImm(a, k) } else { Cond::NeImm(a, k) })
            }
            ExprKind::Binary(op @ (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge), l, r) => {
                let signed = self.operands_signed(l, r);
                if let (Some(a), Some(b)) = (slot_of(l), slot_of(r)) {
                    // `a > b` is `b < a`.
                    let (a, b) = if matches!(op, BinOp::Gt | BinOp::Ge) { (b, a) } else { (a, b) };
                    return Some(match (op, signed) {
                        (BinOp::Lt | BinOp::Gt, false) => Cond::LtU(a, b),
                        (BinOp::Lt | BinOp::Gt, true) => Cond::LtS(a, b),
                        (_, false) => Cond::LeU(a, b),
                        (_, true) => Cond::LeS(a, b),
                    });
                }
                // `k < a` is `a > k`.
                let (a, k, op) = match (slot_of(l), small(r), small(l), slot_of(r)) {
                    (Some(a), Some(k), _, _) => (a, k, *op),
                    (_, _, Some(k), Some(a)) => (a, k, swapped(*op)?),
                    _ => return None,
                };
                Some(match (op, signed) {
                    (BinOp::Lt, false) => Cond::LtUImm(a, k),
                    (BinOp::Lt, true) => Cond::LtSImm(a, k),
                    (BinOp::Le, false) => Cond::LeUImm(a, k),
                    (BinOp::Le, true) => Cond::LeSImm(a, k),
                    (BinOp::Gt, false) => Cond::GtUImm(a, k),
                    (BinOp::Gt, true) => Cond::GtSImm(a, k),
                    (BinOp::Ge, false) => Cond::GeUImm(a, k),
                    (_, _) => Cond::GeSImm(a, k),
                })
            }
            ExprKind::Var(_) => slot_of(e).map(Cond::Nz),
            _ => None,
        }
    }

    /// A condition for a control instruction, fused when it has a simple shape; a comparison
    /// of other operands evaluates them into slots and is fused too (no `bool` value).
    fn cond(&mut self, e: &Expr) -> R<Cond> {
        if let Some(c) = self.simple_cond(e) {
            return Ok(c);
        }
        if let ExprKind::Binary(
            op @ (BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge),
            l,
            r,
        ) = &e.kind
        {
            let signed = self.operands_signed(l, r);
            let (x, y) = (self.expr(l)?, self.expr(r)?);
            if let Some(c) = self.fused(*op, x, y, signed) {
                return Ok(c);
            }
            // Not fusable (two constants, or a constant too wide for the condition): the value.
            let v = self.compare(*op, x, y, signed, e.span)?;
            return Ok(Cond::Nz(v));
        }
        Ok(Cond::Nz(self.expr_slot(e)?))
    }

    /// The fused condition `x op y` of two evaluated operands, when it has one.
    fn fused(&self, op: BinOp, x: Opnd, y: Opnd, signed: bool) -> Option<Cond> {
        let small = |k: u64| u32::try_from(k).ok();
        let (a, b) = match (x, y) {
            (Opnd::S(a), Opnd::S(b)) => (a, b),
            (Opnd::S(a), Opnd::K(k)) => return imm_cond(op, a, small(k)?, signed),
            (Opnd::K(k), Opnd::S(a)) => return imm_cond(swapped(op)?, a, small(k)?, signed),
            (Opnd::K(_), Opnd::K(_)) => return None,
        };
        // `a > b` is `b < a`.
        let (a, b) = if matches!(op, BinOp::Gt | BinOp::Ge) { (b, a) } else { (a, b) };
        Some(match (op, signed) {
            (BinOp::Eq, _) => Cond::Eq(a, b),
            (BinOp::Ne, _) => Cond::Ne(a, b),
            (BinOp::Lt | BinOp::Gt, false) => Cond::LtU(a, b),
            (BinOp::Lt | BinOp::Gt, true) => Cond::LtS(a, b),
            (BinOp::Le | BinOp::Ge, false) => Cond::LeU(a, b),
            (BinOp::Le | BinOp::Ge, true) => Cond::LeS(a, b),
            _ => return None,
        })
    }

    /// `x op y` (a comparison) computed into a slot, from evaluated operands.
    fn compare(&mut self, op: BinOp, x: Opnd, y: Opnd, signed: bool, span: Span) -> R<Slot> {
        let janus = self.janus();
        let imm = match (x, y) {
            (Opnd::K(a), Opnd::K(b)) => {
                if let Some(v) = fold(op, a, b, signed, janus) {
                    return self.konst(v, span);
                }
                None
            }
            (Opnd::S(a), Opnd::K(k)) => with_imm(op, a, k, signed, janus),
            (Opnd::K(k), Opnd::S(b)) => swapped(op).and_then(|op| with_imm(op, b, k, signed, janus)),
            (Opnd::S(_), Opnd::S(_)) => None,
        };
        if let Some(make) = imm {
            return self.pure_op(span, &|d| Ok(make(d)));
        }
        let a = match x {
            Opnd::S(s) => s,
            Opnd::K(k) => self.konst(k, span)?,
        };
        let b = match y {
            Opnd::S(s) => s,
            Opnd::K(k) => self.konst(k, span)?,
        };
        self.pure_op(span, &|d| {
            Ok(match (op, signed) {
                (BinOp::Eq, _) => Op::Eq { dst: d, a, b },
                (BinOp::Ne, _) => Op::Ne { dst: d, a, b },
                (BinOp::Lt, true) => Op::Lts { dst: d, a, b },
                (BinOp::Lt, false) => Op::Ltu { dst: d, a, b },
                (BinOp::Le, true) => Op::Les { dst: d, a, b },
                (BinOp::Le, false) => Op::Leu { dst: d, a, b },
                (BinOp::Gt, true) => Op::Lts { dst: d, a: b, b: a },
                (BinOp::Gt, false) => Op::Ltu { dst: d, a: b, b: a },
                (BinOp::Ge, true) => Op::Les { dst: d, a: b, b: a },
                (_, _) => Op::Leu { dst: d, a: b, b: a },
            })
        })
    }

    fn array(&self, a: &Ident) -> R<(Arr, Elem)> {
        match self.lookup(&a.name, a.span)? {
            Var::Array { arr, elem, .. } => Ok((arr, elem)),
            _ => Err(internal(a.span, &format!("`{}` is not an array", a.name))),
        }
    }

    /// `kernel name(buf)` (or, `undo`ne, its mirror): the name goes to the string table.
    fn kernel(&mut self, name: &Ident, buf: &Ident, sp: Span, inverse: bool) -> R<()> {
        let (arr, elem) = self.array(buf)?;
        let name = self.strings.get(&name.name);
        let elem = crate::ops::kernel_elem_code(elem);
        let op = if inverse {
            Op::KernelInv { name, buf: arr, elem }
        } else {
            Op::Kernel { name, buf: arr, elem }
        };
        self.emit(op, sp);
        Ok(())
    }

    fn stack(&self, s: &Ident) -> R<Slot> {
        match self.lookup(&s.name, s.span)? {
            Var::Stack { slot } => Ok(slot),
            _ => Err(internal(s.span, &format!("`{}` is not a stack", s.name))),
        }
    }

    // ---- statements ---------------------------------------------------------------------

    fn block(&mut self, b: &Block) -> R<()> {
        self.stmts(&b.stmts)
    }

    fn stmts(&mut self, stmts: &[Stmt]) -> R<()> {
        let mut k = 0;
        while k < stmts.len() {
            if let Some(next) = stmts.get(k + 1)
                && let Some(op) = self.fuse_rotation(&stmts[k], next)
            {
                self.emit(op, stmts[k].span.to(next.span));
                k += 2;
                continue;
            }
            self.stmt(&stmts[k])?;
            k += 1;
        }
        Ok(())
    }

    /// A rotation by a constant and an update by a variable of the same scalar variable, in
    /// either order, as one instruction (`x >>>= 8` then `x += y`: `rot.add`).
    fn fuse_rotation(&self, s1: &Stmt, s2: &Stmt) -> Option<Op> {
        if self.janus() {
            return None;
        }
        // Most neighbours are not a rotation and an update of one variable: tell by their
        // shapes before looking any name up.
        fn target(s: &Stmt) -> Option<(bool, &str)> {
            match &s.kind {
                StmtKind::Rotate { target, amount: Expr { kind: ExprKind::Int(_), .. }, .. } => {
                    Some((true, &target.name.name))
                }
                StmtKind::Update { target, value: Expr { kind: ExprKind::Var(_), .. }, .. } => {
                    Some((false, &target.name.name))
                }
                _ => None,
            }
        }
        match (target(s1), target(s2)) {
            (Some((r1, n1)), Some((r2, n2))) if r1 != r2 && n1 == n2 => {}
            _ => return None,
        }
        let scalar = |p: &Place| -> Option<Slot> {
            match (&p.index, self.lookup(&p.name.name, p.span).ok()?) {
                (None, Var::Scalar { slot, ty }) if ty.width().is_none() => Some(slot),
                _ => None,
            }
        };
        let rot = |s: &Stmt| -> Option<(Slot, u8)> {
            match &s.kind {
                StmtKind::Rotate { target, dir, amount: Expr { kind: ExprKind::Int(k), .. } } => {
                    let k = (k % 64) as u8;
                    let left = if *dir == Dir::Left { k } else { (64 - k) % 64 };
                    (left != 0).then_some(())?;
                    Some((scalar(target)?, left))
                }
                _ => None,
            }
        };
        let upd = |s: &Stmt| -> Option<(Slot, UpdateOp, Slot)> {
            match &s.kind {
                StmtKind::Update { target, op, value: Expr { kind: ExprKind::Var(v), span } } => {
                    let src = match self.lookup(v, *span).ok()? {
                        Var::Scalar { slot, .. } => slot,
                        _ => return None,
                    };
                    Some((scalar(target)?, *op, src))
                }
                _ => None,
            }
        };
        if let (Some((d, amt)), Some((d2, op, src))) = (rot(s1), upd(s2))
            && d == d2
            && src != d
        {
            let amt = Amt(amt);
            return Some(match op {
                UpdateOp::Add => Op::RotAdd { dst: d, src, amt },
                UpdateOp::Sub => Op::RotSub { dst: d, src, amt },
                UpdateOp::Xor => Op::RotXor { dst: d, src, amt },
            });
        }
        if let (Some((d, op, src)), Some((d2, amt))) = (upd(s1), rot(s2))
            && d == d2
            && src != d
        {
            let amt = Amt(amt);
            return Some(match op {
                UpdateOp::Add => Op::AddRot { dst: d, src, amt },
                UpdateOp::Sub => Op::SubRot { dst: d, src, amt },
                UpdateOp::Xor => Op::XorRot { dst: d, src, amt },
            });
        }
        None
    }

    fn stmt(&mut self, s: &Stmt) -> R<()> {
        let mark = self.temps.len();
        // `update x; fix x`: undone as a unit (`update⁻¹ x; fix x`, see `paired_fix`), so x is
        // reduced to its width after the update in both directions.
        let fixed = self.fixed_target(s);
        let r = self.stmt_inner(s);
        if let (Some((dst, w)), Ok(())) = (fixed, &r) {
            self.emit(Op::Fix { dst, w }, s.span);
        }
        self.guard = None;
        self.free_temps(mark);
        r
    }

    fn scalar_place(&self, p: &Place) -> R<Option<Slot>> {
        if p.index.is_some() {
            return Ok(None);
        }
        match self.lookup(&p.name.name, p.span)? {
            Var::Scalar { slot, .. } => Ok(Some(slot)),
            _ => Err(internal(p.span, &format!("`{}` is not a number", p.name.name))),
        }
    }

    /// Index of an element place, with the alias checks its own index needs.
    fn elem_index(&mut self, p: &Place) -> R<(Arr, Slot)> {
        let (arr, _) = self.array(&p.name)?;
        let Some(i) = &p.index else { return Err(internal(p.span, "element place without index")) };
        let saved = self.guard.take();
        let idx = self.expr_slot(i)?;
        self.guard = saved;
        Ok((arr, idx))
    }

    /// The slot of guard `g`'s index; one not computed yet is computed here, in the reading
    /// instruction's own expression code (at each read: expression code may hold a jump, so a
    /// slot computed for one read is not kept for the next; a repeat is found by `cse`).
    fn guard_slot(&mut self, g: AliasGuard) -> R<Slot> {
        if let Some(s) = g.idx {
            return Ok(s);
        }
        let Some(i) = self.guard_index.clone() else {
            return Err(internal(Span::default(), "alias guard without its index"));
        };
        let saved = self.guard.take();
        let s = self.expr_slot(&i);
        self.guard = saved;
        s
    }

    /// Lowers a scalar operation on the place: directly on a variable, or swap-in / `f` /
    /// swap-out on an array element. `f` receives the slot to operate on.
    fn on_place(&mut self, p: &Place, span: Span, f: &mut dyn FnMut(&mut Self, Slot) -> R<()>) -> R<()> {
        if let Some(s) = self.scalar_place(p)? {
            return f(self, s);
        }
        let t = self.temp(span)?;
        let (arr, idx) = self.elem_index(p)?;
        self.emit(Op::SwapElem { dst: t, arr, idx, pre: Pre(0) }, span);
        // The guard's index is computed again where a read in `f`'s code needs it: `idx` is
        // computed in the swap's expression code, which backward runs after `f`'s.
        self.guard = Some(AliasGuard { arr, idx: None, at: p.index.as_deref().and_then(|i| self.affine(i)) });
        self.guard_index = p.index.as_deref().cloned();
        f(self, t)?;
        self.guard = None;
        self.guard_index = None;
        let (arr, idx) = self.elem_index(p)?;
        self.emit(Op::SwapElem { dst: t, arr, idx, pre: Pre(0) }, span);
        Ok(())
    }

    fn stmt_inner(&mut self, s: &Stmt) -> R<()> {
        let sp = s.span;
        match &s.kind {
            StmtKind::Update { target, op, value } => self.update(target, *op, value, sp),
            StmtKind::Mul { target, factor } => {
                let ExprKind::Int(c) = factor.kind else {
                    return Err(internal(factor.span, "non-constant factor"));
                };
                if c % 2 == 0 {
                    return Err(internal(factor.span, "even factor"));
                }
                self.on_place(target, sp, &mut |me, d| {
                    me.emit(Op::MulImm { dst: d, imm: Imm(c) }, sp);
                    Ok(())
                })
            }
            StmtKind::XorShift { target, dir, amount } => self.xorshift(target, *dir, amount, sp, false),
            StmtKind::Rotate { target, dir, amount } => {
                let dir = *dir;
                if let Some(Var::Scalar { slot: dst, ty: Type::Fixed(w) }) =
                    target.index.is_none().then(|| self.find(&target.name.name)).flatten()
                {
                    let (left, pre) = (dir == Dir::Left, Pre(0));
                    let op = match (self.expr(amount)?, Wid::of(w)) {
                        // By a constant: the immediate form (the amount modulo the width).
                        (Opnd::K(k), w) if left => Op::RotlWImm { dst, amt: Amt((k % 64) as u8), w },
                        (Opnd::K(k), w) => Op::RotrWImm { dst, amt: Amt((k % 64) as u8), w },
                        (Opnd::S(src), w) if left => Op::RotlW { dst, src, w, pre },
                        (Opnd::S(src), w) => Op::RotrW { dst, src, w, pre },
                    };
                    self.emit(op, sp);
                    return Ok(());
                }
                self.on_place(target, sp, &mut |me, d| {
                    match me.expr(amount)? {
                        Opnd::K(k) => {
                            let amt = Amt((k % 64) as u8);
                            let op = if dir == Dir::Left {
                                Op::RotlImm { dst: d, amt }
                            } else {
                                Op::RotrImm { dst: d, amt }
                            };
                            me.emit(op, sp);
                        }
                        Opnd::S(src) => {
                            let op = if dir == Dir::Left {
                                Op::Rotl { dst: d, src, pre: Pre(0) }
                            } else {
                                Op::Rotr { dst: d, src, pre: Pre(0) }
                            };
                            me.emit(op, sp);
                        }
                    }
                    Ok(())
                })
            }
            StmtKind::Neg(p) => {
                let janus = self.janus();
                self.on_place(p, sp, &mut |me, d| {
                    me.emit(if janus { Op::NegChk { dst: d } } else { Op::Neg { dst: d } }, sp);
                    Ok(())
                })
            }
            StmtKind::Not(p) => self.on_place(p, sp, &mut |me, d| {
                me.emit(Op::Not { dst: d }, sp);
                Ok(())
            }),
            StmtKind::Swap(p, q) => {
                match (self.scalar_place(p)?, self.scalar_place(q)?) {
                    (Some(a), Some(b)) => {
                        self.emit(Op::Swap { a, b }, sp);
                    }
                    (Some(a), None) | (None, Some(a)) => {
                        let e = if p.index.is_some() { p } else { q };
                        let (arr, idx) = self.elem_index(e)?;
                        self.emit(Op::SwapElem { dst: a, arr, idx, pre: Pre(0) }, sp);
                    }
                    (None, None) => {
                        let (arr, i) = self.elem_index(p)?;
                        let (arr2, j) = self.elem_index(q)?;
                        self.emit(Op::SwapElems { arr, i, arr2, j, pre: Pre(0) }, sp);
                    }
                }
                Ok(())
            }
            StmtKind::If { cond, then_block, else_block, fi } => {
                let mark = self.temps.len();
                let c = self.cond(cond)?;
                self.free_temps(mark);
                let top = self.emit(Op::If { cond: c, else_at: Off(0), pre: Pre(0) }, cond.span);
                self.block(then_block)?;
                let a_then = self.cond(fi)?;
                self.free_temps(mark);
                let fi_then = self.emit(Op::FiThen { cond: a_then, fi_else: Off(0), pre: Pre(0) }, fi.span);
                let else_at = self.emit(Op::Else { if_top: Off(top as u32) }, cond.span);
                if let Some(b) = else_block {
                    self.block(b)?;
                }
                let a = self.cond(fi)?;
                self.free_temps(mark);
                let fi_else =
                    self.emit(Op::FiElse { cond: a, fi_then: Off(fi_then as u32), pre: Pre(0) }, fi.span);
                if let Op::If { else_at: t, .. } = &mut self.code[top] {
                    *t = Off(else_at as u32);
                }
                if let Op::FiThen { fi_else: t, .. } = &mut self.code[fi_then] {
                    *t = Off(fi_else as u32);
                }
                Ok(())
            }
            StmtKind::From { entry, body, again, until } => {
                let outer = self.hoist(entry, body, again.as_ref(), until)?;
                self.lower_loop(entry, body, again.as_ref(), until)?;
                self.unhoist(outer, until.span)
            }
            StmtKind::Call { gene, args, uncall } => {
                let Some(&gi) = self.genes.get(gene.name.as_str()) else {
                    return Err(internal(gene.span, &format!("unknown gene `{}`", gene.name)));
                };
                let start = self.args.len() as u32;
                for a in args {
                    let slot = match self.lookup(&a.name, a.span)? {
                        Var::Scalar { slot, .. } | Var::Stack { slot } => slot,
                        Var::Array { arr, .. } => Slot(arr.0),
                    };
                    self.args.push(slot);
                }
                let len = u16::try_from(args.len()).map_err(|_| limit(sp, "too many arguments"))?;
                if self.prog.genes[gi].params.len() != args.len() {
                    return Err(internal(sp, "wrong number of arguments"));
                }
                let (gene, args) = (GeneIdx(gi as u32), Args { start, len });
                self.emit(if *uncall { Op::Uncall { gene, args } } else { Op::Call { gene, args } }, sp);
                Ok(())
            }
            StmtKind::Local { name, ty, init } => self.local(name, *ty, init, sp),
            StmtKind::Delocal { name, value, .. } => self.delocal(name, value, sp),
            StmtKind::Push { value, stack } => {
                let st = self.stack(stack)?;
                // A fixed-width variable's push and pop carry its width: the pop (a push's
                // mirror too) takes back only a value of its type.
                if let Some((var, w)) = self.fixed_scalar(value) {
                    self.emit(Op::PushW { var, stack: st, w: Wid::of(w), pre: Pre(0) }, sp);
                    return Ok(());
                }
                self.on_place(value, sp, &mut |me, d| {
                    me.emit(Op::Push { var: d, stack: st, pre: Pre(0) }, sp);
                    Ok(())
                })
            }
            StmtKind::Pop { target, stack } => {
                let st = self.stack(stack)?;
                if let Some((var, w)) = self.fixed_scalar(target) {
                    self.emit(Op::PopW { var, stack: st, w: Wid::of(w), pre: Pre(0) }, sp);
                    return Ok(());
                }
                self.on_place(target, sp, &mut |me, d| {
                    me.emit(Op::Pop { var: d, stack: st, pre: Pre(0) }, sp);
                    Ok(())
                })
            }
            StmtKind::Assert(e) => {
                let c = self.cond(e)?;
                self.emit(Op::Assert { cond: c, pre: Pre(0) }, sp);
                Ok(())
            }
            StmtKind::Skip => Ok(()),
            StmtKind::Assign { target, value } => self.assign(target, Some(value), sp, false),
            StmtKind::Erase(p) => self.assign(p, None, sp, false),
            StmtKind::Kernel { name, buf } => self.kernel(name, buf, sp, false),
            StmtKind::Undo(inner) => match &inner.kind {
                StmtKind::XorShift { target, dir, amount } => self.xorshift(target, *dir, amount, sp, true),
                StmtKind::Kernel { name, buf } => self.kernel(name, buf, sp, true),
                StmtKind::Assign { target, value } => self.assign(target, Some(value), sp, true),
                StmtKind::Erase(p) => self.assign(p, None, sp, true),
                _ => Err(internal(sp, "`undo` of a statement with a direct inverse")),
            },
            StmtKind::Error(msg) => {
                let msg = self.strings.get(msg);
                self.emit(Op::Error { msg }, sp);
                Ok(())
            }
            StmtKind::Print(p) => self.print(p, sp),
        }
    }

    /// `from entry do body loop again until until`, its invariants computed already.
    fn lower_loop(&mut self, entry: &Expr, body: &Block, again: Option<&Block>, until: &Expr) -> R<()> {
        if let Some(done) = self.counted_loop(entry, body, again, until)? {
            return Ok(done);
        }
        let mark = self.temps.len();
        let a = self.cond(entry)?;
        self.free_temps(mark);
        let top = self.emit(Op::From { cond: a, loop_back: Off(0), pre: Pre(0) }, entry.span);
        self.block(body)?;
        let c = self.cond(until)?;
        self.free_temps(mark);
        let u = self.emit(Op::Until { cond: c, loop_exit: Off(0), pre: Pre(0) }, until.span);
        if let Some(l) = again {
            self.block(l)?;
        }
        let a2 = self.cond(entry)?;
        self.free_temps(mark);
        let back = self.emit(Op::LoopBack { cond: a2, from_top: Off(top as u32), pre: Pre(0) }, entry.span);
        let exit = self.emit(Op::LoopExit { until: Off(u as u32) }, until.span);
        if let Op::From { loop_back, .. } = &mut self.code[top] {
            *loop_back = Off(back as u32);
        }
        if let Op::Until { loop_exit, .. } = &mut self.code[u] {
            *loop_exit = Off(exit as u32);
        }
        Ok(())
    }

    /// Computes the invariant expressions of a loop ([`hoist`]) into slots of their own before
    /// it (`local`); returns how many of [`Self::hoisted`] were there before.
    fn hoist(&mut self, entry: &Expr, body: &Block, again: Option<&Block>, until: &Expr) -> R<usize> {
        let outer = self.hoisted.len();
        if !self.may_hoist {
            return Ok(outer);
        }
        let found = {
            let mut changed = Vec::new();
            for s in body.stmts.iter().chain(again.into_iter().flat_map(|b| &b.stmts)) {
                changes(s, self.calls, &mut |n| {
                    changed.push(n);
                    false
                });
            }
            changed.sort_unstable();
            changed.dedup();
            let names = LoopNames { c: self, changed };
            hoist::loop_invariants(entry, body, again, until, &names)
        };
        let start = self.code.len();
        for e in found {
            // (An outer loop's slot holds it already.)
            if self.hoisted.iter().any(|(h, _)| hoist::same(h, &e)) {
                continue;
            }
            // A slot no variable ever has (only loop invariants take it again), so the debugger
            // can tell it has no source name and does not list it. (None left: the loop
            // computes the expression each trip, as without this.)
            let t = match self.hoist_free.pop() {
                Some(t) => t,
                None if self.next_slot < u16::MAX as u32 - 1 => {
                    self.next_slot += 1;
                    Slot((self.next_slot - 1) as u16)
                }
                None => break,
            };
            let mark = self.temps.len();
            match self.expr(&e)? {
                Opnd::S(src) => {
                    self.emit(Op::Local { dst: t, src, pre: Pre(0) }, entry.span);
                    self.hoisted.push((e, t));
                }
                Opnd::K(_) => self.hoist_free.push(t),
            }
            self.free_temps(mark);
        }
        // The code is the loop's: the debugger stops before it where it stops before the loop.
        self.spans[start..].fill(entry.span);
        Ok(outer)
    }

    /// Closes the slots [`Self::hoist`] opened before a loop (`delocal`, the expression computed
    /// again), innermost first.
    fn unhoist(&mut self, outer: usize, span: Span) -> R<()> {
        let start = self.code.len();
        while self.hoisted.len() > outer {
            let Some((e, t)) = self.hoisted.pop() else { break };
            let mark = self.temps.len();
            let src = self.expr_slot(&e)?;
            self.emit(Op::Delocal { dst: t, src, pre: Pre(0) }, span);
            self.free_temps(mark);
            self.hoist_free.push(t);
        }
        // On the line of the loop's exit, as the `loop.exit` before it.
        self.spans[start..].fill(span);
        Ok(())
    }

    fn update(&mut self, target: &Place, op: UpdateOp, value: &Expr, sp: Span) -> R<()> {
        let janus = self.janus() && op != UpdateOp::Xor;
        if let Some(d) = self.scalar_place(target)? {
            // `x op= a[i]`: the from-element superinstruction.
            if !janus && let ExprKind::Index(a, i) = &value.kind {
                let (arr, _) = self.array(a)?;
                let idx = self.expr_slot(i)?;
                self.emit(
                    match op {
                        UpdateOp::Add => Op::AddFrom { dst: d, arr, idx, pre: Pre(0) },
                        UpdateOp::Sub => Op::SubFrom { dst: d, arr, idx, pre: Pre(0) },
                        UpdateOp::Xor => Op::XorFrom { dst: d, arr, idx, pre: Pre(0) },
                    },
                    sp,
                );
                return Ok(());
            }
            // `x += e` on a fixed-width `x` wraps at its width (`add.w`).
            let w = self.fixed_scalar(target).filter(|_| !janus).map(|(_, w)| w);
            return self.update_slot(d, op, janus, value, sp, w);
        }
        if janus {
            // A Janus element update is checked: on the element swapped into a temporary.
            return self.on_place(target, sp, &mut |me, d| me.update_slot(d, op, true, value, sp, None));
        }
        let (arr, idx) = self.elem_index(target)?;
        self.guard = Some(AliasGuard {
            arr,
            idx: Some(idx),
            at: target.index.as_deref().and_then(|i| self.affine(i)),
        });
        let v = self.expr(value)?;
        self.guard = None;
        let ins = match (v, op) {
            (Opnd::K(k), UpdateOp::Add) => Op::AddElemImm { arr, idx, imm: Imm(k), pre: Pre(0) },
            (Opnd::K(k), UpdateOp::Sub) => Op::SubElemImm { arr, idx, imm: Imm(k), pre: Pre(0) },
            (Opnd::K(k), UpdateOp::Xor) => Op::XorElemImm { arr, idx, imm: Imm(k), pre: Pre(0) },
            (Opnd::S(src), UpdateOp::Add) => Op::AddElem { arr, idx, src, pre: Pre(0) },
            (Opnd::S(src), UpdateOp::Sub) => Op::SubElem { arr, idx, src, pre: Pre(0) },
            (Opnd::S(src), UpdateOp::Xor) => Op::XorElem { arr, idx, src, pre: Pre(0) },
        };
        self.emit(ins, sp);
        Ok(())
    }

    /// `d op= value` on a slot (`checked`: Janus's overflow check), a constant as an
    /// immediate.
    /// `width`: d is a fixed-width variable, updated at its width (`add.w` …; `x ^= e` of a
    /// value reduced already needs no reduction).
    fn update_slot(
        &mut self,
        d: Slot,
        op: UpdateOp,
        checked: bool,
        value: &Expr,
        sp: Span,
        width: Option<Width>,
    ) -> R<()> {
        // The low bits of x's width are all of `e` the update depends on (`+`, `-` and `^`
        // carry only upwards; see `operand_demand`). `x ^= e` of a reduced value stays reduced.
        let wid = match width {
            Some(w) => {
                self.demand = w.bits;
                let plain = op == UpdateOp::Xor && self.reduced(value, w, w.bits, REDUCED_DEPTH);
                (!plain).then(|| Wid::of(w))
            }
            None => None,
        };
        let pre = Pre(0);
        let ins = match (self.expr(value)?, op, checked, wid) {
            (Opnd::K(k), UpdateOp::Add, _, Some(w)) => Op::AddWImm { dst: d, imm: Imm(k), w },
            (Opnd::K(k), UpdateOp::Sub, _, Some(w)) => Op::SubWImm { dst: d, imm: Imm(k), w },
            // x ^ k reduced is x ^ (k reduced), x being reduced.
            (Opnd::K(k), UpdateOp::Xor, _, Some(w)) => Op::XorImm { dst: d, imm: Imm(w.wrap(k)) },
            (Opnd::S(src), UpdateOp::Add, _, Some(w)) => Op::AddW { dst: d, src, w, pre },
            (Opnd::S(src), UpdateOp::Sub, _, Some(w)) => Op::SubW { dst: d, src, w, pre },
            (Opnd::S(src), UpdateOp::Xor, _, Some(w)) => Op::XorW { dst: d, src, w, pre },
            (Opnd::K(k), UpdateOp::Add, false, None) => Op::AddImm { dst: d, imm: Imm(k) },
            (Opnd::K(k), UpdateOp::Sub, false, None) => Op::SubImm { dst: d, imm: Imm(k) },
            (Opnd::K(k), UpdateOp::Xor, _, None) => Op::XorImm { dst: d, imm: Imm(k) },
            (Opnd::K(k), UpdateOp::Add, true, None) => Op::AddChkImm { dst: d, imm: Imm(k) },
            (Opnd::K(k), UpdateOp::Sub, true, None) => Op::SubChkImm { dst: d, imm: Imm(k) },
            (Opnd::S(src), UpdateOp::Add, false, None) => Op::Add { dst: d, src, pre },
            (Opnd::S(src), UpdateOp::Sub, false, None) => Op::Sub { dst: d, src, pre },
            (Opnd::S(src), UpdateOp::Add, true, None) => Op::AddChk { dst: d, src, pre },
            (Opnd::S(src), UpdateOp::Sub, true, None) => Op::SubChk { dst: d, src, pre },
            (Opnd::S(src), UpdateOp::Xor, _, None) => Op::Xor { dst: d, src, pre },
        };
        self.emit(ins, sp);
        Ok(())
    }

    fn xorshift(&mut self, target: &Place, dir: Dir, amount: &Expr, sp: Span, undo: bool) -> R<()> {
        let ExprKind::Int(c) = amount.kind else { return Err(internal(amount.span, "non-constant shift")) };
        if !(1..=63).contains(&c) {
            return Err(internal(amount.span, "shift amount outside 1..63"));
        }
        let amt = Amt(c as u8);
        self.on_place(target, sp, &mut |me, d| {
            let op = match (dir, undo) {
                (Dir::Left, false) => Op::Xsl { dst: d, amt },
                (Dir::Left, true) => Op::XslInv { dst: d, amt },
                (Dir::Right, false) => Op::Xsr { dst: d, amt },
                (Dir::Right, true) => Op::XsrInv { dst: d, amt },
            };
            me.emit(op, sp);
            Ok(())
        })
    }

    /// `x := e` / `erase x` (value `None`), or their undo.
    fn assign(&mut self, target: &Place, value: Option<&Expr>, sp: Span, undo: bool) -> R<()> {
        if undo && target.index.is_some() {
            return self.unassign_elem(target, value, sp);
        }
        // The value is computed before the element is swapped out, so `a[i] := a[i] + 1`
        // reads the old element. A fixed-width target gets its value reduced to the width
        // before the write, so the tape records the value the variable holds (a `fix` after the
        // write would leave another value than the one recorded, and the `undo` would fail).
        let width = self.fixed_scalar(target).map(|(_, w)| Wid::of(w));
        let src = match value {
            Some(v) => match self.expr_to_width(v, width)? {
                Opnd::S(s) => s,
                Opnd::K(k) => self.konst(k, sp)?,
            },
            None => self.konst(0, sp)?,
        };
        // The element's index is computed apart from the value, as its `undo` computes it
        // (`unassign_elem`): `a[1] := 1` shares no slot between the two, so the statements tag
        // alike (`statement_tag`) and the `undo` takes back the value its `:=` wrote.
        if target.index.is_some() {
            self.cse.clear();
        }
        let saved = self.guard.take();
        let r = self.on_place(target, sp, &mut |me, d| {
            me.emit(
                if undo {
                    Op::Unassign { dst: d, src, pre: Pre(0) }
                } else {
                    Op::Assign { dst: d, src, pre: Pre(0) }
                },
                sp,
            );
            Ok(())
        });
        self.guard = saved;
        r
    }

    /// `undo a[i] := e` / `undo erase a[i]`: the backward stream of `a[i] := e`'s three
    /// instructions. `a[i] := e` computes `e` in the swap in's expression code (the element still
    /// in the array), then `assign`s, then swaps back; its backward run swaps, `unassign`s
    /// (reading no value), swaps back with `e`'s code. So here `e`'s code goes before the swap
    /// back: backward (`a[i] := e` forward) it then runs before the `assign`, the element in
    /// the array. In the swap in's code, as a forward `:=` has it, it would run backward only
    /// after the `assign` and leave it a stale slot. The slots are allocated in `a[i] := e`'s
    /// order, so the two tag alike (`statement_tag`: the gene, target and value slots).
    fn unassign_elem(&mut self, target: &Place, value: Option<&Expr>, sp: Span) -> R<()> {
        let (from, run) = (self.code.len(), self.pure_run);
        let src = match value {
            Some(v) => self.expr_slot(v)?,
            None => self.konst(0, sp)?,
        };
        let code: Vec<Op> = self.code.drain(from..).collect();
        let spans: Vec<Span> = self.spans.drain(from..).collect();
        self.pure_run = run;
        self.cse.clear();
        let t = self.temp(sp)?;
        let (arr, idx) = self.elem_index(target)?;
        self.emit(Op::SwapElem { dst: t, arr, idx, pre: Pre(0) }, sp);
        self.emit(Op::Unassign { dst: t, src, pre: Pre(0) }, sp);
        let (arr, idx) = self.elem_index(target)?;
        // The value's code, moved: its jumps (`&&`, `||`) move with it.
        let shift = self.code.len().wrapping_sub(from) as u32;
        for (mut op, span) in code.into_iter().zip(spans) {
            if let Op::Jz { to, .. } | Op::Jnz { to, .. } = &mut op {
                to.0 = to.0.wrapping_add(shift);
            }
            self.emit(op, span);
        }
        self.emit(Op::SwapElem { dst: t, arr, idx, pre: Pre(0) }, sp);
        Ok(())
    }

    fn local(&mut self, name: &Ident, ty: Type, init: &Expr, sp: Span) -> R<()> {
        let var = match ty {
            Type::U64 | Type::I64 | Type::Fixed(_) => {
                let v = self.expr_to_width(init, ty.width().map(Wid::of))?;
                self.fixed |= ty.width().is_some();
                let d = self.fresh(name.span, &name.name)?;
                match v {
                    Opnd::K(k) => self.emit(Op::LocalImm { dst: d, imm: Imm(k) }, sp),
                    Opnd::S(src) => self.emit(Op::Local { dst: d, src, pre: Pre(0) }, sp),
                };
                Var::Scalar { slot: d, ty }
            }
            Type::Array(elem, len) => {
                let src = self.expr_slot(init)?;
                let arr = self.alloc_pair(name.span, &name.name)?;
                // Words, not elements: a c64 element takes two.
                let words = len.saturating_mul(elem.words());
                let n = u32::try_from(words).map_err(|_| limit(sp, "array too long"))?;
                let at = self.storage;
                self.storage += words;
                self.storage_max = self.storage_max.max(self.storage);
                if self.storage > crate::module::MAX_FRAME_WORDS as u64 {
                    return Err(limit(sp, "local arrays too large"));
                }
                self.emit(Op::LocalArr { arr, at: Word(at as u32), len: Word(n), src, pre: Pre(0) }, sp);
                Var::Array { arr, elem, len, at: at as u32 }
            }
            Type::Stack => {
                let d = self.fresh(name.span, &name.name)?;
                self.emit(Op::LocalStack { dst: d }, sp);
                Var::Stack { slot: d }
            }
        };
        self.scope.open(&name.name, var);
        Ok(())
    }

    fn delocal(&mut self, name: &Ident, value: &Expr, sp: Span) -> R<()> {
        let Some(var) = self.scope.close(&name.name) else {
            return Err(internal(name.span, &format!("delocal of unknown `{}`", name.name)));
        };
        match var {
            Var::Scalar { slot, ty } => {
                match self.expr_to_width(value, ty.width().map(Wid::of))? {
                    Opnd::K(k) => self.emit(Op::DelocalImm { dst: slot, imm: Imm(k) }, sp),
                    Opnd::S(src) => self.emit(Op::Delocal { dst: slot, src, pre: Pre(0) }, sp),
                };
                self.release(slot);
            }
            Var::Array { arr, len, at, elem } => {
                let src = self.expr_slot(value)?;
                let words = len.saturating_mul(elem.words());
                self.emit(
                    Op::DelocalArr { arr, at: Word(at), len: Word(words as u32), src, pre: Pre(0) },
                    sp,
                );
                self.storage = at as u64;
                // An array's two slots are not given to scalars or temporaries afterwards: the
                // JIT's trust check wants array slots used as arrays only (a later scalar in them
                // would send the module to the interpreter).
            }
            Var::Stack { slot } => {
                self.emit(Op::DelocalStack { dst: slot }, sp);
                self.release(slot);
            }
        }
        Ok(())
    }

    /// A variable of a Janus `show`/`printf`: its slot, its value format and its kind.
    fn janus_operand(&mut self, i: &Ident) -> R<(Slot, Fmt, crate::jana::Kind)> {
        use crate::jana::Kind;
        // Janus integers are signed; an rdx program's values print as their types say (as `show`).
        let janus = self.janus();
        Ok(match self.lookup(&i.name, i.span)? {
            Var::Scalar { slot, ty } => {
                let signed = janus || ty == Type::I64 || ty.width().is_some_and(|w| w.signed);
                (slot, if signed { Fmt::I64 } else { Fmt::U64 }, Kind::Int)
            }
            Var::Array { arr, elem, .. } => {
                let fmt = if janus || elem == Elem::I64 { Fmt::ARR_I64 } else { Fmt::ARR_U64 };
                (Slot(arr.0), fmt, Kind::Array)
            }
            Var::Stack { slot } => (slot, if janus { Fmt::STACK_I64 } else { Fmt::STACK_U64 }, Kind::Stack),
        })
    }

    /// Janus `printf`: whether jana accepts it depends only on the kinds of the variables, so
    /// it is decided here; an accepted one prints each variable after the text before it (one
    /// `show` instruction each) and then the rest of the text, all on one line; a refused one
    /// is jana's run-time error.
    fn janus_printf(&mut self, f: &str, idents: &[Ident], sp: Span) -> R<()> {
        if idents.is_empty() {
            // jana prints a printf without variables as is, `%%` included.
            let text = self.strings.get(f);
            self.emit(Op::Print { text }, sp);
            return Ok(());
        }
        let mut vars = Vec::with_capacity(idents.len());
        for i in idents {
            vars.push(self.janus_operand(i)?);
        }
        let kinds: Vec<crate::jana::Kind> = vars.iter().map(|v| v.2).collect();
        match crate::jana::printf_plan(f, &kinds) {
            Ok(plan) => {
                use crate::jana::{SHOW_FIRST, SHOW_JANA, SHOW_LAST, SHOW_RAW, SHOW_TEXT};
                let mut last = None;
                for (k, (((var, base, _), text), id)) in
                    vars.into_iter().zip(&plan.before).zip(idents).enumerate()
                {
                    // A multi-dimensional array (named with its shape, `m[2][3]`) prints nested:
                    // its piece is `text\0[2][3]`. A NUL in the text itself is followed by an
                    // empty shape, so the printing never reads the text as one.
                    let shape = match id.name.find('[') {
                        Some(at) if base == Fmt::ARR_I64 => &id.name[at..],
                        _ => "",
                    };
                    let name = if shape.is_empty() && !text.contains('\0') {
                        self.strings.get(text)
                    } else {
                        self.strings.get(&format!("{text}\0{shape}"))
                    };
                    let first = if k == 0 { SHOW_FIRST } else { 0 };
                    self.emit(Op::Show { var, name, fmt: Fmt(base.0 | SHOW_JANA | SHOW_RAW | first) }, sp);
                    last = Some((var, base));
                }
                // The text after the last variable ends the line (the plan has a variable).
                if let Some((var, base)) = last {
                    let name = self.strings.get(&plan.after);
                    self.emit(
                        Op::Show { var, name, fmt: Fmt(base.0 | SHOW_JANA | SHOW_TEXT | SHOW_LAST) },
                        sp,
                    );
                }
            }
            Err(e) => {
                let msg = self.strings.get(&e.to_string());
                self.emit(Op::Error { msg }, sp);
            }
        }
        Ok(())
    }

    fn print(&mut self, p: &Print, sp: Span) -> R<()> {
        match p {
            Print::Text(t) => {
                let text = self.strings.get(t);
                self.emit(Op::Print { text }, sp);
            }
            // A `printf` of an array or a stack follows jana's rules in rdx programs too.
            Print::Format(f, idents)
                if self.janus()
                    || idents.iter().any(|i| {
                        matches!(self.lookup(&i.name, i.span), Ok(Var::Array { .. } | Var::Stack { .. }))
                    }) =>
            {
                self.janus_printf(f, idents, sp)?
            }
            Print::Show(idents) if self.janus() => {
                // One line, as jana prints it: `x = 1, a[2] = {0, 7}, s = nil`.
                for (k, i) in idents.iter().enumerate() {
                    let (var, base, _) = self.janus_operand(i)?;
                    let mut flags = crate::jana::SHOW_JANA;
                    if k == 0 {
                        flags |= crate::jana::SHOW_FIRST;
                    }
                    if k + 1 == idents.len() {
                        flags |= crate::jana::SHOW_LAST;
                    }
                    let name = if k == 0 { i.name.clone() } else { format!(", {}", i.name) };
                    let name = self.strings.get(&name);
                    self.emit(Op::Show { var, name, fmt: Fmt(base.0 | flags) }, sp);
                }
            }
            Print::Format(f, idents) => {
                let fmt = self.strings.get(f);
                let start = self.args.len() as u32;
                for i in idents {
                    let slot = match self.lookup(&i.name, i.span)? {
                        Var::Scalar { slot, .. } | Var::Stack { slot } => slot,
                        Var::Array { .. } => return Err(internal(i.span, "printf of an array")),
                    };
                    self.args.push(slot);
                }
                let len = u16::try_from(idents.len()).map_err(|_| limit(sp, "too many printf arguments"))?;
                self.emit(Op::Printf { fmt, args: Args { start, len } }, sp);
            }
            Print::Show(idents) => {
                // A line per variable; those of one statement are one group (its ends marked as
                // a Janus line's are), so they print in source order when the instructions run
                // backward too. One variable needs no marks.
                for (k, i) in idents.iter().enumerate() {
                    let mut group = 0;
                    if idents.len() > 1 && k == 0 {
                        group |= crate::jana::SHOW_FIRST;
                    }
                    if idents.len() > 1 && k + 1 == idents.len() {
                        group |= crate::jana::SHOW_LAST;
                    }
                    let name = self.strings.get(&i.name);
                    let signed_all = self.janus();
                    let (var, fmt) = match self.lookup(&i.name, i.span)? {
                        Var::Scalar { slot, ty } => {
                            // A signed fixed-width value is kept sign-extended: it shows as i64.
                            let signed = ty == Type::I64 || ty.width().is_some_and(|w| w.signed);
                            (slot, if signed || signed_all { Fmt::I64 } else { Fmt::U64 })
                        }
                        Var::Array { arr, elem, .. } => (
                            Slot(arr.0),
                            if elem == Elem::I64 || signed_all { Fmt::ARR_I64 } else { Fmt::ARR_U64 },
                        ),
                        Var::Stack { slot } => {
                            (slot, if signed_all { Fmt::STACK_I64 } else { Fmt::STACK_U64 })
                        }
                    };
                    self.emit(Op::Show { var, name, fmt: Fmt(fmt.0 | group) }, sp);
                }
            }
        }
        Ok(())
    }
}

/// The names a gene compiler has in scope: per [`NameKey`], the names with that key and their
/// variables, innermost last.
#[derive(Default)]
struct Scope(HashMap<NameKey, Vec<(String, Var)>, std::hash::BuildHasherDefault<KeyHasher>>);

impl Scope {
    fn open(&mut self, name: &str, var: Var) {
        self.0.entry(NameKey::of(name)).or_default().push((name.to_string(), var));
    }

    fn find(&self, name: &str) -> Option<Var> {
        let named = self.0.get(&NameKey::of(name))?;
        named.iter().rev().find(|(n, _)| name.len() <= NameKey::EXACT || n == name).map(|&(_, v)| v)
    }

    /// Takes the innermost `name` out of scope.
    fn close(&mut self, name: &str) -> Option<Var> {
        let named = self.0.get_mut(&NameKey::of(name))?;
        let pos = named.iter().rposition(|(n, _)| name.len() <= NameKey::EXACT || n == name)?;
        Some(named.remove(pos).1)
    }
}

/// Hashes a [`NameKey`], already a summary of its name, with a multiplication, folding the
/// product's high bits into the low ones the table indexes by (keys of names such as `v0`,
/// `v1`, … differ in their middle bytes).
#[derive(Default)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn index(p: &Program) -> HashMap<&str, usize> {
        p.genes.iter().enumerate().map(|(i, g)| (g.name.name.as_str(), i)).collect()
    }

    /// The definition computed the plain way: rounds over every gene until nothing more changes
    /// (one round per link of a call chain).
    fn written_by_rounds(p: &Program, index: &HashMap<&str, usize>) -> Vec<Vec<bool>> {
        let mut pw =
            ParamWrites { index, written: p.genes.iter().map(|g| vec![false; g.params.len()]).collect() };
        let mut changed = true;
        while changed {
            changed = false;
            for (gi, g) in p.genes.iter().enumerate() {
                for (k, q) in g.params.iter().enumerate() {
                    if !pw.written[gi][k] && g.body.stmts.iter().any(|s| may_change(s, &q.name.name, &pw)) {
                        pw.written[gi][k] = true;
                        changed = true;
                    }
                }
            }
        }
        pw.written
    }

    /// A chain g0 → g1 → … → gN, declared in calling order (the order a round over the genes
    /// learns one link at a time): each body is walked once, each link followed once.
    #[test]
    fn param_writes_walk_each_gene_once_along_a_call_chain() {
        let n = 20_000;
        let mut src: String =
            (0..n).map(|i| format!("gene g{i}(x: u64, y: u64) {{ call g{}(x, y) }}\n", i + 1)).collect();
        src.push_str(&format!(
            "gene g{n}(x: u64, y: u64) {{ x += y }}\ngene main(x: u64, y: u64) {{ call g0(x, y) }}\n"
        ));
        let parsed = rdx_lang::parser::parse(&src).unwrap_or_else(|d| panic!("{d:?}"));
        let checked =
            rdx_lang::check::check(&parsed, &Default::default()).unwrap_or_else(|d| panic!("{d:?}"));
        let p = &checked.program;
        let (written, work) = ParamWrites::written(p, &index(p));
        assert!(written.iter().all(|w| w == &[true, false]), "x changes through the chain, y never");
        // n + 2 genes; every x but main's is passed to by one caller, and no y changes.
        assert_eq!(work, ParamWritesWork { bodies: n + 2, links: n + 1 });
        let m = compile_program(p, "chain.rdx", &src).unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(m.genes.len(), n + 2);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Arbitrary programs (unknown genes, wrong arities and repeated names included) and
        /// valid ones with calls: the walk gives what the rounds give.
        #[test]
        fn param_writes_equal_the_rounds(p in prop_oneof![
            rdx_lang::generate::arb_program(),
            rdx_lang::generate::arb_valid_program(false),
        ]) {
            let index = index(&p);
            prop_assert_eq!(ParamWrites::written(&p, &index).0, written_by_rounds(&p, &index));
        }
    }
}
