//! End to end over the demo tree: the four report formats as snapshots, the JSON document
//! against the shipped schema (`docs/report.schema.json`), SARIF against the OASIS schema
//! (`tests/schemas/`), JSON Lines against the JSON document, and no planted secret in any
//! output.

use regex::Regex;
use serde_json::Value;

use crate::common::{NOW, Run, nhiscan, root, scan};

const FORMATS: [&str; 8] = [
    "table", "json", "jsonl", "sarif", "github", "markdown", "junit", "gitlab",
];

fn demo(format: &str) -> Run {
    let run = scan(&["fixtures/demo", "--format", format]);
    assert_eq!(
        run.code, 1,
        "the demo has findings at or above the default --fail-on\n{}",
        run.stderr
    );
    run
}

fn read_json(relative: &str) -> Value {
    let path = root().join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{relative} is not JSON: {e}"))
}

/// Every violation of the schema by `instance`, one line each (empty when valid).
fn violations(validator: &jsonschema::Validator, instance: &Value) -> String {
    validator
        .iter_errors(instance)
        .map(|e| format!("  at {}: {e}\n", e.instance_path()))
        .collect()
}

pub(crate) fn report_validator() -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&read_json("docs/report.schema.json"))
        .expect("docs/report.schema.json is a valid draft 2020-12 schema")
}

pub(crate) fn sarif_validator() -> jsonschema::Validator {
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&read_json("tests/schemas/sarif-schema-2.1.0.json"))
        .expect("the vendored SARIF schema compiles")
}

pub(crate) fn assert_valid(validator: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors = violations(validator, instance);
    assert!(errors.is_empty(), "{what} violates its schema:\n{errors}");
}

/// Standard output as JSON, unscrubbed (`Run::json` replaces `started_at`, which the
/// schema checks as a date-time).
pub(crate) fn stdout_json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", run.stdout))
}

fn array<'a>(value: &'a Value, pointer: &str) -> &'a Vec<Value> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{pointer} is not an array"))
}

