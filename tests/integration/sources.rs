//! Adapter snapshots: what each input in `fixtures/sources/<id>/` becomes (subjects with
//! their lines and attributes) and what it reports under `errors`.

use serde_json::{Value, json};

use crate::common::scan;

#[test]
fn adapter_output() {
    insta::glob!("../../fixtures/sources", "*/*", |path| {
        let relative = path
            .strip_prefix(crate::common::root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let run = scan(&[&relative, "--format", "json", "--fail-on", "never"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let report = run.json();
        let subjects: Vec<Value> = report["inventory"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| json!({ "kind": s["kind"], "id": s["id"], "name": s["name"], "line": s["line"], "attributes": s["attributes"] }))
            .collect();
        let view = json!({
            "subjects": subjects,
            "errors": report["errors"],
            "files_binary": report["scan"]["files_binary"],
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
