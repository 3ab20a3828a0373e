//! Issue 6, item 1: no input bytes are quoted unredacted. Every planted secret goes through
//! every error path of every adapter and of the config loader, and none of them appears
//! whole in any output format (issue 9: the CI formats too) or on standard error.

use std::path::Path;

use crate::common::{nhiscan, scan};

/// Realistic tokens (as in the fixtures), each of a different shape.
const PLANTED: &[&str] = &[
    "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",
    "AKIAPRORDPOWTKQMLYJ7",
    "79StJdIMcdjqNeWrt06ZzzPRNP4Tk8Y8NLqohmxw",
    "xoxb-4517794687-1722120555524-TO8ZsQS5PWRfCvq0O1HBbpsY",
    "glpat-adjhQoSKoJ46bfHRo7mt",
    "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",
    "AIzaSyMPXktu5WXlw1FitEQKFA485Kb7wej8zOC",
    "sk_live_51FwjkXuVcDEREjN0EWSgZYERU2CuOLEPdrhaFnTdr0cl7QNYLYRg8qnedHYBG1F",
    "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",
    "xoxp-6240704338-3166060490437-3760301900327-0b06745a8b94d94e8be1379eee00beda",
    "AKIAIOSFODNN7EXAMPLE",
];

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

fn assert_not_quoted(what: &str, output: &str) {
    for secret in PLANTED {
        assert!(
            !output.contains(secret),
            "{what} quotes {secret} whole:\n{output}"
        );
    }
}

