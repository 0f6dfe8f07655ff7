//! Bytecode modules: the in-memory form, the deterministic binary encoding (`.rdxb`) and the
//! loader with its verifier.
//!
//! Binary layout (all integers little-endian; see `spec/bytecode.md`):
//!
//! ```text
//! "RDXB" version:u16 dialect:u8 flags:u8
//! section*: id:u8 length:u32 payload
//!   1 constants  count:u32 string*
//!   2 genes      count:u32 (name param_count:u16 (name type)* slots:u16 words:u32)*
//!   3 code       per gene: arg_count:u32 slot:u16* instr_count:u32 instr*
//!   4 debug      file source per gene: span_count:u32 (start:u32 end:u32)* name_count:u16 name*
//! ```
//!
//! A string is `len:u32` then UTF-8 bytes. Sections 1–3 are required and come in order; 4 is
//! optional. [`Module::decode`] reads and verifies; a module that decodes is safe to run.

mod decode;
mod encode;
pub mod forward;
pub mod inline;
mod mirror;
mod reversible;
mod verify;

pub use mirror::paired_fix;
pub use verify::MAX_FRAME_WORDS;

use crate::ops::{Op, Slot};
use std::hash::Hash;

/// The history-tape tag of an entry whose writer is unknown; it matches any undo.
pub const ANY_TAG: u64 = u64::MAX;
use rdx_lang::ast::{Dialect, Span, Type};

/// The four bytes every module starts with.
pub const MAGIC: &[u8; 4] = b"RDXB";
/// The format version this crate reads and writes.
pub const VERSION: u16 = 1;

/// A bytecode module: everything needed to run its genes in either direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    /// Arithmetic and printing rules of the source language.
    pub dialect: Dialect,
    /// String constants (messages of `error`, `print` texts, names shown by `show`).
    pub strings: Vec<String>,
    pub genes: Vec<GeneDef>,
    /// Source spans and names; absent in a stripped module.
    pub debug: Option<DebugInfo>,
}

/// One gene: its signature, frame layout and code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneDef {
    pub name: String,
    pub params: Vec<ParamDef>,
    /// Number of 64-bit slots (parameters first, then locals and temporaries).
    pub slots: u16,
    /// Frame size in words: the slots plus the storage of local arrays.
    pub words: u32,
    /// Argument lists of `call`/`printf` instructions: slots of this gene's frame.
    pub args: Vec<crate::ops::Slot>,
    /// The instruction stream, `enter … exit`.
    pub code: Vec<Op>,
    /// Derived by the verifier: the first slot of each parameter.
    pub param_slots: Vec<u16>,
    /// Derived by the verifier: how a call passes each parameter (see [`ParamPass`]).
    pub param_pass: Vec<ParamPass>,
    /// Derived by the verifier: the scalar parameters, whose values a return copies back, as
    /// (position in the argument list, word in the callee's frame).
    pub param_back: Vec<(u16, u16)>,
    /// Derived by the verifier: the history-tape tag of each lossy instruction (`assign`,
    /// `unassign`) as (position, [`Module::tape_tag`]), in position order, so that a run looks
    /// a tag up instead of hashing the statement's code at each write.
    pub tape_tags: Vec<(u32, u64)>,
    /// Derived by the verifier: the words the parameters take (the rest of a new frame starts
    /// at zero).
    pub param_words: u16,
    /// Derived by the verifier: the backward stream (see [`Backward`]).
    pub backward: Backward,
    /// Derived by the verifier: the interpreter's plain-run streams (`module/inline.rs`).
    pub plain: Plain,
    /// Derived by the verifier: the simple loops of `code` ([`crate::loops::counted_loops`]).
    pub loops: Vec<crate::loops::CountedLoop>,
    /// Derived by the verifier: for each entry of `args`, whether a call or uncall passing it
    /// may change it (the callee may write that parameter; see [`crate::loops::writes`]).
    /// Empty: every argument may change.
    pub arg_written: Vec<bool>,
    /// Derived by the verifier: the streams a run executes, forward and backward, where they
    /// differ from the gene's own: with the code computing a lossy assignment's value passed
    /// over in the direction that does not read it (`module/forward.rs`); empty where they do
    /// not differ.
    pub skipping: [Vec<Op>; 2],
}

