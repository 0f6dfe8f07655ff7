//! Kernel metadata: the `rdx.kernel` custom section of a kernel module, its parser and its
//! validation rules (see `spec/kernels.md`), plus a minimal reader for custom sections.

use std::fmt;

/// The ABI version this host implements (`abi=1`).
pub const ABI_VERSION: u32 = 1;

/// The name of the custom section that holds the metadata.
pub const SECTION: &str = "rdx.kernel";

/// Element type of a kernel's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElemType {
    /// IEEE double, 8 bytes.
    F64,
    /// Complex double: interleaved (re, im) f64 pair, 16 bytes.
    C64,
    /// Unsigned 64-bit integer, 8 bytes.
    U64,
    /// Signed 64-bit integer, 8 bytes.
    I64,
}

impl ElemType {
    /// Size of one element in linear memory, in bytes.
    pub fn size(self) -> usize {
        match self {
            ElemType::C64 => 16,
            ElemType::F64 | ElemType::U64 | ElemType::I64 => 8,
        }
    }

    /// Whether the type holds floating-point values (and so unitary kernels).
    pub fn is_float(self) -> bool {
        matches!(self, ElemType::F64 | ElemType::C64)
    }

    fn parse(s: &str) -> Option<ElemType> {
        Some(match s {
            "f64" => ElemType::F64,
            "c64" => ElemType::C64,
            "u64" => ElemType::U64,
            "i64" => ElemType::I64,
            _ => return None,
        })
    }
}

impl fmt::Display for ElemType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ElemType::F64 => "f64",
            ElemType::C64 => "c64",
            ElemType::U64 => "u64",
            ElemType::I64 => "i64",
        })
    }
}

/// What a kernel promises about information and norm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Integer transform whose mirror restores the input bit for bit.
    Exact,
    /// Floating-point transform that preserves Σ|xᵢ|² (a unitary matrix).
    Unitary,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Exact => "exact",
            Kind::Unitary => "unitary",
        })
    }
}

/// Which buffer lengths a kernel accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LengthRule {
    /// Any length (including 0).
    Any,
    /// 1, 2, 4, 8, ...
    PowerOfTwo,
}

impl fmt::Display for LengthRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LengthRule::Any => "any",
            LengthRule::PowerOfTwo => "pow2",
        })
    }
}

/// The parsed and validated `rdx.kernel` section of one module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// Name of the forward entry point as a kernel.
    pub name: String,
    /// Name of the inverse entry point as a kernel (equal to `name` for a self-mirror kernel).
    pub mirror: String,
    /// Element type of the buffer.
    pub elem: ElemType,
    /// Exact or unitary.
    pub kind: Kind,
    /// The k with Kᵏ = I (0: no finite order is declared).
    pub order: u32,
    /// Accepted lengths.
    pub length: LengthRule,
    /// Largest accepted length, if the kernel has one.
    pub max_len: Option<usize>,
}

