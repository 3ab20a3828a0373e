//! Issue 5: the first join across inputs. A key id found in a settings file and the same
//! key in an `aws iam list-access-keys` export are one identity: the finding names the IAM
//! user, says whether the key is live, points at the export row, and is critical while the
//! key is Active. Without the export nothing changes.

use serde_json::Value;

use crate::common::scan;

const SETTINGS: &str = "app/settings.py";
const EXPORT: &str = "iam/list-access-keys.json";

fn findings(tree: &str) -> Vec<Value> {
    let run = scan(&[
        &format!("fixtures/correlate/{tree}"),
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()["findings"].as_array().unwrap().clone()
}

/// The only finding, and that it is SEC001 on the settings file's key line.
fn the_leak(findings: &[Value]) -> &Value {
    assert_eq!(
        findings.len(),
        1,
        "one finding (the export's own key ids are its inventory, not leaks): {findings:#?}"
    );
    let leak = &findings[0];
    assert_eq!(leak["code"], "SEC001");
    assert!(
        leak["location"]["path"]
            .as_str()
            .unwrap()
            .ends_with(SETTINGS),
        "{}",
        leak["location"]
    );
    assert_eq!(leak["location"]["line"], 5);
    assert_eq!(leak["location"]["column"], 22);
    leak
}

#[test]
fn an_active_key_in_the_export_makes_the_leak_critical_and_names_its_user() {
    let found = findings("leaked-key-active");
    let leak = the_leak(&found);
    assert_eq!(leak["severity"], "critical");
    assert_eq!(
        leak["message"],
        "AWS access key id AKIA…4T of IAM user svc-deployer is in plain text, and the key is Active (412 days old)"
    );
    let conditions = leak["violated_condition"].as_array().unwrap();
    assert_eq!(conditions[0]["op"], "matches");
    assert_eq!(conditions[1]["field"], "identity.status");
    assert_eq!(conditions[1]["op"], "eq");
    assert_eq!(conditions[1]["actual"], "Active");
    let related = leak["related_locations"].as_array().unwrap();
    assert_eq!(related.len(), 1, "{related:#?}");
    assert_eq!(
        related[0]["label"],
        "aws.access_key of svc-deployer (Active)"
    );
    let row = &related[0]["location"];
    assert!(row["path"].as_str().unwrap().ends_with(EXPORT), "{row}");
    assert_eq!(
        (
            &row["line"],
            &row["column"],
            &row["end_line"],
            &row["end_column"]
        ),
        (
            &Value::from(3),
            &Value::from(9),
            &Value::from(8),
            &Value::from(9)
        ),
        "the export's whole entry for the key"
    );
}

#[test]
fn an_inactive_key_says_so_and_stays_high() {
    let found = findings("leaked-key-inactive");
    let leak = the_leak(&found);
    assert_eq!(leak["severity"], "high");
    assert!(
        leak["message"]
            .as_str()
            .unwrap()
            .contains("of IAM user svc-deployer is in plain text; the key is Inactive"),
        "{}",
        leak["message"]
    );
    assert_eq!(
        leak["related_locations"][0]["label"],
        "aws.access_key of svc-deployer (Inactive)"
    );
}

#[test]
fn without_the_export_the_finding_is_unchanged() {
    let found = findings("leaked-key-alone");
    let leak = the_leak(&found);
    assert_eq!(leak["severity"], "high");
    assert_eq!(
        leak["message"],
        "AWS access key id AKIA…4T is in plain text"
    );
    assert_eq!(leak["violated_condition"].as_array().unwrap().len(), 1);
    assert_eq!(leak["related_locations"], Value::Array(vec![]));
}

#[test]
fn the_export_row_is_a_related_location_in_sarif_and_the_table() {
    let run = scan(&["fixtures/correlate/leaked-key-active", "--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let sarif: Value = serde_json::from_str(&run.stdout).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "SEC001");
    assert_eq!(result["level"], "error");
    let related = &result["relatedLocations"][0];
    assert!(
        related["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with(EXPORT)
    );
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 3);
    assert_eq!(
        related["message"]["text"],
        "aws.access_key of svc-deployer (Active)"
    );

    let table = scan(&["fixtures/correlate/leaked-key-active"]).stdout;
    assert!(table.contains("CRITICAL"), "{table}");
    assert!(
        table.contains("⇢ aws.access_key of svc-deployer (Active)"),
        "{table}"
    );
}

#[test]
fn a_secret_found_twice_is_one_issue_with_two_occurrences() {
    let dir = tempfile::tempdir().unwrap();
    let line = "GITHUB_TOKEN=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\n";
    std::fs::write(dir.path().join("a.env"), line).unwrap();
    std::fs::write(dir.path().join("b.env"), format!("# moved\n{line}")).unwrap();
    let run = scan(&[dir.path().to_str().unwrap(), "--format", "json"]);
    let found = run.json()["findings"].as_array().unwrap().clone();
    assert_eq!(found.len(), 1, "one issue: {found:?}");
    assert!(
        found[0]["location"]["path"]
            .as_str()
            .unwrap()
            .ends_with("a.env")
    );
    let other = &found[0]["related_locations"][0];
    assert_eq!(other["label"], "same secret");
    assert!(
        other["location"]["path"]
            .as_str()
            .unwrap()
            .ends_with("b.env")
    );
    assert_eq!(other["location"]["line"], 2);
    assert_eq!(found[0]["occurrences"], 2);
}
