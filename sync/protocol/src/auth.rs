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
    /// Confirms a consent asked for on a volunteer's phone ([`crate::paths::CONSENT_REQUESTS`]).
    Consent,
}

impl OtpPurpose {
    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            OtpPurpose::Register => "register",
            OtpPurpose::PasswordReset => "password_reset",
            OtpPurpose::Consent => "consent",
        }
    }

    /// Parses [`OtpPurpose::as_str`].
    pub fn parse(s: &str) -> Option<OtpPurpose> {
        match s {
            "register" => Some(OtpPurpose::Register),
            "password_reset" => Some(OtpPurpose::PasswordReset),
            "consent" => Some(OtpPurpose::Consent),
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

/// The version of the consent text (Vietnamese, shown to the citizen before they agree) this
/// protocol knows. A client sends the version it showed; the server records it with the consent.
pub const CONSENT_TEXT_VERSION: &str = "vi-2026-12";
/// A consent lasts this many days unless the citizen chose otherwise.
pub const CONSENT_DEFAULT_DAYS: u32 = 90;
/// The longest a consent may last, in days (then the citizen gives it again).
pub const CONSENT_MAX_DAYS: u32 = 365;
/// The most procedure codes one consent may name.
pub const CONSENT_MAX_PROCEDURES: usize = 50;

/// A citizen lets a volunteer submit dossiers on their behalf, from the citizen's own account:
/// the volunteer is named by phone number (`volunteer_phone`) or by the text of the QR code the
/// volunteer's app shows (`volunteer_qr`, see [`volunteer_qr`]) — exactly one of the two.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    /// The volunteer's phone number (empty or absent when `volunteer_qr` is given).
    #[serde(default)]
    pub volunteer_phone: String,
    /// The scanned QR text `DVCVOL1:<volunteer id>:<check>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volunteer_qr: Option<String>,
    /// Only these procedure codes; absent: every procedure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedures: Option<Vec<String>>,
    /// Days the consent lasts, 1 to [`CONSENT_MAX_DAYS`]; absent: [`CONSENT_DEFAULT_DAYS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_days: Option<u32>,
    /// The version of the consent text the citizen read; absent: [`CONSENT_TEXT_VERSION`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_version: Option<String>,
}

/// How a consent was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    /// From the citizen's own account ([`crate::paths::CONSENTS`]).
    App,
    /// On the volunteer's phone, confirmed with the code sent to the citizen's phone
    /// ([`crate::paths::CONSENT_REQUESTS`]).
    Otp,
}

/// A consent, as its citizen (grantor) or its volunteer (grantee) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentInfo {
    /// Consent id (for [`crate::paths::CONSENT`]).
    pub consent_id: String,
    /// The volunteer's phone number.
    pub volunteer_phone: String,
    /// RFC 3339 UTC.
    pub granted_at: String,
    /// The volunteer's account id (what their QR code carries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volunteer_id: Option<String>,
    /// The volunteer's display name, if they set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volunteer_name: Option<String>,
    /// The citizen's account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen_id: Option<String>,
    /// The citizen's phone number (what `on_behalf_of.citizen_phone` names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen_phone: Option<String>,
    /// The citizen's display name, if they set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen_name: Option<String>,
    /// Only these procedure codes; absent: every procedure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedures: Option<Vec<String>>,
    /// RFC 3339 UTC: no new dossier is accepted under this consent from then on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// The version of the consent text the citizen read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_version: Option<String>,
    /// How it was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<ConsentMethod>,
}

/// `GET /v1/consents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentList {
    /// Active (not withdrawn, not expired) consents: for a citizen those they gave, for a
    /// volunteer those given to them.
    pub consents: Vec<ConsentInfo>,
}

/// A volunteer asks for a citizen's consent on the spot ([`crate::paths::CONSENT_REQUESTS`]): the
/// server sends a one-time code to the citizen's phone; the citizen reads the consent text on the
/// volunteer's phone and types the code there ([`ConsentConfirmRequest`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentOtpRequest {
    /// The citizen's phone number (the login of their account).
    pub citizen_phone: String,
    /// Only these procedure codes; absent: every procedure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedures: Option<Vec<String>>,
    /// Days the consent lasts, 1 to [`CONSENT_MAX_DAYS`]; absent: [`CONSENT_DEFAULT_DAYS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_days: Option<u32>,
    /// The version of the consent text shown; absent: [`CONSENT_TEXT_VERSION`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_version: Option<String>,
}

