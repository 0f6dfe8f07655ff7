//! The rdx syntax tree, which is also the IR after checking.
//!
//! Every node carries a [`Span`] into the source text it came from. The parser builds it, the
//! checker validates it and folds constants (the result, [`crate::check::Checked`], is the IR the
//! rest of the toolchain consumes), the inverter maps it to its inverse, and the printer turns it
//! back into readable rdx source. The Janus and Python front ends produce the same tree.

/// A half-open byte range `start..end` into one source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Which language the tree came from: it changes arithmetic (Janus: `/` and `%` floor, overflow
/// is an error instead of wrapping) and how results are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Dialect {
    #[default]
    Rdx,
    Janus,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A cheap summary of a name, for the symbol tables of the checker and the compiler: equal
/// names have equal keys, and names of at most [`NameKey::EXACT`] bytes are equal exactly when
/// their keys are, so a lookup compares the strings themselves only for longer names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NameKey(u64);

impl NameKey {
    /// Names up to this many bytes are told apart by their keys alone.
    pub const EXACT: usize = 7;

    /// The key of `name`: its first bytes and its length.
    #[inline]
    pub fn of(name: &str) -> NameKey {
        let b = name.as_bytes();
        // Byte by byte: names are short, and a copy of variable length is a call to memcpy.
        let mut k = (b.len().min(255) as u64) << 56;
        for (i, &c) in b.iter().take(Self::EXACT).enumerate() {
            k |= u64::from(c) << (8 * i);
        }
        NameKey(k)
    }

    /// Whether `name`, whose key is `self`, equals `other`, whose key is `other_key`.
    #[inline]
    pub fn same(self, name: &str, other_key: NameKey, other: &str) -> bool {
        self == other_key && (name.len() <= Self::EXACT || name == other)
    }
}

/// A whole program: top-level constants and genes, in source order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Program {
    pub dialect: Dialect,
    pub consts: Vec<Const>,
    pub genes: Vec<Gene>,
}

/// `const NAME = expr` (the expression must fold to a constant).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Const {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// Element type of an array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Elem {
    U64,
    I64,
    /// `f64[N]`: IEEE doubles, one word each (a buffer for kernels only).
    F64,
    /// `c64[N]`: complex doubles, two words each (re, then im; a buffer for kernels only).
    C64,
}

impl Elem {
    /// Words of value memory per element (2 for `c64`).
    pub fn words(self) -> u64 {
        if self == Elem::C64 { 2 } else { 1 }
    }

    /// Whether the elements are floating point (`f64`, `c64`): such arrays are buffers that
    /// may only be passed to genes and kernels.
    pub fn is_float(self) -> bool {
        matches!(self, Elem::F64 | Elem::C64)
    }

    /// The element type as written in source.
    pub fn as_str(self) -> &'static str {
        match self {
            Elem::U64 => "u64",
            Elem::I64 => "i64",
            Elem::F64 => "f64",
            Elem::C64 => "c64",
        }
    }
}

/// A fixed-width integer narrower than a word: `u8 u16 u32 i8 i16 i32`. Its value lives in a
/// 64-bit word in canonical form (zero-extended when unsigned, sign-extended when signed), and
/// every update wraps at the width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Width {
    /// 8, 16 or 32.
    pub bits: u8,
    pub signed: bool,
}

impl Width {
    pub const U8: Width = Width { bits: 8, signed: false };
    pub const U16: Width = Width { bits: 16, signed: false };
    pub const U32: Width = Width { bits: 32, signed: false };
    pub const I8: Width = Width { bits: 8, signed: true };
    pub const I16: Width = Width { bits: 16, signed: true };
    pub const I32: Width = Width { bits: 32, signed: true };

    /// The low `bits` bits set.
    pub fn mask(self) -> u64 {
        (1u64 << self.bits) - 1
    }

    /// `x` reduced modulo 2^bits, in canonical form.
    #[inline(always)]
    pub fn wrap(self, x: u64) -> u64 {
        let sh = 64 - self.bits as u32;
        if self.signed { (((x << sh) as i64) >> sh) as u64 } else { x & self.mask() }
    }

    /// Whether the word `x` is a value of this type in canonical form.
    pub fn holds(self, x: u64) -> bool {
        self.wrap(x) == x
    }

