//! `/v1/dossiers`: idempotent submission with dossier codes, reading, listing, cancelling.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use dvc_protocol::auth::Role;
use dvc_protocol::blobs::is_sha256_hex;
use dvc_protocol::dossiers::{
    CancelRequest, DossierList, DossierManifest, DossierReceipt, DossierState, DossierSummary,
    DossierView, FormValue,
};
use dvc_protocol::events::{Event, EventKind};
use dvc_protocol::{ErrorBody, ErrorCode};
use serde::Deserialize;

use crate::auth::Caller;
use crate::db::{
    Dossier, DossierFilter, DossierListRow, EventRow, NewDossier, SubmitOutcome, Transition,
    TransitionOutcome,
};
use crate::domain::{self, rfc3339, Actor, Scope};
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_json, ApiJson, ApiPath, ApiQuery, JsonBytes};
use crate::metrics::Metrics;
use crate::state::AppState;

/// Most attachments per dossier.
pub const MAX_ATTACHMENTS: usize = 64;

/// The receipt of a stored dossier — identical for every repeat.
pub fn receipt(d: &Dossier) -> DossierReceipt {
    DossierReceipt {
        dossier_uuid: d.uuid.clone(),
        code: d.code.clone(),
        agency_code: d.agency_code.clone(),
        received_at: rfc3339(d.received_at),
        event_cursor: d.received_seq.to_string(),
    }
}

/// An event row as the wire type.
pub fn event(row: &EventRow) -> ApiResult<Event> {
    let kind: EventKind = serde_json::from_str(&row.payload).map_err(|e| {
        tracing::error!(seq = row.seq, error = %e, "corrupt event payload");
        ApiError::new(ErrorCode::Internal, "internal error")
    })?;
    Ok(Event {
        cursor: row.seq.to_string(),
        dossier_uuid: row.dossier_uuid.clone(),
        dossier_code: row.dossier_code.clone(),
        state: row.state,
        at: rfc3339(row.at),
        event: kind,
    })
}

/// The stored manifest (the latest revision's).
pub fn manifest(d: &Dossier) -> ApiResult<DossierManifest> {
    serde_json::from_str(&d.manifest).map_err(|e| {
        tracing::error!(dossier = %d.uuid, error = %e, "corrupt stored manifest");
        ApiError::new(ErrorCode::Internal, "internal error")
    })
}

pub(crate) fn summary(row: &DossierListRow, caller_id: &str) -> DossierSummary {
    let d = &row.dossier;
    let for_citizen = d.citizen_id.is_some();
    let basis = serde_json::from_str::<DossierManifest>(&d.manifest)
        .ok()
        .and_then(|m| m.consent_basis);
    DossierSummary {
        dossier_uuid: d.uuid.clone(),
        code: d.code.clone(),
        procedure_code: d.procedure_code.clone(),
        agency_code: d.agency_code.clone(),
        state: d.state,
        received_at: rfc3339(d.received_at),
        updated_at: rfc3339(d.updated_at),
        revision: u32::try_from(d.revision).ok(),
        applicant_name: if for_citizen {
            row.citizen_name.clone()
        } else {
            row.submitter_name.clone()
        },
        filed_by: for_citizen.then(|| {
            row.submitter_name
                .clone()
                .unwrap_or_else(|| row.submitter_login.clone())
        }),
        filed_for_me: d.citizen_id.as_deref() == Some(caller_id),
        consent_id: d.consent_id.clone(),
        consent_basis: basis,
        href: Some(format!("/v1/dossiers/{}", d.uuid)),
    }
}

/// A list cursor: the last dossier's `(received_at, uuid)` as `<ms>_<uuid>`.
fn cursor_of(d: &Dossier) -> String {
    format!("{}_{}", d.received_at, d.uuid)
}

fn parse_cursor(s: &str) -> ApiResult<(i64, String)> {
    s.split_once('_')
        .and_then(|(at, uuid)| Some((at.parse::<i64>().ok()?, domain::parse_dossier_uuid(uuid)?)))
        .ok_or_else(|| ApiError::invalid("cursor", "not a cursor from a previous page"))
}

