//! After submission, without a network: events fill the fee, supplement, revision and result
//! rows exactly once; the supplement reopens only the named items; actions queue once, refuse
//! what the state does not allow, and settle when the server's event arrives; a resubmission
//! freezes the next revision with what changed.

use serde_json::json;

use dvc_protocol::dossiers::{DossierReceipt, DossierState, SupplementItem};
use dvc_protocol::events::{BankAccount, Event, EventKind, EventsPage, ResultDelivery};

use super::actions;
use super::db;
use crate::documents::{DocumentKind, DocumentMeta};
use crate::dossier::form::bundled_form;
use crate::dossier::{self, Queued};
use crate::secrets::MemorySecrets;
use crate::test_support::{self, ReadyPassport};
use crate::Core;

struct Fixture {
    _dir: tempfile::TempDir,
    core: Core,
    q: Queued,
    cursor: u32,
}

fn jpeg(tag: u8) -> Vec<u8> {
    test_support::jpeg_like(2_004, tag)
}

/// A sent passport dossier (receipt stored, cursor 5) with three real stored documents.
fn sent() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with(dir.path().into(), Box::new(MemorySecrets::default())).unwrap();
    let q = ReadyPassport::new().queue(&core).unwrap().queued;
    let store = core.store();
    // The first manifest as the runner froze it.
    let manifest = json!({
        "procedure_code": "1.001456",
        "agency_code": "000.30.27.H23",
        "form": {"full_name": "Trần Thị Mẫu"},
        "attachments": [],
        "delivery": {"method": "at_agency"}
    });
    db::freeze(
        store,
        &q.outbox_id,
        &manifest.to_string(),
        &[],
        0,
        None,
        &super::consent::Filing::Own,
    )
    .unwrap();
    db::mark_sent(
        store,
        &q.outbox_id,
        &q.dossier_id,
        &DossierReceipt {
            dossier_uuid: q.idempotency_key.clone(),
            code: "000.30.27.H23-261123-0001".into(),
            agency_code: "000.30.27.H23".into(),
            received_at: "2026-11-23T01:00:00Z".into(),
            event_cursor: "5".into(),
        },
    )
    .unwrap();
    Fixture {
        _dir: dir,
        core,
        q,
        cursor: 5,
    }
}

impl Fixture {
    fn id(&self) -> &str {
        &self.q.dossier_id
    }

    /// Applies one event (next cursor) and returns how many changed something.
    fn event(&mut self, state: DossierState, kind: EventKind) -> usize {
        self.cursor += 1;
        let e = Event {
            cursor: self.cursor.to_string(),
            dossier_uuid: self.q.idempotency_key.clone(),
            dossier_code: "000.30.27.H23-261123-0001".into(),
            state,
            at: format!("2026-11-23T02:00:{:02}Z", self.cursor % 60),
            event: kind,
        };
        self.replay(&e)
    }

    fn replay(&self, e: &Event) -> usize {
        db::apply_events(
            self.core.store(),
            &EventsPage {
                events: vec![e.clone()],
                next_cursor: e.cursor.clone(),
                more: false,
            },
        )
        .unwrap()
    }

    fn last_event(&self, state: DossierState, kind: EventKind) -> Event {
        Event {
            cursor: self.cursor.to_string(),
            dossier_uuid: self.q.idempotency_key.clone(),
            dossier_code: "000.30.27.H23-261123-0001".into(),
            state,
            at: format!("2026-11-23T02:00:{:02}Z", self.cursor % 60),
            event: kind,
        }
    }

    fn pending(&self) -> Vec<db::ActionRow> {
        self.core.store().read(db::pending_actions).unwrap()
    }
}

fn fee() -> EventKind {
    EventKind::FeeRequested {
        amount_vnd: 200_000,
        bank: BankAccount {
            bank_bin: "970415".into(),
            account_number: "113366668888".into(),
            account_name: "CO QUAN THU NGHIEM".into(),
        },
        transfer_note: "000.30.27.H23-261123-0001".into(),
    }
}

