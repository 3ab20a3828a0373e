//! Every rule against its real-format fixtures: each file in `fixtures/rules/<CODE>/fail/`
//! must yield that code (snapshotted with its violated condition), each in `pass/` must not.
//! Plus the acceptance cases of issue 2 checked field by field.

use serde_json::{Value, json};

use crate::common::{each_fixture, findings_text, scan};

fn code_of(path: &std::path::Path) -> String {
    let dir = path
        .parent()
        .and_then(|p| p.parent())
        .expect("fixtures/rules/<CODE>/<fail|pass>/file");
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

fn relative(path: &std::path::Path) -> String {
    path.strip_prefix(crate::common::root())
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

fn findings_of(report: &Value, code: &str) -> Vec<Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .cloned()
        .collect()
}

#[test]
fn fail_fixtures_yield_their_code() {
    each_fixture("fixtures/rules", "*/fail/*", |path| {
        let code = code_of(path);
        let run = scan(&[&relative(path), "--format", "json", "--fail-on", "never"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let report = run.json();
        let mine = json!({ "findings": findings_of(&report, &code) });
        assert!(
            !mine["findings"].as_array().unwrap().is_empty(),
            "{} yields no {code}",
            relative(path)
        );
        insta::assert_snapshot!(findings_text(&mine));
    });
}

#[test]
fn pass_fixtures_do_not_yield_their_code() {
    each_fixture("fixtures/rules", "*/pass/*", |path| {
        let code = code_of(path);
        let report = scan(&[&relative(path), "--format", "json", "--fail-on", "never"]).json();
        let wrong = findings_of(&report, &code);
        assert!(
            wrong.is_empty(),
            "{} yields {code}:\n{}",
            relative(path),
            findings_text(&json!({ "findings": wrong }))
        );
    });
}

/// Issue 2: a 412-day-old active key yields the rotation code with actual 412, expected 90,
/// at that row's line.
#[test]
fn issue_2_key_rotated_412_days_ago() {
    let path = "fixtures/sources/aws.credential_report/credential-report.csv";
    let report = scan(&[path, "--format", "json"]).json();
    let found = findings_of(&report, "AWS001");
    let key = found
        .iter()
        .find(|f| f["subject"]["name"] == "svc-deployer")
        .expect("AWS001 for svc-deployer");
    assert_eq!(key["violated_condition"][0]["field"], "last_rotated");
    assert_eq!(key["violated_condition"][0]["op"], "older_than_days");
    assert_eq!(key["violated_condition"][0]["actual"], 412);
    assert_eq!(key["violated_condition"][0]["expected"], 90);
    let row = std::fs::read_to_string(crate::common::root().join(path)).unwrap();
    let line = row
        .lines()
        .position(|l| l.starts_with("svc-deployer,"))
        .unwrap()
        + 1;
    assert_eq!(key["location"]["line"], line);
    assert_eq!(key["location"]["path"], path);
    assert_eq!(
        key["subject"]["id"],
        "arn:aws:iam::123456789012:user/svc-deployer#key1"
    );
}

/// Issue 2: a certificate whose notAfter is 2026-03-01 yields the expiry code at the PEM
/// block's first line, notAfter as `actual` against now as `expected`.
#[test]
fn issue_2_certificate_expired_on_2026_03_01() {
    let path = "fixtures/sources/x509/expired.pem";
    let report = scan(&[path, "--format", "json"]).json();
    let found = findings_of(&report, "CRT001");
    assert_eq!(found.len(), 1);
    let text = std::fs::read_to_string(crate::common::root().join(path)).unwrap();
    let begin = text
        .lines()
        .position(|l| l == "-----BEGIN CERTIFICATE-----")
        .unwrap()
        + 1;
    assert_eq!(
        begin, 4,
        "the fixture has three lines of text before the block"
    );
    assert_eq!(found[0]["location"]["line"], begin);
    assert_eq!(found[0]["violated_condition"][0]["field"], "not_after");
    assert_eq!(
        found[0]["violated_condition"][0]["actual"],
        "2026-03-01T00:00:00Z"
    );
    assert_eq!(
        found[0]["violated_condition"][0]["expected"],
        "2026-11-23T00:00:00Z"
    );
    assert!(
        findings_of(&report, "CRT002").is_empty(),
        "an expired certificate is not 'expiring soon'"
    );
}

/// A config override changes a rule's limit, and the finding reports the new limit.
#[test]
fn config_overrides_params_severity_and_enablement() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("nhiscan.yaml");
    std::fs::write(
        &config,
        "policy_version: \"2026.11-strict\"\nrules:\n  AWS001:\n    severity: critical\n    params: { max_age_days: 10 }\n  AWS002: { enabled: false }\n",
    )
    .unwrap();
    let path = "fixtures/sources/aws.credential_report/credential-report.csv";
    let report = scan(&[
        path,
        "--format",
        "json",
        "--config",
        config.to_str().unwrap(),
    ])
    .json();
    assert_eq!(report["policy"]["version"], "2026.11-strict");
    assert!(findings_of(&report, "AWS002").is_empty(), "disabled");
    let ci = findings_of(&report, "AWS001")
        .into_iter()
        .find(|f| f["subject"]["name"] == "ci-runner")
        .expect("12-day-old key over a 10-day limit");
    assert_eq!(ci["severity"], "critical");
    assert_eq!(ci["violated_condition"][0]["expected"], 10);
    assert_eq!(ci["violated_condition"][0]["actual"], 12);
}

/// `--rules DIR` adds rules and replaces built-ins by code.
#[test]
fn user_rules_add_and_replace_builtins() {
    let dir = tempfile::tempdir().unwrap();
    let stricter = r#"id: AWS001
name: access-key-not-rotated
severity: low
subject: aws.access_key
params: { max_age_days: 10 }
where: { field: status, eq: Active }
when: { field: last_rotated, older_than_days: "{{max_age_days}}" }
message: "key of {{user}} is {{actual}} days old (our limit {{expected}})"
failure_class: drift
failure_mode: keys live too long
frameworks: [OWASP-NHI:NHI7]
remediation: rotate
examples: [{ attrs: { status: Active, last_rotated: "2026-05-01", user: ci }, violates: last_rotated }]
negative_examples: [{ attrs: { status: Active, last_rotated: "2026-05-25" } }]
"#;
    std::fs::write(dir.path().join("AWS001.yaml"), stricter).unwrap();
    std::fs::write(
        dir.path().join("ACME001.yaml"),
        r#"id: ACME001
name: deploy-user-key
severity: critical
subject: aws.access_key
where: { field: status, eq: Active }
when: { field: user, matches: "^svc-dep" }
message: "deploy user {{user}} has an active key ({{actual}})"
failure_class: misconfiguration
failure_mode: deploy users must use OIDC
frameworks: [OWASP-NHI:NHI7]
remediation: use OIDC federation
examples: [{ attrs: { status: Active, user: svc-deployer }, violates: user }]
negative_examples: [{ attrs: { status: Active, user: ci-runner } }]
"#,
    )
    .unwrap();
    let path = "fixtures/sources/aws.credential_report/credential-report.csv";
    let report = scan(&[
        path,
        "--format",
        "json",
        "--rules",
        dir.path().to_str().unwrap(),
    ])
    .json();
    let acme = findings_of(&report, "ACME001");
    assert_eq!(acme.len(), 1);
    assert_eq!(
        acme[0]["message"],
        "deploy user svc-deployer has an active key (svc-deployer)"
    );
    assert_eq!(acme[0]["violated_condition"][0]["op"], "matches");
    let replaced = findings_of(&report, "AWS001");
    assert!(
        replaced
            .iter()
            .all(|f| f["severity"] == "low" && f["violated_condition"][0]["expected"] == 10)
    );
    assert!(
        replaced.iter().any(|f| f["subject"]["name"] == "ci-runner"),
        "12 days is over the user's 10-day limit"
    );
    let rules: Vec<_> = report["policy"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(rules.iter().filter(|c| **c == "AWS001").count(), 1);
}

/// Issue 5: detector keywords may overlap. A user rule whose keyword `xoxb` lies inside the
/// built-in SEC004's `xoxb-` used to stop SEC004 (or itself) from being a candidate; both
/// must fire on the same line.
#[test]
fn issue_5_overlapping_keywords_of_a_user_rule_and_a_builtin_both_fire() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("USR001-slack-bot-team.yaml"),
        r#"id: USR001
name: slack-bot-team-id
severity: low
detect:
  provider: slack
  pattern: '\b(xoxb-[0-9]{10})-'
  keywords: [xoxb]
message: "Slack bot token of team {{redacted}}"
failure_class: exposure
failure_mode: the team a leaked bot token belongs to
frameworks: [OWASP-NHI:NHI2]
remediation: Revoke the token.
examples: ['xoxb-1579275739-2798598720307-QWfF6CJxQS9NECwivyaxeTgg']
negative_examples: ['xoxb-your-token-here']
"#,
    )
    .unwrap();
    let file = dir.path().join("slack.env");
    std::fs::write(
        &file,
        "# NOT OK: a bot token; SEC004 (keyword xoxb-) and USR001 (keyword xoxb) both fire\nSLACK_BOT_TOKEN=xoxb-1579275739-2798598720307-QWfF6CJxQS9NECwivyaxeTgg\n",
    )
    .unwrap();
    let report = scan(&[
        file.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "never",
    ])
    .json();
    let mut found: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [("SEC004".to_owned(), 2), ("USR001".to_owned(), 2)],
        "{report:#}"
    );
}

