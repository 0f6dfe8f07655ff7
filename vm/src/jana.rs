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
}
