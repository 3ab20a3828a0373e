//! GitHub Actions workflows (`.github/workflows/*.yml|yaml`, or any YAML file with top-level
//! `on:` and `jobs:`): what identities a workflow holds and where they go.
//!
//! Subjects, each value recorded with its route (`jobs.deploy.permissions`):
//! - `gha.workflow`: triggers (`on`, a list), `permissions`;
//! - `gha.job`: `permissions` (verbatim) and `permissions_effective` (the job's, else the
//!   workflow's, else `default`, anchored where it was read), `write_token`, `oidc`,
//!   `oidc_used`, `runs-on`, `self_hosted`, `environment`, `secrets` (`inherit`),
//!   `secrets_used` (names, each anchored at its reference) and `secret_refs`;
//! - `gha.step`: `uses` with `action`, `ref`, `pinned_sha`; `with`, `run`, `env` verbatim;
//!   `expressions` (every `${{ … }}` of `run` / `with.script`, each at its measured span);
//!   `env_effective` (workflow, job and step `env` merged, each key anchored where defined);
//!   and the job's credentials as context (`job_write_token`, `job_secrets`);
//! - `gha.checkout`: a step that checks code out (`actions/checkout` or `git`/`gh` in `run`),
//!   with its `ref`, the workflow's triggers and the job's credentials, and three related
//!   places: the trigger, the checkout, and the secret or permission the job holds;
//! - `gha.credential`: a credential-named `env` / `with` / registry `credentials` value,
//!   literal (redacted) or an expression;
//! - `gha.image`: a job `container`, a `services` image or a `docker://` step.
//!
//! `write_token` counts the default token as write: it is on `pull_request_target` and on
//! repositories created before February 2023, and the workflow cannot tell which.

use serde_json::{Map, Value};

use super::{
    expressions, image_pinned, image_tag, is_credential_key, is_full_sha, secret_refs, value_form,
};
use crate::model::{Anchor, Related, Step, Subject, redact};
use crate::sources::{Extracted, Input, Source, SourceError};

pub(crate) struct Workflow;

pub(crate) const PLATFORM: &str = "github-actions";

/// The `job` of a value set at the workflow level, which every job inherits.
const ALL_JOBS: &str = "(every job)";

/// Triggers that run with the base repository's token and secrets on events outsiders cause.
const UNTRUSTED_TRIGGERS: &[&str] = &[
    "pull_request_target",
    "workflow_run",
    "issue_comment",
    "pull_request_review_comment",
    "pull_request_review",
    "issues",
    "discussion_comment",
];

/// Actions that request an OIDC token (`id-token: write`) when used without static keys.
const OIDC_CONSUMERS: &[&str] = &[
    "aws-actions/configure-aws-credentials",
    "google-github-actions/auth",
    "azure/login",
    "pypa/gh-action-pypi-publish",
    "rubygems/release-gem",
    "rubygems/configure-rubygems-credentials",
    "rust-lang/crates-io-auth-action",
    "actions/attest-build-provenance",
    "actions/attest",
    "actions/attest-sbom",
    "sigstore/gh-action-sigstore-python",
    "sigstore/cosign-installer",
    "hashicorp/vault-action",
    "docker/login-action",
    "slsa-framework/slsa-github-generator",
    "actions/deploy-pages",
    "github/codeql-action/upload-sarif",
];

/// Text in a job that shows it requests an OIDC token without a known action.
const OIDC_HINTS: &[&str] = &[
    "ACTIONS_ID_TOKEN_REQUEST",
    "ARM_USE_OIDC",
    "--provenance",
    "getIDToken",
    "uv publish",
    "npm publish",
];

/// Text in a job's `run` scripts (lowercased) that may use the token to write, or runs code
/// that might: a push, a release, an API call, or a script the workflow cannot show.
const MAY_WRITE_HINTS: &[&str] = &[
    "push",
    "publish",
    "release",
    "upload",
    "deploy",
    "git tag",
    "git commit",
    "gh ",
    "api.github.com",
    "curl",
    "wget",
    "./",
    "make",
    "npx ",
    "bash ",
    "sh ",
    "python",
    "node ",
    "script",
    "octokit",
];

/// The token handed on by name anywhere in a job (`env`, `with`, `run`): whatever receives it
/// may write.
const TOKEN_HINTS: &[&str] = &["github.token", "github_token", "gh_token"];

