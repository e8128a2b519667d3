//! What a column can fill (a workflow's inputs, an action's fields) and the
//! mapping found by the columns' names: "E-mail", "Email address" and
//! "Customer email" all fill Email. Every mapping can be changed; a column
//! can be left out, and a constant can stand in for one.

use super::wire::{ColumnInfo, Mapping, Slot, SlotMapping, SlotSource};
use crate::actions::{Action, FieldKind};
use crate::workflows::{ActionCatalog, Kind, StepCatalog, Workflow};

/// What runs for every row, loaded.
#[derive(Debug, Clone)]
pub enum TargetDef {
    Workflow(Workflow),
    Action(&'static Action),
}

impl TargetDef {
    /// Whether a row's run writes to Stripe, and how many writes.
    pub fn writes(&self) -> u64 {
        match self {
            TargetDef::Workflow(w) => w
                .steps
                .iter()
                .filter(|s| ActionCatalog.writes(&s.action))
                .count() as u64,
            TargetDef::Action(a) => u64::from(a.writes),
        }
    }

    pub fn name(&self) -> String {
        match self {
            TargetDef::Workflow(w) => w.name.clone(),
            TargetDef::Action(a) => a.name.clone(),
        }
    }
}

const ADDRESS_PARTS: [(&str, &str); 6] = [
    ("line1", "Line 1"),
    ("line2", "Line 2"),
    ("city", "City"),
    ("postal_code", "Postal code"),
    ("state", "State or region"),
    ("country", "Country"),
];

fn slot(id: String, label: String, kind: Kind, required: bool) -> Slot {
    Slot {
        takes: kind.describe(),
        id,
        label,
        required,
        kind,
    }
}

/// The slots of a target. An action's metadata keys come from the
/// mapping (`metadata.<key>`), since the person names them.
pub fn slots(target: &TargetDef, mapping: Option<&Mapping>) -> Vec<Slot> {
    match target {
        TargetDef::Workflow(w) => w
            .inputs
            .iter()
            .map(|i| {
                let label = if i.label.trim().is_empty() {
                    i.name.replace('_', " ")
                } else {
                    i.label.trim().to_owned()
                };
                slot(i.name.clone(), label, i.kind.kind(), true)
            })
            .collect(),
        TargetDef::Action(action) => {
            let mut out = Vec::new();
            for f in &action.fields {
                let kind = ActionCatalog
                    .field_kind(&action.id, &f.id)
                    .unwrap_or(Kind::Any);
                match &f.kind {
                    FieldKind::Address => {
                        for (part, words) in ADDRESS_PARTS {
                            out.push(slot(
                                format!("{}.{part}", f.id),
                                format!("{} → {words}", f.label),
                                Kind::Text,
                                false,
                            ));
                        }
                    }
                    FieldKind::SubscriptionItems => {
                        out.push(slot(
                            format!("{}.price", f.id),
                            format!("{} → Price", f.label),
                            Kind::id("price_"),
                            f.required,
                        ));
                        out.push(slot(
                            format!("{}.quantity", f.id),
                            format!("{} → Quantity", f.label),
                            Kind::Integer,
                            false,
                        ));
                    }
                    FieldKind::Metadata => {
                        for m in mapping.into_iter().flat_map(|m| &m.slots) {
                            if let Some(key) = metadata_key(action, &m.slot) {
                                out.push(slot(
                                    m.slot.clone(),
                                    format!("{} → {key}", f.label),
                                    Kind::Text,
                                    false,
                                ));
                            }
                        }
                    }
                    FieldKind::KeyValueRows => {}
                    _ => {
                        let required = f.required && f.default.is_none();
                        out.push(slot(f.id.clone(), f.label.clone(), kind, required));
                    }
                }
            }
            out
        }
    }
}

/// The metadata key a slot names (`metadata.external_id`), for an action
/// that takes metadata.
pub fn metadata_key<'s>(action: &Action, slot: &'s str) -> Option<&'s str> {
    let (field, key) = slot.split_once('.')?;
    let f = action.field(field)?;
    (f.kind == FieldKind::Metadata && !key.trim().is_empty()).then_some(key)
}

