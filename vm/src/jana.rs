//! Output in the format of jana, the reference Janus interpreter, for runs of Janus programs.
//!
//! jana prints the final store of `main` as one `name = value` line per variable, sorted by name
//! (its store is a map), and the same `name = value` text for `show(…)`:
//! - integers in decimal (Janus integers are signed): `x = -5`;
//! - arrays with their length: `a[3] = {1, 2, 3}`;
//! - stacks top first, opened with `<` and closed with `]`: `s = <3, 2, 1]`; an empty stack is
//!   `s = nil`.

use crate::Value;
use crate::values::{push_word, push_words};
use std::fmt::Write;

/// A value as jana shows it (`-5`, `{1, 2, 3}`, `<3, 2, 1]`, `nil`); what `printf`'s `%d`,
/// `%a` and `%t` insert.
pub fn format_value(value: &Value) -> String {
    format_words(value, true)
}

/// [`format_value`] with the words read as signed or not (an rdx `printf` of a `u64` array).
pub fn format_words(value: &Value, signed: bool) -> String {
    let mut out = String::new();
    match value {
        Value::Int(x) => push_word(&mut out, *x, signed),
        Value::Array(xs) => push_words(&mut out, ('{', '}'), xs.iter(), signed, ", "),
        Value::Stack(xs) if xs.is_empty() => out.push_str("nil"),
        // Stored bottom first; jana lists the top first.
        Value::Stack(xs) => push_words(&mut out, ('<', ']'), xs.iter().rev(), signed, ", "),
    }
    out
}

/// jana's notation of a value (what [`format_value`] writes) as rdx value text, so a Janus
/// run's printed store reads back (`rdx run --reverse --input`): `{1, 2}` and nested rows
/// `{{1, 2}, {3, 4}}` (flattened row by row) become `[1, 2]` and `[1, 2, 3, 4]`, a stack
/// `<3, 2, 1]` (top first) becomes `[1, 2, 3]` (bottom first), `nil` becomes `[]`. `None`
/// for text in neither notation (an integer, or rdx's own `[…]`), which is read as it is.
pub fn value_text(text: &str) -> Option<String> {
    let t = text.trim();
    if t == "nil" {
        return Some("[]".to_string());
    }
    if let Some(items) = t.strip_prefix('<').and_then(|r| r.strip_suffix(']')) {
        let mut xs: Vec<&str> = items.split(',').map(str::trim).collect();
        if xs.iter().any(|x| x.is_empty()) {
            return None;
        }
        xs.reverse();
        return Some(format!("[{}]", xs.join(", ")));
    }
    if !t.starts_with('{') {
        return None;
    }
    // Braces only group rows (`{{1, 2}, {3, 4}}`: the rows' comma stays): drop them and keep
    // the numbers in order. A row opens at the start or after `{` or `,`, and closes before
    // `}`, `,` or the end; other text is read as it is (the list parser reports it).
    let mut depth = 0i64;
    let mut prev = ',';
    for c in t.chars().filter(|c| !c.is_whitespace()) {
        let fits = match c {
            '{' => matches!(prev, '{' | ','),
            '}' => true,
            _ => prev != '}' || c == ',',
        };
        depth += match c {
            '{' => 1,
            '}' => -1,
            _ => 0,
        };
        if !fits || depth < 0 {
            return None;
        }
        prev = c;
    }
    (depth == 0).then(|| format!("[{}]", t.replace(['{', '}'], "")))
}

