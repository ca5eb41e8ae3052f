//! After submission: what the receipt, fee, supplement, result, cancel and rating
//! screens show for one sent dossier, and the applicant's actions.
//!
//! Thin over `dvc-core`: [`dvc_core::dossier::view`] (the one view of a sent dossier, the same
//! `dvc dossier show` prints) and [`dvc_core::sync::actions`] (cancel, "Tôi đã chuyển khoản",
//! rating, resubmission — queued on the phone and sent by the next sync pass). Each action starts
//! a sync pass at once so it goes out while the user is still looking, and answers the refreshed
//! view.
//!
//! `after_save_receipt` writes the receipt picture (PNG drawn by the UI) into the app's own data
//! folder (`receipts/`), as a new file only: never over an existing one, never through a link
//! ([`dvc_core::export::write_new_file`]). Android's share sheet needs a
//! share plugin that is not in the offline build cache yet; see README "After submission".

use std::path::{Path, PathBuf};

use dvc_core::documents::DocumentId;
use dvc_core::dossier::view::DossierView;
use dvc_core::{Core, CoreError};
use tauri::ipc::InvokeBody;
use tauri::{AppHandle, Manager, State};

use crate::ipc::{Bytes, RawRequest};
use crate::{ApiError, AppState};

/// Everything the after-submission screens show for one dossier.
#[tauri::command]
#[specta::specta]
pub async fn after_view(
    state: State<'_, AppState>,
    dossier_id: String,
) -> Result<DossierView, ApiError> {
    state
        .with_core(move |core| Ok(core.dossier_view(&dossier_id)?))
        .await
}

/// Queues an action with `queue`, starts a sync pass so it goes out now when the phone is online
/// (the pass is a no-op offline), and answers the refreshed view.
async fn act<F>(
    app: AppHandle,
    state: State<'_, AppState>,
    dossier_id: String,
    queue: F,
) -> Result<DossierView, ApiError>
where
    F: FnOnce(&Core, &str) -> Result<(), ApiError> + Send + 'static,
{
    let id = dossier_id.clone();
    state.with_core(move |core| queue(core, &id)).await?;
    super::sync::spawn_pass(app);
    state
        .with_core(move |core| Ok(core.dossier_view(&dossier_id)?))
        .await
}

/// "Tôi đã chuyển khoản".
#[tauri::command]
#[specta::specta]
pub async fn after_claim_payment(
    app: AppHandle,
    state: State<'_, AppState>,
    dossier_id: String,
) -> Result<DossierView, ApiError> {
    act(app, state, dossier_id, |core, id| {
        core.dossier_claim_payment(id)?;
        Ok(())
    })
    .await
}

/// Withdraws the dossier (while the server allows it).
#[tauri::command]
#[specta::specta]
pub async fn after_cancel(
    app: AppHandle,
    state: State<'_, AppState>,
    dossier_id: String,
    reason: Option<String>,
) -> Result<DossierView, ApiError> {
    act(app, state, dossier_id, move |core, id| {
        core.dossier_cancel(id, reason.as_deref())?;
        Ok(())
    })
    .await
}

/// 1–5 stars and an optional comment, once, after `completed`.
#[tauri::command]
#[specta::specta]
pub async fn after_rate(
    app: AppHandle,
    state: State<'_, AppState>,
    dossier_id: String,
    stars: u8,
    comment: Option<String>,
) -> Result<DossierView, ApiError> {
    act(app, state, dossier_id, move |core, id| {
        core.dossier_rate(id, stars, comment.as_deref())?;
        Ok(())
    })
    .await
}

/// Sends the corrected dossier (the named items) as a new revision.
#[tauri::command]
#[specta::specta]
pub async fn after_resubmit(
    app: AppHandle,
    state: State<'_, AppState>,
    dossier_id: String,
) -> Result<DossierView, ApiError> {
    act(app, state, dossier_id, |core, id| {
        let q = core.dossier_resubmit(id)?;
        tracing::info!(dossier = %id, revision = ?q.revision, "supplement resubmitted");
        Ok(())
    })
    .await
}

/// The received result file (raw bytes), from the applicant's documents.
#[tauri::command]
#[specta::specta]
pub async fn after_result_file(
    state: State<'_, AppState>,
    dossier_id: String,
) -> Result<Bytes, ApiError> {
    state
        .with_core(move |core| {
            let detail = core.dossier_detail(&dossier_id)?;
            let doc = detail.result.and_then(|r| r.document_id).ok_or_else(|| {
                ApiError::from(CoreError::invalid(
                    "dossier",
                    format!("dossier {dossier_id} has no downloaded result"),
                    "result.not_ready",
                ))
            })?;
            Ok(Bytes(core.read_document(&DocumentId(doc))?))
        })
        .await
}

