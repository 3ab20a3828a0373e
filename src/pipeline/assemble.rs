//! Assemble: verdicts become findings. This is the one place where "where" becomes a span
//! (an attribute's anchor, a route resolved against its document's span tree), where
//! evidence is written (always redacted for secrets) and where fingerprints are made.

use std::collections::HashMap;

use super::MAX_SAME_SECRET_LISTED;
use crate::governance::fingerprint::fingerprint;
use crate::model::{Finding, Location, RelatedLocation, SAME_SECRET, Subject, ViolatedCondition};
use crate::rules::{RuleSet, Verdict, attribute, display};

/// Findings for `verdicts` (indices into `subjects`) and the `settled` ones assembled
/// earlier, sorted by path, position and code.
pub(crate) fn assemble(
    settled: Vec<Finding>,
    subjects: &[Subject],
    verdicts: Vec<(usize, Verdict)>,
    rules: &RuleSet,
) -> Vec<Finding> {
    let mut findings = settled;
    findings.extend(
        verdicts
            .into_iter()
            .map(|(i, verdict)| finding(&subjects[i], verdict, rules)),
    );
    let mut findings = first_in_history(findings);
    findings.sort_by(|a, b| {
        (&a.location.path, a.location.span, &a.code, &a.fingerprint).cmp(&(
            &b.location.path,
            b.location.span,
            &b.code,
            &b.fingerprint,
        ))
    });
    let mut findings = merge_same_secret(findings);
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

/// One finding per issue and path across git history and the work tree: among findings
/// with the same fingerprint and path, those from the earliest commit are kept (all of
/// them: a secret twice in one blob is two occurrences), marked present at HEAD when any of
/// the group was (a work-tree finding is). Findings with no history pass unchanged.
fn first_in_history(findings: Vec<Finding>) -> Vec<Finding> {
    let mut groups: HashMap<(String, String), (Option<u32>, bool)> = HashMap::new();
    for f in findings.iter().filter(|f| f.location.commit.is_some()) {
        groups.insert(
            (f.fingerprint.clone(), f.location.path.clone()),
            (None, false),
        );
    }
    if groups.is_empty() {
        return findings;
    }
    for f in &findings {
        let Some((first, present)) =
            groups.get_mut(&(f.fingerprint.clone(), f.location.path.clone()))
        else {
            continue;
        };
        match &f.location.commit {
            Some(history) => {
                let order = history.commit.order;
                *first = Some(first.map_or(order, |o| o.min(order)));
                *present |= history.present_at_head;
            }
            None => *present = true,
        }
    }
    findings
        .into_iter()
        .filter_map(|mut f| {
            let Some((first, present)) =
                groups.get(&(f.fingerprint.clone(), f.location.path.clone()))
            else {
                return Some(f);
            };
            let history = f.location.commit.as_mut()?;
            if Some(history.commit.order) != *first {
                return None;
            }
            history.present_at_head = *present;
            Some(f)
        })
        .collect()
}

/// One finding per secret: the findings of one detector for one value (one fingerprint) in
/// several files, or in one file in different contexts, become the first of them in report
/// order, at the highest severity and confidence among them, with the others' places as
/// related locations labelled `same secret` (at most `MAX_SAME_SECRET_LISTED` in all) and
/// `occurrences` counting every place. Posture findings pass unchanged.
fn merge_same_secret(findings: Vec<Finding>) -> Vec<Finding> {
    let mut first: HashMap<String, usize> = HashMap::new();
    let mut merged: Vec<Finding> = Vec::with_capacity(findings.len());
    for finding in findings {
        if finding.subject.kind != "secret" {
            merged.push(finding);
            continue;
        }
        match first.get(&finding.fingerprint) {
            Some(&i) => absorb(&mut merged[i], finding),
            None => {
                first.insert(finding.fingerprint.clone(), merged.len());
                merged.push(finding);
            }
        }
    }
    merged
}

/// Adds `other`'s places to `into`, the same secret's finding.
fn absorb(into: &mut Finding, other: Finding) {
    into.occurrences += other.occurrences;
    into.severity = into.severity.max(other.severity);
    into.confidence = into.confidence.max(other.confidence);
    let listed = into
        .related
        .iter()
        .filter(|r| r.label == SAME_SECRET)
        .count();
    let places = std::iter::once(RelatedLocation {
        label: SAME_SECRET.to_owned(),
        location: other.location,
    })
    .chain(other.related.into_iter().filter(|r| r.label == SAME_SECRET));
    into.related
        .extend(places.take(MAX_SAME_SECRET_LISTED.saturating_sub(listed)));
}

/// The finding for one verdict on `subject`.
pub(crate) fn finding(subject: &Subject, verdict: Verdict, rules: &RuleSet) -> Finding {
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
                commit: r.origin.commit.clone(),
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
        subject: subject.reference(),
        location: Location {
            path: origin.path.to_string(),
            span,
            commit: origin.commit.clone(),
        },
        related,
        occurrences: subject.secret.as_ref().map_or(1, |s| s.occurrences),
        evidence,
        fingerprint,
        location_fingerprint: String::new(),
        suppressed: None,
        owner: None,
    }
}

/// `field=value` of the first violated leaf, as the subject has it.
fn evidence(subject: &Subject, reason: &ViolatedCondition) -> String {
    let value = attribute(&subject.attrs, &reason.field).map_or_else(|| "none".to_owned(), display);
    format!("{}={value}", reason.field)
}
