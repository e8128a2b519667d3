//! The packaged Linux desktop entry hands deep links to the app: Tauri's
//! default template has no `%u`, so tauri.conf.json points at our own.

use serde_json::Value;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_deb_desktop_entry_passes_the_url_and_claims_the_scheme() {
    let conf: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tauri.conf.json")).unwrap())
            .unwrap();
    let template = conf["bundle"]["linux"]["deb"]["desktopTemplate"]
        .as_str()
        .expect("a desktop template is configured");
    let schemes = &conf["plugins"]["deep-link"]["desktop"]["schemes"];
    assert_eq!(schemes, &serde_json::json!(["stripe-desk"]));
    let entry = std::fs::read_to_string(root().join(template)).unwrap();
    let exec = entry
        .lines()
        .find(|l| l.starts_with("Exec="))
        .expect("an Exec line");
    assert!(exec.ends_with(" %u"), "{exec}");
    let mime = entry
        .lines()
        .find(|l| l.starts_with("MimeType="))
        .expect("a MimeType line");
    assert!(
        mime.split(['=', ';'])
            .any(|m| m == "x-scheme-handler/stripe-desk"),
        "{mime}"
    );
}

/// `core:event:default` also grants emit, with which the window could
/// inject an OAuth answer as a deep-link event: it gets listen only.
#[test]
fn the_window_may_listen_to_events_but_not_emit_them() {
    let caps: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("capabilities/default.json")).unwrap(),
    )
    .unwrap();
    let events: Vec<&str> = caps["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|p| p.starts_with("core:event:"))
        .collect();
    assert_eq!(
        events,
        ["core:event:allow-listen", "core:event:allow-unlisten"]
    );
}

/// Every file the app reads or writes is one the person picked in a system
/// dialog the backend opens (src-tauri/dialogs.rs): the window may not open
/// dialogs itself, so a compromised page cannot pick a file for the person.
#[test]
fn the_window_may_not_open_file_dialogs() {
    let caps: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("capabilities/default.json")).unwrap(),
    )
    .unwrap();
    let dialogs: Vec<&str> = caps["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|p| p.starts_with("dialog:"))
        .collect();
    assert_eq!(dialogs, Vec::<&str>::new());
}
