//! A generator of large, realistic straight-line genes: the workload of the assembler
//! benchmark (`benches/asm.rs`).
//!
//! [`big_gene`] writes one gene of a given number of lines: a few parameters (unsigned and
//! signed scalars, an array), a few locals opened at the top and closed at the bottom, and in
//! between a deterministic pseudo-random mix of the statements real code is made of: updates by
//! variables, constants, array elements and expressions, rotations, xorshift steps, swaps,
//! multiplications, negations, element updates, and now and then a small `if … fi`. Every
//! statement obeys the reversibility rules, so the gene passes the checker.

use std::fmt::Write;

/// Unsigned scalar parameters.
const U: &[&str] = &["a", "b", "c", "d", "e", "f"];
/// Signed scalar parameters.
const S: &[&str] = &["s", "t"];
/// Length of the array parameter `m`.
const LEN: u64 = 64;

/// splitmix64: a small deterministic generator, so every run benchmarks the same text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len() as u64) as usize]
    }

    /// Two different names.
    fn two<'a>(&mut self, from: &[&'a str]) -> (&'a str, &'a str) {
        let i = self.below(from.len() as u64) as usize;
        let j = (i + 1 + self.below(from.len() as u64 - 1) as usize) % from.len();
        (from[i], from[j])
    }

    /// Three different names.
    fn three<'a>(&mut self, from: &[&'a str]) -> (&'a str, &'a str, &'a str) {
        let (x, y) = self.two(from);
        let rest: Vec<&str> = from.iter().copied().filter(|n| *n != x && *n != y).collect();
        (x, y, self.pick(&rest))
    }
}

/// The source of a program with one gene `big` of exactly `lines` lines (at least 20).
pub fn big_gene(lines: usize) -> String {
    let lines = lines.max(20);
    let mut out = String::with_capacity(lines * 24);
    let mut r = Rng(0x5eed);
    let header = [
        "// A generated straight-line gene: the assembler benchmark's workload.",
        "const R = 13",
        "const K = 0x9e3779b97f4a7c15",
        "gene big(a: u64, b: u64, c: u64, d: u64, e: u64, f: u64, s: i64, t: i64, m: u64[64]) {",
        "    local k1: u64 = K",
        "    local k2: u64 = 0x6a09e667f3bcc908",
        "    local i: u64 = 7",
    ];
    let footer = ["    delocal i = 7", "    delocal k2 = 0x6a09e667f3bcc908", "    delocal k1 = K", "}"];
    for h in header {
        out.push_str(h);
        out.push('\n');
    }
    let mut left = lines - header.len() - footer.len();
    while left > 0 {
        if left >= 3 && r.below(40) == 0 {
            // A small conditional whose exit assertion repeats the condition.
            let (x, y, z) = r.three(U);
            let k = r.below(1000);
            let _ = writeln!(out, "    if {x} > {k} {{\n        {y} += {z}\n    }} fi {x} > {k}");
            left -= 3;
            continue;
        }
        if r.below(500) == 0 {
            let _ = writeln!(out, "    // mixing step {}", r.below(1 << 20));
            left -= 1;
            continue;
        }
        statement(&mut r, &mut out);
        left -= 1;
    }
    for f in footer {
        out.push_str(f);
        out.push('\n');
    }
    out
}

/// One line holding one statement over the scalars `U`.
fn statement(r: &mut Rng, out: &mut String) {
    statement_over(r, out, U, "    ");
}

/// One line holding one statement that updates only names of `pool` (at least three), `m`
/// and the signed scalars, indented by `ind`.
fn statement_over(r: &mut Rng, out: &mut String, pool: &[&str], ind: &str) {
    let (x, y, z) = r.three(pool);
    out.push_str(ind);
    let n = r.below(LEN);
    let k = r.below(1 << 16);
    let _ = match r.below(20) {
        0 | 1 => writeln!(out, "{x} += {y}"),
        2 => writeln!(out, "{x} -= {y}"),
        3 => writeln!(out, "{x} ^= ({y} << 3) + {z}"),
        4 => writeln!(out, "{x} += ({y} ^ k1) + {k}"),
        5 => writeln!(out, "{x} -= {y} & {z}"),
        6 => writeln!(out, "m[{n}] += {y}"),
        7 => writeln!(out, "m[i] ^= {y} + {z}"),
        8 => writeln!(out, "{x} += m[{n}]"),
        9 => writeln!(out, "{x} <<<= {}", 1 + r.below(63)),
        10 => writeln!(out, "{x} >>>= R"),
        11 => writeln!(out, "swap {x}, {y}"),
        12 => writeln!(out, "{x} *= {}", 2 * r.below(1000) + 1),
        13 => writeln!(out, "{x} ^= {x} << {}", 1 + r.below(63)),
        14 => writeln!(out, "{x} ^= ({y} >> 7) | (k2 & {z})"),
        15 => writeln!(out, "m[{n}] ^= ({x} + {y}) >> 2"),
        16 => {
            let (s, t) = r.two(S);
            writeln!(out, "{s} += {t} * 3 - {k}")
        }
        17 => writeln!(out, "{x} ^= k2"),
        18 => writeln!(out, "neg {x}"),
        _ => writeln!(out, "{x} += {y} * {z} + m[{n}]"),
    };
}

