//! The commands: a scan (plan, run the pipeline, render, exit code) and the rules commands.
//! Returns the exit code; only `main` turns it into the process's.

mod plan;
mod rules_cmd;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use miette::{IntoDiagnostic, WrapErr};
use time::OffsetDateTime;

use crate::cli::{Cli, Command, ScanArgs};
use crate::inputs::git;
use crate::model::time::format_time;
use crate::pipeline::ScanResult;
use crate::report::v1::{Context, Report};
use plan::GitInput;

/// Exit code: nothing at or above `--fail-on`.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code: findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;

pub fn run(cli: Cli) -> miette::Result<u8> {
    match cli.command {
        Command::Scan(args) => scan(&args),
        Command::Rules(command) => rules_cmd::run(command),
    }
}

fn scan(args: &ScanArgs) -> miette::Result<u8> {
    let started = OffsetDateTime::now_utc();
    let plan = plan::ScanPlan::new(args)?;
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(jobs) = plan.jobs {
        pool = pool.num_threads(jobs.max(1));
    }
    let pool = pool.build().into_diagnostic()?;
    let result = pool.install(|| scan_inputs(&plan))?;
    let context = Context {
        started_at: format_time(started),
        now: format_time(plan.options.now),
        roots: plan.root_names(),
        fail_on: plan.fail_on,
    };
    let report = Report::new(&result, &plan.rules, context);
    let code = if report.summary.failed {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    };
    let format = args.format;
    let written = emit(args.output.as_deref(), args.quiet, |out| {
        crate::report::write(&report, format, out)
    })?;
    Ok(if written == Written::PipeClosed {
        EXIT_CLEAN
    } else {
        code
    })
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

/// Writes to `--output` or standard output; a closed pipe (`nhiscan … | head`) ends the
/// output quietly.
fn emit(
    output: Option<&Path>,
    quiet: bool,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> miette::Result<Written> {
    let result = match output {
        Some(path) => {
            let file = File::create(path)
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot write {}", path.display()))?;
            let mut out = BufWriter::new(file);
            write(&mut out).and_then(|()| out.flush())
        }
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
