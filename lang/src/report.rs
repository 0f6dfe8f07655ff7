//! Rendering diagnostics for people, with ariadne: the one place where a [`Diagnostic`] becomes
//! text. Library code never renders; the CLI and the Python binding call [`render`].
//!
//! Each diagnostic is shown as `error[CODE]: message`, the `file:line:col` of its primary span,
//! the source lines with the primary span (and its note) and every secondary label, then one
//! `= help: …` line per hint. Spans past the end of the text are clamped, so rendering never
//! panics, whatever the spans say.

use crate::ast::Span;
use crate::diag::{Diagnostic, Severity};
use ariadne::{Color, Config, IndexType, Label, Report, ReportKind, Source};

/// Renders diagnostics sorted by position (errors and warnings alike), each followed by a blank
/// line. `color` turns on ANSI colours (pass true only when writing to a terminal).
pub fn render(diags: &[Diagnostic], file: &str, src: &str, color: bool) -> String {
    let mut sorted: Vec<&Diagnostic> = diags.iter().collect();
    sorted.sort_by_key(|d| (d.span.start, d.span.end));
    // The text's line index, built once: built per diagnostic, it made rendering N errors of a
    // file of N lines quadratic (20 000 errors of a 140 KB file took half a minute).
    let source = Source::from(src);
    let mut out = String::new();
    for d in sorted {
        out.push_str(&render_one(d, file, src, &source, color));
    }
    out
}

fn render_one(d: &Diagnostic, file: &str, src: &str, source: &Source<&str>, color: bool) -> String {
    let (kind, primary_color) = match d.severity {
        Severity::Error => (ReportKind::Error, Color::Red),
        Severity::Warning => (ReportKind::Warning, Color::Yellow),
    };
    let primary = clamp(d.span, src);
    let note = if d.note.is_empty() { d.message.as_str() } else { d.note.as_str() };
    let config = Config::default().with_color(color).with_index_type(IndexType::Byte);
    let mut report = Report::build(kind, (file, primary.clone()))
        .with_config(config)
        .with_code(d.code)
        .with_message(&d.message)
        .with_label(
            Label::new((file, primary.clone()))
                .with_message(note)
                .with_color(primary_color)
                .with_order(order(&primary)),
        );
    for l in &d.labels {
        let range = clamp(l.span, src);
        report = report.with_label(
            Label::new((file, range.clone()))
                .with_message(&l.message)
                .with_color(Color::Blue)
                .with_order(order(&range)),
        );
    }
    let mut buf = Vec::new();
    if report.finish().write((file, source), &mut buf).is_err() {
        // Writing to a Vec cannot fail; keep a plain rendering just in case.
        buf = format!("{}[{}]: {}\n", kind_name(d.severity), d.code, d.message).into_bytes();
    }
    let mut text = String::from_utf8_lossy(&buf).into_owned();
    for h in &d.hints {
        text.push_str("  = help: ");
        text.push_str(h);
        text.push('\n');
    }
    text.push('\n');
    text
}

/// Labels are listed in source order, so ariadne draws them all in one snippet.
fn order(range: &std::ops::Range<usize>) -> i32 {
    i32::try_from(range.start).unwrap_or(i32::MAX)
}

fn kind_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The span as a byte range inside `src`, on character boundaries.
fn clamp(span: Span, src: &str) -> std::ops::Range<usize> {
    let floor = |mut i: usize| {
        i = i.min(src.len());
        while !src.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(span.start as usize);
    let end = floor(span.end as usize).max(start);
    start..end
}

/// 1-based line and column (in characters) of a byte offset; offsets past the end give the
/// position just after the text.
pub fn line_col(src: &str, offset: u32) -> (usize, usize) {
    let at = clamp(Span::new(offset, offset), src).start;
    let before = &src[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Code;

    fn diag(span: Span) -> Diagnostic {
        Diagnostic::error(Code::E0201, "unknown variable `y`", span)
            .label(Span::new(0, 4), "a label")
            .hint("try something else")
    }

    #[test]
    fn shows_code_location_and_help() {
        let src = "gene f(x: u64) {\n    x += y\n}\n";
        let text = render(&[diag(Span::new(26, 27))], "f.rdx", src, false);
        assert!(text.contains("[E0201]"), "{text}");
        assert!(text.contains("unknown variable `y`"), "{text}");
        assert!(text.contains("f.rdx:2:10"), "{text}");
        assert!(text.contains("= help: try something else"), "{text}");
        assert!(!text.contains('\u{1b}'), "no colour codes: {text}");
        assert!(render(&[diag(Span::new(26, 27))], "f.rdx", src, true).contains('\u{1b}'));
    }

    #[test]
    fn never_panics_on_odd_spans() {
        for src in ["", "x", "é€\n", "a\n\n\n"] {
            for (s, e) in [(0, 0), (0, 100), (50, 60), (1, 2), (3, 1), (u32::MAX, u32::MAX)] {
                let text = render(&[diag(Span::new(s, e))], "t.rdx", src, false);
                assert!(text.contains("E0201"));
            }
        }
    }

    #[test]
    fn sorted_by_position() {
        let src = "abc\ndef\n";
        let a = Diagnostic::error(Code::E0202, "second", Span::new(5, 6));
        let b = Diagnostic::error(Code::E0201, "first", Span::new(1, 2));
        let text = render(&[a, b], "t.rdx", src, false);
        assert!(text.find("first").unwrap() < text.find("second").unwrap());
    }

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        assert_eq!(line_col("", 10), (1, 1));
        assert_eq!(line_col("ab", 99), (1, 3));
    }
}
