#!/bin/sh
# Builds and runs the sender's tests without touching the main build:
#   tests/sender/build.sh [extra g++ flags]     (e.g. -fsanitize=address,undefined)
#   GTEST_ARGS=--gtest_filter='Sender.*' tests/sender/build.sh   (unit tests only)
# Needs g++ (C++17), nlohmann/json and GoogleTest (libgtest, libgtest_main).
# The end-to-end test (SenderE2E) starts python3 tests/server/wbserver.py and is
# skipped when it cannot. Output: build/sender-tests/ (SENDER_TEST_OUT moves it).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${SENDER_TEST_OUT:-$root/build/sender-tests}
mkdir -p "$out"
printf '#define RUNLOG_SOURCE_DIR "%s"\n' "$root" > "$out/sender_test_config.h"
flags="-std=c++17 -O1 -g -Wall -Wextra $* -I$root/core -I$out"
srcs="core/sender/sender.cpp core/run_model.cpp core/summary.cpp core/json_text.cpp core/json_scan.cpp
core/journal_reader.cpp core/crc32.cpp tests/sender/sender_test.cpp tests/sender/sender_e2e_test.cpp"
objs=""
for s in $srcs; do objs="$objs $out/$(echo "$s" | tr / _).o"; done
# Compile in parallel (one job per CPU).
echo $srcs | tr ' ' '\n' | xargs -P "$(nproc 2>/dev/null || echo 2)" -I{} sh -c \
  'g++ '"$flags"' -c "'"$root"'/{}" -o "'"$out"'/$(echo {} | tr / _).o"'
g++ $flags $objs -lgtest -lgtest_main -pthread -o "$out/sender_tests"
exec "$out/sender_tests" ${GTEST_ARGS:-}
