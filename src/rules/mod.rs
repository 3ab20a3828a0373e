//! Rules: loading and validating the YAML catalog (`load`), judging subjects against posture
//! rules (`eval`), finding secrets in text with detector rules (`detect`), and each rule's
//! self-test (`selftest`). Nothing here knows about input formats or report formats.

mod compile;
mod detect;
mod docs;
mod eval;
mod load;
mod overrides;
mod placeholder;
mod prefilter;
mod schema;
mod selftest;
mod validate;

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde_json::{Map, Value};
use time::OffsetDateTime;

pub use crate::diag::{LoadError, Problem};
pub use docs::docs;
pub(crate) use load::builtin_set;
pub use load::{BUILTIN_POLICY_VERSION, Builtin, RuleSources, load, load_user_text};
pub use overrides::{ParamOverride, RuleOverride, RuleOverrides, Selection};
pub use selftest::EXAMPLE_NOW;

use crate::model::{
    Confidence, KeyKind, SecretFacts, Severity, Subject, ViolatedCondition, sha256_hex,
};
pub use detect::SecretMatch;
use detect::{Detector, DetectorSet};
use eval::{Condition, Context};
use schema::{FailureClass, RawRule};

/// A validated rule, parameters resolved.
#[derive(Debug, Clone)]
pub struct Rule {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub description: String,
    pub message: String,
    failure_class: FailureClass,
    pub failure_mode: String,
    pub frameworks: Vec<String>,
    pub remediation: String,
    pub references: Vec<String>,
    pub params: BTreeMap<String, Value>,
    pub enabled: bool,
    /// Where the rule came from (`rules/aws/AWS001-….yaml` or a user path) and its text.
    pub path: String,
    pub text: String,
    body: Body,
    /// Severity refinements, in order; the first whose `when` holds applies.
    refine: Vec<Refine>,
    /// The rule as written: its examples, and the source of a recompile with other params.
    raw: RawRule,
}

#[derive(Debug, Clone)]
enum Body {
    Posture {
        subject: String,
        scope: Option<Condition>,
        when: Condition,
    },
    Detector(Detector),
}

/// A compiled `refine` entry.
#[derive(Debug, Clone)]
struct Refine {
    when: Condition,
    severity: Option<Severity>,
    message: Option<String>,
}

/// What a rule's `refine` block changes for one subject's finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Refinement<'a> {
    /// Replaces the rule's severity.
    pub severity: Option<Severity>,
    /// Replaces the rule's message template (render it as the rule's own).
    pub message: Option<&'a str>,
    /// The leaves of the entry's `when` that held.
    pub because: Vec<ViolatedCondition>,
}

