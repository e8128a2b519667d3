//! The Activity screen in the real app window, against the simulator: the
//! poller follows two accounts once the window has painted; an event made
//! in the simulator shows up within one poll as its sentence, with a
//! desktop notification for the kind chosen, and the sidebar counts it
//! unread; the all-accounts feed names each line's account; filters by
//! kind and date and a search; an event's details; settings checked at
//! their field; and a key revoked in the Dashboard marks the connection
//! "Disconnected by Stripe". Every state is read for developer words.
//!
//! The desktop's notification server is played by the test on the private
//! session bus the app runs on (`org.freedesktop.Notifications`, as GNOME's
//! or dunst is): it sees each notification the app shows, and clicks one.

use crate::APP;
use desk_testkit::window::plain_words::assert_plain_words;
use desk_testkit::window::*;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use stripe_sim::{KeyAccess, Payment, Trigger};

const KEY: &str = "sk_test_51WindowActivityShop00000000000424242";
const ACCOUNT: &str = "acct_1WindowActivityShop";
const OTHER_KEY: &str = "sk_test_51WindowActivityOther0000000000777777";
const OTHER_ACCOUNT: &str = "acct_1WindowActivityOther";
/// The shortest interval a person can choose.
const INTERVAL: Duration = Duration::from_secs(10);

/// A notification as the desktop received it.
#[derive(Debug, Clone)]
struct Shown {
    id: u32,
    summary: String,
    body: String,
    actions: Vec<String>,
}

/// The Desktop Notifications Specification's server, as much of it as the app uses.
struct NotificationServer {
    shown: Arc<Mutex<Vec<Shown>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl NotificationServer {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        _app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, zbus::zvariant::OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut shown = self.shown.lock().unwrap();
        let id = shown.len() as u32 + 1;
        shown.push(Shown {
            id,
            summary,
            body,
            actions,
        });
        id
    }

    fn close_notification(&self, _id: u32) {}

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "actions".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "window-test".into(),
            "stripe-desk".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    /// What a click on a notification (`default`) or its button sends.
    #[zbus(signal)]
    async fn action_invoked(
        emitter: &zbus::object_server::SignalEmitter<'_>,
        id: u32,
        action_key: &str,
    ) -> zbus::Result<()>;
}

const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";

/// Serves notifications on the session bus the app was started on.
async fn notification_server() -> (zbus::Connection, Arc<Mutex<Vec<Shown>>>) {
    let shown = Arc::new(Mutex::new(Vec::new()));
    let server = NotificationServer {
        shown: shown.clone(),
    };
    let connection = zbus::connection::Builder::session()
        .unwrap()
        .name("org.freedesktop.Notifications")
        .unwrap()
        .serve_at(NOTIFICATIONS_PATH, server)
        .unwrap()
        .build()
        .await
        .expect("the test serves desktop notifications on the session bus");
    (connection, shown)
}

/// A click on the notification, as the desktop reports it.
async fn click_notification(connection: &zbus::Connection, id: u32) {
    let iface = connection
        .object_server()
        .interface::<_, NotificationServer>(NOTIFICATIONS_PATH)
        .await
        .unwrap();
    NotificationServer::action_invoked(iface.signal_emitter(), id, "default")
        .await
        .unwrap();
}

