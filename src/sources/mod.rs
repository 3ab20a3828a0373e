//! Input adapters, one per format. An adapter claims a file by path and first bytes, and
//! turns it into subjects: facts with the span each was read from. Adapters never decide
//! what is bad, and nothing here knows about rules or reports.
//!
//! Adding a format: one file here, one line in `SOURCES`, and `fixtures/sources/<id>/`.

pub(crate) mod aws_credential_report;
pub(crate) mod text;
pub(crate) mod x509;

use crate::model::Subject;

/// One input handed to an adapter.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The path as reported (relative to its scan root where possible).
    pub path: &'a str,
    pub bytes: &'a [u8],
}

/// Why an adapter could not read an input it had claimed (an input error, not a bug).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub String);

/// What an adapter got out of one input: subjects, and problems with parts of it that did
/// not stop it (a truncated last row, one bad certificate among several).
#[derive(Debug, Default)]
pub struct Extracted {
    pub subjects: Vec<Subject>,
    pub problems: Vec<String>,
}

/// An input format nhiscan understands.
pub trait Source: Sync {
    /// Stable identifier, also the fixture folder name: `aws.credential_report`.
    fn id(&self) -> &'static str;
    /// Cheap claim from the path and the first bytes (up to 8 KiB); no parsing.
    fn sniff(&self, path: &str, head: &[u8]) -> bool;
    /// Parses one input. An `Err` means nothing usable could be read from it.
    fn extract(&self, input: &Input<'_>) -> Result<Extracted, SourceError>;
}

/// Every structured adapter, in the order they are offered a file. Text (secrets) is not
/// in this list: every text file goes through the detectors (see `text`).
pub static SOURCES: &[&dyn Source] = &[&aws_credential_report::CredentialReport, &x509::X509];

/// The identifiers of all adapters, `text` included (fixture folders are named after them).
pub fn source_ids() -> Vec<&'static str> {
    let mut ids: Vec<_> = SOURCES.iter().map(|s| s.id()).collect();
    ids.push(text::ID);
    ids.sort_unstable();
    ids
}