#[test]
fn fee_request_is_kept_and_claim_settles() {
    let mut f = sent();
    assert_eq!(f.core.dossier_fee(f.id()).unwrap(), None);
    // No fee due yet: the claim is refused with a key.
    let e = actions::claim_payment(&f.core, f.id()).unwrap_err();
    assert_eq!(e.message_key(), "dossier.no_fee_due");
    assert_eq!(f.event(DossierState::FeeRequested, fee()), 1);
    let fr = f
        .core
        .store()
        .read(|c| db::fee_request(c, &f.q.dossier_id))
        .unwrap()
        .unwrap();
    assert_eq!(fr.amount_vnd, 200_000);
    assert_eq!(fr.bank_bin, "970415");
    assert_eq!(fr.account_number, "113366668888");
    assert_eq!(fr.transfer_note, "000.30.27.H23-261123-0001");
    assert_eq!(
        (fr.claimed_at.as_deref(), fr.paid_at.as_deref()),
        (None, None)
    );
    // Pressing twice queues once.
    let a = actions::claim_payment(&f.core, f.id()).unwrap();
    assert!(!a.already_queued && a.action_id.is_some());
    let b = actions::claim_payment(&f.core, f.id()).unwrap();
    assert!(b.already_queued && b.action_id.is_none());
    let p = f.pending();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].body, r#"{"amount_vnd":200000}"#);
    let d = actions::dossier_detail(&f.core, f.id()).unwrap();
    assert_eq!(d.pending_label, Some("dossier.pending.payment_claim"));
    // The officer confirms before the claim went out: the claim is settled, not sent.
    f.event(DossierState::Paid, EventKind::Paid);
    assert!(f.pending().is_empty());
    let d = actions::dossier_detail(&f.core, f.id()).unwrap();
    assert!(d.fee.unwrap().paid_at.is_some());
    assert_eq!(d.pending_label, None);
    assert_eq!(d.tracked.state, "paid");
}

#[test]
fn supplement_reopens_only_the_named_items() {
    let mut f = sent();
    let form = bundled_form("passport-domestic").unwrap();
    // Sent and not reopened: read-only.
    let e = dossier::set_fields(
        f.core.store(),
        &form,
        f.id(),
        &[("phone".into(), json!("0987654321"))],
    )
    .unwrap_err();
    assert_eq!(e.message_key(), "dossier.read_only");
    f.event(
        DossierState::SupplementRequested,
        EventKind::SupplementRequested {
            note: "Ảnh chân dung bị mờ, chụp lại".into(),
            items: vec![
                SupplementItem::Attachment {
                    kind: "portrait".into(),
                },
                SupplementItem::Field {
                    name: "phone".into(),
                },
            ],
        },
    );
    let sup = f
        .core
        .store()
        .read(|c| db::supplement(c, &f.q.dossier_id))
        .unwrap()
        .unwrap();
    assert_eq!(sup.state, "open");
    assert_eq!(sup.base_revision, 1);
    assert_eq!(sup.items.len(), 2);
    // The named field and attachment may change …
    dossier::set_fields(
        f.core.store(),
        &form,
        f.id(),
        &[("phone".into(), json!("0987654321"))],
    )
    .unwrap();
    dossier::detach(f.core.store(), f.id(), "portrait", 0).unwrap();
    // … nothing else, and a mixed change is refused as a whole.
    let e = dossier::set_fields(
        f.core.store(),
        &form,
        f.id(),
        &[
            ("phone".into(), json!("0911111111")),
            ("ethnicity".into(), json!("Tày")),
        ],
    )
    .unwrap_err();
    assert_eq!(e.message_key(), "dossier.supplement_only");
    let e = dossier::detach(f.core.store(), f.id(), "cccd_front", 0).unwrap_err();
    assert_eq!(e.message_key(), "dossier.supplement_only");
    assert_eq!(
        dossier::delete(f.core.store(), f.id())
            .unwrap_err()
            .message_key(),
        "dossier.supplement_only"
    );
    let d = dossier::get(f.core.store(), f.id()).unwrap();
    assert_eq!(d.values["phone"], json!("0987654321"));
    assert_eq!(d.values["ethnicity"], json!("Kinh"));
    // Resubmitting an incomplete dossier is refused (the portrait is missing).
    let e = actions::resubmit(&f.core, f.id()).unwrap_err();
    assert_eq!(e.message_key(), "dossier.incomplete");
}

