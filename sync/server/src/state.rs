//! Shared server state.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::blobstore::BlobStore;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::feed::Feed;
use crate::metrics::Metrics;
use crate::notify::Notifiers;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The contents of [`AppState`].
pub struct Inner {
    /// Storage.
    pub db: Db,
    /// Blob bytes.
    pub blobs: Arc<dyn BlobStore>,
    /// Limits and policies.
    pub cfg: Config,
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// Long-poll wake-ups.
    pub feed: Feed,
    /// Counters.
    pub metrics: Metrics,
    /// Message senders: one-time codes and the outbox's channels.
    pub notify: Notifiers,
    /// How the console's "Kiểm tra danh tính" step checks an applicant ([`crate::identity`]).
    pub identity: Arc<dyn crate::identity::IdentityCheck>,
    /// One lock per upload (in this process; see [`AppState::lock_upload`] for the one shared
    /// with the other processes on the database).
    pub upload_locks: KeyedLocks,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Builds the state.
    pub fn new(
        db: Db,
        blobs: Arc<dyn BlobStore>,
        cfg: Config,
        clock: Arc<dyn Clock>,
        notify: Notifiers,
        start_seq: i64,
    ) -> Self {
        db.set_outbox_channels(&notify.channels());
        crate::auth::warm_up();
        AppState(Arc::new(Inner {
            db,
            blobs,
            cfg,
            clock,
            feed: Feed::new(start_seq),
            metrics: Metrics::default(),
            notify,
            identity: Arc::new(crate::identity::ManualIdentityCheck),
            upload_locks: KeyedLocks::default(),
        }))
    }
}

impl AppState {
    /// Locks an account's upload of a hash (`key` from `api::uploads::lock_key`) against every
    /// request of every server process on this database: first this process's lock (cheap, and
    /// it keeps this process's waiters off the database), then the database's shared lock
    /// (PostgreSQL: an advisory lock; SQLite: nothing more, one process by nature). Two
    /// replicas PATCHing one upload can then never interleave chunks, in the S3 store or on disk.
    pub async fn lock_upload(&self, key: &str) -> Result<UploadLock, crate::db::DbError> {
        let local = self.upload_locks.lock(key).await;
        let shared = self.db.shared_lock(key).await?;
        Ok(UploadLock {
            _shared: shared,
            _local: local,
        })
    }

    /// A handle that does not keep the state alive (background tasks stop when it is gone).
    pub fn downgrade(&self) -> std::sync::Weak<Inner> {
        Arc::downgrade(&self.0)
    }

    /// The state again, if it is still alive.
    pub fn upgrade(weak: &std::sync::Weak<Inner>) -> Option<AppState> {
        weak.upgrade().map(AppState)
    }
}

/// Both locks of an upload ([`AppState::lock_upload`]); the shared one is released first.
#[must_use = "the upload is unlocked when this is dropped"]
pub struct UploadLock {
    _shared: crate::db::SharedLock,
    _local: tokio::sync::OwnedMutexGuard<()>,
}

/// Async mutexes by key, dropped when unused.
#[derive(Default)]
pub struct KeyedLocks {
    map: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl KeyedLocks {
    /// Locks `key` until the guard is dropped.
    pub async fn lock(&self, key: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let m = {
            let mut map = match self.map.lock() {
                Ok(m) => m,
                Err(poisoned) => poisoned.into_inner(),
            };
            if map.len() > 10_000 {
                map.retain(|_, m| Arc::strong_count(m) > 1);
            }
            Arc::clone(map.entry(key.to_owned()).or_default())
        };
        m.lock_owned().await
    }
}
