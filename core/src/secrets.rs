//! Where keys live: the OS keystore by default, a 0600 key file or process memory only when chosen
//! explicitly with `DVC_KEYSTORE=file|memory`.
//!
//! The OS keystore is Secret Service on Linux, Keychain on Apple, Credential Manager on Windows
//! (the `keyring` crate's own stores) and, on Android, `keyring-core` with
//! `android-native-keyring-store`: entries in the app's SharedPreferences, encrypted with a key
//! that the Android Keystore holds and never hands out. A release build refuses
//! `DVC_KEYSTORE=file` (the key would sit beside the data it protects) unless
//! `DVC_ALLOW_FILE_KEYSTORE=1` says that is wanted.
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
/// Environment variable that lets a release build use the file keystore (`1`).
pub const ALLOW_FILE_KEYSTORE_ENV: &str = "DVC_ALLOW_FILE_KEYSTORE";

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
    #[error(
        "{KEYSTORE_ENV}=file keeps the keys beside the data they protect, so this release build \
         does not use it unless {ALLOW_FILE_KEYSTORE_ENV}=1 is set too"
    )]
    FileKeystoreRefused,
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
    /// Reads `DVC_KEYSTORE`; unset or empty means `os`. In a release build `file` also needs
    /// `DVC_ALLOW_FILE_KEYSTORE=1` ([`check_allowed`]).
    pub fn from_env() -> Result<Self, SecretsError> {
        let kind = match std::env::var(KEYSTORE_ENV) {
            Ok(v) if !v.trim().is_empty() => v.parse()?,
            _ => Self::Os,
        };
        check_allowed(
            kind,
            !cfg!(debug_assertions),
            std::env::var(ALLOW_FILE_KEYSTORE_ENV).ok().as_deref(),
        )?;
        Ok(kind)
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

/// Whether a keystore chosen from the environment may be used: in a `release` build the file
/// keystore only with `allow_file` = `1` (the value of `DVC_ALLOW_FILE_KEYSTORE`). Development
/// builds, tests and the other kinds are always allowed.
pub fn check_allowed(
    kind: KeystoreKind,
    release: bool,
    allow_file: Option<&str>,
) -> Result<(), SecretsError> {
    if kind == KeystoreKind::File && release && allow_file.map(str::trim) != Some("1") {
        return Err(SecretsError::FileKeystoreRefused);
    }
    Ok(())
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

/// An entry of the OS keystore: `keyring`'s own on desktop and Apple platforms; `keyring-core`'s
/// (the same API and errors) with the Android store on Android.
#[cfg(not(target_os = "android"))]
type OsEntry = keyring::Entry;
#[cfg(target_os = "android")]
type OsEntry = keyring_core::Entry;

/// Whether the OS keystore can be used in this process.
#[cfg(not(target_os = "android"))]
fn os_store_status() -> Result<(), String> {
    keyring::Entry::store_status()
        .as_ref()
        .map(|_| ())
        .map_err(ToString::to_string)
}

/// Android: installs the Android Keystore–backed store as `keyring-core`'s default, once per
/// process. It needs the app's Android context, which Tauri's Android runtime provides
/// (`ndk-context`) before any Rust code of ours runs.
#[cfg(target_os = "android")]
fn os_store_status() -> Result<(), String> {
    static STORE: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    STORE
        .get_or_init(|| {
            let store = android_native_keyring_store::Store::new().map_err(|e| e.to_string())?;
            keyring_core::set_default_store(store);
            Ok(())
        })
        .clone()
}

impl OsSecrets {
    pub fn new(account: &str) -> Result<Self, SecretsError> {
        os_store_status().map_err(|detail| SecretsError::OsUnavailable { detail })?;
        Ok(Self {
            account: account.to_string(),
        })
    }

    fn entry(&self, name: &str) -> Result<OsEntry, SecretsError> {
        check_name(name)?;
        OsEntry::new(KEYRING_SERVICE, &format!("{}:{name}", self.account)).map_err(|e| {
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
    fn release_builds_refuse_the_file_keystore_unless_allowed() {
        use KeystoreKind::*;
        // Development builds (tests, `./x run`) keep working as before.
        for kind in [Os, File, Memory] {
            assert!(check_allowed(kind, false, None).is_ok());
        }
        // A release build: the OS keystore and memory are fine, the file keystore needs `1`.
        assert!(check_allowed(Os, true, None).is_ok());
        assert!(check_allowed(Memory, true, None).is_ok());
        for refused in [None, Some(""), Some("0"), Some("yes"), Some("true")] {
            let err = check_allowed(File, true, refused).unwrap_err();
            assert!(
                matches!(err, SecretsError::FileKeystoreRefused),
                "{refused:?}"
            );
            assert!(err.to_string().contains(ALLOW_FILE_KEYSTORE_ENV));
        }
        assert!(check_allowed(File, true, Some("1")).is_ok());
        assert!(check_allowed(File, true, Some(" 1\n")).is_ok());
        let core_err = crate::CoreError::from(SecretsError::FileKeystoreRefused);
        assert_eq!(core_err.code(), "keystore_refused");
        assert_eq!(core_err.message_key(), "errors.keystore_unavailable");
        assert!(core_err.is_bad_input());
    }

    #[test]
    fn os_unavailable_error_names_the_variable() {
        let e = SecretsError::OsUnavailable {
            detail: "no dbus".into(),
        };
        assert!(e.to_string().contains("DVC_KEYSTORE=file"));
    }
}
