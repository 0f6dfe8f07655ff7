//! What a translation knows about array elements at the point it is emitting code: which
//! `arr[i]` passed its bounds check there, and which word it holds. A later access on every
//! path through that point (a `fi` reading again what its `if` read, an update of an element
//! the condition just read, a swap of two elements just compared) then neither checks nor
//! loads again.
//!
//! Facts hold along a chain of blocks each entered only from the one before it (the
//! continuation of a bounds check or of a branch) and at a jump target with exactly one way in
//! (an `if`'s else part, a loop's exit): the point a fact was made dominates all of them, so a
//! word loaded there may be used. Any other change of block drops every fact ([`Known::here`]).
//!
//! A stack id that passed its liveness check is a fact too (the check's operands are SSA
//! values), until a stack may have been opened or closed ([`Known::forget_stacks`]).
//!
//! An index is known by how it was computed from SSA values (which never change): a value plus
//! a constant, a constant, or an operation with an immediate, so `a[j + 1]` read through
//! `load.off` and swapped through `add3.imm` is one element, and so is `b[p >> 6]` computed
//! twice; a write of an array's slots drops its facts. A word lasts until a store or a call
//! that may write array memory: a call drops every word, a store every word of its own array
//! not provably at another index (two arrays of a frame never share memory: see
//! [`Known::forget_words_at`]), then records the word it wrote.

use cranelift_codegen::ir::{Block, Opcode, Value};

/// An index as the facts know it: equal indices are equal values wherever they are computed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Index {
    /// `base + k` (wrapping).
    Sum(Value, i64),
    /// A constant.
    Const(i64),
    /// `op(arg, imm)` for another operation with an immediate (`p >> 6`, `r & 1`).
    Op(Opcode, Value, i64),
}

/// One element: `arr[at]` passed its bounds check; `word` is what it holds, when known.
#[derive(Clone, Copy, Debug)]
pub(super) struct Fact {
    arr: u16,
    at: Index,
    word: Option<Value>,
}

/// The facts at the current point (see the module documentation).
#[derive(Default)]
pub(super) struct Known {
    /// The block the facts hold in.
    block: Option<Block>,
    facts: Vec<Fact>,
}

/// The `arr` of a stack fact: a stack id that passed its liveness check (no array operand has
/// this base: its length slot would be past the last slot there can be).
const STACK: u16 = u16::MAX;

/// More facts than this are not kept (a long straight-line gene stays linear to translate).
const MAX_FACTS: usize = 16;

impl Known {
    /// The facts that hold in `cur`: none when the translation moved to a block it did not
    /// carry them to.
    fn here(&mut self, cur: Option<Block>) -> &mut Vec<Fact> {
        if cur != self.block {
            self.facts.clear();
            self.block = cur;
        }
        &mut self.facts
    }

    fn find(&mut self, cur: Option<Block>, arr: u16, at: Index) -> Option<&mut Fact> {
        self.here(cur).iter_mut().find(|f| f.arr == arr && f.at == at)
    }

    /// Whether `arr[at]` passed its bounds check on every path to here.
    pub fn checked(&mut self, cur: Option<Block>, arr: u16, at: Index) -> bool {
        self.find(cur, arr, at).is_some()
    }

    /// The word `arr[at]` holds here, when known.
    pub fn word(&mut self, cur: Option<Block>, arr: u16, at: Index) -> Option<Value> {
        self.find(cur, arr, at).and_then(|f| f.word)
    }

    /// `arr[at]` passed its bounds check here; `word` (when given) is what it holds.
    pub fn note(&mut self, cur: Option<Block>, arr: u16, at: Index, word: Option<Value>) {
        if let Some(f) = self.find(cur, arr, at) {
            f.word = word.or(f.word);
            return;
        }
        let facts = self.here(cur);
        if facts.len() == MAX_FACTS {
            facts.remove(0);
        }
        facts.push(Fact { arr, at, word });
    }

    /// Whether stack `id` passed its liveness check on every path to here (in a gene where
    /// no stack is opened or closed, so the check's answer cannot change).
    pub fn stack_live(&mut self, cur: Option<Block>, id: Value) -> bool {
        self.checked(cur, STACK, Index::Sum(id, 0))
    }

    /// Stack `id` passed its liveness check here.
    pub fn note_stack_live(&mut self, cur: Option<Block>, id: Value) {
        self.note(cur, STACK, Index::Sum(id, 0), None)
    }

    /// The word at offset `off` of stack `id`'s header here, when known.
    pub fn stack_word(&mut self, cur: Option<Block>, id: Value, off: i32) -> Option<Value> {
        self.word(cur, STACK, Index::Op(Opcode::Load, id, off.into()))
    }

    /// Stack `id`'s header holds `w` at offset `off` here.
    pub fn note_stack_word(&mut self, cur: Option<Block>, id: Value, off: i32, w: Value) {
        self.note(cur, STACK, Index::Op(Opcode::Load, id, off.into()), Some(w))
    }

    /// A stack header was written: no header word is known any more (another id may name the
    /// same stack); liveness facts stay.
    pub fn forget_stack_words(&mut self) {
        for f in &mut self.facts {
            if f.arr == STACK {
                f.word = None;
            }
        }
    }

    /// A stack may have been opened or closed: no stack is known live, nor its words.
    pub fn forget_stacks(&mut self) {
        self.facts.retain(|f| f.arr != STACK);
    }

    /// A store or call may have written any array's memory: no word is known any more.
    pub fn forget_words(&mut self) {
        for f in &mut self.facts {
            f.word = None;
        }
    }

    /// A store to `arr[at]` (checked): the words it may have overwritten are no longer known,
    /// which is every word of this array not provably at another index (`a[i - 1]` and `a[i]`,
    /// constants that differ). Another array's words stay: two array slots of a frame never
    /// share memory. The loader sees to it (`rdx_vm`'s `module/reversible.rs`): no call passes
    /// one slot twice or two arguments sharing a slot, and no instruction writes an array's
    /// slots (its reference), so the arrays of a frame are its caller's distinct arrays and its
    /// own local arrays, each with storage of its own.
    pub fn forget_words_at(&mut self, arr: u16, at: Index) {
        for f in &mut self.facts {
            // (Stack headers and buffers are no array's memory.)
            let apart = f.arr != arr
                || match (f.at, at) {
                    (Index::Sum(x, j), Index::Sum(y, k)) => x == y && j != k,
                    (Index::Const(j), Index::Const(k)) => j != k,
                    _ => false,
                };
            if !apart {
                f.word = None;
            }
        }
    }

    /// Slot `s` was written: the facts about the array it is part of no longer hold.
    pub fn forget_slot(&mut self, s: u16) {
        self.facts.retain(|f| f.arr == STACK || (f.arr != s && f.arr.wrapping_add(1) != s));
    }

    /// A copy of the facts at the current point (for a jump target it may be the only way into).
    pub fn snapshot(&mut self, cur: Option<Block>) -> Vec<Fact> {
        self.here(cur).clone()
    }

    /// The facts at the current point, taken out (to resume them in a block only it reaches).
    pub fn take(&mut self, cur: Option<Block>) -> Vec<Fact> {
        std::mem::take(self.here(cur))
    }

    /// Continues with `facts` in `block`, which is entered only from where they were taken.
    pub fn resume(&mut self, block: Block, facts: Vec<Fact>) {
        self.block = Some(block);
        self.facts = facts;
    }
}
