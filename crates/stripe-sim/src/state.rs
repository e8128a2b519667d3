//! In-memory state of the simulator: accounts (each with separate test and
//! live data), keys, OAuth grants, knobs and the request log.

use crate::resources::balance::Txn;
use crate::resources::events::{record_deauthorization, EventLog};
use crate::store::Store;
use crate::{Failure, KeyAccess, OAuthDecision, OAuthKind, RecordedRequest};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub struct IdemRecord {
    pub fingerprint: String,
    pub status: u16,
    pub body: Vec<u8>,
    /// Unix seconds (simulator clock) when the key was first used.
    pub created: i64,
}

/// Stripe removes idempotency keys once they are at least 24 hours old.
pub const IDEMPOTENCY_KEY_LIFETIME_SECS: i64 = 24 * 60 * 60;

/// One mode (test or live) of one account.
pub struct Data {
    pub livemode: bool,
    pub customers: Store<Value>,
    pub products: Store<Value>,
    pub prices: Store<Value>,
    pub plans: Store<Value>,
    pub subscriptions: Store<Value>,
    pub invoices: Store<Value>,
    pub payment_methods: Store<Value>,
    pub events: EventLog,
    pub txns: Store<Txn>,
    pub payouts: Store<Value>,
    pub idempotency: HashMap<String, IdemRecord>,
    /// Deleted object ids -> object name, so GET returns Stripe's deleted stub.
    pub deleted: HashMap<String, &'static str>,
    /// Added to the available balance per currency, to break reconciliation on purpose.
    pub balance_skew: HashMap<String, i64>,
    /// Invoices Stripe emailed (`collection_method=send_invoice`): (address, invoice id).
    pub emailed_invoices: Vec<(String, String)>,
    /// `connect_reserved` per currency: held for connected accounts' negative balances.
    pub connect_reserved: HashMap<String, i64>,
}

impl Data {
    fn new(livemode: bool) -> Self {
        Data {
            livemode,
            customers: Store::new("customer"),
            products: Store::new("product"),
            prices: Store::new("price"),
            plans: Store::new("plan"),
            subscriptions: Store::new("subscription"),
            invoices: Store::new("invoice"),
            payment_methods: Store::new("PaymentMethod"),
            events: EventLog::default(),
            txns: Store::new("balance transaction"),
            payouts: Store::new("payout"),
            idempotency: HashMap::new(),
            deleted: HashMap::new(),
            balance_skew: HashMap::new(),
            emailed_invoices: Vec::new(),
            connect_reserved: HashMap::new(),
        }
    }

    pub fn count(&self, resource: &str) -> usize {
        match resource {
            "customers" => self.customers.len(),
            "products" => self.products.len(),
            "prices" => self.prices.len(),
            "plans" => self.plans.len(),
            "subscriptions" => self.subscriptions.len(),
            "invoices" => self.invoices.len(),
            "payment_methods" => self.payment_methods.len(),
            "balance_transactions" => self.txns.len(),
            "payouts" => self.payouts.len(),
            "events" => self.events.len(),
            _ => 0,
        }
    }
}

pub struct Account {
    pub id: String,
    pub display_name: String,
    pub created: i64,
    /// `GET /v1/account` leaves `created` out (see `Simulator::omit_account_created`).
    pub created_omitted: bool,
    /// `settings.dashboard.timezone`: the IANA zone the Dashboard shows days in.
    pub timezone: String,
    pub test: Data,
    pub live: Data,
    /// Stripe's search is not offered in every country (India, for one):
    /// every `/search` call of this account is refused.
    pub search_unavailable: bool,
}

impl Account {
    pub fn new(id: &str, display_name: &str, created: i64) -> Self {
        Account {
            id: id.to_string(),
            display_name: display_name.to_string(),
            created,
            created_omitted: false,
            timezone: "Etc/UTC".to_string(),
            test: Data::new(false),
            live: Data::new(true),
            search_unavailable: false,
        }
    }
    pub fn data(&mut self, livemode: bool) -> &mut Data {
        if livemode {
            &mut self.live
        } else {
            &mut self.test
        }
    }
}

pub struct KeyRec {
    pub account_id: String,
    pub access: KeyAccess,
    pub livemode: bool,
    pub revoked: bool,
    /// OAuth (Apps) access tokens expire; unix seconds on the simulator clock.
    pub expires_at: Option<i64>,
    /// The OAuth connection that issued this token, if any.
    pub connection: Option<usize>,
}

pub struct Connection {
    pub client_id: String,
    pub platform_account: String,
    pub account_id: String,
    pub kind: OAuthKind,
    pub active: bool,
}

pub struct CodeRec {
    pub client_id: String,
    pub account_id: String,
    pub scope: String,
    pub issued_at: i64,
    pub used: bool,
    pub livemode: bool,
    /// Set once the code has been exchanged.
    pub connection: Option<usize>,
}

pub struct RefreshRec {
    pub connection: usize,
    pub valid: bool,
    pub scope: String,
    pub livemode: bool,
}

pub struct OAuthClient {
    pub platform_key: String,
    pub kind: OAuthKind,
}

/// Token bucket: `per_second` tokens, refilled continuously.
pub struct Bucket {
    pub per_second: u32,
    pub tokens: f64,
    pub last: Instant,
}

