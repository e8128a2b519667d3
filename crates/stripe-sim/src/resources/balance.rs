//! Balance, balance transactions and payouts: `GET /v1/balance`, `GET
//! /v1/balance_transactions[/{id}]`, `GET /v1/payouts[/{id}]`, their sample
//! data, and the knobs that give an account what real accounts have
//! (manual payouts, payouts Stripe is still reconciling, Issuing spend,
//! reserves).
//!
//! The data is kept consistent the way Stripe's is: every automatic
//! payout's amount is minus the sum of the nets it settled, and per currency
//! each part of the balance equals the nets of the transactions of its
//! `balance_type`: available plus pending the `payments` ones, `issuing` the
//! Issuing ones (unless a test skews it on purpose with
//! [`crate::Simulator::set_balance_skew`]).

use crate::error::ApiError;
use crate::state::Data;
use crate::store::{Item, ListQuery};
use crate::Simulator;
use rand::rngs::StdRng;
use rand::Rng;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const DAY: i64 = 86_400;

/// Balance transaction kept compact (a million must fit comfortably);
/// rendered to JSON only when a page is served.
pub struct Txn {
    pub id: String,
    pub created: i64,
    pub available_on: i64,
    pub amount: i64,
    pub fee: i64,
    pub currency: &'static str,
    pub kind: TxnKind,
    /// The balance the transaction moves (Stripe's `balance_type`).
    pub balance_type: BalanceType,
    pub description: String,
    pub livemode: bool,
    pub source: Option<String>,
    /// The automatic payout that paid this out; filter-only, like Stripe.
    pub payout: Option<String>,
    pub exchange_rate: Option<f64>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TxnKind {
    Charge,
    Refund,
    Payout,
    /// A failed payout's money coming back (its `failure_balance_transaction`).
    PayoutFailure,
    StripeFee,
    Adjustment,
    /// The disputed amount and the dispute fee taken when a dispute opens:
    /// an `adjustment` reported as `dispute`.
    DisputeWithdrawal,
    Topup,
    IssuingTransaction,
    ReserveHold,
}

impl TxnKind {
    pub fn name(self) -> &'static str {
        match self {
            TxnKind::Charge => "charge",
            TxnKind::Refund => "refund",
            TxnKind::Payout => "payout",
            TxnKind::PayoutFailure => "payout_failure",
            TxnKind::StripeFee => "stripe_fee",
            TxnKind::Adjustment | TxnKind::DisputeWithdrawal => "adjustment",
            TxnKind::Topup => "topup",
            TxnKind::IssuingTransaction => "issuing_transaction",
            TxnKind::ReserveHold => "reserve_hold",
        }
    }
    /// What Stripe calls the fee in `fee_details`.
    fn fee_description(self) -> &'static str {
        match self {
            TxnKind::DisputeWithdrawal => "Dispute fee",
            _ => "Stripe processing fees",
        }
    }
    fn reporting_category(self) -> &'static str {
        match self {
            TxnKind::Charge => "charge",
            TxnKind::Refund => "refund",
            TxnKind::Payout => "payout",
            TxnKind::PayoutFailure => "payout_reversal",
            TxnKind::StripeFee => "fee",
            TxnKind::Adjustment => "other_adjustment",
            TxnKind::DisputeWithdrawal => "dispute",
            TxnKind::Topup => "topup",
            TxnKind::IssuingTransaction => "issuing_transaction",
            TxnKind::ReserveHold => "risk_reserved_funds",
        }
    }
}

/// Stripe's `balance_type`: "The balance that this transaction impacts."
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BalanceType {
    Payments,
    Issuing,
    RefundAndDisputePrefunding,
    RiskReserved,
}

impl BalanceType {
    pub fn name(self) -> &'static str {
        match self {
            BalanceType::Payments => "payments",
            BalanceType::Issuing => "issuing",
            BalanceType::RefundAndDisputePrefunding => "refund_and_dispute_prefunding",
            BalanceType::RiskReserved => "risk_reserved",
        }
    }
}

impl Txn {
    /// Pending until `available_on` has passed on the simulator's clock, so
    /// advancing the clock settles rows as time does at Stripe.
    pub fn available_at(&self, now: i64) -> bool {
        self.available_on <= now
    }

