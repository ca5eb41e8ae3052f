//! PostgreSQL backend (tokio-postgres with a deadpool pool), for provinces that outgrow one file.
//!
//! Transactions that append events first take a transaction-scoped advisory lock, so event
//! sequence numbers are assigned and committed in the same order and the feed never skips one.
//! The same lock makes the per-agency-per-day code counter gap-free and unique. Submissions are
//! committed in groups by one writer task (one WAL flush for many).
//!
//! Several server processes may share one database: every transaction that appends events also
//! sends `NOTIFY dvc_events` (heard by each process's [`Database::listen_events`] task), and
//! per-upload locks are advisory locks ([`Database::shared_lock`]) on a second, small pool.
//!
//! [`Database::listen_events`]: super::Database::listen_events
//! [`Database::shared_lock`]: super::Database::shared_lock

use std::error::Error;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::BytesMut;
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use futures_util::future::try_join_all;
use futures_util::TryFutureExt;
use tokio_postgres::types::{IsNull, ToSql, Type};
use tokio_postgres::NoTls;

use super::dialect::{migrations, Backend, BoxFut, Cell, Conn, Row, Txn, Value};
use super::sql::Sql;
use super::store::{insert_dossier, OutboxChannels, Store};
use super::{DbError, DbResult, Listened, NewDossier, SharedLock, SubmitOutcome};

/// PostgreSQL storage.
pub type PgDb = Store<Postgres>;

/// The channel event commits are announced on (payload: the highest committed seq), heard by
/// every server process's listener so a long-poll on one replica wakes for an event written
/// through another.
pub const EVENTS_CHANNEL: &str = "dvc_events";
/// Sent in every transaction that appends events, after the inserts (delivered at commit).
const NOTIFY_EVENTS: &str =
    "SELECT pg_notify('dvc_events', (SELECT COALESCE(MAX(seq), 0) FROM events)::TEXT)";
/// Connections of the shared-lock pool (each held lock keeps one).
const LOCK_POOL_SIZE: usize = 32;
/// How often an idle listener checks its connection (and re-reads the highest seq).
const LISTEN_CHECK: std::time::Duration = std::time::Duration::from_secs(30);

/// Which hashes of a list an account owns.
pub(super) const OWNED_BLOBS: &str =
    "SELECT sha256 FROM blob_owners WHERE account_id = $1 AND sha256 = ANY($2)";
/// Links a list of hashes.
pub(super) const LINK_ATTACHMENTS: &str = "INSERT INTO dossier_blobs (dossier_uuid, sha256, role) \
     SELECT $1, h, 'attachment' FROM unnest($2::TEXT[]) AS h ON CONFLICT DO NOTHING";
/// Rows read for a change stay locked until the transaction ends.
pub(super) const LOCK_ROWS: &str = " FOR UPDATE";

/// Advisory lock keys (arbitrary, fixed).
const MIGRATION_LOCK: i64 = 0x6476_6300;
const EVENT_LOCK: i64 = 0x6476_6301;
/// Most submissions committed together.
const MAX_BATCH: usize = 64;

/// The PostgreSQL backend: the pool and the submission writer's queue.
pub struct Postgres {
    pool: Pool,
    writer: tokio::sync::mpsc::Sender<SubmitJob>,
    /// Connections that hold [`SharedLock`]s: separate from `pool`, so a request holding a lock
    /// can always get a connection for its work (no deadlock when many wait for locks).
    locks: Pool,
    /// How to open a connection of our own (the event listener).
    connect: Connect,
}

/// Connection settings and TLS, to open connections outside the pools.
#[derive(Clone)]
struct Connect {
    config: tokio_postgres::Config,
    tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
}

impl Connect {
    fn manager(&self) -> Manager {
        let mc = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        match &self.tls {
            Some(tls) => Manager::from_config(self.config.clone(), tls.clone(), mc),
            None => Manager::from_config(self.config.clone(), NoTls, mc),
        }
    }
}

/// A submission waiting for the writer task.
struct SubmitJob {
    d: NewDossier,
    channels: OutboxChannels,
    reply: tokio::sync::oneshot::Sender<DbResult<SubmitOutcome>>,
}

/// A pool error with its causes: deadpool says only "Error occurred while creating a new object",
/// the server's reason (a refused `pg_hba.conf` line, a certificate that does not verify) is
/// further down the chain.
fn pool_error(err: impl Error) -> DbError {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    DbError::Pool(text)
}

