//! `nhiscan rules list|show|test`: the catalog, one rule's documentation, the self-tests.

use std::io::{self, Write};
use std::path::PathBuf;

use miette::miette;

use super::plan::{load_config, load_rules};
use super::{EXIT_CLEAN, emit};
use crate::cli::{ColorChoice, ListFormat, RuleSourceArgs, RulesCommand};
use crate::config::Config;
use crate::model::time::format_time;
use crate::report::v1::RuleInfo;
use crate::rules::RuleSet;
use crate::term::Style;

pub(super) fn run(command: RulesCommand, color: ColorChoice) -> miette::Result<u8> {
    match command {
        RulesCommand::List { format, sources } => {
            let rules = load_rules(&sources, &load_config(&sources, &[])?, true, false)?;
            emit(super::Target::Stdout, |out| match format {
                ListFormat::Json => {
                    let infos: Vec<RuleInfo<'_>> =
                        rules.rules().iter().map(RuleInfo::new).collect();
                    serde_json::to_writer_pretty(&mut *out, &infos)?;
                    writeln!(out)
                }
                ListFormat::Table => write_rule_table(&rules, Style::stdout(color).width, out),
            })?;
            Ok(EXIT_CLEAN)
        }
        RulesCommand::Show {
            code,
            markdown,
            sources,
        } => {
            let rules = load_rules(&sources, &load_config(&sources, &[])?, true, false)?;
            let rule = rules.get(&code).ok_or_else(|| {
                miette!(
                    help = "`nhiscan rules list` shows the codes",
                    "no rule has the code {code}"
                )
            })?;
            let text = crate::rules::docs(rule, markdown);
            emit(super::Target::Stdout, |out| out.write_all(text.as_bytes()))?;
            Ok(EXIT_CLEAN)
        }
        RulesCommand::Test { dir } => {
            let dirs: Vec<PathBuf> = dir.into_iter().collect();
            let sources = RuleSourceArgs {
                rules: dirs.clone(),
                config: None,
            };
            let rules = load_rules(&sources, &Config::default(), dirs.is_empty(), true)?;
            emit(super::Target::Stdout, |out| {
                writeln!(
                    out,
                    "examples judged at now = {} (an example's own `now:` wins)",
                    format_time(crate::rules::EXAMPLE_NOW)
                )?;
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

fn write_rule_table(rules: &RuleSet, width: u16, out: &mut dyn Write) -> io::Result<()> {
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_width(width)
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