/// Actions that deploy or publish, by prefix: the work a protected environment should gate.
const DEPLOY_ACTIONS: &[&str] = &[
    "aws-actions/",
    "azure/login",
    "azure/webapps-deploy",
    "azure/functions-action",
    "azure/k8s-deploy",
    "google-github-actions/auth",
    "google-github-actions/deploy-",
    "google-github-actions/setup-gcloud",
    "pypa/gh-action-pypi-publish",
    "rubygems/release-gem",
    "docker/login-action",
    "docker/build-push-action",
    "cloudflare/wrangler-action",
    "cloudflare/pages-action",
    "peaceiris/actions-gh-pages",
    "jamesives/github-pages-deploy-action",
    "amondnet/vercel-action",
    "nwtgck/actions-netlify",
    "superfly/flyctl-actions",
    "appleboy/ssh-action",
    "appleboy/scp-action",
    "easingthemes/ssh-deploy",
    "burnett01/rsync-deployments",
    "serverless/github-action",
    "pulumi/actions",
];

/// Commands in `run` (lowercased) that deploy or publish.
const DEPLOY_COMMANDS: &[&str] = &[
    "npm publish",
    "yarn publish",
    "pnpm publish",
    "cargo publish",
    "twine upload",
    "uv publish",
    "poetry publish",
    "gem push",
    "nuget push",
    "docker push",
    "terraform apply",
    "kubectl apply",
    "helm upgrade",
    "helm install",
    "aws s3 sync",
    "aws s3 cp",
    "gcloud run deploy",
    "gcloud app deploy",
    "firebase deploy",
    "netlify deploy",
    "vercel deploy",
    "wrangler deploy",
    "wrangler publish",
    "fly deploy",
    "flyctl deploy",
    "serverless deploy",
    "sls deploy",
    "cdk deploy",
    "pulumi up",
];

impl Source for Workflow {
    fn id(&self) -> &'static str {
        "gha.workflow"
    }

    fn sniff(&self, path: &str, head: &[u8]) -> bool {
        let lower = path.to_ascii_lowercase().replace('\\', "/");
        if !(lower.ends_with(".yml") || lower.ends_with(".yaml")) {
            return false;
        }
        if lower.contains(".github/workflows/") {
            return true;
        }
        let has = |key: &[u8]| {
            head.starts_with(key)
                || memchr::memmem::find_iter(head, b"\n").any(|i| head[i + 1..].starts_with(key))
        };
        has(b"jobs:") && (has(b"on:") || has(b"\"on\":") || has(b"'on':"))
    }

    fn extract(&self, input: &Input<'_>, out: &mut Extracted) -> Result<(), SourceError> {
        let parsed = input.yaml();
        let Some(root) = parsed.document.values().first() else {
            return Err(SourceError(
                "not YAML; read as text only (see the parse error)".into(),
            ));
        };
        let Some(workflow) = root.as_object() else {
            return Err(SourceError(crate::reason!(
                "a workflow is a mapping, this is {}; read as text only",
                kind_of(root)
            )));
        };
        let Some(jobs) = workflow.get("jobs").and_then(Value::as_object) else {
            return Err(SourceError(
                "no `jobs` mapping at the top level; read as text only".into(),
            ));
        };
        let text = String::from_utf8_lossy(input.bytes);
        let reader = Reader {
            input,
            text: &text,
            spans: parsed.document.spans(),
            origin: input.origin_in(parsed),
        };
        reader.read(workflow, jobs, out);
        Ok(())
    }
}

/// Composite actions (`action.yml|yaml` anywhere, with `runs.using: composite`): their
/// `runs.steps` are read like a job's steps (subjects `gha.job` for `runs`, `gha.step` with
/// `composite: true`, `gha.checkout`, `gha.credential`, `gha.image`), with no triggers and the
/// caller's token, which the action cannot see, counted as the default one. Docker and
/// JavaScript actions have no steps to read.
pub(crate) struct CompositeAction;

/// The `job` of a composite action's steps.
const COMPOSITE_JOB: &str = "(composite action)";

impl Source for CompositeAction {
    fn id(&self) -> &'static str {
        "gha.action"
    }

    fn sniff(&self, path: &str, head: &[u8]) -> bool {
        let lower = path.to_ascii_lowercase().replace('\\', "/");
        let name = lower.rsplit('/').next().unwrap_or(&lower);
        (name == "action.yml" || name == "action.yaml")
            && memchr::memmem::find(head, b"runs:").is_some()
    }

    fn extract(&self, input: &Input<'_>, out: &mut Extracted) -> Result<(), SourceError> {
        let parsed = input.yaml();
        let Some(root) = parsed.document.values().first() else {
            return Err(SourceError(
                "not YAML; read as text only (see the parse error)".into(),
            ));
        };
        let Some(runs) = root.get("runs").and_then(Value::as_object) else {
            return Ok(());
        };
        if !runs.get("using").is_some_and(|u| u == "composite") {
            return Ok(());
        }
        let text = String::from_utf8_lossy(input.bytes);
        let reader = Reader {
            input,
            text: &text,
            spans: parsed.document.spans(),
            origin: input.origin_in(parsed),
        };
        reader.read_job(
            &Map::new(),
            &[],
            &[],
            COMPOSITE_JOB,
            &route(&["runs"]),
            runs,
            out,
        );
        Ok(())
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "a list",
        Value::String(_) => "a string",
        Value::Null => "empty",
        Value::Object(_) => "a mapping",
        _ => "a scalar",
    }
}

