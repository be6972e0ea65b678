#!/usr/bin/env bash
# benches/load.sh — load benchmark of searchward's pass-through path against nginx.
#
# Starts, on loopback only:
#   * an upstream: nginx answering every request with the same ~300-byte JSON (benches/load/upstream.json);
#   * searchward (release build) in front of it, pass-through (config with no routes);
#   * nginx as a reverse proxy in front of the same upstream (keepalive pool to the upstream);
# then runs wrk with the same threads/connections/duration against: the upstream directly,
# searchward and nginx, in ROUNDS interleaved rounds (to spread drift from other load on the host),
# and prints requests/s, p50 and p99 (medians over rounds) and the searchward/nginx ratios.
# Every target's body is checked with curl before it is loaded; wrk's non-2xx and socket errors are
# reported. Everything started here is stopped on exit.
#
# Knobs (environment):
#   DURATION=15 WARMUP=3 THREADS=2 CONNS=64 ROUNDS=5
#   WORKERS=<nproc>     proxy workers: nginx worker_processes and searchward's [server] workers
#                       (default nproc, or nproc-1 with PIN=1)
#   UPSTREAM_WORKERS=1  nginx worker_processes of the upstream
#   LOG_LEVELS="warn"   searchward RUST_LOG levels to measure, e.g. "warn info" (request lines are
#                       info; stderr goes to /dev/null, so this measures formatting + write(2), not disk)
#   PIN=0               PIN=1: wrk and the upstream on CPU 0, the proxy under test on the other CPUs
#                       (same for both proxies)
#   BASELINE=<path>     another searchward binary (an older build), measured in every round right
#                       after this build with the same config, as "baseline": an A/B of two builds
#                       in one run, so that drift on a shared host falls on both alike
#   NO_INSTALL=0 NO_BUILD=0
# Usage: benches/load.sh            (from anywhere; needs root or sudo only to apt-get install)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
ROUNDS=${ROUNDS:-5}
NCPU=$(nproc)
PIN=${PIN:-0}
if [ "$PIN" = 1 ]; then WORKERS=${WORKERS:-$((NCPU - 1))}; else WORKERS=${WORKERS:-$NCPU}; fi
UPSTREAM_WORKERS=${UPSTREAM_WORKERS:-1}
LOG_LEVELS=${LOG_LEVELS:-warn}

say() { printf '%s\n' "$*" >&2; }
die() { say "load.sh: $*"; exit 1; }

