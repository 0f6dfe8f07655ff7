//! The encoder: a [`Module`] to its deterministic bytes.

use super::{MAGIC, Module, VERSION};
use crate::ops::{Operand, put_string};
use rdx_lang::ast::{Dialect, Elem, Type};

/// Section ids, in the order they appear.
pub(super) const SEC_CONSTANTS: u8 = 1;
pub(super) const SEC_GENES: u8 = 2;
pub(super) const SEC_CODE: u8 = 3;
pub(super) const SEC_DEBUG: u8 = 4;

/// Type tags in the gene table.
pub(super) const TY_U64: u8 = 0;
pub(super) const TY_I64: u8 = 1;
pub(super) const TY_ARR_U64: u8 = 2;
pub(super) const TY_ARR_I64: u8 = 3;
pub(super) const TY_STACK: u8 = 4;
pub(super) const TY_ARR_F64: u8 = 5;
pub(super) const TY_ARR_C64: u8 = 6;
/// A fixed-width integer: this tag, then its width code (`Width::code`).
pub(super) const TY_FIXED: u8 = 7;

pub(super) fn dialect_byte(d: Dialect) -> u8 {
    match d {
        Dialect::Rdx => 0,
        Dialect::Janus => 1,
    }
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Starts section `id` in place: its length is filled in by [`end_section`], so payloads are
/// written once, straight into the module's bytes.
fn begin_section(out: &mut Vec<u8>, id: u8) -> usize {
    out.push(id);
    put_u32(out, 0);
    out.len()
}

fn end_section(out: &mut [u8], start: usize) {
    let len = (out.len() - start) as u32;
    out[start - 4..start].copy_from_slice(&len.to_le_bytes());
}

fn put_type(out: &mut Vec<u8>, ty: Type) {
    match ty {
        Type::U64 => out.push(TY_U64),
        Type::I64 => out.push(TY_I64),
        Type::Fixed(w) => {
            out.push(TY_FIXED);
            out.push(w.code());
        }
        Type::Array(e, n) => {
            out.push(match e {
                Elem::U64 => TY_ARR_U64,
                Elem::I64 => TY_ARR_I64,
                Elem::F64 => TY_ARR_F64,
                Elem::C64 => TY_ARR_C64,
            });
            out.extend_from_slice(&n.to_le_bytes());
        }
        Type::Stack => out.push(TY_STACK),
    }
}

impl Module {
    /// The module's bytes. The same module always gives the same bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.size_hint());
        out.extend_from_slice(MAGIC);
        put_u16(&mut out, VERSION);
        out.push(dialect_byte(self.dialect));
        out.push(0);

        let p = begin_section(&mut out, SEC_CONSTANTS);
        put_u32(&mut out, self.strings.len() as u32);
        for s in &self.strings {
            put_string(&mut out, s);
        }
        end_section(&mut out, p);

        let p = begin_section(&mut out, SEC_GENES);
        put_u32(&mut out, self.genes.len() as u32);
        for g in &self.genes {
            put_string(&mut out, &g.name);
            put_u16(&mut out, g.params.len() as u16);
            for param in &g.params {
                put_string(&mut out, &param.name);
                put_type(&mut out, param.ty);
            }
            put_u16(&mut out, g.slots);
            put_u32(&mut out, g.words);
        }
        end_section(&mut out, p);

        let p = begin_section(&mut out, SEC_CODE);
        for g in &self.genes {
            put_u32(&mut out, g.args.len() as u32);
            for a in &g.args {
                a.put(&mut out);
            }
            put_u32(&mut out, g.code.len() as u32);
            for op in &g.code {
                op.encode(&mut out);
            }
        }
        end_section(&mut out, p);

        if let Some(d) = &self.debug {
            let p = begin_section(&mut out, SEC_DEBUG);
            put_string(&mut out, &d.file);
            put_string(&mut out, &d.source);
            for g in &d.genes {
                put_u32(&mut out, g.spans.len() as u32);
                for s in &g.spans {
                    put_u32(&mut out, s.start);
                    put_u32(&mut out, s.end);
                }
                put_u16(&mut out, g.slot_names.len() as u16);
                for n in &g.slot_names {
                    put_string(&mut out, n);
                }
            }
            end_section(&mut out, p);
        }
        out
    }

    /// Whether `self` and `other` encode to the same bytes, found without encoding them: the
    /// fields [`Module::encode`] writes are equal (keep the two in step). The fields the
    /// verifier derives are not compared, as a CID does not cover them.
    pub fn same_encoding(&self, other: &Module) -> bool {
        self.dialect == other.dialect
            && self.strings == other.strings
            && self.genes.len() == other.genes.len()
            && self.genes.iter().zip(&other.genes).all(|(a, b)| {
                a.name == b.name
                    && a.params == b.params
                    && a.slots == b.slots
                    && a.words == b.words
                    && a.args == b.args
                    && a.code == b.code
            })
            && self.debug == other.debug
    }

    /// About the encoded size (instructions taken at 8 bytes), to allocate the output once.
    fn size_hint(&self) -> usize {
        let strings: usize = self.strings.iter().map(|s| 4 + s.len()).sum();
        let genes: usize =
            self.genes.iter().map(|g| 64 + g.params.len() * 16 + g.args.len() * 2 + g.code.len() * 8).sum();
        let debug = self.debug.as_ref().map_or(0, |d| {
            d.file.len()
                + d.source.len()
                + d.genes.iter().map(|g| 8 + g.spans.len() * 8 + g.slot_names.len() * 8).sum::<usize>()
        });
        64 + strings + genes + debug
    }
}
