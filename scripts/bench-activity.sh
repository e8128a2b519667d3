#!/usr/bin/env bash
# Activity benchmark: prints figures, asserts nothing. Against the simulator
# over real HTTP, 150 ms latency per request, 25 requests/s:
#  - idle: requests per minute per account (three accounts, default 30 s interval);
#  - catch-up of 30 days x 20,000 events against the rate ceiling (25 x 100 events/s);
#  - time from an event's creation to its notification being decided
#    (poller every 5 s, events appearing up to 1 s late), against the interval plus 2 s;
#  - with 100,000 stored events: feed pages, a rare kind, searches, counts.
# Usage: scripts/bench-activity.sh [--idle-seconds N] [--events N] [--interval S] [--samples N] [--stored N]
# PROFILE=test builds in the test profile instead of release.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${PROFILE:-release}
# Only the domain and the simulator: this bench runs no window.
cargo build --quiet --profile "$PROFILE" -p desk-core --example bench_activity
case "$PROFILE" in
  dev|test) out=target/debug ;;
  *) out=target/$PROFILE ;;
esac
"$out/examples/bench_activity" "$@"
