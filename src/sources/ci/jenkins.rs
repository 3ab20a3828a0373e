//! Jenkins pipelines (`Jenkinsfile`, `*.Jenkinsfile`), read as text: Groovy is not parsed.
//! Credential bindings (`X = credentials('id')`, `withCredentials([... variable: 'X' ...])`)
//! name the secret variables; one `jenkins.step` per line that writes one to a file, puts
//! one in a URL, or echoes one, and one `jenkins.credential` per credential-named
//! assignment of a literal. Spans are measured on the text.

use std::sync::LazyLock;

use regex::Regex;

use super::vars::{At, Credential, ci_subject, credential_purpose, shorten};
use crate::model::{Anchor, redact};
use crate::sources::{Extracted, Input, Source, SourceError};

pub(crate) struct Jenkins;

const PROVIDER: &str = "jenkins";

static BINDING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b([A-Za-z_][A-Za-z0-9_]*)\s*=\s*credentials\s*\(|\b(variable|passwordVariable|keyFileVariable|tokenVariable|passphraseVariable|secretVariable)\s*:\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]"#)
        .expect("constant regex")
});
static LITERAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*(["'])([^"'$\s]{4,})["']"#)
        .expect("constant regex")
});
static ECHO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(echo|println|print|printf)\b").expect("constant regex"));

impl Source for Jenkins {
    fn id(&self) -> &'static str {
        "jenkins.file"
    }

    fn sniff(&self, path: &str, _head: &[u8]) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        name == "jenkinsfile" || name.ends_with(".jenkinsfile") || name.starts_with("jenkinsfile.")
    }

    fn extract(&self, input: &Input<'_>, out: &mut Extracted) -> Result<(), SourceError> {
        let text = String::from_utf8_lossy(input.bytes);
        let mut secrets: Vec<String> = Vec::new();
        for caps in BINDING.captures_iter(&text) {
            if let Some(name) = caps.get(1) {
                secrets.push(name.as_str().to_owned());
                secrets.push(format!("{}_PSW", name.as_str()));
            } else if let Some(name) = caps.get(3) {
                secrets.push(name.as_str().to_owned());
            }
        }
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let body = line.trim_end();
            let trimmed = body.trim_start();
            if trimmed.starts_with("//") || trimmed.starts_with('*') || trimmed.starts_with("/*") {
                continue;
            }
            let begin = start + (body.len() - trimmed.len());
            let span = input.span(begin, start + body.len());
            if let Some(variable) = secrets.iter().find(|s| mentions(trimmed, s)) {
                let kind = if trimmed.contains("://") && trimmed.contains('@') {
                    Some("in_url")
                } else if trimmed.contains('>') || trimmed.contains("writeFile") {
                    Some("written_to_file")
                } else if ECHO.is_match(trimmed) {
                    Some("echoed")
                } else {
                    None
                };
                if let Some(kind) = kind {
                    let mut step = ci_subject(
                        "jenkins.step",
                        PROVIDER,
                        &input.origin(),
                        format!("{}#{}", input.path, input.line_of(begin)),
                        &shorten(trimmed),
                    );
                    step.origin.whole = Some(Anchor::At(span));
                    step.set_at("kind", kind, span)
                        .set_at("variable", variable.as_str(), span)
                        .set_at("command", shorten(trimmed), span);
                    out.subjects.push(step);
                }
            }
            if trimmed.contains("credentials(")
                || trimmed.contains("Variable")
                || trimmed.contains("credentialsId")
            {
                continue;
            }
            for caps in LITERAL.captures_iter(body) {
                let (Some(name), Some(value)) = (caps.get(1), caps.get(3)) else {
                    continue;
                };
                let Some(purpose) = credential_purpose(name.as_str()) else {
                    continue;
                };
                let credential = Credential::new(
                    name.as_str(),
                    purpose,
                    value.as_str(),
                    At::new(0, Vec::new()),
                );
                if credential.source != "literal" {
                    continue;
                }
                let value_span = input.span(start + value.start(), start + value.end());
                let mut subject = ci_subject(
                    "jenkins.credential",
                    PROVIDER,
                    &input.origin(),
                    format!("{}#{}", input.path, input.line_of(begin)),
                    name.as_str(),
                );
                subject.origin.whole = Some(Anchor::At(value_span));
                subject
                    .set("job", "(pipeline)")
                    .set("name", name.as_str())
                    .set("purpose", purpose)
                    .set_at("value_source", "literal", value_span)
                    .set_at("value", redact(value.as_str()), value_span);
                out.subjects.push(subject);
            }
        }
        Ok(())
    }
}

/// Whether `line` refers to variable `name` (`$X`, `${X}`, `env.X`).
fn mentions(line: &str, name: &str) -> bool {
    [
        format!("${name}"),
        format!("${{{name}}}"),
        format!("env.{name}"),
    ]
    .iter()
    .any(|form| {
        line.match_indices(form.as_str()).any(|(i, m)| {
            !line[i + m.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    })
}
