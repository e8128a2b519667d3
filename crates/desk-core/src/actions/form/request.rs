//! The request a form becomes: Stripe's nested parameters built field by
//! field, and the request to any endpoint, whose method, path and
//! parameters are typed by the person.

use super::super::{endpoints, HttpMethod};
use super::{BuiltRequest, Checker, FieldError, FieldValue};
use crate::stripe::{Param, Params};

/// A nested parameter tree, built field by field and turned into `Params`.
#[derive(Default)]
pub(super) struct Tree(Vec<(String, Node)>);

enum Node {
    Leaf(Param),
    Branch(Tree),
}

impl Tree {
    /// Puts a value at a Stripe parameter path such as `a[b][c]`.
    pub(super) fn insert(&mut self, path: &str, value: Param) {
        let segs: Vec<&str> = path.split(['[', ']']).filter(|s| !s.is_empty()).collect();
        let mut tree = self;
        for (i, seg) in segs.iter().enumerate() {
            let last = i == segs.len() - 1;
            let pos = tree.0.iter().position(|(k, _)| k == seg);
            if last {
                let node = Node::Leaf(value);
                match pos {
                    Some(p) => tree.0[p].1 = node,
                    None => tree.0.push(((*seg).into(), node)),
                }
                return;
            }
            let p = match pos {
                Some(p) => p,
                None => {
                    tree.0.push(((*seg).into(), Node::Branch(Tree::default())));
                    tree.0.len() - 1
                }
            };
            if let Node::Leaf(_) = tree.0[p].1 {
                tree.0[p].1 = Node::Branch(Tree::default());
            }
            let Node::Branch(next) = &mut tree.0[p].1 else {
                unreachable!("made a branch above")
            };
            tree = next;
        }
    }

    fn into_param(self) -> Param {
        Param::Map(
            self.0
                .into_iter()
                .map(|(k, n)| (k, n.into_param()))
                .collect(),
        )
    }

    pub(super) fn into_params(self) -> Params {
        self.0
            .into_iter()
            .fold(Params::new(), |p, (k, n)| p.param(&k, n.into_param()))
    }
}

impl Node {
    fn into_param(self) -> Param {
        match self {
            Node::Leaf(p) => p,
            Node::Branch(t) => t.into_param(),
        }
    }
}

/// The request to any endpoint: its method, path and parameters are fields
/// of the form itself (an action marked `free_form`).
pub(super) fn free_form(mut c: Checker) -> Result<BuiltRequest, Vec<FieldError>> {
    let method = match c.text("method").as_deref() {
        Some("GET") | None => HttpMethod::Get,
        Some("POST") => HttpMethod::Post,
        Some("DELETE") => HttpMethod::Delete,
        Some(_) => {
            c.fail("method", "Choose GET, POST or DELETE.");
            HttpMethod::Get
        }
    };
    let path = c.text("path").unwrap_or_default();
    // The client's own check, which every request passes; said here, at
    // the field, before sending.
    let path_ok = crate::stripe::check_path(crate::stripe::Host::Api, &path);
    if path.is_empty() {
        c.fail("path", "Path is required.");
    } else if let Err(problem) = path_ok {
        c.fail("path", problem.words());
    }
    let path_ok = path_ok.is_ok();
    if path_ok && c.errors.is_empty() {
        let m = match method {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
        };
        // Flagged, not forbidden: Stripe adds endpoints after this app's
        // copy of its description was taken.
        let override_ok = matches!(c.value("send_unlisted"), Some(FieldValue::Yes(true)));
        if !endpoints::is_known(m, &path) && !override_ok {
            c.fail(
                "path",
                format!("{m} {path} is not in this app's list of Stripe's endpoints: check the path and the method. If it is a newer endpoint, tick \"Send it even if this app does not know the path\"."),
            );
        }
    }
    let mut params = Params::new();
    let rows = match c.value("params") {
        Some(FieldValue::Rows(r)) => r.clone(),
        _ => Vec::new(),
    };
    let body = c.text("body");
    if body.is_some() && rows.iter().any(|r| !r.key.trim().is_empty()) {
        c.fail("body", "Use the rows or a raw body, not both.");
    }
    for (i, row) in rows.iter().enumerate() {
        let key = row.key.trim();
        if key.is_empty() && row.value.is_empty() {
            continue;
        }
        if !param_key_ok(key) {
            c.fail(
                "params",
                format!("Row {}: a parameter name is letters, digits and _, with [..] for nesting, such as items[0][price].", i + 1),
            );
            continue;
        }
        // The key is already Stripe's flattened name, so it goes as it is.
        params = params.text(key, row.value.clone());
    }
    if let Some(body) = body {
        for (key, value) in url::form_urlencoded::parse(body.as_bytes()) {
            if !param_key_ok(&key) {
                c.fail("body", format!("{key} is not a Stripe parameter name."));
                break;
            }
            params = params.text(&key, value.into_owned());
        }
    }
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(BuiltRequest {
        method,
        path,
        params,
    })
}

fn param_key_ok(key: &str) -> bool {
    let base = key.split('[').next().unwrap_or_default();
    !base.is_empty()
        && base
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        && key[base.len()..].split_inclusive(']').all(|seg| {
            seg.starts_with('[') && seg.ends_with(']') && !seg[1..seg.len() - 1].contains('[')
        })
}
