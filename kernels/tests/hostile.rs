//! Hostile and malformed kernels (WAT fixtures in `tests/fixtures/`): endless loops, memory
//! bombs, imports, traps, bad metadata and bad exports all end in a typed error, never a hang
//! or a crash; the host stays usable afterwards. Also user kernels that behave, and the
//! checked call catching kernels that lie about their kind.

use rdx_kernels::scan::{self, MAX_BODY_BYTES, MAX_FUNCTIONS, MAX_MODULE_BYTES, MAX_NESTING};
use rdx_kernels::{Buffer, Complex64, KernelError, KernelHost, Kind, Limits, Origin};
use std::path::PathBuf;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    wat::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn host() -> KernelHost {
    let mut host = KernelHost::new(Limits::default()).unwrap();
    host.register_stdlib().unwrap();
    host
}

/// Checks that the stdlib still works after whatever happened.
fn still_works(host: &mut KernelHost) {
    let mut buf = Buffer::C64(vec![Complex64::new(1.0, 0.0); 8]);
    host.call("fft", &mut buf).unwrap();
    host.call("ifft", &mut buf).unwrap();
    assert!(buf.approx_eq(&Buffer::C64(vec![Complex64::new(1.0, 0.0); 8]), 1e-12));
}

#[test]
fn endless_loop_runs_out_of_fuel() {
    let mut host = host();
    host.load_bytes(&fixture("loop.wat"), "loop.wat").unwrap();
    // The loop never ends on its own: only the fuel budget stops it, and the error says which
    // budget was spent. (How long that takes is a benchmark's business: `cargo bench -p
    // rdx-kernels`.)
    let err = host.call("spin", &mut Buffer::U64(vec![1, 2, 3])).unwrap_err();
    assert_eq!(
        err,
        KernelError::FuelExhausted { kernel: "spin".into(), fuel: Limits::default().fuel, len: Some(3) }
    );
    assert!(err.to_string().starts_with("kernel `spin`: fuel exhausted on a buffer of 3 elements"), "{err}");
    // The instance is replaced; its inverse and the other kernels still work.
    host.call("unspin", &mut Buffer::U64(vec![1])).unwrap();
    assert!(host.call("spin", &mut Buffer::U64(vec![])).is_err());
    still_works(&mut host);
}

#[test]
fn small_fuel_budget_stops_a_real_kernel() {
    let mut host = KernelHost::new(Limits { fuel: 10_000, ..Limits::default() }).unwrap();
    host.register_stdlib().unwrap();
    let err = host.call("fft", &mut Buffer::C64(vec![Complex64::default(); 4096])).unwrap_err();
    assert_eq!(err, KernelError::FuelExhausted { kernel: "fft".into(), fuel: 10_000, len: Some(4096) });
    // small calls still fit in the budget
    host.call("fft", &mut Buffer::C64(vec![Complex64::default(); 4])).unwrap();
}

/// The error of passing the host's memory cap (`needed`: what the buffer needed, when it was
/// the host growing memory for it that failed).
fn cap(kernel: &str, cap_bytes: usize, needed: Option<usize>) -> KernelError {
    KernelError::MemoryCap { kernel: kernel.into(), cap_bytes, module_max_bytes: None, needed_bytes: needed }
}

#[test]
fn memory_bomb_hits_the_cap() {
    let mut host = host();
    host.load_bytes(&fixture("bomb.wat"), "bomb.wat").unwrap();
    let err = host.call("bomb", &mut Buffer::U64(vec![0; 4])).unwrap_err();
    assert_eq!(err, cap("bomb", 256 << 20, None));
    assert_eq!(err.to_string(), "kernel `bomb`: memory cap of 268435456 bytes exceeded");
    host.call("unbomb", &mut Buffer::U64(vec![0; 4])).unwrap();
    still_works(&mut host);
}

