#!/usr/bin/env bash
# Installs what the WebAssembly build and its tests need on Debian 12, only
# what is missing (an optional group beside scripts/setup-debian.sh):
#   - apt: emscripten (3.1.6, with Debian's clang/lld/binaryen), chromium
#     (the browser test's browser), nodejs/npm (Node 20 is expected; Debian 12
#     ships 18, so a newer Node already on the machine is kept);
#   - npm: wasm/node_modules from the committed wasm/package-lock.json
#     (playwright-core only; `npm ci`, never `npx playwright install`: the
#     browser is Debian's /usr/bin/chromium).
#
#   ./scripts/setup-wasm.sh            # install what is missing
#   ./scripts/setup-wasm.sh --check    # only report; exit 1 if something is missing
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
packages=(emscripten chromium)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-wasm: this is not a Debian-like system: install Emscripten 3.1.x, Chromium and Node >= 20" >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    installed "$p" || missing+=("$p")
done
lock_sum="$(sha256sum "$root/wasm/package-lock.json" | cut -d' ' -f1)"
stamp="$root/wasm/node_modules/.runlog-stamp"
npm_needed=0
[ "$(cat "$stamp" 2>/dev/null || true)" = "$lock_sum" ] || npm_needed=1

if [ "${1:-}" = "--check" ]; then
    status=0
    if [ ${#missing[@]} -gt 0 ]; then echo "setup-wasm: missing apt packages: ${missing[*]}" >&2; status=1; fi
    if [ $npm_needed = 1 ]; then echo "setup-wasm: wasm/node_modules is missing or stale (npm ci)" >&2; status=1; fi
    exit $status
fi

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup-wasm: installing ${missing[*]}"
    if [ "$(id -u)" -eq 0 ]; then
        sudo=()
    elif command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
    else
        echo "setup-wasm: not root and no sudo: as root run" >&2
        echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update </dev/null
    "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
    echo "setup-wasm: node $(node --version) is older than 20, which the package and its tests need" >&2
    exit 1
fi

if [ $npm_needed = 1 ]; then
    echo "setup-wasm: npm ci in wasm/ (playwright-core, from the lockfile)"
    (cd "$root/wasm" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_sum" > "$stamp"
fi
echo "setup-wasm: emcc $(NODE_PATH=/usr/share/nodejs emcc --version 2>/dev/null | head -1 | grep -o '[0-9]*\.[0-9]*\.[0-9]*' | head -1), $(chromium --version 2>/dev/null | head -1), node $(node --version)"
