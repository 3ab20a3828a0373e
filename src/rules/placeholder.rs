//! The one placeholder filter every detector applies: a value that is a documented example,
//! a stand-in to fill in, a masked value or a reference to where the real secret lives is
//! never a finding, whichever rule matched it. So are the integrity hashes of lockfiles
//! (`sha512-…`, go.sum `h1:…`, a Cargo.lock `checksum`), which look random but are public.

use std::sync::LazyLock;

use regex::Regex;

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| unreachable!("fixed pattern: {e}"))
}

/// Values that are placeholders wherever they occur.
static VALUE: LazyLock<Regex> = LazyLock::new(|| {
    regex(concat!(
        r"(?i)example|changeme|change[_-]me|placeholder|redacted|your[_-]?(?:api[_-]?)?",
        r"(?:key|token|secret|password|pass|pwd)|x{4,}|\*{3,}|•{3,}",
        r"|\$\{|\$\([A-Za-z_]|\{\{|\}\}|%\([A-Za-z_]\w*\)[sd]|^\$[A-Za-z_]|^<[^>]*>?$|^%[A-Za-z_]+%$",
        r"|os\.environ|os\.getenv|process\.env|getenv\(|ENV\[|^env\.|^secrets\.|^vars\.",
        r"|^(?:sha(?:1|256|384|512)-|h1:)",
    ))
});

/// What precedes a value on its line, when it makes the value a reference or a hash: the
/// value is inside `${…}`, `{{ … }}`, `$(…)`, `<…>`, or follows an integrity/checksum key.
static BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    regex(concat!(
        r"(?:\$\{\{?\s*|\{\{\s*|\$\(\s*|%\(|<|\bsha(?:1|256|384|512)-|\bh1:)$",
        r#"|(?i)\b(?:integrity|checksum|shasum|sha(?:1|256|512)?|hash|digest)["']?\s*[:=]\s*["']?$"#,
        r"|(?i)\b(?:vault|lookup|secret|env_var|getenv|environ)\s*[\(\[]\s*['\x22]?$",
    ))
});

/// Whether `value`, preceded on its line by `before`, is a placeholder, a reference or a
/// lockfile hash rather than a secret.
pub(crate) fn is_placeholder(value: &str, before: &str) -> bool {
    VALUE.is_match(value) || BEFORE.is_match(before)
}

#[cfg(test)]
mod tests {

    /// Issue 7, item 3: placeholders, documented example values and references never fire,
    /// in any of the assignments the generic and keyword-gated detectors read.
    #[test]
    fn issue_7_placeholders_and_references_never_fire() {
        let rules = crate::rules::builtin_set();
        let values = [
            "EXAMPLEKEY1234567890abcdEFGH",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "xxxx-xxxx-xxxx-xxxx-xxxx",
            "changeme",
            "changeme123!Z",
            "<your-key>",
            "<your-api-key-here>",
            "${VAR}",
            "${DB_PASSWORD}",
            "${{ secrets.X }}",
            "${{ secrets.PROD_API_TOKEN }}",
            "os.environ['API_TOKEN']",
            "os.environ[\"DB_PASSWORD\"]",
            "process.env.X",
            "process.env.STRIPE_SECRET_KEY",
            "{{ vault 'secret/data/db' 'password' }}",
            "{{ vault \"kv/prod\" }}",
            "*****",
            "****************",
            "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
            "sk_live_EXAMPLE4eC39HqLyjWDarjtT1zdp7dc",
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "xoxb-xxxxxxxxxxxx-xxxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx",
            "AKIAXXXXXXXXXXXXXXXX",
            "glpat-xxxxxxxxxxxxxxxxxxxx",
            "sk-proj-EXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLE",
            "hf_EXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMP",
            "npm_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "postgres://user:changeme@db:5432/app",
            "https://user:${PASSWORD}@example.com",
            "Bearer ${TOKEN}",
            "Bearer xxxxxxxxxxxxxxxxxxxx",
        ];
        let keys = [
            "password",
            "DB_PASS",
            "db_password",
            "api_key",
            "API_TOKEN",
            "secret",
            "client_secret",
            "aws_secret_access_key",
            "GITHUB_TOKEN",
            "auth_token",
            "SECRET_KEY",
            "access_token",
        ];
        let mut fired = Vec::new();
        for key in keys {
            for value in values {
                for line in [
                    format!("{key} = \"{value}\"\n"),
                    format!("{key}={value}\n"),
                    format!("{key}: {value}\n"),
                    format!("  \"{key}\": \"{value}\",\n"),
                    format!("{key} = {value}\n"),
                ] {
                    for detection in rules.detect(&line) {
                        fired.push(format!("{} on {line:?}", detection.code));
                    }
                }
            }
        }
        assert!(
            fired.is_empty(),
            "{} fired:\n{}",
            fired.len(),
            fired.join("\n")
        );
        for line in [
            "password = \"q8Vn2Lr5Tz0Wc4Yh\"\n",
            "api_key = \"q8Vn2Lr5Tz0Wc4Yh7Jm1Xb6Kd9Gf3Ps0\"\n",
        ] {
            assert!(!rules.detect(line).is_empty(), "a real value fires: {line}");
        }
    }

