//! The Prometheus text exposition format, version 0.0.4: escaping and a
//! writer that keeps each metric family's lines together under its
//! `# HELP` and `# TYPE`.

use std::fmt::{self, Write};

/// Escapes a label value: `\` as `\\`, `"` as `\"`, a line feed as `\n`
/// (the three escapes format 0.0.4 defines; everything else is literal
/// UTF-8).
///
/// ```
/// use veil_tokio::status::escape_label;
/// assert_eq!(escape_label(r#"a"b\c"#), r#"a\"b\\c"#);
/// assert_eq!(escape_label("two\nlines"), r"two\nlines");
/// ```
#[must_use]
pub fn escape_label(value: &str) -> String {
    escape(value, true)
}

/// Escapes `# HELP` text: `\` as `\\` and a line feed as `\n` (quotes stay
/// as they are there).
///
/// ```
/// use veil_tokio::status::escape_help;
/// assert_eq!(escape_help("say \"hi\"\\now\n"), "say \"hi\"\\\\now\\n");
/// ```
#[must_use]
pub fn escape_help(text: &str) -> String {
    escape(text, false)
}

fn escape(text: &str, quotes: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if quotes => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out
}

/// Whether `name` is a valid metric or label name
/// (`[a-zA-Z_:][a-zA-Z0-9_:]*`; colons are for recording rules, so label
/// names here never have them either).
fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// A metric family's type, as `# TYPE` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// Builds one exposition. Families are written whole, one after another:
/// format 0.0.4 requires a family's samples to be contiguous and after
/// its `# TYPE`.
#[derive(Default)]
pub(super) struct Exposition {
    out: String,
}

impl Exposition {
    /// Starts a family: its `# HELP` and `# TYPE` lines.
    pub(super) fn family(&mut self, name: &str, kind: Kind, help: &str) {
        debug_assert!(is_valid_name(name), "metric name {name:?}");
        let _ = writeln!(self.out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {name} {}", kind.as_str());
    }

    /// One sample line: `name{labels} value`. `name` is the family's, or
    /// for a histogram the family's with `_bucket`, `_sum` or `_count`.
    pub(super) fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl fmt::Display) {
        debug_assert!(is_valid_name(name), "metric name {name:?}");
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (label, value)) in labels.iter().enumerate() {
                debug_assert!(is_valid_name(label) && !label.contains(':'));
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{label}=\"{}\"", escape_label(value));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {value}");
    }

    /// A family with one unlabelled sample.
    pub(super) fn single(&mut self, name: &str, kind: Kind, help: &str, value: impl fmt::Display) {
        self.family(name, kind, help);
        self.sample(name, &[], value);
    }

    /// The text.
    pub(super) fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_escape_backslash_quote_and_newline_only() {
        assert_eq!(escape_label("plain value"), "plain value");
        assert_eq!(escape_label(r"C:\dir"), r"C:\\dir");
        assert_eq!(escape_label(r#"say "x""#), r#"say \"x\""#);
        assert_eq!(escape_label("a\nb"), r"a\nb");
        // An escaped backslash before a quote stays unambiguous.
        assert_eq!(escape_label("\\\""), r#"\\\""#);
        // Carriage returns, tabs and non-ASCII are literal in 0.0.4.
        assert_eq!(escape_label("\t\r€"), "\t\r€");
        assert_eq!(escape_label(""), "");
    }

    #[test]
    fn help_text_keeps_quotes() {
        assert_eq!(escape_help(r#"a "b" \ c"#), r#"a "b" \\ c"#);
        assert_eq!(escape_help("x\ny"), r"x\ny");
    }

    #[test]
    fn samples_render_labels_in_order_escaped() {
        let mut exposition = Exposition::default();
        exposition.family(
            "veil_x_total",
            Kind::Counter,
            "X, with a \\ and\na newline.",
        );
        exposition.sample("veil_x_total", &[("reason", "a\"b"), ("side", "in")], 3);
        exposition.sample("veil_x_total", &[], 4);
        assert_eq!(
            exposition.finish(),
            "# HELP veil_x_total X, with a \\\\ and\\na newline.\n\
             # TYPE veil_x_total counter\n\
             veil_x_total{reason=\"a\\\"b\",side=\"in\"} 3\n\
             veil_x_total 4\n"
        );
    }

    #[test]
    fn names_are_checked() {
        assert!(is_valid_name("veil_bytes_sent_total"));
        assert!(is_valid_name("_x:y"));
        assert!(!is_valid_name("9lives"));
        assert!(!is_valid_name("with-dash"));
        assert!(!is_valid_name(""));
    }
}