async fn wait_js(w: &webdriver::Session, script: &str, what: &str, within: Duration) {
    let deadline = Instant::now() + within;
    while w.execute(script).await != Value::Bool(true) {
        if Instant::now() > deadline {
            let screen = w
                .execute("return document.getElementById('main').innerText.slice(0, 3000);")
                .await;
            panic!("never: {what}; the screen reads {screen}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Picks the option of a drop-down whose text starts with `label`, with its change event.
async fn choose_in(w: &webdriver::Session, select: &str, label: &str) {
    w.find(select).await;
    let done = w
        .execute(&format!(
            "const s = document.querySelector({select:?}); const o = Array.from(s.options).find((o) => o.text.startsWith({label:?})); if (!o) return false; s.value = o.value; s.dispatchEvent(new Event('change', {{bubbles: true}})); return true;"
        ))
        .await;
    assert_eq!(done, Value::Bool(true), "{select} has no option {label}");
}

/// The rounds of the poller the window heard, from the app's IPC audit.
fn rounds(data_dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(data_dir.join("ipc-replies.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(r#""command":"activity-round""#))
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["reply"].clone())
        .collect()
}

/// Waits until a round covering both accounts has been heard; returns how many rounds there were.
async fn wait_for_round(data_dir: &Path, after: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let all = rounds(data_dir);
        if all.len() > after
            && all
                .last()
                .is_some_and(|r| r["accounts"].as_array().is_some_and(|a| a.len() == 2))
        {
            return all.len();
        }
        assert!(Instant::now() < deadline, "no round of polls after {after}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The lines the feed has drawn, as the person reads them.
async fn lines(w: &webdriver::Session) -> Vec<String> {
    let v = w
        .execute("return Array.from(document.querySelectorAll('#act-scroll .act-row:not(.is-loading)')).map((r) => r.innerText.replace(/\\n/g, ' | '));")
        .await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_owned())
        .collect()
}

async fn wait_for_line(w: &webdriver::Session, text: &str, within: Duration) {
    wait_js(
        w,
        &format!("return Array.from(document.querySelectorAll('#act-scroll .act-row')).some((r) => r.innerText.includes({text:?}));"),
        &format!("a line reading {text:?}"),
        within,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_heard_by_polling_show_as_sentences_notify_and_mark_a_disconnection() {
    let _window = one_window_at_a_time().await;
    let sim = simulator().await;
    sim.add_account(ACCOUNT, "Acme Coffee");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    sim.add_account(OTHER_ACCOUNT, "Second Shop");
    sim.add_key(OTHER_KEY, OTHER_ACCOUNT, KeyAccess::Full);
    // History from before the app first looked: read at the first poll, never notified.
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PaymentSucceeded(Payment::new(990, "usd").by("Olivia Smith")),
    );

    let (desktop, shown) = notification_server().await;
    let data_dir = temp_dir("window-activity");
    let shots = artifacts_dir();
    let driver = Driver::start(APP, &sim, &data_dir);
    let w = driver.session().await;
    connect_with_key(&w, KEY, "Secret key, test mode", "Acme Coffee").await;
    w.type_into("#key-input", OTHER_KEY).await;
    w.wait_for_text("#key-message", "Secret key, test mode")
        .await;
    w.click("#btn-save-key").await;
    w.wait_for_text(".connection-card", "Second Shop").await;
    choose_in(&w, "#account-switcher", "Acme Coffee").await;
    w.wait_for_text("#header-account", "Acme Coffee").await;

    // Settings: a wrong interval is said at its field, in words; the
    // shortest one is kept, and the poller follows it at once.
    w.click("#nav-activity").await;
    w.find("#act-interval").await;
    w.type_into("#act-interval", "5").await;
    w.click("#btn-act-save-settings").await;
    w.wait_for_text("#act-interval-message", "10 seconds at the most often")
        .await;
    assert_eq!(
        w.execute("return document.getElementById('act-interval').value")
            .await,
        "5",
        "what was typed stays"
    );
    assert_plain_words(&w, "Activity").await;
    w.screenshot(&shots.join("activity-00-interval-checked.png"))
        .await;
    w.type_into("#act-interval", &INTERVAL.as_secs().to_string())
        .await;
    w.click("#btn-act-save-settings").await;
    w.wait_for_text("#act-settings-message", "Saved").await;
    // Test accounts notify nothing until the person chooses: payments for Acme.
    let acme_payments = ".act-notify-account legend";
    w.wait_for_text(acme_payments, "Acme Coffee · test").await;
    assert_eq!(
        w.execute("return Array.from(document.querySelectorAll('#act-notify input')).filter((b) => b.checked).length")
            .await,
        0,
        "test mode: off by default"
    );
    let first = wait_for_round(&data_dir, 0).await;
    w.click("#act-notify fieldset:first-child input[data-choice='successful_payments']")
        .await;
    w.wait_for_text("#act-notify fieldset:first-child", "Saved")
        .await;
    // The first poll read the history: there, and not new.
    wait_for_line(&w, "Olivia Smith paid 9.90 USD", Duration::from_secs(20)).await;
    assert!(rounds(&data_dir)
        .iter()
        .all(|r| r["notifications"].as_array().unwrap().is_empty()));

    // Elsewhere in the app, events made in Stripe show up within one poll,
    // counted on the sidebar's Activity entry.
    w.click("#nav-connections").await;
    let made = Instant::now();
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PaymentSucceeded(Payment::new(1250, "eur").by("Jane Cooper")),
    );
    sim.trigger(
        OTHER_ACCOUNT,
        false,
        Trigger::PaymentFailed(
            Payment::new(4000, "usd").email("acme@example.com"),
            "card_declined".into(),
        ),
    );
    w.find("#nav-activity .nav-badge").await;
    // A screen reader says the figure with its words; the eye reads the figure.
    let said = w
        .execute("return document.querySelector('#nav-activity .nav-badge').textContent")
        .await;
    let said = said.as_str().unwrap_or_default();
    assert!(
        said.ends_with(" unread events") && said.starts_with(|c: char| c.is_ascii_digit()),
        "{said}"
    );
    w.screenshot(&shots.join("activity-01-unread-on-the-sidebar.png"))
        .await;
    w.click("#nav-activity").await;
    wait_for_line(&w, "Jane Cooper paid 12.50 EUR", Duration::from_secs(5)).await;
    let seen = made.elapsed();
    assert!(
        seen <= INTERVAL + Duration::from_secs(8),
        "within one poll: {seen:?}"
    );
    // On screen, it is read: the count goes.
    w.wait_until_gone("#nav-activity .nav-badge").await;
    let acme = lines(&w).await;
    assert!(
        acme.iter().all(|l| l.contains("Acme Coffee · test")),
        "this account only: {acme:?}"
    );
    assert!(!acme.iter().any(|l| l.contains("acme@example.com")));
    assert_plain_words(&w, "Activity").await;
    w.screenshot_both_themes(&shots.join("activity-02-this-account.png"))
        .await;

    // The notification chosen was shown on the desktop: one for the
    // payment (its events grouped), nothing for the other shop (off).
    let heard: Vec<Value> = rounds(&data_dir)[first..]
        .iter()
        .flat_map(|r| r["notifications"].as_array().unwrap().clone())
        .collect();
    assert_eq!(heard.len(), 1, "{heard:?}");
    let on_desktop = shown.lock().unwrap().clone();
    assert_eq!(on_desktop.len(), 1, "{on_desktop:?}");
    assert_eq!(on_desktop[0].summary, "Acme Coffee (test)");
    assert_eq!(on_desktop[0].body, "Jane Cooper paid 12.50 EUR");
    assert!(
        on_desktop[0].actions.contains(&"default".to_string()),
        "a click is reported: {on_desktop:?}"
    );

    // Clicked while another screen shows: the app opens the event.
    w.click("#nav-connections").await;
    click_notification(&desktop, on_desktop[0].id).await;
    w.wait_for_text("#act-detail-sentence", "Jane Cooper paid 12.50 EUR")
        .await;
    assert_eq!(
        w.execute("return document.querySelector('.nav-item[aria-current=page]').dataset.route")
            .await,
        "activity"
    );
    w.screenshot(&shots.join("activity-02b-notification-clicked.png"))
        .await;

    // Every account at once: each line names its account and mode.
    choose_in(&w, "#act-scope", "All accounts").await;
    wait_for_line(
        &w,
        "A 40.00 USD payment from acme@example.com failed: the card was declined",
        Duration::from_secs(10),
    )
    .await;
    let all = lines(&w).await;
    assert!(
        all.iter().any(|l| l.contains("Second Shop · test")),
        "{all:?}"
    );
    assert!(
        all.iter().any(|l| l.contains("Acme Coffee · test")),
        "{all:?}"
    );
    assert_plain_words(&w, "Activity").await;
    w.screenshot(&shots.join("activity-03-all-accounts.png"))
        .await;

    // A search over names, emails and IDs.
    w.type_into("#act-search", "acme@example").await;
    wait_js(
        &w,
        "const rows = Array.from(document.querySelectorAll('#act-scroll .act-row')); return rows.length > 0 && rows.every((r) => r.innerText.includes('acme@example.com'));",
        "only the failed payment's lines",
        Duration::from_secs(10),
    )
    .await;
    w.screenshot(&shots.join("activity-04-search.png")).await;
    w.type_into("#act-search", "").await;

    // By kind: a payout is not a payment.
    sim.trigger(
        ACCOUNT,
        false,
        Trigger::PayoutCreated {
            amount: 123_400,
            currency: "eur".into(),
            arrival_days: 2,
        },
    );
    wait_for_line(
        &w,
        "Payout of 1,234.00 EUR is on its way",
        INTERVAL + Duration::from_secs(10),
    )
    .await;
    choose_in(&w, "#act-kind", "Payouts").await;
    wait_js(
        &w,
        "const rows = Array.from(document.querySelectorAll('#act-scroll .act-row')); return rows.length === 1 && rows[0].dataset.kind === 'payouts';",
        "only the payout",
        Duration::from_secs(10),
    )
    .await;
    choose_in(&w, "#act-kind", "Payments").await;
    wait_js(
        &w,
        "const rows = Array.from(document.querySelectorAll('#act-scroll .act-row')); return rows.length > 2 && rows.every((r) => r.dataset.kind === 'payments');",
        "only payments",
        Duration::from_secs(10),
    )
    .await;
    // By date: from tomorrow there is nothing; a last day before the first is said at the field.
    let tomorrow = w
        .execute("const d = new Date(Date.now() + 86400000); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');")
        .await;
    let set_date = |id: &'static str, v: String| {
        format!("const i = document.getElementById({id:?}); i.value = {v:?}; i.dispatchEvent(new Event('change', {{bubbles: true}})); return true;")
    };
    w.execute(&set_date("act-from", tomorrow.as_str().unwrap().to_owned()))
        .await;
    w.wait_for_text("#act-count", "Nothing matches what you chose to show")
        .await;
    w.execute(&set_date("act-to", "2020-01-01".into())).await;
    w.wait_for_text("#act-date-message", "The first day is after the last one")
        .await;
    assert_plain_words(&w, "Activity").await;
    w.screenshot(&shots.join("activity-05-dates-checked.png"))
        .await;
    w.execute(&set_date("act-to", String::new())).await;
    w.execute(&set_date("act-from", String::new())).await;
    choose_in(&w, "#act-kind", "Everything").await;
    wait_for_line(&w, "Payout of 1,234.00 EUR", Duration::from_secs(10)).await;

    // An event's details: its sentence, where to see it, and what Stripe sent behind a toggle.
    w.click("#act-scroll .act-row[data-kind='payouts'] .act-sentence")
        .await;
    w.wait_for_text(
        "#act-detail-sentence",
        "Payout of 1,234.00 EUR is on its way",
    )
    .await;
    w.find("#btn-act-dashboard").await;
    assert_plain_words(&w, "Activity").await;
    w.click("#act-details summary").await;
    w.wait_for_text("#act-json", "\"payout.created\"").await;
    w.screenshot_both_themes(&shots.join("activity-06-details.png"))
        .await;
    w.click("#act-details summary").await;

    // Where to see what an event is about, in the app: a customer in Get
    // Customer...
    let made: Value = reqwest::Client::new()
        .post(format!("{}/v1/customers", sim.base_url()))
        .basic_auth(KEY, None::<&str>)
        .form(&[("name", "Ada Lovelace"), ("email", "ada@example.com")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(made["id"].as_str().unwrap().starts_with("cus_"), "{made}");
    wait_for_line(
        &w,
        "Customer Ada Lovelace created",
        INTERVAL + Duration::from_secs(10),
    )
    .await;
    w.click("#act-scroll .act-row[data-kind='customers'] .act-sentence")
        .await;
    w.click("#btn-act-open-customer").await;
    w.wait_for_text(".action-result h3", "Found").await;
    w.wait_for_text(".action-result .summary", "Ada Lovelace")
        .await;
    w.screenshot(&shots.join("activity-06b-customer-opened.png"))
        .await;
    // ...and a payment's transaction in Balances, once the account has a copy there.
    w.click("#nav-balances").await;
    w.click("#btn-bal-sync").await;
    wait_js(
        &w,
        "const m = document.getElementById('bal-sync-message'); return !!m && m.textContent.startsWith('Synced');",
        "the Balances sync finishes",
        Duration::from_secs(30),
    )
    .await;
    w.click("#nav-activity").await;
    wait_for_line(&w, "Jane Cooper paid 12.50 EUR", Duration::from_secs(10)).await;
    w.execute("Array.from(document.querySelectorAll('#act-scroll .act-row')).find((r) => r.innerText.includes('Jane Cooper paid')).querySelector('.act-sentence').click(); return true;")
        .await;
    w.wait_for_text("#act-detail-sentence", "Jane Cooper paid 12.50 EUR")
        .await;
    w.click("#btn-act-open-balances").await;
    // Balances shows the charge's transaction, which the sync above copied.
    w.wait_for_text("#bal-filters", "Source").await;
    wait_js(
        &w,
        "const s = document.getElementById('flt-source'); return !!s && s.value.startsWith('ch_');",
        "Balances filtered to the payment's charge",
        Duration::from_secs(10),
    )
    .await;
    w.wait_for_text("#bal-totals-filter", "related to ch_")
        .await;
    let charge_txn = sim
        .events(ACCOUNT, false)
        .into_iter()
        .find(|e| e["type"] == "charge.succeeded" && e["data"]["object"]["amount"] == 1250)
        .expect("Jane Cooper's charge")["data"]["object"]["balance_transaction"]
        .as_str()
        .expect("a successful charge has a balance transaction")
        .to_owned();
    wait_js(
        &w,
        &format!(
            "const rows = Array.from(document.querySelectorAll('#bt-scroll .bt-row:not(.is-loading)')); return rows.length === 1 && rows[0].dataset.id === {charge_txn:?} && rows[0].innerText.includes('12.50');"
        ),
        "the charge's transaction in the Balances table",
        Duration::from_secs(10),
    )
    .await;
    w.screenshot(&shots.join("activity-06c-payment-in-balances.png"))
        .await;
    w.click("#nav-activity").await;

    // The second shop's key is rolled in the Dashboard: at the next poll
    // the connection is marked, and its activity stays.
    sim.revoke_key(OTHER_KEY);
    w.wait_for_text("#act-notices", "Disconnected by Stripe")
        .await;
    let notice = w
        .text("#act-notices .act-notice[data-problem='disconnected']")
        .await;
    assert!(notice.contains("Second Shop · test"), "{notice}");
    wait_for_line(&w, "acme@example.com", Duration::from_secs(5)).await;
    assert_plain_words(&w, "Activity").await;
    w.execute("document.getElementById('main').scrollTop = 0; return true;")
        .await;
    w.screenshot(&shots.join("activity-07-disconnected.png"))
        .await;
    w.click("#nav-connections").await;
    w.wait_for_text(".connection-card.is-revoked", "Second Shop")
        .await;
    w.screenshot(&shots.join("activity-08-disconnected-connection.png"))
        .await;

    assert_every_call_audited(&data_dir).await;
    w.quit().await;
    drop(desktop);
    let _ = std::fs::remove_dir_all(&data_dir);
}
