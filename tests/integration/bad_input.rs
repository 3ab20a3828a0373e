//! Bad input loses nothing: every unreadable or malformed input is listed under `errors`
//! with its reason, the scan completes, and other files still produce findings. No input
//! panics an adapter.

use serde_json::Value;

use crate::common::scan;

fn error_for<'a>(report: &'a Value, suffix: &str) -> &'a Value {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("no error for {suffix}: {}", report["errors"]))
}

#[test]
fn malformed_inputs_are_errors_and_the_rest_is_scanned() {
    let run = scan(&["fixtures/sources", "--format", "json"]);
    assert_eq!(
        run.code, 1,
        "findings in the good files still fail the build"
    );
    let report = run.json();
    let truncated = error_for(&report, "truncated.csv");
    assert_eq!(truncated["kind"], "parse");
    assert_eq!(
        truncated["reason"],
        "line 3: row has 11 of 22 columns (truncated?); row skipped"
    );
    let header = error_for(&report, "wrong-header.csv");
    assert!(
        header["reason"]
            .as_str()
            .unwrap()
            .starts_with("not an AWS credential report: header has 21 columns")
    );
    let utf8 = error_for(&report, "invalid-utf8.txt");
    assert_eq!(utf8["kind"], "encoding");
    assert_eq!(error_for(&report, "garbage.pem")["source"], "x509");
    assert!(
        error_for(&report, "no-end.pem")["reason"]
            .as_str()
            .unwrap()
            .contains("no END line")
    );
    assert_eq!(
        report["scan"]["files_binary"], 1,
        "binary.bin is skipped and counted"
    );
    let truncated_rows: Vec<_> = report["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["path"].as_str().unwrap().ends_with("truncated.csv"))
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        truncated_rows.contains(&"svc-etl"),
        "the complete row before the cut is kept: {truncated_rows:?}"
    );
}

#[test]
fn secrets_after_invalid_utf8_are_still_found() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"caf\xe9 latin-1 line\n".to_vec();
    bytes.extend_from_slice(b"token = \"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\"\n");
    std::fs::write(dir.path().join("notes.txt"), bytes).unwrap();
    let report = scan(&[dir.path().to_str().unwrap(), "--format", "json"]).json();
    assert_eq!(report["findings"][0]["code"], "SEC003");
    assert_eq!(report["findings"][0]["location"]["line"], 2);
    assert_eq!(report["errors"][0]["kind"], "encoding");
}

#[test]
fn oversized_files_are_scanned_in_chunks_or_listed() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(&format!(
            "filler line {i} with nothing secret in it at all\n"
        ));
    }
    text.push_str("SLACK=xoxb-1579275739-2798598720307-QWfF6CJxQS9NECwivyaxeTgg\n");
    std::fs::write(dir.path().join("big.log"), &text).unwrap();
    let report_csv = std::fs::read_to_string(
        crate::common::root().join("fixtures/sources/aws.credential_report/credential-report.csv"),
    )
    .unwrap();
    std::fs::write(dir.path().join("report.csv"), report_csv).unwrap();
    let report = scan(&[
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--max-file-size",
        "1KiB",
    ])
    .json();
    let found = &report["findings"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["code"], "SEC004");
    assert_eq!(found[0]["location"]["line"], 3001);
    let error = error_for(&report, "report.csv");
    assert_eq!(error["kind"], "too_large");
    assert_eq!(report["scan"]["files_too_large"], 2);
}

#[cfg(unix)]
#[test]
fn dangling_symlink_is_an_error_and_loops_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("missing.pem"),
        dir.path().join("dangling.pem"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("sub/loop")).unwrap();
    std::fs::write(
        dir.path().join("sub/key.env"),
        "AWS_ACCESS_KEY_ID=AKIAZ7RTQ2MXGH5KPL4Q\n",
    )
    .unwrap();
    let root = dir.path().to_str().unwrap();

    let plain = scan(&[root, "--format", "json"]);
    assert_eq!(plain.code, 1);
    let plain = plain.json();
    assert_eq!(
        plain["errors"],
        Value::Array(vec![]),
        "links are not followed by default"
    );
    let located = |report: &Value| -> Vec<(String, String)> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let path = f["location"]["path"].as_str().unwrap();
                let relative = path.strip_prefix(root).unwrap_or(path);
                (f["code"].as_str().unwrap().to_owned(), relative.to_owned())
            })
            .collect()
    };
    let only_key = vec![("SEC001".to_owned(), "/sub/key.env".to_owned())];
    assert_eq!(located(&plain), only_key);

    let followed = scan(&[root, "--format", "json", "--follow-symlinks"]).json();
    assert_eq!(error_for(&followed, "dangling.pem")["kind"], "io");
    assert_eq!(error_for(&followed, "loop")["kind"], "walk");
    assert_eq!(located(&followed), only_key, "the loop is not walked twice");
}

