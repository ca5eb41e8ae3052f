//! The sync client's rows: key/values (server, account, cursor), frozen manifests, the server's
//! answer per dossier and the timeline. Every function is one transaction or one read.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use dvc_protocol::dossiers::{DossierReceipt, DossierState};
use dvc_protocol::events::{Event, EventsPage};

use crate::dossier::now;
use crate::error::{CoreError, Result};
use crate::store::Store;

pub const KEY_SERVER: &str = "server_url";
pub const KEY_ACCOUNT: &str = "account_id";
pub const KEY_ROLE: &str = "account_role";
pub const KEY_CURSOR: &str = "events_cursor";
pub const KEY_LAST_SYNC: &str = "last_success_at";

pub fn kv_get(c: &Connection, key: &str) -> Result<Option<String>> {
    Ok(
        c.query_row("SELECT value FROM sync_kv WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

pub fn kv_set(tx: &Transaction<'_>, key: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO sync_kv (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![key, value, now()],
    )?;
    Ok(())
}

pub fn get(store: &Store, key: &str) -> Result<Option<String>> {
    store.read(|c| kv_get(c, key))
}

pub fn set(store: &Store, key: &str, value: &str) -> Result<()> {
    store.write(|tx| kv_set(tx, key, value))
}

/// Records a sign-in. A different server than before starts the event feed from the beginning.
pub fn signed_in(store: &Store, server: &str, account_id: &str, role: &str) -> Result<()> {
    store.write(|tx| -> Result<()> {
        if kv_get(tx, KEY_SERVER)?.as_deref() != Some(server) {
            tx.execute("DELETE FROM sync_kv WHERE key = ?1", [KEY_CURSOR])?;
        }
        kv_set(tx, KEY_SERVER, server)?;
        kv_set(tx, KEY_ACCOUNT, account_id)?;
        kv_set(tx, KEY_ROLE, role)
    })
}

/// One file of a frozen manifest: where its plaintext comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub document_id: String,
    pub sha256: String,
    pub size: u64,
}

/// An outbox entry ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Frozen {
    pub outbox_id: String,
    pub dossier_id: String,
    pub remote_uuid: String,
    pub manifest_json: String,
    pub files: Vec<FileRef>,
    pub payload_bytes: u64,
    pub attempts: i64,
}

/// The frozen manifest of an outbox entry, if built already.
pub fn frozen(store: &Store, outbox_id: &str) -> Result<Option<(String, Vec<FileRef>, u64)>> {
    store.read(|c| -> Result<Option<(String, Vec<FileRef>, u64)>> {
        let row: Option<(String, String, i64)> = c
            .query_row(
                "SELECT manifest, files, payload_bytes FROM sync_manifests WHERE outbox_id = ?1",
                [outbox_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        match row {
            None => Ok(None),
            Some((m, f, p)) => {
                let files: Vec<FileRef> = serde_json::from_str(&f).map_err(|e| {
                    CoreError::invalid("files", format!("stored file list: {e}"), "errors.internal")
                })?;
                Ok(Some((m, files, u64::try_from(p).unwrap_or(0))))
            }
        }
    })
}

/// Stores the manifest the first time; a concurrent first build keeps the one already stored and
/// returns it (so every retry sends the same bytes).
pub fn freeze(
    store: &Store,
    outbox_id: &str,
    manifest_json: &str,
    files: &[FileRef],
    payload_bytes: u64,
) -> Result<()> {
    let files_json = serde_json::to_string(files).map_err(|e| {
        CoreError::invalid("files", format!("encode file list: {e}"), "errors.internal")
    })?;
    store.write(|tx| -> Result<()> {
        tx.execute(
            "INSERT OR IGNORE INTO sync_manifests (outbox_id, manifest, files, payload_bytes, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                outbox_id,
                manifest_json,
                files_json,
                i64::try_from(payload_bytes).unwrap_or(i64::MAX),
                now()
            ],
        )?;
        Ok(())
    })
}

pub fn attempts(store: &Store, outbox_id: &str) -> Result<i64> {
    store.read(|c| {
        Ok(c.query_row(
            "SELECT attempts FROM outbox WHERE id = ?1",
            [outbox_id],
            |r| r.get(0),
        )?)
    })
}

/// Counts a failed attempt (with a log-safe description).
pub fn record_failure(store: &Store, outbox_id: &str, what: &str) -> Result<()> {
    store.write(|tx| -> Result<()> {
        tx.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, updated_at = ?3
             WHERE id = ?1 AND state = 'pending'",
            params![outbox_id, what, now()],
        )?;
        Ok(())
    })
}

