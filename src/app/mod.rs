//! The commands: a scan (plan, run the pipeline, render, exit code) and the rules commands.
//! Returns the exit code; only `main` turns it into the process's.

mod locate;
mod man;
mod output;
mod plan;
mod progress;
mod report_cmd;
mod rules_cmd;

use std::io::{self, BufWriter, IsTerminal as _, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use miette::{IntoDiagnostic, WrapErr};
use time::OffsetDateTime;

use crate::cli::{Cli, ColorChoice, Command, OutputArg, ScanArgs};
use crate::inputs::git;
use crate::model::InputError;
use crate::model::time::format_time;
use crate::pipeline::ScanResult;
use crate::report::Format;
use crate::report::v1::{Context, Report};
use crate::term::Style;
use plan::GitInput;

/// Exit code: nothing at or above `--fail-on`.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code: findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: the scan could not run, or (`--fail-on-error`) an input could not be read.
pub const EXIT_ERROR: u8 = 2;

pub fn run(cli: Cli) -> miette::Result<u8> {
    match cli.command {
        Command::Scan(args) => scan(&args, cli.color),
        Command::Rules(command) => rules_cmd::run(command, cli.color),
        Command::Report(args) => report_cmd::run(&args),
        Command::Completions { shell } => {
            emit(Target::Stdout, |out| {
                let mut command = <Cli as clap::CommandFactory>::command();
                clap_complete::generate(shell, &mut command, "nhiscan", out);
                Ok(())
            })?;
            Ok(EXIT_CLEAN)
        }
        Command::Man => {
            emit(Target::Stdout, man::write)?;
            Ok(EXIT_CLEAN)
        }
    }
}

fn scan(args: &ScanArgs, color: ColorChoice) -> miette::Result<u8> {
    let started = OffsetDateTime::now_utc();
    let outputs = open_outputs(args)?;
    let mut plan = plan::ScanPlan::new(args)?;
    if outputs.list.iter().any(|o| o.format == Format::Json) {
        plan.options.spill = Some(Arc::default());
    }
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
    let mut result = result?;
    result.findings.retain(|f| plan.shown.shows(f));
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
    let settings = crate::report::Settings {
        locator: locate::locator(&plan.roots),
        sarif_category: args.sarif_category.clone(),
    };
    let human_on_stderr = outputs.human_on_stderr;
    let sarif = outputs.list.iter().any(|o| o.format == Format::Sarif);
    let mut written = Written::All;
    for output in outputs.list {
        let format = output.format;
        let style = match output.target {
            Target::Stdout => Style::stdout(color),
            Target::File(_) => Style::PLAIN,
        };
        let done = emit(output.target, |out| {
            crate::report::write_styled(&report, format, &settings, style, out)
        })?;
        if done == Written::PipeClosed {
            written = Written::PipeClosed;
        }
    }
    let mut stderr = io::stderr().lock();
    if human_on_stderr {
        let _stderr_is_best_effort = if args.quiet {
            crate::report::write_summary(&report, &mut stderr)
        } else {
            let style = Style::stderr(color);
            crate::report::write_styled(&report, Format::Table, &settings, style, &mut stderr)
        };
    }
    let left_out = crate::report::sarif_left_out(&report);
    if sarif && left_out > 0 {
        let _stderr_is_best_effort = writeln!(
            stderr,
            "warning: the SARIF report lists the {} most severe findings and leaves {left_out} out: \
             GitHub code scanning rejects more than {} results per run",
            crate::report::SARIF_MAX_RESULTS,
            crate::report::SARIF_MAX_RESULTS
        );
    }
    if args.fail_on_error && !report.errors.is_empty() {
        let n = report.errors.len();
        let _stderr_is_best_effort = writeln!(
            stderr,
            "error: {n} input{} could not be read or parsed (listed under errors in the report); \
             --fail-on-error makes that exit {EXIT_ERROR}",
            if n == 1 { "" } else { "s" }
        );
        return Ok(EXIT_ERROR);
    }
    Ok(if written == Written::PipeClosed {
        EXIT_CLEAN
    } else {
        code
    })
}

/// The reports to write, each opened before the scan.
struct Outputs {
    list: Vec<Output>,
    /// Whether the table (or, with `--quiet`, the summary line) goes to standard error:
    /// with `--output`, unless a table already goes to standard output.
    human_on_stderr: bool,
}

struct Output {
    format: Format,
    target: Target,
}

enum Target {
    Stdout,
    File(output::PendingOutput),
}

/// `--output` as reports to write: each file opened now (a bad path fails before the scan,
/// exit 2), at most one to standard output, no file twice. Without `--output`, `--format`
/// to standard output (nothing with `--quiet`).
fn open_outputs(args: &ScanArgs) -> miette::Result<Outputs> {
    if args.output.is_empty() {
        let list = if args.quiet {
            Vec::new()
        } else {
            vec![Output {
                format: args.format,
                target: Target::Stdout,
            }]
        };
        return Ok(Outputs {
            list,
            human_on_stderr: false,
        });
    }
    let mut seen: Vec<&OutputArg> = Vec::new();
    for arg in &args.output {
        if let Some(before) = seen.iter().find(|s| s.path == arg.path) {
            let what = if arg.is_stdout() {
                "standard output".to_owned()
            } else {
                arg.path.display().to_string()
            };
            return Err(miette::miette!(
                help = "give each report its own path; `-` (standard output) takes one",
                "--output names {what} twice ({} and {})",
                format_name(before.format.unwrap_or(args.format)),
                format_name(arg.format.unwrap_or(args.format))
            ));
        }
        seen.push(arg);
    }
    let mut list = Vec::with_capacity(args.output.len());
    for arg in &args.output {
        let target = if arg.is_stdout() {
            Target::Stdout
        } else {
            Target::File(output::PendingOutput::create(&arg.path)?)
        };
        list.push(Output {
            format: arg.format.unwrap_or(args.format),
            target,
        });
    }
    let table_on_stdout = list
        .iter()
        .any(|o| o.format == Format::Table && matches!(o.target, Target::Stdout));
    Ok(Outputs {
        list,
        human_on_stderr: !table_on_stdout,
    })
}

fn format_name(format: Format) -> String {
    use clap::ValueEnum as _;
    format
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_owned())
}

