//! Files the user takes out of the app (the receipt picture): written into the app's own storage
//! as new files only. An existing file is never replaced and a symbolic link is never followed —
//! whatever sits under the wanted name (a file, a directory, a link planted there), the next free
//! name is used instead (`name-2.png`, `name-3.png`, …).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Most numbered names tried before giving up.
const MAX_COPIES: u32 = 999;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("file name {0:?} is not a plain file name")]
    BadName(String),
    #[error("{path} is a symbolic link; files are not written through links")]
    Symlink { path: PathBuf },
    #[error("{dir} already holds {MAX_COPIES} files named like {name}")]
    TooManyCopies { dir: PathBuf, name: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `name`, then `stem-2.ext`, `stem-3.ext`, …
fn candidate(name: &str, n: u32) -> String {
    if n <= 1 {
        return name.to_owned();
    }
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}-{n}.{ext}"),
        _ => format!("{name}-{n}"),
    }
}

/// Writes `bytes` as a new file in `dir` (created private if missing; it must not be a link),
/// under `name` or the first free numbered variant of it; fsynced. Returns the path written.
pub fn write_new_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, ExportError> {
    if name.is_empty()
        || name.starts_with('.')
        || name.contains(['/', '\\', '\0'])
        || Path::new(name).file_name() != Some(std::ffi::OsStr::new(name))
    {
        return Err(ExportError::BadName(name.to_owned()));
    }
    if fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(ExportError::Symlink {
            path: dir.to_path_buf(),
        });
    }
    crate::secrets::create_private_dir(dir).map_err(io(dir))?;
    for n in 1..=MAX_COPIES {
        let path = dir.join(candidate(name, n));
        let mut opts = fs::OpenOptions::new();
        // `create_new` is O_CREAT|O_EXCL: it fails on anything already at the path, a symbolic
        // link included (dangling or not), and never follows one.
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut file = match opts.open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(&path)(e)),
        };
        if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_all()) {
            drop(file);
            let _ = fs::remove_file(&path);
            return Err(io(&path)(e));
        }
        return Ok(path);
    }
    Err(ExportError::TooManyCopies {
        dir: dir.to_path_buf(),
        name: name.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_name_gets_a_new_one_and_stays_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("receipts");
        let first = write_new_file(&d, "bien-nhan-X.png", b"one").unwrap();
        assert_eq!(first, d.join("bien-nhan-X.png"));
        let second = write_new_file(&d, "bien-nhan-X.png", b"two").unwrap();
        assert_eq!(second, d.join("bien-nhan-X-2.png"));
        let third = write_new_file(&d, "bien-nhan-X.png", b"three").unwrap();
        assert_eq!(third, d.join("bien-nhan-X-3.png"));
        assert_eq!(fs::read(&first).unwrap(), b"one");
        assert_eq!(fs::read(&second).unwrap(), b"two");
        // a directory under the name is skipped too
        fs::create_dir(d.join("report")).unwrap();
        assert_eq!(
            write_new_file(&d, "report", b"x").unwrap(),
            d.join("report-2")
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_in_the_way_are_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("receipts");
        fs::create_dir(&d).unwrap();
        // A link under the wanted name, pointing at a file elsewhere…
        let victim = dir.path().join("victim.txt");
        fs::write(&victim, b"keep me").unwrap();
        std::os::unix::fs::symlink(&victim, d.join("bien-nhan.png")).unwrap();
        // …and a dangling one under the next name (it would create a file where it points).
        let target = dir.path().join("created-through-link");
        std::os::unix::fs::symlink(&target, d.join("bien-nhan-2.png")).unwrap();
        let p = write_new_file(&d, "bien-nhan.png", b"\x89PNG").unwrap();
        assert_eq!(p, d.join("bien-nhan-3.png"));
        assert!(!fs::symlink_metadata(&p).unwrap().file_type().is_symlink());
        assert_eq!(fs::read(&victim).unwrap(), b"keep me");
        assert!(!target.exists());
        // The folder itself must not be a link either.
        let elsewhere = dir.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        let linked = dir.path().join("linked");
        std::os::unix::fs::symlink(&elsewhere, &linked).unwrap();
        assert!(matches!(
            write_new_file(&linked, "a.png", b"x"),
            Err(ExportError::Symlink { .. })
        ));
        assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0);
        // Written files are private.
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn names_are_plain_file_names() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["", "../x.png", "a/b.png", ".hidden", "..", "a\0b"] {
            assert!(
                matches!(
                    write_new_file(dir.path(), bad, b"x"),
                    Err(ExportError::BadName(_))
                ),
                "{bad:?}"
            );
        }
        assert_eq!(candidate("a.b.png", 4), "a.b-4.png");
        assert_eq!(candidate("noext", 2), "noext-2");
    }
}
