//! Parameter values as text: parsing `name=value` arguments and formatting results.
//!
//! Shared by the CLI (`rdx run --set`, output) and the Python package so they agree exactly.
//! Numbers are decimal, `0x` hex or `0b` binary with optional `_` separators; a leading `-` is
//! accepted for signed (`i64`) parameters. Arrays and stacks are written `[1, 2, 3]` (a stack
//! bottom first). Results print as `name = value` lines in declaration order, or as one JSON
//! object whose numbers carry all 64 bits (written as integers, never through floating point).
//!
//! Kernel buffers: an `f64[N]` value is written `[1.5, -2, 0]` and a `c64[N]` value
//! `[[re, im], …]` (on input a bare number is a complex number with imaginary part 0). Floats
//! print in the shortest form that reads back to the same bits (`-2`, `0.1`, `1e-20`);
//! non-finite values print as `NaN`, `inf`, `-inf` (as JSON strings in JSON output).

use crate::module::ParamDef;
use crate::{Module, Value};
use rdx_lang::ast::{Dialect, Elem, Type};

/// A value that does not fit its parameter, or an unknown parameter name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError {
    pub message: String,
}

impl ValueError {
    fn new(message: impl Into<String>) -> ValueError {
        ValueError { message: message.into() }
    }
}

/// `text` as an error message quotes it: whole when short, else its start and its length (a
/// value given as a 200 KB line is not worth repeating back).
fn q(text: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        None => text.into(),
        Some((end, _)) => format!("{}… ({} characters)", &text[..end], text.chars().count()).into(),
    }
}

impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ValueError {}

/// Whether values of this type print signed in this dialect.
pub fn is_signed(dialect: Dialect, ty: Type) -> bool {
    dialect == Dialect::Janus || rdx_lang::types::type_signed(ty)
}

/// Checks that the word `v` (as parsed or given) is a value of the fixed-width type `w`:
/// `0..2^bits` unsigned, `-2^(bits-1)..2^(bits-1)` signed (given as its 64-bit two's complement).
pub fn check_fixed(v: u64, w: rdx_lang::ast::Width, shown: &str) -> Result<u64, ValueError> {
    if w.holds(v) {
        return Ok(v);
    }
    Err(out_of_range(w, shown))
}

/// `shown` is not a value of the fixed-width type `w`: the error, with the type's range.
fn out_of_range(w: rdx_lang::ast::Width, shown: &str) -> ValueError {
    let range = if w.signed {
        format!("{}..={}", -(1i64 << (w.bits - 1)), (1i64 << (w.bits - 1)) - 1)
    } else {
        format!("0..={}", w.mask())
    };
    ValueError::new(format!("`{}` does not fit in {} ({range})", q(shown), w.as_str()))
}

/// Parses one integer; `signed` allows a leading `-` (two's complement).
pub fn parse_int(text: &str, signed: bool) -> Result<u64, ValueError> {
    let t = text.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (radix, digits) = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (16, h)
    } else if let Some(b) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (2, b)
    } else {
        (10, body)
    };
    let digits: std::borrow::Cow<str> = if digits.contains('_') {
        digits.chars().filter(|&c| c != '_').collect::<String>().into()
    } else {
        digits.into()
    };
    if digits.is_empty() {
        return Err(ValueError::new(format!("`{}` is not a number", q(text))));
    }
    let mag = u64::from_str_radix(&digits, radix).map_err(|e| {
        use std::num::IntErrorKind;
        match e.kind() {
            IntErrorKind::PosOverflow => ValueError::new(format!("`{}` does not fit in 64 bits", q(text))),
            _ => ValueError::new(format!("`{}` is not a number (decimal, 0x hex or 0b binary)", q(text))),
        }
    })?;
    if !neg || mag == 0 {
        return Ok(mag);
    }
    if !signed {
        return Err(ValueError::new(format!(
            "`{}` is negative but the parameter is unsigned (u64)",
            q(text)
        )));
    }
    if mag > 1u64 << 63 {
        return Err(ValueError::new(format!("`{}` does not fit in i64", q(text))));
    }
    Ok(mag.wrapping_neg())
}

