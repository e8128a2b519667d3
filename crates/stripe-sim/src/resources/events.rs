//! Events: `GET /v1/events[/{id}]`, the log every write adds to (through
//! [`crate::api::emit`]), events made on demand ([`Trigger`]: what Stripe
//! sends when a payment succeeds or fails, a refund, a dispute, a payout,
//! a balance becoming available), deauthorization, and the demo's activity.
//!
//! Stripe's inconveniences are kept on purpose:
//! - events are kept 30 days: older ones are neither listed nor retrieved;
//! - with [`EventLog::max_delay`] set, a new event becomes visible up to that
//!   long after it was made, so a list can show a later event before an
//!   earlier one (its `created` is when it was made, not when it appeared);
//! - IDs are random, so they say nothing of the order events happened in.

use crate::api::{make_event, p_bool, ps, string_array};
use crate::error::ApiError;
use crate::resources::balance::{self, BalanceType, Txn, TxnKind};
use crate::seed::rid;
use crate::state::Data;
use crate::store::{Item, ListQuery, Store};
use crate::DEFAULT_API_VERSION;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Stripe's dispute fee in the United States, 15.00; taken here in the
/// dispute's currency whatever it is (the simulator has no country rates).
const DISPUTE_FEE: i64 = 1500;
const DAY: i64 = 86_400;

/// "List events, going back up to 30 days." (Stripe's API reference);
/// retrieve: "if it was created in the last 30 days".
pub const RETENTION_SECS: i64 = 30 * DAY;

/// `types`: "An array of up to 20 strings containing specific event names."
const MAX_TYPES: usize = 20;

/// One mode's event log.
pub struct EventLog {
    store: Store<Value>,
    /// Events not visible yet, and the instant each appears.
    appears_at: HashMap<String, Instant>,
    /// A new event appears after a random delay up to this (zero: at once).
    pub max_delay: Duration,
}

impl Default for EventLog {
    fn default() -> Self {
        EventLog {
            store: Store::new("event"),
            appears_at: HashMap::new(),
            max_delay: Duration::ZERO,
        }
    }
}

impl EventLog {
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Adds an event; with a delay set, it appears a random while later.
    pub fn insert(&mut self, event: Value) {
        if !self.max_delay.is_zero() {
            let now = Instant::now();
            if self.appears_at.len() > 1024 {
                self.appears_at.retain(|_, at| *at > now);
            }
            let delay = rand::rng().random_range(Duration::ZERO..=self.max_delay);
            self.appears_at.insert(event.id().to_string(), now + delay);
        }
        self.store.insert(event);
    }

    /// History made up front (sample data): visible at once.
    fn insert_visible(&mut self, event: Value) {
        self.store.insert(event);
    }

    fn visible(&self, id: &str, now: Instant) -> bool {
        self.appears_at.get(id).is_none_or(|at| *at <= now)
    }

    /// Every event, visible or not and however old, newest first.
    pub fn all(&self) -> impl Iterator<Item = &Value> {
        self.store.iter()
    }
}

fn pattern_matches(want: &str, t: &str) -> bool {
    match want.strip_suffix('*') {
        Some(prefix) => t.starts_with(prefix),
        None => t == want,
    }
}

