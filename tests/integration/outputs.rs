//! Issue 9, section 1 (CI users): several reports in one run with the table on standard
//! error, SARIF that GitHub code scanning maps to the repository, the CI formats (`github`,
//! `markdown`, `junit`, `gitlab`) as golden outputs and with hostile file names, and
//! `--fail-on-error`.

use std::path::Path;

use regex::Regex;
use serde_json::Value;

use crate::common::{NOW, Run, nhiscan, root, scan};
use crate::report::{assert_valid, sarif_validator, stdout_json};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn scrub_digest(text: &str) -> String {
    let digest = Regex::new(r"sha256:[0-9a-f]{12}").unwrap();
    digest.replace_all(text, "sha256:[digest]").into_owned()
}

/// A token that the SEC003 detector reports (a valid checksum).
const TOKEN: &str = "GITHUB_TOKEN=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\n";

#[test]
fn issue9_with_output_the_table_goes_to_stderr_and_the_report_to_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let run = scan(&["fixtures/demo", "-f", "json", "-o", out.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, "", "nothing on standard output");
    assert!(
        run.stderr.contains("│ 4:113 ┆ HIGH     ┆ AWS001"),
        "the table is on standard error:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "10 findings (1 critical, 7 high, 2 medium); 23 NHIs in inventory; 10 files (8974 bytes) scanned"
        ),
        "{}",
        run.stderr
    );
    let report: Value = serde_json::from_str(&read(&out)).unwrap();
    assert_eq!(report["summary"]["findings"], 10);

    let quiet = scan(&["fixtures/demo", "-q", "-o", out.to_str().unwrap()]);
    assert_eq!(quiet.code, 1);
    assert_eq!(quiet.stdout, "");
    assert!(
        quiet
            .stderr
            .starts_with("10 findings (1 critical, 7 high, 2 medium);")
            && quiet.stderr.lines().count() == 1,
        "--quiet leaves the summary line alone:\n{}",
        quiet.stderr
    );
}

