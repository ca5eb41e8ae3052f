//! Hand-off ("Bàn giao cho người dân"): one person's profile, papers and dossiers move from a
//! volunteer's phone to the citizen's own phone, in a file encrypted on the volunteer's phone and
//! opened on the citizen's. No server sees the content: the file may travel any way (Bluetooth,
//! Zalo, a cable), the key travels separately, as a QR code shown on one screen and scanned by
//! the other.
//!
//! # The bundle file (format 1)
//!
//! All integers big-endian. The 78-byte header is plaintext and is the associated data of the
//! AEAD, so any change to it fails authentication like a change to the ciphertext.
//!
//! | offset | bytes | field |
//! | --- | --- | --- |
//! | 0 | 8 | magic `DVCHAND\0` |
//! | 8 | 2 | format version (`1`) |
//! | 10 | 16 | bundle id: 128 random bits |
//! | 26 | 16 | key check: `SHA-256("dvc handoff key check v1" ‖ bundle id ‖ key)[..16]` |
//! | 42 | 24 | XChaCha20-Poly1305 nonce (random) |
//! | 66 | 4 | `meta_len`: bytes of the description |
//! | 70 | 8 | `blobs_len`: bytes of the papers |
//! | 78 | `meta_len + blobs_len` | ciphertext |
//! | … | 16 | Poly1305 tag |
//!
//! The key is 256 random bits made for this bundle only (never stored on either phone). The key
//! check tells "wrong key" from "damaged file" before decrypting; it reveals nothing of the key.
//! The plaintext is the description — UTF-8 JSON, [`payload::Payload`]: the person's id and
//! profile, each paper's id, kind, SHA-256, size, dates, and each dossier with its values,
//! attachments and, for a sent one, what links it to the server (remote uuid, code, agency,
//! state, timeline with the server's event cursors, the manifest the server holds, the
//! supplement request, revisions, fee and result) — followed by the papers' decrypted bytes, one
//! after the other in the description's order.
//!
//! # The key string
//!
//! `DVCH1.<bundle id>.<key>`: the prefix (hand-off key, format 1), then the bundle id (16 bytes)
//! and the key (32 bytes) in unpadded base64url — 72 ASCII characters, a small QR code (version 5
//! at level M in byte mode). Only the canonical encoding is accepted.
//!
//! # Limits
//!
//! A bundle is at most [`MAX_BUNDLE_BYTES`] (64 MiB) in all and its description at most
//! [`bundle::MAX_META_BYTES`] (4 MiB). Opening checks the file's length against that cap and the
//! header's size claims against the caps and against the file's actual length before anything
//! is allocated; the only allocation is then the plaintext (never more than the file). Each paper
//! is at most [`crate::documents::MAX_DOCUMENT_BYTES`], a bundle holds at most
//! [`payload::MAX_PAPERS`] papers and [`payload::MAX_DOSSIERS`] dossiers (and per dossier
//! bounded values, attachments, timeline lines, revisions): checked on the decoded description
//! before any paper is stored. The volunteer's phone applies the same rules when it makes a
//! bundle, so what it makes the citizen's phone accepts.
//!
//! # Import
//!
//! Verified first (limits, magic, version, the key's bundle id against the header's, the key
//! check, authentication), then decoded and every value checked with the store's own rules (the
//! profile with [`crate::people::check`], papers' dates with the document rules, draft values
//! with their form's [`crate::dossier::validate_change`], ids, hashes, times, enumerations,
//! lengths). Papers are stored the way the document store always stores them (metadata removed,
//! encrypted under this phone's document key, file first); then the person, the papers' rows and
//! the dossiers go in ONE transaction, with the bundle id. Ids are kept: the person, papers and
//! dossiers have the same ids on both phones.
//!
//! Idempotent: a bundle already imported here, or any bundle of a person already on this phone
//! (same person id), imports nothing and says `already_imported`. A different person with the
//! same ID number is refused (`handoff.person_exists`): merging two profiles is left to the
//! user. A sent dossier this phone already holds (restored from the server under the same
//! remote uuid) is not imported twice; it only gains its applicant if it had none.
//!
//! The person comes alone: households are the volunteer's notebook (and hold other people), so
//! no household or membership is carried; the citizen can make one on their phone. Consents,
//! visits, the outbox and the sync account stay on the volunteer's phone. A sent dossier
//! continues on the citizen's phone under whichever account signs in there (the events find it
//! by its remote uuid; events already carried are not applied twice).
//!
//! # The volunteer's side
//!
//! Making a bundle is refused while one of the person's dossiers (or an action on one) still
//! waits to be sent (`handoff.pending`): send first, so that nothing is left half-way on either
//! phone. A dossier set aside by the server (quarantined, never received) travels as a draft.
//! Each bundle made is recorded (person id, bundle id, sizes, time); [`Core::handoff_confirm`]
//! marks it confirmed once the citizen's phone shows the person, and the app then offers to
//! delete the person with the usual [`Core::delete_person`].
//!
//! Logs carry ids, counts and sizes only: never a name, an ID number, a paper or the key.

