//! The one placeholder filter every detector applies: a value that is a documented example,
//! a stand-in to fill in, a masked value or a reference to where the real secret lives is
//! never a finding, whichever rule matched it. So are the integrity hashes of lockfiles
//! (`sha512-…`, go.sum `h1:…`, a Cargo.lock `checksum`), which look random but are public.
//! So are made-up values: alphabet and counting sequences (`ABCDEFGHIJ`, `123456`,
//! `a1b2c3d4`), widely copied documentation values (the `123e4567-e89b-…` UUID, MongoDB's
//! `D1fficultP%40ssw0rd`) and tokens of a checksummed format whose checksum fails.

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
        // The example UUID of Wikipedia and countless docs, whatever its last group
        // (`…-426614174000`, `…-426655440000`, edited `…-426614174abc`), and the password
        // of MongoDB's connection-string documentation (`D1fficultP%40ssw0rd`).
        r"|123e4567-e89b-12d3-a456-|d1fficult",
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

/// Whether `value`, preceded on its line by `before`, is a placeholder, a reference, a
/// lockfile hash or a made-up value rather than a secret.
pub(crate) fn is_placeholder(value: &str, before: &str) -> bool {
    has_sequence(value)
        || fails_github_checksum(value)
        || VALUE.is_match(value)
        || BEFORE.is_match(before)
}

/// Letters in a row that make an alphabet run (`abcdefgh`, `IJKLMNOP`).
const ALPHABET_RUN: usize = 8;
/// Characters of an interleaved run: 4 letter-digit pairs (`a1b2c3d4`, `1a2b3c4d`).
const INTERLEAVED_RUN: usize = 8;
/// The shortest counting run (`1234`, `abcd`) that counts toward a value made of them.
const COUNTING_RUN: usize = 4;
/// Digits in a row that make a long value made up (`…0e4345678`), and that length: a
/// person's short password may end in `123456`, a 20-character token does not.
const DIGIT_RUN: usize = 6;
const TOKEN_LENGTH: usize = 20;

/// Whether `value` holds a sequence typed by a person inventing a value: an ascending
/// alphabet run of 8 letters (case-insensitive), 4 letter-digit pairs that both count up
/// (`a1b2c3d4`, `A1B2…I9J0K1`, `1a2b3c4d`; the digits wrap from 9 to 0), a counting run of
/// 6 digits in a value of 20 characters or more, or counting runs of 4 or more letters or
/// digits making up two thirds of it (`012345abcdef`, `1234567890abcdef…`). A person's
/// short password with a run in it (`Admin@123456`) is not one.
/// A random base62 or hex secret has essentially none of these: one position starting a
/// 4-character run in random hex has a chance of 1 in 4,096, and two thirds of a value in
/// such runs, or an 8-letter run, is rarer by orders of magnitude. One pass over the
/// bytes, no allocation.
fn has_sequence(value: &str) -> bool {
    let bytes = value.as_bytes();
    let (mut alpha, mut digit, mut interleaved, mut covered) = (1, 1, 1, 0);
    let run_end = |run: usize| if run >= COUNTING_RUN { run } else { 0 };
    for (i, pair) in bytes.windows(2).enumerate() {
        let (prev, next) = (pair[0], pair[1]);
        if prev.is_ascii_alphabetic() && follows(prev, next) {
            alpha += 1;
        } else {
            covered += run_end(alpha);
            alpha = 1;
        }
        if prev.is_ascii_digit() && next.is_ascii_digit() && next == prev + 1 {
            digit += 1;
        } else {
            covered += run_end(digit);
            digit = 1;
        }
        interleaved = if !alternates(prev, next) {
            1
        } else if interleaved >= 2 && i >= 1 && follows(bytes[i - 1], next) {
            interleaved + 1
        } else {
            2
        };
        if alpha >= ALPHABET_RUN
            || interleaved >= INTERLEAVED_RUN
            || (digit >= DIGIT_RUN && bytes.len() >= TOKEN_LENGTH)
        {
            return true;
        }
    }
    covered += run_end(alpha) + run_end(digit);
    bytes.len() >= COUNTING_RUN && covered * 3 >= bytes.len() * 2
}

/// Whether one is an ASCII letter and the other an ASCII digit.
fn alternates(a: u8, b: u8) -> bool {
    (a.is_ascii_alphabetic() && b.is_ascii_digit())
        || (a.is_ascii_digit() && b.is_ascii_alphabetic())
}

