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

/// The lock every route takes before it reads or changes an account's upload of a hash: create,
/// `PATCH` and the push stream all use this key (with [`AppState::lock_upload`], shared by every
/// server process on the database), so a blob's upload is verified, recorded or discarded by one
/// request at a time.
pub(crate) fn lock_key(account_id: &str, sha256: &str) -> String {
    format!("{account_id}:{sha256}")
}

/// How verifying a fully received upload ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Completed {
    /// This upload's own bytes hash to the declared value: the blob is stored and the account
    /// owns it.
    Stored,
    /// This upload's bytes are not on disk any more: its offset is back at 0.
    Lost,
}

/// Verifies a fully received upload and makes the blob usable. Call with the upload's lock
/// ([`lock_key`]) held. Ownership comes only from this upload's own part file hashing to the
/// declared value; the database row goes before the part file, so a crash in between leaves a
/// part file without a row (harmless), never a row without its bytes claiming a stored blob.
/// Safe to repeat after a crash: the part file is verified again.
pub(crate) async fn complete(st: &AppState, u: &Upload) -> ApiResult<Completed> {
    let now = st.clock.now_ms();
    match st.blobs.finalize(&u.id, &u.sha256).await? {
        Finalize::Stored { size } => {
            record(st, u, size, now).await?;
            Ok(Completed::Stored)
        }
        Finalize::NoPart => {
            // The bytes are gone (e.g. the part file was lost): start over. A blob already stored
            // under this hash (by anyone) proves nothing about this upload.
            st.db.set_upload_received(&u.id, 0, now).await?;
            tracing::warn!(upload_id = %u.id, "upload bytes missing; offset reset to 0");
            Ok(Completed::Lost)
        }
        Finalize::Mismatch => Err(mismatch(st, u).await?),
    }
}

/// [`complete`] for an upload whose bytes all arrived in one piece (`data`, from offset 0 to its
/// length, each frame or chunk checked already): verified in memory and stored without a part
/// file ([`crate::blobstore::BlobStore::store_whole`]). Call with the upload's lock held.
pub(crate) async fn complete_whole(st: &AppState, u: &Upload, data: bytes::Bytes) -> ApiResult<()> {
    let now = st.clock.now_ms();
    match st.blobs.store_whole(&u.sha256, data).await? {
        Finalize::Stored { size } => record(st, u, size, now).await,
        Finalize::Mismatch => Err(mismatch(st, u).await?),
        Finalize::NoPart => Err(std::io::Error::other("store_whole answered NoPart").into()),
    }
}

/// The verified blob's row and the account's ownership, in one transaction that also removes the
/// upload; then its part file, if a write before left one.
async fn record(st: &AppState, u: &Upload, size: u64, now: i64) -> ApiResult<()> {
    let blob = Blob {
        sha256: u.sha256.clone(),
        size: i64::try_from(size).unwrap_or(i64::MAX),
    };
    st.db
        .finish_upload(&u.id, &blob, &u.account_id, now)
        .await?;
    if let Err(e) = st.blobs.discard(&u.id).await {
        // The blob is stored and recorded; a stale part file only takes space.
        tracing::warn!(upload_id = %u.id, error = %e, "part file not removed");
    }
    Metrics::inc(&st.metrics.blobs_completed);
    tracing::info!(upload_id = %u.id, size, "blob stored");
    Ok(())
}

/// Forgets an upload whose bytes hash to something else; the error to answer with.
async fn mismatch(st: &AppState, u: &Upload) -> ApiResult<ApiError> {
    st.db.discard_upload(&u.id).await?;
    st.blobs.discard(&u.id).await?;
    tracing::warn!(upload_id = %u.id, "upload hash mismatch; discarded");
    Ok(hash_mismatch())
}

fn hash_mismatch() -> ApiError {
    ApiError::new(
        ErrorCode::BlobHashMismatch,
        "the uploaded bytes do not hash to the declared sha256; upload discarded",
    )
}

/// `409.2` telling the client to send again from 0.
fn lost() -> ApiError {
    let mut e = ApiError::new(
        ErrorCode::UploadOffsetMismatch,
        "the server lost this upload's bytes; send again from 0",
    );
    e.body.offset = Some(0);
    e
}

/// Where an account's upload of a hash stands after [`open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Opened {
    /// The account owns the blob: nothing to send.
    Complete,
    /// An open upload (new, or resumed at its offset).
    Open {
        /// The upload.
        upload: Upload,
        /// True if it was created by this call.
        created: bool,
    },
}

