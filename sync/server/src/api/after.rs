//! After submission: revisions after a supplement request, the applicant's payment claim, and the
//! rating of a completed dossier.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use dvc_protocol::auth::Role;
use dvc_protocol::dossiers::{
    DossierManifest, DossierView, PaymentClaimRequest, Rating, RatingRequest, RevisionInfo,
    RevisionReceipt,
};
use dvc_protocol::events::EventKind;
use dvc_protocol::{ErrorBody, ErrorCode};

use crate::auth::Caller;
use crate::db::{NewRevision, RateOutcome, RatingRow, RevisionOutcome, RevisionRow, Transition};
use crate::domain::{self, rfc3339, Actor};
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, ApiJson, ApiPath, JsonBytes};
use crate::metrics::Metrics;
use crate::state::AppState;

use super::dossiers::{apply, reader_roles, validate, view};

/// Highest revision number accepted in a path (far above any real dossier's count).
pub const MAX_REVISION: u32 = 1_000_000;
/// Highest amount a payment claim may name, in đồng.
pub const MAX_CLAIM_VND: u64 = 1_000_000_000_000;

/// A stored revision as the wire type.
pub fn revision_info(r: &RevisionRow) -> RevisionInfo {
    RevisionInfo {
        revision: u32::try_from(r.revision).unwrap_or(u32::MAX),
        submitted_at: rfc3339(r.submitted_at),
        changed_fields: r.changed_fields.clone(),
        changed_attachments: r.changed_attachments.clone(),
    }
}

fn revision_param(s: &str) -> ApiResult<u32> {
    s.parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_REVISION).contains(n))
        .ok_or_else(|| {
            ApiError::invalid("revision", format!("an integer from 1 to {MAX_REVISION}"))
        })
}

/// Sends a corrected dossier after a supplement request (idempotent by uuid + revision).
#[utoipa::path(put, path = "/v1/dossiers/{dossier_uuid}/revisions/{revision}", tag = "dossiers", security(("bearer" = [])),
    params(("dossier_uuid" = String, Path, description = "Dossier uuid"),
           ("revision" = u32, Path, description = "The next revision number (2 for the first resubmission)")),
    request_body = DossierManifest,
    responses((status = 200, body = RevisionReceipt), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id, dossier = tracing::field::Empty))]
pub async fn put_revision(
    State(st): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    JsonBytes(body): JsonBytes,
) -> ApiResult<Json<RevisionReceipt>> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    let Path((raw_uuid, raw_rev)) = path.map_err(|e| ApiError::invalid("path", e.body_text()))?;
    let uuid = domain::parse_dossier_uuid(&raw_uuid).ok_or_else(ApiError::not_found)?;
    tracing::Span::current().record("dossier", uuid.as_str());
    let revision = revision_param(&raw_rev)?;
    let value: serde_json::Value = parse_json(&body)?;
    let m: DossierManifest =
        serde_path_to_error::deserialize(value.clone()).map_err(crate::extract::json_error)?;
    validate(&m)?;
    let scope = caller.account.scope();
    let current = st
        .db
        .dossier(&scope, &uuid)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let current_manifest = super::dossiers::manifest(&current)?;
    if m.procedure_code != current.procedure_code {
        return Err(ApiError::invalid(
            "procedure_code",
            "a revision keeps the dossier's procedure",
        ));
    }
    if m.agency_code != current.agency_code {
        return Err(ApiError::invalid(
            "agency_code",
            "a revision keeps the dossier's agency",
        ));
    }
    if m.on_behalf_of != current_manifest.on_behalf_of {
        return Err(ApiError::invalid(
            "on_behalf_of",
            "a revision keeps who the dossier is for",
        ));
    }
    let (canonical, content_hash) = domain::canonical_hash(&value);
    let attachments = crate::db::dedup(
        &m.attachments
            .iter()
            .map(|a| a.sha256.clone())
            .collect::<Vec<_>>(),
    );
    let new = NewRevision {
        dossier_uuid: uuid.clone(),
        scope,
        account_id: caller.account.id.clone(),
        revision: i64::from(revision),
        content_hash,
        manifest: canonical,
        attachments,
        now: st.clock.now_ms(),
    };
    let answer = |row: &RevisionRow, code: String| RevisionReceipt {
        dossier_uuid: uuid.clone(),
        code,
        revision: revision_info(row),
        event_cursor: row.event_seq.to_string(),
    };
    match st.db.submit_revision(&new).await? {
        RevisionOutcome::Created(row, code) => {
            st.feed.published(row.event_seq);
            Metrics::inc(&st.metrics.transitions);
            tracing::info!(code = %code, revision, fields = row.changed_fields.len(), attachments = row.changed_attachments.len(), "dossier resubmitted");
            Ok(Json(answer(&row, code)))
        }
        RevisionOutcome::Repeat(row, code) => {
            tracing::info!(code = %code, revision, "revision repeat");
            Ok(Json(answer(&row, code)))
        }
        RevisionOutcome::NotFound => Err(ApiError::not_found()),
        RevisionOutcome::Conflict => Err(ApiError::new(
            ErrorCode::RevisionConflict,
            format!(
                "revision {revision} is not the next one, or was already used with different content"
            ),
        )
        .with_field("revision")),
        RevisionOutcome::InvalidState(state) => Err(ApiError::new(
            ErrorCode::InvalidTransition,
            format!(
                "a revision is accepted only while supplement_requested; the dossier is {}",
                state.as_str()
            ),
        )),
        RevisionOutcome::BlobsMissing(missing) => {
            let mut e = ApiError::new(ErrorCode::BlobsMissing, "upload these attachments first");
            e.body.missing = Some(missing);
            Err(e)
        }
    }
}