/// The shape of a value in jana's nested notation (`{{1, 2, 3}, {4, 5, 6}}` is `[2, 3]`,
/// `{1, 2}` is `[2]`); `Err` saying what is irregular when lists of one level differ in length
/// (`{{1, 2, 3}, {4}}`) or mix numbers and lists. `None` for text that is not well-formed in
/// that notation (the value parser reports it).
fn brace_shape(text: &str) -> Option<Result<Vec<u64>, String>> {
    /// One item: a list's shape, or `None` for a number.
    fn item(t: &[u8], at: &mut usize, depth: u32) -> Option<Result<Option<Vec<u64>>, String>> {
        if depth > MAX_NESTING {
            return Some(Err("it nests too deep".to_string()));
        }
        if t.get(*at) != Some(&b'{') {
            let start = *at;
            while *at < t.len() && !matches!(t[*at], b',' | b'}' | b'{') {
                *at += 1;
            }
            return (*at > start).then_some(Ok(None));
        }
        *at += 1;
        let mut items: Vec<Option<Vec<u64>>> = Vec::new();
        if t.get(*at) != Some(&b'}') {
            loop {
                match item(t, at, depth + 1)? {
                    Ok(s) => items.push(s),
                    Err(e) => return Some(Err(e)),
                }
                match t.get(*at) {
                    Some(b',') => *at += 1,
                    _ => break,
                }
            }
        }
        if t.get(*at) != Some(&b'}') {
            return None;
        }
        *at += 1;
        let n = items.len() as u64;
        let first = items.first().cloned().flatten();
        if let Some(other) = items.iter().find(|s| **s != first) {
            return Some(Err(match (&first, other) {
                (Some(a), Some(b)) if a.len() == b.len() => {
                    format!("its lists differ in length ({} and {})", a[0], b[0])
                }
                (Some(_), Some(_)) => "its lists nest to different depths".to_string(),
                _ => "it mixes numbers and lists".to_string(),
            }));
        }
        Some(Ok(Some(std::iter::once(n).chain(first.unwrap_or_default()).collect())))
    }
    let t: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut at = 0;
    match item(&t, &mut at, 0)? {
        Err(e) => Some(Err(e)),
        _ if at != t.len() => None,
        Ok(Some(shape)) => Some(Ok(shape)),
        Ok(None) => None,
    }
}

/// The deepest nesting of braces [`brace_shape`] reads (a value has a level per dimension).
const MAX_NESTING: u32 = 64;

/// The dimensions of an array of a Janus program: those in its name (`m[2][3]`), else its
/// length.
pub fn dims_of(name: &str, len: u64) -> Vec<u64> {
    shape(name).filter(|d| d.len() >= 2).unwrap_or_else(|| vec![len])
}

/// Checks a `--set` of array `param` (its dimensions `dims`) under the name `given` with the
/// value `text`: a name with dimensions must have the array's (`m[2][3]` does not set an
/// `m[2][2]`), and a value in jana's nested notation must have its shape (`{{1, 2, 3}, {4}}`
/// is not a `[2][2]` value, though it holds 4 numbers). A flat list in rdx's notation
/// (`[1, 2, 3, 4]`, row by row) is checked for its length only, by the value parser.
pub fn check_shape(given: &str, param: &str, dims: &[u64], text: &str) -> Result<(), String> {
    let written = |d: &[u64]| d.iter().map(|n| format!("[{n}]")).collect::<String>();
    let base = base_name(param);
    let decl = format!("int {base}{}", written(dims));
    if let Some(named) = shape(given)
        && named != dims
    {
        return Err(format!("not the shape of `{base}`, which is `{decl}`"));
    }
    if !text.trim_start().starts_with('{') {
        return Ok(());
    }
    let total = dims.iter().product::<u64>();
    let how = match dims {
        [n, m] => format!("{n} rows of {m} elements"),
        [n, rest @ ..] if !rest.is_empty() => format!("{n} blocks of `{}`", written(rest)),
        _ => format!("one list of {total} elements"),
    };
    let (nested_eg, flat_eg) = if total <= 12 {
        let xs: Vec<u64> = (1..=total).collect();
        (format!(" (`{}`)", nested(&xs, dims)), format!(" (`{}`)", format_typed_list(&xs)))
    } else {
        (String::new(), String::new())
    };
    let fix =
        format!("write {how} in braces{nested_eg}, or the {total} elements row by row in brackets{flat_eg}");
    match brace_shape(text) {
        Some(Ok(got)) if got != dims && (got.len() > 1 || dims.len() > 1) => {
            Err(format!("the value is `{}` but `{base}` is `{decl}`: {fix}", written(&got)))
        }
        Some(Err(what)) => Err(format!("the value is not `{}`, {what}: {fix}", written(dims))),
        _ => Ok(()),
    }
}

/// `[1, 2, 3]`: rdx's notation of a list.
fn format_typed_list(xs: &[u64]) -> String {
    let items: Vec<String> = xs.iter().map(u64::to_string).collect();
    format!("[{}]", items.join(", "))
}

