//! The disassembler: a readable listing of a module, with gene names, slot names and the
//! source line each statement came from (when the module carries debug information).

use crate::Direction;
use crate::module::Module;
use crate::ops::{Cond, Fmt, OperandRef, Slot};
use std::fmt::Write;

/// The listing of a whole module.
pub fn disassemble(m: &Module) -> String {
    listing(m, Direction::Forward, false)
}

/// The listing of a module's backward streams: the code each gene runs backward, built at load
/// from its forward code (see `module/mirror.rs`); source lines are those of the forward
/// instructions each stands for.
pub fn disassemble_backward(m: &Module) -> String {
    listing(m, Direction::Backward, false)
}

/// The listing of the streams the interpreter's plain run executes in direction `dir`
/// (`module/inline.rs`): small calls translated in place between `call.in` and `ret.in`, and
/// the checks that cannot fail left out (quiet latches, `loop.back.q`, `skip`). A gene with
/// nothing to change is listed as its own stream. An instruction of a call in place shows the
/// callee's source line; the callee's own slots have no names there.
pub fn disassemble_plain(m: &Module, dir: Direction) -> String {
    listing(m, dir, true)
}

fn listing(m: &Module, dir: Direction, plain: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "; rdx module, format version {}, cid {}", crate::module::VERSION, m.cid());
    match (dir, plain) {
        (Direction::Backward, false) => {
            let _ = writeln!(out, "; backward streams (built at load: what a backward run executes)");
        }
        (_, true) => {
            let _ = writeln!(
                out,
                "; plain {} streams (built at load: what the interpreter runs {}, small calls in place, checks that cannot fail left out)",
                if dir == Direction::Forward { "forward" } else { "backward" },
                if dir == Direction::Forward { "forward" } else { "backward" },
            );
        }
        _ => {}
    }
    if let Some(d) = &m.debug {
        let _ = writeln!(out, "; source: {}", d.file);
    }
    let _ = writeln!(out, "; dialect: {:?}, {} genes, {} strings", m.dialect, m.genes.len(), m.strings.len());
    // Where the source's lines end, found once (a search per instruction is linear in the
    // listing, not quadratic).
    let newlines = m.debug.as_ref().map(|d| d.line_ends()).unwrap_or_default();
    for (gi, g) in m.genes.iter().enumerate() {
        // A slot's name where the instruction is (locals may use a slot in turn); without a
        // position, all its names.
        let debug = m.debug.as_ref().and_then(|d| d.genes.get(gi));
        let names = std::cell::RefCell::new(debug.map(|d| d.names_in(&g.code)));
        let slot = |s: Slot, at: Option<usize>| -> String {
            let name = match (&mut *names.borrow_mut(), at) {
                (Some(n), Some(at)) => n.at(s.0, at).map(str::to_string),
                (Some(n), None) => n.label(s.0),
                (None, _) => None,
            };
            match name {
                Some(n) => format!("%{}:{n}", s.0),
                None => format!("%{}", s.0),
            }
        };
        let params: Vec<String> = g.params.iter().map(|p| format!("{}: {}", p.name, p.ty)).collect();
        let _ = writeln!(
            out,
            "\ngene {}({})  ; {} slots, frame {} words",
            g.name,
            params.join(", "),
            g.slots,
            g.words
        );
        let mut last_line = None;
        let stream = if plain { m.plain_stream(gi, dir) } else { m.stream(gi, dir) };
        for (pc, op) in stream.iter().enumerate() {
            // A plain stream's position goes back to the gene's own stream, or the callee's.
            let (at_gene, at) = match (plain, m.plain_origin(gi, pc, dir)) {
                (false, _) => (gi, pc),
                (true, (_, Some(c))) => (c.gene, m.plain_origin(c.gene, c.pc, c.dir).0),
                (true, (own, None)) => (gi, own),
            };
            let at_dir = match m.plain_origin(gi, pc, dir) {
                (_, Some(c)) if plain => c.dir,
                _ => dir,
            };
            if let Some((line_no, text)) = source_line(m, &newlines, at_gene, m.origin(at_gene, at, at_dir))
                && last_line != Some(line_no)
            {
                last_line = Some(line_no);
                let _ = writeln!(out, "    ; {line_no:>4} | {}", text.trim_end());
            }
            // Where the instruction is in the gene's own forward code (not for a callee's
            // instruction translated in place: its slots are renamed into this frame).
            let own = match (plain, m.plain_origin(gi, pc, dir)) {
                (false, _) => Some(m.origin(gi, pc, dir)),
                (true, (own, None)) => Some(m.origin(gi, own, dir)),
                (true, (_, Some(_))) => None,
            };
            let slot = |s: Slot| slot(s, own);
            let mut parts: Vec<String> = Vec::new();
            op.operands(&mut |name, o| {
                let v = match o {
                    // The expression code is listed just above; its length is not shown.
                    OperandRef::Pre(_) => return,
                    OperandRef::Slot(s) => slot(s),
                    OperandRef::Arr(a) => format!("{}[]", slot(Slot(a.0))),
                    OperandRef::Imm(i) if name == "magic" => format!("{:#x}", i.0),
                    OperandRef::Imm(i) => format!("{}", i.0),
                    OperandRef::Amt(a) => format!("{}", a.0),
                    OperandRef::Half(h) => format!("{}", h.0),
                    OperandRef::Wid(w) => w.width().as_str().to_string(),
                    OperandRef::Off(o) => format!("@{}", o.0),
                    OperandRef::Gene(g) => {
                        m.genes.get(g.0 as usize).map_or(format!("gene#{}", g.0), |g| g.name.clone())
                    }
                    OperandRef::Str(s) => m
                        .strings
                        .get(s.0 as usize)
                        .map_or(format!("str#{}", s.0), |s| crate::values::json_string(s)),
                    // A kernel call's element type, by name (`c64`).
                    OperandRef::Word(w) if name == "elem" => {
                        crate::ops::kernel_elem(w).map_or(format!("elem#{}", w.0), |e| e.as_str().to_string())
                    }
                    // The signed offset of the interpreter's `load.add.elem` and its kin (`off=-1`).
                    OperandRef::Word(w) if name == "off" => format!("{}", w.0 as i32),
                    OperandRef::Word(w) => format!("{}", w.0),
                    OperandRef::Args(a) => {
                        let list: Vec<String> = g
                            .args
                            .get(a.start as usize..a.start as usize + a.len as usize)
                            .unwrap_or(&[])
                            .iter()
                            .map(|s| slot(*s))
                            .collect();
                        format!("({})", list.join(", "))
                    }
                    OperandRef::Fmt(f) => {
                        let kind = match Fmt(f.0 & 7) {
                            Fmt::U64 => "u64",
                            Fmt::I64 => "i64",
                            Fmt::ARR_U64 => "u64[]",
                            Fmt::ARR_I64 => "i64[]",
                            Fmt::STACK_U64 => "stack",
                            _ => "stack(i64)",
                        };
                        // The flags of a piece of a line one statement prints (`crate::jana`).
                        let flags = [
                            (crate::jana::SHOW_JANA, "jana"),
                            (crate::jana::SHOW_RAW, "raw"),
                            (crate::jana::SHOW_TEXT, "text"),
                            (crate::jana::SHOW_FIRST, "first"),
                            (crate::jana::SHOW_LAST, "last"),
                        ];
                        let mut text = kind.to_string();
                        for (bit, word) in flags {
                            if f.0 & bit != 0 {
                                text.push('|');
                                text.push_str(word);
                            }
                        }
                        text
                    }
                    OperandRef::Cond(c) => match c {
                        Cond::Nz(a) => format!("{} != 0", slot(a)),
                        Cond::Eq(a, b) => format!("{} == {}", slot(a), slot(b)),
                        Cond::Ne(a, b) => format!("{} != {}", slot(a), slot(b)),
                        Cond::EqImm(a, k) => format!("{} == {k}", slot(a)),
                        Cond::NeImm(a, k) => format!("{} != {k}", slot(a)),
                        Cond::LtU(a, b) => format!("{} < {}", slot(a), slot(b)),
                        Cond::LtS(a, b) => format!("{} <s {}", slot(a), slot(b)),
                        Cond::LeU(a, b) => format!("{} <= {}", slot(a), slot(b)),
                        Cond::LeS(a, b) => format!("{} <=s {}", slot(a), slot(b)),
                        Cond::LtUImm(a, k) => format!("{} < {k}", slot(a)),
                        Cond::LtSImm(a, k) => format!("{} <s {k}", slot(a)),
                        Cond::LeUImm(a, k) => format!("{} <= {k}", slot(a)),
                        Cond::LeSImm(a, k) => format!("{} <=s {k}", slot(a)),
                        Cond::GtUImm(a, k) => format!("{} > {k}", slot(a)),
                        Cond::GtSImm(a, k) => format!("{} >s {k}", slot(a)),
                        Cond::GeUImm(a, k) => format!("{} >= {k}", slot(a)),
                        Cond::GeSImm(a, k) => format!("{} >=s {k}", slot(a)),
                    },
                };
                // Targets, and the counts and frame places of the interpreter's own
                // instructions, by name.
                let named = matches!(o, OperandRef::Off(_))
                    || (op.plain_only()
                        && matches!(
                            o,
                            OperandRef::Amt(_)
                                | OperandRef::Half(_)
                                | OperandRef::Word(_)
                                | OperandRef::Imm(_)
                        ));
                parts.push(if named { format!("{name}={v}") } else { v });
            });
            // A column of 14, and a space after a mnemonic as long or longer (`loop.test.inc.q`).
            let _ = writeln!(out, "{pc:6}  {:<13} {}", op.mnemonic(), parts.join(", "));
        }
    }
    out
}

/// The 1-based line number and text of the source line where instruction `pc` starts;
/// `newlines` are the positions of the source's line ends.
fn source_line<'m>(m: &'m Module, newlines: &[u32], gene: usize, pc: usize) -> Option<(usize, &'m str)> {
    let d = m.debug.as_ref()?;
    let span = m.span(gene, pc)?;
    if span.start == 0 && span.end == 0 {
        return None;
    }
    let start = span.start as usize;
    let src = d.source.as_str();
    src.get(..start)?;
    // Lines ending before `start`: the line's number less one.
    let k = newlines.partition_point(|&e| (e as usize) < start);
    let line_start = if k == 0 { 0 } else { newlines[k - 1] as usize + 1 };
    let line_end = newlines.get(k).map_or(src.len(), |&e| e as usize);
    Some((k + 1, src.get(line_start..line_end)?))
}
