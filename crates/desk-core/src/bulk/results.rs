//! The result of a run over a file: each row's outcome (created, with its
//! IDs; skipped, and why; failed, with Stripe's words), and the spreadsheet
//! written again with three columns added (Result, Stripe IDs, Message),
//! as CSV (with the file's own delimiter) or XLSX, to the path the person
//! picked in the save dialog.
//! Values of sensitive columns (card, bank account, ID numbers) are written
//! hidden; text a spreadsheet would run as a formula gets a leading `'`
//! in CSV, as the Balances export does (OWASP's "CSV Injection").

use super::job::Job;
use super::mask::shown;
use super::wire::{ResultsFormat, RowState};
use crate::error::Error;
use std::collections::BTreeMap;
use std::path::Path;

pub const ADDED_COLUMNS: [&str; 3] = ["Result", "Stripe IDs", "Message"];

/// A row's outcome in three cells: result, IDs, message.
pub fn outcome_cells(job: &Job, row: u32, state: Option<&RowState>) -> [String; 3] {
    let text = |a: &str, b: String, c: String| [a.to_owned(), b, c];
    match state {
        Some(RowState::Created {
            ids,
            found_existing,
        }) => text(
            if *found_existing {
                "Created earlier"
            } else {
                "Created"
            },
            ids.join(" "),
            String::new(),
        ),
        Some(RowState::Skipped { reason }) => text("Skipped", String::new(), reason.clone()),
        Some(RowState::Failed { message }) => text("Failed", String::new(), message.clone()),
        Some(RowState::Running) => text(
            "Not finished",
            String::new(),
            "It stopped before the end: run the file again to finish it.".into(),
        ),
        Some(RowState::Ready | RowState::NeedsFixing) | None => {
            if let Some(reason) = job.skip_reason(row) {
                return text("Skipped", String::new(), reason);
            }
            match job.problems.get(&row) {
                Some(p) => text(
                    "Needs fixing",
                    String::new(),
                    p.iter()
                        .map(|p| format!("{}: {}", p.column_name, p.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                None => text("Not run", String::new(), String::new()),
            }
        }
    }
}

fn is_number(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty()
        && t.trim_start_matches(['-', '+'])
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        && t.chars().any(|c| c.is_ascii_digit())
}

/// Text a spreadsheet would read as a formula, made plain text.
fn csv_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_number(text) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The header and data rows as they go out: cells (hidden where
/// sensitive), whether each was a number, then the outcome's three.
fn rows_out<'a>(
    job: &'a Job,
    states: &'a BTreeMap<u32, RowState>,
) -> impl Iterator<Item = Vec<(String, bool)>> + 'a {
    let width = job.columns.len();
    let header: Vec<(String, bool)> = job
        .columns
        .iter()
        .map(|c| (c.name.clone(), false))
        .chain(ADDED_COLUMNS.iter().map(|h| ((*h).to_owned(), false)))
        .collect();
    std::iter::once(header).chain(job.data_rows().map(move |i| {
        let row = job.table().number(i);
        let mut cells: Vec<(String, bool)> = (0..width)
            .map(|c| {
                let sensitive = job.columns[c].sensitive;
                let fixed = job.fixes.contains_key(&(row, c as u32));
                (
                    shown(job.cell_text(i, c as u32), sensitive),
                    !fixed && !sensitive && job.table().is_number(i, c),
                )
            })
            .collect();
        cells.extend(
            outcome_cells(job, row, states.get(&row))
                .into_iter()
                .map(|t| (t, false)),
        );
        cells
    }))
}

/// Writes the results to `to` (replaced whole, 0600).
pub fn write(
    job: &Job,
    states: &BTreeMap<u32, RowState>,
    to: &Path,
    format: ResultsFormat,
) -> Result<(), Error> {
    let storage = |e: &dyn std::fmt::Display| Error::Storage(format!("{}: {e}", to.display()));
    let bytes = match format {
        ResultsFormat::Csv => {
            let mut out = Vec::new();
            out.extend_from_slice("\u{feff}".as_bytes());
            {
                let mut w = csv::WriterBuilder::new()
                    .delimiter(super::sheet::delimiter_of(&job.opened.format))
                    .from_writer(&mut out);
                for row in rows_out(job, states) {
                    w.write_record(
                        row.iter()
                            .map(|(t, n)| if *n { t.clone() } else { csv_text(t) }),
                    )
                    .map_err(|e| storage(&e))?;
                }
                w.flush().map_err(|e| storage(&e))?;
            }
            out
        }
        ResultsFormat::Xlsx => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            sheet
                .set_name(sheet_name(&job.opened.sheet))
                .map_err(|e| storage(&e))?;
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (r, row) in rows_out(job, states).enumerate() {
                for (c, (text, number)) in row.iter().enumerate() {
                    let (r, c) = (r as u32, c as u16);
                    let parsed = number.then(|| text.parse::<f64>().ok()).flatten();
                    let written = match (r, parsed) {
                        (0, _) => sheet
                            .write_string_with_format(r, c, text, &bold)
                            .map(|_| ()),
                        // A number from the file goes back as the same number.
                        (_, Some(n)) => sheet.write_number(r, c, n).map(|_| ()),
                        _ if text.is_empty() => Ok(()),
                        _ => sheet.write_string(r, c, text).map(|_| ()),
                    };
                    written.map_err(|e| storage(&e))?;
                }
            }
            book.save_to_buffer().map_err(|e| storage(&e))?
        }
    };
    crate::private_files::write_atomically(to, &bytes).map_err(|e| storage(&e))
}

/// A sheet name Excel takes: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    if clean.trim().is_empty() {
        "Results".into()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_numbers_stay_numbers() {
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("-12,50"), "-12,50");
        assert_eq!(csv_text("+44 20 7946 0958"), "'+44 20 7946 0958");
        assert_eq!(csv_text("Jo"), "Jo");
    }

    #[test]
    fn sheet_names_fit_excel() {
        assert_eq!(sheet_name("Customers [May]"), "Customers May");
        assert_eq!(sheet_name("///"), "Results");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
    }
}
