//! What a bundle carries, and the rules every carried value must pass before anything is stored.
//! Pure: no store, no files. The description is JSON (serde, unknown fields refused); the papers'
//! bytes follow it, in the order of `papers`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use dvc_protocol::dossiers::{DossierManifest, DossierState, SupplementItem};

use crate::documents::{DocumentKind, DocumentMeta, MAX_DOCUMENT_BYTES};
use crate::dossier::MAX_VALUE_BYTES;
use crate::error::{CoreError, Result};
use crate::people::{self, PersonInput};
use crate::validate::PartialDate;

/// Most papers in one bundle.
pub const MAX_PAPERS: usize = 200;
/// Most dossiers in one bundle.
pub const MAX_DOSSIERS: usize = 200;
/// Per dossier: most field values, attachments, timeline lines and revisions.
pub const MAX_VALUES: usize = 500;
pub const MAX_ATTACHMENTS: usize = 100;
pub const MAX_TIMELINE: usize = 1000;
pub const MAX_REVISIONS: usize = 100;
/// Largest JSON text of one timeline line's detail or of a supplement request's items.
const MAX_DETAIL_BYTES: usize = 16 * 1024;

/// The description part of a bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    /// The person's id: kept on the citizen's phone (a second bundle of them imports nothing).
    pub person_id: String,
    pub person: PersonInput,
    pub papers: Vec<Paper>,
    pub dossiers: Vec<CarriedDossier>,
}

/// One paper (document) of the person; its bytes are the next `size` bytes of the blob area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paper {
    pub id: String,
    pub kind: DocumentKind,
    pub sha256: String,
    pub size: u64,
    pub issue_date: Option<String>,
    pub expiry_date: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CarriedState {
    Draft,
    Queued,
}

impl CarriedState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Queued => "queued",
        }
    }
}

