//! `github`: GitHub Actions workflow commands, one per finding (`::error file=…,line=…::…`),
//! which the runner turns into annotations on the run and on the pull request's files.
//! Critical and high are `error`, medium `warning`, low and info `notice`. Input errors are
//! `warning`s on their file. Paths are relative to the repository's top, as the runner
//! expects. Escaping follows the runner's (`@actions/core` `toCommandValue`/`escapeData`/
//! `escapeProperty`): `%`, `\r`, `\n` in the message, and also `:` and `,` in properties.

use std::io::{self, Write};

use super::paths::Locator;
use super::{Report, conditions, kind_name, ordered};
use crate::model::Severity;

pub(super) fn write(report: &Report<'_>, locator: &Locator, out: &mut dyn Write) -> io::Result<()> {
    for finding in ordered(report) {
        let mut properties = vec![(
            "file",
            locator.locate(&finding.location.path).text().to_owned(),
        )];
        if let Some(span) = finding.location.span {
            properties.extend([
                ("line", span.line.to_string()),
                ("col", span.column.to_string()),
                ("endLine", span.end_line.to_string()),
                ("endColumn", span.end_column.to_string()),
            ]);
        }
        properties.push(("title", format!("{} {}", finding.code, finding.rule)));
        let mut message = finding.message.to_owned();
        for condition in conditions(finding) {
            message.push_str("\n↳ ");
            message.push_str(&condition);
        }
        command(out, command_name(finding.severity), &properties, &message)?;
    }
    for error in report.errors {
        let properties = [
            ("file", locator.locate(&error.path).text().to_owned()),
            (
                "title",
                format!("nhiscan could not read this input ({})", kind_name(error)),
            ),
        ];
        command(out, "warning", &properties, &error.reason)?;
    }
    writeln!(out, "{}", super::table::summary_line(report, false))
}

fn command_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

fn command(
    out: &mut dyn Write,
    name: &str,
    properties: &[(&str, String)],
    message: &str,
) -> io::Result<()> {
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    writeln!(
        out,
        "::{name} {}::{}",
        properties.join(","),
        escape_data(message)
    )
}

/// A message: `%`, carriage return and line feed percent-encoded, as the runner decodes
/// them; other control characters and bidirectional marks, which a log viewer would act on,
/// written as `\u{…}` escapes.
fn escape_data(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if c.is_control() || super::is_bidi_or_separator(c) => {
                let _infallible = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// A property value: as a message, and `:` and `,`, which end a property.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_properties_escape_as_the_runner_does() {
        assert_eq!(
            escape_data("100% done\r\nnext: a,b"),
            "100%25 done%0D%0Anext: a,b"
        );
        assert_eq!(escape_property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
        let mut out = Vec::new();
        command(
            &mut out,
            "error",
            &[("file", "x,y:z.txt".to_owned())],
            "m::n",
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "::error file=x%2Cy%3Az.txt::m::n\n"
        );
    }
}
