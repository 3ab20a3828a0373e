//! Orchestration: every candidate file, in parallel, goes to the adapters that claim it and
//! (when it is text) through the detectors; subjects go to the rules. Results are collected
//! and then sorted, so output is the same whatever the thread count.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rayon::prelude::*;
use time::OffsetDateTime;

use crate::model::{Finding, InputError, InputErrorKind, Subject};
use crate::rules::RuleSet;
use crate::sources::{Input, SOURCES, Source, text};
use crate::walk::Candidate;

/// Bytes read at the start of a file to pick adapters and detect binary content.
const HEAD: usize = 8192;
/// Chunk size and overlap when a file is too large to read whole.
const CHUNK: usize = 8 << 20;
const OVERLAP_LINES: usize = 64;

#[derive(Debug, Clone, Copy)]
pub struct ScanOptions {
    pub max_file_size: u64,
    pub now: OffsetDateTime,
}

/// Everything a scan produced, sorted.
#[derive(Debug, Default)]
pub struct ScanOutput {
    pub findings: Vec<Finding>,
    pub subjects: Vec<Subject>,
    pub errors: Vec<InputError>,
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub files_binary: u64,
    pub files_too_large: u64,
    pub files_by_source: BTreeMap<&'static str, u64>,
}

#[derive(Default)]
struct FileResult {
    findings: Vec<Finding>,
    subjects: Vec<Subject>,
    errors: Vec<InputError>,
    /// Whether the content was read to its end (and `bytes` of it).
    scanned: bool,
    bytes: u64,
    binary: bool,
    too_large: bool,
    sources: Vec<&'static str>,
}

/// Scans `candidates` on the current rayon pool.
pub fn scan(candidates: &[Candidate], rules: &RuleSet, options: &ScanOptions) -> ScanOutput {
    let results: Vec<FileResult> = candidates
        .par_iter()
        .map(|candidate| {
            catch_unwind(AssertUnwindSafe(|| scan_file(candidate, rules, options))).unwrap_or_else(|_| FileResult {
                errors: vec![InputError::new(
                    &candidate.display,
                    InputErrorKind::Parse,
                    "internal error while reading this file (a bug in nhiscan; please report it)",
                )],
                ..FileResult::default()
            })
        })
        .collect();
    let mut out = ScanOutput::default();
    for result in results {
        if result.binary {
            out.files_binary += 1;
        } else if result.scanned {
            out.files_scanned += 1;
            out.bytes_scanned += result.bytes;
        }
        out.files_too_large += u64::from(result.too_large);
        for source in result.sources {
            *out.files_by_source.entry(source).or_default() += 1;
        }
        out.findings.extend(result.findings);
        out.subjects.extend(result.subjects);
        out.errors.extend(result.errors);
    }
    out.findings.sort_by(|a, b| {
        (&a.location.path, a.location.span, &a.code, &a.fingerprint).cmp(&(
            &b.location.path,
            b.location.span,
            &b.code,
            &b.fingerprint,
        ))
    });
    out.subjects.sort_by(|a, b| {
        (&a.origin.path, a.origin.span, &a.kind, &a.id).cmp(&(
            &b.origin.path,
            b.origin.span,
            &b.kind,
            &b.id,
        ))
    });
    out.errors.sort();
    out
}

