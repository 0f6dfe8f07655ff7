//! What `print`, `printf` and `show` write. Every engine keeps its text in one [`Output`], so
//! the interpreter and the JIT cannot print differently: an engine only reads the values (from
//! its own memory) and hands them here.

use crate::Value;
use crate::jana;
use crate::ops::Fmt;

/// Text written by a run, with the state of a Janus line or an rdx `show` group being written
/// backward.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    bytes: Vec<u8>,
    /// Running backward, where the Janus output line (or the rdx `show` group) being written
    /// starts (its last piece was printed first; see [`jana::SHOW_FIRST`]).
    line_at: Option<usize>,
}

impl Output {
    /// Empty output.
    pub fn new() -> Output {
        Output::default()
    }

    /// `print`: the text and a newline.
    pub fn print(&mut self, text: &str) {
        self.bytes.extend_from_slice(text.as_bytes());
        self.bytes.push(b'\n');
    }

    /// A fault once the text is past `max_words` words (eight bytes each): the engines call
    /// it after each `print`, `printf` and `show`, so a run that prints without end stops.
    pub fn within(&self, max_words: usize) -> Result<(), crate::engine::Fault> {
        if self.bytes.len() / 8 < max_words {
            Ok(())
        } else {
            Err(crate::engine::Fault::MemoryLimit(crate::Grown::Output, max_words as u64))
        }
    }

    /// `printf`: the format string filled with `vals` ([`crate::values::printf`]), and a
    /// newline.
    pub fn printf(&mut self, fmt: &str, vals: &[u64]) {
        self.print(&crate::values::printf(fmt, vals));
    }

    /// `show` of `value` under `name` with the instruction's format byte (its low three bits
    /// are the value's kind, the rest are flags). Without flags it prints the line
    /// `name = value`. Otherwise the text is one piece of a group that one statement prints (a
    /// jana line with [`jana::SHOW_JANA`], else the `name = value` lines of an rdx `show x, y,
    /// z`: the first and last marked, the middle ones not), and `backward` says which way the
    /// pieces come: the group's text is the same both ways.
    pub fn show(&mut self, name: &str, fmt: Fmt, value: &Value, backward: bool) {
        let flags = fmt.0 & !7;
        let signed = matches!(Fmt(fmt.0 & 7), Fmt::I64 | Fmt::ARR_I64 | Fmt::STACK_I64);
        let text = if flags & jana::SHOW_JANA != 0 {
            jana::show_piece(name, flags, value, signed)
        } else {
            let mut line = format!("{name} = {}", crate::values::format_value(value, signed));
            // The newline after a group's last line is the one `write_piece` ends it with.
            if flags & jana::SHOW_LAST == 0 {
                line.push('\n');
            }
            // An unmarked line is one on its own, unless it is a middle line of the group being
            // written backward.
            if flags == 0 && self.line_at.is_none() {
                self.bytes.extend_from_slice(line.as_bytes());
                return;
            }
            line
        };
        jana::write_piece(&mut self.bytes, &mut self.line_at, &text, flags, backward);
    }

    /// Moves everything `other` wrote after this output's text.
    pub fn append(&mut self, other: Output) {
        if self.bytes.is_empty() {
            *self = other;
        } else {
            let base = self.bytes.len();
            self.bytes.extend_from_slice(&other.bytes);
            self.line_at = other.line_at.map(|at| at + base);
        }
    }

    /// Takes the text written so far (a Janus line left half-written is finished as it is).
    pub fn take(&mut self) -> Vec<u8> {
        self.line_at = None;
        std::mem::take(&mut self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_prints_name_and_value() {
        let mut o = Output::new();
        o.show("x", Fmt::I64, &Value::Int(u64::MAX), false);
        o.show("a", Fmt::ARR_U64, &Value::Array(vec![1, 2]), false);
        o.print("done");
        o.printf("%d and %u", &[u64::MAX, 3]);
        assert_eq!(String::from_utf8(o.take()).unwrap(), "x = -1\na = [1, 2]\ndone\n-1 and 3\n");
        assert!(o.take().is_empty());
    }

    #[test]
    fn janus_pieces_make_the_same_line_both_ways() {
        let f = |flags: u8| Fmt(Fmt::I64.0 | jana::SHOW_JANA | flags);
        let (x, y) = (Value::Int(1), Value::Int(2));
        let mut fwd = Output::new();
        fwd.show("x", f(jana::SHOW_FIRST), &x, false);
        fwd.show("y", f(jana::SHOW_LAST), &y, false);
        let mut bwd = Output::new();
        bwd.show("y", f(jana::SHOW_LAST), &y, true);
        bwd.show("x", f(jana::SHOW_FIRST), &x, true);
        let text = fwd.take();
        assert_eq!(text, bwd.take());
        assert!(!text.is_empty() && text.ends_with(b"\n"));
    }

    #[test]
    fn an_rdx_show_group_prints_its_lines_in_order_both_ways() {
        let pieces =
            [("x", Fmt(jana::SHOW_FIRST)), ("y", Fmt::I64), ("a", Fmt(Fmt::ARR_U64.0 | jana::SHOW_LAST))];
        let values = [Value::Int(1), Value::Int(u64::MAX), Value::Array(vec![0, 7])];
        let mut fwd = Output::new();
        for ((name, fmt), v) in pieces.iter().zip(&values) {
            fwd.show(name, *fmt, v, false);
        }
        let mut bwd = Output::new();
        bwd.print("before");
        for ((name, fmt), v) in pieces.iter().zip(&values).rev() {
            bwd.show(name, *fmt, v, true);
        }
        bwd.show("z", Fmt::U64, &Value::Int(3), true);
        let text = String::from_utf8(fwd.take()).unwrap();
        assert_eq!(text, "x = 1\ny = -1\na = [0, 7]\n");
        assert_eq!(String::from_utf8(bwd.take()).unwrap(), format!("before\n{text}z = 3\n"));
    }
}
