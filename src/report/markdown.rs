//! `markdown`: a report for a pull-request comment or a job summary
//! (`>> $GITHUB_STEP_SUMMARY`): counts by severity, then one table row per finding with its
//! code, location, violated condition and remediation, then input errors. At most
//! `MAX_ROWS` findings are listed (a PR comment holds 65,536 characters); the rest are
//! counted. Text from the scan is escaped so that it renders as written: Markdown
//! punctuation gets a backslash (a `|` cannot end a cell, a backtick cannot open code, `<`
//! cannot open HTML), and control and bidirectional characters are written as escapes.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::paths::Locator;
use super::{Report, conditions, kind_name, one_line, ordered};

/// Findings listed in the table; the rest are counted under it.
const MAX_ROWS: usize = 100;

pub(super) fn write(report: &Report<'_>, locator: &Locator, out: &mut dyn Write) -> io::Result<()> {
    let summary = &report.summary;
    let mut text = String::new();
    let verdict = if summary.failed { "failed" } else { "passed" };
    let _infallible = writeln!(
        text,
        "## nhiscan: {} finding{} ({verdict} at --fail-on {})\n",
        summary.findings,
        if summary.findings == 1 { "" } else { "s" },
        summary.fail_on
    );
    text.push_str("| Severity | Findings |\n|---|---:|\n");
    for (severity, count) in &summary.by_severity {
        let _infallible = writeln!(text, "| {severity} | {count} |");
    }
    let _infallible = writeln!(
        text,
        "\n{} NHIs in inventory, {} files scanned, {} input errors, {} suppressed.\n",
        summary.subjects, report.scan.files_scanned, summary.errors, summary.suppressed
    );
    let findings = ordered(report);
    if !findings.is_empty() {
        text.push_str(
            "| Severity | Code | Location | Finding | Violated condition | Remediation |\n",
        );
        text.push_str("|---|---|---|---|---|---|\n");
        for finding in findings.iter().take(MAX_ROWS) {
            let mut location = escape(locator.locate(&finding.location.path).text());
            if let Some(span) = finding.location.span {
                let _infallible = write!(location, ":{}:{}", span.line, span.column);
            }
            let condition: Vec<String> = conditions(finding).iter().map(|c| escape(c)).collect();
            let _infallible = writeln!(
                text,
                "| {} | {} {} | {location} | {} | {} | {} |",
                finding.severity.as_str(),
                escape(finding.code),
                escape(finding.rule),
                escape(finding.message),
                condition.join("<br>"),
                escape(&one_line(finding.remediation)),
            );
        }
        if findings.len() > MAX_ROWS {
            let _infallible = writeln!(
                text,
                "\n{} more findings are not listed here (the JSON or SARIF report has them all).",
                findings.len() - MAX_ROWS
            );
        }
    }
    if !report.errors.is_empty() {
        text.push_str("\n### Input errors\n\n| Path | Kind | Reason |\n|---|---|---|\n");
        for error in report.errors {
            let _infallible = writeln!(
                text,
                "| {} | {} | {} |",
                escape(locator.locate(&error.path).text()),
                escape(&kind_name(error)),
                escape(&error.reason)
            );
        }
    }
    out.write_all(text.as_bytes())
}

/// Text from the scan as Markdown that renders it literally, on one line of a table cell.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#' | '!' | '&' | '{'
            | '}' | '(' | ')' | '$' | '@' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() || super::is_bidi_or_separator(c) => {
                let _infallible = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn cells_cannot_be_ended_or_turned_into_code_or_html() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("`rm -rf`"), "\\`rm -rf\\`");
        assert_eq!(escape("<img src=x>"), "\\<img src=x\\>");
        assert_eq!(escape("[x](http://e)"), "\\[x\\]\\(http://e\\)");
        assert_eq!(escape("line\nbreak"), "line break");
        assert_eq!(escape("\u{202e}\x1b"), "\\u{202e}\\u{001b}");
        assert_eq!(escape("src/app.py"), "src/app.py");
    }
}
