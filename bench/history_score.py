"""Scores one tool's report on the git-history benchmark and prints its markdown table row.

A planted secret counts as found by the rule of ../shared/bench/bench_history.py (a finding
in one of its paths whose text contains the value prefix or whose lines overlap the planted
lines); "deleted" are the planted secrets not in the tree of main's HEAD (removed again, or
only on the unmerged branch). nhiscan's evidence is redacted, so its findings count by lines.
"""

import argparse
import json
import statistics
import sys


def nhiscan_findings(path, history):
    with open(path) as f:
        doc = json.load(f)
    prefix = history.rstrip("/") + "/"
    out = []
    for d in doc["findings"]:
        loc = d["location"]
        p = loc["path"]
        p = p[len(prefix):] if p.startswith(prefix) else p
        line = loc.get("line", 0)
        out.append((p, line, loc.get("end_line", line), d["evidence"], d["code"]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--history", required=True)
    ap.add_argument("--tool", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--times", required=True)
    ap.add_argument("--blob-mb", type=float, required=True)
    ap.add_argument("--misses")
    a = ap.parse_args()
    sys.path.insert(0, a.shared)
    import bench_history

    rows = [list(map(float, l.split())) for l in open(a.times) if l.strip()]
    wall = [r[0] for r in rows]
    cpu = [r[1] + r[2] for r in rows]
    rss = [r[3] / 1024 for r in rows]
    m = statistics.median(wall)
    found = deleted = outside = "–"
    if a.tool in ("nhiscan", "kingfisher", "gitleaks", "betterleaks"):
        truth = []
        with open(a.truth) as f:
            hdr = next(f).rstrip("\n").split("\t")
            for row in f:
                t = dict(zip(hdr, row.rstrip("\n").split("\t")))
                t["paths"] = {t["path"]} | (set(t["other_paths"].split(",")) - {"-"})
                truth.append(t)
        if a.tool == "nhiscan":
            fs = nhiscan_findings(a.report, a.history)
        else:
            fs = bench_history.findings(a.tool, a.report)

        def hit(t, f):
            p, s, e, text, _ = f
            if p not in t["paths"]:
                return False
            return t["value_prefix"] in text or (s <= int(t["end_line"]) and int(t["line"]) <= max(e, s))

        hits = [t for t in truth if any(hit(t, f) for f in fs)]
        gone = [t for t in truth if t["at_head"] != "yes"]
        found = f"{len(hits)}/{len(truth)}"
        deleted = f"{sum(1 for t in gone if t in hits)}/{len(gone)}"
        outside = str(len({(f[0], f[1], f[4]) for f in fs if not any(hit(t, f) for t in truth)}))
        if a.misses:
            with open(a.misses, "w") as out:
                for t in truth:
                    if t not in hits:
                        print(t["kind"], t["path"], t["line"], t["commit"], t["branch"], t["at_head"], file=out)
    print(f"| {a.tool} | {m:.2f} ({min(wall):.2f}) | {statistics.median(cpu):.2f} | "
          f"{a.blob_mb / m:.0f} | {statistics.median(rss):.0f} | {found} | {deleted} | {outside} |")


if __name__ == "__main__":
    main()
