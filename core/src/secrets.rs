//! Where keys live: the OS keystore by default, a 0600 key file or process memory only when chosen
//! explicitly with `DVC_KEYSTORE=file|memory`.
//!
//! Secrets are small binary values (database key, document-store key, sync token) addressed by a
//! name. They never go to logs: only their names do.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;

use zeroize::Zeroizing;

/// Environment variable that chooses the keystore.
pub const KEYSTORE_ENV: &str = "DVC_KEYSTORE";
/// Service name under which entries are kept in the OS keystore.
pub const KEYRING_SERVICE: &str = "vn.dvc.donghanh";

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error(
        "the OS keystore is not reachable ({detail}); on a machine without one (headless Linux, CI) \
         set {KEYSTORE_ENV}=file to keep keys in a 0600 file in the data directory, or \
         {KEYSTORE_ENV}=memory for a throwaway session"
    )]
    OsUnavailable { detail: String },
    #[error("keystore entry `{name}` could not be {action}: {detail}")]
    Entry {
        name: String,
        action: &'static str,
        detail: String,
    },
    #[error("key file {path}: {source}")]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("key file {path} is not valid (expected hex text)")]
    FileCorrupt { path: PathBuf },
    #[error("secret name `{0}` is not allowed (use lower-case letters, digits and '-')")]
    BadName(String),
    #[error("unknown {KEYSTORE_ENV} value `{0}` (expected os, file or memory)")]
    UnknownKind(String),
}

/// Which keystore to use. Chosen once at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum KeystoreKind {
    Os,
    File,
    Memory,
}

impl KeystoreKind {
    /// Reads `DVC_KEYSTORE`; unset or empty means `os`.
    pub fn from_env() -> Result<Self, SecretsError> {
        match std::env::var(KEYSTORE_ENV) {
            Ok(v) if !v.trim().is_empty() => v.parse(),
            _ => Ok(Self::Os),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Os => "os",
            Self::File => "file",
            Self::Memory => "memory",
        }
    }
}

impl fmt::Display for KeystoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KeystoreKind {
    type Err = SecretsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "os" => Ok(Self::Os),
            "file" => Ok(Self::File),
            "memory" => Ok(Self::Memory),
            other => Err(SecretsError::UnknownKind(other.to_string())),
        }
    }
}

/// A small store of named binary secrets.
pub trait Secrets: Send + Sync {
    /// The secret, or `None` when there is no entry of that name.
    fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, SecretsError>;
    fn set(&self, name: &str, value: &[u8]) -> Result<(), SecretsError>;
    fn delete(&self, name: &str) -> Result<(), SecretsError>;
    fn kind(&self) -> KeystoreKind;
}

fn check_name(name: &str) -> Result<(), SecretsError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(SecretsError::BadName(name.to_string()))
    }
}

/// Opens the keystore of the given kind. `data_dir` is where the file store keeps its key files;
/// `account` separates several data directories in the OS keystore.
pub fn open(
    kind: KeystoreKind,
    data_dir: &Path,
    account: &str,
) -> Result<Box<dyn Secrets>, SecretsError> {
    let store: Box<dyn Secrets> = match kind {
        KeystoreKind::Os => Box::new(OsSecrets::new(account)?),
        KeystoreKind::File => Box::new(FileSecrets::new(data_dir.join("keys"))),
        KeystoreKind::Memory => Box::new(MemorySecrets::default()),
    };
    tracing::info!(keystore = %kind, "keystore chosen");
    Ok(store)
}

/// The OS keystore (Secret Service on Linux, Keychain on Apple, Credential Manager on Windows)
/// through the `keyring` crate.
pub struct OsSecrets {
    account: String,
}

impl OsSecrets {
    pub fn new(account: &str) -> Result<Self, SecretsError> {
        if let Err(e) = keyring::Entry::store_status() {
            return Err(SecretsError::OsUnavailable {
                detail: e.to_string(),
            });
        }
        Ok(Self {
            account: account.to_string(),
        })
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry, SecretsError> {
        check_name(name)?;
        keyring::Entry::new(KEYRING_SERVICE, &format!("{}:{name}", self.account)).map_err(|e| {
            SecretsError::OsUnavailable {
                detail: e.to_string(),
            }
        })
    }
}

impl Secrets for OsSecrets {
    fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, SecretsError> {
        match self.entry(name)?.get_secret() {
            Ok(v) => Ok(Some(Zeroizing::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(SecretsError::Entry {
                name: name.to_string(),
                action: "read",
                detail: e.to_string(),
            }),
        }
    }

    fn set(&self, name: &str, value: &[u8]) -> Result<(), SecretsError> {
        self.entry(name)?
            .set_secret(value)
            .map_err(|e| SecretsError::Entry {
                name: name.to_string(),
                action: "written",
                detail: e.to_string(),
            })
    }

    fn delete(&self, name: &str) -> Result<(), SecretsError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(SecretsError::Entry {
                name: name.to_string(),
                action: "deleted",
                detail: e.to_string(),
            }),
        }
    }

