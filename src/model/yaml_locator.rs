//! Offsets of routes in a rule or config file (its first YAML document), for diagnostics:
//! a thin view of `Document`'s span tree.

use std::sync::Arc;

use super::document::{Document, Limits, Located, SpanTree, Step};

/// Positions of the first document of a YAML text, by route.
#[derive(Debug)]
pub struct YamlLocator {
    spans: Arc<SpanTree>,
}

impl YamlLocator {
    /// Indexes `text`; a text whose first document does not parse yields a locator that
    /// finds nothing.
    pub fn new(text: &str) -> Self {
        let parsed = Document::parse_yaml(text, &Limits::default());
        Self {
            spans: parsed.document.spans(),
        }
    }

    /// Byte offset of the value at `route` (or, for a map entry, of its key when `key`).
    pub fn offset(&self, route: &[Step], key: bool) -> Option<usize> {
        self.spans.locate(0, route).map(|l| start(&l, key))
    }

    /// Like `offset`, falling back to the deepest prefix of the route that exists.
    pub fn nearest(&self, route: &[Step], key: bool) -> Option<usize> {
        self.spans.nearest(0, route).map(|l| start(&l, key))
    }
}

fn start(located: &Located, key: bool) -> usize {
    match located.key {
        Some(region) if key => region.start,
        _ => located.value.start,
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