/// Parses one 64-bit word of a parameter, array or stack: [`parse_int`], and a signed word
/// refuses a magnitude past `i64::MAX` written without a `-` (`18446744073709551615` or
/// `0xffffffffffffffff` is not the `-1` it would wrap to, as `0xff` is not an `i8`'s `-1`).
fn parse_word(text: &str, signed: bool) -> Result<u64, ValueError> {
    let v = parse_int(text, signed)?;
    if signed && v > i64::MAX as u64 && !text.trim_start().starts_with('-') {
        return Err(ValueError::new(format!(
            "`{}` does not fit in i64 ({}..={})",
            q(text.trim()),
            i64::MIN,
            i64::MAX
        )));
    }
    Ok(v)
}

/// Parses a value for a parameter of type `ty`.
pub fn parse_value(text: &str, ty: Type, dialect: Dialect) -> Result<Value, ValueError> {
    // A Janus program's values may also be written as jana prints them (`{1, 2}`, `<2, 1]`, `nil`).
    if dialect == Dialect::Janus
        && let Some(t) = crate::jana::value_text(text)
    {
        // Errors quote the text as given.
        return parse_value_as(&t, ty, dialect)
            .map_err(|e| ValueError::new(e.message.replace(&t, text.trim())));
    }
    parse_value_as(text, ty, dialect)
}

fn parse_value_as(text: &str, ty: Type, dialect: Dialect) -> Result<Value, ValueError> {
    let signed = is_signed(dialect, ty);
    match ty {
        Type::U64 | Type::I64 => Ok(Value::Int(parse_word(text, signed)?)),
        Type::Fixed(w) => {
            let v = parse_int(text, true).map_err(|e| {
                ValueError::new(e.to_string().replace("i64", w.as_str()).replace("u64", w.as_str()))
            })?;
            // A signed width's value past its top written without a sign is not the negative
            // word it wraps to (`18446744073709551615` is no `i8`'s -1, as `255` is not).
            if w.signed && !text.trim_start().starts_with('-') && v > w.mask() >> 1 {
                return Err(out_of_range(w, text.trim()));
            }
            Ok(Value::Int(check_fixed(v, w, text.trim())?))
        }
        Type::Array(e @ (Elem::F64 | Elem::C64), n) => {
            let items = split_list(text)?;
            if items.len() as u64 != n {
                return Err(ValueError::new(format!("the array has {n} elements, {} given", items.len())));
            }
            let mut words = Vec::with_capacity(items.len() * e.words() as usize);
            for item in items {
                if e == Elem::F64 {
                    words.push(parse_float(item)?.to_bits());
                } else if item.trim_start().starts_with('[') {
                    let pair = split_list(item)?;
                    let [re, im] = pair[..] else {
                        return Err(ValueError::new(format!(
                            "`{}` is not a complex number: write `[re, im]`",
                            item.trim()
                        )));
                    };
                    words.push(parse_float(re)?.to_bits());
                    words.push(parse_float(im)?.to_bits());
                } else {
                    words.push(parse_float(item)?.to_bits());
                    words.push(0);
                }
            }
            Ok(Value::Array(words))
        }
        Type::Array(_, n) => {
            let v = parse_list(text, |x| parse_word(x, signed))?;
            if v.len() as u64 != n {
                return Err(ValueError::new(format!("the array has {n} elements, {} given", v.len())));
            }
            Ok(Value::Array(v))
        }
        // An rdx stack holds words of any type (`push x, s` of an i64's -1 pushes 2⁶⁴ - 1): a
        // word is given unsigned or with a sign, so the store of a Janus run, whose stacks
        // print signed, reads back into the printed inverse (`rdx invert`) of its program.
        Type::Stack if !signed => Ok(Value::Stack(parse_list(text, |x| parse_int(x, true))?)),
        Type::Stack => Ok(Value::Stack(parse_list(text, |x| parse_word(x, true))?)),
    }
}

/// Parses one float: a decimal number (`1.5`, `-2`, `1e-3`), `NaN`, `inf` or `-inf`.
pub fn parse_float(text: &str) -> Result<f64, ValueError> {
    let t = text.trim();
    let t = t.strip_prefix('"').and_then(|r| r.strip_suffix('"')).unwrap_or(t);
    t.parse::<f64>().map_err(|_| ValueError::new(format!("`{}` is not a number", q(t))))
}

