//! `table`: findings for a person at a terminal, most severe first, each with the condition
//! that failed; then input errors; then one summary line. Laid out for the width and colour
//! of the stream it goes to ([`Style`]): cells are wrapped here, at spaces and after `/` in
//! paths (`-` in other words), so a path is never cut mid-name while a break at a `/` is
//! possible, and severities are coloured after the text is escaped and laid out.

use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use super::Report;
use super::v1::Finding;
use crate::model::{SAME_SECRET, ViolatedCondition};
use crate::term::{Style, ansi};

/// Narrowest the last (free-text) column of a table is made, however little room is left.
const MIN_TEXT_WIDTH: usize = 16;

pub(super) fn write(report: &Report<'_>, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let mut findings: Vec<&Finding<'_>> = report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    findings.sort_by(|a, b| a.location.cmp(b.location).then_with(|| a.code.cmp(b.code)));
    for group in findings.chunk_by(|a, b| a.location.path == b.location.path) {
        let path = safe(&group[0].location.path);
        writeln!(out, "{}", ansi::paint(style.color, Some(ansi::BOLD), &path))?;
        let rows = group
            .iter()
            .map(|finding| {
                [
                    position(finding),
                    finding.severity.as_str().to_uppercase(),
                    format!("{}\n{}", safe(finding.code), safe(finding.rule)),
                    why(finding),
                ]
            })
            .collect();
        let table = fitted(
            ["line", "severity", "code", "finding"],
            rows,
            style.width,
            |avail| [usize::MAX, usize::MAX, (avail / 5).max(10)],
        );
        writeln!(out, "{}\n", paint_severities(&table, style.color))?;
    }
    if !report.errors.is_empty() {
        writeln!(out, "input errors")?;
        let rows = report
            .errors
            .iter()
            .map(|error| {
                let kind = serde_json::to_value(error.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                [safe(&error.path), kind, safe(&error.reason)]
            })
            .collect();
        let table = fitted(["path", "kind", "reason"], rows, style.width, |avail| {
            [(avail * 2 / 5).max(12), usize::MAX]
        });
        writeln!(out, "{table}\n")?;
    }
    writeln!(out, "{}", summary_line(report, style.color))
}

/// A table of `rows` at most `width` columns wide (when the content allows): every column
/// but the last as wide as its widest line up to the cap `caps(room for content)` gives it,
/// the last the rest; each cell wrapped to its column.
fn fitted<const N: usize, const M: usize>(
    header: [&str; N],
    rows: Vec<[String; N]>,
    width: u16,
    caps: impl Fn(usize) -> [usize; M],
) -> String {
    let avail = usize::from(width).saturating_sub(3 * N + 1);
    let caps = caps(avail);
    let mut widths = [0usize; N];
    for (i, w) in widths.iter_mut().enumerate() {
        let widest = rows
            .iter()
            .map(|row| row[i].as_str())
            .chain([header[i]])
            .flat_map(str::lines)
            .map(UnicodeWidthStr::width)
            .max()
            .unwrap_or(0);
        *w = if i + 1 < N {
            widest
                .min(caps.get(i).copied().unwrap_or(usize::MAX))
                .max(1)
        } else {
            widest
        };
    }
    let used: usize = widths[..N - 1].iter().sum();
    widths[N - 1] = widths[N - 1].min(avail.saturating_sub(used).max(MIN_TEXT_WIDTH));
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(
            header
                .iter()
                .map(|h| Cell::new(h).set_alignment(CellAlignment::Left)),
        );
    for row in rows {
        table.add_row(
            row.iter()
                .zip(widths)
                .map(|(text, w)| Cell::new(wrap(text, w))),
        );
    }
    table.to_string()
}

/// `text` wrapped to `width` columns: each of its lines is filled word by word, a word that
/// does not fit moving whole to the next line. Only a word longer than a whole line is
/// broken, filling lines: after its `/`s when it has any (a path), else after `-`, `:`, `=`,
/// and between characters only where a piece is still too long. Continuation lines of a line starting
/// with a marker (`↳ `, `⇢ `, `⎇ `) are indented under its text.
fn wrap(text: &str, width: usize) -> String {
    let width = width.max(1);
    let mut out: Vec<String> = Vec::new();
    for line in text.split('\n') {
        let indent = if ["↳ ", "⇢ ", "⎇ "].iter().any(|m| line.starts_with(m)) && width > 8 {
            "  "
        } else {
            ""
        };
        let mut filler = Filler {
            lines: &mut out,
            current: String::new(),
            used: 0,
            indent,
        };
        for (i, word) in line.split(' ').enumerate() {
            let word_width = word.width();
            let fresh = i == 0 || filler.used == indent.len();
            if !fresh && filler.used + 1 + word_width <= width {
                filler.push_str(" ", 1);
                filler.push_str(word, word_width);
                continue;
            }
            if indent.len() + word_width <= width {
                if !fresh {
                    filler.newline();
                }
                filler.push_str(word, word_width);
                continue;
            }
            let breakers: &[char] = if word.contains('/') {
                &['/']
            } else {
                &['-', ':', '=']
            };
            let mut pieces = word.split_inclusive(breakers).peekable();
            if !fresh {
                let first = pieces.peek().map_or(0, |p| p.width());
                if filler.used + 1 + first <= width {
                    filler.push_str(" ", 1);
                } else {
                    filler.newline();
                }
            }
            for piece in pieces {
                let piece_width = piece.width();
                if filler.used + piece_width > width && filler.used > indent.len() {
                    filler.newline();
                }
                for c in piece.chars() {
                    let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                    if filler.used + w > width && filler.used > indent.len() {
                        filler.newline();
                    }
                    filler.current.push(c);
                    filler.used += w;
                }
            }
        }
        let last = filler.current;
        out.push(last);
    }
    out.join("\n")
}

/// The line being filled by `wrap`.
struct Filler<'a> {
    lines: &'a mut Vec<String>,
    current: String,
    used: usize,
    indent: &'static str,
}

