#!/usr/bin/env bash
# benches/engines/real.sh — searchward's added cost in front of a real OpenSearch 2.19 node.
#
# Starts, on loopback only:
#   * OpenSearch through tests/engines/run.sh (Java and Maven; dependencies cached in ~/.m2);
#   * an index `bench` of N_DOCS synthetic documents (url, title, body; benches/engines/corpus.py),
#     every 50th with a URL under an entry of lists/urls.txt, and an alias `raw` of the same index;
#   * searchward (release build) with the shipped synthetic lists: `/bench/_search` is an
#     inspected search route (URLs at /_source/url, MD5 at /_source/md5); `/raw/_search` matches
#     no route and passes through uninspected.
# Then runs wrk (fixed connections, a warm-up before each run) in ROUNDS interleaved rounds on:
#   direct             POST /bench/_search to OpenSearch
#   passthrough        POST /raw/_search through searchward (same index, the delist query)
#   delist             POST /bench/_search through searchward, a query whose top hits include
#                      listed URLs
#   clean              POST /bench/_search through searchward, a query whose top hits have no
#                      listed URL
#   passthrough-clean  POST /raw/_search through searchward, the clean query
# and prints requests/s, p50 and p99 (medians over rounds), the latency added over direct,
# searchward's and OpenSearch's CPU time per request (user + system of each process over the
# measured run ÷ requests answered), and two inspected ÷ pass-through ratios, each inspected
# target against the pass-through of the same query (the two queries cost OpenSearch different
# amounts), each the median over rounds of the ratio within a round (the two measured next to
# each other): requests/s, and the CPU both processes spend per request (pass-through's ÷ the
# inspected route's), which a busy shared host disturbs less than it does requests/s. Every other
# round runs the targets in reverse order, so neither side always follows the other. With
# BASELINE=<another searchward binary>, that build runs beside this one (same config) and its
# four targets (suffix `-base`) are measured in the same rounds. Each answer is checked with curl
# before it is loaded (10 hits direct; the delist query loses its listed hits through searchward
# and keeps the rest).
#
# Knobs (environment): N_DOCS=20000 DURATION=10 WARMUP=3 THREADS=1 CONNS=8 ROUNDS=5
#   WORKERS=1 (searchward [server] workers)  NO_BUILD=0  BASELINE= (a searchward binary)
# Usage: benches/engines/real.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N_DOCS=${N_DOCS:-20000}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
THREADS=${THREADS:-1}
CONNS=${CONNS:-8}
ROUNDS=${ROUNDS:-5}
WORKERS=${WORKERS:-1}

say() { printf '%s\n' "$*" >&2; }
die() { say "real.sh: $*"; exit 1; }
for t in wrk curl python3 java mvn; do command -v "$t" >/dev/null || die "missing: $t"; done

if [ "${NO_BUILD:-0}" != 1 ]; then
    say "building searchward (release)"
    (cd "$ROOT" && cargo build --release --bin searchward >&2)
fi
SW="${CARGO_TARGET_DIR:-$ROOT/target}/release/searchward"
[ -x "$SW" ] || die "no release binary at $SW"
BASELINE=${BASELINE:-}
[ -z "$BASELINE" ] || [ -x "$BASELINE" ] || die "no binary at BASELINE=$BASELINE"

WORK=$(mktemp -d /tmp/searchward-engines.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_line() { # $1 file, $2 sed expression printing the wanted part, $3 seconds
    local got=""
    for _ in $(seq $(($3 * 10))); do
        got=$(sed -n "$2" "$1")
        [ -n "$got" ] && { echo "$got"; return 0; }
        sleep 0.1
    done
    return 1
}

# --- OpenSearch ---------------------------------------------------------------------------------
say "starting OpenSearch"
started=$(date +%s.%N)
"$ROOT/tests/engines/run.sh" opensearch >"$WORK/engine.out" 2>"$WORK/engine.err" &
OS_PID=$!
PIDS+=("$OS_PID")
OS=$(wait_line "$WORK/engine.out" 's/^listening \(http:\/\/.*\)$/\1/p' 300) \
    || { tail -20 "$WORK/engine.err" >&2; die "OpenSearch did not start"; }
say "OpenSearch at $OS after $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"

curl -sf -XPUT "$OS/bench" -H 'content-type: application/json' -d '{
  "settings": {"number_of_shards": 1, "number_of_replicas": 0},
  "mappings": {"properties": {"url": {"type": "keyword"}, "title": {"type": "text"},
                              "body": {"type": "text"}, "md5": {"type": "keyword"}}}}' >/dev/null \
    || die "could not create the index"
