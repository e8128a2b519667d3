//! "Create a key for Stripe Desk": what a person wants to do, the
//! permissions of a restricted key that takes, named as the Dashboard's key
//! editor names them (resource and level), and what a pasted key still lacks.
//!
//! The permissions are not written out here: each goal names the catalog
//! actions it uses (their `permission`, and what their pickers read) and
//! what its screens read; the list follows from that.
//!
//! Stripe documents no address that opens "Create restricted key" with
//! permissions filled in, so the guide lists them and opens the API keys page.

use super::connection_test::{self, probe_read, probe_write, Probe};
use super::keys::{ApiKey, KeyKind};
use crate::actions::{self, Action, Lookup};
use crate::stripe::StripeClient;
use crate::views::ConnectionTest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// What a person may want to do with Stripe Desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum KeyGoal {
    LookUp,
    CustomersAndProducts,
    Subscriptions,
    BalancesAndReports,
    Activity,
    ConnectedAccounts,
}

/// One resource of the Dashboard's key editor.
struct Resource {
    /// Of its permission names: `customer` in `rak_customer_write`.
    stem: &'static str,
    /// As the Dashboard lists it.
    dashboard: &'static str,
    /// The list a probe reads or writes; `None` where no request tells
    /// without a connected account to try.
    list_path: Option<&'static str>,
}

const RESOURCES: &[Resource] = &[
    Resource {
        stem: "customer",
        dashboard: "Customers",
        list_path: Some("/v1/customers"),
    },
    Resource {
        stem: "product",
        dashboard: "Products",
        list_path: Some("/v1/products"),
    },
    Resource {
        stem: "price",
        dashboard: "Prices",
        list_path: Some("/v1/prices"),
    },
    Resource {
        stem: "plan",
        dashboard: "Plans",
        list_path: Some("/v1/plans"),
    },
    Resource {
        stem: "subscription",
        dashboard: "Subscriptions",
        list_path: Some("/v1/subscriptions"),
    },
    Resource {
        stem: "invoice",
        dashboard: "Invoices",
        list_path: Some("/v1/invoices"),
    },
    Resource {
        stem: "payment_method",
        dashboard: "PaymentMethods",
        list_path: Some("/v1/payment_methods"),
    },
    Resource {
        stem: "balance",
        dashboard: "Balance",
        list_path: Some("/v1/balance"),
    },
    Resource {
        stem: "balance_transaction_source",
        dashboard: "Balance transaction sources",
        list_path: Some("/v1/balance_transactions"),
    },
    Resource {
        stem: "event",
        dashboard: "Events",
        list_path: Some("/v1/events"),
    },
    Resource {
        stem: "payout",
        dashboard: "Payouts",
        list_path: Some("/v1/payouts"),
    },
    // `rak_connected_account_read` is "All Connect resources" in the key
    // editor's resource types (Paragon's Stripe guide says so).
    Resource {
        stem: "connected_account",
        dashboard: "All Connect resources",
        list_path: None,
    },
];

/// The resource's name in the Dashboard's key editor (`customer` -> "Customers").
pub(crate) fn dashboard_name(stem: &str) -> Option<&'static str> {
    RESOURCES
        .iter()
        .find(|r| r.stem == stem)
        .map(|r| r.dashboard)
}

/// What a goal uses.
struct GoalSpec {
    goal: KeyGoal,
    label: &'static str,
    help: &'static str,
    /// Catalog actions: their permission, and what their pickers read.
    actions: Actions,
    /// What screens read outside the actions: (permission, what it lets the person do).
    reads: &'static [(&'static str, &'static str)],
}

enum Actions {
    /// Every action that only reads.
    EveryLookUp,
    Named(&'static [&'static str]),
}

