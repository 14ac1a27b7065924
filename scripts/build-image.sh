#!/usr/bin/env bash
# Builds the mock-gate image `latchgate-mock:<crate version>` (and `:latest`) FROM scratch with a
# static musl binary. Installs the musl target and musl-gcc when they are missing (Debian, as root).
# A rebuild with no source change reuses cargo's build and Docker's layer cache.
#   IMAGE_NAME  image repository name (default latchgate-mock)
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

version="$(cargo metadata --no-deps --format-version 1 \
  | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="latchgate-mock"))')"

CC_x86_64_unknown_linux_musl=musl-gcc \
  cargo build --locked --profile image --target "$target" -p latchgate-mock --bin latchgate-mock >&2

context="$repo/target/image-context"
mkdir -p "$context"
# Copy only when changed so Docker's COPY layers stay cached.
install -C -m 0755 "target/$target/image/latchgate-mock" "$context/latchgate-mock"
rm -rf "$context/quickstart.new" && cp -r fixtures/quickstart "$context/quickstart.new"
if ! diff -rq "$context/quickstart.new" "$context/quickstart" >/dev/null 2>&1; then
  rm -rf "$context/quickstart" && mv "$context/quickstart.new" "$context/quickstart"
else
  rm -rf "$context/quickstart.new"
fi
cp scripts/image/Dockerfile "$context/Dockerfile"

DOCKER_BUILDKIT=0 docker build --quiet -t "$name:$version" -t "$name:latest" "$context" >&2
echo "$name:$version"
