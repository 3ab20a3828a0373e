//! The harness: run the real binary with a scrubbed environment, from the repository root,
//! with `now` pinned; results as text a test can assert on or snapshot.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The `now` every scan in the tests uses.
pub(crate) const NOW: &str = "2026-11-23T00:00:00Z";

#[derive(Debug)]
pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Standard output parsed as JSON, with the wall-clock start time replaced.
    pub(crate) fn json(&self) -> Value {
        let mut value: Value = serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n{}",
                self.stdout, self.stderr
            )
        });
        if let Some(started) = value.pointer_mut("/scan/started_at") {
            *started = Value::String("[started_at]".into());
        }
        value
    }
}

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A builder for one run of `nhiscan`.
pub(crate) struct Nhiscan {
    command: std::process::Command,
}

pub(crate) fn nhiscan() -> Nhiscan {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_nhiscan"));
    command
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE");
    command.env_remove("COLUMNS").env_remove("RUST_BACKTRACE");
    for (key, _) in std::env::vars() {
        if key.starts_with("NHISCAN_") {
            command.env_remove(key);
        }
    }
    Nhiscan { command }
}

/// `nhiscan scan --now NOW <args>`.
pub(crate) fn scan(args: &[&str]) -> Run {
    nhiscan().args(["scan", "--now", NOW]).args(args).run()
}

impl Nhiscan {
    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command.args(args);
        self
    }

    pub(crate) fn current_dir(mut self, dir: &Path) -> Self {
        self.command.current_dir(dir);
        self
    }

    pub(crate) fn run(mut self) -> Run {
        let output = self.command.output().expect("the binary runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// One line per finding: `CODE severity path:line:col` and its violated conditions, the
/// format the rule-fixture snapshots use.
pub(crate) fn findings_text(report: &Value) -> String {
    let mut out = String::new();
    for f in report["findings"].as_array().expect("findings") {
        let loc = &f["location"];
        out.push_str(&format!(
            "{} {} {}:{}:{}\n  subject   {} {} ({})\n",
            f["code"].as_str().unwrap(),
            f["severity"].as_str().unwrap(),
            loc["path"].as_str().unwrap(),
            loc["line"],
            loc["column"],
            f["subject"]["kind"].as_str().unwrap(),
            f["subject"]["name"].as_str().unwrap(),
            f["subject"]["id"].as_str().unwrap(),
        ));
        for c in f["violated_condition"].as_array().unwrap() {
            out.push_str(&format!(
                "  violated  {} {} expected={} actual={}\n",
                c["field"].as_str().unwrap(),
                c["op"].as_str().unwrap(),
                c["expected"],
                c["actual"]
            ));
        }
        out.push_str(&format!(
            "  message   {}\n  evidence  {}\n",
            f["message"].as_str().unwrap(),
            f["evidence"].as_str().unwrap()
        ));
    }
    out
}
