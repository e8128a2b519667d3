//! The window tests' set-up: a Stripe simulator, a private data dir,
//! tauri-driver starting the app, one window at a time, and checks that no
//! secret leaked anywhere.

pub mod plain_words;
pub mod webdriver;

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use stripe_sim::{SimConfig, Simulator};

/// One window test at a time in a test binary: two app instances on one
/// D-Bus session break single-instance (the second hands its start to the
/// first), and the keyring and the desktop's settings are shared. Every
/// window test holds its turn from its first line to its end; other tests
/// run beside it.
pub async fn one_window_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let turn = WINDOW.lock().await;
    require_desktop();
    turn
}

/// The checkout, two folders up from this crate.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/testkit sits two folders down")
        .to_path_buf()
}

/// The window tests need a display, a session bus and an unlocked keyring:
/// the README's Test command provides all three.
pub fn require_desktop() {
    for var in ["DISPLAY", "DBUS_SESSION_BUS_ADDRESS"] {
        assert!(
            std::env::var_os(var).is_some(),
            "{var} is not set: run the window tests through the README's Test command (Xvfb, D-Bus, gnome-keyring)"
        );
    }
}

pub async fn simulator() -> Simulator {
    Simulator::start(SimConfig::bundled())
        .await
        .expect("simulator starts")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn artifacts_dir() -> PathBuf {
    let dir = workspace_root().join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stripe-desk-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// tauri-driver, configured so the app it starts talks to `sim` and keeps
/// its data in `data_dir`.
pub struct Driver {
    /// The app's binary (`env!("CARGO_BIN_EXE_stripe-desk")` in a test or bench).
    app: PathBuf,
    /// The running tauri-driver: started again when it drops a new session.
    running: std::sync::Mutex<Running>,
    /// The app's session bus, when the test gave it one of its own.
    bus: Option<std::ffi::OsString>,
    env: Vec<(String, std::ffi::OsString)>,
    /// tauri-driver's and WebKitWebDriver's own words, kept for a failed test.
    log: PathBuf,
}

struct Running {
    child: Child,
    port: u16,
}

impl Driver {
    pub fn start(app: &str, sim: &Simulator, data_dir: &Path) -> Driver {
        Driver::start_with(app, sim, data_dir, &[])
    }

    /// Like `start`, with more environment for the app (it inherits the driver's;
    /// `env` wins over the defaults set here).
    pub fn start_with(
        app: &str,
        sim: &Simulator,
        data_dir: &Path,
        env: &[(&str, &std::ffi::OsStr)],
    ) -> Driver {
        let mut all: Vec<(String, std::ffi::OsString)> = vec![
            ("STRIPE_DESK_API_BASE".into(), sim.base_url().into()),
            ("STRIPE_DESK_CONNECT_BASE".into(), sim.base_url().into()),
            ("STRIPE_DESK_MARKETPLACE_BASE".into(), sim.base_url().into()),
            ("STRIPE_DESK_DATA_DIR".into(), data_dir.into()),
            ("STRIPE_DESK_IPC_AUDIT".into(), "1".into()),
            ("NO_AT_BRIDGE".into(), "1".into()),
        ];
        // The test's own environment wins over these defaults.
        all.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_os_string())));
        let bus = env
            .iter()
            .find(|(name, _)| *name == "DBUS_SESSION_BUS_ADDRESS")
            .map(|(_, value)| value.to_os_string());
        let log = std::env::temp_dir().join(format!(
            "tauri-driver-{}-{}.log",
            std::process::id(),
            free_port()
        ));
        let running = spawn_driver(&all, &log);
        Driver {
            app: PathBuf::from(app),
            running: std::sync::Mutex::new(running),
            bus,
            env: all,
            log,
        }
    }

    pub async fn session(&self) -> webdriver::Session {
        self.session_with_args(&[]).await
    }

    /// Starts the app with command-line arguments (a deep link at a cold start).
    ///
    /// Now and then (about one window-test run in ten here) tauri-driver
    /// closes the connection of a new session without an answer: the
    /// WebKitWebDriver behind it is gone. No app was started then, so the
    /// driver is started again and the session asked for once more.
    pub async fn session_with_args(&self, args: &[&str]) -> webdriver::Session {
        let mut tries = 0;
        loop {
            let (port, group) = {
                let running = self.running.lock().unwrap();
                (running.port, running.child.id())
            };
            match webdriver::Session::start(port, group, self.bus.as_deref(), &self.app, args).await
            {
                Ok(session) => return session,
                Err(dropped) if tries < 2 => {
                    tries += 1;
                    eprintln!(
                        "tauri-driver dropped a new session ({dropped}); its log:\n{}\nstarting it again",
                        std::fs::read_to_string(&self.log).unwrap_or_default()
                    );
                    let mut running = self.running.lock().unwrap();
                    kill_group(&mut running.child);
                    *running = spawn_driver(&self.env, &self.log);
                }
                Err(dropped) => panic!(
                    "tauri-driver dropped a new session {tries} times: {dropped}; its log:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                ),
            }
        }
    }
}

