//! The kernel host: loads kernel modules into wasmtime (validating imports, exports and
//! metadata), keeps one instance per module alive across calls, and runs calls under a fuel
//! budget and a memory cap, copying the buffer into and out of linear memory.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use wasmtime::{Config, Engine, Instance, Memory, Module, ResourceLimiter, Store, Trap, TypedFunc, Val};

use crate::buffer::Buffer;
use crate::error::KernelError;
use crate::meta::{self, ElemType, Kind, LengthRule, Metadata};
use crate::stdlib;

/// Relative tolerance of the checks in [`KernelHost::call_checked`]: of the norm check (on
/// Σ|xᵢ|²) and of the mirror round trip of a unitary kernel (on ‖K⁻¹(K(x)) − x‖₂).
pub const NORM_TOLERANCE: f64 = 1e-9;

/// Absolute floor of the checks in [`KernelHost::call_checked`] and of the order check: norms
/// √(Σ|xᵢ|²), or a round trip and its input, that differ by at most this much (‖·‖₂) pass
/// whatever their relative change. It is the smallest normal double: below it values are
/// subnormal and have no relative precision left, so a kernel's rounding there (half of
/// 5·10⁻³²⁴ per operation) can change a tiny norm by far more than [`NORM_TOLERANCE`].
pub const NORM_FLOOR: f64 = f64::MIN_POSITIVE;

/// Resource limits applied to every kernel call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Fuel for one call (about one unit per WebAssembly instruction executed).
    pub fuel: u64,
    /// Largest linear memory a kernel instance may have, in bytes (buffer and scratch together).
    pub memory_bytes: usize,
}

impl Default for Limits {
    /// 10⁹ fuel per call (an endless loop burns it in about 0.3 s on an idle core; the first
    /// 2²⁰-point `fft`, twiddle tables included, needs about 5.2·10⁸) and 256 MiB of memory.
    fn default() -> Self {
        Limits { fuel: 1_000_000_000, memory_bytes: 256 << 20 }
    }
}

/// Where a kernel came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Built into rdx (`kernels/wat/*.wat`).
    Stdlib,
    /// Loaded from a `.wasm` file.
    File(PathBuf),
    /// Loaded from bytes handed to [`KernelHost::load_bytes`], with their label.
    Bytes(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Stdlib => f.write_str("stdlib"),
            Origin::File(p) => write!(f, "{}", p.display()),
            Origin::Bytes(label) => f.write_str(label),
        }
    }
}

/// What `rdx kernels` lists about one kernel, and what the checker needs for I4/I5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelInfo {
    /// The kernel's name.
    pub name: String,
    /// The kernel that undoes it (itself for a self-mirror kernel).
    pub mirror: String,
    /// Element type of its buffer.
    pub elem: ElemType,
    /// Exact (integer) or unitary (float).
    pub kind: Kind,
    /// The k with Kᵏ = I; 0 when no finite order is declared.
    pub order: u32,
    /// Accepted lengths.
    pub length: LengthRule,
    /// Largest accepted length, if any.
    pub max_len: Option<usize>,
    /// Where it came from.
    pub origin: Origin,
}