/// A gene's streams with its leaf calls translated in place, forward and backward (empty:
/// the gene's own stream), and where each instruction comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plain {
    pub code: [Vec<Op>; 2],
    /// Empty where the stream only replaces instructions in place (each at its own position).
    pub origin: [Vec<PlainAt>; 2],
}

/// Where an instruction of a plain stream comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlainAt {
    /// Its position in the gene's own stream (inside a translated call: the call's).
    pub at: u32,
    /// The callee whose instruction it is, or [`PlainAt::NONE`].
    pub callee: u32,
    /// Its position in the callee's stream.
    pub callee_pc: u32,
}

impl GeneDef {
    /// The gene's own stream in direction `dir` ([`Module::stream`]).
    #[inline]
    pub fn stream(&self, dir: crate::Direction) -> &[Op] {
        match dir {
            crate::Direction::Forward => &self.code,
            crate::Direction::Backward => &self.backward.code,
        }
    }

    /// The stream a run of the gene executes in direction `dir` under the debugger: its own
    /// ([`GeneDef::stream`]), with the value code that direction does not read passed over
    /// ([`GeneDef::skipping`]).
    #[inline]
    pub fn run_stream(&self, dir: crate::Direction) -> &[Op] {
        let s = &self.skipping[(dir == crate::Direction::Backward) as usize];
        if s.is_empty() { self.stream(dir) } else { s }
    }

    /// The stream a plain run of the gene executes in direction `dir` ([`Module::plain_stream`]).
    #[inline]
    pub fn plain_stream(&self, dir: crate::Direction) -> &[Op] {
        let p = &self.plain.code[(dir == crate::Direction::Backward) as usize];
        if p.is_empty() { self.run_stream(dir) } else { p }
    }

    /// The genes this gene's code calls or uncalls, each once, in index order.
    pub fn callees(&self) -> Vec<usize> {
        let mut c: Vec<usize> = self
            .code
            .iter()
            .filter_map(|op| match *op {
                Op::Call { gene, .. } | Op::Uncall { gene, .. } => Some(gene.0 as usize),
                _ => None,
            })
            .collect();
        c.sort_unstable();
        c.dedup();
        c
    }

    /// The width whose low bits the undone xorshift `code[pc]` (`xsl.inv`/`xsr.inv`) of slot
    /// `dst` needs, the steps past it changing nothing kept ([`crate::ops::xs_steps`]): the
    /// width of the `fix` it is undone with (`fixed`: a fixed-width variable's update and the
    /// `fix` after it, undone as a unit, `paired_fix`), for `xsr.inv` only an unsigned one
    /// (zero-extended, so the steps past it shift in zeros); for `xsr.inv` without a `fix`, the
    /// width of an unsigned fixed-width parameter `dst` is (the verifier keeps its values below
    /// 2^bits: rule 18); else 64. Both engines undo by this one rule.
    pub fn xs_width(&self, dst: crate::ops::Slot, right: bool, fixed: Option<crate::ops::Wid>) -> u32 {
        use rdx_lang::ast::Type;
        match fixed.map(|w| w.width()) {
            Some(w) if !(right && w.signed) => return u32::from(w.bits),
            Some(_) => return 64,
            None => {}
        }
        let param = self.param_slots.iter().position(|&s| s == dst.0).and_then(|k| self.params.get(k));
        match param.map(|p| p.ty) {
            Some(Type::Fixed(w)) if right && !w.signed => u32::from(w.bits),
            _ => 64,
        }
    }
}

impl PlainAt {
    pub const NONE: u32 = u32::MAX;
}

