//! Hand-offs through the server (protocol 1.3): the relay for "Bàn giao cho người dân" when the
//! bundle file cannot travel by hand.
//!
//! The volunteer's phone seals a person's record into a bundle with a key it shows only as a QR
//! code (`dvc-core`'s `handoff` module). The server never sees that key: it holds the bundle's
//! ciphertext as an ordinary blob (uploaded with the resumable upload protocol, [`crate::blobs`])
//! under the bundle's random 128-bit id, for [`HANDOFF_KEEP_DAYS`] days. The citizen's phone,
//! having scanned the QR, claims the bundle by its id, downloads the blob (resumable, `Range`),
//! opens it with the key and says it has received it; the server then drops the ciphertext.
//!
//! 1. Sender: upload the bytes (`POST /v1/uploads` …), then `PUT /v1/handoffs/{bundle_id}`
//!    [`HandoffOffer`] → `201`/`200` [`HandoffState`] (idempotent; the caller must have
//!    uploaded the blob).
//! 2. Receiver: `POST /v1/handoffs/{bundle_id}/claim` → `200` [`HandoffState`]; the first
//!    account to claim is the only one that may read it (another gets `404.1`, as for an
//!    unknown or expired id). Then `GET /v1/blobs/{sha256}` (with `Range` to resume).
//! 3. Receiver: `POST /v1/handoffs/{bundle_id}/received` → `200` [`HandoffState`]: the blob
//!    goes; the sender sees `received_at` in `GET /v1/handoffs` ([`HandoffList`]).

use serde::{Deserialize, Serialize};

/// Days the server keeps an offered bundle that nobody received.
pub const HANDOFF_KEEP_DAYS: i64 = 14;

/// Whether `s` is a bundle id as the phones make them: 16 random bytes in unpadded base64url
/// (22 characters of `A–Z a–z 0–9 - _`, the last one carrying 2 bits: one of `AQgw`).
pub fn is_bundle_id(s: &str) -> bool {
    s.len() == 22
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        && s.ends_with(['A', 'Q', 'g', 'w'])
}

/// `PUT /v1/handoffs/{bundle_id}`: the sender offers an uploaded blob as this bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HandoffOffer {
    /// The blob holding the bundle (lowercase hex SHA-256), uploaded by the caller.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A hand-off as the server holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HandoffState {
    pub bundle_id: String,
    pub sha256: String,
    pub size: u64,
    /// RFC 3339 (UTC): offered.
    pub created_at: String,
    /// RFC 3339 (UTC): after this the server forgets the bundle.
    pub expires_at: String,
    /// Whether a receiver has claimed it.
    pub claimed: bool,
    /// RFC 3339 (UTC): the receiver said it has the bundle (the server no longer does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<String>,
}

/// `GET /v1/handoffs`: the caller's offered hand-offs that have not expired, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HandoffList {
    pub handoffs: Vec<HandoffState>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_ids_are_sixteen_bytes_of_base64url() {
        assert!(is_bundle_id("AAAAAAAAAAAAAAAAAAAAAA"));
        assert!(is_bundle_id("abcdefghijklmnop-_012Q"));
        for bad in [
            "",
            "AAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAAB",
            "AAAAAAAAAAAAAAAAAAAA+A",
            "AAAAAAAAAAAAAAAAAAAA/A",
            "AAAAAAAAAAAAAAAAAAAA=A",
            "../../AAAAAAAAAAAAAAAA",
        ] {
            assert!(!is_bundle_id(bad), "{bad}");
        }
    }
}
