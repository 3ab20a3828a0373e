//! Settle: an input that holds thousands of subjects whose facts are final (a credential
//! report's rows: no identity key to join on, no secret, see `Extracted::push_final`) is
//! judged in the worker that reads it, batch by batch while its adapter runs. Each batch
//! leaves its findings (the first `MAX_FINDINGS_PER_FILE` of the input), its verdict count
//! and, when the JSON report is written, its inventory items in the spill; the subjects
//! themselves are dropped. Memory then stays flat however many rows the input has.
//!
//! Inputs with fewer final subjects than one batch are not settled: their subjects go
//! through correlate, judge and assemble with everything else, as before.

use std::sync::Arc;

use super::spill::Segment;
use super::{MAX_FINDINGS_PER_FILE, Options, assemble, judge};
use crate::model::{Finding, InHistory, Subject};
use crate::rules::RuleSet;

/// What the settled subjects of one input left.
#[derive(Debug)]
pub struct Settled {
    pub path: Arc<str>,
    /// The findings of the first `MAX_FINDINGS_PER_FILE` verdicts, in subject order.
    pub findings: Vec<Finding>,
    /// Every verdict, listed or not.
    pub verdicts: usize,
    pub subjects: u64,
    /// Where the subjects' inventory items are in the spill, in subject order (empty when no
    /// JSON report is written).
    pub inventory: Vec<Segment>,
}

/// Settles the final subjects of one input as its adapter hands them over, in the worker
/// that reads the input. (Settling on other workers while the adapter reads on was tried:
/// subjects allocated on one thread and freed on another doubled the CPU time and tripled
/// the peak memory under glibc's malloc.)
pub(crate) struct Settler<'a> {
    rules: &'a RuleSet,
    options: &'a Options,
    history: Option<InHistory>,
    settled: Settled,
    /// The current batch's inventory items, rendered (a buffer kept across batches).
    rendered: Vec<u8>,
}

impl<'a> Settler<'a> {
    pub(crate) fn new(
        path: Arc<str>,
        history: Option<InHistory>,
        rules: &'a RuleSet,
        options: &'a Options,
    ) -> Self {
        Self {
            rules,
            options,
            history,
            settled: Settled {
                path,
                findings: Vec::new(),
                verdicts: 0,
                subjects: 0,
                inventory: Vec::new(),
            },
            rendered: Vec::new(),
        }
    }

    /// Whether a batch was settled already (then every later final subject is settled too).
    pub(crate) fn started(&self) -> bool {
        self.settled.subjects > 0
    }

    /// Judges `batch` (in parallel), keeps its findings up to the cap and its inventory
    /// items, and drops it.
    pub(crate) fn settle(&mut self, mut batch: Vec<Subject>) {
        if batch.is_empty() {
            return;
        }
        batch.sort_by_cached_key(|s| (s.origin.span(), s.kind.clone(), s.id.clone()));
        if let Some(history) = &self.history {
            for subject in &mut batch {
                subject.origin.commit = Some(history.clone());
            }
        }
        let mut verdicts = judge::judge(&batch, self.rules, self.options.now);
        self.options.treatments.apply(&batch, &mut verdicts);
        let settled = &mut self.settled;
        settled.verdicts += verdicts.len();
        let room = MAX_FINDINGS_PER_FILE.saturating_sub(settled.findings.len());
        settled.findings.extend(
            verdicts
                .into_iter()
                .take(room)
                .map(|(i, verdict)| assemble::finding(&batch[i], verdict, self.rules)),
        );
        settled.subjects += batch.len() as u64;
        if let Some(spill) = &self.options.spill {
            self.rendered.clear();
            crate::report::v1::render_inventory(&batch, &mut self.rendered);
            settled.inventory.extend(spill.append(&self.rendered));
        }
    }

    /// What was settled, or `None` when nothing was.
    pub(crate) fn finish(self) -> Option<Settled> {
        self.started().then_some(self.settled)
    }
}
