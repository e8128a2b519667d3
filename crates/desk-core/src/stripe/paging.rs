//! Walking Stripe's lists page by page.

use super::client::{Auth, Request, StripeClient};
use super::form::{Param, Params};
use crate::error::Error;
use futures_core::Stream;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// One page of a Stripe list.
#[derive(Debug, Deserialize)]
pub struct ListPage<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
}

pub const PAGE_SIZE: u32 = 100;

impl StripeClient {
    /// Every object of a list, page after page (`starting_after`), as a stream.
    pub fn list<'a, T: DeserializeOwned + 'a>(
        &'a self,
        auth: &'a Auth,
        path: &'a str,
        params: Params,
    ) -> impl Stream<Item = Result<T, Error>> + 'a {
        async_stream::try_stream! {
            let mut params = params;
            params.set("limit", Param::Text(PAGE_SIZE.to_string()));
            loop {
                let page: ListPage<Value> = self
                    .send_as(auth, &Request::get(path).params(params.clone()))
                    .await?;
                let last_id = page
                    .data
                    .last()
                    .and_then(|o| o.get("id"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                for object in page.data {
                    yield serde_json::from_value::<T>(object).map_err(|e| Error::Decode(e.to_string()))?;
                }
                match (page.has_more, last_id) {
                    (true, Some(id)) => params.set("starting_after", Param::Text(id)),
                    _ => break,
                }
            }
        }
    }
}
