//! `table`: findings for a person at a terminal, most severe first, each with the condition
//! that failed; then input errors; then one summary line.

use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};
use serde_json::Value;

use super::Report;
use super::v1::Finding;
use crate::model::{SAME_SECRET, ViolatedCondition};

const WIDTH: u16 = 100;

pub(super) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut findings: Vec<&Finding<'_>> = report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    findings.sort_by(|a, b| a.location.cmp(b.location).then_with(|| a.code.cmp(b.code)));
    for group in findings.chunk_by(|a, b| a.location.path == b.location.path) {
        writeln!(out, "{}", safe(&group[0].location.path))?;
        let mut table = new_table(["line", "severity", "code", "finding"]);
        for finding in group {
            table.add_row(vec![
                Cell::new(position(finding)),
                Cell::new(finding.severity.as_str().to_uppercase()),
                Cell::new(format!("{}\n{}", safe(finding.code), safe(finding.rule))),
                Cell::new(why(finding)),
            ]);
        }
        writeln!(out, "{table}\n")?;
    }
    if !report.errors.is_empty() {
        writeln!(out, "input errors")?;
        let mut table = new_table(["path", "kind", "reason"]);
        for error in report.errors {
            let kind = serde_json::to_value(error.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            table.add_row(vec![
                Cell::new(safe(&error.path)),
                Cell::new(kind),
                Cell::new(safe(&error.reason)),
            ]);
        }
        writeln!(out, "{table}\n")?;
    }
    writeln!(out, "{}", summary_line(report))
}

fn new_table<const N: usize>(header: [&str; N]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(WIDTH)
        .set_header(
            header
                .iter()
                .map(|h| Cell::new(h).set_alignment(CellAlignment::Left)),
        );
    table
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
            c if ('\u{80}'..='\u{9f}').contains(&c)
                || matches!(
                    c,
                    '\u{061c}'
                        | '\u{200e}'
                        | '\u{200f}'
                        | '\u{2028}'
                        | '\u{2029}'
                        | '\u{202a}'..='\u{202e}'
                        | '\u{2066}'..='\u{2069}'
                ) =>
            {
                let _infallible = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

pub(super) fn summary_line(report: &Report<'_>) -> String {
    let s = &report.summary;
    let counts: Vec<String> = s
        .by_severity
        .iter()
        .filter(|(_, n)| n.as_u64().unwrap_or(0) > 0)
        .map(|(severity, n)| format!("{n} {severity}"))
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
            "{} file{} ({} bytes) scanned",
            report.scan.files_scanned,
            plural(report.scan.files_scanned),
            report.scan.bytes_scanned
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

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::safe;

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        assert_eq!(
            safe("a\nb\x1b[31mred\u{202e}txt.exe"),
            "a\\nb\\x1b[31mred\\u{202e}txt.exe"
        );
        assert_eq!(safe("café ✓"), "café ✓");
    }
}
