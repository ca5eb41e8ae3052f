//! `/v1/auth/*` and `/v1/me*`: registration confirmed by a one-time code, code resend, login,
//! forgotten and changed passwords, devices (tokens), sign-out, notification channels.
//!
//! Every route that takes a phone number answers the same for numbers with and without an
//! account, after the same work: a registration hashes the password and stores a code row either
//! way (the owner of a registered number gets a notice instead of a code); a reset stores a code
//! row either way (sent only when there is an account); a login checks argon2 against a dummy hash
//! for unknown logins. Messages go out in the background, so no answer waits for a gateway.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use dvc_protocol::auth::{
    password_ok, AccountInfo, Channel, LoginRequest, LoginResponse, NotificationSettings,
    NotificationSettingsUpdate, OtpPurpose, OtpResendRequest, OtpSent, PasswordChangeRequest,
    PasswordResetConfirm, PasswordResetRequest, RegistrationRequest, RegistrationVerifyRequest,
    Role, TokenInfo, TokenList, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS,
};
use dvc_protocol::rules;
use dvc_protocol::{ErrorBody, ErrorCode};

use crate::auth::{self, Caller, ClientIp, LoginOutcome};
use crate::db::{Account, Identity, RegistrationOutcome, TokenKind};
use crate::domain::{self, rfc3339};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::limits::{self, Budget};
use crate::otp::{self, Deliver};
use crate::state::AppState;

/// The public view of an account.
pub fn account_info(a: &Account) -> AccountInfo {
    AccountInfo {
        account_id: a.id.clone(),
        login: a.login.clone(),
        role: a.role,
        agency_code: a.agency_code.clone(),
        display_name: a.display_name.clone(),
    }
}

/// Normalises a login: a phone number to `0xxxxxxxxx`, anything else to lower case.
pub fn normalize_login(login: &str) -> String {
    domain::normalize_phone(login).unwrap_or_else(|| login.trim().to_lowercase())
}

fn check_display_name(n: &Option<String>) -> ApiResult<Option<String>> {
    match n {
        Some(n) if n.chars().count() > 100 || n.chars().any(char::is_control) => {
            Err(ApiError::invalid(
                "display_name",
                "at most 100 characters, no control characters",
            ))
        }
        Some(n) if n.trim().is_empty() => Ok(None),
        other => Ok(other.as_ref().map(|s| s.trim().to_owned())),
    }
}

fn check_password(field: &str, p: &str) -> ApiResult<()> {
    if password_ok(p) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            format!("{PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters"),
        ))
    }
}

fn phone_of(input: &str) -> ApiResult<String> {
    domain::normalize_phone(input)
        .ok_or_else(|| ApiError::invalid("phone", "not a Vietnamese mobile number"))
}

/// `403.6` unless a sender for codes is configured.
fn require_self_service(st: &AppState) -> ApiResult<()> {
    if st.cfg.auth.self_service && st.notify.otp.is_some() {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::RegistrationClosed,
            "this server sends no codes: registration and password reset are off",
        ))
    }
}

/// Counts a code to send against the server's, the address's and the phone's budgets.
async fn spend_send(st: &AppState, ip: ClientIp, phone: &str) -> ApiResult<()> {
    let cfg = &st.cfg.auth;
    limits::spend(
        st,
        &[
            (cfg.otp_send_global, limits::key("otp-send-all", "")),
            (
                cfg.otp_send_per_ip,
                limits::key("otp-send-ip", &ip.bucket()),
            ),
            (cfg.otp_send_per_phone, limits::key("otp-send-phone", phone)),
        ],
    )
    .await
}

/// Counts a code check against the address's budget.
async fn spend_check(st: &AppState, ip: ClientIp) -> ApiResult<()> {
    let b: Budget = st.cfg.auth.otp_check_per_ip;
    limits::spend(st, &[(b, limits::key("otp-check-ip", &ip.bucket()))]).await
}

/// What a registration stores until its code is confirmed.
#[derive(serde::Serialize, serde::Deserialize)]
struct Pending {
    role: Role,
    display_name: Option<String>,
    password_hash: String,
    identity: Identity,
}

fn accepted(st: &AppState) -> (StatusCode, Json<OtpSent>) {
    (StatusCode::ACCEPTED, Json(otp::sent_answer(st)))
}