impl Filler<'_> {
    fn push_str(&mut self, text: &str, width: usize) {
        self.current.push_str(text);
        self.used += width;
    }

    fn newline(&mut self) {
        self.lines.push(std::mem::take(&mut self.current));
        self.current.push_str(self.indent);
        self.used = self.indent.len();
    }
}

/// Colours the severity column (the second) of a rendered findings table. The first column
/// holds only positions, so a row's first two inner borders (`┆`) enclose the severity.
fn paint_severities(table: &str, color: bool) -> String {
    if !color {
        return table.to_owned();
    }
    let mut out = String::with_capacity(table.len() + 256);
    for line in table.lines() {
        let mut cells = line.splitn(3, '┆');
        if let (Some(position), Some(cell), Some(rest)) = (cells.next(), cells.next(), cells.next())
            && position.starts_with('│')
            && let Some(code) = ansi::severity(cell.trim())
        {
            let word = cell.trim();
            let painted = cell.replacen(word, &ansi::paint(true, Some(code), word), 1);
            out.push_str(&format!("{position}┆{painted}┆{rest}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.pop();
    out
}

fn position(finding: &Finding<'_>) -> String {
    finding.location.span.map_or_else(
        || "-".to_owned(),
        |span| format!("{}:{}", span.line, span.column),
    )
}

fn why(finding: &Finding<'_>) -> String {
    let mut text = safe(finding.message);
    for condition in finding.violated_condition {
        if condition.field == "text" {
            text.push_str(&format!("\n↳ matched {}", safe(finding.evidence)));
        } else {
            text.push_str(&format!("\n↳ {}", condition_text(condition)));
        }
    }
    if let Some(history) = &finding.location.commit {
        let commit = &history.commit;
        let short = commit.id.get(..12).unwrap_or(&commit.id);
        let day = commit.date.get(..10).unwrap_or(&commit.date);
        let now = if history.present_at_head {
            "still at HEAD"
        } else {
            "no longer at HEAD"
        };
        text.push_str(&format!(
            "\n⎇ first in {short} by {}, {day}\n⎇ {now}",
            commit.author
        ));
    }
    for related in finding.related_locations {
        let at = related
            .location
            .span
            .map_or_else(String::new, |s| format!(":{}:{}", s.line, s.column));
        text.push_str(&format!(
            "\n⇢ {} ({}{at})",
            safe(&related.label),
            safe(&related.location.path)
        ));
    }
    let listed = finding
        .related_locations
        .iter()
        .filter(|r| r.label == SAME_SECRET)
        .count() as u64;
    let unlisted = finding.occurrences.saturating_sub(listed + 1);
    if unlisted > 0 {
        text.push_str(&format!(
            "\n⇢ and {unlisted} more places with the same secret ({} in all)",
            finding.occurrences
        ));
    }
    text
}

fn condition_text(c: &ViolatedCondition) -> String {
    let unit = c.unit.map_or(String::new(), |u| format!(" {u}"));
    format!(
        "{} {} {}{unit} (actual: {}{unit})",
        safe(&c.field),
        c.op,
        safe(&short(&c.expected)),
        safe(&short(&c.actual))
    )
}

fn short(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 48 {
        format!("{}…", text.chars().take(47).collect::<String>())
    } else {
        text
    }
}

/// Text from the scanned files (paths, evidence, messages, reasons) as a terminal may show
/// it: control characters (newlines, escape sequences), bidirectional overrides and line
/// separators are written as escapes (`\n`, `\x1b`, `\u{202e}`), so a file name cannot
/// move the cursor, recolour the terminal or reorder what is shown.
fn safe(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _infallible = write!(out, "\\x{:02x}", c as u32);
            }
            c if ('\u{80}'..='\u{9f}').contains(&c) || super::is_bidi_or_separator(c) => {
                let _infallible = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

pub(super) fn summary_line(report: &Report<'_>, color: bool) -> String {
    let s = &report.summary;
    let counts: Vec<String> = s
        .by_severity
        .iter()
        .filter(|(_, n)| n.as_u64().unwrap_or(0) > 0)
        .map(|(severity, n)| {
            ansi::paint(color, ansi::severity(severity), &format!("{n} {severity}"))
        })
        .collect();
    let findings = if s.findings == 0 {
        "no findings".to_owned()
    } else {
        format!(
            "{} finding{} ({})",
            s.findings,
            plural(s.findings),
            counts.join(", ")
        )
    };
    let scanned = if report.scan.files_scanned == 0 {
        "no file was read".to_owned()
    } else {
        format!(
            "{} file{} ({} bytes) scanned{}",
            report.scan.files_scanned,
            plural(report.scan.files_scanned),
            report.scan.bytes_scanned,
            report
                .scan
                .elapsed
                .map_or_else(String::new, |t| rate(report.scan.bytes_scanned, t))
        )
    };
    format!(
        "{findings}; {} NHI{} in inventory; {scanned}; {} input error{}; policy {} ({}); now {}",
        s.subjects,
        plural(s.subjects),
        s.errors,
        plural(s.errors),
        report.policy.version,
        &report.policy.digest[..report.policy.digest.len().min(19)],
        report.scan.now,
    )
}

/// ` in 1.25 s (8.4 MB/s)`: the scan's duration and throughput (MB = 10^6 bytes).
fn rate(bytes: u64, elapsed: std::time::Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    format!(
        " in {seconds:.2} s ({:.1} MB/s)",
        bytes as f64 / 1e6 / seconds.max(1e-3)
    )
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::{paint_severities, rate, safe, wrap};

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        assert_eq!(
            safe("a\nb\x1b[31mred\u{202e}txt.exe"),
            "a\\nb\\x1b[31mred\\u{202e}txt.exe"
        );
        assert_eq!(safe("café ✓"), "café ✓");
    }

    #[test]
    fn paths_wrap_after_a_slash_and_words_at_spaces() {
        assert_eq!(
            wrap("see fixtures/rules/AWS001/fail/report.csv now", 20),
            "see fixtures/rules/\nAWS001/fail/\nreport.csv now"
        );
        assert_eq!(wrap("in fixtures/x.csv", 14), "in\nfixtures/x.csv");
        assert_eq!(
            wrap("access-key-not-rotated", 12),
            "access-key-\nnot-rotated"
        );
        assert_eq!(
            wrap("of arn:aws:iam::1:root", 12),
            "of arn:aws:\niam::1:root"
        );
        assert_eq!(
            wrap("access key 1 of svc-payments", 20),
            "access key 1 of\nsvc-payments"
        );
        assert_eq!(
            wrap("↳ last_rotated older_than_days 90", 17),
            "↳ last_rotated\n  older_than_days\n  90"
        );
        assert_eq!(wrap("abcdefghij", 4), "abcd\nefgh\nij");
    }

    #[test]
    fn severities_are_painted_in_their_column_only() {
        let table = "│ 3:1 ┆ HIGH ┆ HIGH │\n│     ┆      ┆ x    │";
        assert_eq!(
            paint_severities(table, true),
            "│ 3:1 ┆ \x1b[31mHIGH\x1b[0m ┆ HIGH │\n│     ┆      ┆ x    │"
        );
        assert_eq!(paint_severities(table, false), table);
    }

    #[test]
    fn the_rate_is_megabytes_per_second() {
        let t = std::time::Duration::from_millis(1250);
        assert_eq!(rate(10_500_000, t), " in 1.25 s (8.4 MB/s)");
    }
}
