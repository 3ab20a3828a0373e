//! YAML streams into values and spans, from `saphyr-parser`'s spanned events.
//!
//! What the events do not give, this builder adds: byte offsets (markers count
//! characters), tight ends (a quoted scalar's span may run over a trailing comment, a block
//! collection has no end token), aliases resolved to their anchor's value and spans, merge
//! keys (`<<: *a`, `<<: [*a, *b]`; explicit keys win, earlier merged maps win over later
//! ones) and YAML 1.2 core scalars, except that a decimal with a leading zero (`0123`, an
//! account id) stays a string. Tags are ignored but `!!str`.

use std::collections::HashMap;
use std::collections::HashSet;
use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use serde_json::{Map, Value};

use super::json::number_value;
use crate::model::{InputText, Reason};
use crate::reason;

use super::{
    Arena, Document, DocumentError, DocumentErrorKind, Entry, Limits, NodeId, NodeKind, Parsed,
    Positions, SpanTree,
};

pub(super) fn parse(text: &str, limits: &Limits) -> Parsed {
    let positions = Positions::new(text);
    let mut builder = Builder {
        text,
        cursor: Cursor::new(text),
        arena: Arena::default(),
        facts: Vec::new(),
        stack: Vec::new(),
        root: None,
        anchors: HashMap::new(),
        values: Vec::new(),
        roots: Vec::new(),
        duplicates: Vec::new(),
        spent: 0,
        budget: limits.node_budget(text.len()),
        max_depth: limits.max_depth,
    };
    let mut failure = None;
    for event in Parser::new_from_str(text) {
        let step = match event {
            Ok((event, span)) => {
                let start = builder.cursor.byte(span.start.index());
                let end = builder.cursor.byte(span.end.index()).max(start);
                builder.event(event, start, end)
            }
            Err(e) => {
                let at = builder.cursor.byte(e.marker().index());
                Err(scan_error(e.info(), at))
            }
        };
        if let Err(f) = step {
            failure = Some(f);
            break;
        }
    }
    let mut errors: Vec<DocumentError> = positions.duplicate_errors(&builder.duplicates);
    if let Some((kind, message, at)) = failure {
        errors.push(positions.error(kind, message, at));
    }
    Parsed {
        document: Document {
            values: builder.values,
            spans: Arc::new(SpanTree {
                arena: builder.arena,
                roots: builder.roots,
                positions,
            }),
        },
        errors,
    }
}

type Failure = (DocumentErrorKind, Reason, usize);

/// A node as it occurs at one place: an alias occurs at `*a` but its node is the anchor's.
struct Item {
    value: Value,
    node: NodeId,
    start: usize,
    end: usize,
    /// A scalar that is not a string, as written, so that a key `1` or `true` reads as written.
    raw: Option<String>,
    /// A plain `<<` key.
    merge: bool,
}

/// Expanded size and height of a node, to bound aliases.
#[derive(Clone, Copy)]
struct Facts {
    size: u64,
    height: usize,
}

struct Frame {
    start: usize,
    flow: bool,
    anchor: usize,
    kind: FrameKind,
    first: Option<usize>,
    last_end: usize,
}

enum FrameKind {
    Seq(Vec<Item>),
    Map {
        pairs: Vec<(Item, Item)>,
        pending: Option<Item>,
    },
}