/// `GET /v1/events`: newest first, the last 30 days, by `type` (with `*`)
/// or `types`, `created`, `delivery_success`.
pub(crate) fn list(data: &Data, mut q: ListQuery, p: &Value, now: i64) -> Result<Value, ApiError> {
    let types = string_array(p.get("types"));
    let single = ps(p, "type").filter(|s| !s.is_empty());
    if single.is_some() && p.get("types").is_some() {
        // The parameter's description in Stripe's OpenAPI description.
        return Err(ApiError::invalid(
            None,
            "types",
            "You may pass either `type` or `types`, but not both.",
        ));
    }
    if types.len() > MAX_TYPES {
        return Err(ApiError::invalid(
            None,
            "types",
            format!(
                "Invalid array: `types` takes up to {MAX_TYPES} event types (you passed {}).",
                types.len()
            ),
        ));
    }
    let wanted: Vec<String> = single
        .map(str::to_string)
        .into_iter()
        .chain(types)
        .collect();
    // No webhook endpoints here: nothing is pending, so every event counts
    // as delivered, and none as still pending or failed.
    let delivered_only_failures = p_bool(p, "delivery_success")? == Some(false);
    let oldest = now - RETENTION_SECS;
    q.created.gte = Some(q.created.gte.map_or(oldest, |g| g.max(oldest)));
    let seen_at = Instant::now();
    let log = &data.events;
    log.store.list_json(&q, "/v1/events", |e| {
        let t = e["type"].as_str().unwrap_or_default();
        !delivered_only_failures
            && log.visible(e.id(), seen_at)
            && (wanted.is_empty() || wanted.iter().any(|w| pattern_matches(w, t)))
    })
}

/// `GET /v1/events/{id}`: only within 30 days, and once it has appeared.
pub(crate) fn retrieve(data: &Data, id: &str, now: i64) -> Result<Value, ApiError> {
    data.events
        .store
        .get(id)
        .filter(|e| e.created() >= now - RETENTION_SECS && data.events.visible(id, Instant::now()))
        .cloned()
        .ok_or_else(|| ApiError::missing("event", id, "id"))
}

/// Who pays, in a triggered payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Minor units of `currency`.
    pub amount: i64,
    pub currency: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

impl Payment {
    pub fn new(amount: i64, currency: &str) -> Payment {
        Payment {
            amount,
            currency: currency.to_ascii_lowercase(),
            name: None,
            email: None,
        }
    }
    pub fn by(mut self, name: &str) -> Payment {
        self.name = Some(name.to_string());
        self
    }
    pub fn email(mut self, email: &str) -> Payment {
        self.email = Some(email.to_string());
        self
    }
}

/// Something that happens in an account, with the events Stripe sends for
/// it (as `stripe trigger` makes them happen in a test account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// `payment_intent.created`, `charge.succeeded`, `payment_intent.succeeded`.
    PaymentSucceeded(Payment),
    /// `payment_intent.created`, `charge.failed`,
    /// `payment_intent.payment_failed`, with this decline code.
    PaymentFailed(Payment, String),
    /// `charge.refunded` (the whole amount) and `refund.created`.
    Refunded(Payment),
    /// `charge.dispute.created` and `charge.dispute.funds_withdrawn`.
    DisputeOpened(Payment),
    /// `payout.created`: on its way, arriving in `arrival_days`.
    PayoutCreated {
        amount: i64,
        currency: String,
        arrival_days: i64,
    },
    /// `payout.paid`.
    PayoutPaid { amount: i64, currency: String },
    /// `payout.failed` with Stripe's failure code.
    PayoutFailed {
        amount: i64,
        currency: String,
        failure_code: String,
    },
    /// `balance.available`, carrying the balance now.
    BalanceAvailable,
    /// `account.application.deauthorized` alone, naming the account, for
    /// tests of what an app does when it reads one. The real thing (the
    /// event, and the end of the application's access) is
    /// [`crate::Simulator::disconnect_account`].
    ApplicationDeauthorized { client_id: String, name: String },
}