/// Sets a dossier aside: the reason key is what the user is shown.
pub fn quarantine(store: &Store, outbox_id: &str, dossier_id: &str, reason: &str) -> Result<()> {
    store.write(|tx| -> Result<()> {
        let n = tx.execute(
            "UPDATE outbox SET state = 'quarantined', attempts = attempts + 1, last_error = ?2,
                    updated_at = ?3 WHERE id = ?1 AND state = 'pending'",
            params![outbox_id, reason, now()],
        )?;
        if n > 0 {
            tx.execute(
                "INSERT INTO dossier_timeline (dossier_id, kind, state, detail, at)
                 VALUES (?1, 'quarantined', 'quarantined', ?2, ?3)",
                params![
                    dossier_id,
                    serde_json::json!({ "reason": reason }).to_string(),
                    now()
                ],
            )?;
        }
        Ok(())
    })
}

/// Puts a quarantined entry back in the queue (the user fixed the cause, or asks to try again).
pub fn requeue(store: &Store, dossier_id: &str) -> Result<bool> {
    store.write(|tx| -> Result<bool> {
        let n = tx.execute(
            "UPDATE outbox SET state = 'pending', last_error = NULL, updated_at = ?2
             WHERE dossier_id = ?1 AND state = 'quarantined'",
            params![dossier_id, now()],
        )?;
        Ok(n > 0)
    })
}

/// The receipt arrived: code and state stored, the outbox entry done, the timeline extended — one
/// transaction, so a crash leaves either nothing (and the idempotent PUT is simply repeated) or
/// all of it.
pub fn mark_sent(
    store: &Store,
    outbox_id: &str,
    dossier_id: &str,
    receipt: &DossierReceipt,
) -> Result<bool> {
    let ts = now();
    store.write(|tx| -> Result<bool> {
        let n = tx.execute(
            "UPDATE outbox SET state = 'done', last_error = NULL, updated_at = ?2
             WHERE id = ?1 AND state = 'pending'",
            params![outbox_id, ts],
        )?;
        if n == 0 {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO dossier_remote (dossier_id, remote_uuid, code, agency_code, state,
                                         received_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'received', ?5, ?6)
             ON CONFLICT (dossier_id) DO UPDATE SET remote_uuid = excluded.remote_uuid,
                 code = excluded.code, agency_code = excluded.agency_code",
            params![
                dossier_id,
                receipt.dossier_uuid,
                receipt.code,
                receipt.agency_code,
                receipt.received_at,
                ts
            ],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO dossier_timeline (dossier_id, kind, state, detail, at, cursor)
             VALUES (?1, 'received', 'received', ?2, ?3, ?4)",
            params![
                dossier_id,
                serde_json::json!({ "code": receipt.code }).to_string(),
                receipt.received_at,
                receipt.event_cursor
            ],
        )?;
        Ok(true)
    })
}

/// Applies one page of events and advances the cursor, in one transaction. Events of dossiers
/// this device does not hold (sent from another phone) only move the cursor. Returns how many
/// events changed something here.
pub fn apply_events(store: &Store, page: &EventsPage) -> Result<usize> {
    store.write(|tx| -> Result<usize> {
        let mut applied = 0;
        for e in &page.events {
            if apply_one(tx, e)? {
                applied += 1;
            }
        }
        kv_set(tx, KEY_CURSOR, &page.next_cursor)?;
        Ok(applied)
    })
}

fn apply_one(tx: &Transaction<'_>, e: &Event) -> Result<bool> {
    let local: Option<String> = tx
        .query_row(
            "SELECT dossier_id FROM dossier_remote WHERE remote_uuid = ?1",
            [&e.dossier_uuid],
            |r| r.get(0),
        )
        .optional()?;
    let Some(dossier_id) = local else {
        return Ok(false);
    };
    let kind = serde_json::to_value(&e.event).map_err(|err| {
        CoreError::invalid("event", format!("encode event: {err}"), "errors.internal")
    })?;
    let kind_name = kind
        .get("type")
        .and_then(|v| v.as_str())
        .unwrap_or("unknown")
        .to_string();
    let inserted = tx.execute(
        "INSERT OR IGNORE INTO dossier_timeline (dossier_id, kind, state, detail, at, cursor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            dossier_id,
            kind_name,
            e.state.as_str(),
            kind.to_string(),
            e.at,
            e.cursor
        ],
    )?;
    if inserted == 0 {
        return Ok(false);
    }
    tx.execute(
        "UPDATE dossier_remote SET state = ?2, code = ?3, updated_at = ?4 WHERE dossier_id = ?1",
        params![dossier_id, e.state.as_str(), e.dossier_code, e.at],
    )?;
    Ok(true)
}

