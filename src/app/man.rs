//! `nhiscan man`: one manual page (roff), generated from the clap definition: the top-level
//! page, then a section per subcommand (`NHISCAN SCAN`, `NHISCAN RULES LIST`, …) with its
//! synopsis, description and options, so `man ./nhiscan.1` documents every flag.

use std::io::{self, Write};

use clap::CommandFactory as _;
use clap_mangen::Man;

use crate::cli::Cli;

pub(super) fn write(out: &mut dyn Write) -> io::Result<()> {
    let mut command = Cli::command();
    command.build();
    let mut page = Vec::new();
    Man::new(command.clone()).render(&mut page)?;
    out.write_all(&page)?;
    for sub in leaves(&command) {
        let mut section = Vec::new();
        let man = Man::new(sub.clone());
        man.render_synopsis_section(&mut section)?;
        man.render_description_section(&mut section)?;
        man.render_options_section(&mut section)?;
        let title = sub
            .get_bin_name()
            .unwrap_or_else(|| sub.get_name())
            .to_uppercase();
        writeln!(out, ".SH \"{title}\"")?;
        let text = String::from_utf8_lossy(&section);
        for line in text.lines() {
            match line.strip_prefix(".SH ") {
                Some(heading) => writeln!(out, ".SS {heading}")?,
                None => writeln!(out, "{line}")?,
            }
        }
    }
    Ok(())
}

/// Every subcommand that runs something (not `help`), depth first.
fn leaves(command: &clap::Command) -> Vec<&clap::Command> {
    let mut found = Vec::new();
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        if sub.has_subcommands() {
            found.extend(leaves(sub));
        } else {
            found.push(sub);
        }
    }
    found
}
