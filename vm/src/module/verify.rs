//! The verifier: the static guarantees the interpreter's unchecked accesses rely on.
//!
//! After [`Module::verify`] succeeds, for every gene:
//! - the code is `enter … exit` with no other `enter`/`exit`, so walking forward from index 1
//!   or backward from `len - 2` stays inside the code until a return;
//! - every slot operand is below `slots` (for an array, both of its slots), every jump target
//!   and partner index is inside the code and names the partner of the right kind that points
//!   back, every gene, string and argument-pool index exists, and each call passes as many
//!   arguments as the callee has parameters;
//! - every maximal run of pure instructions is followed by an instruction that consumes pure
//!   code, and a pure jump only moves forward inside its run (or onto its consumer);
//! - local array storage lies inside the frame, and frames are at most [`MAX_FRAME_WORDS`].

use super::{GeneDef, LoadError, Module};
use crate::ops::{Op, OperandRef};
use rdx_lang::ast::Type;

/// The largest frame (slots plus local arrays) a module may declare, in 64-bit words.
pub const MAX_FRAME_WORDS: u32 = 1 << 28;
/// The longest array parameter a module may declare.
pub const MAX_ARRAY_LEN: u64 = 1 << 28;

impl Module {
    /// Checks every rule above and fills in the derived tables (`pre`, `param_slots`, `param_pass`)
    /// and the tables a run uses (the backward stream, loops, plain streams).
    pub fn verify(&mut self) -> Result<(), LoadError> {
        self.verify_with(false)
    }

    /// [`Module::verify`]'s checks, every one, without the tables only a run uses: for a
    /// module that is encoded and not run here (`rdx asm`), whose loader verifies it again
    /// when it decodes it. Building those tables cost about a quarter of `rdx asm`.
    pub fn verify_for_encoding(&mut self) -> Result<(), LoadError> {
        self.check_rules(false, true)
    }

    /// [`Module::verify`], except that a gene may open a local it never closes, or close one it
    /// never opened, outside every construct: one half of an ancilla pair as a gene of its own,
    /// which tests of single instructions run both ways. Not reversible as a program (the open
    /// local's value is lost when the frame goes), so nothing loads a module this way.
    #[doc(hidden)]
    pub fn verify_unit(&mut self) -> Result<(), LoadError> {
        self.verify_with(true)
    }

    fn verify_with(&mut self, lone_ancillas: bool) -> Result<(), LoadError> {
        self.check_rules(lone_ancillas, false)?;
        arg_writes(&mut self.genes);
        for g in self.genes.iter_mut() {
            derive_gene(g).map_err(|m| LoadError::invalid(format!("gene `{}`: {m}", g.name)))?;
        }
        for (gi, g) in self.genes.iter_mut().enumerate() {
            g.tape_tags = (g.code.iter().enumerate())
                .filter(|(_, op)| matches!(op, Op::Assign { .. } | Op::Unassign { .. }))
                .map(|(pc, _)| (pc as u32, super::statement_tag(gi, &g.code, pc)))
                .collect();
        }
        super::inline::build(self);
        Ok(())
    }

