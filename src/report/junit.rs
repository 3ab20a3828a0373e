//! `junit`: JUnit XML for the test tabs of GitLab (`artifacts: reports: junit`), Jenkins
//! (`junit` step) and Azure Pipelines (`PublishTestResults`, format JUnit). One
//! `<testsuite>` per rule code that has findings (so a test tab groups them as a reader
//! thinks of them: "AWS001 failed 3 times"), one `<testcase>` with a `<failure>` per
//! finding, named by its location; input errors are one suite, `nhiscan input errors`, with
//! an `<error>` per input. A scan without findings or errors is one passing test case, so
//! the tab shows that the scan ran. Text is XML-escaped; characters XML 1.0 cannot hold
//! (control characters other than tab and newlines) are written as `\u{…}` escapes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::paths::Locator;
use super::v1::Finding;
use super::{Report, conditions, kind_name, one_line, ordered};

pub(super) fn write(report: &Report<'_>, locator: &Locator, out: &mut dyn Write) -> io::Result<()> {
    let mut by_code: BTreeMap<&str, Vec<&Finding<'_>>> = BTreeMap::new();
    for finding in ordered(report) {
        by_code.entry(finding.code).or_default().push(finding);
    }
    let findings: usize = by_code.values().map(Vec::len).sum();
    let errors = report.errors.len();
    let clean = findings == 0 && errors == 0;
    let tests = findings + errors + usize::from(clean);
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _infallible = writeln!(
        xml,
        "<testsuites name=\"nhiscan\" tests=\"{tests}\" failures=\"{findings}\" errors=\"{errors}\">"
    );
    for (code, findings) in &by_code {
        let rule = findings.first().map_or("", |f| f.rule);
        let _infallible = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{n}\" errors=\"0\">",
            attr(&format!("{code} {rule}")),
            n = findings.len()
        );
        for finding in findings {
            testcase(&mut xml, finding, locator);
        }
        xml.push_str("  </testsuite>\n");
    }
    if errors > 0 {
        let _infallible = writeln!(
            xml,
            "  <testsuite name=\"nhiscan input errors\" tests=\"{errors}\" failures=\"0\" errors=\"{errors}\">"
        );
        for error in report.errors {
            let path = locator.locate(&error.path);
            let _infallible = writeln!(
                xml,
                "    <testcase name=\"{}\" classname=\"nhiscan.input\" file=\"{}\">\n      <error message=\"{}\" type=\"{}\">{}</error>\n    </testcase>",
                attr(path.text()),
                attr(path.text()),
                attr(&error.reason),
                attr(&kind_name(error)),
                text(&error.reason),
            );
        }
        xml.push_str("  </testsuite>\n");
    }
    if clean {
        let _infallible = writeln!(
            xml,
            "  <testsuite name=\"nhiscan\" tests=\"1\" failures=\"0\" errors=\"0\">\n    <testcase name=\"no findings\" classname=\"nhiscan\"/>\n  </testsuite>"
        );
    }
    xml.push_str("</testsuites>\n");
    out.write_all(xml.as_bytes())
}

fn testcase(xml: &mut String, finding: &Finding<'_>, locator: &Locator) {
    let path = locator.locate(&finding.location.path);
    let mut name = path.text().to_owned();
    let mut line = String::new();
    if let Some(span) = finding.location.span {
        let _infallible = write!(name, ":{}:{}", span.line, span.column);
        line = format!(" line=\"{}\"", span.line);
    }
    let mut details = format!("{name}\n{}\n", finding.message);
    for condition in conditions(finding) {
        let _infallible = writeln!(details, "violated: {condition}");
    }
    let _infallible = write!(
        details,
        "remediation: {}\nfingerprint: {}",
        one_line(finding.remediation),
        finding.location_fingerprint
    );
    let _infallible = writeln!(
        xml,
        "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\"{line}>\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
        attr(&name),
        attr(finding.code),
        attr(path.text()),
        attr(finding.message),
        finding.severity.as_str(),
        text(&details),
    );
}

/// Element content: `&`, `<`, `>` as entities; characters XML 1.0 forbids as escapes.
fn text(value: &str) -> String {
    escape(value, false)
}

/// An attribute value in double quotes: also `"`, `'`, and tab and newlines as character
/// references (a parser would otherwise normalise them to spaces).
fn attr(value: &str) -> String {
    escape(value, true)
}

fn escape(value: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\t' | '\n' | '\r' if attribute => {
                let _infallible = write!(out, "&#{};", c as u32);
            }
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                let _infallible = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{attr, text};

    #[test]
    fn xml_special_and_forbidden_characters_are_escaped() {
        assert_eq!(text("a<b>&c"), "a&lt;b&gt;&amp;c");
        assert_eq!(attr("\"it's\"\n"), "&quot;it&apos;s&quot;&#10;");
        assert_eq!(
            text("bell\x07 esc\x1b nul\0"),
            "bell\\u{0007} esc\\u{001b} nul\\u{0000}"
        );
        assert_eq!(text("tab\tline\n"), "tab\tline\n");
        assert_eq!(text("]]>"), "]]&gt;");
    }
}
