//! Extract: one blob at a time (in parallel, by the caller), read it once, hand it to every
//! adapter that claims it, and run the detectors over its text. The result is facts only:
//! subjects (secrets among them) and input errors. Nothing is judged here.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use super::settle::{Settled, Settler};
use super::{MAX_FINDINGS_PER_FILE, MAX_SAME_SECRET_LISTED, Options, capped_error, treat};
use crate::inputs::{Blob, read_bounded_into};
use serde_json::Value;

use crate::model::{
    Anchor, IdentityKey, InputError, InputErrorKind, KeyKind, Origin, Related, SAME_SECRET,
    SecretFacts, Span, Subject,
};
use crate::rules::{Detection, RuleSet, attribute};
use crate::sources::{Extracted, Input, SOURCES, ci, private_key, text};

/// Bytes read at the start of a file to pick adapters and detect binary content.
const HEAD: usize = 8192;
/// Chunk size and overlap (bytes) when a file is too large to read whole. The overlap is
/// the longest match found across a cut (a private key block is about 3 KiB).
const CHUNK: usize = 8 << 20;
const OVERLAP: usize = 64 << 10;
/// The largest read buffer a worker keeps for its next file.
const KEPT_BUFFER: usize = 8 << 20;

thread_local! {
    /// Each worker's read buffer, reused from file to file: a fresh one per file costs a
    /// page fault and a zeroed page for every 4 KiB read.
    static READ_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// What one blob gave.
#[derive(Debug, Default)]
pub(crate) struct BlobFacts {
    pub subjects: Vec<Subject>,
    /// What the subjects judged while the blob was read left (see `settle`).
    pub settled: Option<Settled>,
    pub errors: Vec<InputError>,
    /// Whether the content was read to its end (and `bytes` of it).
    pub scanned: bool,
    pub bytes: u64,
    pub binary: bool,
    pub too_large: bool,
    pub sources: Vec<&'static str>,
}

/// Extracts one blob; a panic in an adapter becomes an input error, never a crash.
pub(crate) fn extract(blob: &Blob, rules: &RuleSet, options: &Options) -> BlobFacts {
    let mut facts = catch_unwind(AssertUnwindSafe(|| extract_blob(blob, rules, options)))
        .unwrap_or_else(|_| BlobFacts {
            errors: vec![InputError::new(
                blob.display(),
                InputErrorKind::Parse,
                "internal error while reading this file (a bug in nhiscan; please report it)",
            )],
            ..BlobFacts::default()
        });
    if let Some(history) = blob.history() {
        for subject in &mut facts.subjects {
            let path = Arc::clone(&subject.origin.path);
            let origins = std::iter::once(&mut subject.origin)
                .chain(subject.related.iter_mut().map(|r| &mut r.origin));
            for origin in origins.filter(|o| o.path == path) {
                origin.commit = Some(history.clone());
            }
        }
    }
    facts
}

fn extract_blob(blob: &Blob, rules: &RuleSet, options: &Options) -> BlobFacts {
    let max_file_size = options.max_file_size;
    let mut facts = BlobFacts::default();
    let path: Arc<str> = Arc::from(blob.display());
    let io_error = |e: std::io::Error| InputError::new(&*path, InputErrorKind::Io, e.to_string());
    let (mut reader, size) = match blob.open() {
        Ok(opened) => opened,
        Err(e) => {
            facts.errors.push(io_error(e));
            return facts;
        }
    };
    if size.is_some_and(|size| size > max_file_size) {
        return extract_large(reader, Vec::new(), &path, rules, facts, CHUNK);
    }
    let mut bytes = READ_BUFFER.with_borrow_mut(std::mem::take);
    let size = || size.or_else(|| blob.stat_size());
    match read_bounded_into(&mut reader, max_file_size, size, &mut bytes) {
        Ok(false) => {}
        Ok(true) => return extract_large(reader, bytes, &path, rules, facts, CHUNK),
        Err(e) => {
            facts.errors.push(io_error(e));
            return facts;
        }
    }
    let facts = extract_read(&bytes, path, blob, rules, options, facts);
    if bytes.capacity() <= KEPT_BUFFER {
        READ_BUFFER.with_borrow_mut(|kept| *kept = bytes);
    }
    facts
}

/// Extracts a blob read whole into `bytes`.
fn extract_read(
    bytes: &[u8],
    path: Arc<str>,
    blob: &Blob,
    rules: &RuleSet,
    options: &Options,
    mut facts: BlobFacts,
) -> BlobFacts {
    let io_error = |e: std::io::Error| InputError::new(&*path, InputErrorKind::Io, e.to_string());
    facts.scanned = true;
    facts.bytes = bytes.len() as u64;
    let head = &bytes[..bytes.len().min(HEAD)];
    let binary = text::is_binary(head);
    let claimed = SOURCES.iter().filter(|s| s.sniff(&path, head));
    let input = Input::new(&path, bytes);
    let mut settler = Settler::new(Arc::clone(&path), blob.history(), rules, options);
    for source in claimed {
        facts.sources.push(source.id());
        let mut sink = |batch| settler.settle(batch);
        let mut out = Extracted {
            sink: Some(&mut sink),
            ..Extracted::default()
        };
        let result = source.extract(&input, &mut out);
        let (finals, problems, mut subjects) = (out.finals, out.problems, out.subjects);
        if settler.started() {
            settler.settle(finals);
        } else {
            subjects.extend(finals);
        }
        let problems = problems.into_iter().chain(result.err().map(|e| e.0));
        for problem in problems {
            facts.errors.push(InputError {
                source: Some(source.id().to_owned()),
                ..InputError::new(&*path, InputErrorKind::Parse, problem.to_string())
            });
        }
        if facts.subjects.is_empty() {
            facts.subjects = subjects;
        } else {
            facts.subjects.append(&mut subjects);
        }
    }
    facts.settled = settler.finish();
    for parsed in input.parsed() {
        for error in &parsed.errors {
            facts.errors.push(InputError::new(
                &*path,
                InputErrorKind::Parse,
                error.to_string(),
            ));
        }
    }
    if binary {
        facts.binary = facts.sources.is_empty();
        return facts;
    }
    facts.sources.push(text::ID);
    let (decoded, invalid_at) = text::decode(bytes);
    if let Some(offset) = invalid_at {
        facts.errors.push(InputError::new(
            &*path,
            InputErrorKind::Encoding,
            format!(
                "invalid UTF-8 at byte {offset}; the rest was scanned with replacement characters"
            ),
        ));
    }
    let mut state = FileSecrets::new(&facts.subjects);
    let detected = text::for_each_chunk_of(decoded.as_bytes(), CHUNK, OVERLAP, |chunk| {
        let text = if chunk.bytes.len() == decoded.len() {
            Cow::Borrowed(&*decoded)
        } else {
            text::decode(chunk.bytes).0
        };
        detect_chunk(chunk, &text, &path, rules, &mut state, &mut facts.subjects);
    });
    if let Err(e) = detected {
        facts.errors.push(io_error(e));
    }
    if state.found() > MAX_FINDINGS_PER_FILE {
        facts
            .errors
            .push(capped_error(&path, state.found() - MAX_FINDINGS_PER_FILE));
    }
    facts
}

/// What detection remembers across the chunks of one file.
#[derive(Default)]
struct FileSecrets {
    /// Identity keys the file's own adapters listed (see `is_listed`).
    listed: HashSet<IdentityKey>,
    /// `(detector, keyed hash)` → the subject that stands for that secret in this file.
    kept: HashMap<(String, String), usize>,
    /// Distinct secrets past the cap, by a prefix of their keyed hash: counted, not kept.
    over: HashSet<u64>,
    /// Whether an adapter found CI configuration in the file (a secret's context then
    /// depends on where it is).
    ci: bool,
}

impl FileSecrets {
    fn new(subjects: &[Subject]) -> Self {
        Self {
            listed: subjects
                .iter()
                .flat_map(|s| s.keys.iter().cloned())
                .collect(),
            ci: subjects.iter().any(|s| s.attrs.contains_key(ci::PLATFORM)),
            ..Self::default()
        }
    }

    /// Distinct secrets found in the file, kept or not.
    fn found(&self) -> usize {
        self.kept.len() + self.over.len()
    }
}

/// Runs the detectors over one chunk and keeps a secret subject for each distinct secret,
/// up to `MAX_FINDINGS_PER_FILE` in the file (`state` counts the rest). Another place of a
/// secret already kept becomes a related place of its subject (at most
/// `MAX_SAME_SECRET_LISTED`, all counted in `occurrences`), so a token repeated a million
/// times costs one subject. Detecting chunk by chunk bounds the detections held at once.
/// `decoded` is the chunk's bytes as text.
fn detect_chunk(
    chunk: &text::Chunk<'_>,
    decoded: &str,
    path: &Arc<str>,
    rules: &RuleSet,
    state: &mut FileSecrets,
    subjects: &mut Vec<Subject>,
) {
    let input = Input::new(path, decoded.as_bytes());
    let held: Vec<Span> = subjects
        .iter()
        .flat_map(|s| s.holds.iter().filter_map(|field| s.origin.span_of(field)))
        .collect();
    for detection in one_per_secret(rules.detect(decoded)) {
        if !chunk.owned.contains(&detection.found.start) || is_listed(&detection, &state.listed) {
            continue;
        }
        let (start, end) = detection.found.secret_at;
        let at = chunk.in_file(input.span(start, end));
        if held.iter().any(|outer| contains(*outer, at)) {
            continue;
        }
        let hash = detection.found.secret.keyed_hash();
        let key = (detection.code.to_owned(), hash);
        if state.over.contains(&hash_prefix(&key.1)) {
            continue;
        }
        let span = chunk.in_file(input.span(detection.found.start, detection.found.end));
        if let Some(&i) = state.kept.get(&key).filter(|_| !state.ci) {
            let mut origin = input.origin();
            origin.whole = Some(Anchor::At(span));
            same_secret(&mut subjects[i], origin);
            continue;
        }
        if !state.kept.contains_key(&key) && state.kept.len() >= MAX_FINDINGS_PER_FILE {
            state.over.insert(hash_prefix(&key.1));
            continue;
        }
        let mut secret = secret_subject(&detection, input.origin(), span);
        key_facts(&mut secret, &decoded[detection.found.start..]);
        if line_length(decoded.as_bytes(), detection.found.start) > treat::LONG_LINE {
            secret.set(treat::LONG_LINE_ATTR, true);
        }
        if let (Some(name), Some((start, end))) = (detection.pair_name, detection.found.pair_at) {
            let mut origin = input.origin();
            origin.whole = Some(Anchor::At(chunk.in_file(input.span(start, end))));
            secret.related.push(Related {
                label: name.to_owned(),
                origin,
            });
        }
        place_in_ci(subjects, &mut secret, at);
        let found = &detection.found;
        for value in std::iter::once(&found.secret).chain(&found.pair) {
            redact_in_ci(subjects, value.expose(), &value.redacted());
        }
        match state.kept.get(&key).map(|&i| &mut subjects[i]) {
            Some(first) if first.attrs == secret.attrs => same_secret(first, secret.origin),
            _ => {
                state.kept.entry(key).or_insert(subjects.len());
                subjects.push(secret);
            }
        }
    }
}

/// Records another place of `subject`'s secret.
fn same_secret(subject: &mut Subject, origin: Origin) {
    let Some(facts) = subject.secret.as_mut() else {
        return;
    };
    facts.occurrences += 1;
    let listed = subject
        .related
        .iter()
        .filter(|r| r.label == SAME_SECRET)
        .count();
    if listed < MAX_SAME_SECRET_LISTED {
        subject.related.push(Related {
            label: SAME_SECRET.to_owned(),
            origin,
        });
    }
}

fn hash_prefix(hash: &str) -> u64 {
    hash.get(..16)
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .unwrap_or_default()
}

/// The length in bytes of the line holding byte `at`.
fn line_length(text: &[u8], at: usize) -> usize {
    let start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |nl| nl + 1);
    let end = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |nl| at + nl);
    end - start
}

