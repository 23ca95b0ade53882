#!/usr/bin/env bash
# benches/run.sh: jaxl's one benchmark script. Loopback only; every phase bounded in time.
#
#   benches/run.sh            # every scenario
#   benches/run.sh echo       # echo servers only
#   benches/run.sh http       # HTTP servers only
#   benches/run.sh instr      # user-space instructions per echoed message (callgrind)
#   benches/run.sh xmpp       # the XMPP server against Prosody (benches/xmpp/run.sh)
#   benches/run.sh xmpp-client  # the XMPP client against slixmpp and tokio-xmpp
#                             # (benches/xmpp_client/run.sh; ~25 min, mostly clean builds)
#
# Builds the peers (benches/peers/*) and the jaxl examples in release mode, then measures
# every server of a scenario in turn, ROUNDS times, alternating servers within each round
# (round 1: jaxl, peer A, peer B; round 2: jaxl, peer A, peer B; ...), and prints the median
# of each figure plus RATIO lines (jaxl / peer). See benches/README.md for what each
# figure means.
#
#   echo: jaxl examples/echo_server, tokio_echo, mio_echo. benches/peers/loadgen with
#         BENCH_CONNS connections, message sizes 64 and 4096 B, 1 and 16 messages in flight
#         per connection: round trips/s, p99 latency, server CPU µs per round trip (user and
#         kernel, from /proc/PID/stat); then RSS per idle connection with BENCH_IDLE_CONNS
#         connections held open (fresh server start).
#   http: jaxl examples/hello_world, hyper_hello, mio_http. wrk -t1 -cBENCH_CONNS
#         --latency, plain and pipelined BENCH_PIPE_DEPTH deep (benches/pipeline.lua):
#         requests/s, p99 latency, server CPU µs per request (user / kernel); then RSS per
#         idle keep-alive connection with BENCH_IDLE_CONNS connections (benches/idle_conns.py).
#
# Env knobs (defaults):
#   BENCH_DURATION=3       seconds of each measured run
#   BENCH_WARMUP=1         seconds of load before each measured run (0: none)
#   BENCH_ROUNDS=3         rounds; medians are over rounds
#   BENCH_CONNS=64         connections of the load (loadgen and wrk)
#   BENCH_ECHO_SIZES="64 4096"   BENCH_ECHO_DEPTHS="1 16"   BENCH_PIPE_DEPTH=16
#   BENCH_IDLE_CONNS=10000 idle connections for the RSS figure (0: skip that part)
#   BENCH_SERVER_CPUS=     pin servers with taskset -c (e.g. 0); default: no pinning
#   BENCH_LOAD_CPUS=       pin loadgen/wrk with taskset -c (e.g. 1); default: no pinning
#   BENCH_NO_BUILD=1       use the binaries already built
# Results: printed, and written to target/bench/<scenario>.txt (summary and log) and
# target/bench/<scenario>-raw.txt (one line per measurement); server logs in target/bench/logs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SCENARIO=${1:-all}
case $SCENARIO in echo | http | instr | xmpp | xmpp-client | all) ;; -h | --help) sed -n '2,39p' "$0"; exit 0 ;;
  *) echo "usage: benches/run.sh [echo|http|instr|xmpp|xmpp-client|all]" >&2; exit 2 ;;
esac
DURATION=${BENCH_DURATION:-3}
WARMUP=${BENCH_WARMUP:-1}
ROUNDS=${BENCH_ROUNDS:-3}
CONNS=${BENCH_CONNS:-64}
ECHO_SIZES=${BENCH_ECHO_SIZES:-"64 4096"}
ECHO_DEPTHS=${BENCH_ECHO_DEPTHS:-"1 16"}
PIPE_DEPTH=${BENCH_PIPE_DEPTH:-16}
IDLE_CONNS=${BENCH_IDLE_CONNS:-10000}
SERVER_CPUS=${BENCH_SERVER_CPUS:-}
LOAD_CPUS=${BENCH_LOAD_CPUS:-}
NO_BUILD=${BENCH_NO_BUILD:-0}
PYTHON=${PYTHON:-python3}
for v in DURATION WARMUP ROUNDS CONNS PIPE_DEPTH IDLE_CONNS; do
  case ${!v} in '' | *[!0-9]*) echo "BENCH_$v must be a whole number, not '${!v}'" >&2; exit 2 ;; esac
