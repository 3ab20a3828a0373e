//! Issue 8, the CI platforms other than GitHub Actions: every check's fail fixture as a
//! user reads it (code, file, line:col–line:col, violated condition), and clean pipelines
//! that must yield no CI finding.

use serde_json::Value;

use crate::common::scan;

const CI_CODES: &[&str] = &["GLC", "CCI", "AZP", "BBP", "JNK"];

fn is_ci(code: &str) -> bool {
    CI_CODES.iter().any(|p| code.starts_with(p))
}

/// One line per violated condition of each CI finding under `paths`.
fn ci_findings(paths: &[&str]) -> String {
    let mut args = paths.to_vec();
    args.extend(["--format", "json", "--fail-on", "never"]);
    let run = scan(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let mut out = String::new();
    for f in report["findings"].as_array().unwrap() {
        let code = f["code"].as_str().unwrap();
        if !is_ci(code) {
            continue;
        }
        let at = &f["location"];
        out.push_str(&format!(
            "{code} {} {}:{}-{}:{}\n",
            at["path"].as_str().unwrap(),
            at["line"],
            at["column"],
            at["end_line"],
            at["end_column"]
        ));
        for c in f["violated_condition"].as_array().unwrap() {
            out.push_str(&format!(
                "  {} {} {} (actual {})\n",
                c["field"].as_str().unwrap(),
                c["op"].as_str().unwrap(),
                c["expected"],
                c["actual"]
            ));
        }
        out.push_str(&format!("  {}\n", f["message"].as_str().unwrap()));
    }
    out
}

fn fail_fixtures(prefix: &str) -> Vec<String> {
    let root = crate::common::root().join("fixtures/rules");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let code = entry.unwrap().file_name().to_string_lossy().into_owned();
        if code.starts_with(prefix) {
            found.push(format!("fixtures/rules/{code}/fail"));
        }
    }
    found.sort();
    found
}

fn snapshot_platform(prefix: &str) -> String {
    let dirs = fail_fixtures(prefix);
    assert!(!dirs.is_empty(), "no {prefix} fixtures");
    let dirs: Vec<&str> = dirs.iter().map(String::as_str).collect();
    ci_findings(&dirs)
}

#[test]
fn gitlab_checks_locate_their_values() {
    insta::assert_snapshot!(snapshot_platform("GLC"));
}

/// The acceptance case: OIDC `id_tokens`, a role, a digest-pinned image, no stored key.
#[test]
fn clean_gitlab_oidc_pipeline_yields_no_ci_finding() {
    let found = ci_findings(&["fixtures/sources/gitlab.ci/clean-oidc.gitlab-ci.yml"]);
    assert_eq!(found, "");
}

/// A hardcoded variable names its route and is located at its value.
#[test]
fn gitlab_hardcoded_variable_names_its_route() {
    let run = scan(&[
        "fixtures/rules/GLC006/fail/.gitlab-ci.yml",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    let report: Value = run.json();
    let found = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "GLC006" && f["subject"]["name"] == "DEPLOY_TOKEN")
        .unwrap()
        .clone();
    let condition = &found["violated_condition"][0];
    assert_eq!(condition["field"], "deploy.variables.DEPLOY_TOKEN.value");
    assert_eq!(condition["attribute"], "value_source");
    assert_eq!(condition["actual"], "literal");
    assert_eq!(
        [&found["location"]["line"], &found["location"]["column"]],
        [9, 14]
    );
    assert!(
        !run.stdout.contains("dt-4f9a8c7e6b5d4c3b2a1f"),
        "never printed whole"
    );
}

#[test]
fn circleci_checks_locate_their_values() {
    insta::assert_snapshot!(snapshot_platform("CCI"));
}

#[test]
fn azure_pipelines_checks_locate_their_values() {
    insta::assert_snapshot!(snapshot_platform("AZP"));
}

#[test]
fn bitbucket_checks_locate_their_values() {
    insta::assert_snapshot!(snapshot_platform("BBP"));
}

#[test]
fn jenkins_checks_locate_their_lines() {
    insta::assert_snapshot!(snapshot_platform("JNK"));
}

/// Issue 8: the shared corpus of CI files written by others is scanned without a crash.
#[test]
fn issue_8_corpus_scans_without_a_crash() {
    let corpus = crate::common::root().join("../shared/corpus/ci");
    if !corpus.is_dir() {
        return;
    }
    let run = scan(&[
        corpus.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let report = run.json();
    assert!(
        report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| !e["reason"]
                .as_str()
                .unwrap_or("")
                .contains("internal error")),
        "an adapter panicked"
    );
}

/// Every finding of a scan of `path`: code, span and the labels of its related locations.
fn findings_at(path: &str) -> Vec<String> {
    let report = scan(&[path, "--format", "json", "--fail-on", "never"]).json();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let at = &f["location"];
            let related: Vec<String> = f["related_locations"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    format!(
                        "{} at {}",
                        r["label"].as_str().unwrap(),
                        r["location"]["line"]
                    )
                })
                .collect();
            format!(
                "{} {}:{}-{}:{} [{}]",
                f["code"].as_str().unwrap(),
                at["line"],
                at["column"],
                at["end_line"],
                at["end_column"],
                related.join("; ")
            )
        })
        .collect()
}

