//! The full wipe: everything this app keeps on the device, gone, so the next start is a first
//! start. Used when a PIN is forgotten (the only way out) and by `dvc wipe --yes`.
//!
//! Order: the store is closed first (no open handle keeps a file alive), then every keystore entry
//! the app makes is deleted (without its key the database is unreadable even if a file copy
//! survived elsewhere), then every file and folder inside the data directory is removed —
//! database, WAL, documents, thumbnails, temporary files, logs, the file keystore. The data
//! directory itself stays, empty.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{CoreError, Result};
use crate::secrets::Secrets;
use crate::Core;

/// Every keystore entry the app makes. A module that adds one adds its name here (the wipe test
/// checks these are gone).
pub const APP_SECRETS: &[&str] = &[
    crate::DB_KEY_NAME,
    crate::documents::DOC_KEY_NAME,
    crate::sync::account::TOKEN_SECRET,
    crate::sync::account::REVOKE_SECRET,
    crate::lock::LOCK_SECRET_NAME,
];

/// What a wipe removed (counts only: no names, no paths of personal files).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct WipeReport {
    pub data_dir: PathBuf,
    pub files_removed: u32,
    pub keystore_entries_deleted: u32,
}

impl Core {
    /// Closes the store and removes all the app's data and keys (see the module's notes).
    #[tracing::instrument(skip_all)]
    pub fn wipe_all(self) -> Result<WipeReport> {
        self.wipe_shared()
    }

    /// [`Core::wipe_all`] for a core that others still hold (the app's `Arc<Core>`): the store is
    /// closed under its lock, so their later calls fail and write nothing. The app restarts
    /// right after.
    pub fn wipe_shared(&self) -> Result<WipeReport> {
        self.store.close();
        wipe_dir(&self.data_dir, self.secrets.as_ref())
    }
}

/// Wipes a data directory without opening its store (the CLI's `dvc wipe --yes`; works when the
/// store cannot open, e.g. a lost key).
pub fn wipe_at(opts: &crate::OpenOptions) -> Result<WipeReport> {
    let secrets = crate::secrets::open(
        opts.keystore,
        &opts.data_dir,
        &crate::keystore_account(&opts.data_dir),
    )?;
    wipe_dir(&opts.data_dir, secrets.as_ref())
}

/// Deletes the app's keystore entries and everything inside `data_dir` (the store must be
/// closed). Also usable when the core cannot open (a damaged store, a lost key).
pub fn wipe_dir(data_dir: &Path, secrets: &dyn Secrets) -> Result<WipeReport> {
    let mut keystore_entries_deleted = 0;
    for name in APP_SECRETS {
        if secrets.get(name)?.is_some() {
            keystore_entries_deleted += 1;
        }
        secrets.delete(name)?;
    }
    let mut files_removed = 0;
    let io = |source| CoreError::DataDir {
        path: data_dir.to_path_buf(),
        source,
    };
    match std::fs::read_dir(data_dir) {
        Ok(entries) => {
            for entry in entries {
                let path = entry.map_err(io)?.path();
                files_removed += remove(&path).map_err(io)?;
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    crate::secrets::sync_dir(data_dir);
    tracing::warn!(
        files_removed,
        keystore_entries_deleted,
        "all app data wiped"
    );
    Ok(WipeReport {
        data_dir: data_dir.to_path_buf(),
        files_removed,
        keystore_entries_deleted,
    })
}

/// Removes a file or a folder tree; the number of files removed.
fn remove(path: &Path) -> std::io::Result<u32> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.is_dir() {
        let mut n = 0;
        for entry in std::fs::read_dir(path)? {
            n += remove(&entry?.path())?;
        }
        std::fs::remove_dir(path)?;
        Ok(n)
    } else {
        std::fs::remove_file(path)?;
        Ok(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::FileSecrets;

    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(files_under(&p));
            }
            out.push(p);
        }
        out
    }

    #[test]
    fn wipe_leaves_no_file_no_personal_data_and_no_key() {
        let data = tempfile::tempdir().unwrap();
        // The keystore outside the data directory, so its emptiness is the wipe's doing.
        let keys_dir = tempfile::tempdir().unwrap();
        let keys = || Box::new(FileSecrets::new(keys_dir.path().to_path_buf()));
        let core = Core::open_with(data.path().into(), keys()).unwrap();
        let (id_number, name) = (crate::test_support::ID_NUMBER, crate::test_support::NAME);
        // A person, three encrypted papers and a queued dossier, as the app stores them.
        crate::test_support::ReadyPassport::new()
            .queue(&core)
            .unwrap();
        core.secrets()
            .set(crate::sync::account::TOKEN_SECRET, b"tok")
            .unwrap();
        core.secrets()
            .set(crate::sync::account::REVOKE_SECRET, b"old-tok")
            .unwrap();
        let mut gate = core.lock();
        gate.params = crate::lock::KdfParams::TEST;
        gate.set_pin(None, "135790").unwrap();
        // Something in every kind of place: a log, a temp file, a nested folder.
        std::fs::create_dir_all(data.path().join("logs")).unwrap();
        std::fs::write(
            data.path().join("logs/app.log"),
            format!("{name} {id_number}"),
        )
        .unwrap();
        std::fs::write(data.path().join("tmp-upload.part"), id_number).unwrap();
        assert!(files_under(data.path()).len() >= 3);
        for name in APP_SECRETS {
            assert!(keys().get(name).unwrap().is_some(), "{name} was not made");
        }

        let report = core.wipe_all().unwrap();

        assert!(report.files_removed >= 3, "{report:?}");
        assert_eq!(report.keystore_entries_deleted, APP_SECRETS.len() as u32);
        let left = files_under(data.path());
        assert!(left.is_empty(), "left behind: {left:?}");
        for name in APP_SECRETS {
            assert!(keys().get(name).unwrap().is_none(), "{name} survived");
        }
        // Nothing anywhere in the key folder names the person either.
        for f in files_under(keys_dir.path()) {
            if f.is_file() {
                let b = std::fs::read(&f).unwrap();
                for needle in [id_number.as_bytes(), name.as_bytes()] {
                    assert!(!b.windows(needle.len()).any(|w| w == needle));
                }
            }
        }
        // The next start is a first start.
        let again = Core::open_with(data.path().into(), keys()).unwrap();
        assert_eq!(again.store().counts().unwrap().get("people"), Some(&0));
        assert!(!again.lock().enabled().unwrap());
    }

    #[test]
    fn wipe_of_a_missing_directory_is_fine() {
        let d = tempfile::tempdir().unwrap();
        let r = wipe_dir(
            &d.path().join("never"),
            &crate::secrets::MemorySecrets::default(),
        )
        .unwrap();
        assert_eq!(r.files_removed, 0);
    }
}
