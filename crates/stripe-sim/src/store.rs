//! Per-account object stores with Stripe's list semantics: newest first,
//! cursor paging by object id, `created` range filters. Objects are kept in a
//! B-tree keyed by (created, insertion counter), so a page is a range scan.

use crate::error::ApiError;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

pub trait Item {
    fn id(&self) -> &str;
    fn created(&self) -> i64;
    fn to_json(&self) -> Value;
}

impl Item for Value {
    fn id(&self) -> &str {
        self["id"].as_str().unwrap_or_default()
    }
    fn created(&self) -> i64 {
        self["created"].as_i64().unwrap_or_default()
    }
    fn to_json(&self) -> Value {
        self.clone()
    }
}

type Key = (i64, u64);

pub struct Store<T> {
    by_id: HashMap<String, Key>,
    order: BTreeMap<Key, T>,
    seq: u64,
    /// Used in "No such customer: 'cus_x'".
    noun: &'static str,
}

/// `created` filter: `created=N` or `created[gt|gte|lt|lte]=N`.
#[derive(Default, Clone, Copy, Debug)]
pub struct Range {
    pub gt: Option<i64>,
    pub gte: Option<i64>,
    pub lt: Option<i64>,
    pub lte: Option<i64>,
}

impl Range {
    fn bounds(&self) -> (i64, i64) {
        // Inclusive lower, exclusive upper, on `created`.
        let mut lo = i64::MIN;
        let mut hi = i64::MAX;
        if let Some(v) = self.gt {
            lo = lo.max(v.saturating_add(1));
        }
        if let Some(v) = self.gte {
            lo = lo.max(v);
        }
        if let Some(v) = self.lt {
            hi = hi.min(v);
        }
        if let Some(v) = self.lte {
            hi = hi.min(v.saturating_add(1));
        }
        (lo, hi)
    }
}

pub struct ListQuery {
    pub limit: usize,
    pub starting_after: Option<String>,
    pub ending_before: Option<String>,
    pub created: Range,
}

fn int_param(name: &str, v: &Value) -> Result<i64, ApiError> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| v.as_i64())
        .ok_or_else(|| {
            ApiError::invalid(
                Some("parameter_invalid_integer"),
                name,
                format!("Invalid integer: {}", v.as_str().unwrap_or("{...}")),
            )
        })
}

/// Parses a `created`-style range parameter.
pub fn parse_range(params: &Value, name: &str) -> Result<Range, ApiError> {
    let mut r = Range::default();
    match params.get(name) {
        None => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                let n = int_param(&format!("{name}[{k}]"), v)?;
                match k.as_str() {
                    "gt" => r.gt = Some(n),
                    "gte" => r.gte = Some(n),
                    "lt" => r.lt = Some(n),
                    "lte" => r.lte = Some(n),
                    _ => {
                        return Err(ApiError::invalid(
                            Some("parameter_unknown"),
                            &format!("{name}[{k}]"),
                            format!("Received unknown parameter: {name}[{k}]"),
                        ))
                    }
                }
            }
        }
        Some(v) => {
            let n = int_param(name, v)?;
            r.gte = Some(n);
            r.lte = Some(n);
        }
    }
    Ok(r)
}

impl ListQuery {
    pub fn from_params(params: &Value) -> Result<ListQuery, ApiError> {
        let limit = match params.get("limit") {
            None => 10,
            Some(v) => {
                let n = int_param("limit", v)?;
                if !(1..=100).contains(&n) {
                    return Err(ApiError::invalid(
                        None,
                        "limit",
                        format!("Invalid limit: must be between 1 and 100 (you passed {n})"),
                    ));
                }
                n as usize
            }
        };
        let cursor = |name: &str| {
            params
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let (starting_after, ending_before) = (cursor("starting_after"), cursor("ending_before"));
        if starting_after.is_some() && ending_before.is_some() {
            // Stripe's own refusal; its lists never take both cursors.
            return Err(ApiError::new(
                400,
                "invalid_request_error",
                "You may only specify one of these parameters: ending_before, starting_after.",
            )
            .with_code(Some("parameters_exclusive"))
            .with_param("ending_before"));
        }
        Ok(ListQuery {
            limit,
            starting_after,
            ending_before,
            created: parse_range(params, "created")?,
        })
    }
}

impl<T: Item> Store<T> {
    pub fn new(noun: &'static str) -> Self {
        Store {
            by_id: HashMap::new(),
            order: BTreeMap::new(),
            seq: 0,
            noun,
        }
    }

    pub fn noun(&self) -> &'static str {
        self.noun
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    pub fn insert(&mut self, item: T) {
        if let Some(old) = self.by_id.get(item.id()).copied() {
            self.order.remove(&old);
        }
        self.seq += 1;
        let key = (item.created(), self.seq);
        self.by_id.insert(item.id().to_string(), key);
        self.order.insert(key, item);
    }

