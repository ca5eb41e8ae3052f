//! The embedded default backend: SQLite (the workspace's SQLCipher build, unkeyed) in WAL mode.
//!
//! One writer connection (SQLite allows one writer at a time anyway; `BEGIN IMMEDIATE` makes every
//! write transaction take the write lock up front) and a few reader connections that run in
//! parallel with it thanks to WAL. All calls run on tokio's blocking pool. `synchronous = FULL`: a
//! committed transaction survives power loss, not just a process crash.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};

use super::*;
use crate::domain::{self, Scope};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_after_submission.sql"),
    ),
];
const READERS: usize = 4;
/// Most jobs committed together.
const MAX_BATCH: usize = 128;

type Finisher = Box<dyn FnOnce(Result<(), String>) + Send>;
type Job = Box<dyn FnOnce(&Connection) -> (bool, Finisher) + Send>;

/// The writer thread: takes every job that is waiting (group commit), runs each in its own
/// savepoint inside one `BEGIN IMMEDIATE` transaction, commits once (one fsync for the batch), and
/// only then answers the jobs. Ends when the database handle is dropped.
fn writer_loop(conn: Connection, rx: std::sync::mpsc::Receiver<Job>) {
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
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&conn)));
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

/// SQLite storage.
pub struct SqliteDb {
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
    Ok(conn)
}

impl SqliteDb {
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
            Ok(SqliteDb {
                writer: Mutex::new(jobs),
                readers,
                next_reader: AtomicUsize::new(0),
            })
        })
        .await
        .map_err(|err| DbError::Worker(err.to_string()))?
    }

    /// Runs `f` on the writer thread inside a group-committed transaction (its own savepoint:
    /// an `Err` undoes only its own changes). Resolves only after the batch's COMMIT succeeded.
    async fn write<T, F>(&self, f: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> DbResult<T> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<DbResult<T>>();
        let job: Job = Box::new(move |conn: &Connection| {
            let result = f(conn);
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

    async fn read<T, F>(&self, f: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> DbResult<T> + Send + 'static,
    {
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        let conn = Arc::clone(&self.readers[i]);
        tokio::task::spawn_blocking(move || {
            let guard = conn
                .lock()
                .map_err(|_| DbError::Worker("reader lock poisoned".into()))?;
            f(&guard)
        })
        .await
        .map_err(|err| DbError::Worker(err.to_string()))?
    }
}

const ACCOUNT_COLS: &str = "id, login, role, agency_code, display_name, password_hash, disabled";

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawAccount> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

type RawAccount = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    i64,
);

fn to_account(raw: RawAccount) -> DbResult<Account> {
    let (id, login, role, agency_code, display_name, password_hash, disabled) = raw;
    Ok(Account {
        id,
        login,
        role: parse_role(&role)?,
        agency_code,
        display_name,
        password_hash,
        disabled: disabled != 0,
    })
}

const DOSSIER_COLS: &str =
    "uuid, code, agency_code, procedure_code, submitter_id, citizen_id, state, \
     content_hash, manifest, received_at, updated_at, received_seq, revision";

type RawDossier = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
);

fn dossier_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawDossier> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
    ))
}

fn to_dossier(raw: RawDossier) -> DbResult<Dossier> {
    let (
        uuid,
        code,
        agency_code,
        procedure_code,
        submitter_id,
        citizen_id,
        state,
        content_hash,
        manifest,
        received_at,
        updated_at,
        received_seq,
        revision,
    ) = raw;
    Ok(Dossier {
        uuid,
        code,
        agency_code,
        procedure_code,
        submitter_id,
        citizen_id,
        state: parse_state(&state)?,
        content_hash,
        manifest,
        received_at,
        updated_at,
        received_seq,
        revision,
    })
}

type RawEvent = (i64, String, String, i64, String, String);

fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawEvent> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn to_event(raw: RawEvent) -> DbResult<EventRow> {
    let (seq, dossier_uuid, dossier_code, at, state, payload) = raw;
    Ok(EventRow {
        seq,
        dossier_uuid,
        dossier_code,
        at,
        state: parse_state(&state)?,
        payload,
    })
}

const EVENT_COLS: &str = "e.seq, e.dossier_uuid, d.code, e.at, e.state, e.payload";

type RawToken = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
);

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawToken> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn to_token(raw: RawToken) -> DbResult<Token> {
    let (id, account_id, token_hash, kind, device_name, csrf_hash, created_at, expires_at) = raw;
    Ok(Token {
        id,
        account_id,
        token_hash,
        kind: parse_kind(&kind)?,
        device_name,
        csrf_hash,
        created_at,
        expires_at,
    })
}

const TOKEN_COLS: &str =
    "t.id, t.account_id, t.token_hash, t.kind, t.device_name, t.csrf_hash, t.created_at, t.expires_at";

fn insert_event(
    tx: &Connection,
    d: &Dossier,
    at: i64,
    state: DossierState,
    event: &EventKind,
) -> DbResult<i64> {
    let payload = serde_json::to_string(event).map_err(|err| DbError::Corrupt(err.to_string()))?;
    tx.execute(
        "INSERT INTO events (dossier_uuid, agency_code, submitter_id, citizen_id, at, state, kind, payload) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![d.uuid, d.agency_code, d.submitter_id, d.citizen_id, at, state.as_str(), domain::event_kind_name(event), payload],
    )
    .map_err(e("insert event"))?;
    Ok(tx.last_insert_rowid())
}