/// Runs unprivileged (as `nobody` through `setpriv` when the tests run as root), so the
/// locked file really cannot be opened.
#[cfg(unix)]
#[test]
fn unreadable_file_is_an_error() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let locked = dir.path().join("locked.env");
    std::fs::write(&locked, "x").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let open = dir.path().join("open.env");
    std::fs::write(&open, "AWS_ACCESS_KEY_ID=AKIAZ7RTQ2MXGH5KPL4Q\n").unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = crate::common::nhiscan_unprivileged()
        .args(["scan", "--now", crate::common::NOW, "--format", "json"])
        .args([dir.path()])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["findings"][0]["code"], "SEC001");
    let error = error_for(&report, "locked.env");
    assert_eq!(error["kind"], "io");
    assert!(
        error["reason"]
            .as_str()
            .unwrap()
            .contains("ermission denied"),
        "{error}"
    );
    assert_eq!(
        report["errors"].as_array().unwrap().len(),
        1,
        "{}",
        report["errors"]
    );
}

/// A root the user cannot read is a usage error (exit 2), not a clean scan.
#[cfg(unix)]
#[test]
fn unreadable_root_file_exits_2() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let locked = dir.path().join("locked.env");
    std::fs::write(&locked, "AWS_ACCESS_KEY_ID=AKIAZ7RTQ2MXGH5KPL4Q\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let run = crate::common::nhiscan_unprivileged()
        .args(["scan", "--now", crate::common::NOW])
        .args([&locked])
        .run();
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("the file cannot be read"),
        "{}",
        run.stderr
    );
}

/// `scan -` reads standard input, and the finding is reported at `-`.
#[test]
fn stdin_is_scanned_when_the_root_is_a_dash() {
    let run = crate::common::nhiscan()
        .args(["scan", "-", "--now", crate::common::NOW, "--format", "json"])
        .stdin(b"# deploy\nexport AWS_ACCESS_KEY_ID=AKIAZ7RTQ2MXGH5KPL4Q\n")
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let finding = &report["findings"][0];
    assert_eq!(finding["code"], "SEC001");
    assert_eq!(finding["location"]["path"], "-");
    assert_eq!(finding["location"]["line"], 2);
    assert_eq!(report["scan"]["files_scanned"], 1);
}

/// A root that is a FIFO (`nhiscan scan <(git show HEAD:.env)`) is read as a stream, not
/// skipped as "not a file".
#[cfg(unix)]
#[test]
fn a_fifo_root_is_read_as_a_stream() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("env.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        std::fs::write(
            writer_path,
            "GITHUB_TOKEN=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\n",
        )
    });
    let run = scan(&[fifo.to_str().unwrap(), "--format", "json"]);
    writer.join().unwrap().unwrap();
    let report = run.json();
    assert_eq!(report["findings"][0]["code"], "SEC003", "{}", run.stdout);
    assert_eq!(report["scan"]["files_scanned"], 1);
}

