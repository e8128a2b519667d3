//! Stripe's nested form encoding: `metadata[k]=v`, `items[0][price]=p`, `expand[]=x`.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// One parameter value: text, a list, or a map of named values (order kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    Text(String),
    List(Vec<Param>),
    /// Sent as `key[]=a&key[]=b`, as Stripe wants for `expand`.
    Flat(Vec<String>),
    Map(Vec<(String, Param)>),
}

/// An ordered set of top-level parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, Param)>);

impl Params {
    pub fn new() -> Self {
        Params::default()
    }

    pub fn text(mut self, key: &str, value: impl Into<String>) -> Self {
        self.0.push((key.to_owned(), Param::Text(value.into())));
        self
    }

    pub fn param(mut self, key: &str, value: Param) -> Self {
        self.0.push((key.to_owned(), value));
        self
    }

    pub fn set(&mut self, key: &str, value: Param) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key.to_owned(), value)),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Param> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// A top-level text value, if set and not empty.
    pub fn text_of(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Param::Text(t)) if !t.is_empty() => Some(t),
            _ => None,
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Param> {
        let at = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(at).1)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `application/x-www-form-urlencoded` text, also used as a query string.
    pub fn encode(&self) -> String {
        let mut pairs = Vec::new();
        for (key, value) in &self.0 {
            flatten(key.clone(), value, &mut pairs);
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn flatten(prefix: String, value: &Param, out: &mut Vec<(String, String)>) {
    match value {
        Param::Text(t) => out.push((prefix, t.clone())),
        Param::Flat(items) => {
            for item in items {
                out.push((format!("{prefix}[]"), item.clone()));
            }
        }
        Param::List(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(format!("{prefix}[{i}]"), item, out);
            }
        }
        Param::Map(entries) => {
            for (k, v) in entries {
                flatten(format!("{prefix}[{k}]"), v, out);
            }
        }
    }
}

/// Brackets stay readable: Stripe accepts them raw, and so do logs of paths.
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'[')
    .remove(b']');

fn escape(s: &str) -> String {
    utf8_percent_encode(s, FORM).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_lists_maps_and_flat_arrays() {
        let p = Params::new()
            .text("customer", "cus_123")
            .param(
                "items",
                Param::List(vec![Param::Map(vec![
                    ("price".into(), Param::Text("price_1".into())),
                    ("quantity".into(), Param::Text("2".into())),
                ])]),
            )
            .param(
                "metadata",
                Param::Map(vec![("order id".into(), Param::Text("A&B=1".into()))]),
            )
            .param(
                "expand",
                Param::Flat(vec!["latest_invoice".into(), "customer".into()]),
            );
        assert_eq!(
            p.encode(),
            "customer=cus_123&items[0][price]=price_1&items[0][quantity]=2\
             &metadata[order%20id]=A%26B%3D1&expand[]=latest_invoice&expand[]=customer"
        );
    }

    #[test]
    fn unicode_and_empty_values() {
        let p = Params::new()
            .text("name", "Zoë Café")
            .text("description", "");
        assert_eq!(p.encode(), "name=Zo%C3%AB%20Caf%C3%A9&description=");
    }

    #[test]
    fn set_replaces_in_place() {
        let mut p = Params::new().text("limit", "10").text("a", "b");
        p.set("limit", Param::Text("100".into()));
        p.set("starting_after", Param::Text("cus_1".into()));
        assert_eq!(p.encode(), "limit=100&a=b&starting_after=cus_1");
        assert_eq!(p.text_of("a"), Some("b"));
        assert_eq!(p.remove("a"), Some(Param::Text("b".into())));
        assert_eq!(p.encode(), "limit=100&starting_after=cus_1");
        p.set("ending_before", Param::Text(String::new()));
        assert_eq!(p.text_of("ending_before"), None, "empty counts as unset");
    }
}
