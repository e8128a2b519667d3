//! Runs over every row of a spreadsheet, against the simulator over real
//! HTTP: files in every dialect (CSV delimiters and encodings, XLSX and ODS
//! made here, in the test), columns mapped by name, the dry run's mistakes
//! at their cells, matching what exists by email and by an external ID,
//! runs that create nothing twice (again, on a copy, a week later, after
//! two SIGKILLs of the running process at 20% faults), results written as
//! CSV and XLSX, failed rows retried after a fix, Pause/Resume/Cancel, live
//! mode's confirmation, and nothing sensitive kept.

use crate::support::connect;
use desk_core::bulk::sheet;
use desk_core::bulk::*;
use desk_core::connections::secret_store::MemoryStore;
use desk_core::connections::ExpectedConnection;
use desk_core::desk::{Desk, DeskConfig};
use desk_core::money::NumberFormat;
use desk_core::stripe::{Auth, ClientConfig, Params, Request, StripeClient};
use desk_core::views::Mode;
use desk_core::workflows::model::InputKind;
use desk_core::workflows::Workflow;
use desk_core::{Bases, Secret};
use desk_testkit::prices;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use stripe_sim::{Failure, KeyAccess, SimConfig, Simulator};

const KEY: &str = "sk_test_51BulkShop00000000000000000000001";
const LIVE_KEY: &str = "sk_live_FAKE_bulk_shop_key_0009";
const ACCOUNT: &str = "acct_1BulkShop";