/// Starts a registration: checks the fields, then sends a code to the phone.
#[utoipa::path(post, path = "/v1/auth/register", tag = "auth", request_body = RegistrationRequest,
    responses((status = 202, body = OtpSent), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn register(
    State(st): State<AppState>,
    ip: ClientIp,
    ApiJson(req): ApiJson<RegistrationRequest>,
) -> ApiResult<(StatusCode, Json<OtpSent>)> {
    require_self_service(&st)?;
    let phone = phone_of(&req.phone)?;
    check_password("password", &req.password)?;
    if !matches!(req.role, Role::Citizen | Role::Volunteer) {
        return Err(ApiError::invalid("role", "citizen or volunteer"));
    }
    let field = |e: rules::IdentityError| ApiError::invalid(e.field(), e.to_string());
    let full_name = rules::check_full_name(&req.full_name).map_err(field)?;
    let today = rules::vietnam_date(
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(st.clock.now_ms()) * 1_000_000)
            .map_err(|_| ApiError::new(ErrorCode::Internal, "clock"))?,
    );
    let birth = rules::check_birth_date(&req.birth_date, today).map_err(field)?;
    let id_number = rules::check_id_number(&req.id_number, Some(birth.year())).map_err(field)?;
    let display_name = check_display_name(&req.display_name)?;
    spend_send(&st, ip, &phone).await?;
    // The same work for a known number: hash, look up, store a code row, queue one message.
    let password_hash = auth::hash_password(req.password).await?;
    let existing = st.db.account_by_login(&phone).await?;
    let (account_id, payload, deliver) = match existing {
        Some(a) => (Some(a.id), None, Deliver::Notice),
        None => {
            let pending = Pending {
                role: req.role,
                display_name,
                password_hash,
                identity: Identity {
                    full_name,
                    id_number,
                    birth_date: birth.to_string(),
                },
            };
            let json = serde_json::to_string(&pending)
                .map_err(|_| ApiError::new(ErrorCode::Internal, "internal error"))?;
            (None, Some(json), Deliver::Code)
        }
    };
    otp::issue(
        &st,
        &phone,
        OtpPurpose::Register,
        account_id,
        payload,
        deliver,
    )
    .await?;
    Ok(accepted(&st))
}

/// Confirms a registration with the code from the phone.
#[utoipa::path(post, path = "/v1/auth/register/verify", tag = "auth", request_body = RegistrationVerifyRequest,
    responses((status = 201, body = AccountInfo), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn verify(
    State(st): State<AppState>,
    ip: ClientIp,
    ApiJson(req): ApiJson<RegistrationVerifyRequest>,
) -> ApiResult<(StatusCode, Json<AccountInfo>)> {
    let phone = phone_of(&req.phone)?;
    let code = req.otp.trim();
    if !otp::well_formed(code) {
        return Err(otp::invalid());
    }
    spend_check(&st, ip).await?;
    let row = otp::check(&st, &phone, OtpPurpose::Register, code).await?;
    let Some(pending) = row
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str::<Pending>(p).ok())
    else {
        // A registration of a number that already had an account: no code was ever sent.
        return Err(otp::invalid());
    };
    let account = Account {
        id: uuid::Uuid::now_v7().to_string(),
        login: phone,
        role: pending.role,
        agency_code: None,
        display_name: pending.display_name,
        password_hash: pending.password_hash,
        disabled: false,
    };
    let now = st.clock.now_ms();
    match st
        .db
        .complete_registration_otp(&row.id, &row.code_hash, &account, &pending.identity, now)
        .await?
    {
        RegistrationOutcome::Created => {}
        RegistrationOutcome::CodeGone => return Err(otp::invalid()),
        RegistrationOutcome::LoginTaken => {
            return Err(ApiError::new(
                ErrorCode::LoginTaken,
                "this phone number already has an account; log in instead",
            ))
        }
    }
    tracing::info!(account_id = %account.id, role = account.role.as_str(), "account registered");
    Ok((StatusCode::CREATED, Json(account_info(&account))))
}