const GOALS: &[GoalSpec] = &[
    GoalSpec {
        goal: KeyGoal::LookUp,
        label: "Look things up only",
        help: "Find customers, products, subscriptions, plans and balance transactions. Nothing is changed.",
        actions: Actions::EveryLookUp,
        reads: &[],
    },
    GoalSpec {
        goal: KeyGoal::CustomersAndProducts,
        label: "Create customers and products",
        help: "Add and update customers, and add products with their prices.",
        actions: Actions::Named(&["create_customer", "update_customer", "create_product"]),
        reads: &[],
    },
    GoalSpec {
        goal: KeyGoal::Subscriptions,
        label: "Subscriptions",
        help: "Start subscriptions for your customers and see them.",
        actions: Actions::Named(&["create_subscription", "list_subscriptions"]),
        reads: &[],
    },
    GoalSpec {
        goal: KeyGoal::BalancesAndReports,
        label: "Balances and reports",
        help: "See your balance, keep a copy of your balance transactions and payouts, and export them.",
        actions: Actions::Named(&["list_balance_transactions"]),
        reads: &[
            ("rak_balance_read", "see your balance"),
            ("rak_balance_transaction_source_read", "keep a copy of them on this computer"),
            ("rak_payout_read", "see your payouts"),
        ],
    },
    GoalSpec {
        goal: KeyGoal::Activity,
        label: "Activity and notifications",
        help: "Follow what happens in your account and be told about it.",
        actions: Actions::Named(&[]),
        reads: &[("rak_event_read", "follow your account's activity")],
    },
    GoalSpec {
        goal: KeyGoal::ConnectedAccounts,
        label: "Workflows on connected accounts",
        help: "For Stripe Connect platforms: work in the accounts connected to yours. Choose what the workflows do above as well.",
        actions: Actions::Named(&[]),
        reads: &[("rak_connected_account_read", "work in connected accounts")],
    },
];

/// A goal as the guide offers it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyGoalOption {
    pub goal: KeyGoal,
    pub label: String,
    pub help: String,
}

pub fn goal_options() -> Vec<KeyGoalOption> {
    GOALS
        .iter()
        .map(|g| KeyGoalOption {
            goal: g.goal,
            label: g.label.into(),
            help: g.help.into(),
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum AccessLevel {
    Read,
    Write,
}

impl AccessLevel {
    fn word(self) -> &'static str {
        match self {
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
        }
    }
}

/// One line of the guide: set `resource` to `level`, for `uses`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PermissionToSet {
    /// As the Dashboard names it ("Customers").
    pub resource: String,
    pub level: AccessLevel,
    /// "Read" or "Write", as the Dashboard's choice says.
    pub level_word: String,
    /// What it lets Stripe Desk do ("create customers, update customers and see customers").
    pub uses: String,
    #[serde(skip)]
    #[ts(skip)]
    stem: &'static str,
    #[serde(skip)]
    #[ts(skip)]
    use_list: Vec<String>,
}

/// The permissions the chosen goals take, one per resource at the highest
/// level any of them needs (Write includes Read), writes first.
pub fn permissions_for(goals: &[KeyGoal]) -> Vec<PermissionToSet> {
    // stem -> (level, uses in order without repeats, what pickers read)
    type Uses = (AccessLevel, Vec<String>, Vec<String>);
    let mut needs: BTreeMap<&'static str, Uses> = BTreeMap::new();
    let mut need = |permission: &str, use_words: String, picker: bool| {
        let Some((stem, level)) = parse(permission) else {
            return;
        };
        let entry = needs.entry(stem).or_insert((level, Vec::new(), Vec::new()));
        entry.0 = entry.0.max(level);
        let list = if picker { &mut entry.2 } else { &mut entry.1 };
        if !list.contains(&use_words) {
            list.push(use_words);
        }
    };
    for spec in GOALS.iter().filter(|g| goals.contains(&g.goal)) {
        for action in goal_actions(spec) {
            if let Some(p) = &action.permission {
                need(&p.name, actions::desk::what_it_does(action), false);
            }
            for stem in picker_reads(action) {
                let noun = dashboard_name(stem).unwrap_or(stem).to_lowercase();
                need(
                    &format!("rak_{stem}_read"),
                    format!("choose {noun} in forms"),
                    true,
                );
            }
        }
        for (permission, use_words) in spec.reads {
            need(permission, (*use_words).to_owned(), false);
        }
    }
    // What a picker reads is said only where nothing else needs the resource.
    let needs = needs.into_iter().map(|(stem, (level, uses, picks))| {
        (stem, (level, if uses.is_empty() { picks } else { uses }))
    });
    let mut list: Vec<PermissionToSet> = needs
        .into_iter()
        .map(|(stem, (level, uses))| PermissionToSet {
            resource: dashboard_name(stem).unwrap_or(stem).to_owned(),
            level,
            level_word: level.word().to_owned(),
            uses: join_words(&uses),
            stem,
            use_list: uses,
        })
        .collect();
    // Writes first, then in the order resources appear in RESOURCES.
    let order = |p: &PermissionToSet| RESOURCES.iter().position(|r| r.stem == p.stem);
    list.sort_by_key(|p| (std::cmp::Reverse(p.level), order(p)));
    list
}

fn goal_actions(spec: &GoalSpec) -> Vec<&'static Action> {
    match spec.actions {
        Actions::EveryLookUp => actions::all()
            .iter()
            .filter(|a| !a.writes && a.permission.is_some())
            .collect(),
        Actions::Named(ids) => ids
            .iter()
            .map(|id| actions::find(id).unwrap_or_else(|| panic!("no action {id} in the catalog")))
            .collect(),
    }
}