/// The top-level items of `[a, [b, c], d]` (nested brackets kept whole).
fn split_list(text: &str) -> Result<Vec<&str>, ValueError> {
    let t = text.trim();
    let inner = t
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .ok_or_else(|| ValueError::new(format!("`{}` is not a list: write `[1.5, -2, 0]`", q(text))))?;
    if inner.trim().is_empty() {
        return Ok(Vec::new());
    }
    split_top(inner, text)
}

/// `inner` split at the commas outside brackets; `text` names it in errors.
fn split_top<'a>(inner: &'a str, text: &str) -> Result<Vec<&'a str>, ValueError> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in inner.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| ValueError::new(format!("`{}` has unbalanced brackets", q(text))))?
            }
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(ValueError::new(format!("`{}` has unbalanced brackets", q(text))));
    }
    items.push(&inner[start..]);
    Ok(items)
}

/// One float as text: the shortest form that reads back to the same bits (`-2`, `0.1`,
/// `1e-20`); `NaN`, `inf`, `-inf` for the rest (quoted when `json`).
pub fn format_float(x: f64, json: bool) -> String {
    let s = if x.is_nan() {
        "NaN".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".to_string() } else { "-inf".to_string() }
    } else if x.fract() == 0.0 && x.abs() < 1e16 {
        format!("{x}")
    } else {
        format!("{x:?}")
    };
    if json && !x.is_finite() { format!("\"{s}\"") } else { s }
}

/// A value of type `ty` as text, floats decoded for `f64`/`c64` buffers.
pub fn format_typed(v: &Value, ty: Type, dialect: Dialect, json: bool) -> String {
    let mut out = String::new();
    write_typed(&mut out, v, ty, dialect, json, ", ");
    out
}

/// Appends [`format_typed`] of `v` to `out`, list items separated by `sep`.
fn write_typed(out: &mut String, v: &Value, ty: Type, dialect: Dialect, json: bool, sep: &str) {
    match (ty, v) {
        (Type::Array(Elem::F64, _), Value::Array(a)) => {
            push_list(out, a, sep, |out, w| out.push_str(&format_float(f64::from_bits(*w), json)));
        }
        (Type::Array(Elem::C64, _), Value::Array(a)) => push_list(out, a.chunks(2), sep, |out, p| {
            let im = p.get(1).copied().unwrap_or(0);
            push_list(out, [p[0], im], sep, |out, w| out.push_str(&format_float(f64::from_bits(w), json)));
        }),
        _ => write_value(out, v, is_signed(dialect, ty), sep),
    }
}

/// Appends `[x, y, …]` with items separated by `sep`, each written by `item`.
fn push_list<T>(
    out: &mut String,
    items: impl IntoIterator<Item = T>,
    sep: &str,
    mut item: impl FnMut(&mut String, T),
) {
    out.push('[');
    for (i, x) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        item(out, x);
    }
    out.push(']');
}

/// The words of a list `[1, 2, 3]`, each read by `word`.
fn parse_list(text: &str, word: impl Fn(&str) -> Result<u64, ValueError>) -> Result<Vec<u64>, ValueError> {
    let t = text.trim();
    let inner = t
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .ok_or_else(|| ValueError::new(format!("`{}` is not a list: write `[1, 2, 3]`", q(text))))?;
    if inner.trim().is_empty() {
        return Ok(Vec::new());
    }
    // Sized once: a long list does not regrow.
    let mut words = Vec::with_capacity(1 + inner.bytes().filter(|&b| b == b',').count());
    for x in inner.split(',') {
        words.push(word(x)?);
    }
    Ok(words)
}

/// The value of a parameter nobody set: zero (an all-zero array, an empty stack).
pub fn zero(ty: Type) -> Value {
    match ty {
        Type::U64 | Type::I64 | Type::Fixed(_) => Value::Int(0),
        Type::Array(e, n) => Value::Array(vec![0; n.saturating_mul(e.words()) as usize]),
        Type::Stack => Value::Stack(Vec::new()),
    }
}

