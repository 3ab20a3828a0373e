//! Reports: one document (`v1::Report`), rendered as a table, JSON, JSON Lines, SARIF or HTML.
//! Reporters see the document's types, never the internal model or a rule's internals.

pub mod html;
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
    /// One self-contained HTML page: summary, charts, findings by file, filters.
    Html,
}

/// Writes `report` in `format`.
pub fn write(report: &Report<'_>, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table => table::write(report, out),
        Format::Json => json::write(report, out),
        Format::Jsonl => json::write_lines(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Html => html::write(report, out),
    }
}
