use std::io::Write;
use std::time::Instant;

use serde_json::json;

use super::*;

const MULTI: &str = include_str!("../../../fixtures/documents/multi.yaml");
const NESTED: &str = include_str!("../../../fixtures/documents/nested.json");

/// `a.b[1].c` → route; `["x.y"]` quotes a key.
fn route(s: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        rest = rest.strip_prefix('.').unwrap_or(rest);
        if let Some(quoted) = rest.strip_prefix("[\"") {
            let end = quoted.find("\"]").unwrap();
            steps.push(Step::Key(quoted[..end].to_owned()));
            rest = &quoted[end + 2..];
        } else if let Some(index) = rest.strip_prefix('[') {
            let end = index.find(']').unwrap();
            steps.push(Step::Index(index[..end].parse().unwrap()));
            rest = &index[end + 1..];
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            steps.push(Step::Key(rest[..end].to_owned()));
            rest = &rest[end..];
        }
    }
    steps
}

fn show(region: Option<Region>) -> String {
    region.map_or_else(
        || "-".to_owned(),
        |r| {
            let s = r.span;
            format!("{}:{}–{}:{}", s.line, s.column, s.end_line, s.end_column)
        },
    )
}

/// `(value span, key span)` of an exact route.
fn locate(spans: &SpanTree, doc: usize, path: &str) -> (String, String) {
    let located = spans
        .locate(doc, &route(path))
        .unwrap_or_else(|| panic!("{path} not found"));
    (show(Some(located.value)), show(located.key))
}

fn text_at<'t>(text: &'t str, spans: &SpanTree, doc: usize, path: &str) -> &'t str {
    let located = spans.locate(doc, &route(path)).unwrap();
    &text[located.value.start..located.value.end]
}

fn yaml() -> Parsed {
    Document::parse_yaml(MULTI, &Limits::default())
}

#[test]
fn yaml_fixture_reads_two_documents_with_core_scalars_aliases_and_merges() {
    let parsed = yaml();
    assert_eq!(parsed.errors, vec![]);
    let [workflow, gitlab] = parsed.document.values() else {
        panic!("expected two documents");
    };
    assert_eq!(workflow["on"], json!("push"));
    assert_eq!(workflow["env"]["ACCOUNT"], json!("012345678901"));
    assert_eq!(workflow["jobs"]["build"]["env"], workflow["env"]);
    assert_eq!(
        workflow["jobs"]["build"]["steps"][2]["run"],
        json!("echo deploying\n./deploy.sh\n")
    );
    assert_eq!(
        gitlab["deploy"],
        json!({
            "image": "alpine:3.20",
            "retry": 0,
            "script": [".setup", "script"],
            "variables": {"TOKEN": "$CI_JOB_TOKEN", "DEBUG": "on"},
        })
    );
}

#[test]
fn yaml_routes_land_on_exact_values_and_keys() {
    let parsed = yaml();
    let spans = parsed.document.spans();
    assert_eq!(spans.documents(), 2);
    let at = |path| locate(&spans, 0, path);
    // Quoted scalars include their quotes; the flow mapping runs from `{` to `}`.
    assert_eq!(
        at("jobs.build.steps[1].with.token"),
        ("14:66–14:87".into(), "14:59–14:63".into())
    );
    assert_eq!(
        text_at(MULTI, &spans, 0, "jobs.build.steps[1].with.token"),
        "'${{ secrets.TOKEN }}'"
    );
    assert_eq!(
        at("jobs.build.steps[1].with"),
        ("14:15–14:88".into(), "14:9–14:12".into())
    );
    // A block mapping item spans its entries; an item has no key.
    assert_eq!(at("jobs.build.steps[1]"), ("13:9–14:88".into(), "-".into()));
    // A block sequence runs from its first `-` to the end of its last item.
    assert_eq!(
        at("jobs.build.steps"),
        ("12:7–17:21".into(), "11:5–11:9".into())
    );
    // A block scalar spans its content lines.
    assert_eq!(
        at("jobs.build.steps[2].run"),
        ("16:11–17:21".into(), "15:9–15:11".into())
    );
    assert_eq!(at("on"), ("3:5–3:8".into(), "3:1–3:2".into()));
    assert_eq!(at(""), ("2:1–17:21".into(), "-".into()));
}

