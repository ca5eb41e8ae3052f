//! The sync client: sends every queued dossier exactly once over a bad link, resumes uploads,
//! pulls status back.
//!
//! - [`decide`]: pure decisions (failure classes, backoff, chunks, shown state), tested alone.
//! - [`client`]: the HTTP calls of `dvc-protocol`, failures as [`decide::Failure`].
//! - [`runner`]: per outbox entry, in order: freeze the manifest (built once, sent byte-identical
//!   on every retry), ask which blobs the server lacks, upload only those in checksummed chunks
//!   resuming at the server's offset, `PUT` the manifest under the entry's idempotency key, then
//!   store code + state in the transaction that marks the entry done. A dossier that fails for
//!   good is quarantined with a reason; one that keeps failing for now is left for the next run —
//!   neither holds up the others. Then the event feed is pulled (events applied and the cursor
//!   advanced in one transaction).
//! - [`push`]: with a server of protocol 1.1 or later, an attempt is one request instead
//!   (`POST /v1/push`: the blobs in checksummed frames from the server's offsets, the manifest
//!   under the same idempotency key, the events after the cursor in the answer); a server of 1.0
//!   answers the route with 404 and the runner keeps to the routes above for the pass.
//! - [`account`]: sign in / register; the token lives in the keystore ([`crate::secrets`]),
//!   never in SQLite or logs.
//! - [`db`]: the rows (migrations 0005 and 0006).
//! - [`actions`]: after submission — cancel, payment claim, rating and resubmission queued on
//!   the device and sent by the runner in order per dossier (each exactly once in effect); the
//!   runner also downloads announced result files (resumable, hash-verified) into the
//!   applicant's documents, exactly once. [`actions::dossier_detail`] shows it all.
//! - [`papers`]: papers the agency scanned into a dossier's record (protocol 1.4 `paper_kept`
//!   events), listed as "Giấy tờ cơ quan lưu".

pub mod account;
pub mod actions;
pub mod client;
pub mod consent;
pub mod db;
pub mod decide;
pub mod lookup;
pub mod manifest;
pub mod papers;
pub mod push;
pub mod restore;
pub mod runner;
pub mod team;

use serde::Serialize;

use crate::error::CoreError;

pub use actions::{ActionQueued, DossierDetail};
pub use client::Timeouts;
pub use db::{FeeRequest, TimelineEntry, Tracked};
pub use decide::Backoff;
pub use runner::{Phase, Progress, SyncConfig, SyncReport};

/// Why a sync or sign-in could not run.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("invalid server address: {0}")]
    BadUrl(String),
    #[error("not signed in to a sync server: run `dvc login` first")]
    NotSignedIn,
    #[error("no receiving agency code configured: pass --agency once")]
    NoAgency,
    #[error("the server refused: {code} {name}")]
    Refused { code: String, name: String },
    #[error("cannot reach the server: {0}")]
    Network(String),
    #[error("this app version is too old for the server: update the app")]
    UpdateApp,
    #[error(
        "Phiên đăng nhập đã hết hoặc thiết bị đã bị đăng xuất — hãy đăng nhập lại \
         (the session expired or this device was signed out: sign in again)"
    )]
    SessionExpired,
}

impl SyncError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Core(e) => e.code(),
            Self::BadUrl(_) => "sync_bad_url",
            Self::NotSignedIn => "sync_not_signed_in",
            Self::NoAgency => "sync_no_agency",
            Self::Refused { .. } => "sync_refused",
            Self::Network(_) => "sync_network",
            Self::UpdateApp => "sync_update_app",
            Self::SessionExpired => "sync_session_expired",
        }
    }

    /// Key of the plain-language message the UI shows.
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::Core(e) => e.message_key(),
            Self::BadUrl(_) => "sync.error.bad_url",
            Self::NotSignedIn => "sync.error.not_signed_in",
            Self::NoAgency => "sync.error.no_agency",
            Self::Refused { code, .. } if code == "401.2" => "sync.error.wrong_password",
            Self::Refused { code, .. } if code == "429.1" => "sync.error.rate_limited",
            Self::Refused { code, .. } if code == "400.5" => "sync.error.wrong_code",
            Self::Refused { code, .. } if code == "403.10" => "sync.error.consent_by_code_off",
            Self::Refused { .. } => "sync.error.refused",
            Self::Network(_) => "sync.error.network",
            Self::UpdateApp => "sync.error.update_app",
            Self::SessionExpired => "sync.error.session_expired",
        }
    }

    /// The user (or script) can fix this by changing the input.
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::Core(e) => e.is_bad_input(),
            Self::BadUrl(_)
            | Self::NotSignedIn
            | Self::NoAgency
            | Self::Refused { .. }
            | Self::SessionExpired => true,
            Self::Network(_) | Self::UpdateApp => false,
        }
    }
}

impl From<crate::secrets::SecretsError> for SyncError {
    fn from(e: crate::secrets::SecretsError) -> Self {
        SyncError::Core(e.into())
    }
}

impl From<rusqlite::Error> for SyncError {
    fn from(e: rusqlite::Error) -> Self {
        SyncError::Core(e.into())
    }
}

/// Where the queue stands (sync screen header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    pub server: Option<String>,
    pub signed_in: bool,
    /// The server refused the token (expired, or this device was signed out from another one):
    /// the app asks to sign in again.
    pub session_expired: bool,
    pub pending: i64,
    pub done: i64,
    pub quarantined: i64,
    pub last_success_at: Option<String>,
}

impl crate::Core {
    /// Queue counts, server and last successful sync.
    pub fn sync_status(&self) -> Result<SyncStatus, SyncError> {
        let (pending, done, quarantined) = db::outbox_counts(self.store())?;
        Ok(SyncStatus {
            server: db::get(self.store(), db::KEY_SERVER)?,
            signed_in: self.secrets().get(account::TOKEN_SECRET)?.is_some()
                && db::current_account(self.store())?.is_some(),
            session_expired: db::get(self.store(), db::KEY_SESSION_EXPIRED)?.is_some(),
            pending,
            done,
            quarantined,
            last_success_at: db::get(self.store(), db::KEY_LAST_SYNC)?,
        })
    }

    /// Every dossier with its code, shown state and quarantine reason.
    pub fn tracked_dossiers(&self) -> Result<Vec<Tracked>, SyncError> {
        Ok(db::tracked_list(self.store())?)
    }

    /// One dossier with its timeline.
    pub fn tracked_dossier(&self, id: &str) -> Result<Tracked, SyncError> {
        Ok(db::tracked(self.store(), id)?)
    }

    /// Puts a quarantined dossier, and its set-aside actions, back in the queue ("Thử lại").
    pub fn sync_retry(&self, dossier_id: &str) -> Result<bool, SyncError> {
        let dossier = db::requeue(self.store(), dossier_id)?;
        let actions = db::requeue_actions(self.store(), dossier_id)?;
        Ok(dossier || actions > 0)
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod tests_after;
