#!/usr/bin/env bash
# Balances benchmark: prints figures, asserts nothing.
#  - sync of 100,000 balance transactions from the simulator (150 ms latency
#    per request, 25 requests/s): ranges side by side vs one page after
#    another vs the ceiling (25 x 100 objects/s);
#  - with 1,000,000 stored rows: a filtered sorted page, per-currency
#    totals, chart series.
# Usage: scripts/bench-balances.sh [--sync N] [--rows N] [--db PATH (keep and reuse the million-row database)]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --release -p desk-core --example bench_balances -- "$@"
