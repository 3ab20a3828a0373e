//! Kubernetes RBAC objects in YAML manifests (every `---` document) and JSON, each object on
//! its own or inside a `kind: List` (what `kubectl get … -o yaml|json` prints):
//!
//! - `RoleBinding` / `ClusterRoleBinding` → `k8s.role_binding`: `kind`, `name`, `namespace`,
//!   `labels`, `roleRef` and `subjects` copied verbatim, keys as in the manifest, so that a
//!   rule on `subjects[1].kind` is located at that value;
//! - `Role` / `ClusterRole` → `k8s.role`: `rules` verbatim, and facts derived from them,
//!   each anchored at the first rule that makes it true: `wildcard` (a rule with `*` in both
//!   verbs and resources), `reads_secrets` (get, list, watch or `*` on `secrets` or `*` in the
//!   core API group);
//! - `ServiceAccount` → `k8s.service_account`: `name`, `namespace`,
//!   `automountServiceAccountToken` when set.
//!
//! Every subject also says whether it is one of the API server's bootstrap defaults
//! (`platform_default`: the label `kubernetes.io/bootstrapping: rbac-defaults`). Other kinds
//! are ignored; an RBAC object without a name is skipped with a problem.

use serde_json::{Map, Value};

use crate::model::{Anchor, Parsed, Step, Subject};
use crate::sources::{Extracted, Input, Source, SourceError};

pub(crate) struct Rbac;

const KINDS: [&str; 5] = [
    "RoleBinding",
    "ClusterRoleBinding",
    "Role",
    "ClusterRole",
    "ServiceAccount",
];

const BOOTSTRAP_LABEL: &str = "kubernetes.io/bootstrapping";

impl Source for Rbac {
    fn id(&self) -> &'static str {
        "k8s.rbac"
    }

    fn sniff(&self, path: &str, head: &[u8]) -> bool {
        let path = path.to_ascii_lowercase();
        [".yaml", ".yml", ".json"].iter().any(|e| path.ends_with(e)) && names_rbac_kind(head)
    }

    fn extract(&self, input: &Input<'_>, out: &mut Extracted) -> Result<(), SourceError> {
        let json = input.path.to_ascii_lowercase().ends_with(".json");
        let parsed = if json { input.json() } else { input.yaml() };
        if parsed.document.values().is_empty() && parsed.is_truncated() {
            return Err(SourceError(crate::reason!(
                "not {}; nothing could be read (see the parse error)",
                if json { "JSON" } else { "YAML" }
            )));
        }
        let reader = Reader { input, parsed };
        for (doc, value) in parsed.document.values().iter().enumerate() {
            let items = (value.get("kind").and_then(Value::as_str) == Some("List"))
                .then(|| value.get("items").and_then(Value::as_array))
                .flatten();
            match items {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        reader.object(item, doc, vec![Step::from("items"), Step::Index(i)], out);
                    }
                }
                None => reader.object(value, doc, Vec::new(), out),
            }
        }
        Ok(())
    }
}

/// Whether `kind: <K>` or `"kind": "<K>"` occurs for one of `KINDS`.
fn names_rbac_kind(head: &[u8]) -> bool {
    memchr::memmem::find_iter(head, b"kind").any(|at| {
        let rest = &head[at + 4..];
        let rest = rest.strip_prefix(b"\"").unwrap_or(rest);
        let rest = rest.trim_ascii_start();
        let Some(rest) = rest.strip_prefix(b":") else {
            return false;
        };
        let rest = rest.trim_ascii_start();
        let rest = rest
            .strip_prefix(b"\"")
            .or_else(|| rest.strip_prefix(b"'"))
            .unwrap_or(rest);
        let word_end = rest
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        KINDS.iter().any(|k| k.as_bytes() == &rest[..word_end])
    })
}

struct Reader<'i, 'a> {
    input: &'i Input<'a>,
    parsed: &'i Parsed,
}

