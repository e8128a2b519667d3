//! Activity's entry points on [`Desk`]: one round of polls over every
//! account, the feed, unread counts, the event's JSON, settings and
//! notification choices. Each is what one window command calls.
//!
//! Accounts are followed per copy (account and mode): two connections to
//! one account share its events, and it is polled once. SQLite work runs on
//! the blocking pool.

use super::catalog::{self, Effect};
use super::notify::{self, Heard, Listener};
use super::poll::fetch_since;
use super::sentences::{describe, Context};
use super::settings::{AccountChoices, SettingsFile};
use super::store::{copy_name, ActivityStore, Bound, EventFilter, StoredEvent};
use super::wire::*;
use crate::balances::BalanceStore;
use crate::connections::saved::ConnectionRecord;
use crate::error::Error;
use crate::views::{ConnectionMethod, Mode};
use crate::Desk;
use jiff::tz::TimeZone;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

/// Unix seconds now. The app uses the system clock; tests that move the
/// simulator's clock hand the same clock to the app.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    })
}

/// Stripe keeps events 30 days.
pub const STRIPE_KEEPS_SECS: i64 = 30 * 86_400;

pub struct ActivityOptions {
    pub clock: Clock,
    /// Each poll asks again from the newest event seen minus this, for
    /// events that appear a little after their `created`.
    pub look_back: Duration,
    /// Overrides the person's poll interval (tests, benchmarks).
    pub tick: Option<Duration>,
    /// Requests in flight during a catch-up, per mode: enough to fill the
    /// rate limit (25/s test, 100/s live) at a few hundred milliseconds each.
    pub workers_test: usize,
    pub workers_live: usize,
}

impl Default for ActivityOptions {
    fn default() -> Self {
        ActivityOptions {
            clock: system_clock(),
            look_back: Duration::from_secs(300),
            tick: None,
            workers_test: 10,
            workers_live: 32,
        }
    }
}

/// Activity's state, kept by the [`Desk`].
pub struct ActivityState {
    options: ActivityOptions,
    settings: SettingsFile,
    stores: Mutex<HashMap<PathBuf, Arc<ActivityStore>>>,
    /// One poll of a copy at a time.
    polling: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Connections whose key may not read events, with the sentence that
    /// says so; not asked again until the person retries.
    blocked: Mutex<HashMap<String, String>>,
    /// Connections whose last poll could not reach Stripe.
    unreachable: Mutex<HashMap<String, String>>,
    /// When each copy last removed events past the retention.
    pruned: Mutex<HashMap<String, i64>>,
    /// Wakes the poller: settings changed, or the person asked for a poll.
    pub(crate) wake: Arc<Notify>,
}

impl ActivityState {
    pub fn new(data_dir: &Path, options: ActivityOptions) -> ActivityState {
        ActivityState {
            options,
            settings: SettingsFile::new(data_dir),
            stores: Mutex::default(),
            polling: Mutex::default(),
            blocked: Mutex::default(),
            unreachable: Mutex::default(),
            pruned: Mutex::default(),
            wake: Arc::new(Notify::new()),
        }
    }

