//! The tokens of rdx source text, recognised by a logos-generated lexer.
//!
//! Whitespace and comments are skipped here. Integer literals and strings are decoded by
//! callbacks, so a malformed literal becomes a [`LexError`] with its own diagnostic code rather
//! than a confusing parse error later. The names `empty`, `top` and `size` are ordinary
//! identifiers: they are built-in functions only when followed by `(` (see the grammar), so they
//! stay usable as variable names.

use logos::{Lexer, Logos, Skip};

/// Why a piece of text is not a token.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum LexError {
    /// A character that starts no token (E0103).
    #[default]
    Invalid,
    /// An integer literal that does not fit in 64 bits (E0104).
    IntOverflow,
    /// A number with a bad digit or no digits, e.g. `0b12`, `0x`, `12ab` (E0107).
    MalformedInt(String),
    /// A `/*` comment with no `*/` (E0106).
    UnterminatedComment,
    /// A string literal with no closing quote (E0106); holds the text read so far.
    UnterminatedString(String),
    /// A bad escape sequence inside a string (E0103), e.g. `\q`.
    BadEscape(String),
}

/// One token. Keywords are reserved; `Ident` borrows its text from the source.
#[derive(Logos, Clone, Debug, PartialEq, Eq)]
#[logos(error(LexError, LexError::from_lexer))]
#[logos(skip r"[ \t\r\n\f\u{FEFF}]+")]
#[logos(skip(r"//[^\n]*", allow_greedy = true))]
pub enum Token<'s> {
    /// Never produced: its callback skips the whole `/* … */` comment (or reports E0106).
    #[token("/*", block_comment)]
    BlockComment,

    #[token("const")]
    Const,
    #[token("gene")]
    Gene,
    #[token("u64")]
    U64,
    #[token("i64")]
    I64,
    #[token("u8")]
    U8,
    #[token("u16")]
    U16,
    #[token("u32")]
    U32,
    #[token("i8")]
    I8,
    #[token("i16")]
    I16,
    #[token("i32")]
    I32,
    #[token("f64")]
    F64,
    #[token("c64")]
    C64,
    #[token("stack")]
    Stack,
    #[token("kernel")]
    Kernel,
    #[token("if")]
    If,
    #[token("else")]
    Else,
    #[token("fi")]
    Fi,
    #[token("from")]
    From,
    #[token("do")]
    Do,
    #[token("loop")]
    Loop,
    #[token("until")]
    Until,
    #[token("call")]
    Call,
    #[token("uncall")]
    Uncall,
    #[token("local")]
    Local,
    #[token("delocal")]
    Delocal,
    #[token("push")]
    Push,
    #[token("pop")]
    Pop,
    #[token("assert")]
    Assert,
    #[token("skip")]
    Skip,
    #[token("erase")]
    Erase,
    #[token("undo")]
    Undo,
    #[token("error")]
    Error,
    #[token("print")]
    Print,
    #[token("printf")]
    Printf,
    #[token("show")]
    Show,
    #[token("neg")]
    Neg,
    #[token("not")]
    Not,
    #[token("swap")]
    Swap,
    #[token("nil")]
    Nil,

    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token(";")]
    Semi,
    #[token("=")]
    Assign,

    #[token("+=")]
    AddAssign,
    #[token("-=")]
    SubAssign,
    #[token("^=")]
    XorAssign,
    #[token("*=")]
    MulAssign,
    #[token("<<<=")]
    RotlAssign,
    #[token(">>>=")]
    RotrAssign,
    #[token(":=")]
    ColonAssign,

    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("<<")]
    Shl,
    /// `<<<` outside `<<<=`: no operator, lexed whole so the error names it (and hints at
    /// the update).
    #[token("<<<")]
    Rotl,
    /// `>>>` outside `>>>=` (see [`Token::Rotl`]).
    #[token(">>>")]
    Rotr,
    #[token(">>")]
    Shr,
    #[token("&")]
    Amp,
    #[token("^")]
    Caret,
    #[token("|")]
    Pipe,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("&&")]
    AndAnd,
    #[token("||")]
    OrOr,
    #[token("~")]
    Tilde,
    #[token("!")]
    Bang,

    /// An integer literal, already checked to fit in 64 bits.
    #[regex(r"[0-9][0-9A-Za-z_]*", int_literal)]
    Int(u64),

    #[regex(r"[A-Za-z_][A-Za-z0-9_]*", |lex| lex.slice())]
    Ident(&'s str),

    /// A string literal with its escapes decoded.
    #[token("\"", string_literal)]
    Str(String),
}

impl LexError {
    fn from_lexer<'s>(_lex: &mut Lexer<'s, Token<'s>>) -> LexError {
        LexError::Invalid
    }
}

/// Skips a `/* … */` comment (not nested).
fn block_comment<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Result<Skip, LexError> {
    match lex.remainder().find("*/") {
        Some(end) => {
            lex.bump(end + 2);
            Ok(Skip)
        }
        None => {
            lex.bump(lex.remainder().len());
            Err(LexError::UnterminatedComment)
        }
    }
}

/// Decodes a decimal, `0x` or `0b` literal with `_` separators.
fn int_literal<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Result<u64, LexError> {
    parse_int(lex.slice())
}

