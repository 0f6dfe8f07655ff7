//! A gene as a permutation: run forward over every state of its parameters.
//!
//! A reversible gene over n bits of fixed-width state is a permutation of its 2ⁿ states (I4: a
//! bijection on its domain). [`permutation`] runs the gene forward from every state (n ≤ 24),
//! proves it a bijection by exhaustion (every state has an image and no two states share one),
//! and gives the cycle type, the order (the least common multiple of the cycle lengths, exact:
//! it can pass 2⁶⁴ even at 16 bits) and the fixed points. A state where an assertion fails
//! makes the gene partial: the first such state is reported and the permutation is undefined.
//!
//! **State numbering.** The parameters must all be fixed-width integers (`u8 … i32`). A state's
//! number concatenates their values, the first parameter in the lowest bits: with `x: u8, y:
//! u8`, state `x + 256·y`. A signed value is taken as its two's-complement bits at its width.
//! The same numbering names qubits in `rdx circuit` (parameter registers in declaration order,
//! bit i of a value on qubit i of its register).
//!
//! **Table.** The permutation table is the images π(0), π(1), … π(2ⁿ − 1), each a little-endian
//! u32: 4·2ⁿ bytes. Its CID names the permutation itself: two genes with the same table are the
//! same function.

use crate::CoreError;
use rdx_lang::ast::{Dialect, Type, Width};
use rdx_vm::{Direction, Engine, Module, RunError, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// The most bits of state `rdx perm` enumerates (2²⁴ runs).
pub const MAX_BITS: u32 = 24;

/// The instructions `rdx perm` lets each state's run execute by default (`--max-steps`), on the
/// interpreter: a run past it stops the sweep with that state named, so a gene that never
/// stops from some state is reported rather than run forever. Ten million instructions take
/// well under a second, and are far above a round function's few thousand.
pub const DEFAULT_MAX_STEPS: u64 = 10_000_000;

/// How messages name a gene's state variable `name` of type `ty`: a parameter in rdx; in Janus,
/// where a procedure's state also holds the globals it uses (and `main`'s, its own variables),
/// a variable, with its Janus type (`int` is 64 bits).
pub fn state_variable(dialect: Dialect, name: &str, ty: &Type) -> String {
    match (dialect, ty) {
        (Dialect::Rdx, _) => format!("parameter `{name}` is `{ty}`"),
        (Dialect::Janus, Type::Array(_, n)) => format!("variable `{name}` is `int[{n}]`"),
        (Dialect::Janus, Type::Stack) => format!("variable `{name}` is a `stack`"),
        (Dialect::Janus, _) => format!("variable `{name}` is `int` (64 bits)"),
    }
}

/// The state space of a gene: its parameters (name, width), first parameter lowest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Domain {
    pub params: Vec<(String, Width)>,
}

impl Domain {
    /// The domain of gene `gene`: every parameter a fixed-width integer, at most
    /// [`MAX_BITS`] bits in all; otherwise a usage error that says why.
    pub fn of(module: &Module, gene: usize) -> Result<Domain, CoreError> {
        let g = module.genes.get(gene).ok_or_else(|| CoreError::Usage(format!("no gene number {gene}")))?;
        let mut params = Vec::new();
        for p in &g.params {
            match p.ty {
                Type::Fixed(w) => params.push((p.name.clone(), w)),
                ty if module.dialect == Dialect::Janus => {
                    return Err(CoreError::Usage(format!(
                        "procedure `{}`: {}; a permutation needs fixed-width integer state (u8, u16, \
                         u32, i8, i16, i32) of at most {MAX_BITS} bits in all, and Janus has none",
                        g.name,
                        state_variable(module.dialect, &p.name, &ty)
                    )));
                }
                ty => {
                    return Err(CoreError::Usage(format!(
                        "gene `{}`: {}; a permutation needs fixed-width integer parameters (u8, u16, \
                         u32, i8, i16, i32) of at most {MAX_BITS} bits in all",
                        g.name,
                        state_variable(module.dialect, &p.name, &ty)
                    )));
                }
            }
        }
        let d = Domain { params };
        if d.bits() > MAX_BITS {
            let list: Vec<String> = d.params.iter().map(|(n, w)| format!("{n}: {}", w.as_str())).collect();
            return Err(CoreError::Usage(format!(
                "gene `{}` has {} bits of state ({}): more than {MAX_BITS} bits ({} states) is not \
                 enumerated",
                g.name,
                d.bits(),
                list.join(", "),
                1u64 << MAX_BITS
            )));
        }
        Ok(d)
    }

