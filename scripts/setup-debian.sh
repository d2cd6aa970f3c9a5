#!/usr/bin/env bash
# Installs what building and testing runlog needs on Debian 12 (or Ubuntu):
# a C/C++ toolchain, CMake, Ninja, nlohmann-json, GoogleTest, Google
# Benchmark, pkg-config, mbedTLS and http-parser (the built-in HTTP client),
# and python3 + openssl for the local W&B test server and its test CA. Only missing packages are installed, so a machine
# that has them all never calls apt-get. Runs apt-get directly as root, else
# through sudo.
#
#   ./scripts/setup-debian.sh            # install what is missing
#   ./scripts/setup-debian.sh --check    # only report; exit 1 if something is missing
set -euo pipefail

packages=(build-essential cmake ninja-build nlohmann-json3-dev libgtest-dev libbenchmark-dev pkg-config
          libmbedtls-dev libhttp-parser-dev ca-certificates python3 python3-venv openssl)

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-debian: this is not a Debian-like system (no dpkg/apt-get)." >&2
    echo "setup-debian: install a C/C++17 compiler, CMake >= 3.25, Ninja, nlohmann-json >= 3.10," >&2
    echo "              GoogleTest, Google Benchmark and pkg-config, then run the build again." >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    installed "$p" || missing+=("$p")
done

check_cmake() {
    # The presets' workflows need CMake >= 3.25 (Debian 12 has 3.25.1).
    local v
    v=$(cmake --version 2>/dev/null | awk 'NR==1 { print $3 }')
    if ! printf '%s\n' "$v" | awk -F. '{ exit !($1 > 3 || ($1 == 3 && $2 >= 25)) }'; then
        echo "setup-debian: cmake ${v:-(none)} is older than 3.25, which runlog's presets need" >&2
        exit 1
    fi
}

if [ ${#missing[@]} -eq 0 ]; then
    check_cmake
    echo "setup-debian: all build dependencies are installed"
    exit 0
fi
if [ "${1:-}" = "--check" ]; then
    echo "setup-debian: missing: ${missing[*]}" >&2
    exit 1
fi

echo "setup-debian: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "setup-debian: not root and no sudo: as root run" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update </dev/null
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
check_cmake
echo "setup-debian: done"
