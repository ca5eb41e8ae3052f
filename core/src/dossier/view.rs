//! One view of a sent dossier: what the app's after-submission screens (receipt, fee, supplement,
//! result, cancel, rating) show and what `dvc dossier show` prints. Built from the sync client's
//! [`DossierDetail`] (the rows as stored), the catalog (procedure name, processing time) and the
//! QR codes drawn on the phone ([`crate::vietqr`]).
//!
//! The stored rows keep their states as text (`pending`, `open`, `online` …); this module reads
//! them once into enums, so a screen or a script never compares strings.

use serde::Serialize;

use dvc_protocol::dossiers::{DossierState, SupplementItem};

use crate::catalog::ProcedureView;
use crate::sync::actions::DossierDetail;
use crate::sync::db::{ActionRow, RevisionRow};
use crate::sync::decide::{action_allowed, ActionKind};
use crate::sync::{SyncError, TimelineEntry};
use crate::vietqr::qr_svg;
use crate::Core;

/// Where a dossier stands on the phone while the server does not know it yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum LocalState {
    /// Still being filled in.
    Draft,
    /// Waiting in the outbox to be sent.
    Queued,
    /// Set aside with a reason; the others keep going.
    Quarantined,
}

impl LocalState {
    pub const fn as_str(self) -> &'static str {
        match self {
            LocalState::Draft => "draft",
            LocalState::Queued => "queued",
            LocalState::Quarantined => "quarantined",
        }
    }
}

/// The state a dossier shows: the phone's until the server has it, then the server's. Serialised
/// as the plain name (`"queued"`, `"received"` …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(untagged)]
pub enum ShownState {
    Local(LocalState),
    Server(DossierState),
}

impl ShownState {
    /// Reads a shown state as [`crate::sync::decide::shown_state`] writes it; `None` for a name
    /// this build does not know.
    pub fn parse(s: &str) -> Option<ShownState> {
        if let Some(server) = DossierState::parse(s) {
            return Some(ShownState::Server(server));
        }
        [
            LocalState::Draft,
            LocalState::Queued,
            LocalState::Quarantined,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
        .map(ShownState::Local)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            ShownState::Local(l) => l.as_str(),
            ShownState::Server(s) => s.as_str(),
        }
    }

    /// The server's state, once it has the dossier.
    pub const fn server(self) -> Option<DossierState> {
        match self {
            ShownState::Server(s) => Some(s),
            ShownState::Local(_) => None,
        }
    }
}

/// Where one of the applicant's actions stands on this phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ActionState {
    /// Not asked (or asked and set aside: the user may try again).
    None,
    /// Waiting on the phone to be sent (offline, or the pass has not run yet).
    Queued,
    /// The server has it.
    Sent,
}

/// An action not done yet: waiting to be sent, or set aside with its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum PendingState {
    Pending,
    Quarantined,
}

/// One applicant action still on the phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PendingAction {
    pub id: String,
    pub kind: ActionKind,
    pub state: PendingState,
    /// The revision a resubmission sends.
    pub revision: Option<u32>,
    pub attempts: i64,
    /// The reason key when set aside (a log-safe failure description while pending).
    pub last_error: Option<String>,
    pub created_at: String,
}

/// The fee the agency asks for, and how to pay it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FeeView {
    pub amount_vnd: u64,
    pub bank_bin: String,
    pub account_number: String,
    pub account_name: String,
    pub transfer_note: String,
    pub requested_at: String,
    /// The VietQR (EMVCo) text; `None` when the account the server sent cannot be a VietQR (the
    /// details still show as text).
    pub qr_payload: Option<String>,
    /// The VietQR code as an SVG document, drawn on the phone.
    pub qr_svg: Option<String>,
    /// "Tôi đã chuyển khoản".
    pub claim: ActionState,
    /// The officer confirmed the payment.
    pub paid: bool,
}

/// The officer's supplement request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SupplementView {
    /// The officer's words.
    pub note: String,
    /// Only these reopen; empty: the officer named none, the whole dossier reopens.
    pub items: Vec<SupplementItem>,
    pub requested_at: String,
    /// The corrected dossier.
    pub resubmit: ActionState,
}

/// The result of the procedure.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum ResultView {
    /// A file (usually a PDF) downloaded into the applicant's documents.
    Online {
        content_type: String,
        size: u64,
        sha256: String,
        /// The applicant's document holding the file, once downloaded and verified; `None`
        /// while it downloads.
        document_id: Option<String>,
        /// Bytes already downloaded (the download resumes).
        downloaded_bytes: u64,
        ready_at: String,
    },
    /// Sent by post.
    Postal {
        carrier: String,
        tracking_number: String,
        ready_at: String,
    },
}