fn e(context: &'static str) -> impl FnOnce(tokio_postgres::Error) -> DbError {
    move |source| DbError::Postgres { context, source }
}

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
        let dossiers: Vec<(&NewDossier, OutboxChannels)> =
            batch.iter().map(|j| (&j.d, j.channels)).collect();
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
                    let out =
                        run_batch(&pool, &[(&job.d, job.channels)])
                            .await
                            .and_then(|mut v| {
                                v.pop()
                                    .ok_or_else(|| DbError::Worker("empty batch result".into()))
                            });
                    let _ = job.reply.send(out);
                }
            }
        }
    }
}

async fn run_batch(
    pool: &Pool,
    dossiers: &[(&NewDossier, OutboxChannels)],
) -> DbResult<Vec<SubmitOutcome>> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(e("begin"))?;
    lock(&tx, Txn::Events).await?;
    let mut out = Vec::with_capacity(dossiers.len());
    for (d, channels) in dossiers {
        out.push(insert_dossier(&mut Pg(&tx), d, *channels).await?);
    }
    notify_events(&tx).await?;
    tx.commit().await.map_err(e("commit dossiers"))?;
    Ok(out)
}

/// Announces the transaction's events to every listener (see [`EVENTS_CHANNEL`]); PostgreSQL
/// delivers it only if and when the transaction commits.
async fn notify_events(tx: &deadpool_postgres::Transaction<'_>) -> DbResult<()> {
    let st = tx
        .prepare_cached(NOTIFY_EVENTS)
        .await
        .map_err(e("prepare notify"))?;
    tx.execute(&st, &[]).await.map_err(e("notify events"))?;
    Ok(())
}

/// Takes the advisory lock `txn` needs, held until the transaction ends.
async fn lock(tx: &deadpool_postgres::Transaction<'_>, txn: Txn) -> DbResult<()> {
    let key = match txn {
        Txn::Plain => return Ok(()),
        Txn::Events => EVENT_LOCK,
        Txn::Migrations => MIGRATION_LOCK,
    };
    let st = tx
        .prepare_cached("SELECT pg_advisory_xact_lock($1)")
        .await
        .map_err(e("prepare lock"))?;
    tx.execute(&st, &[&key]).await.map_err(e("advisory lock"))?;
    Ok(())
}

impl Store<Postgres> {
    /// Connects a pool (16 connections) to `url`, over TLS as its `sslmode` says (see
    /// [`super::pgtls`]: required by default for hosts other than this machine).
    pub async fn connect(url: &str) -> DbResult<PgDb> {
        let plan = super::pgtls::plan(url)?;
        let tls =
            super::pgtls::client_config(&plan)?.map(tokio_postgres_rustls::MakeRustlsConnect::new);
        Self::with_connect(Connect {
            config: plan.config,
            tls,
        })
        .await
    }

    /// Connects a pool (16 connections) as `cfg` says, without TLS.
    pub async fn with_config(cfg: tokio_postgres::Config) -> DbResult<PgDb> {
        Self::with_connect(Connect {
            config: cfg,
            tls: None,
        })
        .await
    }

    async fn with_connect(connect: Connect) -> DbResult<PgDb> {
        let pool = Pool::builder(connect.manager())
            .max_size(16)
            .build()
            .map_err(pool_error)?;
        let locks = Pool::builder(connect.manager())
            .max_size(LOCK_POOL_SIZE)
            .build()
            .map_err(pool_error)?;
        let (writer, rx) = tokio::sync::mpsc::channel(1024);
        tokio::spawn(writer_loop(pool.clone(), rx));
        let db = Store::new(Postgres {
            pool,
            writer,
            locks,
            connect,
        });
        super::Database::ping(&db).await?;
        Ok(db)
    }
}

impl Postgres {
    async fn client(&self) -> DbResult<deadpool_postgres::Client> {
        self.pool.get().await.map_err(pool_error)
    }
}

