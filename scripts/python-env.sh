#!/usr/bin/env bash
# Creates (or reuses) the Python venv holding the published LatchGate SDK that the
# tests and the conformance runner's python driver use. Prints the interpreter path.
#   LATCHGATE_PY_VERSION  SDK version from PyPI (default 0.2.0)
#   LATCHGATE_VENV        venv directory (default <repo>/target/py/latchgate-<version>)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${LATCHGATE_PY_VERSION:-0.2.0}"
venv="${LATCHGATE_VENV:-$repo/target/py/latchgate-$version}"
python="${PYTHON:-python3}"

if ! command -v "$python" >/dev/null 2>&1; then
  echo "python-env: '$python' not found; install Python 3.10+ to test the Python SDK" >&2
  exit 3
fi
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('latchgate') != '$version')" 2>/dev/null; then
  echo "python-env: creating $venv with latchgate==$version" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "latchgate==$version" >&2
fi
echo "$venv/bin/python"
