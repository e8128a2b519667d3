// The live-mode forwarding page, opened in a real WebKit browser
// (MiniBrowser, driven by WebKitWebDriver, under the Test command's Xvfb).
// MiniBrowser cannot hand a stripe-desk: link to the desktop, so here the
// page forwards to a loopback address of the test's instead, and the test
// sees exactly what the app would receive.
// Runs on the compiled UI (`npm run build:ui` first): node --test ui/test/

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { after, before, test } from "node:test";
import { forwardingPage } from "../dist/forwarding_page.js";

function miniBrowser() {
  for (const dir of readdirSync("/usr/lib")) {
    const path = `/usr/lib/${dir}/webkit2gtk-4.1/MiniBrowser`;
    if (existsSync(path)) return path;
  }
  throw new Error("MiniBrowser not found: it comes with libwebkit2gtk-4.1-0 (scripts/setup.sh --tests)");
}

async function freePort() {
  const srv = net.createServer().listen(0, "127.0.0.1");
  await new Promise((r) => srv.once("listening", r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let site; // the user's website and, at /oauth/callback, the stand-in for the app
let siteBase;
const arrivals = [];
let driver;
let session;

async function webdriver(method, path, body) {
  const res = await fetch(`${session}${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return (await res.json()).value;
}

before(async () => {
  assert.ok(process.env.DISPLAY, "DISPLAY is not set: run through the README's Test command (Xvfb)");
  site = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    if (url.pathname === "/stripe/callback") {
      res.setHeader("content-type", "text/html; charset=utf-8");
      res.end(forwardingPage(`${siteBase}/oauth/callback`));
    } else if (url.pathname === "/oauth/callback") {
      arrivals.push({ search: url.search, referer: req.headers.referer ?? null });
      res.end("arrived");
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  site.listen(0, "127.0.0.1");
  await new Promise((r) => site.once("listening", r));
  siteBase = `http://127.0.0.1:${site.address().port}`;

  const port = await freePort();
  driver = spawn("WebKitWebDriver", [`--port=${port}`, "--host=127.0.0.1"], { stdio: "ignore" });
  const base = `http://127.0.0.1:${port}`;
  const caps = {
    capabilities: {
      alwaysMatch: {
        browserName: "MiniBrowser",
        "webkitgtk:browserOptions": { binary: miniBrowser(), args: ["--automation"] },
      },
    },
  };
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${base}/session`, { method: "POST", body: JSON.stringify(caps) });
      const { value } = await res.json();
      assert.ok(value.sessionId, `no session: ${JSON.stringify(value)}`);
      session = `${base}/session/${value.sessionId}`;
      break;
    } catch (e) {
      if (i > 100) throw e;
      await sleep(100); // the driver is still starting
    }
  }
});

after(async () => {
  if (session) await webdriver("DELETE", "").catch(() => undefined);
  driver?.kill();
  site?.close();
});

/** Opens the page as Stripe's redirect would, and returns what reached the app. */
async function openPage(query) {
  const before = arrivals.length;
  await webdriver("POST", "/url", { url: `${siteBase}/stripe/callback${query}` });
  for (let i = 0; i < 100 && arrivals.length === before; i++) await sleep(50);
  return arrivals.slice(before);
}

test("forwards Stripe's answer to the app link, query unchanged, no referrer", async () => {
  const query = "?code=ac_1Abc%2Bdef&state=st_0123456789abcdef0123456789abcdef&scope=read_write";
  const got = await openPage(query);
  assert.deepEqual(got, [{ search: query, referer: null }]);
});

test("forwards a refusal too", async () => {
  const query = "?error=access_denied&error_description=The+user+denied+your+request&state=st_1";
  const got = await openPage(query);
  assert.deepEqual(got.map((a) => a.search), [query]);
});

test("opened without an answer, it says so and goes nowhere", async () => {
  const before = arrivals.length;
  await webdriver("POST", "/url", { url: `${siteBase}/stripe/callback` });
  await sleep(300);
  assert.equal(arrivals.length, before);
  const status = await webdriver("POST", "/execute/sync", {
    script: "return document.getElementById('status').textContent",
    args: [],
  });
  assert.match(status, /opened without one/);
});

test("loads nothing from elsewhere", () => {
  const html = forwardingPage("stripe-desk://oauth/callback");
  assert.match(html, /<meta name="referrer" content="no-referrer">/);
  assert.doesNotMatch(html, /\bsrc=/);
  assert.doesNotMatch(html, /https?:\/\//, "no outside address in the page");
  assert.match(html, /"stripe-desk:\/\/oauth\/callback" \+ search/);
});

test("an app link cannot break out of the script", () => {
  const html = forwardingPage('x://a</script><script>alert(1)//"');
  assert.equal(html.match(/<\/script>/g).length, 1);
});