/// The `ci` context a detector's secret carries, by detector.
fn secret_context(path: &str, detector: &str) -> Value {
    let report = scan(&[path, "--format", "json", "--fail-on", "never"]).json();
    report["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "secret" && s["attributes"]["detector"] == detector)
        .map(|s| s["attributes"]["ci"].clone())
        .unwrap_or(Value::Null)
}

/// Issue 8: a token pasted into a GitLab pipeline is one finding (the detector's) with the
/// pipeline context, not also GLC006 at the same value.
#[test]
fn issue_8_pasted_token_is_one_finding_on_gitlab() {
    let path = "fixtures/sources/gitlab.ci/pasted-token.gitlab-ci.yml";
    assert_eq!(
        findings_at(path),
        [
            "SEC003 6:15-6:54 [gitlab-ci job deploy at 4]",
            "SEC166 8:4-8:45 [gitlab-ci job deploy at 4]",
        ]
    );
    assert_eq!(
        secret_context(path, "SEC003"),
        serde_json::json!({
            "platform": "gitlab-ci",
            "workflow": path,
            "job": "deploy",
            "key": "deploy.variables.GH_TOKEN",
        })
    );
}

#[test]
fn issue_8_pasted_token_is_one_finding_on_circleci() {
    let path = "fixtures/sources/circleci.config/.circleci/pasted-token.yml";
    assert_eq!(
        findings_at(path),
        [
            "SEC003 10:17-10:56 [circleci job deploy at 6]",
            "SEC166 12:6-12:47 [circleci job deploy at 6]",
        ]
    );
    assert_eq!(
        secret_context(path, "SEC003"),
        serde_json::json!({
            "platform": "circleci",
            "workflow": path,
            "job": "deploy",
            "key": "jobs.deploy.environment.GH_TOKEN",
        })
    );
}

#[test]
fn issue_8_pasted_token_is_one_finding_on_azure_pipelines() {
    let path = "fixtures/sources/azure.pipelines/azure-pipelines-pasted-token.yml";
    assert_eq!(
        findings_at(path),
        [
            "SEC003 7:17-7:56 [azure-pipelines job deploy at 4]",
            "SEC166 9:6-9:47 [azure-pipelines job deploy at 4]",
        ]
    );
    assert_eq!(
        secret_context(path, "SEC003")["platform"],
        "azure-pipelines"
    );
}

#[test]
fn issue_8_pasted_token_is_one_finding_on_bitbucket() {
    let path = "fixtures/sources/bitbucket.pipelines/pasted-token/bitbucket-pipelines.yml";
    assert_eq!(
        findings_at(path),
        [
            "SEC003 11:25-11:64 [bitbucket-pipelines job deploy at 6]",
            "SEC166 13:14-13:55 [bitbucket-pipelines job deploy at 6]",
        ]
    );
    assert_eq!(
        secret_context(path, "SEC003")["platform"],
        "bitbucket-pipelines"
    );
}

#[test]
fn issue_8_pasted_token_is_one_finding_on_jenkins() {
    let path = "fixtures/sources/jenkins.file/pasted-token.Jenkinsfile";
    assert_eq!(
        findings_at(path),
        [
            "SEC003 7:21-7:60 [jenkins job (pipeline) at 7]",
            "SEC166 9:8-9:50 [jenkins job (pipeline) at 9]",
        ]
    );
    assert_eq!(secret_context(path, "SEC003")["platform"], "jenkins");
}