async fn sim() -> Simulator {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account(ACCOUNT, "Bulk Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    sim.add_key(LIVE_KEY, ACCOUNT, KeyAccess::Full);
    sim
}

fn desk(sim: &Simulator, dir: &Path) -> Desk {
    let base = sim.base_url();
    let bases = Bases {
        api: base.clone(),
        connect: base.clone(),
        marketplace: base.clone(),
    };
    let mut cfg = DeskConfig::new(bases, dir.to_path_buf());
    let mut client = ClientConfig::new(&base, &base);
    client.retry.initial_delay = Duration::from_millis(5);
    client.retry.max_delay = Duration::from_millis(20);
    client.timeout = Duration::from_secs(10);
    cfg.client = client;
    Desk::new(cfg, Arc::new(MemoryStore::default())).unwrap()
}

fn client(sim: &Simulator) -> StripeClient {
    let mut c = ClientConfig::new(sim.base_url(), sim.base_url());
    c.retry.initial_delay = Duration::from_millis(5);
    c.test_mode_rate = 1000;
    StripeClient::new(c).unwrap()
}

fn auth() -> Auth {
    Auth {
        secret: Secret::new(KEY),
        mode: Mode::Test,
        stripe_account: None,
    }
}

/// Every customer of the account (test mode), oldest first.
async fn customers(c: &StripeClient) -> Vec<Value> {
    use futures_util::TryStreamExt;
    let auth = auth();
    let all: Vec<Value> = c
        .list::<Value>(&auth, "/v1/customers", Params::new().text("limit", "100"))
        .try_collect()
        .await
        .unwrap();
    all.into_iter().rev().collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn action(id: &str) -> BulkTarget {
    BulkTarget::Action {
        action_id: id.into(),
    }
}

fn column(view: &SheetView, name: &str) -> u32 {
    view.columns
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", view.columns))
        .index
}

fn options(format: NumberFormat) -> BulkOptions {
    BulkOptions {
        number_format: format,
        skip_existing: ExistingMatch::Nothing,
    }
}

/// Opens `path`, maps it by name and dry-runs it.
async fn checked(
    d: &Desk,
    expected: &ExpectedConnection,
    path: &Path,
    target: &BulkTarget,
    opts: BulkOptions,
) -> (SheetView, DryRunSummary) {
    let view = d.bulk_open(path).await.unwrap();
    let proposal = d.bulk_propose_mapping(&view.file_id, target).unwrap();
    let summary = d
        .bulk_dry_run(&view.file_id, expected, target, proposal.mapping, opts)
        .await
        .unwrap();
    (view, summary)
}

async fn run(d: &Desk, expected: &ExpectedConnection, file_id: &str) -> BulkProgress {
    d.bulk_run(file_id, expected, false, None, &mut |_| {})
        .await
        .unwrap()
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// A small ODS: the zip of XML LibreOffice writes, with the parts calamine reads.
fn ods(rows: &[&[(&str, Option<f64>)]]) -> Vec<u8> {
    use std::io::Write;
    let mut cells = String::new();
    for row in rows {
        cells.push_str("<table:table-row>");
        for (text, number) in *row {
            match number {
                Some(n) => cells.push_str(&format!(
                    r#"<table:table-cell office:value-type="float" office:value="{n}"><text:p>{text}</text:p></table:table-cell>"#
                )),
                None => cells.push_str(&format!(
                    r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#
                )),
            }
        }
        cells.push_str("</table:table-row>");
    }
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Customers">{cells}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", stored).unwrap();
    zip.write_all(manifest.as_bytes()).unwrap();
    zip.start_file("content.xml", stored).unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

/// The rows as a table: each cell by row and column.
fn table(opened: &sheet::Opened) -> Vec<Vec<String>> {
    let t = &opened.table;
    (0..t.len())
        .map(|i| (0..t.width()).map(|c| t.cell(i, c).to_owned()).collect())
        .collect()
}

/// Issue 20, "Opening a file": CSV with every usual delimiter, UTF-8 with
/// and without a BOM, UTF-16 and Latin-1; a title above the header and a
/// line break inside a quoted cell; XLSX (two sheets, numbers and a date)
/// and ODS made here. The same rows read the same, and the same content
/// hashes the same whatever its bytes.
#[tokio::test]
async fn every_dialect_reads_the_same_rows_and_the_same_content_hashes_the_same() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let expected_rows = vec![
        vec!["Name", "Email", "Price"],
        vec!["Zoë Brontë", "zoe@example.com", "12,50"],
        vec!["Jo Baker", "jo@example.com", "7,00"],
    ];
    let lines = |sep: &str, quote: bool| -> String {
        expected_rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| {
                        if quote || c.contains(sep) {
                            format!("\"{c}\"")
                        } else {
                            (*c).to_owned()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(sep)
            })
            .collect::<Vec<_>>()
            .join("\r\n")
    };
    let latin1: Vec<u8> = lines(";", false)
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect();
    let files = [
        (
            "comma.csv",
            lines(",", false).into_bytes(),
            "comma",
            "UTF-8",
        ),
        (
            "quoted.csv",
            (lines(",", true) + "\r\n").into_bytes(),
            "comma",
            "UTF-8",
        ),
        (
            "semicolon-bom.csv",
            format!("\u{feff}{}", lines(";", false).replace("\r\n", "\n")).into_bytes(),
            "semicolon",
            "UTF-8 with a byte order mark",
        ),
        (
            "tab-utf16.txt",
            utf16le(&lines("\t", false)),
            "tab",
            "UTF-16",
        ),
        (
            "bar.csv",
            lines("|", false).into_bytes(),
            "vertical bar",
            "UTF-8",
        ),
        ("latin1.csv", latin1, "semicolon", "Latin-1 (Windows)"),
    ];
    let mut hashes = Vec::new();
    for (name, bytes, delimiter, encoding) in files {
        let path = write(dir.path(), name, &bytes);
        let view = d.bulk_open(&path).await.unwrap();
        assert_eq!(
            view.format,
            FileFormat::Csv {
                delimiter: delimiter.into(),
                encoding: encoding.into()
            },
            "{name}"
        );
        assert_eq!(view.header_row, Some(1), "{name}");
        assert_eq!(view.rows, 2, "{name}");
        let names: Vec<&str> = view.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Name", "Email", "Price"], "{name}");
        assert_eq!(view.columns[0].sample, ["Zoë Brontë", "Jo Baker"], "{name}");
        let opened = sheet::open(&path, None).unwrap();
        assert_eq!(table(&opened), expected_rows, "{name}");
        hashes.push(opened.content_hash);
    }
    assert!(
        hashes.windows(2).all(|w| w[0] == w[1]),
        "the same rows in other bytes: {hashes:?}"
    );

    // A title above the header, an empty line, a line break inside a cell.
    let path = write(
        dir.path(),
        "titled.csv",
        b"Customer export for May\n\nName,Email,Notes\nJo,jo@example.com,\"line one\nline two\"\n",
    );
    let view = d.bulk_open(&path).await.unwrap();
    assert_eq!(view.header_row, Some(3));
    assert_eq!(view.detected_header_row, Some(3));
    assert_eq!((view.first_row, view.rows), (Some(4), 1));
    assert_eq!(view.columns[2].sample, ["line one\nline two"]);
    // The header row can be changed, or there may be none.
    let none = d.bulk_set_header_row(&view.file_id, None).unwrap();
    assert_eq!(none.columns[0].name, "Column A");
    assert_eq!(none.rows, 3);
    let refused = d.bulk_set_header_row(&view.file_id, Some(2)).unwrap_err();
    assert!(refused.plain_message().starts_with("Row 2 is empty"));
    let back = d.bulk_set_header_row(&view.file_id, Some(3)).unwrap();
    assert_eq!(back.columns[1].name, "Email");

    // XLSX with two sheets; numbers stay numbers, a date reads as a day.
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet().set_name("Customers").unwrap();
    s.write_string(0, 0, "Name").unwrap();
    s.write_string(0, 1, "Email").unwrap();
    s.write_string(0, 2, "Price").unwrap();
    s.write_string(0, 3, "Since").unwrap();
    s.write_string(1, 0, "Zoë Brontë").unwrap();
    s.write_string(1, 1, "zoe@example.com").unwrap();
    s.write_number(1, 2, 12.5).unwrap();
    let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 3, 1).unwrap();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    s.write_datetime_with_format(1, 3, &day, &date).unwrap();
    let p = book.add_worksheet().set_name("Products").unwrap();
    p.write_string(0, 0, "Product").unwrap();
    p.write_string(1, 0, "Tea").unwrap();
    let xlsx = write(dir.path(), "book.xlsx", &book.save_to_buffer().unwrap());
    let view = d.bulk_open(&xlsx).await.unwrap();
    assert_eq!(view.format, FileFormat::Xlsx);
    assert_eq!(view.sheets, ["Customers", "Products"]);
    assert_eq!(view.columns[2].sample, ["12.5"]);
    assert_eq!(view.columns[3].sample, ["2026-03-01"]);
    let products = d
        .bulk_choose_sheet(&view.file_id, "Products")
        .await
        .unwrap();
    assert_eq!(products.sheet, "Products");
    assert_eq!(products.columns[0].name, "Product");
    assert_eq!(products.columns[0].sample, ["Tea"]);
    assert!(d.bulk_choose_sheet(&view.file_id, "Nope").await.is_err());

    // ODS.
    let ods = write(
        dir.path(),
        "book.ods",
        &ods(&[
            &[("Name", None), ("Price", None)],
            &[("Zoë Brontë", None), ("12,5", Some(12.5))],
        ]),
    );
    let view = d.bulk_open(&ods).await.unwrap();
    assert_eq!(view.format, FileFormat::Ods);
    assert_eq!(view.columns[0].sample, ["Zoë Brontë"]);
    assert_eq!(view.columns[1].sample, ["12.5"]);

    // Past the limits: refused, in words, before anything is kept.
    let wide: String = (0..201).map(|i| format!("c{i},")).collect::<String>() + "\n";
    let path = write(dir.path(), "wide.csv", wide.as_bytes());
    let refused = d.bulk_open(&path).await.unwrap_err();
    assert_eq!(refused.plain_message(), sheet::LIMITS_IN_WORDS);
    assert!(sheet::LIMITS_IN_WORDS.contains("100 MB"));
    let junk = write(dir.path(), "junk.xlsx", b"PK\x03\x04 not really a zip");
    let refused = d.bulk_open(&junk).await.unwrap_err();
    assert!(
        refused
            .plain_message()
            .starts_with("This file could not be read as a spreadsheet"),
        "{}",
        refused.plain_message()
    );
}

/// Issue 20, "Mapping": columns fill an action's fields and a workflow's
/// inputs by their names; every mapping can be changed, a column left out
/// and a constant put in its place.
#[tokio::test]
async fn columns_are_mapped_by_name_and_the_mapping_can_be_changed() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let expected = connect(&d, KEY).await;
    let path = write(
        dir.path(),
        "people.csv",
        b"Full name,E-mail,Telephone,Town,ZIP,Country,metadata[external_id],Card number\nJo Baker,jo@example.com,+44 20 7946 0958,London,N1 9GU,United Kingdom,A-1,4242424242424242\n",
    );
    let view = d.bulk_open(&path).await.unwrap();
    let proposal = d
        .bulk_propose_mapping(&view.file_id, &action("create_customer"))
        .unwrap();
    let mapped: BTreeMap<String, String> = proposal
        .mapping
        .slots
        .iter()
        .filter_map(|m| match m.source {
            SlotSource::Column { column } => {
                Some((m.slot.clone(), view.columns[column as usize].name.clone()))
            }
            _ => None,
        })
        .collect();
    let want: BTreeMap<String, String> = [
        ("name", "Full name"),
        ("email", "E-mail"),
        ("phone", "Telephone"),
        ("address.city", "Town"),
        ("address.postal_code", "ZIP"),
        ("address.country", "Country"),
        ("metadata.external_id", "metadata[external_id]"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    assert_eq!(mapped, want);
    assert!(
        view.columns[7].sensitive,
        "a card number column is sensitive"
    );
    assert!(view.columns[7].sample[0].ends_with("(hidden)"));
    assert!(proposal
        .slots
        .iter()
        .any(|s| s.id == "address.country" && s.label == "Billing address → Country"));

    // Changed: the phone left out, the description a constant.
    let mut mapping = proposal.mapping.clone();
    mapping.slots.retain(|m| m.slot != "phone");
    mapping.slots.push(SlotMapping {
        slot: "description".into(),
        source: SlotSource::Constant {
            value: "Imported in May".into(),
        },
        by_name: false,
    });
    let summary = d
        .bulk_dry_run(
            &view.file_id,
            &expected,
            &action("create_customer"),
            mapping,
            options(NumberFormat::POINT),
        )
        .await
        .unwrap();
    assert_eq!(summary.sentence, "1 row ready, 0 need fixing");
    let done = run(&d, &expected, &view.file_id).await;
    assert_eq!(done.created, 1);
    let made = customers(&client(&sim)).await;
    assert_eq!(made[0]["description"], "Imported in May");
    assert_eq!(made[0]["phone"], Value::Null);
    assert_eq!(made[0]["address"]["country"], "GB");
    assert_eq!(made[0]["metadata"]["external_id"], "A-1");

    // A workflow's inputs, by name and label.
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
    w.add_step("create_customer", "create_customer").unwrap();
    w.steps[0]
        .fields
        .insert("email".into(), json!("{{input.email}}"));
    d.save_workflow(&w).unwrap();
    let path = write(
        dir.path(),
        "fees.csv",
        b"Setup fee;Mail\n12,50;ann@example.com\n",
    );
    let view = d.bulk_open(&path).await.unwrap();
    let proposal = d
        .bulk_propose_mapping(
            &view.file_id,
            &BulkTarget::Workflow {
                workflow_id: w.id.clone(),
            },
        )
        .unwrap();
    let sources: Vec<(String, SlotSource)> = proposal
        .mapping
        .slots
        .iter()
        .map(|m| (m.slot.clone(), m.source.clone()))
        .collect();
    assert_eq!(
        sources,
        vec![
            ("email".into(), SlotSource::Column { column: 1 }),
            ("fee".into(), SlotSource::Column { column: 0 }),
        ]
    );
}

fn problems_of(page: &RowsPage) -> Vec<(u32, String, String)> {
    page.rows
        .iter()
        .flat_map(|r| {
            r.problems
                .iter()
                .map(|p| (p.row, p.column_name.clone(), p.message.clone()))
        })
        .collect()
}

/// Issue 20, "Dry run": every row through the forms' checks (amounts in
/// the person's convention, emails, IDs, limits), each mistake at its cell
/// in words; the summary; a fix in place; the bad rows left out; what is
/// wrong with the mapping said once.
#[tokio::test]
async fn the_dry_run_tells_each_mistake_at_its_cell() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let expected = connect(&d, KEY).await;
    let long = "a".repeat(5001);
    let csv = format!(
        "Name;Price;Currency\nTea;12,50;eur\nCoffee;12,5O;eur\nCake;4,00;euro\nMochi;1,5;jpy\n{long};3,00;eur\n;2,00;eur\nScone;1.234,50;eur\n"
    );
    let path = write(dir.path(), "products.csv", csv.as_bytes());
    let (view, summary) = checked(
        &d,
        &expected,
        &path,
        &action("create_product"),
        options(NumberFormat::COMMA),
    )
    .await;
    assert_eq!(summary.sentence, "2 rows ready, 5 need fixing");
    assert!(summary.mapping_problems.is_empty(), "{summary:?}");
    let page = d
        .bulk_rows(&RowsQuery {
            file_id: view.file_id.clone(),
            filter: RowFilter::NeedsFixing,
            offset: 0,
            limit: 50,
        })
        .unwrap();
    assert_eq!(page.total, 5);
    let found = problems_of(&page);
    let expect = [
        (3, "Price", "“12,5O” is not an amount. Enter an amount like 12.50, with digits and at most one decimal mark."),
        (4, "Currency", "Enter a currency as three letters, such as eur or usd."),
        (5, "Price", "“1,5”: JPY has no decimal places: enter a whole amount."),
        (6, "Name", "Name can be at most 5000 characters."),
        (7, "Name", "Name is required."),
    ];
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    for ((row, col, message), (want_row, want_col, want)) in found.iter().zip(expect) {
        assert_eq!((*row, col.as_str()), (want_row, want_col), "{found:#?}");
        assert!(message.starts_with(want), "row {row}: {message}");
    }
    // The cell is in the table as typed, and fixed in place.
    let row3 = &page.rows[0];
    assert_eq!(row3.cells[1], "12,5O");
    let fixed = d
        .bulk_fix_cell(&view.file_id, 3, column(&view, "Price"), "12,50".into())
        .unwrap();
    assert_eq!(fixed.state, RowState::Ready);
    assert_eq!(fixed.fixed, [1]);
    assert_eq!(
        d.bulk_summary(&view.file_id).unwrap().sentence,
        "3 rows ready, 4 need fixing"
    );
    // "Skip the bad rows".
    let summary = d.bulk_leave_out_rows_to_fix(&view.file_id).unwrap();
    assert_eq!(summary.sentence, "3 rows ready, 0 need fixing, 4 left out");
    let done = run(&d, &expected, &view.file_id).await;
    assert_eq!((done.created, done.failed), (3, 0));
    let mut prices: Vec<i64> = Vec::new();
    for p in sim_products(&sim).await {
        prices.push(p["default_price"]["unit_amount"].as_i64().unwrap_or(-1));
    }
    prices.sort();
    assert_eq!(
        prices,
        [1250, 1250, 123450],
        "in minor units, read in the comma convention"
    );

    // A constant that is wrong, and a required field with no column: said
    // once, not on every row, and nothing runs.
    let mut mapping = d
        .bulk_propose_mapping(&view.file_id, &action("create_product"))
        .unwrap()
        .mapping;
    mapping.slots.retain(|m| m.slot != "name");
    for m in &mut mapping.slots {
        if m.slot == "price_currency" {
            m.source = SlotSource::Constant {
                value: "euro".into(),
            };
        }
    }
    let summary = d
        .bulk_dry_run(
            &view.file_id,
            &expected,
            &action("create_product"),
            mapping,
            options(NumberFormat::COMMA),
        )
        .await
        .unwrap();
    assert_eq!(
        summary.mapping_problems,
        [
            "Currency (the same for every row, “euro”): Enter a currency as three letters, such as eur or usd.",
            "Name: pick the column that holds it, or enter a value for every row.",
        ]
    );
    let refused = d
        .bulk_run(&view.file_id, &expected, false, None, &mut |_| {})
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "bulk_not_ready");

    // A workflow's inputs: checked as its run form checks them.
    let mut w = Workflow::new("Signup");
    w.add_input("email", "Customer email", InputKind::Email)
        .unwrap();
    w.add_step("create_customer", "create_customer").unwrap();
    w.steps[0]
        .fields
        .insert("email".into(), json!("{{input.email}}"));
    w.steps[0]
        .fields
        .insert("name".into(), json!("{{input.email}}"));
    d.save_workflow(&w).unwrap();
    let path = write(
        dir.path(),
        "signups.csv",
        b"Email\nann@example.com\nnot-an-email\n",
    );
    let (view, summary) = checked(
        &d,
        &expected,
        &path,
        &BulkTarget::Workflow {
            workflow_id: w.id.clone(),
        },
        options(NumberFormat::POINT),
    )
    .await;
    assert_eq!(summary.sentence, "1 row ready, 1 needs fixing");
    let page = d
        .bulk_rows(&RowsQuery {
            file_id: view.file_id.clone(),
            filter: RowFilter::NeedsFixing,
            offset: 0,
            limit: 10,
        })
        .unwrap();
    assert_eq!(
        problems_of(&page),
        [(
            3,
            "Email".to_owned(),
            "“not-an-email”: \"not-an-email\" is not an email address: it should look like name@example.com.".to_owned()
        )]
    );
}