/// Checks a declared blob (hash and length) against the limits.
pub(crate) fn check_blob(st: &AppState, sha256: &str, length: u64) -> ApiResult<i64> {
    if !is_sha256_hex(sha256) {
        return Err(ApiError::invalid("sha256", "not a lowercase hex SHA-256"));
    }
    if length == 0 {
        return Err(ApiError::invalid("length", "must be at least 1"));
    }
    if length > st.cfg.max_blob_bytes {
        return Err(ApiError::new(
            ErrorCode::BlobTooLarge,
            format!("blobs are limited to {} bytes", st.cfg.max_blob_bytes),
        ));
    }
    i64::try_from(length).map_err(|_| ApiError::invalid("length", "too large"))
}

/// Finds or creates the account's upload of a hash (the blob already checked with
/// [`check_blob`]): owned → complete; an open upload → resumed (verified first if all its bytes
/// are there); otherwise a new one within the account's quota. Takes the upload lock.
pub(crate) async fn open(
    st: &AppState,
    account_id: &str,
    sha256: &str,
    length: i64,
) -> ApiResult<Opened> {
    let _guard = st.lock_upload(&lock_key(account_id, sha256)).await?;
    if let Some(found) = find_locked(st, account_id, sha256, length).await? {
        return Ok(found);
    }
    let usage = st.db.account_usage(account_id).await?;
    check_quota(st, usage, length)?;
    let u = Upload {
        id: uuid::Uuid::now_v7().simple().to_string(),
        account_id: account_id.to_owned(),
        sha256: sha256.to_owned(),
        length,
        received: 0,
    };
    st.db.create_upload(&u, st.clock.now_ms()).await?;
    tracing::info!(upload_id = %u.id, length, "upload created");
    Ok(Opened::Open {
        upload: u,
        created: true,
    })
}

/// [`open`] without creating anything: `None` when the account neither owns the blob nor has an
/// upload of it open (the caller checks the quota). Takes the upload lock.
pub(crate) async fn find(
    st: &AppState,
    account_id: &str,
    sha256: &str,
    length: i64,
) -> ApiResult<Option<Opened>> {
    let _guard = st.lock_upload(&lock_key(account_id, sha256)).await?;
    find_locked(st, account_id, sha256, length).await
}

async fn find_locked(
    st: &AppState,
    account_id: &str,
    sha256: &str,
    length: i64,
) -> ApiResult<Option<Opened>> {
    if !st
        .db
        .owned_blobs(account_id, &[sha256.to_owned()])
        .await?
        .is_empty()
    {
        return Ok(Some(Opened::Complete));
    }
    let Some(mut u) = st.db.open_upload(account_id, sha256).await? else {
        return Ok(None);
    };
    if u.length != length {
        return Err(ApiError::new(
            ErrorCode::UploadMismatch,
            "an upload of this hash with another length is open",
        ));
    }
    // Resumed: the idle clock starts again, so the clean-up never removes an upload that
    // someone has just come back to (a push writes its first bytes only after a while).
    st.db
        .set_upload_received(&u.id, u.received, st.clock.now_ms())
        .await?;
    if u.received == u.length {
        match complete(st, &u).await? {
            Completed::Stored => return Ok(Some(Opened::Complete)),
            Completed::Lost => u.received = 0,
        }
    }
    Ok(Some(Opened::Open {
        upload: u,
        created: false,
    }))
}

/// Refuses `wanted` more bytes for an account that holds `usage` (`413.2`).
pub(crate) fn check_quota(st: &AppState, usage: i64, wanted: i64) -> ApiResult<()> {
    let total = u64::try_from(usage)
        .unwrap_or(0)
        .saturating_add(u64::try_from(wanted).unwrap_or(u64::MAX));
    if total > st.cfg.account_quota_bytes {
        return Err(ApiError::new(
            ErrorCode::QuotaExceeded,
            "this account's storage quota would be exceeded",
        ));
    }
    Ok(())
}