impl Backend for Postgres {
    const NAME: &'static str = "postgres";
    const MIGRATIONS: &'static [(i64, &'static str)] = migrations!("postgres");
    const MIGRATIONS_TABLE: &'static str = "CREATE TABLE IF NOT EXISTS schema_migrations \
         (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)";

    /// On a pooled connection, outside any transaction.
    async fn read<T, F>(&self, work: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn Conn) -> BoxFut<'c, DbResult<T>> + Send + 'static,
    {
        let client = self.client().await?;
        work(&mut Pg(&client)).await
    }

    /// In a transaction on a pooled connection, after the advisory lock `txn` needs.
    async fn write<T, F>(&self, txn: Txn, work: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn Conn) -> BoxFut<'c, DbResult<T>> + Send + 'static,
    {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(e("begin"))?;
        lock(&tx, txn).await?;
        let out = work(&mut Pg(&tx)).await?;
        if txn == Txn::Events {
            notify_events(&tx).await?;
        }
        tx.commit().await.map_err(e("commit"))?;
        Ok(out)
    }

    /// Queued for the writer task, which commits waiting submissions together.
    async fn insert(&self, d: NewDossier, channels: OutboxChannels) -> DbResult<SubmitOutcome> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.writer
            .send(SubmitJob { d, channels, reply })
            .await
            .map_err(|_| DbError::Worker("the PostgreSQL writer task has stopped".into()))?;
        rx.await
            .map_err(|_| DbError::Worker("a PostgreSQL write job was dropped".into()))?
    }

    /// `pg_advisory_xact_lock` in a transaction opened for it on a connection of the lock pool;
    /// the transaction (and with it the lock) ends when the guard is dropped.
    async fn shared_lock(&self, key: &str) -> DbResult<SharedLock> {
        let client = self.locks.get().await.map_err(pool_error)?;
        // From here on a drop (a cancelled request) rolls back, or closes the connection.
        let guard = LockGuard(Some(client));
        let Some(c) = guard.0.as_ref() else {
            return Err(DbError::Worker("lock connection vanished".into()));
        };
        let st = c
            .prepare_cached("SELECT pg_advisory_xact_lock($1)")
            .await
            .map_err(e("prepare shared lock"))?;
        c.batch_execute("BEGIN")
            .await
            .map_err(e("begin shared lock"))?;
        c.execute(&st, &[&lock_id(key)])
            .await
            .map_err(e("shared lock"))?;
        Ok(SharedLock::holding(guard))
    }

    /// `LISTEN` on a connection of its own, outside the pools.
    async fn listen_events(&self, seen: &(dyn Fn(i64) + Send + Sync)) -> DbResult<Listened> {
        // Named, so operators can tell it from the pooled connections in `pg_stat_activity`.
        let mut config = self.connect.config.clone();
        config.application_name("dvc-sync events");
        match &self.connect.tls {
            Some(tls) => {
                let (client, conn) = config
                    .connect(tls.clone())
                    .await
                    .map_err(e("listener connect"))?;
                listen_on(client, conn, seen).await
            }
            None => {
                let (client, conn) = config.connect(NoTls).await.map_err(e("listener connect"))?;
                listen_on(client, conn, seen).await
            }
        }
    }
}

/// The advisory lock key of a [`SharedLock`] key: the first 8 bytes of its SHA-256 (the fixed
/// event and migration keys are small numbers; a collision would only make two unrelated holders
/// wait for each other).
fn lock_id(key: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("dvc-lock:{key}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// A lock-pool connection inside the transaction that holds an advisory lock.
struct LockGuard(Option<deadpool_postgres::Client>);

impl Drop for LockGuard {
    /// Ends the transaction (releasing the lock) in the background; the connection goes back to
    /// the pool only if that worked, and is closed otherwise (which releases the lock as well).
    fn drop(&mut self) {
        let Some(client) = self.0.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    if let Err(err) = client.batch_execute("ROLLBACK").await {
                        tracing::warn!(error = %err, "postgres: could not release a shared lock; closing its connection");
                        drop(deadpool_postgres::Object::take(client));
                    }
                });
            }
            Err(_) => drop(deadpool_postgres::Object::take(client)),
        }
    }
}

/// Runs the listener on one connection: `LISTEN`, then the highest seq, then every notification
/// (and a check every [`LISTEN_CHECK`] without one), until the connection fails.
async fn listen_on<S, T>(
    client: tokio_postgres::Client,
    mut conn: tokio_postgres::Connection<S, T>,
    seen: &(dyn Fn(i64) + Send + Sync),
) -> DbResult<Listened>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    use futures_util::StreamExt;
    use tokio_postgres::AsyncMessage;

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| conn.poll_message(cx));
        while let Some(m) = messages.next().await {
            match m {
                Ok(AsyncMessage::Notification(n)) => {
                    if tx.send(Ok(n.payload().to_owned())).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    let _ = tx.send(Err(err));
                    break;
                }
            }
        }
    });
    let result = async {
        client
            .batch_execute(&format!("LISTEN {EVENTS_CHANNEL}"))
            .await
            .map_err(e("listen"))?;
        loop {
            let latest: i64 = client
                .query_one("SELECT COALESCE(MAX(seq), 0) FROM events", &[])
                .await
                .map_err(e("listener max seq"))?
                .get(0);
            seen(latest);
            loop {
                match tokio::time::timeout(LISTEN_CHECK, rx.recv()).await {
                    Err(_) => break, // quiet for a while: check the connection, re-read the seq
                    Ok(None) => return Ok(Listened::Ended),
                    Ok(Some(Err(err))) => return Err(e("listener connection")(err)),
                    Ok(Some(Ok(payload))) => match payload.parse::<i64>() {
                        Ok(seq) => seen(seq),
                        Err(_) => break, // not ours: read the seq instead
                    },
                }
            }
        }
    }
    .await;
    driver.abort();
    result
}

