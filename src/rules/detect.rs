//! Detector rules over text: one pass of the keyword prefilter over every detector's
//! keywords, overlaps included, picks the candidate rules for a text, then only their
//! regexes run. Matches carry byte offsets; the caller turns them into spans.

use std::sync::OnceLock;

use rayon::prelude::*;
use regex::Regex;

use super::placeholder::is_placeholder;
use super::prefilter::KeywordFilter;
use super::schema::Checksum;
use crate::model::{KeyKind, Secret};

/// A regex compiled now (a user's rule, checked at load) or on first use (a built-in:
/// `nhiscan rules test` and the test suite compile every one; a scan compiles only those
/// whose keywords occur in a file, which keeps start-up fast with a large catalog).
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    source: Box<str>,
    compiled: OnceLock<Regex>,
}

impl Pattern {
    /// A pattern compiled from `source` (with [`build_regex`]).
    pub(crate) fn ready(source: &str, regex: Regex) -> Self {
        Self {
            source: source.into(),
            compiled: OnceLock::from(regex),
        }
    }

    pub(crate) fn deferred(source: &str) -> Self {
        Self {
            source: source.into(),
            compiled: OnceLock::new(),
        }
    }

    /// The regex. A deferred pattern is a built-in one, compiled by `rules test` in CI; if it
    /// still fails here the binary is broken, which is a bug, not an input error. The same
    /// source is compiled once per process: the catalog's allow-lists repeat 68 patterns over
    /// 473 places, 67 ms of CPU to compile them all.
    #[expect(clippy::expect_used, reason = "built-in patterns are compiled in CI")]
    pub(crate) fn regex(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            shared_regex(&self.source).expect("built-in detector patterns compile (rules test)")
        })
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.source
    }
}

/// [`build_regex`] through a process-wide cache keyed by the source (a `Regex` clone shares
/// the compiled program). Compiling happens outside the lock; two threads that race on one
/// source both compile it and keep the first.
fn shared_regex(source: &str) -> Result<Regex, regex::Error> {
    use std::collections::HashMap;
    use std::sync::{Mutex, PoisonError};
    static CACHE: OnceLock<Mutex<HashMap<Box<str>, Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let known = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(source)
        .cloned();
    if let Some(regex) = known {
        return Ok(regex);
    }
    let regex = build_regex(source)?;
    Ok(cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(source.into())
        .or_insert(regex)
        .clone())
}

/// The compiled size every rule regex is held to.
pub(crate) const REGEX_SIZE_LIMIT: usize = 1 << 24;

/// Compiles a detector's regex with the size limit every rule pattern gets, its word
/// boundaries and Perl classes ASCII (see [`ascii_classes`]).
pub(crate) fn build_regex(pattern: &str) -> Result<Regex, regex::Error> {
    regex::RegexBuilder::new(&ascii_classes(pattern))
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}