    pub fn render(&self, now: i64) -> Value {
        let fee_details = if self.fee != 0 {
            json!([{
                "amount": self.fee,
                "application": null,
                "currency": self.currency,
                "description": self.kind.fee_description(),
                "type": "stripe_fee",
            }])
        } else {
            json!([])
        };
        json!({
            "id": self.id,
            "object": "balance_transaction",
            "amount": self.amount,
            "available_on": self.available_on,
            "balance_type": self.balance_type.name(),
            "created": self.created,
            "currency": self.currency,
            "description": self.description,
            "exchange_rate": self.exchange_rate,
            "fee": self.fee,
            "fee_details": fee_details,
            "livemode": self.livemode,
            "net": self.amount - self.fee,
            "reporting_category": self.kind.reporting_category(),
            "source": self.source,
            "status": if self.available_at(now) { "available" } else { "pending" },
            "type": self.kind.name(),
        })
    }
}

impl Item for Txn {
    fn id(&self) -> &str {
        &self.id
    }
    fn created(&self) -> i64 {
        self.created
    }
    fn to_json(&self) -> Value {
        self.render(i64::MAX)
    }
}

/// `GET /v1/balance`: per currency, the nets of the `payments` transactions
/// (available and pending), and the parts an account has besides: `issuing`
/// (Issuing's transactions), `refund_and_dispute_prefunding`, and
/// `connect_reserved` (held by Stripe for connected accounts' negative
/// balances; no transaction of the account moves it). The Risk Reserved
/// balance is not a field of this object (OpenAPI `balance`), so reserve
/// transactions show only in the list.
pub fn retrieve(data: &Data, now: i64) -> Value {
    let mut payments: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    let mut issuing: BTreeMap<&str, i64> = BTreeMap::new();
    let mut prefunding: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for t in data.txns.iter() {
        let net = t.amount - t.fee;
        let split = |e: &mut (i64, i64)| {
            if t.available_at(now) {
                e.0 += net;
            } else {
                e.1 += net;
            }
        };
        match t.balance_type {
            BalanceType::Payments => split(payments.entry(t.currency).or_default()),
            BalanceType::Issuing => *issuing.entry(t.currency).or_default() += net,
            BalanceType::RefundAndDisputePrefunding => {
                split(prefunding.entry(t.currency).or_default())
            }
            BalanceType::RiskReserved => {}
        }
    }
    for (currency, skew) in &data.balance_skew {
        if let Some(e) = payments.get_mut(currency.as_str()) {
            e.0 += skew;
        }
    }
    payments.entry("usd").or_default();
    let entry = |c: &str, n: i64| json!({"amount": n, "currency": c, "source_types": {"card": n}});
    let side = |order: &[(&str, (i64, i64))], pending: bool| {
        order
            .iter()
            .map(|(c, (a, p))| entry(c, if pending { *p } else { *a }))
            .collect::<Vec<_>>()
    };
    let payments = ordered(payments);
    let mut balance = json!({
        "object": "balance",
        "available": side(&payments, false),
        "livemode": data.livemode,
        "pending": side(&payments, true),
    });
    if !issuing.is_empty() {
        let order = ordered(issuing.into_iter().map(|(c, n)| (c, (n, 0))).collect());
        balance["issuing"] = json!({ "available": side(&order, false) });
    }
    if !prefunding.is_empty() {
        let order = ordered(prefunding);
        balance["refund_and_dispute_prefunding"] =
            json!({ "available": side(&order, false), "pending": side(&order, true) });
    }
    if !data.connect_reserved.is_empty() {
        let mut held: Vec<(&String, &i64)> = data.connect_reserved.iter().collect();
        held.sort();
        balance["connect_reserved"] = held.into_iter().map(|(c, n)| entry(c, *n)).collect();
    }
    balance
}

/// The default currency first, then the others alphabetically.
fn ordered(m: BTreeMap<&str, (i64, i64)>) -> Vec<(&str, (i64, i64))> {
    let mut order: Vec<(&str, (i64, i64))> = m.into_iter().collect();
    order.sort_by_key(|(c, _)| (*c != "usd", *c));
    order
}

pub fn get(data: &Data, id: &str, now: i64) -> Result<Value, ApiError> {
    data.txns
        .get(id)
        .map(|t| t.render(now))
        .ok_or_else(|| ApiError::missing("balance transaction", id, "id"))
}

