//! GitLab CI (`.gitlab-ci.yml`, and YAML files that read as GitLab CI job definitions, such
//! as the files a pipeline `include:`s locally; each is read on its own). One `gitlab.job`
//! per job (a top-level mapping that is not a keyword and not hidden), `extends:` and
//! `default:` followed within the file; one `gitlab.credential` per credential-named
//! variable or cloud login, where it is written; one `gitlab.include` per remote, project
//! or component include. A `(pipeline)` job carries what applies to every job (global
//! variables, `default:` scripts).

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value, json};

use super::vars::{
    At, Credential, ci_subject, cloud_login, exposures, referenced, scalar, script_lines,
    secret_refs, set_located_list, shorten,
};
use crate::model::{Origin, Step, Subject};
use crate::sources::{Extracted, Input, Source, SourceError};

pub(crate) struct GitLab;

const PROVIDER: &str = "gitlab";
const PIPELINE: &str = "(pipeline)";

/// Top-level keys that are not jobs.
const KEYWORDS: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "spec",
    "types",
];
/// Job keys that `default:` provides.
const DEFAULTABLE: &[&str] = &[
    "image",
    "services",
    "before_script",
    "after_script",
    "id_tokens",
];
/// Job keys that may still be set at the top level (deprecated globals).
const GLOBAL: &[&str] = &["image", "services", "before_script", "after_script"];
const SCRIPTS: &[&str] = &["before_script", "script", "after_script"];

static SNIFF_JOB: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^ +script:").expect("constant regex"));
static SNIFF_GITLAB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?m)^(stages|include):|^ +(stage|extends|before_script|only|id_tokens):|!reference",
    )
    .expect("constant regex")
});
static PUBLISH: LazyLock<[(Regex, &'static str); 2]> = LazyLock::new(|| {
    [
        (
            Regex::new(r"\b(twine\s+upload|poetry\s+publish|uv\s+publish|flit\s+publish|hatch\s+publish)\b")
                .expect("constant regex"),
            "pypi",
        ),
        (
            Regex::new(r"\b(npm|pnpm|yarn(\s+npm)?)\s+publish\b").expect("constant regex"),
            "npm",
        ),
    ]
});
/// A GitLab API or Git call authenticated with a token other than the job's own.
static LONG_LIVED_GITLAB_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)PRIVATE-TOKEN:\s*\$\{?([A-Za-z_][A-Za-z0-9_]*)|(oauth2|gitlab-ci-token|[A-Za-z0-9_.-]+):\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?@[^\s"']*(gitlab|CI_SERVER_HOST|CI_SERVER_FQDN)"#)
        .expect("constant regex")
});
static MR_EVENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"CI_PIPELINE_SOURCE\s*==\s*['\x22]?merge_request_event|CI_MERGE_REQUEST_(IID|ID)\b")
        .expect("constant regex")
});
static FORK_GUARD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"CI_MERGE_REQUEST_SOURCE_PROJECT_(PATH|ID)\s*==|CI_PROJECT_(PATH|ID)\s*==\s*\$?CI_MERGE_REQUEST_SOURCE|CI_COMMIT_REF_PROTECTED\s*==\s*['\x22]?true")
        .expect("constant regex")
});
static COMMIT_SHA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[0-9a-f]{40}\b").expect("constant regex"));

impl Source for GitLab {
    fn id(&self) -> &'static str {
        "gitlab.ci"
    }

    fn sniff(&self, path: &str, head: &[u8]) -> bool {
        let lower = path.to_ascii_lowercase();
        let name = lower.rsplit('/').next().unwrap_or(&lower);
        if name.ends_with(".gitlab-ci.yml") || name.ends_with(".gitlab-ci.yaml") {
            return true;
        }
        if !(name.ends_with(".yml") || name.ends_with(".yaml"))
            || lower.contains(".github/")
            || lower.contains(".circleci/")
            || name.starts_with("bitbucket-pipelines")
            || name.contains("azure-pipelines")
            || lower.contains(".azure-pipelines/")
        {
            return false;
        }
        let head = String::from_utf8_lossy(head);
        SNIFF_JOB.is_match(&head) && SNIFF_GITLAB.is_match(&head)
    }

    fn extract(&self, input: &Input<'_>, out: &mut Extracted) -> Result<(), SourceError> {
        let parsed = input.yaml();
        let values = parsed.document.values();
        if !values.iter().any(Value::is_object) {
            if parsed.is_truncated() {
                return Ok(());
            }
            return Err(SourceError(
                "not a GitLab CI pipeline: no document is a mapping".into(),
            ));
        }
        let origin = input.origin_in(parsed);
        for (doc, root) in values.iter().enumerate() {
            if let Some(map) = root.as_object() {
                Pipeline {
                    doc,
                    map,
                    origin: &origin,
                }
                .extract(out);
            }
        }
        Ok(())
    }
}

