//! What a storage backend provides to the shared [`Store`](super::store::Store): a connection
//! ([`Conn`]) that runs one statement with typed arguments and hands rows back by column name, and
//! a way ([`Backend`]) to run a piece of work on a reader or inside one transaction.
//!
//! The work itself (what to read, which decision to ask, what to write) is written once, in
//! `store.rs`, against `&mut dyn Conn`; each backend only says how statements run.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;

use super::sql::Sql;
use super::store::OutboxChannels;
use super::{DbError, DbResult, Listened, NewDossier, SharedLock, SubmitOutcome};

/// A boxed future that may borrow the connection for `'c`.
pub(crate) type BoxFut<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// An argument of a statement. Each backend binds it as its own type (PostgreSQL picks the integer
/// width and `BOOLEAN` from the prepared statement; SQLite stores integers and 0/1).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    /// Text.
    Text(&'a str),
    /// Text or NULL.
    OptText(Option<&'a str>),
    /// An integer (`BIGINT`, `INTEGER` or `SMALLINT` columns).
    Int(i64),
    /// A flag (`BOOLEAN` in PostgreSQL, 0/1 in SQLite).
    Bool(bool),
    /// A list of texts, for the dialect-specific statements that take one (`TEXT[]` in PostgreSQL,
    /// a JSON array in SQLite).
    List(&'a [String]),
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(v)
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(v)
    }
}

impl<'a> From<&'a Option<String>> for Value<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Value::OptText(v.as_deref())
    }
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Value::OptText(v)
    }
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<u8> for Value<'_> {
    fn from(v: u8) -> Self {
        Value::Int(i64::from(v))
    }
}

impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl<'a> From<&'a [String]> for Value<'a> {
    fn from(v: &'a [String]) -> Self {
        Value::List(v)
    }
}

impl<'a> From<&'a Vec<String>> for Value<'a> {
    fn from(v: &'a Vec<String>) -> Self {
        Value::List(v)
    }
}

/// `args![a, b, …]`: the arguments of a statement, each converted with `Value::from`.
macro_rules! args {
    ($($v:expr),* $(,)?) => {
        &[$($crate::db::dialect::Value::from($v)),*]
    };
}
pub(crate) use args;

/// The migrations of a dialect: `migrations/<dialect>/NNNN_<name>.sql`, in order (both dialects
/// have the same files). Append only; never edit a shipped migration.
macro_rules! migrations {
    ($dialect:literal) => {
        &[
            (
                1,
                include_str!(concat!("../../migrations/", $dialect, "/0001_init.sql")),
            ),
            (
                2,
                include_str!(concat!(
                    "../../migrations/",
                    $dialect,
                    "/0002_after_submission.sql"
                )),
            ),
            (
                3,
                include_str!(concat!("../../migrations/", $dialect, "/0003_accounts.sql")),
            ),
            (
                4,
                include_str!(concat!(
                    "../../migrations/",
                    $dialect,
                    "/0004_retention.sql"
                )),
            ),
            (
                5,
                include_str!(concat!(
                    "../../migrations/",
                    $dialect,
                    "/0005_consent_scope.sql"
                )),
            ),
            (
                6,
                include_str!(concat!(
                    "../../migrations/",
                    $dialect,
                    "/0006_field_work.sql"
                )),
            ),
            (
                7,
                include_str!(concat!("../../migrations/", $dialect, "/0007_handoffs.sql")),
            ),
            (
                8,
                include_str!(concat!(
                    "../../migrations/",
                    $dialect,
                    "/0008_catalog_bundles.sql"
                )),
            ),
            (
                9,
                include_str!(concat!(
                    "../../migrations/",
                    $dialect,
                    "/0009_console_work.sql"
                )),
            ),
        ]
    };
}
pub(crate) use migrations;

/// One value read from a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cell {
    /// SQL NULL.
    Null,
    /// Any integer column.
    Int(i64),
    /// A PostgreSQL `BOOLEAN`.
    Bool(bool),
    /// Text.
    Text(String),
}

impl Cell {
    fn kind(&self) -> &'static str {
        match self {
            Cell::Null => "NULL",
            Cell::Int(_) => "an integer",
            Cell::Bool(_) => "a boolean",
            Cell::Text(_) => "text",
        }
    }
}

/// A row, read by column name. Accessors take the value out (a row is read once, into a struct).
#[derive(Debug, Clone)]
pub(crate) struct Row {
    columns: Arc<[String]>,
    cells: Vec<Cell>,
}

impl Row {
    /// A row of `cells`, named by `columns` (same order).
    pub(crate) fn new(columns: Arc<[String]>, cells: Vec<Cell>) -> Row {
        Row { columns, cells }
    }

