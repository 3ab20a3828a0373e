//! Input adapters, one per format. An adapter claims an input by path and first bytes and
//! turns it into subjects: facts, each recorded with where it was read (a span it
//! measured, or a route into the parsed document). Adapters never decide what is bad, never
//! compute line numbers of routes, and know nothing about rules or reports.
//!
//! Adding a format: one file here, one line in `SOURCES`, and `fixtures/sources/<id>/`.

pub(crate) mod aws;
pub(crate) mod ci;
pub(crate) mod gcp;
pub(crate) mod k8s;
pub(crate) mod private_key;
pub(crate) mod text;
pub(crate) mod x509;

use std::sync::{Arc, OnceLock};

use crate::model::{Document, Limits, LineIndex, Origin, Parsed, Reason, Span, Subject};

/// One input handed to the adapters that claimed it. Derived forms (line index, parsed
/// document) are computed once, on first use, and shared by every adapter.
pub struct Input<'a> {
    /// The path as reported.
    pub path: &'a Arc<str>,
    pub bytes: &'a [u8],
    lines: OnceLock<LineIndex>,
    yaml: OnceLock<Parsed>,
    json: OnceLock<Parsed>,
}

impl<'a> Input<'a> {
    pub fn new(path: &'a Arc<str>, bytes: &'a [u8]) -> Self {
        Self {
            path,
            bytes,
            lines: OnceLock::new(),
            yaml: OnceLock::new(),
            json: OnceLock::new(),
        }
    }

    /// The input parsed as YAML (every document), once, however many adapters ask.
    pub fn yaml(&self) -> &Parsed {
        self.yaml.get_or_init(|| {
            Document::parse_yaml(&String::from_utf8_lossy(self.bytes), &Limits::default())
        })
    }

    /// The input parsed as JSON, once, however many adapters ask.
    pub fn json(&self) -> &Parsed {
        self.json.get_or_init(|| {
            Document::parse_json(&String::from_utf8_lossy(self.bytes), &Limits::default())
        })
    }

    /// The documents parsed so far, for reporting their errors once.
    pub fn parsed(&self) -> impl Iterator<Item = &Parsed> {
        self.yaml.get().into_iter().chain(self.json.get())
    }

    /// An origin in this input whose anchors may be routes into `parsed`.
    pub fn origin_in(&self, parsed: &Parsed) -> Origin {
        let mut origin = self.origin();
        let spans: Arc<dyn crate::model::Locate> = parsed.document.spans();
        origin.spans = Some(spans);
        origin
    }

    fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(self.bytes))
    }

    /// The span of bytes `start..end`.
    pub fn span(&self, start: usize, end: usize) -> Span {
        self.lines().span(self.bytes, start, end)
    }

    /// 1-based line of byte `offset`.
    pub fn line_of(&self, offset: usize) -> u32 {
        self.lines().position(self.bytes, offset).0
    }

    /// An origin in this input, for a new subject.
    pub fn origin(&self) -> Origin {
        Origin::new(Arc::clone(self.path))
    }
}

/// Why an adapter could not read an input it had claimed (an input error, not a bug). A
/// `Reason` (built with `reason!`), so text from the input is quoted only redacted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub Reason);

/// What an adapter got out of one input: subjects, and problems with parts of it that did
/// not stop it (a truncated last row, one bad certificate among several).
#[derive(Default)]
pub struct Extracted<'s> {
    pub subjects: Vec<Subject>,
    pub problems: Vec<Reason>,
    /// Subjects given with [`Extracted::push_final`], not yet handed to the sink.
    pub finals: Vec<Subject>,
    /// Takes full batches of final subjects while the adapter runs (the pipeline judges
    /// them there and then and keeps only what the report needs).
    pub sink: Option<&'s mut dyn FnMut(Vec<Subject>)>,
}

/// Final subjects handed to the sink at once.
pub const FINAL_BATCH: usize = 4096;

impl Extracted<'_> {
    /// Adds a subject that nothing after its adapter changes: it has no identity key to be
    /// joined on, holds no secret and is no CI configuration (a credential report row). In
    /// an input with many of them, they are judged in batches while the adapter runs, so
    /// memory does not grow with the input.
    pub fn push_final(&mut self, subject: Subject) {
        self.finals.push(subject);
        if self.finals.len() >= FINAL_BATCH
            && let Some(sink) = self.sink.as_mut()
        {
            sink(std::mem::take(&mut self.finals));
        }
    }
}

impl std::fmt::Debug for Extracted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extracted")
            .field("subjects", &self.subjects)
            .field("problems", &self.problems)
            .field("finals", &self.finals)
            .finish_non_exhaustive()
    }
}

/// An input format nhiscan understands.
pub trait Source: Sync {
    /// Stable identifier, also the fixture folder name: `aws.credential_report`.
    fn id(&self) -> &'static str;
    /// Cheap claim from the path and the first bytes (up to 8 KiB); no parsing.
    fn sniff(&self, path: &str, head: &[u8]) -> bool;
    /// Reads one input into `out`. An `Err` means nothing usable could be read from it.
    fn extract(&self, input: &Input<'_>, out: &mut Extracted) -> Result<(), SourceError>;
}

/// Every structured adapter, in the order they are offered a file. Text (secrets) is not
/// in this list: every text file goes through the detectors (see `text`).
pub static SOURCES: &[&dyn Source] = &[
    &aws::credential_report::CredentialReport,
    &aws::list_access_keys::ListAccessKeys,
    &k8s::rbac::Rbac,
    &ci::github::Workflow,
    &ci::github::CompositeAction,
    &ci::dependabot::Dependabot,
    &x509::X509,
    &gcp::service_account_key::ServiceAccountKey,
    &ci::gitlab::GitLab,
    &ci::circleci::CircleCi,
    &ci::azure::AzurePipelines,
    &ci::bitbucket::Bitbucket,
    &ci::jenkins::Jenkins,
];

/// The identifiers of all adapters, `text` included (fixture folders are named after them).
pub fn source_ids() -> Vec<&'static str> {
    let mut ids: Vec<_> = SOURCES.iter().map(|s| s.id()).collect();
    ids.push(text::ID);
    ids.sort_unstable();
    ids
}
