//! The one place workflows write files. `crate::private_files` (folders
//! 0700, files 0600, atomic) is being written elsewhere: when it lands,
//! make [`write_private`] call it and delete the body here.

use crate::error::Error;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` so that a reader sees the old file or the new
/// one, never half of one: a temp file beside it, flushed to disk, then
/// renamed over it. Folders are made 0700 and the file 0600.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let storage = |e: std::io::Error| Error::Storage(format!("{}: {e}", path.display()));
    let dir = path
        .parent()
        .ok_or_else(|| Error::Storage(format!("{} has no folder", path.display())))?;
    create_private_dir(dir).map_err(storage)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    // Unique per write, so two writers never share a temp file.
    let tmp = dir.join(format!(".{name}.{}.tmp", crate::stripe::random_token("w")));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(storage(e));
    }
    Ok(())
}

pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
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