done
if [ "$ROUNDS" -lt 1 ] || [ "$DURATION" -lt 1 ]; then
  echo "BENCH_ROUNDS and BENCH_DURATION must be >= 1" >&2
  exit 2
fi

OUT=$ROOT/target/bench
PEER_DIR=$ROOT/target/peers/release
JAXL_DIR=$ROOT/target/release/examples
LOADGEN=$PEER_DIR/loadgen
mkdir -p "$OUT/logs"
HZ=$(getconf CLK_TCK)

# 10,000 idle connections need more than 10,000 descriptors in the server and the client.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$IDLE_CONNS" -gt 0 ] && [ "$(ulimit -n)" -lt $((IDLE_CONNS + 200)) ]; then
  echo "warning: ulimit -n is $(ulimit -n); lowering BENCH_IDLE_CONNS from $IDLE_CONNS" >&2
  IDLE_CONNS=$(($(ulimit -n) - 200))
fi

# ------------------------------------------------------------------ helpers
note() { echo "# $*"; }
# Command prefixes that pin servers / load tools when asked (taskset execs in place, so a
# server's $! stays its own PID).
SERVER_PIN=()
LOAD_PIN=()
if [ -n "$SERVER_CPUS" ]; then SERVER_PIN=(taskset -c "$SERVER_CPUS"); fi
if [ -n "$LOAD_CPUS" ]; then LOAD_PIN=(taskset -c "$LOAD_CPUS"); fi
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# "utime stime" of PID in clock ticks (all threads); "NA NA" once it is gone.
cputicks() { { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12, $13}'; } 2>/dev/null || echo "NA NA"; }
status_field() { awk -v k="$2:" '$1==k {print $2}' "/proc/$1/status" 2>/dev/null || echo NA; }
# server_alive: is the server under test still running? Says so when it is not.
server_alive() {
  kill -0 "$SPID" 2>/dev/null && return 0
  echo "  !!! $SLABEL (pid $SPID) died during the run; its log: target/bench/logs/$SLABEL.log" >&2
  tail -5 "$OUT/logs/$SLABEL.log" >&2 || true
  return 1
}

SPID=""
SLABEL=""
# start_server LABEL PORT CMD...: start a server, wait (10 s at most) for its port.
start_server() {
  local label=$1 port=$2; shift 2
  if port_open "$port"; then
    echo "port $port already in use: not measuring someone else's server ($label skipped)" >&2
    return 1
  fi
  "${SERVER_PIN[@]}" "$@" >"$OUT/logs/$label.log" 2>&1 </dev/null &
  SPID=$!
  SLABEL=$label
  for _ in $(seq 1 100); do
    port_open "$port" && return 0
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
  done
  echo "$label did not come up on port $port; its log:" >&2
  tail -20 "$OUT/logs/$label.log" >&2 || true
  stop_server
  return 1
}
stop_server() {
  [ -n "$SPID" ] || return 0
  kill -TERM "$SPID" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$SPID" 2>/dev/null; then
    echo "$SLABEL (pid $SPID) ignored TERM; sending KILL" >&2
    kill -KILL "$SPID" 2>/dev/null || true
  fi
  wait "$SPID" 2>/dev/null || true
  SPID=""
}
# cpu_per N T0 T1: "total user sys" CPU µs per unit of work from two cputicks samples.
cpu_per() {
  awk -v n="$1" -v a="$2" -v b="$3" -v hz="$HZ" 'BEGIN{
    split(a, x, " "); split(b, y, " "); u=(y[1]-x[1])/hz; s=(y[2]-x[2])/hz;
    if (n > 0 && x[1] != "NA" && y[1] != "NA") printf "%.3f %.3f %.3f", (u+s)*1e6/n, u*1e6/n, s*1e6/n; else printf "NA NA NA"}'
}