/// `pattern` with its word boundaries (`\b`, `\B`) and Perl classes (`\w`, `\s`, `\d` and
/// their negations) made ASCII, inside character classes too (`[\w.-]` → `[[:word:].-]`).
/// Unicode `\w` is a class of some 800 ranges: compiling it into UTF-8 automata made up
/// most of the time spent building the catalog's regexes, and a Unicode word boundary makes
/// the regex crate's fast engine give up on any text with a non-ASCII byte. Secrets and the
/// keys that name them are ASCII; a boundary between one and a non-ASCII letter (`éAKIA…`)
/// still separates them, and a negated class (`\S`, `[^\s"]`) still matches every
/// non-ASCII character.
pub(crate) fn ascii_classes(pattern: &str) -> std::borrow::Cow<'_, str> {
    if !pattern.contains('\\') {
        return std::borrow::Cow::Borrowed(pattern);
    }
    let mut out = String::with_capacity(pattern.len() + 32);
    let mut in_class = 0_usize;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(b @ ('b' | 'B')) if in_class == 0 => {
                    out.push_str("(?-u:\\");
                    out.push(b);
                    out.push(')');
                }
                Some(p @ ('w' | 'W' | 's' | 'S' | 'd' | 'D')) => {
                    let name = match p.to_ascii_lowercase() {
                        'w' => "word",
                        's' => "space",
                        _ => "digit",
                    };
                    let not = if p.is_ascii_uppercase() { "^" } else { "" };
                    if in_class == 0 {
                        out.push_str(&format!("[[:{not}{name}:]]"));
                    } else {
                        out.push_str(&format!("[:{not}{name}:]"));
                    }
                }
                Some(next) => {
                    out.push(c);
                    out.push(next);
                }
                None => out.push(c),
            },
            '[' => {
                out.push(c);
                if in_class > 0 && chars.peek() == Some(&':') {
                    for d in chars.by_ref() {
                        out.push(d);
                        if d == ']' {
                            break;
                        }
                    }
                    continue;
                }
                in_class += 1;
                for lead in ['^', ']'] {
                    if chars.peek() == Some(&lead) {
                        out.push(lead);
                        chars.next();
                    }
                }
            }
            ']' if in_class > 0 => {
                in_class -= 1;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The capture group that holds the secret: the one named `secret`, else the first.
pub(crate) fn secret_group(regex: &Regex) -> Option<usize> {
    let named = regex.capture_names().position(|n| n == Some("secret"));
    named.or((regex.captures_len() > 1).then_some(1))
}

/// Whether every match of a pattern lies within one line, give or take the line breaks
/// around it: a line break may only be matched as the match's first or last character (by
/// a boundary such as `(?:^|[^A-Za-z0-9])` or `(?:[^A-Za-z0-9]|$)`), and the start or end of
/// the text may only be asserted there. Then searching each line that holds a keyword,
/// with the line breaks on either side, finds every match the whole-text search finds.
fn is_single_line(hir: &regex_syntax::hir::Hir) -> bool {
    use regex_syntax::hir::{Class, Hir, HirKind, Look};
    fn has_newline(class: &Class) -> bool {
        match class {
            Class::Unicode(class) => class
                .ranges()
                .iter()
                .any(|r| r.start() <= '\n' && '\n' <= r.end()),
            Class::Bytes(class) => class
                .ranges()
                .iter()
                .any(|r| r.start() <= b'\n' && b'\n' <= r.end()),
        }
    }
    // `first` / `last`: whatever `hir` matches begins / ends the whole match.
    fn walk(hir: &Hir, first: bool, last: bool) -> bool {
        match hir.kind() {
            HirKind::Empty => true,
            HirKind::Literal(literal) => !literal.0.contains(&b'\n'),
            HirKind::Class(class) => !has_newline(class) || first || last,
            HirKind::Look(Look::Start) => first,
            HirKind::Look(Look::End) => last,
            HirKind::Look(_) => true,
            HirKind::Repetition(repetition) => {
                let once = repetition.max == Some(1);
                walk(&repetition.sub, first && once, last && once)
            }
            HirKind::Capture(capture) => walk(&capture.sub, first, last),
            HirKind::Concat(items) => items
                .iter()
                .enumerate()
                .all(|(i, item)| walk(item, first && i == 0, last && i + 1 == items.len())),
            HirKind::Alternation(items) => items.iter().all(|item| walk(item, first, last)),
        }
    }
    walk(hir, true, true)
}

/// The bytes an unbounded repetition (`*`, `+`, `{n,}`) is taken to match beyond its
/// minimum when [`Reach`] bounds where a match may start.
pub(crate) const UNBOUNDED_REACH: usize = 256;

/// How far a detector's matches reach from a keyword they hold: whether they stay within
/// a line ([`is_single_line`]), and their longest length in bytes, with each unbounded
/// repetition taken to add at most [`UNBOUNDED_REACH`] bytes. A match holds one of its
/// keywords, so it starts within `len` bytes before the keyword; a match that runs past the
/// window searched is searched again to the end of its line (or of the text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reach {
    pub single_line: bool,
    pub len: usize,
}

impl Reach {
    /// The reach of `pattern` as detectors compile it, with ASCII classes
    /// ([`ascii_classes`]): a `\w` is one byte, and parsing skips the Unicode tables.
    pub(crate) fn of(pattern: &str) -> Self {
        match regex_syntax::parse(&ascii_classes(pattern)) {
            Ok(hir) => Self {
                single_line: is_single_line(&hir),
                len: reach_len(&hir),
            },
            Err(_) => Self {
                single_line: false,
                len: usize::MAX,
            },
        }
    }

    /// The part of `text` to search for matches holding the keyword at `hit`.
    fn window(self, text: &str, hit: usize) -> Window {
        let bytes = text.as_bytes();
        let low = hit.saturating_sub(self.len);
        let high = hit
            .saturating_add(self.len)
            .saturating_add(1)
            .min(bytes.len());
        let (mut start, mut end) = (low, high);
        let mut clipped_end = high < bytes.len();
        if self.single_line {
            if let Some(nl) = memchr::memrchr(b'\n', &bytes[low..hit]) {
                start = low + nl;
            }
            if let Some(nl) = memchr::memchr(b'\n', &bytes[hit..high]) {
                end = hit + nl + 1;
                clipped_end = false;
            }
        }
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        Window {
            start,
            end,
            clipped_end,
            single_line: self.single_line,
        }
    }
}

/// The longest match of `hir` in bytes, an unbounded repetition adding [`UNBOUNDED_REACH`]
/// to its minimum.
fn reach_len(hir: &regex_syntax::hir::Hir) -> usize {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => 0,
        HirKind::Literal(_) | HirKind::Class(_) => {
            hir.properties().maximum_len().unwrap_or(UNBOUNDED_REACH)
        }
        HirKind::Repetition(repetition) => {
            let one = reach_len(&repetition.sub);
            match repetition.max {
                Some(max) => one.saturating_mul(max as usize),
                None => one
                    .saturating_mul(repetition.min as usize)
                    .saturating_add(UNBOUNDED_REACH),
            }
        }
        HirKind::Capture(capture) => reach_len(&capture.sub),
        HirKind::Concat(items) => items
            .iter()
            .fold(0, |sum, item| sum.saturating_add(reach_len(item))),
        HirKind::Alternation(items) => items.iter().map(reach_len).max().unwrap_or(0),
    }
}

/// Where a match may start (`start..end`), and whether `end` cuts the text short of a line
/// break or its end (a match reaching it is searched again to its line's end).
#[derive(Debug, Clone, Copy)]
struct Window {
    start: usize,
    end: usize,
    clipped_end: bool,
    single_line: bool,
}

impl Window {
    fn whole(text: &str) -> Self {
        Self {
            start: 0,
            end: text.len(),
            clipped_end: false,
            single_line: false,
        }
    }