#[test]
fn demo_json_matches_the_schema_and_explains_every_finding() {
    let run = demo("json");
    assert_valid(&report_validator(), &stdout_json(&run), "demo JSON");
    let report = run.json();

    let findings = array(&report, "/findings");
    assert_eq!(findings.len(), 10, "FIXTURES.md lists 10 demo findings");
    for f in findings {
        let code = f["code"].as_str().unwrap_or_default();
        assert!(!code.is_empty(), "finding without a code: {f}");
        let conditions = array(f, "/violated_condition");
        assert!(!conditions.is_empty(), "{code}: no violated condition");
        for c in conditions {
            for key in ["field", "op", "expected", "actual"] {
                assert!(c.get(key).is_some(), "{code}: condition without {key}: {c}");
            }
        }
        for key in ["kind", "id"] {
            assert!(
                f["subject"][key].as_str().is_some_and(|s| !s.is_empty()),
                "{code}: subject without {key}"
            );
        }
        assert!(
            f["location"]["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("fixtures/demo/")),
            "{code}: location {}",
            f["location"]
        );
        assert!(f["location"]["line"].as_u64().is_some(), "{code}: no line");
        assert!(
            f["evidence"].as_str().is_some_and(|e| !e.is_empty()),
            "{code}: no evidence"
        );
        assert!(
            f["fingerprint"]
                .as_str()
                .is_some_and(|s| s.starts_with("v1:")),
            "{code}: no fingerprint"
        );
    }
    let aws001 = findings
        .iter()
        .find(|f| f["code"] == "AWS001" && f["subject"]["name"] == "svc-payments")
        .expect("AWS001 for svc-payments");
    let condition = &aws001["violated_condition"][0];
    assert_eq!(condition["field"], "last_rotated");
    assert_eq!(condition["expected"], 90);
    assert_eq!(condition["actual"], 412);
    assert_eq!(aws001["location"]["line"], 4);
}

#[test]
fn json_with_fail_on_never_matches_the_schema() {
    let run = scan(&["fixtures/demo", "--format", "json", "--fail-on", "never"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = stdout_json(&run);
    assert_valid(
        &report_validator(),
        &report,
        "demo JSON with --fail-on never",
    );
    assert_eq!(report["summary"]["fail_on"], "never");
    assert_eq!(report["summary"]["failed"], false);
}

#[test]
fn sources_json_with_input_errors_matches_the_schema() {
    let run = scan(&["fixtures/sources", "--format", "json"]);
    assert_valid(
        &report_validator(),
        &stdout_json(&run),
        "fixtures/sources JSON",
    );
    let report = run.json();
    let kinds: Vec<&str> = array(&report, "/errors")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"parse") && kinds.contains(&"encoding"),
        "{kinds:?}"
    );
}

type Mutation = fn(&mut Value);

#[test]
fn report_schema_is_strict() {
    let validator = report_validator();
    let report = stdout_json(&demo("json"));
    assert_valid(&validator, &report, "demo JSON");
    let mutations: [(&str, Mutation); 6] = [
        ("unknown finding field", |r| {
            r["findings"][0]["owner_team"] = "x".into();
        }),
        ("unknown top-level field", |r| r["extra"] = 1.into()),
        ("severity outside the enum", |r| {
            r["findings"][0]["severity"] = "urgent".into();
        }),
        ("fingerprint of the wrong shape", |r| {
            r["findings"][0]["fingerprint"] = "v1:XYZ".into();
        }),
        ("line without the rest of the span", |r| {
            r["findings"][0]["location"]
                .as_object_mut()
                .unwrap()
                .remove("end_column");
        }),
        ("condition without actual", |r| {
            r["findings"][0]["violated_condition"][0]
                .as_object_mut()
                .unwrap()
                .remove("actual");
        }),
    ];
    for (what, mutate) in mutations {
        let mut changed = report.clone();
        mutate(&mut changed);
        assert!(!validator.is_valid(&changed), "schema accepts {what}");
    }
}

/// The secrets planted in the demo tree, read from the files themselves.
fn planted_secrets() -> Vec<String> {
    let patterns = [
        r"\bAKIA[A-Z2-7]{16}\b",
        r#"AWS_SECRET_ACCESS_KEY\s*=\s*"([A-Za-z0-9/+]{40})""#,
        r"\bghp_[A-Za-z0-9]{36}\b",
        r"\bxox[abposr]-[0-9]+-[0-9]+-[A-Za-z0-9]+\b",
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n([A-Za-z0-9+/=]{32,})",
    ]
    .map(|p| Regex::new(p).unwrap());
    let mut secrets = Vec::new();
    for entry in walkdir::WalkDir::new(root().join("fixtures/demo")).sort_by_file_name() {
        let entry = entry.unwrap();
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        for pattern in &patterns {
            for captures in pattern.captures_iter(&text) {
                let secret = captures.get(1).unwrap_or_else(|| captures.get(0).unwrap());
                secrets.push(secret.as_str().to_owned());
            }
        }
    }
    secrets.sort();
    secrets.dedup();
    secrets
}

#[test]
fn no_format_leaks_a_planted_secret() {
    let secrets = planted_secrets();
    assert_eq!(
        secrets.len(),
        5,
        "AWS key id and secret, GitHub token, Slack token, private key: {secrets:?}"
    );
    for format in FORMATS {
        let run = demo(format);
        for secret in &secrets {
            // What redaction hides: all but the first and last four characters.
            let hidden = &secret[4..secret.len() - 4];
            for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
                assert!(
                    !text.contains(hidden),
                    "{format} {stream} contains the planted secret {}…",
                    &secret[..4]
                );
            }
        }
    }
}

