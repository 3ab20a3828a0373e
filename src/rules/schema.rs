//! The rule file format as written on disk. Every struct denies unknown fields, so a typo'd
//! key is an error with a line, never a silently ignored condition. `load.rs` turns these
//! raw structs into validated `Rule`s.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::model::{Confidence, Severity};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    #[serde(default)]
    pub confidence: Option<Confidence>,
    /// One paragraph for `rules show`: what the rule checks and why it matters.
    #[serde(default)]
    pub description: Option<String>,
    pub message: String,
    pub failure_class: FailureClass,
    pub failure_mode: String,
    pub frameworks: Vec<String>,
    pub remediation: String,
    #[serde(default)]
    pub references: Vec<String>,

    /// Posture rules: the subject kind they judge.
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
    /// Posture rules: which subjects the rule applies to; never reported as the reason.
    #[serde(default, rename = "where")]
    pub scope: Option<RawCondition>,
    /// Posture rules: the bad condition; its satisfied leaves are the violated conditions.
    #[serde(default)]
    pub when: Option<RawCondition>,

    /// Detector rules: a regex over text.
    #[serde(default)]
    pub detect: Option<RawDetector>,

    #[serde(default)]
    pub examples: Vec<RawExample>,
    #[serde(default)]
    pub negative_examples: Vec<RawExample>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FailureClass {
    Drift,
    Misconfiguration,
    Exposure,
    SuspectedCompromise,
}

impl FailureClass {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Drift => "drift",
            Self::Misconfiguration => "misconfiguration",
            Self::Exposure => "exposure",
            Self::SuspectedCompromise => "suspected_compromise",
        }
    }
}

/// One node of a condition tree: exactly one of `all`, `any`, `not`, or a leaf
/// (`field` plus exactly one operator). Checked in `load.rs`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCondition {
    pub all: Option<Vec<Self>>,
    pub any: Option<Vec<Self>>,
    pub not: Option<Box<Self>>,
    pub field: Option<String>,
    pub eq: Option<Value>,
    pub ne: Option<Value>,
    #[serde(rename = "in")]
    pub in_: Option<Value>,
    pub not_in: Option<Value>,
    pub gt: Option<Value>,
    pub gte: Option<Value>,
    pub lt: Option<Value>,
    pub lte: Option<Value>,
    pub contains: Option<Value>,
    pub matches: Option<Value>,
    pub exists: Option<Value>,
    pub older_than_days: Option<Value>,
    pub newer_than_days: Option<Value>,
    pub within_next_days: Option<Value>,
    pub any_of: Option<Box<Self>>,
    pub all_of: Option<Box<Self>>,
}

/// Operator names in the order they are documented.
pub(crate) const OPERATORS: &[&str] = &[
    "eq",
    "ne",
    "in",
    "not_in",
    "gt",
    "gte",
    "lt",
    "lte",
    "contains",
    "matches",
    "exists",
    "older_than_days",
    "newer_than_days",
    "within_next_days",
    "any_of",
    "all_of",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDetector {
    /// Regex; the first capture group (or the group named `secret`) is the secret.
    pub pattern: String,
    /// Literal strings, one of which occurs in every match (case-sensitive): the
    /// Aho-Corasick prefilter.
    pub keywords: Vec<String>,
    /// Minimum Shannon entropy (bits per character) of the captured secret.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// Provider of the credential (`aws`, `github`); the `secret` subject's provider.
    pub provider: String,
    /// Regexes for values that are known not to be secrets (documentation examples,
    /// placeholders); a captured secret matching one is ignored.
    #[serde(default)]
    pub allow: Vec<String>,
    /// A checksum the secret carries; a match whose checksum is wrong is not a secret.
    #[serde(default)]
    pub checksum: Option<Checksum>,
    /// A companion secret searched for near each match (an AWS key id's secret key).
    #[serde(default)]
    pub pair: Option<RawPair>,
    /// The identity-key kind of the matched value when it is an identifier other inputs
    /// know it by (`aws.access_key_id`), so correlation can join it to an export.
    #[serde(default)]
    pub identity: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPair {
    pub name: String,
    pub pattern: String,
    #[serde(default = "default_within_lines")]
    pub within_lines: u32,
}

fn default_within_lines() -> u32 {
    5
}

/// Checksums built into credential formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Checksum {
    /// GitHub's `gh?_` tokens: the last 6 characters are the base62 CRC-32 of the 30 before
    /// them. Fine-grained `github_pat_` tokens carry none and always pass.
    Github,
}

/// An example: a string for detector rules, a subject for posture rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawExample {
    Text(String),
    Subject(RawSubjectExample),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSubjectExample {
    pub attrs: serde_json::Map<String, Value>,
    /// RFC 3339; default 2026-06-01T00:00:00Z.
    #[serde(default)]
    pub now: Option<String>,
    /// The field of the leaf the example must violate.
    #[serde(default)]
    pub violates: Option<String>,
}
