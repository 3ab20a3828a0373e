//! Git inputs (issue 7, section 3): `--git-history` over every ref, `--staged` from a
//! pre-commit hook, and deleted paths on the command line. Each test builds its repository
//! in a temporary directory with the `git` CLI, with fixed names and dates.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::common::{NOW, Run, nhiscan};

/// AWS access key ids (SEC001) from the rule's fixtures.
const KEY_A: &str = "AKIAO73GXDXUDFA6PJQP";
const KEY_B: &str = "AKIAXCKUPRODL4L4FG6O";

struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Self {
        let repo = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.path())
            .env("HOME", self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Nobody")
            .env("GIT_AUTHOR_EMAIL", "nobody@example.test")
            .env("GIT_COMMITTER_NAME", "CI")
            .env("GIT_COMMITTER_EMAIL", "ci@example.test")
            .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z");
        command
    }

    fn git(&self, args: &[&str]) -> String {
        let output = self.command("git").args(args).output().unwrap();
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Stages everything and commits as `author` at `date`; returns the commit id.
    fn commit(&self, message: &str, author: (&str, &str), date: &str) -> String {
        self.git(&["add", "-A"]);
        let output = self
            .command("git")
            .args(["commit", "-q", "--allow-empty", "-m", message])
            .env("GIT_AUTHOR_NAME", author.0)
            .env("GIT_AUTHOR_EMAIL", author.1)
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "commit {message}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        self.git(&["rev-parse", "HEAD"])
    }

    fn scan(&self, args: &[&str]) -> Run {
        self.scan_as("json", args)
    }

    fn scan_as(&self, format: &str, args: &[&str]) -> Run {
        nhiscan()
            .current_dir(self.path())
            .args(["scan", "--now", NOW, "--format", format])
            .args(args)
            .run()
    }
}

const ADA: (&str, &str) = ("Ada Lovelace", "ada@example.test");
const GRACE: (&str, &str) = ("Grace Hopper", "grace@example.test");

fn settings(key: &str) -> String {
    format!("# settings\nREGION = \"eu-west-1\"\nAWS_ACCESS_KEY_ID = \"{key}\"\n")
}

/// `code path:line` and the commit object of each finding.
fn located(report: &Value) -> Vec<(String, Value)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let loc = &f["location"];
            (
                format!(
                    "{} {}:{}",
                    f["code"].as_str().unwrap(),
                    loc["path"].as_str().unwrap(),
                    loc["line"]
                ),
                loc.get("commit").cloned().unwrap_or(Value::Null),
            )
        })
        .collect()
}

