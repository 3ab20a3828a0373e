//! A subject is one NHI or asset an adapter found: an access key, a user, a certificate,
//! a secret in a file. Adapters fill in facts and say where each came from; rules judge
//! them; the assemble stage turns "where" into spans.

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use super::{InHistory, Route, Span, Step, field_steps};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subject {
    /// Dotted kind, `<provider or format>.<thing>`: `aws.access_key`, `x509.certificate`.
    pub kind: String,
    pub provider: String,
    /// Stable identity of the subject across runs (an ARN, a fingerprint, a key id).
    pub id: String,
    /// Human name (user name, certificate CN).
    pub name: String,
    pub attrs: Map<String, Value>,
    /// Values under which other inputs may know the same identity.
    #[serde(skip)]
    pub keys: Vec<IdentityKey>,
    /// What a detector matched, when this subject is a secret.
    #[serde(skip)]
    pub secret: Option<SecretFacts>,
    /// Other subjects correlation joined to this one (a leaked key's live identity).
    #[serde(skip)]
    pub related: Vec<Related>,
    /// Attribute paths whose values are secrets this subject's own rules report (the
    /// private key of a GCP service-account key): a detector matching inside one of them
    /// does not report it a second time.
    #[serde(skip)]
    pub holds: Vec<String>,
    #[serde(skip)]
    pub origin: Origin,
}

/// The kinds of identity key. Two subjects that carry equal keys of one kind are the same
/// identity seen in two inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum KeyKind {
    /// `AKIA…` / `ASIA…`: an AWS access key id (an identifier, not a secret).
    #[serde(rename = "aws.access_key_id")]
    AwsAccessKeyId,
    /// The `private_key_id` of a GCP service-account key.
    #[serde(rename = "gcp.private_key_id")]
    GcpPrivateKeyId,
    /// A GCP service account's e-mail address.
    #[serde(rename = "gcp.client_email")]
    GcpClientEmail,
    /// The GCP project a service-account key belongs to.
    #[serde(rename = "gcp.project_id")]
    GcpProjectId,
    /// The keyed hash of a secret's value (see `Secret::keyed_hash`).
    #[serde(rename = "secret.hash")]
    SecretHash,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwsAccessKeyId => "aws.access_key_id",
            Self::GcpPrivateKeyId => "gcp.private_key_id",
            Self::GcpClientEmail => "gcp.client_email",
            Self::GcpProjectId => "gcp.project_id",
            Self::SecretHash => "secret.hash",
        }
    }

    /// Parses the name rules use (`aws.access_key_id`).
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::AwsAccessKeyId,
            Self::GcpPrivateKeyId,
            Self::GcpClientEmail,
            Self::GcpProjectId,
            Self::SecretHash,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IdentityKey {
    pub kind: KeyKind,
    pub value: String,
}

/// What a detector found, kept apart from the attributes: the redacted value for evidence
/// and messages, the keyed hash for fingerprints. The raw value is gone by now.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretFacts {
    /// The code of the detector rule that matched.
    pub detector: String,
    pub redacted: String,
    pub hash: String,
    /// A companion secret found near the match: its name and redacted value.
    pub pair: Option<(String, String)>,
    /// Places in the input where the same detector found the same value, this one included;
    /// the others (at most `pipeline::MAX_SAME_SECRET_LISTED`) are related places labelled
    /// [`SAME_SECRET`].
    pub occurrences: u64,
}

/// The label of a related place that holds the same secret as the finding.
pub const SAME_SECRET: &str = "same secret";

/// Another subject joined to this one, shown as a related location.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    /// What the other place is, for people: `aws iam list-access-keys: svc-deployer's key (Active)`.
    pub label: String,
    pub origin: Origin,
}

/// Where something is in an input, as an adapter knows it: a span it measured (CSV column,
/// PEM block, regex match), or a route into the input's parsed document that the assemble
/// stage resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    At(Span),
    Route { doc: usize, route: Vec<Step> },
}

/// Resolves routes into a parsed document to spans (the document's span tree).
pub trait Locate: Send + Sync + std::fmt::Debug {
    /// The span of the deepest node on `route` that exists.
    fn resolve(&self, doc: usize, route: &[Step]) -> Option<Span>;
}

impl Locate for super::SpanTree {
    fn resolve(&self, doc: usize, route: &[Step]) -> Option<Span> {
        self.nearest(doc, route).map(|located| located.value.span)
    }
}

/// Where a subject and each of its attributes came from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// Path of the input, as reported.
    pub path: Arc<str>,
    /// The whole subject (a CSV row, a PEM block, a document node).
    pub whole: Option<Anchor>,
    /// Attribute paths (`status`, `policies[2]`) and where their values were read.
    pub attrs: Vec<(String, Anchor)>,
    /// The span tree of the input's document, when an anchor is a route.
    pub spans: Option<Arc<dyn Locate>>,
    /// The commit the input was first seen in, for a blob read from git history.
    pub commit: Option<InHistory>,
}

impl PartialEq for Origin {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.whole == other.whole && self.attrs == other.attrs
    }
}

impl Origin {
    pub fn new(path: Arc<str>) -> Self {
        Self {
            path,
            ..Self::default()
        }
    }

