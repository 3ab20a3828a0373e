//! The user's changes to the loaded catalog: rules enabled or disabled, severities replaced,
//! parameters overridden (the rule is recompiled with them). The changes arrive typed, each
//! with the place it was written, so problems point into the user's file; where they were
//! read from is not this module's business.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Rule, compile};
use crate::diag::{Problem, Site, SourceFile};
use crate::model::{InputText, Severity};

/// Changes to rules, in the order they were written, then the command line's selection.
#[derive(Debug, Clone, Default)]
pub struct RuleOverrides {
    pub entries: Vec<RuleOverride>,
    pub selection: Selection,
}

/// `--select` / `--ignore`: codes, prefixes (`GHA`) or globs (`SEC*`, `GHA0??`), matched
/// case-insensitively against rule codes. Applied after the config's `enabled`:
/// - with `--select`, a rule that matches none of its patterns does not run;
/// - a rule matching `--ignore` does not run, unless `--select` names its exact code and
///   `--ignore` only matches it by prefix or glob (the more specific wins, as in ruff);
/// - a rule the config (or its file) disabled runs again only when `--select` names its
///   exact code; a prefix or glob selects among the enabled rules.
///
/// A pattern that matches no rule is an error (a typo must not silently run nothing).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

/// One `--select` / `--ignore` pattern, compiled.
struct CodePattern {
    text: String,
    exact: bool,
    glob: globset::GlobMatcher,
}

impl CodePattern {
    fn new(text: &str) -> Result<Self, String> {
        let upper = text.trim().to_ascii_uppercase();
        let valid = !upper.is_empty()
            && upper.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '*' | '?' | '[' | ']' | '!' | '-')
            });
        if !valid {
            return Err(format!("`{text}` is not a rule code, prefix or glob"));
        }
        let is_glob = upper.contains(['*', '?', '[']);
        let exact = !is_glob && super::validate::is_code(&upper);
        let pattern = if is_glob || exact {
            upper.clone()
        } else {
            format!("{upper}*")
        };
        let glob = globset::Glob::new(&pattern)
            .map_err(|e| format!("`{text}` is not a valid glob: {}", e.kind()))?
            .compile_matcher();
        Ok(Self {
            text: upper,
            exact,
            glob,
        })
    }

    fn matches(&self, code: &str) -> bool {
        self.glob.is_match(code)
    }
}

fn compile_patterns(
    flag: &str,
    texts: &[String],
    rules: &BTreeMap<String, Rule>,
    problems: &mut Vec<Problem>,
) -> Vec<CodePattern> {
    let file = SourceFile::new(flag.to_owned(), String::new());
    let mut patterns = Vec::new();
    for text in texts {
        match CodePattern::new(text) {
            Ok(pattern) if rules.keys().any(|code| pattern.matches(code)) => patterns.push(pattern),
            Ok(pattern) => problems.push(file.at(
                &[],
                false,
                format!("{} matches no rule", pattern.text),
                "",
                Some("`nhiscan rules list` shows the codes".into()),
            )),
            Err(message) => problems.push(file.at(&[], false, message, "", None)),
        }
    }
    patterns
}

fn apply_selection(
    rules: &mut BTreeMap<String, Rule>,
    selection: &Selection,
    problems: &mut Vec<Problem>,
) {
    let select = compile_patterns("--select", &selection.select, rules, problems);
    let ignore = compile_patterns("--ignore", &selection.ignore, rules, problems);
    if select.is_empty() && ignore.is_empty() {
        return;
    }
    let restrict = !selection.select.is_empty();
    for (code, rule) in rules.iter_mut() {
        let named = |patterns: &[CodePattern]| patterns.iter().any(|p| p.exact && p.matches(code));
        let matched = |patterns: &[CodePattern]| patterns.iter().any(|p| p.matches(code));
        rule.enabled = if named(&ignore) {
            false
        } else if named(&select) {
            true
        } else if matched(&ignore) || (restrict && !matched(&select)) {
            false
        } else {
            rule.enabled
        };
    }
}

/// A change to one rule.
#[derive(Debug, Clone)]
pub struct RuleOverride {
    pub code: String,
    /// Where the code is written.
    pub at: Site,
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
    pub params: Vec<ParamOverride>,
}

/// A new value for one parameter of a rule.
#[derive(Debug, Clone)]
pub struct ParamOverride {
    pub name: String,
    pub value: Value,
    /// Where the parameter's name is written.
    pub name_at: Site,
    /// Where its value is written.
    pub value_at: Site,
}

fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

pub(super) fn apply(
    rules: &mut BTreeMap<String, Rule>,
    overrides: &RuleOverrides,
    problems: &mut Vec<Problem>,
) {
    for change in &overrides.entries {
        let code = &change.code;
        let Some(rule) = rules.get_mut(code) else {
            problems.push(change.at.problem(
                format!("no rule has the code {}", InputText::new(code.as_str())),
                "unknown code",
                Some("`nhiscan rules list` shows the codes".into()),
            ));
            continue;
        };
        if let Some(enabled) = change.enabled {
            rule.enabled = enabled;
        }
        if let Some(severity) = change.severity {
            rule.severity = severity;
        }
        let mut params = rule.params.clone();
        for param in &change.params {
            let (name, value) = (&param.name, &param.value);
            match params.get_mut(name) {
                Some(slot) if same_type(slot, value) => *slot = value.clone(),
                Some(slot) => problems.push(param.value_at.problem(
                    format!(
                        "parameter `{name}` of {code} takes a value like {slot}, not {}",
                        InputText::new(value.to_string())
                    ),
                    "wrong type",
                    None,
                )),
                None => problems.push(param.name_at.problem(
                    format!(
                        "rule {code} has no parameter `{}`",
                        InputText::new(name.as_str())
                    ),
                    "unknown parameter",
                    Some(format!(
                        "parameters of {code}: {}",
                        rule.params.keys().cloned().collect::<Vec<_>>().join(", ")
                    )),
                )),
            }
        }
        if params != rule.params
            && let Some(recompiled) = recompile_with(rule, params, problems)
        {
            *rule = recompiled;
        }
    }
    apply_selection(rules, &overrides.selection, problems);
}

/// The same rule with other parameter values (a config override).
fn recompile_with(
    rule: &Rule,
    params: BTreeMap<String, Value>,
    problems: &mut Vec<Problem>,
) -> Option<Rule> {
    let file = SourceFile::new(rule.path.clone(), rule.text.clone());
    let mut raw = rule.raw.clone();
    raw.params = params;
    let mut recompiled = compile::rule(raw, &file, problems, true)?;
    recompiled.enabled = rule.enabled;
    recompiled.severity = rule.severity;
    Some(recompiled)
}
