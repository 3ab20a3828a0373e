//! The command line: exit codes, diagnostics for broken rules and config, the rules
//! commands, help texts.

use std::io::Read as _;
use std::process::Stdio;

use crate::common::{NOW, nhiscan, scan};

#[test]
fn exit_1_when_findings_reach_fail_on() {
    let run = scan(&["fixtures/demo"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("AWS001"));
    assert!(
        run.stdout
            .contains("svc-payments was last rotated 412 days")
    );
}

#[test]
fn exit_0_when_findings_are_below_fail_on() {
    let run = scan(&["fixtures/rules/AWS004/fail", "--fail-on", "high"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("AWS004"),
        "the medium finding is still reported"
    );
    let run = scan(&["fixtures/rules/AWS004/fail", "--fail-on", "medium"]);
    assert_eq!(run.code, 1);
}

#[test]
fn exit_0_on_a_clean_tree() {
    let run = scan(&["fixtures/rules/CRT003/pass"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("no findings"), "{}", run.stdout);
}

#[test]
fn empty_directory_scans_clean_and_says_no_file_was_read() {
    let dir = tempfile::tempdir().unwrap();
    let run = scan(&[dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("no file was read"), "{}", run.stdout);
    let report = scan(&[dir.path().to_str().unwrap(), "--format", "json"]).json();
    assert_eq!(report["scan"]["files_scanned"], 0);
}

#[test]
fn exit_2_when_a_root_does_not_exist() {
    let run = scan(&["no/such/dir"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.is_empty(),
        "a scan that could not run prints no report"
    );
    assert!(
        run.stderr
            .contains("cannot scan no/such/dir: it does not exist"),
        "{}",
        run.stderr
    );
}

#[test]
fn exit_2_on_bad_now() {
    let run = nhiscan()
        .args(["scan", "fixtures/demo", "--now", "yesterday"])
        .run();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("--now `yesterday` is not an RFC 3339 time"),
        "{}",
        run.stderr
    );
}

#[test]
fn exit_2_on_usage_error() {
    let run = nhiscan().args(["scan", "--format", "xml"]).run();
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("invalid value 'xml'"), "{}", run.stderr);
}

/// A directory of broken rules at a fixed relative path, so diagnostics are reproducible.
fn broken_rules_dir(name: &str) -> String {
    let relative = format!("target/nhiscan-tests/{name}");
    let dir = crate::common::root().join(&relative);
    let _fresh = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let write = |file: &str, text: &str| std::fs::write(dir.join(file), text).unwrap();
    write(
        "typo.yaml",
        "id: BAD001\nname: typo-key\nseverity: high\nsubject: aws.access_key\nwhen: { field: status, eq: Active }\nmesage: oops\n",
    );
    write(
        "operator.yaml",
        "id: BAD002\nname: unknown-operator\nseverity: high\nsubject: aws.access_key\nwhen:\n  all:\n    - { field: status, eq: Active }\n    - { field: last_rotated, olderthan_days: 90 }\nmessage: x\nfailure_class: drift\nfailure_mode: x\nframeworks: [OWASP-NHI:NHI7]\nremediation: x\nexamples: [{ attrs: { status: Active } }]\nnegative_examples: [{ attrs: { status: Inactive } }]\n",
    );
    write(
        "regex.yaml",
        "id: BAD003\nname: bad-regex\nseverity: high\ndetect:\n  provider: x\n  pattern: '(unclosed'\n  keywords: [x]\nmessage: x\nfailure_class: exposure\nfailure_mode: x\nframeworks: [OWASP-NHI:NHI2, NIST-CSF-2.0:PR.AC-4]\nremediation: x\nexamples: ['x']\nnegative_examples: ['y']\n",
    );
    write(
        "z-duplicate.yaml",
        "id: BAD003\nname: duplicate-code\nseverity: high\nsubject: aws.access_key\nparams: { max_age_days: 90 }\nwhen:\n  field: last_rotated\n  older_than_days: \"{{max_age_days}}\"\nmessage: \"key {{user}} is {{actual}} days old\"\nfailure_class: drift\nfailure_mode: x\nframeworks: [OWASP-NHI:NHI7]\nremediation: x\nexamples:\n  - { attrs: { last_rotated: \"2026-05-01\", user: ci } }\nnegative_examples:\n  - { attrs: { last_rotated: \"2020-01-01\" } }\n",
    );
    relative
}

/// Issue 2: a broken rule file yields exit 2 and a miette report naming file, line and
/// problem, for every problem at once.
#[test]
fn broken_rules_exit_2_with_every_problem_located() {
    let dir = broken_rules_dir("scan");
    let run = nhiscan()
        .args(["scan", "fixtures/demo", "--now", NOW, "--rules", &dir])
        .run();
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    let stderr = run.stderr.replace(&dir, "[RULES]");
    for expected in [
        "[RULES]/typo.yaml:6: unknown field `mesage`",
        "[RULES]/operator.yaml:8: unknown operator `olderthan_days`",
        "[RULES]/regex.yaml:6: invalid regex",
        "[RULES]/regex.yaml:11: unknown framework id `NIST-CSF-2.0:PR.AC-4`",
        "[RULES]/z-duplicate.yaml:1: duplicate rule code BAD003",
        "[RULES]/z-duplicate.yaml:15: rule BAD003: example does not violate the rule",
        "[RULES]/z-duplicate.yaml:17: rule BAD003: negative example violates the rule",
        "7 problem(s) in rules or configuration; nothing was scanned",
    ] {
        assert!(
            stderr.contains(expected),
            "missing `{expected}` in:\n{stderr}"
        );
    }
    insta::assert_snapshot!(stderr);
}

#[test]
fn rules_test_fails_on_a_broken_rule_and_passes_the_builtins() {
    let dir = broken_rules_dir("test");
    let run = nhiscan().args(["rules", "test", &dir]).run();
    assert_eq!(run.code, 2);
    let run = nhiscan().args(["rules", "test"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("ok AWS001 access-key-not-rotated (2 examples, 3 negative examples)")
    );
}

/// `detect.followed_by` skips keyword occurrences the text after them rules out, and
/// `rules test` fails a `followed_by` that would skip an example's match.
#[test]
fn followed_by_skips_keyword_occurrences_and_rules_test_guards_it() {
    let dir = tempfile::tempdir().unwrap();
    let rule = |follow: &str| {
        format!(
            "id: USR001\nname: acme-token\nseverity: high\ndetect:\n  provider: acme\n  pattern: '(?i:acme)[^\\n]*?(?P<secret>tok_[A-Za-z0-9]{{24}})'\n  keywords: [acme]\n  followed_by: '{follow}'\nmessage: acme token {{{{redacted}}}}\nfailure_class: exposure\nfailure_mode: x\nframeworks: [OWASP-NHI:NHI2]\nremediation: x\nexamples: ['acme_key = tok_Q8mZ3vK1pX7wR2nL5tY9bC4d']\nnegative_examples: ['acme_key = tok_short']\n"
        )
    };
    let rules_dir = dir.path().join("rules");
    std::fs::create_dir(&rules_dir).unwrap();
    std::fs::write(rules_dir.join("usr001.yaml"), rule("_key")).unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(
        tree.join("settings.py"),
        "ACME_URL = 'x'  # acme docs: tok_Q8mZ3vK1pX7wR2nL5tY9bC4d\nacme_key = 'tok_Zr7Kd2Vq9Lm4Xw1Ns8Bt6Hc3'\n",
    )
    .unwrap();
    let rules = rules_dir.to_str().unwrap();
    let run = nhiscan().args(["rules", "test", rules]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = nhiscan()
        .args([
            "scan",
            tree.to_str().unwrap(),
            "--rules",
            rules,
            "--now",
            NOW,
        ])
        .args([
            "--format",
            "jsonl",
            "--select",
            "USR001",
            "--fail-on",
            "never",
        ])
        .run();
    let lines: Vec<u64> = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|f| f["code"] == "USR001")
        .filter_map(|f| f["location"]["line"].as_u64())
        .collect();
    assert_eq!(lines, [2], "{}", run.stdout);

    std::fs::write(rules_dir.join("usr001.yaml"), rule("_url")).unwrap();
    let run = nhiscan().args(["rules", "test", rules]).run();
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("followed_by rejects the keyword occurrence a match holds"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_config_exits_2_pointing_at_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("nhiscan.yaml");
    std::fs::write(&config, "rules:\n  AWS001:\n    params: { max_age: 30 }\n  NOPE999: { enabled: false }\n  AWS002: { severity: urgent }\n").unwrap();
    let run = scan(&["fixtures/demo", "--config", config.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    let stderr = run.stderr.replace(config.to_str().unwrap(), "[CONFIG]");
    assert!(
        stderr.contains("[CONFIG]:5: rules.AWS002.severity: unknown variant `urgent`"),
        "{stderr}"
    );
    std::fs::write(
        &config,
        "rules:\n  AWS001:\n    params: { max_age: 30 }\n  NOPE999: { enabled: false }\n",
    )
    .unwrap();
    let run = scan(&["fixtures/demo", "--config", config.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    let stderr = run.stderr.replace(config.to_str().unwrap(), "[CONFIG]");
    assert!(
        stderr.contains("[CONFIG]:3: rule AWS001 has no parameter `max_age`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[CONFIG]:4: no rule has the code NOPE999"),
        "{stderr}"
    );
}

/// Found by the `config_file` fuzz target: the YAML parser counts columns in characters,
/// and a multi-byte character before the error made the diagnostic slice inside it.
#[test]
fn a_config_error_after_multibyte_characters_points_at_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("nhiscan.yaml");
    let text =
        "rules:\n  GHA001:\n    enabled: false\n  CRT0     \u{fffd}\u{fffd}\u{fffd}\u{fffd}s: 10\n";
    std::fs::write(&config, text).unwrap();
    let run = scan(&["fixtures/demo", "--config", config.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let stderr = run.stderr.replace(config.to_str().unwrap(), "[CONFIG]");
    assert!(stderr.contains("[CONFIG]:4:"), "{stderr}");
}

#[test]
fn config_is_read_from_the_working_directory_by_default() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("nhiscan.yaml"),
        "rules:\n  AWS004: { enabled: false }\n",
    )
    .unwrap();
    let target = crate::common::root().join("fixtures/rules/AWS004/fail");
    let run = nhiscan()
        .current_dir(dir.path())
        .args(["scan", "--now", NOW])
        .args([&target])
        .run();
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn broken_pipe_exits_quietly() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nhiscan"))
        .current_dir(crate::common::root())
        .args(["scan", "fixtures", "--now", NOW, "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn output_file_and_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let run = scan(&[
        "fixtures/demo",
        "--quiet",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(report["summary"]["failed"], true);
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let one = scan(&["fixtures", "--format", "json", "--jobs", "1"]).json();
    let four = scan(&["fixtures", "--format", "json", "--jobs", "4"]).json();
    assert_eq!(one["findings"], four["findings"]);
    assert_eq!(one["inventory"], four["inventory"]);
    assert_eq!(one["errors"], four["errors"]);
}

#[test]
fn exclude_skips_matching_paths() {
    let report = scan(&[
        "fixtures/demo",
        "--format",
        "json",
        "--exclude",
        "*.csv",
        "--exclude",
        "certs/**",
    ])
    .json();
    let paths: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["path"].as_str().unwrap())
        .collect();
    assert!(!paths.is_empty());
    assert!(
        paths
            .iter()
            .all(|p| !p.ends_with(".csv") && !p.contains("/certs/")),
        "{paths:?}"
    );
}

#[test]
fn rules_list_json() {
    let run = nhiscan().args(["rules", "list", "--format", "json"]).run();
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn rules_show_prints_the_rules_docs() {
    let run = nhiscan().args(["rules", "show", "aws001"]).run();
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.starts_with("AWS001 access-key-not-rotated\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("parameters: max_age_days = 90"));
    assert!(run.stdout.contains("remediation: Create a new key"));
    let run = nhiscan().args(["rules", "show", "ZZZ999"]).run();
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no rule has the code ZZZ999"));
}

#[test]
fn every_command_has_help_with_examples() {
    for args in [
        &["--help"][..],
        &["scan", "--help"],
        &["rules", "list", "--help"],
        &["rules", "show", "--help"],
        &["rules", "test", "--help"],
    ] {
        let run = nhiscan().args(args).run();
        assert_eq!(run.code, 0, "{args:?}");
        assert!(
            run.stdout.contains("Examples:"),
            "{args:?}:\n{}",
            run.stdout
        );
    }
}

/// Issue 6, item 6: an `--output` that cannot be written fails before anything is read (a
/// root that would take seconds to read is not waited for), and an existing report is
/// replaced whole, never truncated in place.
#[cfg(unix)]
#[test]
fn issue6_output_is_checked_before_the_scan_and_replaced_whole() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("slow.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let holder_path = fifo.clone();
    let holder = std::thread::spawn(move || {
        let open = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(holder_path)
            .unwrap();
        std::thread::sleep(std::time::Duration::from_secs(4));
        drop(open);
    });
    let missing = dir.path().join("no-such-dir/report.json");
    let started = std::time::Instant::now();
    let run = scan(&[
        fifo.to_str().unwrap(),
        "--output",
        missing.to_str().unwrap(),
    ]);
    let took = started.elapsed();
    holder.join().unwrap();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("cannot write"), "{}", run.stderr);
    assert!(
        took < std::time::Duration::from_secs(3),
        "failed only after reading the root ({took:?})"
    );

    let target = dir.path().join("report.json");
    std::fs::write(&target, "previous").unwrap();
    let run = scan(&[
        "fixtures/demo",
        "--format",
        "json",
        "--output",
        target.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(report["summary"]["failed"], true);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(names.is_empty(), "no temporary file is left: {names:?}");
}

/// Issue 6, item 8: `./nhiscan.yaml` comes with the checkout, so a hostile repository
/// controls it. Deep nesting, a huge file and thousands of problems are refused quickly,
/// with a bounded report.
#[test]
fn issue6_config_and_rule_files_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("X001-deep.yaml"),
        format!("code: X001\nwhen: {}\n", "{a: ".repeat(100_000)),
    )
    .unwrap();
    let configs = [
        ("deep", format!("rules: {}\n", "[".repeat(100_000))),
        ("huge", "# padding\n".repeat(120_000)),
        (
            "many",
            (0..200).fold("rules:\n".to_owned(), |all, i| {
                all + &format!("  NOPE{i:03}: {{ enabled: false }}\n")
            }),
        ),
    ];
    for (name, text) in configs {
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, text).unwrap();
        let started = std::time::Instant::now();
        let run = nhiscan()
            .args(["scan", "--config"])
            .args([&path, &empty])
            .run();
        assert_eq!(run.code, 2, "{name}: {run:?}");
        assert!(started.elapsed().as_secs() < 10, "{name} took long");
        assert!(
            run.stderr.len() < 40_000,
            "{name}: {} bytes",
            run.stderr.len()
        );
        match name {
            "deep" => assert!(run.stderr.contains("may nest at most 64 levels")),
            "huge" => assert!(run.stderr.contains("larger than 1024 KiB")),
            _ => {
                assert!(run.stderr.contains(
                    "200 problem(s) in rules or configuration (the first 50 are shown, 150 more are not)"
                ));
                assert_eq!(run.stderr.matches("no rule has the code").count(), 50);
            }
        }
    }
    let started = std::time::Instant::now();
    let run = nhiscan()
        .args(["scan", "--rules"])
        .args([&rules, &empty])
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(started.elapsed().as_secs() < 10);
    assert!(
        run.stderr
            .contains("X001-deep.yaml:2: nesting deeper than 64 levels"),
        "{}",
        run.stderr
    );
}

/// Issue 6, item 10: `--jobs 10000` is clamped (it took 59 s for two files), with a note.
#[test]
fn issue6_jobs_are_clamped_with_a_note() {
    let started = std::time::Instant::now();
    let run = scan(&["fixtures/demo", "--format", "json", "--jobs", "10000"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(started.elapsed().as_secs() < 20);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let jobs = (cores * 4).min(256);
    assert!(
        run.stderr.contains(&format!(
            "note: --jobs 10000 is more than {jobs} (4 per core, at most 256); using {jobs}"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(run.json()["summary"]["failed"], true);
}