/// The backward stream of a gene, built at load from the forward code and the opcode table's
/// mirror column (`module/mirror.rs`): running it forward is running the gene backward, so one
/// dispatch serves both directions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Backward {
    /// The instructions, `enter … exit` like the forward code.
    pub code: Vec<Op>,
    /// For each instruction of `code`, the forward instruction it stands for: where its span,
    /// its history-tape tag and the position an error reports come from.
    pub origin: Vec<u32>,
    /// For each forward position `p` (the point before instruction `p`, `0..=len`) that is a
    /// statement boundary, the backward position of the same program point; [`Backward::NONE`]
    /// elsewhere (inside expression code and control instructions). A run can change direction
    /// at any statement boundary through this map and [`Backward::to_forward`].
    pub to_backward: Vec<u32>,
    /// The inverse of `to_backward`, indexed by backward position.
    pub to_forward: Vec<u32>,
}

impl Backward {
    /// No corresponding position.
    pub const NONE: u32 = u32::MAX;
}

/// A gene parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamDef {
    pub name: String,
    pub ty: Type,
}

impl ParamDef {
    /// Slots the parameter occupies: 2 for an array (address, length), else 1.
    pub fn width(&self) -> u16 {
        if matches!(self.ty, Type::Array(..)) { 2 } else { 1 }
    }
}

/// How a call passes one parameter, derived by the verifier from the parameter list, so a
/// call copies its arguments in and its scalars back without looking at parameter types.
/// (Eight bytes, so a loop over a gene's parameters steps by a shift.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(align(8))]
pub struct ParamPass {
    /// The parameter's first slot in the callee's frame (parameters come first, in order).
    pub at: u16,
    /// Slots it takes: 2 for an array (address, length), else 1.
    pub width: u16,
    /// A scalar: its final value is copied back into the caller's argument slot.
    pub back: bool,
}

/// Debug information: maps instructions back to source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebugInfo {
    pub file: String,
    /// The full source text, so errors and listings show source lines from a module alone.
    pub source: String,
    /// Per gene, in gene-table order.
    pub genes: Vec<GeneDebug>,
}

impl DebugInfo {
    /// The byte offsets of the source's line ends, in order: the line of offset `o` is
    /// `line_ends.partition_point(|&e| e < o) + 1` (one search, not a count from the start).
    pub fn line_ends(&self) -> Vec<u32> {
        self.source.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i as u32).collect()
    }
}

/// Debug information of one gene.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneDebug {
    /// One span per instruction.
    pub spans: Vec<Span>,
    /// Names of the first slots (parameters and locals); temporaries are unnamed. A slot that
    /// locals use in turn lists their names in the order they open, separated by `/`, with
    /// `NAME*N` for N in a row ([`Self::slot_uses`]).
    pub slot_names: Vec<String>,
}

/// One entry of a slot's names: `NAME` (one local) or `NAME*N` (N in a row).
pub(crate) fn slot_use(entry: &str) -> (&str, u64) {
    match entry.rsplit_once('*') {
        Some((name, k)) => (name, k.parse().unwrap_or(1)),
        None => (entry, 1),
    }
}

/// The open instructions of scalar and stack locals: the ones that may reuse a slot.
fn opens(op: &Op) -> Option<Slot> {
    match *op {
        Op::Local { dst, .. } | Op::LocalImm { dst, .. } | Op::LocalStack { dst } => Some(dst),
        _ => None,
    }
}

impl GeneDebug {
    /// The names of the variables that use slot `slot` in turn, in the order they open, each
    /// with how many open in a row under it (empty for a temporary).
    pub fn slot_uses(&self, slot: u16) -> Vec<(&str, u64)> {
        let Some(n) = self.slot_names.get(slot as usize).filter(|n| !n.is_empty()) else {
            return Vec::new();
        };
        n.split('/').map(slot_use).collect()
    }

    /// The name of the variable in slot `slot` at forward position `pc` of `code` (the gene's
    /// own code): the one of the latest local opened there at or before `pc`. A slot with one
    /// name (a parameter, an array, a local alone in it) has it everywhere.
    pub fn name_at(&self, code: &[Op], slot: u16, pc: usize) -> Option<&str> {
        self.names_in(code).at(slot, pc)
    }

