//! The dispatch loop: runs the top frame's stream (the gene's forward code, or its backward
//! stream); in a plain run it follows calls and returns itself (pushing and popping frames)
//! until the entry frame returns or a fault; under a hook it stops at each call and return. Both directions go through this one loop and the
//! same handlers; the arms only unpack operands and call the handler of their category. There
//! is no catch-all arm: an opcode without a handler does not compile.

use super::pure::{self, Mem, elem, rd, wr};
use super::state::delocal;
use super::{Fault, Flow, Interpreter, STOP_CHECK_STEPS, Trap, control, trap, update};
use crate::Direction;
use crate::module::{GeneDef, Module};
use crate::ops::{Magic, Op};

/// Asked by the dispatch loop before each instruction (after the first of a call of
/// [`Interpreter::exec_with`]) whether to pause at position `pc` of the running stream.
pub(super) trait Hook {
    /// False for the plain run: the check is not compiled in.
    const ON: bool;
    fn pause(&mut self, pc: usize) -> bool;
}

/// The plain run's hook: never pauses, costs nothing.
pub(super) struct NoHook;

impl Hook for NoHook {
    const ON: bool = false;
    #[inline(always)]
    fn pause(&mut self, _pc: usize) -> bool {
        false
    }
}

/// What the dispatch loop and the handlers need about the running frame.
pub(super) struct Ctx<'m> {
    pub g: &'m GeneDef,
    pub gi: usize,
    pub dir: Direction,
    pub fp: *mut u64,
    pub mem: Mem,
    pub base: usize,
}

impl<'m> Ctx<'m> {
    fn new(it: &mut Interpreter, m: &'m Module) -> Result<(Ctx<'m>, usize), Trap> {
        let Some(fr) = it.frames.last().copied() else {
            return Err(trap(0, Fault::Internal("no frame")));
        };
        let g = &m.genes[fr.gene as usize];
        if fr.base + g.words as usize > it.mem.len() {
            return Err(trap(fr.pc, Fault::Internal("frame outside memory")));
        }
        let mem = Mem { ptr: it.mem.as_mut_ptr(), len: it.mem.len() };
        // SAFETY: base + words <= mem.len, checked just above.
        let fp = unsafe { mem.ptr.add(fr.base) };
        Ok((Ctx { g, gi: fr.gene as usize, dir: fr.dir, fp, mem, base: fr.base }, fr.pc))
    }

    /// The forward position of instruction `pc` of this frame's stream (cold: tape tags).
    #[cold]
    fn at(&self, m: &Module, pc: usize, own: bool) -> usize {
        // A plain stream's position first goes back to the gene's own stream.
        let pc = if own { pc } else { m.plain_origin(self.gi, pc, self.dir).0 };
        match self.dir {
            Direction::Forward => pc,
            Direction::Backward => self.g.backward.origin.get(pc).map_or(pc, |&o| o as usize),
        }
    }
}

impl Interpreter {
    /// Runs the top frame in its direction.
    #[inline(never)]
    pub(super) fn exec(&mut self, m: &Module) -> Result<Flow, Trap> {
        self.exec_with(m, &mut NoHook)
    }

