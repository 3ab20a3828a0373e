//! `html`: one self-contained page to look at: summary cards, charts (inline SVG drawn
//! here), findings grouped by file with the violated condition and the remediation, and
//! client-side filters (a small inline script). No network: no external stylesheet, script,
//! font or image, and a Content-Security-Policy that allows only the page's own style and
//! script (by hash), so even text that escaped escaping could not load or run anything.
//!
//! The page renders from the v1 JSON contract (`docs/report.schema.json`), not from the
//! internal model: `scan --format html` serialises its report and reads it back, and
//! `nhiscan report --format html a.json b.json` reads saved reports. With several reports,
//! the page shows the latest in full and the trend of findings per severity over the
//! reports' scan times.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use base64::Engine as _;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

use super::Report;
use crate::model::Severity;
use crate::model::time::parse_time;

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

/// Severities from the worst down, the order every part of the page uses.
const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// A report as saved by `scan --format json`: the fields of the v1 contract the page shows.
/// Fields added by later minor versions are ignored; `owner` is read when present.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedReport {
    pub schema_version: String,
    tool: SavedTool,
    policy: SavedPolicy,
    scan: SavedScan,
    summary: SavedSummary,
    findings: Vec<SavedFinding>,
    #[serde(default)]
    errors: Vec<SavedError>,
}

#[derive(Debug, Clone, Deserialize)]
struct SavedTool {
    name: String,
    version: String,
}

#[derive(Debug, Clone, Deserialize)]
struct SavedPolicy {
    version: String,
    digest: String,
}

#[derive(Debug, Clone, Deserialize)]
struct SavedScan {
    started_at: String,
    now: String,
    roots: Vec<String>,
    files_scanned: u64,
    bytes_scanned: u64,
    #[serde(default)]
    files_by_source: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Deserialize)]
