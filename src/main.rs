//! The `nhiscan` binary: parse arguments, run, map the outcome to an exit code.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = nhiscan::cli::Cli::parse();
    let color = nhiscan::term::Style::stderr_color(cli.color);
    match nhiscan::app::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(report) => {
            let text = nhiscan::diag::render(&report, color);
            let _unreported = write!(std::io::stderr().lock(), "{text}");
            ExitCode::from(2)
        }
    }
}
