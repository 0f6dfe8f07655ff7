//! The interpreter's plain-run streams: each gene's forward code and backward stream with the
//! calls of small leaf genes translated in place and the checks that cannot fail left out
//! ([`checks_left_out`]: loops' re-entry assertions, settled exit assertions).
//!
//! A call costs the interpreter a frame pushed and popped, its arguments copied in and its
//! scalars copied back: several instructions' time, which a gene of a few instructions called
//! in a loop (a cipher's round, SipHash's round) pays at every call. So at load each `call` or
//! `uncall` of a *leaf* — a gene of at most [`MAX_BODY`] instructions that makes no calls and
//! has no local array, history tape, kernel or output (updates, expression code, stacks,
//! element instructions and control flow) — becomes a `call.in` marker followed by
//! the callee's stream in the call's direction, its slots renamed: parameter `j` becomes the
//! caller's argument slot `j` (its slots, for an array), the callee's other slots lie just past
//! the caller's frame, where its frame would have been, and its jumps move with it. Renaming
//! is passing by reference, the same as the call's copying in and out when no two parameters
//! share a slot and the callee only reads its stack and array parameters (see [`leaf`]).
//! `call.in` does what the call would have done besides copying: it checks the call's limits
//! (depth, memory, steps, the stop flag), clears the callee's locals and notes the depth; the
//! callee's `exit` becomes `ret.in`, which only counts, so a run gives the same state,
//! instruction count, depth and faults either way. A body that can neither fault nor jump
//! observes no count, so its `ret.in` is left out and counted by its `call.in` (`ret`). An error in the callee's code names the
//! callee and the call (see [`Module::plain_origin`]).
//!
//! Only the plain run uses these streams; the debugger steps through the genes' own.

use super::{GeneDef, Module, ParamPass, Plain, PlainAt};
use crate::Direction;
use crate::ops::{
    Amt, Args, Class, Cond, Half, Imm, Magic, Off, Op, OperandRef, Remap, Slot, Word, xs_narrowed,
};

/// The most instructions a gene translated in place may have (besides `enter` and `exit`).
pub const MAX_BODY: usize = 48;

/// Builds every gene's plain streams (a gene with nothing to change keeps none), callees
/// before their callers: a callee whose own plain stream holds calls translated in place is
/// translated in place in turn (its `call.in` one level deeper), so each gene is built once,
/// from its callees' final streams. (Genes calling each other in a cycle keep those calls:
/// each holds a real call, so neither is a leaf.)
pub(super) fn build(m: &mut Module) {
    let n = m.genes.len();
    let mut fits: Vec<[Fit; 2]> = vec![[None, None]; n];
    for gi in callees_first(&m.call_graph()).0 {
        let mut plain = Plain::default();
        for (d, dir) in [Direction::Forward, Direction::Backward].into_iter().enumerate() {
            if let Some((code, origin)) = plain_stream(m, &fits, gi, dir) {
                plain.code[d] = code;
                plain.origin[d] = origin;
            }
        }
        m.genes[gi].plain = plain;
        fits[gi] = [fit(m, gi, Direction::Forward), fit(m, gi, Direction::Backward)];
    }
}

/// The genes in an order where each comes after the genes it calls (but in a cycle), and
/// whether some gene can reach itself through calls (a cycle): a depth-first walk's post-order,
/// without recursion (call chains can be long), in time proportional to the genes and calls.
pub(super) fn callees_first(callees: &[Vec<usize>]) -> (Vec<usize>, bool) {
    let n = callees.len();
    // Each gene: not reached, on the walk's path, or done.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let (mut mark, mut order, mut cycle) = (vec![Mark::New; n], Vec::with_capacity(n), false);
    for root in 0..n {
        if mark[root] != Mark::New {
            continue;
        }
        mark[root] = Mark::OnPath;
        let mut stack = vec![(root, 0usize)];
        while let Some((g, next)) = stack.last_mut() {
            if let Some(&c) = callees[*g].get(*next) {
                *next += 1;
                match mark[c] {
                    Mark::New => {
                        mark[c] = Mark::OnPath;
                        stack.push((c, 0));
                    }
                    Mark::OnPath => cycle = true,
                    Mark::Done => {}
                }
            } else {
                mark[*g] = Mark::Done;
                order.push(*g);
                stack.pop();
            }
        }
    }
    (order, cycle)
}

