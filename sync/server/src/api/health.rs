//! `/healthz` and `/metrics`.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dvc_protocol::{ErrorBody, ErrorCode};

use crate::error::{ApiError, ApiResult};
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

/// Prometheus metrics, for a scraper holding the metrics token (`--metrics-token`). Without a
/// configured token the route does not exist (`404.1`); with one, a missing or wrong token is
/// `401.1`. Counters, and gauges read from the database at each scrape (queues by agency and
/// state, due-soon and overdue dossiers, the outbox and its lag, open uploads; see
/// [`crate::metrics::render_ops`]), carry no personal data, but they tell an outsider how busy the
/// service is and when it fails.
#[utoipa::path(get, path = "/metrics", tag = "ops", security(("bearer" = [])),
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain"),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn metrics(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = &st.cfg.metrics_token else {
        return ApiError::not_found().into_response();
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if !presented.is_some_and(|p| token.matches(p.trim())) {
        return ApiError::new(ErrorCode::Unauthenticated, "the metrics token is required")
            .into_response();
    }
    let mut body = st.metrics.render(st.feed.latest(), st.db.backend());
    let now = st.clock.now_ms();
    match st.db.ops_figures(now).await {
        Ok(fig) => body.push_str(&crate::metrics::render_ops(
            &fig,
            crate::catalog::bundled(),
            now,
        )),
        Err(err) => {
            tracing::warn!(error = %err, "metrics: the database figures could not be read");
            body.push_str(&crate::metrics::render_ops_down());
        }
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        body,
    )
        .into_response()
}
