//! Diagnostics for rule and configuration files: every problem found while loading them,
//! each pointing into its file, reported together through miette.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode, SourceSpan};
use thiserror::Error;

use std::sync::OnceLock;

use crate::model::{Document, DocumentErrorKind, InputText, Limits, Step, YamlLocator, mask};
use crate::reason;

/// A place in a loaded file: its path, 1-based line and column, and byte span, with the
/// file's text so that a later stage can still report a problem there.
#[derive(Debug, Clone)]
pub struct Site {
    pub path: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub span: Option<SourceSpan>,
    src: Option<NamedSource<Arc<str>>>,
}

impl Site {
    /// A problem at this place.
    pub fn problem(
        &self,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Problem {
        Problem {
            at: self.clone(),
            message: message.into(),
            label: label.into(),
            help,
        }
    }
}

/// One problem in a rule or config file (a user error). Renders as `path:line: message`.
#[derive(Debug)]
pub struct Problem {
    pub at: Site,
    pub message: String,
    label: String,
    help: Option<String>,
}

impl Problem {
    pub fn line(&self) -> Option<u32> {
        self.at.line
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at.line {
            Some(line) => write!(f, "{}:{line}: {}", self.at.path, self.message),
            None => write!(f, "{}: {}", self.at.path, self.message),
        }
    }
}

impl std::error::Error for Problem {}

impl Diagnostic for Problem {
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.at.src.as_ref().map(|src| src as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.at.span?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(self.label.clone()),
            span,
        ))))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
}

/// Largest config or rule file read (a hostile checkout controls `./nhiscan.yaml`).
pub const MAX_FILE_BYTES: u64 = 1 << 20;
/// Deepest nesting of collections accepted in a config or rule file, checked by the
/// bounded document parser before serde sees the text.
pub const MAX_DEPTH: usize = 64;
/// Longest line shown in a diagnostic's snippet; a longer one is not shown.
const MAX_SNIPPET_LINE: usize = 300;
/// Problems printed; the rest are counted.
pub const MAX_SHOWN: usize = 50;

/// Every problem found while loading rules and configuration; nothing was scanned. The
/// first `MAX_SHOWN` are printed, the rest counted in the message.
#[derive(Debug, Error)]
#[error(
    "{} problem(s) in rules or configuration{}; nothing was scanned",
    problems.len(),
    more_note(problems.len())
)]
pub struct LoadError {
    pub problems: Vec<Problem>,
}

fn more_note(count: usize) -> String {
    if count > MAX_SHOWN {
        format!(
            " (the first {MAX_SHOWN} are shown, {} more are not)",
            count - MAX_SHOWN
        )
    } else {
        String::new()
    }
}

impl Diagnostic for LoadError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("nhiscan::load"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(
            "fix the problems above; `nhiscan rules test PATH` checks rules alone",
        ))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(
            self.problems
                .iter()
                .take(MAX_SHOWN)
                .map(|p| p as &dyn Diagnostic),
        ))
    }
}

/// The closing line of a [`LoadError`] and its hint, shown after the problems it counts.
#[derive(Debug, Error)]
#[error("{0}")]
struct LoadSummary<'a>(&'a LoadError);

impl Diagnostic for LoadSummary<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.code()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.help()
    }
}

/// A fatal error as `main` prints it: every error before its hint. A [`LoadError`] is shown
/// as its problems (each with its own hint), then the count and the hint that refers to
/// them; miette alone would print that hint above the problems.
pub fn render(report: &miette::Report, color: bool) -> String {
    use miette::{GraphicalReportHandler, GraphicalTheme};
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_wrap_lines(false);
    let mut out = String::new();
    let rendered = match report.downcast_ref::<LoadError>() {
        Some(load) => load
            .problems
            .iter()
            .take(MAX_SHOWN)
            .try_for_each(|problem| {
                handler.render_report(&mut out, problem)?;
                out.push('\n');
                Ok(())
            })
            .and_then(|()| handler.render_report(&mut out, &LoadSummary(load))),
        None => handler.render_report(&mut out, report.as_ref()),
    };
    if rendered.is_err() {
        return format!("{report}\n");
    }
    out
}

/// Reads a config or rule file, at most `MAX_FILE_BYTES`; a larger file is an error.
pub(crate) fn read_bounded_text(path: &std::path::Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata().ok().map(|m| m.len());
    let (bytes, more) = crate::inputs::read_bounded(&mut file, MAX_FILE_BYTES, || size)?;
    if more {
        return Err(std::io::Error::other(format!(
            "larger than {} KiB, the limit for config and rule files",
            MAX_FILE_BYTES >> 10
        )));
    }
    String::from_utf8(bytes)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()))
}

