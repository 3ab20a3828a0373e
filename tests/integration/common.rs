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
    stdin: Option<Vec<u8>>,
}

pub(crate) fn nhiscan() -> Nhiscan {
    harness(std::process::Command::new(env!("CARGO_BIN_EXE_nhiscan")))
}

/// `nhiscan` as an unprivileged user: when the tests run as root (as CI does), through
/// `setpriv` as `nobody`, so that a permission error really happens.
pub(crate) fn nhiscan_unprivileged() -> Nhiscan {
    let uid = std::process::Command::new("id")
        .arg("-u")
        .output()
        .expect("id runs");
    if String::from_utf8_lossy(&uid.stdout).trim() == "0" {
        let mut command = std::process::Command::new("setpriv");
        command.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            env!("CARGO_BIN_EXE_nhiscan"),
        ]);
        harness(command)
    } else {
        nhiscan()
    }
}

fn harness(mut command: std::process::Command) -> Nhiscan {
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
    Nhiscan {
        command,
        stdin: None,
    }
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

    /// Sets an environment variable for this run (the harness scrubs the rest).
    pub(crate) fn env(mut self, key: &str, value: &str) -> Self {
        self.command.env(key, value);
        self
    }

    /// Removes an environment variable the harness sets (`NO_COLOR`).
    pub(crate) fn env_remove(mut self, key: &str) -> Self {
        self.command.env_remove(key);
        self
    }

    pub(crate) fn current_dir(mut self, dir: &Path) -> Self {
        self.command.current_dir(dir);
        self
    }

    /// Bytes to feed on standard input (otherwise it is empty).
    pub(crate) fn stdin(mut self, bytes: &[u8]) -> Self {
        self.stdin = Some(bytes.to_vec());
        self
    }

    /// Runs to completion; a run that takes over two minutes is killed and fails the test
    /// (a hang must not stall CI).
    pub(crate) fn run(mut self) -> Run {
        use std::io::{Read as _, Write as _};
        use std::process::Stdio;
        self.command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.command.spawn().expect("the binary runs");
        let input = self.stdin.take().unwrap_or_default();
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let feeder = std::thread::spawn(move || {
            let _reader_may_stop_early = pipe.write_all(&input);
        });
        let drain = |mut from: Box<dyn std::io::Read + Send>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _partial_output_is_still_reported = from.read_to_end(&mut bytes);
                bytes
            })
        };
        let stdout = drain(Box::new(child.stdout.take().expect("stdout is piped")));
        let stderr = drain(Box::new(child.stderr.take().expect("stderr is piped")));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        let status = loop {
            if let Some(status) = child.try_wait().expect("the binary can be waited for") {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _already_gone = child.kill();
                panic!("nhiscan did not finish within two minutes");
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        feeder.join().expect("stdin feeder");
        let text = |bytes: Vec<u8>| mask_timing(&String::from_utf8_lossy(&bytes));
        Run {
            code: status.code().unwrap_or(-1),
            stdout: text(stdout.join().expect("stdout reader")),
            stderr: text(stderr.join().expect("stderr reader")),
        }
    }
}

/// The table's scan duration and throughput (` in 0.42 s (8.1 MB/s)`), which differ from
/// run to run, as ` in [duration]`.
pub(crate) fn mask_timing(text: &str) -> String {
    static TIMING: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r" in [0-9]+\.[0-9]{2} s \([0-9]+\.[0-9] MB/s\)").unwrap()
    });
    TIMING.replace_all(text, " in [duration]").into_owned()
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

/// Calls `check` on each file or folder under `base` (relative to the repository root) whose
/// path below it matches the glob `pattern` (a folder fixture such as `.circleci/` is
/// scanned whole), in sorted order, with insta naming snapshots as
/// `insta::glob!` does: the test's name, `@`, the path below `base`. `insta::glob!` is not
/// used because while one runs, insta counts a snapshot mismatch in *any* test thread toward
/// it and lets that test pass: a stale snapshot elsewhere failed whichever glob test ran
/// beside it, without naming the snapshot.
pub(crate) fn each_fixture(base: &str, pattern: &str, mut check: impl FnMut(&Path)) {
    let base = root().join(base);
    let glob = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .unwrap()
        .compile_matcher();
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(&base)
        .into_iter()
        .map(|entry| entry.unwrap().into_path())
        .filter(|path| glob.is_match(path.strip_prefix(&base).unwrap()))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no {pattern} under {}", base.display());
    for path in paths {
        let suffix = path
            .strip_prefix(&base)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let mut settings = insta::Settings::clone_current();
        settings.set_input_file(&path);
        settings.set_snapshot_suffix(suffix);
        settings.bind(|| check(&path));
    }
}