/// One variable as jana shows it: `x = 5`, `a[3] = {1, 2, 3}`, `s = nil`. A multi-dimensional
/// array of a Janus program is named with its dimensions (`m[2][3]`, see `spec/janus.md`) and
/// shown nested, row by row: `m[2][3] = {{1, 2, 3}, {4, 5, 6}}`.
pub fn format_var(name: &str, value: &Value) -> String {
    match value {
        Value::Array(xs) => match shape(name) {
            Some(dims) if dims.iter().product::<u64>() == xs.len() as u64 => {
                format!("{name} = {}", nested(xs, &dims))
            }
            _ => format!("{name}[{}] = {}", xs.len(), format_value(value)),
        },
        _ => format!("{name} = {}", format_value(value)),
    }
}

/// The dimensions written in a shaped array name (`m[2][3]` or `[2][3]` → `[2, 3]`).
fn shape(name: &str) -> Option<Vec<u64>> {
    let (_, dims) = name.split_once('[')?;
    dims.strip_suffix(']')?.split("][").map(|d| d.parse().ok()).collect()
}

/// The name without the dimensions of a shaped array name (`m[2][3]` → `m`).
fn base_name(name: &str) -> &str {
    name.split_once('[').map_or(name, |(b, _)| b)
}

fn nested(xs: &[u64], dims: &[u64]) -> String {
    if dims.len() <= 1 {
        return format_value(&Value::Array(xs.to_vec()));
    }
    let row = (dims[1..].iter().product::<u64>() as usize).max(1);
    let rows: Vec<String> = xs.chunks(row).map(|r| nested(r, &dims[1..])).collect();
    format!("{{{}}}", rows.join(", "))
}

/// The final store as jana prints it: one line per variable, sorted by name, each ending in a
/// newline (an empty store is one empty line, as jana prints it).
pub fn format_store<'a>(vars: impl IntoIterator<Item = (&'a str, &'a Value)>) -> String {
    let mut vars: Vec<(&str, &Value)> = vars.into_iter().collect();
    vars.sort_by(|a, b| base_name(a.0).cmp(base_name(b.0)));
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

/// jana's `printf` rules live with the Janus front end, which decides with them too.
pub use rdx_lang::janus::printf::{Kind, PrintfError, PrintfPlan, printf_plan};

/// The `printf` kind of a value.
pub fn kind_of(value: &Value) -> Kind {
    match value {
        Value::Int(_) => Kind::Int,
        Value::Array(_) => Kind::Array,
        Value::Stack(_) => Kind::Stack,
    }
}

/// jana's `printf(fmt, vars…)` (without the newline); see [`printf_plan`] for the rules.
pub fn format_printf(fmt: &str, args: &[Value]) -> Result<String, PrintfError> {
    let kinds: Vec<Kind> = args.iter().map(kind_of).collect();
    let plan = printf_plan(fmt, &kinds)?;
    let mut out = String::new();
    for (text, value) in plan.before.iter().zip(args) {
        out.push_str(text);
        out.push_str(&format_value(value));
    }
    out.push_str(&plan.after);
    Ok(out)
}

/// Flag on the format byte of a `show` instruction (`Op::Show`) of a Janus program: the value
/// is printed in jana's notation (signed; `a[3] = {1, 2, 3}`, stacks top first, `nil`) as one
/// piece of a line. The low three bits keep the value's kind (`Fmt::I64`, `Fmt::ARR_I64`,
/// `Fmt::STACK_I64`). One `show(x, a)` or `printf(…)` statement is several such instructions
/// whose pieces make one line; [`SHOW_FIRST`] and [`SHOW_LAST`] mark its ends, so that the
/// line reads the same when the instructions run backward (last piece first).
pub const SHOW_JANA: u8 = 0x10;
/// With [`SHOW_JANA`]: the piece is the instruction's name text, then the bare value (no ` = `,
/// no array length): one argument of a `printf`, the name text being what precedes it.
pub const SHOW_RAW: u8 = 0x20;
/// With [`SHOW_JANA`]: the piece is the name text alone (the end of a `printf` text).
pub const SHOW_TEXT: u8 = 0x08;
/// The first piece of a line: with [`SHOW_JANA`], of a jana line; without it, the first
/// `name = value` line of an rdx `show x, y, …` of several variables, whose lines are one group
/// in the same way (so they keep their order when the instructions run backward).
pub const SHOW_FIRST: u8 = 0x40;
/// The last piece of a line (a newline follows it), or the last line of an rdx `show` group
/// (see [`SHOW_FIRST`]).
pub const SHOW_LAST: u8 = 0x80;

