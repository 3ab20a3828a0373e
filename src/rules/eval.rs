//! Evaluates a compiled condition tree against a subject's attributes. The result is not a
//! boolean but the leaves that decided it: `evaluate` returns the violated conditions, which
//! become the finding's reason.

use regex::Regex;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::schema::Operator;
use crate::model::time::{calendar_days, format_time, parse_time};
use crate::model::{Step, ViolatedCondition, field_steps};

/// A compiled condition: parameters resolved, regexes built.
#[derive(Debug, Clone)]
pub(crate) enum Condition {
    All(Vec<Self>),
    Any(Vec<Self>),
    Not(Box<Self>),
    Leaf(Leaf),
}

#[derive(Debug, Clone)]
pub(crate) struct Leaf {
    pub field: String,
    pub path: Vec<Step>,
    pub op: Op,
}

/// The right-hand side of an operator: a value, or the scan's `now` (`"{{now}}"`).
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Value(Value),
    Now,
}

#[derive(Debug, Clone)]
pub(crate) enum Op {
    Eq(Operand),
    Ne(Operand),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    Gt(Operand),
    Gte(Operand),
    Lt(Operand),
    Lte(Operand),
    Contains(Value),
    Matches(Regex),
    Exists(bool),
    OlderThanDays(f64),
    NewerThanDays(f64),
    WithinNextDays(f64),
    AnyOf(Box<Condition>),
    AllOf(Box<Condition>),
}

impl Op {
    pub(crate) const fn operator(&self) -> Operator {
        match self {
            Self::Eq(_) => Operator::Eq,
            Self::Ne(_) => Operator::Ne,
            Self::In(_) => Operator::In,
            Self::NotIn(_) => Operator::NotIn,
            Self::Gt(_) => Operator::Gt,
            Self::Gte(_) => Operator::Gte,
            Self::Lt(_) => Operator::Lt,
            Self::Lte(_) => Operator::Lte,
            Self::Contains(_) => Operator::Contains,
            Self::Matches(_) => Operator::Matches,
            Self::Exists(_) => Operator::Exists,
            Self::OlderThanDays(_) => Operator::OlderThanDays,
            Self::NewerThanDays(_) => Operator::NewerThanDays,
            Self::WithinNextDays(_) => Operator::WithinNextDays,
            Self::AnyOf(_) => Operator::AnyOf,
            Self::AllOf(_) => Operator::AllOf,
        }
    }

    pub(crate) const fn name(&self) -> &'static str {
        self.operator().name()
    }
}

fn lookup<'a>(attrs: &'a Map<String, Value>, path: &[Step]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let mut value = match first {
        Step::Key(k) => attrs.get(k)?,
        Step::Index(_) => return None,
    };
    for segment in rest {
        value = match (segment, value) {
            (Step::Key(k), Value::Object(map)) => map.get(k)?,
            (Step::Index(i), Value::Array(items)) => items.get(*i)?,
            _ => return None,
        };
    }
    (!value.is_null()).then_some(value)
}

/// Looks up a dotted field path; `None` for absent or null.
pub(crate) fn get<'a>(attrs: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    lookup(attrs, &field_steps(field)?)
}

fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.as_f64().map_or_else(|| n.to_string(), |f| f.to_string())),
        _ => None,
    }
}

/// Equality that treats `"true"` and `true`, `"90"` and `90` as equal: adapters read text.
pub(crate) fn loosely_equal(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    match (as_number(a), as_number(b)) {
        (Some(x), Some(y)) => x == y,
        _ => matches!((scalar_text(a), scalar_text(b)), (Some(x), Some(y)) if x == y),
    }
}

/// What an evaluation can see besides the subject: the fixed `now`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    pub now: OffsetDateTime,
}

impl Context {
    fn resolve(&self, operand: &Operand) -> Value {
        match operand {
            Operand::Value(v) => v.clone(),
            Operand::Now => Value::String(format_time(self.now)),
        }
    }
}