# build CRATE: build one peer crate in release mode.
build_peer() {
  note "cargo build --release benches/peers/$1"
  cargo build --release -q --manifest-path "$ROOT/benches/peers/$1/Cargo.toml" \
    --target-dir "$ROOT/target/peers"
}
# jaxl_example NAME: build examples/NAME in release mode; sets JAXL_BIN to the binary, or
# to "" (and says why) when it is missing or does not build: that server is then skipped.
JAXL_BIN=""
jaxl_example() {
  local name=$1 bin=$JAXL_DIR/$1
  JAXL_BIN=""
  if [ "$NO_BUILD" != 1 ]; then
    note "cargo build --release --example $name"
    if ! cargo build --release -q --example "$name" >"$OUT/logs/build-$name.log" 2>&1; then
      echo "!!! jaxl server SKIPPED: could not build examples/$name.rs (missing or broken);" \
        "see target/bench/logs/build-$name.log"
      tail -5 "$OUT/logs/build-$name.log" | sed 's/^/    /' || true
      return 0
    fi
  fi
  if [ -x "$bin" ]; then
    JAXL_BIN=$bin
  else
    echo "!!! jaxl server SKIPPED: no $bin (examples/$name.rs missing or not built)"
  fi
}

# summarize RAW SCENARIO: medians per (config, server) and RATIO lines jaxl/peer.
summarize() {
  "$PYTHON" - "$1" "$2" <<'PYEOF'
import statistics, sys
raw, scenario = sys.argv[1], sys.argv[2]
rows = []
for line in open(raw):
    if line.startswith("ROW "):
        rows.append(dict(kv.split("=", 1) for kv in line.split()[1:]))
def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None
servers = list(dict.fromkeys(r["server"] for r in rows))
configs = list(dict.fromkeys(r["cfg"] for r in rows))
# metric, header, format, "higher is better"
METRICS = {
    "echo": [("msgs_per_s", "msgs/s", "{:.0f}", True), ("p99_us", "p99 µs", "{:.0f}", False),
             ("cpu_us", "CPU µs/msg", "{:.2f}", False), ("usr_us", "user", "{:.2f}", False),
             ("sys_us", "sys", "{:.2f}", False)],
    "http": [("rps", "req/s", "{:.0f}", True), ("p99_us", "p99 µs", "{:.0f}", False),
             ("cpu_us", "CPU µs/req", "{:.2f}", False), ("usr_us", "user", "{:.2f}", False),
             ("sys_us", "sys", "{:.2f}", False)],
}[scenario]
IDLE = [("rss_per_conn_b", "RSS B/idle conn", "{:.0f}", False), ("ok", "held", "{:.0f}", True)]
med = {}
for r in rows:
    for k, v in r.items():
        x = num(v)
        if x is not None and k not in ("round",):
            med.setdefault((r["cfg"], r["server"], k), []).append(x)
med = {k: (statistics.median(v), len(v)) for k, v in med.items()}
print(f"\n== {scenario}: medians over rounds (n = rounds that produced the figure)")
machine = []
for cfg in configs:
    metrics = IDLE if cfg == "idle" else METRICS
    print(f"\n{cfg}")
    print("  " + f"{'server':<14}" + "".join(f"{h:>17}" for _, h, _, _ in metrics) + f"{'n':>4}")
    for s in servers:
        vals = [med.get((cfg, s, m)) for m, _, _, _ in metrics]
        if all(v is None for v in vals):
            continue
        n = max(v[1] for v in vals if v)
        print("  " + f"{s:<14}" + "".join(f"{(f.format(v[0]) if v else 'NA'):>17}"
                                          for v, (_, _, f, _) in zip(vals, metrics)) + f"{n:>4}")
        fields = " ".join(f"{m}={(f.format(v[0]) if v else 'NA')}" for v, (m, _, f, _) in zip(vals, metrics))
        machine.append(f"MEDIAN scenario={scenario} cfg={cfg} server={s} {fields} n={n}")
print()
print("\n".join(machine))
jaxl = "jaxl"
peers = [s for s in servers if s != jaxl]
if jaxl not in servers:
    print(f"RATIO scenario={scenario} skipped: jaxl was not measured")
for cfg in configs:
    if jaxl not in servers:
        break
    metrics = IDLE[:1] if cfg == "idle" else [m for m in METRICS if m[0] != "usr_us" and m[0] != "sys_us"]
    for m, _, _, higher in metrics:
        j = med.get((cfg, jaxl, m))
        parts = []
        for p in peers:
            v = med.get((cfg, p, m))
            parts.append(f"jaxl/{p}={j[0] / v[0]:.2f}" if j and v and v[0] else f"jaxl/{p}=NA")
        if not j:
            continue  # e.g. no per-request latency for pipelined HTTP
        better = "higher is better" if higher else "lower is better"
        print(f"RATIO scenario={scenario} cfg={cfg} metric={m} {' '.join(parts)} ({better})")
PYEOF
}

