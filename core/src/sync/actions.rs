//! What the applicant does after submission — cancel, "Tôi đã chuyển khoản", rating, resubmit
//! after a supplement request — queued locally (even offline) in `dossier_actions` and sent by
//! the runner in order per dossier, each exactly once in effect (the server's calls are
//! idempotent on the frozen body). These are the service functions the CLI and the Tauri
//! commands call; [`dossier_detail`] is what a dossier screen shows.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use dvc_protocol::dossiers::{
    CancelRequest, DossierManifest, DossierState, PaymentClaimRequest, RatingRequest,
};

use super::db::{
    self, ActionRow, FeeRequest, FileRef, ResultInfo, RevisionRow, Supplement, Tracked,
};
use super::decide::{self, ActionKind};
use super::{manifest, SyncError};
use crate::documents::{sniff_media_type, DocumentId};
use crate::dossier;
use crate::error::CoreError;
use crate::Core;

/// What queuing an action did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionQueued {
    pub dossier_id: String,
    pub kind: ActionKind,
    /// The new action's id; `None` when the same action was already waiting (queued once).
    pub action_id: Option<String>,
    pub already_queued: bool,
    /// For a resubmission: its revision number and what changed against the previous one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_fields: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_attachments: Option<Vec<String>>,
}

fn refused(field: &str, why: impl Into<String>, key: &'static str) -> SyncError {
    SyncError::Core(CoreError::invalid(field, why, key))
}

fn json<T: Serialize>(v: &T) -> Result<String, SyncError> {
    serde_json::to_string(v).map_err(|e| {
        SyncError::Core(CoreError::invalid(
            "json",
            format!("encode: {e}"),
            "errors.internal",
        ))
    })
}

/// The server state of a sent dossier, or `None` while it waits in the outbox. Unknown ids are
/// `NotFound`.
fn known_state(core: &Core, id: &str) -> Result<Option<DossierState>, SyncError> {
    dossier::get(core.store(), id)?;
    Ok(core
        .store()
        .read(|c| db::remote_state(c, id))?
        .map(|(s, _)| s))
}

fn check_allowed(kind: ActionKind, state: Option<DossierState>, id: &str) -> Result<(), SyncError> {
    match state {
        None => Err(refused(
            "dossier",
            format!("dossier {id} has not reached the server yet"),
            "dossier.not_sent",
        )),
        Some(s) => decide::action_allowed(kind, s).map_err(|key| {
            refused(
                "dossier",
                format!(
                    "dossier {id} is {}: {} is not possible",
                    s.as_str(),
                    kind.as_str()
                ),
                key,
            )
        }),
    }
}

fn queue(core: &Core, id: &str, kind: ActionKind, body: &str) -> Result<ActionQueued, SyncError> {
    let action_id = core
        .store()
        .write(|tx| db::queue_action(tx, id, kind.as_str(), body))?;
    tracing::info!(dossier = %id, kind = kind.as_str(), queued = action_id.is_some(), "applicant action");
    Ok(ActionQueued {
        dossier_id: id.to_string(),
        kind,
        already_queued: action_id.is_none(),
        action_id,
        revision: None,
        changed_fields: None,
        changed_attachments: None,
    })
}

/// Withdraws a dossier ("Hủy hồ sơ"). Allowed while the agency has not accepted it (received,
/// supplement requested, fee requested as last seen); a dossier still waiting in the outbox is
/// cancelled as soon as it arrives. The server decides in the end: a refusal (409.3) sets the
/// action aside with `sync.reason.invalid_transition`.
pub fn cancel(core: &Core, id: &str, reason: Option<&str>) -> Result<ActionQueued, SyncError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 500) {
        return Err(refused(
            "reason",
            "the reason is longer than 500 characters",
            "validation.too_long",
        ));
    }
    if dossier::get(core.store(), id)?.state == dossier::DossierState::Draft {
        return Err(refused(
            "dossier",
            format!("dossier {id} is a draft: delete it instead"),
            "dossier.not_submitted",
        ));
    }
    if let Some(s) = known_state(core, id)? {
        check_allowed(ActionKind::Cancel, Some(s), id)?;
    }
    let body = json(&CancelRequest {
        reason: reason.map(str::to_owned),
    })?;
    queue(core, id, ActionKind::Cancel, &body)
}