# --- tools -------------------------------------------------------------------------------------
need_install=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_install+=(nginx-light)
command -v wrk >/dev/null 2>&1 || need_install+=(wrk)
command -v curl >/dev/null 2>&1 || need_install+=(curl)
if [ ${#need_install[@]} -gt 0 ]; then
    [ "${NO_INSTALL:-0}" = 1 ] && die "missing: ${need_install[*]}"
    SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
    say "installing ${need_install[*]}"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "${need_install[@]}" >&2
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

if [ "${NO_BUILD:-0}" != 1 ]; then
    say "building searchward (release)"
    (cd "$ROOT" && cargo build --release --bin searchward >&2)
fi
SW="${CARGO_TARGET_DIR:-$ROOT/target}/release/searchward"
[ -x "$SW" ] || die "no release binary at $SW"
[ -z "${BASELINE:-}" ] || [ -x "$BASELINE" ] || die "BASELINE=$BASELINE is not an executable"

# --- cleanup -----------------------------------------------------------------------------------
WORK=$(mktemp -d /tmp/searchward-load.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

if [ "$PIN" = 1 ]; then
    [ "$NCPU" -ge 2 ] || die "PIN=1 needs at least 2 CPUs"
    PIN_LOAD="taskset -c 0"
    PIN_PROXY="taskset -c 1-$((NCPU - 1))"
else
    PIN_LOAD=""
    PIN_PROXY=""
fi

# --- nginx instances ---------------------------------------------------------------------------
# $1 name, $2 CPU pinning prefix, $3 worker_processes, $4 http-block body. nginx runs in the
# foreground of a background job (taskset execs it), so its master's pid is ours to stop.
start_nginx() {
    local name=$1 pin=$2 workers=$3 body=$4 dir="$WORK/$1" user=""
    mkdir -p "$dir/tmp"
    [ "$(id -u)" = 0 ] && user="user root;"
    cat >"$dir/nginx.conf" <<EOF
$user
daemon off;
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    # wrk and the proxies reuse connections; nginx's default of 1000 requests per connection
    # would make it (alone) reconnect during the run.
    keepalive_requests 10000000;
    keepalive_timeout 75s;
$body
}
EOF
    # shellcheck disable=SC2086 # $pin is a command prefix or empty
    $pin "$NGINX" -p "$dir" -c "$dir/nginx.conf" 2>>"$dir/error.log" &
    PIDS+=($!)
}

wait_http() { # $1 url: wait up to 10 s for any HTTP answer
    for _ in $(seq 100); do
        curl -s -o /dev/null --max-time 1 "$1" && return 0
        sleep 0.1
    done
    die "nothing answers at $1"
}

# The same JSON body the upstream serves, checked through every path.
BODY=$(tr -d '\n' <"$ROOT/benches/load/upstream.json")
UP_PORT=$(free_port)
start_nginx upstream "$PIN_LOAD" "$UPSTREAM_WORKERS" "
    server {
        listen 127.0.0.1:$UP_PORT;
        default_type application/json;
        location / { return 200 '$BODY\n'; }
    }"
UP_PID=${PIDS[-1]}
wait_http "http://127.0.0.1:$UP_PORT/"

NX_PORT=$(free_port)
# Equivalent work to searchward's pass-through: HTTP/1.1 keep-alive pool to the upstream,
# Host set to the upstream, X-Forwarded-For/-Host/-Proto added.
start_nginx proxy "$PIN_PROXY" "$WORKERS" "
    upstream backend {
        server 127.0.0.1:$UP_PORT;
        keepalive 64;
        keepalive_requests 10000000;
    }
    server {
        listen 127.0.0.1:$NX_PORT;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host 127.0.0.1:$UP_PORT;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Host \$host;
            proxy_set_header X-Forwarded-Proto \$scheme;
        }
    }"
NX_PID=${PIDS[-1]}
wait_http "http://127.0.0.1:$NX_PORT/"

# --- searchward --------------------------------------------------------------------------------
cat >"$WORK/searchward.toml" <<EOF
[server]
workers = $WORKERS

[upstream]
url = "http://127.0.0.1:$UP_PORT"

# wrk is one client address: its per-client limits are raised so that the global ones are measured.
[limits]
per_client_connections = 1000000
per_client_in_flight = 1000000

[[lists]]
name = "terms"
kind = "terms"
path = "$ROOT/lists/terms.txt"
EOF

SW_PID=""
SW_URL=""
start_searchward() { # $1 RUST_LOG level, $2 binary (default: this build)
    local out="$WORK/searchward.out" bin=${2:-$SW}
    : >"$out"
    RUST_LOG=$1 $PIN_PROXY "$bin" serve --config "$WORK/searchward.toml" \
        --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 >"$out" 2>/dev/null &
    SW_PID=$!
    PIDS+=("$SW_PID")
    for _ in $(seq 100); do
        SW_URL=$(sed -n 's/^listening proxy=\(http:\/\/[^ ]*\) .*/\1/p' "$out")
        [ -n "$SW_URL" ] && break
        sleep 0.1
    done
    [ -n "$SW_URL" ] || die "searchward did not print its listening line"
    SW_URL="$SW_URL/"
}
stop_searchward() {
    kill -TERM "$SW_PID" 2>/dev/null || true
    wait "$SW_PID" 2>/dev/null || true
    local keep=() pid
    for pid in "${PIDS[@]}"; do [ "$pid" = "$SW_PID" ] || keep+=("$pid"); done
    PIDS=("${keep[@]}")
}

check_body() { # $1 name, $2 url
    local got
    got=$(curl -s --max-time 5 "$2" | tr -d '\n')
    [ "$got" = "$BODY" ] || die "$1 at $2 answered a different body: $got"
}

# --- wrk ---------------------------------------------------------------------------------------
to_ms() { # wrk latency like 812.00us / 1.23ms / 1.02s -> ms
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
        else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
        else printf "nan" }'
}

HZ=$(getconf CLK_TCK)
cpu_ticks() { # utime+stime of the given pids (all their threads)
    local t=0 p
    for p in "$@"; do
        [ -r "/proc/$p/stat" ] || continue
        t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
    done
    echo "$t"
}

