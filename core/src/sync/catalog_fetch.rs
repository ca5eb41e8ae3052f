//! Catalog updates in a sync pass: ask the server for its newest catalog bundle and, when it is
//! newer than the stored catalog, download it (resumable like result files: the bytes held so far
//! are kept across passes and the download continues with `Range`), check the bytes against the
//! announced SHA-256 and size cap, and apply it ([`crate::catalog::apply_bundle`]: signature,
//! version, parse, one transaction). Best effort: a network failure leaves the catalog as it is
//! for the next pass, and nothing here fails the pass. A refused bundle is recorded (Settings
//! shows why) and not downloaded again.

use std::cmp::Ordering;

use sha2::{Digest, Sha256};

use super::{db, Pass, Stop};
use crate::catalog::signed::{self, BundleError};
use crate::catalog::{self, compare_versions};

/// `sync_kv`: the SHA-256 of the last bundle refused (not fetched again).
const KEY_REFUSED: &str = "catalog_refused_sha256";
/// `sync_kv`: when the server was last asked (checks are spaced by `catalog_check_every`).
const KEY_CHECKED_AT: &str = "catalog_checked_at";
/// `sync_kv`: a bundle download under way (continued at the next pass, whatever the spacing).
const KEY_DOWNLOADING: &str = "catalog_downloading";

impl Pass<'_> {
    pub(super) async fn fetch_catalog(&mut self) -> Result<(), Stop> {
        let store = self.core.store();
        let now = time::OffsetDateTime::now_utc();
        let recent = db::get(store, KEY_CHECKED_AT)?
            .and_then(|t| {
                time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).ok()
            })
            .is_some_and(|at| {
                let age = now - at;
                age >= time::Duration::ZERO && age.unsigned_abs() < self.cfg.catalog_check_every
            });
        let downloading = db::get(store, KEY_DOWNLOADING)?.is_some();
        if recent && !downloading {
            return Ok(());
        }
        let latest = match self.api.catalog_latest().await {
            Ok(Some(l)) => l,
            Ok(None) => return Ok(()),
            Err(f) => {
                tracing::info!(failure = %f.describe(), "catalog check skipped this pass");
                return Ok(());
            }
        };
        db::set(store, KEY_CHECKED_AT, &crate::dossier::now())?;
        if let Some(stored) = catalog::stored_version(store)? {
            if compare_versions(&latest.version, &stored) != Some(Ordering::Greater) {
                return Ok(());
            }
        }
        if !dvc_protocol::blobs::is_sha256_hex(&latest.sha256)
            || !dvc_protocol::catalog::is_version(&latest.version)
        {
            tracing::warn!("catalog announcement malformed; ignored");
            return Ok(());
        }
        if db::get(store, KEY_REFUSED)?.as_deref() == Some(latest.sha256.as_str()) {
            return Ok(());
        }
        if latest.size > signed::MAX_BUNDLE_BYTES {
            self.refuse(
                &latest.version,
                &latest.sha256,
                &BundleError::Oversize {
                    size: latest.size,
                    max: signed::MAX_BUNDLE_BYTES,
                },
            )?;
            return Ok(());
        }
        let path =
            dvc_protocol::paths::fill(dvc_protocol::paths::CATALOG_BUNDLE, &[&latest.version]);
        db::set(store, KEY_DOWNLOADING, &latest.sha256)?;
        let bytes = match self.download_from(&path, &latest.sha256, latest.size).await {
            Ok(b) => b,
            Err(f) => {
                // What arrived is kept; the next pass continues from there.
                tracing::info!(failure = %f.describe(), "catalog download interrupted");
                return Ok(());
            }
        };
        store.write(|tx| {
            db::discard_download(tx, &latest.sha256)?;
            tx.execute("DELETE FROM sync_kv WHERE key = ?1", [KEY_DOWNLOADING])?;
            Ok::<_, crate::error::CoreError>(())
        })?;
        if bytes.len() as u64 != latest.size || hex::encode(Sha256::digest(&bytes)) != latest.sha256
        {
            let e = if (bytes.len() as u64) < latest.size {
                BundleError::Truncated {
                    got: bytes.len() as u64,
                    want: latest.size,
                }
            } else {
                BundleError::Tampered
            };
            self.refuse(&latest.version, &latest.sha256, &e)?;
            return Ok(());
        }
        let keys = match &self.cfg.catalog_keys {
            Some(raw) => raw
                .iter()
                .filter_map(|k| ed25519_dalek::VerifyingKey::from_bytes(k).ok())
                .collect(),
            None => signed::trusted_keys(),
        };
        match catalog::apply_bundle(store, &bytes, &keys) {
            Ok(o) => {
                tracing::info!(version = %o.version, "catalog updated from the server");
            }
            Err(e) => {
                // apply_bundle recorded why.
                db::set(store, KEY_REFUSED, &latest.sha256)?;
                tracing::warn!(reason = e.code(), "catalog bundle refused");
            }
        }
        Ok(())
    }

    fn refuse(&mut self, version: &str, sha256: &str, e: &BundleError) -> Result<(), Stop> {
        catalog::record_refusal(self.core.store(), version, e);
        db::set(self.core.store(), KEY_REFUSED, sha256)?;
        Ok(())
    }
}
