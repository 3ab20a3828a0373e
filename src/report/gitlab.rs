//! `gitlab`: GitLab code quality JSON (`artifacts: reports: codequality`), a subset of Code
//! Climate's format: one issue per unsuppressed finding with `description`, `check_name`
//! (the rule code), `fingerprint`, `severity` and `location.path` / `location.lines.begin`.
//! GitLab shows them in the merge request widget and the diff. Severities map one to one:
//! critical → `blocker`, high → `critical`, medium → `major`, low → `minor`, info → `info`.
//! The fingerprint is the finding's `location_fingerprint` (one per occurrence: GitLab
//! keeps one issue per fingerprint, and the same secret in two files is two places to fix).
//! Paths are relative to the repository's top, as GitLab resolves them.

use std::io::{self, Write};

use serde::Serialize;

use super::paths::Locator;
use super::{Report, conditions, ordered};
use crate::model::Severity;

pub(super) fn write(report: &Report<'_>, locator: &Locator, out: &mut dyn Write) -> io::Result<()> {
    let issues: Vec<Issue<'_>> = ordered(report)
        .into_iter()
        .map(|finding| {
            let mut description = finding.message.to_owned();
            let conditions = conditions(finding);
            if !conditions.is_empty() {
                description.push_str(&format!(" [{}]", conditions.join("; ")));
            }
            Issue {
                kind: "issue",
                description,
                check_name: finding.code,
                categories: ["Security"],
                fingerprint: finding.location_fingerprint,
                severity: severity(finding.severity),
                location: IssueLocation {
                    path: locator.locate(&finding.location.path).text().to_owned(),
                    lines: Lines {
                        begin: finding.location.span.map_or(1, |s| s.line),
                        end: finding.location.span.map_or(1, |s| s.end_line),
                    },
                },
            }
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "blocker",
        Severity::High => "critical",
        Severity::Medium => "major",
        Severity::Low => "minor",
        Severity::Info => "info",
    }
}

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: &'a str,
    categories: [&'static str; 1],
    fingerprint: &'a str,
    severity: &'static str,
    location: IssueLocation,
}

#[derive(Serialize)]
struct IssueLocation {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}