    /// Bits of state.
    pub fn bits(&self) -> u32 {
        self.params.iter().map(|(_, w)| u32::from(w.bits)).sum()
    }

    /// Number of states, 2^bits.
    pub fn states(&self) -> u64 {
        1u64 << self.bits()
    }

    /// The parameter values of state `s`.
    pub fn decode(&self, s: u64) -> Vec<Value> {
        let mut at = 0;
        self.params
            .iter()
            .map(|(_, w)| {
                let v = (s >> at) & w.mask();
                at += u32::from(w.bits);
                Value::Int(w.wrap(v))
            })
            .collect()
    }

    /// The number of the state holding `values` (canonical values of the parameters).
    pub fn encode(&self, values: &[Value]) -> u64 {
        let mut s = 0;
        let mut at = 0;
        for ((_, w), v) in self.params.iter().zip(values) {
            let x = if let Value::Int(x) = v { *x } else { 0 };
            s |= (x & w.mask()) << at;
            at += u32::from(w.bits);
        }
        s
    }
}

/// What running a gene over its whole domain showed.
#[derive(Debug)]
pub struct Permutation {
    pub domain: Domain,
    /// π(s) for every state s (empty when the gene is partial).
    pub table: Vec<u32>,
    /// The first state (in numbering order) where the run failed, and the error.
    pub partial: Option<(u64, RunError)>,
    /// Two states with the same image (a lossy gene), the first found: (a, b, image).
    pub collision: Option<(u64, u64, u64)>,
    /// The cycle type, worked out at the first question (one walk of the table).
    cycles: OnceLock<BTreeMap<u64, u64>>,
}

/// The interpreter that sweeps a gene's states with `max_steps` instructions for each state's
/// run ([`DEFAULT_MAX_STEPS`] when none is given): `rdx perm`, Python's `Program.permutation()`
/// and the circuit's partial-gene check share it, so none of them runs forever on a gene that
/// never stops from some state.
pub fn sweeper(max_steps: Option<u64>) -> rdx_vm::Interpreter {
    rdx_vm::Interpreter::with_limits(rdx_vm::Limits {
        max_steps: max_steps.unwrap_or(DEFAULT_MAX_STEPS),
        ..rdx_vm::Limits::default()
    })
}

impl Permutation {
    /// Why the sweep stopped (None unless the gene is partial), as one sentence naming the
    /// state: a run past the step budget "did not finish … within N instructions (`knob`)",
    /// where `knob` is how the caller sets the budget (`--max-steps`, `max_steps`); any other
    /// error "fails from state …", its message left to the caller's diagnostic.
    pub fn failure(&self, m: &Module, gene: usize, knob: &str) -> Option<String> {
        let (s, e) = self.partial.as_ref()?;
        let g = &m.genes[gene];
        let state = rdx_vm::values::format_state(&g.params, &self.domain.decode(*s), m.dialect);
        Some(match e.kind {
            rdx_vm::RunErrorKind::StepLimit { limit } => format!(
                "gene `{}` did not finish from state {s} {state} within {limit} instructions \
                 ({knob}): it may never stop there",
                g.name
            ),
            _ => format!("gene `{}` is partial: it fails from state {s} {state}", g.name),
        })
    }

    /// Every state has an image and no two share one.
    pub fn bijective(&self) -> bool {
        self.partial.is_none() && self.collision.is_none()
    }

    /// Cycle length → number of cycles (a bijection only; empty otherwise).
    pub fn cycle_type(&self) -> &BTreeMap<u64, u64> {
        self.cycles.get_or_init(|| if self.bijective() { cycle_type(&self.table) } else { BTreeMap::new() })
    }

    /// The permutation's order (the lcm of its cycle lengths) in decimal, exact.
    pub fn order(&self) -> String {
        lcm_decimal(self.cycle_type().keys().copied())
    }

    /// The table's bytes: each image as a little-endian u32.
    pub fn table_bytes(&self) -> Vec<u8> {
        self.table.iter().flat_map(|x| x.to_le_bytes()).collect()
    }
}

/// The first kernel that gene `gene` calls, directly or through the genes it calls.
fn kernel_called(module: &Module, gene: usize) -> Option<String> {
    use rdx_vm::ops::Op;
    let mut seen = vec![false; module.genes.len()];
    let mut todo = vec![gene];
    while let Some(g) = todo.pop() {
        if std::mem::replace(seen.get_mut(g)?, true) {
            continue;
        }
        for op in &module.genes[g].code {
            match *op {
                Op::Kernel { name, .. } | Op::KernelInv { name, .. } => {
                    return Some(module.strings.get(name.0 as usize).cloned().unwrap_or_default());
                }
                Op::Call { gene, .. } | Op::Uncall { gene, .. } => todo.push(gene.0 as usize),
                _ => {}
            }
        }
    }
    None
}

