//! Hostile and malformed kernels (WAT fixtures in `tests/fixtures/`): endless loops, memory
//! bombs, imports, traps, bad metadata and bad exports all end in a typed error, never a hang
//! or a crash; the host stays usable afterwards. Also user kernels that behave, and the
//! checked call catching kernels that lie about their kind.

use rdx_kernels::{Buffer, Complex64, KernelError, KernelHost, Limits, Origin};
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

#[test]
fn memory_bomb_hits_the_cap() {
    let mut host = host();
    host.load_bytes(&fixture("bomb.wat"), "bomb.wat").unwrap();
    let err = host.call("bomb", &mut Buffer::U64(vec![0; 4])).unwrap_err();
    assert_eq!(err, KernelError::MemoryCap { kernel: "bomb".into(), cap_bytes: 256 << 20 });
    assert_eq!(err.to_string(), "kernel `bomb`: memory cap of 268435456 bytes exceeded");
    host.call("unbomb", &mut Buffer::U64(vec![0; 4])).unwrap();
    still_works(&mut host);
}

#[test]
fn buffer_larger_than_the_cap_is_refused() {
    let mut host = KernelHost::new(Limits { memory_bytes: 1 << 20, ..Limits::default() }).unwrap();
    host.register_stdlib().unwrap();
    let err = host.call("gray", &mut Buffer::U64(vec![0; 1 << 18])).unwrap_err();
    assert_eq!(err, KernelError::MemoryCap { kernel: "gray".into(), cap_bytes: 1 << 20 });
    // the fft's twiddle table (scratch) would pass the cap although the buffer fits
    let err = host.call("fft", &mut Buffer::C64(vec![Complex64::default(); 1 << 15])).unwrap_err();
    assert_eq!(err, KernelError::MemoryCap { kernel: "fft".into(), cap_bytes: 1 << 20 });
    host.call("gray", &mut Buffer::U64(vec![0; 1 << 10])).unwrap();
    still_works(&mut host);
}

#[test]
fn huge_initial_memory_is_refused_at_load() {
    let mut host = host();
    let err = host.load_bytes(&fixture("huge_memory.wat"), "huge_memory.wat").unwrap_err();
    assert_eq!(err, KernelError::MemoryCap { kernel: "hog".into(), cap_bytes: 256 << 20 });
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
    assert_eq!(err, KernelError::NotInverted { kernel: "fib".into(), mirror: "unfib".into() });
    // unchecked calls do not notice
    host.call("fib", &mut Buffer::I64(vec![5])).unwrap();
}

/// A module with the given metadata section text (or none) and body.
fn module(meta: Option<&str>, body: &str) -> Vec<u8> {
    let section =
        meta.map(|m| format!("(@custom \"rdx.kernel\" \"{}\")", m.replace('\n', "\\n"))).unwrap_or_default();
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
