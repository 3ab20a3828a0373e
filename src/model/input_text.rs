//! Text quoted from an input in an error or a diagnostic. Input bytes reach a message only
//! through `InputText` (which renders redacted) or a `Reason` (whose pieces are literals,
//! numbers and `InputText`), so no adapter, parser or loader can quote a secret whole.
//!
//! What survives: words that look like identifiers (column names, keys, rule codes,
//! `snake_case`, `camelCase`, `ENV_NAMES`, short numbers). Every other run of word
//! characters (a token, a key, a password longer than a word) goes through `redact`.

use std::fmt;

use super::redact;

/// Text from an input. No `Deref`, no accessor: it can only be displayed, and displays
/// redacted (see the module docs).
#[derive(Clone, PartialEq, Eq)]
pub struct InputText(Box<str>);

impl InputText {
    pub fn new(text: impl Into<Box<str>>) -> Self {
        Self(text.into())
    }

    /// Bytes from an input, invalid UTF-8 replaced.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self::new(String::from_utf8_lossy(bytes))
    }

    /// Another program's message about the input (a parser's error), which may quote it.
    pub fn foreign(message: &impl fmt::Display) -> Self {
        Self::new(message.to_string())
    }
}

impl fmt::Display for InputText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&scrub(&self.0))
    }
}

impl fmt::Debug for InputText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InputText({})", scrub(&self.0))
    }
}

/// Characters that make up a word that could be a secret: base64 and URL-safe alphabets
/// and the punctuation of keys and passwords. `=`, `:`, `.`, quotes and spaces separate
/// words, so `NAME=value` and `rules.AWS002.severity` keep their names (a JWT's three
/// parts are each redacted).
fn is_word_char(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '=' | ':'
                | '.'
                | '"'
                | '\''
                | '`'
                | ','
                | ';'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '<'
                | '>'
        ))
}

/// Whether `word` reads as an identifier rather than a value: a number of up to 12 digits;
/// a date; a code (up to 12 letters, then up to 4 digits: `SEC001`); or at most 32 characters of
/// letters, digits, `_`, `-`, `.` with at most two digits, in at most 6 parts (split at
/// separators and lower-to-upper case changes) of at most 12 characters, camel-case parts
/// of at least 2. Random tokens fail on digits, part length or one-letter parts.
fn is_identifier(word: &str) -> bool {
    let len = word.chars().count();
    if word.bytes().all(|b| b.is_ascii_digit()) {
        return len <= 12;
    }
    if is_date(word) {
        return true;
    }
    let letters = word.trim_end_matches(|c: char| c.is_ascii_digit());
    if (1..=12).contains(&letters.len())
        && word.len() - letters.len() <= 4
        && letters.bytes().all(|b| b.is_ascii_alphabetic())
    {
        return true;
    }
    if len > 32
        || !word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        || word.bytes().filter(u8::is_ascii_digit).count() > 2
    {
        return false;
    }
    // (length, whether the part began at a case change)
    let mut parts: Vec<(usize, bool)> = vec![(0, false)];
    let mut previous_lower = false;
    for c in word.chars() {
        if matches!(c, '_' | '-' | '.') {
            parts.push((0, false));
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower {
            parts.push((0, true));
        }
        previous_lower = c.is_ascii_lowercase();
        if let Some(last) = parts.last_mut() {
            last.0 += 1;
        }
    }
    parts.retain(|&(n, _)| n > 0);
    parts.len() <= 6
        && parts.iter().all(|&(n, _)| n <= 12)
        && parts.iter().all(|&(n, camel)| !camel || n >= 2)
}

/// `2026-05-01`, or `2026-05-01T09` (the rest of a time follows a `:`).
fn is_date(word: &str) -> bool {
    let b = word.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    match b.len() {
        10 | 13 => {
            digits(0..4)
                && b[4] == b'-'
                && digits(5..7)
                && b[7] == b'-'
                && digits(8..10)
                && (b.len() == 10 || (b[10] == b'T' && digits(11..13)))
        }
        _ => false,
    }
}

/// `text` with every word that is not an identifier redacted.
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word_start = None;
    for (i, c) in text.char_indices() {
        match (is_word_char(c), word_start) {
            (true, None) => word_start = Some(i),
            (false, Some(start)) => {
                push_word(&mut out, &text[start..i]);
                word_start = None;
                out.push(c);
            }
            (false, None) => out.push(c),
            (true, Some(_)) => {}
        }
    }
    if let Some(start) = word_start {
        push_word(&mut out, &text[start..]);
    }
    out
}

