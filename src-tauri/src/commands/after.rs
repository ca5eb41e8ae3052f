//! After submission: what the receipt, fee, supplement, result, cancel and rating
//! screens show for one sent dossier, and the applicant's actions.
//!
//! Thin over `dvc-core`: [`dvc_core::sync::actions`] (the dossier's detail and the actions
//! outbox: cancel, "Tôi đã chuyển khoản", rating, resubmission — queued on the phone and sent by
//! the next sync pass), [`dvc_core::vietqr`] (the fee's VietQR payload and the QR codes as SVG)
//! and the catalog (procedure name, processing time). Each action starts a sync pass at once so it
//! goes out while the user is still looking, and answers the refreshed view.
//!
//! `after_save_receipt` writes the receipt picture (PNG drawn by the UI) to the Downloads folder
//! (the app's own data folder where there is none, e.g. Android). Android's share sheet needs a
//! share plugin that is not in the offline build cache yet; see README "After submission".

use std::path::{Path, PathBuf};

use dvc_core::documents::DocumentId;
use dvc_core::sync::actions::DossierDetail;
use dvc_core::sync::db::ActionRow;
use dvc_core::sync::decide::{action_allowed, ActionKind};
use dvc_core::vietqr::qr_svg;
use dvc_core::{Core, CoreError};
use dvc_protocol::dossiers::{DossierState, SupplementItem};
use serde::Serialize;
use tauri::ipc::{InvokeBody, Request, Response};
use tauri::{AppHandle, Manager, State};

use crate::{ApiError, AppState};

