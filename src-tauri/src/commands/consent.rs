//! Filing for someone else (issue 18): consent by code on the volunteer's phone, "Cho phép người
//! hỗ trợ" from the citizen's own account, paper consent, the list a person's profile shows, and
//! the volunteer's QR text. The rules are `dvc_core::sync::consent`; nothing here logs a phone
//! number, a name or a code.

use std::sync::Arc;

use dvc_core::sync::consent::{ConsentView, Volunteer};
use dvc_core::Core;
use dvc_protocol::auth::ConsentOtpPending;
use serde::Serialize;
use tauri::State;

use crate::ipc::RawRequest;
use crate::{ApiError, AppState};

/// The core, refused while the app is locked.
fn open_core(state: &AppState) -> Result<Arc<Core>, ApiError> {
    if state.is_locked() {
        return Err(ApiError::locked());
    }
    state.core()
}

/// What the consent screen needs after "Gửi mã" (no phone number, no code).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ConsentPending {
    pub request_id: String,
    pub code_length: u8,
    pub expires_in_s: u32,
    pub valid_days: u32,
    pub text_version: String,
}

impl From<ConsentOtpPending> for ConsentPending {
    fn from(p: ConsentOtpPending) -> Self {
        ConsentPending {
            request_id: p.request_id,
            code_length: p.code_length,
            expires_in_s: u32::try_from(p.expires_in_s).unwrap_or(u32::MAX),
            valid_days: p.valid_days,
            text_version: p.text_version,
        }
    }
}

/// Volunteer: a one-time code goes to the citizen's phone.
#[tauri::command]
#[specta::specta]
pub async fn consent_request(
    state: State<'_, AppState>,
    phone: String,
    procedures: Option<Vec<String>>,
    days: Option<u32>,
) -> Result<ConsentPending, ApiError> {
    let core = open_core(&state)?;
    Ok(core.consent_request(&phone, procedures, days).await?.into())
}

/// Volunteer: the code the citizen typed; the consent is kept for `person_id`.
#[tauri::command]
#[specta::specta]
pub async fn consent_confirm(
    state: State<'_, AppState>,
    request_id: String,
    code: String,
    person_id: Option<String>,
) -> Result<ConsentView, ApiError> {
    let core = open_core(&state)?;
    Ok(core
        .consent_confirm(&request_id, &code, person_id.as_deref())
        .await?)
}

/// Citizen: "Cho phép người hỗ trợ", by the volunteer's phone number or scanned QR text.
#[tauri::command]
#[specta::specta]
pub async fn consent_grant(
    state: State<'_, AppState>,
    volunteer_phone: Option<String>,
    volunteer_qr: Option<String>,
    procedures: Option<Vec<String>>,
    days: Option<u32>,
) -> Result<ConsentView, ApiError> {
    let core = open_core(&state)?;
    let who = match (volunteer_phone, volunteer_qr) {
        (_, Some(q)) if !q.trim().is_empty() => Volunteer::Qr(q),
        (Some(p), _) => Volunteer::Phone(p),
        _ => Volunteer::Phone(String::new()),
    };
    Ok(core.consent_grant(who, procedures, days).await?)
}

/// Withdraws a consent the citizen gave, or removes a paper consent.
#[tauri::command]
#[specta::specta]
pub async fn consent_withdraw(
    state: State<'_, AppState>,
    consent_id: String,
) -> Result<(), ApiError> {
    let core = open_core(&state)?;
    Ok(core.consent_withdraw(&consent_id).await?)
}

/// Consents known on this device (one person's with `person_id`).
#[tauri::command]
#[specta::specta]
pub async fn consent_list(
    state: State<'_, AppState>,
    person_id: Option<String>,
) -> Result<Vec<ConsentView>, ApiError> {
    state
        .with_core(move |core| Ok(core.consent_list(person_id.as_deref())?))
        .await
}

/// Asks the server for the signed-in account's consents, then lists them.
#[tauri::command]
#[specta::specta]
pub async fn consent_refresh(state: State<'_, AppState>) -> Result<Vec<ConsentView>, ApiError> {
    let core = open_core(&state)?;
    Ok(core.consent_refresh().await?)
}

/// Volunteer: a signed paper consent, photographed into the person's documents.
#[tauri::command]
#[specta::specta]
pub async fn consent_paper(
    state: State<'_, AppState>,
    person_id: String,
    document_id: String,
) -> Result<ConsentView, ApiError> {
    state
        .with_core(move |core| Ok(core.consent_paper(&person_id, &document_id)?))
        .await
}

/// The volunteer's QR code: its text (`DVCVOL1:…`, no name, no phone number) and the code drawn
/// on the phone as SVG.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct VolunteerQr {
    pub text: String,
    pub svg: String,
}

/// Volunteer: the QR code a citizen scans (or whose text they paste) to name them in "Cho phép
/// người hỗ trợ".
#[tauri::command]
#[specta::specta]
pub async fn volunteer_qr(state: State<'_, AppState>) -> Result<VolunteerQr, ApiError> {
    let core = open_core(&state)?;
    let text = core.volunteer_qr()?;
    let svg = dvc_core::vietqr::qr_svg(&text)
        .map_err(|e| ApiError::internal(format!("volunteer QR: {e}")))?;
    Ok(VolunteerQr { text, svg })
}

fn not_volunteer_qr(detail: &str) -> ApiError {
    ApiError {
        code: "volunteer_qr_invalid",
        message_key: "consent.error.qr",
        detail: detail.to_string(),
    }
}

/// Citizen: reads the volunteer's QR code in a photo (raw body: the image file's bytes) and
/// answers its text for "Cho phép người hỗ trợ". Nothing is given yet; any other QR (a CCCD, a
/// VietQR, a server's) is refused and changes nothing.
#[tauri::command]
#[specta::specta]
pub async fn consent_qr_scan_image(request: RawRequest<'_>) -> Result<String, ApiError> {
    let payload = super::qr_in_photo(&request, || {
        not_volunteer_qr("expected the image as raw bytes")
    })
    .await?;
    let text = super::qr_text(payload, || not_volunteer_qr("the QR text is not UTF-8"))?;
    let text = text.trim().to_string();
    if dvc_protocol::auth::parse_volunteer_qr(&text).is_none() {
        return Err(not_volunteer_qr("not a volunteer QR code (DVCVOL1:…)"));
    }
    Ok(text)
}