impl Reader<'_, '_> {
    /// One object at `base` in document `doc`: a subject when it is an RBAC kind.
    fn object(&self, object: &Value, doc: usize, base: Vec<Step>, out: &mut Extracted) {
        let Some(fields) = object.as_object() else {
            return;
        };
        let Some(kind) = fields.get("kind").and_then(Value::as_str) else {
            return;
        };
        let subject_kind = match kind {
            "RoleBinding" | "ClusterRoleBinding" => "k8s.role_binding",
            "Role" | "ClusterRole" => "k8s.role",
            "ServiceAccount" => "k8s.service_account",
            _ => return,
        };
        let at = |keys: &[&str]| -> Vec<Step> {
            base.iter()
                .cloned()
                .chain(keys.iter().map(|k| Step::from(*k)))
                .collect()
        };
        let metadata = fields.get("metadata").and_then(Value::as_object);
        let text = |key: &str| metadata?.get(key)?.as_str();
        let Some(name) = text("name") else {
            out.problems.push(crate::reason!(
                "document {}{}: {} without metadata.name; skipped",
                doc + 1,
                crate::model::InputText::new(described(&base)),
                crate::model::InputText::new(kind)
            ));
            return;
        };
        let cluster_scoped = kind.starts_with("Cluster");
        let namespace = text("namespace").filter(|_| !cluster_scoped);
        let scope = match namespace {
            Some(namespace) => namespace,
            None if cluster_scoped => "_cluster",
            None => "_unset",
        };
        let mut subject = Subject::new(
            subject_kind,
            "k8s",
            format!("k8s:{kind}/{scope}/{name}"),
            name,
        );
        subject.origin = self.input.origin_in(self.parsed);
        subject.origin.whole = Some(Anchor::Route {
            doc,
            route: base.clone(),
        });
        subject.set_from("kind", kind, doc, at(&["kind"])).set_from(
            "name",
            name,
            doc,
            at(&["metadata", "name"]),
        );
        if let Some(namespace) = namespace {
            subject.set_from("namespace", namespace, doc, at(&["metadata", "namespace"]));
        }
        let labels = metadata.and_then(|m| m.get("labels"));
        if let Some(labels) = labels.filter(|l| l.is_object()) {
            subject.set_from("labels", labels.clone(), doc, at(&["metadata", "labels"]));
        }
        let bootstrap = labels.and_then(|l| l.get(BOOTSTRAP_LABEL));
        subject.set(
            "platform_default",
            bootstrap == Some(&"rbac-defaults".into()),
        );
        if bootstrap.is_some() {
            subject.anchor(
                "platform_default",
                Anchor::Route {
                    doc,
                    route: at(&["metadata", "labels", BOOTSTRAP_LABEL]),
                },
            );
        }
        let mut copy = |key: &str| {
            if let Some(value) = fields.get(key) {
                subject.set_from(key, value.clone(), doc, at(&[key]));
            }
        };
        match subject_kind {
            "k8s.role_binding" => {
                copy("roleRef");
                copy("subjects");
            }
            "k8s.role" => {
                copy("rules");
                let rules = fields.get("rules").and_then(Value::as_array);
                derive(
                    &mut subject,
                    rules,
                    "wildcard",
                    is_wildcard,
                    doc,
                    &at(&["rules"]),
                );
                derive(
                    &mut subject,
                    rules,
                    "reads_secrets",
                    reads_secrets,
                    doc,
                    &at(&["rules"]),
                );
            }
            _ => copy("automountServiceAccountToken"),
        }
        out.subjects.push(subject);
    }
}

/// ` (items[3])` for an object inside a list, nothing for a whole document.
fn described(base: &[Step]) -> String {
    if base.is_empty() {
        String::new()
    } else {
        format!(" ({})", crate::model::Route(base.to_vec()))
    }
}

/// Sets `attr` to whether any rule satisfies `test`, anchored at the first one that does.
fn derive(
    subject: &mut Subject,
    rules: Option<&Vec<Value>>,
    attr: &str,
    test: fn(&Map<String, Value>) -> bool,
    doc: usize,
    rules_route: &[Step],
) {
    let first = rules
        .into_iter()
        .flatten()
        .position(|rule| rule.as_object().is_some_and(test));
    subject.set(attr, first.is_some());
    if let Some(i) = first {
        let mut route = rules_route.to_vec();
        route.push(Step::Index(i));
        subject.anchor(attr, Anchor::Route { doc, route });
    }
}

/// Whether the list `key` of a policy rule holds one of `wanted`.
fn lists(rule: &Map<String, Value>, key: &str, wanted: &[&str]) -> bool {
    rule.get(key).and_then(Value::as_array).is_some_and(|l| {
        l.iter()
            .filter_map(Value::as_str)
            .any(|v| wanted.contains(&v))
    })
}

fn is_wildcard(rule: &Map<String, Value>) -> bool {
    lists(rule, "verbs", &["*"]) && lists(rule, "resources", &["*"])
}

