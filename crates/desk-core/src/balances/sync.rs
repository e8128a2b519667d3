//! Filling and refreshing the local copy from Stripe.
//!
//! The first sync splits the account's lifetime into `created` ranges
//! fetched side by side, 100 per page, through the one Stripe client and its
//! rate limiter. The lifetime starts at the account's `created` when nothing
//! is older (one probe says so), else at its oldest transaction, found by a
//! few rounds of probes side by side (`created` is "the time the account was
//! connected", and some accounts' records leave it out). Whenever a worker
//! runs out of work it splits the range with the most time still to fetch,
//! so every worker stays busy to the end however unevenly the transactions
//! fall (a growing business has most of them in its last months). Later
//! syncs fetch what is new (from the newest stored, or the last sync when
//! nothing is stored, minus a look-back; or the oldest pending row, whichever
//! is earlier) the same way. Each page is stored together with its range's
//! cursor in one transaction, so a process killed at any instant resumes
//! with nothing lost and nothing stored twice (rows are upserted by id).
//!
//! Then the payouts: Stripe tells which transactions a payout settled only
//! through the list's `payout` filter, "for automatic Stripe payouts only",
//! and completely only once the payout's `reconciliation_status` is
//! `completed`. So each new payout is first looked up (`GET /v1/payouts`):
//! a manual one is recorded as such, one Stripe is still reconciling is left
//! for a later sync, and a reconciled one is linked page by page as the
//! pages arrive (never held whole). One payout Stripe does not answer for is
//! recorded as failed, with the reason, and tried again by the next sync;
//! it never stops the others.

