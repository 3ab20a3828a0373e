//! The HTML report (issue 9, section 3): the demo page as a golden file, hostile names and
//! texts escaped, the counts shown equal to the JSON's, nothing loaded from the network, and
//! `nhiscan report` drawing the trend of saved JSON reports.

use regex::Regex;
use serde_json::{Value, json};

use crate::common::{NOW, nhiscan, scan};

/// The page with what changes for reasons other than the report replaced: the wall-clock
/// start time, and the inline stylesheet and script (with their CSP hashes), which have
/// their own checks (`.ci/html-check` loads the page in Chromium).
fn scrub(page: &str) -> String {
    let started = Regex::new(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z").unwrap();
    let page = started.replace_all(page, |c: &regex::Captures<'_>| {
        if &c[0] == NOW {
            NOW.to_owned()
        } else {
            "[started_at]".to_owned()
        }
    });
    let style = Regex::new(r"(?s)<style>.*?</style>").unwrap();
    let script = Regex::new(r"(?s)<script>.*?</script>").unwrap();
    let hash = Regex::new(r"'sha256-[A-Za-z0-9+/=]{44}'").unwrap();
    let policy = Regex::new(r#"<span class="mono">sha256:[0-9a-f]{12}</span>"#).unwrap();
    let page = style.replace(&page, "<style>[report.css]</style>");
    let page = script.replace(&page, "<script>[report.js]</script>");
    let page = policy.replace(&page, r#"<span class="mono">sha256:[policy digest]</span>"#);
    hash.replace_all(&page, "'sha256-[hash]'").into_owned()
}

fn demo_html() -> String {
    let run = scan(&["fixtures/demo", "--format", "html"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.stdout
}

#[test]
fn snapshot_demo_html() {
    insta::assert_snapshot!("demo_html", scrub(&demo_html()));
}

/// The page loads nothing: no element with a source or a link, no stylesheet import, and a
/// policy that allows only its own inline style and script.
#[test]
fn html_is_self_contained() {
    let page = demo_html();
    for needle in ["src=", "href=", "url(", "@import", "http://", "https://"] {
        assert!(
            !page.contains(needle),
            "the page has `{needle}`:\n{}",
            &page[page.find(needle).unwrap().saturating_sub(200)..]
        );
    }
    let csp = Regex::new(
        r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]{44}'; script-src 'sha256-[A-Za-z0-9+/=]{44}'; img-src data:; base-uri 'none'; form-action 'none'">"#,
    )
    .unwrap();
    assert!(csp.is_match(&page), "{}", &page[..800]);
    assert_eq!(page.matches("<script>").count(), 1);
    assert_eq!(page.matches("<style>").count(), 1);
}

/// The cards show the JSON summary, and the page has one finding element per finding of
/// each severity (what `.ci/html-check` also checks after the script ran).
#[test]
fn html_counts_equal_the_json_summary() {
    let run = scan(&["fixtures/demo", "--format", "json"]);
    let report = run.json();
    let page = demo_html();
    for (severity, n) in report["summary"]["by_severity"].as_object().unwrap() {
        let card = format!(r#"data-severity="{severity}" data-count="{n}""#);
        assert!(page.contains(&card), "no `{card}` in the page");
        let shown = page
            .matches(&format!(
                r#"<article class="finding {severity}" data-severity="{severity}""#
            ))
            .count();
        assert_eq!(json!(shown), *n, "{severity} findings on the page");
    }
    let total = &report["summary"]["findings"];
    assert!(page.contains(&format!(
        r#"<b id="shown" data-shown="{total}">{total}</b>"#
    )));
}

/// File names and texts from the scanned tree are hostile: markup is escaped, and control
/// and bidi characters are shown as escapes.
#[cfg(unix)]
#[test]
fn html_escapes_hostile_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let name = "\"><img src=x onerror=alert(1)>\u{202e}vne.\x1b[31m.env";
    std::fs::write(
        dir.path().join(name),
        "GITHUB_TOKEN=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\n",
    )
    .unwrap();
    let run = scan(&[dir.path().to_str().unwrap(), "--format", "html"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let page = &run.stdout;
    assert!(!page.contains("<img"), "markup from a file name:\n{page}");
    for raw in ['\u{202e}', '\x1b'] {
        assert!(!page.contains(raw), "{raw:?} raw in the page");
    }
    assert!(
        page.contains(
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\\u{202e}vne.\\x1b[31m.env</span>"
        ),
        "{page}"
    );
    assert!(!page.contains("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"));
}

/// A saved report for `nhiscan report`: the demo's, with its start time and counts changed.
fn saved(dir: &std::path::Path, name: &str, started_at: &str, counts: [u64; 3]) -> String {
    let mut report = scan(&["fixtures/demo", "--format", "json"]).json();
    report["scan"]["started_at"] = json!(started_at);
    let [critical, high, medium] = counts;
    report["summary"]["by_severity"]["critical"] = json!(critical);
    report["summary"]["by_severity"]["high"] = json!(high);
    report["summary"]["by_severity"]["medium"] = json!(medium);
    report["summary"]["findings"] = json!(critical + high + medium);
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(&report).unwrap()).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn report_command_draws_the_trend_of_saved_reports() {
    let dir = tempfile::tempdir().unwrap();
    let latest = saved(dir.path(), "c.json", "2026-11-20T08:00:00Z", [1, 7, 2]);
    let first = saved(dir.path(), "a.json", "2026-09-01T08:00:00Z", [3, 12, 4]);
    let second = saved(dir.path(), "b.json", "2026-10-01T08:00:00Z", [2, 9, 3]);
    let out = dir.path().join("trend.html");
    let run = nhiscan()
        .args(["report", "--format", "html", &latest, &first, &second, "-o"])
        .args([out.to_str().unwrap()])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    let page = std::fs::read_to_string(&out).unwrap();
    let rows = Regex::new(r#"<tr data-started-at="([^"]+)">.*?<td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td>"#).unwrap();
    let table: Vec<String> = rows
        .captures_iter(&page)
        .map(|c| {
            format!(
                "{} total={} critical={} high={} medium={}",
                &c[1], &c[2], &c[3], &c[4], &c[5]
            )
        })
        .collect();
    assert_eq!(
        table,
        [
            "2026-09-01T08:00:00Z total=19 critical=3 high=12 medium=4",
            "2026-10-01T08:00:00Z total=14 critical=2 high=9 medium=3",
            "2026-11-20T08:00:00Z total=10 critical=1 high=7 medium=2",
        ]
    );
    let high = Regex::new(r#"<polyline class="line s-high" data-series="high" points="([^"]+)"/>"#)
        .unwrap();
    let points = &high.captures(&page).expect("a line for high")[1];
    assert_eq!(points.split(' ').count(), 3, "{points}");
    assert!(
        !page.contains(r#"data-series="low""#),
        "no line for a severity never seen"
    );
    assert!(
        page.contains("started <b>2026-11-20T08:00:00Z</b>"),
        "the latest in full"
    );
    assert!(page.contains(r#"data-severity="high" data-count="7""#));
}

#[test]
fn report_command_escapes_saved_reports() {
    let dir = tempfile::tempdir().unwrap();
    let mut report = scan(&["fixtures/demo", "--format", "json"]).json();
    report["findings"][0]["message"] = json!("</script><script>alert(1)</script>");
    report["scan"]["roots"] = json!(["<b>root</b>"]);
    let path = dir.path().join("hostile.json");
    std::fs::write(&path, serde_json::to_vec(&report).unwrap()).unwrap();
    let run = nhiscan()
        .args(["report", "--format", "html"])
        .args([path.to_str().unwrap()])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains(r#"<p class="msg">&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p>"#)
    );
    assert!(
        run.stdout
            .contains("<title>nhiscan report: &lt;b&gt;root&lt;/b&gt;</title>")
    );
    assert_eq!(run.stdout.matches("<script>").count(), 1);
}

#[test]
fn report_command_rejects_what_is_not_a_v1_report() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("r.sarif");
    std::fs::write(&sarif, r#"{"version": "2.1.0", "runs": []}"#).unwrap();
    let run = nhiscan()
        .args(["report"])
        .args([sarif.to_str().unwrap()])
        .run();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("is not an nhiscan JSON report: missing field `schema_version`"),
        "{}",
        run.stderr
    );
    let mut report: Value = scan(&["fixtures/demo", "--format", "json"]).json();
    report["schema_version"] = json!("2.0");
    let v2 = dir.path().join("v2.json");
    std::fs::write(&v2, serde_json::to_vec(&report).unwrap()).unwrap();
    let run = nhiscan()
        .args(["report"])
        .args([v2.to_str().unwrap()])
        .run();
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("schema_version 2.0 is not 1.x"),
        "{}",
        run.stderr
    );
}

/// The by-code chart draws the 12 codes with most findings and counts the others; the code
/// filter still lists every code.
#[test]
fn html_code_chart_keeps_to_twelve_bars() {
    let run = scan(&["fixtures/sources", "--format", "json"]);
    let report = run.json();
    let mut codes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    assert!(codes.len() > 12, "fixtures/sources has more than 12 codes");
    let page = scan(&["fixtures/sources", "--format", "html"]).stdout;
    assert_eq!(
        page.matches(r#"<g class="bar" data-filter-code="#).count(),
        12
    );
    assert!(
        page.contains(&format!(
            "and {} more codes (the code filter below lists them all)",
            codes.len() - 12
        )),
        "{page}"
    );
    for code in codes {
        assert!(
            page.contains(&format!(r#"<option value="{code}">"#)),
            "{code}"
        );
    }
}