#[test]
fn issue9_several_outputs_in_one_run_each_in_its_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let run = scan(&[
        "fixtures/demo",
        "--format",
        "gitlab",
        "-o",
        &format!("sarif:{}", path("r.sarif")),
        "-o",
        &format!("json:{}", path("r.json")),
        "-o",
        &path("quality.json"),
        "-o",
        "github:-",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let sarif: Value = serde_json::from_str(&read(&dir.path().join("r.sarif"))).unwrap();
    assert_valid(&sarif_validator(), &sarif, "SARIF of -o sarif:PATH");
    let json: Value = serde_json::from_str(&read(&dir.path().join("r.json"))).unwrap();
    assert_eq!(json["schema_version"], "1.3");
    let quality: Value = serde_json::from_str(&read(&dir.path().join("quality.json"))).unwrap();
    assert_eq!(
        quality[0]["check_name"], "SEC003",
        "a plain -o PATH takes --format"
    );
    assert!(
        run.stdout
            .starts_with("::error file=fixtures/demo/.github/workflows/release.yml,"),
        "`-` is standard output:\n{}",
        run.stdout
    );
    assert!(run.stderr.contains("│ 12:21 ┆ HIGH"), "{}", run.stderr);

    let twice = scan(&["fixtures/demo", "-o", "json:-", "-o", "sarif:-"]);
    assert_eq!(twice.code, 2);
    assert!(
        twice
            .stderr
            .contains("--output names standard output twice (json and sarif)"),
        "{}",
        twice.stderr
    );
    let table_on_stdout = scan(&["fixtures/demo", "-o", "table:-", "-o", &path("x.json")]);
    assert_eq!(table_on_stdout.code, 1);
    assert!(table_on_stdout.stdout.contains("│ 12:21 ┆ HIGH"));
    assert_eq!(table_on_stdout.stderr, "", "the table is not printed twice");
}

/// SARIF as GitHub code scanning ingests it ("SARIF support for code scanning" and "SARIF
/// results exceed one or more limits" in GitHub's documentation):
/// - `artifactLocation.uri` is relative to the root of the repository being analysed
///   (`src/x`, not `../src/x`), whatever the working directory or the path given: the same
///   file must have the same path in every run, or every run opens new alerts;
/// - `originalUriBaseIds` gives `%SRCROOT%` as an absolute `file://` URI ending in `/`, and
///   `invocations[].workingDirectory` the directory nhiscan ran in (SARIF 2.1.0 §3.14.14,
///   §3.20.19: a base URI ends with a slash);
/// - `runAutomationDetails.id` names the category (the part before the last `/`);
/// - the file validates against the SARIF 2.1.0 schema.
#[test]
fn issue9_sarif_uris_are_relative_to_the_repository_from_a_subdirectory_and_from_dot_dot() {
    let repo = tempfile::tempdir().unwrap();
    let top = repo.path().canonicalize().unwrap();
    std::fs::create_dir(top.join(".git")).unwrap();
    std::fs::create_dir_all(top.join("src/app")).unwrap();
    std::fs::create_dir_all(top.join("tools")).unwrap();
    std::fs::write(top.join("src/app/settings.env"), TOKEN).unwrap();
    let sarif_from = |dir: &Path, args: &[&str]| -> Value {
        let run = nhiscan()
            .current_dir(dir)
            .args(["scan", "--now", NOW, "--format", "sarif"])
            .args(args)
            .run();
        assert_eq!(run.code, 1, "{run:?}");
        let sarif = stdout_json(&run);
        assert_valid(&sarif_validator(), &sarif, "SARIF of a repository");
        sarif
    };
    let top_uri = format!("file://{}/", top.display());
    for (dir, args, working) in [
        (top.join("tools"), vec!["../src"], top.join("tools")),
        (top.join("src/app"), vec!["."], top.join("src/app")),
        (top.join("src"), vec!["app/settings.env"], top.join("src")),
        (top.clone(), vec!["src"], top.clone()),
    ] {
        let sarif = sarif_from(&dir, &args);
        let run = &sarif["runs"][0];
        let artifact = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(
            artifact["uri"], "src/app/settings.env",
            "{args:?} from {dir:?}"
        );
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
        assert_eq!(
            run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
            top_uri.as_str()
        );
        assert_eq!(
            run["invocations"][0]["workingDirectory"]["uri"],
            format!("file://{}/", working.display()).as_str()
        );
        assert_eq!(run["automationDetails"]["id"], "nhiscan/");
    }
    let categorised = sarif_from(&top, &["src", "--sarif-category", "secrets"]);
    assert_eq!(
        categorised["runs"][0]["automationDetails"]["id"],
        "nhiscan/secrets/"
    );
}

/// Without a repository, URIs are relative to the scanned root.
#[test]
fn issue9_sarif_outside_a_repository_is_relative_to_the_scanned_root() {
    let dir = tempfile::tempdir().unwrap();
    let root_dir = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root_dir.join("scan/me")).unwrap();
    std::fs::write(root_dir.join("scan/me/x.env"), TOKEN).unwrap();
    let run = nhiscan()
        .current_dir(&root_dir.join("scan/me"))
        .args(["scan", "--now", NOW, "--format", "sarif", "../../scan"])
        .run();
    let sarif = stdout_json(&run);
    let run0 = &sarif["runs"][0];
    assert_eq!(
        run0["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "me/x.env"
    );
    assert_eq!(
        run0["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        format!("file://{}/scan/", root_dir.display()).as_str()
    );
}

/// GitHub: "messages should not change between runs"; no result message carries the
/// run's clock (CRT001's used to quote `now` to the nanosecond).
#[test]
fn issue9_sarif_messages_are_the_same_in_two_runs_without_now() {
    let messages = || -> Vec<Value> {
        let run = nhiscan()
            .args(["scan", "fixtures/demo", "--format", "sarif"])
            .run();
        let sarif = stdout_json(&run);
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["message"].clone())
            .collect()
    };
    let first = messages();
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(first, messages());
    assert!(
        first
            .iter()
            .any(|m| m["text"]
                == "certificate legacy-api.example.test expired on 2026-03-01T00:00:00Z"),
        "{first:?}"
    );
}

fn demo(format: &str) -> Run {
    let run = scan(&["fixtures/demo", "--format", format]);
    assert_eq!(run.code, 1, "{run:?}");
    run
}

#[test]
fn snapshot_demo_github() {
    insta::assert_snapshot!("demo_github", scrub_digest(&demo("github").stdout));
}

#[test]
fn snapshot_demo_markdown() {
    insta::assert_snapshot!("demo_markdown", demo("markdown").stdout);
}

#[test]
fn snapshot_demo_junit() {
    let xml = demo("junit").stdout;
    let document = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let suites = document.root_element();
    assert_eq!(suites.tag_name().name(), "testsuites");
    assert_eq!(suites.attribute("failures"), Some("10"));
    insta::assert_snapshot!("demo_junit", xml);
}

#[test]
fn snapshot_demo_gitlab() {
    let run = demo("gitlab");
    let issues: Value = serde_json::from_str(&run.stdout).unwrap();
    for issue in issues.as_array().unwrap() {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(issue[key].is_string(), "{key}: {issue}");
        }
        assert!(issue["location"]["path"].is_string());
        assert!(issue["location"]["lines"]["begin"].is_u64());
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap())
        );
    }
    insta::assert_snapshot!("demo_gitlab", run.stdout);
}