async fn sim_products(sim: &Simulator) -> Vec<Value> {
    let c = client(sim);
    let page = c
        .send(
            &auth(),
            &Request::get("/v1/products").params(
                Params::new()
                    .text("limit", "100")
                    .text("expand[]", "data.default_price"),
            ),
        )
        .await
        .unwrap();
    page["data"].as_array().cloned().unwrap_or_default()
}

async fn make_customer(c: &StripeClient, email: &str, external_id: &str) -> String {
    let mut p = Params::new().text("email", email);
    p = p.param(
        "metadata",
        desk_core::stripe::Param::Map(vec![(
            "external_id".into(),
            desk_core::stripe::Param::Text(external_id.into()),
        )]),
    );
    c.send(&auth(), &Request::post("/v1/customers").params(p))
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Issue 20, "Matching what exists": by email (the list's exact filter)
/// and by an ID kept in a metadata key (Stripe's search, or every customer
/// listed where search is not offered); the dry run says how many, and the
/// run skips them.
#[tokio::test]
async fn rows_whose_customer_exists_are_found_by_email_and_by_external_id_and_skipped() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let expected = connect(&d, KEY).await;
    let c = client(&sim);
    let ann = make_customer(&c, "ann@example.com", "A-1").await;
    let bob = make_customer(&c, "bob@example.com", "B-2").await;
    let path = write(
        dir.path(),
        "crm.csv",
        b"Name,Email,External ID\nAnn,ann@example.com,A-1\nCid,cid@example.com,C-3\nBob,bob@example.com,B-2\nDee,dee@example.com,D-4\nEve,Ann@Example.com,E-5\n",
    );
    let view = d.bulk_open(&path).await.unwrap();
    let target = action("create_customer");
    let mut mapping = d
        .bulk_propose_mapping(&view.file_id, &target)
        .unwrap()
        .mapping;
    mapping.slots.push(SlotMapping {
        slot: "metadata.external_id".into(),
        source: SlotSource::Column {
            column: column(&view, "External ID"),
        },
        by_name: false,
    });
    let mut opts = options(NumberFormat::POINT);
    opts.skip_existing = ExistingMatch::Email {
        column: column(&view, "Email"),
    };
    d.bulk_dry_run(
        &view.file_id,
        &expected,
        &target,
        mapping.clone(),
        opts.clone(),
    )
    .await
    .unwrap();
    let mut heard = Vec::new();
    let found = d
        .bulk_find_existing(&view.file_id, &expected, &mut |p| heard.push(p.clone()))
        .await
        .unwrap();
    // Stripe's email filter is exact: "Ann@Example.com" is someone else.
    assert_eq!((found.checked, found.existing), (5, 2));
    assert_eq!(
        found.sentence.as_deref(),
        Some("2 of 5 rows match a customer that is already in Stripe.")
    );
    assert!(heard.len() >= 2);
    assert_eq!(
        d.bulk_summary(&view.file_id).unwrap().sentence,
        "3 rows ready, 0 need fixing, 2 already in Stripe"
    );

    // By the ID in metadata[external_id], through Stripe's search.
    opts.skip_existing = ExistingMatch::Metadata {
        key: "external_id".into(),
        column: column(&view, "External ID"),
    };
    d.bulk_dry_run(
        &view.file_id,
        &expected,
        &target,
        mapping.clone(),
        opts.clone(),
    )
    .await
    .unwrap();
    sim.clear_requests();
    let found = d
        .bulk_find_existing(&view.file_id, &expected, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(found.existing, 2);
    let searches: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/customers/search")
        .collect();
    assert_eq!(searches.len(), 1, "five IDs in one query joined with OR");
    // Where Stripe does not offer search: every customer listed once.
    sim.set_search_unavailable(ACCOUNT, true);
    let found = d
        .bulk_find_existing(&view.file_id, &expected, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(found.existing, 2);

    let done = run(&d, &expected, &view.file_id).await;
    assert_eq!((done.created, done.skipped, done.failed), (3, 2, 0));
    let page = d
        .bulk_rows(&RowsQuery {
            file_id: view.file_id.clone(),
            filter: RowFilter::Skipped,
            offset: 0,
            limit: 10,
        })
        .unwrap();
    let reasons: Vec<(u32, RowState)> =
        page.rows.iter().map(|r| (r.row, r.state.clone())).collect();
    assert_eq!(
        reasons,
        vec![
            (
                2,
                RowState::Skipped {
                    reason: format!("Already in Stripe: {ann}.")
                }
            ),
            (
                4,
                RowState::Skipped {
                    reason: format!("Already in Stripe: {bob}.")
                }
            ),
        ]
    );
    assert_eq!(customers(&c).await.len(), 5);
}

fn idempotency_keys(sim: &Simulator) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .filter_map(|r| r.header("idempotency-key").map(str::to_owned))
        .collect()
}

/// Issue 20, "Running" and "Results": the run's keys derive from the
/// file's content, the row and the step; running the same file again, a
/// copy of it with other bytes, or the same file a week later creates
/// nothing. A workflow's failed rows (Stripe's refusal, in its words) are
/// retried alone after a fix, and the results are written as CSV and XLSX.
#[tokio::test]
async fn a_file_run_again_creates_nothing_and_its_results_are_saved() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let expected = connect(&d, KEY).await;
    let c = client(&sim);
    let (active, archived) = prices::active_and_archived_prices(&c, &auth()).await;
    let mut w = Workflow::new("Subscribe");
    w.add_input("email", "Email", InputKind::Email).unwrap();
    w.add_input(
        "price",
        "Plan",
        InputKind::IdWithPrefix {
            prefix: "price_".into(),
        },
    )
    .unwrap();
    w.add_step("create_customer", "create_customer").unwrap();
    let fields = |v: Value| -> Map<String, Value> { v.as_object().unwrap().clone() };
    w.steps[0].fields = fields(json!({"email": "{{input.email}}"}));
    w.add_step("create_subscription", "create_subscription")
        .unwrap();
    w.steps[1].fields = fields(json!({
        "customer": "{{create_customer.id}}",
        "items": [{"price": "{{input.price}}", "quantity": 1}]
    }));
    d.save_workflow(&w).unwrap();
    let mut csv = String::from("Email,Plan,IBAN\n");
    for i in 0..12 {
        let price = if i == 4 || i == 9 { &archived } else { &active };
        csv.push_str(&format!(
            "p{i}@example.com,{price},DE89370400440532013000\n"
        ));
    }
    csv.push_str("broken,nothing,DE89370400440532013000\n");
    let path = write(dir.path(), "subscribers.csv", csv.as_bytes());
    let target = BulkTarget::Workflow {
        workflow_id: w.id.clone(),
    };
    let (view, summary) =
        checked(&d, &expected, &path, &target, options(NumberFormat::POINT)).await;
    assert_eq!(summary.sentence, "12 rows ready, 1 needs fixing");
    sim.clear_requests();
    let mut heard = Vec::new();
    let done = d
        .bulk_run(&view.file_id, &expected, false, None, &mut |p| {
            heard.push(p.clone())
        })
        .await
        .unwrap();
    assert_eq!((done.total, done.created, done.failed), (12, 10, 2));
    assert_eq!(done.state, BulkRunState::Finished);
    assert!(heard.first().is_some_and(|p| p.done == 0 && p.total == 12));
    // Keys: `stripe-desk-bulk_<content>_<row>-<step>-<n>`.
    let keys = idempotency_keys(&sim);
    let run_of_row2 = desk_core::bulk::job::row_run_id(
        &sheet::open(&path, None).unwrap().content_hash,
        &target,
        2,
    );
    assert!(
        keys.contains(&format!("stripe-desk-{run_of_row2}-create_customer-0")),
        "{keys:?}"
    );
    assert!(keys.contains(&format!("stripe-desk-{run_of_row2}-create_subscription-0")));
    let failed = d
        .bulk_rows(&RowsQuery {
            file_id: view.file_id.clone(),
            filter: RowFilter::Failed,
            offset: 0,
            limit: 10,
        })
        .unwrap();
    assert_eq!(failed.total, 2);
    let RowState::Failed { message } = &failed.rows[0].state else {
        panic!("{:?}", failed.rows[0])
    };
    assert_eq!(
        message,
        "Step 2 (Create Subscription): The price specified is inactive. This field only accepts active prices."
    );
    let customers_after_first = customers(&c).await.len();
    assert_eq!(customers_after_first, 12, "failed rows made their customer");

    // Results, CSV: the file with Result, Stripe IDs and Message added.
    let out = dir.path().join("results.csv");
    d.bulk_save_results(&view.file_id, &out, ResultsFormat::Csv)
        .await
        .unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        !text.contains("DE89370400440532013000"),
        "the IBAN is hidden"
    );
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["Email", "Plan", "IBAN", "Result", "Stripe IDs", "Message"]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 13);
    assert_eq!(&records[0][3], "Created");
    let ids: Vec<&str> = records[0][4].split(' ').collect();
    assert!(
        ids[0].starts_with("cus_") && ids[1].starts_with("sub_"),
        "{ids:?}"
    );
    assert_eq!(&records[4][3], "Failed");
    assert!(records[4][5].contains("The price specified is inactive"));
    assert_eq!(&records[12][3], "Needs fixing");
    assert!(records[12][5].starts_with("Email: "), "{:?}", &records[12]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    // Failed rows retried alone, after a fix: their customers are not made again.
    for row in [6, 11] {
        d.bulk_fix_cell(&view.file_id, row, column(&view, "Plan"), active.clone())
            .unwrap();
    }
    sim.clear_requests();
    let retried = d
        .bulk_run(&view.file_id, &expected, true, None, &mut |_| {})
        .await
        .unwrap();
    assert_eq!((retried.total, retried.created, retried.failed), (2, 2, 0));
    let posts: Vec<String> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.path)
        .collect();
    assert_eq!(posts, ["/v1/subscriptions", "/v1/subscriptions"]);
    assert_eq!(customers(&c).await.len(), 12);

    // XLSX results, read back.
    let out = dir.path().join("results.xlsx");
    d.bulk_save_results(&view.file_id, &out, ResultsFormat::Xlsx)
        .await
        .unwrap();
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook(&out).unwrap();
    let range = book.worksheet_range("subscribers").unwrap();
    let cell = |r: usize, c: usize| range.get((r, c)).map(|v| v.to_string()).unwrap_or_default();
    assert_eq!(cell(0, 3), "Result");
    assert_eq!(cell(5, 3), "Created");
    assert_eq!(cell(13, 3), "Needs fixing");
    assert!(cell(1, 2).ends_with("(hidden)"));

    // The same file again: nothing is sent.
    let subscriptions = || async {
        c.send(
            &auth(),
            &Request::get("/v1/subscriptions")
                .params(Params::new().text("limit", "100").text("status", "all")),
        )
        .await
        .unwrap()["data"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(subscriptions().await, 12);
    sim.clear_requests();
    let (again, summary) =
        checked(&d, &expected, &path, &target, options(NumberFormat::POINT)).await;
    assert_eq!(
        summary.sentence,
        "0 rows ready, 1 needs fixing, 12 done in an earlier run"
    );
    let done = run(&d, &expected, &again.file_id).await;
    assert_eq!(done.total, 0);
    // A copy with other bytes (semicolons, CRLF, quotes), a week later.
    sim.advance_clock(Duration::from_secs(7 * 86_400));
    let copy = write(
        dir.path(),
        "copy of subscribers.csv",
        csv.replace(',', ";").replace('\n', "\r\n").as_bytes(),
    );
    let (copied, summary) =
        checked(&d, &expected, &copy, &target, options(NumberFormat::POINT)).await;
    assert_eq!(summary.done_before, 12);
    run(&d, &expected, &copied.file_id).await;
    assert!(
        sim.requests().iter().all(|r| r.method != "POST"),
        "nothing was sent again"
    );
    assert_eq!(customers(&c).await.len(), 12);
    assert_eq!(subscriptions().await, 12);
    // The runs over files, listed.
    let jobs = d.bulk_jobs().unwrap();
    assert_eq!(jobs.len(), 1, "the copy is the same job: {jobs:?}");
    assert_eq!((jobs[0].created, jobs[0].failed), (12, 0));
}

/// Issue 20, "Running": Pause lets the rows in flight finish and starts no
/// more; Resume goes on; Cancel ends it, and running the file again later
/// finishes it, exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_and_cancel() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = Arc::new(desk(&sim, dir.path()));
    let expected = connect(&d, KEY).await;
    let mut csv = String::from("Email\n");
    for i in 0..150 {
        csv.push_str(&format!("r{i}@example.com\n"));
    }
    let path = write(dir.path(), "many.csv", csv.as_bytes());
    let (view, _) = checked(
        &d,
        &expected,
        &path,
        &action("create_customer"),
        options(NumberFormat::POINT),
    )
    .await;
    sim.set_latency(Duration::from_millis(100));
    let progress = Arc::new(std::sync::Mutex::new(Vec::<BulkProgress>::new()));
    let task = {
        let (d, expected, file, progress) = (
            d.clone(),
            expected.clone(),
            view.file_id.clone(),
            progress.clone(),
        );
        tokio::spawn(async move {
            d.bulk_run(&file, &expected, false, None, &mut |p| {
                progress.lock().unwrap().push(p.clone())
            })
            .await
        })
    };
    let count = || sim.count(ACCOUNT, "customers");
    wait_until("some rows", || count() >= 20).await;
    d.bulk_pause(&view.file_id).unwrap();
    // The rows in flight finish; then it says it is paused.
    wait_until("paused", || {
        progress
            .lock()
            .unwrap()
            .iter()
            .any(|p| p.state == BulkRunState::Paused)
    })
    .await;
    let paused_at = count();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(count(), paused_at, "nothing starts while paused");
    d.bulk_resume(&view.file_id).unwrap();
    wait_until("more rows", || count() >= paused_at + 20).await;
    d.bulk_cancel(&view.file_id).unwrap();
    let cancelled = task.await.unwrap().unwrap();
    assert_eq!(cancelled.state, BulkRunState::Cancelled);
    assert!(cancelled.done < 150);
    let seen = progress.lock().unwrap().clone();
    assert!(seen
        .iter()
        .any(|p| p.rows_per_second > 0.0 && p.seconds_left.is_some()));
    assert!(d.bulk_pause(&view.file_id).is_err(), "not running any more");
    sim.set_latency(Duration::ZERO);
    let rest = run(&d, &expected, &view.file_id).await;
    assert_eq!(cancelled.created + rest.created, 150);
    assert_eq!(count(), 150);
}

