//! A strict JSON (RFC 8259) parser that builds values and spans in one pass, with an
//! explicit stack instead of recursion. Integers beyond i64/u64 become f64 (as serde_json
//! does); a number too large for f64 keeps its literal text as a string.

use std::sync::Arc;

use serde_json::{Map, Number, Value};

use crate::model::Reason;
use crate::reason;

use super::{
    Arena, Document, DocumentError, DocumentErrorKind, Entry, Limits, NodeId, NodeKind, Parsed,
    Positions, SpanTree,
};

pub(super) fn parse(text: &str, limits: &Limits) -> Parsed {
    let positions = Positions::new(text);
    let mut parser = Parser {
        bytes: text.as_bytes(),
        text,
        pos: 0,
        arena: Arena::default(),
        stack: Vec::new(),
        values: Vec::new(),
        items: Vec::new(),
        entries: Vec::new(),
        duplicates: Vec::new(),
        budget: limits.node_budget(text.len()),
        max_depth: limits.max_depth,
    };
    if text.starts_with('\u{feff}') {
        parser.pos = 3;
    }
    let result = parser.document();
    let mut errors: Vec<DocumentError> = positions.duplicate_errors(&parser.duplicates);
    let (values, roots) = match result {
        Ok((value, root)) => (vec![value], vec![root]),
        Err((kind, message, at)) => {
            errors.push(positions.error(kind, message, at));
            (Vec::new(), Vec::new())
        }
    };
    let arena = if roots.is_empty() {
        Arena::default()
    } else {
        parser.arena
    };
    Parsed {
        document: Document {
            values,
            spans: Arc::new(SpanTree {
                arena,
                roots,
                positions,
            }),
        },
        errors,
    }
}

type Failure = (DocumentErrorKind, Reason, usize);

/// An open collection; its children wait on the parser's shared stacks from `from` on.
enum Frame {
    Array {
        start: usize,
        from: usize,
    },
    Object {
        start: usize,
        map: Map<String, Value>,
        from: usize,
        key: (String, usize, usize),
    },
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    arena: Arena,
    stack: Vec<Frame>,
    values: Vec<Value>,
    items: Vec<NodeId>,
    entries: Vec<Entry>,
    duplicates: Vec<(String, usize)>,
    budget: u64,
    max_depth: usize,
}

