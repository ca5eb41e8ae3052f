//! Hand-off between two phones (two data directories) without a network: what arrives is what
//! left, a sent dossier stays linked to the server, and every damaged, truncated, foreign or
//! replayed bundle leaves the citizen's phone exactly as it was.

use std::collections::BTreeMap;

use serde_json::json;

use dvc_protocol::dossiers::{DossierReceipt, DossierState, SupplementItem};
use dvc_protocol::events::{BankAccount, Event, EventKind, EventsPage};

use super::payload::{self, Payload};
use super::*;
use crate::documents::{DocumentKind, DocumentMeta};
use crate::dossier::Queued;
use crate::photo::synth;
use crate::secrets::MemorySecrets;
use crate::sync::{actions, db};
use crate::test_support::{self, applicant, jpeg_like, ReadyPassport};

const CODE: &str = "000.30.27.H23-261123-0001";
const AGENCY: &str = "000.30.27.H23";

fn phone() -> (tempfile::TempDir, Core) {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open_with(dir.path().into(), Box::new(MemorySecrets::default())).unwrap();
    (dir, core)
}

/// Row counts of everything an import may write, and the number of document files.
fn footprint(core: &Core) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for t in [
        "people",
        "documents",
        "dossiers",
        "dossier_values",
        "dossier_attachments",
        "dossier_remote",
        "dossier_timeline",
        "dossier_supplement",
        "dossier_revisions",
        "dossier_fee",
        "dossier_result",
        "handoff_imports",
        "handoff_dossiers",
    ] {
        let n: i64 = core
            .store()
            .read(|c| c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0)))
            .unwrap();
        out.insert(t.to_string(), n);
    }
    let files = std::fs::read_dir(core.data_dir().join(documents::DOC_DIR))
        .map(|d| d.count())
        .unwrap_or(0);
    out.insert("files".into(), files as i64);
    out
}

/// Applies one server event to a dossier (as the sync runner does).
fn event(core: &Core, uuid: &str, cursor: u32, state: DossierState, kind: EventKind) -> usize {
    let e = Event {
        cursor: cursor.to_string(),
        dossier_uuid: uuid.to_string(),
        dossier_code: CODE.into(),
        state,
        at: format!("2026-11-23T02:00:{:02}Z", cursor % 60),
        event: kind,
    };
    db::apply_events(
        core.store(),
        &EventsPage {
            events: vec![e],
            next_cursor: cursor.to_string(),
            more: false,
        },
    )
    .unwrap()
}

/// Marks a queued dossier sent (manifest frozen, receipt stored at cursor 5).
fn send(core: &Core, q: &Queued) {
    let manifest = json!({
        "procedure_code": "1.001456",
        "agency_code": AGENCY,
        "form": {"full_name": test_support::NAME},
        "attachments": [],
        "delivery": {"method": "at_agency"}
    });
    db::freeze(
        core.store(),
        &q.outbox_id,
        &manifest.to_string(),
        &[],
        0,
        None,
        &crate::sync::consent::Filing::Own,
    )
    .unwrap();
    assert!(db::mark_sent(
        core.store(),
        &q.outbox_id,
        &q.dossier_id,
        &DossierReceipt {
            dossier_uuid: q.idempotency_key.clone(),
            code: CODE.into(),
            agency_code: AGENCY.into(),
            received_at: "2026-11-23T01:00:00Z".into(),
            event_cursor: "5".into(),
        },
    )
    .unwrap());
}

/// The volunteer's phone with the synthetic citizen: two papers of their own (a real photo with
/// dates, a PDF-like file), a draft prefilled from the profile, and a passport dossier the server
/// received, asked a supplement and a fee for.
struct Volunteer {
    _dir: tempfile::TempDir,
    core: Core,
    person: String,
    draft: String,
    sent: Queued,
}