/// Runs gene `gene` forward on `engine` from every state of its domain. A gene that calls a
/// kernel is refused ([`CoreError::Usage`]): the permutation is of the gene's own code.
pub fn permutation(engine: &mut dyn Engine, module: &Module, gene: usize) -> Result<Permutation, CoreError> {
    let domain = Domain::of(module, gene)?;
    if let Some(kernel) = kernel_called(module, gene) {
        let name = &module.genes[gene].name;
        return Err(CoreError::Usage(format!(
            "gene `{name}` calls the kernel `{kernel}`: a permutation is computed from the gene's own \
             code, and kernels are not run here"
        )));
    }
    let n = domain.states();
    let mut table = Vec::with_capacity(n as usize);
    // The images taken so far, a bit each: 2 MiB at 24 bits, where a word per state (64 MiB)
    // cost a TLB and a cache miss a state, most of the time of a small gene's run.
    let mut taken = Bits::new(n as usize);
    let mut collision = None;
    for s in 0..n {
        let mut args = domain.decode(s);
        if let Err(e) = engine.run(module, gene, &mut args, Direction::Forward) {
            let partial = Some((s, e));
            return Ok(Permutation {
                domain,
                table: Vec::new(),
                partial,
                collision: None,
                cycles: OnceLock::new(),
            });
        }
        let img = domain.encode(&args);
        if taken.set(img as usize) && collision.is_none() {
            // The one earlier state with this image (the first collision: each image so far
            // had one), found once.
            let a = table.iter().position(|&t| u64::from(t) == img).unwrap_or(0);
            collision = Some((a as u64, s, img));
        }
        table.push(img as u32);
    }
    Ok(Permutation { domain, table, partial: None, collision, cycles: OnceLock::new() })
}

/// A set of `0..n` as bits.
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }

    fn has(&self, i: usize) -> bool {
        self.0[i / 64] & (1u64 << (i % 64)) != 0
    }

    /// Adds `i`; whether it was there already.
    fn set(&mut self, i: usize) -> bool {
        let (w, b) = (&mut self.0[i / 64], 1u64 << (i % 64));
        let was = *w & b != 0;
        *w |= b;
        was
    }
}

/// How many walks [`cycle_type`] keeps going at once.
const WALKERS: usize = 16;

/// The cycle type of the bijection `table` (cycle length → number of cycles).
///
/// A walk along a cycle waits for each image before it can ask for the next: at 24 bits every
/// step is a cache and a TLB miss. So [`WALKERS`] walks go on at once, a step each in turn,
/// their misses overlapping. Each starts at the lowest state not yet seen and marks the
/// states it passes; it stops at the first state already marked. That state is always a walk's
/// start (the state before it is this walk's, so no other walk passed through it): its own,
/// and the cycle is closed, or another's, and the two are parts of one cycle. Parts are joined
/// at the end, following each to the start it stopped at.
fn cycle_type(table: &[u32]) -> BTreeMap<u64, u64> {
    let mut out = BTreeMap::new();
    let mut seen = Bits::new(table.len());
    // Parts that stopped at another walk's start: start → (the start it stopped at, length).
    let mut parts: HashMap<usize, (usize, u64)> = HashMap::new();
    // (start, where it is, length so far) of each walk going on.
    let mut walks: Vec<(usize, usize, u64)> = Vec::with_capacity(WALKERS);
    let mut next = 0;
    loop {
        while walks.len() < WALKERS {
            while next < table.len() && seen.has(next) {
                next += 1;
            }
            if next == table.len() {
                break;
            }
            seen.set(next);
            walks.push((next, next, 1));
        }
        if walks.is_empty() {
            break;
        }
        let mut w = 0;
        while w < walks.len() {
            let (start, at, len) = walks[w];
            let to = table[at] as usize;
            if !seen.set(to) {
                walks[w] = (start, to, len + 1);
                w += 1;
                continue;
            }
            if to == start {
                *out.entry(len).or_insert(0) += 1;
            } else {
                parts.insert(start, (to, len));
            }
            walks.swap_remove(w);
        }
    }
    while let Some(&first) = parts.keys().next() {
        let (mut at, mut len) = (first, 0);
        while let Some((to, n)) = parts.remove(&at) {
            len += n;
            at = to;
        }
        *out.entry(len).or_insert(0) += 1;
    }
    out
}