    /// The rules above, and the tables they fill in. Control nesting is checked as the backward
    /// stream is built, or here with `nesting` (for [`Module::verify_for_encoding`], which
    /// builds none), beside the reversibility rules.
    fn check_rules(&mut self, lone_ancillas: bool, nesting: bool) -> Result<(), LoadError> {
        let ngenes = self.genes.len();
        let nstrings = self.strings.len();
        if ngenes == 0 {
            return Err(LoadError::invalid("the module has no genes"));
        }
        let mut names = std::collections::HashSet::with_capacity(ngenes);
        for g in &self.genes {
            if !is_name(&g.name) {
                return Err(LoadError::invalid(format!("gene name {:?} is not a name", g.name)));
            }
            if !names.insert(g.name.as_str()) {
                return Err(LoadError::invalid(format!("gene `{}` is defined twice", g.name)));
            }
            let mut params = std::collections::HashSet::with_capacity(g.params.len());
            for p in &g.params {
                if !is_name(&p.name) {
                    return Err(LoadError::invalid(format!(
                        "gene `{}`: parameter name {:?} is not a name",
                        g.name, p.name
                    )));
                }
                if !params.insert(p.name.as_str()) {
                    return Err(LoadError::invalid(format!(
                        "gene `{}`: two parameters are named `{}`",
                        g.name, p.name
                    )));
                }
            }
        }
        let param_counts: Vec<(usize, Vec<u16>)> = self
            .genes
            .iter()
            .map(|g| (g.params.len(), g.params.iter().map(|p| p.width()).collect()))
            .collect();
        let param_types: Vec<Vec<Type>> =
            self.genes.iter().map(|g| g.params.iter().map(|p| p.ty).collect()).collect();
        for g in self.genes.iter_mut() {
            verify_gene(g, ngenes, nstrings, &param_counts)
                .and_then(|()| {
                    let code = &g.code;
                    let nests = || match nesting {
                        true => super::mirror::backward(code, &[]).map(drop),
                        false => Ok(()),
                    };
                    super::reversible::check(g, &param_types, lone_ancillas, nests)
                })
                .map_err(|m| LoadError::invalid(format!("gene `{}`: {m}", g.name)))?;
        }
        if let Some(d) = &self.debug {
            if d.genes.len() != ngenes {
                return Err(LoadError::invalid("debug section: wrong number of genes"));
            }
            for (g, dg) in self.genes.iter().zip(&d.genes) {
                if dg.spans.len() != g.code.len() {
                    return Err(LoadError::invalid(format!(
                        "debug section: gene `{}` has {} spans for {} instructions",
                        g.name,
                        dg.spans.len(),
                        g.code.len()
                    )));
                }
                for s in &dg.spans {
                    let (a, b) = (s.start as usize, s.end as usize);
                    if a > b
                        || b > d.source.len()
                        || !d.source.is_char_boundary(a)
                        || !d.source.is_char_boundary(b)
                    {
                        return Err(LoadError::invalid(format!(
                            "debug section: span {a}..{b} is outside the source text"
                        )));
                    }
                }
                if dg.slot_names.len() > g.slots as usize {
                    return Err(LoadError::invalid("debug section: more slot names than slots"));
                }
            }
        }
        Ok(())
    }
}