    fn now(&self) -> i64 {
        (self.options.clock)()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// An account followed: its copy and the connection that polls it.
#[derive(Clone)]
struct Followed {
    record: ConnectionRecord,
    /// The connected account acted for (`Stripe-Account`), if any.
    acting_for: Option<String>,
    copy: String,
    path: PathBuf,
}

impl Followed {
    fn account(&self) -> &str {
        self.acting_for
            .as_deref()
            .unwrap_or(&self.record.account_id)
    }
}

fn acting_for(record: &ConnectionRecord) -> Option<String> {
    match record.method {
        ConnectionMethod::ConnectOauth => Some(record.account_id.clone()),
        ConnectionMethod::ApiKey => record.account_override.clone(),
        ConnectionMethod::AppsOauth => None,
    }
}

/// Whether an `account.application.deauthorized` event ends this connection:
/// one that acts for a connected account (the event names it), or a Stripe
/// Apps install. An account's own key is not ended by any application leaving.
fn deauthorizes(event: &Value, f: &Followed) -> bool {
    let named = event.get("account").and_then(Value::as_str);
    let application = event.pointer("/data/object/id").and_then(Value::as_str);
    let same_app = match (&f.record.oauth_client_id, application) {
        (Some(ours), Some(theirs)) => ours == theirs,
        _ => true,
    };
    match f.record.method {
        ConnectionMethod::AppsOauth => same_app,
        ConnectionMethod::ConnectOauth => same_app && named.is_none_or(|a| a == f.account()),
        ConnectionMethod::ApiKey => f.acting_for.is_some() && named == f.acting_for.as_deref(),
    }
}

const META_POLLED_AT: &str = "polled_at";
/// The newest `created` among the events of the last poll that fetched
/// everything it asked for: the next poll starts from it (minus the
/// look-back). A poll that fails halfway leaves it, so nothing is skipped.
const META_NEWEST_SEEN: &str = "newest_seen";
const META_READ_SEQ: &str = "read_seq";
const META_GAP_FROM: &str = "gap_from";
const META_GAP_TO: &str = "gap_to";
/// Retention is enforced at most this often per copy.
const PRUNE_EVERY_SECS: i64 = 6 * 3600;

fn day(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .map(|at| {
            TimeZone::system()
                .to_datetime(at)
                .date()
                .strftime("%-d %B %Y")
                .to_string()
        })
        .unwrap_or_else(|_| "an unknown day".into())
}

fn gap_sentence(from: i64, to: i64) -> String {
    format!(
        "Stripe keeps events for 30 days, and this account was last checked on {}: what happened between then and {} is not in Activity.",
        day(from),
        day(to)
    )
}

fn permission_sentence(account_name: &str) -> String {
    format!(
        "This key is not allowed to read events, so Activity cannot follow {account_name}. In the Stripe Dashboard, edit the restricted key and set Events to Read, then try again."
    )
}

impl Desk {
    fn activity(&self) -> &ActivityState {
        self.activity_state()
    }

    /// Every account followed, one connection each (a working one first).
    fn followed(&self) -> Vec<Followed> {
        let mut out: Vec<Followed> = Vec::new();
        for record in self.records() {
            let acting = acting_for(&record);
            let account = acting.clone().unwrap_or_else(|| record.account_id.clone());
            let copy = copy_name(&account, record.mode);
            let f = Followed {
                path: ActivityStore::path_for(self.data_dir(), &account, record.mode),
                acting_for: acting,
                copy,
                record,
            };
            match out.iter_mut().find(|o| o.copy == f.copy) {
                Some(o) if o.record.revoked.is_some() && f.record.revoked.is_none() => *o = f,
                Some(_) => {}
                None => out.push(f),
            }
        }
        out
    }

    /// Whether any account is there to follow (in memory: no I/O).
    pub fn activity_has_accounts(&self) -> bool {
        !self.records().is_empty()
    }

    fn activity_store(&self, path: &Path) -> Result<Arc<ActivityStore>, Error> {
        let mut stores = lock(&self.activity().stores);
        if let Some(s) = stores.get(path) {
            return Ok(s.clone());
        }
        let store = Arc::new(ActivityStore::open(path)?);
        stores.insert(path.to_path_buf(), store.clone());
        Ok(store)
    }

    /// The copy's store, only when it exists on disk (reads create nothing).
    fn existing_store(&self, f: &Followed) -> Result<Option<Arc<ActivityStore>>, Error> {
        if !f.path.exists() && !lock(&self.activity().stores).contains_key(&f.path) {
            return Ok(None);
        }
        self.activity_store(&f.path).map(Some)
    }

    fn choices_for(&self, f: &Followed) -> Result<AccountChoices, Error> {
        let now = self.activity().now();
        let id = f.record.id.clone();
        let mode = f.record.mode;
        self.activity().settings.with(move |d| {
            let new = !d.accounts.contains_key(&id);
            let c = d
                .accounts
                .entry(id)
                .or_insert_with(|| AccountChoices::defaults(mode, now))
                .clone();
            Ok((c, new))
        })
    }

    /// How long the poller waits between rounds.
    pub fn activity_interval(&self) -> Duration {
        self.activity().options.tick.unwrap_or_else(|| {
            let secs = self
                .activity()
                .settings
                .read(|d| d.settings.poll_interval_seconds);
            Duration::from_secs(u64::from(secs))
        })
    }

    /// How long the poller waits with nothing to follow (reads no file).
    pub(crate) fn activity_idle_interval(&self) -> Duration {
        self.activity()
            .options
            .tick
            .unwrap_or(Duration::from_secs(30))
    }

    /// For the poller: what it waits on besides the interval.
    pub(crate) fn activity_wake(&self) -> Arc<Notify> {
        self.activity().wake.clone()
    }

    /// One round: every followed account at once, each from the newest event
    /// it has seen (minus the look-back); new events stored, their effects
    /// on the app carried out, and the notifications to show decided.
    pub async fn activity_poll_all(&self) -> PollReport {
        let followed = self.followed();
        let rounds = followed.iter().map(|f| self.poll_copy(f));
        let results = futures_util::future::join_all(rounds).await;
        let mut report = PollReport::default();
        for (account, notifications) in results {
            report.accounts.push(account);
            report.notifications.extend(notifications);
        }
        report.unread = self.activity_unread().await.unwrap_or_default();
        report
    }

    /// One account now (the person's "check now").
    pub async fn activity_poll(&self, connection_id: &str) -> Result<PollReport, Error> {
        let f = self.followed_for(connection_id)?;
        let (account, notifications) = self.poll_copy(&f).await;
        Ok(PollReport {
            accounts: vec![account],
            notifications,
            unread: self.activity_unread().await?,
        })
    }

    fn followed_for(&self, connection_id: &str) -> Result<Followed, Error> {
        let (record, _) = self.record(connection_id)?;
        let account = acting_for(&record).unwrap_or_else(|| record.account_id.clone());
        let copy = copy_name(&account, record.mode);
        self.followed()
            .into_iter()
            .find(|f| f.copy == copy)
            .ok_or_else(|| Error::NotFound("This account is not followed.".into()))
    }

    async fn poll_copy(&self, f: &Followed) -> (AccountPoll, Vec<DesktopNotification>) {
        let id = f.record.id.clone();
        let mut out = AccountPoll {
            connection_id: id.clone(),
            new_events: 0,
            requests: 0,
            problem: None,
            message: None,
            balances_synced: false,
        };
        if let Some(revoked) = &f.record.revoked {
            out.problem = Some(FollowProblem::Disconnected);
            out.message = Some(revoked.clone());
            return (out, Vec::new());
        }
        if let Some(m) = lock(&self.activity().blocked).get(&id) {
            out.problem = Some(FollowProblem::NeedsPermission);
            out.message = Some(m.clone());
            return (out, Vec::new());
        }
        let running = lock(&self.activity().polling)
            .entry(f.copy.clone())
            .or_default()
            .clone();
        let _one_at_a_time = running.lock().await;
        let notifications = match self.poll_copy_inner(f, &mut out).await {
            Ok(n) => {
                lock(&self.activity().unreachable).remove(&id);
                n
            }
            Err(e) => self.poll_failed(f, &e, &mut out),
        };
        (out, notifications)
    }

    /// What a failed poll means: a disconnection, a missing permission (not
    /// asked again until the person retries), or Stripe out of reach.
    fn poll_failed(
        &self,
        f: &Followed,
        e: &Error,
        out: &mut AccountPoll,
    ) -> Vec<DesktopNotification> {
        let id = &f.record.id;
        if e.is_revoked() {
            self.note_call_error(id, e);
            let message = self
                .record(id)
                .ok()
                .and_then(|(r, _)| r.revoked)
                .unwrap_or_else(|| e.plain_message());
            out.problem = Some(FollowProblem::Disconnected);
            out.message = Some(message);
            return self.disconnected_notification(f);
        }
        if e.status() == Some(403) {
            let sentence = match e.missing_permission() {
                Some(_) => permission_sentence(&f.record.display_name),
                None => e.plain_message(),
            };
            tracing::warn!(connection = %id, code = %e.code(), "activity: this key may not read events; not asked again until the person retries");
            lock(&self.activity().blocked).insert(id.clone(), sentence.clone());
            out.problem = Some(FollowProblem::NeedsPermission);
            out.message = Some(sentence);
            return Vec::new();
        }
        tracing::info!(connection = %id, code = %e.code(), "activity: poll failed; the next round tries again");
        let sentence = e.plain_message();
        lock(&self.activity().unreachable).insert(id.clone(), sentence.clone());
        out.problem = Some(FollowProblem::Unreachable);
        out.message = Some(sentence);
        Vec::new()
    }

    fn disconnected_notification(&self, f: &Followed) -> Vec<DesktopNotification> {
        let Ok(choices) = self.choices_for(f) else {
            return Vec::new();
        };
        let who = Listener {
            connection_id: &f.record.id,
            account_name: &f.record.display_name,
            mode: f.record.mode,
            choices: &choices,
        };
        notify::disconnected(&who, self.activity().now())
            .into_iter()
            .collect()
    }

    async fn poll_copy_inner(
        &self,
        f: &Followed,
        out: &mut AccountPoll,
    ) -> Result<Vec<DesktopNotification>, Error> {
        let state = self.activity();
        let now = state.now();
        let store = self.activity_store(&f.path)?;
        let choices = self.choices_for(f)?;
        let (newest, polled_at) = on_store(&store, |s| {
            Ok((s.meta(META_NEWEST_SEEN)?, s.meta(META_POLLED_AT)?))
        })
        .await?;
        let look_back = state.options.look_back.as_secs() as i64;
        // Stripe lists 30 days back: a first poll, or one after a long
        // absence, asks for all of them (a day more, for clocks that differ).
        let since = newest
            .map(|n| n - look_back)
            .unwrap_or(now - STRIPE_KEEPS_SECS - 86_400)
            .max(now - STRIPE_KEEPS_SECS - 86_400);
        let (_, auth) = self.auth_for(&f.record.id).await?;
        let workers = match auth.mode {
            Mode::Test => state.options.workers_test,
            Mode::Live => state.options.workers_live,
        };
        let fetched = fetch_since(self.client(), &auth, &store, since, workers).await;
        let fetched = fetched?;
        out.requests = fetched.requests;
        out.new_events = fetched.new.len() as u64;
        let first = polled_at.is_none();
        // Events older than 30 days are gone at Stripe: say so when the last
        // complete poll was longer ago than that.
        let gap = polled_at
            .filter(|last| now - last > STRIPE_KEEPS_SECS)
            .map(|last| (last, now - STRIPE_KEEPS_SECS));
        let retention = i64::from(state.settings.read(|d| d.settings.retention_days)) * 86_400;
        let prune = lock(&state.pruned)
            .get(&f.copy)
            .is_none_or(|at| now - at > PRUNE_EVERY_SECS);
        let newest_seen = match (newest, fetched.newest) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        on_store(&store, move |s| {
            s.set_meta(META_POLLED_AT, Some(now))?;
            s.set_meta(META_NEWEST_SEEN, newest_seen)?;
            if first {
                // History is not news: what the first poll brings is read.
                let last = s.last_seq()?;
                s.set_meta(META_READ_SEQ, Some(last))?;
            }
            if let Some((from, to)) = gap {
                s.set_meta(META_GAP_FROM, Some(from))?;
                s.set_meta(META_GAP_TO, Some(to))?;
            }
            if prune {
                s.prune(now - retention)?;
            }
            Ok(())
        })
        .await?;
        if prune {
            lock(&state.pruned).insert(f.copy.clone(), now);
        }
        if let Some((from, to)) = gap {
            out.problem = Some(FollowProblem::Gap);
            out.message = Some(gap_sentence(from, to));
        }

        // What the new events change in the app, and what to notify.
        let mut heard = Vec::new();
        let mut sync_balances = false;
        let mut deauthorized = false;
        let zone = TimeZone::system();
        for new in &fetched.new {
            let Some(json) = &new.json else { continue };
            let entry = catalog::lookup(&new.event_type);
            match entry.and_then(|e| e.effect) {
                Some(Effect::SyncBalances) => sync_balances = true,
                Some(Effect::Deauthorized) => {
                    if !deauthorizes(json, f) {
                        continue;
                    }
                    deauthorized = true;
                }
                None => {}
            }
            if entry.is_some_and(|e| e.notify.is_some()) {
                let names = |id: &str| store.name(id);
                heard.push(Heard {
                    event_id: new.id.clone(),
                    event_type: new.event_type.clone(),
                    created: new.created,
                    sentence: describe(
                        json,
                        &Context {
                            names: &names,
                            zone: &zone,
                            now,
                        },
                    ),
                });
            }
        }
        if deauthorized {
            tracing::warn!(connection = %f.record.id, "activity: Stripe says the account disconnected this app");
            self.mark_deauthorized(&f.record.id);
            out.problem = Some(FollowProblem::Disconnected);
            out.message = self.record(&f.record.id).ok().and_then(|(r, _)| r.revoked);
        }
        if sync_balances && !deauthorized {
            let copy = BalanceStore::path_for(self.data_dir(), f.account(), f.record.mode);
            if copy.exists() {
                match self.balances_sync(&f.record.id, |_| {}).await {
                    Ok(_) => out.balances_synced = true,
                    Err(e) => {
                        tracing::info!(code = %e.code(), "activity: the Balances sync it started did not finish")
                    }
                }
            }
        }
        if first {
            return Ok(Vec::new());
        }
        let who = Listener {
            connection_id: &f.record.id,
            account_name: &f.record.display_name,
            mode: f.record.mode,
            choices: &choices,
        };
        Ok(notify::decide(&who, &heard))
    }

    /// The copies a feed query covers: one connection's, or every one.
    fn in_scope(&self, connection_id: Option<&str>) -> Result<Vec<Followed>, Error> {
        match connection_id {
            Some(id) => Ok(vec![self.followed_for(id)?]),
            None => Ok(self.followed()),
        }
    }

    /// A page of the feed, newest first: the account on screen, or every
    /// account at once (each line names its account and mode).
    pub async fn activity_feed(&self, query: FeedQuery) -> Result<FeedPage, Error> {
        let scope = self.in_scope(query.connection_id.as_deref())?;
        let limit = match query.limit {
            0 => 100,
            n => n.clamp(1, 500) as usize,
        };
        let filter = EventFilter {
            kinds: query.kinds.clone(),
            from: query.from,
            to: query.to,
            search: query.search.clone(),
        };
        // Walking towards the newest (`before`, `from_end`) reads oldest first.
        let towards_newest = query.after.is_none() && (query.before.is_some() || query.from_end);
        let mut rows: Vec<(FeedCursor, StoredEvent, usize, i64)> = Vec::new();
        for (i, f) in scope.iter().enumerate() {
            let Some(store) = self.existing_store(f)? else {
                continue;
            };
            let bound = bound_in(&f.copy, query.after.as_ref(), query.before.as_ref());
            let filter = filter.clone();
            let (page, read) = on_store(&store, move |s| {
                Ok((
                    s.page(&filter, &bound, limit + 1, towards_newest)?,
                    s.meta(META_READ_SEQ)?.unwrap_or(0),
                ))
            })
            .await?;
            rows.extend(page.into_iter().map(|e| {
                (
                    FeedCursor {
                        created: e.created,
                        copy: f.copy.clone(),
                        event_id: e.id.clone(),
                    },
                    e,
                    i,
                    read,
                )
            }));
        }
        rows.sort_by(|a, b| b.0.cmp(&a.0));
        if towards_newest {
            rows.reverse();
        }
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        if towards_newest {
            rows.reverse();
        }
        let zone = query
            .time_zone
            .as_deref()
            .and_then(|z| TimeZone::get(z).ok())
            .unwrap_or_else(TimeZone::system);
        let now = self.activity().now();
        let mut stores: HashMap<usize, Arc<ActivityStore>> = HashMap::new();
        let mut lines = Vec::with_capacity(rows.len());
        for (cursor, event, i, read) in rows {
            let f = &scope[i];
            let store = match stores.get(&i) {
                Some(s) => s.clone(),
                None => {
                    let s = self.activity_store(&f.path)?;
                    stores.insert(i, s.clone());
                    s
                }
            };
            let names = |id: &str| store.name(id);
            lines.push(FeedLine {
                event_id: event.id.clone(),
                connection_id: f.record.id.clone(),
                account_name: f.record.display_name.clone(),
                mode: f.record.mode,
                created: event.created,
                sentence: describe(
                    &event.json,
                    &Context {
                        names: &names,
                        zone: &zone,
                        now,
                    },
                ),
                kind: event.kind,
                in_app: catalog::in_app_link(&event.json),
                dashboard_url: catalog::dashboard_url(
                    &event.json,
                    f.record.mode,
                    f.acting_for.as_deref(),
                ),
                unread: event.seq > read,
                cursor,
            });
        }
        Ok(FeedPage {
            lines,
            has_more,
            notices: self.notices(&scope).await?,
        })
    }

    /// How many lines the query selects (the virtual list's height).
    pub async fn activity_count(&self, query: FeedQuery) -> Result<u64, Error> {
        let filter = EventFilter {
            kinds: query.kinds,
            from: query.from,
            to: query.to,
            search: query.search,
        };
        let mut total = 0;
        for f in self.in_scope(query.connection_id.as_deref())? {
            if let Some(store) = self.existing_store(&f)? {
                let filter = filter.clone();
                total += on_store(&store, move |s| s.count(&filter)).await?;
            }
        }
        Ok(total)
    }

    async fn notices(&self, scope: &[Followed]) -> Result<Vec<AccountNotice>, Error> {
        let mut out = Vec::new();
        for f in scope {
            let notice = |problem, message: String| AccountNotice {
                connection_id: f.record.id.clone(),
                account_name: f.record.display_name.clone(),
                mode: f.record.mode,
                problem,
                message,
            };
            if let Some(r) = &f.record.revoked {
                out.push(notice(FollowProblem::Disconnected, r.clone()));
            }
            if let Some(m) = lock(&self.activity().blocked).get(&f.record.id) {
                out.push(notice(FollowProblem::NeedsPermission, m.clone()));
            }
            if let Some(m) = lock(&self.activity().unreachable).get(&f.record.id) {
                out.push(notice(FollowProblem::Unreachable, m.clone()));
            }
            if let Some(store) = self.existing_store(f)? {
                let gap = on_store(&store, |s| {
                    Ok(s.meta(META_GAP_FROM)?.zip(s.meta(META_GAP_TO)?))
                })
                .await?;
                if let Some((from, to)) = gap {
                    out.push(notice(FollowProblem::Gap, gap_sentence(from, to)));
                }
            }
        }
        Ok(out)
    }

    /// Events of one type the account of `connection_id` has heard, created
    /// at or after `since`, oldest first (at most `limit`), each with its
    /// sentence: what a workflow's trigger runs on (`crate::bulk::triggers`).
    /// Nothing when the account was never polled.
    pub(crate) async fn activity_events_of_type(
        &self,
        connection_id: &str,
        event_type: &str,
        since: i64,
        limit: usize,
    ) -> Result<Vec<(Value, String)>, Error> {
        let f = self.followed_for(connection_id)?;
        let Some(store) = self.existing_store(&f)? else {
            return Ok(Vec::new());
        };
        let event_type = event_type.to_owned();
        let now = self.activity().now();
        on_store(&store, move |s| {
            let zone = TimeZone::system();
            let names = |id: &str| s.name(id);
            let events = s.of_type_since(&event_type, since, limit)?;
            Ok(events
                .into_iter()
                .map(|(_, _, json)| {
                    let sentence = describe(
                        &json,
                        &Context {
                            names: &names,
                            zone: &zone,
                            now,
                        },
                    );
                    (json, sentence)
                })
                .collect())
        })
        .await
    }

    /// Activity's clock (the system's in the app; the simulator's in tests).
    pub(crate) fn activity_now(&self) -> i64 {
        self.activity().now()
    }

    /// The person read the gap notice: it goes.
    pub async fn activity_dismiss_gap(&self, connection_id: &str) -> Result<(), Error> {
        let f = self.followed_for(connection_id)?;
        if let Some(store) = self.existing_store(&f)? {
            on_store(&store, |s| {
                s.set_meta(META_GAP_FROM, None)?;
                s.set_meta(META_GAP_TO, None)
            })
            .await?;
        }
        Ok(())
    }

    /// An event's JSON, for the toggle under its line.
    pub async fn activity_event(
        &self,
        connection_id: &str,
        event_id: &str,
    ) -> Result<EventDetail, Error> {
        let f = self.followed_for(connection_id)?;
        let missing = || Error::NotFound("This event is not on this computer.".into());
        let store = self.existing_store(&f)?.ok_or_else(missing)?;
        let id = event_id.to_string();
        let json = on_store(&store, move |s| s.event_json(&id))
            .await?
            .ok_or_else(missing)?;
        Ok(EventDetail {
            event_id: event_id.to_string(),
            event_type: json
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            json: serde_json::to_string_pretty(&json).unwrap_or_default(),
        })
    }

    /// Unread events, per account and in all (the sidebar's badge).
    pub async fn activity_unread(&self) -> Result<UnreadCounts, Error> {
        let mut counts = UnreadCounts::default();
        for f in self.followed() {
            let Some(store) = self.existing_store(&f)? else {
                continue;
            };
            let unread = on_store(&store, |s| {
                let read = s.meta(META_READ_SEQ)?.unwrap_or(0);
                s.count_after(read)
            })
            .await?;
            counts.total += unread;
            counts.per_connection.push(ConnectionUnread {
                connection_id: f.record.id.clone(),
                unread,
            });
        }
        Ok(counts)
    }

    /// Marks everything heard so far as read: one account's, or all.
    pub async fn activity_mark_read(
        &self,
        connection_id: Option<&str>,
    ) -> Result<UnreadCounts, Error> {
        for f in self.in_scope(connection_id)? {
            if let Some(store) = self.existing_store(&f)? {
                on_store(&store, |s| {
                    let last = s.last_seq()?;
                    s.set_meta(META_READ_SEQ, Some(last))
                })
                .await?;
            }
        }
        self.activity_unread().await
    }

    /// Activity's settings, and each account's notification choices.
    pub fn activity_settings(&self) -> ActivitySettingsView {
        let followed = self.followed();
        self.activity().settings.read(|d| ActivitySettingsView {
            settings: d.settings,
            accounts: followed
                .iter()
                .map(|f| {
                    let saved = d.accounts.get(&f.record.id);
                    AccountNotifications {
                        connection_id: f.record.id.clone(),
                        account_name: f.record.display_name.clone(),
                        mode: f.record.mode,
                        choices: saved.map_or_else(
                            || NotificationChoices::defaults(f.record.mode),
                            |c| c.choices,
                        ),
                        defaults: saved.is_none_or(|c| !c.chosen),
                    }
                })
                .collect(),
        })
    }

    /// Saves the poll interval and the retention; the poller follows at once.
    pub fn activity_save_settings(
        &self,
        settings: ActivitySettings,
    ) -> Result<ActivitySettingsView, Error> {
        settings.check()?;
        self.activity().settings.with(|d| {
            d.settings = settings;
            Ok(((), true))
        })?;
        lock(&self.activity().pruned).clear();
        self.activity().wake.notify_waiters();
        Ok(self.activity_settings())
    }

    /// One account's notification choices. A kind switched on now never
    /// notifies an event made before now.
    pub fn activity_set_notifications(
        &self,
        connection_id: &str,
        choices: NotificationChoices,
    ) -> Result<ActivitySettingsView, Error> {
        let f = self.followed_for(connection_id)?;
        let now = self.activity().now();
        let id = f.record.id.clone();
        let mode = f.record.mode;
        self.activity().settings.with(move |d| {
            d.accounts
                .entry(id)
                .or_insert_with(|| AccountChoices::defaults(mode, now))
                .choose(choices, now);
            Ok(((), true))
        })?;
        Ok(self.activity_settings())
    }

    /// A connection was saved: the poller's next round is now, so a first
    /// account is followed at once rather than at the idle look-again.
    pub(crate) fn activity_follow_new(&self) {
        self.activity().wake.notify_waiters();
    }

    /// Asks again for an account Activity stopped asking (a key without
    /// permission to read events, now edited), at the next round.
    pub fn activity_retry(&self, connection_id: &str) {
        lock(&self.activity().blocked).remove(connection_id);
        lock(&self.activity().unreachable).remove(connection_id);
        self.activity().wake.notify_waiters();
    }
}

/// The bound of a feed cursor inside one copy (`copy`), in the feed's order:
/// newest first by (created, copy, event).
fn bound_in(copy: &str, after: Option<&FeedCursor>, before: Option<&FeedCursor>) -> Bound {
    if let Some(c) = after {
        let (id, inclusive) = match copy.cmp(c.copy.as_str()) {
            std::cmp::Ordering::Equal => (Some(c.event_id.clone()), false),
            // This copy sorts below the cursor's within a second: that second counts.
            std::cmp::Ordering::Less => (None, true),
            std::cmp::Ordering::Greater => (None, false),
        };
        return Bound::Older {
            created: c.created,
            id,
            inclusive_created: inclusive,
        };
    }
    if let Some(c) = before {
        let (id, inclusive) = match copy.cmp(c.copy.as_str()) {
            std::cmp::Ordering::Equal => (Some(c.event_id.clone()), false),
            std::cmp::Ordering::Greater => (None, true),
            std::cmp::Ordering::Less => (None, false),
        };
        return Bound::Newer {
            created: c.created,
            id,
            inclusive_created: inclusive,
        };
    }
    Bound::None
}

async fn on_store<T: Send + 'static>(
    store: &Arc<ActivityStore>,
    f: impl FnOnce(&ActivityStore) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .map_err(|e| Error::Storage(e.to_string()))?
}
