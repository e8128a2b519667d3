//! `ui/src/bindings/Commands.ts`: every command's name, arguments and
//! reply, in TypeScript, from the ts-rs types of the list. The window's
//! `call<K>()` takes its types from it, so `tsc` refuses a mistyped name, a
//! missing argument or a reply read as the wrong type.

use std::collections::BTreeMap;
use std::path::PathBuf;
use ts_rs::{TypeVisitor, TS};

/// A type as TypeScript names it, and the bindings it needs imported.
pub struct TsType {
    pub name: String,
    /// Type name -> its file under `ui/src/bindings`.
    pub imports: BTreeMap<String, PathBuf>,
}

/// Collects the exported types a type's name mentions: the type itself if
/// ts-rs exports it, else its type parameters (`Vec<Action>` needs `Action`,
/// not what `Action` itself imports).
struct Imports(BTreeMap<String, PathBuf>);

impl TypeVisitor for Imports {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        match T::output_path() {
            Some(path) => {
                self.0.insert(T::ident(), path);
            }
            None => T::visit_generics(self),
        }
    }
}

impl TsType {
    pub fn of<T: TS + 'static + ?Sized>() -> TsType {
        let mut imports = Imports(BTreeMap::new());
        imports.visit::<T>();
        TsType {
            name: T::name(),
            imports: imports.0,
        }
    }

    /// A `tauri::ipc::Channel<T>` argument: the window's `channel<T>()`.
    pub fn channel<T: TS + 'static + ?Sized>() -> TsType {
        let message = TsType::of::<T>();
        TsType {
            name: format!("Channel<{}>", message.name),
            imports: message.imports,
        }
    }
}

/// One command of the list.
pub struct Signature {
    pub name: &'static str,
    /// Argument names as in Rust (snake_case); the window sends them in camelCase.
    pub args: Vec<(&'static str, TsType)>,
    pub reply: TsType,
}

/// `session_only` -> `sessionOnly`: how Tauri names an argument to the window.
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The text of `Commands.ts`.
pub fn commands_ts(signatures: &[Signature]) -> String {
    let mut imports = BTreeMap::new();
    for s in signatures {
        imports.extend(s.reply.imports.clone());
        for (_, t) in &s.args {
            imports.extend(t.imports.clone());
        }
    }
    let mut out = String::from(
        "// Generated from src-tauri/commands/list.rs by `cargo test` (commands::tests). Do not edit.\n",
    );
    for (name, path) in &imports {
        let module = path.with_extension("");
        out.push_str(&format!(
            "import type {{ {name} }} from \"./{}\";\n",
            module.display()
        ));
    }
    out.push_str(
        "\n/** A per-call channel (Tauri's `ipc::Channel`): what the command sends as it works. */\n\
         export type Channel<T> = { onmessage: (message: T) => void };\n\n\
         /** Every command the window may call: its arguments and its reply. */\n\
         export type Commands = {\n",
    );
    for s in signatures {
        let args: Vec<String> = s
            .args
            .iter()
            .map(|(name, t)| format!("{}: {}", camel_case(name), t.name))
            .collect();
        let args = if args.is_empty() {
            "Record<string, never>".to_owned()
        } else {
            format!("{{ {} }}", args.join("; "))
        };
        out.push_str(&format!(
            "  {}: {{ args: {args}; reply: {} }};\n",
            s.name, s.reply.name
        ));
    }
    out.push_str("};\n");
    out
}