/// Evaluates `condition`; `Some(reasons)` when it holds, with the leaves that made it hold.
pub(crate) fn holds(
    condition: &Condition,
    attrs: &Map<String, Value>,
    ctx: &Context,
) -> Option<Vec<ViolatedCondition>> {
    explain(condition, attrs, ctx, true)
}

/// Evaluates `condition`; `Some(reasons)` when it does not hold, with the leaves that made
/// it fail (a leaf's `op` is `not <op>` when the leaf was false).
pub(crate) fn fails(
    condition: &Condition,
    attrs: &Map<String, Value>,
    ctx: &Context,
) -> Option<Vec<ViolatedCondition>> {
    explain(condition, attrs, ctx, false)
}

/// `Some(leaves)` when `condition` evaluates to `want`, the leaves being the reason.
fn explain(
    condition: &Condition,
    attrs: &Map<String, Value>,
    ctx: &Context,
    want: bool,
) -> Option<Vec<ViolatedCondition>> {
    match condition {
        Condition::Not(inner) => explain(inner, attrs, ctx, !want),
        Condition::All(items) | Condition::Any(items) => {
            let conjunction = matches!(condition, Condition::All(_)) == want;
            let mut reasons = Vec::new();
            let mut decided = false;
            for item in items {
                match explain(item, attrs, ctx, want) {
                    Some(r) => {
                        reasons.extend(r);
                        decided = true;
                    }
                    None if conjunction => return None,
                    None => {}
                }
            }
            (conjunction || decided).then_some(reasons)
        }
        Condition::Leaf(leaf) => explain_leaf(leaf, attrs, ctx, want),
    }
}

fn explain_leaf(
    leaf: &Leaf,
    attrs: &Map<String, Value>,
    ctx: &Context,
    want: bool,
) -> Option<Vec<ViolatedCondition>> {
    let value = lookup(attrs, &leaf.path);
    if let Op::AnyOf(inner) | Op::AllOf(inner) = &leaf.op {
        return explain_quantifier(leaf, inner, value, ctx, want);
    }
    let (result, expected, actual, unit) = test(&leaf.op, value, ctx);
    (result == want).then(|| {
        let op = leaf.op.name();
        vec![ViolatedCondition {
            field: leaf.field.clone(),
            attribute: None,
            op: if want {
                op.to_owned()
            } else {
                format!("not {op}")
            },
            expected,
            actual,
            unit,
        }]
    })
}

fn explain_quantifier(
    leaf: &Leaf,
    inner: &Condition,
    value: Option<&Value>,
    ctx: &Context,
    want: bool,
) -> Option<Vec<ViolatedCondition>> {
    let every = matches!(leaf.op, Op::AllOf(_));
    let Some(Value::Array(items)) = value else {
        let absent = ViolatedCondition {
            field: leaf.field.clone(),
            attribute: None,
            op: if want {
                leaf.op.name().to_owned()
            } else {
                format!("not {}", leaf.op.name())
            },
            expected: json!("a list"),
            actual: value.cloned().unwrap_or(Value::Null),
            unit: None,
        };
        return (!want).then(|| vec![absent]);
    };
    let per_item: Vec<_> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let wrapped;
            let attrs = match item {
                Value::Object(map) => map,
                other => {
                    wrapped = Map::from_iter([("value".to_owned(), other.clone())]);
                    &wrapped
                }
            };
            (i, holds(inner, attrs, ctx))
        })
        .collect();
    let prefix = |i: usize, mut r: Vec<ViolatedCondition>| {
        for c in &mut r {
            c.field = format!("{}[{i}].{}", leaf.field, c.field);
        }
        r
    };
    let truth = if every {
        per_item.iter().all(|(_, r)| r.is_some())
    } else {
        per_item.iter().any(|(_, r)| r.is_some())
    };
    if truth != want {
        return None;
    }
    let mut reasons = Vec::new();
    for (i, r) in per_item {
        match r {
            Some(r) if want => reasons.extend(prefix(i, r)),
            None if !want => {
                let attrs = items[i].as_object().cloned().unwrap_or_default();
                reasons.extend(prefix(
                    i,
                    explain(inner, &attrs, ctx, false).unwrap_or_default(),
                ));
            }
            _ => {}
        }
    }
    Some(reasons)
}

