//! Which desktop notifications to show, decided here and handed to the
//! edge as values: only kinds the person chose for the account, never for
//! an event older than the moment its kind was switched on, and a burst of
//! one kind in one account as one notification ("12 payments succeeded").

use super::catalog;
use super::settings::AccountChoices;
use super::wire::{ActivityKind, DesktopNotification, NotificationKind, NotificationTarget};
use crate::views::Mode;
use std::collections::BTreeMap;

/// An event heard for the first time, as a notification needs it.
#[derive(Debug, Clone)]
pub(crate) struct Heard {
    pub event_id: String,
    pub event_type: String,
    pub created: i64,
    pub sentence: String,
}

/// The account the events were heard in.
pub(crate) struct Listener<'a> {
    pub connection_id: &'a str,
    pub account_name: &'a str,
    pub mode: Mode,
    pub choices: &'a AccountChoices,
}

impl Listener<'_> {
    fn title(&self) -> String {
        match self.mode {
            Mode::Test => format!("{} (test)", self.account_name),
            Mode::Live => self.account_name.to_string(),
        }
    }
}

/// "1,234"
fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", count(n))
    }
}

/// What a burst of one kind says.
fn burst(kind: NotificationKind, heard: &[&Heard]) -> String {
    let n = heard.len();
    match kind {
        NotificationKind::SuccessfulPayments => {
            format!("{} succeeded", plural(n, "payment", "payments"))
        }
        NotificationKind::FailedPayments => format!("{} failed", plural(n, "payment", "payments")),
        NotificationKind::Disputes => format!("{} opened", plural(n, "dispute", "disputes")),
        NotificationKind::Disconnections => {
            format!("{} disconnected", plural(n, "app was", "apps were"))
        }
        NotificationKind::Payouts => {
            let paid = heard
                .iter()
                .filter(|h| h.event_type == "payout.paid")
                .count();
            let failed = n - paid;
            let mut parts = Vec::new();
            if paid > 0 {
                parts.push(format!("{} arrived", plural(paid, "payout", "payouts")));
            }
            if failed > 0 {
                parts.push(format!("{} failed", plural(failed, "payout", "payouts")));
            }
            parts.join(", ")
        }
    }
}

fn kinds_of(kind: NotificationKind) -> Vec<ActivityKind> {
    match kind {
        NotificationKind::SuccessfulPayments | NotificationKind::FailedPayments => {
            vec![ActivityKind::Payments]
        }
        NotificationKind::Disputes => vec![ActivityKind::Disputes],
        NotificationKind::Payouts => vec![ActivityKind::Payouts],
        NotificationKind::Disconnections => vec![ActivityKind::Account],
    }
}

/// The notifications for what one account just heard (one round).
pub(crate) fn decide(who: &Listener, heard: &[Heard]) -> Vec<DesktopNotification> {
    let mut by_kind: BTreeMap<NotificationKind, Vec<&Heard>> = BTreeMap::new();
    for h in heard {
        let Some(kind) = catalog::lookup(&h.event_type).and_then(|t| t.notify) else {
            continue;
        };
        if who.choices.wants(kind, h.created) {
            by_kind.entry(kind).or_default().push(h);
        }
    }
    by_kind
        .into_iter()
        .map(|(kind, mut items)| {
            items.sort_by_key(|h| h.created);
            let (body, event_id) = match items.as_slice() {
                [one] => (one.sentence.clone(), Some(one.event_id.clone())),
                many => (burst(kind, many), None),
            };
            DesktopNotification {
                title: who.title(),
                body,
                kind,
                events: items.len() as u64,
                open: NotificationTarget {
                    connection_id: who.connection_id.to_string(),
                    event_id,
                    kinds: kinds_of(kind),
                },
            }
        })
        .collect()
}