impl Trigger {
    /// From `/_sim/trigger`'s JSON: `{"kind": "payment_succeeded", "amount",
    /// "currency", "name", "email", "decline_code", "arrival_days", "failure_code"}`.
    pub fn from_json(v: &Value) -> Result<Trigger, String> {
        let s = |k: &str| v.get(k).and_then(Value::as_str);
        let amount = v.get("amount").and_then(Value::as_i64).unwrap_or(1000);
        let currency = s("currency").unwrap_or("usd").to_ascii_lowercase();
        let mut payment = Payment::new(amount, &currency);
        payment.name = s("name").map(str::to_string);
        payment.email = s("email").map(str::to_string);
        Ok(match s("kind").unwrap_or_default() {
            "payment_succeeded" => Trigger::PaymentSucceeded(payment),
            "payment_failed" => Trigger::PaymentFailed(
                payment,
                s("decline_code").unwrap_or("generic_decline").to_string(),
            ),
            "refunded" => Trigger::Refunded(payment),
            "dispute_opened" => Trigger::DisputeOpened(payment),
            "payout_created" => Trigger::PayoutCreated {
                amount,
                currency,
                arrival_days: v.get("arrival_days").and_then(Value::as_i64).unwrap_or(2),
            },
            "payout_paid" => Trigger::PayoutPaid { amount, currency },
            "payout_failed" => Trigger::PayoutFailed {
                amount,
                currency,
                failure_code: s("failure_code").unwrap_or("account_closed").to_string(),
            },
            "balance_available" => Trigger::BalanceAvailable,
            "application_deauthorized" => Trigger::ApplicationDeauthorized {
                client_id: s("client_id").unwrap_or("ca_sim_connected").to_string(),
                name: s("name").unwrap_or("An application").to_string(),
            },
            other => return Err(format!("unknown trigger kind: {other:?}")),
        })
    }
}

/// Stripe's message for a decline code (the charge's `failure_message`).
fn decline_message(code: &str) -> &'static str {
    match code {
        "insufficient_funds" => "Your card has insufficient funds.",
        "expired_card" => "Your card has expired.",
        "incorrect_cvc" => "Your card's security code is incorrect.",
        "processing_error" => {
            "An error occurred while processing your card. Try again in a little bit."
        }
        "lost_card" | "stolen_card" | "generic_decline" | "fraudulent" | "do_not_honor" => {
            "Your card was declined."
        }
        _ => "Your card was declined.",
    }
}

/// Stripe's message for a payout failure code.
/// What a balance transaction moves, and when it is available.
struct Money<'a> {
    amount: i64,
    fee: i64,
    currency: &'a str,
    available_on: i64,
}

fn payout_failure_message(code: &str) -> &'static str {
    match code {
        "account_closed" => "The bank account has been closed.",
        "account_frozen" => "The bank account has been frozen.",
        "insufficient_funds" => "Your Stripe account has insufficient funds to cover the payout.",
        "invalid_account_number" => "The bank account number seems to be invalid.",
        "no_account" => "The bank account details on file are probably incorrect. No bank account could be located with those details.",
        "declined" => "The bank has declined this transfer.",
        _ => "The bank could not process this payout.",
    }
}

/// Builds the objects and events of one trigger, `created` at `now`, and
/// the balance transactions of the money it moves.
struct Maker<'a> {
    rng: &'a mut StdRng,
    now: i64,
    livemode: bool,
    /// What the trigger did to the balance: one transaction per charge that
    /// succeeded, refund and payout (and a failed payout's return), as
    /// Stripe makes them.
    txns: Vec<Txn>,
    /// The payouts it made, for `GET /v1/payouts[/{id}]`.
    payouts: Vec<Value>,
}

impl<'a> Maker<'a> {
    fn new(rng: &'a mut StdRng, now: i64, livemode: bool) -> Self {
        Maker {
            rng,
            now,
            livemode,
            txns: Vec::new(),
            payouts: Vec::new(),
        }
    }

    fn id(&mut self, prefix: &str) -> String {
        rid(self.rng, prefix, 24)
    }

    /// A new balance transaction of the payments balance; returns its ID.
    fn txn(
        &mut self,
        kind: TxnKind,
        money: Money<'_>,
        source: &str,
        description: String,
    ) -> String {
        let id = self.id("txn_");
        self.txns.push(Txn {
            id: id.clone(),
            created: self.now,
            available_on: money.available_on,
            amount: money.amount,
            fee: money.fee,
            currency: balance::static_currency(money.currency),
            kind,
            balance_type: BalanceType::Payments,
            description,
            livemode: self.livemode,
            source: Some(source.to_string()),
            payout: None,
            exchange_rate: None,
        });
        id
    }

