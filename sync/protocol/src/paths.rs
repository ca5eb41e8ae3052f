//! API paths. Path parameters are written `{name}` (the router's syntax); [`fill`] substitutes them
//! for a client.

/// `GET` — liveness and database check; `200 {"status":"ok"}`. No auth.
pub const HEALTHZ: &str = "/healthz";
/// `GET` — Prometheus text metrics. No auth (bind the server to a private address).
pub const METRICS: &str = "/metrics";
/// `GET` — the OpenAPI 3.1 document of this API. No auth.
pub const OPENAPI: &str = "/v1/openapi.json";

/// `POST` [`crate::auth::RegistrationRequest`] → `202` [`crate::auth::OtpSent`] (also when the
/// phone already has an account: its owner gets a notice instead of a code). No auth; budgets per
/// IP, per phone and for the whole server ([`crate::ErrorCode::RateLimited`]); `403.6` when the
/// server has no message sender.
pub const REGISTER: &str = "/v1/auth/register";
/// `POST` [`crate::auth::RegistrationVerifyRequest`] → `201` [`crate::auth::AccountInfo`]; a wrong
/// or expired code is `400.5`. No auth; rate-limited per IP.
pub const REGISTER_VERIFY: &str = "/v1/auth/register/verify";
/// `POST` [`crate::auth::OtpResendRequest`] → `202` [`crate::auth::OtpSent`], or `429.1` before
/// the countdown of the previous code ends. No auth.
pub const OTP_RESEND: &str = "/v1/auth/otp/resend";
/// `POST` [`crate::auth::PasswordResetRequest`] → `202` [`crate::auth::OtpSent`] ("Quên mật
/// khẩu"). No auth; the same answer for unknown numbers.
pub const PASSWORD_RESET: &str = "/v1/auth/password-reset";
/// `POST` [`crate::auth::PasswordResetConfirm`] → `204`; every token of the account is revoked.
/// A wrong or expired code is `400.5`. No auth; rate-limited per IP.
pub const PASSWORD_RESET_CONFIRM: &str = "/v1/auth/password-reset/confirm";
/// `POST` [`crate::auth::LoginRequest`] → `200` [`crate::auth::LoginResponse`]. No auth;
/// rate-limited per login, per IP and for the whole server ([`crate::ErrorCode::RateLimited`]).
/// A wrong password, an unknown login and a disabled account all answer `401.2`.
pub const LOGIN: &str = "/v1/auth/login";
/// `POST` → `204`: revokes the token that made the call ("Đăng xuất").
pub const LOGOUT: &str = "/v1/auth/logout";
/// `POST` [`crate::auth::PasswordChangeRequest`] → `204`: changes the password; other devices
/// are signed out, this one stays. A wrong current password is `403.5`.
pub const PASSWORD: &str = "/v1/auth/password";
/// `GET` → `200` [`crate::auth::TokenList`]: this account's devices ("Thiết bị đã đăng nhập":
/// token id, device label, created, last seen).
pub const TOKENS: &str = "/v1/auth/tokens";
/// `DELETE` → `204`: revoke one of this account's tokens (e.g. a lost phone); that device's next
/// call answers `401.3`.
pub const TOKEN: &str = "/v1/auth/tokens/{token_id}";
/// `GET` → `200` [`crate::auth::AccountInfo`] for the caller.
pub const ME: &str = "/v1/me";
/// `GET` → `200` [`crate::auth::NotificationSettings`]; `PUT`
/// [`crate::auth::NotificationSettingsUpdate`] → `200` [`crate::auth::NotificationSettings`]:
/// where dossier status messages go (SMS, e-mail, Zalo).
pub const ME_NOTIFICATIONS: &str = "/v1/me/notifications";