    /// Whether `next` (starting at or after this window's start) overlaps this window or
    /// abuts it on the same line. A single-line window that ends with a line break does not
    /// join the next line's window, which starts at that line break: each line is searched
    /// with the line breaks on both sides, even when a match ends with one.
    fn joins(self, next: Self) -> bool {
        if self.single_line && self.end > 0 && !self.clipped_end {
            next.start + 1 < self.end
        } else {
            next.start <= self.end
        }
    }

    fn extend(&mut self, next: Self) {
        if next.end >= self.end {
            self.end = next.end;
            self.clipped_end = next.clipped_end;
        }
    }

    /// Where the search of a match that ran into a clipped end ends instead.
    fn unclipped_end(self, text: &str) -> usize {
        if self.single_line {
            memchr::memchr(b'\n', &text.as_bytes()[self.end..])
                .map_or(text.len(), |nl| self.end + nl + 1)
        } else {
            text.len()
        }
    }
}

/// The char boundary after `at` in `text`.
fn next_char(text: &str, at: usize) -> usize {
    text[at..]
        .chars()
        .next()
        .map_or(at + 1, |c| at + c.len_utf8())
}

/// One compiled detector.
#[derive(Debug, Clone)]
pub(crate) struct Detector {
    pub pattern: Pattern,
    /// See [`Reach`]; computed on first use, like the pattern.
    pub reach: OnceLock<Reach>,
    pub keywords: Vec<String>,
    /// Anchored at a keyword occurrence's end: where it does not match, the occurrence is
    /// not searched around (`detect.followed_by`).
    pub followed_by: Option<Gate>,
    pub entropy: Option<f64>,
    pub provider: String,
    pub allow: Vec<Pattern>,
    pub checksum: Option<Checksum>,
    pub pair: Option<Pair>,
    /// The identity-key kind of the matched value, when it names an identity rather than
    /// only being a secret (an AWS access key id).
    pub identity: Option<KeyKind>,
}

#[derive(Debug, Clone)]
pub(crate) struct Pair {
    pub name: String,
    pub pattern: Pattern,
    pub within_lines: u32,
}

/// A secret found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMatch {
    /// Byte range of the whole match (what the finding's location spans).
    pub start: usize,
    pub end: usize,
    /// Byte range of the secret itself within the text.
    pub secret_at: (usize, usize),
    pub secret: Secret,
    pub pair: Option<Secret>,
    /// Byte range of the paired companion within the text.
    pub pair_at: Option<(usize, usize)>,
}

impl Detector {
    /// Every match in `text`, after the entropy floor and the allow-list.
    pub(crate) fn find_all(&self, text: &str) -> Vec<SecretMatch> {
        let mut out = Vec::new();
        if let Some(group) = secret_group(self.pattern.regex()) {
            let mut locations = self.pattern.regex().capture_locations();
            self.find_in(text, Window::whole(text), group, &mut locations, &mut out);
        }
        out
    }

    /// Every match near the keyword occurrences at `hits` (ascending): within the reach of
    /// each, and within its line when every match lies within a line ([`Reach`]).
    pub(crate) fn find_near_keywords(&self, text: &str, hits: &[usize]) -> Vec<SecretMatch> {
        let reach = *self.reach.get_or_init(|| Reach::of(self.pattern.as_str()));
        let mut out = Vec::new();
        let Some(group) = secret_group(self.pattern.regex()) else {
            return out;
        };
        let mut locations = self.pattern.regex().capture_locations();
        let mut current: Option<Window> = None;
        for &hit in hits {
            if current.is_some_and(|w| {
                hit < w.end && (!w.clipped_end || hit.saturating_add(reach.len) < w.end)
            }) {
                continue;
            }
            let next = reach.window(text, hit);
            match &mut current {
                Some(window) if window.joins(next) => window.extend(next),
                _ => {
                    if let Some(window) = current.replace(next) {
                        self.find_in(text, window, group, &mut locations, &mut out);
                    }
                }
            }
        }
        if let Some(window) = current {
            self.find_in(text, window, group, &mut locations, &mut out);
        }
        out
    }

    /// The matches that start in `window`, read with the text around it as context (a
    /// boundary at the window's start sees the byte before it), with offsets in `text`;
    /// `group` is the pattern's [`secret_group`]; `locations` is room for its captures.
    /// A match that runs into a clipped end is searched again to the end of its line (or
    /// of the text), so it is found whole.
    fn find_in(
        &self,
        text: &str,
        window: Window,
        group: usize,
        locations: &mut regex::CaptureLocations,
        out: &mut Vec<SecretMatch>,
    ) {
        let regex = self.pattern.regex();
        let Some(mut haystack) = text.get(..window.end) else {
            return;
        };
        let mut at = window.start;
        while at < window.end {
            let Some(mut whole) = regex.captures_read_at(locations, haystack, at) else {
                break;
            };
            if window.clipped_end && whole.end() == haystack.len() {
                haystack = &text[..window.unclipped_end(text)];
                let Some(again) = regex.captures_read_at(locations, haystack, whole.start()) else {
                    break;
                };
                whole = again;
            }
            at = if whole.end() > whole.start() {
                whole.end()
            } else {
                next_char(haystack, whole.end())
            };
            let Some((secret_start, secret_end)) = locations.get(group) else {
                continue;
            };
            let value = &haystack[secret_start..secret_end];
            if self
                .entropy
                .is_some_and(|floor| shannon_entropy(value) < floor)
                || self.allow.iter().any(|a| a.regex().is_match(value))
                || self.checksum.is_some_and(|c| !c.holds(value))
                || is_placeholder(value, line_before(text, secret_start))
            {
                continue;
            }
            let pair = self
                .pair
                .as_ref()
                .and_then(|p| p.find_near(text, whole.start()));
            out.push(SecretMatch {
                start: whole.start(),
                end: whole.end(),
                secret_at: (secret_start, secret_end),
                secret: Secret::new(value),
                pair_at: pair.as_ref().map(|(at, _)| *at),
                pair: pair.map(|(_, value)| Secret::new(value)),
            });
        }
    }

