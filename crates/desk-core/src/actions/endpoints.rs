//! Stripe's endpoints, from the OpenAPI description the repository carries
//! (one `METHOD /v1/path/{param}` a line; `actions_contract` fails when the
//! list drifts from the description and rewrites it with
//! `UPDATE_STRIPE_ENDPOINTS=1`), so a request to any endpoint is checked
//! before it is sent.

pub const LIST: &str = include_str!("stripe_endpoints.txt");

/// Whether Stripe's description has this method on this concrete path;
/// literal segments match literally, `{param}` segments match any one.
pub fn is_known(method: &str, path: &str) -> bool {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    LIST.lines().any(|line| {
        let Some((m, template)) = line.split_once(' ') else {
            return false;
        };
        let segs: Vec<&str> = template.trim_start_matches('/').split('/').collect();
        m.eq_ignore_ascii_case(method)
            && segs.len() == parts.len()
            && segs
                .iter()
                .zip(&parts)
                .all(|(s, p)| (s.starts_with('{') && !p.is_empty()) || s == p)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_endpoints() {
        assert!(is_known("GET", "/v1/customers"));
        assert!(is_known("post", "/v1/customers/cus_1"));
        assert!(is_known("GET", "/v1/customers/search"));
        assert!(is_known("DELETE", "/v1/customers/cus_1"));
        assert!(!is_known("GET", "/v1/customer"));
        assert!(!is_known("DELETE", "/v1/balance"));
        assert!(!is_known("GET", "/v1/customers/"));
    }
}
