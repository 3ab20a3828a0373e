//! Loading the catalog: parse every rule file, validate every rule, apply the user's
//! configuration and run every rule's self-test, collecting **all** problems, each pointing
//! at its line, before giving up. A scanner that silently runs fewer rules lies to CI.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use rayon::prelude::*;

use super::overrides::{self, RuleOverrides};
use super::schema::RawRule;
use super::{Rule, RuleSet, compile, selftest, validate};
use crate::diag::{LoadError, Problem, SourceFile};

/// The policy version of the built-in catalog; a config's `policy_version` replaces it.
pub const BUILTIN_POLICY_VERSION: &str = concat!("builtin-", env!("CARGO_PKG_VERSION"));

/// A rule file compiled into the binary.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub path: &'static str,
    pub text: &'static str,
}

/// Where rules come from: the built-ins and any `--rules PATH`s, each a rule file or a
/// directory of them (later ones win by code).
#[derive(Debug, Clone, Default)]
pub struct RuleSources<'a> {
    pub builtins: &'a [Builtin],
    pub dirs: &'a [PathBuf],
    /// Run the built-ins' examples too. A user's rules always run theirs; the built-ins'
    /// run in `nhiscan rules test` and the test suite, and need not run on every scan.
    pub test_builtins: bool,
}

/// Loads, validates and self-tests the catalog, then applies the user's `overrides`;
/// `policy_version` replaces [`BUILTIN_POLICY_VERSION`] when given.
pub fn load(
    sources: &RuleSources<'_>,
    overrides: &RuleOverrides,
    policy_version: Option<&str>,
) -> Result<RuleSet, LoadError> {
    let mut problems = Vec::new();
    let mut files: Vec<(bool, SourceFile)> = sources
        .builtins
        .iter()
        .map(|b| (true, SourceFile::new(b.path, b.text)))
        .collect();
    for dir in sources.dirs {
        match user_rule_files(dir) {
            Ok(found) => files.extend(found.into_iter().map(|f| (false, f))),
            Err(problem) => problems.push(*problem),
        }
    }
    load_files(
        &files,
        sources.test_builtins,
        problems,
        overrides,
        policy_version,
    )
}

/// Loads one user rule file from memory (validated, compiled and self-tested), without the
/// built-ins.
pub fn load_user_text(path: String, text: String) -> Result<RuleSet, LoadError> {
    let files = [(false, SourceFile::new(path, text))];
    load_files(&files, false, Vec::new(), &RuleOverrides::default(), None)
}

fn load_files(
    files: &[(bool, SourceFile)],
    test_builtins: bool,
    mut problems: Vec<Problem>,
    overrides: &RuleOverrides,
    policy_version: Option<&str>,
) -> Result<RuleSet, LoadError> {
    let mut by_code: BTreeMap<String, Rule> = BTreeMap::new();
    let mut first_seen: HashMap<String, (bool, String)> = HashMap::new();
    let parsed: Vec<Result<RawRule, Box<Problem>>> = files
        .par_iter()
        .map(|(builtin, file)| {
            if *builtin {
                file.parse_trusted()
            } else {
                file.parse()
            }
        })
        .collect();
    for ((builtin, file), parsed) in files.iter().zip(parsed) {
        let raw: RawRule = match parsed {
            Ok(raw) => raw,
            Err(problem) => {
                problems.push(*problem);
                continue;
            }
        };
        let duplicate = first_seen
            .get(&raw.id)
            .filter(|(was_builtin, _)| was_builtin == builtin);
        if let Some((_, other)) = duplicate {
            problems.push(file.at(
                &["id".into()],
                false,
                format!("duplicate rule code {} (also in {other})", raw.id),
                "already used",
                Some("codes are forever: pick an unused one".into()),
            ));
        }
        let duplicate = duplicate.is_some();
        first_seen
            .entry(raw.id.clone())
            .or_insert((*builtin, file.path.clone()));
        let before = problems.len();
        validate::metadata(&raw, file, &mut problems);
        let check = !*builtin || test_builtins;
        let rule = compile::rule(raw, file, &mut problems, check);
        if let Some(rule) = rule.filter(|_| problems.len() == before) {
            let examples = if check {
                selftest::check(&rule)
            } else {
                Vec::new()
            };
            problems.extend(examples.into_iter().map(|f| {
                file.at(
                    &f.route,
                    false,
                    format!("rule {}: {}", rule.code, f.message),
                    "this example",
                    None,
                )
            }));
            if !duplicate {
                by_code.insert(rule.code.clone(), rule);
            }
        }
    }

    overrides::apply(&mut by_code, overrides, &mut problems);
    if problems.is_empty() {
        let version = policy_version.unwrap_or(BUILTIN_POLICY_VERSION).to_owned();
        Ok(RuleSet::new(by_code.into_values().collect(), version))
    } else {
        Err(LoadError { problems })
    }
}

