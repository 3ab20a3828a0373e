#!/usr/bin/env bash
# Git-history benchmark: `nhiscan scan --git-history` against the git modes of Kingfisher,
# gitleaks and betterleaks on the bare repository that ../shared/bench/make-history.sh builds
# (300 commits, 106 planted secrets, 47 of them removed again and 6 only on an unmerged
# branch). Per tool: median wall time (min) and CPU time of RUNS runs after a warm-up run,
# peak RSS, planted secrets found, the deleted ones found (not at main's HEAD), and findings
# outside the truth. Prints a markdown table.
#
#   bench/history.sh [--runs N] [--tools LIST] [--no-build]
#
#   --runs N      timed runs per tool [3]
#   --tools LIST  comma-separated subset of: nhiscan,cat-file,kingfisher,gitleaks,betterleaks [all]
#   --no-build    use the existing target/release/nhiscan
#
# Env: BENCH_HOME [$HOME/.cache/nhiscan-bench], HISTORY [$BENCH_HOME/history],
#      HISTORY_TRUTH [$HISTORY.truth.tsv], CORES [2], OUT [$BENCH_HOME/results/history].
# The repository is built with ../shared/bench/make-history.sh when missing (after
# make-corpus.sh), the peers come from ../shared/bench/peers.sh; the peers' command lines are
# the ones ../shared/bench/peers-history.sh prints. Nothing is written into the repository.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="$REPO/../shared"
if [ ! -d "$SHARED/bench" ]; then
  echo "skipped: ../shared not found (the history benchmark is built from ../shared/bench)"
  exit 0
fi
SHARED="$(cd "$SHARED" && pwd)"

RUNS=3 TOOLS="nhiscan,cat-file,kingfisher,gitleaks,betterleaks" BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift ;;
    --tools) TOOLS="$2"; shift ;;
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

export BENCH_HOME="${BENCH_HOME:-$HOME/.cache/nhiscan-bench}"
export HISTORY="${HISTORY:-$BENCH_HOME/history}"
export HISTORY_TRUTH="${HISTORY_TRUTH:-$HISTORY.truth.tsv}"
export OUT="${OUT:-$BENCH_HOME/results/history}"
CORES="${CORES:-2}"
log() { printf '== %s\n' "$*" >&2; }

if [ "$BUILD" = 1 ]; then
  log "cargo build --release"
  (cd "$REPO" && cargo build --release --locked --quiet)
fi
NHISCAN="$REPO/target/release/nhiscan"
[ -x "$NHISCAN" ] || { echo "no $NHISCAN (run without --no-build)" >&2; exit 1; }
if [ ! -d "$HISTORY" ] || [ ! -s "$HISTORY_TRUTH" ]; then
  log "building the history repository (make-history.sh)"
  bash "$SHARED/bench/make-history.sh" >&2
fi
mkdir -p "$OUT"

declare -A CMD
CMD[nhiscan]="$NHISCAN scan --git-history $HISTORY --format json --fail-on never --jobs $CORES --now 2026-11-23T00:00:00Z --output $OUT/nhiscan.json"
while IFS= read -r line; do
  tool="${line%%:*}"; CMD[$tool]="$(sed 's/^[^:]*: *//' <<<"$line")"
done < <(bash "$SHARED/bench/peers-history.sh")

PIN=""; command -v taskset >/dev/null && PIN="taskset -c 0-$((CORES - 1))"
BLOB_MB="$(git -C "$HISTORY" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' \
  | awk '$1 == "blob" { s += $2 } END { printf "%.1f", s / 1e6 }')"
echo "history: $HISTORY ($(git -C "$HISTORY" rev-list --all | wc -l) commits, unique blobs $BLOB_MB MB);" \
  "$RUNS runs after a warm-up, $CORES cores; $(date -u +%F)"
echo
echo "| tool | wall s median (min) | CPU s | MB/s | peak RSS MB | found | deleted found | outside |"
echo "|---|---|---|---|---|---|---|---|"
for t in ${TOOLS//,/ }; do
  [ -n "${CMD[$t]:-}" ] || { log "unknown tool $t"; continue; }
  : >"$OUT/$t.times"
  for i in $(seq 0 "$RUNS"); do
    /usr/bin/time -f '%e %U %S %M' -o "$OUT/$t.time" $PIN bash -c "${CMD[$t]}" \
      >"$OUT/$t.stdout" 2>"$OUT/$t.stderr" || true
    [ "$i" -eq 0 ] || tail -n1 "$OUT/$t.time" >>"$OUT/$t.times"
  done
  python3 "$REPO/bench/history_score.py" --shared "$SHARED/bench" --truth "$HISTORY_TRUTH" \
    --history "$HISTORY" --tool "$t" --report "$OUT/$t.json" --times "$OUT/$t.times" \
    --blob-mb "$BLOB_MB" --misses "$OUT/$t.misses"
done
