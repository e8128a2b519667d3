//! The real app window on a desktop with no keyring service: a D-Bus
//! session bus of its own on which nothing provides the Secret Service (as
//! on a minimal desktop). The window says so, offers this session only,
//! and the key is never written anywhere.

use crate::APP;
use desk_testkit::window::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use stripe_sim::KeyAccess;

const KEY: &str = "sk_test_51WindowNoKeyringKey00000000004242";

/// Only what a session bus needs: no service activation, so nothing on it
/// (not even gnome-keyring, were it installed) can answer for secrets.
const BUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

struct BusWithoutKeyring {
    daemon: Child,
    address: String,
}

impl BusWithoutKeyring {
    fn start(dir: &std::path::Path) -> BusWithoutKeyring {
        let config = dir.join("bus.conf");
        std::fs::write(&config, BUS_CONFIG).unwrap();
        let mut daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon runs");
        let mut address = String::new();
        BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        BusWithoutKeyring {
            daemon,
            address: address.trim().to_owned(),
        }
    }
}

impl Drop for BusWithoutKeyring {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_keyring_the_key_is_used_for_this_session_only() {
    let _window = one_window_at_a_time().await;
    let sim = simulator().await;
    sim.add_account("acct_1NoKeyring", "Harbour Books");
    sim.add_key(KEY, "acct_1NoKeyring", KeyAccess::Full);
    let data_dir = temp_dir("window-no-keyring");
    let shots = artifacts_dir();
    let bus = BusWithoutKeyring::start(&data_dir);
    assert!(!bus.address.is_empty(), "the bus printed its address");
    let driver = Driver::start_with(
        APP,
        &sim,
        &data_dir,
        &[("DBUS_SESSION_BUS_ADDRESS", bus.address.as_ref())],
    );

    // The window says the keyring cannot be used, and offers this session only.
    let w = driver.session().await;
    w.wait_for_text("#keyring-note", "cannot use this computer's keyring")
        .await;
    let checked = w
        .execute("return document.querySelector('#session-only').checked")
        .await;
    assert_eq!(checked.as_bool(), Some(true), "session only is offered");
    w.wait_for_text("#btn-save-key", "Connect for this session")
        .await;
    w.screenshot(&shots.join("nokeyring-01-offer.png")).await;

    // Connected for now, marked as such.
    connect_with_key(&w, KEY, "Secret key, test mode", "Harbour Books").await;
    w.wait_for_text("#connection-list", "This session only")
        .await;
    w.screenshot(&shots.join("nokeyring-02-session-only.png"))
        .await;
    w.quit().await;

    // Forgotten at the next start, and never written to a file.
    let w = driver.session().await;
    w.wait_for_text("#keyring-note", "cannot use this computer's keyring")
        .await;
    w.wait_for_text("#header-account", "Not connected").await;
    assert_every_call_audited(&data_dir).await;
    w.quit().await;
    assert_eq!(files_containing(&data_dir, &[KEY]), Vec::<String>::new());
    assert!(
        std::fs::read_to_string(data_dir.join("ipc-replies.jsonl"))
            .unwrap()
            .contains("sk_test_...4242"),
        "the window was shown the masked key"
    );
}