struct SavedSummary {
    findings: u64,
    suppressed: u64,
    by_severity: BTreeMap<String, u64>,
    subjects: u64,
    errors: u64,
    fail_on: String,
    failed: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct SavedFinding {
    code: String,
    rule: String,
    severity: Severity,
    confidence: String,
    message: String,
    violated_condition: Vec<SavedCondition>,
    subject: SavedSubject,
    location: SavedLocation,
    #[serde(default)]
    related_locations: Vec<SavedRelated>,
    evidence: String,
    failure_class: String,
    #[serde(default)]
    failure_mode: String,
    #[serde(default)]
    frameworks: Vec<String>,
    remediation: String,
    #[serde(default)]
    owner: Option<String>,
    suppressed: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct SavedCondition {
    field: String,
    op: String,
    expected: Value,
    actual: Value,
    #[serde(default)]
    unit: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct SavedSubject {
    kind: String,
    id: String,
    name: String,
}

#[derive(Debug, Clone, Deserialize)]
struct SavedLocation {
    path: String,
    line: Option<u64>,
    column: Option<u64>,
    end_line: Option<u64>,
    end_column: Option<u64>,
    #[serde(default)]
    commit: Option<SavedCommit>,
}

#[derive(Debug, Clone, Deserialize)]
struct SavedCommit {
    id: String,
}

#[derive(Debug, Clone, Deserialize)]
struct SavedRelated {
    label: String,
    location: SavedLocation,
}

#[derive(Debug, Clone, Deserialize)]
struct SavedError {
    path: String,
    kind: String,
    reason: String,
}

impl SavedReport {
    /// Reads a saved JSON report; the error says what does not fit the contract.
    pub fn from_json(bytes: &[u8]) -> serde_json::Result<Self> {
        serde_json::from_slice(bytes)
    }

    fn started(&self) -> Option<OffsetDateTime> {
        parse_time(&Value::String(self.scan.started_at.clone()))
    }

    fn active(&self) -> impl Iterator<Item = &SavedFinding> {
        self.findings.iter().filter(|f| f.suppressed.is_none())
    }

    fn count(&self, severity: Severity) -> u64 {
        self.summary
            .by_severity
            .get(severity.as_str())
            .copied()
            .unwrap_or(0)
    }
}

/// `scan --format html`: the report, through its JSON form.
pub(super) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let saved: SavedReport = serde_json::from_value(serde_json::to_value(report)?)?;
    write_saved(vec![saved], out)
}

/// The page for one or more saved reports: the latest (by scan start) in full, and with
/// several, the trend over all of them.
pub fn write_saved(mut reports: Vec<SavedReport>, out: &mut dyn Write) -> io::Result<()> {
    reports.sort_by(|a, b| {
        a.started()
            .cmp(&b.started())
            .then_with(|| a.scan.started_at.cmp(&b.scan.started_at))
    });
    let Some(latest) = reports.last() else {
        return Ok(());
    };
    let mut page = String::with_capacity(64 * 1024 + latest.findings.len() * 2048);
    page_head(&mut page, latest);
    page.push_str("<main>\n");
    cards(&mut page, latest);
    charts(&mut page, latest);
    if reports.len() > 1 {
        trend(&mut page, &reports);
    }
    breakdowns(&mut page, latest);
    findings(&mut page, latest);
    input_errors(&mut page, latest);
    let _ = write!(
        page,
        "<footer>{} {} · schema {} · this page loads nothing from the network</footer>\n</main>\n<script>{JS}</script>\n</body>\n</html>\n",
        esc(&latest.tool.name),
        esc(&latest.tool.version),
        esc(&latest.schema_version),
    );
    out.write_all(page.as_bytes())
}

/// `'sha256-…'` for a CSP source list.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn page_head(page: &mut String, r: &SavedReport) {
    let roots = r.scan.roots.join(", ");
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'\">\n\
<meta name=\"referrer\" content=\"no-referrer\">\n\
<title>nhiscan report: {}</title>\n<style>{CSS}</style>\n</head>\n<body data-js=\"off\">\n",
        csp_hash(CSS),
        csp_hash(JS),
        esc(&roots),
    );
    let status = if r.summary.fail_on == "never" {
        "<span class=\"status passed\" data-failed=\"false\">never fails (--fail-on never)</span>"
            .to_owned()
    } else if r.summary.failed {
        format!(
            "<span class=\"status failed\" data-failed=\"true\">FAILED: findings at {} or above</span>",
            esc(&r.summary.fail_on)
        )
    } else {
        format!(
            "<span class=\"status passed\" data-failed=\"false\">PASSED: nothing at {} or above</span>",
            esc(&r.summary.fail_on)
        )
    };
    let _ = write!(
        page,
        "<header class=\"top\"><div class=\"inner\">\n<h1>nhiscan <span>report</span></h1>\n\
<div class=\"meta\">Scanned <b>{}</b> · started <b>{}</b> · now <b>{}</b> · <b>{}</b> files, {} · \
policy {} <span class=\"mono\">{}</span></div>\n{status}\n</div></header>\n",
        esc(&roots),
        esc(&r.scan.started_at),
        esc(&r.scan.now),
        r.scan.files_scanned,
        bytes(r.scan.bytes_scanned),
        esc(&r.policy.version),
        esc(short_digest(&r.policy.digest)),
    );
}

fn short_digest(digest: &str) -> &str {
    digest.get(..19).unwrap_or(digest)
}

fn bytes(n: u64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "a size shown to one decimal")]
    let f = n as f64;
    if n < 1024 {
        format!("{n} B")
    } else if n < 1024 * 1024 {
        format!("{:.1} KiB", f / 1024.0)
    } else if n < 1024 * 1024 * 1024 {
        format!("{:.1} MiB", f / (1024.0 * 1024.0))
    } else {
        format!("{:.1} GiB", f / (1024.0 * 1024.0 * 1024.0))
    }
}