struct Pipeline<'a> {
    doc: usize,
    map: &'a Map<String, Value>,
    origin: &'a Origin,
}

/// One job as the layers that make it: itself, what it `extends` (nearest first).
struct Layers<'a> {
    maps: Vec<(&'a Map<String, Value>, At)>,
}

impl<'a> Pipeline<'a> {
    fn at(&self, route: Vec<Step>) -> At {
        At::new(self.doc, route)
    }

    fn is_job(key: &str, value: &Value) -> bool {
        !KEYWORDS.contains(&key)
            && value.as_object().is_some_and(|job| {
                ["script", "run", "trigger", "extends"]
                    .iter()
                    .any(|k| job.contains_key(*k))
            })
    }

    fn layers(&self, name: &str) -> Layers<'a> {
        let mut maps = Vec::new();
        let mut seen = HashSet::new();
        self.collect(name, &mut maps, &mut seen, 0);
        Layers { maps }
    }

    fn collect(
        &self,
        name: &str,
        maps: &mut Vec<(&'a Map<String, Value>, At)>,
        seen: &mut HashSet<String>,
        depth: usize,
    ) {
        if depth > 11 || !seen.insert(name.to_owned()) {
            return;
        }
        let Some(job) = self.map.get(name).and_then(Value::as_object) else {
            return;
        };
        maps.push((job, self.at(vec![Step::from(name)])));
        let parents: Vec<&str> = match job.get("extends") {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for parent in parents.into_iter().rev() {
            self.collect(parent, maps, seen, depth + 1);
        }
    }

    /// The value of job key `key`, with where it was written: the job, what it extends,
    /// `default:`, then a deprecated top-level global.
    fn lookup(&self, layers: &Layers<'a>, key: &str) -> Option<(&'a Value, At)> {
        if let Some((map, at)) = layers.maps.iter().find(|(m, _)| m.contains_key(key)) {
            return Some((&map[key], at.join(key)));
        }
        if DEFAULTABLE.contains(&key)
            && let Some(value) = self.map.get("default").and_then(|d| d.get(key))
        {
            return Some((value, self.at(vec![Step::from("default"), Step::from(key)])));
        }
        if GLOBAL.contains(&key)
            && let Some(value) = self.map.get(key)
        {
            return Some((value, self.at(vec![Step::from(key)])));
        }
        None
    }

    /// Variables a job sees, nearest definition first wins: the job, what it extends, the
    /// pipeline's `variables:`.
    fn variables(&self, layers: &Layers<'a>) -> Vec<(String, String, At)> {
        let mut out: Vec<(String, String, At)> = Vec::new();
        let global = self
            .map
            .get("variables")
            .map(|v| (v, self.at(vec![Step::from("variables")])));
        let own = layers
            .maps
            .iter()
            .filter_map(|(m, at)| m.get("variables").map(|v| (v, at.join("variables"))));
        for (vars, at) in own.chain(global) {
            for (name, value, at) in variable_entries(vars, &at) {
                if !out.iter().any(|(n, _, _)| *n == name) {
                    out.push((name, value, at));
                }
            }
        }
        out
    }

    fn extract(&self, out: &mut Extracted) {
        let mut pipeline = PipelineFacts::default();
        for (key, value) in self.map {
            if key == "include" {
                self.includes(value, out);
            } else if key == "variables" || !KEYWORDS.contains(&key.as_str()) {
                self.credentials(key, value, out);
            }
        }
        if let Some(vars) = self.map.get("variables") {
            for (name, value, at) in variable_entries(vars, &self.at(vec![Step::from("variables")]))
            {
                if let Some(kind) = debug_variable(&name, &value) {
                    pipeline.push(kind, format!("{name}: {value}"), at);
                }
            }
        }
        for (key, value) in self.map {
            if key.starts_with('.') || !Self::is_job(key, value) {
                continue;
            }
            let job = self.job(key, &mut pipeline);
            pipeline.holds_credentials |= job.attrs["holds_credentials"] == true;
            out.subjects.push(job);
        }
        if !pipeline.exposures.is_empty() {
            let mut subject = ci_subject(
                "gitlab.job",
                PROVIDER,
                self.origin,
                format!("{}#{PIPELINE}", self.origin.path),
                PIPELINE,
            );
            subject.origin.whole = Some(self.at(Vec::new()).anchor());
            subject.set("holds_credentials", pipeline.holds_credentials);
            set_located_list(&mut subject, "exposures", pipeline.exposures);
            out.subjects.push(subject);
        }
    }

    /// `gitlab.credential`s written in one top-level mapping (a job, a template, the
    /// pipeline's `variables:`), each once, where it is written.
    fn credentials(&self, key: &str, value: &Value, out: &mut Extracted) {
        let job = if key == "variables" { PIPELINE } else { key };
        let base = self.at(vec![Step::from(key)]);
        let vars = if key == "variables" {
            Some((value, base.clone()))
        } else {
            value.get("variables").map(|v| (v, base.join("variables")))
        };
        if let Some((vars, at)) = vars {
            for (name, value, at) in variable_entries(vars, &at) {
                if let Some(credential) = Credential::from_variable(&name, &value, at) {
                    out.subjects.push(self.credential_subject(&credential, job));
                }
            }
        }
        let Some(map) = value.as_object() else {
            return;
        };
        let federated = key != "variables" && {
            let layers = self.layers(key);
            self.lookup(&layers, "id_tokens").is_some()
        };
        let mut lines = Vec::new();
        for script in SCRIPTS {
            if let Some(v) = map.get(*script) {
                script_lines(v, &base.join(*script), &mut lines);
            }
        }
        let assumes_role = lines
            .iter()
            .any(|(l, _)| l.contains("assume-role") || l.contains("AWS_WEB_IDENTITY_TOKEN_FILE"));
        let mut seen = HashSet::new();
        for (line, at) in &lines {
            let cloud = cloud_login(line).map(|c| (c, "cloud login"));
            let named = referenced(line)
                .find(|n| super::vars::cloud_key(n).is_some())
                .map(|n| (super::vars::cloud_key(n).unwrap_or_default(), n));
            let Some((_, name)) = cloud.or(named) else {
                continue;
            };
            if federated || assumes_role || !seen.insert(at.display()) {
                continue;
            }
            let credential = Credential {
                name: name.to_owned(),
                purpose: "cloud_key",
                cloud: cloud_login(line).or_else(|| super::vars::cloud_key(name)),
                source: "reference",
                shown: shorten(line.trim()),
                at: at.clone(),
            };
            out.subjects.push(self.credential_subject(&credential, job));
        }
    }

    fn credential_subject(&self, credential: &Credential, job: &str) -> Subject {
        let mut subject = credential.subject("gitlab.credential", PROVIDER, self.origin, job);
        subject.set("federation", "GitLab OIDC id_tokens");
        subject
    }

    fn job(&self, name: &str, pipeline: &mut PipelineFacts) -> Subject {
        let layers = self.layers(name);
        let job_at = self.at(vec![Step::from(name)]);
        let mut subject = ci_subject(
            "gitlab.job",
            PROVIDER,
            self.origin,
            format!("{}#{name}", self.origin.path),
            name,
        );
        subject.origin.whole = Some(job_at.anchor());
        subject.set("name", name).set("job", name);

        if let Some((image, at)) = self.lookup(&layers, "image") {
            let (text, at) = match image {
                Value::Object(m) => (m.get("name").and_then(Value::as_str), at.join("name")),
                other => (other.as_str(), at),
            };
            if let Some(text) = text {
                subject.set_from("image", text, at.doc, at.route.clone());
                subject.set("image_pinned", super::image_pinned(text));
                subject.anchor("image_pinned", at.anchor());
            }
        }
        let id_tokens = self.lookup(&layers, "id_tokens");
        subject.set("oidc", id_tokens.is_some());
        if let Some((_, at)) = &id_tokens {
            subject.anchor("oidc", at.anchor());
        }

        let variables = self.variables(&layers);
        let mut lines = Vec::new();
        for script in SCRIPTS {
            if let Some((value, at)) = self.lookup(&layers, script) {
                script_lines(value, &at, &mut lines);
            }
        }
        let reason = holds_credentials(&layers, &variables, &lines, id_tokens.is_some());
        subject.set("holds_credentials", reason.is_some());
        subject.set("credential_evidence", reason.unwrap_or_default());

        let shared = |at: &At| {
            at.route.first().is_some_and(|s| {
                *s == Step::from("default") || GLOBAL.iter().any(|g| *s == Step::from(*g))
            })
        };
        let holds = subject.attrs["holds_credentials"] == true;
        let mut found = Vec::new();
        let mut publishes = Vec::new();
        let mut token_uses = Vec::new();
        let job_token = lines.iter().any(|(l, _)| l.contains("CI_JOB_TOKEN"));
        for (line, at) in &lines {
            for exposure in exposures(line, holds) {
                if shared(at) {
                    pipeline.push(exposure.kind, exposure.command, at.clone());
                } else {
                    found.push(item(
                        &[("kind", exposure.kind), ("command", &exposure.command)],
                        at,
                    ));
                }
            }
            if id_tokens.is_none()
                && !job_token
                && !line.contains("CI_API_V4_URL")
                && let Some((_, registry)) = PUBLISH.iter().find(|(re, _)| re.is_match(line))
            {
                publishes.push(item(
                    &[("registry", registry), ("command", &shorten(line.trim()))],
                    at,
                ));
            }
            if let Some(caps) = LONG_LIVED_GITLAB_TOKEN.captures(line) {
                let var = caps
                    .get(1)
                    .or_else(|| caps.get(3))
                    .map_or("", |m| m.as_str());
                if !matches!(
                    var,
                    "CI_JOB_TOKEN" | "CI_REGISTRY_PASSWORD" | "CI_DEPLOY_PASSWORD"
                ) {
                    token_uses.push(item(
                        &[
                            ("kind", "long_lived_gitlab_token"),
                            ("variable", var),
                            ("command", &shorten(line.trim())),
                        ],
                        at,
                    ));
                }
            }
        }
        for (var_name, value, at) in &variables {
            if let Some(kind) = debug_variable(var_name, value)
                && !at
                    .route
                    .first()
                    .is_some_and(|s| *s == Step::from("variables"))
            {
                found.push(item(
                    &[("kind", kind), ("command", &format!("{var_name}: {value}"))],
                    at,
                ));
            }
        }
        set_located_list(&mut subject, "exposures", found);
        set_located_list(&mut subject, "publishes", publishes);
        set_located_list(&mut subject, "token_uses", token_uses);

        let (trigger, guarded) = merge_request_trigger(&layers);
        subject.set("fork_guarded", guarded);
        if let Some((text, at)) = trigger {
            subject.set_from("merge_request_trigger", text, at.doc, at.route);
        }
        subject
    }

    fn includes(&self, value: &Value, out: &mut Extracted) {
        let at = self.at(vec![Step::from("include")]);
        let items: Vec<(&Value, At)> = match value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (v, at.join(i)))
                .collect(),
            other => vec![(other, at)],
        };
        for (include, at) in items {
            let Some(map) = include.as_object() else {
                if let Some(url) = include.as_str()
                    && (url.starts_with("http://") || url.starts_with("https://"))
                {
                    out.subjects
                        .push(self.include("remote", url, None, &at, &at));
                }
                continue;
            };
            let text = |k: &str| map.get(k).and_then(scalar);
            if let Some(url) = text("remote") {
                let pinned_at = if map.contains_key("integrity") {
                    at.join("integrity")
                } else {
                    at.join("remote")
                };
                let integrity = text("integrity");
                out.subjects.push(self.include(
                    "remote",
                    &url,
                    integrity.as_deref(),
                    &at.join("remote"),
                    &pinned_at,
                ));
            } else if let Some(project) = text("project") {
                if project.contains("$CI_PROJECT_PATH") || project.contains("${CI_PROJECT_PATH}") {
                    continue;
                }
                let reference = text("ref");
                let ref_at = if reference.is_some() {
                    at.join("ref")
                } else {
                    at.join("project")
                };
                out.subjects.push(self.include(
                    "project",
                    &project,
                    reference.as_deref(),
                    &at.join("project"),
                    &ref_at,
                ));
            } else if let Some(component) = text("component") {
                let version = component.rsplit_once('@').map(|(_, v)| v.to_owned());
                out.subjects.push(self.include(
                    "component",
                    &component,
                    version.as_deref(),
                    &at.join("component"),
                    &at.join("component"),
                ));
            }
        }
    }

    fn include(
        &self,
        kind: &str,
        location: &str,
        reference: Option<&str>,
        at: &At,
        ref_at: &At,
    ) -> Subject {
        let mut subject = ci_subject(
            "gitlab.include",
            PROVIDER,
            self.origin,
            format!("{}#{}", self.origin.path, at.display()),
            location,
        );
        subject.origin.whole = Some(at.anchor());
        let pinned = match kind {
            "remote" => reference.is_some() || COMMIT_SHA.is_match(location),
            _ => reference.is_some_and(|r| COMMIT_SHA.is_match(r) && r.len() == 40),
        };
        subject
            .set("kind", kind)
            .set_from("location", location, at.doc, at.route.clone())
            .set("ref", reference.unwrap_or("(none)"))
            .set("pinned", pinned)
            .anchor("ref", ref_at.anchor())
            .anchor("pinned", ref_at.anchor());
        subject
    }
}

