//! Applying a signed catalog bundle ([`super::signed`]) to the store: everything in one
//! transaction — the procedures and reference lists ([`super::apply_update_in`], a full
//! replacement), the forms and guide files the bundle brings, and the open drafts whose form
//! changed (values kept by field id; a value of a removed field is dropped and the field listed in
//! `dossier_removed_fields`, which the draft's check list shows). Any error: nothing changed.
//! Every attempt's outcome is recorded in `sync_kv` ([`last_update`]) for Settings.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use ed25519_dalek::VerifyingKey;
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::signed::{self, BundleError};
use super::{compare_versions, stored_version, CatalogUpdate};
use crate::dossier::form::FormDef;
use crate::dossier::generated;
use crate::error::CoreError;
use crate::store::Store;

/// `sync_kv` key of the last update attempt ([`UpdateStatus`] as JSON).
pub const KEY_UPDATE_STATUS: &str = "catalog_update_status";

/// What a successful update did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateOutcome {
    pub version: String,
    pub previous_version: Option<String>,
    pub procedures: usize,
    pub forms: usize,
    pub guide_files: usize,
    /// Drafts whose form changed (values migrated).
    pub drafts_migrated: usize,
    /// Values dropped because their field left the form (each one flagged in its draft).
    pub fields_removed: usize,
}

/// The last update attempt, as Settings shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UpdateStatus {
    /// RFC 3339 UTC.
    pub at: String,
    /// `applied` or `refused`.
    pub outcome: String,
    /// The bundle's catalog version, when its header could be read.
    pub version: Option<String>,
    /// Why it was refused: a [`BundleError::code`].
    pub reason: Option<String>,
    /// The precise reason, for logs and support (no personal data).
    pub detail: Option<String>,
}