fn cards(page: &mut String, r: &SavedReport) {
    page.push_str("<section class=\"cards\" aria-label=\"summary\">\n");
    let _ = writeln!(
        page,
        "<div class=\"card total\" data-count-of=\"findings\" data-count=\"{0}\"><div class=\"n\">{0}</div><div class=\"label\">findings</div></div>",
        r.summary.findings
    );
    for severity in SEVERITIES {
        let n = r.count(severity);
        let s = severity.as_str();
        let _ = writeln!(
            page,
            "<div class=\"card sev-{s}{}\" data-severity=\"{s}\" data-count=\"{n}\" data-filter-severity=\"{s}\" title=\"show only {s}\"><div class=\"n\">{n}</div><div class=\"label\">{s}</div></div>",
            if n == 0 { " zero" } else { "" },
        );
    }
    for (what, n) in [
        ("suppressed", r.summary.suppressed),
        ("NHIs seen", r.summary.subjects),
        ("input errors", r.summary.errors),
    ] {
        let _ = writeln!(
            page,
            "<div class=\"card{}\" data-count-of=\"{what}\" data-count=\"{n}\"><div class=\"n\">{n}</div><div class=\"label\">{what}</div></div>",
            if n == 0 { " zero" } else { "" },
        );
    }
    page.push_str("</section>\n");
}

/// One bar of a horizontal bar chart.
struct Bar {
    label: String,
    note: String,
    count: u64,
    class: &'static str,
    filter: (&'static str, String),
}

/// A horizontal bar chart as inline SVG; each bar filters the findings when clicked.
/// Characters of label (code and rule name) that fit the by-code chart's label column.
const LABEL_CHARS: usize = 31;

/// `width` and `label_width` are in the SVG's units, which the page scales to the panel.
fn bar_chart(page: &mut String, title: &str, (width, label_width): (u64, u64), bars: &[Bar]) {
    const ROW: u64 = 28;
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let height = (bars.len() as u64).max(1) * ROW + 6;
    let _ = writeln!(
        page,
        "<svg viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        esc(title)
    );
    if bars.is_empty() {
        let _ = writeln!(
            page,
            "<text x=\"0\" y=\"18\" class=\"muted\">no findings</text>"
        );
    }
    let span = width - label_width - 44;
    for (i, bar) in bars.iter().enumerate() {
        let y = i as u64 * ROW + 4;
        let w = (bar.count * span).div_ceil(max);
        let _ = writeln!(
            page,
            "<g class=\"bar\" data-{}=\"{}\"><title>{}: {}</title>\
<text x=\"0\" y=\"{}\">{}{}</text>\
<rect class=\"f-track\" x=\"{label_width}\" y=\"{y}\" width=\"{span}\" height=\"{}\" rx=\"3\"/>\
<rect class=\"fill f-{}\" x=\"{label_width}\" y=\"{y}\" width=\"{w}\" height=\"{}\" rx=\"3\"/>\
<text x=\"{}\" y=\"{}\">{}</text></g>",
            bar.filter.0,
            esc(&bar.filter.1),
            esc(&bar.label),
            bar.count,
            y + 15,
            esc(&truncate(&bar.label, LABEL_CHARS / 2)),
            if bar.note.is_empty() {
                String::new()
            } else {
                format!(
                    "<tspan class=\"muted\" dx=\"6\">{}</tspan>",
                    esc(&truncate(
                        &bar.note,
                        LABEL_CHARS
                            .saturating_sub(bar.label.chars().count() + 1)
                            .max(4)
                    ))
                )
            },
            ROW - 10,
            bar.class,
            ROW - 10,
            label_width + span + 8,
            y + 15,
            bar.count,
        );
    }
    page.push_str("</svg>\n");
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() > max {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    } else {
        text.to_owned()
    }
}

/// Bars in the by-code chart; the rest are counted under it (the code filter lists them).
const MAX_CODE_BARS: usize = 12;

fn charts(page: &mut String, r: &SavedReport) {
    let by_severity: Vec<Bar> = SEVERITIES
        .iter()
        .map(|s| Bar {
            label: s.as_str().to_owned(),
            note: String::new(),
            count: r.count(*s),
            class: s.as_str(),
            filter: ("filter-severity", s.as_str().to_owned()),
        })
        .collect();
    let mut by_code: BTreeMap<&str, (u64, &str, Severity)> = BTreeMap::new();
    for f in r.active() {
        let entry = by_code.entry(&f.code).or_insert((0, &f.rule, f.severity));
        entry.0 += 1;
        entry.2 = entry.2.max(f.severity);
    }
    let mut codes: Vec<_> = by_code.into_iter().collect();
    codes.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(b.1.2.cmp(&a.1.2)).then(a.0.cmp(b.0)));
    let more = codes.len().saturating_sub(MAX_CODE_BARS);
    let by_code: Vec<Bar> = codes
        .into_iter()
        .take(MAX_CODE_BARS)
        .map(|(code, (count, rule, severity))| Bar {
            label: code.to_owned(),
            note: rule.to_owned(),
            count,
            class: severity.as_str(),
            filter: ("filter-code", code.to_owned()),
        })
        .collect();
    page.push_str(
        "<section class=\"grid2\">\n<div class=\"panel\"><h2>Findings by severity</h2>\n",
    );
    bar_chart(page, "findings by severity", (380, 80), &by_severity);
    page.push_str("</div>\n<div class=\"panel\"><h2>Findings by code</h2>\n");
    bar_chart(page, "findings by code", (560, 220), &by_code);
    if more > 0 {
        let _ = writeln!(
            page,
            "<p class=\"more\">and {more} more code{} (the code filter below lists them all)</p>",
            if more == 1 { "" } else { "s" }
        );
    }
    page.push_str("</div>\n</section>\n");
}

