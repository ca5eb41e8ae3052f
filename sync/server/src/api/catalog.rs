//! `/v1/catalog/…`: signed catalog bundles for the phones, and publishing them
//! (`dvc-sync catalog publish`).
//!
//! Where bundles live: the file is a blob in the blob store (a directory or S3, shared by every
//! replica; content-addressed, so a publish is one `put`), and the `catalog_bundles` table lists
//! the versions. A bundle is never linked to a dossier, so no clean-up removes it. Both routes
//! are anonymous: a catalog is public reference data and the phone checks the signature itself.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dvc_protocol::catalog::bundle as signed;
use dvc_protocol::catalog::{compare_versions, is_version, CatalogLatest, MAX_BUNDLE_BYTES};
use dvc_protocol::{ErrorBody, ErrorCode};

use super::blobs::{parse_range, RangeAsk};
use crate::blobstore::BlobStore;
use crate::db::{CatalogBundleRow, Db};
use crate::domain::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiPath;
use crate::state::AppState;

/// Why a bundle was not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Bundle(#[from] signed::BundleError),
    #[error("version {version} is not greater than the newest published version {newest}")]
    NotNewer { version: String, newest: String },
    #[error("the bundle is {0} bytes, more than the {MAX_BUNDLE_BYTES} a phone downloads")]
    TooLarge(u64),
    #[error("blob storage: {0}")]
    Blobs(#[from] std::io::Error),
    #[error("database: {0}")]
    Db(#[from] crate::db::DbError),
}

/// Publishes a signed bundle: it must open with `key` (signature, hash) and pass the structural
/// checks of [`signed::check_structure`], and its version must be greater than the newest
/// published one. The bytes go to the blob store, then the version is recorded. (The catalog's
/// meaning is checked by dvc-core: `dvc catalog bundle` before signing, and every phone before
/// applying.)
pub async fn publish_bundle(
    db: &Db,
    blobs: &Arc<dyn BlobStore>,
    bytes: Vec<u8>,
    key: &ed25519_dalek::VerifyingKey,
    now_ms: i64,
) -> Result<CatalogBundleRow, PublishError> {
    let size = bytes.len() as u64;
    if size > MAX_BUNDLE_BYTES {
        return Err(PublishError::TooLarge(size));
    }
    let opened = signed::open(&bytes, std::slice::from_ref(key))?;
    let version = signed::check_structure(&opened.files)?;
    if opened.header.catalog_version != version {
        return Err(signed::BundleError::InvalidCatalog(format!(
            "header version {} differs from manifest version {version}",
            opened.header.catalog_version
        ))
        .into());
    }
    if let Some(newest) = db.latest_catalog_bundle().await? {
        if compare_versions(&version, &newest.version) != Some(Ordering::Greater) {
            return Err(PublishError::NotNewer {
                version,
                newest: newest.version,
            });
        }
    }
    let sha256 = blobs.put(bytes::Bytes::from(bytes)).await?;
    let row = CatalogBundleRow {
        version: version.clone(),
        sha256,
        size: i64::try_from(size).unwrap_or(i64::MAX),
        published_at: now_ms,
    };
    if !db.insert_catalog_bundle(&row).await? {
        return Err(PublishError::NotNewer {
            newest: version.clone(),
            version,
        });
    }
    tracing::info!(version = %row.version, size = row.size, "catalog bundle published");
    Ok(row)
}

fn latest_body(row: &CatalogBundleRow) -> CatalogLatest {
    CatalogLatest {
        version: row.version.clone(),
        size: u64::try_from(row.size).unwrap_or(0),
        sha256: row.sha256.clone(),
        published_at: rfc3339(row.published_at),
    }
}

fn etag_of(sha256: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("\"{sha256}\"")).ok()
}

/// The newest published bundle.
#[utoipa::path(get, path = "/v1/catalog/latest", tag = "catalog",
    params(("If-None-Match" = Option<String>, Header, description = "The ETag of an earlier answer")),
    responses((status = 200, body = CatalogLatest), (status = 304, description = "Unchanged"),
        (status = 404, body = ErrorBody)))]
pub async fn latest(State(st): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let Some(row) = st.db.latest_catalog_bundle().await? else {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "no catalog bundle is published",
        ));
    };
    let etag = etag_of(&row.sha256);
    let unchanged = match (&etag, headers.get(header::IF_NONE_MATCH)) {
        (Some(tag), Some(asked)) => asked
            .to_str()
            .map(|a| a.split(',').any(|t| t.trim() == tag.to_str().unwrap_or("")))
            .unwrap_or(false),
        _ => false,
    };
    let mut res = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Json(latest_body(&row)).into_response()
    };
    let h = res.headers_mut();
    if let Some(tag) = etag {
        h.insert(header::ETAG, tag);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(res)
}

/// A published bundle's bytes, whole or from a byte (`Range`).
#[utoipa::path(get, path = "/v1/catalog/bundles/{version}", tag = "catalog",
    params(("version" = String, Path, description = "Dotted catalog version"),
           ("Range" = Option<String>, Header, description = "bytes=<start>- or bytes=<start>-<end>")),
    responses((status = 200, description = "The bundle", content_type = "application/octet-stream"),
        (status = 206, description = "Part of the bundle", content_type = "application/octet-stream"),
        (status = 404, body = ErrorBody), (status = 416, body = ErrorBody)))]
pub async fn bundle(
    State(st): State<AppState>,
    ApiPath(version): ApiPath,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if !is_version(&version) {
        return Err(ApiError::not_found());
    }
    let Some(row) = st.db.catalog_bundle(&version).await? else {
        return Err(ApiError::not_found());
    };
    let data = st.blobs.read(&row.sha256).await?;
    let len = data.len() as u64;
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut res = match parse_range(range.as_deref(), len) {
        RangeAsk::Whole => data.into_response(),
        RangeAsk::Unsatisfiable => {
            let mut res = ApiError::new(
                ErrorCode::RangeNotSatisfiable,
                format!("the bundle has {len} bytes"),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(res);
        }
        RangeAsk::Part(start, end) => {
            let part = usize::try_from(start)
                .ok()
                .zip(usize::try_from(end).ok())
                .and_then(|(a, b)| data.get(a..=b))
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            let mut res = part.into_response();
            *res.status_mut() = StatusCode::PARTIAL_CONTENT;
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            res
        }
    };
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A published version never changes.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Some(tag) = etag_of(&row.sha256) {
        h.insert(header::ETAG, tag);
    }
    Ok(res)
}
