#!/usr/bin/env bash
# test.sh: set up and run jaxl's whole test suite, on a fresh Debian machine as root or as a
# user with sudo.
#
#   scripts/test.sh
#
# Steps (each install step is skipped when already satisfied, and says what it does):
#   1. Debian packages the interop tests need, if missing: prosody, openssl, curl, python3,
#      python3-venv.
#   2. A Python virtualenv at target/venv with slixmpp from PyPI (a second XMPP implementation
#      the interop tests talk to).
#   3. Build the workspace and its tests (cargo test --no-run).
#   4. Start a throwaway Prosody on loopback (scripts/prosody-up.sh) and export its env file's
#      variables, plus JAXL_PROSODY_ENV=<env file> and JAXL_SLIXMPP_PYTHON=<venv python>.
#   5. cargo test --workspace --all-features.
#   6. Every tests/interop/test_*.py, run with the venv's python (other .py files there are
#      helpers that Rust tests drive themselves, such as slixmpp_server.py).
#   7. Always stop Prosody (trap), and exit non-zero if anything failed.
# If an install or Prosody's start fails (no root, no network, ...), it prints a loud
# "INTEROP SKIPPED: <why>" and still runs the cargo tests; the interop tests then skip
# themselves, loudly, because their variables are not set.
#
# Env knobs:
#   JAXL_TEST_SKIP_CARGO=1      skip steps 3 and 5 (check the setup and the Python tests only)
#   JAXL_INTEROP_REQUIRED=1     treat an interop skip as a failure
#   JAXL_NO_INSTALL=1           never install anything; skip what is missing
#   JAXL_INSTALL_TIMEOUT=600    seconds allowed for each install command
#   JAXL_TEST_TIMEOUT=1800      seconds allowed for the cargo build, and again for cargo test
#   JAXL_SLIXMPP_SPEC=slixmpp==1.17.0   what pip installs into the venv
#   PYTHON=python3              the interpreter the venv is made from
#   PROSODY_DIR, XMPP_*_PORT, ...   passed on to scripts/prosody-up.sh
#   CARGO_TEST_ARGS             extra arguments after `cargo test --workspace --all-features`
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SKIP_CARGO=${JAXL_TEST_SKIP_CARGO:-0}
INTEROP_REQUIRED=${JAXL_INTEROP_REQUIRED:-0}
NO_INSTALL=${JAXL_NO_INSTALL:-0}
INSTALL_TIMEOUT=${JAXL_INSTALL_TIMEOUT:-600}
TEST_TIMEOUT=${JAXL_TEST_TIMEOUT:-1800}
SLIXMPP_SPEC=${JAXL_SLIXMPP_SPEC:-slixmpp==1.17.0}
PYTHON=${PYTHON:-python3}
VENV=$ROOT/target/venv
PROSODY_DIR=${PROSODY_DIR:-$ROOT/target/prosody}
export PROSODY_DIR

step() { printf '\n==> %s\n' "$*"; }
info() { echo "    $*"; }
INTEROP_SKIPS=()
interop_skip() {
  INTEROP_SKIPS+=("$*")
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! INTEROP SKIPPED: $*"
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo
}
FAILURES=()
fail() { FAILURES+=("$*"); echo "!!! FAILED: $*" >&2; }

# ------------------------------------------------------------------ privileges
# Installs need root: run them directly as root, through sudo otherwise.
AS_ROOT=()
CAN_ROOT=1
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && { [ -t 0 ] || sudo -n true 2>/dev/null; }; then
    AS_ROOT=(sudo)
    [ -t 0 ] || AS_ROOT=(sudo -n)
  else
    CAN_ROOT=0
  fi
fi