impl Rule {
    /// The refinement of the first `refine` entry whose `when` holds on `attrs` at `now`.
    pub fn refinement(
        &self,
        attrs: &Map<String, Value>,
        now: OffsetDateTime,
    ) -> Option<Refinement<'_>> {
        self.refinement_at(attrs, &Context { now })
            .map(|(_, refinement)| refinement)
    }

    /// The refinement and the index of the entry that gave it.
    fn refinement_at(
        &self,
        attrs: &Map<String, Value>,
        ctx: &Context,
    ) -> Option<(usize, Refinement<'_>)> {
        self.refine.iter().enumerate().find_map(|(i, entry)| {
            let because = eval::holds(&entry.when, attrs, ctx)?;
            Some((
                i,
                Refinement {
                    severity: entry.severity,
                    message: entry.message.as_deref(),
                    because,
                },
            ))
        })
    }

    pub fn failure_class(&self) -> &'static str {
        self.failure_class.as_str()
    }

    /// `posture` or `detector`.
    pub fn rule_type(&self) -> &'static str {
        match self.body {
            Body::Posture { .. } => "posture",
            Body::Detector(_) => "detector",
        }
    }

    /// The subject kind a posture rule judges; `secret` for detectors.
    pub fn subject_kind(&self) -> &str {
        match &self.body {
            Body::Posture { subject, .. } => subject,
            Body::Detector(_) => "secret",
        }
    }

    pub fn example_counts(&self) -> (usize, usize) {
        (self.raw.examples.len(), self.raw.negative_examples.len())
    }

    /// `Some(violated leaves)` when the subject breaks this posture rule.
    fn judge(&self, attrs: &Map<String, Value>, ctx: &Context) -> Option<Vec<ViolatedCondition>> {
        let Body::Posture { scope, when, .. } = &self.body else {
            return None;
        };
        if let Some(scope) = scope {
            eval::holds(scope, attrs, ctx)?;
        }
        eval::holds(when, attrs, ctx)
    }

    /// Why a posture rule does not flag `attrs`: the leaves of `where` or `when` that failed.
    fn why_not(&self, attrs: &Map<String, Value>, ctx: &Context) -> Vec<ViolatedCondition> {
        let Body::Posture { scope, when, .. } = &self.body else {
            return Vec::new();
        };
        scope
            .as_ref()
            .and_then(|scope| eval::fails(scope, attrs, ctx))
            .or_else(|| eval::fails(when, attrs, ctx))
            .unwrap_or_default()
    }

    /// Renders the message template; `{{actual}}`, `{{expected}}`, `{{field}}` come from the
    /// first violated leaf, other names from parameters, then attributes, and `{{name}}`
    /// falls back to the subject's name. The second value lists names that resolved to nothing.
    fn render(
        &self,
        attrs: &Map<String, Value>,
        reason: Option<&ViolatedCondition>,
        subject_name: Option<&str>,
    ) -> (String, Vec<String>) {
        self.render_template(&self.message, attrs, reason, subject_name)
    }

    /// Renders `template` (the rule's message, or a refinement's) as `render` does.
    pub(crate) fn render_template(
        &self,
        template: &str,
        attrs: &Map<String, Value>,
        reason: Option<&ViolatedCondition>,
        subject_name: Option<&str>,
    ) -> (String, Vec<String>) {
        let mut out = String::with_capacity(template.len() + 32);
        let mut missing = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find("{{") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                rest = &rest[open..];
                break;
            };
            let name = after[..close].trim();
            let value = match (name, reason) {
                ("actual", Some(r)) => Some(r.actual.clone()),
                ("expected", Some(r)) => Some(r.expected.clone()),
                ("field", Some(r)) => Some(Value::String(r.field.clone())),
                _ => self
                    .params
                    .get(name)
                    .cloned()
                    .or_else(|| eval::get(attrs, name).cloned())
                    .or_else(|| {
                        (name == "name")
                            .then(|| subject_name.map(Value::from))
                            .flatten()
                    }),
            };
            match value {
                Some(v) => out.push_str(&display(&v)),
                None => {
                    missing.push(name.to_owned());
                    out.push('?');
                }
            }
            rest = &after[close + 2..];
        }
        out.push_str(rest);
        (out, missing)
    }
}

/// The value of attribute path `field` (`a.b[2]`); `None` when absent or null.
pub fn attribute<'a>(attrs: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    eval::get(attrs, field)
}

/// A value as messages show it: strings bare, null as `none`.
pub fn display(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "none".to_owned(),
        other => other.to_string(),
    }
}

/// The loaded catalog: built-in rules, a user's rules over them, config applied.
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_kind: HashMap<String, Vec<usize>>,
    detector_rules: Vec<usize>,
    detectors: DetectorSet,
    pub version: String,
    pub digest: String,
}

impl RuleSet {
    fn new(mut rules: Vec<Rule>, version: String) -> Self {
        rules.sort_by(|a, b| a.code.cmp(&b.code));
        let mut by_kind: HashMap<String, Vec<usize>> = HashMap::new();
        let mut detector_rules = Vec::new();
        for (i, rule) in rules.iter().enumerate().filter(|(_, r)| r.enabled) {
            match &rule.body {
                Body::Posture { subject, .. } => {
                    by_kind.entry(subject.clone()).or_default().push(i);
                }
                Body::Detector(_) => detector_rules.push(i),
            }
        }
        let detectors =
            DetectorSet::new(detector_rules.iter().filter_map(|&i| match &rules[i].body {
                Body::Detector(d) => Some(d),
                Body::Posture { .. } => None,
            }));
        let mut digest_input = String::new();
        for rule in &rules {
            digest_input.push_str(&rule.code);
            digest_input.push('\0');
            digest_input.push_str(&rule.text);
            digest_input.push('\0');
            digest_input.push_str(&format!(
                "{:?}{}{:?}",
                rule.severity, rule.enabled, rule.params
            ));
            digest_input.push('\0');
        }
        let digest = format!("sha256:{}", sha256_hex(digest_input.as_bytes()));
        Self {
            rules,
            by_kind,
            detector_rules,
            detectors,
            version,
            digest,
        }
    }