pub mod bundle;
pub mod payload;
pub mod relay;
pub mod status;

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use zeroize::Zeroizing;

pub use bundle::{BundleKey, MAX_BUNDLE_BYTES};
use payload::{
    CarriedAttachment, CarriedDossier, CarriedFee, CarriedResult, CarriedRevision, CarriedState,
    CarriedSupplement, CarriedValue, Paper, Payload, Remote, TimelineLine,
};
pub use relay::{HandoffStatus, IncomingHandoff};

use crate::documents::{self, DocumentMeta, Vault, Written};
use crate::dossier::now;
use crate::error::{CoreError, Result};
use crate::people::{self, parse_id, Person, PersonInput};
use crate::validate;
use crate::Core;

/// What making a bundle gives: the file to send and what the QR shows.
pub struct HandoffBundle {
    /// The encrypted bundle, to write to a file or share.
    pub file: Vec<u8>,
    pub summary: HandoffSummary,
}

impl std::fmt::Debug for HandoffBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandoffBundle")
            .field("file_bytes", &self.file.len())
            .field("summary", &self.summary)
            .finish()
    }
}

/// A bundle made: its key string (for the QR), id and sizes.
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HandoffSummary {
    /// `DVCH1.<bundle id>.<key>`: a secret, shown once (as a QR) and never stored.
    pub key: String,
    pub bundle_id: String,
    /// Size of the bundle file.
    pub bytes: u64,
    /// Papers in the bundle.
    pub documents: usize,
    /// Dossiers in the bundle.
    pub dossiers: usize,
}

impl std::fmt::Debug for HandoffSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandoffSummary")
            .field("bundle_id", &self.bundle_id)
            .field("bytes", &self.bytes)
            .field("documents", &self.documents)
            .field("dossiers", &self.dossiers)
            .finish_non_exhaustive()
    }
}

/// What importing a bundle did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HandoffImported {
    pub bundle_id: String,
    pub person_id: String,
    /// Whether this call stored the person (false when already imported).
    pub imported: bool,
    /// The bundle, or another bundle of the same person, was imported before: nothing changed.
    pub already_imported: bool,
    /// Papers stored by this call.
    pub documents: usize,
    /// Dossiers stored by this call.
    pub dossiers: usize,
}

/// A hand-off confirmed on the volunteer's phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HandoffConfirmed {
    pub person_id: String,
    /// The latest bundle made for the person.
    pub bundle_id: String,
    pub created_at: String,
    pub confirmed_at: String,
    /// It was confirmed before: nothing changed.
    pub already_confirmed: bool,
}

fn pending(person_id: &str, c: &Connection) -> Result<bool> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM outbox o JOIN dossiers d ON d.id = o.dossier_id
           WHERE d.applicant_id = ?1 AND o.state = 'pending')
         OR EXISTS(SELECT 1 FROM dossier_actions a JOIN dossiers d ON d.id = a.dossier_id
           WHERE d.applicant_id = ?1 AND a.state = 'pending')",
        [person_id],
        |r| r.get(0),
    )?)
}

fn internal(what: &str, e: impl std::fmt::Display) -> CoreError {
    CoreError::invalid(what, format!("{what}: {e}"), "errors.internal")
}

