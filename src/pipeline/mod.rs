//! The scan, stage by stage, data flowing down the page:
//!
//! ```text
//! blobs ─extract (per blob, parallel)─▶ subjects + input errors
//!       ─correlate (all subjects)─────▶ subjects joined by identity key
//!       ─judge (per subject, parallel)▶ verdicts
//!       ─assemble─────────────────────▶ findings (spans, evidence, fingerprints)
//!       ─govern───────────────────────▶ findings with suppressions and owners
//!       ─▶ ScanResult, which `report::v1` turns into the document
//! ```
//!
//! Each stage is its own module with one entry; only this one knows their order. Results
//! are collected, then sorted, so output never depends on the thread count.

mod assemble;
mod correlate;
mod extract;
mod judge;
mod settle;
mod spill;
mod treat;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use time::OffsetDateTime;

use crate::governance::Governance;
use crate::inputs::Blob;
use crate::model::{Finding, InputError, InputErrorKind, Subject};
use crate::rules::RuleSet;
pub use settle::Settled;
pub use spill::{SEPARATOR as SPILL_SEPARATOR, Segment, Spill, items as spill_items};
pub use treat::{DEFAULT_LOWER_CONFIDENCE, Treatments};

/// What a scan needs besides its inputs and rules.
#[derive(Debug, Clone)]
pub struct Options {
    pub max_file_size: u64,
    /// "Today" for every age computation.
    pub now: OffsetDateTime,
    pub governance: Governance,
    /// Paths (and very long lines) where secret findings get lower confidence.
    pub treatments: Treatments,
    /// Counters a progress display reads while the scan runs, when one is shown.
    pub progress: Option<Arc<Progress>>,
    /// Where settled subjects' inventory items wait for the JSON report; `None` when no
    /// JSON report is written (they are then only counted).
    pub spill: Option<Arc<Spill>>,
}

/// What extraction has done so far, updated as each blob is extracted.
#[derive(Debug, Default)]
pub struct Progress {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
    /// Subjects (NHIs and secrets) found so far.
    pub subjects: AtomicU64,
}

impl Progress {
    fn record(&self, facts: &extract::BlobFacts) {
        if facts.scanned {
            self.files.fetch_add(1, Ordering::Relaxed);
            self.bytes.fetch_add(facts.bytes, Ordering::Relaxed);
        }
        let settled = facts.settled.as_ref().map_or(0, |s| s.subjects);
        self.subjects
            .fetch_add(facts.subjects.len() as u64 + settled, Ordering::Relaxed);
    }
}

/// Extracts one blob, counting it in the progress.
fn extract_counted(blob: &Blob, rules: &RuleSet, options: &Options) -> extract::BlobFacts {
    let facts = extract::extract(blob, rules, options);
    if let Some(progress) = &options.progress {
        progress.record(&facts);
    }
    facts
}

/// Everything a scan produced, in report order.
#[derive(Debug, Default)]
pub struct ScanResult {
    pub findings: Vec<Finding>,
    /// Every subject seen (the inventory), findings or not, except the settled ones.
    pub subjects: Vec<Subject>,
    /// Inputs whose subjects were judged as they were read, by path (see `settle`).
    pub settled: Vec<Settled>,
    /// Where the settled subjects' inventory items are.
    pub spill: Option<Arc<Spill>>,
    pub errors: Vec<InputError>,
    pub stats: Stats,
}

impl ScanResult {
    /// How many subjects were seen, settled or not.
    pub fn subject_count(&self) -> u64 {
        self.subjects.len() as u64 + self.settled.iter().map(|s| s.subjects).sum::<u64>()
    }
}

/// Counts of what was read.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub files_binary: u64,
    pub files_too_large: u64,
    pub files_by_source: BTreeMap<&'static str, u64>,
}

/// Findings listed for one file; the rest are counted in an input error of kind `capped`.
/// A file with thousands of findings (a generated credential report, a token copied into
/// every line of a log) says what it has to say in the first thousand, and each finding
/// costs memory until the report is written.
pub const MAX_FINDINGS_PER_FILE: usize = 1000;

/// Places listed with a secret's finding besides its location, as related locations
/// labelled `same secret`; the finding's `occurrences` counts them all.
pub const MAX_SAME_SECRET_LISTED: usize = 20;

/// Judges `subjects` batch by batch, keeping the first `MAX_FINDINGS_PER_FILE` verdicts of
/// each file (in subject order: by position) and counting the rest, so that the verdicts
/// past the cap are dropped as they are made, never all held at once. `per_file` comes
/// counting the verdicts of settled subjects, which come first in their file.
fn judge_capped(
    subjects: &[Subject],
    rules: &RuleSet,
    options: &Options,
    mut per_file: HashMap<Arc<str>, usize>,
    errors: &mut Vec<InputError>,
) -> Vec<(usize, crate::rules::Verdict)> {
    const BATCH: usize = 1 << 14;
    let mut verdicts = Vec::new();
    for (n, batch) in subjects.chunks(BATCH).enumerate() {
        let mut judged = judge::judge(batch, rules, options.now);
        options.treatments.apply(batch, &mut judged);
        for (i, verdict) in judged {
            let i = n * BATCH + i;
            let count = per_file
                .entry(Arc::clone(&subjects[i].origin.path))
                .or_default();
            *count += 1;
            if *count <= MAX_FINDINGS_PER_FILE {
                verdicts.push((i, verdict));
            }
        }
    }
    let mut capped: Vec<InputError> = per_file
        .into_iter()
        .filter(|&(_, n)| n > MAX_FINDINGS_PER_FILE)
        .map(|(path, n)| capped_error(&path, n - MAX_FINDINGS_PER_FILE))
        .collect();
    if !capped.is_empty() {
        errors.append(&mut capped);
        errors.sort();
    }
    verdicts
}

