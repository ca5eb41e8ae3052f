//! `dvc-core`: everything the phone knows — the encrypted store, settings and (in later modules)
//! catalog, people, documents, dossiers, photos and the outbox. No Tauri and no web server here:
//! the Tauri shell and the `dvc` CLI are thin adapters over [`Core`].

pub mod catalog;
pub mod cccd;
pub mod documents;
pub mod dossier;
pub mod error;
pub mod export;
pub mod handoff;
pub mod lock;
pub mod logging;
pub mod people;
pub mod photo;
pub mod qrscan;
pub mod retention;
pub mod running;
pub mod secrets;
pub mod settings;
pub mod store;
pub mod sync;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;
pub mod validate;
pub mod vietqr;
pub mod visits;
pub mod wipe;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use error::{CoreError, Result};
use secrets::{KeystoreKind, Secrets};
use store::{Store, KEY_LEN};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "dvc.sqlite";
/// Name of the database key in the keystore.
pub const DB_KEY_NAME: &str = "db-key";
/// Environment variable naming the data directory.
pub const DATA_DIR_ENV: &str = "DVC_DATA_DIR";

/// How to open the core.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    pub data_dir: PathBuf,
    pub keystore: KeystoreKind,
}

impl OpenOptions {
    /// Data directory as given; keystore from `DVC_KEYSTORE` (default `os`).
    pub fn from_env(data_dir: PathBuf) -> Result<Self> {
        Ok(Self {
            data_dir,
            keystore: KeystoreKind::from_env()?,
        })
    }
}

/// The default data directory when neither `--data-dir` nor `DVC_DATA_DIR` is given.
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("vn", "dvc", "donghanh").map(|d| d.data_dir().to_path_buf())
}

/// The opened core: data directory, keystore and store.
pub struct Core {
    data_dir: PathBuf,
    secrets: Box<dyn Secrets>,
    store: Store,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("data_dir", &self.data_dir)
            .field("keystore", &self.secrets.kind())
            .finish()
    }
}

/// What `dvc info` and the settings screen show.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Info {
    pub app_version: &'static str,
    pub schema_version: u32,
    pub data_dir: PathBuf,
    pub db_file: PathBuf,
    pub keystore: KeystoreKind,
    pub cipher_version: String,
    pub counts: BTreeMap<String, i64>,
    /// The procedure catalog in use (`None` before the bundled one was imported).
    pub catalog_version: Option<String>,
    /// The last catalog update from the sync server: applied or refused, and why.
    pub catalog_update: Option<catalog::UpdateStatus>,
}

impl Core {
    /// Opens the data directory: creates it (0700) if needed, gets the database key from the
    /// keystore (making one on first run) and opens the encrypted store.
    #[tracing::instrument(skip_all, fields(keystore = %opts.keystore))]
    pub fn open(opts: &OpenOptions) -> Result<Self> {
        let data_dir = opts.data_dir.clone();
        secrets::create_private_dir(&data_dir).map_err(|source| CoreError::DataDir {
            path: data_dir.clone(),
            source,
        })?;
        let secrets = secrets::open(opts.keystore, &data_dir, &keystore_account(&data_dir))?;
        Self::open_with(data_dir, secrets)
    }

