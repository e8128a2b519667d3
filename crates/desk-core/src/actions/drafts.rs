//! Half-filled forms, kept per connection in the data dir so they survive
//! an app restart: `drafts/<connection id>.json` (0600, in a 0700 dir,
//! written atomically), action id -> the form as the window holds it.
//! Form values are what the user typed (names, emails), never a key.

use super::FilledForm;
use crate::error::Error;
use crate::private_files;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// One connection's drafts, by action id.
pub type ConnectionDrafts = BTreeMap<String, FilledForm>;

/// A draft bigger than this is not kept (a pasted raw body, say): the
/// window still holds it until the app closes.
const MAX_DRAFT_BYTES: usize = 256 * 1024;

pub struct Drafts {
    dir: PathBuf,
    /// One writer at a time: each save rewrites the connection's file.
    write: Mutex<()>,
}

impl Drafts {
    pub fn new(data_dir: &std::path::Path) -> Self {
        Drafts {
            dir: data_dir.join("drafts"),
            write: Mutex::new(()),
        }
    }

    /// Connection ids are ours (`conn_...`); anything else is refused rather
    /// than turned into a path.
    fn file(&self, connection_id: &str) -> Result<PathBuf, Error> {
        let ok = !connection_id.is_empty()
            && connection_id.len() <= 100
            && connection_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !ok {
            return Err(Error::Storage(
                "a connection id that cannot name a drafts file".into(),
            ));
        }
        Ok(self.dir.join(format!("{connection_id}.json")))
    }

    /// The connection's drafts; none when nothing was kept or the file
    /// cannot be read (a draft is a convenience, never worth a failure).
    pub fn load(&self, connection_id: &str) -> ConnectionDrafts {
        let Ok(path) = self.file(connection_id) else {
            return ConnectionDrafts::new();
        };
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "unreadable drafts file; starting with none");
                ConnectionDrafts::new()
            }),
            Err(_) => ConnectionDrafts::new(),
        }
    }

    /// Keeps (or, for an empty form, forgets) one action's draft.
    pub fn save(
        &self,
        connection_id: &str,
        action_id: &str,
        form: &FilledForm,
    ) -> Result<(), Error> {
        let path = self.file(connection_id)?;
        let size = serde_json::to_vec(form).map(|b| b.len()).unwrap_or(0);
        let _one_writer = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let mut all = self.load(connection_id);
        if form.values.is_empty() || size > MAX_DRAFT_BYTES {
            if all.remove(action_id).is_none() {
                return Ok(());
            }
        } else {
            all.insert(action_id.to_owned(), form.clone());
        }
        private_files::private_dir(&self.dir).map_err(|e| Error::Storage(e.to_string()))?;
        let bytes = serde_json::to_vec(&all).map_err(|e| Error::Storage(e.to_string()))?;
        private_files::write_atomically(&path, &bytes).map_err(|e| Error::Storage(e.to_string()))
    }

    /// A removed connection's drafts go with it.
    pub fn forget(&self, connection_id: &str) {
        if let Ok(path) = self.file(connection_id) {
            let _one_writer = self.write.lock().unwrap_or_else(|e| e.into_inner());
            let _ = std::fs::remove_file(path);
        }
    }
}
