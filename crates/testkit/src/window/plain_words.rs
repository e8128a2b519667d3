//! What a shop owner must never read: developer words on a screen. Window
//! tests call [`assert_plain_words`] on every screen they reach, so a new
//! label that says "param" or "cus_..." fails a test instead of a person.

use super::webdriver::Session;

/// Words and fragments that belong to Stripe's API or to this app's code,
/// not to a person's screen. Matched case-sensitively on the rendered text
/// (`innerText`, so hidden detail such as a folded JSON view is not read).
pub const FORBIDDEN: &[&str] = &[
    "param",
    "rak_",
    "Stripe-Account",
    "Etc/UTC",
    "ISO 8601",
    "sum of nets",
    "sum of all nets",
    "objects",
    // Stripe's codes for a balance's parts, which have words (balances/words.rs).
    "balance_type",
    "risk_reserved",
    "connect_reserved",
    "full path",
    "{{input.",
    "{{item.",
    "undefined",
    "null",
    "NaN",
    "[object Object]",
    // Stripe's IDs belong one click away, never in what a person reads.
    "cus_",
    "prod_",
    "price_",
    "sub_",
    "pm_",
    "Stripe parameter",
    "payment_behavior",
    "collection_method",
    "default_incomplete",
    "send_invoice",
    "10 found",
];

/// Fails with every forbidden word found on `screen`, each in its line, and
/// with every field that has no label ([`assert_fields_named`]).
pub async fn assert_plain_words(w: &Session, screen: &str) {
    // What a screen shows verbatim on purpose (`data-verbatim`: the values
    // an imported workflow will send, for the person to check) is skipped.
    let text = w
        .execute(
            "const skip = new Set(); \
             for (const e of document.querySelectorAll('[data-verbatim]')) \
               for (const l of e.innerText.split('\\n')) if (l.trim()) skip.add(l.trim()); \
             return document.body.innerText.split('\\n').filter((l) => !skip.has(l.trim())).join('\\n');",
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let found = forbidden_in(&text);
    assert!(
        found.is_empty(),
        "developer words on the {screen} screen:\n{}",
        found.join("\n")
    );
    assert_fields_named(w, screen).await;
    assert_accessible(w, screen).await;
}

/// axe-core (the npm package the setup installs) finds nothing on the
/// screen as it is now, of any impact, in the light theme and in the dark
/// one: roles, names, contrast, landmarks (`axe_run.js`). Each finding
/// names its theme, the rule and up to five of its elements (where, the
/// start of their HTML, what to fix). `AXE_REPORT=1` prints the findings,
/// and the contrast axe could not decide, instead of failing.
pub async fn assert_accessible(w: &Session, screen: &str) {
    let axe = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../node_modules/axe-core/axe.min.js"),
    )
    .expect("node_modules/axe-core (scripts/setup.sh installs it)");
    let report = std::env::var_os("AXE_REPORT").is_some();
    let script = format!(
        "{axe}\nconst LIST_INCOMPLETE = {report};\n{}",
        include_str!("axe_run.js")
    );
    let found = w.execute_async(&script).await;
    let found: Vec<&str> = found
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    if report {
        for f in &found {
            eprintln!("AXE {screen}: {f}");
        }
        return;
    }
    assert!(
        found.is_empty(),
        "axe-core found on the {screen} screen:\n{}",
        found.join("\n")
    );
}

/// Every field a person can see has a name a screen reader says: a label
/// with text, or `aria-label`/`aria-labelledby` naming it. A field known
/// only by its placeholder or its place in a row is refused. (Inside a
/// folded `<details>` a field is laid out but not shown: `checkVisibility`.)
pub async fn assert_fields_named(w: &Session, screen: &str) {
    let unnamed = w
        .execute(
            "const named = (e) => Array.from(e.labels || []).some((l) => l.textContent.trim()) \
               || (e.getAttribute('aria-label') || '').trim() \
               || (e.getAttribute('aria-labelledby') || '').split(/\\s+/) \
                    .some((id) => id && (document.getElementById(id)?.textContent || '').trim()); \
             return Array.from(document.querySelectorAll('input, select, textarea')) \
               .filter((e) => e.type !== 'hidden' && e.checkVisibility() && !named(e)) \
               .map((e) => e.outerHTML.slice(0, 200));",
        )
        .await;
    let unnamed: Vec<&str> = unnamed
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    assert!(
        unnamed.is_empty(),
        "fields without a label on the {screen} screen:\n{}",
        unnamed.join("\n")
    );
}

/// Each line of `text` holding a forbidden word, with the word.
pub fn forbidden_in(text: &str) -> Vec<String> {
    text.lines()
        .flat_map(|line| {
            FORBIDDEN
                .iter()
                .filter(move |word| line.contains(*word))
                .map(move |word| format!("{word:?} in {:?}", line.trim()))
        })
        .collect()
}