/// Lowercase words, accents folded, everything else a space.
pub fn words_of(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
            'ç' => "c",
            'è' | 'é' | 'ê' | 'ë' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ñ' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'ß' => "ss",
            c if c.is_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => " ",
        };
        out.push_str(folded);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Other names people give the column for a slot.
fn synonyms(id_tail: &str, kind: &Kind) -> &'static [&'static str] {
    match (id_tail, kind) {
        ("email", _) | (_, Kind::Email) => &[
            "email",
            "e mail",
            "email address",
            "e mail address",
            "mail",
            "customer email",
        ],
        ("name", _) => &[
            "full name",
            "customer name",
            "customer",
            "company",
            "company name",
            "business name",
            "product name",
            "product",
        ],
        ("phone", _) => &[
            "telephone",
            "tel",
            "mobile",
            "phone number",
            "telephone number",
        ],
        ("description", _) => &["notes", "note", "comment", "comments"],
        ("line1", _) => &[
            "address",
            "street",
            "address 1",
            "address line 1",
            "street address",
        ],
        ("line2", _) => &["address 2", "address line 2"],
        ("city", _) => &["town"],
        ("postal_code", _) => &["postcode", "zip", "zip code", "post code", "postal"],
        ("state", _) => &["county", "region", "province"],
        ("country", _) => &["country code"],
        ("price_amount", _) | (_, Kind::Amount) => {
            &["price", "amount", "unit price", "unit amount"]
        }
        ("price_currency", _) | (_, Kind::Currency) => &["currency"],
        ("preferred_locales", _) => &["language", "languages", "locale"],
        (_, Kind::Id { prefix }) if prefix == "cus_" => &["customer", "customer id"],
        (_, Kind::Id { prefix }) if prefix == "price_" => &["price", "price id", "plan"],
        (_, Kind::Id { prefix }) if prefix == "prod_" => &["product", "product id"],
        _ => &[],
    }
}

/// The names a column may have to fill `slot`: its own (which may also
/// sit inside a longer column name), and others people use (whole only).
fn candidates(slot: &Slot) -> (Vec<String>, Vec<String>) {
    let tail = slot.id.rsplit('.').next().unwrap_or(&slot.id);
    let mut own = vec![
        words_of(&slot.id),
        words_of(tail),
        words_of(&slot.label),
        words_of(slot.label.rsplit('→').next().unwrap_or(&slot.label)),
    ];
    own.retain(|n| !n.is_empty());
    own.dedup();
    let others = synonyms(tail, &slot.kind)
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    (own, others)
}