    /// The name of the `k`-th local (from 0) to open in a slot of these uses.
    fn nth<'a>(uses: &[(&'a str, u64)], mut k: usize) -> Option<&'a str> {
        for &(name, n) in uses {
            if (k as u64) < n {
                return Some(name);
            }
            k -= n as usize;
        }
        None
    }

    /// The slot's names for a listing that has no position: the different ones in the order
    /// they first open, the first four, then `…` (`i/j/k/l/…`).
    pub fn slot_label(&self, slot: u16) -> Option<String> {
        label_of(self.slot_uses(slot).into_iter().map(|(n, _)| n))
    }

    /// The names of slot `slot` by the positions of `code` where each use opens, for lookups
    /// at many positions ([`SlotNames`]). Each slot's names are split once, here.
    pub fn names_in<'a>(&'a self, code: &[Op]) -> SlotNames<'a> {
        let mut open_at: Vec<Vec<u32>> = vec![Vec::new(); self.slot_names.len()];
        for (pc, op) in code.iter().enumerate() {
            if let Some(s) = opens(op).and_then(|s| open_at.get_mut(s.0 as usize)) {
                s.push(pc as u32);
            }
        }
        let uses = (0..self.slot_names.len()).map(|s| self.slot_uses(s as u16)).collect();
        SlotNames { uses, open_at, labels: (0..self.slot_names.len()).map(|_| None).collect() }
    }
}

/// A gene's slot names with where each use opens: the name at any position in logarithmic
/// time (a slot's names are split once, not at each lookup: a slot that thousands of locals
/// use in turn made a listing quadratic).
pub struct SlotNames<'a> {
    /// Per slot, [`GeneDebug::slot_uses`].
    uses: Vec<Vec<(&'a str, u64)>>,
    open_at: Vec<Vec<u32>>,
    /// Per slot, its [`GeneDebug::slot_label`] once asked for.
    labels: Vec<Option<Option<String>>>,
}

impl<'a> SlotNames<'a> {
    /// The name of slot `slot` at forward position `pc`, as [`GeneDebug::name_at`].
    pub fn at(&self, slot: u16, pc: usize) -> Option<&'a str> {
        let uses = self.uses.get(slot as usize)?;
        if let [(name, _)] = uses[..] {
            return Some(name);
        }
        let opened = self.open_at.get(slot as usize)?;
        let k = opened.partition_point(|&p| p as usize <= pc);
        GeneDebug::nth(uses, k.checked_sub(1)?)
    }

    /// The slot's names without a position, as [`GeneDebug::slot_label`] (found once a slot).
    pub fn label(&mut self, slot: u16) -> Option<String> {
        let uses = self.uses.get(slot as usize)?;
        let cell = &mut self.labels[slot as usize];
        cell.get_or_insert_with(|| label_of(uses.iter().map(|&(n, _)| n))).clone()
    }
}

/// The names for a listing that has no position: the different ones in the order they first
/// open, the first four, then `…` (`i/j/k/l/…`).
fn label_of<'a>(names: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut seen: Vec<&str> = Vec::new();
    for name in names {
        if seen.contains(&name) {
            continue;
        }
        if seen.len() == 4 {
            return Some(seen.join("/") + "/…");
        }
        seen.push(name);
    }
    (!seen.is_empty()).then(|| seen.join("/"))
}

/// What kind of defect made a module fail to load.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoadErrorKind {
    /// Not an rdx module: the magic bytes `RDXB` are missing (or the file is shorter than them).
    BadMagic,
    /// A format version this rdx does not read.
    UnsupportedVersion,
    /// A header field (dialect, flags) with a value the format does not define.
    BadHeader,
    /// The bytes end early: a value, a count or a section needs more bytes than remain.
    Truncated,
    /// A section is missing, out of order, or followed by bytes it does not use.
    BadSection,
    /// A byte that is no instruction's opcode.
    UnknownOpcode,
    /// An operand or tag with a value the format does not define (a condition form, a type tag).
    BadOperand,
    /// A string that is not valid UTF-8.
    NotUtf8,
    /// The bytes decode, but the module breaks a verifier rule (an index or jump out of range,
    /// a malformed control structure, a frame over the limit, inconsistent debug info, …).
    Invalid,
}

