//! Pickers: finding the ID a field needs (a customer by name or email, a
//! product's recurring price) from the field's [`Lookup`] description, so
//! the window draws every picker with its one renderer.

use super::{form::search_query, places, FixedList, Lookup};
use crate::error::Error;
use crate::money;
use crate::stripe::{Auth, Params, Request, StripeClient};
use futures_util::{StreamExt, TryStreamExt};
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

/// How many choices a picker shows at once.
const CHOICES: usize = 10;

/// One thing the user can pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LookupChoice {
    /// What goes into the field (`cus_...`, `prod_...`, `price_...`).
    pub id: String,
    /// "Zoë Café", "12.00 EUR every month".
    pub label: String,
    /// A second line: the email, the ID.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LookupAnswer {
    pub choices: Vec<LookupChoice>,
    /// Said above the choices: why search was not used, what to type.
    pub note: Option<String>,
}

/// Plain words for when Stripe refuses search on this account.
pub const SEARCH_UNAVAILABLE: &str =
    "Stripe's search is not available for this account (it is not offered in every country)";

/// Finds choices for a field. `Search`: `query` is a name or an email;
/// `ParentThenChild`: without `parent` the parents (active products), with
/// it that parent's children (its active recurring prices).
pub async fn find(
    client: &StripeClient,
    auth: &Auth,
    lookup: &Lookup,
    query: &str,
    parent: Option<&str>,
) -> Result<LookupAnswer, Error> {
    match lookup {
        Lookup::Search {
            search_path,
            matches,
            list_path,
            fallback_filter,
        } => {
            let query = query.trim();
            let email = query.contains('@') && !query.contains(':');
            if query.chars().count() < 3 {
                return Ok(LookupAnswer {
                    choices: Vec::new(),
                    note: Some(SEARCH_HOW.into()),
                });
            }
            // Stripe's search paging (`next_page`), stopped after one screenful.
            let found: Result<Vec<Value>, Error> = client
                .search::<Value>(
                    auth,
                    search_path,
                    Params::new()
                        .text("query", search_query(query, matches))
                        .text("limit", CHOICES.to_string()),
                )
                .take(CHOICES)
                .try_collect()
                .await;
            match found {
                Ok(objects) => Ok(LookupAnswer {
                    note: objects.is_empty().then(|| {
                        format!("No customer's name, email or phone contains \"{query}\".")
                    }),
                    choices: objects.iter().filter_map(customer_choice).collect(),
                }),
                Err(e) if e.is_search_unavailable() && email => {
                    let page = client
                        .send(
                            auth,
                            &Request::get(list_path.as_str()).params(
                                Params::new()
                                    .text(fallback_filter, query)
                                    .text("limit", CHOICES.to_string()),
                            ),
                        )
                        .await?;
                    Ok(LookupAnswer {
                        choices: data(&page).filter_map(customer_choice).collect(),
                        note: Some(format!(
                            "{SEARCH_UNAVAILABLE}, so these are the customers whose email is exactly {query}."
                        )),
                    })
                }
                Err(e) if e.is_search_unavailable() => Ok(LookupAnswer {
                    choices: Vec::new(),
                    note: Some(format!(
                        "{SEARCH_UNAVAILABLE}: type the customer's whole email to find them by it."
                    )),
                }),
                Err(e) => Err(e),
            }
        }
        Lookup::ParentThenChild {
            parent_path,
            child_path,
            child_filter,
            child_params,
            ..
        } => {
            let request = match parent.filter(|p| !p.is_empty()) {
                None => Request::get(parent_path.as_str())
                    .params(Params::new().text("active", "true").text("limit", "100")),
                Some(parent) => {
                    let mut params = Params::new().text(child_filter, parent);
                    for p in child_params {
                        params = params.text(&p.key, p.value.clone());
                    }
                    Request::get(child_path.as_str()).params(params.text("limit", "100"))
                }
            };
            let page = client.send(auth, &request).await?;
            let choices: Vec<LookupChoice> = data(&page).filter_map(choice).collect();
            let note = choices.is_empty().then(|| {
                match parent {
                    None => "No active products yet",
                    Some(_) => "This product has no active recurring price.",
                }
                .to_owned()
            });
            Ok(LookupAnswer { choices, note })
        }
        Lookup::Fixed { list } => Ok(fixed(*list, query)),
        Lookup::SavedCard { .. } => {
            let Some(customer) = parent.filter(|p| !p.is_empty()) else {
                return Ok(LookupAnswer {
                    choices: Vec::new(),
                    note: Some("Choose the customer first.".into()),
                });
            };
            let params = Params::new().param(
                "expand",
                crate::stripe::Param::Flat(vec!["invoice_settings.default_payment_method".into()]),
            );
            let found = client
                .send(
                    auth,
                    &Request::get(format!("/v1/customers/{customer}")).params(params),
                )
                .await?;
            let pm = &found["invoice_settings"]["default_payment_method"];
            let card = pm.get("card");
            let choice = card.and_then(|card| {
                let brand = text(card, "display_brand").or(text(card, "brand"))?;
                let last4 = text(card, "last4")?;
                let brand = brand_words(brand);
                let expires = match (card["exp_month"].as_i64(), card["exp_year"].as_i64()) {
                    (Some(m), Some(y)) => format!("expires {m:02}/{y}"),
                    _ => String::new(),
                };
                Some(LookupChoice {
                    id: "saved_card".into(),
                    label: format!("{brand} ending {last4}"),
                    detail: expires,
                })
            });
            Ok(LookupAnswer {
                note: choice
                    .is_none()
                    .then(|| "No card is saved on this customer.".into()),
                choices: choice.into_iter().collect(),
            })
        }
    }
}

