//! Local attackers and lost keys (issue 8, "Security"): the data dir is
//! private, a forged OAuth answer neither ends nor steers a waiting flow, and
//! a removed connection stays removed from the keyring.

use desk_core::connections::secret_store::{MemoryStore, SecretStore};
use desk_core::desk::{Desk, DeskConfig};
use desk_core::stripe::{ClientConfig, Request};
use desk_core::views::{FlowStage, KeyringStatus, OAuthProvider, OAuthSettingsForm, RedirectKind};
use desk_core::{AppError, Bases, Error, Secret};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use stripe_sim::{KeyAccess, OAuthKind, SimConfig, Simulator};

const PLATFORM_KEY: &str = "sk_test_51PlatformKey0000000000000000777";
const CONNECT_CLIENT: &str = "ca_DeskTestClient";
const APPS_CLIENT: &str = "apps_DeskTestClient";
const KEY: &str = "sk_test_51SecurityTestKey000000000004242";

async fn sim() -> Simulator {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account("acct_1Platform", "Desk Platform");
    sim.add_key(PLATFORM_KEY, "acct_1Platform", KeyAccess::Full);
    sim.add_key(KEY, "acct_1Platform", KeyAccess::Full);
    sim.add_oauth_client(CONNECT_CLIENT, PLATFORM_KEY, OAuthKind::Connect);
    sim.add_oauth_client(APPS_CLIENT, PLATFORM_KEY, OAuthKind::Apps);
    sim.add_account("acct_1Connected", "Corner Bakery");
    sim
}

fn data_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("desk-security-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn config(sim: &Simulator, dir: &Path) -> DeskConfig {
    let base = sim.base_url();
    let bases = Bases {
        api: base.clone(),
        connect: base.clone(),
        marketplace: base.clone(),
    };
    let mut cfg = DeskConfig::new(bases, dir.to_path_buf());
    let mut client = ClientConfig::new(&base, &base);
    client.retry.initial_delay = Duration::from_millis(5);
    cfg.client = client;
    cfg
}

fn desk(sim: &Simulator, dir: &Path, secrets: Arc<dyn SecretStore>) -> Desk {
    Desk::new(config(sim, dir), secrets).unwrap()
}

async fn set_up(d: &Desk, provider: OAuthProvider, redirect: RedirectKind) {
    let (client_id, scope) = match provider {
        OAuthProvider::Connect => (CONNECT_CLIENT, "read_write"),
        OAuthProvider::Apps => (APPS_CLIENT, ""),
    };
    d.save_oauth_settings(OAuthSettingsForm {
        provider,
        client_id: client_id.into(),
        client_secret: Some(Secret::new(PLATFORM_KEY)),
        scope: scope.into(),
        redirect,
        forwarding_page: None,
    })
    .await
    .unwrap();
}

/// What the system browser does with Stripe's authorize page: follow it to
/// its redirect, and return where it points.
async fn browser(authorize_url: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = http.get(authorize_url).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 302);
    answer.headers()["location"].to_str().unwrap().to_owned()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_dir_is_private_and_so_is_every_file_written_there() {
    use std::os::unix::fs::PermissionsExt;
    let sim = sim().await;

    // A fresh data dir, parents and all.
    let root = data_dir("fresh");
    let fresh = root.join("nested").join("data");
    let d = desk(&sim, &fresh, Arc::new(MemoryStore::default()));
    d.save_key_connection(KEY, false).await.unwrap();
    set_up(&d, OAuthProvider::Connect, RedirectKind::AppLink).await;
    d.start_oauth().await.unwrap();

    // One an older version left readable by everyone.
    let old = data_dir("too-open");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
    let oauth = old.join("oauth-pending.json");
    std::fs::write(&oauth, b"{}").unwrap();
    std::fs::set_permissions(&oauth, std::fs::Permissions::from_mode(0o644)).unwrap();
    let d = desk(&sim, &old, Arc::new(MemoryStore::default()));
    assert_eq!(mode(&old), 0o700, "tightened at start");
    assert_eq!(mode(&oauth), 0o600, "tightened at start");
    d.save_key_connection(KEY, false).await.unwrap();
    set_up(&d, OAuthProvider::Connect, RedirectKind::AppLink).await;
    d.start_oauth().await.unwrap();

    for dir in [&root.join("nested"), &fresh, &old] {
        assert_eq!(mode(dir), 0o700, "{}", dir.display());
    }
    for dir in [&fresh, &old] {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
            names.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
        names.sort();
        assert_eq!(
            names,
            [
                "connections.json",
                "keyring-ids.json",
                "oauth-pending.json",
                "oauth.json"
            ],
            "no temp files left behind"
        );
    }
    std::fs::remove_dir_all(root).unwrap();
    std::fs::remove_dir_all(old).unwrap();
}

