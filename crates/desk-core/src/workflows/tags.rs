//! Which requests a run tags with `metadata[stripe_desk_run]` and
//! `metadata[stripe_desk_step]`, so a resumed run can find what an
//! unanswered attempt created: only creates (a POST to a collection Stripe
//! lists) whose endpoint takes `metadata`. Stripe refuses `metadata` where
//! an endpoint takes none (finalize, pay, confirm, cancel...: "Received
//! unknown parameter: metadata"), and an update would overwrite the tags an
//! earlier run left on the object.
//!
//! The list comes from Stripe's OpenAPI description the repository carries
//! (`tagged_creates.txt`, one collection a line; `workflows_bound_to_actions`
//! fails when it drifts and rewrites it with `UPDATE_TAGGED_CREATES=1`), so
//! nothing reads the simulator's files at run time. A line is the
//! collection's path, then `created` when its list filters by creation
//! time, then `needs=<param>` for each parameter its list requires.

pub const LIST: &str = include_str!("tagged_creates.txt");

/// A collection a run may create in and find again by listing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    /// As Stripe's description writes it: `/v1/customers/{customer}/sources`.
    pub template: &'static str,
    /// Its list takes `created[gte]`.
    pub by_created: bool,
    /// Parameters its list requires (`subscription` for subscription items),
    /// taken from the create's own.
    pub needs: Vec<&'static str>,
}

fn parse(line: &'static str) -> Option<Collection> {
    let mut words = line.split_whitespace();
    let template = words.next()?;
    let mut c = Collection {
        template,
        by_created: false,
        needs: Vec::new(),
    };
    for w in words {
        match w.strip_prefix("needs=") {
            Some(p) => c.needs.push(p),
            None if w == "created" => c.by_created = true,
            None => {}
        }
    }
    Some(c)
}

/// Whether a concrete path (`/v1/customers/cus_1/sources`) is an instance of
/// a template (`/v1/customers/{customer}/sources`). A segment holding a
/// `{{reference}}` matches a template's parameter.
pub fn matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    t.len() == p.len()
        && t.iter().zip(&p).all(|(t, p)| {
            if t.starts_with('{') {
                !p.is_empty()
            } else {
                t == p && !p.contains("{{")
            }
        })
}

/// The collection a request creates in, when it is a create that takes tags.
pub fn collection(method: &str, path: &str) -> Option<Collection> {
    if !method.eq_ignore_ascii_case("POST") {
        return None;
    }
    let path = path.split('?').next().unwrap_or(path);
    LIST.lines()
        .filter_map(parse)
        .find(|c| matches(c.template, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_that_take_metadata_and_nothing_else() {
        let customers = collection("POST", "/v1/customers").unwrap();
        assert!(customers.by_created);
        assert!(collection("post", "/v1/prices").is_some());
        assert!(collection("POST", "/v1/webhook_endpoints").is_some());
        // An update, an action, a read: no tags.
        assert!(collection("POST", "/v1/customers/cus_1").is_none());
        assert!(collection("POST", "/v1/invoices/in_1/finalize").is_none());
        assert!(collection("GET", "/v1/customers").is_none());
        // Nested collections, with the object's ID or a reference to it.
        assert!(collection("POST", "/v1/customers/cus_1/balance_transactions").is_some());
        assert!(collection("POST", "/v1/customers/{{find.id}}/balance_transactions").is_some());
        assert!(collection("POST", "/v1/{{x.path}}").is_none());
    }
}
