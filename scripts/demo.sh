#!/usr/bin/env bash
# Opens Stripe Desk against the local Stripe simulator with sample data.
# Nothing here touches a real Stripe account. Paste this key to connect:
#   sk_test_demo_4242424242424242
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release -p stripe-desk -p stripe-sim
log=$(mktemp)
# The simulator checks every request against the OpenAPI description it carries.
target/release/stripe-sim --demo >"$log" &
sim=$!
trap 'kill $sim 2>/dev/null' EXIT
for _ in $(seq 100); do grep -q listening "$log" && break; sleep 0.1; done
base=$(grep -o 'http://127.0.0.1:[0-9]*' "$log")
echo "Demo simulator at $base. Connect with the key: sk_test_demo_4242424242424242"
STRIPE_DESK_API_BASE=$base STRIPE_DESK_CONNECT_BASE=$base STRIPE_DESK_MARKETPLACE_BASE=$base \
  STRIPE_DESK_DEMO=1 STRIPE_DESK_DATA_DIR="${STRIPE_DESK_DATA_DIR:-$(mktemp -d)}" \
  target/release/stripe-desk