    /// The type as written in source.
    pub fn as_str(self) -> &'static str {
        match (self.signed, self.bits) {
            (false, 8) => "u8",
            (false, 16) => "u16",
            (false, 32) => "u32",
            (true, 8) => "i8",
            (true, 16) => "i16",
            (true, 32) => "i32",
            _ => "?",
        }
    }

    /// The one-byte code of the width in bytecode: the bit count, plus 0x80 when signed.
    pub fn code(self) -> u8 {
        self.bits | if self.signed { 0x80 } else { 0 }
    }

    /// The width of a bytecode code (None for an unknown one).
    pub fn from_code(c: u8) -> Option<Width> {
        let w = Width { bits: c & 0x7f, signed: c & 0x80 != 0 };
        matches!(w.bits, 8 | 16 | 32).then_some(w)
    }
}

/// A variable's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    U64,
    I64,
    /// `u8 u16 u32 i8 i16 i32`.
    Fixed(Width),
    /// `u64[N]` / `i64[N]`, and the kernel buffers `f64[N]` / `c64[N]` (N elements).
    Array(Elem, u64),
    /// `stack`: a LIFO of 64-bit integers (signed in Janus).
    Stack,
}

impl Type {
    /// True for the scalar types (words and fixed-width integers).
    pub fn is_scalar(self) -> bool {
        matches!(self, Type::U64 | Type::I64 | Type::Fixed(_))
    }

    /// The width of a fixed-width integer type (None for words and the rest).
    pub fn width(self) -> Option<Width> {
        match self {
            Type::Fixed(w) => Some(w),
            _ => None,
        }
    }

    /// The number of bits of a scalar's value (64 for words).
    pub fn bits(self) -> u32 {
        self.width().map_or(64, |w| w.bits as u32)
    }
}

/// `name: type` in a gene's parameter list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: Ident,
    pub ty: Type,
    /// Span of the type annotation.
    pub ty_span: Span,
}

/// `gene name(params) { body }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gene {
    pub name: Ident,
    pub params: Vec<Param>,
    pub body: Block,
    pub span: Span,
}

/// `{ stmt* }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

/// A location that can be updated: a variable or an array element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub name: Ident,
    pub index: Option<Box<Expr>>,
    pub span: Span,
}

/// The three reversible updates `+=`, `-=`, `^=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UpdateOp {
    Add,
    Sub,
    Xor,
}

impl UpdateOp {
    /// The update that undoes this one.
    pub fn mirror(self) -> UpdateOp {
        match self {
            UpdateOp::Add => UpdateOp::Sub,
            UpdateOp::Sub => UpdateOp::Add,
            UpdateOp::Xor => UpdateOp::Xor,
        }
    }
}

/// Direction of a shift or rotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    Left,
    Right,
}