fn squashed(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// How well a column's name fits a slot: 2 the same name (its own or
/// another), 1 its own name inside it as whole words ("Customer email" for
/// Email), 0 not at all.
fn fit(column: &str, (own, others): &(Vec<String>, Vec<String>)) -> u8 {
    let col = words_of(column);
    if col.is_empty() {
        return 0;
    }
    let col_squashed = squashed(&col);
    if own
        .iter()
        .chain(others)
        .any(|n| squashed(n) == col_squashed)
    {
        return 2;
    }
    let padded = format!(" {col} ");
    if own
        .iter()
        .any(|n| n.len() >= 4 && padded.contains(&format!(" {n} ")))
    {
        return 1;
    }
    0
}

/// Columns named `metadata[key]`, `metadata.key` or `metadata: key`.
fn metadata_column(name: &str) -> Option<String> {
    let lower = name.trim().to_lowercase();
    let rest = lower.strip_prefix("metadata")?;
    let key: String = rest
        .trim_matches(|c: char| c == '[' || c == ']' || c == '.' || c == ':' || c == ' ')
        .to_owned();
    (!key.is_empty()
        && key.len() <= 40
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    .then_some(key)
}

/// The mapping found by the columns' names: each slot gets the column that
/// fits it best, each column fills one slot at most.
pub fn propose(target: &TargetDef, columns: &[ColumnInfo]) -> Mapping {
    let mut mapping = Mapping::default();
    let mut taken = vec![false; columns.len()];
    if let TargetDef::Action(action) = target {
        if let Some(meta) = action.fields.iter().find(|f| f.kind == FieldKind::Metadata) {
            for c in columns {
                if let Some(key) = metadata_column(&c.name) {
                    taken[c.index as usize] = true;
                    mapping.slots.push(SlotMapping {
                        slot: format!("{}.{key}", meta.id),
                        source: SlotSource::Column { column: c.index },
                        by_name: true,
                    });
                }
            }
        }
    }
    let slots = slots(target, None);
    let mut pairs = Vec::new();
    for (s, slot) in slots.iter().enumerate() {
        let names = candidates(slot);
        for c in columns.iter().filter(|c| !c.sensitive) {
            let score = fit(&c.name, &names);
            if score > 0 {
                pairs.push((score, s, c.index as usize));
            }
        }
    }
    // Best fits first; then the slot's and the column's order.
    pairs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut filled = vec![false; slots.len()];
    for (_, s, c) in pairs {
        if filled[s] || taken[c] {
            continue;
        }
        filled[s] = true;
        taken[c] = true;
        mapping.slots.push(SlotMapping {
            slot: slots[s].id.clone(),
            source: SlotSource::Column { column: c as u32 },
            by_name: true,
        });
    }
    // Slots in their own order, for the screen.
    let order = |id: &str| slots.iter().position(|s| s.id == id).unwrap_or(usize::MAX);
    mapping.slots.sort_by_key(|m| order(&m.slot));
    mapping
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflows::model::InputKind;

    fn col(index: u32, name: &str) -> ColumnInfo {
        ColumnInfo {
            index,
            letter: super::super::sheet::column_letter(index as usize),
            name: name.into(),
            sample: Vec::new(),
            sensitive: super::super::mask::sensitive_column(name),
        }
    }

    fn mapped(m: &Mapping) -> Vec<(String, u32)> {
        m.slots
            .iter()
            .filter_map(|s| match s.source {
                SlotSource::Column { column } => Some((s.slot.clone(), column)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn words_fold_case_accents_and_marks() {
        assert_eq!(words_of("E-mail"), "e mail");
        assert_eq!(words_of("  Adresse  électronique "), "adresse electronique");
        assert_eq!(words_of("Postal_Code"), "postal code");
    }

    #[test]
    fn customer_columns_are_matched_by_name() {
        let action = TargetDef::Action(crate::actions::find("create_customer").unwrap());
        let columns = [
            col(0, "Customer name"),
            col(1, "E-mail"),
            col(2, "Telephone"),
            col(3, "Town"),
            col(4, "ZIP"),
            col(5, "Country"),
            col(6, "metadata[external_id]"),
            col(7, "Card number"),
            col(8, "Favourite colour"),
        ];
        let m = propose(&action, &columns);
        assert_eq!(
            mapped(&m),
            vec![
                ("name".into(), 0),
                ("email".into(), 1),
                ("phone".into(), 2),
                ("address.city".into(), 3),
                ("address.postal_code".into(), 4),
                ("address.country".into(), 5),
                ("metadata.external_id".into(), 6),
            ]
        );
        // The metadata slot is offered because the mapping names it.
        assert!(slots(&action, Some(&m))
            .iter()
            .any(|s| s.id == "metadata.external_id"));
    }

    #[test]
    fn email_address_and_names_inside_longer_headers() {
        let action = TargetDef::Action(crate::actions::find("create_customer").unwrap());
        let m = propose(&action, &[col(0, "Email address"), col(1, "Full name")]);
        assert_eq!(mapped(&m), vec![("name".into(), 1), ("email".into(), 0)]);
        let m = propose(&action, &[col(0, "Primary email of the customer")]);
        assert_eq!(mapped(&m), vec![("email".into(), 0)]);
    }

    #[test]
    fn workflow_inputs_by_name_label_and_kind() {
        let mut w = Workflow::new("Signup");
        w.add_input("email", "Customer email", InputKind::Email)
            .unwrap();
        w.add_input(
            "fee",
            "Setup fee",
            InputKind::AmountIn {
                currency: "eur".into(),
            },
        )
        .unwrap();
        let m = propose(
            &TargetDef::Workflow(w),
            &[col(0, "Setup fee"), col(1, "mail")],
        );
        assert_eq!(mapped(&m), vec![("email".into(), 1), ("fee".into(), 0)]);
    }
}
