//! `/v1/admin/*`: staff accounts and token revocation. Admins see no dossiers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use dvc_protocol::auth::{AccountInfo, CreateStaffRequest, Role};
use dvc_protocol::{ErrorBody, ErrorCode};

use crate::auth::Caller;
use crate::db::Account;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

/// Creates an officer or admin account.
pub async fn create_staff(st: &AppState, req: CreateStaffRequest) -> ApiResult<Account> {
    let login = req.login.trim().to_lowercase();
    if !crate::domain::valid_staff_login(&login) {
        return Err(ApiError::invalid("login", "3–64 of a-z 0-9 . _ -"));
    }
    if !crate::domain::valid_password(&req.password) {
        return Err(ApiError::invalid("password", "8 to 128 characters"));
    }
    let agency_code = match (req.role, req.agency_code) {
        (Role::Officer, Some(code)) => {
            if st.db.agency_name(&code).await?.is_none() {
                return Err(ApiError::new(
                    ErrorCode::UnknownAgency,
                    "no such agency on this server",
                )
                .with_field("agency_code"));
            }
            Some(code)
        }
        (Role::Officer, None) => {
            return Err(ApiError::invalid("agency_code", "officers need an agency"))
        }
        (Role::Admin, None) => None,
        (Role::Admin, Some(_)) => {
            return Err(ApiError::invalid("agency_code", "admins have no agency"))
        }
        _ => return Err(ApiError::invalid("role", "officer or admin")),
    };
    let account = Account {
        id: uuid::Uuid::now_v7().to_string(),
        login,
        role: req.role,
        agency_code,
        display_name: req
            .display_name
            .filter(|n| !n.trim().is_empty() && n.chars().count() <= 100),
        password_hash: crate::auth::hash_password(req.password).await?,
        disabled: false,
    };
    if !st.db.create_account(&account, st.clock.now_ms()).await? {
        return Err(ApiError::new(ErrorCode::LoginTaken, "this login is taken"));
    }
    tracing::info!(account_id = %account.id, role = account.role.as_str(), "staff account created");
    Ok(account)
}

/// Creates a staff account.
#[utoipa::path(post, path = "/v1/admin/accounts", tag = "admin", security(("bearer" = [])), request_body = CreateStaffRequest,
    responses((status = 201, body = AccountInfo), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn create(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateStaffRequest>,
) -> ApiResult<(StatusCode, Json<AccountInfo>)> {
    caller.require(&[Role::Admin])?;
    let a = create_staff(&st, req).await?;
    Ok((StatusCode::CREATED, Json(super::auth::account_info(&a))))
}

/// Revokes every token (devices and console sessions) of an account.
#[utoipa::path(post, path = "/v1/admin/accounts/{account_id}/revoke-tokens", tag = "admin", security(("bearer" = [])),
    params(("account_id" = String, Path, description = "Account id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn revoke_tokens(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Admin])?;
    if id.len() > 64 || st.db.account_by_id(&id).await?.is_none() {
        return Err(ApiError::not_found());
    }
    let n = st.db.revoke_all_tokens(&id, st.clock.now_ms()).await?;
    tracing::info!(target_account = %id, revoked = n, "tokens revoked by admin");
    Ok(StatusCode::NO_CONTENT)
}
