//! Stable, numbered error codes — the one place they are defined.
//!
//! A code is `"<http status>.<n>"` plus a snake_case name, e.g. `409.1 dossier_conflict`. Codes are
//! never renumbered or reused; a new failure gets a new number. Clients branch on [`ErrorBody::code`]
//! (parse it with [`ErrorCode::from_code`]); `message` is English for developers and logs, and the
//! app shows its own Vietnamese text per code.

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = ($code:literal, $name:literal, $status:literal), )*) => {
        /// Every error the API can answer with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            /// All codes, in definition order.
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )* ];

            /// The stable code, e.g. `"409.1"`.
            pub const fn code(self) -> &'static str {
                match self { $( ErrorCode::$variant => $code, )* }
            }

            /// The stable snake_case name, e.g. `"dossier_conflict"`.
            pub const fn name(self) -> &'static str {
                match self { $( ErrorCode::$variant => $name, )* }
            }

            /// The HTTP status this code is sent with.
            pub const fn http_status(self) -> u16 {
                match self { $( ErrorCode::$variant => $status, )* }
            }

            /// Parses a stable code such as `"409.1"`.
            pub fn from_code(code: &str) -> Option<ErrorCode> {
                match code { $( $code => Some(ErrorCode::$variant), )* _ => None }
            }
        }
    };
}

error_codes! {
    /// The body is not valid JSON for this request; `field` names the offending field when known.
    MalformedJson = ("400.1", "malformed_json", 400),
    /// A field is well-formed JSON but invalid (`field` and `message` say which and why).
    InvalidField = ("400.2", "invalid_field", 400),
    /// A header is missing or invalid (`field` names the header).
    InvalidHeader = ("400.3", "invalid_header", 400),
    /// The client's [`crate::PROTOCOL_HEADER`] has a major version this server does not speak.
    ProtocolUnsupported = ("400.4", "protocol_unsupported", 400),
    /// The one-time code is wrong, used up or expired (also for a phone number with nothing
    /// pending: the two are never told apart).
    OtpInvalid = ("400.5", "otp_invalid", 400),
    /// No valid bearer token (missing, unknown, expired or revoked).
    Unauthenticated = ("401.1", "unauthenticated", 401),
    /// Login and password do not match (the same answer for an unknown login and for a disabled
    /// account).
    InvalidCredentials = ("401.2", "invalid_credentials", 401),
    /// The bearer token was revoked: this device was signed out from another device, by a
    /// password change or reset, or by an admin. Sign in again.
    TokenRevoked = ("401.3", "token_revoked", 401),
    /// The caller's role may not use this route.
    Forbidden = ("403.1", "forbidden", 403),
    /// A volunteer submitted on behalf of a citizen who has not given them consent.
    ConsentMissing = ("403.2", "consent_missing", 403),
    /// The console form's CSRF token is missing or wrong.
    CsrfFailed = ("403.3", "csrf_failed", 403),
    /// The account is disabled.
    AccountDisabled = ("403.4", "account_disabled", 403),
    /// The current password given to change it is wrong.
    WrongPassword = ("403.5", "wrong_password", 403),
    /// This server takes no self-registration or password reset by code (no message sender is
    /// configured).
    RegistrationClosed = ("403.6", "registration_closed", 403),
    /// The volunteer's consent from this citizen has expired; the citizen gives it again.
    ConsentExpired = ("403.7", "consent_expired", 403),
    /// The citizen withdrew the volunteer's consent.
    ConsentWithdrawn = ("403.8", "consent_withdrawn", 403),
    /// The consent does not cover this procedure.
    ConsentOutOfScope = ("403.9", "consent_out_of_scope", 403),
    /// This server sends no codes, so consent by code is off (the citizen grants it from their
    /// own account instead).
    ConsentByCodeOff = ("403.10", "consent_by_code_off", 403),
    /// The looked-up dossier does not name the caller (neither the account's phone nor its
    /// registered ID number is on it), or it is already another account's: it cannot be added to
    /// their dossiers.
    NotYourDossier = ("403.11", "not_your_dossier", 403),
    /// Nothing here — or nothing the caller may see (the two are never told apart).
    NotFound = ("404.1", "not_found", 404),
    /// The path exists but not with this method.
    MethodNotAllowed = ("405.1", "method_not_allowed", 405),
    /// The dossier uuid was already used with different content.
    DossierConflict = ("409.1", "dossier_conflict", 409),
    /// `Upload-Offset` is not the server's offset; `offset` carries the right one.
    UploadOffsetMismatch = ("409.2", "upload_offset_mismatch", 409),
    /// The officer action is not allowed in the dossier's current state.
    InvalidTransition = ("409.3", "invalid_transition", 409),
    /// The login (phone number) is already registered.
    LoginTaken = ("409.4", "login_taken", 409),
    /// The upload was created for a different hash or length than this request says.
    UploadMismatch = ("409.5", "upload_mismatch", 409),
    /// A revision number was already used with different content, or is not the next one.
    RevisionConflict = ("409.6", "revision_conflict", 409),
    /// The dossier already has a different rating (a rating is given once).
    AlreadyRated = ("409.7", "already_rated", 409),
    /// The request body is larger than this route accepts.
    PayloadTooLarge = ("413.1", "payload_too_large", 413),
    /// The account's storage quota would be exceeded.
    QuotaExceeded = ("413.2", "quota_exceeded", 413),
    /// The blob is larger than the per-blob limit.
    BlobTooLarge = ("413.3", "blob_too_large", 413),
    /// Wrong `Content-Type` for this route.
    UnsupportedMediaType = ("415.1", "unsupported_media_type", 415),
    /// `GET /v1/blobs/{sha256}` with a `Range` that starts at or past the end of the blob (the
    /// answer carries `Content-Range: bytes */<size>`).
    RangeNotSatisfiable = ("416.1", "range_not_satisfiable", 416),
    /// The manifest references blobs this account has not uploaded; `missing` lists them.
    BlobsMissing = ("422.1", "blobs_missing", 422),
    /// The manifest's agency code is not served by this server.
    UnknownAgency = ("422.2", "unknown_agency", 422),
    /// The completed upload's SHA-256 differs from the declared one; the upload was discarded.
    BlobHashMismatch = ("422.3", "blob_hash_mismatch", 422),
    /// The chunk's `Upload-Checksum` does not match its bytes; the chunk was discarded.
    ChunkChecksumMismatch = ("422.4", "chunk_checksum_mismatch", 422),
    /// Too many attempts; `retry_after_s` says when to try again (also the `Retry-After` header).
    RateLimited = ("429.1", "rate_limited", 429),
    /// Something failed on the server; nothing was changed. Retry later.
    Internal = ("500.1", "internal", 500),
    /// The server is overloaded, starting or stopping, or its database is unreachable.
    Unavailable = ("503.1", "unavailable", 503),
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code(), self.name())
    }
}