/// `GET /v1/balance_transactions`: Stripe's filters (`type`, `currency`,
/// `payout`, `source`, `created` ranges), newest first, cursor paging.
pub fn list(data: &Data, p: &Value, now: i64) -> Result<Value, ApiError> {
    let q = ListQuery::from_params(p)?;
    let eq = |k: &str| {
        p.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let kind = eq("type");
    let currency = eq("currency").map(|c| c.to_lowercase());
    let payout = eq("payout");
    let source = eq("source");
    if let Some(po) = payout.as_deref().and_then(|id| data.payouts.get(id)) {
        // "For automatic Stripe payouts only" (the `payout` parameter); Stripe's refusal:
        if po["automatic"] == false {
            return Err(ApiError::invalid(
                None,
                "payout",
                "Balance transaction history can only be filtered on automatic transfers, not manual.",
            ));
        }
        // Until Stripe has reconciled an automatic payout, the list is not
        // complete ("If `completed`, you can use the Balance Transactions
        // API to list all balance transactions that are paid out in this
        // payout"): here it lists none of them yet.
        if po["reconciliation_status"] != "completed" {
            return Ok(json!({
                "object": "list", "data": [], "has_more": false, "url": "/v1/balance_transactions",
            }));
        }
    }
    let (items, more) = data.txns.page(&q, |t| {
        kind.as_deref().is_none_or(|k| t.kind.name() == k)
            && currency.as_deref().is_none_or(|c| t.currency == c)
            && payout
                .as_deref()
                .is_none_or(|po| t.payout.as_deref() == Some(po))
            && source
                .as_deref()
                .is_none_or(|s| t.source.as_deref() == Some(s))
    })?;
    Ok(json!({
        "object": "list",
        "data": items.iter().map(|t| t.render(now)).collect::<Vec<_>>(),
        "has_more": more,
        "url": "/v1/balance_transactions",
    }))
}

/// (currency, weight, scale of the smallest amount step): JPY is
/// zero-decimal, KWD three-decimal with amounts ending in 0, ISK shown
/// without decimals but sent with two, in multiples of 100.
const CURRENCIES: &[(&str, u32, i64, f64)] = &[
    ("usd", 45, 1, 1.0),
    ("eur", 20, 1, 1.08),
    ("gbp", 10, 1, 1.27),
    ("jpy", 10, 1, 0.0067),
    ("kwd", 8, 10, 3.25),
    ("isk", 7, 100, 0.0072),
];

/// One payout every this many transactions, roughly (Stripe pays out daily
/// or every few days; the cadence only shapes the sample).
const TXNS_PER_PAYOUT: usize = 110;

const CUSTOMERS: &[&str] = &[
    "Olivia Smith",
    "Liam Müller",
    "Aisha Okafor",
    "Kenji Tanaka",
    "Priya Patel",
    "Diego García",
    "Ingrid Andersson",
    "Omar Haddad",
    "Zoë Dubois",
    "Grace O'Brien",
];

/// Adds `n` balance transactions over the `span` seconds before `now`, with
/// automatic payouts that settle exactly what became available before them.
pub fn seed(
    data: &mut Data,
    rng: &mut StdRng,
    n: usize,
    now: i64,
    span: i64,
    id: impl Fn(&mut StdRng, &str) -> String,
) {
    let livemode = data.livemode;
    let span = span.max(1);
    let start = now - span;
    // Payout times first, so the count of everything else comes out exact.
    let planned = n / TXNS_PER_PAYOUT;
    let mut payouts: Vec<(usize, i64)> = (0..planned)
        .map(|i| {
            let cur = i % CURRENCIES.len();
            // Spread evenly over the span, at 06:00 on a day boundary.
            let day = (start + span * (i as i64 + 1) / (planned as i64 + 1)).div_euclid(DAY);
            (cur, day * DAY + 6 * 3600)
        })
        .filter(|(_, at)| *at <= now)
        .collect();
    payouts.sort_by_key(|p| p.1);

    let total_weight: u32 = CURRENCIES.iter().map(|c| c.1).sum();
    let mut txns: Vec<Txn> = Vec::with_capacity(n);
    for _ in 0..n - payouts.len() {
        let created = start + rng.random_range(0..span);
        let mut w = rng.random_range(0..total_weight);
        let &(currency, _, scale, rate) = CURRENCIES
            .iter()
            .find(|c| {
                if w < c.1 {
                    true
                } else {
                    w -= c.1;
                    false
                }
            })
            .unwrap_or(&CURRENCIES[0]);
        let kind = match rng.random_range(0..100) {
            0..=69 => TxnKind::Charge,
            70..=81 => TxnKind::Refund,
            82..=89 => TxnKind::StripeFee,
            _ => TxnKind::Adjustment,
        };
        let who = CUSTOMERS[rng.random_range(0..CUSTOMERS.len())];
        let (amount, fee, source, description) = match kind {
            TxnKind::Charge => {
                let a = rng.random_range(500..50_000) * scale;
                let fee = card_fee(a, currency);
                let order = rng.random_range(1000..99_999);
                (
                    a,
                    fee,
                    Some(id(rng, "ch_")),
                    format!("Payment from {who}, order #{order}"),
                )
            }
            TxnKind::Refund => (
                -rng.random_range(500..20_000) * scale,
                0,
                Some(id(rng, "re_")),
                format!("REFUND FOR CHARGE ({who})"),
            ),
            TxnKind::StripeFee => (
                -rng.random_range(100..5_000) * scale,
                0,
                None,
                "Billing - Usage Fee".to_string(),
            ),
            _ => {
                let a = rng.random_range(100..10_000) * scale;
                let sign = if rng.random_bool(0.5) { 1 } else { -1 };
                (sign * a, 0, Some(id(rng, "du_")), "Adjustment".to_string())
            }
        };
        let exchange_rate = (currency != "usd" && rng.random_bool(0.4))
            .then(|| (rate * rng.random_range(0.97..1.03) * 1e6).round() / 1e6);
        txns.push(Txn {
            id: id(rng, "txn_"),
            created,
            available_on: two_days_after(created),
            amount,
            fee,
            currency,
            kind,
            balance_type: BalanceType::Payments,
            description,
            livemode,
            source,
            payout: None,
            exchange_rate,
        });
    }

    // Each payout settles, in its currency, every row that became available
    // before it and no earlier payout settled.
    let mut by_currency: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, t) in txns.iter().enumerate() {
        by_currency.entry(t.currency).or_default().push(i);
    }
    for rows in by_currency.values_mut() {
        rows.sort_by_key(|&i| txns[i].available_on);
    }
    let mut next: BTreeMap<&str, usize> = BTreeMap::new();
    let mut payout_rows = Vec::with_capacity(payouts.len());
    for (cur, at) in payouts {
        let currency = CURRENCIES[cur].0;
        let po = id(rng, "po_");
        let rows = by_currency.get(currency).map(Vec::as_slice).unwrap_or(&[]);
        let from = next.get(currency).copied().unwrap_or(0);
        let mut to = from;
        let mut settled = 0i64;
        while to < rows.len() && txns[rows[to]].available_on <= at {
            let t = &mut txns[rows[to]];
            t.payout = Some(po.clone());
            settled += t.amount - t.fee;
            to += 1;
        }
        next.insert(currency, to);
        let txn = id(rng, "txn_");
        let destination = id(rng, "ba_");
        data.payouts.insert(payout_object(
            &po,
            settled,
            currency,
            at,
            &txn,
            &destination,
            livemode,
            Reconciliation::Automatic { completed: true },
        ));
        payout_rows.push(Txn {
            id: txn,
            created: at,
            available_on: at,
            amount: -settled,
            fee: 0,
            currency,
            kind: TxnKind::Payout,
            balance_type: BalanceType::Payments,
            description: "STRIPE PAYOUT".to_string(),
            livemode,
            source: Some(po),
            payout: None,
            exchange_rate: None,
        });
    }
    for t in txns.into_iter().chain(payout_rows) {
        data.txns.insert(t);
    }
}