say "loading $N_DOCS documents"
python3 "$ROOT/benches/engines/corpus.py" "$N_DOCS" bench "$ROOT/lists/terms.txt" >"$WORK/bulk.ndjson"
split -l 4000 "$WORK/bulk.ndjson" "$WORK/bulk-part."
for part in "$WORK"/bulk-part.*; do
    curl -sf -XPOST "$OS/_bulk" -H 'content-type: application/x-ndjson' --data-binary "@$part" \
        | python3 -c 'import json,sys; r=json.load(sys.stdin); sys.exit(1 if r["errors"] else 0)' \
        || die "bulk load failed"
done
curl -sf -XPOST "$OS/bench/_refresh" >/dev/null
curl -sf -XPOST "$OS/_aliases" -H 'content-type: application/json' \
    -d '{"actions": [{"add": {"index": "bench", "alias": "raw"}}]}' >/dev/null
count=$(curl -sf "$OS/bench/_count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
[ "$count" = "$N_DOCS" ] || die "index holds $count documents, not $N_DOCS"

# --- searchward ---------------------------------------------------------------------------------
cat >"$WORK/searchward.toml" <<TOML
[server]
workers = $WORKERS

[upstream]
url = "$OS"

TOML
sed "s|@ROOT@|$ROOT|g" "$ROOT/benches/engines/inspected.toml" >>"$WORK/searchward.toml"
start_searchward() { # $1 binary, $2 name; sets SW_URL and SW_PID
    RUST_LOG=warn "$1" serve --config "$WORK/searchward.toml" \
        --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 >"$WORK/$2.out" 2>"$WORK/$2.err" &
    SW_PID=$!
    PIDS+=("$SW_PID")
    SW_URL=$(wait_line "$WORK/$2.out" 's/^listening proxy=\(http:\/\/[^ ]*\) .*/\1/p' 10) \
        || { cat "$WORK/$2.err" >&2; die "$2 did not start"; }
}
start_searchward "$SW" searchward
SWURL=$SW_URL
MAIN_PID=$SW_PID
if [ -n "$BASELINE" ]; then
    start_searchward "$BASELINE" baseline
    BASEURL=$SW_URL
    BASE_PID=$SW_PID
fi

# --- targets, each checked once ------------------------------------------------------------------
query() { printf '{"query": {"match": {"body": "%s"}}, "size": 10}' "$1"; }
Q_CLEAN=$(query pettigrove)
Q_DELIST=$(query lumbrask)
# name url body pid (the searchward process whose CPU time is counted; none for direct)
TARGETS=(
    "direct|$OS/bench/_search|$Q_DELIST|"
    "passthrough|$SWURL/raw/_search|$Q_DELIST|$MAIN_PID"
    "delist|$SWURL/bench/_search|$Q_DELIST|$MAIN_PID"
    "clean|$SWURL/bench/_search|$Q_CLEAN|$MAIN_PID"
    "passthrough-clean|$SWURL/raw/_search|$Q_CLEAN|$MAIN_PID"
)
NAMES=(direct passthrough delist clean passthrough-clean)
if [ -n "$BASELINE" ]; then
    TARGETS+=(
        "passthrough-base|$BASEURL/raw/_search|$Q_DELIST|$BASE_PID"
        "delist-base|$BASEURL/bench/_search|$Q_DELIST|$BASE_PID"
        "clean-base|$BASEURL/bench/_search|$Q_CLEAN|$BASE_PID"
        "passthrough-clean-base|$BASEURL/raw/_search|$Q_CLEAN|$BASE_PID"
    )
    NAMES+=(passthrough-base delist-base clean-base passthrough-clean-base)
fi
hits() { # url body -> "hits listed" (listed: URLs on lists/urls.txt hosts used by corpus.py)
    curl -sf -XPOST "$1" -H 'content-type: application/json' -d "$2" | python3 -c '
import json, sys
hs = json.load(sys.stdin)["hits"]["hits"]
listed = sum(1 for h in hs if h["_source"]["url"].split("/")[2] in
             ("zorvexil-forum.example", "files.example.com", "share.example.net", "img.velmorik.example.net"))
print(len(hs), listed)'
}
read -r d_hits d_listed <<<"$(hits "$OS/bench/_search" "$Q_DELIST")"
read -r p_hits p_listed <<<"$(hits "$SWURL/raw/_search" "$Q_DELIST")"
read -r c_hits c_listed <<<"$(hits "$SWURL/bench/_search" "$Q_CLEAN")"
read -r s_hits s_listed <<<"$(hits "$SWURL/bench/_search" "$Q_DELIST")"
say "direct: $d_hits hits, $d_listed listed; passthrough: $p_hits/$p_listed; clean: $c_hits/$c_listed; delist: $s_hits/$s_listed"
[ "$d_hits" = 10 ] && [ "$d_listed" -gt 0 ] || die "the delist query's top hits hold no listed URL"
[ "$p_hits" = 10 ] && [ "$p_listed" = "$d_listed" ] || die "pass-through changed the answer"
[ "$c_hits" = 10 ] && [ "$c_listed" = 0 ] || die "clean query: $c_hits hits, $c_listed listed"
[ "$s_listed" = 0 ] && [ "$s_hits" = $((d_hits - d_listed)) ] || die "delist: $s_hits hits, $s_listed listed"
if [ -n "$BASELINE" ]; then
    read -r b_hits b_listed <<<"$(hits "$BASEURL/bench/_search" "$Q_DELIST")"
    [ "$b_listed" = 0 ] && [ "$b_hits" = "$s_hits" ] || die "baseline delist: $b_hits hits, $b_listed listed"
fi

# --- wrk ------------------------------------------------------------------------------------------
to_ms() { # wrk latency like 812.00us / 1.23ms / 1.02s -> ms
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) printf "%.3f", n / 1000
        else if (v ~ /ms$/) printf "%.3f", n
        else if (v ~ /s$/) printf "%.3f", n * 1000
        else printf "%.3f", n }'
}
cat >"$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = os.getenv("BODY")
LUA
RESULTS="$WORK/results.tsv"
: >"$RESULTS"
HZ=$(getconf CLK_TCK)
cpu_ticks() { # utime + stime of process $1 (all its threads); 0 without one
    [ -n "$1" ] && [ -r "/proc/$1/stat" ] || { echo 0; return; }
    sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
run_wrk() { # name url body round pid
    local out="$WORK/wrk-$1-$4.txt"
    BODY=$3 wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -s "$WORK/post.lua" "$2" >/dev/null
    local before after os_before os_after
    before=$(cpu_ticks "$5")
    os_before=$(cpu_ticks "$OS_PID")
    BODY=$3 wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" -s "$WORK/post.lua" --latency "$2" >"$out"
    after=$(cpu_ticks "$5")
    os_after=$(cpu_ticks "$OS_PID")
    local rps p50 p99 non2xx requests cpu os_cpu
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
    requests=$(awk '/requests in/ {print $1}' "$out")
    cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$requests" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')
    os_cpu=$(awk -v t=$((os_after - os_before)) -v hz="$HZ" -v n="$requests" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}" "$cpu" "$os_cpu" >>"$RESULTS"
    say "round $4 $1: $rps req/s p50 ${p50} ms p99 ${p99} ms non-2xx ${non2xx:-0} searchward CPU ${cpu} µs/request OpenSearch CPU ${os_cpu} µs/request"
}
say "wrk -t$THREADS -c$CONNS -d${DURATION}s (warm-up ${WARMUP}s before each), $ROUNDS rounds"
# One longer warm-up so the JVM has compiled the query path before the first measured round.
BODY=$Q_DELIST wrk -t"$THREADS" -c"$CONNS" -d15s -s "$WORK/post.lua" "$OS/bench/_search" >/dev/null
for round in $(seq "$ROUNDS"); do
    order=("${TARGETS[@]}")
    if [ $((round % 2)) = 0 ]; then
        order=()
        for ((k = ${#TARGETS[@]} - 1; k >= 0; k--)); do order+=("${TARGETS[k]}"); done
    fi
    for t in "${order[@]}"; do
        IFS='|' read -r name url body pid <<<"$t"
        run_wrk "$name" "$url" "$body" "$round" "$pid"
    done
done

median() { sort -g | awk '{a[NR] = $1} END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v n="$1" -v c="$2" '$1 == n {print $c}' "$RESULTS" | median; }
errs() { awk -F'\t' -v n="$1" '$1 == n {s += $5} END {print s + 0}' "$RESULTS"; }
ratio() { # median over rounds of (requests/s of $1) ÷ (requests/s of $2) in the same round
    paste <(awk -F'\t' -v n="$1" '$1 == n {print $2}' "$RESULTS") \
        <(awk -F'\t' -v n="$2" '$1 == n {print $2}' "$RESULTS") \
        | awk '{printf "%.4f\n", $1 / $2}' | median
}
cost_ratio() { # the same for CPU: (searchward + OpenSearch µs/request of $2) ÷ (that of $1)
    paste <(awk -F'\t' -v n="$1" '$1 == n {print $6 + $7}' "$RESULTS") \
        <(awk -F'\t' -v n="$2" '$1 == n {print $6 + $7}' "$RESULTS") \
        | awk '$1 > 0 {printf "%.4f\n", $2 / $1}' | median
}
D50=$(col direct 3); D99=$(col direct 4)
echo
echo "OpenSearch $N_DOCS docs; wrk -t$THREADS -c$CONNS -d${DURATION}s --latency, median of $ROUNDS rounds; $(nproc) CPUs; searchward workers $WORKERS"
echo "| target | req/s | p50 ms | p99 ms | added p50 ms | added p99 ms | ÷ pass-through req/s | searchward CPU µs/request | OpenSearch CPU µs/request | ÷ pass-through CPU | non-2xx |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for name in "${NAMES[@]}"; do
    rps=$(col "$name" 2); p50=$(col "$name" 3); p99=$(col "$name" 4); cpu=$(col "$name" 6); os=$(col "$name" 7)
    # Each build's routes are compared with its own pass-through of the same query.
    suffix=""
    case $name in *-base) suffix=-base ;; esac
    case ${name%-base} in
    delist) R=$(ratio "$name" "passthrough$suffix"); C=$(cost_ratio "$name" "passthrough$suffix") ;;
    clean) R=$(ratio "$name" "passthrough-clean$suffix"); C=$(cost_ratio "$name" "passthrough-clean$suffix") ;;
    *) R=1; C=1 ;;
    esac
    awk -v n="$name" -v r="$rps" -v a="$p50" -v b="$p99" -v da="$D50" -v db="$D99" -v q="$R" -v c="$cpu" -v o="$os" -v k="$C" -v e="$(errs "$name")" 'BEGIN {
        if (n == "direct") printf "| %s | %.0f | %.3f | %.3f | – | – | – | – | %.1f | – | %d |\n", n, r, a, b, o, e
        else printf "| %s | %.0f | %.3f | %.3f | %+.3f | %+.3f | %.2f× | %.1f | %.1f | %.2f× | %d |\n", n, r, a, b, a - da, b - db, q, c, o, k, e }'
done