impl Dir {
    pub fn flip(self) -> Dir {
        match self {
            Dir::Left => Dir::Right,
            Dir::Right => Dir::Left,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StmtKind {
    /// `place += e`, `place -= e`, `place ^= e`.
    Update { target: Place, op: UpdateOp, value: Expr },
    /// `place *= c` with `c` an odd constant. Its inverse is `place *= c⁻¹` (mod 2⁶⁴), which the
    /// inverter computes, so inverting twice gives `c` back.
    Mul { target: Place, factor: Expr },
    /// `place ^= place << c` / `place ^= place >> c` (an xorshift step, c constant in 1..=63).
    XorShift { target: Place, dir: Dir, amount: Expr },
    /// `place <<<= e` / `place >>>= e`.
    Rotate { target: Place, dir: Dir, amount: Expr },
    /// `neg place`: two's-complement negation.
    Neg(Place),
    /// `not place`: bitwise complement.
    Not(Place),
    /// `swap a, b`.
    Swap(Place, Place),
    /// `if cond { then } else { else } fi assertion`.
    /// The conditions are boxed, as in `From`: the two rarest statements do not set the size of
    /// every statement (a `Stmt` is 120 bytes rather than 192).
    If { cond: Box<Expr>, then_block: Block, else_block: Option<Block>, fi: Box<Expr> },
    /// `from entry do { body } loop { again } until exit`.
    From { entry: Box<Expr>, body: Block, again: Option<Block>, until: Box<Expr> },
    /// `call g(args)` or `uncall g(args)`.
    Call { gene: Ident, args: Vec<Ident>, uncall: bool },
    /// `local name: ty = e`: opens an ancilla that lives until its `delocal` later in the block.
    Local { name: Ident, ty: Type, init: Expr },
    /// `delocal name = e`: asserts the ancilla holds `e` and removes it.
    /// `ty` is kept when the source wrote it (Janus always does), so printing round-trips.
    Delocal { name: Ident, ty: Option<Type>, value: Expr },
    /// `push place, stack`: moves the value onto the stack and zeroes `place`.
    Push { value: Place, stack: Ident },
    /// `pop place, stack`: `place` must be zero; moves the stack's top into it.
    Pop { target: Place, stack: Ident },
    /// `assert e`.
    Assert(Expr),
    /// `skip`.
    Skip,
    /// Lossy `place := e`: the old value goes to the history tape.
    Assign { target: Place, value: Expr },
    /// Lossy `erase place`: sets it to zero, the old value goes to the history tape.
    Erase(Place),
    /// `undo stmt`: runs `stmt` backward. The inverter produces it for statements whose inverse
    /// has no direct spelling: an xorshift step (`undo x ^= x << 3`), a kernel call and the lossy `:=` / `erase`
    /// (undone from the history tape). Inverting `undo s` gives `s` back.
    Undo(Box<Stmt>),
    /// Janus `error "message"`: always a run-time error when reached.
    Error(String),
    /// `kernel name(buf)`: runs a sandboxed kernel in place over the buffer (an array);
    /// backward it runs the kernel's mirror. Its inverse is `undo kernel name(buf)`.
    Kernel { name: Ident, buf: Ident },
    /// Janus `print "text"` / `printf "fmt", args` / `show x, …`: output only, no state change.
    Print(Print),
}

/// Janus output statements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Print {
    Text(String),
    Format(String, Vec<Ident>),
    Show(Vec<Ident>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    /// `-e`
    Neg,
    /// `~e`
    BitNot,
    /// `!e` (logical: 1 if e == 0 else 0)
    Not,
}

/// Binary operators, C precedence (see the grammar).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Mul,
    Div,
    Mod,
    Add,
    Sub,
    Shl,
    Shr,
    And,
    Xor,
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LogAnd,
    LogOr,
}

/// Built-in functions on variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// `empty(s)`: 1 if the stack is empty.
    Empty,
    /// `top(s)`: the stack's top (error if empty).
    Top,
    /// `size(x)`: number of elements of an array or stack.
    Size,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    /// An integer literal, already reduced to 64 bits.
    Int(u64),
    /// A variable (or, before constant folding, a `const`).
    Var(String),
    /// `a[e]`.
    Index(Ident, Box<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `empty(s)`, `top(s)`, `size(x)`.
    Builtin(Builtin, Ident),
    /// Janus `nil`: the empty stack, only as a `local`/`delocal` value of a stack.
    Nil,
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    /// Whether the value is always 0 or 1: a comparison, `&&`, `||` or `!`.
    pub fn is_boolean(&self) -> bool {
        match &self.kind {
            ExprKind::Binary(op, ..) => op.is_comparison() || matches!(op, BinOp::LogAnd | BinOp::LogOr),
            ExprKind::Unary(UnOp::Not, _) => true,
            _ => false,
        }
    }
}

impl BinOp {
    /// `== != < <= > >=`.
    pub fn is_comparison(self) -> bool {
        matches!(self, BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge)
    }
}

#[cfg(test)]
mod tests {
    use super::NameKey;

    #[test]
    fn name_keys() {
        let k = NameKey::of;
        assert_eq!(k("x1"), k("x1"));
        assert_ne!(k("x1"), k("x2"));
        assert_ne!(k("x"), k("x\0"));
        assert_ne!(k("abcdefg"), k("abcdefgh"));
        // Same first seven bytes and length: the keys agree, the names are told apart by `same`.
        assert_eq!(k("counter_a"), k("counter_b"));
        assert!(!k("counter_a").same("counter_a", k("counter_b"), "counter_b"));
        assert!(k("counter_a").same("counter_a", k("counter_a"), "counter_a"));
        assert!(k("x1").same("x1", k("x1"), "x1"));
    }
}