/// Parses and validates metadata text (see `spec/kernels.md` §4). The grammar is exact:
/// lines end in `\n` alone; an empty line or one starting with `#` is ignored; every other line
/// is `key=value` with no white space anywhere; integers are decimal digits with no sign and no
/// leading zero.
pub fn parse(text: &str) -> Result<Metadata, String> {
    let mut abi = None;
    let mut name = None;
    let mut mirror = None;
    let mut elem = None;
    let mut kind = None;
    let mut order = None;
    let mut length = None;
    let mut max_len = None;
    for (i, line) in text.split('\n').enumerate() {
        let n = i + 1;
        if line.contains('\r') {
            return Err(format!("line {n} holds a carriage return (\\r): end each line with `\\n` alone"));
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.contains(char::is_whitespace) {
            return Err(format!(
                "line {n}: white space in `{line}`: write `key=value` with no spaces (and leave a blank \
                 line empty)"
            ));
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("line {n}: expected `key=value`, found `{line}`"));
        };
        let slot_taken = match key {
            "abi" => abi.replace(integer(key, value, 0, u64::MAX)?).is_some(),
            "name" => name.replace(ident(key, value)?).is_some(),
            "mirror" => mirror.replace(ident(key, value)?).is_some(),
            "elem" => {
                let e = ElemType::parse(value)
                    .ok_or_else(|| bad_value(key, value, "the element types are f64, c64, u64 and i64"))?;
                elem.replace(e).is_some()
            }
            "kind" => {
                let k = match value {
                    "exact" => Kind::Exact,
                    "unitary" => Kind::Unitary,
                    _ => return Err(bad_value(key, value, "the kinds are exact and unitary")),
                };
                kind.replace(k).is_some()
            }
            "order" => order.replace(integer(key, value, 0, u64::from(u32::MAX))? as u32).is_some(),
            "length" => {
                let l = match value {
                    "any" => LengthRule::Any,
                    "pow2" => LengthRule::PowerOfTwo,
                    _ => return Err(bad_value(key, value, "the length rules are any and pow2")),
                };
                length.replace(l).is_some()
            }
            "max_len" => max_len.replace(integer(key, value, 1, usize::MAX as u64)? as usize).is_some(),
            _ => return Err(format!("unknown key `{key}`")),
        };
        if slot_taken {
            return Err(format!("key `{key}` given twice"));
        }
    }
    match abi {
        Some(v) if v == u64::from(ABI_VERSION) => {}
        Some(v) => return Err(format!("abi={v} is not supported (this host implements abi={ABI_VERSION})")),
        None => return Err("missing key `abi`".into()),
    }
    let meta = Metadata {
        name: name.ok_or("missing key `name`")?,
        mirror: mirror.ok_or("missing key `mirror`")?,
        elem: elem.ok_or("missing key `elem`")?,
        kind: kind.ok_or("missing key `kind`")?,
        order: order.ok_or("missing key `order`")?,
        length: length.unwrap_or(LengthRule::Any),
        max_len,
    };
    match (meta.kind, meta.elem.is_float()) {
        (Kind::Exact, true) => {
            return Err(format!("kind=exact needs an integer element type, not {}", meta.elem));
        }
        (Kind::Unitary, false) => {
            return Err(format!("kind=unitary needs a float element type, not {}", meta.elem));
        }
        _ => {}
    }
    if meta.name == meta.mirror && !matches!(meta.order, 1 | 2) {
        return Err(format!(
            "`{}` is its own mirror, so K² = I and its order must be 1 or 2, not {}",
            meta.name, meta.order
        ));
    }
    Ok(meta)
}

fn bad_value(key: &str, value: &str, why: &str) -> String {
    format!("bad value `{value}` for key `{key}`: {why}")
}

/// An integer value from `min` to `max`, written as the spec says: decimal digits, no sign,
/// no leading zero (`01`, `+2` and `-0` are refused, so each number has one spelling).
fn integer(key: &str, value: &str, min: u64, max: u64) -> Result<u64, String> {
    let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    if !digits || (value.len() > 1 && value.starts_with('0')) {
        return Err(bad_value(key, value, "not an integer in decimal digits (no sign, no leading zero)"));
    }
    match value.parse::<u64>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(bad_value(key, value, &format!("out of range: `{key}` is from {min} to {max}"))),
    }
}

/// A kernel's name: an rdx name, so that `kernel NAME(buf)` can be written (a reserved word,
/// `if` or `kernel`, would load and never be callable).
fn ident(key: &str, value: &str) -> Result<String, String> {
    let mut chars = value.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        return Err(bad_value(
            key,
            value,
            "a name is an ASCII letter or `_`, then ASCII letters, digits or `_`",
        ));
    }
    if rdx_lang::token::is_keyword(value) {
        return Err(bad_value(
            key,
            value,
            &format!("a reserved word of rdx, so `kernel {value}(buf)` could not be written"),
        ));
    }
    Ok(value.to_string())
}