/// Splits `name=value`.
pub fn parse_assignment(text: &str) -> Result<(String, String), ValueError> {
    match text.split_once('=') {
        Some((n, v)) if !n.trim().is_empty() => Ok((n.trim().to_string(), v.trim().to_string())),
        _ => Err(ValueError::new(format!("`{}` is not `name=value`", q(text)))),
    }
}

/// Parses `a=1, b=[1, 2]` (the form of a `// run:` line's sides) into `name=value` pairs, split
/// at the commas outside brackets; an empty text is no pairs.
pub fn parse_assignments(text: &str) -> Result<Vec<(String, String)>, ValueError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    split_top(text, text)?.into_iter().map(parse_assignment).collect()
}

/// Builds the argument values of a gene from `name=value` pairs; unset parameters are zero.
/// An unknown or repeated name is an error that lists the gene's parameters.
pub fn bind<N: AsRef<str>, T: AsRef<str>>(
    module: &Module,
    gene: usize,
    sets: &[(N, T)],
) -> Result<Vec<Value>, ValueError> {
    let g = module.genes.get(gene).ok_or_else(|| ValueError::new("no such gene"))?;
    let mut out: Vec<Option<Value>> = vec![None; g.params.len()];
    for (name, text) in sets {
        let (name, text) = (name.as_ref(), text.as_ref());
        // A Janus run prints an array as jana does, with its length (`a[3] = {…}`), and a
        // shaped array's parameter is named with its dimensions (`m[2][3]`): an array is found
        // by its name without them too.
        fn base(n: &str) -> &str {
            n.split_once('[').map_or(n, |(b, _)| b)
        }
        let janus_array = |p: &ParamDef| {
            module.dialect == Dialect::Janus && matches!(p.ty, Type::Array(..)) && base(&p.name) == base(name)
        };
        let found = g.params.iter().position(|p| p.name == *name);
        let Some(i) = found.or_else(|| g.params.iter().position(janus_array)) else {
            let names: Vec<&str> = g.params.iter().map(|p| p.name.as_str()).collect();
            let shown = |i: usize| format!("{}: {}", g.params[i].name, g.params[i].ty);
            let others = rdx_lang::check::alternatives(name, "its parameters:", &names, shown);
            return Err(ValueError::new(format!("gene `{}` has no parameter `{name}`{others}", g.name)));
        };
        if out[i].is_some() {
            return Err(ValueError::new(format!("`{name}` is set twice")));
        }
        let p = &g.params[i];
        // A Janus program's types are named as Janus writes them (`int m[2][3]`).
        let ty = match (module.dialect, p.ty) {
            (Dialect::Janus, Type::I64) => "int".to_string(),
            (Dialect::Janus, Type::Stack) => "stack".to_string(),
            (Dialect::Janus, Type::Array(_, n)) => {
                let dims = crate::jana::dims_of(&p.name, n);
                crate::jana::check_shape(name, &p.name, &dims, text)
                    .map_err(|e| ValueError::new(format!("`{name}`: {e}")))?;
                let dims: String = dims.iter().map(|d| format!("[{d}]")).collect();
                format!("int{dims}")
            }
            (_, ty) => ty.to_string(),
        };
        let v = parse_value(text, p.ty, module.dialect)
            .map_err(|e| ValueError::new(format!("`{name}` ({ty}): {}", e.message)))?;
        out[i] = Some(v);
    }
    // A frame over the memory limit is refused when the run starts (R0120, `bind_args`, from
    // the parameters' types): its unset arrays are not allocated for it (sixteen parameters of
    // 2^28 words each would be 32 GiB of zeros before that check).
    let words = param_words(g).saturating_add(u64::from(g.words));
    let over = words > crate::Limits::default().max_words as u64;
    Ok(out
        .into_iter()
        .zip(&g.params)
        .map(|(v, p)| match v {
            Some(v) => v,
            None if over && matches!(p.ty, Type::Array(..)) => Value::Array(Vec::new()),
            None => zero(p.ty),
        })
        .collect())
}

