//! `/v1/consents` and `/v1/consent-requests`: a citizen lets a volunteer submit dossiers for them
//! (Decree 13/2023: a stated purpose — these procedures or all —, a time limit, the text the
//! citizen read, revocable, every step audited).
//!
//! Two ways to give consent:
//! - from the citizen's own account (`POST /v1/consents`), naming the volunteer by phone number or
//!   by the QR code the volunteer's app shows;
//! - on the volunteer's phone (`POST /v1/consent-requests`): a one-time code goes to the citizen's
//!   phone, the citizen reads the consent text on the volunteer's phone and types the code there
//!   (`POST /v1/consent-requests/{id}/confirm`).
//!
//! A request for a number without a citizen account is answered exactly like any other (`202`,
//! a request id) but no message is sent and every code is wrong, so a volunteer cannot use the
//! route to learn which numbers have accounts.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use dvc_protocol::auth::{
    parse_volunteer_qr, ConsentConfirmRequest, ConsentInfo, ConsentList, ConsentMethod,
    ConsentOtpPending, ConsentOtpRequest, ConsentRequest, OtpPurpose, Role, CONSENT_DEFAULT_DAYS,
    CONSENT_MAX_DAYS, CONSENT_MAX_PROCEDURES, CONSENT_TEXT_VERSION, OTP_DIGITS,
};
use dvc_protocol::{ErrorBody, ErrorCode};
use subtle::ConstantTimeEq;

use crate::auth::Caller;
use crate::auth::ClientIp;
use crate::db::{Consent, ConsentRequestRow, NewConsent, RequestEnd};
use crate::domain::{self, rfc3339};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::limits::{self, Budget};
use crate::notify::{Body, Message, Recipient};
use crate::otp;
use crate::state::AppState;

const DAY_MS: i64 = 86_400_000;

/// A stored consent as the wire type.
pub fn info(c: &Consent) -> ConsentInfo {
    ConsentInfo {
        consent_id: c.id.clone(),
        volunteer_phone: c.volunteer_login.clone(),
        granted_at: rfc3339(c.granted_at),
        volunteer_id: Some(c.volunteer_id.clone()),
        volunteer_name: c.volunteer_name.clone(),
        citizen_id: Some(c.citizen_id.clone()),
        citizen_phone: Some(c.citizen_login.clone()),
        citizen_name: c.citizen_name.clone(),
        procedures: c.procedures.clone(),
        expires_at: c.expires_at.map(rfc3339),
        text_version: c.text_version.clone(),
        method: Some(c.method),
    }
}

/// Checks a consent's scope: `None` (all procedures) or 1 to [`CONSENT_MAX_PROCEDURES`] valid
/// codes, returned sorted without repeats.
fn scope_of(procedures: Option<Vec<String>>) -> ApiResult<Option<Vec<String>>> {
    let Some(mut list) = procedures else {
        return Ok(None);
    };
    if list.is_empty() || list.len() > CONSENT_MAX_PROCEDURES {
        return Err(ApiError::invalid(
            "procedures",
            format!("absent (every procedure) or 1 to {CONSENT_MAX_PROCEDURES} procedure codes"),
        ));
    }
    for (i, code) in list.iter().enumerate() {
        if !domain::valid_procedure_code(code) {
            return Err(ApiError::invalid(
                format!("procedures[{i}]"),
                "1–32 of 0-9 A-Z a-z . _ -",
            ));
        }
    }
    list.sort();
    list.dedup();
    Ok(Some(list))
}

fn days_of(days: Option<u32>) -> ApiResult<u32> {
    let d = days.unwrap_or(CONSENT_DEFAULT_DAYS);
    if (1..=CONSENT_MAX_DAYS).contains(&d) {
        Ok(d)
    } else {
        Err(ApiError::invalid(
            "valid_days",
            format!("1 to {CONSENT_MAX_DAYS} days"),
        ))
    }
}

fn text_version_of(v: Option<String>) -> ApiResult<String> {
    let v = v.unwrap_or_else(|| CONSENT_TEXT_VERSION.to_owned());
    let ok = (1..=32).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(v)
    } else {
        Err(ApiError::invalid(
            "text_version",
            "1–32 of 0-9 A-Z a-z . _ -",
        ))
    }
}

