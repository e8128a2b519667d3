//! Stripe's codes for balance transactions in a bookkeeper's words: the
//! one place that names types, reporting categories, statuses and the parts
//! of a balance. The screen shows these and never the codes; the CSV keeps
//! the codes, for other tools.

/// A transaction's `type` (Stripe's list of types; see "Balance
/// transaction types"). Unknown types read as their code in words.
pub fn type_label(code: &str) -> String {
    let known = match code {
        "adjustment" => "Adjustment",
        "advance" => "Advance",
        "advance_funding" => "Advance funding",
        "anticipation_repayment" => "Anticipation repayment",
        "application_fee" => "Application fee",
        "application_fee_refund" => "Application fee refund",
        "charge" => "Charge",
        "climate_order_purchase" => "Climate purchase",
        "climate_order_refund" => "Climate refund",
        "connect_collection_transfer" => "Connect collection",
        "contribution" => "Contribution",
        "inbound_transfer" => "Transfer in",
        "inbound_transfer_reversal" => "Transfer in, reversed",
        "issuing_authorization_hold" => "Issuing card hold",
        "issuing_authorization_release" => "Issuing card hold released",
        "issuing_dispute" => "Issuing dispute",
        "issuing_transaction" => "Issuing card spending",
        "payment" => "Payment",
        "payment_failure_refund" => "Failed payment refund",
        "payment_network_reserve_hold" => "Card network reserve",
        "payment_network_reserve_release" => "Card network reserve released",
        "payment_refund" => "Payment refund",
        "payment_reversal" => "Payment reversal",
        "payment_unreconciled" => "Unmatched payment",
        "payout" => "Payout",
        "payout_cancel" => "Payout cancelled",
        "payout_failure" => "Payout failed",
        "payout_minimum_balance_hold" => "Minimum balance held",
        "payout_minimum_balance_release" => "Minimum balance released",
        "refund" => "Refund",
        "refund_failure" => "Failed refund",
        "reserve_transaction" => "Reserve",
        "reserved_funds" => "Reserved funds",
        "reserve_hold" => "Reserve held",
        "reserve_release" => "Reserve released",
        "stripe_fee" => "Stripe fee",
        "stripe_fx_fee" => "Currency conversion fee",
        "tax_fee" => "Tax fee",
        "topup" => "Top-up",
        "topup_reversal" => "Top-up reversed",
        "transfer" => "Transfer",
        "transfer_cancel" => "Transfer cancelled",
        "transfer_failure" => "Transfer failed",
        "transfer_refund" => "Transfer refund",
        "fee_credit_funding" => "Fee credit",
        _ => return in_words(code),
    };
    known.to_string()
}

/// A `reporting_category` ("Reporting categories"), as a heading of
/// Stripe's balance summary report would read.
pub fn category_label(code: &str) -> String {
    let known = match code {
        "charge" => "Charges",
        "charge_failure" => "Failed charges",
        "refund" => "Refunds",
        "refund_failure" => "Failed refunds",
        "dispute" => "Disputes",
        "dispute_reversal" => "Disputes won",
        "fee" => "Stripe fees billed separately",
        "network_cost" => "Card network costs",
        "tax" => "Taxes",
        "payout" => "Payouts",
        "payout_reversal" => "Payouts returned",
        "other_adjustment" => "Other adjustments",
        "partial_capture_reversal" => "Uncaptured parts of payments",
        "transfer" => "Transfers",
        "transfer_reversal" => "Transfers reversed",
        "topup" => "Top-ups",
        "topup_reversal" => "Top-ups reversed",
        "issuing_authorization_hold" => "Issuing card holds",
        "issuing_authorization_release" => "Issuing card holds released",
        "issuing_transaction" => "Issuing card spending",
        "issuing_dispute" => "Issuing disputes",
        "risk_reserved_funds" => "Reserve held by Stripe",
        "connect_reserved_funds" => "Reserve for connected accounts",
        "platform_earning" => "Platform earnings",
        "platform_earning_refund" => "Platform earnings refunded",
        "unreconciled_customer_funds" => "Unmatched customer funds",
        "contribution" => "Climate contributions",
        "connect_collection_transfer" => "Connect collections",
        "advance" => "Advances",
        "advance_funding" => "Advance funding",
        "anticipation_repayment" => "Anticipation repayments",
        "financing_paydown" => "Financing repaid",
        "financing_paydown_reversal" => "Financing repayments reversed",
        "financing_payout" => "Financing received",
        "financing_payout_reversal" => "Financing received, reversed",
        "climate_order_purchase" => "Climate purchases",
        "climate_order_refund" => "Climate refunds",
        "" => "Not categorised",
        _ => return in_words(code),
    };
    known.to_string()
}

/// Where a category sits in a summary: Stripe's balance summary report
/// lists the money that came in, then what went out, then the payouts.
pub fn category_order(code: &str) -> usize {
    const ORDER: &[&str] = &[
        "charge",
        "charge_failure",
        "refund",
        "refund_failure",
        "partial_capture_reversal",
        "dispute",
        "dispute_reversal",
        "fee",
        "network_cost",
        "tax",
        "other_adjustment",
    ];
    const LAST: &[&str] = &["payout", "payout_reversal"];
    ORDER
        .iter()
        .position(|c| *c == code)
        .or_else(|| {
            LAST.iter()
                .position(|c| *c == code)
                .map(|p| usize::MAX - LAST.len() + p)
        })
        .unwrap_or(ORDER.len())
}

/// A transaction's `status`.
pub fn status_label(code: &str) -> String {
    match code {
        "available" => "Available".into(),
        "pending" => "Pending".into(),
        other => in_words(other),
    }
}

/// A part of the balance: a `balance_type` of the transactions, or a part of
/// `GET /v1/balance` that no transaction of the account moves.
pub fn part_label(code: &str) -> String {
    match code {
        "payments" => "Payments balance".into(),
        "issuing" => "Issuing balance".into(),
        "refund_and_dispute_prefunding" => "Set aside for refunds and disputes".into(),
        "risk_reserved" => "Held in reserve by Stripe".into(),
        "connect_reserved" => "Held for connected accounts".into(),
        other => in_words(other),
    }
}

/// `payout_minimum_balance_hold` -> "Payout minimum balance hold".
fn in_words(code: &str) -> String {
    let spaced = code.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_words() {
        assert_eq!(type_label("stripe_fee"), "Stripe fee");
        assert_eq!(category_label("charge"), "Charges");
        assert_eq!(category_label("fee"), "Stripe fees billed separately");
        // A code Stripe adds later still reads as words, never as a code.
        assert_eq!(type_label("brand_new_thing"), "Brand new thing");
        assert_eq!(status_label("pending"), "Pending");
        assert!(category_order("charge") < category_order("fee"));
        assert!(category_order("topup") < category_order("payout"));
        assert!(category_order("payout") < category_order("payout_reversal"));
    }
}