fn scope_clause(scope: &Scope, table: &str) -> (String, Vec<String>) {
    match scope {
        Scope::Party(id) => (
            format!("({table}.submitter_id = ?A OR {table}.citizen_id = ?A)"),
            vec![id.clone()],
        ),
        Scope::Agency(code) => (format!("{table}.agency_code = ?A"), vec![code.clone()]),
        Scope::Nothing => (
            format!("(0 AND {table}.agency_code = ?A)"),
            vec![String::new()],
        ),
    }
}

#[async_trait]
impl Database for SqliteDb {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> DbResult<()> {
        self.write(|conn| {
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT;",
            )
            .map_err(e("schema_migrations"))?;
            for (version, sql) in MIGRATIONS {
                let tx = conn;
                let done: Option<i64> = tx
                    .query_row("SELECT version FROM schema_migrations WHERE version = ?1", [version], |r| r.get(0))
                    .optional()
                    .map_err(e("read migrations"))?;
                if done.is_none() {
                    tx.execute_batch(sql).map_err(|err| DbError::Migration { version: *version, message: err.to_string() })?;
                    tx.execute(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                        params![version, crate::clock::system_now_ms()],
                    )
                    .map_err(e("record migration"))?;
                    tracing::info!(version, "applied migration");
                }
            }
            Ok(())
        })
        .await
    }

    async fn ping(&self) -> DbResult<()> {
        self.read(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(e("ping")))
            .await
    }

    async fn upsert_agency(&self, code: &str, name: &str, now: i64) -> DbResult<()> {
        let (code, name) = (code.to_owned(), name.to_owned());
        self.write(move |c| {
            c.execute(
                "INSERT INTO agencies (code, name, created_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name",
                params![code, name, now],
            )
            .map_err(e("upsert agency"))?;
            Ok(())
        })
        .await
    }

    async fn agency_name(&self, code: &str) -> DbResult<Option<String>> {
        let code = code.to_owned();
        self.read(move |c| {
            c.query_row("SELECT name FROM agencies WHERE code = ?1", [code], |r| {
                r.get(0)
            })
            .optional()
            .map_err(e("agency"))
        })
        .await
    }

    async fn agencies(&self) -> DbResult<Vec<(String, String)>> {
        self.read(move |c| {
            let mut st = c
                .prepare("SELECT code, name FROM agencies ORDER BY code")
                .map_err(e("agencies"))?;
            let rows = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(e("agencies"))?;
            rows.collect::<Result<Vec<_>, _>>().map_err(e("agencies"))
        })
        .await
    }

    async fn set_agency_bank(&self, code: &str, bank: &BankAccount) -> DbResult<()> {
        let (code, b) = (code.to_owned(), bank.clone());
        self.write(move |c| {
            c.execute(
                "UPDATE agencies SET bank_bin = ?2, account_number = ?3, account_name = ?4 WHERE code = ?1",
                params![code, b.bank_bin, b.account_number, b.account_name],
            )
            .map_err(e("set agency bank"))?;
            Ok(())
        })
        .await
    }

    async fn agency_bank(&self, code: &str) -> DbResult<Option<BankAccount>> {
        let code = code.to_owned();
        self.read(move |c| {
            let row: Option<(Option<String>, Option<String>, Option<String>)> = c
                .query_row(
                    "SELECT bank_bin, account_number, account_name FROM agencies WHERE code = ?1",
                    [code],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(e("agency bank"))?;
            Ok(match row {
                Some((Some(bank_bin), Some(account_number), Some(account_name))) => {
                    Some(BankAccount {
                        bank_bin,
                        account_number,
                        account_name,
                    })
                }
                _ => None,
            })
        })
        .await
    }

    async fn create_account(&self, a: &Account, now: i64) -> DbResult<bool> {
        let a = a.clone();
        self.write(move |c| insert_account(c, &a, now)).await
    }

    async fn account_by_login(&self, login: &str) -> DbResult<Option<Account>> {
        let login = login.to_owned();
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE login = ?1"),
                [login],
                account_row,
            )
            .optional()
            .map_err(e("account by login"))?
            .map(to_account)
            .transpose()
        })
        .await
    }

    async fn account_by_id(&self, id: &str) -> DbResult<Option<Account>> {
        let id = id.to_owned();
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ?1"),
                [id],
                account_row,
            )
            .optional()
            .map_err(e("account by id"))?
            .map(to_account)
            .transpose()
        })
        .await
    }

    async fn set_password(&self, account_id: &str, password_hash: &str) -> DbResult<()> {
        let (id, h) = (account_id.to_owned(), password_hash.to_owned());
        self.write(move |c| {
            c.execute(
                "UPDATE accounts SET password_hash = ?2 WHERE id = ?1",
                params![id, h],
            )
            .map_err(e("set password"))?;
            Ok(())
        })
        .await
    }

    async fn create_registration(&self, r: &Registration) -> DbResult<()> {
        let r = r.clone();
        self.write(move |c| {
            c.execute(
                "INSERT INTO registrations (id, login, role, display_name, password_hash, otp_hash, attempts, expires_at, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8)",
                params![r.id, r.login, r.role.as_str(), r.display_name, r.password_hash, r.otp_hash, r.expires_at, r.created_at],
            )
            .map_err(e("insert registration"))?;
            Ok(())
        })
        .await
    }

    async fn registration(&self, id: &str) -> DbResult<Option<Registration>> {
        let id = id.to_owned();
        self.read(move |c| {
            let raw = c
                .query_row(
                    "SELECT id, login, role, display_name, password_hash, otp_hash, attempts, expires_at, created_at \
                     FROM registrations WHERE id = ?1",
                    [id],
                    |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?,
                            r.get::<_, String>(4)?, r.get::<_, String>(5)?, r.get::<_, i64>(6)?, r.get::<_, i64>(7)?, r.get::<_, i64>(8)?))
                    },
                )
                .optional()
                .map_err(e("registration"))?;
            raw.map(|(id, login, role, display_name, password_hash, otp_hash, attempts, expires_at, created_at)| {
                Ok(Registration { id, login, role: parse_role(&role)?, display_name, password_hash, otp_hash, attempts, expires_at, created_at })
            })
            .transpose()
        })
        .await
    }

    async fn bump_registration_attempts(&self, id: &str) -> DbResult<()> {
        let id = id.to_owned();
        self.write(move |c| {
            c.execute(
                "UPDATE registrations SET attempts = attempts + 1 WHERE id = ?1",
                [id],
            )
            .map_err(e("bump attempts"))?;
            Ok(())
        })
        .await
    }

    async fn complete_registration(
        &self,
        reg_id: &str,
        account: &Account,
        now: i64,
    ) -> DbResult<bool> {
        let (reg_id, a) = (reg_id.to_owned(), account.clone());
        self.write(move |c| {
            let tx = c;
            let created = insert_account(tx, &a, now)?;
            tx.execute("DELETE FROM registrations WHERE id = ?1", [reg_id])
                .map_err(e("delete registration"))?;
            Ok(created)
        })
        .await
    }

    async fn insert_token(&self, t: &Token) -> DbResult<()> {
        let t = t.clone();
        self.write(move |c| {
            c.execute(
                "INSERT INTO tokens (id, account_id, token_hash, kind, device_name, csrf_hash, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![t.id, t.account_id, t.token_hash, t.kind.as_str(), t.device_name, t.csrf_hash, t.created_at, t.expires_at],
            )
            .map_err(e("insert token"))?;
            Ok(())
        })
        .await
    }

    async fn token_by_hash(
        &self,
        token_hash: &str,
        now: i64,
    ) -> DbResult<Option<(Token, Account)>> {
        let h = token_hash.to_owned();
        self.read(move |c| {
            let sql = format!(
                "SELECT {TOKEN_COLS}, a.id, a.login, a.role, a.agency_code, a.display_name, a.password_hash, a.disabled \
                 FROM tokens t JOIN accounts a ON a.id = t.account_id \
                 WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND t.expires_at > ?2"
            );
            let raw = c
                .query_row(&sql, params![h, now], |r| {
                    let t = token_row(r)?;
                    let a = (r.get(8)?, r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?, r.get(14)?);
                    Ok((t, a))
                })
                .optional()
                .map_err(e("token by hash"))?;
            match raw {
                Some((t, a)) => Ok(Some((to_token(t)?, to_account(a)?))),
                None => Ok(None),
            }
        })
        .await
    }

    async fn list_tokens(
        &self,
        account_id: &str,
        kind: TokenKind,
        now: i64,
    ) -> DbResult<Vec<Token>> {
        let id = account_id.to_owned();
        self.read(move |c| {
            let mut st = c
                .prepare(&format!(
                    "SELECT {TOKEN_COLS} FROM tokens t WHERE t.account_id = ?1 AND t.kind = ?2 \
                     AND t.revoked_at IS NULL AND t.expires_at > ?3 ORDER BY t.created_at"
                ))
                .map_err(e("list tokens"))?;
            let rows = st
                .query_map(params![id, kind.as_str(), now], token_row)
                .map_err(e("list tokens"))?;
            rows.map(|r| r.map_err(e("list tokens")).and_then(to_token))
                .collect()
        })
        .await
    }

    async fn revoke_token(&self, account_id: &str, token_id: &str, now: i64) -> DbResult<bool> {
        let (a, t) = (account_id.to_owned(), token_id.to_owned());
        self.write(move |c| {
            let n = c
                .execute(
                    "UPDATE tokens SET revoked_at = ?3 WHERE id = ?2 AND account_id = ?1 AND revoked_at IS NULL",
                    params![a, t, now],
                )
                .map_err(e("revoke token"))?;
            Ok(n > 0)
        })
        .await
    }

    async fn revoke_all_tokens(&self, account_id: &str, now: i64) -> DbResult<u64> {
        let a = account_id.to_owned();
        self.write(move |c| {
            let n = c
                .execute("UPDATE tokens SET revoked_at = ?2 WHERE account_id = ?1 AND revoked_at IS NULL", params![a, now])
                .map_err(e("revoke all"))?;
            Ok(n as u64)
        })
        .await
    }

    async fn grant_consent(
        &self,
        citizen_id: &str,
        volunteer: &Account,
        now: i64,
    ) -> DbResult<Consent> {
        let (cid, vol) = (citizen_id.to_owned(), volunteer.clone());
        self.write(move |c| {
            let tx = c;
            let existing: Option<(String, i64)> = tx
                .query_row(
                    "SELECT id, granted_at FROM consents WHERE citizen_id = ?1 AND volunteer_id = ?2 AND revoked_at IS NULL",
                    params![cid, vol.id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(e("find consent"))?;
            let (id, granted_at) = match existing {
                Some(x) => x,
                None => {
                    let id = uuid::Uuid::now_v7().to_string();
                    tx.execute(
                        "INSERT INTO consents (id, citizen_id, volunteer_id, granted_at) VALUES (?1, ?2, ?3, ?4)",
                        params![id, cid, vol.id, now],
                    )
                    .map_err(e("insert consent"))?;
                    (id, now)
                }
            };
            Ok(Consent { id, citizen_id: cid, volunteer_id: vol.id, volunteer_login: vol.login, granted_at })
        })
        .await
    }

    async fn list_consents(&self, citizen_id: &str) -> DbResult<Vec<Consent>> {
        let cid = citizen_id.to_owned();
        self.read(move |c| {
            let mut st = c
                .prepare(
                    "SELECT c.id, c.citizen_id, c.volunteer_id, a.login, c.granted_at FROM consents c \
                     JOIN accounts a ON a.id = c.volunteer_id WHERE c.citizen_id = ?1 AND c.revoked_at IS NULL ORDER BY c.granted_at",
                )
                .map_err(e("list consents"))?;
            let rows = st
                .query_map([cid], |r| {
                    Ok(Consent { id: r.get(0)?, citizen_id: r.get(1)?, volunteer_id: r.get(2)?, volunteer_login: r.get(3)?, granted_at: r.get(4)? })
                })
                .map_err(e("list consents"))?;
            rows.map(|r| r.map_err(e("list consents"))).collect()
        })
        .await
    }

    async fn revoke_consent(&self, citizen_id: &str, consent_id: &str, now: i64) -> DbResult<bool> {
        let (cid, id) = (citizen_id.to_owned(), consent_id.to_owned());
        self.write(move |c| {
            let n = c
                .execute(
                    "UPDATE consents SET revoked_at = ?3 WHERE id = ?2 AND citizen_id = ?1 AND revoked_at IS NULL",
                    params![cid, id, now],
                )
                .map_err(e("revoke consent"))?;
            Ok(n > 0)
        })
        .await
    }

    async fn consenting_citizen(
        &self,
        volunteer_id: &str,
        citizen_login: &str,
    ) -> DbResult<Option<String>> {
        let (vid, login) = (volunteer_id.to_owned(), citizen_login.to_owned());
        self.read(move |c| {
            c.query_row(
                "SELECT a.id FROM consents c JOIN accounts a ON a.id = c.citizen_id \
                 WHERE c.volunteer_id = ?1 AND a.login = ?2 AND a.role = 'citizen' AND c.revoked_at IS NULL AND a.disabled = 0",
                params![vid, login],
                |r| r.get(0),
            )
            .optional()
            .map_err(e("consenting citizen"))
        })
        .await
    }

    async fn owned_blobs(&self, account_id: &str, hashes: &[String]) -> DbResult<HashSet<String>> {
        let (a, hashes) = (account_id.to_owned(), hashes.to_vec());
        self.read(move |c| owned_in(c, &a, &hashes)).await
    }

    async fn account_usage(&self, account_id: &str) -> DbResult<i64> {
        let a = account_id.to_owned();
        self.read(move |c| {
            c.query_row(
                "SELECT COALESCE((SELECT SUM(b.size) FROM blob_owners o JOIN blobs b ON b.sha256 = o.sha256 WHERE o.account_id = ?1), 0) \
                      + COALESCE((SELECT SUM(length) FROM uploads WHERE account_id = ?1), 0)",
                [a],
                |r| r.get(0),
            )
            .map_err(e("usage"))
        })
        .await
    }

    async fn open_upload(&self, account_id: &str, sha256: &str) -> DbResult<Option<Upload>> {
        let (a, s) = (account_id.to_owned(), sha256.to_owned());
        self.read(move |c| {
            c.query_row(
                "SELECT id, account_id, sha256, length, received FROM uploads WHERE account_id = ?1 AND sha256 = ?2",
                params![a, s],
                upload_row,
            )
            .optional()
            .map_err(e("open upload"))
        })
        .await
    }

    async fn create_upload(&self, u: &Upload, now: i64) -> DbResult<()> {
        let u = u.clone();
        self.write(move |c| {
            c.execute(
                "INSERT INTO uploads (id, account_id, sha256, length, received, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![u.id, u.account_id, u.sha256, u.length, u.received, now],
            )
            .map_err(e("create upload"))?;
            Ok(())
        })
        .await
    }

    async fn upload(&self, account_id: &str, upload_id: &str) -> DbResult<Option<Upload>> {
        let (a, id) = (account_id.to_owned(), upload_id.to_owned());
        self.read(move |c| {
            c.query_row(
                "SELECT id, account_id, sha256, length, received FROM uploads WHERE id = ?1 AND account_id = ?2",
                params![id, a],
                upload_row,
            )
            .optional()
            .map_err(e("upload"))
        })
        .await
    }

    async fn set_upload_received(&self, upload_id: &str, received: i64, now: i64) -> DbResult<()> {
        let id = upload_id.to_owned();
        self.write(move |c| {
            c.execute(
                "UPDATE uploads SET received = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, received, now],
            )
            .map_err(e("set received"))?;
            Ok(())
        })
        .await
    }

    async fn finish_upload(
        &self,
        upload_id: &str,
        blob: &Blob,
        account_id: &str,
        now: i64,
    ) -> DbResult<()> {
        let (id, b, a) = (upload_id.to_owned(), blob.clone(), account_id.to_owned());
        self.write(move |c| {
            let tx = c;
            tx.execute("DELETE FROM uploads WHERE id = ?1", [&id])
                .map_err(e("delete upload"))?;
            record_blob(tx, &b, &a, now)?;
            Ok(())
        })
        .await
    }

    async fn add_owned_blob(&self, blob: &Blob, account_id: &str, now: i64) -> DbResult<()> {
        let (b, a) = (blob.clone(), account_id.to_owned());
        self.write(move |c| {
            let tx = c;
            record_blob(tx, &b, &a, now)?;
            Ok(())
        })
        .await
    }

    async fn discard_upload(&self, upload_id: &str) -> DbResult<()> {
        let id = upload_id.to_owned();
        self.write(move |c| {
            c.execute("DELETE FROM uploads WHERE id = ?1", [id])
                .map_err(e("discard upload"))?;
            Ok(())
        })
        .await
    }

    async fn readable_blob(
        &self,
        account_id: &str,
        scope: &Scope,
        sha256: &str,
    ) -> DbResult<Option<Blob>> {
        let (a, s, scope) = (account_id.to_owned(), sha256.to_owned(), scope.clone());
        self.read(move |c| {
            let (clause, args) = scope_clause(&scope, "d");
            let scope_arg = args.into_iter().next().unwrap_or_default();
            let sql = format!(
                "SELECT b.sha256, b.size FROM blobs b WHERE b.sha256 = ?1 AND ( \
                   EXISTS (SELECT 1 FROM blob_owners o WHERE o.sha256 = b.sha256 AND o.account_id = ?2) \
                   OR EXISTS (SELECT 1 FROM dossier_blobs db JOIN dossiers d ON d.uuid = db.dossier_uuid \
                              WHERE db.sha256 = b.sha256 AND {}))",
                clause.replace("?A", "?3")
            );
            c.query_row(&sql, params![s, a, scope_arg], |r| Ok(Blob { sha256: r.get(0)?, size: r.get(1)? }))
                .optional()
                .map_err(e("readable blob"))
        })
        .await
    }

    async fn submit_dossier(&self, d: &NewDossier) -> DbResult<SubmitOutcome> {
        let d = d.clone();
        self.write(move |c| {
            let tx = c;
            let existing = tx
                .query_row(&format!("SELECT {DOSSIER_COLS} FROM dossiers WHERE uuid = ?1"), [&d.uuid], dossier_row)
                .optional()
                .map_err(e("find dossier"))?;
            if let Some(raw) = existing {
                let old = to_dossier(raw)?;
                return Ok(if old.submitter_id == d.submitter_id && old.content_hash == d.content_hash {
                    SubmitOutcome::Repeat(old)
                } else {
                    SubmitOutcome::Conflict
                });
            }
            let agency: Option<i64> = tx
                .query_row("SELECT 1 FROM agencies WHERE code = ?1", [&d.agency_code], |r| r.get(0))
                .optional()
                .map_err(e("agency"))?;
            if agency.is_none() {
                return Ok(SubmitOutcome::UnknownAgency);
            }
            let owned = owned_in(tx, &d.submitter_id, &d.attachments)?;
            let missing: Vec<String> = d.attachments.iter().filter(|h| !owned.contains(*h)).cloned().collect();
            if !missing.is_empty() {
                return Ok(SubmitOutcome::BlobsMissing(missing));
            }
            let seq: i64 = tx
                .query_row(
                    "INSERT INTO code_counters (agency_code, day, last) VALUES (?1, ?2, 1) \
                     ON CONFLICT (agency_code, day) DO UPDATE SET last = last + 1 RETURNING last",
                    params![d.agency_code, d.day],
                    |r| r.get(0),
                )
                .map_err(e("code counter"))?;
            let code = domain::dossier_code(&d.agency_code, &d.day, seq);
            let mut dossier = Dossier {
                uuid: d.uuid.clone(),
                code,
                agency_code: d.agency_code.clone(),
                procedure_code: d.procedure_code.clone(),
                submitter_id: d.submitter_id.clone(),
                citizen_id: d.citizen_id.clone(),
                state: DossierState::Received,
                content_hash: d.content_hash.clone(),
                manifest: d.manifest.clone(),
                received_at: d.now,
                updated_at: d.now,
                received_seq: 0,
                revision: 1,
            };
            tx.execute(
                &format!("INSERT INTO dossiers ({DOSSIER_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, 1)"),
                params![dossier.uuid, dossier.code, dossier.agency_code, dossier.procedure_code, dossier.submitter_id,
                        dossier.citizen_id, dossier.state.as_str(), dossier.content_hash, dossier.manifest, d.now, d.now],
            )
            .map_err(e("insert dossier"))?;
            for h in &d.attachments {
                tx.execute(
                    "INSERT OR IGNORE INTO dossier_blobs (dossier_uuid, sha256, role) VALUES (?1, ?2, 'attachment')",
                    params![d.uuid, h],
                )
                .map_err(e("link blob"))?;
            }
            let seq = insert_event(tx, &dossier, d.now, DossierState::Received, &EventKind::Received)?;
            tx.execute("UPDATE dossiers SET received_seq = ?2 WHERE uuid = ?1", params![d.uuid, seq])
                .map_err(e("received seq"))?;
            dossier.received_seq = seq;
            tx.execute(
                "INSERT INTO dossier_revisions (dossier_uuid, revision, account_id, content_hash, manifest, submitted_at, event_seq) \
                 VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6)",
                params![d.uuid, d.submitter_id, d.content_hash, d.manifest, d.now, seq],
            )
            .map_err(e("first revision"))?;
            Ok(SubmitOutcome::Created(dossier))
        })
        .await
    }

    async fn dossier(&self, scope: &Scope, uuid: &str) -> DbResult<Option<Dossier>> {
        let (scope, uuid) = (scope.clone(), uuid.to_owned());
        self.read(move |c| {
            let (clause, args) = scope_clause(&scope, "d");
            let scope_arg = args.into_iter().next().unwrap_or_default();
            let sql = format!(
                "SELECT {DOSSIER_COLS} FROM dossiers d WHERE d.uuid = ?1 AND {}",
                clause.replace("?A", "?2")
            );
            c.query_row(&sql, params![uuid, scope_arg], dossier_row)
                .optional()
                .map_err(e("dossier"))?
                .map(to_dossier)
                .transpose()
        })
        .await
    }

    async fn list_dossiers(&self, scope: &Scope, filter: &DossierFilter) -> DbResult<Vec<Dossier>> {
        let (scope, f) = (scope.clone(), filter.clone());
        self.read(move |c| {
            let (clause, args) = scope_clause(&scope, "d");
            let scope_arg = args.into_iter().next().unwrap_or_default();
            let sql = format!(
                "SELECT {DOSSIER_COLS} FROM dossiers d WHERE {} AND (?2 IS NULL OR d.state = ?2) \
                 AND (?3 IS NULL OR instr(lower(d.code), lower(?3)) > 0) ORDER BY d.received_at DESC, d.uuid DESC LIMIT ?4",
                clause.replace("?A", "?1")
            );
            let mut st = c.prepare(&sql).map_err(e("list dossiers"))?;
            let rows = st
                .query_map(params![scope_arg, f.state.map(|s| s.as_str()), f.code_query, f.limit.clamp(1, 500)], dossier_row)
                .map_err(e("list dossiers"))?;
            rows.map(|r| r.map_err(e("list dossiers")).and_then(to_dossier)).collect()
        })
        .await
    }

    async fn transition(&self, t: &Transition) -> DbResult<TransitionOutcome> {
        let t = t.clone();
        self.write(move |c| {
            let tx = c;
            let (clause, args) = scope_clause(&t.scope, "d");
            let scope_arg = args.into_iter().next().unwrap_or_default();
            let raw = tx
                .query_row(
                    &format!("SELECT {DOSSIER_COLS} FROM dossiers d WHERE d.uuid = ?1 AND {}", clause.replace("?A", "?2")),
                    params![t.dossier_uuid, scope_arg],
                    dossier_row,
                )
                .optional()
                .map_err(e("dossier for transition"))?;
            let Some(raw) = raw else { return Ok(TransitionOutcome::NotFound) };
            let d = to_dossier(raw)?;
            let Some(next) = domain::next_state(d.state, &t.event, t.actor) else {
                return Ok(TransitionOutcome::InvalidTransition(d.state));
            };
            if matches!(t.event, EventKind::PaymentClaimed { .. }) {
                let last: Option<String> = tx
                    .query_row("SELECT kind FROM events WHERE dossier_uuid = ?1 ORDER BY seq DESC LIMIT 1", [&d.uuid], |r| r.get(0))
                    .optional()
                    .map_err(e("last event"))?;
                if last.as_deref() == Some("payment_claimed") {
                    return Ok(TransitionOutcome::Unchanged(d.state));
                }
            }
            tx.execute("UPDATE dossiers SET state = ?2, updated_at = ?3 WHERE uuid = ?1", params![d.uuid, next.as_str(), t.now])
                .map_err(e("update state"))?;
            if let Some(h) = &t.result_blob {
                tx.execute(
                    "INSERT OR IGNORE INTO dossier_blobs (dossier_uuid, sha256, role) VALUES (?1, ?2, 'result')",
                    params![d.uuid, h],
                )
                .map_err(e("link result"))?;
            }
            let seq = insert_event(tx, &d, t.now, next, &t.event)?;
            tx.execute(
                "INSERT INTO audit (at, actor_id, dossier_uuid, action, detail, event_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![t.now, t.actor_id, d.uuid, domain::event_kind_name(&t.event), t.audit_detail, seq],
            )
            .map_err(e("audit"))?;
            let payload = serde_json::to_string(&t.event).map_err(|err| DbError::Corrupt(err.to_string()))?;
            Ok(TransitionOutcome::Applied(EventRow { seq, dossier_uuid: d.uuid, dossier_code: d.code, at: t.now, state: next, payload }))
        })
        .await
    }

    async fn dossier_events(&self, uuid: &str) -> DbResult<Vec<EventRow>> {
        let uuid = uuid.to_owned();
        self.read(move |c| {
            let mut st = c
                .prepare(&format!(
                    "SELECT {EVENT_COLS} FROM events e JOIN dossiers d ON d.uuid = e.dossier_uuid WHERE e.dossier_uuid = ?1 ORDER BY e.seq"
                ))
                .map_err(e("dossier events"))?;
            let rows = st.query_map([uuid], event_row).map_err(e("dossier events"))?;
            rows.map(|r| r.map_err(e("dossier events")).and_then(to_event)).collect()
        })
        .await
    }

    async fn events_after(&self, scope: &Scope, after: i64, limit: i64) -> DbResult<Vec<EventRow>> {
        let scope = scope.clone();
        self.read(move |c| {
            let (clause, args) = scope_clause(&scope, "e");
            let scope_arg = args.into_iter().next().unwrap_or_default();
            let sql = format!(
                "SELECT {EVENT_COLS} FROM events e JOIN dossiers d ON d.uuid = e.dossier_uuid \
                 WHERE e.seq > ?2 AND {} ORDER BY e.seq LIMIT ?3",
                clause.replace("?A", "?1")
            );
            let mut st = c.prepare_cached(&sql).map_err(e("events after"))?;
            let rows = st
                .query_map(params![scope_arg, after, limit], event_row)
                .map_err(e("events after"))?;
            rows.map(|r| r.map_err(e("events after")).and_then(to_event))
                .collect()
        })
        .await
    }

    async fn dossier_audit(&self, uuid: &str) -> DbResult<Vec<AuditRow>> {
        let uuid = uuid.to_owned();
        self.read(move |c| {
            let mut st = c
                .prepare("SELECT a.at, acc.login, a.action, a.detail FROM audit a JOIN accounts acc ON acc.id = a.actor_id WHERE a.dossier_uuid = ?1 ORDER BY a.id")
                .map_err(e("audit"))?;
            let rows = st
                .query_map([uuid], |r| Ok(AuditRow { at: r.get(0)?, actor_login: r.get(1)?, action: r.get(2)?, detail: r.get(3)? }))
                .map_err(e("audit"))?;
            rows.map(|r| r.map_err(e("audit"))).collect()
        })
        .await
    }

    async fn max_event_seq(&self) -> DbResult<i64> {
        self.read(|c| {
            c.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))
                .map_err(e("max seq"))
        })
        .await
    }

    async fn submit_revision(&self, r: &NewRevision) -> DbResult<RevisionOutcome> {
        let r = r.clone();
        self.write(move |c| {
            let tx = c;
            let (clause, args) = scope_clause(&r.scope, "d");
            let scope_arg = args.into_iter().next().unwrap_or_default();
            let raw = tx
                .query_row(
                    &format!("SELECT {DOSSIER_COLS} FROM dossiers d WHERE d.uuid = ?1 AND {}", clause.replace("?A", "?2")),
                    params![r.dossier_uuid, scope_arg],
                    dossier_row,
                )
                .optional()
                .map_err(e("dossier for revision"))?;
            let Some(raw) = raw else { return Ok(RevisionOutcome::NotFound) };
            let d = to_dossier(raw)?;
            let existing = tx
                .query_row(
                    &format!("SELECT {REVISION_COLS} FROM dossier_revisions WHERE dossier_uuid = ?1 AND revision = ?2"),
                    params![d.uuid, r.revision],
                    revision_row,
                )
                .optional()
                .map_err(e("find revision"))?;
            if let Some(raw) = existing {
                let old = to_revision(raw)?;
                return Ok(if old.content_hash == r.content_hash {
                    RevisionOutcome::Repeat(old, d.code)
                } else {
                    RevisionOutcome::Conflict
                });
            }
            let event_probe = EventKind::Resubmitted { revision: 0, changed_fields: vec![], changed_attachments: vec![] };
            let Some(next) = domain::next_state(d.state, &event_probe, domain::Actor::Applicant) else {
                return Ok(RevisionOutcome::InvalidState(d.state));
            };
            if r.revision != d.revision + 1 {
                return Ok(RevisionOutcome::Conflict);
            }
            let owned = owned_in(tx, &r.account_id, &r.attachments)?;
            let mut linked = tx
                .prepare_cached("SELECT 1 FROM dossier_blobs WHERE dossier_uuid = ?1 AND sha256 = ?2 AND role = 'attachment'")
                .map_err(e("linked blobs"))?;
            let mut missing = Vec::new();
            for h in r.attachments.iter().filter(|h| !owned.contains(*h)) {
                if !linked.exists(params![d.uuid, h]).map_err(e("linked blobs"))? {
                    missing.push(h.clone());
                }
            }
            drop(linked);
            if !missing.is_empty() {
                return Ok(RevisionOutcome::BlobsMissing(missing));
            }
            let (changed_fields, changed_attachments) = revision_diff(&d.manifest, &r.manifest)?;
            let revision = u32::try_from(r.revision).map_err(|_| DbError::Corrupt("revision".into()))?;
            let event = EventKind::Resubmitted { revision, changed_fields: changed_fields.clone(), changed_attachments: changed_attachments.clone() };
            tx.execute(
                "UPDATE dossiers SET manifest = ?2, revision = ?3, state = ?4, updated_at = ?5 WHERE uuid = ?1",
                params![d.uuid, r.manifest, r.revision, next.as_str(), r.now],
            )
            .map_err(e("update dossier"))?;
            for h in &r.attachments {
                tx.execute(
                    "INSERT OR IGNORE INTO dossier_blobs (dossier_uuid, sha256, role) VALUES (?1, ?2, 'attachment')",
                    params![d.uuid, h],
                )
                .map_err(e("link blob"))?;
            }
            let seq = insert_event(tx, &d, r.now, next, &event)?;
            let row = RevisionRow {
                dossier_uuid: d.uuid.clone(),
                revision: r.revision,
                account_id: r.account_id.clone(),
                content_hash: r.content_hash.clone(),
                manifest: r.manifest.clone(),
                changed_fields,
                changed_attachments,
                submitted_at: r.now,
                event_seq: seq,
            };
            tx.execute(
                &format!("INSERT INTO dossier_revisions ({REVISION_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                params![row.dossier_uuid, row.revision, row.account_id, row.content_hash, row.manifest,
                        json_list(&row.changed_fields), json_list(&row.changed_attachments), row.submitted_at, row.event_seq],
            )
            .map_err(e("insert revision"))?;
            tx.execute(
                "INSERT INTO audit (at, actor_id, dossier_uuid, action, detail, event_seq) VALUES (?1, ?2, ?3, 'resubmitted', ?4, ?5)",
                params![r.now, r.account_id, d.uuid, format!("revision {}", r.revision), seq],
            )
            .map_err(e("audit"))?;
            Ok(RevisionOutcome::Created(row, d.code))
        })
        .await
    }

    async fn revisions(&self, uuid: &str) -> DbResult<Vec<RevisionRow>> {
        let uuid = uuid.to_owned();
        self.read(move |c| {
            let mut st = c
                .prepare(&format!("SELECT {REVISION_COLS} FROM dossier_revisions WHERE dossier_uuid = ?1 ORDER BY revision"))
                .map_err(e("revisions"))?;
            let rows = st.query_map([uuid], revision_row).map_err(e("revisions"))?;
            rows.map(|r| r.map_err(e("revisions")).and_then(to_revision)).collect()
        })
        .await
    }

    async fn rate(
        &self,
        scope: &Scope,
        uuid: &str,
        account_id: &str,
        rating: &RatingRow,
    ) -> DbResult<RateOutcome> {
        let (scope, uuid, account_id, rating) = (
            scope.clone(),
            uuid.to_owned(),
            account_id.to_owned(),
            rating.clone(),
        );
        self.write(move |c| {
            let tx = c;
            let (clause, args) = scope_clause(&scope, "d");
            let scope_arg = args.into_iter().next().unwrap_or_default();
            let state: Option<String> = tx
                .query_row(
                    &format!("SELECT d.state FROM dossiers d WHERE d.uuid = ?1 AND {}", clause.replace("?A", "?2")),
                    params![uuid, scope_arg],
                    |r| r.get(0),
                )
                .optional()
                .map_err(e("dossier for rating"))?;
            let Some(state) = state else { return Ok(RateOutcome::NotFound) };
            let state = parse_state(&state)?;
            if let Some(old) = rating_in(tx, &uuid)? {
                return Ok(if old.stars == rating.stars && old.comment == rating.comment {
                    RateOutcome::Same(old)
                } else {
                    RateOutcome::Different
                });
            }
            if state != DossierState::Completed {
                return Ok(RateOutcome::InvalidState(state));
            }
            tx.execute(
                "INSERT INTO ratings (dossier_uuid, account_id, stars, comment, rated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![uuid, account_id, rating.stars, rating.comment, rating.rated_at],
            )
            .map_err(e("insert rating"))?;
            Ok(RateOutcome::Saved(rating))
        })
        .await
    }

    async fn rating(&self, uuid: &str) -> DbResult<Option<RatingRow>> {
        let uuid = uuid.to_owned();
        self.read(move |c| rating_in(c, &uuid)).await
    }
}

