#!/usr/bin/env bash
# benches/load/instructions.sh — user-space instructions per pass-through request, counted by
# valgrind's callgrind: the same on a busy machine as on a quiet one, so two builds can be
# compared where requests/s cannot (benches/load.sh on a shared host varies by ±10 % per round).
# Kernel work is not counted; `strace -c` on the same setup shows the system calls, which have
# been the same per request for every build so far (3 recvfrom, 2 sendto).
#
# Starts, on loopback: nginx as the upstream (the ~300-byte JSON of benches/load/upstream.json)
# and each binary given, one worker, pass-through (no routes), under callgrind; warms it up with
# wrk, zeroes the counters, runs wrk for DURATION seconds, dumps, and prints the instructions per
# completed request, with the functions costing most (self cost) when TOP > 0.
#
# Usage: benches/load/instructions.sh [BINARY...]   (default: target/release/searchward)
# Knobs: DURATION=6 CONNS=8 TOP=0
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DURATION=${DURATION:-6}
CONNS=${CONNS:-8}
TOP=${TOP:-0}
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
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

UP_PORT=$(free_port)
BODY=$(tr -d '\n' <"$ROOT/benches/load/upstream.json")
mkdir -p "$WORK/nginx/tmp"
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
        location / { return 200 '$BODY\n'; }
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

[[lists]]
name = "terms"
kind = "terms"
path = "$ROOT/lists/terms.txt"
EOF

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
    [ "$(curl -s --max-time 10 "$url/" | tr -d '\n')" = "$BODY" ] || die "$bin answered another body"
    wrk -t1 -c"$CONNS" -d3s "$url/" >/dev/null
    callgrind_control -z "$pid" >/dev/null 2>&1
    wrk -t1 -c"$CONNS" -d"${DURATION}s" "$url/" >"$WORK/wrk.txt"
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
    rm -f "$WORK"/cg.*
}

for bin in "$@"; do
    [ -x "$bin" ] || die "$bin is not an executable"
    measure "$bin"
done
