//! Reports: one document (`v1::Report`), rendered as a table, JSON, JSON Lines or SARIF.
//! Reporters see the document's types, never the internal model or a rule's internals.

mod json;
mod sarif;
mod table;
pub mod v1;

use std::io::{self, Write};

pub use v1::Report;

use crate::term::Style;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Sarif,
}

/// Writes `report` in `format`, plain (no colour, the default table width): for files.
pub fn write(report: &Report<'_>, format: Format, out: &mut dyn Write) -> io::Result<()> {
    write_styled(report, format, Style::PLAIN, out)
}

/// Writes `report` in `format` for a stream of `style` (a terminal's width and colour).
pub fn write_styled(
    report: &Report<'_>,
    format: Format,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::write(report, style, out),
        Format::Json => json::write(report, out),
        Format::Jsonl => json::write_lines(report, out),
        Format::Sarif => sarif::write(report, out),
    }
}