pub(crate) fn uuid_param(s: &str) -> ApiResult<String> {
    domain::parse_dossier_uuid(s)
        .ok_or_else(|| ApiError::invalid("dossier_uuid", "not a lowercase hyphenated UUID"))
}

pub(crate) fn check_text(field: &str, s: &str, max: usize) -> ApiResult<()> {
    if s.chars().count() > max || s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ApiError::invalid(
            field,
            format!("at most {max} characters, no control characters"),
        ));
    }
    Ok(())
}

fn check_form(path: &str, v: &FormValue, depth: usize) -> ApiResult<()> {
    if depth > 6 {
        return Err(ApiError::invalid(path, "nested too deeply"));
    }
    match v {
        FormValue::Text(s) => check_text(path, s, 4000),
        FormValue::List(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| check_form(&format!("{path}[{i}]"), x, depth + 1)),
        FormValue::Group(m) => m.iter().try_for_each(|(k, x)| {
            check_text(path, k, 100)?;
            check_form(&format!("{path}.{k}"), x, depth + 1)
        }),
        FormValue::Number(n) if !n.is_finite() => {
            Err(ApiError::invalid(path, "not a finite number"))
        }
        _ => Ok(()),
    }
}

/// Checks a manifest's fields (the body already parsed).
pub fn validate(m: &DossierManifest) -> ApiResult<()> {
    if !domain::valid_procedure_code(&m.procedure_code) {
        return Err(ApiError::invalid(
            "procedure_code",
            "1–32 of 0-9 A-Z a-z . _ -",
        ));
    }
    if !domain::valid_agency_code(&m.agency_code) {
        return Err(ApiError::invalid("agency_code", "1–40 of A-Z a-z 0-9 ."));
    }
    if m.form.len() > 500 {
        return Err(ApiError::invalid("form", "at most 500 fields"));
    }
    for (k, v) in &m.form {
        check_text("form", k, 100)?;
        check_form(&format!("form.{k}"), v, 0)?;
    }
    if m.attachments.len() > MAX_ATTACHMENTS {
        return Err(ApiError::invalid(
            "attachments",
            format!("at most {MAX_ATTACHMENTS}"),
        ));
    }
    for (i, a) in m.attachments.iter().enumerate() {
        if !is_sha256_hex(&a.sha256) {
            return Err(ApiError::invalid(
                format!("attachments[{i}].sha256"),
                "not a lowercase hex SHA-256",
            ));
        }
        check_text(&format!("attachments[{i}].kind"), &a.kind, 64)?;
        check_text(
            &format!("attachments[{i}].content_type"),
            &a.content_type,
            100,
        )?;
    }
    if let dvc_protocol::dossiers::Delivery::Postal {
        recipient,
        address,
        phone,
    } = &m.delivery
    {
        check_text("delivery.recipient", recipient, 200)?;
        check_text("delivery.address", address, 500)?;
        check_text("delivery.phone", phone, 20)?;
        if recipient.trim().is_empty() || address.trim().is_empty() {
            return Err(ApiError::invalid(
                "delivery",
                "postal delivery needs a recipient and an address",
            ));
        }
    }
    if let Some(ts) = &m.submitted_on_device_at {
        check_text("submitted_on_device_at", ts, 40)?;
    }
    Ok(())
}

/// Submits a dossier. Same uuid and same content: the same answer as the first time.
#[utoipa::path(put, path = "/v1/dossiers/{dossier_uuid}", tag = "dossiers", security(("bearer" = [])),
    params(("dossier_uuid" = String, Path, description = "The client's UUID (v7) for this dossier")),
    request_body = DossierManifest,
    responses((status = 201, body = DossierReceipt), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id, dossier = tracing::field::Empty))]
pub async fn put(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(raw_uuid): ApiPath,
    JsonBytes(body): JsonBytes,
) -> ApiResult<(StatusCode, Json<DossierReceipt>)> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    let receipt = submit(&st, &caller, &raw_uuid, &body).await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}