/// "Tôi đã chuyển khoản": tells the agency the fee was transferred (the officer confirms).
pub fn claim_payment(core: &Core, id: &str) -> Result<ActionQueued, SyncError> {
    let state = known_state(core, id)?;
    check_allowed(ActionKind::PaymentClaim, state, id)?;
    let fee = core
        .store()
        .read(|c| db::fee_request(c, id))?
        .ok_or_else(|| {
            refused(
                "dossier",
                format!("no fee requested for {id}"),
                "dossier.no_fee_due",
            )
        })?;
    let body = json(&PaymentClaimRequest {
        amount_vnd: fee.amount_vnd,
    })?;
    queue(core, id, ActionKind::PaymentClaim, &body)
}

/// Rates a completed dossier, 1–5 stars with an optional comment, once: the same rating again
/// changes nothing; a different one after the first is refused (`dossier.already_rated`).
pub fn rate(
    core: &Core,
    id: &str,
    stars: u8,
    comment: Option<&str>,
) -> Result<ActionQueued, SyncError> {
    let comment = decide::check_rating(stars, comment).map_err(|key| {
        refused(
            "stars",
            "stars must be 1 to 5, comment at most 1000 characters",
            key,
        )
    })?;
    let state = known_state(core, id)?;
    check_allowed(ActionKind::Rating, state, id)?;
    let body = json(&RatingRequest { stars, comment })?;
    let earlier = core.store().read(|c| db::dossier_actions(c, id))?;
    if let Some(first) = earlier
        .iter()
        .find(|a| a.kind == "rating" && a.state != "quarantined")
    {
        if first.body == body {
            return Ok(ActionQueued {
                dossier_id: id.to_string(),
                kind: ActionKind::Rating,
                action_id: None,
                already_queued: true,
                revision: None,
                changed_fields: None,
                changed_attachments: None,
            });
        }
        return Err(refused(
            "stars",
            format!("dossier {id} is already rated"),
            "dossier.already_rated",
        ));
    }
    queue(core, id, ActionKind::Rating, &body)
}

