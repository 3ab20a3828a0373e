//! The commands: a scan (plan, run the pipeline, render, exit code) and the rules commands.
//! Returns the exit code; only `main` turns it into the process's.

mod man;
mod output;
mod plan;
mod progress;
mod rules_cmd;

use std::io::{self, BufWriter, IsTerminal as _, Write};
use std::sync::Arc;
use std::time::Instant;

use miette::{IntoDiagnostic, WrapErr};
use time::OffsetDateTime;

use crate::cli::{Cli, ColorChoice, Command, ScanArgs};
use crate::inputs::git;
use crate::model::time::format_time;
use crate::pipeline::ScanResult;
use crate::report::v1::{Context, Report};
use crate::term::Style;
use plan::GitInput;

/// Exit code: nothing at or above `--fail-on`.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code: findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;

pub fn run(cli: Cli) -> miette::Result<u8> {
    match cli.command {
        Command::Scan(args) => scan(&args, cli.color),
        Command::Rules(command) => rules_cmd::run(command, cli.color),
        Command::Completions { shell } => {
            emit(None, false, |out| {
                let mut command = <Cli as clap::CommandFactory>::command();
                clap_complete::generate(shell, &mut command, "nhiscan", out);
                Ok(())
            })?;
            Ok(EXIT_CLEAN)
        }
        Command::Man => {
            emit(None, false, man::write)?;
            Ok(EXIT_CLEAN)
        }
    }
}

fn scan(args: &ScanArgs, color: ColorChoice) -> miette::Result<u8> {
    let started = OffsetDateTime::now_utc();
    let output = args
        .output
        .as_deref()
        .map(output::PendingOutput::create)
        .transpose()?;
    let mut plan = plan::ScanPlan::new(args)?;
    let ticker = (!args.quiet && io::stderr().is_terminal()).then(|| {
        let counters = Arc::new(crate::pipeline::Progress::default());
        plan.options.progress = Some(Arc::clone(&counters));
        progress::Ticker::start(counters)
    });
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(requested) = plan.jobs {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let jobs = clamp_jobs(requested, cores);
        if jobs != requested.max(1) {
            let _note_is_best_effort = writeln!(
                io::stderr().lock(),
                "note: --jobs {requested} is more than {jobs} (4 per core, at most {MAX_JOBS}); using {jobs}"
            );
        }
        pool = pool.num_threads(jobs);
    }
    let pool = pool.build().into_diagnostic()?;
    let clock = Instant::now();
    let result = pool.install(|| scan_inputs(&plan));
    let elapsed = clock.elapsed();
    if let Some(ticker) = ticker {
        ticker.finish();
    }
    let result = result?;
    let context = Context {
        started_at: format_time(started),
        now: format_time(plan.options.now),
        roots: plan.root_names(),
        fail_on: plan.fail_on,
        elapsed: Some(elapsed),
    };
    let report = Report::new(&result, &plan.rules, context);
    let code = if report.summary.failed {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    };
    let format = args.format;
    let style = if output.is_some() {
        Style::PLAIN
    } else {
        Style::stdout(color)
    };
    let written = emit(output, args.quiet, |out| {
        crate::report::write_styled(&report, format, style, out)
    })?;
    Ok(if written == Written::PipeClosed {
        EXIT_CLEAN
    } else {
        code
    })
}

/// Most worker threads `--jobs` may ask for, whatever the machine.
const MAX_JOBS: usize = 256;

/// Worker threads for `--jobs requested`: at least one, at most 4 per core and `MAX_JOBS`
/// (each thread costs a stack and start-up time; thousands of them only slow a scan down).
fn clamp_jobs(requested: usize, cores: usize) -> usize {
    requested.clamp(1, cores.saturating_mul(4).clamp(1, MAX_JOBS))
}

/// Enumerates the plan's inputs and runs the pipeline over them.
fn scan_inputs(plan: &plan::ScanPlan) -> miette::Result<ScanResult> {
    let (rules, options) = (&plan.rules, &plan.options);
    let mut result = ScanResult::default();
    let mut errors = Vec::new();
    match &plan.git {
        GitInput::None => {
            let (blobs, walk_errors) = crate::inputs::fs::walk(&plan.roots, &plan.walk);
            crate::pipeline::extract_into(&mut result, &blobs, rules, options);
            errors.extend(walk_errors);
        }
        GitInput::Staged => {
            let (blobs, read_errors) = git::staged(&plan.roots).into_diagnostic()?;
            crate::pipeline::extract_into(&mut result, &blobs, rules, options);
            errors.extend(read_errors);
        }
        GitInput::History { since } => {
            for root in &plan.roots {
                let history =
                    git::history(root, since.as_deref(), &plan.walk.excludes).into_diagnostic()?;
                if history.has_worktree {
                    let roots = [root.clone()];
                    let (blobs, walk_errors) = crate::inputs::fs::walk(&roots, &plan.walk);
                    crate::pipeline::extract_into(&mut result, &blobs, rules, options);
                    errors.extend(walk_errors);
                }
                crate::pipeline::extract_loaded(
                    &mut result,
                    history.entries(),
                    || history.reader(),
                    |repo: &mut gix::Repository, entry| git::load(repo, entry),
                    rules,
                    options,
                );
                errors.extend(history.errors);
            }
        }
    }
    result.errors.extend(errors);
    Ok(crate::pipeline::finish(result, rules, options))
}

/// Whether the whole report was written, or the reader went away first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    All,
    PipeClosed,
}

/// Writes to `--output` (opened before the scan) or standard output; a closed pipe
/// (`nhiscan … | head`) ends the output quietly.
fn emit(
    output: Option<output::PendingOutput>,
    quiet: bool,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> miette::Result<Written> {
    let result = match output {
        Some(pending) => pending.commit(write),
        None if quiet => Ok(()),
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            write(&mut out).and_then(|()| out.flush())
        }
    };
    match result {
        Ok(()) => Ok(Written::All),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(Written::PipeClosed),
        Err(e) => Err(e).into_diagnostic().wrap_err("cannot write the report"),
    }
}

#[cfg(test)]
mod tests {
    use super::clamp_jobs;

    #[test]
    fn jobs_are_clamped_to_four_per_core_and_256() {
        assert_eq!(clamp_jobs(10_000, 2), 8);
        assert_eq!(clamp_jobs(10_000, 128), 256);
        assert_eq!(clamp_jobs(3, 2), 3);
        assert_eq!(clamp_jobs(0, 2), 1);
    }
}
