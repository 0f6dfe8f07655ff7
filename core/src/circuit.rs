//! A gene over fixed-width state compiled to a reversible circuit (`rdx circuit`).
//!
//! Gates: X, CNOT, Toffoli, multi-controlled X ([`Gate::Mcx`] with 0, 1, 2 or more controls)
//! and SWAP. Each parameter gets a register of its width (bit i of the value on qubit i), in
//! declaration order; ancillas follow. What compiles to what (`spec/circuits.md`):
//! - `x ^= e`, e built from variables, constants, `& | ^ ~` and shifts by constants: each bit of
//!   e in algebraic normal form (an XOR of ANDs), one (multi-)controlled X per term;
//! - `x += e` / `x -= e`: the ripple-carry adder of Cuccaro, Draper, Kutin and Moulton (2004)
//!   with one ancilla (its inverse for `-=`); an addend that is not a variable is computed into
//!   ancillas first and uncomputed after;
//! - bitwise operations over sums and products: the arithmetic operands computed into
//!   ancillas first and uncomputed after; comparisons as values: one ancilla qubit;
//! - `x *= c` (c odd): t = c·x by shift-and-add into ancillas, x -= c⁻¹·t clears x, and t
//!   becomes x (inside a branch, by controlled swaps);
//! - `x ^= x << c`, `x ^= x >> c`: CNOTs; `not x`: X gates; `neg x`: X gates then `+= 1`;
//! - rotations by constants and `swap`: rewiring, no gates (controlled swaps inside a branch);
//!   rotations by a variable: a barrel shifter of controlled swaps; shifts by a variable: a
//!   barrel shifter into ancilla stages, uncomputed;
//! - `if c { … } else { … } fi a`: c computed into an ancilla, the branches controlled by it
//!   (the else-branch by its negation), then a XORed into it, which returns it to zero;
//! - locals with constant values and loops over them are evaluated while compiling (unrolled),
//!   inside `if` blocks too (a local opened there lives only there: [`Val`]); calls are inlined
//!   (`uncall` inlines the inverse, `rdx_lang::invert`).
//!
//! A statement outside this set is an error at its span. Every ancilla is returned to zero;
//! a parameter whose bits end on other qubits is moved home with SWAP gates at the end.

use rdx_lang::ast::{
    BinOp, Dialect, Dir, Expr, ExprKind, Gene, Program as Ast, Span, Stmt, StmtKind, Type, UnOp, UpdateOp,
    Width,
};
use std::collections::{BTreeSet, HashMap};

/// One gate. `Mcx` with no control is X, with one CNOT, with two Toffoli.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gate {
    Mcx { controls: Vec<u32>, target: u32 },
    Swap(u32, u32),
}

/// A compiled circuit: the parameters' registers, then `ancillas` more qubits.
#[derive(Clone, Debug)]
pub struct Circuit {
    /// (name, width, qubits) per parameter, in declaration order.
    pub registers: Vec<(String, Width, Vec<u32>)>,
    pub ancillas: u32,
    pub gates: Vec<Gate>,
}

/// A statement that cannot be compiled, with where it is.
#[derive(Debug, Clone)]
pub struct CircuitError {
    pub span: Span,
    pub message: String,
}

type R<T> = Result<T, CircuitError>;

/// The statements that have a circuit, as the error for one that has none lists them: one arm
/// of [`Cc::stmt`] each (spec/circuits.md §3 has the table).
pub const STATEMENTS: &str = "^= += -= of + - & | ^ ~, shifts, comparisons and * / % by constants; \
     *= by an odd constant; xorshift (x ^= x << c); rotations (by a constant or a variable); swap; \
     not; neg; if/fi; loops with constant trip counts; locals; call/uncall; assert; skip; print";

/// The gates `start..end` that computed the ancilla register `reg` (undone in reverse order).
type Undo = (usize, usize, Vec<u32>);

fn err<T>(span: Span, message: impl Into<String>) -> R<T> {
    Err(CircuitError { span, message: message.into() })
}

/// The circuit compiler takes values of at most 32 bits (u8 … i32): the error at `e` when
/// `bits` is above 32.
fn narrow(e: &Expr, bits: u32) -> R<()> {
    if bits > 32 {
        err(
            e.span,
            "this is computed on 64-bit words (it reads a u64, an i64 or an array element, or holds a \
             comparison whose bits the result needs), and a circuit takes u8 … i32: compute the part \
             into a narrow variable first",
        )
    } else {
        Ok(())
    }
}

/// A bit as a Boolean polynomial over GF(2): a set of monomials, each a sorted set of qubits
/// (the empty monomial is the constant 1).
type Anf = BTreeSet<Vec<u32>>;

fn anf_xor(a: &Anf, b: &Anf) -> Anf {
    a.symmetric_difference(b).cloned().collect()
}

fn anf_and(a: &Anf, b: &Anf) -> Anf {
    let mut out = Anf::new();
    for x in a {
        for y in b {
            let mut m: Vec<u32> = x.iter().chain(y).copied().collect();
            m.sort_unstable();
            m.dedup();
            if !out.remove(&m) {
                out.insert(m);
            }
        }
    }
    out
}

fn anf_const(bit: bool) -> Anf {
    if bit { [Vec::new()].into_iter().collect() } else { Anf::new() }
}

/// A binary operation on known words, as the interpreter computes it (None: division by 0).
fn fold(op: BinOp, a: u64, b: u64, signed: bool) -> Option<u64> {
    let (sa, sb) = (a as i64, b as i64);
    Some(match op {
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::Div if b == 0 => return None,
        BinOp::Mod if b == 0 => return None,
        BinOp::Div if signed => sa.wrapping_div(sb) as u64,
        BinOp::Mod if signed => sa.wrapping_rem(sb) as u64,
        BinOp::Div => a / b,
        BinOp::Mod => a % b,
        BinOp::Shl => {
            if b >= 64 {
                0
            } else {
                a << b
            }
        }
        BinOp::Shr if signed => (sa >> b.min(63)) as u64,
        BinOp::Shr => {
            if b >= 64 {
                0
            } else {
                a >> b
            }
        }
        BinOp::And => a & b,
        BinOp::Or => a | b,
        BinOp::Xor => a ^ b,
        BinOp::Eq => u64::from(a == b),
        BinOp::Ne => u64::from(a != b),
        BinOp::Lt => u64::from(if signed { sa < sb } else { a < b }),
        BinOp::Le => u64::from(if signed { sa <= sb } else { a <= b }),
        BinOp::Gt => u64::from(if signed { sa > sb } else { a > b }),
        BinOp::Ge => u64::from(if signed { sa >= sb } else { a >= b }),
        BinOp::LogAnd => u64::from(a != 0 && b != 0),
        BinOp::LogOr => u64::from(a != 0 || b != 0),
    })
}

/// The inverse of an odd number modulo 2^64 (Newton's iteration).
fn odd_inverse(c: u64) -> u64 {
    let mut x = c;
    for _ in 0..6 {
        x = x.wrapping_mul(2u64.wrapping_sub(c.wrapping_mul(x)));
    }
    x
}

/// A variable's value while compiling: on qubits (a comparison's temporary is one wire of
/// width [`FLAG`]), or known (a constant: loop counters).
///
/// A known local opened inside `if` blocks on qubits (`level` block controls active) stays
/// known there: it lives only inside them, so whether their controls hold or not changes
/// nothing anyone sees of it, and its value is the one it takes when they hold. It is updated
/// classically at its own level only: changed inside a deeper `if`, or by a value on qubits, it
/// moves onto qubits ([`Cc::promote`]), which then hold its value when the first `level`
/// controls hold and zero otherwise, as a local computed into qubits there does.
#[derive(Clone, Debug)]
enum Val {
    Q { wires: Vec<u32>, w: Width },
    K { v: u64, ty: Type, level: usize },
}

/// The width of a comparison's temporary: one wire, read as a word (0 or 1).
const FLAG: Width = Width { bits: 1, signed: false };

struct Cc<'a> {
    ast: &'a Ast,
    genes: HashMap<&'a str, &'a Gene>,
    consts: HashMap<String, u64>,
    vars: Vec<Val>,
    env: Vec<HashMap<String, usize>>,
    gates: Vec<Gate>,
    ctrl: Vec<u32>,
    next: u32,
    free: Vec<u32>,
    params_qubits: u32,
    depth: usize,
    budget: u64,
    /// Compiling an inverted gene body, where `call g` means g's inverse.
    inverted: bool,
}

const MAX_GATES: usize = 2_000_000;

