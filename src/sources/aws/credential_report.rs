//! The AWS IAM credential report (`aws iam get-credential-report`, decoded CSV): one
//! `aws.iam_user` per row and one `aws.access_key` per key slot in use.

use serde_json::{Map, Value};

use crate::model::{Anchor, InputText, Origin, Span, Subject};
use crate::reason;
use crate::sources::{Extracted, Input, Source, SourceError};

pub(crate) struct CredentialReport;

/// The report's header, exactly as AWS writes it.
const HEADER: [&str; 22] = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

const ROOT: &str = "<root_account>";

/// Attributes of an access key and of a user; sized exactly, their maps do not grow into
/// slack.
const KEY_ATTRIBUTES: usize = 10;
const USER_ATTRIBUTES: usize = 13;

impl Source for CredentialReport {
    fn id(&self) -> &'static str {
        "aws.credential_report"
    }

    fn sniff(&self, path: &str, head: &[u8]) -> bool {
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        path.to_ascii_lowercase().ends_with(".csv") && head.starts_with(b"user,arn,")
    }

    fn extract(&self, input: &Input<'_>, out: &mut Extracted) -> Result<(), SourceError> {
        let bytes = input
            .bytes
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(input.bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut records = reader.byte_records();
        let header = match records.next() {
            Some(Ok(h)) => h,
            Some(Err(e)) => {
                return Err(SourceError(reason!(
                    "unreadable header: {}",
                    InputText::foreign(&e)
                )));
            }
            None => return Err(SourceError("empty file".into())),
        };
        if header.len() != HEADER.len() || header.iter().zip(HEADER).any(|(a, b)| a != b.as_bytes())
        {
            let columns = header.len();
            let differs = header
                .iter()
                .zip(HEADER)
                .position(|(a, b)| a != b.as_bytes());
            return Err(SourceError(match differs {
                Some(i) => reason!(
                    "not an AWS credential report: header has {} columns, expected the 22 of AWS's format; column {} is `{}`, expected `{}`",
                    columns,
                    i + 1,
                    InputText::from_bytes(&header[i]),
                    HEADER[i]
                ),
                None => reason!(
                    "not an AWS credential report: header has {} columns, expected the 22 of AWS's format",
                    columns
                ),
            }));
        }
        let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        for record in records {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    out.problems
                        .push(reason!("unreadable row: {}", InputText::foreign(&e)));
                    continue;
                }
            };
            let line = record.position().map_or(0, |p| p.line());
            if record.len() != HEADER.len() {
                out.problems.push(reason!(
                    "line {}: row has {} of 22 columns (truncated?); row skipped",
                    line,
                    record.len()
                ));
                continue;
            }
            let raw_line = usize::try_from(line)
                .ok()
                .and_then(|l| lines.get(l.wrapping_sub(1)))
                .copied()
                .unwrap_or_default();
            let row = Row {
                record: &record,
                spans: column_spans(raw_line, u32::try_from(line).unwrap_or(u32::MAX)),
            };
            for subject in row.subjects(&input.origin()) {
                out.push_final(subject);
            }
        }
        Ok(())
    }
}

/// Spans of each column of an unquoted CSV line; the whole line for every column otherwise.
fn column_spans(raw: &[u8], line: u32) -> Vec<Span> {
    let text = String::from_utf8_lossy(raw);
    let text = text.trim_end_matches('\r');
    let whole = Span::line(
        line,
        u32::try_from(text.chars().count()).unwrap_or(u32::MAX),
    );
    if text.contains('"') {
        return vec![whole; HEADER.len()];
    }
    let mut spans = Vec::with_capacity(HEADER.len());
    let mut column = 1_u32;
    for field in text.split(',') {
        let width = u32::try_from(field.chars().count()).unwrap_or(0);
        spans.push(Span {
            line,
            column,
            end_line: line,
            end_column: column + width.max(1) - 1,
        });
        column += width + 1;
    }
    spans.resize(HEADER.len(), whole);
    spans
}

struct Row<'a> {
    record: &'a csv::ByteRecord,
    spans: Vec<Span>,
}

