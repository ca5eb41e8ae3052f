//! `dvc-sync`: the DVC Đồng Hành sync server.
//!
//! Receives dossiers from phones (idempotently, with resumable content-addressed blob uploads),
//! issues dossier codes, lets officers move dossiers along in a server-rendered console, and feeds
//! status events back. Storage is behind [`db::Database`]: SQLite by default (embedded, WAL) or
//! PostgreSQL. Wire types live in [`dvc_protocol`].

pub mod api;
pub mod auth;
pub mod blobstore;
pub mod catalog;
pub mod cleanup;
pub mod client_ip;
pub mod clock;
pub mod config;
pub mod console;
pub mod db;
pub mod deadlines;
pub mod domain;
pub mod error;
pub mod extract;
pub mod feed;
pub mod field_work;
pub mod identity;
pub mod limits;
pub mod metrics;
pub mod notify;
pub mod otp;
pub mod seed;
pub mod server;
pub mod state;
#[cfg(feature = "test-support")]
pub mod test_support;