/// The source of a program of exactly `lines` lines (at least 40) whose gene `big` has
/// control flow throughout: counted loops (some nested) whose bodies index the array by the
/// loop counter, `if … else … fi` blocks, calls and uncalls of two small genes, between runs
/// of the straight-line statements of [`big_gene`].
pub fn structured_gene(lines: usize) -> String {
    let lines = lines.max(40);
    let mut out = String::with_capacity(lines * 24);
    let mut r = Rng(0x10f5);
    let header = [
        "// A generated gene with loops, branches, calls and arrays: an assembler benchmark workload.",
        "const R = 13",
        "const K = 0x9e3779b97f4a7c15",
        "gene mix(x: u64, y: u64, v: u64[64]) {",
        "    x += y * 3",
        "    y ^= x >> 5",
        "    v[y & 63] += x",
        "    x <<<= 7",
        "}",
        "gene step(x: u64, y: u64) {",
        "    if x > y {",
        "        x -= y",
        "    } else {",
        "        y += x + 1",
        "    } fi x > y",
        "}",
        "gene big(a: u64, b: u64, c: u64, d: u64, e: u64, f: u64, s: i64, t: i64, m: u64[64]) {",
        "    local k1: u64 = K",
        "    local k2: u64 = 0x6a09e667f3bcc908",
        "    local i: u64 = 7",
    ];
    let footer = ["    delocal i = 7", "    delocal k2 = 0x6a09e667f3bcc908", "    delocal k1 = K", "}"];
    for h in header {
        out.push_str(h);
        out.push('\n');
    }
    let mut left = lines - header.len() - footer.len();
    while left > 0 {
        let used = match r.below(10) {
            0 | 1 if left >= 16 => counted_loop(&mut r, &mut out),
            2 if left >= 12 => branch(&mut r, &mut out),
            3 => {
                let (x, y) = r.two(U);
                let verb = if r.below(3) == 0 { "uncall" } else { "call" };
                let _ = if r.below(2) == 0 {
                    writeln!(out, "    {verb} mix({x}, {y}, m)")
                } else {
                    writeln!(out, "    {verb} step({x}, {y})")
                };
                1
            }
            _ => {
                statement(&mut r, &mut out);
                1
            }
        };
        left -= used;
    }
    for f in footer {
        out.push_str(f);
        out.push('\n');
    }
    out
}

/// A counted loop over `m` (sometimes with a loop nested in it); returns its line count (at
/// most 16).
fn counted_loop(r: &mut Rng, out: &mut String) -> usize {
    let n = 2 + r.below(62);
    let _ = writeln!(out, "    local j: u64 = 0\n    from j == 0 do {{");
    let mut used = 2;
    for _ in 0..1 + r.below(4) {
        let (x, y, z) = r.three(U);
        let _ = match r.below(4) {
            0 => writeln!(out, "        m[j] += {x} ^ {y}"),
            1 => writeln!(out, "        {x} += m[j] * {}", 2 * r.below(100) + 1),
            2 => writeln!(out, "        {x} ^= m[(j + {}) & 63] + {y}", r.below(64)),
            _ => writeln!(out, "        {x} -= {y} & {z}"),
        };
        used += 1;
    }
    if r.below(4) == 0 {
        let (x, y) = r.two(U);
        let _ = writeln!(
            out,
            "        local h: u64 = 0\n        from h == 0 do {{\n            {x} += m[h] + {y}\n            h += 1\n        }} until h == 8\n        delocal h = 8"
        );
        used += 6;
    } else {
        statement_over(r, out, U, "        ");
        used += 1;
    }
    let _ = writeln!(out, "        j += 1\n    }} until j == {n}\n    delocal j = {n}");
    used + 3
}

