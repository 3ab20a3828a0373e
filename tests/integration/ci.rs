//! CI configuration (issue 8), GitHub Actions half: every check as a user sees it (code,
//! file, line:col–line:col, violated condition), the pwn request's related locations in JSON
//! and SARIF, one finding for a token pasted into a workflow, a clean OIDC workflow, and the
//! alias bomb.

use serde_json::Value;

use crate::common::scan;

fn span(location: &Value) -> String {
    format!(
        "{}:{}:{}–{}:{}",
        location["path"].as_str().unwrap(),
        location["line"],
        location["column"],
        location["end_line"],
        location["end_column"]
    )
}

/// Each finding as one block: code, span, violated conditions, related locations.
fn described(report: &Value, code_prefix: &str) -> String {
    let mut out = String::new();
    for f in report["findings"].as_array().unwrap() {
        let code = f["code"].as_str().unwrap();
        if !code.starts_with(code_prefix) {
            continue;
        }
        out.push_str(&format!("{code} {}\n", span(&f["location"])));
        for c in f["violated_condition"].as_array().unwrap() {
            out.push_str(&format!(
                "  violated  {} {} {} (actual {})\n",
                c["field"].as_str().unwrap(),
                c["op"].as_str().unwrap(),
                c["expected"],
                c["actual"]
            ));
        }
        for r in f["related_locations"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "  related   {} at {}\n",
                r["label"].as_str().unwrap(),
                span(&r["location"])
            ));
        }
    }
    out
}

#[test]
fn every_github_actions_check_points_at_its_value() {
    let mut all = String::new();
    for code in 1..=19 {
        let dir = format!("fixtures/rules/GHA{code:03}/fail");
        let report = scan(&[&dir, "--format", "json", "--fail-on", "never"]).json();
        let text = described(&report, &format!("GHA{code:03}"));
        assert!(!text.is_empty(), "{dir} yields no GHA{code:03}");
        all.push_str(&text);
    }
    insta::assert_snapshot!(all);
}

#[test]
fn a_clean_oidc_workflow_yields_no_ci_finding() {
    let report = scan(&[
        "fixtures/rules/GHA001/pass/clean-oidc.yml",
        "--format",
        "json",
    ])
    .json();
    assert_eq!(report["findings"], Value::Array(vec![]), "{report:#}");
    let kinds: Vec<&str> = report["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"gha.job"),
        "the workflow was read: {kinds:?}"
    );
}

#[test]
fn pwn_request_is_one_finding_with_trigger_checkout_and_secret() {
    let path = "fixtures/rules/GHA007/fail/pwn-request.yml";
    let report = scan(&[path, "--format", "json", "--fail-on", "never"]).json();
    let pwn: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "GHA007")
        .collect();
    assert_eq!(pwn.len(), 1);
    let f = pwn[0];
    assert_eq!(
        f["violated_condition"][0]["field"],
        "jobs.build.steps[0].with.ref"
    );
    assert_eq!(span(&f["location"]), format!("{path}:14:16–14:56"));
    let related: Vec<(String, String)> = f["related_locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["label"].as_str().unwrap().to_owned(),
                span(&r["location"]),
            )
        })
        .collect();
    assert_eq!(
        related,
        [
            (
                "trigger `pull_request_target`".to_owned(),
                format!("{path}:4:3–4:21")
            ),
            (
                "checkout in job build, step 0".to_owned(),
                format!("{path}:14:16–14:56")
            ),
            (
                "secret `NPM_TOKEN` used by job build".to_owned(),
                format!("{path}:17:22–17:45")
            ),
        ]
    );

    let sarif = scan(&[path, "--format", "sarif", "--fail-on", "never"]).json();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "GHA007")
        .expect("GHA007 in SARIF");
    let lines: Vec<(Value, Value)> = result["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let region = &l["physicalLocation"]["region"];
            (region["startLine"].clone(), region["startColumn"].clone())
        })
        .collect();
    assert_eq!(
        lines,
        [
            (Value::from(4), Value::from(3)),
            (Value::from(14), Value::from(16)),
            (Value::from(17), Value::from(22)),
        ]
    );
}

#[test]
fn a_token_pasted_into_a_workflow_is_one_finding_with_its_pipeline_context() {
    let path = "fixtures/sources/gha.workflow/pasted-token.yml";
    let report = scan(&[path, "--format", "json", "--fail-on", "never"]).json();
    let at: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap().to_owned(), span(&f["location"])))
        .collect();
    assert_eq!(
        at,
        [
            ("SEC003".to_owned(), format!("{path}:11:17–11:56")),
            ("SEC167".to_owned(), format!("{path}:13:6–13:54")),
        ],
        "no GHA014 for values a detector reported"
    );
    let sec003 = &report["findings"][0];
    assert_eq!(
        sec003["related_locations"][0]["label"],
        "github-actions job deploy"
    );
    assert_eq!(sec003["related_locations"][0]["location"]["line"], 8);
    let secret = report["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "secret" && s["attributes"]["detector"] == "SEC003")
        .unwrap();
    assert_eq!(
        secret["attributes"]["ci"],
        serde_json::json!({
            "platform": "github-actions",
            "workflow": path,
            "job": "deploy",
            "key": "jobs.deploy.env.GH_TOKEN",
        })
    );
}

#[test]
fn alias_bomb_workflow_is_an_error_and_still_scanned_as_text() {
    let path = "fixtures/sources/gha.workflow/alias-bomb.yml";
    let started = std::time::Instant::now();
    let run = scan(&[path, "--format", "json", "--fail-on", "never"]);
    let elapsed = started.elapsed();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let reasons: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "10:7: more nodes than the node budget allows (alias expansion?)",
            "not YAML; read as text only (see the parse error)",
        ]
    );
    assert_eq!(report["findings"][0]["code"], "SEC003", "scanned as text");
    assert_eq!(report["findings"][0]["location"]["line"], 3);
    assert!(
        elapsed < std::time::Duration::from_secs(10),
        "bounded: took {elapsed:?}"
    );
}