#[test]
fn resubmit_freezes_the_next_revision_with_what_changed_and_the_event_closes_it() {
    let mut f = sent();
    let form = bundled_form("passport-domestic").unwrap();
    f.event(
        DossierState::SupplementRequested,
        EventKind::SupplementRequested {
            note: "Chụp lại ảnh chân dung".into(),
            items: vec![SupplementItem::Attachment {
                kind: "portrait".into(),
            }],
        },
    );
    // Replace the portrait with a new photo.
    let person = dossier::get(f.core.store(), f.id())
        .unwrap()
        .applicant_id
        .unwrap();
    let new_photo = jpeg(99);
    let doc = f
        .core
        .store_document(
            &person,
            DocumentKind::Portrait,
            &new_photo,
            &DocumentMeta::default(),
        )
        .unwrap();
    dossier::detach(f.core.store(), f.id(), "portrait", 0).unwrap();
    f.core
        .draft_attach_document(f.id(), "portrait", &doc.0)
        .unwrap();
    // The first manifest the fixture froze is a stand-in; compare against a realistic one.
    let q = actions::resubmit(&f.core, f.id()).unwrap();
    assert_eq!(q.revision, Some(2));
    assert!(q
        .changed_attachments
        .as_ref()
        .unwrap()
        .contains(&"portrait".to_string()));
    // Now read-only again; a second resubmit has nothing open.
    assert_eq!(
        dossier::set_fields(
            f.core.store(),
            &form,
            f.id(),
            &[("phone".into(), json!("0987654321"))]
        )
        .unwrap_err()
        .message_key(),
        "dossier.read_only"
    );
    assert_eq!(
        actions::resubmit(&f.core, f.id())
            .unwrap_err()
            .message_key(),
        "dossier.no_supplement"
    );
    let p = f.pending();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].kind, "revision");
    assert_eq!(p[0].revision, Some(2));
    let m: dvc_protocol::dossiers::DossierManifest = serde_json::from_str(&p[0].body).unwrap();
    // Same procedure and agency as the first submission.
    assert_eq!(m.procedure_code, "1.001456");
    assert_eq!(m.agency_code, "000.30.27.H23");
    assert_eq!(m.attachments.len(), 3);
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&new_photo));
    assert!(m
        .attachments
        .iter()
        .any(|a| a.kind == "portrait" && a.sha256 == sha));
    assert_eq!(p[0].files.len(), 3);
    // The server's event stores the revision, closes the request and settles the action.
    f.event(
        DossierState::Received,
        EventKind::Resubmitted {
            revision: 2,
            changed_fields: vec![],
            changed_attachments: vec!["portrait".into()],
        },
    );
    assert!(f.pending().is_empty());
    let d = actions::dossier_detail(&f.core, f.id()).unwrap();
    assert_eq!(d.revision, 2);
    assert_eq!(d.revisions.len(), 1);
    assert_eq!(d.revisions[0].changed_attachments, vec!["portrait"]);
    assert_eq!(d.supplement.unwrap().state, "closed");
}

#[test]
fn whole_dossier_reopens_when_no_items_are_named() {
    let mut f = sent();
    let form = bundled_form("passport-domestic").unwrap();
    f.event(
        DossierState::SupplementRequested,
        EventKind::SupplementRequested {
            note: "Bổ sung".into(),
            items: vec![],
        },
    );
    dossier::set_fields(
        f.core.store(),
        &form,
        f.id(),
        &[("ethnicity".into(), json!("Tày"))],
    )
    .unwrap();
    dossier::detach(f.core.store(), f.id(), "cccd_back", 0).unwrap();
    // Submit and delete stay draft-only.
    let ctx = dossier::context(f.core.province_codes());
    assert_eq!(
        dossier::submit(f.core.store(), &form, f.id(), &ctx)
            .unwrap_err()
            .message_key(),
        "dossier.supplement_only"
    );
}