/// Findings per severity over the reports' scan times, as lines on a time axis.
fn trend(page: &mut String, reports: &[SavedReport]) {
    const WIDTH: f64 = 1080.0;
    const HEIGHT: f64 = 240.0;
    const LEFT: f64 = 44.0;
    const RIGHT: f64 = 20.0;
    const TOP: f64 = 14.0;
    const BOTTOM: f64 = 34.0;
    let times: Vec<Option<i128>> = reports
        .iter()
        .map(|r| r.started().map(OffsetDateTime::unix_timestamp_nanos))
        .collect();
    let known: Vec<i128> = times.iter().flatten().copied().collect();
    let (first, last) = (
        known.iter().min().copied().unwrap_or(0),
        known.iter().max().copied().unwrap_or(0),
    );
    let n = reports.len();
    #[expect(clippy::cast_precision_loss, reason = "chart coordinates")]
    let x = |i: usize| -> f64 {
        let plot = WIDTH - LEFT - RIGHT;
        match times[i] {
            Some(t) if last > first => LEFT + plot * ((t - first) as f64 / (last - first) as f64),
            _ => LEFT + plot * (i as f64 / (n - 1).max(1) as f64),
        }
    };
    let total = |r: &SavedReport| r.summary.findings;
    let max = reports.iter().map(total).max().unwrap_or(0).max(1);
    let top = nice_ceiling(max);
    #[expect(clippy::cast_precision_loss, reason = "chart coordinates")]
    let y = |v: u64| -> f64 { TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - v as f64 / top as f64) };
    page.push_str(
        "<section class=\"panel\" id=\"trend\"><h2>Trend: findings per severity over time</h2>\n",
    );
    let _ = writeln!(
        page,
        "<svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" aria-label=\"findings per severity over {n} reports\">"
    );
    for tick in [0, top / 2, top] {
        let ty = y(tick);
        let _ = writeln!(
            page,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{ty:.1}\" y2=\"{ty:.1}\"/><text class=\"muted\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{tick}</text>",
            WIDTH - RIGHT,
            LEFT - 8.0,
            ty + 4.0
        );
    }
    let label_every = n.div_ceil(8).max(1);
    for (i, r) in reports.iter().enumerate() {
        if i % label_every == 0 || i + 1 == n {
            let anchor = if i == 0 {
                "start"
            } else if i + 1 == n {
                "end"
            } else {
                "middle"
            };
            let _ = writeln!(
                page,
                "<text class=\"muted\" x=\"{:.1}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
                x(i),
                HEIGHT - 10.0,
                esc(&time_label(&r.scan.started_at))
            );
        }
    }
    let mut series: Vec<(&str, Option<Severity>)> = vec![("total", None)];
    for s in SEVERITIES {
        if reports.iter().any(|r| r.count(s) > 0) {
            series.push((s.as_str(), Some(s)));
        }
    }
    let value =
        |r: &SavedReport, severity: Option<Severity>| severity.map_or(total(r), |s| r.count(s));
    for &(name, severity) in &series {
        let points: Vec<String> = reports
            .iter()
            .enumerate()
            .map(|(i, r)| format!("{:.1},{:.1}", x(i), y(value(r, severity))))
            .collect();
        let _ = writeln!(
            page,
            "<polyline class=\"line s-{name}\" data-series=\"{name}\" points=\"{}\"/>",
            points.join(" ")
        );
        for (i, r) in reports.iter().enumerate() {
            let _ = writeln!(
                page,
                "<circle class=\"f-{name} s-{name}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\"><title>{}: {} {name}</title></circle>",
                x(i),
                y(value(r, severity)),
                esc(&r.scan.started_at),
                value(r, severity)
            );
        }
    }
    page.push_str("</svg>\n<div class=\"legend\">");
    for (name, _) in &series {
        let _ = write!(page, "<span><i class=\"{name}\"></i>{name}</span>");
    }
    page.push_str("</div>\n<table class=\"trend\">\n<tr><th>scan started</th><th>roots</th><th class=\"num\">findings</th>");
    for s in SEVERITIES {
        let _ = write!(page, "<th class=\"num\">{}</th>", s.as_str());
    }
    page.push_str("<th class=\"num\">suppressed</th></tr>\n");
    for r in reports {
        let _ = write!(
            page,
            "<tr data-started-at=\"{}\"><td class=\"mono\">{}</td><td>{}</td><td class=\"num\">{}</td>",
            esc(&r.scan.started_at),
            esc(&r.scan.started_at),
            esc(&r.scan.roots.join(", ")),
            r.summary.findings
        );
        for s in SEVERITIES {
            let _ = write!(page, "<td class=\"num\">{}</td>", r.count(s));
        }
        let _ = writeln!(page, "<td class=\"num\">{}</td></tr>", r.summary.suppressed);
    }
    page.push_str("</table>\n</section>\n");
}