#[test]
fn history_finds_a_secret_deleted_three_commits_ago() {
    let repo = Repo::new();
    repo.write("README.md", "# service\n");
    repo.commit("init", ADA, "2026-03-01T09:00:00Z");
    repo.write("config/settings.py", &settings(KEY_A));
    let added = repo.commit("add settings", GRACE, "2026-03-02T10:30:00Z");
    std::fs::remove_file(repo.path().join("config/settings.py")).unwrap();
    repo.commit("remove the key", ADA, "2026-03-03T09:00:00Z");
    repo.write("README.md", "# service\n\nDocs.\n");
    repo.commit("docs", ADA, "2026-03-04T09:00:00Z");
    repo.write("src/main.py", "print('hi')\n");
    repo.commit("code", ADA, "2026-03-05T09:00:00Z");
    assert_eq!(repo.git(&["rev-parse", "HEAD~3"]), added);

    let work_tree = repo.scan(&[]);
    assert_eq!(work_tree.code, 0, "{}", work_tree.stderr);
    assert_eq!(located(&work_tree.json()), vec![]);

    let run = repo.scan(&["--git-history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(
        located(&report),
        vec![(
            "SEC001 config/settings.py:3".to_owned(),
            json!({
                "id": added,
                "author": "Grace Hopper",
                "email": "grace@example.test",
                "date": "2026-03-02T10:30:00Z",
                "present_at_head": false,
            })
        )]
    );
    assert_eq!(report["findings"][0]["evidence"], "AKIA…QP");
    assert_eq!(report["errors"], json!([]));
}

#[test]
fn history_since_leaves_out_what_the_revision_had() {
    let repo = Repo::new();
    repo.write("old.py", &settings(KEY_A));
    repo.commit("old key", ADA, "2026-03-01T09:00:00Z");
    let since = repo.commit("nothing", ADA, "2026-03-02T09:00:00Z");
    repo.write("new.py", &settings(KEY_B));
    let added = repo.commit("new key", GRACE, "2026-03-03T09:00:00Z");

    std::fs::remove_file(repo.path().join("old.py")).unwrap();
    std::fs::remove_file(repo.path().join("new.py")).unwrap();

    let all = repo.scan(&["--git-history"]);
    let paths: Vec<String> = located(&all.json()).into_iter().map(|(at, _)| at).collect();
    assert_eq!(paths, vec!["SEC001 new.py:3", "SEC001 old.py:3"]);
    let run = repo.scan(&["--git-history", "--since", &since]);
    let found: Vec<(String, Value)> = located(&run.json())
        .into_iter()
        .map(|(at, commit)| (at, commit["id"].clone()))
        .collect();
    assert_eq!(found, vec![("SEC001 new.py:3".to_owned(), json!(added))]);

    let bad = repo.scan(&["--git-history", "--since", "no-such-rev"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--since no-such-rev"), "{}", bad.stderr);
}

#[test]
fn history_reports_a_secret_still_present_once_naming_its_first_commit() {
    let repo = Repo::new();
    repo.write("README.md", "# service\n");
    repo.commit("init", ADA, "2026-03-01T09:00:00Z");
    repo.write("settings.py", &settings(KEY_A));
    let added = repo.commit("add settings", GRACE, "2026-03-02T09:00:00Z");
    for (i, date) in ["2026-03-03T09:00:00Z", "2026-03-04T09:00:00Z"]
        .iter()
        .enumerate()
    {
        let text = format!("{}DEBUG = {}\n", settings(KEY_A), i == 0);
        repo.write("settings.py", &text);
        repo.commit("tweak", ADA, date);
    }
    repo.git(&["mv", "settings.py", "prod.py"]);
    repo.commit("rename", ADA, "2026-03-05T09:00:00Z");

    let run = repo.scan(&["--git-history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found: Vec<(String, Value)> = located(&run.json())
        .into_iter()
        .map(|(at, commit)| (at, json!([commit["id"], commit["present_at_head"]])))
        .collect();
    assert_eq!(
        found,
        vec![("SEC001 prod.py:3".to_owned(), json!([null, null]))],
        "one finding: the renamed file in the work tree"
    );
    let report = run.json();
    let first = &report["findings"][0]["related_locations"][0];
    assert_eq!(first["label"], "same secret");
    assert_eq!(
        json!([
            first["location"]["path"],
            first["location"]["line"],
            first["location"]["commit"]["id"],
            first["location"]["commit"]["present_at_head"]
        ]),
        json!(["settings.py", 3, added, true]),
        "the first commit's place, present at HEAD under its new name"
    );
}

#[test]
fn history_finds_a_secret_only_on_an_unmerged_branch() {
    let repo = Repo::new();
    repo.write("README.md", "# service\n");
    repo.commit("init", ADA, "2026-03-01T09:00:00Z");
    repo.git(&["checkout", "-q", "-b", "wip/deploy-keys"]);
    repo.write("deploy/keys.env", &format!("AWS_ACCESS_KEY_ID={KEY_B}\n"));
    let on_branch = repo.commit("deploy keys", GRACE, "2026-03-02T09:00:00Z");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("README.md", "# service\n\nmore\n");
    repo.commit("docs", ADA, "2026-03-03T09:00:00Z");

    let run = repo.scan(&["--git-history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found: Vec<(String, Value)> = located(&run.json())
        .into_iter()
        .map(|(at, commit)| {
            (
                at,
                json!([commit["id"], commit["author"], commit["present_at_head"]]),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![(
            "SEC001 deploy/keys.env:1".to_owned(),
            json!([on_branch, "Grace Hopper", false])
        )]
    );
}

#[test]
fn history_of_a_bare_repository_reads_no_work_tree() {
    let repo = Repo::new();
    repo.write("a.env", &format!("AWS_ACCESS_KEY_ID={KEY_B}\n"));
    let added = repo.commit("key", GRACE, "2026-03-02T09:00:00Z");
    let bare = tempfile::tempdir().unwrap();
    let bare_path = bare.path().join("repo.git");
    repo.git(&["clone", "-q", "--bare", ".", bare_path.to_str().unwrap()]);

    let run = nhiscan()
        .args(["scan", "--now", NOW, "--format", "json", "--git-history"])
        .args([&bare_path])
        .run();
    let report = run.json();
    let path = format!("{}/a.env:1", bare_path.display());
    assert_eq!(
        located(&report),
        vec![(
            format!("SEC001 {path}"),
            json!({
                "id": added,
                "author": "Grace Hopper",
                "email": "grace@example.test",
                "date": "2026-03-02T09:00:00Z",
                "present_at_head": true,
            })
        )]
    );

    let sub = repo.path().join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    let run = nhiscan().args(["scan", "--git-history"]).args([&sub]).run();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("is not a git repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn staged_from_a_pre_commit_hook_blocks_a_token_and_lets_a_clean_commit_through() {
    let repo = Repo::new();
    repo.write("README.md", "# service\n");
    repo.commit("init", ADA, "2026-03-01T09:00:00Z");
    let hook = repo.path().join(".git/hooks/pre-commit");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nexec '{}' scan --staged --now {NOW}\n",
            env!("CARGO_BIN_EXE_nhiscan")
        ),
    )
    .unwrap();
    make_executable(&hook);

    repo.write("app/settings.py", &settings(KEY_A));
    repo.git(&["add", "app/settings.py"]);
    let blocked = repo
        .command("git")
        .args(["commit", "-q", "-m", "add key"])
        .output()
        .unwrap();
    let hook_output = format!(
        "{}{}",
        String::from_utf8_lossy(&blocked.stdout),
        String::from_utf8_lossy(&blocked.stderr)
    );
    assert!(!blocked.status.success(), "the commit went through");
    assert!(
        hook_output.contains("SEC001") && hook_output.contains("app/settings.py"),
        "{hook_output}"
    );
    assert!(!hook_output.contains(KEY_A), "{hook_output}");
    assert_eq!(repo.git(&["log", "--format=%s"]), "init");

    repo.write("app/settings.py", "REGION = \"eu-west-1\"\n");
    repo.git(&["add", "app/settings.py"]);
    repo.write("notes.txt", &format!("unstaged {KEY_B}\n"));
    let clean = repo
        .command("git")
        .args(["commit", "-q", "-m", "settings"])
        .output()
        .unwrap();
    assert!(
        clean.status.success(),
        "a clean index was blocked: {}",
        String::from_utf8_lossy(&clean.stdout)
    );
    assert_eq!(repo.git(&["log", "--format=%s"]), "settings\ninit");
}

#[test]
fn a_deleted_path_on_the_command_line_is_skipped() {
    let repo = Repo::new();
    repo.write("secrets/a.env", &format!("AWS_ACCESS_KEY_ID={KEY_B}\n"));
    repo.write("b.env", &format!("AWS_ACCESS_KEY_ID={KEY_A}\n"));
    repo.commit("keys", ADA, "2026-03-01T09:00:00Z");
    repo.git(&["rm", "-q", "secrets/a.env"]);
    std::fs::remove_file(repo.path().join("b.env")).unwrap();

    for args in [
        &["secrets/a.env", "b.env"][..],
        &["--staged", "secrets/a.env", "b.env"],
        &["secrets"],
    ] {
        let run = repo.scan(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        let report = run.json();
        assert_eq!(located(&report), vec![], "{args:?}");
        assert_eq!(report["errors"], json!([]), "{args:?}");
    }

    let typo = repo.scan(&["secretz/a.env"]);
    assert_eq!(typo.code, 2, "a path git never knew is still a usage error");
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn history_reports_validate_and_name_the_commit_in_every_format_without_the_secret() {
    use crate::report::{assert_valid, report_validator, sarif_validator, stdout_json};
    let repo = Repo::new();
    repo.write("settings.py", &settings(KEY_A));
    let added = repo.commit("key", GRACE, "2026-03-02T10:30:00Z");
    std::fs::remove_file(repo.path().join("settings.py")).unwrap();
    repo.commit("no key", ADA, "2026-03-03T10:30:00Z");

    let json = repo.scan(&["--git-history"]);
    assert_valid(
        &report_validator(),
        &stdout_json(&json),
        "the history report",
    );
    let sarif = repo.scan_as("sarif", &["--git-history"]);
    let sarif_doc = stdout_json(&sarif);
    assert_valid(&sarif_validator(), &sarif_doc, "the history SARIF");
    assert_eq!(
        sarif_doc["runs"][0]["results"][0]["properties"]["commit"],
        json!({
            "id": added,
            "author": "Grace Hopper",
            "email": "grace@example.test",
            "date": "2026-03-02T10:30:00Z",
            "present_at_head": false,
        })
    );
    let table = repo.scan_as("table", &["--git-history"]);
    let short = &added[..12];
    assert!(
        table
            .stdout
            .contains(&format!("⎇ first in {short} by Grace Hopper, 2026-03-02"))
            && table.stdout.contains("⎇ no longer at HEAD"),
        "{}",
        table.stdout
    );
    let jsonl = repo.scan_as("jsonl", &["--git-history"]);
    for (format, run) in [
        ("json", &json),
        ("sarif", &sarif),
        ("table", &table),
        ("jsonl", &jsonl),
    ] {
        assert!(!run.stdout.contains(KEY_A), "{format} prints the key whole");
    }
}
