//! The five invariants of brief §4, evaluated on checked IR with their evidence.
//!
//! [`evaluate`] returns one structured [`Invariant`] per row (I1–I5) so the CLI and the Python
//! binding print the same facts; [`format_report`] is the one textual form (`rdx check` prints
//! it). What each row rests on:
//! - I1 information conservation: the static count of lossy operations (`:=`, `erase`). Outside
//!   strict mode they are allowed (their old values go to the history tape); under `--strict`
//!   any lossy operation makes I1 fail.
//! - I2 reversibility: the checker's static rules passed; the evidence counts what they
//!   covered, and which aliasing questions are left to the run-time check (array updates that
//!   read another element of the same array, swaps of two elements of one array).
//! - I3 time symmetry: every gene is inverted twice and compared with the original.
//! - I4 mass conservation and I5 phase coherence come from the metadata of the kernels the
//!   program calls ([`kernel_invariants`]); without kernels they do not apply.

use crate::ast::{Block, ExprKind, Gene, Place, Program, Span, Stmt, StmtKind};
use crate::check::Checked;
use crate::check::rules;
use crate::kernels::KernelUse;

/// Outcome of one invariant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Holds,
    Fails,
    NotApplicable,
}

impl Status {
    /// As printed: `holds`, `fails`, `not applicable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Holds => "holds",
            Status::Fails => "fails",
            Status::NotApplicable => "not applicable",
        }
    }
}

/// One row of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invariant {
    /// `I1` … `I5`.
    pub id: &'static str,
    /// `information conservation`, …
    pub name: &'static str,
    pub status: Status,
    /// Why, in words (counts, gene names).
    pub evidence: String,
    /// Source locations behind a failure (the lossy operations for I1).
    pub spans: Vec<Span>,
}

/// What the static rules covered, counted over the IR.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Reversible state changes: updates, mirror opcodes, swaps, push/pop.
    pub updates: usize,
    /// `if … fi` statements (each has its exit assertion).
    pub conditionals: usize,
    /// `from … until` loops (each has its entry assertion).
    pub loops: usize,
    /// `local`/`delocal` pairs.
    pub locals: usize,
    /// `call`/`uncall` statements.
    pub calls: usize,
    /// Statements whose aliasing is settled by the static rules.
    pub alias_static: usize,
    /// Statements that need the run-time aliasing check.
    pub alias_runtime: usize,
    /// Lossy operations.
    pub lossy: usize,
}

/// Counts the evidence over every gene of `p`.
pub fn evidence(p: &Program) -> Evidence {
    let mut ev = Evidence::default();
    for g in &p.genes {
        count_block(&g.body, &mut ev);
    }
    ev
}

/// Evaluates I1–I5 on checked IR. `strict` makes lossy operations an I1 failure.
pub fn evaluate(checked: &Checked, strict: bool) -> Vec<Invariant> {
    let ev = evidence(&checked.program);
    let n = checked.lossy.len();
    let ops = if n == 1 { "operation" } else { "operations" };
    let i1 = if n == 0 {
        Invariant {
            id: "I1",
            name: "information conservation",
            status: Status::Holds,
            evidence: "0 lossy operations".into(),
            spans: Vec::new(),
        }
    } else if strict {
        Invariant {
            id: "I1",
            name: "information conservation",
            status: Status::Fails,
            evidence: format!("{n} lossy {ops} in strict mode"),
            spans: checked.lossy.clone(),
        }
    } else {
        Invariant {
            id: "I1",
            name: "information conservation",
            status: Status::Holds,
            evidence: format!(
                "{n} lossy {ops}, old values paid into the history tape; --strict forbids them"
            ),
            spans: Vec::new(),
        }
    };
    let i2 = Invariant {
        id: "I2",
        name: "reversibility",
        status: Status::Holds,
        evidence: format!(
            "{} {}, {} {} with exit assertions, {} {} with entry assertions, {} {} paired, {} {}; \
             aliasing checked statically for {} {} and at run time for {}",
            ev.updates,
            plural(ev.updates, "update", "updates"),
            ev.conditionals,
            plural(ev.conditionals, "conditional", "conditionals"),
            ev.loops,
            plural(ev.loops, "loop", "loops"),
            ev.locals,
            plural(ev.locals, "local", "locals"),
            ev.calls,
            plural(ev.calls, "call", "calls"),
            ev.alias_static,
            plural(ev.alias_static, "statement", "statements"),
            ev.alias_runtime,
        ),
        spans: Vec::new(),
    };
    let broken: Vec<&Gene> = checked.program.genes.iter().filter(|g| !involution_holds(g)).collect();
    let genes = checked.program.genes.len();
    let i3 = if broken.is_empty() {
        Invariant {
            id: "I3",
            name: "time symmetry",
            status: Status::Holds,
            evidence: format!("invert∘invert = id on {genes} {}", plural(genes, "gene", "genes")),
            spans: Vec::new(),
        }
    } else {
        let names: Vec<&str> = broken.iter().map(|g| g.name.name.as_str()).collect();
        Invariant {
            id: "I3",
            name: "time symmetry",
            status: Status::Fails,
            evidence: format!("invert∘invert differs from the program on {}", names.join(", ")),
            spans: broken.iter().map(|g| g.name.span).collect(),
        }
    };
    let (i4, i5) = kernel_invariants(&checked.kernels);
    vec![i1, i2, i3, i4, i5]
}