/// The applicant's rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RatingView {
    pub stars: u8,
    pub comment: Option<String>,
    /// `queued` or `sent` (a refused rating is not shown: the user may rate again).
    pub state: ActionState,
}

/// Everything known about one dossier after submission.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DossierView {
    pub dossier_id: String,
    /// Learned from the server, "nộp hộ bởi …", filed for whom.
    pub provenance: crate::sync::db::Provenance,
    /// The dossier code (mã hồ sơ), once the server issued it.
    pub code: Option<String>,
    pub state: ShownState,
    pub procedure_id: String,
    pub procedure_name: Option<String>,
    pub procedure_name_en: Option<String>,
    pub agency_code: Option<String>,
    /// The kind of agency that handles the procedure (from the catalog).
    pub agency_name: Option<String>,
    pub submitted_at: Option<String>,
    pub received_at: Option<String>,
    pub updated_at: String,
    /// The reason key while quarantined.
    pub quarantine_reason: Option<String>,
    /// The catalog's processing time in working days, when it gives one.
    pub working_days: Option<f64>,
    pub processing_text: Option<String>,
    pub processing_text_en: Option<String>,
    /// A QR code of the dossier code as an SVG document (shown at the counter).
    pub code_qr_svg: Option<String>,
    /// The server's current revision (1 until a resubmission is stored).
    pub revision: u32,
    /// Revisions 2, 3, … with what changed.
    pub revisions: Vec<RevisionRow>,
    pub fee: Option<FeeView>,
    pub supplement: Option<SupplementView>,
    pub result: Option<ResultView>,
    pub rating: Option<RatingView>,
    /// The server still allows withdrawing it (as last seen).
    pub can_cancel: bool,
    pub cancel: ActionState,
    /// Actions waiting to be sent or set aside, oldest first.
    pub pending_actions: Vec<PendingAction>,
    /// A message key for what is being sent right now (e.g. `dossier.pending.cancel`).
    pub pending_label: Option<&'static str>,
    pub timeline: Vec<TimelineEntry>,
}

/// A stored action row as a [`PendingAction`]; `None` for a row done already or of a kind or
/// state this build does not know (logged).
fn pending_action(a: &ActionRow) -> Option<PendingAction> {
    let state = match a.state.as_str() {
        "pending" => PendingState::Pending,
        "quarantined" => PendingState::Quarantined,
        "done" => return None,
        other => {
            tracing::warn!(action = %a.id, state = other, "unknown action state");
            return None;
        }
    };
    let Some(kind) = ActionKind::parse(&a.kind) else {
        tracing::warn!(action = %a.id, kind = %a.kind, "unknown action kind");
        return None;
    };
    Some(PendingAction {
        id: a.id.clone(),
        kind,
        state,
        revision: a.revision,
        attempts: a.attempts,
        last_error: a.last_error.clone(),
        created_at: a.created_at.clone(),
    })
}

/// Whether an action of `kind` waits on the phone to be sent.
fn queued(pending: &[PendingAction], kind: ActionKind) -> bool {
    pending
        .iter()
        .any(|a| a.kind == kind && a.state == PendingState::Pending)
}