    pub fn get(&self, id: &str) -> Option<&T> {
        self.by_id.get(id).and_then(|k| self.order.get(k))
    }

    /// Mutable access; callers must not change `id` or `created`.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        let key = *self.by_id.get(id)?;
        self.order.get_mut(&key)
    }

    pub fn remove(&mut self, id: &str) -> Option<T> {
        let key = self.by_id.remove(id)?;
        self.order.remove(&key)
    }

    /// Iterates newest first.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.order.values().rev()
    }

    fn cursor_key(&self, id: &str, param: &str) -> Result<Key, ApiError> {
        self.by_id.get(id).copied().ok_or_else(|| {
            ApiError::invalid(
                Some("resource_missing"),
                param,
                format!("No such {}: '{}'", self.noun, id),
            )
        })
    }

    /// One page of matching items, newest first, and whether more exist in the
    /// direction of travel.
    pub fn page(
        &self,
        q: &ListQuery,
        filter: impl Fn(&T) -> bool,
    ) -> Result<(Vec<&T>, bool), ApiError> {
        let (created_lo, created_hi) = q.created.bounds();
        let mut lo: Key = (created_lo, 0);
        let mut hi: Key = (created_hi, 0);
        if created_hi == i64::MAX {
            hi = (i64::MAX, u64::MAX);
        }
        if let Some(id) = &q.starting_after {
            hi = hi.min(self.cursor_key(id, "starting_after")?);
        } else if let Some(id) = &q.ending_before {
            let k = self.cursor_key(id, "ending_before")?;
            lo = lo.max((k.0, k.1 + 1));
        }
        if lo >= hi {
            return Ok((Vec::new(), false));
        }
        let range = self.order.range((Bound::Included(lo), Bound::Excluded(hi)));
        let mut out = Vec::with_capacity(q.limit + 1);
        if q.starting_after.is_none() && q.ending_before.is_some() {
            // Paging backwards: the page closest to the cursor, still newest first.
            out.extend(
                range
                    .map(|(_, v)| v)
                    .filter(|v| filter(v))
                    .take(q.limit + 1),
            );
            let more = out.len() > q.limit;
            out.truncate(q.limit);
            out.reverse();
            Ok((out, more))
        } else {
            out.extend(
                range
                    .rev()
                    .map(|(_, v)| v)
                    .filter(|v| filter(v))
                    .take(q.limit + 1),
            );
            let more = out.len() > q.limit;
            out.truncate(q.limit);
            Ok((out, more))
        }
    }

    /// Renders a page as Stripe's list object.
    pub fn list_json(
        &self,
        q: &ListQuery,
        url: &str,
        filter: impl Fn(&T) -> bool,
    ) -> Result<Value, ApiError> {
        let (items, more) = self.page(q, filter)?;
        Ok(json!({
            "object": "list",
            "data": items.iter().map(|i| i.to_json()).collect::<Vec<_>>(),
            "has_more": more,
            "url": url,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(n: i64) -> Store<Value> {
        let mut s = Store::new("thing");
        for i in 0..n {
            // Pairs share a timestamp so ties are broken by insertion order.
            s.insert(json!({"id": format!("t_{i}"), "created": 1000 + i / 2}));
        }
        s
    }

    fn ids(v: &[&Value]) -> Vec<String> {
        v.iter().map(|x| x.id().to_string()).collect()
    }

    #[test]
    fn paging_forward_and_back() {
        let s = store(7);
        let mut q = ListQuery {
            limit: 3,
            starting_after: None,
            ending_before: None,
            created: Range::default(),
        };
        let (p, more) = s.page(&q, |_| true).unwrap();
        assert_eq!(ids(&p), ["t_6", "t_5", "t_4"]);
        assert!(more);
        q.starting_after = Some("t_4".into());
        let (p, more) = s.page(&q, |_| true).unwrap();
        assert_eq!(ids(&p), ["t_3", "t_2", "t_1"]);
        assert!(more);
        q.starting_after = Some("t_1".into());
        let (p, more) = s.page(&q, |_| true).unwrap();
        assert_eq!(ids(&p), ["t_0"]);
        assert!(!more);
        q.starting_after = None;
        q.ending_before = Some("t_1".into());
        let (p, more) = s.page(&q, |_| true).unwrap();
        assert_eq!(ids(&p), ["t_4", "t_3", "t_2"]);
        assert!(more);
    }

    #[test]
    fn created_range() {
        let s = store(10);
        let q = ListQuery {
            limit: 100,
            starting_after: None,
            ending_before: None,
            created: Range {
                gte: Some(1001),
                lt: Some(1003),
                ..Range::default()
            },
        };
        let (p, _) = s.page(&q, |_| true).unwrap();
        assert_eq!(ids(&p), ["t_5", "t_4", "t_3", "t_2"]);
        let q = ListQuery {
            created: Range {
                gt: Some(5000),
                ..Range::default()
            },
            ..q
        };
        assert!(s.page(&q, |_| true).unwrap().0.is_empty());
    }
}
