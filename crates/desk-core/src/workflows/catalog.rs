//! What workflows need to know about actions, and nothing more. The actions'
//! own descriptions implement [`StepCatalog`] (in `bound.rs`); workflows
//! never describe an action themselves.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;

/// The kind of a value, as far as references care: enough to refuse an
/// amount where a customer ID belongs. The actions' richer field kinds
/// (phone, address, choice...) map onto these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Kind {
    /// Free text: takes any single value written as text.
    Text,
    Email,
    /// Integer minor units of a currency (`1250` for 12.50 USD).
    Amount,
    /// Three-letter currency code.
    Currency,
    /// A Stripe ID with this prefix: `cus_`, `prod_`, `price_`...
    Id {
        prefix: String,
    },
    Integer,
    YesNo,
    /// One of a field's choices (a subscription status): text whose value
    /// the action's checker compares with `options` at run time.
    Choice {
        options: Vec<String>,
    },
    /// Unix seconds.
    Timestamp,
    /// Fields inside a field, each described on its own (`items.price`,
    /// `address.country`): subscription items, an address.
    Group,
    /// Anything: a field or result the description does not type
    /// (metadata, the any-endpoint request). Never refused.
    Any,
}

impl Kind {
    pub fn id(prefix: &str) -> Kind {
        Kind::Id {
            prefix: prefix.to_owned(),
        }
    }

    /// In plain words, for error messages: "a customer ID".
    pub fn describe(&self) -> String {
        match self {
            Kind::Text => "text".into(),
            Kind::Email => "an email address".into(),
            Kind::Amount => "an amount".into(),
            Kind::Currency => "a currency".into(),
            Kind::Id { prefix } => match id_noun(prefix) {
                Some(noun) => format!("{noun} ID"),
                None => format!("an ID starting with {prefix}"),
            },
            Kind::Integer => "a whole number".into(),
            Kind::YesNo => "a yes/no value".into(),
            Kind::Choice { options } => {
                let named: Vec<&str> = options
                    .iter()
                    .map(String::as_str)
                    .filter(|o| !o.is_empty())
                    .collect();
                format!("one of its choices ({})", named.join(", "))
            }
            Kind::Timestamp => "a date".into(),
            Kind::Group => "a group of fields".into(),
            Kind::Any => "a value".into(),
        }
    }

    /// Whether a value of kind `self` may fill a field of kind `field`.
    /// Unknown kinds (`Any`) are left to the action's checker at run time.
    pub fn fits(&self, field: &Kind) -> bool {
        match (self, field) {
            (Kind::Any, _) | (_, Kind::Any) => true,
            // Any single value can be written as text.
            (_, Kind::Text) => true,
            (Kind::Id { prefix: a }, Kind::Id { prefix: b }) => a == b,
            // Text may name a choice; the value is checked when the run has it.
            (Kind::Text | Kind::Choice { .. }, Kind::Choice { .. }) => true,
            (a, b) => a == b,
        }
    }
}

fn id_noun(prefix: &str) -> Option<&'static str> {
    Some(match prefix {
        "cus_" => "a customer",
        "prod_" => "a product",
        "price_" => "a price",
        "plan_" => "a plan",
        "sub_" => "a subscription",
        "txn_" => "a balance transaction",
        "po_" => "a payout",
        "acct_" => "an account",
        _ => return None,
    })
}

/// The shape of an action's result, for checking references and for the
/// `{{` menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "shape")]
pub enum Shape {
    Value {
        kind: Kind,
    },
    Object {
        fields: Vec<(String, Shape)>,
    },
    /// A list whose items all have this shape (`data` of a list result).
    List {
        item: Box<Shape>,
    },
    /// Unknown below this point: any path is allowed (metadata, any-endpoint).
    Open,
}

impl Shape {
    pub fn value(kind: Kind) -> Shape {
        Shape::Value { kind }
    }
    pub fn object(fields: Vec<(&str, Shape)>) -> Shape {
        Shape::Object {
            fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        }
    }
    pub fn list(item: Shape) -> Shape {
        Shape::List {
            item: Box::new(item),
        }
    }

    /// The kind at `path`, or why no value can be there.
    pub fn kind_at(&self, path: &[String]) -> Result<Kind, String> {
        let mut shape = self;
        for (i, seg) in path.iter().enumerate() {
            let here = if i == 0 {
                "the result".to_owned()
            } else {
                path[..i].join(".")
            };
            shape = match shape {
                Shape::Open => return Ok(Kind::Any),
                Shape::Object { fields } => match fields.iter().find(|(k, _)| k == seg) {
                    Some((_, s)) => s,
                    None => {
                        let known: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
                        return Err(format!(
                            "{here} has no field {seg} (it has {})",
                            known.join(", ")
                        ));
                    }
                },
                Shape::List { item } => {
                    if seg.parse::<usize>().is_err() {
                        return Err(format!(
                            "{here} is a list: pick an item by number, like {}.0",
                            path[..i].join(".")
                        ));
                    }
                    item
                }
                Shape::Value { kind } => {
                    return Err(format!(
                        "{here} is {} and has no field {seg}",
                        kind.describe()
                    ))
                }
            };
        }
        match shape {
            Shape::Value { kind } => Ok(kind.clone()),
            Shape::Open => Ok(Kind::Any),
            // A whole object or list can still fill a field that takes one.
            Shape::Object { .. } | Shape::List { .. } => Ok(Kind::Any),
        }
    }
}