/// How a payout came about, and how far Stripe has got reconciling it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Reconciliation {
    /// Made by the payout schedule; `completed` once Stripe can list what it settled.
    Automatic { completed: bool },
    /// Requested by hand ("Stripe can't identify which transactions are included").
    Manual,
}

/// A payout as `GET /v1/payouts/{id}` renders it (its `status` follows the clock, see [`render_payout`]).
#[allow(clippy::too_many_arguments)]
fn payout_object(
    id: &str,
    amount: i64,
    currency: &str,
    created: i64,
    balance_transaction: &str,
    destination: &str,
    livemode: bool,
    how: Reconciliation,
) -> Value {
    let (automatic, reconciliation_status) = match how {
        Reconciliation::Automatic { completed: true } => (true, "completed"),
        Reconciliation::Automatic { completed: false } => (true, "in_progress"),
        Reconciliation::Manual => (false, "not_applicable"),
    };
    json!({
        "id": id,
        "object": "payout",
        "amount": amount,
        "application_fee": null,
        "application_fee_amount": null,
        // Two days later, as a standard payout to a bank account arrives.
        "arrival_date": created + 2 * DAY,
        "automatic": automatic,
        "balance_transaction": balance_transaction,
        "created": created,
        "currency": currency,
        "description": "STRIPE PAYOUT",
        "destination": destination,
        "failure_balance_transaction": null,
        "failure_code": null,
        "failure_message": null,
        "livemode": livemode,
        "metadata": {},
        "method": "standard",
        "original_payout": null,
        "reconciliation_status": reconciliation_status,
        "reversed_by": null,
        "source_type": "card",
        "statement_descriptor": null,
        "status": "in_transit",
        "trace_id": null,
        "type": "bank_account",
    })
}