/// Issue 5: a condition on an attribute read from a document reports the full route into
/// the document as its field, and the exact span of the value, in every format.
#[test]
fn issue_5_a_condition_on_a_document_value_names_its_route_and_span() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ACME002.yaml"),
        r#"id: ACME002
name: inactive-key-kept
severity: low
subject: aws.access_key
when: { field: status, eq: Inactive }
message: "inactive key of {{user}} should be deleted"
failure_class: drift
failure_mode: an inactive key can be reactivated by anyone allowed to
frameworks: [OWASP-NHI:NHI7]
remediation: delete it
examples: [{ attrs: { status: Inactive, user: ci }, violates: status }]
negative_examples: [{ attrs: { status: Active } }]
"#,
    )
    .unwrap();
    let path = "fixtures/sources/aws.list_access_keys/list-access-keys.json";
    let args = |format: &'static str| {
        vec![
            path.to_owned(),
            "--rules".into(),
            dir.path().to_str().unwrap().to_owned(),
            "--format".into(),
            format.into(),
        ]
    };
    let run = |format| {
        let args = args(format);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        scan(&args)
    };
    let report = run("json").json();
    let found = findings_of(&report, "ACME002");
    assert_eq!(found.len(), 1);
    let condition = &found[0]["violated_condition"][0];
    assert_eq!(condition["field"], "AccessKeyMetadata[1].Status");
    assert_eq!(condition["attribute"], "status");
    let at = &found[0]["location"];
    assert_eq!(
        [
            &at["line"],
            &at["column"],
            &at["end_line"],
            &at["end_column"]
        ],
        [&json!(11), &json!(23), &json!(11), &json!(32)],
        "the value \"Inactive\", quotes included"
    );
    let sarif: Value = serde_json::from_str(&run("sarif").stdout).unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "ACME002")
        .unwrap()
        .clone();
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        [
            &region["startLine"],
            &region["startColumn"],
            &region["endLine"],
            &region["endColumn"]
        ],
        [&json!(11), &json!(23), &json!(11), &json!(33)],
        "SARIF's end column is exclusive"
    );
    let jsonl = run("jsonl").stdout;
    let line: Value = jsonl
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["code"] == "ACME002")
        .unwrap();
    assert_eq!(line["location"], found[0]["location"]);
    assert!(
        run("table").stdout.contains("11:23"),
        "the table shows line:column"
    );
}

