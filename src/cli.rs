//! Command-line arguments, as clap derive structs. No I/O here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::{Confidence, Severity};
use crate::report::Format;

#[derive(Debug, Parser)]
#[command(
    name = "nhiscan",
    version,
    about = "Posture scanner for non-human identities: keys, tokens, service accounts, certificates",
    long_about = "nhiscan walks source trees and exported IAM data, finds the non-human identities in \
them (access keys, tokens, private keys, certificates, service accounts), and checks each against \
YAML rules. Every finding names the condition that failed, with the actual value beside the limit.",
    after_help = "Examples:\n  nhiscan scan .\n  nhiscan scan fixtures/demo --format json --now 2026-11-23T00:00:00Z\n  nhiscan rules list\n  nhiscan rules show AWS001\n\nExit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 usage, rule or config error (or, with --fail-on-error, an input that could not be read)."
)]
pub struct Cli {
    /// Colour severities and diagnostics: `auto` colours a terminal unless NO_COLOR is set (CLICOLOR_FORCE forces it).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

/// When to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories for NHIs and judge them against the rules.
    #[command(
        after_help = "Examples:\n  nhiscan scan                          scan the current directory\n  nhiscan scan src/ audit/report.csv    scan several roots\n  nhiscan scan . --format sarif --output nhiscan.sarif\n  nhiscan scan . -o sarif:nhiscan.sarif -o json:nhiscan.json   two reports; the table goes to stderr\n  nhiscan scan . -o github:- -o markdown:summary.md           annotations on stdout, a job summary\n  nhiscan scan . --fail-on-error -o junit:nhiscan.xml          an unreadable input fails the build (exit 2)\n  nhiscan scan . --fail-on high --exclude 'vendor/**'\n  nhiscan scan . --rules my-rules/ --config ci/nhiscan.yaml --now 2026-11-23T00:00:00Z\n  nhiscan scan --git-history .           the work tree and every commit of every ref\n  nhiscan scan --staged                 what the next commit would add (pre-commit)"
    )]
    Scan(ScanArgs),
    /// List, document and self-test the rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Render saved JSON reports (`scan --format json`); several give a trend over time.
    #[command(
        after_help = "Examples:\n  nhiscan report --format html nhiscan.json -o nhiscan.html\n  nhiscan report --format html reports/*.json -o trend.html   the latest in full, and the trend"
    )]
    Report(ReportArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  nhiscan completions bash > ~/.local/share/bash-completion/completions/nhiscan\n  nhiscan completions zsh > \"${fpath[1]}/_nhiscan\"\n  nhiscan completions fish > ~/.config/fish/completions/nhiscan.fish"
    )]
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), every subcommand included.
    #[command(after_help = "Examples:\n  nhiscan man > nhiscan.1 && man ./nhiscan.1")]
    Man,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Reports written by `nhiscan scan --format json` (schema 1.x).
    #[arg(value_name = "REPORT.json", required = true)]
    pub reports: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = RenderFormat::Html)]
    pub format: RenderFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Formats `nhiscan report` renders saved reports in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderFormat {
    /// One self-contained page; with several reports, the trend over their scan times.
    Html,
}