/// The last recorded update attempt.
pub fn last_update(store: &Store) -> crate::Result<Option<UpdateStatus>> {
    let text = crate::sync::db::get(store, KEY_UPDATE_STATUS)?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

fn store_err(e: CoreError) -> BundleError {
    tracing::error!(error = %e, "catalog update: store");
    BundleError::Store(e.to_string())
}

/// Verifies a bundle with `keys` and applies it (see the module docs). The outcome, either way,
/// is recorded for [`last_update`].
#[tracing::instrument(skip_all, fields(size = bytes.len()))]
pub fn apply_bundle(
    store: &Store,
    bytes: &[u8],
    keys: &[VerifyingKey],
) -> Result<UpdateOutcome, BundleError> {
    let result = apply_inner(store, bytes, keys);
    let status = match &result {
        Ok(o) => {
            tracing::info!(
                version = %o.version,
                procedures = o.procedures,
                forms = o.forms,
                drafts_migrated = o.drafts_migrated,
                fields_removed = o.fields_removed,
                "catalog update applied"
            );
            UpdateStatus {
                at: crate::dossier::now(),
                outcome: "applied".into(),
                version: Some(o.version.clone()),
                reason: None,
                detail: None,
            }
        }
        Err(e) => {
            tracing::warn!(reason = e.code(), error = %e, "catalog update refused");
            UpdateStatus {
                at: crate::dossier::now(),
                outcome: "refused".into(),
                version: signed::peek_header(bytes).ok().map(|h| h.catalog_version),
                reason: Some(e.code().into()),
                detail: Some(e.to_string()),
            }
        }
    };
    record(store, &status);
    result
}

/// Records a bundle refused before it could be opened (too large to download, or not the bytes
/// the server announced).
pub fn record_refusal(store: &Store, version: &str, e: &BundleError) {
    tracing::warn!(reason = e.code(), error = %e, version, "catalog update refused");
    record(
        store,
        &UpdateStatus {
            at: crate::dossier::now(),
            outcome: "refused".into(),
            version: Some(version.to_string()),
            reason: Some(e.code().into()),
            detail: Some(e.to_string()),
        },
    );
}

fn record(store: &Store, status: &UpdateStatus) {
    match serde_json::to_string(status) {
        Ok(json) => {
            if let Err(e) = crate::sync::db::set(store, KEY_UPDATE_STATUS, &json) {
                tracing::error!(error = %e, "catalog update status not recorded");
            }
        }
        Err(e) => tracing::error!(error = %e, "catalog update status not recorded"),
    }
}

fn apply_inner(
    store: &Store,
    bytes: &[u8],
    keys: &[VerifyingKey],
) -> Result<UpdateOutcome, BundleError> {
    let opened = signed::open(bytes, keys)?;
    let version = opened.header.catalog_version.clone();
    let previous = stored_version(store).map_err(store_err)?;
    if let Some(prev) = &previous {
        if compare_versions(&version, prev) != Some(Ordering::Greater) {
            return Err(BundleError::Stale {
                version,
                stored: prev.clone(),
            });
        }
    }
    let parsed = signed::parse_files(&opened.files)?;
    if parsed.catalog.manifest.catalog_version != version {
        return Err(BundleError::InvalidCatalog(format!(
            "manifest version {} differs from the signed header's {version}",
            parsed.catalog.manifest.catalog_version
        )));
    }

    // The forms of open drafts now and after the update, computed before the write.
    let drafts: Vec<(String, String)> = store
        .read(|c| -> crate::Result<Vec<(String, String)>> {
            let mut st =
                c.prepare("SELECT id, procedure_id FROM dossiers WHERE state = 'draft'")?;
            let rows = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .map_err(store_err)?;
    let procedures: BTreeSet<&str> = drafts.iter().map(|(_, p)| p.as_str()).collect();
    let mut forms: BTreeMap<&str, (Option<FormDef>, FormDef)> = BTreeMap::new();
    let new_stored = |id: &str| -> crate::Result<Option<FormDef>> {
        Ok(parsed.forms.get(id).map(|f| f.clone().with_common()))
    };
    for pid in procedures {
        let old = generated::procedure_form(store, pid).ok();
        let entry = parsed.catalog.procedures.iter().find(|p| p.id == pid);
        match generated::resolve_form(entry, pid, &new_stored) {
            Ok(new) => {
                forms.insert(pid, (old, new));
            }
            Err(e) => {
                // The draft keeps what it has; opening it says the form is gone.
                tracing::warn!(procedure = %pid, error = %e, "draft's procedure has no form after the update");
            }
        }
    }

    let n_procedures = parsed.catalog.procedures.len();
    let update = CatalogUpdate {
        version: version.clone(),
        verified_at: parsed.catalog.manifest.verified_at.clone(),
        source: "server",
        replace_all: true,
        upsert: parsed.catalog.procedures,
        delete: Vec::new(),
        refs: Some(parsed.catalog.refs),
    };
    let ts = crate::dossier::now();
    let (drafts_migrated, fields_removed) = store
        .write(|tx| -> crate::Result<(usize, usize)> {
            super::apply_update_in(tx, &update)?;
            tx.execute_batch("DELETE FROM catalog_form; DELETE FROM catalog_guide_file;")?;
            {
                let mut ins = tx.prepare(
                    "INSERT INTO catalog_form (procedure_id, body, version) VALUES (?1, ?2, ?3)",
                )?;
                for (id, text) in &parsed.form_texts {
                    ins.execute(params![id, text, version])?;
                }
                let mut ins = tx.prepare(
                    "INSERT INTO catalog_guide_file (path, body, version) VALUES (?1, ?2, ?3)",
                )?;
                for (path, text) in &parsed.guide_files {
                    ins.execute(params![path, text, version])?;
                }
            }
            let mut migrated = 0;
            let mut removed_total = 0;
            for (id, pid) in &drafts {
                let Some((old, new)) = forms.get(pid.as_str()) else {
                    continue;
                };
                let removed = migrate_draft(tx, id, old.as_ref(), new, &version, &ts)?;
                if removed.is_some() {
                    migrated += 1;
                }
                removed_total += removed.unwrap_or(0);
            }
            Ok((migrated, removed_total))
        })
        .map_err(store_err)?;
    Ok(UpdateOutcome {
        version,
        previous_version: previous,
        procedures: n_procedures,
        forms: parsed.form_texts.len(),
        guide_files: parsed.guide_files.len(),
        drafts_migrated,
        fields_removed,
    })
}

/// Moves one draft to its new form: values of fields the new form still has stay; the others are
/// dropped and recorded as removed. `None`: nothing changed for this draft; else how many values
/// were dropped.
fn migrate_draft(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    old: Option<&FormDef>,
    new: &FormDef,
    version: &str,
    ts: &str,
) -> crate::Result<Option<usize>> {
    let (form_version, fields): (u32, Vec<String>) = {
        let v: u32 = tx.query_row(
            "SELECT form_version FROM dossiers WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        let mut st = tx.prepare("SELECT field_id FROM dossier_values WHERE dossier_id = ?1")?;
        let f = st
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        (v, f)
    };
    let gone: Vec<&String> = fields.iter().filter(|f| new.field(f).is_none()).collect();
    let form_changed = old.is_none_or(|o| o != new) || form_version != new.version;
    if gone.is_empty() && !form_changed {
        return Ok(None);
    }
    for f in &gone {
        let (label, label_en) = old
            .and_then(|o| o.field(f))
            .map(|d| (d.label.clone(), d.label_en.clone()))
            .unwrap_or_else(|| ((*f).clone(), (*f).clone()));
        tx.execute(
            "DELETE FROM dossier_values WHERE dossier_id = ?1 AND field_id = ?2",
            params![id, f],
        )?;
        tx.execute(
            "INSERT INTO dossier_removed_fields
                (dossier_id, field_id, label, label_en, catalog_version, removed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (dossier_id, field_id) DO UPDATE SET label = excluded.label,
                label_en = excluded.label_en, catalog_version = excluded.catalog_version,
                removed_at = excluded.removed_at",
            params![id, f, label, label_en, version, ts],
        )?;
    }
    // A field that came back in this form is no longer "removed".
    let mut st = tx.prepare("SELECT field_id FROM dossier_removed_fields WHERE dossier_id = ?1")?;
    let flagged = st
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    for f in flagged {
        if new.field(&f).is_some() {
            tx.execute(
                "DELETE FROM dossier_removed_fields WHERE dossier_id = ?1 AND field_id = ?2",
                params![id, f],
            )?;
        }
    }
    tx.execute(
        "UPDATE dossiers SET form_version = ?2, revision = revision + 1, updated_at = ?3
         WHERE id = ?1 AND state = 'draft'",
        params![id, new.version, ts],
    )?;
    tracing::info!(dossier = %id, removed = gone.len(), "draft moved to the updated form");
    Ok(Some(gone.len()))
}
