//! The periodic clean-up: applies [`crate::config::Retention`] every `interval` (the policy is
//! written out in the README). Rows go first, in one transaction; their files are queued and
//! deleted by a later pass, only if no row for the same file has come back meanwhile and the file
//! was not written again since — so an upload of the same bytes that finishes at the same moment
//! keeps its file.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::blobstore::Removal;
use crate::db::{Cutoffs, DbResult, Expired};
use crate::state::AppState;

/// Most blobs dropped, and most queued files handled, in one pass (the rest wait for the next).
pub const BATCH: i64 = 1000;

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Rows removed.
    pub expired: Expired,
    /// Files deleted (queued by an earlier pass).
    pub files_removed: u64,
    /// Queued files kept: a row for them came back, or they were written again.
    pub files_kept: u64,
    /// Consents that expired since the last pass (each got its `consent_expired` audit row).
    pub consents_expired: u64,
}

fn at(unix_ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(unix_ms).unwrap_or(0))
}

/// One pass, now.
pub async fn run_once(st: &AppState) -> DbResult<Report> {
    let now = st.clock.now_ms();
    let r = st.cfg.retention;
    let cut = Cutoffs {
        uploads_idle_since: now.saturating_sub(r.open_upload_ms),
        registrations_expired_before: now.saturating_sub(r.expired_registration_ms),
        tokens_dead_before: now.saturating_sub(r.dead_token_ms),
        codes_expired_before: now,
        counters_expired_before: now,
        messages_sent_before: now.saturating_sub(r.sent_message_ms),
        blobs_unused_since: r.finished_attachments_ms.map(|ms| now.saturating_sub(ms)),
        blob_limit: BATCH,
    };
    let mut report = Report {
        expired: st.db.expire(&cut, now).await?,
        consents_expired: st.db.note_expired_consents(now).await?,
        ..Report::default()
    };
    let due = st
        .db
        .due_file_deletions(now.saturating_sub(r.file_grace_ms), BATCH)
        .await?;
    for d in due {
        if d.in_use {
            st.db.file_deletion_done(d.kind, &d.name).await?;
            report.files_kept += 1;
            continue;
        }
        match st
            .blobs
            .remove_if_older(d.kind, &d.name, at(d.queued_at))
            .await
        {
            Ok(Removal::Removed) => {
                st.db.file_deletion_done(d.kind, &d.name).await?;
                report.files_removed += 1;
            }
            Ok(Removal::Missing) => st.db.file_deletion_done(d.kind, &d.name).await?,
            Ok(Removal::Newer) => {
                // Written after its row went: a fresh copy whose row is still on its way (or never
                // came, after a crash). Look again later.
                st.db.requeue_file_deletion(d.kind, &d.name, now).await?;
                report.files_kept += 1;
            }
            Err(err) => {
                tracing::warn!(kind = d.kind.as_str(), error = %err, "clean-up could not delete a file; will retry");
            }
        }
    }
    Ok(report)
}

/// Runs [`run_once`] every `retention.interval` (the first pass a minute after start, or sooner if
/// the interval is shorter) until `stop` turns true. A zero interval turns the clean-up off.
pub async fn run_periodically(st: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let every = st.cfg.retention.interval;
    if every.is_zero() {
        return;
    }
    let mut next = tokio::time::Instant::now() + every.min(Duration::from_secs(60));
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(next) => {}
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return;
                }
                continue;
            }
        }
        match run_once(&st).await {
            Ok(r) => tracing::info!(
                uploads = r.expired.uploads,
                registrations = r.expired.registrations,
                tokens = r.expired.tokens,
                codes = r.expired.codes,
                counters = r.expired.counters,
                messages = r.expired.messages,
                blobs = r.expired.blobs,
                handoffs = r.expired.handoffs,
                files_removed = r.files_removed,
                files_kept = r.files_kept,
                "clean-up pass"
            ),
            Err(err) => tracing::warn!(error = %err, "clean-up pass failed; will retry"),
        }
        next = tokio::time::Instant::now() + every;
    }
}