impl KernelInfo {
    /// I5: whether the declared order divides 4 (so the eigenphases are quarter turns).
    pub fn order_divides_4(&self) -> bool {
        matches!(self.order, 1 | 2 | 4)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    Forward,
    Inverse,
}

impl Dir {
    fn flip(self) -> Dir {
        match self {
            Dir::Forward => Dir::Inverse,
            Dir::Inverse => Dir::Forward,
        }
    }
}

/// The store's data: a memory limiter that remembers when it refused.
struct Cap {
    bytes: usize,
    refused: bool,
}

const MAX_TABLE_ELEMENTS: usize = 10_000;

impl ResourceLimiter for Cap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.bytes {
            self.refused = true;
            return Err(wasmtime::format_err!("memory cap of {} bytes exceeded", self.bytes));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

/// A live instance of a kernel module.
struct Live {
    store: Store<Cap>,
    memory: Memory,
    forward: TypedFunc<(i32, i32), ()>,
    inverse: TypedFunc<(i32, i32), ()>,
    base: usize,
}

struct Loaded {
    /// `None` for a module not called yet that was registered from its metadata alone (a
    /// stdlib module, or one given to [`KernelHost::declare_bytes`]): compiled at its first
    /// call from [`Self::wasm`].
    module: Option<Module>,
    /// Such a module's bytes, compiled when first needed (empty once compiled at load).
    wasm: Cow<'static, [u8]>,
    meta: Metadata,
    origin: Origin,
    /// `None` after a failed call: the next call instantiates afresh.
    live: Option<Live>,
}

impl Loaded {
    fn name(&self, dir: Dir) -> &str {
        match dir {
            Dir::Forward => &self.meta.name,
            Dir::Inverse => &self.meta.mirror,
        }
    }
}

/// Loads kernels and runs them. One host per program run; not shared between threads.
pub struct KernelHost {
    engine: Engine,
    limits: Limits,
    modules: Vec<Loaded>,
    by_name: HashMap<String, (usize, Dir)>,
}

impl KernelHost {
    /// A host with no kernels loaded, enforcing `limits` on every call.
    pub fn new(limits: Limits) -> Result<KernelHost, KernelError> {
        let mut config = Config::new();
        config.consume_fuel(true);
        let engine = Engine::new(&config)
            .map_err(|e| KernelError::BadModule { origin: "engine".into(), reason: e.to_string() })?;
        Ok(KernelHost { engine, limits, modules: Vec::new(), by_name: HashMap::new() })
    }

    /// The limits this host enforces.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// How many of the loaded modules are compiled (a stdlib module, or one given to
    /// [`Self::declare_bytes`], is compiled at its first call, a user module when it is loaded).
    pub fn compiled(&self) -> usize {
        self.modules.iter().filter(|m| m.module.is_some()).count()
    }

    /// Loads the stdlib kernels: fft/ifft, bitrev, wht, kravchuk, haar/unhaar, gray/ungray.
    /// Their metadata is read now; each module is compiled and instantiated at its first call,
    /// so a run pays for the kernels it calls only. (Compiling all six took about 11 ms of
    /// every `rdx run` of a program with a kernel statement, against 1.8 ms for a run without.)
    pub fn register_stdlib(&mut self) -> Result<(), KernelError> {
        for (_, wasm) in stdlib::MODULES {
            self.load(wasm, Origin::Stdlib, Some(Cow::Borrowed(wasm)))?;
        }
        Ok(())
    }

    /// Registers a kernel module from bytes without compiling it, labelled `label`: its size
    /// bounds, imports, exports and metadata are checked and its code is validated, as by
    /// [`Self::load_bytes`], but it is compiled and instantiated only at its first call, so
    /// defects that only compiling or instantiating shows (a start function that traps, too
    /// large an initial memory) are reported then. For what needs only the metadata:
    /// `rdx check`, `rdx invert`, `rdx asm`.
    pub fn declare_bytes(&mut self, wasm: &[u8], label: &str) -> Result<Vec<String>, KernelError> {
        let origin = Origin::Bytes(label.to_string());
        // The section, then the bounds (`load` checks both again, in linear time), so that the
        // validator never sees a module over them.
        no_section_first(wasm, label)?;
        crate::scan::scan(wasm, label)?;
        Module::validate(&self.engine, wasm)
            .map_err(|e| KernelError::BadModule { origin: label.to_string(), reason: format!("{e:#}") })?;
        self.load(wasm, origin, Some(Cow::Owned(wasm.to_vec())))
    }

    /// Loads a user kernel from a `.wasm` file; returns the names it registered.
    pub fn load_user(&mut self, path: &Path) -> Result<Vec<String>, KernelError> {
        let origin = Origin::File(path.to_path_buf());
        let bytes = std::fs::read(path)
            .map_err(|e| KernelError::Io { origin: origin.to_string(), message: e.to_string() })?;
        self.load(&bytes, origin, None)
    }

