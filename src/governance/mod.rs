//! What happens to findings after rules judge them: stable fingerprints and redaction now;
//! owners, exceptions and baselines belong here too.

pub(crate) mod fingerprint;
pub(crate) mod redact;
