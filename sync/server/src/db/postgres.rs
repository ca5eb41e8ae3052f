//! PostgreSQL backend (tokio-postgres with a deadpool pool), for provinces that outgrow one file.
//!
//! Transactions that append events first take a transaction-scoped advisory lock, so event
//! sequence numbers are assigned and committed in the same order and the feed never skips one.
//! The same lock makes the per-agency-per-day code counter gap-free and unique.

use std::collections::HashSet;
use std::str::FromStr;

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::{NoTls, Row};

use super::*;
use crate::domain::{self, Scope};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/postgres/0002_after_submission.sql"),
    ),
];
/// Advisory lock keys (arbitrary, fixed).
const MIGRATION_LOCK: i64 = 0x6476_6300;
const EVENT_LOCK: i64 = 0x6476_6301;

/// PostgreSQL storage.
pub struct PgDb {
    pool: Pool,
    writer: tokio::sync::mpsc::Sender<SubmitJob>,
}

/// A submission waiting for the writer task.
struct SubmitJob {
    d: NewDossier,
    reply: tokio::sync::oneshot::Sender<DbResult<SubmitOutcome>>,
}

/// Most submissions committed together.
const MAX_BATCH: usize = 64;

/// Group commit for submissions: every submission waiting when the previous batch finished goes
/// into one transaction under the event lock (one WAL flush for all). If a batch fails, its
/// submissions are retried one by one, so one bad submission cannot fail the others.
async fn writer_loop(pool: Pool, mut rx: tokio::sync::mpsc::Receiver<SubmitJob>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let dossiers: Vec<&NewDossier> = batch.iter().map(|j| &j.d).collect();
        match run_batch(&pool, &dossiers).await {
            Ok(outcomes) => {
                for (job, out) in batch.into_iter().zip(outcomes) {
                    let _ = job.reply.send(Ok(out));
                }
            }
            Err(err) if batch.len() == 1 => {
                if let Some(job) = batch.pop() {
                    let _ = job.reply.send(Err(err));
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, size = batch.len(), "postgres: batch failed; retrying one by one");
                for job in batch {
                    let out = run_batch(&pool, &[&job.d]).await.and_then(|mut v| {
                        v.pop()
                            .ok_or_else(|| DbError::Worker("empty batch result".into()))
                    });
                    let _ = job.reply.send(out);
                }
            }
        }
    }
}

async fn run_batch(pool: &Pool, dossiers: &[&NewDossier]) -> DbResult<Vec<SubmitOutcome>> {
    let mut c = pool
        .get()
        .await
        .map_err(|err| DbError::Pool(err.to_string()))?;
    let tx = c.transaction().await.map_err(e("begin"))?;
    let lock = tx
        .prepare_cached("SELECT pg_advisory_xact_lock($1)")
        .await
        .map_err(e("prepare"))?;
    tx.execute(&lock, &[&EVENT_LOCK])
        .await
        .map_err(e("event lock"))?;
    let mut out = Vec::with_capacity(dossiers.len());
    for d in dossiers {
        out.push(insert_new(&tx, d).await?);
    }
    tx.commit().await.map_err(e("commit dossiers"))?;
    Ok(out)
}

fn judge(r: &Row, d: &NewDossier) -> DbResult<SubmitOutcome> {
    let old = to_dossier(r)?;
    Ok(
        if old.submitter_id == d.submitter_id && old.content_hash == d.content_hash {
            SubmitOutcome::Repeat(old)
        } else {
            SubmitOutcome::Conflict
        },
    )
}

