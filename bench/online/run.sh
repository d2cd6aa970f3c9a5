#!/usr/bin/env bash
# Builds what the online benchmarks need from a Release build, then runs them
# (bench/online/run.py: server(s) on 127.0.0.1, runlog, wandb, @wandb/sdk).
#
#   bench/online/run.sh [run.py options]      e.g. --no-sdk, --smoke, --sdk-rows 10000
#
# BUILD_DIR (default build/release) and JOBS (default 2) can be overridden.
# The W&B reference clients come from tests/server/run_tests.sh's setup
# (build/wbserver/venv with wandb==0.31.0, tests/server/js/node_modules with
# @wandb/sdk 0.5.1): run it once (`tests/server/run_tests.sh --co -q` sets
# them up and only collects the tests). Without them the SDK rows are left out.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BUILD_DIR:-$root/build/release}"
jobs="${JOBS:-2}"

cd "$root"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
    if [[ "$build" != "$root/build/release" ]]; then
        echo "run.sh: $build is not configured (configure it, or leave BUILD_DIR unset for build/release)" >&2
        exit 1
    fi
    cmake --preset release >/dev/null
fi
cmake --build "$build" -j"$jobs" --target bench_online runlog_cli >/dev/null

exec python3 "$here/run.py" --bench "$build/bench/bench_online" --cli "$build/cli/runlog" "$@"