/// The least common multiple of `lens` (1 for none), in decimal: exact at any size.
pub fn lcm_decimal(lens: impl Iterator<Item = u64>) -> String {
    // The highest power of each prime dividing some length.
    let mut powers: BTreeMap<u64, u32> = BTreeMap::new();
    for mut n in lens {
        let mut p = 2;
        while p * p <= n {
            let mut e = 0;
            while n % p == 0 {
                n /= p;
                e += 1;
            }
            if e > 0 {
                let k = powers.entry(p).or_insert(0);
                *k = (*k).max(e);
            }
            p += 1;
        }
        if n > 1 {
            powers.entry(n).or_insert(1);
        }
    }
    // Little-endian base-10⁹ digits.
    let mut digits: Vec<u64> = vec![1];
    for (p, e) in powers {
        for _ in 0..e {
            let mut carry = 0u64;
            for d in digits.iter_mut() {
                let v = *d * p + carry;
                *d = v % 1_000_000_000;
                carry = v / 1_000_000_000;
            }
            while carry > 0 {
                digits.push(carry % 1_000_000_000);
                carry /= 1_000_000_000;
            }
        }
    }
    let mut s = digits.last().map_or(String::from("0"), |d| d.to_string());
    for d in digits.iter().rev().skip(1) {
        s.push_str(&format!("{d:09}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lcm_is_exact_beyond_64_bits() {
        assert_eq!(lcm_decimal([].into_iter()), "1");
        assert_eq!(lcm_decimal([4, 6, 1].into_iter()), "12");
        // The product of the primes up to 53 is more than 2^64 = 18446744073709551616.
        let primes = [2u64, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53];
        assert_eq!(lcm_decimal(primes.into_iter()), "32589158477190044730");
        assert_eq!(lcm_decimal([1 << 20, 3 << 10].into_iter()), (3u64 << 20).to_string());
    }

    /// The cycle type from each state's own period (the least k with π^k(s) = s): a length
    /// shared by c·k states is c cycles of k.
    fn by_periods(table: &[u32]) -> BTreeMap<u64, u64> {
        let mut states: BTreeMap<u64, u64> = BTreeMap::new();
        for s in 0..table.len() {
            let (mut k, mut t) = (1, table[s] as usize);
            while t != s {
                t = table[t] as usize;
                k += 1;
            }
            *states.entry(k).or_insert(0) += 1;
        }
        states.into_iter().map(|(k, n)| (k, n / k)).collect()
    }

    #[test]
    fn walks_at_once_find_the_cycles_each_state_s_period_gives() {
        // A generator of permutations: shuffles (xorshift), the identity, one long cycle, a
        // reversal, and a shuffle of few long cycles (n up to 5000, fewer and more states
        // than walks).
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for n in [1usize, 2, 3, 15, 16, 17, 100, 1000, 5000] {
            let mut shuffled: Vec<u32> = (0..n as u32).collect();
            for i in (1..n).rev() {
                shuffled.swap(i, (rand() % (i as u64 + 1)) as usize);
            }
            let identity: Vec<u32> = (0..n as u32).collect();
            let long: Vec<u32> = (0..n as u32).map(|s| (s + 1) % n as u32).collect();
            let reversal: Vec<u32> = (0..n as u32).rev().collect();
            // Cycles of the shuffled order: each element to the next in `shuffled`, in runs.
            let mut few = vec![0u32; n];
            let runs = 3.min(n);
            for chunk in shuffled.chunks(n.div_ceil(runs)) {
                for (j, &a) in chunk.iter().enumerate() {
                    few[a as usize] = chunk[(j + 1) % chunk.len()];
                }
            }
            for table in [shuffled, identity, long, reversal, few] {
                let want = by_periods(&table);
                assert_eq!(want.iter().map(|(l, c)| l * c).sum::<u64>(), n as u64);
                assert_eq!(cycle_type(&table), want, "n = {n}");
            }
        }
    }

    #[test]
    fn states_concatenate_parameters_first_lowest() {
        let d = Domain { params: vec![("x".into(), Width::U8), ("s".into(), Width::I8)] };
        assert_eq!(d.bits(), 16);
        let v = d.decode(0x80_05);
        assert_eq!(v, vec![Value::Int(5), Value::Int((-128i64) as u64)]);
        assert_eq!(d.encode(&v), 0x80_05);
    }
}
