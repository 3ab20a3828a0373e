//! `nhiscan report`: renders reports saved by `scan --format json` (the v1 contract), so a
//! page can be made after the fact, and several scans can be drawn as a trend.

use std::io::Read as _;

use miette::{IntoDiagnostic, WrapErr, miette};

use super::{EXIT_CLEAN, Target, emit, output};
use crate::cli::{RenderFormat, ReportArgs};
use crate::model::InputText;
use crate::report::html::{self, SavedReport};

/// Largest saved report read (a report of a million findings is about 2 GiB; this is a
/// bound against reading a device or a wrong file, not a quota).
const MAX_REPORT_BYTES: u64 = 4 << 30;

pub(super) fn run(args: &ReportArgs) -> miette::Result<u8> {
    let output = args
        .output
        .as_deref()
        .map(output::PendingOutput::create)
        .transpose()?;
    let mut reports = Vec::with_capacity(args.reports.len());
    for path in &args.reports {
        let shown = path.display();
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_REPORT_BYTES + 1).read_to_end(&mut bytes))
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read {shown}"))?;
        if bytes.len() as u64 > MAX_REPORT_BYTES {
            return Err(miette!("{shown}: larger than {MAX_REPORT_BYTES} bytes"));
        }
        let report = SavedReport::from_json(&bytes).map_err(|e| {
            miette!(
                help = "give reports written by `nhiscan scan --format json`",
                "{shown} is not an nhiscan JSON report: {}",
                InputText::foreign(&e)
            )
        })?;
        if !report.schema_version.starts_with("1.") {
            return Err(miette!(
                help = "this nhiscan reads schema 1.x; render it with the nhiscan that wrote it",
                "{shown}: schema_version {} is not 1.x",
                InputText::new(report.schema_version.as_str())
            ));
        }
        reports.push(report);
    }
    match args.format {
        RenderFormat::Html => {
            let target = output.map_or(Target::Stdout, Target::File);
            emit(target, |out| html::write_saved(reports, out))?;
        }
    }
    Ok(EXIT_CLEAN)
}
