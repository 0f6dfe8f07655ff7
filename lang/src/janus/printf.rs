//! jana's `printf` rules: which directives take which kind of variable, and how the text splits
//! around the values. The Janus front end decides with them, when it lowers a program, whether
//! jana would refuse a `printf` (it becomes jana's run-time error); the checker applies them to
//! an rdx `printf` of an array or a stack; the compiler prints by the plan (`rdx_vm::jana`).

use crate::ast::Type;

/// Why jana refuses a `printf`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrintfError {
    /// `%d` given an array, `%a` given an integer, …: the directive and the value's kind.
    TypeMismatch { directive: char, found: &'static str },
    /// A `%` followed by a letter jana does not know (it knows `d a b t %`).
    Unrecognized(char),
    /// More `%` directives than variables.
    NotEnoughArgs,
    /// A `%%` after the last variable, with no other directive there: jana refuses it too.
    PercentAfterLast,
    /// More variables than `%` directives.
    TooManyArgs,
    /// The format ends with a `%` alone.
    Trailing,
}

impl std::fmt::Display for PrintfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrintfError::TypeMismatch { directive, found } => {
                write!(f, "printf: `%{directive}` cannot print {found}")
            }
            PrintfError::Unrecognized(c) => {
                write!(f, "printf: unknown directive `%{c}` (known: %d %a %t %%)")
            }
            PrintfError::NotEnoughArgs => f.write_str("printf: more `%` directives than variables"),
            PrintfError::PercentAfterLast => f.write_str(
                "printf: a `%%` after the last variable (jana refuses any `%` there, `%%` too: print the \
                 percent sign with `print`, or before the last directive)",
            ),
            PrintfError::TooManyArgs => f.write_str("printf: more variables than `%` directives"),
            PrintfError::Trailing => {
                f.write_str("printf: the format ends with a `%` alone (`%%` prints a percent sign)")
            }
        }
    }
}

/// The kind of a `printf` argument, known when the program is compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `int` (printed by `%d`).
    Int,
    /// `int a[n]` (printed by `%a`).
    Array,
    /// `stack` (printed by `%t`).
    Stack,
}

impl Kind {
    /// The kind of a variable of this type.
    pub fn of_type(ty: Type) -> Kind {
        match ty {
            Type::Array(..) => Kind::Array,
            Type::Stack => Kind::Stack,
            _ => Kind::Int,
        }
    }

    /// The kind as a printf error names it (`an int`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Int => "an int",
            Kind::Array => "an array",
            Kind::Stack => "a stack",
        }
    }
}

/// A checked `printf`: the text before each argument's value and the text after the last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintfPlan {
    /// `before[k]` is printed just before argument `k`.
    pub before: Vec<String>,
    /// Printed after the last argument (then a newline).
    pub after: String,
}

/// Checks jana's `printf(fmt, vars…)` rules against the kinds of the variables, which decide
/// alone whether jana accepts it: `%d` an int, `%a` an array, `%t` a stack, `%%` a percent
/// sign, directives taken left to right. As in jana, a `printf` without variables prints its
/// text unchanged (`%%` included), and one with variables refuses any `%` left after the last
/// variable is used (even `%%`).
pub fn printf_plan(fmt: &str, kinds: &[Kind]) -> Result<PrintfPlan, PrintfError> {
    if kinds.is_empty() {
        return Ok(PrintfPlan { before: Vec::new(), after: fmt.to_string() });
    }
    let mut before = Vec::with_capacity(kinds.len());
    let mut piece = String::new();
    let mut rest = fmt;
    let mut kinds = kinds.iter();
    let mut next = kinds.next();
    loop {
        let Some(&kind) = next else {
            return if rest.replace("%%", "").contains('%') {
                Err(PrintfError::NotEnoughArgs)
            } else if rest.contains('%') {
                Err(PrintfError::PercentAfterLast)
            } else {
                Ok(PrintfPlan { before, after: piece + rest })
            };
        };
        let Some(at) = rest.find('%') else { return Err(PrintfError::TooManyArgs) };
        piece.push_str(&rest[..at]);
        let Some(directive) = rest[at + 1..].chars().next() else { return Err(PrintfError::Trailing) };
        let wanted = match directive {
            '%' => {
                piece.push('%');
                rest = &rest[at + 2..];
                continue;
            }
            'd' => Kind::Int,
            'a' => Kind::Array,
            't' => Kind::Stack,
            // `%b` prints a bool in jana; rdx has no bool variables, so every value mismatches.
            'b' => return Err(PrintfError::TypeMismatch { directive, found: kind.name() }),
            other => return Err(PrintfError::Unrecognized(other)),
        };
        if wanted != kind {
            return Err(PrintfError::TypeMismatch { directive, found: kind.name() });
        }
        before.push(std::mem::take(&mut piece));
        rest = &rest[at + 1 + directive.len_utf8()..];
        next = kinds.next();
    }
}