    fn event(&self, kind: &str, object: &Value) -> Value {
        make_event(
            kind,
            object.clone(),
            None,
            self.now,
            self.livemode,
            DEFAULT_API_VERSION,
            json!({"id": null, "idempotency_key": null}),
        )
    }

    fn billing(p: &Payment) -> Value {
        json!({
            "address": {"city": null, "country": null, "line1": null, "line2": null, "postal_code": null, "state": null},
            "email": p.email,
            "name": p.name,
            "phone": null,
        })
    }

    fn charge(&mut self, p: &Payment, pi: &str, decline: Option<&str>) -> Value {
        let failed = decline.is_some();
        let (failure_code, failure_message, outcome) = match decline {
            Some(code) => (
                json!("card_declined"),
                json!(decline_message(code)),
                json!({
                    "network_status": "declined_by_network",
                    "reason": code,
                    "risk_level": "normal",
                    "seller_message": "The bank did not return any further details with this decline.",
                    "type": "issuer_declined",
                }),
            ),
            None => (
                Value::Null,
                Value::Null,
                json!({
                    "network_status": "approved_by_network",
                    "reason": null,
                    "risk_level": "normal",
                    "seller_message": "Payment complete.",
                    "type": "authorized",
                }),
            ),
        };
        let id = self.id("ch_");
        // A declined charge moves no money: Stripe gives it no balance transaction.
        let balance_transaction = match failed {
            true => Value::Null,
            false => {
                let money = Money {
                    amount: p.amount,
                    fee: balance::card_fee(p.amount, &p.currency),
                    currency: &p.currency,
                    available_on: balance::two_days_after(self.now),
                };
                let who = p
                    .name
                    .as_deref()
                    .map_or(String::new(), |n| format!(" from {n}"));
                json!(self.txn(TxnKind::Charge, money, &id, format!("Payment{who}")))
            }
        };
        json!({
            "id": id,
            "object": "charge",
            "amount": p.amount,
            "amount_captured": if failed { 0 } else { p.amount },
            "amount_refunded": 0,
            "balance_transaction": balance_transaction,
            "billing_details": Self::billing(p),
            "captured": !failed,
            "created": self.now,
            "currency": p.currency,
            "customer": null,
            "description": null,
            "disputed": false,
            "failure_code": failure_code,
            "failure_message": failure_message,
            "livemode": self.livemode,
            "metadata": {},
            "outcome": outcome,
            "paid": !failed,
            "payment_intent": pi,
            "payment_method": self.id("pm_"),
            "payment_method_details": {"card": {"brand": "visa", "country": "US", "exp_month": 12, "exp_year": 2030, "last4": "4242"}, "type": "card"},
            "receipt_email": p.email,
            "refunded": false,
            "status": if failed { "failed" } else { "succeeded" },
        })
    }

    fn payment_intent(&mut self, p: &Payment, id: &str, status: &str) -> Value {
        json!({
            "id": id,
            "object": "payment_intent",
            "amount": p.amount,
            "amount_received": if status == "succeeded" { p.amount } else { 0 },
            "client_secret": format!("{id}_secret_{}", rid(self.rng, "", 24)),
            "created": self.now,
            "currency": p.currency,
            "customer": null,
            "description": null,
            "last_payment_error": null,
            "latest_charge": null,
            "livemode": self.livemode,
            "metadata": {},
            "receipt_email": p.email,
            "status": status,
        })
    }

