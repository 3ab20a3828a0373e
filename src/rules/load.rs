//! Loading the catalog: parse every rule file, validate every rule, apply the user's
//! configuration and run every rule's self-test, collecting **all** problems, each pointing
//! at its line, before giving up. A scanner that silently runs fewer rules lies to CI.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::detect::{Detector, Pair};
use super::eval::{Condition, Leaf, Op, Operand, parse_path};
use super::schema::{OPERATORS, RawCondition, RawExample, RawRule};
use super::{Body, Rule, RuleSet, selftest};
use crate::config::Config;
use crate::diag::{LoadError, Problem, SourceFile};
use crate::model::{Confidence, KeyKind, Step};

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

static CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Z]{2,5}[0-9]{3}$").expect("valid"));
static KEBAB: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$").expect("valid"));
static FRAMEWORK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:OWASP-NHI:NHI(?:[1-9]|10)|MAESTRO:L[1-7]|NIST-CSF-2\.0:(?:GV\.(?:OC|RM|RR|PO|OV|SC)|ID\.(?:AM|RA|IM)|PR\.(?:AA|AT|DS|PS|IR)|DE\.(?:CM|AE)|RS\.(?:MA|AN|CO|MI)|RC\.(?:RP|CO))-[0-9]{2})$",
    )
    .expect("valid")
});

