//! `sarif`: SARIF 2.1.0 as GitHub code scanning accepts it: one run, every loaded rule as a
//! `reportingDescriptor` (with `security-severity`), one result per unsuppressed finding with
//! a URI relative to the repository's top under `%SRCROOT%` (given in `originalUriBaseIds`,
//! beside the invocation's `workingDirectory`) and `partialFingerprints`, an
//! `automationDetails.id` naming the category, at most `MAX_RESULTS` results, and every
//! input error as a tool execution notification. Typed structs keep the shape checked by
//! the compiler; the integration tests validate the output against the OASIS schema.
//!
//! Decisions (also in `docs/report-formats.md`):
//! - Suppressed findings are left out: code scanning would show them as open alerts, and
//!   the JSON document already records them with the reason.
//! - Columns count Unicode code points, as the JSON report does, so the run says
//!   `columnKind: unicodeCodePoints`; SARIF's `endColumn` is exclusive, ours is inclusive.
//! - `precision` follows the rule's confidence (`high` → `very-high`, `medium` → `high`,
//!   `low` → `medium`): posture rules judge parsed facts, detectors may match lookalikes.
//! - A finding from git history carries its first commit in `properties.commit`; the run has
//!   no `versionControlProvenance`, which names the one revision a run analysed (and needs a
//!   repository URI), where a history scan covers every commit of every ref.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use super::paths::{Locator, RepoPath};
use super::v1::{Finding, RuleInfo};
use super::{Report, Settings};
use crate::model::{
    Confidence, InHistory, InputError, InputErrorKind, Location, Severity, SubjectRef,
    ViolatedCondition,
};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const VERSION: &str = "2.1.0";
const INFORMATION_URI: &str = "https://github.com/nhiscan/nhiscan";
const SRCROOT: &str = "%SRCROOT%";

/// GitHub code scanning rejects a run with more results than this.
pub const MAX_RESULTS: usize = 25_000;

pub(super) fn write(
    report: &Report<'_>,
    settings: &Settings,
    out: &mut dyn Write,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(report, settings))?;
    writeln!(out)
}

/// How many findings the SARIF output leaves out to stay within `MAX_RESULTS`.
pub fn left_out(report: &Report<'_>) -> usize {
    let results = report
        .findings
        .iter()
        .filter(|finding| finding.suppressed.is_none())
        .count();
    results.saturating_sub(MAX_RESULTS)
}

/// The `max` most severe of `items` (ties: the earlier), in their order, and how many
/// were left out.
fn most_severe<T>(items: Vec<T>, severity: impl Fn(&T) -> Severity, max: usize) -> (Vec<T>, usize) {
    if items.len() <= max {
        return (items, 0);
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(severity(&items[i])));
    let mut keep = vec![false; items.len()];
    for &i in order.iter().take(max) {
        keep[i] = true;
    }
    let left_out = items.len() - max;
    let kept = items
        .into_iter()
        .zip(keep)
        .filter_map(|(item, keep)| keep.then_some(item))
        .collect();
    (kept, left_out)
}

fn log<'a>(report: &'a Report<'_>, settings: &'a Settings) -> Log<'a> {
    let locator = &settings.locator;
    let rules = &report.policy.rules;
    let index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, rule)| (rule.code, i))
        .collect();
    let findings: Vec<&Finding<'_>> = report
        .findings
        .iter()
        .filter(|finding| finding.suppressed.is_none())
        .collect();
    let (findings, left_out) = most_severe(findings, |f| f.severity, MAX_RESULTS);
    let results = findings
        .into_iter()
        .map(|finding| result(finding, index.get(finding.code).copied(), locator))
        .collect();
    let mut notifications: Vec<Notification<'_>> = report
        .errors
        .iter()
        .map(|error| notification(error, locator))
        .collect();
    if left_out > 0 {
        notifications.push(Notification {
            level: Level::Warning,
            message: Text::new(format!(
                "{left_out} findings are not listed: GitHub code scanning accepts at most \
                 {MAX_RESULTS} results per run; these are the {MAX_RESULTS} most severe"
            )),
            locations: Vec::new(),
            properties: NotificationProperties {
                kind: None,
                source: None,
                left_out: Some(left_out),
            },
        });
    }
    let category = settings
        .sarif_category
        .as_deref()
        .map_or_else(|| "nhiscan/".to_owned(), |c| format!("nhiscan/{c}/"));
    Log {
        schema: SCHEMA,
        version: VERSION,
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: report.tool.name,
                    version: report.tool.version,
                    semantic_version: report.tool.version,
                    information_uri: INFORMATION_URI,
                    rules: rules.iter().map(descriptor).collect(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: true,
                working_directory: locator.working_dir.as_deref().map(directory_uri),
                tool_execution_notifications: notifications,
            }],
            automation_details: AutomationDetails { id: category },
            original_uri_base_ids: locator.top.as_deref().map(|top| BaseIds {
                srcroot: directory_uri(top),
            }),
            column_kind: "unicodeCodePoints",
            results,
            properties: RunProperties {
                schema_version: report.schema_version,
                policy: PolicyRef {
                    version: report.policy.version,
                    digest: report.policy.digest,
                },
                scan: ScanRef {
                    now: &report.scan.now,
                    roots: &report.scan.roots,
                    files_scanned: report.scan.files_scanned,
                    bytes_scanned: report.scan.bytes_scanned,
                    inventory: report.summary.subjects,
                },
            },
        }],
    }
}

