//! The rules of text a person types: an email address, a web address, an
//! ID, a phone number, a card statement's words, a date.

/// Stripe's limit on an email address.
const EMAIL_LEN: usize = 512;

pub(super) fn email_problem(t: &str) -> Option<String> {
    if t.chars().count() > EMAIL_LEN {
        return Some(format!(
            "An email address can be at most {EMAIL_LEN} characters."
        ));
    }
    let shape = t.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
    }) && !t.chars().any(|ch| ch.is_whitespace() || ch.is_control());
    if shape {
        None
    } else {
        Some("Enter an email address like name@example.com.".into())
    }
}

pub(super) fn statement_descriptor_problem(t: &str) -> Option<String> {
    if t.chars().count() > 22 {
        Some("At most 22 characters appear on a card statement.".into())
    } else if !t.chars().any(|ch| ch.is_ascii_alphabetic()) {
        Some("Use at least one letter.".into())
    } else if t.contains(['<', '>', '\\', '"', '\'']) {
        Some("Card statements cannot show < > \\ \" or '.".into())
    } else if !t.is_ascii() {
        Some("Card statements show only plain Latin letters, digits and punctuation.".into())
    } else {
        None
    }
}

pub(super) fn url_problem(t: &str) -> Option<String> {
    if t.chars().count() > 2048 {
        return Some("A web address can be at most 2048 characters.".into());
    }
    match url::Url::parse(t) {
        Ok(u) if (u.scheme() == "https" || u.scheme() == "http") && u.host().is_some() => None,
        _ => Some("Enter a web address starting with https://.".into()),
    }
}

/// An ID the account chose for a product or plan: letters, digits, `_` and `-`.
pub(super) fn custom_id_problem(t: &str, label: &str) -> Option<String> {
    let ok = !t.is_empty()
        && t.len() <= 250
        && t.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
    (!ok).then(|| format!("{label}: an ID has only letters, digits, _ and -."))
}

pub(super) fn id_problem(t: &str, prefix: &str, label: &str) -> Option<String> {
    let rest = t.strip_prefix(prefix);
    let ok = rest.is_some_and(|r| {
        !r.is_empty()
            && r.len() <= 250
            && r.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
    });
    if ok {
        None
    } else if prefix.is_empty() {
        Some(format!("{label}: an ID has only letters, digits and _."))
    } else {
        Some(format!(
            "{label} is an ID starting with {prefix}, such as {prefix}1A2b3C."
        ))
    }
}

/// A phone number as Stripe keeps it: up to 20 characters, digits and
/// the usual punctuation, at least 3 digits.
pub(super) fn phone_problem(t: &str) -> Option<String> {
    let ok = t.chars().count() <= 20
        && t.chars().filter(char::is_ascii_digit).count() >= 3
        && t.chars()
            .all(|ch| ch.is_ascii_digit() || " +-().".contains(ch));
    (!ok).then(|| "Enter a phone number of up to 20 characters: digits, spaces, + - ( ).".into())
}

/// Unix time at the start of a `YYYY-MM-DD` day (UTC), from 1970 on.
pub(super) fn day_start(t: &str) -> Option<i64> {
    // Exactly `YYYY-MM-DD`: jiff also reads other ISO 8601 shapes.
    let shaped = t.len() == 10
        && t.char_indices().all(|(i, ch)| {
            if i == 4 || i == 7 {
                ch == '-'
            } else {
                ch.is_ascii_digit()
            }
        });
    let date: jiff::civil::Date = t.parse().ok().filter(|_| shaped)?;
    if date.year() < 1970 {
        return None;
    }
    let start = jiff::tz::TimeZone::UTC
        .to_timestamp(date.at(0, 0, 0, 0))
        .ok()?;
    Some(start.as_second())
}
