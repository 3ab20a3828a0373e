//! Issue 9, terminal users: the table's width, colour, the summary's duration, rule files
//! and self-test reports, diagnostics' order, shell completions and the manual page.

use regex::Regex;

use crate::common::{NOW, Run, nhiscan};

/// The demo tree as a table, `COLUMNS` set, the policy digest masked.
fn demo_table(columns: &str) -> String {
    let run = nhiscan()
        .env("COLUMNS", columns)
        .args(["scan", "--now", NOW, "fixtures/demo"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let digest = Regex::new(r"\(sha256:[0-9a-f]{12}\)").unwrap();
    digest.replace(&run.stdout, "([digest])").into_owned()
}

fn widest_line(text: &str) -> usize {
    text.lines()
        .filter(|l| l.starts_with(['│', '┌', '└', '╞', '├']))
        .map(|l| l.chars().count())
        .max()
        .unwrap()
}

#[test]
fn issue9_table_fits_60_columns_and_wraps_paths_at_slashes() {
    let table = demo_table("60");
    assert!(widest_line(&table) <= 60, "{table}");
    assert!(
        table.contains(
            "┆ ⇢ github-actions job   │\n\
             │       ┆          ┆         ┆   release (fixtures/   │\n\
             │       ┆          ┆         ┆   demo/.github/        │\n\
             │       ┆          ┆         ┆   workflows/           │\n\
             │       ┆          ┆         ┆   release.yml:10:5)    │"
        ),
        "{table}"
    );
    insta::assert_snapshot!(table);
}

#[test]
fn issue9_table_uses_200_columns_when_given_them() {
    let table = demo_table("200");
    assert!(widest_line(&table) > 100, "{table}");
    assert!(widest_line(&table) <= 200, "{table}");
    assert!(
        table.contains(
            "┆ ⇢ github-actions job release (fixtures/demo/.github/workflows/release.yml:10:5) │"
        ),
        "{table}"
    );
    insta::assert_snapshot!(table);
}

const ESC: char = '\x1b';

fn demo(args: &[&str]) -> Run {
    nhiscan()
        .args(["scan", "--now", NOW, "fixtures/demo"])
        .args(args)
        .run()
}

#[test]
fn issue9_color_always_paints_severities() {
    let run = demo(&["--color", "always"]);
    assert!(
        run.stdout.contains("┆ \x1b[1;31mCRITICAL\x1b[0m ┆"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("┆ \x1b[31mHIGH\x1b[0m     ┆"));
    assert!(
        run.stdout
            .contains("\x1b[1mfixtures/demo/certs/api.pem\x1b[0m\n")
    );
    let global = nhiscan()
        .args(["--color", "always", "scan", "--now", NOW, "fixtures/demo"])
        .run();
    assert_eq!(global.stdout, run.stdout);
}

#[test]
fn issue9_no_color_and_pipes_get_no_ansi_codes() {
    let piped = nhiscan()
        .env_remove("NO_COLOR")
        .args(["scan", "--now", NOW, "fixtures/demo"])
        .run();
    assert!(!piped.stdout.contains(ESC), "{}", piped.stdout);
    let no_color = demo(&["--color", "auto"]);
    assert!(!no_color.stdout.contains(ESC));
    let never = nhiscan()
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(["scan", "--now", NOW, "fixtures/demo", "--color", "never"])
        .run();
    assert!(!never.stdout.contains(ESC));
    let forced = nhiscan()
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(["scan", "--now", NOW, "fixtures/demo"])
        .run();
    assert!(forced.stdout.contains("\x1b[31mHIGH"), "{}", forced.stdout);
}

/// Issue 6 item 9 still holds with colour: a file name's own escape sequence is shown
/// escaped, and the only real escape characters are the ones nhiscan adds.
#[test]
fn issue9_colour_is_added_after_escaping() {
    let dir = tempfile::tempdir().unwrap();
    let script =
        std::fs::read(crate::common::root().join("fixtures/demo/scripts/notify.sh")).unwrap();
    std::fs::write(dir.path().join("evil\x1b[2Jname.sh"), script).unwrap();
    let root = dir.path().to_str().unwrap();
    let run = nhiscan()
        .args(["scan", "--now", NOW, "--color", "always", root])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("evil\\x1b[2Jname.sh"), "{}", run.stdout);
    let ours = Regex::new(r"\x1b\[(0|1|2|31|33|36|1;31)m").unwrap();
    assert!(
        !ours.replace_all(&run.stdout, "").contains(ESC),
        "{}",
        run.stdout
    );
}

#[test]
fn issue9_summary_gives_duration_and_throughput_without_progress_on_a_pipe() {
    let run = demo(&[]);
    let summary = run.stdout.lines().last().unwrap();
    assert!(
        summary.contains("bytes) scanned in [duration]; 0 input errors"),
        "{summary}"
    );
    assert_eq!(
        run.stderr, "",
        "no progress line when stderr is not a terminal"
    );
    let json = demo(&["--format", "json"]).json();
    assert!(json["scan"].get("elapsed").is_none());
}

/// A rule given as one file, whatever directory holds it.
fn rule_file(name: &str, example_status: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(
        &path,
        format!(
            "id: ACME001\nname: inactive-key-kept\nseverity: low\nsubject: aws.access_key\nwhen: {{ field: status, eq: Inactive }}\nmessage: \"key {{{{key_id}}}} is kept\"\nfailure_class: drift\nfailure_mode: x\nframeworks: [OWASP-NHI:NHI7]\nremediation: delete it\nexamples:\n  - {{ attrs: {{ status: {example_status}, key_id: k }} }}\nnegative_examples:\n  - {{ attrs: {{ status: Active }} }}\n"
        ),
    )
    .unwrap();
    let path = path.to_str().unwrap().to_owned();
    (dir, path)
}

#[test]
fn issue9_rules_accepts_a_file() {
    let (_dir, path) = rule_file("acme.yaml", "Inactive");
    let run = nhiscan().args(["rules", "list", "--rules", &path]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("ACME001"), "{}", run.stdout);
    let run = nhiscan().args(["rules", "test", &path]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "examples judged at now = 2026-06-01T00:00:00Z (an example's own `now:` wins)\n\
         ok ACME001 inactive-key-kept (1 examples, 1 negative examples)\n\
         1 passed, 0 failed\n"
    );
}

#[test]
fn issue9_self_test_failure_shows_now_and_the_actual_value() {
    let (_dir, path) = rule_file("acme.yaml", "Active");
    let run = nhiscan().args(["rules", "test", &path]).run();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "rule ACME001: example does not violate the rule at now 2026-06-01T00:00:00Z: status not eq Inactive (actual: Active)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn issue9_errors_come_before_their_hint() {
    let (_dir, path) = rule_file("acme.yaml", "Active");
    let run = nhiscan()
        .args(["scan", "--now", NOW, "fixtures/demo", "--rules", &path])
        .run();
    assert_eq!(run.code, 2);
    let problem = run.stderr.find("example does not violate").unwrap();
    let count = run.stderr.find("1 problem(s) in rules").unwrap();
    let hint = run.stderr.find("help: fix the problems above").unwrap();
    assert!(problem < count && count < hint, "{}", run.stderr);
    let run = nhiscan().args(["scan", "--now", "yesterday"]).run();
    let error = run.stderr.find("is not an RFC 3339 time").unwrap();
    let hint = run.stderr.find("help: for example").unwrap();
    assert!(error < hint, "{}", run.stderr);
}

#[test]
fn issue9_completions_for_every_shell() {
    let bash = nhiscan().args(["completions", "bash"]).run();
    assert_eq!(bash.code, 0, "{}", bash.stderr);
    assert!(bash.stdout.contains("--format"), "{}", bash.stdout);
    assert!(
        bash.stdout.contains("complete -F _nhiscan"),
        "{}",
        bash.stdout
    );
    for (shell, marker) in [
        ("zsh", "#compdef nhiscan"),
        ("fish", "complete -c nhiscan"),
        ("elvish", "edit:completion:arg-completer[nhiscan]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = nhiscan().args(["completions", shell]).run();
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains(marker), "{shell}:\n{}", run.stdout);
        assert!(run.stdout.contains("format"), "{shell}:\n{}", run.stdout);
    }
}

#[test]
fn issue9_man_page_documents_every_subcommand() {
    let run = nhiscan().args(["man"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        &run.stdout[..200]
    );
    assert!(run.stdout.contains(".TH nhiscan 1"), "{}", run.stdout);
    let scan = run
        .stdout
        .find(".SH \"NHISCAN SCAN\"")
        .expect("a scan section");
    let rest = &run.stdout[scan..];
    assert!(rest.contains("\\-\\-format"), "{rest}");
    assert!(rest.contains("\\-\\-fail\\-on"), "{rest}");
    for section in [
        "NHISCAN RULES LIST",
        "NHISCAN RULES TEST",
        "NHISCAN COMPLETIONS",
    ] {
        assert!(
            run.stdout.contains(&format!(".SH \"{section}\"")),
            "{section}"
        );
    }
}