/// Mutates every fixture many times (truncations, byte flips, splices) and hands each
/// version to every adapter and the detectors: none may panic. 60 rounds per fixture by
/// default; `NHISCAN_FUZZ_ROUNDS=5000 cargo test --release adapters_survive` for a campaign.
#[test]
fn adapters_survive_mutated_inputs() {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(crate::common::root().join("fixtures")).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            files.push(std::fs::read(entry.path()).unwrap());
        }
    }
    let rules = nhiscan::rules::load(
        &nhiscan::rules::RuleSources {
            test_builtins: true,
            builtins: nhiscan::builtin_rules(),
            dirs: &[],
        },
        &nhiscan::rules::RuleOverrides::default(),
        None,
    )
    .unwrap();
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let rounds: u64 = std::env::var("NHISCAN_FUZZ_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(60);
    for original in &files {
        for round in 0..rounds {
            let mut bytes = original.clone();
            let len = bytes.len().max(1);
            match round % 4 {
                0 => bytes.truncate((next() as usize) % len),
                1 => {
                    for _ in 0..(1 + next() % 8) {
                        let i = (next() as usize) % len;
                        if let Some(b) = bytes.get_mut(i) {
                            *b = next() as u8;
                        }
                    }
                }
                2 => {
                    let other = &files[(next() as usize) % files.len()];
                    let cut = (next() as usize) % len;
                    bytes.truncate(cut);
                    bytes.extend_from_slice(&other[(next() as usize) % other.len().max(1)..]);
                }
                _ => {
                    let i = (next() as usize) % len;
                    let insert = [
                        b"\n-----BEGIN CERTIFICATE-----\n".as_slice(),
                        b",,,\"",
                        b"\xff\xfe",
                        b"\r\n",
                        b"\x30\x82\xff\xff",
                    ];
                    bytes.splice(
                        i.min(bytes.len())..i.min(bytes.len()),
                        insert[(next() as usize) % insert.len()].iter().copied(),
                    );
                }
            }
            for source in nhiscan::sources::SOURCES {
                for path in ["mutated.pem", "mutated.csv", "mutated.json"] {
                    let path: std::sync::Arc<str> = path.into();
                    let mut out = nhiscan::sources::Extracted::default();
                    let _ignored =
                        source.extract(&nhiscan::sources::Input::new(&path, &bytes), &mut out);
                }
            }
            let text = String::from_utf8_lossy(&bytes);
            let _ignored = rules.detect(&text);
        }
    }
}

/// Issue 6, item 7: two file names that differ only in bytes that are not UTF-8 stay two
/// paths (two places of the secret's finding), and a backslash in a Unix file name is kept.
#[cfg(unix)]
#[test]
fn issue6_paths_stay_distinct_and_backslashes_stay() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt as _;
    let dir = tempfile::tempdir().unwrap();
    let token = "GITHUB_TOKEN=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\n";
    for name in [&b"key-\xFF.env"[..], b"key-\xFE.env", b"back\\slash.env"] {
        std::fs::write(dir.path().join(OsStr::from_bytes(name)), token).unwrap();
    }
    let report = scan(&[dir.path().to_str().unwrap(), "--format", "json"]).json();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "one secret, one finding");
    let places = std::iter::once(&findings[0]["location"]).chain(
        findings[0]["related_locations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["location"]),
    );
    let paths: Vec<&str> = places
        .map(|l| l["path"].as_str().unwrap())
        .map(|p| p.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(paths, ["back\\slash.env", "key-\\xFE.env", "key-\\xFF.env"]);
    assert_eq!(findings[0]["occurrences"], 3);
}

/// Issue 6, item 3: a file over `--max-file-size` with no line breaks is read in 8 MiB
/// chunks; a token across the first cut is found at its true column, and the two-byte
/// characters at the cut are not reported as invalid UTF-8.
#[test]
fn issue6_a_token_across_a_chunk_cut_is_found_at_its_true_column() {
    let dir = tempfile::tempdir().unwrap();
    let token = "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";
    let before = ((8 << 20) - 20) / 2;
    let text = format!("{} {token} {}", "é".repeat(before), "日本".repeat(200_000));
    std::fs::write(dir.path().join("one-line.txt"), text).unwrap();
    let run = scan(&[
        dir.path().to_str().unwrap(),
        "--max-file-size",
        "1M",
        "--format",
        "json",
    ]);
    let report = run.json();
    assert_eq!(report["errors"], serde_json::json!([]), "{}", run.stdout);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{}", run.stdout);
    let location = &findings[0]["location"];
    assert_eq!(findings[0]["code"], "SEC003");
    assert_eq!(
        (
            &location["line"],
            &location["column"],
            &location["end_column"]
        ),
        (
            &serde_json::json!(1),
            &serde_json::json!(before + 2),
            &serde_json::json!(before + 41)
        )
    );
}

/// A GitHub token that passes the format's checksum, different for every `i`.
fn github_token(i: usize) -> String {
    const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let base62 = |mut n: u64, width: usize| {
        let mut digits = vec![b'0'; width];
        for slot in digits.iter_mut().rev() {
            *slot = BASE62[(n % 62) as usize];
            n /= 62;
        }
        String::from_utf8(digits).unwrap()
    };
    let body = format!(
        "{}Lw0ZbN4xVt6Km1Ps9Hd3Fj",
        base62(i as u64 * 2_654_435_761, 8)
    );
    let mut crc = !0_u32;
    for &byte in body.as_bytes() {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    format!("ghp_{body}{}", base62(u64::from(!crc), 6))
}

/// Issue 6, item 4: a file lists at most 1000 findings; the rest are counted in one input
/// error of kind `capped` (1500 different tokens in a log, a generated credential report).
/// Repeats of a token already listed are places of its finding, not more findings.
#[test]
fn issue6_findings_per_file_are_capped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let log: String = (0..1500)
        .chain([7, 1499])
        .map(|i| format!("token = {}\n", github_token(i)))
        .collect();
    std::fs::write(dir.path().join("log.txt"), log).unwrap();
    std::fs::write(
        dir.path().join("credential-report.csv"),
        credential_report(1200),
    )
    .unwrap();
    let report = scan(&[dir.path().to_str().unwrap(), "--format", "json"]).json();
    for (file, more) in [("log.txt", 500), ("credential-report.csv", 200)] {
        let listed = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["location"]["path"].as_str().unwrap().ends_with(file))
            .count();
        assert_eq!(listed, 1000, "{file}");
        let capped = error_for(&report, file);
        assert_eq!(capped["kind"], "capped");
        assert_eq!(
            capped["reason"],
            format!("and {more} more findings in this file, not listed (at most 1000 per file)")
        );
    }
    let seventh = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["location"]["line"] == 8 && f["code"] == "SEC003")
        .unwrap();
    assert_eq!(seventh["occurrences"], 2, "{seventh}");
    assert_eq!(seventh["related_locations"][0]["location"]["line"], 1501);
}

