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
use crate::inputs::fs::{WalkOptions, display_path, excludes, history_excludes};
use crate::model::{Confidence, Finding, InputError, InputErrorKind, Severity};
use crate::pipeline::{Options, Treatments};
use crate::rules::{RuleSet, RuleSources};

/// Everything a scan needs, decided before it starts.
#[derive(Debug)]
pub(crate) struct ScanPlan {
    pub roots: Vec<PathBuf>,
    /// Roots that do not exist, given with others that do: listed under `errors`.
    pub missing: Vec<InputError>,
    pub walk: WalkOptions,
    /// `--exclude` and the default excludes, for paths in git history.
    pub history_excludes: globset::GlobSet,
    pub shown: Shown,
    pub rules: RuleSet,
    pub options: Options,
    pub fail_on: Option<Severity>,
    pub jobs: Option<usize>,
    pub git: GitInput,
}

/// Which findings the report shows (`--min-severity`, `--min-confidence`); the exit code
/// follows what is shown.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Shown {
    pub min_severity: Option<Severity>,
    pub min_confidence: Option<Confidence>,
}

impl Shown {
    pub(crate) fn shows(self, finding: &Finding) -> bool {
        self.min_severity.is_none_or(|min| finding.severity >= min)
            && self
                .min_confidence
                .is_none_or(|min| finding.confidence >= min)
    }
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
        let (roots, missing) = if git == GitInput::Staged {
            (args.paths.clone(), Vec::new())
        } else {
            let (roots, missing) = split_missing(present_roots(&args.paths))?;
            check_roots(&roots)?;
            (roots, missing)
        };
        let mut config = load_config(&args.rule_sources, &roots)?;
        config.rules.selection = crate::rules::Selection {
            select: args.select.clone(),
            ignore: args.ignore.clone(),
        };
        let rules = load_rules(&args.rule_sources, &config, true, false)?;
        let globs: Vec<String> = args
            .exclude
            .iter()
            .chain(&config.exclude)
            .cloned()
            .collect();
        let bad_glob = |e: globset::Error| {
            miette!(
                "bad --exclude glob: {}",
                crate::model::InputText::foreign(&e)
            )
        };
        let default_excludes = !args.no_default_excludes;
        let treatments = match &config.lower_confidence {
            None => Treatments::default(),
            Some(globs) => Treatments::new(globs).map_err(|e| {
                miette!(
                    "bad secrets.lower_confidence glob in the config: {}",
                    crate::model::InputText::foreign(&e)
                )
            })?,
        };
        Ok(Self {
            roots,
            missing,
            walk: WalkOptions {
                excludes: excludes(&globs).map_err(bad_glob)?,
                default_excludes,
                respect_gitignore: args.respect_gitignore,
                follow_symlinks: args.follow_symlinks,
            },
            history_excludes: history_excludes(&globs, default_excludes).map_err(bad_glob)?,
            shown: Shown {
                min_severity: args.min_severity,
                min_confidence: args.min_confidence,
            },
            rules,
            options: Options {
                max_file_size: args.max_file_size,
                now,
                governance: Governance::default(),
                treatments,
                progress: None,
                spill: None,
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

/// `--config`, else the `nhiscan.yaml` found for the roots (see [`discover_config`]).
pub(crate) fn load_config(sources: &RuleSourceArgs, roots: &[PathBuf]) -> miette::Result<Config> {
    Ok(match &sources.config {
        Some(path) => Config::load(path, true)?,
        None => match discover_config(roots)? {
            Some(path) => Config::load(&path, true)?,
            None => Config::default(),
        },
    })
}

/// The `nhiscan.yaml` for `roots`: the nearest one from each root's directory (a file
/// root's parent) up to the repository root (the directory holding `.git`); outside a
/// repository, only the root's own directory is looked in, so that a file planted in a
/// shared parent (`/tmp`) is never read. Roots for which none is found (and `-`) take the
/// others'; two roots with different files are a usage error. When no root has one, the
/// working directory is searched the same way.
pub(crate) fn discover_config(roots: &[PathBuf]) -> miette::Result<Option<PathBuf>> {
    let mut found: Option<(PathBuf, &Path)> = None;
    for root in roots.iter().filter(|r| r.as_os_str() != "-") {
        let Some(path) = config_near(root) else {
            continue;
        };
        match &found {
            Some((first, first_root)) if !same_file(first, &path) => {
                return Err(miette!(
                    help = "pass --config FILE, or scan the roots in separate runs",
                    "the roots have different configurations: {} (for {}) and {} (for {})",
                    display_path(first),
                    display_path(first_root),
                    display_path(&path),
                    display_path(root),
                ));
            }
            Some(_) => {}
            None => found = Some((path, root)),
        }
    }
    Ok(found
        .map(|(path, _)| path)
        .or_else(|| config_near(Path::new("."))))
}

fn config_near(root: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(root).ok()?;
    let start = if start.is_dir() {
        start
    } else {
        start.parent()?.to_path_buf()
    };
    let repository = start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(&start);
    for dir in start.ancestors() {
        let candidate = dir.join(DEFAULT_CONFIG);
        if candidate.is_file() {
            return Some(relative_to_cwd(candidate));
        }
        if dir == repository {
            break;
        }
    }
    None
}

/// `path` relative to the working directory when it is below it (as diagnostics show it).
fn relative_to_cwd(path: PathBuf) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| std::fs::canonicalize(cwd).ok())
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or(path)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
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
        // Whole seconds: `now` is quoted in reports, which should not change with the
        // nanosecond a run started.
        None => Ok(OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or_else(|_| OffsetDateTime::now_utc())),
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

/// The roots that exist, and an input error (`not found`) for each that does not; when
/// none exists, a usage error: a scan of nothing is never reported as clean.
fn split_missing(roots: Vec<PathBuf>) -> miette::Result<(Vec<PathBuf>, Vec<InputError>)> {
    let exists = |p: &PathBuf| p.as_os_str() == "-" || std::fs::symlink_metadata(p).is_ok();
    let (present, absent): (Vec<PathBuf>, Vec<PathBuf>) = roots.into_iter().partition(exists);
    if present.is_empty() && !absent.is_empty() {
        let names: Vec<String> = absent.iter().map(|p| display_path(p)).collect();
        return Err(miette!(
            help = "check the paths; a path deleted from a git repository is skipped",
            "cannot scan {}: {}",
            names.join(", "),
            if names.len() == 1 {
                "it does not exist"
            } else {
                "none of them exists"
            }
        ));
    }
    let missing = absent
        .iter()
        .map(|p| InputError::new(display_path(p), InputErrorKind::Io, "not found"))
        .collect();
    Ok((present, missing))
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
