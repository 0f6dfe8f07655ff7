//! Constant folding: evaluates expressions built from literals and `const`s at compile time.
//!
//! Arithmetic wraps modulo 2⁶⁴ like the interpreter's. An operation is signed under the same
//! rule as at run time ([`crate::types`]): in rdx, literals and constants are unsigned, so only
//! Janus programs fold signed (with `/` and `%` rounding toward negative infinity).

use crate::ast::{BinOp, Dialect, Expr, ExprKind, UnOp};
use std::collections::HashMap;

/// Why an expression does not fold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FoldError {
    /// A name that is not a constant (a variable, or not defined at all).
    NotConstant(String, crate::ast::Span),
    /// Something that is never constant (`a[i]`, a builtin, `nil`).
    NotFoldable(crate::ast::Span),
    /// A shift by 64 or more.
    ShiftTooFar(crate::ast::Span),
    DivByZero(crate::ast::Span),
}

/// Folds `e` using the constants in `consts`.
pub(crate) fn fold(dialect: Dialect, e: &Expr, consts: &HashMap<String, u64>) -> Result<u64, FoldError> {
    let signed = dialect == Dialect::Janus;
    match &e.kind {
        ExprKind::Int(v) => Ok(*v),
        ExprKind::Var(name) => {
            consts.get(name).copied().ok_or_else(|| FoldError::NotConstant(name.clone(), e.span))
        }
        ExprKind::Index(..) | ExprKind::Builtin(..) | ExprKind::Nil => Err(FoldError::NotFoldable(e.span)),
        ExprKind::Unary(op, inner) => {
            let v = fold(dialect, inner, consts)?;
            Ok(match op {
                UnOp::Neg => v.wrapping_neg(),
                UnOp::BitNot => !v,
                UnOp::Not => u64::from(v == 0),
            })
        }
        ExprKind::Binary(op, l, r) => {
            let a = fold(dialect, l, consts)?;
            let b = fold(dialect, r, consts)?;
            binary(*op, a, b, signed, e.span)
        }
    }
}

/// Applies one binary operator the way the interpreter does.
fn binary(op: BinOp, a: u64, b: u64, signed: bool, span: crate::ast::Span) -> Result<u64, FoldError> {
    use BinOp::*;
    let (sa, sb) = (a as i64, b as i64);
    Ok(match op {
        Mul => a.wrapping_mul(b),
        Add => a.wrapping_add(b),
        Sub => a.wrapping_sub(b),
        Div | Mod if b == 0 => return Err(FoldError::DivByZero(span)),
        Div if signed => floor_div(sa, sb) as u64,
        Mod if signed => sa.wrapping_sub(floor_div(sa, sb).wrapping_mul(sb)) as u64,
        Div => a / b,
        Mod => a % b,
        Shl | Shr if b >= 64 => return Err(FoldError::ShiftTooFar(span)),
        Shl => a << b,
        Shr if signed => (sa >> b) as u64,
        Shr => a >> b,
        And => a & b,
        Xor => a ^ b,
        Or => a | b,
        Eq => u64::from(a == b),
        Ne => u64::from(a != b),
        Lt => u64::from(if signed { sa < sb } else { a < b }),
        Le => u64::from(if signed { sa <= sb } else { a <= b }),
        Gt => u64::from(if signed { sa > sb } else { a > b }),
        Ge => u64::from(if signed { sa >= sb } else { a >= b }),
        LogAnd => u64::from(a != 0 && b != 0),
        LogOr => u64::from(a != 0 || b != 0),
    })
}

/// Division rounding toward negative infinity (Janus), wrapping on `MIN / -1`.
fn floor_div(a: i64, b: i64) -> i64 {
    let q = a.wrapping_div(b);
    if a.wrapping_rem(b) != 0 && ((a < 0) != (b < 0)) { q - 1 } else { q }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Span;

    fn int(v: u64) -> Box<Expr> {
        Box::new(Expr::new(ExprKind::Int(v), Span::default()))
    }

    fn bin(op: BinOp, a: u64, b: u64) -> Expr {
        Expr::new(ExprKind::Binary(op, int(a), int(b)), Span::new(0, 5))
    }

    #[test]
    fn folds_wrapping_and_unsigned() {
        let c = HashMap::new();
        assert_eq!(fold(Dialect::Rdx, &bin(BinOp::Sub, 1, 2), &c), Ok(u64::MAX));
        assert_eq!(fold(Dialect::Rdx, &bin(BinOp::Div, 7, 2), &c), Ok(3));
        assert_eq!(fold(Dialect::Rdx, &bin(BinOp::Lt, u64::MAX, 1), &c), Ok(0));
        assert_eq!(
            fold(Dialect::Rdx, &bin(BinOp::Div, 1, 0), &c),
            Err(FoldError::DivByZero(Span::new(0, 5)))
        );
        assert_eq!(
            fold(Dialect::Rdx, &bin(BinOp::Shl, 1, 64), &c),
            Err(FoldError::ShiftTooFar(Span::new(0, 5)))
        );
    }

    #[test]
    fn janus_floors() {
        let c = HashMap::new();
        let m7 = (-7i64) as u64;
        assert_eq!(fold(Dialect::Janus, &bin(BinOp::Div, m7, 2), &c), Ok((-4i64) as u64));
        assert_eq!(fold(Dialect::Janus, &bin(BinOp::Mod, m7, 2), &c), Ok(1));
        assert_eq!(
            fold(Dialect::Janus, &bin(BinOp::Div, i64::MIN as u64, u64::MAX), &c),
            Ok(i64::MIN as u64)
        );
    }
}
