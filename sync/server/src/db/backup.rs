//! Backup and restore of the SQLite database without the `sqlite3` program (`dvc-sync backup`,
//! `dvc-sync restore`; the runbook is in the README, "Backup and restore").
//!
//! * [`backup`] writes a consistent copy while the server runs: `VACUUM INTO` reads one snapshot
//!   of the database (WAL lets it run beside the writer), so the copy holds every transaction
//!   committed before it started and none after. The copy is checked (`PRAGMA integrity_check`)
//!   and flushed to disk before it is reported done.
//! * [`restore`] puts a copy in place of the database while no server holds it (it takes the
//!   server's claim, [`super::sqlite::claim_for_server`], for the whole operation): the copy is
//!   checked, written next to the target and flushed, the old `-wal` and `-shm` files are removed
//!   (a stale write-ahead log would otherwise be replayed into the restored file), and the copy
//!   is renamed over the target.
//!
//! PostgreSQL is backed up with its own tools (`pg_dump -Fc`, `pg_restore`): see the README.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

/// A backup or restore that did not happen; nothing was changed at the target.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// A file could not be read, written or flushed.
    #[error("{context} {path}: {source}")]
    Io {
        /// What we were doing.
        context: &'static str,
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// SQLite refused.
    #[error("sqlite: {context}: {source}")]
    Sqlite {
        /// What we were doing.
        context: &'static str,
        /// The driver's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The output exists already (a backup never overwrites).
    #[error("{0} exists already: choose a new file name")]
    Exists(PathBuf),
    /// The file is not a sound dvc-sync database.
    #[error("{path} is not a usable dvc-sync database: {why}")]
    Unsound {
        /// The file.
        path: PathBuf,
        /// What the check found.
        why: String,
    },
    /// A server holds the database.
    #[error("{0}")]
    InUse(String),
}

fn sq(context: &'static str) -> impl FnOnce(rusqlite::Error) -> BackupError {
    move |source| BackupError::Sqlite { context, source }
}

fn io(context: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BackupError {
    let path = path.to_owned();
    move |source| BackupError::Io {
        context,
        path,
        source,
    }
}

/// What a checked database holds, for the operator to compare with what they expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Dossiers.
    pub dossiers: i64,
    /// Blobs the database names (their files must be in the blob folder).
    pub blobs: i64,
    /// Highest event sequence number.
    pub last_event: i64,
}

/// Checks the database file at `path` (opened read-only) and counts what it holds.
pub fn check(path: &Path) -> Result<Summary, BackupError> {
    if !path.is_file() {
        return Err(BackupError::Unsound {
            path: path.to_owned(),
            why: "no such file".into(),
        });
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sq("open the copy"))?;
    let unsound = |why: String| BackupError::Unsound {
        path: path.to_owned(),
        why,
    };
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|err| unsound(err.to_string()))?;
    if verdict != "ok" {
        return Err(unsound(verdict));
    }
    let count = |sql: &str| -> Result<i64, BackupError> {
        conn.query_row(sql, [], |r| r.get(0))
            .map_err(|err| unsound(err.to_string()))
    };
    Ok(Summary {
        dossiers: count("SELECT COUNT(*) FROM dossiers")?,
        blobs: count("SELECT COUNT(*) FROM blobs")?,
        last_event: count("SELECT COALESCE(MAX(seq), 0) FROM events")?,
    })
}

/// Flushes a file and the folder that names it.
fn flush(path: &Path) -> Result<(), BackupError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io("flush", path))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Directories cannot be opened for syncing everywhere; where they can, do it.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Writes a consistent copy of the database at `db_path` to `out` (a new file), while a server
/// may be running, and checks it.
pub fn backup(db_path: &Path, out: &Path) -> Result<Summary, BackupError> {
    if out.exists() {
        return Err(BackupError::Exists(out.to_owned()));
    }
    if !db_path.is_file() {
        return Err(BackupError::Unsound {
            path: db_path.to_owned(),
            why: "no such file".into(),
        });
    }
    let out_text = out.to_str().ok_or_else(|| BackupError::Unsound {
        path: out.to_owned(),
        why: "the output path is not UTF-8".into(),
    })?;
    let conn = Connection::open_with_flags(
        db_path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sq("open the database"))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(sq("busy_timeout"))?;
    conn.execute("VACUUM INTO ?1", [out_text])
        .map_err(sq("VACUUM INTO"))?;
    drop(conn);
    flush(out)?;
    check(out)
}

/// Puts the backup `from` in place of the database at `db_path`, which no server may hold.
pub fn restore(from: &Path, db_path: &Path) -> Result<Summary, BackupError> {
    let _claim = super::sqlite::claim_for_server(db_path).map_err(|err| match err {
        super::DbError::InUse(m) => BackupError::InUse(m),
        other => BackupError::InUse(format!("cannot claim {}: {other}", db_path.display())),
    })?;
    let summary = check(from)?;
    let with = |suffix: &str| {
        let mut p = db_path.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    };
    let tmp = with(".restoring");
    std::fs::copy(from, &tmp).map_err(io("copy the backup to", &tmp))?;
    flush(&tmp)?;
    for stale in [with("-wal"), with("-shm")] {
        match std::fs::remove_file(&stale) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(io("remove", &stale)(err)),
        }
    }
    std::fs::rename(&tmp, db_path).map_err(io("rename the copy over", db_path))?;
    flush(db_path)?;
    Ok(summary)
}
