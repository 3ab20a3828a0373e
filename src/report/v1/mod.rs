//! The report contract, major version 1 (`schema_version` "1.x"): the output types every
//! format renders from, converted from the internal model, never the internal structs
//! serialised directly. `docs/report.schema.json` describes it, and a test validates the
//! demo's report against it. The types borrow from the scan result and the rules, so rule
//! text is stored once however many findings cite it.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use crate::model::{
    Confidence, InputError, Location, RelatedLocation, Severity, Subject, SubjectRef,
    ViolatedCondition,
};
use crate::pipeline::{SPILL_SEPARATOR, ScanResult, Settled, Spill, spill_items};
use crate::rules::{Rule, RuleSet};

/// Bumped on any change to the document's shape: the major number on a breaking change.
pub const SCHEMA_VERSION: &str = "1.3";

fn is_one(n: &u64) -> bool {
    *n == 1
}

/// The scan's context, which the scan result does not carry.
#[derive(Debug, Clone)]
pub struct Context {
    pub started_at: String,
    pub now: String,
    pub roots: Vec<String>,
    /// A severity, or `None` for `--fail-on never`.
    pub fail_on: Option<Severity>,
    /// How long reading and judging the inputs took (not in the JSON contract).
    pub elapsed: Option<std::time::Duration>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report<'a> {
    pub schema_version: &'static str,
    pub tool: Tool,
    pub policy: Policy<'a>,
    pub scan: ScanInfo,
    pub summary: Summary,
    pub findings: Vec<Finding<'a>>,
    pub inventory: Inventory<'a>,
    pub errors: &'a [InputError],
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Policy<'a> {
    pub version: &'a str,
    /// `sha256:` over every loaded rule's text and its effective severity, state and params.
    pub digest: &'a str,
    pub rules: Vec<RuleInfo<'a>>,
}

/// What a report needs to know of a rule (SARIF rule metadata, `rules list`).
#[derive(Debug, Clone, Serialize)]
pub struct RuleInfo<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub severity: Severity,
    pub confidence: Confidence,
    pub enabled: bool,
    #[serde(rename = "type")]
    pub rule_type: &'static str,
    pub subject: &'a str,
    pub description: &'a str,
    pub failure_class: &'static str,
    pub failure_mode: &'a str,
    pub frameworks: &'a [String],
    pub remediation: &'a str,
    pub references: &'a [String],
    pub params: &'a std::collections::BTreeMap<String, Value>,
}

impl<'a> RuleInfo<'a> {
    pub fn new(rule: &'a Rule) -> Self {
        Self {
            code: &rule.code,
            name: &rule.name,
            severity: rule.severity,
            confidence: rule.confidence,
            enabled: rule.enabled,
            rule_type: rule.rule_type(),
            subject: rule.subject_kind(),
            description: &rule.description,
            failure_class: rule.failure_class(),
            failure_mode: &rule.failure_mode,
            frameworks: &rule.frameworks,
            remediation: &rule.remediation,
            references: &rule.references,
            params: &rule.params,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ScanInfo {
    pub started_at: String,
    /// The `now` used for every age computation (`--now`, else the start time).
    pub now: String,
    pub roots: Vec<String>,
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    /// Files skipped because their content is binary and no adapter claimed them.
    pub files_binary: u64,
    /// Files larger than `--max-file-size` (scanned for secrets in chunks).
    pub files_too_large: u64,
    /// How many files each adapter read (`text` counts every text file).
    pub files_by_source: Map<String, Value>,
    /// How long reading and judging the inputs took: shown by the table, not part of the
    /// JSON contract (schema 1.2 has no room for it).
    #[serde(skip)]
    pub elapsed: Option<std::time::Duration>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub findings: u64,
    pub suppressed: u64,
    pub by_severity: Map<String, Value>,
    pub subjects: u64,
    pub errors: u64,
    /// A severity, or `never` (`--fail-on never`).
    pub fail_on: String,
    /// Whether a finding at or above `fail_on` was found (exit code 1).
    pub failed: bool,
}

/// One finding, with its rule's metadata.
#[derive(Debug, Clone, Serialize)]
pub struct Finding<'a> {
    pub code: &'a str,
    pub rule: &'a str,
    pub severity: Severity,
    pub confidence: Confidence,
    pub message: &'a str,
    pub violated_condition: &'a [ViolatedCondition],
    pub subject: &'a SubjectRef,
    pub location: &'a Location,
    /// Other places that explain the finding, each with a label; other places of the same
    /// secret are labelled `same secret` (at most 20 listed).
    pub related_locations: &'a [RelatedLocation],
    /// Every place of a secret found in more than one, listed or not (absent when 1).
    #[serde(skip_serializing_if = "is_one")]
    pub occurrences: u64,
    /// Redacted: never a whole secret.
    pub evidence: &'a str,
    pub failure_class: &'static str,
    pub failure_mode: &'a str,
    pub frameworks: &'a [String],
    pub remediation: &'a str,
    /// The issue: stable across runs, line shifts and (for secrets) paths.
    pub fingerprint: &'a str,
    /// This occurrence of the issue (fingerprint + path + rank in the file).
    pub location_fingerprint: &'a str,
    /// Null, or why the finding does not count.
    pub suppressed: Option<&'a str>,
}

/// One NHI or asset seen, whether or not a rule flagged it.
#[derive(Debug, Clone, Serialize)]
pub struct InventoryItem<'a> {
    pub kind: &'a str,
    pub provider: &'a str,
    pub id: &'a str,
    pub name: &'a str,
    pub path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub attributes: &'a Map<String, Value>,
}

impl<'a> InventoryItem<'a> {
    fn new(subject: &'a Subject) -> Self {
        Self {
            kind: &subject.kind,
            provider: &subject.provider,
            id: &subject.id,
            name: &subject.name,
            path: &subject.origin.path,
            line: subject.origin.span().map(|s| s.line),
            attributes: &subject.attrs,
        }
    }
}

/// Every subject of the scan in report order: those held in memory and, merged in by
/// path, the settled ones whose items wait in the spill (rendered by [`render_inventory`]).
#[derive(Debug, Clone)]
pub struct Inventory<'a> {
    subjects: &'a [Subject],
    settled: &'a [Settled],
    spill: Option<&'a Spill>,
}

