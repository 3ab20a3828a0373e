//! From parsed arguments ("low args") to a plan ("high args"): `now` fixed, configuration
//! read and turned into typed options, rules loaded, roots checked, inputs enumerated. Every
//! mistake here is a usage, rule or config error (exit 2) found before anything is scanned.

use std::path::{Path, PathBuf};

use miette::{IntoDiagnostic, WrapErr, miette};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::{FailOn, RuleSourceArgs, ScanArgs};
use crate::config::{Config, DEFAULT_CONFIG};
use crate::governance::Governance;
use crate::inputs::fs::{WalkOptions, display_path, excludes};
use crate::model::Severity;
use crate::pipeline::Options;
use crate::rules::{RuleSet, RuleSources};

/// Everything a scan needs, decided before it starts.
#[derive(Debug)]
pub(crate) struct ScanPlan {
    pub roots: Vec<PathBuf>,
    pub walk: WalkOptions,
    pub rules: RuleSet,
    pub options: Options,
    pub fail_on: Option<Severity>,
    pub jobs: Option<usize>,
    pub git: GitInput,
}

/// What git adds to (or, for `--staged`, scans instead of) the work tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GitInput {
    None,
    History { since: Option<String> },
    Staged,
}

impl ScanPlan {
    pub(crate) fn new(args: &ScanArgs) -> miette::Result<Self> {
        let now = parse_now(args.now.as_deref())?;
        let git = if args.staged {
            GitInput::Staged
        } else if args.git_history {
            GitInput::History {
                since: args.since.clone(),
            }
        } else {
            GitInput::None
        };
        let roots = if git == GitInput::Staged {
            args.paths.clone()
        } else {
            let roots = present_roots(&args.paths);
            check_roots(&roots)?;
            roots
        };
        let config = load_config(&args.rule_sources)?;
        let rules = load_rules(&args.rule_sources, &config, true, false)?;
        let globs: Vec<String> = args
            .exclude
            .iter()
            .chain(&config.exclude)
            .cloned()
            .collect();
        let excludes = excludes(&globs).map_err(|e| {
            miette!(
                "bad --exclude glob: {}",
                crate::model::InputText::foreign(&e)
            )
        })?;
        Ok(Self {
            roots,
            walk: WalkOptions {
                excludes,
                follow_symlinks: args.follow_symlinks,
            },
            rules,
            options: Options {
                max_file_size: args.max_file_size,
                now,
                governance: Governance::default(),
                progress: None,
            },
            fail_on: fail_on(args.fail_on),
            jobs: args.jobs,
            git,
        })
    }

    /// The roots as reports name them.
    pub(crate) fn root_names(&self) -> Vec<String> {
        self.roots.iter().map(|p| display_path(p)).collect()
    }
}

fn fail_on(fail_on: FailOn) -> Option<Severity> {
    match fail_on {
        FailOn::Info => Some(Severity::Info),
        FailOn::Low => Some(Severity::Low),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::High => Some(Severity::High),
        FailOn::Critical => Some(Severity::Critical),
        FailOn::Never => None,
    }
}

pub(crate) fn load_config(sources: &RuleSourceArgs) -> miette::Result<Config> {
    Ok(match &sources.config {
        Some(path) => Config::load(path, true)?,
        None => Config::load(Path::new(DEFAULT_CONFIG), false)?,
    })
}

/// Loads the rules: the built-ins (when `builtins`, self-tested only when `test_builtins`)
/// and the user's.
pub(crate) fn load_rules(
    sources: &RuleSourceArgs,
    config: &Config,
    builtins: bool,
    test_builtins: bool,
) -> miette::Result<RuleSet> {
    let builtin_rules = if builtins {
        crate::builtin_rules()
    } else {
        &[]
    };
    let rule_sources = RuleSources {
        builtins: builtin_rules,
        dirs: &sources.rules,
        test_builtins,
    };
    Ok(crate::rules::load(
        &rule_sources,
        &config.rules,
        config.policy_version.as_deref(),
    )?)
}

fn parse_now(text: Option<&str>) -> miette::Result<OffsetDateTime> {
    match text {
        None => Ok(OffsetDateTime::now_utc()),
        Some(text) => OffsetDateTime::parse(text, &Rfc3339).map_err(|e| {
            miette!(
                help = "for example 2026-11-23T00:00:00Z",
                "--now `{text}` is not an RFC 3339 time: {e}"
            )
        }),
    }
}

/// The roots without those that are gone because they were deleted (in the work tree or
/// the index) from the git repository they belong to: a pre-commit hook passes such paths,
/// and there is nothing to scan in them. Any other missing root stays, for `check_roots`.
fn present_roots(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths
        .iter()
        .filter(|p| {
            p.as_os_str() == "-"
                || std::fs::symlink_metadata(p).is_ok()
                || !crate::inputs::git::is_deleted(p)
        })
        .cloned()
        .collect()
}

/// A root that does not exist or cannot be read is a usage error: a scan that could not
/// run is never reported as clean.
fn check_roots(paths: &[PathBuf]) -> miette::Result<()> {
    for path in paths.iter().filter(|p| p.as_os_str() != "-") {
        let metadata = std::fs::metadata(path)
            .into_diagnostic()
            .wrap_err_with(|| {
                format!(
                    "cannot scan {}: it does not exist or cannot be read",
                    path.display()
                )
            })?;
        if metadata.is_dir() {
            std::fs::read_dir(path)
                .into_diagnostic()
                .wrap_err_with(|| {
                    format!(
                        "cannot scan {}: the directory cannot be read",
                        path.display()
                    )
                })?;
        } else if metadata.is_file() {
            std::fs::File::open(path)
                .into_diagnostic()
                .wrap_err_with(|| {
                    format!("cannot scan {}: the file cannot be read", path.display())
                })?;
        }
    }
    Ok(())
}
