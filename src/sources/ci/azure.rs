//! Azure Pipelines (`azure-pipelines.yml`, `.azure-pipelines/*.yml`): one `azure.job` per
//! job (`stages[].jobs[]`, `jobs[]`, or the pipeline itself when it has top-level `steps`),
//! with its container image (through `resources.containers` aliases); one
//! `azure.credential` per credential in `variables:`, a step's `env:` or a task's inputs, a
//! script's cloud login, or a secret variable set with a literal
//! (`##vso[task.setvariable …;issecret=true]value`).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::vars::{
    At, Credential, job_subject, mapping_credentials, scalar, script_credentials, script_lines,
    secret_refs, set_holds, set_image,
};
use crate::model::{Origin, Step, Subject};
use crate::sources::{Extracted, Input, Source, SourceError};

pub(crate) struct AzurePipelines;

const PROVIDER: &str = "azure";
const FEDERATION: &str = "workload identity federation (a service connection)";
const SCRIPT_KEYS: &[&str] = &["script", "bash", "pwsh", "powershell"];
/// Task inputs that name a service connection: the job then holds its credential.
const SERVICE_CONNECTIONS: &[&str] = &[
    "azureSubscription",
    "connectedServiceName",
    "connectedServiceNameARM",
    "awsCredentials",
    "kubernetesServiceConnection",
    "dockerRegistryServiceConnection",
    "containerRegistry",
    "serviceConnection",
];

static SET_SECRET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"##vso\[task\.setvariable\s+variable=([^;\]]+);[^\]]*issecret=true[^\]]*\]([^\x22'\s]*)",
    )
    .expect("constant regex")
});

impl Source for AzurePipelines {
    fn id(&self) -> &'static str {
        "azure.pipelines"
    }

    fn sniff(&self, path: &str, _head: &[u8]) -> bool {
        let lower = path.to_ascii_lowercase();
        let name = lower.rsplit('/').next().unwrap_or(&lower);
        (lower.ends_with(".yml") || lower.ends_with(".yaml"))
            && (name.starts_with("azure-pipelines")
                || name.starts_with(".azure-pipelines")
                || lower.contains(".azure-pipelines/"))
    }

    fn extract(&self, input: &Input<'_>, out: &mut Extracted) -> Result<(), SourceError> {
        let Some((root, origin)) = super::top_mapping(input, "an Azure pipeline")? else {
            return Ok(());
        };
        Pipeline {
            root,
            origin: &origin,
        }
        .extract(out);
        Ok(())
    }
}

struct Pipeline<'a> {
    root: &'a Map<String, Value>,
    origin: &'a Origin,
}

