//! From a raw rule whose metadata passed `validate` to a `Rule`: conditions compiled
//! (`condition`), detectors built (`detector`), parameters resolved.

mod condition;
mod detector;

use regex::Regex;

use super::schema::RawRule;
use super::{Body, Refine, Rule};
use crate::diag::{Problem, SourceFile};
use crate::model::{Confidence, Step};
use condition::Compiler;

/// Compiles `raw`; `None` when its body cannot be built (the problems say why). Without
/// `check`, a detector's regexes are left to compile on first use (see `detect::Pattern`).
pub(super) fn rule(
    raw: RawRule,
    file: &SourceFile,
    problems: &mut Vec<Problem>,
    check: bool,
) -> Option<Rule> {
    let body = match (&raw.detect, &raw.subject, &raw.when) {
        (Some(detect), None, None) if raw.scope.is_none() && raw.params.is_empty() => {
            detector::compile(detect, file, problems, check).map(Body::Detector)
        }
        (None, Some(subject), Some(when)) => {
            let mut c = Compiler::new(file, &raw.params, problems);
            let scope = raw
                .scope
                .as_ref()
                .map(|s| c.condition(s, vec!["where".into()]));
            let when = c.condition(when, vec!["when".into()]);
            match (scope, when) {
                (None, Some(when)) => Some(Body::Posture {
                    subject: subject.clone(),
                    scope: None,
                    when,
                }),
                (Some(Some(scope)), Some(when)) => Some(Body::Posture {
                    subject: subject.clone(),
                    scope: Some(scope),
                    when,
                }),
                _ => None,
            }
        }
        _ => {
            problems.push(file.at(
                &[Step::from("id")],
                false,
                format!("rule {} must be either a posture rule (`subject` + `when`) or a detector rule (`detect` alone)", raw.id),
                "here",
                None,
            ));
            None
        }
    };
    let refine = refinements(&raw, file, problems);
    let source = raw.clone();
    Some(Rule {
        refine: refine?,
        raw: source,
        confidence: raw.confidence.unwrap_or(Confidence::High),
        description: raw.description.unwrap_or_default(),
        path: file.path.clone(),
        text: file.text.clone(),
        body: body?,
        code: raw.id,
        name: raw.name,
        severity: raw.severity,
        message: raw.message,
        failure_class: raw.failure_class,
        failure_mode: raw.failure_mode,
        frameworks: raw.frameworks,
        remediation: raw.remediation,
        references: raw.references,
        params: raw.params,
        enabled: true,
    })
}

/// The `refine` entries, each `when` compiled like the rule's own; `None` if one fails.
fn refinements(
    raw: &RawRule,
    file: &SourceFile,
    problems: &mut Vec<Problem>,
) -> Option<Vec<Refine>> {
    let compiled: Vec<_> = raw
        .refine
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let route = |key: &str| vec![Step::from("refine"), Step::from(i), Step::from(key)];
            if entry.message.as_ref().is_some_and(|m| m.trim().is_empty()) {
                problems.push(file.at(
                    &route("message"),
                    false,
                    "`message` is empty",
                    "here",
                    None,
                ));
            }
            if entry.severity.is_none() && entry.message.is_none() {
                problems.push(file.at(
                    &route("when"),
                    false,
                    "a `refine` entry changes nothing without `severity` or `message`",
                    "here",
                    None,
                ));
            }
            let when =
                Compiler::new(file, &raw.params, problems).condition(&entry.when, route("when"));
            Some(Refine {
                when: when?,
                severity: entry.severity,
                message: entry.message.clone(),
            })
        })
        .collect();
    compiled.into_iter().collect()
}

/// A rule's regex: a detector's built for speed ([`super::detect::build_regex`]), a
/// condition's exactly as written (its text is shown as the condition's `expected`).
fn regex(
    file: &SourceFile,
    route: &[Step],
    pattern: &str,
    problems: &mut Vec<Problem>,
    detector: bool,
) -> Option<Regex> {
    let built = if detector {
        super::detect::build_regex(pattern)
    } else {
        regex::RegexBuilder::new(pattern)
            .size_limit(super::detect::REGEX_SIZE_LIMIT)
            .build()
    };
    match built {
        Ok(r) => Some(r),
        Err(e) => {
            let detail = e.to_string();
            let last = detail
                .lines()
                .last()
                .unwrap_or("invalid regex")
                .trim()
                .to_owned();
            problems.push(file.at(
                route,
                false,
                format!("invalid regex: {last}"),
                "this pattern",
                None,
            ));
            None
        }
    }
}