/// `GET` → [`crate::auth::ConsentList`]; `POST` [`crate::auth::ConsentRequest`] → `201`
/// [`crate::auth::ConsentInfo`]. Citizens only: lets a volunteer submit dossiers on their behalf.
pub const CONSENTS: &str = "/v1/consents";
/// `DELETE` → `204`: withdraw a consent (dossiers already submitted stay visible).
pub const CONSENT: &str = "/v1/consents/{consent_id}";
/// `POST` [`crate::auth::ConsentOtpRequest`] → `202` [`crate::auth::ConsentOtpPending`].
/// Volunteers only: a one-time code goes to the citizen's phone.
pub const CONSENT_REQUESTS: &str = "/v1/consent-requests";
/// `DELETE` → `204`: the citizen said no (or the volunteer gives up); the code stops working.
pub const CONSENT_REQUEST: &str = "/v1/consent-requests/{request_id}";
/// `POST` [`crate::auth::ConsentConfirmRequest`] → `201` [`crate::auth::ConsentInfo`]: the code the
/// citizen typed on the volunteer's phone. Only the volunteer who asked.
pub const CONSENT_REQUEST_CONFIRM: &str = "/v1/consent-requests/{request_id}/confirm";

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

/// `POST` (protocol 1.1; body: frames, [`crate::push::PUSH_CONTENT_TYPE`]) → `200` with a
/// stream of [`crate::push::PushLine`]s: uploads blobs and submits a dossier in one request
/// (see [`crate::push`]).
pub const PUSH: &str = "/v1/push";

/// `GET` → `200` [`crate::dossiers::DossierList`]: dossiers the caller may see, newest first.
pub const DOSSIERS: &str = "/v1/dossiers";
/// `PUT` [`crate::dossiers::DossierManifest`] → `201` [`crate::dossiers::DossierReceipt`]
/// (idempotent); `GET` → `200` [`crate::dossiers::DossierView`].
pub const DOSSIER: &str = "/v1/dossiers/{dossier_uuid}";
/// `POST` [`crate::dossiers::CancelRequest`] → `200` [`crate::dossiers::DossierView`]: the
/// submitter (or linked citizen) withdraws a dossier that is not yet being handled.
pub const DOSSIER_CANCEL: &str = "/v1/dossiers/{dossier_uuid}/cancel";
/// `POST` [`crate::lookup::LookupRequest`] → `200` [`crate::lookup::LookupResult`]: "Tra cứu hồ
/// sơ" by code and a second factor. No auth needed (a bearer token only sets `mine`); an unknown
/// code and a wrong factor both answer `404.1` with the same body; rate-limited per client
/// address and per code (`429.1`). Protocol 1.3 servers without it answer `404.1` as well.
pub const DOSSIER_LOOKUP: &str = "/v1/dossiers/lookup";

/// `POST` [`crate::lookup::LookupRequest`] (bearer token of a citizen) → `200`
/// [`crate::lookup::ClaimResult`]: "Thêm vào Hồ sơ của tôi" — links a looked-up dossier that was
/// filed without an account link (a volunteer's paper-consent dossier) to the caller, when the
/// code and second factor open it (as for [`DOSSIER_LOOKUP`], same limits, same `404.1`) and it
/// names the caller: its form's phone is the account's phone, or its form's ID number is the
/// account's registered one. Otherwise `403.11`. Idempotent. Servers from before it answer
/// `405.1` (the path reads as `/v1/dossiers/{uuid}`, which takes no `POST`).
pub const DOSSIER_CLAIM: &str = "/v1/dossiers/claim";

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
/// `POST` → `204`: revoke every token of an account. Admin only; audited.
pub const ADMIN_REVOKE_TOKENS: &str = "/v1/admin/accounts/{account_id}/revoke-tokens";
/// `POST` → `204`: disable an account (it can no longer sign in — the answer is the same as for a
/// wrong password — and every token is revoked). Admin only; audited; not one's own account.
pub const ADMIN_ACCOUNT_DISABLE: &str = "/v1/admin/accounts/{account_id}/disable";
/// `POST` → `204`: enable a disabled account again. Admin only; audited.
pub const ADMIN_ACCOUNT_ENABLE: &str = "/v1/admin/accounts/{account_id}/enable";
/// `POST` [`crate::auth::AdminPasswordSet`] → `204`: set a new password; every token is revoked.
/// Admin only; audited.
pub const ADMIN_ACCOUNT_PASSWORD: &str = "/v1/admin/accounts/{account_id}/password";
/// `GET` → `200` [`crate::auth::AccountAudit`]: what admins did to this account. Admin only.
pub const ADMIN_ACCOUNT_AUDIT: &str = "/v1/admin/accounts/{account_id}/audit";
/// `GET ?status=pending|sent|failed&limit=<1..=500>` → `200` [`crate::auth::OutboxList`]: status
/// messages (SMS, e-mail, Zalo) and how their delivery went. Admin only.
pub const ADMIN_OUTBOX: &str = "/v1/admin/outbox";

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