    /// An automatic payout, its amount out of the available balance at once.
    fn payout(&mut self, amount: i64, currency: &str, status: &str, arrival: i64) -> Value {
        let id = self.id("po_");
        let money = Money {
            amount: -amount,
            fee: 0,
            currency,
            available_on: self.now,
        };
        let txn = self.txn(TxnKind::Payout, money, &id, "STRIPE PAYOUT".into());
        json!({
            "id": id,
            "object": "payout",
            "amount": amount,
            "arrival_date": arrival,
            "automatic": true,
            "balance_transaction": txn,
            "created": self.now,
            "currency": currency,
            "description": "STRIPE PAYOUT",
            "destination": self.id("ba_"),
            "application_fee": null,
            "application_fee_amount": null,
            "failure_balance_transaction": null,
            "failure_code": null,
            "failure_message": null,
            "livemode": self.livemode,
            "metadata": {},
            "method": "standard",
            "original_payout": null,
            // Stripe has not said yet which transactions it paid out (the
            // trigger names only an amount); a test completes it with
            // `Simulator::complete_payout_reconciliation`.
            "reconciliation_status": "in_progress",
            "reversed_by": null,
            "source_type": "card",
            "statement_descriptor": null,
            "status": status,
            "trace_id": null,
            "type": "bank_account",
        })
    }