/// Loads, validates and self-tests the catalog, then applies `config`.
pub fn load(sources: &RuleSources<'_>, config: &Config) -> Result<RuleSet, LoadError> {
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
        let rule = compile(raw, file, &mut problems);
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

    apply_config(&mut by_code, config, &mut problems);
    if problems.is_empty() {
        let version = config
            .policy_version
            .clone()
            .unwrap_or_else(|| BUILTIN_POLICY_VERSION.to_owned());
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

fn compile(raw: RawRule, file: &SourceFile, problems: &mut Vec<Problem>) -> Option<Rule> {
    let at = |key: &str, message: String, help: Option<String>| {
        file.at(&[Step::from(key)], false, message, "here", help)
    };
    if !CODE.is_match(&raw.id) {
        problems.push(at(
            "id",
            format!("rule code `{}` is not 2-5 capitals and 3 digits", raw.id),
            Some("for example AWS001".into()),
        ));
    }
    if !KEBAB.is_match(&raw.name) {
        problems.push(at(
            "name",
            format!("rule name `{}` is not kebab-case", raw.name),
            None,
        ));
    }
    for (i, framework) in raw.frameworks.iter().enumerate() {
        if !FRAMEWORK.is_match(framework) {
            problems.push(file.at(
                &["frameworks".into(), i.into()],
                false,
                format!("unknown framework id `{framework}`"),
                "not a known id",
                Some("use OWASP-NHI:NHI1..NHI10, NIST-CSF-2.0:<CSF 2.0 subcategory such as PR.AA-01>, or MAESTRO:L1..L7".into()),
            ));
        }
    }
    for (key, value) in [
        ("failure_mode", &raw.failure_mode),
        ("remediation", &raw.remediation),
        ("message", &raw.message),
    ] {
        if value.trim().is_empty() {
            problems.push(at(key, format!("`{key}` is empty"), None));
        }
    }
    if raw.examples.is_empty() || raw.negative_examples.is_empty() {
        problems.push(at(
            "id",
            format!(
                "rule {} needs at least one `examples` and one `negative_examples` entry",
                raw.id
            ),
            None,
        ));
    }

    let body = match (&raw.detect, &raw.subject, &raw.when) {
        (Some(detect), None, None) if raw.scope.is_none() && raw.params.is_empty() => {
            compile_detector(detect, file, problems).map(Body::Detector)
        }
        (None, Some(subject), Some(when)) => {
            let mut c = Compiler {
                file,
                params: &raw.params,
                problems,
            };
            let scope = raw
                .scope
                .as_ref()
                .map(|s| c.condition(s, vec!["where".into()]));
            let when = c.condition(when, vec!["when".into()]);
            match (scope, when) {
                (None, Some(when)) => Some(Body::Posture {
                    subject: subject.clone(),
                    scope: None,
                    when,
                }),
                (Some(Some(scope)), Some(when)) => Some(Body::Posture {
                    subject: subject.clone(),
                    scope: Some(scope),
                    when,
                }),
                _ => None,
            }
        }
        _ => {
            problems.push(at(
                "id",
                format!("rule {} must be either a posture rule (`subject` + `when`) or a detector rule (`detect` alone)", raw.id),
                None,
            ));
            None
        }
    };
    let expect_text = raw.detect.is_some();
    for (key, list) in [
        ("examples", &raw.examples),
        ("negative_examples", &raw.negative_examples),
    ] {
        for (i, example) in list.iter().enumerate() {
            if matches!(example, RawExample::Text(_)) != expect_text {
                let want = if expect_text {
                    "a string"
                } else {
                    "`{ attrs: {...} }`"
                };
                problems.push(file.at(
                    &[key.into(), i.into()],
                    false,
                    format!("this rule's examples must be {want}"),
                    "wrong kind of example",
                    None,
                ));
            }
        }
    }
    let source = raw.clone();
    Some(Rule {
        raw: source,
        confidence: raw.confidence.unwrap_or(Confidence::High),
        description: raw.description.unwrap_or_default(),
        path: file.path.clone(),
        text: file.text.clone(),
        body: body?,
        code: raw.id,
        name: raw.name,
        severity: raw.severity,
        message: raw.message,
        failure_class: raw.failure_class,
        failure_mode: raw.failure_mode,
        frameworks: raw.frameworks,
        remediation: raw.remediation,
        references: raw.references,
        params: raw.params,
        enabled: true,
    })
}

fn compile_regex(
    file: &SourceFile,
    route: &[Step],
    pattern: &str,
    problems: &mut Vec<Problem>,
) -> Option<Regex> {
    match regex::RegexBuilder::new(pattern)
        .size_limit(1 << 24)
        .build()
    {
        Ok(r) => Some(r),
        Err(e) => {
            let detail = e.to_string();
            let last = detail
                .lines()
                .last()
                .unwrap_or("invalid regex")
                .trim()
                .to_owned();
            problems.push(file.at(
                route,
                false,
                format!("invalid regex: {last}"),
                "this pattern",
                None,
            ));
            None
        }
    }
}

fn compile_detector(
    raw: &super::schema::RawDetector,
    file: &SourceFile,
    problems: &mut Vec<Problem>,
) -> Option<Detector> {
    let route = |k: &str| vec![Step::from("detect"), Step::from(k)];
    let pattern = compile_regex(file, &route("pattern"), &raw.pattern, problems);
    let group = pattern.as_ref().and_then(|p| {
        let named = p.capture_names().position(|n| n == Some("secret"));
        let group = named.or((p.captures_len() > 1).then_some(1));
        if group.is_none() {
            problems.push(file.at(
                &route("pattern"),
                false,
                "detector pattern has no capture group for the secret",
                "add ( ) around the secret",
                None,
            ));
        }
        group
    });
    if raw.keywords.is_empty() || raw.keywords.iter().any(|k| k.trim().is_empty()) {
        problems.push(file.at(
            &route("keywords"),
            true,
            "detector needs non-empty keywords for its prefilter",
            "here",
            None,
        ));
    }
    let allow: Vec<_> = raw
        .allow
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            compile_regex(
                file,
                &[Step::from("detect"), "allow".into(), i.into()],
                p,
                problems,
            )
        })
        .collect();
    let pair = raw.pair.as_ref().and_then(|p| {
        let route = vec![Step::from("detect"), "pair".into(), "pattern".into()];
        let pattern = compile_regex(file, &route, &p.pattern, problems)?;
        if pattern.captures_len() < 2 {
            problems.push(file.at(
                &route,
                false,
                "pair pattern has no capture group",
                "here",
                None,
            ));
            return None;
        }
        Some(Pair {
            name: p.name.clone(),
            pattern,
            within_lines: p.within_lines,
        })
    });
    let identity = match raw.identity.as_deref() {
        None => None,
        Some(name) => match KeyKind::parse(name) {
            Some(kind) => Some(kind),
            None => {
                problems.push(file.at(
                    &route("identity"),
                    false,
                    format!("`{name}` is not an identity-key kind"),
                    "here",
                    Some("one of: aws.access_key_id, gcp.private_key_id, gcp.client_email".into()),
                ));
                return None;
            }
        },
    };
    Some(Detector {
        identity,
        pattern: pattern?,
        group: group?,
        keywords: raw.keywords.clone(),
        entropy: raw.entropy,
        provider: raw.provider.clone(),
        allow,
        checksum: raw.checksum,
        pair,
    })
}

struct Compiler<'a> {
    file: &'a SourceFile,
    params: &'a BTreeMap<String, Value>,
    problems: &'a mut Vec<Problem>,
}

impl Compiler<'_> {
    fn problem(&mut self, route: &[Step], key: bool, message: String, help: Option<String>) {
        self.problems
            .push(self.file.at(route, key, message, "here", help));
    }

    fn condition(&mut self, raw: &RawCondition, route: Vec<Step>) -> Option<Condition> {
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
                Op::Matches(compile_regex(self.file, route, text, self.problems)?)
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

fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn apply_config(rules: &mut BTreeMap<String, Rule>, config: &Config, problems: &mut Vec<Problem>) {
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
    let mut recompiled = compile(raw, &file, problems)?;
    recompiled.enabled = rule.enabled;
    recompiled.severity = rule.severity;
    Some(recompiled)
}