/// Issue 7, item 2: a private key's finding says whether it is encrypted, read from the key
/// itself (the cipher inside an OpenSSH blob, a PEM `DEK-Info`, a PKCS#8 OID): encrypted
/// keys are low with their cipher, unencrypted ones high. The keys were made for the test
/// with `ssh-keygen` and `openssl`.
#[test]
fn issue_7_encrypted_private_keys_are_low_with_their_cipher() {
    let cases = [
        (
            "id_ed25519_encrypted",
            "low",
            true,
            "aes256-ctr",
            Some("bcrypt"),
        ),
        ("id_ed25519", "high", false, "none", Some("none")),
        ("encrypted-rsa.pem", "low", true, "aes-256-cbc", None),
        ("encrypted-pkcs8.pem", "low", true, "aes-256-cbc", None),
        ("ec-p256-key.pem", "high", false, "none", None),
    ];
    for (file, severity, encrypted, cipher, kdf) in cases {
        let path = format!("fixtures/rules/SEC002/fail/{file}");
        let report = scan(&[&path, "--format", "json"]).json();
        let found = findings_of(&report, "SEC002");
        assert_eq!(found.len(), 1, "{file}: {found:?}");
        let finding = &found[0];
        let attributes = inventory_attributes(&report, &finding["subject"]["id"]);
        assert_eq!(finding["severity"], severity, "{file}");
        assert_eq!(attributes["encrypted"], encrypted, "{file}");
        assert_eq!(attributes["cipher"], cipher, "{file}");
        assert_eq!(attributes["kdf"].as_str(), kdf, "{file}");
        assert_eq!(finding["location"]["line"], 1, "{file}");
        if encrypted {
            assert!(
                finding["message"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("private key encrypted with {cipher} ")),
                "{file}: {}",
                finding["message"]
            );
        }
    }
}

