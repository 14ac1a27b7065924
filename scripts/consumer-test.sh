#!/usr/bin/env bash
# Uses the packaged crates as an outside user would: unpacks the .crate files of target/package/
# (run scripts/package.sh first) into a temporary directory, makes a scratch crate there that
# depends on them (as `[patch.crates-io]` path dependencies of their crates.io names), writes the
# README snippets marked `<!-- consumer-test: FILE -->` into it, and runs `cargo test` on it.
# Dependencies come from the local registry cache when it has them (`--offline`), else from the
# registry. The scratch crate builds in the workspace's target dir, so the dependencies it shares
# with the workspace build are not compiled twice.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
for name in latchgate latchgate-mock latchgate-conformance; do
  [ -f "target/package/$name-$version.crate" ] \
    || { echo "consumer-test: target/package/$name-$version.crate missing; run scripts/package.sh" >&2; exit 1; }
done

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/crates" "$scratch/user/src" "$scratch/user/tests"
for name in latchgate latchgate-mock latchgate-conformance; do
  tar -xzf "target/package/$name-$version.crate" -C "$scratch/crates"
done

cat >"$scratch/user/Cargo.toml" <<EOF
[package]
name = "latchgate-user"
version = "0.0.0"
edition = "2021"
publish = false

[dev-dependencies]
latchgate-mock = "$version"
latchgate-conformance = { version = "$version", default-features = false, features = ["harness"] }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
serde_json = "1"

[[test]]
name = "conformance"
harness = false

[patch.crates-io]
latchgate = { path = "../crates/latchgate-$version" }
latchgate-mock = { path = "../crates/latchgate-mock-$version" }
latchgate-conformance = { path = "../crates/latchgate-conformance-$version" }

[profile.dev.package."*"]
opt-level = 1
EOF
echo "//! A user of the packaged crates." >"$scratch/user/src/lib.rs"
# The workspace's lock pins the same dependency versions (and keeps the build offline).
cp Cargo.lock "$scratch/user/Cargo.lock"

python3 - "$scratch/user" README.md mock-gate/README.md conformance/README.md <<'EOF'
import pathlib, re, sys
out = pathlib.Path(sys.argv[1])
written = []
for readme in sys.argv[2:]:
    text = pathlib.Path(readme).read_text()
    for m in re.finditer(r"<!-- consumer-test: (\S+) -->\n```rust\n(.*?)\n```", text, re.S):
        (out / m.group(1)).write_text(m.group(2) + "\n")
        written.append(f"{readme} -> {m.group(1)}")
if not any(w.endswith("tests/mock.rs") for w in written) or not any(w.endswith("tests/conformance.rs") for w in written):
    sys.exit("consumer-test: the README snippets tests/mock.rs and tests/conformance.rs were not found")
print("consumer-test: " + ", ".join(written), file=sys.stderr)
EOF

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
cd "$scratch/user"
if ! cargo fetch --offline >/dev/null 2>&1; then
  cargo fetch
fi
cargo test --offline