/// The words gene `g`'s array parameters take, from their types.
pub fn param_words(g: &crate::module::GeneDef) -> u64 {
    g.params
        .iter()
        .map(|p| match p.ty {
            Type::Array(e, n) => n.saturating_mul(e.words()),
            _ => 0,
        })
        .fold(0u64, u64::saturating_add)
}

fn word(v: u64, signed: bool) -> String {
    let mut out = String::new();
    push_word(&mut out, v, signed);
    out
}

/// Appends one word in decimal, as `i64` when `signed`.
pub(crate) fn push_word(out: &mut String, v: u64, signed: bool) {
    let mut b = itoa::Buffer::new();
    out.push_str(if signed { b.format(v as i64) } else { b.format(v) });
}

/// One value as text: `42`, `-1`, `[1, 2, 3]`.
pub fn format_value(v: &Value, signed: bool) -> String {
    let mut out = String::new();
    write_value(&mut out, v, signed, ", ");
    out
}

/// Appends one value to `out`, list items separated by `sep` (no string per element).
fn write_value(out: &mut String, v: &Value, signed: bool, sep: &str) {
    match v {
        Value::Int(x) => push_word(out, *x, signed),
        Value::Array(a) | Value::Stack(a) => push_words(out, ('[', ']'), a.iter(), signed, sep),
    }
}

/// Appends words between the `brackets`, separated by `sep` (no string per element; room for
/// the usual words first, so a long list does not regrow the buffer). rdx lists and jana's.
pub(crate) fn push_words<'a>(
    out: &mut String,
    brackets: (char, char),
    words: impl ExactSizeIterator<Item = &'a u64>,
    signed: bool,
    sep: &str,
) {
    out.reserve(2 + words.len() * (sep.len() + 20));
    out.push(brackets.0);
    for (i, &x) in words.enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        push_word(out, x, signed);
    }
    out.push(brackets.1);
}

/// The result of a run as text: `name = value`, one line per parameter in declaration order.
pub fn format_text(params: &[ParamDef], values: &[Value], dialect: Dialect) -> String {
    let mut s = String::new();
    for (p, v) in params.iter().zip(values) {
        s.push_str(&p.name);
        s.push_str(" = ");
        write_typed(&mut s, v, p.ty, dialect, false, ", ");
        s.push('\n');
    }
    s
}

/// The result of a run as one JSON object (`{"n": 0, "a": [1, 2]}`), integers exact.
pub fn format_json(params: &[ParamDef], values: &[Value], dialect: Dialect) -> String {
    write_json(params, values, dialect, ": ", ", ")
}

/// A *state*: [`format_json`] without spaces (`{"n":0,"a":[1,2]}`), the canonical bytes that
/// name a state in a store, so equal states have equal content IDs.
pub fn format_state(params: &[ParamDef], values: &[Value], dialect: Dialect) -> String {
    write_json(params, values, dialect, ":", ",")
}

fn write_json(params: &[ParamDef], values: &[Value], dialect: Dialect, colon: &str, sep: &str) -> String {
    let mut out = String::from("{");
    for (i, (p, v)) in params.iter().zip(values).enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(&json_string(&p.name));
        out.push_str(colon);
        write_typed(&mut out, v, p.ty, dialect, true, sep);
    }
    // Room for the line end `format_result` adds.
    out.reserve(2);
    out.push('}');
    out
}

/// The result of running gene `gene` of `module`: text lines or one JSON object. The one
/// place that decides how results look (it may differ per dialect).
pub fn format_result(module: &Module, gene: usize, values: &[Value], json: bool) -> String {
    let Some(g) = module.genes.get(gene) else { return String::new() };
    if json {
        let mut s = format_json(&g.params, values, module.dialect);
        s.push('\n');
        s
    } else {
        format_text(&g.params, values, module.dialect)
    }
}

