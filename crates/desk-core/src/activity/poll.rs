//! Fetching one account's events since a moment: `GET /v1/events` with
//! `created[gte]`, every page, through the one client and its rate limiter.
//!
//! Event IDs are only roughly in time order, and an event can appear a
//! little after its `created`, so a poll never continues from an event ID
//! of an earlier poll: it asks again from the newest event seen minus a
//! look-back, and the store drops what it already has (by `evt_` ID).
//! Within one poll, pages follow Stripe's cursor, as stripe-node's
//! auto-pagination does. A first page that says there is more (a catch-up)
//! splits what is left into `created` ranges fetched side by side, and a
//! worker that runs out of work takes the older half of the largest range
//! still being fetched, so all of them stay busy up to the rate ceiling.

use super::store::{ActivityStore, NewEvent};
use crate::error::Error;
use crate::stripe::{Auth, ListPage, Param, Params, Request, StripeClient, PAGE_SIZE};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// What one poll brought.
#[derive(Debug, Default)]
pub(crate) struct Fetched {
    pub requests: u64,
    /// Events stored for the first time.
    pub new: Vec<NewEvent>,
    /// The newest `created` among every event Stripe returned.
    pub newest: Option<i64>,
}

/// A `created` range still being fetched: events in `[lo, top]` that come
/// after `cursor` in Stripe's order (newest first), below `hi`.
struct Range {
    lo: i64,
    hi: Option<i64>,
    cursor: Option<String>,
    top: i64,
    /// `top` when the range began, and the events fetched since: how dense it is.
    began: i64,
    fetched: u64,
}

impl Range {
    fn new(lo: i64, hi: Option<i64>, cursor: Option<String>, top: i64) -> Range {
        Range {
            lo,
            hi,
            cursor,
            top,
            began: top,
            fetched: 0,
        }
    }

    /// Events still to fetch, going by the density of what was fetched.
    fn left(&self) -> f64 {
        let covered = (self.began - self.top).max(1) as f64;
        self.fetched as f64 / covered * (self.top - self.lo).max(0) as f64
    }
}

/// Only a range with this many pages left is split: each split costs a
/// page that is not full, and that request is a share of the rate limit.
const SPLIT_PAGES: f64 = 2.0;

/// The first slicing of a catch-up gives each slice about this many pages.
const SLICE_PAGES: f64 = 4.0;

struct Plan {
    ranges: HashMap<u64, Range>,
    queue: VecDeque<u64>,
    next_id: u64,
}

impl Plan {
    fn add(&mut self, r: Range) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.ranges.insert(id, r);
        self.queue.push_back(id);
        id
    }

    /// An unclaimed range, or the older half of the largest busy one.
    fn claim(&mut self) -> Option<u64> {
        while let Some(id) = self.queue.pop_front() {
            if self.ranges.contains_key(&id) {
                return Some(id);
            }
        }
        let (&id, r) = self
            .ranges
            .iter()
            .filter(|(_, r)| {
                r.cursor.is_some()
                    && r.top - r.lo >= 2
                    && r.left() >= SPLIT_PAGES * PAGE_SIZE as f64
            })
            .max_by(|a, b| a.1.left().total_cmp(&b.1.left()))?;
        let (lo, at) = (r.lo, r.lo + (r.top - r.lo) / 2);
        // The owner's next page starts at `at`; this one takes [lo, at).
        if let Some(r) = self.ranges.get_mut(&id) {
            r.lo = at;
        }
        let new = self.next_id;
        self.next_id += 1;
        self.ranges
            .insert(new, Range::new(lo, Some(at), None, at - 1));
        Some(new)
    }
}

fn page_params(r: &Range) -> Params {
    let mut created = vec![("gte".to_string(), Param::Text(r.lo.to_string()))];
    if let Some(hi) = r.hi {
        created.push(("lt".to_string(), Param::Text(hi.to_string())));
    }
    let mut p = Params::new()
        .text("limit", PAGE_SIZE.to_string())
        .param("created", Param::Map(created));
    if let Some(c) = &r.cursor {
        p = p.text("starting_after", c.clone());
    }
    p
}

fn created_of(v: &Value) -> Option<i64> {
    v.get("created").and_then(Value::as_i64)
}

struct Shared<'a> {
    client: &'a StripeClient,
    auth: &'a Auth,
    store: &'a Arc<ActivityStore>,
    plan: Mutex<Plan>,
    changed: Notify,
    stop: AtomicBool,
    requests: AtomicU64,
    newest: Mutex<Option<i64>>,
    new: Mutex<Vec<NewEvent>>,
    failed: Mutex<Option<Error>>,
}