type Route = Vec<Step>;

fn route(steps: &[&str]) -> Route {
    steps.iter().map(|s| Step::from(*s)).collect()
}

fn at(route: &Route) -> Anchor {
    Anchor::Route {
        doc: 0,
        route: route.clone(),
    }
}

fn push(route: &Route, step: impl Into<Step>) -> Route {
    let mut next = route.clone();
    next.push(step.into());
    next
}

/// The triggers of a workflow, each with the route of its key.
fn triggers(workflow: &Map<String, Value>) -> Vec<(String, Route)> {
    match workflow.get("on") {
        Some(Value::String(name)) => vec![(name.clone(), route(&["on"]))],
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                item.as_str()
                    .map(|name| (name.to_owned(), vec![Step::from("on"), Step::Index(i)]))
            })
            .collect(),
        Some(Value::Object(map)) => map
            .keys()
            .map(|name| (name.clone(), route(&["on", name])))
            .collect(),
        _ => Vec::new(),
    }
}

/// What the token of a `permissions` value can do: (a write scope other than `id-token`,
/// `id-token: write`).
fn token_scope(permissions: &Value) -> (bool, bool) {
    match permissions {
        Value::String(s) if s == "write-all" => (true, true),
        Value::Object(map) => (
            map.iter()
                .any(|(scope, v)| scope != "id-token" && v == "write"),
            map.get("id-token").is_some_and(|v| v == "write"),
        ),
        _ => (false, false),
    }
}

/// A secret reference found in a job, where it is.
struct FoundRef {
    name: String,
    expression: String,
    anchor: Anchor,
}

struct Reader<'a> {
    input: &'a Input<'a>,
    text: &'a str,
    spans: std::sync::Arc<crate::model::SpanTree>,
    origin: crate::model::Origin,
}

