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

/// Shortest password, in characters (shown before the person types one).
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Longest password, in characters.
pub const PASSWORD_MAX_CHARS: usize = 128;
/// Digits of a one-time code.
pub const OTP_DIGITS: usize = 6;

/// Whether a password follows the rule both sides apply: [`PASSWORD_MIN_CHARS`] to
/// [`PASSWORD_MAX_CHARS`] characters (any characters; a passphrase with spaces is fine).
pub fn password_ok(password: &str) -> bool {
    (PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&password.chars().count())
}

/// Registration of a citizen or volunteer account (staff accounts are made by an admin). The
/// answer is always `202` [`OtpSent`] once the fields are valid — also when the phone number
/// already has an account (its owner then gets a message saying so instead of a code), so the
/// answer never tells whether a number is registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegistrationRequest {
    /// Vietnamese mobile number: `0xxxxxxxxx` or `+84xxxxxxxxx` ([`crate::rules::normalize_mobile`]).
    pub phone: String,
    /// [`PASSWORD_MIN_CHARS`] to [`PASSWORD_MAX_CHARS`] characters ([`password_ok`]).
    pub password: String,
    /// `citizen` or `volunteer`.
    pub role: Role,
    /// Full name as on the ID card ([`crate::rules::check_full_name`]).
    pub full_name: String,
    /// The 12-digit personal ID number ([`crate::rules::check_id_number`], checked against the
    /// birth year).
    pub id_number: String,
    /// Date of birth, `YYYY-MM-DD` ([`crate::rules::check_birth_date`]).
    pub birth_date: String,
    /// Optional display name shown to officers (defaults to nothing).
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `202` answer of every route that sends a one-time code: the same numbers whether or not a
/// code really went out (known and unknown phone numbers are never told apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtpSent {
    /// Seconds until the code expires.
    pub expires_in_s: u64,
    /// Seconds until [`crate::paths::OTP_RESEND`] may be asked (the countdown the app shows).
    pub resend_after_s: u64,
    /// Digits in the code ([`OTP_DIGITS`]).
    pub code_length: u8,
}

/// What a one-time code is for. One code is valid at a time per phone number and purpose: a new
/// one replaces the previous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OtpPurpose {
    /// Confirms a new account ([`crate::paths::REGISTER_VERIFY`]).
    Register,
    /// Sets a forgotten password ([`crate::paths::PASSWORD_RESET_CONFIRM`]).
    PasswordReset,
}

impl OtpPurpose {
    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            OtpPurpose::Register => "register",
            OtpPurpose::PasswordReset => "password_reset",
        }
    }

    /// Parses [`OtpPurpose::as_str`].
    pub fn parse(s: &str) -> Option<OtpPurpose> {
        match s {
            "register" => Some(OtpPurpose::Register),
            "password_reset" => Some(OtpPurpose::PasswordReset),
            _ => None,
        }
    }
}

/// Confirms a registration with the code sent to the phone: `201` [`AccountInfo`]; a wrong,
/// used-up or expired code is `400.5` (each wrong code counts; after five the code is dead and
/// the person registers again or asks for a new code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegistrationVerifyRequest {
    /// The phone number the registration named (any accepted form).
    pub phone: String,
    /// The code, [`OTP_DIGITS`] digits.
    pub otp: String,
}

/// Asks for a new code for a pending registration or password reset: `202` [`OtpSent`] (the same
/// whether or not anything is pending), or `429.1` with `retry_after_s` before the countdown ends.
/// The previous code stops working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OtpResendRequest {
    /// The phone number.
    pub phone: String,
    /// Which code.
    pub purpose: OtpPurpose,
}

/// "Quên mật khẩu": sends a code to the phone if it has an account; `202` [`OtpSent`] either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The phone number.
    pub phone: String,
}

/// Sets a new password with the code from [`PasswordResetRequest`]: `204`. Every device and
/// console session of the account is signed out; sign in again with the new password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirm {
    /// The phone number.
    pub phone: String,
    /// The code.
    pub otp: String,
    /// The new password ([`password_ok`]).
    pub new_password: String,
}

/// Changes the signed-in account's password: `204`. Every other device and console session of the
/// account is signed out (a password is usually changed because it may be known to someone else);
/// the device that asked stays signed in. A wrong current password is `403.5`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    /// The current password.
    pub old_password: String,
    /// The new password ([`password_ok`]).
    pub new_password: String,
}

/// A channel that carries status messages (and, for SMS and Zalo, one-time codes) off the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// SMS to the account's phone number (a brand-name SMS gateway).
    Sms,
    /// E-mail to the address in [`NotificationSettings::email`].
    Email,
    /// Zalo (ZNS template message) to the account's phone number.
    Zalo,
}

impl Channel {
    /// All channels.
    pub const ALL: &'static [Channel] = &[Channel::Sms, Channel::Email, Channel::Zalo];

    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
            Channel::Zalo => "zalo",
        }
    }

    /// Parses [`Channel::as_str`].
    pub fn parse(s: &str) -> Option<Channel> {
        match s {
            "sms" => Some(Channel::Sms),
            "email" => Some(Channel::Email),
            "zalo" => Some(Channel::Zalo),
            _ => None,
        }
    }
}

