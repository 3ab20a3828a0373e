//! CircleCI (`.circleci/config.yml`): one `circleci.job` per job (its primary image,
//! through an executor when it names one), one `circleci.credential` per credential in
//! `environment:`, docker `auth:`/`aws_auth:`, orb step and workflow job parameters, or a
//! script's cloud login; one `circleci.orb` per orb reference.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::vars::{
    At, Credential, ci_subject, job_subject, mapping_credentials, scalar, script_credentials,
    script_lines, secret_refs, set_holds, set_image,
};
use crate::model::{Origin, Step, Subject};
use crate::sources::{Extracted, Input, Source, SourceError};

pub(crate) struct CircleCi;

const PROVIDER: &str = "circleci";
const FEDERATION: &str = "CircleCI OIDC ($CIRCLE_OIDC_TOKEN)";

static FULL_SEMVER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9]+\.[0-9]+\.[0-9]+$").expect("constant regex"));

impl Source for CircleCi {
    fn id(&self) -> &'static str {
        "circleci.config"
    }

    fn sniff(&self, path: &str, _head: &[u8]) -> bool {
        let lower = path.to_ascii_lowercase();
        lower.contains(".circleci/") && (lower.ends_with(".yml") || lower.ends_with(".yaml"))
    }

    fn extract(&self, input: &Input<'_>, out: &mut Extracted) -> Result<(), SourceError> {
        let Some((root, origin)) = super::top_mapping(input, "a CircleCI config")? else {
            return Ok(());
        };
        let config = Config {
            root,
            origin: &origin,
        };
        config.extract(out);
        Ok(())
    }
}

struct Config<'a> {
    root: &'a Map<String, Value>,
    origin: &'a Origin,
}

fn at(route: &[&str]) -> At {
    At::new(0, route.iter().map(|s| Step::from(*s)).collect())
}

