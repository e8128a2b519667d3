#!/usr/bin/env bash
# Builds and opens Stripe Desk.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo run --release -p stripe-desk