# ------------------------------------------------------------------ echo scenario
run_echo() {
  local raw=$OUT/echo-raw.txt
  : >"$raw"
  note "$(date -Is) scenario=echo rounds=$ROUNDS duration=${DURATION}s warmup=${WARMUP}s conns=$CONNS sizes='$ECHO_SIZES' depths='$ECHO_DEPTHS' idle_conns=$IDLE_CONNS server_cpus=${SERVER_CPUS:-any} load_cpus=${LOAD_CPUS:-any} load=$(cut -d' ' -f1-3 /proc/loadavg)"
  if [ "$NO_BUILD" != 1 ]; then
    for c in loadgen tokio_echo mio_echo; do build_peer "$c"; done
  fi
  jaxl_example echo_server
  # label, port, command line (the address is every server's first argument)
  local -a names=() ports=() cmds=()
  if [ -n "$JAXL_BIN" ]; then names+=(jaxl); ports+=(7102); cmds+=("$JAXL_BIN 127.0.0.1:7102"); fi
  names+=(tokio_echo mio_echo)
  ports+=(7100 7101)
  cmds+=("$PEER_DIR/tokio_echo 127.0.0.1:7100" "$PEER_DIR/mio_echo 127.0.0.1:7101")

  local r i size depth cfg out c0 c1 msgs cpu threads line
  for r in $(seq 1 "$ROUNDS"); do
    for i in "${!names[@]}"; do
      local name=${names[$i]} port=${ports[$i]}
      local -a cmd
      read -r -a cmd <<<"${cmds[$i]}"
      note "round $r/$ROUNDS: $name"
      start_server "$name" "$port" "${cmd[@]}" || continue
      for size in $ECHO_SIZES; do
        for depth in $ECHO_DEPTHS; do
          cfg="s${size}_d${depth}"
          local -a lg=("$LOADGEN" echo --addr "127.0.0.1:$port" --conns "$CONNS" --size "$size" --depth "$depth")
          if [ "$WARMUP" -gt 0 ]; then
            timeout $((WARMUP + 30)) "${LOAD_PIN[@]}" "${lg[@]}" --duration "${WARMUP}s" >/dev/null 2>&1 || true
          fi
          c0=$(cputicks "$SPID")
          out=$(timeout $((DURATION + 30)) "${LOAD_PIN[@]}" "${lg[@]}" --duration "${DURATION}s" 2>&1) || true
          c1=$(cputicks "$SPID")
          threads=$(status_field "$SPID" Threads)
          server_alive || break 2
          line=$(grep '^RESULT ' <<<"$out" || true)
          if [ -z "$line" ]; then
            echo "  $cfg: loadgen produced no RESULT: $out" >&2
            continue
          fi
          msgs=$(sed -n 's/.* msgs=\([0-9]*\).*/\1/p' <<<"$line")
          read -r -a cpu <<<"$(cpu_per "$msgs" "$c0" "$c1")"
          echo "  $cfg: $line server_cpu_us_per_msg=${cpu[0]} usr=${cpu[1]} sys=${cpu[2]} threads=$threads"
          echo "ROW server=$name cfg=$cfg round=$r msgs_per_s=$(sed -n 's/.*msgs_per_s=\([0-9.]*\).*/\1/p' <<<"$line") p99_us=$(sed -n 's/.*p99_us=\([0-9.]*\).*/\1/p' <<<"$line") cpu_us=${cpu[0]} usr_us=${cpu[1]} sys_us=${cpu[2]} threads=$threads" >>"$raw"
        done
      done
      stop_server
      if [ "$IDLE_CONNS" -gt 0 ]; then
        start_server "$name" "$port" "${cmd[@]}" || continue
        line=$(timeout 180 "$LOADGEN" idle --addr "127.0.0.1:$port" --conns "$IDLE_CONNS" \
          --hold 1 --pid "$SPID" </dev/null 2>"$OUT/logs/idle-client.log" | grep '^IDLE ' || true)
        stop_server
        echo "  idle: ${line:-no IDLE line (see target/bench/logs/idle-client.log)}"
        if [ -n "$line" ]; then
          echo "ROW server=$name cfg=idle round=$r rss_per_conn_b=$(sed -n 's/.*delta_per_conn_bytes=\([0-9.-]*\).*/\1/p' <<<"$line") ok=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$line")" >>"$raw"
        fi
      fi
    done
  done
  summarize "$raw" echo
}

