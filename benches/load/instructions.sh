#!/usr/bin/env bash
# benches/load/instructions.sh — user-space instructions per pass-through request, counted by
# valgrind's callgrind: the same on a busy machine as on a quiet one, so two builds can be
# compared where requests/s cannot (benches/load.sh on a shared host varies by ±10 % per round).
# Kernel work is not counted; `strace -c` on the same setup shows the system calls, which have
# been the same per request for every build so far (3 recvfrom, 2 sendto).
#
# Starts, on loopback: nginx as the upstream and each binary given, one worker, under callgrind;
# warms it up with wrk, zeroes the counters, runs wrk for DURATION seconds, dumps, and prints the
# instructions per completed request, with the functions costing most (self cost) when TOP > 0.
# ROUTE picks what is measured:
#   passthrough  GET /, no routes; the upstream answers the ~300-byte JSON of
#                benches/load/upstream.json (the default)
#   clean        POST /bench/_search, the inspected OpenSearch search route and lists of
#                benches/engines/inspected.toml (as real.sh); the upstream answers 10 hits of
#                benches/engines/corpus.py documents (about 9 KB), none of them listed
#   delist       the same with two of the ten hits on lists/urls.txt
#
# Usage: benches/load/instructions.sh [BINARY...]   (default: target/release/searchward)
# Knobs: DURATION=6 CONNS=8 TOP=0 ROUTE=passthrough
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DURATION=${DURATION:-6}
CONNS=${CONNS:-8}
TOP=${TOP:-0}
ROUTE=${ROUTE:-passthrough}
[ $# -gt 0 ] || set -- "${CARGO_TARGET_DIR:-$ROOT/target}/release/searchward"

die() { printf 'instructions.sh: %s\n' "$*" >&2; exit 1; }
for tool in valgrind callgrind_control wrk curl python3; do
    command -v "$tool" >/dev/null 2>&1 || die "needs $tool (apt-get install -y valgrind wrk curl)"
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || die "needs nginx (apt-get install -y nginx-light)"

WORK=$(mktemp -d /tmp/searchward-instr.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

UP_PORT=$(free_port)
QUERY='{"query": {"match": {"body": "lumbrask"}}, "size": 10}'
case "$ROUTE" in
passthrough)
    BODY=$(tr -d '\n' <"$ROOT/benches/load/upstream.json")
    PATH_Q=/
    ;;
clean | delist)
    # An OpenSearch answer of ten corpus documents; `delist` puts two listed ones (every 50th
    # document's URL is listed) among them.
    BODY=$(python3 "$ROOT/benches/engines/corpus.py" 120 bench "$ROOT/lists/terms.txt" \
        | python3 -c '
import json, sys
docs = [json.loads(l) for i, l in enumerate(sys.stdin) if i % 2]
pick = [0, 50] + list(range(1, 9)) if sys.argv[1] == "delist" else list(range(1, 11))
hits = [{"_index": "bench", "_id": str(i), "_score": round(2.5 - i / 100, 4), "_source": docs[i]}
        for i in pick]
print(json.dumps({"took": 3, "timed_out": False,
                  "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                  "hits": {"total": {"value": 742, "relation": "eq"}, "max_score": 2.5,
                           "hits": hits}}, separators=(",", ":")))' "$ROUTE")
    PATH_Q=/bench/_search
    ;;
*) die "ROUTE is passthrough, clean or delist, not $ROUTE" ;;
esac
mkdir -p "$WORK/nginx/tmp" "$WORK/nginx/www"
printf '%s\n' "$BODY" >"$WORK/nginx/www/answer.json"
user=""
[ "$(id -u)" = 0 ] && user="user root;"
cat >"$WORK/nginx/nginx.conf" <<EOF
$user
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    keepalive_requests 10000000;
    server {
        listen 127.0.0.1:$UP_PORT;
        default_type application/json;
        # A static file (a body this long cannot be an nginx string); nginx refuses a POST
        # to one with 405, which is turned into the file's 200.
        location / { root $WORK/nginx/www; try_files /answer.json =404; error_page 405 =200 /answer.json; }
        location = /answer.json { root $WORK/nginx/www; }
    }
}
EOF
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>>"$WORK/nginx/error.log" &
PIDS+=($!)

cat >"$WORK/searchward.toml" <<EOF
[server]
workers = 1

[upstream]
url = "http://127.0.0.1:$UP_PORT"

[limits]
per_client_connections = 1000000
per_client_in_flight = 1000000