fn volunteer() -> Volunteer {
    let (dir, core) = phone();
    let person = core.add_person(&applicant()).unwrap().id;
    let photo = synth::jpeg(&synth::card(64, 48, 0.5), 80, None);
    core.store_document(
        &person,
        DocumentKind::CccdFront,
        &photo,
        &DocumentMeta {
            issue_date: Some("2021-04-01".into()),
            expiry_date: Some("2036-04-01".into()),
        },
    )
    .unwrap();
    let mut pdf = b"%PDF-1.4 synthetic birth certificate ".to_vec();
    pdf.extend(jpeg_like(500, 9));
    core.store_document(
        &person,
        DocumentKind::BirthCertificate,
        &pdf,
        &DocumentMeta::default(),
    )
    .unwrap();
    let draft = core
        .draft_new(test_support::PASSPORT_FORM, Some(&person))
        .unwrap()
        .id;
    core.draft_set(&draft, &[("request_type".into(), json!("first"))])
        .unwrap();
    let sent = ReadyPassport::new()
        .person(&person)
        .queue(&core)
        .unwrap()
        .queued;
    send(&core, &sent);
    let uuid = sent.idempotency_key.clone();
    event(
        &core,
        &uuid,
        6,
        DossierState::SupplementRequested,
        EventKind::SupplementRequested {
            note: "Ảnh chân dung bị mờ, chụp lại".into(),
            items: vec![SupplementItem::Attachment {
                kind: "portrait".into(),
            }],
        },
    );
    event(
        &core,
        &uuid,
        7,
        DossierState::FeeRequested,
        EventKind::FeeRequested {
            amount_vnd: 200_000,
            bank: BankAccount {
                bank_bin: "970415".into(),
                account_number: "113366668888".into(),
                account_name: "CO QUAN THU NGHIEM".into(),
            },
            transfer_note: CODE.into(),
        },
    );
    Volunteer {
        _dir: dir,
        core,
        person,
        draft,
        sent,
    }
}

