//! The data every stage shares: what was found (`Subject`, with identity keys and anchors),
//! where (`Location`, `Anchor`), why it is bad (`Finding`, `ViolatedCondition`), what could
//! not be read (`InputError`), and the value that must never be printed (`Secret`).

mod document;
mod finding;
mod input_error;
mod input_text;
mod location;
mod secret;
mod subject;
pub mod time;
mod yaml_locator;

pub use document::{
    Document, DocumentError, DocumentErrorKind, Limits, Located, Parsed, Region, Route, SpanTree,
    Step,
};
pub use finding::{
    Confidence, Finding, RelatedLocation, Severity, Suppression, SuppressionKind, ViolatedCondition,
};
pub use input_error::{InputError, InputErrorKind};
pub use input_text::{InputText, Quotable, Reason, mask, scrub};
pub use location::{Commit, InHistory, LineIndex, Location, Span, field_steps};
pub(crate) use secret::hex;
pub use secret::{Secret, redact, sha256_hex};
pub use subject::{
    Anchor, IdentityKey, KeyKind, Locate, Origin, Related, SAME_SECRET, SecretFacts, Subject,
    SubjectRef,
};
pub use yaml_locator::YamlLocator;
