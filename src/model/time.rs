//! Timestamps as inputs write them and as reports print them. Adapters and rules both
//! need these, so they live here.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// RFC 3339, as every report prints times.
pub fn format_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// Parses RFC 3339 timestamps and bare `YYYY-MM-DD` dates (taken as midnight UTC); a
/// timestamp without an offset is taken as UTC.
pub fn parse_time(value: &Value) -> Option<OffsetDateTime> {
    let text = value.as_str()?.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    let date = time::Date::parse(
        text.get(..10)?,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    match text.len() {
        10 => Some(date.midnight().assume_utc()),
        _ => OffsetDateTime::parse(&format!("{text}Z"), &Rfc3339).ok(),
    }
}

/// Calendar days from `from` to `to`, both taken in UTC: a key rotated on 2025-10-07 at any
/// hour is 412 days old on 2026-11-23.
pub fn calendar_days(from: OffsetDateTime, to: OffsetDateTime) -> i64 {
    let utc = time::UtcOffset::UTC;
    (to.to_offset(utc).date() - from.to_offset(utc).date()).whole_days()
}