/// Consents the caller has given (citizen) or received (volunteer), live ones only.
#[utoipa::path(get, path = "/v1/consents", tag = "consents", security(("bearer" = [])),
    responses((status = 200, body = ConsentList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn list(State(st): State<AppState>, caller: Caller) -> ApiResult<Json<ConsentList>> {
    caller.require(&[Role::Citizen, Role::Volunteer])?;
    let as_volunteer = caller.account.role == Role::Volunteer;
    let rows = st
        .db
        .list_consents(&caller.account.id, as_volunteer, st.clock.now_ms())
        .await?;
    Ok(Json(ConsentList {
        consents: rows.iter().map(info).collect(),
    }))
}

/// Gives a volunteer consent from the citizen's own account (a retry within a day with the same
/// scope and text gives the same consent; anything else replaces the live one).
#[utoipa::path(post, path = "/v1/consents", tag = "consents", security(("bearer" = [])), request_body = ConsentRequest,
    responses((status = 201, body = ConsentInfo), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn grant(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<ConsentRequest>,
) -> ApiResult<(StatusCode, Json<ConsentInfo>)> {
    caller.require(&[Role::Citizen])?;
    let volunteer = match (req.volunteer_phone.trim(), req.volunteer_qr.as_deref()) {
        ("", Some(qr)) => {
            let id = parse_volunteer_qr(qr).ok_or_else(|| {
                ApiError::invalid("volunteer_qr", "not a DVC Đồng Hành volunteer QR code")
            })?;
            st.db.account_by_id(&id).await?
        }
        (phone, None) if !phone.is_empty() => {
            let phone = domain::normalize_phone(phone).ok_or_else(|| {
                ApiError::invalid("volunteer_phone", "not a Vietnamese mobile number")
            })?;
            st.db.account_by_login(&phone).await?
        }
        _ => {
            return Err(ApiError::invalid(
                "volunteer_phone",
                "name the volunteer by volunteer_phone or by volunteer_qr, not both",
            ))
        }
    };
    let volunteer = volunteer
        .filter(|a| a.role == Role::Volunteer && !a.disabled)
        .ok_or_else(ApiError::not_found)?;
    let procedures = scope_of(req.procedures)?;
    let days = days_of(req.valid_days)?;
    let text_version = text_version_of(req.text_version)?;
    let now = st.clock.now_ms();
    let c = st
        .db
        .grant_consent(&NewConsent {
            citizen_id: caller.account.id.clone(),
            volunteer_id: volunteer.id.clone(),
            procedures,
            expires_at: now + i64::from(days) * DAY_MS,
            text_version,
            method: ConsentMethod::App,
            now,
        })
        .await?;
    tracing::info!(consent_id = %c.id, volunteer_id = %volunteer.id, "consent granted");
    Ok((StatusCode::CREATED, Json(info(&c))))
}

/// Withdraws a consent (the citizen keeps every dossier; the volunteer no longer sees them).
#[utoipa::path(delete, path = "/v1/consents/{consent_id}", tag = "consents", security(("bearer" = [])),
    params(("consent_id" = String, Path, description = "Consent id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn revoke(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Citizen])?;
    if st
        .db
        .revoke_consent(&caller.account.id, &id, st.clock.now_ms())
        .await?
    {
        tracing::info!(consent_id = %id, "consent withdrawn");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

/// Asks for a citizen's consent: a code goes to the citizen's phone (the same answer for a
/// number without a citizen account, where nothing is sent).
#[utoipa::path(post, path = "/v1/consent-requests", tag = "consents", security(("bearer" = [])), request_body = ConsentOtpRequest,
    responses((status = 202, body = ConsentOtpPending), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn request(
    State(st): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    ApiJson(req): ApiJson<ConsentOtpRequest>,
) -> ApiResult<(StatusCode, Json<ConsentOtpPending>)> {
    caller.require(&[Role::Volunteer])?;
    if st.notify.otp.is_none() {
        return Err(ApiError::new(
            ErrorCode::ConsentByCodeOff,
            "this server sends no codes: the citizen gives consent from their own account",
        ));
    }
    let phone = domain::normalize_phone(&req.citizen_phone)
        .ok_or_else(|| ApiError::invalid("citizen_phone", "not a Vietnamese mobile number"))?;
    let procedures = scope_of(req.procedures)?;
    let days = days_of(req.valid_days)?;
    let text_version = text_version_of(req.text_version)?;
    let cfg = &st.cfg.auth;
    limits::spend(
        &st,
        &[
            (cfg.otp_send_global, limits::key("otp-send-all", "")),
            (
                cfg.otp_send_per_ip,
                limits::key("otp-send-ip", &ip.bucket()),
            ),
            (
                cfg.otp_send_per_phone,
                limits::key("otp-send-phone", &phone),
            ),
            (
                cfg.otp_send_per_ip,
                limits::key("consent-send-volunteer", &caller.account.id),
            ),
        ],
    )
    .await?;
    // The same work for a number without a citizen account: a row, no message.
    let citizen = st
        .db
        .account_by_login(&phone)
        .await?
        .filter(|a| a.role == Role::Citizen && !a.disabled);
    let now = st.clock.now_ms();
    let id = uuid::Uuid::now_v7().to_string();
    let code = otp::new_code();
    let row = ConsentRequestRow {
        code_hash: otp::code_hash(&id, &code),
        id: id.clone(),
        volunteer_id: caller.account.id.clone(),
        phone: phone.clone(),
        citizen_id: citizen.as_ref().map(|a| a.id.clone()),
        attempts: 0,
        procedures,
        valid_days: i64::from(days),
        text_version: text_version.clone(),
        expires_at: now + cfg.otp_ttl_ms,
    };
    st.db.create_consent_request(&row, now).await?;
    if citizen.is_some() {
        st.notify.send_otp_in_background(
            Recipient {
                phone: Some(phone),
                email: None,
            },
            Message {
                id: format!("consent-{id}"),
                body: Body::Otp {
                    code,
                    purpose: OtpPurpose::Consent,
                    valid_min: u32::try_from(cfg.otp_ttl_ms / 60_000).unwrap_or(10),
                },
            },
        );
    }
    tracing::info!(request_id = %id, "consent code requested");
    Ok((
        StatusCode::ACCEPTED,
        Json(ConsentOtpPending {
            request_id: id,
            expires_in_s: u64::try_from(cfg.otp_ttl_ms / 1000).unwrap_or(0),
            code_length: u8::try_from(OTP_DIGITS).unwrap_or(6),
            text_version,
            valid_days: days,
        }),
    ))
}

/// The code the citizen typed on the volunteer's phone: the consent.
#[utoipa::path(post, path = "/v1/consent-requests/{request_id}/confirm", tag = "consents", security(("bearer" = [])),
    params(("request_id" = String, Path, description = "Consent request id")), request_body = ConsentConfirmRequest,
    responses((status = 201, body = ConsentInfo), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn confirm(
    State(st): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    ApiPath(request_id): ApiPath,
    ApiJson(req): ApiJson<ConsentConfirmRequest>,
) -> ApiResult<(StatusCode, Json<ConsentInfo>)> {
    caller.require(&[Role::Volunteer])?;
    let code = req.otp.trim();
    if !otp::well_formed(code) {
        return Err(otp::invalid());
    }
    let b: Budget = st.cfg.auth.otp_check_per_ip;
    limits::spend(&st, &[(b, limits::key("otp-check-ip", &ip.bucket()))]).await?;
    let now = st.clock.now_ms();
    let max = st.cfg.auth.otp_max_attempts;
    // The attempt is counted before anything is compared.
    let Some(row) = st
        .db
        .consent_request_attempt(&request_id, &caller.account.id, max, now)
        .await?
    else {
        return Err(otp::invalid());
    };
    limits::spend(&st, &[(b, limits::key("consent-check-phone", &row.phone))]).await?;
    let given = otp::code_hash(&row.id, code);
    let right = bool::from(given.as_bytes().ct_eq(row.code_hash.as_bytes()));
    let citizen = match &row.citizen_id {
        Some(id) => st.db.account_by_id(id).await?.filter(|a| !a.disabled),
        None => None,
    };
    let (true, Some(citizen)) = (right, citizen) else {
        tracing::info!(request_id = %row.id, attempts = row.attempts, "wrong consent code");
        if row.attempts >= max {
            st.db
                .end_consent_request(&row.id, &caller.account.id, RequestEnd::Failed, now)
                .await?;
        }
        return Err(otp::invalid());
    };
    let nc = NewConsent {
        citizen_id: citizen.id.clone(),
        volunteer_id: caller.account.id.clone(),
        procedures: row.procedures.clone(),
        expires_at: now + row.valid_days * DAY_MS,
        text_version: row.text_version.clone(),
        method: ConsentMethod::Otp,
        now,
    };
    let Some(c) = st
        .db
        .complete_consent_request(&row.id, &caller.account.id, &row.code_hash, &nc)
        .await?
    else {
        return Err(otp::invalid());
    };
    tracing::info!(consent_id = %c.id, request_id = %row.id, "consent granted by code");
    Ok((StatusCode::CREATED, Json(info(&c))))
}

/// The citizen said no (or the volunteer gives up): the request ends, its code stops working.
#[utoipa::path(delete, path = "/v1/consent-requests/{request_id}", tag = "consents", security(("bearer" = [])),
    params(("request_id" = String, Path, description = "Consent request id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(account_id = %caller.account.id))]
pub async fn refuse(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(request_id): ApiPath,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Volunteer])?;
    if st
        .db
        .end_consent_request(
            &request_id,
            &caller.account.id,
            RequestEnd::Refused,
            st.clock.now_ms(),
        )
        .await?
    {
        tracing::info!(request_id = %request_id, "consent refused");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}
