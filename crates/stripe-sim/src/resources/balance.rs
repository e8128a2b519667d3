//! Balance and balance transactions: `GET /v1/balance`, `GET
//! /v1/balance_transactions[/{id}]`, and their sample data.
//!
//! The data is kept consistent the way Stripe's is: every payout's amount is
//! minus the sum of the nets it settled, and per currency the balance's
//! available plus pending equals the sum of all nets (unless a test skews it
//! on purpose with [`crate::Simulator::set_balance_skew`]).

use crate::error::ApiError;
use crate::state::Data;
use crate::store::{Item, ListQuery};
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
    StripeFee,
    Adjustment,
}

impl TxnKind {
    pub fn name(self) -> &'static str {
        match self {
            TxnKind::Charge => "charge",
            TxnKind::Refund => "refund",
            TxnKind::Payout => "payout",
            TxnKind::StripeFee => "stripe_fee",
            TxnKind::Adjustment => "adjustment",
        }
    }
    fn reporting_category(self) -> &'static str {
        match self {
            TxnKind::Charge => "charge",
            TxnKind::Refund => "refund",
            TxnKind::Payout => "payout",
            TxnKind::StripeFee => "fee",
            TxnKind::Adjustment => "other_adjustment",
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
                "description": "Stripe processing fees",
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
            "balance_type": "payments",
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

/// `GET /v1/balance`: per currency, the nets of available and of pending rows.
pub fn retrieve(data: &Data, now: i64) -> Value {
    let mut sums: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for t in data.txns.iter() {
        let e = sums.entry(t.currency).or_default();
        if t.available_at(now) {
            e.0 += t.amount - t.fee;
        } else {
            e.1 += t.amount - t.fee;
        }
    }
    for (currency, skew) in &data.balance_skew {
        if let Some(e) = sums.get_mut(currency.as_str()) {
            e.0 += skew;
        }
    }
    sums.entry("usd").or_default();
    // The default currency first, then the others alphabetically.
    let mut order: Vec<(&str, (i64, i64))> = sums.into_iter().collect();
    order.sort_by_key(|(c, _)| (*c != "usd", *c));
    let entry = |c: &str, n: i64| json!({"amount": n, "currency": c, "source_types": {"card": n}});
    json!({
        "object": "balance",
        "available": order.iter().map(|(c, (a, _))| entry(c, *a)).collect::<Vec<_>>(),
        "livemode": data.livemode,
        "pending": order.iter().map(|(c, (_, p))| entry(c, *p)).collect::<Vec<_>>(),
    })
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
                // 2.9% + 30 minor units, in whole steps of the currency.
                let fee = (a * 29 / 1000) / scale * scale + 30 * scale;
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
            // Funds become available two days after the day they came in.
            available_on: (created.div_euclid(DAY) + 2) * DAY,
            amount,
            fee,
            currency,
            kind,
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
        payout_rows.push(Txn {
            id: id(rng, "txn_"),
            created: at,
            available_on: at,
            amount: -settled,
            fee: 0,
            currency,
            kind: TxnKind::Payout,
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
