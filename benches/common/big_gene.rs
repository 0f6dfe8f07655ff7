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

/// One line holding one statement.
fn statement(r: &mut Rng, out: &mut String) {
    let (x, y, z) = r.three(U);
    let n = r.below(LEN);
    let k = r.below(1 << 16);
    let _ = match r.below(20) {
        0 | 1 => writeln!(out, "    {x} += {y}"),
        2 => writeln!(out, "    {x} -= {y}"),
        3 => writeln!(out, "    {x} ^= ({y} << 3) + {z}"),
        4 => writeln!(out, "    {x} += ({y} ^ k1) + {k}"),
        5 => writeln!(out, "    {x} -= {y} & {z}"),
        6 => writeln!(out, "    m[{n}] += {y}"),
        7 => writeln!(out, "    m[i] ^= {y} + {z}"),
        8 => writeln!(out, "    {x} += m[{n}]"),
        9 => writeln!(out, "    {x} <<<= {}", 1 + r.below(63)),
        10 => writeln!(out, "    {x} >>>= R"),
        11 => writeln!(out, "    swap {x}, {y}"),
        12 => writeln!(out, "    {x} *= {}", 2 * r.below(1000) + 1),
        13 => writeln!(out, "    {x} ^= {x} << {}", 1 + r.below(63)),
        14 => writeln!(out, "    {x} ^= ({y} >> 7) | (k2 & {z})"),
        15 => writeln!(out, "    m[{n}] ^= ({x} + {y}) >> 2"),
        16 => {
            let (s, t) = r.two(S);
            writeln!(out, "    {s} += {t} * 3 - {k}")
        }
        17 => writeln!(out, "    {x} ^= k2"),
        18 => writeln!(out, "    neg {x}"),
        _ => writeln!(out, "    {x} += {y} * {z} + m[{n}]"),
    };
}