/// A dossier's revisions, oldest first.
#[utoipa::path(get, path = "/v1/dossiers/{dossier_uuid}/revisions", tag = "dossiers", security(("bearer" = [])),
    params(("dossier_uuid" = String, Path, description = "Dossier uuid")),
    responses((status = 200, body = Vec<RevisionInfo>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn list_revisions(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(raw_uuid): ApiPath,
) -> ApiResult<Json<Vec<RevisionInfo>>> {
    reader_roles(&caller)?;
    let uuid = domain::parse_dossier_uuid(&raw_uuid).ok_or_else(ApiError::not_found)?;
    let d = st
        .db
        .dossier(&caller.account.scope(), &uuid)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let rows = st.db.revisions(&d.uuid).await?;
    Ok(Json(rows.iter().map(revision_info).collect()))
}

/// "Tôi đã chuyển khoản": the applicant says the fee is paid (an officer still confirms).
#[utoipa::path(post, path = "/v1/dossiers/{dossier_uuid}/payment-claim", tag = "dossiers", security(("bearer" = [])),
    params(("dossier_uuid" = String, Path, description = "Dossier uuid")), request_body = PaymentClaimRequest,
    responses((status = 200, body = DossierView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn payment_claim(
    State(st): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    ApiPath(raw_uuid): ApiPath,
    ApiJson(req): ApiJson<PaymentClaimRequest>,
) -> ApiResult<Json<DossierView>> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    let uuid = domain::parse_dossier_uuid(&raw_uuid).ok_or_else(ApiError::not_found)?;
    if req.amount_vnd == 0 || req.amount_vnd > MAX_CLAIM_VND {
        return Err(ApiError::invalid(
            "amount_vnd",
            format!("a positive amount in đồng, at most {MAX_CLAIM_VND}"),
        ));
    }
    let scope = caller.account.scope();
    let t = Transition {
        dossier_uuid: uuid.clone(),
        scope: scope.clone(),
        actor_id: caller.account.id.clone(),
        actor: Actor::Applicant,
        event: EventKind::PaymentClaimed {
            amount_vnd: req.amount_vnd,
        },
        result_blob: None,
        now: st.clock.now_ms(),
        audit_detail: format!("amount_vnd: {}", req.amount_vnd),
    };
    apply(&st, &t).await?;
    let papers = super::events::takes_papers(&headers);
    Ok(Json(view(&st, &scope, &uuid, papers).await?))
}

/// 1–5 stars and an optional comment, once per completed dossier.
#[utoipa::path(put, path = "/v1/dossiers/{dossier_uuid}/rating", tag = "dossiers", security(("bearer" = [])),
    params(("dossier_uuid" = String, Path, description = "Dossier uuid")), request_body = RatingRequest,
    responses((status = 200, body = Rating), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn put_rating(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(raw_uuid): ApiPath,
    ApiJson(req): ApiJson<RatingRequest>,
) -> ApiResult<Json<Rating>> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    let uuid = domain::parse_dossier_uuid(&raw_uuid).ok_or_else(ApiError::not_found)?;
    let (stars, comment) =
        domain::normalize_rating(req.stars, req.comment.as_deref()).map_err(|field| {
            ApiError::invalid(
                field,
                match field {
                    "stars" => "1 to 5 stars",
                    _ => "at most 1000 characters",
                },
            )
        })?;
    let row = RatingRow {
        stars,
        comment,
        rated_at: st.clock.now_ms(),
    };
    match st
        .db
        .rate(&caller.account.scope(), &uuid, &caller.account.id, &row)
        .await?
    {
        RateOutcome::Saved(r) => {
            tracing::info!(dossier = %uuid, stars = r.stars, "dossier rated");
            Ok(Json(super::dossiers::rating(&r)))
        }
        RateOutcome::Same(r) => Ok(Json(super::dossiers::rating(&r))),
        RateOutcome::Different => Err(ApiError::new(
            ErrorCode::AlreadyRated,
            "this dossier already has a different rating",
        )),
        RateOutcome::NotFound => Err(ApiError::not_found()),
        RateOutcome::InvalidState(state) => Err(ApiError::new(
            ErrorCode::InvalidTransition,
            format!(
                "a dossier is rated once it is completed; it is {}",
                state.as_str()
            ),
        )),
    }
}