fn person_input(p: &Person) -> PersonInput {
    PersonInput {
        full_name: p.full_name.clone(),
        sex: p.sex.map(|s| s.as_str().to_string()),
        date_of_birth: p.date_of_birth.map(|d| d.to_string()),
        place_of_birth: p.place_of_birth.clone(),
        id_number: p.id_number.clone(),
        old_id_number: p.old_id_number.clone(),
        id_issue_date: p.id_issue_date.map(|d| d.to_string()),
        phone: p.phone.clone(),
        email: p.email.clone(),
        permanent_address: p.permanent_address.clone(),
        current_address: p.current_address.clone(),
        ethnicity: p.ethnicity.clone(),
        nationality: p.nationality.clone(),
    }
}

/// The person's dossiers as the bundle carries them.
fn read_dossiers(c: &Connection, person_id: &str) -> Result<Vec<CarriedDossier>> {
    type Row = (
        String,
        String,
        u32,
        Option<String>,
        String,
        i64,
        String,
        String,
        Option<String>,
    );
    let rows: Vec<Row> = {
        let mut st = c.prepare(
            "SELECT id, procedure_id, form_version, helper, state, revision, created_at,
                    updated_at, submitted_at
             FROM dossiers WHERE applicant_id = ?1 ORDER BY created_at, id",
        )?;
        let rows = st.query_map([person_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut out = Vec::with_capacity(rows.len());
    for (id, procedure_id, form_version, helper, _state, revision, created, updated, submitted) in
        rows
    {
        let values = {
            let mut st = c.prepare(
                "SELECT field_id, value, prefilled, updated_at FROM dossier_values
                 WHERE dossier_id = ?1 ORDER BY field_id",
            )?;
            let rows = st.query_map([&id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?;
            let mut values = vec![];
            for row in rows {
                let (field, text, prefilled, updated_at) = row?;
                let value =
                    serde_json::from_str(&text).map_err(|e| internal("stored dossier value", e))?;
                values.push(CarriedValue {
                    field,
                    value,
                    prefilled,
                    updated_at,
                });
            }
            values
        };
        let attachments = {
            let mut st = c.prepare(
                "SELECT component_id, position, document_id, sha256, bytes, prefilled, created_at
                 FROM dossier_attachments WHERE dossier_id = ?1 ORDER BY component_id, position",
            )?;
            let rows = st.query_map([&id], |r| {
                Ok(CarriedAttachment {
                    component: r.get(0)?,
                    position: r.get(1)?,
                    document_id: r.get(2)?,
                    sha256: r.get(3)?,
                    bytes: r.get(4)?,
                    prefilled: r.get(5)?,
                    created_at: r.get(6)?,
                })
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        let remote = read_remote(c, &id)?;
        // Queued without a server row: set aside by the server, never received. It travels as
        // a draft (pending entries were refused before).
        let (state, submitted_at) = match remote {
            Some(_) => (CarriedState::Queued, submitted),
            None => (CarriedState::Draft, None),
        };
        out.push(CarriedDossier {
            id,
            procedure_id,
            form_version,
            helper,
            state,
            revision,
            created_at: created,
            updated_at: updated,
            submitted_at,
            values,
            attachments,
            remote,
        });
    }
    Ok(out)
}

/// What links a sent dossier to the server, and what the server said of it.
fn read_remote(c: &Connection, dossier_id: &str) -> Result<Option<Remote>> {
    type Row = (String, String, String, String, String, String);
    let row: Option<Row> = c
        .query_row(
            "SELECT remote_uuid, code, agency_code, state, received_at, updated_at
             FROM dossier_remote WHERE dossier_id = ?1",
            [dossier_id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()?;
    let Some((uuid, code, agency_code, state, received_at, updated_at)) = row else {
        return Ok(None);
    };
    let state = dvc_protocol::dossiers::DossierState::parse(&state)
        .ok_or_else(|| internal("stored dossier state", &state))?;
    let timeline = {
        let mut st = c.prepare(
            "SELECT kind, state, detail, at, cursor FROM dossier_timeline
             WHERE dossier_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([dossier_id], |r| {
            let detail: Option<String> = r.get(2)?;
            Ok(TimelineLine {
                kind: r.get(0)?,
                state: r.get(1)?,
                detail: detail.and_then(|d| serde_json::from_str(&d).ok()),
                at: r.get(3)?,
                cursor: r.get(4)?,
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    let manifest = crate::sync::actions::previous_manifest(c, dossier_id)
        .map_err(|e| match e {
            crate::sync::SyncError::Core(e) => e,
            other => internal("stored manifest", other),
        })?
        .and_then(|m| serde_json::from_str(&m).ok());
    let supplement = c
        .query_row(
            "SELECT note, items, state, requested_at, base_revision, updated_at
             FROM dossier_supplement WHERE dossier_id = ?1",
            [dossier_id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )
        .optional()?
        .map(|(note, items, state, requested_at, base, updated_at)| {
            Ok::<_, CoreError>(CarriedSupplement {
                note,
                items: serde_json::from_str(&items)
                    .map_err(|e| internal("stored supplement items", e))?,
                state,
                requested_at,
                base_revision: u32::try_from(base).unwrap_or(1),
                updated_at,
            })
        })
        .transpose()?;
    let revisions = crate::sync::db::revisions(c, dossier_id)?
        .into_iter()
        .map(|r| CarriedRevision {
            revision: r.revision,
            changed_fields: r.changed_fields,
            changed_attachments: r.changed_attachments,
            submitted_at: r.submitted_at,
        })
        .collect();
    let fee = crate::sync::db::fee_request(c, dossier_id)?.map(|f| CarriedFee {
        amount_vnd: f.amount_vnd,
        bank_bin: f.bank_bin,
        account_number: f.account_number,
        account_name: f.account_name,
        transfer_note: f.transfer_note,
        requested_at: f.requested_at,
        claimed_at: f.claimed_at,
        paid_at: f.paid_at,
    });
    let result = crate::sync::db::result_info(c, dossier_id)?.map(|x| CarriedResult {
        method: x.method,
        sha256: x.sha256,
        content_type: x.content_type,
        size: x.size,
        carrier: x.carrier,
        tracking_number: x.tracking_number,
        ready_at: x.ready_at,
        document_id: x.document_id,
        stored_at: x.stored_at,
    });
    Ok(Some(Remote {
        uuid,
        code,
        agency_code,
        state,
        received_at,
        updated_at,
        timeline,
        manifest,
        supplement,
        revisions,
        fee,
        result,
    }))
}

/// A write that clashes with what this phone holds (an id already used): the bundle's records
/// cannot go in as they are.
fn clash(e: rusqlite::Error) -> CoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            CoreError::invalid(
                "bundle",
                "the bundle's records clash with records already on this phone (same ids)",
                "handoff.conflict",
            )
        }
        _ => e.into(),
    }
}

fn json(v: &impl Serialize) -> Result<String> {
    serde_json::to_string(v).map_err(|e| internal("json", e))
}

/// Whether this bundle, or the person it carries, is already here.
fn already_here(c: &Connection, bundle_id: &str, person_id: &str) -> Result<bool> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM handoff_imports WHERE bundle_id = ?1)
             OR EXISTS(SELECT 1 FROM people WHERE id = ?2)",
        params![bundle_id, person_id],
        |r| r.get(0),
    )?)
}

fn person_exists_error() -> CoreError {
    CoreError::invalid(
        "person",
        "another person with this ID number is already saved on this phone",
        "handoff.person_exists",
    )
}

/// One paper's file, written before the transaction.
struct Stored<'a> {
    paper: &'a Paper,
    written: Written,
}

/// Everything the import transaction writes. Returns how many dossiers went in (`None`: the
/// bundle or person is already here, nothing written).
fn insert_all(
    tx: &Transaction<'_>,
    bundle_id: &str,
    p: &Payload,
    person: &people::ValidPerson,
    papers: &[Stored<'_>],
) -> Result<Option<usize>> {
    if already_here(tx, bundle_id, &p.person_id)? {
        return Ok(None);
    }
    if let Some(n) = person.id_number() {
        let taken: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM people WHERE id_number = ?1)",
            [n],
            |r| r.get(0),
        )?;
        if taken {
            return Err(person_exists_error());
        }
    }
    people::insert_valid(tx, &p.person_id, person).map_err(clash)?;
    let mut kept: BTreeMap<&str, (&str, i64)> = BTreeMap::new();
    for s in papers {
        let (issue, expiry) = documents::check_dates(&DocumentMeta {
            issue_date: s.paper.issue_date.clone(),
            expiry_date: s.paper.expiry_date.clone(),
        })?;
        documents::insert_row(
            tx,
            &s.paper.id,
            &p.person_id,
            s.paper.kind,
            &s.written,
            issue,
            expiry,
            Some(&s.paper.created_at),
        )
        .map_err(clash)?;
        kept.insert(
            s.paper.id.as_str(),
            (s.written.sha256.as_str(), s.written.size),
        );
    }
    let mut dossiers = 0;
    for d in &p.dossiers {
        if let Some(r) = &d.remote {
            // Already on this phone (restored from the server): it stays as it is, linked to
            // its applicant if it had none.
            let known: Option<String> = tx
                .query_row(
                    "SELECT dossier_id FROM dossier_remote WHERE remote_uuid = ?1
                     UNION ALL SELECT dossier_id FROM outbox WHERE idempotency_key = ?1
                     LIMIT 1",
                    [&r.uuid],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(local) = known {
                tx.execute(
                    "UPDATE dossiers SET applicant_id = ?2 WHERE id = ?1 AND applicant_id IS NULL",
                    params![local, p.person_id],
                )?;
                tracing::info!(dossier = %local, "handed-over dossier already on this phone");
                continue;
            }
        }
        insert_dossier(tx, bundle_id, &p.person_id, d, &kept)?;
        dossiers += 1;
    }
    tx.execute(
        "INSERT INTO handoff_imports (bundle_id, person_id, documents, dossiers, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            bundle_id,
            p.person_id,
            i64::try_from(papers.len()).unwrap_or(i64::MAX),
            i64::try_from(dossiers).unwrap_or(i64::MAX),
            now()
        ],
    )
    .map_err(clash)?;
    Ok(Some(dossiers))
}

fn insert_dossier(
    tx: &Transaction<'_>,
    bundle_id: &str,
    person_id: &str,
    d: &CarriedDossier,
    kept: &BTreeMap<&str, (&str, i64)>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO dossiers (id, procedure_id, form_version, applicant_id, helper, state,
                               revision, created_at, updated_at, submitted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            d.id,
            d.procedure_id,
            d.form_version,
            person_id,
            d.helper,
            d.state.as_str(),
            d.revision,
            d.created_at,
            d.updated_at,
            d.submitted_at
        ],
    )
    .map_err(clash)?;
    for v in &d.values {
        tx.execute(
            "INSERT INTO dossier_values (dossier_id, field_id, value, prefilled, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                d.id,
                v.field,
                v.value.to_string(),
                v.prefilled,
                v.updated_at
            ],
        )
        .map_err(clash)?;
    }
    for a in &d.attachments {
        // A paper carried in the bundle is referenced as this phone stored it.
        let (sha, bytes) = kept
            .get(a.document_id.as_str())
            .map_or((a.sha256.as_str(), a.bytes), |(s, n)| (*s, *n));
        tx.execute(
            "INSERT INTO dossier_attachments (dossier_id, component_id, position, document_id,
                                              sha256, bytes, prefilled, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                d.id,
                a.component,
                a.position,
                a.document_id,
                sha,
                bytes,
                a.prefilled,
                a.created_at
            ],
        )
        .map_err(clash)?;
    }
    let Some(r) = &d.remote else {
        return Ok(());
    };
    tx.execute(
        "INSERT INTO dossier_remote (dossier_id, remote_uuid, code, agency_code, state,
                                     received_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            d.id,
            r.uuid,
            r.code,
            r.agency_code,
            r.state.as_str(),
            r.received_at,
            r.updated_at
        ],
    )
    .map_err(clash)?;
    for t in &r.timeline {
        tx.execute(
            "INSERT INTO dossier_timeline (dossier_id, kind, state, detail, at, cursor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                d.id,
                t.kind,
                t.state,
                t.detail.as_ref().map(serde_json::Value::to_string),
                t.at,
                t.cursor
            ],
        )
        .map_err(clash)?;
    }
    if let Some(s) = &r.supplement {
        tx.execute(
            "INSERT INTO dossier_supplement (dossier_id, note, items, state, requested_at,
                                             base_revision, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                d.id,
                s.note,
                json(&s.items)?,
                s.state,
                s.requested_at,
                s.base_revision,
                s.updated_at
            ],
        )
        .map_err(clash)?;
    }
    for v in &r.revisions {
        tx.execute(
            "INSERT INTO dossier_revisions (dossier_id, revision, changed_fields,
                                            changed_attachments, submitted_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                d.id,
                v.revision,
                json(&v.changed_fields)?,
                json(&v.changed_attachments)?,
                v.submitted_at
            ],
        )
        .map_err(clash)?;
    }
    if let Some(f) = &r.fee {
        tx.execute(
            "INSERT INTO dossier_fee (dossier_id, amount_vnd, bank_bin, account_number,
                                      account_name, transfer_note, requested_at, claimed_at,
                                      paid_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                d.id,
                i64::try_from(f.amount_vnd).unwrap_or(i64::MAX),
                f.bank_bin,
                f.account_number,
                f.account_name,
                f.transfer_note,
                f.requested_at,
                f.claimed_at,
                f.paid_at
            ],
        )
        .map_err(clash)?;
    }
    if let Some(x) = &r.result {
        tx.execute(
            "INSERT INTO dossier_result (dossier_id, method, sha256, content_type, size, carrier,
                                         tracking_number, ready_at, document_id, stored_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                d.id,
                x.method,
                x.sha256,
                x.content_type,
                x.size.map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
                x.carrier,
                x.tracking_number,
                x.ready_at,
                x.document_id,
                x.stored_at
            ],
        )
        .map_err(clash)?;
    }
    let manifest = r.manifest.as_ref().map(json).transpose()?;
    tx.execute(
        "INSERT INTO handoff_dossiers (dossier_id, bundle_id, manifest) VALUES (?1, ?2, ?3)",
        params![d.id, bundle_id, manifest],
    )
    .map_err(clash)?;
    Ok(())
}

