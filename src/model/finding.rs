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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// The leaf of a rule's condition that the subject failed, with both sides of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViolatedCondition {
    /// Attribute path, `last_rotated` or `policies[2].name`.
    pub field: String,
    /// Operator as written in the rule; `not <op>` where the leaf failed under a `not`.
    pub op: String,
    /// The limit the rule set (parameters resolved).
    pub expected: Value,
    /// What the subject had (for age operators: the age in days).
    pub actual: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub code: String,
    pub rule: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub message: String,
    pub violated_condition: Vec<ViolatedCondition>,
    pub subject: SubjectRef,
    pub location: Location,
    /// Redacted: never a whole secret.
    pub evidence: String,
    pub failure_class: String,
    pub failure_mode: String,
    pub frameworks: Vec<String>,
    pub remediation: String,
    pub fingerprint: String,
    pub suppressed: Option<String>,
}