    fn take(&mut self, name: &str) -> DbResult<Cell> {
        let i = self
            .columns
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| DbError::Corrupt(format!("no column {name:?}")))?;
        self.cells
            .get_mut(i)
            .map(|cell| std::mem::replace(cell, Cell::Null))
            .ok_or_else(|| DbError::Corrupt(format!("no value for column {name:?}")))
    }

    fn wrong(name: &str, want: &str, got: &Cell) -> DbError {
        DbError::Corrupt(format!(
            "column {name:?}: {} where {want} was expected",
            got.kind()
        ))
    }

    /// A text column that is never NULL.
    pub(crate) fn text(&mut self, name: &str) -> DbResult<String> {
        match self.take(name)? {
            Cell::Text(s) => Ok(s),
            other => Err(Row::wrong(name, "text", &other)),
        }
    }

    /// A text column that may be NULL.
    pub(crate) fn opt_text(&mut self, name: &str) -> DbResult<Option<String>> {
        match self.take(name)? {
            Cell::Text(s) => Ok(Some(s)),
            Cell::Null => Ok(None),
            other => Err(Row::wrong(name, "text or NULL", &other)),
        }
    }

    /// An integer column that is never NULL.
    pub(crate) fn int(&mut self, name: &str) -> DbResult<i64> {
        match self.take(name)? {
            Cell::Int(v) => Ok(v),
            other => Err(Row::wrong(name, "an integer", &other)),
        }
    }

    /// An integer column that may be NULL.
    pub(crate) fn opt_int(&mut self, name: &str) -> DbResult<Option<i64>> {
        match self.take(name)? {
            Cell::Int(v) => Ok(Some(v)),
            Cell::Null => Ok(None),
            other => Err(Row::wrong(name, "an integer or NULL", &other)),
        }
    }

    /// A flag: a PostgreSQL `BOOLEAN` or a SQLite 0/1.
    pub(crate) fn flag(&mut self, name: &str) -> DbResult<bool> {
        match self.take(name)? {
            Cell::Bool(v) => Ok(v),
            Cell::Int(v) => Ok(v != 0),
            other => Err(Row::wrong(name, "a flag", &other)),
        }
    }
}

/// A connection (or a transaction on one) of one backend.
#[async_trait]
pub(crate) trait Conn: Send {
    /// Runs a statement and returns its rows (none for a write without `RETURNING`).
    async fn query(&mut self, sql: &Sql, args: &[Value<'_>]) -> DbResult<Vec<Row>>;

    /// Runs a statement and returns how many rows it changed.
    async fn execute(&mut self, sql: &Sql, args: &[Value<'_>]) -> DbResult<u64>;

    /// Runs statements in order, as one round trip where the backend can (PostgreSQL pipelines
    /// them); the rows of each.
    async fn pipeline(&mut self, steps: &[(&Sql, &[Value<'_>])]) -> DbResult<Vec<Vec<Row>>>;

    /// Runs a script of several statements without arguments (migrations).
    async fn script(&mut self, sql: &str) -> DbResult<()>;

    /// At most one row.
    async fn query_opt(&mut self, sql: &Sql, args: &[Value<'_>]) -> DbResult<Option<Row>> {
        Ok(self.query(sql, args).await?.into_iter().next())
    }

    /// Exactly one row.
    async fn query_one(&mut self, sql: &Sql, args: &[Value<'_>]) -> DbResult<Row> {
        self.query_opt(sql, args)
            .await?
            .ok_or_else(|| DbError::Corrupt(format!("{}: no row", sql.name)))
    }
}

/// What a transaction needs besides atomicity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Txn {
    /// Nothing more.
    Plain,
    /// It appends events: their sequence numbers must commit in the order they are handed out.
    Events,
    /// It applies migrations: one server at a time.
    Migrations,
}

/// How a backend runs work. `work` gets a connection; it runs either on a reader, or inside one
/// transaction that commits only if `work` returns `Ok`.
pub(crate) trait Backend: Send + Sync + 'static {
    /// `"sqlite"` or `"postgres"`.
    const NAME: &'static str;
    /// `(version, script)`, in order. Never edit a shipped migration.
    const MIGRATIONS: &'static [(i64, &'static str)];
    /// Creates the table that records applied migrations, if missing.
    const MIGRATIONS_TABLE: &'static str;

    /// Runs read-only work.
    fn read<T, F>(&self, work: F) -> impl Future<Output = DbResult<T>> + Send
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn Conn) -> BoxFut<'c, DbResult<T>> + Send + 'static;

    /// Runs work in one transaction.
    fn write<T, F>(&self, txn: Txn, work: F) -> impl Future<Output = DbResult<T>> + Send
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn Conn) -> BoxFut<'c, DbResult<T>> + Send + 'static;

    /// Inserts a checked submission with [`insert_dossier`](super::store::insert_dossier) in a
    /// [`Txn::Events`] transaction (PostgreSQL commits several together), with the status
    /// messages of `channels`.
    fn insert(
        &self,
        d: NewDossier,
        channels: OutboxChannels,
    ) -> impl Future<Output = DbResult<SubmitOutcome>> + Send;

    /// See [`Database::shared_lock`](super::Database::shared_lock). Default: nothing to lock (one
    /// process).
    fn shared_lock(&self, _key: &str) -> impl Future<Output = DbResult<SharedLock>> + Send {
        async { Ok(SharedLock::default()) }
    }

    /// See [`Database::listen_events`](super::Database::listen_events). Default: nobody else
    /// writes.
    fn listen_events(
        &self,
        _seen: &(dyn Fn(i64) + Send + Sync),
    ) -> impl Future<Output = DbResult<Listened>> + Send {
        async { Ok(Listened::Unsupported) }
    }
}