fn scan_file(candidate: &Candidate, rules: &RuleSet, options: &ScanOptions) -> FileResult {
    let mut result = FileResult::default();
    let path = candidate.display.as_str();
    let io_error = |e: std::io::Error| InputError::new(path, InputErrorKind::Io, e.to_string());
    let mut file = match File::open(&candidate.path) {
        Ok(f) => f,
        Err(e) => {
            result.errors.push(io_error(e));
            return result;
        }
    };
    let size = match file.metadata() {
        Ok(metadata) => metadata.len(),
        Err(e) => {
            result.errors.push(io_error(e));
            return result;
        }
    };
    if size > options.max_file_size {
        return scan_large(file, path, size, rules, result);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    if let Err(e) = file.read_to_end(&mut bytes) {
        result.errors.push(io_error(e));
        return result;
    }
    result.scanned = true;
    result.bytes = bytes.len() as u64;
    let head = &bytes[..bytes.len().min(HEAD)];
    let binary = text::is_binary(head);
    let claimed: Vec<&dyn Source> = SOURCES
        .iter()
        .copied()
        .filter(|s| s.sniff(path, head))
        .collect();
    for source in &claimed {
        result.sources.push(source.id());
        let input = Input {
            path,
            bytes: &bytes,
        };
        match source.extract(&input) {
            Ok(extracted) => {
                for problem in extracted.problems {
                    result.errors.push(InputError {
                        source: Some(source.id().to_owned()),
                        ..InputError::new(path, InputErrorKind::Parse, problem)
                    });
                }
                for subject in extracted.subjects {
                    result.findings.extend(rules.judge(&subject, options.now));
                    result.subjects.push(subject);
                }
            }
            Err(e) => result.errors.push(InputError {
                source: Some(source.id().to_owned()),
                ..InputError::new(path, InputErrorKind::Parse, e.0)
            }),
        }
    }
    if binary {
        result.binary = claimed.is_empty();
        return result;
    }
    result.sources.push(text::ID);
    let (decoded, invalid_at) = text::decode(&bytes);
    if let Some(offset) = invalid_at {
        result.errors.push(InputError::new(
            path,
            InputErrorKind::Encoding,
            format!(
                "invalid UTF-8 at byte {offset}; the rest was scanned with replacement characters"
            ),
        ));
    }
    for (subject, finding) in rules.detect(path, &decoded, 0) {
        result.subjects.push(subject);
        result.findings.push(finding);
    }
    result
}

/// A file over `--max-file-size`: structured adapters would need it whole, so they are
/// skipped (and that is reported); the detectors read it in chunks of whole lines.
fn scan_large(
    file: File,
    path: &str,
    size: u64,
    rules: &RuleSet,
    mut result: FileResult,
) -> FileResult {
    result.too_large = true;
    let mut head = Vec::with_capacity(HEAD);
    if let Err(e) = (&file).take(HEAD as u64).read_to_end(&mut head) {
        result
            .errors
            .push(InputError::new(path, InputErrorKind::Io, e.to_string()));
        return result;
    }
    if text::is_binary(&head) {
        result.binary = true;
        return result;
    }
    let claimed: Vec<&str> = SOURCES
        .iter()
        .filter(|s| s.sniff(path, &head))
        .map(|s| s.id())
        .collect();
    if !claimed.is_empty() {
        result.errors.push(InputError::new(
            path,
            InputErrorKind::TooLarge,
            format!(
                "{} bytes is over --max-file-size; not parsed as {} (only scanned for secrets)",
                size,
                claimed.join(", ")
            ),
        ));
    }
    result.sources.push(text::ID);
    let reader = std::io::Cursor::new(head).chain(file);
    let mut invalid_at = None;
    let mut consumed = 0_u64;
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
            for (subject, finding) in rules.detect(path, &decoded, line_offset) {
                if finding
                    .location
                    .span
                    .is_some_and(|s| s.line > line_offset + overlap)
                {
                    result.subjects.push(subject);
                    result.findings.push(finding);
                }
            }
        },
    );
    match outcome {
        Ok(()) => {
            result.scanned = true;
            result.bytes = size;
        }
        Err(e) => result
            .errors
            .push(InputError::new(path, InputErrorKind::Io, e.to_string())),
    }
    if let Some(offset) = invalid_at {
        result.errors.push(InputError::new(
            path,
            InputErrorKind::Encoding,
            format!(
                "invalid UTF-8 near byte {offset}; the rest was scanned with replacement characters"
            ),
        ));
    }
    result
}