/// `202` to [`ConsentOtpRequest`]: the same whether or not the phone number has an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentOtpPending {
    /// For [`crate::paths::CONSENT_REQUEST_CONFIRM`].
    pub request_id: String,
    /// Seconds until the code expires.
    pub expires_in_s: u64,
    /// Digits in the code ([`OTP_DIGITS`]).
    pub code_length: u8,
    /// The consent text version recorded.
    pub text_version: String,
    /// The days the consent will last once confirmed.
    pub valid_days: u32,
}

/// The code the citizen typed on the volunteer's phone: `201` [`ConsentInfo`], or `400.5` for a
/// wrong, used-up or expired code (each wrong code counts; after five the request is dead).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentConfirmRequest {
    /// The code, [`OTP_DIGITS`] digits.
    pub otp: String,
}

/// The prefix of the text a volunteer's QR code carries.
pub const VOLUNTEER_QR_PREFIX: &str = "DVCVOL1:";

fn qr_check(id: &str) -> String {
    // A weighted sum mod 97 (ISO 7064 style): catches a mistyped or damaged character or a swap
    // of two neighbours; it is not a secret (the server still checks the account).
    let mut acc: u32 = 0;
    for b in id.bytes() {
        acc = (acc * 31 + u32::from(b)) % 97;
    }
    format!("{acc:02}")
}

/// The text of a volunteer's QR code: `DVCVOL1:<volunteer account id>:<2-digit check>`.
pub fn volunteer_qr(volunteer_id: &str) -> String {
    format!(
        "{VOLUNTEER_QR_PREFIX}{volunteer_id}:{}",
        qr_check(volunteer_id)
    )
}

/// The volunteer account id in a scanned QR text, if the text has the shape and its check agrees.
pub fn parse_volunteer_qr(text: &str) -> Option<String> {
    let rest = text.trim().strip_prefix(VOLUNTEER_QR_PREFIX)?;
    let (id, check) = rest.rsplit_once(':')?;
    let ok_id = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    (ok_id && check == qr_check(id)).then(|| id.to_owned())
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
    fn volunteer_qr_round_trips_and_rejects_damage() {
        let id = "0193a5c2-7d1e-7000-8000-00000000abcd";
        let qr = volunteer_qr(id);
        assert!(qr.starts_with("DVCVOL1:0193a5c2-"));
        assert_eq!(parse_volunteer_qr(&qr).as_deref(), Some(id));
        assert_eq!(
            parse_volunteer_qr(&format!("  {qr}\n")).as_deref(),
            Some(id)
        );
        // one character changed, two neighbours swapped, check changed, other prefixes
        let changed = qr.replacen("abcd", "abce", 1);
        assert_eq!(parse_volunteer_qr(&changed), None);
        let swapped = qr.replacen("abcd", "bacd", 1);
        assert_eq!(parse_volunteer_qr(&swapped), None);
        let (head, check) = qr.rsplit_once(':').unwrap();
        let other = format!("{:02}", (check.parse::<u32>().unwrap() + 1) % 97);
        assert_eq!(parse_volunteer_qr(&format!("{head}:{other}")), None);
        assert_eq!(
            parse_volunteer_qr(&qr.replacen("DVCVOL1", "DVCVOL2", 1)),
            None
        );
        assert_eq!(parse_volunteer_qr("DVCVOL1::00"), None);
        assert_eq!(parse_volunteer_qr("DVCVOL1:a b:00"), None);
        assert_eq!(parse_volunteer_qr(""), None);
    }

    #[test]
    fn old_consent_bodies_still_parse() {
        let req: ConsentRequest =
            serde_json::from_str(r#"{"volunteer_phone":"0912345678"}"#).unwrap();
        assert_eq!(req.volunteer_phone, "0912345678");
        assert_eq!(req.procedures, None);
        let info: ConsentInfo = serde_json::from_str(
            r#"{"consent_id":"c","volunteer_phone":"0912345678","granted_at":"2026-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(info.expires_at, None);
        assert_eq!(OtpPurpose::parse("consent"), Some(OtpPurpose::Consent));
    }

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
