//! Kernels in the language: `f64[N]` / `c64[N]` buffers, `kernel NAME(buf)`, its inverse
//! `undo kernel NAME(buf)`, the catalogue checks (E0214–E0216) and I4/I5 from the catalogue.

use rdx_lang::ast::{Elem, StmtKind, Type};
use rdx_lang::check::{CheckOptions, Checked, check};
use rdx_lang::codes::Code;
use rdx_lang::invariants::{Status, evaluate};
use rdx_lang::invert::invert_program;
use rdx_lang::kernels::KernelSig;
use rdx_lang::parser::parse;
use rdx_lang::print::print_program;

fn sig(name: &str, mirror: &str, elem: Elem, exact: bool, order: u32) -> KernelSig {
    let power_of_two = matches!(name, "fft" | "ifft" | "wht");
    let max_len = (name == "odd").then_some(16);
    KernelSig { name: name.into(), mirror: mirror.into(), elem, exact, order, power_of_two, max_len }
}

fn catalogue() -> Vec<KernelSig> {
    vec![
        sig("fft", "ifft", Elem::C64, false, 4),
        sig("ifft", "fft", Elem::C64, false, 4),
        sig("wht", "wht", Elem::F64, false, 2),
        sig("haar", "unhaar", Elem::I64, true, 0),
        sig("gray", "ungray", Elem::U64, true, 64),
        sig("odd", "odd_inv", Elem::F64, false, 3),
    ]
}

fn run(src: &str) -> Result<Checked, Vec<Code>> {
    let cat = catalogue();
    let p = parse(src).unwrap_or_else(|d| panic!("parse failed: {d:?}\n{src}"));
    check(&p, &CheckOptions { strict: false, kernels: &cat }).map_err(|d| d.iter().map(|d| d.code).collect())
}

fn statuses(src: &str) -> (Status, Status) {
    let c = run(src).expect("checks");
    let inv = evaluate(&c, false);
    (inv[3].status, inv[4].status)
}

#[test]
fn buffer_types_parse_and_print() {
    let src = "gene f(z: c64[8], x: f64[4]) {\n    kernel fft(z)\n    undo kernel wht(x)\n}\n";
    let p = parse(src).expect("parses");
    assert_eq!(p.genes[0].params[0].ty, Type::Array(Elem::C64, 8));
    assert_eq!(p.genes[0].params[1].ty, Type::Array(Elem::F64, 4));
    assert!(
        matches!(&p.genes[0].body.stmts[1].kind, StmtKind::Undo(inner) if matches!(inner.kind, StmtKind::Kernel { .. }))
    );
    assert_eq!(print_program(&p), src);
}

#[test]
fn kernel_calls_check_and_invert_twice_to_themselves() {
    let c = run("gene f(z: c64[8], a: i64[4]) { kernel fft(z)  kernel haar(a)  undo kernel ifft(z) }")
        .expect("checks");
    assert_eq!(c.kernels.len(), 3);
    let inv = invert_program(&c.program);
    let body = &inv.genes[0].body.stmts;
    assert!(matches!(&body[0].kind, StmtKind::Kernel { name, .. } if name.name == "ifft"));
    assert!(matches!(&body[2].kind, StmtKind::Undo(_)));
    assert_eq!(invert_program(&inv), c.program);
}

#[test]
fn unknown_kernel_and_wrong_element_type() {
    assert_eq!(run("gene f(z: c64[8]) { kernel fftt(z) }").unwrap_err(), [Code::E0215]);
    assert_eq!(run("gene f(x: f64[8]) { kernel fft(x) }").unwrap_err(), [Code::E0216]);
    assert_eq!(run("gene f(x: u64) { kernel fft(x) }").unwrap_err(), [Code::E0216]);
    assert_eq!(run("gene f(a: u64[4]) { kernel haar(a) }").unwrap_err(), [Code::E0216]);
    // A scalar of the element's own type is named a scalar ("`b` is `u64`" read as a match).
    let p = parse("gene f(b: u64) { kernel gray(b) }").expect("parses");
    let cat = catalogue();
    let errs = check(&p, &CheckOptions { strict: false, kernels: &cat }).unwrap_err();
    assert!(errs[0].message.ends_with("`b` is a `u64` scalar, not an array"), "{}", errs[0].message);
    assert_eq!(run("gene f(z: c64[8]) { kernel fft(w) }").unwrap_err(), [Code::E0201]);
    // No catalogue at all: every kernel is unknown.
    let p = parse("gene f(z: c64[8]) { kernel fft(z) }").expect("parses");
    let errs = check(&p, &CheckOptions::default()).unwrap_err();
    assert_eq!(errs[0].code, Code::E0215);
}