/// One input per error path of each adapter, each holding one planted secret where the
/// error is about.
fn plant_inputs(dir: &Path) {
    let write = |name: String, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    for (n, secret) in PLANTED.iter().enumerate() {
        // aws.credential_report: a differing header cell, a wrong column count, short rows.
        write(
            format!("cell-{n}.csv"),
            HEADER.replacen("password_enabled", secret, 1).as_bytes(),
        );
        write(
            format!("short-{n}.csv"),
            format!("user,arn,{secret}\n").as_bytes(),
        );
        write(
            format!("row-{n}.csv"),
            format!("{HEADER}\n{secret},\"{secret}\n").as_bytes(),
        );
        // aws.list_access_keys: bad JSON after the secret, the secret as a duplicate key,
        // an entry without a name, a list that is not one.
        write(
            format!("syntax-{n}.json"),
            format!(r#"{{"AccessKeyMetadata": [{{"UserName": "{secret}" "{secret}"}}]}}"#)
                .as_bytes(),
        );
        write(
            format!("dup-{n}.json"),
            format!(r#"{{"AccessKeyMetadata": [], "{secret}": 1, "{secret}": 2}}"#).as_bytes(),
        );
        write(
            format!("entry-{n}.json"),
            format!(r#"{{"AccessKeyMetadata": [{{"Secret": "{secret}"}}]}}"#).as_bytes(),
        );
        write(
            format!("shape-{n}.json"),
            format!(r#"{{"AccessKeyMetadata": "{secret}"}}"#).as_bytes(),
        );
        // x509: bad base64, base64 that is no certificate, no END line, bad DER.
        write(
            format!("b64-{n}.pem"),
            format!("-----BEGIN CERTIFICATE-----\n{secret}!\n-----END CERTIFICATE-----\n")
                .as_bytes(),
        );
        let encoded = {
            use base64::Engine as _;
            let mut der = vec![0x30, 0x82, 0x01, 0x00];
            der.extend_from_slice(secret.as_bytes());
            base64::engine::general_purpose::STANDARD.encode(der)
        };
        write(
            format!("notcert-{n}.pem"),
            format!("-----BEGIN CERTIFICATE-----\n{encoded}\n-----END CERTIFICATE-----\n")
                .as_bytes(),
        );
        write(
            format!("noend-{n}.pem"),
            format!("-----BEGIN CERTIFICATE-----\n{secret}\n").as_bytes(),
        );
        let mut der = vec![0x30, 0x82, 0x01, 0x00];
        der.extend_from_slice(secret.as_bytes());
        write(format!("bad-{n}.der"), &der);
        // text: invalid UTF-8 beside the secret.
        let mut latin = format!("password = {secret}").into_bytes();
        latin.extend_from_slice(b" \xff\xfe\n");
        write(format!("latin-{n}.txt"), &latin);
    }
}

#[test]
fn issue6_no_planted_secret_is_quoted_by_any_adapter_in_any_format() {
    let dir = tempfile::tempdir().unwrap();
    plant_inputs(dir.path());
    let root = dir.path().to_str().unwrap();
    for format in [
        "table", "json", "jsonl", "sarif", "github", "markdown", "junit", "gitlab",
    ] {
        let run = scan(&[root, "--format", format]);
        assert!(run.code == 0 || run.code == 1, "{run:?}");
        assert_not_quoted(&format!("--format {format}"), &run.stdout);
        assert_not_quoted(&format!("stderr of --format {format}"), &run.stderr);
        if format == "json" {
            let errors = run.json()["errors"].as_array().unwrap().len();
            assert!(
                errors >= PLANTED.len() * 10,
                "every planted input is an error: {}",
                run.stdout
            );
        }
    }
}

/// Config files that are wrong in every way the loader reports, each quoting a secret.
fn bad_configs(secret: &str) -> Vec<String> {
    vec![
        format!("GITHUB_TOKEN={secret}\nAWS_SECRET_ACCESS_KEY={secret}\n"),
        format!("export TOKEN=\"{secret}\"\n"),
        format!("{secret}: 1\n"),
        format!("policy_version: v1\n{secret}: 1\n"),
        format!("rules:\n  {secret}:\n    enabled: false\n"),
        format!("rules:\n  AWS001:\n    params:\n      {secret}: 1\n"),
        format!("rules:\n  AWS001:\n    params:\n      max_age_days: \"{secret}\"\n"),
        format!("rules:\n  AWS001:\n    severity: {secret}\n"),
        format!("policy_version: [{secret}]\n"),
        format!("exclude: [\"[{secret}\"]\n"),
        format!("policy_version: v1\nexclude: \"{secret}\n"),
        format!("policy_version: v1\nrules: {{{secret}: [}}\n"),
    ]
}

#[test]
fn issue6_no_planted_secret_is_quoted_by_the_config_loader() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for (n, secret) in PLANTED.iter().enumerate() {
        for (k, config) in bad_configs(secret).into_iter().enumerate() {
            let path = dir.path().join(format!("config-{n}-{k}.env"));
            std::fs::write(&path, &config).unwrap();
            let run = nhiscan()
                .args(["scan", "--now", crate::common::NOW, "--config"])
                .args([&path, &empty])
                .run();
            assert_eq!(run.code, 2, "config {k} is rejected: {config}\n{run:?}");
            assert_not_quoted(&format!("config {k}"), &run.stderr);
            assert_not_quoted(&format!("config {k}"), &run.stdout);
        }
    }
}

/// Every detector rule's pattern and the texts it must find: its `examples` and the files of
/// its `fixtures/rules/<CODE>/fail/`.
fn detector_rules() -> Vec<(String, regex::Regex, Vec<String>)> {
    let root = crate::common::root();
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root.join("rules")) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let rule: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let Some(pattern) = rule["detect"]["pattern"].as_str() else {
            continue;
        };
        let code = rule["id"].as_str().unwrap().to_owned();
        let mut texts: Vec<String> = rule["examples"]
            .as_sequence()
            .into_iter()
            .flatten()
            .filter_map(|e| e.as_str().map(str::to_owned))
            .collect();
        let fail = root.join("fixtures/rules").join(&code).join("fail");
        for file in std::fs::read_dir(&fail).into_iter().flatten() {
            let bytes = std::fs::read(file.unwrap().path()).unwrap();
            texts.push(String::from_utf8_lossy(&bytes).into_owned());
        }
        out.push((code, regex::Regex::new(pattern).unwrap(), texts));
    }
    out
}

/// The value a pattern's secret group captures in `text`, for each match.
fn captured(regex: &regex::Regex, text: &str) -> Vec<String> {
    let group = regex
        .capture_names()
        .position(|n| n == Some("secret"))
        .unwrap_or(1);
    regex
        .captures_iter(text)
        .filter_map(|c| c.get(group).map(|m| m.as_str().to_owned()))
        .collect()
}

/// Issue 7, item 7: no planted secret appears whole in any output format. The planted
/// values are what each detector's pattern captures in its own examples and fail fixtures;
/// the examples are scanned as files next to the fixture folders, in every `--format` the
/// CLI offers (enumerated from the clap enum, so a new format is covered by this test).
#[test]
fn issue7_no_planted_secret_appears_unredacted_in_any_format() {
    use clap::ValueEnum as _;
    let dir = tempfile::tempdir().unwrap();
    let mut planted: Vec<(String, String)> = Vec::new();
    for (code, regex, texts) in detector_rules() {
        for (n, text) in texts.iter().enumerate() {
            std::fs::write(dir.path().join(format!("{code}-{n}.txt")), text).unwrap();
            for value in captured(&regex, text) {
                if value.chars().count() >= 12 {
                    planted.push((code.clone(), value));
                }
            }
        }
    }
    planted.sort();
    planted.dedup();
    assert!(
        planted.iter().any(|(code, _)| code == "SEC002"),
        "private keys are among the planted values"
    );
    let roots = [dir.path().to_str().unwrap(), "fixtures/rules"];
    for format in nhiscan::report::Format::value_variants() {
        let name = format.to_possible_value().unwrap().get_name().to_owned();
        let run = scan(&[&roots[..], &["--format", &name]].concat());
        assert!(run.code == 0 || run.code == 1, "{name}: {run:?}");
        let leaked: Vec<String> = planted
            .iter()
            .filter(|(_, value)| {
                run.stdout.contains(value.as_str()) || run.stderr.contains(value.as_str())
            })
            .map(|(code, value)| format!("{code}: {}…", &value[..value.floor_char_boundary(6)]))
            .collect();
        assert!(
            leaked.is_empty(),
            "--format {name} shows {} planted values whole: {leaked:?}",
            leaked.len()
        );
    }
}
