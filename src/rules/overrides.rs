//! The user's configuration applied to the loaded catalog: rules enabled or disabled,
//! severities replaced, parameters overridden (the rule is recompiled with them).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Rule, compile};
use crate::config::Config;
use crate::diag::{Problem, SourceFile};
use crate::model::Step;

fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

pub(super) fn apply(
    rules: &mut BTreeMap<String, Rule>,
    config: &Config,
    problems: &mut Vec<Problem>,
) {
    let Some(file) = &config.file else { return };
    for (code, change) in &config.rules {
        let route = |extra: &[Step]| {
            [
                vec![Step::from("rules"), Step::from(code.as_str())],
                extra.to_vec(),
            ]
            .concat()
        };
        let Some(rule) = rules.get_mut(code) else {
            problems.push(file.at(
                &route(&[]),
                true,
                format!("no rule has the code {code}"),
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
        for (name, value) in &change.params {
            match params.get_mut(name) {
                Some(slot) if same_type(slot, value) => *slot = value.clone(),
                Some(slot) => problems.push(file.at(
                    &route(&["params".into(), name.as_str().into()]),
                    false,
                    format!("parameter `{name}` of {code} takes a value like {slot}, not {value}"),
                    "wrong type",
                    None,
                )),
                None => problems.push(file.at(
                    &route(&["params".into(), name.as_str().into()]),
                    true,
                    format!("rule {code} has no parameter `{name}`"),
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
    let mut recompiled = compile::rule(raw, &file, problems)?;
    recompiled.enabled = rule.enabled;
    recompiled.severity = rule.severity;
    Some(recompiled)
}