/// Starts tauri-driver on two free ports and waits until both accept.
fn spawn_driver(env: &[(String, std::ffi::OsString)], log: &Path) -> Running {
    let port = free_port();
    let native_port = free_port();
    let log = std::fs::File::create(log).expect("tauri-driver's log");
    let mut command = Command::new(tauri_driver());
    // Its own process group: WebKitWebDriver, the app and its WebKit
    // processes join it, so a failed test ends them all (see Drop).
    command.process_group(0);
    let child = command
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("tauri-driver starts (cargo install tauri-driver --locked)");
    // Both ports must accept connections before a session can start.
    let deadline = Instant::now() + Duration::from_secs(20);
    for p in [port, native_port] {
        while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not open port {p}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Running { child, port }
}

/// Ends tauri-driver and everything in its process group.
fn kill_group(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.wait();
}

impl Drop for Driver {
    fn drop(&mut self) {
        // A test that failed mid-session leaves the app running; a later
        // test's app would then hand its start to it (single instance).
        if let Ok(running) = self.running.get_mut() {
            kill_group(&mut running.child);
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

fn tauri_driver() -> PathBuf {
    let home_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin/tauri-driver"));
    match home_bin {
        Some(p) if p.exists() => p,
        _ => PathBuf::from("tauri-driver"),
    }
}

/// Makes `browser.sh` this desktop's default web browser (the tests run
/// under a throwaway HOME), the way a real browser registers itself: a
/// desktop entry and an `x-scheme-handler/http(s)` default. The app's "open
/// in the system browser" then reaches it through xdg-open.
pub fn install_stand_in_browser() {
    let home = PathBuf::from(std::env::var_os("HOME").expect("HOME is set"));
    let apps = home.join(".local/share/applications");
    std::fs::create_dir_all(&apps).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/window/browser.sh");
    let entry = format!(
        "[Desktop Entry]\nType=Application\nName=Stand-in browser\nExec={} %u\nMimeType=x-scheme-handler/http;x-scheme-handler/https;\nNoDisplay=true\n",
        script.display()
    );
    std::fs::write(apps.join("stand-in-browser.desktop"), entry).unwrap();
    for scheme in ["x-scheme-handler/http", "x-scheme-handler/https"] {
        let ok = Command::new("xdg-mime")
            .args(["default", "stand-in-browser.desktop", scheme])
            .status()
            .expect("xdg-mime (xdg-utils) runs")
            .success();
        assert!(
            ok,
            "xdg-mime could not make the stand-in browser the default for {scheme}"
        );
    }
}

/// Keyring entries that Stripe Desk holds, as `secret-tool` sees them.
pub fn keyring_entries() -> usize {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", "stripe-desk"])
        .output()
        .expect("secret-tool (libsecret-tools) runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .chain(String::from_utf8_lossy(&out.stderr).lines())
        .filter(|l| l.starts_with("attribute.username"))
        .count()
}

/// Every file under `dir` that contains any of `secrets`, with the secret's
/// mask (never the secret) for the failure message.
pub fn files_containing(dir: &Path, secrets: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                for s in secrets {
                    if bytes.windows(s.len()).any(|w| w == s.as_bytes()) {
                        hits.push(format!(
                            "{} holds {}",
                            path.display(),
                            desk_core::connections::keys::mask(s)
                        ));
                    }
                }
            }
        }
    }
    hits
}

/// Answers the system file dialog titled `title` (GTK, under Xvfb) as a
/// person would: types the whole path into it and presses Enter. WebDriver
/// reaches only the web view, so xdotool sends the keys (real X key events,
/// XTEST) to the dialog's own window. `select_name`: a save dialog comes with
/// a file name typed in; select it all first, so the path replaces it.
pub async fn answer_file_dialog(title: &str, path: &Path, select_name: bool) {
    let xdotool = |args: &[&str]| {
        Command::new("xdotool")
            .args(args)
            .output()
            .expect("xdotool (scripts/setup.sh installs it)")
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let window = loop {
        let found = xdotool(&["search", "--onlyvisible", "--name", title]);
        if let Some(id) = String::from_utf8_lossy(&found.stdout).lines().last() {
            break id.to_owned();
        }
        assert!(Instant::now() < deadline, "no dialog titled {title:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let run = |args: &[&str]| {
        let out = xdotool(args);
        assert!(
            out.status.success(),
            "xdotool {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // The dialog fills its folder view and name field after it shows; on
    // a busy machine it may not take the first keys, so the path is typed
    // again if the dialog is still there long after (never sooner: a slow
    // dialog that took the path would pass the keys on to the app).
    let mut settle = Duration::from_millis(1000);
    for _ in 0..3 {
        run(&["windowfocus", "--sync", &window]);
        tokio::time::sleep(settle).await;
        if select_name {
            run(&["key", "--clearmodifiers", "ctrl+a"]);
        } else {
            // The open dialog's location entry (it may still hold the last path): open it, select what it holds.
            run(&["key", "--clearmodifiers", "ctrl+l"]);
            tokio::time::sleep(Duration::from_millis(200)).await;
            run(&["key", "--clearmodifiers", "ctrl+a"]);
        }
        run(&["type", "--delay", "15", &path.to_string_lossy()]);
        tokio::time::sleep(Duration::from_millis(300)).await;
        run(&["key", "Return"]);
        let gone_by = Instant::now() + Duration::from_secs(20);
        while Instant::now() < gone_by {
            let shown = xdotool(&["search", "--onlyvisible", "--name", title]);
            if !String::from_utf8_lossy(&shown.stdout)
                .lines()
                .any(|l| l == window)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        settle *= 2;
    }
    panic!(
        "the dialog titled {title:?} did not take {}",
        path.display()
    );
}

/// Connects as a person does on the first screen: pastes `key`, waits for
/// the form to say what it recognised (`recognised`, e.g. "Secret key, test
/// mode"), saves, and waits for the header to name `account`.
pub async fn connect_with_key(w: &webdriver::Session, key: &str, recognised: &str, account: &str) {
    w.type_into("#key-input", key).await;
    w.wait_for_text("#key-message", recognised).await;
    w.click("#btn-save-key").await;
    w.wait_for_text("#header-account", account).await;
}

/// Every command the app's router received (from the IPC audit's
/// `received` lines, written before any adapter runs) was answered through
/// the audit: no call reaches the window unrecorded. Waits a moment for
/// calls still in flight.
pub async fn assert_every_call_audited(data_dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let audit = std::fs::read_to_string(data_dir.join("ipc-replies.jsonl")).unwrap_or_default();
        let mut received = std::collections::BTreeSet::new();
        let mut answered = std::collections::BTreeSet::new();
        for line in audit.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("an audit line is JSON");
            if let Some(name) = v["received"].as_str() {
                received.insert(name.to_owned());
            }
            if let Some(name) = v["command"].as_str() {
                answered.insert(name.to_owned());
            }
        }
        assert!(
            received.len() > 3,
            "the router recorded the window's calls: {received:?}"
        );
        let unaudited: Vec<_> = received.difference(&answered).collect();
        if unaudited.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "called by the window but never answered through the IPC audit: {unaudited:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
