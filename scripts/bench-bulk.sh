#!/usr/bin/env bash
# Runs over a spreadsheet: prints figures, asserts nothing. Against the
# simulator over real HTTP:
#  - 10,000 rows of Create Customer at 150 ms latency with Stripe's limit of
#    25 requests/s enforced: requests/s against that ceiling (goal: 90%);
#  - the dry run of 10,000 rows (goal: under 2 s);
#  - the memory the domain adds while reading a 50,000-row file (CSV, then
#    XLSX) and holding it with its dry run (goal: under 100 MB), each in a
#    process of its own so one does not reuse the other's memory.
# Usage: scripts/bench-bulk.sh [--rows N]   (N rows for the run; default 10,000)
# PROFILE=test builds in the test profile instead of release.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${PROFILE:-release}
cargo build --quiet --profile "$PROFILE" -p desk-core --example bench_bulk
case "$PROFILE" in
  dev|test) out=target/debug ;;
  *) out=target/$PROFILE ;;
esac
bench="$out/examples/bench_bulk"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/stripe-desk-bench-bulk.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
"$bench" --part dry-run --rows 10000
for format in csv xlsx; do
  "$bench" --part make --format "$format" --rows 50000 --out "$scratch/fifty-thousand.$format"
  "$bench" --part memory --file "$scratch/fifty-thousand.$format"
done
"$bench" --part run "$@"