/// `PUT` [`crate::visits::VisitUpload`] → `201`/`200` [`crate::visits::VisitReceipt`]. Volunteers
/// only: an ended visit, idempotent on the id (protocol 1.2). Another account's visit id is `404.1`.
pub const VISIT: &str = "/v1/visits/{visit_id}";
/// `GET ?period=week|month[&at=RFC3339][&team=ID|&campaign=ID][&format=csv]` → `200`
/// [`crate::visits::VisitReport`] (or CSV): a volunteer's own report; a team leader's team or
/// campaign (protocol 1.2). Another team's is `404.1`.
pub const REPORTS: &str = "/v1/reports";
/// `GET` → `200` [`crate::visits::TeamList`]: the caller's team (volunteers), every team
/// (admins) (protocol 1.2).
pub const TEAMS: &str = "/v1/teams";
/// `POST` [`crate::visits::CreateTeamRequest`] → `201` [`crate::visits::Team`]. Admins only.
pub const ADMIN_TEAMS: &str = "/v1/admin/teams";
/// `POST` [`crate::visits::TeamMemberRequest`] → `200` [`crate::visits::Team`]: a volunteer joins
/// the team (and leaves any other). Admins only.
pub const ADMIN_TEAM_MEMBERS: &str = "/v1/admin/teams/{team_id}/members";
/// `POST` [`crate::visits::CreateCampaignRequest`] → `201` [`crate::visits::Campaign`]. Admins
/// only.
pub const ADMIN_CAMPAIGNS: &str = "/v1/admin/campaigns";

/// `GET` → `200` [`crate::handoffs::HandoffList`]: the hand-offs the caller offered that have not
/// expired (protocol 1.3).
pub const HANDOFFS: &str = "/v1/handoffs";
/// `PUT` [`crate::handoffs::HandoffOffer`] → `201` (new) or `200` (the same again)
/// [`crate::handoffs::HandoffState`]: offer a blob the caller uploaded as this bundle. Another
/// account's bundle id, or a different blob under it, is `409.1`. Citizens and volunteers.
pub const HANDOFF: &str = "/v1/handoffs/{bundle_id}";
/// `POST` → `200` [`crate::handoffs::HandoffState`]: the receiver (who scanned the QR) claims the
/// bundle; from then on only that account may read its blob. Unknown, expired or claimed by
/// another account: `404.1`. Citizens and volunteers.
pub const HANDOFF_CLAIM: &str = "/v1/handoffs/{bundle_id}/claim";
/// `POST` → `200` [`crate::handoffs::HandoffState`]: the receiver has opened the bundle; the server
/// drops its copy. Only the account that claimed it (else `404.1`); repeating it is fine.
pub const HANDOFF_RECEIVED: &str = "/v1/handoffs/{bundle_id}/received";

/// `GET` → `200` [`crate::catalog::CatalogLatest`]: the newest published catalog bundle, or
/// `404.1` while none is. No auth; `ETag` (quoted SHA-256) and `If-None-Match` → `304`.
pub const CATALOG_LATEST: &str = "/v1/catalog/latest";
/// `GET` → the bytes of a published catalog bundle (`application/octet-stream`). No auth.
/// `Range: bytes=<start>-` / `bytes=<start>-<end>` → `206` with `Content-Range`, a start at or
/// past the end → `416` (`416.1`), as for [`BLOB`]; `ETag` is the quoted SHA-256. Unknown
/// version: `404.1`.
pub const CATALOG_BUNDLE: &str = "/v1/catalog/bundles/{version}";

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