impl<'a> Cc<'a> {
    /// Appends a multi-controlled X; a qubit named twice among the controls is one control
    /// (a ∧ a = a), since OpenQASM 3 forbids a gate naming one qubit twice.
    fn emit(&mut self, mut controls: Vec<u32>, target: u32) {
        controls.extend(self.ctrl.iter().copied());
        controls.sort_unstable();
        controls.dedup();
        self.gates.push(Gate::Mcx { controls, target });
    }

    fn swap(&mut self, a: u32, b: u32) {
        if self.ctrl.is_empty() {
            self.gates.push(Gate::Swap(a, b));
        } else {
            self.gates.push(Gate::Mcx { controls: vec![b], target: a });
            self.emit(vec![a], b);
            self.gates.push(Gate::Mcx { controls: vec![b], target: a });
        }
    }

    fn alloc(&mut self, n: u32) -> Vec<u32> {
        (0..n)
            .map(|_| {
                self.free.pop().unwrap_or_else(|| {
                    self.next += 1;
                    self.next - 1
                })
            })
            .collect()
    }

    fn release(&mut self, qs: &[u32]) {
        self.free.extend(qs.iter().rev());
    }

    /// Runs `f` with no block controls (compute/uncompute pairs need none), then restores them.
    fn raw<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        let saved = std::mem::take(&mut self.ctrl);
        let r = f(self);
        self.ctrl = saved;
        r
    }

    fn lookup(&self, name: &str) -> Option<usize> {
        self.env.last().and_then(|e| e.get(name).copied())
    }

    fn var(&self, name: &str, span: Span) -> R<usize> {
        match self.lookup(name) {
            Some(i) => Ok(i),
            None => err(span, format!("`{name}` is not a variable the circuit knows")),
        }
    }

    fn ty_of(&self, name: &str) -> Option<Type> {
        let i = self.lookup(name)?;
        Some(match &self.vars[i] {
            // A comparison is a word, 0 or 1, as in the interpreter: `~(a < b)` is 64 bits.
            Val::Q { w, .. } if *w == FLAG => Type::U64,
            Val::Q { w, .. } => Type::Fixed(*w),
            Val::K { ty, .. } => *ty,
        })
    }

    /// The width `e` is computed at (64 when a word takes part).
    fn width(&self, e: &Expr) -> (u32, bool) {
        let lookup = |n: &str| self.ty_of(n);
        match rdx_lang::types::expr_width(e, &lookup) {
            Some(w) => (u32::from(w.bits), w.signed),
            None => (64, rdx_lang::types::expr_signed(self.ast.dialect, e, &lookup)),
        }
    }

    /// The value of `e` if it depends on no qubit.
    fn known(&self, e: &Expr) -> Option<u64> {
        Some(match &e.kind {
            ExprKind::Int(v) => *v,
            ExprKind::Var(n) => match self.lookup(n) {
                Some(i) => match &self.vars[i] {
                    Val::K { v, .. } => *v,
                    Val::Q { .. } => return None,
                },
                None => *self.consts.get(n)?,
            },
            ExprKind::Unary(op, x) => {
                let v = self.known(x)?;
                let r = match op {
                    UnOp::Neg => v.wrapping_neg(),
                    UnOp::BitNot => !v,
                    UnOp::Not => u64::from(v == 0),
                };
                self.at_width(e, r)
            }
            ExprKind::Binary(op, l, r) => {
                let (a, b) = (self.known(l)?, self.known(r)?);
                let lookup = |n: &str| self.ty_of(n);
                let signed = rdx_lang::types::operands_signed(self.ast.dialect, l, r, &lookup);
                let v = fold(*op, a, b, signed)?;
                if op.is_boolean() { v } else { self.at_width(e, v) }
            }
            _ => return None,
        })
    }

    fn at_width(&self, e: &Expr, v: u64) -> u64 {
        let lookup = |n: &str| self.ty_of(n);
        rdx_lang::types::expr_width(e, &lookup).map_or(v, |w| w.wrap(v))
    }

    /// Bit i (of `bits`) of `e` as a polynomial, if `e` is bitwise (no arithmetic on qubits).
    fn anf(&self, e: &Expr, bits: u32) -> Option<Vec<Anf>> {
        if let Some(k) = self.known(e) {
            return Some((0..bits).map(|i| anf_const(i < 64 && k >> i & 1 == 1)).collect());
        }
        let (we, _) = self.width(e);
        let v: Vec<Anf> = match &e.kind {
            ExprKind::Var(n) => {
                let Val::Q { wires, w } = &self.vars[self.lookup(n)?] else { return None };
                (0..we)
                    .map(|i| {
                        let q = if (i as usize) < wires.len() {
                            Some(wires[i as usize])
                        } else if w.signed {
                            wires.last().copied()
                        } else {
                            None
                        };
                        q.map_or_else(Anf::new, |q| [vec![q]].into_iter().collect())
                    })
                    .collect()
            }
            ExprKind::Unary(UnOp::BitNot, x) => {
                self.anf(x, we)?.iter().map(|a| anf_xor(a, &anf_const(true))).collect()
            }
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or | BinOp::Xor), l, r) => {
                let (a, b) = (self.anf(l, we)?, self.anf(r, we)?);
                a.iter()
                    .zip(&b)
                    .map(|(x, y)| match op {
                        BinOp::And => anf_and(x, y),
                        BinOp::Xor => anf_xor(x, y),
                        _ => anf_xor(&anf_xor(x, y), &anf_and(x, y)),
                    })
                    .collect()
            }
            ExprKind::Binary(op @ (BinOp::Shl | BinOp::Shr), l, r) => {
                let k = self.known(r)?;
                let a = self.anf(l, we)?;
                let (_, signed) = self.width(l);
                (0..we)
                    .map(|i| {
                        let src = if *op == BinOp::Shl {
                            (i as u64).checked_sub(k)
                        } else {
                            // An amount past the width (a negative one is huge) shifts
                            // everything out: zero, or the sign for a signed `>>`.
                            Some((i as u64).saturating_add(k))
                        };
                        match src {
                            Some(s) if s < u64::from(we) => a[s as usize].clone(),
                            Some(_) if *op == BinOp::Shr && signed => a[we as usize - 1].clone(),
                            _ => Anf::new(),
                        }
                    })
                    .collect()
            }
            _ => return None,
        };
        let (_, signed) = self.width(e);
        Some(
            (0..bits)
                .map(|i| match v.get(i as usize) {
                    Some(a) => a.clone(),
                    None if signed => v.last().cloned().unwrap_or_default(),
                    None => Anf::new(),
                })
                .collect(),
        )
    }

    /// XORs the polynomials into the target qubits (block controls added to every gate).
    fn xor_anf(&mut self, target: &[u32], bits: &[Anf]) {
        for (&t, a) in target.iter().zip(bits) {
            for m in a {
                self.emit(m.clone(), t);
            }
        }
    }

    /// `e` on `bits` qubits: a variable's own wires when it is one of that width, else computed
    /// into fresh ancillas. Returns the wires and the gates that computed them (to undo).
    fn compute(&mut self, e: &Expr, bits: u32) -> R<(Vec<u32>, Option<Undo>)> {
        if let ExprKind::Var(n) = &e.kind
            && let Some(i) = self.lookup(n)
            && let Val::Q { wires, .. } = &self.vars[i]
            && wires.len() == bits as usize
        {
            return Ok((wires.clone(), None));
        }
        let start = self.gates.len();
        let reg = self.alloc(bits);
        self.raw(|me| me.compute_into(e, &reg))?;
        Ok((reg.clone(), Some((start, self.gates.len(), reg))))
    }

    fn uncompute(&mut self, undo: Option<Undo>) {
        if let Some((start, end, reg)) = undo {
            let done: Vec<Gate> = self.gates[start..end].to_vec();
            self.gates.extend(done.into_iter().rev());
            self.release(&reg);
        }
    }

    /// reg ^= e, reg all zero before (no block controls are active).
    fn compute_into(&mut self, e: &Expr, reg: &[u32]) -> R<()> {
        let bits = reg.len() as u32;
        if let Some(a) = self.anf(e, bits) {
            self.xor_anf(reg, &a);
            return Ok(());
        }
        if e.is_boolean() {
            // A comparison or `&& || !` as a value: 0 or 1 in the low qubit.
            return self.cond_into(e, reg[0]);
        }
        let (we, signed) = self.width(e);
        if we < bits {
            // Arithmetic wraps at the expression's own width, then extends to the register's.
            self.compute_into(e, &reg[..we as usize])?;
            if signed {
                for &q in &reg[we as usize..] {
                    self.emit(vec![reg[we as usize - 1]], q);
                }
            }
            return Ok(());
        }
        match &e.kind {
            ExprKind::Binary(op @ (BinOp::Shl | BinOp::Shr), l, r) if self.known(r).is_none() => {
                self.shift_into(e, *op, l, r, reg)
            }
            ExprKind::Binary(op @ (BinOp::Div | BinOp::Mod), l, r) if self.known(r).is_some() => {
                let c = self.known(r).unwrap_or(0);
                self.divide_into(*op, l, r, c, reg, e.span)
            }
            ExprKind::Binary(BinOp::And | BinOp::Or | BinOp::Xor | BinOp::Shl | BinOp::Shr, ..)
            | ExprKind::Unary(UnOp::BitNot, _) => {
                // Bitwise operations over arithmetic: each arithmetic operand computed into
                // ancillas, the bitwise part XORed in, the operands uncomputed.
                let mut temps = Vec::new();
                let r = self.lower(e, bits, &mut temps).and_then(|low| match self.anf(&low, bits) {
                    Some(a) => {
                        self.xor_anf(reg, &a);
                        Ok(())
                    }
                    None => err(e.span, "this expression has no circuit"),
                });
                for (name, undo) in temps.into_iter().rev() {
                    if let Some(env) = self.env.last_mut() {
                        env.remove(&name);
                    }
                    self.uncompute(undo);
                }
                r
            }
            ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), l, r) => {
                self.compute_into(l, reg)?;
                self.add_expr(reg, r, *op == BinOp::Sub, e.span)
            }
            ExprKind::Unary(UnOp::Neg, x) => {
                self.compute_into(x, reg)?;
                for &q in reg {
                    self.emit(vec![], q);
                }
                self.add_const(reg, 1, false);
                Ok(())
            }
            ExprKind::Binary(BinOp::Mul, l, r) if self.known(r).is_some() || self.known(l).is_some() => {
                let (x, k) =
                    if let Some(k) = self.known(r) { (l, k) } else { (r, self.known(l).unwrap_or(0)) };
                let (xw, undo) = self.compute(x, bits)?;
                for j in 0..bits {
                    if k >> j & 1 == 1 {
                        let n = (bits - j) as usize;
                        self.adder(&reg[j as usize..], &xw[..n], false);
                    }
                }
                self.uncompute(undo);
                Ok(())
            }
            _ => {
                err(e.span, "this expression has no circuit (use + -, * / % by a constant, & | ^ ~, shifts)")
            }
        }
    }

    /// reg ^= e = l << r (or >>) for an amount r held in qubits: a barrel shifter. Stage j (for
    /// each amount bit with 2^j below the width w) is w fresh ancillas holding the previous
    /// stage shifted by 2^j when bit j is set (three gates a bit: a copy, and the two Toffolis
    /// of a controlled choice); the amount's higher bits, its sign included, are ORed into one
    /// ancilla that selects the everything-shifted-out value (zero, or the sign for a signed
    /// `>>`, as the interpreter computes on 64-bit words). The stages and that ancilla are
    /// uncomputed after the last stage is XORed into reg.
    ///
    /// `e` is computed at its width, as every binary operation ([`Self::width`]: the amount's
    /// variables count, so `t << b` with `t: u8` and `b: u16` is 16 bits wide), and l is
    /// extended to it. `l >> r` is shifted at l's own width: l's bits above it are all its sign
    /// (or zero), and so are the result's, copied into reg's bits above.
    fn shift_into(&mut self, e: &Expr, op: BinOp, l: &Expr, r: &Expr, reg: &[u32]) -> R<()> {
        let (we, _) = self.width(e);
        let (wl, signed) = self.width(l);
        // Only reg's bits are used: `l << k` needs only as many of l's low bits, and a
        // non-negative constant `c >> k` only c's own bits and a zero above them (an amount past
        // the narrower width shifts everything out, as past the word's).
        let bits = reg.len() as u32;
        let w = match (op, self.known(l)) {
            (BinOp::Shl, _) => we.min(bits),
            (_, Some(c)) if c < 1 << 31 => wl.min(bits.max(64 - c.leading_zeros() + 1)),
            _ => wl,
        };
        // A comparison as the amount is 0 or 1: one qubit, not the word it is computed on.
        let wk = if r.is_boolean() { 1 } else { self.width(r).0 };
        narrow(l, w)?;
        narrow(r, wk)?;
        let (x, ux) = self.compute(l, w)?;
        let (k, uk) = self.compute(r, wk)?;
        let w = w as usize;
        let fill_sign = op == BinOp::Shr && signed;
        let start = self.gates.len();
        let mut held = Vec::new();
        let mut cur = x.clone();
        let mut j = 0;
        while j < k.len() && (1usize << j) < w {
            let step = 1usize << j;
            let next = self.alloc(w as u32);
            for i in 0..w {
                let src = if op == BinOp::Shl {
                    i.checked_sub(step)
                } else if i + step < w {
                    Some(i + step)
                } else {
                    fill_sign.then_some(w - 1)
                };
                self.emit(vec![cur[i]], next[i]);
                self.emit(vec![k[j], cur[i]], next[i]);
                if let Some(src) = src {
                    self.emit(vec![k[j], cur[src]], next[i]);
                }
            }
            held.extend_from_slice(&next);
            cur = next;
            j += 1;
        }
        // big = k[j] ∨ k[j+1] ∨ …: NOT of the AND of their complements.
        let high = k[j..].to_vec();
        let big = self.alloc(1)[0];
        if !high.is_empty() {
            for &q in &high {
                self.emit(vec![], q);
            }
            self.emit(high.clone(), big);
            for &q in &high {
                self.emit(vec![], q);
            }
            self.emit(vec![], big);
        }
        held.push(big);
        let stages = (start, self.gates.len(), held);
        for (i, &t) in reg.iter().enumerate().take(w) {
            self.emit(vec![cur[i]], t);
            self.emit(vec![big, cur[i]], t);
            if fill_sign {
                self.emit(vec![big, cur[w - 1]], t);
            }
        }
        if fill_sign {
            for &t in reg.iter().skip(w) {
                self.emit(vec![x[w - 1]], t);
            }
        }
        self.uncompute(Some(stages));
        self.uncompute(uk);
        self.uncompute(ux);
        Ok(())
    }

    /// reg ^= l / c or l % c for an unsigned l of width w and a constant c: restoring division.
    /// A remainder register of w + 1 qubits takes the bits of l from the top, one a step (a
    /// rewiring shift and a CNOT); each step's quotient bit is "remainder ≥ c" (the comparison's
    /// carry ladder against c held in ancillas) and controls the subtraction of c (a Cuccaro
    /// adder). The quotient or the remainder is copied out and every step undone.
    ///
    /// The division is signed when either operand is (`rdx_lang::types::operands_signed`, as
    /// the interpreter divides): a constant r of a signed type below zero has no circuit.
    fn divide_into(&mut self, op: BinOp, l: &Expr, r: &Expr, c: u64, reg: &[u32], span: Span) -> R<()> {
        let (w, signed) = self.width(l);
        if signed {
            return err(span, "`/` and `%` of a signed value have no circuit: divide an unsigned one");
        }
        let lookup = |n: &str| self.ty_of(n);
        if rdx_lang::types::operands_signed(self.ast.dialect, l, r, &lookup) && (c as i64) < 0 {
            return err(
                span,
                "`/` and `%` by a negative constant have no circuit: divide by its magnitude \
                 (`x / c` is `-(x / -c)`, `x % c` is `x % -c`)",
            );
        }
        narrow(l, w)?;
        if c == 0 {
            return err(span, "division by zero");
        }
        let (x, ux) = self.compute(l, w)?;
        let w = w as usize;
        if c >> w != 0 {
            // c exceeds every value: the quotient is 0 and the remainder the value itself.
            if op == BinOp::Mod {
                for (&q, &t) in x.iter().zip(reg) {
                    self.emit(vec![q], t);
                }
            }
            self.uncompute(ux);
            return Ok(());
        }
        let start = self.gates.len();
        let mut rem = self.alloc(w as u32 + 1);
        let divisor = self.alloc(w as u32 + 1);
        let quotient = self.alloc(w as u32);
        for (i, &q) in divisor.iter().enumerate() {
            if c >> i & 1 == 1 {
                self.emit(vec![], q);
            }
        }
        for i in (0..w).rev() {
            // rem = 2·rem + x_i: its top qubit is zero (rem < c < 2^w), so the shift is a
            // rotation of the wires, and x_i lands on that zero.
            rem.rotate_right(1);
            self.emit(vec![x[i]], rem[0]);
            self.less_than(&rem, &divisor, false, quotient[i]);
            self.emit(vec![], quotient[i]);
            self.ctrl.push(quotient[i]);
            self.add_const(&rem, c, true);
            self.ctrl.pop();
        }
        let out = if op == BinOp::Div { quotient.clone() } else { rem[..w].to_vec() };
        let steps = (start, self.gates.len(), [quotient, divisor, rem].concat());
        for (&q, &t) in out.iter().zip(reg) {
            self.emit(vec![q], t);
        }
        self.uncompute(Some(steps));
        self.uncompute(ux);
        Ok(())
    }

    /// `e` with each operand of its bitwise operations that is not bitwise itself (a sum, a
    /// product, a comparison, a shift by a variable) computed into fresh ancillas and named
    /// by a temporary variable (`temps`: to uncompute, last first). Only the low `demand` bits
    /// of `e` are used, so an operand is computed at no more bits than its own part needs: a
    /// bitwise operation's bit i, and a sum's or a product's low bits, depend only on their
    /// operands' low bits (a `u8` sum holding a comparison is computed on 8 bits, not on the
    /// word the comparison makes it).
    fn lower(&mut self, e: &Expr, demand: u32, temps: &mut Vec<(String, Option<Undo>)>) -> R<Expr> {
        let (we, signed) = self.width(e);
        if self.anf(e, we).is_some() {
            return Ok(e.clone());
        }
        let kind = match &e.kind {
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or | BinOp::Xor), l, r) => ExprKind::Binary(
                *op,
                Box::new(self.lower(l, demand, temps)?),
                Box::new(self.lower(r, demand, temps)?),
            ),
            ExprKind::Binary(op @ (BinOp::Shl | BinOp::Shr), l, r) if let Some(k) = self.known(r) => {
                // `l >> k`'s low bits are l's bits from k up (all of l's bits for an amount past
                // its width, which shifts in the sign).
                let need = if *op == BinOp::Shl {
                    demand
                } else {
                    u32::try_from(k).ok().and_then(|k| demand.checked_add(k)).map_or(we, |n| n.min(we))
                };
                ExprKind::Binary(*op, Box::new(self.lower(l, need, temps)?), r.clone())
            }
            ExprKind::Unary(UnOp::BitNot, x) => {
                ExprKind::Unary(UnOp::BitNot, Box::new(self.lower(x, demand, temps)?))
            }
            _ => {
                let (bits, w) = if e.is_boolean() {
                    (1, FLAG)
                } else {
                    // Computed at `bits` (`compute_into` keeps an operation that needs more,
                    // such as a division, at its own width and takes its low bits).
                    let bits = we.min(demand.max(1));
                    narrow(e, bits)?;
                    (bits, Width { bits: bits as u8, signed })
                };
                let (wires, undo) = self.compute_fresh(e, bits)?;
                let name = format!("#{}", self.vars.len());
                self.vars.push(Val::Q { wires, w });
                let k = self.vars.len() - 1;
                if let Some(env) = self.env.last_mut() {
                    env.insert(name.clone(), k);
                }
                temps.push((name.clone(), undo));
                ExprKind::Var(name)
            }
        };
        Ok(Expr { kind, span: e.span })
    }

    /// target += e (or -=).
    fn add_expr(&mut self, target: &[u32], e: &Expr, sub: bool, span: Span) -> R<()> {
        let _ = span;
        if let Some(k) = self.known(e) {
            self.add_const(target, k, sub);
            return Ok(());
        }
        let (a, undo) = self.compute(e, target.len() as u32)?;
        self.adder(target, &a, sub);
        self.uncompute(undo);
        Ok(())
    }

    fn add_const(&mut self, target: &[u32], k: u64, sub: bool) {
        let mask = if target.len() >= 64 { u64::MAX } else { (1u64 << target.len()) - 1 };
        if k & mask == 0 {
            return;
        }
        let reg = self.alloc(target.len() as u32);
        let set: Vec<u32> =
            reg.iter().enumerate().filter(|(i, _)| k >> i & 1 == 1).map(|(_, &q)| q).collect();
        for &q in &set {
            self.gates.push(Gate::Mcx { controls: vec![], target: q });
        }
        self.adder(target, &reg, sub);
        for &q in &set {
            self.gates.push(Gate::Mcx { controls: vec![], target: q });
        }
        self.release(&reg);
    }

    /// b += a modulo 2^n (b the target), backward (`sub`) its gates in reverse order.
    ///
    /// Addition modulo 2^n is the (n − 1)-bit adder of Cuccaro, Draper, Kutin and Moulton
    /// (2004) with its high-bit output z on b's top qubit (which then holds b_{n−1} ⊕ c_{n−1}),
    /// and one CNOT a_{n−1} → b_{n−1}. For n − 1 ≥ 4 it is the paper's depth-optimised circuit
    /// (its Figure 5): 2(n−1) − 1 Toffoli, 5(n−1) − 3 CNOT and 2(n−1) − 4 NOT, so
    /// 2n − 3 Toffoli, 5n − 7 CNOT and 2n − 6 NOT in all, one ancilla. Narrower adders (inside
    /// `a * c` and comparisons of narrow values) use its plain MAJ/UMA circuit (Figure 4).
    fn adder(&mut self, b: &[u32], a: &[u32], sub: bool) {
        let n = b.len().min(a.len());
        if n == 0 {
            return;
        }
        let start = self.gates.len();
        if n > 1 {
            let m = n - 1;
            let x = self.alloc(1)[0];
            if m >= 4 {
                self.cdkm_optimised(&a[..m], &b[..m], x, b[m]);
            } else {
                self.cdkm_plain(&a[..m], &b[..m], x, b[m]);
            }
            self.release(&[x]);
        }
        self.emit(vec![a[n - 1]], b[n - 1]);
        if sub {
            self.gates[start..].reverse();
        }
    }

    /// The paper's Figure 5, line by line (m ≥ 4): b += a, z ^= the carry out, x an ancilla
    /// at zero (it holds c_1 in between). Its NOTs come in pairs on one qubit with only gates
    /// that carry the block controls between them, so they need no control themselves.
    fn cdkm_optimised(&mut self, a: &[u32], b: &[u32], x: u32, z: u32) {
        let m = a.len();
        let not = |me: &mut Self, q: u32| me.gates.push(Gate::Mcx { controls: vec![], target: q });
        for i in 1..m {
            self.emit(vec![a[i]], b[i]);
        }
        self.emit(vec![a[1]], x);
        self.emit(vec![a[0], b[0]], x);
        self.emit(vec![a[2]], a[1]);
        self.emit(vec![x, b[1]], a[1]);
        self.emit(vec![a[3]], a[2]);
        for i in 2..m - 2 {
            self.emit(vec![a[i - 1], b[i]], a[i]);
            self.emit(vec![a[i + 2]], a[i + 1]);
        }
        self.emit(vec![a[m - 3], b[m - 2]], a[m - 2]);
        self.emit(vec![a[m - 1]], z);
        self.emit(vec![a[m - 2], b[m - 1]], z);
        for &q in &b[1..m - 1] {
            not(self, q);
        }
        self.emit(vec![x], b[1]);
        for i in 2..m {
            self.emit(vec![a[i - 1]], b[i]);
        }
        self.emit(vec![a[m - 3], b[m - 2]], a[m - 2]);
        for i in (2..m - 2).rev() {
            self.emit(vec![a[i - 1], b[i]], a[i]);
            self.emit(vec![a[i + 2]], a[i + 1]);
            not(self, b[i + 1]);
        }
        self.emit(vec![x, b[1]], a[1]);
        self.emit(vec![a[3]], a[2]);
        not(self, b[2]);
        self.emit(vec![a[0], b[0]], x);
        self.emit(vec![a[2]], a[1]);
        not(self, b[1]);
        self.emit(vec![a[1]], x);
        for i in 0..m {
            self.emit(vec![a[i]], b[i]);
        }
    }

    /// The paper's plain circuit (its Figure 4): the MAJ ladder from the low bit up, the carry
    /// out copied into z, the 2-CNOT UMA ladder back down; x is the carry-in ancilla.
    fn cdkm_plain(&mut self, a: &[u32], b: &[u32], x: u32, z: u32) {
        let m = a.len();
        let carry = |i: usize| if i == 0 { x } else { a[i - 1] };
        for i in 0..m {
            self.emit(vec![a[i]], b[i]);
            self.emit(vec![a[i]], carry(i));
            self.emit(vec![carry(i), b[i]], a[i]);
        }
        self.emit(vec![a[m - 1]], z);
        for i in (0..m).rev() {
            self.emit(vec![carry(i), b[i]], a[i]);
            self.emit(vec![a[i]], carry(i));
            self.emit(vec![carry(i)], b[i]);
        }
    }

    /// t ^= (e != 0), block controls on the gates that write t.
    fn cond_into(&mut self, e: &Expr, t: u32) -> R<()> {
        if let Some(k) = self.known(e) {
            if k != 0 {
                self.emit(vec![], t);
            }
            return Ok(());
        }
        match &e.kind {
            ExprKind::Unary(UnOp::Not, x) => {
                self.cond_into(x, t)?;
                self.emit(vec![], t);
                Ok(())
            }
            ExprKind::Binary(op @ (BinOp::LogAnd | BinOp::LogOr), l, r) => {
                let ab = self.alloc(2);
                self.raw(|me| {
                    me.cond_into(l, ab[0])?;
                    me.cond_into(r, ab[1])
                })?;
                self.emit(vec![ab[0], ab[1]], t);
                if *op == BinOp::LogOr {
                    self.emit(vec![ab[0]], t);
                    self.emit(vec![ab[1]], t);
                }
                self.raw(|me| {
                    me.cond_into(r, ab[1])?;
                    me.cond_into(l, ab[0])
                })?;
                self.release(&ab);
                Ok(())
            }
            ExprKind::Binary(op @ (BinOp::Eq | BinOp::Ne), l, r) => {
                // Against a constant: compared at the other side's width when the constant is
                // one of its values (the XOR below is computed at that width), and known
                // otherwise (a `u8` is never 256, as the interpreter's 64-bit words say).
                let constant = match (self.known(l), self.known(r)) {
                    (None, Some(c)) => Some((l, c)),
                    (Some(c), None) => Some((r, c)),
                    _ => None,
                };
                let bits = match constant {
                    Some((x, c)) => {
                        let (w, signed) = self.width(x);
                        let fits = w >= 64
                            || if signed {
                                let (v, half) = (c as i64, 1i64 << (w - 1));
                                (-half..half).contains(&v)
                            } else {
                                c >> w == 0
                            };
                        if !fits {
                            if *op == BinOp::Ne {
                                self.emit(vec![], t);
                            }
                            return Ok(());
                        }
                        w
                    }
                    None => {
                        let ((lw, ls), (rw, rs)) = (self.width(l), self.width(r));
                        if ls != rs {
                            // A signed operand against an unsigned one: each its own value,
                            // one bit wider than both, as the interpreter compares them (an
                            // `i8` -128 is not a `u8` 128, though their bits are; `l ^ r`
                            // would be computed at the signed width). a ^= b, tested, undone.
                            let bits = (lw.max(rw) + 1).min(64);
                            let (aw, ua) = self.compute_fresh(l, bits)?;
                            let (bw, ub) = self.compute_fresh(r, bits)?;
                            let xor = |me: &mut Self| {
                                for (&a, &b) in aw.iter().zip(&bw) {
                                    me.gates.push(Gate::Mcx { controls: vec![b], target: a });
                                }
                            };
                            xor(self);
                            self.zero_test(&aw, t);
                            xor(self);
                            if *op == BinOp::Ne {
                                self.emit(vec![], t);
                            }
                            self.uncompute(ub);
                            self.uncompute(ua);
                            return Ok(());
                        }
                        lw.max(rw)
                    }
                };
                let diff = ExprKind::Binary(BinOp::Xor, l.clone(), r.clone());
                let d = Expr { kind: diff, span: e.span };
                let (wires, undo) = self.compute(&d, bits).or_else(|_| {
                    let s = ExprKind::Binary(BinOp::Sub, l.clone(), r.clone());
                    self.compute(&Expr { kind: s, span: e.span }, bits)
                })?;
                self.zero_test(&wires, t);
                if *op == BinOp::Ne {
                    self.emit(vec![], t);
                }
                self.uncompute(undo);
                Ok(())
            }
            ExprKind::Binary(op @ (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge), l, r) => {
                let lookup = |n: &str| self.ty_of(n);
                let signed = rdx_lang::types::operands_signed(self.ast.dialect, l, r, &lookup);
                let ((lw, ls), (rw, rs)) = (self.cmp_width(l, signed), self.cmp_width(r, signed));
                let mixed = signed && !(ls && rs);
                let bits = (lw.max(rw) + u32::from(mixed)).min(64);
                // a < b, or its negation: x < y, x <= y = !(y < x), x > y = y < x, x >= y = !(x < y).
                let (a, b, negate) = match op {
                    BinOp::Lt => (l, r, false),
                    BinOp::Le => (r, l, true),
                    BinOp::Gt => (r, l, false),
                    _ => (l, r, true),
                };
                let (aw, ua) = self.compute_fresh(a, bits)?;
                let (bw, ub) = self.compute_fresh(b, bits)?;
                self.less_than(&aw, &bw, signed, t);
                if negate {
                    self.emit(vec![], t);
                }
                self.uncompute(ub);
                self.uncompute(ua);
                Ok(())
            }
            _ => {
                let bits = self.width(e).0;
                let (wires, undo) = self.compute(e, bits)?;
                self.zero_test(&wires, t);
                self.emit(vec![], t);
                self.uncompute(undo);
                Ok(())
            }
        }
    }

    /// The width at which an operand of a comparison is compared: a constant takes only the
    /// bits its value needs (a sign bit too when the comparison is signed), so `y < 9` on a
    /// `u8` is an 8-bit comparison rather than a 64-bit one; anything else, its own width.
    fn cmp_width(&self, e: &Expr, signed: bool) -> (u32, bool) {
        match self.known(e) {
            Some(k) if signed => {
                let v = k as i64;
                (65 - (if v < 0 { !v } else { v }).leading_zeros(), true)
            }
            Some(k) => ((64 - k.leading_zeros()).max(1), false),
            None => self.width(e),
        }
    }

    /// Like [`Self::compute`], always into fresh ancillas (the comparison changes them).
    fn compute_fresh(&mut self, e: &Expr, bits: u32) -> R<(Vec<u32>, Option<Undo>)> {
        let start = self.gates.len();
        let reg = self.alloc(bits);
        self.raw(|me| me.compute_into(e, &reg))?;
        Ok((reg.clone(), Some((start, self.gates.len(), reg))))
    }

    /// t ^= (all wires are 0).
    fn zero_test(&mut self, wires: &[u32], t: u32) {
        for &q in wires {
            self.gates.push(Gate::Mcx { controls: vec![], target: q });
        }
        self.emit(wires.to_vec(), t);
        for &q in wires {
            self.gates.push(Gate::Mcx { controls: vec![], target: q });
        }
    }

    /// t ^= (a < b) on registers of one width: the carry out of ~a + b, computed by the MAJ
    /// ladder of the adder and undone after (signed: the top bits flipped first).
    fn less_than(&mut self, a: &[u32], b: &[u32], signed: bool, t: u32) {
        let n = a.len();
        let start = self.gates.len();
        let c0 = self.alloc(1)[0];
        let x = |me: &mut Self, q: u32| me.gates.push(Gate::Mcx { controls: vec![], target: q });
        for &q in a {
            x(self, q);
        }
        if signed {
            x(self, a[n - 1]);
            x(self, b[n - 1]);
        }
        let carry = |i: usize| if i == 0 { c0 } else { a[i - 1] };
        for i in 0..n {
            self.gates.push(Gate::Mcx { controls: vec![a[i]], target: b[i] });
            self.gates.push(Gate::Mcx { controls: vec![a[i]], target: carry(i) });
            let mut cs = vec![carry(i), b[i]];
            cs.sort_unstable();
            cs.dedup();
            self.gates.push(Gate::Mcx { controls: cs, target: a[i] });
        }
        let compute: Vec<Gate> = self.gates[start..].to_vec();
        self.emit(vec![a[n - 1]], t);
        self.gates.extend(compute.into_iter().rev());
        self.release(&[c0]);
    }

    /// Rotates the value on `t` left by `left` places by moving it (swaps, carrying the
    /// block controls): a cycle decomposition of the rotation.
    fn rotate_in_place(&mut self, t: &[u32], left: usize) {
        let n = t.len();
        let new: Vec<u32> = (0..n).map(|j| t[(j + n - left) % n]).collect();
        let mut cur: Vec<u32> = t.to_vec();
        for j in 0..n {
            let want = new[j];
            if let Some(p) = cur.iter().position(|&q| q == want)
                && p != j
            {
                self.swap(t[j], t[p]);
                cur.swap(j, p);
            }
        }
    }

    fn target(&mut self, p: &rdx_lang::ast::Place) -> R<usize> {
        if p.index.is_some() {
            return err(p.span, "arrays have no circuit");
        }
        let i = self.var(&p.name.name, p.span)?;
        self.promote(i, p.span)?;
        Ok(i)
    }

    /// A known variable about to change under a condition or by qubits: onto fresh qubits,
    /// its value written under the controls of the blocks it was opened in (zero when they do
    /// not hold, as every local opened there).
    fn promote(&mut self, i: usize, span: Span) -> R<()> {
        if let Val::K { v, ty, level } = self.vars[i].clone() {
            let Some(w) = ty.width() else {
                return err(
                    span,
                    format!("a `{ty}` local changed by the state has no circuit: declare it u8 … i32"),
                );
            };
            let wires = self.alloc(u32::from(w.bits));
            let outer = self.ctrl[..level.min(self.ctrl.len())].to_vec();
            for (j, &q) in wires.iter().enumerate() {
                if v >> j & 1 == 1 {
                    self.gates.push(Gate::Mcx { controls: outer.clone(), target: q });
                }
            }
            self.vars[i] = Val::Q { wires, w };
        }
        Ok(())
    }

    fn wires(&self, i: usize) -> Vec<u32> {
        match &self.vars[i] {
            Val::Q { wires, .. } => wires.clone(),
            Val::K { .. } => Vec::new(),
        }
    }

    /// Whether a known variable can be updated classically here: at the level of `if` blocks
    /// it was opened at, not inside a deeper one.
    fn classical(&self, p: &rdx_lang::ast::Place) -> Option<usize> {
        let i = self.lookup(&p.name.name)?;
        let here = matches!(self.vars[i], Val::K { level, .. } if level == self.ctrl.len());
        (p.index.is_none() && here).then_some(i)
    }

    fn block(&mut self, stmts: &[Stmt]) -> R<()> {
        for s in stmts {
            self.stmt(s)?;
            if self.gates.len() > MAX_GATES {
                return err(s.span, format!("the circuit passes {MAX_GATES} gates"));
            }
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> R<()> {
        let sp = s.span;
        match &s.kind {
            StmtKind::Update { target, op, value } => {
                if let Some(i) = self.classical(target)
                    && let Some(k) = self.known(value)
                    && let Val::K { v, ty, level } = self.vars[i].clone()
                {
                    let nv = match op {
                        UpdateOp::Add => v.wrapping_add(k),
                        UpdateOp::Sub => v.wrapping_sub(k),
                        UpdateOp::Xor => v ^ k,
                    };
                    self.vars[i] = Val::K { v: ty.width().map_or(nv, |w| w.wrap(nv)), ty, level };
                    return Ok(());
                }
                let i = self.target(target)?;
                let t = self.wires(i);
                match op {
                    UpdateOp::Xor => {
                        if let Some(a) = self.anf(value, t.len() as u32) {
                            self.xor_anf(&t, &a);
                        } else {
                            let (w, undo) = self.compute(value, t.len() as u32)?;
                            for (&q, &s) in t.iter().zip(&w) {
                                self.emit(vec![s], q);
                            }
                            self.uncompute(undo);
                        }
                        Ok(())
                    }
                    UpdateOp::Add | UpdateOp::Sub => self.add_expr(&t, value, *op == UpdateOp::Sub, sp),
                }
            }
            StmtKind::XorShift { target, dir, amount } => {
                let i = self.target(target)?;
                let t = self.wires(i);
                let c = self.known(amount).unwrap_or(0) as usize;
                let n = t.len();
                if *dir == Dir::Left {
                    for j in (c..n).rev() {
                        self.emit(vec![t[j - c]], t[j]);
                    }
                } else {
                    for j in 0..n.saturating_sub(c) {
                        self.emit(vec![t[j + c]], t[j]);
                    }
                }
                Ok(())
            }
            StmtKind::Undo(inner) if matches!(inner.kind, StmtKind::XorShift { .. }) => {
                let start = self.gates.len();
                self.stmt(inner)?;
                // x ^= x << c is undone by the same CNOTs in reverse order.
                self.gates[start..].reverse();
                Ok(())
            }
            StmtKind::Rotate { target, dir, amount } => {
                let i = self.target(target)?;
                let t = self.wires(i);
                let n = t.len();
                let Some(k) = self.known(amount) else {
                    // A barrel shifter: for each bit b of the amount (mod n, a power of two),
                    // a rotation by 2^b controlled by that bit.
                    let bits = self.width(amount).0.min(64);
                    let (aw, undo) = self.compute(amount, bits)?;
                    for (b, &q) in aw.iter().enumerate().take(n.trailing_zeros() as usize) {
                        let step = 1usize << b;
                        let left = if *dir == Dir::Left { step } else { n - step };
                        self.ctrl.push(q);
                        self.rotate_in_place(&t, left);
                        self.ctrl.pop();
                    }
                    self.uncompute(undo);
                    return Ok(());
                };
                let k = (k % n as u64) as usize;
                let left = if *dir == Dir::Left { k } else { (n - k) % n };
                if self.ctrl.is_empty() {
                    // Bit j moves to bit j + left: the new wire of bit j is the old wire of j - left.
                    let new: Vec<u32> = (0..n).map(|j| t[(j + n - left) % n]).collect();
                    if let Val::Q { wires, .. } = &mut self.vars[i] {
                        *wires = new;
                    }
                } else {
                    self.rotate_in_place(&t, left);
                }
                Ok(())
            }
            StmtKind::Mul { target, factor } => {
                let Some(c) = self.known(factor) else {
                    return err(factor.span, "`*=` needs a constant factor");
                };
                let i = self.target(target)?;
                let t = self.wires(i);
                let w = t.len();
                let mask = if w >= 64 { u64::MAX } else { (1u64 << w) - 1 };
                if c & 1 == 0 {
                    return err(factor.span, "`*=` needs an odd factor");
                }
                // t = c·x by shift-and-add into w fresh ancillas, then x -= c⁻¹·t (which is x)
                // clears x, and t becomes x: no swap gates, the old qubits are free again. Inside
                // an `if` every adder carries the block's controls (with them off, t stays zero
                // and x unchanged), and t and x are exchanged by controlled swaps instead of a
                // renaming, which would not depend on the condition.
                let fresh = self.alloc(w as u32);
                let ci = odd_inverse(c) & mask;
                for j in 0..w {
                    if c >> j & 1 == 1 {
                        self.adder(&fresh[j..], &t[..w - j], false);
                    }
                }
                for j in 0..w {
                    if ci >> j & 1 == 1 {
                        self.adder(&t[j..], &fresh[..w - j], true);
                    }
                }
                if self.ctrl.is_empty() {
                    if let Val::Q { wires, .. } = &mut self.vars[i] {
                        *wires = fresh;
                    }
                    self.release(&t);
                } else {
                    for (&p, &q) in t.iter().zip(&fresh) {
                        self.swap(p, q);
                    }
                    self.release(&fresh);
                }
                Ok(())
            }
            StmtKind::Swap(a, b) => {
                let (i, j) = (self.target(a)?, self.target(b)?);
                if self.ctrl.is_empty() {
                    self.vars.swap(i, j);
                } else {
                    let (x, y) = (self.wires(i), self.wires(j));
                    for (&p, &q) in x.iter().zip(&y) {
                        self.swap(p, q);
                    }
                }
                Ok(())
            }
            StmtKind::Not(p) => {
                let i = self.target(p)?;
                for q in self.wires(i) {
                    self.emit(vec![], q);
                }
                Ok(())
            }
            StmtKind::Neg(p) => {
                let i = self.target(p)?;
                let t = self.wires(i);
                for &q in &t {
                    self.emit(vec![], q);
                }
                self.add_const(&t, 1, false);
                Ok(())
            }
            StmtKind::If { cond, then_block, else_block, fi } => {
                if let Some(c) = self.known(cond) {
                    // A known test chooses the branch while compiling. The assertion, unless it
                    // is known to hold after the branch, is checked into an ancilla as on
                    // qubits: the test XOR the assertion, zero exactly where the `fi` holds.
                    let b = if c != 0 { Some(then_block) } else { else_block.as_ref() };
                    if let Some(b) = b {
                        self.block(&b.stmts)?;
                    }
                    if self.known(fi).is_none_or(|a| (a != 0) != (c != 0)) {
                        let a = self.alloc(1)[0];
                        if c != 0 {
                            self.emit(vec![], a);
                        }
                        self.cond_into(fi, a)?;
                        self.release(&[a]);
                    }
                    return Ok(());
                }
                let a = self.alloc(1)[0];
                self.cond_into(cond, a)?;
                self.ctrl.push(a);
                self.block(&then_block.stmts)?;
                self.ctrl.pop();
                if let Some(b) = else_block {
                    self.gates.push(Gate::Mcx { controls: vec![], target: a });
                    self.ctrl.push(a);
                    let r = self.block(&b.stmts);
                    self.ctrl.pop();
                    r?;
                    self.gates.push(Gate::Mcx { controls: vec![], target: a });
                }
                self.cond_into(fi, a)?;
                self.release(&[a]);
                Ok(())
            }
            StmtKind::From { entry, body, again, until } => {
                if self.known(entry) != Some(1) && self.known(entry).is_none_or(|v| v == 0) {
                    return err(
                        entry.span,
                        "a loop whose entry test depends on the state has no circuit: only loops with constant trip counts unroll",
                    );
                }
                loop {
                    self.block(&body.stmts)?;
                    match self.known(until) {
                        Some(0) => {}
                        Some(_) => return Ok(()),
                        None => {
                            return err(
                                until.span,
                                "a loop whose exit test depends on the state has no circuit: only loops with constant trip counts unroll",
                            );
                        }
                    }
                    if let Some(l) = again {
                        self.block(&l.stmts)?;
                    }
                    self.budget = self.budget.saturating_sub(1);
                    if self.budget == 0 {
                        return err(until.span, "the loop runs too many times to unroll");
                    }
                }
            }
            StmtKind::Local { name, ty, init } => {
                let val = match (self.known(init), ty) {
                    (Some(v), Type::U64 | Type::I64 | Type::Fixed(_)) => {
                        Val::K { v: ty.width().map_or(v, |w| w.wrap(v)), ty: *ty, level: self.ctrl.len() }
                    }
                    (_, Type::Fixed(w)) => {
                        let wires = self.alloc(u32::from(w.bits));
                        if let Some(a) = self.anf(init, u32::from(w.bits)) {
                            self.xor_anf(&wires, &a);
                        } else {
                            let (src, undo) = self.compute(init, u32::from(w.bits))?;
                            for (&q, &s) in wires.iter().zip(&src) {
                                self.emit(vec![s], q);
                            }
                            self.uncompute(undo);
                        }
                        Val::Q { wires, w: *w }
                    }
                    (_, Type::Array(..) | Type::Stack) => {
                        return err(
                            sp,
                            format!("a `{ty}` local has no circuit: arrays and stacks have none"),
                        );
                    }
                    (_, _) => {
                        return err(
                            sp,
                            format!("a `{ty}` local has no circuit unless its value is a constant"),
                        );
                    }
                };
                self.vars.push(val);
                let k = self.vars.len() - 1;
                if let Some(e) = self.env.last_mut() {
                    e.insert(name.name.clone(), k);
                }
                Ok(())
            }
            StmtKind::Delocal { name, value, .. } => {
                let i = self.var(&name.name, name.span)?;
                if let Val::K { v, ty, .. } = self.vars[i].clone() {
                    let holds = self.known(value).map(|k| ty.width().map_or(k, |w| w.wrap(k)) == v);
                    // Inside a block on qubits a delocal that fails (or may) fails only where
                    // the block's controls hold: the local goes onto qubits, which end nonzero
                    // there, as a `fi` that fails leaves its ancilla.
                    let on_qubits = !self.ctrl.is_empty() && ty.width().is_some();
                    match (holds, self.known(value)) {
                        (Some(true), _) => {}
                        _ if on_qubits => self.promote(i, sp)?,
                        (_, Some(k)) => {
                            return err(sp, format!("`delocal {} = {k}` but it is {v} here", name.name));
                        }
                        (_, None) => {
                            return err(
                                value.span,
                                "a constant local closed with a value that depends on the state",
                            );
                        }
                    }
                }
                match self.vars[i].clone() {
                    Val::K { .. } => {}
                    Val::Q { wires, w } => {
                        if let Some(a) = self.anf(value, u32::from(w.bits)) {
                            self.xor_anf(&wires, &a);
                        } else {
                            let (src, undo) = self.compute(value, u32::from(w.bits))?;
                            for (&q, &s) in wires.iter().zip(&src) {
                                self.emit(vec![s], q);
                            }
                            self.uncompute(undo);
                        }
                        self.release(&wires);
                    }
                }
                if let Some(e) = self.env.last_mut() {
                    e.remove(&name.name);
                }
                Ok(())
            }
            StmtKind::Call { gene, args, uncall } => {
                let Some(&g) = self.genes.get(gene.name.as_str()) else {
                    return err(gene.span, format!("unknown gene `{}`", gene.name));
                };
                if self.depth > 64 {
                    return err(sp, "calls nest too deep to inline (recursion has no circuit)");
                }
                let mut frame = HashMap::new();
                for (a, p) in args.iter().zip(&g.params) {
                    frame.insert(p.name.name.clone(), self.var(&a.name, a.span)?);
                }
                // Inside an inverted body (`rdx_lang::invert`), a call names the callee's inverse.
                let backward = *uncall != self.inverted;
                let body = if backward { rdx_lang::invert::invert_gene(g).body } else { g.body.clone() };
                let saved = std::mem::replace(&mut self.inverted, backward);
                self.env.push(frame);
                self.depth += 1;
                let r = self.block(&body.stmts);
                self.depth -= 1;
                self.env.pop();
                self.inverted = saved;
                r
            }
            StmtKind::Assert(_) | StmtKind::Skip | StmtKind::Print(_) => Ok(()),
            _ => err(sp, format!("this statement has no circuit (supported: {STATEMENTS})")),
        }
    }
}

/// The most bits of state whose every state [`partial`] runs through the interpreter (2²⁰
/// runs: about a tenth of a second for a small gene).
pub const CHECKED_BITS: u32 = 20;

/// Why gene `gene`'s circuit does not match it everywhere, when it does not: the gene fails
/// from some state (an assertion, a `delocal`, a `fi`), and there the circuit still runs but an
/// ancilla ends nonzero. Found by running every state (as `rdx perm` does), for at most
/// [`CHECKED_BITS`] bits of state; None when no state fails or the state is wider.
pub fn partial(m: &rdx_vm::Module, gene: usize) -> Option<String> {
    crate::perm::Domain::of(m, gene).ok().filter(|d| d.bits() <= CHECKED_BITS)?;
    let mut engine = crate::perm::sweeper(None);
    let p = crate::perm::permutation(&mut engine, m, gene).ok()?;
    let why = p.failure(m, gene, "a sweep's step budget")?;
    let (_, e) = p.partial.as_ref()?;
    let cause = match e.kind {
        rdx_vm::RunErrorKind::StepLimit { .. } => String::new(),
        _ => format!(" ({})", e.kind.message()),
    };
    Some(format!(
        "{why}{cause}; the circuit gives its result, every ancilla back at zero, only on the \
         states it runs from"
    ))
}

/// Compiles gene `gene` of the checked program into a circuit.
pub fn compile(ast: &Ast, gene: &str) -> Result<Circuit, CircuitError> {
    let Some(g) = ast.genes.iter().find(|g| g.name.name == gene) else {
        return err(Span::default(), format!("no gene `{gene}`"));
    };
    let mut consts = HashMap::new();
    for c in &ast.consts {
        if let ExprKind::Int(v) = c.value.kind {
            consts.insert(c.name.name.clone(), v);
        }
    }
    let mut cc = Cc {
        ast,
        genes: ast.genes.iter().map(|g| (g.name.name.as_str(), g)).collect(),
        consts,
        vars: Vec::new(),
        env: vec![HashMap::new()],
        gates: Vec::new(),
        ctrl: Vec::new(),
        next: 0,
        free: Vec::new(),
        params_qubits: 0,
        depth: 0,
        budget: 1 << 20,
        inverted: false,
    };
    let mut registers = Vec::new();
    for p in &g.params {
        let Type::Fixed(w) = p.ty else {
            let what = crate::perm::state_variable(ast.dialect, &p.name.name, &p.ty);
            return err(
                p.ty_span,
                match ast.dialect {
                    Dialect::Rdx => format!("{what}: circuits take u8 u16 u32 i8 i16 i32 parameters"),
                    Dialect::Janus => {
                        format!("{what}: circuits take u8 u16 u32 i8 i16 i32 values, and Janus has none")
                    }
                },
            );
        };
        let wires = cc.alloc(u32::from(w.bits));
        registers.push((p.name.name.clone(), w, wires.clone()));
        cc.vars.push(Val::Q { wires, w });
        let k = cc.vars.len() - 1;
        cc.env[0].insert(p.name.name.clone(), k);
    }
    cc.params_qubits = cc.next;
    cc.block(&g.body.stmts)?;
    // Move each parameter's bits home.
    let mut at: HashMap<u32, u32> = HashMap::new(); // qubit -> logical home qubit sitting there
    let mut pos: HashMap<u32, u32> = HashMap::new(); // home -> qubit
    for (k, (_, _, home)) in registers.iter().enumerate() {
        let i = cc.env[0][&g.params[k].name.name];
        for (h, q) in home.iter().zip(cc.wires(i)) {
            at.insert(q, *h);
            pos.insert(*h, q);
        }
    }
    for (_, _, home) in &registers {
        for &h in home {
            let q = pos[&h];
            if q != h {
                cc.gates.push(Gate::Swap(q.min(h), q.max(h)));
                // What sat on h moves to q.
                if let Some(&other) = at.get(&h) {
                    pos.insert(other, q);
                    at.insert(q, other);
                } else {
                    at.remove(&q);
                }
                at.insert(h, h);
                pos.insert(h, h);
            }
        }
    }
    let ancillas = cc.next - cc.params_qubits;
    Ok(Circuit { registers, ancillas, gates: cc.gates })
}

impl Circuit {
    pub fn qubits(&self) -> u32 {
        self.registers.iter().map(|r| r.2.len() as u32).sum::<u32>() + self.ancillas
    }

    /// Runs the circuit on a basis state (one bool per qubit).
    pub fn simulate(&self, bits: &mut [bool]) {
        for g in &self.gates {
            match g {
                Gate::Mcx { controls, target } => {
                    if controls.iter().all(|&c| bits[c as usize]) {
                        bits[*target as usize] ^= true;
                    }
                }
                Gate::Swap(a, b) => bits.swap(*a as usize, *b as usize),
            }
        }
    }

    /// Gate counts by kind: x, cx, ccx, mcx, swap.
    pub fn counts(&self) -> [(&'static str, usize); 5] {
        let mut c = [0usize; 5];
        for g in &self.gates {
            let k = match g {
                Gate::Mcx { controls, .. } => controls.len().min(3),
                Gate::Swap(..) => 4,
            };
            c[k] += 1;
        }
        [("x", c[0]), ("cx", c[1]), ("ccx", c[2]), ("mcx", c[3]), ("swap", c[4])]
    }

    /// Depth: gates placed greedily in layers, each after the last gate on any of its qubits.
    pub fn depth(&self) -> usize {
        let mut level = vec![0usize; self.qubits() as usize];
        let mut depth = 0;
        for g in &self.gates {
            let qs: Vec<u32> = match g {
                Gate::Mcx { controls, target } => controls.iter().copied().chain([*target]).collect(),
                Gate::Swap(a, b) => vec![*a, *b],
            };
            let l = qs.iter().map(|&q| level[q as usize]).max().unwrap_or(0) + 1;
            for q in qs {
                level[q as usize] = l;
            }
            depth = depth.max(l);
        }
        depth
    }

    /// Register names in the text: the parameter's, with `_` added when it is a word of
    /// OpenQASM 3 (keyword, built-in constant, function or gate), a gate of `stdgates.inc`,
    /// or `anc`; more `_` while the name is another parameter's or still reserved, so every
    /// register has its own name.
    pub fn register_names(&self) -> Vec<String> {
        const RESERVED: &[&str] = &[
            "x",
            "y",
            "z",
            "h",
            "s",
            "sdg",
            "t",
            "tdg",
            "sx",
            "rx",
            "ry",
            "rz",
            "cx",
            "cy",
            "cz",
            "cp",
            "crx",
            "cry",
            "crz",
            "ch",
            "swap",
            "ccx",
            "cswap",
            "cu",
            "CX",
            "phase",
            "cphase",
            "id",
            "u1",
            "u2",
            "u3",
            "U",
            "p",
            "anc",
            "qubit",
            "bit",
            "int",
            "uint",
            "float",
            "angle",
            "bool",
            "gate",
            "ctrl",
            "negctrl",
            "inv",
            "pow",
            "measure",
            "reset",
            "barrier",
            "if",
            "else",
            "for",
            "while",
            "in",
            "let",
            "const",
            "include",
            "def",
            "return",
            "input",
            "output",
            "pi",
            "tau",
            "euler",
            "qreg",
            "creg",
            "opaque",
            "box",
            "delay",
            "duration",
            "stretch",
            "complex",
            "array",
            "end",
            "break",
            "continue",
            "switch",
            "case",
            "default",
            "extern",
            "defcal",
            "cal",
            "defcalgrammar",
            "mutable",
            "readonly",
            "gphase",
            "OPENQASM",
            "void",
            "true",
            "false",
            "durationof",
            "sizeof",
            "im",
            "nop",
            "pragma",
            "dim",
            "dt",
            "ns",
            "us",
            "ms",
            "arccos",
            "arcsin",
            "arctan",
            "ceiling",
            "cos",
            "exp",
            "floor",
            "log",
            "mod",
            "popcount",
            "rotl",
            "rotr",
            "sin",
            "sqrt",
            "tan",
            "real",
            "imag",
        ];
        let mut taken: std::collections::HashSet<String> = self
            .registers
            .iter()
            .map(|(n, _, _)| n.clone())
            .filter(|n| !RESERVED.contains(&n.as_str()))
            .collect();
        self.registers
            .iter()
            .map(|(n, _, _)| {
                if !RESERVED.contains(&n.as_str()) {
                    return n.clone();
                }
                let mut name = format!("{n}_");
                while taken.contains(&name) || RESERVED.contains(&name.as_str()) {
                    name.push('_');
                }
                taken.insert(name.clone());
                name
            })
            .collect()
    }

    fn qubit_name(&self, names: &[String], q: u32) -> String {
        for ((_, _, wires), n) in self.registers.iter().zip(names) {
            if let Some(i) = wires.iter().position(|&w| w == q) {
                return format!("{n}[{i}]");
            }
        }
        format!("anc[{}]", q - self.registers.iter().map(|r| r.2.len() as u32).sum::<u32>())
    }

    /// The OpenQASM 3 text: one register per parameter, `anc`, one gate per line.
    pub fn qasm3(&self) -> String {
        let names = self.register_names();
        let mut s = String::from("OPENQASM 3.0;\ninclude \"stdgates.inc\";\n");
        for ((_, w, _), n) in self.registers.iter().zip(&names) {
            s.push_str(&format!("qubit[{}] {n};\n", w.bits));
        }
        if self.ancillas > 0 {
            s.push_str(&format!("qubit[{}] anc;\n", self.ancillas));
        }
        for g in &self.gates {
            let line = match g {
                Gate::Mcx { controls, target } => {
                    let mut ops: Vec<String> = controls.iter().map(|&c| self.qubit_name(&names, c)).collect();
                    ops.push(self.qubit_name(&names, *target));
                    let gate = match controls.len() {
                        0 => "x".to_string(),
                        1 => "cx".to_string(),
                        2 => "ccx".to_string(),
                        k => format!("ctrl({k}) @ x"),
                    };
                    format!("{gate} {};", ops.join(", "))
                }
                Gate::Swap(a, b) => {
                    format!("swap {}, {};", self.qubit_name(&names, *a), self.qubit_name(&names, *b))
                }
            };
            s.push_str(&line);
            s.push('\n');
        }
        s
    }

    /// The RevLib `.real` text: t-gates (Toffoli family) and f2 (swap).
    pub fn real(&self) -> String {
        let names = self.register_names();
        let vars: Vec<String> =
            (0..self.qubits()).map(|q| self.qubit_name(&names, q).replace(['[', ']'], "_")).collect();
        let nparam: u32 = self.registers.iter().map(|r| r.2.len() as u32).sum();
        let constants: String = (0..self.qubits()).map(|q| if q < nparam { '-' } else { '0' }).collect();
        let mut s = format!(
            ".version 2.0\n.numvars {}\n.variables {}\n.inputs {}\n.outputs {}\n.constants {constants}\n.garbage {}\n.begin\n",
            self.qubits(),
            vars.join(" "),
            vars.join(" "),
            vars.join(" "),
            "-".repeat(self.qubits() as usize)
        );
        for g in &self.gates {
            match g {
                Gate::Mcx { controls, target } => {
                    let ops: Vec<&str> =
                        controls.iter().chain([target]).map(|&q| vars[q as usize].as_str()).collect();
                    s.push_str(&format!("t{} {}\n", ops.len(), ops.join(" ")));
                }
                Gate::Swap(a, b) => s.push_str(&format!("f2 {} {}\n", vars[*a as usize], vars[*b as usize])),
            }
        }
        s.push_str(".end\n");
        s
    }
}
