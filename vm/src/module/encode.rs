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

fn section(out: &mut Vec<u8>, id: u8, payload: &[u8]) {
    out.push(id);
    put_u32(out, payload.len() as u32);
    out.extend_from_slice(payload);
}

fn put_type(out: &mut Vec<u8>, ty: Type) {
    match ty {
        Type::U64 => out.push(TY_U64),
        Type::I64 => out.push(TY_I64),
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
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        put_u16(&mut out, VERSION);
        out.push(dialect_byte(self.dialect));
        out.push(0);

        let mut p = Vec::new();
        put_u32(&mut p, self.strings.len() as u32);
        for s in &self.strings {
            put_string(&mut p, s);
        }
        section(&mut out, SEC_CONSTANTS, &p);

        let mut p = Vec::new();
        put_u32(&mut p, self.genes.len() as u32);
        for g in &self.genes {
            put_string(&mut p, &g.name);
            put_u16(&mut p, g.params.len() as u16);
            for param in &g.params {
                put_string(&mut p, &param.name);
                put_type(&mut p, param.ty);
            }
            put_u16(&mut p, g.slots);
            put_u32(&mut p, g.words);
        }
        section(&mut out, SEC_GENES, &p);

        let mut p = Vec::new();
        for g in &self.genes {
            put_u32(&mut p, g.args.len() as u32);
            for a in &g.args {
                a.put(&mut p);
            }
            put_u32(&mut p, g.code.len() as u32);
            for op in &g.code {
                op.encode(&mut p);
            }
        }
        section(&mut out, SEC_CODE, &p);

        if let Some(d) = &self.debug {
            let mut p = Vec::new();
            put_string(&mut p, &d.file);
            put_string(&mut p, &d.source);
            for g in &d.genes {
                put_u32(&mut p, g.spans.len() as u32);
                for s in &g.spans {
                    put_u32(&mut p, s.start);
                    put_u32(&mut p, s.end);
                }
                put_u16(&mut p, g.slot_names.len() as u16);
                for n in &g.slot_names {
                    put_string(&mut p, n);
                }
            }
            section(&mut out, SEC_DEBUG, &p);
        }
        out
    }
}
