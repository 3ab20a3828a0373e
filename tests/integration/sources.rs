//! Adapter snapshots: what each input in `fixtures/sources/<id>/` becomes (subjects with
//! their lines and attributes) and what it reports under `errors`.

use serde_json::{Value, json};

use crate::common::scan;

/// `l:c–l:c`, the form every span snapshot uses.
fn span_text(span: Option<nhiscan::model::Span>) -> Value {
    span.map_or(Value::Null, |s| {
        json!(format!(
            "{}:{}–{}:{}",
            s.line, s.column, s.end_line, s.end_column
        ))
    })
}

/// Issue 5: every adapter fixture's subjects, each attribute with the exact span it was read
/// from (`line:col–line:col`, resolved by the assemble stage's anchors), and its errors.
#[test]
fn adapter_output() {
    let rules = nhiscan::rules::load(
        &nhiscan::rules::RuleSources {
            builtins: nhiscan::builtin_rules(),
            dirs: &[],
            test_builtins: false,
        },
        &nhiscan::rules::RuleOverrides::default(),
        None,
    )
    .unwrap();
    let options = nhiscan::pipeline::Options {
        max_file_size: 50 << 20,
        now: time::macros::datetime!(2026-11-23 00:00 UTC),
        governance: nhiscan::governance::Governance::default(),
        treatments: nhiscan::pipeline::Treatments::default(),
        progress: None,
        spill: None,
    };
    crate::common::each_fixture("fixtures/sources", "*/*", |path| {
        let relative = path
            .strip_prefix(crate::common::root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let blob = nhiscan::inputs::Blob::file(path.to_path_buf(), relative);
        let result = nhiscan::pipeline::run(&[blob], &rules, &options);
        let subjects: Vec<Value> = result
            .subjects
            .iter()
            .map(|s| {
                let attributes: serde_json::Map<String, Value> = s
                    .attrs
                    .iter()
                    .map(|(name, value)| {
                        (
                            name.clone(),
                            json!({ "value": value, "at": span_text(s.origin.span_of(name)) }),
                        )
                    })
                    .collect();
                json!({
                    "kind": s.kind,
                    "id": s.id,
                    "name": s.name,
                    "at": span_text(s.origin.span()),
                    "attributes": attributes,
                })
            })
            .collect();
        let view = json!({
            "subjects": subjects,
            "errors": result.errors,
            "files_binary": result.stats.files_binary,
        });
        insta::assert_snapshot!(serde_json::to_string_pretty(&view).unwrap());
    });
}

#[test]
fn der_certificate_is_read_although_binary() {
    let report = scan(&["fixtures/sources/x509/ec-p256.der", "--format", "json"]).json();
    let cert = &report["inventory"][0];
    assert_eq!(cert["kind"], "x509.certificate");
    assert_eq!(cert["attributes"]["key_algorithm"], "EC");
    assert_eq!(cert["attributes"]["key_size"], 256);
    assert_eq!(
        cert["attributes"]["signature_algorithm"],
        "ecdsa-with-SHA256"
    );
    assert_eq!(report["scan"]["files_binary"], 0);
}

#[test]
fn every_certificate_of_a_chain_is_a_subject_at_its_begin_line() {
    let report = scan(&["fixtures/sources/x509/valid-chain.pem", "--format", "json"]).json();
    let lines: Vec<_> = report["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["line"].clone())
        .collect();
    let text = std::fs::read_to_string(
        crate::common::root().join("fixtures/sources/x509/valid-chain.pem"),
    )
    .unwrap();
    let begins: Vec<Value> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("-----BEGIN"))
        .map(|(i, _)| json!(i + 1))
        .collect();
    assert_eq!(lines, begins);
    assert_eq!(report["inventory"][1]["attributes"]["is_ca"], true);
    assert_eq!(report["inventory"][0]["attributes"]["is_ca"], false);
}
