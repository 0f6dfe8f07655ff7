//! The IR inverter: maps a checked program to the program that computes its inverse.
//!
//! Each statement is replaced by its mirror and every block is read in reverse order:
//! `+=` ↔ `-=`, `^=` is its own mirror, `x *= c` becomes `x *= c⁻¹` (mod 2⁶⁴), rotations flip
//! direction, `neg`/`not`/`swap` are their own mirrors, `local` ↔ `delocal`, `push` ↔ `pop`,
//! `if c … fi a` becomes `if a … fi c`, `from a … until c` becomes `from c … until a`. An
//! xorshift step, a `kernel` call and the lossy `:=` / `erase` have no direct spelling of their
//! inverse (a kernel's mirror is known only from the kernel catalogue), so they become `undo s`,
//! and `undo s` inverts back to `s`.
//!
//! Two modes differ only in calls:
//! - [`invert_program`] inverts *every* gene, so a `call g` in the inverse program already calls
//!   the inverse of `g`: calls are kept as they are. (Running `f` backward runs its callees
//!   backward, and in the inverted program each callee *is* its own backward run.)
//! - [`invert_stmt`] inverts one statement relative to the *same* gene table (what running it
//!   backward means inside the original program), so `call` and `uncall` are exchanged.
//!
//! Spans are kept: every inverted node carries the span of the node it mirrors, so inverting
//! twice gives back the same tree, spans included. This is exact on the IR produced by
//! [`crate::check::check`] (multipliers are odd literals, every `delocal` carries its type and
//! `undo` wraps only xorshift steps and lossy operations); on other trees it is a best effort.

use crate::ast::{Block, Expr, ExprKind, Gene, Program, Stmt, StmtKind, Type};

/// Whether calls are exchanged with uncalls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Every gene of the program is inverted: calls stay.
    WholeProgram,
    /// Relative to the original genes: `call` ↔ `uncall`.
    SameGenes,
}

/// The inverse program: every gene's body inverted (names, parameters and constants unchanged).
/// Running gene `g` of the result forward computes what running `g` of `p` backward computes.
pub fn invert_program(p: &Program) -> Program {
    Program { dialect: p.dialect, consts: p.consts.clone(), genes: p.genes.iter().map(invert_gene).collect() }
}

/// One gene with its body inverted, relative to a program whose genes are all inverted.
pub fn invert_gene(g: &Gene) -> Gene {
    Gene {
        name: g.name.clone(),
        params: g.params.clone(),
        body: invert_block(&g.body, Mode::WholeProgram),
        span: g.span,
    }
}

/// The statement that undoes `s` in the same program (`call` and `uncall` exchanged).
pub fn invert_stmt(s: &Stmt) -> Stmt {
    invert(s, Mode::SameGenes)
}

/// The multiplicative inverse of an odd `c` modulo 2⁶⁴ (`None` for an even `c`).
pub fn mul_inverse(c: u64) -> Option<u64> {
    if c & 1 == 0 {
        return None;
    }
    // Newton's iteration: each step doubles the number of correct low bits; c is its own
    // inverse modulo 8, so five steps reach 3·2⁵ = 96 ≥ 64 bits.
    let mut x = c;
    for _ in 0..5 {
        x = x.wrapping_mul(2u64.wrapping_sub(c.wrapping_mul(x)));
    }
    Some(x)
}

fn invert_block(b: &Block, mode: Mode) -> Block {
    Block { stmts: b.stmts.iter().rev().map(|s| invert(s, mode)).collect(), span: b.span }
}

fn invert(s: &Stmt, mode: Mode) -> Stmt {
    use StmtKind::*;
    let kind = match &s.kind {
        Update { target, op, value } => {
            Update { target: target.clone(), op: op.mirror(), value: value.clone() }
        }
        Mul { target, factor } => Mul { target: target.clone(), factor: invert_factor(factor) },
        Rotate { target, dir, amount } => {
            Rotate { target: target.clone(), dir: dir.flip(), amount: amount.clone() }
        }
        Neg(_) | Not(_) | Swap(..) | Assert(_) | Skip | Error(_) | Print(_) => s.kind.clone(),
        XorShift { .. } | Kernel { .. } | Assign { .. } | Erase(_) => Undo(Box::new(s.clone())),
        Undo(inner) => return (**inner).clone(),
        If { cond, then_block, else_block, fi } => If {
            cond: fi.clone(),
            then_block: invert_block(then_block, mode),
            else_block: else_block.as_ref().map(|b| invert_block(b, mode)),
            fi: cond.clone(),
        },
        From { entry, body, again, until } => From {
            entry: until.clone(),
            body: invert_block(body, mode),
            again: again.as_ref().map(|b| invert_block(b, mode)),
            until: entry.clone(),
        },
        Call { gene, args, uncall } => Call {
            gene: gene.clone(),
            args: args.clone(),
            uncall: if mode == Mode::SameGenes { !uncall } else { *uncall },
        },
        Local { name, ty, init } => Delocal { name: name.clone(), ty: Some(*ty), value: init.clone() },
        Delocal { name, ty, value } => {
            Local { name: name.clone(), ty: ty.unwrap_or(Type::U64), init: value.clone() }
        }
        Push { value, stack } => Pop { target: value.clone(), stack: stack.clone() },
        Pop { target, stack } => Push { value: target.clone(), stack: stack.clone() },
    };
    Stmt { kind, span: s.span }
}

fn invert_factor(factor: &Expr) -> Expr {
    match factor.kind {
        ExprKind::Int(c) => match mul_inverse(c) {
            Some(inv) => Expr::new(ExprKind::Int(inv), factor.span),
            None => factor.clone(),
        },
        _ => factor.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mul_inverse_is_exact() {
        for c in [1u64, 3, 5, 7, 0x9E37_79B9_7F4A_7C15, u64::MAX, 0xBF58_476D_1CE4_E5B9 | 1] {
            let inv = mul_inverse(c).unwrap();
            assert_eq!(c.wrapping_mul(inv), 1, "c = {c}");
            assert_eq!(mul_inverse(inv), Some(c));
        }
        assert_eq!(mul_inverse(4), None);
        assert_eq!(mul_inverse(0), None);
    }
}