impl LoadErrorKind {
    /// A stable snake_case name (`"truncated"`, `"bad_magic"`, …) for bindings and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            LoadErrorKind::BadMagic => "bad_magic",
            LoadErrorKind::UnsupportedVersion => "unsupported_version",
            LoadErrorKind::BadHeader => "bad_header",
            LoadErrorKind::Truncated => "truncated",
            LoadErrorKind::BadSection => "bad_section",
            LoadErrorKind::UnknownOpcode => "unknown_opcode",
            LoadErrorKind::BadOperand => "bad_operand",
            LoadErrorKind::NotUtf8 => "not_utf8",
            LoadErrorKind::Invalid => "invalid",
        }
    }
}

/// A module that failed to load: what kind of defect, where in the bytes, and a message that
/// says what exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub kind: LoadErrorKind,
    /// Byte offset into the module of what the decoder could not read; 0 for a verifier error
    /// ([`LoadErrorKind::Invalid`]), whose message names the gene and instruction instead.
    pub offset: usize,
    pub message: String,
}

impl LoadError {
    pub fn new(kind: LoadErrorKind, offset: usize, message: impl Into<String>) -> LoadError {
        LoadError { kind, offset, message: message.into() }
    }

    /// A verifier error ([`LoadErrorKind::Invalid`]), about the whole module.
    pub fn invalid(message: impl Into<String>) -> LoadError {
        LoadError::new(LoadErrorKind::Invalid, 0, message)
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            // The verifier's rules are about the decoded module: its message names the gene and
            // instruction (a byte offset would be made up).
            LoadErrorKind::Invalid => write!(f, "invalid module: {}", self.message),
            _ => write!(f, "invalid module at byte {}: {}", self.offset, self.message),
        }
    }
}

impl std::error::Error for LoadError {}

impl Module {
    /// Each gene's callees (genes of this module it calls or uncalls).
    pub fn call_graph(&self) -> Vec<Vec<usize>> {
        let n = self.genes.len();
        self.genes.iter().map(|g| g.callees().into_iter().filter(|&c| c < n).collect()).collect()
    }

    /// Whether some gene can reach itself through calls (recursion), in time proportional to
    /// the genes and calls.
    pub fn recursive(&self) -> bool {
        inline::callees_first(&self.call_graph()).1
    }

    /// The index of the gene called `name`.
    pub fn gene_index(&self, name: &str) -> Option<usize> {
        self.genes.iter().position(|g| g.name == name)
    }

    /// The source span of instruction `pc` of gene `gene`, if the module has debug info.
    pub fn span(&self, gene: usize, pc: usize) -> Option<Span> {
        self.debug.as_ref()?.genes.get(gene)?.spans.get(pc).copied()
    }

    /// The code of gene `gene` that runs in direction `dir`: its forward code or its backward
    /// stream.
    #[inline]
    pub fn stream(&self, gene: usize, dir: crate::Direction) -> &[Op] {
        self.genes[gene].stream(dir)
    }

    /// The forward instruction that instruction `pc` of gene `gene`'s stream in direction `dir`
    /// stands for (itself going forward).
    pub fn origin(&self, gene: usize, pc: usize, dir: crate::Direction) -> usize {
        match dir {
            crate::Direction::Forward => pc,
            crate::Direction::Backward => {
                self.genes.get(gene).and_then(|g| g.backward.origin.get(pc)).map_or(pc, |&o| o as usize)
            }
        }
    }

