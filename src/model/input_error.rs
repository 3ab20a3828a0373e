//! Inputs that could not be read or understood. They are data: every one is listed in the
//! report's `errors`, and none of them stops the scan.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputErrorKind {
    /// The file could not be opened or read (permissions, vanished, I/O).
    Io,
    /// The file was read but its format is broken (truncated CSV, bad DER, wrong header).
    Parse,
    /// The file is not valid UTF-8 where text was required; the rest of it was still scanned.
    Encoding,
    /// The file is larger than `--max-file-size` and no adapter can stream it.
    TooLarge,
    /// A symbolic link loop or a root that could not be walked.
    Walk,
    /// More findings in the file than a report lists for one file; the reason counts the
    /// rest (`pipeline::MAX_FINDINGS_PER_FILE`).
    Capped,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct InputError {
    pub path: String,
    pub kind: InputErrorKind,
    /// Which adapter reported it, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub reason: String,
}

impl InputError {
    pub fn new(path: impl Into<String>, kind: InputErrorKind, reason: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            kind,
            source: None,
            reason: reason.into(),
        }
    }
}
