//! Restored dossiers made whole on this phone (issue 18).
//!
//! A dossier learned from the server (a citizen's new phone, or one a volunteer filed for them)
//! first has only its manifest's form values and its events. Two things make it whole:
//!
//! - **Its applicant**: the person on this phone with the ID number its form carries, or a new
//!   person made from the form's applicant fields (the same fields that prefilled it, read
//!   backwards). The result then lands in that person's papers like on the phone that made it.
//! - **Its attachments**, fetched only when the agency asks for a supplement (on 2G a restored list
//!   of many dossiers must not pull every photo): each blob is checked against the manifest's hash
//!   and kept in the applicant's encrypted papers, and the dossier's attachment slots point at them,
//!   so "Nộp bổ sung" works from this phone: the answer is the next revision of exactly the
//!   server's manifest (same procedure, agency, citizen and consent basis).

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use dvc_protocol::dossiers::{Attachment, DossierManifest, FormValue};

use crate::documents::{DocumentId, DocumentMeta};
use crate::error::{CoreError, Result};
use crate::people::PersonInput;
use crate::Core;

/// The manifest's text value of the form field that prefills from `source` (e.g.
/// `person.id_number`).
fn by_source(
    form: &crate::dossier::form::FormDef,
    m: &DossierManifest,
    source: &str,
) -> Option<String> {
    let field = form
        .fields()
        .find(|f| f.prefill.as_deref() == Some(source))?;
    match m.form.get(&field.id)? {
        FormValue::Text(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
        _ => None,
    }
}

/// Links a restored dossier to its applicant (see the module). `Ok(None)`: the form names nobody
/// this phone can keep (no name), and nothing changed.
pub fn adopt_applicant(
    core: &Core,
    dossier_id: &str,
    m: &DossierManifest,
) -> Result<Option<String>> {
    let store = core.store();
    let (current, procedure): (Option<String>, String) = store.read(|c| {
        c.query_row(
            "SELECT applicant_id, procedure_id FROM dossiers WHERE id = ?1",
            [dossier_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    })?;
    if current.is_some() {
        return Ok(current);
    }
    let Ok(form) = core.procedure_form(&procedure) else {
        return Ok(None);
    };
    let get = |s: &str| by_source(&form, m, s);
    let id_number = get("person.id_number");
    let known: Option<String> = match &id_number {
        Some(n) => store.read(|c| {
            c.query_row("SELECT id FROM people WHERE id_number = ?1", [n], |r| {
                r.get(0)
            })
            .optional()
        })?,
        None => None,
    };
    let person = match known {
        Some(p) => p,
        None => {
            let Some(full_name) = get("person.full_name") else {
                return Ok(None);
            };
            let whole = PersonInput {
                full_name: full_name.clone(),
                sex: get("person.sex"),
                date_of_birth: get("person.date_of_birth"),
                id_number: id_number.clone(),
                old_id_number: get("person.old_id_number"),
                id_issue_date: get("person.issue_date"),
                phone: get("person.phone"),
                email: get("person.email"),
                permanent_address: get("person.permanent_address"),
                current_address: get("person.current_address"),
                ethnicity: get("person.ethnicity"),
                nationality: get("person.nationality"),
                ..PersonInput::default()
            };
            // A value the profile rules refuse (the agency's form may be looser) costs that
            // value, not the person: the name and ID number alone are enough to keep.
            match core.add_person(&whole) {
                Ok(p) => p.id,
                Err(e) => {
                    tracing::info!(dossier = %dossier_id, error = e.code(), "applicant kept with fewer details");
                    let bare = PersonInput {
                        full_name,
                        id_number,
                        ..PersonInput::default()
                    };
                    match core.add_person(&bare) {
                        Ok(p) => p.id,
                        Err(e) => {
                            tracing::warn!(dossier = %dossier_id, error = e.code(), "applicant of a restored dossier not kept");
                            return Ok(None);
                        }
                    }
                }
            }
        }
    };
    store.write(|tx| {
        tx.execute(
            "UPDATE dossiers SET applicant_id = ?2 WHERE id = ?1 AND applicant_id IS NULL",
            params![dossier_id, person],
        )
    })?;
    tracing::info!(dossier = %dossier_id, "restored dossier linked to its applicant");
    Ok(Some(person))
}

/// A restored dossier whose attachments are to be fetched now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PapersToFetch {
    pub dossier_id: String,
    pub person_id: String,
    pub procedure_id: String,
    pub attachments: Vec<Attachment>,
}

/// Restored dossiers of `account_id` with an open supplement request, an applicant and their
/// attachments not fetched yet (a slot the user already filled for the answer keeps their file).
pub fn papers_to_fetch(c: &Connection, account_id: &str) -> Result<Vec<PapersToFetch>> {
    let mut st = c.prepare(
        "SELECT o.dossier_id, d.applicant_id, d.procedure_id, o.manifest
         FROM dossier_origin o
         JOIN dossiers d ON d.id = o.dossier_id
         JOIN dossier_supplement s ON s.dossier_id = o.dossier_id
         WHERE o.account_id = ?1 AND o.manifest IS NOT NULL AND o.papers_at IS NULL
           AND d.applicant_id IS NOT NULL AND s.state = 'open'
         ORDER BY s.requested_at",
    )?;
    let rows = st.query_map([account_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let (dossier_id, person_id, procedure_id, manifest) = row?;
        let m: DossierManifest = serde_json::from_str(&manifest).map_err(|e| {
            CoreError::invalid(
                "manifest",
                format!("stored manifest: {e}"),
                "errors.internal",
            )
        })?;
        out.push(PapersToFetch {
            dossier_id,
            person_id,
            procedure_id,
            attachments: m.attachments,
        });
    }
    Ok(out)
}

/// Why the attachments of a restored dossier could not be fetched (kept; tried again when the
/// next pass finds the dossier still without them).
pub fn papers_failed(core: &Core, dossier_id: &str, why: &str) -> Result<()> {
    core.store().write(|tx| {
        tx.execute(
            "UPDATE dossier_origin SET papers_error = ?2 WHERE dossier_id = ?1",
            params![dossier_id, why],
        )
    })?;
    Ok(())
}

/// Keeps the fetched attachments of a restored dossier: every blob must match its manifest
/// entry, or nothing is kept. Each becomes a paper of the applicant and fills the dossier's slot
/// of its kind (in manifest order) unless the user already filled that slot. Returns how many
/// were kept.
pub fn keep_papers(core: &Core, todo: &PapersToFetch, blobs: &[Vec<u8>]) -> Result<usize> {
    if blobs.len() != todo.attachments.len() {
        return Err(CoreError::invalid(
            "attachments",
            format!("{} of {} fetched", blobs.len(), todo.attachments.len()),
            "errors.internal",
        ));
    }
    for (a, b) in todo.attachments.iter().zip(blobs) {
        if b.len() as u64 != a.size || hex::encode(Sha256::digest(b)) != a.sha256 {
            return Err(CoreError::invalid(
                "attachments",
                format!("a {} file does not match its manifest entry", a.kind),
                "errors.internal",
            ));
        }
    }
    let form = core.procedure_form(&todo.procedure_id)?;
    let mut rows: Vec<(String, u32, DocumentId, String, u64)> = vec![];
    for (a, bytes) in todo.attachments.iter().zip(blobs) {
        let kind = form
            .components
            .iter()
            .find(|c| c.id == a.kind)
            .map_or(crate::documents::DocumentKind::Other, |c| {
                crate::dossier::document_kind(c)
            });
        let doc = core.store_document(&todo.person_id, kind, bytes, &DocumentMeta::default())?;
        // The stored paper is what the slot holds (the same bytes: they were cleaned when the
        // dossier was made).
        let stored = core.read_document(&doc)?;
        let position = u32::try_from(rows.iter().filter(|r| r.0 == a.kind).count()).unwrap_or(0);
        rows.push((
            a.kind.clone(),
            position,
            doc,
            hex::encode(Sha256::digest(&stored)),
            stored.len() as u64,
        ));
    }
    let ts = crate::dossier::now();
    core.store().write(|tx| -> Result<()> {
        for (component, position, doc, sha, size) in &rows {
            tx.execute(
                "INSERT OR IGNORE INTO dossier_attachments
                   (dossier_id, component_id, position, document_id, sha256, bytes, prefilled,
                    created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7)",
                params![
                    todo.dossier_id,
                    component,
                    position,
                    doc.0,
                    sha,
                    i64::try_from(*size).unwrap_or(i64::MAX),
                    ts
                ],
            )?;
        }
        tx.execute(
            "UPDATE dossier_origin SET papers_at = ?2, papers_error = NULL WHERE dossier_id = ?1",
            params![todo.dossier_id, ts],
        )?;
        Ok(())
    })?;
    tracing::info!(dossier = %todo.dossier_id, files = rows.len(), "restored dossier's attachments kept");
    Ok(rows.len())
}