fn descriptor<'a>(rule: &'a RuleInfo<'_>) -> Descriptor<'a> {
    let description = rule.description.trim();
    let mut tags: Vec<&str> = Vec::with_capacity(rule.frameworks.len() + 2);
    for tag in rule
        .frameworks
        .iter()
        .map(String::as_str)
        .chain([rule.failure_class, "security"])
    {
        if !tag.is_empty() && !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Descriptor {
        id: rule.code,
        name: rule.name,
        short_description: Text::new(
            first_sentence(description).unwrap_or_else(|| rule.name.to_owned()),
        ),
        full_description: Text::new(if description.is_empty() {
            rule.name
        } else {
            description
        }),
        help_uri: rule.references.first().map(String::as_str),
        help: Help {
            text: help_text(rule),
            markdown: help_markdown(rule),
        },
        default_configuration: Configuration {
            enabled: (!rule.enabled).then_some(false),
            level: level(rule.severity),
        },
        properties: RuleProperties {
            tags,
            security_severity: security_severity(rule.severity),
            precision: precision(rule.confidence),
        },
    }
}

/// `file://` URI of an absolute directory, ending in `/` as SARIF requires of a base.
fn directory_uri(path: &str) -> UriOnly {
    UriOnly {
        uri: format!("file://{}/", encode(path.trim_end_matches('/'), true)),
    }
}

fn result<'a>(
    finding: &'a Finding<'a>,
    rule_index: Option<usize>,
    locator: &Locator,
) -> SarifResult<'a> {
    SarifResult {
        rule_id: finding.code,
        rule_index,
        level: level(finding.severity),
        message: Text::new(finding.message),
        locations: vec![SarifLocation {
            id: None,
            physical_location: physical_location(finding.location, locator),
            message: None,
        }],
        related_locations: finding
            .related_locations
            .iter()
            .enumerate()
            .map(|(i, related)| SarifLocation {
                id: Some(i),
                physical_location: physical_location(&related.location, locator),
                message: Some(Text::new(related.label.as_str())),
            })
            .collect(),
        partial_fingerprints: PartialFingerprints {
            nhiscan_v1: finding.fingerprint,
            location_v1: finding.location_fingerprint,
        },
        properties: ResultProperties {
            severity: finding.severity,
            confidence: finding.confidence,
            failure_class: finding.failure_class,
            subject: finding.subject,
            violated_condition: finding.violated_condition,
            evidence: finding.evidence,
            commit: finding.location.commit.as_ref(),
            occurrences: (finding.occurrences > 1).then_some(finding.occurrences),
        },
    }
}

fn notification<'a>(error: &'a InputError, locator: &Locator) -> Notification<'a> {
    Notification {
        level: Level::Warning,
        message: Text::new(&error.reason),
        locations: vec![SarifLocation {
            id: None,
            message: None,
            physical_location: PhysicalLocation {
                artifact_location: artifact_location(&error.path, locator),
                region: None,
            },
        }],
        properties: NotificationProperties {
            kind: Some(error.kind),
            source: error.source.as_deref(),
            left_out: None,
        },
    }
}

fn physical_location(location: &Location, locator: &Locator) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: artifact_location(&location.path, locator),
        region: location.span.map(|span| Region {
            start_line: span.line,
            start_column: span.column,
            end_line: span.end_line,
            // Our end column is inclusive, SARIF's is the column after the region.
            end_column: span.end_column.saturating_add(1),
        }),
    }
}

