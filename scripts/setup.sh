#!/usr/bin/env bash
# Installs what Stripe Desk needs on Debian 12, skipping what is present:
# the WebKitGTK toolchain, the window-test tools, npm packages, tauri-driver.
# Sourced by run.sh, test.sh, demo.sh and bench-startup.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_PKGS=(libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev
  libxdo-dev libssl-dev pkg-config build-essential file)
TEST_PKGS=(xvfb xauth webkit2gtk-driver dbus-x11 gnome-keyring libsecret-tools xdg-utils
  desktop-file-utils x11-utils curl libglib2.0-bin xdotool)

need_pkgs() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}"
  fi
}

need_pkgs "${BUILD_PKGS[@]}"
if [ "${1:-}" = "--tests" ]; then
  need_pkgs "${TEST_PKGS[@]}"
  if ! command -v tauri-driver >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
    echo "setup: installing tauri-driver"
    cargo install tauri-driver --locked --version 2.1.0
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund
fi
npm run --silent build:ui
