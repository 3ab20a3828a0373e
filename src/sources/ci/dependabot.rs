//! Dependabot configuration (`.github/dependabot.yml|yaml`): the private registries it logs
//! into. One `dependabot.credential` per credential-named key of a registry (`password`,
//! `token`, `key`, …), a literal (redacted) or a `${{ secrets.NAME }}` reference.

use serde_json::Value;

use super::{is_credential_key, value_form};
use crate::model::{Anchor, Step, Subject, redact};
use crate::sources::{Extracted, Input, Source, SourceError};

pub(crate) struct Dependabot;

pub(crate) const PLATFORM: &str = "github-dependabot";

impl Source for Dependabot {
    fn id(&self) -> &'static str {
        "gha.dependabot"
    }

    fn sniff(&self, path: &str, head: &[u8]) -> bool {
        let lower = path.to_ascii_lowercase().replace('\\', "/");
        let name = lower.rsplit('/').next().unwrap_or(&lower);
        (name == "dependabot.yml" || name == "dependabot.yaml")
            && (lower.contains(".github/")
                || memchr::memmem::find(head, b"updates:").is_some()
                || memchr::memmem::find(head, b"registries:").is_some())
    }

    fn extract(&self, input: &Input<'_>, out: &mut Extracted) -> Result<(), SourceError> {
        let parsed = input.yaml();
        let Some(root) = parsed.document.values().first() else {
            return Err(SourceError(
                "not YAML; read as text only (see the parse error)".into(),
            ));
        };
        let Some(registries) = root.get("registries").and_then(Value::as_object) else {
            return Ok(());
        };
        let origin = input.origin_in(parsed);
        let path = input.path.to_string();
        for (name, registry) in registries {
            let Some(registry) = registry.as_object() else {
                continue;
            };
            for (key, value) in registry {
                if !(key == "key" || is_credential_key(key)) {
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
                let route = vec![
                    Step::from("registries"),
                    Step::from(name.as_str()),
                    Step::from(key.as_str()),
                ];
                let form = value_form(&text);
                let mut s = Subject::new(
                    "dependabot.credential",
                    "github",
                    format!("{path}#registries.{name}.{key}"),
                    key,
                );
                s.origin = origin.clone();
                s.origin.whole = Some(Anchor::Route {
                    doc: 0,
                    route: route.clone(),
                });
                s.set(super::PLATFORM, PLATFORM)
                    .set("workflow", path.as_str())
                    .set("job", format!("registry {name}"))
                    .set("registry", name.as_str())
                    .set("key", key.as_str())
                    .set("form", form);
                for attr in ["type", "url"] {
                    if let Some(v) = registry.get(attr) {
                        s.set(attr, v.clone());
                    }
                }
                let shown = if form == "literal" {
                    redact(&text)
                } else {
                    text.clone()
                };
                s.set_from("value", shown, 0, route.clone());
                let anchor = Anchor::Route { doc: 0, route };
                s.anchor("form", anchor.clone()).anchor("key", anchor);
                out.subjects.push(s);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claimed_by_name_under_github_or_by_its_keys() {
        assert!(Dependabot.sniff(".github/dependabot.yml", b""));
        assert!(Dependabot.sniff("x/dependabot.yaml", b"version: 2\nupdates: []\n"));
        assert!(!Dependabot.sniff("x/dependabot.yml", b"other: 1\n"));
        assert!(!Dependabot.sniff(".github/workflows/ci.yml", b"registries:\n"));
    }

    #[test]
    fn odd_documents_are_no_crash() {
        for text in [
            "registries: [1, 2]\n",
            "- a\n",
            "",
            "registries:\n  r: 3\n  s: {password: [1]}\n",
        ] {
            let path: std::sync::Arc<str> = ".github/dependabot.yml".into();
            let input = Input::new(&path, text.as_bytes());
            let mut out = Extracted::default();
            let _ = Dependabot.extract(&input, &mut out);
            assert!(out.subjects.is_empty(), "{text:?}");
        }
    }
}
