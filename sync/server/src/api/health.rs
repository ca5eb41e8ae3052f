//! `/healthz` and `/metrics`.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use dvc_protocol::ErrorBody;

use crate::error::ApiResult;
use crate::state::AppState;

/// Health: the database answers.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// Protocol version.
    pub protocol: &'static str,
}

/// Liveness and database check.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
pub async fn healthz(State(st): State<AppState>) -> ApiResult<Json<Health>> {
    st.db.ping().await?;
    Ok(Json(Health {
        status: "ok",
        backend: st.db.backend(),
        protocol: dvc_protocol::PROTOCOL_VERSION,
    }))
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(st): State<AppState>) -> impl IntoResponse {
    let body = st.metrics.render(st.feed.latest(), st.db.backend());
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        body,
    )
}
