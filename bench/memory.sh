#!/usr/bin/env bash
# Memory benchmark (issue 6, item 4): peak RSS, wall and user time of the release binary on
#   1. a credential report of ROWS rows (default 1,000,000): every row a user without MFA
#      whose access key was last rotated in 2024 (AWS rules fire on every row);
#   2. a text file with OCCURRENCES (default 1,000,000) copies of one GitHub token, one a line;
#   3. (--distinct) a text file with OCCURRENCES distinct GitHub tokens (valid checksums).
# Each input is scanned with --format json (the report with its inventory) and --format jsonl
# (findings and errors, no inventory), with --max-file-size 1GiB: a million-row report is
# 260 MB, past the default 50 MiB under which files are read whole by their adapters.
#
#   bench/memory.sh [--no-build] [--rows N] [--occurrences N] [--jobs N] [--distinct]
#                   [--formats json,jsonl] [--bin PATH]
#
# Inputs are generated deterministically (no randomness) under $BENCH_MEMORY_DIR (default
# target/bench-memory) and reused when present; reports go to $TMPDIR and are removed.
# Needs: cargo, python3, GNU time (/usr/bin/time -v). Target: < 500 MB and < 30 s each on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
rows=1000000
occurrences=1000000
jobs=2
distinct=0
formats=json,jsonl
bin=target/release/nhiscan
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0 ;;
        --rows) rows="$2"; shift ;;
        --occurrences) occurrences="$2"; shift ;;
        --jobs) jobs="$2"; shift ;;
        --distinct) distinct=1 ;;
        --formats) formats="$2"; shift ;;
        --bin) bin="$2"; build=0; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if [ "$build" = 1 ]; then
    cargo build --release --quiet
fi
inputs="${BENCH_MEMORY_DIR:-target/bench-memory}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
report="$inputs/report-$rows"
same="$inputs/same-$occurrences"
many="$inputs/distinct-$occurrences"
mkdir -p "$report" "$same" "$many"

python3 - "$report" "$same" "$many" "$rows" "$occurrences" "$distinct" <<'PY'
import os, sys, zlib
report, same, many = sys.argv[1:4]
rows, occurrences, distinct = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6] == "1"
header = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
          "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
          "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
          "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
          "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
          "cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n")
path = f"{report}/credential-report.csv"
if not os.path.exists(path):
    with open(path + ".tmp", "w") as f:
        f.write(header)
        for i in range(rows):
            f.write(f"svc-{i:07d},arn:aws:iam::123456789012:user/svc-{i:07d},2022-01-01T00:00:00+00:00,"
                    "true,2026-11-01T00:00:00+00:00,2023-01-01T00:00:00+00:00,N/A,false,true,"
                    "2024-01-01T00:00:00+00:00,2026-11-20T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,"
                    "false,N/A,false,N/A\n")
    os.rename(path + ".tmp", path)
path = f"{same}/tokens.txt"
if not os.path.exists(path):
    with open(path + ".tmp", "w") as f:
        f.write("token = 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\n" * occurrences)
    os.rename(path + ".tmp", path)
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
def b62(n, width):
    s = ""
    for _ in range(width):
        n, r = divmod(n, 62)
        s = B62[r] + s
    return s
path = f"{many}/tokens.txt"
if distinct and not os.path.exists(path):
    with open(path + ".tmp", "w") as f:
        for i in range(occurrences):
            # 30 characters that differ per line and mix upper, lower and digits (entropy)
            body = (b62(i * 2654435761 % 62**8, 8) + "Lw0ZbN4xVt6Km1Ps9Hd3Fj")[:30]
            f.write(f"token = ghp_{body}{b62(zlib.crc32(body.encode()), 6)}\n")
    os.rename(path + ".tmp", path)
PY

measure() {
    local name="$1" format="$2"; shift 2
    local log="$out/time.log" code=0
    /usr/bin/time -v "$bin" scan "$@" --now 2026-11-23T00:00:00Z --jobs "$jobs" \
        --fail-on never --max-file-size 1GiB --format "$format" --output "$out/report.$format" \
        2>"$log" || code=$?
    local rss wall user findings
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    wall=$(awk -F': ' '/Elapsed \(wall clock\) time/ {print $2}' "$log")
    user=$(awk -F': ' '/User time \(seconds\)/ {print $2}' "$log")
    findings=$(python3 - "$out/report.$format" "$format" <<'PY'
import json, sys
path, fmt = sys.argv[1], sys.argv[2]
try:
    if fmt == "json":
        doc = json.load(open(path))
        summary, found = doc["summary"], doc["findings"]
    else:
        lines = [json.loads(l) for l in open(path)]
        summary = lines[-1]["summary"]
        found = [l for l in lines if l["type"] == "finding"]
    places = sum(f.get("occurrences", 1) for f in found)
    print(f"{summary['findings']} findings ({places} places), {summary['errors']} errors")
except Exception as e:
    print(f"unreadable report: {e}")
PY
)
    printf '| %s | %s | %s | %s s | %s s | %d MB | %s | exit %s |\n' \
        "$name" "$(du -h "$1" | cut -f1)" "$format" "$wall" "$user" "$((rss / 1024))" "$findings" "$code"
    rm -f "$out/report.$format"
}

echo "| input | size | format | wall | user | peak RSS | report | |"
echo "|---|---|---|---|---|---|---|---|"
for format in ${formats//,/ }; do
    measure "credential report, $rows rows" "$format" "$report"
    measure "one token x $occurrences" "$format" "$same"
    if [ "$distinct" = 1 ]; then
        measure "$occurrences distinct tokens" "$format" "$many"
    fi
done