RESULTS="$WORK/results.tsv" # name round rps p50 p99 errors cpu-us-per-request
: >"$RESULTS"
run_wrk() { # $1 name, $2 url, $3 round, $4... pids whose CPU time is charged to the target
    local name=$1 url=$2 round=$3 out="$WORK/wrk-$1-$3.txt"
    shift 3
    $PIN_LOAD wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "$url" >/dev/null
    local before after requests cpu
    before=$(cpu_ticks "$@")
    $PIN_LOAD wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "$url" >"$out"
    after=$(cpu_ticks "$@")
    requests=$(awk '/requests in/ {print $1}' "$out")
    cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$requests" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')
    set -- "$name" "$url" "$round"
    local rps p50 p99 non2xx sockerr
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
    sockerr=$(awk '/Socket errors:/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$out")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$3" "$rps" "$p50" "$p99" "$(( ${non2xx:-0} + ${sockerr:-0} ))" "$cpu" >>"$RESULTS"
    say "  $1 round $3: $rps req/s, p50 ${p50} ms, p99 ${p99} ms, errors $(( ${non2xx:-0} + ${sockerr:-0} )), CPU ${cpu} us/request"
}

say "machine: $NCPU CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "wrk -t$THREADS -c$CONNS -d${DURATION}s (warm-up ${WARMUP}s), $ROUNDS rounds; proxy workers $WORKERS; upstream workers $UPSTREAM_WORKERS; PIN=$PIN"

check_body upstream "http://127.0.0.1:$UP_PORT/"
check_body nginx "http://127.0.0.1:$NX_PORT/"
for round in $(seq "$ROUNDS"); do
    run_wrk upstream "http://127.0.0.1:$UP_PORT/" "$round" "$UP_PID" $(pgrep -P "$UP_PID")
    for level in $LOG_LEVELS; do
        start_searchward "$level"
        check_body "searchward-$level" "$SW_URL"
        run_wrk "searchward-$level" "$SW_URL" "$round" "$SW_PID"
        stop_searchward
    done
    if [ -n "${BASELINE:-}" ]; then
        start_searchward warn "$BASELINE"
        check_body baseline "$SW_URL"
        run_wrk baseline "$SW_URL" "$round" "$SW_PID"
        stop_searchward
    fi
    run_wrk nginx "http://127.0.0.1:$NX_PORT/" "$round" "$NX_PID" $(pgrep -P "$NX_PID")
done

# --- table ------------------------------------------------------------------------------------
median() { sort -g | awk '{a[NR] = $1} END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v n="$1" -v c="$2" '$1 == n {print $c}' "$RESULTS" | median; }
errs() { awk -F'\t' -v n="$1" '$1 == n {s += $6} END {print s + 0}' "$RESULTS"; }

NX_RPS=$(col nginx 3)
NX_P99=$(col nginx 5)
echo
echo "wrk -t$THREADS -c$CONNS -d${DURATION}s --latency, median of $ROUNDS rounds; $NCPU CPUs; proxy workers $WORKERS; PIN=$PIN${BASELINE:+; baseline $BASELINE}"
echo
echo "| target | requests/s | p50 ms | p99 ms | errors | CPU µs/request | rps vs nginx | p99 vs nginx |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for name in upstream $(for l in $LOG_LEVELS; do echo "searchward-$l"; done) ${BASELINE:+baseline} nginx; do
    rps=$(col "$name" 3); p50=$(col "$name" 4); p99=$(col "$name" 5)
    if [ "$name" = upstream ]; then
        r1="—"; r2="—"
    else
        r1=$(awk -v a="$rps" -v b="$NX_RPS" 'BEGIN {printf "%.2f×", a / b}')
        r2=$(awk -v a="$p99" -v b="$NX_P99" 'BEGIN {printf "%.2f×", a / b}')
    fi
    printf '| %s | %.0f | %.2f | %.2f | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "$(errs "$name")" "$(col "$name" 7)" "$r1" "$r2"
done
echo
echo "CPU µs/request: CPU time of the target's own processes (searchward; nginx master + workers;"
echo "for upstream, the upstream nginx) over the measured run, divided by the requests wrk completed."
echo
echo "per round (name, round, rps, p50 ms, p99 ms, errors, CPU us/request):"
sed 's/^/  /' "$RESULTS"