/// The manifest the server holds for the dossier's latest revision (as this device sent it,
/// the server gave it, or a hand-off carried it).
pub(crate) fn previous_manifest(c: &Connection, id: &str) -> Result<Option<String>, SyncError> {
    let rev: Option<String> = c
        .query_row(
            "SELECT body FROM dossier_actions WHERE dossier_id = ?1 AND kind = 'revision'
               AND state = 'done' ORDER BY revision DESC LIMIT 1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    if rev.is_some() {
        return Ok(rev);
    }
    let sent: Option<String> = c
        .query_row(
            "SELECT m.manifest FROM sync_manifests m JOIN outbox o ON o.id = m.outbox_id
             WHERE o.dossier_id = ?1 AND o.state = 'done' ORDER BY o.id DESC LIMIT 1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    if sent.is_some() {
        return Ok(sent);
    }
    // A dossier restored from the server: the manifest the server gave.
    let restored: Option<String> = c
        .query_row(
            "SELECT manifest FROM dossier_origin WHERE dossier_id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    if restored.is_some() {
        return Ok(restored);
    }
    // A dossier handed over from another phone (a volunteer's): the manifest it carried.
    Ok(c.query_row(
        "SELECT manifest FROM handoff_dossiers WHERE dossier_id = ?1",
        [id],
        |r| r.get(0),
    )
    .optional()?
    .flatten())
}

/// Sends the corrected dossier after a supplement request ("Nộp bổ sung"): checks it, builds the
/// next revision's manifest (same procedure and agency), records what changed and queues it.
/// From now on the dossier is read-only again; the runner uploads only the files the server
/// lacks and `PUT`s the revision; the server's `resubmitted` event closes the request.
pub fn resubmit(core: &Core, id: &str) -> Result<ActionQueued, SyncError> {
    let store = core.store();
    let d = dossier::get(store, id)?;
    let sup = store
        .read(|c| db::supplement(c, id))?
        .filter(|s| s.state == "open")
        .ok_or_else(|| {
            refused(
                "dossier",
                format!("dossier {id} has no open supplement request"),
                "dossier.no_supplement",
            )
        })?;
    let (state, agency) = store.read(|c| db::remote_state(c, id))?.ok_or_else(|| {
        refused(
            "dossier",
            format!("dossier {id} was not sent"),
            "dossier.not_sent",
        )
    })?;
    check_allowed(ActionKind::Revision, Some(state), id)?;
    let mut problems = core.draft_check(id)?;
    problems.retain(|p| !p.is_notice());
    if let Some(first) = problems.first() {
        return Err(refused(
            "dossier",
            format!("{} problem(s) left, first {}", problems.len(), first.path),
            "dossier.incomplete",
        ));
    }
    let form = core.procedure_form(&d.procedure_id)?;
    let mut files = Vec::with_capacity(d.attachments.len());
    let mut types = Vec::with_capacity(d.attachments.len());
    for a in &d.attachments {
        let bytes = core.read_document(&DocumentId(a.document_id.clone()))?;
        files.push(FileRef {
            document_id: a.document_id.clone(),
            sha256: hex::encode(Sha256::digest(&bytes)),
            size: bytes.len() as u64,
        });
        types.push(sniff_media_type(&bytes));
    }
    let prev_json = store.read(|c| previous_manifest(c, id))?;
    let prev: Option<DossierManifest> = prev_json.and_then(|j| serde_json::from_str(&j).ok());
    let mut m = manifest::build(&d, &form, &agency, &files, &types);
    if let Some(p) = &prev {
        // The same procedure and agency as before (the server requires it), and the original
        // device submission time.
        m.procedure_code.clone_from(&p.procedure_code);
        m.agency_code.clone_from(&p.agency_code);
        m.submitted_on_device_at
            .clone_from(&p.submitted_on_device_at);
        // Filed for the same citizen, on the same basis, as the first time.
        m.on_behalf_of.clone_from(&p.on_behalf_of);
        m.consent_basis = p.consent_basis;
    }
    let (fields, kinds) = match &prev {
        Some(p) => decide::manifest_changes(p, &m),
        None => (vec![], vec![]),
    };
    let body = json(&m)?;
    let files_json = json(&files)?;
    let changes = json(&serde_json::json!({ "fields": fields, "attachments": kinds }))?;
    let revision = store
        .read(|c| db::current_revision(c, id))?
        .max(sup.base_revision)
        + 1;
    let ts = dossier::now();
    let action_id = uuid::Uuid::now_v7().to_string();
    store.write(|tx| -> crate::Result<()> {
        let n = tx.execute(
            "UPDATE dossier_supplement SET state = 'submitted', updated_at = ?2
             WHERE dossier_id = ?1 AND state = 'open'",
            params![id, ts],
        )?;
        if n == 0 {
            return Err(CoreError::invalid(
                "dossier",
                format!("dossier {id} has no open supplement request"),
                "dossier.no_supplement",
            ));
        }
        // A refused earlier attempt at the same number gives way to this one.
        tx.execute(
            "DELETE FROM dossier_actions WHERE dossier_id = ?1 AND revision = ?2
               AND state = 'quarantined'",
            params![id, revision],
        )?;
        tx.execute(
            "INSERT INTO dossier_actions (id, dossier_id, kind, body, revision, files, changes,
                                          created_at, updated_at)
             VALUES (?1, ?2, 'revision', ?3, ?4, ?5, ?6, ?7, ?7)",
            params![action_id, id, body, revision, files_json, changes, ts],
        )?;
        tx.execute(
            "INSERT INTO dossier_timeline (dossier_id, kind, state, detail, at)
             VALUES (?1, 'resubmit_queued', 'supplement_requested', ?2, ?3)",
            params![
                id,
                serde_json::json!({ "revision": revision }).to_string(),
                ts
            ],
        )?;
        Ok(())
    })?;
    tracing::info!(dossier = %id, revision, changed_fields = fields.len(), changed_attachments = kinds.len(), "resubmission queued");
    Ok(ActionQueued {
        dossier_id: id.to_string(),
        kind: ActionKind::Revision,
        action_id: Some(action_id),
        already_queued: false,
        revision: Some(revision),
        changed_fields: Some(fields),
        changed_attachments: Some(kinds),
    })
}

/// The rating as the device knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RatingInfo {
    pub stars: u8,
    pub comment: Option<String>,
    /// `pending` (waiting to be sent), `done` (the server has it) or `quarantined`.
    pub state: String,
    pub at: String,
}