#[test]
fn cancel_and_rating_are_checked_queued_once_and_settled() {
    let mut f = sent();
    // Rating before completion is refused.
    assert_eq!(
        actions::rate(&f.core, f.id(), 5, None)
            .unwrap_err()
            .message_key(),
        "dossier.rating_not_allowed"
    );
    let a = actions::cancel(&f.core, f.id(), Some("  nộp nhầm ")).unwrap();
    assert!(!a.already_queued);
    assert!(
        actions::cancel(&f.core, f.id(), Some("nộp nhầm"))
            .unwrap()
            .already_queued
    );
    let p = f.pending();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].body, r#"{"reason":"nộp nhầm"}"#);
    assert_eq!(
        actions::dossier_detail(&f.core, f.id())
            .unwrap()
            .pending_label,
        Some("dossier.pending.cancel")
    );
    // Accepted meanwhile: a new cancel is refused locally; the queued one goes to the server,
    // which decides.
    f.event(DossierState::Accepted, EventKind::Accepted);
    assert_eq!(
        actions::cancel(&f.core, f.id(), None)
            .unwrap_err()
            .message_key(),
        "dossier.cancel_not_allowed"
    );
    assert_eq!(f.pending().len(), 1);
    // The server's cancelled event (e.g. from another phone) settles it.
    f.event(
        DossierState::Cancelled,
        EventKind::Cancelled {
            reason: Some("nộp nhầm".into()),
        },
    );
    assert!(f.pending().is_empty());

    let mut g = sent();
    g.event(DossierState::Accepted, EventKind::Accepted);
    g.event(
        DossierState::ResultReady,
        EventKind::ResultReady {
            result: ResultDelivery::Postal {
                carrier: "VNPost".into(),
                tracking_number: "EA123456789VN".into(),
            },
        },
    );
    g.event(DossierState::Completed, EventKind::Completed);
    for bad in [0u8, 6] {
        assert_eq!(
            actions::rate(&g.core, g.id(), bad, None)
                .unwrap_err()
                .message_key(),
            "dossier.rating_stars"
        );
    }
    let r = actions::rate(&g.core, g.id(), 5, Some("Nhanh, chu đáo")).unwrap();
    assert!(!r.already_queued);
    assert!(
        actions::rate(&g.core, g.id(), 5, Some("Nhanh, chu đáo"))
            .unwrap()
            .already_queued
    );
    assert_eq!(
        actions::rate(&g.core, g.id(), 4, None)
            .unwrap_err()
            .message_key(),
        "dossier.already_rated"
    );
    let d = actions::dossier_detail(&g.core, g.id()).unwrap();
    let rating = d.rating.unwrap();
    assert_eq!((rating.stars, rating.state.as_str()), (5, "pending"));
    let res = d.result.unwrap();
    assert_eq!(res.method, "postal");
    assert_eq!(res.carrier.as_deref(), Some("VNPost"));
    assert_eq!(res.tracking_number.as_deref(), Some("EA123456789VN"));
    // A postal result is nothing to download.
    assert!(g
        .core
        .store()
        .read(db::results_to_fetch)
        .unwrap()
        .is_empty());
}

#[test]
fn an_online_result_is_announced_once_and_a_replay_keeps_what_was_stored() {
    let mut f = sent();
    let sha = "ab".repeat(32);
    let ready = EventKind::ResultReady {
        result: ResultDelivery::Online {
            sha256: sha.clone(),
            content_type: "application/pdf".into(),
            size: 1234,
        },
    };
    f.event(DossierState::Accepted, EventKind::Accepted);
    assert_eq!(f.event(DossierState::ResultReady, ready.clone()), 1);
    let todo = f.core.store().read(db::results_to_fetch).unwrap();
    assert_eq!(todo.len(), 1);
    assert_eq!(
        (todo[0].sha256.as_str(), todo[0].size),
        (sha.as_str(), 1234)
    );
    // Partial bytes are kept in order and only at the end.
    assert!(db::append_download(f.core.store(), &sha, 0, b"%PDF-").unwrap());
    assert!(!db::append_download(f.core.store(), &sha, 2, b"xx").unwrap());
    assert!(db::append_download(f.core.store(), &sha, 5, b"1.7").unwrap());
    assert_eq!(db::downloaded(f.core.store(), &sha).unwrap(), b"%PDF-1.7");
    let info = f
        .core
        .store()
        .read(|c| db::result_info(c, &f.q.dossier_id))
        .unwrap()
        .unwrap();
    assert_eq!(info.downloaded_bytes, 8);
    // Mark it stored, then replay the event: nothing changes.
    f.core
        .store()
        .write(|tx| {
            tx.execute(
                "UPDATE dossier_result SET document_id = 'doc-1' WHERE dossier_id = ?1",
                [&f.q.dossier_id],
            )
        })
        .unwrap();
    let e = f.last_event(DossierState::ResultReady, ready);
    assert_eq!(f.replay(&e), 0);
    assert!(f
        .core
        .store()
        .read(db::results_to_fetch)
        .unwrap()
        .is_empty());
}