    /// Every rule, enabled or not, ordered by code.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, code: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.code.eq_ignore_ascii_case(code))
    }

    /// The verdicts of every enabled rule on one subject: the posture rules of its kind, or,
    /// for a secret, the detector rule that found it; each refined by the rule's first
    /// `refine` entry that holds (a leaked key that is live becomes critical).
    pub fn judge(&self, subject: &Subject, now: OffsetDateTime) -> Vec<Verdict> {
        let ctx = Context { now };
        let verdicts: Vec<Verdict> = if let Some(secret) = &subject.secret {
            self.detector_index(&secret.detector)
                .map(|i| self.secret_verdict(i, subject, secret))
                .into_iter()
                .collect()
        } else {
            let Some(indices) = self.by_kind.get(&subject.kind) else {
                return Vec::new();
            };
            indices
                .iter()
                .filter_map(|&i| {
                    let rule = &self.rules[i];
                    let because = rule.judge(&subject.attrs, &ctx)?;
                    let (message, _) =
                        rule.render(&subject.attrs, because.first(), Some(&subject.name));
                    Some(Verdict {
                        rule: i,
                        severity: rule.severity,
                        confidence: rule.confidence,
                        message,
                        because,
                    })
                })
                .collect()
        };
        verdicts
            .into_iter()
            .map(|verdict| self.refined(verdict, subject, now))
            .collect()
    }

    /// `verdict` with its rule's refinement applied: severity and message replaced, and the
    /// refinement's leaves added to the reasons.
    fn refined(&self, mut verdict: Verdict, subject: &Subject, now: OffsetDateTime) -> Verdict {
        let rule = &self.rules[verdict.rule];
        let Some(refinement) = rule.refinement(&subject.attrs, now) else {
            return verdict;
        };
        if let Some(severity) = refinement.severity {
            verdict.severity = severity;
        }
        if let Some(template) = refinement.message {
            let (message, _) = rule.render_template(
                template,
                &subject.attrs,
                verdict.because.first(),
                Some(&subject.name),
            );
            verdict.message = message;
        }
        verdict.because.extend(refinement.because);
        verdict
    }

    fn detector_index(&self, code: &str) -> Option<usize> {
        self.detector_rules
            .iter()
            .copied()
            .find(|&i| self.rules[i].code == code)
    }

    fn secret_verdict(&self, i: usize, subject: &Subject, secret: &SecretFacts) -> Verdict {
        let rule = &self.rules[i];
        let pattern = match &rule.body {
            Body::Detector(detector) => detector.pattern.as_str(),
            Body::Posture { .. } => "",
        };
        let (message, _) = rule.render(&subject.attrs, None, Some(&subject.name));
        Verdict {
            rule: i,
            severity: rule.severity,
            confidence: if secret.pair.is_some() {
                Confidence::High
            } else {
                rule.confidence
            },
            message,
            because: vec![ViolatedCondition {
                field: "text".to_owned(),
                attribute: None,
                op: "matches".to_owned(),
                expected: Value::String(pattern.to_owned()),
                actual: Value::String(secret.redacted.clone()),
                unit: None,
            }],
        }
    }

    /// Secrets in `text`: each match of an enabled detector rule, with the rule's code and
    /// the identity-key kind its value is, when it is an identifier (`aws.access_key_id`).
    /// A text over two [`detect::PIECE`]s is searched by its detectors in parallel.
    pub fn detect<'r>(&'r self, text: &str) -> Vec<Detection<'r>> {
        let hits = self.detectors.hits(text);
        let found = |(c, hits): &(usize, Vec<usize>)| {
            let rule = &self.rules[self.detector_rules[*c]];
            let detector = match &rule.body {
                Body::Detector(detector) => Some(detector),
                Body::Posture { .. } => None,
            };
            let matches =
                detector.map(|detector| (detector, detector.find_near_keywords(text, hits)));
            matches.into_iter().flat_map(move |(detector, matches)| {
                matches.into_iter().map(move |found| Detection {
                    code: &rule.code,
                    confidence: rule.confidence,
                    severity: rule.severity,
                    provider: &detector.provider,
                    identity: detector.identity,
                    pair_name: detector.pair.as_ref().map(|p| p.name.as_str()),
                    found,
                })
            })
        };
        if text.len() > 2 * detect::PIECE {
            hits.par_iter().flat_map_iter(found).collect()
        } else {
            hits.iter().flat_map(found).collect()
        }
    }
}

/// One rule's judgement of one subject: the violated leaves, and the severity and message
/// that follow from them.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Index of the rule in `RuleSet::rules`.
    pub rule: usize,
    pub severity: Severity,
    pub confidence: Confidence,
    pub message: String,
    pub because: Vec<ViolatedCondition>,
}

/// A detector's match in a text.
#[derive(Debug)]
pub struct Detection<'r> {
    pub code: &'r str,
    pub confidence: Confidence,
    pub severity: Severity,
    pub provider: &'r str,
    /// The name of the companion secret the rule pairs with, when it has one.
    pub pair_name: Option<&'r str>,
    /// The identity-key kind of the matched value, when it is an identifier.
    pub identity: Option<KeyKind>,
    pub found: SecretMatch,
}
