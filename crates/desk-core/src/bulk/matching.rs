//! "Skip rows whose customer already exists". Stripe never enforces
//! unique emails and has no batch look-up, so each row asks:
//! - by email: `GET /v1/customers?email=...` (Stripe's exact, case-sensitive
//!   filter), once per distinct email;
//! - by an ID kept in the person's metadata key: Stripe's customer search,
//!   `metadata['key']:'value'`, ten values to a query joined with OR (the
//!   most clauses Stripe takes), at most 20 searches a second (Stripe's
//!   search limit, beside the client's own). Search can lag up to a minute
//!   behind a create; where Stripe does not offer search, every customer is
//!   listed once and their metadata compared here.

use super::job::{thousands, Job};
use super::wire::{ExistingMatch, MatchProgress};
use crate::error::Error;
use crate::stripe::rate_limit::RateLimiter;
use crate::stripe::{Auth, Param, Params, Request, SearchPage, StripeClient};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Stripe's search rate limit.
const SEARCH_PER_SECOND: u32 = 20;
/// The most clauses in one search query.
const CLAUSES: usize = 10;

/// The column's value of every ready row: row number to value.
fn wanted(job: &Job, column: u32) -> BTreeMap<u32, String> {
    job.data_rows()
        .filter_map(|i| {
            let row = job.table().number(i);
            if job.left_out.contains(&row) || job.problems.contains_key(&row) {
                return None;
            }
            let v = job.cell_text(i, column).trim().to_owned();
            (!v.is_empty()).then_some((row, v))
        })
        .collect()
}

/// Stripe's search language quotes values in `'`; a `'` or `\` inside is escaped.
fn quoted(value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace('\'', "\\'");
    format!("'{escaped}'")
}

/// Finds, for each ready row, the customer that already exists; `progress`
/// hears how far it got. Returns row number to customer ID.
pub async fn find_existing(
    client: &StripeClient,
    auth: &Auth,
    job: &Job,
    how: &ExistingMatch,
    progress: &mut (dyn FnMut(&MatchProgress) + Send),
) -> Result<BTreeMap<u32, String>, Error> {
    let (column, key) = match how {
        ExistingMatch::Nothing => return Ok(BTreeMap::new()),
        ExistingMatch::Email { column } => (*column, None),
        ExistingMatch::Metadata { key, column } => (*column, Some(key.clone())),
    };
    let rows = wanted(job, column);
    let total = rows.len() as u64;
    let mut by_value: HashMap<String, Vec<u32>> = HashMap::new();
    for (row, v) in &rows {
        by_value.entry(v.clone()).or_default().push(*row);
    }
    let values: Vec<String> = by_value.keys().cloned().collect();
    let mut report = MatchProgress {
        checked: 0,
        total,
        existing: 0,
        sentence: None,
    };
    progress(&report);
    let mut found: BTreeMap<u32, String> = BTreeMap::new();
    let note = |value: &str,
                id: Option<String>,
                report: &mut MatchProgress,
                found: &mut BTreeMap<u32, String>| {
        let rows = by_value.get(value).map(Vec::as_slice).unwrap_or_default();
        report.checked += rows.len() as u64;
        if let Some(id) = id {
            report.existing += rows.len() as u64;
            for r in rows {
                found.insert(*r, id.clone());
            }
        }
    };
    match key {
        None => {
            let mut answers = stream::iter(values.into_iter().map(|email| async move {
                let page = client
                    .send(
                        auth,
                        &Request::get("/v1/customers")
                            .params(Params::new().text("email", &email).text("limit", "1")),
                    )
                    .await?;
                let id = page["data"][0]["id"].as_str().map(str::to_owned);
                Ok::<_, Error>((email, id))
            }))
            .buffer_unordered(25);
            while let Some(answer) = answers.next().await {
                let (email, id) = answer?;
                note(&email, id, &mut report, &mut found);
                progress(&report);
            }
        }
        Some(key) => {
            let limiter = RateLimiter::new(SEARCH_PER_SECOND);
            let chunks: Vec<Vec<String>> = values.chunks(CLAUSES).map(<[String]>::to_vec).collect();
            let search = |chunk: Vec<String>| {
                let (limiter, key) = (&limiter, &key);
                async move {
                    let query = chunk
                        .iter()
                        .map(|v| format!("metadata[{}]:{}", quoted(key), quoted(v)))
                        .collect::<Vec<_>>()
                        .join(" OR ");
                    let mut ids: HashMap<String, String> = HashMap::new();
                    let mut params = Params::new().text("query", query).text("limit", "100");
                    loop {
                        limiter.acquire().await;
                        let page: SearchPage<Value> = client
                            .send_as(
                                auth,
                                &Request::get("/v1/customers/search").params(params.clone()),
                            )
                            .await?;
                        for c in &page.data {
                            if let (Some(v), Some(id)) =
                                (c["metadata"][key.as_str()].as_str(), c["id"].as_str())
                            {
                                ids.entry(v.to_owned()).or_insert_with(|| id.to_owned());
                            }
                        }
                        match page.next_page.filter(|t| page.has_more && !t.is_empty()) {
                            Some(token) => params.set("page", Param::Text(token)),
                            None => break,
                        }
                    }
                    Ok::<_, Error>((chunk, ids))
                }
            };
            let mut answers = stream::iter(chunks.clone().into_iter().map(search))
                .buffer_unordered(SEARCH_PER_SECOND as usize);
            let mut unavailable = false;
            while let Some(answer) = answers.next().await {
                match answer {
                    Ok((chunk, ids)) => {
                        for v in chunk {
                            let id = ids.get(&v).cloned();
                            note(&v, id, &mut report, &mut found);
                        }
                        progress(&report);
                    }
                    Err(e) if e.is_search_unavailable() => {
                        unavailable = true;
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
            drop(answers);
            if unavailable {
                // Every customer once, their metadata compared here.
                report.checked = 0;
                report.existing = 0;
                let mut all: HashMap<String, String> = HashMap::new();
                let customers =
                    client.list::<Value>(auth, "/v1/customers", Params::new().text("limit", "100"));
                futures_util::pin_mut!(customers);
                while let Some(c) = customers.try_next().await? {
                    if let (Some(v), Some(id)) =
                        (c["metadata"][key.as_str()].as_str(), c["id"].as_str())
                    {
                        all.entry(v.to_owned()).or_insert_with(|| id.to_owned());
                    }
                }
                for chunk in chunks {
                    for v in chunk {
                        let id = all.get(&v).cloned();
                        note(&v, id, &mut report, &mut found);
                    }
                }
            }
        }
    }
    report.sentence = Some(format!(
        "{} of {} rows match a customer that is already in Stripe.",
        thousands(report.existing),
        thousands(report.total)
    ));
    progress(&report);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_values_are_quoted() {
        assert_eq!(quoted("A-1"), "'A-1'");
        assert_eq!(quoted("O'Brien"), "'O\\'Brien'");
        assert_eq!(quoted("a\\b"), "'a\\\\b'");
    }
}