#[test]
fn result_documents_are_stored_once_per_claim() {
    let f = sent();
    let person = dossier::get(f.core.store(), f.id())
        .unwrap()
        .applicant_id
        .unwrap();
    let pdf = b"%PDF-1.7 synthetic result".to_vec();
    let first = f
        .core
        .store_document_once(
            &person,
            DocumentKind::Result,
            &pdf,
            &DocumentMeta::default(),
            |_, _| Ok(true),
        )
        .unwrap();
    assert!(first.is_some());
    let second = f
        .core
        .store_document_once(
            &person,
            DocumentKind::Result,
            &pdf,
            &DocumentMeta::default(),
            |_, _| Ok(false),
        )
        .unwrap();
    assert!(second.is_none());
    let docs = f.core.list_documents(&person).unwrap();
    let results: Vec<_> = docs
        .iter()
        .filter(|d| d.kind == DocumentKind::Result)
        .collect();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].media_type, "application/pdf");
    assert_eq!(DocumentKind::parse("result").unwrap(), DocumentKind::Result);
}

#[test]
fn drafts_and_unknown_dossiers_take_no_actions() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with(dir.path().into(), Box::new(MemorySecrets::default())).unwrap();
    let form = bundled_form("passport-domestic").unwrap();
    let d = dossier::create(core.store(), &form, None, None, &Default::default()).unwrap();
    // A draft is deleted, not cancelled; a claim has nothing to refer to.
    assert_eq!(
        actions::cancel(&core, &d.id, None)
            .unwrap_err()
            .message_key(),
        "dossier.not_submitted"
    );
    assert_eq!(
        actions::claim_payment(&core, &d.id)
            .unwrap_err()
            .message_key(),
        "dossier.not_sent"
    );
    assert!(actions::cancel(&core, "no-such", None).is_err());
}

#[test]
fn papers_the_agency_keeps_are_listed_once_and_leave_the_state() {
    let mut f = sent();
    assert!(f.core.dossier_agency_papers(f.id()).unwrap().is_empty());
    let timeline_before = db::tracked(f.core.store(), f.id()).unwrap().timeline.len();
    let paper = |kind: &str, pages: u32| EventKind::PaperKept {
        kind: kind.into(),
        pages,
        sha256: "ab".repeat(32),
        content_type: "application/pdf".into(),
        size: 12_345,
    };
    assert_eq!(
        f.event(DossierState::Received, paper("identity_card", 2)),
        1
    );
    let first = f.last_event(DossierState::Received, paper("identity_card", 2));
    assert_eq!(
        f.event(DossierState::Received, paper("birth_certificate", 1)),
        1
    );
    // A page applied again stores nothing twice.
    assert_eq!(f.replay(&first), 0);
    let papers = f.core.dossier_agency_papers(f.id()).unwrap();
    let got: Vec<(&str, u32, u32)> = papers
        .iter()
        .map(|p| (p.kind.as_str(), p.pages, p.size))
        .collect();
    assert_eq!(
        got,
        [
            ("identity_card", 2, 12_345),
            ("birth_certificate", 1, 12_345)
        ]
    );
    assert_eq!(papers[0].added_at, "2026-11-23T02:00:06Z");
    // Not a step of the handling: the timeline and the state are as they were.
    let t = db::tracked(f.core.store(), f.id()).unwrap();
    assert_eq!(t.timeline.len(), timeline_before);
    assert_eq!(
        t.timeline.iter().filter(|e| e.kind == "paper_kept").count(),
        0
    );
    // The next real step still applies.
    assert_eq!(f.event(DossierState::Accepted, EventKind::Accepted), 1);
    assert_eq!(
        db::tracked(f.core.store(), f.id()).unwrap().timeline.len(),
        timeline_before + 1
    );
}