/// Builds the view from the stored detail, the fee's VietQR text (`pay_qr`) and the procedure's
/// catalog entry. Pure apart from drawing the QR codes.
pub fn view_of(
    d: DossierDetail,
    pay_qr: Option<String>,
    catalog: Option<&ProcedureView>,
) -> DossierView {
    let t = d.tracked;
    let state = ShownState::parse(&t.state).unwrap_or_else(|| {
        // `shown_state` writes only known names; an unknown one counts as waiting to be sent.
        tracing::warn!(dossier = %t.id, state = %t.state, "unknown shown state");
        ShownState::Local(LocalState::Queued)
    });
    let pending: Vec<PendingAction> = d
        .pending_actions
        .iter()
        .filter_map(pending_action)
        .collect();
    let received_at = t
        .timeline
        .iter()
        .find(|e| e.kind == "received")
        .map(|e| e.at.clone());
    let fee = d.fee.map(|f| {
        let claim = if f.claimed_at.is_some() || f.paid_at.is_some() {
            ActionState::Sent
        } else if queued(&pending, ActionKind::PaymentClaim) {
            ActionState::Queued
        } else {
            ActionState::None
        };
        let svg = pay_qr.as_deref().and_then(|p| qr_svg(p).ok());
        FeeView {
            amount_vnd: f.amount_vnd,
            bank_bin: f.bank_bin,
            account_number: f.account_number,
            account_name: f.account_name,
            transfer_note: f.transfer_note,
            requested_at: f.requested_at,
            qr_payload: pay_qr,
            qr_svg: svg,
            claim,
            paid: f.paid_at.is_some(),
        }
    });
    let supplement = d.supplement.map(|s| {
        let resubmit = match s.state.as_str() {
            "open" => ActionState::None,
            _ if queued(&pending, ActionKind::Revision) => ActionState::Queued,
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
            downloaded_bytes: r.downloaded_bytes,
            ready_at: r.ready_at,
        }),
        "postal" => Some(ResultView::Postal {
            carrier: r.carrier.unwrap_or_default(),
            tracking_number: r.tracking_number.unwrap_or_default(),
            ready_at: r.ready_at,
        }),
        other => {
            tracing::warn!(dossier = %t.id, method = other, "unknown result method");
            None
        }
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
    let cancel = if state == ShownState::Server(DossierState::Cancelled) {
        ActionState::Sent
    } else if queued(&pending, ActionKind::Cancel) {
        ActionState::Queued
    } else {
        ActionState::None
    };
    let can_cancel = state
        .server()
        .is_some_and(|s| action_allowed(ActionKind::Cancel, s).is_ok());
    DossierView {
        provenance: t.provenance,
        code_qr_svg: t.code.as_deref().and_then(|c| qr_svg(c).ok()),
        dossier_id: t.id,
        code: t.code,
        state,
        procedure_id: t.procedure_id,
        procedure_name: catalog.map(|p| p.procedure.name.clone()),
        procedure_name_en: catalog.map(|p| p.procedure.name_en.clone()),
        agency_code: t.agency_code,
        agency_name: catalog.and_then(|p| p.agency_name.clone()),
        submitted_at: t.submitted_at,
        received_at,
        updated_at: t.updated_at,
        quarantine_reason: t.quarantine_reason,
        working_days: catalog.and_then(|p| p.procedure.processing_time.working_days),
        processing_text: catalog.map(|p| p.procedure.processing_time.text.clone()),
        processing_text_en: catalog.map(|p| p.procedure.processing_time.text_en.clone()),
        revision: d.revision,
        revisions: d.revisions,
        fee,
        supplement,
        result,
        rating,
        can_cancel,
        cancel,
        pending_label: pending
            .iter()
            .find(|a| a.state == PendingState::Pending)
            .map(|a| a.kind.pending_label()),
        pending_actions: pending,
        timeline: t.timeline,
    }
}

/// One dossier's view, read from the store.
pub fn dossier_view(core: &Core, id: &str) -> Result<DossierView, SyncError> {
    let detail = core.dossier_detail(id)?;
    // The fee's QR is drawn only while a fee is known; an account that cannot be a VietQR still
    // shows as text (logged by `vietqr`).
    let pay = if detail.fee.is_some() {
        core.dossier_pay_qr(id).ok().map(|q| q.payload)
    } else {
        None
    };
    let catalog = core.catalog_show(&detail.tracked.procedure_id).ok();
    Ok(view_of(detail, pay, catalog.as_ref()))
}

impl Core {
    /// See [`dossier_view`].
    pub fn dossier_view(&self, id: &str) -> Result<DossierView, SyncError> {
        dossier_view(self, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::sync::actions::RatingInfo;
    use crate::sync::db::{FeeRequest, ResultInfo, Supplement};
    use crate::sync::Tracked;

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
                waiting_for: None,
                attempts: 1,
                submitted_at: Some("2026-11-23T01:00:00Z".into()),
                updated_at: "2026-11-23T02:00:00Z".into(),
                provenance: Default::default(),
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
    fn shown_states_read_back_what_they_write() {
        for s in DossierState::ALL {
            let shown = ShownState::parse(s.as_str()).unwrap();
            assert_eq!(shown, ShownState::Server(*s));
            assert_eq!(shown.as_str(), s.as_str());
            assert_eq!(serde_json::to_value(shown).unwrap(), s.as_str());
        }
        for l in [
            LocalState::Draft,
            LocalState::Queued,
            LocalState::Quarantined,
        ] {
            let shown = ShownState::parse(l.as_str()).unwrap();
            assert_eq!(shown, ShownState::Local(l));
            assert_eq!(shown.server(), None);
            assert_eq!(serde_json::to_value(shown).unwrap(), l.as_str());
        }
        assert_eq!(ShownState::parse("lost"), None);
        assert_eq!(ShownState::parse(""), None);
    }

    #[test]
    fn a_received_dossier_has_its_receipt_and_may_be_cancelled() {
        let v = view_of(detail("received"), None, None);
        assert_eq!(v.state, ShownState::Server(DossierState::Received));
        assert_eq!(v.received_at.as_deref(), Some("2026-11-23T02:30:00Z"));
        assert!(v.code_qr_svg.as_deref().is_some_and(|s| s.contains("<svg")));
        assert!(v.can_cancel);
        assert_eq!(v.cancel, ActionState::None);
        assert!(v.fee.is_none() && v.supplement.is_none() && v.result.is_none());
        assert!(!view_of(detail("accepted"), None, None).can_cancel);
        assert!(!view_of(detail("completed"), None, None).can_cancel);
        // Not on the server yet: nothing to cancel there.
        let q = view_of(detail("queued"), None, None);
        assert_eq!(q.state, ShownState::Local(LocalState::Queued));
        assert!(!q.can_cancel);
    }

    #[test]
    fn an_unknown_state_counts_as_waiting_to_be_sent() {
        let v = view_of(detail("teleported"), None, None);
        assert_eq!(v.state, ShownState::Local(LocalState::Queued));
        assert!(!v.can_cancel);
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
        let v = view_of(d.clone(), None, None);
        assert_eq!(v.fee.unwrap().claim, ActionState::Queued);
        assert_eq!(v.pending_label, Some("dossier.pending.payment_claim"));
        assert_eq!(v.pending_actions[0].kind, ActionKind::PaymentClaim);
        d.pending_actions = vec![action("payment_claim", "quarantined")];
        let v = view_of(d.clone(), None, None);
        assert_eq!(v.fee.unwrap().claim, ActionState::None);
        assert_eq!(v.pending_label, None);
        assert_eq!(v.pending_actions[0].state, PendingState::Quarantined);
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
    fn done_and_unknown_actions_are_not_pending() {
        let mut d = detail("received");
        d.pending_actions = vec![
            action("cancel", "done"),
            action("teleport", "pending"),
            action("cancel", "sideways"),
        ];
        let v = view_of(d, None, None);
        assert!(v.pending_actions.is_empty());
        assert_eq!(v.cancel, ActionState::None);
        assert_eq!(v.pending_label, None);
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
        assert_eq!(json["state"], "completed");
        assert_eq!(json["result"]["method"], "postal");
        assert_eq!(json["result"]["tracking_number"], "EA123456789VN");
        assert_eq!(json["rating"]["state"], "queued");
        assert_eq!(json["cancel"], "none");
        d.rating.as_mut().unwrap().state = "quarantined".into();
        assert!(view_of(d.clone(), None, None).rating.is_none());
        d.result.as_mut().unwrap().method = "pigeon".into();
        assert!(view_of(d, None, None).result.is_none());
        let mut c = detail("cancelled");
        c.pending_actions = vec![action("cancel", "pending")];
        assert_eq!(view_of(c, None, None).cancel, ActionState::Sent);
    }

    #[test]
    fn an_online_result_reports_its_download() {
        let mut d = detail("result_ready");
        d.result = Some(ResultInfo {
            method: "online".into(),
            sha256: Some("ab".repeat(32)),
            content_type: None,
            size: Some(1400),
            carrier: None,
            tracking_number: None,
            ready_at: "2026-11-28T08:00:00Z".into(),
            document_id: None,
            stored_at: None,
            downloaded_bytes: 700,
            attempts: 1,
            last_error: None,
        });
        let json = serde_json::to_value(view_of(d, None, None)).unwrap();
        assert_eq!(json["result"]["method"], "online");
        assert_eq!(json["result"]["content_type"], "application/octet-stream");
        assert_eq!(json["result"]["downloaded_bytes"], 700);
        assert!(json["result"]["document_id"].is_null());
    }

    #[test]
    fn the_catalog_names_the_procedure_and_its_time() {
        let dir = tempfile::tempdir().unwrap();
        let core = crate::Core::open_with(
            dir.path().into(),
            Box::new(crate::secrets::MemorySecrets::default()),
        )
        .unwrap();
        let p = core.catalog_show("passport-domestic").unwrap();
        let v = view_of(detail("received"), None, Some(&p));
        assert_eq!(v.procedure_name.as_deref(), Some(p.procedure.name.as_str()));
        assert_eq!(
            v.processing_text_en.as_deref(),
            Some(p.procedure.processing_time.text_en.as_str())
        );
        assert_eq!(v.working_days, p.procedure.processing_time.working_days);
    }
}