/// Whether `fmt` is a valid format byte of a `show` instruction: a value kind (0 ..= 5), and as
/// flags [`SHOW_FIRST`] and [`SHOW_LAST`], or [`SHOW_JANA`] with those and at most one of
/// [`SHOW_RAW`] and [`SHOW_TEXT`].
pub fn valid_fmt(fmt: u8) -> bool {
    let flags = fmt & !7;
    fmt & 7 <= 5
        && (flags & !(SHOW_FIRST | SHOW_LAST) == 0
            || (flags & SHOW_JANA != 0 && flags & SHOW_RAW & (flags << 2) == 0))
}

/// What a `show` instruction with the [`SHOW_JANA`] flag prints running forward: its piece,
/// then a newline if it is the [`SHOW_LAST`] one. Backward, use [`write_piece`].
pub fn show_text(name: &str, flags: u8, value: &Value) -> String {
    let mut text = show_piece(name, flags, value, true);
    if flags & SHOW_LAST != 0 {
        text.push('\n');
    }
    text
}

/// Writes one piece (from [`show_piece`]) of a Janus output line, or one line of an rdx `show`
/// group (see [`SHOW_FIRST`]), to `out`. Forward the pieces
/// come in order; backward the [`SHOW_LAST`] one comes first and each earlier one goes before
/// the pieces of its line already written: `line_at` (None between lines) keeps where that
/// line starts.
pub fn write_piece(out: &mut Vec<u8>, line_at: &mut Option<usize>, text: &str, flags: u8, backward: bool) {
    let (first, last) = (flags & SHOW_FIRST != 0, flags & SHOW_LAST != 0);
    match *line_at {
        Some(at) if backward && at <= out.len() => {
            out.splice(at..at, text.bytes());
            if first {
                *line_at = None;
            }
        }
        _ if backward && !first => {
            *line_at = Some(out.len());
            out.extend_from_slice(text.as_bytes());
            out.push(b'\n');
        }
        _ => {
            out.extend_from_slice(text.as_bytes());
            if last {
                out.push(b'\n');
            }
        }
    }
}

