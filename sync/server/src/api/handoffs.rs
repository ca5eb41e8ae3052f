//! The hand-off relay (protocol 1.3, [`dvc_protocol::handoffs`]): a volunteer's phone offers the
//! ciphertext of a hand-off bundle it uploaded as a blob; the citizen's phone, which scanned the
//! bundle's QR code, claims it, reads the blob through `GET /v1/blobs/{sha256}` and says it has
//! it; the blob then goes. The server never sees the key, and the bundle id (128 random bits,
//! known only to the two phones) is what lets the receiver claim it. An id that is unknown,
//! expired, received or claimed by another account is `404.1` for everyone but its sender.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use dvc_protocol::auth::Role;
use dvc_protocol::blobs::is_sha256_hex;
use dvc_protocol::handoffs::{
    is_bundle_id, HandoffList, HandoffOffer, HandoffState, HANDOFF_KEEP_DAYS,
};
use dvc_protocol::{ErrorBody, ErrorCode};

use crate::auth::Caller;
use crate::db::{HandoffRow, OfferOutcome};
use crate::domain::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

const DAY_MS: i64 = 86_400_000;

/// The largest bundle the relay takes (the phones make at most 64 MiB; the per-blob upload limit
/// of the server applies first).
pub const MAX_HANDOFF_BYTES: u64 = 64 * 1024 * 1024;

fn state(h: HandoffRow) -> HandoffState {
    HandoffState {
        bundle_id: h.bundle_id,
        sha256: h.sha256,
        size: u64::try_from(h.size).unwrap_or(0),
        created_at: rfc3339(h.created_at),
        expires_at: rfc3339(h.expires_at),
        claimed: h.claimed_by.is_some(),
        received_at: h.received_at.map(rfc3339),
    }
}

fn bundle_id(raw: String) -> ApiResult<String> {
    if is_bundle_id(&raw) {
        Ok(raw)
    } else {
        Err(ApiError::not_found())
    }
}

/// Offers a blob the caller uploaded as hand-off bundle `bundle_id`.
#[utoipa::path(put, path = "/v1/handoffs/{bundle_id}", tag = "handoffs", security(("bearer" = [])),
    params(("bundle_id" = String, Path, description = "The bundle's random id (16 bytes, unpadded base64url)")),
    request_body = HandoffOffer,
    responses((status = 201, body = HandoffState), (status = 200, body = HandoffState), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn offer(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(raw_id): ApiPath,
    ApiJson(body): ApiJson<HandoffOffer>,
) -> ApiResult<(StatusCode, Json<HandoffState>)> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    let id = bundle_id(raw_id)?;
    if !is_sha256_hex(&body.sha256) {
        return Err(ApiError::invalid("sha256", "not a lowercase hex SHA-256"));
    }
    if body.size == 0 || body.size > MAX_HANDOFF_BYTES {
        return Err(ApiError::invalid(
            "size",
            format!("between 1 and {MAX_HANDOFF_BYTES} bytes"),
        ));
    }
    let now = st.clock.now_ms();
    let row = HandoffRow {
        bundle_id: id,
        sender_id: caller.account.id.clone(),
        sha256: body.sha256,
        size: i64::try_from(body.size).unwrap_or(i64::MAX),
        created_at: now,
        expires_at: now.saturating_add(HANDOFF_KEEP_DAYS * DAY_MS),
        claimed_by: None,
        received_at: None,
    };
    match st.db.offer_handoff(&row).await? {
        OfferOutcome::Created(h) => {
            tracing::info!(bytes = h.size, "hand-off offered");
            Ok((StatusCode::CREATED, Json(state(h))))
        }
        OfferOutcome::Unchanged(h) => Ok((StatusCode::OK, Json(state(h)))),
        OfferOutcome::Conflict => Err(ApiError::new(
            ErrorCode::DossierConflict,
            "this bundle id is already used for other content",
        )),
        OfferOutcome::BlobMissing => {
            let mut e = ApiError::new(
                ErrorCode::BlobsMissing,
                "upload the bundle's bytes first (size must match)",
            );
            e.body.missing = Some(vec![row.sha256]);
            Err(e)
        }
    }
}

/// The hand-offs the caller offered that have not expired, newest first.
#[utoipa::path(get, path = "/v1/handoffs", tag = "handoffs", security(("bearer" = [])),
    responses((status = 200, body = HandoffList), (status = 403, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn list(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<HandoffList>> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    let now = st.clock.now_ms();
    let rows = st.db.handoffs_of(&caller.account.id, now).await?;
    Ok(Json(HandoffList {
        handoffs: rows.into_iter().map(state).collect(),
    }))
}

/// The receiver claims the bundle it scanned; from now on only it may read the blob.
#[utoipa::path(post, path = "/v1/handoffs/{bundle_id}/claim", tag = "handoffs", security(("bearer" = [])),
    params(("bundle_id" = String, Path, description = "The bundle's random id")),
    responses((status = 200, body = HandoffState), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn claim(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(raw_id): ApiPath,
) -> ApiResult<Json<HandoffState>> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    let id = bundle_id(raw_id)?;
    let now = st.clock.now_ms();
    match st.db.claim_handoff(&id, &caller.account.id, now).await? {
        Some(h) => {
            tracing::info!(bytes = h.size, "hand-off claimed");
            Ok(Json(state(h)))
        }
        None => Err(ApiError::not_found()),
    }
}

/// The receiver has opened the bundle: the server drops its copy.
#[utoipa::path(post, path = "/v1/handoffs/{bundle_id}/received", tag = "handoffs", security(("bearer" = [])),
    params(("bundle_id" = String, Path, description = "The bundle's random id")),
    responses((status = 200, body = HandoffState), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn received(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(raw_id): ApiPath,
) -> ApiResult<Json<HandoffState>> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    let id = bundle_id(raw_id)?;
    let now = st.clock.now_ms();
    match st.db.receive_handoff(&id, &caller.account.id, now).await? {
        Some(h) => {
            tracing::info!("hand-off received; its blob is dropped");
            Ok(Json(state(h)))
        }
        None => Err(ApiError::not_found()),
    }
}