    /// Whether one of the keywords occurs in `text` (exactly: keywords are case-sensitive,
    /// which lets the prefilter use SIMD literal search).
    pub(crate) fn prefilter_hits(&self, text: &str) -> bool {
        self.keywords.iter().any(|k| text.contains(k.as_str()))
    }
}

impl Pair {
    /// The companion nearest to `at` within `within_lines` lines either side, and its
    /// byte range in `text`.
    fn find_near(&self, text: &str, at: usize) -> Option<((usize, usize), String)> {
        let bytes = text.as_bytes();
        let lines = self.within_lines as usize;
        let mut from = at;
        for _ in 0..=lines {
            match bytes[..from].iter().rposition(|b| *b == b'\n') {
                Some(nl) => from = nl,
                None => {
                    from = 0;
                    break;
                }
            }
        }
        let mut to = at;
        for _ in 0..=lines {
            match bytes[to..].iter().position(|b| *b == b'\n') {
                Some(nl) => to += nl + 1,
                None => {
                    to = bytes.len();
                    break;
                }
            }
        }
        let window = text.get(from..to)?;
        self.pattern
            .regex()
            .captures_iter(window)
            .filter_map(|c| c.get(1))
            .min_by_key(|m| m.start().abs_diff(at - from))
            .map(|m| ((from + m.start(), from + m.end()), m.as_str().to_owned()))
    }
}

impl Checksum {
    fn holds(self, secret: &str) -> bool {
        match self {
            Self::Github => github_checksum(secret),
        }
    }
}

/// GitHub token formats since 2021: `gh?_` + 30 random base62 characters + the CRC-32
/// (IEEE) of those 30, in base62, left-padded with `0` to 6 characters. Only the
/// 40-character form is checked; longer tokens (`github_pat_`, 80-character `ghr_`) pass.
/// The placeholder filter uses it too: a token in this format whose checksum fails is a
/// made-up example whichever rule matched it.
pub(crate) fn github_checksum(token: &str) -> bool {
    const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    if token.len() != 40 {
        return true;
    }
    let Some((_, body)) = token.split_once('_') else {
        return false;
    };
    let (Some(random), Some(check)) = (body.get(..30), body.get(30..)) else {
        return false;
    };
    let mut crc = u64::from(crc32(random.as_bytes()));
    let mut encoded = [b'0'; 6];
    for slot in encoded.iter_mut().rev() {
        *slot = BASE62[(crc % 62) as usize];
        crc /= 62;
    }
    crc == 0 && check.as_bytes() == encoded
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0_u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// Whether a keyword occurrence ending at `end` may be part of a match: `followed_by`
/// (anchored) matches the text from there, or there is no `followed_by`.
pub(crate) fn follows(followed_by: Option<&Gate>, text: &str, end: usize) -> bool {
    followed_by.is_none_or(|f| text.get(end..).is_some_and(|rest| f.is_match(rest)))
}

/// A detector's `followed_by`, run at every occurrence of its keywords (half a million on
/// the benchmark corpus). It is compiled to a small DFA where one fits in [`GATE_DFA_LIMIT`]:
/// walking it costs a fifth of the general regex engine's search, most of which is setting
/// up a search that reads a few bytes. A larger one is run by the regex.
#[derive(Debug, Clone)]
pub(crate) struct Gate {
    /// Anchored at the start (`\A(?:…)`).
    pub pattern: Pattern,
    dfa: OnceLock<Option<Box<regex_automata::dfa::dense::DFA<Vec<u32>>>>>,
}

/// The most memory a gate's DFA may take.
const GATE_DFA_LIMIT: usize = 64 << 10;

impl Gate {
    pub(crate) fn new(pattern: Pattern) -> Self {
        Self {
            pattern,
            dfa: OnceLock::new(),
        }
    }

    /// Whether the pattern matches at the start of `text`.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        use regex_automata::dfa::Automaton as _;
        let dfa = self.dfa.get_or_init(|| {
            use regex_automata::dfa::{StartKind, dense};
            dense::Builder::new()
                .configure(
                    dense::DFA::config()
                        .start_kind(StartKind::Anchored)
                        .dfa_size_limit(Some(GATE_DFA_LIMIT))
                        .determinize_size_limit(Some(4 * GATE_DFA_LIMIT)),
                )
                .build(&ascii_classes(self.pattern.as_str()))
                .ok()
                .map(Box::new)
        });
        let Some(dfa) = dfa else {
            return self.pattern.regex().is_match(text);
        };
        let input = regex_automata::Input::new(text)
            .anchored(regex_automata::Anchored::Yes)
            .earliest(true);
        dfa.try_search_fwd(&input)
            .map_or_else(|_| self.pattern.regex().is_match(text), |m| m.is_some())
    }
}