/// Parses and checks a manifest body (`400.x` naming the field), without storing anything.
pub fn parse_manifest(body: &[u8]) -> ApiResult<(serde_json::Value, DossierManifest)> {
    let value: serde_json::Value = parse_json(body)?;
    let m: DossierManifest = {
        let v = value.clone();
        serde_path_to_error::deserialize(v).map_err(crate::extract::json_error)?
    };
    validate(&m)?;
    Ok((value, m))
}

/// Stores a submission (`PUT /v1/dossiers/{uuid}`, and the push stream's submit): the same uuid
/// and content answer the same receipt as the first time.
pub async fn submit(
    st: &AppState,
    caller: &Caller,
    raw_uuid: &str,
    body: &[u8],
) -> ApiResult<DossierReceipt> {
    let uuid = uuid_param(raw_uuid)?;
    tracing::Span::current().record("dossier", uuid.as_str());
    let (value, m) = parse_manifest(body)?;
    let (canonical, content_hash) = domain::canonical_hash(&value);
    let me = &caller.account;
    if m.consent_basis.is_some() && (me.role != Role::Volunteer || m.on_behalf_of.is_some()) {
        return Err(ApiError::invalid(
            "consent_basis",
            "a paper consent is for volunteers filing for someone without an account, never \
             with on_behalf_of",
        ));
    }
    let (citizen_id, consent_id) = match (&m.on_behalf_of, me.role) {
        (None, _) => (None, None),
        (Some(_), Role::Citizen) => {
            return Err(ApiError::invalid(
                "on_behalf_of",
                "only volunteers submit on behalf of someone",
            ))
        }
        (Some(obo), _) => {
            let phone = domain::normalize_phone(&obo.citizen_phone).ok_or_else(|| {
                ApiError::invalid(
                    "on_behalf_of.citizen_phone",
                    "not a Vietnamese mobile number",
                )
            })?;
            match consent_for(st, &me.id, &phone, &m.procedure_code).await {
                Ok(c) => (Some(c.citizen_id), Some(c.id)),
                Err(refusal) => {
                    // A repeat of an accepted submission gets the same answer even if the consent
                    // was withdrawn or expired since: the receipt is all the volunteer keeps.
                    if let Some(d) = st.db.submitted_dossier(&me.id, &uuid).await? {
                        if d.content_hash == content_hash {
                            return Ok(receipt(&d));
                        }
                    }
                    return Err(refusal);
                }
            }
        }
    };
    let attachments = crate::db::dedup(
        &m.attachments
            .iter()
            .map(|a| a.sha256.clone())
            .collect::<Vec<_>>(),
    );
    let now = st.clock.now_ms();
    let new = NewDossier {
        uuid,
        submitter_id: me.id.clone(),
        citizen_id,
        agency_code: m.agency_code.clone(),
        procedure_code: m.procedure_code.clone(),
        content_hash,
        manifest: canonical,
        attachments,
        now,
        day: domain::vn_day(now),
        consent_id,
    };
    match st.db.submit_dossier(&new).await? {
        SubmitOutcome::Created(d) => {
            st.feed
                .published_for(d.received_seq, crate::db::EventReaders::of(&d).keys());
            Metrics::inc(&st.metrics.dossiers_created);
            tracing::info!(code = %d.code, attachments = new.attachments.len(), "dossier received");
            Ok(receipt(&d))
        }
        SubmitOutcome::Repeat(d) => {
            Metrics::inc(&st.metrics.dossier_repeats);
            tracing::info!(code = %d.code, "dossier repeat");
            Ok(receipt(&d))
        }
        SubmitOutcome::Conflict => {
            Metrics::inc(&st.metrics.dossier_conflicts);
            Err(ApiError::new(
                ErrorCode::DossierConflict,
                "this dossier uuid was already used with different content",
            ))
        }
        SubmitOutcome::UnknownAgency => Err(ApiError::new(
            ErrorCode::UnknownAgency,
            "this server does not receive dossiers for that agency",
        )
        .with_field("agency_code")),
        SubmitOutcome::BlobsMissing(missing) => {
            let mut e = ApiError::new(ErrorCode::BlobsMissing, "upload these attachments first");
            e.body.missing = Some(missing);
            Err(e)
        }
    }
}

