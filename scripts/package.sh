#!/usr/bin/env bash
# Packages the three crates as crates.io would take them, and checks what packaging relies on:
#   1. LICENSE: each crate ships a copy of the top-level LICENSE (Apache-2.0); the copies must be
#      identical to it.
#   2. rust-version: the workspace's `rust-version` must equal the highest `rust-version` declared
#      by a package of Cargo.lock (all features, all targets), and the README must state it.
#   3. `cargo package --workspace --locked --no-verify`: the .crate files. They are not built here:
#      scripts/consumer-test.sh builds and tests all three from the unpacked .crate files, as a
#      user would, in the workspace's target dir (a verify build here would compile every
#      dependency once more, ~30 min on a 2-core CI box).
# The .crate files end in target/package/ (scripts/consumer-test.sh unpacks them).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
fail() { echo "package.sh: $*" >&2; exit 1; }

for crate in client mock-gate conformance; do
  cmp -s LICENSE "$crate/LICENSE" \
    || fail "$crate/LICENSE differs from LICENSE (copy it: cp LICENSE $crate/LICENSE)"
done

cargo metadata --locked --all-features --format-version 1 | python3 -c '
import json, re, sys
meta = json.load(sys.stdin)
members = set(meta["workspace_members"])
def key(v):
    parts = [int(x) for x in v.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))
ours = {p["rust_version"] for p in meta["packages"] if p["id"] in members}
if len(ours) != 1 or None in ours:
    sys.exit(f"package.sh: workspace members declare rust-version {sorted(map(str, ours))}; want one, inherited from the workspace")
ours = ours.pop()
deps = [(p["rust_version"], p["name"], p["version"]) for p in meta["packages"]
        if p["id"] not in members and p["rust_version"]]
need, name, version = max(deps, key=lambda d: key(d[0]))
if key(ours) != key(need):
    sys.exit(f"package.sh: rust-version is {ours} but the locked dependencies need {need} "
             f"({name} {version} declares it); set rust-version = \"{need}\" in Cargo.toml")
readme = open("README.md").read()
if f"Rust {ours}" not in readme:
    sys.exit(f"package.sh: README.md does not state the minimum Rust version (\"Rust {ours}\")")
print(f"package.sh: rust-version {ours} = highest of the locked dependencies ({name} {version})", file=sys.stderr)
'

cargo package --workspace --locked --allow-dirty --no-verify >&2
ls target/package/*.crate
