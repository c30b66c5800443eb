#!/bin/sh
# Run every memlab benchmark (SPEC section 5) on this machine:
# fault path against bench/touch.c, footprint, sampler cost, watch at 1 ms
# and 10 ms, scale 16 MiB..4 GiB, and `memlab all`. Results: bench/results/.
# Usage: bench/run.sh [--quick] [--only fault,footprint,sampler,watch,scale,all]
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet
exec python3 bench/bench.py "$@"
