//! A detector rule's `detect` block: its pattern with the secret's capture group, keywords
//! for the prefilter, allow-list, checksum and companion pattern.

use super::regex;
use crate::diag::{Problem, SourceFile};
use crate::model::{KeyKind, Step};
use crate::rules::detect::{Detector, Gate, Pair, Pattern, secret_group};
use crate::rules::schema::RawDetector;

/// Builds the detector. With `check`, every regex is compiled now and its problems
/// reported; without (built-ins on a scan, which CI has checked), they compile on first use.
pub(super) fn compile(
    raw: &RawDetector,
    file: &SourceFile,
    problems: &mut Vec<Problem>,
    check: bool,
) -> Option<Detector> {
    let route = |k: &str| vec![Step::from("detect"), Step::from(k)];
    let pattern = |route: &[Step], source: &str, problems: &mut Vec<Problem>| {
        if check {
            regex(file, route, source, problems, true).map(|r| Pattern::ready(source, r))
        } else {
            Some(Pattern::deferred(source))
        }
    };
    let main = pattern(&route("pattern"), &raw.pattern, problems);
    if check
        && let Some(main) = &main
        && secret_group(main.regex()).is_none()
    {
        problems.push(file.at(
            &route("pattern"),
            false,
            "detector pattern has no capture group for the secret",
            "add ( ) around the secret",
            None,
        ));
        return None;
    }
    if raw.keywords.is_empty() || raw.keywords.iter().any(|k| k.trim().is_empty()) {
        problems.push(file.at(
            &route("keywords"),
            true,
            "detector needs non-empty keywords for its prefilter",
            "here",
            None,
        ));
    }
    let followed_by = raw.followed_by.as_deref().and_then(|source| {
        let route = route("followed_by");
        if check {
            regex(file, &route, source, problems, true)?;
        }
        Some(Gate::new(Pattern::deferred(&format!(r"\A(?:{source})"))))
    });
    let allow: Vec<_> = raw
        .allow
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            pattern(
                &[Step::from("detect"), "allow".into(), i.into()],
                p,
                problems,
            )
        })
        .collect();
    let pair = raw.pair.as_ref().and_then(|p| {
        let route = vec![Step::from("detect"), "pair".into(), "pattern".into()];
        let pattern = pattern(&route, &p.pattern, problems)?;
        if check && pattern.regex().captures_len() < 2 {
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
        reach: std::sync::OnceLock::new(),
        pattern: main?,
        keywords: raw.keywords.clone(),
        followed_by,
        entropy: raw.entropy,
        provider: raw.provider.clone(),
        allow,
        checksum: raw.checksum,
        pair,
    })
}
