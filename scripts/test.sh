#!/usr/bin/env bash
# The README's second command: runs every test of runlog, from a fresh
# Debian 12 machine.
#   1. installs the build dependencies if missing (scripts/setup-debian.sh);
#   2. `cmake --workflow --preset dev`   (Debug: configure, build, every ctest test);
#   3. `cmake --workflow --preset asan`  (the same under ASan + UBSan);
#   4. the quickstart example, then the CLI on the run it wrote
#      (ls, show, verify, export as JSON lines and CSV), in a temporary
#      directory;
#   5. the ABI check (scripts/check-abi.sh), the local W&B test server's
#      tests against the official wandb clients (tests/server/run_tests.sh),
#      and the language bindings' own tests (bindings/*/test.sh).
# Prints the time each stage took. Exit status: 0 only if everything passed.
#
# Environment:
#   RUNLOG_TEST_PRESETS   presets to run (default "dev asan"; "nothreads" and
#                         "release" exist too)
#   CMAKE_BUILD_PARALLEL_LEVEL  build jobs (default: the number of cores)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

presets=(${RUNLOG_TEST_PRESETS:-dev asan})
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}"
export CTEST_OUTPUT_ON_FAILURE=1

stage_names=()
stage_times=()
current=""
started_all=$(date +%s)
logs="$(mktemp -d "${TMPDIR:-/tmp}/runlog-test-logs.XXXXXX")"
cleanup=("$logs")