    /// The filter is central: a rule without an allow list of its own (a user's) does not
    /// report placeholders either.
    #[test]
    fn issue_7_a_rule_without_an_allow_list_skips_placeholders() {
        let detector = crate::rules::detect::Detector {
            pattern: crate::rules::detect::Pattern::deferred(
                r#"token\s*[:=]\s*["']?([^\s"']{8,})"#,
            ),
            reach: std::sync::OnceLock::new(),
            keywords: vec!["token".into()],
            entropy: None,
            provider: "user".into(),
            allow: Vec::new(),
            checksum: None,
            pair: None,
            identity: None,
        };
        for value in [
            "EXAMPLEKEY123456",
            "xxxxxxxxxxxx",
            "changeme",
            "<your-key>",
            "${VAR}",
            "${{secrets.X}}",
            "os.environ['X']",
            "process.env.X",
            "{{vault}}",
            "*****",
        ] {
            let found = detector.find_all(&format!("token = {value}"));
            assert!(found.is_empty(), "{value}: {found:?}");
        }
        assert_eq!(detector.find_all("token = q8Vn2Lr5Tz0Wc4Yh").len(), 1);
        assert!(
            detector
                .find_all("token: sha512-q8Vn2Lr5Tz0Wc4Yh")
                .is_empty()
        );
    }

    /// Issue 7, item 4: lockfile integrity hashes are public, not secrets.
    #[test]
    fn issue_7_lockfile_hashes_never_fire() {
        let rules = crate::rules::builtin_set();
        let lockfiles = [
            "\"integrity\": \"sha512-Q2TPCSTBTi5BHaDdmrR0aRWN4vVnASZ9lzn+9MRWcuj2MYSn6bIwM9JzBpZGzbyeTk0Z6o0AGYrjbZl0SSnM9yJPEMBQ==\",",
            "  integrity sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==",
            "checksum = \"9f5b3f4bf4b21e7c4b26cc2f1b2d5ba2bbcd4d1c0d70a2c12fe30cbd5c8d2a37\"",
            "github.com/stretchr/testify v1.8.4 h1:CcVxjf3Q8PM0mHUKJCdn+eZZtm5yQwehR5yeSVQQcUk=",
            "content-hash = \"2c6e3a9f1d7b4e8a0c5f2d6b9e1a4c7f3b8d0e5a2c6f9b1d4e7a0c3f6b9d2e5a\"",
        ];
        let mut fired = Vec::new();
        for line in lockfiles {
            for detection in rules.detect(line) {
                fired.push(format!("{} on {line:?}", detection.code));
            }
        }
        assert!(fired.is_empty(), "{}", fired.join("\n"));
    }
}