/// I4 and I5 from the kernels the program calls (their catalogue metadata).
///
/// - I4 holds when every kernel is unitary over floats or exact over integers (a catalogue
///   entry pairing `exact` with a float element or `unitary` with an integer one fails it).
/// - I5 concerns phase-bearing operations, which are the unitary kernels: each must declare
///   an order dividing 4. Exact kernels permute integer states and carry no phase, so they
///   are left out (`haar` with no order and `gray` with order 64 do not make I5 fail); with
///   only exact kernels I5 does not apply.
pub fn kernel_invariants(uses: &[KernelUse]) -> (Invariant, Invariant) {
    if uses.is_empty() {
        let na = |id, name| Invariant {
            id,
            name,
            status: Status::NotApplicable,
            evidence: "no kernels".into(),
            spans: Vec::new(),
        };
        return (na("I4", "mass conservation"), na("I5", "phase coherence"));
    }
    let mut names: Vec<&str> = Vec::new();
    for u in uses {
        if !names.contains(&u.sig.name.as_str()) {
            names.push(&u.sig.name);
        }
    }
    let calls = uses.len();
    let describe = |pred: &dyn Fn(&KernelUse) -> bool| -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        for u in uses.iter().filter(|u| pred(u)) {
            // Order 0 is "no small finite order" (`haar`), shown as `rdx kernels` shows it.
            let order = match u.sig.order {
                0 => "no order".to_string(),
                n => format!("order {n}"),
            };
            let d = format!("{} ({}, {order})", u.sig.name, u.sig.kind_str());
            if !seen.contains(&d) {
                seen.push(d);
            }
        }
        seen
    };
    let bad4: Vec<&KernelUse> = uses.iter().filter(|u| u.sig.exact == u.sig.elem.is_float()).collect();
    let i4 = if bad4.is_empty() {
        Invariant {
            id: "I4",
            name: "mass conservation",
            status: Status::Holds,
            evidence: format!(
                "{calls} kernel {}, every kernel unitary or exact: {}; `rdx run --checked` verifies each call",
                plural(calls, "call", "calls"),
                describe(&|_| true).join(", ")
            ),
            spans: Vec::new(),
        }
    } else {
        Invariant {
            id: "I4",
            name: "mass conservation",
            status: Status::Fails,
            evidence: format!(
                "kernel metadata inconsistent (exact needs integers, unitary needs floats): {}",
                describe(&|u| u.sig.exact == u.sig.elem.is_float()).join(", ")
            ),
            spans: bad4.iter().map(|u| u.span).collect(),
        }
    };
    let unitary: Vec<&KernelUse> = uses.iter().filter(|u| !u.sig.exact).collect();
    let bad5: Vec<&KernelUse> = unitary.iter().copied().filter(|u| !u.sig.order_divides_4()).collect();
    let exact = describe(&|u| u.sig.exact);
    let exact_note = if exact.is_empty() {
        String::new()
    } else {
        format!("; exact kernels carry no phase: {}", exact.join(", "))
    };
    let i5 = if unitary.is_empty() {
        Invariant {
            id: "I5",
            name: "phase coherence",
            status: Status::NotApplicable,
            evidence: format!("no unitary kernels{exact_note}"),
            spans: Vec::new(),
        }
    } else if bad5.is_empty() {
        Invariant {
            id: "I5",
            name: "phase coherence",
            status: Status::Holds,
            evidence: format!(
                "every unitary kernel's order divides 4: {}{exact_note}",
                describe(&|u| !u.sig.exact).join(", ")
            ),
            spans: Vec::new(),
        }
    } else {
        Invariant {
            id: "I5",
            name: "phase coherence",
            status: Status::Fails,
            evidence: format!(
                "unitary kernels whose declared order does not divide 4: {}",
                describe(&|u| !u.sig.exact && !u.sig.order_divides_4()).join(", ")
            ),
            spans: bad5.iter().map(|u| u.span).collect(),
        }
    };
    (i4, i5)
}

