#!/usr/bin/env bash
# Tests of the Go binding, from a fresh checkout:
#   1. the C library: $RUNLOG_PREFIX if given (an install prefix holding
#      lib/pkgconfig/runlog.pc, include/runlog.h, bin/runlog), else built
#      from this repository into build/go-binding and installed into a
#      temporary prefix;
#   2. PKG_CONFIG_PATH / LD_LIBRARY_PATH / RUNLOG_CLI pointed at it;
#   3. go vet, then go test -race -count=1 ./... (semantics, errors,
#      8 goroutines x 2k rows, the GC safety net, every scenario of
#      tests/conformance/ in two modes, read back with `runlog show`;
#      online mode and Sync through the net/http transport plug-in against
#      tests/server/wbserver.py on 127.0.0.1, which needs python3);
#   4. the build tag runlog_local (header from capi/, library from
#      CGO_LDFLAGS) compiles and passes a short test;
#   5. examples/go writes an offline run, and `runlog show`/`verify` read it.
# Prints the time of each stage; exit status 0 only if everything passed.
#
# Environment: RUNLOG_PREFIX (skip the C build), GO (default: go),
# GOFLAGS/CGO_* as usual.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
GO="${GO:-go}"
t0=$(date +%s)
stage_start=$t0
stage() { # name of the finished stage
    local now; now=$(date +%s)
    printf '==== %-55s %4ss\n' "$1" $((now - stage_start))
    stage_start=$now
}

tmp="$(mktemp -d "${TMPDIR:-/tmp}/runlog-go-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

command -v "$GO" >/dev/null || { echo "go not found (install Go >= 1.24)" >&2; exit 1; }
command -v pkg-config >/dev/null || { echo "pkg-config not found (apt-get install -y pkg-config)" >&2; exit 1; }

if [ -n "${RUNLOG_PREFIX:-}" ]; then
    prefix="$(cd "$RUNLOG_PREFIX" && pwd)"
    echo "using the runlog library in $prefix"
else
    build="${RUNLOG_GO_BUILD_DIR:-$root/build/go-binding}"
    prefix="$tmp/prefix"
    generator=()
    command -v ninja >/dev/null && generator=(-G Ninja)
    if [ ! -f "$build/CMakeCache.txt" ]; then
        cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DRUNLOG_BUILD_TESTS=OFF -DRUNLOG_BUILD_BENCH=OFF -DRUNLOG_BUILD_EXAMPLES=OFF \
            -DRUNLOG_BUILD_CLI=ON >/dev/null
    fi
    cmake --build "$build" --parallel "$(nproc 2>/dev/null || echo 2)"
    cmake --install "$build" --prefix "$prefix" >/dev/null
    stage "C library (build + install into a temporary prefix)"
fi

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export RUNLOG_CLI="$prefix/bin/runlog"
export CGO_ENABLED=1
# Go's build cache keeps the LDFLAGS pkg-config gave when the package was
# first compiled (a prefix that may be gone now): name this prefix too.
export CGO_LDFLAGS="${CGO_LDFLAGS:-} -L$prefix/lib"
pkg-config --exists runlog || { echo "runlog.pc not found under $prefix/lib/pkgconfig" >&2; exit 1; }
[ -x "$RUNLOG_CLI" ] || { echo "no runlog CLI at $RUNLOG_CLI" >&2; exit 1; }
unset WANDB_MODE WANDB_DIR WANDB_RUN_ID WANDB_RESUME WANDB_PROJECT WANDB_NAME WANDB_ENTITY || true
echo "runlog $(pkg-config --modversion runlog), $("$GO" version)"

cd "$here"
unformatted="$(gofmt -l .)"
[ -z "$unformatted" ] || { echo "gofmt needed: $unformatted" >&2; exit 1; }
"$GO" vet ./...
stage "gofmt + go vet"

status=0
"$GO" test -race -count=1 -v ./... >"$tmp/test.log" 2>&1 || status=$?
grep -E '^(\s*--- (FAIL|SKIP)|FAIL|ok |panic)' "$tmp/test.log" || true
pass=$(grep -cE '^\s*--- PASS' "$tmp/test.log" || true)
fail=$(grep -cE '^\s*--- FAIL' "$tmp/test.log" || true)
skip=$(grep -cE '^\s*--- SKIP' "$tmp/test.log" || true)
if [ "$status" != 0 ]; then
    grep -vE '^(=== (RUN|PAUSE|CONT)|\s*--- PASS)' "$tmp/test.log" | tail -80
    echo "go test failed ($pass passed, $fail failed, $skip skipped, tests and subtests)" >&2
    exit 1
fi
scenarios=$(ls "$root"/tests/conformance/*.json 2>/dev/null | wc -l)
echo "go test -race: $pass passed, $fail failed, $skip skipped (tests and subtests; $scenarios conformance scenarios x 2 modes)"
stage "go test -race -count=1 ./..."

# The runlog_local tag: no pkg-config, header from capi/, library from the environment.
CGO_LDFLAGS="-L$prefix/lib -Wl,-rpath,$prefix/lib" PKG_CONFIG_PATH=/nonexistent \
    "$GO" test -tags runlog_local -count=1 -run 'TestVersion|TestLogSteps' ./... >/dev/null
stage "go test -tags runlog_local (CGO_LDFLAGS)"

runs="$tmp/runs"
mkdir -p "$runs"
(cd "$root/examples/go" && "$GO" vet . && WANDB_DIR="$runs" WANDB_SILENT=true "$GO" run .)
"$RUNLOG_CLI" show latest --dir "$runs" --rows 3
"$RUNLOG_CLI" verify latest --dir "$runs" >/dev/null
rows=$("$RUNLOG_CLI" show latest --dir "$runs" --json --rows 0 | python3 -c 'import json,sys; print(json.load(sys.stdin).get("state"))' 2>/dev/null || echo "?")
echo "example run state: $rows"
stage "examples/go + runlog show/verify"

printf '==== %-55s %4ss\n' "total" $(( $(date +%s) - t0 ))
