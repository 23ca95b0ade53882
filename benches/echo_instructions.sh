#!/usr/bin/env bash
# echo_instructions.sh: user-space instructions per echoed message, counted by
# valgrind's callgrind (repeatable, whatever else the machine is doing), for jaxl's
# echo_server, the tokio echo peer and the bare mio floor. Called by benches/run.sh
# (scenario `instr`); needs valgrind and python3. Loopback only; each server is stopped
# by its PID.
#
# Method: each server runs under callgrind twice, once with no traffic and once echoing
# N 64-byte messages over one connection, one at a time (benches/pingpong.py: every
# message is its own loop turn, so the count does not depend on how the load batches);
# the difference divided
# by N is the per-message cost (start-up and shutdown cancel out).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
N=${INSTR_MESSAGES:-10000}
OUT=$ROOT/target/bench/instr
mkdir -p "$OUT"
command -v valgrind >/dev/null || { echo "!!! instr scenario skipped: valgrind is not installed"; exit 0; }

count() { # count LABEL PORT MESSAGES CMD...
  local label=$1 port=$2 n=$3; shift 3
  local log=$OUT/$label.$n.log
  valgrind --tool=callgrind --callgrind-out-file="$OUT/$label.$n.out" "$@" "127.0.0.1:$port" >/dev/null 2>"$log" &
  local vp=$!
  timeout 300 python3 "$HERE/pingpong.py" "$port" "$n" 1
  kill -TERM "$vp" 2>/dev/null || true  # (background jobs of a script ignore SIGINT)
  for _ in $(seq 1 100); do kill -0 "$vp" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$vp" 2>/dev/null || true
  wait "$vp" 2>/dev/null || true
  awk '/Collected/ {print $4}' "$log"
}

declare -A PER
port=7400
for spec in "jaxl:$ROOT/target/release/examples/echo_server" "tokio_echo:$ROOT/target/peers/release/tokio_echo" "mio_echo:$ROOT/target/peers/release/mio_echo"; do
  label=${spec%%:*} bin=${spec#*:}
  if [ ! -x "$bin" ]; then echo "!!! $label skipped: $bin not built"; continue; fi
  port=$((port + 1)); base=$(count "$label" "$port" 0 "$bin")
  port=$((port + 1)); full=$(count "$label" "$port" "$N" "$bin")
  PER[$label]=$(( (full - base) / N ))
  echo "RESULT scenario=instr server=$label messages=$N instructions_per_msg=${PER[$label]} (idle run $base, loaded run $full)"
done
if [ -n "${PER[jaxl]:-}" ]; then
  line="RATIO scenario=instr metric=instructions_per_msg"
  for peer in tokio_echo mio_echo; do
    [ -n "${PER[$peer]:-}" ] && line+=" jaxl/$peer=$(awk -v a="${PER[jaxl]}" -v b="${PER[$peer]}" 'BEGIN{printf "%.2f", a/b}')"
  done
  echo "$line (lower is better)"
fi
