//! Resource handlers, one file per Stripe resource family.

pub mod balance;
pub mod customers;
pub mod events;
pub mod invoices;
pub mod payment_methods;
pub mod plans;
pub mod products;
pub mod subscriptions;