impl Shared<'_> {
    async fn get(&self, params: Params) -> Result<ListPage<Value>, Error> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.client
            .send_as(self.auth, &Request::get("/v1/events").params(params))
            .await
    }

    async fn keep(&self, events: Vec<Value>) -> Result<(), Error> {
        if let Some(top) = events.iter().filter_map(created_of).max() {
            let mut newest = self.newest.lock().unwrap_or_else(|e| e.into_inner());
            *newest = Some(newest.map_or(top, |n| n.max(top)));
        }
        let store = self.store.clone();
        let new = tokio::task::spawn_blocking(move || store.insert(&events))
            .await
            .map_err(|e| Error::Storage(e.to_string()))??;
        self.new
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(new);
        Ok(())
    }

    async fn work(&self) -> Result<(), Error> {
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            let waiting = self.changed.notified();
            let claimed = {
                let mut plan = self.plan.lock().unwrap_or_else(|e| e.into_inner());
                if plan.ranges.is_empty() {
                    return Ok(());
                }
                plan.claim()
            };
            let Some(id) = claimed else {
                // Every range is busy and too small to split: wait for a change.
                waiting.await;
                continue;
            };
            loop {
                let params = {
                    let plan = self.plan.lock().unwrap_or_else(|e| e.into_inner());
                    match plan.ranges.get(&id) {
                        Some(r) => page_params(r),
                        None => break,
                    }
                };
                let page = self.get(params).await?;
                let last = page
                    .data
                    .last()
                    .and_then(|e| Some((e.get("id")?.as_str()?.to_string(), created_of(e)?)));
                let more = page.has_more;
                let count = page.data.len() as u64;
                self.keep(page.data).await?;
                let done = {
                    let mut plan = self.plan.lock().unwrap_or_else(|e| e.into_inner());
                    match (more, last) {
                        (true, Some((cursor, top))) => {
                            if let Some(r) = plan.ranges.get_mut(&id) {
                                r.cursor = Some(cursor);
                                r.top = top;
                                r.fetched += count;
                            }
                            false
                        }
                        _ => {
                            plan.ranges.remove(&id);
                            true
                        }
                    }
                };
                self.changed.notify_waiters();
                if done {
                    break;
                }
                if self.stop.load(Ordering::SeqCst) {
                    return Ok(());
                }
            }
        }
    }
}

/// Every event created at or after `since`, stored as it arrives.
pub(crate) async fn fetch_since(
    client: &StripeClient,
    auth: &Auth,
    store: &Arc<ActivityStore>,
    since: i64,
    workers: usize,
) -> Result<Fetched, Error> {
    let shared = Shared {
        client,
        auth,
        store,
        plan: Mutex::new(Plan {
            ranges: HashMap::new(),
            queue: VecDeque::new(),
            next_id: 0,
        }),
        changed: Notify::new(),
        stop: AtomicBool::new(false),
        requests: AtomicU64::new(0),
        newest: Mutex::new(None),
        new: Mutex::new(Vec::new()),
        failed: Mutex::new(None),
    };
    // The newest page first: when nothing more is there (an idle account),
    // that is the whole poll, one request.
    let first = Range::new(since, None, None, i64::MAX);
    let page = shared.get(page_params(&first)).await?;
    let last = page
        .data
        .last()
        .and_then(|e| Some((e.get("id")?.as_str()?.to_string(), created_of(e)?)));
    let newest = page.data.first().and_then(created_of);
    let count = page.data.len() as f64;
    let more = page.has_more;
    shared.keep(page.data).await?;
    if let (true, Some((cursor, top)), Some(newest)) = (more, last, newest) {
        // A catch-up: what is left, `[since, top]`, in slices side by side
        // (as many as it has pages for, by the first page's density); the
        // newest continues from the cursor.
        let span = (top - since).max(0);
        let left = count / (newest - top).max(1) as f64 * span as f64;
        let slices = ((left / (SLICE_PAGES * PAGE_SIZE as f64)).ceil() as i64)
            .clamp(1, workers.max(1) as i64);
        {
            let mut plan = shared.plan.lock().unwrap_or_else(|e| e.into_inner());
            let cut = |i: i64| since + span * i / slices;
            let mut bounds: Vec<i64> = (1..slices).map(cut).collect();
            bounds.dedup();
            bounds.retain(|b| *b > since && *b < top);
            let mut lo = since;
            for b in &bounds {
                plan.add(Range::new(lo, Some(*b), None, b - 1));
                lo = *b;
            }
            let mut newest_slice = Range::new(lo, None, Some(cursor), top);
            newest_slice.began = newest;
            newest_slice.fetched = count as u64;
            plan.add(newest_slice);
        }
        let worker = |_| async {
            if let Err(e) = shared.work().await {
                shared
                    .failed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_or_insert(e);
                shared.stop.store(true, Ordering::SeqCst);
                shared.changed.notify_waiters();
            }
        };
        futures_util::future::join_all((0..workers.max(1)).map(worker)).await;
        if let Some(e) = shared
            .failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            return Err(e);
        }
    }
    let new = std::mem::take(&mut *shared.new.lock().unwrap_or_else(|e| e.into_inner()));
    let newest = *shared.newest.lock().unwrap_or_else(|e| e.into_inner());
    Ok(Fetched {
        requests: shared.requests.load(Ordering::Relaxed),
        new,
        newest,
    })
}
