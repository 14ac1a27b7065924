#!/usr/bin/env bash
# Runs every check and test of the workspace, installing what they need first:
# the Python venv with the published `latchgate` SDK, then fmt, clippy and cargo test.
# With CI=true a missing Python or Docker is an error instead of a printed skip.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

if [ "${CI:-}" = "true" ]; then
  export LATCHGATE_REQUIRE_PYTHON=1 LATCHGATE_REQUIRE_DOCKER=1
fi

if py="$(bash scripts/python-env.sh)"; then
  export LATCHGATE_PYTHON="$py"
elif [ -n "${LATCHGATE_REQUIRE_PYTHON:-}" ]; then
  echo "test.sh: the Python SDK venv could not be created" >&2
  exit 1
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