APT_UPDATED=0
# apt_install PKG...: install the given Debian packages; returns non-zero on failure.
apt_install() {
  if [ "$NO_INSTALL" = 1 ]; then info "JAXL_NO_INSTALL=1: not installing $*"; return 1; fi
  if ! command -v apt-get >/dev/null 2>&1; then info "no apt-get here: cannot install $*"; return 1; fi
  if [ "$CAN_ROOT" = 0 ]; then info "not root and no usable sudo: cannot install $*"; return 1; fi
  if [ "$APT_UPDATED" = 0 ]; then
    info "apt-get update"
    if ! timeout "$INSTALL_TIMEOUT" "${AS_ROOT[@]}" apt-get update -qq; then
      info "apt-get update failed"
      return 1
    fi
    APT_UPDATED=1
  fi
  info "apt-get install -y $*"
  timeout "$INSTALL_TIMEOUT" "${AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$@"
}

# ------------------------------------------------------------------ cleanup
PROSODY_STARTED=0
cleanup() {
  local rc=$?
  if [ "$PROSODY_STARTED" = 1 ]; then
    "$ROOT/scripts/prosody-down.sh" || true
    PROSODY_STARTED=0
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ 1. Debian packages
step "system packages for the interop tests"
MISSING=()
for pair in prosody:prosody prosodyctl:prosody openssl:openssl curl:curl "$PYTHON:python3"; do
  cmd=${pair%%:*} pkg=${pair#*:}
  if command -v "$cmd" >/dev/null 2>&1; then
    info "ok: $cmd ($(command -v "$cmd"))"
  elif [[ " ${MISSING[*]} " != *" $pkg "* ]]; then
    MISSING+=("$pkg")
  fi
done
if [ ${#MISSING[@]} -gt 0 ]; then
  info "missing: ${MISSING[*]}"
  apt_install "${MISSING[@]}" || info "install of ${MISSING[*]} failed"
fi
HAVE_PROSODY=1
command -v prosody >/dev/null 2>&1 && command -v prosodyctl >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1 ||
  HAVE_PROSODY=0
[ "$HAVE_PROSODY" = 1 ] || interop_skip "prosody/openssl not installed and could not be installed"

# ------------------------------------------------------------------ 2. Python venv + slixmpp
step "Python virtualenv with slixmpp ($VENV)"
VENV_PY=$VENV/bin/python
HAVE_SLIXMPP=0
if [ -x "$VENV_PY" ] && "$VENV_PY" -c 'import slixmpp' 2>/dev/null; then
  info "ok: slixmpp $("$VENV_PY" -c 'import slixmpp; print(slixmpp.__version__)') already in the venv"
  HAVE_SLIXMPP=1
elif ! command -v "$PYTHON" >/dev/null 2>&1; then
  interop_skip "no $PYTHON to make a virtualenv with"
else
  if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
    info "$PYTHON cannot make virtualenvs (no venv/ensurepip module)"
    apt_install python3-venv || info "install of python3-venv failed"
  fi
  if [ ! -x "$VENV_PY" ]; then
    info "$PYTHON -m venv $VENV"
    rm -rf "$VENV"
    timeout "$INSTALL_TIMEOUT" "$PYTHON" -m venv "$VENV" || info "virtualenv creation failed"
  fi
  if [ -x "$VENV_PY" ]; then
    info "pip install $SLIXMPP_SPEC"
    if [ "$NO_INSTALL" = 1 ]; then
      info "JAXL_NO_INSTALL=1: not installing $SLIXMPP_SPEC"
    elif timeout "$INSTALL_TIMEOUT" "$VENV_PY" -m pip install --disable-pip-version-check -q "$SLIXMPP_SPEC"; then
      :
    else
      info "pip install failed"
    fi
    if "$VENV_PY" -c 'import slixmpp' 2>/dev/null; then
      info "ok: slixmpp $("$VENV_PY" -c 'import slixmpp; print(slixmpp.__version__)')"
      HAVE_SLIXMPP=1
    fi
  fi
  [ "$HAVE_SLIXMPP" = 1 ] || interop_skip "could not set up a virtualenv with $SLIXMPP_SPEC"
fi

# ------------------------------------------------------------------ 3. build
if [ "$SKIP_CARGO" = 1 ]; then
  step "build: skipped (JAXL_TEST_SKIP_CARGO=1)"
else
  step "build (cargo test --workspace --all-features --no-run)"
  command -v cargo >/dev/null 2>&1 || { echo "cargo not found: install Rust (rustup) first" >&2; exit 1; }
  if ! timeout "$TEST_TIMEOUT" cargo test --workspace --all-features --no-run; then
    fail "cargo build of the workspace tests"
    exit 1
  fi
fi

# ------------------------------------------------------------------ 4. Prosody
unset JAXL_PROSODY_ENV JAXL_SLIXMPP_PYTHON
if [ "$HAVE_PROSODY" = 1 ]; then
  step "start Prosody (scripts/prosody-up.sh, PROSODY_DIR=$PROSODY_DIR)"
  # A leftover instance of ours from an interrupted run: stop it first.
  "$ROOT/scripts/prosody-down.sh" >/dev/null || true
  PROSODY_STARTED=1
  if timeout 120 "$ROOT/scripts/prosody-up.sh"; then
    ENV_FILE=$PROSODY_DIR/env
    set -a
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    set +a
    export JAXL_PROSODY_ENV=$ENV_FILE
    info "exported JAXL_PROSODY_ENV=$ENV_FILE and its variables (XMPP_C2S_PORT=$XMPP_C2S_PORT, ...)"
  else
    "$ROOT/scripts/prosody-down.sh" >/dev/null || true
    PROSODY_STARTED=0
    interop_skip "Prosody did not start (see $PROSODY_DIR/prosody.log)"
  fi
fi
if [ "$HAVE_SLIXMPP" = 1 ]; then
  export JAXL_SLIXMPP_PYTHON=$VENV_PY
  info "exported JAXL_SLIXMPP_PYTHON=$VENV_PY"
fi

# ------------------------------------------------------------------ 5. cargo test
if [ "$SKIP_CARGO" = 1 ]; then
  step "cargo test: skipped (JAXL_TEST_SKIP_CARGO=1)"
else
  step "cargo test --workspace --all-features ${CARGO_TEST_ARGS:-}"
  # shellcheck disable=SC2086  # CARGO_TEST_ARGS is a list of words on purpose
  if ! timeout "$TEST_TIMEOUT" cargo test --workspace --all-features ${CARGO_TEST_ARGS:-}; then
    fail "cargo test"
  fi
fi

# ------------------------------------------------------------------ 6. Python interop scripts
shopt -s nullglob
PY_TESTS=("$ROOT"/tests/interop/test_*.py)
shopt -u nullglob
if [ ${#PY_TESTS[@]} -eq 0 ]; then
  step "Python interop scripts: no tests/interop/test_*.py"
elif [ "$HAVE_SLIXMPP" != 1 ] || [ -z "${JAXL_PROSODY_ENV:-}" ]; then
  interop_skip "tests/interop/test_*.py (${#PY_TESTS[@]} scripts) need Prosody and the slixmpp venv"
else
  step "Python interop scripts (${#PY_TESTS[@]})"
  for t in "${PY_TESTS[@]}"; do
    info "$VENV_PY ${t#"$ROOT"/}"
    if timeout 300 "$VENV_PY" "$t"; then
      info "ok: ${t#"$ROOT"/}"
    else
      fail "interop script ${t#"$ROOT"/}"
    fi
  done
fi

# ------------------------------------------------------------------ summary
step "summary"
for s in "${INTEROP_SKIPS[@]}"; do echo "    INTEROP SKIPPED: $s"; done
if [ ${#INTEROP_SKIPS[@]} -gt 0 ] && [ "$INTEROP_REQUIRED" = 1 ]; then
  fail "interop skipped while JAXL_INTEROP_REQUIRED=1"
fi
if [ ${#FAILURES[@]} -gt 0 ]; then
  for f in "${FAILURES[@]}"; do echo "    FAILED: $f"; done
  exit 1
fi
echo "    all steps succeeded"
