//! A detector rule's `detect` block: its pattern with the secret's capture group, keywords
//! for the prefilter, allow-list, checksum and companion pattern.

use super::regex;
use crate::diag::{Problem, SourceFile};
use crate::model::{KeyKind, Step};
use crate::rules::detect::{Detector, Pair};
use crate::rules::schema::RawDetector;

pub(super) fn compile(
    raw: &RawDetector,
    file: &SourceFile,
    problems: &mut Vec<Problem>,
) -> Option<Detector> {
    let route = |k: &str| vec![Step::from("detect"), Step::from(k)];
    let pattern = regex(file, &route("pattern"), &raw.pattern, problems);
    let group = pattern.as_ref().and_then(|p| {
        let named = p.capture_names().position(|n| n == Some("secret"));
        let group = named.or((p.captures_len() > 1).then_some(1));
        if group.is_none() {
            problems.push(file.at(
                &route("pattern"),
                false,
                "detector pattern has no capture group for the secret",
                "add ( ) around the secret",
                None,
            ));
        }
        group
    });
    if raw.keywords.is_empty() || raw.keywords.iter().any(|k| k.trim().is_empty()) {
        problems.push(file.at(
            &route("keywords"),
            true,
            "detector needs non-empty keywords for its prefilter",
            "here",
            None,
        ));
    }
    let allow: Vec<_> = raw
        .allow
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            regex(
                file,
                &[Step::from("detect"), "allow".into(), i.into()],
                p,
                problems,
            )
        })
        .collect();
    let pair = raw.pair.as_ref().and_then(|p| {
        let route = vec![Step::from("detect"), "pair".into(), "pattern".into()];
        let pattern = regex(file, &route, &p.pattern, problems)?;
        if pattern.captures_len() < 2 {
            problems.push(file.at(
                &route,
                false,
                "pair pattern has no capture group",
                "here",
                None,
            ));
            return None;
        }
        Some(Pair {
            name: p.name.clone(),
            pattern,
            within_lines: p.within_lines,
        })
    });
    let identity = match raw.identity.as_deref() {
        None => None,
        Some(name) => match KeyKind::parse(name) {
            Some(kind) => Some(kind),
            None => {
                problems.push(file.at(
                    &route("identity"),
                    false,
                    format!("`{name}` is not an identity-key kind"),
                    "here",
                    Some("one of: aws.access_key_id, gcp.private_key_id, gcp.client_email".into()),
                ));
                return None;
            }
        },
    };
    Some(Detector {
        identity,
        pattern: pattern?,
        group: group?,
        keywords: raw.keywords.clone(),
        entropy: raw.entropy,
        provider: raw.provider.clone(),
        allow,
        checksum: raw.checksum,
        pair,
    })
}