/// A payout is `in_transit` until its arrival date, then `paid` (a failed one stays failed).
fn render_payout(po: &Value, now: i64) -> Value {
    let mut po = po.clone();
    if po["status"] == "in_transit" && po["arrival_date"].as_i64().is_some_and(|a| a <= now) {
        po["status"] = json!("paid");
    }
    po
}

/// `GET /v1/payouts/{id}`.
pub fn get_payout(data: &Data, id: &str, now: i64) -> Result<Value, ApiError> {
    data.payouts
        .get(id)
        .map(|p| render_payout(p, now))
        .ok_or_else(|| ApiError::missing("payout", id, "id"))
}

/// `GET /v1/payouts`: newest first, `created` ranges and `status`.
pub fn list_payouts(data: &Data, q: &ListQuery, p: &Value, now: i64) -> Result<Value, ApiError> {
    let status = p
        .get("status")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let (items, more) = data.payouts.page(q, |po| {
        status.is_none_or(|s| render_payout(po, now)["status"] == s)
    })?;
    Ok(json!({
        "object": "list",
        "data": items.iter().map(|po| render_payout(po, now)).collect::<Vec<_>>(),
        "has_more": more,
        "url": "/v1/payouts",
    }))
}

/// A charge for a test to place exactly (see [`Simulator::add_charge`]).
#[derive(Debug, Clone)]
pub struct Charge {
    pub currency: String,
    /// Minor units.
    pub amount: i64,
    /// Unix seconds on the simulator's clock.
    pub created: i64,
    pub description: String,
}

/// Stripe's card fee on a charge of `amount`: 2.9% + 30 minor units, in
/// whole steps of the currency.
pub(crate) fn card_fee(amount: i64, currency: &str) -> i64 {
    let scale = CURRENCIES
        .iter()
        .find(|c| c.0 == currency)
        .map_or(1, |c| c.2);
    (amount * 29 / 1000) / scale * scale + 30 * scale
}

/// The `&'static` currency code the compact [`Txn`] keeps.
pub(crate) fn static_currency(currency: &str) -> &'static str {
    let c = currency.to_ascii_lowercase();
    CURRENCIES
        .iter()
        .map(|c| c.0)
        .find(|known| *known == c)
        // A currency the sample data lacks: kept for the simulator's life (a test knob).
        .unwrap_or_else(|| Box::leak(c.into_boxed_str()))
}

/// Funds become available two days after the day they came in.
pub(crate) fn two_days_after(created: i64) -> i64 {
    (created.div_euclid(DAY) + 2) * DAY
}

impl Simulator {
    /// Adds one charge (test mode) with Stripe's 2.9% + 30 fee; returns its
    /// balance transaction's id.
    pub fn add_charge(&self, account_id: &str, charge: Charge) -> String {
        let mut st = self.state();
        let acct = st.ensure_account(account_id, account_id);
        // An account is never younger than its data (a sync starts from `created`).
        acct.created = acct.created.min(charge.created);
        let data = acct.data(false);
        let id = crate::state::gen_id("txn_", 24);
        data.txns.insert(Txn {
            id: id.clone(),
            created: charge.created,
            available_on: two_days_after(charge.created),
            amount: charge.amount,
            fee: charge.amount * 29 / 1000 + 30,
            currency: static_currency(&charge.currency),
            kind: TxnKind::Charge,
            balance_type: BalanceType::Payments,
            description: charge.description,
            livemode: data.livemode,
            source: Some(crate::state::gen_id("ch_", 24)),
            payout: None,
            exchange_rate: None,
        });
        id
    }