/// Whether a gene's plain stream in one direction may be translated in place, and then the
/// words past its frame's start it uses (its frame and those of the calls it translated in
/// place).
type Fit = Option<usize>;

fn fit(m: &Module, gi: usize, dir: Direction) -> Fit {
    let g = &m.genes[gi];
    let code = m.plain_stream(gi, dir);
    leaf(g, code).then(|| {
        code.iter()
            .filter_map(|op| match *op {
                Op::CallIn { gene, at, .. } => Some(at.0 as usize + m.genes[gene.0 as usize].words as usize),
                _ => None,
            })
            .fold(g.words as usize, usize::max)
    })
}

/// The call instruction `op` of gene `gi` translated in place: the callee, its direction and
/// the arguments; None when it stays a call.
fn site(m: &Module, fits: &[[Fit; 2]], gi: usize, op: &Op) -> Option<(usize, Direction, Args)> {
    let (gene, args, dir) = match *op {
        Op::Call { gene, args } => (gene.0 as usize, args, Direction::Forward),
        Op::Uncall { gene, args } => (gene.0 as usize, args, Direction::Backward),
        _ => return None,
    };
    let (g, cg) = (&m.genes[gi], m.genes.get(gene)?);
    let extent = (*fits.get(gene)?)[dir as usize]?;
    if gene == gi || g.words as usize + extent > u16::MAX as usize {
        return None;
    }
    // Renaming is passing by reference: the same as the call's copies only when no two
    // parameters share a slot of the caller (the checker refuses aliased arguments; a module
    // written by hand may not).
    let mut used: Vec<u16> = g
        .args
        .get(args.start as usize..)?
        .iter()
        .zip(&cg.param_pass)
        .flat_map(|(a, p)| a.0..a.0 + p.width)
        .collect();
    let n = used.len();
    used.sort_unstable();
    used.dedup();
    (used.len() == n).then_some((gene, dir, args))
}

/// Whether `code` (a stream of gene `g`) may be translated in place.
///
/// Its parameters are renamed to the caller's argument slots, which a call passes by value
/// and copies back only for scalars: a stack's slot (its id) and an array's two (address and
/// length) must then only be read, through the operands that read them — a stack instruction's
/// stack, an element instruction's array — or the caller would see a change the call hides.
fn leaf(g: &GeneDef, code: &[Op]) -> bool {
    let body = &code[1..code.len() - 1];
    if body.len() > MAX_BODY || !body.iter().all(local_to_the_frame) {
        return false;
    }
    let param = |s: u16| g.param_pass.iter().find(|p| p.at <= s && s < p.at + p.width);
    body.iter().all(|op| {
        let mut ok = true;
        op.operands(&mut |name, o| match o {
            OperandRef::Slot(s) => {
                ok &= param(s.0).is_none_or(|p| p.back || (p.width == 1 && name == "stack"));
            }
            // An array operand names a pair of slots: an array parameter's, or two past them.
            OperandRef::Arr(a) => {
                ok &= param(a.0).map_or(a.0 >= g.param_words, |p| p.width == 2 && p.at == a.0);
            }
            _ => {}
        });
        ok
    })
}

/// An instruction whose whole effect is on the frame's slots, the stacks and the arrays it is
/// passed: expression code, updates, stack and element instructions and control flow; no
/// calls, local arrays (their storage is in the frame), history tape, kernels, output or user
/// errors (their operands or the tape's tags name the gene they stand in).
fn local_to_the_frame(op: &Op) -> bool {
    let mut plain_operands = true;
    op.operands(&mut |_, o| {
        let ok = matches!(
            o,
            OperandRef::Slot(_)
                | OperandRef::Arr(_)
                | OperandRef::Imm(_)
                | OperandRef::Amt(_)
                | OperandRef::Half(_)
                | OperandRef::Wid(_)
                | OperandRef::Cond(_)
                | OperandRef::Pre(_)
                | OperandRef::Off(_)
        );
        plain_operands &= ok;
    });
    if matches!(op, Op::CallIn { .. } | Op::RetIn {}) {
        // A call the callee's own plain stream translated in place already.
        return true;
    }
    let kind = match op.class() {
        Class::Pure | Class::Control => true,
        Class::Effect => !matches!(op, Op::Assign { .. } | Op::Unassign { .. }),
        Class::Frame => false,
    };
    plain_operands && kind
}

