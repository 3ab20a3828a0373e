//! An input parsed once: the values adapters read (`serde_json::Value`, one per YAML
//! document) and a span tree that turns any route (`jobs.build.steps[1].with.token`) into
//! the exact byte range and line/column span of its value and key.
//!
//! Both parsers build the tree without recursion and stop with a `Limit` error at
//! `Limits::max_depth` or when the node budget is spent (alias bombs), so no input can
//! overflow the stack or take quadratic time. Problems are data (`DocumentError`), never
//! panics; documents completed before an error are kept.

mod json;
mod yaml;

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::model::location::to_u32;
use crate::model::{Reason, Span};

/// One step of a route into a document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    Key(String),
    Index(usize),
}

impl From<&str> for Step {
    fn from(key: &str) -> Self {
        Self::Key(key.to_owned())
    }
}

impl From<String> for Step {
    fn from(key: String) -> Self {
        Self::Key(key)
    }
}

impl From<usize> for Step {
    fn from(index: usize) -> Self {
        Self::Index(index)
    }
}

/// A route of keys and indices from a document's root, rendered
/// `jobs.build.steps[3].with.aws-access-key-id`; a key that contains `.`, `[`, `]`, `"`,
/// whitespace, or is empty renders quoted: `a["x.y"]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Route(pub Vec<Step>);

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Index(n) => write!(f, "[{n}]")?,
                Step::Key(key) if needs_quotes(key) => {
                    f.write_str("[\"")?;
                    for c in key.chars() {
                        if matches!(c, '"' | '\\') {
                            f.write_str("\\")?;
                        }
                        write!(f, "{c}")?;
                    }
                    f.write_str("\"]")?;
                }
                Step::Key(key) if i == 0 => f.write_str(key)?,
                Step::Key(key) => write!(f, ".{key}")?,
            }
        }
        Ok(())
    }
}

fn needs_quotes(key: &str) -> bool {
    key.is_empty()
        || key
            .chars()
            .any(|c| matches!(c, '.' | '[' | ']' | '"') || c.is_whitespace())
}

/// A byte range `[start, end)` of the input and its 1-based span (end column inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub start: usize,
    pub end: usize,
    pub span: Span,
}

/// Where a route lands: its value, the key of its last step when that step is a key, and
/// how many steps of the route matched (`nearest` may stop early).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    pub value: Region,
    pub key: Option<Region>,
    pub depth: usize,
}

/// Bounds on what one input may cost to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of collections (also bounds values built from aliases). YAML flow
    /// collections (`[[[…]]]`) stop at 255 whatever this says: `saphyr-parser` counts them
    /// in a `u8`.
    pub max_depth: usize,
    /// Nodes an input may produce beyond one per byte of its text: only alias and merge-key
    /// expansion can exceed the text's own size, so this is the alias-bomb budget.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 256,
            max_nodes: 1_000_000,
        }
    }
}

impl Limits {
    /// Nodes allowed for a text of `len` bytes: a legitimate file is never cut short by its
    /// size, expansion adds at most `max_nodes`.
    fn node_budget(&self, len: usize) -> u64 {
        (self.max_nodes as u64).saturating_add(len as u64)
    }
}

/// What went wrong while parsing (an input error, except `Duplicate`, which is a warning:
/// the last value wins and parsing goes on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentErrorKind {
    /// The text is not valid YAML or JSON; parsing stopped here.
    Syntax,
    /// `Limits` were reached (nesting or node budget); parsing stopped here.
    Limit,
    /// A key repeats in one mapping; the last one wins.
    Duplicate,
}

/// A problem with a position in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentError {
    pub kind: DocumentErrorKind,
    pub message: Reason,
    pub offset: usize,
    pub span: Span,
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}",
            self.span.line, self.span.column, self.message
        )
    }
}

impl std::error::Error for DocumentError {}

/// The result of parsing: what could be read, and every problem met.
#[derive(Debug)]
pub struct Parsed {
    pub document: Document,
    pub errors: Vec<DocumentError>,
}

impl Parsed {
    /// True when parsing stopped early (a `Syntax` or `Limit` error).
    pub fn is_truncated(&self) -> bool {
        self.errors
            .iter()
            .any(|e| e.kind != DocumentErrorKind::Duplicate)
    }
}

/// An input's values and the spans that locate routes in it.
#[derive(Debug)]
pub struct Document {
    values: Vec<Value>,
    spans: Arc<SpanTree>,
}