/// The consent under which this volunteer may file `procedure_code` for the citizen with this
/// phone, or the refusal that says why not (`403.2` none, `403.8` withdrawn, `403.7` expired,
/// `403.9` another procedure).
pub async fn consent_for(
    st: &AppState,
    volunteer_id: &str,
    citizen_phone: &str,
    procedure_code: &str,
) -> ApiResult<crate::db::Consent> {
    let now = st.clock.now_ms();
    let all = st.db.consents_from(volunteer_id, citizen_phone).await?;
    let field = "on_behalf_of";
    if let Some(c) = all.iter().find(|c| c.live(now) && c.covers(procedure_code)) {
        return Ok(c.clone());
    }
    // The pair's current consent (at most one is not ended), else what ended the last one.
    let current = all.iter().find(|c| c.revoked_at.is_none());
    let withdrawn = all.iter().any(|c| c.ended.as_deref() == Some("withdrawn"));
    let refusal = match current {
        Some(c) if !c.live(now) => ApiError::new(
            ErrorCode::ConsentExpired,
            "the citizen's consent has expired; ask for it again",
        ),
        Some(_) => ApiError::new(
            ErrorCode::ConsentOutOfScope,
            "the citizen's consent does not cover this procedure",
        ),
        None if withdrawn => ApiError::new(
            ErrorCode::ConsentWithdrawn,
            "this citizen withdrew the consent",
        ),
        None => ApiError::new(
            ErrorCode::ConsentMissing,
            "this citizen has not given this volunteer consent",
        ),
    };
    Err(refusal.with_field(field))
}

pub(crate) fn reader_roles(caller: &Caller) -> ApiResult<()> {
    caller.require(&[Role::Citizen, Role::Volunteer, Role::Officer])
}

/// One dossier the caller may see, with its events.
/// `takes_papers`: whether the client reads `paper_kept` events
/// ([`super::events::takes_papers`]); older clients get the view without them.
pub async fn view(
    st: &AppState,
    scope: &Scope,
    uuid: &str,
    takes_papers: bool,
) -> ApiResult<DossierView> {
    let d = st
        .db
        .dossier(scope, uuid)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let events = st
        .db
        .dossier_events(&d.uuid)
        .await?
        .iter()
        .map(event)
        .filter(|e| {
            !matches!(e, Ok(ev) if !takes_papers && matches!(ev.event, EventKind::PaperKept { .. }))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let rating = st.db.rating(&d.uuid).await?.map(|r| rating(&r));
    Ok(DossierView {
        receipt: receipt(&d),
        state: d.state,
        updated_at: rfc3339(d.updated_at),
        manifest: manifest(&d)?,
        events,
        revision: u32::try_from(d.revision).unwrap_or(1),
        rating,
    })
}

/// A stored rating as the wire type.
pub fn rating(r: &crate::db::RatingRow) -> dvc_protocol::dossiers::Rating {
    dvc_protocol::dossiers::Rating {
        stars: r.stars,
        comment: r.comment.clone(),
        rated_at: rfc3339(r.rated_at),
    }
}

/// A dossier the caller may see.
#[utoipa::path(get, path = "/v1/dossiers/{dossier_uuid}", tag = "dossiers", security(("bearer" = [])),
    params(("dossier_uuid" = String, Path, description = "Dossier uuid")),
    responses((status = 200, body = DossierView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn get(
    State(st): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    ApiPath(raw_uuid): ApiPath,
) -> ApiResult<Json<DossierView>> {
    reader_roles(&caller)?;
    let uuid = domain::parse_dossier_uuid(&raw_uuid).ok_or_else(ApiError::not_found)?;
    let papers = super::events::takes_papers(&headers);
    Ok(Json(
        view(&st, &caller.account.scope(), &uuid, papers).await?,
    ))
}

/// `GET /v1/dossiers` filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this state (a `DossierState` name such as `received`).
    pub state: Option<String>,
    /// Dossier code contains this.
    pub q: Option<String>,
    /// 1..=200, default 50.
    pub limit: Option<String>,
    /// `next_cursor` of the previous page: the next, older dossiers.
    pub cursor: Option<String>,
}

/// Dossiers the caller may see, newest first: for a citizen also those a volunteer filed for
/// them, so a new phone can restore its list (page with `cursor`).
#[utoipa::path(get, path = "/v1/dossiers", tag = "dossiers", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = DossierList), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn list(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<DossierList>> {
    reader_roles(&caller)?;
    let limit = crate::extract::int_param("limit", q.limit.as_deref(), 50, 1, 200)?;
    let state = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            DossierState::parse(s)
                .ok_or_else(|| ApiError::invalid("state", "not a dossier state"))?,
        ),
    };
    if q.q.as_ref().is_some_and(|s| s.len() > 64) {
        return Err(ApiError::invalid("q", "at most 64 characters"));
    }
    let before = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(parse_cursor(c)?),
    };
    let filter = DossierFilter {
        state,
        code_query: q.q.filter(|s| !s.is_empty()),
        limit: i64::from(limit),
        before,
        finished: None,
    };
    let rows = st
        .db
        .list_dossiers(&caller.account.scope(), &filter)
        .await?;
    let next_cursor = (rows.len() == usize::try_from(limit).unwrap_or(usize::MAX))
        .then(|| rows.last().map(|r| cursor_of(&r.dossier)))
        .flatten();
    Ok(Json(DossierList {
        dossiers: rows
            .iter()
            .map(|r| summary(r, &caller.account.id))
            .collect(),
        next_cursor,
    }))
}