/// The findings of settled inputs, at most `MAX_FINDINGS_PER_FILE` a path (history can
/// settle one path in several blobs), and each path's verdict count.
fn settled_findings(settled: &mut [Settled]) -> (Vec<Finding>, HashMap<Arc<str>, usize>) {
    let mut per_file: HashMap<Arc<str>, usize> = HashMap::new();
    let mut findings = Vec::new();
    for input in settled {
        let count = per_file.entry(Arc::clone(&input.path)).or_default();
        let room = MAX_FINDINGS_PER_FILE.saturating_sub(*count);
        findings.extend(input.findings.drain(..).take(room));
        *count += input.verdicts;
    }
    (findings, per_file)
}

pub(crate) fn capped_error(path: &str, more: usize) -> InputError {
    InputError::new(
        path,
        InputErrorKind::Capped,
        crate::reason!(
            "and {} more findings in this file, not listed (at most {} per file)",
            more,
            MAX_FINDINGS_PER_FILE
        )
        .to_string(),
    )
}

/// Runs every stage over `blobs` on the current rayon pool.
pub fn run(blobs: &[Blob], rules: &RuleSet, options: &Options) -> ScanResult {
    let mut result = ScanResult::default();
    extract_into(&mut result, blobs, rules, options);
    finish(result, rules, options)
}

/// Extracts `blobs` (in parallel) into `result`; call it once per batch, then [`finish`].
pub fn extract_into(result: &mut ScanResult, blobs: &[Blob], rules: &RuleSet, options: &Options) {
    let facts: Vec<extract::BlobFacts> = blobs
        .par_iter()
        .map(|blob| extract_counted(blob, rules, options))
        .collect();
    absorb(result, facts);
}

/// Extracts into `result` the blobs `produce` hands over in batches while it runs (a walk
/// of the tree): each batch is extracted on the pool as soon as it comes, while `produce`
/// goes on on the current thread, so listing the tree and reading it overlap. The result
/// is the same as `extract_into` over all the batches in order. Returns what `produce`
/// returns.
pub fn extract_streamed<W>(
    result: &mut ScanResult,
    produce: impl FnOnce(&mut dyn FnMut(Vec<Blob>)) -> W,
    rules: &RuleSet,
    options: &Options,
) -> W {
    let done: std::sync::Mutex<Vec<(usize, Vec<extract::BlobFacts>)>> = Default::default();
    let produced = rayon::in_place_scope(|scope| {
        let mut batches = 0;
        produce(&mut |batch: Vec<Blob>| {
            let (at, done) = (batches, &done);
            batches += 1;
            scope.spawn(move |_| {
                let facts = batch
                    .par_iter()
                    .map(|blob| extract_counted(blob, rules, options))
                    .collect();
                done.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((at, facts));
            });
        })
    });
    let mut done = done
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    done.sort_unstable_by_key(|(at, _)| *at);
    absorb(result, done.into_iter().flat_map(|(_, facts)| facts));
    produced
}

/// Extracts the blobs that `load` makes of `items` into `result`, in parallel, each blob
/// dropped as soon as it is extracted (so only one per worker is in memory); `init` makes
/// each worker's state for `load` (a repository handle). A blob that cannot be loaded is an
/// input error.
pub fn extract_loaded<T: Sync, S>(
    result: &mut ScanResult,
    items: &[T],
    init: impl Fn() -> S + Sync + Send,
    load: impl Fn(&mut S, &T) -> Result<Blob, InputError> + Sync + Send,
    rules: &RuleSet,
    options: &Options,
) {
    let facts: Vec<extract::BlobFacts> = items
        .par_iter()
        .map_init(init, |state, item| match load(state, item) {
            Ok(blob) => extract_counted(&blob, rules, options),
            Err(error) => extract::BlobFacts {
                errors: vec![error],
                ..extract::BlobFacts::default()
            },
        })
        .collect();
    absorb(result, facts);
}

fn absorb(result: &mut ScanResult, facts: impl IntoIterator<Item = extract::BlobFacts>) {
    for blob in facts {
        let stats = &mut result.stats;
        if blob.binary {
            stats.files_binary += 1;
        } else if blob.scanned {
            stats.files_scanned += 1;
            stats.bytes_scanned += blob.bytes;
        }
        stats.files_too_large += u64::from(blob.too_large);
        for source in blob.sources {
            *stats.files_by_source.entry(source).or_default() += 1;
        }
        result.subjects.extend(blob.subjects);
        result.settled.extend(blob.settled);
        result.errors.extend(blob.errors);
    }
}

/// The stages after extraction: correlate, judge, assemble, govern.
pub fn finish(mut result: ScanResult, rules: &RuleSet, options: &Options) -> ScanResult {
    result.subjects.sort_by_cached_key(|s| {
        (
            s.origin.path.clone(),
            s.origin.span(),
            s.kind.clone(),
            s.id.clone(),
            s.origin.commit.as_ref().map(|c| c.commit.order),
        )
    });
    result.errors.sort();

    result.settled.sort_by(|a, b| a.path.cmp(&b.path));
    result.spill.clone_from(&options.spill);

    correlate::correlate(&mut result.subjects, options.now);
    let (settled, per_file) = settled_findings(&mut result.settled);
    let verdicts = judge_capped(
        &result.subjects,
        rules,
        options,
        per_file,
        &mut result.errors,
    );
    result.findings = assemble::assemble(settled, &result.subjects, verdicts, rules);
    options.governance.apply(&mut result.findings);
    result
}
