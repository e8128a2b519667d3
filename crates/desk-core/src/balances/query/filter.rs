//! What a filter and a sort mean in SQL, and where a query reads from.

use super::super::store::BalanceStore;
use super::{Filter, Sort, SortColumn};
use rusqlite::types::Value as Sql;

impl Filter {
    /// Payout and source pick a handful of rows: an index on them beats any other plan.
    pub(super) fn is_narrow(&self) -> bool {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
        set(&self.payout) || set(&self.source)
    }

    /// What a scan of the `bt_sums` index can answer without the table.
    pub(super) fn covered_by_totals_index(&self) -> bool {
        !self.is_narrow() && self.text.as_deref().is_none_or(|t| t.trim().is_empty())
    }

    /// ` WHERE ...` (or nothing) and its parameters.
    pub(in crate::balances) fn sql(&self) -> (String, Vec<Sql>) {
        let mut clauses = Vec::new();
        let mut args = Vec::new();
        let mut any_of = |column: &str, values: &[String], lower: bool| {
            if values.is_empty() {
                return;
            }
            let marks = vec!["?"; values.len()].join(", ");
            clauses.push(format!("{column} IN ({marks})"));
            args.extend(values.iter().map(|v| {
                Sql::Text(if lower {
                    v.to_ascii_lowercase()
                } else {
                    v.clone()
                })
            }));
        };
        any_of("type", &self.types, false);
        any_of("reporting_category", &self.reporting_categories, false);
        any_of("status", &self.statuses, false);
        any_of("currency", &self.currencies, true);
        for (column, range) in [
            ("created", self.created),
            ("available_on", self.available_on),
        ] {
            if let Some(from) = range.from {
                clauses.push(format!("{column} >= ?"));
                args.push(Sql::Integer(from));
            }
            if let Some(to) = range.to {
                clauses.push(format!("{column} < ?"));
                args.push(Sql::Integer(to));
            }
        }
        for (column, value) in [("payout", &self.payout), ("source", &self.source)] {
            if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                clauses.push(format!("{column} = ?"));
                args.push(Sql::Text(v.to_string()));
            }
        }
        if let Some(t) = self
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let escaped = t
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            clauses.push("description LIKE ? ESCAPE '\\'".into());
            args.push(Sql::Text(format!("%{escaped}%")));
        }
        if clauses.is_empty() {
            (String::new(), args)
        } else {
            (format!(" WHERE {}", clauses.join(" AND ")), args)
        }
    }
}

impl SortColumn {
    pub(super) fn column(self) -> &'static str {
        match self {
            SortColumn::Created => "created",
            SortColumn::Type => "type",
            SortColumn::ReportingCategory => "reporting_category",
            SortColumn::Description => "description",
            SortColumn::Amount => "amount",
            SortColumn::Fee => "fee",
            SortColumn::Net => "net",
            SortColumn::Currency => "currency",
            SortColumn::Status => "status",
            SortColumn::AvailableOn => "available_on",
            SortColumn::Source => "source",
            SortColumn::Payout => "payout",
        }
    }

    /// The index that gives this sort's order (see the schema).
    pub(super) fn index(self) -> &'static str {
        match self {
            SortColumn::ReportingCategory => "bt_category",
            SortColumn::Created => "bt_created",
            SortColumn::Type => "bt_type",
            SortColumn::Description => "bt_description",
            SortColumn::Amount => "bt_amount",
            SortColumn::Fee => "bt_fee",
            SortColumn::Net => "bt_net",
            SortColumn::Currency => "bt_currency",
            SortColumn::Status => "bt_status",
            SortColumn::AvailableOn => "bt_available_on",
            SortColumn::Source => "bt_source",
            SortColumn::Payout => "bt_payout",
        }
    }
}

impl Sort {
    pub fn newest_first() -> Sort {
        Sort {
            column: SortColumn::Created,
            descending: true,
        }
    }

    /// The full sort key, unique per row: the column, then `created`, then
    /// `id`; money columns within each currency (each has an index in this shape).
    pub(in crate::balances) fn key_columns(&self) -> Vec<&'static str> {
        match self.column {
            SortColumn::Created => vec!["created", "id"],
            c @ (SortColumn::Amount | SortColumn::Fee | SortColumn::Net) => {
                vec!["currency", c.column(), "created", "id"]
            }
            c => vec![c.column(), "created", "id"],
        }
    }
}

impl Filter {
    /// Only dates and currencies: what it selects is whole days of each
    /// currency's balance, so a starting and an ending balance make sense.
    pub(super) fn selects_whole_balance(&self) -> bool {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
        self.types.is_empty()
            && self.reporting_categories.is_empty()
            && self.statuses.is_empty()
            && self.available_on.from.is_none()
            && self.available_on.to.is_none()
            && !set(&self.payout)
            && !set(&self.source)
            && !set(&self.text)
    }
}

impl BalanceStore {
    /// The table, or its covering `bt_sums` index when that answers the
    /// query: SQLite would otherwise prefer a filter's index and visit the
    /// table row by row.
    pub(super) fn scan_source(&self, filter: &Filter) -> &'static str {
        if self.is_indexed() && filter.covered_by_totals_index() {
            "balance_transactions INDEXED BY bt_sums"
        } else {
            "balance_transactions"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_text_is_a_literal_not_a_pattern() {
        let f = Filter {
            text: Some("50%_off".into()),
            ..Filter::default()
        };
        let (sql, args) = f.sql();
        assert!(sql.contains("LIKE ? ESCAPE"));
        assert_eq!(args, vec![Sql::Text("%50\\%\\_off%".into())]);
    }
}