/// Whether any invariant fails.
pub fn any_fails(invariants: &[Invariant]) -> bool {
    invariants.iter().any(|i| i.status == Status::Fails)
}

/// One line per invariant, `I1 information conservation: holds (0 lossy operations)`; a
/// failure lists its source locations (`line:col`) against `src`.
pub fn format_report(invariants: &[Invariant], src: &str) -> String {
    let mut out = String::new();
    for inv in invariants {
        out.push_str(&format!("{} {}: {} ({}", inv.id, inv.name, inv.status.as_str(), inv.evidence));
        if !inv.spans.is_empty() {
            let at: Vec<String> = inv
                .spans
                .iter()
                .map(|s| {
                    let (l, c) = crate::report::line_col(src, s.start);
                    format!("{l}:{c}")
                })
                .collect();
            out.push_str(&format!(": at {}", at.join(", ")));
        }
        out.push_str(")\n");
    }
    out
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

fn involution_holds(g: &Gene) -> bool {
    let once = crate::invert::invert_gene(g);
    crate::invert::invert_gene(&once) == *g
}

fn count_block(b: &Block, ev: &mut Evidence) {
    for s in &b.stmts {
        count_stmt(s, ev);
    }
}

fn count_stmt(s: &Stmt, ev: &mut Evidence) {
    use StmtKind::*;
    match &s.kind {
        Update { target, value, .. } => {
            ev.updates += 1;
            alias_of_update(target, value, ev);
        }
        Rotate { target, amount, .. } => {
            ev.updates += 1;
            alias_of_update(target, amount, ev);
        }
        Mul { .. } | XorShift { .. } | Neg(_) | Not(_) | Push { .. } | Pop { .. } => {
            ev.updates += 1;
            ev.alias_static += 1;
        }
        Swap(a, b) => {
            ev.updates += 1;
            if swap_may_alias(a, b) {
                ev.alias_runtime += 1;
            } else {
                ev.alias_static += 1;
            }
        }
        If { then_block, else_block, .. } => {
            ev.conditionals += 1;
            count_block(then_block, ev);
            if let Some(b) = else_block {
                count_block(b, ev);
            }
        }
        From { body, again, .. } => {
            ev.loops += 1;
            count_block(body, ev);
            if let Some(b) = again {
                count_block(b, ev);
            }
        }
        Call { args, .. } => {
            ev.calls += 1;
            if args.len() > 1 {
                ev.alias_static += 1;
            }
        }
        Local { .. } => ev.locals += 1,
        Assign { .. } | Erase(_) => ev.lossy += 1,
        Undo(inner) => count_stmt(inner, ev),
        Kernel { .. } => {
            ev.updates += 1;
            ev.alias_static += 1;
        }
        Delocal { .. } | Assert(_) | Skip | Error(_) | Print(_) => {}
    }
}

/// An update of `a[i]` reading another element `a[j]` needs the run-time check.
fn alias_of_update(target: &Place, value: &crate::ast::Expr, ev: &mut Evidence) {
    if update_may_alias(target, value) {
        ev.alias_runtime += 1;
    } else {
        ev.alias_static += 1;
    }
}

fn update_may_alias(target: &Place, value: &crate::ast::Expr) -> bool {
    target.index.as_deref().is_some_and(|i| rules::may_alias(value, &target.name.name, i))
}

/// Whether a statement of checked IR needs the run-time aliasing check: an update (`+=`,
/// `-=`, `^=`) of `a[i]` whose value reads another element `a[j]` of the same array (an error
/// when `i == j` at run time), or a `swap a[i], a[j]` of one array (harmless when equal, but
/// reported by the same check). Indices that are different literals never alias. Rotation
/// amounts never read the rotated array (the checker refuses it), and every other statement's
/// aliasing is settled statically.
pub fn needs_runtime_alias_check(s: &Stmt) -> bool {
    match &s.kind {
        StmtKind::Update { target, value, .. } => update_may_alias(target, value),
        StmtKind::Swap(a, b) => swap_may_alias(a, b),
        _ => false,
    }
}

fn swap_may_alias(a: &Place, b: &Place) -> bool {
    match (a.index.as_deref(), b.index.as_deref()) {
        (Some(i), Some(j)) if a.name.name == b.name.name => {
            !matches!((&i.kind, &j.kind), (ExprKind::Int(p), ExprKind::Int(q)) if p != q)
        }
        _ => false,
    }
}
