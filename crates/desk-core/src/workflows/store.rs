//! Workflows on disk: one readable, versioned JSON file each, in
//! `<data dir>/workflows/<id>.json`:
//!
//! ```json
//! { "format": "stripe-desk-workflow", "version": 1, "workflow": { "id": "wf_...", ... } }
//! ```
//!
//! Exported files are the same document. A damaged, newer or foreign file is
//! refused with a reason and left where it is; the others still load.

use super::files::write_private;
use super::model::Workflow;
use crate::error::{Code, Error};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};
use ts_rs::TS;

pub const FORMAT: &str = "stripe-desk-workflow";
/// The newest file version this build reads and the one it writes.
pub const VERSION: u64 = 1;
/// The largest workflow file read: a hundred steps fit many times over, and
/// a file picked by mistake (a video, `/dev/zero`) is refused unread.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Reads at most [`MAX_FILE_BYTES`] of a file, or says in words why not.
pub fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("it could not be read ({e})."))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("it could not be read ({e})."))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "it is bigger than {} MB, far more than any workflow needs: it is not a workflow file.",
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    Ok(bytes)
}

#[derive(Serialize)]
struct FileOut<'a> {
    format: &'static str,
    version: u64,
    workflow: &'a Workflow,
}

#[derive(Deserialize)]
struct FileIn {
    workflow: Workflow,
}

/// A workflow file that was not loaded, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Refused {
    pub file: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, TS)]
#[ts(export)]
pub struct Listing {
    /// By name.
    pub workflows: Vec<Workflow>,
    pub refused: Vec<Refused>,
}

