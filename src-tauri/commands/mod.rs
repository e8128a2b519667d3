//! The window's commands, declared once in [`list`] with the `commands!`
//! macro below. From that one list come the Tauri adapters, the handler,
//! [`list::NAMES`] (checked against `build.rs` and the capabilities) and
//! `ui/src/bindings/Commands.ts`, the name, arguments and reply of every
//! command for `call<K>()` in the window. Every adapter waits for the
//! domain (`DeskCell::get`) unless its body takes no `desk`, turns the
//! domain's error into the one `AppError`, and records its reply in the
//! IPC audit: no command can skip any of it.

pub mod app;
pub mod list;
pub mod typescript;

use desk_core::views::ConnectionsView;
use desk_core::{private_files, AppError};
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use tauri::{AppHandle, Emitter};

pub use app::take_oauth_answer;

/// What every adapter returns to the window.
pub type Reply<T> = Result<T, AppError>;

/// With `STRIPE_DESK_IPC_AUDIT=1`, every reply is also appended to
/// `ipc-replies.jsonl` in the data dir, so tests can prove no secret ever
/// reached the window; so is the name of every command the router
/// received, so they can prove that every call was answered through it.
pub struct IpcAudit(Option<Mutex<std::fs::File>>);

impl IpcAudit {
    pub fn from_env(data_dir: &Path) -> Self {
        let enabled = std::env::var("STRIPE_DESK_IPC_AUDIT").is_ok_and(|v| v == "1");
        let file = enabled.then(|| {
            private_files::private_dir(data_dir)?;
            private_files::open_append(&data_dir.join("ipc-replies.jsonl")).map(Mutex::new)
        });
        IpcAudit(file.and_then(Result::ok))
    }

    pub fn record<T: Serialize>(&self, command: &str, reply: &Reply<T>) {
        self.write(|| {
            serde_json::json!({ "command": command, "reply": match reply {
                Ok(v) => serde_json::to_value(v).unwrap_or_default(),
                Err(e) => serde_json::to_value(e).unwrap_or_default(),
            }})
        });
    }

    /// A call reached the router (before any adapter ran).
    fn received(&self, command: &str) {
        self.write(|| serde_json::json!({ "received": command }));
    }

    fn write(&self, line: impl FnOnce() -> serde_json::Value) {
        if let Some(file) = &self.0 {
            let _ = writeln!(file.lock().unwrap(), "{}", line());
        }
    }
}

/// Every call the window makes, on its way to its adapter.
pub fn received(invoke: &tauri::ipc::Invoke) {
    use tauri::Manager;
    if let Some(audit) = invoke.message.webview_ref().try_state::<IpcAudit>() {
        audit.received(invoke.message.command());
    }
}

/// Tells every window the connections changed (a save, a removal, a
/// connection found revoked), so each redraws what depends on them.
pub fn broadcast_connections(app: &AppHandle, view: &ConnectionsView) {
    let _ = app.emit("connections-changed", view);
}

/// Declares the window's commands. Each entry:
///
/// ```text
/// /// What it does.
/// name(arg: Type, ...) -> Reply
///     [progress on_progress: Message]          (optional: a per-call channel)
///     [broadcast_connections when |result| ..] (optional: after the body)
///     [emit "event"]                           (optional: the reply, when Ok)
///     => |desk| body;                (or |desk, app|, |person|, |app|, | |)
/// ```
///
/// The body evaluates to `Result<Reply, desk_core::Error>`; `desk` is the
/// `&Desk` the window shows (waited for), `person` the person's own even
/// while the sample account is shown, `app` the `&AppHandle`. Arguments arrive in
/// camelCase, as Tauri names them.
macro_rules! commands {
    // What a body's `|desk|` and `|app|` stand for.
    (@context desk, $cell:ident, $app:ident) => {
        $cell.get().await?
    };
    (@context person, $cell:ident, $app:ident) => {
        &**$cell.person().await?
    };
    (@context app, $cell:ident, $app:ident) => {
        &$app
    };
    ($(
        $(#[$doc:meta])*
        $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $reply:ty
        $([progress $progress:ident : $message:ty])?
        $([broadcast_connections when $when:expr])?
        $([emit $event:literal])?
        => |$($cx:ident),*| $body:expr;
    )*) => {
        $(
            $(#[$doc])*
            #[tauri::command]
            #[allow(clippy::too_many_arguments)]
            async fn $name(
                $($arg: $ty,)*
                $($progress: tauri::ipc::Channel<$message>,)?
                app: tauri::AppHandle,
                cell: tauri::State<'_, crate::startup::DeskCell>,
                audit: tauri::State<'_, crate::commands::IpcAudit>,
            ) -> crate::commands::Reply<$reply> {
                // A body takes what it needs of these.
                let _ = (&app, &cell);
                let reply: crate::commands::Reply<$reply> = async {
                    $(let $cx = commands!(@context $cx, cell, app);)*
                    let result: Result<$reply, desk_core::Error> = async { $body }.await;
                    $(
                        if ($when)(&result) {
                            if let Ok(desk) = cell.get().await {
                                crate::commands::broadcast_connections(&app, &desk.list_connections());
                            }
                        }
                    )?
                    result.map_err(desk_core::AppError::from)
                }
                .await;
                $(
                    if let Ok(value) = &reply {
                        let _ = tauri::Emitter::emit(&app, $event, value);
                    }
                )?
                audit.record(stringify!($name), &reply);
                reply
            }
        )*

        /// Every command's name, as the window calls it.
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];

        /// The handler Tauri routes the window's calls through.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            let route: fn(tauri::ipc::Invoke) -> bool = tauri::generate_handler![$($name),*];
            move |invoke| {
                crate::commands::received(&invoke);
                route(invoke)
            }
        }

        /// Each command's name, arguments and reply, for `Commands.ts`.
        pub fn signatures() -> Vec<crate::commands::typescript::Signature> {
            use crate::commands::typescript::{Signature, TsType};
            vec![$(
                Signature {
                    name: stringify!($name),
                    args: vec![
                        $((stringify!($arg), TsType::of::<$ty>()),)*
                        $((stringify!($progress), TsType::channel::<$message>()),)?
                    ],
                    reply: TsType::of::<$reply>(),
                },
            )*]
        }
    };
}
pub(crate) use commands;

