//! Loading the catalog: parse every rule file, validate every rule, apply the user's
//! configuration and run every rule's self-test, collecting **all** problems, each pointing
//! at its line, before giving up. A scanner that silently runs fewer rules lies to CI.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

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

/// Where rules come from: the built-ins and any `--rules DIR`s (later ones win by code).
#[derive(Debug, Clone, Default)]
pub struct RuleSources<'a> {
    pub builtins: &'a [Builtin],
    pub dirs: &'a [PathBuf],
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

    let mut by_code: BTreeMap<String, Rule> = BTreeMap::new();
    let mut first_seen: HashMap<String, (bool, String)> = HashMap::new();
    for (builtin, file) in &files {
        let raw: RawRule = match file.parse() {
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
        let rule = compile::rule(raw, file, &mut problems);
        if let Some(rule) = rule.filter(|_| problems.len() == before) {
            problems.extend(selftest::check(&rule).into_iter().map(|f| {
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
    if !dir.is_dir() {
        return Err(missing(format!(
            "rules directory {} does not exist",
            dir.display()
        )));
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| missing(format!("cannot read rules directory: {e}")))?;
        let path = entry.path();
        let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if entry.file_type().is_file() && is_yaml {
            let text = std::fs::read_to_string(path)
                .map_err(|e| missing(format!("cannot read {}: {e}", path.display())))?;
            files.push(SourceFile::new(path.display().to_string(), text));
        }
    }
    Ok(files)
}
