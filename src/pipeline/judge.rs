//! Judge: every subject against the rules, in parallel. The result is verdicts (which rule,
//! which leaves failed, at what severity); findings are assembled from them afterwards.

use rayon::prelude::*;
use time::OffsetDateTime;

use crate::model::Subject;
use crate::rules::{RuleSet, Verdict};

/// `(subject index, verdict)` for every rule a subject breaks, in subject order.
pub(crate) fn judge(
    subjects: &[Subject],
    rules: &RuleSet,
    now: OffsetDateTime,
) -> Vec<(usize, Verdict)> {
    subjects
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, subject)| {
            rules
                .judge(subject, now)
                .into_iter()
                .map(move |verdict| (i, verdict))
        })
        .collect()
}