/// Stores a blob that is not on the server yet for this account — no upload row, no part file:
/// all of its bytes arrived at once (`data`, each frame checked already). Takes the upload lock;
/// if the account came to own the blob meanwhile, nothing is written.
pub(crate) async fn store_new_whole(
    st: &AppState,
    account_id: &str,
    sha256: &str,
    data: bytes::Bytes,
) -> ApiResult<()> {
    let _guard = st.lock_upload(&lock_key(account_id, sha256)).await?;
    if !st
        .db
        .owned_blobs(account_id, &[sha256.to_owned()])
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let now = st.clock.now_ms();
    match st.blobs.store_whole(sha256, data).await? {
        Finalize::Stored { size } => {
            let blob = Blob {
                sha256: sha256.to_owned(),
                size: i64::try_from(size).unwrap_or(i64::MAX),
            };
            st.db.add_owned_blob(&blob, account_id, now).await?;
            Metrics::inc(&st.metrics.blobs_completed);
            tracing::info!(size, "blob stored whole");
            Ok(())
        }
        Finalize::Mismatch => {
            tracing::warn!("pushed bytes do not hash to their blob; nothing stored");
            Err(hash_mismatch())
        }
        Finalize::NoPart => Err(std::io::Error::other("store_whole answered NoPart").into()),
    }
}

/// Creates an upload, resumes an open one, or reports the blob complete.
#[utoipa::path(post, path = "/v1/uploads", tag = "blobs", security(("bearer" = [])), request_body = CreateUploadRequest,
    responses((status = 201, body = UploadStatus), (status = 200, body = UploadStatus), (status = 400, body = ErrorBody), (status = 409, description = "409.5: an upload of this hash with another length is open", body = ErrorBody), (status = 413, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn create(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateUploadRequest>,
) -> ApiResult<Response> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    let length = check_blob(&st, &req.sha256, req.length)?;
    match open(&st, &caller.account.id, &req.sha256, length).await? {
        Opened::Complete => {
            let s = UploadStatus {
                upload_id: None,
                sha256: req.sha256,
                offset: req.length,
                length: req.length,
                complete: true,
            };
            Ok((StatusCode::OK, Json(s)).into_response())
        }
        Opened::Open { upload, created } => {
            let code = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            let (o, l) = (upload.received, upload.length);
            Ok(with_offset(
                (code, Json(status(&upload, false))).into_response(),
                o,
                l,
            ))
        }
    }
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

/// `409.2` with the server's offset unless the chunk starts there.
fn check_offset(st: &AppState, offset: i64, received: i64) -> ApiResult<()> {
    if offset == received {
        return Ok(());
    }
    Metrics::inc(&st.metrics.chunk_rejects);
    let mut e = ApiError::new(
        ErrorCode::UploadOffsetMismatch,
        "Upload-Offset is not the server's offset",
    );
    e.body.offset = Some(u64::try_from(received).unwrap_or(0));
    Err(e)
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
    let found = st
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
    // Checked before the body is read (a wrong offset costs no upload) and again under the lock.
    check_offset(&st, offset, found.received)?;
    // The body is read without the lock: a stalled sender never holds up the upload's other
    // requests.
    let data = read_body(body, MAX_CHUNK_BYTES).await?;
    let end = offset + i64::try_from(data.len()).unwrap_or(i64::MAX);
    if end > found.length {
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
    // The same lock as create and the push stream; the row is read again under it.
    let _guard = st
        .lock_upload(&lock_key(&caller.account.id, &found.sha256))
        .await?;
    let mut u = st
        .db
        .upload(&caller.account.id, &id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    check_offset(&st, offset, u.received)?;
    if offset == 0 && end == u.length {
        // The whole blob in one chunk: no part file.
        let n = data.len() as u64;
        complete_whole(&st, &u, data).await?;
        st.metrics
            .upload_bytes
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        u.received = end;
        return Ok(with_offset(
            Json(status(&u, true)).into_response(),
            end,
            end,
        ));
    }
    if !data.is_empty() {
        let n = data.len() as u64;
        st.blobs
            .write_chunk(&u.id, u64::try_from(offset).unwrap_or(0), data)
            .await?;
        // The last chunk is verified right below (the row removed, or reset to 0 if the bytes
        // are gone), so its offset is not recorded first; see `push::commit`.
        if end < u.length {
            st.db
                .set_upload_received(&u.id, end, st.clock.now_ms())
                .await?;
        }
        st.metrics
            .upload_bytes
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
    u.received = end;
    let done = end == u.length;
    if done && complete(&st, &u).await? == Completed::Lost {
        return Err(lost());
    }
    let (o, l) = (u.received, u.length);
    Ok(with_offset(Json(status(&u, done)).into_response(), o, l))
}
