//! The loader: bytes to a [`Module`], then the verifier. Every length is checked against the
//! bytes that remain before anything is allocated, so hostile input can neither crash the
//! loader nor make it allocate much more than its own size.

use super::encode::{
    SEC_CODE, SEC_CONSTANTS, SEC_DEBUG, SEC_GENES, TY_ARR_C64, TY_ARR_F64, TY_ARR_I64, TY_ARR_U64, TY_FIXED,
    TY_I64, TY_STACK, TY_U64,
};
use super::{DebugInfo, GeneDebug, GeneDef, LoadError, LoadErrorKind as K, MAGIC, Module, ParamDef, VERSION};
use crate::ops::{Op, Operand, Reader, Slot};
use rdx_lang::ast::{Dialect, Elem, Span, Type};

impl Module {
    /// Reads and verifies a module. Any defect — truncation, a bad count, an out-of-range slot,
    /// jump, gene or string index, a malformed control structure — is a [`LoadError`].
    pub fn decode(bytes: &[u8]) -> Result<Module, LoadError> {
        let mut r = Reader::new(bytes);
        let magic =
            r.take(4).map_err(|_| LoadError::new(K::BadMagic, 0, "not an rdx module (file too short)"))?;
        if magic != MAGIC {
            return Err(LoadError::new(
                K::BadMagic,
                0,
                "not an rdx module (bad magic bytes; expected \"RDXB\")",
            ));
        }
        let version = r.u16()?;
        if version != VERSION {
            return Err(LoadError::new(
                K::UnsupportedVersion,
                4,
                format!("unsupported format version {version} (this rdx reads {VERSION})"),
            ));
        }
        let dialect = match r.u8()? {
            0 => Dialect::Rdx,
            1 => Dialect::Janus,
            d => return Err(LoadError::new(K::BadHeader, 6, format!("unknown dialect {d}"))),
        };
        if r.u8()? != 0 {
            return Err(LoadError::new(K::BadHeader, 7, "unknown flags set"));
        }

        let strings = section(&mut r, SEC_CONSTANTS, "constants", |s| {
            let n = s.count(4, "constants")?;
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                v.push(s.string()?);
            }
            Ok(v)
        })?;

        let mut genes = section(&mut r, SEC_GENES, "genes", |s| {
            let n = s.count(12, "genes")?;
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                let name = s.string()?;
                let np = s.u16()? as usize;
                let mut params = Vec::with_capacity(np.min(s.remaining() / 5));
                for _ in 0..np {
                    let pname = s.string()?;
                    let ty = read_type(s)?;
                    params.push(ParamDef { name: pname, ty });
                }
                let slots = s.u16()?;
                let words = s.u32()?;
                v.push(GeneDef {
                    name,
                    params,
                    slots,
                    words,
                    args: Vec::new(),
                    code: Vec::new(),
                    param_slots: Vec::new(),
                    param_pass: Vec::new(),
                    param_back: Vec::new(),
                    tape_tags: Vec::new(),
                    param_words: 0,
                    backward: Default::default(),
                    plain: Default::default(),
                    loops: Vec::new(),
                    arg_written: Vec::new(),
                    skipping: Default::default(),
                });
            }
            Ok(v)
        })?;

        section(&mut r, SEC_CODE, "code", |s| {
            for g in genes.iter_mut() {
                let na = s.count(2, "argument slots")?;
                g.args = (0..na).map(|_| Slot::get(s)).collect::<Result<_, _>>()?;
                let ni = s.count(1, "instructions")?;
                let mut code = Vec::with_capacity(ni);
                for _ in 0..ni {
                    code.push(Op::decode(s)?);
                }
                g.code = code;
            }
            Ok(())
        })?;

        let debug = if r.remaining() > 0 {
            let ngenes = genes.len();
            Some(section(&mut r, SEC_DEBUG, "debug", |s| {
                let file = s.string()?;
                let source = s.string()?;
                let mut dg = Vec::with_capacity(ngenes.min(s.remaining() / 6));
                for _ in 0..ngenes {
                    let n = s.count(8, "spans")?;
                    let mut spans = Vec::with_capacity(n);
                    for _ in 0..n {
                        spans.push(Span::new(s.u32()?, s.u32()?));
                    }
                    let nn = s.u16()? as usize;
                    let mut slot_names = Vec::with_capacity(nn.min(s.remaining() / 4));
                    for _ in 0..nn {
                        slot_names.push(s.string()?);
                    }
                    dg.push(GeneDebug { spans, slot_names });
                }
                Ok(DebugInfo { file, source, genes: dg })
            })?)
        } else {
            None
        };
        if r.remaining() > 0 {
            return Err(LoadError::new(K::BadSection, r.pos(), "unexpected bytes after the last section"));
        }
        let mut m = Module { dialect, strings, genes, debug };
        m.verify()?;
        Ok(m)
    }
}

/// Reads one section header and parses its payload, which must be consumed exactly.
fn section<T>(
    r: &mut Reader<'_>,
    id: u8,
    what: &str,
    parse: impl FnOnce(&mut Reader<'_>) -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    let at = r.pos();
    let got = r.u8().map_err(|_| LoadError::new(K::BadSection, at, format!("missing {what} section")))?;
    if got != id {
        return Err(LoadError::new(
            K::BadSection,
            at,
            format!("expected the {what} section (id {id}), found id {got}"),
        ));
    }
    let len = r.u32()? as usize;
    if len > r.remaining() {
        return Err(LoadError::new(
            K::Truncated,
            at,
            format!("{what} section is {len} bytes but only {} remain (truncated module)", r.remaining()),
        ));
    }
    let start = r.pos();
    let payload = r.take(len)?;
    let mut s = Reader::new(payload);
    let v = parse(&mut s)
        .map_err(|e| LoadError::new(e.kind, start + e.offset, format!("{what} section: {}", e.message)))?;
    if s.remaining() != 0 {
        return Err(LoadError::new(
            K::BadSection,
            start + s.pos(),
            format!("{what} section has {} unused bytes", s.remaining()),
        ));
    }
    Ok(v)
}

fn read_type(s: &mut Reader<'_>) -> Result<Type, LoadError> {
    let at = s.pos();
    Ok(match s.u8()? {
        TY_U64 => Type::U64,
        TY_I64 => Type::I64,
        TY_ARR_U64 => Type::Array(Elem::U64, s.u64()?),
        TY_ARR_I64 => Type::Array(Elem::I64, s.u64()?),
        TY_ARR_F64 => Type::Array(Elem::F64, s.u64()?),
        TY_ARR_C64 => Type::Array(Elem::C64, s.u64()?),
        TY_STACK => Type::Stack,
        TY_FIXED => {
            let c = s.u8()?;
            Type::Fixed(rdx_lang::ast::Width::from_code(c).ok_or_else(|| {
                LoadError::new(K::BadOperand, at, format!("unknown fixed-width code {c:#x}"))
            })?)
        }
        t => return Err(LoadError::new(K::BadOperand, at, format!("unknown type tag {t}"))),
    })
}
