//! Meta-tests over the whole catalog: every rule tests itself, codes are well-formed and
//! unique, each rule file is named after its code, has fixtures and documentation; adapter
//! fixture folders match the registered adapters; no snapshot outlives its fixture.

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::{nhiscan, root};

fn builtin_set() -> nhiscan::rules::RuleSet {
    nhiscan::rules::load(
        &nhiscan::rules::RuleSources {
            test_builtins: true,
            builtins: nhiscan::builtin_rules(),
            dirs: &[],
        },
        &nhiscan::rules::RuleOverrides::default(),
        None,
    )
    .unwrap_or_else(|e| {
        let problems: Vec<String> = e.problems.iter().map(ToString::to_string).collect();
        panic!(
            "built-in rules fail to load or self-test:\n{}",
            problems.join("\n")
        )
    })
}

/// Loading runs every rule's examples and negative examples (see `rules::selftest`).
#[test]
fn every_builtin_rule_passes_its_self_test() {
    let set = builtin_set();
    for rule in set.rules() {
        let (positive, negative) = rule.example_counts();
        assert!(
            positive >= 1 && negative >= 1,
            "{} needs examples of both kinds",
            rule.code
        );
    }
}

#[test]
fn a_rule_whose_negative_example_fires_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("rules/aws/AWS001-access-key-not-rotated.yaml"))
        .unwrap();
    let broken = text.replace(
        "last_rotated: \"2026-05-01T00:00:00+00:00\"",
        "last_rotated: \"2021-05-01T00:00:00+00:00\"",
    );
    assert_ne!(text, broken);
    std::fs::write(dir.path().join("AWS001.yaml"), broken).unwrap();
    let dirs = [dir.path().to_path_buf()];
    let err = nhiscan::rules::load(
        &nhiscan::rules::RuleSources {
            test_builtins: true,
            builtins: &[],
            dirs: &dirs,
        },
        &nhiscan::rules::RuleOverrides::default(),
        None,
    )
    .unwrap_err();
    assert_eq!(err.problems.len(), 1);
    assert!(
        err.problems[0].message.contains(
            "negative example violates the rule at now 2026-06-01T00:00:00Z: \
                 last_rotated older_than_days 90 days (actual: 1857 days)"
        ),
        "{}",
        err.problems[0]
    );
    assert_eq!(err.problems[0].line(), Some(31));
}

#[test]
fn codes_names_and_files_agree() {
    let set = builtin_set();
    let code = regex::Regex::new(r"^[A-Z]{2,5}[0-9]{3}$").unwrap();
    let kebab = regex::Regex::new(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$").unwrap();
    let mut seen = BTreeSet::new();
    for rule in set.rules() {
        assert!(code.is_match(&rule.code), "{}", rule.code);
        assert!(kebab.is_match(&rule.name), "{}", rule.name);
        assert!(seen.insert(rule.code.clone()), "duplicate {}", rule.code);
        let file = Path::new(&rule.path).file_name().unwrap().to_string_lossy();
        assert_eq!(file, format!("{}-{}.yaml", rule.code, rule.name));
        assert!(rule.path.starts_with("rules/"), "{}", rule.path);
        assert!(
            !rule.remediation.trim().is_empty() && !rule.failure_mode.trim().is_empty(),
            "{}",
            rule.code
        );
        assert!(
            !rule.frameworks.is_empty(),
            "{} names no framework",
            rule.code
        );
        assert!(
            !rule.description.trim().is_empty(),
            "{} has no description",
            rule.code
        );
    }
    assert_eq!(nhiscan::builtin_rules().len(), set.rules().len());
}

#[test]
fn every_rule_has_fail_and_pass_fixtures_and_every_fixture_a_rule() {
    let set = builtin_set();
    let codes: BTreeSet<String> = set.rules().iter().map(|r| r.code.clone()).collect();
    for code in &codes {
        for kind in ["fail", "pass"] {
            let dir = root().join("fixtures/rules").join(code).join(kind);
            let count = std::fs::read_dir(&dir).map(Iterator::count).unwrap_or(0);
            assert!(count > 0, "{} is missing or empty", dir.display());
        }
    }
    let dirs: BTreeSet<String> = std::fs::read_dir(root().join("fixtures/rules"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        dirs, codes,
        "fixtures/rules/<CODE> folders and rule codes differ"
    );
}

#[test]
fn source_fixture_folders_are_the_registered_adapters() {
    let dirs: Vec<String> = {
        let mut d: Vec<String> = std::fs::read_dir(root().join("fixtures/sources"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        d.sort();
        d
    };
    assert_eq!(dirs, nhiscan::sources::source_ids());
}

#[test]
fn rule_docs_are_generated_from_the_rules() {
    let set = builtin_set();
    for rule in set.rules() {
        let path = root().join("docs/rules").join(format!("{}.md", rule.code));
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        let run = nhiscan()
            .args(["rules", "show", &rule.code, "--markdown"])
            .run();
        assert_eq!(
            on_disk,
            run.stdout,
            "{} is stale: run .ci/gen-rule-docs (or `cargo run -- rules show {} --markdown > {}`)",
            path.display(),
            rule.code,
            path.strip_prefix(root()).unwrap().display()
        );
    }
}

/// insta writes nothing under CI and cargo-insta is not installed: a snapshot whose
/// fixture was removed would linger unnoticed, so reject it.
#[test]
fn no_snapshot_outlives_its_fixture() {
    let snapshots = root().join("tests/integration/snapshots");
    let Ok(entries) = std::fs::read_dir(&snapshots) else {
        return;
    };
    for entry in entries {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some((_, fixture)) = name.strip_suffix(".snap").and_then(|n| n.split_once('@')) else {
            continue;
        };
        let fixture = fixture.replace("__", "/");
        let candidates = [
            root().join("fixtures/rules").join(&fixture),
            root().join("fixtures/sources").join(&fixture),
        ];
        assert!(
            candidates.iter().any(|p| p.exists()),
            "snapshot {name} has no fixture {fixture}"
        );
    }
}
