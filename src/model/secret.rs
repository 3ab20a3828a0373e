//! A secret's raw value. It lives only inside `Secret`, which has no `Display`, prints
//! redacted under `Debug`, and hands out the value only to this crate's detectors and
//! hashing. Reports, errors and logs only ever see `Secret::redacted`.

use sha2::{Digest, Sha256};

/// A value that must never be printed in full.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Box<str>);

impl Secret {
    pub fn new(value: impl Into<Box<str>>) -> Self {
        Self(value.into())
    }

    /// The value, for matching and hashing inside the crate; never for output.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// The form every output uses (see [`redact`]).
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }

    /// Characters in the value.
    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A keyed hash of the value (HMAC-SHA-256, hex): equal for equal secrets, the same in
    /// every run, and not a plain hash that a dictionary of common passwords could reverse
    /// without knowing the key. Identity keys and fingerprints use it.
    pub fn keyed_hash(&self) -> String {
        hmac_sha256_hex(HASH_KEY, self.0.as_bytes())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

/// The HMAC key of secret hashes. Changing it changes every secret's fingerprint.
const HASH_KEY: &[u8] = b"nhiscan secret identity v1";

fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    const BLOCK: usize = 64;
    let mut padded = [0_u8; BLOCK];
    if key.len() > BLOCK {
        padded[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        padded[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(padded.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(padded.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    hex(&outer.finalize())
}

/// Lowercase hex of SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _infallible = write!(s, "{b:02x}");
            s
        })
}

/// Keeps a short prefix (which names the credential type, `AKIA`, `ghp_`) and suffix, and
/// hides the rest; short values keep less, values under 8 characters keep nothing.
pub fn redact(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let (head, tail) = match chars.len() {
        0..8 => (0, 0),
        8..16 => (2, 0),
        16..32 => (4, 2),
        _ => (4, 4),
    };
    let shown_head: String = chars[..head].iter().collect();
    let shown_tail: String = chars[chars.len() - tail..].iter().collect();
    format!("{shown_head}…{shown_tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_more_than_a_third_of_a_secret() {
        let key = "AKIAZ7RTQ2MXGH5KPL4Q";
        assert_eq!(redact(key), "AKIA…4Q");
        let token = "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";
        assert_eq!(redact(token), "ghp_…NzlX");
        assert_eq!(redact("hunter2"), "…");
        assert_eq!(redact("p4ssw0rd!"), "p4…");
        for secret in [key, token, "short", "0123456789abcdef0123"] {
            let shown = redact(secret).chars().filter(|c| *c != '…').count();
            assert!(shown * 3 <= secret.chars().count(), "{secret}");
        }
    }

    #[test]
    fn debug_prints_only_the_redacted_form() {
        let token = "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";
        let secret = Secret::new(token);
        let printed = format!("{secret:?} {:?}", vec![secret.clone()]);
        assert!(
            !printed.contains("R8cYq2Lw0ZbN4xVt6Km1Ps9Hd3Fj7G3e"),
            "{printed}"
        );
        assert!(printed.contains("ghp_…NzlX"), "{printed}");
    }

    #[test]
    fn keyed_hash_is_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let a = Secret::new("same value");
        assert_eq!(a.keyed_hash(), Secret::new("same value").keyed_hash());
        assert_ne!(a.keyed_hash(), Secret::new("other value").keyed_hash());
    }
}