struct Builder<'a> {
    text: &'a str,
    cursor: Cursor<'a>,
    arena: Arena,
    facts: Vec<Facts>,
    stack: Vec<Frame>,
    root: Option<Item>,
    anchors: HashMap<usize, (NodeId, Value)>,
    values: Vec<Value>,
    roots: Vec<NodeId>,
    duplicates: Vec<(String, usize)>,
    spent: u64,
    budget: u64,
    max_depth: usize,
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, start: usize, end: usize) -> Result<(), Failure> {
        match event {
            Event::DocumentStart(_) => {
                self.stack.clear();
                self.root = None;
            }
            Event::DocumentEnd => {
                let root = match self.root.take() {
                    Some(item) => item,
                    None => self.scalar(Value::Null, None, start, start, 0)?,
                };
                self.values.push(root.value);
                self.roots.push(root.node);
            }
            Event::Scalar(text, style, anchor, tag) => {
                let start = self.skip_properties(start, anchor != 0 || tag.is_some(), end);
                let end = self.scalar_end(style, start, end);
                let plain = style == ScalarStyle::Plain && !is_str_tag(tag.as_deref());
                let merge = plain && text == "<<";
                let (value, raw) = match plain.then(|| resolve_plain(&text)).flatten() {
                    Some(value) => (value, Some(text.into_owned())),
                    None => (Value::String(text.into_owned()), None),
                };
                let mut item = self.scalar(value, raw, start, end, anchor)?;
                item.merge = merge;
                self.attach(item)?;
            }
            Event::Alias(anchor) => {
                let Some(&(node, _)) = self.anchors.get(&anchor) else {
                    return Err(syntax(
                        "alias to an anchor that is not complete here",
                        start,
                    ));
                };
                self.charge(self.facts[node as usize].size, start)?;
                let value = self.anchors[&anchor].1.clone();
                self.attach(Item {
                    value,
                    node,
                    start,
                    end,
                    raw: None,
                    merge: false,
                })?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.open(true, anchor, tag.is_some(), start, end)?;
            }
            Event::MappingStart(anchor, tag) => {
                self.open(false, anchor, tag.is_some(), start, end)?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(syntax("unbalanced collection end", start));
                };
                let item = self.close(frame, start)?;
                self.attach(item)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn open(
        &mut self,
        seq: bool,
        anchor: usize,
        tagged: bool,
        start: usize,
        end: usize,
    ) -> Result<(), Failure> {
        if self.stack.len() >= self.max_depth {
            return Err(limit(
                reason!("nesting deeper than {} levels", self.max_depth),
                start,
            ));
        }
        let start = self.skip_properties(start, anchor != 0 || tagged, end);
        let flow = matches!(self.text.as_bytes().get(start), Some(b'[' | b'{'));
        let kind = if seq {
            FrameKind::Seq(Vec::new())
        } else {
            FrameKind::Map {
                pairs: Vec::new(),
                pending: None,
            }
        };
        self.stack.push(Frame {
            start,
            flow,
            anchor,
            kind,
            first: None,
            last_end: start,
        });
        Ok(())
    }

    fn scalar(
        &mut self,
        value: Value,
        raw: Option<String>,
        start: usize,
        end: usize,
        anchor: usize,
    ) -> Result<Item, Failure> {
        let node = self.node(start, end, NodeKind::Leaf, Facts { size: 1, height: 0 })?;
        self.anchor(anchor, node, &value)?;
        Ok(Item {
            value,
            node,
            start,
            end,
            raw,
            merge: false,
        })
    }

    fn node(
        &mut self,
        start: usize,
        end: usize,
        kind: NodeKind,
        facts: Facts,
    ) -> Result<NodeId, Failure> {
        self.charge(1, start)?;
        let id = self
            .arena
            .push(start, end, kind)
            .ok_or_else(|| limit("too many nodes".into(), start))?;
        self.facts.push(facts);
        Ok(id)
    }

    fn anchor(&mut self, anchor: usize, node: NodeId, value: &Value) -> Result<(), Failure> {
        if anchor != 0 {
            let at = self.arena.nodes[node as usize].start;
            self.charge(self.facts[node as usize].size, at)?;
            self.anchors.insert(anchor, (node, value.clone()));
        }
        Ok(())
    }

    fn charge(&mut self, nodes: u64, at: usize) -> Result<(), Failure> {
        self.spent = self.spent.saturating_add(nodes);
        if self.spent > self.budget {
            return Err(limit(
                "more nodes than the node budget allows (alias expansion?)".into(),
                at,
            ));
        }
        Ok(())
    }

    fn attach(&mut self, item: Item) -> Result<(), Failure> {
        let height = self.facts[item.node as usize].height;
        if self.stack.len() + height > self.max_depth {
            return Err(limit(
                reason!("nesting deeper than {} levels", self.max_depth),
                item.start,
            ));
        }
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(item);
            return Ok(());
        };
        frame.first.get_or_insert(item.start);
        frame.last_end = frame.last_end.max(item.end);
        match &mut frame.kind {
            FrameKind::Seq(items) => items.push(item),
            FrameKind::Map { pairs, pending } => match pending.take() {
                Some(key) => pairs.push((key, item)),
                None => *pending = Some(item),
            },
        }
        Ok(())
    }

    /// Finishes a collection whose end event starts at `at`.
    fn close(&mut self, frame: Frame, at: usize) -> Result<Item, Failure> {
        let bytes = self.text.as_bytes();
        let (start, end) = if frame.flow && matches!(bytes.get(at), Some(b']' | b'}')) {
            (frame.start, at + 1)
        } else {
            let start = frame.first.unwrap_or(frame.start);
            (start, frame.last_end.max(start))
        };
        let (value, kind, start) = match frame.kind {
            FrameKind::Seq(items) => {
                let start = if frame.flow {
                    start
                } else {
                    dash_before(bytes, start)
                };
                let (values, ids): (Vec<Value>, Vec<NodeId>) = items
                    .into_iter()
                    .map(|item| (item.value, item.node))
                    .unzip();
                (Value::Array(values), self.arena.seq(ids), start)
            }
            FrameKind::Map { pairs, pending } => {
                let mut pairs = pairs;
                if let Some(key) = pending {
                    let null = self.scalar(Value::Null, None, key.end, key.end, 0)?;
                    pairs.push((key, null));
                }
                let (map, mut entries) = self.merge(pairs);
                let kind = self.arena.map(self.text, &mut entries, 0);
                (Value::Object(map), kind, start)
            }
        };
        let children: Vec<NodeId> = match kind {
            NodeKind::Map { first, len } => self.arena.entries
                [first as usize..first as usize + len as usize]
                .iter()
                .map(|e| e.value)
                .collect(),
            NodeKind::Seq { first, len } => {
                self.arena.items[first as usize..first as usize + len as usize].to_vec()
            }
            NodeKind::Leaf => Vec::new(),
        };
        let mut facts = Facts { size: 1, height: 1 };
        for child in children {
            let f = self.facts[child as usize];
            facts.size = facts.size.saturating_add(f.size);
            facts.height = facts.height.max(f.height + 1);
        }
        let node = self.node(start, end, kind, facts)?;
        self.anchor(frame.anchor, node, &value)?;
        Ok(Item {
            value,
            node,
            start,
            end,
            raw: None,
            merge: false,
        })
    }

    /// Builds a mapping from its pairs: explicit keys in order (the last of a repeated key
    /// wins and is reported), merged keys at their `<<` unless an explicit key or an earlier
    /// merged map has them.
    fn merge(&mut self, pairs: Vec<(Item, Item)>) -> (Map<String, Value>, Vec<Entry>) {
        let pairs: Vec<(Option<String>, (usize, usize), Item)> = pairs
            .into_iter()
            .map(|(key, value)| {
                let at = (key.start, key.end);
                let name = (!(key.merge && mergeable(&value.value))).then(|| key_name(key));
                (name, at, value)
            })
            .collect();
        let explicit: HashSet<String> = if pairs.iter().any(|(name, ..)| name.is_none()) {
            pairs.iter().filter_map(|(name, ..)| name.clone()).collect()
        } else {
            HashSet::new()
        };
        let mut map = Map::new();
        let mut entries = Vec::with_capacity(pairs.len());
        for (name, (key_start, key_end), value) in pairs {
            let Some(name) = name else {
                let ids = match self.arena.nodes[value.node as usize].kind {
                    NodeKind::Seq { .. } => self.arena.items(value.node).to_vec(),
                    _ => vec![value.node],
                };
                let sources = match value.value {
                    Value::Array(maps) => maps,
                    one => vec![one],
                };
                for (source, id) in sources.into_iter().zip(ids) {
                    let Value::Object(source) = source else {
                        continue;
                    };
                    for (k, v) in source {
                        if explicit.contains(&k) || map.contains_key(&k) {
                            continue;
                        }
                        if let Some(entry) = self.arena.find(self.text, id, &k) {
                            entries.push(entry.clone());
                        }
                        map.insert(k, v);
                    }
                }
                continue;
            };
            let entry = Entry::new(self.text, &name, key_start, key_end, value.node);
            if map.insert(name, value.value).is_some() {
                let name = entry.key(self.text).to_owned();
                self.duplicates.push((name, key_start));
            }
            entries.push(entry);
        }
        (map, entries)
    }

    /// Skips `&anchor` and `!tag` properties (and comments between them and the node).
    fn skip_properties(&self, start: usize, has_properties: bool, limit: usize) -> usize {
        if !has_properties {
            return start;
        }
        let bytes = self.text.as_bytes();
        let mut at = start;
        while at < limit && matches!(bytes[at], b'&' | b'!') {
            while at < limit && !bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            loop {
                while at < limit && bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                if at < limit && bytes[at] == b'#' {
                    while at < limit && bytes[at] != b'\n' {
                        at += 1;
                    }
                } else {
                    break;
                }
            }
        }
        at
    }

    /// The end of a scalar's own text: the closing quote, or the last non-blank character.
    fn scalar_end(&self, style: ScalarStyle, start: usize, end: usize) -> usize {
        let bytes = self.text.as_bytes();
        let quote = match style {
            ScalarStyle::SingleQuoted => b'\'',
            ScalarStyle::DoubleQuoted => b'"',
            _ => {
                let mut end = end;
                while end > start && bytes[end - 1].is_ascii_whitespace() {
                    end -= 1;
                }
                return end;
            }
        };
        let mut at = start + 1;
        while at < bytes.len() {
            match bytes[at] {
                b'\\' if quote == b'"' => at += 2,
                b'\'' if quote == b'\'' && bytes.get(at + 1) == Some(&b'\'') => at += 2,
                b if b == quote => return at + 1,
                _ => at += 1,
            }
        }
        end
    }
}

