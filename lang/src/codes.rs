//! The catalogue of diagnostic codes, declared once.
//!
//! [`for_each_code!`] is the single table of codes: for each one its family (which says where it
//! is documented and tested), its title and its explanation. The [`Code`] enum that every
//! [`crate::diag::Diagnostic`] carries is generated from it, so a code that is not catalogued
//! cannot be emitted: it does not compile.
//!
//! `spec/` documents every code and a test checks that the catalogue and the documentation
//! agree: a section in `spec/diagnostics.md` and a failing program in `tests/ui/` per
//! [`Family::Source`] code, a section in `spec/janus.md` and a program in `tests/janus/` per
//! [`Family::Janus`] code, a section in `spec/diagnostics.md` per [`Family::Internal`] code, and
//! the run-time table of `spec/bytecode.md` (generated from this one, [`markdown_table`]) for
//! [`Family::Run`].

/// Where a code comes from, and so where it is documented and tested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// The rdx front end: syntax, names and types, reversibility rules, constants, limits of the
    /// checker and of the bytecode, warnings. One section in `spec/diagnostics.md` and one
    /// failing program `tests/ui/CODE-name.rdx` each.
    Source,
    /// The Janus front end. One section in `spec/janus.md` and one failing program
    /// `tests/janus/err_*.ja` each.
    Janus,
    /// A bug in rdx, not in the program (no program can show it): a section in
    /// `spec/diagnostics.md`.
    Internal,
    /// A run-time error of an engine: one row of the table in `spec/bytecode.md` §6. The
    /// explanation says when it happens.
    Run,
}

