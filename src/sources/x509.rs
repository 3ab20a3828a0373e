//! X.509 certificates, PEM (any number of blocks, with text around them) or DER: one
//! `x509.certificate` subject per certificate, located at its `-----BEGIN` line.
//!
//! A PEM block starts a line, or is embedded in a string with escaped newlines
//! (`"-----BEGIN CERTIFICATE-----\nMIIB…"`); other mentions of the marker (in a regex, a
//! comment, an assertion) are not certificates and are skipped without an error.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
use x509_parser::public_key::PublicKey;

use super::{Extracted, Input, Source, SourceError};
use crate::model::time::format_time;
use crate::model::{Anchor, InputText, Origin, Reason, Span, Subject, sha256_hex};
use crate::reason;

pub(crate) struct X509;

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";
const DER_EXTENSIONS: &[&str] = &[".der", ".cer", ".crt", ".cert"];

impl Source for X509 {
    fn id(&self) -> &'static str {
        "x509"
    }

    fn sniff(&self, path: &str, head: &[u8]) -> bool {
        let lower = path.to_ascii_lowercase();
        let der = DER_EXTENSIONS.iter().any(|e| lower.ends_with(e)) && looks_like_der(head);
        // Every file is sniffed: the searcher is built once, not per call.
        static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new(BEGIN));
        der || FINDER.find(head).is_some()
    }

    fn extract(&self, input: &Input<'_>, out: &mut Extracted) -> Result<(), SourceError> {
        let bytes = input.bytes;
        if looks_like_der(bytes) {
            let subject = certificate(bytes, input.origin(), Span::line(1, 1))
                .map_err(|e| SourceError(reason!("DER certificate: {}", e)))?;
            out.subjects.push(subject);
            return Ok(());
        }
        let text = String::from_utf8_lossy(bytes);
        let mut rest = 0;
        while let Some(found) = text[rest..].find(BEGIN) {
            let start = rest + found;
            let body_start = start + BEGIN.len();
            let escaped =
                text[body_start..].starts_with("\\n") || text[body_start..].starts_with("\\r\\n");
            let line_begin = text[..start].rfind('\n').map_or(0, |nl| nl + 1);
            if !escaped && !text[line_begin..start].trim().is_empty() {
                rest = body_start;
                continue;
            }
            let line = input.line_of(start);
            let Some(end_rel) = text[body_start..].find(END) else {
                out.problems.push(reason!(
                    "line {}: certificate block has no END line (truncated?)",
                    line
                ));
                break;
            };
            let end = body_start + end_rel + END.len();
            rest = end;
            let mut body = text[body_start..body_start + end_rel].to_owned();
            if escaped {
                body = body.replace("\\n", "").replace("\\r", "");
            }
            body.retain(|c| !c.is_ascii_whitespace());
            let span = input.span(start, end);
            let der = match STANDARD.decode(body.as_bytes()) {
                Ok(der) => der,
                Err(e) => {
                    out.problems.push(reason!(
                        "line {}: certificate block is not valid base64 ({})",
                        line,
                        InputText::foreign(&e)
                    ));
                    continue;
                }
            };
            match certificate(&der, input.origin(), span) {
                Ok(subject) => out.subjects.push(subject),
                Err(e) => out.problems.push(reason!("line {}: {}", line, e)),
            }
        }
        if out.subjects.is_empty() && !out.problems.is_empty() {
            let mut problems = std::mem::take(&mut out.problems).into_iter();
            let first = problems.next().unwrap_or_else(|| "no certificate".into());
            let joined = problems.fold(first, |all, next| reason!("{}; {}", all, next));
            return Err(SourceError(joined));
        }
        Ok(())
    }
}

/// A DER certificate is a SEQUENCE (0x30) with a long-form length (0x81..=0x84): a text file
/// that merely starts with the character `0` is not one.
fn looks_like_der(bytes: &[u8]) -> bool {
    bytes.first() == Some(&0x30) && bytes.get(1).is_some_and(|b| (0x81..=0x84).contains(b))
}

