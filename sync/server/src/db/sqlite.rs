//! The embedded default backend: SQLite (the workspace's SQLCipher build, unkeyed) in WAL mode.
//!
//! One writer connection (SQLite allows one writer at a time anyway; `BEGIN IMMEDIATE` makes every
//! write transaction take the write lock up front) and a few reader connections that run in
//! parallel with it thanks to WAL. All calls run on tokio's blocking pool or the writer thread.
//! `synchronous = FULL`: a committed transaction survives power loss, not just a process crash.
//!
//! The shared work of [`Store`] is written as futures; on SQLite they never wait (every statement
//! runs to completion on the calling thread), so each is driven to its end with one poll.

use std::future::Future;
use std::path::Path;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::Connection;

use super::dialect::{migrations, Backend, BoxFut, Cell, Conn, Row, Txn, Value};
use super::sql::Sql;
use super::store::{insert_dossier, OutboxChannels, Store};
use super::{DbError, DbResult, NewDossier, SubmitOutcome};

/// SQLite storage.
pub type SqliteDb = Store<Sqlite>;

/// Which hashes of a JSON list an account owns.
pub(super) const OWNED_BLOBS: &str = "SELECT sha256 FROM blob_owners \
     WHERE account_id = ?1 AND sha256 IN (SELECT value FROM json_each(?2))";
/// Links a JSON list of hashes (`WHERE true` keeps `ON CONFLICT` from reading as a join clause).
pub(super) const LINK_ATTACHMENTS: &str = "INSERT INTO dossier_blobs (dossier_uuid, sha256, role) \
     SELECT ?1, value, 'attachment' FROM json_each(?2) WHERE true ON CONFLICT DO NOTHING";
/// Nothing to add: with one writer, a write transaction already excludes every other.
pub(super) const LOCK_ROWS: &str = "";

const READERS: usize = 4;
/// Most jobs committed together.
const MAX_BATCH: usize = 128;
/// Statements kept prepared per connection (the server has about seventy).
const STATEMENT_CACHE: usize = 128;

type Finisher = Box<dyn FnOnce(Result<(), String>) + Send>;
type Job = Box<dyn FnOnce(&mut Connection) -> (bool, Finisher) + Send>;

/// The writer thread: takes every job that is waiting (group commit), runs each in its own
/// savepoint inside one `BEGIN IMMEDIATE` transaction, commits once (one fsync for the batch), and
/// only then answers the jobs. Ends when the database handle is dropped.
fn writer_loop(mut conn: Connection, rx: std::sync::mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut finishers = Vec::with_capacity(batch.len());
        let begin = conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|err| err.to_string());
        if let Err(msg) = begin {
            tracing::error!(error = %msg, "sqlite: BEGIN failed");
            for job in batch {
                // Run nothing; fail every job of the batch.
                drop(job);
            }
            continue;
        }
        for job in batch {
            if conn.execute_batch("SAVEPOINT job").is_err() {
                drop(job);
                continue;
            }
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut conn)));
            match ran {
                Ok((true, finish)) => {
                    let _ = conn.execute_batch("RELEASE job");
                    finishers.push(finish);
                }
                Ok((false, finish)) => {
                    let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
                    finishers.push(finish);
                }
                Err(_) => {
                    tracing::error!("sqlite: a write job panicked; its changes were rolled back");
                    let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
                }
            }
        }
        let commit = conn.execute_batch("COMMIT").map_err(|err| err.to_string());
        if let Err(msg) = &commit {
            tracing::error!(error = %msg, "sqlite: COMMIT failed; batch rolled back");
            let _ = conn.execute_batch("ROLLBACK");
        }
        for finish in finishers {
            finish(commit.clone());
        }
    }
}

/// The SQLite backend: the writer thread's queue and the reader connections.
pub struct Sqlite {
    writer: Mutex<std::sync::mpsc::Sender<Job>>,
    readers: Vec<Arc<Mutex<Connection>>>,
    next_reader: AtomicUsize,
}

fn e(context: &'static str) -> impl FnOnce(rusqlite::Error) -> DbError {
    move |source| DbError::Sqlite { context, source }
}

fn open_conn(path: &Path) -> DbResult<Connection> {
    let conn = Connection::open(path).map_err(e("open"))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(e("busy_timeout"))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
    )
    .map_err(e("pragmas"))?;
    check_durable(&conn)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Reads the durability settings back: a commit the server acknowledges must survive a power
/// cut (WAL with `synchronous = FULL`, tested by `tests/power_loss.rs`). A build or a file where
/// they did not take (e.g. a read-only or in-memory database, a changed default) refuses to serve.
fn check_durable(conn: &Connection) -> DbResult<()> {
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .map_err(e("journal_mode"))?;
    let sync: i64 = conn
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .map_err(e("synchronous"))?;
    if !mode.eq_ignore_ascii_case("wal") || sync != 2 {
        return Err(DbError::NotDurable(format!(
            "journal_mode = {mode}, synchronous = {sync}; need wal and 2 (FULL)"
        )));
    }
    Ok(())
}