#[test]
fn a_route_through_an_alias_lands_on_the_anchor_definition() {
    let parsed = yaml();
    let spans = parsed.document.spans();
    // The key is where the alias is used; the value is the anchored mapping (lines 5–6).
    assert_eq!(
        locate(&spans, 0, "jobs.build.env"),
        ("5:3–6:23".into(), "10:5–10:7".into())
    );
    assert_eq!(
        locate(&spans, 0, "jobs.build.env.ACCOUNT"),
        ("6:12–6:23".into(), "6:3–6:9".into())
    );
}

#[test]
fn merged_keys_land_on_the_merged_mapping_and_explicit_keys_win() {
    let parsed = yaml();
    let spans = parsed.document.spans();
    let at = |path| locate(&spans, 1, path);
    assert_eq!(
        at("deploy.image"),
        ("20:10–20:20".into(), "20:3–20:7".into())
    );
    assert_eq!(
        at("deploy.retry"),
        ("24:10–24:10".into(), "24:3–24:7".into())
    );
    // A tagged flow sequence starts at its `[`, not at the tag.
    assert_eq!(
        at("deploy.script"),
        ("25:22–25:37".into(), "25:3–25:8".into())
    );
    assert_eq!(at("deploy.script[1]"), ("25:31–25:36".into(), "-".into()));
    assert_eq!(
        at("deploy.variables.DEBUG"),
        ("26:44–26:45".into(), "26:37–26:41".into())
    );
    assert!(spans.locate(0, &route("deploy")).is_none());
    assert!(spans.locate(2, &[]).is_none());
}

#[test]
fn nearest_returns_the_deepest_existing_node_and_its_depth() {
    let parsed = yaml();
    let spans = parsed.document.spans();
    let missing = route("jobs.build.steps[1].with.missing.deeper");
    assert!(spans.locate(0, &missing).is_none());
    let near = spans.nearest(0, &missing).unwrap();
    assert_eq!(near.depth, 5);
    assert_eq!(show(Some(near.value)), "14:15–14:88");
    assert_eq!(show(near.key), "14:9–14:12");
    let past_end = spans
        .nearest(0, &route("jobs.build.steps[9].uses"))
        .unwrap();
    assert_eq!(past_end.depth, 3);
    assert_eq!(show(past_end.key), "11:5–11:9");
    // A key step into a sequence stops there too.
    let wrong_kind = spans.nearest(0, &route("jobs.build.steps.uses")).unwrap();
    assert_eq!(wrong_kind.depth, 3);
}

#[test]
fn json_routes_land_on_exact_values_and_keys() {
    let parsed = Document::parse_json(NESTED, &Limits::default());
    assert_eq!(parsed.errors, vec![]);
    let spans = parsed.document.spans();
    let at = |path| locate(&spans, 0, path);
    assert_eq!(
        at("Users[1].AccessKeys[0].CreateDate"),
        ("14:25–14:46".into(), "14:11–14:22".into())
    );
    assert_eq!(
        at("Users[0].AccessKeys[0].CreateDate"),
        ("6:84–6:105".into(), "6:70–6:81".into())
    );
    assert_eq!(
        at("Users[0].AccessKeys[0]"),
        ("6:9–6:106".into(), "-".into())
    );
    assert_eq!(at("Users"), ("2:12–19:3".into(), "2:3–2:9".into()));
    // Columns count characters: `déploiement` comes before `Arn` on its line.
    assert_eq!(
        at("Users[1].Arn"),
        ("10:41–10:84".into(), "10:34–10:38".into())
    );
    assert_eq!(
        text_at(NESTED, &spans, 0, "Users[1].Arn"),
        "\"arn:aws:iam::012345678901:user/déploiement\""
    );
    assert_eq!(
        at("Users[1].Tags[\"cost.center\"]"),
        ("17:51–17:54".into(), "17:36–17:48".into())
    );
    assert_eq!(at("Empty"), ("21:12–21:13".into(), "21:3–21:9".into()));
    let value = &parsed.document.values()[0];
    assert_eq!(value["Users"][1]["UserName"], json!("déploiement"));
    // Beyond u64: f64, as serde_json does.
    assert_eq!(value["Count"], json!(18_446_744_073_709_551_616_f64));
}

