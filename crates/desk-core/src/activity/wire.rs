//! What the Activity screen and the notification edge exchange with the
//! domain. TypeScript twins are generated into `ui/src/bindings/` by ts-rs.

use crate::views::Mode;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What an event is about, for the feed's filter. The screen offers the
/// first seven and "everything" (no kind chosen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ActivityKind {
    Payments,
    Refunds,
    Disputes,
    Payouts,
    Customers,
    Subscriptions,
    Products,
    /// The account itself: connected or disconnected applications, its details.
    Account,
    Other,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 9] = [
        ActivityKind::Payments,
        ActivityKind::Refunds,
        ActivityKind::Disputes,
        ActivityKind::Payouts,
        ActivityKind::Customers,
        ActivityKind::Subscriptions,
        ActivityKind::Products,
        ActivityKind::Account,
        ActivityKind::Other,
    ];

    /// The name stored with each event (and in the index).
    pub fn code(self) -> &'static str {
        match self {
            ActivityKind::Payments => "payments",
            ActivityKind::Refunds => "refunds",
            ActivityKind::Disputes => "disputes",
            ActivityKind::Payouts => "payouts",
            ActivityKind::Customers => "customers",
            ActivityKind::Subscriptions => "subscriptions",
            ActivityKind::Products => "products",
            ActivityKind::Account => "account",
            ActivityKind::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> ActivityKind {
        ActivityKind::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .unwrap_or(ActivityKind::Other)
    }
}

/// A line's place in the feed (newest first): its time, the account copy
/// it comes from, and its event, which together are unique.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FeedCursor {
    #[ts(type = "number")]
    pub created: i64,
    /// Which account copy (`acct_...-test`); breaks ties between accounts.
    pub copy: String,
    pub event_id: String,
}

/// One page of the feed: the account on screen, or all accounts at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct FeedQuery {
    /// `None`: every connected account.
    pub connection_id: Option<String>,
    /// Empty: everything.
    pub kinds: Vec<ActivityKind>,
    /// `[from, to)` in unix seconds, on the event's time.
    #[ts(type = "number | null")]
    pub from: Option<i64>,
    #[ts(type = "number | null")]
    pub to: Option<i64>,
    /// Matches names, emails and IDs (of the event and what it is about).
    pub search: Option<String>,
    /// Older lines than this one (scrolling down)...
    pub after: Option<FeedCursor>,
    /// ...or newer ones (scrolling up). Neither: the newest page...
    pub before: Option<FeedCursor>,
    /// ...or, with `from_end`, the oldest page (for a jump to the end).
    pub from_end: bool,
    /// Lines per page (1 to 500; 0 means 100).
    #[ts(type = "number")]
    pub limit: u32,
    /// The person's IANA time zone, for dates inside sentences ("expected
    /// Tuesday"); `None`: this computer's.
    pub time_zone: Option<String>,
}

/// Where a line's object can be opened in the app; the Dashboard address
/// is on every line too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "screen", rename_all = "snake_case")]
#[ts(export)]
pub enum InAppLink {
    /// Get Customer, with this customer.
    Customer { customer_id: String },
    /// Balances, this transaction (when the local copy has it): the
    /// transactions related to `source_id`, the charge or refund.
    BalanceTransaction {
        transaction_id: String,
        source_id: String,
    },
    /// Balances, this payout's details.
    Payout { payout_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FeedLine {
    pub event_id: String,
    pub connection_id: String,
    /// The account's name as the person named the connection.
    pub account_name: String,
    pub mode: Mode,
    /// Unix seconds: the window shows it in the person's clock.
    #[ts(type = "number")]
    pub created: i64,
    /// "Jane Cooper paid 12.50 EUR": plain words, no codes.
    pub sentence: String,
    pub kind: ActivityKind,
    pub in_app: Option<InAppLink>,
    /// The object (or the event) in the Stripe Dashboard.
    pub dashboard_url: String,
    pub unread: bool,
    pub cursor: FeedCursor,
}

/// Something about an account the feed should say above its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AccountNotice {
    pub connection_id: String,
    pub account_name: String,
    pub mode: Mode,
    pub problem: FollowProblem,
    /// One plain sentence.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FollowProblem {
    /// More than Stripe's 30 days went by unseen: some events are gone.
    Gap,
    /// A restricted key without permission to read events; not retried
    /// until the person asks.
    NeedsPermission,
    /// Stripe disconnected the account (or revoked the key).
    Disconnected,
    /// Stripe could not be reached at the last try; the next poll tries again.
    Unreachable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FeedPage {
    pub lines: Vec<FeedLine>,
    /// More lines beyond this page in the direction of travel.
    pub has_more: bool,
    /// About the accounts this feed covers.
    pub notices: Vec<AccountNotice>,
}

/// An event's JSON, for the toggle under its line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EventDetail {
    pub event_id: String,
    /// Stripe's name for the event (`charge.failed`), shown with the JSON only.
    pub event_type: String,
    /// Pretty-printed, as stored (secrets such as `client_secret` removed).
    pub json: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ConnectionUnread {
    pub connection_id: String,
    #[ts(type = "number")]
    pub unread: u64,
}

/// For the badge on the sidebar's Activity entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UnreadCounts {
    #[ts(type = "number")]
    pub total: u64,
    pub per_connection: Vec<ConnectionUnread>,
}

/// How Activity follows accounts and how long it keeps what it heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct ActivitySettings {
    /// How often every account is asked for new events (10 s to 1 hour).
    pub poll_interval_seconds: u32,
    /// Events older than this are removed from this computer (30 days to
    /// 10 years; Stripe itself keeps them 30 days).
    pub retention_days: u32,
}