/// The device's own "submitted" timeline entry (written when the entry is first sent).
pub fn note_submitted(store: &Store, dossier_id: &str, at: &str) -> Result<()> {
    store.write(|tx| -> Result<()> {
        let exists: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM dossier_timeline WHERE dossier_id = ?1 AND kind = 'submitted')",
            [dossier_id],
            |r| r.get(0),
        )?;
        if !exists {
            tx.execute(
                "INSERT INTO dossier_timeline (dossier_id, kind, state, at)
                 VALUES (?1, 'submitted', 'queued', ?2)",
                params![dossier_id, at],
            )?;
        }
        Ok(())
    })
}

/// One line of a dossier's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    pub kind: String,
    pub state: String,
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

/// A dossier as the sync screen and `dvc dossier` show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tracked {
    pub id: String,
    pub procedure_id: String,
    /// draft, queued, quarantined, or the server's state (received … cancelled).
    pub state: String,
    pub code: Option<String>,
    pub agency_code: Option<String>,
    /// The reason key when quarantined.
    pub quarantine_reason: Option<String>,
    /// The reason key while a queued dossier waits for something other than the network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_reason: Option<String>,
    pub attempts: i64,
    pub submitted_at: Option<String>,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEntry>,
}

const TRACKED_SQL: &str = "
    SELECT d.id, d.procedure_id, d.state, d.submitted_at,
           max(d.updated_at, coalesce(r.updated_at, '')),
           r.code, r.agency_code, r.state,
           (SELECT o.state FROM outbox o WHERE o.dossier_id = d.id ORDER BY o.id DESC LIMIT 1),
           (SELECT o.last_error FROM outbox o WHERE o.dossier_id = d.id ORDER BY o.id DESC LIMIT 1),
           (SELECT o.attempts FROM outbox o WHERE o.dossier_id = d.id ORDER BY o.id DESC LIMIT 1)
    FROM dossiers d LEFT JOIN dossier_remote r ON r.dossier_id = d.id";

fn tracked_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Tracked> {
    let local: String = r.get(2)?;
    let remote: Option<String> = r.get(7)?;
    let outbox: Option<String> = r.get(8)?;
    let remote_state = remote.as_deref().and_then(DossierState::parse);
    let state = super::decide::shown_state(&local, outbox.as_deref(), remote_state).to_string();
    let last_error: Option<String> = r.get(9)?;
    Ok(Tracked {
        id: r.get(0)?,
        procedure_id: r.get(1)?,
        waiting_reason: last_error
            .as_deref()
            .filter(|e| state == "queued" && *e == super::decide::reason::NO_AGENCY)
            .map(str::to_owned),
        quarantine_reason: if state == "quarantined" {
            last_error
        } else {
            None
        },
        state,
        submitted_at: r.get(3)?,
        updated_at: r.get(4)?,
        code: r.get(5)?,
        agency_code: r.get(6)?,
        attempts: r.get::<_, Option<i64>>(10)?.unwrap_or(0),
        timeline: vec![],
    })
}

/// All dossiers with their sync state, most recently changed first.
pub fn tracked_list(store: &Store) -> Result<Vec<Tracked>> {
    store.read(|c| -> Result<Vec<Tracked>> {
        let mut st = c.prepare(&format!("{TRACKED_SQL} ORDER BY 5 DESC, d.id DESC"))?;
        let rows = st.query_map([], tracked_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    })
}

/// One dossier with its timeline.
pub fn tracked(store: &Store, id: &str) -> Result<Tracked> {
    store.read(|c| -> Result<Tracked> {
        let mut t = c
            .query_row(&format!("{TRACKED_SQL} WHERE d.id = ?1"), [id], tracked_row)
            .optional()?
            .ok_or_else(|| CoreError::NotFound {
                what: format!("dossier {id}"),
            })?;
        let mut st = c.prepare(
            "SELECT kind, state, at, detail FROM dossier_timeline WHERE dossier_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([id], |r| {
            let detail: Option<String> = r.get(3)?;
            Ok(TimelineEntry {
                kind: r.get(0)?,
                state: r.get(1)?,
                at: r.get(2)?,
                detail: detail.and_then(|d| serde_json::from_str(&d).ok()),
            })
        })?;
        t.timeline = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(t)
    })
}

/// Outbox counts by state.
pub fn outbox_counts(store: &Store) -> Result<(i64, i64, i64)> {
    store.read(|c| -> Result<(i64, i64, i64)> {
        Ok(c.query_row(
            "SELECT coalesce(sum(state = 'pending'), 0), coalesce(sum(state = 'done'), 0),
                    coalesce(sum(state = 'quarantined'), 0) FROM outbox",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    })
}
