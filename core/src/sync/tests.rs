//! The sync rows on an in-memory store: receipts, events, quarantine, the tracked view.

use dvc_protocol::dossiers::{DossierReceipt, DossierState};
use dvc_protocol::events::{Event, EventKind, EventsPage};

use super::db;
use crate::dossier::{self, Queued};
use crate::store::Store;
use crate::test_support::ReadyPassport;

fn queued(store: &Store) -> Queued {
    ReadyPassport::new().queue_in_store(store).unwrap()
}

fn receipt(q: &Queued, cursor: &str) -> DossierReceipt {
    DossierReceipt {
        dossier_uuid: q.idempotency_key.clone(),
        code: "000.30.27.H23-261123-0001".into(),
        agency_code: "000.30.27.H23".into(),
        received_at: "2026-11-23T01:00:00Z".into(),
        event_cursor: cursor.into(),
    }
}

fn event(q: &Queued, cursor: &str, state: DossierState, kind: EventKind) -> Event {
    Event {
        cursor: cursor.into(),
        dossier_uuid: q.idempotency_key.clone(),
        dossier_code: "000.30.27.H23-261123-0001".into(),
        state,
        at: "2026-11-23T02:00:00Z".into(),
        event: kind,
    }
}

#[test]
fn receipt_marks_done_with_code_in_one_step_and_only_once() {
    let store = Store::open_in_memory().unwrap();
    let q = queued(&store);
    assert_eq!(db::tracked(&store, &q.dossier_id).unwrap().state, "queued");
    assert!(db::mark_sent(&store, &q.outbox_id, &q.dossier_id, &receipt(&q, "5")).unwrap());
    // A repeated receipt (the same PUT answered twice) changes nothing.
    assert!(!db::mark_sent(&store, &q.outbox_id, &q.dossier_id, &receipt(&q, "5")).unwrap());
    assert!(dossier::outbox_pending(&store).unwrap().is_empty());
    let t = db::tracked(&store, &q.dossier_id).unwrap();
    assert_eq!(t.state, "received");
    assert_eq!(t.code.as_deref(), Some("000.30.27.H23-261123-0001"));
    assert_eq!(t.timeline.len(), 1);
    assert_eq!(db::outbox_counts(&store).unwrap(), (0, 1, 0));
}

#[test]
fn events_apply_once_and_move_the_cursor() {
    let store = Store::open_in_memory().unwrap();
    let q = queued(&store);
    db::note_submitted(&store, &q.dossier_id, "2026-11-23T00:00:00Z").unwrap();
    db::mark_sent(&store, &q.outbox_id, &q.dossier_id, &receipt(&q, "5")).unwrap();
    let page = EventsPage {
        events: vec![
            // The received event again (its cursor is the receipt's): stored once.
            event(&q, "5", DossierState::Received, EventKind::Received),
            event(&q, "7", DossierState::Accepted, EventKind::Accepted),
            Event {
                dossier_uuid: "someone-elses".into(),
                ..event(&q, "8", DossierState::Accepted, EventKind::Accepted)
            },
            event(
                &q,
                "9",
                DossierState::SupplementRequested,
                EventKind::SupplementRequested {
                    note: "Ảnh chân dung bị mờ".into(),
                    items: vec![],
                },
            ),
        ],
        next_cursor: "9".into(),
        more: false,
    };
    assert_eq!(db::apply_events(&store, &page).unwrap(), 2);
    assert_eq!(db::cursor(&store).unwrap().as_deref(), Some("9"));
    // Replaying the page (a lost answer) adds nothing.
    assert_eq!(db::apply_events(&store, &page).unwrap(), 0);
    let t = db::tracked(&store, &q.dossier_id).unwrap();
    assert_eq!(t.state, "supplement_requested");
    let kinds: Vec<&str> = t.timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["submitted", "received", "accepted", "supplement_requested"]
    );
    assert_eq!(
        t.timeline[3].detail.as_ref().unwrap()["note"],
        "Ảnh chân dung bị mờ"
    );
}

#[test]
fn quarantine_keeps_the_reason_and_retry_requeues() {
    let store = Store::open_in_memory().unwrap();
    let q = queued(&store);
    let other = queued(&store);
    db::quarantine(&store, &q.outbox_id, &q.dossier_id, "sync.reason.conflict").unwrap();
    let t = db::tracked(&store, &q.dossier_id).unwrap();
    assert_eq!(t.state, "quarantined");
    assert_eq!(t.quarantine_reason.as_deref(), Some("sync.reason.conflict"));
    // The other dossier is still pending.
    let pending = dossier::outbox_pending(&store).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].dossier_id, other.dossier_id);
    assert!(db::requeue(&store, &q.dossier_id).unwrap());
    assert_eq!(dossier::outbox_pending(&store).unwrap().len(), 2);
    assert_eq!(db::tracked(&store, &q.dossier_id).unwrap().state, "queued");
}

