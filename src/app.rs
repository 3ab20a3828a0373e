//! From parsed arguments to a plan (config merged, rules loaded, `now` fixed), then the run.
//! Returns the exit code; only `main` turns it into the process's.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use miette::{IntoDiagnostic, WrapErr, miette};
use serde_json::{Map, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::{Cli, Command, FailOn, ListFormat, RuleSourceArgs, RulesCommand, ScanArgs};
use crate::config::{Config, DEFAULT_CONFIG};
use crate::model::Severity;
use crate::report::document::{InventoryItem, Policy, Report, RuleInfo, ScanInfo, Summary, Tool};
use crate::rules::{Rule, RuleSet, RuleSources, format_time};
use crate::scan::{ScanOptions, ScanOutput};

/// Exit code: nothing at or above `--fail-on`.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code: findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;

pub fn run(cli: Cli) -> miette::Result<u8> {
    match cli.command {
        Command::Scan(args) => scan(&args),
        Command::Rules(command) => rules(command),
    }
}

fn load_config(sources: &RuleSourceArgs) -> miette::Result<Config> {
    Ok(match &sources.config {
        Some(path) => Config::load(path, true)?,
        None => Config::load(Path::new(DEFAULT_CONFIG), false)?,
    })
}

fn load_rules(
    sources: &RuleSourceArgs,
    config: &Config,
    builtins: bool,
) -> miette::Result<RuleSet> {
    let builtin_rules = if builtins {
        crate::builtin_rules()
    } else {
        &[]
    };
    let rule_sources = RuleSources {
        builtins: builtin_rules,
        dirs: &sources.rules,
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

fn check_roots(paths: &[PathBuf]) -> miette::Result<()> {
    for path in paths {
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
        }
    }
    Ok(())
}

fn scan(args: &ScanArgs) -> miette::Result<u8> {
    let started = OffsetDateTime::now_utc();
    let now = parse_now(args.now.as_deref())?;
    check_roots(&args.paths)?;
    let config = load_config(&args.rule_sources)?;
    let rules = load_rules(&args.rule_sources, &config, true)?;
    let globs: Vec<String> = args
        .exclude
        .iter()
        .chain(&config.exclude)
        .cloned()
        .collect();
    let excludes = crate::walk::excludes(&globs).map_err(|e| miette!("bad --exclude glob: {e}"))?;
    let options = crate::walk::WalkOptions {
        excludes,
        follow_symlinks: args.follow_symlinks,
    };

    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(jobs) = args.jobs {
        pool = pool.num_threads(jobs.max(1));
    }
    let pool = pool.build().into_diagnostic()?;
    let output = pool.install(|| {
        let (candidates, walk_errors) = crate::walk::walk(&args.paths, &options);
        let scan_options = ScanOptions {
            max_file_size: args.max_file_size,
            now,
        };
        let mut output = crate::scan::scan(&candidates, &rules, &scan_options);
        output.errors.extend(walk_errors);
        output.errors.sort();
        output
    });
    let roots = args
        .paths
        .iter()
        .map(|p| crate::walk::display_path(p))
        .collect();
    let report = build_report(&rules, output, roots, started, now, args.fail_on);
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

pub fn rule_info(rule: &Rule) -> RuleInfo {
    RuleInfo {
        code: rule.code.clone(),
        name: rule.name.clone(),
        severity: rule.severity,
        confidence: rule.confidence,
        enabled: rule.enabled,
        rule_type: rule.rule_type(),
        subject: rule.subject_kind().to_owned(),
        description: rule.description.clone(),
        failure_class: rule.failure_class().to_owned(),
        failure_mode: rule.failure_mode.clone(),
        frameworks: rule.frameworks.clone(),
        remediation: rule.remediation.clone(),
        references: rule.references.clone(),
        params: rule
            .params
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

fn build_report(
    rules: &RuleSet,
    output: ScanOutput,
    roots: Vec<String>,
    started: OffsetDateTime,
    now: OffsetDateTime,
    fail_on: FailOn,
) -> Report {
    let threshold = match fail_on {
        FailOn::Info => Some(Severity::Info),
        FailOn::Low => Some(Severity::Low),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::High => Some(Severity::High),
        FailOn::Critical => Some(Severity::Critical),
        FailOn::Never => None,
    };
    let active = output.findings.iter().filter(|f| f.suppressed.is_none());
    let failed = threshold.is_some_and(|t| active.clone().any(|f| f.severity >= t));
    let mut by_severity = Map::new();
    for severity in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ] {
        let n = active.clone().filter(|f| f.severity == severity).count();
        by_severity.insert(severity.as_str().to_owned(), json!(n));
    }
    let suppressed = output
        .findings
        .iter()
        .filter(|f| f.suppressed.is_some())
        .count() as u64;
    Report {
        schema_version: crate::report::document::SCHEMA_VERSION,
        tool: Tool {
            name: "nhiscan",
            version: env!("CARGO_PKG_VERSION"),
        },
        policy: Policy {
            version: rules.version.clone(),
            digest: rules.digest.clone(),
            rules: rules.rules().iter().map(rule_info).collect(),
        },
        scan: ScanInfo {
            started_at: format_time(started),
            now: format_time(now),
            roots,
            files_scanned: output.files_scanned,
            bytes_scanned: output.bytes_scanned,
            files_binary: output.files_binary,
            files_too_large: output.files_too_large,
            files_by_source: output
                .files_by_source
                .iter()
                .map(|(k, v)| ((*k).to_owned(), json!(v)))
                .collect(),
        },
        summary: Summary {
            findings: output.findings.len() as u64 - suppressed,
            suppressed,
            by_severity,
            subjects: output.subjects.len() as u64,
            errors: output.errors.len() as u64,
            fail_on: threshold.map_or_else(|| "never".to_owned(), |t| t.as_str().to_owned()),
            failed,
        },
        inventory: output.subjects.iter().map(InventoryItem::new).collect(),
        findings: output.findings,
        errors: output.errors,
    }
}

fn rules(command: RulesCommand) -> miette::Result<u8> {
    match command {
        RulesCommand::List { format, sources } => {
            let rules = load_rules(&sources, &load_config(&sources)?, true)?;
            emit(None, false, |out| match format {
                ListFormat::Json => {
                    let infos: Vec<RuleInfo> = rules.rules().iter().map(rule_info).collect();
                    serde_json::to_writer_pretty(&mut *out, &infos)?;
                    writeln!(out)
                }
                ListFormat::Table => write_rule_table(&rules, out),
            })?;
            Ok(EXIT_CLEAN)
        }
        RulesCommand::Show {
            code,
            markdown,
            sources,
        } => {
            let rules = load_rules(&sources, &load_config(&sources)?, true)?;
            let rule = rules.get(&code).ok_or_else(|| {
                miette!(
                    help = "`nhiscan rules list` shows the codes",
                    "no rule has the code {code}"
                )
            })?;
            let text = crate::rules::docs(rule, markdown);
            emit(None, false, |out| out.write_all(text.as_bytes()))?;
            Ok(EXIT_CLEAN)
        }
        RulesCommand::Test { dir } => {
            let dirs: Vec<PathBuf> = dir.into_iter().collect();
            let sources = RuleSourceArgs {
                rules: dirs.clone(),
                config: None,
            };
            let rules = load_rules(&sources, &Config::default(), dirs.is_empty())?;
            emit(None, false, |out| {
                for rule in rules.rules() {
                    let (positive, negative) = rule.example_counts();
                    writeln!(
                        out,
                        "ok {} {} ({positive} examples, {negative} negative examples)",
                        rule.code, rule.name
                    )?;
                }
                writeln!(out, "{} passed, 0 failed", rules.rules().len())
            })?;
            Ok(EXIT_CLEAN)
        }
    }
}

fn write_rule_table(rules: &RuleSet, out: &mut dyn Write) -> io::Result<()> {
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_width(100)
        .set_header(["code", "name", "severity", "subject", "enabled"]);
    for rule in rules.rules() {
        table.add_row([
            rule.code.clone(),
            rule.name.clone(),
            rule.severity.to_string(),
            rule.subject_kind().to_owned(),
            if rule.enabled { "yes" } else { "no" }.to_owned(),
        ]);
    }
    writeln!(out, "{table}")
}
