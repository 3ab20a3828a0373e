//! A GCP service-account key file (`{"type": "service_account", "project_id", "private_key_id",
//! "private_key", "client_email", …}`, as `gcloud iam service-accounts keys create` writes it):
//! one `gcp.service_account_key` subject, known under its `client_email`, `project_id` and
//! `private_key_id`, so that a finding names the service account rather than "a private key".
//!
//! The private key itself is recorded redacted, and claimed (`Subject::holds`): the detectors
//! that match the PEM block inside it do not report it a second time.

use serde_json::Value;

use crate::model::{Anchor, KeyKind, Step, Subject, redact};
use crate::sources::{Extracted, Input, Source, SourceError};

pub(crate) struct ServiceAccountKey;

const TYPE: &str = "service_account";

impl Source for ServiceAccountKey {
    fn id(&self) -> &'static str {
        "gcp.service_account_key"
    }

    fn sniff(&self, _path: &str, head: &[u8]) -> bool {
        let has = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
        head.trim_ascii_start().starts_with(b"{")
            && has(b"\"service_account\"")
            && has(b"\"private_key\"")
            && has(b"\"client_email\"")
    }

    fn extract(&self, input: &Input<'_>, out: &mut Extracted) -> Result<(), SourceError> {
        let parsed = input.json();
        let Some(root) = parsed.document.values().first() else {
            return Err(SourceError(
                "not JSON; nothing could be read (see the parse error)".into(),
            ));
        };
        let text = |key: &str| root.get(key).and_then(Value::as_str);
        if text("type") != Some(TYPE) {
            return Ok(());
        }
        let Some(email) = text("client_email") else {
            return Err(SourceError(
                "a service-account key without `client_email`".into(),
            ));
        };
        let key_id = text("private_key_id").unwrap_or("");
        let mut key = Subject::new(
            "gcp.service_account_key",
            "gcp",
            format!("gcp:{email}#{key_id}"),
            email,
        );
        key.origin = input.origin_in(parsed);
        key.origin.whole = Some(Anchor::Route {
            doc: 0,
            route: Vec::new(),
        });
        let route = |field: &str| vec![Step::from(field)];
        key.set_from("client_email", email, 0, route("client_email"));
        key.add_key(KeyKind::GcpClientEmail, email);
        for (field, kind) in [
            ("project_id", Some(KeyKind::GcpProjectId)),
            ("private_key_id", Some(KeyKind::GcpPrivateKeyId)),
            ("client_id", None),
        ] {
            if let Some(value) = text(field).filter(|v| !v.is_empty()) {
                key.set_from(field, value, 0, route(field));
                if let Some(kind) = kind {
                    key.add_key(kind, value);
                }
            }
        }
        if let Some(private_key) = text("private_key").filter(|v| !v.trim().is_empty()) {
            let body: String = private_key
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect();
            key.set_from("private_key", redact(body.trim()), 0, route("private_key"));
            key.holds.push("private_key".to_owned());
        }
        out.subjects.push(key);
        Ok(())
    }
}