#[tokio::test]
async fn a_forged_deep_link_neither_ends_nor_steers_the_waiting_flow() {
    let sim = sim().await;
    let d = desk(
        &sim,
        &data_dir("forged-link"),
        Arc::new(MemoryStore::default()),
    );
    set_up(&d, OAuthProvider::Connect, RedirectKind::AppLink).await;
    let url = d.start_oauth().await.unwrap().authorize_url;
    let link = browser(&url).await;

    let forged = [
        "stripe-desk://oauth/callback?code=ac_attacker&state=st_0000000000000000000000000000000f"
            .to_owned(),
        // An attacker's own words and parameter names must not reach the window.
        "stripe-desk://oauth/callback?error=access_denied&error_description=Call+0800+EVIL&state=st_0"
            .to_owned(),
        format!("{link}&zz_evil_param=1"),
        "stripe-desk://oauth/callback?code=<script>&state=x".to_owned(),
    ];
    for (n, forged) in forged.iter().enumerate() {
        let state = d.finish_oauth(forged).await;
        assert_eq!(
            state.state,
            FlowStage::Waiting,
            "{forged}: {:?}",
            state.message
        );
        let shown = format!("{:?}", state.message);
        assert!(
            !shown.contains("EVIL") && !shown.contains("zz_evil") && !shown.contains("script"),
            "{shown}"
        );
        assert_eq!(d.refused_oauth_answers(), n as u64 + 1, "counted");
    }
    assert_eq!(d.oauth_state().state, FlowStage::Waiting);

    // Stripe's real answer still lands.
    let done = d.finish_oauth(&link).await;
    assert_eq!(done.state, FlowStage::Finished, "{:?}", done.message);

    // With nothing waiting, a stray link is refused in the app's own words.
    let idle = d
        .finish_oauth("stripe-desk://oauth/callback?code=c&state=s&zz_evil_param=1")
        .await;
    assert!(!format!("{:?}", idle.message).contains("zz_evil"));
    assert_eq!(d.list_connections().connections.len(), 1);
}

#[tokio::test]
async fn a_forged_loopback_answer_is_refused_and_the_listener_keeps_waiting() {
    let sim = sim().await;
    let d = desk(
        &sim,
        &data_dir("forged-loopback"),
        Arc::new(MemoryStore::default()),
    );
    set_up(&d, OAuthProvider::Connect, RedirectKind::Loopback).await;
    let start = d.start_oauth().await.unwrap();
    let wait = tokio::spawn(start.loopback.unwrap());
    let redirect = browser(&start.authorize_url).await;
    let port = url::Url::parse(&redirect).unwrap().port().unwrap();

    // Another local user, who found the port with `ss -ltn`.
    for target in [
        "/oauth/callback?code=ac_attacker&state=st_0000000000000000000000000000000f",
        "/oauth/callback",
        "/oauth/callback?error=access_denied&state=st_1",
    ] {
        let forged = reqwest::get(format!("http://127.0.0.1:{port}{target}"))
            .await
            .unwrap();
        assert_eq!(forged.status().as_u16(), 400, "{target}");
        assert!(!forged
            .text()
            .await
            .unwrap()
            .contains("You can close this tab"));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!wait.is_finished(), "the flow keeps waiting");
    assert_eq!(d.refused_oauth_answers(), 3);
    assert_eq!(d.oauth_state().state, FlowStage::Waiting);

    let page = reqwest::get(&redirect).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let link = wait.await.unwrap().expect("the real answer is taken");
    let done = d.finish_oauth(&link).await;
    assert_eq!(done.state, FlowStage::Finished, "{:?}", done.message);
}

