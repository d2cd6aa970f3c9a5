#!/bin/sh
# Builds and runs the native HTTP executor's tests, standalone (not part of
# the main build). SANITIZE=1 adds ASan+UBSan. Extra arguments go to ctest.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/build/http${SANITIZE:+-asan}"
flags=""
[ -n "${SANITIZE:-}" ] && flags="-fsanitize=address,undefined -fno-omit-frame-pointer"
cmake -S "$root/tests/http" -B "$out" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="$flags" >/dev/null
cmake --build "$out" -j"$(nproc)"
cd "$out" && ctest --output-on-failure "$@"
