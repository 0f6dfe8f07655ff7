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
/// E03xx: reversibility rules. E04xx: constants and operands. E09xx: limits. Wxxxx: warnings
/// (the program still checks).
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
    Code {
        code: "E0201",
        title: "unknown name",
        explanation: "A variable, array or stack is used that is neither a parameter of the gene, a local in scope, nor a `const`.",
    },
    Code {
        code: "E0202",
        title: "unknown gene",
        explanation: "`call` or `uncall` names a gene that the program does not define.",
    },
    Code {
        code: "E0203",
        title: "duplicate gene",
        explanation: "Two genes have the same name; calls would be ambiguous.",
    },
    Code {
        code: "E0204",
        title: "duplicate name",
        explanation: "A parameter, local or constant reuses a name that is already in scope (another parameter, an enclosing local, or a `const`). rdx has no shadowing, so every name denotes one location.",
    },
    Code {
        code: "E0205",
        title: "wrong number of arguments",
        explanation: "A call passes more or fewer arguments than the gene declares parameters.",
    },
    Code {
        code: "E0206",
        title: "argument type mismatch",
        explanation: "A call passes a variable whose type differs from the parameter's. Arguments are passed by reference, so the types must be equal (`u64` and `i64` are different types; arrays must have the same length).",
    },
    Code {
        code: "E0207",
        title: "indexing a non-array",
        explanation: "`x[e]` is written where `x` is a scalar, a stack or a constant; only arrays can be indexed.",
    },
    Code {
        code: "E0208",
        title: "array or stack used as a number",
        explanation: "A whole array or stack appears where a 64-bit value is needed: in arithmetic, as the target of an update, or in `swap`. Index the array (`a[i]`) or use `top(s)`.",
    },
    Code {
        code: "E0209",
        title: "stack operation on a non-stack",
        explanation: "`push`, `pop`, `empty(...)` or `top(...)` names something that is not a `stack`.",
    },
    Code {
        code: "E0210",
        title: "size of a scalar",
        explanation: "`size(x)` is only defined for arrays and stacks.",
    },
    Code {
        code: "E0211",
        title: "delocal type differs",
        explanation: "`delocal x: T = e` names a type that differs from the type its `local` declared.",
    },
    Code {
        code: "E0212",
        title: "misuse of nil",
        explanation: "`nil` is the empty stack: it is the only value a `stack` ancilla can start or end with, and it cannot appear anywhere else.",
    },
    Code {
        code: "E0213",
        title: "constant used as a location",
        explanation: "A `const` is updated or passed to a call; constants are values, not locations.",
    },
    Code {
        code: "E0214",
        title: "float buffer used as a number",
        explanation: "An `f64[N]` or `c64[N]` array is a buffer for kernels: it may only be passed to genes (`call g(buf)`) and kernels (`kernel fft(buf)`). Indexing it, taking its `size`, updating its elements or opening it as a local with a value other than `0` is an error.",
    },
    Code {
        code: "E0215",
        title: "unknown kernel",
        explanation: "`kernel NAME(buf)` names a kernel that is not loaded: neither a stdlib kernel nor one from a `--kernel FILE.wasm`. `rdx kernels` lists the available ones.",
    },
    Code {
        code: "E0216",
        title: "kernel buffer has the wrong type",
        explanation: "The buffer passed to a kernel must be an array of the kernel's element type (`fft` needs `c64[N]`, `wht` needs `f64[N]`, `haar` needs `i64[N]`, `gray` needs `u64[N]`); a scalar, a stack, a constant or an array of another element type is an error.",
    },
    Code {
        code: "E0301",
        title: "updated location in its own expression",
        explanation: "An update `x += e` (also `-=`, `^=`, a rotation amount, or a `delocal` value) mentions the location it changes. The old value could not be recovered going backward: `x -= x` always gives 0. For arrays, `a[i] += a[i]` with the same index is rejected statically; different index expressions that happen to be equal at run time are a run-time error.",
    },
    Code {
        code: "E0302",
        title: "swap of a location with itself",
        explanation: "`swap x, x` (or `swap a[i], a[i]`) names the same location twice.",
    },
    Code {
        code: "E0303",
        title: "argument passed twice",
        explanation: "The same variable is passed twice to one call. Parameters are references, so the callee would see two names for one location and reversibility could not be guaranteed.",
    },
    Code {
        code: "E0304",
        title: "local without delocal",
        explanation: "A `local` has no matching `delocal` later in the same block. Every ancilla must be returned to a known value before its block ends.",
    },
    Code {
        code: "E0305",
        title: "delocal without local",
        explanation: "A `delocal` names a variable that no `local` of the same block opened (or that is already delocalled).",
    },
    Code {
        code: "E0306",
        title: "lossy operation in strict mode",
        explanation: "`:=` and `erase` destroy information (invariant I1); `--strict` rejects them.",
    },
    Code {
        code: "E0307",
        title: "delocal out of order",
        explanation: "Locals of one block must be closed in the reverse order they were opened (last opened, first delocalled), so that the block read backward opens them again in order.",
    },
    Code {
        code: "E0308",
        title: "index depends on the updated array",
        explanation: "The index of an updated element mentions the array being changed (`a[a[0]] += 1`, `swap a[b[0]], b[1]`): the update could move its own index, so going backward would address a different element.",
    },
    Code {
        code: "E0401",
        title: "multiplier is not constant",
        explanation: "`x *= c` needs `c` to be a constant expression (literals and `const`s); its inverse `x *= c⁻¹` is computed at compile time.",
    },
    Code {
        code: "E0402",
        title: "even multiplier",
        explanation: "`x *= c` with an even `c` loses the top bit(s) of `x` and has no inverse modulo 2⁶⁴. Use an odd constant.",
    },
    Code {
        code: "E0403",
        title: "shift amount is not constant",
        explanation: "An xorshift step `x ^= x << c` / `x ^= x >> c` needs a constant `c`.",
    },
    Code {
        code: "E0404",
        title: "shift amount out of range",
        explanation: "An xorshift step needs its constant in 1..=63: a shift of 0 gives `x ^= x` (always 0) and a shift of 64 or more shifts everything out.",
    },
    Code {
        code: "E0405",
        title: "constant does not fold",
        explanation: "A `const` value (or a multiplier / shift amount) must be computable at compile time from literals and earlier constants; it uses a variable, a builtin, `nil`, or a shift by 64 or more.",
    },
    Code {
        code: "E0406",
        title: "unknown constant",
        explanation: "A `const` definition refers to a name that is not a constant defined before it.",
    },
    Code {
        code: "E0407",
        title: "division by zero in a constant",
        explanation: "Folding a constant expression divides by zero.",
    },
    Code { code: "E0408", title: "array of length 0", explanation: "Array types need at least one element." },
    Code {
        code: "E0901",
        title: "limit exceeded",
        explanation: "The program exceeds a checker limit: an array longer than 16,777,216 elements, or statements/expressions nested deeper than 600 levels (possible only in trees built by other front ends; the parser stops earlier).",
    },
    Code {
        code: "W0301",
        title: "loop entry assertion never becomes false",
        explanation: "Warning. Neither the body nor the `loop` block of a `from` loop changes a variable its entry assertion reads (or the assertion reads none), so the assertion still holds when the loop comes round and a loop that runs a second time stops with a run-time error.",
    },
];

/// Looks a code up.
pub fn lookup(code: &str) -> Option<&'static Code> {
    CODES.iter().find(|c| c.code == code)
}