    /// Loads a kernel module from bytes, labelled `label` in errors and listings.
    pub fn load_bytes(&mut self, wasm: &[u8], label: &str) -> Result<Vec<String>, KernelError> {
        self.load(wasm, Origin::Bytes(label.to_string()), None)
    }

    /// Loads a module: scans it (size bounds, imports, exports; `crate::scan`) and reads its
    /// metadata, then, unless `lazy` holds the bytes to compile at the first call, compiles
    /// and instantiates it now, so a user kernel's defects are reported when it is loaded.
    fn load(
        &mut self,
        wasm: &[u8],
        origin: Origin,
        lazy: Option<Cow<'static, [u8]>>,
    ) -> Result<Vec<String>, KernelError> {
        let label = origin.to_string();
        let bad_meta = |reason: String| KernelError::BadMetadata { origin: label.clone(), reason };

        no_section_first(wasm, &label)?;
        let sections = crate::scan::scan(wasm, &label)?.metadata;
        let meta = match sections.as_slice() {
            [] => return Err(bad_meta(format!("no `{}` custom section", meta::SECTION))),
            [one] => {
                let text = std::str::from_utf8(one).map_err(|_| bad_meta("not UTF-8".into()))?;
                meta::parse(text).map_err(bad_meta)?
            }
            _ => return Err(bad_meta(format!("more than one `{}` section", meta::SECTION))),
        };

        let mut names = vec![meta.name.clone()];
        if meta.mirror != meta.name {
            names.push(meta.mirror.clone());
        }
        for name in &names {
            if self.by_name.contains_key(name) {
                return Err(KernelError::DuplicateKernel { name: name.clone(), origin: label.clone() });
            }
        }
        let eager = lazy.is_none();
        let module = if eager { Some(compile(&self.engine, wasm, &label)?) } else { None };
        let mut loaded = Loaded { module, wasm: lazy.unwrap_or_default(), meta, origin, live: None };
        if eager {
            loaded.live = Some(instantiate(&self.engine, self.limits, &loaded)?);
        }
        let idx = self.modules.len();
        self.by_name.insert(loaded.meta.name.clone(), (idx, Dir::Forward));
        if loaded.meta.mirror != loaded.meta.name {
            self.by_name.insert(loaded.meta.mirror.clone(), (idx, Dir::Inverse));
        }
        self.modules.push(loaded);
        Ok(names)
    }

    /// The kernel called `name`, if loaded.
    pub fn get(&self, name: &str) -> Option<KernelInfo> {
        let &(idx, dir) = self.by_name.get(name)?;
        Some(self.info(idx, dir))
    }