/// The smallest of 1, 2 or 5 times a power of ten at or above `n`.
fn nice_ceiling(n: u64) -> u64 {
    let mut step: u64 = 1;
    loop {
        for m in [1, 2, 5] {
            match step.checked_mul(m) {
                Some(v) if v >= n => return v,
                None => return n,
                Some(_) => {}
            }
        }
        match step.checked_mul(10) {
            Some(next) => step = next,
            None => return n,
        }
    }
}

/// `2026-11-23 14:05` from an RFC 3339 time (the text as given when it does not parse).
fn time_label(started_at: &str) -> String {
    match started_at.get(..16) {
        Some(head) if head.as_bytes().get(10) == Some(&b'T') => head.replacen('T', " ", 1),
        _ => started_at.to_owned(),
    }
}

fn count_table<'a>(
    page: &mut String,
    title: &str,
    column: &str,
    rows: impl Iterator<Item = &'a str>,
) {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for row in rows {
        *counts.entry(row).or_default() += 1;
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let _ = writeln!(
        page,
        "<div class=\"panel\"><h2>{}</h2>\n<table>\n<tr><th>{}</th><th class=\"num\">findings</th></tr>",
        esc(title),
        esc(column)
    );
    if counts.is_empty() {
        page.push_str("<tr><td class=\"empty\" colspan=\"2\">none</td></tr>\n");
    }
    for (name, n) in counts {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"num\">{n}</td></tr>",
            esc(name)
        );
    }
    page.push_str("</table></div>\n");
}

fn breakdowns(page: &mut String, r: &SavedReport) {
    page.push_str("<section class=\"grid3\">\n");
    count_table(
        page,
        "By failure class",
        "class",
        r.active().map(|f| f.failure_class.as_str()),
    );
    count_table(
        page,
        "By owner",
        "owner",
        r.active()
            .map(|f| f.owner.as_deref().unwrap_or("(no owner)")),
    );
    page.push_str("<div class=\"panel\"><h2>Inputs read</h2>\n<table>\n<tr><th>adapter</th><th class=\"num\">files</th></tr>\n");
    for (source, n) in &r.scan.files_by_source {
        let _ = writeln!(
            page,
            "<tr><td class=\"mono\">{}</td><td class=\"num\">{n}</td></tr>",
            esc(source)
        );
    }
    page.push_str("</table></div>\n</section>\n");
}