/// Sends a new code for a pending registration or reset, once the countdown has ended.
#[utoipa::path(post, path = "/v1/auth/otp/resend", tag = "auth", request_body = OtpResendRequest,
    responses((status = 202, body = OtpSent), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn resend(
    State(st): State<AppState>,
    ip: ClientIp,
    ApiJson(req): ApiJson<OtpResendRequest>,
) -> ApiResult<(StatusCode, Json<OtpSent>)> {
    require_self_service(&st)?;
    let phone = phone_of(&req.phone)?;
    spend_send(&st, ip, &phone).await?;
    let purpose = req.purpose;
    otp::resend(&st, &phone, purpose, |row| match purpose {
        OtpPurpose::Register if row.payload.is_some() => Deliver::Code,
        OtpPurpose::Register => Deliver::Notice,
        OtpPurpose::PasswordReset if row.account_id.is_some() => Deliver::Code,
        OtpPurpose::PasswordReset => Deliver::Nothing,
        // Consent codes are not in this table: a new one is a new consent request.
        OtpPurpose::Consent => Deliver::Nothing,
    })
    .await?;
    Ok(accepted(&st))
}

/// "Quên mật khẩu": a code to the phone if it has an account (the same answer if not).
#[utoipa::path(post, path = "/v1/auth/password-reset", tag = "auth", request_body = PasswordResetRequest,
    responses((status = 202, body = OtpSent), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn password_reset(
    State(st): State<AppState>,
    ip: ClientIp,
    ApiJson(req): ApiJson<PasswordResetRequest>,
) -> ApiResult<(StatusCode, Json<OtpSent>)> {
    require_self_service(&st)?;
    let phone = phone_of(&req.phone)?;
    spend_send(&st, ip, &phone).await?;
    let account = st
        .db
        .account_by_login(&phone)
        .await?
        .filter(|a| !a.disabled && matches!(a.role, Role::Citizen | Role::Volunteer));
    let deliver = if account.is_some() {
        Deliver::Code
    } else {
        Deliver::Nothing
    };
    let account_id = account.map(|a| a.id);
    otp::issue(
        &st,
        &phone,
        OtpPurpose::PasswordReset,
        account_id,
        None,
        deliver,
    )
    .await?;
    Ok(accepted(&st))
}

/// Sets a new password with the code; every token of the account is revoked.
#[utoipa::path(post, path = "/v1/auth/password-reset/confirm", tag = "auth", request_body = PasswordResetConfirm,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn password_reset_confirm(
    State(st): State<AppState>,
    ip: ClientIp,
    ApiJson(req): ApiJson<PasswordResetConfirm>,
) -> ApiResult<StatusCode> {
    let phone = phone_of(&req.phone)?;
    check_password("new_password", &req.new_password)?;
    let code = req.otp.trim();
    if !otp::well_formed(code) {
        return Err(otp::invalid());
    }
    spend_check(&st, ip).await?;
    let row = otp::check(&st, &phone, OtpPurpose::PasswordReset, code).await?;
    let Some(account_id) = row.account_id.clone() else {
        return Err(otp::invalid());
    };
    let hash = auth::hash_password(req.new_password).await?;
    let now = st.clock.now_ms();
    if !st
        .db
        .complete_password_reset(&row.id, &row.code_hash, &account_id, &hash, now)
        .await?
    {
        return Err(otp::invalid());
    }
    st.db.clear_rate_limit(&auth::login_key(&phone)).await?;
    tracing::info!(account_id = %account_id, "password reset by code; every token revoked");
    Ok(StatusCode::NO_CONTENT)
}

/// Exchanges login and password for a device token.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn login(
    State(st): State<AppState>,
    ip: ClientIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    if req.login.len() > 128 || req.password.len() > 1024 {
        return Err(auth::invalid_credentials());
    }
    let device_name = match req.device_name {
        Some(n) if n.chars().count() > 100 || n.chars().any(char::is_control) => {
            return Err(ApiError::invalid("device_name", "at most 100 characters"))
        }
        other => other,
    };
    let login = normalize_login(&req.login);
    let account = match auth::password_login(&st, &login, &req.password, ip.0).await? {
        LoginOutcome::Ok(a) => a,
        LoginOutcome::Refused(e) => return Err(e),
    };
    let (secret, token) =
        auth::issue_token(&st, &account, TokenKind::Device, device_name, None).await?;
    Ok(Json(LoginResponse {
        token: secret,
        token_id: token.id,
        expires_at: rfc3339(token.expires_at),
        account: account_info(&account),
    }))
}