/// The piece of a line that a `show` instruction with the [`SHOW_JANA`] flag prints for `name`
/// and `value` (without the newline that follows a [`SHOW_LAST`] piece).
pub fn show_piece(name: &str, flags: u8, value: &Value, signed: bool) -> String {
    if flags & SHOW_TEXT != 0 {
        name.to_string()
    } else if flags & SHOW_RAW != 0 {
        // `text\0[2][3]`: the text before a multi-dimensional array, then its shape (empty
        // after a text that has a NUL of its own: the shape starts after the last one).
        let Some((text, dims)) = name.rsplit_once('\0') else {
            return format!("{name}{}", format_words(value, signed));
        };
        if let (Some(dims), Value::Array(xs)) = (shape(dims), value)
            && dims.iter().product::<u64>() == xs.len() as u64
        {
            return format!("{text}{}", nested(xs, &dims));
        }
        format!("{text}{}", format_words(value, signed))
    } else {
        format_var(name, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdx_lang::ast::{Dialect, Elem, Type};

    #[test]
    fn values_print_like_jana() {
        assert_eq!(format_value(&Value::Int(-5i64 as u64)), "-5");
        assert_eq!(format_value(&Value::Array(vec![1, 2, u64::MAX])), "{1, 2, -1}");
        assert_eq!(format_value(&Value::Stack(vec![])), "nil");
        assert_eq!(format_value(&Value::Stack(vec![1, 2, 3])), "<3, 2, 1]");
        assert_eq!(format_var("a", &Value::Array(vec![0, 7, 0])), "a[3] = {0, 7, 0}");
        assert_eq!(format_var("s", &Value::Stack(vec![9])), "s = <9]");
    }

    /// What jana prints reads back as the same value; what is not jana's notation is left to
    /// rdx's parser (which reports it), never flattened into some other list.
    #[test]
    fn janas_notation_reads_back() {
        for v in [Value::Array(vec![1, 2, u64::MAX]), Value::Stack(vec![]), Value::Stack(vec![1, 2, 3])] {
            let text = value_text(&format_value(&v)).unwrap();
            let ty = if matches!(v, Value::Stack(_)) { Type::Stack } else { Type::Array(Elem::I64, 3) };
            assert_eq!(crate::values::parse_value(&text, ty, Dialect::Janus), Ok(v));
        }
        assert_eq!(value_text("{{1, 2}, {3, -4}}").as_deref(), Some("[1, 2, 3, -4]"));
        assert_eq!(value_text(" {} ").as_deref(), Some("[]"));
        for bad in ["{1, 2", "{1}}", "{{1}{2}}", "{1} 2", "7", "[1, 2]", "<1, , 2]", "<]"] {
            assert_eq!(value_text(bad), None, "{bad}");
        }
    }

    /// A `--set` value in jana's nested notation is read with its nesting: it must have the
    /// array's shape, not only its number of elements.
    #[test]
    fn set_values_keep_their_shape() {
        assert_eq!(brace_shape("{{1, 2, 3}, {4, 5, 6}}"), Some(Ok(vec![2, 3])));
        assert_eq!(brace_shape(" { 1 , -2 } "), Some(Ok(vec![2])));
        assert_eq!(brace_shape("{}"), Some(Ok(vec![0])));
        assert_eq!(brace_shape("{{1, 2, 3}, {4}}"), Some(Err("its lists differ in length (3 and 1)".into())));
        assert_eq!(brace_shape("{{1}, 2}"), Some(Err("it mixes numbers and lists".into())));
        assert_eq!(brace_shape("{{{1}}, {2}}"), Some(Err("its lists nest to different depths".into())));
        for bad in ["{1, 2", "{1}}", "{1} 2", "7", "[1, 2]", "{1,,2}"] {
            assert_eq!(brace_shape(bad), None, "{bad}");
        }
        let deep = format!("{}1{}", "{".repeat(100_000), "}".repeat(100_000));
        assert_eq!(brace_shape(&deep), Some(Err("it nests too deep".into())));
        assert_eq!(dims_of("m[2][3]", 6), vec![2, 3]);
        assert_eq!(dims_of("a", 4), vec![4]);
        let m = |given: &str, text: &str| check_shape(given, "m[2][2]", &[2, 2], text);
        assert_eq!(m("m", "{{1, 2}, {3, 4}}"), Ok(()));
        assert_eq!(m("m[2][2]", "[1, 2, 3, 4]"), Ok(()));
        assert_eq!(m("m", "[1, 2, 3]"), Ok(()), "a flat list's length is the value parser's");
        let ragged = m("m", "{{1, 2, 3}, {4}}").unwrap_err();
        assert!(ragged.starts_with("the value is not `[2][2]`, its lists differ in length (3 and 1): write 2 rows of 2 elements in braces (`{{1, 2}, {3, 4}}`)"), "{ragged}");
        assert!(
            m("m", "{1, 2, 3, 4}").unwrap_err().starts_with("the value is `[4]` but `m` is `int m[2][2]`")
        );
        assert_eq!(
            m("m[2][3]", "[1, 2, 3, 4, 5, 6]"),
            Err("not the shape of `m`, which is `int m[2][2]`".into())
        );
        assert_eq!(check_shape("a", "a", &[3], "{1, 2}"), Ok(()), "a length is the value parser's");
        assert!(check_shape("a", "a", &[2], "{{1, 2}}").is_err());
    }

    #[test]
    fn shaped_arrays_print_nested() {
        let m = Value::Array(vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(format_var("m[2][3]", &m), "m[2][3] = {{1, 2, 3}, {4, 5, 6}}");
        assert_eq!(format_var("c[1][2][3]", &m), "c[1][2][3] = {{{1, 2, 3}, {4, 5, 6}}}");
        // A name whose dimensions do not fit the value prints as a plain array.
        assert_eq!(format_var("m[4][4]", &m), "m[4][4][6] = {1, 2, 3, 4, 5, 6}");
        let x = Value::Int(1);
        assert_eq!(format_store([("AB", &x), ("A[2][3]", &m)]), "A[2][3] = {{1, 2, 3}, {4, 5, 6}}\nAB = 1\n");
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
        assert_eq!(format_printf("%d 100%%", std::slice::from_ref(&x)), Err(PrintfError::PercentAfterLast));
        assert_eq!(format_printf("%d 100%% %d", std::slice::from_ref(&x)), Err(PrintfError::NotEnoughArgs));
        assert_eq!(ok("100%% %d", std::slice::from_ref(&x)), "100% -5");
        assert_eq!(ok("no args: 100%%", &[]), "no args: 100%%");
        assert_eq!(
            format_printf("%a", std::slice::from_ref(&x)),
            Err(PrintfError::TypeMismatch { directive: 'a', found: "an int" })
        );
        assert_eq!(format_printf("%q", std::slice::from_ref(&x)), Err(PrintfError::Unrecognized('q')));
        assert_eq!(format_printf("%d %d", std::slice::from_ref(&x)), Err(PrintfError::NotEnoughArgs));
        assert_eq!(format_printf("%d", &[x.clone(), x]), Err(PrintfError::TooManyArgs));
        assert_eq!(format_printf("50%", &[a]), Err(PrintfError::Trailing));
    }

    #[test]
    fn printf_plans_split_the_text() {
        let plan = printf_plan("x=%d, 100%% a=%a.", &[Kind::Int, Kind::Array]).expect("plans");
        assert_eq!(plan.before, vec!["x=".to_string(), ", 100% a=".to_string()]);
        assert_eq!(plan.after, ".");
        assert_eq!(
            printf_plan("%d", &[Kind::Stack]),
            Err(PrintfError::TypeMismatch { directive: 'd', found: "a stack" })
        );
        assert_eq!(
            printf_plan("%b", &[Kind::Int]),
            Err(PrintfError::TypeMismatch { directive: 'b', found: "an int" })
        );
    }

    #[test]
    fn show_pieces() {
        let a = Value::Array(vec![1, 2]);
        assert_eq!(show_piece("a", SHOW_JANA, &a, true), "a[2] = {1, 2}");
        assert_eq!(show_piece(", a", SHOW_JANA | SHOW_LAST, &a, true), ", a[2] = {1, 2}");
        assert_eq!(show_piece("v: ", SHOW_JANA | SHOW_RAW, &a, true), "v: {1, 2}");
        assert_eq!(show_piece(" end", SHOW_JANA | SHOW_TEXT, &a, true), " end");
        let m = Value::Array(vec![1, 2, 3, 4]);
        assert_eq!(show_piece("m: \0[2][2]", SHOW_JANA | SHOW_RAW, &m, true), "m: {{1, 2}, {3, 4}}");
        assert_eq!(show_piece("s", SHOW_JANA, &Value::Stack(vec![]), true), "s = nil");
        let (mut fwd, mut bwd, mut at) = (Vec::new(), Vec::new(), None);
        let pieces = [("x = 1", SHOW_FIRST), (", y = 2", 0), (", z = 3", SHOW_LAST)];
        for (text, flags) in pieces {
            write_piece(&mut fwd, &mut at, text, flags, false);
        }
        for (text, flags) in pieces.iter().rev() {
            write_piece(&mut bwd, &mut at, text, *flags, true);
        }
        write_piece(&mut bwd, &mut at, "w = 0", SHOW_FIRST | SHOW_LAST, true);
        assert_eq!(String::from_utf8(fwd).expect("UTF-8"), "x = 1, y = 2, z = 3\n");
        assert_eq!(String::from_utf8(bwd).expect("UTF-8"), "x = 1, y = 2, z = 3\nw = 0\n");
        assert_eq!(at, None);
        assert_eq!(show_text("z", SHOW_JANA | SHOW_LAST, &Value::Int(3)), "z = 3\n");
        assert!(valid_fmt(5) && valid_fmt(SHOW_JANA | SHOW_FIRST | SHOW_LAST | SHOW_RAW | 3));
        assert!(valid_fmt(SHOW_FIRST | 1) && valid_fmt(SHOW_LAST | 2) && valid_fmt(SHOW_FIRST | SHOW_LAST));
        assert!(!valid_fmt(6) && !valid_fmt(SHOW_RAW | 1) && !valid_fmt(SHOW_TEXT | SHOW_FIRST));
        assert!(!valid_fmt(SHOW_JANA | SHOW_RAW | SHOW_TEXT));
    }
}