/// The table of codes, sorted: `CODE Family "title" "explanation";` per code. E01xx: syntax.
/// E02xx: names and types. E03xx: reversibility rules. E04xx: constants and operands. E09xx:
/// limits (E0998: internal engine error; E0999: internal compiler error). Wxxxx: warnings (the program still checks).
/// J01xx: Janus. R01xx: run time.
///
/// Calls `$m!` with the whole table.
macro_rules! for_each_code {
    ($m:ident) => {
        $m! {
            // E01xx: syntax
            E0101 Source "unexpected token"
                "The parser found a token that cannot appear here.";
            E0102 Source "unexpected end of file"
                "The program ends in the middle of a declaration or statement.";
            E0103 Source "invalid character"
                "The text contains a character or byte sequence that is not part of any token.";
            E0104 Source "integer literal out of range"
                "An integer literal does not fit in 64 bits.";
            E0105 Source "nesting too deep"
                "Blocks, brackets or parentheses are nested deeper than the limit (256), or an \
                    expression is more than 256 operators deep (a chain `a + b + c + …` counts one level \
                    per operator).";
            E0106 Source "unterminated comment or string"
                "A block comment or string literal is not closed before the end of the file.";
            E0107 Source "malformed integer literal"
                "A number has a digit its base does not allow (`0b12`, `12ab`) or no digits at all (`0x`).";
            // E02xx: names and types
            E0201 Source "unknown name"
                "A variable, array or stack is used that is neither a parameter of the gene, a local in \
                    scope, nor a `const`.";
            E0202 Source "unknown gene"
                "`call` or `uncall` names a gene that the program does not define.";
            E0203 Source "duplicate gene"
                "Two genes have the same name; calls would be ambiguous.";
            E0204 Source "duplicate name"
                "A parameter, local or constant reuses a name that is already in scope (another parameter, \
                    an enclosing local, or a `const`). rdx has no shadowing, so every name denotes one \
                    location.";
            E0205 Source "wrong number of arguments"
                "A call passes more or fewer arguments than the gene declares parameters.";
            E0206 Source "argument type mismatch"
                "A call passes a variable whose type differs from the parameter's. Arguments are passed by \
                    reference, so the types must be equal (`u64` and `i64` are different types; arrays must \
                    have the same length).";
            E0207 Source "indexing a non-array"
                "`x[e]` is written where `x` is a scalar, a stack or a constant; only arrays can be \
                    indexed.";
            E0208 Source "array or stack used as a number"
                "A whole array or stack appears where a 64-bit value is needed: in arithmetic, as the \
                    target of an update, in `swap`, or (in an rdx program) in a `printf` whose directives jana's \
                    rules refuse (`%d` of an array: write `%a`, `%t` for a stack). Index the array \
                    (`a[i]`) or use `top(s)`; print a whole array with `show` or `printf \"%a\"`.";
            E0209 Source "stack operation on a non-stack"
                "`push`, `pop`, `empty(...)` or `top(...)` names something that is not a `stack`.";
            E0210 Source "size of a scalar"
                "`size(x)` is only defined for arrays and stacks.";
            E0211 Source "delocal type differs"
                "`delocal x: T = e` names a type that differs from the type its `local` declared.";
            E0212 Source "misuse of nil"
                "`nil` is the empty stack: it is the only value a `stack` ancilla can start or end with, \
                    and it cannot appear anywhere else.";
            E0213 Source "constant used as a location"
                "A `const` is updated, passed to a call or named in an output statement (`printf`, \
                    `show`); constants are values, not locations.";
            E0214 Source "float buffer used as a number"
                "An `f64[N]` or `c64[N]` array is a buffer for kernels: it may only be passed to genes \
                    (`call g(buf)`) and kernels (`kernel fft(buf)`). Indexing it, taking its `size`, updating \
                    its elements or opening it as a local with a value other than `0` is an error.";
            E0215 Source "unknown kernel"
                "`kernel NAME(buf)` names a kernel that is not loaded: neither a stdlib kernel nor one \
                    from a `--kernel FILE.wasm`. `rdx kernels` lists the available ones.";
            E0216 Source "kernel buffer has the wrong type"
                "The buffer passed to a kernel must be an array of the kernel's element type (`fft` needs \
                    `c64[N]`, `wht` needs `f64[N]`, `haar` needs `i64[N]`, `gray` needs `u64[N]`); a scalar, \
                    a stack, a constant or an array of another element type is an error, and so is an array of a length \
                    the kernel never takes (`fft` and `wht` take powers of two; a kernel may declare a longest \
                    buffer), which would fail every run.";
            E0217 Source "unsupported fixed-width operation"
                "A fixed-width integer (`u8 u16 u32 i8 i16 i32`) is used where its width cannot be kept: \
                    `swap` of two locations of different types (one would receive a value it cannot \
                    hold), or `x ^= x >> c` on a signed fixed-width variable (the logical shift at the \
                    width is only defined for unsigned types).";
            E0218 Source "statement without a circuit"
                "`rdx circuit` compiles a gene over fixed-width parameters to gates; this statement \
                    (or expression) has no circuit: arrays, stacks, lossy operations, kernels, rotations by \
                    a variable, `*=`, loops whose trip count depends on the state, recursion, or arithmetic \
                    other than `+ -` and `*` by a constant. See spec/circuits.md.";
            E0219 Source "no gene"
                "The program declares no gene: there is nothing to run or call, and a bytecode module \
                    holds at least one gene.";
            // E03xx: reversibility rules
            E0301 Source "updated location in its own expression"
                "An update `x += e` (also `-=`, `^=`, a rotation amount, or a `delocal` value) mentions \
                    the location it changes. The old value could not be recovered going backward: `x -= x` \
                    always gives 0. For arrays, `a[i] += a[i]` with the same index is rejected statically; \
                    different index expressions that happen to be equal at run time are a run-time error.";
            E0302 Source "swap of a location with itself"
                "`swap x, x` (or `swap a[i], a[i]`) names the same location twice.";
            E0303 Source "argument passed twice"
                "The same variable is passed twice to one call. Parameters are references, so the callee \
                    would see two names for one location and reversibility could not be guaranteed.";
            E0304 Source "local without delocal"
                "A `local` has no matching `delocal` later in the same block. Every ancilla must be \
                    returned to a known value before its block ends.";
            E0305 Source "delocal without local"
                "A `delocal` names a variable that no `local` of the same block opened (or that is already \
                    delocalled).";
            E0306 Source "lossy operation in strict mode"
                "`:=` and `erase` destroy information (invariant I1); `--strict` rejects them.";
            E0307 Source "delocal out of order"
                "Locals of one block must be closed in the reverse order they were opened (last opened, \
                    first delocalled), so that the block read backward opens them again in order.";
            E0308 Source "index depends on the updated array"
                "The index of an updated element mentions the array being changed (`a[a[0]] += 1`, `swap \
                    a[b[0]], b[1]`): the update could move its own index, so going backward would address a \
                    different element.";
            // E04xx: constants and the operands of mirror opcodes
            E0401 Source "multiplier is not constant"
                "`x *= c` needs `c` to be a constant expression (literals and `const`s); its inverse `x *= \
                    c⁻¹` is computed at compile time.";
            E0402 Source "even multiplier"
                "`x *= c` with an even `c` loses the top bit(s) of `x` and has no inverse modulo 2⁶⁴. Use \
                    an odd constant.";
            E0403 Source "shift amount is not constant"
                "An xorshift step `x ^= x << c` / `x ^= x >> c` needs a constant `c`.";
            E0404 Source "shift amount out of range"
                "An xorshift step needs its constant in 1..=63: a shift of 0 gives `x ^= x` (always 0) and \
                    a shift of 64 or more shifts everything out.";
            E0405 Source "constant does not fold"
                "A `const` value (or a multiplier / shift amount) must be computable at compile time from \
                    literals and earlier constants; it uses a variable, a builtin, `nil`, or a shift by 64 or \
                    more.";
            E0406 Source "unknown constant"
                "A `const` definition refers to a name that is not a constant defined before it.";
            E0407 Source "division by zero in a constant"
                "Folding a constant expression divides by zero.";
            E0408 Source "array of length 0"
                "Array types need at least one element.";
            // E09xx: limits; E0998, E0999: bugs in rdx
            E0901 Source "limit exceeded"
                "The program exceeds a checker limit: an array longer than 16,777,216 elements, or \
                    statements/expressions nested deeper than 600 levels (possible only in trees built by \
                    other front ends; the parser stops earlier).";
            E0902 Source "gene too large for the bytecode"
                "A gene that checks exceeds a limit of the bytecode format (`spec/bytecode.md` §7): more \
                    than 65 535 slots (variables and temporaries), one statement whose expression code needs \
                    more than 65 535 instructions, local arrays that together take more than 2²⁸ words of the \
                    frame, or more than 65 535 arguments in one call or `printf`. `rdx check` reports it too, \
                    since it lowers the program to bytecode.";
            E0998 Internal "internal engine error"
                "An engine failed for a reason of its own, not the program's: the JIT could not compile a \
                    verified module to machine code (Cranelift rejected a generated function, or the host is \
                    not a target it supports), or could not start the thread that runs deep recursion. This \
                    is a bug in rdx or a limit of the host; the interpreter (`--backend interp`) runs the \
                    program.";
            E0999 Internal "internal compiler error"
                "The bytecode compiler met a program that breaks a guarantee of the checker, or produced a \
                    module that its own verifier rejects. This is a bug in rdx, not in the program; please \
                    report it with the program that shows it.";
            // W0xxx: warnings
            W0301 Source "loop entry assertion never becomes false"
                "Warning. Neither the body nor the `loop` block of a `from` loop changes a variable its \
                    entry assertion reads (or the assertion reads none), so the assertion still holds when \
                    the loop comes round and a loop that runs a second time stops with a run-time error.";
            W0302 Source "constant index outside the array"
                "Warning. An index that is a constant (a literal, a `const`, or an expression of them) \
                    is not below the array's length, so the statement fails with R0109 whenever it runs. \
                    It is a warning, not an error, since code that never runs may hold it.";
            // J01xx: the Janus front end
            J0101 Janus "no main procedure"
                "A Janus program runs its parameterless procedure `main`; this file defines none.";
            J0102 Janus "main with parameters"
                "`main` takes no parameters: its variables are declared at the start of its body (`int x`, \
                    `int a[10]`, `stack s`) or at the top level of the file.";
            J0103 Janus "construct of a later jana version"
                "`*=`, `/=`, `**` (beyond a literal exponent 0 ..= 64) and multi-dimensional local arrays \
                    belong to later versions of jana, not to jana 1.0, and rdx does not accept them.";
            J0104 Janus "misplaced or incomplete declaration"
                "Variable declarations are allowed at the top level and at the start of `main` only \
                    (procedures use `local … delocal`), and an array declared there needs a length (or an \
                    initialiser to take it from).";
            J0105 Janus "call of main"
                "`main` is the program's entry point and cannot be called or uncalled.";
            J0106 Janus "integer where a condition is needed"
                "jana keeps conditions apart from integers: `true`, `false`, the comparisons, `!`, `&&`, \
                    `||` and `empty(s)` are conditions; literals, variables, array elements, arithmetic, \
                    `top(s)` and `size(x)` are integers. The logical operators `!`, `&&` and `||` take \
                    conditions, so `!x` or `x && y` with an integer `x` is a type error: compare instead (`x \
                    = 0`, `x != 0`).";
            // R01xx: run-time errors (R0199: an inconsistency of a hand-written module)
            R0101 Run "assertion failed"
                "`assert e` with e = 0, in either direction";
            R0102 Run "fi assertion failed"
                "forward: `fi a` false after the then-branch, or true after the else-branch";
            R0103 Run "if condition failed going backward"
                "backward: the `if` condition disagrees with the branch undone";
            R0104 Run "from entry assertion failed"
                "forward: false on entry, or true when the loop comes around again";
            R0105 Run "until condition failed going backward"
                "backward: false where the loop ended, or true inside the loop";
            R0106 Run "delocal mismatch"
                "`delocal x = e` with x ≠ e (the message gives both values; for an array, the first word \
                    that differs, `u[37]`, counting a `c64` buffer's words); a stack ancilla not empty";
            R0107 Run "pop into a non-zero variable"
                "`pop x, s` with x ≠ 0";
            R0108 Run "empty stack"
                "`pop` or `top` of an empty stack";
            R0109 Run "index out of bounds"
                "the message gives the index and the length";
            R0110 Run "division by zero"
                "`/` or `%` by 0";
            R0111 Run "update target aliases its expression"
                "`a[i] += a[j]` with i = j at run time";
            R0112 Run "recursion too deep"
                "calls nested deeper than the limit (200 000 by default)";
            R0113 Run "integer overflow"
                "Janus arithmetic outside 64 bits: \"Janus integers are unbounded; rdx stops at 64 bits\"; a \
                    `pop x, s` into a fixed-width x (or a `push x, s` undone) whose top of the stack is not a \
                    value of x's type: \"the top of the stack, 300, does not fit in `x: u8`\"";
            R0114 Run "error statement"
                "Janus `error \"…\"` reached";
            R0115 Run "no history for a lossy operation"
                "going backward over `:=`/`erase` without the forward run's tape";
            R0116 Run "bad arguments"
                "an API caller passed values that do not fit the parameters";
            R0117 Run "step limit reached"
                "more instructions than `Limits::max_steps` (unlimited unless an embedder sets it, e.g. \
                    the fuzzer)";
            R0118 Run "kernel call failed"
                "a `kernel` statement failed: unknown kernel, no kernel host, wrong length, a trap, fuel \
                    or memory exhausted, or (checked runs) a broken norm or inverse; the message names the \
                    kernel";
            R0119 Run "run stopped"
                "the embedder stopped the run before it finished, e.g. a remote run (`rdx serve`) over \
                    its time budget";
            R0120 Run "memory limit reached"
                "a stack, the history tape or the printed output grew past the memory limit \
                    (`Limits::max_words`: 2²⁵ words, 256 MiB, by default), e.g. a loop that pushes \
                    without end, or a call's frame with its local arrays would";
            R0199 Run "internal error"
                "an inconsistency a hand-written module can cause and the verifier cannot rule out";
        }
    };
}

