//! Command-line arguments, as clap derive structs. No I/O here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::Format;

#[derive(Debug, Parser)]
#[command(
    name = "nhiscan",
    version,
    about = "Posture scanner for non-human identities: keys, tokens, service accounts, certificates",
    long_about = "nhiscan walks source trees and exported IAM data, finds the non-human identities in \
them (access keys, tokens, private keys, certificates, service accounts), and checks each against \
YAML rules. Every finding names the condition that failed, with the actual value beside the limit.",
    after_help = "Examples:\n  nhiscan scan .\n  nhiscan scan fixtures/demo --format json --now 2026-11-23T00:00:00Z\n  nhiscan rules list\n  nhiscan rules show AWS001\n\nExit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 usage, rule or config error."
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
        after_help = "Examples:\n  nhiscan scan                          scan the current directory\n  nhiscan scan src/ audit/report.csv    scan several roots\n  nhiscan scan . --format sarif --output nhiscan.sarif\n  nhiscan scan . --fail-on high --exclude 'vendor/**'\n  nhiscan scan . --rules my-rules/ --config ci/nhiscan.yaml --now 2026-11-23T00:00:00Z\n  nhiscan scan --git-history .           the work tree and every commit of every ref\n  nhiscan scan --staged                 what the next commit would add (pre-commit)"
    )]
    Scan(ScanArgs),
    /// List, document and self-test the rules.
    #[command(subcommand)]
    Rules(RulesCommand),
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
    /// Output format [default: table]
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
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
    /// Skip paths matching GLOB (relative to each root; `*.min.js`, `vendor/**`). Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
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
}