/// A file name made to break each format: separators of workflow-command properties (`,`
/// `:` `%`), a newline that would start a new command, Markdown table and code syntax,
/// XML markup and a control character.
#[cfg(unix)]
#[test]
fn issue9_hostile_file_names_are_escaped_in_every_ci_format() {
    let dir = tempfile::tempdir().unwrap();
    let name = "a,b:c%d\n::error::pwned|`x`<y>&\"z\x1b.env";
    std::fs::write(dir.path().join(name), TOKEN).unwrap();
    let run_in = |format: &str| {
        let run = nhiscan()
            .current_dir(dir.path())
            .args(["scan", "--now", NOW, ".", "--format", format])
            .run();
        assert_eq!(run.code, 1, "{run:?}");
        run.stdout
    };

    let github = run_in("github");
    let first = github.lines().next().unwrap();
    assert_eq!(
        first,
        "::error file=a%2Cb%3Ac%25d%0A%3A%3Aerror%3A%3Apwned|`x`<y>&\"z\\u{001b}.env,line=1,col=14,\
         endLine=1,endColumn=53,title=SEC003 github-token::GitHub token ghp_…NzlX is in plain text\
         %0A↳ matched ghp_…NzlX"
    );
    assert!(
        !github.lines().any(|l| l.starts_with("::error::pwned")),
        "the newline in the name cannot start a command:\n{github}"
    );

    let markdown = run_in("markdown");
    let row = markdown
        .lines()
        .find(|l| l.starts_with("| high | SEC003"))
        .unwrap();
    assert!(
        row.contains("a,b:c%d ::error::pwned\\|\\`x\\`\\<y\\>\\&\"z\\u{001b}.env:1:14"),
        "{row}"
    );
    let unescaped_pipes = row.replace("\\|", "").matches('|').count();
    assert_eq!(unescaped_pipes, 7, "six cells: {row}");

    let junit = run_in("junit");
    let document = roxmltree::Document::parse(&junit).expect("well-formed XML");
    let case = document
        .descendants()
        .find(|n| n.has_tag_name("testcase"))
        .unwrap();
    assert_eq!(
        case.attribute("file"),
        Some("a,b:c%d\n::error::pwned|`x`<y>&\"z\\u{001b}.env"),
        "the name survives a round trip, the control character as an escape"
    );

    let gitlab: Value = serde_json::from_str(&run_in("gitlab")).unwrap();
    assert_eq!(
        gitlab[0]["location"]["path"],
        "a,b:c%d\n::error::pwned|`x`<y>&\"z\x1b.env"
    );
}

/// `--fail-on-error`: an unreadable file (as `nobody`, so the permission error is real) or
/// a malformed one makes the run exit 2, after the whole report is written.
#[cfg(unix)]
#[test]
fn issue9_fail_on_error_exits_2_after_the_report() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let inputs = dir.path().join("inputs");
    std::fs::create_dir(&inputs).unwrap();
    std::fs::set_permissions(&inputs, std::fs::Permissions::from_mode(0o755)).unwrap();
    let locked = inputs.join("locked.env");
    std::fs::write(&locked, "x").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = dir.path().join("report.json");
    let run = crate::common::nhiscan_unprivileged()
        .args(["scan", "--now", NOW, "--fail-on-error", "-o"])
        .args([format!("json:{}", out.display())])
        .args([&inputs])
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains(
            "error: 1 input could not be read or parsed (listed under errors in the report); --fail-on-error makes that exit 2"
        ),
        "{}",
        run.stderr
    );
    let report: Value = serde_json::from_str(&read(&out)).unwrap();
    assert_eq!(report["errors"][0]["kind"], "io");
    assert!(
        report["errors"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("locked.env")
    );

    let without = crate::common::nhiscan_unprivileged()
        .args(["scan", "--now", NOW, "--format", "json"])
        .args([&inputs])
        .run();
    assert_eq!(
        without.code, 0,
        "without the flag an error does not fail: {without:?}"
    );

    let malformed = root().join("fixtures/sources/aws.credential_report");
    let strict = scan(&[malformed.to_str().unwrap(), "--strict", "--format", "json"]);
    assert_eq!(strict.code, 2, "{strict:?}");
    let report = strict.json();
    assert_eq!(report["errors"][0]["kind"], "parse", "{}", report["errors"]);
}
