#!/usr/bin/env bash
# Builds the .deb, installs it, and proves its desktop entry hands a
# stripe-desk: link to the running installed app: the app starts from
# /usr/bin (so it registers nothing itself), `gio open` follows the
# packaged entry (Exec=stripe-desk %u), and the app's log shows the answer
# arrived (a forged one, so it is refused). Removes the package at the end.
# Not part of the Test command: it installs a system package and, on a
# fresh machine, builds tauri-cli (about 10 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export PATH="$CARGO_HOME/bin:$PATH"
scripts/setup.sh --tests

deb=$(scripts/package-deb.sh)
case "$(basename "$deb")" in
  stripe-desk_*_amd64.deb) ;;
  *) echo "check-deb: FAIL: $deb is not named stripe-desk_<version>_amd64.deb"; exit 1 ;;
esac
echo "check-deb: $deb"
echo "check-deb: its desktop entry:"
dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards '*usr/share/applications/*.desktop' | sed 's/^/  /'

apt-get install -y -q "$(realpath "$deb")" >/dev/null
trap 'apt-get remove -y -q stripe-desk >/dev/null' EXIT
update-desktop-database -q /usr/share/applications

xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c '
  set -euo pipefail
  export HOME=$(mktemp -d) NO_AT_BRIDGE=1
  eval "$(echo -n check | gnome-keyring-daemon --unlock --components=secrets)"
  data=$(mktemp -d)
  STRIPE_DESK_DATA_DIR=$data /usr/bin/stripe-desk >/dev/null 2>&1 &
  app=$!
  for _ in $(seq 100); do grep -qs "Stripe Desk started" "$data"/logs/*.log && break; sleep 0.1; done
  echo "check-deb: handler for stripe-desk: links: $(xdg-mime query default x-scheme-handler/stripe-desk)"
  gio open "stripe-desk://oauth/callback?code=ac_check&state=st_00000000000000000000000000000000"
  for _ in $(seq 100); do grep -qs "OAuth answer refused" "$data"/logs/*.log && break; sleep 0.1; done
  kill $app
  if grep -qs "OAuth answer refused" "$data"/logs/*.log; then
    echo "check-deb: PASS: the link reached the running installed app (and was refused: a forged state)"
  else
    echo "check-deb: FAIL: the link never reached the app"; exit 1
  fi
'
