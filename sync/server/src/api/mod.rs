//! The JSON API: one file per resource, routes and OpenAPI document from the same annotations
//! (utoipa-axum), so the served `/v1/openapi.json` cannot drift from the router.

pub mod admin;
pub mod after;
pub mod agencies;
pub mod auth;
pub mod blobs;
pub mod catalog;
pub mod consents;
pub mod dossiers;
pub mod events;
pub mod handoffs;
pub mod health;
pub mod lookup;
pub mod push;
pub mod uploads;
pub mod visits;

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use dvc_protocol::{ErrorCode, PROTOCOL_HEADER, PROTOCOL_VERSION};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "DVC Đồng Hành sync API", description = "Dossier submission, resumable blob uploads and status events for the DVC Đồng Hành app. Every error is an ErrorBody with a stable code."),
    modifiers(&BearerAuth),
    components(schemas(dvc_protocol::ErrorBody, dvc_protocol::events::EventKind, dvc_protocol::events::ResultDelivery, dvc_protocol::push::PushHead)),
    tags((name = "auth"), (name = "consents"), (name = "blobs"), (name = "dossiers"), (name = "events"), (name = "visits"), (name = "handoffs"), (name = "admin"), (name = "ops"), (name = "catalog"))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API router and its OpenAPI document.
pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::metrics))
        .routes(routes!(auth::register))
        .routes(routes!(auth::verify))
        .routes(routes!(auth::resend))
        .routes(routes!(auth::password_reset))
        .routes(routes!(auth::password_reset_confirm))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::tokens))
        .routes(routes!(auth::revoke_token))
        .routes(routes!(auth::me))
        .routes(routes!(auth::notifications, auth::set_notifications))
        .routes(routes!(consents::list, consents::grant))
        .routes(routes!(consents::revoke))
        .routes(routes!(consents::request))
        .routes(routes!(consents::confirm))
        .routes(routes!(consents::refuse))
        .routes(routes!(blobs::missing))
        .routes(routes!(blobs::get))
        .routes(routes!(uploads::create))
        .routes(routes!(uploads::head, uploads::patch))
        .routes(routes!(push::push))
        .routes(routes!(dossiers::list))
        .routes(routes!(dossiers::put, dossiers::get))
        .routes(routes!(dossiers::cancel))
        .routes(routes!(lookup::lookup))
        .routes(routes!(lookup::claim))
        .routes(routes!(events::list))
        .routes(routes!(admin::create))
        .routes(routes!(admin::revoke_tokens))
        .routes(routes!(admin::disable))
        .routes(routes!(admin::enable))
        .routes(routes!(admin::set_password))
        .routes(routes!(admin::audit))
        .routes(routes!(admin::outbox))
        .routes(routes!(agencies::list))
        .routes(routes!(after::put_revision))
        .routes(routes!(after::list_revisions))
        .routes(routes!(after::payment_claim))
        .routes(routes!(after::put_rating))
        .routes(routes!(visits::put_visit))
        .routes(routes!(visits::reports))
        .routes(routes!(visits::teams))
        .routes(routes!(visits::create_team))
        .routes(routes!(visits::add_member))
        .routes(routes!(visits::create_campaign))
        .routes(routes!(handoffs::list))
        .routes(routes!(handoffs::offer))
        .routes(routes!(handoffs::claim))
        .routes(routes!(handoffs::received))
        .routes(routes!(catalog::latest))
        .routes(routes!(catalog::bundle))
        .split_for_parts()
}

/// The OpenAPI document as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    router().1
}

/// `404.1` for unknown paths.
pub async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// `405.1` for known paths with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this path does not take this method",
    )
}

/// Protocol version check, protocol header on answers, metrics, and JSON for any bare error
/// answer a lower layer produced.
pub async fn api_layer(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let t0 = Instant::now();
    if let Some(v) = req.headers().get(PROTOCOL_HEADER) {
        let ok = v
            .to_str()
            .map(|s| {
                dvc_protocol::major_version(s) == dvc_protocol::major_version(PROTOCOL_VERSION)
            })
            .unwrap_or(false);
        if !ok {
            let res = ApiError::new(
                ErrorCode::ProtocolUnsupported,
                format!("this server speaks protocol {PROTOCOL_VERSION}"),
            )
            .with_field(PROTOCOL_HEADER)
            .into_response();
            return finish(&st, res, t0);
        }
    }
    let res = next.run(req).await;
    finish(&st, res, t0)
}

fn finish(st: &AppState, mut res: Response, t0: Instant) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        res = bare_error(status);
    }
    res.headers_mut()
        .insert(PROTOCOL_HEADER, HeaderValue::from_static(PROTOCOL_VERSION));
    st.metrics.record(
        res.status().as_u16(),
        u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX),
    );
    res
}

fn bare_error(status: StatusCode) -> Response {
    let code = match status.as_u16() {
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        413 => ErrorCode::PayloadTooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        416 => ErrorCode::RangeNotSatisfiable,
        400 | 422 => ErrorCode::MalformedJson,
        401 => ErrorCode::Unauthenticated,
        403 => ErrorCode::Forbidden,
        429 => ErrorCode::RateLimited,
        503 | 504 => ErrorCode::Unavailable,
        _ => ErrorCode::Internal,
    };
    let mut body = dvc_protocol::ErrorBody::new(code, status.canonical_reason().unwrap_or("error"));
    body.message = body.message.to_lowercase();
    (
        StatusCode::from_u16(code.http_status()).unwrap_or(status),
        Json(body),
    )
        .into_response()
}
