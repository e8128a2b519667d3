#!/usr/bin/env bash
# Stand-in for the system browser in window tests, registered as the desktop's
# default http(s) handler (desk_testkit::window::install_stand_in_browser). xdg-open runs it
# with Stripe's authorize URL (or a page of the Dashboard, below); it loads the page, reads where Stripe
# redirects, records it in $STAND_IN_BROWSER_LOG, and follows it: a web address
# is loaded; the app's link is opened the way a desktop does, by starting the
# app again with the link as argument.
set -euo pipefail
url=$1
# A page of Stripe's Dashboard (no network here): note that it was opened, as
# a browser would show it, for a test that sets $STAND_IN_BROWSER_OPENED.
case "$url" in
  https://dashboard.stripe.com/*)
    echo "$url" >>"${STAND_IN_BROWSER_OPENED:-/dev/null}"
    exit 0 ;;
esac
link=$(curl -sS -o /dev/null -w '%{redirect_url}' "$url")
echo "$link" >>"$STAND_IN_BROWSER_LOG"
# While the test holds links (a flag file beside the log), it delivers them itself.
[ -e "$STAND_IN_BROWSER_LOG.hold" ] && exit 0
case "$link" in
  # A web address (the loopback redirect): load it, as a browser would.
  http://*|https://*) exec curl -sS -o /dev/null "$link" ;;
  # The app's own link: the desktop starts the app with it.
  *) exec "$STRIPE_DESK_BIN" "$link" ;;
esac