/// Stripe disconnected the account (a revoked key, an ended connection),
/// noticed at `at`.
pub(crate) fn disconnected(who: &Listener, at: i64) -> Option<DesktopNotification> {
    who.choices
        .wants(NotificationKind::Disconnections, at)
        .then(|| DesktopNotification {
            title: who.title(),
            body: "Stripe disconnected this account. Its activity so far is kept; reconnect it to follow it again.".into(),
            kind: NotificationKind::Disconnections,
            events: 0,
            open: NotificationTarget {
                connection_id: who.connection_id.to_string(),
                event_id: None,
                kinds: Vec::new(),
            },
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heard(n: usize, event_type: &str, created: i64) -> Vec<Heard> {
        (0..n)
            .map(|i| Heard {
                event_id: format!("evt_{event_type}_{i}"),
                event_type: event_type.into(),
                created: created + i as i64,
                sentence: format!("{event_type} number {i}"),
            })
            .collect()
    }

    fn listener<'a>(choices: &'a AccountChoices, mode: Mode) -> Listener<'a> {
        Listener {
            connection_id: "conn_1",
            account_name: "Corner Shop",
            mode,
            choices,
        }
    }

    #[test]
    fn live_defaults_notify_failures_disputes_and_disconnections_only() {
        let choices = AccountChoices::defaults(Mode::Live, 1000);
        let who = listener(&choices, Mode::Live);
        let mut all = heard(1, "charge.failed", 2000);
        all.extend(heard(1, "charge.dispute.created", 2000));
        all.extend(heard(3, "charge.succeeded", 2000));
        all.extend(heard(1, "payout.paid", 2000));
        all.extend(heard(1, "customer.created", 2000));
        let got = decide(&who, &all);
        let kinds: Vec<NotificationKind> = got.iter().map(|n| n.kind).collect();
        assert_eq!(
            kinds,
            [NotificationKind::FailedPayments, NotificationKind::Disputes]
        );
        assert_eq!(got[0].title, "Corner Shop");
        assert_eq!(
            got[0].body, "charge.failed number 0",
            "one event: its sentence"
        );
        assert_eq!(got[0].open.event_id.as_deref(), Some("evt_charge.failed_0"));
        assert_eq!(got[0].events, 1);
        assert!(disconnected(&who, 3000).is_some());
    }

    #[test]
    fn test_mode_notifies_nothing_until_chosen() {
        let mut choices = AccountChoices::defaults(Mode::Test, 1000);
        let mut all = heard(2, "charge.failed", 2000);
        all.extend(heard(1, "charge.dispute.created", 2000));
        assert!(decide(&listener(&choices, Mode::Test), &all).is_empty());
        assert!(disconnected(&listener(&choices, Mode::Test), 3000).is_none());
        let mut c = choices.choices;
        c.failed_payments = true;
        choices.choose(c, 1500);
        let got = decide(&listener(&choices, Mode::Test), &all);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].title, "Corner Shop (test)");
        assert_eq!(got[0].body, "2 payments failed");
    }

    #[test]
    fn a_burst_is_one_notification_and_nothing_older_than_switch_on_counts() {
        let mut choices = AccountChoices::defaults(Mode::Live, 0);
        let mut c = choices.choices;
        c.successful_payments = true;
        c.payouts = true;
        choices.choose(c, 5000);
        let who = listener(&choices, Mode::Live);
        let mut all = heard(12, "charge.succeeded", 5000);
        // Heard in the same round, but from before the kind was switched on.
        all.extend(heard(4, "charge.succeeded", 4000));
        all.extend(heard(2, "payout.paid", 6000));
        all.extend(heard(1, "payout.failed", 6000));
        let got = decide(&who, &all);
        assert_eq!(got.len(), 2);
        let payments = got
            .iter()
            .find(|n| n.kind == NotificationKind::SuccessfulPayments)
            .unwrap();
        assert_eq!(payments.body, "12 payments succeeded");
        assert_eq!(payments.events, 12);
        assert_eq!(payments.open.event_id, None, "a group opens the feed");
        assert_eq!(payments.open.kinds, [ActivityKind::Payments]);
        let payouts = got
            .iter()
            .find(|n| n.kind == NotificationKind::Payouts)
            .unwrap();
        assert_eq!(payouts.body, "2 payouts arrived, 1 payout failed");
        let many = heard(1234, "charge.succeeded", 9000);
        assert_eq!(decide(&who, &many)[0].body, "1,234 payments succeeded");
    }
}