impl Document {
    /// Parses a YAML stream (every `---` document), resolving aliases and merge keys.
    pub fn parse_yaml(text: &str, limits: &Limits) -> Parsed {
        yaml::parse(text, limits)
    }

    /// Parses one strict JSON value (a leading byte order mark is skipped).
    pub fn parse_json(text: &str, limits: &Limits) -> Parsed {
        json::parse(text, limits)
    }

    /// One value per document (JSON: one, or none when it did not parse).
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The span tree; cheap to clone and to keep after the values are dropped.
    pub fn spans(&self) -> Arc<SpanTree> {
        Arc::clone(&self.spans)
    }
}

type NodeId = u32;

#[derive(Debug)]
struct Node {
    start: usize,
    end: usize,
    kind: NodeKind,
}

/// A collection's children are a range of `Arena::entries` or `Arena::items`.
#[derive(Debug, Clone, Copy)]
enum NodeKind {
    Leaf,
    /// Entries sorted by key, one per key (the last one written wins).
    Map {
        first: u32,
        len: u32,
    },
    Seq {
        first: u32,
        len: u32,
    },
}

#[derive(Debug, Clone)]
struct Entry {
    /// The key when it differs from its text (`raw_key`): escapes, aliases, complex keys.
    key: Option<Box<str>>,
    key_start: usize,
    key_end: usize,
    value: NodeId,
}

impl Entry {
    fn new(text: &str, name: &str, key_start: usize, key_end: usize, value: NodeId) -> Self {
        let key = (raw_key(text, key_start, key_end) != name).then(|| name.into());
        Self {
            key,
            key_start,
            key_end,
            value,
        }
    }

    fn key<'t>(&'t self, text: &'t str) -> &'t str {
        self.key
            .as_deref()
            .unwrap_or_else(|| raw_key(text, self.key_start, self.key_end))
    }
}

/// The text of a key, inside its quotes when it has them.
fn raw_key(text: &str, start: usize, end: usize) -> &str {
    let raw = text.get(start..end).unwrap_or_default();
    match raw.as_bytes() {
        [q @ (b'"' | b'\''), .., last] if last == q => raw.get(1..raw.len() - 1).unwrap_or(raw),
        _ => raw,
    }
}

/// Every node, map entry and sequence item of a text, in three flat vectors.
#[derive(Debug, Default)]
struct Arena {
    nodes: Vec<Node>,
    entries: Vec<Entry>,
    items: Vec<NodeId>,
}

impl Arena {
    fn push(&mut self, start: usize, end: usize, kind: NodeKind) -> Option<NodeId> {
        let id = NodeId::try_from(self.nodes.len()).ok()?;
        self.nodes.push(Node { start, end, kind });
        Some(id)
    }

    /// Moves `pending[from..]` into a map: sorted by key, the last of each key kept.
    fn map(&mut self, text: &str, pending: &mut Vec<Entry>, from: usize) -> NodeKind {
        pending[from..].sort_by(|a, b| a.key(text).cmp(b.key(text)));
        let first = self.entries.len();
        let mut drained = pending.drain(from..).peekable();
        while let Some(entry) = drained.next() {
            if drained
                .peek()
                .is_none_or(|next| next.key(text) != entry.key(text))
            {
                self.entries.push(entry);
            }
        }
        NodeKind::Map {
            first: to_u32(first),
            len: to_u32(self.entries.len() - first),
        }
    }

    fn seq(&mut self, items: impl IntoIterator<Item = NodeId>) -> NodeKind {
        let first = self.items.len();
        self.items.extend(items);
        NodeKind::Seq {
            first: to_u32(first),
            len: to_u32(self.items.len() - first),
        }
    }

    fn entries(&self, node: NodeId) -> &[Entry] {
        match self.nodes[node as usize].kind {
            NodeKind::Map { first, len } => {
                &self.entries[first as usize..first as usize + len as usize]
            }
            _ => &[],
        }
    }

    fn items(&self, node: NodeId) -> &[NodeId] {
        match self.nodes[node as usize].kind {
            NodeKind::Seq { first, len } => {
                &self.items[first as usize..first as usize + len as usize]
            }
            _ => &[],
        }
    }

    fn find(&self, text: &str, node: NodeId, key: &str) -> Option<&Entry> {
        let entries = self.entries(node);
        let i = entries.binary_search_by(|e| e.key(text).cmp(key)).ok()?;
        Some(&entries[i])
    }
}

