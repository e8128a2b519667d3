//! Files only this user may read: the data dir is 0700 and every file the
//! app writes in it 0600 (other users on the machine must not read an OAuth
//! `state`, account IDs or local copies of Stripe data). Every writer in the
//! domain goes through here.
//!
//! On Windows the permission bits do not apply: the app data dir inherits
//! the user profile's ACL, which already keeps other users out.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What [`private_dir`] changed in a dir that already existed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tightened {
    /// The dir's mode before, when it let others in.
    pub dir_was: Option<u32>,
    /// Files directly inside it that let others in, now 0600.
    pub files: Vec<PathBuf>,
}

impl Tightened {
    pub fn is_empty(&self) -> bool {
        self.dir_was.is_none() && self.files.is_empty()
    }
}

/// Creates `dir` (and any missing parent) 0700; an existing `dir` that
/// group or others may enter is set to 0700 and its files to 0600. The
/// caller logs what was tightened. A shared folder (sticky and writable by
/// all, like `/tmp`) is refused, never tightened: its files are other
/// people's, and closing it would break every program that uses it.
pub fn private_dir(dir: &Path) -> io::Result<Tightened> {
    if !dir.exists() {
        create_dir(dir)?;
        return Ok(Tightened::default());
    }
    tighten(dir)
}

#[cfg(unix)]
fn create_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| at(dir, e))
}

#[cfg(not(unix))]
fn create_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir).map_err(|e| at(dir, e))
}

#[cfg(unix)]
fn tighten(dir: &Path) -> io::Result<Tightened> {
    use std::os::unix::fs::PermissionsExt;
    let mut tightened = Tightened::default();
    let full_mode = fs::metadata(dir)
        .map_err(|e| at(dir, e))?
        .permissions()
        .mode();
    if full_mode & 0o1002 == 0o1002 {
        return Err(at(
            dir,
            io::Error::new(
                io::ErrorKind::PermissionDenied,
                "a folder shared by everyone on this machine; Stripe Desk keeps its files in a folder of their own",
            ),
        ));
    }
    let mode = full_mode & 0o777;
    if mode & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| at(dir, e))?;
        tightened.dir_was = Some(mode);
    }
    for entry in fs::read_dir(dir).map_err(|e| at(dir, e))? {
        let path = entry.map_err(|e| at(dir, e))?.path();
        // Not through symlinks: they may point anywhere.
        let meta = fs::symlink_metadata(&path).map_err(|e| at(&path, e))?;
        if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600))
                .map_err(|e| at(&path, e))?;
            tightened.files.push(path);
        }
    }
    Ok(tightened)
}

#[cfg(not(unix))]
fn tighten(_dir: &Path) -> io::Result<Tightened> {
    Ok(Tightened::default())
}

/// Replaces `path` with `bytes` all at once: a crash leaves the old file or
/// the new one, never half of one. The bytes go to a new 0600 file with a
/// unique name beside `path` (created with O_EXCL, so nothing planted there
/// is followed), are synced, renamed over `path`, and the dir is synced so
/// the rename itself survives a crash. A `path` that is a symlink is refused.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| {
        at(
            path,
            io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
        )
    })?;
    refuse_symlink(path)?;
    if !dir.exists() {
        create_dir(dir)?;
    }
    let tmp = dir.join(format!(
        ".{}.{:016x}.tmp",
        name.to_string_lossy(),
        rand::random::<u64>()
    ));
    let written = (|| {
        let mut file = new_private_file(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(at(path, e));
    }
    sync_dir(dir).map_err(|e| at(dir, e))
}

/// Opens `path` for appending (logs, audit trails), creating it 0600. A
/// `path` that is a symlink is refused.
pub fn open_append(path: &Path) -> io::Result<File> {
    refuse_symlink(path)?;
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path).map_err(|e| at(path, e))?;
    // An existing file keeps its mode on open: make it private too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(|e| at(path, e))?;
    }
    Ok(file)
}

fn refuse_symlink(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(at(
            path,
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "is a symbolic link; Stripe Desk does not write through links",
            ),
        )),
        _ => Ok(()),
    }
}

fn new_private_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

// Windows cannot open a directory as a file to sync it; NTFS journals the rename.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Names the path in the error, since io errors do not.
fn at(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("desk-private-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    fn mode(p: &Path) -> u32 {
        fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn creates_private_dirs_and_tightens_open_ones() {
        let root = scratch("dirs");
        let dir = root.join("a").join("b");
        assert!(private_dir(&dir).unwrap().is_empty());
        assert_eq!((mode(&root.join("a")), mode(&dir)), (0o700, 0o700));
        assert!(private_dir(&dir).unwrap().is_empty(), "nothing to do twice");

        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(dir.join("f.json"), b"{}").unwrap();
        fs::set_permissions(dir.join("f.json"), fs::Permissions::from_mode(0o644)).unwrap();
        let tightened = private_dir(&dir).unwrap();
        assert_eq!(tightened.dir_was, Some(0o755));
        assert_eq!(tightened.files, [dir.join("f.json")]);
        assert_eq!((mode(&dir), mode(&dir.join("f.json"))), (0o700, 0o600));
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn never_tightens_a_shared_folder_like_tmp() {
        let shared = scratch("shared");
        fs::create_dir_all(&shared).unwrap();
        fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
        fs::write(shared.join("someone-elses"), b"x").unwrap();
        fs::set_permissions(
            shared.join("someone-elses"),
            fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let refused = private_dir(&shared).unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::PermissionDenied);
        assert!(
            refused.to_string().contains("shared by everyone"),
            "{refused}"
        );
        let full = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(full(&shared), 0o1777);
        assert_eq!(mode(&shared.join("someone-elses")), 0o644);
        fs::set_permissions(&shared, fs::Permissions::from_mode(0o700)).unwrap();
        fs::remove_dir_all(shared).unwrap();
    }

    #[test]
    fn writes_atomically_0600_with_no_temp_file_left() {
        let dir = scratch("write");
        let path = dir.join("x.json");
        write_atomically(&path, b"one").unwrap();
        // An older, readable version is replaced by a private one.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!((mode(&dir), mode(&path)), (0o700, 0o600));
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["x.json"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn refuses_to_write_through_a_symlink() {
        let dir = scratch("symlink");
        fs::create_dir_all(&dir).unwrap();
        let elsewhere = dir.join("elsewhere");
        fs::write(&elsewhere, b"keep").unwrap();
        let link = dir.join("connections.json");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        let err = write_atomically(&link, b"{}").unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(open_append(&link).is_err());
        assert_eq!(fs::read(&elsewhere).unwrap(), b"keep");
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn appends_to_a_private_file() {
        let dir = scratch("append");
        private_dir(&dir).unwrap();
        let path = dir.join("log");
        fs::write(&path, b"a").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        open_append(&path).unwrap().write_all(b"b").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"ab");
        assert_eq!(mode(&path), 0o600);
        fs::remove_dir_all(dir).unwrap();
    }
}
