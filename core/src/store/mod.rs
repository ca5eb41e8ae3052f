//! The encrypted local store: one SQLCipher database in WAL mode with foreign keys on and embedded,
//! versioned migrations (`PRAGMA user_version`).
//!
//! Why not a migration crate: `rusqlite_migration` pins a rusqlite (and so a `libsqlite3-sys`) other
//! than the 0.41 we need for SQLCipher, and only one crate may link `sqlite3`. The runner below is
//! small: each migration runs in one transaction together with the version bump.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use zeroize::Zeroizing;

mod migrations;
pub use migrations::{Migration, MIGRATIONS};

/// Length of the raw database key in bytes (SQLCipher raw key: 256 bits).
pub const KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path} cannot be opened with this key (wrong key, or not a DVC database)")]
    WrongKey { path: PathBuf },
    #[error(
        "database {path} was written by a newer app (schema {found}, this app knows {known}); \
         update the app"
    )]
    TooNew {
        path: PathBuf,
        found: u32,
        known: u32,
    },
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        version: u32,
        name: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    #[error("SQLCipher is not active in this build (PRAGMA cipher_version is empty)")]
    NoCipher,
    #[error("database {path} would not survive a power cut: {detail}")]
    NotDurable { path: PathBuf, detail: String },
    #[error("database {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The local database. One connection behind a mutex: a phone app has one writer, and every user
