//! Assemble: verdicts become findings. This is the one place where "where" becomes a span
//! (an attribute's anchor, a route resolved against its document's span tree), where
//! evidence is written (always redacted for secrets) and where fingerprints are made.

use std::collections::HashMap;

use crate::governance::fingerprint::fingerprint;
use crate::model::{Finding, Location, RelatedLocation, Subject, SubjectRef, ViolatedCondition};
use crate::rules::{RuleSet, Verdict, attribute, display};

/// Findings for `verdicts` (indices into `subjects`), sorted by path, position and code.
pub(crate) fn assemble(
    subjects: &[Subject],
    verdicts: Vec<(usize, Verdict)>,
    rules: &RuleSet,
) -> Vec<Finding> {
    let mut findings: Vec<Finding> = verdicts
        .into_iter()
        .map(|(i, verdict)| finding(&subjects[i], verdict, rules))
        .collect();
    findings.sort_by(|a, b| {
        (&a.location.path, a.location.span, &a.code, &a.fingerprint).cmp(&(
            &b.location.path,
            b.location.span,
            &b.code,
            &b.fingerprint,
        ))
    });
    let mut rank: HashMap<(String, String), usize> = HashMap::new();
    for f in &mut findings {
        let seen = rank
            .entry((f.fingerprint.clone(), f.location.path.clone()))
            .or_default();
        f.location_fingerprint =
            fingerprint(&[&f.fingerprint, &f.location.path, &seen.to_string()]);
        *seen += 1;
    }
    findings
}

fn finding(subject: &Subject, verdict: Verdict, rules: &RuleSet) -> Finding {
    let code = rules.rules()[verdict.rule].code.clone();
    let origin = &subject.origin;
    let (span, evidence, fingerprint) = match &subject.secret {
        Some(secret) => {
            let evidence = match &secret.pair {
                Some((name, pair)) => format!("{} + {name}={pair}", secret.redacted),
                None => secret.redacted.clone(),
            };
            (origin.span(), evidence, fingerprint(&[&code, &secret.hash]))
        }
        None => {
            let first = verdict.because.first();
            (
                first.map_or_else(|| origin.span(), |r| origin.span_of(&r.field)),
                first.map_or_else(String::new, |r| evidence(subject, r)),
                fingerprint(&[&code, &subject.kind, &subject.id]),
            )
        }
    };
    let related = subject
        .related
        .iter()
        .map(|r| RelatedLocation {
            label: r.label.clone(),
            location: Location {
                path: r.origin.path.to_string(),
                span: r.origin.span(),
            },
        })
        .collect();
    let mut because = verdict.because;
    for condition in &mut because {
        if let Some(route) = origin.route_of(&condition.field).map(|r| r.to_string())
            && route != condition.field
        {
            condition.attribute = Some(std::mem::replace(&mut condition.field, route));
        }
    }
    Finding {
        code,
        severity: verdict.severity,
        confidence: verdict.confidence,
        message: verdict.message,
        violated_condition: because,
        subject: reference(subject),
        location: Location {
            path: origin.path.to_string(),
            span,
        },
        related,
        evidence,
        fingerprint,
        location_fingerprint: String::new(),
        suppressed: None,
        owner: None,
    }
}

fn reference(subject: &Subject) -> SubjectRef {
    subject.reference()
}

/// `field=value` of the first violated leaf, as the subject has it.
fn evidence(subject: &Subject, reason: &ViolatedCondition) -> String {
    let value = attribute(&subject.attrs, &reason.field).map_or_else(|| "none".to_owned(), display);
    format!("{}={value}", reason.field)
}
