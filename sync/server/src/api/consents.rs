//! `/v1/consents`: a citizen lets a volunteer submit dossiers for them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use dvc_protocol::auth::{ConsentInfo, ConsentList, ConsentRequest, Role};
use dvc_protocol::ErrorBody;

use crate::auth::Caller;
use crate::db::Consent;
use crate::domain::{self, rfc3339};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

fn info(c: Consent) -> ConsentInfo {
    ConsentInfo {
        consent_id: c.id,
        volunteer_phone: c.volunteer_login,
        granted_at: rfc3339(c.granted_at),
    }
}

/// Consents the caller has given.
#[utoipa::path(get, path = "/v1/consents", tag = "consents", security(("bearer" = [])),
    responses((status = 200, body = ConsentList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn list(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<ConsentList>> {
    caller.require(&[Role::Citizen])?;
    let rows = st.db.list_consents(&caller.account.id).await?;
    Ok(Json(ConsentList {
        consents: rows.into_iter().map(info).collect(),
    }))
}

/// Gives a volunteer consent (idempotent).
#[utoipa::path(post, path = "/v1/consents", tag = "consents", security(("bearer" = [])), request_body = ConsentRequest,
    responses((status = 201, body = ConsentInfo), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn grant(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<ConsentRequest>,
) -> ApiResult<(StatusCode, Json<ConsentInfo>)> {
    caller.require(&[Role::Citizen])?;
    let phone = domain::normalize_phone(&req.volunteer_phone)
        .ok_or_else(|| ApiError::invalid("volunteer_phone", "not a Vietnamese mobile number"))?;
    let volunteer = st
        .db
        .account_by_login(&phone)
        .await?
        .filter(|a| a.role == Role::Volunteer && !a.disabled)
        .ok_or_else(ApiError::not_found)?;
    let c = st
        .db
        .grant_consent(&caller.account.id, &volunteer, st.clock.now_ms())
        .await?;
    tracing::info!(consent_id = %c.id, volunteer_id = %volunteer.id, "consent granted");
    Ok((StatusCode::CREATED, Json(info(c))))
}

/// Withdraws a consent.
#[utoipa::path(delete, path = "/v1/consents/{consent_id}", tag = "consents", security(("bearer" = [])),
    params(("consent_id" = String, Path, description = "Consent id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn revoke(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Citizen])?;
    if st
        .db
        .revoke_consent(&caller.account.id, &id, st.clock.now_ms())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}