/// A buffer whose length (in its type) the kernel never takes is refused at check time, where it
/// failed every run with R0118: `fft` of a `c64[12]`, a buffer past a declared `max_len`.
#[test]
fn buffer_lengths_a_kernel_never_takes_are_refused() {
    assert_eq!(run("gene f(z: c64[12]) { kernel fft(z) }").unwrap_err(), [Code::E0216]);
    assert_eq!(run("gene f(z: c64[12]) { undo kernel ifft(z) }").unwrap_err(), [Code::E0216]);
    assert_eq!(run("gene f(x: f64[6]) { kernel wht(x) }").unwrap_err(), [Code::E0216]);
    assert_eq!(run("gene f(x: f64[32]) { kernel odd(x) }").unwrap_err(), [Code::E0216]);
    assert!(
        run("gene f(z: c64[16], x: f64[16], a: i64[12]) { kernel fft(z)  kernel odd(x)  kernel haar(a) }")
            .is_ok()
    );
    let p = parse("gene f(z: c64[12]) { kernel fft(z) }").expect("parses");
    let cat = catalogue();
    let errs = check(&p, &CheckOptions { strict: false, kernels: &cat }).unwrap_err();
    assert_eq!(
        errs[0].message,
        "kernel `fft` takes a buffer whose length is a power of two, `z` has 12 elements"
    );
    let p = parse("gene f(x: f64[32]) { kernel odd(x) }").expect("parses");
    let errs = check(&p, &CheckOptions { strict: false, kernels: &cat }).unwrap_err();
    assert_eq!(errs[0].message, "kernel `odd` takes buffers of at most 16 elements, `x` has 32");
}

#[test]
fn float_buffers_are_not_numbers() {
    assert_eq!(run("gene f(x: f64[4], y: u64) { y += x[0] }").unwrap_err(), [Code::E0214]);
    assert_eq!(run("gene f(x: f64[4]) { x[0] += 1 }").unwrap_err(), [Code::E0214]);
    assert_eq!(run("gene f(x: c64[4], y: u64) { y += size(x) }").unwrap_err(), [Code::E0214]);
    assert_eq!(run("gene f(x: c64[4], y: u64) { y += x }").unwrap_err(), [Code::E0214]);
    assert_eq!(run("gene f(x: c64[4], y: u64) { x += y }").unwrap_err(), [Code::E0214]);
    assert_eq!(run("gene f(x: c64[4], y: u64) { swap x, y }").unwrap_err(), [Code::E0214]);
    assert_eq!(run("gene f(a: u64[4], y: u64) { y += a }").unwrap_err(), [Code::E0208]);
    assert_eq!(run("gene f(y: u64) { local b: f64[4] = 1  delocal b = 0 }").unwrap_err(), [Code::E0214]);
    // Passing to genes (types equal) and zero locals are fine.
    run("gene g(x: f64[4]) { kernel wht(x) }
         gene f(y: u64) { local b: f64[4] = 0  call g(b)  uncall g(b)  delocal b = 0 }")
    .expect("checks");
    assert_eq!(run("gene g(x: f64[4]) { skip } gene f(z: c64[4]) { call g(z) }").unwrap_err(), [Code::E0206]);
}

#[test]
fn i4_and_i5_from_the_catalogue() {
    assert_eq!(statuses("gene f(y: u64) { y += 1 }"), (Status::NotApplicable, Status::NotApplicable));
    assert_eq!(statuses("gene f(z: c64[8]) { kernel fft(z) }"), (Status::Holds, Status::Holds));
    // Exact kernels carry no phase: gray (order 64) and haar (order 0) leave I5 out.
    assert_eq!(statuses("gene f(a: u64[4]) { kernel gray(a) }"), (Status::Holds, Status::NotApplicable));
    assert_eq!(
        statuses("gene f(a: i64[4], x: f64[4]) { kernel haar(a)  kernel wht(x) }"),
        (Status::Holds, Status::Holds)
    );
    // Order 0 (no small finite order) reads as `rdx kernels` shows it, not "order 0".
    let c = run("gene f(a: i64[4]) { kernel haar(a) }").expect("checks");
    let inv = evaluate(&c, false);
    assert!(inv[3].evidence.contains("haar (exact, no order)"), "{}", inv[3].evidence);
    // A unitary kernel of order 3 fails I5, with the statement's span.
    let c = run("gene f(x: f64[4]) {\n kernel odd(x)\n}").expect("checks");
    let inv = evaluate(&c, false);
    assert_eq!(inv[4].status, Status::Fails);
    assert_eq!(inv[4].spans.len(), 1);
    assert!(inv[4].evidence.contains("odd (unitary, order 3)"), "{}", inv[4].evidence);
}

#[test]
fn inconsistent_metadata_fails_i4() {
    let cat = vec![sig("bad", "bad", Elem::F64, true, 2)];
    let p = parse("gene f(x: f64[4]) { kernel bad(x) }").expect("parses");
    let c = check(&p, &CheckOptions { strict: false, kernels: &cat }).expect("checks");
    assert_eq!(evaluate(&c, false)[3].status, Status::Fails);
}
