//! `/v1/blobs/*`: which blobs does the server lack, and reading a blob.
//!
//! Ownership is per account: a hash counts as present only if this account uploaded it, so the
//! answer never tells one account what another has stored (no "do you have this file?" oracle).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dvc_protocol::auth::Role;
use dvc_protocol::blobs::{is_sha256_hex, MissingBlobsRequest, MissingBlobsResponse};
use dvc_protocol::{ErrorBody, ErrorCode};

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

/// What a `Range` request header asks of a blob of `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAsk {
    /// No usable `Range` (absent, malformed, another unit or several ranges): the whole blob.
    Whole,
    /// Bytes `start..=end`.
    Part(u64, u64),
    /// Starts at or past the end.
    Unsatisfiable,
}

/// Parses a single `bytes=` range (RFC 9110 §14.1.2): `N-`, `N-M` and the suffix form `-N`.
/// Anything malformed is ignored (the whole blob), as the RFC allows.
pub fn parse_range(header: Option<&str>, len: u64) -> RangeAsk {
    let Some((unit, spec)) = header.and_then(|h| h.trim().split_once('=')) else {
        return RangeAsk::Whole;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return RangeAsk::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeAsk::Whole;
    };
    let (a, b) = (a.trim(), b.trim());
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if a.is_empty() {
        if !digits(b) {
            return RangeAsk::Whole;
        }
        let n = b.parse::<u64>().unwrap_or(u64::MAX);
        if n == 0 || len == 0 {
            return RangeAsk::Unsatisfiable;
        }
        return RangeAsk::Part(len - n.min(len), len - 1);
    }
    if !digits(a) || !(b.is_empty() || digits(b)) {
        return RangeAsk::Whole;
    }
    let start = a.parse::<u64>().unwrap_or(u64::MAX);
    let end = if b.is_empty() {
        u64::MAX
    } else {
        b.parse::<u64>().unwrap_or(u64::MAX)
    };
    if end < start {
        return RangeAsk::Whole;
    }
    if start >= len {
        return RangeAsk::Unsatisfiable;
    }
    RangeAsk::Part(start, end.min(len - 1))
}

/// A blob the caller uploaded, or one attached to (or the result of) a dossier the caller may see.
/// `Range: bytes=N-` resumes a broken download.
#[utoipa::path(get, path = "/v1/blobs/{sha256}", tag = "blobs", security(("bearer" = [])),
    params(("sha256" = String, Path, description = "Lowercase hex SHA-256"),
           ("Range" = Option<String>, Header, description = "bytes=<start>- or bytes=<start>-<end>")),
    responses((status = 200, description = "The bytes", content_type = "application/octet-stream"),
              (status = 206, description = "The requested part (Content-Range)", content_type = "application/octet-stream"),
              (status = 404, body = ErrorBody), (status = 416, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn get(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(sha): ApiPath,
    headers: HeaderMap,
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
    let len = data.len() as u64;
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let etag = HeaderValue::from_str(&format!("\"{sha}\"")).ok();
    let mut res = match parse_range(range.as_deref(), len) {
        RangeAsk::Whole => blob_response(data, "attachment"),
        RangeAsk::Unsatisfiable => {
            let mut res = ApiError::new(
                ErrorCode::RangeNotSatisfiable,
                format!("the blob has {len} bytes"),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            res
        }
        RangeAsk::Part(start, end) => {
            // The content type is sniffed from the whole blob, not from the part.
            let ct = sniff_content_type(&data);
            let part = usize::try_from(start)
                .ok()
                .zip(usize::try_from(end).ok())
                .and_then(|(a, b)| data.get(a..=b))
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            let mut res = blob_response(part, "attachment");
            *res.status_mut() = StatusCode::PARTIAL_CONTENT;
            res.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            res
        }
    };
    let h = res.headers_mut();
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(etag) = etag {
        h.insert(header::ETAG, etag);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        use RangeAsk::*;
        assert_eq!(parse_range(None, 10), Whole);
        assert_eq!(parse_range(Some("bytes=0-"), 10), Part(0, 9));
        assert_eq!(parse_range(Some("bytes=4-"), 10), Part(4, 9));
        assert_eq!(parse_range(Some("bytes=4-6"), 10), Part(4, 6));
        assert_eq!(parse_range(Some("bytes=4-600"), 10), Part(4, 9));
        assert_eq!(parse_range(Some("Bytes = 2-3"), 10), Part(2, 3));
        assert_eq!(parse_range(Some("bytes=-3"), 10), Part(7, 9));
        assert_eq!(parse_range(Some("bytes=-30"), 10), Part(0, 9));
        assert_eq!(parse_range(Some("bytes=10-"), 10), Unsatisfiable);
        assert_eq!(
            parse_range(Some("bytes=99999999999999999999999-"), 10),
            Unsatisfiable
        );
        assert_eq!(parse_range(Some("bytes=-0"), 10), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-"), 0), Unsatisfiable);
        for bad in [
            "bytes=",
            "bytes=a-",
            "bytes=5-2",
            "bytes=1-2,4-5",
            "items=0-",
            "bytes=-",
            "bytes 0-",
            "bytes=+1-",
            "bytes=1--2",
        ] {
            assert_eq!(parse_range(Some(bad), 10), Whole, "{bad}");
        }
    }
}