/// A relative URI under `%SRCROOT%` for a path below the repository's top, a `file://` URI
/// for one outside it; without a known top, the path as reported.
fn artifact_location(path: &str, locator: &Locator) -> ArtifactLocation {
    let uri = match locator.locate(path) {
        RepoPath::Relative(relative) => Uri::Relative(encode(&relative, false)),
        RepoPath::Absolute(absolute) => {
            Uri::Absolute(format!("file://{}", encode(&absolute, true)))
        }
        RepoPath::Unmapped(path) => uri(&path),
    };
    match uri {
        Uri::Relative(uri) => ArtifactLocation {
            uri,
            uri_base_id: Some(SRCROOT),
        },
        Uri::Absolute(uri) => ArtifactLocation {
            uri,
            uri_base_id: None,
        },
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Uri {
    /// A relative reference, resolved against `%SRCROOT%`.
    Relative(String),
    /// A `file://` URI, for a path that was given as absolute.
    Absolute(String),
}

/// The URI of a `/`-separated path: relative paths stay relative (a leading `./` dropped),
/// absolute paths (`/x`, `C:/x`, `//host/share/x`) become `file://` URIs.
fn uri(path: &str) -> Uri {
    let bytes = path.as_bytes();
    let drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if let Some(unc) = path.strip_prefix("//") {
        Uri::Absolute(format!("file://{}", encode(unc, true)))
    } else if path.starts_with('/') {
        Uri::Absolute(format!("file://{}", encode(path, true)))
    } else if drive {
        Uri::Absolute(format!("file:///{}", encode(path, true)))
    } else {
        let mut relative = path;
        while let Some(rest) = relative.strip_prefix("./") {
            relative = rest.trim_start_matches('/');
        }
        Uri::Relative(encode(relative, false))
    }
}

/// Percent-encodes every byte that may not appear literally in a URI path segment (space,
/// `%`, `#`, `?`, `[`, `]`, controls, non-ASCII, …), keeping `/` as the separator. `:` is
/// encoded in relative references, where a colon in the first segment would read as a
/// scheme; absolute URIs keep it (`file:///C:/…`).
fn encode(path: &str, keep_colon: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(path.len());
    for &byte in path.as_bytes() {
        let literal = byte.is_ascii_alphanumeric()
            || b"-._~!$&'()*+,;=@/".contains(&byte)
            || (keep_colon && byte == b':');
        if literal {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

fn level(severity: Severity) -> Level {
    match severity {
        Severity::Critical | Severity::High => Level::Error,
        Severity::Medium => Level::Warning,
        Severity::Low | Severity::Info => Level::Note,
    }
}

/// GitHub's `security-severity`: a number as a string, 9.0+ critical, 7.0+ high, 4.0+
/// medium, 0.1+ low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// The description's first sentence, whitespace collapsed: up to the first `.` outside
/// parentheses that is followed by whitespace or the end.
fn first_sentence(description: &str) -> Option<String> {
    let text = description.trim();
    if text.is_empty() {
        return None;
    }
    let mut depth = 0_usize;
    let mut end = text.len();
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '.' if depth == 0 && text[i + 1..].chars().next().is_none_or(char::is_whitespace) => {
                end = i + 1;
                break;
            }
            _ => {}
        }
    }
    Some(text[..end].split_whitespace().collect::<Vec<_>>().join(" "))
}

fn help_text(rule: &RuleInfo<'_>) -> String {
    let mut text = format!(
        "{}\n\nFailure mode: {}\n\nRemediation: {}",
        rule.description.trim(),
        rule.failure_mode.trim(),
        rule.remediation.trim()
    );
    if !rule.references.is_empty() {
        text.push_str("\n\nReferences:");
        for reference in rule.references {
            text.push_str(&format!("\n- {reference}"));
        }
    }
    text
}

fn help_markdown(rule: &RuleInfo<'_>) -> String {
    let mut text = format!(
        "**{} {}**\n\n{}\n\n**Failure mode:** {}\n\n**Remediation:** {}",
        rule.code,
        rule.name,
        rule.description.trim(),
        rule.failure_mode.trim(),
        rule.remediation.trim()
    );
    if !rule.params.is_empty() {
        let params: Vec<String> = rule
            .params
            .iter()
            .map(|(name, value)| format!("`{name}` = `{value}`"))
            .collect();
        text.push_str(&format!("\n\n**Parameters:** {}", params.join(", ")));
    }
    if !rule.frameworks.is_empty() {
        text.push_str(&format!(
            "\n\n**Frameworks:** {}",
            rule.frameworks.join(", ")
        ));
    }
    if !rule.references.is_empty() {
        text.push_str("\n\n**References:**\n");
        for reference in rule.references {
            text.push_str(&format!("\n- <{reference}>"));
        }
    }
    text
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: Vec<Invocation<'a>>,
    automation_details: AutomationDetails,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_uri_base_ids: Option<BaseIds>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
    properties: RunProperties<'a>,
}

/// `runAutomationDetails`: GitHub takes the `id` up to its last `/` as the analysis's
/// category, so the id ends in `/` and the whole of it is the category.
#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
struct BaseIds {
    #[serde(rename = "%SRCROOT%")]
    srcroot: UriOnly,
}

/// An `artifactLocation` holding an absolute URI only.
#[derive(Serialize)]
struct UriOnly {
    uri: String,
}

#[derive(Serialize)]
struct RunProperties<'a> {
    schema_version: &'a str,
    policy: PolicyRef<'a>,
    scan: ScanRef<'a>,
}

#[derive(Serialize)]
struct PolicyRef<'a> {
    version: &'a str,
    digest: &'a str,
}

/// What was scanned, without the wall-clock start time (SARIF output stays reproducible).
#[derive(Serialize)]
struct ScanRef<'a> {
    now: &'a str,
    roots: &'a [String],
    files_scanned: u64,
    bytes_scanned: u64,
    /// How many NHIs were seen (the full inventory is in the JSON report).
    inventory: u64,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'a str,
    version: &'a str,
    semantic_version: &'a str,
    information_uri: &'static str,
    rules: Vec<Descriptor<'a>>,
}