impl Pipeline<'_> {
    fn credential(&self, credential: &Credential, job: &str) -> Subject {
        let mut subject = credential.subject("azure.credential", PROVIDER, self.origin, job);
        subject.set("federation", FEDERATION);
        subject
    }

    fn extract(&self, out: &mut Extracted) {
        if let Some(vars) = self.root.get("variables") {
            for credential in variables(vars, &At::new(0, vec![Step::from("variables")])) {
                out.subjects
                    .push(self.credential(&credential, "(pipeline)"));
            }
        }
        let mut jobs: Vec<(&Map<String, Value>, At)> = Vec::new();
        if let Some(Value::Array(stages)) = self.root.get("stages") {
            for (s, stage) in stages.iter().enumerate() {
                let stage_at = At::new(0, vec![Step::from("stages"), Step::Index(s)]);
                if let Some(vars) = stage.get("variables") {
                    for credential in variables(vars, &stage_at.join("variables")) {
                        out.subjects.push(self.credential(&credential, "(stage)"));
                    }
                }
                if let Some(Value::Array(list)) = stage.get("jobs") {
                    for (j, job) in list.iter().enumerate() {
                        if let Some(map) = job.as_object() {
                            jobs.push((map, stage_at.join("jobs").join(j)));
                        }
                    }
                }
            }
        }
        if let Some(Value::Array(list)) = self.root.get("jobs") {
            for (j, job) in list.iter().enumerate() {
                if let Some(map) = job.as_object() {
                    jobs.push((map, At::new(0, vec![Step::from("jobs"), Step::Index(j)])));
                }
            }
        }
        if self.root.contains_key("steps") {
            jobs.push((self.root, At::new(0, Vec::new())));
        }
        for (job, at) in jobs {
            self.job(job, &at, out);
        }
    }

    fn job(&self, job: &Map<String, Value>, at: &At, out: &mut Extracted) {
        let name = ["job", "deployment"]
            .iter()
            .find_map(|k| job.get(*k).and_then(Value::as_str))
            .unwrap_or(if at.route.is_empty() {
                "(pipeline)"
            } else {
                "(job)"
            })
            .to_owned();
        let mut credentials = Vec::new();
        let mut connection = None;
        if let Some(vars) = job.get("variables") {
            credentials.extend(variables(vars, &at.join("variables")));
        }
        let mut lines = Vec::new();
        let steps = job.get("steps").or_else(|| {
            job.get("strategy")
                .and_then(|s| s.get("runOnce"))
                .and_then(|r| r.get("deploy"))
                .and_then(|d| d.get("steps"))
        });
        let steps_at = if job.contains_key("steps") {
            at.join("steps")
        } else {
            at.join("strategy")
                .join("runOnce")
                .join("deploy")
                .join("steps")
        };
        if let Some(Value::Array(steps)) = steps {
            for (i, step) in steps.iter().enumerate() {
                let step_at = steps_at.join(i);
                for key in SCRIPT_KEYS {
                    if let Some(script) = step.get(*key) {
                        script_lines(script, &step_at.join(*key), &mut lines);
                    }
                }
                if let Some(env) = step.get("env") {
                    credentials.extend(mapping_credentials(env, &step_at.join("env")));
                }
                if let Some(Value::Object(inputs)) = step.get("inputs") {
                    for (key, value) in inputs {
                        if SERVICE_CONNECTIONS.contains(&key.as_str()) && connection.is_none() {
                            connection = scalar(value).map(|v| format!("service connection {v}"));
                        }
                        if key == "inlineScript" || key == "script" {
                            script_lines(
                                value,
                                &step_at.join("inputs").join(key.as_str()),
                                &mut lines,
                            );
                        }
                    }
                    credentials.extend(
                        mapping_credentials(
                            &Value::Object(inputs.clone()),
                            &step_at.join("inputs"),
                        )
                        .into_iter()
                        .filter(|c| c.source == "literal"),
                    );
                }
            }
        }
        for (line, line_at) in &lines {
            if let Some(caps) = SET_SECRET.captures(line) {
                let value = caps.get(2).map_or("", |m| m.as_str());
                let variable = caps.get(1).map_or("", |m| m.as_str());
                credentials.push(Credential::new(variable, "secret", value, line_at.clone()));
            }
        }
        credentials.extend(script_credentials(&lines));
        let mut subject = job_subject("azure.job", PROVIDER, self.origin, &name, at);
        if let Some((image, image_at)) = self.image(job, at) {
            set_image(&mut subject, &image, &image_at);
        }
        let evidence = credentials
            .first()
            .map(|c| format!("{} {}", c.purpose, c.name))
            .or(connection)
            .or_else(|| {
                lines.iter().find_map(|(l, _)| {
                    secret_refs(l)
                        .first()
                        .map(|r| format!("$({r}) in its steps"))
                })
            });
        set_holds(&mut subject, evidence);
        for credential in &credentials {
            out.subjects.push(self.credential(credential, &name));
        }
        out.subjects.push(subject);
    }

    /// The job's container image: `container: image`, `container: {image}`, or an alias of
    /// `resources.containers`.
    fn image(&self, job: &Map<String, Value>, at: &At) -> Option<(String, At)> {
        let container = job.get("container")?;
        let (text, text_at) = match container {
            Value::String(s) => (s.clone(), at.join("container")),
            Value::Object(m) => (
                m.get("image").and_then(Value::as_str)?.to_owned(),
                at.join("container").join("image"),
            ),
            _ => return None,
        };
        if let Some(Value::Array(resources)) =
            self.root.get("resources").and_then(|r| r.get("containers"))
        {
            for (i, resource) in resources.iter().enumerate() {
                if resource.get("container").and_then(Value::as_str) == Some(text.as_str())
                    && let Some(image) = resource.get("image").and_then(Value::as_str)
                {
                    let route = vec![
                        Step::from("resources"),
                        Step::from("containers"),
                        Step::Index(i),
                        Step::from("image"),
                    ];
                    return Some((image.to_owned(), At::new(0, route)));
                }
            }
        }
        Some((text, text_at))
    }
}

/// Credentials in `variables:` as a mapping or a list of `{name, value}`.
fn variables(vars: &Value, at: &At) -> Vec<Credential> {
    match vars {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let name = item.get("name").and_then(Value::as_str)?;
                let value = item.get("value").and_then(scalar)?;
                Credential::from_variable(name, &value, at.join(i).join("value"))
            })
            .collect(),
        other => mapping_credentials(other, at),
    }
}