fn rating_in(c: &Connection, uuid: &str) -> DbResult<Option<RatingRow>> {
    c.query_row(
        "SELECT stars, comment, rated_at FROM ratings WHERE dossier_uuid = ?1",
        [uuid],
        |r| {
            Ok(RatingRow {
                stars: r.get(0)?,
                comment: r.get(1)?,
                rated_at: r.get(2)?,
            })
        },
    )
    .optional()
    .map_err(e("rating"))
}

const REVISION_COLS: &str = "dossier_uuid, revision, account_id, content_hash, manifest, \
     changed_fields, changed_attachments, submitted_at, event_seq";

type RawRevision = (
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
);

fn revision_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRevision> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn to_revision(raw: RawRevision) -> DbResult<RevisionRow> {
    let (
        dossier_uuid,
        revision,
        account_id,
        content_hash,
        manifest,
        cf,
        ca,
        submitted_at,
        event_seq,
    ) = raw;
    Ok(RevisionRow {
        dossier_uuid,
        revision,
        account_id,
        content_hash,
        manifest,
        changed_fields: parse_list(&cf)?,
        changed_attachments: parse_list(&ca)?,
        submitted_at,
        event_seq,
    })
}

fn insert_account(c: &Connection, a: &Account, now: i64) -> DbResult<bool> {
    let n = c
        .execute(
            &format!("INSERT INTO accounts ({ACCOUNT_COLS}, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (login) DO NOTHING"),
            params![a.id, a.login, a.role.as_str(), a.agency_code, a.display_name, a.password_hash, i64::from(a.disabled), now],
        )
        .map_err(e("insert account"))?;
    Ok(n == 1)
}