/// Inserts one dossier inside the caller's transaction, which holds the event lock.
async fn insert_new(
    tx: &deadpool_postgres::Transaction<'_>,
    d: &NewDossier,
) -> DbResult<SubmitOutcome> {
    // Re-check under the lock: a concurrent request (or an earlier one in this batch) with the
    // same uuid may have inserted it.
    let find = tx
        .prepare_cached(&format!(
            "SELECT {DOSSIER_COLS} FROM dossiers WHERE uuid = $1"
        ))
        .await
        .map_err(e("prepare"))?;
    if let Some(r) = tx
        .query_opt(&find, &[&d.uuid])
        .await
        .map_err(e("find dossier"))?
    {
        return judge(&r, d);
    }
    let counter = tx
        .prepare_cached(
            "INSERT INTO code_counters (agency_code, day, last) VALUES ($1, $2, 1) \
             ON CONFLICT (agency_code, day) DO UPDATE SET last = code_counters.last + 1 RETURNING last",
        )
        .await
        .map_err(e("prepare"))?;
    let insert = tx
        .prepare_cached(&format!(
            "INSERT INTO dossiers ({DOSSIER_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, 1)"
        ))
        .await
        .map_err(e("prepare"))?;
    let link = tx
        .prepare_cached(
            "INSERT INTO dossier_blobs (dossier_uuid, sha256, role) \
             SELECT $1, h, 'attachment' FROM unnest($2::TEXT[]) AS h ON CONFLICT DO NOTHING",
        )
        .await
        .map_err(e("prepare"))?;
    let event = tx
        .prepare_cached(
            "WITH ev AS (INSERT INTO events (dossier_uuid, agency_code, submitter_id, citizen_id, at, state, kind, payload) \
                         VALUES ($1, $2, $3, $4, $5, 'received', 'received', $6) RETURNING seq) \
             , rev AS (INSERT INTO dossier_revisions (dossier_uuid, revision, account_id, content_hash, manifest, submitted_at, event_seq) \
                         SELECT $1, 1, $3, $7, $8, $5, seq FROM ev) \
             UPDATE dossiers SET received_seq = (SELECT seq FROM ev) WHERE uuid = $1 RETURNING received_seq",
        )
        .await
        .map_err(e("prepare"))?;
    let payload = serde_json::to_string(&EventKind::Received)
        .map_err(|err| DbError::Corrupt(err.to_string()))?;
    let seq: i64 = tx
        .query_one(&counter, &[&d.agency_code, &d.day])
        .await
        .map_err(e("code counter"))?
        .get(0);
    let mut dossier = Dossier {
        uuid: d.uuid.clone(),
        code: domain::dossier_code(&d.agency_code, &d.day, seq),
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
    let state = dossier.state.as_str();
    type P<'a> = &'a (dyn tokio_postgres::types::ToSql + Sync);
    let p_insert: [P<'_>; 11] = [
        &dossier.uuid,
        &dossier.code,
        &dossier.agency_code,
        &dossier.procedure_code,
        &dossier.submitter_id,
        &dossier.citizen_id,
        &state,
        &dossier.content_hash,
        &dossier.manifest,
        &d.now,
        &d.now,
    ];
    let p_link: [P<'_>; 2] = [&d.uuid, &d.attachments];
    let p_event: [P<'_>; 8] = [
        &d.uuid,
        &d.agency_code,
        &d.submitter_id,
        &d.citizen_id,
        &d.now,
        &payload,
        &d.content_hash,
        &d.manifest,
    ];
    // One round trip: the three statements are pipelined and run in order.
    let (_, _, row) = tokio::try_join!(
        tx.execute(&insert, &p_insert),
        tx.execute(&link, &p_link),
        tx.query_one(&event, &p_event),
    )
    .map_err(e("insert dossier"))?;
    dossier.received_seq = row.get(0);
    Ok(SubmitOutcome::Created(dossier))
}

fn e(context: &'static str) -> impl FnOnce(tokio_postgres::Error) -> DbError {
    move |source| DbError::Postgres { context, source }
}

impl PgDb {
    /// Connects a pool (16 connections) to `url`.
    pub async fn connect(url: &str) -> DbResult<PgDb> {
        let cfg =
            tokio_postgres::Config::from_str(url).map_err(|err| DbError::Url(err.to_string()))?;
        let mgr = Manager::from_config(
            cfg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(mgr)
            .max_size(16)
            .build()
            .map_err(|err| DbError::Pool(err.to_string()))?;
        let (writer, rx) = tokio::sync::mpsc::channel(1024);
        tokio::spawn(writer_loop(pool.clone(), rx));
        let db = PgDb { pool, writer };
        db.ping().await?;
        Ok(db)
    }

    async fn client(&self) -> DbResult<deadpool_postgres::Client> {
        self.pool
            .get()
            .await
            .map_err(|err| DbError::Pool(err.to_string()))
    }
}

const ACCOUNT_COLS: &str = "id, login, role, agency_code, display_name, password_hash, disabled";

fn to_account(r: &Row, o: usize) -> DbResult<Account> {
    let role: String = r.get(o + 2);
    Ok(Account {
        id: r.get(o),
        login: r.get(o + 1),
        role: parse_role(&role)?,
        agency_code: r.get(o + 3),
        display_name: r.get(o + 4),
        password_hash: r.get(o + 5),
        disabled: r.get(o + 6),
    })
}

const DOSSIER_COLS: &str =
    "uuid, code, agency_code, procedure_code, submitter_id, citizen_id, state, \
     content_hash, manifest, received_at, updated_at, received_seq, revision";

fn to_dossier(r: &Row) -> DbResult<Dossier> {
    let state: String = r.get(6);
    Ok(Dossier {
        uuid: r.get(0),
        code: r.get(1),
        agency_code: r.get(2),
        procedure_code: r.get(3),
        submitter_id: r.get(4),
        citizen_id: r.get(5),
        state: parse_state(&state)?,
        content_hash: r.get(7),
        manifest: r.get(8),
        received_at: r.get(9),
        updated_at: r.get(10),
        received_seq: r.get(11),
        revision: r.get(12),
    })
}

const EVENT_COLS: &str = "e.seq, e.dossier_uuid, d.code, e.at, e.state, e.payload";

fn to_event(r: &Row) -> DbResult<EventRow> {
    let state: String = r.get(4);
    Ok(EventRow {
        seq: r.get(0),
        dossier_uuid: r.get(1),
        dossier_code: r.get(2),
        at: r.get(3),
        state: parse_state(&state)?,
        payload: r.get(5),
    })
}

const TOKEN_COLS: &str =
    "t.id, t.account_id, t.token_hash, t.kind, t.device_name, t.csrf_hash, t.created_at, t.expires_at";

fn to_token(r: &Row) -> DbResult<Token> {
    let kind: String = r.get(3);
    Ok(Token {
        id: r.get(0),
        account_id: r.get(1),
        token_hash: r.get(2),
        kind: parse_kind(&kind)?,
        device_name: r.get(4),
        csrf_hash: r.get(5),
        created_at: r.get(6),
        expires_at: r.get(7),
    })
}

fn to_upload(r: &Row) -> Upload {
    Upload {
        id: r.get(0),
        account_id: r.get(1),
        sha256: r.get(2),
        length: r.get(3),
        received: r.get(4),
    }
}

/// `(sql clause, scope argument)`; the clause uses `$N` given by the caller.
fn scope_clause(scope: &Scope, table: &str, n: usize) -> (String, String) {
    match scope {
        Scope::Party(id) => (
            format!("({table}.submitter_id = ${n} OR {table}.citizen_id = ${n})"),
            id.clone(),
        ),
        Scope::Agency(code) => (format!("{table}.agency_code = ${n}"), code.clone()),
        Scope::Nothing => (
            format!("(FALSE AND {table}.agency_code = ${n})"),
            String::new(),
        ),
    }
}

async fn insert_event(
    tx: &impl GenericClient,
    d: &Dossier,
    at: i64,
    state: DossierState,
    event: &EventKind,
) -> DbResult<i64> {
    let payload = serde_json::to_string(event).map_err(|err| DbError::Corrupt(err.to_string()))?;
    let row = tx
        .query_one(
            "INSERT INTO events (dossier_uuid, agency_code, submitter_id, citizen_id, at, state, kind, payload) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq",
            &[&d.uuid, &d.agency_code, &d.submitter_id, &d.citizen_id, &at, &state.as_str(), &domain::event_kind_name(event), &payload],
        )
        .await
        .map_err(e("insert event"))?;
    Ok(row.get(0))
}

async fn insert_account(c: &impl GenericClient, a: &Account, now: i64) -> DbResult<bool> {
    let n = c
        .execute(
            &format!("INSERT INTO accounts ({ACCOUNT_COLS}, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (login) DO NOTHING"),
            &[&a.id, &a.login, &a.role.as_str(), &a.agency_code, &a.display_name, &a.password_hash, &a.disabled, &now],
        )
        .await
        .map_err(e("insert account"))?;
    Ok(n == 1)
}

async fn record_blob(c: &impl GenericClient, b: &Blob, account_id: &str, now: i64) -> DbResult<()> {
    c.execute(
        "INSERT INTO blobs (sha256, size, created_at) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING",
        &[&b.sha256, &b.size, &now],
    )
    .await
    .map_err(e("insert blob"))?;
    c.execute(
        "INSERT INTO blob_owners (account_id, sha256, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        &[&account_id, &b.sha256, &now],
    )
    .await
    .map_err(e("insert blob owner"))?;
    Ok(())
}

async fn owned_in(
    c: &impl GenericClient,
    account_id: &str,
    hashes: &[String],
) -> DbResult<HashSet<String>> {
    if hashes.is_empty() {
        return Ok(HashSet::new());
    }
    let st = c
        .prepare_cached("SELECT sha256 FROM blob_owners WHERE account_id = $1 AND sha256 = ANY($2)")
        .await
        .map_err(e("prepare"))?;
    let rows = c
        .query(&st, &[&account_id, &hashes])
        .await
        .map_err(e("owned blobs"))?;
    Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
}

#[async_trait]
impl Database for PgDb {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn migrate(&self) -> DbResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(e("begin"))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(e("migration lock"))?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            .await
            .map_err(e("schema_migrations"))?;
        for (version, sql) in MIGRATIONS {
            let done = tx
                .query_opt(
                    "SELECT version FROM schema_migrations WHERE version = $1",
                    &[version],
                )
                .await
                .map_err(e("read migrations"))?;
            if done.is_none() {
                tx.batch_execute(sql)
                    .await
                    .map_err(|err| DbError::Migration {
                        version: *version,
                        message: err.to_string(),
                    })?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                    &[version, &crate::clock::system_now_ms()],
                )
                .await
                .map_err(e("record migration"))?;
                tracing::info!(version, "applied migration");
            }
        }
        tx.commit().await.map_err(e("commit migrations"))?;
        Ok(())
    }

    async fn ping(&self) -> DbResult<()> {
        let c = self.client().await?;
        c.simple_query("SELECT 1").await.map_err(e("ping"))?;
        Ok(())
    }

    async fn upsert_agency(&self, code: &str, name: &str, now: i64) -> DbResult<()> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO agencies (code, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (code) DO UPDATE SET name = excluded.name",
            &[&code, &name, &now],
        )
        .await
        .map_err(e("upsert agency"))?;
        Ok(())
    }

    async fn agency_name(&self, code: &str) -> DbResult<Option<String>> {
        let c = self.client().await?;
        let row = c
            .query_opt("SELECT name FROM agencies WHERE code = $1", &[&code])
            .await
            .map_err(e("agency"))?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn agencies(&self) -> DbResult<Vec<(String, String)>> {
        let c = self.client().await?;
        let rows = c
            .query("SELECT code, name FROM agencies ORDER BY code", &[])
            .await
            .map_err(e("agencies"))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn set_agency_bank(&self, code: &str, bank: &BankAccount) -> DbResult<()> {
        let c = self.client().await?;
        c.execute(
            "UPDATE agencies SET bank_bin = $2, account_number = $3, account_name = $4 WHERE code = $1",
            &[&code, &bank.bank_bin, &bank.account_number, &bank.account_name],
        )
        .await
        .map_err(e("set agency bank"))?;
        Ok(())
    }

    async fn agency_bank(&self, code: &str) -> DbResult<Option<BankAccount>> {
        let c = self.client().await?;
        let row = c
            .query_opt(
                "SELECT bank_bin, account_number, account_name FROM agencies WHERE code = $1",
                &[&code],
            )
            .await
            .map_err(e("agency bank"))?;
        Ok(row.and_then(|r| {
            let (bin, num, name): (Option<String>, Option<String>, Option<String>) =
                (r.get(0), r.get(1), r.get(2));
            Some(BankAccount {
                bank_bin: bin?,
                account_number: num?,
                account_name: name?,
            })
        }))
    }

    async fn create_account(&self, a: &Account, now: i64) -> DbResult<bool> {
        let c = self.client().await?;
        insert_account(&c, a, now).await
    }

    async fn account_by_login(&self, login: &str) -> DbResult<Option<Account>> {
        let c = self.client().await?;
        let row = c
            .query_opt(
                &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE login = $1"),
                &[&login],
            )
            .await
            .map_err(e("account by login"))?;
        row.map(|r| to_account(&r, 0)).transpose()
    }

    async fn account_by_id(&self, id: &str) -> DbResult<Option<Account>> {
        let c = self.client().await?;
        let row = c
            .query_opt(
                &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = $1"),
                &[&id],
            )
            .await
            .map_err(e("account by id"))?;
        row.map(|r| to_account(&r, 0)).transpose()
    }

    async fn set_password(&self, account_id: &str, password_hash: &str) -> DbResult<()> {
        let c = self.client().await?;
        c.execute(
            "UPDATE accounts SET password_hash = $2 WHERE id = $1",
            &[&account_id, &password_hash],
        )
        .await
        .map_err(e("set password"))?;
        Ok(())
    }

    async fn create_registration(&self, r: &Registration) -> DbResult<()> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO registrations (id, login, role, display_name, password_hash, otp_hash, attempts, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)",
            &[&r.id, &r.login, &r.role.as_str(), &r.display_name, &r.password_hash, &r.otp_hash, &r.expires_at, &r.created_at],
        )
        .await
        .map_err(e("insert registration"))?;
        Ok(())
    }

    async fn registration(&self, id: &str) -> DbResult<Option<Registration>> {
        let c = self.client().await?;
        let row = c
            .query_opt(
                "SELECT id, login, role, display_name, password_hash, otp_hash, attempts, expires_at, created_at FROM registrations WHERE id = $1",
                &[&id],
            )
            .await
            .map_err(e("registration"))?;
        row.map(|r| {
            let role: String = r.get(2);
            Ok(Registration {
                id: r.get(0),
                login: r.get(1),
                role: parse_role(&role)?,
                display_name: r.get(3),
                password_hash: r.get(4),
                otp_hash: r.get(5),
                attempts: r.get(6),
                expires_at: r.get(7),
                created_at: r.get(8),
            })
        })
        .transpose()
    }

    async fn bump_registration_attempts(&self, id: &str) -> DbResult<()> {
        let c = self.client().await?;
        c.execute(
            "UPDATE registrations SET attempts = attempts + 1 WHERE id = $1",
            &[&id],
        )
        .await
        .map_err(e("bump attempts"))?;
        Ok(())
    }

    async fn complete_registration(
        &self,
        reg_id: &str,
        account: &Account,
        now: i64,
    ) -> DbResult<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(e("begin"))?;
        let created = insert_account(&tx, account, now).await?;
        tx.execute("DELETE FROM registrations WHERE id = $1", &[&reg_id])
            .await
            .map_err(e("delete registration"))?;
        tx.commit().await.map_err(e("commit registration"))?;
        Ok(created)
    }

    async fn insert_token(&self, t: &Token) -> DbResult<()> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO tokens (id, account_id, token_hash, kind, device_name, csrf_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&t.id, &t.account_id, &t.token_hash, &t.kind.as_str(), &t.device_name, &t.csrf_hash, &t.created_at, &t.expires_at],
        )
        .await
        .map_err(e("insert token"))?;
        Ok(())
    }

    async fn token_by_hash(
        &self,
        token_hash: &str,
        now: i64,
    ) -> DbResult<Option<(Token, Account)>> {
        let c = self.client().await?;
        let st = c
            .prepare_cached(&format!(
                "SELECT {TOKEN_COLS}, a.id, a.login, a.role, a.agency_code, a.display_name, a.password_hash, a.disabled \
                 FROM tokens t JOIN accounts a ON a.id = t.account_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2"
            ))
            .await
            .map_err(e("prepare"))?;
        let row = c
            .query_opt(&st, &[&token_hash, &now])
            .await
            .map_err(e("token by hash"))?;
        match row {
            Some(r) => Ok(Some((to_token(&r)?, to_account(&r, 8)?))),
            None => Ok(None),
        }
    }

    async fn list_tokens(
        &self,
        account_id: &str,
        kind: TokenKind,
        now: i64,
    ) -> DbResult<Vec<Token>> {
        let c = self.client().await?;
        let rows = c
            .query(
                &format!(
                    "SELECT {TOKEN_COLS} FROM tokens t WHERE t.account_id = $1 AND t.kind = $2 \
                     AND t.revoked_at IS NULL AND t.expires_at > $3 ORDER BY t.created_at"
                ),
                &[&account_id, &kind.as_str(), &now],
            )
            .await
            .map_err(e("list tokens"))?;
        rows.iter().map(to_token).collect()
    }

    async fn revoke_token(&self, account_id: &str, token_id: &str, now: i64) -> DbResult<bool> {
        let c = self.client().await?;
        let n = c
            .execute(
                "UPDATE tokens SET revoked_at = $3 WHERE id = $2 AND account_id = $1 AND revoked_at IS NULL",
                &[&account_id, &token_id, &now],
            )
            .await
            .map_err(e("revoke token"))?;
        Ok(n > 0)
    }

    async fn revoke_all_tokens(&self, account_id: &str, now: i64) -> DbResult<u64> {
        let c = self.client().await?;
        c.execute(
            "UPDATE tokens SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL",
            &[&account_id, &now],
        )
        .await
        .map_err(e("revoke all"))
    }

    async fn grant_consent(
        &self,
        citizen_id: &str,
        volunteer: &Account,
        now: i64,
    ) -> DbResult<Consent> {
        let c = self.client().await?;
        let id = uuid::Uuid::now_v7().to_string();
        c.execute(
            "INSERT INTO consents (id, citizen_id, volunteer_id, granted_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (citizen_id, volunteer_id) WHERE revoked_at IS NULL DO NOTHING",
            &[&id, &citizen_id, &volunteer.id, &now],
        )
        .await
        .map_err(e("insert consent"))?;
        let row = c
            .query_one(
                "SELECT id, granted_at FROM consents WHERE citizen_id = $1 AND volunteer_id = $2 AND revoked_at IS NULL",
                &[&citizen_id, &volunteer.id],
            )
            .await
            .map_err(e("find consent"))?;
        Ok(Consent {
            id: row.get(0),
            citizen_id: citizen_id.to_owned(),
            volunteer_id: volunteer.id.clone(),
            volunteer_login: volunteer.login.clone(),
            granted_at: row.get(1),
        })
    }

    async fn list_consents(&self, citizen_id: &str) -> DbResult<Vec<Consent>> {
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT c.id, c.citizen_id, c.volunteer_id, a.login, c.granted_at FROM consents c \
                 JOIN accounts a ON a.id = c.volunteer_id WHERE c.citizen_id = $1 AND c.revoked_at IS NULL ORDER BY c.granted_at",
                &[&citizen_id],
            )
            .await
            .map_err(e("list consents"))?;
        Ok(rows
            .iter()
            .map(|r| Consent {
                id: r.get(0),
                citizen_id: r.get(1),
                volunteer_id: r.get(2),
                volunteer_login: r.get(3),
                granted_at: r.get(4),
            })
            .collect())
    }

    async fn revoke_consent(&self, citizen_id: &str, consent_id: &str, now: i64) -> DbResult<bool> {
        let c = self.client().await?;
        let n = c
            .execute(
                "UPDATE consents SET revoked_at = $3 WHERE id = $2 AND citizen_id = $1 AND revoked_at IS NULL",
                &[&citizen_id, &consent_id, &now],
            )
            .await
            .map_err(e("revoke consent"))?;
        Ok(n > 0)
    }

    async fn consenting_citizen(
        &self,
        volunteer_id: &str,
        citizen_login: &str,
    ) -> DbResult<Option<String>> {
        let c = self.client().await?;
        let row = c
            .query_opt(
                "SELECT a.id FROM consents c JOIN accounts a ON a.id = c.citizen_id \
                 WHERE c.volunteer_id = $1 AND a.login = $2 AND a.role = 'citizen' AND c.revoked_at IS NULL AND NOT a.disabled",
                &[&volunteer_id, &citizen_login],
            )
            .await
            .map_err(e("consenting citizen"))?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn owned_blobs(&self, account_id: &str, hashes: &[String]) -> DbResult<HashSet<String>> {
        let c = self.client().await?;
        owned_in(&c, account_id, hashes).await
    }

    async fn account_usage(&self, account_id: &str) -> DbResult<i64> {
        let c = self.client().await?;
        let row = c
            .query_one(
                "SELECT (COALESCE((SELECT SUM(b.size) FROM blob_owners o JOIN blobs b ON b.sha256 = o.sha256 WHERE o.account_id = $1), 0) \
                      + COALESCE((SELECT SUM(length) FROM uploads WHERE account_id = $1), 0))::BIGINT",
                &[&account_id],
            )
            .await
            .map_err(e("usage"))?;
        Ok(row.get(0))
    }

    async fn open_upload(&self, account_id: &str, sha256: &str) -> DbResult<Option<Upload>> {
        let c = self.client().await?;
        let row = c
            .query_opt(
                "SELECT id, account_id, sha256, length, received FROM uploads WHERE account_id = $1 AND sha256 = $2",
                &[&account_id, &sha256],
            )
            .await
            .map_err(e("open upload"))?;
        Ok(row.as_ref().map(to_upload))
    }

    async fn create_upload(&self, u: &Upload, now: i64) -> DbResult<()> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO uploads (id, account_id, sha256, length, received, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
            &[&u.id, &u.account_id, &u.sha256, &u.length, &u.received, &now],
        )
        .await
        .map_err(e("create upload"))?;
        Ok(())
    }

    async fn upload(&self, account_id: &str, upload_id: &str) -> DbResult<Option<Upload>> {
        let c = self.client().await?;
        let row = c
            .query_opt(
                "SELECT id, account_id, sha256, length, received FROM uploads WHERE id = $1 AND account_id = $2",
                &[&upload_id, &account_id],
            )
            .await
            .map_err(e("upload"))?;
        Ok(row.as_ref().map(to_upload))
    }

    async fn set_upload_received(&self, upload_id: &str, received: i64, now: i64) -> DbResult<()> {
        let c = self.client().await?;
        c.execute(
            "UPDATE uploads SET received = $2, updated_at = $3 WHERE id = $1",
            &[&upload_id, &received, &now],
        )
        .await
        .map_err(e("set received"))?;
        Ok(())
    }

    async fn finish_upload(
        &self,
        upload_id: &str,
        blob: &Blob,
        account_id: &str,
        now: i64,
    ) -> DbResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(e("begin"))?;
        tx.execute("DELETE FROM uploads WHERE id = $1", &[&upload_id])
            .await
            .map_err(e("delete upload"))?;
        record_blob(&tx, blob, account_id, now).await?;
        tx.commit().await.map_err(e("commit upload"))?;
        Ok(())
    }

    async fn add_owned_blob(&self, blob: &Blob, account_id: &str, now: i64) -> DbResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(e("begin"))?;
        record_blob(&tx, blob, account_id, now).await?;
        tx.commit().await.map_err(e("commit blob"))?;
        Ok(())
    }

    async fn discard_upload(&self, upload_id: &str) -> DbResult<()> {
        let c = self.client().await?;
        c.execute("DELETE FROM uploads WHERE id = $1", &[&upload_id])
            .await
            .map_err(e("discard upload"))?;
        Ok(())
    }

    async fn readable_blob(
        &self,
        account_id: &str,
        scope: &Scope,
        sha256: &str,
    ) -> DbResult<Option<Blob>> {
        let c = self.client().await?;
        let (clause, arg) = scope_clause(scope, "d", 3);
        let row = c
            .query_opt(
                &format!(
                    "SELECT b.sha256, b.size FROM blobs b WHERE b.sha256 = $1 AND ( \
                       EXISTS (SELECT 1 FROM blob_owners o WHERE o.sha256 = b.sha256 AND o.account_id = $2) \
                       OR EXISTS (SELECT 1 FROM dossier_blobs db JOIN dossiers d ON d.uuid = db.dossier_uuid \
                                  WHERE db.sha256 = b.sha256 AND {clause}))"
                ),
                &[&sha256, &account_id, &arg],
            )
            .await
            .map_err(e("readable blob"))?;
        Ok(row.map(|r| Blob {
            sha256: r.get(0),
            size: r.get(1),
        }))
    }

    async fn submit_dossier(&self, d: &NewDossier) -> DbResult<SubmitOutcome> {
        let c = self.client().await?;
        let find = c
            .prepare_cached(&format!(
                "SELECT {DOSSIER_COLS} FROM dossiers WHERE uuid = $1"
            ))
            .await
            .map_err(e("prepare"))?;
        // Checks that cannot change once true (dossiers, agencies and blob ownership are never
        // deleted) run before the lock, so the serialised part stays short.
        if let Some(r) = c
            .query_opt(&find, &[&d.uuid])
            .await
            .map_err(e("find dossier"))?
        {
            return judge(&r, d);
        }
        let agency = c
            .prepare_cached("SELECT 1 FROM agencies WHERE code = $1")
            .await
            .map_err(e("prepare"))?;
        if c.query_opt(&agency, &[&d.agency_code])
            .await
            .map_err(e("agency"))?
            .is_none()
        {
            return Ok(SubmitOutcome::UnknownAgency);
        }
        let owned = owned_in(&c, &d.submitter_id, &d.attachments).await?;
        let missing: Vec<String> = d
            .attachments
            .iter()
            .filter(|h| !owned.contains(*h))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Ok(SubmitOutcome::BlobsMissing(missing));
        }
        drop(c);
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.writer
            .send(SubmitJob {
                d: d.clone(),
                reply,
            })
            .await
            .map_err(|_| DbError::Worker("the PostgreSQL writer task has stopped".into()))?;
        rx.await
            .map_err(|_| DbError::Worker("a PostgreSQL write job was dropped".into()))?
    }

    async fn dossier(&self, scope: &Scope, uuid: &str) -> DbResult<Option<Dossier>> {
        let c = self.client().await?;
        let (clause, arg) = scope_clause(scope, "d", 2);
        let row = c
            .query_opt(
                &format!("SELECT {DOSSIER_COLS} FROM dossiers d WHERE d.uuid = $1 AND {clause}"),
                &[&uuid, &arg],
            )
            .await
            .map_err(e("dossier"))?;
        row.as_ref().map(to_dossier).transpose()
    }

    async fn list_dossiers(&self, scope: &Scope, f: &DossierFilter) -> DbResult<Vec<Dossier>> {
        let c = self.client().await?;
        let (clause, arg) = scope_clause(scope, "d", 1);
        let state = f.state.map(|s| s.as_str().to_owned());
        let limit = f.limit.clamp(1, 500);
        let rows = c
            .query(
                &format!(
                    "SELECT {DOSSIER_COLS} FROM dossiers d WHERE {clause} AND ($2::TEXT IS NULL OR d.state = $2) \
                     AND ($3::TEXT IS NULL OR strpos(lower(d.code), lower($3)) > 0) ORDER BY d.received_at DESC, d.uuid DESC LIMIT $4"
                ),
                &[&arg, &state, &f.code_query, &limit],
            )
            .await
            .map_err(e("list dossiers"))?;
        rows.iter().map(to_dossier).collect()
    }

    async fn transition(&self, t: &Transition) -> DbResult<TransitionOutcome> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(e("begin"))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&EVENT_LOCK])
            .await
            .map_err(e("event lock"))?;
        let (clause, arg) = scope_clause(&t.scope, "d", 2);
        let row = tx
            .query_opt(&format!("SELECT {DOSSIER_COLS} FROM dossiers d WHERE d.uuid = $1 AND {clause} FOR UPDATE"), &[&t.dossier_uuid, &arg])
            .await
            .map_err(e("dossier for transition"))?;
        let Some(row) = row else {
            return Ok(TransitionOutcome::NotFound);
        };
        let d = to_dossier(&row)?;
        let Some(next) = domain::next_state(d.state, &t.event, t.actor) else {
            return Ok(TransitionOutcome::InvalidTransition(d.state));
        };
        if matches!(t.event, EventKind::PaymentClaimed { .. }) {
            let last = tx
                .query_opt(
                    "SELECT kind FROM events WHERE dossier_uuid = $1 ORDER BY seq DESC LIMIT 1",
                    &[&d.uuid],
                )
                .await
                .map_err(e("last event"))?;
            if last.map(|r| r.get::<_, String>(0)).as_deref() == Some("payment_claimed") {
                return Ok(TransitionOutcome::Unchanged(d.state));
            }
        }
        tx.execute(
            "UPDATE dossiers SET state = $2, updated_at = $3 WHERE uuid = $1",
            &[&d.uuid, &next.as_str(), &t.now],
        )
        .await
        .map_err(e("update state"))?;
        if let Some(h) = &t.result_blob {
            tx.execute(
                "INSERT INTO dossier_blobs (dossier_uuid, sha256, role) VALUES ($1, $2, 'result') ON CONFLICT DO NOTHING",
                &[&d.uuid, h],
            )
            .await
            .map_err(e("link result"))?;
        }
        let seq = insert_event(&tx, &d, t.now, next, &t.event).await?;
        tx.execute(
            "INSERT INTO audit (at, actor_id, dossier_uuid, action, detail, event_seq) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&t.now, &t.actor_id, &d.uuid, &domain::event_kind_name(&t.event), &t.audit_detail, &seq],
        )
        .await
        .map_err(e("audit"))?;
        let payload =
            serde_json::to_string(&t.event).map_err(|err| DbError::Corrupt(err.to_string()))?;
        tx.commit().await.map_err(e("commit transition"))?;
        Ok(TransitionOutcome::Applied(EventRow {
            seq,
            dossier_uuid: d.uuid,
            dossier_code: d.code,
            at: t.now,
            state: next,
            payload,
        }))
    }

    async fn dossier_events(&self, uuid: &str) -> DbResult<Vec<EventRow>> {
        let c = self.client().await?;
        let rows = c
            .query(
                &format!("SELECT {EVENT_COLS} FROM events e JOIN dossiers d ON d.uuid = e.dossier_uuid WHERE e.dossier_uuid = $1 ORDER BY e.seq"),
                &[&uuid],
            )
            .await
            .map_err(e("dossier events"))?;
        rows.iter().map(to_event).collect()
    }

    async fn events_after(&self, scope: &Scope, after: i64, limit: i64) -> DbResult<Vec<EventRow>> {
        let c = self.client().await?;
        let (clause, arg) = scope_clause(scope, "e", 1);
        let st = c
            .prepare_cached(&format!(
                "SELECT {EVENT_COLS} FROM events e JOIN dossiers d ON d.uuid = e.dossier_uuid \
                 WHERE e.seq > $2 AND {clause} ORDER BY e.seq LIMIT $3"
            ))
            .await
            .map_err(e("prepare"))?;
        let rows = c
            .query(&st, &[&arg, &after, &limit])
            .await
            .map_err(e("events after"))?;
        rows.iter().map(to_event).collect()
    }

    async fn dossier_audit(&self, uuid: &str) -> DbResult<Vec<AuditRow>> {
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT a.at, acc.login, a.action, a.detail FROM audit a JOIN accounts acc ON acc.id = a.actor_id WHERE a.dossier_uuid = $1 ORDER BY a.id",
                &[&uuid],
            )
            .await
            .map_err(e("audit"))?;
        Ok(rows
            .iter()
            .map(|r| AuditRow {
                at: r.get(0),
                actor_login: r.get(1),
                action: r.get(2),
                detail: r.get(3),
            })
            .collect())
    }

    async fn max_event_seq(&self) -> DbResult<i64> {
        let c = self.client().await?;
        let row = c
            .query_one("SELECT COALESCE(MAX(seq), 0)::BIGINT FROM events", &[])
            .await
            .map_err(e("max seq"))?;
        Ok(row.get(0))
    }

    async fn submit_revision(&self, r: &NewRevision) -> DbResult<RevisionOutcome> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(e("begin"))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&EVENT_LOCK])
            .await
            .map_err(e("event lock"))?;
        let (clause, arg) = scope_clause(&r.scope, "d", 2);
        let row = tx
            .query_opt(
                &format!("SELECT {DOSSIER_COLS} FROM dossiers d WHERE d.uuid = $1 AND {clause} FOR UPDATE"),
                &[&r.dossier_uuid, &arg],
            )
            .await
            .map_err(e("dossier for revision"))?;
        let Some(row) = row else {
            return Ok(RevisionOutcome::NotFound);
        };
        let d = to_dossier(&row)?;
        let existing = tx
            .query_opt(
                &format!("SELECT {REVISION_COLS} FROM dossier_revisions WHERE dossier_uuid = $1 AND revision = $2"),
                &[&d.uuid, &r.revision],
            )
            .await
            .map_err(e("find revision"))?;
        if let Some(old) = existing {
            let old = to_revision(&old)?;
            return Ok(if old.content_hash == r.content_hash {
                RevisionOutcome::Repeat(old, d.code)
            } else {
                RevisionOutcome::Conflict
            });
        }
        let probe = EventKind::Resubmitted {
            revision: 0,
            changed_fields: vec![],
            changed_attachments: vec![],
        };
        let Some(next) = domain::next_state(d.state, &probe, domain::Actor::Applicant) else {
            return Ok(RevisionOutcome::InvalidState(d.state));
        };
        if r.revision != d.revision + 1 {
            return Ok(RevisionOutcome::Conflict);
        }
        let owned = owned_in(&tx, &r.account_id, &r.attachments).await?;
        let linked: HashSet<String> = tx
            .query(
                "SELECT sha256 FROM dossier_blobs WHERE dossier_uuid = $1 AND role = 'attachment'",
                &[&d.uuid],
            )
            .await
            .map_err(e("linked blobs"))?
            .iter()
            .map(|row| row.get::<_, String>(0))
            .collect();
        let missing: Vec<String> = r
            .attachments
            .iter()
            .filter(|h| !owned.contains(*h) && !linked.contains(*h))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Ok(RevisionOutcome::BlobsMissing(missing));
        }
        let (changed_fields, changed_attachments) = revision_diff(&d.manifest, &r.manifest)?;
        let revision =
            u32::try_from(r.revision).map_err(|_| DbError::Corrupt("revision".into()))?;
        let event = EventKind::Resubmitted {
            revision,
            changed_fields: changed_fields.clone(),
            changed_attachments: changed_attachments.clone(),
        };
        tx.execute(
            "UPDATE dossiers SET manifest = $2, revision = $3, state = $4, updated_at = $5 WHERE uuid = $1",
            &[&d.uuid, &r.manifest, &r.revision, &next.as_str(), &r.now],
        )
        .await
        .map_err(e("update dossier"))?;
        tx.execute(
            "INSERT INTO dossier_blobs (dossier_uuid, sha256, role) \
             SELECT $1, h, 'attachment' FROM unnest($2::TEXT[]) AS h ON CONFLICT DO NOTHING",
            &[&d.uuid, &r.attachments],
        )
        .await
        .map_err(e("link blobs"))?;
        let seq = insert_event(&tx, &d, r.now, next, &event).await?;
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
            &format!("INSERT INTO dossier_revisions ({REVISION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
            &[
                &row.dossier_uuid,
                &row.revision,
                &row.account_id,
                &row.content_hash,
                &row.manifest,
                &json_list(&row.changed_fields),
                &json_list(&row.changed_attachments),
                &row.submitted_at,
                &row.event_seq,
            ],
        )
        .await
        .map_err(e("insert revision"))?;
        tx.execute(
            "INSERT INTO audit (at, actor_id, dossier_uuid, action, detail, event_seq) VALUES ($1, $2, $3, 'resubmitted', $4, $5)",
            &[&r.now, &r.account_id, &d.uuid, &format!("revision {}", r.revision), &seq],
        )
        .await
        .map_err(e("audit"))?;
        tx.commit().await.map_err(e("commit revision"))?;
        Ok(RevisionOutcome::Created(row, d.code))
    }

    async fn revisions(&self, uuid: &str) -> DbResult<Vec<RevisionRow>> {
        let c = self.client().await?;
        let rows = c
            .query(
                &format!("SELECT {REVISION_COLS} FROM dossier_revisions WHERE dossier_uuid = $1 ORDER BY revision"),
                &[&uuid],
            )
            .await
            .map_err(e("revisions"))?;
        rows.iter().map(to_revision).collect()
    }

    async fn rate(
        &self,
        scope: &Scope,
        uuid: &str,
        account_id: &str,
        rating: &RatingRow,
    ) -> DbResult<RateOutcome> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(e("begin"))?;
        let (clause, arg) = scope_clause(scope, "d", 2);
        let row = tx
            .query_opt(
                &format!(
                    "SELECT d.state FROM dossiers d WHERE d.uuid = $1 AND {clause} FOR UPDATE"
                ),
                &[&uuid, &arg],
            )
            .await
            .map_err(e("dossier for rating"))?;
        let Some(row) = row else {
            return Ok(RateOutcome::NotFound);
        };
        let state = parse_state(&row.get::<_, String>(0))?;
        if let Some(old) = rating_in(&tx, uuid).await? {
            return Ok(
                if old.stars == rating.stars && old.comment == rating.comment {
                    RateOutcome::Same(old)
                } else {
                    RateOutcome::Different
                },
            );
        }
        if state != DossierState::Completed {
            return Ok(RateOutcome::InvalidState(state));
        }
        tx.execute(
            "INSERT INTO ratings (dossier_uuid, account_id, stars, comment, rated_at) VALUES ($1, $2, $3, $4, $5)",
            &[&uuid, &account_id, &i16::from(rating.stars), &rating.comment, &rating.rated_at],
        )
        .await
        .map_err(e("insert rating"))?;
        tx.commit().await.map_err(e("commit rating"))?;
        Ok(RateOutcome::Saved(rating.clone()))
    }

    async fn rating(&self, uuid: &str) -> DbResult<Option<RatingRow>> {
        let c = self.client().await?;
        rating_in(&c, uuid).await
    }
}