/// Whether span `inner` lies within `outer`.
fn contains(outer: Span, inner: Span) -> bool {
    (outer.line, outer.column) <= (inner.line, inner.column)
        && (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column)
}

/// For a private key block (the match starts at its BEGIN line): its format and whether
/// it is encrypted, with which cipher (see `sources::private_key`).
fn key_facts(secret: &mut Subject, from: &str) {
    let head = &from[..from.floor_char_boundary(from.len().min(160))];
    if !head.contains("PRIVATE KEY-----") {
        return;
    }
    if let Some(facts) = private_key::facts(from) {
        secret
            .set("key_format", facts.format)
            .set("encrypted", facts.encrypted)
            .set("cipher", facts.cipher);
        if let Some(kdf) = facts.kdf {
            secret.set("kdf", kdf);
        }
    }
}

/// A secret found inside a value of a CI configuration: one finding that carries both facts.
/// The secret gets `ci: {platform, workflow, job, key}` (`key` is the route of the innermost
/// value holding it) and a related location at its job; a CI credential subject whose value
/// holds it gets `detected: true` (and `detected_by`), so that the CI rule for literal
/// credentials does not report the same value a second time.
fn place_in_ci(subjects: &mut [Subject], secret: &mut Subject, at: Span) {
    let inside = |outer: Span| contains(outer, at);
    let size = |s: Span, subject: &Subject| {
        (
            s.end_line - s.line,
            s.end_column.abs_diff(s.column),
            !subject.kind.ends_with(ci::CREDENTIAL_SUFFIX),
        )
    };
    let mut best: Option<(usize, String, (u32, u32, bool))> = None;
    for (i, subject) in subjects.iter().enumerate() {
        if !subject.attrs.contains_key(ci::PLATFORM) {
            continue;
        }
        for (path, _) in &subject.origin.attrs {
            let Some(value) = attribute(&subject.attrs, path) else {
                continue;
            };
            let mut leaves = Vec::new();
            leaf_paths(path, value, &mut leaves);
            for leaf in leaves {
                let Some(span) = subject.origin.span_of(&leaf).filter(|s| inside(*s)) else {
                    continue;
                };
                let size = size(span, subject);
                if best.as_ref().is_none_or(|(_, _, b)| size < *b) {
                    best = Some((i, leaf, size));
                }
            }
        }
    }
    let Some((i, leaf, _)) = best else {
        return;
    };
    let holder = &subjects[i];
    let text = |key: &str| holder.attrs.get(key).cloned().unwrap_or(Value::Null);
    let key = holder
        .origin
        .route_of(&leaf)
        .map_or_else(|| leaf.clone(), |r| r.to_string());
    secret.set(
        "ci",
        serde_json::json!({
            "platform": text(ci::PLATFORM),
            "workflow": text("workflow"),
            "job": text("job"),
            "key": key,
        }),
    );
    let job = subjects.iter().find(|s| {
        ci::JOB_KINDS.contains(&s.kind.as_str())
            && s.origin.path == holder.origin.path
            && s.attrs.get("job") == holder.attrs.get("job")
    });
    let mut origin = job.unwrap_or(holder).origin.clone();
    origin.attrs.clear();
    secret.related.push(Related {
        label: format!(
            "{} job {}",
            text(ci::PLATFORM).as_str().unwrap_or("CI"),
            text("job").as_str().unwrap_or("?"),
        ),
        origin,
    });
    let detector = secret.attrs.get("detector").cloned().unwrap_or(Value::Null);
    let holder = &mut subjects[i];
    if holder.kind.ends_with(ci::CREDENTIAL_SUFFIX) {
        holder.set(ci::DETECTED, true).set("detected_by", detector);
    }
}

