//! The data every layer shares: what was found (`Subject`), where (`Location`), why it is
//! bad (`Finding`, `ViolatedCondition`) and what could not be read (`InputError`).

mod document;
mod finding;
mod input_error;
mod location;
mod subject;
mod yaml_locator;

pub use document::{
    Document, DocumentError, DocumentErrorKind, Limits, Located, Parsed, Region, Route, SpanTree,
    Step,
};
pub use finding::{Confidence, Finding, Severity, ViolatedCondition};
pub use input_error::{InputError, InputErrorKind};
pub use location::{LineIndex, Location, Span};
pub use subject::{Origin, Subject, SubjectRef};
pub use yaml_locator::YamlLocator;