#[test]
fn demo_sarif_matches_the_sarif_schema_and_the_json_findings() {
    let sarif = stdout_json(&demo("sarif"));
    assert_valid(&sarif_validator(), &sarif, "demo SARIF");
    let report = demo("json").json();

    assert_eq!(
        sarif["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(array(&sarif, "/runs").len(), 1);
    let run = &sarif["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "nhiscan");
    assert_eq!(driver["version"], report["tool"]["version"]);

    let rules = array(driver, "/rules");
    let policy_rules = array(&report, "/policy/rules");
    assert_eq!(rules.len(), policy_rules.len());
    for (rule, info) in rules.iter().zip(policy_rules) {
        assert_eq!(rule["id"], info["code"]);
        assert_eq!(rule["name"], info["name"]);
        let score = rule["properties"]["security-severity"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: security-severity is not a string", rule["id"]));
        let score: f64 = score.parse().expect("security-severity is a number");
        assert!((0.0..=10.0).contains(&score));
        let tags = array(rule, "/properties/tags");
        assert!(tags.contains(&"security".into()), "{}", rule["id"]);
        assert!(tags.contains(&info["failure_class"]), "{}", rule["id"]);
        let expected_level = match info["severity"].as_str().unwrap() {
            "critical" | "high" => "error",
            "medium" => "warning",
            _ => "note",
        };
        assert_eq!(rule["defaultConfiguration"]["level"], expected_level);
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .is_some_and(|m| { m.contains(info["remediation"].as_str().unwrap().trim()) })
        );
    }

    let findings: Vec<&Value> = array(&report, "/findings")
        .iter()
        .filter(|f| f["suppressed"].is_null())
        .collect();
    let results = array(run, "/results");
    assert_eq!(results.len(), findings.len(), "one result per finding");
    for (result, finding) in results.iter().zip(findings) {
        let code = &finding["code"];
        assert_eq!(&result["ruleId"], code);
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(&rules[index]["id"], code);
        assert_eq!(result["message"]["text"], finding["message"]);
        assert_eq!(
            result["partialFingerprints"]["nhiscan/v1"],
            finding["fingerprint"]
        );
        let physical = &result["locations"][0]["physicalLocation"];
        let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.starts_with('/') && !uri.starts_with("file:"),
            "{code}: {uri} is not relative"
        );
        assert_eq!(uri, finding["location"]["path"].as_str().unwrap());
        assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let (region, location) = (&physical["region"], &finding["location"]);
        assert_eq!(region["startLine"], location["line"]);
        assert_eq!(region["startColumn"], location["column"]);
        assert_eq!(region["endLine"], location["end_line"]);
        assert_eq!(
            region["endColumn"].as_u64(),
            location["end_column"].as_u64().map(|c| c + 1),
            "SARIF's endColumn is exclusive"
        );
        let properties = &result["properties"];
        for key in [
            "subject",
            "violated_condition",
            "evidence",
            "confidence",
            "failure_class",
        ] {
            assert_eq!(properties[key], finding[key], "{code}: properties.{key}");
        }
    }
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn sources_sarif_lists_input_errors_as_notifications() {
    let sarif = stdout_json(&scan(&["fixtures/sources", "--format", "sarif"]));
    assert_valid(&sarif_validator(), &sarif, "fixtures/sources SARIF");
    let report = scan(&["fixtures/sources", "--format", "json"]).json();
    let errors = array(&report, "/errors");
    let notifications = array(&sarif, "/runs/0/invocations/0/toolExecutionNotifications");
    assert_eq!(notifications.len(), errors.len());
    for (notification, error) in notifications.iter().zip(errors) {
        assert_eq!(notification["level"], "warning");
        assert_eq!(notification["message"]["text"], error["reason"]);
        assert_eq!(
            notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            error["path"]
        );
    }
}

#[test]
fn sarif_uris_are_percent_encoded_and_absolute_paths_become_file_uris() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("my keys");
    std::fs::create_dir(&odd).unwrap();
    std::fs::copy(
        root().join("fixtures/demo/scripts/notify.sh"),
        odd.join("notify #1?.sh"),
    )
    .unwrap();
    let uri_of = |run: Run| -> (String, Value) {
        let sarif = stdout_json(&run);
        assert_valid(&sarif_validator(), &sarif, "SARIF of an odd path");
        let location = array(&sarif, "/runs/0/results")
            .iter()
            .map(|r| &r["locations"][0]["physicalLocation"])
            .find(|l| l.to_string().contains("notify"))
            .expect("a result in the odd path");
        let artifact = &location["artifactLocation"];
        (
            artifact["uri"].as_str().unwrap().to_owned(),
            artifact["uriBaseId"].clone(),
        )
    };

    let relative = nhiscan()
        .current_dir(dir.path())
        .args(["scan", "--now", NOW, ".", "--format", "sarif"])
        .run();
    let (uri, base) = uri_of(relative);
    assert_eq!(uri, "my%20keys/notify%20%231%3F.sh");
    assert_eq!(base, "%SRCROOT%");

    // Issue 9: URIs are relative to the repository of the first root (the checkout); a root
    // outside it gets absolute `file://` URIs.
    let root_arg = dir.path().to_str().unwrap();
    let absolute = scan(&["fixtures/demo/scripts", root_arg, "--format", "sarif"]);
    let (uri, base) = uri_of(absolute);
    assert!(uri.starts_with("file:///"), "{uri}");
    assert!(uri.ends_with("/my%20keys/notify%20%231%3F.sh"), "{uri}");
    assert!(base.is_null(), "an absolute URI has no uriBaseId");
}

#[test]
fn jsonl_lines_equal_the_json_document() {
    for tree in ["fixtures/demo", "fixtures/sources"] {
        let document = scan(&[tree, "--format", "json"]).json();
        let run = scan(&[tree, "--format", "jsonl"]);
        let lines: Vec<Value> = run
            .stdout
            .lines()
            .enumerate()
            .map(|(n, line)| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("{tree}: line {} is not JSON ({e}): {line}", n + 1))
            })
            .collect();
        let of_type = |kind: &str| -> Vec<Value> {
            lines
                .iter()
                .filter(|l| l["type"] == kind)
                .map(|l| {
                    let mut l = l.clone();
                    l.as_object_mut().unwrap().remove("type");
                    l
                })
                .collect()
        };
        for (n, line) in lines.iter().enumerate() {
            let kind = line["type"].as_str().unwrap_or_default();
            assert!(
                ["finding", "error", "summary"].contains(&kind),
                "{tree}: line {} has type {kind:?}",
                n + 1
            );
        }
        assert_eq!(
            &Value::Array(of_type("finding")),
            &document["findings"],
            "{tree}"
        );
        assert_eq!(
            &Value::Array(of_type("error")),
            &document["errors"],
            "{tree}"
        );

        let last = lines.last().expect("at least the summary line");
        assert_eq!(
            last["type"], "summary",
            "{tree}: the last line is the summary"
        );
        assert_eq!(of_type("summary").len(), 1, "{tree}: one summary line");
        assert_eq!(last["summary"], document["summary"]);
        assert_eq!(last["schema_version"], document["schema_version"]);
        assert_eq!(last["policy"]["digest"], document["policy"]["digest"]);
        assert_eq!(
            last["scan"]["files_scanned"],
            document["scan"]["files_scanned"]
        );
        let kinds: Vec<&str> = lines.iter().filter_map(|l| l["type"].as_str()).collect();
        let mut sorted = kinds.clone();
        sorted.sort_by_key(|k| ["finding", "error", "summary"].iter().position(|x| x == k));
        assert_eq!(
            kinds, sorted,
            "{tree}: findings, then errors, then the summary"
        );
    }
}