/// Replaces a detected secret by its redacted form in every value CI subjects copied verbatim
/// (`run`, `env`, `with`), so that the inventory never shows it whole.
fn redact_in_ci(subjects: &mut [Subject], secret: &str, redacted: &str) {
    fn walk(value: &mut Value, secret: &str, redacted: &str) {
        match value {
            Value::String(s) if s.contains(secret) => *s = s.replace(secret, redacted),
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, secret, redacted)),
            Value::Object(map) => map.values_mut().for_each(|v| walk(v, secret, redacted)),
            _ => {}
        }
    }
    if secret.is_empty() {
        return;
    }
    for subject in subjects.iter_mut() {
        if subject.attrs.contains_key(ci::PLATFORM) {
            subject
                .attrs
                .values_mut()
                .for_each(|v| walk(v, secret, redacted));
        }
    }
}

/// Attribute paths of every scalar below `value` (at `path`).
fn leaf_paths(path: &str, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                leaf_paths(&format!("{path}.{k}"), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaf_paths(&format!("{path}[{i}]"), v, out);
            }
        }
        _ => out.push(path.to_owned()),
    }
}

/// One finding per secret: where two detectors capture the same value at the same place
/// (a provider's token that a generic `*_TOKEN=` rule also matches), or one detector's
/// secret is another's paired companion (SEC005's secret key that SEC001 paired with its
/// key id), the detection with the highest confidence, then severity, then lowest code is
/// kept. Detections of different values are all kept, overlapping or not. In text order.
fn one_per_secret(mut detections: Vec<Detection<'_>>) -> Vec<Detection<'_>> {
    detections.sort_by(|a, b| {
        (b.confidence, b.severity, a.code, a.found.start).cmp(&(
            a.confidence,
            a.severity,
            b.code,
            b.found.start,
        ))
    });
    // Per value, the kept places (disjoint): start → end.
    let mut taken: HashMap<String, BTreeMap<usize, usize>> = HashMap::new();
    let mut paired: HashSet<String> = HashSet::new();
    let mut kept: Vec<Detection<'_>> = Vec::with_capacity(detections.len());
    for detection in detections {
        let (start, end) = detection.found.secret_at;
        let value = detection.found.secret.expose();
        let same_place = taken.get(value).is_some_and(|places| {
            places
                .range(..end)
                .next_back()
                .is_some_and(|(_, &e)| start < e)
        });
        if same_place || paired.contains(value) {
            continue;
        }
        taken
            .entry(value.to_owned())
            .or_default()
            .insert(start, end);
        if let Some(pair) = &detection.found.pair {
            paired.insert(pair.expose().to_owned());
        }
        kept.push(detection);
    }
    kept.sort_by_key(|d| (d.found.start, d.found.end));
    kept
}

/// Whether a detected identifier is one the input's own adapter listed: a key id in an
/// IAM export is the export's inventory, not a leak.
fn is_listed(detection: &Detection<'_>, listed: &HashSet<IdentityKey>) -> bool {
    detection.identity.is_some_and(|kind| {
        listed.contains(&IdentityKey {
            kind,
            value: detection.found.secret.expose().to_owned(),
        })
    })
}

/// A `secret` subject for a detector's match: the redacted value and a keyed hash, never
/// the value itself.
fn secret_subject(detection: &Detection<'_>, origin: Origin, span: Span) -> Subject {
    let found = &detection.found;
    let redacted = found.secret.redacted();
    let hash = found.secret.keyed_hash();
    let mut subject = Subject::new(
        "secret",
        detection.provider,
        format!("hmac-sha256:{}", &hash[..16]),
        redacted.clone(),
    );
    subject
        .set("detector", detection.code)
        .set("redacted", redacted.clone())
        .set("length", found.secret.len());
    if detection.pair_name.is_some() {
        subject.set("paired", found.pair.is_some());
    }
    subject.add_key(KeyKind::SecretHash, hash.clone());
    if let Some(kind) = detection.identity {
        subject.add_key(kind, found.secret.expose());
    }
    subject.secret = Some(SecretFacts {
        detector: detection.code.to_owned(),
        redacted,
        hash,
        pair: detection
            .pair_name
            .zip(found.pair.as_ref())
            .map(|(name, pair)| (name.to_owned(), pair.redacted())),
        occurrences: 1,
    });
    subject.origin = origin;
    subject.origin.whole = Some(Anchor::At(span));
    subject
}

/// A file over `--max-file-size` (or a stream that turned out to be): structured adapters
/// would need it whole, so they are skipped (and that is reported); the detectors read it
/// in chunks of `chunk` bytes (see `text::for_each_chunk`). `read` holds what was already
/// read of it.
fn extract_large(
    mut rest: Box<dyn Read + '_>,
    read: Vec<u8>,
    path: &Arc<str>,
    rules: &RuleSet,
    mut facts: BlobFacts,
    chunk: usize,
) -> BlobFacts {
    facts.too_large = true;
    let mut head = read;
    if head.len() < HEAD {
        let want = (HEAD - head.len()) as u64;
        if let Err(e) = (&mut rest).take(want).read_to_end(&mut head) {
            facts
                .errors
                .push(InputError::new(&**path, InputErrorKind::Io, e.to_string()));
            return facts;
        }
    }
    if text::is_binary(&head[..head.len().min(HEAD)]) {
        facts.binary = true;
        return facts;
    }
    let claimed: Vec<&str> = SOURCES
        .iter()
        .filter(|s| s.sniff(path, &head[..head.len().min(HEAD)]))
        .map(|s| s.id())
        .collect();
    if !claimed.is_empty() {
        facts.errors.push(InputError::new(
            &**path,
            InputErrorKind::TooLarge,
            format!(
                "over --max-file-size; not parsed as {} (only scanned for secrets)",
                claimed.join(", ")
            ),
        ));
    }
    facts.sources.push(text::ID);
    let reader = std::io::Cursor::new(head).chain(rest);
    let mut invalid_at = None;
    let mut consumed = 0_u64;
    let mut subjects = Vec::new();
    let mut state = FileSecrets::default();
    let outcome = text::for_each_chunk(reader, chunk, OVERLAP, |chunk| {
        consumed = chunk.offset + chunk.bytes.len() as u64;
        let (text, invalid) = text::decode(chunk.bytes);
        if invalid_at.is_none() {
            invalid_at = invalid.map(|at| chunk.offset + at as u64);
        }
        detect_chunk(chunk, &text, path, rules, &mut state, &mut subjects);
    });
    facts.subjects = subjects;
    if state.found() > MAX_FINDINGS_PER_FILE {
        facts
            .errors
            .push(capped_error(path, state.found() - MAX_FINDINGS_PER_FILE));
    }
    match outcome {
        Ok(()) => {
            facts.scanned = true;
            facts.bytes = consumed;
        }
        Err(e) => facts
            .errors
            .push(InputError::new(&**path, InputErrorKind::Io, e.to_string())),
    }
    if let Some(offset) = invalid_at {
        facts.errors.push(InputError::new(
            &**path,
            InputErrorKind::Encoding,
            format!(
                "invalid UTF-8 near byte {offset}; the rest was scanned with replacement characters"
            ),
        ));
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 6, item 3: in a file read in chunks, a token across a cut in a line without
    /// breaks is found once, at its true line and column, and multi-byte characters at
    /// the cuts are not "invalid UTF-8".
    #[test]
    fn issue6_chunked_files_find_tokens_across_cuts_at_true_columns() {
        let rules = crate::rules::builtin_set();
        let token = "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";
        let chunk = 64 << 10;
        for before in [chunk - 20, chunk - 1, 2 * chunk - 30, 3 * chunk - 100] {
            let mut text = "é".repeat(before / 2);
            text.push(' ');
            text.push_str(token);
            text.push(' ');
            text.push_str(&"日本".repeat(chunk / 3));
            let path: Arc<str> = Arc::from("big.txt");
            let reader: Box<dyn Read> = Box::new(std::io::Cursor::new(text.into_bytes()));
            let facts = extract_large(
                reader,
                Vec::new(),
                &path,
                rules,
                BlobFacts::default(),
                chunk,
            );
            assert!(facts.errors.is_empty(), "{before}: {:?}", facts.errors);
            let spans: Vec<Span> = facts
                .subjects
                .iter()
                .filter_map(|s| match s.origin.whole {
                    Some(Anchor::At(span)) => Some(span),
                    _ => None,
                })
                .collect();
            let column = u32::try_from(before / 2 + 2).unwrap();
            assert_eq!(
                spans,
                [Span {
                    line: 1,
                    column,
                    end_line: 1,
                    end_column: column + 39
                }],
                "token after {before} bytes"
            );
        }
    }

    /// A file read in chunks reports its first invalid byte at its offset in the file,
    /// not in the chunk, once.
    #[test]
    fn a_chunked_file_names_its_first_invalid_byte_by_its_offset_in_the_file() {
        let chunk = 64 << 10;
        let mut bytes = "a\n".repeat(chunk).into_bytes();
        let first = chunk + 10;
        bytes[first] = 0xFF;
        bytes[3 * chunk / 2] = 0xFE;
        let path: Arc<str> = Arc::from("big.txt");
        let reader: Box<dyn Read> = Box::new(std::io::Cursor::new(bytes));
        let facts = extract_large(
            reader,
            Vec::new(),
            &path,
            crate::rules::builtin_set(),
            BlobFacts::default(),
            chunk,
        );
        let reasons: Vec<String> = facts.errors.iter().map(|e| e.reason.clone()).collect();
        assert_eq!(
            reasons,
            [format!(
                "invalid UTF-8 near byte {first}; the rest was scanned with replacement characters"
            )]
        );
    }
}
