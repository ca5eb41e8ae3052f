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
pub const KEY_LAST_SYNC: &str = "last_success_at";
/// Set when the server refused the token (expired, or revoked from another device) and cleared at
/// the next sign-in or sign-out: the sync then says "sign in again", not "not signed in".
pub const KEY_SESSION_EXPIRED: &str = "session_expired";

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

/// Records a sign-in: the server, the account and its role become current, and the account is
/// remembered with a label safe to show (display name or masked phone number). Each account keeps
/// its own event cursor per server, so signing in as someone else neither skips their events nor
/// mixes in the previous account's.
pub fn signed_in(
    store: &Store,
    server: &str,
    account_id: &str,
    role: &str,
    label: &str,
) -> Result<()> {
    store.write(|tx| -> Result<()> {
        tx.execute("DELETE FROM sync_kv WHERE key = ?1", [KEY_SESSION_EXPIRED])?;
        kv_set(tx, KEY_SERVER, server)?;
        kv_set(tx, KEY_ACCOUNT, account_id)?;
        kv_set(tx, KEY_ROLE, role)?;
        tx.execute(
            "INSERT INTO sync_accounts (server, account_id, label, updated_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (server, account_id) DO UPDATE SET
                label = CASE WHEN excluded.label = '' THEN sync_accounts.label
                             ELSE excluded.label END,
                updated_at = excluded.updated_at",
            params![server, account_id, label, now()],
        )?;
        Ok(())
    })
}

/// Records a sign-out: no account is current any more (entries queued from now on belong to
/// whoever signs in next). The server stays, and so do the accounts' cursors.
pub fn signed_out(store: &Store) -> Result<()> {
    store.write(|tx| -> Result<()> {
        tx.execute(
            "DELETE FROM sync_kv WHERE key IN (?1, ?2, ?3)",
            params![KEY_ACCOUNT, KEY_ROLE, KEY_SESSION_EXPIRED],
        )?;
        // Reports kept for offline reading belong to the account that fetched them.
        tx.execute(
            "DELETE FROM sync_kv WHERE substr(key, 1, length(?1)) = ?1",
            [super::team::CACHE_PREFIX],
        )?;
        Ok(())
    })
}

/// The current account's id, if one is signed in (or its session ran out without a sign-out).
pub fn current_account(store: &Store) -> Result<Option<String>> {
    get(store, KEY_ACCOUNT)
}

/// The event cursor of the current server and account (`None`: from the beginning).
pub fn cursor(store: &Store) -> Result<Option<String>> {
    store.read(cursor_in)
}

fn cursor_in(c: &Connection) -> Result<Option<String>> {
    Ok(c.query_row(
        "SELECT cursor FROM sync_accounts
         WHERE server = coalesce((SELECT value FROM sync_kv WHERE key = 'server_url'), '')
           AND account_id = coalesce((SELECT value FROM sync_kv WHERE key = 'account_id'), '')",
        [],
        |r| r.get::<_, Option<String>>(0),
    )
    .optional()?
    .flatten())
}

/// Sets the event cursor of the current server and account.
pub fn set_cursor(store: &Store, cursor: &str) -> Result<()> {
    store.write(|tx| set_cursor_in(tx, cursor))
}

fn set_cursor_in(tx: &Transaction<'_>, cursor: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO sync_accounts (server, account_id, label, cursor, updated_at)
         VALUES (coalesce((SELECT value FROM sync_kv WHERE key = 'server_url'), ''),
                 coalesce((SELECT value FROM sync_kv WHERE key = 'account_id'), ''), '', ?1, ?2)
         ON CONFLICT (server, account_id) DO UPDATE SET cursor = excluded.cursor,
            updated_at = excluded.updated_at",
        params![cursor, now()],
    )?;
    Ok(())
}