async fn rating_in(c: &impl GenericClient, uuid: &str) -> DbResult<Option<RatingRow>> {
    let row = c
        .query_opt(
            "SELECT stars, comment, rated_at FROM ratings WHERE dossier_uuid = $1",
            &[&uuid],
        )
        .await
        .map_err(e("rating"))?;
    row.map(|r| {
        let stars: i16 = r.get(0);
        Ok(RatingRow {
            stars: u8::try_from(stars).map_err(|_| DbError::Corrupt(format!("stars {stars}")))?,
            comment: r.get(1),
            rated_at: r.get(2),
        })
    })
    .transpose()
}

const REVISION_COLS: &str = "dossier_uuid, revision, account_id, content_hash, manifest, \
     changed_fields, changed_attachments, submitted_at, event_seq";

fn to_revision(r: &Row) -> DbResult<RevisionRow> {
    let cf: String = r.get(5);
    let ca: String = r.get(6);
    Ok(RevisionRow {
        dossier_uuid: r.get(0),
        revision: r.get(1),
        account_id: r.get(2),
        content_hash: r.get(3),
        manifest: r.get(4),
        changed_fields: parse_list(&cf)?,
        changed_attachments: parse_list(&ca)?,
        submitted_at: r.get(7),
        event_seq: r.get(8),
    })
}
