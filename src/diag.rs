//! Diagnostics for rule and configuration files: every problem found while loading them,
//! each pointing into its file, reported together through miette.

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use crate::model::{Step, YamlLocator};

/// One problem in a rule or config file (a user error).
#[derive(Debug, Error, Diagnostic)]
#[error("{path}{line}: {message}")]
pub struct Problem {
    pub path: String,
    /// `:LINE` when the problem has a position.
    line: String,
    pub message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: String,
    #[help]
    help: Option<String>,
}

impl Problem {
    pub fn line(&self) -> Option<usize> {
        self.line.strip_prefix(':').and_then(|l| l.parse().ok())
    }
}

/// Every problem found while loading rules and configuration; nothing was scanned.
#[derive(Debug, Error, Diagnostic)]
#[error("{} problem(s) in rules or configuration; nothing was scanned", problems.len())]
#[diagnostic(
    code(nhiscan::load),
    help("fix the files above; `nhiscan rules test DIR` checks rules alone")
)]
pub struct LoadError {
    #[related]
    pub problems: Vec<Problem>,
}

/// A YAML file being loaded, with a locator for routes into it.
pub(crate) struct SourceFile {
    pub path: String,
    pub text: String,
    locator: YamlLocator,
}

impl SourceFile {
    pub(crate) fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let locator = YamlLocator::new(&text);
        Self {
            path: path.into(),
            text,
            locator,
        }
    }

    /// Deserializes the file (YAML); a syntax or shape error becomes a problem at its line.
    pub(crate) fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, Box<Problem>> {
        serde_yaml::from_str(&self.text).map_err(|e| {
            let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
            let message = e.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_owned();
            Box::new(self.at_line(line, column, message, "here"))
        })
    }

    /// A problem at `route` (its key when `key`; the nearest existing prefix otherwise).
    pub(crate) fn at(
        &self,
        route: &[Step],
        key: bool,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Problem {
        let offset = self.locator.nearest(route, key);
        self.at_offset(offset, message, label, help)
    }

    /// A problem at a 1-based line and column (from a parser's error).
    pub(crate) fn at_line(
        &self,
        line: usize,
        column: usize,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Problem {
        let start: usize = self
            .text
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum();
        let offset = (start + column.saturating_sub(1)).min(self.text.len());
        self.at_offset(Some(offset), message, label, None)
    }

    fn at_offset(
        &self,
        offset: Option<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Problem {
        let span = offset.map(|start| {
            let end = self.text[start..]
                .find('\n')
                .map_or(self.text.len(), |n| start + n);
            let len = self.text[start..end].trim_end().len().max(1);
            SourceSpan::from((start, len.min(self.text.len().saturating_sub(start))))
        });
        let line = offset.map_or_else(String::new, |o| {
            format!(
                ":{}",
                self.text[..o].bytes().filter(|b| *b == b'\n').count() + 1
            )
        });
        Problem {
            path: self.path.clone(),
            line,
            message: message.into(),
            src: NamedSource::new(self.path.clone(), self.text.clone()),
            span,
            label: label.into(),
            help,
        }
    }
}
