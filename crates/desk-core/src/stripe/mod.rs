//! The Stripe client: requests, retries, rate limiting, form encoding and paging.

pub mod client;
pub mod form;
pub mod paging;
pub mod rate_limit;
pub mod retry;

pub use client::{
    new_idempotency_key, random_token, Auth, ClientConfig, Host, Method, Request, StripeClient,
};
pub use form::{Param, Params};
pub use paging::{ListPage, PAGE_SIZE};