#[tokio::test]
async fn a_refresh_racing_removal_stores_nothing_and_fails_as_no_such_connection() {
    let sim = sim().await;
    let keyring = Arc::new(MemoryStore::default());
    let mut cfg = config(&sim, &data_dir("race"));
    // Every call counts as near expiry, so every call refreshes.
    cfg.token_refresh_margin = Duration::from_secs(2 * 3600);
    let d = Arc::new(Desk::new(cfg, keyring.clone()).unwrap());
    set_up(&d, OAuthProvider::Apps, RedirectKind::AppLink).await;
    let url = d.start_oauth().await.unwrap().authorize_url;
    let done = d.finish_oauth(&browser(&url).await).await;
    assert_eq!(done.state, FlowStage::Finished, "{:?}", done.message);
    let id = d.list_connections().connections[0].id.clone();

    sim.set_latency(Duration::from_millis(500));
    let call = {
        let (d, id) = (d.clone(), id.clone());
        tokio::spawn(async move { d.call(&id, &Request::get("/v1/customers")).await })
    };
    // The refresh is on its way to Stripe when the user removes the connection.
    tokio::time::sleep(Duration::from_millis(150)).await;
    d.remove_connection(&id).await.unwrap();
    let err = AppError::from(call.await.unwrap().expect_err("the connection is gone"));
    assert_eq!(err.code, "not_found", "{err:?}");
    assert!(err.message.contains("No connection"), "{}", err.message);
    for name in [
        format!("connection/{id}"),
        format!("connection/{id}/refresh"),
        format!("connection/{id}/client-secret"),
    ] {
        assert_eq!(keyring.get(&name).unwrap(), None, "{name} came back");
    }
    assert!(d.list_connections().connections.is_empty());
}

/// A keyring that can break: writes of the developer's key and every
/// delete fail while `broken` is set.
#[derive(Default)]
struct BreakingKeyring {
    inner: MemoryStore,
    broken: AtomicBool,
}

impl SecretStore for BreakingKeyring {
    fn put(&self, name: &str, secret: &Secret) -> Result<(), Error> {
        if self.broken.load(Ordering::SeqCst) && name.ends_with("/client-secret") {
            return Err(Error::Keyring("simulated write failure".into()));
        }
        self.inner.put(name, secret)
    }
    fn get(&self, name: &str) -> Result<Option<Secret>, Error> {
        self.inner.get(name)
    }
    fn delete(&self, name: &str) -> Result<(), Error> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(Error::Keyring("simulated delete failure".into()));
        }
        self.inner.delete(name)
    }
    fn status(&self) -> KeyringStatus {
        self.inner.status()
    }
}

#[tokio::test]
async fn keyring_entries_of_connections_that_no_longer_exist_are_swept_at_start() {
    let sim = sim().await;
    let keyring = Arc::new(BreakingKeyring::default());
    // Another data dir on the same keyring (the demo has one of its own):
    // its entries are not this one's to sweep.
    let other = desk(&sim, &data_dir("sweep-other"), keyring.clone());
    let others = other.save_key_connection(KEY, false).await.unwrap().id;

    let dir = data_dir("sweep");
    let d = desk(&sim, &dir, keyring.clone());
    set_up(&d, OAuthProvider::Apps, RedirectKind::AppLink).await;
    let url = d.start_oauth().await.unwrap().authorize_url;
    let link = browser(&url).await;
    // The keyring fails partway through storing the new connection, and
    // cannot even delete what it stored.
    keyring.broken.store(true, Ordering::SeqCst);
    let failed = d.finish_oauth(&link).await;
    assert_eq!(failed.state, FlowStage::Failed, "{:?}", failed.message);
    assert!(d.list_connections().connections.is_empty());
    let left = keyring.inner.names();
    assert_eq!(left.len(), 4, "{left:?}");
    drop(d);

    keyring.broken.store(false, Ordering::SeqCst);
    let d = desk(&sim, &dir, keyring.clone());
    assert_eq!(d.sweep_orphaned_secrets().await.unwrap(), 1);
    assert_eq!(
        keyring.inner.names(),
        [
            format!("connection/{others}"),
            "oauth/client-secret".to_owned()
        ]
    );
    assert_eq!(d.sweep_orphaned_secrets().await.unwrap(), 0);
    other
        .call(&others, &Request::get("/v1/customers"))
        .await
        .unwrap();
}

