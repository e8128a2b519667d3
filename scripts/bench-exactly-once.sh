#!/usr/bin/env bash
# Exactly once under failures: 1,000 customers created through the actions
# against the local simulator with 20% of requests failing (500s, dropped
# connections, answers lost after the customer was stored). Prints how many
# customers exist afterwards (must equal the submissions) and the retries.
# Usage: scripts/bench-exactly-once.sh [count] [failure-rate]
set -euo pipefail
cd "$(dirname "$0")/.."
# Debug build: the figure is the count, not the speed, and it reuses the test build.
cargo run --quiet -p desk-core --example bench_exactly_once -- "${1:-1000}" "${2:-0.2}"