use super::rate::RateWindow;
use super::store::{BalanceStore, PageWrite, PayoutLink, StoredRange};
use crate::error::Error;
use crate::stripe::{Auth, ListPage, Request, StripeClient, PAGE_SIZE};
use crate::stripe::{Param, Params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;
use ts_rs::TS;

/// Stops a sync or an export from another task.
#[derive(Debug, Default)]
pub struct Cancel {
    flag: AtomicBool,
    notify: Notify,
}

impl Cancel {
    pub fn new() -> Arc<Cancel> {
        Arc::new(Cancel::default())
    }
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
    async fn cancelled(&self) {
        loop {
            let notified = self.notify.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Requests in flight at once; the client's rate limiter sets the pace.
    pub workers: usize,
    /// Later syncs start this far before the newest stored transaction (or
    /// the last sync, when none is stored), for transactions that arrive late.
    pub look_back: Duration,
    /// Link payouts to the transactions they settled after the transactions.
    pub link_payouts: bool,
    /// Tries of one page (each through the client's own retries) before the
    /// sync gives up and says Stripe cannot be reached.
    pub page_attempts: u32,
    /// First wait between those tries; doubles each time.
    pub page_retry_delay: Duration,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            workers: 10,
            look_back: Duration::from_secs(600),
            link_payouts: true,
            page_attempts: 4,
            page_retry_delay: Duration::from_secs(1),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SyncPhase {
    Transactions,
    Payouts,
}

/// Sent after every stored page, and after every payout looked at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    /// Transactions stored by this sync so far (its last page or so may
    /// still be being written); in the payouts phase, payouts looked at so far.
    #[ts(type = "number")]
    pub stored: u64,
    /// In the payouts phase, the payouts to look at.
    #[ts(type = "number | null")]
    pub total: Option<u64>,
    #[ts(type = "number")]
    pub pages: u64,
    /// Over the last ten seconds, or since the start when shorter.
    pub objects_per_second: f64,
    /// Estimated seconds left in this phase, once there is enough to go by.
    pub eta_seconds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SyncOutcome {
    /// False when cancelled; what was stored stays and the next sync resumes.
    pub completed: bool,
    #[ts(type = "number")]
    pub stored: u64,
    #[ts(type = "number")]
    pub pages: u64,
    /// Payouts linked to the transactions they settled.
    #[ts(type = "number")]
    pub payouts_linked: u64,
    /// Manual payouts: Stripe does not list what they settled.
    #[ts(type = "number")]
    pub payouts_manual: u64,
    /// Payouts Stripe is still reconciling: a later sync links them.
    #[ts(type = "number")]
    pub payouts_reconciling: u64,
    /// Payouts Stripe did not answer for: the next sync tries them again.
    #[ts(type = "number")]
    pub payouts_failed: u64,
    /// Seconds spent on transactions, and on payouts.
    pub transactions_seconds: f64,
    pub payouts_seconds: f64,
    /// Of `transactions_seconds`, the time spent writing to the local copy.
    pub storing_seconds: f64,
    /// Building the query indexes after a first sync (in one pass, after the rows).
    pub indexing_seconds: f64,
}

/// `GET /v1/balance`, and the unix time it was read.
pub async fn fetch_balance(client: &StripeClient, auth: &Auth) -> Result<(Value, i64), Error> {
    let balance = client.send(auth, &Request::get("/v1/balance")).await?;
    Ok((balance, unix_now()))
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// One range while a sync runs. Rows still to fetch have `created` in
/// `[lo, top]` and come after `cursor` in Stripe's order (newest first).
struct Live {
    lo: i64,
    hi: Option<i64>,
    cursor: Option<String>,
    top: i64,
    /// Where this sync started fetching it, and the rows stored since: how
    /// dense it is, so the one with the most rows left is split.
    start: i64,
    fetched: u64,
}

impl Live {
    /// Rows still to fetch, guessed from how dense the fetched part was.
    fn rows_left(&self) -> f64 {
        let seen = (self.start - self.top).max(1) as f64;
        self.fetched as f64 / seen * (self.top - self.lo).max(0) as f64
    }
}

struct Shared {
    ranges: HashMap<i64, Live>,
    queue: VecDeque<i64>,
    /// Sum of the spans at the start, for the estimate of time left.
    total_span: i64,
}

impl Shared {
    fn remaining_span(&self) -> i64 {
        self.ranges.values().map(|r| (r.top - r.lo).max(0)).sum()
    }
}

struct Counters {
    stored: AtomicU64,
    pages: AtomicU64,
    started: Instant,
    /// The rate and time left reported after every page.
    rate: Mutex<RateWindow>,
    /// Woken after every page, for workers waiting for something to split.
    changed: Notify,
}

/// Syncs the copy in `store` with Stripe. Returns when done, cancelled
/// (`completed: false`), or when Stripe cannot be reached (an error; what
/// was stored before stays, and the next sync resumes from there).
pub async fn sync(
    client: &StripeClient,
    auth: &Auth,
    store: Arc<BalanceStore>,
    options: &SyncOptions,
    cancel: &Cancel,
    progress: &(dyn Fn(SyncProgress) + Send + Sync),
) -> Result<SyncOutcome, Error> {
    let started = Instant::now();
    let now = unix_now();
    let mut open = blocking(&store, |s| s.open_ranges()).await?;
    let mut account: Option<Value> = None;
    if open.is_empty() && !blocking(&store, |s| s.has_finished_ranges()).await? {
        let stats = blocking(&store, |s| s.stats()).await?;
        let plan: Vec<(i64, Option<i64>)> = if stats.complete {
            let look_back = options.look_back.as_secs() as i64;
            let from = blocking(&store, move |s| s.incremental_start(look_back))
                .await?
                .unwrap_or(now - look_back);
            vec![(from, None)]
        } else {
            let fetched: Value = client.send(auth, &Request::get("/v1/account")).await?;
            let created = fetched.get("created").and_then(Value::as_i64);
            account = Some(fetched);
            let born = oldest_transaction(client, auth, created, now, options).await?;
            split_lifetime(born.unwrap_or(now), now, options.workers.max(1))
        };
        blocking(&store, move |s| s.plan(&plan)).await?;
        open = blocking(&store, |s| s.open_ranges()).await?;
    }
    // The account's time zone, kept with the copy and refreshed by every
    // sync: a bookkeeper reads days in the zone the Dashboard shows them in.
    let account = match account {
        Some(a) => a,
        None => client.send(auth, &Request::get("/v1/account")).await?,
    };
    if let Some(zone) = account
        .pointer("/settings/dashboard/timezone")
        .and_then(Value::as_str)
        .map(str::to_string)
    {
        blocking(&store, move |s| s.set_timezone(&zone)).await?;
    }

    let counters = Counters {
        stored: AtomicU64::new(0),
        pages: AtomicU64::new(0),
        started,
        rate: Mutex::new(RateWindow::new()),
        changed: Notify::new(),
    };
    let shared = Mutex::new(Shared {
        total_span: 0,
        queue: open.iter().map(|r| r.id).collect(),
        ranges: open
            .into_iter()
            .map(|r: StoredRange| {
                let top = r.cursor_created.or(r.hi.map(|h| h - 1)).unwrap_or(now);
                (
                    r.id,
                    Live {
                        lo: r.lo,
                        hi: r.hi,
                        cursor: r.cursor,
                        top,
                        start: top,
                        fetched: 0,
                    },
                )
            })
            .collect(),
    });
    {
        let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
        s.total_span = s.remaining_span().max(1);
    }
    let failed: Mutex<Option<Error>> = Mutex::new(None);
    let stop = Cancel::default();
    let writer = Writer::start(store.clone());
    let worker = |_: usize| async {
        let r = transactions_worker(
            client, auth, &store, options, &shared, &counters, &writer, progress, cancel, &stop,
        )
        .await;
        if let Err(e) = r {
            failed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_or_insert(e);
            stop.cancel();
        }
    };
    futures_util::future::join_all((0..options.workers.max(1)).map(worker)).await;
    if let Some(e) = failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let transactions_seconds = started.elapsed().as_secs_f64();
    let mut outcome = SyncOutcome {
        completed: false,
        stored: counters.stored.load(Ordering::SeqCst),
        pages: counters.pages.load(Ordering::SeqCst),
        payouts_linked: 0,
        payouts_manual: 0,
        payouts_reconciling: 0,
        payouts_failed: 0,
        transactions_seconds,
        payouts_seconds: 0.0,
        storing_seconds: writer.busy_micros.load(Ordering::Relaxed) as f64 / 1e6,
        indexing_seconds: 0.0,
    };
    if cancel.is_cancelled() {
        return Ok(outcome);
    }
    let indexing = Instant::now();
    blocking(&store, move |s| s.finish_plan(now)).await?;
    outcome.indexing_seconds = indexing.elapsed().as_secs_f64();

    if options.link_payouts {
        let payouts_started = Instant::now();
        match link_payouts(client, auth, &store, options, cancel, progress).await? {
            Some(p) => {
                outcome.payouts_linked = p.linked;
                outcome.payouts_manual = p.manual;
                outcome.payouts_reconciling = p.reconciling;
                outcome.payouts_failed = p.failed;
            }
            None => return Ok(outcome),
        }
        outcome.payouts_seconds = payouts_started.elapsed().as_secs_f64();
    }
    outcome.completed = true;
    Ok(outcome)
}

/// A time no transaction is older than, found by probing: `None` when the
/// account has none. One probe asks whether anything is older than the
/// account's `created`; when something is (or `created` is absent), rounds
/// of probes side by side (each "the newest transaction before t", spaced
/// evenly in age, so the first round spans years and hours alike) narrow
/// where the oldest is, until the time found is less than twice its age:
/// the plan needs no better, since a range planned where nothing is costs
/// one request, as a probe does.
async fn oldest_transaction(
    client: &StripeClient,
    auth: &Auth,
    created: Option<i64>,
    now: i64,
    options: &SyncOptions,
) -> Result<Option<i64>, Error> {
    let below = created.map_or(now + 1, |c| c.min(now + 1));
    // The newest transaction made before `t`, if any.
    let newest_before = |t: i64| async move {
        let params = Params::new().text("limit", "1").param(
            "created",
            Param::Map(vec![("lt".to_string(), Param::Text(t.to_string()))]),
        );
        let request = Request::get("/v1/balance_transactions").params(params);
        let page = fetch_page(client, auth, &request, options).await?;
        Ok::<Option<i64>, Error>(
            page.data
                .first()
                .and_then(|o| o.get("created").and_then(Value::as_i64)),
        )
    };
    let Some(mut hi) = newest_before(below).await? else {
        // Nothing older than `created`: it starts the plan (nothing at all: no plan to speak of).
        return Ok(created.filter(|c| *c <= now));
    };
    // The oldest transaction is in [lo, hi]: nothing is older than lo (Stripe's times are positive).
    let mut lo = 0i64;
    let most = options.workers.clamp(1, 32);
    while (hi - lo) * 2 > now - lo {
        // Ages (seconds before now) from hi's to lo's, in equal ratios; as
        // few probes as bring the ratio under 2, as many as there are workers.
        let (young, old) = ((now - hi).max(1) as f64, (now - lo).max(2) as f64);
        let probes = ((old / young).log2().ceil() as usize).clamp(1, most);
        let points: Vec<i64> = (1..=probes)
            .rev()
            .map(|k| now - (young * (old / young).powf(k as f64 / (probes + 1) as f64)) as i64)
            .filter(|p| *p > lo && *p < hi)
            .collect();
        if points.is_empty() {
            break;
        }
        let found =
            futures_util::future::try_join_all(points.iter().map(|p| newest_before(*p))).await?;
        match points.iter().zip(&found).position(|(_, f)| f.is_some()) {
            // Something before the first point: the oldest is in [lo, that transaction].
            Some(0) => hi = found[0].unwrap_or(hi),
            Some(k) => {
                lo = points[k - 1];
                hi = found[k].unwrap_or(hi);
            }
            None => lo = points.last().copied().unwrap_or(hi),
        }
    }
    Ok(Some(lo))
}

/// `workers` ranges of equal span over `[born, now]`, the newest open-ended.
fn split_lifetime(born: i64, now: i64, workers: usize) -> Vec<(i64, Option<i64>)> {
    let born = born.min(now);
    let span = (now - born).max(1);
    let n = workers as i64;
    (0..n)
        .map(|i| {
            let lo = born + span * i / n;
            let hi = (i + 1 < n).then(|| born + span * (i + 1) / n);
            (lo, hi)
        })
        .collect()
}

async fn blocking<T: Send + 'static>(
    store: &Arc<BalanceStore>,
    f: impl FnOnce(&BalanceStore) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .map_err(|e| Error::Storage(e.to_string()))?
}

type Reply = tokio::sync::oneshot::Sender<Result<(), String>>;

/// The one writer of a sync: pages that arrive while it is writing are
/// stored together in its next transaction.
struct Writer {
    queue: tokio::sync::mpsc::UnboundedSender<(PageWrite, Reply)>,
    /// Microseconds spent committing, to tell a storage-bound sync from a network-bound one.
    busy_micros: Arc<AtomicU64>,
}

impl Writer {
    fn start(store: Arc<BalanceStore>) -> Writer {
        let (queue, mut incoming) = tokio::sync::mpsc::unbounded_channel::<(PageWrite, Reply)>();
        let busy_micros = Arc::new(AtomicU64::new(0));
        let busy = busy_micros.clone();
        tokio::task::spawn_blocking(move || {
            while let Some(first) = incoming.blocking_recv() {
                let mut batch = vec![first];
                while let Ok(more) = incoming.try_recv() {
                    batch.push(more);
                }
                let (pages, replies): (Vec<PageWrite>, Vec<Reply>) = batch.into_iter().unzip();
                let started = Instant::now();
                let result = store.commit_pages(&pages).map_err(|e| e.to_string());
                busy.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
                for reply in replies {
                    let _ = reply.send(result.clone());
                }
            }
        });
        Writer { queue, busy_micros }
    }

    /// Queues the page and its cursor; the receipt resolves once they are committed.
    fn submit(&self, page: PageWrite) -> Result<Receipt, Error> {
        let (reply, done) = tokio::sync::oneshot::channel();
        self.queue
            .send((page, reply))
            .map_err(|_| Error::Storage("the local copy's writer stopped".into()))?;
        Ok(Receipt(done))
    }
}

/// A page queued for the writer.
struct Receipt(tokio::sync::oneshot::Receiver<Result<(), String>>);

impl Receipt {
    /// Returns once the page and its cursor are committed.
    async fn committed(self) -> Result<(), Error> {
        self.0
            .await
            .map_err(|_| Error::Storage("the local copy's writer stopped".into()))?
            .map_err(Error::Storage)
    }
}

/// Takes an unclaimed range, or splits the largest one in progress.
fn claim(shared: &Mutex<Shared>, store: &BalanceStore) -> Result<Option<i64>, Error> {
    let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
    while let Some(id) = s.queue.pop_front() {
        if s.ranges.contains_key(&id) {
            return Ok(Some(id));
        }
    }
    // Split where the most rows are left, judged by how dense the range
    // was so far: only one that has shown it holds more than a page (a
    // cursor) and has two pages' worth left, so sparse stretches and the
    // last page of a range are not cut to crumbs (each piece ends in a short
    // page). A page of it still on its way, or being stored, may hold rows
    // below the new `lo`: they are stored once either way (rows are upserted
    // by id), and the worker drops those it has not stored yet.
    let Some((&id, r)) = s
        .ranges
        .iter()
        .filter(|(_, r)| {
            r.cursor.is_some() && r.top - r.lo >= 2 && r.rows_left() >= 2.0 * PAGE_SIZE as f64
        })
        .max_by(|a, b| a.1.rows_left().total_cmp(&b.1.rows_left()))
    else {
        return Ok(None);
    };
    let (lo, at) = (r.lo, r.lo + (r.top - r.lo) / 2);
    // The store is written under the plan's lock so the two never disagree.
    let new_id = store.split(id, lo, at)?;
    if let Some(r) = s.ranges.get_mut(&id) {
        r.lo = at;
    }
    s.ranges.insert(
        new_id,
        Live {
            lo,
            hi: Some(at),
            cursor: None,
            top: at - 1,
            start: at - 1,
            fetched: 0,
        },
    );
    Ok(Some(new_id))
}

#[allow(clippy::too_many_arguments)]
async fn transactions_worker(
    client: &StripeClient,
    auth: &Auth,
    store: &Arc<BalanceStore>,
    options: &SyncOptions,
    shared: &Mutex<Shared>,
    counters: &Counters,
    writer: &Writer,
    progress: &(dyn Fn(SyncProgress) + Send + Sync),
    cancel: &Cancel,
    stop: &Cancel,
) -> Result<(), Error> {
    loop {
        if cancel.is_cancelled() || stop.is_cancelled() {
            return Ok(());
        }
        // Splitting writes one small transaction; fine to do inline.
        let changed = counters.changed.notified();
        let Some(id) = claim(shared, store)? else {
            if shared
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .ranges
                .is_empty()
            {
                return Ok(());
            }
            // Nothing to split yet: wait for a page to show where more is.
            tokio::select! {
                _ = changed => {}
                _ = cancel.cancelled() => return Ok(()),
                _ = stop.cancelled() => return Ok(()),
            }
            continue;
        };
        // The page before, while it is being stored: the next one is fetched
        // meanwhile (at most one waits per worker, so memory stays bounded).
        let mut storing: Option<Receipt> = None;
        loop {
            let (lo, hi, cursor) = {
                let s = shared.lock().unwrap_or_else(|e| e.into_inner());
                let Some(r) = s.ranges.get(&id) else { break };
                (r.lo, r.hi, r.cursor.clone())
            };
            let mut params = Params::new().text("limit", PAGE_SIZE.to_string()).param(
                "created",
                Param::Map(
                    std::iter::once(("gte".to_string(), Param::Text(lo.to_string())))
                        .chain(hi.map(|h| ("lt".to_string(), Param::Text(h.to_string()))))
                        .collect(),
                ),
            );
            if let Some(c) = cursor {
                params.set("starting_after", Param::Text(c));
            }
            let request = Request::get("/v1/balance_transactions").params(params);
            let fetched = tokio::select! {
                biased;
                _ = cancel.cancelled() => None,
                _ = stop.cancelled() => None,
                page = fetch_page(client, auth, &request, options) => Some(page),
            };
            // Before this page is queued, the one before it is stored (or the
            // sync ends with every page it queued stored).
            if let Some(before) = storing.take() {
                before.committed().await?;
            }
            let Some(page) = fetched else {
                return Ok(());
            };
            let page: ListPage<Value> = page?;
            let last = page.data.last().and_then(|o| {
                Some((
                    o.get("id")?.as_str()?.to_string(),
                    o.get("created")?.as_i64()?,
                ))
            });
            // A split may have raised `lo` while the page was on its way:
            // rows below it belong to the new range now.
            let lo_now = {
                let s = shared.lock().unwrap_or_else(|e| e.into_inner());
                s.ranges.get(&id).map_or(lo, |r| r.lo)
            };
            let rows: Vec<Value> = page
                .data
                .into_iter()
                .filter(|o| o.get("created").and_then(Value::as_i64).unwrap_or(i64::MIN) >= lo_now)
                .collect();
            let done = !page.has_more || last.as_ref().is_none_or(|(_, c)| *c < lo_now);
            let n = rows.len() as u64;
            let write = PageWrite {
                range_id: id,
                rows,
                cursor: last.clone(),
                done,
            };
            storing = Some(writer.submit(write)?);
            let (remaining, total) = {
                let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
                if done {
                    s.ranges.remove(&id);
                } else if let (Some(r), Some((last_id, last_created))) =
                    (s.ranges.get_mut(&id), last)
                {
                    r.cursor = Some(last_id);
                    r.top = last_created;
                    r.fetched += n;
                }
                (s.remaining_span(), s.total_span)
            };
            counters.changed.notify_waiters();
            let covered = (total - remaining).max(0) as f64 / total as f64;
            // Counted and sampled under one lock, so samples go in order.
            let report = {
                let mut rate = counters.rate.lock().unwrap_or_else(|e| e.into_inner());
                let stored = counters.stored.fetch_add(n, Ordering::SeqCst) + n;
                let pages = counters.pages.fetch_add(1, Ordering::SeqCst) + 1;
                let at = counters.started.elapsed().as_secs_f64();
                let (objects_per_second, eta_seconds) = rate.record(at, stored, covered);
                SyncProgress {
                    phase: SyncPhase::Transactions,
                    stored,
                    total: None,
                    pages,
                    objects_per_second,
                    eta_seconds,
                }
            };
            progress(report);
            if done {
                break;
            }
        }
        if let Some(last) = storing.take() {
            last.committed().await?;
        }
    }
}

/// One page, tried again (after the client's own retries) while Stripe is
/// unreachable or failing, up to `page_attempts` times.
async fn fetch_page(
    client: &StripeClient,
    auth: &Auth,
    request: &Request,
    options: &SyncOptions,
) -> Result<ListPage<Value>, Error> {
    let mut delay = options.page_retry_delay;
    let mut attempt = 1;
    loop {
        match client.send_as::<ListPage<Value>>(auth, request).await {
            Ok(page) => return Ok(page),
            Err(e) if attempt < options.page_attempts && transient(&e) => {
                tracing::warn!(error = %e, attempt, "balance sync page failed; trying again");
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

fn transient(e: &Error) -> bool {
    match e {
        Error::Network(_) | Error::Timeout => true,
        Error::Stripe { status, .. } => *status == 429 || *status == 409 || *status >= 500,
        _ => false,
    }
}

/// What the payouts phase found.
#[derive(Debug, Default)]
struct PayoutsOutcome {
    linked: u64,
    manual: u64,
    reconciling: u64,
    failed: u64,
}

/// What Stripe says of a payout: made by the schedule, and reconciled.
#[derive(Debug, Clone, Copy)]
struct StripePayout {
    automatic: bool,
    reconciled: bool,
}

impl StripePayout {
    fn of(payout: &Value) -> StripePayout {
        StripePayout {
            automatic: payout.get("automatic").and_then(Value::as_bool) != Some(false),
            reconciled: payout.get("reconciliation_status").and_then(Value::as_str)
                == Some("completed"),
        }
    }
}

/// Stripe's view of the payouts made since `since`, for those in `wanted`:
/// the list, newest first, a page at a time. Payouts it does not list are
/// looked up one by one later.
async fn payout_states(
    client: &StripeClient,
    auth: &Auth,
    wanted: &HashSet<String>,
    since: i64,
    options: &SyncOptions,
) -> Result<HashMap<String, StripePayout>, Error> {
    let mut found = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let mut params = Params::new().text("limit", PAGE_SIZE.to_string()).param(
            "created",
            Param::Map(vec![("gte".to_string(), Param::Text(since.to_string()))]),
        );
        if let Some(a) = &after {
            params.set("starting_after", Param::Text(a.clone()));
        }
        let page = fetch_page(
            client,
            auth,
            &Request::get("/v1/payouts").params(params),
            options,
        )
        .await?;
        for po in &page.data {
            if let Some(id) = po.get("id").and_then(Value::as_str) {
                if wanted.contains(id) {
                    found.insert(id.to_string(), StripePayout::of(po));
                }
            }
        }
        after = page
            .data
            .last()
            .and_then(|o| o.get("id")?.as_str().map(str::to_string));
        if !page.has_more || after.is_none() || found.len() == wanted.len() {
            return Ok(found);
        }
    }
}

/// Looks at every payout not linked yet. `None` when cancelled.
async fn link_payouts(
    client: &StripeClient,
    auth: &Auth,
    store: &Arc<BalanceStore>,
    options: &SyncOptions,
    cancel: &Cancel,
    progress: &(dyn Fn(SyncProgress) + Send + Sync),
) -> Result<Option<PayoutsOutcome>, Error> {
    let payouts = blocking(store, |s| s.unlinked_payouts()).await?;
    let total = payouts.len() as u64;
    if payouts.is_empty() {
        return Ok(Some(PayoutsOutcome::default()));
    }
    let wanted: HashSet<String> = payouts.iter().map(|(id, _)| id.clone()).collect();
    // A payout object is made with its balance transaction: a day's margin covers any gap.
    let since = payouts.iter().map(|(_, at)| *at).min().unwrap_or(0) - 86_400;
    let known = match payout_states(client, auth, &wanted, since, options).await {
        Ok(known) => known,
        Err(e) => {
            tracing::warn!(error = %e, "listing payouts failed; looking them up one by one");
            HashMap::new()
        }
    };
    let queue = Mutex::new(VecDeque::from(payouts));
    let counters = Counters {
        stored: AtomicU64::new(0),
        pages: AtomicU64::new(0),
        started: Instant::now(),
        rate: Mutex::new(RateWindow::new()),
        changed: Notify::new(),
    };
    let outcome = Mutex::new(PayoutsOutcome::default());
    let failed: Mutex<Option<Error>> = Mutex::new(None);
    let stop = Cancel::default();
    let worker = |_: usize| async {
        loop {
            if cancel.is_cancelled() || stop.is_cancelled() {
                return;
            }
            let Some((po, _)) = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front() else {
                return;
            };
            let looked_at = tokio::select! {
                biased;
                _ = cancel.cancelled() => return,
                link = link_one_payout(client, auth, store, options, &counters, &po, known.get(&po).copied()) => link,
            };
            // Only the local copy failing stops the phase; Stripe's answers are recorded.
            let link = match looked_at {
                Ok(link) => link,
                Err(e) => {
                    failed
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get_or_insert(e);
                    stop.cancel();
                    return;
                }
            };
            {
                let mut o = outcome.lock().unwrap_or_else(|p| p.into_inner());
                match link {
                    PayoutLink::Linked { .. } => o.linked += 1,
                    PayoutLink::Manual => o.manual += 1,
                    PayoutLink::Reconciling => o.reconciling += 1,
                    PayoutLink::Failed { .. } => o.failed += 1,
                }
            }
            let report = {
                let mut rate = counters.rate.lock().unwrap_or_else(|e| e.into_inner());
                let done = counters.stored.fetch_add(1, Ordering::SeqCst) + 1;
                let at = counters.started.elapsed().as_secs_f64();
                let (per_second, eta_seconds) = rate.record(at, done, done as f64 / total as f64);
                SyncProgress {
                    phase: SyncPhase::Payouts,
                    stored: done,
                    total: Some(total),
                    pages: counters.pages.load(Ordering::SeqCst),
                    objects_per_second: per_second,
                    eta_seconds,
                }
            };
            progress(report);
        }
    };
    futures_util::future::join_all((0..options.workers.max(1)).map(worker)).await;
    if let Some(e) = failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    if cancel.is_cancelled() {
        return Ok(None);
    }
    Ok(Some(
        outcome.into_inner().unwrap_or_else(|p| p.into_inner()),
    ))
}

/// Looks at one payout and records what became of it. `Err` only when the
/// local copy cannot be written; whatever Stripe answers is recorded.
async fn link_one_payout(
    client: &StripeClient,
    auth: &Auth,
    store: &Arc<BalanceStore>,
    options: &SyncOptions,
    counters: &Counters,
    po: &str,
    known: Option<StripePayout>,
) -> Result<PayoutLink, Error> {
    let attempt = async {
        let state = match known {
            Some(state) => state,
            None => {
                let request = Request::get(format!("/v1/payouts/{po}"));
                StripePayout::of(
                    &client
                        .send(auth, &request)
                        .await
                        .map_err(LinkError::Stripe)?,
                )
            }
        };
        if !state.automatic {
            return Ok(PayoutLink::Manual);
        }
        if !state.reconciled {
            return Ok(PayoutLink::Reconciling);
        }
        // Page by page: each stored (and its rows linked) as it arrives.
        let mut count = 0u64;
        let mut after: Option<String> = None;
        loop {
            let mut params = Params::new()
                .text("limit", PAGE_SIZE.to_string())
                .text("payout", po);
            if let Some(a) = &after {
                params.set("starting_after", Param::Text(a.clone()));
            }
            let request = Request::get("/v1/balance_transactions").params(params);
            let page = fetch_page(client, auth, &request, options)
                .await
                .map_err(LinkError::Stripe)?;
            counters.pages.fetch_add(1, Ordering::SeqCst);
            after = page
                .data
                .last()
                .and_then(|o| o.get("id")?.as_str().map(str::to_string));
            let more = page.has_more && after.is_some();
            count += page.data.len() as u64;
            let id = po.to_string();
            blocking(store, move |s| s.link_payout_page(&id, &page.data))
                .await
                .map_err(LinkError::Local)?;
            if !more {
                return Ok(PayoutLink::Linked {
                    transactions: count,
                });
            }
        }
    };
    let link = match attempt.await {
        Ok(link) => link,
        Err(LinkError::Local(e)) => return Err(e),
        Err(LinkError::Stripe(e)) => PayoutLink::Failed {
            message: e.plain_message(),
        },
    };
    let (id, record) = (po.to_string(), link.clone());
    blocking(store, move |s| s.set_payout_link(&id, &record)).await?;
    if let PayoutLink::Failed { message } = &link {
        tracing::warn!(payout = po, %message, "could not link a payout; the next sync tries again");
    }
    Ok(link)
}

/// While linking, Stripe's errors are recorded and the local copy's stop the sync.
enum LinkError {
    Stripe(Error),
    Local(Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifetime_is_covered_without_gaps_or_overlaps() {
        let plan = split_lifetime(1_000, 1_000_000, 7);
        assert_eq!(plan.len(), 7);
        assert_eq!(plan[0].0, 1_000);
        for w in plan.windows(2) {
            assert_eq!(w[0].1, Some(w[1].0));
        }
        assert_eq!(plan[6].1, None);
    }
}
