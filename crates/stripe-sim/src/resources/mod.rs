//! Resource handlers, one file per Stripe resource family.

pub mod balance;
