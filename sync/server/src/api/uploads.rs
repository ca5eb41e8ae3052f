//! `/v1/uploads`: resumable, checksummed uploads (see [`dvc_protocol::blobs`]).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dvc_protocol::auth::Role;
use dvc_protocol::blobs::{
    is_sha256_hex, CreateUploadRequest, UploadStatus, CHUNK_CONTENT_TYPE, MAX_CHUNK_BYTES,
    UPLOAD_CHECKSUM, UPLOAD_LENGTH, UPLOAD_OFFSET,
};
use dvc_protocol::{ErrorBody, ErrorCode};
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::blobstore::Finalize;
use crate::db::{Blob, Upload};
use crate::error::{ApiError, ApiResult};
use crate::extract::{read_body, ApiJson, ApiPath};
use crate::metrics::Metrics;
use crate::state::AppState;

fn status(u: &Upload, complete: bool) -> UploadStatus {
    UploadStatus {
        upload_id: Some(u.id.clone()),
        sha256: u.sha256.clone(),
        offset: u64::try_from(u.received).unwrap_or(0),
        length: u64::try_from(u.length).unwrap_or(0),
        complete,
    }
}

fn with_offset(mut res: Response, offset: i64, length: i64) -> Response {
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&offset.to_string()) {
        h.insert(UPLOAD_OFFSET, v);
    }
    if let Ok(v) = HeaderValue::from_str(&length.to_string()) {
        h.insert(UPLOAD_LENGTH, v);
    }
    h.insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    res
}

/// Verifies a fully received upload and makes the blob usable. Safe to repeat: if a crash came
/// after the bytes were moved into place, the stored blob is checked and recorded.
async fn complete(st: &AppState, u: &Upload) -> ApiResult<()> {
    let now = st.clock.now_ms();
    let size = match st.blobs.finalize(&u.id, &u.sha256).await? {
        Finalize::Stored { size } => size,
        Finalize::NoPart => match st.blobs.stored_size(&u.sha256).await? {
            Some(size) => size,
            None => {
                // Nothing on disk at all: start over.
                st.db.set_upload_received(&u.id, 0, now).await?;
                let mut e = ApiError::new(
                    ErrorCode::UploadOffsetMismatch,
                    "the server lost this upload's bytes; send again from 0",
                );
                e.body.offset = Some(0);
                return Err(e);
            }
        },
        Finalize::Mismatch => {
            st.db.discard_upload(&u.id).await?;
            tracing::warn!(upload_id = %u.id, "upload hash mismatch; discarded");
            return Err(ApiError::new(
                ErrorCode::BlobHashMismatch,
                "the uploaded bytes do not hash to the declared sha256; upload discarded",
            ));
        }
    };
    let blob = Blob {
        sha256: u.sha256.clone(),
        size: i64::try_from(size).unwrap_or(i64::MAX),
    };
    st.db
        .finish_upload(&u.id, &blob, &u.account_id, now)
        .await?;
    Metrics::inc(&st.metrics.blobs_completed);
    tracing::info!(upload_id = %u.id, size, "blob stored");
    Ok(())
}

/// Creates an upload, resumes an open one, or reports the blob complete.
#[utoipa::path(post, path = "/v1/uploads", tag = "blobs", security(("bearer" = [])), request_body = CreateUploadRequest,
    responses((status = 201, body = UploadStatus), (status = 200, body = UploadStatus), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn create(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateUploadRequest>,
) -> ApiResult<Response> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    if !is_sha256_hex(&req.sha256) {
        return Err(ApiError::invalid("sha256", "not a lowercase hex SHA-256"));
    }
    if req.length == 0 {
        return Err(ApiError::invalid("length", "must be at least 1"));
    }
    if req.length > st.cfg.max_blob_bytes {
        return Err(ApiError::new(
            ErrorCode::BlobTooLarge,
            format!("blobs are limited to {} bytes", st.cfg.max_blob_bytes),
        ));
    }
    let account_id = caller.account.id.clone();
    let _guard = st
        .upload_locks
        .lock(&format!("{account_id}:{}", req.sha256))
        .await;
    if !st
        .db
        .owned_blobs(&account_id, std::slice::from_ref(&req.sha256))
        .await?
        .is_empty()
    {
        let s = UploadStatus {
            upload_id: None,
            sha256: req.sha256,
            offset: req.length,
            length: req.length,
            complete: true,
        };
        return Ok((StatusCode::OK, Json(s)).into_response());
    }
    let length = i64::try_from(req.length).map_err(|_| ApiError::invalid("length", "too large"))?;
    if let Some(u) = st.db.open_upload(&account_id, &req.sha256).await? {
        if u.length != length {
            return Err(ApiError::new(
                ErrorCode::UploadMismatch,
                "an upload of this hash with another length is open",
            ));
        }
        if u.received == u.length {
            complete(&st, &u).await?;
            let mut s = status(&u, true);
            s.upload_id = None;
            return Ok((StatusCode::OK, Json(s)).into_response());
        }
        let (o, l) = (u.received, u.length);
        return Ok(with_offset(
            (StatusCode::OK, Json(status(&u, false))).into_response(),
            o,
            l,
        ));
    }
    let usage = st.db.account_usage(&account_id).await?;
    if u64::try_from(usage).unwrap_or(0).saturating_add(req.length) > st.cfg.account_quota_bytes {
        return Err(ApiError::new(
            ErrorCode::QuotaExceeded,
            "this account's storage quota would be exceeded",
        ));
    }
    let u = Upload {
        id: uuid::Uuid::now_v7().simple().to_string(),
        account_id,
        sha256: req.sha256,
        length,
        received: 0,
    };
    st.db.create_upload(&u, st.clock.now_ms()).await?;
    tracing::info!(upload_id = %u.id, length, "upload created");
    Ok(with_offset(
        (StatusCode::CREATED, Json(status(&u, false))).into_response(),
        0,
        length,
    ))
}

