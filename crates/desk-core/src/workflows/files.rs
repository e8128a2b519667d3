//! The one place workflows write files: through `crate::private_files`
//! (folders 0700, files 0600, written atomically).

use crate::error::Error;
use crate::private_files;
use std::path::Path;

/// Writes `bytes` to `path` so that a reader sees the old file or the new
/// one, never half of one; missing folders are made 0700, the file 0600.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    private_files::write_atomically(path, bytes).map_err(|e| Error::Storage(e.to_string()))
}

#[cfg(test)]
pub(crate) fn temp_dir(label: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(crate::stripe::random_token(&format!("desk-{label}")));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_whole_files_privately_and_leave_no_temp_files() {
        let root = temp_dir("files");
        let path = root.join("a/b/file.json");
        write_private(&path, b"one").unwrap();
        write_private(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("file.json")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
        std::fs::remove_dir_all(root).unwrap();
    }
}
