//! The JSON contract (`--format json`), version `SCHEMA_VERSION`, separate from internal
//! types so that refactoring never changes what users parse. `docs/report.schema.json`
//! describes it and a test holds the two together. Every other format renders from this.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::model::{Confidence, Finding, InputError, Severity, Span};

/// Bumped on any breaking change to the document's shape.
pub const SCHEMA_VERSION: &str = "1.0";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: &'static str,
    pub tool: Tool,
    pub policy: Policy,
    pub scan: ScanInfo,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    pub inventory: Vec<InventoryItem>,
    pub errors: Vec<InputError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub version: String,
    /// `sha256:` over every loaded rule's text and its effective severity, state and params.
    pub digest: String,
    pub rules: Vec<RuleInfo>,
}

/// What a report needs to know of a rule (SARIF rule metadata, `rules list`).
#[derive(Debug, Clone, Serialize)]
pub struct RuleInfo {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub enabled: bool,
    #[serde(rename = "type")]
    pub rule_type: &'static str,
    pub subject: String,
    pub description: String,
    pub failure_class: String,
    pub failure_mode: String,
    pub frameworks: Vec<String>,
    pub remediation: String,
    pub references: Vec<String>,
    pub params: Map<String, Value>,
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

/// One NHI or asset seen, whether or not a rule flagged it.
#[derive(Debug, Clone, Serialize)]
pub struct InventoryItem {
    pub kind: String,
    pub provider: String,
    pub id: String,
    pub name: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub attributes: Map<String, Value>,
}

impl InventoryItem {
    pub(crate) fn new(subject: &crate::model::Subject) -> Self {
        Self {
            kind: subject.kind.clone(),
            provider: subject.provider.clone(),
            id: subject.id.clone(),
            name: subject.name.clone(),
            path: subject.origin.path.clone(),
            line: subject.origin.span.map(|s: Span| s.line),
            attributes: subject.attrs.clone(),
        }
    }
}
