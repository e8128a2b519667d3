#!/usr/bin/env bash
# Balances benchmark: prints figures, asserts nothing.
#  - sync of 100,000 balance transactions from the simulator (150 ms latency
#    per request, 25 requests/s): ranges side by side vs one page after
#    another vs the ceiling (25 x 100 objects/s); then the same for a growing
#    business (90% of them in the newest 10% of its life) and for such an
#    account whose record leaves `created` out (goal: 90% of the ceiling each);
#  - with 1,000,000 stored rows: a filtered sorted page, per-currency
#    totals, chart series;
#  - the real app under Xvfb on that copy: memory (RSS, PSS) of the app and
#    its WebKit processes idle on the Balances screen and after the table was
#    scrolled top to bottom, against the 150 MB goal, and the time from a
#    jump (End, a drag to the middle, Home) to its rows on screen (skip with MEMORY=0).
# Usage: scripts/bench-balances.sh [--sync N] [--rows N] [--db PATH (keep and reuse the million-row database)]
# PROFILE=test builds in the test profile, which the window tests already built, instead of release.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${PROFILE:-release}
MEMORY=${MEMORY:-1}

# The memory part needs the million-row database the query part writes.
db="" rows=1000000 args=("$@")
while (($#)); do
  case "$1" in
    --db) db=$2; shift ;;
    --rows) rows=$2; shift ;;
  esac
  shift
done
if [ -z "$db" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  db=$tmp/million.sqlite3
  args+=(--db "$db")
fi
# --workspace: the features the tests build with, so PROFILE=test reuses their build.
cargo build --quiet --profile "$PROFILE" --workspace --example bench_balances
case "$PROFILE" in
  dev|test) out=target/debug ;;
  *) out=target/$PROFILE ;;
esac
"$out/examples/bench_balances" "${args[@]}"

if [ "$MEMORY" = 1 ] && [ "$rows" -gt 0 ]; then
  scripts/setup.sh --tests
  cargo bench --quiet --profile "$PROFILE" --workspace --bench balances_memory --no-run
  # As on a desktop: a display, a session bus and an unlocked keyring, in a throwaway HOME.
  BENCH_BALANCES_DB=$db xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c '
    set -euo pipefail
    export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
    export HOME=$(mktemp -d) NO_AT_BRIDGE=1
    eval "$(echo -n bench | gnome-keyring-daemon --unlock --components=secrets)"
    cargo bench --quiet --profile "$0" --workspace --bench balances_memory
  ' "$PROFILE"
fi
