//! Fingerprints identify a finding across runs. They never contain a line number (a finding
//! survives edits above it), never a path for secrets (the same secret in two files is one
//! issue), and never a secret in the clear (its keyed hash).

use sha2::{Digest, Sha256};

/// `v1:` + 32 hex digits of SHA-256 over the parts, each length-prefixed.
pub(crate) fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    format!("v1:{}", &crate::model::hex(&hasher.finalize())[..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_unambiguous() {
        assert_eq!(
            fingerprint(&["AWS001", "id"]),
            fingerprint(&["AWS001", "id"])
        );
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
        assert!(fingerprint(&["x"]).starts_with("v1:"));
        assert_eq!(fingerprint(&["x"]).len(), 35);
    }
}
