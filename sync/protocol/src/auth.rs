//! Accounts, devices (tokens) and consents.

use serde::{Deserialize, Serialize};

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Submits and follows their own dossiers (and those a volunteer submitted for them with consent).
    Citizen,
    /// Community tech-team member: submits dossiers for citizens and follows those they helped with.
    Volunteer,
    /// Staff of one receiving agency: sees and handles that agency's dossiers (console and API).
    Officer,
    /// Manages staff accounts and tokens; sees no dossiers.
    Admin,
}

impl Role {
    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::Volunteer => "volunteer",
            Role::Officer => "officer",
            Role::Admin => "admin",
        }
    }

    /// Parses [`Role::as_str`].
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "citizen" => Some(Role::Citizen),
            "volunteer" => Some(Role::Volunteer),
            "officer" => Some(Role::Officer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Self-registration of a citizen or volunteer (staff accounts are made by an admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Vietnamese mobile number: `0xxxxxxxxx` or `+84xxxxxxxxx`.
    pub phone: String,
    /// 8 to 128 characters.
    pub password: String,
    /// `citizen` or `volunteer`.
    pub role: Role,
    /// Optional display name (shown to officers next to dossiers this account submits).
    #[serde(default)]
    pub display_name: Option<String>,
}

/// A pending registration; the one-time code goes to the phone by SMS (in development: the log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterResponse {
    /// Pass back in [`VerifyRequest`].
    pub registration_id: String,
    /// Seconds until the code expires.
    pub expires_in_s: u64,
}

/// Completes a registration with the one-time code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// From [`RegisterResponse`].
    pub registration_id: String,
    /// The six-digit code.
    pub otp: String,
}

/// Exchanges a login and password for a device token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Phone number for citizens and volunteers; user name for staff.
    pub login: String,
    /// The password.
    pub password: String,
    /// A label for this device in the account's device list, e.g. `"Redmi 9A"`.
    #[serde(default)]
    pub device_name: Option<String>,
}

/// A new bearer token. The server keeps only its hash: it cannot be shown again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// The token's id (for [`crate::paths::TOKEN`]).
    pub token_id: String,
    /// RFC 3339 UTC expiry.
    pub expires_at: String,
    /// Who logged in.
    pub account: AccountInfo,
}

/// An account as its owner (or an admin) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountInfo {
    /// UUIDv7.
    pub account_id: String,
    /// Phone number or staff user name.
    pub login: String,
    /// The account's role.
    pub role: Role,
    /// For officers: the agency code they act for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency_code: Option<String>,
    /// Optional display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// One device token of the caller's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenInfo {
    /// Token id.
    pub token_id: String,
    /// Device label given at login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub expires_at: String,
    /// True for the token that made this request.
    pub current: bool,
}

/// `GET /v1/auth/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenList {
    /// Active (unrevoked, unexpired) tokens.
    pub tokens: Vec<TokenInfo>,
}

/// A citizen lets a volunteer (named by phone number) submit dossiers on their behalf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    /// The volunteer's phone number.
    pub volunteer_phone: String,
}

/// A consent given by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentInfo {
    /// Consent id (for [`crate::paths::CONSENT`]).
    pub consent_id: String,
    /// The volunteer's phone number.
    pub volunteer_phone: String,
    /// RFC 3339 UTC.
    pub granted_at: String,
}

/// `GET /v1/consents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentList {
    /// Active consents.
    pub consents: Vec<ConsentInfo>,
}

/// Admin: create a staff account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateStaffRequest {
    /// User name: 3–64 of `a-z 0-9 . _ -`.
    pub login: String,
    /// 8 to 128 characters.
    pub password: String,
    /// `officer` or `admin`.
    pub role: Role,
    /// Required for officers: an agency this server serves.
    #[serde(default)]
    pub agency_code: Option<String>,
    /// Optional display name.
    #[serde(default)]
    pub display_name: Option<String>,
}