/// Whether `op` can neither fault nor jump (nor stop on a step limit): expression code that
/// cannot fault and the updates of a slot.
fn straight_and_safe(op: &Op) -> bool {
    op.cannot_fault()
        || matches!(
            op,
            Op::Add { .. }
                | Op::Sub { .. }
                | Op::Xor { .. }
                | Op::AddImm { .. }
                | Op::SubImm { .. }
                | Op::XorImm { .. }
                | Op::MulImm { .. }
                | Op::Xsl { .. }
                | Op::XslInv { .. }
                | Op::Xsr { .. }
                | Op::XsrInv { .. }
                | Op::RotlImm { .. }
                | Op::RotrImm { .. }
                | Op::Rotl { .. }
                | Op::Rotr { .. }
                | Op::Neg { .. }
                | Op::Not { .. }
                | Op::Swap { .. }
                | Op::RotAdd { .. }
                | Op::RotSub { .. }
                | Op::RotXor { .. }
                | Op::AddRot { .. }
                | Op::SubRot { .. }
                | Op::XorRot { .. }
                | Op::Fix { .. }
                | Op::RotlW { .. }
                | Op::RotrW { .. }
                | Op::AddW { .. }
                | Op::SubW { .. }
                | Op::XorW { .. }
                | Op::AddWImm { .. }
                | Op::SubWImm { .. }
                | Op::RotlWImm { .. }
                | Op::RotrWImm { .. }
                | Op::Local { .. }
                | Op::LocalImm { .. }
        )
}

/// The callee's slots renamed into the caller's frame.
struct Renamed<'a> {
    /// The caller's argument slots, one per parameter (an array's first of two).
    args: &'a [Slot],
    /// How the callee's parameters lie in its frame.
    params: &'a [ParamPass],
    /// Where the callee's frame would start, in the caller's slots.
    base: u16,
    /// Where the callee's instruction 1 (after `enter`) lands in the caller's stream.
    start: u32,
}

impl Remap for Renamed<'_> {
    fn slot(&mut self, s: Slot) -> Slot {
        match self.params.iter().position(|p| p.at <= s.0 && s.0 < p.at + p.width) {
            Some(j) => Slot(self.args[j].0 + (s.0 - self.params[j].at)),
            None => Slot(self.base + s.0),
        }
    }
    fn off(&mut self, o: Off) -> Off {
        // The body keeps its order: a jump to the callee's `exit` goes on after the body.
        Off(self.start + o.0 - 1)
    }
}

/// The caller's jump targets moved to where their instructions now stand.
struct Moved<'a>(&'a [u32]);

impl Remap for Moved<'_> {
    fn slot(&mut self, s: Slot) -> Slot {
        s
    }
    fn off(&mut self, o: Off) -> Off {
        Off(self.0[o.0 as usize])
    }
}