macro_rules! define_codes {
    ($( $code:ident $family:ident $title:literal $explanation:literal; )*) => {
        /// A diagnostic code: one row of [`for_each_code!`], documented in `spec/`. It prints
        /// as itself (`E0301`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( #[doc = $title] $code, )*
        }

        impl Code {
            /// Every code, in table order (sorted).
            pub const ALL: &[Code] = &[$( Code::$code ),*];

            /// The code as text: `"E0301"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Code::$code => stringify!($code), )*
                }
            }

            /// A few words naming the problem (the heading of its section in `spec/`).
            pub const fn title(self) -> &'static str {
                match self {
                    $( Code::$code => $title, )*
                }
            }

            /// What the code means (for [`Family::Run`]: when it happens).
            pub const fn explanation(self) -> &'static str {
                match self {
                    $( Code::$code => $explanation, )*
                }
            }

            /// Where the code comes from and is documented.
            pub const fn family(self) -> Family {
                match self {
                    $( Code::$code => Family::$family, )*
                }
            }
        }
    };
}

for_each_code!(define_codes);

impl Code {
    /// The code spelled `text` (`"E0301"`), if it is catalogued.
    pub fn lookup(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == text)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Looks a code up by its text (`"E0301"`).
pub fn lookup(text: &str) -> Option<Code> {
    Code::lookup(text)
}

/// The codes of one family, in table order.
pub fn family(f: Family) -> impl Iterator<Item = Code> {
    Code::ALL.iter().copied().filter(move |c| c.family() == f)
}

/// The codes of `f` as a Markdown table, `| code | title | when |`, one row per code (the
/// run-time table of `spec/bytecode.md` is this for [`Family::Run`]).
pub fn markdown_table(f: Family) -> String {
    let mut out = String::from("| code | title | when |\n|---|---|---|\n");
    for c in family(f) {
        out.push_str(&format!("| {} | {} | {} |\n", c.as_str(), c.title(), c.explanation()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_well_formed() {
        let order = |c: &Code| {
            let prefix = match c.family() {
                Family::Source | Family::Internal => 0,
                Family::Janus => 1,
                Family::Run => 2,
            };
            (prefix, c.as_str().starts_with('W'), c.as_str())
        };
        for w in Code::ALL.windows(2) {
            assert!(order(&w[0]) < order(&w[1]), "{} before {}", w[0], w[1]);
        }
        for &c in Code::ALL {
            let s = c.as_str();
            assert!(s.len() == 5 && s[1..].bytes().all(|b| b.is_ascii_digit()), "{s}");
            let letters = match c.family() {
                Family::Source => "EW",
                Family::Internal => "E",
                Family::Janus => "J",
                Family::Run => "R",
            };
            assert!(letters.contains(&s[..1]), "{s} is not a {:?} code", c.family());
            assert!(!c.title().is_empty() && !c.explanation().is_empty(), "{s}");
            assert_eq!(lookup(s), Some(c));
            assert_eq!(c.to_string(), s);
        }
        assert_eq!(lookup("E0000"), None);
    }
}
