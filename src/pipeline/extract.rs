//! Extract: one blob at a time (in parallel, by the caller), read it once, hand it to every
//! adapter that claims it, and run the detectors over its text. The result is facts only:
//! subjects (secrets among them) and input errors. Nothing is judged here.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crate::inputs::{Blob, read_bounded};
use crate::model::{
    Anchor, IdentityKey, InputError, InputErrorKind, KeyKind, Origin, SecretFacts, Span, Subject,
};
use crate::rules::{Detection, RuleSet};
use crate::sources::{Extracted, Input, SOURCES, Source, text};

/// Bytes read at the start of a file to pick adapters and detect binary content.
const HEAD: usize = 8192;
/// Chunk size and overlap when a file is too large to read whole.
const CHUNK: usize = 8 << 20;
const OVERLAP_LINES: usize = 64;

/// What one blob gave.
#[derive(Debug, Default)]
pub(crate) struct BlobFacts {
    pub subjects: Vec<Subject>,
    pub errors: Vec<InputError>,
    /// Whether the content was read to its end (and `bytes` of it).
    pub scanned: bool,
    pub bytes: u64,
    pub binary: bool,
    pub too_large: bool,
    pub sources: Vec<&'static str>,
}

/// Extracts one blob; a panic in an adapter becomes an input error, never a crash.
pub(crate) fn extract(blob: &Blob, rules: &RuleSet, max_file_size: u64) -> BlobFacts {
    let mut facts = catch_unwind(AssertUnwindSafe(|| {
        extract_blob(blob, rules, max_file_size)
    }))
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

fn extract_blob(blob: &Blob, rules: &RuleSet, max_file_size: u64) -> BlobFacts {
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
        return extract_large(reader, Vec::new(), &path, rules, facts);
    }
    let (bytes, more) = match read_bounded(&mut reader, max_file_size, size) {
        Ok(read) => read,
        Err(e) => {
            facts.errors.push(io_error(e));
            return facts;
        }
    };
    if more {
        return extract_large(reader, bytes, &path, rules, facts);
    }
    facts.scanned = true;
    facts.bytes = bytes.len() as u64;
    let head = &bytes[..bytes.len().min(HEAD)];
    let binary = text::is_binary(head);
    let claimed: Vec<&dyn Source> = SOURCES
        .iter()
        .copied()
        .filter(|s| s.sniff(&path, head))
        .collect();
    let input = Input::new(&path, &bytes);
    for source in &claimed {
        facts.sources.push(source.id());
        let mut out = Extracted::default();
        let result = source.extract(&input, &mut out);
        let problems = out.problems.into_iter().chain(result.err().map(|e| e.0));
        for problem in problems {
            facts.errors.push(InputError {
                source: Some(source.id().to_owned()),
                ..InputError::new(&*path, InputErrorKind::Parse, problem)
            });
        }
        facts.subjects.extend(out.subjects);
    }
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
        facts.binary = claimed.is_empty();
        return facts;
    }
    facts.sources.push(text::ID);
    let (decoded, invalid_at) = text::decode(&bytes);
    if let Some(offset) = invalid_at {
        facts.errors.push(InputError::new(
            &*path,
            InputErrorKind::Encoding,
            format!(
                "invalid UTF-8 at byte {offset}; the rest was scanned with replacement characters"
            ),
        ));
    }
    let listed: HashSet<IdentityKey> = facts
        .subjects
        .iter()
        .flat_map(|s| s.keys.iter().cloned())
        .collect();
    let text_input = Input::new(&path, decoded.as_bytes());
    for detection in one_per_secret(rules.detect(&decoded)) {
        if is_listed(&detection, &listed) {
            continue;
        }
        let span = text_input.span(detection.found.start, detection.found.end);
        facts
            .subjects
            .push(secret_subject(&detection, text_input.origin(), span));
    }
    facts
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
    let mut taken: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    let mut paired: HashSet<String> = HashSet::new();
    let mut kept: Vec<Detection<'_>> = Vec::with_capacity(detections.len());
    for detection in detections {
        let (start, end) = detection.found.secret_at;
        let value = detection.found.secret.expose();
        let same_place = taken
            .get(value)
            .is_some_and(|places| places.iter().any(|&(s, e)| start < e && s < end));
        if same_place || paired.contains(value) {
            continue;
        }
        taken
            .entry(value.to_owned())
            .or_default()
            .push((start, end));
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
    });
    subject.origin = origin;
    subject.origin.whole = Some(Anchor::At(span));
    subject
}

/// A file over `--max-file-size` (or a stream that turned out to be): structured adapters
/// would need it whole, so they are skipped (and that is reported); the detectors read it
/// in chunks of whole lines. `read` holds what was already read of it.
fn extract_large(
    mut rest: Box<dyn Read + '_>,
    read: Vec<u8>,
    path: &Arc<str>,
    rules: &RuleSet,
    mut facts: BlobFacts,
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
    let outcome = text::for_each_chunk(
        reader,
        CHUNK,
        OVERLAP_LINES,
        |chunk, line_offset, overlap| {
            let (decoded, invalid) = text::decode(chunk);
            if invalid_at.is_none() {
                invalid_at = invalid.map(|i| consumed + i as u64);
            }
            consumed += chunk.len() as u64;
            let input = Input::new(path, decoded.as_bytes());
            for detection in one_per_secret(rules.detect(&decoded)) {
                let mut span = input.span(detection.found.start, detection.found.end);
                if span.line <= overlap {
                    continue;
                }
                span.line += line_offset;
                span.end_line += line_offset;
                subjects.push(secret_subject(&detection, input.origin(), span));
            }
        },
    );
    facts.subjects = subjects;
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