/// What applies to every job: global debug variables, scripts from `default:`.
#[derive(Default)]
struct PipelineFacts {
    exposures: Vec<(Map<String, Value>, At)>,
    seen: HashSet<(String, &'static str)>,
    holds_credentials: bool,
}

impl PipelineFacts {
    fn push(&mut self, kind: &'static str, command: String, at: At) {
        if self.seen.insert((at.display(), kind)) {
            self.exposures
                .push(item(&[("kind", kind), ("command", &command)], &at));
        }
    }
}

fn item(fields: &[(&str, &str)], at: &At) -> (Map<String, Value>, At) {
    let map = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    (map, at.clone())
}

/// `name → value` of a `variables:` mapping (`NAME: value` or `NAME: {value: …}`), with
/// the route of each value.
fn variable_entries(vars: &Value, at: &At) -> Vec<(String, String, At)> {
    let Some(map) = vars.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(name, value)| match value {
            Value::Object(o) => o
                .get("value")
                .and_then(scalar)
                .map(|v| (name.clone(), v, at.join(name.as_str()).join("value"))),
            other => scalar(other).map(|v| (name.clone(), v, at.join(name.as_str()))),
        })
        .collect()
}

/// `CI_DEBUG_TRACE` / `CI_DEBUG_SERVICES` switched on: every variable, masked or not, is
/// written to the job log.
fn debug_variable(name: &str, value: &str) -> Option<&'static str> {
    (matches!(name, "CI_DEBUG_TRACE" | "CI_DEBUG_SERVICES")
        && value.trim().eq_ignore_ascii_case("true"))
    .then_some("debug_trace")
}