impl Parser<'_> {
    fn document(&mut self) -> Result<(Value, NodeId), Failure> {
        let root = 'value: loop {
            self.skip_ws();
            let start = self.pos;
            let mut item = match self.peek() {
                Some(b'{') => {
                    self.open()?;
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        let kind = NodeKind::Map { first: 0, len: 0 };
                        self.node(start, kind)
                            .map(|id| (Value::Object(Map::new()), id))?
                    } else {
                        let key = self.key()?;
                        self.stack.push(Frame::Object {
                            start,
                            map: Map::new(),
                            from: self.entries.len(),
                            key,
                        });
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    self.open()?;
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        let kind = NodeKind::Seq { first: 0, len: 0 };
                        self.node(start, kind)
                            .map(|id| (Value::Array(Vec::new()), id))?
                    } else {
                        self.stack.push(Frame::Array {
                            start,
                            from: self.values.len(),
                        });
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    let s = self.string()?;
                    (Value::String(s), self.node(start, NodeKind::Leaf)?)
                }
                Some(b'-' | b'0'..=b'9') => {
                    let value = self.number()?;
                    (value, self.node(start, NodeKind::Leaf)?)
                }
                Some(b't') => (Value::Bool(true), self.literal("true", start)?),
                Some(b'f') => (Value::Bool(false), self.literal("false", start)?),
                Some(b'n') => (Value::Null, self.literal("null", start)?),
                _ => return Err(self.syntax("expected a JSON value")),
            };
            loop {
                let Some(frame) = self.stack.last_mut() else {
                    break 'value item;
                };
                let (value, id) = item;
                let is_array = matches!(frame, Frame::Array { .. });
                match frame {
                    Frame::Array { .. } => {
                        self.values.push(value);
                        self.items.push(id);
                    }
                    Frame::Object { map, key, .. } => {
                        let (name, key_start, key_end) = std::mem::take(key);
                        let entry = Entry::new(self.text, &name, key_start, key_end, id);
                        if map.insert(name, value).is_some() {
                            let name = entry.key(self.text).to_owned();
                            self.duplicates.push((name, key_start));
                        }
                        self.entries.push(entry);
                    }
                }
                self.skip_ws();
                match (self.peek(), is_array) {
                    (Some(b','), _) => {
                        self.pos += 1;
                        if !is_array {
                            self.skip_ws();
                            let key = self.key()?;
                            if let Some(Frame::Object { key: slot, .. }) = self.stack.last_mut() {
                                *slot = key;
                            }
                        }
                        continue 'value;
                    }
                    (Some(b']'), true) | (Some(b'}'), false) => {
                        self.pos += 1;
                        item = self.close()?;
                    }
                    (_, true) => return Err(self.syntax("expected `,` or `]`")),
                    (_, false) => return Err(self.syntax("expected `,` or `}`")),
                }
            }
        };
        self.skip_ws();
        if self.pos < self.bytes.len() {
            return Err(self.syntax("trailing characters after the JSON value"));
        }
        Ok(root)
    }

    fn open(&self) -> Result<(), Failure> {
        if self.stack.len() >= self.max_depth {
            return Err((
                DocumentErrorKind::Limit,
                reason!("nesting deeper than {} levels", self.max_depth),
                self.pos,
            ));
        }
        Ok(())
    }

    fn close(&mut self) -> Result<(Value, NodeId), Failure> {
        match self.stack.pop() {
            Some(Frame::Array { start, from }) => {
                let values = self.values.drain(from..).collect();
                let kind = self.arena.seq(self.items.drain(from..));
                let id = self.node(start, kind)?;
                Ok((Value::Array(values), id))
            }
            Some(Frame::Object {
                start, map, from, ..
            }) => {
                let kind = self.arena.map(self.text, &mut self.entries, from);
                let id = self.node(start, kind)?;
                Ok((Value::Object(map), id))
            }
            None => Err(self.syntax("unbalanced brackets")),
        }
    }

    /// Records a node ending at the current position.
    fn node(&mut self, start: usize, kind: NodeKind) -> Result<NodeId, Failure> {
        let over = (
            DocumentErrorKind::Limit,
            "more nodes than the node budget allows".into(),
            start,
        );
        if self.arena.nodes.len() as u64 >= self.budget {
            return Err(over);
        }
        self.arena.push(start, self.pos, kind).ok_or(over)
    }

    fn key(&mut self) -> Result<(String, usize, usize), Failure> {
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return Err(self.syntax("expected a string key"));
        }
        let key = self.string()?;
        let end = self.pos;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.syntax("expected `:` after the key"));
        }
        self.pos += 1;
        Ok((key, start, end))
    }

    fn literal(&mut self, word: &str, start: usize) -> Result<NodeId, Failure> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            self.node(start, NodeKind::Leaf)
        } else {
            Err(self.syntax("expected a JSON value"))
        }
    }

    fn number(&mut self) -> Result<Value, Failure> {
        let start = self.pos;
        self.eat(b'-');
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.syntax("expected a digit")),
        }
        let mut integer = true;
        if self.eat(b'.') {
            integer = false;
            self.required_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integer = false;
            self.pos += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            self.required_digits()?;
        }
        let literal = &self.text[start..self.pos];
        Ok(number_value(literal, integer))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn required_digits(&mut self) -> Result<(), Failure> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.syntax("expected a digit"));
        }
        self.digits();
        Ok(())
    }

    /// A string starting at the opening quote; leaves `pos` after the closing quote.
    fn string(&mut self) -> Result<String, Failure> {
        self.pos += 1;
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(self.syntax("unterminated string"));
            };
            match b {
                b'"' => {
                    out.push_str(&self.text[run..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.text[run..self.pos]);
                    self.escape(&mut out)?;
                    run = self.pos;
                }
                0..=0x1f => return Err(self.syntax("control character in a string")),
                _ => self.pos += 1,
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), Failure> {
        let Some(&c) = self.bytes.get(self.pos + 1) else {
            return Err(self.syntax("unterminated string"));
        };
        let simple = match c {
            b'"' => Some('"'),
            b'\\' => Some('\\'),
            b'/' => Some('/'),
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            b'u' => None,
            _ => return Err(self.syntax("invalid escape")),
        };
        if let Some(c) = simple {
            out.push(c);
            self.pos += 2;
            return Ok(());
        }
        let high = self.hex4(self.pos + 2)?;
        self.pos += 6;
        let code = if (0xD800..0xDC00).contains(&high) {
            let low = if self.bytes[self.pos..].starts_with(b"\\u") {
                self.hex4(self.pos + 2)?
            } else {
                0
            };
            if !(0xDC00..0xE000).contains(&low) {
                return Err(self.syntax("unpaired surrogate in a \\u escape"));
            }
            self.pos += 6;
            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        } else {
            high
        };
        match char::from_u32(code) {
            Some(c) => {
                out.push(c);
                Ok(())
            }
            None => Err(self.syntax("unpaired surrogate in a \\u escape")),
        }
    }

    fn hex4(&self, at: usize) -> Result<u32, Failure> {
        let digits = self
            .bytes
            .get(at..at + 4)
            .ok_or_else(|| self.syntax("invalid \\u escape"))?;
        digits.iter().try_fold(0, |acc, &d| {
            let v = (d as char)
                .to_digit(16)
                .ok_or_else(|| self.syntax("invalid \\u escape"))?;
            Ok(acc * 16 + v)
        })
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn syntax(&self, message: &'static str) -> Failure {
        let message = if self.pos >= self.bytes.len() {
            reason!("{} (unexpected end of input)", message)
        } else {
            message.into()
        };
        (DocumentErrorKind::Syntax, message, self.pos)
    }
}

/// An integer literal as i64/u64 when it fits, otherwise (and for fractions) as f64; a
/// literal beyond f64 keeps its text.
pub(super) fn number_value(literal: &str, integer: bool) -> Value {
    if integer {
        if let Ok(n) = literal.parse::<i64>() {
            return Value::Number(n.into());
        }
        if let Ok(n) = literal.parse::<u64>() {
            return Value::Number(n.into());
        }
    }
    literal
        .parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map_or_else(|| Value::String(literal.to_owned()), Value::Number)
}
