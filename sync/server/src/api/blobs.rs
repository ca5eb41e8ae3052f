//! `/v1/blobs/*`: which blobs does the server lack, and reading a blob.
//!
//! Ownership is per account: a hash counts as present only if this account uploaded it, so the
//! answer never tells one account what another has stored (no "do you have this file?" oracle).

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dvc_protocol::auth::Role;
use dvc_protocol::blobs::{is_sha256_hex, MissingBlobsRequest, MissingBlobsResponse};
use dvc_protocol::ErrorBody;

use crate::auth::Caller;
use crate::blobstore::sniff_content_type;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

/// Most hashes in one `missing` request.
pub const MAX_HASHES: usize = 256;

/// Which of these hashes has this account not uploaded?
#[utoipa::path(post, path = "/v1/blobs/missing", tag = "blobs", security(("bearer" = [])), request_body = MissingBlobsRequest,
    responses((status = 200, body = MissingBlobsResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn missing(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<MissingBlobsRequest>,
) -> ApiResult<Json<MissingBlobsResponse>> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    if req.sha256.len() > MAX_HASHES {
        return Err(ApiError::invalid(
            "sha256",
            format!("at most {MAX_HASHES} hashes"),
        ));
    }
    if let Some(i) = req.sha256.iter().position(|h| !is_sha256_hex(h)) {
        return Err(ApiError::invalid(
            format!("sha256[{i}]"),
            "not a lowercase hex SHA-256",
        ));
    }
    let hashes = crate::db::dedup(&req.sha256);
    let owned = st.db.owned_blobs(&caller.account.id, &hashes).await?;
    Ok(Json(MissingBlobsResponse {
        missing: hashes.into_iter().filter(|h| !owned.contains(h)).collect(),
    }))
}

/// Serves a blob's bytes with a safe content type.
pub fn blob_response(data: Vec<u8>, disposition: &'static str) -> Response {
    let ct = sniff_content_type(&data);
    let mut res = data.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static(disposition),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    res
}

/// A blob the caller uploaded, or one attached to (or the result of) a dossier the caller may see.
#[utoipa::path(get, path = "/v1/blobs/{sha256}", tag = "blobs", security(("bearer" = [])),
    params(("sha256" = String, Path, description = "Lowercase hex SHA-256")),
    responses((status = 200, description = "The bytes", content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn get(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(sha): ApiPath,
) -> ApiResult<Response> {
    if !is_sha256_hex(&sha) {
        return Err(ApiError::not_found());
    }
    let blob = st
        .db
        .readable_blob(&caller.account.id, &caller.account.scope(), &sha)
        .await?;
    if blob.is_none() {
        return Err(ApiError::not_found());
    }
    let data = st.blobs.read(&sha).await?;
    Ok(blob_response(data, "attachment"))
}
