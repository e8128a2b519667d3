//! One file per resource family. The balance and balance-transaction
//! handlers are still in `api.rs`.

pub mod customers;
pub mod plans;
pub mod products;
pub mod subscriptions;