/// A dossier of the person: a draft, or one the server holds (`remote`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarriedDossier {
    pub id: String,
    pub procedure_id: String,
    pub form_version: u32,
    pub helper: Option<String>,
    pub state: CarriedState,
    pub revision: i64,
    pub created_at: String,
    pub updated_at: String,
    pub submitted_at: Option<String>,
    pub values: Vec<CarriedValue>,
    pub attachments: Vec<CarriedAttachment>,
    pub remote: Option<Remote>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarriedValue {
    pub field: String,
    pub value: Value,
    pub prefilled: bool,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarriedAttachment {
    pub component: String,
    pub position: u32,
    pub document_id: String,
    pub sha256: String,
    pub bytes: i64,
    pub prefilled: bool,
    pub created_at: String,
}

/// What links a sent dossier to the server, and what the server said of it since.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remote {
    /// The dossier's uuid on the server (its idempotency key): how events find it.
    pub uuid: String,
    pub code: String,
    pub agency_code: String,
    pub state: DossierState,
    pub received_at: String,
    pub updated_at: String,
    pub timeline: Vec<TimelineLine>,
    /// The manifest the server holds for its latest revision: an answer to a supplement request
    /// is the next revision of exactly this.
    pub manifest: Option<DossierManifest>,
    pub supplement: Option<CarriedSupplement>,
    pub revisions: Vec<CarriedRevision>,
    pub fee: Option<CarriedFee>,
    pub result: Option<CarriedResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineLine {
    pub kind: String,
    pub state: String,
    pub detail: Option<Value>,
    pub at: String,
    /// The server event's cursor (none for the device's own lines): a replayed event is stored
    /// once.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarriedSupplement {
    pub note: String,
    pub items: Vec<SupplementItem>,
    pub state: String,
    pub requested_at: String,
    pub base_revision: u32,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarriedRevision {
    pub revision: u32,
    pub changed_fields: Vec<String>,
    pub changed_attachments: Vec<String>,
    pub submitted_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarriedFee {
    pub amount_vnd: u64,
    pub bank_bin: String,
    pub account_number: String,
    pub account_name: String,
    pub transfer_note: String,
    pub requested_at: String,
    pub claimed_at: Option<String>,
    pub paid_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarriedResult {
    pub method: String,
    pub sha256: Option<String>,
    pub content_type: Option<String>,
    pub size: Option<u64>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub ready_at: String,
    pub document_id: Option<String>,
    pub stored_at: Option<String>,
}

/// A carried value that breaks a rule (`path` names it, never its content).
pub(crate) fn invalid(path: &str, why: impl std::fmt::Display) -> CoreError {
    CoreError::invalid(
        format!("bundle.{path}"),
        format!("the bundle's {path} {why}"),
        "handoff.invalid_content",
    )
}

fn too_many(what: &str, n: usize, max: usize) -> CoreError {
    crate::handoff::bundle::too_large(format!(
        "the bundle holds {n} {what}; at most {max} are accepted"
    ))
}

/// A canonical (hyphenated, lower-case) UUID, as the store writes ids.
fn uuid(path: &str, s: &str) -> Result<()> {
    match uuid::Uuid::parse_str(s) {
        Ok(u) if u.hyphenated().to_string() == s => Ok(()),
        _ => Err(invalid(path, "is not an id")),
    }
}

fn sha256_hex(path: &str, s: &str) -> Result<()> {
    if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(invalid(path, "is not a SHA-256 hash"))
    }
}

/// Free text: at most `max` bytes, no control characters.
fn text(path: &str, s: &str, max: usize) -> Result<()> {
    if s.len() > max {
        return Err(invalid(path, format_args!("is longer than {max} bytes")));
    }
    if s.chars().any(char::is_control) {
        return Err(invalid(path, "contains control characters"));
    }
    Ok(())
}

fn opt_text(path: &str, s: Option<&str>, max: usize) -> Result<()> {
    s.map_or(Ok(()), |s| text(path, s, max))
}

/// A name the app itself gives (a field or component id, a timeline kind): not empty, at most
/// `max` bytes, no control characters or spaces at its ends.
fn name(path: &str, s: &str, max: usize) -> Result<()> {
    if s.is_empty() || s.trim() != s {
        return Err(invalid(path, "is empty or padded"));
    }
    text(path, s, max)
}

/// An RFC 3339 moment, as the store and the server write them.
fn moment(path: &str, s: &str) -> Result<()> {
    let ok = s.len() <= 40
        && time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok();
    if ok {
        Ok(())
    } else {
        Err(invalid(path, "is not an RFC 3339 time"))
    }
}

fn opt_moment(path: &str, s: Option<&str>) -> Result<()> {
    s.map_or(Ok(()), |s| moment(path, s))
}

fn one_of(path: &str, s: &str, allowed: &[&str]) -> Result<()> {
    if allowed.contains(&s) {
        Ok(())
    } else {
        Err(invalid(
            path,
            format_args!("is not one of {}", allowed.join(", ")),
        ))
    }
}

fn json_len(path: &str, v: &impl Serialize, max: usize) -> Result<()> {
    let n = serde_json::to_string(v).map_or(usize::MAX, |s| s.len());
    if n > max {
        return Err(invalid(path, format_args!("is longer than {max} bytes")));
    }
    Ok(())
}

/// Checks every carried value (the person with the profile rules of [`people::check`], papers'
/// ids, hashes, sizes and dates with the document rules, dossiers against the store's shapes)
/// and the count limits. Nothing is stored here; the papers' bytes are checked by
/// [`paper_bytes`].
pub fn validate(p: &Payload, today: PartialDate) -> Result<()> {
    if p.papers.len() > MAX_PAPERS {
        return Err(too_many("papers", p.papers.len(), MAX_PAPERS));
    }
    if p.dossiers.len() > MAX_DOSSIERS {
        return Err(too_many("dossiers", p.dossiers.len(), MAX_DOSSIERS));
    }
    uuid("person_id", &p.person_id)?;
    if let Err(errors) = people::check(&p.person, today) {
        let (field, key) = errors
            .first()
            .map_or(("person", "errors.invalid_input"), |e| {
                (e.field, e.message_key)
            });
        return Err(invalid(
            &format!("person.{field}"),
            format_args!("breaks a profile rule ({key})"),
        ));
    }
    let mut ids = BTreeSet::new();
    for (i, paper) in p.papers.iter().enumerate() {
        let path = format!("papers[{i}]");
        uuid(&format!("{path}.id"), &paper.id)?;
        if !ids.insert(paper.id.as_str()) {
            return Err(invalid(&format!("{path}.id"), "appears twice"));
        }
        sha256_hex(&format!("{path}.sha256"), &paper.sha256)?;
        moment(&format!("{path}.created_at"), &paper.created_at)?;
        if paper.size == 0 {
            return Err(invalid(&format!("{path}.size"), "is zero"));
        }
        if paper.size > MAX_DOCUMENT_BYTES as u64 {
            return Err(crate::handoff::bundle::too_large(format!(
                "paper {i} has {} bytes; a paper is at most {MAX_DOCUMENT_BYTES}",
                paper.size
            )));
        }
        crate::documents::check_dates(&DocumentMeta {
            issue_date: paper.issue_date.clone(),
            expiry_date: paper.expiry_date.clone(),
        })
        .map_err(|e| {
            invalid(
                &format!("{path}.dates"),
                format_args!("are not valid ({})", e.message_key()),
            )
        })?;
    }
    let mut ids = BTreeSet::new();
    let mut uuids = BTreeSet::new();
    for (i, d) in p.dossiers.iter().enumerate() {
        let path = format!("dossiers[{i}]");
        uuid(&format!("{path}.id"), &d.id)?;
        if !ids.insert(d.id.as_str()) {
            return Err(invalid(&format!("{path}.id"), "appears twice"));
        }
        dossier(&path, d)?;
        if let Some(r) = &d.remote {
            if !uuids.insert(r.uuid.as_str()) {
                return Err(invalid(&format!("{path}.remote.uuid"), "appears twice"));
            }
        }
    }
    Ok(())
}

/// Each paper's bytes, cut from `blobs` by the sizes [`validate`] checked: they must add up to
/// exactly `blobs`, and each must match its SHA-256.
pub fn paper_bytes<'b>(p: &Payload, blobs: &'b [u8]) -> Result<Vec<&'b [u8]>> {
    let mut out = Vec::with_capacity(p.papers.len());
    let mut offset = 0usize;
    for (i, paper) in p.papers.iter().enumerate() {
        let path = format!("papers[{i}]");
        let bytes = usize::try_from(paper.size)
            .ok()
            .and_then(|size| offset.checked_add(size))
            .and_then(|end| blobs.get(offset..end))
            .ok_or_else(|| invalid(&format!("{path}.size"), "runs past the papers' bytes"))?;
        if hex::encode(Sha256::digest(bytes)) != paper.sha256 {
            return Err(invalid(&path, "does not match its hash"));
        }
        offset += bytes.len();
        out.push(bytes);
    }
    if offset != blobs.len() {
        return Err(invalid(
            "papers",
            format_args!(
                "account for {offset} of the {} bytes that follow",
                blobs.len()
            ),
        ));
    }
    Ok(out)
}

fn dossier(path: &str, d: &CarriedDossier) -> Result<()> {
    text(&format!("{path}.procedure_id"), &d.procedure_id, 200)?;
    opt_text(&format!("{path}.helper"), d.helper.as_deref(), 200)?;
    if d.revision < 0 {
        return Err(invalid(&format!("{path}.revision"), "is negative"));
    }
    moment(&format!("{path}.created_at"), &d.created_at)?;
    moment(&format!("{path}.updated_at"), &d.updated_at)?;
    opt_moment(&format!("{path}.submitted_at"), d.submitted_at.as_deref())?;
    if d.values.len() > MAX_VALUES {
        return Err(too_many(
            "values in one dossier",
            d.values.len(),
            MAX_VALUES,
        ));
    }
    if d.attachments.len() > MAX_ATTACHMENTS {
        return Err(too_many(
            "attachments in one dossier",
            d.attachments.len(),
            MAX_ATTACHMENTS,
        ));
    }
    let mut fields = BTreeSet::new();
    for (j, v) in d.values.iter().enumerate() {
        let vp = format!("{path}.values[{j}]");
        name(&format!("{vp}.field"), &v.field, 128)?;
        if !fields.insert(v.field.as_str()) {
            return Err(invalid(&format!("{vp}.field"), "appears twice"));
        }
        json_len(&format!("{vp}.value"), &v.value, MAX_VALUE_BYTES)?;
        moment(&format!("{vp}.updated_at"), &v.updated_at)?;
    }
    let mut slots = BTreeSet::new();
    for (j, a) in d.attachments.iter().enumerate() {
        let ap = format!("{path}.attachments[{j}]");
        name(&format!("{ap}.component"), &a.component, 128)?;
        if !slots.insert((a.component.as_str(), a.position)) {
            return Err(invalid(&ap, "fills a slot twice"));
        }
        // Attachments name documents by the ids the store gives them; they are references
        // (the document may have been deleted since), checked for shape only.
        name(&format!("{ap}.document_id"), &a.document_id, 64)?;
        sha256_hex(&format!("{ap}.sha256"), &a.sha256)?;
        if a.bytes < 0 {
            return Err(invalid(&format!("{ap}.bytes"), "is negative"));
        }
        moment(&format!("{ap}.created_at"), &a.created_at)?;
    }
    match (&d.remote, d.state) {
        (Some(_), CarriedState::Draft) => {
            return Err(invalid(&format!("{path}.remote"), "is set on a draft"))
        }
        (None, CarriedState::Queued) => {
            return Err(invalid(
                &format!("{path}.remote"),
                "is missing on a sent dossier",
            ))
        }
        (Some(r), CarriedState::Queued) => remote(&format!("{path}.remote"), r)?,
        (None, CarriedState::Draft) => {}
    }
    Ok(())
}

fn remote(path: &str, r: &Remote) -> Result<()> {
    uuid(&format!("{path}.uuid"), &r.uuid)?;
    name(&format!("{path}.code"), &r.code, 64)?;
    text(&format!("{path}.agency_code"), &r.agency_code, 64)?;
    moment(&format!("{path}.received_at"), &r.received_at)?;
    moment(&format!("{path}.updated_at"), &r.updated_at)?;
    if r.timeline.len() > MAX_TIMELINE {
        return Err(too_many(
            "timeline lines in one dossier",
            r.timeline.len(),
            MAX_TIMELINE,
        ));
    }
    let mut cursors = BTreeSet::new();
    for (k, t) in r.timeline.iter().enumerate() {
        let tp = format!("{path}.timeline[{k}]");
        name(&format!("{tp}.kind"), &t.kind, 64)?;
        name(&format!("{tp}.state"), &t.state, 64)?;
        moment(&format!("{tp}.at"), &t.at)?;
        if let Some(c) = &t.cursor {
            name(&format!("{tp}.cursor"), c, 64)?;
            if !cursors.insert(c.as_str()) {
                return Err(invalid(&format!("{tp}.cursor"), "appears twice"));
            }
        }
        if let Some(detail) = &t.detail {
            json_len(&format!("{tp}.detail"), detail, MAX_DETAIL_BYTES)?;
        }
    }
    if let Some(m) = &r.manifest {
        json_len(&format!("{path}.manifest"), m, 512 * 1024)?;
    }
    if let Some(s) = &r.supplement {
        let sp = format!("{path}.supplement");
        text(&format!("{sp}.note"), &s.note, 4000)?;
        json_len(&format!("{sp}.items"), &s.items, MAX_DETAIL_BYTES)?;
        one_of(
            &format!("{sp}.state"),
            &s.state,
            &["open", "submitted", "closed"],
        )?;
        moment(&format!("{sp}.requested_at"), &s.requested_at)?;
        moment(&format!("{sp}.updated_at"), &s.updated_at)?;
    }
    if r.revisions.len() > MAX_REVISIONS {
        return Err(too_many(
            "revisions in one dossier",
            r.revisions.len(),
            MAX_REVISIONS,
        ));
    }
    let mut numbers = BTreeSet::new();
    for (k, v) in r.revisions.iter().enumerate() {
        let rp = format!("{path}.revisions[{k}]");
        if v.revision < 2 || !numbers.insert(v.revision) {
            return Err(invalid(
                &format!("{rp}.revision"),
                "is below 2 or appears twice",
            ));
        }
        json_len(
            &format!("{rp}.changed_fields"),
            &v.changed_fields,
            MAX_DETAIL_BYTES,
        )?;
        json_len(
            &format!("{rp}.changed_attachments"),
            &v.changed_attachments,
            MAX_DETAIL_BYTES,
        )?;
        moment(&format!("{rp}.submitted_at"), &v.submitted_at)?;
    }
    if let Some(f) = &r.fee {
        let fp = format!("{path}.fee");
        if i64::try_from(f.amount_vnd).is_err() {
            return Err(invalid(&format!("{fp}.amount_vnd"), "is too large"));
        }
        text(&format!("{fp}.bank_bin"), &f.bank_bin, 20)?;
        text(&format!("{fp}.account_number"), &f.account_number, 64)?;
        text(&format!("{fp}.account_name"), &f.account_name, 200)?;
        text(&format!("{fp}.transfer_note"), &f.transfer_note, 200)?;
        moment(&format!("{fp}.requested_at"), &f.requested_at)?;
        opt_moment(&format!("{fp}.claimed_at"), f.claimed_at.as_deref())?;
        opt_moment(&format!("{fp}.paid_at"), f.paid_at.as_deref())?;
    }
    if let Some(x) = &r.result {
        let xp = format!("{path}.result");
        one_of(&format!("{xp}.method"), &x.method, &["online", "postal"])?;
        if let Some(s) = &x.sha256 {
            sha256_hex(&format!("{xp}.sha256"), s)?;
        }
        opt_text(
            &format!("{xp}.content_type"),
            x.content_type.as_deref(),
            100,
        )?;
        if x.size.is_some_and(|n| i64::try_from(n).is_err()) {
            return Err(invalid(&format!("{xp}.size"), "is too large"));
        }
        opt_text(&format!("{xp}.carrier"), x.carrier.as_deref(), 100)?;
        opt_text(
            &format!("{xp}.tracking_number"),
            x.tracking_number.as_deref(),
            100,
        )?;
        moment(&format!("{xp}.ready_at"), &x.ready_at)?;
        if let Some(id) = &x.document_id {
            name(&format!("{xp}.document_id"), id, 64)?;
        }
        opt_moment(&format!("{xp}.stored_at"), x.stored_at.as_deref())?;
    }
    Ok(())
}