    /// The history-tape tag of lossy instruction `pc` of gene `gene` (`assign` or `unassign`):
    /// a digest of what the statement writes — the gene, its target and source slots and the
    /// pure expression code that computes the new value. `t := e` and a later `undo t := e` (or
    /// the inverse program's `undo`) get the same tag wherever each stands, so an undo matches
    /// the write it reverses, and popping an entry another statement wrote is caught (R0115).
    /// Both engines tag through here.
    pub fn tape_tag(&self, gene: usize, pc: usize) -> u64 {
        let Some(g) = self.genes.get(gene) else { return ANY_TAG };
        match g.tape_tags.binary_search_by_key(&pc, |&(at, _)| at as usize) {
            Ok(i) => g.tape_tags[i].1,
            // (A module not verified yet has no table.)
            Err(_) => statement_tag(gene, &g.code, pc),
        }
    }

    /// Where the entry tagged `tag` was written: the span of the first lossy instruction whose
    /// statement has that tag (for error messages; cold).
    pub fn tape_tag_span(&self, tag: u64) -> Option<Span> {
        (0..self.genes.len()).find_map(|g| {
            (0..self.genes[g].code.len())
                .filter(|&pc| matches!(self.genes[g].code[pc], Op::Assign { .. }))
                .find(|&pc| self.tape_tag(g, pc) == tag)
                .and_then(|pc| self.span(g, pc))
        })
    }

    /// The source name of slot `slot` of gene `gene` at its forward position `pc` (from the
    /// debug section: the local open there, when locals use the slot in turn), else the slot's
    /// names ([`GeneDebug::slot_label`]), else `slot N`.
    pub fn slot_name(&self, gene: usize, slot: u16, pc: usize) -> String {
        let debug = self.debug.as_ref().and_then(|d| d.genes.get(gene));
        let code = self.genes.get(gene).map_or(&[][..], |g| &g.code[..]);
        debug
            .and_then(|d| d.name_at(code, slot, pc).map(str::to_string).or_else(|| d.slot_label(slot)))
            .unwrap_or_else(|| format!("slot {slot}"))
    }

    /// Whether slot `slot` of gene `gene` is one the compiler made for itself (a loop
    /// invariant's, `spec/bytecode.md` §1): the debug section gives it no source name.
    pub fn compiler_slot(&self, gene: usize, slot: u16) -> bool {
        self.debug
            .as_ref()
            .and_then(|d| d.genes.get(gene))
            .is_some_and(|g| g.slot_names.get(slot as usize).is_none_or(|n| n.is_empty()))
    }

    /// The content identifier: blake3 hex digest of the encoded bytes.
    pub fn cid(&self) -> String {
        cid_of(&self.encode())
    }

    /// Number of lossy instructions (`assign`/`unassign`) in the module.
    pub fn lossy_count(&self) -> usize {
        self.genes
            .iter()
            .flat_map(|g| &g.code)
            .filter(|op| matches!(op, Op::Assign { .. } | Op::Unassign { .. }))
            .count()
    }

    /// The default entry gene: `main`, else the only gene.
    pub fn default_entry(&self) -> Option<usize> {
        self.gene_index("main").or(if self.genes.len() == 1 { Some(0) } else { None })
    }
}