/// Gene `gi`'s stream in direction `dir` with its leaf calls translated in place, its simple
/// counted loops' latches quiet and its settled exit assertions passed over, and where each
/// instruction comes from; None when nothing changes.
fn plain_stream(m: &Module, fits: &[[Fit; 2]], gi: usize, dir: Direction) -> Option<(Vec<Op>, Vec<PlainAt>)> {
    let g = &m.genes[gi];
    let stream = g.run_stream(dir);
    // Both lists by position, sparse (a long gene with nothing to change costs a scan).
    let sites: Vec<(usize, (usize, Direction, Args))> =
        stream.iter().enumerate().filter_map(|(pc, op)| Some((pc, site(m, fits, gi, op)?))).collect();
    let mut rewrites = checks_left_out(g, stream, dir);
    // (A division in code a check's rewrite passes over keeps the check's.)
    rewrites.extend(divisions(stream));
    rewrites.extend(fixed_multiplies(stream));
    rewrites.extend(fixed_xorshifts(g, stream));
    rewrites.extend(loaded_updates(stream));
    rewrites.sort_by_key(|r| r.0);
    rewrites.dedup_by_key(|r| r.0);
    if sites.is_empty() && rewrites.is_empty() {
        return None;
    }
    if sites.is_empty() {
        // Only instructions replaced in place: positions are the stream's own (no origin list,
        // no jumps to move).
        let mut code = stream.to_vec();
        for (pc, op) in rewrites {
            code[pc] = op;
        }
        return Some((code, Vec::new()));
    }
    let (mut sites, mut rewrites) = (sites.into_iter().peekable(), rewrites.into_iter().peekable());
    let mut moved = vec![0u32; stream.len()];
    let (mut code, mut origin) = (Vec::new(), Vec::new());
    for (pc, op) in stream.iter().enumerate() {
        moved[pc] = code.len() as u32;
        let own = PlainAt { at: pc as u32, callee: PlainAt::NONE, callee_pc: 0 };
        let Some((_, (callee, cdir, args))) = sites.next_if(|s| s.0 == pc) else {
            code.push(rewrites.next_if(|r| r.0 == pc).map_or(*op, |r| r.1));
            origin.push(own);
            continue;
        };
        let body = m.plain_stream(callee, cdir);
        // A body that can neither fault nor jump observes no count: its `ret.in` is left out
        // and counted by the `call.in` (once its checks passed), one dispatch less a call.
        let straight = body.len() >= 2 && body[1..body.len() - 1].iter().all(straight_and_safe);
        let ret = Amt(u8::from(straight));
        code.push(Op::CallIn {
            gene: crate::ops::GeneIdx(callee as u32),
            at: Word(g.words),
            depth: Amt(1),
            ret,
        });
        origin.push(own);
        let cg = &m.genes[callee];
        let mut into = Renamed {
            args: &g.args[args.start as usize..][..args.len as usize],
            params: &cg.param_pass,
            base: g.words as u16,
            start: code.len() as u32,
        };
        for (cpc, cop) in body.iter().enumerate().skip(1) {
            // The callee's `exit` becomes `ret.in`, which goes on after the body: the same
            // count where the `exit` would run (a step limit is checked on it).
            let mut op = match *cop {
                _ if cpc == body.len() - 1 && straight => break,
                _ if cpc == body.len() - 1 => Op::RetIn {},
                // A call translated in place inside the callee: one level deeper, its frame
                // past the callee's, which lies past this gene's.
                Op::CallIn { gene, at, depth, ret } => {
                    Op::CallIn { gene, at: Word(at.0 + g.words), depth: Amt(depth.0.saturating_add(1)), ret }
                }
                op => op,
            };
            op.remap(&mut into);
            code.push(op);
            origin.push(PlainAt { at: pc as u32, callee: callee as u32, callee_pc: cpc as u32 });
        }
    }
    for (op, o) in code.iter_mut().zip(&origin) {
        if o.callee == PlainAt::NONE {
            op.remap(&mut Moved(&moved));
        }
    }
    Some((code, origin))
}

/// A fixed-width variable's `x *= c` (`mul.imm` and the `fix` after it, which the compiler
/// and the backward stream keep together) as one `mul.fix`, by position: the `fix` stays at
/// its own, passed over.
fn fixed_multiplies(stream: &[Op]) -> Vec<(usize, Op)> {
    (stream.windows(2).enumerate())
        .filter_map(|(pc, pair)| match *pair {
            [Op::MulImm { dst, imm }, Op::Fix { dst: d, w }] if d == dst => {
                Some((pc, Op::MulFix { dst, imm, w }))
            }
            _ => None,
        })
        .collect()
}