/// Where a block sequence starts: the `-` before its first item.
fn dash_before(bytes: &[u8], first: usize) -> usize {
    let mut at = first.min(bytes.len());
    while at > 0 && matches!(bytes[at - 1], b' ' | b'\t' | b'\r' | b'\n') {
        at -= 1;
    }
    if at > 0 && bytes[at - 1] == b'-' {
        at - 1
    } else {
        first
    }
}

fn mergeable(value: &Value) -> bool {
    match value {
        Value::Object(_) => true,
        Value::Array(items) => items.iter().all(Value::is_object),
        _ => false,
    }
}

fn key_name(key: Item) -> String {
    match (key.raw, key.value) {
        (_, Value::String(s)) => s,
        (Some(raw), _) => raw,
        (None, value) => value.to_string(),
    }
}

fn is_str_tag(tag: Option<&Tag>) -> bool {
    tag.is_some_and(|t| t.handle == "tag:yaml.org,2002:" && t.suffix == "str")
}

/// YAML 1.2 core schema for a plain scalar, `None` for a string; a leading-zero decimal
/// stays a string, and so do `.inf` / `.nan`, which JSON values cannot hold.
fn resolve_plain(s: &str) -> Option<Value> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    if let Some(hex) = s.strip_prefix("0x") {
        return radix(hex, 16);
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return radix(oct, 8);
    }
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    let int_len = unsigned.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &unsigned[int_len..];
    let leading_zero = int_len > 1 && unsigned.starts_with('0');
    if leading_zero {
        return None;
    }
    if int_len > 0 && rest.is_empty() {
        return Some(number_value(s.strip_prefix('+').unwrap_or(s), true));
    }
    is_float(int_len, rest).then(|| number_value(s, false))
}

