//! The hand-off relay on the phones (protocol 1.3, [`dvc_protocol::handoffs`]): when the bundle
//! file cannot travel by hand, it goes through the sync server, which can never open it.
//!
//! **The volunteer's phone.** Making a bundle ([`Core::handoff_export`]) also keeps a copy of the
//! ciphertext in `handoff-out/<bundle id>.dvch` and marks the hand-off `pending`. The next sync
//! pass uploads it as an ordinary blob (resumable) and offers it under the bundle id; the copy is
//! then deleted (`offered`). Later passes ask the server which offers were received: a received
//! one is confirmed here ([`Core::handoff_confirm`]'s mark), and the app offers to delete the
//! person. A server that will not take the bundle (too large for its blob limit) marks it
//! `refused`: the file still goes by hand.
//!
//! **The citizen's phone.** Scanning the volunteer's QR ([`Core::handoff_receive`]) records the
//! key string (in the encrypted database, only until the bundle is opened or given up) as
//! `waiting`. Each sync pass claims the bundle by its id, downloads it (resumable), opens and
//! imports it ([`Core::handoff_import`], every check of a file import), erases the key and tells
//! the server, which then drops its copy. Not there yet (the volunteer's phone has not been
//! online): it keeps waiting, up to the server's keep time. A bundle that does not open (wrong
//! key, damaged, a person already here) is `failed` with the reason and its key erased.
//! Importing the same bundle from the file instead marks it here too, and the next pass tells
//! the server (claim + received without downloading), so its copy goes as well.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{BundleKey, HandoffImported};
use crate::dossier::now;
use crate::error::{CoreError, Result};
use crate::people::parse_id;
use crate::Core;

/// Folder (under the data directory) of bundles waiting to be uploaded.
pub const OUT_DIR: &str = "handoff-out";

/// Days a scanned key waits for its bundle (the server keeps an offer this long).
pub const WAIT_DAYS: i64 = dvc_protocol::handoffs::HANDOFF_KEEP_DAYS + 1;

/// The latest hand-off of a person, as the volunteer's phone knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HandoffStatus {
    pub bundle_id: String,
    pub person_id: String,
    pub created_at: String,
    pub documents: u32,
    pub dossiers: u32,
    pub bytes: u64,
    /// Where its copy for the server stands: `pending`, `offered`, `received`, `expired`,
    /// `refused`, or none (a file hand-off only).
    pub relay: Option<String>,
    /// Why the server would not take it (a message key).
    pub relay_error: Option<String>,
    pub offered_at: Option<String>,
    /// The citizen's phone has it (the server said so).
    pub received_at: Option<String>,
    pub confirmed_at: Option<String>,
}

/// A scanned hand-off on the receiving phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IncomingHandoff {
    pub bundle_id: String,
    /// `waiting`, `imported`, `failed` or `expired`.
    pub state: String,
    /// The person it brought (once imported).
    pub person_id: Option<String>,
    pub documents: u32,
    pub dossiers: u32,
    /// Why it failed (a message key such as `handoff.wrong_key`).
    pub error: Option<String>,
    pub added_at: String,
    pub updated_at: String,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> CoreError {
    tracing::warn!(error = %e, what, "hand-off copy");
    CoreError::DataDir {
        path: path.to_path_buf(),
        source: e,
    }
}

pub(crate) fn out_path(core: &Core, bundle_id: &str) -> PathBuf {
    core.data_dir()
        .join(OUT_DIR)
        .join(format!("{bundle_id}.dvch"))
}

/// Keeps the ciphertext for the relay (written whole and synced before the row says so).
pub(super) fn keep_copy(core: &Core, bundle_id: &str, file: &[u8]) -> Result<String> {
    let dir = core.data_dir().join(OUT_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| io("create", &dir, e))?;
    let path = out_path(core, bundle_id);
    let tmp = path.with_extension("part");
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(file)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        std::fs::File::open(&dir)?.sync_all()
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io("write", &path, e)
    })?;
    Ok(hex::encode(Sha256::digest(file)))
}

/// Removes the relay copy of a bundle, if any.
pub(crate) fn remove_copy(core: &Core, bundle_id: &str) {
    let path = out_path(core, bundle_id);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(error = %e, "hand-off copy not removed; the next sweep retries"),
    }
}

/// A hand-off whose copy waits to be uploaded and offered.
#[derive(Debug, Clone)]
pub(crate) struct ToOffer {
    pub bundle_id: String,
    pub sha256: String,
}

