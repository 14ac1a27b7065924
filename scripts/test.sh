#!/usr/bin/env bash
# Runs every check and test of the workspace, installing what they need first:
# the Python venv with the published `latchgate` SDK, Node.js (example driver) and Chromium
# (HTML report test) from Debian's packages when missing, then fmt, clippy, the mock-gate image,
# cargo test, packaging (scripts/package.sh, scripts/consumer-test.sh) and the Docker smoke test
# (scripts/ci-smoke.sh). The fuzzers (scripts/fuzz.sh) are not run here: their cold build alone
# exceeds the CI budget.
# With CI=true a missing Python, Docker, Node.js or Chromium is an error instead of a printed skip.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

# The REQUIRE switches are on unless unset, empty, 0, false or no (as the tests read them).
switch_on() { case "${1:-}" in "" | 0 | false | no) return 1 ;; *) return 0 ;; esac; }

if [ "${CI:-}" = "true" ]; then
  export LATCHGATE_REQUIRE_PYTHON=1 LATCHGATE_REQUIRE_DOCKER=1 LATCHGATE_REQUIRE_NODE=1 LATCHGATE_REQUIRE_CHROMIUM=1
fi

# Debian packages the tests use: `node` runs the example driver (conformance/drivers/node/),
# `chromium` renders the HTML report (conformance/tests/html_browser.rs).
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "test.sh: ${missing[*]} missing and not installable here (needs root and apt-get); their tests skip" >&2
  fi
fi

if py="$(bash scripts/python-env.sh)"; then
  export LATCHGATE_PYTHON="$py"
elif switch_on "${LATCHGATE_REQUIRE_PYTHON:-}"; then
  echo "test.sh: the Python SDK venv could not be created" >&2
  exit 1
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# The libraries as users build them: without the binaries' and containers' features.
cargo clippy --workspace --lib --no-default-features -- -D warnings
# The mock-gate image for the docker tests (they read LATCHGATE_MOCK_IMAGE) and the smoke test.
docker_ok=""
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  docker_ok=1
  LATCHGATE_MOCK_IMAGE="$(bash scripts/build-image.sh)"
  export LATCHGATE_MOCK_IMAGE
elif switch_on "${LATCHGATE_REQUIRE_DOCKER:-}"; then
  echo "test.sh: no Docker engine reachable (docker info failed) and LATCHGATE_REQUIRE_DOCKER=1" >&2
  exit 1
else
  echo "test.sh: no Docker engine reachable; skipping the image build and the smoke test" >&2
fi
cargo test --workspace
# The crates as crates.io would take them (LICENSE copies, rust-version, `cargo package`), then a
# scratch crate outside the workspace that depends on the packaged crates and runs the READMEs'
# snippets.
bash scripts/package.sh
bash scripts/consumer-test.sh
if [ -n "$docker_ok" ]; then
  bash scripts/ci-smoke.sh
fi