# ------------------------------------------------------------------ http scenario
to_us() { # wrk latency token (123.45us, 1.20ms, 2.00s) -> µs
  awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us$/,"",v); printf "%.1f", v}
    else if (v ~ /ms$/) {sub(/ms$/,"",v); printf "%.1f", v*1000}
    else if (v ~ /s$/) {sub(/s$/,"",v); printf "%.1f", v*1e6}
    else print "NA"}'
}
run_http() {
  local raw=$OUT/http-raw.txt
  : >"$raw"
  if ! command -v wrk >/dev/null 2>&1; then
    echo "!!! http scenario skipped: wrk is not installed (Debian: apt-get install -y wrk)"
    return 0
  fi
  note "$(date -Is) scenario=http rounds=$ROUNDS duration=${DURATION}s warmup=${WARMUP}s wrk=-t1/-c$CONNS pipeline=$PIPE_DEPTH idle_conns=$IDLE_CONNS server_cpus=${SERVER_CPUS:-any} load_cpus=${LOAD_CPUS:-any} load=$(cut -d' ' -f1-3 /proc/loadavg)"
  if [ "$NO_BUILD" != 1 ]; then
    for c in hyper_hello mio_http; do build_peer "$c"; done
  fi
  jaxl_example hello_world
  local -a names=() ports=() cmds=()
  if [ -n "$JAXL_BIN" ]; then names+=(jaxl); ports+=(8102); cmds+=("$JAXL_BIN 127.0.0.1:8102"); fi
  names+=(hyper_hello mio_http)
  ports+=(8100 8101)
  cmds+=("$PEER_DIR/hyper_hello 127.0.0.1:8100" "$PEER_DIR/mio_http 127.0.0.1:8101")

  local r i mode out c0 c1 nreq rps p50 p99 errs cpu threads line
  for r in $(seq 1 "$ROUNDS"); do
    for i in "${!names[@]}"; do
      local name=${names[$i]} port=${ports[$i]} url="http://127.0.0.1:${ports[$i]}/"
      local -a cmd
      read -r -a cmd <<<"${cmds[$i]}"
      note "round $r/$ROUNDS: $name"
      start_server "$name" "$port" "${cmd[@]}" || continue
      for mode in plain "pipe$PIPE_DEPTH"; do
        local -a extra=("$url")
        if [ "$mode" != plain ]; then
          extra=(-s "$ROOT/benches/pipeline.lua" "$url" -- "$PIPE_DEPTH")
        fi
        if [ "$WARMUP" -gt 0 ]; then
          timeout $((WARMUP + 30)) "${LOAD_PIN[@]}" wrk -t1 -c"$CONNS" -d"${WARMUP}s" "${extra[@]}" >/dev/null 2>&1 || true
        fi
        c0=$(cputicks "$SPID")
        out=$(timeout $((DURATION + 30)) "${LOAD_PIN[@]}" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "${extra[@]}" 2>&1) || true
        c1=$(cputicks "$SPID")
        threads=$(status_field "$SPID" Threads)
        server_alive || break
        rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
        nreq=$(awk '/requests in/ {print $1}' <<<"$out")
        p50=$(to_us "$(awk '$1=="50%" {print $2}' <<<"$out")")
        p99=$(to_us "$(awk '$1=="99%" {print $2}' <<<"$out")")
        # wrk times a pipelined batch as one request: no per-request latency there.
        [ "$mode" = plain ] || { p50=NA; p99=NA; }
        errs=$(awk '/Socket errors|Non-2xx/ {printf "%s;", $0}' <<<"$out" | tr -s ' ' | tr ' ' '_' | sed 's/;$//')
        if [ -z "$rps" ] || [ -z "$nreq" ]; then
          echo "  $mode: wrk gave no result: $out" >&2
          continue
        fi
        read -r -a cpu <<<"$(cpu_per "$nreq" "$c0" "$c1")"
        echo "  $mode: rps=$rps p50_us=$p50 p99_us=$p99 server_cpu_us_per_req=${cpu[0]} usr=${cpu[1]} sys=${cpu[2]} threads=$threads errors=${errs:-none}"
        echo "ROW server=$name cfg=$mode round=$r rps=$rps p99_us=$p99 cpu_us=${cpu[0]} usr_us=${cpu[1]} sys_us=${cpu[2]} threads=$threads errors=${errs:-none}" >>"$raw"
      done
      stop_server
      if [ "$IDLE_CONNS" -gt 0 ]; then
        start_server "$name" "$port" "${cmd[@]}" || continue
        line=$(timeout 180 "$PYTHON" "$ROOT/benches/idle_conns.py" --port "$port" -n "$IDLE_CONNS" \
          --pid "$SPID" --hold 1 2>"$OUT/logs/idle-client.log" | grep '^IDLE ' || true)
        stop_server
        echo "  idle: ${line:-no IDLE line (see target/bench/logs/idle-client.log)}"
        if [ -n "$line" ]; then
          echo "ROW server=$name cfg=idle round=$r rss_per_conn_b=$(sed -n 's/.*delta_per_conn_bytes=\([0-9.-]*\).*/\1/p' <<<"$line") ok=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$line")" >>"$raw"
        fi
      fi
    done
  done
  summarize "$raw" http
}