/// The applicant withdraws a dossier that is not yet being handled.
#[utoipa::path(post, path = "/v1/dossiers/{dossier_uuid}/cancel", tag = "dossiers", security(("bearer" = [])),
    params(("dossier_uuid" = String, Path, description = "Dossier uuid")), request_body = CancelRequest,
    responses((status = 200, body = DossierView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn cancel(
    State(st): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    ApiPath(raw_uuid): ApiPath,
    ApiJson(req): ApiJson<CancelRequest>,
) -> ApiResult<Json<DossierView>> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    let uuid = domain::parse_dossier_uuid(&raw_uuid).ok_or_else(ApiError::not_found)?;
    if let Some(r) = &req.reason {
        check_text("reason", r, 1000)?;
    }
    let scope = caller.account.scope();
    let t = Transition {
        dossier_uuid: uuid.clone(),
        scope: scope.clone(),
        actor_id: caller.account.id.clone(),
        actor: Actor::Applicant,
        event: EventKind::Cancelled {
            reason: req.reason.filter(|r| !r.trim().is_empty()),
        },
        result_blob: None,
        now: st.clock.now_ms(),
        audit_detail: "cancelled by applicant".into(),
    };
    match apply(&st, &t).await {
        Ok(_) => {}
        // Cancelling twice is fine: the second answer is the view, with no second event.
        Err(e) if e.code() == ErrorCode::InvalidTransition => {
            let d = st.db.dossier(&scope, &uuid).await?;
            if d.map(|d| d.state) != Some(DossierState::Cancelled) {
                return Err(e);
            }
        }
        Err(e) => return Err(e),
    }
    let papers = super::events::takes_papers(&headers);
    Ok(Json(view(&st, &scope, &uuid, papers).await?))
}

/// Applies a transition and announces its event (`None`: nothing to do, the same thing is
/// already pending).
pub async fn apply(st: &AppState, t: &Transition) -> ApiResult<Option<EventRow>> {
    match st.db.transition(t).await? {
        TransitionOutcome::Applied(ev) => {
            st.feed.published_for(ev.seq, ev.readers.keys());
            Metrics::inc(&st.metrics.transitions);
            tracing::info!(code = %ev.dossier_code, state = ev.state.as_str(), actor_id = %t.actor_id, "dossier state changed");
            Ok(Some(ev))
        }
        TransitionOutcome::Unchanged(state) => {
            tracing::info!(dossier = %t.dossier_uuid, state = state.as_str(), actor_id = %t.actor_id, "repeat request; nothing appended");
            Ok(None)
        }
        TransitionOutcome::NotFound => Err(ApiError::not_found()),
        TransitionOutcome::InvalidTransition(state) => Err(ApiError::new(
            ErrorCode::InvalidTransition,
            format!("not allowed while the dossier is {}", state.as_str()),
        )),
    }
}