/// The attributes the inventory lists for the subject with id `id`.
fn inventory_attributes<'a>(report: &'a Value, id: &Value) -> &'a Value {
    report["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| &item["id"] == id)
        .map(|item| &item["attributes"])
        .unwrap_or_else(|| panic!("{id} is in the inventory"))
}

/// Issue 7, item 1: a GCP service-account key file is one finding that names the service
/// account, at its `private_key`; the PEM block inside is not also an anonymous SEC002.
#[test]
fn issue_7_a_service_account_key_is_one_finding_naming_its_account() {
    let path = "fixtures/rules/GCP001/fail/deployer-key.json";
    let report = scan(&[path, "--format", "json"]).json();
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["GCP001"]);
    let finding = &report["findings"][0];
    assert_eq!(
        finding["message"],
        "key 3f1c9b2e7a5d4c8b9e0f1a2b3c4d5e6f7a8b9c0d of GCP service account \
         deployer@nhiscan-test-project.iam.gserviceaccount.com (project nhiscan-test-project) \
         is in plain text"
    );
    assert_eq!(finding["location"]["line"], 5);
    assert_eq!(finding["violated_condition"][0]["field"], "private_key");
    assert_eq!(
        finding["subject"]["name"],
        "deployer@nhiscan-test-project.iam.gserviceaccount.com"
    );
    let attributes = inventory_attributes(&report, &finding["subject"]["id"]);
    assert_eq!(
        attributes["client_email"],
        "deployer@nhiscan-test-project.iam.gserviceaccount.com"
    );
    assert_eq!(attributes["project_id"], "nhiscan-test-project");
    assert_eq!(attributes["private_key"], "MIIE…qrc=");
}

/// Issue 7, item 5: the parts of a multi-part credential are one finding, with the other
/// part as a related location, and high confidence. (SEC078's match starts at the account
/// SID when the SID names the token, so that finding starts on the SID's line.)
#[test]
fn issue_7_multi_part_credentials_are_one_finding_with_both_locations() {
    let cases = [
        (
            "aws.env",
            "# deploy user\nAWS_ACCESS_KEY_ID=AKIAZ7RTQ2MXGH5KPL4Q\nregion=eu-west-1\n\
             AWS_SECRET_ACCESS_KEY=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\n",
            "SEC001",
            2,
            "secret_access_key",
            4,
        ),
        (
            "storage.py",
            "# blob storage\nSTORAGE_ACCOUNT_NAME = \"nhiscanlogs01\"\n\
             STORAGE_ACCOUNT_KEY = \"sxCQFdwy+kC9QdfbTWUVzV1x5lI4JYjUy43fcTvVr8NnWxwf0SeX/xmO1JUPPFCbH2FVC1nc2+gXsIDWxyp4Fq==\"\n",
            "SEC009",
            3,
            "account_name",
            2,
        ),
        (
            "twilio.rb",
            "# sms\naccount_sid = 'AC8f3e2d1c0b9a87654321fedcba098765'\n\n\
             auth_token = '4c9e1b7a2f3d8c6e5a0b9d7f1e3c2a8b'\n",
            "SEC078",
            2,
            "account_sid",
            2,
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (file, text, code, line, label, related_line) in cases {
        let path = dir.path().join(file);
        std::fs::write(&path, text).unwrap();
        let report = scan(&[path.to_str().unwrap(), "--format", "json"]).json();
        let found: Vec<(String, u64)> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["code"].as_str().unwrap().to_owned(),
                    f["location"]["line"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(found, [(code.to_owned(), line)], "{file}");
        let finding = &report["findings"][0];
        assert_eq!(finding["confidence"], "high", "{file}");
        let related = finding["related_locations"].as_array().unwrap();
        assert_eq!(related.len(), 1, "{file}: {related:?}");
        assert_eq!(related[0]["label"], label, "{file}");
        assert_eq!(related[0]["location"]["line"], related_line, "{file}");
    }
}