impl Bucket {
    pub fn new(per_second: u32) -> Self {
        Bucket {
            per_second,
            tokens: per_second as f64,
            last: Instant::now(),
        }
    }
    pub fn take(&mut self) -> bool {
        let now = Instant::now();
        let rate = self.per_second as f64;
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * rate).min(rate);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

pub struct State {
    pub accounts: HashMap<String, Account>,
    pub keys: HashMap<String, KeyRec>,
    pub failures: VecDeque<Failure>,
    /// After the queued failures: each API request fails with this
    /// probability, in one of these ways picked at random.
    pub random_failures: Option<(f64, Vec<Failure>)>,
    /// Every API request whose path and query contain the text fails this way.
    pub failing: Vec<(String, Failure)>,
    pub latency: Duration,
    /// Every API request whose path and query contain the text is answered
    /// this much later (after it was carried out), instead of `latency`.
    pub slow: Vec<(String, Duration)>,
    pub rate: Option<Bucket>,
    /// Stripe's concurrency limiter: most API requests answered at once.
    pub concurrency: Option<usize>,
    pub requests: Vec<RecordedRequest>,
    pub clock_offset: Duration,
    pub clients: HashMap<String, OAuthClient>,
    pub decision: OAuthDecision,
    pub codes: HashMap<String, CodeRec>,
    pub refresh_tokens: HashMap<String, RefreshRec>,
    pub connections: Vec<Connection>,
    pub deauths: Vec<(String, String)>,
    /// Every OAuth access and refresh token handed out, for leak checks.
    pub issued: Vec<String>,
    /// New events appear up to this long after they are made (every account).
    pub event_delay: Duration,
}

impl State {
    pub fn new() -> Self {
        State {
            accounts: HashMap::new(),
            keys: HashMap::new(),
            failures: VecDeque::new(),
            random_failures: None,
            failing: Vec::new(),
            latency: Duration::ZERO,
            slow: Vec::new(),
            rate: None,
            concurrency: None,
            requests: Vec::new(),
            clock_offset: Duration::ZERO,
            clients: HashMap::new(),
            decision: OAuthDecision::Approve {
                account_id: "acct_1Connected".into(),
            },
            codes: HashMap::new(),
            refresh_tokens: HashMap::new(),
            connections: Vec::new(),
            deauths: Vec::new(),
            issued: Vec::new(),
            event_delay: Duration::ZERO,
        }
    }

    /// The next failure to inject: one for requests like this, a queued
    /// one, else perhaps a random one.
    pub fn next_failure(&mut self, path_and_query: &str) -> Option<Failure> {
        use rand::Rng;
        if let Some((_, f)) = self
            .failing
            .iter()
            .find(|(needle, _)| path_and_query.contains(needle.as_str()))
        {
            return Some(*f);
        }
        if let Some(f) = self.failures.pop_front() {
            return Some(f);
        }
        let (p, kinds) = self.random_failures.as_ref()?;
        let mut rng = rand::rng();
        if kinds.is_empty() || !rng.random_bool(*p) {
            return None;
        }
        Some(kinds[rng.random_range(0..kinds.len())])
    }

    /// How long the answer to a request waits after it was carried out.
    pub fn latency_of(&self, path_and_query: &str) -> Duration {
        self.slow
            .iter()
            .find(|(needle, _)| path_and_query.contains(needle.as_str()))
            .map_or(self.latency, |(_, d)| *d)
    }

    /// Unix seconds on the simulator's clock (real time plus any advance).
    pub fn now(&self) -> i64 {
        (SystemTime::now() + self.clock_offset)
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    }

    pub fn ensure_account(&mut self, id: &str, display_name: &str) -> &mut Account {
        let now = self.now();
        let delay = self.event_delay;
        self.accounts.entry(id.to_string()).or_insert_with(|| {
            let mut account = Account::new(id, display_name, now);
            account.test.events.max_delay = delay;
            account.live.events.max_delay = delay;
            account
        })
    }

    /// Ends a connection: the platform loses `Stripe-Account` access and the
    /// tokens it was issued stop working.
    pub fn revoke_connection(&mut self, idx: usize) {
        let Some(c) = self.connections.get_mut(idx) else {
            return;
        };
        let was_active = std::mem::replace(&mut c.active, false);
        if was_active {
            // Stripe tells the account's log (both modes) the application left.
            let (client, platform, account) = (
                c.client_id.clone(),
                c.platform_account.clone(),
                c.account_id.clone(),
            );
            let now = self.now();
            let name = self
                .accounts
                .get(&platform)
                .map_or(platform.clone(), |a| a.display_name.clone());
            if let Some(a) = self.accounts.get_mut(&account) {
                for livemode in [false, true] {
                    record_deauthorization(a.data(livemode), &client, &name, &account, now);
                }
            }
        }
        for k in self.keys.values_mut() {
            if k.connection == Some(idx) {
                k.revoked = true;
            }
        }
        for r in self.refresh_tokens.values_mut() {
            if r.connection == idx {
                r.valid = false;
            }
        }
    }

    /// Whether a key of `from` may act on `target` through `Stripe-Account`.
    pub fn has_access(&self, from: &str, target: &str) -> bool {
        from == target
            || self
                .connections
                .iter()
                .any(|c| c.active && c.platform_account == from && c.account_id == target)
    }
}

/// Random Stripe-style id: prefix + alphanumerics.
pub fn gen_id(prefix: &str, len: usize) -> String {
    use rand::{distr::Alphanumeric, Rng};
    let tail: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect();
    format!("{prefix}{tail}")
}
