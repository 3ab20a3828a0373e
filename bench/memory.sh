#!/usr/bin/env bash
# Memory benchmark (issue 6, item 4): peak RSS and wall time of the release binary on
#   1. a credential report of ROWS rows (default 1,000,000), every row an old active key
#      of a user without MFA (several findings per row);
#   2. a text file with OCCURRENCES (default 1,000,000) copies of one GitHub token, one a line.
# Inputs are generated under $BENCH_TMP (default a fresh mktemp -d) and removed afterwards.
#
#   bench/memory.sh [--no-build] [--rows N] [--occurrences N] [--jobs N]
#
# Needs: cargo, python3, /usr/bin/time (GNU time, for -v). Target: < 500 MB and < 30 s each
# on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
rows=1000000
occurrences=1000000
jobs=2
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0 ;;
        --rows) rows="$2"; shift ;;
        --occurrences) occurrences="$2"; shift ;;
        --jobs) jobs="$2"; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if [ "$build" = 1 ]; then
    cargo build --release --quiet
fi
bin=target/release/nhiscan
work="${BENCH_TMP:-$(mktemp -d)}"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/report" "$work/tokens"

python3 - "$work" "$rows" "$occurrences" <<'PY'
import sys
work, rows, occurrences = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
header = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
          "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
          "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
          "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
          "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
          "cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n")
with open(f"{work}/report/credential-report.csv", "w") as out:
    out.write(header)
    for i in range(rows):
        out.write(f"svc-{i:07d},arn:aws:iam::123456789012:user/svc-{i:07d},2022-01-01T00:00:00+00:00,"
                  "true,2026-11-01T00:00:00+00:00,2023-01-01T00:00:00+00:00,N/A,false,true,"
                  "2024-01-01T00:00:00+00:00,2026-11-20T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,"
                  "false,N/A,false,N/A\n")
with open(f"{work}/tokens/tokens.txt", "w") as out:
    line = "token = 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\n"
    out.write(line * occurrences)
PY

measure() {
    local name="$1"; shift
    local log="$work/$name.time"
    local code=0
    /usr/bin/time -v "$bin" scan "$@" >/dev/null 2>"$log" || code=$?
    local rss wall
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    wall=$(awk -F': ' '/Elapsed \(wall clock\) time/ {print $2}' "$log")
    printf '| %s | %s | %d MB | exit %s |\n' "$name" "$wall" "$((rss / 1024))" "$code"
}

echo "| input | wall | peak RSS | |"
echo "|---|---|---|---|"
measure "credential report, $rows rows ($(du -h "$work/report/credential-report.csv" | cut -f1))" \
    "$work/report" --now 2026-11-23T00:00:00Z --format json --jobs "$jobs" --output "$work/out1.json"
measure "one token x $occurrences ($(du -h "$work/tokens/tokens.txt" | cut -f1))" \
    "$work/tokens" --now 2026-11-23T00:00:00Z --format json --jobs "$jobs" --output "$work/out2.json"
for out in out1 out2; do
    python3 - "$work/$out.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print(f"{sys.argv[1].rsplit('/', 1)[1]}: {len(report['findings'])} findings, "
      f"{len(report['errors'])} errors, summary.findings={report['summary']['findings']}")
PY
done