/// The document written for a workflow (saved or exported).
pub fn to_file_bytes(workflow: &Workflow) -> Result<Vec<u8>, Error> {
    let mut bytes = serde_json::to_vec_pretty(&FileOut {
        format: FORMAT,
        version: VERSION,
        workflow,
    })
    .map_err(|e| Error::Storage(e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

pub fn is_workflow_id(id: &str) -> bool {
    id.strip_prefix("wf_")
        .is_some_and(|hex| !hex.is_empty() && hex.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Reads a workflow document, or says in plain words why it cannot.
pub fn from_file_bytes(bytes: &[u8]) -> Result<Workflow, String> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("it is damaged: it is not readable JSON ({e})."))?;
    if value.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err("it is not a Stripe Desk workflow file.".into());
    }
    let version = value
        .get("version")
        .and_then(Value::as_u64)
        .ok_or("it is damaged: it does not say which version it is.")?;
    if version > VERSION {
        return Err(format!(
            "it was saved by a newer Stripe Desk (workflow format {version}; this one reads up to {VERSION}). Update Stripe Desk to open it."
        ));
    }
    let file: FileIn = serde_json::from_value(value).map_err(|e| format!("it is damaged: {e}."))?;
    if !is_workflow_id(&file.workflow.id) {
        return Err("it is damaged: its workflow ID is not usable.".into());
    }
    if let Some(reason) = file.workflow.over_limit() {
        return Err(format!("it is too big. {reason}"));
    }
    Ok(file.workflow)
}

pub struct WorkflowStore {
    dir: PathBuf,
}

impl WorkflowStore {
    pub fn new(data_dir: &Path) -> WorkflowStore {
        WorkflowStore {
            dir: data_dir.join("workflows"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, id: &str) -> Result<PathBuf, Error> {
        if !is_workflow_id(id) {
            return Err(Error::NotFound(format!("There is no workflow {id:?}.")));
        }
        Ok(self.dir.join(format!("{id}.json")))
    }

    /// Every workflow that loads, and every file that does not, with why.
    pub fn list(&self) -> Result<Listing, Error> {
        let mut listing = Listing::default();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(listing),
            Err(e) => return Err(Error::Storage(format!("{}: {e}", self.dir.display()))),
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.extension().is_none_or(|e| e != "json") || name.starts_with('.') {
                continue;
            }
            let loaded = read_capped(&path)
                .and_then(|bytes| from_file_bytes(&bytes))
                .and_then(|w| {
                    if format!("{}.json", w.id) == name {
                        Ok(w)
                    } else {
                        Err(
                            "its name does not match the workflow inside; use Import to add it."
                                .into(),
                        )
                    }
                });
            match loaded {
                Ok(w) => listing.workflows.push(w),
                Err(reason) => listing.refused.push(Refused { file: name, reason }),
            }
        }
        listing.workflows.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then(a.id.cmp(&b.id))
        });
        listing.refused.sort_by(|a, b| a.file.cmp(&b.file));
        Ok(listing)
    }

    pub fn load(&self, id: &str) -> Result<Workflow, Error> {
        let path = self.path(id)?;
        if !path.exists() {
            return Err(Error::NotFound(format!("There is no workflow {id:?}.")));
        }
        let bytes = read_capped(&path)
            .map_err(|why| Error::Storage(format!("{} was not loaded: {why}", path.display())))?;
        from_file_bytes(&bytes).map_err(|reason| {
            Error::Storage(format!("{} was not loaded: {reason}", path.display()))
        })
    }

    pub fn save(&self, workflow: &Workflow) -> Result<(), Error> {
        if let Some(reason) = workflow.over_limit() {
            return Err(Error::invalid(Code::WorkflowTooBig, reason, None));
        }
        write_private(&self.path(&workflow.id)?, &to_file_bytes(workflow)?)
    }

    pub fn rename(&self, id: &str, name: &str) -> Result<Workflow, Error> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid(
                Code::NameRequired,
                "Give the workflow a name.",
                Some("name"),
            ));
        }
        let mut w = self.load(id)?;
        w.name = name.to_owned();
        self.save(&w)?;
        Ok(w)
    }

    /// A copy under a new ID, named "`<name>` (copy)".
    pub fn duplicate(&self, id: &str) -> Result<Workflow, Error> {
        let mut w = self.load(id)?;
        w.id = crate::stripe::random_token("wf");
        w.name = format!("{} (copy)", w.name);
        self.save(&w)?;
        Ok(w)
    }

    /// Removes the file and hands the workflow back, so the window can
    /// offer Undo by saving it again.
    pub fn delete(&self, id: &str) -> Result<Workflow, Error> {
        let w = self.load(id)?;
        let path = self.path(id)?;
        std::fs::remove_file(&path)
            .map_err(|e| Error::Storage(format!("{}: {e}", path.display())))?;
        Ok(w)
    }

    pub fn move_step(&self, id: &str, from: usize, to: usize) -> Result<Workflow, Error> {
        let mut w = self.load(id)?;
        w.move_step(from, to)
            .map_err(|m| Error::invalid(Code::NoSuchStep, m, None))?;
        self.save(&w)?;
        Ok(w)
    }

    pub fn export(&self, id: &str, to: &Path) -> Result<(), Error> {
        write_private(to, &to_file_bytes(&self.load(id)?)?)
    }

    /// Adds the workflow in `from` under a new ID, so an import never
    /// overwrites a workflow already here, marked not yet reviewed: it runs
    /// only once the person has read what it does and accepted it.
    pub fn import(&self, from: &Path) -> Result<Workflow, Error> {
        let mut w = read_capped(from)
            .and_then(|bytes| from_file_bytes(&bytes))
            .map_err(|reason| {
                Error::invalid(
                    Code::WorkflowFileRefused,
                    format!(
                        "{} was not imported: {reason}",
                        from.file_name()
                            .map(|n| n.to_string_lossy())
                            .unwrap_or_default()
                    ),
                    None,
                )
            })?;
        w.id = crate::stripe::random_token("wf");
        w.reviewed = false;
        self.save(&w)?;
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use super::super::files::temp_dir;
    use super::super::templates;
    use super::*;

    #[test]
    fn save_list_rename_duplicate_move_delete() {
        let root = temp_dir("wf-store");
        let store = WorkflowStore::new(&root);
        assert_eq!(store.list().unwrap(), Listing::default());
        let mut all = templates::all();
        for w in &all {
            store.save(w).unwrap();
        }
        let listed = store.list().unwrap();
        all.sort_by_key(|w| w.name.to_lowercase());
        assert_eq!(listed.workflows, all);
        assert_eq!(listed.refused, vec![]);

        let first = &all[0];
        let renamed = store.rename(&first.id, "  Onboarding  ").unwrap();
        assert_eq!(store.load(&first.id).unwrap().name, "Onboarding");
        assert_eq!(renamed.steps, first.steps);
        assert!(store.rename(&first.id, " ").is_err());

        let copy = store.duplicate(&first.id).unwrap();
        assert_ne!(copy.id, first.id);
        assert_eq!(copy.name, "Onboarding (copy)");
        assert_eq!(copy.steps, first.steps);

        let moved = store.move_step(&copy.id, 1, 0).unwrap();
        assert_eq!(moved.steps[0], copy.steps[1]);
        assert_eq!(store.load(&copy.id).unwrap().steps[0], copy.steps[1]);
        assert!(store.move_step(&copy.id, 5, 0).is_err());

        let gone = store.delete(&copy.id).unwrap();
        assert!(matches!(store.load(&copy.id), Err(Error::NotFound(_))));
        store.save(&gone).unwrap(); // Undo
        assert_eq!(store.load(&copy.id).unwrap(), gone);
        assert_eq!(store.list().unwrap().workflows.len(), 5);
        // Nothing can reach outside the folder through an ID.
        assert!(store.load("../connections").is_err());
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn files_are_readable_versioned_json() {
        let w = templates::customer_with_subscription();
        let text = String::from_utf8(to_file_bytes(&w).unwrap()).unwrap();
        assert!(
            text.starts_with("{\n  \"format\": \"stripe-desk-workflow\",\n  \"version\": 1,"),
            "{text}"
        );
        assert!(text.contains("\"{{create_customer.id}}\""), "{text}");
        assert_eq!(from_file_bytes(text.as_bytes()).unwrap(), w);
    }

    #[test]
    fn corrupt_newer_and_foreign_files_are_refused_and_the_rest_still_load() {
        let root = temp_dir("wf-refuse");
        let store = WorkflowStore::new(&root);
        let good = templates::product_with_price();
        store.save(&good).unwrap();
        let newer = to_file_bytes(&templates::customer_subscriptions_by_email())
            .map(|b| {
                String::from_utf8(b)
                    .unwrap()
                    .replace("\"version\": 1", "\"version\": 9")
            })
            .unwrap();
        let dir = store.dir();
        std::fs::write(
            dir.join("wf_damaged.json"),
            b"{\"format\": \"stripe-desk-workflow\", \"vers",
        )
        .unwrap();
        std::fs::write(dir.join("wf_newer.json"), &newer).unwrap();
        std::fs::write(
            dir.join("wf_foreign.json"),
            br#"{"name": "zap", "steps": []}"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("wf_noversion.json"),
            br#"{"format": "stripe-desk-workflow"}"#,
        )
        .unwrap();
        std::fs::write(dir.join("notes.txt"), b"not a workflow").unwrap();
        let listing = store.list().unwrap();
        assert_eq!(listing.workflows, vec![good]);
        let reasons: Vec<(&str, &str)> = listing
            .refused
            .iter()
            .map(|r| (r.file.as_str(), r.reason.as_str()))
            .collect();
        assert_eq!(reasons.len(), 4, "{reasons:?}");
        assert!(
            reasons[0].0 == "wf_damaged.json"
                && reasons[0]
                    .1
                    .starts_with("it is damaged: it is not readable JSON")
        );
        assert!(
            reasons[1].0 == "wf_foreign.json"
                && reasons[1].1 == "it is not a Stripe Desk workflow file."
        );
        assert!(
            reasons[2].0 == "wf_newer.json"
                && reasons[2]
                    .1
                    .contains("newer Stripe Desk (workflow format 9; this one reads up to 1)")
        );
        assert!(reasons[3].0 == "wf_noversion.json" && reasons[3].1.contains("which version"));
        // Refused files are left exactly as they were.
        assert_eq!(
            std::fs::read(dir.join("wf_newer.json")).unwrap(),
            newer.as_bytes()
        );
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn export_then_import_adds_a_copy_and_bad_imports_change_nothing() {
        let root = temp_dir("wf-export");
        let store = WorkflowStore::new(&root.join("data"));
        let w = templates::customer_with_subscription();
        store.save(&w).unwrap();
        let exported = root.join("shared/onboarding.json");
        store.export(&w.id, &exported).unwrap();
        let imported = store.import(&exported).unwrap();
        assert_ne!(imported.id, w.id);
        assert_eq!(
            (imported.name.as_str(), &imported.steps),
            (w.name.as_str(), &w.steps)
        );
        assert_eq!(store.list().unwrap().workflows.len(), 2);

        std::fs::write(root.join("foreign.json"), br#"{"zap": true}"#).unwrap();
        let e = store.import(&root.join("foreign.json")).unwrap_err();
        assert_eq!(
            e.plain_message(),
            "foreign.json was not imported: it is not a Stripe Desk workflow file."
        );
        assert!(store.import(&root.join("missing.json")).is_err());
        assert_eq!(store.list().unwrap().workflows.len(), 2);
        std::fs::remove_dir_all(root).unwrap();
    }
}