impl Store<Sqlite> {
    /// Opens (creating if needed) the database file and its reader connections.
    pub async fn open(path: &Path) -> DbResult<SqliteDb> {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || {
            if let Some(dir) = path.parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir)
                        .map_err(|err| DbError::Url(format!("create {}: {err}", dir.display())))?;
                }
            }
            let writer = open_conn(&path)?;
            let mut readers = Vec::with_capacity(READERS);
            for _ in 0..READERS {
                readers.push(Arc::new(Mutex::new(open_conn(&path)?)));
            }
            let (jobs, rx) = std::sync::mpsc::channel::<Job>();
            std::thread::Builder::new()
                .name("dvc-sqlite-writer".into())
                .spawn(move || writer_loop(writer, rx))
                .map_err(|err| DbError::Worker(format!("writer thread: {err}")))?;
            Ok(Store::new(Sqlite {
                writer: Mutex::new(jobs),
                readers,
                next_reader: AtomicUsize::new(0),
            }))
        })
        .await
        .map_err(|err| DbError::Worker(err.to_string()))?
    }
}

/// A `serve` process's claim on its SQLite file (see [`claim_for_server`]); released when dropped
/// or when the process ends, however it ends.
pub struct ServerClaim {
    _conn: Connection,
}

impl std::fmt::Debug for ServerClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerClaim")
    }
}

/// Claims the SQLite database at `db_path` for one `serve` process: SQLite is one server process
/// by nature (upload locks and long-poll wake-ups live in the process), so a second `serve` on
/// the same file is refused instead of silently accepting two writers of one upload. The claim
/// is an exclusive lock on the side file `<db_path>.serve-lock` held by an open transaction (the
/// operating system drops it when the process dies, even by `kill -9`); the CLI's other commands
/// do not take it and may run beside the server.
pub fn claim_for_server(db_path: &Path) -> DbResult<ServerClaim> {
    let mut lock_path = db_path.as_os_str().to_owned();
    lock_path.push(".serve-lock");
    let lock_path = std::path::PathBuf::from(lock_path);
    let conn = Connection::open(&lock_path).map_err(e("open the server lock"))?;
    conn.busy_timeout(std::time::Duration::ZERO)
        .map_err(e("server lock busy_timeout"))?;
    match conn.execute_batch(
        "PRAGMA locking_mode = EXCLUSIVE; CREATE TABLE IF NOT EXISTS claim (pid INTEGER); \
         BEGIN EXCLUSIVE;",
    ) {
        Ok(()) => Ok(ServerClaim { _conn: conn }),
        Err(rusqlite::Error::SqliteFailure(f, _))
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            Err(DbError::InUse(format!(
                "{} is in use by another `dvc-sync serve` (it holds {}): SQLite is one server \
                 process; run one server per SQLite file, or PostgreSQL for several",
                db_path.display(),
                lock_path.display()
            )))
        }
        Err(err) => Err(e("take the server lock")(err)),
    }
}

/// Drives work that never waits to its end.
fn run_now<T>(work: impl Future<Output = DbResult<T>>) -> DbResult<T> {
    match pin!(work).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => Err(DbError::Worker(
            "SQLite work waited on something; it must run straight through".into(),
        )),
    }
}

impl Backend for Sqlite {
    const NAME: &'static str = "sqlite";
    const MIGRATIONS: &'static [(i64, &'static str)] = migrations!("sqlite");
    const MIGRATIONS_TABLE: &'static str = "CREATE TABLE IF NOT EXISTS schema_migrations \
         (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT;";

    /// On one of the reader connections, on tokio's blocking pool.
    async fn read<T, F>(&self, work: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn Conn) -> BoxFut<'c, DbResult<T>> + Send + 'static,
    {
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        let conn = Arc::clone(&self.readers[i]);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| DbError::Worker("reader lock poisoned".into()))?;
            run_now(work(&mut Lite(&mut guard)))
        })
        .await
        .map_err(|err| DbError::Worker(err.to_string()))?
    }

    /// On the writer thread inside a group-committed transaction (its own savepoint: an `Err`
    /// undoes only its own changes). Resolves only after the batch's COMMIT succeeded. Every
    /// write is serialised, so `txn` needs nothing more.
    async fn write<T, F>(&self, _txn: Txn, work: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn Conn) -> BoxFut<'c, DbResult<T>> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<DbResult<T>>();
        let job: Job = Box::new(move |conn: &mut Connection| {
            let result = run_now(work(&mut Lite(conn)));
            let ok = result.is_ok();
            let finish: Finisher = Box::new(move |commit: Result<(), String>| {
                let out = match (result, commit) {
                    (Ok(v), Ok(())) => Ok(v),
                    (Ok(_), Err(msg)) => Err(DbError::Worker(format!("commit failed: {msg}"))),
                    (Err(err), _) => Err(err),
                };
                let _ = tx.send(out);
            });
            (ok, finish)
        });
        self.writer
            .lock()
            .map_err(|_| DbError::Worker("writer channel lock poisoned".into()))?
            .send(job)
            .map_err(|_| DbError::Worker("the SQLite writer thread has stopped".into()))?;
        rx.await
            .map_err(|_| DbError::Worker("a write job was dropped".into()))?
    }

    async fn insert(&self, d: NewDossier, channels: OutboxChannels) -> DbResult<SubmitOutcome> {
        self.write(Txn::Events, move |c| {
            Box::pin(async move { insert_dossier(c, &d, channels).await })
        })
        .await
    }
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Value::Text(s) | Value::OptText(Some(s)) => {
                ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))
            }
            Value::OptText(None) => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(v)),
            Value::Bool(v) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(i64::from(v))),
            Value::List(items) => {
                ToSqlOutput::Owned(rusqlite::types::Value::Text(super::json_list(items)))
            }
        })
    }
}

