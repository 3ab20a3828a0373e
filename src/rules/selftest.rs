//! A rule's self-test: its `examples` must violate it (naming the field `violates` gives),
//! its `negative_examples` must pass, its message must render, and a detector's keywords must
//! occur in every example, or the prefilter would hide a true positive. Run on every load,
//! by `nhiscan rules test` and by `cargo test`.

use time::OffsetDateTime;
use time::macros::datetime;

use super::eval::{Context, parse_time};
use super::schema::RawExample;
use super::{Body, Rule};
use crate::model::Step;

/// The `now` of examples that do not set one.
pub(crate) const EXAMPLE_NOW: OffsetDateTime = datetime!(2026-06-01 00:00 UTC);

/// One failed expectation, at a route into the rule's YAML.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub route: Vec<Step>,
    pub message: String,
}

pub(crate) fn check(rule: &Rule) -> Vec<Failure> {
    let mut failures = Vec::new();
    for (negative, key, list) in [
        (false, "examples", &rule.raw.examples),
        (true, "negative_examples", &rule.raw.negative_examples),
    ] {
        for (i, example) in list.iter().enumerate() {
            let route = vec![Step::from(key), Step::from(i)];
            if let Some(message) = check_one(rule, example, negative) {
                failures.push(Failure { route, message });
            }
        }
    }
    failures
}

fn check_one(rule: &Rule, example: &RawExample, negative: bool) -> Option<String> {
    match (&rule.body, example) {
        (Body::Detector(detector), RawExample::Text(text)) => {
            let found = detector.find_all(text);
            match (negative, found.is_empty()) {
                (false, true) => Some("example does not match the detector".to_owned()),
                (true, false) => Some("negative example matches the detector".to_owned()),
                (false, false) if !detector.prefilter_hits(text) => Some(format!(
                    "example contains none of the keywords {:?}, so the prefilter would skip it",
                    detector.keywords
                )),
                _ => None,
            }
        }
        (Body::Posture { .. }, RawExample::Subject(example)) => {
            let now = match &example.now {
                Some(text) => match parse_time(&serde_json::Value::String(text.clone())) {
                    Some(now) => now,
                    None => return Some(format!("`now: {text}` is not an RFC 3339 time")),
                },
                None => EXAMPLE_NOW,
            };
            let verdict = rule.judge(&example.attrs, &Context { now });
            match (negative, verdict) {
                (true, Some(reasons)) => Some(format!(
                    "negative example violates the rule ({})",
                    reasons
                        .iter()
                        .map(|r| format!("{} {} {}", r.field, r.op, r.expected))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                (false, None) => Some("example does not violate the rule".to_owned()),
                (false, Some(reasons)) => {
                    if let Some(field) = &example.violates
                        && !reasons.iter().any(|r| &r.field == field)
                    {
                        let got: Vec<_> = reasons.iter().map(|r| r.field.as_str()).collect();
                        return Some(format!("example violates {got:?}, not `{field}`"));
                    }
                    let (_, missing) = rule.render(&example.attrs, reasons.first(), None);
                    (!missing.is_empty()).then(|| {
                        format!(
                            "message template leaves {{{{{}}}}} unresolved",
                            missing.join("}}, {{")
                        )
                    })
                }
                (true, None) => None,
            }
        }
        _ => None,
    }
}
