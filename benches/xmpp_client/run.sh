#!/usr/bin/env bash
# benches/xmpp_client/run.sh: jaxl's XMPP client against slixmpp and tokio-xmpp, same run,
# loopback only, every phase bounded in time; prints the figures and RATIO lines and
# writes them to target/bench/xmpp-client.txt (one line per measurement in
# target/bench/xmpp-client-raw.txt). See benches/README.md, "XMPP client".
#
#   benches/xmpp_client/run.sh                # everything (about 25 minutes, most of it
#                                             # the clean builds of the weight step)
#   XMPP_CLIENT_PARTS="flood login" benches/xmpp_client/run.sh   # some parts only
#   WEIGHT_BUILD=0 benches/xmpp_client/run.sh # crate counts without the clean builds
#
# Parts (XMPP_CLIENT_PARTS, default "reader flood login weight"):
#   reader  StreamReader alone on stanza corpora, 4 KiB chunks: MB/s, stanzas/s.
#   flood   flood_server (TLS, SASL PLAIN, bind) floods each client with FLOOD_STANZAS chat
#           messages: the client's own CPU µs per received stanza, stanzas/s. jaxl_flood
#           vs slixmpp_flood.py, FLOOD_ROUNDS rounds, alternating.
#   login   connect → STARTTLS → SCRAM-SHA-1 → bound against a throwaway Prosody
#           (scripts/prosody-up.sh): jaxl_login, tokio_xmpp_login (--mode bind and
#           --mode client), slixmpp_login.py; LOGIN_ROUNDS rounds of LOGINS logins each,
#           alternating; then nagle_probe.py (where the time goes).
#   weight  crates in the dependency graph (cargo tree, normal edges, host target) and
#           clean release build wall time of weight/jaxl_min, weight/tokio_xmpp_min,
#           weight/tokio_xmpp_default.
#
# Knobs (defaults): FLOOD_STANZAS=200000 FLOOD_BODY=100 FLOOD_ROUNDS=3 LOGINS=30
#   LOGIN_ROUNDS=3 LOGIN_WARMUP=2 READER_SECONDS=1 WEIGHT_BUILD=1 BENCH_NO_BUILD=0
#   SLIXMPP_PYTHON=target/venv/bin/python (made by scripts/test.sh)
#   FLOOD_PORT=26322 XMPP_CLIENT_C2S_PORT=26222 (Prosody also takes 26280 and 26347)
# tokio-xmpp takes minutes to build in release: this script is a benchmark, never a test.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
HERE=$ROOT/benches/xmpp_client
PARTS=${XMPP_CLIENT_PARTS:-"reader flood login weight"}
FLOOD_STANZAS=${FLOOD_STANZAS:-200000}
FLOOD_BODY=${FLOOD_BODY:-100}
FLOOD_ROUNDS=${FLOOD_ROUNDS:-3}
LOGINS=${LOGINS:-30}
LOGIN_ROUNDS=${LOGIN_ROUNDS:-3}
LOGIN_WARMUP=${LOGIN_WARMUP:-2}
READER_SECONDS=${READER_SECONDS:-1}
WEIGHT_BUILD=${WEIGHT_BUILD:-1}
NO_BUILD=${BENCH_NO_BUILD:-0}
FLOOD_PORT=${FLOOD_PORT:-26322}
C2S_PORT=${XMPP_CLIENT_C2S_PORT:-26222}
PY=${SLIXMPP_PYTHON:-$ROOT/target/venv/bin/python}
for v in FLOOD_STANZAS FLOOD_BODY FLOOD_ROUNDS LOGINS LOGIN_ROUNDS LOGIN_WARMUP FLOOD_PORT C2S_PORT; do
  case ${!v} in '' | *[!0-9]*) echo "$v must be a whole number, not '${!v}'" >&2; exit 2 ;; esac
done

WORK=$ROOT/target/xmpp-client-bench
BIN=$WORK/cargo/release
OUT=$ROOT/target/bench
mkdir -p "$WORK" "$OUT/logs"
# One run at a time: two would share ports, build directory and result files, and load
# the same cores.
exec 9>"$WORK/run.lock"
if ! flock -n 9; then
  echo "another benches/xmpp_client/run.sh is running (lock: $WORK/run.lock); not starting" >&2
  exit 1
fi
# Rows and output go to files of this run, put in place at the end.
RAW=$WORK/raw.$$
: >"$RAW"