pub(crate) fn to_offer(c: &Connection) -> Result<Vec<ToOffer>> {
    let mut st = c.prepare(
        "SELECT bundle_id, relay_sha256 FROM handoffs
         WHERE relay = 'pending' AND relay_sha256 IS NOT NULL ORDER BY created_at, bundle_id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(ToOffer {
            bundle_id: r.get(0)?,
            sha256: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn mark_offered(tx: &Transaction<'_>, bundle_id: &str) -> Result<()> {
    tx.execute(
        "UPDATE handoffs SET relay = 'offered', offered_at = ?2 WHERE bundle_id = ?1",
        params![bundle_id, now()],
    )?;
    Ok(())
}

pub(crate) fn mark_refused(tx: &Transaction<'_>, bundle_id: &str, why: &str) -> Result<()> {
    tx.execute(
        "UPDATE handoffs SET relay = 'refused', relay_error = ?2 WHERE bundle_id = ?1",
        params![bundle_id, why],
    )?;
    Ok(())
}

/// Offers not yet received: (bundle id, offered at).
pub(crate) fn offered(c: &Connection) -> Result<Vec<(String, String)>> {
    let mut st = c.prepare(
        "SELECT bundle_id, coalesce(offered_at, created_at) FROM handoffs
         WHERE relay = 'offered' ORDER BY created_at",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The citizen's phone has it: received, and confirmed (the app then offers to delete).
pub(crate) fn mark_received(tx: &Transaction<'_>, bundle_id: &str, at: &str) -> Result<()> {
    tx.execute(
        "UPDATE handoffs SET relay = 'received', received_at = ?2,
                confirmed_at = coalesce(confirmed_at, ?3)
         WHERE bundle_id = ?1",
        params![bundle_id, at, now()],
    )?;
    Ok(())
}

pub(crate) fn mark_expired(tx: &Transaction<'_>, bundle_id: &str) -> Result<()> {
    tx.execute(
        "UPDATE handoffs SET relay = 'expired' WHERE bundle_id = ?1 AND relay = 'offered'",
        [bundle_id],
    )?;
    Ok(())
}

/// A scanned key waiting for its bundle.
pub(crate) struct Waiting {
    pub bundle_id: String,
    pub secret: Zeroizing<String>,
    pub added_at: String,
}

pub(crate) fn waiting(c: &Connection) -> Result<Vec<Waiting>> {
    let mut st = c.prepare(
        "SELECT bundle_id, secret, added_at FROM handoff_incoming
         WHERE state = 'waiting' AND secret IS NOT NULL ORDER BY added_at, bundle_id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(Waiting {
            bundle_id: r.get(0)?,
            secret: Zeroizing::new(r.get(1)?),
            added_at: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Arrived bundles the server has not been told about.
pub(crate) fn unacknowledged(c: &Connection) -> Result<Vec<String>> {
    let mut st = c.prepare(
        "SELECT bundle_id FROM handoff_incoming
         WHERE state = 'imported' AND acknowledged = 0 ORDER BY updated_at",
    )?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn mark_acknowledged(tx: &Transaction<'_>, bundle_id: &str) -> Result<()> {
    tx.execute(
        "UPDATE handoff_incoming SET acknowledged = 1, updated_at = ?2 WHERE bundle_id = ?1",
        params![bundle_id, now()],
    )?;
    Ok(())
}

/// Gives up on a scanned key: the key is erased, the reason kept.
pub(crate) fn mark_incoming(
    tx: &Transaction<'_>,
    bundle_id: &str,
    state: &str,
    error: Option<&str>,
) -> Result<()> {
    tx.execute(
        "UPDATE handoff_incoming SET state = ?2, error = ?3, secret = NULL, acknowledged = 1,
                updated_at = ?4
         WHERE bundle_id = ?1 AND state = 'waiting'",
        params![bundle_id, state, error, now()],
    )?;
    Ok(())
}

/// Whether a scanned key has waited longer than the server keeps a bundle.
pub(crate) fn waited_too_long(added_at: &str) -> bool {
    let Ok(added) =
        time::OffsetDateTime::parse(added_at, &time::format_description::well_known::Rfc3339)
    else {
        return false;
    };
    time::OffsetDateTime::now_utc() - added > time::Duration::days(WAIT_DAYS)
}

fn incoming_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<IncomingHandoff> {
    Ok(IncomingHandoff {
        bundle_id: r.get(0)?,
        state: r.get(1)?,
        person_id: r.get(2)?,
        documents: r.get(3)?,
        dossiers: r.get(4)?,
        error: r.get(5)?,
        added_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

const INCOMING_COLS: &str =
    "bundle_id, state, person_id, documents, dossiers, error, added_at, updated_at";

fn incoming(c: &Connection, bundle_id: &str) -> Result<Option<IncomingHandoff>> {
    Ok(c.query_row(
        &format!("SELECT {INCOMING_COLS} FROM handoff_incoming WHERE bundle_id = ?1"),
        [bundle_id],
        incoming_row,
    )
    .optional()?)
}

/// Records an imported bundle on the receiving phone (from a file or the relay): the key, if it
/// was waiting, is erased; the server is told by the next pass.
pub(super) fn note_imported(tx: &Transaction<'_>, got: &HandoffImported) -> Result<()> {
    let ts = now();
    let docs = u32::try_from(got.documents).unwrap_or(u32::MAX);
    let dossiers = u32::try_from(got.dossiers).unwrap_or(u32::MAX);
    tx.execute(
        "INSERT INTO handoff_incoming (bundle_id, secret, state, person_id, documents, dossiers,
                                       acknowledged, added_at, updated_at)
         VALUES (?1, NULL, 'imported', ?2, ?3, ?4, 0, ?5, ?5)
         ON CONFLICT (bundle_id) DO UPDATE SET
             secret = NULL, state = 'imported', person_id = excluded.person_id,
             documents = max(handoff_incoming.documents, excluded.documents),
             dossiers = max(handoff_incoming.dossiers, excluded.dossiers),
             error = NULL, updated_at = excluded.updated_at
         WHERE handoff_incoming.state <> 'imported'",
        params![got.bundle_id, got.person_id, docs, dossiers, ts],
    )?;
    Ok(())
}

impl Core {
    /// The latest hand-off of a person on this (the volunteer's) phone, if any (the person must
    /// exist).
    pub fn handoff_status(&self, person_id: &str) -> Result<Option<HandoffStatus>> {
        let pid = parse_id(person_id, "person")?;
        crate::people::get(self.store(), &pid)?;
        Ok(self.store().read(|c| {
            c.query_row(
                "SELECT bundle_id, person_id, created_at, documents, dossiers, bytes, relay,
                        relay_error, offered_at, received_at, confirmed_at
                 FROM handoffs WHERE person_id = ?1 ORDER BY rowid DESC LIMIT 1",
                [&pid],
                |r| {
                    Ok(HandoffStatus {
                        bundle_id: r.get(0)?,
                        person_id: r.get(1)?,
                        created_at: r.get(2)?,
                        documents: r.get(3)?,
                        dossiers: r.get(4)?,
                        bytes: u64::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
                        relay: r.get(6)?,
                        relay_error: r.get(7)?,
                        offered_at: r.get(8)?,
                        received_at: r.get(9)?,
                        confirmed_at: r.get(10)?,
                    })
                },
            )
            .optional()
        })?)
    }

    /// The citizen scanned the volunteer's hand-off QR: the key waits here (encrypted) until the
    /// next sync pass brings the bundle from the server. Scanning the same code again, or one
    /// whose bundle is already here, changes nothing. A malformed code is
    /// `handoff.key_invalid`.
    pub fn handoff_receive(&self, key: &str) -> Result<IncomingHandoff> {
        let parsed = BundleKey::parse(key.trim())?;
        let bundle_id = parsed.bundle_id();
        let canonical = parsed.to_key_string();
        let ts = now();
        let out = self.store().write(|tx| -> Result<IncomingHandoff> {
            let imported_before: Option<(String, i64, i64)> = tx
                .query_row(
                    "SELECT person_id, documents, dossiers FROM handoff_imports
                     WHERE bundle_id = ?1",
                    [&bundle_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            if let Some((person_id, documents, dossiers)) = imported_before {
                note_imported(
                    tx,
                    &HandoffImported {
                        bundle_id: bundle_id.clone(),
                        person_id,
                        imported: false,
                        already_imported: true,
                        documents: usize::try_from(documents).unwrap_or(0),
                        dossiers: usize::try_from(dossiers).unwrap_or(0),
                    },
                )?;
            } else {
                tx.execute(
                    "INSERT INTO handoff_incoming (bundle_id, secret, state, added_at, updated_at)
                     VALUES (?1, ?2, 'waiting', ?3, ?3)
                     ON CONFLICT (bundle_id) DO NOTHING",
                    params![bundle_id, canonical.as_str(), ts],
                )?;
            }
            incoming(tx, &bundle_id)?.ok_or_else(|| {
                super::internal(
                    "handoff_incoming",
                    "the row vanished in its own transaction",
                )
            })
        })?;
        tracing::info!(bundle = %out.bundle_id, state = %out.state, "hand-off code scanned");
        Ok(out)
    }

    /// Every scanned hand-off on this phone, newest first.
    pub fn handoff_incoming(&self) -> Result<Vec<IncomingHandoff>> {
        self.store().read(|c| -> Result<Vec<IncomingHandoff>> {
            let mut st = c.prepare(&format!(
                "SELECT {INCOMING_COLS} FROM handoff_incoming ORDER BY added_at DESC, bundle_id"
            ))?;
            let rows = st.query_map([], incoming_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Removes relay copies no hand-off waits to send (its row went with the person, or it was
    /// already offered). Cheap; run at each sync pass.
    pub fn handoff_sweep(&self) -> Result<usize> {
        let dir = self.data_dir().join(OUT_DIR);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(0);
        };
        let keep: Vec<String> = self
            .store()
            .read(to_offer)?
            .into_iter()
            .map(|t| format!("{}.dvch", t.bundle_id))
            .collect();
        let mut removed = 0;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !keep.contains(&name) {
                match std::fs::remove_file(e.path()) {
                    Ok(()) => removed += 1,
                    Err(err) => tracing::warn!(error = %err, "stale hand-off copy not removed"),
                }
            }
        }
        Ok(removed)
    }
}
