//! `/v1/auth/*` and `/v1/me`: registration with a one-time code, login, tokens (devices).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use dvc_protocol::auth::{
    AccountInfo, LoginRequest, LoginResponse, RegisterRequest, RegisterResponse, Role, TokenInfo,
    TokenList, VerifyRequest,
};
use dvc_protocol::{ErrorBody, ErrorCode};
use rand::Rng;

use crate::auth::{self, Caller, ClientIp, LoginOutcome};
use crate::db::{Account, Registration, TokenKind};
use crate::domain::{self, rfc3339};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
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

fn otp_hash(registration_id: &str, otp: &str) -> String {
    auth::secret_hash(&format!("{registration_id}:{otp}"))
}

/// Starts a registration; the code goes to the phone (development: the server log).
#[utoipa::path(post, path = "/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 202, body = RegisterResponse), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn register(
    State(st): State<AppState>,
    ip: ClientIp,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<RegisterResponse>)> {
    let phone = domain::normalize_phone(&req.phone)
        .ok_or_else(|| ApiError::invalid("phone", "not a Vietnamese mobile number"))?;
    if !domain::valid_password(&req.password) {
        return Err(ApiError::invalid("password", "8 to 128 characters"));
    }
    if !matches!(req.role, Role::Citizen | Role::Volunteer) {
        return Err(ApiError::invalid("role", "citizen or volunteer"));
    }
    let display_name = check_display_name(&req.display_name)?;
    let now = st.clock.now_ms();
    let key = format!("register:{}", ip.0);
    if let Some(wait) = st
        .limiter
        .check(&key, st.cfg.registrations_per_ip, 3_600_000, now)
    {
        crate::metrics::Metrics::inc(&st.metrics.rate_limited);
        return Err(auth::rate_limited(wait));
    }
    st.limiter.hit(&key, 3_600_000, now);
    let id = uuid::Uuid::now_v7().to_string();
    let otp = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let reg = Registration {
        id: id.clone(),
        login: phone.clone(),
        role: req.role,
        display_name,
        password_hash: auth::hash_password(req.password).await?,
        otp_hash: otp_hash(&id, &otp),
        attempts: 0,
        expires_at: now + st.cfg.otp_ttl_ms,
        created_at: now,
    };
    st.db.create_registration(&reg).await?;
    st.otp.send(&id, &phone, &otp).await.map_err(|e| {
        tracing::error!(registration_id = %id, error = %e, "OTP sender failed");
        ApiError::new(
            ErrorCode::Unavailable,
            "could not send the code; retry later",
        )
    })?;
    tracing::info!(registration_id = %id, role = req.role.as_str(), "registration started");
    let expires_in_s = u64::try_from(st.cfg.otp_ttl_ms / 1000).unwrap_or(0);
    Ok((
        StatusCode::ACCEPTED,
        Json(RegisterResponse {
            registration_id: id,
            expires_in_s,
        }),
    ))
}

/// Completes a registration with the one-time code.
#[utoipa::path(post, path = "/v1/auth/register/verify", tag = "auth", request_body = VerifyRequest,
    responses((status = 201, body = AccountInfo), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn verify(
    State(st): State<AppState>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> ApiResult<(StatusCode, Json<AccountInfo>)> {
    let invalid = || ApiError::new(ErrorCode::OtpInvalid, "the code is wrong or expired");
    if req.registration_id.len() > 64 || req.otp.len() > 16 {
        return Err(invalid());
    }
    let now = st.clock.now_ms();
    let reg = st
        .db
        .registration(&req.registration_id)
        .await?
        .ok_or_else(invalid)?;
    if reg.expires_at <= now || reg.attempts >= st.cfg.otp_max_attempts {
        return Err(invalid());
    }
    if otp_hash(&reg.id, req.otp.trim()) != reg.otp_hash {
        st.db.bump_registration_attempts(&reg.id).await?;
        return Err(invalid());
    }
    let account = Account {
        id: uuid::Uuid::now_v7().to_string(),
        login: reg.login.clone(),
        role: reg.role,
        agency_code: None,
        display_name: reg.display_name.clone(),
        password_hash: reg.password_hash.clone(),
        disabled: false,
    };
    if !st.db.complete_registration(&reg.id, &account, now).await? {
        return Err(ApiError::new(
            ErrorCode::LoginTaken,
            "this phone number already has an account; log in instead",
        ));
    }
    tracing::info!(account_id = %account.id, role = account.role.as_str(), "account registered");
    Ok((StatusCode::CREATED, Json(account_info(&account))))
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
        return Err(ApiError::new(
            ErrorCode::InvalidCredentials,
            "login or password is wrong",
        ));
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
                last_seen_at: None,
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
