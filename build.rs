//! The window's commands are declared once, in `src-tauri/commands/list.rs`;
//! this reads their names from that file's text (the macro's expansion is
//! not visible here), so `capabilities/default.json` can allow exactly these
//! and nothing more. A test checks the names read here against the list.

fn main() {
    let list = "src-tauri/commands/list.rs";
    println!("cargo:rerun-if-changed={list}");
    let text = std::fs::read_to_string(list).expect("the command list");
    let names = command_names(&text);
    // For the test that holds these names to the list's own.
    println!(
        "cargo:rustc-env=STRIPE_DESK_BUILD_COMMANDS={}",
        names.join(",")
    );
    // Tauri keeps the names for the whole build: a build script may leak them.
    let names: &'static [&'static str] = names
        .into_iter()
        .map(|n| &*n.leak())
        .collect::<Vec<_>>()
        .leak();
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(names)),
    )
    .expect("tauri build script failed");
}

/// Each entry of the `commands!` list: a line that starts, at one level
/// in, with the command's name and `(`.
fn command_names(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix("    "))
        .filter_map(|line| {
            let (name, _) = line.split_once('(')?;
            let is_name = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            is_name.then(|| name.to_owned())
        })
        .collect()
}
