//! Output in the format of jana, the reference Janus interpreter, for runs of Janus programs.
//!
//! jana prints the final store of `main` as one `name = value` line per variable, sorted by name
//! (its store is a map), and the same `name = value` text for `show(…)`:
//! - integers in decimal (Janus integers are signed): `x = -5`;
//! - arrays with their length: `a[3] = {1, 2, 3}`;
//! - stacks top first, opened with `<` and closed with `]`: `s = <3, 2, 1]`; an empty stack is
//!   `s = nil`.

use crate::Value;
use std::fmt::Write;

/// A value as jana shows it (`-5`, `{1, 2, 3}`, `<3, 2, 1]`, `nil`); what `printf`'s `%d`,
/// `%a` and `%t` insert.
pub fn format_value(value: &Value) -> String {
    let join = |xs: &mut dyn Iterator<Item = &u64>| {
        xs.map(|&x| (x as i64).to_string()).collect::<Vec<_>>().join(", ")
    };
    match value {
        Value::Int(x) => (*x as i64).to_string(),
        Value::Array(xs) => format!("{{{}}}", join(&mut xs.iter())),
        Value::Stack(xs) if xs.is_empty() => "nil".to_string(),
        // Stored bottom first; jana lists the top first.
        Value::Stack(xs) => format!("<{}]", join(&mut xs.iter().rev())),
    }
}

/// One variable as jana shows it: `x = 5`, `a[3] = {1, 2, 3}`, `s = nil`.
pub fn format_var(name: &str, value: &Value) -> String {
    match value {
        Value::Array(xs) => format!("{name}[{}] = {}", xs.len(), format_value(value)),
        _ => format!("{name} = {}", format_value(value)),
    }
}

/// The final store as jana prints it: one line per variable, sorted by name, each ending in a
/// newline (an empty store is one empty line, as jana prints it).
pub fn format_store<'a>(vars: impl IntoIterator<Item = (&'a str, &'a Value)>) -> String {
    let mut vars: Vec<(&str, &Value)> = vars.into_iter().collect();
    vars.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::new();
    for (name, value) in &vars {
        let _ = writeln!(out, "{}", format_var(name, value));
    }
    if vars.is_empty() {
        out.push('\n');
    }
    out
}

/// The line `show(x, a, s)` prints in jana: `x = 42, a[3] = {0, 7, 0}, s = nil` (no newline).
pub fn format_show<'a>(vars: impl IntoIterator<Item = (&'a str, &'a Value)>) -> String {
    vars.into_iter().map(|(name, value)| format_var(name, value)).collect::<Vec<_>>().join(", ")
}

/// Why jana refuses a `printf`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrintfError {
    /// `%d` given an array, `%a` given an integer, …: the directive and the value's kind.
    TypeMismatch { directive: char, found: &'static str },
    /// A `%` followed by a letter jana does not know (it knows `d a b t %`).
    Unrecognized(char),
    /// More `%` directives than variables.
    NotEnoughArgs,
    /// More variables than `%` directives.
    TooManyArgs,
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
            PrintfError::TooManyArgs => f.write_str("printf: more variables than `%` directives"),
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Int(_) => "an int",
        Value::Array(_) => "an array",
        Value::Stack(_) => "a stack",
    }
}

