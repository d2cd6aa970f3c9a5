#!/usr/bin/env bash
# The README's first command: from a fresh Debian 12 machine to a tracked run.
#   1. installs the build dependencies if missing (scripts/setup-debian.sh);
#   2. builds the quickstart example and the runlog CLI (preset "release");
#   3. runs the quickstart: it trains a tiny model and records the run,
#      offline, in ./runlog/ (or $WANDB_DIR/runlog/) — no account needed
#      (with WANDB_API_KEY set, or a key in ~/.netrc, it also uploads the run
#      to W&B, or to WANDB_BASE_URL; WANDB_MODE=offline keeps it local);
#   4. shows and verifies that run with the CLI.
# Any WANDB_* variable you set is honoured (WANDB_DIR, WANDB_PROJECT, ...).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash "$root/scripts/setup-debian.sh"

echo "==> building quickstart and the runlog CLI (build/release)"
cmake --preset release >/dev/null
cmake --build --preset release --target quickstart runlog_cli

quickstart="$root/build/release/quickstart"
cli="$root/build/release/cli/runlog"

echo
echo "==> $ ${quickstart#"$root"/}"
"$quickstart"

echo
echo "==> $ runlog show latest"
"$cli" show latest
echo
echo "==> $ runlog verify latest"
"$cli" verify latest

echo
echo "The CLI is ${cli#"$root"/}; try: ${cli#"$root"/} ls"
