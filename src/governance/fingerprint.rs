//! Fingerprints identify a finding across runs. They never contain a line number (a finding
//! survives edits above it) and never a secret in the clear (a hash of it, salted by code).

use sha2::{Digest, Sha256};

/// `v1:` + 32 hex digits of SHA-256 over the parts, each length-prefixed.
pub(crate) fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    format!("v1:{}", &hex(&hasher.finalize())[..32])
}

/// Lowercase hex of SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _infallible = write!(s, "{b:02x}");
            s
        })
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
