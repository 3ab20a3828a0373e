//! `aws iam list-access-keys` output (`{"AccessKeyMetadata": [{UserName, AccessKeyId,
//! Status, CreateDate}, …]}`): one `aws.access_key` per entry, known under its access key
//! id, so that a key id found in a file joins to it. Several pages are several files; each
//! is read on its own and the keys add up.
//!
//! The key id is an identifier, not a secret, but it is what a leaked key's finding redacts,
//! so the inventory shows it redacted too; the identity key holds it whole, in memory only.

use serde_json::Value;

use crate::model::{Anchor, KeyKind, Step, Subject, redact};
use crate::reason;
use crate::sources::{Extracted, Input, Source, SourceError};

pub(crate) struct ListAccessKeys;

const LIST: &str = "AccessKeyMetadata";

impl Source for ListAccessKeys {
    fn id(&self) -> &'static str {
        "aws.list_access_keys"
    }

    fn sniff(&self, path: &str, head: &[u8]) -> bool {
        path.to_ascii_lowercase().ends_with(".json")
            && memchr::memmem::find(head, b"\"AccessKeyMetadata\"").is_some()
    }

    fn extract(&self, input: &Input<'_>, out: &mut Extracted) -> Result<(), SourceError> {
        let parsed = input.json();
        let Some(root) = parsed.document.values().first() else {
            return Err(SourceError(
                "not JSON; nothing could be read (see the parse error)".into(),
            ));
        };
        let Some(entries) = root.get(LIST).and_then(Value::as_array) else {
            return Err(SourceError(reason!(
                "no `{}` list at the top level: not `aws iam list-access-keys` output",
                LIST
            )));
        };
        let origin = input.origin_in(parsed);
        for (i, entry) in entries.iter().enumerate() {
            let route = |key: &str| vec![Step::from(LIST), Step::Index(i), Step::from(key)];
            let text = |key: &str| entry.get(key).and_then(Value::as_str);
            let (Some(user), Some(key_id)) = (text("UserName"), text("AccessKeyId")) else {
                out.problems.push(reason!(
                    "{}[{}] has no UserName or AccessKeyId; entry skipped",
                    LIST,
                    i
                ));
                continue;
            };
            let shown = redact(key_id);
            let mut key = Subject::new(
                "aws.access_key",
                "aws",
                format!("aws:iam:user/{user}#{shown}"),
                user,
            );
            key.origin = origin.clone();
            key.origin.whole = Some(Anchor::Route {
                doc: 0,
                route: vec![Step::from(LIST), Step::Index(i)],
            });
            key.set_from("user", user, 0, route("UserName")).set_from(
                "access_key_id",
                shown,
                0,
                route("AccessKeyId"),
            );
            if let Some(status) = text("Status") {
                key.set_from("status", status, 0, route("Status"));
            }
            if let Some(created) = text("CreateDate") {
                key.set_from("created", created, 0, route("CreateDate"));
            }
            key.add_key(KeyKind::AwsAccessKeyId, key_id);
            out.subjects.push(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_entry_is_a_key_located_at_its_fields() {
        let text = r#"{
  "AccessKeyMetadata": [
    {
      "UserName": "svc-deployer",
      "Status": "Active",
      "CreateDate": "2025-10-07T09:12:44Z",
      "AccessKeyId": "AKIAZ7RTQ2MXGH5KPL4Q"
    },
    { "UserName": "ci", "AccessKeyId": "AKIAOTHERKEYID000000", "Status": "Inactive" }
  ]
}"#;
        let path: std::sync::Arc<str> = "keys.json".into();
        let input = Input::new(&path, text.as_bytes());
        let mut out = Extracted::default();
        ListAccessKeys.extract(&input, &mut out).unwrap();
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let key = &out.subjects[0];
        assert_eq!(key.name, "svc-deployer");
        assert_eq!(key.attrs["status"], "Active");
        assert_eq!(key.attrs["access_key_id"], "AKIA…4Q");
        assert_eq!(
            key.keys,
            [crate::model::IdentityKey {
                kind: KeyKind::AwsAccessKeyId,
                value: "AKIAZ7RTQ2MXGH5KPL4Q".into()
            }]
        );
        let status = key.origin.span_of("status").unwrap();
        assert_eq!(
            (
                status.line,
                status.column,
                status.end_line,
                status.end_column
            ),
            (5, 17, 5, 24),
            "the value \"Active\" with its quotes"
        );
        let whole = key.origin.span().unwrap();
        assert_eq!((whole.line, whole.end_line), (3, 8));
        assert_eq!(out.subjects[1].origin.span_of("status").unwrap().line, 9);
    }

    #[test]
    fn other_json_is_an_error_not_a_crash() {
        let path: std::sync::Arc<str> = "x.json".into();
        for text in [
            "[1, 2]",
            "{\"AccessKeyMetadata\": 3}",
            "{\"AccessKeyMetadata\": [",
            "",
        ] {
            let input = Input::new(&path, text.as_bytes());
            let mut out = Extracted::default();
            assert!(ListAccessKeys.extract(&input, &mut out).is_err(), "{text}");
        }
    }
}
