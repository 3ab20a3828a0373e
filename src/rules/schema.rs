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

    /// Severity refinements: the first entry whose `when` holds on the subject applies.
    #[serde(default)]
    pub refine: Vec<RawRefinement>,
}

/// One `refine` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRefinement {
    /// Evaluated on the subject's attributes, in the language of `when`.
    pub when: RawCondition,
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Replaces the rule's message template.
    #[serde(default)]
    pub message: Option<String>,
    /// Subjects this entry must refine, run by the self-test.
    #[serde(default)]
    pub examples: Vec<RawRefineExample>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRefineExample {
    pub attrs: serde_json::Map<String, Value>,
    /// RFC 3339; default 2026-06-01T00:00:00Z.
    #[serde(default)]
    pub now: Option<String>,
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

/// What an operator takes as its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Takes {
    /// A scalar, a date or `"{{now}}"`.
    Value,
    /// A list of scalars.
    List,
    /// A regex string.
    Regex,
    /// `true` or `false`.
    Bool,
    /// A number of days, zero or more.
    Days,
    /// A nested condition, evaluated on each item of a list.
    Condition,
}

/// Declares the operator table: the `Operator` enum, its names, what each takes, and `ALL`
/// in documentation order. Parsing, compilation, help texts and the docs test derive from it.
macro_rules! operators {
    ($($variant:ident = $name:literal, $takes:ident;)*) => {
        /// A leaf condition's operator.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Operator {
            $($variant,)*
        }

        impl Operator {
            /// Every operator, in the order they are documented.
            pub(crate) const ALL: &[Self] = &[$(Self::$variant,)*];

            /// The key that names the operator in a rule file.
            pub(crate) const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }

            pub(crate) const fn takes(self) -> Takes {
                match self {
                    $(Self::$variant => Takes::$takes,)*
                }
            }
        }
    };
}

operators! {
    Eq = "eq", Value;
    Ne = "ne", Value;
    In = "in", List;
    NotIn = "not_in", List;
    Gt = "gt", Value;
    Gte = "gte", Value;
    Lt = "lt", Value;
    Lte = "lte", Value;
    Contains = "contains", Value;
    Matches = "matches", Regex;
    Exists = "exists", Bool;
    OlderThanDays = "older_than_days", Days;
    NewerThanDays = "newer_than_days", Days;
    WithinNextDays = "within_next_days", Days;
    AnyOf = "any_of", Condition;
    AllOf = "all_of", Condition;
}

impl Operator {
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|op| op.name() == name)
    }

    /// `eq, ne, in, …`: the list for help texts.
    pub(crate) fn names() -> String {
        Self::ALL
            .iter()
            .map(|op| op.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The keys of a condition other than operators.
pub(crate) const CONDITION_KEYS: &[&str] = &["all", "any", "not", "field"];

/// One node of a condition tree: exactly one of `all`, `any`, `not`, or a leaf
/// (`field` plus exactly one operator). Deserialized by hand so that every operator key comes
/// from [`Operator`]; keys that are neither are kept in `unknown`, and `compile` reports each
/// at its line with a suggestion.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawCondition {
    pub all: Option<Vec<Self>>,
    pub any: Option<Vec<Self>>,
    pub not: Option<Box<Self>>,
    pub field: Option<String>,
    /// The operator keys, in the order written.
    pub operators: Vec<(Operator, RawOperand)>,
    pub unknown: Vec<String>,
}

/// An operator's value as written: a nested condition for `any_of` / `all_of`.
#[derive(Debug, Clone)]
pub(crate) enum RawOperand {
    Value(Value),
    Condition(Box<RawCondition>),
}

impl<'de> Deserialize<'de> for RawCondition {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ConditionVisitor)
    }
}

struct ConditionVisitor;

impl<'de> serde::de::Visitor<'de> for ConditionVisitor {
    type Value = RawCondition;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a condition: a mapping with `all`, `any`, `not`, or `field` and an operator")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RawCondition, A::Error> {
        fn once<T, E: serde::de::Error>(
            slot: &mut Option<T>,
            key: &'static str,
            value: T,
        ) -> Result<(), E> {
            if slot.replace(value).is_some() {
                return Err(E::duplicate_field(key));
            }
            Ok(())
        }
        let mut out = RawCondition::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "all" => once(&mut out.all, "all", map.next_value()?)?,
                "any" => once(&mut out.any, "any", map.next_value()?)?,
                "not" => once(&mut out.not, "not", map.next_value()?)?,
                "field" => once(&mut out.field, "field", map.next_value()?)?,
                name => match Operator::from_name(name) {
                    Some(op) if op.takes() == Takes::Condition => out
                        .operators
                        .push((op, RawOperand::Condition(map.next_value()?))),
                    Some(op) => out
                        .operators
                        .push((op, RawOperand::Value(map.next_value()?))),
                    None => {
                        map.next_value::<serde::de::IgnoredAny>()?;
                        out.unknown.push(key);
                    }
                },
            }
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDetector {
    /// Regex; the first capture group (or the group named `secret`) is the secret.
    pub pattern: String,
    /// Literal strings, one of which occurs in every match (case-sensitive): the
    /// Aho-Corasick prefilter.
    pub keywords: Vec<String>,
    /// Regex the text right after a keyword occurrence must match (anchored there) for the
    /// pattern to be searched around that occurrence: a cheap test that skips the many
    /// occurrences of a common keyword (`token`, `pat`) that cannot be part of a match.
    #[serde(default)]
    pub followed_by: Option<String>,
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The operators named in the first column of the table under `### Operators`.
    fn documented_operators() -> BTreeSet<String> {
        let docs = include_str!("../../docs/writing-rules.md");
        let section = docs
            .split_once("### Operators")
            .expect("docs/writing-rules.md has an Operators section")
            .1;
        let section = section.split("\n#").next().unwrap_or(section);
        section
            .lines()
            .filter_map(|line| line.strip_prefix('|')?.split('|').next())
            .flat_map(|cell| cell.split(',').map(str::trim))
            .filter_map(|name| name.strip_prefix('`')?.strip_suffix('`'))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_operator_is_documented_and_every_documented_operator_exists() {
        let table: BTreeSet<String> = Operator::ALL
            .iter()
            .map(|op| op.name().to_owned())
            .collect();
        assert_eq!(documented_operators(), table);
    }

    #[test]
    fn operator_names_round_trip() {
        for op in Operator::ALL {
            assert_eq!(Operator::from_name(op.name()), Some(*op));
        }
        assert_eq!(Operator::from_name("olderthan_days"), None);
    }

    #[test]
    fn a_leaf_keeps_every_key_it_was_given() {
        let raw: RawCondition = serde_yaml::from_str(
            "{ field: a, eq: 1, olderthan_days: 3, any_of: { field: b, exists: true } }",
        )
        .unwrap();
        assert_eq!(raw.field.as_deref(), Some("a"));
        let ops: Vec<_> = raw.operators.iter().map(|(op, _)| *op).collect();
        assert_eq!(ops, [Operator::Eq, Operator::AnyOf]);
        assert!(matches!(raw.operators[1].1, RawOperand::Condition(_)));
        assert_eq!(raw.unknown, ["olderthan_days"]);
        let twice = serde_yaml::from_str::<RawCondition>("{ field: a, field: b, eq: 1 }");
        assert!(twice.is_err());
    }
}