/// Why a job holds credentials, if it does: OIDC tokens, `secrets:`, a credential
/// variable, or a script that reads a secret variable. (Project and environment variables
/// are not in the file; a job that never names one is not assumed to use one.)
fn holds_credentials(
    layers: &Layers<'_>,
    variables: &[(String, String, At)],
    lines: &[(String, At)],
    id_tokens: bool,
) -> Option<String> {
    if id_tokens {
        return Some("id_tokens".into());
    }
    let has = |key: &str| layers.maps.iter().any(|(m, _)| m.contains_key(key));
    if has("secrets") {
        return Some("secrets".into());
    }
    if let Some((name, _, _)) = variables
        .iter()
        .find(|(name, _, _)| super::vars::credential_purpose(name).is_some())
    {
        return Some(format!("variable {name}"));
    }
    lines.iter().find_map(|(line, _)| {
        secret_refs(line)
            .first()
            .map(|r| format!("${r} in its script"))
    })
}

/// The first rule that runs the job in merge request pipelines (not `when: never`), and
/// whether the job's rules keep fork merge requests out.
fn merge_request_trigger(layers: &Layers<'_>) -> (Option<(String, At)>, bool) {
    let Some((map, at)) = layers
        .maps
        .iter()
        .find(|(m, _)| m.contains_key("rules") || m.contains_key("only"))
    else {
        return (None, false);
    };
    let mut guarded = false;
    let mut trigger = None;
    if let Some(Value::Array(rules)) = map.get("rules") {
        for (i, rule) in rules.iter().enumerate() {
            let Some(condition) = rule.get("if").and_then(Value::as_str) else {
                continue;
            };
            let never = rule.get("when").and_then(Value::as_str) == Some("never");
            if FORK_GUARD.is_match(condition) {
                guarded = true;
            }
            if !never && trigger.is_none() && MR_EVENT.is_match(condition) {
                trigger = Some((condition.to_owned(), at.join("rules").join(i).join("if")));
            }
        }
    }
    if trigger.is_none()
        && let Some(only) = map.get("only")
    {
        let (refs, refs_at) = match only {
            Value::Object(o) => (o.get("refs"), at.join("only").join("refs")),
            other => (Some(other), at.join("only")),
        };
        if let Some(Value::Array(refs)) = refs
            && let Some(i) = refs.iter().position(|r| r == "merge_requests")
        {
            trigger = Some(("merge_requests".into(), refs_at.join(i)));
        }
    }
    (trigger, guarded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extract(text: &str) -> Extracted<'static> {
        let path: std::sync::Arc<str> = ".gitlab-ci.yml".into();
        let input = Input::new(&path, text.as_bytes());
        let mut out = Extracted::default();
        GitLab.extract(&input, &mut out).unwrap();
        out
    }

    #[test]
    fn jobs_follow_extends_and_default() {
        let out = extract(
            "default:\n  image: alpine:3\n.deploy:\n  id_tokens:\n    AWS_TOKEN:\n      aud: sts\ndeploy:\n  extends: .deploy\n  script: [./deploy]\n",
        );
        let job = out.subjects.iter().find(|s| s.name == "deploy").unwrap();
        assert_eq!(job.attrs["image"], "alpine:3");
        assert_eq!(job.attrs["oidc"], true);
        assert_eq!(job.attrs["holds_credentials"], true);
        assert_eq!(
            job.origin.route_of("image").unwrap().to_string(),
            "default.image"
        );
    }

    #[test]
    fn a_literal_credential_is_redacted_and_located() {
        let out = extract(
            "deploy:\n  variables:\n    DEPLOY_TOKEN: glpat-abcdefghijklmnop1234\n  script: [x]\n",
        );
        let cred = out
            .subjects
            .iter()
            .find(|s| s.kind == "gitlab.credential")
            .unwrap();
        assert_eq!(cred.attrs["value_source"], "literal");
        assert!(
            !cred.attrs["value"]
                .as_str()
                .unwrap()
                .contains("abcdefghijklmnop")
        );
        assert_eq!(
            cred.origin.route_of("value_source").unwrap().to_string(),
            "deploy.variables.DEPLOY_TOKEN"
        );
        let span = cred.origin.span_of("value_source").unwrap();
        assert_eq!((span.line, span.column), (3, 19));
    }

    #[test]
    fn odd_documents_are_no_crash() {
        let path: std::sync::Arc<str> = ".gitlab-ci.yml".into();
        for text in [
            "- a\n- b\n",
            "",
            "a: [1\n",
            "job: 3\nx:\n  extends: x\n  script: 1\n",
        ] {
            let input = Input::new(&path, text.as_bytes());
            let mut out = Extracted::default();
            let _either = GitLab.extract(&input, &mut out);
        }
    }
}