/// Whether `s` is a name a program can have: a letter or `_`, then letters, digits, `_` and
/// `'` (Janus's names: Unicode letters too), then, for a Janus array of several dimensions,
/// its dimensions (`m[2][3]`). Not empty, no quote, space, `=` or line break, which would make
/// `--set name=value`, a listing or a state file mean something else.
pub fn is_name(s: &str) -> bool {
    let base = s.find('[').map_or(s, |i| &s[..i]);
    let mut chars = base.chars();
    let head = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    let dims = &s[base.len()..];
    head && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '\'')
        && dims.split_terminator(']').all(|d| {
            d.strip_prefix('[').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        && (dims.is_empty() || dims.ends_with(']'))
}

fn verify_gene(
    g: &mut GeneDef,
    ngenes: usize,
    nstrings: usize,
    params: &[(usize, Vec<u16>)],
) -> Result<(), String> {
    let slots = g.slots as usize;
    let len = g.code.len();
    if g.words > MAX_FRAME_WORDS {
        return Err(format!("frame of {} words exceeds the limit of {MAX_FRAME_WORDS}", g.words));
    }
    if (g.words as usize) < slots {
        return Err("frame smaller than its slots".into());
    }
    // Parameter layout.
    let mut next = 0usize;
    let mut param_slots = Vec::with_capacity(g.params.len());
    let mut param_pass = Vec::with_capacity(g.params.len());
    for p in &g.params {
        if let Type::Array(e, n) = p.ty
            && n.saturating_mul(e.words()) > MAX_ARRAY_LEN
        {
            return Err(format!("parameter `{}` has {n} elements (limit {MAX_ARRAY_LEN})", p.name));
        }
        param_slots.push(next as u16);
        param_pass.push(super::ParamPass { at: next as u16, width: p.width(), back: p.ty.is_scalar() });
        next += p.width() as usize;
    }
    if next > slots {
        return Err("parameters need more slots than the frame has".into());
    }
    for a in &g.args {
        if a.0 as usize >= slots {
            return Err(format!("argument slot {} out of range ({slots} slots)", a.0));
        }
    }
    if len < 2 || len > u32::MAX as usize / 2 {
        return Err("code must be `enter … exit`".into());
    }
    if !matches!(g.code[0], Op::Enter {}) || !matches!(g.code[len - 1], Op::Exit {}) {
        return Err("code must start with `enter` and end with `exit`".into());
    }
    let code = &g.code;
    let at = |pc: usize| -> Result<&Op, String> {
        code.get(pc).ok_or_else(|| format!("instruction {pc}: target out of range"))
    };
    for (pc, op) in code.iter().enumerate() {
        let err = |m: String| format!("instruction {pc} ({}): {m}", op.mnemonic());
        if (pc != 0 && matches!(op, Op::Enter {})) || (pc != len - 1 && matches!(op, Op::Exit {})) {
            return Err(err("`enter`/`exit` inside the code".into()));
        }
        if op.plain_only() {
            return Err(err("built by the interpreter at load, not read from a module".into()));
        }
        let mut problem: Option<String> = None;
        op.operands(&mut |name, o| {
            if problem.is_some() {
                return;
            }
            let bad = match o {
                OperandRef::Slot(s) => (s.0 as usize >= slots).then(|| format!("slot {} out of range", s.0)),
                OperandRef::Arr(a) => (a.0 as usize + 1 >= slots)
                    .then(|| format!("array slots {}..{} out of range", a.0, u32::from(a.0) + 1)),
                OperandRef::Off(o) => (o.0 as usize >= len).then(|| format!("target {} out of range", o.0)),
                OperandRef::Gene(gi) => {
                    (gi.0 as usize >= ngenes).then(|| format!("gene {} does not exist", gi.0))
                }
                OperandRef::Str(s) => {
                    (s.0 as usize >= nstrings).then(|| format!("string {} does not exist", s.0))
                }
                OperandRef::Args(a) => (a.start as usize + a.len as usize > g.args.len())
                    .then(|| "argument list out of range".to_string()),
                OperandRef::Amt(a) => (a.0 > 63).then(|| format!("amount {} out of range", a.0)),
                OperandRef::Wid(w) => rdx_lang::ast::Width::from_code(w.0)
                    .is_none()
                    .then(|| format!("unknown width {:#x}", w.0)),
                OperandRef::Fmt(f) => {
                    (!crate::jana::valid_fmt(f.0)).then(|| format!("unknown format {}", f.0))
                }
                OperandRef::Cond(c) => c
                    .slots()
                    .iter()
                    .flatten()
                    .find(|s| s.0 as usize >= slots)
                    .map(|s| format!("slot {} out of range", s.0)),
                OperandRef::Imm(_) | OperandRef::Half(_) | OperandRef::Word(_) | OperandRef::Pre(_) => None,
            };
            problem = bad.map(|m| format!("operand `{name}`: {m}"));
        });
        if let Op::Kernel { elem, .. } | Op::KernelInv { elem, .. } = op
            && problem.is_none()
            && crate::ops::kernel_elem(*elem).is_none()
        {
            problem = Some(format!("operand `elem`: unknown element type {}", elem.0));
        }
        if let Op::DivuImm { imm, .. } | Op::RemuImm { imm, .. } = op
            && problem.is_none()
            && imm.0 == 0
        {
            problem = Some("operand `imm`: a constant divisor of 0".into());
        }
        if let Some(p) = problem {
            return Err(err(p));
        }
        let partner = |target: u32, ok: &dyn Fn(&Op) -> bool, what: &str| -> Result<(), String> {
            if ok(at(target as usize)?) {
                Ok(())
            } else {
                Err(format!("instruction {pc}: partner {target} is not the matching {what}"))
            }
        };
        let me = pc as u32;
        match *op {
            Op::If { else_at, .. } => {
                partner(else_at.0, &|o| matches!(o, Op::Else { if_top, .. } if if_top.0 == me), "else")?
            }
            Op::Else { if_top, .. } => {
                partner(if_top.0, &|o| matches!(o, Op::If { else_at, .. } if else_at.0 == me), "if")?
            }
            Op::FiThen { fi_else, .. } => partner(
                fi_else.0,
                &|o| matches!(o, Op::FiElse { fi_then, .. } if fi_then.0 == me),
                "fi.else",
            )?,
            Op::FiElse { fi_then, .. } => partner(
                fi_then.0,
                &|o| matches!(o, Op::FiThen { fi_else, .. } if fi_else.0 == me),
                "fi.then",
            )?,
            Op::From { loop_back, .. } => partner(
                loop_back.0,
                &|o| matches!(o, Op::LoopBack { from_top, .. } if from_top.0 == me),
                "loop.back",
            )?,
            Op::LoopBack { from_top, .. } => partner(
                from_top.0,
                &|o| matches!(o, Op::From { loop_back, .. } if loop_back.0 == me),
                "from",
            )?,
            Op::Until { loop_exit, .. } => partner(
                loop_exit.0,
                &|o| matches!(o, Op::LoopExit { until, .. } if until.0 == me),
                "loop.exit",
            )?,
            Op::LoopExit { until, .. } => partner(
                until.0,
                &|o| match o {
                    Op::Until { loop_exit, .. } => loop_exit.0 == me,
                    Op::LoopInc { .. } | Op::LoopDec { .. } | Op::LoopTest { .. } => until.0 + 1 == me,
                    _ => false,
                },
                "until",
            )?,
            Op::FromC { loop_back, .. } => partner(
                loop_back.0,
                &|o| matches!(o, Op::LoopInc { from_top, .. } | Op::LoopDec { from_top, .. } if from_top.0 == me),
                "loop.inc",
            )?,
            Op::LoopInc { from_top, .. } | Op::LoopDec { from_top, .. } => {
                partner(
                    from_top.0,
                    &|o| matches!(o, Op::FromC { loop_back, .. } if loop_back.0 == me),
                    "from.c",
                )?;
                partner(me + 1, &|o| matches!(o, Op::LoopExit { until, .. } if until.0 == me), "loop.exit")?;
            }
            Op::FromDec { loop_test, .. } | Op::FromInc { loop_test, .. } => partner(
                loop_test.0,
                &|o| matches!(o, Op::LoopTest { from_step, .. } if from_step.0 == me),
                "loop.test",
            )?,
            Op::LoopTest { from_step, .. } => {
                partner(
                    from_step.0,
                    &|o| matches!(o, Op::FromDec { loop_test, .. } | Op::FromInc { loop_test, .. } if loop_test.0 == me),
                    "from.dec",
                )?;
                partner(me + 1, &|o| matches!(o, Op::LoopExit { until, .. } if until.0 == me), "loop.exit")?;
            }
            Op::Call { gene, args, .. } | Op::Uncall { gene, args, .. } => {
                // (That an array argument's second slot is in the frame is checked when the
                // call runs, so verifying many calls of a gene with many parameters stays linear.)
                let (n, _) = &params[gene.0 as usize];
                if args.len as usize != *n {
                    return Err(err(format!("passes {} arguments, the gene has {n} parameters", args.len)));
                }
            }
            Op::Show { var, fmt, .. } if matches!(fmt.0 & 7, 2 | 3) && var.0 as usize + 1 >= slots => {
                return Err(err("array slots out of range".into()));
            }
            Op::MulImm { imm, .. } if imm.0 % 2 == 0 => {
                return Err(err("even multiplier has no inverse".into()));
            }
            Op::Xsl { amt, .. } | Op::XslInv { amt, .. } | Op::Xsr { amt, .. } | Op::XsrInv { amt, .. }
                if amt.0 == 0 =>
            {
                return Err(err("xorshift by 0 is not reversible".into()));
            }
            Op::LocalArr { at: w, len: n, .. } | Op::DelocalArr { at: w, len: n, .. }
                if (w.0 as usize) < slots || w.0 as u64 + n.0 as u64 > g.words as u64 =>
            {
                return Err(err("array storage outside the frame".into()));
            }
            _ => {}
        }
    }
    // Pure runs and their consumers: each run of expression code is followed by the
    // instruction that consumes it, which records the run's length.
    // run_end[pc]: the first non-pure instruction at or after pc (one backward pass).
    let mut run_end = vec![len; len];
    for pc in (0..len).rev() {
        run_end[pc] = if code[pc].is_pure() && pc + 1 < len { run_end[pc + 1] } else { pc };
    }
    let mut run = 0usize;
    for (pc, op) in code.iter().enumerate() {
        if op.is_pure() {
            if let Op::Jz { to, .. } | Op::Jnz { to, .. } = op {
                // A short-circuit jump stays inside its run (or lands on the consumer).
                let end = run_end[pc];
                if to.0 as usize <= pc || to.0 as usize > end {
                    return Err(format!("instruction {pc}: jump leaves its expression"));
                }
            }
            run += 1;
            continue;
        }
        match op.pre() {
            Some(n) if n as usize == run => {}
            Some(n) => {
                return Err(format!(
                    "instruction {pc} ({}): records {n} instructions of expression code, {run} precede it",
                    op.mnemonic()
                ));
            }
            None if run > 0 => {
                return Err(format!(
                    "instructions {}..{pc}: expression code before `{}`, which takes none",
                    pc - run,
                    op.mnemonic()
                ));
            }
            None => {}
        }
        run = 0;
    }
    g.param_slots = param_slots;
    g.param_back =
        (param_pass.iter().enumerate()).filter(|(_, p)| p.back).map(|(k, p)| (k as u16, p.at)).collect();
    g.param_pass = param_pass;
    g.param_words = next as u16;
    Ok(())
}

/// The tables of a verified gene that come from its code and its callees' parameters: the
/// simple loops, and the backward stream (which leaves out the exit tests that never hold
/// again going backward: simple loops' re-entry assertions).
fn derive_gene(g: &mut GeneDef) -> Result<(), String> {
    g.loops = crate::loops::counted_loops(g);
    let mut quiet: Vec<(usize, crate::ops::Slot)> =
        g.loops.iter().filter(|l| l.head != l.top).map(|l| (l.top, l.ctr)).collect();
    quiet.sort_unstable();
    g.backward = super::mirror::backward(&g.code, &quiet)?;
    use super::forward::{passed, stream};
    g.skipping = [stream(&g.code, &passed(&g.code)), stream(&g.backward.code, &passed(&g.backward.code))];
    Ok(())
}

/// Fills in every gene's `arg_written`: a parameter may change when the gene's own code
/// writes its slot, or passes it to a call or uncall that may change that argument. Computed
/// up from "no parameter changes" until nothing more does (recursion included): each
/// instruction is looked at once, then only the calls again.
fn arg_writes(genes: &mut [GeneDef]) {
    let param = |g: &GeneDef, s: crate::ops::Slot| {
        if s.0 < g.param_words { g.param_slots.iter().position(|&p| p == s.0) } else { None }
    };
    let calls: Vec<Vec<(usize, crate::ops::Args)>> = genes
        .iter()
        .map(|g| {
            g.code
                .iter()
                .filter_map(|op| match *op {
                    Op::Call { gene, args } | Op::Uncall { gene, args } => Some((gene.0 as usize, args)),
                    _ => None,
                })
                .collect()
        })
        .collect();
    // Only the loops' and branches' analyses ask what a call writes: the genes called from a
    // gene with control instructions need their writes looked at, and the genes those call.
    // Any other gene's parameters all count as written, its code unread (a long gene called
    // once from straight code, as a Janus `main` calls its work).
    let mut needed = vec![false; genes.len()];
    let mut todo: Vec<usize> = Vec::new();
    for (g, sites) in genes.iter().zip(&calls) {
        let control = g
            .code
            .iter()
            .any(|op| op.class() == crate::ops::Class::Control && !matches!(op, Op::Enter {} | Op::Exit {}));
        if control {
            todo.extend(sites.iter().map(|&(c, _)| c));
        }
    }
    while let Some(c) = todo.pop() {
        if let Some(n) = needed.get_mut(c).filter(|n| !**n) {
            *n = true;
            todo.extend(calls[c].iter().map(|&(c, _)| c));
        }
    }
    let mut written: Vec<Vec<bool>> = Vec::with_capacity(genes.len());
    for (g, &needed) in genes.iter().zip(&needed) {
        let mut mine = vec![!needed; g.params.len()];
        for op in g.code.iter().filter(|_| needed) {
            if !matches!(op, Op::Call { .. } | Op::Uncall { .. }) {
                crate::loops::writes(g, op, &mut |s| {
                    if let Some(p) = param(g, s) {
                        mine[p] = true;
                    }
                });
            }
        }
        written.push(mine);
    }
    // Whether a call of gene `c` may change its argument `k` (yes past its parameters).
    let changes =
        |w: &[Vec<bool>], c: usize, k: usize| w.get(c).and_then(|p| p.get(k)).copied().unwrap_or(true);
    let mut changed = true;
    while changed {
        changed = false;
        for (gi, g) in genes.iter().enumerate() {
            for &(c, args) in &calls[gi] {
                for k in 0..args.len as usize {
                    if changes(&written, c, k)
                        && let Some(&s) = g.args.get(args.start as usize + k)
                        && let Some(p) = param(g, s)
                        && !written[gi][p]
                    {
                        written[gi][p] = true;
                        changed = true;
                    }
                }
            }
        }
    }
    for (gi, g) in genes.iter_mut().enumerate() {
        let mut aw = vec![false; g.args.len()];
        for &(c, args) in &calls[gi] {
            for k in 0..args.len as usize {
                if let Some(w) = aw.get_mut(args.start as usize + k) {
                    *w |= changes(&written, c, k);
                }
            }
        }
        g.arg_written = aw;
    }
}
