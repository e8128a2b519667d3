//! A user's clone has nothing beside it: no tracked file of the product, its
//! scripts or its tests may reach outside the checkout (as the `shared`
//! folder beside it once did). Markdown may talk about such places; code may not use them.

use std::path::{Component, Path};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Relative paths in `text` that climb with `..`, as written, with where
/// each starts.
fn climbing_paths(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(at) = text[i..].find(UP) {
        let start = i + at;
        // Only where a path starts, not in the middle of one.
        let fresh = start == 0
            || !matches!(bytes[start - 1], b'.' | b'/' | b'_' | b'-')
                && !bytes[start - 1].is_ascii_alphanumeric();
        let end = text[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || "./_-".contains(c)))
            .map_or(text.len(), |n| start + n);
        if fresh {
            found.push((start, &text[start..end]));
        }
        i = end.max(start + 3);
    }
    found
}

/// How many directories `path` climbs above where it is resolved from.
fn climb(path: &str) -> usize {
    let mut depth: isize = 0;
    let mut lowest: isize = 0;
    for c in Path::new(path).components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
        lowest = lowest.min(depth);
    }
    (-lowest) as usize
}

/// The folders a path written in `file` (relative to the checkout) may be
/// resolved from: its own folder; for Rust and Cargo files the package folder
/// (`env!("CARGO_MANIFEST_DIR")`, the test working directory); for scripts the
/// checkout itself (they `cd` there first).
fn bases(file: &Path, tracked: &[String]) -> Vec<usize> {
    let dir = file.parent().unwrap_or(Path::new(""));
    let depth = |p: &Path| p.components().count();
    let mut out = vec![depth(dir)];
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext == "rs" || file.ends_with("Cargo.toml") {
        let package = dir
            .ancestors()
            .find(|a| tracked.iter().any(|t| Path::new(t) == a.join("Cargo.toml")))
            .unwrap_or(Path::new(""));
        out.push(depth(package));
    }
    if ext == "sh" || file.starts_with("scripts") || file.starts_with(".ci") {
        out.push(0);
    }
    out
}

/// Each `file: path` whose path leaves the checkout from some base it may be
/// resolved from. Rust's `include_str!`/`include_bytes!` and `#[path]`
/// resolve from the file's own folder only.
fn leaks(file: &str, text: &str, tracked: &[String]) -> Vec<String> {
    let bases = bases(Path::new(file), tracked);
    climbing_paths(text)
        .into_iter()
        .filter(|&(at, p)| {
            let included = ["include_str!(\"", "include_bytes!(\"", "#[path = \""]
                .iter()
                .any(|m| text[..at].ends_with(m));
            let from = if included { &bases[..1] } else { &bases[..] };
            from.iter().any(|&depth| climb(p) > depth)
        })
        .map(|(_, p)| format!("{file}: {p}"))
        .collect()
}

/// One level up, spelled so that this file does not trip its own check.
const UP: &str = concat!("..", "/");
/// The folder beside the checkout that once leaked in, spelled likewise.
const SHARED_SPEC: &str = concat!("shared", "/stripe-openapi");

#[test]
fn the_check_catches_what_once_leaked() {
    let tracked = vec![
        "Cargo.toml".to_string(),
        "crates/sim/Cargo.toml".to_string(),
    ];
    // The simulator's old default, relative to its package folder.
    let lib = format!(r#"manifest_dir.join("{UP}{UP}{UP}{SHARED_SPEC}/spec.json.gz")"#);
    assert_eq!(leaks("crates/sim/src/lib.rs", &lib, &tracked).len(), 1);
    // The demo script's old spec path, after `cd` to the checkout.
    let demo = format!("spec={UP}{SHARED_SPEC}/spec.json.gz");
    assert_eq!(leaks("scripts/demo.sh", &demo, &tracked).len(), 1);
    // Paths that stay inside are fine.
    let import = format!(r#"import x from "{UP}c.js";"#);
    assert!(leaks("ui/src/a/b.ts", &import, &tracked).is_empty());
    assert!(leaks("scripts/t.sh", r#"cd "$(dirname "$0")/..""#, &tracked).is_empty());
    let bundled = format!(r#"include_bytes!("{UP}openapi/s.gz")"#);
    assert!(leaks("crates/sim/src/lib.rs", &bundled, &tracked).is_empty());
    let conf = format!(r#"include_str!("{UP}{UP}{UP}{UP}tauri.conf.json")"#);
    assert!(leaks("crates/testkit/src/window/webdriver.rs", &conf, &tracked).is_empty());
    // `#[path]` resolves from the file's folder, not the package's.
    let shared_support = format!(r#"#[path = "{UP}tests/support/mod.rs"]"#);
    assert!(leaks("benches/memory.rs", &shared_support, &tracked).is_empty());
    let path_outside = format!(r#"#[path = "{UP}{UP}support.rs"]"#);
    assert_eq!(leaks("benches/memory.rs", &path_outside, &tracked).len(), 1);
    let outside = format!(r#"include_str!("{UP}{UP}{UP}{UP}{UP}x.json")"#);
    assert_eq!(
        leaks("crates/testkit/src/window/webdriver.rs", &outside, &tracked).len(),
        1
    );
}

#[test]
fn no_tracked_file_reaches_outside_the_checkout() {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root())
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git ls-files failed");
    let tracked: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .split('\0')
        .filter(|f| !f.is_empty())
        .map(String::from)
        .collect();
    assert!(
        tracked.len() > 50,
        "expected a checkout, saw {} files",
        tracked.len()
    );
    let mut found = Vec::new();
    for file in tracked.iter().filter(|f| !f.ends_with(".md")) {
        // Binary and lock files hold no paths to look at.
        let Ok(text) = std::fs::read_to_string(root().join(file)) else {
            continue;
        };
        if text.contains(SHARED_SPEC) {
            found.push(format!("{file}: names {SHARED_SPEC}"));
        }
        found.extend(leaks(file, &text, &tracked));
    }
    assert!(
        found.is_empty(),
        "tracked files refer to places outside the checkout:\n{}",
        found.join("\n")
    );
}
