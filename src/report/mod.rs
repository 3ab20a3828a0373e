//! Reports: one document (`document::Report`), rendered as a table, JSON, JSON Lines or
//! SARIF. Reporters see findings and rule metadata, never a rule's internals.

pub mod document;
mod json;
mod sarif;
mod table;

use std::io::{self, Write};

pub use document::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Sarif,
}

/// Writes `report` in `format`.
pub fn write(report: &Report, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table => table::write(report, out),
        Format::Json => json::write(report, out),
        Format::Jsonl => json::write_lines(report, out),
        Format::Sarif => sarif::write(report, out),
    }
}
