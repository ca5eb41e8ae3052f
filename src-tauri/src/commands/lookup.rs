//! "Tra cứu hồ sơ": a dossier's state and timeline from the server by its code and a second
//! factor (`dvc_core::sync::lookup`), signed in or not — for a dossier filed at the counter, by a
//! volunteer, or on another phone. The server is the one sign-in goes to (the session's, the one
//! chosen by QR, or the one this build ships with).

use dvc_core::sync::db as sync_db;
use dvc_core::sync::lookup::{NOT_FOUND, NOT_YOURS, RATE_LIMITED};
use dvc_core::sync::SyncError;
use dvc_protocol::lookup::LookupResult;
use serde::Serialize;
use tauri::State;

use crate::ipc::RawRequest;
use crate::{ApiError, AppState};

/// A looked-up dossier with its procedure's name from the bundled catalog.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct LookupView {
    #[serde(flatten)]
    pub result: LookupResult,
    pub procedure_name: Option<String>,
    pub procedure_name_en: Option<String>,
    /// Signed in as a citizen on the server asked, and not `mine` yet: the screen offers
    /// "Thêm vào Hồ sơ của tôi".
    pub can_claim: bool,
}

/// The two refusals the screen words itself; the rest as every sync command says them.
fn lookup_error(e: SyncError) -> ApiError {
    let key = match &e {
        SyncError::Refused { code, .. } if code == NOT_FOUND => Some("lookup.not_found"),
        SyncError::Refused { code, .. } if code == RATE_LIMITED => Some("lookup.rate_limited"),
        SyncError::Refused { code, .. } if code == NOT_YOURS => Some("lookup.not_yours"),
        _ => None,
    };
    match key {
        Some(message_key) => {
            tracing::info!(code = e.code(), "dossier lookup refused");
            ApiError {
                code: "lookup_refused",
                message_key,
                detail: e.to_string(),
            }
        }
        None => ApiError::from(e),
    }
}

/// Looks a dossier up by its code (as on the receipt) and the last 4 digits of the applicant's
/// ID number or the phone it was filed with. An unknown code and a wrong second factor are the
/// same answer (`lookup.not_found`): the server does not say which.
#[tauri::command]
#[specta::specta]
pub async fn dossier_lookup(
    state: State<'_, AppState>,
    code: String,
    factor: String,
) -> Result<LookupView, ApiError> {
    let (core, server) = crate::commands::account::current_server(&state).await?;
    let result = core
        .dossier_lookup(Some(&server), &code, &factor)
        .await
        .map_err(lookup_error)?;
    let (procedure_name, procedure_name_en) = core
        .resolve_procedure(&result.procedure_code)
        .map(|id| crate::commands::sync::procedure_names(&id))
        .unwrap_or((None, None));
    let signed_in = core.sync_status().map_err(ApiError::from)?;
    let citizen = sync_db::get(core.store(), sync_db::KEY_ROLE)
        .map_err(ApiError::from)?
        .is_some_and(|r| r == "citizen");
    let can_claim = signed_in.signed_in
        && !signed_in.session_expired
        && signed_in.server.as_deref().map(|s| s.trim_end_matches('/'))
            == Some(server.trim_end_matches('/'))
        && citizen
        && !result.mine;
    Ok(LookupView {
        result,
        procedure_name,
        procedure_name_en,
        can_claim,
    })
}

/// What "Thêm vào Hồ sơ của tôi" did.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ClaimView {
    /// The dossier code.
    pub code: String,
    /// `false`: it already was the account's.
    pub added: bool,
}

/// "Thêm vào Hồ sơ của tôi": adds a looked-up dossier (same code and second factor) to the
/// signed-in citizen's own list; it shows in "Hồ sơ của tôi" at once and its details come with
/// the next sync. A dossier that does not name the account is `lookup.not_yours`.
#[tauri::command]
#[specta::specta]
pub async fn dossier_lookup_claim(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    code: String,
    factor: String,
) -> Result<ClaimView, ApiError> {
    let core = crate::commands::account::check_unlocked(&state)?;
    let result = core
        .dossier_claim(&code, &factor)
        .await
        .map_err(lookup_error)?;
    // Its form and events come with a sync pass: start one now.
    crate::commands::sync::spawn_pass(app);
    Ok(ClaimView {
        code: result.dossier.code,
        added: result.added,
    })
}

fn not_a_receipt_qr(detail: &str) -> ApiError {
    ApiError {
        code: "receipt_qr_invalid",
        message_key: "lookup.error.qr",
        detail: detail.to_string(),
    }
}

/// The dossier code in a receipt QR's text (the live camera's answer). Any other QR code — an
/// ID card's, a VietQR, a volunteer's — is refused and nothing changes.
#[tauri::command]
#[specta::specta]
pub async fn dossier_lookup_code_from_qr(text: String) -> Result<String, ApiError> {
    dvc_protocol::lookup::code_from_qr(&text)
        .ok_or_else(|| not_a_receipt_qr("no single dossier code in the QR text"))
}

/// The dossier code in a photo of a receipt's QR code (raw body: the image file's bytes).
#[tauri::command]
#[specta::specta]
pub async fn dossier_lookup_scan_image(request: RawRequest<'_>) -> Result<String, ApiError> {
    let payload = super::qr_in_photo(&request, || {
        not_a_receipt_qr("expected the image as raw bytes")
    })
    .await?;
    let text = super::qr_text(payload, || not_a_receipt_qr("the QR text is not UTF-8"))?;
    dvc_protocol::lookup::code_from_qr(&text)
        .ok_or_else(|| not_a_receipt_qr("no single dossier code in the QR text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_qr_text_gives_the_code_and_anything_else_is_refused() {
        let run = |text: String| tauri::async_runtime::block_on(dossier_lookup_code_from_qr(text));
        let code = "000.30.27.H23-220928-0001";
        assert_eq!(
            run(format!("https://x.example/tra-cuu?ma={code}"))
                .ok()
                .as_deref(),
            Some(code)
        );
        for other in ["DVCVOL1:abc", "001099012345|Nguyễn Văn A|01011990", ""] {
            let e = run(other.into()).err();
            assert_eq!(
                e.map(|e| e.message_key),
                Some("lookup.error.qr"),
                "{other:?}"
            );
        }
    }

    #[test]
    fn the_two_refusals_have_their_own_words() {
        let refused = |code: &str| SyncError::Refused {
            code: code.into(),
            name: "x".into(),
        };
        assert_eq!(
            lookup_error(refused("404.1")).message_key,
            "lookup.not_found"
        );
        assert_eq!(
            lookup_error(refused("429.1")).message_key,
            "lookup.rate_limited"
        );
        assert_eq!(
            lookup_error(refused("403.1")).message_key,
            "sync.error.refused"
        );
        assert_eq!(
            lookup_error(SyncError::Network("timeout".into())).message_key,
            "sync.error.network"
        );
    }
}