fn push_word(out: &mut String, word: &str) {
    if is_identifier(word) {
        out.push_str(word);
    } else {
        out.push_str(&redact(word));
    }
}

/// `text` with the hidden part of every non-identifier word replaced by `*`, one per byte,
/// so byte offsets into it stay valid (a diagnostic's source snippet).
pub fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word_start = None;
    let flush = |out: &mut String, word: &str| {
        if is_identifier(word) {
            out.push_str(word);
            return;
        }
        let shown = redact(word);
        let (head, tail) = shown.split_once('…').unwrap_or(("", ""));
        let hidden = word.len() - head.len() - tail.len();
        out.push_str(head);
        out.extend(std::iter::repeat_n('*', hidden));
        out.push_str(tail);
    };
    for (i, c) in text.char_indices() {
        match (is_word_char(c), word_start) {
            (true, None) => word_start = Some(i),
            (false, Some(start)) => {
                flush(&mut out, &text[start..i]);
                word_start = None;
                out.push(c);
            }
            (false, None) => out.push(c),
            (true, Some(_)) => {}
        }
    }
    if let Some(start) = word_start {
        flush(&mut out, &text[start..]);
    }
    out
}

/// A message about an input: literal text with numbers and `InputText` filled in. It is
/// built only by [`reason!`](crate::reason), whose arguments must be [`Quotable`], so a
/// `String` read from an input cannot be put into it.
#[derive(Clone, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    /// `template` with each `{}` replaced by the next argument.
    pub fn fill(template: &'static str, args: &[&dyn Quotable]) -> Self {
        let mut out = String::with_capacity(template.len() + 16 * args.len());
        let mut args = args.iter();
        let mut pieces = template.split("{}");
        if let Some(first) = pieces.next() {
            out.push_str(first);
        }
        for piece in pieces {
            if let Some(arg) = args.next() {
                arg.quote(&mut out);
            }
            out.push_str(piece);
        }
        Self(out)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PartialEq<&str> for Reason {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl From<&'static str> for Reason {
    fn from(text: &'static str) -> Self {
        Self(text.to_owned())
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// What may be put into a `Reason`: literals, numbers, `InputText`, other reasons.
pub trait Quotable {
    fn quote(&self, out: &mut String);
}

macro_rules! quotable_display {
    ($($t:ty),*) => {$(
        impl Quotable for $t {
            fn quote(&self, out: &mut String) {
                use std::fmt::Write as _;
                let _infallible = write!(out, "{self}");
            }
        }
    )*};
}
quotable_display!(usize, u8, u16, u32, u64, i32, i64, char, InputText, Reason);

impl Quotable for &'static str {
    fn quote(&self, out: &mut String) {
        out.push_str(self);
    }
}

/// Builds a [`Reason`]: `reason!("column {} is `{}`", i, InputText::new(cell))`.
#[macro_export]
macro_rules! reason {
    ($template:literal $(,)?) => {
        $crate::model::Reason::fill($template, &[])
    };
    ($template:literal, $($arg:expr),+ $(,)?) => {
        $crate::model::Reason::fill(
            $template,
            &[$(&$arg as &dyn $crate::model::Quotable),+],
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_stay_and_values_are_redacted() {
        for kept in [
            "password_last_used",
            "access_key_1_last_rotated",
            "AccessKeyMetadata",
            "GITHUB_TOKEN",
            "RawConfig",
            "SEC001",
            "412",
            "rules.AWS002.severity",
            "2026-05-01T09:12:44Z",
        ] {
            assert_eq!(scrub(kept), kept);
        }
        for hidden in [
            "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",
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "xoxbAbCdEfGhIjKlMnOp",
            "0123456789abcdef0123456789abcdef",
        ] {
            assert!(!scrub(hidden).contains(hidden), "{hidden}");
        }
        assert_eq!(
            scrub("GITHUB_TOKEN=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, expected"),
            "GITHUB_TOKEN=ghp_…NzlX, expected"
        );
    }

    #[test]
    fn mask_keeps_byte_offsets() {
        let text = "a: 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\nb: é\n";
        let masked = mask(text);
        assert_eq!(masked.len(), text.len());
        assert!(masked.starts_with("a: ghp_****"));
        assert!(masked.contains("NzlX\nb: "));
    }

    #[test]
    fn reasons_take_literals_numbers_and_input_text() {
        let cell = "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";
        let reason = crate::reason!("column {} is `{}`", 3_usize, InputText::new(cell));
        assert_eq!(reason.as_str(), "column 3 is `ghp_…NzlX`");
    }
}