/// Revokes the calling token.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn logout(State(st): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    st.db
        .revoke_token(&caller.account.id, &caller.token.id, st.clock.now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the password (old and new); other devices and console sessions are signed out.
#[utoipa::path(post, path = "/v1/auth/password", tag = "auth", security(("bearer" = [])), request_body = PasswordChangeRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn change_password(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<PasswordChangeRequest>,
) -> ApiResult<StatusCode> {
    check_password("new_password", &req.new_password)?;
    if req.old_password.len() > 1024 {
        return Err(wrong_password());
    }
    let key = limits::key("password-check", &caller.account.id);
    limits::spend(
        &st,
        &[(st.cfg.auth.password_check_per_account, key.clone())],
    )
    .await?;
    let ok =
        auth::verify_password(req.old_password, Some(caller.account.password_hash.clone())).await;
    if !ok {
        return Err(wrong_password());
    }
    let hash = auth::hash_password(req.new_password).await?;
    st.db
        .change_password(
            &caller.account.id,
            &hash,
            Some(&caller.token.id),
            st.clock.now_ms(),
        )
        .await?;
    st.db.clear_rate_limit(&key).await?;
    tracing::info!("password changed; other tokens revoked");
    Ok(StatusCode::NO_CONTENT)
}

fn wrong_password() -> ApiError {
    ApiError::new(ErrorCode::WrongPassword, "the current password is wrong")
}

/// This account's devices.
#[utoipa::path(get, path = "/v1/auth/tokens", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = TokenList), (status = 401, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn tokens(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<TokenList>> {
    let rows = st
        .db
        .list_tokens(&caller.account.id, TokenKind::Device, st.clock.now_ms())
        .await?;
    Ok(Json(TokenList {
        tokens: rows
            .into_iter()
            .map(|t| TokenInfo {
                current: t.id == caller.token.id,
                token_id: t.id,
                device_name: t.device_name,
                created_at: rfc3339(t.created_at),
                last_seen_at: Some(rfc3339(t.last_seen_at.unwrap_or(t.created_at))),
                expires_at: rfc3339(t.expires_at),
            })
            .collect(),
    }))
}

/// Revokes one of this account's tokens.
#[utoipa::path(delete, path = "/v1/auth/tokens/{token_id}", tag = "auth", security(("bearer" = [])),
    params(("token_id" = String, Path, description = "Token id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn revoke_token(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(token_id): ApiPath,
) -> ApiResult<StatusCode> {
    if st
        .db
        .revoke_token(&caller.account.id, &token_id, st.clock.now_ms())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

/// Who am I.
#[utoipa::path(get, path = "/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = AccountInfo), (status = 401, body = ErrorBody)))]
pub async fn me(caller: Caller) -> Json<AccountInfo> {
    Json(account_info(&caller.account))
}

async fn settings_of(st: &AppState, account_id: &str) -> ApiResult<NotificationSettings> {
    let (channels, email) = st.db.notification_settings(account_id).await?;
    Ok(NotificationSettings {
        channels,
        email,
        available: st.notify.channels(),
    })
}

/// Where this account's dossier status messages go.
#[utoipa::path(get, path = "/v1/me/notifications", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = NotificationSettings), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn notifications(
    State(st): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<NotificationSettings>> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    Ok(Json(settings_of(&st, &caller.account.id).await?))
}

/// Chooses the channels (and e-mail address) for status messages.
#[utoipa::path(put, path = "/v1/me/notifications", tag = "auth", security(("bearer" = [])), request_body = NotificationSettingsUpdate,
    responses((status = 200, body = NotificationSettings), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn set_notifications(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NotificationSettingsUpdate>,
) -> ApiResult<Json<NotificationSettings>> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    let mut channels = req.channels.clone();
    channels.sort();
    channels.dedup();
    let email = match req.email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(e) => Some(check_email(e)?),
    };
    if channels.contains(&Channel::Email) && email.is_none() {
        return Err(ApiError::invalid(
            "email",
            "an e-mail address is needed for e-mail",
        ));
    }
    st.db
        .set_notification_settings(&caller.account.id, &channels, email.as_deref())
        .await?;
    Ok(Json(settings_of(&st, &caller.account.id).await?))
}

/// `local@domain.tld`, at most 254 characters, domain lower-cased.
fn check_email(e: &str) -> ApiResult<String> {
    let bad = || ApiError::invalid("email", "not an e-mail address");
    if e.len() > 254 || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = e.rsplit_once('@').ok_or_else(bad)?;
    let labels: Vec<&str> = domain.split('.').collect();
    let ok = !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    if ok {
        Ok(format!("{local}@{}", domain.to_lowercase()))
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            check_email("Mau.Le@Example.VN").ok().as_deref(),
            Some("Mau.Le@example.vn")
        );
        for bad in ["", "a@b", "a b@c.vn", "@c.vn", "a@@c.vn", "a@c..vn"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
