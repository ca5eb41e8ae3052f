//! `dvc dossier list|show|retry|pay-qr|cancel|pay-claim|rate|resubmit|lookup|claim` — sent dossiers and what
//! the applicant does after submission. `show` prints the same view the app's screens show
//! ([`dvc_core::dossier::view`]); the actions are queued on this device and sent by `dvc sync`.

use clap::Subcommand;

use dvc_core::dossier::view::{ActionState, DossierView, PendingState, ResultView};

use crate::sync::sync_err;
use crate::{out, CliError, Ctx};

#[derive(Debug, Subcommand)]
pub enum DossierCmd {
    /// Every dossier with its sync state and code (--for: one person's, by person id).
    List {
        #[arg(long = "for", value_name = "PERSON")]
        for_person: Option<String>,
    },
    /// One dossier: code, state, fee, supplement, result, rating, pending actions and timeline.
    Show { id: String },
    /// Put a quarantined dossier (and its set-aside actions) back in the queue.
    Retry { id: String },
    /// The VietQR payload for paying the dossier's latest fee request.
    PayQr {
        id: String,
        /// Also write the QR code as an SVG file.
        #[arg(long, value_name = "FILE")]
        svg: Option<std::path::PathBuf>,
    },
    /// Withdraw a dossier the agency has not accepted yet (queued; sent by `dvc sync`).
    Cancel {
        id: String,
        /// Reason shown to the officer.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Tell the agency the fee was transferred ("Tôi đã chuyển khoản").
    PayClaim { id: String },
    /// Rate a completed dossier, once.
    Rate {
        id: String,
        /// 1 to 5.
        #[arg(long)]
        stars: u8,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Send the dossier corrected after a supplement request as its next revision.
    Resubmit { id: String },
    /// "Tra cứu hồ sơ": any dossier's state and timeline by its code, signed in or not.
    Lookup {
        /// The dossier code from the receipt, e.g. 000.30.27.H23-260101-0001.
        code: String,
        /// The last 4 digits of the applicant's ID number, or the phone it was filed with.
        #[arg(long)]
        factor: String,
        /// The sync server to ask (default: the one this device uses).
        #[arg(long, value_name = "URL")]
        server: Option<String>,
    },
    /// "Thêm vào Hồ sơ của tôi": add a looked-up dossier that names this account (its phone or
    /// registered ID number) to the signed-in citizen's own list.
    Claim {
        /// The dossier code from the receipt.
        code: String,
        /// The last 4 digits of the applicant's ID number, or the phone it was filed with.
        #[arg(long)]
        factor: String,
    },
}

pub fn run(ctx: &Ctx, cmd: DossierCmd) -> Result<(), CliError> {
    let core = ctx.open()?;
    match cmd {
        DossierCmd::List { for_person } => {
            let mut list = core.tracked_dossiers().map_err(sync_err)?;
            if let Some(p) = for_person {
                core.person(&p)?;
                let theirs: std::collections::HashSet<String> = core
                    .draft_list()?
                    .into_iter()
                    .filter(|d| d.applicant_id.as_deref() == Some(p.as_str()))
                    .map(|d| d.id)
                    .collect();
                list.retain(|d| theirs.contains(&d.id));
            }
            out::print(ctx, &list, |l| {
                l.iter()
                    .map(|d| {
                        let by = d
                            .provenance
                            .filed_by
                            .as_deref()
                            .map(|b| format!("\tnộp hộ bởi {b}"))
                            .unwrap_or_default();
                        format!(
                            "{}\t{}\t{}\t{}{by}",
                            d.id,
                            d.procedure_id,
                            d.state,
                            d.code.as_deref().unwrap_or("-")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        DossierCmd::Show { id } => {
            let v = core.dossier_view(&id).map_err(sync_err)?;
            out::print(ctx, &v, human)
        }
        DossierCmd::Cancel { id, reason } => {
            let q = core
                .dossier_cancel(&id, reason.as_deref())
                .map_err(sync_err)?;
            print_queued(ctx, &q)
        }
        DossierCmd::PayClaim { id } => {
            let q = core.dossier_claim_payment(&id).map_err(sync_err)?;
            print_queued(ctx, &q)
        }
        DossierCmd::Rate { id, stars, comment } => {
            let q = core
                .dossier_rate(&id, stars, comment.as_deref())
                .map_err(sync_err)?;
            print_queued(ctx, &q)
        }
        DossierCmd::Resubmit { id } => {
            let q = core.dossier_resubmit(&id).map_err(sync_err)?;
            print_queued(ctx, &q)
        }
        DossierCmd::Retry { id } => {
            let requeued = core.sync_retry(&id).map_err(sync_err)?;
            out::print(ctx, &serde_json::json!({ "requeued": requeued }), |_| {
                if requeued {
                    "requeued"
                } else {
                    "nothing to retry"
                }
                .to_string()
            })
        }
        DossierCmd::PayQr { id, svg } => crate::vietqr::pay_qr(ctx, &core, &id, svg),
        DossierCmd::Lookup {
            code,
            factor,
            server,
        } => {
            let rt = crate::sync::runtime()?;
            let found = rt
                .block_on(core.dossier_lookup(server.as_deref(), &code, &factor))
                .map_err(lookup_err)?;
            out::print(ctx, &found, lookup_human)
        }
        DossierCmd::Claim { code, factor } => {
            let rt = crate::sync::runtime()?;
            let claimed = rt
                .block_on(core.dossier_claim(&code, &factor))
                .map_err(lookup_err)?;
            out::print(ctx, &claimed, |c| {
                format!(
                    "{}\t{}",
                    c.dossier.code,
                    if c.added {
                        "đã thêm vào Hồ sơ của tôi (added to my dossiers)"
                    } else {
                        "đã có trong Hồ sơ của tôi (already in my dossiers)"
                    }
                )
            })
        }
    }
}

/// A failed lookup in plain words (Vietnamese, then English); "not found" and "wait" exit 1.
fn lookup_err(e: dvc_core::sync::SyncError) -> CliError {
    use dvc_core::sync::lookup::{NOT_FOUND, NOT_YOURS, RATE_LIMITED};
    use dvc_core::sync::SyncError;
    match &e {
        SyncError::Refused { code, .. } if code == NOT_FOUND => CliError::Failed(format!(
            "Không tìm thấy hồ sơ với mã và thông tin xác minh này \
             (no dossier with this code and second factor) [{code}]"
        )),
        SyncError::Refused { code, .. } if code == RATE_LIMITED => CliError::Failed(format!(
            "Bạn tra cứu quá nhiều lần; hãy đợi rồi thử lại \
             (too many lookups: wait and try again) [{code}]"
        )),
        SyncError::Refused { code, .. } if code == NOT_YOURS => CliError::Failed(format!(
            "Hồ sơ này không ghi số điện thoại hay số căn cước của tài khoản đang đăng nhập \
             (the dossier does not name this account) [{code}]"
        )),
        SyncError::NotSignedIn => CliError::BadInput(
            "Chưa có địa chỉ máy chủ hoặc chưa đăng nhập: thêm --server URL, hoặc `dvc sync login` \
             (no sync server configured, or not signed in)"
                .into(),
        ),
        _ => sync_err(e),
    }
}

/// The human text of `dvc dossier lookup`: the header, then one line per step.
fn lookup_human(r: &dvc_protocol::lookup::LookupResult) -> String {
    let state = serde_json::to_value(r.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut s = format!(
        "{}\t{}\t{}\t{}{}",
        r.code,
        r.procedure_code,
        r.agency_code,
        state,
        if r.mine { "\tcủa tôi (mine)" } else { "" }
    );
    for step in &r.timeline {
        s.push_str(&format!("\n  {}\t{}", step.at, step.kind));
        if let Some(a) = step.amount_vnd {
            s.push_str(&format!("\t{a} VND"));
        }
    }
    s
}

/// The human text of `dvc dossier show`: one header line, then one line per part.
fn human(v: &DossierView) -> String {
    let mut s = format!(
        "{}\t{}\t{}\trevision {}",
        v.dossier_id,
        v.state.as_str(),
        v.code.as_deref().unwrap_or("-"),
        v.revision
    );
    if let Some(f) = &v.fee {
        let claim = if f.paid {
            ", paid"
        } else {
            match f.claim {
                ActionState::Sent => ", transfer reported",
                ActionState::Queued => ", transfer report queued",
                ActionState::None => "",
            }
        };
        s.push_str(&format!(
            "\nfee: {} VND to {} {} ({}), note {:?}{claim}",
            f.amount_vnd, f.bank_bin, f.account_number, f.account_name, f.transfer_note,
        ));
    }
    if let Some(sup) = &v.supplement {
        let state = match sup.resubmit {
            ActionState::None => "open",
            ActionState::Queued => "resubmission queued",
            ActionState::Sent => "resubmitted",
        };
        s.push_str(&format!(
            "\nsupplement ({state}): {} item(s): {}",
            sup.items.len(),
            sup.note
        ));
    }
    match &v.result {
        Some(ResultView::Online {
            document_id: Some(doc),
            ..
        }) => s.push_str(&format!("\nresult: document {doc}")),
        Some(ResultView::Online {
            downloaded_bytes,
            size,
            ..
        }) => s.push_str(&format!(
            "\nresult: downloading ({downloaded_bytes} of {size} bytes held)"
        )),
        Some(ResultView::Postal {
            carrier,
            tracking_number,
            ..
        }) => s.push_str(&format!("\nresult: by post, {carrier} {tracking_number}")),
        None => {}
    }
    if let Some(r) = &v.rating {
        let state = match r.state {
            ActionState::Sent => "sent",
            _ => "queued",
        };
        s.push_str(&format!("\nrating: {} star(s) ({state})", r.stars));
    }
    for a in &v.pending_actions {
        let state = match a.state {
            PendingState::Pending => "pending",
            PendingState::Quarantined => "set aside",
        };
        s.push_str(&format!(
            "\naction {} {state}{}",
            a.kind.as_str(),
            a.last_error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ));
    }
    for e in &v.timeline {
        s.push_str(&format!("\n  {}\t{}\t{}", e.at, e.kind, e.state));
    }
    s
}

fn print_queued(ctx: &Ctx, q: &dvc_core::sync::ActionQueued) -> Result<(), CliError> {
    out::print(ctx, q, |q| {
        let what = if q.already_queued {
            "already queued"
        } else {
            "queued; run `dvc sync` to send it"
        };
        match q.revision {
            Some(r) => format!("{} revision {r}: {what}", q.kind.as_str()),
            None => format!("{}: {what}", q.kind.as_str()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dvc_core::dossier::view::{FeeView, PendingAction, ShownState};
    use dvc_core::sync::decide::ActionKind;
    use dvc_protocol::dossiers::DossierState;

    fn view() -> DossierView {
        DossierView {
            provenance: Default::default(),
            dossier_id: "d1".into(),
            code: Some("000.00.00.H00-261123-0001".into()),
            state: ShownState::Server(DossierState::FeeRequested),
            procedure_id: "passport-domestic".into(),
            procedure_name: None,
            procedure_name_en: None,
            agency_code: None,
            agency_name: None,
            submitted_at: None,
            received_at: None,
            updated_at: "2026-11-23T04:00:00Z".into(),
            quarantine_reason: None,
            working_days: None,
            processing_text: None,
            processing_text_en: None,
            code_qr_svg: None,
            revision: 1,
            revisions: vec![],
            fee: Some(FeeView {
                amount_vnd: 200_000,
                bank_bin: "970415".into(),
                account_number: "113000000001".into(),
                account_name: "CONG AN TINH MAU".into(),
                transfer_note: "000.00.00.H00-261123-0001".into(),
                requested_at: "2026-11-23T04:00:00Z".into(),
                qr_payload: None,
                qr_svg: None,
                claim: ActionState::Queued,
                paid: false,
            }),
            supplement: None,
            result: Some(ResultView::Postal {
                carrier: "VNPost".into(),
                tracking_number: "EA123456789VN".into(),
                ready_at: "2026-11-28T08:00:00Z".into(),
            }),
            rating: None,
            can_cancel: true,
            cancel: ActionState::None,
            pending_actions: vec![PendingAction {
                id: "a1".into(),
                kind: ActionKind::PaymentClaim,
                state: PendingState::Quarantined,
                revision: None,
                attempts: 2,
                last_error: Some("sync.reason.invalid_transition".into()),
                created_at: "2026-11-23T05:00:00Z".into(),
            }],
            pending_label: None,
            timeline: vec![],
        }
    }

    #[test]
    fn the_text_names_each_part_of_the_view() {
        let text = human(&view());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "d1\tfee_requested\t000.00.00.H00-261123-0001\trevision 1"
        );
        assert!(lines[1].starts_with("fee: 200000 VND to 970415 113000000001"));
        assert!(lines[1].ends_with(", transfer report queued"));
        assert_eq!(lines[2], "result: by post, VNPost EA123456789VN");
        assert_eq!(
            lines[3],
            "action payment_claim set aside (sync.reason.invalid_transition)"
        );
        assert_eq!(lines.len(), 4);
    }
}