impl Default for ActivitySettings {
    fn default() -> Self {
        ActivitySettings {
            poll_interval_seconds: 30,
            retention_days: 365,
        }
    }
}

/// The kinds of desktop notification a person can pick, per account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum NotificationKind {
    FailedPayments,
    Disputes,
    Payouts,
    SuccessfulPayments,
    Disconnections,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 5] = [
        NotificationKind::FailedPayments,
        NotificationKind::Disputes,
        NotificationKind::Payouts,
        NotificationKind::SuccessfulPayments,
        NotificationKind::Disconnections,
    ];
}

/// Which notifications one account gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct NotificationChoices {
    pub failed_payments: bool,
    pub disputes: bool,
    /// Payouts paid or failed.
    pub payouts: bool,
    pub successful_payments: bool,
    pub disconnections: bool,
}

impl NotificationChoices {
    /// On for failed payments, disputes and disconnections in live mode;
    /// everything off in test mode.
    pub fn defaults(mode: Mode) -> NotificationChoices {
        let live = mode == Mode::Live;
        NotificationChoices {
            failed_payments: live,
            disputes: live,
            payouts: false,
            successful_payments: false,
            disconnections: live,
        }
    }

    pub fn get(&self, kind: NotificationKind) -> bool {
        match kind {
            NotificationKind::FailedPayments => self.failed_payments,
            NotificationKind::Disputes => self.disputes,
            NotificationKind::Payouts => self.payouts,
            NotificationKind::SuccessfulPayments => self.successful_payments,
            NotificationKind::Disconnections => self.disconnections,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AccountNotifications {
    pub connection_id: String,
    pub account_name: String,
    pub mode: Mode,
    pub choices: NotificationChoices,
    /// The person has not changed them: the defaults of the mode.
    pub defaults: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ActivitySettingsView {
    pub settings: ActivitySettings,
    pub accounts: Vec<AccountNotifications>,
}

/// What a click on a notification opens: the event, or (for a group) the
/// account's feed filtered to what the group was about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct NotificationTarget {
    pub connection_id: String,
    pub event_id: Option<String>,
    pub kinds: Vec<ActivityKind>,
}

/// One desktop notification to show, as the edge hands it to
/// `tauri-plugin-notification`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DesktopNotification {
    /// The account: "Demo Coffee Roasters (test)".
    pub title: String,
    /// The sentence, or for a burst "12 payments succeeded".
    pub body: String,
    pub kind: NotificationKind,
    /// How many events it stands for.
    #[ts(type = "number")]
    pub events: u64,
    pub open: NotificationTarget,
}

/// How following one account went in a round of polls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AccountPoll {
    pub connection_id: String,
    /// Events stored for the first time in this round.
    #[ts(type = "number")]
    pub new_events: u64,
    /// Requests this round made to Stripe for this account.
    #[ts(type = "number")]
    pub requests: u64,
    /// `None`: followed and up to date.
    pub problem: Option<FollowProblem>,
    pub message: Option<String>,
    /// An incremental Balances sync ran because of what was heard.
    pub balances_synced: bool,
}

/// One round over every account: what the edge needs to refresh the badge
/// and the feed, and the notifications to show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PollReport {
    pub accounts: Vec<AccountPoll>,
    pub notifications: Vec<DesktopNotification>,
    pub unread: UnreadCounts,
}

impl PollReport {
    pub fn new_events(&self) -> u64 {
        self.accounts.iter().map(|a| a.new_events).sum()
    }

    pub fn account(&self, connection_id: &str) -> Option<&AccountPoll> {
        self.accounts
            .iter()
            .find(|a| a.connection_id == connection_id)
    }
}
