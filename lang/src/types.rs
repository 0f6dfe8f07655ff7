//! Typing rules shared by the checker and the code generators.
//!
//! All values are 64-bit words; a type only says whether an operation treats them as signed.
//! An operation is signed when the dialect is Janus (every Janus integer is signed) or when one
//! of its operands is signed: an `i64` variable, an element of an `i64[N]` array, or an
//! expression built from one. Literals are neutral. Comparisons and logical operators give an
//! unsigned 0 or 1.
//!
//! Fixed-width integers (`u8 … i32`) are held in canonical form (zero- or sign-extended) and an
//! expression over them is computed at its width ([`expr_width`]): every arithmetic step wraps.

use crate::ast::{BinOp, Dialect, Elem, Expr, ExprKind, Type, UnOp, Width};

/// Whether a value of this type is signed.
pub fn type_signed(ty: Type) -> bool {
    matches!(ty, Type::I64 | Type::Array(Elem::I64, _)) || ty.width().is_some_and(|w| w.signed)
}

/// The fixed width at which `e` is computed: the widest fixed-width type among its variables,
/// signed when any operand is (literals are neutral); None when a word-sized variable takes
/// part or no variable does (then it is computed on 64-bit words). Comparisons and logical
/// operators give a word-sized 0 or 1.
pub fn expr_width(e: &Expr, lookup: &dyn Fn(&str) -> Option<Type>) -> Option<Width> {
    fn go(e: &Expr, lookup: &dyn Fn(&str) -> Option<Type>, acc: &mut Option<Option<Width>>) {
        let mut take = |t: Option<Type>| {
            let w = t.and_then(Type::width);
            *acc = Some(match (*acc, w) {
                (None, w) => w,
                (Some(Some(a)), Some(b)) => {
                    Some(Width { bits: a.bits.max(b.bits), signed: a.signed || b.signed })
                }
                _ => None,
            });
        };
        match &e.kind {
            ExprKind::Int(_) | ExprKind::Nil => {}
            ExprKind::Builtin(..) => take(None),
            ExprKind::Var(name) => take(lookup(name)),
            ExprKind::Index(..) => take(None),
            ExprKind::Unary(UnOp::Not, _) => take(None),
            ExprKind::Unary(_, inner) => go(inner, lookup, acc),
            ExprKind::Binary(op, _, _) if op.is_boolean() => take(None),
            ExprKind::Binary(_, l, r) => {
                go(l, lookup, acc);
                go(r, lookup, acc);
            }
        }
    }
    let mut acc = None;
    go(e, lookup, &mut acc);
    acc.flatten()
}

/// Whether `e` evaluates to a signed value. `lookup` gives the type of a variable in scope.
pub fn expr_signed(dialect: Dialect, e: &Expr, lookup: &dyn Fn(&str) -> Option<Type>) -> bool {
    if dialect == Dialect::Janus {
        return !produces_bool(e);
    }
    match &e.kind {
        ExprKind::Int(_) | ExprKind::Builtin(..) | ExprKind::Nil => false,
        ExprKind::Var(name) => lookup(name).is_some_and(type_signed),
        ExprKind::Index(name, _) => lookup(&name.name).is_some_and(type_signed),
        ExprKind::Unary(UnOp::Not, _) => false,
        ExprKind::Unary(_, inner) => expr_signed(dialect, inner, lookup),
        ExprKind::Binary(op, l, r) => {
            !op.is_boolean() && (expr_signed(dialect, l, lookup) || expr_signed(dialect, r, lookup))
        }
    }
}

/// Whether a binary operator compares or combines with signed semantics: true when either
/// operand is signed. Used for `<`, `/`, `%`, `>>` and the like.
pub fn operands_signed(dialect: Dialect, l: &Expr, r: &Expr, lookup: &dyn Fn(&str) -> Option<Type>) -> bool {
    dialect == Dialect::Janus || expr_signed(dialect, l, lookup) || expr_signed(dialect, r, lookup)
}

fn produces_bool(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Unary(UnOp::Not, _) => true,
        ExprKind::Binary(op, ..) => op.is_boolean(),
        _ => false,
    }
}

impl BinOp {
    /// Comparisons and `&&`/`||`: the result is 0 or 1.
    pub fn is_boolean(self) -> bool {
        use BinOp::*;
        matches!(self, Eq | Ne | Lt | Le | Gt | Ge | LogAnd | LogOr)
    }

    /// The operator as written in rdx source.
    pub fn symbol(self) -> &'static str {
        use BinOp::*;
        match self {
            Mul => "*",
            Div => "/",
            Mod => "%",
            Add => "+",
            Sub => "-",
            Shl => "<<",
            Shr => ">>",
            And => "&",
            Xor => "^",
            Or => "|",
            Eq => "==",
            Ne => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            LogAnd => "&&",
            LogOr => "||",
        }
    }

    /// Binding strength, C order: higher binds tighter.
    pub fn precedence(self) -> u8 {
        use BinOp::*;
        match self {
            Mul | Div | Mod => 10,
            Add | Sub => 9,
            Shl | Shr => 8,
            Lt | Le | Gt | Ge => 7,
            Eq | Ne => 6,
            And => 5,
            Xor => 4,
            Or => 3,
            LogAnd => 2,
            LogOr => 1,
        }
    }
}

impl UnOp {
    pub fn symbol(self) -> &'static str {
        match self {
            UnOp::Neg => "-",
            UnOp::BitNot => "~",
            UnOp::Not => "!",
        }
    }
}

impl std::fmt::Display for Type {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Type::U64 => f.write_str("u64"),
            Type::I64 => f.write_str("i64"),
            Type::Fixed(w) => f.write_str(w.as_str()),
            Type::Array(e, n) => write!(f, "{}[{n}]", e.as_str()),
            Type::Stack => f.write_str("stack"),
        }
    }
}
