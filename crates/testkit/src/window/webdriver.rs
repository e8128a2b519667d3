//! Just enough of the W3C WebDriver protocol to click through the real
//! window: sessions, elements, keys, text, scripts and screenshots.

use base64::Engine;
use serde_json::{json, Value};
use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::time::{Duration, Instant};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Session {
    http: reqwest::Client,
    url: String,
    /// The process group the app runs in (tauri-driver's).
    group: u32,
    /// The app's session bus, where it is not the test's own.
    bus: Option<OsString>,
}

#[derive(Clone)]
pub struct Element(String);

impl Session {
    /// Starts the app under test through tauri-driver listening on `port`,
    /// whose process group is `group`; the app's session bus is `bus`, or
    /// the test's own.
    pub async fn start(
        port: u16,
        group: u32,
        bus: Option<&OsStr>,
        application: &Path,
        args: &[&str],
    ) -> Result<Session, String> {
        // Generous, but a stuck driver fails the test instead of hanging it.
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(90))
            .build()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": application, "args": args}
        }}});
        // A connection closed without an answer is the caller's to retry;
        // an answer that is no session is a failure of the test.
        let reply: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .map_err(|e| format!("{e:?}"))?
            .json()
            .await
            .map_err(|e| format!("{e:?}"))?;
        let id = reply["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {reply}"))
            .to_owned();
        Ok(Session {
            http,
            url: format!("{base}/session/{id}"),
            group,
            bus: bus.map(OsStr::to_os_string),
        })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{}", self.url, path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let reply: Value = req
            .send()
            .await
            .expect("webdriver request")
            .json()
            .await
            .expect("webdriver JSON");
        reply["value"].clone()
    }

    async fn try_find(&self, css: &str) -> Option<Element> {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v.get(ELEMENT_KEY)
            .and_then(Value::as_str)
            .map(|id| Element(id.to_owned()))
    }

    /// Waits up to 20 s for an element that is displayed.
    pub async fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(e) = self.try_find(css).await {
                if self.displayed(&e).await {
                    return e;
                }
            }
            if Instant::now() > deadline {
                panic!("no visible element {css}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn count(&self, css: &str) -> usize {
        let v = self
            .call(
                reqwest::Method::POST,
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v.as_array().map_or(0, Vec::len)
    }

    /// Whether the element is rendered: it has layout boxes and is not
    /// hidden by `visibility`. (WebKitWebDriver's own Is Element Displayed
    /// says no for text in `overflow: hidden` flex items that are plainly on
    /// screen, so this asks the page's layout instead.)
    async fn displayed(&self, e: &Element) -> bool {
        self.on_element(e, "const e = arguments[0]; return e.getClientRects().length > 0 && getComputedStyle(e).visibility === 'visible'")
            .await
            .as_bool()
            .unwrap_or(false)
    }

    async fn on_element(&self, e: &Element, script: &str) -> Value {
        let body = json!({"script": script, "args": [{ELEMENT_KEY: e.0}]});
        self.call(reqwest::Method::POST, "/execute/sync", Some(body))
            .await
    }

    pub async fn click(&self, css: &str) {
        let mut tries = 0;
        loop {
            let e = self.find(css).await;
            let reply = self
                .call(
                    reqwest::Method::POST,
                    &format!("/element/{}/click", e.0),
                    Some(json!({})),
                )
                .await;
            match reply.get("error") {
                None => return,
                // Drawn again between finding and clicking (a virtual
                // table replaces its rows as pages arrive, a screen redraws
                // after a save): find it again once the page has settled.
                Some(error)
                    if (error == "stale element reference"
                        || error == "element not interactable")
                        && tries < 5 =>
                {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                // "element click intercepted" and the like: the click missed.
                Some(error) => panic!("clicking {css} failed: {error} {}", reply["message"]),
            }
        }
    }

    /// Replaces the field's text with `text`, as typing would.
    pub async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/clear", e.0),
            Some(json!({})),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/value", e.0),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Types `keys` into the element where its caret is, without clearing
    /// it first; WebDriver's key codes (`\u{E015}` ArrowDown, `\u{E007}`
    /// Enter, `\u{E00C}` Escape) press those keys.
    pub async fn send_keys(&self, css: &str, keys: &str) {
        let e = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/value", e.0),
            Some(json!({"text": keys})),
        )
        .await;
    }

    /// Presses `keys` wherever the focus is, as a keyboard does (WebDriver's
    /// key actions): the modifiers in it (`\u{E008}` Shift, `\u{E009}`
    /// Control, `\u{E00A}` Alt) stay down until `\u{E000}` or the end.
    pub async fn press(&self, keys: &str) {
        let modifier = |c: char| ('\u{E008}'..='\u{E00B}').contains(&c) || c == '\u{E03D}';
        let mut held = Vec::new();
        let mut actions = Vec::new();
        for c in keys.chars() {
            if c == '\u{E000}' {
                for m in held.drain(..).rev() {
                    actions.push(json!({"type": "keyUp", "value": String::from(m)}));
                }
            } else if modifier(c) {
                held.push(c);
                actions.push(json!({"type": "keyDown", "value": String::from(c)}));
            } else {
                actions.push(json!({"type": "keyDown", "value": String::from(c)}));
                actions.push(json!({"type": "keyUp", "value": String::from(c)}));
            }
        }
        for m in held.drain(..).rev() {
            actions.push(json!({"type": "keyUp", "value": String::from(m)}));
        }
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        )
        .await;
    }

    /// The element's text as rendered (`innerText`), or "" when it is not displayed.
    pub async fn text(&self, css: &str) -> String {
        let Some(e) = self.try_find(css).await else {
            return String::new();
        };
        if !self.displayed(&e).await {
            return String::new();
        }
        self.on_element(&e, "return arguments[0].innerText")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits up to 20 s until the element's text contains `expected`.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.text(css).await;
            if text.contains(expected) {
                return text;
            }
            if Instant::now() > deadline {
                let dom = self
                    .execute(&format!("const e = document.querySelector({css:?}); return [e ? e.textContent : 'no such element', Math.round(performance.now())]"))
                    .await;
                panic!("{css} never showed {expected:?}; WebDriver reads {text:?}, the DOM holds {} (page loaded {} ms ago)", dom[0], dom[1]);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn wait_until_gone(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.count(css).await > 0 {
            if Instant::now() > deadline {
                panic!("{css} is still there");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn execute(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Runs `script` with a callback as its last argument and returns what
    /// it passes to the callback (WebDriver's execute/async).
    pub async fn execute_async(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Resizes the window (WebDriver's window rect) and returns the size
    /// the page then has (`innerWidth`, `innerHeight`).
    pub async fn set_window_size(&self, width: u32, height: u32) -> (u64, u64) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await;
        let v = self
            .execute("return [window.innerWidth, window.innerHeight]")
            .await;
        (v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0))
    }

    pub async fn screenshot(&self, path: &Path) {
        // A screenshot shows the last painted frame: let the page paint
        // what the DOM holds now (two frames, so the second one shows it).
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({
                "script": "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                "args": []
            })),
        )
        .await;
        let v = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("screenshot data"))
            .expect("base64 screenshot");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }

    /// Saves the screen in the light theme as [`Session::screenshot`] does,
    /// and beside it the same screen in the dark theme (`<name>-dark.png`;
    /// data-theme on <html>), for a person to look at both. The page's
    /// theme is put back after.
    pub async fn screenshot_both_themes(&self, path: &Path) {
        let before = self
            .execute("const t = document.documentElement.getAttribute('data-theme'); document.documentElement.setAttribute('data-theme', 'light'); return t;")
            .await;
        self.screenshot(path).await;
        self.execute("document.documentElement.setAttribute('data-theme', 'dark')")
            .await;
        let stem = path.file_stem().unwrap().to_string_lossy();
        self.screenshot(&path.with_file_name(format!("{stem}-dark.png")))
            .await;
        let restore = match before.as_str() {
            Some(t) => format!("document.documentElement.setAttribute('data-theme', {t:?});"),
            None => "document.documentElement.removeAttribute('data-theme');".to_owned(),
        };
        self.execute(&restore).await;
    }

    /// Closes the window and waits until the app has exited and the bus
    /// has seen it go: a start before then would be handed to the closing
    /// instance (single instance, over D-Bus) and never open a window.
    pub async fn quit(self) {
        let _ = self.http.delete(&self.url).send().await;
        let conf: Value =
            serde_json::from_str(include_str!("../../../../tauri.conf.json")).unwrap();
        let name = format!("{}.SingleInstance", conf["identifier"].as_str().unwrap());
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.app_running() || name_taken(&name, self.bus.as_deref()) {
            assert!(
                Instant::now() < deadline,
                "the app did not exit after its window closed"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether an app process of this driver's is alive (a zombie has
    /// already closed its bus connection; one exiting may still hold it).
    fn app_running(&self) -> bool {
        std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .any(|p| {
                // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."
                let Ok(stat) = std::fs::read_to_string(p.path().join("stat")) else {
                    return false;
                };
                let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                    return false;
                };
                let mut rest = stat[close + 1..].split_whitespace();
                let state = rest.next();
                let group = rest.nth(1).and_then(|g| g.parse::<u32>().ok());
                &stat[open + 1..close] == "stripe-desk"
                    && state != Some("Z")
                    && group == Some(self.group)
            })
    }
}

/// Whether `name` has an owner on the session bus (`bus`, or the test's
/// own): the app's single-instance name (tauri-plugin-single-instance:
/// the identifier + ".SingleInstance").
fn name_taken(name: &str, bus: Option<&OsStr>) -> bool {
    let mut dbus_send = std::process::Command::new("dbus-send");
    if let Some(bus) = bus {
        dbus_send.env("DBUS_SESSION_BUS_ADDRESS", bus);
    }
    let out = dbus_send
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            &format!("string:{name}"),
        ])
        .output()
        .expect("dbus-send runs");
    String::from_utf8_lossy(&out.stdout).contains("boolean true")
}