# ------------------------------------------------------------------ main
# Whatever happens, the server under test is stopped (by its PID) on the way out.
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# run_scenario NAME: run_NAME in this shell (so the traps above cover it), its output also
# going to target/bench/NAME.txt.
run_scenario() {
  "run_$1" > >(tee "$OUT/$1.txt") 2>&1
  wait $! 2>/dev/null || true # let tee finish writing
}
if [ "$SCENARIO" = echo ] || [ "$SCENARIO" = all ]; then run_scenario echo; fi
if [ "$SCENARIO" = http ] || [ "$SCENARIO" = all ]; then run_scenario http; fi
if [ "$SCENARIO" = instr ] || [ "$SCENARIO" = all ]; then
  # User-space instructions per echoed message (callgrind): see benches/echo_instructions.sh.
  build_peer tokio_echo
  build_peer mio_echo
  jaxl_example echo_server
  bash "$ROOT/benches/echo_instructions.sh" | tee "$ROOT/target/bench/instr.txt"
fi
if [ "$SCENARIO" = xmpp ] || [ "$SCENARIO" = all ]; then
  # The XMPP server against a throwaway Prosody: see benches/xmpp/README.md.
  mkdir -p "$ROOT/target/bench"
  bash "$ROOT/benches/xmpp/run.sh" | tee "$ROOT/target/bench/xmpp.txt"
fi
if [ "$SCENARIO" = xmpp-client ] || [ "$SCENARIO" = all ]; then
  # The XMPP client against slixmpp and tokio-xmpp: see benches/README.md. The script
  # writes target/bench/xmpp-client.txt itself.
  bash "$ROOT/benches/xmpp_client/run.sh"
fi
echo "# results written to target/bench/ ($SCENARIO)"