main() {
set -e
note() { echo "# $*"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
has_part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
HAVE_SLIXMPP=0
if [ -x "$PY" ] && timeout 30 "$PY" -c 'import slixmpp' 2>/dev/null; then HAVE_SLIXMPP=1; fi

FLOOD_PID=""
PROSODY_DIR=$WORK/prosody
PROSODY_STARTED=0
cleanup() {
  if [ -n "$FLOOD_PID" ]; then kill "$FLOOD_PID" 2>/dev/null || true; wait "$FLOOD_PID" 2>/dev/null || true; fi
  if [ "$PROSODY_STARTED" = 1 ]; then PROSODY_DIR=$PROSODY_DIR "$ROOT/scripts/prosody-down.sh" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

note "$(date -Is) scenario=xmpp-client parts='$PARTS' flood_stanzas=$FLOOD_STANZAS flood_rounds=$FLOOD_ROUNDS logins=$LOGINS login_rounds=$LOGIN_ROUNDS cpus=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$HAVE_SLIXMPP" = 1 ]; then
  note "slixmpp $("$PY" -c 'import slixmpp; print(slixmpp.__version__)') ($PY)"
else
  echo "!!! slixmpp SKIPPED: no $PY with slixmpp (scripts/test.sh makes target/venv)"
fi

# ------------------------------------------------------------------ build
if [ "$NO_BUILD" != 1 ]; then
  note "cargo build --release (benches/xmpp_client: flood_server, jaxl_flood, jaxl_login, reader_bench)"
  CARGO_TARGET_DIR=$WORK/cargo timeout 1800 cargo build --release -q --manifest-path "$HERE/Cargo.toml" -p xmpp_client_bench --bins
  if has_part login; then
    note "cargo build --release -p tokio_xmpp_login (tokio-xmpp: a few minutes the first time)"
    CARGO_TARGET_DIR=$WORK/cargo timeout 1800 cargo build --release -q --manifest-path "$HERE/Cargo.toml" -p tokio_xmpp_login
  fi
fi

# ------------------------------------------------------------------ reader
if has_part reader; then
  note "reader: StreamReader on stanza corpora, 4 KiB chunks, ${READER_SECONDS}s per corpus"
  timeout 600 "$BIN/reader_bench" --seconds "$READER_SECONDS" --chunk 4096 | tee -a "$RAW"
fi

# ------------------------------------------------------------------ flood
if has_part flood; then
  note "flood: $FLOOD_STANZAS chat messages (body $FLOOD_BODY B) per client, $FLOOD_ROUNDS rounds"
  if port_open "$FLOOD_PORT"; then
    echo "!!! flood SKIPPED: port $FLOOD_PORT already in use"
  else
    CERT=$WORK/flood.crt
    rm -f "$CERT"
    "$BIN/flood_server" --listen "127.0.0.1:$FLOOD_PORT" --cert-out "$CERT" --count "$FLOOD_STANZAS" \
      --body "$FLOOD_BODY" --timeout 60 >"$OUT/logs/flood_server.log" 2>&1 </dev/null &
    FLOOD_PID=$!
    for _ in $(seq 1 100); do port_open "$FLOOD_PORT" && [ -s "$CERT" ] && break; sleep 0.1; done
    clients=(jaxl)
    [ "$HAVE_SLIXMPP" = 1 ] && clients+=(slixmpp)
    for r in $(seq 1 "$FLOOD_ROUNDS"); do
      for c in "${clients[@]}"; do
        case $c in
          jaxl) cmd=("$BIN/jaxl_flood" --port "$FLOOD_PORT" --ca "$CERT" --timeout 300) ;;
          slixmpp) cmd=("$PY" "$HERE/slixmpp_flood.py" --port "$FLOOD_PORT" --ca "$CERT" --timeout 300) ;;
        esac
        line=$(timeout 330 "${cmd[@]}" 2>>"$OUT/logs/flood-$c.log" | grep '^RESULT ' || true)
        sent=$(grep '^FLOOD ' "$OUT/logs/flood_server.log" | tail -1 | sed 's/^FLOOD //')
        if [ -z "$line" ]; then
          echo "  round $r $c: no RESULT (see target/bench/logs/flood-$c.log)"
          continue
        fi
        echo "  round $r $c: ${line#RESULT } | server: $sent"
        echo "ROW part=flood client=$c round=$r ${line#RESULT client=$c } server_$(sed -n 's/.*\(cpu_us_per_stanza=[0-9.]*\).*/\1/p' <<<"$sent")" >>"$RAW"
      done
    done
    kill "$FLOOD_PID" 2>/dev/null || true
    wait "$FLOOD_PID" 2>/dev/null || true
    FLOOD_PID=""
  fi
