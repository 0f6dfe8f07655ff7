//! Content IDs: the blake3 hash of a blob's bytes, written as 64 lowercase hex digits.

use crate::error::CoreError;
use std::fmt;

/// The content ID of some bytes: their blake3 hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cid(pub [u8; 32]);

impl Cid {
    /// Shortest prefix a command accepts in place of a whole CID, in hex digits.
    pub const MIN_PREFIX: usize = 8;

    /// The CID of `bytes`.
    pub fn of(bytes: &[u8]) -> Cid {
        Cid(*blake3::hash(bytes).as_bytes())
    }

    /// 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(64);
        for b in self.0 {
            out.push(DIGITS[usize::from(b >> 4)] as char);
            out.push(DIGITS[usize::from(b & 15)] as char);
        }
        out
    }

    /// Parses a whole CID (64 hex digits, either case).
    pub fn parse(text: &str) -> Result<Cid, CoreError> {
        let t = text.trim();
        if t.len() != 64 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(CoreError::BadCid { text: t.to_string(), why: "a CID is 64 hex digits".into() });
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&t[2 * i..2 * i + 2], 16).expect("checked hex");
        }
        Ok(Cid(out))
    }

    /// Checks that `text` can name a CID: 8 to 64 hex digits. Returns it lowercased.
    pub fn check_prefix(text: &str) -> Result<String, CoreError> {
        let t = text.trim();
        if !t.bytes().all(|b| b.is_ascii_hexdigit()) || t.is_empty() {
            return Err(CoreError::BadCid {
                text: t.to_string(),
                why: "a CID is written in hex digits".into(),
            });
        }
        if t.len() < Self::MIN_PREFIX || t.len() > 64 {
            return Err(CoreError::BadCid {
                text: t.to_string(),
                why: format!("give between {} and 64 hex digits", Self::MIN_PREFIX),
            });
        }
        Ok(t.to_ascii_lowercase())
    }
}

impl fmt::Display for Cid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Cid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cid({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let c = Cid::of(b"hello");
        assert_eq!(c.to_hex(), blake3::hash(b"hello").to_hex().to_string());
        assert_eq!(Cid::parse(&c.to_hex()).unwrap(), c);
        assert_eq!(Cid::parse(&c.to_hex().to_uppercase()).unwrap(), c);
        assert!(Cid::parse("xyz").is_err());
        assert!(Cid::parse(&"g".repeat(64)).is_err());
        assert!(Cid::check_prefix("abc").is_err());
        assert!(Cid::check_prefix("abcdef0g").is_err());
        assert_eq!(Cid::check_prefix("ABCDEF01").unwrap(), "abcdef01");
    }
}
