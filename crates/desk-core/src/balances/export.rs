//! CSV export of what the filters select: a header row, amounts in major
//! units with the currency's decimals and a dot, ISO 8601 dates (UTC),
//! UTF-8 with a byte-order mark so Excel reads it as UTF-8 (LibreOffice
//! ignores the mark). Text from Stripe that a spreadsheet would run as a
//! formula is written as text (see [`text_cell`]). Written to a temporary
//! file in the target folder and renamed over the target only when
//! complete: a cancel or a crash leaves no half file.

use super::query::{PageRequest, Sort};
use super::store::BalanceStore;
use super::{Cancel, Filter};
use crate::error::Error;
use crate::money::to_decimal;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io::Write;
use std::path::Path;
use ts_rs::TS;

const CHUNK: u32 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ExportProgress {
    #[ts(type = "number")]
    pub written: u64,
    #[ts(type = "number")]
    pub total: u64,
}

const HEADER: [&str; 13] = [
    "id",
    "created",
    "available_on",
    "type",
    "reporting_category",
    "status",
    "description",
    "currency",
    "amount",
    "fee",
    "net",
    "source",
    "payout",
];

/// A text cell a spreadsheet reads as text: one beginning with `=`, `+`,
/// `-`, `@`, a tab or a carriage return would run as a formula in Excel or
/// LibreOffice (a description is whatever a customer or an integration
/// wrote), so it gets a leading `'`, as OWASP's "CSV Injection" advises.
/// Only text columns: amounts are written as they are, so a negative
/// amount stays a number.
fn text_cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// Writes the rows `filter` selects, in `sort`, to `target`. Returns the
/// number of rows, or `Ok(None)` when cancelled (and `target` untouched).
pub fn export_csv(
    store: &BalanceStore,
    filter: &Filter,
    sort: Sort,
    target: &Path,
    cancel: &Cancel,
    mut progress: impl FnMut(ExportProgress),
) -> Result<Option<u64>, Error> {
    let io = |e: std::io::Error| Error::Storage(format!("{}: {e}", target.display()));
    let total: u64 = store.totals(filter)?.iter().map(|t| t.count).sum();
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // Created 0600 by tempfile, removed on drop unless persisted.
    let mut tmp = tempfile::Builder::new()
        .prefix(".stripe-desk-export-")
        .suffix(".csv.part")
        .tempfile_in(dir)
        .map_err(io)?;
    {
        let mut buffered = std::io::BufWriter::new(tmp.as_file_mut());
        buffered.write_all("\u{feff}".as_bytes()).map_err(io)?;
        let mut csv = csv::Writer::from_writer(buffered);
        let csv_err = |e: csv::Error| Error::Storage(format!("{}: {e}", target.display()));
        csv.write_record(HEADER).map_err(csv_err)?;
        let mut req = PageRequest {
            filter: filter.clone(),
            sort,
            after: None,
            before: None,
            from_end: false,
            limit: CHUNK,
            skip_pages: 0,
        };
        let mut written = 0u64;
        loop {
            if cancel.is_cancelled() {
                return Ok(None);
            }
            let page = store.page(&req)?;
            for r in &page.rows {
                let money = |minor: i64| to_decimal(minor, &r.currency).to_string();
                let currency = r.currency.to_ascii_uppercase();
                let fields: [Cow<'_, str>; 13] = [
                    text_cell(&r.id),
                    iso_datetime(r.created).into(),
                    iso_datetime(r.available_on).into(),
                    text_cell(&r.kind),
                    text_cell(&r.reporting_category),
                    text_cell(&r.status),
                    text_cell(r.description.as_deref().unwrap_or_default()),
                    text_cell(&currency),
                    money(r.amount).into(),
                    money(r.fee).into(),
                    money(r.net).into(),
                    text_cell(r.source.as_deref().unwrap_or_default()),
                    text_cell(r.payout.as_deref().unwrap_or_default()),
                ];
                csv.write_record(fields.iter().map(|f| f.as_bytes()))
                    .map_err(csv_err)?;
            }
            written += page.rows.len() as u64;
            progress(ExportProgress { written, total });
            match page.rows.last() {
                Some(last) if page.has_more => req.after = Some(last.cursor.clone()),
                _ => break,
            }
        }
        csv.flush().map_err(io)?;
        let buffered = csv
            .into_inner()
            .map_err(|e| Error::Storage(format!("{}: {e}", target.display())))?;
        buffered
            .into_inner()
            .map_err(|e| Error::Storage(format!("{}: {e}", target.display())))?
            .sync_all()
            .map_err(io)?;
        tmp.persist(target)
            .map_err(|e| Error::Storage(format!("{}: {}", target.display(), e.error)))?;
        Ok(Some(written))
    }
}

/// `2026-11-25T23:31:44Z`: ISO 8601 in UTC, whatever the account's zone.
fn iso_datetime(unix: i64) -> String {
    match jiff::Timestamp::from_second(unix) {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => unix.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{iso_datetime, text_cell};

    #[test]
    fn times_are_iso_8601_in_utc() {
        assert_eq!(iso_datetime(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_datetime(1_764_113_504), "2025-11-25T23:31:44Z");
        assert_eq!(iso_datetime(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn formula_text_is_written_as_text() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(text_cell(formula), format!("'{formula}"));
        }
        assert_eq!(text_cell("Payment from Olivia"), "Payment from Olivia");
        assert_eq!(text_cell(""), "");
    }
}