/// The rule file `dir` names (whatever its extension), or the `*.yaml`/`*.yml` files under it.
fn user_rule_files(dir: &PathBuf) -> Result<Vec<SourceFile>, Box<Problem>> {
    let missing = |reason: String| {
        Box::new(
            SourceFile::new(dir.display().to_string(), String::new()).at(
                &[],
                false,
                reason,
                "",
                None,
            ),
        )
    };
    if dir.is_file() {
        let text = crate::diag::read_bounded_text(dir)
            .map_err(|e| missing(format!("cannot read {}: {e}", dir.display())))?;
        return Ok(vec![SourceFile::new(dir.display().to_string(), text)]);
    }
    if !dir.is_dir() {
        return Err(missing(format!(
            "rules path {} is neither a file nor a directory",
            dir.display()
        )));
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| missing(format!("cannot read rules directory: {e}")))?;
        let path = entry.path();
        let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if entry.file_type().is_file() && is_yaml {
            let text = crate::diag::read_bounded_text(path)
                .map_err(|e| missing(format!("cannot read {}: {e}", path.display())))?;
            files.push(SourceFile::new(path.display().to_string(), text));
        }
    }
    Ok(files)
}

/// The built-in rules as a scan loads them, once per process (not self-tested: `rules test`
/// and `cargo test` do that). For the fuzz entry points and tests that need a rule set.
pub(crate) fn builtin_set() -> &'static RuleSet {
    static RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        let sources = RuleSources {
            builtins: crate::builtin_rules(),
            dirs: &[],
            test_builtins: false,
        };
        load(&sources, &RuleOverrides::default(), None)
            .unwrap_or_else(|e| panic!("the built-in rules load: {e:?}"))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;

    use super::*;
    use crate::model::Severity;

    const POSTURE: &str = r#"id: TST001
name: leaked-key-of-live-identity
severity: medium
subject: aws.access_key
when: { field: status, eq: Active }
refine:
  - when:
      all:
        - { field: identity.status, eq: Active }
        - { field: identity.admin, eq: true }
    severity: critical
    message: "admin key of {{identity.user}} is live"
    examples:
      - { attrs: { status: Active, identity: { status: Active, admin: true, user: ci } } }
  - when: { field: identity.status, eq: Active }
    severity: high
    examples:
      - { attrs: { status: Active, identity: { status: Active, admin: false } } }