/// A YAML file being loaded, with a locator for routes into it (built on the first
/// problem: most files have none).
pub(crate) struct SourceFile {
    pub path: String,
    pub text: String,
    src: OnceLock<Option<NamedSource<Arc<str>>>>,
    locator: OnceLock<YamlLocator>,
}

impl SourceFile {
    pub(crate) fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            text: text.into(),
            src: OnceLock::new(),
            locator: OnceLock::new(),
        }
    }

    /// The text diagnostics show: masked (every word that is not an identifier keeps only
    /// its redacted ends), and none at all when the file does not start like a YAML
    /// mapping (a `.env` or a key file given as `--config` is not shown).
    fn shown(&self) -> Option<NamedSource<Arc<str>>> {
        self.src
            .get_or_init(|| {
                starts_like_yaml_mapping(&self.text).then(|| {
                    NamedSource::new(self.path.clone(), Arc::from(mask(&self.text).as_str()))
                })
            })
            .clone()
    }

    /// Deserializes the file (YAML); a syntax or shape error becomes a problem at its line.
    /// The parser's message quotes the file, so it is quoted redacted.
    /// Text over `MAX_FILE_BYTES` or nested deeper than `MAX_DEPTH` is refused before serde
    /// sees it (its parser takes quadratic time on deep flow nesting).
    pub(crate) fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, Box<Problem>> {
        if self.text.len() as u64 > MAX_FILE_BYTES {
            return Err(Box::new(self.at_line(
                1,
                1,
                format!(
                    "larger than {} KiB, the limit for config and rule files",
                    MAX_FILE_BYTES >> 10
                ),
                "",
            )));
        }
        let limits = Limits {
            max_depth: MAX_DEPTH,
            ..Limits::default()
        };
        let bounded = Document::parse_yaml(&self.text, &limits);
        if let Some(limit) = bounded
            .errors
            .iter()
            .find(|e| e.kind == DocumentErrorKind::Limit)
        {
            let message = reason!(
                "{}; config and rule files may nest at most {} levels",
                limit.message.clone(),
                MAX_DEPTH
            );
            return Err(Box::new(self.at_line(
                limit.span.line as usize,
                limit.span.column as usize,
                message.to_string(),
                "here",
            )));
        }
        self.parse_trusted()
    }

    /// [`Self::parse`] without the size and depth limits, for text nhiscan ships (its
    /// built-in rules, checked in CI): a second parse of each file that only looked for
    /// nesting was a third of the start-up.
    pub(crate) fn parse_trusted<T: serde::de::DeserializeOwned>(&self) -> Result<T, Box<Problem>> {
        serde_yaml::from_str(&self.text).map_err(|e| {
            let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message);
            let message = InputText::new(message).to_string();
            Box::new(self.at_line(line, column, message, "here"))
        })
    }

    /// The place of `route` (its key when `key`; the nearest existing prefix otherwise).
    pub(crate) fn site(&self, route: &[Step], key: bool) -> Site {
        let locator = self.locator.get_or_init(|| YamlLocator::new(&self.text));
        self.site_at(locator.nearest(route, key))
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
        self.site(route, key).problem(message, label, help)
    }

    /// A problem at a 1-based line and column in characters (from a parser's error).
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
        let start = start.min(self.text.len());
        let offset = self.text[start..]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(self.text.len(), |(i, _)| start + i);
        self.site_at(Some(offset)).problem(message, label, None)
    }

    fn site_at(&self, offset: Option<usize>) -> Site {
        let offset = offset.map(|o| self.text.floor_char_boundary(o));
        let span = offset.map(|start| {
            let end = self.text[start..]
                .find('\n')
                .map_or(self.text.len(), |n| start + n);
            let len = self.text[start..end].trim_end().len().max(1);
            SourceSpan::from((start, len.min(self.text.len().saturating_sub(start))))
        });
        let (line, column) = offset.map_or((None, None), |o| {
            let before = &self.text[..o];
            let line_start = before.rfind('\n').map_or(0, |n| n + 1);
            let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
            let column = before[line_start..].chars().count() + 1;
            (u32::try_from(line).ok(), u32::try_from(column).ok())
        });
        Site {
            path: self.path.clone(),
            line,
            column,
            src: span
                .filter(|span| span.len() <= MAX_SNIPPET_LINE)
                .and_then(|_| self.shown()),
            span,
        }
    }
}

/// Whether the first line with content is `---`, a comment-free `key:` or `key: value`.
fn starts_like_yaml_mapping(text: &str) -> bool {
    let Some(line) = text
        .lines()
        .map(str::trim_end)
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    else {
        return false;
    };
    if line == "---" {
        return true;
    }
    line.split_once(':').is_some_and(|(key, rest)| {
        !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            && (rest.is_empty() || rest.starts_with(' '))
    })
}