/// Whether `next` comes right after `prev`: the next letter (either case) or the next digit,
/// 9 followed by 0.
fn follows(prev: u8, next: u8) -> bool {
    if prev.is_ascii_alphabetic() && next.is_ascii_alphabetic() {
        next.to_ascii_lowercase() == prev.to_ascii_lowercase() + 1
    } else if prev.is_ascii_digit() && next.is_ascii_digit() {
        next == if prev == b'9' { b'0' } else { prev + 1 }
    } else {
        false
    }
}

/// Whether `value` has the form of a 40-character GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`,
/// `ghr_`) or npm (`npm_`) token, whose last 6 characters are a CRC-32 of the 30 before
/// them, and the CRC fails: a hand-made example, since every issued token passes.
fn fails_github_checksum(value: &str) -> bool {
    let Some(prefix) = value.get(..4) else {
        return false;
    };
    value.len() == 40
        && matches!(prefix, "ghp_" | "gho_" | "ghu_" | "ghs_" | "ghr_" | "npm_")
        && value.as_bytes()[4..].iter().all(u8::is_ascii_alphanumeric)
        && !super::detect::github_checksum(value)
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
            // Made-up values: sequences, documentation values, tokens whose checksum fails.
            "A3T0ABCDEFGHIJKLMNOP",
            "AKIAIJKLMNOPQRSTUVWX",
            "A1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6Q7R8S9T0",
            "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0",
            "abcdef123456abcdef123456abcdef123456abcdef123456abcdef123456abcdef123456",
            "123e4567-e89b-12d3-a456-426614174000",
            "123E4567-E89B-12D3-A456-426614174ABC",
            "012345abcdef",
            "ghp_4U3LSowpDx8XvYE7A8GH56oxU5aWnY2mzIbV",
            "gho_fq75OMU7UVbS9pTZmoCCzJT6TM5d1w099FgG",
            "ghu_16C7e42F292c69C2E7C10c838347Ae178B4a",
            "npm_TCllNwh2WLQlMWVhybM1iQrsTj6rMQ0BOh6f",
            "D1fficultP%40ssw0rd",
            "mongodb+srv://myDatabaseUser:D1fficultP%40ssw0rd@cluster0.example.mongodb.net/",
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

    /// Made-up values never fire, in the lines they were found in: alphabet, digit and
    /// interleaved runs, the `123e4567-e89b-…` UUID, MongoDB's documentation password and
    /// hosts, and GitHub-format tokens whose CRC fails (which SEC003 rejects and the
    /// generic assignment rule used to report).
    #[test]
    fn issue_7_made_up_values_never_fire() {
        let rules = crate::rules::builtin_set();
        let lines = [
            "A3T0ABCDEFGHIJKLMNOP",
            "export AWS_API_KEY='A3T0ABCDEFGHIJKLMNOP'",
            "cloudflareAPIKey = A1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6Q7R8S9T0",
            "CLOUDFLARE_API_TOKEN: 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0'",
            "mailgun_api_key=abcdef123456abcdef123456abcdef123456abcdef123456abcdef123456abcdef123456",
            "postmark_token = 123e4567-e89b-12d3-a456-426614174000",
            "postmark_token = 123e4567-e89b-12d3-a456-426614174abc",
            "postmark_token = 123e4567-e89b-12d3-a456-426614174def",
            "postmark_token = 123e4567-e89b-12d3-a456-426614174001",
            "machine api.github.com login ziggy^stardust password 012345abcdef",
            "let g:gh_token='ghp_4U3LSowpDx8XvYE7A8GH56oxU5aWnY2mzIbV'",
            "oauth_token: gho_fq75OMU7UVbS9pTZmoCCzJT6TM5d1w099FgG",
            "\"token\": \"ghu_16C7e42F292c69C2E7C10c838347Ae178B4a\"",
            "NPM_TOKEN=npm_TCllNwh2WLQlMWVhybM1iQrsTj6rMQ0BOh6f",
            "mongodb://myDatabaseUser:D1fficultP%40ssw0rd@example1.com,example2.com,example3.com/?replicaSet=test",
            "mongodb+srv://myDatabaseUser:D1fficultP%40ssw0rd@cluster0.example.mongodb.net/",
            "mongodb+srv://orders:Vq7Lm2Xr9Tb4@cluster0.example.mongodb.net/",
            "mongodb://orders:Vq7Lm2Xr9Tb4@example1.com:27017/orders",
            "postgres://billing:Vq8wL2rN5tZk@pg.example.internal:5432/billing",
        ];
        let mut fired = Vec::new();
        for line in lines {
            for detection in rules.detect(&format!("{line}\n")) {
                fired.push(format!("{} on {line:?}", detection.code));
            }
        }
        assert!(fired.is_empty(), "{}", fired.join("\n"));

        // Real-looking values of the same shapes still fire.
        for (line, code) in [
            (
                "GITHUB_TOKEN=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",
                "SEC003",
            ),
            (
                "auth_token: ghs_IErf8gAm80j0jW3MvePVZ4AKcyAkwr1dLoKm",
                "SEC167",
            ),
            (
                "NPM_TOKEN=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",
                "SEC042",
            ),
            ("aws_access_key_id = AKIAZ7RTQ2MXGH5KPL4Q", "SEC001"),
            (
                "CLOUDFLARE_API_TOKEN: gyTcR8Jhd9iq_zEVhHsnr4sR5RyR2gF2CopqFrvv",
                "SEC023",
            ),
            (
                "postmark_token = 4f1c9a2e-7b3d-4e8a-9c6f-2d5b8e1a7c34",
                "SEC082",
            ),
            (
                "machine api.github.com login ziggy password c2lBRc5IEvZ7SSqocbcw",
                "SEC055",
            ),
            ("api_key = \"Zk4rT9wQ2mXv7Lp3Hc8Nd5Bf1Jy6Ws0Ge\"", "SEC167"),
            (
                "mongodb+srv://orders:Vq7Lm2Xr9Tb4@cluster0.ab1cd.mongodb.net/?retryWrites=true",
                "SEC142",
            ),
            (
                "mongodb+srv://svc:CPCdZH5k0F6dxQ9V@example-prince.mongodb.net/",
                "SEC142",
            ),
        ] {
            let codes: Vec<_> = rules
                .detect(&format!("{line}\n"))
                .into_iter()
                .map(|d| d.code)
                .collect();
            assert!(codes.contains(&code), "{code} on {line:?}: {codes:?}");
        }
    }

    /// The sequence, UUID and checksum heuristics on values, and what they spare.
    #[test]
    fn made_up_sequences_are_placeholders_and_random_values_are_not() {
        for value in [
            "abcdefgh",
            "ABCDEFGHIJ",
            "xyz_ijklmnop_1",
            "AbCdEfGh",
            "123456",
            "012345",
            "k9345678q",
            "a1b2c3d4",
            "A1B2C3D4",
            "1a2b3c4d",
            "Zz7h1a2b3C4d",
            "i9j0k1l2",
            "123e4567-e89b-12d3-a456-426614174000",
            "urn:uuid:123E4567-E89B-12D3-A456-426655440000",
            "ghp_4U3LSowpDx8XvYE7A8GH56oxU5aWnY2mzIbV",
            "ghs_IErf8gAm80j0jW3MvePVZ4AKcyAkwr1dLoKn",
            "gho_16C7e42F292c6912E7710c838347Ae178B4a",
            "npm_TCllNwh2WLQlMWVhybM1iQrsTj6rMQ0BOh6e",
            "D1fficultP%40ssw0rd",
            "12345abcdef67890abcdef123",
            "1234567890abcdef1234567890abcdef",
            "9f3b7c1e0d4a8b2f6e5c9a1d3b7f0e4345678",
        ] {
            assert!(super::is_placeholder(value, ""), "{value} is made up");
        }
        for value in [
            // Just short of each run.
            "Tr8abcdefgzQ4w",
            "m2Kxabcdefg9Lp",
            "a1b2c3z9",
            "a1b2c4d5",
            "a1b3c5d7",
            // A person's password with a counting run in it.
            "Admin@123456",
            "abuser123456",
            "Zt0d1f2bcalou3456nX",
            // Descending and keyboard runs are not sequences here.
            "z9x8c7v6b5n4",
            "q7w8e9r0t1y2",
            // Real-format values: valid-checksum tokens, a random UUID, random base62 and hex.
            "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",
            "ghs_IErf8gAm80j0jW3MvePVZ4AKcyAkwr1dLoKm",
            "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",
            "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",
            "ghp_shorter1234",
            "4f1c9a2e-7b3d-4e8a-9c6f-2d5b8e1a7c34",
            "123e4567-e89b-42d3-a456-556642440000",
            "gyTcR8Jhd9iq_zEVhHsnr4sR5RyR2gF2CopqFrvv",
            "6fb1cff7690db9ac066cadbbde8e3c078efdabcf",
        ] {
            assert!(!super::is_placeholder(value, ""), "{value} is not made up");
        }
        // Random secrets essentially never hold a run: 20,000 random 40-character base62
        // and hex strings (a fixed-seed xorshift), none of them rejected.
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let base62 = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let hex = b"0123456789abcdef";
        for alphabet in [&base62[..], &hex[..]] {
            for _ in 0..10_000 {
                let value: String = (0..40)
                    .map(|_| char::from(alphabet[(next() % alphabet.len() as u64) as usize]))
                    .collect();
                assert!(!super::has_sequence(&value), "random {value}");
            }
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
            followed_by: None,
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