/// A text longer than two of these is searched for keywords in pieces of this size on
/// the worker pool, so one large file does not leave the other workers idle at the end.
pub(crate) const PIECE: usize = 1 << 20;

/// All detectors of a rule set behind one keyword prefilter.
#[derive(Debug, Clone)]
pub(crate) struct DetectorSet {
    filter: KeywordFilter,
    /// Distinct keyword (pattern index) → its length and the detectors that list it,
    /// ascending.
    owners: Vec<(usize, Vec<usize>)>,
    /// Each detector's `followed_by`.
    follow: Vec<Option<Gate>>,
    /// The longest keyword's length.
    longest: usize,
}

impl DetectorSet {
    pub(crate) fn new<'a>(detectors: impl IntoIterator<Item = &'a Detector>) -> Self {
        let mut keywords: Vec<&str> = Vec::new();
        let mut owners: Vec<(usize, Vec<usize>)> = Vec::new();
        let mut follow = Vec::new();
        for (i, detector) in detectors.into_iter().enumerate() {
            for keyword in &detector.keywords {
                match keywords.iter().position(|k| k == keyword) {
                    Some(p) => owners[p].1.push(i),
                    None => {
                        keywords.push(keyword);
                        owners.push((keyword.len(), vec![i]));
                    }
                }
            }
            follow.push(detector.followed_by.clone());
        }
        Self {
            filter: KeywordFilter::new(&keywords),
            longest: keywords.iter().map(|k| k.len()).max().unwrap_or(0),
            owners,
            follow,
        }
    }

    /// The detectors whose keywords occur in `text`, ascending, whatever the keywords'
    /// overlaps, each with the places its keywords occur, ascending.
    pub(crate) fn hits(&self, text: &str) -> Vec<(usize, Vec<usize>)> {
        let bytes = text.as_bytes();
        let found: Vec<(usize, usize)> = if bytes.len() > 2 * PIECE {
            (0..bytes.len().div_ceil(PIECE))
                .into_par_iter()
                .flat_map_iter(|i| {
                    let (start, end) = (i * PIECE, ((i + 1) * PIECE).min(bytes.len()));
                    let reach = (end + self.longest).min(bytes.len());
                    let mut found = Vec::new();
                    self.filter.for_each(&bytes[start..reach], |at, keyword| {
                        if start + at < end {
                            found.push((start + at, keyword));
                        }
                    });
                    found
                })
                .collect()
        } else {
            let mut found = Vec::new();
            self.filter
                .for_each(bytes, |at, keyword| found.push((at, keyword)));
            found
        };
        if found.is_empty() {
            return Vec::new();
        }
        let mut pairs: Vec<(usize, usize)> = Vec::with_capacity(found.len());
        for (at, keyword) in found {
            let (len, owners) = &self.owners[keyword];
            for &detector in owners {
                if follows(self.follow[detector].as_ref(), text, at + len) {
                    pairs.push((detector, at));
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut hits: Vec<(usize, Vec<usize>)> = Vec::new();
        for (detector, at) in pairs {
            match hits.last_mut() {
                Some((last, places)) if *last == detector => places.push(at),
                _ => hits.push((detector, vec![at])),
            }
        }
        hits
    }

    /// Indices of the detectors whose keywords occur in `text`, ascending.
    #[cfg(test)]
    pub(crate) fn candidates(&self, text: &str) -> Vec<usize> {
        self.hits(text).into_iter().map(|(i, _)| i).collect()
    }
}

/// The text before byte `at` on its line.
fn line_before(text: &str, at: usize) -> &str {
    let start = memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |nl| nl + 1);
    &text[start..at]
}

/// Shannon entropy in bits per character.
pub(crate) fn shannon_entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut total = 0_u32;
    for c in s.chars() {
        *counts.entry(c).or_insert(0_u32) += 1;
        total += 1;
    }
    let total = f64::from(total.max(1));
    counts
        .values()
        .map(|&n| {
            let p = f64::from(n) / total;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single_line(pattern: &str) -> bool {
        regex_syntax::parse(pattern).is_ok_and(|hir| is_single_line(&hir))
    }

    fn aws() -> Detector {
        Detector {
            pattern: Pattern::deferred(r"\b((?:AKIA|ASIA)[A-Z2-7]{16})\b"),
            reach: OnceLock::new(),
            keywords: vec!["AKIA".into(), "ASIA".into()],
            followed_by: None,
            entropy: Some(3.0),
            provider: "aws".into(),
            allow: vec![Pattern::ready("EXAMPLE$", Regex::new("EXAMPLE$").unwrap())],
            checksum: None,
            identity: None,
            pair: Some(Pair {
                name: "secret_access_key".into(),
                pattern: Pattern::deferred(r"secret\S*\s*=\s*([A-Za-z0-9/+]{40})"),
                within_lines: 2,
            }),
        }
    }

    #[test]
    fn finds_the_key_and_its_secret_on_the_next_line() {
        let text = "x = 1\nid = AKIAZ7RTQ2MXGH5KPL4Q\nsecret_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKZ\n";
        let found = aws().find_all(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].secret.expose(), "AKIAZ7RTQ2MXGH5KPL4Q");
        assert_eq!(&text[found[0].start..found[0].end], "AKIAZ7RTQ2MXGH5KPL4Q");
        assert_eq!(
            found[0].pair.as_ref().map(Secret::expose),
            Some("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKZ")
        );
    }

    #[test]
    fn single_line_patterns_are_recognised() {
        assert!(single_line(r"\b(ghp_[A-Za-z0-9]{36})\b"));
        assert!(single_line(r"(?m)^token=([a-z]{8})$"));
        assert!(
            single_line(r"key[ \t]*=[ \t]*([^\s]{8})"),
            "[^\\s] excludes the newline"
        );
        assert!(!single_line(r"key\s*=\s*(\w{8})"), "\\s matches a newline");
        assert!(!single_line(r"(?s)BEGIN(.*)END"));
        assert!(
            single_line(r"^(\w{8})"),
            "without (?m), ^ is the start of the text, which a line's window starts at only on the first line"
        );
        assert!(
            !single_line(r"key(^)=(\w{8})"),
            "the start of the text asserted inside a match"
        );
        assert!(
            !single_line(r"key=([^\x22]{8})"),
            "a negated class includes the newline"
        );
        assert!(
            single_line(
                r"(?:^|[^A-Za-z0-9_\-])(?P<secret>glpat-[A-Za-z0-9_\-]{20})(?:[^A-Za-z0-9_\-]|$)"
            ),
            "a boundary may match the line break before or after the match"
        );
        assert!(
            single_line(
                r"x://(?:[^:\n]{1,9}@(?:localhost|host)(?:[^a-z]|$)|(?P<secret>[a-z]{3})@)"
            ),
            "the last branch of a last alternation ends the match"
        );
        assert!(
            !single_line(r"(?:[^a-z]|$)key=(\w{8})"),
            "a boundary class in the middle may match a line break inside the match"
        );
        assert!(
            !single_line(r"(?:[^a-z])+key"),
            "a repeated class can match several characters at the start"
        );
    }

    #[test]
    fn a_boundary_at_a_line_start_or_end_is_found_on_every_line() {
        let detector = new_detector(
            r"(?:^|[^A-Za-z0-9_])(?P<secret>tok_[a-z0-9]{12})(?:[^A-Za-z0-9_]|$)",
            "tok_",
        );
        let text = "tok_a7k2m9x4p1q6\ntok_q7w8e9r0t1y2\nx tok_z9x8c7v6b5n4";
        let hits: Vec<usize> = text.match_indices("tok_").map(|(at, _)| at).collect();
        let found: Vec<&str> = detector
            .find_near_keywords(text, &hits)
            .iter()
            .map(|m| &text[m.secret_at.0..m.secret_at.1])
            .collect();
        assert_eq!(
            found,
            ["tok_a7k2m9x4p1q6", "tok_q7w8e9r0t1y2", "tok_z9x8c7v6b5n4"],
            "the second token's boundary is the line break the first one's match ended with"
        );
    }

    #[test]
    fn the_line_search_finds_what_the_whole_search_finds() {
        let detector = aws();
        let text =
            "a\nid = AKIAZ7RTQ2MXGH5KPL4Q and ASIAY34FZKBOKMUTVV7A\nno key\nAKIAPRORDPOWTKQMLYJ7";
        let hits: Vec<usize> = ["AKIA", "ASIA"]
            .iter()
            .flat_map(|k| text.match_indices(k).map(|(at, _)| at))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let whole = detector.find_all(text);
        assert_eq!(whole.len(), 3);
        assert_eq!(detector.find_near_keywords(text, &hits), whole);
        let set = DetectorSet::new([&detector]);
        let found = set.hits(text);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].1,
            [
                text.find("AKIAZ").unwrap(),
                text.find("ASIAY").unwrap(),
                text.find("AKIAP").unwrap()
            ],
            "every keyword occurrence"
        );
    }

    /// A `followed_by` gives the same answer whether it runs as a DFA or, too large for
    /// one, as the regex: for a small gate, for one with a long bounded gap (the Mailgun
    /// rule's) and for one whose DFA is over the limit.
    #[test]
    fn a_gate_answers_as_its_regex_does_whether_or_not_it_fits_a_dfa() {
        let texts = [
            "0123456789abcdef0123456789abcdef",
            "0123456789abcdef0123456789abcdeX",
            " = \"token\"",
            "key-0123456789abcdef0123456789abcdef",
            "é key-0123456789abcdef0123456789abcdef",
            "\nkey-0123456789abcdef0123456789abcdef",
            "",
            "xyz",
        ];
        let sources = [
            r"[0-9a-f]{32}",
            r#"["']?[ \t]*(?::=|=>|=|:|value[ \t]*=)"#,
            r"[^\n]{0,61}?(?:key-[0-9a-f]{32}|[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})",
            r"[^\n]{0,400}?(?:key-[0-9a-f]{32}|\w{40})",
        ];
        for source in sources {
            let gate = Gate::new(Pattern::deferred(&format!(r"\A(?:{source})")));
            let regex = build_regex(&format!(r"\A(?:{source})")).unwrap();
            for text in texts {
                assert_eq!(
                    gate.is_match(text),
                    regex.is_match(text),
                    "{source} on {text:?}"
                );
            }
        }
        let small = Gate::new(Pattern::deferred(r"\A(?:[0-9a-f]{32})"));
        assert!(small.is_match("0123456789abcdef0123456789abcdef"));
        assert!(
            small.dfa.get().is_some_and(Option::is_some),
            "a small gate runs as a DFA"
        );
        let large = Gate::new(Pattern::deferred(
            r"\A(?:[^\n]{0,400}?(?:key-[0-9a-f]{32}|\w{40}))",
        ));
        assert!(large.is_match("key-0123456789abcdef0123456789abcdef"));
        assert!(
            large.dfa.get().is_some_and(Option::is_none),
            "a large one falls back to the regex"
        );
    }

    fn new_detector(pattern: &str, keyword: &str) -> Detector {
        Detector {
            pattern: Pattern::deferred(pattern),
            reach: OnceLock::new(),
            keywords: vec![keyword.into()],
            followed_by: None,
            entropy: None,
            provider: "test".into(),
            allow: Vec::new(),
            checksum: None,
            identity: None,
            pair: None,
        }
    }

    fn hits(detector: &Detector, text: &str) -> Vec<usize> {
        let keyword = detector.keywords[0].as_str();
        text.match_indices(keyword).map(|(at, _)| at).collect()
    }

    fn near(detector: &Detector, text: &str) -> Vec<String> {
        detector
            .find_near_keywords(text, &hits(detector, text))
            .iter()
            .map(|m| text[m.secret_at.0..m.secret_at.1].to_owned())
            .collect()
    }

    #[test]
    fn a_long_line_is_searched_only_near_its_keywords_and_finds_every_match() {
        let detector = new_detector(r"\b(?P<secret>SK[0-9a-f]{32})\b", "SK");
        assert_eq!(
            Reach::of(detector.pattern.as_str()),
            Reach {
                single_line: true,
                len: 34
            }
        );
        let key = |c: char| format!("SK{}", c.to_string().repeat(16) + &"0a".repeat(8));
        let filler = "x=1; ".repeat(4000);
        let text = format!(
            "{filler}{} {filler}{}{filler} and {}",
            key('1'),
            key('2'),
            key('3')
        );
        assert_eq!(
            near(&detector, &text),
            [key('1'), key('3')],
            "the middle key runs into the filler after it (no word boundary); the others are \
             found 20 and 60 KB into the line"
        );
        assert_eq!(
            detector.find_near_keywords(&text, &hits(&detector, &text)),
            detector.find_all(&text)
        );
    }

    #[test]
    fn a_match_longer_than_its_reach_is_found_whole() {
        let detector = new_detector(r"(?P<secret>tok_[a-z0-9]+)", "tok_");
        let long = format!("tok_{}", "a1".repeat(3000));
        let text = format!("{} {long} end", "word ".repeat(2000));
        assert!(Reach::of(detector.pattern.as_str()).len < long.len());
        assert_eq!(near(&detector, &text), std::slice::from_ref(&long));
        let multi_line = new_detector(r"(?s)(?P<secret>tok_[a-z0-9\n]+)", "tok_");
        let text = format!("{long}\n{}", "b2".repeat(500));
        assert_eq!(
            near(&multi_line, &text),
            [format!("{long}\n{}", "b2".repeat(500))]
        );
    }

    #[test]
    fn a_window_start_sees_the_byte_before_it() {
        // The window of `tok_` starts 9 bytes before it (the longest match), at the `w`.
        let detector = new_detector(r"\b(?P<secret>[a-z]{4}[0-9]{4})-|tok_", "tok_");
        assert_eq!(Reach::of(detector.pattern.as_str()).len, 9);
        let glued = format!("{}wkqz7394-tok_", "q".repeat(12));
        assert_eq!(
            secret_group(detector.pattern.regex())
                .and_then(|g| detector.pattern.regex().captures(&glued[12..])?.get(g))
                .map(|m| m.as_str()),
            Some("wkqz7394"),
            "the window's bytes alone, read as a text of their own, would match"
        );
        assert_eq!(
            near(&detector, &glued),
            Vec::<String>::new(),
            "no word boundary between the q before the window and its first byte"
        );
        let apart = format!("{} wkqz7394-tok_", "q".repeat(11));
        assert_eq!(near(&detector, &apart), ["wkqz7394"]);
    }

    #[test]
    fn perl_classes_are_ascii_and_their_negations_still_match_any_character() {
        assert_eq!(
            ascii_classes(r#"\w+[\w.-]\s*[^\s"']\d\S\b"#),
            r#"[[:word:]]+[[:word:].-][[:space:]]*[^[:space:]"'][[:digit:]][[:^space:]](?-u:\b)"#
        );
        assert_eq!(ascii_classes(r"[\]\w]\\w"), r"[\][:word:]]\\w");
        let word = build_regex(r"^\w+$").unwrap();
        assert!(word.is_match("key_1") && !word.is_match("clé"));
        let not_space = build_regex(r"^\S+$").unwrap();
        assert!(not_space.is_match("clé") && !not_space.is_match("a b"));
        let value = build_regex(r#"^[^\s"']+$"#).unwrap();
        assert!(value.is_match("pässwörd") && !value.is_match("a\tb"));
    }

    #[test]
    fn allow_list_and_entropy_floor_reject() {
        assert!(aws().find_all("AKIAIOSFODNN7EXAMPLE").is_empty());
        assert!(aws().find_all("AKIAAAAAAAAAAAAAAAAA").is_empty());
        assert!(
            aws()
                .find_all("key AKIAZ7RTQ2MXGH5KPL4Q far away")
                .first()
                .unwrap()
                .pair
                .is_none()
        );
    }

    #[test]
    fn github_checksum_separates_real_tokens_from_lookalikes() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert!(github_checksum("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"));
        assert!(!github_checksum("ghp_alh14KfgqLX1Hy3qWNHQBZdK35TwOU45eddF"));
        assert!(!github_checksum("ghp_PersonalAccessToken01245678900000000"));
        assert!(
            !github_checksum("gho_16C7e42F292c6912E7710c838347Ae178B4a"),
            "GitHub's docs example"
        );
        assert!(github_checksum(
            "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"
        ));
        assert!(github_checksum(
            "ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c3CE1ccbF66C46812d16D5B1A9Dc86A1498"
        ));
    }

    #[test]
    fn keyword_set_selects_only_candidates() {
        let github = Detector {
            keywords: vec!["ghp_".into()],
            followed_by: None,
            ..aws()
        };
        let detectors = [aws(), github];
        let set = DetectorSet::new(&detectors);
        assert_eq!(set.candidates("token: ghp_abc"), vec![1]);
        assert!(
            set.candidates("token: GHP_abc").is_empty(),
            "keywords are case-sensitive"
        );
        assert_eq!(set.candidates("AKIA and ghp_"), vec![0, 1]);
        assert_eq!(set.candidates("ghp_ then AKIA, then more ghp_"), vec![0, 1]);
        assert!(set.candidates("nothing here").is_empty());
    }

    /// Issue 5: a user rule's keyword `xoxb` must not hide the built-in Slack detector's
    /// `xoxb-`, whichever is listed first, nor a keyword that starts inside another's match.
    #[test]
    fn overlapping_keywords_of_different_detectors_all_fire() {
        let with = |keywords: &[&str]| Detector {
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
            followed_by: None,
            ..aws()
        };
        for detectors in [
            [with(&["xoxb"]), with(&["xoxb-"])],
            [with(&["xoxb-"]), with(&["xoxb"])],
        ] {
            let set = DetectorSet::new(&detectors);
            assert_eq!(set.candidates("token = xoxb-123"), vec![0, 1]);
        }
        let detectors = [
            with(&["AKIA"]),
            with(&["KIAZ"]),
            with(&["IA"]),
            with(&["AKIA"]),
            with(&["ZZZ"]),
        ];
        let set = DetectorSet::new(&detectors);
        assert_eq!(
            set.candidates("id = AKIAZ7"),
            vec![0, 1, 2, 3],
            "a keyword starting inside another's match, one inside it, one shared"
        );
        assert_eq!(set.candidates("xx IA"), vec![2]);
    }

    /// Against a brute-force oracle: every detector with a keyword that is a substring.
    #[test]
    fn candidates_equal_the_substring_oracle() {
        let alphabet = ["a", "b", "ab", "ba", "aab", "bab", "abab", "b-", "-a"];
        let detectors: Vec<Detector> = (0..alphabet.len())
            .map(|i| Detector {
                keywords: vec![
                    alphabet[i].to_owned(),
                    alphabet[(i * 5 + 3) % alphabet.len()].to_owned(),
                ],
                ..aws()
            })
            .collect();
        let set = DetectorSet::new(&detectors);
        let mut seed = 7_u32;
        for _ in 0..500 {
            let mut text = String::new();
            for _ in 0..(seed % 9) {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                text.push_str(["a", "b", "-", "x"][(seed >> 16) as usize % 4]);
            }
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let oracle: Vec<usize> = detectors
                .iter()
                .enumerate()
                .filter(|(_, d)| d.prefilter_hits(&text))
                .map(|(i, _)| i)
                .collect();
            assert_eq!(set.candidates(&text), oracle, "text {text:?}");
        }
    }

    /// A text over two pieces is searched piece by piece in parallel: a keyword across a
    /// piece boundary is found once, at its place, like any other.
    #[test]
    fn a_large_text_has_every_keyword_occurrence_across_piece_boundaries() {
        let detectors = [
            Detector {
                keywords: vec!["AKIA".into(), "ghp_".into()],
                ..aws()
            },
            Detector {
                keywords: vec!["secret_access_key".into()],
                ..aws()
            },
        ];
        let set = DetectorSet::new(&detectors);
        let mut text = vec![b'.'; 9 * PIECE + PIECE / 2];
        let combos = [("AKIA", 0), ("AKIA", 1), ("ghp_", 3), ("ghp_", 4)]
            .into_iter()
            .chain([0, 1, 16, 17].map(|back| ("secret_access_key", back)));
        for (i, (keyword, back)) in combos.enumerate() {
            let at = (i + 1) * PIECE - back;
            text[at..at + keyword.len()].copy_from_slice(keyword.as_bytes());
        }
        let text = String::from_utf8(text).unwrap();
        let want: Vec<(usize, Vec<usize>)> = detectors
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let mut places: Vec<usize> = d
                    .keywords
                    .iter()
                    .flat_map(|k| text.match_indices(k.as_str()).map(|(at, _)| at))
                    .collect();
                places.sort_unstable();
                (i, places)
            })
            .collect();
        assert_eq!(want[0].1.len() + want[1].1.len(), 8);
        assert_eq!(set.hits(&text), want);
    }
}