/// The server's offset for an upload.
#[utoipa::path(head, path = "/v1/uploads/{upload_id}", tag = "blobs", security(("bearer" = [])),
    params(("upload_id" = String, Path, description = "Upload id")),
    responses((status = 204, description = "Upload-Offset and Upload-Length headers"), (status = 404)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn head(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath,
) -> ApiResult<Response> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    let u = st
        .db
        .upload(&caller.account.id, &id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(with_offset(
        StatusCode::NO_CONTENT.into_response(),
        u.received,
        u.length,
    ))
}

fn parse_checksum(headers: &HeaderMap) -> ApiResult<String> {
    let v = headers
        .get(UPLOAD_CHECKSUM)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::header(UPLOAD_CHECKSUM, "required: sha256 <hex>"))?;
    let (algo, hexsum) = v
        .trim()
        .split_once(' ')
        .ok_or_else(|| ApiError::header(UPLOAD_CHECKSUM, "expected: sha256 <hex>"))?;
    if !algo.eq_ignore_ascii_case("sha256") || !is_sha256_hex(hexsum.trim()) {
        return Err(ApiError::header(
            UPLOAD_CHECKSUM,
            "expected: sha256 <64 lowercase hex>",
        ));
    }
    Ok(hexsum.trim().to_owned())
}

/// Appends a chunk at the server's offset.
#[utoipa::path(patch, path = "/v1/uploads/{upload_id}", tag = "blobs", security(("bearer" = [])),
    params(("upload_id" = String, Path, description = "Upload id"),
           ("upload-offset" = u64, Header, description = "Where this chunk starts; must equal the server's offset"),
           ("upload-checksum" = String, Header, description = "sha256 <hex of this chunk>")),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses((status = 200, body = UploadStatus), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn patch(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    let ct_ok = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(CHUNK_CONTENT_TYPE)
        })
        .unwrap_or(false);
    let _guard = st.upload_locks.lock(&id).await;
    let u = st
        .db
        .upload(&caller.account.id, &id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !ct_ok {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("expected Content-Type: {CHUNK_CONTENT_TYPE}"),
        ));
    }
    let offset: i64 = headers
        .get(UPLOAD_OFFSET)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .and_then(|v| i64::try_from(v).ok())
        .ok_or_else(|| ApiError::header(UPLOAD_OFFSET, "required: a non-negative integer"))?;
    let sum = parse_checksum(&headers)?;
    if offset != u.received {
        Metrics::inc(&st.metrics.chunk_rejects);
        let mut e = ApiError::new(
            ErrorCode::UploadOffsetMismatch,
            "Upload-Offset is not the server's offset",
        );
        e.body.offset = Some(u64::try_from(u.received).unwrap_or(0));
        return Err(e);
    }
    let data = read_body(body, MAX_CHUNK_BYTES).await?;
    let end = offset + i64::try_from(data.len()).unwrap_or(i64::MAX);
    if end > u.length {
        return Err(ApiError::invalid(
            "body",
            "the chunk goes past Upload-Length",
        ));
    }
    if hex::encode(Sha256::digest(&data)) != sum {
        Metrics::inc(&st.metrics.chunk_rejects);
        return Err(ApiError::new(
            ErrorCode::ChunkChecksumMismatch,
            "the chunk does not match Upload-Checksum; it was discarded",
        ));
    }
    if !data.is_empty() {
        let n = data.len() as u64;
        st.blobs
            .write_chunk(&u.id, u64::try_from(offset).unwrap_or(0), data)
            .await?;
        st.db
            .set_upload_received(&u.id, end, st.clock.now_ms())
            .await?;
        st.metrics
            .upload_bytes
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
    let mut u = u;
    u.received = end;
    let done = end == u.length;
    if done {
        complete(&st, &u).await?;
    }
    let (o, l) = (u.received, u.length);
    Ok(with_offset(Json(status(&u, done)).into_response(), o, l))
}
