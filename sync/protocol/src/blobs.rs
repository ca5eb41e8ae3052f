//! Content-addressed blobs (SHA-256, lowercase hex) and the resumable upload protocol.
//!
//! In the spirit of tus 1.0 (core + checksum), with JSON for creation and status:
//! 1. `POST /v1/uploads` [`CreateUploadRequest`] `{sha256, length}` → [`UploadStatus`]. If the
//!    account already has the blob, `complete` is true and nothing needs sending. If an unfinished
//!    upload of the same hash exists for the account, it is returned (resume) with its offset.
//! 2. `HEAD /v1/uploads/{id}` → `204` with [`UPLOAD_OFFSET`] (bytes the server holds durably) and
//!    [`UPLOAD_LENGTH`].
//! 3. `PATCH /v1/uploads/{id}` with [`UPLOAD_OFFSET`] = the server's offset, [`UPLOAD_CHECKSUM`] =
//!    `sha256 <hex of the chunk's SHA-256>`, `Content-Type: application/offset+octet-stream`, body =
//!    the chunk (at most [`MAX_CHUNK_BYTES`]). A wrong offset → `409.2` with the right `offset`; a
//!    checksum mismatch → `422.4` and the chunk is discarded. An acknowledged offset survives a
//!    server crash. When the last byte arrives the whole blob's SHA-256 is verified: on success
//!    `complete` is true and the blob can be referenced by dossiers; on mismatch `422.3` and the
//!    upload is discarded.
//!
//! Difference from tus: the checksum is hex (like every hash in this protocol), not base64.

use serde::{Deserialize, Serialize};

/// Header: byte offset (request: where this chunk starts; response: bytes held).
pub const UPLOAD_OFFSET: &str = "upload-offset";
/// Header: total length of the blob.
pub const UPLOAD_LENGTH: &str = "upload-length";
/// Header: `sha256 <64 hex>` — the checksum of this PATCH's chunk.
pub const UPLOAD_CHECKSUM: &str = "upload-checksum";
/// Content type of a PATCH body.
pub const CHUNK_CONTENT_TYPE: &str = "application/offset+octet-stream";
/// Largest chunk a PATCH may carry (1 MiB: small enough to finish on 2G between drop-outs).
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;

/// True if `s` is a lowercase hex SHA-256 (64 characters).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Which of these blobs does the server lack for me?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MissingBlobsRequest {
    /// Up to 256 lowercase-hex SHA-256 hashes.
    pub sha256: Vec<String>,
}

/// The subset of the request's hashes this account has not uploaded (in request order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MissingBlobsResponse {
    /// Hashes to upload.
    pub missing: Vec<String>,
}

/// Start (or resume) an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateUploadRequest {
    /// Lowercase hex SHA-256 of the whole blob.
    pub sha256: String,
    /// Total length in bytes (1 ..= the server's per-blob limit).
    pub length: u64,
}

/// Where an upload stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadStatus {
    /// Upload id (absent when the blob was already complete before this request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    /// The blob's hash.
    pub sha256: String,
    /// Bytes the server holds durably.
    pub offset: u64,
    /// Total length.
    pub length: u64,
    /// True once the blob is verified and usable.
    pub complete: bool,
}