fi

# ------------------------------------------------------------------ login
if has_part login; then
  note "login: connect → STARTTLS → SCRAM-SHA-1 → bound against Prosody, $LOGIN_ROUNDS rounds × $LOGINS logins"
  if ! command -v prosody >/dev/null; then
    echo "!!! login SKIPPED: prosody not installed (apt-get install prosody)"
  else
    if [ -f "$PROSODY_DIR/launcher.pid" ] && kill -0 "$(cat "$PROSODY_DIR/launcher.pid")" 2>/dev/null; then
      note "reusing the Prosody already running from $PROSODY_DIR (left running)"
    else
      PROSODY_DIR=$PROSODY_DIR XMPP_C2S_PORT=$C2S_PORT XMPP_HTTP_PORT=$((C2S_PORT + 58)) \
        XMPP_COMPONENT_PORT=$((C2S_PORT + 125)) XMPP_USERS="bench:bench-pw" LOGLEVEL=warn \
        timeout 120 "$ROOT/scripts/prosody-up.sh" >"$OUT/logs/prosody-up.log" 2>&1 ||
        { echo "!!! login SKIPPED: prosody-up.sh failed:"; tail -5 "$OUT/logs/prosody-up.log"; }
      [ -f "$PROSODY_DIR/env" ] && PROSODY_STARTED=1
    fi
    if [ -f "$PROSODY_DIR/env" ]; then
      C2S_PORT=$(sed -n 's/^XMPP_C2S_PORT=//p' "$PROSODY_DIR/env")
      CA=$PROSODY_DIR/certs/ca.crt
      note "prosody $(dpkg-query -W -f='${Version}' prosody 2>/dev/null || echo '?') on 127.0.0.1:$C2S_PORT; every client trusts only its CA (SSL_CERT_FILE=CA, SSL_CERT_DIR unset)"
      common=(--port "$C2S_PORT" --count "$LOGINS" --warmup "$LOGIN_WARMUP" --timeout 300)
      clients=(jaxl tokio-xmpp-bind tokio-xmpp-client)
      [ "$HAVE_SLIXMPP" = 1 ] && clients+=(slixmpp)
      for r in $(seq 1 "$LOGIN_ROUNDS"); do
        for c in "${clients[@]}"; do
          case $c in
            jaxl) cmd=("$BIN/jaxl_login" --ca "$CA" "${common[@]}") ;;
            tokio-xmpp-bind) cmd=("$BIN/tokio_xmpp_login" --mode bind "${common[@]}") ;;
            tokio-xmpp-client) cmd=("$BIN/tokio_xmpp_login" --mode client "${common[@]}") ;;
            slixmpp) cmd=("$PY" "$HERE/slixmpp_login.py" --ca "$CA" "${common[@]}") ;;
          esac
          line=$(env -u SSL_CERT_DIR SSL_CERT_FILE="$CA" timeout 330 "${cmd[@]}" 2>>"$OUT/logs/login-$c.log" | grep '^RESULT ' || true)
          if [ -z "$line" ]; then
            echo "  round $r $c: no RESULT (see target/bench/logs/login-$c.log)"
            continue
          fi
          echo "  round $r $c: ${line#RESULT }"
          echo "ROW part=login client=$c round=$r ${line#RESULT client=$c }" >>"$RAW"
        done
      done
      # The same jaxl login with the machine's whole certificate store loaded at each
      # connect (as a client configured with system roots does): what that costs.
      line=$(timeout 330 "$BIN/jaxl_login" --ca "$CA" "${common[@]}" 2>>"$OUT/logs/login-jaxl.log" | grep '^RESULT ' || true)
      [ -n "$line" ] && echo "  jaxl with the system store loaded per connect (SSL_CERT_FILE=${SSL_CERT_FILE:-unset} SSL_CERT_DIR=${SSL_CERT_DIR:-unset}): ${line#RESULT }" &&
        echo "ROW part=login-sysroots client=jaxl round=1 ${line#RESULT client=jaxl }" >>"$RAW"
      line=$(timeout 120 python3 "$HERE/nagle_probe.py" --port "$C2S_PORT" --ca "$CA" --rounds 10 2>>"$OUT/logs/nagle_probe.log" || true)
      [ -n "$line" ] && echo "  $line" && echo "ROW part=probe ${line#PROBE }" >>"$RAW"
    fi
    if [ "$PROSODY_STARTED" = 1 ]; then
      PROSODY_DIR=$PROSODY_DIR "$ROOT/scripts/prosody-down.sh" >/dev/null 2>&1 || true
      PROSODY_STARTED=0
    fi
  fi