/// Most worker threads `--jobs` may ask for, whatever the machine.
const MAX_JOBS: usize = 256;

/// Worker threads for `--jobs requested`: at least one, at most 4 per core and `MAX_JOBS`
/// (each thread costs a stack and start-up time; thousands of them only slow a scan down).
fn clamp_jobs(requested: usize, cores: usize) -> usize {
    requested.clamp(1, cores.saturating_mul(4).clamp(1, MAX_JOBS))
}

/// Files per batch handed from the walk to the workers: small enough that they start
/// reading at once, large enough that handing over costs nothing.
const BATCH: usize = 64;

/// Enumerates the plan's inputs and runs the pipeline over them.
fn scan_inputs(plan: &plan::ScanPlan) -> miette::Result<ScanResult> {
    let (rules, options) = (&plan.rules, &plan.options);
    let mut result = ScanResult::default();
    let mut errors = Vec::new();
    match &plan.git {
        GitInput::None => errors.extend(scan_trees(&mut result, &plan.roots, plan)),
        GitInput::Staged => {
            let (blobs, read_errors) = git::staged(&plan.roots).into_diagnostic()?;
            crate::pipeline::extract_into(&mut result, &blobs, rules, options);
            errors.extend(read_errors);
        }
        GitInput::History { since } => {
            for root in &plan.roots {
                let history = git::history(root, since.as_deref(), &plan.history_excludes)
                    .into_diagnostic()?;
                if history.has_worktree {
                    errors.extend(scan_trees(&mut result, std::slice::from_ref(root), plan));
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
    result.errors.extend(plan.missing.iter().cloned());
    Ok(crate::pipeline::finish(result, rules, options))
}

/// Walks `roots` and extracts their files while the walk goes on; returns what could not be
/// walked.
fn scan_trees(
    result: &mut ScanResult,
    roots: &[PathBuf],
    plan: &plan::ScanPlan,
) -> Vec<InputError> {
    crate::pipeline::extract_streamed(
        result,
        |on_batch| crate::inputs::fs::walk_batches(roots, &plan.walk, BATCH, on_batch),
        &plan.rules,
        &plan.options,
    )
}

/// Whether the whole report was written, or the reader went away first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    All,
    PipeClosed,
}

/// Writes to a file (opened before the scan) or standard output; a closed pipe
/// (`nhiscan … | head`) ends the output quietly.
fn emit(
    target: Target,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> miette::Result<Written> {
    let result = match target {
        Target::File(pending) => pending.commit(write),
        Target::Stdout => {
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
