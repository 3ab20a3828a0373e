//! Reports: one document (`v1::Report`), rendered as a table, JSON, JSON Lines or SARIF.
//! Reporters see the document's types, never the internal model or a rule's internals.

mod json;
mod sarif;
mod table;
pub mod v1;

use std::io::{self, Write};

pub use v1::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Sarif,
}

/// Writes `report` in `format`.
pub fn write(report: &Report<'_>, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table => table::write(report, out),
        Format::Json => json::write(report, out),
        Format::Jsonl => json::write_lines(report, out),
        Format::Sarif => sarif::write(report, out),
    }
}