/// jana's `printf(fmt, vars…)` (without the newline): `%d` an int, `%a` an array, `%t` a stack,
/// `%%` a percent sign, directives taken left to right. As in jana, a `printf` without
/// variables prints its text unchanged (`%%` included), and one with variables refuses any `%`
/// left after the last variable is used (even `%%`).
pub fn format_printf(fmt: &str, args: &[Value]) -> Result<String, PrintfError> {
    if args.is_empty() {
        return Ok(fmt.to_string());
    }
    let mut out = String::new();
    let mut rest = fmt;
    let mut args = args.iter();
    let mut next = args.next();
    loop {
        let Some(value) = next else {
            return if rest.contains('%') { Err(PrintfError::NotEnoughArgs) } else { Ok(out + rest) };
        };
        let Some(at) = rest.find('%') else { return Err(PrintfError::TooManyArgs) };
        out.push_str(&rest[..at]);
        let directive = rest[at + 1..].chars().next().unwrap_or(' ');
        let wanted = match directive {
            '%' => {
                out.push('%');
                rest = &rest[at + 2..];
                continue;
            }
            'd' => matches!(value, Value::Int(_)),
            'a' => matches!(value, Value::Array(_)),
            't' => matches!(value, Value::Stack(_)),
            // `%b` prints a bool in jana; rdx has no bools, so every value mismatches.
            'b' => false,
            other => return Err(PrintfError::Unrecognized(other)),
        };
        if !wanted {
            return Err(PrintfError::TypeMismatch { directive, found: kind(value) });
        }
        out.push_str(&format_value(value));
        rest = &rest[at + 1 + directive.len_utf8()..];
        next = args.next();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_like_jana() {
        assert_eq!(format_value(&Value::Int(-5i64 as u64)), "-5");
        assert_eq!(format_value(&Value::Array(vec![1, 2, u64::MAX])), "{1, 2, -1}");
        assert_eq!(format_value(&Value::Stack(vec![])), "nil");
        assert_eq!(format_value(&Value::Stack(vec![1, 2, 3])), "<3, 2, 1]");
        assert_eq!(format_var("a", &Value::Array(vec![0, 7, 0])), "a[3] = {0, 7, 0}");
        assert_eq!(format_var("s", &Value::Stack(vec![9])), "s = <9]");
    }

    #[test]
    fn store_is_sorted_by_name() {
        let x = Value::Int(1);
        let arr = Value::Array(vec![2]);
        let s = Value::Stack(vec![]);
        let store = format_store([("x", &x), ("arr", &arr), ("X", &s)]);
        assert_eq!(store, "X = nil\narr[1] = {2}\nx = 1\n");
        assert_eq!(format_store([]), "\n");
    }

    #[test]
    fn show_is_one_line() {
        let (x, a, s) = (Value::Int(42), Value::Array(vec![0, 7, 0]), Value::Stack(vec![]));
        assert_eq!(format_show([("x", &x), ("a", &a), ("s", &s)]), "x = 42, a[3] = {0, 7, 0}, s = nil");
    }

    #[test]
    fn printf_like_jana() {
        let (x, a, s) = (Value::Int(-5i64 as u64), Value::Array(vec![1, 2]), Value::Stack(vec![1, 2]));
        let ok = |f: &str, args: &[Value]| format_printf(f, args).expect("formats");
        assert_eq!(
            ok("100%% x=%d a=%a s=%t", &[x.clone(), a.clone(), s.clone()]),
            "100% x=-5 a={1, 2} s=<2, 1]"
        );
        // jana's quirk: once the variables are used up, any `%` left (even `%%`) is an error.
        assert_eq!(format_printf("%d 100%%", &[x.clone()]), Err(PrintfError::NotEnoughArgs));
        assert_eq!(ok("100%% %d", &[x.clone()]), "100% -5");
        assert_eq!(ok("no args: 100%%", &[]), "no args: 100%%");
        assert_eq!(
            format_printf("%a", &[x.clone()]),
            Err(PrintfError::TypeMismatch { directive: 'a', found: "an int" })
        );
        assert_eq!(format_printf("%q", &[x.clone()]), Err(PrintfError::Unrecognized('q')));
        assert_eq!(format_printf("%d %d", &[x.clone()]), Err(PrintfError::NotEnoughArgs));
        assert_eq!(format_printf("%d", &[x.clone(), x]), Err(PrintfError::TooManyArgs));
        assert_eq!(format_printf("50%", &[a]), Err(PrintfError::Unrecognized(' ')));
    }
}