/// A credential report of `rows` users, each with one active access key last rotated in
/// 2024 (one finding a row: the key is older than 90 days).
fn credential_report(rows: usize) -> String {
    let header = std::fs::read_to_string(
        crate::common::root().join("fixtures/sources/aws.credential_report/credential-report.csv"),
    )
    .unwrap()
    .lines()
    .next()
    .unwrap()
    .to_owned();
    let rows: String = (0..rows)
        .map(|i| {
            format!(
                "svc-{i:04},arn:aws:iam::123456789012:user/svc-{i:04},2022-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-01-01T00:00:00+00:00,2026-11-20T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
            )
        })
        .collect();
    format!("{header}\n{rows}")
}

/// Issue 6, item 4: an export of thousands of rows is judged while it is read and its rows
/// dropped (memory stays flat; figures in README "Memory"), with nothing a user sees
/// changed: every subject in the JSON inventory, in report order and rendered as any other
/// (the same item as a one-row report's, the same pretty layout), the first 1000 findings
/// listed and the rest counted, the NHI count in every format.
#[test]
fn issue6_a_credential_report_of_thousands_of_rows_is_judged_as_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("credential-report.csv");
    let path = dir.path().to_str().unwrap();
    std::fs::write(&csv, credential_report(5000)).unwrap();
    let run = scan(&[path, "--format", "json"]);
    let table = scan(&[path, "--format", "table"]).stdout;
    std::fs::write(&csv, credential_report(1)).unwrap();
    let one = scan(&[path, "--format", "json"]).json();
    let report = run.json();
    let reprinted =
        serde_json::to_string_pretty(&serde_json::from_str::<Value>(&run.stdout).unwrap()).unwrap();
    assert!(
        run.stdout == reprinted + "\n",
        "the report is pretty JSON throughout"
    );
    assert_eq!(report["summary"]["subjects"], 10_000);
    let inventory = report["inventory"].as_array().unwrap();
    let order: Vec<(&str, u64)> = inventory
        .iter()
        .map(|i| (i["kind"].as_str().unwrap(), i["line"].as_u64().unwrap()))
        .collect();
    let expected: Vec<(&str, u64)> = (2..=5001)
        .flat_map(|line| [("aws.access_key", line), ("aws.iam_user", line)])
        .collect();
    assert_eq!(order, expected);
    assert_eq!(inventory[..2], one["inventory"].as_array().unwrap()[..]);
    let findings = report["findings"].as_array().unwrap();
    let lines: Vec<u64> = findings
        .iter()
        .map(|f| f["location"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, (2..=1001).collect::<Vec<u64>>());
    assert_eq!(findings[0], one["findings"][0]);
    assert_eq!(
        error_for(&report, "credential-report.csv")["reason"],
        "and 4000 more findings in this file, not listed (at most 1000 per file)"
    );
    assert!(table.contains("; 10000 NHIs in inventory;"), "{table}");
}