#[test]
fn a_person_arrives_whole_on_the_citizens_phone() {
    let v = volunteer();
    let b = v.core.handoff_export(&v.person).unwrap();
    assert_eq!(
        b.summary.documents, 5,
        "two papers and the sent dossier's three"
    );
    assert_eq!(b.summary.dossiers, 2);
    assert_eq!(b.summary.bytes, b.file.len() as u64);
    assert!(
        format!("{b:?}").find(&b.summary.key).is_none(),
        "Debug shows the key"
    );
    // The file holds nothing readable of the person.
    for needle in [test_support::NAME, test_support::ID_NUMBER] {
        assert!(!b.file.windows(needle.len()).any(|w| w == needle.as_bytes()));
    }

    let (_cdir, citizen) = phone();
    let r = citizen.handoff_import(&b.file, &b.summary.key).unwrap();
    assert_eq!(
        r,
        HandoffImported {
            bundle_id: b.summary.bundle_id.clone(),
            person_id: v.person.clone(),
            imported: true,
            already_imported: false,
            documents: 5,
            dossiers: 2,
        }
    );

    // The profile.
    let there = v.core.person(&v.person).unwrap();
    let here = citizen.person(&v.person).unwrap();
    assert_eq!(person_input(&here.person), person_input(&there.person));
    assert!(here.households.is_empty());
    // The papers: same ids, kinds, dates and bytes.
    assert_eq!(here.documents.len(), there.documents.len());
    for (h, t) in here.documents.iter().zip(&there.documents) {
        assert_eq!(
            (
                &h.id,
                h.kind,
                &h.sha256,
                h.size,
                &h.media_type,
                h.issue_date,
                h.expiry_date
            ),
            (
                &t.id,
                t.kind,
                &t.sha256,
                t.size,
                &t.media_type,
                t.issue_date,
                t.expiry_date
            )
        );
        assert_eq!(
            citizen.read_document(&h.id).unwrap(),
            v.core.read_document(&t.id).unwrap()
        );
    }
    // The draft, exactly (values, what was prefilled, attachments, revision, times).
    assert_eq!(
        crate::dossier::get(citizen.store(), &v.draft).unwrap(),
        crate::dossier::get(v.core.store(), &v.draft).unwrap()
    );
    assert!(citizen.draft_check(&v.draft).is_ok());
    // The sent dossier: its values and what links it to the server.
    let id = &v.sent.dossier_id;
    assert_eq!(
        crate::dossier::get(citizen.store(), id).unwrap(),
        crate::dossier::get(v.core.store(), id).unwrap()
    );
    let (t_here, t_there) = (
        db::tracked(citizen.store(), id).unwrap(),
        db::tracked(v.core.store(), id).unwrap(),
    );
    assert_eq!(t_here.state, "fee_requested");
    assert_eq!(
        (
            &t_here.state,
            &t_here.code,
            &t_here.agency_code,
            &t_here.timeline
        ),
        (
            &t_there.state,
            &t_there.code,
            &t_there.agency_code,
            &t_there.timeline
        )
    );
    let read = |core: &Core| {
        core.store()
            .read(|c| {
                Ok::<_, CoreError>((
                    db::remote_uuid(c, id)?,
                    db::supplement(c, id)?,
                    db::fee_request(c, id)?,
                    db::revisions(c, id)?,
                ))
            })
            .unwrap()
    };
    assert_eq!(read(&citizen), read(&v.core));
    assert_eq!(
        read(&citizen).0.as_deref(),
        Some(v.sent.idempotency_key.as_str())
    );
    // The manifest the server holds travelled: an answer to the supplement continues it.
    let manifest = |core: &Core| -> Option<serde_json::Value> {
        core.store()
            .read(|c| actions::previous_manifest(c, id))
            .unwrap()
            .map(|m| serde_json::from_str(&m).unwrap())
    };
    assert!(manifest(&citizen).is_some());
    assert_eq!(manifest(&citizen), manifest(&v.core));

    // Still linked: a replayed event is stored once, the next one moves this same dossier.
    let before = footprint(&citizen);
    let uuid = &v.sent.idempotency_key;
    assert_eq!(
        event(
            &citizen,
            uuid,
            7,
            DossierState::FeeRequested,
            EventKind::Paid
        ),
        0
    );
    assert_eq!(footprint(&citizen), before);
    assert_eq!(
        event(&citizen, uuid, 8, DossierState::Paid, EventKind::Paid),
        1
    );
    assert_eq!(db::tracked(citizen.store(), id).unwrap().state, "paid");
    assert_eq!(
        footprint(&citizen)["dossiers"],
        before["dossiers"],
        "no second dossier"
    );

    // The volunteer's phone recorded the hand-off, not yet confirmed.
    let row: (String, Option<String>) = v
        .core
        .store()
        .read(|c| {
            c.query_row(
                "SELECT person_id, confirmed_at FROM handoffs WHERE bundle_id = ?1",
                [&b.summary.bundle_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .unwrap();
    assert_eq!(row, (v.person.clone(), None));
}

#[test]
fn a_replayed_bundle_or_another_bundle_of_the_same_person_imports_nothing() {
    let v = volunteer();
    let first = v.core.handoff_export(&v.person).unwrap();
    let second = v.core.handoff_export(&v.person).unwrap();
    assert_ne!(first.summary.bundle_id, second.summary.bundle_id);
    assert_ne!(first.summary.key, second.summary.key);
    let (_d, citizen) = phone();
    assert!(
        citizen
            .handoff_import(&first.file, &first.summary.key)
            .unwrap()
            .imported
    );
    let after = footprint(&citizen);
    for (file, key) in [
        (&first.file, &first.summary.key),
        (&second.file, &second.summary.key),
        (&first.file, &first.summary.key),
    ] {
        let r = citizen.handoff_import(file, key).unwrap();
        assert!(r.already_imported && !r.imported, "{r:?}");
        assert_eq!((r.documents, r.dossiers), (0, 0));
        assert_eq!(r.person_id, v.person);
        assert_eq!(footprint(&citizen), after);
    }
    // The citizen deletes the person: the same bundle still imports nothing (it was imported),
    // a fresh one brings them back.
    citizen.delete_person(&v.person, true).unwrap();
    let gone = footprint(&citizen);
    assert!(
        citizen
            .handoff_import(&first.file, &first.summary.key)
            .unwrap()
            .already_imported
    );
    assert_eq!(footprint(&citizen), gone);
    assert!(
        citizen
            .handoff_import(&second.file, &second.summary.key)
            .unwrap()
            .imported
    );
}

/// A small bundle (a person with one small paper and a draft) and a citizen's phone that already
/// holds someone else.
fn small() -> (Volunteer, HandoffBundle, tempfile::TempDir, Core) {
    let (dir, core) = phone();
    let person = core.add_person(&applicant()).unwrap().id;
    core.store_document(
        &person,
        DocumentKind::Portrait,
        &jpeg_like(300, 1),
        &DocumentMeta::default(),
    )
    .unwrap();
    let draft = core
        .draft_new(test_support::PASSPORT_FORM, Some(&person))
        .unwrap()
        .id;
    let b = core.handoff_export(&person).unwrap();
    let (cdir, citizen) = phone();
    citizen
        .add_person(&PersonInput {
            full_name: "Lê Văn Khác".into(),
            ..PersonInput::default()
        })
        .unwrap();
    citizen
        .store_document(
            &citizen.list_people(None).unwrap()[0].id,
            DocumentKind::Other,
            &jpeg_like(100, 7),
            &DocumentMeta::default(),
        )
        .unwrap();
    let v = Volunteer {
        _dir: dir,
        core,
        person,
        draft,
        sent: Queued {
            dossier_id: String::new(),
            revision: 0,
            outbox_id: String::new(),
            idempotency_key: String::new(),
        },
    };
    (v, b, cdir, citizen)
}

#[test]
fn any_flipped_byte_anywhere_is_refused_and_nothing_is_imported() {
    let (_v, b, _d, citizen) = small();
    let before = footprint(&citizen);
    for i in 0..b.file.len() {
        let mut f = b.file.clone();
        f[i] ^= 0x20;
        let e = citizen
            .handoff_import(&f, &b.summary.key)
            .expect_err("a damaged bundle must be refused");
        assert!(e.is_bad_input(), "{i}: {e}");
        assert!(e.message_key().starts_with("handoff."), "{i}: {e}");
    }
    assert_eq!(footprint(&citizen), before);
    // The intact file still imports.
    assert!(
        citizen
            .handoff_import(&b.file, &b.summary.key)
            .unwrap()
            .imported
    );
}

#[test]
fn a_bundle_cut_short_at_any_length_is_refused() {
    let (_v, b, _d, citizen) = small();
    let before = footprint(&citizen);
    for n in 0..b.file.len() {
        let e = citizen
            .handoff_import(&b.file[..n], &b.summary.key)
            .unwrap_err();
        assert_eq!(e.message_key(), "handoff.truncated", "{n}: {e}");
    }
    assert_eq!(footprint(&citizen), before);
}

#[test]
fn a_wrong_key_the_key_of_another_bundle_or_a_garbled_key_is_refused() {
    let (v, b, _d, citizen) = small();
    let other = v.core.handoff_export(&v.person).unwrap();
    let before = footprint(&citizen);
    let e = citizen
        .handoff_import(&b.file, &other.summary.key)
        .unwrap_err();
    assert_eq!(e.message_key(), "handoff.wrong_key", "{e}");
    // The right bundle id with a mistyped key part.
    let mut mistyped = b.summary.key.clone();
    let last = mistyped.pop().unwrap();
    mistyped.push(if last == 'A' { 'B' } else { 'A' });
    let e = citizen.handoff_import(&b.file, &mistyped).unwrap_err();
    assert!(
        matches!(e.message_key(), "handoff.wrong_key" | "handoff.key_invalid"),
        "{e}"
    );
    for k in ["", "DVCH1.abc.def", "not a key at all"] {
        let e = citizen.handoff_import(&b.file, k).unwrap_err();
        assert_eq!(e.message_key(), "handoff.key_invalid", "{k:?}: {e}");
    }
    // A file that is not a bundle at all.
    let e = citizen
        .handoff_import(&jpeg_like(2000, 3), &b.summary.key)
        .unwrap_err();
    assert_eq!(e.message_key(), "handoff.not_a_bundle", "{e}");
    assert_eq!(footprint(&citizen), before);
    // The key never shows in an error.
    assert!(!e.to_string().contains(&b.summary.key[28..]));
}

/// Seals `payload` (with `blobs`) as a volunteer's phone would, under a fresh key.
fn sealed(payload: &Payload, blobs: &[&[u8]]) -> (Vec<u8>, String) {
    let key = BundleKey::random();
    let meta = serde_json::to_vec(payload).unwrap();
    let file = bundle::seal(&key, &meta, blobs).unwrap();
    (file, key.to_key_string().to_string())
}

/// The description and papers' bytes inside a bundle.
fn opened(b: &HandoffBundle) -> (Payload, Vec<u8>) {
    let plain = bundle::open(&b.file, &BundleKey::parse(&b.summary.key).unwrap()).unwrap();
    (
        serde_json::from_slice(plain.meta()).unwrap(),
        plain.blobs().to_vec(),
    )
}

#[test]
fn authentic_content_that_breaks_a_rule_is_refused_whole() {
    let (_v, b, _d, citizen) = small();
    let before = footprint(&citizen);
    let (good, blobs) = opened(&b);
    type Edit = Box<dyn Fn(&mut Payload, &mut Vec<u8>)>;
    let cases: Vec<(&str, &str, Edit)> = vec![
        (
            "an ID number with a wrong century digit",
            "handoff.invalid_content",
            Box::new(|p, _| p.person.id_number = Some("001090000123".into())),
        ),
        (
            "a name with digits",
            "handoff.invalid_content",
            Box::new(|p, _| p.person.full_name = "Trần 7hị".into()),
        ),
        (
            "a person id that is not an id",
            "handoff.invalid_content",
            Box::new(|p, _| p.person_id = "../../etc".into()),
        ),
        (
            "paper bytes that do not match their hash",
            "handoff.invalid_content",
            Box::new(|_, b| b[10] ^= 1),
        ),
        (
            "a paper size running past the bytes",
            "handoff.invalid_content",
            Box::new(|p, _| p.papers[0].size += 1),
        ),
        (
            "a paper over the per-paper cap",
            "handoff.too_large",
            Box::new(|p, _| p.papers[0].size = 26 * 1024 * 1024),
        ),
        (
            "bytes no paper accounts for",
            "handoff.invalid_content",
            Box::new(|_, b| b.push(0)),
        ),
        (
            "expiry before issue",
            "handoff.invalid_content",
            Box::new(|p, _| {
                p.papers[0].issue_date = Some("2030-01-01".into());
                p.papers[0].expiry_date = Some("2020-01-01".into());
            }),
        ),
        (
            "too many papers",
            "handoff.too_large",
            Box::new(|p, _| {
                let one = p.papers[0].clone();
                p.papers = vec![one; payload::MAX_PAPERS + 1];
            }),
        ),
        (
            "a draft value of the wrong type for its form",
            "handoff.invalid_content",
            Box::new(|p, _| {
                p.dossiers[0].values.push(payload::CarriedValue {
                    field: "declaration".into(),
                    value: json!({"not": "a checkbox"}),
                    prefilled: false,
                    updated_at: "2026-01-01T00:00:00Z".into(),
                })
            }),
        ),
        (
            "a field value over the size limit",
            "handoff.invalid_content",
            Box::new(|p, _| {
                p.dossiers[0].procedure_id = "no-such-procedure".into();
                p.dossiers[0].values[0].value = json!("x".repeat(5000));
            }),
        ),
        (
            "a draft that claims a server link",
            "handoff.invalid_content",
            Box::new(|p, _| p.dossiers[0].state = payload::CarriedState::Queued),
        ),
        (
            "a time that is not a time",
            "handoff.invalid_content",
            Box::new(|p, _| p.dossiers[0].created_at = "yesterday".into()),
        ),
        (
            "control characters in a procedure id",
            "handoff.invalid_content",
            Box::new(|p, _| p.dossiers[0].procedure_id = "passport\u{0}".into()),
        ),
    ];
    for (what, key, edit) in cases {
        let (mut p, mut b) = (good.clone(), blobs.clone());
        edit(&mut p, &mut b);
        let (file, k) = sealed(&p, &[&b]);
        let e = citizen.handoff_import(&file, &k).unwrap_err();
        assert_eq!(e.message_key(), key, "{what}: {e}");
        assert!(e.is_bad_input(), "{what}");
        assert!(!e.to_string().contains(test_support::NAME), "{what}: {e}");
        assert_eq!(footprint(&citizen), before, "{what}");
    }
    // A description that is not the format.
    let key = BundleKey::random();
    let file = bundle::seal(&key, br#"{"person_id": 1}"#, &[]).unwrap();
    let e = citizen
        .handoff_import(&file, &key.to_key_string())
        .unwrap_err();
    assert_eq!(e.message_key(), "handoff.invalid_content", "{e}");
    // The unedited content imports.
    let (file, k) = sealed(&good, &[&blobs]);
    assert!(citizen.handoff_import(&file, &k).unwrap().imported);
}

#[test]
fn a_clash_in_the_transaction_rolls_everything_back_and_removes_the_new_files() {
    let (v, b, _d, citizen) = small();
    // The citizen's phone already has a dossier under the draft's id (another person's).
    let (mut p, blobs) = opened(&b);
    let other = citizen.list_people(None).unwrap()[0].id.clone();
    let theirs = citizen
        .draft_new(test_support::PASSPORT_FORM, Some(&other))
        .unwrap()
        .id;
    p.dossiers[0].id = theirs;
    let before = footprint(&citizen);
    let (file, k) = sealed(&p, &[&blobs]);
    let e = citizen.handoff_import(&file, &k).unwrap_err();
    assert_eq!(e.message_key(), "handoff.conflict", "{e}");
    assert_eq!(footprint(&citizen), before, "rows and the paper's file");
    assert!(citizen.person(&v.person).is_err());
}

#[test]
fn another_person_with_the_same_id_number_is_not_overwritten() {
    let (v, b, _d, citizen) = small();
    citizen
        .add_person(&PersonInput {
            full_name: "Trần Thị Khác".into(),
            ..applicant()
        })
        .unwrap();
    let before = footprint(&citizen);
    let e = citizen.handoff_import(&b.file, &b.summary.key).unwrap_err();
    assert_eq!(e.message_key(), "handoff.person_exists", "{e}");
    assert_eq!(footprint(&citizen), before);
    assert!(citizen.person(&v.person).is_err());
}

#[test]
fn a_dossier_already_restored_here_is_not_imported_twice() {
    let v = volunteer();
    let b = v.core.handoff_export(&v.person).unwrap();
    let (_d, citizen) = phone();
    // The citizen's phone learned the sent dossier from the server (no applicant yet).
    let learned = citizen
        .store()
        .write(|tx| {
            db::learn(
                tx,
                "citizen-account",
                &db::Learned::bare(
                    &v.sent.idempotency_key,
                    CODE,
                    DossierState::Received,
                    "2026-11-23T01:00:00Z",
                ),
            )
        })
        .unwrap()
        .unwrap();
    let r = citizen.handoff_import(&b.file, &b.summary.key).unwrap();
    assert_eq!((r.documents, r.dossiers), (5, 1));
    assert_eq!(footprint(&citizen)["dossier_remote"], 1);
    // The restored one now belongs to the person.
    let d = crate::dossier::get(citizen.store(), &learned).unwrap();
    assert_eq!(d.applicant_id.as_deref(), Some(v.person.as_str()));
    assert!(crate::dossier::get(citizen.store(), &v.sent.dossier_id).is_err());
}

#[test]
fn a_dossier_waiting_to_be_sent_holds_the_hand_off_back() {
    let (_d, core) = phone();
    let person = core.add_person(&applicant()).unwrap().id;
    let q = ReadyPassport::new()
        .person(&person)
        .queue(&core)
        .unwrap()
        .queued;
    let e = core.handoff_export(&person).unwrap_err();
    assert_eq!(e.message_key(), "handoff.pending", "{e}");
    // Set aside by the server (never received): it travels as a draft.
    db::quarantine(
        core.store(),
        &q.outbox_id,
        &q.dossier_id,
        "dossier_conflict",
    )
    .unwrap();
    let b = core.handoff_export(&person).unwrap();
    let (p, _) = opened(&b);
    assert_eq!(p.dossiers.len(), 1);
    assert_eq!(p.dossiers[0].state, payload::CarriedState::Draft);
    assert!(p.dossiers[0].submitted_at.is_none() && p.dossiers[0].remote.is_none());
    let (_cd, citizen) = phone();
    citizen.handoff_import(&b.file, &b.summary.key).unwrap();
    let d = crate::dossier::get(citizen.store(), &q.dossier_id).unwrap();
    assert_eq!(d.state, crate::dossier::DossierState::Draft);
    assert!(citizen.draft_check(&q.dossier_id).unwrap().is_empty());
}

#[test]
fn confirming_then_deleting_leaves_nothing_of_the_person() {
    let v = volunteer();
    let e = v.core.handoff_confirm(&v.person).unwrap_err();
    assert_eq!(e.code(), "not_found");
    let b = v.core.handoff_export(&v.person).unwrap();
    let c = v.core.handoff_confirm(&v.person).unwrap();
    assert_eq!(
        (&c.person_id, &c.bundle_id, c.already_confirmed),
        (&v.person, &b.summary.bundle_id, false)
    );
    let again = v.core.handoff_confirm(&v.person).unwrap();
    assert!(again.already_confirmed);
    assert_eq!(again.confirmed_at, c.confirmed_at);
    let r = v.core.delete_person(&v.person, true).unwrap();
    assert_eq!((r.documents_deleted, r.dossiers_deleted), (5, 2));
    let left = footprint(&v.core);
    assert_eq!(
        (left["people"], left["documents"], left["dossiers"]),
        (0, 0, 0)
    );
    assert_eq!(left["files"], 0);
    let handoffs: i64 = v
        .core
        .store()
        .read(|c| c.query_row("SELECT count(*) FROM handoffs", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(handoffs, 0, "the record goes with the person");
}

#[test]
fn a_person_with_no_papers_and_no_dossiers_travels_too() {
    let (_d, core) = phone();
    let person = core
        .add_person(&PersonInput {
            full_name: "Phạm Văn Mẫu".into(),
            ..PersonInput::default()
        })
        .unwrap()
        .id;
    let b = core.handoff_export(&person).unwrap();
    assert_eq!((b.summary.documents, b.summary.dossiers), (0, 0));
    let (_cd, citizen) = phone();
    let r = citizen.handoff_import(&b.file, &b.summary.key).unwrap();
    assert!(r.imported);
    assert_eq!(
        citizen.person(&person).unwrap().person.full_name,
        "Phạm Văn Mẫu"
    );
}

#[test]
fn the_copy_for_the_server_lives_until_offered_or_deleted() {
    let v = volunteer();
    let b = v.core.handoff_export(&v.person).unwrap();
    let copy = relay::out_path(&v.core, &b.summary.bundle_id);
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        b.file,
        "the exact ciphertext"
    );
    let st = v.core.handoff_status(&v.person).unwrap().unwrap();
    assert_eq!(
        (st.bundle_id.as_str(), st.relay.as_deref()),
        (b.summary.bundle_id.as_str(), Some("pending"))
    );
    // A stray file in the folder goes; the waiting copy stays.
    let stray = copy.with_file_name("stray.dvch");
    std::fs::write(&stray, b"x").unwrap();
    assert_eq!(v.core.handoff_sweep().unwrap(), 1);
    assert!(copy.exists() && !stray.exists());
    // Deleting the person takes the copy with it.
    v.core.delete_person(&v.person, true).unwrap();
    assert!(!copy.exists());
    assert!(
        v.core.handoff_status(&v.person).is_err(),
        "gone with the person"
    );
}

#[test]
fn a_scanned_key_waits_for_the_keep_time_and_no_longer() {
    assert!(!relay::waited_too_long(&crate::dossier::now()));
    let old = (time::OffsetDateTime::now_utc() - time::Duration::days(relay::WAIT_DAYS + 1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    assert!(relay::waited_too_long(&old));
    assert!(!relay::waited_too_long("not a time"));
}
