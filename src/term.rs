//! What the terminal we write to can show: how wide it is and whether to colour. Decided
//! once, in `app`, from `--color`, the environment and whether the stream is a terminal;
//! reporters receive the answer and never look at the environment themselves.

use std::ffi::OsString;

use crate::cli::ColorChoice;

/// Width of the table when the output is not a terminal and `COLUMNS` is not set.
pub const DEFAULT_WIDTH: u16 = 100;
/// Narrowest table laid out; a narrower terminal wraps the lines it is given.
pub const MIN_WIDTH: u16 = 40;
/// Widest table laid out, whatever `COLUMNS` says.
pub const MAX_WIDTH: u16 = 1000;

/// How one output stream is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Columns a table may use.
    pub width: u16,
    /// Whether to write ANSI colour codes.
    pub color: bool,
}

impl Style {
    /// No colour, `DEFAULT_WIDTH` columns: for files.
    pub const PLAIN: Self = Self {
        width: DEFAULT_WIDTH,
        color: false,
    };

    /// The style of a stream: `is_tty` tells whether it is a terminal, `terminal_width` its
    /// width when it is one, `env` reads an environment variable.
    pub fn detect(
        choice: ColorChoice,
        is_tty: bool,
        terminal_width: Option<u16>,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Self {
        Self {
            width: width(is_tty, terminal_width, &env),
            color: color(choice, is_tty, &env),
        }
    }

    /// The style of standard output.
    pub fn stdout(choice: ColorChoice) -> Self {
        use std::io::IsTerminal as _;
        let stdout = std::io::stdout();
        let is_tty = stdout.is_terminal();
        let terminal_width = is_tty
            .then(|| terminal_size::terminal_size_of(&stdout))
            .flatten()
            .map(|(w, _)| w.0);
        Self::detect(choice, is_tty, terminal_width, |k| std::env::var_os(k))
    }

    /// The style of standard error (the table written there when reports go to files).
    pub fn stderr(choice: ColorChoice) -> Self {
        use std::io::IsTerminal as _;
        let stderr = std::io::stderr();
        let is_tty = stderr.is_terminal();
        let terminal_width = is_tty
            .then(|| terminal_size::terminal_size_of(&stderr))
            .flatten()
            .map(|(w, _)| w.0);
        Self::detect(choice, is_tty, terminal_width, |k| std::env::var_os(k))
    }

    /// Whether standard error gets colour (diagnostics).
    pub fn stderr_color(choice: ColorChoice) -> bool {
        use std::io::IsTerminal as _;
        color(choice, std::io::stderr().is_terminal(), &|k| {
            std::env::var_os(k)
        })
    }
}

/// `COLUMNS` when it holds a number, else the terminal's width, else `DEFAULT_WIDTH`;
/// clamped to `MIN_WIDTH..=MAX_WIDTH`.
fn width(
    is_tty: bool,
    terminal_width: Option<u16>,
    env: &impl Fn(&str) -> Option<OsString>,
) -> u16 {
    let columns = env("COLUMNS")
        .and_then(|v| v.to_str().and_then(|s| s.trim().parse::<u16>().ok()))
        .filter(|&n| n > 0);
    columns
        .or(terminal_width.filter(|_| is_tty))
        .unwrap_or(DEFAULT_WIDTH)
        .clamp(MIN_WIDTH, MAX_WIDTH)
}

/// `always` and `never` are obeyed; `auto` colours a terminal whose `TERM` is not `dumb`,
/// unless `NO_COLOR` is set to anything non-empty (no-color.org); `CLICOLOR_FORCE` set to
/// anything but `0` colours even a pipe.
fn color(choice: ColorChoice, is_tty: bool, env: &impl Fn(&str) -> Option<OsString>) -> bool {
    let set = |key: &str| env(key).filter(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if set("NO_COLOR").is_some() {
                false
            } else if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                true
            } else {
                is_tty && env("TERM").is_none_or(|t| t != "dumb")
            }
        }
    }
}

/// ANSI styles for the few things coloured.
pub mod ansi {
    pub const RESET: &str = "\x1b[0m";
    pub const BOLD: &str = "\x1b[1m";
    pub const DIM: &str = "\x1b[2m";
    pub const RED_BOLD: &str = "\x1b[1;31m";
    pub const RED: &str = "\x1b[31m";
    pub const YELLOW: &str = "\x1b[33m";
    pub const CYAN: &str = "\x1b[36m";

    /// The colour of a severity (`critical` … `info`); none for anything else.
    pub fn severity(name: &str) -> Option<&'static str> {
        match name.to_ascii_lowercase().as_str() {
            "critical" => Some(RED_BOLD),
            "high" => Some(RED),
            "medium" => Some(YELLOW),
            "low" => Some(CYAN),
            "info" => Some(DIM),
            _ => None,
        }
    }

    /// `text` in `code` when `on`, as it is otherwise. `text` must already be safe to show.
    pub fn paint(on: bool, code: Option<&str>, text: &str) -> String {
        match code {
            Some(code) if on => format!("{code}{text}{RESET}"),
            _ => text.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |key| {
            vars.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn auto_colours_a_terminal_unless_no_color_is_set() {
        assert!(color(ColorChoice::Auto, true, &env(&[])));
        assert!(!color(ColorChoice::Auto, false, &env(&[])));
        assert!(!color(ColorChoice::Auto, true, &env(&[("NO_COLOR", "1")])));
        assert!(color(ColorChoice::Auto, true, &env(&[("NO_COLOR", "")])));
        assert!(!color(ColorChoice::Auto, true, &env(&[("TERM", "dumb")])));
        assert!(color(
            ColorChoice::Auto,
            false,
            &env(&[("CLICOLOR_FORCE", "1")])
        ));
        assert!(!color(
            ColorChoice::Auto,
            false,
            &env(&[("CLICOLOR_FORCE", "0")])
        ));
        assert!(color(
            ColorChoice::Always,
            false,
            &env(&[("NO_COLOR", "1")])
        ));
        assert!(!color(
            ColorChoice::Never,
            true,
            &env(&[("CLICOLOR_FORCE", "1")])
        ));
    }

    #[test]
    fn width_is_columns_then_the_terminal_then_100() {
        assert_eq!(width(true, Some(132), &env(&[("COLUMNS", "60")])), 60);
        assert_eq!(width(true, Some(132), &env(&[])), 132);
        assert_eq!(width(false, Some(132), &env(&[])), DEFAULT_WIDTH);
        assert_eq!(
            width(false, None, &env(&[("COLUMNS", "wide")])),
            DEFAULT_WIDTH
        );
        assert_eq!(width(false, None, &env(&[("COLUMNS", "10")])), MIN_WIDTH);
        assert_eq!(width(false, None, &env(&[("COLUMNS", "60000")])), MAX_WIDTH);
    }
}
