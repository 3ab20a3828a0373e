//! The `nhiscan` binary: parse arguments, run, map the outcome to an exit code.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let _already_set = miette::set_hook(Box::new(|_| {
        Box::new(miette::MietteHandlerOpts::new().wrap_lines(false).build())
    }));
    let cli = nhiscan::cli::Cli::parse();
    match nhiscan::app::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(report) => {
            let _unreported = writeln!(std::io::stderr().lock(), "{report:?}");
            ExitCode::from(2)
        }
    }
}