/// JSON Lines with the wall-clock start time replaced, as `Run::json` does for JSON.
fn scrub_jsonl(stdout: &str) -> String {
    stdout
        .lines()
        .map(|line| {
            let mut value: Value = serde_json::from_str(line).unwrap();
            if let Some(started) = value.pointer_mut("/scan/started_at") {
                *started = Value::String("[started_at]".into());
            }
            if let Some(digest) = value.pointer_mut("/policy/digest") {
                *digest = Value::String("[digest]".into());
            }
            if value["type"] == "finding" {
                drop_rule_text(&mut value);
            }
            value.to_string() + "\n"
        })
        .collect()
}

/// Removes what a finding repeats of its rule's text (message, remediation, …), so that
/// rewording a rule changes the catalog snapshot (`cli::rules_list_json`) and not every
/// format snapshot: these show codes, locations, conditions and fingerprints.
fn drop_rule_text(finding: &mut Value) {
    if let Value::Object(map) = finding {
        for key in [
            "rule",
            "message",
            "failure_mode",
            "remediation",
            "frameworks",
        ] {
            map.remove(key);
        }
    }
}

/// The report with rule metadata reduced to the codes and findings without rule text.
fn without_rule_text(mut report: Value) -> Value {
    let codes: Vec<Value> = array(&report, "/policy/rules")
        .iter()
        .map(|r| r["code"].clone())
        .collect();
    report["policy"]["rules"] = Value::Array(codes);
    report["policy"]["digest"] = Value::String("[digest]".into());
    for finding in report["findings"].as_array_mut().unwrap() {
        drop_rule_text(finding);
    }
    report
}