impl Serialize for Inventory<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(None)?;
        let mut buffer = Vec::new();
        let mut subjects = self.subjects.iter().peekable();
        for settled in self.settled {
            while let Some(subject) = subjects.next_if(|s| *s.origin.path <= *settled.path) {
                seq.serialize_element(&InventoryItem::new(subject))?;
            }
            let spill = self.spill.ok_or_else(|| {
                S::Error::custom("the inventory of settled inputs was not kept (no spill)")
            })?;
            if let Some(failed) = spill.failed() {
                return Err(S::Error::custom(failed));
            }
            for segment in &settled.inventory {
                spill
                    .read(*segment, &mut buffer)
                    .map_err(S::Error::custom)?;
                for item in spill_items(&buffer) {
                    let raw: &RawValue = serde_json::from_slice(item).map_err(S::Error::custom)?;
                    seq.serialize_element(raw)?;
                }
            }
        }
        for subject in subjects {
            seq.serialize_element(&InventoryItem::new(subject))?;
        }
        seq.end()
    }
}

/// Renders `subjects` as inventory items for the spill, each as it appears in the pretty
/// JSON report (indented for its place in the `inventory` array) and followed by the spill's
/// separator.
pub(crate) fn render_inventory(subjects: &[Subject], out: &mut Vec<u8>) {
    let mut item = Vec::new();
    for subject in subjects {
        item.clear();
        if serde_json::to_writer_pretty(&mut item, &InventoryItem::new(subject)).is_err() {
            continue;
        }
        for line in item.split_inclusive(|b| *b == b'\n') {
            out.extend_from_slice(line);
            if line.ends_with(b"\n") {
                out.extend_from_slice(INVENTORY_INDENT);
            }
        }
        out.push(SPILL_SEPARATOR);
    }
}

/// The indentation of an inventory item's lines in the pretty JSON report: two levels
/// (the document, the `inventory` array) of serde_json's two spaces.
const INVENTORY_INDENT: &[u8] = b"    ";

impl<'a> Report<'a> {
    /// The document for `result`, judged by `rules`.
    pub fn new(result: &'a ScanResult, rules: &'a RuleSet, context: Context) -> Self {
        let by_code: HashMap<&str, &Rule> =
            rules.rules().iter().map(|r| (r.code.as_str(), r)).collect();
        let findings: Vec<Finding<'a>> = result
            .findings
            .iter()
            .filter_map(|f| {
                let rule = by_code.get(f.code.as_str())?;
                Some(Finding {
                    code: &f.code,
                    rule: &rule.name,
                    severity: f.severity,
                    confidence: f.confidence,
                    message: &f.message,
                    violated_condition: &f.violated_condition,
                    subject: &f.subject,
                    location: &f.location,
                    related_locations: &f.related,
                    occurrences: f.occurrences,
                    evidence: &f.evidence,
                    failure_class: rule.failure_class(),
                    failure_mode: &rule.failure_mode,
                    frameworks: &rule.frameworks,
                    remediation: &rule.remediation,
                    fingerprint: &f.fingerprint,
                    location_fingerprint: &f.location_fingerprint,
                    suppressed: f.suppressed.as_ref().map(|s| s.reason.as_str()),
                })
            })
            .collect();
        let active = findings.iter().filter(|f| f.suppressed.is_none());
        let failed = context
            .fail_on
            .is_some_and(|t| active.clone().any(|f| f.severity >= t));
        let mut by_severity = Map::new();
        for severity in [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ] {
            let n = active.clone().filter(|f| f.severity == severity).count();
            by_severity.insert(severity.as_str().to_owned(), json!(n));
        }
        let suppressed = findings.iter().filter(|f| f.suppressed.is_some()).count() as u64;
        let stats = &result.stats;
        Self {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "nhiscan",
                version: env!("CARGO_PKG_VERSION"),
            },
            policy: Policy {
                version: &rules.version,
                digest: &rules.digest,
                rules: rules.rules().iter().map(RuleInfo::new).collect(),
            },
            scan: ScanInfo {
                started_at: context.started_at,
                now: context.now,
                roots: context.roots,
                files_scanned: stats.files_scanned,
                bytes_scanned: stats.bytes_scanned,
                files_binary: stats.files_binary,
                files_too_large: stats.files_too_large,
                files_by_source: stats
                    .files_by_source
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), json!(v)))
                    .collect(),
                elapsed: context.elapsed,
            },
            summary: Summary {
                findings: findings.len() as u64 - suppressed,
                suppressed,
                by_severity,
                subjects: result.subject_count(),
                errors: result.errors.len() as u64,
                fail_on: context
                    .fail_on
                    .map_or_else(|| "never".to_owned(), |t| t.as_str().to_owned()),
                failed,
            },
            inventory: Inventory {
                subjects: &result.subjects,
                settled: &result.settled,
                spill: result.spill.as_deref(),
            },
            findings,
            errors: &result.errors,
        }
    }
}