#[test]
fn frozen_manifest_is_kept_from_the_first_build() {
    let store = Store::open_in_memory().unwrap();
    let q = queued(&store);
    let files = vec![db::FileRef {
        document_id: "doc".into(),
        sha256: "cd".repeat(32),
        size: 3,
    }];
    assert!(db::freeze(
        &store,
        &q.outbox_id,
        "{\"a\":1}",
        &files,
        3,
        None,
        &super::consent::Filing::Own
    )
    .unwrap());
    assert!(db::freeze(
        &store,
        &q.outbox_id,
        "{\"a\":2}",
        &[],
        0,
        None,
        &super::consent::Filing::Own
    )
    .unwrap());
    let (m, f, p) = db::frozen(&store, &q.outbox_id).unwrap().unwrap();
    assert_eq!(m, "{\"a\":1}");
    assert_eq!(f, files);
    assert_eq!(p, 3);
}

#[test]
fn each_server_and_account_has_its_own_cursor() {
    let store = Store::open_in_memory().unwrap();
    db::signed_in(&store, "https://a.example", "acc", "citizen", "090****001").unwrap();
    db::set_cursor(&store, "42").unwrap();
    db::signed_in(&store, "https://a.example", "acc", "citizen", "").unwrap();
    assert_eq!(db::cursor(&store).unwrap().as_deref(), Some("42"));
    // Another server: its own feed, from the beginning.
    db::signed_in(&store, "https://b.example", "acc", "citizen", "").unwrap();
    assert!(db::cursor(&store).unwrap().is_none());
    // Another account on the first server: from the beginning, not from A's 42.
    db::signed_in(&store, "https://a.example", "other", "citizen", "B").unwrap();
    assert!(db::cursor(&store).unwrap().is_none());
    db::set_cursor(&store, "7").unwrap();
    // Back to the first: its cursor kept, and its label too (an empty one changes nothing).
    db::signed_in(&store, "https://a.example", "acc", "citizen", "").unwrap();
    assert_eq!(db::cursor(&store).unwrap().as_deref(), Some("42"));
    let label: String = store
        .read(|c| -> crate::Result<String> {
            Ok(c.query_row(
                "SELECT label FROM sync_accounts WHERE account_id = 'acc' AND server = 'https://a.example'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(label, "090****001");
}

#[test]
fn entries_wait_for_the_account_they_were_queued_under() {
    let store = Store::open_in_memory().unwrap();
    // Queued while signed out: nobody's yet.
    let free = queued(&store);
    db::signed_in(&store, "https://a.example", "A", "citizen", "090****001").unwrap();
    let of_a = queued(&store);
    assert_eq!(db::outbox_for(&store, "A").unwrap().len(), 2);
    db::signed_out(&store).unwrap();
    db::signed_in(&store, "https://a.example", "B", "citizen", "Chị B").unwrap();
    // B may send the unclaimed entry, never A's.
    let for_b: Vec<String> = db::outbox_for(&store, "B")
        .unwrap()
        .into_iter()
        .map(|q| q.outbox_id)
        .collect();
    assert_eq!(for_b, vec![free.outbox_id.clone()]);
    // Freezing claims it for B in the same transaction; A's entry cannot be frozen by B.
    assert!(db::freeze(
        &store,
        &free.outbox_id,
        "{}",
        &[],
        0,
        Some("B"),
        &super::consent::Filing::Own
    )
    .unwrap());
    assert!(!db::freeze(
        &store,
        &of_a.outbox_id,
        "{}",
        &[],
        0,
        Some("B"),
        &super::consent::Filing::Own
    )
    .unwrap());
    assert!(db::frozen(&store, &of_a.outbox_id).unwrap().is_none());
    assert!(!db::claim(&store, &of_a.outbox_id, "B").unwrap());
    assert!(db::outbox_for(&store, "A")
        .unwrap()
        .iter()
        .all(|q| q.outbox_id == of_a.outbox_id));
    // The list says plainly whose sign-in A's dossier waits for (a label, no ID number).
    let t = db::tracked(&store, &of_a.dossier_id).unwrap();
    assert_eq!(t.state, "queued");
    assert_eq!(
        t.waiting_reason.as_deref(),
        Some(super::decide::reason::OTHER_ACCOUNT)
    );
    assert_eq!(t.waiting_for.as_deref(), Some("090****001"));
    let t = db::tracked(&store, &free.dossier_id).unwrap();
    assert!(t.waiting_for.is_none());
    // A back: nothing waits for anyone else.
    db::signed_in(&store, "https://a.example", "A", "citizen", "").unwrap();
    assert!(db::tracked(&store, &of_a.dossier_id)
        .unwrap()
        .waiting_for
        .is_none());
}

#[test]
fn account_labels_never_show_the_whole_number() {
    use super::account::account_label;
    assert_eq!(account_label("0900000001", None), "090****001");
    assert_eq!(account_label("0900000001", Some("  ")), "090****001");
    assert_eq!(account_label("0900000001", Some("Chị Lan")), "Chị Lan");
    assert_eq!(account_label("canbo.demo", None), "ca****");
}