/// `GET`/`PUT` [`crate::paths::ME_NOTIFICATIONS`]: where the account's dossier status messages go.
/// A message carries the dossier code and its new state only. New accounts start with `sms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationSettings {
    /// The channels chosen (each at most once). Channels this server does not offer are kept but
    /// nothing is sent on them.
    pub channels: Vec<Channel>,
    /// E-mail address for [`Channel::Email`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Channels this server can send on (read-only; ignored in a `PUT`).
    #[serde(default)]
    pub available: Vec<Channel>,
}

/// `PUT` [`crate::paths::ME_NOTIFICATIONS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationSettingsUpdate {
    /// The channels wanted.
    pub channels: Vec<Channel>,
    /// E-mail address (required when `channels` has `email`; `null` removes it).
    #[serde(default)]
    pub email: Option<String>,
}

/// Self-registration of a citizen or volunteer (staff accounts are made by an admin).
///
/// Superseded by [`RegistrationRequest`] (the server takes only that one); kept while the phone's
/// client still names it.
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

/// The answer to [`RegisterRequest`]: superseded by [`OtpSent`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterResponse {
    /// Pass back in [`VerifyRequest`].
    pub registration_id: String,
    /// Seconds until the code expires.
    pub expires_in_s: u64,
}

/// Completes a registration with the one-time code: superseded by [`RegistrationVerifyRequest`].
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
    /// RFC 3339 UTC: when the token was last used (to within a few minutes); `None` if never
    /// since it was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen_at: Option<String>,
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

/// Admin: set a new password for an account (a forgotten staff password, a citizen at the
/// counter). Every token of the account is revoked; the action is audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdminPasswordSet {
    /// The new password ([`password_ok`]).
    pub new_password: String,
}

/// Admin: an audit row about an account (disabled, enabled, password set, tokens revoked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountAuditEntry {
    /// RFC 3339 UTC.
    pub at: String,
    /// Who did it (staff login).
    pub actor_login: String,
    /// `account_disabled`, `account_enabled`, `password_set`, `tokens_revoked`.
    pub action: String,
}

/// `GET` [`crate::paths::ADMIN_ACCOUNT_AUDIT`]: oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountAudit {
    /// The rows.
    pub entries: Vec<AccountAuditEntry>,
}

/// Where a status message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// Accepted by the gateway or mail server.
    Sent,
    /// Given up: retries used up, or a permanent refusal (see `last_error`).
    Failed,
}

impl OutboxStatus {
    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    /// Parses [`OutboxStatus::as_str`].
    pub fn parse(s: &str) -> Option<OutboxStatus> {
        match s {
            "pending" => Some(OutboxStatus::Pending),
            "sent" => Some(OutboxStatus::Sent),
            "failed" => Some(OutboxStatus::Failed),
            _ => None,
        }
    }
}

/// Admin: one status message of the outbox. No personal data: the dossier code and state, the
/// channel and the recipient's account id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxItem {
    /// Outbox id (also the idempotency key sent to gateways).
    pub id: i64,
    /// The event's sequence number.
    pub event_seq: i64,
    /// The channel.
    pub channel: Channel,
    /// The recipient account.
    pub account_id: String,
    /// The dossier code.
    pub dossier_code: String,
    /// The dossier's state the message announces.
    pub state: crate::dossiers::DossierState,
    /// Where it stands.
    pub status: OutboxStatus,
    /// Attempts made.
    pub attempts: u32,
    /// The last failure, if any (gateway status or error kind; never a recipient).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC, once sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
}

/// `GET` [`crate::paths::ADMIN_OUTBOX`]`?status=…&limit=…`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxList {
    /// Messages.
    pub items: Vec<OutboxItem>,
    /// Counts over the whole outbox by status.
    pub pending: u64,
    /// Sent so far.
    pub sent: u64,
    /// Given up.
    pub failed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        for p in [OtpPurpose::Register, OtpPurpose::PasswordReset] {
            assert_eq!(OtpPurpose::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        for s in [
            OutboxStatus::Pending,
            OutboxStatus::Sent,
            OutboxStatus::Failed,
        ] {
            assert_eq!(OutboxStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(Channel::parse("fax"), None);
    }

    #[test]
    fn password_rule_counts_characters() {
        assert!(!password_ok("1234567"));
        assert!(password_ok("mật khẩu"));
        assert!(password_ok(&"ậ".repeat(128)));
        assert!(!password_ok(&"a".repeat(129)));
    }

    #[test]
    fn registration_refuses_unknown_fields() {
        let ok = r#"{"phone":"0912345678","password":"12345678","role":"citizen","full_name":"Lê Thị Mẫu","id_number":"079185000321","birth_date":"1985-06-05"}"#;
        let r: RegistrationRequest = serde_json::from_str(ok).unwrap();
        assert_eq!(r.display_name, None);
        let extra = ok.replace('}', r#","admin":true}"#);
        assert!(serde_json::from_str::<RegistrationRequest>(&extra).is_err());
    }
}