/// An `if … else … fi` on one scalar whose branches leave it alone; returns its line count
/// (at most 12).
fn branch(r: &mut Rng, out: &mut String) -> usize {
    let c = r.pick(U);
    let rest: Vec<&str> = U.iter().copied().filter(|n| *n != c).collect();
    let k = r.below(1 << 12);
    let op = ["<", ">", "==", "!=", "<="][r.below(5) as usize];
    let _ = writeln!(out, "    if {c} {op} {k} {{");
    let mut used = 1;
    for _ in 0..1 + r.below(4) {
        statement_over(r, out, &rest, "        ");
        used += 1;
    }
    out.push_str("    } else {\n");
    used += 1;
    for _ in 0..1 + r.below(4) {
        statement_over(r, out, &rest, "        ");
        used += 1;
    }
    let _ = writeln!(out, "    }} fi {c} {op} {k}");
    used + 1
}

/// The source of a Janus program of exactly `lines` lines (at least 40): a procedure `big`
/// over six integers and an array, made of updates (`+= -= ^=` by variables, constants,
/// array elements and expressions), swaps, array element updates, counted loops over the
/// array, `if … then … else … fi` blocks and calls of a small procedure, and a `main` that
/// calls it.
pub fn big_janus(lines: usize) -> String {
    let lines = lines.max(40);
    let mut out = String::with_capacity(lines * 24);
    let mut r = Rng(0x1a5);
    let header = [
        "// A generated Janus program: an assembler benchmark workload.",
        "procedure mix(int x, int y, int v[])",
        "    x += y * 3",
        "    y ^= x / 5",
        "    v[2] += x",
        "",
        "procedure big(int a, int b, int c, int d, int e, int f, int m[])",
        "    local int k = 40503",
    ];
    let footer = [
        "    delocal int k = 40503",
        "",
        "procedure main()",
        "    int a",
        "    int b",
        "    int c",
        "    int d",
        "    int e",
        "    int f",
        "    int m[64]",
        "    call big(a, b, c, d, e, f, m)",
    ];
    for h in header {
        out.push_str(h);
        out.push('\n');
    }
    let mut left = lines - header.len() - footer.len();
    while left > 0 {
        let used = match r.below(10) {
            0 if left >= 8 => {
                let n = 2 + r.below(62);
                let (x, y) = r.two(U);
                let _ = writeln!(
                    out,
                    "    local int j = 0\n    from j = 0 do\n        m[j] += {x} & {y}\n        {y} -= m[j] % 7\n        j += 1\n    until j = {n}\n    delocal int j = {n}"
                );
                7
            }
            1 if left >= 8 => {
                let c = r.pick(U);
                let rest: Vec<&str> = U.iter().copied().filter(|n| *n != c).collect();
                let k = r.below(1 << 12);
                let _ = writeln!(out, "    if {c} < {k} then");
                janus_statement(&mut r, &mut out, &rest, "        ");
                janus_statement(&mut r, &mut out, &rest, "        ");
                out.push_str("    else\n");
                janus_statement(&mut r, &mut out, &rest, "        ");
                janus_statement(&mut r, &mut out, &rest, "        ");
                let _ = writeln!(out, "    fi {c} < {k}");
                7
            }
            2 => {
                let (x, y) = r.two(U);
                let verb = if r.below(3) == 0 { "uncall" } else { "call" };
                let _ = writeln!(out, "    {verb} mix({x}, {y}, m)");
                1
            }
            _ => {
                janus_statement(&mut r, &mut out, U, "    ");
                1
            }
        };
        left -= used;
    }
    for f in footer {
        out.push_str(f);
        out.push('\n');
    }
    out
}

/// One line holding one Janus statement that updates only names of `pool` (at least three)
/// and `m`, indented by `ind`.
fn janus_statement(r: &mut Rng, out: &mut String, pool: &[&str], ind: &str) {
    let (x, y, z) = r.three(pool);
    let n = r.below(LEN);
    let k = r.below(1 << 16);
    out.push_str(ind);
    let _ = match r.below(12) {
        0 | 1 => writeln!(out, "{x} += {y}"),
        2 => writeln!(out, "{x} -= {y}"),
        3 => writeln!(out, "{x} ^= ({y} * 8) + {z}"),
        4 => writeln!(out, "{x} += ({y} ^ k) + {k}"),
        5 => writeln!(out, "{x} -= {y} & {z}"),
        6 => writeln!(out, "m[{n}] += {y}"),
        7 => writeln!(out, "{x} += m[{n}] / 3"),
        8 => writeln!(out, "{x} <=> {y}"),
        9 => writeln!(out, "m[{n}] ^= ({x} + {y}) % 1000"),
        10 => writeln!(out, "{x} ^= {y} * {z} - m[{n}]"),
        _ => writeln!(out, "{x} += {y} / ({z} | 1)"),
    };
}
