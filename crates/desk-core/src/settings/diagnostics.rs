//! "Copy diagnostics": what a person can paste to support. The app's and
//! the system's versions, the last errors (with Stripe's request IDs, the
//! first thing Stripe's support asks for) and the last 50 lines of the log,
//! with every word that could be a secret, a card number or an email
//! address taken out, whatever a log line holds.

use crate::sensitive::is_sensitive_value;
use std::path::Path;

/// Log lines in the report.
const LAST_LINES: usize = 50;
/// Errors and warnings in the report.
const LAST_ERRORS: usize = 10;

/// The report, as plain text. `log_file` may be missing (nothing logged yet).
pub fn diagnostics(app_version: &str, log_file: &Path) -> String {
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_owned())
            })
        })
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    let log = std::fs::read_to_string(log_file).unwrap_or_default();
    let lines: Vec<String> = log.lines().map(scrub).collect();
    let errors: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains(" WARN ") || l.contains(" ERROR "))
        .collect();
    let mut out = format!(
        "Stripe Desk {app_version}\nSystem: {os} ({}, {})\n",
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    out.push_str("\nLast errors and warnings:\n");
    if errors.is_empty() {
        out.push_str("  none\n");
    }
    for l in errors.iter().skip(errors.len().saturating_sub(LAST_ERRORS)) {
        out.push_str(&format!("  {l}\n"));
    }
    out.push_str(&format!("\nLast {LAST_LINES} lines of the log:\n"));
    for l in lines.iter().skip(lines.len().saturating_sub(LAST_LINES)) {
        out.push_str(&format!("  {l}\n"));
    }
    out
}

/// A line with each word that is a secret, a card number or an email
/// address replaced by what it was.
fn scrub(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let core = word.trim_matches(|c: char| "\"'()[]{},;<>".contains(c));
        let replaced =
            if core.contains('@') && core.rsplit('@').next().is_some_and(|d| d.contains('.')) {
                Some("[email address]")
            } else if is_sensitive_value(core) || core.starts_with("Bearer") {
                Some("[secret]")
            } else {
                None
            };
        match replaced {
            Some(r) => out.push_str(&word.replace(core, r)),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in line.chars() {
        // `=` and `:` split too: `email=jane@example.com`, `key:sk_live_…`.
        if c.is_whitespace() || c == '=' {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_cards_and_emails_never_reach_the_report() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("stripe-desk.log");
        let mut text = String::new();
        for i in 0..80 {
            text.push_str(&format!("2026-12-05T01:00:{i:02}Z  INFO desk: round {i}\n"));
        }
        text.push_str("2026-12-05T01:01:00Z  WARN desk: refused key=sk_live_FAKE_diagnostics_0001 for \"jane.doe@example.com\" card 4242424242424242 request_id=req_abc123\n");
        text.push_str("2026-12-05T01:01:01Z  INFO desk: email=bob@shop.example rk_test_FAKE_0000000000001 whsec_FAKEFAKEFAKE1\n");
        std::fs::write(&log, text).unwrap();
        let report = diagnostics("0.1.0", &log);
        for leak in [
            "sk_live_FAKE",
            "4242424242424242",
            "jane.doe@example.com",
            "bob@shop.example",
            "rk_test_FAKE",
            "whsec_FAKE",
        ] {
            assert!(!report.contains(leak), "{leak} in {report}");
        }
        assert!(report.contains("req_abc123"), "request IDs stay: {report}");
        assert!(report.starts_with("Stripe Desk 0.1.0\nSystem: "));
        assert!(report.contains("Last errors and warnings:\n  2026-12-05T01:01:00Z  WARN"));
        // The last 50 lines, not the first.
        assert!(report.contains("round 79") && !report.contains("round 20\n"));
        assert_eq!(
            report.lines().filter(|l| l.starts_with("  2026")).count(),
            51
        );
    }
}
