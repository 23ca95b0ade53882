#!/usr/bin/env bash
# benches/xmpp/run.sh: jaxl's XMPP server against a throwaway Prosody, same load
# generator, same run, on loopback; prints each figure and the ratios.
#
#   benches/xmpp/run.sh                 # route, latency, login and idle on both
#   XMPP_BENCH_IDLE_PROSODY=0 benches/xmpp/run.sh   # skip Prosody's idle sessions
#
# Prosody's idle accounts are not registered one by one (prosodyctl takes about a second
# each): u0 is registered, and its account file (salted SCRAM keys, same password) is
# copied for the others.
#
# Knobs: PAIRS=50 WINDOW=16 DURATION=8 LOGINS=200 SESSIONS=5000 MESSAGES=3000
# Needs the Debian package `prosody` (scripts/prosody-up.sh); without it only jaxl runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PAIRS=${PAIRS:-50}; WINDOW=${WINDOW:-16}; DURATION=${DURATION:-8}; LOGINS=${LOGINS:-200}
SESSIONS=${SESSIONS:-5000}; MESSAGES=${MESSAGES:-3000}
WORK=${XMPP_BENCH_DIR:-$ROOT/target/xmpp-bench}
JAXL_PORT=25222; PROSODY_PORT=25322
rm -rf "$WORK"; mkdir -p "$WORK"
# SESSIONS idle sessions need that many descriptors in the servers and the generator.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

echo "==> building (release): the xmpp_server example and the load generator"
cargo build --release --example xmpp_server
CARGO_TARGET_DIR=$ROOT/target/xmpp-loadgen cargo build --release --manifest-path benches/xmpp/Cargo.toml
LOADGEN=$ROOT/target/xmpp-loadgen/release/xmpp_loadgen
SERVER=$ROOT/target/release/examples/xmpp_server

USERS_N=$(( SESSIONS > 2 * PAIRS ? SESSIONS : 2 * PAIRS ))
JAXL_PID=""; PROSODY_UP=0
cleanup() {
  [ -n "$JAXL_PID" ] && kill "$JAXL_PID" 2>/dev/null || true
  [ "$PROSODY_UP" = 1 ] && PROSODY_DIR=$WORK/prosody scripts/prosody-down.sh >/dev/null 2>&1 || true
}
trap cleanup EXIT

run_suite() { # name port pid
  local name=$1 port=$2 pid=$3
  echo "--> $name"
  "$LOADGEN" route --addr 127.0.0.1:$port --server-pid "$pid" --pairs "$PAIRS" --window "$WINDOW" --seconds "$DURATION" 2>/dev/null | grep RESULT | sed "s/^/$name /" | tee -a "$WORK/results"
  "$LOADGEN" latency --addr 127.0.0.1:$port --server-pid "$pid" --messages "$MESSAGES" 2>/dev/null | grep RESULT | sed "s/^/$name /" | tee -a "$WORK/results"
  "$LOADGEN" login --addr 127.0.0.1:$port --server-pid "$pid" --count "$LOGINS" --users $((2 * PAIRS)) --concurrency 4 2>/dev/null | grep RESULT | sed "s/^/$name /" | tee -a "$WORK/results"
}

echo "==> jaxl: provisioning $USERS_N accounts and starting"
ARGS=()
for i in $(seq 0 $((USERS_N - 1))); do ARGS+=(--add-user "u$i:pw"); done
RUST_LOG=warn "$SERVER" --domain localhost --listen 127.0.0.1:$JAXL_PORT --data "$WORK/jaxl-data" "${ARGS[@]}" > "$WORK/jaxl.log" 2>&1 &
JAXL_PID=$!
for _ in $(seq 1 1200); do grep -qs listening "$WORK/jaxl.log" && break; sleep 0.1; done
run_suite jaxl $JAXL_PORT $JAXL_PID
"$LOADGEN" idle --addr 127.0.0.1:$JAXL_PORT --server-pid $JAXL_PID --sessions "$SESSIONS" 2>/dev/null | grep RESULT | sed "s/^/jaxl /" | tee -a "$WORK/results"
kill "$JAXL_PID"; JAXL_PID=""

if command -v prosody >/dev/null; then
  PN=$((2 * PAIRS))
  echo "==> prosody: registering $PN accounts and starting"
  U=""; for i in $(seq 0 $((PN - 1))); do U="$U u$i:pw"; done
  PROSODY_DIR=$WORK/prosody XMPP_C2S_PORT=$PROSODY_PORT XMPP_HTTP_PORT=25380 XMPP_COMPONENT_PORT=25347 \
    XMPP_USERS="$U" LOGLEVEL=warn scripts/prosody-up.sh > "$WORK/prosody-up.log"
  PROSODY_UP=1
  PPID_=$(grep PROSODY_PID "$WORK/prosody/env" | cut -d= -f2)
  run_suite prosody $PROSODY_PORT "$PPID_"
  if [ "${XMPP_BENCH_IDLE_PROSODY:-1}" = 1 ]; then
    ACC=$WORK/prosody/data/localhost/accounts
    echo "==> prosody: $((USERS_N - PN)) more accounts (copies of u0's account file)"
    for i in $(seq "$PN" $((USERS_N - 1))); do cp -p "$ACC/u0.dat" "$ACC/u$i.dat"; done
    "$LOADGEN" idle --addr 127.0.0.1:$PROSODY_PORT --server-pid "$PPID_" --sessions "$SESSIONS" 2>/dev/null | grep RESULT | sed "s/^/prosody /" | tee -a "$WORK/results"
  fi
else
  echo "prosody SKIPPED: not installed (apt-get install prosody)"
fi

echo "==> ratios (jaxl / prosody)"
python3 - "$WORK/results" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    who, _, *kv = line.split()
    d = dict(x.split("=", 1) for x in kv)
    rows[(who, d["mode"])] = d
def ratio(mode, key):
    try:
        return float(rows[("jaxl", mode)][key]) / float(rows[("prosody", mode)][key])
    except (KeyError, ValueError, ZeroDivisionError):
        return None
for mode, key, goal in [("route", "server_cpu_us_per_msg", "<= 0.05"), ("route", "msgs_per_s", ">= 5"),
                        ("login", "server_cpu_ms_per_login", "<= 0.25"), ("latency", "rtt_p99_us", "report"),
                        ("idle", "bytes_per_session", "<= 0.125")]:
    r = ratio(mode, key)
    print(f"{mode:8} {key:26} ratio={'n/a' if r is None else f'{r:.3f}'}  goal {goal}")
PY