    /// [`Interpreter::exec`] asking `hook` before each instruction after the first whether to
    /// pause there (the debugger's stepping); with [`NoHook`] the check compiles away.
    #[inline(always)]
    pub(super) fn exec_with<'m, H: Hook>(&mut self, m: &'m Module, hook: &mut H) -> Result<Flow, Trap> {
        let (mut c, pc0) = Ctx::new(self, m)?;
        // The plain run executes the streams with leaf calls translated in place; under a hook
        // (the debugger) each gene's own, so it stops in every callee.
        self.plain = !H::ON;
        let stream =
            |g: &'m GeneDef, dir: Direction| if H::ON { g.run_stream(dir) } else { g.plain_stream(dir) };
        let mut code = stream(c.g, c.dir);
        // The instruction to run: a pointer into `code`, stepped by one instruction (its
        // position, `pc!`, is worked out only where a handler, a jump or a fault needs it).
        // SAFETY: the frame's position is inside its stream (as for every jump target below).
        let mut ip: *const Op = unsafe { code.as_ptr().add(pc0) };
        macro_rules! pc {
            () => {{
                // SAFETY: `ip` points into `code` (set only by `goto!` and the step to the next
                // instruction, which the verifier keeps inside the code).
                #[allow(unused_unsafe)]
                let pc = unsafe { ip.offset_from(code.as_ptr()) as usize };
                pc
            }};
        }
        // Goes on at position `$at` of `code`.
        macro_rules! goto {
            ($at:expr) => {
                // SAFETY: the verifier guarantees every successor and jump target of either
                // stream is inside the code.
                ip = unsafe { code.as_ptr().add($at) }
            };
        }
        let mut fp = c.fp;
        // Instructions executed, counted per straight run of code rather than one by one: with
        // the instruction at `pc` they are `n + pc + 1` (wrapping: `done!`), `n` being the count
        // before the current run less the run's first position. Each jump, call and return
        // re-bases `n` on its target (`settle!`); going on to `pc + 1` costs nothing.
        let mut n: u64 = (pc0 as u64).wrapping_neg();
        // Instructions this call may still execute (checked where a jump goes back).
        let mut steps_left = self.limits.max_steps.saturating_sub(self.count);
        // With a stop flag, the budget comes in slices and the flag is read between them.
        let mut budget = if self.stop.is_some() { steps_left.min(STOP_CHECK_STEPS) } else { steps_left };

        // The instructions executed so far, the one at `pc` included.
        macro_rules! done {
            () => {
                n.wrapping_add(pc!() as u64 + 1)
            };
        }
        // Ends the straight run at `pc` (the instruction there included); the next starts at
        // position `$next`.
        macro_rules! settle {
            ($next:expr) => {{
                n = done!().wrapping_sub($next as u64);
            }};
        }
        macro_rules! r {
            ($s:expr) => {{
                // SAFETY: verified slot operand; the frame is allocated (see `pure::rd`).
                #[allow(unused_unsafe)]
                let v = unsafe { rd(fp, $s) };
                v
            }};
        }
        macro_rules! w {
            ($s:expr, $v:expr) => {{
                let v = $v;
                // SAFETY: verified slot operand; the frame is allocated (see `pure::wr`).
                unsafe { wr(fp, $s, v) }
            }};
        }
        // A handler's value, or leave the loop with its fault.
        macro_rules! t {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(f) => break Err(trap(pc!(), f)),
                }
            };
        }
        // Continue at a control handler's next position; a jump back spends fuel.
        macro_rules! go {
            ($e:expr) => {{
                let next = t!($e);
                if next <= pc!() && done!() > budget {
                    if done!() > steps_left {
                        break Err(trap(pc!(), Fault::StepLimit(self.limits.max_steps)));
                    }
                    if self.stop_asked() {
                        break Err(trap(pc!(), Fault::Stopped));
                    }
                    budget = steps_left.min(budget.saturating_add(STOP_CHECK_STEPS));
                }
                settle!(next);
                goto!(next);
                continue;
            }};
        }
        // `arr[idx]` as a checked raw pointer.
        macro_rules! el {
            ($arr:expr, $idx:expr) => {
                // SAFETY: verified array operand; `elem` checks index and address.
                t!(unsafe { elem(fp, c.mem, $arr, r!($idx)) })
            };
        }
        // Reads the element `p` points at.
        macro_rules! ld {
            ($p:expr) => {{
                let p = $p;
                // SAFETY: `elem` returned an address inside the memory.
                unsafe { *p }
            }};
        }
        // Updates the element `p` points at.
        macro_rules! upd {
            ($p:expr, $f:expr) => {{
                let p = $p;
                // SAFETY: `elem` returned an address inside the memory.
                unsafe { *p = $f(*p) }
            }};
        }
        // `load.add.elem` and its kin: `dst = arr[idx + off]` (the offset sign-extended), then
        // `to[at] = f(to[at], dst)` as the update after it, at its position.
        macro_rules! load_upd {
            ($dst:expr, $arr:expr, $idx:expr, $off:expr, $to:expr, $at:expr, $f:expr) => {{
                let i = r!($idx).wrapping_add($off.0 as i32 as i64 as u64);
                // SAFETY: verified array operand; `elem` checks index and address.
                let v = ld!(t!(unsafe { elem(fp, c.mem, $arr, i) }));
                w!($dst, v);
                goto!(pc!() + 1);
                upd!(el!($to, $at), |x: u64| $f(x, v));
                goto!(pc!() + 1);
                continue;
            }};
        }
        // Switches the loop to frame `fr` (the new top frame), at the position it resumes from.
        macro_rules! switch {
            ($fr:expr) => {{
                let Some(fr) = $fr else {
                    break Err(trap(pc!(), Fault::Internal("no frame")));
                };
                // (Counted on the stream it leaves.)
                settle!(fr.pc);
                c.gi = fr.gene as usize;
                c.g = &m.genes[c.gi];
                c.dir = fr.dir;
                c.base = fr.base;
                // `push_frame` grew the memory to hold the new frame (a caller's frame lies
                // below its callee's), so base + words <= mem.len as in `Ctx::new`.
                c.mem = Mem { ptr: self.mem.as_mut_ptr(), len: self.mem.len() };
                debug_assert!(fr.base + c.g.words as usize <= c.mem.len);
                // SAFETY: base + words <= mem.len (above).
                fp = unsafe { c.mem.ptr.add(fr.base) };
                c.fp = fp;
                code = stream(c.g, c.dir);
                goto!(fr.pc);
                continue;
            }};
        }
        // Goes on in gene `g` (index `gi`) in direction `dir`, its frame at `base`, at
        // position `at`: the new top frame, in the memory the loop already has.
        macro_rules! enter {
            ($g:expr, $gi:expr, $dir:expr, $base:expr, $at:expr) => {{
                let at = $at;
                // (Counted on the stream it leaves.)
                settle!(at);
                c.gi = $gi;
                c.g = $g;
                c.dir = $dir;
                c.base = $base;
                debug_assert!(c.base + c.g.words as usize <= c.mem.len);
                // SAFETY: the frame lies inside the memory (`call_fast`, `return_to_caller`).
                fp = unsafe { c.mem.ptr.add(c.base) };
                c.fp = fp;
                code = stream(c.g, c.dir);
                goto!(at);
                continue;
            }};
        }
        // A call: the plain run pushes the callee's frame and goes on in this loop (no exit
        // from it per call); under a hook the loop leaves with the call (the debugger's driver
        // pushes the frame). The frame remembers where it stopped either way.
        macro_rules! call {
            ($gene:expr, $args:expr, $dir:expr) => {{
                if !H::ON {
                    // SAFETY: the operands of a verified call of the running gene, whose frame
                    // is the top one; `c.mem` is the memory.
                    let fast = unsafe {
                        self.call_fast(
                            m,
                            c.g,
                            c.mem,
                            c.base,
                            $gene.0,
                            $args,
                            $dir,
                            pc!(),
                            done!() <= steps_left,
                        )
                    };
                    if let Some((g, base)) = fast {
                        enter!(g, $gene.0 as usize, $dir, base, 1)
                    }
                }
                if let Some(f) = self.frames.last_mut() {
                    f.pc = pc!();
                }
                if H::ON {
                    break Ok(Flow::Call { gene: $gene.0, args: $args, dir: $dir });
                }
                // The instructions so far count before the callee runs (`push_callee` checks
                // the step limit on `count` and those).
                let fr = t!(self.push_callee(m, c.g, c.base, $gene.0, $args, $dir, done!()));
                switch!(Some(fr))
            }};
        }

        let result = loop {
            if H::ON && done!() > 1 && hook.pause(pc!()) {
                if let Some(f) = self.frames.last_mut() {
                    f.pc = pc!();
                }
                // The instruction at `pc` has not run: `done!` leaves it out.
                n = n.wrapping_sub(1);
                break Ok(Flow::Pause);
            }
            // SAFETY: the verifier guarantees every successor and jump target of either stream
            // is inside the code (the last instruction is `exit`, which returns).
            let op = unsafe { &*ip };
            match *op {
                // Frame.
                Op::Enter {} | Op::RetIn {} => go!(control::marker(pc!())),
                Op::Exit {} => {
                    // The plain run returns to a caller inside this loop; the entry frame's
                    // return (and any return under a hook) leaves it for the driver.
                    if H::ON || self.frames.len() <= 1 {
                        break Ok(Flow::Return);
                    }
                    // SAFETY: two frames; this one's gene and frame, pushed by a verified call
                    // of the one below.
                    let (fr, g) = unsafe { self.return_to_caller(m, c.g, fp, c.mem) };
                    enter!(g, fr.gene as usize, fr.dir, fr.base, fr.pc)
                }

                // Control (handlers in `control`).
                // SAFETY (every control arm): verified operands of this frame's gene.
                Op::If { cond, else_at, .. } => go!(unsafe { control::if_top(fp, cond, else_at, pc!()) }),
                Op::FiThen { cond, fi_else, .. } => go!(unsafe { control::fi_then(fp, cond, fi_else) }),
                Op::Else { .. } => go!(control::marker(pc!())),
                Op::FiElse { cond, .. } => go!(unsafe { control::fi_else(fp, cond, pc!()) }),
                Op::From { cond, .. } => go!(unsafe { control::from_top(fp, cond, pc!()) }),
                Op::Until { cond, loop_exit, .. } => {
                    let next = t!(unsafe { control::until(fp, cond, loop_exit, pc!()) });
                    // A loop with an empty loop block goes on to its `loop.back` (when that has
                    // no expression code): run it here (one dispatch less per trip); a fault
                    // names the `loop.back`.
                    // (Not under a debugger: it stops where statements start, so it sees each.)
                    if !H::ON && next == pc!() + 1 {
                        // SAFETY: `until` is never the last instruction (the verifier checks
                        // its `loop.exit` partner follows the loop).
                        match unsafe { *code.get_unchecked(next) } {
                            Op::LoopBack { cond, from_top, .. } => {
                                goto!(next);
                                // SAFETY: verified condition slots.
                                go!(unsafe { control::loop_back(fp, cond, from_top) })
                            }
                            // (Its check left out: around, counting what it passed over.)
                            Op::LoopBackQ { from_top, count } => {
                                n = n.wrapping_add(u64::from(count.0));
                                goto!(next);
                                go!(Ok::<usize, Fault>(from_top.0 as usize + 1))
                            }
                            _ => {}
                        }
                    }
                    go!(Ok::<usize, Fault>(next))
                }
                Op::LoopBack { cond, from_top, .. } => {
                    let top = t!(unsafe { control::loop_back(fp, cond, from_top) });
                    // A loop whose do-block is empty goes around to its exit test: run that
                    // here (one dispatch less per trip; it counts as executed).
                    // SAFETY: the verifier checked the partner position is inside the code.
                    // (Not under a debugger, which sees every instruction it may stop at.)
                    if !H::ON
                        && let Op::Until { cond, loop_exit, .. } = unsafe { *code.get_unchecked(top) }
                    {
                        n = n.wrapping_add(1);
                        // SAFETY: verified condition slots.
                        go!(unsafe { control::until(fp, cond, loop_exit, top) })
                    }
                    go!(Ok::<usize, Fault>(top))
                }
                Op::LoopExit { .. } => go!(control::marker(pc!())),
                Op::FromC { cond, .. } => go!(unsafe { control::from_top(fp, cond, pc!()) }),
                Op::LoopInc { ctr, cond, from_top } => {
                    go!(unsafe { control::loop_step::<false>(code, fp, ctr, 1, cond, from_top, pc!()) })
                }
                Op::LoopDec { ctr, cond, from_top } => {
                    go!(unsafe {
                        control::loop_step::<false>(code, fp, ctr, u64::MAX, cond, from_top, pc!())
                    })
                }
                Op::FromDec { ctr, cond, .. } => {
                    go!(unsafe { control::from_step(fp, ctr, u64::MAX, cond, pc!()) })
                }
                Op::FromInc { ctr, cond, .. } => go!(unsafe { control::from_step(fp, ctr, 1, cond, pc!()) }),
                Op::LoopTest { cond, from_step } => {
                    go!(unsafe { control::loop_test(code, fp, cond, from_step, pc!()) })
                }
                // Latches of simple counted loops in the plain streams: no re-entry check.
                Op::LoopIncQ { ctr, cond, from_top } => {
                    go!(unsafe { control::loop_step::<true>(code, fp, ctr, 1, cond, from_top, pc!()) })
                }
                Op::LoopDecQ { ctr, cond, from_top } => {
                    go!(unsafe { control::loop_step::<true>(code, fp, ctr, u64::MAX, cond, from_top, pc!()) })
                }
                Op::LoopTestDecQ { ctr, cond, from_step } => {
                    go!(unsafe { control::loop_test_quiet(fp, ctr, u64::MAX, cond, from_step, pc!()) })
                }
                Op::LoopTestIncQ { ctr, cond, from_step } => {
                    go!(unsafe { control::loop_test_quiet(fp, ctr, 1, cond, from_step, pc!()) })
                }
                // A loop.back whose re-entry check cannot fail, in place of its expression code:
                // the same way around as `loop.back` (and on into an `until` at the top).
                Op::LoopBackQ { from_top, count } => {
                    n = n.wrapping_add(u64::from(count.0));
                    let top = from_top.0 as usize + 1;
                    // SAFETY: as for `loop.back` (its partner is inside the code).
                    if !H::ON
                        && let Op::Until { cond, loop_exit, .. } = unsafe { *code.get_unchecked(top) }
                    {
                        n = n.wrapping_add(1);
                        // SAFETY: verified condition slots.
                        go!(unsafe { control::until(fp, cond, loop_exit, top) })
                    }
                    go!(Ok::<usize, Fault>(top))
                }
                // An exit assertion that cannot fail, passed over (always forward: no fuel
                // check, as on the straight code it stands for).
                Op::Skip { to, count } => {
                    n = n.wrapping_add(u64::from(count.0));
                    settle!(to.0 as usize);
                    goto!(to.0 as usize);
                    continue;
                }
                // SAFETY: verified condition slots.
                Op::Assert { cond, .. } => t!(unsafe { control::assert(fp, cond) }),

                // Calls.
                Op::Call { gene, args } => call!(gene, args, Direction::Forward),
                Op::Uncall { gene, args } => call!(gene, args, Direction::Backward),
                Op::CallIn { gene, at, depth, ret } => {
                    // A leaf call translated in place (only in the plain streams): its limits
                    // are checked on the count so far, as `call` does (its `ret.in` counts as
                    // the callee's `exit`).
                    if self.enter_inline_fast(
                        m,
                        c.base + at.0 as usize,
                        gene.0,
                        depth.0 as usize,
                        done!() <= steps_left,
                    ) {
                        // The left-out `ret.in`, if any, counted now.
                        n = n.wrapping_add(u64::from(ret.0));
                        // SAFETY: not the last instruction (that is `exit`).
                        ip = unsafe { ip.add(1) };
                        continue;
                    }
                    let k = done!();
                    self.count += k;
                    steps_left = steps_left.saturating_sub(k);
                    budget = budget.saturating_sub(k);
                    // Counted up to here, this instruction included (`done!` is 0 here).
                    n = (pc!() as u64 + 1).wrapping_neg();
                    t!(self.enter_inline(m, c.base + at.0 as usize, gene.0, depth.0 as usize));
                    n = n.wrapping_add(u64::from(ret.0));
                    // The memory may have grown (moved): the frame pointer follows it.
                    c.mem = Mem { ptr: self.mem.as_mut_ptr(), len: self.mem.len() };
                    // SAFETY: the frame lies inside the memory, which only grew.
                    fp = unsafe { c.mem.ptr.add(c.base) };
                    c.fp = fp;
                    // SAFETY: not the last instruction (that is `exit`).
                    ip = unsafe { ip.add(1) };
                    continue;
                }

                // Ancillas, stacks, the tape, kernels and output (handlers in `state`).
                Op::Local { dst, src, .. } => w!(dst, r!(src)),
                Op::Delocal { dst, src, .. } => t!(delocal(dst, r!(src), r!(dst))),
                Op::LocalImm { dst, imm } => w!(dst, imm.0),
                Op::DelocalImm { dst, imm } => t!(delocal(dst, imm.0, r!(dst))),
                Op::LocalArr { arr, at, len, src, .. } => Self::open_array(&c, arr, at.0, len.0, r!(src)),
                Op::DelocalArr { arr, at, len, src, .. } => {
                    t!(Self::close_array(&c, arr, at.0, len.0, r!(src)))
                }
                Op::LocalStack { dst } => self.open_stack(fp, dst),
                Op::DelocalStack { dst } => t!(self.close_stack(fp, dst)),
                Op::Push { var, stack, .. } => t!(self.push_to(fp, var, stack)),
                Op::Pop { var, stack, .. } => t!(self.pop_from(fp, var, stack)),
                // (A fixed-width variable holds its canonical form: pushing it is `push`.)
                Op::PushW { var, stack, .. } => t!(self.push_to(fp, var, stack)),
                Op::PopW { var, stack, w, .. } => t!(self.pop_fixed(fp, var, stack, w)),
                Op::Assign { dst, src, .. } => t!(self.assign(m, &c, c.at(m, pc!(), H::ON), dst, src)),
                Op::Unassign { dst, .. } => t!(self.unassign(m, &c, c.at(m, pc!(), H::ON), dst)),
                Op::Error { msg } => break Err(trap(pc!(), Fault::User(msg.0))),
                Op::Kernel { name, buf, elem } => t!(self.kernel(m, &c, name, buf, elem, false)),
                Op::KernelInv { name, buf, elem } => t!(self.kernel(m, &c, name, buf, elem, true)),
                Op::Print { text } => t!(self.print(m, text)),
                Op::Printf { fmt, args } => t!(self.print_fmt(m, c.g, fp, fmt, args)),
                Op::Show { var, name, fmt } => t!(self.show(m, &c, var, name, fmt)),

                // Updates of a slot (handlers in `update`).
                Op::Add { dst, src, .. } => w!(dst, r!(dst).wrapping_add(r!(src))),
                Op::Sub { dst, src, .. } => w!(dst, r!(dst).wrapping_sub(r!(src))),
                Op::Xor { dst, src, .. } => w!(dst, r!(dst) ^ r!(src)),
                Op::AddImm { dst, imm } => w!(dst, r!(dst).wrapping_add(imm.0)),
                Op::SubImm { dst, imm } => w!(dst, r!(dst).wrapping_sub(imm.0)),
                Op::XorImm { dst, imm } => w!(dst, r!(dst) ^ imm.0),
                Op::AddChk { dst, src, .. } => w!(dst, t!(update::add_chk(r!(dst), r!(src)))),
                Op::SubChk { dst, src, .. } => w!(dst, t!(update::sub_chk(r!(dst), r!(src)))),
                Op::AddChkImm { dst, imm } => w!(dst, t!(update::add_chk(r!(dst), imm.0))),
                Op::SubChkImm { dst, imm } => w!(dst, t!(update::sub_chk(r!(dst), imm.0))),
                Op::MulImm { dst, imm } => w!(dst, r!(dst).wrapping_mul(imm.0)),
                Op::Xsl { dst, amt } => w!(dst, update::xsl(r!(dst), amt)),
                Op::XslInv { dst, amt } => w!(dst, update::unxsl(r!(dst), amt)),
                Op::Xsr { dst, amt } => w!(dst, update::xsr(r!(dst), amt)),
                Op::XsrInv { dst, amt } => w!(dst, update::unxsr(r!(dst), amt)),
                Op::RotlImm { dst, amt } => w!(dst, r!(dst).rotate_left(amt.0 as u32)),
                Op::RotrImm { dst, amt } => w!(dst, r!(dst).rotate_right(amt.0 as u32)),
                Op::Rotl { dst, src, .. } => w!(dst, update::rotl(r!(dst), r!(src))),
                Op::Rotr { dst, src, .. } => w!(dst, update::rotr(r!(dst), r!(src))),
                Op::Neg { dst } => w!(dst, r!(dst).wrapping_neg()),
                Op::Not { dst } => w!(dst, !r!(dst)),
                Op::NegChk { dst } => w!(dst, t!(update::neg_chk(r!(dst)))),
                Op::Swap { a, b } => {
                    let (x, y) = (r!(a), r!(b));
                    w!(a, y);
                    w!(b, x);
                }
                Op::RotAdd { dst, src, amt } => w!(dst, update::rot_add(r!(dst), r!(src), amt)),
                Op::RotSub { dst, src, amt } => w!(dst, update::rot_sub(r!(dst), r!(src), amt)),
                Op::RotXor { dst, src, amt } => w!(dst, update::rot_xor(r!(dst), r!(src), amt)),
                Op::AddRot { dst, src, amt } => w!(dst, update::add_rot(r!(dst), r!(src), amt)),
                Op::SubRot { dst, src, amt } => w!(dst, update::sub_rot(r!(dst), r!(src), amt)),
                Op::XorRot { dst, src, amt } => w!(dst, update::xor_rot(r!(dst), r!(src), amt)),
                Op::Fix { dst, w } => w!(dst, w.wrap(r!(dst))),
                // The `fix` after it is passed over: a straight run counts its position.
                Op::MulFix { dst, imm, w } => {
                    w!(dst, w.wrap(r!(dst).wrapping_mul(imm.0)));
                    goto!(pc!() + 2);
                    continue;
                }
                // The element update after the load is passed over (a straight run counts its
                // position) and faults at its own position.
                Op::LoadAddElem { dst, arr, idx, off, to, at } => {
                    load_upd!(dst, arr, idx, off, to, at, |x: u64, v: u64| x.wrapping_add(v))
                }
                Op::LoadSubElem { dst, arr, idx, off, to, at } => {
                    load_upd!(dst, arr, idx, off, to, at, |x: u64, v: u64| x.wrapping_sub(v))
                }
                Op::LoadXorElem { dst, arr, idx, off, to, at } => {
                    load_upd!(dst, arr, idx, off, to, at, |x: u64, v: u64| x ^ v)
                }
                Op::RotlW { dst, src, w, .. } => w!(dst, crate::ops::rotl_w(r!(dst), r!(src), w)),
                Op::RotrW { dst, src, w, .. } => w!(dst, crate::ops::rotr_w(r!(dst), r!(src), w)),
                Op::AddW { dst, src, w, .. } => w!(dst, w.wrap(r!(dst).wrapping_add(r!(src)))),
                Op::SubW { dst, src, w, .. } => w!(dst, w.wrap(r!(dst).wrapping_sub(r!(src)))),
                Op::XorW { dst, src, w, .. } => w!(dst, w.wrap(r!(dst) ^ r!(src))),
                Op::AddWImm { dst, imm, w } => w!(dst, w.wrap(r!(dst).wrapping_add(imm.0))),
                Op::SubWImm { dst, imm, w } => w!(dst, w.wrap(r!(dst).wrapping_sub(imm.0))),
                Op::RotlWImm { dst, amt, w } => w!(dst, crate::ops::rotl_w(r!(dst), u64::from(amt.0), w)),
                Op::RotrWImm { dst, amt, w } => w!(dst, crate::ops::rotr_w(r!(dst), u64::from(amt.0), w)),

                // Updates of an array element.
                Op::AddElem { arr, idx, src, .. } => upd!(el!(arr, idx), |x: u64| x.wrapping_add(r!(src))),
                Op::SubElem { arr, idx, src, .. } => upd!(el!(arr, idx), |x: u64| x.wrapping_sub(r!(src))),
                Op::XorElem { arr, idx, src, .. } => upd!(el!(arr, idx), |x: u64| x ^ r!(src)),
                Op::AddElemImm { arr, idx, imm, .. } => upd!(el!(arr, idx), |x: u64| x.wrapping_add(imm.0)),
                Op::SubElemImm { arr, idx, imm, .. } => upd!(el!(arr, idx), |x: u64| x.wrapping_sub(imm.0)),
                Op::XorElemImm { arr, idx, imm, .. } => upd!(el!(arr, idx), |x: u64| x ^ imm.0),
                Op::AddFrom { dst, arr, idx, .. } => w!(dst, r!(dst).wrapping_add(ld!(el!(arr, idx)))),
                Op::SubFrom { dst, arr, idx, .. } => w!(dst, r!(dst).wrapping_sub(ld!(el!(arr, idx)))),
                Op::XorFrom { dst, arr, idx, .. } => w!(dst, r!(dst) ^ ld!(el!(arr, idx))),
                Op::SwapElem { dst, arr, idx, .. } => {
                    let p = el!(arr, idx);
                    let x = r!(dst);
                    // SAFETY: `elem` checked the address.
                    w!(dst, std::mem::replace(unsafe { &mut *p }, x));
                }
                Op::SwapElems { arr, i, arr2, j, .. } => {
                    let (p, q) = (el!(arr, i), el!(arr2, j));
                    // SAFETY: both addresses checked by `elem`; `ptr::swap` allows p == q.
                    unsafe { std::ptr::swap(p, q) }
                }

                // Expression code (handlers in `pure`).
                Op::Const { dst, imm } => w!(dst, imm.0),
                Op::Add3 { dst, a, b } => w!(dst, r!(a).wrapping_add(r!(b))),
                Op::Sub3 { dst, a, b } => w!(dst, r!(a).wrapping_sub(r!(b))),
                Op::Mul3 { dst, a, b } => w!(dst, r!(a).wrapping_mul(r!(b))),
                Op::Divu { dst, a, b } => w!(dst, t!(pure::divu(r!(a), r!(b)))),
                Op::Divs { dst, a, b } => w!(dst, t!(pure::divs(r!(a), r!(b)))),
                Op::Remu { dst, a, b } => w!(dst, t!(pure::remu(r!(a), r!(b)))),
                Op::Rems { dst, a, b } => w!(dst, t!(pure::rems(r!(a), r!(b)))),
                Op::Shl { dst, a, b } => w!(dst, pure::shl(r!(a), r!(b))),
                Op::Shru { dst, a, b } => w!(dst, pure::shru(r!(a), r!(b))),
                Op::Shrs { dst, a, b } => w!(dst, pure::shrs(r!(a), r!(b))),
                Op::And { dst, a, b } => w!(dst, r!(a) & r!(b)),
                Op::Or { dst, a, b } => w!(dst, r!(a) | r!(b)),
                Op::Xor3 { dst, a, b } => w!(dst, r!(a) ^ r!(b)),
                Op::Eq { dst, a, b } => w!(dst, (r!(a) == r!(b)) as u64),
                Op::Ne { dst, a, b } => w!(dst, (r!(a) != r!(b)) as u64),
                Op::Ltu { dst, a, b } => w!(dst, (r!(a) < r!(b)) as u64),
                Op::Lts { dst, a, b } => w!(dst, ((r!(a) as i64) < (r!(b) as i64)) as u64),
                Op::Leu { dst, a, b } => w!(dst, (r!(a) <= r!(b)) as u64),
                Op::Les { dst, a, b } => w!(dst, ((r!(a) as i64) <= (r!(b) as i64)) as u64),
                Op::Add3Chk { dst, a, b } => w!(dst, t!(update::add_chk(r!(a), r!(b)))),
                Op::Sub3Chk { dst, a, b } => w!(dst, t!(update::sub_chk(r!(a), r!(b)))),
                Op::Mul3Chk { dst, a, b } => w!(dst, t!(pure::ovf((r!(a) as i64).checked_mul(r!(b) as i64)))),
                Op::Divf { dst, a, b } => w!(dst, t!(pure::div_floor(r!(a), r!(b)))),
                Op::Modf { dst, a, b } => w!(dst, t!(pure::mod_floor(r!(a), r!(b)))),
                Op::Add3Imm { dst, a, imm } => w!(dst, r!(a).wrapping_add(imm.0)),
                Op::Mul3Imm { dst, a, imm } => w!(dst, r!(a).wrapping_mul(imm.0)),
                // (The verifier refused a divisor 0.)
                Op::DivuImm { dst, a, imm } => {
                    w!(dst, std::num::NonZeroU64::new(imm.0).map_or(0, |k| r!(a) / k))
                }
                Op::RemuImm { dst, a, imm } => {
                    w!(dst, std::num::NonZeroU64::new(imm.0).map_or(0, |k| r!(a) % k))
                }
                // The same by a multiplication (the plain streams' form, see `ops::Magic`).
                Op::DivuM { dst, a, sh, magic } => w!(dst, Magic::div(magic.0, sh.0, r!(a))),
                Op::RemuM { dst, a, sh, d, magic } => {
                    let x = r!(a);
                    w!(dst, x - Magic::div(magic.0, sh.0, x) * u64::from(d.0))
                }
                Op::RsubImm { dst, a, imm } => w!(dst, imm.0.wrapping_sub(r!(a))),
                Op::RshlImm { dst, a, imm } => w!(dst, pure::shl(imm.0, r!(a))),
                Op::AndImm { dst, a, imm } => w!(dst, r!(a) & imm.0),
                Op::OrImm { dst, a, imm } => w!(dst, r!(a) | imm.0),
                Op::Xor3Imm { dst, a, imm } => w!(dst, r!(a) ^ imm.0),
                Op::ShlImm { dst, a, imm } => w!(dst, pure::shl(r!(a), imm.0)),
                Op::ShruImm { dst, a, imm } => w!(dst, pure::shru(r!(a), imm.0)),
                Op::ShrsImm { dst, a, imm } => w!(dst, pure::shrs(r!(a), imm.0)),
                Op::EqImm { dst, a, imm } => w!(dst, (r!(a) == imm.0) as u64),
                Op::NeImm { dst, a, imm } => w!(dst, (r!(a) != imm.0) as u64),
                Op::LtuImm { dst, a, imm } => w!(dst, (r!(a) < imm.0) as u64),
                Op::LtsImm { dst, a, imm } => w!(dst, ((r!(a) as i64) < (imm.0 as i64)) as u64),
                Op::LeuImm { dst, a, imm } => w!(dst, (r!(a) <= imm.0) as u64),
                Op::LesImm { dst, a, imm } => w!(dst, ((r!(a) as i64) <= (imm.0 as i64)) as u64),
                Op::GtuImm { dst, a, imm } => w!(dst, (r!(a) > imm.0) as u64),
                Op::GtsImm { dst, a, imm } => w!(dst, ((r!(a) as i64) > (imm.0 as i64)) as u64),
                Op::GeuImm { dst, a, imm } => w!(dst, (r!(a) >= imm.0) as u64),
                Op::GesImm { dst, a, imm } => w!(dst, ((r!(a) as i64) >= (imm.0 as i64)) as u64),
                Op::Add3ChkImm { dst, a, imm } => w!(dst, t!(update::add_chk(r!(a), imm.0))),
                Op::Sub3ChkImm { dst, a, imm } => w!(dst, t!(update::sub_chk(r!(a), imm.0))),
                Op::Mul3ChkImm { dst, a, imm } => {
                    w!(dst, t!(pure::ovf((r!(a) as i64).checked_mul(imm.0 as i64))))
                }
                Op::Wrap { dst, a, w } => w!(dst, w.wrap(r!(a))),
                Op::Neg3 { dst, a } => w!(dst, r!(a).wrapping_neg()),
                Op::Neg3Chk { dst, a } => w!(dst, t!(update::neg_chk(r!(a)))),
                Op::Bnot { dst, a } => w!(dst, !r!(a)),
                Op::Lnot { dst, a } => w!(dst, (r!(a) == 0) as u64),
                Op::Bool { dst, a } => w!(dst, (r!(a) != 0) as u64),
                Op::Load { dst, arr, idx } => w!(dst, ld!(el!(arr, idx))),
                Op::LoadImm { dst, arr, imm } => {
                    // SAFETY: verified array operand; `elem` checks index and address.
                    w!(dst, ld!(t!(unsafe { elem(fp, c.mem, arr, imm.0) })))
                }
                Op::LoadOff { dst, arr, idx, imm } => {
                    // SAFETY: verified array operand; `elem` checks index and address.
                    w!(dst, ld!(t!(unsafe { elem(fp, c.mem, arr, r!(idx).wrapping_add(imm.0)) })))
                }
                Op::Top { dst, stack } => {
                    w!(dst, *t!(t!(self.stack_at(fp, stack)).last().ok_or(Fault::EmptyStack)))
                }
                Op::Empty { dst, stack } => w!(dst, t!(self.stack_at(fp, stack)).is_empty() as u64),
                Op::Size { dst, stack } => w!(dst, t!(self.stack_at(fp, stack)).len() as u64),
                Op::Jz { a, to } if r!(a) == 0 => go!(Ok::<usize, Fault>(to.0 as usize)),
                Op::Jz { .. } => {}
                Op::Jnz { a, to } if r!(a) != 0 => go!(Ok::<usize, Fault>(to.0 as usize)),
                Op::Jnz { .. } => {}
                Op::Noalias { a, b } => t!(pure::no_alias(r!(a), r!(b))),
            }
            // SAFETY: not the last instruction (that is `exit`, which leaves or jumps).
            ip = unsafe { ip.add(1) };
        };
        // Every way out of the loop leaves the instructions run counted by `done!`, the one at
        // `pc` included (a pause leaves it out).
        self.count += done!();
        if let (Err(t), Some(f)) = (&result, self.frames.last_mut()) {
            f.pc = t.pc;
        }
        result
    }
}