message: "key is {{status}}"
failure_class: exposure
failure_mode: x
frameworks: [OWASP-NHI:NHI2]
remediation: x
examples: [{ attrs: { status: Active } }]
negative_examples: [{ attrs: { status: Inactive } }]
"#;

    fn load_text(text: &'static str) -> Result<RuleSet, LoadError> {
        let builtins = [Builtin {
            path: "t.yaml",
            text,
        }];
        load(
            &RuleSources {
                test_builtins: true,
                builtins: &builtins,
                dirs: &[],
            },
            &RuleOverrides::default(),
            None,
        )
    }

    fn problems(text: &'static str) -> Vec<String> {
        match load_text(text) {
            Ok(_) => Vec::new(),
            Err(e) => e.problems.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn the_first_refinement_that_holds_applies_with_its_leaves() {
        let set = load_text(POSTURE).unwrap();
        let rule = set.get("TST001").unwrap();
        let now = datetime!(2026-06-01 00:00 UTC);
        let attrs = |identity: serde_json::Value| {
            json!({ "status": "Active", "identity": identity })
                .as_object()
                .unwrap()
                .clone()
        };
        let admin = attrs(json!({ "status": "Active", "admin": true, "user": "ci" }));
        let refinement = rule.refinement(&admin, now).unwrap();
        assert_eq!(refinement.severity, Some(Severity::Critical));
        assert_eq!(
            refinement.message,
            Some("admin key of {{identity.user}} is live")
        );
        let leaves: Vec<_> = refinement
            .because
            .iter()
            .map(|c| (c.field.as_str(), c.op.as_str()))
            .collect();
        assert_eq!(
            leaves,
            [("identity.status", "eq"), ("identity.admin", "eq")]
        );

        let plain = attrs(json!({ "status": "Active", "admin": false }));
        let refinement = rule.refinement(&plain, now).unwrap();
        assert_eq!(refinement.severity, Some(Severity::High));
        assert_eq!(refinement.message, None);

        let gone = attrs(json!({ "status": "Deleted" }));
        assert_eq!(rule.refinement(&gone, now), None);
    }

    #[test]
    fn refine_examples_are_self_tested() {
        let shadowed = POSTURE.replace("admin: false } } }", "admin: true, user: x } } }");
        assert_eq!(
            problems(shadowed.leak()),
            ["t.yaml:18: rule TST001: refine example is taken by `refine[0]`, which comes first"]
        );
        let unmet = POSTURE.replace(
            "- { attrs: { status: Active, identity: { status: Active, admin: false } } }",
            "- { attrs: { status: Active, identity: { status: Disabled } } }",
        );
        assert_eq!(
            problems(unmet.leak()),
            ["t.yaml:18: rule TST001: refine example does not satisfy `refine[1].when`"]
        );
        let no_finding = POSTURE.replace(
            "- { attrs: { status: Active, identity: { status: Active, admin: false } } }",
            "- { attrs: { status: Inactive, identity: { status: Active } } }",
        );
        assert_eq!(
            problems(no_finding.leak()),
            [
                "t.yaml:18: rule TST001: refine example does not violate the rule, so there is no finding to refine"
            ]
        );
        let unresolved = POSTURE.replace("{{identity.user}}", "{{identity.owner}}");
        assert_eq!(
            problems(unresolved.leak()),
            ["t.yaml:14: rule TST001: `refine[0].message` leaves {{identity.owner}} unresolved"]
        );
    }

    #[test]
    fn refine_conditions_compile_like_when() {
        let typo = POSTURE.replace(
            "{ field: identity.admin, eq: true }",
            "{ field: identity.admin, eqq: true }",
        );
        assert_eq!(problems(typo.leak()), ["t.yaml:10: unknown operator `eqq`"]);
        let empty = POSTURE.replace("    severity: high\n", "");
        assert_eq!(
            problems(empty.leak()),
            ["t.yaml:15: a `refine` entry changes nothing without `severity` or `message`"]
        );
    }

    #[test]
    fn detector_rules_take_refine_too() {
        const DETECTOR: &str = r#"id: TST002
name: test-token
severity: medium
detect:
  provider: test
  pattern: '\b(tst_[a-z0-9]{8})\b'
  keywords: [tst_]
refine:
  - when: { field: identity.status, eq: Active }
    severity: critical
    message: "token {{redacted}} of live {{identity.user}}"
    examples:
      - { attrs: { redacted: "tst_…", identity: { status: Active, user: ci } } }
message: "token {{redacted}}"
failure_class: exposure
failure_mode: x
frameworks: [OWASP-NHI:NHI2]
remediation: x
examples: ['tst_ab12cd34']
negative_examples: ['tst_short']
"#;
        let set = load_text(DETECTOR).unwrap();
        let attrs = json!({ "identity": { "status": "Active" } });
        let refinement = set
            .get("TST002")
            .unwrap()
            .refinement(attrs.as_object().unwrap(), datetime!(2026-06-01 00:00 UTC))
            .unwrap();
        assert_eq!(refinement.severity, Some(Severity::Critical));
    }
}