impl Reader<'_> {
    fn subject(&self, kind: &str, id: String, name: &str, whole: &Route) -> Subject {
        let mut subject = Subject::new(kind, "github", id, name);
        subject.origin = self.origin.clone();
        subject.origin.whole = Some(at(whole));
        subject
            .set(super::PLATFORM, PLATFORM)
            .set("workflow", self.input.path.to_string());
        subject
    }

    /// The anchor of `needle` (a substring of the string at `route`) measured in the text;
    /// the route itself when the text does not hold it verbatim (a folded scalar).
    fn measure(&self, value_route: &Route, needle: &str, nth: usize) -> Anchor {
        let found = self.spans.locate(0, value_route).and_then(|located| {
            let raw = self.text.get(located.value.start..located.value.end)?;
            let (offset, _) = raw.match_indices(needle).nth(nth)?;
            let start = located.value.start + offset;
            Some(self.input.span(start, start + needle.len()))
        });
        found.map_or_else(|| at(value_route), Anchor::At)
    }

    /// The anchor of the key at the end of `key_route` (`on.pull_request_target`, the
    /// trigger's name rather than its settings); the value when there is no key (a list item).
    fn key_of(&self, key_route: &Route) -> Anchor {
        self.spans
            .locate(0, key_route)
            .and_then(|located| located.key)
            .map_or_else(|| at(key_route), |key| Anchor::At(key.span))
    }

    /// Every secret reference in the strings below `value` (at `base`).
    fn find_refs(&self, value: &Value, base: &Route, out: &mut Vec<FoundRef>) {
        match value {
            Value::String(s) if s.contains("${{") => {
                let mut seen: Vec<&str> = Vec::new();
                for r in secret_refs(s) {
                    let nth = seen.iter().filter(|e| **e == r.expression).count();
                    let anchor = self.measure(base, &r.expression, nth);
                    out.push(FoundRef {
                        name: r.name,
                        expression: r.expression,
                        anchor,
                    });
                    seen.push(&s[r.at.0..r.at.1]);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.find_refs(item, &push(base, i), out);
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    self.find_refs(v, &push(base, k.as_str()), out);
                }
            }
            _ => {}
        }
    }

    fn read(&self, workflow: &Map<String, Value>, jobs: &Map<String, Value>, out: &mut Extracted) {
        let path = self.input.path.to_string();
        let on = triggers(workflow);
        let name = workflow
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(&path)
            .to_owned();
        let mut wf = self.subject("gha.workflow", path.clone(), &name, &Vec::new());
        set_triggers(&mut wf, &on);
        if let Some(p) = workflow.get("permissions") {
            wf.set_from("permissions", p.clone(), 0, route(&["permissions"]));
        }
        wf.set("jobs", jobs.len());
        out.subjects.push(wf);

        let mut wf_refs = Vec::new();
        if let Some(env) = workflow.get("env") {
            self.find_refs(env, &route(&["env"]), &mut wf_refs);
            if let Value::Object(map) = env {
                self.credentials(ALL_JOBS, map, &route(&["env"]), "env", out);
            }
        }
        for (id, job) in jobs {
            let Some(job) = job.as_object() else {
                out.problems.push(crate::reason!(
                    "jobs.{} is not a mapping; job skipped",
                    crate::model::InputText::new(id.as_str())
                ));
                continue;
            };
            self.read_job(workflow, &on, &wf_refs, id, &route(&["jobs", id]), job, out);
        }
    }

    #[allow(
        clippy::too_many_lines,
        clippy::too_many_arguments,
        reason = "one pass over a job, facts in document order; the workflow's context travels with it"
    )]
    fn read_job(
        &self,
        workflow: &Map<String, Value>,
        on: &[(String, Route)],
        wf_refs: &[FoundRef],
        id: &str,
        base: &Route,
        job: &Map<String, Value>,
        out: &mut Extracted,
    ) {
        let path = self.input.path.to_string();
        let base = base.clone();
        let mut subject = self.subject(
            "gha.job",
            format!("{path}#{}", crate::model::Route(base.clone())),
            id,
            &base,
        );
        subject.set("job", id);
        set_triggers(&mut subject, on);
        for key in ["runs-on", "environment", "uses", "secrets", "if"] {
            if let Some(v) = job.get(key) {
                subject.set_from(key, v.clone(), 0, push(&base, key));
            }
        }
        let (effective, perm_route) = match (job.get("permissions"), workflow.get("permissions")) {
            (Some(p), _) => {
                let r = push(&base, "permissions");
                subject.set_from("permissions", p.clone(), 0, r.clone());
                (p.clone(), r)
            }
            (None, Some(p)) => (p.clone(), route(&["permissions"])),
            (None, None) => (Value::from("default"), push(&base, "permissions")),
        };
        let is_default = effective == "default";
        let (write, oidc) = token_scope(&effective);
        subject.set_from(
            "permissions_effective",
            effective.clone(),
            0,
            perm_route.clone(),
        );
        let write_token = write || is_default;
        subject.set("write_token", write_token);
        subject.anchor("write_token", at(&perm_route));
        subject.set("oidc", oidc);
        let oidc_route = if effective.get("id-token").is_some() {
            push(&perm_route, "id-token")
        } else {
            perm_route.clone()
        };
        subject.anchor("oidc", at(&oidc_route));
        if let Some(runs_on) = job.get("runs-on") {
            let self_hosted = is_self_hosted(runs_on);
            subject.set("self_hosted", self_hosted);
            subject.anchor("self_hosted", at(&push(&base, "runs-on")));
        }

        let composite = job.get("using").is_some_and(|u| u == "composite");
        let mut refs: Vec<FoundRef> = Vec::new();
        for found in wf_refs {
            refs.push(FoundRef {
                name: found.name.clone(),
                expression: found.expression.clone(),
                anchor: found.anchor.clone(),
            });
        }
        self.find_refs(&Value::Object(job.clone()), &base, &mut refs);
        let mut names: Vec<&str> = Vec::new();
        let mut anchors = Vec::new();
        for r in &refs {
            if !names.contains(&r.name.as_str()) {
                anchors.push((names.len(), r.anchor.clone()));
                names.push(&r.name);
            }
        }
        if !names.is_empty() {
            subject.set("secrets_used", names.clone());
            for (i, anchor) in anchors {
                anchor_item(&mut subject, "secrets_used", i, anchor);
            }
        }
        let ref_list: Vec<Value> = refs
            .iter()
            .map(|r| serde_json::json!({ "name": r.name, "expression": r.expression }))
            .collect();
        if !ref_list.is_empty() {
            subject.set("secret_refs", ref_list);
            for (i, r) in refs.iter().enumerate() {
                subject.anchor(&format!("secret_refs[{i}].expression"), r.anchor.clone());
                subject.anchor(&format!("secret_refs[{i}].name"), r.anchor.clone());
            }
        }
        let has_secrets = !names.is_empty();

        let steps: &[Value] = job
            .get("steps")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let action_of = |step: &Value| {
            step.get("uses")
                .and_then(Value::as_str)
                .map(|u| u.split_once('@').map_or(u, |(a, _)| a).to_ascii_lowercase())
        };
        let uploads = steps
            .iter()
            .any(|s| action_of(s).is_some_and(|a| a == "actions/upload-artifact"));
        let oidc_used = job.get("uses").is_some()
            || steps.iter().any(|s| {
                action_of(s).is_some_and(|a| OIDC_CONSUMERS.iter().any(|c| a.starts_with(c)))
            })
            || {
                let text = Value::Object(job.clone()).to_string();
                OIDC_HINTS.iter().any(|hint| text.contains(hint))
            };
        subject.set("oidc_used", oidc_used);
        let third_party = steps.iter().any(|s| {
            action_of(s).is_some_and(|a| {
                !(a.starts_with("./")
                    || a.starts_with("docker://")
                    || a.starts_with("actions/")
                    || a.starts_with("github/"))
            })
        });

        let job_text = Value::Object(job.clone()).to_string().to_ascii_lowercase();
        let run_text: String = steps
            .iter()
            .filter_map(|s| s.get("run").and_then(Value::as_str))
            .map(|r| r.to_ascii_lowercase() + "\n")
            .collect();
        let may_write = job.get("uses").is_some()
            || steps.is_empty()
            || MAY_WRITE_HINTS.iter().any(|hint| run_text.contains(hint))
            || TOKEN_HINTS.iter().any(|hint| job_text.contains(hint))
            || steps.iter().any(|s| s.get("uses").is_some());
        subject.set("may_write", may_write);
        if let Value::Object(map) = &effective {
            let scopes: Vec<(Map<String, Value>, Route)> = map
                .iter()
                .filter(|(scope, v)| scope.as_str() != "id-token" && *v == "write")
                .map(|(scope, v)| {
                    let item = Map::from_iter([
                        ("scope".to_owned(), Value::from(scope.as_str())),
                        ("access".to_owned(), v.clone()),
                    ]);
                    (item, push(&perm_route, scope.as_str()))
                })
                .collect();
            if !scopes.is_empty() {
                for (i, (_, r)) in scopes.iter().enumerate() {
                    for field in ["scope", "access"] {
                        subject.anchor(&format!("write_scopes[{i}].{field}"), at(r));
                    }
                    subject.anchor(&format!("write_scopes[{i}]"), at(r));
                }
                let list: Vec<Value> = scopes.into_iter().map(|(m, _)| Value::Object(m)).collect();
                subject.set("write_scopes", list);
            }
        }
        let deploy_step = steps.iter().enumerate().find_map(|(i, s)| {
            let by_action =
                action_of(s).filter(|a| DEPLOY_ACTIONS.iter().any(|d| a.starts_with(d)));
            let by_command = s
                .get("run")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
                .and_then(|run| {
                    DEPLOY_COMMANDS
                        .iter()
                        .find(|c| run.contains(*c))
                        .map(|c| (*c).to_owned())
                });
            by_action.or(by_command).map(|what| (i, what))
        });
        subject.set("deploys", deploy_step.is_some());
        if let Some((i, what)) = deploy_step {
            let r = push(&push(&base, "steps"), i);
            subject.set("deploy_step", what);
            subject
                .anchor("deploy_step", at(&r))
                .anchor("deploys", at(&r));
        }

        let credential_related = refs
            .first()
            .map(|r| {
                (
                    format!("secret `{}` used by job {id}", r.name),
                    r.anchor.clone(),
                )
            })
            .or_else(|| {
                write_token.then(|| {
                    (
                        format!("write token of job {id} ({})", display_scope(&effective)),
                        at(&perm_route),
                    )
                })
            });
        let trigger_related = on
            .iter()
            .find(|(t, _)| UNTRUSTED_TRIGGERS.contains(&t.as_str()))
            .or_else(|| on.first())
            .map(|(t, r)| (format!("trigger `{t}`"), self.key_of(r)));

        let mut env_effective: Vec<(String, Value, Route)> = Vec::new();
        let mut add_env = |env: Option<&Value>, at_route: Route| {
            if let Some(Value::Object(map)) = env {
                for (k, v) in map {
                    env_effective.retain(|(name, _, _)| name != k);
                    env_effective.push((k.clone(), v.clone(), push(&at_route, k.as_str())));
                }
            }
        };
        add_env(workflow.get("env"), route(&["env"]));
        add_env(job.get("env"), push(&base, "env"));
        let job_env = env_effective;

        for (i, step) in steps.iter().enumerate() {
            let Some(step_map) = step.as_object() else {
                continue;
            };
            let step_route = push(&push(&base, "steps"), i);
            let step_name = step_map
                .get("name")
                .or_else(|| step_map.get("uses"))
                .and_then(Value::as_str)
                .map_or_else(|| format!("{id}.steps[{i}]"), ToOwned::to_owned);
            let mut s = self.subject(
                "gha.step",
                format!("{path}#{}", crate::model::Route(step_route.clone())),
                &step_name,
                &step_route,
            );
            s.set("job", id).set("index", i).set("composite", composite);
            for key in ["uses", "with", "run", "env", "id", "if", "shell"] {
                if let Some(v) = step_map.get(key) {
                    s.set_from(key, scrubbed(v), 0, push(&step_route, key));
                }
            }
            let uses_route = push(&step_route, "uses");
            let uses = step_map.get("uses").and_then(Value::as_str);
            if let Some(uses) = uses {
                let (action, git_ref) = uses.split_once('@').unwrap_or((uses, ""));
                if let Some(image) = uses.strip_prefix("docker://") {
                    self.image(
                        id,
                        image,
                        &uses_route,
                        "docker",
                        write_token,
                        has_secrets,
                        out,
                    );
                } else {
                    let local = action.starts_with("./");
                    s.set("action", action.to_ascii_lowercase())
                        .set("ref", git_ref)
                        .set("local", local)
                        .set("pinned_sha", local || is_full_sha(git_ref));
                    for field in ["action", "ref", "local", "pinned_sha"] {
                        s.anchor(field, at(&uses_route));
                    }
                }
            }
            s.set("job_write_token", write_token)
                .set("job_secrets", has_secrets)
                .set("job_uploads_artifact", uploads)
                .set("job_third_party_actions", third_party)
                .set("job_oidc", oidc);
            s.anchor("job_oidc", at(&oidc_route));
            let is_checkout = action_of(step).is_some_and(|a| a == "actions/checkout");
            if is_checkout {
                let persist = step_map
                    .get("with")
                    .and_then(|w| w.get("persist-credentials"))
                    .is_none_or(|v| v != false && v != "false");
                s.set("persist_credentials", persist);
                let persist_route = if step.pointer("/with/persist-credentials").is_some() {
                    push(&push(&step_route, "with"), "persist-credentials")
                } else {
                    uses_route.clone()
                };
                s.anchor("persist_credentials", at(&persist_route));
            }
            let mut env = job_env.clone();
            if let Some(Value::Object(map)) = step_map.get("env") {
                for (k, v) in map {
                    env.retain(|(name, _, _)| name != k);
                    env.push((
                        k.clone(),
                        v.clone(),
                        push(&push(&step_route, "env"), k.as_str()),
                    ));
                }
            }
            if !env.is_empty() {
                let merged: Map<String, Value> =
                    env.iter().map(|(k, v, _)| (k.clone(), v.clone())).collect();
                s.set("env_effective", scrubbed(&Value::Object(merged)));
                for (k, _, r) in &env {
                    s.anchor(&format!("env_effective.{k}"), at(r));
                }
            }
            let mut exprs: Vec<(String, Anchor)> = Vec::new();
            for (key, value) in [
                ("run", step_map.get("run")),
                ("script", step.pointer("/with/script")),
            ] {
                let Some(text) = value.and_then(Value::as_str) else {
                    continue;
                };
                let value_route = if key == "run" {
                    push(&step_route, "run")
                } else {
                    push(&push(&step_route, "with"), "script")
                };
                let mut seen: Vec<&str> = Vec::new();
                for (a, b) in expressions(text) {
                    let e = &text[a..b];
                    let nth = seen.iter().filter(|x| **x == e).count();
                    exprs.push((e.to_owned(), self.measure(&value_route, e, nth)));
                    seen.push(e);
                }
            }
            if !exprs.is_empty() {
                let list: Vec<&str> = exprs.iter().map(|(e, _)| e.as_str()).collect();
                s.set("expressions", list);
                for (n, (_, anchor)) in exprs.iter().enumerate() {
                    anchor_item(&mut s, "expressions", n, anchor.clone());
                }
            }
            for (key, credential) in [("with", step_map.get("with")), ("env", step_map.get("env"))]
            {
                if let Some(Value::Object(map)) = credential {
                    self.credentials(id, map, &push(&step_route, key), key, out);
                }
            }

            let checkout_ref: Option<(Value, Route)> = if is_checkout {
                Some(match step.pointer("/with/ref") {
                    Some(r) => (r.clone(), push(&push(&step_route, "with"), "ref")),
                    None => (Value::from("default"), uses_route.clone()),
                })
            } else {
                step_map
                    .get("run")
                    .and_then(Value::as_str)
                    .filter(|r| {
                        r.contains("gh pr checkout")
                            || r.contains("git fetch")
                            || r.contains("git checkout")
                            || r.contains("git switch")
                            || r.contains("git pull")
                    })
                    .map(|r| (Value::from(r), push(&step_route, "run")))
            };
            out.subjects.push(s);
            if let Some((git_ref, ref_route)) = checkout_ref {
                let mut c = self.subject(
                    "gha.checkout",
                    format!("{path}#{}", crate::model::Route(step_route.clone())),
                    &step_name,
                    &step_route,
                );
                c.set("job", id);
                set_triggers(&mut c, on);
                c.set_from("ref", git_ref, 0, ref_route.clone());
                c.set("write_token", write_token);
                c.anchor("write_token", at(&perm_route));
                if has_secrets {
                    c.set("secrets_used", names.clone());
                    if let Some(r) = refs.first() {
                        c.anchor("secrets_used", r.anchor.clone());
                    }
                }
                if let Some((label, anchor)) = &trigger_related {
                    c.related.push(self.related(label.clone(), anchor.clone()));
                }
                c.related
                    .push(self.related(format!("checkout in job {id}, step {i}"), at(&ref_route)));
                if let Some((label, anchor)) = &credential_related {
                    c.related.push(self.related(label.clone(), anchor.clone()));
                }
                out.subjects.push(c);
            }
        }

        if let Some(Value::Object(env)) = job.get("env") {
            self.credentials(id, env, &push(&base, "env"), "env", out);
        }
        if let Some(container) = job.get("container") {
            self.container(
                id,
                container,
                &push(&base, "container"),
                "container",
                write_token,
                has_secrets,
                out,
            );
        }
        if let Some(Value::Object(services)) = job.get("services") {
            for (name, service) in services {
                let r = push(&push(&base, "services"), name.as_str());
                self.container(id, service, &r, "service", write_token, has_secrets, out);
            }
        }
        out.subjects.push(subject);
    }

    fn related(&self, label: String, anchor: Anchor) -> Related {
        let mut origin = self.origin.clone();
        origin.whole = Some(anchor);
        origin.attrs.clear();
        Related { label, origin }
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "the job's context travels with the image"
    )]
    fn container(
        &self,
        job: &str,
        value: &Value,
        base: &Route,
        context: &str,
        write_token: bool,
        has_secrets: bool,
        out: &mut Extracted,
    ) {
        match value {
            Value::String(image) => {
                self.image(job, image, base, context, write_token, has_secrets, out);
            }
            Value::Object(map) => {
                if let Some(image) = map.get("image").and_then(Value::as_str) {
                    let r = push(base, "image");
                    self.image(job, image, &r, context, write_token, has_secrets, out);
                }
                if let Some(Value::Object(credentials)) = map.get("credentials") {
                    self.credentials(
                        job,
                        credentials,
                        &push(base, "credentials"),
                        "credentials",
                        out,
                    );
                }
            }
            _ => {}
        }
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "the job's context travels with the image"
    )]
    fn image(
        &self,
        job: &str,
        image: &str,
        at_route: &Route,
        context: &str,
        write_token: bool,
        has_secrets: bool,
        out: &mut Extracted,
    ) {
        if image.is_empty() || image.contains("${{") {
            return;
        }
        let path = self.input.path.to_string();
        let mut s = self.subject(
            "gha.image",
            format!("{path}#{}", crate::model::Route(at_route.clone())),
            image,
            at_route,
        );
        s.set("job", job).set("context", context);
        s.set_from("image", image, 0, at_route.clone());
        s.set("pinned_digest", image_pinned(image));
        s.anchor("pinned_digest", at(at_route));
        if let Some(tag) = image_tag(image) {
            s.set("tag", tag);
            s.anchor("tag", at(at_route));
        }
        s.set("job_write_token", write_token)
            .set("job_secrets", has_secrets);
        out.subjects.push(s);
    }

    /// A `gha.credential` for each credential-named string value of `map`.
    fn credentials(
        &self,
        job: &str,
        map: &Map<String, Value>,
        base: &Route,
        context: &str,
        out: &mut Extracted,
    ) {
        let path = self.input.path.to_string();
        for (key, value) in map {
            if !is_credential_key(key) {
                continue;
            }
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => continue,
            };
            if text.trim().is_empty() {
                continue;
            }
            let r = push(base, key.as_str());
            let form = value_form(&text);
            let literal = form == "literal";
            let mut s = self.subject(
                "gha.credential",
                format!("{path}#{}", crate::model::Route(r.clone())),
                key,
                &r,
            );
            s.set("job", job)
                .set("key", key.as_str())
                .set("context", context);
            let shown = if literal { redact(&text) } else { text.clone() };
            s.set_from("value", shown, 0, r.clone());
            s.set("form", form).set("length", text.chars().count());
            s.anchor("form", at(&r)).anchor("key", at(&r));
            out.subjects.push(s);
        }
    }
}

