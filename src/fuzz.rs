//! Entry points for the coverage-guided fuzz targets in `fuzz/` and for replaying their
//! kept corpus in the test suite. Each takes arbitrary bytes, runs one parser the way a
//! scan would, renders whatever it produced, and must return without panicking.

use std::io::{self, Write};
use std::sync::Arc;

use serde_json::Value;
use time::macros::datetime;

use crate::config::Config;
use crate::inputs::{Blob, Content, Provenance};
use crate::model::{Document, Limits, Step, YamlLocator};
use crate::pipeline::{self, Options};
use crate::report::{self, Format, Report, Settings, v1::Context};
use crate::rules;

/// A file name each adapter claims, so that a target's bytes reach the adapter named.
pub const TARGETS: &[(&str, &str)] = &[
    ("aws_credential_report", "credential_report.csv"),
    ("aws_access_keys", "iam/list-access-keys.json"),
    ("k8s_rbac", "k8s/rbac.yaml"),
    ("github_actions", ".github/workflows/ci.yml"),
    ("github_action", "deploy/action.yml"),
    ("dependabot", ".github/dependabot.yml"),
    ("gcp_service_account_key", "keys/deployer.json"),
    ("gitlab_ci", ".gitlab-ci.yml"),
    ("circleci", ".circleci/config.yml"),
    ("azure_pipelines", "azure-pipelines.yml"),
    ("bitbucket", "bitbucket-pipelines.yml"),
    ("jenkins", "Jenkinsfile"),
    ("x509", "certs/server.pem"),
    ("text", "src/settings.env"),
];

/// Scans `data` as the file `path` with every adapter and detector, then renders the report
/// in every format.
pub fn scan_as(path: &str, data: &[u8]) {
    let blob = Blob {
        content: Content::Bytes(Arc::from(data)),
        seen: vec![Provenance::Path(path.to_owned())],
    };
    let rules = rules::builtin_set();
    let options = Options {
        max_file_size: 1 << 20,
        now: datetime!(2026-11-23 00:00 UTC),
        governance: Default::default(),
        treatments: Default::default(),
        progress: None,
        spill: None,
    };
    let result = pipeline::run(std::slice::from_ref(&blob), rules, &options);
    let context = Context {
        started_at: "2026-11-23T00:00:00Z".to_owned(),
        now: "2026-11-23T00:00:00Z".to_owned(),
        roots: vec![".".to_owned()],
        fail_on: None,
        elapsed: None,
    };
    let report = Report::new(&result, rules, context);
    let settings = Settings::default();
    for &format in <Format as clap::ValueEnum>::value_variants() {
        let written = report::write(&report, format, &settings, &mut io::sink());
        assert!(written.is_ok(), "rendering {format:?} failed: {written:?}");
    }
}

/// The target named `name` (one of [`TARGETS`]) on `data`.
pub fn adapter(name: &str, data: &[u8]) {
    let (_, path) = TARGETS
        .iter()
        .find(|(target, _)| *target == name)
        .unwrap_or_else(|| panic!("no fuzz target {name}"));
    scan_as(path, data);
}

/// Parses `data` as YAML and as JSON, then locates every route the parsed values have (and
/// one beyond each leaf) in the span tree and with the text locator.
pub fn document(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits::default();
    for parsed in [
        Document::parse_yaml(text, &limits),
        Document::parse_json(text, &limits),
    ] {
        let spans = parsed.document.spans();
        let locator = YamlLocator::new(text);
        for (doc, value) in parsed.document.values().iter().enumerate() {
            let mut routes = Vec::new();
            collect_routes(value, &mut Vec::new(), &mut routes, 10_000);
            for mut route in routes {
                for _ in 0..2 {
                    if let Some(located) = spans.locate(doc, &route) {
                        let _ = text.get(located.value.start..located.value.end);
                    }
                    let _ = spans.nearest(doc, &route);
                    let _ = locator.offset(&route, true);
                    let _ = locator.nearest(&route, false);
                    route.push(Step::Key("missing".to_owned()));
                }
            }
        }
        let _ = parsed.errors.iter().map(ToString::to_string).count();
    }
}

fn collect_routes(value: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>, budget: usize) {
    if out.len() >= budget {
        return;
    }
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                at.push(Step::Key(key.clone()));
                collect_routes(child, at, out, budget);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                at.push(Step::Index(i));
                collect_routes(child, at, out, budget);
                at.pop();
            }
        }
        _ => {}
    }
}

/// Loads `data` as a user's rule file (validated, compiled and self-tested), and renders the
/// diagnostic when it is refused.
pub fn rule_file(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    if let Err(error) = rules::load_user_text("fuzz/rule.yaml".to_owned(), text) {
        render(error);
    }
}

/// Parses `data` as `nhiscan.yaml`, and renders the diagnostic when it is refused.
pub fn config_file(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    if let Err(error) = Config::parse("nhiscan.yaml".to_owned(), text) {
        render(error);
    }
}

fn render(error: impl miette::Diagnostic + Send + Sync + 'static) {
    let report = miette::Report::new(error);
    let _ = write!(io::sink(), "{report:?}");
}