/// The resources an action's pickers read, by the paths they list.
fn picker_reads(action: &Action) -> Vec<&'static str> {
    let mut paths: Vec<&str> = Vec::new();
    for field in &action.fields {
        match &field.lookup {
            Some(Lookup::Search {
                search_path,
                list_path,
                ..
            }) => paths.extend([search_path.as_str(), list_path.as_str()]),
            Some(Lookup::ParentThenChild {
                parent_path,
                child_path,
                ..
            }) => paths.extend([parent_path.as_str(), child_path.as_str()]),
            // The card saved on the customer: read from the customer.
            Some(Lookup::SavedCard { .. }) => paths.push("/v1/customers"),
            Some(Lookup::Fixed { .. }) | None => {}
        }
    }
    let mut stems: Vec<&'static str> = Vec::new();
    for path in paths {
        let resource = RESOURCES.iter().find(|r| {
            r.list_path
                .is_some_and(|list| path == list || path.starts_with(&format!("{list}/")))
        });
        if let Some(r) = resource {
            if !stems.contains(&r.stem) {
                stems.push(r.stem);
            }
        }
    }
    stems
}

/// `rak_customer_write` -> (`customer`, Write).
fn parse(permission: &str) -> Option<(&'static str, AccessLevel)> {
    let bare = permission.strip_prefix("rak_")?;
    let (stem, level) = bare.rsplit_once('_')?;
    let level = match level {
        "read" => AccessLevel::Read,
        "write" => AccessLevel::Write,
        _ => return None,
    };
    let resource = RESOURCES.iter().find(|r| r.stem == stem)?;
    Some((resource.stem, level))
}

