//! Choosing what to scan (issue 9, "Terminal users"): config discovery, missing paths,
//! `--select` / `--ignore`, `--min-severity` / `--min-confidence`, default excludes,
//! `--respect-gitignore` and `--exclude` globs.

use std::path::Path;

use serde_json::Value;

use crate::common::{NOW, Run, nhiscan, scan};

const KEY: &str = "AWS_ACCESS_KEY_ID=AKIAZ7RTQ2MXGH5KPL4Q\n";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `(code, path, line)` of every finding, paths relative to `base` when below it.
fn found(report: &Value, base: &str) -> Vec<(String, String, u64)> {
    let place = |code: &str, location: &Value| {
        let path = location["path"].as_str().unwrap();
        let path = path.strip_prefix(base).unwrap_or(path);
        (
            code.to_owned(),
            path.trim_start_matches('/').to_owned(),
            location["line"].as_u64().unwrap(),
        )
    };
    let mut found: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            let code = f["code"].as_str().unwrap();
            let same_secret = f["related_locations"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|r| r["label"] == "same secret")
                .map(|r| place(code, &r["location"]));
            std::iter::once(place(code, &f["location"])).chain(same_secret)
        })
        .collect();
    found.sort();
    found
}

fn sec001(path: &str) -> (String, String, u64) {
    ("SEC001".to_owned(), path.to_owned(), 1)
}

fn scan_in(dir: &Path, args: &[&str]) -> Run {
    nhiscan()
        .current_dir(dir)
        .args(["scan", "--now", NOW, "--format", "json"])
        .args(args)
        .run()
}

/// A repository whose `nhiscan.yaml` (at its top) disables SEC001, with a key in
/// `sub/deep/key.env`.
fn repository_with_config() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    write(
        &dir.path().join("nhiscan.yaml"),
        "rules:\n  SEC001: { enabled: false }\n",
    );
    write(&dir.path().join("sub/deep/key.env"), KEY);
    dir
}