fn certificate(der: &[u8], origin: Origin, span: Span) -> Result<Subject, Reason> {
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|e| reason!("not a valid X.509 certificate: {}", InputText::foreign(&e)))?;
    let subject_dn = cert.subject().to_string();
    let common_name = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned);
    let name = common_name.clone().unwrap_or_else(|| subject_dn.clone());
    let mut subject = Subject::new(
        "x509.certificate",
        "x509",
        format!("sha256:{}", sha256_hex(der)),
        name,
    );
    subject.origin = origin;
    subject.origin.whole = Some(Anchor::At(span));
    let (key_algorithm, key_size) = match cert.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => ("RSA", rsa.key_size()),
        Ok(key @ PublicKey::EC(_)) => ("EC", key.key_size()),
        Ok(key @ PublicKey::DSA(_)) => ("DSA", key.key_size()),
        _ => match cert
            .public_key()
            .algorithm
            .algorithm
            .to_id_string()
            .as_str()
        {
            "1.3.101.112" => ("Ed25519", 256),
            "1.3.101.113" => ("Ed448", 456),
            _ => ("unknown", 0),
        },
    };
    let (signature_algorithm, signature_hash) =
        signature(&cert.signature_algorithm.algorithm.to_id_string());
    let sans: Vec<Value> = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|ext| {
            ext.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some(Value::String((*d).to_owned())),
                    GeneralName::IPAddress(ip) => Some(Value::String(format!("{ip:?}"))),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let time = |t: x509_parser::time::ASN1Time| format_time(t.to_datetime());
    subject
        .set("subject", subject_dn.clone())
        .set(
            "common_name",
            common_name.map_or(Value::Null, Value::String),
        )
        .set("issuer", cert.issuer().to_string())
        .set("serial", cert.raw_serial_as_string())
        .set("not_before", time(cert.validity().not_before))
        .set("not_after", time(cert.validity().not_after))
        .set("key_algorithm", key_algorithm)
        .set("key_size", key_size)
        .set("signature_algorithm", signature_algorithm)
        .set("signature_hash", signature_hash)
        .set("self_signed", subject_dn == cert.issuer().to_string())
        .set("is_ca", cert.is_ca())
        .set("subject_alt_names", Value::Array(sans));
    Ok(subject)
}

/// Name and hash of a signature algorithm OID.
fn signature(oid: &str) -> (String, &'static str) {
    let (name, hash) = match oid {
        "1.2.840.113549.1.1.2" => ("md2WithRSAEncryption", "md2"),
        "1.2.840.113549.1.1.4" => ("md5WithRSAEncryption", "md5"),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => ("sha1WithRSAEncryption", "sha1"),
        "1.2.840.113549.1.1.11" => ("sha256WithRSAEncryption", "sha256"),
        "1.2.840.113549.1.1.12" => ("sha384WithRSAEncryption", "sha384"),
        "1.2.840.113549.1.1.13" => ("sha512WithRSAEncryption", "sha512"),
        "1.2.840.113549.1.1.14" => ("sha224WithRSAEncryption", "sha224"),
        "1.2.840.113549.1.1.10" => ("rsassaPss", "pss"),
        "1.2.840.10045.4.1" => ("ecdsa-with-SHA1", "sha1"),
        "1.2.840.10045.4.3.2" => ("ecdsa-with-SHA256", "sha256"),
        "1.2.840.10045.4.3.3" => ("ecdsa-with-SHA384", "sha384"),
        "1.2.840.10045.4.3.4" => ("ecdsa-with-SHA512", "sha512"),
        "1.2.840.10040.4.3" => ("dsa-with-sha1", "sha1"),
        "2.16.840.1.101.3.4.3.2" => ("dsa-with-sha256", "sha256"),
        "1.3.101.112" => ("Ed25519", "none"),
        "1.3.101.113" => ("Ed448", "none"),
        other => return (other.to_owned(), "unknown"),
    };
    (name.to_owned(), hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extract(text: &str) -> Result<Extracted<'static>, SourceError> {
        let path: std::sync::Arc<str> = "x.pem".into();
        let mut out = Extracted::default();
        X509.extract(&Input::new(&path, text.as_bytes()), &mut out)?;
        Ok(out)
    }

    #[test]
    fn mentions_of_the_marker_are_not_blocks() {
        let code =
            "let re = Regex::new(\"-----BEGIN CERTIFICATE-----(.*)-----END CERTIFICATE-----\");\n";
        let out = extract(code).expect("a mention is not an error");
        assert!(
            out.subjects.is_empty() && out.problems.is_empty(),
            "{:?}",
            out.problems
        );
    }

    #[test]
    fn a_pem_file_starting_with_the_digit_zero_is_not_der() {
        let pem = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/sources/x509/expiring-soon.pem"
        ))
        .unwrap();
        let out = extract(&format!("0 leading text\n{pem}")).expect("read as PEM, not DER");
        assert_eq!(out.subjects.len(), 1, "{:?}", out.problems);
        assert_eq!(out.subjects[0].origin.span().unwrap().line, 2);
    }

    #[test]
    fn escaped_pem_in_a_string_is_read() {
        let pem = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/sources/x509/expiring-soon.pem"
        ))
        .unwrap();
        let escaped = format!(
            "{{\"cert\": \"{}\"}}\n",
            pem.trim_end().replace('\n', "\\n")
        );
        let out = extract(&escaped).expect("escaped PEM is read");
        assert_eq!(out.subjects.len(), 1, "{:?}", out.problems);
        assert_eq!(out.subjects[0].name, "billing.example.test");
    }
}