/// What the actions' descriptions tell workflows. `field` is a field id; a
/// field inside a list or object (a subscription item's price) is named by
/// its path with dots and without indexes: `items.price`.
pub trait StepCatalog: Send + Sync {
    /// `None`: there is no such action.
    fn output_shape(&self, action_id: &str) -> Option<Shape>;
    /// `None`: the action has no such field.
    fn field_kind(&self, action_id: &str, field: &str) -> Option<Kind>;
    /// Whether the action creates or changes something in Stripe (it then
    /// gets an idempotency key).
    fn writes(&self, action_id: &str) -> bool;
    /// Whether a write step with these fields (resolved, or still holding
    /// references) creates something its run can tag with metadata and
    /// find again after Stripe forgot the idempotency key ([`super::tags`]).
    fn tags(&self, action_id: &str, _fields: &Map<String, Value>) -> bool {
        self.writes(action_id)
    }
    /// The action as a person names it ("Create Customer").
    fn action_name(&self, _action_id: &str) -> Option<String> {
        None
    }
    /// A result field as a person names it ("ID", "Email").
    fn output_label(&self, _action_id: &str, _path: &str) -> Option<String> {
        None
    }
}

#[cfg(test)]
pub(crate) mod test_catalog {
    //! A small catalog for tests only: the real one is the actions' descriptions.
    use super::*;

    pub struct TestCatalog;

    fn customer() -> Shape {
        Shape::object(vec![
            ("id", Shape::value(Kind::id("cus_"))),
            ("email", Shape::value(Kind::Email)),
            ("name", Shape::value(Kind::Text)),
            ("balance", Shape::value(Kind::Amount)),
            ("metadata", Shape::Open),
        ])
    }

    fn subscription() -> Shape {
        Shape::object(vec![
            ("id", Shape::value(Kind::id("sub_"))),
            ("customer", Shape::value(Kind::id("cus_"))),
            ("status", Shape::value(Kind::Text)),
        ])
    }

    fn list_of(item: Shape) -> Shape {
        Shape::object(vec![
            ("data", Shape::list(item)),
            ("has_more", Shape::value(Kind::YesNo)),
        ])
    }

    impl StepCatalog for TestCatalog {
        fn output_shape(&self, action_id: &str) -> Option<Shape> {
            Some(match action_id {
                "create_customer" => customer(),
                "list_customers" => list_of(customer()),
                "create_subscription" => subscription(),
                "list_subscriptions" => list_of(subscription()),
                "create_product" => Shape::object(vec![
                    ("id", Shape::value(Kind::id("prod_"))),
                    ("name", Shape::value(Kind::Text)),
                    ("active", Shape::value(Kind::YesNo)),
                ]),
                "any_endpoint" => Shape::Open,
                _ => return None,
            })
        }

        fn field_kind(&self, action_id: &str, field: &str) -> Option<Kind> {
            Some(match (action_id, field) {
                ("create_customer", "name" | "description") => Kind::Text,
                ("create_customer", "email") | ("list_customers", "email") => Kind::Email,
                ("create_customer", "metadata") => Kind::Any,
                ("list_customers" | "list_subscriptions", "limit") => Kind::Integer,
                ("list_subscriptions", "status") => Kind::Choice {
                    options: vec!["".into(), "active".into(), "canceled".into()],
                },
                ("create_product", "active") => Kind::YesNo,
                ("create_subscription" | "list_subscriptions", "customer") => Kind::id("cus_"),
                ("create_subscription", "items") => Kind::Group,
                ("create_subscription", "items.price") => Kind::id("price_"),
                ("create_subscription", "items.quantity") => Kind::Integer,
                ("create_product", "name") => Kind::Text,
                ("any_endpoint", "method" | "path") => Kind::Text,
                ("any_endpoint", "params") => Kind::Any,
                ("any_endpoint", _) if field.starts_with("params.") => Kind::Any,
                _ => return None,
            })
        }

        fn writes(&self, action_id: &str) -> bool {
            action_id.starts_with("create_") || action_id == "any_endpoint"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> Vec<String> {
        p.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn kinds_fit_or_say_why_not() {
        assert!(Kind::id("cus_").fits(&Kind::id("cus_")));
        assert!(!Kind::Amount.fits(&Kind::id("cus_")));
        assert!(!Kind::id("prod_").fits(&Kind::id("cus_")));
        assert!(Kind::Amount.fits(&Kind::Text));
        assert!(Kind::Any.fits(&Kind::id("cus_")));
        assert!(!Kind::Text.fits(&Kind::Email));
        let status = Kind::Choice {
            options: vec!["".into(), "active".into(), "canceled".into()],
        };
        assert!(Kind::Text.fits(&status));
        assert!(Kind::Any.fits(&status));
        assert!(!Kind::Amount.fits(&status));
        assert!(!Kind::YesNo.fits(&status));
        assert_eq!(status.describe(), "one of its choices (active, canceled)");
        assert!(Kind::YesNo.fits(&Kind::YesNo));
        assert!(!Kind::Text.fits(&Kind::YesNo));
        assert_eq!(Kind::id("cus_").describe(), "a customer ID");
    }

    #[test]
    fn shapes_answer_paths() {
        let s = test_catalog::TestCatalog
            .output_shape("list_customers")
            .unwrap();
        assert_eq!(s.kind_at(&path("data.0.id")), Ok(Kind::id("cus_")));
        assert_eq!(s.kind_at(&path("data.3.metadata.anything")), Ok(Kind::Any));
        assert_eq!(s.kind_at(&path("data")), Ok(Kind::Any));
        let e = s.kind_at(&path("data.id")).unwrap_err();
        assert!(e.contains("is a list"), "{e}");
        let e = s.kind_at(&path("data.0.emial")).unwrap_err();
        assert!(e.contains("data.0 has no field emial"), "{e}");
        let e = s.kind_at(&path("has_more.x")).unwrap_err();
        assert!(e.contains("has_more is a yes/no value"), "{e}");
    }
}
