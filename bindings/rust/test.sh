#!/usr/bin/env bash
# Builds the runlog C library if needed, then runs the Rust bindings' tests
# (unit, semantics, errors, threads, the tests/conformance scenarios, the
# -sys ABI checks, doc tests) and the example, checked with `runlog show`.
#
#   bindings/rust/test.sh [cargo test args...]
#
# Environment:
#   RUNLOG_BUILD_DIR   CMake build directory to use (default: build/h-rust in
#                      the repository); configured and built when it has no
#                      build yet, else brought up to date (targets runlog and
#                      runlog_cli only)
#   RUNLOG_SKIP_BUILD=1  use RUNLOG_BUILD_DIR as it is
#   CMAKE_GENERATOR    used when configuring a new build directory (default Ninja)
#   CARGO_TARGET_DIR   default: bindings/rust/target
# Cargo needs crates.io once (cargo fetch); after that everything runs offline.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${RUNLOG_BUILD_DIR:-$root/build/h-rust}"
case "$build" in /*) ;; *) build="$PWD/$build" ;; esac

if [[ "${RUNLOG_SKIP_BUILD:-0}" != 1 ]]; then
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    echo "== configuring the C library in $build"
    cmake -S "$root" -B "$build" -G "${CMAKE_GENERATOR:-Ninja}" -DCMAKE_BUILD_TYPE=Debug -DRUNLOG_BUILD_BENCH=OFF
  fi
  echo "== building runlog and runlog_cli in $build"
  cmake --build "$build" --target runlog runlog_cli
fi

lib_dir="$build/core"
cli="$build/cli/runlog"
[[ -e "$lib_dir/librunlog.so" ]] || { echo "test.sh: no $lib_dir/librunlog.so (build the C library first)" >&2; exit 1; }
[[ -x "$cli" ]] || { echo "test.sh: no runlog CLI at $cli (RUNLOG_BUILD_CLI=OFF?)" >&2; exit 1; }

# The tests choose every setting themselves: drop the caller's WANDB_* variables.
while IFS= read -r var; do unset "$var"; done < <(env | sed -n 's/^\(WANDB_[A-Za-z0-9_]*\)=.*/\1/p')
export WANDB_SILENT=true
export RUNLOG_LIB_DIR="$lib_dir"
export RUNLOG_CLI="$cli"
export LD_LIBRARY_PATH="$lib_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export DYLD_LIBRARY_PATH="$lib_dir${DYLD_LIBRARY_PATH:+:$DYLD_LIBRARY_PATH}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/target}"

cd "$here"
echo "== cargo fetch (network only the first time)"
cargo fetch --locked
start=$(date +%s)
echo "== cargo test (RUNLOG_LIB_DIR=$RUNLOG_LIB_DIR)"
status=0
cargo test --offline --locked --workspace --no-fail-fast "$@" || status=$?

echo "== example: train_rust, then runlog show"
runs="$(mktemp -d "${TMPDIR:-/tmp}/runlog-rust-example.XXXXXX")"
trap 'rm -rf "$runs"' EXIT
WANDB_DIR="$runs" cargo run --offline --locked -q -p runlog-example
"$cli" show latest --dir "$runs" --json --rows 0 > "$runs/show.json"
grep -q '"state": "finished"' "$runs/show.json" || { echo "the example's run is not finished:"; cat "$runs/show.json"; exit 1; }
grep -q '"rows": 200' "$runs/show.json" || { echo "the example's run does not have 200 rows:"; cat "$runs/show.json"; exit 1; }
echo "== example ok"
if [[ $status -ne 0 ]]; then
  echo "== cargo test FAILED (status $status) after $(( $(date +%s) - start ))s" >&2
  exit "$status"
fi
echo "== all Rust tests passed in $(( $(date +%s) - start ))s"
