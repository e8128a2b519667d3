#!/usr/bin/env bash
# Builds the .deb and names it by Debian's convention,
# stripe-desk_<version>_<arch>.deb (Tauri's bundler names it after the
# product, "Stripe Desk_…"), packed with xz as Debian packs its own. Prints
# its size and fails over the 12 MB budget.
# Prints the package's path last.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export PATH="$CARGO_HOME/bin:$PATH"
budget=$((12 * 1000 * 1000))
command -v cargo-tauri >/dev/null || cargo install tauri-cli --version "^2" --locked

# The `deb` profile (Cargo.toml): stripped, optimised across crates.
out=target/deb/bundle/deb
rm -rf "$out"
cargo tauri build --bundles deb -- --profile deb >&2
built=$(ls "$out"/*.deb)
package=$(dpkg-deb -f "$built" Package)
version=$(dpkg-deb -f "$built" Version)
arch=$(dpkg-deb -f "$built" Architecture)
deb="$out/${package}_${version}_${arch}.deb"
# Tauri's bundler compresses with gzip; Debian's own tool packs with xz
# (its default), the same files, owned by root.
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
dpkg-deb -R "$built" "$tree/pkg"
rm "$built"
dpkg-deb --root-owner-group -Zxz -z9 --build "$tree/pkg" "$deb" >&2
size=$(stat -c %s "$deb")
binary=$(dpkg-deb --fsys-tarfile "$deb" | tar -tv | awk '$6 ~ /usr\/bin\/[^\/]+$/ {print $3}')
echo "package-deb: $(basename "$deb"): $size bytes ($(awk "BEGIN {printf \"%.1f\", $size / 1000000}") MB of the 12 MB budget); the program inside: $binary bytes" >&2
if [ "$size" -gt "$budget" ]; then
  echo "package-deb: FAIL: over the 12 MB budget" >&2
  exit 1
fi
echo "$deb"