/// Where a user action stands on this phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionState {
    /// Not asked.
    None,
    /// Waiting on the phone to be sent (offline, or the pass has not run yet).
    Queued,
    /// The server has it.
    Sent,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeeView {
    pub amount_vnd: u64,
    pub bank_bin: String,
    pub account_number: String,
    pub account_name: String,
    pub transfer_note: String,
    pub requested_at: String,
    /// The VietQR text (None when the account the server sent cannot be a VietQR).
    pub qr_payload: Option<String>,
    pub qr_svg: Option<String>,
    pub claim: ActionState,
    pub paid: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SupplementView {
    pub note: String,
    pub items: Vec<SupplementItem>,
    pub requested_at: String,
    pub resubmit: ActionState,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum ResultView {
    Online {
        content_type: String,
        size: u64,
        sha256: String,
        /// The applicant's document holding the file, once downloaded and verified.
        document_id: Option<String>,
        ready_at: String,
    },
    Postal {
        carrier: String,
        tracking_number: String,
        ready_at: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct RatingView {
    pub stars: u8,
    pub comment: Option<String>,
    pub state: ActionState,
}

/// Everything the after-submission screens show (ui/src/lib/after/types.ts).
#[derive(Debug, Clone, Serialize)]
pub struct AfterView {
    pub dossier_id: String,
    pub code: Option<String>,
    pub state: String,
    pub procedure_id: String,
    pub procedure_name: Option<String>,
    pub procedure_name_en: Option<String>,
    pub agency_code: Option<String>,
    /// The kind of agency that handles the procedure (from the catalog).
    pub agency_name: Option<String>,
    pub received_at: Option<String>,
    pub working_days: Option<f64>,
    pub processing_text: Option<String>,
    pub processing_text_en: Option<String>,
    pub code_qr_svg: Option<String>,
    pub fee: Option<FeeView>,
    pub supplement: Option<SupplementView>,
    pub result: Option<ResultView>,
    pub rating: Option<RatingView>,
    pub can_cancel: bool,
    pub cancel: ActionState,
    pub timeline: Vec<dvc_core::sync::TimelineEntry>,
}

/// Whether an action of `kind` waits on the phone (`pending`; the detail lists only actions not
/// yet done). Set-aside ones count as not asked: the user may try again.
fn queued(pending: &[ActionRow], kind: ActionKind) -> bool {
    pending
        .iter()
        .any(|a| a.kind == kind.as_str() && a.state == "pending")
}

/// Builds the view from the core's detail (pure apart from the QR drawing; unit tested).
fn view_of(
    d: DossierDetail,
    pay_qr: Option<String>,
    catalog: Option<&dvc_core::catalog::ProcedureView>,
) -> AfterView {
    let t = d.tracked;
    let remote = DossierState::parse(&t.state);
    let pending = &d.pending_actions;
    let received_at = t
        .timeline
        .iter()
        .find(|e| e.kind == "received")
        .map(|e| e.at.clone());
    let fee = d.fee.map(|f| {
        let claim = if f.claimed_at.is_some() || f.paid_at.is_some() {
            ActionState::Sent
        } else if queued(pending, ActionKind::PaymentClaim) {
            ActionState::Queued
        } else {
            ActionState::None
        };
        let qr = pay_qr.as_deref().and_then(|p| qr_svg(p).ok());
        FeeView {
            amount_vnd: f.amount_vnd,
            bank_bin: f.bank_bin,
            account_number: f.account_number,
            account_name: f.account_name,
            transfer_note: f.transfer_note,
            requested_at: f.requested_at,
            qr_payload: pay_qr,
            qr_svg: qr,
            claim,
            paid: f.paid_at.is_some(),
        }
    });
    let supplement = d.supplement.map(|s| {
        let resubmit = match s.state.as_str() {
            "open" => ActionState::None,
            _ if queued(pending, ActionKind::Revision) => ActionState::Queued,
            _ => ActionState::Sent,
        };
        SupplementView {
            note: s.note,
            items: s.items,
            requested_at: s.requested_at,
            resubmit,
        }
    });
    let result = d.result.and_then(|r| match r.method.as_str() {
        "online" => Some(ResultView::Online {
            content_type: r
                .content_type
                .unwrap_or_else(|| "application/octet-stream".into()),
            size: r.size.unwrap_or(0),
            sha256: r.sha256.unwrap_or_default(),
            document_id: r.document_id,
            ready_at: r.ready_at,
        }),
        "postal" => Some(ResultView::Postal {
            carrier: r.carrier.unwrap_or_default(),
            tracking_number: r.tracking_number.unwrap_or_default(),
            ready_at: r.ready_at,
        }),
        _ => None,
    });
    let rating = d.rating.and_then(|r| {
        let state = match r.state.as_str() {
            "pending" => ActionState::Queued,
            "done" => ActionState::Sent,
            _ => return None,
        };
        Some(RatingView {
            stars: r.stars,
            comment: r.comment,
            state,
        })
    });
    let cancel = if t.state == "cancelled" {
        ActionState::Sent
    } else if queued(pending, ActionKind::Cancel) {
        ActionState::Queued
    } else {
        ActionState::None
    };
    let can_cancel = remote.is_some_and(|s| action_allowed(ActionKind::Cancel, s).is_ok());
    AfterView {
        dossier_id: t.id,
        code_qr_svg: t.code.as_deref().and_then(|c| qr_svg(c).ok()),
        code: t.code,
        state: t.state,
        procedure_id: t.procedure_id,
        procedure_name: catalog.map(|p| p.procedure.name.clone()),
        procedure_name_en: catalog.map(|p| p.procedure.name_en.clone()),
        agency_code: t.agency_code,
        agency_name: catalog.and_then(|p| p.agency_name.clone()),
        received_at,
        working_days: catalog.and_then(|p| p.procedure.processing_time.working_days),
        processing_text: catalog.map(|p| p.procedure.processing_time.text.clone()),
        processing_text_en: catalog.map(|p| p.procedure.processing_time.text_en.clone()),
        fee,
        supplement,
        result,
        rating,
        can_cancel,
        cancel,
        timeline: t.timeline,
    }
}

fn load(core: &Core, dossier_id: &str) -> Result<AfterView, ApiError> {
    let detail = core.dossier_detail(dossier_id)?;
    // The QR is drawn only while a fee is known; an account that cannot be a VietQR still shows
    // as text (logged by vietqr).
    let pay = if detail.fee.is_some() {
        core.dossier_pay_qr(dossier_id).ok().map(|q| q.payload)
    } else {
        None
    };
    let catalog = core.catalog_show(&detail.tracked.procedure_id).ok();
    Ok(view_of(detail, pay, catalog.as_ref()))
}

/// Everything the after-submission screens show for one dossier.
#[tauri::command]
pub fn after_view(state: State<'_, AppState>, dossier_id: String) -> Result<AfterView, ApiError> {
    load(state.core()?, &dossier_id)
}

/// Queued actions go out now when the phone is online (the pass is a no-op offline).
fn send_soon(app: AppHandle) {
    super::sync::spawn_pass(app);
}

/// "Tôi đã chuyển khoản".
#[tauri::command]
pub fn after_claim_payment(
    app: AppHandle,
    state: State<'_, AppState>,
    dossier_id: String,
) -> Result<AfterView, ApiError> {
    let core = state.core()?;
    core.dossier_claim_payment(&dossier_id)?;
    send_soon(app);
    load(core, &dossier_id)
}

/// Withdraws the dossier (while the server allows it).
#[tauri::command]
pub fn after_cancel(
    app: AppHandle,
    state: State<'_, AppState>,
    dossier_id: String,
    reason: Option<String>,
) -> Result<AfterView, ApiError> {
    let core = state.core()?;
    core.dossier_cancel(&dossier_id, reason.as_deref())?;
    send_soon(app);
    load(core, &dossier_id)
}

/// 1–5 stars and an optional comment, once, after `completed`.
#[tauri::command]
pub fn after_rate(
    app: AppHandle,
    state: State<'_, AppState>,
    dossier_id: String,
    stars: u8,
    comment: Option<String>,
) -> Result<AfterView, ApiError> {
    let core = state.core()?;
    core.dossier_rate(&dossier_id, stars, comment.as_deref())?;
    send_soon(app);
    load(core, &dossier_id)
}

/// Sends the corrected dossier (the named items) as a new revision.
#[tauri::command]
pub fn after_resubmit(
    app: AppHandle,
    state: State<'_, AppState>,
    dossier_id: String,
) -> Result<AfterView, ApiError> {
    let core = state.core()?;
    let q = core.dossier_resubmit(&dossier_id)?;
    tracing::info!(dossier = %dossier_id, revision = ?q.revision, "supplement resubmitted");
    send_soon(app);
    load(core, &dossier_id)
}

/// The received result file (raw bytes), from the applicant's documents.
#[tauri::command]
pub fn after_result_file(
    state: State<'_, AppState>,
    dossier_id: String,
) -> Result<Response, ApiError> {
    let core = state.core()?;
    let detail = core.dossier_detail(&dossier_id)?;
    let doc = detail.result.and_then(|r| r.document_id).ok_or_else(|| {
        ApiError::from(CoreError::invalid(
            "dossier",
            format!("dossier {dossier_id} has no downloaded result"),
            "result.not_ready",
        ))
    })?;
    let bytes = core.read_document(&DocumentId(doc))?;
    Ok(Response::new(bytes))
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
    let save_failed = |e: std::io::Error| {
        tracing::warn!(error = %e, "cannot save the receipt picture");
        ApiError {
            code: "io",
            message_key: "dossier.after_save_failed",
            detail: e.to_string(),
        }
    };
    std::fs::create_dir_all(dir).map_err(save_failed)?;
    let path = dir.join(name);
    std::fs::write(&path, png).map_err(save_failed)?;
    Ok(path)
}

/// Saves the receipt picture (raw PNG body, header `x-dossier-id`); answers the file's path.
#[tauri::command]
pub fn after_save_receipt(
    app: AppHandle,
    state: State<'_, AppState>,
    request: Request<'_>,
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
    let id = request
        .headers()
        .get("x-dossier-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let tracked = state.core()?.tracked_dossier(&id)?;
    let name = receipt_file_name(tracked.code.as_deref().unwrap_or(""));
    let dir = app
        .path()
        .download_dir()
        .or_else(|_| app.path().app_data_dir().map(|d| d.join("receipts")))
        .map_err(|e| ApiError::internal(format!("no folder to save in: {e}")))?;
    let path = write_receipt(&dir, &name, png)?;
    tracing::info!(dossier = %id, bytes = png.len(), "receipt picture saved");
    Ok(path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    use dvc_core::sync::actions::RatingInfo;
    use dvc_core::sync::db::{FeeRequest, ResultInfo, Supplement};
    use dvc_core::sync::{TimelineEntry, Tracked};

    fn detail(state: &str) -> DossierDetail {
        DossierDetail {
            tracked: Tracked {
                id: "d1".into(),
                procedure_id: "passport-domestic".into(),
                state: state.into(),
                code: Some("000.00.00.H00-261123-0001".into()),
                agency_code: Some("000.00.00.H00".into()),
                quarantine_reason: None,
                waiting_reason: None,
                attempts: 1,
                submitted_at: Some("2026-11-23T01:00:00Z".into()),
                updated_at: "2026-11-23T02:00:00Z".into(),
                timeline: vec![TimelineEntry {
                    kind: "received".into(),
                    state: "received".into(),
                    at: "2026-11-23T02:30:00Z".into(),
                    detail: None,
                }],
            },
            revision: 1,
            revisions: vec![],
            supplement: None,
            fee: None,
            result: None,
            rating: None,
            pending_actions: vec![],
            pending_label: None,
        }
    }

    fn action(kind: &str, state: &str) -> ActionRow {
        ActionRow {
            id: "a1".into(),
            dossier_id: "d1".into(),
            kind: kind.into(),
            body: String::new(),
            revision: None,
            files: vec![],
            state: state.into(),
            attempts: 0,
            last_error: None,
            created_at: "2026-11-23T03:00:00Z".into(),
        }
    }

    fn fee() -> FeeRequest {
        FeeRequest {
            amount_vnd: 200_000,
            bank_bin: "970415".into(),
            account_number: "113000000001".into(),
            account_name: "CONG AN TINH MAU".into(),
            transfer_note: "000.00.00.H00-261123-0001".into(),
            requested_at: "2026-11-23T04:00:00Z".into(),
            claimed_at: None,
            paid_at: None,
        }
    }

    #[test]
    fn a_received_dossier_has_its_receipt_and_may_be_cancelled() {
        let v = view_of(detail("received"), None, None);
        assert_eq!(v.received_at.as_deref(), Some("2026-11-23T02:30:00Z"));
        assert!(v.code_qr_svg.as_deref().is_some_and(|s| s.contains("<svg")));
        assert!(v.can_cancel);
        assert_eq!(v.cancel, ActionState::None);
        assert!(v.fee.is_none() && v.supplement.is_none() && v.result.is_none());
        assert!(!view_of(detail("accepted"), None, None).can_cancel);
        assert!(!view_of(detail("completed"), None, None).can_cancel);
    }

    #[test]
    fn the_fee_claim_goes_from_queued_to_sent_to_paid() {
        let mut d = detail("fee_requested");
        d.fee = Some(fee());
        let v = view_of(d.clone(), Some("000201".into()), None);
        let f = v.fee.unwrap();
        assert_eq!(f.claim, ActionState::None);
        assert_eq!(f.qr_payload.as_deref(), Some("000201"));
        assert!(f.qr_svg.is_some());
        d.pending_actions = vec![action("payment_claim", "pending")];
        assert_eq!(
            view_of(d.clone(), None, None).fee.unwrap().claim,
            ActionState::Queued
        );
        d.pending_actions = vec![action("payment_claim", "quarantined")];
        assert_eq!(
            view_of(d.clone(), None, None).fee.unwrap().claim,
            ActionState::None
        );
        d.pending_actions.clear();
        d.fee.as_mut().unwrap().claimed_at = Some("2026-11-23T05:00:00Z".into());
        assert_eq!(
            view_of(d.clone(), None, None).fee.unwrap().claim,
            ActionState::Sent
        );
        d.fee.as_mut().unwrap().paid_at = Some("2026-11-23T06:00:00Z".into());
        assert!(view_of(d, None, None).fee.unwrap().paid);
    }

    #[test]
    fn a_supplement_is_open_then_queued_then_sent() {
        let mut d = detail("supplement_requested");
        d.supplement = Some(Supplement {
            note: "Chụp lại ảnh".into(),
            items: vec![SupplementItem::Attachment {
                kind: "portrait".into(),
            }],
            state: "open".into(),
            requested_at: "2026-11-23T04:00:00Z".into(),
            base_revision: 1,
        });
        assert_eq!(
            view_of(d.clone(), None, None).supplement.unwrap().resubmit,
            ActionState::None
        );
        d.supplement.as_mut().unwrap().state = "submitted".into();
        d.pending_actions = vec![action("revision", "pending")];
        assert_eq!(
            view_of(d.clone(), None, None).supplement.unwrap().resubmit,
            ActionState::Queued
        );
        d.pending_actions.clear();
        assert_eq!(
            view_of(d, None, None).supplement.unwrap().resubmit,
            ActionState::Sent
        );
    }

    #[test]
    fn results_and_ratings_map_to_the_screens_shapes() {
        let mut d = detail("completed");
        d.result = Some(ResultInfo {
            method: "postal".into(),
            sha256: None,
            content_type: None,
            size: None,
            carrier: Some("VNPost".into()),
            tracking_number: Some("EA123456789VN".into()),
            ready_at: "2026-11-28T08:00:00Z".into(),
            document_id: None,
            stored_at: None,
            downloaded_bytes: 0,
            attempts: 0,
            last_error: None,
        });
        d.rating = Some(RatingInfo {
            stars: 4,
            comment: None,
            state: "pending".into(),
            at: "2026-11-29T00:00:00Z".into(),
        });
        let v = view_of(d.clone(), None, None);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["result"]["method"], "postal");
        assert_eq!(json["result"]["tracking_number"], "EA123456789VN");
        assert_eq!(json["rating"]["state"], "queued");
        assert_eq!(json["cancel"], "none");
        d.rating.as_mut().unwrap().state = "quarantined".into();
        assert!(view_of(d, None, None).rating.is_none());
        let mut c = detail("cancelled");
        c.pending_actions = vec![action("cancel", "pending")];
        assert_eq!(view_of(c, None, None).cancel, ActionState::Sent);
    }

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
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