#[cfg(test)]
mod tests {
    use super::list::{signatures, NAMES};
    use super::typescript::commands_ts;
    use std::collections::BTreeSet;
    use std::path::Path;

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    /// Like the ts-rs bindings: written by the tests, and `scripts/test.sh`
    /// fails if the committed file differs.
    #[test]
    fn commands_ts_is_written_from_the_list() {
        let text = commands_ts(&signatures());
        let path = root().join("ui/src/bindings/Commands.ts");
        if std::fs::read_to_string(&path).ok().as_deref() != Some(&text) {
            std::fs::write(&path, &text).unwrap();
        }
        for name in NAMES {
            assert!(text.contains(&format!("\n  {name}: {{ args: ")), "{name}");
        }
        assert!(text.contains(
            "connection_save_key: { args: { key: string; sessionOnly: boolean; whenSaved: WhenAlreadySaved }; reply: SaveKeyOutcome };"
        ));
        assert!(text.contains("onProgress: Channel<SyncProgress>"));
        assert!(text.contains("import type { SaveKeyOutcome } from \"./SaveKeyOutcome\";"));
    }

    #[test]
    fn the_list_build_rs_and_the_capabilities_name_the_same_commands() {
        let listed: BTreeSet<&str> = NAMES.iter().copied().collect();
        assert_eq!(listed.len(), NAMES.len(), "a command is listed twice");
        let built: BTreeSet<&str> = env!("STRIPE_DESK_BUILD_COMMANDS").split(',').collect();
        assert_eq!(built, listed, "build.rs read other names than the list has");
        let caps: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root().join("capabilities/default.json")).unwrap(),
        )
        .unwrap();
        let allowed: BTreeSet<String> = caps["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| Some(p.as_str()?.strip_prefix("allow-")?.replace('-', "_")))
            .collect();
        let listed: BTreeSet<String> = listed.iter().map(|n| n.to_string()).collect();
        let unlisted: Vec<_> = allowed.difference(&listed).collect();
        let not_allowed: Vec<_> = listed.difference(&allowed).collect();
        assert!(
            unlisted.is_empty(),
            "allowed but not in the list: {unlisted:?}"
        );
        assert!(
            not_allowed.is_empty(),
            "in the list but not allowed: {not_allowed:?}"
        );
    }

    /// Every command is made by the `commands!` macro, which audits each
    /// reply: no hand-written adapter anywhere in the app.
    #[test]
    fn no_command_is_written_by_hand() {
        let mut hand_written = Vec::new();
        let mut stack = vec![root().join("src-tauri")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let made = text.matches(concat!("#[tauri", "::command]")).count();
                let handlers = text.matches(concat!("generate", "_handler!")).count();
                let is_macro = path.ends_with("src-tauri/commands/mod.rs");
                if made + handlers > 0 && !(is_macro && made == 1 && handlers == 1) {
                    hand_written.push(path.display().to_string());
                }
            }
        }
        assert!(hand_written.is_empty(), "{hand_written:?}");
    }
}