async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "never {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Issue 20, "Running": live mode asks once, naming the account, the rows
/// and the writes; without the confirmation, or with a used one, nothing
/// is sent.
#[tokio::test]
async fn live_mode_asks_once_naming_the_account_rows_and_writes() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let expected = connect(&d, LIVE_KEY).await;
    let path = write(
        dir.path(),
        "live.csv",
        b"Email\na@example.com\nb@example.com\n",
    );
    let (view, _) = checked(
        &d,
        &expected,
        &path,
        &action("create_customer"),
        options(NumberFormat::POINT),
    )
    .await;
    let refused = d
        .bulk_run(&view.file_id, &expected, false, None, &mut |_| {})
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "confirmation_needed");
    let plan = d.bulk_plan(&view.file_id, &expected, false).await.unwrap();
    assert_eq!((plan.rows, plan.writes), (2, 2));
    assert!(plan.account.livemode);
    assert_eq!(
        plan.sentence,
        format!(
            "Run “Create Customer” for 2 rows in {} (live mode): 2 writes to Stripe.",
            plan.account.name
        )
    );
    let token = plan.confirmation.clone().unwrap();
    let done = d
        .bulk_run(&view.file_id, &expected, false, Some(&token), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(done.created, 2);
    let again = d
        .bulk_run(&view.file_id, &expected, false, Some(&token), &mut |_| {})
        .await
        .unwrap_err();
    assert_eq!(again.code(), "confirmation_needed");
}

