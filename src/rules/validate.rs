//! A rule's metadata, checked before anything is compiled: the code, the name, the framework
//! ids, the fields every rule must fill, and that its examples are of its kind.

use std::sync::LazyLock;

use regex::Regex;

use super::schema::{RawExample, RawRule};
use crate::diag::{Problem, SourceFile};
use crate::model::Step;

static CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Z]{2,5}[0-9]{3}$").expect("valid"));
static KEBAB: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$").expect("valid"));
static FRAMEWORK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:OWASP-NHI:NHI(?:[1-9]|10)|MAESTRO:L[1-7]|NIST-CSF-2\.0:(?:GV\.(?:OC|RM|RR|PO|OV|SC)|ID\.(?:AM|RA|IM)|PR\.(?:AA|AT|DS|PS|IR)|DE\.(?:CM|AE)|RS\.(?:MA|AN|CO|MI)|RC\.(?:RP|CO))-[0-9]{2})$",
    )
    .expect("valid")
});

/// Whether `text` has the form of a rule code (`AWS001`).
pub(super) fn is_code(text: &str) -> bool {
    CODE.is_match(text)
}

/// Pushes a problem for every metadata field of `raw` that is malformed or missing.
pub(super) fn metadata(raw: &RawRule, file: &SourceFile, problems: &mut Vec<Problem>) {
    let at = |key: &str, message: String, help: Option<String>| {
        file.at(&[Step::from(key)], false, message, "here", help)
    };
    if !CODE.is_match(&raw.id) {
        problems.push(at(
            "id",
            format!("rule code `{}` is not 2-5 capitals and 3 digits", raw.id),
            Some("for example AWS001".into()),
        ));
    }
    if !KEBAB.is_match(&raw.name) {
        problems.push(at(
            "name",
            format!("rule name `{}` is not kebab-case", raw.name),
            None,
        ));
    }
    for (i, framework) in raw.frameworks.iter().enumerate() {
        if !FRAMEWORK.is_match(framework) {
            problems.push(file.at(
                &["frameworks".into(), i.into()],
                false,
                format!("unknown framework id `{framework}`"),
                "not a known id",
                Some("use OWASP-NHI:NHI1..NHI10, NIST-CSF-2.0:<CSF 2.0 subcategory such as PR.AA-01>, or MAESTRO:L1..L7".into()),
            ));
        }
    }
    for (key, value) in [
        ("failure_mode", &raw.failure_mode),
        ("remediation", &raw.remediation),
        ("message", &raw.message),
    ] {
        if value.trim().is_empty() {
            problems.push(at(key, format!("`{key}` is empty"), None));
        }
    }
    if raw.examples.is_empty() || raw.negative_examples.is_empty() {
        problems.push(at(
            "id",
            format!(
                "rule {} needs at least one `examples` and one `negative_examples` entry",
                raw.id
            ),
            None,
        ));
    }
    example_kinds(raw, file, problems);
}

/// Detector rules take strings as examples, posture rules `{ attrs: {...} }`.
fn example_kinds(raw: &RawRule, file: &SourceFile, problems: &mut Vec<Problem>) {
    let expect_text = raw.detect.is_some();
    for (key, list) in [
        ("examples", &raw.examples),
        ("negative_examples", &raw.negative_examples),
    ] {
        for (i, example) in list.iter().enumerate() {
            if matches!(example, RawExample::Text(_)) != expect_text {
                let want = if expect_text {
                    "a string"
                } else {
                    "`{ attrs: {...} }`"
                };
                problems.push(file.at(
                    &[key.into(), i.into()],
                    false,
                    format!("this rule's examples must be {want}"),
                    "wrong kind of example",
                    None,
                ));
            }
        }
    }
}