#[test]
fn buffer_larger_than_the_cap_is_refused() {
    let mut host = KernelHost::new(Limits { memory_bytes: 1 << 20, ..Limits::default() }).unwrap();
    host.register_stdlib().unwrap();
    let err = host.call("gray", &mut Buffer::U64(vec![0; 1 << 18])).unwrap_err();
    assert_eq!(err, cap("gray", 1 << 20, Some(8 << 18)));
    assert_eq!(
        err.to_string(),
        "kernel `gray`: memory cap of 1048576 bytes exceeded: the buffer, placed at `rdx_base`, needs a \
         memory of 2097152 bytes"
    );
    // the fft's twiddle table (scratch) would pass the cap although the buffer fits
    let err = host.call("fft", &mut Buffer::C64(vec![Complex64::default(); 1 << 15])).unwrap_err();
    assert_eq!(err, cap("fft", 1 << 20, None));
    host.call("gray", &mut Buffer::U64(vec![0; 1 << 10])).unwrap();
    still_works(&mut host);
}

/// A self-mirror u64 kernel `kk` (it adds nothing) in a module whose memory is `memory`.
fn with_memory(memory: &str) -> Vec<u8> {
    module(
        Some("abi=1\nname=kk\nmirror=kk\nelem=u64\nkind=exact\norder=1\n"),
        &format!(r#"{memory} (func $f (export "forward") (param i32 i32)) (export "inverse" (func $f))"#),
    )
}

#[test]
fn a_buffer_over_the_modules_own_memory_maximum_is_refused_naming_it() {
    let mut host = host();
    host.load_bytes(
        &with_memory(r#"(memory (export "memory") 1 1) (global (export "rdx_base") i32 (i32.const 65520))"#),
        "x.wasm",
    )
    .unwrap();
    // 16 bytes fit between `rdx_base` and the maximum: two elements
    host.call("kk", &mut Buffer::U64(vec![1, 2])).unwrap();
    let mut buf = Buffer::U64(vec![1, 2, 3]);
    let err = host.call("kk", &mut buf).unwrap_err();
    assert_eq!(
        err,
        KernelError::MemoryCap {
            kernel: "kk".into(),
            cap_bytes: 256 << 20,
            module_max_bytes: Some(65536),
            needed_bytes: Some(65544),
        }
    );
    assert_eq!(
        err.to_string(),
        "kernel `kk`: the module's memory maximum of 65536 bytes (1 page of 64 KiB) exceeded: the buffer, \
         placed at `rdx_base`, needs a memory of 65544 bytes (declare a larger maximum in the module, or \
         pass a shorter buffer)"
    );
    assert_eq!(buf, Buffer::U64(vec![1, 2, 3]));
    // an engine sees a limit, not a trap
    let call_err = rdx_vm::KernelCallError::from(err);
    assert_eq!(call_err.kind, rdx_vm::KernelCallErrorKind::Limit);
    host.call("kk", &mut Buffer::U64(vec![1, 2])).unwrap();

    // a maximum over one page, and a buffer over it from address 0
    let mut host = self::host();
    host.load_bytes(&with_memory(r#"(memory (export "memory") 1 3)"#), "three.wasm").unwrap();
    host.call("kk", &mut Buffer::U64(vec![0; 3 * 8192])).unwrap();
    let err = host.call("kk", &mut Buffer::U64(vec![0; 3 * 8192 + 1])).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "kernel `kk`: the module's memory maximum of 196608 bytes (3 pages of 64 KiB) exceeded: the \
             buffer, placed at `rdx_base`, needs a memory of 196616 bytes"
        ),
        "{err}"
    );
    still_works(&mut host);
}

#[test]
fn a_base_at_the_modules_own_memory_maximum_is_refused_at_load() {
    for (memory, want) in [
        (
            r#"(memory (export "memory") 0 0)"#,
            "kernel module x.wasm: `rdx_base` = 0 leaves no room for a buffer under the module's memory \
             maximum of 0 bytes (0 pages of 64 KiB)",
        ),
        (
            r#"(memory (export "memory") 1 1) (global (export "rdx_base") i32 (i32.const 65536))"#,
            "kernel module x.wasm: `rdx_base` = 65536 leaves no room for a buffer under the module's \
             memory maximum of 65536 bytes (1 page of 64 KiB)",
        ),
    ] {
        let err = host().load_bytes(&with_memory(memory), "x.wasm").unwrap_err();
        assert!(matches!(err, KernelError::BadModule { .. }), "{err:?}");
        assert_eq!(err.to_string(), want);
        // declared, the module is instantiated at its first call, which reports it
        let mut host = host();
        host.declare_bytes(&with_memory(memory), "x.wasm").unwrap();
        assert_eq!(host.call("kk", &mut Buffer::U64(vec![1])).unwrap_err().to_string(), want);
    }
}

#[test]
fn huge_initial_memory_is_refused_at_load() {
    let mut host = host();
    let err = host.load_bytes(&fixture("huge_memory.wat"), "huge_memory.wat").unwrap_err();
    assert_eq!(err, cap("hog", 256 << 20, None));
    assert!(host.get("hog").is_none());
}

#[test]
fn start_function_loop_runs_out_of_fuel_at_load() {
    let mut host = host();
    let err = host.load_bytes(&fixture("start_loop.wat"), "start_loop.wat").unwrap_err();
    assert!(matches!(err, KernelError::FuelExhausted { ref kernel, .. } if kernel == "stuck"), "{err}");
    assert!(host.get("stuck").is_none());
}

#[test]
fn imports_are_rejected() {
    let mut host = host();
    let err = host.load_bytes(&fixture("import.wat"), "import.wat").unwrap_err();
    assert_eq!(
        err,
        KernelError::ImportRejected {
            origin: "import.wat".into(),
            import: "wasi_snapshot_preview1::fd_write".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "kernel module import.wat imports `wasi_snapshot_preview1::fd_write`: kernels may not import anything"
    );
}

#[test]
fn traps_name_the_kernel_and_the_host_recovers() {
    let mut host = host();
    host.load_bytes(&fixture("trap.wat"), "trap.wat").unwrap();
    let err = host.call("boom", &mut Buffer::U64(vec![1, 2, 3])).unwrap_err();
    let KernelError::Trap { kernel, message } = &err else { panic!("{err:?}") };
    assert_eq!(kernel, "boom");
    assert!(message.contains("unreachable"), "{message}");
    assert!(err.to_string().starts_with("kernel `boom` trapped: "), "{err}");
    let err = host.call("unboom", &mut Buffer::U64(vec![1])).unwrap_err();
    let KernelError::Trap { kernel, message } = &err else { panic!("{err:?}") };
    assert_eq!(kernel, "unboom");
    assert!(message.contains("out of bounds"), "{message}");
    // the same module works again for a good input
    let mut buf = Buffer::U64(vec![7, 8]);
    host.call("boom", &mut buf).unwrap();
    assert_eq!(buf, Buffer::U64(vec![7, 8]));
    still_works(&mut host);
}

#[test]
fn user_kernel_with_a_base_address_keeps_its_data() {
    let mut host = host();
    let names = host.load_bytes(&fixture("inc.wat"), "inc.wat").unwrap();
    assert_eq!(names, vec!["inc".to_string(), "dec".to_string()]);
    let info = host.get("dec").unwrap();
    assert_eq!((info.name.as_str(), info.mirror.as_str()), ("dec", "inc"));
    assert_eq!(info.origin, Origin::Bytes("inc.wat".into()));
    let mut buf = Buffer::U64(vec![0, u64::MAX, 41]);
    for _ in 0..3 {
        host.call("inc", &mut buf).unwrap();
    }
    assert_eq!(buf, Buffer::U64(vec![3, 2, 44]));
    host.call_mirror("inc", &mut buf).unwrap();
    host.call_checked("dec", &mut buf).unwrap();
    assert_eq!(buf, Buffer::U64(vec![1, 0, 42]));
}

#[test]
fn user_kernel_from_a_file() {
    let dir = std::env::temp_dir().join(format!("rdx-kernels-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("inc.wasm");
    std::fs::write(&path, fixture("inc.wat")).unwrap();
    let mut host = host();
    host.load_user(&path).unwrap();
    assert_eq!(host.get("inc").unwrap().origin, Origin::File(path.clone()));
    let err = host.load_user(&path).unwrap_err();
    assert!(matches!(err, KernelError::DuplicateKernel { ref name, .. } if name == "inc"), "{err}");
    let missing = dir.join("missing.wasm");
    let err = host.load_user(&missing).unwrap_err();
    assert!(matches!(err, KernelError::Io { .. }), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn checked_calls_catch_lying_kernels() {
    let mut host = host();
    host.load_bytes(&fixture("liar_norm.wat"), "liar_norm.wat").unwrap();
    host.load_bytes(&fixture("liar_exact.wat"), "liar_exact.wat").unwrap();
    let mut buf = Buffer::F64(vec![3.0, 4.0]);
    let err = host.call_checked("liar", &mut buf).unwrap_err();
    assert_eq!(err, KernelError::NormNotPreserved { kernel: "liar".into(), before: 5.0, after: 10.0 });
    assert!(err.to_string().contains("sqrt(sum |x|^2) was 5e0, is 1e1"), "{err}");
    // Honest kernels pass on values whose squares overflow, and on NaN and inf (an input that
    // holds them has no norm to keep; their order check compares them in place).
    for x in [[1e200, 2.0, 3.0, 4.0], [1.0, f64::NAN, 3.0, f64::INFINITY], [1e308, -1e308, 0.0, 5e-324]] {
        let mut buf = Buffer::F64(x.to_vec());
        host.call_checked("wht", &mut buf).unwrap_or_else(|e| panic!("{x:?}: {e}"));
        assert!(host.verify_order("wht", &Buffer::F64(x.to_vec()), 1e-9).unwrap(), "{x:?}");
    }
    assert!(!host.verify_order("liar", &Buffer::F64(vec![1.0]), 1e-9).unwrap());
    let mut buf = Buffer::I64(vec![5, 6]);
    let err = host.call_checked("fib", &mut buf).unwrap_err();
    assert_eq!(
        err,
        KernelError::NotInverted { kernel: "fib".into(), mirror: "unfib".into(), kind: Kind::Exact }
    );
    // unchecked calls do not notice
    host.call("fib", &mut Buffer::I64(vec![5])).unwrap();
}

/// A module with the given metadata section text (or none) and body.
fn module(meta: Option<&str>, body: &str) -> Vec<u8> {
    let section = meta
        .map(|m| format!("(@custom \"rdx.kernel\" \"{}\")", m.replace('\n', "\\n").replace('\r', "\\r")))
        .unwrap_or_default();
    wat::parse_str(format!("(module {section} {body})")).unwrap()
}

const GOOD_BODY: &str = r#"(memory (export "memory") 1)
    (func $f (export "forward") (param i32 i32)) (export "inverse" (func $f))"#;
const GOOD_META: &str = "abi=1\nname=k\nmirror=k\nelem=f64\nkind=unitary\norder=2\n";

#[test]
fn bad_metadata_is_rejected() {
    let cases = [
        (None, "no `rdx.kernel` custom section"),
        (Some("abi=1\nname=k\nmirror=k\nelem=f64\nkind=unitary\n"), "missing key `order`"),
        (
            Some("abi=1\nname=k\nmirror=k\nelem=f32\nkind=unitary\norder=2\n"),
            "bad value `f32` for key `elem`",
        ),
        (Some("abi=1\nname=k\nmirror=k\nelem=u64\nkind=unitary\norder=2\n"), "kind=unitary needs a float"),
        (Some("abi=1\nname=k\nmirror=k\nelem=f64\nkind=unitary\norder=4\n"), "its own mirror"),
        (Some("abi=9\nname=k\nmirror=k\nelem=f64\nkind=unitary\norder=2\n"), "abi=9 is not supported"),
        // the grammar is exact (spec/kernels.md §4)
        (Some("abi=01\nname=k\nmirror=k\nelem=f64\nkind=unitary\norder=2\n"), "bad value `01` for key `abi`"),
        (
            Some("abi=1\nname=k\nmirror=k\nelem=f64\nkind=unitary\norder=+2\n"),
            "bad value `+2` for key `order`",
        ),
        (Some("abi=1\nname = a15\nmirror=k\nelem=f64\nkind=unitary\norder=2\n"), "line 2: white space"),
        (Some("abi=1\r\nname=k\r\nmirror=k\r\nelem=f64\r\nkind=unitary\r\norder=2\r\n"), "carriage return"),
        (
            Some("abi=1\nname=k\nmirror=k\nelem=f64\nkind=unitary\norder=99999999999999999999999\n"),
            "out of range: `order` is from 0 to 4294967295",
        ),
        (
            Some("abi=1\nname=été\nmirror=k\nelem=f64\nkind=unitary\norder=2\n"),
            "bad value `été` for key `name`: a name is an ASCII letter or `_`, then ASCII letters, digits or `_`",
        ),
    ];
    for (meta, want) in cases {
        let err = host().load_bytes(&module(meta, GOOD_BODY), "bad.wasm").unwrap_err();
        let KernelError::BadMetadata { origin, reason } = &err else { panic!("{meta:?}: {err:?}") };
        assert_eq!(origin, "bad.wasm");
        assert!(reason.contains(want), "{meta:?}: {reason}");
    }
    // two sections
    let twice = wat::parse_str(format!(
        "(module (@custom \"rdx.kernel\" \"{m}\") (@custom \"rdx.kernel\" \"{m}\") {GOOD_BODY})",
        m = GOOD_META.replace('\n', "\\n")
    ))
    .unwrap();
    let err = host().load_bytes(&twice, "twice.wasm").unwrap_err();
    assert!(err.to_string().contains("more than one"), "{err}");
    // the good one loads
    host().load_bytes(&module(Some(GOOD_META), GOOD_BODY), "good.wasm").unwrap();
}

#[test]
fn a_module_without_the_section_is_told_so_before_its_exports_are_looked_at() {
    for wat in ["(module)", r#"(module (memory 1))"#, r#"(module (func (export "forward")))"#] {
        let wasm = wat::parse_str(wat).unwrap();
        let err = host().load_bytes(&wasm, "bare.wasm").unwrap_err();
        assert_eq!(
            err.to_string(),
            "kernel module bare.wasm: bad `rdx.kernel` metadata: no `rdx.kernel` custom section",
            "{wat}"
        );
        let err = host().declare_bytes(&wasm, "bare.wasm").unwrap_err();
        assert!(matches!(err, KernelError::BadMetadata { .. }), "{wat}: {err:?}");
    }
    // with the section, the exports are checked
    let err = host().load_bytes(&module(Some(GOOD_META), ""), "bare.wasm").unwrap_err();
    assert!(err.to_string().contains("no exported memory called `memory`"), "{err}");
}

#[test]
fn bad_exports_are_rejected() {
    let cases = [
        (
            r#"(memory 1) (func $f (export "forward") (param i32 i32)) (export "inverse" (func $f))"#,
            "no exported memory",
        ),
        (
            r#"(memory (export "memory") 1) (func (export "forward") (param i32 i32))"#,
            "no exported function called `inverse`",
        ),
        (
            r#"(memory (export "memory") 1) (func $f (export "forward") (param i32)) (export "inverse" (func $f))"#,
            "export `forward` must have type (i32, i32) -> ()",
        ),
        (
            r#"(memory (export "memory") 1) (func $f (export "forward") (param i32 i32) (result i32) (i32.const 0)) (export "inverse" (func $f))"#,
            "must have type",
        ),
        (
            r#"(memory (export "memory") 1) (func $f (export "forward") (param i32 i32)) (export "inverse" (func $f)) (global (export "rdx_base") i64 (i64.const 0))"#,
            "`rdx_base` must be an i32 global",
        ),
        (
            r#"(memory (export "memory") 1) (func $f (export "forward") (param i32 i32)) (export "inverse" (func $f)) (global (export "rdx_base") i32 (i32.const 8))"#,
            "not a multiple of 16",
        ),
        (
            r#"(memory (export "memory") 1) (func $f (export "forward") (param i32 i32)) (export "inverse" (func $f)) (global (export "rdx_base") i32 (i32.const -16))"#,
            "`rdx_base` = 4294967280 (-16) leaves no room for a buffer",
        ),
    ];
    for (body, want) in cases {
        let err = host().load_bytes(&module(Some(GOOD_META), body), "bad.wasm").unwrap_err();
        let KernelError::BadModule { reason, .. } = &err else { panic!("{body}: {err:?}") };
        assert!(reason.contains(want), "{body}: {reason}");
    }
}

#[test]
fn garbage_bytes_are_rejected() {
    let mut host = host();
    for bytes in [&b""[..], b"\0asm", b"hello world", b"\0asm\x01\0\0\0\x01\xff"] {
        let err = host.load_bytes(bytes, "junk").unwrap_err();
        assert!(matches!(err, KernelError::BadModule { .. }), "{err:?}");
    }
    // a truncated module, and a well-framed one whose code does not validate
    let bytes = module(Some(GOOD_META), GOOD_BODY);
    let err = host.load_bytes(&bytes[..bytes.len() - 1], "truncated").unwrap_err();
    assert!(matches!(err, KernelError::BadModule { .. }), "{err:?}");
    let body = r#"(memory (export "memory") 1) (func $f (export "forward") (param i32 i32) i32.add)
        (export "inverse" (func $f))"#;
    let err = host.load_bytes(&module(Some(GOOD_META), body), "invalid").unwrap_err();
    assert!(matches!(err, KernelError::BadModule { .. }), "{err:?}");
    still_works(&mut host);
}

#[test]
fn checked_calls_catch_a_unitary_mirror_that_does_not_undo_the_kernel() {
    let mut host = host();
    host.load_bytes(&fixture("liar_mirror.wat"), "liar_mirror.wat").unwrap();
    // The norm is kept and the order is not looked at here: only the round trip can tell.
    let mut buf = Buffer::F64(vec![6.0, 0.0]);
    let err = host.call_checked("lf", &mut buf).unwrap_err();
    assert_eq!(
        err,
        KernelError::NotInverted { kernel: "lf".into(), mirror: "lb".into(), kind: Kind::Unitary }
    );
    assert_eq!(
        err.to_string(),
        "kernel `lf` is declared unitary, but its mirror `lb` did not restore the input (to 1e-9 relative)"
    );
    assert_eq!(buf, Buffer::F64(vec![6.0, 0.0]), "a failed check leaves the buffer as it was");
    let err = host.call_mirror_checked("lf", &mut Buffer::F64(vec![6.0, 0.0])).unwrap_err();
    assert!(matches!(err, KernelError::NotInverted { ref kernel, .. } if kernel == "lb"), "{err}");
    // every stdlib unitary kernel passes, both ways, on an ordinary input
    for (name, mut buf) in [
        ("fft", Buffer::C64((0..16).map(|i| Complex64::new(i as f64, -0.5 * i as f64)).collect())),
        ("bitrev", Buffer::C64((0..8).map(|i| Complex64::new(i as f64, 1.0)).collect())),
        ("wht", Buffer::F64((0..32).map(|i| (i as f64).sin()).collect())),
        ("kravchuk", Buffer::F64((0..300).map(|i| (i as f64).cos()).collect())),
    ] {
        host.call_checked(name, &mut buf).unwrap_or_else(|e| panic!("{name}: {e}"));
        host.call_mirror_checked(name, &mut buf).unwrap_or_else(|e| panic!("{name} mirror: {e}"));
    }
}

#[test]
fn checked_and_unchecked_calls_run_the_same_export_of_a_self_mirror_kernel() {
    use rdx_kernels::bridge::HostCall;
    use rdx_lang::ast::Elem;
    use rdx_vm::{KernelCall, KernelCallErrorKind};
    let call = |checked: bool, inverse: bool, words: &mut [u64]| {
        let mut c = HostCall { host: host(), checked };
        c.host.load_bytes(&fixture("liar_self.wat"), "liar_self.wat").unwrap();
        c.host.load_bytes(&fixture("flip.wat"), "flip.wat").unwrap();
        c.call(if words[1] == 1 { "flip" } else { "idk" }, inverse, Elem::U64, words)
    };
    // unchecked, backward runs `inverse`: 6 - 1
    let mut w = [6, 0];
    call(false, true, &mut w).unwrap();
    assert_eq!(w, [5, 0]);
    // checked, backward must run `inverse` too; K² = I does not hold, so the check fails
    for inverse in [false, true] {
        let mut w = [6, 0];
        let e = call(true, inverse, &mut w).unwrap_err();
        assert_eq!((e.kind, e.kernel.as_str()), (KernelCallErrorKind::Broken, "idk"));
        assert_eq!(
            e.message,
            "kernel `idk` is declared its own mirror, but applying it twice did not give the input back"
        );
        assert_eq!(w, [6, 0]);
    }
    // an honest self-mirror kernel passes checked, both ways, with the unchecked result
    for inverse in [false, true] {
        let (mut a, mut b) = ([6, 1], [6, 1]);
        call(false, inverse, &mut a).unwrap();
        call(true, inverse, &mut b).unwrap();
        assert_eq!((a, b), ([!6, 1], [!6, 1]));
    }
    // the host's own API: the mirror of a self-mirror kernel is its `inverse` export
    let mut h = host();
    h.load_bytes(&fixture("liar_self.wat"), "liar_self.wat").unwrap();
    let mut buf = Buffer::U64(vec![6]);
    h.call_mirror("idk", &mut buf).unwrap();
    assert_eq!(buf, Buffer::U64(vec![5]));
    let err = h.call_mirror_checked("idk", &mut Buffer::U64(vec![6])).unwrap_err();
    assert_eq!(err, KernelError::NotSelfInverse { kernel: "idk".into() });
}

#[test]
fn the_norm_check_has_an_absolute_floor_for_subnormal_values() {
    let mut host = host();
    host.load_bytes(&fixture("liar_norm.wat"), "liar_norm.wat").unwrap();
    // wht of [5e-324, 0]: the outputs round in the subnormal range, so the norm changes by
    // far more than 1e-9 relative, but by less than the smallest normal double
    for x in [[5e-324, 0.0], [5e-324, 5e-324], [1e-310, -3e-311], [f64::MIN_POSITIVE, 0.0]] {
        let mut buf = Buffer::F64(x.to_vec());
        host.call_checked("wht", &mut buf).unwrap_or_else(|e| panic!("{x:?}: {e}"));
    }
    // the floor lets a liar through only below it ...
    host.call_checked("liar", &mut Buffer::F64(vec![1e-310, 0.0])).unwrap();
    // ... and a failure prints two different norms
    let err = host.call_checked("liar", &mut Buffer::F64(vec![1e-300, 0.0])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "kernel `liar` did not preserve the norm: sqrt(sum |x|^2) was 1e-300, is 2e-300"
    );
    let err = host.call_checked("liar", &mut Buffer::F64(vec![2.0 * f64::MIN_POSITIVE, 0.0])).unwrap_err();
    let KernelError::NormNotPreserved { before, after, .. } = err else { panic!("{err:?}") };
    assert_ne!(format!("{before:e}"), format!("{after:e}"));
}

#[test]
fn load_errors_give_the_whole_chain_of_causes() {
    let mut host = host();
    let err = host.load_bytes(&fixture("atomic_wait.wat"), "atomic_wait.wat").unwrap_err();
    let KernelError::BadModule { origin, reason } = &err else { panic!("{err:?}") };
    assert_eq!(origin, "atomic_wait.wat");
    // the outermost message names only the function; the cause is further down the chain
    assert!(reason.starts_with("failed to compile: wasm[0]::function[0]::f: "), "{reason}");
    assert!(reason.len() > "failed to compile: wasm[0]::function[0]::f: ".len() + 10, "{reason}");
    // a trap while instantiating is the module's defect: the message names the module file
    let err = host.load_bytes(&fixture("start_trap.wat"), "start_trap.wat").unwrap_err();
    let KernelError::BadModule { origin, reason } = &err else { panic!("{err:?}") };
    assert_eq!(origin, "start_trap.wat");
    assert!(reason.contains("trapped while instantiating") && reason.contains("unreachable"), "{reason}");
    assert!(
        err.to_string().starts_with("kernel module start_trap.wat: trapped while instantiating"),
        "{err}"
    );
    assert!(host.get("kf").is_none());
    still_works(&mut host);
}

/// A module with a good ABI and metadata whose `forward` has `body` as its code.
fn with_forward(body: &str) -> Vec<u8> {
    module(
        Some(GOOD_META),
        &format!(
            r#"(memory (export "memory") 1) (func $f (export "forward") (param i32 i32) {body})
            (export "inverse" (func $f))"#
        ),
    )
}

#[test]
fn modules_over_the_size_bounds_are_refused_before_compiling() {
    let over = |wasm: &[u8]| {
        let mut host = host();
        let err = host.load_bytes(wasm, "big.wasm").unwrap_err();
        assert_eq!(host.compiled(), 0, "refused before anything was compiled");
        let KernelError::OverLimit { origin, what, found, max } = &err else { panic!("{err:?}") };
        assert_eq!(origin, "big.wasm");
        assert!(found > max, "{err}");
        assert!(err.to_string().starts_with("kernel module big.wasm: "), "{err}");
        (what.clone(), *max)
    };
    // 20 000 nested blocks (60 KB): compiling it took 25 s
    let nested = with_forward(&format!("{}{}", "(block ".repeat(20_000), ")".repeat(20_000)));
    assert!(nested.len() < MAX_BODY_BYTES);
    assert_eq!(over(&nested), ("the block nesting depth of function 0".to_string(), MAX_NESTING));
    // one long straight function
    let straight = with_forward(&"(drop (i32.const 1))".repeat(100_000));
    assert_eq!(over(&straight), ("the body of function 0 in bytes".to_string(), MAX_BODY_BYTES));
    // too many functions, and too many bytes
    let many = module(Some(GOOD_META), &format!("{GOOD_BODY} {}", "(func)".repeat(MAX_FUNCTIONS)));
    assert_eq!(over(&many), ("the number of functions".to_string(), MAX_FUNCTIONS));
    let big = module(
        Some(GOOD_META),
        &format!("{GOOD_BODY} (data (i32.const 0) \"{}\")", "x".repeat(MAX_MODULE_BYTES)),
    );
    assert_eq!(over(&big), ("the module's size in bytes".to_string(), MAX_MODULE_BYTES));
    // at the bounds, modules load
    let deep = with_forward(&format!("{}{}", "(block ".repeat(MAX_NESTING), ")".repeat(MAX_NESTING)));
    host().load_bytes(&deep, "deep.wasm").unwrap();
}

#[test]
fn every_real_kernel_is_far_inside_the_size_bounds() {
    let mut modules: Vec<(String, Vec<u8>)> =
        rdx_kernels::stdlib::MODULES.iter().map(|(n, w)| (n.to_string(), w.to_vec())).collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for dir in [root.join("tests/fixtures"), root.join("../tests/kernels")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "wat") {
                modules.push((path.display().to_string(), wat::parse_file(&path).unwrap()));
            }
        }
    }
    assert!(modules.len() > 15);
    for (name, wasm) in &modules {
        // fixtures that are meant to fail the scan (an import) are skipped
        let Ok(found) = scan::scan(wasm, name) else { continue };
        assert!(wasm.len() * 100 < MAX_MODULE_BYTES, "{name}: {} bytes", wasm.len());
        assert!(found.largest_body * 100 < MAX_BODY_BYTES, "{name}: body of {} bytes", found.largest_body);
        assert!(found.deepest_nesting * 100 < MAX_NESTING, "{name}: nesting {}", found.deepest_nesting);
    }
}

#[test]
fn declaring_a_module_reads_its_metadata_without_compiling_it() {
    let mut host = KernelHost::new(Limits::default()).unwrap();
    host.register_stdlib().unwrap();
    let names = host.declare_bytes(&fixture("start_trap.wat"), "start_trap.wat").unwrap();
    assert_eq!(names, vec!["kf".to_string()]);
    assert_eq!(host.compiled(), 0);
    assert_eq!(host.get("kf").unwrap().origin, Origin::Bytes("start_trap.wat".into()));
    // what is checked without compiling: the bounds, imports, exports, metadata, validity
    let nested = with_forward(&format!("{}{}", "(block ".repeat(20_000), ")".repeat(20_000)));
    assert!(matches!(host.declare_bytes(&nested, "n").unwrap_err(), KernelError::OverLimit { .. }));
    let err = host.declare_bytes(&fixture("import.wat"), "import.wat").unwrap_err();
    assert!(matches!(err, KernelError::ImportRejected { .. }), "{err:?}");
    let body = r#"(memory (export "memory") 1) (func $f (export "forward") (param i32 i32) i32.add)
        (export "inverse" (func $f))"#;
    let err = host.declare_bytes(&module(Some(GOOD_META), body), "invalid").unwrap_err();
    assert!(matches!(err, KernelError::BadModule { .. }), "{err:?}");
    let err =
        host.declare_bytes(&module(Some(GOOD_META), "(memory (export \"memory\") 1)"), "x").unwrap_err();
    assert!(err.to_string().contains("no exported function called `forward`"), "{err}");
    assert_eq!(host.compiled(), 0);
    // the start function's trap shows at the first call, against the module
    let err = host.call("kf", &mut Buffer::U64(vec![1])).unwrap_err();
    assert!(
        err.to_string().starts_with("kernel module start_trap.wat: trapped while instantiating"),
        "{err}"
    );
}
