//! Reads a kernel module without compiling it: the size bounds every module must meet before
//! wasmtime sees it, its imports (none allowed) and the exports the ABI requires. The host runs
//! this scan first, so a hostile module (deeply nested blocks, a huge function body) is turned
//! away in time linear in its size, and so the checker can take a user kernel's metadata
//! without compiling its code (`spec/kernels.md` §2).

use wasmparser::{CompositeInnerType, ExternalKind, FuncType, Operator, Parser, Payload, ValType};

use crate::error::KernelError;

// The bounds are 100 times what the stdlib needs or more, and keep compiling a module at
// them to seconds (debug build: a 128 KiB body of `local.set`/`i32.add` took about 1.5 s,
// 1 000 nested `loop`s about 1 s; 20 000 nested `block`s, which they refuse, took 25 s).

/// Largest kernel module accepted, in bytes. The stdlib modules are 4 KB or less.
pub const MAX_MODULE_BYTES: usize = 4 << 20;
/// Most functions (defined, not imported) a kernel module may have.
pub const MAX_FUNCTIONS: usize = 10_000;
/// Largest function body accepted, in bytes. The largest stdlib body is 500 bytes.
pub const MAX_BODY_BYTES: usize = 128 << 10;
/// Deepest nesting of blocks (`block`, `loop`, `if`, `try`, `try_table`) in a function body.
/// The deepest stdlib function nests 6 deep.
pub const MAX_NESTING: usize = 1_000;

/// What the scan learnt about a module that passed it.
#[derive(Debug, Default)]
pub struct Scan<'a> {
    /// The contents of each `rdx.kernel` custom section.
    pub metadata: Vec<&'a [u8]>,
    /// The largest function body, in bytes.
    pub largest_body: usize,
    /// The deepest block nesting of any function.
    pub deepest_nesting: usize,
}

/// Scans `wasm` (labelled `origin` in errors): the size bounds, then imports (any import is
/// rejected) and the ABI's exports (see [`check_exports`]). Malformed sections are
/// [`KernelError::BadModule`]; the code itself is validated later, by wasmtime.
pub fn scan<'a>(wasm: &'a [u8], origin: &str) -> Result<Scan<'a>, KernelError> {
    let over = |what: String, found: usize, max: usize| KernelError::OverLimit {
        origin: origin.to_string(),
        what,
        found,
        max,
    };
    let bad = |reason: String| KernelError::BadModule { origin: origin.to_string(), reason };
    if wasm.len() > MAX_MODULE_BYTES {
        return Err(over("the module's size in bytes".into(), wasm.len(), MAX_MODULE_BYTES));
    }
    // The framing is read first with the metadata reader, for its messages about garbage.
    crate::meta::custom_sections(wasm, crate::meta::SECTION).map_err(&bad)?;

    let mut out = Scan::default();
    let mut types: Vec<Option<FuncType>> = Vec::new();
    let mut funcs: Vec<u32> = Vec::new();
    let mut memories = Vec::new();
    let mut globals = Vec::new();
    let mut exports: Vec<(String, ExternalKind, u32)> = Vec::new();
    let mut body_index = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| bad(format!("{e:#}")))?;
        let parse_err = |e: wasmparser::BinaryReaderError| bad(format!("{e:#}"));
        match payload {
            Payload::ImportSection(reader) => {
                if let Some(import) = reader.into_imports().next() {
                    let import = import.map_err(parse_err)?;
                    return Err(KernelError::ImportRejected {
                        origin: origin.to_string(),
                        import: format!("{}::{}", import.module, import.name),
                    });
                }
            }
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group.map_err(parse_err)?.into_types() {
                        types.push(match sub.composite_type.inner {
                            CompositeInnerType::Func(f) => Some(f),
                            _ => None,
                        });
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                if reader.count() as usize > MAX_FUNCTIONS {
                    return Err(over(
                        "the number of functions".into(),
                        reader.count() as usize,
                        MAX_FUNCTIONS,
                    ));
                }
                for ty in reader {
                    funcs.push(ty.map_err(parse_err)?);
                }
            }
            Payload::MemorySection(reader) => {
                for m in reader {
                    memories.push(m.map_err(parse_err)?);
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader {
                    globals.push(g.map_err(parse_err)?.ty);
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e.map_err(parse_err)?;
                    exports.push((e.name.to_string(), e.kind, e.index));
                }
            }
            Payload::CodeSectionEntry(body) => {
                let index = body_index;
                body_index += 1;
                let size = body.range().len();
                if size > MAX_BODY_BYTES {
                    return Err(over(format!("the body of function {index} in bytes"), size, MAX_BODY_BYTES));
                }
                out.largest_body = out.largest_body.max(size);
                let (mut depth, mut deepest) = (0usize, 0usize);
                let mut ops = body.get_operators_reader().map_err(parse_err)?;
                while !ops.eof() {
                    match ops.read().map_err(parse_err)? {
                        Operator::Block { .. }
                        | Operator::Loop { .. }
                        | Operator::If { .. }
                        | Operator::Try { .. }
                        | Operator::TryTable { .. } => {
                            depth += 1;
                            if depth > MAX_NESTING {
                                return Err(over(
                                    format!("the block nesting depth of function {index}"),
                                    depth,
                                    MAX_NESTING,
                                ));
                            }
                            deepest = deepest.max(depth);
                        }
                        Operator::End => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                }
                out.deepest_nesting = out.deepest_nesting.max(deepest);
            }
            Payload::CustomSection(c) if c.name() == crate::meta::SECTION => out.metadata.push(c.data()),
            _ => {}
        }
    }
    check_exports(&exports, &types, &funcs, &memories, &globals).map_err(bad)?;
    Ok(out)
}

/// Checks the exports the ABI requires: `memory` (32-bit, unshared), and `forward` and
/// `inverse` of type `(i32, i32) -> ()`; `rdx_base`, if present, an i32 global.
fn check_exports(
    exports: &[(String, ExternalKind, u32)],
    types: &[Option<FuncType>],
    funcs: &[u32],
    memories: &[wasmparser::MemoryType],
    globals: &[wasmparser::GlobalType],
) -> Result<(), String> {
    let find = |name: &str| exports.iter().find(|(n, ..)| n == name).map(|&(_, kind, index)| (kind, index));
    match find("memory") {
        Some((ExternalKind::Memory, i)) => match memories.get(i as usize) {
            Some(m) if !m.memory64 && !m.shared => {}
            _ => return Err("export `memory` must be a 32-bit unshared memory".into()),
        },
        _ => return Err("no exported memory called `memory`".into()),
    }
    for entry in ["forward", "inverse"] {
        let Some((ExternalKind::Func, i)) = find(entry) else {
            return Err(format!("no exported function called `{entry}`"));
        };
        let ty = funcs.get(i as usize).and_then(|&t| types.get(t as usize)).and_then(Option::as_ref);
        let ok = ty.is_some_and(|f| f.params() == [ValType::I32, ValType::I32] && f.results().is_empty());
        if !ok {
            return Err(format!("export `{entry}` must have type (i32, i32) -> ()"));
        }
    }
    match find("rdx_base") {
        None => {}
        Some((ExternalKind::Global, i))
            if globals.get(i as usize).is_some_and(|g| g.content_type == ValType::I32) => {}
        Some(_) => return Err("export `rdx_base` must be an i32 global".into()),
    }
    Ok(())
}
