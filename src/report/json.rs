//! `json`: the whole document; `jsonl`: one object per line, each with a `type`
//! (`finding`, then `error`, then one closing `summary`), for streaming into other tools.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Value, json};

use super::Report;

pub(super) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

pub(super) fn write_lines(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for finding in &report.findings {
        line(out, "finding", finding)?;
    }
    for error in report.errors {
        line(out, "error", error)?;
    }
    let summary = json!({
        "schema_version": report.schema_version,
        "tool": report.tool,
        "policy": { "version": report.policy.version, "digest": report.policy.digest },
        "scan": report.scan,
        "summary": report.summary,
    });
    line(out, "summary", &summary)
}

fn line(out: &mut dyn Write, kind: &str, value: &impl Serialize) -> io::Result<()> {
    let mut value = serde_json::to_value(value)?;
    if let Value::Object(map) = &mut value {
        map.shift_insert(0, "type".to_owned(), Value::String(kind.to_owned()));
    }
    serde_json::to_writer(&mut *out, &value)?;
    writeln!(out)
}
