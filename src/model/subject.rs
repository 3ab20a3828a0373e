//! A subject is one NHI or asset an adapter found: an access key, a user, a certificate,
//! a secret in a file. Adapters fill in facts; rules judge them.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::Span;

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
    #[serde(skip)]
    pub origin: Origin,
}

/// Where a subject and each of its attributes came from in the input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Origin {
    /// Path of the input, as reported (relative to the root it was found under).
    pub path: String,
    /// Span of the whole subject (a CSV row, a PEM block).
    pub span: Option<Span>,
    /// Span of each top-level attribute whose position in the input is known.
    pub attrs: BTreeMap<String, Span>,
}

impl Subject {
    pub fn new(kind: &str, provider: &str, id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            kind: kind.to_owned(),
            provider: provider.to_owned(),
            id: id.into(),
            name: name.into(),
            attrs: Map::new(),
            origin: Origin::default(),
        }
    }

    /// Sets an attribute; `Value::Null` records that the input said "none" (`N/A`).
    pub fn set(&mut self, key: &str, value: impl Into<Value>) -> &mut Self {
        self.attrs.insert(key.to_owned(), value.into());
        self
    }

    /// Sets an attribute together with the span it was read from.
    pub fn set_at(&mut self, key: &str, value: impl Into<Value>, span: Span) -> &mut Self {
        self.origin.attrs.insert(key.to_owned(), span);
        self.set(key, value)
    }

    /// The span of an attribute given as a field path (`a.b[0]` → `a`), else the subject's.
    pub fn span_of(&self, field: &str) -> Option<Span> {
        let top = field.split(['.', '[']).next().unwrap_or(field);
        self.origin.attrs.get(top).copied().or(self.origin.span)
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