#[derive(Debug, Args)]
pub struct RuleSourceArgs {
    /// A rule file, or a directory of rule files (*.yaml, *.yml), added to the built-ins; a rule
    /// with a built-in's code replaces it. Repeatable.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Configuration file [default: nhiscan.yaml when it exists]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FailOn {
    Info,
    Low,
    Medium,
    High,
    Critical,
    /// Never fail on findings (exit 0 unless the scan could not run).
    Never,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format: of standard output, and of each --output given without a FORMAT: [default: table]
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write a report to PATH (`-`: standard output), in FORMAT (else --format's). Repeatable:
    /// `-o sarif:r.sarif -o json:r.json`. With --output, the table (the summary line alone with
    /// --quiet) goes to standard error, so a CI log still shows what was found.
    #[arg(long, short = 'o', value_name = "[FORMAT:]PATH", value_parser = parse_output)]
    pub output: Vec<OutputArg>,
    /// SARIF `automationDetails.id` becomes `nhiscan/CATEGORY/`, so that code scanning keeps
    /// the alerts of several nhiscan runs on one repository apart [default: `nhiscan/`]
    #[arg(long, value_name = "CATEGORY", value_parser = parse_category)]
    pub sarif_category: Option<String>,
    /// Exit 2 (after writing the report) when an input could not be read or parsed: an
    /// incomplete scan never passes as a clean one.
    #[arg(long, visible_alias = "strict")]
    pub fail_on_error: bool,
    #[command(flatten)]
    pub rule_sources: RuleSourceArgs,
    /// Exit 1 when a finding has this severity or higher.
    #[arg(long, value_enum, default_value_t = FailOn::Low, value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// The time age computations use (RFC 3339); pins results in tests and audits [default: now]
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Worker threads [default: one per core; at most 4 per core and 256]
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Skip paths matching GLOB (relative to each root or to the working directory;
    /// `*.min.js`, `vendor/**`, `./dist/**`). Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Also skip what `.gitignore`, `.ignore` and `.git/info/exclude` ignore (as ripgrep
    /// does; a gitignored `.env` is then not scanned).
    #[arg(long)]
    pub respect_gitignore: bool,
    /// Walk the directories skipped by default too (node_modules, target, .venv,
    /// __pycache__, … : see the README).
    #[arg(long)]
    pub no_default_excludes: bool,
    /// Run only the rules matching CODE: a code, a prefix or a glob (`SEC001`, `GHA`, `SEC*`,
    /// `GHA0??`); comma-separated or repeated. Overrides the config's selection.
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run the rules matching CODE (as for --select); comma-separated or repeated.
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Show (and fail on) only findings of this severity or higher.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub min_severity: Option<Severity>,
    /// Show (and fail on) only findings of this confidence or higher.
    #[arg(long, value_enum, value_name = "CONFIDENCE")]
    pub min_confidence: Option<Confidence>,
    /// Files larger than this are only scanned for secrets, in chunks (bytes; K, M, G, KiB, MiB, GiB suffixes).
    #[arg(long, value_name = "SIZE", default_value = "50MiB", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Follow symbolic links (loops are detected and reported).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Print nothing to standard output; the exit code (and --output) still tell.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Also scan the history of the repository at each PATH (the top of a work tree, or a bare
    /// repository): every blob reachable from any ref, once; findings name the first commit.
    #[arg(long, conflicts_with = "staged")]
    pub git_history: bool,
    /// With --git-history: leave out what REV and its ancestors already had.
    #[arg(long, value_name = "REV", requires = "git_history")]
    pub since: Option<String>,
    /// Scan only what a commit would add (staged blobs of added or modified paths under each
    /// PATH), for pre-commit hooks; a deleted PATH is skipped.
    #[arg(long)]
    pub staged: bool,
}

/// One `--output`: a format (else `--format`'s) and a path (`-` is standard output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputArg {
    pub format: Option<Format>,
    pub path: PathBuf,
}

impl OutputArg {
    pub fn is_stdout(&self) -> bool {
        self.path.as_os_str() == "-"
    }
}

/// `FORMAT:PATH` when the text before the first `:` is a format's name, else `PATH` (so a
/// file literally named `json:x` is written `./json:x`).
pub fn parse_output(text: &str) -> Result<OutputArg, String> {
    if let Some((name, path)) = text.split_once(':')
        && let Ok(format) = Format::from_str(name, false)
    {
        if path.is_empty() {
            return Err(format!("`{text}` names no path after `{name}:`"));
        }
        return Ok(OutputArg {
            format: Some(format),
            path: PathBuf::from(path),
        });
    }
    if text.is_empty() {
        return Err("an empty path".to_owned());
    }
    Ok(OutputArg {
        format: None,
        path: PathBuf::from(text),
    })
}

/// A SARIF category: printable, without spaces (GitHub shows it and matches analyses by it).
pub fn parse_category(text: &str) -> Result<String, String> {
    if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(
            "a category is a non-empty word without spaces (`secrets`, `iam/prod`)".to_owned(),
        );
    }
    Ok(text.trim_matches('/').to_owned())
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List every rule: code, name, severity, subject.
    #[command(after_help = "Examples:\n  nhiscan rules list\n  nhiscan rules list --format json")]
    List {
        #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
        #[command(flatten)]
        sources: RuleSourceArgs,
    },
    /// Show one rule's documentation.
    #[command(
        after_help = "Examples:\n  nhiscan rules show AWS001\n  nhiscan rules show crt001 --markdown"
    )]
    Show {
        /// The rule's code (case-insensitive).
        code: String,
        /// Markdown, as in docs/rules/.
        #[arg(long)]
        markdown: bool,
        #[command(flatten)]
        sources: RuleSourceArgs,
    },
    /// Run every rule's examples and negative examples (the built-ins, or the rules at PATH),
    /// judged at 2026-06-01T00:00:00Z unless an example sets its own `now`.
    #[command(
        after_help = "Examples:\n  nhiscan rules test\n  nhiscan rules test my-rules/\n  nhiscan rules test my-rules/ACME001-key-in-repo.yaml"
    )]
    Test {
        /// A rule file or a directory of rule files to test instead of the built-ins.
        #[arg(value_name = "PATH")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

/// Parses `50MiB`, `10M`, `4096`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => return Err(format!("unknown size unit `{other}`")),
    };
    n.checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("50MiB"), Ok(50 << 20));
        assert_eq!(parse_size("10M"), Ok(10_000_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("12 parsecs").is_err());
    }

    #[test]
    fn outputs_are_format_colon_path_or_a_path() {
        let sarif = parse_output("sarif:out/r.sarif").unwrap();
        assert_eq!(sarif.format, Some(Format::Sarif));
        assert_eq!(sarif.path, PathBuf::from("out/r.sarif"));
        let plain = parse_output("r.json").unwrap();
        assert_eq!((plain.format, plain.path), (None, PathBuf::from("r.json")));
        let stdout = parse_output("markdown:-").unwrap();
        assert!(stdout.is_stdout());
        assert_eq!(stdout.format, Some(Format::Markdown));
        let odd = parse_output("notaformat:x").unwrap();
        assert_eq!(
            (odd.format, odd.path),
            (None, PathBuf::from("notaformat:x"))
        );
        let escaped = parse_output("./json:x").unwrap();
        assert_eq!(escaped.format, None);
        assert!(parse_output("json:").is_err());
        assert!(parse_output("").is_err());
    }
}