/// "Giấy tờ cơ quan lưu": papers an officer scanned into the dossier's record, oldest first
/// ([`dvc_core::sync::papers`]).
#[tauri::command]
#[specta::specta]
pub async fn after_agency_papers(
    state: State<'_, AppState>,
    dossier_id: String,
) -> Result<Vec<dvc_core::sync::papers::AgencyPaper>, ApiError> {
    state
        .with_core(move |core| Ok(core.dossier_agency_papers(&dossier_id)?))
        .await
}

/// `bien-nhan-<code>.png`, with anything but letters, digits, `.`, `-` replaced.
fn receipt_file_name(code: &str) -> String {
    let safe: String = code
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if safe.is_empty() {
        "bien-nhan.png".into()
    } else {
        format!("bien-nhan-{safe}.png")
    }
}

fn is_png(b: &[u8]) -> bool {
    b.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a])
}

fn write_receipt(dir: &Path, name: &str, png: &[u8]) -> Result<PathBuf, ApiError> {
    let save_failed = |e: dvc_core::export::ExportError| {
        tracing::warn!(error = %e, "cannot save the receipt picture");
        ApiError {
            code: "io",
            message_key: "dossier.after_save_failed",
            detail: e.to_string(),
        }
    };
    dvc_core::export::write_new_file(dir, name, png).map_err(save_failed)
}

/// Saves the receipt picture (raw PNG body, header `x-dossier-id`); answers the file's path.
#[tauri::command]
#[specta::specta]
pub async fn after_save_receipt(
    app: AppHandle,
    state: State<'_, AppState>,
    request: RawRequest<'_>,
) -> Result<String, ApiError> {
    let InvokeBody::Raw(png) = request.body() else {
        return Err(ApiError::from(CoreError::invalid(
            "body",
            "expected the PNG as raw bytes",
            "dossier.after_save_failed",
        )));
    };
    if !is_png(png) || png.len() > 8 * 1024 * 1024 {
        return Err(ApiError::from(CoreError::invalid(
            "body",
            "not a PNG picture (or larger than 8 MB)",
            "dossier.after_save_failed",
        )));
    }
    let png = png.clone();
    let id = request
        .headers()
        .get("x-dossier-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let dir = app
        .path()
        .app_data_dir()
        .map(|d| d.join("receipts"))
        .map_err(|e| ApiError::internal(format!("no folder to save in: {e}")))?;
    state
        .with_core(move |core| {
            let tracked = core.tracked_dossier(&id)?;
            let name = receipt_file_name(tracked.code.as_deref().unwrap_or(""));
            let path = write_receipt(&dir, &name, &png)?;
            tracing::info!(dossier = %id, bytes = png.len(), "receipt picture saved");
            Ok(path.display().to_string())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_names_are_safe_file_names() {
        assert_eq!(
            receipt_file_name("000.30.27.H23-220928-0001"),
            "bien-nhan-000.30.27.H23-220928-0001.png"
        );
        assert_eq!(receipt_file_name("a/../b c"), "bien-nhan-a-..-b-c.png");
        assert_eq!(receipt_file_name(""), "bien-nhan.png");
        assert!(receipt_file_name(&"x".repeat(500)).len() < 90);
    }

    #[test]
    fn only_png_is_saved() {
        assert!(is_png(b"\x89PNG\r\n\x1a\nrest"));
        assert!(!is_png(b"GIF89a"));
        assert!(!is_png(b""));
    }

    #[test]
    fn write_receipt_creates_the_folder() {
        let dir = std::env::temp_dir().join(format!("dvc-after-test-{}", std::process::id()));
        let p = write_receipt(&dir.join("x"), "a.png", b"\x89PNG\r\n\x1a\n").unwrap();
        assert_eq!(std::fs::read(&p).unwrap().len(), 8);
        let again = write_receipt(&dir.join("x"), "a.png", b"\x89PNG\r\n\x1a\n2").unwrap();
        assert_eq!(again, dir.join("x").join("a-2.png"), "never over the first");
        assert_eq!(std::fs::read(&p).unwrap().len(), 8);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
