//! Correlate: joins subjects that other inputs know under the same identity key. A secret
//! whose value is an identifier (an `AKIA…` key id in a settings file) that an export also
//! lists (a row of `aws iam list-access-keys`) gets that identity's facts as its
//! `identity` attribute and the export row as a related place. Rules then decide what the
//! join means (SEC001 refines a live key to critical).

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::model::time::{calendar_days, parse_time};
use crate::model::{IdentityKey, KeyKind, Related, Subject};

/// The attribute a joined identity's facts are put under.
pub(crate) const IDENTITY: &str = "identity";

/// Joins every secret to the non-secret subjects that share one of its identity keys
/// (the keyed hash of a secret's value joins nothing here: exports never hold values).
/// `subjects` must already be in report order, so the first identity is deterministic.
pub(crate) fn correlate(subjects: &mut [Subject], now: OffsetDateTime) {
    let mut known: HashMap<&IdentityKey, Vec<usize>> = HashMap::new();
    for (i, subject) in subjects.iter().enumerate() {
        if subject.secret.is_none() {
            for key in &subject.keys {
                known.entry(key).or_default().push(i);
            }
        }
    }
    if known.is_empty() {
        return;
    }
    let mut links: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, subject) in subjects.iter().enumerate() {
        if subject.secret.is_none() {
            continue;
        }
        let mut linked: Vec<usize> = subject
            .keys
            .iter()
            .filter(|key| key.kind != KeyKind::SecretHash)
            .filter_map(|key| known.get(key))
            .flatten()
            .copied()
            .collect();
        linked.dedup();
        if !linked.is_empty() {
            links.push((i, linked));
        }
    }
    for (secret, linked) in links {
        let identity = identity_facts(&subjects[linked[0]], now);
        let related: Vec<Related> = linked
            .iter()
            .map(|&i| Related {
                label: label(&subjects[i]),
                origin: subjects[i].origin.clone(),
            })
            .collect();
        let subject = &mut subjects[secret];
        subject.attrs.insert(IDENTITY.to_owned(), identity);
        subject.related.extend(related);
    }
}

/// The joined subject's attributes, with its kind, id and name, and its age in calendar
/// days when it says when it was created.
fn identity_facts(subject: &Subject, now: OffsetDateTime) -> Value {
    let mut facts = Map::new();
    facts.insert("kind".into(), json!(subject.kind));
    facts.insert("id".into(), json!(subject.id));
    facts.insert("name".into(), json!(subject.name));
    for (key, value) in &subject.attrs {
        facts.entry(key.clone()).or_insert_with(|| value.clone());
    }
    if let Some(created) = subject.attrs.get("created").and_then(parse_time) {
        facts.insert("age_days".into(), json!(calendar_days(created, now)));
    }
    Value::Object(facts)
}

fn label(subject: &Subject) -> String {
    match subject.attrs.get("status").and_then(Value::as_str) {
        Some(status) => format!("{} of {} ({status})", subject.kind, subject.name),
        None => format!("{} of {}", subject.kind, subject.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SecretFacts;

    fn secret_with_key(value: &str) -> Subject {
        let mut subject = Subject::new("secret", "aws", "s", "AKIA…");
        subject.add_key(KeyKind::AwsAccessKeyId, value);
        subject.add_key(KeyKind::SecretHash, "h");
        subject.secret = Some(SecretFacts {
            detector: "SEC001".into(),
            redacted: "AKIA…".into(),
            hash: "h".into(),
            pair: None,
            occurrences: 1,
        });
        subject
    }

    #[test]
    fn a_secret_is_joined_to_the_identity_with_its_key() {
        let mut key = Subject::new("aws.access_key", "aws", "k", "svc-deployer");
        key.add_key(KeyKind::AwsAccessKeyId, "AKIAZ7RTQ2MXGH5KPL4Q");
        key.set("status", "Active")
            .set("created", "2025-10-07T09:12:44Z");
        let mut other = Subject::new("aws.access_key", "aws", "o", "someone-else");
        other.add_key(KeyKind::AwsAccessKeyId, "AKIAOTHERKEY00000000");
        let mut subjects = vec![
            key,
            other,
            secret_with_key("AKIAZ7RTQ2MXGH5KPL4Q"),
            secret_with_key("AKIANOTINTHEEXPORT00"),
        ];
        correlate(&mut subjects, time::macros::datetime!(2026-11-23 00:00 UTC));
        let identity = &subjects[2].attrs[IDENTITY];
        assert_eq!(identity["name"], "svc-deployer");
        assert_eq!(identity["status"], "Active");
        assert_eq!(identity["age_days"], 412);
        assert_eq!(subjects[2].related.len(), 1);
        assert_eq!(
            subjects[2].related[0].label,
            "aws.access_key of svc-deployer (Active)"
        );
        assert!(
            !subjects[3].attrs.contains_key(IDENTITY),
            "no export row, no join"
        );
        assert!(subjects[3].related.is_empty());
    }
}