fn findings(page: &mut String, r: &SavedReport) {
    let active = r.active().count();
    let _ = writeln!(
        page,
        "<section id=\"findings\">\n<h2>Findings by file</h2>\n<div class=\"filters\" role=\"search\">"
    );
    for s in SEVERITIES {
        let s = s.as_str();
        let _ = write!(
            page,
            "<label><input type=\"checkbox\" name=\"severity\" value=\"{s}\" checked><span class=\"sev {s}\">{s}</span></label>"
        );
    }
    let mut codes: BTreeMap<&str, (&str, u64)> = BTreeMap::new();
    for f in &r.findings {
        codes.entry(&f.code).or_insert((&f.rule, 0)).1 += 1;
    }
    page.push_str(
        "\n<select id=\"filter-code\" aria-label=\"code\"><option value=\"\">all codes</option>",
    );
    for (code, (rule, n)) in &codes {
        let _ = write!(
            page,
            "<option value=\"{0}\">{0} {1} ({n})</option>",
            esc(code),
            esc(rule)
        );
    }
    page.push_str("</select>\n<input type=\"search\" id=\"filter-text\" placeholder=\"Search paths, messages, subjects…\" aria-label=\"search\">\n");
    if r.summary.suppressed > 0 {
        page.push_str(
            "<label><input type=\"checkbox\" id=\"filter-suppressed\">show suppressed</label>\n",
        );
    }
    let _ = writeln!(
        page,
        "<span class=\"shown\"><b id=\"shown\" data-shown=\"{active}\">{active}</b> of {active} findings shown</span>\n</div>"
    );
    let mut by_file: BTreeMap<&str, Vec<&SavedFinding>> = BTreeMap::new();
    for f in &r.findings {
        by_file.entry(&f.location.path).or_default().push(f);
    }
    if by_file.is_empty() {
        page.push_str("<p class=\"panel empty\">No findings.</p>\n");
    }
    for (path, list) in by_file {
        let n = list.len();
        let _ = writeln!(
            page,
            "<details class=\"file\" open data-path=\"{0}\">\n<summary><span class=\"mono\">{0}</span><span class=\"count\">{n} finding{1}</span></summary>",
            esc(path),
            if n == 1 { "" } else { "s" }
        );
        for f in list {
            finding(page, f);
        }
        page.push_str("</details>\n");
    }
    page.push_str("</section>\n");
}