fn upload_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Upload> {
    Ok(Upload {
        id: r.get(0)?,
        account_id: r.get(1)?,
        sha256: r.get(2)?,
        length: r.get(3)?,
        received: r.get(4)?,
    })
}

fn record_blob(tx: &Connection, b: &Blob, account_id: &str, now: i64) -> DbResult<()> {
    tx.execute(
        "INSERT INTO blobs (sha256, size, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (sha256) DO NOTHING",
        params![b.sha256, b.size, now],
    )
    .map_err(e("insert blob"))?;
    tx.execute(
        "INSERT INTO blob_owners (account_id, sha256, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        params![account_id, b.sha256, now],
    )
    .map_err(e("insert blob owner"))?;
    Ok(())
}

fn owned_in(c: &Connection, account_id: &str, hashes: &[String]) -> DbResult<HashSet<String>> {
    let mut out = HashSet::new();
    let mut st = c
        .prepare_cached("SELECT 1 FROM blob_owners WHERE account_id = ?1 AND sha256 = ?2")
        .map_err(e("owned blobs"))?;
    for h in hashes {
        if st
            .exists(params![account_id, h])
            .map_err(e("owned blobs"))?
        {
            out.insert(h.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A database written by the v1 schema gains revision 1 of every dossier when migrated.
    #[tokio::test]
    async fn v2_backfills_first_revisions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(MIGRATIONS[0].1).unwrap();
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