/// Returns the contents of every custom section called `name` in a WebAssembly binary.
///
/// Only the section framing is read (magic, version, then `id, size, payload` records); the
/// module itself is validated by wasmtime afterwards.
pub fn custom_sections<'a>(wasm: &'a [u8], name: &str) -> Result<Vec<&'a [u8]>, String> {
    let Some(mut rest) = wasm.strip_prefix(b"\0asm") else {
        return Err("not a WebAssembly binary (bad magic)".into());
    };
    if rest.len() < 4 {
        return Err("truncated header".into());
    }
    rest = &rest[4..];
    let mut found = Vec::new();
    while let Some((&id, after_id)) = rest.split_first() {
        let (size, after_size) = leb_u32(after_id).ok_or("truncated section header")?;
        let size = size as usize;
        if size > after_size.len() {
            return Err("section runs past the end of the file".into());
        }
        let (payload, next) = after_size.split_at(size);
        if id == 0 {
            let (len, after_len) = leb_u32(payload).ok_or("truncated custom section name")?;
            let len = len as usize;
            if len > after_len.len() {
                return Err("custom section name runs past its section".into());
            }
            let (sec_name, body) = after_len.split_at(len);
            if sec_name == name.as_bytes() {
                found.push(body);
            }
        }
        rest = next;
    }
    Ok(found)
}