    /// The events of `t`, oldest first.
    fn events(&mut self, t: &Trigger, data: &Data) -> Vec<Value> {
        match t {
            Trigger::PaymentSucceeded(p) | Trigger::PaymentFailed(p, _) => {
                let decline = match t {
                    Trigger::PaymentFailed(_, code) => Some(code.as_str()),
                    _ => None,
                };
                let pi_id = self.id("pi_");
                let created = self.payment_intent(p, &pi_id, "requires_payment_method");
                let charge = self.charge(p, &pi_id, decline);
                let mut done = created.clone();
                done["latest_charge"] = charge["id"].clone();
                match decline {
                    None => {
                        done["status"] = json!("succeeded");
                        done["amount_received"] = json!(p.amount);
                    }
                    Some(code) => {
                        done["last_payment_error"] = json!({
                            "charge": charge["id"],
                            "code": "card_declined",
                            "decline_code": code,
                            "message": decline_message(code),
                            "type": "card_error",
                        });
                    }
                }
                let (charge_event, pi_event) = match decline {
                    None => ("charge.succeeded", "payment_intent.succeeded"),
                    Some(_) => ("charge.failed", "payment_intent.payment_failed"),
                };
                vec![
                    self.event("payment_intent.created", &created),
                    self.event(charge_event, &charge),
                    self.event(pi_event, &done),
                ]
            }
            Trigger::Refunded(p) => {
                let pi_id = self.id("pi_");
                let mut charge = self.charge(p, &pi_id, None);
                charge["amount_refunded"] = json!(p.amount);
                charge["refunded"] = json!(true);
                let refund_id = self.id("re_");
                // Stripe keeps its fee on a refunded charge: the refund takes back the amount.
                let money = Money {
                    amount: -p.amount,
                    fee: 0,
                    currency: &p.currency,
                    available_on: balance::two_days_after(self.now),
                };
                let who = p
                    .name
                    .as_deref()
                    .map_or(String::new(), |n| format!(" ({n})"));
                let txn = self.txn(
                    TxnKind::Refund,
                    money,
                    &refund_id,
                    format!("REFUND FOR CHARGE{who}"),
                );
                let refund = json!({
                    "id": refund_id,
                    "object": "refund",
                    "amount": p.amount,
                    "balance_transaction": txn,
                    "charge": charge["id"],
                    "created": self.now,
                    "currency": p.currency,
                    "metadata": {},
                    "payment_intent": pi_id,
                    "reason": "requested_by_customer",
                    "status": "succeeded",
                });
                vec![
                    self.event("charge.refunded", &charge),
                    self.event("refund.created", &refund),
                ]
            }
            Trigger::DisputeOpened(p) => {
                // The funds are withdrawn at once: the disputed amount and
                // the dispute fee, one balance transaction on the dispute.
                let dispute_id = self.id("du_");
                let money = Money {
                    amount: -p.amount,
                    fee: DISPUTE_FEE,
                    currency: &p.currency,
                    available_on: self.now,
                };
                self.txn(
                    TxnKind::DisputeWithdrawal,
                    money,
                    &dispute_id,
                    "Chargeback withdrawal".to_string(),
                );
                let withdrawal = self.txns.last().map(|t| t.render(self.now));
                let dispute = json!({
                    "id": dispute_id,
                    "object": "dispute",
                    "amount": p.amount,
                    "balance_transactions": [withdrawal],
                    "charge": self.id("ch_"),
                    "created": self.now,
                    "currency": p.currency,
                    "evidence_details": {
                        // Stripe gives the business some weeks to respond.
                        "due_by": (self.now / DAY + 21) * DAY - 1,
                        "has_evidence": false,
                        "past_due": false,
                        "submission_count": 0,
                    },
                    "is_charge_refundable": false,
                    "livemode": self.livemode,
                    "metadata": {},
                    "payment_intent": self.id("pi_"),
                    "reason": "fraudulent",
                    "status": "needs_response",
                });
                vec![
                    self.event("charge.dispute.created", &dispute),
                    self.event("charge.dispute.funds_withdrawn", &dispute),
                ]
            }
            Trigger::PayoutCreated {
                amount,
                currency,
                arrival_days,
            } => {
                let arrival = (self.now / DAY + arrival_days) * DAY;
                let payout = self.payout(*amount, currency, "in_transit", arrival);
                self.payouts.push(payout.clone());
                vec![self.event("payout.created", &payout)]
            }
            Trigger::PayoutPaid { amount, currency } => {
                let payout = self.payout(*amount, currency, "paid", self.now / DAY * DAY);
                self.payouts.push(payout.clone());
                vec![self.event("payout.paid", &payout)]
            }
            Trigger::PayoutFailed {
                amount,
                currency,
                failure_code,
            } => {
                let mut payout = self.payout(*amount, currency, "failed", self.now / DAY * DAY);
                // "the balance transaction that reverses the initial balance
                // transaction and returns the funds from the failed payout"
                let money = Money {
                    amount: *amount,
                    fee: 0,
                    currency,
                    available_on: self.now,
                };
                let source = payout["id"].as_str().unwrap_or_default().to_string();
                let back = self.txn(
                    TxnKind::PayoutFailure,
                    money,
                    &source,
                    "STRIPE PAYOUT FAILURE".into(),
                );
                payout["failure_balance_transaction"] = json!(back);
                payout["failure_code"] = json!(failure_code);
                payout["failure_message"] = json!(payout_failure_message(failure_code));
                self.payouts.push(payout.clone());
                vec![self.event("payout.failed", &payout)]
            }
            Trigger::BalanceAvailable => {
                let balance = balance::retrieve(data, self.now);
                vec![self.event("balance.available", &balance)]
            }
            Trigger::ApplicationDeauthorized { client_id, name } => {
                let application = json!({"id": client_id, "object": "application", "name": name});
                vec![self.event("account.application.deauthorized", &application)]
            }
        }
    }
}

/// Carries out `t` in `account`'s `data` at `now`; returns the new events'
/// ids, oldest first.
pub(crate) fn trigger(data: &mut Data, account: &str, t: &Trigger, now: i64) -> Vec<String> {
    let mut rng = StdRng::from_rng(&mut rand::rng());
    let mut maker = Maker::new(&mut rng, now, data.livemode);
    let mut events = maker.events(t, data);
    for txn in maker.txns {
        data.txns.insert(txn);
    }
    for payout in maker.payouts {
        data.payouts.insert(payout);
    }
    if matches!(t, Trigger::ApplicationDeauthorized { .. }) {
        for e in &mut events {
            e["account"] = json!(account);
        }
    }
    let ids = events.iter().map(|e| e.id().to_string()).collect();
    for e in events {
        data.events.insert(e);
    }
    ids
}