    /// Every loaded kernel, sorted by name.
    pub fn kernels(&self) -> Vec<KernelInfo> {
        let mut all: Vec<KernelInfo> = self.by_name.values().map(|&(idx, dir)| self.info(idx, dir)).collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    fn info(&self, idx: usize, dir: Dir) -> KernelInfo {
        let m = &self.modules[idx];
        KernelInfo {
            name: m.name(dir).to_string(),
            mirror: m.name(dir.flip()).to_string(),
            elem: m.meta.elem,
            kind: m.meta.kind,
            order: m.meta.order,
            length: m.meta.length,
            max_len: m.meta.max_len,
            origin: m.origin.clone(),
        }
    }

    /// Runs kernel `name` on `buf` in place.
    pub fn call(&mut self, name: &str, buf: &mut Buffer) -> Result<(), KernelError> {
        let (idx, dir) = self.lookup(name)?;
        self.invoke(idx, dir, buf)
    }

    /// Runs the mirror of kernel `name` on `buf` in place (what `kernel name(buf)` does backward).
    pub fn call_mirror(&mut self, name: &str, buf: &mut Buffer) -> Result<(), KernelError> {
        let (idx, dir) = self.lookup(name)?;
        self.invoke(idx, dir.flip(), buf)
    }

    /// Runs kernel `name` and verifies its promise (on copies; on success `buf` holds the
    /// kernel's output, on failure its input):
    /// - a unitary kernel must preserve the norm: Σ|xᵢ|² within [`NORM_TOLERANCE`] relative,
    ///   or √(Σ|xᵢ|²) within [`NORM_FLOOR`] absolute;
    /// - its mirror must restore the input: bit for bit for an exact kernel, within
    ///   [`NORM_TOLERANCE`] relative distance plus [`NORM_FLOOR`]
    ///   (‖K⁻¹(K(x)) − x‖₂ ≤ tol·‖x‖₂ + floor) for a unitary one;
    /// - a self-mirror kernel (K = K⁻¹) applied twice must give the input back, so that the
    ///   `forward` and `inverse` exports, which a run uses in turn for it, agree.
    ///
    /// A float input holding NaN or inf has no norm to keep and cannot come back through a
    /// transform that mixes its elements, so it is not checked.
    pub fn call_checked(&mut self, name: &str, buf: &mut Buffer) -> Result<(), KernelError> {
        let (idx, dir) = self.lookup(name)?;
        self.checked(idx, dir, buf)
    }

    /// [`Self::call_checked`] for the mirror of kernel `name`: what a checked run does for
    /// `kernel name(buf)` backward. It runs the same export as [`Self::call_mirror`] (for a
    /// self-mirror kernel, `inverse`).
    pub fn call_mirror_checked(&mut self, name: &str, buf: &mut Buffer) -> Result<(), KernelError> {
        let (idx, dir) = self.lookup(name)?;
        self.checked(idx, dir.flip(), buf)
    }

    fn checked(&mut self, idx: usize, dir: Dir, buf: &mut Buffer) -> Result<(), KernelError> {
        let input = buf.clone();
        let result = self.checked_in_place(idx, dir, buf);
        if result.is_err() {
            *buf = input;
        }
        result
    }

    fn checked_in_place(&mut self, idx: usize, dir: Dir, buf: &mut Buffer) -> Result<(), KernelError> {
        let m = &self.modules[idx];
        let (kind, kernel, mirror) = (m.meta.kind, m.name(dir).to_string(), m.name(dir.flip()).to_string());
        let input = buf.clone();
        match kind {
            Kind::Unitary => {
                // Compared at a common scale, so values near f64::MAX do not overflow.
                let Some(before) = buf.scaled_norm_sqr() else { return self.invoke(idx, dir, buf) };
                self.invoke(idx, dir, buf)?;
                let norm = |(m, s): (f64, f64)| m * s.sqrt();
                let Some(after) = buf.scaled_norm_sqr() else {
                    let after = if buf.norm_sqr().is_nan() { f64::NAN } else { f64::INFINITY };
                    return Err(KernelError::NormNotPreserved { kernel, before: norm(before), after });
                };
                if !norm_kept(before, after) {
                    return Err(KernelError::NormNotPreserved {
                        kernel,
                        before: norm(before),
                        after: norm(after),
                    });
                }
            }
            Kind::Exact => self.invoke(idx, dir, buf)?,
        }
        // Integers compare bit for bit (`close_to` ignores the tolerances for them).
        let mut back = buf.clone();
        self.invoke(idx, dir.flip(), &mut back)?;
        if !back.close_to(&input, NORM_TOLERANCE, NORM_FLOOR) {
            return Err(KernelError::NotInverted { kernel, mirror, kind });
        }
        if kernel == mirror {
            let mut twice = buf.clone();
            self.invoke(idx, dir, &mut twice)?;
            if !twice.close_to(&input, NORM_TOLERANCE, NORM_FLOOR) {
                return Err(KernelError::NotSelfInverse { kernel });
            }
        }
        Ok(())
    }

    /// The dynamic I5 check: applies kernel `name` to a copy of `buf` as many times as its
    /// declared order and reports whether the copy came back (bit for bit for integers,
    /// within `rel` relative distance plus [`NORM_FLOOR`] for floats). `Ok(false)` when no
    /// order is declared;
    /// `Ok(true)` for a float buffer holding NaN or inf, which is no evidence either way.
    pub fn verify_order(&mut self, name: &str, buf: &Buffer, rel: f64) -> Result<bool, KernelError> {
        let (idx, dir) = self.lookup(name)?;
        self.order_holds(idx, dir, buf, rel)
    }

    /// [`Self::verify_order`] for the mirror of kernel `name`, through the export
    /// [`Self::call_mirror`] runs.
    pub fn verify_mirror_order(&mut self, name: &str, buf: &Buffer, rel: f64) -> Result<bool, KernelError> {
        let (idx, dir) = self.lookup(name)?;
        self.order_holds(idx, dir.flip(), buf, rel)
    }

    fn order_holds(&mut self, idx: usize, dir: Dir, buf: &Buffer, rel: f64) -> Result<bool, KernelError> {
        let order = self.modules[idx].meta.order;
        if order == 0 {
            return Ok(false);
        }
        // NaN and inf spread through a transform that mixes its elements (inf − inf is NaN),
        // so an input holding them cannot come back: it says nothing of the kernel's order.
        if buf.elem().is_float() && buf.scaled_norm_sqr().is_none() {
            return Ok(true);
        }
        let mut work = buf.clone();
        for _ in 0..order {
            self.invoke(idx, dir, &mut work)?;
        }
        Ok(work.close_to(buf, rel, NORM_FLOOR))
    }

    fn lookup(&self, name: &str) -> Result<(usize, Dir), KernelError> {
        self.by_name.get(name).copied().ok_or_else(|| KernelError::UnknownKernel { name: name.to_string() })
    }

    fn invoke(&mut self, idx: usize, dir: Dir, buf: &mut Buffer) -> Result<(), KernelError> {
        let limits = self.limits;
        let engine = &self.engine;
        let m = &mut self.modules[idx];
        let kernel = m.name(dir).to_string();
        if buf.elem() != m.meta.elem {
            return Err(KernelError::WrongElement { kernel, expected: m.meta.elem, found: buf.elem() });
        }
        let len = buf.len();
        if m.meta.length == LengthRule::PowerOfTwo && !len.is_power_of_two() {
            return Err(KernelError::NotPowerOfTwo { kernel, len });
        }
        if let Some(max) = m.meta.max_len
            && len > max
        {
            return Err(KernelError::TooLong { kernel, len, max });
        }
        if m.module.is_none() {
            let label = m.origin.to_string();
            m.module = Some(compile(engine, &m.wasm, &label)?);
            m.wasm = Cow::Borrowed(&[]);
        }
        if m.live.is_none() {
            m.live = Some(instantiate(engine, limits, m)?);
        }
        let Some(live) = m.live.as_mut() else {
            return Err(KernelError::Trap { kernel, message: "instance unavailable".into() });
        };
        // The buffer must fit in the 32-bit address space, and its length in an i32.
        let max_len = (u32::MAX as usize - live.base) / buf.elem().size();
        if len > max_len || len > i32::MAX as usize {
            return Err(KernelError::TooLong { kernel, len, max: max_len.min(i32::MAX as usize) });
        }
        let (start, end) = (live.base, live.base + buf.byte_len());
        let result = run(live, limits, dir, buf, start, end);
        if result.is_err() {
            // A failed call may leave the instance half-way; start the next call afresh.
            m.live = None;
        }
        result.map_err(|failure| failure.into_error(kernel, limits, Some(len)))
    }
}

/// The norm check of a checked call, on `(m, s)` pairs from [`Buffer::scaled_norm_sqr`]
/// (Σ|xᵢ|² = m²·s) before and after: Σ|xᵢ|² kept within [`NORM_TOLERANCE`] relative, or
/// √(Σ|xᵢ|²) within [`NORM_FLOOR`] absolute. Both sides are compared at the larger scale.
fn norm_kept((mb, sb): (f64, f64), (ma, sa): (f64, f64)) -> bool {
    let m = mb.max(ma);
    if m == 0.0 {
        return true;
    }
    let (before, after) = (sb * (mb / m) * (mb / m), sa * (ma / m) * (ma / m));
    (after - before).abs() <= NORM_TOLERANCE * before.max(after)
        || (after.sqrt() - before.sqrt()).abs() * m <= NORM_FLOOR
}

/// How a call failed, before it is given the kernel's name.
enum Failure {
    Fuel,
    /// Over the host's cap (`needed`: the memory size the buffer needed, when it was the host
    /// growing memory for the buffer that failed).
    Memory {
        needed: Option<usize>,
    },
    /// The host could not grow memory to the `needed` bytes the buffer needs: the module
    /// declares a maximum of `max` bytes.
    ModuleMax {
        max: usize,
        needed: usize,
    },
    Trap(String),
}

impl Failure {
    /// The error of a call on a buffer of `len` elements (`None`: at instantiation).
    fn into_error(self, kernel: String, limits: Limits, len: Option<usize>) -> KernelError {
        match self {
            Failure::Fuel => KernelError::FuelExhausted { kernel, fuel: limits.fuel, len },
            Failure::Memory { needed } => KernelError::MemoryCap {
                kernel,
                cap_bytes: limits.memory_bytes,
                module_max_bytes: None,
                needed_bytes: needed,
            },
            Failure::ModuleMax { max, needed } => KernelError::MemoryCap {
                kernel,
                cap_bytes: limits.memory_bytes,
                module_max_bytes: Some(max),
                needed_bytes: Some(needed),
            },
            Failure::Trap(message) => KernelError::Trap { kernel, message },
        }
    }