/// Reads an unsigned LEB128 u32; returns it and the bytes after it.
fn leb_u32(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let mut value: u32 = 0;
    for (i, &b) in bytes.iter().enumerate().take(5) {
        let chunk = u32::from(b & 0x7f);
        if i == 4 && chunk > 0x0f {
            return None;
        }
        value |= chunk << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, &bytes[i + 1..]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "abi=1\nname=fft\nmirror=ifft\nelem=c64\nkind=unitary\norder=4\nlength=pow2\n";

    #[test]
    fn parses_good_metadata() {
        let m = parse(GOOD).unwrap();
        assert_eq!(m.name, "fft");
        assert_eq!(m.mirror, "ifft");
        assert_eq!(m.elem, ElemType::C64);
        assert_eq!(m.kind, Kind::Unitary);
        assert_eq!(m.order, 4);
        assert_eq!(m.length, LengthRule::PowerOfTwo);
        assert_eq!(m.max_len, None);
    }

    #[test]
    fn rejects_bad_metadata() {
        let cases = [
            ("", "missing key `abi`"),
            ("abi=2\n", "abi=2 is not supported"),
            ("abi=1\nname=a\nmirror=b\nelem=f32\nkind=unitary\norder=4", "bad value `f32`"),
            ("abi=1\nname=a\nmirror=b\nelem=u64\nkind=unitary\norder=4", "needs a float element"),
            ("abi=1\nname=a\nmirror=b\nelem=f64\nkind=exact\norder=4", "needs an integer element"),
            ("abi=1\nname=a\nmirror=a\nelem=f64\nkind=unitary\norder=4", "its own mirror"),
            ("abi=1\nname=a\nname=b", "given twice"),
            ("abi=1\nname=1a", "bad value `1a`"),
            ("abi=1\nname=kernel", "a reserved word of rdx"),
            ("abi=1\nname=a\nmirror=fi", "`kernel fi(buf)` could not be written"),
            ("abi=1\ncolour=red", "unknown key"),
            ("abi=1\njunk", "expected `key=value`"),
            ("abi=1\nname=a\nmirror=b\nelem=f64\nkind=unitary", "missing key `order`"),
            ("abi=1\nname=a\nmirror=b\nelem=f64\nkind=unitary\norder=-1", "bad value `-1`"),
            ("abi=1\nname=a\nmirror=b\nelem=f64\nkind=unitary\norder=4\nmax_len=0", "bad value `0`"),
        ];
        for (text, want) in cases {
            let err = parse(text).unwrap_err();
            assert!(err.contains(want), "{text:?}: got {err:?}, wanted {want:?}");
        }
    }

    #[test]
    fn follows_the_grammar_exactly() {
        let meta = |line: &str| format!("abi=1\nname=a\nmirror=b\nelem=f64\nkind=unitary\norder=4\n{line}\n");
        // the spellings Rust's parsers or a trim would take, and the spec does not
        let cases = [
            (
                "abi=01\n".to_string(),
                "bad value `01` for key `abi`: not an integer in decimal digits (no sign, no leading zero)",
            ),
            (
                meta("order=+2").replace("order=4\n", ""),
                "bad value `+2` for key `order`: not an integer in decimal digits",
            ),
            (meta("max_len=007"), "bad value `007` for key `max_len`: not an integer"),
            (meta("max_len=-0"), "bad value `-0` for key `max_len`: not an integer"),
            (meta("max_len="), "bad value `` for key `max_len`: not an integer"),
            (
                "abi=1\nname = a15\n".to_string(),
                "line 2: white space in `name = a15`: write `key=value` with no spaces",
            ),
            ("abi=1\n name=a\n".to_string(), "line 2: white space"),
            ("abi=1\nname=a\t\n".to_string(), "line 2: white space"),
            ("abi=1\n  \n".to_string(), "line 2: white space"),
            (
                "abi=1\r\nname=a\r\n".to_string(),
                "line 1 holds a carriage return (\\r): end each line with `\\n` alone",
            ),
            ("# a note\r\nabi=1\n".to_string(), "line 1 holds a carriage return"),
            (
                meta("").replace("order=4", "order=99999999999999999999999"),
                "bad value `99999999999999999999999` for key `order`: out of range: `order` is from 0 to 4294967295",
            ),
            (
                meta("").replace("order=4", "order=4294967296"),
                "out of range: `order` is from 0 to 4294967295",
            ),
            (meta("max_len=0"), "bad value `0` for key `max_len`: out of range: `max_len` is from 1 to"),
            (
                "abi=1\nname=été\n".to_string(),
                "bad value `été` for key `name`: a name is an ASCII letter or `_`, then ASCII letters, digits or `_`",
            ),
            ("abi=1\nname=a=b\n".to_string(), "bad value `a=b` for key `name`: a name is"),
            (
                meta("").replace("elem=f64", "elem=F64"),
                "bad value `F64` for key `elem`: the element types are f64, c64, u64 and i64",
            ),
            (
                meta("").replace("unitary", "Unitary"),
                "bad value `Unitary` for key `kind`: the kinds are exact and unitary",
            ),
            (meta("length=pow3"), "bad value `pow3` for key `length`: the length rules are any and pow2"),
            (
                "abi=99999999999999999999999\n".to_string(),
                "out of range: `abi` is from 0 to 18446744073709551615",
            ),
        ];
        for (text, want) in &cases {
            let err = parse(text).unwrap_err();
            assert!(err.contains(want), "{text:?}: got {err:?}, wanted {want:?}");
        }
        // what the grammar does allow: comments, empty lines, a last line without `\n`,
        // `0` and the largest values
        let ok = format!(
            "# comment\n\nabi=1\n#  spaced comment = fine\nname=a\nmirror=b\nelem=f64\nkind=unitary\norder=0\n\nmax_len={}",
            usize::MAX
        );
        assert_eq!(parse(&ok).unwrap().max_len, Some(usize::MAX));
        assert_eq!(parse(&meta("").replace("order=4", "order=4294967295")).unwrap().order, u32::MAX);
    }

    #[test]
    fn reads_custom_sections_and_rejects_garbage() {
        // magic, version 1, custom section "rdx.kernel" with body "hi", then a type section
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&[0, 13, 10]);
        wasm.extend_from_slice(b"rdx.kernelhi");
        wasm.extend_from_slice(&[1, 1, 0]);
        assert_eq!(custom_sections(&wasm, SECTION).unwrap(), vec![&b"hi"[..]]);
        assert!(custom_sections(&wasm, "other").unwrap().is_empty());
        assert!(custom_sections(b"\0asx\x01\0\0\0", SECTION).is_err());
        assert!(custom_sections(&wasm[..wasm.len() - 1], SECTION).is_err());
        assert!(custom_sections(b"\0asm\x01\0\0\0\0\xff\xff\xff\xff\xff", SECTION).is_err());
    }
}