/// Secrets are in the core API group (`""`); a rule that names no group is read as core.
fn reads_secrets(rule: &Map<String, Value>) -> bool {
    let core = !rule.contains_key("apiGroups") || lists(rule, "apiGroups", &["", "*"]);
    core && lists(rule, "verbs", &["get", "list", "watch", "*"])
        && lists(rule, "resources", &["secrets", "*"])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extract(path: &str, text: &str) -> Extracted<'static> {
        let path: std::sync::Arc<str> = path.into();
        let input = Input::new(&path, text.as_bytes());
        let mut out = Extracted::default();
        Rbac.extract(&input, &mut out).unwrap();
        out
    }

    #[test]
    fn claims_rbac_kinds_only() {
        let yes = [
            "kind: ClusterRoleBinding\n",
            "apiVersion: v1\nkind:   'Role'\n",
            "{\"kind\": \"ServiceAccount\"}",
            "{\"kind\":\"List\",\"items\":[{\"kind\":\"RoleBinding\"}]}",
        ];
        for head in yes {
            assert!(Rbac.sniff("a.yaml", head.as_bytes()), "{head}");
        }
        for head in [
            "kind: Deployment\n",
            "kind: Roles\n",
            "kind: RoleBindingX",
            "Role",
        ] {
            assert!(!Rbac.sniff("a.yaml", head.as_bytes()), "{head}");
        }
        assert!(!Rbac.sniff("a.txt", b"kind: Role\n"));
    }

    #[test]
    fn nested_binding_values_are_located_in_their_document() {
        let text = "kind: ServiceAccount\nmetadata: {name: ci, namespace: build}\n---\n\
kind: ClusterRoleBinding\nmetadata:\n  name: ci-admin\nroleRef: {kind: ClusterRole, name: cluster-admin}\n\
subjects:\n- kind: User\n  name: alice\n- kind: ServiceAccount\n  name: ci\n  namespace: build\n";
        let out = extract("rbac.yaml", text);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let sa = &out.subjects[0];
        assert_eq!(sa.id, "k8s:ServiceAccount/build/ci");
        let binding = &out.subjects[1];
        assert_eq!(binding.id, "k8s:ClusterRoleBinding/_cluster/ci-admin");
        assert_eq!(binding.attrs["subjects"][1]["kind"], "ServiceAccount");
        let kind = binding.origin.span_of("subjects[1].kind").unwrap();
        assert_eq!(
            (kind.line, kind.column, kind.end_line, kind.end_column),
            (11, 9, 11, 22)
        );
        assert_eq!(
            binding.origin.route_of("roleRef.name").unwrap().to_string(),
            "roleRef.name"
        );
    }

    #[test]
    fn derived_facts_point_at_the_rule_that_causes_them() {
        let text = r#"{"kind": "List", "items": [
 {"kind": "Role", "metadata": {"name": "r", "namespace": "n"}, "rules": [
   {"apiGroups": ["apps"], "resources": ["*"], "verbs": ["get"]},
   {"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]},
   {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]},
 {"kind": "ClusterRole", "metadata": {"name": "plain"}}
]}"#;
        let out = extract("roles.json", text);
        let role = &out.subjects[0];
        assert_eq!(role.attrs["reads_secrets"], true);
        assert_eq!(role.attrs["wildcard"], true);
        assert_eq!(
            role.origin.route_of("reads_secrets").unwrap().to_string(),
            "items[0].rules[1]"
        );
        assert_eq!(role.origin.span_of("wildcard").unwrap().line, 5);
        let plain = &out.subjects[1];
        assert_eq!(plain.attrs["wildcard"], false);
        assert_eq!(plain.attrs["reads_secrets"], false);
    }

    #[test]
    fn objects_without_a_name_are_skipped_with_a_problem() {
        let out = extract(
            "x.yaml",
            "kind: List\nitems:\n- kind: Role\n  metadata: {}\n- kind: Role\n  metadata: {name: ok}\n",
        );
        assert_eq!(
            out.problems,
            ["document 1 (items[0]): Role without metadata.name; skipped"]
        );
        assert_eq!(out.subjects.len(), 1);
        for text in [
            "kind: Role\n",
            "kind: Role\nmetadata: 3\n",
            "- kind: Role\n",
            "kind: [Role]\n",
        ] {
            extract("y.yaml", text);
        }
    }
}
