//! `/v1/agencies`: the receiving agencies this server serves.

use axum::extract::State;
use axum::Json;
use dvc_protocol::agencies::{AgencyInfo, AgencyList};
use dvc_protocol::ErrorBody;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::state::AppState;

/// Receiving agencies, ordered by code. The server does not record provinces yet, so `province`
/// is absent; the app then falls back to the only agency when there is exactly one.
#[utoipa::path(get, path = "/v1/agencies", tag = "dossiers", security(("bearer" = [])),
    responses((status = 200, body = AgencyList), (status = 401, body = ErrorBody)))]
pub async fn list(State(st): State<AppState>, _caller: Caller) -> ApiResult<Json<AgencyList>> {
    let agencies = st
        .db
        .agencies()
        .await?
        .into_iter()
        .map(|(code, name)| AgencyInfo {
            code,
            name,
            province: None,
        })
        .collect();
    Ok(Json(AgencyList { agencies }))
}
