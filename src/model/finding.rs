//! A finding: one rule violated by one subject, with the condition that failed.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Location, SubjectRef};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// The leaf of a rule's condition that the subject failed, with both sides of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViolatedCondition {
    /// Where the value is: the full route into the input's document when the adapter read
    /// it from one (`jobs.deploy.permissions`, `AccessKeyMetadata[0].Status`), else the
    /// attribute path (`last_rotated`, `policies[2].name`).
    pub field: String,
    /// The attribute path the rule named, when `field` is a document route that differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// Operator as written in the rule; `not <op>` where the leaf failed under a `not`.
    pub op: String,
    /// The limit the rule set (parameters resolved).
    pub expected: Value,
    /// What the subject had (for age operators: the age in days).
    pub actual: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'static str>,
}

/// One rule violated by one subject: the internal form the stages after judging work on.
/// Rule metadata (name, failure mode, remediation) is not copied into each finding; the
/// report looks it up by code.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub code: String,
    /// The rule's severity, or a refinement's (a leaked key that is live is critical).
    pub severity: Severity,
    pub confidence: Confidence,
    pub message: String,
    pub violated_condition: Vec<ViolatedCondition>,
    pub subject: SubjectRef,
    pub location: Location,
    /// Other places that explain the finding (the export row of a leaked key's identity),
    /// then other places of the same secret (labelled `same secret`, at most
    /// `pipeline::MAX_SAME_SECRET_LISTED`).
    pub related: Vec<RelatedLocation>,
    /// How many places hold the issue: 1, or for a secret every place it was found in,
    /// listed or not.
    pub occurrences: u64,
    /// Redacted: never a whole secret.
    pub evidence: String,
    /// The issue: code + subject identity, or code + keyed hash of a secret. No path, no
    /// line: the same secret in two files is one issue, seen twice.
    pub fingerprint: String,
    /// This occurrence of the issue: fingerprint + path + its rank among the issue's
    /// occurrences in that file. Stable across line shifts.
    pub location_fingerprint: String,
    pub suppressed: Option<Suppression>,
    pub owner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RelatedLocation {
    pub label: String,
    pub location: Location,
}

/// Why a finding does not count: governance decided so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub kind: SuppressionKind,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionKind {
    /// An approved exception (approver and expiry in the reason).
    Exception,
    /// An `nhiscan:ignore` comment at the location.
    InlineIgnore,
    /// Present in the baseline the scan was compared with.
    Baseline,
}