/// A `reportingDescriptor`: one rule's metadata.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text<'a>,
    full_description: Text<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<&'a str>,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
    level: Level,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    tags: Vec<&'a str>,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    precision: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    working_directory: Option<UriOnly>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification<'a>>,
}

#[derive(Serialize)]
struct Notification<'a> {
    level: Level,
    message: Text<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SarifLocation<'a>>,
    properties: NotificationProperties<'a>,
}

#[derive(Serialize)]
struct NotificationProperties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<InputErrorKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    /// For the notification that results were left out: how many.
    #[serde(skip_serializing_if = "Option::is_none")]
    left_out: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: Level,
    message: Text<'a>,
    locations: Vec<SarifLocation<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation<'a>>,
    partial_fingerprints: PartialFingerprints<'a>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
struct PartialFingerprints<'a> {
    /// The finding's `fingerprint` (`v1:…`); the key's version follows the fingerprint's.
    #[serde(rename = "nhiscan/v1")]
    nhiscan_v1: &'a str,
    /// The finding's `location_fingerprint`: this occurrence of the issue.
    #[serde(rename = "nhiscan/location/v1")]
    location_v1: &'a str,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    severity: Severity,
    confidence: Confidence,
    failure_class: &'a str,
    subject: &'a SubjectRef,
    violated_condition: &'a [ViolatedCondition],
    evidence: &'a str,
    /// For a finding from git history: the first commit and whether it is still at HEAD.
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a InHistory>,
    /// For a secret found in several places: all of them, listed in `relatedLocations` or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    occurrences: Option<u64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
struct Text<'a> {
    text: Cow<'a, str>,
}