    /// A payout requested by hand (test mode) of `amount` from the available
    /// balance. Stripe cannot say what it settled: listing balance
    /// transactions by it is refused. Returns the payout's id.
    pub fn add_manual_payout(&self, account_id: &str, currency: &str, amount: i64) -> String {
        self.add_payout(account_id, currency, Some(amount), Reconciliation::Manual)
    }

    /// An automatic payout (test mode) of everything available in
    /// `currency` that no payout settled yet. With `reconciled: false`
    /// Stripe is still reconciling it (`in_progress`) until
    /// [`Simulator::complete_payout_reconciliation`]. Returns its id.
    pub fn add_automatic_payout(
        &self,
        account_id: &str,
        currency: &str,
        reconciled: bool,
    ) -> String {
        let how = Reconciliation::Automatic {
            completed: reconciled,
        };
        self.add_payout(account_id, currency, None, how)
    }

    /// The ids of the balance transactions an automatic payout settled
    /// (test mode), newest first: what its `payout` filter lists once reconciled.
    pub fn payout_settled(&self, account_id: &str, payout_id: &str) -> Vec<String> {
        let st = self.state();
        st.accounts
            .get(account_id)
            .map(|a| {
                a.test
                    .txns
                    .iter()
                    .filter(|t| t.payout.as_deref() == Some(payout_id))
                    .map(|t| t.id.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Stripe has finished reconciling the payout: its transactions can be listed.
    pub fn complete_payout_reconciliation(&self, account_id: &str, payout_id: &str) {
        let mut st = self.state();
        let acct = st.ensure_account(account_id, account_id);
        if let Some(po) = acct.test.payouts.get_mut(payout_id) {
            po["reconciliation_status"] = json!("completed");
        }
    }

    fn add_payout(
        &self,
        account_id: &str,
        currency: &str,
        manual_amount: Option<i64>,
        how: Reconciliation,
    ) -> String {
        let mut st = self.state();
        let now = st.now();
        let acct = st.ensure_account(account_id, account_id);
        let data = acct.data(false);
        let currency = static_currency(currency);
        let po = crate::state::gen_id("po_", 24);
        let amount = match manual_amount {
            Some(amount) => amount,
            None => {
                let settled: Vec<String> = data
                    .txns
                    .iter()
                    .filter(|t| {
                        t.currency == currency
                            && t.balance_type == BalanceType::Payments
                            && t.kind != TxnKind::Payout
                            && t.payout.is_none()
                            && t.available_at(now)
                    })
                    .map(|t| t.id.clone())
                    .collect();
                let mut sum = 0;
                for id in settled {
                    if let Some(t) = data.txns.get_mut(&id) {
                        t.payout = Some(po.clone());
                        sum += t.amount - t.fee;
                    }
                }
                sum
            }
        };
        let txn = crate::state::gen_id("txn_", 24);
        let destination = crate::state::gen_id("ba_", 24);
        let livemode = data.livemode;
        data.payouts.insert(payout_object(
            &po,
            amount,
            currency,
            now,
            &txn,
            &destination,
            livemode,
            how,
        ));
        data.txns.insert(Txn {
            id: txn,
            created: now,
            available_on: now,
            amount: -amount,
            fee: 0,
            currency,
            kind: TxnKind::Payout,
            balance_type: BalanceType::Payments,
            description: "STRIPE PAYOUT".to_string(),
            livemode,
            source: Some(po.clone()),
            payout: None,
            exchange_rate: None,
        });
        po
    }

    /// Issuing (test mode): `topped_up` added to the Issuing balance, then
    /// `spent` on an Issuing card. Both move the `issuing` balance, not the
    /// payments balance.
    pub fn add_issuing_activity(
        &self,
        account_id: &str,
        currency: &str,
        topped_up: i64,
        spent: i64,
    ) {
        let mut st = self.state();
        let now = st.now();
        let acct = st.ensure_account(account_id, account_id);
        let data = acct.data(false);
        let livemode = data.livemode;
        let currency = static_currency(currency);
        for (kind, amount, at, source, description) in [
            (
                TxnKind::Topup,
                topped_up,
                now - 3600,
                "tu_",
                "Top-up of the Issuing balance",
            ),
            (
                TxnKind::IssuingTransaction,
                -spent,
                now - 60,
                "ipi_",
                "Card purchase: Office supplies",
            ),
        ] {
            data.txns.insert(Txn {
                id: crate::state::gen_id("txn_", 24),
                created: at,
                available_on: at,
                amount,
                fee: 0,
                currency,
                kind,
                balance_type: BalanceType::Issuing,
                description: description.to_string(),
                livemode,
                source: Some(crate::state::gen_id(source, 24)),
                payout: None,
                exchange_rate: None,
            });
        }
    }

    /// `amount` added (test mode) to the balance Stripe draws refunds and
    /// disputes from first (`refund_and_dispute_prefunding`), by a top-up.
    pub fn prefund_refunds_and_disputes(&self, account_id: &str, currency: &str, amount: i64) {
        let mut st = self.state();
        let now = st.now();
        let acct = st.ensure_account(account_id, account_id);
        let data = acct.data(false);
        data.txns.insert(Txn {
            id: crate::state::gen_id("txn_", 24),
            created: now - 600,
            available_on: now - 600,
            amount,
            fee: 0,
            currency: static_currency(currency),
            kind: TxnKind::Topup,
            balance_type: BalanceType::RefundAndDisputePrefunding,
            description: "Top-up for refunds and disputes".to_string(),
            livemode: data.livemode,
            source: Some(crate::state::gen_id("tu_", 24)),
            payout: None,
            exchange_rate: None,
        });
    }

    /// Stripe holds `amount` of the payments balance in reserve (test
    /// mode): a `reserve_hold` out of the payments balance and one into the
    /// Risk Reserved balance.
    pub fn hold_reserve(&self, account_id: &str, currency: &str, amount: i64) {
        let mut st = self.state();
        let now = st.now();
        let acct = st.ensure_account(account_id, account_id);
        let data = acct.data(false);
        let livemode = data.livemode;
        let currency = static_currency(currency);
        for (balance_type, sign) in [(BalanceType::Payments, -1), (BalanceType::RiskReserved, 1)] {
            data.txns.insert(Txn {
                id: crate::state::gen_id("txn_", 24),
                created: now - 120,
                available_on: now - 120,
                amount: sign * amount,
                fee: 0,
                currency,
                kind: TxnKind::ReserveHold,
                balance_type,
                description: "Reserve held by Stripe".to_string(),
                livemode,
                source: None,
                payout: None,
                exchange_rate: None,
            });
        }
    }

    /// The platform's `connect_reserved` balance in `currency` (test mode):
    /// funds Stripe holds for connected accounts' negative balances.
    pub fn set_connect_reserved(&self, account_id: &str, currency: &str, amount: i64) {
        let mut st = self.state();
        st.ensure_account(account_id, account_id)
            .test
            .connect_reserved
            .insert(currency.to_ascii_lowercase(), amount);
    }

    /// `GET /v1/account` leaves `created` out for this account, as Stripe
    /// may for an account's own record ("Time at which the account was
    /// connected"; not a required field of `account`).
    pub fn omit_account_created(&self, account_id: &str) {
        self.state()
            .ensure_account(account_id, account_id)
            .created_omitted = true;
    }

    /// `n` balance transactions (test mode) over the past 540 days as a
    /// growing business has them: 90% in the newest 10% of that time.
    pub fn seed_growing_balance_history(&self, account_id: &str, n: usize, rng_seed: u64) {
        use rand::SeedableRng;
        const SPAN: i64 = 540 * DAY;
        let mut st = self.state();
        let now = st.now();
        let acct = st.ensure_account(account_id, account_id);
        let mut rng = StdRng::seed_from_u64(rng_seed);
        let recent = n * 9 / 10;
        let data = acct.data(false);
        let rid = |rng: &mut StdRng, prefix: &str| crate::seed::rid(rng, prefix, 24);
        seed(
            data,
            &mut rng,
            n - recent,
            now - SPAN / 10,
            SPAN * 9 / 10,
            rid,
        );
        seed(data, &mut rng, recent, now, SPAN / 10, rid);
        let oldest = acct.test.txns.iter().map(|t| t.created).min();
        acct.created = oldest.map_or(acct.created, |o| acct.created.min(o));
    }
}
