//! Finds where a route of keys and indices (`["when", "all", 1, "older_than_days"]`) sits in
//! a YAML text. Serde gives values without positions; this index is built once per file from
//! the parser's marked events so that diagnostics and findings can point at a line.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// One step of a route into a YAML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

impl From<&str> for Step {
    fn from(key: &str) -> Self {
        Self::Key(key.to_owned())
    }
}

impl From<usize> for Step {
    fn from(index: usize) -> Self {
        Self::Index(index)
    }
}

#[derive(Debug)]
enum Node {
    Scalar {
        at: usize,
    },
    Map {
        at: usize,
        entries: Vec<(String, usize, Self)>,
    },
    Seq {
        at: usize,
        items: Vec<Self>,
    },
}

impl Node {
    fn at(&self) -> usize {
        match self {
            Self::Scalar { at } | Self::Map { at, .. } | Self::Seq { at, .. } => *at,
        }
    }
}

/// Positions of the first document of a YAML text, by route.
#[derive(Debug)]
pub struct YamlLocator {
    root: Option<Node>,
}

#[derive(Default)]
struct Builder {
    stack: Vec<(Node, Option<(String, usize)>)>,
    root: Option<Node>,
    done: bool,
}

impl Builder {
    fn attach(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
                self.done = true;
            }
            Some((Node::Seq { items, .. }, _)) => items.push(node),
            Some((Node::Map { entries, .. }, pending)) => match pending.take() {
                Some((key, key_at)) => entries.push((key, key_at, node)),
                None => {
                    let key = match &node {
                        Node::Scalar { .. } => String::new(),
                        _ => String::from("?"),
                    };
                    *pending = Some((key, node.at()));
                }
            },
            Some((Node::Scalar { .. }, _)) => {}
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.done {
            return;
        }
        let at = mark.index();
        match event {
            Event::MappingStart(..) => self.stack.push((
                Node::Map {
                    at,
                    entries: vec![],
                },
                None,
            )),
            Event::SequenceStart(..) => self.stack.push((Node::Seq { at, items: vec![] }, None)),
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some((node, _)) = self.stack.pop() {
                    self.attach(node);
                }
            }
            Event::Scalar(value, ..) => {
                if let Some((Node::Map { .. }, pending @ None)) = self.stack.last_mut() {
                    *pending = Some((value, at));
                } else {
                    self.attach(Node::Scalar { at });
                }
            }
            Event::Alias(..) => self.attach(Node::Scalar { at }),
            _ => {}
        }
    }
}

impl YamlLocator {
    /// Indexes `text`; a text that does not parse yields a locator that finds nothing.
    pub fn new(text: &str) -> Self {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(text);
        let _ignored_parse_error = parser.load(&mut builder, false);
        Self { root: builder.root }
    }

    /// Byte offset of the value at `route` (or, for a map entry, of its key when `key`).
    pub fn offset(&self, route: &[Step], key: bool) -> Option<usize> {
        let mut node = self.root.as_ref()?;
        let mut key_at = None;
        for step in route {
            match (node, step) {
                (Node::Map { entries, .. }, Step::Key(k)) => {
                    let (_, at, child) = entries.iter().find(|(name, ..)| name == k)?;
                    key_at = Some(*at);
                    node = child;
                }
                (Node::Seq { items, .. }, Step::Index(i)) => {
                    key_at = None;
                    node = items.get(*i)?;
                }
                _ => return None,
            }
        }
        Some(if key {
            key_at.unwrap_or(node.at())
        } else {
            node.at()
        })
    }

    /// Like `offset`, falling back to the deepest prefix of the route that exists.
    pub fn nearest(&self, route: &[Step], key: bool) -> Option<usize> {
        (0..=route.len())
            .rev()
            .find_map(|n| self.offset(&route[..n], key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_and_items_by_route() {
        let text = "id: AWS001\nwhen:\n  all:\n    - { field: status, eq: Active }\n    - field: last_rotated\n      older_than_days: 90\n";
        let locator = YamlLocator::new(text);
        let at = |route: &[Step], key| locator.offset(route, key).map(|o| &text[o..o + 6]);
        assert_eq!(at(&["id".into()], true), Some("id: AW"));
        let leaf = [
            "when".into(),
            "all".into(),
            Step::Index(1),
            "older_than_days".into(),
        ];
        assert_eq!(at(&leaf, true), Some("older_"));
        let value = locator.offset(&leaf, false).unwrap();
        assert_eq!(&text[value..value + 2], "90");
        assert_eq!(
            locator.nearest(&["when".into(), "nope".into()], true),
            locator.offset(&["when".into()], true)
        );
    }
}