/// "a, b and c".
fn join_words(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// "a, b or c".
fn join_or(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// What the guide found of a pasted key.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyGuideCheck {
    /// Whether the key works at all, for which account and mode.
    pub test: ConnectionTest,
    /// One sentence per permission still to set ("This key cannot create
    /// customers: set Customers to Write.").
    pub missing: Vec<String>,
    /// What Stripe checks only later, in a sentence each.
    pub later: Vec<String>,
    /// The key works and has every permission checked.
    pub ready: bool,
}

/// Checks a pasted key for the chosen goals with the permission probe.
pub(crate) async fn check_key(
    client: &StripeClient,
    key: &ApiKey,
    goals: &[KeyGoal],
) -> KeyGuideCheck {
    let auth = key.auth();
    let test = connection_test::test_connection(client, &auth, false)
        .await
        .unwrap_or_else(|e| connection_test::unavailable(&e));
    let mut missing = Vec::new();
    let mut later = Vec::new();
    if test.available && key.kind == KeyKind::Restricted {
        let wanted = permissions_for(goals);
        let probes = wanted.iter().map(|p| {
            let auth = &auth;
            async move {
                let path = RESOURCES
                    .iter()
                    .find(|r| r.stem == p.stem)
                    .and_then(|r| r.list_path);
                match (path, p.level) {
                    (None, _) => None,
                    (Some(path), AccessLevel::Read) => Some(probe_read(client, auth, path).await),
                    (Some(path), AccessLevel::Write) => Some(probe_write(client, auth, path).await),
                }
            }
        });
        let found = futures_util::future::join_all(probes).await;
        for (p, probe) in wanted.iter().zip(found) {
            let uses: Vec<&str> = p.use_list.iter().map(String::as_str).collect();
            let set = format!("set {} to {}", p.resource, p.level_word);
            match probe {
                Some(Probe::Allowed) => {}
                Some(Probe::Missing(_)) => {
                    missing.push(format!("This key cannot {}: {set}.", join_or(&uses)))
                }
                Some(Probe::Unknown(why)) => later.push(format!(
                    "Stripe Desk could not check whether this key may {} ({why}); if not, {set}.",
                    join_or(&uses)
                )),
                None => later.push(format!(
                    "Set {} to {}: Stripe checks it only when you choose a connected account.",
                    p.resource, p.level_word
                )),
            }
        }
    }
    let ready = test.available && missing.is_empty();
    KeyGuideCheck {
        test,
        missing,
        later,
        ready,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(goals: &[KeyGoal]) -> Vec<String> {
        permissions_for(goals)
            .iter()
            .map(|p| format!("{}: {}", p.resource, p.level_word))
            .collect()
    }

    #[test]
    fn each_goal_takes_the_permissions_its_actions_and_screens_use() {
        assert_eq!(
            lines(&[KeyGoal::CustomersAndProducts]),
            ["Customers: Write", "Products: Write"]
        );
        assert_eq!(
            lines(&[KeyGoal::BalancesAndReports]),
            [
                "Balance: Read",
                "Balance transaction sources: Read",
                "Payouts: Read"
            ]
        );
        assert_eq!(lines(&[KeyGoal::Activity]), ["Events: Read"]);
        // Paragon's guide: the key editor calls it "All Connect resources".
        assert_eq!(
            lines(&[KeyGoal::ConnectedAccounts]),
            ["All Connect resources: Read"]
        );
        // Subscriptions: its own write, and what the form's pickers read.
        let subs = lines(&[KeyGoal::Subscriptions]);
        assert_eq!(subs[0], "Subscriptions: Write");
        for read in ["Customers: Read", "Products: Read", "Prices: Read"] {
            assert!(subs.contains(&read.to_owned()), "{subs:?}");
        }
        // Looking up reads what every reading action reads, and writes nothing.
        let look = lines(&[KeyGoal::LookUp]);
        assert!(look.iter().all(|l| l.ends_with(": Read")), "{look:?}");
        for action in actions::all().iter().filter(|a| !a.writes) {
            if let Some(p) = &action.permission {
                assert!(
                    look.contains(&crate::error::permission_words(&p.name)),
                    "{} needs {}: {look:?}",
                    action.id,
                    p.name
                );
            }
        }
    }

    #[test]
    fn write_includes_read_and_each_resource_is_listed_once() {
        let both = permissions_for(&[KeyGoal::LookUp, KeyGoal::CustomersAndProducts]);
        let customers: Vec<_> = both.iter().filter(|p| p.resource == "Customers").collect();
        assert_eq!(customers.len(), 1);
        assert_eq!(customers[0].level, AccessLevel::Write);
        assert_eq!(
            customers[0].uses,
            "see customers, create customers and update customers"
        );
        assert!(permissions_for(&[]).is_empty());
    }

    #[test]
    fn no_permission_name_reaches_the_words() {
        let all: Vec<KeyGoal> = GOALS.iter().map(|g| g.goal).collect();
        for p in permissions_for(&all) {
            for text in [&p.resource, &p.uses, &p.level_word] {
                assert!(!text.contains("rak_") && !text.contains('_'), "{text}");
            }
        }
        for g in goal_options() {
            assert!(!g.label.contains('_') && !g.help.contains('_'));
        }
    }
}