EOF
if [ "$ROUTE" = passthrough ]; then
    printf '[[lists]]\nname = "terms"\nkind = "terms"\npath = "%s/lists/terms.txt"\n' "$ROOT" \
        >>"$WORK/searchward.toml"
else
    sed "s|@ROOT@|$ROOT|g" "$ROOT/benches/engines/inspected.toml" >>"$WORK/searchward.toml"
fi
# wrk sends the benchmark's search body on the inspected routes.
printf 'wrk.method = "POST"\nwrk.body = [[%s]]\nwrk.headers["content-type"] = "application/json"\n' \
    "$QUERY" >"$WORK/post.lua"
WRK_SCRIPT=()
[ "$ROUTE" = passthrough ] || WRK_SCRIPT=(-s "$WORK/post.lua")

# Self cost per function of a callgrind dump (uncompressed names), per request.
top() { # $1 dump, $2 requests, $3 how many
    python3 - "$@" <<'EOF'
import collections, sys
path, requests, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cost, fn, call = collections.Counter(), None, False
for line in open(path, errors="replace"):
    if line.startswith("fn="):
        fn = line[3:].strip()
    elif line.startswith("calls="):
        call = True
    elif line[:1].isdigit() or line[:1] in "+-*":
        if call:
            call = False  # the inclusive cost of a call, counted in the callee
        else:
            parts = line.split()
            if len(parts) > 1:
                cost[fn] += int(parts[1])
for name, c in cost.most_common(count):
    print(f"  {c / requests:8.0f}  {name[:140]}")
EOF
}

measure() { # $1 binary
    local bin=$1 out="$WORK/out" url="" pid
    : >"$out"
    RUST_LOG=warn valgrind --tool=callgrind --compress-strings=no --compress-pos=no \
        --callgrind-out-file="$WORK/cg.%p" "$bin" serve --config "$WORK/searchward.toml" \
        --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 >"$out" 2>"$WORK/valgrind.err" &
    pid=$!
    PIDS+=("$pid")
    for _ in $(seq 600); do
        url=$(sed -n 's/^listening proxy=\(http:\/\/[^ ]*\) .*/\1/p' "$out")
        [ -n "$url" ] && break
        kill -0 "$pid" 2>/dev/null || die "$bin exited: $(tail -3 "$WORK/valgrind.err")"
        sleep 0.1
    done
    [ -n "$url" ] || die "$bin did not print its listening line"
    if [ "$ROUTE" = passthrough ]; then
        [ "$(curl -s --max-time 10 "$url/" | tr -d '\n')" = "$BODY" ] \
            || die "$bin answered another body"
    else
        local hits want=10
        [ "$ROUTE" = delist ] && want=8
        hits=$(curl -s --max-time 10 -XPOST "$url$PATH_Q" -H 'content-type: application/json' \
            -d "$QUERY" | tee "$WORK/answer.json" | python3 -c 'import json, sys; print(len(json.load(sys.stdin).get("hits", {}).get("hits", [])))')
        [ "$hits" = "$want" ] || die "$bin answered $hits hits on $ROUTE, not $want: $(head -c 300 "$WORK/answer.json")"
    fi
    wrk -t1 -c"$CONNS" -d3s "${WRK_SCRIPT[@]}" "$url$PATH_Q" >/dev/null
    callgrind_control -z "$pid" >/dev/null 2>&1
    wrk -t1 -c"$CONNS" -d"${DURATION}s" "${WRK_SCRIPT[@]}" "$url$PATH_Q" >"$WORK/wrk.txt"
    callgrind_control -d "$pid" >/dev/null 2>&1
    local dump="$WORK/cg.$pid.1"
    for _ in $(seq 100); do [ -s "$dump" ] && grep -q '^summary:' "$dump" && break; sleep 0.1; done
    local requests instructions
    requests=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
    instructions=$(awk '/^summary:/ {print $2}' "$dump")
    [ -n "$requests" ] && [ -n "$instructions" ] || die "no count for $bin"
    printf '%s: %s requests, %.0f instructions per request\n' "$bin" "$requests" \
        "$(awk -v i="$instructions" -v r="$requests" 'BEGIN {print i / r}')"
    [ "$TOP" -gt 0 ] && top "$dump" "$requests" "$TOP"
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    [ -n "${KEEP:-}" ] || rm -f "$WORK"/cg.*
}

for bin in "$@"; do
    [ -x "$bin" ] || die "$bin is not an executable"
    measure "$bin"
done