    fn resolve(&self, anchor: &Anchor, below: &[Step]) -> Option<Span> {
        match anchor {
            Anchor::At(span) => Some(*span),
            Anchor::Route { doc, route } => {
                let spans = self.spans.as_ref()?;
                let full: Vec<Step> = route.iter().chain(below).cloned().collect();
                spans.resolve(*doc, &full)
            }
        }
    }

    /// The span of the whole subject.
    pub fn span(&self) -> Option<Span> {
        self.whole.as_ref().and_then(|a| self.resolve(a, &[]))
    }

    /// The document route of attribute `field`, when it was read from a document: the route
    /// anchor of its longest recorded prefix, followed by the rest of the path.
    pub fn route_of(&self, field: &str) -> Option<Route> {
        let steps = field_steps(field)?;
        let (len, anchor) = self.anchor_for(&steps)?;
        match anchor {
            Anchor::Route { route, .. } => {
                Some(Route(route.iter().chain(&steps[len..]).cloned().collect()))
            }
            Anchor::At(_) => None,
        }
    }

    /// The anchor of the longest recorded prefix of `steps`, and that prefix's length.
    fn anchor_for(&self, steps: &[Step]) -> Option<(usize, &Anchor)> {
        self.attrs
            .iter()
            .filter_map(|(path, anchor)| {
                let prefix = field_steps(path)?;
                steps.starts_with(&prefix).then_some((prefix.len(), anchor))
            })
            .max_by_key(|(len, _)| *len)
    }

    /// The span of attribute `field` (`policies[2].name`): the anchor recorded for the
    /// longest prefix of the path; below a route anchor the rest of the path is followed
    /// into the document (attributes copied verbatim keep their keys), as deep as it exists.
    /// Falls back to the whole subject.
    pub fn span_of(&self, field: &str) -> Option<Span> {
        let steps = field_steps(field).unwrap_or_default();
        match self.anchor_for(&steps) {
            Some((len, anchor)) => self.resolve(anchor, &steps[len..]),
            None => None,
        }
        .or_else(|| self.span())
    }
}

impl Subject {
    pub fn new(kind: &str, provider: &str, id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            kind: kind.to_owned(),
            provider: provider.to_owned(),
            id: id.into(),
            name: name.into(),
            attrs: Map::new(),
            keys: Vec::new(),
            secret: None,
            related: Vec::new(),
            holds: Vec::new(),
            origin: Origin::default(),
        }
    }

    /// Sets an attribute; `Value::Null` records that the input said "none" (`N/A`).
    pub fn set(&mut self, key: &str, value: impl Into<Value>) -> &mut Self {
        self.attrs.insert(key.to_owned(), value.into());
        self
    }

    /// Sets an attribute read at a span the adapter measured.
    pub fn set_at(&mut self, key: &str, value: impl Into<Value>, span: Span) -> &mut Self {
        self.anchor(key, Anchor::At(span));
        self.set(key, value)
    }

    /// Sets an attribute copied from the node at `route` of document `doc`. Attributes
    /// below it (`key.sub[1]`) are located by following the same keys into the document.
    pub fn set_from(
        &mut self,
        key: &str,
        value: impl Into<Value>,
        doc: usize,
        route: Vec<Step>,
    ) -> &mut Self {
        self.anchor(key, Anchor::Route { doc, route });
        self.set(key, value)
    }

    /// Records where attribute path `field` was read, without setting a value.
    pub fn anchor(&mut self, field: &str, anchor: Anchor) -> &mut Self {
        self.origin.attrs.retain(|(path, _)| path != field);
        self.origin.attrs.push((field.to_owned(), anchor));
        self
    }

    pub fn add_key(&mut self, kind: KeyKind, value: impl Into<String>) -> &mut Self {
        self.keys.push(IdentityKey {
            kind,
            value: value.into(),
        });
        self
    }

    pub fn reference(&self) -> SubjectRef {
        SubjectRef {
            kind: self.kind.clone(),
            provider: self.provider.clone(),
            id: self.id.clone(),
            name: self.name.clone(),
        }
    }
}

/// The part of a subject that a finding carries.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SubjectRef {
    pub kind: String,
    pub provider: String,
    pub id: String,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Fake;

    impl Locate for Fake {
        fn resolve(&self, doc: usize, route: &[Step]) -> Option<Span> {
            let depth = u32::try_from(route.len()).ok()?;
            Some(Span::line(u32::try_from(doc).ok()? + depth, depth))
        }
    }

    #[test]
    fn nested_fields_follow_their_route_into_the_document() {
        let mut subject = Subject::new("k", "p", "id", "n");
        subject.origin.spans = Some(Arc::new(Fake));
        subject.origin.whole = Some(Anchor::At(Span::line(40, 1)));
        subject.set_from(
            "policies",
            Value::Null,
            0,
            vec![
                Step::Key("Users".into()),
                Step::Index(3),
                Step::Key("P".into()),
            ],
        );
        subject.set_at("status", "Active", Span::line(7, 3));
        assert_eq!(subject.origin.span_of("status"), Some(Span::line(7, 3)));
        assert_eq!(subject.origin.span_of("policies"), Some(Span::line(3, 3)));
        assert_eq!(
            subject.origin.span_of("policies[2].name"),
            Some(Span::line(5, 5)),
            "two more steps below the anchor"
        );
        assert_eq!(subject.origin.span_of("other"), Some(Span::line(40, 1)));
    }
}
