#!/usr/bin/env bash
# Soak test of the `latchgate-mock serve` binary (release): 8 concurrent latchgate clients execute
# http_fetch (with a lease renewal every 1000 calls and a receipt read-back every 50) for a
# duration; per interval it prints executes, cumulative errors, RSS and p50/p99 latency, then sends
# SIGTERM under load and checks every call made meanwhile was answered in full or refused without
# any response (see mock-gate/README.md, "Soak"). Exit 1 on any error or unclean outcome.
#
#   scripts/soak.sh [SECS] [INTERVAL_SECS]   defaults 600 and 60; e.g. scripts/soak.sh 20 5
# CPU heavy: runs under `nice -n 10`. Not part of the CI run (too long).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
secs="${1:-600}"
interval="${2:-60}"
case "$secs$interval" in *[!0-9]*|"") echo "soak: SECS and INTERVAL_SECS must be whole numbers" >&2; exit 2 ;; esac
exec nice -n 10 cargo bench --locked -p latchgate-mock --bench load -- soak --secs "$secs" --interval "$interval"