#[test]
fn json_errors_carry_offset_line_and_column() {
    let cases = [
        ("{\"a\": 1} x", DocumentErrorKind::Syntax, 9, (1, 10)),
        ("{\"a\": \"\\q\"}", DocumentErrorKind::Syntax, 7, (1, 8)),
        ("[1,\n 2,\n]", DocumentErrorKind::Syntax, 8, (3, 1)),
        ("{\"a\": 01}", DocumentErrorKind::Syntax, 7, (1, 8)),
        ("[\"\\ud800\"]", DocumentErrorKind::Syntax, 8, (1, 9)),
        ("", DocumentErrorKind::Syntax, 0, (1, 1)),
    ];
    for (text, kind, offset, (line, column)) in cases {
        let parsed = Document::parse_json(text, &Limits::default());
        let [error] = &parsed.errors[..] else {
            panic!("{text:?}: {:?}", parsed.errors);
        };
        assert_eq!(
            (error.kind, error.offset, error.span.line, error.span.column),
            (kind, offset, line, column),
            "{text:?}: {error}"
        );
        assert!(parsed.document.values().is_empty());
        assert!(parsed.is_truncated());
    }
}

#[test]
fn duplicate_keys_keep_the_last_value_and_are_reported() {
    let parsed = Document::parse_json("{\"a\": 1,\n \"a\": 2}", &Limits::default());
    assert_eq!(parsed.document.values(), [json!({"a": 2})]);
    let [error] = &parsed.errors[..] else {
        panic!("{:?}", parsed.errors);
    };
    assert_eq!(
        (error.kind, error.span.line, error.span.column),
        (DocumentErrorKind::Duplicate, 2, 2)
    );
    assert!(!parsed.is_truncated());
    assert_eq!(
        show(parsed.document.spans().locate(0, &route("a")).unwrap().key),
        "2:2–2:4"
    );

    let parsed = Document::parse_yaml("a: 1\nb: 2\na: 3\n", &Limits::default());
    assert_eq!(parsed.document.values(), [json!({"a": 3, "b": 2})]);
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.errors[0].kind, DocumentErrorKind::Duplicate);
    assert_eq!(parsed.errors[0].span.line, 3);
    assert_eq!(locate(&parsed.document.spans(), 0, "a").0, "3:4–3:4");
}

#[test]
fn yaml_syntax_error_keeps_the_documents_before_it() {
    let parsed = Document::parse_yaml("a: 1\n---\nb: [1, 2\n", &Limits::default());
    assert_eq!(parsed.document.values(), [json!({"a": 1})]);
    let [error] = &parsed.errors[..] else {
        panic!("{:?}", parsed.errors);
    };
    assert_eq!(error.kind, DocumentErrorKind::Syntax);
    assert!(error.span.line >= 3, "{error}");
}

#[test]
fn yaml_scalars_follow_the_core_schema() {
    let text = "[on, off, yes, true, False, ~, null, '', 12, -7, +3, 0, 0123, 0x1F, 0o17, 1.5, .5, \
                1e3, .inf, 99999999999999999999, 1_000, '5', !!str 7, \"x\", 0x+1F, 0x, 00.5]";
    let parsed = Document::parse_yaml(text, &Limits::default());
    assert_eq!(parsed.errors, vec![]);
    assert_eq!(
        parsed.document.values(),
        [json!([
            "on", "off", "yes", true, false, null, null, "", 12, -7, 3, 0, "0123", 31, 15, 1.5,
            0.5, 1000.0, ".inf", 1e20, "1_000", "5", "7", "x", "0x+1F", "0x", "00.5"
        ])]
    );
}

#[test]
fn yaml_keys_are_stringified_and_merge_lists_prefer_earlier_maps() {
    let text = "a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n  y: 3\n1: one\ntrue: yes\n? [k]\n: v\n";
    let parsed = Document::parse_yaml(text, &Limits::default());
    assert_eq!(parsed.errors, vec![]);
    let value = &parsed.document.values()[0];
    assert_eq!(value["c"], json!({"x": 1, "z": 2, "y": 3}));
    assert_eq!(value["1"], json!("one"));
    assert_eq!(value["true"], json!("yes"));
    assert_eq!(value["[\"k\"]"], json!("v"));
    let spans = parsed.document.spans();
    assert_eq!(locate(&spans, 0, "c.x").0, "1:11–1:11");
    assert_eq!(locate(&spans, 0, "c.z").0, "2:17–2:17");
    assert_eq!(locate(&spans, 0, "c.y").0, "5:6–5:6");
}

