//! Governance, the stage after assembling: what the organisation decided about findings, applied after they are assembled:
//! suppressions (exceptions with approver and expiry, inline ignores, baselines) and owners.
//! The policy is empty until governance lands; the stage and its contract are real, so that
//! the stages before it never change for it.

pub(crate) mod fingerprint;

use crate::model::Finding;

/// The organisation's decisions, typed. Empty: nothing is suppressed, no owner is known.
#[derive(Debug, Clone, Default)]
pub struct Governance {}

impl Governance {
    /// Sets `suppressed` and `owner` on each finding the policy speaks about; with an
    /// empty policy, none.
    pub(crate) fn apply(&self, _findings: &mut [Finding]) {}
}