impl Row<'_> {
    fn cell(&self, column: &str) -> std::borrow::Cow<'_, str> {
        let i = HEADER.iter().position(|h| *h == column).unwrap_or(0);
        match String::from_utf8_lossy(&self.record[i]) {
            std::borrow::Cow::Borrowed(text) => std::borrow::Cow::Borrowed(text.trim()),
            std::borrow::Cow::Owned(text) => std::borrow::Cow::Owned(text.trim().to_owned()),
        }
    }

    fn text(&self, column: &str) -> String {
        self.cell(column).into_owned()
    }

    fn span(&self, column: &str) -> Span {
        let i = HEADER.iter().position(|h| *h == column).unwrap_or(0);
        self.spans[i]
    }

    /// `N/A`, `not_supported` and `no_information` become null; booleans become booleans.
    fn value(&self, column: &str) -> Value {
        match &*self.cell(column) {
            "N/A" | "not_supported" | "no_information" | "" => Value::Null,
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            other => Value::String(other.to_owned()),
        }
    }

    fn set(&self, subject: &mut Subject, attr: &str, column: &str) {
        subject.set_at(attr, self.value(column), self.span(column));
    }

    /// The row's keys, then its user: the order of the report (one span, then kind), so a
    /// settled report lists its inventory as an unsettled one does.
    fn subjects(&self, origin: &Origin) -> Vec<Subject> {
        let user = self.text("user");
        let arn = self.text("arn");
        let is_root = user == ROOT;
        let whole = Span {
            line: self.spans[0].line,
            column: 1,
            end_line: self.spans[0].line,
            end_column: self.spans[HEADER.len() - 1].end_column,
        };
        let mut out = Vec::new();
        let mut keys_active = 0;
        for slot in [1, 2] {
            let col = |suffix: &str| format!("access_key_{slot}_{suffix}");
            let active = self.value(&col("active")) == Value::Bool(true);
            let rotated = self.value(&col("last_rotated"));
            if !active && rotated.is_null() {
                continue;
            }
            keys_active += usize::from(active);
            let mut key = Subject::new(
                "aws.access_key",
                "aws",
                format!("{arn}#key{slot}"),
                user.clone(),
            );
            key.attrs = Map::with_capacity(KEY_ATTRIBUTES);
            key.origin = origin.clone();
            key.origin.attrs = Vec::with_capacity(KEY_ATTRIBUTES);
            key.origin.whole = Some(Anchor::At(whole));
            key.set_at("user", user.clone(), self.span("user"))
                .set_at("arn", arn.clone(), self.span("arn"))
                .set_at("key_slot", slot, self.span(&col("active")))
                .set_at("is_root", is_root, self.span("user"));
            key.set_at(
                "status",
                if active { "Active" } else { "Inactive" },
                self.span(&col("active")),
            );
            self.set(&mut key, "last_rotated", &col("last_rotated"));
            self.set(&mut key, "last_used", &col("last_used_date"));
            self.set(&mut key, "last_used_region", &col("last_used_region"));
            self.set(&mut key, "last_used_service", &col("last_used_service"));
            self.set(&mut key, "user_creation_time", "user_creation_time");
            out.push(key);
        }
        let mut account = Subject::new("aws.iam_user", "aws", arn.clone(), user.clone());
        account.attrs = Map::with_capacity(USER_ATTRIBUTES);
        account.origin = origin.clone();
        account.origin.attrs = Vec::with_capacity(USER_ATTRIBUTES);
        account.origin.whole = Some(Anchor::At(whole));
        account
            .set_at("user", user, self.span("user"))
            .set_at("arn", arn, self.span("arn"));
        account.set_at("is_root", is_root, self.span("user"));
        for (attr, column) in [
            ("creation_time", "user_creation_time"),
            ("password_enabled", "password_enabled"),
            ("password_last_used", "password_last_used"),
            ("password_last_changed", "password_last_changed"),
            ("mfa_active", "mfa_active"),
            ("access_key_1_active", "access_key_1_active"),
            ("access_key_2_active", "access_key_2_active"),
            ("cert_1_active", "cert_1_active"),
            ("cert_2_active", "cert_2_active"),
        ] {
            self.set(&mut account, attr, column);
        }
        let first_key = self.span("access_key_1_active");
        account.set_at(
            "active_access_keys",
            keys_active,
            Span {
                end_column: self.span("access_key_2_active").end_column,
                ..first_key
            },
        );
        out.push(account);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extract(text: &str) -> Result<Extracted<'static>, SourceError> {
        let path: std::sync::Arc<str> = "r.csv".into();
        let mut out = Extracted::default();
        CredentialReport.extract(&Input::new(&path, text.as_bytes()), &mut out)?;
        out.subjects.append(&mut out.finals);
        Ok(out)
    }

    #[test]
    fn one_user_and_one_key_per_slot_in_use_with_column_spans() {
        let text = format!(
            "{}\nsvc,arn:aws:iam::1:user/svc,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2025-10-07T09:12:44+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n",
            HEADER.join(",")
        );
        let out = extract(&text).unwrap();
        assert!(out.problems.is_empty());
        let kinds: Vec<_> = out
            .subjects
            .iter()
            .map(|s| (s.kind.as_str(), s.id.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("aws.access_key", "arn:aws:iam::1:user/svc#key1"),
                ("aws.iam_user", "arn:aws:iam::1:user/svc")
            ]
        );
        let key = &out.subjects[0];
        assert_eq!(key.attrs["status"], "Active");
        assert_eq!(key.attrs["last_used"], Value::Null);
        let span = key.origin.span_of("last_rotated").unwrap();
        assert_eq!((span.line, span.column), (2, 84));
        assert_eq!(out.subjects[1].attrs["active_access_keys"], 1);
    }

    #[test]
    fn wrong_header_is_an_error_and_short_rows_are_problems() {
        let err = extract("user,arn,password_enabled\nx,y,z\n").unwrap_err();
        assert!(err.0.as_str().contains("header has 3 columns"), "{err}");
        let token = "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";
        let err = extract(&format!("user,arn,{token}\nx,y,z\n")).unwrap_err();
        assert!(
            err.0.as_str().contains("column 3 is `ghp_…NzlX`") && !err.0.as_str().contains(token),
            "a header cell is quoted redacted: {err}"
        );
        let out = extract(&format!("{}\nsvc,arn,2024", HEADER.join(","))).unwrap();
        assert!(out.subjects.is_empty());
        assert_eq!(
            out.problems,
            ["line 2: row has 3 of 22 columns (truncated?); row skipped"]
        );
    }
}