fi

# ------------------------------------------------------------------ weight
if has_part weight; then
  note "weight: crates (cargo tree -e normal, host target) and clean release builds"
  timeout 600 cargo fetch -q --manifest-path "$HERE/Cargo.toml" || true
  for p in jaxl_min tokio_xmpp_min tokio_xmpp_default; do
    crates=$(cd "$HERE" && timeout 300 cargo tree -p "$p" -e normal --prefix none 2>/dev/null |
      sed 's/ (\*)//; s/ (proc-macro)//' | awk '{print $1" "$2}' | sort -u | grep -vc "^$p ")
    with_build=$(cd "$HERE" && timeout 300 cargo tree -p "$p" -e normal,build --prefix none 2>/dev/null |
      sed 's/ (\*)//; s/ (proc-macro)//' | awk '{print $1" "$2}' | sort -u | grep -vc "^$p ")
    secs=NA
    units=NA
    if [ "$WEIGHT_BUILD" = 1 ]; then
      dir=$OUT/weight/$p
      rm -rf "$dir"
      t0=$(date +%s.%N)
      if CARGO_TARGET_DIR=$dir timeout 1800 cargo build --release --manifest-path "$HERE/Cargo.toml" -p "$p" \
        >"$OUT/logs/build-$p.log" 2>&1; then
        secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
        units=$(grep -c '^ *Compiling ' "$OUT/logs/build-$p.log" || true)
      else
        echo "  $p: build failed (see target/bench/logs/build-$p.log)"
      fi
      rm -rf "$dir"
    fi
    echo "  $p: crates=$crates crates_with_build_deps=$with_build compiled_units=$units clean_release_build_s=$secs"
    echo "ROW part=weight client=$p crates=$crates crates_with_build_deps=$with_build compiled_units=$units build_s=$secs" >>"$RAW"
  done
fi

# ------------------------------------------------------------------ summary
python3 - "$RAW" <<'PY'
import statistics, sys
rows = []
for line in open(sys.argv[1]):
    w = line.split()
    if w and w[0] in ("ROW", "READER"):
        rows.append((w[0], dict(x.split("=", 1) for x in w[1:] if "=" in x)))

def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None

def med(part, client, key):
    v = [num(d.get(key)) for k, d in rows if k == "ROW" and d.get("part") == part and d.get("client") == client]
    v = [x for x in v if x is not None]
    return (statistics.median(v), len(v)) if v else (None, 0)

def fmt(x, f="{:.2f}"):
    return "NA" if x is None else f.format(x)

out = ["", "== xmpp-client: medians over rounds (n = rounds)"]
machine = []
reader = [d for k, d in rows if k == "READER" and "corpus" in d]
if reader:
    out.append("\nreader (StreamReader alone, 4 KiB chunks)")
    out.append(f"  {'corpus':<10}{'avg stanza B':>14}{'MB/s':>9}{'stanzas/s':>12}{'best MB/s':>11}{'quick-xml floor MB/s':>22}{'allocs/stanza':>15}")
    for d in reader:
        out.append(f"  {d['corpus']:<10}{d['avg_stanza_b']:>14}{d['mb_per_s']:>9}{d['stanzas_per_s']:>12}{d.get('best_mb_per_s', 'NA'):>11}{d['floor_mb_per_s']:>22}{d.get('allocs_per_stanza', 'NA'):>15}")
    lin = [d for k, d in rows if k == "READER" and "mb_per_s_64k_over_256" in d]
    if lin:
        out.append(f"  MB/s at 64 KiB / MB/s at 256 B = {lin[0]['mb_per_s_64k_over_256']} (median passes), "
                   f"{lin[0].get('best_mb_per_s_64k_over_256', 'NA')} (fastest passes); 1 = flat, < 1 would mean worse than linear")

def table(part, title, metrics, clients):
    present = [c for c in clients if any(med(part, c, m)[1] for m, _, _ in metrics)]
    if not present:
        return
    out.append(f"\n{title}")
    out.append("  " + f"{'client':<20}" + "".join(f"{h:>16}" for _, h, _ in metrics) + f"{'n':>4}")
    for c in present:
        vals = [med(part, c, m) for m, _, _ in metrics]
        n = max(v[1] for v in vals)
        out.append("  " + f"{c:<20}" + "".join(f"{fmt(v[0], f):>16}" for v, (_, _, f) in zip(vals, metrics)) + f"{n:>4}")
        machine.append(f"MEDIAN scenario=xmpp-client part={part} client={c} " +
                       " ".join(f"{m}={fmt(v[0], f)}" for v, (m, _, f) in zip(vals, metrics)) + f" n={n}")