fn cell(v: ValueRef<'_>) -> DbResult<Cell> {
    match v {
        ValueRef::Null => Ok(Cell::Null),
        ValueRef::Integer(i) => Ok(Cell::Int(i)),
        ValueRef::Text(t) => String::from_utf8(t.to_vec())
            .map(Cell::Text)
            .map_err(|_| DbError::Corrupt("text that is not UTF-8".into())),
        ValueRef::Real(_) | ValueRef::Blob(_) => {
            Err(DbError::Corrupt("a REAL or BLOB column".into()))
        }
    }
}

/// A SQLite connection (on the writer thread: inside the batch's transaction).
struct Lite<'a>(&'a mut Connection);

impl Lite<'_> {
    fn run(&mut self, sql: &Sql, args: &[Value<'_>]) -> DbResult<Vec<Row>> {
        let mut st = self.0.prepare_cached(&sql.sqlite).map_err(e(sql.name))?;
        let columns: Arc<[String]> = st.column_names().map(String::from).collect();
        let mut rows = st
            .query(rusqlite::params_from_iter(args))
            .map_err(e(sql.name))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(e(sql.name))? {
            let cells = (0..columns.len())
                .map(|i| r.get_ref(i).map_err(e(sql.name)).and_then(cell))
                .collect::<DbResult<Vec<_>>>()?;
            out.push(Row::new(Arc::clone(&columns), cells));
        }
        Ok(out)
    }
}

#[async_trait]
impl Conn for Lite<'_> {
    async fn query(&mut self, sql: &Sql, args: &[Value<'_>]) -> DbResult<Vec<Row>> {
        self.run(sql, args)
    }

    async fn execute(&mut self, sql: &Sql, args: &[Value<'_>]) -> DbResult<u64> {
        let mut st = self.0.prepare_cached(&sql.sqlite).map_err(e(sql.name))?;
        let n = st
            .execute(rusqlite::params_from_iter(args))
            .map_err(e(sql.name))?;
        Ok(n as u64)
    }

    async fn pipeline(&mut self, steps: &[(&Sql, &[Value<'_>])]) -> DbResult<Vec<Vec<Row>>> {
        steps
            .iter()
            .map(|(sql, args)| self.run(sql, args))
            .collect()
    }

    async fn script(&mut self, sql: &str) -> DbResult<()> {
        self.0.execute_batch(sql).map_err(e("script"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::db::Database;
    use crate::domain::Scope;

    /// A database written by the v1 schema gains revision 1 of every dossier when migrated.
    #[tokio::test]
    async fn v2_backfills_first_revisions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(Sqlite::MIGRATIONS[0].1).unwrap();
            c.execute_batch(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT;
                 INSERT INTO schema_migrations VALUES (1, 0);
                 INSERT INTO agencies VALUES ('A.1', 'Thử', 0);
                 INSERT INTO accounts (id, login, role, password_hash, created_at) VALUES ('acc', '0900000009', 'citizen', 'x', 0);
                 INSERT INTO dossiers VALUES ('d1', 'A.1-260101-0001', 'A.1', '1.1', 'acc', NULL, 'received', 'hash1',
                    '{\"agency_code\":\"A.1\",\"delivery\":{\"method\":\"online\"},\"form\":{},\"procedure_code\":\"1.1\"}', 5, 5, 0);
                 INSERT INTO events (dossier_uuid, agency_code, submitter_id, at, state, kind, payload) VALUES ('d1', 'A.1', 'acc', 5, 'received', 'received', '{\"type\":\"received\"}');
                 UPDATE dossiers SET received_seq = 1;",
            )
            .unwrap();
        }
        let db = SqliteDb::open(&path).await.unwrap();
        db.migrate().await.unwrap();
        let revs = db.revisions("d1").await.unwrap();
        assert_eq!(revs.len(), 1);
        assert_eq!(
            (
                revs[0].revision,
                revs[0].content_hash.as_str(),
                revs[0].event_seq,
                revs[0].submitted_at
            ),
            (1, "hash1", 1, 5)
        );
        let d = db
            .dossier(&Scope::Party("acc".into()), "d1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.revision, 1);
        assert_eq!(db.agency_bank("A.1").await.unwrap(), None);
        // migrating again changes nothing
        db.migrate().await.unwrap();
        assert_eq!(db.revisions("d1").await.unwrap().len(), 1);
    }
}