    fn classify(err: &wasmtime::Error, cap: &Cap) -> Failure {
        if cap.refused {
            return Failure::Memory { needed: None };
        }
        match err.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => Failure::Fuel,
            Some(trap) => Failure::Trap(trap.to_string()),
            None => Failure::Trap(format!("{err:#}")),
        }
    }
}

/// Copies the buffer in, calls the entry point, copies the buffer out.
#[inline]
fn run(
    live: &mut Live,
    limits: Limits,
    dir: Dir,
    buf: &mut Buffer,
    start: usize,
    end: usize,
) -> Result<(), Failure> {
    let have = live.memory.data_size(&live.store);
    if end > have {
        // The module's own maximum first: no cap would let such a buffer in.
        let ty = live.memory.ty(&live.store);
        if let Some(max) = max_memory_bytes(&ty)
            && end > max
        {
            return Err(Failure::ModuleMax { max, needed: end });
        }
        let page = ty.page_size() as usize;
        let pages = (end - have).div_ceil(page) as u64;
        if let Err(err) = live.memory.grow(&mut live.store, pages) {
            let cap = live.store.data();
            return Err(if cap.refused || end > cap.bytes {
                Failure::Memory { needed: Some(end) }
            } else {
                Failure::Trap(format!(
                    "cannot grow memory by {pages} pages of {page} bytes for a buffer that needs a \
                     memory of {end} bytes: {err:#}"
                ))
            });
        }
    }
    buf.write_le(&mut live.memory.data_mut(&mut live.store)[start..end]);
    live.store.set_fuel(limits.fuel).map_err(|e| Failure::Trap(e.to_string()))?;
    let func = match dir {
        Dir::Forward => &live.forward,
        Dir::Inverse => &live.inverse,
    };
    if let Err(err) = func.call(&mut live.store, (start as i32, (buf.len()) as i32)) {
        return Err(Failure::classify(&err, live.store.data()));
    }
    // The kernel may have grown memory, but never shrinks it: [start, end) is still there.
    buf.read_le(&live.memory.data(&live.store)[start..end]);
    Ok(())
}

/// The largest size a memory of type `ty` may grow to, in bytes, if its module declares one.
fn max_memory_bytes(ty: &wasmtime::MemoryType) -> Option<usize> {
    let pages = ty.maximum()?;
    Some(usize::try_from(pages.saturating_mul(ty.page_size())).unwrap_or(usize::MAX))
}

/// Refuses a well-framed module without an `rdx.kernel` section before the scan looks at its
/// exports: without the section it is no kernel module at all, and "no exported memory" (what
/// the scan says first of a bare `(module)`) would send its author the wrong way. A module
/// whose framing is broken is left to the scan, which says what is wrong with it.
fn no_section_first(wasm: &[u8], label: &str) -> Result<(), KernelError> {
    match meta::custom_sections(wasm, meta::SECTION) {
        Ok(sections) if sections.is_empty() => Err(KernelError::BadMetadata {
            origin: label.to_string(),
            reason: format!("no `{}` custom section", meta::SECTION),
        }),
        _ => Ok(()),
    }
}

/// Compiles a kernel module that passed [`crate::scan::scan`] (size bounds, no imports, the
/// ABI's exports). A failure's message is wasmtime's whole chain of causes (the outermost
/// alone, e.g. "failed to compile: wasm[0]::function[0]::f", does not say why).
fn compile(engine: &Engine, wasm: &[u8], label: &str) -> Result<Module, KernelError> {
    Module::new(engine, wasm)
        .map_err(|e| KernelError::BadModule { origin: label.to_string(), reason: format!("{e:#}") })
}

/// Instantiates a module in a fresh store with the memory cap; the start function (if any)
/// runs under the fuel budget.
fn instantiate(engine: &Engine, limits: Limits, m: &Loaded) -> Result<Live, KernelError> {
    let label = m.origin.to_string();
    let kernel = m.meta.name.clone();
    let mut store = Store::new(engine, Cap { bytes: limits.memory_bytes, refused: false });
    store.limiter(|cap| cap);
    store
        .set_fuel(limits.fuel)
        .map_err(|e| KernelError::BadModule { origin: label.clone(), reason: e.to_string() })?;
    let Some(module) = &m.module else {
        return Err(KernelError::BadModule { origin: label, reason: "not compiled".into() });
    };
    let instance = match Instance::new(&mut store, module, &[]) {
        Ok(instance) => instance,
        // A trap here (in the start function, or a segment out of bounds) is the module's
        // defect, not a call's: it is reported against the module, named by its origin.
        Err(err) => {
            return Err(match Failure::classify(&err, store.data()) {
                Failure::Trap(message) => KernelError::BadModule {
                    origin: label,
                    reason: format!(
                        "trapped while instantiating (start function or segment initialisation): {message}"
                    ),
                },
                failure => failure.into_error(kernel, limits, None),
            });
        }
    };
    let bad = |reason: String| KernelError::BadModule { origin: label.clone(), reason };
    let memory = instance.get_memory(&mut store, "memory").ok_or_else(|| bad("no memory export".into()))?;
    let forward =
        instance.get_typed_func::<(i32, i32), ()>(&mut store, "forward").map_err(|e| bad(e.to_string()))?;
    let inverse =
        instance.get_typed_func::<(i32, i32), ()>(&mut store, "inverse").map_err(|e| bad(e.to_string()))?;
    let base = match instance.get_global(&mut store, "rdx_base").map(|g| g.get(&mut store)) {
        None => 0,
        Some(Val::I32(b)) => b as u32 as usize,
        Some(_) => return Err(bad("export `rdx_base` must be an i32 global".into())),
    };
    if base % 16 != 0 {
        return Err(bad(format!("`rdx_base` = {base} is not a multiple of 16")));
    }
    // A base at or past the memory cap leaves no room for any buffer: every call would fail
    // (a negative i32, read as an address near 4 GiB, did at length 1).
    if base >= limits.memory_bytes {
        return Err(bad(format!(
            "`rdx_base` = {base} ({}) leaves no room for a buffer under the memory cap of {} bytes",
            base as u32 as i32, limits.memory_bytes
        )));
    }
    // Nor one at or past the module's own memory maximum.
    let ty = memory.ty(&store);
    if let Some(max) = max_memory_bytes(&ty)
        && base >= max
    {
        let pages = ty.maximum().unwrap_or(0);
        return Err(bad(format!(
            "`rdx_base` = {base} leaves no room for a buffer under the module's memory maximum of {max} \
             bytes ({pages} page{} of 64 KiB)",
            if pages == 1 { "" } else { "s" }
        )));
    }
    Ok(Live { store, memory, forward, inverse, base })
}