/// Set in the child process that serves the loopback redirect under a
/// 64-descriptor limit, for the test below.
#[cfg(target_os = "linux")]
const LOOPBACK_CHILD: &str = "DESK_TEST_LOOPBACK_CHILD";

/// CPU time (user + system) a process has used, in seconds.
#[cfg(target_os = "linux")]
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses: utime and
    // stime are the 12th and 13th, in clock ticks (100 a second on Linux).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

/// Another local user opens 200 connections to the loopback port and says
/// nothing, while the app may hold only 64 descriptors: Stripe's answer
/// must still be taken at once, and the app must not spin.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn idle_connections_neither_starve_the_loopback_listener_nor_burn_cpu() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::time::Instant;
    const NAME: &str = "idle_connections_neither_starve_the_loopback_listener_nor_burn_cpu";

    if std::env::var_os(LOOPBACK_CHILD).is_some() {
        // The app's side, in a process of its own with few descriptors.
        let sim = sim().await;
        let d = desk(
            &sim,
            &data_dir("idle-child"),
            Arc::new(MemoryStore::default()),
        );
        set_up(&d, OAuthProvider::Connect, RedirectKind::Loopback).await;
        let start = d.start_oauth().await.unwrap();
        let wait = tokio::spawn(start.loopback.unwrap());
        println!("REDIRECT {}", browser(&start.authorize_url).await);
        let link = wait.await.unwrap().expect("the answer is taken");
        let done = d.finish_oauth(&link).await;
        println!("DONE {:?}", done.state);
        return;
    }

    // The test's name as the harness knows it: its module path in this binary, then its own.
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let name = format!("{module}::{NAME}");
    let mut child = Command::new("sh")
        .args(["-c", "ulimit -n 64 && exec \"$0\" \"$@\""])
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", &name, "--nocapture", "--test-threads=1"])
        .env(LOOPBACK_CHILD, "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = |prefix: &str| loop {
        let line = lines.next().expect("the child says more").unwrap();
        // The test harness may have started the line ("test ... ").
        if let Some((_, rest)) = line.split_once(prefix) {
            return rest.to_owned();
        }
    };
    let redirect = next("REDIRECT ");
    let port = url::Url::parse(&redirect).unwrap().port().unwrap();

    let idle: Vec<_> = (0..200)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    let before = cpu_seconds(pid);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let spent = cpu_seconds(pid) - before;

    let asked = Instant::now();
    let page = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
        .get(&redirect)
        .send()
        .await;
    let took = asked.elapsed();
    let taken = matches!(&page, Ok(p) if p.status().as_u16() == 200);
    if !taken {
        // It would wait ten minutes for an answer that did not come.
        let _ = child.kill();
    }
    let done = if taken { next("DONE ") } else { String::new() };
    let finished = child.wait().unwrap().success();
    drop(idle);
    println!(
        "200 idle connections, 64 descriptors: {spent:.2} CPU-s in 3 s; the answer: {} after {} ms",
        page.as_ref()
            .map_or("none".into(), |p| p.status().to_string()),
        took.as_millis()
    );
    assert!(taken, "the answer gets through: {page:?}");
    assert!(finished && done == "Finished", "{done}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(spent < 0.3, "{spent:.2} CPU-seconds in 3 s");
}

// ---- The one Stripe client: where a request (and its key) may go ----

/// A listener on another port that records what reaches it: a request that
/// arrives there carried the key to a host that is not Stripe's.
struct Trap {
    port: u16,
    seen: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Trap {
    async fn start() -> Trap {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while let Ok((mut s, _)) = listener.accept().await {
                let mut buf = vec![0u8; 8192];
                let n = s.read(&mut buf).await.unwrap_or(0);
                log.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                    .await;
            }
        });
        Trap { port, seen }
    }

    /// What arrived, with any key masked, for a failure message.
    fn arrived(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.lines().next().unwrap_or_default().to_owned())
            .collect()
    }
}

