//! The user's changes to the loaded catalog: rules enabled or disabled, severities replaced,
//! parameters overridden (the rule is recompiled with them). The changes arrive typed, each
//! with the place it was written, so problems point into the user's file; where they were
//! read from is not this module's business.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Rule, compile};
use crate::diag::{Problem, Site, SourceFile};
use crate::model::{InputText, Severity};

/// Changes to rules, in the order they were written.
#[derive(Debug, Clone, Default)]
pub struct RuleOverrides {
    pub entries: Vec<RuleOverride>,
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