#[test]
fn non_ascii_yaml_offsets_are_bytes_and_columns_are_characters() {
    let text = "é: ü # ç\nk: \"ß\"   # ö\n";
    let parsed = Document::parse_yaml(text, &Limits::default());
    let spans = parsed.document.spans();
    assert_eq!(locate(&spans, 0, "k"), ("2:4–2:6".into(), "2:1–2:1".into()));
    assert_eq!(text_at(text, &spans, 0, "k"), "\"ß\"");
    assert_eq!(text_at(text, &spans, 0, "é"), "ü");
}

#[test]
fn route_display_quotes_awkward_keys() {
    let r = Route(route("jobs.build.steps[3].with.aws-access-key-id"));
    assert_eq!(r.to_string(), "jobs.build.steps[3].with.aws-access-key-id");
    let r = Route(vec![
        "a".into(),
        "x.y".into(),
        "".into(),
        0.into(),
        "say \"hi\"".into(),
    ]);
    assert_eq!(r.to_string(), r#"a["x.y"][""][0]["say \"hi\""]"#);
    assert_eq!(Route(vec![Step::Index(2), "k".into()]).to_string(), "[2].k");
}

#[test]
fn an_alias_bomb_stops_at_the_node_budget() {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let parsed = Document::parse_yaml(&text, &Limits::default());
    let error = parsed.errors.last().unwrap();
    assert_eq!(error.kind, DocumentErrorKind::Limit, "{error}");
    assert!(parsed.document.values().is_empty());
}

#[test]
fn deep_nesting_stops_at_max_depth_without_recursion() {
    let n = 100_000;
    let flow = "[".repeat(n);
    let json = Document::parse_json(&flow, &Limits::default());
    let yaml = Document::parse_yaml(&flow, &Limits::default());
    let mut block = String::new();
    for depth in 0..n {
        block.push_str(&" ".repeat(depth % 1000));
        block.push_str("a:\n");
    }
    let block = Document::parse_yaml(&block, &Limits::default());
    for (parsed, max) in [(json, "256"), (yaml, "255"), (block, "256")] {
        let error = parsed.errors.last().unwrap();
        assert_eq!(error.kind, DocumentErrorKind::Limit, "{error}");
        assert!(error.message.as_str().contains(max), "{error}");
    }
    // Exactly at the limit parses.
    let flow = |n| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert_eq!(
        Document::parse_json(&flow(256), &Limits::default()).errors,
        vec![]
    );
    assert_eq!(
        Document::parse_yaml(&flow(255), &Limits::default()).errors,
        vec![]
    );
    let block: String = (0..256).map(|d| format!("{}a:\n", " ".repeat(d))).collect();
    let parsed = Document::parse_yaml(&block, &Limits::default());
    assert_eq!(parsed.errors, vec![]);
    let deepest = vec![Step::from("a"); 256];
    assert_eq!(
        parsed.document.spans().locate(0, &deepest).unwrap().depth,
        256
    );
    let deeper = format!("{block}{}a:\n", " ".repeat(256));
    let error = &Document::parse_yaml(&deeper, &Limits::default()).errors[0];
    assert_eq!(error.kind, DocumentErrorKind::Limit);
}

/// Every node of every document lies inside the text, on character boundaries.
fn assert_sane(text: &str, parsed: &Parsed) {
    let spans = parsed.document.spans();
    assert_eq!(spans.documents(), parsed.document.values().len());
    let ok = |at: usize| at <= text.len() && text.is_char_boundary(at);
    for node in &spans.arena.nodes {
        assert!(
            node.start <= node.end && ok(node.start) && ok(node.end),
            "{text:?}"
        );
    }
    for e in &spans.arena.entries {
        assert!(e.key_start <= e.key_end && ok(e.key_start) && ok(e.key_end));
        assert!((e.value as usize) < spans.arena.nodes.len());
    }
    for error in &parsed.errors {
        assert!(ok(error.offset), "{text:?}: {error}");
    }
}

#[test]
fn truncated_and_mutated_inputs_never_panic() {
    let samples = [
        MULTI,
        NESTED,
        "a: &x [1, {b: *x}]\n? c\n: |\n  d\n--- !t\n- 'e''f'\n- \"g\\\"\"\n...\n",
        "{\"a\": [1.5e3, -0, true, null, \"\\u00e9\\ud83d\\ude00\"]}",
    ];
    let swaps = [
        "\"", "'", "[", "]", "{", "}", ":", ",", "-", "&", "*", "!", "#", "\\", "\n", " ", "é",
    ];
    let limits = Limits::default();
    let check = |text: &str| {
        assert_sane(text, &Document::parse_yaml(text, &limits));
        assert_sane(text, &Document::parse_json(text, &limits));
    };
    for sample in samples {
        let cuts: Vec<usize> = sample.char_indices().map(|(i, _)| i).collect();
        for &cut in &cuts {
            check(&sample[..cut]);
        }
        for (n, &at) in cuts.iter().enumerate() {
            let next = cuts.get(n + 1).copied().unwrap_or(sample.len());
            let swap = swaps[n % swaps.len()];
            check(&format!("{}{}{}", &sample[..at], swap, &sample[next..]));
        }
    }
}

/// An IAM-export-like JSON text of about `bytes` bytes, pretty-printed.
fn big_json(bytes: usize) -> String {
    let mut users = Vec::new();
    let mut size = 0;
    let mut i = 0;
    while size < bytes {
        let user = json!({
            "UserName": format!("user-{i}"),
            "Arn": format!("arn:aws:iam::012345678901:user/user-{i}"),
            "CreateDate": "2024-01-02T03:04:05Z",
            "AttachedManagedPolicies": [{"PolicyName": "ReadOnly", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
            "AccessKeys": [{"AccessKeyId": format!("AKIA{i:016}"), "Status": "Active", "LastUsed": i}],
            "Tags": {"team": "platform", "cost.center": i % 97},
        });
        size += user.to_string().len() + 40;
        users.push(user);
        i += 1;
    }
    serde_json::to_string_pretty(&json!({ "UserDetailList": users })).unwrap()
}

/// `cargo test --release --lib parse_speed -- --ignored --nocapture`: best of five runs.
#[test]
#[ignore = "a measurement, run in release"]
fn parse_speed() {
    let json = big_json(5 << 20);
    let users = serde_json::from_str::<Value>(&json).unwrap();
    let mut yaml = String::new();
    for user in users["UserDetailList"].as_array().unwrap() {
        yaml.push_str("---\n");
        yaml.push_str(&serde_yaml::to_string(user).unwrap());
    }
    let limits = Limits::default();
    let mut out = std::io::stdout().lock();
    let mut report = |what: &str, text: &str, f: &dyn Fn()| {
        let took = (0..5)
            .map(|_| {
                let started = Instant::now();
                f();
                started.elapsed()
            })
            .min()
            .unwrap();
        let mb = text.len() as f64 / 1e6;
        let rate = mb / took.as_secs_f64();
        writeln!(out, "{what:<11} {mb:.1} MB in {took:.0?}: {rate:.0} MB/s").unwrap();
    };
    report("parse_json", &json, &|| {
        assert!(Document::parse_json(&json, &limits).errors.is_empty());
    });
    report("serde_json", &json, &|| {
        serde_json::from_str::<Value>(&json).unwrap();
    });
    report("parse_yaml", &yaml, &|| {
        assert!(Document::parse_yaml(&yaml, &limits).errors.is_empty());
    });
    report("serde_yaml", &yaml, &|| {
        for document in serde_yaml::Deserializer::from_str(&yaml) {
            serde::Deserialize::deserialize(document)
                .map(|_: Value| ())
                .unwrap();
        }
    });
    let spans = Document::parse_json(&json, &limits).document.spans();
    let routes: Vec<Vec<Step>> = (0..10_000)
        .map(|i| route(&format!("UserDetailList[{i}].AccessKeys[0].AccessKeyId")))
        .collect();
    let started = Instant::now();
    for r in &routes {
        assert!(spans.locate(0, r).is_some());
    }
    let took = started.elapsed();
    writeln!(out, "locate      10000 routes in {took:.1?}").unwrap();
}

#[test]
fn keys_that_differ_from_their_text_are_found() {
    let parsed = Document::parse_json(r#"{"a\u002eb": 1, "c\"d": 2, "e": 3}"#, &Limits::default());
    let spans = parsed.document.spans();
    assert_eq!(
        locate(&spans, 0, "[\"a.b\"]"),
        ("1:14–1:14".into(), "1:2–1:11".into())
    );
    let quoted = vec![Step::from("c\"d")];
    assert_eq!(show(spans.locate(0, &quoted).unwrap().key), "1:17–1:22");
    assert_eq!(locate(&spans, 0, "e").0, "1:33–1:33");

    let text = "k: &k name\n'it''s': 1\n\"t\\tab\": 2\n*k : 3\n";
    let parsed = Document::parse_yaml(text, &Limits::default());
    assert_eq!(parsed.errors, vec![]);
    let spans = parsed.document.spans();
    assert_eq!(
        show(spans.locate(0, &["it's".into()]).unwrap().key),
        "2:1–2:7"
    );
    assert_eq!(
        show(spans.locate(0, &["t\tab".into()]).unwrap().key),
        "3:1–3:7"
    );
    assert_eq!(
        locate(&spans, 0, "name"),
        ("4:6–4:6".into(), "4:1–4:2".into())
    );
}

#[test]
fn long_non_ascii_lines_stay_linear() {
    let items: Vec<String> = (0..50_000).map(|i| format!("\"é{i}\"")).collect();
    let line = format!("[{}]", items.join(", "));
    for parsed in [
        Document::parse_json(&line, &Limits::default()),
        Document::parse_yaml(&line, &Limits::default()),
    ] {
        assert_eq!(parsed.errors, vec![]);
        let spans = parsed.document.spans();
        for i in (0..50_000).step_by(50) {
            let located = spans.locate(0, &[Step::Index(i)]).unwrap();
            let column = located.value.span.column as usize;
            assert_eq!(&line[located.value.start..located.value.end], items[i]);
            assert_eq!(column, line[..located.value.start].chars().count() + 1);
        }
    }
}

#[test]
fn crlf_and_byte_order_marks_keep_offsets_exact() {
    let text = "\u{feff}a: 1\r\nb:\r\n  - x\r\n  - \"y\"\r\nc: |\r\n  z\r\n";
    let parsed = Document::parse_yaml(text, &Limits::default());
    assert_eq!(parsed.errors, vec![]);
    let spans = parsed.document.spans();
    assert_eq!(text_at(text, &spans, 0, "b[1]"), "\"y\"");
    assert_eq!(locate(&spans, 0, "b[1]").0, "4:5–4:7");
    assert_eq!(text_at(text, &spans, 0, "c"), "z");
    assert_eq!(text_at(text, &spans, 0, "a"), "1");

    let text = "\u{feff}{\"a\": [1,\r\n 2]}";
    let parsed = Document::parse_json(text, &Limits::default());
    assert_eq!(parsed.errors, vec![]);
    assert_eq!(locate(&parsed.document.spans(), 0, "a[1]").0, "2:2–2:2");
}

/// Issue 6, item 1: a parse error about a secret quotes it redacted.
#[test]
fn errors_quote_input_text_redacted() {
    let token = "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";
    let inputs = [
        format!("{token}: 1\n{token}: 2\n"),
        format!("a: {token}\n{token}: [\n"),
        format!("a: \"{token}\n"),
        format!("%{token} x\n---\na: 1\n"),
        format!("a: !<{token}> 1\n  b: 2\n"),
    ];
    for yaml in &inputs {
        let parsed = Document::parse_yaml(yaml, &Limits::default());
        for error in &parsed.errors {
            assert!(!error.to_string().contains(token), "{error}");
        }
    }
    let json = format!(r#"{{"{token}": 1, "{token}": 2, "b": {token}}}"#);
    let parsed = Document::parse_json(&json, &Limits::default());
    assert!(!parsed.errors.is_empty());
    for error in &parsed.errors {
        assert!(!error.to_string().contains(token), "{error}");
    }
}
