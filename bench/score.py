#!/usr/bin/env python3
"""Score scanners' outputs against a benchmark truth file; render the results table.
python3 >= 3.8, stdlib only. Used by bench/run.sh.

  score.py score --tool TOOL --corpus DIR --truth TRUTH.tsv [--samples N] OUTPUT > TOOL.score.json
  score.py table --corpus-bytes N RESULTS_DIR > table.md

TOOL is the output format: nhiscan (json document or jsonl), kingfisher (json), gitleaks
(json), betterleaks (json) or ripgrep (`rg -n -o --no-heading` lines: path:line:match).
TRUTH.tsv is the file written by ../shared/bench/bench_corpus.py: `file line end_line kind
value_prefix`, paths relative to the corpus.

A planted secret counts as found when the tool reports a finding in the same file whose
lines overlap the planted lines (the README's definition). Findings that overlap no planted
secret are reported as "unmatched" (possible false positives, or real secrets that the
source packages ship, e.g. test keys), grouped by the tool's rule code.

`score` prints one JSON object on stdout:
  {tool, findings, found, total, per_kind: {kind: [found, total]}, missed: [truth rows],
   unmatched: n, unmatched_by_code: {code: n}, unmatched_samples: {code: [[path, line, what]]},
   unmatched_files: {code: {path: n}} (top 5),
   nhiscan only: unmatched_secret (SEC* codes only), right_code: {kind: [n, total]}, aws_paired: {ext: [paired, total]}}

`table` reads RESULTS_DIR/TOOL.score.json, TOOL.runs.tsv (one line per run: wall seconds,
peak RSS KiB, exit code) and TOOL.version, and prints the markdown tables for bench/README.md.
"""
import argparse
import collections
import json
import os
import re
import statistics
import sys

# The nhiscan detector that should report each planted kind.
EXPECTED_CODE = {
    "aws_key_pair": "SEC001",
    "github_pat": "SEC003",
    "github_pat_in_workflow": "SEC003",
    "slack_token": "SEC004",
    "rsa_private_key": "SEC002",
    "gcp_sa_key": "GCP001",  # one finding naming the service account (issue 7)
}


class F:
    """One finding, reduced to what scoring needs."""

    __slots__ = ("path", "line", "end_line", "code", "what", "extra")

    def __init__(self, path, line, end_line, code, what="", extra=None):
        self.path, self.line = path, int(line)
        self.end_line = int(end_line) if end_line else self.line
        self.code, self.what, self.extra = code, what, extra or {}


