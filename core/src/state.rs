//! States and tapes as blobs.
//!
//! A *state* is the entry gene's parameters as one JSON object, in declaration order, without
//! spaces; integers are JSON numbers, floats and complex numbers as `rdx run --json` prints
//! them (`{"n":0,"x1":89,"buf":[[1,0],[0.5,-2]]}`). Equal states have equal bytes and so equal
//! CIDs, and `rdx store get` shows them readably.
//!
//! A *tape* is the history tape a run left: the words its lossy operations overwrote. As a blob
//! it is the magic `RDXTAPE1` followed by its entries, oldest first, each three little-endian
//! words: the old word, the tag of the writing statement, the word written.

use crate::error::CoreError;
use rdx_vm::engine::TapeEntry;
use rdx_vm::{Module, Value};
use serde_json::value::RawValue;
use std::collections::BTreeMap;

/// The state of gene `gene` of `module` with parameter values `values`, as canonical bytes.
pub fn encode(module: &Module, gene: usize, values: &[Value]) -> Vec<u8> {
    let params = module.genes.get(gene).map_or(&[][..], |g| &g.params[..]);
    rdx_vm::values::format_state(params, values, module.dialect).into_bytes()
}

/// Reads a state back into the parameter values of gene `gene`: every parameter must be named
/// once, and each value must fit its type.
pub fn decode(module: &Module, gene: usize, bytes: &[u8]) -> Result<Vec<Value>, CoreError> {
    let bad =
        |why: String| CoreError::Usage(format!("not a state of gene `{}`: {why}", gene_name(module, gene)));
    let text = std::str::from_utf8(bytes).map_err(|_| bad("it is not UTF-8 text".into()))?;
    let fields: BTreeMap<String, Box<RawValue>> =
        serde_json::from_str(text).map_err(|e| bad(format!("it is not a JSON object ({e})")))?;
    let params = module.genes.get(gene).map_or(&[][..], |g| &g.params[..]);
    if let Some(p) = params.iter().find(|p| !fields.contains_key(&p.name)) {
        return Err(bad(format!("it has no value for `{}`", p.name)));
    }
    let sets: Vec<(String, String)> = fields.into_iter().map(|(k, v)| (k, v.get().to_string())).collect();
    rdx_vm::values::bind(module, gene, &sets).map_err(|e| bad(e.message))
}

fn gene_name(module: &Module, gene: usize) -> &str {
    module.genes.get(gene).map_or("?", |g| g.name.as_str())
}

const TAPE_MAGIC: &[u8; 8] = b"RDXTAPE1";

/// A history tape as a blob.
pub fn encode_tape(tape: &[TapeEntry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(TAPE_MAGIC.len() + 24 * tape.len());
    out.extend_from_slice(TAPE_MAGIC);
    for e in tape {
        for w in [e.old, e.tag, e.new] {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }
    out
}

/// Reads a tape blob back.
pub fn decode_tape(bytes: &[u8]) -> Result<Vec<TapeEntry>, CoreError> {
    let body = bytes
        .strip_prefix(TAPE_MAGIC)
        .ok_or_else(|| CoreError::Usage("the blob is not a history tape (no RDXTAPE1 header)".into()))?;
    if body.len() % 24 != 0 {
        return Err(CoreError::Usage(format!(
            "the history tape is truncated ({} bytes after the header, not a multiple of 24)",
            body.len()
        )));
    }
    let word = |c: &[u8]| u64::from_le_bytes(c.try_into().expect("8 bytes"));
    Ok(body
        .chunks_exact(24)
        .map(|c| TapeEntry { old: word(&c[..8]), tag: word(&c[8..16]), new: word(&c[16..]) })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(src: &str) -> Module {
        let checked = rdx_lang::parse(src, rdx_lang::ast::Dialect::Rdx)
            .and_then(|p| rdx_lang::check::check(&p, &Default::default()))
            .expect("checks");
        rdx_vm::compile(&checked, "t.rdx", src).expect("compiles")
    }

    #[test]
    fn states_round_trip_and_are_canonical() {
        let m = module("gene g(n: u64, s: i64, a: u64[3], st: stack) { n += 1 }");
        let values = vec![
            Value::Int(7),
            Value::Int(-5i64 as u64),
            Value::Array(vec![1, u64::MAX, 0]),
            Value::Stack(vec![4, 5]),
        ];
        let bytes = encode(&m, 0, &values);
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"n":7,"s":-5,"a":[1,18446744073709551615,0],"st":[4,5]}"#
        );
        assert_eq!(decode(&m, 0, &bytes).unwrap(), values);
        // Field order and spaces do not matter on the way in.
        let loose = br#"{ "st": [4, 5], "a": [1, 18446744073709551615, 0], "s": -5, "n": 7 }"#;
        assert_eq!(decode(&m, 0, loose).unwrap(), values);
    }

    #[test]
    fn bad_states_are_errors() {
        let m = module("gene g(n: u64, a: u64[2]) { n += 1 }");
        for bad in [
            &b"\xff"[..],
            b"[1]",
            br#"{"n":1}"#,
            br#"{"n":1,"a":[1]}"#,
            br#"{"n":-1,"a":[1,2]}"#,
            br#"{"n":1,"a":[1,2],"z":3}"#,
        ] {
            assert!(decode(&m, 0, bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn tapes_round_trip() {
        let tape = vec![TapeEntry { old: 1, tag: 2, new: 3 }, TapeEntry { old: u64::MAX, tag: 0, new: 9 }];
        assert_eq!(decode_tape(&encode_tape(&tape)).unwrap(), tape);
        assert!(decode_tape(b"RDXTAPE1\x00").is_err());
        assert!(decode_tape(b"nope").is_err());
    }
}