summary() {
    local rc=$?
    if [ -n "$current" ]; then
        stage_names+=("$current (FAILED)")
        stage_times+=($(( $(date +%s) - stage_start )))
    fi
    echo
    echo "==== stage times"
    local i
    for i in "${!stage_names[@]}"; do
        printf '  %-50s %5ss\n' "${stage_names[$i]}" "${stage_times[$i]}"
    done
    printf '  %-50s %5ss\n' "total" $(( $(date +%s) - started_all ))
    # ctest's closing lines of every workflow, summed up.
    local passed=0 failed=0 line
    while read -r line; do
        if [[ $line =~ ([0-9]+)%\ tests\ passed,\ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
            failed=$(( failed + BASH_REMATCH[2] ))
            passed=$(( passed + BASH_REMATCH[3] - BASH_REMATCH[2] ))
        fi
    done < <(cat "$logs"/*.log 2>/dev/null)
    rm -rf "${cleanup[@]}"
    if [ $rc -eq 0 ]; then echo "==== all stages passed"; else echo "==== FAILED (exit $rc)"; fi
    echo "ctest: $passed passed, $failed failed"
}
trap summary EXIT

# stage NAME COMMAND...: runs one stage and records its time.
stage() {
    current="$1"
    shift
    echo
    echo "==== $current"
    stage_start=$(date +%s)
    "$@"
    stage_names+=("$current")
    stage_times+=($(( $(date +%s) - stage_start )))
    current=""
}

examples_and_cli() {
    local preset="${presets[0]}"
    local build="$root/build/$preset"
    local tmp
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/runlog-test.XXXXXX")"
    cleanup+=("$tmp")
    cmake --build "$build" --target quickstart train_cpp runlog_cli
    local cli="$build/cli/runlog"

    echo "-- quickstart (WANDB_DIR=$tmp)"
    (cd "$tmp" && env -u WANDB_MODE -u WANDB_RUN_ID -u WANDB_RESUME -u WANDB_API_KEY -u WANDB_BASE_URL \
        NETRC=/nonexistent/netrc WANDB_DIR="$tmp" "$build/quickstart")
    local id
    id="$(basename "$(readlink "$tmp/runlog/latest-run")")"
    id="${id##*-}"
    echo "-- run id $id"

    echo "-- runlog ls"
    "$cli" ls --dir "$tmp" | tee "$tmp/ls.txt"
    grep -q "$id" "$tmp/ls.txt" || { echo "runlog ls does not list run $id" >&2; return 1; }

    echo "-- runlog show latest"
    "$cli" show latest --dir "$tmp" | tee "$tmp/show.txt"
    grep -q "finished" "$tmp/show.txt" || { echo "runlog show: run $id is not finished" >&2; return 1; }

    echo "-- runlog verify $id"
    "$cli" verify "$id" --dir "$tmp"

    echo "-- runlog export $id (jsonl, csv)"
    "$cli" export "$id" --dir "$tmp" --format jsonl --output "$tmp/history.jsonl"
    "$cli" export "$id" --dir "$tmp" --format csv --output "$tmp/history.csv"
    local rows csv_lines
    rows=$(wc -l <"$tmp/history.jsonl")
    csv_lines=$(wc -l <"$tmp/history.csv")
    echo "   history.jsonl: $rows rows; history.csv: $csv_lines lines"
    head -n 1 "$tmp/history.csv"
    [ "$rows" -eq 200 ] || { echo "expected 200 history rows, got $rows" >&2; return 1; }
    [ "$csv_lines" -eq 201 ] || { echo "expected 201 CSV lines, got $csv_lines" >&2; return 1; }

    echo "-- train_cpp"
    (cd "$tmp" && env -u WANDB_API_KEY NETRC=/nonexistent/netrc WANDB_DIR="$tmp" "$build/train_cpp")
    "$cli" verify latest --dir "$tmp"
    echo "-- examples and CLI: ok"
}

stage "setup (apt packages)" bash "$root/scripts/setup-debian.sh"
workflow() {  # the preset's workflow, its output kept for the totals
    cmake --workflow --preset "$1" 2>&1 | tee "$logs/$1.log"
}
for p in "${presets[@]}"; do
    stage "workflow $p (configure, build, test)" workflow "$p"
done
stage "quickstart + CLI (ls/show/verify/export)" examples_and_cli

# The ABI: only runlog_* exported, no change against abi/ (abidiff) unless the
# ABI version says so.
abi_check() { bash "$root/scripts/check-abi.sh" "$root/build/${presets[0]}"; }
stage "ABI check (abidiff against abi/runlog-abi1.*)" abi_check

# The local W&B-protocol server that the online tests use, checked against
# W&B's own clients (production `wandb` from PyPI, npm @wandb/sdk): a venv and
# an `npm ci` from the committed lockfile under build/wbserver.
wbserver_fidelity() { bash "$root/tests/server/run_tests.sh" -q; }
stage "W&B test server vs official clients (tests/server)" wbserver_fidelity

# Language bindings: each replays tests/conformance/ against the Debug library.
rust_bindings() { RUNLOG_BUILD_DIR="$root/build/${presets[0]}" bash "$root/bindings/rust/test.sh"; }
stage "rust bindings (cargo test)" rust_bindings
# Go and R link an installed library (pkg-config), as their users will.
prefix="$(mktemp -d "${TMPDIR:-/tmp}/runlog-prefix.XXXXXX")"
cleanup+=("$prefix")
install_prefix() { cmake --install "$root/build/${presets[0]}" --prefix "$prefix" >/dev/null; }
stage "install the Debug build for the bindings" install_prefix
go_bindings() { RUNLOG_PREFIX="$prefix" bash "$root/bindings/go/test.sh"; }
stage "go bindings (go test -race)" go_bindings
r_bindings() { RUNLOG_PREFIX="$prefix" bash "$root/bindings/r/test.sh"; }
stage "r bindings (testthat, R CMD check)" r_bindings

# WebAssembly (issue 4): Emscripten, Chromium and playwright-core installed if
# missing (scripts/setup-wasm.sh), then `cmake --workflow --preset wasm`: the ES
# module + .wasm, the JS package, `node --test` and the Chromium test (which
# must run here: RUNLOG_REQUIRE_BROWSER=1 turns a missing browser into a failure).
wasm_setup() { bash "$root/scripts/setup-wasm.sh"; }
stage "setup for wasm (emscripten, chromium, npm ci in wasm/)" wasm_setup
wasm_workflow() { RUNLOG_REQUIRE_BROWSER=1 workflow wasm; }
stage "workflow wasm (ES module + .wasm, node --test, Chromium)" wasm_workflow
