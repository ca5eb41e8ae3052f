//! `dvc-protocol`: the sync API between the phone (`dvc-core`'s sync client) and the server
//! (`dvc-sync`). Wire types, event types, stable error codes, API paths and the protocol version —
//! one place, so both sides agree by construction.
//!
//! # The flow a client follows
//! 1. **Account.** [`auth::RegistrationRequest`] (phone, password, full name, ID number, date of
//!    birth) → a one-time code by SMS ([`auth::OtpSent`] says when it expires and when a new one may
//!    be asked) → [`auth::RegistrationVerifyRequest`] → [`auth::LoginRequest`] gives an opaque
//!    bearer token ([`auth::LoginResponse`]). Send it as `Authorization: Bearer <token>` on every
//!    other call. Tokens are revocable (devices list, sign-out, password change or reset). A
//!    forgotten password: [`auth::PasswordResetRequest`] → code → [`auth::PasswordResetConfirm`].
//!    Every account route answers the same for known and unknown phone numbers.
//! 2. **Blobs first.** Ask which attachment hashes the server lacks for this account
//!    ([`paths::BLOBS_MISSING`], [`blobs::MissingBlobsRequest`]), then upload each missing one with
//!    the resumable upload protocol in [`blobs`] (create, `HEAD` for the offset, `PATCH` chunks).
//! 3. **Submit once.** `PUT /v1/dossiers/{client_uuid}` with a [`dossiers::DossierManifest`]. Repeating
//!    the same request is safe: the same uuid and content give the same answer
//!    ([`dossiers::DossierReceipt`], with the dossier code); different content under the same uuid
//!    is [`ErrorCode::DossierConflict`].
//! 4. **Status back.** Poll `GET /v1/events?after=<cursor>&limit=N&wait=S` ([`events`]); save
//!    [`events::EventsPage::next_cursor`] in the same local transaction that applies the events.
//!
//! Since protocol 1.1, steps 2–4 can be one streamed request, `POST /v1/push` ([`push`]): the
//! blobs' bytes in checksummed frames, the manifest, and the events after the client's cursor in
//! the answer — one round trip instead of about eight, with the same guarantees.
//!
//! # Versions
//! The version is `major.minor`. A server refuses only another major version; a minor version
//! adds routes and never changes an old one. A 1.1 client talking to a 1.0 server gets `404.1`
//! from `POST /v1/push` and falls back to the 1.0 routes, which 1.1 servers keep for 1.0 clients.
//! Protocol 1.2 adds volunteers' visits, teams, campaigns and reports ([`visits`]); a 1.2 client
//! keeps its visits waiting while its server answers `404.1` to them.
//!
//! Every error body is an [`ErrorBody`] whose `code` is one of [`ErrorCode`]'s stable codes
//! (`"409.1"`); clients branch on the code, never on the message.
//!
//! The rules both sides apply (phone numbers, ratings, the state machine, Vietnam's today) are in
//! [`rules`], once.
//!
//! The `openapi` feature (used by the server only) adds `utoipa` schemas; the client leaves it off.

pub mod agencies;
pub mod auth;
pub mod blobs;
pub mod calendar;
pub mod catalog;
pub mod dossiers;
pub mod error;
pub mod events;
pub mod handoffs;
pub mod lookup;
pub mod paths;
pub mod push;
pub mod rules;
pub mod server_qr;
pub mod visits;

pub use error::{ErrorBody, ErrorCode};

/// Protocol version. A client sends it in [`PROTOCOL_HEADER`]; the server rejects a different
/// major version with [`ErrorCode::ProtocolUnsupported`] and answers with its own in the same header.
pub const PROTOCOL_VERSION: &str = "1.4";

/// Request/response header carrying [`PROTOCOL_VERSION`].
pub const PROTOCOL_HEADER: &str = "x-dvc-protocol";

/// API path prefix.
pub const API_PREFIX: &str = "/v1";

/// Health check path (also at the crate root, where the first clients looked for it).
pub const HEALTHZ: &str = paths::HEALTHZ;

/// The major part of a version string such as `"1"` or `"1.2"`.
pub fn major_version(v: &str) -> &str {
    v.split('.').next().unwrap_or(v).trim()
}

/// The minor part of a version string (`"1"` → 0, `"1.1"` → 1; unreadable → 0).
pub fn minor_version(v: &str) -> u32 {
    v.split('.')
        .nth(1)
        .and_then(|m| m.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_version_parts() {
        assert_eq!(major_version("1"), "1");
        assert_eq!(major_version("1.7"), "1");
        assert_eq!(major_version(" 2 "), "2");
        assert_eq!(major_version(PROTOCOL_VERSION), "1");
        assert_eq!(minor_version(PROTOCOL_VERSION), 4);
        assert_eq!(minor_version("1"), 0);
        assert_eq!(minor_version("1.x"), 0);
    }
}