impl<'a> Text<'a> {
    fn new(text: impl Into<Cow<'a, str>>) -> Self {
        Self { text: text.into() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Level {
    Error,
    Warning,
    Note,
}

fn precision(confidence: Confidence) -> &'static str {
    match confidence {
        Confidence::High => "very-high",
        Confidence::Medium => "high",
        Confidence::Low => "medium",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relative(path: &str) -> String {
        match uri(path) {
            Uri::Relative(uri) => uri,
            Uri::Absolute(uri) => panic!("{path} gave an absolute URI {uri}"),
        }
    }

    fn absolute(path: &str) -> String {
        match uri(path) {
            Uri::Absolute(uri) => uri,
            Uri::Relative(uri) => panic!("{path} gave a relative URI {uri}"),
        }
    }

    #[test]
    fn relative_paths_stay_relative_and_plain_ones_unchanged() {
        assert_eq!(
            relative("fixtures/demo/.github/workflows/release.yml"),
            "fixtures/demo/.github/workflows/release.yml"
        );
        assert_eq!(relative("./src/app.py"), "src/app.py");
        assert_eq!(relative("././src/app.py"), "src/app.py");
        assert_eq!(relative("../other/key.pem"), "../other/key.pem");
        assert_eq!(
            relative("a-b_c~d.e/f(1)+g=h,i;j@k"),
            "a-b_c~d.e/f(1)+g=h,i;j@k"
        );
    }

    #[test]
    fn reserved_and_unsafe_characters_are_percent_encoded() {
        assert_eq!(relative("my dir/a b.txt"), "my%20dir/a%20b.txt");
        assert_eq!(relative("100%/x"), "100%25/x");
        assert_eq!(relative("notes#1/a?b"), "notes%231/a%3Fb");
        assert_eq!(relative("[x]/y\tz"), "%5Bx%5D/y%09z");
        assert_eq!(relative("c:d/e"), "c%3Ad/e");
        assert_eq!(relative("ünï/é.pem"), "%C3%BCn%C3%AF/%C3%A9.pem");
    }

    #[test]
    fn absolute_paths_become_file_uris() {
        assert_eq!(
            absolute("/home/ci/repo/a b.pem"),
            "file:///home/ci/repo/a%20b.pem"
        );
        assert_eq!(
            absolute("C:/Users/ci/key#1.pem"),
            "file:///C:/Users/ci/key%231.pem"
        );
        assert_eq!(
            absolute("//server/share/x.csv"),
            "file://server/share/x.csv"
        );
    }

    #[test]
    fn only_relative_uris_carry_the_source_root() {
        let location = artifact_location("src/app.py", &Locator::default());
        assert_eq!(location.uri_base_id, Some(SRCROOT));
        let location = artifact_location("/srv/app.py", &Locator::default());
        assert_eq!(location.uri_base_id, None);
        let repo = Locator {
            top: Some("/w/repo".to_owned()),
            working_dir: Some("/w/repo/sub dir".to_owned()),
            roots: vec![("../src".to_owned(), "/w/repo/src".to_owned())],
        };
        let location = artifact_location("../src/a b.py", &repo);
        assert_eq!(location.uri, "src/a%20b.py");
        assert_eq!(location.uri_base_id, Some(SRCROOT));
        assert_eq!(directory_uri("/w/repo").uri, "file:///w/repo/");
        assert_eq!(directory_uri("").uri, "file:///");
    }

    /// GitHub rejects a run over 25,000 results; the most severe are kept, in order.
    #[test]
    fn over_the_cap_the_most_severe_are_kept_in_order() {
        let items = vec![
            (1, Severity::Low),
            (2, Severity::Critical),
            (3, Severity::Medium),
            (4, Severity::Critical),
            (5, Severity::Medium),
        ];
        let (kept, left_out) = most_severe(items.clone(), |i| i.1, 3);
        let ids: Vec<i32> = kept.iter().map(|i| i.0).collect();
        assert_eq!(ids, [2, 3, 4]);
        assert_eq!(left_out, 2);
        let (kept, left_out) = most_severe(items, |i| i.1, 5);
        assert_eq!((kept.len(), left_out), (5, 0));
    }

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level(Severity::Critical), Level::Error);
        assert_eq!(level(Severity::High), Level::Error);
        assert_eq!(level(Severity::Medium), Level::Warning);
        assert_eq!(level(Severity::Low), Level::Note);
        assert_eq!(level(Severity::Info), Level::Note);
        let as_json = |l: Level| serde_json::to_value(l).unwrap();
        assert_eq!(as_json(Level::Error), "error");
        assert_eq!(as_json(Level::Warning), "warning");
        assert_eq!(as_json(Level::Note), "note");
    }

    #[test]
    fn security_severity_is_a_number_in_githubs_bands() {
        let bands = [
            (Severity::Critical, 9.0, 10.0),
            (Severity::High, 7.0, 8.9),
            (Severity::Medium, 4.0, 6.9),
            (Severity::Low, 0.1, 3.9),
            (Severity::Info, 0.0, 0.0),
        ];
        for (severity, low, high) in bands {
            let score: f64 = security_severity(severity).parse().unwrap();
            assert!(
                (low..=high).contains(&score),
                "{severity}: {score} not in {low}..={high}"
            );
        }
    }

    #[test]
    fn short_description_is_the_first_sentence() {
        let first = |text| first_sentence(text);
        assert_eq!(
            first("A key.\nLong-lived keys leak.\n").as_deref(),
            Some("A key.")
        );
        assert_eq!(
            first("Ids (e.g. `AKIA…`, v1.2) in\n  a file. More.").as_deref(),
            Some("Ids (e.g. `AKIA…`, v1.2) in a file.")
        );
        assert_eq!(first("no full stop").as_deref(), Some("no full stop"));
        assert_eq!(first("  \n"), None);
    }
}