/// Positions of every node of every document; routes resolve without recursion. It keeps a
/// copy of the text, to count columns in characters only for the regions asked for.
#[derive(Debug)]
pub struct SpanTree {
    arena: Arena,
    roots: Vec<NodeId>,
    positions: Positions,
}

impl SpanTree {
    /// Number of documents.
    pub fn documents(&self) -> usize {
        self.roots.len()
    }

    /// The value (and key) exactly at `route` in document `doc`.
    pub fn locate(&self, doc: usize, route: &[Step]) -> Option<Located> {
        self.nearest(doc, route)
            .filter(|located| located.depth == route.len())
    }

    /// The deepest node on `route` that exists; `depth` says how many steps matched.
    pub fn nearest(&self, doc: usize, route: &[Step]) -> Option<Located> {
        let text = &*self.positions.text;
        let mut node = *self.roots.get(doc)?;
        let mut key = None;
        let mut depth = 0;
        for step in route {
            let (next, next_key) = match step {
                Step::Key(k) => match self.arena.find(text, node, k) {
                    Some(entry) => (entry.value, Some((entry.key_start, entry.key_end))),
                    None => break,
                },
                Step::Index(i) => match self.arena.items(node).get(*i) {
                    Some(item) => (*item, None),
                    None => break,
                },
            };
            node = next;
            key = next_key;
            depth += 1;
        }
        let node = &self.arena.nodes[node as usize];
        Some(Located {
            value: self.positions.region(node.start, node.end),
            key: key.map(|(start, end)| self.positions.region(start, end)),
            depth,
        })
    }
}

/// Turns byte offsets into 1-based lines and character columns in O(log lines + 1 KiB),
/// even on a single-line multi-megabyte text.
#[derive(Debug)]
struct Positions {
    text: Box<str>,
    line_starts: Vec<usize>,
    /// Characters before each `BLOCK`-aligned byte offset (empty when the text is ASCII).
    chars_at_block: Vec<usize>,
}

const BLOCK: usize = 1024;

impl Positions {
    fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        let chars_at_block = if text.is_ascii() {
            Vec::new()
        } else {
            let mut count = 0;
            let mut blocks = Vec::with_capacity(bytes.len() / BLOCK + 1);
            for chunk in bytes.chunks(BLOCK) {
                blocks.push(count);
                count += chars_in(chunk);
            }
            blocks.push(count);
            blocks
        };
        Self {
            text: text.into(),
            line_starts,
            chars_at_block,
        }
    }

    fn chars_before(&self, offset: usize) -> usize {
        if self.chars_at_block.is_empty() {
            return offset;
        }
        let block = offset / BLOCK;
        self.chars_at_block[block] + chars_in(&self.text.as_bytes()[block * BLOCK..offset])
    }

    fn position(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self.chars_before(offset) - self.chars_before(start) + 1;
        (to_u32(line), to_u32(column))
    }

    /// Span of `start..end`, as `LineIndex::span` computes it.
    fn span(&self, start: usize, end: usize) -> Span {
        let (line, column) = self.position(start);
        let last = self.char_start(end.saturating_sub(1).max(start));
        let (end_line, end_column) = self.position(last);
        Span {
            line,
            column,
            end_line,
            end_column,
        }
    }

    /// The start of the character holding byte `offset`.
    fn char_start(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    fn region(&self, start: usize, end: usize) -> Region {
        Region {
            start,
            end,
            span: self.span(start, end),
        }
    }

    fn error(&self, kind: DocumentErrorKind, message: Reason, offset: usize) -> DocumentError {
        let offset = self.char_start(offset);
        DocumentError {
            kind,
            message,
            offset,
            span: self.span(offset, offset),
        }
    }

    /// One `Duplicate` error per repeated key (`(key, offset)`), in both parsers' words.
    fn duplicate_errors(&self, duplicates: &[(String, usize)]) -> Vec<DocumentError> {
        duplicates
            .iter()
            .map(|(key, at)| {
                self.error(
                    DocumentErrorKind::Duplicate,
                    crate::reason!(
                        "duplicate key `{}`: the last one wins",
                        crate::model::InputText::new(key.as_str())
                    ),
                    *at,
                )
            })
            .collect()
    }
}

fn chars_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

#[cfg(test)]
mod tests;