fn position(l: &SavedLocation) -> String {
    match (l.line, l.column, l.end_line, l.end_column) {
        (Some(line), Some(col), Some(end_line), Some(end_col)) if end_line == line => {
            format!("{line}:{col}–{end_col}")
        }
        (Some(line), Some(col), Some(end_line), Some(end_col)) => {
            format!("{line}:{col}–{end_line}:{end_col}")
        }
        (Some(line), Some(col), _, _) => format!("{line}:{col}"),
        (Some(line), None, _, _) => line.to_string(),
        _ => String::new(),
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn finding(page: &mut String, f: &SavedFinding) {
    let s = f.severity.as_str();
    let _ = writeln!(
        page,
        "<article class=\"finding {s}{}\" data-severity=\"{s}\" data-code=\"{}\"{}>\n<div class=\"head\"><span class=\"sev {s}\">{s}</span><span class=\"code mono\">{}</span><span class=\"rule\">{}</span><span class=\"pos mono\">{}</span></div>\n<p class=\"msg\">{}</p>\n<dl>",
        if f.suppressed.is_some() {
            " suppressed"
        } else {
            ""
        },
        esc(&f.code),
        if f.suppressed.is_some() {
            " data-suppressed"
        } else {
            ""
        },
        esc(&f.code),
        esc(&f.rule),
        esc(&position(&f.location)),
        esc(&f.message),
    );
    if let Some(reason) = &f.suppressed {
        let _ = writeln!(
            page,
            "<dt>Suppressed</dt><dd><span class=\"tag supp\">{}</span></dd>",
            esc(reason)
        );
    }
    page.push_str("<dt>Violated</dt><dd><table class=\"cond\"><tr><th>field</th><th>op</th><th>expected</th><th>actual</th></tr>\n");
    for c in &f.violated_condition {
        let unit = c.unit.as_deref().map_or(String::new(), |u| format!(" {u}"));
        let _ = writeln!(
            page,
            "<tr><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}{}</td><td class=\"mono actual\">{}{}</td></tr>",
            esc(&c.field),
            esc(&c.op),
            esc(&value_text(&c.expected)),
            esc(&unit),
            esc(&value_text(&c.actual)),
            esc(&unit),
        );
    }
    page.push_str("</table></dd>\n");
    let _ = writeln!(
        page,
        "<dt>Subject</dt><dd><code>{}</code> {} <span class=\"rule mono\">{}</span></dd>",
        esc(&f.subject.kind),
        esc(&f.subject.name),
        esc(&f.subject.id)
    );
    if !f.evidence.is_empty() {
        let _ = writeln!(
            page,
            "<dt>Evidence</dt><dd><code>{}</code></dd>",
            esc(&f.evidence)
        );
    }
    if let Some(commit) = &f.location.commit {
        let _ = writeln!(
            page,
            "<dt>Commit</dt><dd><code>{}</code></dd>",
            esc(&commit.id)
        );
    }
    for related in &f.related_locations {
        let _ = writeln!(
            page,
            "<dt>Related</dt><dd>{} <span class=\"mono\">{}:{}</span></dd>",
            esc(&related.label),
            esc(&related.location.path),
            esc(&position(&related.location))
        );
    }
    if !f.failure_mode.is_empty() {
        let _ = writeln!(page, "<dt>Risk</dt><dd>{}</dd>", esc(&f.failure_mode));
    }
    let _ = writeln!(
        page,
        "<dt>Remediation</dt><dd class=\"remedy\">{}</dd>",
        esc_lines(f.remediation.trim_end())
    );
    let _ = write!(
        page,
        "<dt>Class</dt><dd><span class=\"tag\">{}</span><span class=\"tag\">confidence {}</span>",
        esc(&f.failure_class),
        esc(&f.confidence)
    );
    if let Some(owner) = &f.owner {
        let _ = write!(page, "<span class=\"tag\">owner {}</span>", esc(owner));
    }
    for framework in &f.frameworks {
        let _ = write!(page, "<span class=\"tag\">{}</span>", esc(framework));
    }
    page.push_str("</dd>\n</dl>\n</article>\n");
}

fn input_errors(page: &mut String, r: &SavedReport) {
    if r.errors.is_empty() {
        return;
    }
    let _ = writeln!(
        page,
        "<section class=\"panel\" id=\"errors\"><h2>Inputs that could not be read ({})</h2>\n<table>\n<tr><th>path</th><th>kind</th><th>reason</th></tr>",
        r.errors.len()
    );
    for e in &r.errors {
        let _ = writeln!(
            page,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&e.path),
            esc(&e.kind),
            esc(&e.reason)
        );
    }
    page.push_str("</table></section>\n");
}

/// `esc` line by line, keeping the line breaks (rule text such as a remediation).
fn esc_lines(text: &str) -> String {
    text.lines().map(esc).collect::<Vec<_>>().join("\n")
}

/// Text for HTML content and quoted attribute values: markup characters become entities,
/// and control characters, bidirectional marks and line separators become visible escapes
/// (`\x1b`, `\u{202e}`), so a file name can neither inject markup nor reorder what is shown.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if ('\u{80}'..='\u{9f}').contains(&c)
                || super::is_bidi_or_separator(c)
                || c == '\u{feff}' =>
            {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_invisible_characters_are_escaped() {
        assert_eq!(
            esc("<img src=x onerror=\"a('b')\">&\u{202e}\x1b[31m"),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;\\u{202e}\\x1b[31m"
        );
    }

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(1), 1);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(41), 50);
        assert_eq!(nice_ceiling(u64::MAX), u64::MAX);
    }
}
