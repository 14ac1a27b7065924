#!/usr/bin/env bash
# Builds every cargo-fuzz target (client/fuzz, mock-gate/fuzz) and runs each for SECONDS
# (default 10), starting from its committed corpus. Exit 1 when a target crashes (the input is
# kept under target/fuzz/artifacts/), 2 on a bad argument.
#
# Works on the stable toolchain: `cargo fuzz build -s none` (no sanitizer, so no nightly-only
# rustc flag is needed). FUZZ_PROFILE=dev builds without optimisation (about half the cold build
# time, a fraction of the executions per second): what scripts/test.sh uses for its smoke run.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
secs="${1:-10}"
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [ "$secs" -eq 0 ]; then
  echo "fuzz.sh: SECONDS must be a positive whole number, got '$secs'" >&2
  exit 2
fi
# cargo-fuzz's default: optimised, with debug assertions and overflow checks.
profile_flag="" profile_dir=release
case "${FUZZ_PROFILE:-release}" in
  release) ;;
  dev) profile_flag="-D" profile_dir=debug ;;
  *) echo "fuzz.sh: FUZZ_PROFILE must be release or dev, got '${FUZZ_PROFILE}'" >&2; exit 2 ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

target_dir="$repo/target/fuzz"
bin_dir="$target_dir/$(rustc -vV | sed -n 's/^host: //p')/$profile_dir"
status=0
for crate in client/fuzz mock-gate/fuzz; do
  cd "$repo/$crate"
  cargo fuzz build -s none ${profile_flag:+"$profile_flag"} --target-dir "$target_dir"
  for t in $(cargo fuzz list); do
    bin="$bin_dir/$t"
    scratch="$target_dir/corpus/$t"
    artifacts="$target_dir/artifacts/$t"
    mkdir -p "$scratch" "$artifacts" "corpus/$t"
    # New inputs go to the scratch directory; the committed corpus is only read.
    if "$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$scratch" "corpus/$t" >"$target_dir/$t.log" 2>&1; then
      echo "fuzz.sh: $crate $t: $(grep -m1 number_of_executed_units "$target_dir/$t.log" | awk '{print $2}') executions in ${secs} s, no crash"
    else
      echo "fuzz.sh: $crate $t FAILED; log $target_dir/$t.log, input under $artifacts/" >&2
      tail -n 40 "$target_dir/$t.log" >&2
      status=1
    fi
  done
done
exit "$status"
