// The page a live-mode "Connect with Stripe" needs. Stripe sends live-mode
// answers only to HTTPS addresses, so the user hosts this page at one; it
// hands Stripe's query string (code and state, or error) on to the app link
// and keeps the one-time code out of the tab's history. No outside
// resources, no referrer: the code goes nowhere but into Stripe Desk.

/** The page's whole HTML, forwarding to `appLink`. */
export function forwardingPage(appLink: string): string {
  // Inside a <script>, "<" must not start a closing tag.
  const target = JSON.stringify(appLink).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>Back to Stripe Desk</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; color: #1a1f36; max-width: 32rem; margin: 15vh auto; padding: 0 1rem; }
a.button { display: inline-block; padding: .5rem 1rem; border-radius: 6px; background: #635bff; color: #fff; text-decoration: none; }
</style>
</head>
<body>
<h1>Back to Stripe Desk</h1>
<p id="status">Opening Stripe Desk&hellip;</p>
<p><a id="open" class="button" href="${escapeAttr(appLink)}">Open Stripe Desk</a></p>
<p>If your browser asks, allow it to open Stripe Desk. You can close this tab once Stripe Desk shows the connection.</p>
<script>
(function () {
  var search = window.location.search;
  var status = document.getElementById("status");
  if (search.length < 2) {
    status.textContent = "This page passes Stripe's answer on to Stripe Desk, but it was opened without one. Start again with Connect with Stripe in the app.";
    return;
  }
  var target = ${target} + search;
  document.getElementById("open").setAttribute("href", target);
  window.history.replaceState(null, "", window.location.pathname);
  window.location.replace(target);
})();
</script>
</body>
</html>
`;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}
