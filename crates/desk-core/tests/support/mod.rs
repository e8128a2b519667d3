pub mod exactly_once;
