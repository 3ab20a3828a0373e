//! What a private key block says about itself, read from the block a detector matched:
//! its format and whether it is encrypted, with which cipher. An OpenSSH key names its
//! cipher inside the base64 `openssh-key-v1` blob (`none` when unencrypted); a PEM key
//! says `Proc-Type: 4,ENCRYPTED` with `DEK-Info: <cipher>,<iv>`; a PKCS#8 `ENCRYPTED PRIVATE
//! KEY` names its cipher by OID inside the DER.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

/// Facts about one private key block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyFacts {
    /// `openssh`, `rsa`, `ec`, `dsa`, `pkcs8`, or `pkcs8-encrypted`.
    pub format: &'static str,
    pub encrypted: bool,
    /// The cipher protecting the key (`aes256-ctr`, `aes-256-cbc`), `none` when it is not
    /// encrypted, `unknown` when encrypted with a cipher not recognised.
    pub cipher: String,
    /// The key derivation function of an OpenSSH key (`bcrypt`, `none`).
    pub kdf: Option<String>,
}

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
/// How far past the BEGIN line the body is read: enough for any cipher name or OID.
const READ: usize = 4096;

/// The facts of the key block that starts at (or just after) the start of `text`, or
/// `None` when `text` holds no private key block.
pub(crate) fn facts(text: &str) -> Option<KeyFacts> {
    let begin = text.find(BEGIN)?;
    let label_start = begin + BEGIN.len();
    let label_end = label_start + text[label_start..].find("PRIVATE KEY-----")?;
    let label = text[label_start..label_end].trim();
    let after = label_end + "PRIVATE KEY-----".len();
    let mut stop = (after + READ).min(text.len());
    while !text.is_char_boundary(stop) {
        stop -= 1;
    }
    let block = &text[after..stop];
    let block = block.find(END).map_or(block, |end| &block[..end]);
    let block = block.replace("\\r", "\n").replace("\\n", "\n");
    if let Some(proc_type) = block.find("Proc-Type:") {
        let encrypted = block[proc_type..].lines().next()?.contains("ENCRYPTED");
        let cipher = block
            .find("DEK-Info:")
            .and_then(|at| block[at + "DEK-Info:".len()..].lines().next())
            .and_then(|info| info.split(',').next())
            .map_or_else(|| "unknown".to_owned(), |c| c.trim().to_ascii_lowercase());
        return Some(KeyFacts {
            format: pem_format(label),
            encrypted,
            cipher: if encrypted { cipher } else { "none".to_owned() },
            kdf: None,
        });
    }
    let der = decode_body(&block);
    match label {
        "OPENSSH" => Some(openssh(&der)),
        "ENCRYPTED" => Some(KeyFacts {
            format: "pkcs8-encrypted",
            encrypted: true,
            cipher: pkcs8_cipher(&der).to_owned(),
            kdf: None,
        }),
        _ => Some(KeyFacts {
            format: pem_format(label),
            encrypted: false,
            cipher: "none".to_owned(),
            kdf: None,
        }),
    }
}

fn pem_format(label: &str) -> &'static str {
    match label {
        "RSA" => "rsa",
        "EC" => "ec",
        "DSA" => "dsa",
        "OPENSSH" => "openssh",
        "ENCRYPTED" => "pkcs8-encrypted",
        _ => "pkcs8",
    }
}

/// The base64 body: on each line, the longest run of base64 characters (so that a quote,
/// a comment marker or a log prefix around it is left out), decoded as far as it is valid.
fn decode_body(block: &str) -> Vec<u8> {
    let mut body = String::new();
    for line in block.lines() {
        let run = line
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='))
            .max_by_key(|run| run.len())
            .unwrap_or("");
        if run.len() >= 16 {
            body.push_str(run.trim_end_matches('='));
        }
    }
    let usable = body.len() - body.len() % 4;
    STANDARD_NO_PAD
        .decode(&body.as_bytes()[..usable])
        .unwrap_or_default()
}

/// `openssh-key-v1\0`, then the cipher name and the KDF name as SSH strings (a big-endian
/// u32 length, then the bytes).
fn openssh(blob: &[u8]) -> KeyFacts {
    const MAGIC: &[u8] = b"openssh-key-v1\0";
    let unknown = KeyFacts {
        format: "openssh",
        encrypted: false,
        cipher: "none".to_owned(),
        kdf: None,
    };
    let Some(rest) = blob.strip_prefix(MAGIC) else {
        return unknown;
    };
    let Some((cipher, rest)) = ssh_string(rest) else {
        return unknown;
    };
    let kdf = ssh_string(rest).map(|(kdf, _)| kdf);
    KeyFacts {
        format: "openssh",
        encrypted: cipher != "none",
        cipher,
        kdf,
    }
}

fn ssh_string(bytes: &[u8]) -> Option<(String, &[u8])> {
    let len = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let value = bytes.get(4..4 + len.min(64))?;
    if len > 64 || !value.iter().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    Some((
        String::from_utf8_lossy(value).into_owned(),
        &bytes[4 + len..],
    ))
}

/// The encryption scheme of a PKCS#8 `EncryptedPrivateKeyInfo`, by the DER of its OID.
fn pkcs8_cipher(der: &[u8]) -> &'static str {
    const AES: [u8; 10] = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01];
    const DES_EDE3_CBC: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x03, 0x07];
    if let Some(at) = der.windows(AES.len()).position(|w| w == AES) {
        return match der.get(at + AES.len()) {
            Some(0x02) => "aes-128-cbc",
            Some(0x16) => "aes-192-cbc",
            Some(0x2a) => "aes-256-cbc",
            Some(0x06) => "aes-128-gcm",
            Some(0x2e) => "aes-256-gcm",
            _ => "aes",
        };
    }
    if der.windows(DES_EDE3_CBC.len()).any(|w| w == DES_EDE3_CBC) {
        return "des-ede3-cbc";
    }
    "unknown"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_openssh_cipher_and_kdf() {
        let encrypted = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABC1KkmZNm\n-----END OPENSSH PRIVATE KEY-----\n";
        let facts = facts(encrypted).unwrap();
        assert_eq!(
            (facts.encrypted, facts.cipher.as_str(), facts.kdf.as_deref()),
            (true, "aes256-ctr", Some("bcrypt"))
        );
        let plain = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n";
        let facts = super::facts(plain).unwrap();
        assert_eq!((facts.encrypted, facts.cipher.as_str()), (false, "none"));
    }

    #[test]
    fn reads_pem_headers_in_escaped_strings() {
        let text = r#""-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,0123\n\nMIIE""#;
        let facts = facts(text).unwrap();
        assert_eq!(
            (facts.format, facts.encrypted, facts.cipher.as_str()),
            ("rsa", true, "aes-256-cbc")
        );
    }

    #[test]
    fn garbage_is_not_a_panic() {
        for text in [
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA/////w==\n",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\n!!!\n",
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type:",
            "-----BEGIN PRIVATE KEY-----é\u{1F600}",
        ] {
            let _ = facts(text);
        }
    }
}
