//! Issue 5 on real Kubernetes RBAC input: a rule on a nested route (`subjects[1].kind`)
//! reports that route of its document and the exact span of the value, in every format,
//! for YAML (a second document, a value reached through an alias, flow mappings) and JSON
//! (`kind: List`).

use serde_json::{Value, json};

use crate::common::scan;

const CODE: &str = "KUBE001";

/// One expected finding: the route, and `line:col–line:col` of the value (end inclusive).
struct Expected {
    field: &'static str,
    span: [u64; 4],
}

fn run(path: &str, format: &str) -> String {
    let run = scan(&[path, "--format", format, "--fail-on", "never"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
}

fn span_of(location: &Value, keys: [&str; 4]) -> [u64; 4] {
    keys.map(|k| {
        location[k]
            .as_u64()
            .unwrap_or_else(|| panic!("{k} in {location}"))
    })
}

/// Asserts `expected` (in order of position) in JSON, JSONL, SARIF and the table.
fn assert_everywhere(path: &str, expected: &[Expected]) {
    let json: Value = serde_json::from_str(&run(path, "json")).unwrap();
    let found: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == CODE)
        .collect();
    let fields: Vec<&Value> = found
        .iter()
        .map(|f| &f["violated_condition"][0]["field"])
        .collect();
    let wanted: Vec<Value> = expected.iter().map(|e| json!(e.field)).collect();
    assert_eq!(fields, wanted.iter().collect::<Vec<_>>(), "{json:#}");
    let keys = ["line", "column", "end_line", "end_column"];
    for (finding, e) in found.iter().zip(expected) {
        let attribute = &finding["violated_condition"][0]["attribute"];
        if e.field == "subjects[1].kind" {
            assert_eq!(*attribute, Value::Null, "the route is the attribute path");
        } else {
            assert_eq!(
                *attribute, "subjects[1].kind",
                "the rule's path, beside the route"
            );
        }
        assert_eq!(span_of(&finding["location"], keys), e.span, "{}", e.field);
    }

    let jsonl: Vec<Value> = run(path, "jsonl")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["code"] == CODE)
        .collect();
    let at: Vec<[u64; 4]> = jsonl
        .iter()
        .map(|v| span_of(&v["location"], keys))
        .collect();
    assert_eq!(at, expected.iter().map(|e| e.span).collect::<Vec<_>>());

    let sarif: Value = serde_json::from_str(&run(path, "sarif")).unwrap();
    let regions: Vec<[u64; 4]> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == CODE)
        .map(|r| {
            span_of(
                &r["locations"][0]["physicalLocation"]["region"],
                ["startLine", "startColumn", "endLine", "endColumn"],
            )
        })
        .collect();
    let exclusive: Vec<[u64; 4]> = expected
        .iter()
        .map(|e| [e.span[0], e.span[1], e.span[2], e.span[3] + 1])
        .collect();
    assert_eq!(regions, exclusive, "SARIF's end column is exclusive");

    let table = run(path, "table");
    for e in expected {
        let at = format!("{}:{}", e.span[0], e.span[1]);
        assert!(table.contains(&at), "the table shows {at}:\n{table}");
    }
}

/// Issue 5: the first document's second binding reuses the first one's subjects through
/// `*robots`, so its violated value is located at the anchor's definition (line 16); the
/// second document's binding is located in that document (line 47).
#[test]
fn issue_5_yaml_documents_and_aliases_locate_the_offending_subject() {
    assert_everywhere(
        "fixtures/sources/k8s.rbac/bindings.yaml",
        &[
            Expected {
                field: "items[1].subjects[1].kind",
                span: [16, 15, 16, 28],
            },
            Expected {
                field: "subjects[1].kind",
                span: [47, 11, 47, 24],
            },
        ],
    );
}

/// Issue 5: in JSON the span is the string with its quotes.
#[test]
fn issue_5_json_list_locates_the_offending_subject() {
    assert_everywhere(
        "fixtures/sources/k8s.rbac/bindings.json",
        &[Expected {
            field: "items[0].subjects[1].kind",
            span: [24, 19, 24, 34],
        }],
    );
}
