#!/bin/sh
# Run every memlab benchmark (SPEC section 5) on this machine:
# fault path against bench/touch.c, footprint, sampler cost, watch at 1 ms
# and 10 ms, scale 16 MiB..4 GiB, and `memlab all`. Results: bench/results/.
#
# Usage: bench/run.sh [--quick] [--only fault,footprint,sampler,watch,watchmem,watchtree,scale,all,faults]
#                     [--baseline-rev REV]
# --baseline-rev builds memlab at git revision REV (under target/) and
# alternates it with the current build in the watch runs (before/after).
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet
if [ "${1:-}" = "--baseline-rev" ]; then
    rev=$2
    shift 2
    src=target/baseline-src
    rm -rf "$src"
    mkdir -p "$src"
    git archive "$rev" | tar -x -C "$src"
    (cd "$src" && cargo build --release --quiet --target-dir ../baseline-target)
    set -- --baseline target/baseline-target/release/memlab "$@"
fi
exec python3 bench/bench.py "$@"