fn radix(digits: &str, base: u32) -> Option<Value> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(base)) {
        return None;
    }
    u64::from_str_radix(digits, base).ok().map(Value::from)
}

/// `rest` after `int_len` digits matches `(\.[0-9]*)?([eE][-+]?[0-9]+)?`, with at least
/// one digit somewhere before the exponent.
fn is_float(int_len: usize, rest: &str) -> bool {
    let (frac, exp) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let frac_ok = match frac.strip_prefix('.') {
        Some(digits) => {
            digits.bytes().all(|b| b.is_ascii_digit()) && (int_len > 0 || !digits.is_empty())
        }
        None => frac.is_empty() && int_len > 0,
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    frac_ok && exp_ok && !(frac.is_empty() && exp.is_none())
}

/// The scanner counts flow levels in a `u8`: its "recursion limit" is a limit, not a
/// syntax error.
fn scan_error(info: &str, at: usize) -> Failure {
    if info == "recursion limit exceeded" {
        limit("flow collections nested deeper than 255 levels".into(), at)
    } else {
        (
            DocumentErrorKind::Syntax,
            reason!("{}", InputText::new(info)),
            at,
        )
    }
}

fn syntax(message: &'static str, at: usize) -> Failure {
    (DocumentErrorKind::Syntax, message.into(), at)
}

fn limit(message: Reason, at: usize) -> Failure {
    (DocumentErrorKind::Limit, message, at)
}

/// Converts the parser's character indices to byte offsets; markers mostly move forward,
/// so this is linear overall.
struct Cursor<'a> {
    text: &'a str,
    ascii: bool,
    chars: usize,
    byte: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            ascii: text.is_ascii(),
            chars: 0,
            byte: 0,
        }
    }

    fn byte(&mut self, chars: usize) -> usize {
        if self.ascii {
            return chars.min(self.text.len());
        }
        while self.chars < chars && self.byte < self.text.len() {
            self.byte += 1;
            while !self.text.is_char_boundary(self.byte) {
                self.byte += 1;
            }
            self.chars += 1;
        }
        while self.chars > chars {
            self.byte -= 1;
            while !self.text.is_char_boundary(self.byte) {
                self.byte -= 1;
            }
            self.chars -= 1;
        }
        self.byte
    }
}