impl Config<'_> {
    fn credential(&self, credential: &Credential, job: &str) -> Subject {
        let mut subject = credential.subject("circleci.credential", PROVIDER, self.origin, job);
        subject.set("federation", FEDERATION);
        subject
    }

    fn extract(&self, out: &mut Extracted) {
        let contexts = self.workflow_jobs(out);
        if let Some(Value::Object(orbs)) = self.root.get("orbs") {
            for (name, reference) in orbs {
                if let Some(text) = reference.as_str() {
                    out.subjects
                        .push(self.orb(name, text, &at(&["orbs", name])));
                }
            }
        }
        if let Some(Value::Object(executors)) = self.root.get("executors") {
            for (name, executor) in executors {
                let base = at(&["executors", name]);
                for credential in self.docker_credentials(executor, &base) {
                    out.subjects
                        .push(self.credential(&credential, &format!("executor {name}")));
                }
            }
        }
        let Some(Value::Object(jobs)) = self.root.get("jobs") else {
            return;
        };
        for (name, job) in jobs {
            let Some(map) = job.as_object() else {
                continue;
            };
            let base = at(&["jobs", name]);
            let mut credentials = Vec::new();
            if let Some(env) = map.get("environment") {
                credentials.extend(mapping_credentials(env, &base.join("environment")));
            }
            credentials.extend(self.docker_credentials(job, &base));
            let mut lines = Vec::new();
            if let Some(Value::Array(steps)) = map.get("steps") {
                for (i, step) in steps.iter().enumerate() {
                    let step_at = base.join("steps").join(i);
                    self.step(step, &step_at, &mut lines, &mut credentials);
                }
            }
            credentials.extend(script_credentials(&lines));
            let mut subject = job_subject("circleci.job", PROVIDER, self.origin, name, &base);
            if let Some((image, image_at)) = self.image(map, &base) {
                set_image(&mut subject, &image, &image_at);
            }
            let evidence = credentials
                .first()
                .map(|c| format!("{} {}", c.purpose, c.name))
                .or_else(|| {
                    contexts
                        .iter()
                        .find(|(j, _)| j == name)
                        .map(|(_, c)| format!("context {c}"))
                })
                .or_else(|| {
                    lines.iter().find_map(|(l, _)| {
                        secret_refs(l).first().map(|r| format!("${r} in its steps"))
                    })
                });
            set_holds(&mut subject, evidence);
            for credential in &credentials {
                out.subjects.push(self.credential(credential, name));
            }
            out.subjects.push(subject);
        }
    }

    /// Workflow jobs: orb job parameters that are credentials, and the contexts given to
    /// each job (a context holds the organisation's secrets).
    fn workflow_jobs(&self, out: &mut Extracted) -> Vec<(String, String)> {
        let mut contexts = Vec::new();
        let Some(Value::Object(workflows)) = self.root.get("workflows") else {
            return contexts;
        };
        for (wf, workflow) in workflows {
            let Some(Value::Array(jobs)) = workflow.get("jobs") else {
                continue;
            };
            for (i, entry) in jobs.iter().enumerate() {
                let Some((job, params)) = entry.as_object().and_then(|m| m.iter().next()) else {
                    continue;
                };
                let base = at(&["workflows", wf, "jobs"]).join(i).join(job.as_str());
                if let Some(context) = params.get("context") {
                    let text = scalar(context).unwrap_or_else(|| {
                        context
                            .as_array()
                            .map(|c| c.iter().filter_map(scalar).collect::<Vec<_>>().join(", "))
                            .unwrap_or_default()
                    });
                    contexts.push((job.clone(), text));
                }
                let mut credentials = orb_credentials(job, params, &base);
                credentials.retain(|c| c.purpose == "cloud_key" || c.source == "literal");
                for credential in credentials {
                    out.subjects.push(self.credential(&credential, job));
                }
            }
        }
        contexts
    }

    fn step(
        &self,
        step: &Value,
        at: &At,
        lines: &mut Vec<(String, At)>,
        credentials: &mut Vec<Credential>,
    ) {
        let Some(map) = step.as_object() else {
            return;
        };
        for (key, body) in map {
            let body_at = at.join(key.as_str());
            if key == "run" {
                match body {
                    Value::String(_) => script_lines(body, &body_at, lines),
                    Value::Object(run) => {
                        if let Some(command) = run.get("command") {
                            script_lines(command, &body_at.join("command"), lines);
                        }
                        if let Some(env) = run.get("environment") {
                            credentials
                                .extend(mapping_credentials(env, &body_at.join("environment")));
                        }
                    }
                    _ => {}
                }
            } else if key.contains('/') {
                credentials.extend(orb_credentials(key, body, &body_at));
            }
        }
    }

    /// Credentials of the job's docker images: `auth.password`, `aws_auth` keys, and each
    /// image's `environment`.
    fn docker_credentials(&self, job: &Value, base: &At) -> Vec<Credential> {
        let mut out = Vec::new();
        let Some(Value::Array(images)) = job.get("docker") else {
            return out;
        };
        for (i, image) in images.iter().enumerate() {
            let image_at = base.join("docker").join(i);
            if let Some(password) = image
                .get("auth")
                .and_then(|a| a.get("password"))
                .and_then(scalar)
            {
                out.push(Credential::new(
                    "docker auth password",
                    "registry_password",
                    &password,
                    image_at.join("auth").join("password"),
                ));
            }
            if let Some(aws) = image.get("aws_auth").and_then(Value::as_object)
                && let Some(secret) = aws.get("aws_secret_access_key").and_then(scalar)
            {
                let mut credential = Credential::new(
                    "aws_secret_access_key",
                    "cloud_key",
                    &secret,
                    image_at.join("aws_auth").join("aws_secret_access_key"),
                );
                credential.cloud = Some("aws");
                out.push(credential);
            }
            if let Some(env) = image.get("environment") {
                out.extend(mapping_credentials(env, &image_at.join("environment")));
            }
        }
        out
    }

    /// The job's primary image: its own `docker[0].image`, or its executor's.
    fn image(&self, job: &Map<String, Value>, base: &At) -> Option<(String, At)> {
        let primary = |container: &Value, at: At| {
            container
                .get("docker")
                .and_then(|d| d.get(0))
                .and_then(|d| d.get("image"))
                .and_then(Value::as_str)
                .map(|image| (image.to_owned(), at.join("docker").join(0).join("image")))
        };
        if let Some(found) = primary(&Value::Object(job.clone()), base.clone()) {
            return Some(found);
        }
        let executor = match job.get("executor")? {
            Value::String(name) => name.clone(),
            Value::Object(m) => m.get("name").and_then(Value::as_str)?.to_owned(),
            _ => return None,
        };
        let found = self.root.get("executors")?.get(&executor)?;
        primary(found, at(&["executors", &executor]))
    }

    fn orb(&self, name: &str, reference: &str, at: &At) -> Subject {
        let mut subject = ci_subject(
            "circleci.orb",
            PROVIDER,
            self.origin,
            format!("{}#orbs.{name}", self.origin.path),
            name,
        );
        subject.origin.whole = Some(at.anchor());
        let version = reference.rsplit_once('@').map_or("", |(_, v)| v);
        subject
            .set_from("reference", reference, at.doc, at.route.clone())
            .set("name", name)
            .set("version", version)
            .set("pinned", FULL_SEMVER.is_match(version))
            .anchor("version", at.anchor())
            .anchor("pinned", at.anchor());
        subject
    }
}

/// Credentials an orb command or job is given: cloud key parameters, and `aws-cli/setup`
/// (alone or as another orb's `auth` step) or `gcp-cli/setup` without OIDC: they then read
/// the long-lived key from the environment.
fn orb_credentials(name: &str, params: &Value, at: &At) -> Vec<Credential> {
    let mut out = mapping_credentials(params, at);
    let text = params.to_string();
    let has = |key: &str| text.contains(&format!("\"{key}\""));
    let lower = name.to_ascii_lowercase();
    let aws_orb = lower == "aws-cli/setup" || has("aws-cli/setup");
    if aws_orb
        && !has("role_arn")
        && !has("role-arn")
        && !out.iter().any(|c| c.cloud == Some("aws"))
    {
        let mut credential = Credential::new(
            "AWS_SECRET_ACCESS_KEY",
            "cloud_key",
            "$AWS_SECRET_ACCESS_KEY",
            at.clone(),
        );
        credential.shown = format!("{name} without role_arn (reads $AWS_SECRET_ACCESS_KEY)");
        out.push(credential);
    }
    if lower.starts_with("gcp-") && lower.ends_with("/setup") && !has("use_oidc") {
        let mut credential = Credential::new(
            "GCLOUD_SERVICE_KEY",
            "cloud_key",
            "$GCLOUD_SERVICE_KEY",
            at.clone(),
        );
        credential.shown = format!("{name} without use_oidc (reads $GCLOUD_SERVICE_KEY)");
        out.push(credential);
    }
    out
}
