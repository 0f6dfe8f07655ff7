//! The catalogue of diagnostic codes: one row per code, with a title and an explanation.
//!
//! `spec/` has one section per code and `tests/ui/` one failing program per code; a test checks
//! that all three agree.

/// One diagnostic code.
pub struct Code {
    pub code: &'static str,
    pub title: &'static str,
    pub explanation: &'static str,
}

/// Every code the front end can emit, sorted. E01xx: syntax. E02xx: names and types.
/// E03xx: reversibility rules. E04xx: constants and operands. E09xx: limits.
pub const CODES: &[Code] = &[
    Code {
        code: "E0101",
        title: "unexpected token",
        explanation: "The parser found a token that cannot appear here.",
    },
    Code {
        code: "E0102",
        title: "unexpected end of file",
        explanation: "The program ends in the middle of a declaration or statement.",
    },
    Code {
        code: "E0103",
        title: "invalid character",
        explanation: "The text contains a character or byte sequence that is not part of any token.",
    },
    Code {
        code: "E0104",
        title: "integer literal out of range",
        explanation: "An integer literal does not fit in 64 bits.",
    },
    Code {
        code: "E0105",
        title: "nesting too deep",
        explanation: "Blocks, brackets or parentheses are nested deeper than the limit (256).",
    },
    Code {
        code: "E0106",
        title: "unterminated comment or string",
        explanation: "A block comment or string literal is not closed before the end of the file.",
    },
    Code {
        code: "E0107",
        title: "malformed integer literal",
        explanation: "A number has a digit its base does not allow (`0b12`, `12ab`) or no digits at all (`0x`).",
    },
];

/// Looks a code up.
pub fn lookup(code: &str) -> Option<&'static Code> {
    CODES.iter().find(|c| c.code == code)
}