/// An element updated by a value just loaded (`x[i] += y[j]`, `a[i] += a[i - 1]`: a `load`, or
/// a `load.off` whose offset fits in 32 bits signed, and right after it the `add.elem`,
/// `sub.elem` or `xor.elem` that takes the loaded value) as one `load.add.elem`,
/// `load.sub.elem` or `load.xor.elem`, by position: the update stays at its own, passed over.
/// (A rewrite of the same position before it in the list wins: `rewrites.dedup_by_key`.)
fn loaded_updates(stream: &[Op]) -> Vec<(usize, Op)> {
    (stream.windows(2).enumerate())
        .filter_map(|(pc, pair)| {
            let (dst, arr, idx, off) = match pair[0] {
                Op::Load { dst, arr, idx } => (dst, arr, idx, 0),
                Op::LoadOff { dst, arr, idx, imm } => (dst, arr, idx, i32::try_from(imm.0 as i64).ok()?),
                _ => return None,
            };
            let off = Word(off as u32);
            let op = match pair[1] {
                Op::AddElem { arr: to, idx: at, src, .. } if src == dst => {
                    Op::LoadAddElem { dst, arr, idx, off, to, at }
                }
                Op::SubElem { arr: to, idx: at, src, .. } if src == dst => {
                    Op::LoadSubElem { dst, arr, idx, off, to, at }
                }
                Op::XorElem { arr: to, idx: at, src, .. } if src == dst => {
                    Op::LoadXorElem { dst, arr, idx, off, to, at }
                }
                _ => return None,
            };
            Some((pc, op))
        })
        .collect()
}

/// A fixed-width variable's undone xorshift with the width in its amount
/// ([`crate::ops::xs_steps`], [`GeneDef::xs_width`]): its steps stop at the width.
fn fixed_xorshifts(g: &GeneDef, stream: &[Op]) -> Vec<(usize, Op)> {
    (stream.iter().enumerate())
        .filter_map(|(pc, op)| {
            let (Op::XslInv { dst, amt } | Op::XsrInv { dst, amt }) = *op else { return None };
            let fixed = match stream.get(pc + 1) {
                Some(&Op::Fix { dst: d, w }) if d == dst => Some(w),
                _ => None,
            };
            let right = matches!(op, Op::XsrInv { .. });
            let bits = g.xs_width(dst, right, fixed);
            let amt = xs_narrowed(amt, u8::try_from(bits).ok()?);
            (bits < 64).then_some((pc, if right { Op::XsrInv { dst, amt } } else { Op::XslInv { dst, amt } }))
        })
        .collect()
}

/// Divisions by a constant of at least 2 as multiplications ([`crate::ops::Magic`]), by
/// position: `divu.imm` becomes `divu.m`, and `remu.imm` by a divisor below 2^16 `remu.m`.
fn divisions(stream: &[Op]) -> Vec<(usize, Op)> {
    let magic = |d: u64| Magic::new(d).map(|m| (Amt(m.sh), Imm(m.magic)));
    (stream.iter().enumerate())
        .filter_map(|(pc, op)| match *op {
            Op::DivuImm { dst, a, imm } => {
                magic(imm.0).map(|(sh, magic)| (pc, Op::DivuM { dst, a, sh, magic }))
            }
            Op::RemuImm { dst, a, imm } => {
                let d = u16::try_from(imm.0).ok()?;
                magic(imm.0).map(|(sh, magic)| (pc, Op::RemuM { dst, a, sh, d: Half(d), magic }))
            }
            _ => None,
        })
        .collect()
}

