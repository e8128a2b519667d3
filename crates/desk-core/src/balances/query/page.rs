//! A page of the table by keyset (never OFFSET): from the top, after or
//! before a row, from the end, or after passing over whole pages by the
//! sort key alone.

use super::super::store::{db_error, BalanceStore};
use super::{BalanceRow, Cursor, CursorValue, Page, PageRequest};
use crate::error::{Code, Error};
use rusqlite::types::Value as Sql;
use rusqlite::{params_from_iter, Row};

pub(in crate::balances) const ROW_COLUMNS: &str = "id, created, available_on, amount, fee, net, currency, type, reporting_category, status, description, source, payout, balance_type";

fn opt(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// The cursor made of the row's columns at `positions`.
fn read_cursor(r: &Row<'_>, positions: impl Iterator<Item = usize>) -> rusqlite::Result<Cursor> {
    let mut cursor = Vec::new();
    for idx in positions {
        cursor.push(match r.get_ref(idx)? {
            rusqlite::types::ValueRef::Integer(i) => CursorValue::Int(i),
            v => CursorValue::Text(v.as_str().unwrap_or_default().to_string()),
        });
    }
    Ok(Cursor(cursor))
}

pub(in crate::balances) fn read_row(r: &Row<'_>, key: &[&str]) -> rusqlite::Result<BalanceRow> {
    let cursor = read_cursor(
        r,
        key.iter().map(|k| {
            ROW_COLUMNS
                .split(", ")
                .position(|c| c == *k)
                .expect("sort keys are row columns")
        }),
    )?;
    Ok(BalanceRow {
        id: r.get(0)?,
        created: r.get(1)?,
        available_on: r.get(2)?,
        amount: r.get(3)?,
        fee: r.get(4)?,
        net: r.get(5)?,
        currency: r.get(6)?,
        kind: r.get(7)?,
        reporting_category: r.get(8)?,
        status: r.get(9)?,
        description: opt(r.get(10)?),
        source: opt(r.get(11)?),
        payout: opt(r.get(12)?),
        balance_type: r.get(13)?,
        cursor,
    })
}

impl BalanceStore {
    /// One page of the filtered table in the requested sort, by keyset.
    pub fn page(&self, req: &PageRequest) -> Result<Page, Error> {
        let limit = req.limit.clamp(1, 1000) as usize;
        let key = req.sort.key_columns();
        // Walking the sort column's index and skipping what the filter
        // leaves out finds a page in a few thousand steps at most; SQLite
        // would rather use a filter's index and sort every match (a million,
        // for a broad filter). Only payout and source pick so few rows that
        // their own index wins.
        let from = if req.filter.is_narrow() || !self.is_indexed() {
            "balance_transactions".to_string()
        } else {
            format!(
                "balance_transactions INDEXED BY {}",
                req.sort.column.index()
            )
        };
        // Walking backwards reverses the order, then the rows are turned back.
        let backwards = req.after.is_none() && (req.before.is_some() || req.from_end);
        let descending = req.sort.descending != backwards;
        let mut anchor = req.after.clone().or_else(|| req.before.clone());
        if anchor.as_ref().is_some_and(|c| c.0.len() != key.len()) {
            return Err(Error::invalid(
                Code::BadCursor,
                "The table position no longer fits this sort; start from the top.",
                None,
            ));
        }
        let dir = if descending { "DESC" } else { "ASC" };
        let order = key
            .iter()
            .map(|k| format!("{k} {dir}"))
            .collect::<Vec<_>>()
            .join(", ");
        let op = if descending { "<" } else { ">" };
        let key_list = key.join(", ");
        let marks = vec!["?"; key.len()].join(", ");
        let (base_where, base_args) = req.filter.sql();
        // The filter, and past the anchor in the direction of travel.
        let after_anchor = |anchor: &Option<Cursor>| {
            let (mut where_sql, mut args) = (base_where.clone(), base_args.clone());
            if let Some(cursor) = anchor {
                where_sql.push_str(if where_sql.is_empty() {
                    " WHERE "
                } else {
                    " AND "
                });
                where_sql.push_str(&format!("({key_list}) {op} ({marks})"));
                args.extend(cursor.0.iter().map(|v| match v {
                    CursorValue::Int(i) => Sql::Integer(*i),
                    CursorValue::Text(t) => Sql::Text(t.clone()),
                }));
            }
            (where_sql, args)
        };
        let conn = self.conn();
        let mut skipped = Vec::new();
        if req.skip_pages > 0 {
            // The same keyset walk the table would make page by page, on the
            // sort key alone: the sort's index answers it without the table
            // (unless a filter needs a column the index lacks).
            let (where_sql, args) = after_anchor(&anchor);
            let walk = limit * req.skip_pages as usize;
            let sql =
                format!("SELECT {key_list} FROM {from}{where_sql} ORDER BY {order} LIMIT {walk}");
            let mut stmt = conn.prepare_cached(&sql).map_err(db_error)?;
            let mut rows = stmt.query(params_from_iter(args)).map_err(db_error)?;
            let mut n = 0usize;
            while let Some(r) = rows.next().map_err(db_error)? {
                n += 1;
                if n.is_multiple_of(limit) {
                    skipped.push(read_cursor(r, 0..key.len()).map_err(db_error)?);
                }
            }
            if n < walk {
                return Ok(Page {
                    rows: Vec::new(),
                    has_more: false,
                    skipped,
                });
            }
            anchor = skipped.last().cloned();
        }
        let (where_sql, args) = after_anchor(&anchor);
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM {from}{where_sql} ORDER BY {order} LIMIT {}",
            limit + 1
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(db_error)?;
        let mut rows = stmt
            .query_map(params_from_iter(args), |r| read_row(r, &key))
            .map_err(db_error)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db_error)?;
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        if backwards {
            rows.reverse();
        }
        Ok(Page {
            rows,
            has_more,
            skipped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::balances::{Sort, SortColumn};
    use serde_json::Value;

    /// Rows that tie on every sort column and on `created` in many ways, so
    /// only the ID tells them apart.
    fn tied_rows() -> Vec<Value> {
        (0..61)
            .map(|i: i64| {
                let currency = ["usd", "jpy", "kwd"][(i % 3) as usize];
                let category = ["charge", "refund", "fee"][(i % 3) as usize];
                let status = ["available", "pending"][(i % 2) as usize];
                let kind = ["charge", "refund"][(i % 2) as usize];
                let created = 1_700_000_000 + (i % 4) * 3_600;
                serde_json::json!({
                    "id": format!("txn_{:03}", (i * 37) % 61), "object": "balance_transaction",
                    "amount": (i % 5) * 100, "available_on": created - created % 86_400 + (i % 2) * 86_400,
                    "created": created, "currency": currency,
                    "description": if i % 3 == 0 { Value::Null } else { format!("order {}", i % 4).into() },
                    "fee": -(i % 2) * 30, "fee_details": [], "net": (i % 5) * 100 - (i % 2) * 30,
                    "reporting_category": category,
                    "source": if i % 4 == 0 { Value::Null } else { format!("ch_{}", i % 3).into() },
                    "status": status,
                    "type": kind
                })
            })
            .collect()
    }

    #[test]
    fn backward_pages_from_the_end_are_the_forward_walk_reversed_and_skips_land_alike() {
        let dir = tempfile::tempdir().unwrap();
        let store = BalanceStore::open(&dir.path().join("k.sqlite3")).unwrap();
        store.upsert(&tied_rows()).unwrap();
        let columns = [
            SortColumn::Created,
            SortColumn::Type,
            SortColumn::ReportingCategory,
            SortColumn::Description,
            SortColumn::Amount,
            SortColumn::Fee,
            SortColumn::Net,
            SortColumn::Currency,
            SortColumn::Status,
            SortColumn::AvailableOn,
            SortColumn::Source,
            SortColumn::Payout,
        ];
        for column in columns {
            for descending in [false, true] {
                let sort = Sort { column, descending };
                let req = |after, before, from_end| PageRequest {
                    sort,
                    after,
                    before,
                    from_end,
                    limit: 7,
                    ..PageRequest::default()
                };
                let mut forward = Vec::new();
                let mut rows = Vec::new();
                let mut page = store.page(&req(None, None, false)).unwrap();
                loop {
                    rows.extend(page.rows.iter().cloned());
                    forward.extend(page.rows.iter().map(|r| r.id.clone()));
                    if !page.has_more {
                        break;
                    }
                    let after = page.rows.last().map(|r| r.cursor.clone());
                    page = store.page(&req(after, None, false)).unwrap();
                }
                assert_eq!(forward.len(), 61, "{sort:?}");
                // From the end: the first page of the reversed sort, in the
                // sort's order, then pages before the first row of each.
                let mut backward = Vec::new();
                let mut page = store.page(&req(None, None, true)).unwrap();
                assert_eq!(page.rows.len(), 7);
                loop {
                    backward.extend(page.rows.iter().rev().map(|r| r.id.clone()));
                    if !page.has_more {
                        break;
                    }
                    let before = page.rows.first().map(|r| r.cursor.clone());
                    page = store.page(&req(None, before, false)).unwrap();
                }
                backward.reverse();
                assert_eq!(backward, forward, "{sort:?}");

                // Pages passed over by the key alone land where the page
                // by page walk does, and say where each page ends.
                let skip = |mut r: PageRequest, pages| {
                    r.skip_pages = pages;
                    store.page(&r).unwrap()
                };
                let from_top = skip(req(None, None, false), 3);
                assert_eq!(from_top.rows, rows[21..28], "{sort:?}");
                let ends: Vec<_> = [6, 13, 20].map(|i| rows[i].cursor.clone()).into();
                assert_eq!(from_top.skipped, ends, "{sort:?}");
                let after = Some(rows[20].cursor.clone());
                let from_middle = skip(req(after, None, false), 2);
                assert_eq!(from_middle.rows, rows[35..42], "{sort:?}");
                let from_end = skip(req(None, None, true), 2);
                assert_eq!(from_end.rows, rows[40..47], "{sort:?}");
                let starts: Vec<_> = [54, 47].map(|i| rows[i].cursor.clone()).into();
                assert_eq!(from_end.skipped, starts, "{sort:?}");
                let before = Some(rows[40].cursor.clone());
                let backward = skip(req(None, before, false), 1);
                assert_eq!(backward.rows, rows[26..33], "{sort:?}");
                assert_eq!(backward.skipped, vec![rows[33].cursor.clone()]);
                // Past the last row: no rows, the pages walked until then.
                let beyond = skip(req(None, None, false), 9);
                assert!(beyond.rows.is_empty() && !beyond.has_more);
                assert_eq!(beyond.skipped.len(), 8, "{sort:?}");
            }
        }
        // The rows tie on the sort column and `created` (only the ID
        // breaks them), or the test above would prove less than it says.
        let page = store
            .page(&PageRequest {
                sort: Sort {
                    column: SortColumn::Type,
                    descending: false,
                },
                limit: 61,
                ..PageRequest::default()
            })
            .unwrap();
        assert!(page.rows.windows(2).any(|w| {
            w[0].kind == w[1].kind && w[0].created == w[1].created && w[0].id < w[1].id
        }));
    }
}