    fn kind(&self) -> KeystoreKind {
        KeystoreKind::Os
    }
}

/// Key files (hex text, mode 0600, directory 0700) in the data directory. Chosen explicitly only:
/// anyone who can read the data directory can read the keys.
pub struct FileSecrets {
    dir: PathBuf,
}

impl FileSecrets {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    fn path(&self, name: &str) -> Result<PathBuf, SecretsError> {
        check_name(name)?;
        Ok(self.dir.join(format!("{name}.key")))
    }

    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SecretsError + '_ {
        move |source| SecretsError::File {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl Secrets for FileSecrets {
    fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, SecretsError> {
        let path = self.path(name)?;
        let text = match fs::read_to_string(&path) {
            Ok(t) => Zeroizing::new(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Self::io(&path)(e)),
        };
        let bytes = hex::decode(text.trim())
            .map_err(|_| SecretsError::FileCorrupt { path: path.clone() })?;
        Ok(Some(Zeroizing::new(bytes)))
    }

    fn set(&self, name: &str, value: &[u8]) -> Result<(), SecretsError> {
        let path = self.path(name)?;
        create_private_dir(&self.dir).map_err(Self::io(&self.dir))?;
        let tmp = path.with_extension("key.tmp");
        {
            let mut f = open_private_file(&tmp).map_err(Self::io(&tmp))?;
            let text = Zeroizing::new(hex::encode(value));
            f.write_all(text.as_bytes()).map_err(Self::io(&tmp))?;
            f.sync_all().map_err(Self::io(&tmp))?;
        }
        fs::rename(&tmp, &path).map_err(Self::io(&path))?;
        sync_dir(&self.dir);
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<(), SecretsError> {
        let path = self.path(name)?;
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Self::io(&path)(e)),
        }
    }

    fn kind(&self) -> KeystoreKind {
        KeystoreKind::File
    }
}

/// Secrets kept for the life of the process only (tests, throwaway sessions).
#[derive(Default)]
pub struct MemorySecrets {
    map: Mutex<HashMap<String, Zeroizing<Vec<u8>>>>,
}

impl Secrets for MemorySecrets {
    fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, SecretsError> {
        check_name(name)?;
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        Ok(map.get(name).cloned())
    }

    fn set(&self, name: &str, value: &[u8]) -> Result<(), SecretsError> {
        check_name(name)?;
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(name.to_string(), Zeroizing::new(value.to_vec()));
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<(), SecretsError> {
        check_name(name)?;
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(name);
        Ok(())
    }

    fn kind(&self) -> KeystoreKind {
        KeystoreKind::Memory
    }
}

/// Creates `dir` (and parents) readable by the owner only.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn open_private_file(path: &Path) -> std::io::Result<fs::File> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

/// Best effort: makes a rename in `dir` durable.
pub fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_parses_and_rejects_unknown() {
        assert_eq!(
            "FILE".parse::<KeystoreKind>().ok(),
            Some(KeystoreKind::File)
        );
        assert_eq!(" os ".parse::<KeystoreKind>().ok(), Some(KeystoreKind::Os));
        let err = "vault".parse::<KeystoreKind>().unwrap_err().to_string();
        assert!(err.contains("DVC_KEYSTORE"), "{err}");
    }

    #[test]
    fn file_store_round_trip_with_private_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let s = FileSecrets::new(dir.path().join("keys"));
        assert!(s.get("db-key").unwrap().is_none());
        s.set("db-key", &[1, 2, 3, 255]).unwrap();
        assert_eq!(
            s.get("db-key").unwrap().unwrap().as_slice(),
            &[1, 2, 3, 255]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("keys/db-key.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            let dmode = fs::metadata(dir.path().join("keys"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(dmode & 0o777, 0o700);
        }
        s.delete("db-key").unwrap();
        assert!(s.get("db-key").unwrap().is_none());
    }

    #[test]
    fn file_store_reports_corrupt_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("keys")).unwrap();
        fs::write(dir.path().join("keys/db-key.key"), "not hex!").unwrap();
        let s = FileSecrets::new(dir.path().join("keys"));
        assert!(matches!(
            s.get("db-key"),
            Err(SecretsError::FileCorrupt { .. })
        ));
    }

    #[test]
    fn names_are_restricted() {
        let s = MemorySecrets::default();
        assert!(matches!(
            s.set("../etc/passwd", b"x"),
            Err(SecretsError::BadName(_))
        ));
        assert!(matches!(s.get(""), Err(SecretsError::BadName(_))));
    }

    #[test]
    fn os_unavailable_error_names_the_variable() {
        let e = SecretsError::OsUnavailable {
            detail: "no dbus".into(),
        };
        assert!(e.to_string().contains("DVC_KEYSTORE=file"));
    }
}
