//! Positions in an input: byte offsets become 1-based line/column spans through a
//! `LineIndex`, and a span plus a path becomes a report `Location`.

use serde::Serialize;

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

/// Where a finding points: a path relative to the scan root where possible, and a span.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub path: String,
    #[serde(flatten)]
    pub span: Option<Span>,
}

/// Maps byte offsets of a text to line and column numbers in O(log lines).
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &[u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_iter(b'\n', text).map(|i| i + 1));
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

fn memchr_iter(needle: u8, haystack: &[u8]) -> impl Iterator<Item = usize> + '_ {
    haystack
        .iter()
        .enumerate()
        .filter(move |(_, b)| **b == needle)
        .map(|(i, _)| i)
}

pub(crate) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

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
