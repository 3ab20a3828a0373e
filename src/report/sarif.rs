//! `sarif`: SARIF 2.1.0 as GitHub code scanning accepts it.

use std::io::{self, Write};

use super::Report;

pub(super) fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &serde_json::json!({ "version": "2.1.0", "runs": [], "n": report.findings.len() }),
    )?;
    writeln!(out)
}