type BoxError = Box<dyn Error + Sync + Send>;

/// Binds a [`Value`] as the type the prepared statement asks for (`SMALLINT`, `INTEGER` or
/// `BIGINT` for integers).
impl ToSql for Value<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match *self {
            Value::Text(s) => s.to_sql_checked(ty, out),
            Value::OptText(s) => s.to_sql_checked(ty, out),
            Value::Int(v) if *ty == Type::INT2 => i16::try_from(v)?.to_sql_checked(ty, out),
            Value::Int(v) if *ty == Type::INT4 => i32::try_from(v)?.to_sql_checked(ty, out),
            Value::Int(v) => v.to_sql_checked(ty, out),
            Value::Bool(v) => v.to_sql_checked(ty, out),
            Value::List(items) => items.to_sql_checked(ty, out),
        }
    }

    /// Each variant checks the type itself (`to_sql_checked` above).
    fn accepts(_ty: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

fn cell(r: &tokio_postgres::Row, i: usize) -> Result<Cell, tokio_postgres::Error> {
    let ty = r.columns().get(i).map(|c| c.type_().clone());
    Ok(match ty {
        Some(Type::INT8) => r
            .try_get::<_, Option<i64>>(i)?
            .map_or(Cell::Null, Cell::Int),
        Some(Type::INT4) => r
            .try_get::<_, Option<i32>>(i)?
            .map_or(Cell::Null, |v| Cell::Int(v.into())),
        Some(Type::INT2) => r
            .try_get::<_, Option<i16>>(i)?
            .map_or(Cell::Null, |v| Cell::Int(v.into())),
        Some(Type::BOOL) => r
            .try_get::<_, Option<bool>>(i)?
            .map_or(Cell::Null, Cell::Bool),
        _ => r
            .try_get::<_, Option<String>>(i)?
            .map_or(Cell::Null, Cell::Text),
    })
}

fn rows(name: &'static str, pg: Vec<tokio_postgres::Row>) -> DbResult<Vec<Row>> {
    let Some(first) = pg.first() else {
        return Ok(Vec::new());
    };
    let columns: Arc<[String]> = first
        .columns()
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    pg.iter()
        .map(|r| {
            let cells = (0..columns.len())
                .map(|i| cell(r, i))
                .collect::<Result<Vec<_>, _>>()
                .map_err(e(name))?;
            Ok(Row::new(Arc::clone(&columns), cells))
        })
        .collect()
}

/// A pooled connection or a transaction on one.
struct Pg<'a, C>(&'a C);

type Params<'v> = Vec<&'v (dyn ToSql + Sync)>;

fn params<'v>(args: &'v [Value<'_>]) -> Params<'v> {
    args.iter().map(|a| a as &(dyn ToSql + Sync)).collect()
}

#[async_trait]
impl<C: GenericClient> Conn for Pg<'_, C> {
    async fn query(&mut self, sql: &Sql, args: &[Value<'_>]) -> DbResult<Vec<Row>> {
        let st = self
            .0
            .prepare_cached(&sql.postgres)
            .await
            .map_err(e(sql.name))?;
        let found = self
            .0
            .query(&st, &params(args))
            .await
            .map_err(e(sql.name))?;
        rows(sql.name, found)
    }

    async fn execute(&mut self, sql: &Sql, args: &[Value<'_>]) -> DbResult<u64> {
        let st = self
            .0
            .prepare_cached(&sql.postgres)
            .await
            .map_err(e(sql.name))?;
        self.0
            .execute(&st, &params(args))
            .await
            .map_err(e(sql.name))
    }

    /// Prepares every statement (cached after the first time), then sends them all before reading
    /// any answer: the futures are first polled in order, and each sends its request on its first
    /// poll, so they run in order in one round trip.
    async fn pipeline(&mut self, steps: &[(&Sql, &[Value<'_>])]) -> DbResult<Vec<Vec<Row>>> {
        let mut prepared = Vec::with_capacity(steps.len());
        for (sql, args) in steps {
            let st = self
                .0
                .prepare_cached(&sql.postgres)
                .await
                .map_err(e(sql.name))?;
            prepared.push((sql.name, st, params(args)));
        }
        let client = self.0;
        let answers = try_join_all(prepared.iter().map(|(name, st, p)| {
            client.query(st, p).map_err(|err| DbError::Postgres {
                context: name,
                source: err,
            })
        }))
        .await?;
        prepared
            .iter()
            .zip(answers)
            .map(|((name, _, _), found)| rows(name, found))
            .collect()
    }

    async fn script(&mut self, sql: &str) -> DbResult<()> {
        self.0.batch_execute(sql).await.map_err(e("script"))
    }
}