/// A JSON string literal.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `printf`: `%d` (signed, as in C), `%u` (unsigned), `%x` (hex), `%%`; missing arguments
/// print as nothing.
pub fn printf(fmt: &str, args: &[u64]) -> String {
    let mut out = String::new();
    let mut it = args.iter();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') | Some('i') => out.push_str(&it.next().map_or(String::new(), |v| word(*v, true))),
            Some('u') => out.push_str(&it.next().map_or(String::new(), |v| v.to_string())),
            Some('x') => out.push_str(&it.next().map_or(String::new(), |v| format!("{v:x}"))),
            Some('%') => out.push('%'),
            Some(o) => {
                out.push('%');
                out.push(o);
            }
            None => out.push('%'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An unknown name's error names the parameter it is a likely typo of, and lists a long
    /// parameter list only in part, with its length.
    #[test]
    fn an_unknown_name_is_told_the_likely_one_and_a_short_list() {
        let compile = |src: &str| {
            let p = rdx_lang::parser::parse(src).unwrap_or_else(|d| panic!("{d:?}"));
            let c = rdx_lang::check::check(&p, &Default::default()).unwrap_or_else(|d| panic!("{d:?}"));
            crate::compile(&c, "t.rdx", src).unwrap()
        };
        let error = |m: &Module, name: &str| bind(m, 0, &[(name, "1")]).unwrap_err().message;
        let small = compile("gene g(count: u64, total: u64) {\n    total += count\n}\n");
        assert_eq!(
            error(&small, "cuont"),
            "gene `g` has no parameter `cuont` (did you mean `count`? its parameters: count: u64, total: u64)"
        );
        assert_eq!(
            error(&small, "x"),
            "gene `g` has no parameter `x` (its parameters: count: u64, total: u64)"
        );
        let params: Vec<String> = (0..300).map(|k| format!("v{k}: u64")).collect();
        let many = compile(&format!("gene g({}) {{\n    v0 += v1\n}}\n", params.join(", ")));
        let e = error(&many, "total");
        assert!(
            e.ends_with(&format!(
                "(its parameters: {}, … 300 in all)",
                params[..rdx_lang::check::LISTED].join(", ")
            )),
            "{e}"
        );
        assert!(error(&many, "v2999").contains("did you mean `v299`?"));
    }

    #[test]
    fn parses_numbers() {
        assert_eq!(parse_int("42", false), Ok(42));
        assert_eq!(parse_int("0xff", false), Ok(255));
        assert_eq!(parse_int("0b101", false), Ok(5));
        assert_eq!(parse_int("1_000", false), Ok(1000));
        assert_eq!(parse_int("18446744073709551615", false), Ok(u64::MAX));
        assert_eq!(parse_int("-1", true), Ok(u64::MAX));
        assert_eq!(parse_int("-9223372036854775808", true), Ok(1 << 63));
        assert!(parse_int("-9223372036854775809", true).is_err());
        assert!(parse_int("-1", false).is_err());
        assert_eq!(parse_int("-0", false), Ok(0));
        assert!(parse_int("18446744073709551616", false).is_err());
        assert!(parse_int("x", false).is_err());
        assert!(parse_int("", false).is_err());
    }

    #[test]
    fn a_signed_word_refuses_what_would_wrap() {
        for dialect in [Dialect::Rdx, Dialect::Janus] {
            let max = parse_value("9223372036854775807", Type::I64, dialect);
            assert_eq!(max, Ok(Value::Int(i64::MAX as u64)));
            let min = parse_value("-9223372036854775808", Type::I64, dialect);
            assert_eq!(min, Ok(Value::Int(1 << 63)));
            for text in ["9223372036854775808", "18446744073709551615", "0xffffffffffffffff"] {
                let e = parse_value(text, Type::I64, dialect).unwrap_err().to_string();
                assert!(
                    e.contains("does not fit in i64 (-9223372036854775808..=9223372036854775807)"),
                    "{e}"
                );
                let list = parse_value(&format!("[1, {text}]"), Type::Array(Elem::I64, 2), dialect);
                assert!(list.is_err(), "{text}");
            }
        }
        let top = parse_value("18446744073709551615", Type::U64, Dialect::Rdx);
        assert_eq!(top, Ok(Value::Int(u64::MAX)));
    }

    /// A signed fixed width takes its negative values with a sign only: the words they wrap
    /// to, written unsigned, are out of its range (as for `i64`).
    #[test]
    fn a_signed_fixed_width_refuses_the_unsigned_words_of_its_negatives() {
        use rdx_lang::ast::Width;
        let i8t = Type::Fixed(Width { bits: 8, signed: true });
        let i32t = Type::Fixed(Width { bits: 32, signed: true });
        let u8t = Type::Fixed(Width { bits: 8, signed: false });
        assert_eq!(parse_value("-1", i8t, Dialect::Rdx), Ok(Value::Int(u64::MAX)));
        assert_eq!(parse_value("-128", i8t, Dialect::Rdx), Ok(Value::Int((-128i64) as u64)));
        assert_eq!(parse_value("127", i8t, Dialect::Rdx), Ok(Value::Int(127)));
        for text in ["128", "255", "18446744073709551615", "0xffffffffffffff80"] {
            let e = parse_value(text, i8t, Dialect::Rdx).expect_err(text).to_string();
            assert!(e.contains("does not fit in i8 (-128..=127)"), "{text}: {e}");
        }
        assert!(parse_value("18446744073709551615", i32t, Dialect::Rdx).is_err());
        assert!(parse_value("0xffffffff", i32t, Dialect::Rdx).is_err());
        assert_eq!(parse_value("255", u8t, Dialect::Rdx), Ok(Value::Int(255)));
        assert!(parse_value("-1", u8t, Dialect::Rdx).is_err());
    }

    #[test]
    fn parses_lists() {
        let t = Type::Array(Elem::U64, 3);
        assert_eq!(parse_value("[1,2,3]", t, Dialect::Rdx), Ok(Value::Array(vec![1, 2, 3])));
        assert_eq!(parse_value(" [ 1 , 2 , 0x3 ] ", t, Dialect::Rdx), Ok(Value::Array(vec![1, 2, 3])));
        assert!(parse_value("[1,2]", t, Dialect::Rdx).is_err());
        assert_eq!(parse_value("[]", Type::Stack, Dialect::Rdx), Ok(Value::Stack(vec![])));
        // A stack's words: unsigned or with a sign (two's complement), in rdx; Janus's are i64.
        let words = parse_value("[-5, 18446744073709551615, 3]", Type::Stack, Dialect::Rdx);
        assert_eq!(words, Ok(Value::Stack(vec![(-5i64) as u64, u64::MAX, 3])));
        assert!(parse_value("[-9223372036854775809]", Type::Stack, Dialect::Rdx).is_err());
        assert!(parse_value("[18446744073709551615]", Type::Stack, Dialect::Janus).is_err());
        assert_eq!(parse_value("<-1, 2]", Type::Stack, Dialect::Janus), Ok(Value::Stack(vec![2, u64::MAX])));
    }

    #[test]
    fn formats_exact_json() {
        let params = vec![
            ParamDef { name: "a".into(), ty: Type::U64 },
            ParamDef { name: "b".into(), ty: Type::I64 },
            ParamDef { name: "c".into(), ty: Type::Array(Elem::U64, 2) },
        ];
        let vals = vec![Value::Int(u64::MAX), Value::Int(u64::MAX), Value::Array(vec![1, 1 << 63])];
        assert_eq!(
            format_json(&params, &vals, Dialect::Rdx),
            r#"{"a": 18446744073709551615, "b": -1, "c": [1, 9223372036854775808]}"#
        );
        assert_eq!(
            format_text(&params, &vals, Dialect::Rdx),
            "a = 18446744073709551615\nb = -1\nc = [1, 9223372036854775808]\n"
        );
    }

    #[test]
    fn assignments_split_outside_brackets() {
        let pairs = parse_assignments("a=1, b=[1, [2, 3]], c = -4").unwrap();
        let want = [("a", "1"), ("b", "[1, [2, 3]]"), ("c", "-4")];
        assert_eq!(pairs, want.map(|(n, v)| (n.to_string(), v.to_string())));
        assert!(parse_assignments("  ").unwrap().is_empty());
        assert!(parse_assignments("a=[1, 2").is_err());
        assert!(parse_assignments("a=1, 2").is_err());
    }

    #[test]
    fn printf_formats() {
        assert_eq!(printf("x=%d y=%u %x %%", &[u64::MAX, 3, 255]), "x=-1 y=3 ff %");
    }
}