/// The instructions of gene `g`'s stream in direction `dir` that stand in for checks that
/// cannot fail, in order of position: the instruction the plain stream has there instead.
///
/// - The latches of simple counted loops ([`crate::loops`]): forward the `loop.inc`/`loop.dec`,
///   whose loop's entry assertion cannot hold again; backward the `loop.test` standing for it,
///   whose head's condition (the forward exit test) cannot hold again. They become
///   `loop.inc.q`, `loop.dec.q`, `loop.test.dec.q`/`loop.test.inc.q` (the head's step in it).
/// - The `loop.back` of a simple test-first or step-first loop going forward (its entry
///   assertion cannot hold again), and any `loop.back` whose condition is `x != x` (the
///   backward stream's for such loops): its code becomes `loop.back.q`, which goes around
///   counting the instructions it passes over.
/// - Settled exit assertions ([`crate::loops::settled_exits`]): their code becomes `skip`.
/// - Exit assertions whose code repeats the `if`'s on values still in their slots
///   ([`crate::loops::repeated_tests`]): their code becomes `skip` to the `fi`.
fn checks_left_out(g: &GeneDef, stream: &[Op], dir: Direction) -> Vec<(usize, Op)> {
    let mut out = Vec::new();
    let pre = |p: usize| stream[p].pre().map_or(0, |n| n as usize).min(p);
    let looping = |op: &Op| {
        matches!(op, Op::LoopInc { .. } | Op::LoopDec { .. } | Op::LoopTest { .. } | Op::LoopBack { .. })
    };
    if stream.iter().any(looping) {
        let (mut step, mut head) = (vec![false; g.code.len()], vec![false; g.code.len()]);
        for l in &g.loops {
            let latch = matches!(g.code[l.step], Op::LoopInc { .. } | Op::LoopDec { .. });
            step[l.step] |= l.head == l.top && latch;
            head[l.head] |= matches!(g.code[l.head], Op::From { .. });
        }
        let is = |v: &[bool], at: usize| v.get(at) == Some(&true);
        for (pc, op) in stream.iter().enumerate() {
            match (*op, dir) {
                (Op::LoopInc { ctr, cond, from_top }, Direction::Forward) if is(&step, pc) => {
                    out.push((pc, Op::LoopIncQ { ctr, cond, from_top }));
                }
                (Op::LoopDec { ctr, cond, from_top }, Direction::Forward) if is(&step, pc) => {
                    out.push((pc, Op::LoopDecQ { ctr, cond, from_top }));
                }
                (Op::LoopTest { cond, from_step }, Direction::Backward)
                    if g.backward.origin.get(pc).is_some_and(|&o| is(&step, o as usize)) =>
                {
                    match stream.get(from_step.0 as usize) {
                        Some(&Op::FromDec { ctr, .. }) => {
                            out.push((pc, Op::LoopTestDecQ { ctr, cond, from_step }))
                        }
                        Some(&Op::FromInc { ctr, .. }) => {
                            out.push((pc, Op::LoopTestIncQ { ctr, cond, from_step }))
                        }
                        _ => {}
                    }
                }
                (Op::LoopBack { cond, from_top, .. }, _) => {
                    let never = matches!(cond, Cond::Ne(a, b) if a == b);
                    let proved = dir == Direction::Forward && is(&head, from_top.0 as usize);
                    if let (true, Ok(count)) = (never || proved, u8::try_from(pre(pc))) {
                        out.push((pc - pre(pc), Op::LoopBackQ { from_top, count: Amt(count) }));
                    }
                }
                _ => {}
            }
        }
    }
    let settled = crate::loops::settled_exits(g, stream);
    for s in settled.into_iter().chain(crate::loops::repeated_tests(g, stream)) {
        if let Ok(count) = u8::try_from(s.n) {
            out.push((s.from, Op::Skip { to: Off(s.to as u32), count: Amt(count) }));
        }
    }
    // (One instruction in place of each check: no two stand at one position.)
    out.sort_by_key(|r| r.0);
    out.dedup_by_key(|r| r.0);
    out
}

/// A call translated in place, as [`Module::plain_origin`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inlined {
    pub gene: usize,
    /// The position in the callee's plain stream in direction `dir` (its own stream when it
    /// has none).
    pub pc: usize,
    pub dir: Direction,
    /// The call's arguments (slots of the caller).
    pub args: Args,
}

impl Module {
    /// The stream a plain run of gene `gene` executes in direction `dir`.
    #[inline]
    pub fn plain_stream(&self, gene: usize, dir: Direction) -> &[Op] {
        self.genes[gene].plain_stream(dir)
    }

    /// Where instruction `pc` of gene `gene`'s plain stream in direction `dir` comes from: its
    /// position in the gene's own stream (for a callee's instruction, the call's) and, inside a
    /// call translated in place, the callee's instruction.
    pub fn plain_origin(&self, gene: usize, pc: usize, dir: Direction) -> (usize, Option<Inlined>) {
        let d = (dir == Direction::Backward) as usize;
        let Some(o) = self.genes.get(gene).and_then(|g| g.plain.origin[d].get(pc)) else {
            return (pc, None);
        };
        let at = o.at as usize;
        if o.callee == PlainAt::NONE {
            return (at, None);
        }
        let (cdir, args) = match self.stream(gene, dir).get(at) {
            Some(Op::Call { args, .. }) => (Direction::Forward, *args),
            Some(Op::Uncall { args, .. }) => (Direction::Backward, *args),
            _ => return (at, None),
        };
        (at, Some(Inlined { gene: o.callee as usize, pc: o.callee_pc as usize, dir: cdir, args }))
    }
}