#[test]
fn config_is_found_from_a_subdirectory_up_to_the_repository_root() {
    let repo = repository_with_config();
    let run = scan_in(&repo.path().join("sub/deep"), &["."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(found(&run.json(), ""), vec![]);

    let run = scan_in(
        &repo.path().join("sub/deep"),
        &[".", "--config", "/dev/null"],
    );
    assert_eq!(run.code, 1, "an explicit --config wins: {}", run.stderr);
    assert_eq!(found(&run.json(), ""), vec![sec001("key.env")]);
}

#[test]
fn config_is_found_next_to_a_root_outside_the_working_directory() {
    let repo = repository_with_config();
    let elsewhere = tempfile::tempdir().unwrap();
    write(
        &elsewhere.path().join("nhiscan.yaml"),
        "rules:\n  AWS004: { enabled: false }\n",
    );
    let root = repo.path().join("sub");
    let run = scan_in(elsewhere.path(), &[root.to_str().unwrap()]);
    assert_eq!(
        run.code, 0,
        "the root's config, not the working directory's: {}",
        run.stderr
    );
    let report = run.json();
    let enabled = |code: &str| {
        report["policy"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .unwrap()["enabled"]
            .clone()
    };
    assert_eq!(enabled("SEC001"), false);
    assert_eq!(enabled("AWS004"), true);
}

#[test]
fn a_config_above_a_root_outside_any_repository_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("nhiscan.yaml"),
        "rules:\n  SEC001: { enabled: false }\n",
    );
    write(&dir.path().join("project/key.env"), KEY);
    let root = dir.path().join("project");
    let run = scan(&[root.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let base = root.to_str().unwrap();
    assert_eq!(found(&run.json(), base), vec![sec001("key.env")]);

    let run = scan_in(dir.path(), &["project"]);
    assert_eq!(
        run.code, 0,
        "the root's own directory and the working directory are looked in: {}",
        run.stderr
    );
}

#[test]
fn roots_with_different_configs_are_a_usage_error() {
    let one = repository_with_config();
    let two = repository_with_config();
    let run = scan(&[
        one.path().to_str().unwrap(),
        two.path().to_str().unwrap(),
        "fixtures/demo",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .contains("the roots have different configurations"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("pass --config FILE"), "{}", run.stderr);
}

/// Issue 6, item 8 holds for a discovered config too: it comes with the checkout.
#[test]
fn a_discovered_config_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    write(
        &dir.path().join("nhiscan.yaml"),
        &"# padding\n".repeat(120_000),
    );
    write(&dir.path().join("sub/key.env"), KEY);
    let run = scan_in(&dir.path().join("sub"), &["."]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("larger than 1024 KiB"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_path_among_others_is_an_error_and_the_rest_is_scanned() {
    let run = scan(&[
        "fixtures/rules/SEC001/fail",
        "deleted/secrets.env",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(
        report["errors"],
        serde_json::json!([{"path": "deleted/secrets.env", "kind": "io", "reason": "not found"}])
    );
    assert_eq!(report["findings"][0]["code"], "SEC001");
    assert_eq!(report["summary"]["errors"], 1);

    let table = scan(&["fixtures/rules/SEC001/fail", "deleted/secrets.env"]);
    assert!(
        table.stdout.contains("deleted/secrets.env"),
        "{}",
        table.stdout
    );
}

#[test]
fn every_path_missing_is_a_usage_error() {
    let run = scan(&["deleted/a.env", "deleted/b.env"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .contains("cannot scan deleted/a.env, deleted/b.env: none of them exists"),
        "{}",
        run.stderr
    );
}

/// An AWS key (SEC001: high severity, medium confidence), a GCP API key (SEC007: medium
/// severity, high confidence) and a database URL with a password (SEC140: high, medium).
fn three_secrets() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("app.env"),
        &format!(
            "{KEY}GOOGLE_API_KEY=AIzaSyXcHVaiZ5RPOtZycmQdn-WXrPh6zcefks8\n\
             DATABASE_URL=postgres://billing_app:Vq8wL2rN5tZk@pg-prod-1.c8xjd3kq.eu-west-1.rds.amazonaws.com:5432/billing\n"
        ),
    );
    dir
}

fn codes(run: &Run) -> Vec<String> {
    run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn select_and_ignore_take_codes_prefixes_and_globs() {
    let dir = three_secrets();
    let root = dir.path().to_str().unwrap();
    let with = |args: &[&str]| scan(&[&[root, "--format", "json"], args].concat());
    assert_eq!(codes(&with(&[])), ["SEC001", "SEC007", "SEC140"]);
    assert_eq!(codes(&with(&["--select", "SEC00?"])), ["SEC001", "SEC007"]);
    assert_eq!(codes(&with(&["--select", "sec14?"])), ["SEC140"]);
    assert_eq!(codes(&with(&["--select", "GHA,SEC140"])), ["SEC140"]);
    assert_eq!(
        codes(&with(&["--select", "AWS", "--select", "SEC001"])),
        ["SEC001"]
    );
    assert_eq!(codes(&with(&["--ignore", "SEC14*"])), ["SEC001", "SEC007"]);
    assert_eq!(
        codes(&with(&["--select", "SEC*", "--ignore", "SEC001"])),
        ["SEC007", "SEC140"]
    );
    assert_eq!(
        codes(&with(&["--select", "SEC001", "--ignore", "SEC*"])),
        ["SEC001"],
        "an exact code is more specific than a glob"
    );
    let none = with(&["--ignore", "SEC"]);
    assert_eq!(none.code, 0);
    assert_eq!(codes(&none), Vec::<String>::new());
}

#[test]
fn select_overrides_the_config_only_for_an_exact_code() {
    let dir = three_secrets();
    let config = dir.path().join("nhiscan.yaml");
    write(&config, "rules:\n  SEC001: { enabled: false }\n");
    let root = dir.path().join("app.env");
    let with = |select: &str| {
        scan(&[
            root.to_str().unwrap(),
            "--format",
            "json",
            "--config",
            config.to_str().unwrap(),
            "--select",
            select,
        ])
    };
    assert_eq!(codes(&with("SEC*")), ["SEC007", "SEC140"]);
    assert_eq!(codes(&with("SEC001")), ["SEC001"]);
}

#[test]
fn a_select_pattern_that_matches_no_rule_is_a_usage_error() {
    let run = scan(&["fixtures/demo", "--select", "SEC*,GHX", "--ignore", "a/b"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("--select: GHX matches no rule"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("--ignore: `a/b` is not a rule code, prefix or glob"),
        "{}",
        run.stderr
    );
}

#[test]
fn min_severity_and_min_confidence_filter_what_is_shown_and_the_exit_code() {
    let dir = three_secrets();
    let root = dir.path().to_str().unwrap();
    let with = |args: &[&str]| scan(&[&[root, "--format", "json"], args].concat());
    let run = with(&["--min-confidence", "high"]);
    assert_eq!(codes(&run), ["SEC007"]);
    assert_eq!(run.json()["summary"]["findings"], 1);
    assert_eq!(
        codes(&with(&["--min-confidence", "medium"])),
        ["SEC001", "SEC007", "SEC140"]
    );
    assert_eq!(
        codes(&with(&["--min-severity", "high"])),
        ["SEC001", "SEC140"]
    );

    assert_eq!(with(&["--fail-on", "high"]).code, 1);
    let run = with(&["--fail-on", "high", "--min-confidence", "high"]);
    assert_eq!(
        run.code, 0,
        "the exit code follows what is shown: SEC007 is medium"
    );
    let run = with(&["--min-severity", "critical"]);
    assert_eq!(codes(&run), Vec::<String>::new());
    assert_eq!(run.code, 0);
}

/// A tree with the same key in a dependency folder, a vendored folder, an ignored folder
/// and the sources.
fn tree_with_dependencies() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    for path in [
        "node_modules/pkg/key.env",
        "src/target/key.env",
        "vendor/lib/key.env",
        "ignored/key.env",
        "src/app/key.env",
        "src/app/local.env",
        "src/app/build.log",
    ] {
        write(&dir.path().join(path), KEY);
    }
    write(&dir.path().join(".gitignore"), "ignored/\n*.log\n");
    write(&dir.path().join("src/.ignore"), "local.env\n");
    write(&dir.path().join(".git/info/exclude"), "vendor/lib/\n");
    dir
}

fn paths(run: &Run, base: &Path) -> Vec<String> {
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    found(&run.json(), base.to_str().unwrap())
        .into_iter()
        .map(|(_, path, _)| path)
        .collect()
}

#[test]
fn dependency_folders_are_skipped_by_default_and_vendor_is_not() {
    let dir = tree_with_dependencies();
    let root = dir.path().to_str().unwrap();
    assert_eq!(
        paths(&scan(&[root, "--format", "json"]), dir.path()),
        [
            "ignored/key.env",
            "src/app/build.log",
            "src/app/key.env",
            "src/app/local.env",
            "vendor/lib/key.env"
        ]
    );
    assert_eq!(
        paths(
            &scan(&[root, "--format", "json", "--no-default-excludes"]),
            dir.path()
        ),
        [
            "ignored/key.env",
            "node_modules/pkg/key.env",
            "src/app/build.log",
            "src/app/key.env",
            "src/app/local.env",
            "src/target/key.env",
            "vendor/lib/key.env"
        ]
    );
    let inside = dir.path().join("node_modules/pkg");
    assert_eq!(
        paths(
            &scan(&[inside.to_str().unwrap(), "--format", "json"]),
            &inside
        ),
        ["key.env"],
        "a root is never excluded"
    );
}

#[test]
fn respect_gitignore_honours_gitignore_ignore_and_info_exclude() {
    let dir = tree_with_dependencies();
    let root = dir.path().to_str().unwrap();
    assert_eq!(
        paths(
            &scan(&[root, "--format", "json", "--respect-gitignore"]),
            dir.path()
        ),
        ["src/app/key.env"]
    );
    let run = scan_in(
        &dir.path().join("src/app"),
        &[".", "build.log", "--respect-gitignore"],
    );
    assert_eq!(
        paths(&run, Path::new("")),
        ["build.log", "key.env"],
        "the parents' ignore files apply below a subdirectory; a file given is scanned"
    );
}

#[test]
fn exclude_globs_may_start_with_dot_slash() {
    let dir = tree_with_dependencies();
    let run = scan_in(
        dir.path(),
        &[".", "--exclude", "./src/**", "--exclude", "./vendor/lib/**"],
    );
    assert_eq!(paths(&run, Path::new("")), ["ignored/key.env"]);
}

#[test]
fn history_skips_the_default_excludes_and_exclude_globs_too() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let output = std::process::Command::new("git")
            .current_dir(dir.path())
            .env("HOME", dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Nobody")
            .env("GIT_AUTHOR_EMAIL", "nobody@example.test")
            .env("GIT_COMMITTER_NAME", "CI")
            .env("GIT_COMMITTER_EMAIL", "ci@example.test")
            .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {output:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    for path in ["node_modules/pkg/key.env", "docs/key.env", "src/key.env"] {
        write(&dir.path().join(path), &format!("{KEY}# {path}\n"));
    }
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "keys"]);
    git(&["rm", "-q", "-r", "node_modules", "docs", "src"]);
    git(&["commit", "-q", "-m", "gone"]);
    let run = scan_in(dir.path(), &[".", "--git-history", "--exclude", "docs"]);
    assert_eq!(paths(&run, Path::new("")), ["src/key.env"]);
    let run = scan_in(dir.path(), &[".", "--git-history", "--no-default-excludes"]);
    assert_eq!(
        paths(&run, Path::new("")),
        ["docs/key.env", "node_modules/pkg/key.env", "src/key.env"]
    );
}

/// Issue 7, section 2: a secret in test code, or on a minified line, keeps its code and
/// severity but is one level less sure, so `--min-confidence` can hide it; the paths are
/// `secrets.lower_confidence` globs in the config (`[]`: none), a long line needs none.
#[test]
fn secrets_in_tests_and_minified_lines_get_lower_confidence() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("src/app.env"),
        "GOOGLE_API_KEY=AIzaSyXcHVaiZ5RPOtZycmQdn-WXrPh6zcefks8\n",
    );
    write(
        &root.join("tests/fixtures/app.env"),
        "GOOGLE_API_KEY=AIzaSyB7rT2kLq9WmN4xVc8ZpD3fHj6gYs1eUa0\n",
    );
    write(
        &root.join("web/app.js"),
        &format!(
            "var config={{padding:\"{}\",key:\"AIzaSyQ3nV7bX1mK9pL5tR2wY8cF4hJ6dS0gZeT\"}};\n",
            "x".repeat(1200)
        ),
    );
    let path = root.to_str().unwrap();
    let confidence = |run: &Run| -> Vec<(String, String, String)> {
        run.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let at = f["location"]["path"].as_str().unwrap();
                (
                    at.strip_prefix(path).unwrap_or(at).to_owned(),
                    f["code"].as_str().unwrap().to_owned(),
                    f["confidence"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let expect = |code: &str, confidence: &str, at: &str| {
        (at.to_owned(), code.to_owned(), confidence.to_owned())
    };
    let run = scan(&[path, "--format", "json"]);
    assert_eq!(
        confidence(&run),
        [
            expect("SEC007", "high", "/src/app.env"),
            expect("SEC007", "medium", "/tests/fixtures/app.env"),
            expect("SEC007", "medium", "/web/app.js"),
        ]
    );
    let run = scan(&[path, "--format", "json", "--min-confidence", "high"]);
    assert_eq!(confidence(&run), [expect("SEC007", "high", "/src/app.env")]);

    let config = root.join("nhiscan.yaml");
    write(&config, "secrets:\n  lower_confidence: []\n");
    let run = scan(&[
        path,
        "--format",
        "json",
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(
        confidence(&run),
        [
            expect("SEC007", "high", "/src/app.env"),
            expect("SEC007", "high", "/tests/fixtures/app.env"),
            expect("SEC007", "medium", "/web/app.js"),
        ]
    );
}