/// The JSON body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable code, e.g. `"409.1"` ([`ErrorCode::code`]).
    pub code: String,
    /// Stable name, e.g. `"dossier_conflict"` ([`ErrorCode::name`]).
    pub error: String,
    /// Human-readable English explanation (not stable; never contains personal data).
    pub message: String,
    /// The offending field or header, for `400.x`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `422.1 blobs_missing`: the SHA-256 hashes the server lacks for this account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<String>>,
    /// For `409.2 upload_offset_mismatch`: the server's current offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// For `429.1 rate_limited`: seconds to wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
}

impl ErrorBody {
    /// A body with only code, name and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            code: code.code().to_owned(),
            error: code.name().to_owned(),
            message: message.into(),
            field: None,
            missing: None,
            offset: None,
            retry_after_s: None,
        }
    }

    /// The parsed code, if this client knows it.
    pub fn error_code(&self) -> Option<ErrorCode> {
        ErrorCode::from_code(&self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_match_their_status() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for &c in ErrorCode::ALL {
            assert!(codes.insert(c.code()), "duplicate code {}", c.code());
            assert!(names.insert(c.name()), "duplicate name {}", c.name());
            let (status, n) = c.code().split_once('.').expect("code has a dot");
            assert_eq!(status.parse::<u16>().unwrap(), c.http_status(), "{c}");
            assert!(n.parse::<u16>().unwrap() >= 1);
            assert_eq!(ErrorCode::from_code(c.code()), Some(c));
            assert!(c
                .name()
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch == '_'));
        }
        assert_eq!(ErrorCode::from_code("999.9"), None);
    }

    #[test]
    fn body_round_trips_and_omits_empty_details() {
        let body = ErrorBody::new(ErrorCode::DossierConflict, "different content");
        let json = serde_json::to_string(&body).unwrap();
        assert_eq!(
            json,
            r#"{"code":"409.1","error":"dossier_conflict","message":"different content"}"#
        );
        let back: ErrorBody = serde_json::from_str(&json).unwrap();
        assert_eq!(back.error_code(), Some(ErrorCode::DossierConflict));
    }
}
