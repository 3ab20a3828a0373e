//! Condition trees (`where`, `when`): shape checked, field paths parsed, each operator's
//! value checked for its kind, `{{param}}` templates resolved, regexes built.

use std::collections::BTreeMap;

use serde_json::Value;

use super::regex;
use crate::diag::{Problem, SourceFile};
use crate::model::Step;
use crate::model::field_steps;
use crate::rules::eval::{Condition, Leaf, Op, Operand};
use crate::rules::schema::{CONDITION_KEYS, Operator, RawCondition, RawOperand};

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
        if !raw.unknown.is_empty() {
            for key in &raw.unknown {
                self.unknown_key(key, &route);
            }
            return None;
        }
        let shapes = [
            raw.all.is_some(),
            raw.any.is_some(),
            raw.not.is_some(),
            raw.field.is_some(),
        ];
        if shapes.iter().filter(|s| **s).count() != 1
            || (raw.field.is_none() && !raw.operators.is_empty())
        {
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
        let path = field_steps(field);
        if path.is_none() {
            self.problem(
                &[route.clone(), vec!["field".into()]].concat(),
                false,
                format!("`{field}` is not a field path"),
                Some("write a.b.c or a[0].b".into()),
            );
        }
        let [(operator, operand)] = raw.operators.as_slice() else {
            let found = if raw.operators.is_empty() {
                "none".to_owned()
            } else {
                let names: Vec<_> = raw.operators.iter().map(|(op, _)| op.name()).collect();
                names.join(", ")
            };
            self.problem(
                &route,
                false,
                format!("condition on `{field}` needs exactly one operator (found {found})"),
                Some(format!("operators: {}", Operator::names())),
            );
            return None;
        };
        let op_route = [route.clone(), vec![Step::from(operator.name())]].concat();
        let op = self.operator(*operator, operand, &op_route)?;
        Some(Condition::Leaf(Leaf {
            field: field.to_owned(),
            path: path?,
            op,
        }))
    }

    /// A key that is neither an operator nor `all` / `any` / `not` / `field`.
    fn unknown_key(&mut self, key: &str, route: &[Step]) {
        let known = CONDITION_KEYS
            .iter()
            .copied()
            .chain(Operator::ALL.iter().map(|op| op.name()));
        let help = match did_you_mean(key, known) {
            Some(near) => format!("did you mean `{near}`? operators: {}", Operator::names()),
            None => format!(
                "operators: {}; a condition also takes `all`, `any`, `not`, `field`",
                Operator::names()
            ),
        };
        let at = [route.to_vec(), vec![Step::from(key)]].concat();
        self.problems.push(self.file.at(
            &at,
            true,
            format!("unknown operator `{key}`"),
            "not an operator",
            Some(help),
        ));
    }

    fn operator(&mut self, operator: Operator, operand: &RawOperand, route: &[Step]) -> Option<Op> {
        Some(match operator {
            Operator::Eq => Op::Eq(self.value(operator, operand, route)?),
            Operator::Ne => Op::Ne(self.value(operator, operand, route)?),
            Operator::Gt => Op::Gt(self.value(operator, operand, route)?),
            Operator::Gte => Op::Gte(self.value(operator, operand, route)?),
            Operator::Lt => Op::Lt(self.value(operator, operand, route)?),
            Operator::Lte => Op::Lte(self.value(operator, operand, route)?),
            Operator::In => Op::In(self.list(operator, operand, route)?),
            Operator::NotIn => Op::NotIn(self.list(operator, operand, route)?),
            Operator::Contains => Op::Contains(self.plain(operator, operand, route)?),
            Operator::Exists => match self.plain(operator, operand, route)? {
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
            Operator::Matches => {
                let pattern = self.plain(operator, operand, route)?;
                let Some(text) = pattern.as_str() else {
                    self.problem(route, false, "`matches` takes a regex string".into(), None);
                    return None;
                };
                Op::Matches(regex(self.file, route, text, self.problems, false)?)
            }
            Operator::OlderThanDays => Op::OlderThanDays(self.days(operator, operand, route)?),
            Operator::NewerThanDays => Op::NewerThanDays(self.days(operator, operand, route)?),
            Operator::WithinNextDays => Op::WithinNextDays(self.days(operator, operand, route)?),
            Operator::AnyOf => Op::AnyOf(self.nested(operator, operand, route)?),
            Operator::AllOf => Op::AllOf(self.nested(operator, operand, route)?),
        })
    }

    /// The value of a value-taking operator, templates resolved.
    fn value(
        &mut self,
        operator: Operator,
        operand: &RawOperand,
        route: &[Step],
    ) -> Option<Operand> {
        match operand {
            RawOperand::Value(v) => self.resolve(v, route),
            RawOperand::Condition(_) => {
                let name = operator.name();
                self.problem(
                    route,
                    false,
                    format!("`{name}` takes a value, not a condition"),
                    None,
                );
                None
            }
        }
    }

    /// A value in which `{{now}}` means nothing.
    fn plain(&mut self, operator: Operator, operand: &RawOperand, route: &[Step]) -> Option<Value> {
        match self.value(operator, operand, route)? {
            Operand::Value(v) => Some(v),
            Operand::Now => Some(Value::Null),
        }
    }

    fn list(
        &mut self,
        operator: Operator,
        operand: &RawOperand,
        route: &[Step],
    ) -> Option<Vec<Value>> {
        match self.value(operator, operand, route)? {
            Operand::Value(Value::Array(items)) => Some(items),
            _ => {
                let name = operator.name();
                self.problem(route, false, format!("`{name}` takes a list"), None);
                None
            }
        }
    }

    fn days(&mut self, operator: Operator, operand: &RawOperand, route: &[Step]) -> Option<f64> {
        let Operand::Value(v) = self.value(operator, operand, route)? else {
            return None;
        };
        match v
            .as_f64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        {
            Some(n) if n >= 0.0 => Some(n),
            _ => {
                let name = operator.name();
                self.problem(
                    route,
                    false,
                    format!("`{name}` takes a number of days, not {v}"),
                    None,
                );
                None
            }
        }
    }

    fn nested(
        &mut self,
        operator: Operator,
        operand: &RawOperand,
        route: &[Step],
    ) -> Option<Box<Condition>> {
        match operand {
            RawOperand::Condition(inner) => Some(Box::new(self.condition(inner, route.to_vec())?)),
            RawOperand::Value(_) => {
                let name = operator.name();
                self.problem(route, false, format!("`{name}` takes a condition"), None);
                None
            }
        }
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

/// The known name nearest to `key` within a small edit distance, for "did you mean".
fn did_you_mean<'a>(key: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (key.chars().count() / 3).max(2);
    known
        .map(|name| (edit_distance(key, name), name))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles the `when` of a one-key YAML document; the problems as `line: message`.
    fn compile(yaml: &str) -> (Option<Condition>, Vec<String>) {
        #[derive(serde::Deserialize)]
        struct Doc {
            when: RawCondition,
        }
        let file = SourceFile::new("t.yaml", yaml);
        let doc: Doc = file.parse().unwrap();
        let params = BTreeMap::from([("days".to_owned(), Value::from(90))]);
        let mut problems = Vec::new();
        let condition =
            Compiler::new(&file, &params, &mut problems).condition(&doc.when, vec!["when".into()]);
        let problems = problems
            .iter()
            .map(|p| format!("{}: {}", p.line().unwrap_or(0), p.message))
            .collect();
        (condition, problems)
    }

    #[test]
    fn unknown_operator_is_located_and_suggests_the_nearest() {
        let (condition, problems) = compile(
            "when:\n  all:\n    - { field: a, eq: 1 }\n    - { field: b, olderthan_days: 3 }\n",
        );
        assert!(condition.is_none());
        assert_eq!(problems, ["4: unknown operator `olderthan_days`"]);
        assert_eq!(
            did_you_mean("olderthan_days", Operator::ALL.iter().map(|op| op.name())),
            Some("older_than_days")
        );
        assert_eq!(
            did_you_mean("feild", CONDITION_KEYS.iter().copied()),
            Some("field")
        );
        assert_eq!(
            did_you_mean("zzzzzzzz", CONDITION_KEYS.iter().copied()),
            None
        );
    }

    #[test]
    fn a_leaf_takes_exactly_one_operator_and_needs_a_field() {
        let (_, problems) = compile("when: { field: a, eq: 1, ne: 2 }\n");
        assert_eq!(
            problems,
            ["1: condition on `a` needs exactly one operator (found eq, ne)"]
        );
        let (_, problems) = compile("when: { field: a }\n");
        assert_eq!(
            problems,
            ["1: condition on `a` needs exactly one operator (found none)"]
        );
        let (_, problems) = compile("when:\n  all: [{ field: a, eq: 1 }]\n  eq: 2\n");
        assert_eq!(
            problems,
            [
                "2: a condition needs exactly one of `all`, `any`, `not`, or `field` with an operator"
            ]
        );
    }

    #[test]
    fn every_operator_compiles_from_its_name() {
        let values = |op: Operator| match op {
            Operator::In | Operator::NotIn => "[1, 2]",
            Operator::Matches => "'^a'",
            Operator::Exists => "true",
            Operator::AnyOf | Operator::AllOf => "{ field: value, eq: 1 }",
            _ => "\"{{days}}\"",
        };
        for op in Operator::ALL {
            let yaml = format!("when: {{ field: a, {}: {} }}\n", op.name(), values(*op));
            let (condition, problems) = compile(&yaml);
            assert!(problems.is_empty(), "{yaml}: {problems:?}");
            let Some(Condition::Leaf(leaf)) = condition else {
                panic!("{yaml} is not a leaf");
            };
            assert_eq!(leaf.op.operator(), *op);
        }
    }
}
