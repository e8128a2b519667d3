//! The Stripe client: requests, retries, rate limiting, form encoding and paging.

pub mod client;
pub mod form;
pub mod idempotency;
pub mod paging;
pub mod rate_limit;
pub mod retry;

pub use client::{
    check_path, random_token, Auth, ClientConfig, Host, Method, PathProblem, Request, StripeClient,
    StripeResponse, MAX_BODY_BYTES,
};
pub use form::{Param, Params};
pub use idempotency::IdempotencyKey;
pub use paging::{next_cursor, Direction, ListPage, SearchPage, PAGE_SIZE};