/// The pending outbox entries `account_id` may send, in order: its own and those queued while
/// signed out (not yet claimed by anyone).
pub fn outbox_for(store: &Store, account_id: &str) -> Result<Vec<crate::dossier::Queued>> {
    store.read(|c| -> Result<Vec<crate::dossier::Queued>> {
        let mut stmt = c.prepare(
            "SELECT dossier_id, revision, id, idempotency_key FROM outbox
             WHERE state = 'pending' AND (account_id IS NULL OR account_id = ?1) ORDER BY id",
        )?;
        let rows = stmt.query_map([account_id], |r| {
            Ok(crate::dossier::Queued {
                dossier_id: r.get(0)?,
                revision: r.get(1)?,
                outbox_id: r.get(2)?,
                idempotency_key: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    })
}

/// Claims an entry queued while signed out for `account_id`. `false`: the entry belongs to
/// another account (it must not be sent now).
fn claim_in(tx: &Transaction<'_>, outbox_id: &str, account_id: &str) -> Result<bool> {
    tx.execute(
        "UPDATE outbox SET account_id = ?2 WHERE id = ?1 AND account_id IS NULL",
        params![outbox_id, account_id],
    )?;
    let owner: Option<String> = tx
        .query_row(
            "SELECT account_id FROM outbox WHERE id = ?1",
            [outbox_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    Ok(owner.as_deref() == Some(account_id))
}

/// [`claim_in`] in its own transaction (an entry frozen before entries had owners).
pub fn claim(store: &Store, outbox_id: &str, account_id: &str) -> Result<bool> {
    store.write(|tx| claim_in(tx, outbox_id, account_id))
}

/// The account a dossier was sent (or queued) under, from its latest owned outbox entry.
pub fn dossier_account(c: &Connection, dossier_id: &str) -> Result<Option<String>> {
    let sent: Option<String> = c
        .query_row(
            "SELECT account_id FROM outbox WHERE dossier_id = ?1 AND account_id IS NOT NULL
             ORDER BY id DESC LIMIT 1",
            [dossier_id],
            |r| r.get(0),
        )
        .optional()?;
    if sent.is_some() {
        return Ok(sent);
    }
    // A dossier learned from the server belongs to the account that learned it.
    Ok(c.query_row(
        "SELECT account_id FROM dossier_origin WHERE dossier_id = ?1",
        [dossier_id],
        |r| r.get(0),
    )
    .optional()?)
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
/// returns it (so every retry sends the same bytes). With `account_id`, the entry is claimed for
/// that account in the same transaction; `Ok(false)`: it belongs to another account, nothing
/// stored.
pub fn freeze(
    store: &Store,
    outbox_id: &str,
    manifest_json: &str,
    files: &[FileRef],
    payload_bytes: u64,
    account_id: Option<&str>,
    filing: &super::consent::Filing,
) -> Result<bool> {
    let files_json = serde_json::to_string(files).map_err(|e| {
        CoreError::invalid("files", format!("encode file list: {e}"), "errors.internal")
    })?;
    store.write(|tx| -> Result<bool> {
        if let Some(account) = account_id {
            if !claim_in(tx, outbox_id, account)? {
                return Ok(false);
            }
        }
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
        if tx.changes() == 1 {
            super::consent::record_filing(tx, outbox_dossier(tx, outbox_id)?.as_deref().unwrap_or(""), filing)?;
        }
        Ok(true)
    })
}

fn outbox_dossier(c: &Connection, outbox_id: &str) -> Result<Option<String>> {
    Ok(c.query_row(
        "SELECT dossier_id FROM outbox WHERE id = ?1",
        [outbox_id],
        |r| r.get(0),
    )
    .optional()?)
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

/// Applies one page of events and advances the cursor, in one transaction. An event of a dossier
/// this device does not hold (sent from another phone, or filed for this citizen by a volunteer)
/// creates its local row ([`learn`]); its manifest is fetched later. Returns how many events
/// changed something here.
pub fn apply_events(store: &Store, page: &EventsPage) -> Result<usize> {
    store.write(|tx| -> Result<usize> {
        let mut applied = 0;
        for e in &page.events {
            if apply_one(tx, e)? {
                applied += 1;
            }
        }
        set_cursor_in(tx, &page.next_cursor)?;
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
    let dossier_id = match local {
        Some(id) => id,
        None => {
            // Not on this device yet: filed on another phone, or by a volunteer for this citizen.
            // Nothing is dropped: the event makes the local row, its manifest comes later.
            let Some(account) = kv_get(tx, KEY_ACCOUNT)? else {
                return Ok(false);
            };
            let learned = learn(
                tx,
                &account,
                &Learned::bare(&e.dossier_uuid, &e.dossier_code, e.state, &e.at),
            )?;
            match learned {
                Some(id) => id,
                None => return Ok(false),
            }
        }
    };
    if matches!(e.event, dvc_protocol::events::EventKind::PaperKept { .. }) {
        // Not a step of the handling: kept in its own list, the state and timeline stay.
        return super::papers::keep(tx, &dossier_id, e);
    }
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
    apply_details(tx, &dossier_id, e)?;
    Ok(true)
}

/// The server's current revision of a dossier (1 until a resubmission was stored).
pub fn current_revision(c: &Connection, dossier_id: &str) -> Result<u32> {
    let n: i64 = c.query_row(
        "SELECT coalesce(max(revision), 1) FROM dossier_revisions WHERE dossier_id = ?1",
        [dossier_id],
        |r| r.get(0),
    )?;
    Ok(u32::try_from(n).unwrap_or(1))
}

fn json_text<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v)
        .map_err(|e| CoreError::invalid("json", format!("encode: {e}"), "errors.internal"))
}

/// What an event means beyond the state: the supplement request, revisions, the fee, the result;
/// and the applicant's queued actions it settles (a cancel the server already shows as done is
/// not sent again). Runs in the transaction that stores the event, only the first time.
fn apply_details(tx: &Transaction<'_>, dossier_id: &str, e: &Event) -> Result<()> {
    use dvc_protocol::events::{EventKind as K, ResultDelivery};
    let ts = now();
    match &e.event {
        K::SupplementRequested { note, items } => {
            let base = current_revision(tx, dossier_id)?;
            tx.execute(
                "INSERT INTO dossier_supplement (dossier_id, note, items, state, requested_at,
                                                 base_revision, updated_at)
                 VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?6)
                 ON CONFLICT (dossier_id) DO UPDATE SET note = excluded.note,
                    items = excluded.items, state = 'open', requested_at = excluded.requested_at,
                    base_revision = excluded.base_revision, updated_at = excluded.updated_at",
                params![dossier_id, note, json_text(items)?, e.at, base, ts],
            )?;
        }
        K::Resubmitted {
            revision,
            changed_fields,
            changed_attachments,
        } => {
            tx.execute(
                "INSERT INTO dossier_revisions (dossier_id, revision, changed_fields,
                                                changed_attachments, submitted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (dossier_id, revision) DO UPDATE SET
                    changed_fields = excluded.changed_fields,
                    changed_attachments = excluded.changed_attachments",
                params![
                    dossier_id,
                    revision,
                    json_text(changed_fields)?,
                    json_text(changed_attachments)?,
                    e.at
                ],
            )?;
            tx.execute(
                "UPDATE dossier_supplement SET state = 'closed', updated_at = ?2
                 WHERE dossier_id = ?1 AND state <> 'closed'",
                params![dossier_id, ts],
            )?;
            tx.execute(
                "UPDATE dossier_actions SET state = 'done', updated_at = ?3
                 WHERE dossier_id = ?1 AND kind = 'revision' AND revision <= ?2 AND state = 'pending'",
                params![dossier_id, revision, ts],
            )?;
        }
        K::FeeRequested {
            amount_vnd,
            bank,
            transfer_note,
        } => {
            tx.execute(
                "INSERT INTO dossier_fee (dossier_id, amount_vnd, bank_bin, account_number,
                                          account_name, transfer_note, requested_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (dossier_id) DO UPDATE SET amount_vnd = excluded.amount_vnd,
                    bank_bin = excluded.bank_bin, account_number = excluded.account_number,
                    account_name = excluded.account_name, transfer_note = excluded.transfer_note,
                    requested_at = excluded.requested_at, claimed_at = NULL, paid_at = NULL",
                params![
                    dossier_id,
                    i64::try_from(*amount_vnd).unwrap_or(i64::MAX),
                    bank.bank_bin,
                    bank.account_number,
                    bank.account_name,
                    transfer_note,
                    e.at
                ],
            )?;
        }
        K::PaymentClaimed { .. } | K::Paid => {
            let col = if matches!(e.event, K::Paid) {
                "paid_at"
            } else {
                "claimed_at"
            };
            tx.execute(
                &format!("UPDATE dossier_fee SET {col} = ?2 WHERE dossier_id = ?1"),
                params![dossier_id, e.at],
            )?;
            settle(tx, dossier_id, "payment_claim", &ts)?;
        }
        K::ResultReady { result } => {
            let (method, sha, ct, size, carrier, tracking) = match result {
                ResultDelivery::Online {
                    sha256,
                    content_type,
                    size,
                } => (
                    "online",
                    Some(sha256.as_str()),
                    Some(content_type.as_str()),
                    Some(i64::try_from(*size).unwrap_or(i64::MAX)),
                    None,
                    None,
                ),
                ResultDelivery::Postal {
                    carrier,
                    tracking_number,
                } => (
                    "postal",
                    None,
                    None,
                    None,
                    Some(carrier.as_str()),
                    Some(tracking_number.as_str()),
                ),
            };
            // The same file announced again keeps what was already stored (exactly once).
            tx.execute(
                "INSERT INTO dossier_result (dossier_id, method, sha256, content_type, size,
                                             carrier, tracking_number, ready_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (dossier_id) DO UPDATE SET method = excluded.method,
                    document_id = CASE WHEN dossier_result.sha256 IS excluded.sha256
                                       THEN dossier_result.document_id END,
                    stored_at = CASE WHEN dossier_result.sha256 IS excluded.sha256
                                     THEN dossier_result.stored_at END,
                    sha256 = excluded.sha256, content_type = excluded.content_type,
                    size = excluded.size, carrier = excluded.carrier,
                    tracking_number = excluded.tracking_number, ready_at = excluded.ready_at,
                    attempts = 0, last_error = NULL",
                params![dossier_id, method, sha, ct, size, carrier, tracking, e.at],
            )?;
        }
        K::Cancelled { .. } => {
            settle(tx, dossier_id, "cancel", &ts)?;
            close_supplement(tx, dossier_id, &ts)?;
        }
        K::Rejected { .. } => close_supplement(tx, dossier_id, &ts)?,
        K::Received | K::Accepted | K::Completed | K::PaperKept { .. } => {}
    }
    Ok(())
}

fn settle(tx: &Transaction<'_>, dossier_id: &str, kind: &str, ts: &str) -> Result<()> {
    tx.execute(
        "UPDATE dossier_actions SET state = 'done', updated_at = ?3
         WHERE dossier_id = ?1 AND kind = ?2 AND state = 'pending'",
        params![dossier_id, kind, ts],
    )?;
    Ok(())
}

fn close_supplement(tx: &Transaction<'_>, dossier_id: &str, ts: &str) -> Result<()> {
    tx.execute(
        "UPDATE dossier_supplement SET state = 'closed', updated_at = ?2
         WHERE dossier_id = ?1 AND state <> 'closed'",
        params![dossier_id, ts],
    )?;
    Ok(())
}

/// The latest fee request of a dossier: what to pay, to whom, with which transfer note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeeRequest {
    pub amount_vnd: u64,
    /// NAPAS bank BIN (6 digits).
    pub bank_bin: String,
    pub account_number: String,
    pub account_name: String,
    /// The transfer content to use (nội dung chuyển khoản).
    pub transfer_note: String,
    pub requested_at: String,
    /// When the server recorded the applicant's "Tôi đã chuyển khoản".
    pub claimed_at: Option<String>,
    /// When the officer confirmed the payment.
    pub paid_at: Option<String>,
}

/// The latest fee request of `dossier_id` (local id), if the agency asked for one. The VietQR
/// code (`dvc dossier pay-qr`) is built from this.
pub fn fee_request(c: &Connection, dossier_id: &str) -> Result<Option<FeeRequest>> {
    Ok(c.query_row(
        "SELECT amount_vnd, bank_bin, account_number, account_name, transfer_note, requested_at,
                claimed_at, paid_at FROM dossier_fee WHERE dossier_id = ?1",
        [dossier_id],
        |r| {
            Ok(FeeRequest {
                amount_vnd: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                bank_bin: r.get(1)?,
                account_number: r.get(2)?,
                account_name: r.get(3)?,
                transfer_note: r.get(4)?,
                requested_at: r.get(5)?,
                claimed_at: r.get(6)?,
                paid_at: r.get(7)?,
            })
        },
    )
    .optional()?)
}

/// A dossier's result as the device knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultInfo {
    /// `online` or `postal`.
    pub method: String,
    pub sha256: Option<String>,
    pub content_type: Option<String>,
    pub size: Option<u64>,
    /// Postal: carrier and tracking number.
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub ready_at: String,
    /// The applicant's document holding the file, once downloaded and verified.
    pub document_id: Option<String>,
    pub stored_at: Option<String>,
    /// Bytes of an unfinished download held on the device.
    pub downloaded_bytes: u64,
    pub attempts: i64,
    /// Log-safe description of the last failed download attempt.
    pub last_error: Option<String>,
}

pub fn result_info(c: &Connection, dossier_id: &str) -> Result<Option<ResultInfo>> {
    let r = c
        .query_row(
            "SELECT method, sha256, content_type, size, carrier, tracking_number, ready_at,
                    document_id, stored_at, attempts, last_error
             FROM dossier_result WHERE dossier_id = ?1",
            [dossier_id],
            |r| {
                Ok(ResultInfo {
                    method: r.get(0)?,
                    sha256: r.get(1)?,
                    content_type: r.get(2)?,
                    size: r
                        .get::<_, Option<i64>>(3)?
                        .and_then(|n| u64::try_from(n).ok()),
                    carrier: r.get(4)?,
                    tracking_number: r.get(5)?,
                    ready_at: r.get(6)?,
                    document_id: r.get(7)?,
                    stored_at: r.get(8)?,
                    downloaded_bytes: 0,
                    attempts: r.get(9)?,
                    last_error: r.get(10)?,
                })
            },
        )
        .optional()?;
    match r {
        Some(mut info) => {
            if let (None, Some(sha)) = (&info.document_id, &info.sha256) {
                info.downloaded_bytes = download_offset(c, sha)?;
            }
            Ok(Some(info))
        }
        None => Ok(None),
    }
}

/// An online result not yet stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultToFetch {
    pub dossier_id: String,
    pub sha256: String,
    pub size: u64,
    /// The dossier's applicant (whose documents receive the file).
    pub person_id: Option<String>,
}

/// Online results not yet stored, oldest announcement first.
pub fn results_to_fetch(c: &Connection) -> Result<Vec<ResultToFetch>> {
    let mut st = c.prepare(
        "SELECT r.dossier_id, r.sha256, r.size, d.applicant_id
         FROM dossier_result r JOIN dossiers d ON d.id = r.dossier_id
         WHERE r.method = 'online' AND r.document_id IS NULL AND r.sha256 IS NOT NULL
           AND r.size IS NOT NULL ORDER BY r.ready_at, r.dossier_id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(ResultToFetch {
            dossier_id: r.get(0)?,
            sha256: r.get(1)?,
            size: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
            person_id: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Bytes of `sha256` held from an unfinished download (contiguous from 0).
pub fn download_offset(c: &Connection, sha256: &str) -> Result<u64> {
    let n: i64 = c.query_row(
        "SELECT coalesce(sum(length(bytes)), 0) FROM result_download_chunks WHERE sha256 = ?1",
        [sha256],
        |r| r.get(0),
    )?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Appends downloaded bytes at `offset` (must be the current end; otherwise nothing is written
/// and `false` is returned).
pub fn append_download(store: &Store, sha256: &str, offset: u64, bytes: &[u8]) -> Result<bool> {
    if bytes.is_empty() {
        return Ok(true);
    }
    store.write(|tx| -> Result<bool> {
        if download_offset(tx, sha256)? != offset {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO result_download_chunks (sha256, offset, bytes) VALUES (?1, ?2, ?3)",
            params![sha256, i64::try_from(offset).unwrap_or(i64::MAX), bytes],
        )?;
        Ok(true)
    })
}

/// The downloaded bytes of `sha256`, in order.
pub fn downloaded(store: &Store, sha256: &str) -> Result<Vec<u8>> {
    store.read(|c| -> Result<Vec<u8>> {
        let mut st = c.prepare(
            "SELECT bytes FROM result_download_chunks WHERE sha256 = ?1 ORDER BY offset",
        )?;
        let mut out = Vec::new();
        let rows = st.query_map([sha256], |r| r.get::<_, Vec<u8>>(0))?;
        for r in rows {
            out.extend_from_slice(&r?);
        }
        Ok(out)
    })
}

/// Throws an unfinished (or wrong) download away.
pub fn discard_download(tx: &Transaction<'_>, sha256: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM result_download_chunks WHERE sha256 = ?1",
        [sha256],
    )?;
    Ok(())
}

/// Counts a failed result download.
pub fn result_failure(store: &Store, dossier_id: &str, what: &str) -> Result<()> {
    store.write(|tx| -> Result<()> {
        tx.execute(
            "UPDATE dossier_result SET attempts = attempts + 1, last_error = ?2
             WHERE dossier_id = ?1 AND document_id IS NULL",
            params![dossier_id, what],
        )?;
        Ok(())
    })
}

/// The officer's supplement request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Supplement {
    pub note: String,
    /// What to change; empty = the whole dossier.
    pub items: Vec<dvc_protocol::dossiers::SupplementItem>,
    /// `open` (editable), `submitted` (resubmitted, waiting for the server), `closed`.
    pub state: String,
    pub requested_at: String,
    pub base_revision: u32,
}

pub fn supplement(c: &Connection, dossier_id: &str) -> Result<Option<Supplement>> {
    let row = c
        .query_row(
            "SELECT note, items, state, requested_at, base_revision
             FROM dossier_supplement WHERE dossier_id = ?1",
            [dossier_id],
            |r| {
                Ok((
                    Supplement {
                        note: r.get(0)?,
                        items: vec![],
                        state: r.get(2)?,
                        requested_at: r.get(3)?,
                        base_revision: u32::try_from(r.get::<_, i64>(4)?).unwrap_or(1),
                    },
                    r.get::<_, String>(1)?,
                ))
            },
        )
        .optional()?;
    let Some((mut sup, items)) = row else {
        return Ok(None);
    };
    sup.items = serde_json::from_str(&items).map_err(|e| {
        CoreError::invalid(
            "items",
            format!("stored supplement items: {e}"),
            "errors.internal",
        )
    })?;
    Ok(Some(sup))
}

/// One stored revision (2, 3, …) and what changed in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RevisionRow {
    pub revision: u32,
    pub changed_fields: Vec<String>,
    pub changed_attachments: Vec<String>,
    pub submitted_at: String,
}

pub fn revisions(c: &Connection, dossier_id: &str) -> Result<Vec<RevisionRow>> {
    let mut st = c.prepare(
        "SELECT revision, changed_fields, changed_attachments, submitted_at
         FROM dossier_revisions WHERE dossier_id = ?1 ORDER BY revision",
    )?;
    let rows = st.query_map([dossier_id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (rev, f, a, at) = row?;
        out.push(RevisionRow {
            revision: u32::try_from(rev).unwrap_or(0),
            changed_fields: serde_json::from_str(&f).unwrap_or_default(),
            changed_attachments: serde_json::from_str(&a).unwrap_or_default(),
            submitted_at: at,
        });
    }
    Ok(out)
}

/// A queued (or finished) applicant action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionRow {
    pub id: String,
    pub dossier_id: String,
    /// `cancel`, `payment_claim`, `rating` or `revision`.
    pub kind: String,
    #[serde(skip)]
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    #[serde(skip)]
    pub files: Vec<FileRef>,
    /// `pending`, `done` or `quarantined`.
    pub state: String,
    pub attempts: i64,
    /// The reason key when quarantined (log-safe failure description while pending).
    pub last_error: Option<String>,
    pub created_at: String,
}

const ACTION_COLUMNS: &str = "id, dossier_id, kind, body, revision, files, state, attempts, \
                              last_error, created_at";

fn action_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ActionRow> {
    let files: Option<String> = r.get(5)?;
    Ok(ActionRow {
        id: r.get(0)?,
        dossier_id: r.get(1)?,
        kind: r.get(2)?,
        body: r.get(3)?,
        revision: r
            .get::<_, Option<i64>>(4)?
            .and_then(|n| u32::try_from(n).ok()),
        files: files
            .and_then(|f| serde_json::from_str(&f).ok())
            .unwrap_or_default(),
        state: r.get(6)?,
        attempts: r.get(7)?,
        last_error: r.get(8)?,
        created_at: r.get(9)?,
    })
}

/// Pending actions in sending order (oldest first).
pub fn pending_actions(c: &Connection) -> Result<Vec<ActionRow>> {
    let mut st = c.prepare(&format!(
        "SELECT {ACTION_COLUMNS} FROM dossier_actions WHERE state = 'pending' ORDER BY id"
    ))?;
    let rows = st.query_map([], action_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Every action of a dossier, oldest first.
pub fn dossier_actions(c: &Connection, dossier_id: &str) -> Result<Vec<ActionRow>> {
    let mut st = c.prepare(&format!(
        "SELECT {ACTION_COLUMNS} FROM dossier_actions WHERE dossier_id = ?1 ORDER BY id"
    ))?;
    let rows = st.query_map([dossier_id], action_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Queues an action; `None` when an equal one is already pending (pressing twice queues once).
pub fn queue_action(
    tx: &Transaction<'_>,
    dossier_id: &str,
    kind: &str,
    body: &str,
) -> Result<Option<String>> {
    let dup: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM dossier_actions WHERE dossier_id = ?1 AND kind = ?2
                       AND body = ?3 AND state = 'pending')",
        params![dossier_id, kind, body],
        |r| r.get(0),
    )?;
    if dup {
        return Ok(None);
    }
    let id = uuid::Uuid::now_v7().to_string();
    let ts = now();
    tx.execute(
        "INSERT INTO dossier_actions (id, dossier_id, kind, body, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![id, dossier_id, kind, body, ts],
    )?;
    Ok(Some(id))
}

/// Counts a failed attempt of an action (log-safe description).
pub fn action_failure(store: &Store, action_id: &str, what: &str) -> Result<()> {
    store.write(|tx| -> Result<()> {
        tx.execute(
            "UPDATE dossier_actions SET attempts = attempts + 1, last_error = ?2, updated_at = ?3
             WHERE id = ?1 AND state = 'pending'",
            params![action_id, what, now()],
        )?;
        Ok(())
    })
}

/// Sets an action aside with a reason key; the timeline says so.
pub fn action_quarantine(store: &Store, a: &ActionRow, reason: &str) -> Result<()> {
    store.write(|tx| -> Result<()> {
        let n = tx.execute(
            "UPDATE dossier_actions SET state = 'quarantined', attempts = attempts + 1,
                    last_error = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'pending'",
            params![a.id, reason, now()],
        )?;
        if n > 0 {
            tx.execute(
                "INSERT INTO dossier_timeline (dossier_id, kind, state, detail, at)
                 VALUES (?1, 'action_refused', 'quarantined', ?2, ?3)",
                params![
                    a.dossier_id,
                    serde_json::json!({ "action": a.kind, "reason": reason }).to_string(),
                    now()
                ],
            )?;
            if a.kind == "revision" {
                // The correction did not go through: the dossier is editable again.
                tx.execute(
                    "UPDATE dossier_supplement SET state = 'open', updated_at = ?2
                     WHERE dossier_id = ?1 AND state = 'submitted'",
                    params![a.dossier_id, now()],
                )?;
            }
        }
        Ok(())
    })
}

/// Marks an action done; `extra` runs in the same transaction (e.g. storing the revision).
pub fn action_done<F>(store: &Store, action_id: &str, extra: F) -> Result<bool>
where
    F: FnOnce(&Transaction<'_>) -> Result<()>,
{
    store.write(|tx| -> Result<bool> {
        let n = tx.execute(
            "UPDATE dossier_actions SET state = 'done', last_error = NULL, updated_at = ?2
             WHERE id = ?1 AND state = 'pending'",
            params![action_id, now()],
        )?;
        if n > 0 {
            extra(tx)?;
        }
        Ok(n > 0)
    })
}

/// Puts a dossier's quarantined actions back in the queue.
pub fn requeue_actions(store: &Store, dossier_id: &str) -> Result<usize> {
    store.write(|tx| -> Result<usize> {
        Ok(tx.execute(
            "UPDATE dossier_actions SET state = 'pending', last_error = NULL, updated_at = ?2
             WHERE dossier_id = ?1 AND state = 'quarantined'",
            params![dossier_id, now()],
        )?)
    })
}

/// The remote uuid (idempotency key) of a sent dossier.
pub fn remote_uuid(c: &Connection, dossier_id: &str) -> Result<Option<String>> {
    Ok(c.query_row(
        "SELECT remote_uuid FROM dossier_remote WHERE dossier_id = ?1",
        [dossier_id],
        |r| r.get(0),
    )
    .optional()?)
}

/// The server's state and agency of a sent dossier.
pub fn remote_state(c: &Connection, dossier_id: &str) -> Result<Option<(DossierState, String)>> {
    let row: Option<(String, String)> = c
        .query_row(
            "SELECT state, agency_code FROM dossier_remote WHERE dossier_id = ?1",
            [dossier_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.and_then(|(s, a)| DossierState::parse(&s).map(|s| (s, a))))
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
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TimelineEntry {
    pub kind: String,
    pub state: String,
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

/// A dossier as the sync screen and `dvc dossier` show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
    /// The account a dossier queued under another account waits for (a label, never an ID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_for: Option<String>,
    pub attempts: i64,
    pub submitted_at: Option<String>,
    pub updated_at: String,
    /// Where it came from and for whom it was filed ("nộp hộ bởi …").
    pub provenance: Provenance,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEntry>,
}

const TRACKED_SQL: &str = "
    SELECT d.id, d.procedure_id, d.state, d.submitted_at,
           max(d.updated_at, coalesce(r.updated_at, '')),
           r.code, r.agency_code, r.state,
           (SELECT o.state FROM outbox o WHERE o.dossier_id = d.id ORDER BY o.id DESC LIMIT 1),
           (SELECT o.last_error FROM outbox o WHERE o.dossier_id = d.id ORDER BY o.id DESC LIMIT 1),
           (SELECT o.attempts FROM outbox o WHERE o.dossier_id = d.id ORDER BY o.id DESC LIMIT 1),
           (SELECT o.account_id FROM outbox o WHERE o.dossier_id = d.id ORDER BY o.id DESC LIMIT 1),
           (SELECT a.label FROM sync_accounts a, outbox o
             WHERE o.id = (SELECT max(o2.id) FROM outbox o2 WHERE o2.dossier_id = d.id)
               AND a.account_id = o.account_id
             ORDER BY a.updated_at DESC LIMIT 1),
           (SELECT value FROM sync_kv WHERE key = 'account_id'),
           g.dossier_id, g.filed_by, g.applicant_name, f.basis, f.citizen_label
    FROM dossiers d LEFT JOIN dossier_remote r ON r.dossier_id = d.id
         LEFT JOIN dossier_origin g ON g.dossier_id = d.id
         LEFT JOIN dossier_filing f ON f.dossier_id = d.id";

fn tracked_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Tracked> {
    let local: String = r.get(2)?;
    let remote: Option<String> = r.get(7)?;
    let outbox: Option<String> = r.get(8)?;
    let remote_state = remote.as_deref().and_then(DossierState::parse);
    let state = super::decide::shown_state(&local, outbox.as_deref(), remote_state).to_string();
    let last_error: Option<String> = r.get(9)?;
    let owner: Option<String> = r.get(11)?;
    let owner_label: Option<String> = r.get(12)?;
    let current: Option<String> = r.get(13)?;
    // Queued under another account: it waits until that account signs in here again.
    let other_account = state == "queued" && owner.is_some() && owner != current;
    Ok(Tracked {
        id: r.get(0)?,
        procedure_id: r.get(1)?,
        waiting_reason: if other_account {
            Some(super::decide::reason::OTHER_ACCOUNT.to_owned())
        } else {
            last_error
                .as_deref()
                .filter(|e| state == "queued" && *e == super::decide::reason::NO_AGENCY)
                .map(str::to_owned)
        },
        waiting_for: if other_account {
            Some(
                owner_label
                    .filter(|l| !l.is_empty())
                    .unwrap_or_else(|| "?".into()),
            )
        } else {
            None
        },
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
        provenance: Provenance {
            restored: r.get::<_, Option<String>>(14)?.is_some(),
            filed_by: r.get(15)?,
            applicant_name: r.get(16)?,
            filed_as: r.get(17)?,
            filed_for: r.get(18)?,
        },
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

/// What the server says of a dossier this device may not hold yet (a `GET /v1/dossiers` line,
/// or only an event's uuid, code and state).
#[derive(Debug)]
pub struct Learned<'a> {
    pub uuid: &'a str,
    pub code: &'a str,
    pub state: DossierState,
    pub received_at: &'a str,
    pub procedure_code: Option<&'a str>,
    pub agency_code: Option<&'a str>,
    pub applicant_name: Option<&'a str>,
    pub filed_by: Option<&'a str>,
    pub filed_for_me: bool,
    pub consent_basis: Option<&'a str>,
}

impl<'a> Learned<'a> {
    /// Only what an event says.
    pub fn bare(uuid: &'a str, code: &'a str, state: DossierState, at: &'a str) -> Self {
        Learned {
            uuid,
            code,
            state,
            received_at: at,
            procedure_code: None,
            agency_code: None,
            applicant_name: None,
            filed_by: None,
            filed_for_me: false,
            consent_basis: None,
        }
    }
}

/// The catalog id of a national procedure code (the code itself if the catalog lacks it).
fn procedure_id_of(code: &str) -> String {
    crate::catalog::bundled()
        .ok()
        .and_then(|b| {
            b.procedures
                .iter()
                .find(|p| p.code.as_deref() == Some(code))
        })
        .map_or_else(|| code.to_string(), |p| p.id.clone())
}

/// Makes sure the device holds a row for a dossier the server knows, and returns its local id.
/// A dossier this device sent (even if its receipt was lost) is matched by its uuid; one it never
/// held gets a row of its own (state from the server, no applicant on this device) marked to have
/// its manifest fetched. Known rows get the list's facts ("filed by …") updated. `None`: the uuid
/// is one of this device's dossiers set aside as a conflict (other content on the server).
pub fn learn(tx: &Transaction<'_>, account_id: &str, l: &Learned<'_>) -> Result<Option<String>> {
    let ts = now();
    let known: Option<String> = tx
        .query_row(
            "SELECT dossier_id FROM dossier_remote WHERE remote_uuid = ?1",
            [l.uuid],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = known {
        if let Some(agency) = l.agency_code {
            tx.execute(
                "UPDATE dossier_remote SET agency_code = ?2 WHERE dossier_id = ?1 AND agency_code = ''",
                params![id, agency],
            )?;
        }
        tx.execute(
            "UPDATE dossier_origin SET
                procedure_code = coalesce(?2, procedure_code),
                applicant_name = coalesce(?3, applicant_name),
                filed_by = coalesce(?4, filed_by),
                filed_for_me = max(filed_for_me, ?5),
                consent_basis = coalesce(?6, consent_basis)
             WHERE dossier_id = ?1",
            params![
                id,
                l.procedure_code,
                l.applicant_name,
                l.filed_by,
                i64::from(l.filed_for_me),
                l.consent_basis
            ],
        )?;
        return Ok(Some(id));
    }
    let sent_here: Option<(String, String)> = tx
        .query_row(
            "SELECT dossier_id, state FROM outbox WHERE idempotency_key = ?1",
            [l.uuid],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (id, made_here) = match sent_here {
        // Ours, its receipt lost on the way: the server's row is this dossier.
        Some((id, state)) if state != "quarantined" => (id, true),
        // Set aside as a conflict: the server holds other content under this dossier's key
        // (the conflict the user sees). It is not this dossier, nor another one to show.
        Some(_) => return Ok(None),
        None => (uuid::Uuid::now_v7().to_string(), false),
    };
    if !made_here {
        let procedure_id = l.procedure_code.map(procedure_id_of).unwrap_or_default();
        tx.execute(
            "INSERT INTO dossiers (id, procedure_id, form_version, applicant_id, state, revision,
                                   created_at, updated_at, submitted_at)
             VALUES (?1, ?2, 0, NULL, 'queued', 0, ?3, ?4, ?3)",
            params![id, procedure_id, l.received_at, ts],
        )?;
        tx.execute(
            "INSERT INTO dossier_origin (dossier_id, account_id, procedure_code, applicant_name,
                                         filed_by, filed_for_me, consent_basis)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                account_id,
                l.procedure_code,
                l.applicant_name,
                l.filed_by,
                i64::from(l.filed_for_me),
                l.consent_basis
            ],
        )?;
        tracing::info!(dossier = %id, "dossier learned from the server");
    }
    tx.execute(
        "INSERT INTO dossier_remote (dossier_id, remote_uuid, code, agency_code, state,
                                     received_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (dossier_id) DO NOTHING",
        params![
            id,
            l.uuid,
            l.code,
            l.agency_code.unwrap_or_default(),
            l.state.as_str(),
            l.received_at,
            ts
        ],
    )?;
    Ok(Some(id))
}

/// Learned dossiers of `account_id` the dossier list has not described yet (learned from an
/// event only).
pub fn unlisted(c: &Connection, account_id: &str) -> Result<i64> {
    Ok(c.query_row(
        "SELECT count(*) FROM dossier_origin WHERE account_id = ?1 AND listed = 0",
        [account_id],
        |r| r.get(0),
    )?)
}

/// After a complete listing: every learned dossier of the account has been described.
pub fn mark_listed(store: &Store, account_id: &str) -> Result<()> {
    store.write(|tx| -> Result<()> {
        tx.execute(
            "UPDATE dossier_origin SET listed = 1 WHERE account_id = ?1 AND listed = 0",
            [account_id],
        )?;
        Ok(())
    })
}

/// Learned dossiers of `account_id` whose manifest is still to be fetched: (local id, uuid).
pub fn to_fetch(c: &Connection, account_id: &str, limit: u32) -> Result<Vec<(String, String)>> {
    let mut st = c.prepare(
        "SELECT o.dossier_id, r.remote_uuid FROM dossier_origin o
         JOIN dossier_remote r ON r.dossier_id = o.dossier_id
         WHERE o.account_id = ?1 AND o.fetched_at IS NULL
         ORDER BY r.received_at DESC LIMIT ?2",
    )?;
    let rows = st.query_map(params![account_id, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Stores what `GET /v1/dossiers/{uuid}` said of a learned dossier: its procedure, agency and
/// form values, and every event (each applied once, as from the feed).
pub fn fill_learned(
    store: &Store,
    dossier_id: &str,
    view: &dvc_protocol::dossiers::DossierView,
) -> Result<()> {
    let ts = now();
    store.write(|tx| -> Result<()> {
        let m = &view.manifest;
        tx.execute(
            "UPDATE dossiers SET procedure_id = ?2, updated_at = ?3 WHERE id = ?1",
            params![dossier_id, procedure_id_of(&m.procedure_code), ts],
        )?;
        tx.execute(
            "UPDATE dossier_remote SET agency_code = ?2, code = ?3 WHERE dossier_id = ?1",
            params![dossier_id, m.agency_code, view.receipt.code],
        )?;
        for (field, value) in &m.form {
            let v = serde_json::to_string(value).map_err(|e| {
                CoreError::invalid("form", format!("encode value: {e}"), "errors.internal")
            })?;
            tx.execute(
                "INSERT INTO dossier_values (dossier_id, field_id, value, prefilled, updated_at)
                 VALUES (?1, ?2, ?3, 0, ?4)
                 ON CONFLICT (dossier_id, field_id) DO UPDATE SET value = excluded.value",
                params![dossier_id, field, v, ts],
            )?;
        }
        for e in &view.events {
            apply_one(tx, e)?;
        }
        let manifest = serde_json::to_string(m).map_err(|e| {
            CoreError::invalid("manifest", format!("encode: {e}"), "errors.internal")
        })?;
        tx.execute(
            "UPDATE dossier_origin SET procedure_code = ?2, fetched_at = ?3, fetch_error = NULL,
               manifest = ?4
             WHERE dossier_id = ?1",
            params![dossier_id, m.procedure_code, ts, manifest],
        )?;
        Ok(())
    })
}

/// A learned dossier the server will not show (gone, or no longer ours): kept with what the
/// device has, not asked for again.
pub fn learned_unavailable(store: &Store, dossier_id: &str, what: &str) -> Result<()> {
    store.write(|tx| -> Result<()> {
        tx.execute(
            "UPDATE dossier_origin SET fetched_at = ?2, fetch_error = ?3 WHERE dossier_id = ?1",
            params![dossier_id, now(), what],
        )?;
        Ok(())
    })
}

/// Where a dossier came from and for whom it was filed, as the lists show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Provenance {
    /// Learned from the server (not made on this device).
    pub restored: bool,
    /// "Nộp hộ bởi …": the volunteer who filed it for this citizen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filed_by: Option<String>,
    /// The applicant's name as the server has it (learned dossiers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applicant_name: Option<String>,
    /// `on_behalf` or `paper` for a dossier this volunteer filed for someone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filed_as: Option<String>,
    /// For whom it was filed on their account (masked phone or display name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filed_for: Option<String>,
}

pub fn provenance(c: &Connection, dossier_id: &str) -> Result<Provenance> {
    let origin: Option<(Option<String>, Option<String>)> = c
        .query_row(
            "SELECT filed_by, applicant_name FROM dossier_origin WHERE dossier_id = ?1",
            [dossier_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let filing: Option<(String, Option<String>)> = c
        .query_row(
            "SELECT basis, citizen_label FROM dossier_filing WHERE dossier_id = ?1",
            [dossier_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (restored, filed_by, applicant_name) = match origin {
        Some((f, a)) => (true, f, a),
        None => (false, None, None),
    };
    let (filed_as, filed_for) = match filing {
        Some((b, l)) => (Some(b), l),
        None => (None, None),
    };
    Ok(Provenance {
        restored,
        filed_by,
        applicant_name,
        filed_as,
        filed_for,
    })
}
