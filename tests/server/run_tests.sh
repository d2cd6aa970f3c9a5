#!/usr/bin/env bash
# Runs the tests of tests/server (the local W&B-protocol server).
#
#   tests/server/run_tests.sh [--record] [pytest args...]
#
# Makes (once) a venv with the production `wandb` SDK and pytest under
# build/wbserver/venv (WBSERVER_WORK overrides build/wbserver), npm-installs
# the pinned @wandb/sdk into tests/server/js/node_modules (from the committed
# lockfile), then runs pytest. The official clients are required here: a
# missing one fails the run instead of skipping. --record rewrites
# tests/server/fixtures/ from what the official clients send.
# Set WBSERVER_SKIP_JS=1 to leave out the Node client (its tests then skip).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${WBSERVER_WORK:-$root/build/wbserver}"
venv="$work/venv"
python="${PYTHON:-python3}"
wandb_version="0.31.0"           # keep in step with helpers.py WANDB_VERSION
pip_wants="wandb==$wandb_version pytest>=8,<10 cryptography>=42"

record=0
if [[ "${1:-}" == "--record" ]]; then record=1; shift; fi

t0=$(date +%s)
mkdir -p "$work"

# --- Python: venv with wandb (its wheel carries the Go wandb-core binary) ---
stamp="$venv/.wbserver-stamp"
if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null || true)" != "$pip_wants" ]]; then
    echo "run_tests: creating $venv with: $pip_wants"
    rm -rf "$venv"
    if ! "$python" -m venv "$venv"; then
        echo "run_tests: '$python -m venv' failed (on Debian: apt-get install python3-venv)" >&2
        exit 1
    fi
    # shellcheck disable=SC2086
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $pip_wants
    echo "$pip_wants" > "$stamp"
fi
echo "run_tests: $("$venv/bin/python" -c 'import sys, wandb, pytest; print("python", sys.version.split()[0], "wandb", wandb.__version__, "pytest", pytest.__version__)')"

# --- Node: @wandb/sdk from the committed lockfile ---
if [[ "${WBSERVER_SKIP_JS:-0}" != "1" ]]; then
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        echo "run_tests: node and npm are required (or set WBSERVER_SKIP_JS=1)" >&2
        exit 1
    fi
    jsdir="$here/js"
    lock_sum="$(sha256sum "$jsdir/package-lock.json" | cut -d' ' -f1)"
    js_stamp="$jsdir/node_modules/.wbserver-stamp"
    if [[ "$(cat "$js_stamp" 2>/dev/null || true)" != "$lock_sum" ]]; then
        echo "run_tests: npm ci in $jsdir"
        (cd "$jsdir" && npm ci --no-audit --no-fund --loglevel=error)
        echo "$lock_sum" > "$js_stamp"
    fi
    echo "run_tests: node $(node --version), @wandb/sdk $(node -p "require('$jsdir/node_modules/@wandb/sdk/package.json').version")"
    export WBSERVER_REQUIRE_CLIENTS=1
else
    echo "run_tests: WBSERVER_SKIP_JS=1: the Node client's tests will skip"
    export WBSERVER_REQUIRE_CLIENTS=0
fi
echo "run_tests: setup took $(( $(date +%s) - t0 ))s"

export WBSERVER_WORK="$work"
export WBSERVER_WANDB_PYTHON="$venv/bin/python"
if [[ "$record" == 1 ]]; then export WBSERVER_RECORD_FIXTURES=1; fi

cd "$here"
status=0
"$venv/bin/python" -m pytest -c "$here/pytest.ini" --rootdir "$here" --durations=10 "$here" "$@" || status=$?
echo "run_tests: pytest exited $status after $(( $(date +%s) - t0 ))s in total"
exit "$status"
