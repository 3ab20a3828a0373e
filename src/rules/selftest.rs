//! A rule's self-test: its `examples` must violate it (naming the field `violates` gives),
//! its `negative_examples` must pass, its message must render, and a detector's keywords must
//! occur in every example, or the prefilter would hide a true positive. Each `refine` entry's
//! `examples` must be refined by that entry, and a refined message must render too. Run on every load,
//! by `nhiscan rules test` and by `cargo test`.

use time::OffsetDateTime;
use time::macros::datetime;

use super::eval::Context;
use super::schema::{RawExample, RawRefineExample, RawSubjectExample};
use super::{Body, Rule, display};
use crate::model::time::{format_time, parse_time};
use crate::model::{Step, ViolatedCondition};

/// The `now` of examples that do not set one (documented in docs/writing-rules.md).
pub const EXAMPLE_NOW: OffsetDateTime = datetime!(2026-06-01 00:00 UTC);

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
            } else if let (false, RawExample::Subject(example)) = (negative, example)
                && let Some(message) = check_refined_message(rule, example)
            {
                failures.push(Failure { route, message });
            }
        }
    }
    for (i, entry) in rule.raw.refine.iter().enumerate() {
        for (j, example) in entry.examples.iter().enumerate() {
            let route = vec![
                Step::from("refine"),
                Step::from(i),
                Step::from("examples"),
                Step::from(j),
            ];
            if let Some(message) = check_refine_example(rule, i, example) {
                failures.push(Failure { route, message });
            }
        }
    }
    failures
}

fn example_now(now: Option<&str>) -> Result<OffsetDateTime, String> {
    match now {
        Some(text) => parse_time(&serde_json::Value::String(text.to_owned()))
            .ok_or_else(|| format!("`now: {text}` is not an RFC 3339 time")),
        None => Ok(EXAMPLE_NOW),
    }
}

/// A refine example must be refined by its own entry (not an earlier one), be a finding of a
/// posture rule, and render the entry's message with nothing unresolved.
fn check_refine_example(rule: &Rule, index: usize, example: &RawRefineExample) -> Option<String> {
    let ctx = match example_now(example.now.as_deref()) {
        Ok(now) => Context { now },
        Err(message) => return Some(message),
    };
    match rule.refinement_at(&example.attrs, &ctx) {
        None => {
            return Some(format!(
                "refine example does not satisfy `refine[{index}].when`"
            ));
        }
        Some((first, _)) if first != index => {
            return Some(format!(
                "refine example is taken by `refine[{first}]`, which comes first"
            ));
        }
        Some(_) => {}
    }
    let reasons = match &rule.body {
        Body::Posture { .. } => match rule.judge(&example.attrs, &ctx) {
            Some(reasons) => reasons,
            None => {
                return Some(
                    "refine example does not violate the rule, so there is no finding to refine"
                        .to_owned(),
                );
            }
        },
        Body::Detector(_) => Vec::new(),
    };
    let template = rule.raw.refine[index].message.as_deref()?;
    unresolved(rule, template, &example.attrs, reasons.first(), index)
}

/// A violating example that a `refine` entry applies to must render that entry's message too.
fn check_refined_message(rule: &Rule, example: &RawSubjectExample) -> Option<String> {
    let ctx = Context {
        now: example_now(example.now.as_deref()).ok()?,
    };
    let (index, refinement) = rule.refinement_at(&example.attrs, &ctx)?;
    let reasons = rule.judge(&example.attrs, &ctx)?;
    unresolved(
        rule,
        refinement.message?,
        &example.attrs,
        reasons.first(),
        index,
    )
}

fn unresolved(
    rule: &Rule,
    template: &str,
    attrs: &serde_json::Map<String, serde_json::Value>,
    reason: Option<&crate::model::ViolatedCondition>,
    index: usize,
) -> Option<String> {
    let (_, missing) = rule.render_template(template, attrs, reason, None);
    (!missing.is_empty()).then(|| {
        format!(
            "`refine[{index}].message` leaves {{{{{}}}}} unresolved",
            missing.join("}}, {{")
        )
    })
}

/// Conditions as a self-test failure shows them: each with the actual value beside the
/// expected one (`last_rotated older_than_days 90 (actual: 12)`).
fn conditions(reasons: &[ViolatedCondition]) -> String {
    if reasons.is_empty() {
        return "no condition decided it".to_owned();
    }
    reasons
        .iter()
        .map(|r| {
            let unit = r.unit.map_or(String::new(), |u| format!(" {u}"));
            format!(
                "{} {} {}{unit} (actual: {}{unit})",
                r.field,
                r.op,
                display(&r.expected),
                display(&r.actual)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Every position where one of the detector's keywords starts, ascending; with `follow`,
/// only those its `followed_by` accepts.
fn keyword_hits(detector: &super::detect::Detector, text: &str, follow: bool) -> Vec<usize> {
    let followed_by = detector.followed_by.as_ref().filter(|_| follow);
    let mut hits: Vec<usize> = detector
        .keywords
        .iter()
        .flat_map(|k| {
            text.match_indices(k.as_str())
                .map(|(at, _)| at)
                .filter(|&at| super::detect::follows(followed_by, text, at + k.len()))
        })
        .collect();
    hits.sort_unstable();
    hits.dedup();
    hits
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
                (false, false)
                    if detector.find_near_keywords(text, &keyword_hits(detector, text, false))
                        != found =>
                {
                    Some(format!(
                        "a match lies out of reach of the keywords {:?} (it must hold one), so the search near keywords would miss it",
                        detector.keywords
                    ))
                }
                (false, false)
                    if detector.find_near_keywords(text, &keyword_hits(detector, text, true))
                        != found =>
                {
                    Some(
                        "followed_by rejects the keyword occurrence a match holds, so the search near keywords would miss it"
                            .to_owned(),
                    )
                }
                _ => None,
            }
        }
        (Body::Posture { .. }, RawExample::Subject(example)) => {
            let now = match example_now(example.now.as_deref()) {
                Ok(now) => now,
                Err(message) => return Some(message),
            };
            let verdict = rule.judge(&example.attrs, &Context { now });
            match (negative, verdict) {
                (true, Some(reasons)) => Some(format!(
                    "negative example violates the rule at now {}: {}",
                    format_time(now),
                    conditions(&reasons)
                )),
                (false, None) => Some(format!(
                    "example does not violate the rule at now {}: {}",
                    format_time(now),
                    conditions(&rule.why_not(&example.attrs, &Context { now }))
                )),
                (false, Some(reasons)) => {
                    if let Some(field) = &example.violates
                        && !reasons.iter().any(|r| &r.field == field)
                    {
                        return Some(format!(
                            "example violates {}, not `{field}` (at now {})",
                            conditions(&reasons),
                            format_time(now)
                        ));
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
