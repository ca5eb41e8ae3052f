//! API paths. Path parameters are written `{name}` (the router's syntax); [`fill`] substitutes them
//! for a client.

/// `GET` — liveness and database check; `200 {"status":"ok"}`. No auth.
pub const HEALTHZ: &str = "/healthz";
/// `GET` — Prometheus text metrics. No auth (bind the server to a private address).
pub const METRICS: &str = "/metrics";
/// `GET` — the OpenAPI 3.1 document of this API. No auth.
pub const OPENAPI: &str = "/v1/openapi.json";

/// `POST` [`crate::auth::RegisterRequest`] → `202` [`crate::auth::RegisterResponse`]. No auth.
pub const REGISTER: &str = "/v1/auth/register";
/// `POST` [`crate::auth::VerifyRequest`] → `201` [`crate::auth::AccountInfo`]. No auth.
pub const REGISTER_VERIFY: &str = "/v1/auth/register/verify";
/// `POST` [`crate::auth::LoginRequest`] → `200` [`crate::auth::LoginResponse`]. No auth;
/// rate-limited per login and per IP ([`crate::ErrorCode::RateLimited`]).
pub const LOGIN: &str = "/v1/auth/login";
/// `POST` → `204`: revokes the token that made the call.
pub const LOGOUT: &str = "/v1/auth/logout";
/// `GET` → `200` [`crate::auth::TokenList`]: this account's devices (active tokens).
pub const TOKENS: &str = "/v1/auth/tokens";
/// `DELETE` → `204`: revoke one of this account's tokens (e.g. a lost phone).
pub const TOKEN: &str = "/v1/auth/tokens/{token_id}";
/// `GET` → `200` [`crate::auth::AccountInfo`] for the caller.
pub const ME: &str = "/v1/me";

/// `GET` → [`crate::auth::ConsentList`]; `POST` [`crate::auth::ConsentRequest`] → `201`
/// [`crate::auth::ConsentInfo`]. Citizens only: lets a volunteer submit dossiers on their behalf.
pub const CONSENTS: &str = "/v1/consents";
/// `DELETE` → `204`: withdraw a consent (dossiers already submitted stay visible).
pub const CONSENT: &str = "/v1/consents/{consent_id}";

/// `POST` [`crate::blobs::MissingBlobsRequest`] → `200` [`crate::blobs::MissingBlobsResponse`].
pub const BLOBS_MISSING: &str = "/v1/blobs/missing";
/// `GET` → the blob's bytes, if the caller owns it or may see a dossier that references it.
/// Supports `Range: bytes=<start>-` and `bytes=<start>-<end>` (→ `206` with `Content-Range`) so a
/// broken download resumes; a start at or past the end is `416` (`416.1`, with
/// `Content-Range: bytes */<size>`). A malformed or multi-part `Range` is ignored (`200`, whole
/// blob), as RFC 9110 allows. The `ETag` is the quoted SHA-256; `Accept-Ranges: bytes`.
pub const BLOB: &str = "/v1/blobs/{sha256}";
/// `POST` [`crate::blobs::CreateUploadRequest`] → `201` (new) or `200` (resumed or already
/// complete) [`crate::blobs::UploadStatus`].
pub const UPLOADS: &str = "/v1/uploads";
/// `HEAD` → `204` with [`crate::blobs::UPLOAD_OFFSET`] and [`crate::blobs::UPLOAD_LENGTH`];
/// `PATCH` (body: the chunk, `application/offset+octet-stream`) with `Upload-Offset` and
/// `Upload-Checksum` → `200` [`crate::blobs::UploadStatus`].
pub const UPLOAD: &str = "/v1/uploads/{upload_id}";

/// `GET` → `200` [`crate::dossiers::DossierList`]: dossiers the caller may see, newest first.
pub const DOSSIERS: &str = "/v1/dossiers";
/// `PUT` [`crate::dossiers::DossierManifest`] → `201` [`crate::dossiers::DossierReceipt`]
/// (idempotent); `GET` → `200` [`crate::dossiers::DossierView`].
pub const DOSSIER: &str = "/v1/dossiers/{dossier_uuid}";
/// `POST` [`crate::dossiers::CancelRequest`] → `200` [`crate::dossiers::DossierView`]: the
/// submitter (or linked citizen) withdraws a dossier that is not yet being handled.
pub const DOSSIER_CANCEL: &str = "/v1/dossiers/{dossier_uuid}/cancel";

/// `PUT` [`crate::dossiers::RevisionRequest`] → `200` [`crate::dossiers::RevisionReceipt`]: a
/// corrected dossier after `supplement_requested` (idempotent by uuid + revision).
pub const DOSSIER_REVISION: &str = "/v1/dossiers/{dossier_uuid}/revisions/{revision}";
/// `GET` → `200` `Vec<`[`crate::dossiers::RevisionInfo`]`>`, oldest first.
pub const DOSSIER_REVISIONS: &str = "/v1/dossiers/{dossier_uuid}/revisions";
/// `POST` [`crate::dossiers::PaymentClaimRequest`] → `200` [`crate::dossiers::DossierView`]:
/// "I have transferred the fee" (idempotent while pending).
pub const DOSSIER_PAYMENT_CLAIM: &str = "/v1/dossiers/{dossier_uuid}/payment-claim";
/// `PUT` [`crate::dossiers::RatingRequest`] → `200` [`crate::dossiers::Rating`]: once per
/// completed dossier (the same rating again is fine; a different one is `409.7`).
pub const DOSSIER_RATING: &str = "/v1/dossiers/{dossier_uuid}/rating";

/// `GET ?after=<cursor>&limit=<1..=500>&wait=<0..=30>` → `200` [`crate::events::EventsPage`].
pub const EVENTS: &str = "/v1/events";

/// `POST` [`crate::auth::CreateStaffRequest`] → `201` [`crate::auth::AccountInfo`]. Admin only.
pub const ADMIN_ACCOUNTS: &str = "/v1/admin/accounts";
/// `POST` → `204`: revoke every token of an account. Admin only.
pub const ADMIN_REVOKE_TOKENS: &str = "/v1/admin/accounts/{account_id}/revoke-tokens";

/// Substitutes `{name}` placeholders in `template`, in order: `fill(DOSSIER, &[uuid])`.
/// Values are inserted as given; ids and hashes in this protocol never need escaping.
pub fn fill(template: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 40);
    let mut rest = template;
    let mut values = values.iter();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        match values.next() {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[open..open + close + 1]),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// `GET` → `200` [`crate::agencies::AgencyList`]: the receiving agencies this server serves.
/// Any signed-in account; the app picks the agency of a dossier from it.
pub const AGENCIES: &str = "/v1/agencies";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_substitutes_in_order() {
        assert_eq!(fill(DOSSIER, &["abc"]), "/v1/dossiers/abc");
        assert_eq!(fill(EVENTS, &[]), "/v1/events");
        assert_eq!(fill(UPLOAD, &[]), "/v1/uploads/{upload_id}");
    }
}
