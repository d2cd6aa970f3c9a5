#!/usr/bin/env bash
# Tests of the R binding, from a fresh Debian 12 machine:
#   1. R: installs r-base-core r-cran-jsonlite r-cran-testthat with apt-get
#      if missing (as root, or through sudo; apt-get update first);
#   2. the C library: $RUNLOG_PREFIX if given (an install prefix with
#      lib/pkgconfig/runlog.pc, include/runlog.h, bin/runlog), else built
#      from this repository into build/r-binding and installed into a
#      temporary prefix;
#   3. R CMD INSTALL of bindings/r into a temporary library (flags from
#      pkg-config; the library directory is recorded as an rpath);
#   4. the testthat tests against the installed package (semantics, errors
#      as conditions, the finalizer on gc(), every scenario of
#      tests/conformance/ in two modes, read back with `runlog show`);
#      prints testthat's summary;
#   5. R CMD build + R CMD check --no-manual (set RUNLOG_R_CHECK=0 to skip);
#   6. examples/r/train.R writes an offline run; `runlog show`/`verify` read it.
# Prints the time of each stage; exit status 0 only if everything passed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
t0=$(date +%s)
stage_start=$t0
stage() {
    local now; now=$(date +%s)
    printf '==== %-55s %4ss\n' "$1" $((now - stage_start))
    stage_start=$now
}

tmp="$(mktemp -d "${TMPDIR:-/tmp}/runlog-r-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# ---- 1. R and the packages the binding needs (Debian packages only)
missing=()
command -v Rscript >/dev/null || missing+=(r-base-core)
command -v pkg-config >/dev/null || missing+=(pkg-config)
if command -v Rscript >/dev/null; then
    Rscript -e 'quit(status = !requireNamespace("jsonlite", quietly = TRUE))' >/dev/null 2>&1 || missing+=(r-cran-jsonlite)
    Rscript -e 'quit(status = !requireNamespace("testthat", quietly = TRUE))' >/dev/null 2>&1 || missing+=(r-cran-testthat)
else
    missing+=(r-cran-jsonlite r-cran-testthat)
fi
if [ -z "${RUNLOG_PREFIX:-}" ]; then
    command -v cmake >/dev/null || missing+=(cmake)
    command -v c++ >/dev/null || missing+=(g++)
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    sudo=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "need root or sudo to apt-get install ${missing[*]}" >&2; exit 1; }
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    stage "apt-get install ${missing[*]}"
fi
echo "$(R --version | head -1); jsonlite $(Rscript -e 'cat(format(packageVersion("jsonlite")))'), testthat $(Rscript -e 'cat(format(packageVersion("testthat")))')"

# ---- 2. the C library
if [ -n "${RUNLOG_PREFIX:-}" ]; then
    prefix="$(cd "$RUNLOG_PREFIX" && pwd)"
    echo "using the runlog library in $prefix"
else
    build="${RUNLOG_R_BUILD_DIR:-$root/build/r-binding}"
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
export RUNLOG_CLI="$prefix/bin/runlog"
export RUNLOG_CONFORMANCE_DIR="$root/tests/conformance"
export RUNLOG_WBSERVER="$root/tests/server/wbserver.py"   # the online tests (python3)
pkg-config --exists runlog || { echo "runlog.pc not found under $prefix/lib/pkgconfig" >&2; exit 1; }
[ -x "$RUNLOG_CLI" ] || { echo "no runlog CLI at $RUNLOG_CLI" >&2; exit 1; }
unset WANDB_MODE WANDB_DIR WANDB_RUN_ID WANDB_RESUME WANDB_PROJECT WANDB_NAME WANDB_ENTITY || true

# ---- 3. install the package into a temporary library
lib="$tmp/lib"
mkdir -p "$lib"
# Install from a copy, so no build products land in the source tree.
cp -r "$here" "$tmp/src"
rm -rf "$tmp/src/test.sh" "$tmp/src/src/"*.o "$tmp/src/src/"*.so
if ! R CMD INSTALL --no-multiarch --library="$lib" "$tmp/src" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log" >&2
    exit 1
fi
export R_LIBS="$lib${R_LIBS:+:$R_LIBS}"
stage "R CMD INSTALL (temporary library)"

# ---- 4. testthat
cd "$here/tests/testthat"
Rscript -e '
  suppressPackageStartupMessages({ library(testthat); library(runlog) })
  started <- Sys.time()
  res <- test_dir(".", package = "runlog", load_package = "installed",
                  reporter = if (isatty(stdout())) ProgressReporter$new(show_praise = FALSE)
                             else SummaryReporter$new(show_praise = FALSE),
                  stop_on_failure = FALSE)
  df <- as.data.frame(res)
  secs <- as.numeric(difftime(Sys.time(), started, units = "secs"))
  conf <- grepl("^conformance \\[", df$test)
  cat(sprintf("\ntestthat: %d tests, %d expectations: %d failed, %d skipped, %d errors, %d warnings (%.1fs)\n",
              nrow(df), sum(df$nb), sum(df$failed), sum(df$skipped), sum(df$error), sum(df$warning), secs))
  cat(sprintf("conformance: %d of %d scenario replays passed (%d scenarios x 2 modes)\n",
              sum(conf & df$failed == 0 & !df$error & !df$skipped), sum(conf), sum(conf) / 2))
  quit(status = if (sum(df$failed) + sum(df$error) > 0) 1 else 0)
'
cd "$here"
stage "testthat tests"

# ---- 5. R CMD build + check
if [ "${RUNLOG_R_CHECK:-1}" != 0 ]; then
    (cd "$tmp" && R CMD build --no-build-vignettes --no-manual src >"$tmp/build.log" 2>&1) || { cat "$tmp/build.log" >&2; exit 1; }
    tarball="$(ls "$tmp"/runlog_*.tar.gz)"
    if ! (cd "$tmp" && _R_CHECK_FORCE_SUGGESTS_=false R CMD check --no-manual "$tarball" >"$tmp/check.log" 2>&1); then
        cat "$tmp/check.log" >&2
        cat "$tmp"/runlog.Rcheck/tests/testthat.Rout.fail 2>/dev/null | tail -60 >&2 || true
        exit 1
    fi
    grep -E "^Status:|WARNING|NOTE" "$tmp/check.log" || true
    stage "R CMD build + R CMD check --no-manual"
fi

# ---- 6. the example
runs="$tmp/runs"
mkdir -p "$runs"
WANDB_DIR="$runs" WANDB_SILENT=true Rscript "$root/examples/r/train.R"
"$RUNLOG_CLI" show latest --dir "$runs" --rows 2
"$RUNLOG_CLI" verify latest --dir "$runs" >/dev/null
stage "examples/r/train.R + runlog show/verify"

printf '==== %-55s %4ss\n' "total" $(( $(date +%s) - t0 ))