#[test]
fn snapshot_demo_table() {
    let digest = Regex::new(r"policy (\S+) \(sha256:[0-9a-f]{12}\)").unwrap();
    let table = demo("table").stdout;
    insta::assert_snapshot!("demo_table", digest.replace(&table, "policy $1 ([digest])"));
}

#[test]
fn snapshot_demo_json() {
    let report = without_rule_text(demo("json").json());
    insta::assert_snapshot!("demo_json", serde_json::to_string_pretty(&report).unwrap());
}

#[test]
fn snapshot_demo_jsonl() {
    insta::assert_snapshot!("demo_jsonl", scrub_jsonl(&demo("jsonl").stdout));
}

#[test]
fn snapshot_demo_sarif() {
    let run = demo("sarif");
    let mut sarif: Value = serde_json::from_str(&run.stdout).unwrap();
    let run0 = &mut sarif["runs"][0];
    let checkout = format!("file://{}/", root().display());
    assert_eq!(
        run0["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        checkout.as_str()
    );
    assert_eq!(
        run0["invocations"][0]["workingDirectory"]["uri"],
        checkout.as_str()
    );
    run0["originalUriBaseIds"]["%SRCROOT%"]["uri"] = Value::String("file://[checkout]/".into());
    run0["invocations"][0]["workingDirectory"]["uri"] = Value::String("file://[checkout]/".into());
    assert!(
        !sarif.to_string().contains(&*root().to_string_lossy()),
        "SARIF holds the checkout's absolute path only as the base and the working directory"
    );
    let run0 = &mut sarif["runs"][0];
    let codes: Vec<Value> = array(run0, "/tool/driver/rules")
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    run0["tool"]["driver"]["rules"] = Value::Array(codes);
    for result in run0["results"].as_array_mut().unwrap() {
        result.as_object_mut().unwrap().remove("message");
    }
    run0["properties"]["policy"]["digest"] = Value::String("[digest]".into());
    insta::assert_snapshot!("demo_sarif", serde_json::to_string_pretty(&sarif).unwrap());
}

/// Issue 6, item 9: file names, evidence and error reasons cannot drive the terminal: the
/// table shows control characters, escape sequences and bidi overrides escaped.
#[cfg(unix)]
#[test]
fn issue6_table_escapes_terminal_controls() {
    let dir = tempfile::tempdir().unwrap();
    let name = "evil\x1b[2J\x1b]0;pwned\x07\nfake.txt\u{202e}vne.";
    std::fs::write(
        dir.path().join(name),
        "GITHUB_TOKEN=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\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("report\u{2066}.csv"),
        "user,arn,\x1b[31mred\x1b[0m\n",
    )
    .unwrap();
    let run = crate::common::scan(&[dir.path().to_str().unwrap(), "--format", "table"]);
    assert_eq!(run.code, 1, "{run:?}");
    for raw in ['\x1b', '\x07', '\u{202e}', '\u{2066}'] {
        assert!(
            !run.stdout.contains(raw),
            "{raw:?} printed raw:\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout
            .contains("evil\\x1b[2J\\x1b]0;pwned\\x07\\nfake.txt\\u{202e}vne."),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("report\\u{2066}.csv"), "{}", run.stdout);
}