/// `account.application.deauthorized`, as Stripe records it for the
/// connected account that removed (or was removed from) an application:
/// `data.object` is the application, `account` the connected account.
pub(crate) fn record_deauthorization(
    data: &mut Data,
    client_id: &str,
    application_name: &str,
    account: &str,
    now: i64,
) {
    let application = json!({"id": client_id, "object": "application", "name": application_name});
    let mut event = make_event(
        "account.application.deauthorized",
        application,
        None,
        now,
        data.livemode,
        DEFAULT_API_VERSION,
        json!({"id": null, "idempotency_key": null}),
    );
    event["account"] = json!(account);
    data.events.insert(event);
}

const NAMES: &[&str] = &[
    "Jane Cooper",
    "Olivia Smith",
    "Liam Müller",
    "Aisha Okafor",
    "Kenji Tanaka",
    "Priya Patel",
    "Diego García",
    "Ingrid Andersson",
    "Omar Haddad",
    "Grace O'Brien",
];
const CURRENCIES: &[&str] = &["usd", "eur", "gbp", "jpy"];

fn some_payment(rng: &mut StdRng) -> Payment {
    let name = NAMES[rng.random_range(0..NAMES.len())];
    let currency = CURRENCIES[rng.random_range(0..CURRENCIES.len())];
    let email = format!(
        "{}@example.com",
        name.split(' ').next().unwrap_or("someone").to_lowercase()
    );
    let amount = if currency == "jpy" {
        rng.random_range(5..200) * 100
    } else {
        rng.random_range(500..20_000)
    };
    Payment::new(amount, currency).by(name).email(&email)
}

/// One minute of a shop's day for the demo: a few payments, one that
/// fails, a payout on its way.
pub(crate) fn demo_minute(data: &mut Data, account: &str, now: i64) {
    let mut rng = StdRng::from_rng(&mut rand::rng());
    let mut triggers: Vec<Trigger> = (0..rng.random_range(2..=4))
        .map(|_| Trigger::PaymentSucceeded(some_payment(&mut rng)))
        .collect();
    let declines = ["card_declined", "insufficient_funds", "expired_card"];
    triggers.push(Trigger::PaymentFailed(
        some_payment(&mut rng),
        declines[rng.random_range(0..declines.len())].to_string(),
    ));
    triggers.push(Trigger::PayoutCreated {
        amount: rng.random_range(10_000..200_000),
        currency: "usd".into(),
        arrival_days: 2,
    });
    for t in &triggers {
        trigger(data, account, t, now);
    }
}

/// `n` events spread over the `span` seconds before `now`, visible at once:
/// payments, failures, refunds, new customers and payouts, as history.
pub(crate) fn seed(data: &mut Data, n: usize, span: i64, now: i64, rng_seed: u64) {
    let mut rng = StdRng::seed_from_u64(rng_seed);
    let livemode = data.livemode;
    let span = span.max(1);
    let mut made = 0;
    while made < n {
        let at = now - rng.random_range(0..span);
        let t = match rng.random_range(0..100) {
            0..=59 => Trigger::PaymentSucceeded(some_payment(&mut rng)),
            60..=74 => Trigger::PaymentFailed(some_payment(&mut rng), "card_declined".into()),
            75..=84 => Trigger::Refunded(some_payment(&mut rng)),
            85..=89 => Trigger::DisputeOpened(some_payment(&mut rng)),
            _ => Trigger::PayoutPaid {
                amount: rng.random_range(10_000..200_000),
                currency: "usd".into(),
            },
        };
        // History of events only: the money of the past is the balance
        // history's (`balance::seed`), so these transactions are not kept.
        let events = Maker::new(&mut rng, at, livemode).events(&t, data);
        for e in events.into_iter().take(n - made) {
            data.events.insert_visible(e);
            made += 1;
        }
    }
}
