//! Reports: one document (`v1::Report`), rendered as a table, JSON, JSON Lines, SARIF, HTML,
//! or for CI systems (GitHub workflow commands, Markdown, JUnit XML, GitLab code quality).
//! Reporters see the document's types, never the internal model or a rule's internals.

mod github;
mod gitlab;
pub mod html;
mod json;
mod junit;
mod markdown;
mod paths;
mod sarif;
mod table;
pub mod v1;

use std::io::{self, Write};

pub use paths::{Locator, RepoPath};
pub use sarif::{MAX_RESULTS as SARIF_MAX_RESULTS, left_out as sarif_left_out};
pub use v1::Report;

use crate::term::Style;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::…`): annotations on the run and the PR.
    Github,
    /// A Markdown summary for a PR comment or `$GITHUB_STEP_SUMMARY`.
    Markdown,
    /// JUnit XML for the test tabs of GitLab, Jenkins and Azure Pipelines.
    Junit,
    /// GitLab code quality JSON (`artifacts: reports: codequality`).
    Gitlab,
    /// One self-contained HTML page: summary, charts, findings by file, filters.
    Html,
}

/// What rendering needs beyond the document: where reported paths are on disk (for
/// repository-relative paths in SARIF, GitHub and GitLab output) and the SARIF category.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub locator: Locator,
    pub sarif_category: Option<String>,
}

/// Writes `report` in `format`, plain (no colour, the default table width): for files.
pub fn write(
    report: &Report<'_>,
    format: Format,
    settings: &Settings,
    out: &mut dyn Write,
) -> io::Result<()> {
    write_styled(report, format, settings, Style::PLAIN, out)
}

/// Writes `report` in `format` for a stream of `style` (a terminal's width and colour).
pub fn write_styled(
    report: &Report<'_>,
    format: Format,
    settings: &Settings,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::write(report, style, out),
        Format::Json => json::write(report, out),
        Format::Jsonl => json::write_lines(report, out),
        Format::Sarif => sarif::write(report, settings, out),
        Format::Github => github::write(report, &settings.locator, out),
        Format::Markdown => markdown::write(report, &settings.locator, out),
        Format::Junit => junit::write(report, &settings.locator, out),
        Format::Gitlab => gitlab::write(report, &settings.locator, out),
        Format::Html => html::write(report, out),
    }
}

/// The table's closing line alone: counts, inventory, bytes, errors, policy, `now`.
pub fn write_summary(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", table::summary_line(report, false))
}

/// Bidirectional controls and line or paragraph separators: characters a viewer acts on
/// (reordering or breaking what is shown) instead of showing them. Each format escapes them
/// its own way, as it does control characters.
fn is_bidi_or_separator(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// Unsuppressed findings in reading order: by location, then code.
fn ordered<'r, 'a>(report: &'r Report<'a>) -> Vec<&'r v1::Finding<'a>> {
    let mut findings: Vec<&v1::Finding<'a>> = report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    findings.sort_by(|a, b| a.location.cmp(b.location).then_with(|| a.code.cmp(b.code)));
    findings
}

/// Each violated condition as one line of plain text: `field op expected (actual: value)`,
/// or for a detector's match, `matched <redacted evidence>`. Not escaped for any format.
fn conditions(finding: &v1::Finding<'_>) -> Vec<String> {
    finding
        .violated_condition
        .iter()
        .map(|c| {
            if c.field == "text" {
                format!("matched {}", finding.evidence)
            } else {
                let unit = c.unit.map_or(String::new(), |u| format!(" {u}"));
                format!(
                    "{} {} {}{unit} (actual: {}{unit})",
                    c.field,
                    c.op,
                    value_text(&c.expected),
                    value_text(&c.actual)
                )
            }
        })
        .collect()
}

fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whitespace runs (newlines included) as one space: rule text wraps in YAML.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An input error's kind as the JSON report spells it (`parse`, `io`, …).
fn kind_name(error: &crate::model::InputError) -> String {
    serde_json::to_value(error.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
