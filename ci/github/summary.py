#!/usr/bin/env python3
"""Markdown job summary from an nhiscan JSON report (schema 1.x): counts by severity and
the first findings as a table. Used by action.yml; standard library only. Text from the
scan (paths, messages) is escaped, so a file name cannot add markup or links."""
import json
import re
import sys

SEVERITIES = ["critical", "high", "medium", "low", "info"]
SHOWN = 50


def esc(text):
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"[\x00-\x1f\x7f]", " ", text)
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", text)


def main(path):
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    summary = report["summary"]
    active = [f for f in report["findings"] if f.get("suppressed") is None]
    active.sort(key=lambda f: SEVERITIES.index(f["severity"]) if f["severity"] in SEVERITIES else 5)
    verdict = "failed" if summary["failed"] else "passed"
    lines = [
        f"## nhiscan: {summary['findings']} finding(s), {verdict} (fail-on {esc(summary['fail_on'])})",
        "",
        "| " + " | ".join(SEVERITIES) + " | suppressed | input errors |",
        "|" + "---:|" * (len(SEVERITIES) + 2),
        "| " + " | ".join(str(summary["by_severity"].get(s, 0)) for s in SEVERITIES)
        + f" | {summary['suppressed']} | {summary['errors']} |",
        "",
    ]
    if active:
        lines += ["| severity | code | location | message |", "|---|---|---|---|"]
        for f in active[:SHOWN]:
            loc = f["location"]
            where = esc(loc["path"]) + (f":{loc['line']}" if loc.get("line") else "")
            lines.append(f"| {f['severity']} | {esc(f['code'])} | {where} | {esc(f['message'])} |")
        if len(active) > SHOWN:
            lines.append(f"\nand {len(active) - SHOWN} more (see the SARIF results in code scanning).")
    scan = report["scan"]
    lines += ["", f"{scan['files_scanned']} files scanned; policy {esc(report['policy']['version'])}."]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