/// Everything a dossier screen shows after submission.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DossierDetail {
    #[serde(flatten)]
    pub tracked: Tracked,
    /// The server's current revision (1 until a resubmission is stored).
    pub revision: u32,
    /// Revisions 2, 3, … with what changed.
    pub revisions: Vec<RevisionRow>,
    pub supplement: Option<Supplement>,
    pub fee: Option<FeeRequest>,
    pub result: Option<ResultInfo>,
    pub rating: Option<RatingInfo>,
    /// Actions waiting to be sent or set aside (with their reason key).
    pub pending_actions: Vec<ActionRow>,
    /// A message key for what is being sent right now (e.g. `dossier.pending.cancel`,
    /// "Đang gửi yêu cầu hủy"), when something is.
    pub pending_label: Option<&'static str>,
}

/// One dossier with everything after submission.
pub fn dossier_detail(core: &Core, id: &str) -> Result<DossierDetail, SyncError> {
    let tracked = db::tracked(core.store(), id)?;
    let detail = core.store().read(|c| -> crate::Result<DossierDetail> {
        let actions = db::dossier_actions(c, id)?;
        let rating = actions
            .iter()
            .rev()
            .find(|a| a.kind == "rating" && a.state != "quarantined")
            .or_else(|| actions.iter().rev().find(|a| a.kind == "rating"))
            .and_then(|a| {
                let r: RatingRequest = serde_json::from_str(&a.body).ok()?;
                Some(RatingInfo {
                    stars: r.stars,
                    comment: r.comment,
                    state: a.state.clone(),
                    at: a.created_at.clone(),
                })
            });
        let pending: Vec<ActionRow> = actions.into_iter().filter(|a| a.state != "done").collect();
        let pending_label = pending
            .iter()
            .find(|a| a.state == "pending")
            .and_then(|a| ActionKind::parse(&a.kind))
            .map(ActionKind::pending_label);
        Ok(DossierDetail {
            tracked,
            revision: db::current_revision(c, id)?,
            revisions: db::revisions(c, id)?,
            supplement: db::supplement(c, id)?,
            fee: db::fee_request(c, id)?,
            result: db::result_info(c, id)?,
            rating,
            pending_actions: pending,
            pending_label,
        })
    })?;
    Ok(detail)
}

impl Core {
    /// See [`cancel`].
    pub fn dossier_cancel(
        &self,
        id: &str,
        reason: Option<&str>,
    ) -> Result<ActionQueued, SyncError> {
        cancel(self, id, reason)
    }

    /// See [`claim_payment`].
    pub fn dossier_claim_payment(&self, id: &str) -> Result<ActionQueued, SyncError> {
        claim_payment(self, id)
    }

    /// See [`rate`].
    pub fn dossier_rate(
        &self,
        id: &str,
        stars: u8,
        comment: Option<&str>,
    ) -> Result<ActionQueued, SyncError> {
        rate(self, id, stars, comment)
    }

    /// See [`resubmit`].
    pub fn dossier_resubmit(&self, id: &str) -> Result<ActionQueued, SyncError> {
        resubmit(self, id)
    }

    /// See [`dossier_detail`].
    pub fn dossier_detail(&self, id: &str) -> Result<DossierDetail, SyncError> {
        dossier_detail(self, id)
    }

    /// The latest fee request of a dossier (see [`db::fee_request`]).
    pub fn dossier_fee(&self, id: &str) -> Result<Option<FeeRequest>, SyncError> {
        Ok(self.store().read(|c| db::fee_request(c, id))?)
    }
}