def load_json_any(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return json.loads(text) if text.strip() else []
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def parse_nhiscan(path):
    data = load_json_any(path)
    items = data["findings"] if isinstance(data, dict) else [d for d in data if d.get("type") == "finding"]
    out = []
    for f in items:
        loc = f.get("location") or {}
        if not loc.get("path") or not loc.get("line"):
            continue
        out.append(F(loc["path"], loc["line"], loc.get("end_line"), f["code"],
                     (f.get("subject") or {}).get("name", ""),
                     {"confidence": f.get("confidence")}))
    return out


def parse_kingfisher(path):
    data = load_json_any(path)
    items = data.get("findings", []) if isinstance(data, dict) else data
    out = []
    for f in items:
        fd, rule = f.get("finding", {}), f.get("rule", {})
        if fd.get("path") and fd.get("line"):
            out.append(F(fd["path"], fd["line"], None, rule.get("id", "?"), redact(fd.get("snippet", ""))))
    return out


def parse_gitleaks(path):
    out = []
    for f in load_json_any(path) or []:
        out.append(F(f["File"], f["StartLine"], f.get("EndLine"), f.get("RuleID", "?"), redact(f.get("Secret", ""))))
    return out


def parse_betterleaks(path):
    data = load_json_any(path)
    items = data.get("findings", []) if isinstance(data, dict) else data
    out = []
    for f in items or []:
        loc = f.get("location", {})
        out.append(F(loc["path"], loc["start_line"], loc.get("end_line"), f.get("rule_id", "?"),
                     redact((f.get("match") or {}).get("value", ""))))
    return out


RG_LINE = re.compile(r"^(.*?):(\d+):(.*)$")


def parse_ripgrep(path):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = RG_LINE.match(line.rstrip("\n"))
            if m:
                out.append(F(m.group(1), m.group(2), None, "rg", redact(m.group(3))))
    return out


PARSERS = {"nhiscan": parse_nhiscan, "kingfisher": parse_kingfisher, "gitleaks": parse_gitleaks,
           "betterleaks": parse_betterleaks, "ripgrep": parse_ripgrep}


def redact(s):
    s = s.strip()
    return s if len(s) <= 10 else f"{s[:6]}…{s[-2:]}"


def relpath(p, corpus):
    if os.path.isabs(p):
        return os.path.relpath(p, corpus)
    # a relative path as the tool printed it: relative to the cwd it ran in, or already to the corpus
    ap = os.path.abspath(p)
    if ap.startswith(corpus + os.sep):
        return os.path.relpath(ap, corpus)
    return os.path.normpath(p)


def read_truth(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            fn, a, b, kind, prefix = line.rstrip("\n").split("\t")
            rows.append((fn, int(a), int(b), kind, prefix))
    return rows


def score(tool, output, corpus, truth_path, samples):
    corpus = os.path.abspath(corpus)
    findings = PARSERS[tool](output)
    by_file = collections.defaultdict(list)
    for f in findings:
        f.path = relpath(f.path, corpus)
        by_file[f.path].append(f)
    truth = read_truth(truth_path)
    per_kind = collections.defaultdict(lambda: [0, 0])
    right_code = collections.defaultdict(lambda: [0, 0])
    aws_paired = collections.defaultdict(lambda: [0, 0])
    matched, missed = set(), []
    for fn, a, b, kind, prefix in truth:
        hits = [f for f in by_file.get(fn, ()) if f.line <= b and f.end_line >= a]
        per_kind[kind][1] += 1
        right_code[kind][1] += 1
        matched.update(id(f) for f in hits)
        if hits:
            per_kind[kind][0] += 1
        else:
            missed.append({"file": fn, "line": a, "end_line": b, "kind": kind, "prefix": prefix[:8] + "…"})
        if tool == "nhiscan":
            good = [f for f in hits if f.code == EXPECTED_CODE.get(kind)]
            right_code[kind][0] += bool(good)
            if kind == "aws_key_pair" and good:
                ext = fn.rsplit(".", 1)[-1]
                aws_paired[ext][1] += 1
                aws_paired[ext][0] += any(f.extra.get("confidence") == "high" for f in good)
    unmatched = [f for f in findings if id(f) not in matched]
    by_code = collections.Counter(f.code for f in unmatched)
    sample = collections.defaultdict(list)
    for f in sorted(unmatched, key=lambda f: (f.code, f.path, f.line)):
        if len(sample[f.code]) < samples:
            sample[f.code].append([f.path, f.line, f.what])
    files = collections.defaultdict(collections.Counter)
    for f in unmatched:
        files[f.code][f.path] += 1
    res = {
        "tool": tool,
        "findings": len(findings),
        "found": sum(v[0] for v in per_kind.values()),
        "total": len(truth),
        "per_kind": dict(sorted(per_kind.items())),
        "missed": missed,
        "unmatched": len(unmatched),
        "unmatched_by_code": dict(by_code.most_common()),
        "unmatched_samples": dict(sorted(sample.items())),
        "unmatched_files": {c: dict(n.most_common(5)) for c, n in sorted(files.items())},
    }
    if tool == "nhiscan":
        res["unmatched_secret"] = sum(n for c, n in by_code.items() if c.startswith("SEC"))
        res["right_code"] = dict(sorted(right_code.items()))
        res["aws_paired"] = dict(sorted(aws_paired.items()))
    return res


TOOL_ORDER = ["ripgrep", "nhiscan", "kingfisher", "betterleaks", "gitleaks"]
KIND_SHORT = [("aws_key_pair", "AWS pair"), ("github_pat", "GitHub PAT"), ("github_pat_in_workflow", "PAT in workflow"),
              ("slack_token", "Slack"), ("rsa_private_key", "RSA key"), ("gcp_sa_key", "GCP SA key")]


def table(results, corpus_bytes, samples):
    tools = [t for t in TOOL_ORDER if os.path.exists(os.path.join(results, f"{t}.score.json"))]
    mb = corpus_bytes / 1e6
    out = []
    head = ["tool", "wall s (median)", "MB/s", "peak RSS MB", "planted found"] + [k for _, k in KIND_SHORT] + ["unmatched findings"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    scores = {}
    for t in tools:
        with open(os.path.join(results, f"{t}.score.json")) as f:
            sc = scores[t] = json.load(f)
        runs = []
        with open(os.path.join(results, f"{t}.runs.tsv")) as f:
            for line in f:
                w, rss, _rc = line.split()
                runs.append((float(w), int(rss)))
        ver = ""
        vp = os.path.join(results, f"{t}.version")
        if os.path.exists(vp):
            with open(vp) as f:
                ver = f.read().strip()
        wall = statistics.median(w for w, _ in runs)
        rss = max(r for _, r in runs) / 1024
        row = [f"{t} {ver}".strip(), f"{wall:.2f}", f"{mb / wall:.0f}" if wall else "-", f"{rss:.0f}",
               f"{sc['found']}/{sc['total']}"]
        row += ["%d/%d" % tuple(sc["per_kind"].get(k, [0, 0])) for k, _ in KIND_SHORT]
        if "unmatched_secret" in sc:
            row.append(f"{sc['unmatched']} ({sc['unmatched_secret']} SEC; the rest CI and certificate posture)")
        else:
            row.append(str(sc["unmatched"]))
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    out.append(f"Runs per tool: {len(runs) if tools else 0}; corpus {mb:.1f} MB (sum of file sizes). "
               "\"unmatched\": findings that overlap no planted secret (false positives, or real keys the "
               "packages ship as test data).")
    nh = scores.get("nhiscan")
    if nh:
        out.append("")
        out.append("nhiscan, planted secret found by the detector meant for it: " + ", ".join(
            "%s %d/%d" % (name, *nh["right_code"].get(k, [0, 0])) for k, name in KIND_SHORT))
        out.append("")
        out.append("nhiscan, AWS key ids reported with their secret access key paired (confidence high), by file type: "
                   + ", ".join(f".{e} {a}/{b}" for e, (a, b) in nh["aws_paired"].items()))
        for t in tools:
            sc = scores[t]
            out.append("")
            out.append(f"{t}: unmatched findings by rule: " + (", ".join(
                f"{c} {n}" for c, n in sc["unmatched_by_code"].items()) or "none"))
            if t == "nhiscan":
                for code, fl in sc["unmatched_files"].items():
                    if code.startswith("CRT"):
                        out.append(f"  - {code} in " + ", ".join(f"`{p}` ({n})" for p, n in fl.items()))
                for code, rows in sc["unmatched_samples"].items():
                    if code.startswith("CRT"):
                        continue
                    for p, line, what in rows[:samples]:
                        out.append(f"  - {code} `{p}:{line}` {what}")
            if sc["missed"]:
                miss = collections.Counter(m["kind"] for m in sc["missed"])
                out.append(f"{t}: missed by kind: " + ", ".join(f"{k} {n}" for k, n in miss.most_common()))
                if t == "nhiscan":
                    for m in sc["missed"]:
                        out.append(f"  - {m['kind']} `{m['file']}:{m['line']}-{m['end_line']}` {m['prefix']}")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("score")
    s.add_argument("--tool", required=True, choices=sorted(PARSERS))
    s.add_argument("--corpus", required=True)
    s.add_argument("--truth", required=True)
    s.add_argument("--samples", type=int, default=5)
    s.add_argument("output")
    t = sub.add_parser("table")
    t.add_argument("--corpus-bytes", type=int, required=True)
    t.add_argument("--samples", type=int, default=5)
    t.add_argument("results")
    a = ap.parse_args()
    if a.cmd == "score":
        json.dump(score(a.tool, a.output, a.corpus, a.truth, a.samples), sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(table(a.results, a.corpus_bytes, a.samples))


if __name__ == "__main__":
    main()
