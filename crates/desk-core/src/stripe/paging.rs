//! Walking Stripe's lists and searches page by page, as stripe-node's
//! `autoPagination.ts` does: lists by object cursor in either direction,
//! searches by the `next_page` token.

use super::client::{Auth, Request, StripeClient};
use super::form::{Param, Params};
use crate::error::{Code, Error};
use futures_core::Stream;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// One page of a Stripe list (`"object": "list"`).
#[derive(Debug, Deserialize)]
pub struct ListPage<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
}

/// One page of a search (`"object": "search_result"`).
#[derive(Debug, Deserialize)]
pub struct SearchPage<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
    #[serde(default)]
    pub next_page: Option<String>,
}

/// Page size when the caller gives no `limit` (Stripe's largest).
pub const PAGE_SIZE: u32 = 100;

/// Which way a list is walked. Stripe lists newest first: forward goes to
/// older objects (`starting_after`), backward to newer ones (`ending_before`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Backward,
}

impl Direction {
    /// Backward when the caller starts from `ending_before` (stripe-node
    /// `isReverseIteration`). Both cursors at once is refused, as Stripe does.
    pub fn of(params: &Params) -> Result<Direction, Error> {
        match (
            params.text_of("starting_after"),
            params.text_of("ending_before"),
        ) {
            (Some(_), Some(_)) => Err(Error::invalid(
                Code::ParametersExclusive,
                "You may only specify one of these parameters: ending_before, starting_after.",
                Some("ending_before"),
            )),
            (None, Some(_)) => Ok(Direction::Backward),
            _ => Ok(Direction::Forward),
        }
    }

    fn cursor(self) -> &'static str {
        match self {
            Direction::Forward => "starting_after",
            Direction::Backward => "ending_before",
        }
    }
}

/// The cursor for the page after `page`, or `None` at the end. Going
/// backward, the page's first object is the one nearest the end; a page that
/// says there is more but gives no `id` to continue from is an error, not the
/// end (stripe-node `getLastId`).
pub fn next_cursor(page: &ListPage<Value>, direction: Direction) -> Result<Option<String>, Error> {
    if !page.has_more {
        return Ok(None);
    }
    let edge = match direction {
        Direction::Forward => page.data.last(),
        Direction::Backward => page.data.first(),
    };
    match edge.and_then(|o| o.get("id")).and_then(Value::as_str) {
        Some(id) if !id.is_empty() => Ok(Some(id.to_owned())),
        _ => Err(Error::Decode(
            "a list page says there is more, but its last object has no id to continue from".into(),
        )),
    }
}

fn with_page_size(mut params: Params) -> Params {
    if params.get("limit").is_none() {
        params.set("limit", Param::Text(PAGE_SIZE.to_string()));
    }
    params
}

fn decode<T: DeserializeOwned>(object: Value) -> Result<T, Error> {
    serde_json::from_value(object).map_err(|e| Error::Decode(e.to_string()))
}

impl StripeClient {
    /// Every object of a list, page after page, as a stream. Forward from
    /// the newest (or from `starting_after`); with `ending_before`, backward
    /// towards the newest, each object in the order it is reached (nearest
    /// the cursor first), as stripe-node does. Only one cursor is ever sent.
    /// The caller's `limit` sets the page size (100 when not given).
    pub fn list<'a, T: DeserializeOwned + 'a>(
        &'a self,
        auth: &'a Auth,
        path: &'a str,
        params: Params,
    ) -> impl Stream<Item = Result<T, Error>> + 'a {
        async_stream::try_stream! {
            let direction = Direction::of(&params)?;
            let mut params = with_page_size(params);
            loop {
                let page: ListPage<Value> = self
                    .send_as(auth, &Request::get(path).params(params.clone()))
                    .await?;
                let next = next_cursor(&page, direction)?;
                let objects: Box<dyn Iterator<Item = Value> + Send> = match direction {
                    Direction::Forward => Box::new(page.data.into_iter()),
                    Direction::Backward => Box::new(page.data.into_iter().rev()),
                };
                for object in objects {
                    yield decode::<T>(object)?;
                }
                match next {
                    Some(id) => params.set(direction.cursor(), Param::Text(id)),
                    None => break,
                }
            }
        }
    }

    /// Every object a search finds (`/v1/customers/search` and the like),
    /// page after page: search pages by the answer's `next_page` token, sent
    /// back as `page`, never by object cursor (stripe-node: "Search relies on
    /// a `next_page` token and can only iterate in one direction").
    pub fn search<'a, T: DeserializeOwned + 'a>(
        &'a self,
        auth: &'a Auth,
        path: &'a str,
        params: Params,
    ) -> impl Stream<Item = Result<T, Error>> + 'a {
        async_stream::try_stream! {
            let mut params = with_page_size(params);
            loop {
                let page: SearchPage<Value> = self
                    .send_as(auth, &Request::get(path).params(params.clone()))
                    .await?;
                let next = match (page.has_more, page.next_page) {
                    (false, _) => None,
                    (true, Some(token)) if !token.is_empty() => Some(token),
                    (true, _) => Err(Error::Decode(
                        "a search page says there is more, but gives no next_page".into(),
                    ))?,
                };
                for object in page.data {
                    yield decode::<T>(object)?;
                }
                match next {
                    Some(token) => params.set("page", Param::Text(token)),
                    None => break,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page(data: Value, has_more: bool) -> ListPage<Value> {
        serde_json::from_value(json!({"data": data, "has_more": has_more})).unwrap()
    }

    #[test]
    fn the_next_cursor_is_the_edge_object_in_the_direction_of_travel() {
        let p = page(json!([{"id": "cus_3"}, {"id": "cus_2"}]), true);
        assert_eq!(
            next_cursor(&p, Direction::Forward).unwrap().as_deref(),
            Some("cus_2")
        );
        assert_eq!(
            next_cursor(&p, Direction::Backward).unwrap().as_deref(),
            Some("cus_3")
        );
        let last = page(json!([{"id": "cus_1"}]), false);
        assert_eq!(next_cursor(&last, Direction::Forward).unwrap(), None);
    }

    #[test]
    fn more_to_come_without_an_id_is_an_error_not_the_end() {
        let p = page(json!([{"id": "x_1"}, {"amount": 5}]), true);
        let err = next_cursor(&p, Direction::Forward).unwrap_err();
        assert_eq!(err.code(), "bad_response");
        let empty = page(json!([]), true);
        assert!(next_cursor(&empty, Direction::Backward).is_err());
    }

    #[test]
    fn both_cursors_are_refused_and_ending_before_walks_backward() {
        let both = Params::new()
            .text("starting_after", "cus_1")
            .text("ending_before", "cus_2");
        let err = Direction::of(&both).unwrap_err();
        assert_eq!(
            err.plain_message(),
            "You may only specify one of these parameters: ending_before, starting_after."
        );
        let back = Params::new().text("ending_before", "cus_2");
        assert_eq!(Direction::of(&back).unwrap(), Direction::Backward);
        assert_eq!(Direction::of(&Params::new()).unwrap(), Direction::Forward);
    }
}