/// What the search box takes, said plainly.
pub const SEARCH_HOW: &str =
    "Type at least 3 characters of the customer's name, email or phone number.";

/// A list kept in the app, narrowed to what was typed (no connection needed).
pub fn fixed(list: FixedList, query: &str) -> LookupAnswer {
    let found = places::matching(list.options(), query);
    LookupAnswer {
        note: found.is_empty().then(|| match list {
            FixedList::Countries => format!("No country's name starts with \"{}\".", query.trim()),
            FixedList::Languages => format!("Stripe does not write in \"{}\".", query.trim()),
        }),
        choices: found
            .into_iter()
            .map(|o| LookupChoice {
                id: o.value.clone(),
                label: o.label.clone(),
                detail: o.value.clone(),
            })
            .collect(),
    }
}

/// `visa` -> "Visa", `american_express`/`amex` -> "American Express".
fn brand_words(brand: &str) -> String {
    match brand {
        "amex" | "american_express" => "American Express".into(),
        "mastercard" => "Mastercard".into(),
        "diners" => "Diners Club".into(),
        "unionpay" => "UnionPay".into(),
        "jcb" => "JCB".into(),
        other => {
            let words = other.replace('_', " ");
            let mut chars = words.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => words,
            }
        }
    }
}

fn data(page: &Value) -> impl Iterator<Item = &Value> {
    page.get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn text<'a>(o: &'a Value, key: &str) -> Option<&'a str> {
    o.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn customer_choice(o: &Value) -> Option<LookupChoice> {
    let id = text(o, "id")?;
    let email = text(o, "email");
    Some(LookupChoice {
        id: id.into(),
        label: text(o, "name").or(email).unwrap_or(id).into(),
        detail: match email {
            Some(e) => format!("{e} · {id}"),
            None => id.into(),
        },
    })
}

/// A product by its name; a price by what it costs and how often.
fn choice(o: &Value) -> Option<LookupChoice> {
    let id = text(o, "id")?;
    let label = match text(o, "object") {
        Some("price") => {
            let amount = match (
                o.get("unit_amount").and_then(Value::as_i64),
                text(o, "currency"),
            ) {
                (Some(a), Some(c)) => money::format(a, c),
                _ => "Custom amount".into(),
            };
            let every = o.get("recurring").and_then(|r| {
                let interval = text(r, "interval")?;
                let n = r.get("interval_count").and_then(Value::as_i64).unwrap_or(1);
                Some(if n == 1 {
                    format!(" every {interval}")
                } else {
                    format!(" every {n} {interval}s")
                })
            });
            let nickname = text(o, "nickname")
                .map(|n| format!("{n}: "))
                .unwrap_or_default();
            format!("{nickname}{amount}{}", every.unwrap_or_default())
        }
        _ => text(o, "name").unwrap_or(id).into(),
    };
    Some(LookupChoice {
        id: id.into(),
        label,
        detail: id.into(),
    })
}