    /// Opens with an already chosen keystore (tests pass a [`secrets::MemorySecrets`]).
    pub fn open_with(data_dir: PathBuf, secrets: Box<dyn Secrets>) -> Result<Self> {
        let db_file = data_dir.join(DB_FILE);
        let key = match secrets.get(DB_KEY_NAME)? {
            Some(k) => {
                let len = k.len();
                let arr: [u8; KEY_LEN] =
                    k.as_slice().try_into().map_err(|_| CoreError::KeyCorrupt {
                        keystore: secrets.kind(),
                        len,
                    })?;
                zeroize::Zeroizing::new(arr)
            }
            None if db_file.exists() => {
                return Err(CoreError::KeyMissing {
                    path: db_file,
                    keystore: secrets.kind(),
                })
            }
            None => {
                let k = store::new_key();
                secrets.set(DB_KEY_NAME, &k[..])?;
                tracing::info!("new database key created");
                k
            }
        };
        let store = Store::open(&db_file, &key)?;
        documents::ensure_key(&store, secrets.as_ref(), &data_dir)?;
        catalog::on_open(&store);
        Ok(Self {
            data_dir,
            secrets,
            store,
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn secrets(&self) -> &dyn Secrets {
        self.secrets.as_ref()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn info(&self) -> Result<Info> {
        Ok(Info {
            app_version: env!("CARGO_PKG_VERSION"),
            schema_version: self.store.schema_version()?,
            data_dir: self.data_dir.clone(),
            db_file: self.data_dir.join(DB_FILE),
            keystore: self.secrets.kind(),
            cipher_version: self.store.cipher_version()?,
            counts: self.store.counts()?,
            catalog_version: self.catalog_version()?,
            catalog_update: self.catalog_last_update()?,
        })
    }

    pub fn settings(&self) -> Result<settings::Settings> {
        settings::load(&self.store)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<settings::Settings> {
        settings::set(&self.store, key, value)
    }

    /// The app lock of this data directory: the system clock and the phone-sized KDF cost.
    pub fn lock(&self) -> lock::Gate<'_> {
        lock::Gate {
            store: &self.store,
            secrets: self.secrets.as_ref(),
            clock: &lock::SystemClock,
            params: lock::KdfParams::PHONE,
        }
    }
}

/// The OS-keystore account for a data directory: a short hash of its path, so several data
/// directories (profiles, tests) never share a key and no path appears in the keystore.
pub(crate) fn keystore_account(data_dir: &Path) -> String {
    let canon = data_dir
        .canonicalize()
        .unwrap_or_else(|_| data_dir.to_path_buf());
    let digest = Sha256::digest(canon.to_string_lossy().as_bytes());
    format!("data-{}", hex::encode(&digest[..8]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrets::{FileSecrets, MemorySecrets};

    #[test]
    fn second_open_reuses_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let opts = OpenOptions {
            data_dir: dir.path().to_path_buf(),
            keystore: KeystoreKind::File,
        };
        let core = Core::open(&opts).unwrap();
        core.set_setting("language", "en").unwrap();
        drop(core);
        let core = Core::open(&opts).unwrap();
        assert_eq!(core.settings().unwrap().language, settings::Language::En);
    }

    #[test]
    fn missing_key_for_existing_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(
            Core::open_with(dir.path().to_path_buf(), Box::new(MemorySecrets::default())).unwrap(),
        );
        // A fresh memory keystore knows no key for the database that now exists.
        let err = Core::open_with(dir.path().to_path_buf(), Box::new(MemorySecrets::default()))
            .unwrap_err();
        assert_eq!(err.code(), "db_key_missing", "{err}");
        assert!(dir.path().join(DB_FILE).exists());
    }

    #[test]
    fn wrong_key_in_keystore_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        drop(Core::open_with(dir.path().into(), Box::new(FileSecrets::new(keys.clone()))).unwrap());
        FileSecrets::new(keys.clone())
            .set(DB_KEY_NAME, &[7u8; KEY_LEN])
            .map_err(CoreError::from)
            .unwrap();
        let err = Core::open_with(dir.path().into(), Box::new(FileSecrets::new(keys))).unwrap_err();
        assert_eq!(err.code(), "db_wrong_key", "{err}");
        assert_eq!(err.message_key(), "errors.db_locked");
    }

    #[test]
    fn distinctive_string_is_not_in_the_database_files() {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open_with(dir.path().into(), Box::new(MemorySecrets::default())).unwrap();
        let marker = "/NGUYEN-VAN-DISTINCTIVE-MARKER-4242";
        core.set_setting("last_route", marker).unwrap();
        // Checkpoint so the data is in the main file too, not only in the WAL.
        core.store()
            .read(|c| c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);"))
            .unwrap();
        assert_eq!(core.settings().unwrap().last_route.as_deref(), Some(marker));
        let mut scanned = 0;
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                scanned += bytes.len();
                assert!(
                    !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
                    "plaintext found in {}",
                    path.display()
                );
            }
        }
        assert!(scanned > 4096, "the database file was not written");
    }

    #[test]
    fn info_reports_schema_and_cipher() {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open_with(dir.path().into(), Box::new(MemorySecrets::default())).unwrap();
        let info = core.info().unwrap();
        assert_eq!(info.schema_version, core.store().schema_version().unwrap());
        assert!(
            info.cipher_version.starts_with('4'),
            "{}",
            info.cipher_version
        );
        assert_eq!(info.keystore, KeystoreKind::Memory);
        // Opening imports the bundled catalog; no update has come from a server yet.
        let bundled = catalog::bundled().unwrap().manifest.catalog_version.clone();
        assert_eq!(info.catalog_version.as_deref(), Some(bundled.as_str()));
        assert_eq!(info.catalog_update, None);

        // A refused update is reported with its reason, and the catalog in use stays.
        let err = core.catalog_apply_bundle(b"not a bundle").unwrap_err();
        assert_eq!(err.message_key(), "catalog.update_invalid");
        let info = core.info().unwrap();
        assert_eq!(info.catalog_version.as_deref(), Some(bundled.as_str()));
        let status = info.catalog_update.unwrap();
        assert_eq!(status.outcome, "refused");
        assert_eq!(status.reason.as_deref(), Some("wrong_magic"));
    }

    #[test]
    fn keystore_accounts_differ_per_directory() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        assert_ne!(keystore_account(a.path()), keystore_account(b.path()));
        assert_eq!(keystore_account(a.path()), keystore_account(a.path()));
    }
}