impl Core {
    /// A draft's values fit its form, as [`crate::dossier::validate_change`] says (when this
    /// phone knows the procedure; a sent dossier's values are what the server holds).
    fn check_draft_values(&self, p: &Payload) -> Result<()> {
        for (i, d) in p.dossiers.iter().enumerate() {
            if d.state != CarriedState::Draft {
                continue;
            }
            let Ok(form) = self.procedure_form(&d.procedure_id) else {
                continue;
            };
            for (j, v) in d.values.iter().enumerate() {
                crate::dossier::validate_change(&form, &v.field, &v.value).map_err(|e| {
                    payload::invalid(
                        &format!("dossiers[{i}].values[{j}]"),
                        format_args!("does not fit its form ({})", e.message_key()),
                    )
                })?;
            }
        }
        Ok(())
    }

    /// Makes the encrypted bundle of one person (profile, papers, dossiers) for their own phone
    /// and records it (see the module). Refused while one of their dossiers waits to be sent.
    pub fn handoff_export(&self, person_id: &str) -> Result<HandoffBundle> {
        let pid = parse_id(person_id, "person")?;
        let person = people::get(self.store(), &pid)?;
        if self.store().read(|c| pending(&pid, c))? {
            return Err(CoreError::invalid(
                "person",
                "a dossier of this person is still waiting to be sent: sync first",
                "handoff.pending",
            ));
        }
        let docs = documents::list_for_person(self.store(), &pid)?;
        if docs.len() > payload::MAX_PAPERS {
            return Err(bundle::too_large(format!(
                "this person has {} papers; a hand-off carries at most {}",
                docs.len(),
                payload::MAX_PAPERS
            )));
        }
        let total: u64 = docs
            .iter()
            .map(|d| u64::try_from(d.size).unwrap_or(0))
            .sum();
        if total > MAX_BUNDLE_BYTES as u64 {
            return Err(bundle::too_large(format!(
                "this person's papers add up to {total} bytes: more than a hand-off carries \
                 ({MAX_BUNDLE_BYTES} bytes in all)"
            )));
        }
        let vault = Vault::open(self)?;
        let mut blobs = Vec::with_capacity(docs.len());
        let mut papers = Vec::with_capacity(docs.len());
        for d in &docs {
            let bytes = Zeroizing::new(vault.get(&d.sha256)?);
            papers.push(Paper {
                id: d.id.0.clone(),
                kind: d.kind,
                sha256: d.sha256.clone(),
                size: bytes.len() as u64,
                issue_date: d.issue_date.map(|x| x.to_string()),
                expiry_date: d.expiry_date.map(|x| x.to_string()),
                created_at: d.created_at.clone(),
            });
            blobs.push(bytes);
        }
        let dossiers = self.store().read(|c| read_dossiers(c, &pid))?;
        let payload = Payload {
            person_id: pid.clone(),
            person: person_input(&person),
            papers,
            dossiers,
        };
        // What this phone makes, the citizen's phone must accept: the same rules, here.
        payload::validate(&payload, validate::today())?;
        self.check_draft_values(&payload)?;
        let meta = Zeroizing::new(serde_json::to_vec(&payload).map_err(|e| internal("json", e))?);
        let key = BundleKey::random();
        let refs: Vec<&[u8]> = blobs.iter().map(|b| b.as_slice()).collect();
        let file = bundle::seal(&key, &meta, &refs)?;
        let summary = HandoffSummary {
            key: key.to_key_string().to_string(),
            bundle_id: key.bundle_id(),
            bytes: file.len() as u64,
            documents: payload.papers.len(),
            dossiers: payload.dossiers.len(),
        };
        // A copy for the relay (see `relay`): the next sync pass offers it through the server.
        // Without it the file still goes by hand.
        let relay_sha = match relay::keep_copy(self, &summary.bundle_id, &file) {
            Ok(sha) => Some(sha),
            Err(e) => {
                tracing::warn!(error = e.code(), "hand-off copy for the server not kept");
                None
            }
        };
        let stored = self.store().write(|tx| {
            tx.execute(
                "INSERT INTO handoffs (bundle_id, person_id, documents, dossiers, bytes,
                                       created_at, relay, relay_sha256)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    summary.bundle_id,
                    pid,
                    i64::try_from(summary.documents).unwrap_or(i64::MAX),
                    i64::try_from(summary.dossiers).unwrap_or(i64::MAX),
                    i64::try_from(summary.bytes).unwrap_or(i64::MAX),
                    now(),
                    relay_sha.as_ref().map(|_| "pending"),
                    relay_sha
                ],
            )
        });
        if let Err(e) = stored {
            relay::remove_copy(self, &summary.bundle_id);
            return Err(e.into());
        }
        tracing::info!(
            person_id = %pid,
            bundle = %summary.bundle_id,
            documents = summary.documents,
            dossiers = summary.dossiers,
            bytes = summary.bytes,
            "hand-off bundle made"
        );
        Ok(HandoffBundle { file, summary })
    }

    /// Imports a bundle with its key string (see the module): verified, checked, then stored in
    /// one transaction. A bundle already imported, or one of a person already here, changes
    /// nothing (`already_imported`).
    pub fn handoff_import(&self, file: &[u8], key: &str) -> Result<HandoffImported> {
        if file.len() > MAX_BUNDLE_BYTES {
            return Err(bundle::too_large(format!(
                "the file has {} bytes; a hand-off bundle is at most {MAX_BUNDLE_BYTES}",
                file.len()
            )));
        }
        let key = BundleKey::parse(key)?;
        let plain = match bundle::open(file, &key) {
            Ok(p) => p,
            Err(e) => {
                let bundle = bundle::peek_bundle_id(file).unwrap_or_default();
                tracing::info!(
                    %bundle,
                    bytes = file.len(),
                    error = e.message_key(),
                    "hand-off bundle refused"
                );
                return Err(e);
            }
        };
        let bundle_id = plain.bundle_id.clone();
        let payload: Payload = serde_json::from_slice(plain.meta()).map_err(|e| {
            CoreError::invalid(
                "bundle",
                format!(
                    "the bundle's description cannot be read (line {}, column {})",
                    e.line(),
                    e.column()
                ),
                "handoff.invalid_content",
            )
        })?;
        payload::validate(&payload, validate::today())?;
        let slices = payload::paper_bytes(&payload, plain.blobs())?;
        let already = || HandoffImported {
            bundle_id: bundle_id.clone(),
            person_id: payload.person_id.clone(),
            imported: false,
            already_imported: true,
            documents: 0,
            dossiers: 0,
        };
        if self
            .store()
            .read(|c| already_here(c, &bundle_id, &payload.person_id))?
        {
            tracing::info!(bundle = %bundle_id, person_id = %payload.person_id, "hand-off bundle already imported");
            return Ok(self.noted(already()));
        }
        let person = people::check(&payload.person, validate::today()).map_err(|errors| {
            let field = errors.first().map_or("person", |e| e.field);
            payload::invalid(&format!("person.{field}"), "breaks a profile rule")
        })?;
        if let Some(n) = person.id_number() {
            let taken: bool = self.store().read(|c| {
                c.query_row(
                    "SELECT EXISTS(SELECT 1 FROM people WHERE id_number = ?1)",
                    [n],
                    |r| r.get(0),
                )
            })?;
            if taken {
                return Err(person_exists_error());
            }
        }
        self.check_draft_values(&payload)?;
        // The papers' files first (as the document store always does), then one transaction.
        let mut stored = Vec::with_capacity(payload.papers.len());
        let mut shas = Vec::with_capacity(payload.papers.len());
        let mut write_files = || -> Result<()> {
            for (paper, bytes) in payload.papers.iter().zip(&slices) {
                let cleaned = documents::clean(paper.kind, bytes)?;
                let written = documents::write_file(self, &cleaned)?;
                shas.push(written.sha256.clone());
                stored.push(Stored { paper, written });
            }
            Ok(())
        };
        let outcome = write_files().and_then(|()| {
            self.store().write(|tx| -> Result<Option<usize>> {
                let n = insert_all(tx, &bundle_id, &payload, &person, &stored)?;
                if let Some(n) = n {
                    relay::note_imported(
                        tx,
                        &HandoffImported {
                            bundle_id: bundle_id.clone(),
                            person_id: payload.person_id.clone(),
                            imported: true,
                            already_imported: false,
                            documents: stored.len(),
                            dossiers: n,
                        },
                    )?;
                }
                Ok(n)
            })
        });
        let dossiers = match outcome {
            Ok(Some(n)) => n,
            other => {
                // Nothing went in: files no row uses are removed again.
                if let Err(e) = documents::remove_unreferenced(self, &shas) {
                    tracing::warn!(error = e.code(), "files of a refused hand-off not removed");
                }
                match other {
                    Ok(_) => return Ok(self.noted(already())),
                    Err(e) => {
                        tracing::info!(bundle = %bundle_id, error = e.message_key(), "hand-off bundle not imported");
                        return Err(e);
                    }
                }
            }
        };
        tracing::info!(
            bundle = %bundle_id,
            person_id = %payload.person_id,
            documents = stored.len(),
            dossiers,
            "hand-off bundle imported"
        );
        Ok(HandoffImported {
            bundle_id,
            person_id: payload.person_id.clone(),
            imported: true,
            already_imported: false,
            documents: stored.len(),
            dossiers,
        })
    }

    /// Records a bundle found already here as arrived (see [`relay`]): best effort, the same
    /// bundle opened again records it too.
    fn noted(&self, got: HandoffImported) -> HandoffImported {
        if let Err(e) = self.store().write(|tx| relay::note_imported(tx, &got)) {
            tracing::warn!(error = e.code(), "hand-off arrival not recorded");
        }
        got
    }

    /// Marks the hand-offs of a person confirmed (the citizen's phone shows them); the app then
    /// offers [`Core::delete_person`]. Confirming again changes nothing.
    pub fn handoff_confirm(&self, person_id: &str) -> Result<HandoffConfirmed> {
        let pid = parse_id(person_id, "person")?;
        let ts = now();
        let out = self.store().write(|tx| -> Result<HandoffConfirmed> {
            let changed = tx.execute(
                "UPDATE handoffs SET confirmed_at = ?2 WHERE person_id = ?1 AND confirmed_at IS NULL",
                params![pid, ts],
            )?;
            let latest: Option<(String, String, Option<String>)> = tx
                .query_row(
                    "SELECT bundle_id, created_at, confirmed_at FROM handoffs
                     WHERE person_id = ?1 ORDER BY rowid DESC LIMIT 1",
                    [&pid],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((bundle_id, created_at, confirmed_at)) = latest else {
                return Err(CoreError::NotFound {
                    what: "hand-off of this person (make a bundle first)".into(),
                });
            };
            Ok(HandoffConfirmed {
                person_id: pid.clone(),
                bundle_id,
                created_at,
                confirmed_at: confirmed_at.unwrap_or_else(|| ts.clone()),
                already_confirmed: changed == 0,
            })
        })?;
        tracing::info!(person_id = %pid, bundle = %out.bundle_id, already = out.already_confirmed, "hand-off confirmed");
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
