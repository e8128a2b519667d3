#!/usr/bin/env bash
# A "For each" of 1,000 customer updates (by default), side by side, against
# the local simulator with 150 ms latency per request and Stripe's test-mode
# limit of 25 requests/s: prints items/s against that ceiling (one request
# per item), and the same one after another on 100 items for comparison.
# Exits non-zero unless every customer was updated exactly once and no
# request went over the limit.
# Usage: scripts/bench-workflows.sh [items] [latency-ms] [one-after-another-items]
set -euo pipefail
cd "$(dirname "$0")/.."
# Debug build: the figure is bounded by the rate limit, not the build, and it reuses the test build.
cargo run --quiet -p desk-core --example bench_workflow_items -- "${1:-1000}" "${2:-150}" "${3:-100}"