/// The CID of module bytes: blake3, lowercase hex.
pub fn cid_of(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// [`Module::tape_tag`] computed: lossy instruction `pc` of `code`, gene `gene`'s forward stream
/// (ANY_TAG for any other instruction).
pub(crate) fn statement_tag(gene: usize, code: &[Op], pc: usize) -> u64 {
    let (dst, src, pre) = match code.get(pc) {
        Some(Op::Assign { dst, src, pre } | Op::Unassign { dst, src, pre }) => (*dst, *src, *pre),
        _ => return ANY_TAG,
    };
    let Some(expr) = pc.checked_sub(pre.0 as usize).and_then(|start| code.get(start..pc)) else {
        return ANY_TAG;
    };
    // The tag outlives the process (a recorded tape is rewound by a later build), so it is a
    // fixed function of the statement's bytecode: FNV-1a over its encoding.
    let mut bytes = Vec::with_capacity(16 + 8 * expr.len());
    bytes.extend_from_slice(&(gene as u32).to_le_bytes());
    bytes.extend_from_slice(&dst.0.to_le_bytes());
    bytes.extend_from_slice(&src.0.to_le_bytes());
    // A jump in the expression (`&&`, `||`) is encoded relative to the code's start, so that
    // the same statement's `assign` and its `undo`'s `unassign`, at two places, tag alike.
    let start = pc - expr.len();
    for op in expr {
        let mut op = *op;
        if let Op::Jz { to, .. } | Op::Jnz { to, .. } = &mut op {
            to.0 = to.0.wrapping_sub(start as u32);
        }
        op.encode(&mut bytes);
    }
    // An element's (`swap.elem t, a[i]`, the assign or unassign of t, `swap.elem t, a[i]`):
    // t stands in for every element a gene assigns, so the element is named too, by the swap
    // whose code computes only the index (after an `assign`, before an `unassign`), and the
    // value by its part of the other swap's code, each in a form its temporaries' numbers do
    // not change.
    let next = (pc + 1..code.len()).find(|&p| !code[p].is_pure());
    let (index_swap, value_swap) = match code[pc] {
        Op::Assign { .. } => (next, pc.checked_sub(1)),
        _ => (pc.checked_sub(1), next),
    };
    let element = |q: Option<usize>| match q.and_then(|q| Some((q, code.get(q)?))) {
        Some((q, &Op::SwapElem { dst: t, idx, .. })) if t == dst => Some((q, idx)),
        _ => None,
    };
    if let (Some((q, _)), Some((vq, idx))) = (element(index_swap), element(value_swap)) {
        let start = |q: usize| q - code[q].pre().map_or(0, usize::from).min(q);
        for token in reversible::code_form(code, start(q), q + 1).0 {
            bytes.extend_from_slice(&token.to_le_bytes());
        }
        if let Some((from, until)) = forward::value_part(code, vq, src, idx)
            && forward::self_contained(code, start(vq), vq, from, until)
        {
            bytes.push(0xff);
            for token in reversible::code_form(code, from, until).0 {
                bytes.extend_from_slice(&token.to_le_bytes());
            }
        }
    }
    let h = bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    // ANY_TAG is reserved for "unknown writer".
    h.min(ANY_TAG - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(src: &str) -> Module {
        let p = rdx_lang::parser::parse(src).unwrap_or_else(|d| panic!("{d:?}"));
        let c = rdx_lang::check::check(&p, &Default::default()).unwrap_or_else(|d| panic!("{d:?}"));
        crate::compile(&c, "t.rdx", src).unwrap()
    }

    /// The call graph's walk: every gene once, each after the genes it calls (outside a
    /// cycle), and a cycle found exactly when one exists, wherever it lies (not reached from
    /// the first gene, through a gene reached twice, a gene calling itself), on long chains too.
    #[test]
    fn the_call_walk_orders_callees_first_and_finds_cycles() {
        let chain = |n: usize| (0..n).map(|g| if g + 1 < n { vec![g + 1] } else { vec![] }).collect();
        let cases: Vec<(Vec<Vec<usize>>, bool)> = vec![
            (vec![], false),
            (vec![vec![]], false),
            (vec![vec![0]], true),
            (vec![vec![1, 2], vec![3], vec![3], vec![]], false),
            (vec![vec![1, 2], vec![3], vec![3], vec![1]], true),
            (vec![vec![], vec![2], vec![1]], true),
            (vec![vec![2], vec![2], vec![]], false),
            (chain(100_000), false),
            (
                {
                    let mut c: Vec<Vec<usize>> = chain(100_000);
                    c[99_999] = vec![50_000];
                    c
                },
                true,
            ),
        ];
        for (k, (callees, cycle)) in cases.iter().enumerate() {
            let (order, found) = inline::callees_first(callees);
            assert_eq!(found, *cycle, "case {k}");
            let mut seen = order.clone();
            seen.sort_unstable();
            assert_eq!(seen, (0..callees.len()).collect::<Vec<_>>(), "case {k}: each gene once");
            if !cycle {
                let at: std::collections::HashMap<usize, usize> =
                    order.iter().enumerate().map(|(i, &g)| (g, i)).collect();
                for (g, cs) in callees.iter().enumerate() {
                    assert!(cs.iter().all(|c| at[c] < at[&g]), "case {k}: gene {g} before a callee");
                }
            }
        }
    }

    /// `same_encoding` agrees with comparing the encoded bytes, whatever part differs, and
    /// ignores what the verifier derives.
    #[test]
    fn same_encoding_is_equal_bytes() {
        let sources = [
            "gene main(x: u64, y: u64) {\n    x += 1\n    y ^= x\n}\n",
            "gene main(x: u64, y: u64) {\n    x += 2\n    y ^= x\n}\n",
            "gene main(x: u64, y: u64) {\n    x += 1\n    y ^= x\n}\n\n",
            "gene main(x: u64, z: u64) {\n    x += 1\n    z ^= x\n}\n",
            "gene main(x: u64, y: i64) {\n    x += 1\n    y ^= x\n}\n",
            "gene niam(x: u64, y: u64) {\n    x += 1\n    y ^= x\n}\n",
            "gene main(x: u64, y: u64) {\n    local t: u64 = x\n    y ^= t\n    delocal t = x\n}\n",
        ];
        // Each with its debug section and without (where only the code or a name differs).
        let mut modules: Vec<Module> = sources.iter().map(|s| module(s)).collect();
        for s in sources {
            let mut stripped = module(s);
            stripped.debug = None;
            modules.push(stripped);
        }
        // Derived by the verifier: not in the bytes, not compared.
        let mut derived = module(sources[0]);
        derived.genes[0].param_slots.reverse();
        derived.genes[0].plain = Plain::default();
        modules.push(derived);
        for a in &modules {
            for b in &modules {
                assert_eq!(a.same_encoding(b), a.encode() == b.encode(), "{:?}\n{:?}", a.debug, b.debug);
            }
        }
        let (with, without) = (sources.len(), 2 * sources.len());
        assert!(modules[0].same_encoding(&modules[without]));
        assert!(!modules[0].same_encoding(&modules[1]));
        assert!(!modules[with].same_encoding(&modules[with + 1]));
    }

    /// The verifier's table gives every lossy instruction the tag its statement hashes to (the
    /// value a recorded tape holds), and nothing else a tag.
    #[test]
    fn tape_tags_are_the_statements_digests() {
        let m = module(
            "gene main(x: u64, y: u64, z: u64) {\n    x := y + 1\n    z := 2\n    call g(y)\n}\n\n\
             gene g(y: u64) {\n    y := 2\n    undo y := 2\n    y := 2\n}\n",
        );
        let mut lossy = 0;
        for (gi, g) in m.genes.iter().enumerate() {
            for pc in 0..g.code.len() {
                assert_eq!(m.tape_tag(gi, pc), statement_tag(gi, &g.code, pc), "gene {gi} at {pc}");
                if matches!(g.code[pc], Op::Assign { .. } | Op::Unassign { .. }) {
                    lossy += 1;
                    assert_ne!(m.tape_tag(gi, pc), ANY_TAG);
                } else {
                    assert_eq!(m.tape_tag(gi, pc), ANY_TAG);
                }
            }
        }
        assert_eq!(lossy, 5);
        assert_eq!(m.genes.iter().map(|g| g.tape_tags.len()).sum::<usize>(), lossy);
        // The same statement in two genes: two tags (`z := 2` and `y := 2` write other slots
        // too, but the gene alone tells them apart here).
        let main_z = m.genes[0].tape_tags[1].1;
        let g_y = m.genes[1].tape_tags[0].1;
        assert_ne!(main_z, g_y);
        // `undo y := 2` matches the write before it, and the write after has the same tag.
        let t: Vec<u64> = m.genes[1].tape_tags.iter().map(|e| e.1).collect();
        assert_eq!((t[0], t[2]), (t[1], t[1]));
    }
}
