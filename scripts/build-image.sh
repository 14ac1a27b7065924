#!/usr/bin/env bash
# Builds the mock-gate image `latchgate-mock:<crate version>` (and `:latest`) FROM scratch with a
# static musl binary, the quickstart preset and a small fs root (scripts/image/). Installs the musl
# target and musl-gcc when they are missing (Debian, as root). Prints the versioned tag on stdout.
# A rebuild with no source change reuses cargo's build and Docker's layer cache (a few seconds).
#   IMAGE_NAME        image repository name (default latchgate-mock)
#   CARGO_TARGET_DIR  honoured as by cargo (the binary is read from cargo's target directory)
# Exit 3: no Docker engine or no musl toolchain.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
name="${IMAGE_NAME:-latchgate-mock}"
target=x86_64-unknown-linux-musl

if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
  echo "build-image: no Docker engine reachable (docker info failed)" >&2
  exit 3
fi
if ! rustup target list --installed | grep -qx "$target"; then
  rustup target add "$target" >&2
fi
if ! command -v musl-gcc >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && apt-get install -y -qq musl-tools) >&2
  else
    echo "build-image: musl-gcc missing; install Debian's musl-tools" >&2
    exit 3
  fi
fi

read -r version target_dir < <(cargo metadata --no-deps --format-version 1 | python3 -c '
import json, sys
m = json.load(sys.stdin)
print(next(p["version"] for p in m["packages"] if p["name"] == "latchgate-mock"), m["target_directory"])')

CC_x86_64_unknown_linux_musl=musl-gcc \
  cargo build --locked --profile image --target "$target" -p latchgate-mock --features cli --bin latchgate-mock >&2

context="$repo/target/image-context"
mkdir -p "$context"
# Refresh the context only where something changed, so Docker's COPY layers stay cached.
install -C -m 0755 "$target_dir/$target/image/latchgate-mock" "$context/latchgate-mock"
sync_dir() { # sync_dir SRC NAME: replace $context/NAME by a copy of SRC when they differ
  if ! diff -rq "$1" "$context/$2" >/dev/null 2>&1; then
    rm -rf "$context/$2.new" && cp -r "$1" "$context/$2.new"
    rm -rf "$context/$2" && mv "$context/$2.new" "$context/$2"
  fi
}
sync_dir fixtures/quickstart quickstart
sync_dir scripts/image/fs-root fs-root
install -C -m 0644 scripts/image/Dockerfile "$context/Dockerfile"

# The legacy builder (no buildx needed); its output is shown only when the build fails.
if ! out="$(DOCKER_BUILDKIT=0 docker build --quiet --build-arg "VERSION=$version" \
  -t "$name:$version" -t "$name:latest" "$context" 2>&1)"; then
  echo "$out" >&2
  echo "build-image: docker build failed" >&2
  exit 1
fi
echo "$name:$version"
