//! The hand-off relay in a sync pass (see [`crate::handoff::relay`]): the sender's phone uploads
//! and offers its pending bundles and learns which were received; the receiver's phone claims,
//! downloads and imports the bundles whose QR it scanned, then tells the server. A network
//! failure ends the relay's part of this pass only (dossiers and visits are never held up); a
//! server older than protocol 1.3 is left alone.

use dvc_protocol::handoffs::{HandoffOffer, HANDOFF_KEEP_DAYS};
use dvc_protocol::ErrorCode;
use sha2::{Digest, Sha256};

use super::{AttemptError, Pass, Stop};
use crate::handoff::relay as store;
use crate::handoff::MAX_BUNDLE_BYTES;
use crate::sync::decide::{self, Disposition, Failure};

fn code(f: &Failure) -> Option<ErrorCode> {
    match f {
        Failure::Http { body, .. } => body.as_ref().and_then(|b| b.error_code()),
        Failure::Net(_) => None,
    }
}

impl Pass<'_> {
    pub(super) async fn relay_handoffs(&mut self) -> Result<(), Stop> {
        if self.api.speaks_handoffs() == Some(false) {
            return Ok(());
        }
        self.offer_handoffs().await?;
        self.learn_received().await?;
        self.fetch_handoffs().await?;
        self.acknowledge_handoffs().await?;
        if let Err(e) = self.core.handoff_sweep() {
            tracing::warn!(error = e.code(), "hand-off sweep failed");
        }
        Ok(())
    }

    /// A failure of a relay request: sign-in and update stop the pass; anything else ends the
    /// relay's part of it (counted as a failed attempt).
    fn relay_failed(&mut self, what: &str, f: &Failure) -> Result<(), Stop> {
        match decide::classify(f) {
            Disposition::SignInAgain => Err(Stop::SignIn),
            Disposition::UpdateApp => Err(Stop::UpdateApp),
            _ => {
                tracing::debug!(step = what, error = %f.describe(), "hand-off relay: not now");
                self.report.failed_attempts += 1;
                self.report.errors.push(f.describe());
                Ok(())
            }
        }
    }

    async fn offer_handoffs(&mut self) -> Result<(), Stop> {
        let store_ = self.core.store();
        for t in store_.read(store::to_offer)? {
            let path = store::out_path(self.core, &t.bundle_id);
            let bytes = match std::fs::read(&path) {
                Ok(b) if hex::encode(Sha256::digest(&b)) == t.sha256 => b,
                Ok(_) | Err(_) => {
                    // The copy is gone or damaged: the file still goes by hand.
                    tracing::warn!(bundle = %t.bundle_id, "hand-off copy missing or damaged");
                    store_.write(|tx| {
                        store::mark_refused(tx, &t.bundle_id, "handoff.relay_copy_lost")
                    })?;
                    store::remove_copy(self.core, &t.bundle_id);
                    continue;
                }
            };
            match self.upload_bytes(&t.sha256, &bytes, None, 0).await {
                Ok(_) => {}
                Err(AttemptError::Net(f)) => {
                    if matches!(
                        code(&f),
                        Some(ErrorCode::BlobTooLarge | ErrorCode::QuotaExceeded)
                    ) {
                        tracing::info!(bundle = %t.bundle_id, error = %f.describe(), "the server will not hold this hand-off");
                        store_.write(|tx| {
                            store::mark_refused(tx, &t.bundle_id, "handoff.relay_too_large")
                        })?;
                        store::remove_copy(self.core, &t.bundle_id);
                        continue;
                    }
                    self.relay_failed("upload", &f)?;
                    return Ok(());
                }
                Err(AttemptError::Quarantine(why)) => {
                    tracing::warn!(bundle = %t.bundle_id, reason = why, "hand-off upload refused");
                    return Ok(());
                }
                Err(AttemptError::Core(e)) => return Err(Stop::Core(e)),
            }
            let offer = HandoffOffer {
                sha256: t.sha256.clone(),
                size: bytes.len() as u64,
            };
            match self.api.offer_handoff(&t.bundle_id, &offer).await {
                Ok(_) => {
                    store_.write(|tx| store::mark_offered(tx, &t.bundle_id))?;
                    store::remove_copy(self.core, &t.bundle_id);
                    self.report.handoffs_offered += 1;
                    tracing::info!(bundle = %t.bundle_id, bytes = offer.size, "hand-off offered through the server");
                }
                Err(f) => {
                    if self.api.speaks_handoffs() == Some(false) {
                        return Ok(());
                    }
                    if code(&f) == Some(ErrorCode::DossierConflict) {
                        // 128 random bits taken by someone else: never in practice. Give up
                        // on the relay for this bundle; the file still works.
                        store_.write(|tx| {
                            store::mark_refused(tx, &t.bundle_id, "handoff.relay_conflict")
                        })?;
                        store::remove_copy(self.core, &t.bundle_id);
                        continue;
                    }
                    self.relay_failed("offer", &f)?;
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    async fn learn_received(&mut self) -> Result<(), Stop> {
        let store_ = self.core.store();
        let open = store_.read(store::offered)?;
        if open.is_empty() {
            return Ok(());
        }
        let list = match self.api.handoffs().await {
            Ok(l) => l,
            Err(f) => {
                self.relay_failed("list", &f)?;
                return Ok(());
            }
        };
        for (bundle_id, offered_at) in open {
            match list.handoffs.iter().find(|h| h.bundle_id == bundle_id) {
                Some(h) => {
                    if let Some(at) = &h.received_at {
                        store_.write(|tx| store::mark_received(tx, &bundle_id, at))?;
                        self.report.handoffs_received += 1;
                        tracing::info!(bundle = %bundle_id, "hand-off received by the citizen's phone");
                    }
                }
                None if older_than_keep(&offered_at) => {
                    store_.write(|tx| store::mark_expired(tx, &bundle_id))?;
                }
                None => {}
            }
        }
        Ok(())
    }

    async fn fetch_handoffs(&mut self) -> Result<(), Stop> {
        let store_ = self.core.store();
        for w in store_.read(store::waiting)? {
            let state = match self.api.claim_handoff(&w.bundle_id).await {
                Ok(s) => s,
                Err(f) if code(&f) == Some(ErrorCode::NotFound) => {
                    if store::waited_too_long(&w.added_at) {
                        store_
                            .write(|tx| store::mark_incoming(tx, &w.bundle_id, "expired", None))?;
                    } else {
                        self.report.handoffs_waiting += 1;
                    }
                    continue;
                }
                Err(f) => {
                    self.report.handoffs_waiting += 1;
                    self.relay_failed("claim", &f)?;
                    return Ok(());
                }
            };
            if state.size > MAX_BUNDLE_BYTES as u64 {
                store_.write(|tx| {
                    store::mark_incoming(tx, &w.bundle_id, "failed", Some("handoff.too_large"))
                })?;
                continue;
            }
            let bytes = match self.download(&state.sha256, state.size).await {
                Ok(b) => b,
                Err(f) => {
                    self.report.handoffs_waiting += 1;
                    self.relay_failed("download", &f)?;
                    return Ok(());
                }
            };
            let opened = if hex::encode(Sha256::digest(&bytes)) == state.sha256 {
                self.core.handoff_import(&bytes, w.secret.as_str())
            } else {
                Err(crate::error::CoreError::invalid(
                    "bundle",
                    "the downloaded bundle does not match its hash",
                    "handoff.corrupt",
                ))
            };
            store_.write(|tx| super::db::discard_download(tx, &state.sha256))?;
            match opened {
                Ok(got) => {
                    if got.imported {
                        self.report.handoffs_imported += 1;
                    }
                }
                Err(e) if e.message_key().starts_with("handoff.") => {
                    tracing::info!(bundle = %w.bundle_id, error = e.message_key(), "hand-off from the server refused");
                    store_.write(|tx| {
                        store::mark_incoming(tx, &w.bundle_id, "failed", Some(e.message_key()))
                    })?;
                }
                Err(e) => return Err(Stop::Core(e)),
            }
        }
        Ok(())
    }

    async fn acknowledge_handoffs(&mut self) -> Result<(), Stop> {
        let store_ = self.core.store();
        for bundle_id in store_.read(store::unacknowledged)? {
            // Claiming first makes it ours to acknowledge (a bundle that arrived as a file was
            // never claimed); nothing there is nothing to tell.
            let told = match self.api.claim_handoff(&bundle_id).await {
                Ok(_) => self.api.handoff_received(&bundle_id).await.map(|_| ()),
                Err(f) => Err(f),
            };
            match told {
                Ok(()) => {}
                Err(f) if code(&f) == Some(ErrorCode::NotFound) => {}
                Err(f) => {
                    self.relay_failed("received", &f)?;
                    return Ok(());
                }
            }
            store_.write(|tx| store::mark_acknowledged(tx, &bundle_id))?;
        }
        Ok(())
    }
}

/// Whether an offer made at `at` (RFC 3339) is past the server's keep time.
fn older_than_keep(at: &str) -> bool {
    time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .map(|t| time::OffsetDateTime::now_utc() - t > time::Duration::days(HANDOFF_KEEP_DAYS))
        .unwrap_or(false)
}
