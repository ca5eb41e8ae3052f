//! `/v1/admin/*`: staff accounts; disabling, enabling, password setting and token revocation for
//! any account (each audited); the status-message outbox. Admins see no dossiers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use dvc_protocol::auth::{
    AccountAudit, AccountAuditEntry, AccountInfo, AdminPasswordSet, CreateStaffRequest, OutboxItem,
    OutboxList, OutboxStatus, Role,
};
use dvc_protocol::{ErrorBody, ErrorCode};

use crate::auth::Caller;
use crate::db::Account;
use crate::domain::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::extract::{int_param, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

/// Creates an officer or admin account.
pub async fn create_staff(st: &AppState, req: CreateStaffRequest) -> ApiResult<Account> {
    let login = req.login.trim().to_lowercase();
    if !crate::domain::valid_staff_login(&login) {
        return Err(ApiError::invalid("login", "3–64 of a-z 0-9 . _ -"));
    }
    if !dvc_protocol::auth::password_ok(&req.password) {
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

/// The account named by the path, for an admin; `404.1` if there is none.
async fn target(st: &AppState, caller: &Caller, id: &str) -> ApiResult<Account> {
    caller.require(&[Role::Admin])?;
    if id.len() > 64 {
        return Err(ApiError::not_found());
    }
    st.db
        .account_by_id(id)
        .await?
        .ok_or_else(ApiError::not_found)
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
    let t = target(&st, &caller, &id).await?;
    let n = st
        .db
        .admin_revoke_tokens(&t.id, &caller.account.id, st.clock.now_ms())
        .await?;
    tracing::info!(target_account = %t.id, revoked = n, "tokens revoked by admin");
    Ok(StatusCode::NO_CONTENT)
}

/// Disables an account: it cannot sign in (the answer is a wrong password's) and its tokens are
/// revoked.
#[utoipa::path(post, path = "/v1/admin/accounts/{account_id}/disable", tag = "admin", security(("bearer" = [])),
    params(("account_id" = String, Path, description = "Account id")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn disable(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath,
) -> ApiResult<StatusCode> {
    let t = target(&st, &caller, &id).await?;
    if t.id == caller.account.id {
        return Err(ApiError::invalid(
            "account_id",
            "an admin cannot disable their own account",
        ));
    }
    set_disabled(&st, &caller, &t, true).await
}

/// Enables a disabled account.
#[utoipa::path(post, path = "/v1/admin/accounts/{account_id}/enable", tag = "admin", security(("bearer" = [])),
    params(("account_id" = String, Path, description = "Account id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn enable(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath,
) -> ApiResult<StatusCode> {
    let t = target(&st, &caller, &id).await?;
    set_disabled(&st, &caller, &t, false).await
}

async fn set_disabled(
    st: &AppState,
    caller: &Caller,
    t: &Account,
    disabled: bool,
) -> ApiResult<StatusCode> {
    if !st
        .db
        .set_disabled(&t.id, disabled, &caller.account.id, st.clock.now_ms())
        .await?
    {
        return Err(ApiError::not_found());
    }
    tracing::info!(target_account = %t.id, disabled, "account disabled/enabled by admin");
    Ok(StatusCode::NO_CONTENT)
}

/// Sets a new password for an account; every token of it is revoked.
#[utoipa::path(post, path = "/v1/admin/accounts/{account_id}/password", tag = "admin", security(("bearer" = [])),
    params(("account_id" = String, Path, description = "Account id")), request_body = AdminPasswordSet,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn set_password(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath,
    ApiJson(req): ApiJson<AdminPasswordSet>,
) -> ApiResult<StatusCode> {
    let t = target(&st, &caller, &id).await?;
    if !dvc_protocol::auth::password_ok(&req.new_password) {
        return Err(ApiError::invalid("new_password", "8 to 128 characters"));
    }
    let hash = crate::auth::hash_password(req.new_password).await?;
    if !st
        .db
        .admin_set_password(&t.id, &hash, &caller.account.id, st.clock.now_ms())
        .await?
    {
        return Err(ApiError::not_found());
    }
    st.db
        .clear_rate_limit(&crate::auth::login_key(&t.login))
        .await?;
    tracing::info!(target_account = %t.id, "password set by admin; tokens revoked");
    Ok(StatusCode::NO_CONTENT)
}

/// What admins did to an account.
#[utoipa::path(get, path = "/v1/admin/accounts/{account_id}/audit", tag = "admin", security(("bearer" = [])),
    params(("account_id" = String, Path, description = "Account id")),
    responses((status = 200, body = AccountAudit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn audit(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath,
) -> ApiResult<Json<AccountAudit>> {
    let t = target(&st, &caller, &id).await?;
    let rows = st.db.account_audit(&t.id).await?;
    Ok(Json(AccountAudit {
        entries: rows
            .into_iter()
            .map(|r| AccountAuditEntry {
                at: rfc3339(r.at),
                actor_login: r.actor_login,
                action: r.action,
            })
            .collect(),
    }))
}

/// Status messages and how their delivery went.
#[utoipa::path(get, path = "/v1/admin/outbox", tag = "admin", security(("bearer" = [])),
    params(("status" = Option<String>, Query, description = "pending, sent or failed"),
           ("limit" = Option<u32>, Query, description = "1–500, default 100")),
    responses((status = 200, body = OutboxList), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn outbox(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<std::collections::HashMap<String, String>>,
) -> ApiResult<Json<OutboxList>> {
    caller.require(&[Role::Admin])?;
    let status = match q.get("status").map(String::as_str) {
        None => None,
        Some(s) => Some(
            OutboxStatus::parse(s)
                .ok_or_else(|| ApiError::invalid("status", "pending, sent or failed"))?,
        ),
    };
    let limit = int_param("limit", q.get("limit").map(String::as_str), 100, 1, 500)?;
    let rows = st.db.outbox(status, i64::from(limit)).await?;
    let (pending, sent, failed) = st.db.outbox_counts().await?;
    Ok(Json(OutboxList {
        items: rows
            .into_iter()
            .map(|r| OutboxItem {
                id: r.job.id,
                event_seq: r.job.event_seq,
                channel: r.job.channel,
                account_id: r.job.account_id,
                dossier_code: r.job.dossier_code,
                state: r.job.state,
                status: r.status,
                attempts: u32::try_from(r.job.attempts).unwrap_or(u32::MAX),
                last_error: r.last_error,
                created_at: rfc3339(r.created_at),
                sent_at: r.sent_at.map(rfc3339),
            })
            .collect(),
        pending,
        sent,
        failed,
    }))
}