/// Issue 7, section 2 (and issue 6, item 4): the same secret in many places is one finding,
/// at its first place, with the others as related locations labelled `same secret` and
/// `occurrences` counting them all, in every file and every format.
#[test]
fn issue7_the_same_secret_in_many_places_is_one_finding_with_every_place() {
    let dir = tempfile::tempdir().unwrap();
    let token = "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";
    let other = github_token(3);
    std::fs::write(
        dir.path().join("a.txt"),
        format!("token = {token}\nnothing here\ntoken = {token}\ntoken = {other}\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("b.txt"), format!("\n  token = {token}\n")).unwrap();
    let root = dir.path().to_str().unwrap();
    let report = scan(&[root, "--format", "json"]).json();
    let findings = report["findings"].as_array().unwrap();
    let places: Vec<String> = findings
        .iter()
        .map(|f| {
            let at = |l: &Value| {
                format!(
                    "{}:{}:{}-{}:{}",
                    l["path"].as_str().unwrap().trim_start_matches(root),
                    l["line"],
                    l["column"],
                    l["end_line"],
                    l["end_column"]
                )
            };
            let related: Vec<String> = f["related_locations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| format!("{} {}", r["label"].as_str().unwrap(), at(&r["location"])))
                .collect();
            format!(
                "{} {} x{} [{}]",
                f["code"].as_str().unwrap(),
                at(&f["location"]),
                f["occurrences"],
                related.join(", ")
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            "SEC003 /a.txt:1:9-1:48 x3 [same secret /a.txt:3:9-3:48, same secret /b.txt:2:11-2:50]",
            "SEC003 /a.txt:4:9-4:48 xnull []",
        ]
    );
    assert_eq!(report["summary"]["findings"], 2);
    let table = scan(&[root]).stdout;
    assert!(
        table.contains(&format!("⇢ same secret ({root}/b.txt:2:11)")),
        "{table}"
    );
    let sarif: Value = serde_json::from_str(&scan(&[root, "--format", "sarif"]).stdout).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["properties"]["occurrences"], 3);
    assert_eq!(
        result["relatedLocations"][1]["message"]["text"],
        "same secret"
    );
    assert_eq!(
        result["relatedLocations"][1]["physicalLocation"]["region"]["startLine"],
        2
    );
}

/// Issue 6, item 4: a secret in thousands of places lists 20 of them besides its location
/// and counts the rest.
#[test]
fn issue6_places_of_one_secret_are_listed_up_to_a_cap_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let line = "token = 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\n";
    std::fs::write(dir.path().join("log.txt"), line.repeat(2500)).unwrap();
    let root = dir.path().to_str().unwrap();
    let report = scan(&[root, "--format", "json"]).json();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["location"]["line"], 1);
    assert_eq!(findings[0]["occurrences"], 2500);
    let lines: Vec<&Value> = findings[0]["related_locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["location"]["line"])
        .collect();
    assert_eq!(lines, (2..=21).collect::<Vec<_>>());
    assert_eq!(report["errors"], serde_json::json!([]));
    let table = scan(&[root]).stdout;
    assert!(
        table.contains("⇢ and 2479 more places with the same secret (2500 in all)"),
        "{table}"
    );
}