/// action is one short transaction.
pub struct Store {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the encrypted database at `path` with a raw 32-byte key and brings
    /// its schema up to date.
    #[tracing::instrument(skip(key), fields(path = %path.display()))]
    pub fn open(path: &Path, key: &[u8; KEY_LEN]) -> Result<Self> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        // Fail closed: without SQLCipher, `PRAGMA key` is silently ignored and everything would
        // be written in plain text.
        require_cipher(read_cipher_version(&conn))?;
        // SQLCipher writes its own diagnostics to stderr (e.g. on a wrong key); we report errors
        // ourselves, in one line.
        let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
        apply_key(&conn, key)?;
        // The first read after `PRAGMA key` is where a wrong key shows.
        if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        }) {
            return Err(match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::NotADatabase) => StoreError::WrongKey {
                    path: path.to_path_buf(),
                },
                _ => StoreError::Open {
                    path: path.to_path_buf(),
                    source: e,
                },
            });
        }
        let store = Self::configure(conn, Some(path.to_path_buf()))?;
        Ok(store)
    }

    /// An in-memory store with the full schema, for tests.
    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory()?;
        Self::configure(conn, None)
    }

    fn configure(conn: Connection, path: Option<PathBuf>) -> Result<Self> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        if path.is_some() {
            // WAL: readers never block the writer; FULL: a commit that returned survives power loss.
            let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                tracing::warn!(mode, "journal mode is not WAL");
            }
        }
        // secure_delete: a deleted row's bytes are overwritten with zeros, so what a user deleted
        // (a citizen's profile on a volunteer's phone) is not left in free pages, readable to
        // anyone holding the key.
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;
             PRAGMA secure_delete = ON;",
        )?;
        if let Some(path) = &path {
            // Read back: a saved change must survive a power cut (tests/tests/power_loss.rs).
            let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") || sync != 2 {
                return Err(StoreError::NotDurable {
                    path: path.clone(),
                    detail: format!("journal_mode = {mode}, synchronous = {sync}"),
                });
            }
        }
        let store = Self {
            conn: Mutex::new(conn),
            path,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Copies the write-ahead log into the database and empties it (after a deletion: the log
    /// would still hold the deleted rows' old pages).
    pub fn truncate_wal(&self) -> Result<()> {
        if self.path.is_none() {
            return Ok(());
        }
        let conn = self.lock();
        let (busy, _, _): (i64, i64, i64) =
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        if busy != 0 {
            tracing::warn!("WAL checkpoint blocked; the log is emptied at the next one");
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-done transaction (rusqlite rolls back
        // on drop), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Closes the database file for good (the full wipe): the connection is swapped for an empty
    /// in-memory one, so a later call by a holder of this store fails instead of writing a file.
    pub fn close(&self) {
        let mut conn = self.lock();
        match Connection::open_in_memory() {
            Ok(empty) => drop(std::mem::replace(&mut *conn, empty)),
            Err(e) => tracing::warn!(error = %e, "cannot swap the connection before closing"),
        }
    }

    /// Runs `f` with the connection (reads, or writes that manage their own transaction).
    pub fn read<T, E>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E> {
        let conn = self.lock();
        f(&conn)
    }

    /// Runs `f` inside one IMMEDIATE transaction: committed when `f` returns `Ok`, rolled back
    /// otherwise. One user action = one call.
    pub fn write<T, E>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<rusqlite::Error>,
    {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// The schema version (number of the last applied migration).
    pub fn schema_version(&self) -> Result<u32> {
        let v: u32 = self
            .lock()
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        Ok(v)
    }

    /// SQLCipher's version string; proves the database is encrypted by SQLCipher.
    pub fn cipher_version(&self) -> Result<String> {
        require_cipher(read_cipher_version(&self.lock()))
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// `PRAGMA integrity_check` — `true` when the database is intact.
    pub fn integrity_ok(&self) -> Result<bool> {
        let r: String = self
            .lock()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(r == "ok")
    }

    /// Row counts of the known user-data tables that exist in this schema.
    pub fn counts(&self) -> Result<std::collections::BTreeMap<String, i64>> {
        const TABLES: &[&str] = &[
            "procedures",
            "guides",
            "people",
            "households",
            "documents",
            "dossiers",
            "outbox",
        ];
        let conn = self.lock();
        let mut out = std::collections::BTreeMap::new();
        for t in TABLES {
            let exists: bool = conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
                [t],
                |r| r.get(0),
            )?;
            if exists {
                // Table names come from the constant list above, never from input.
                let n: i64 =
                    conn.query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))?;
                out.insert((*t).to_string(), n);
            }
        }
        Ok(out)
    }

    fn migrate(&self) -> Result<()> {
        let mut conn = self.lock();
        let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = MIGRATIONS.last().map_or(0, |m| m.version);
        if current > known {
            return Err(StoreError::TooNew {
                path: self.path.clone().unwrap_or_default(),
                found: current,
                known,
            });
        }
        for m in MIGRATIONS.iter().filter(|m| m.version > current) {
            let wrap = |source| StoreError::Migration {
                version: m.version,
                name: m.name,
                source,
            };
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Exclusive)
                .map_err(wrap)?;
            tx.execute_batch(m.sql).map_err(wrap)?;
            tx.pragma_update(None, "user_version", m.version)
                .map_err(wrap)?;
            tx.commit().map_err(wrap)?;
            tracing::info!(version = m.version, name = m.name, "migration applied");
        }
        Ok(())
    }
}

/// `PRAGMA cipher_version`: a version string under SQLCipher; no row at all under plain SQLite
/// (an unknown pragma is a no-op there).
fn read_cipher_version(conn: &Connection) -> Option<String> {
    conn.query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .ok()
}

/// The SQLCipher version, or [`StoreError::NoCipher`] when the library is not SQLCipher.
fn require_cipher(version: Option<String>) -> Result<String> {
    match version {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(StoreError::NoCipher),
    }
}

fn apply_key(conn: &Connection, key: &[u8; KEY_LEN]) -> Result<()> {
    // Raw key form: x'<64 hex>' skips SQLCipher's PBKDF2 (the key is already random).
    let pragma = Zeroizing::new(format!("x'{}'", hex::encode(key)));
    conn.pragma_update(None, "key", pragma.as_str())?;
    Ok(())
}

/// A fresh random database key.
pub fn new_key() -> Zeroizing<[u8; KEY_LEN]> {
    let mut k = Zeroizing::new([0u8; KEY_LEN]);
    rand::Rng::fill(&mut rand::rng(), &mut k[..]);
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_store_has_latest_schema() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(
            s.schema_version().unwrap(),
            MIGRATIONS.last().unwrap().version
        );
        assert!(s.integrity_ok().unwrap());
    }

    #[test]
    fn migrations_are_numbered_in_increasing_order() {
        // Feature branches take numbers in parallel (catalog 2, people 3), so a branch may have a
        // gap until they are merged; the runner applies every migration above the stored version.
        let mut last = 0;
        for m in MIGRATIONS {
            assert!(m.version > last, "migration {} ({})", m.version, m.name);
            last = m.version;
        }
    }

    #[test]
    fn file_store_is_encrypted_wal_with_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let key = new_key();
        let s = Store::open(&path, &key).unwrap();
        assert!(!s.cipher_version().unwrap().is_empty());
        s.read(|c| {
            let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            assert_eq!(mode, "wal");
            let fk: i64 = c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
            assert_eq!(fk, 1);
            Ok::<_, rusqlite::Error>(())
        })
        .unwrap();
    }

    #[test]
    fn a_library_without_sqlcipher_is_refused() {
        // What `PRAGMA cipher_version` gives under plain SQLite (no row) or a broken build.
        for v in [None, Some(String::new()), Some("  ".into())] {
            assert!(matches!(require_cipher(v), Err(StoreError::NoCipher)));
        }
        assert_eq!(
            require_cipher(Some("4.6.1 community".into())).unwrap(),
            "4.6.1 community"
        );
        // This build links SQLCipher: a fresh connection says so before any key is applied.
        let conn = Connection::open_in_memory().unwrap();
        assert!(require_cipher(read_cipher_version(&conn)).is_ok());
    }

    #[test]
    fn wrong_key_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        drop(Store::open(&path, &new_key()).unwrap());
        let err = Store::open(&path, &new_key()).unwrap_err();
        assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
    }

    #[test]
    fn garbage_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        std::fs::write(&path, vec![0x5a; 8192]).unwrap();
        let err = Store::open(&path, &new_key()).unwrap_err();
        assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let key = new_key();
        let s = Store::open(&path, &key).unwrap();
        s.read(|c| c.pragma_update(None, "user_version", 9999))
            .unwrap();
        drop(s);
        let err = Store::open(&path, &key).unwrap_err();
        assert!(
            matches!(err, StoreError::TooNew { found: 9999, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn failed_write_rolls_back() {
        let s = Store::open_in_memory().unwrap();
        let r: Result<(), StoreError> = s.write(|tx| {
            tx.execute("INSERT INTO settings (key, value) VALUES ('a', 'b')", [])?;
            Err(StoreError::NoCipher)
        });
        assert!(r.is_err());
        let n: i64 = s
            .read(|c| c.query_row("SELECT count(*) FROM settings", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(n, 0);
    }
}
