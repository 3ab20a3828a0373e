//! Redaction: the only way a secret's text reaches a report, a log or an error message.

/// Keeps a short prefix (which names the credential type, `AKIA`, `ghp_`) and suffix, and
/// hides the rest; short values keep less, values under 8 characters keep nothing.
pub(crate) fn redact(secret: &str) -> String {
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
    use super::redact;

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
}