/// `value` with every literal under a credential-named key redacted: verbatim `env` and
/// `with` maps go to the inventory, which must not show a credential whole.
fn scrubbed(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(text)
                            if is_credential_key(k) && value_form(text) == "literal" =>
                        {
                            Value::from(redact(text))
                        }
                        other => scrubbed(other),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(scrubbed).collect()),
        other => other.clone(),
    }
}

/// Whether `runs-on` names a self-hosted runner: the `self-hosted` label, a runner group, or
/// only literal labels none of which is a GitHub-hosted image (`ubuntu-*`, `windows-*`,
/// `macos-*`). A label computed by an expression is not judged.
fn is_self_hosted(runs_on: &Value) -> bool {
    let labels: Vec<&str> = match runs_on {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        Value::Object(map) => {
            if map.contains_key("group") {
                return true;
            }
            match map.get("labels") {
                Some(Value::String(s)) => vec![s.as_str()],
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    };
    let hosted = |l: &str| {
        let l = l.to_ascii_lowercase();
        ["ubuntu-", "windows-", "macos-"]
            .iter()
            .any(|p| l.starts_with(p))
    };
    labels.iter().any(|l| l.eq_ignore_ascii_case("self-hosted"))
        || (!labels.is_empty() && labels.iter().all(|l| !l.contains("${{") && !hosted(l)))
}

fn set_triggers(subject: &mut Subject, on: &[(String, Route)]) {
    let names: Vec<&str> = on.iter().map(|(n, _)| n.as_str()).collect();
    subject.set("on", names);
    subject.anchor("on", at(&route(&["on"])));
    for (i, (_, r)) in on.iter().enumerate() {
        anchor_item(subject, "on", i, at(r));
    }
}

/// Anchors item `i` of list attribute `list`, also as `list[i].value`, the field a rule's
/// `any_of` over scalar items reports.
fn anchor_item(subject: &mut Subject, list: &str, i: usize, anchor: Anchor) {
    subject.anchor(&format!("{list}[{i}].value"), anchor.clone());
    subject.anchor(&format!("{list}[{i}]"), anchor);
}

fn display_scope(permissions: &Value) -> String {
    match permissions {
        Value::String(s) => s.clone(),
        Value::Object(map) => map
            .iter()
            .filter(|(_, v)| *v == "write")
            .map(|(k, _)| format!("{k}: write"))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Extracted<'static>, Result<(), SourceError>) {
        let path: std::sync::Arc<str> = ".github/workflows/x.yml".into();
        let input = Input::new(&path, text.as_bytes());
        let mut out = Extracted::default();
        let result = Workflow.extract(&input, &mut out);
        (out, result)
    }

    #[test]
    fn claimed_by_path_or_by_its_top_level_keys() {
        assert!(Workflow.sniff(".github/workflows/ci.yaml", b""));
        assert!(Workflow.sniff("ci.yml", b"name: x\non: push\njobs:\n"));
        assert!(!Workflow.sniff("config.yml", b"jobs: 3\n"));
        assert!(!Workflow.sniff(".github/workflows/readme.md", b"on:\njobs:\n"));
    }

    #[test]
    fn odd_shapes_are_errors_not_panics() {
        for text in [
            "- on: push\n- jobs: {}\n",
            "just text",
            "",
            "on: push\njobs: [1, 2]\n",
        ] {
            let (_, result) = read(text);
            assert!(result.is_err(), "{text:?}");
        }
        let (out, result) = read("on: push\njobs:\n  a: 3\n  b:\n    steps: [1, {run: x}]\n");
        assert!(result.is_ok());
        assert_eq!(out.problems, ["jobs.a is not a mapping; job skipped"]);
    }

    #[test]
    fn job_facts_and_their_anchors() {
        let (out, _) = read(
            "on: [push, pull_request_target]\npermissions:\n  id-token: write\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ secrets.A }} ${{ toJSON(secrets) }}\n",
        );
        let job = out.subjects.iter().find(|s| s.kind == "gha.job").unwrap();
        assert_eq!(
            job.attrs["on"],
            serde_json::json!(["push", "pull_request_target"])
        );
        assert_eq!(job.attrs["oidc"], true);
        assert_eq!(job.attrs["write_token"], false, "id-token writes nothing");
        assert_eq!(job.attrs["oidc_used"], false);
        assert_eq!(job.attrs["secrets_used"], serde_json::json!(["A", "*"]));
        assert_eq!(
            job.origin.route_of("oidc").unwrap().to_string(),
            "permissions.id-token"
        );
        let secret = job.origin.span_of("secrets_used[1]").unwrap();
        assert_eq!((secret.line, secret.column, secret.end_column), (8, 36, 57));
    }
}