fn client_of(base: &str) -> desk_core::stripe::StripeClient {
    let mut c = ClientConfig::new(base, base);
    c.retry.initial_delay = Duration::from_millis(5);
    desk_core::stripe::StripeClient::new(c).unwrap()
}

fn key_auth() -> desk_core::stripe::Auth {
    desk_core::stripe::Auth {
        secret: Secret::new(KEY),
        mode: desk_core::views::Mode::Test,
        stripe_account: Some("acct_1Connected".into()),
    }
}

#[tokio::test]
async fn a_path_that_would_move_the_host_is_refused_before_anything_is_sent() {
    let sim = sim().await;
    let trap = Trap::start().await;
    let client = client_of(&sim.base_url());
    let evil = trap.port;
    sim.clear_requests();
    for path in [
        ".evil.example".to_owned(),
        format!("@127.0.0.1:{evil}"),
        format!("@127.0.0.1:{evil}/v1/customers"),
        format!("//127.0.0.1:{evil}/v1/customers"),
        format!("/v1/customers@127.0.0.1:{evil}"),
        "/v1/../oauth/deauthorize".into(),
        "/v1/customers/..".into(),
        "/v1/customers?limit=1".into(),
        "/v1/customers#x".into(),
        "/v1/%2e%2e/x".into(),
        "/v1//customers".into(),
        "v1/customers".into(),
        "/v2/core/accounts".into(),
    ] {
        for request in [Request::get(&path), Request::post(&path)] {
            let err = client.send(&key_auth(), &request).await.unwrap_err();
            assert_eq!(err.code(), "path_refused", "{path}: {err}");
            assert!(
                err.plain_message().starts_with("Nothing was sent"),
                "{path}: {}",
                err.plain_message()
            );
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        trap.arrived(),
        Vec::<String>::new(),
        "the key went elsewhere"
    );
    assert!(sim.requests().is_empty(), "{:?}", sim.requests());
    // And Stripe's own paths go through.
    client
        .send(&key_auth(), &Request::get("/v1/customers"))
        .await
        .unwrap_err(); // acct_1Connected is not this key's: a 403, but it reached Stripe.
    assert_eq!(sim.requests().len(), 1);
}

#[tokio::test]
async fn the_client_follows_no_redirect() {
    let trap = Trap::start().await;
    // A host that answers every request with a redirect to the trap.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let to = format!("http://127.0.0.1:{}/v1/customers", trap.port);
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let _ = s.read(&mut buf).await;
            let answer = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nlocation: {to}\r\ncontent-length: 0\r\n\r\n"
            );
            let _ = s.write_all(answer.as_bytes()).await;
        }
    });
    let client = client_of(&format!("http://127.0.0.1:{port}"));
    let post = Request::post("/v1/customers")
        .params(desk_core::stripe::Params::new().text("name", "Jo"))
        .idempotency_key(desk_core::stripe::IdempotencyKey::new("desk_redirect_test").unwrap());
    let err = client.send(&key_auth(), &post).await.unwrap_err();
    assert_eq!(err.status(), Some(307), "{err}");
    let err = client
        .send(&key_auth(), &Request::get("/v1/customers"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(307), "{err}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(trap.arrived(), Vec::<String>::new());
}

#[test]
fn the_client_talks_https_only_except_to_this_computer() {
    for refused in [
        "http://api.stripe.com",
        "http://192.168.1.20:12111",
        "ftp://api.stripe.com",
        "https://user:pw@api.stripe.com",
        "not a url",
    ] {
        let err = desk_core::stripe::StripeClient::new(ClientConfig::new(
            refused,
            "https://connect.stripe.com",
        ))
        .err()
        .unwrap_or_else(|| panic!("{refused} was accepted"));
        assert_eq!(err.code(), "insecure_base", "{refused}");
    }
    for allowed in [
        "https://api.stripe.com",
        "http://127.0.0.1:12111",
        "http://localhost:12111",
        "http://[::1]:12111",
    ] {
        assert!(
            desk_core::stripe::StripeClient::new(ClientConfig::new(
                allowed,
                "https://connect.stripe.com"
            ))
            .is_ok(),
            "{allowed}"
        );
    }
}

#[tokio::test]
async fn an_answer_larger_than_the_cap_is_not_read_and_says_so() {
    let sim = sim().await;
    let base = sim.base_url();
    let mut config = ClientConfig::new(&base, &base);
    // The app's cap is 32 MB; a page this test can make is far smaller.
    config.max_body_bytes = 64 * 1024;
    let client = desk_core::stripe::StripeClient::new(config).unwrap();
    let auth = desk_core::stripe::Auth {
        secret: Secret::new(KEY),
        mode: desk_core::views::Mode::Test,
        stripe_account: None,
    };
    let long = "x".repeat(500);
    for i in 0..30 {
        let mut params = desk_core::stripe::Params::new().text("name", format!("Customer {i}"));
        for k in 0..10 {
            params = params.text(&format!("metadata[k{k}]"), long.clone());
        }
        client
            .send(&auth, &Request::post("/v1/customers").params(params))
            .await
            .unwrap();
    }
    let small = client
        .send(
            &auth,
            &Request::get("/v1/customers")
                .params(desk_core::stripe::Params::new().text("limit", "3")),
        )
        .await;
    assert!(small.is_ok(), "{small:?}");
    let err = client
        .send(
            &auth,
            &Request::get("/v1/customers")
                .params(desk_core::stripe::Params::new().text("limit", "30")),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "answer_too_large");
    let words = AppError::from(err).message;
    assert!(words.contains("larger than 64 KB"), "{words}");
    assert_eq!(desk_core::stripe::MAX_BODY_BYTES, 32 * 1024 * 1024);
}

/// A workflow's Resume looks for what an earlier attempt made (its
/// `find_created`) with the step's path as resolved from its inputs: the
/// client's one path check holds there too.
#[tokio::test]
async fn a_resumes_look_up_cannot_send_the_key_to_another_host() {
    use desk_core::money::NumberFormat;
    use desk_core::workflows::engine::{Outcome, RunAccount, RunHistory, RunRecord};
    use desk_core::workflows::model::InputKind;
    use desk_core::workflows::{ActionSteps, Workflow};
    use std::collections::BTreeMap;
    let sim = sim().await;
    let trap = Trap::start().await;
    let client = client_of(&sim.base_url());
    let auth = desk_core::stripe::Auth {
        secret: Secret::new(KEY),
        mode: desk_core::views::Mode::Test,
        stripe_account: None,
    };
    let dir = data_dir("resume-lookup");
    let history = RunHistory::new(&dir);
    let steps = ActionSteps {
        client: &client,
        auth: &auth,
    };
    let engine = steps.engine(&history, NumberFormat::POINT);
    let mut w = Workflow::new("Request from an input");
    w.add_input("path", "Path", InputKind::Text).unwrap();
    w.add_step("make", "any_endpoint").unwrap();
    w.steps[0].fields = match serde_json::json!({
        "method": "POST", "path": "{{input.path}}", "params": [{"key": "name", "value": "Jo"}],
    }) {
        serde_json::Value::Object(m) => m,
        _ => unreachable!(),
    };
    let account = RunAccount {
        id: "acct_1Platform".into(),
        name: "Desk Platform".into(),
        livemode: false,
        through: None,
    };
    // Stripe fails the create with a 500: the next attempt must look first.
    sim.fail_next(1, stripe_sim::Failure::ServerError500);
    let inputs = BTreeMap::from([("path".to_owned(), "/v1/customers".to_owned())]);
    let run = engine
        .start(&w, account.clone(), inputs, &mut |_: &RunRecord| {})
        .await
        .unwrap();
    assert!(matches!(run.outcome, Outcome::Failed { .. }), "{run:?}");
    let evil = BTreeMap::from([("path".to_owned(), format!("@127.0.0.1:{}", trap.port))]);
    // A path that takes no tags cannot be looked up: Resume asks first. Say
    // yes, so the request is really made and the client's check is what stops it.
    let mut engine = engine;
    engine.resend_unchecked = true;
    let resumed = engine
        .resume(
            &w,
            &run.run_id,
            &account,
            Some(evil),
            &mut |_: &RunRecord| {},
        )
        .await
        .unwrap();
    assert!(
        matches!(resumed.outcome, Outcome::Failed { .. }),
        "{resumed:?}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        trap.arrived(),
        Vec::<String>::new(),
        "the key went elsewhere"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