/// Issue 20, "Proof": 2,000 rows of Create Customer, 1 in 50 not an email,
/// while 20% of requests fail (500s, dropped connections, answers lost
/// after Stripe stored the customer); the running process is SIGKILLed
/// twice mid-run and the same file run again each time, then its failed
/// rows retried until none is left: exactly one customer per good row,
/// none for the bad ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_rows_at_twenty_percent_faults_and_two_kills_make_one_customer_per_good_row() {
    use std::process::{Command, Stdio};
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("Name,Email\n");
    let mut good = std::collections::BTreeSet::new();
    for i in 0..2000 {
        if i % 50 == 7 {
            csv.push_str(&format!("Bad {i},not-an-email-{i}\n"));
        } else {
            let email = format!("row{i}@example.com");
            csv.push_str(&format!("Person {i},{email}\n"));
            good.insert(email);
        }
    }
    let file = write(dir.path(), "two-thousand.csv", csv.as_bytes());
    let data = dir.path().join("data");
    let (base, data_dir, file_path) = (sim.base_url(), data.clone(), file.clone());
    let process = move |retry: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_desk-bulk-run"));
        cmd.args(["--api-base", &base, "--data-dir"])
            .arg(&data_dir)
            .arg("--file")
            .arg(&file_path)
            .args([
                "--account",
                ACCOUNT,
                "--action",
                "create_customer",
                "--rate",
                "200",
            ])
            .env("STRIPE_DESK_RUN_KEY", KEY)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if retry {
            cmd.arg("--retry-failed");
        }
        cmd.spawn().unwrap()
    };
    sim.set_latency(Duration::from_millis(20));
    sim.fail_randomly(
        0.2,
        &[
            Failure::ServerError500,
            Failure::CommitThen500,
            Failure::DropConnection,
            Failure::CommitThenDrop,
        ],
    );
    let count = || sim.count(ACCOUNT, "customers");
    for at in [400, 1100] {
        let mut child = process(false);
        wait_until("customers made", || count() >= at).await;
        assert!(child.try_wait().unwrap().is_none(), "still running at {at}");
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    }
    let out = process(false).wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut last: BulkProgress = serde_json::from_slice(&out.stdout).unwrap();
    for _ in 0..12 {
        if last.failed == 0 {
            break;
        }
        let out = process(true).wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        last = serde_json::from_slice(&out.stdout).unwrap();
    }
    assert_eq!(last.failed, 0, "{last:?}");
    sim.fail_randomly(0.0, &[]);
    sim.set_latency(Duration::ZERO);
    let made = customers(&client(&sim)).await;
    let mut by_email: BTreeMap<String, usize> = BTreeMap::new();
    for c in &made {
        *by_email
            .entry(c["email"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    let twice: Vec<_> = by_email.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "made twice: {twice:?}");
    let emails: std::collections::BTreeSet<String> = by_email.into_keys().collect();
    assert_eq!(
        emails, good,
        "one customer per good row, none for the bad ones"
    );
    assert_eq!(made.len(), 1960);
    // Every one carries its row's tag.
    assert!(made.iter().all(|c| c["metadata"]["stripe_desk_run"]
        .as_str()
        .is_some_and(|r| r.starts_with("bulk_"))));
    // And the file run again creates nothing.
    let out = process(false).wait_with_output().unwrap();
    let again: BulkProgress = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again.total, 0);
    assert_eq!(sim.count(ACCOUNT, "customers"), 1960);
}

