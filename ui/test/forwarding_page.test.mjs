// The live-mode forwarding page: its script, run against a stand-in for
// the browser's window and document, must pass Stripe's answer on to the
// app link unchanged and keep the code out of the tab's history.
// Runs on the compiled UI (`npm run build:ui` first): node --test ui/test/

import assert from "node:assert/strict";
import { test } from "node:test";
import vm from "node:vm";
import { forwardingPage } from "../dist/forwarding_page.js";

const APP_LINK = "stripe-desk://oauth/callback";

/** Runs the page's script as a browser would after loading the page at `address`. */
function openPage(address, appLink = APP_LINK) {
  const html = forwardingPage(appLink);
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 1, "one inline script");
  const url = new URL(address);
  const seen = { navigatedTo: null, historyUrl: null };
  const elements = {
    status: { textContent: "Opening Stripe Desk…" },
    open: {
      href: appLink,
      setAttribute(name, value) {
        this[name] = value;
      },
    },
  };
  const window = {
    location: {
      search: url.search,
      pathname: url.pathname,
      replace(to) {
        seen.navigatedTo = to;
      },
    },
    history: {
      replaceState(_state, _title, to) {
        seen.historyUrl = to;
      },
    },
  };
  const document = { getElementById: (id) => elements[id] ?? null };
  vm.runInNewContext(scripts[0], { window, document });
  return { html, seen, elements };
}

test("forwards Stripe's answer to the app link, query unchanged", () => {
  const query = "?code=ac_1Abc%2Bdef&state=st_0123456789abcdef0123456789abcdef&scope=read_write";
  const { seen, elements } = openPage(`https://desk.example.com/stripe/callback${query}`);
  assert.equal(seen.navigatedTo, `${APP_LINK}${query}`);
  assert.equal(elements.open.href, `${APP_LINK}${query}`, "the button opens the same link");
  assert.equal(seen.historyUrl, "/stripe/callback", "the code leaves the address bar and history");
});

test("forwards a refusal too", () => {
  const query = "?error=access_denied&error_description=The+user+denied+your+request&state=st_1";
  const { seen } = openPage(`https://desk.example.com/cb${query}`);
  assert.equal(seen.navigatedTo, `${APP_LINK}${query}`);
});

test("opened without an answer, it says so and goes nowhere", () => {
  const { seen, elements } = openPage("https://desk.example.com/cb");
  assert.equal(seen.navigatedTo, null);
  assert.match(elements.status.textContent, /opened without one/);
});

test("loads nothing from elsewhere and sends no referrer", () => {
  const { html } = openPage("https://desk.example.com/cb");
  assert.match(html, /<meta name="referrer" content="no-referrer">/);
  assert.doesNotMatch(html, /\bsrc=/);
  assert.doesNotMatch(html, /https?:\/\//, "no outside address in the page");
});

test("an app link cannot break out of the script", () => {
  const { html } = openPage("https://desk.example.com/cb", 'x://a</script><script>alert(1)//"');
  assert.equal(html.match(/<\/script>/g).length, 1);
});
