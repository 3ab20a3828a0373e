//! Condition trees (`where`, `when`): shape checked, field paths parsed, each operator's
//! value checked for its kind, `{{param}}` templates resolved, regexes built.

use std::collections::BTreeMap;

use serde_json::Value;

use super::regex;
use crate::diag::{Problem, SourceFile};
use crate::model::Step;
use crate::rules::eval::{Condition, Leaf, Op, Operand, parse_path};
use crate::rules::schema::{OPERATORS, RawCondition};

pub(super) struct Compiler<'a> {
    file: &'a SourceFile,
    params: &'a BTreeMap<String, Value>,
    problems: &'a mut Vec<Problem>,
}

impl<'a> Compiler<'a> {
    pub(super) fn new(
        file: &'a SourceFile,
        params: &'a BTreeMap<String, Value>,
        problems: &'a mut Vec<Problem>,
    ) -> Self {
        Self {
            file,
            params,
            problems,
        }
    }

    fn problem(&mut self, route: &[Step], key: bool, message: String, help: Option<String>) {
        self.problems
            .push(self.file.at(route, key, message, "here", help));
    }

    pub(super) fn condition(&mut self, raw: &RawCondition, route: Vec<Step>) -> Option<Condition> {
        let shapes = [
            raw.all.is_some(),
            raw.any.is_some(),
            raw.not.is_some(),
            raw.field.is_some(),
        ];
        if shapes.iter().filter(|s| **s).count() != 1 {
            self.problem(
                &route,
                false,
                "a condition needs exactly one of `all`, `any`, `not`, or `field` with an operator"
                    .into(),
                None,
            );
            return None;
        }
        let list = |c: &mut Self, items: &[RawCondition], key: &str| {
            let compiled: Vec<_> = items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    c.condition(item, [route.clone(), vec![key.into(), i.into()]].concat())
                })
                .collect();
            if items.is_empty() {
                c.problem(&route, false, format!("`{key}` is empty"), None);
            }
            compiled.into_iter().collect::<Option<Vec<_>>>()
        };
        if let Some(items) = &raw.all {
            return list(self, items, "all").map(Condition::All);
        }
        if let Some(items) = &raw.any {
            return list(self, items, "any").map(Condition::Any);
        }
        if let Some(inner) = &raw.not {
            let inner = self.condition(inner, [route.clone(), vec!["not".into()]].concat())?;
            return Some(Condition::Not(Box::new(inner)));
        }
        let field = raw.field.as_deref().unwrap_or_default();
        let path = parse_path(field);
        if path.is_none() {
            self.problem(
                &[route.clone(), vec!["field".into()]].concat(),
                false,
                format!("`{field}` is not a field path"),
                Some("write a.b.c or a[0].b".into()),
            );
        }
        let ops: Vec<(&str, OpValue<'_>)> = [
            ("eq", raw.eq.as_ref().map(OpValue::Value)),
            ("ne", raw.ne.as_ref().map(OpValue::Value)),
            ("in", raw.in_.as_ref().map(OpValue::Value)),
            ("not_in", raw.not_in.as_ref().map(OpValue::Value)),
            ("gt", raw.gt.as_ref().map(OpValue::Value)),
            ("gte", raw.gte.as_ref().map(OpValue::Value)),
            ("lt", raw.lt.as_ref().map(OpValue::Value)),
            ("lte", raw.lte.as_ref().map(OpValue::Value)),
            ("contains", raw.contains.as_ref().map(OpValue::Value)),
            ("matches", raw.matches.as_ref().map(OpValue::Value)),
            ("exists", raw.exists.as_ref().map(OpValue::Value)),
            (
                "older_than_days",
                raw.older_than_days.as_ref().map(OpValue::Value),
            ),
            (
                "newer_than_days",
                raw.newer_than_days.as_ref().map(OpValue::Value),
            ),
            (
                "within_next_days",
                raw.within_next_days.as_ref().map(OpValue::Value),
            ),
            ("any_of", raw.any_of.as_deref().map(OpValue::Nested)),
            ("all_of", raw.all_of.as_deref().map(OpValue::Nested)),
        ]
        .into_iter()
        .filter_map(|(name, v)| v.map(|v| (name, v)))
        .collect();
        let [(name, value)] = ops.as_slice() else {
            let found = if ops.is_empty() {
                "none".to_owned()
            } else {
                ops.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            };
            self.problem(
                &route,
                false,
                format!("condition on `{field}` needs exactly one operator (found {found})"),
                Some(format!("operators: {}", OPERATORS.join(", "))),
            );
            return None;
        };
        let op_route = [route.clone(), vec![Step::from(*name)]].concat();
        let op = self.operator(name, value, &op_route)?;
        Some(Condition::Leaf(Leaf {
            field: field.to_owned(),
            path: path?,
            op,
        }))
    }

    fn operator(&mut self, name: &str, value: &OpValue<'_>, route: &[Step]) -> Option<Op> {
        let value = match value {
            OpValue::Nested(inner) => {
                let inner = Box::new(self.condition(inner, route.to_vec())?);
                return Some(if name == "any_of" {
                    Op::AnyOf(inner)
                } else {
                    Op::AllOf(inner)
                });
            }
            OpValue::Value(v) => self.resolve(v, route)?,
        };
        let days = |c: &mut Self, operand: &Operand| match operand {
            Operand::Value(v) => match v
                .as_f64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            {
                Some(n) if n >= 0.0 => Some(n),
                _ => {
                    c.problem(
                        route,
                        false,
                        format!("`{name}` takes a number of days, not {v}"),
                        None,
                    );
                    None
                }
            },
            Operand::Now => None,
        };
        let list = |c: &mut Self, operand: Operand| match operand {
            Operand::Value(Value::Array(items)) => Some(items),
            _ => {
                c.problem(route, false, format!("`{name}` takes a list"), None);
                None
            }
        };
        let plain = |operand: Operand| match operand {
            Operand::Value(v) => v,
            Operand::Now => Value::Null,
        };
        Some(match name {
            "eq" => Op::Eq(value),
            "ne" => Op::Ne(value),
            "gt" => Op::Gt(value),
            "gte" => Op::Gte(value),
            "lt" => Op::Lt(value),
            "lte" => Op::Lte(value),
            "in" => Op::In(list(self, value)?),
            "not_in" => Op::NotIn(list(self, value)?),
            "contains" => Op::Contains(plain(value)),
            "exists" => match plain(value) {
                Value::Bool(b) => Op::Exists(b),
                other => {
                    self.problem(
                        route,
                        false,
                        format!("`exists` takes true or false, not {other}"),
                        None,
                    );
                    return None;
                }
            },
            "matches" => {
                let pattern = plain(value);
                let Some(text) = pattern.as_str() else {
                    self.problem(route, false, "`matches` takes a regex string".into(), None);
                    return None;
                };
                Op::Matches(regex(self.file, route, text, self.problems)?)
            }
            "older_than_days" => Op::OlderThanDays(days(self, &value)?),
            "newer_than_days" => Op::NewerThanDays(days(self, &value)?),
            _ => Op::WithinNextDays(days(self, &value)?),
        })
    }

    /// Substitutes `{{param}}` templates; a value that is exactly `{{now}}` becomes `Now`.
    fn resolve(&mut self, value: &Value, route: &[Step]) -> Option<Operand> {
        let Value::String(text) = value else {
            return Some(Operand::Value(value.clone()));
        };
        let trimmed = text.trim();
        if trimmed == "{{now}}" || trimmed == "{{ now }}" {
            return Some(Operand::Now);
        }
        if let Some(name) = trimmed
            .strip_prefix("{{")
            .and_then(|t| t.strip_suffix("}}"))
        {
            let name = name.trim();
            return match self.params.get(name) {
                Some(v) => Some(Operand::Value(v.clone())),
                None => {
                    let declared = self.params.keys().cloned().collect::<Vec<_>>().join(", ");
                    self.problem(
                        route,
                        false,
                        format!("parameter `{name}` is not declared in `params`"),
                        Some(format!(
                            "declared: {}",
                            if declared.is_empty() {
                                "none"
                            } else {
                                &declared
                            }
                        )),
                    );
                    None
                }
            };
        }
        Some(Operand::Value(value.clone()))
    }
}

enum OpValue<'a> {
    Value(&'a Value),
    Nested(&'a RawCondition),
}