/// Parses the text of an integer literal (as matched by the lexer) into a `u64`.
pub fn parse_int(text: &str) -> Result<u64, LexError> {
    let (digits, radix, what) = if let Some(rest) = text.strip_prefix("0x").or(text.strip_prefix("0X")) {
        (rest, 16, "hexadecimal")
    } else if let Some(rest) = text.strip_prefix("0b").or(text.strip_prefix("0B")) {
        (rest, 2, "binary")
    } else {
        (text, 10, "decimal")
    };
    let mut value: u64 = 0;
    let mut any = false;
    let mut overflow = false;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let Some(d) = c.to_digit(radix) else {
            return Err(LexError::MalformedInt(format!("`{c}` is not a {what} digit")));
        };
        any = true;
        match value.checked_mul(u64::from(radix)).and_then(|v| v.checked_add(u64::from(d))) {
            Some(v) => value = v,
            None => overflow = true,
        }
    }
    if !any {
        return Err(LexError::MalformedInt(format!("the {what} literal has no digits")));
    }
    if overflow {
        return Err(LexError::IntOverflow);
    }
    Ok(value)
}

/// Reads a string literal after its opening quote, decoding `\\ \" \n \t \r \0 \u{…}`.
fn string_literal<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Result<String, LexError> {
    let rest = lex.remainder();
    let mut out = String::new();
    let mut chars = rest.char_indices();
    let mut bad: Option<String> = None;
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                lex.bump(i + 1);
                return match bad {
                    Some(msg) => Err(LexError::BadEscape(msg)),
                    None => Ok(out),
                };
            }
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, '0')) => out.push('\0'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, '"')) => out.push('"'),
                Some((_, 'u')) => match unicode_escape(&mut chars) {
                    Some(ch) => out.push(ch),
                    None => {
                        bad.get_or_insert_with(|| "invalid `\\u{…}` escape in a string".to_string());
                    }
                },
                Some((_, other)) => {
                    bad.get_or_insert_with(|| format!("unknown escape `\\{other}` in a string"));
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    lex.bump(rest.len());
    Err(LexError::UnterminatedString(out))
}

/// Reads `{hex}` after `\u`; at most 6 hex digits naming a Unicode scalar value.
fn unicode_escape(chars: &mut std::str::CharIndices<'_>) -> Option<char> {
    if chars.clone().next().map(|(_, c)| c) != Some('{') {
        return None;
    }
    chars.next();
    let mut value: u32 = 0;
    let mut n = 0;
    loop {
        let (_, c) = chars.clone().next()?;
        if c == '}' {
            chars.next();
            break;
        }
        let d = c.to_digit(16)?;
        chars.next();
        n += 1;
        if n > 6 {
            return None;
        }
        value = value * 16 + d;
    }
    if n == 0 {
        return None;
    }
    char::from_u32(value)
}

impl Token<'_> {
    /// How the token is described to a user in an error message, e.g. "`+=`" or "name `x`".
    pub fn describe(&self) -> String {
        match self {
            Token::Int(n) => format!("integer `{n}`"),
            Token::Ident(s) => format!("name `{s}`"),
            Token::Str(_) => "a string".to_string(),
            Token::BlockComment => "a comment".to_string(),
            other => match other.text() {
                Some(t) if t.chars().all(|c| c.is_ascii_alphabetic()) => format!("keyword `{t}`"),
                Some(t) => format!("`{t}`"),
                None => "a token".to_string(),
            },
        }
    }

    /// The fixed spelling of a keyword or punctuation token.
    pub fn text(&self) -> Option<&'static str> {
        use Token::*;
        Some(match self {
            Const => "const",
            Gene => "gene",
            U64 => "u64",
            I64 => "i64",
            U8 => "u8",
            U16 => "u16",
            U32 => "u32",
            I8 => "i8",
            I16 => "i16",
            I32 => "i32",
            F64 => "f64",
            C64 => "c64",
            Stack => "stack",
            Kernel => "kernel",
            If => "if",
            Else => "else",
            Fi => "fi",
            From => "from",
            Do => "do",
            Loop => "loop",
            Until => "until",
            Call => "call",
            Uncall => "uncall",
            Local => "local",
            Delocal => "delocal",
            Push => "push",
            Pop => "pop",
            Assert => "assert",
            Skip => "skip",
            Erase => "erase",
            Undo => "undo",
            Error => "error",
            Print => "print",
            Printf => "printf",
            Show => "show",
            Neg => "neg",
            Not => "not",
            Swap => "swap",
            Nil => "nil",
            LParen => "(",
            RParen => ")",
            LBrace => "{",
            RBrace => "}",
            LBracket => "[",
            RBracket => "]",
            Comma => ",",
            Colon => ":",
            Semi => ";",
            Assign => "=",
            AddAssign => "+=",
            SubAssign => "-=",
            XorAssign => "^=",
            MulAssign => "*=",
            RotlAssign => "<<<=",
            RotrAssign => ">>>=",
            ColonAssign => ":=",
            Plus => "+",
            Minus => "-",
            Star => "*",
            Slash => "/",
            Percent => "%",
            Shl => "<<",
            Shr => ">>",
            Rotl => "<<<",
            Rotr => ">>>",
            Amp => "&",
            Caret => "^",
            Pipe => "|",
            EqEq => "==",
            NotEq => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            AndAnd => "&&",
            OrOr => "||",
            Tilde => "~",
            Bang => "!",
            BlockComment | Int(_) | Ident(_) | Str(_) => return None,
        })
    }
}

/// The reserved words of rdx: never valid as names.
pub const KEYWORDS: &[&str] = &[
    "const", "gene", "u64", "i64", "stack", "if", "else", "fi", "from", "do", "loop", "until", "call",
    "uncall", "local", "delocal", "push", "pop", "assert", "skip", "erase", "undo", "error", "print",
    "printf", "show", "neg", "not", "swap", "nil", "f64", "c64", "kernel", "u8", "u16", "u32", "i8", "i16",
    "i32",
];

/// Whether `name` is a reserved word.
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}