table("flood", "flood (received chat stanzas, TLS, client CPU from online to the marker)",
      [("cpu_us_per_stanza", "CPU µs/stanza", "{:.3f}"), ("stanzas_per_s", "stanzas/s", "{:.0f}"),
       ("server_cpu_us_per_stanza", "sender µs/st", "{:.3f}")], ["jaxl", "slixmpp"])
table("login", "login (connect → STARTTLS → SCRAM-SHA-1 → bound, Prosody)",
      [("p50_ms", "p50 ms", "{:.2f}"), ("p90_ms", "p90 ms", "{:.2f}"), ("min_ms", "min ms", "{:.2f}"),
       ("cpu_ms_per_login", "CPU ms/login", "{:.2f}")],
      ["jaxl", "tokio-xmpp-bind", "tokio-xmpp-client", "slixmpp"])
table("login-sysroots", "login, jaxl with the system certificate store loaded at each connect",
      [("p50_ms", "p50 ms", "{:.2f}"), ("p90_ms", "p90 ms", "{:.2f}"), ("cpu_ms_per_login", "CPU ms/login", "{:.2f}")], ["jaxl"])
probe = [d for k, d in rows if k == "ROW" and d.get("part") == "probe"]
if probe:
    out.append(f"\nprobe: features after STARTTLS {probe[0]['features_after_tls_ms_default']} ms by default, "
               f"{probe[0]['features_after_tls_ms_quickack']} ms with TCP_QUICKACK (Prosody's Nagle × the client's delayed ACK)")
table("weight", "weight (crates: cargo tree -e normal, host target, the program itself not counted)",
      [("crates", "crates", "{:.0f}"), ("crates_with_build_deps", "+build deps", "{:.0f}"),
       ("compiled_units", "compiled", "{:.0f}"), ("build_s", "clean build s", "{:.1f}")],
      ["jaxl_min", "tokio_xmpp_min", "tokio_xmpp_default"])
out.append("")
out.extend(machine)

def ratio(part, a, b, key, goal, better):
    x, y = med(part, a, key)[0], med(part, b, key)[0]
    if x is None and y is None:
        return  # part not run
    r = "NA" if x is None or not y else f"{x / y:.3f}"
    out.append(f"RATIO scenario=xmpp-client part={part} metric={key} {a}/{b}={r} goal {goal} ({better} is better)")

ratio("flood", "jaxl", "slixmpp", "cpu_us_per_stanza", "<= 0.05", "lower")
ratio("flood", "jaxl", "slixmpp", "stanzas_per_s", "report", "higher")
for peer in ("tokio-xmpp-bind", "tokio-xmpp-client", "slixmpp"):
    goal = "<= 1" if peer == "tokio-xmpp-bind" else "report"
    ratio("login", "jaxl", peer, "p50_ms", goal, "lower")
    ratio("login", "jaxl", peer, "p90_ms", "report", "lower")
for peer in ("tokio_xmpp_default", "tokio_xmpp_min"):
    ratio("weight", "jaxl_min", peer, "crates", "<= 0.25 (and <= 38 crates)", "lower")
    ratio("weight", "jaxl_min", peer, "build_s", "<= 0.33", "lower")
lin = [d for k, d in rows if k == "READER" and "mb_per_s_64k_over_256" in d]
if lin:
    out.append(f"RATIO scenario=xmpp-client part=reader metric=mb_per_s size64k/size256={lin[0]['mb_per_s_64k_over_256']} goal ~1 (flat: linear in stanza size)")
    out.append(f"RATIO scenario=xmpp-client part=reader metric=best_mb_per_s size64k/size256={lin[0].get('best_mb_per_s_64k_over_256', 'NA')} goal ~1 (flat: linear in stanza size)")
print("\n".join(out))
PY
note "results written to target/bench/xmpp-client.txt (rows: target/bench/xmpp-client-raw.txt)"
}

# The servers this run starts are stopped by main's EXIT trap (main runs in the pipeline's
# subshell); the files are put in place once tee has written everything.
set +e
main 2>&1 | tee "$WORK/out.$$"
rc=${PIPESTATUS[0]}
mv -f "$RAW" "$OUT/xmpp-client-raw.txt"
mv -f "$WORK/out.$$" "$OUT/xmpp-client.txt"
exit "$rc"