type LeafResult = (bool, Value, Value, Option<&'static str>);

fn test(op: &Op, value: Option<&Value>, ctx: &Context) -> LeafResult {
    let actual = value.cloned().unwrap_or(Value::Null);
    match op {
        Op::Exists(expected) => (value.is_some() == *expected, json!(expected), actual, None),
        Op::Eq(operand) | Op::Ne(operand) => {
            let expected = ctx.resolve(operand);
            let equal = value.is_some_and(|v| loosely_equal(v, &expected));
            let result = if matches!(op, Op::Eq(_)) {
                equal
            } else {
                value.is_some() && !equal
            };
            (result, expected, actual, None)
        }
        Op::In(list) | Op::NotIn(list) => {
            let found = value.is_some_and(|v| list.iter().any(|e| loosely_equal(v, e)));
            let result = if matches!(op, Op::In(_)) {
                found
            } else {
                value.is_some() && !found
            };
            (result, Value::Array(list.clone()), actual, None)
        }
        Op::Gt(operand) | Op::Gte(operand) | Op::Lt(operand) | Op::Lte(operand) => {
            let expected = ctx.resolve(operand);
            let ordering = value.and_then(|v| compare(v, &expected));
            let result = ordering.is_some_and(|o| match op {
                Op::Gt(_) => o.is_gt(),
                Op::Gte(_) => o.is_ge(),
                Op::Lt(_) => o.is_lt(),
                _ => o.is_le(),
            });
            (result, expected, actual, None)
        }
        Op::Contains(needle) => {
            let result = match value {
                Some(Value::String(s)) => needle.as_str().is_some_and(|n| s.contains(n)),
                Some(Value::Array(items)) => items.iter().any(|i| loosely_equal(i, needle)),
                _ => false,
            };
            (result, needle.clone(), actual, None)
        }
        Op::Matches(regex) => {
            let result = value
                .and_then(scalar_text)
                .is_some_and(|s| regex.is_match(&s));
            (result, json!(regex.as_str()), actual, None)
        }
        Op::OlderThanDays(limit) | Op::NewerThanDays(limit) => {
            let age = value
                .and_then(parse_time)
                .map(|t| calendar_days(t, ctx.now));
            let result = age.is_some_and(|days| match op {
                Op::OlderThanDays(_) => days as f64 > *limit,
                _ => (days as f64) < *limit,
            });
            (
                result,
                number(*limit),
                age.map_or(actual, |d| json!(d)),
                Some("days"),
            )
        }
        Op::WithinNextDays(limit) => {
            let t = value.and_then(parse_time);
            let left = t.map(|t| calendar_days(ctx.now, t));
            let result =
                t.is_some_and(|t| t >= ctx.now) && left.is_some_and(|days| days as f64 <= *limit);
            (
                result,
                number(*limit),
                left.map_or(actual, |d| json!(d)),
                Some("days"),
            )
        }
        Op::AnyOf(_) | Op::AllOf(_) => (false, Value::Null, actual, None),
    }
}

fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "checked integral and in range"
        )]
        let whole = n as i64;
        json!(whole)
    } else {
        json!(n)
    }
}

fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    if let (Some(x), Some(y)) = (as_number(a), as_number(b)) {
        return x.partial_cmp(&y);
    }
    match (parse_time(a), parse_time(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn leaf(field: &str, op: Op) -> Condition {
        Condition::Leaf(Leaf {
            field: field.into(),
            path: field_steps(field).unwrap(),
            op,
        })
    }

    fn attrs(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    const CTX: Context = Context {
        now: datetime!(2026-11-23 00:00 UTC),
    };

    #[test]
    fn older_than_days_is_strict_at_the_boundary() {
        let rule = leaf("rotated", Op::OlderThanDays(90.0));
        let at = |date: &str| holds(&rule, &attrs(json!({ "rotated": date })), &CTX);
        assert!(at("2026-08-25").is_none(), "90 days is within the limit");
        assert!(at("2026-08-26").is_none(), "89 days");
        let reasons = at("2026-08-24").expect("91 days violates");
        assert_eq!(reasons[0].actual, json!(91));
        assert_eq!(reasons[0].expected, json!(90));
        assert_eq!(reasons[0].unit, Some("days"));
    }

    #[test]
    fn all_reports_every_leaf_and_not_reports_the_negated_leaf() {
        let rule = Condition::All(vec![
            leaf("status", Op::Eq(Operand::Value(json!("Active")))),
            Condition::Not(Box::new(leaf("mfa", Op::Eq(Operand::Value(json!(true)))))),
        ]);
        let reasons = holds(
            &rule,
            &attrs(json!({ "status": "Active", "mfa": "false" })),
            &CTX,
        )
        .expect("violated");
        assert_eq!(reasons.len(), 2);
        assert_eq!(reasons[1].op, "not eq");
        assert_eq!(reasons[1].actual, json!("false"));
        assert!(
            holds(
                &rule,
                &attrs(json!({ "status": "Active", "mfa": true })),
                &CTX
            )
            .is_none()
        );
    }

    #[test]
    fn any_reports_only_the_branches_that_held() {
        let rule = Condition::Any(vec![
            leaf("a", Op::Gt(Operand::Value(json!(1)))),
            leaf("b", Op::Exists(true)),
        ]);
        let reasons = holds(&rule, &attrs(json!({ "a": 5 })), &CTX).unwrap();
        assert_eq!(reasons.len(), 1);
        assert_eq!(reasons[0].field, "a");
        assert!(holds(&rule, &attrs(json!({ "a": 0, "b": null })), &CTX).is_none());
    }

    #[test]
    fn quantifier_names_the_item_that_matched() {
        let rule = leaf(
            "policies",
            Op::AnyOf(Box::new(leaf(
                "name",
                Op::Eq(Operand::Value(json!("Admin"))),
            ))),
        );
        let subject = attrs(json!({ "policies": [{ "name": "Read" }, { "name": "Admin" }] }));
        let reasons = holds(&rule, &subject, &CTX).unwrap();
        assert_eq!(reasons[0].field, "policies[1].name");
        let none = attrs(json!({ "policies": [{ "name": "Read" }] }));
        assert!(holds(&rule, &none, &CTX).is_none());
    }

    #[test]
    fn timestamps_compare_against_now() {
        let rule = leaf("not_after", Op::Lt(Operand::Now));
        let reasons = holds(
            &rule,
            &attrs(json!({ "not_after": "2026-03-01T00:00:00Z" })),
            &CTX,
        )
        .unwrap();
        assert_eq!(reasons[0].expected, json!("2026-11-23T00:00:00Z"));
        assert_eq!(reasons[0].actual, json!("2026-03-01T00:00:00Z"));
        assert!(holds(&rule, &attrs(json!({ "not_after": "2027-01-01" })), &CTX).is_none());
    }

    #[test]
    fn within_next_days_ignores_the_past() {
        let rule = leaf("not_after", Op::WithinNextDays(30.0));
        let at = |d: &str| holds(&rule, &attrs(json!({ "not_after": d })), &CTX);
        assert_eq!(at("2026-12-10T00:00:00Z").unwrap()[0].actual, json!(17));
        assert!(at("2026-11-01").is_none());
        assert!(at("2027-01-01").is_none());
    }
}