/// Card numbers, bank account and ID numbers from a spreadsheet are never
/// kept: not in the ledger, not in the results.
#[tokio::test]
async fn nothing_sensitive_from_the_file_reaches_the_ledger_or_the_results() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, &dir.path().join("data"));
    let expected = connect(&d, KEY).await;
    let path = write(
        dir.path(),
        "cards.csv",
        b"Email,Note,Card number\nann@example.com,4000056655665556,4242424242424242\n",
    );
    let view = d.bulk_open(&path).await.unwrap();
    let target = action("create_customer");
    let mut mapping = d
        .bulk_propose_mapping(&view.file_id, &target)
        .unwrap()
        .mapping;
    mapping.slots.push(SlotMapping {
        slot: "description".into(),
        source: SlotSource::Column { column: 1 },
        by_name: false,
    });
    d.bulk_dry_run(
        &view.file_id,
        &expected,
        &target,
        mapping,
        options(NumberFormat::POINT),
    )
    .await
    .unwrap();
    let done = run(&d, &expected, &view.file_id).await;
    assert_eq!(done.created, 1);
    let out = dir.path().join("out.csv");
    d.bulk_save_results(&view.file_id, &out, ResultsFormat::Csv)
        .await
        .unwrap();
    let mut kept = Vec::new();
    for entry in walk(&dir.path().join("data")) {
        kept.extend(std::fs::read(entry).unwrap());
    }
    kept.extend(std::fs::read(&out).unwrap());
    let kept = String::from_utf8_lossy(&kept);
    for secret in ["4000056655665556", "4242424242424242"] {
        assert!(!kept.contains(secret), "{secret} was kept");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A workflow with a step that sends data out of the account (here, every
/// event to a web address) asks first in test mode too, as its run by hand
/// does: the plan names the step, and Run without it sends nothing.
#[tokio::test]
async fn a_run_that_sends_data_out_of_the_account_asks_first_in_test_mode_too() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let d = desk(&sim, dir.path());
    let expected = connect(&d, KEY).await;
    let mut w = Workflow::new("Listen");
    w.add_input("url", "Web address", InputKind::Text).unwrap();
    w.add_step("listen", "any_endpoint").unwrap();
    w.steps[0].fields = json!({
        "method": "POST",
        "path": "/v1/webhook_endpoints",
        "params": [
            {"key": "url", "value": "{{input.url}}"},
            {"key": "enabled_events[0]", "value": "*"},
        ],
    })
    .as_object()
    .unwrap()
    .clone();
    d.save_workflow(&w).unwrap();
    let path = write(
        dir.path(),
        "hooks.csv",
        b"Web address\nhttps://collector.example/a\n",
    );
    let target = BulkTarget::Workflow {
        workflow_id: w.id.clone(),
    };
    let (view, _) = checked(&d, &expected, &path, &target, options(NumberFormat::POINT)).await;
    sim.clear_requests();
    let refused = d
        .bulk_run(&view.file_id, &expected, false, None, &mut |_| {})
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "confirmation_needed");
    assert!(sim.requests().is_empty() || sim.requests().iter().all(|r| r.method != "POST"));
    let plan = d.bulk_plan(&view.file_id, &expected, false).await.unwrap();
    assert!(!plan.account.livemode);
    assert_eq!(plan.moves_out.len(), 1);
    assert!(
        plan.moves_out[0].starts_with("Step 1 (Request to any endpoint)"),
        "{plan:?}"
    );
    assert!(
        plan.sentence.contains("It sends out of the account"),
        "{}",
        plan.sentence
    );
    assert!(plan.confirmation.is_some());
}
