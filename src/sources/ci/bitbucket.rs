//! Bitbucket Pipelines (`bitbucket-pipelines.yml`): one `bitbucket.step` per step of every
//! pipeline (default, branches, tags, pull requests, custom; inside `parallel` and `stage`
//! too), with its image; one `bitbucket.credential` per credential given to a pipe
//! (`variables:`), an image (`password`, `aws.secret-key`) or used by a script.

use serde_json::Value;

use super::vars::{
    At, Credential, job_subject, mapping_credentials, scalar, script_credentials, script_lines,
    secret_refs, set_holds, set_image,
};
use crate::model::{Origin, Step, Subject};
use crate::sources::{Extracted, Input, Source, SourceError};

pub(crate) struct Bitbucket;

const PROVIDER: &str = "bitbucket";
const FEDERATION: &str = "Bitbucket OIDC (oidc: true)";

impl Source for Bitbucket {
    fn id(&self) -> &'static str {
        "bitbucket.pipelines"
    }

    fn sniff(&self, path: &str, _head: &[u8]) -> bool {
        let lower = path.to_ascii_lowercase();
        let name = lower.rsplit('/').next().unwrap_or(&lower);
        name == "bitbucket-pipelines.yml" || name == "bitbucket-pipelines.yaml"
    }

    fn extract(&self, input: &Input<'_>, out: &mut Extracted) -> Result<(), SourceError> {
        let parsed = input.yaml();
        let Some(root) = parsed.document.values().first() else {
            return Ok(());
        };
        if !root.is_object() {
            return Err(SourceError(
                "not a Bitbucket pipeline: the top level is not a mapping".into(),
            ));
        }
        let origin = input.origin_in(parsed);
        let config = Config {
            root,
            origin: &origin,
        };
        let mut credentials = Vec::new();
        if let Some(image) = root.get("image") {
            credentials.extend(image_credentials(
                image,
                &At::new(0, vec![Step::from("image")]),
            ));
        }
        for credential in &credentials {
            out.subjects
                .push(config.credential(credential, "(pipeline)"));
        }
        if let Some(pipelines) = root.get("pipelines") {
            let mut steps = Vec::new();
            find_steps(
                pipelines,
                &At::new(0, vec![Step::from("pipelines")]),
                &mut steps,
            );
            for (step, at) in steps {
                config.step(step, &at, out);
            }
        }
        Ok(())
    }
}

/// Every `step:` below `value`, with its route (bounded depth).
fn find_steps<'a>(value: &'a Value, at: &At, out: &mut Vec<(&'a Value, At)>) {
    if at.route.len() > 16 {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "step" && child.is_object() {
                    out.push((child, at.join("step")));
                } else {
                    find_steps(child, &at.join(key.as_str()), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                find_steps(item, &at.join(i), out);
            }
        }
        _ => {}
    }
}

/// Credentials of an image: registry `password`, `aws.secret-key`.
fn image_credentials(image: &Value, at: &At) -> Vec<Credential> {
    let mut out = Vec::new();
    if let Some(password) = image.get("password").and_then(scalar) {
        out.push(Credential::new(
            "image password",
            "registry_password",
            &password,
            at.join("password"),
        ));
    }
    if let Some(secret) = image
        .get("aws")
        .and_then(|a| a.get("secret-key"))
        .and_then(scalar)
    {
        let mut credential = Credential::new(
            "aws secret-key",
            "cloud_key",
            &secret,
            at.join("aws").join("secret-key"),
        );
        credential.cloud = Some("aws");
        out.push(credential);
    }
    out
}

struct Config<'a> {
    root: &'a Value,
    origin: &'a Origin,
}

impl Config<'_> {
    fn credential(&self, credential: &Credential, step: &str) -> Subject {
        let mut subject = credential.subject("bitbucket.credential", PROVIDER, self.origin, step);
        subject.set("federation", FEDERATION);
        subject
    }

    fn step(&self, step: &Value, at: &At, out: &mut Extracted) {
        let name = step
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| at.display(), str::to_owned);
        let oidc = step.get("oidc").is_some_and(|v| v == true || v == "true");
        let mut credentials = Vec::new();
        let mut lines = Vec::new();
        for key in ["script", "after-script"] {
            let Some(Value::Array(items)) = step.get(key) else {
                continue;
            };
            for (i, item) in items.iter().enumerate() {
                let item_at = at.join(key).join(i);
                match item {
                    Value::Object(pipe) => {
                        if let Some(vars) = pipe.get("variables") {
                            credentials
                                .extend(mapping_credentials(vars, &item_at.join("variables")));
                        }
                    }
                    other => script_lines(other, &item_at, &mut lines),
                }
            }
        }
        if !oidc {
            credentials.extend(script_credentials(&lines));
        } else {
            credentials.retain(|c| c.purpose != "cloud_key" || c.source == "literal");
        }
        let (image, image_at) = match step.get("image") {
            Some(image) => (Some(image), at.join("image")),
            None => (
                self.root.get("image"),
                At::new(0, vec![Step::from("image")]),
            ),
        };
        if step.get("image").is_some() {
            credentials.extend(image_credentials(image.unwrap_or(&Value::Null), &image_at));
        }
        let mut subject = job_subject("bitbucket.step", PROVIDER, self.origin, &name, at);
        subject.set("oidc", oidc);
        let text = image.and_then(|i| {
            i.as_str()
                .map(|s| (s.to_owned(), image_at.clone()))
                .or_else(|| {
                    i.get("name")
                        .and_then(Value::as_str)
                        .map(|s| (s.to_owned(), image_at.join("name")))
                })
        });
        if let Some((text, text_at)) = text {
            set_image(&mut subject, &text, &text_at);
        }
        let evidence = credentials
            .first()
            .map(|c| format!("{} {}", c.purpose, c.name))
            .or_else(|| oidc.then(|| "oidc".to_owned()))
            .or_else(|| {
                step.get("deployment")
                    .and_then(Value::as_str)
                    .map(|d| format!("deployment {d}"))
            })
            .or_else(|| {
                lines.iter().find_map(|(l, _)| {
                    secret_refs(l)
                        .first()
                        .map(|r| format!("${r} in its script"))
                })
            });
        set_holds(&mut subject, evidence);
        for credential in &credentials {
            out.subjects.push(self.credential(credential, &name));
        }
        out.subjects.push(subject);
    }
}
