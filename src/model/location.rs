//! Positions in an input: byte offsets become 1-based line/column spans through a
//! `LineIndex`, a span plus a path becomes a `Location`, and a field path (`a.b[2].c`)
//! becomes the steps of a route into a parsed document.

use std::sync::Arc;

use serde::Serialize;

use super::Step;

/// A region of one input, 1-based lines and columns (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Span {
    /// A span covering the whole of one line up to `len` characters.
    pub fn line(line: u32, len: u32) -> Self {
        Self {
            line,
            column: 1,
            end_line: line,
            end_column: len.max(1),
        }
    }
}

/// Where a finding points: a path relative to the scan root where possible, and a span;
/// for a blob read from git history, the commit it was first seen in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub path: String,
    #[serde(flatten)]
    pub span: Option<Span>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<InHistory>,
}

/// A commit of a repository's history, as a report names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Commit {
    /// Position in the history walk, oldest first: orders occurrences, never printed.
    #[serde(skip)]
    pub order: u32,
    pub id: String,
    pub author: String,
    pub email: String,
    /// Author date, RFC 3339 in UTC.
    pub date: String,
}

/// The commit where a blob (and what was found in it) first appeared at a path, and whether
/// it is still there: in the tree of HEAD, the index or the work tree.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct InHistory {
    #[serde(flatten)]
    pub commit: Arc<Commit>,
    pub present_at_head: bool,
}

/// Maps byte offsets of a text to line and column numbers in O(log lines).
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &[u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
        Self { starts }
    }

    /// 1-based line and character column of a byte offset.
    pub fn position(&self, text: &[u8], offset: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let end = offset.min(text.len());
        let column = String::from_utf8_lossy(&text[start.min(end)..end])
            .chars()
            .count()
            + 1;
        (to_u32(line), to_u32(column))
    }

    /// Span of the byte range `start..end` (end exclusive; the span's end column is inclusive).
    pub fn span(&self, text: &[u8], start: usize, end: usize) -> Span {
        let (line, column) = self.position(text, start);
        let last = end.saturating_sub(1).max(start);
        let (end_line, end_column) = self.position(text, last);
        Span {
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// Splits a field path, `a.b[2].c` or `a.b.2.c`, into the steps of a route; `None` when it
/// is not a path.
pub fn field_steps(field: &str) -> Option<Vec<Step>> {
    let mut out = Vec::new();
    for part in field.split('.') {
        let (name, rest) = part.split_once('[').unwrap_or((part, ""));
        if !name.is_empty() {
            match name.parse::<usize>() {
                Ok(i) if !out.is_empty() => out.push(Step::Index(i)),
                _ => out.push(Step::Key(name.to_owned())),
            }
        } else if rest.is_empty() {
            return None;
        }
        if !rest.is_empty() {
            for index in rest.strip_suffix(']')?.split("][") {
                out.push(Step::Index(index.parse().ok()?));
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

pub(crate) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_become_steps() {
        use Step::{Index, Key};
        assert_eq!(
            field_steps("a.b[2].c"),
            Some(vec![
                Key("a".into()),
                Key("b".into()),
                Index(2),
                Key("c".into())
            ])
        );
        assert_eq!(field_steps("a.0"), Some(vec![Key("a".into()), Index(0)]));
        assert_eq!(field_steps(""), None);
        assert_eq!(field_steps("a[x]"), None);
    }

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\nçd=KEY\n".as_bytes();
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 0), (1, 1));
        assert_eq!(index.position(text, 3), (2, 1));
        let key = text.windows(3).position(|w| w == b"KEY").unwrap();
        assert_eq!(index.position(text, key), (2, 4));
        assert_eq!(
            index.span(text, key, key + 3),
            Span {
                line: 2,
                column: 4,
                end_line: 2,
                end_column: 6
            }
        );
    }
}
