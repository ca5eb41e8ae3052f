//! Issue 18, the headless story: a volunteer files for a citizen under a consent given by code,
//! and the citizen follows the dossier on their own phone — against the real dvc-sync (in this
//! process, SQLite in a temp dir, demo accounts) whose development message sender writes each
//! code to a JSON-lines file, read back here as the citizen's phone would read its SMS.
//!
//! - consent by code: a wrong code is refused and changes nothing; the right one stores the
//!   consent on the volunteer's device, linked to the person with that phone;
//! - the volunteer's dossier for that person goes with `on_behalf_of` (the list says for whom);
//! - the officer asks a fee; the citizen signs in on a second data dir that never held the
//!   dossier: it is restored there ("nộp hộ bởi …"), with its fee, and the citizen reports the
//!   transfer; the volunteer's device shows the claim; the officer confirms and posts the result,
//!   which reaches both;
//! - a dossier filed later reaches the citizen through the event feed alone (no event dropped);
//! - once the citizen withdraws the consent, the volunteer's next dossier for them is set aside
//!   with the precise reason, and a paper consent files it under the volunteer instead.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use dvc_core::documents::{DocumentKind, DocumentMeta};
use dvc_core::secrets::KeystoreKind;
use dvc_core::sync::decide::reason;
use dvc_core::sync::{db as syncdb, SyncConfig, SyncError};
use dvc_core::test_support::{applicant, jpeg_like, ReadyPassport};
use dvc_core::{Core, OpenOptions};
use dvc_sync::seed::{DEMO_AGENCY, DEMO_CITIZEN, DEMO_VOLUNTEER};
use dvc_sync::test_support::Console;

struct Server {
    server: dvc_sync::server::RunningServer,
    messages: PathBuf,
    _dir: tempfile::TempDir,
}

async fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let messages = dir.path().join("messages.jsonl");
    let server = dvc_sync::test_support::demo_server_with(
        dir.path(),
        true,
        Arc::new(dvc_sync::notify::FileNotifier::new(messages.clone())),
    )
    .await;
    Server {
        server,
        messages,
        _dir: dir,
    }
}

impl Server {
    fn url(&self) -> String {
        self.server.url()
    }

    /// The `n`-th code for `phone`, waiting for the server's background sender.
    async fn code(&self, phone: &str, n: usize) -> String {
        dvc_sync::test_support::wait_code(&self.messages, Some(phone), n).await
    }
}

fn open(dir: &Path) -> Core {
    let core = Core::open(&OpenOptions {
        data_dir: dir.to_path_buf(),
        keystore: KeystoreKind::File,
    })
    .unwrap();
    syncdb::set(core.store(), "agency_code", DEMO_AGENCY).unwrap();
    core
}

fn cfg() -> SyncConfig {
    dvc_core::test_support::quick_sync_config()
}

fn queue(core: &Core, person: &str) -> String {
    ReadyPassport::new()
        .person(person)
        .queue(core)
        .unwrap()
        .queued
        .dossier_id
}

fn key_of(core: &Core, dossier_id: &str) -> String {
    core.store()
        .read(|c| -> dvc_core::Result<String> {
            Ok(c.query_row(
                "SELECT idempotency_key FROM outbox WHERE dossier_id = ?1",
                [dossier_id],
                |r| r.get::<_, String>(0),
            )?)
        })
        .unwrap()
}

fn frozen_manifest(core: &Core, dossier_id: &str) -> serde_json::Value {
    core.store()
        .read(|c| -> dvc_core::Result<serde_json::Value> {
            let m: String = c.query_row(
                "SELECT m.manifest FROM sync_manifests m JOIN outbox o ON o.id = m.outbox_id
                 WHERE o.dossier_id = ?1",
                [dossier_id],
                |r| r.get(0),
            )?;
            Ok(serde_json::from_str(&m).unwrap())
        })
        .unwrap()
}

/// Passes until `done` holds for the dossier (the server's background work is asynchronous).
async fn sync_until(
    core: &Core,
    id: &str,
    what: &str,
    done: impl Fn(&dvc_core::sync::Tracked) -> bool,
) {
    for _ in 0..40 {
        core.sync_once(&cfg(), &|_| {}).await.unwrap();
        if let Ok(t) = core.tracked_dossier(id) {
            if done(&t) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never reached: {what}");
}

/// The citizen's local id of the dossier whose server uuid is `uuid`.
fn local_of(core: &Core, uuid: &str) -> Option<String> {
    core.store()
        .read(|c| -> dvc_core::Result<Option<String>> {
            use rusqlite::OptionalExtension;
            Ok(c.query_row(
                "SELECT dossier_id FROM dossier_remote WHERE remote_uuid = ?1",
                [uuid],
                |r| r.get(0),
            )
            .optional()?)
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteer_files_for_a_citizen_who_follows_it_on_their_own_phone() {
    let srv = server().await;
    let url = srv.url();

    // The volunteer's phone: the citizen's profile carries the citizen's account phone.
    let vdir = tempfile::tempdir().unwrap();
    let vol = open(vdir.path());
    let mut input = applicant();
    input.phone = Some(DEMO_CITIZEN.0.into());
    let person = vol.add_person(&input).unwrap().id;
    vol.sync_login(&url, DEMO_VOLUNTEER.0, DEMO_VOLUNTEER.1, None)
        .await
        .unwrap();

    // Consent by code: the code goes to the citizen's phone; a wrong one changes nothing.
    let pending = vol
        .consent_request(DEMO_CITIZEN.0, None, None)
        .await
        .unwrap();
    assert_eq!(pending.code_length, 6);
    assert_eq!(pending.valid_days, 90);
    let code = srv.code(DEMO_CITIZEN.0, 1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let e = vol
        .consent_confirm(&pending.request_id, wrong, None)
        .await
        .unwrap_err();
    assert!(
        matches!(e, SyncError::Refused { ref code, .. } if code == "400.5"),
        "{e:?}"
    );
    assert_eq!(e.message_key(), "sync.error.wrong_code");
    assert!(vol.consent_list(None).unwrap().is_empty());
    // Bad input is refused on the device, before any request.
    assert!(vol.consent_confirm("../x", &code, None).await.is_err());
    assert!(vol.consent_request("12345", None, None).await.is_err());
    assert!(vol
        .consent_request(DEMO_CITIZEN.0, None, Some(0))
        .await
        .is_err());

    let consent = vol
        .consent_confirm(&pending.request_id, &code, None)
        .await
        .unwrap();
    assert_eq!(consent.basis, "account");
    assert_eq!(consent.status, "active");
    assert_eq!(consent.person_id.as_deref(), Some(person.as_str()));
    assert_eq!(consent.method.as_deref(), Some("otp"));
    assert!(consent.procedures.is_none());
    assert_eq!(vol.consent_list(Some(&person)).unwrap().len(), 1);

    // The dossier for that person goes on the citizen's behalf.
    let d1 = queue(&vol, &person);
    let r = vol.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert_eq!(r.sent.len(), 1, "{r:?}");
    let m = frozen_manifest(&vol, &d1);
    assert_eq!(m["on_behalf_of"]["citizen_phone"], DEMO_CITIZEN.0);
    assert!(m.get("consent_basis").is_none());
    let t = vol.tracked_dossier(&d1).unwrap();
    assert_eq!(t.provenance.filed_as.as_deref(), Some("on_behalf"));
    assert!(t.provenance.filed_for.is_some());
    assert!(!t.provenance.restored);
    let uuid1 = key_of(&vol, &d1);
    let code1 = t.code.clone().unwrap();

    // The officer accepts it and asks a fee.
    let officer = Console::demo_officer(&url).await;
    officer.act_ok(&uuid1, &[("action", "accept")]).await;
    officer
        .act_ok(
            &uuid1,
            &[
                ("action", "fee"),
                ("amount_vnd", "200000"),
                ("bank_bin", "970415"),
                ("account_number", "0000123456789"),
                ("account_name", "DEMO CO QUAN"),
            ],
        )
        .await;

    // The citizen signs in on another phone that never held the dossier: it is restored there.
    let cdir = tempfile::tempdir().unwrap();
    let cit = open(cdir.path());
    cit.sync_login(&url, DEMO_CITIZEN.0, DEMO_CITIZEN.1, None)
        .await
        .unwrap();
    assert!(cit.tracked_dossiers().unwrap().is_empty());
    let r = cit.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert!(
        r.sent.is_empty(),
        "nothing is sent from the citizen's phone: {r:?}"
    );
    let list = cit.tracked_dossiers().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    let c1 = &list[0];
    assert!(c1.provenance.restored);
    assert!(c1.provenance.filed_by.is_some(), "nộp hộ bởi …: {c1:?}");
    assert_eq!(c1.code.as_deref(), Some(code1.as_str()));
    assert_eq!(c1.state, "fee_requested");
    assert_eq!(local_of(&cit, &uuid1).as_deref(), Some(c1.id.as_str()));
    // Its manifest was fetched: the catalog procedure, the agency and the fee are known.
    let v = cit.dossier_view(&c1.id).unwrap();
    assert_eq!(v.procedure_id, vol.draft_show(&d1).unwrap().procedure_id);
    assert_eq!(v.agency_code.as_deref(), Some(DEMO_AGENCY));
    assert_eq!(v.fee.as_ref().map(|f| f.amount_vnd), Some(200_000));
    // The overview the app lists shows whose it is.
    let over = cit.draft_overview().unwrap();
    assert_eq!(over.len(), 1);
    assert!(over[0].provenance.restored);
    assert_eq!(over[0].server_state.as_deref(), Some("fee_requested"));
    assert!(over[0].applicant_name.is_some());

    // The citizen reports the transfer from their phone; the volunteer's device shows it.
    cit.dossier_claim_payment(&c1.id).unwrap();
    let r = cit.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert_eq!(r.actions_sent.len(), 1, "{r:?}");
    sync_until(
        &vol,
        &d1,
        "the citizen's payment claim on the volunteer's device",
        |t| t.timeline.iter().any(|e| e.kind == "payment_claimed"),
    )
    .await;
    // The officer confirms the payment and sends the result by post: both phones see it.
    officer.act_ok(&uuid1, &[("action", "paid")]).await;
    officer
        .act_ok(
            &uuid1,
            &[
                ("action", "postal"),
                ("carrier", "VNPost"),
                ("tracking_number", "EB123456789VN"),
            ],
        )
        .await;
    sync_until(&vol, &d1, "the result on the volunteer's device", |t| {
        t.state == "result_ready"
    })
    .await;
    sync_until(&cit, &c1.id, "the result on the citizen's device", |t| {
        t.state == "result_ready"
    })
    .await;
    officer.act_ok(&uuid1, &[("action", "complete")]).await;
    sync_until(&vol, &d1, "completed on the volunteer's device", |t| {
        t.state == "completed"
    })
    .await;
    sync_until(&cit, &c1.id, "completed on the citizen's device", |t| {
        t.state == "completed"
    })
    .await;

    // A second dossier reaches the citizen through the event feed alone.
    let d2 = queue(&vol, &person);
    vol.sync_once(&cfg(), &|_| {}).await.unwrap();
    let uuid2 = key_of(&vol, &d2);
    officer.act_ok(&uuid2, &[("action", "accept")]).await;
    for _ in 0..40 {
        cit.sync_once(&cfg(), &|_| {}).await.unwrap();
        if local_of(&cit, &uuid2).is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let c2 = local_of(&cit, &uuid2).expect("an event for an unknown dossier creates it");
    let t2 = cit.tracked_dossier(&c2).unwrap();
    assert!(t2.provenance.restored);
    assert_eq!(t2.state, "accepted");
    assert_eq!(cit.tracked_dossiers().unwrap().len(), 2);
    // Learning it cost no photo: its files wait until the agency asks for something.
    assert!(cit.draft_show(&c2).unwrap().attachments.is_empty());
    // Its applicant is a person on this phone now: the one the volunteer filed for.
    let applicant = cit
        .draft_show(&c2)
        .unwrap()
        .applicant_id
        .expect("the restored dossier's applicant is a person here");
    assert_eq!(
        cit.person(&applicant).unwrap().person.id_number,
        vol.person(&person).unwrap().person.id_number
    );

    // The agency asks for a new portrait. The citizen answers from this phone, which never held
    // the dossier's files: they are fetched now, byte for byte what the volunteer's phone sent.
    officer
        .act_ok(
            &uuid2,
            &[
                ("action", "supplement"),
                ("item_attachment", "portrait"),
                ("note", "Ảnh chân dung bị mờ, đề nghị chụp lại."),
            ],
        )
        .await;
    for _ in 0..40 {
        cit.sync_once(&cfg(), &|_| {}).await.unwrap();
        if !cit.draft_show(&c2).unwrap().attachments.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        cit.tracked_dossier(&c2).unwrap().state,
        "supplement_requested"
    );
    let shas = |core: &Core, id: &str| {
        let mut v: Vec<(String, String)> = core
            .draft_show(id)
            .unwrap()
            .attachments
            .iter()
            .map(|a| (a.component.clone(), a.sha256.clone()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        shas(&cit, &c2),
        shas(&vol, &d2),
        "the files as they were sent"
    );
    for a in &cit.draft_show(&c2).unwrap().attachments {
        let bytes = cit
            .read_document(&dvc_core::documents::DocumentId(a.document_id.clone()))
            .unwrap();
        assert_eq!(dvc_sync::test_support::sha(&bytes), a.sha256);
    }
    let new_portrait = jpeg_like(24_000, 91);
    let doc = cit
        .store_document(
            &applicant,
            DocumentKind::Portrait,
            &new_portrait,
            &DocumentMeta::default(),
        )
        .unwrap();
    // Only what the agency named may change.
    assert_eq!(
        cit.draft_detach(&c2, "cccd_front", 0)
            .unwrap_err()
            .message_key(),
        "dossier.supplement_only"
    );
    cit.draft_detach(&c2, "portrait", 0).unwrap();
    cit.draft_attach_document(&c2, "portrait", &doc.0).unwrap();
    cit.dossier_resubmit(&c2).unwrap();
    let r = cit.sync_once(&cfg(), &|_| {}).await.unwrap();
    // Accepted by the server: the same procedure, agency, citizen and consent basis as the
    // volunteer's filing (the server refuses a revision that changes them).
    assert_eq!(r.actions_sent.len(), 1, "{r:?}");
    assert!(r.actions_quarantined.is_empty(), "{r:?}");
    sync_until(
        &vol,
        &d2,
        "the citizen's answer on the volunteer's device",
        |t| t.timeline.iter().any(|e| e.kind == "resubmitted"),
    )
    .await;
    let (_, page) = officer.page(&format!("/console/dossiers/{uuid2}")).await;
    assert!(
        page.contains(&dvc_sync::test_support::sha(&new_portrait)),
        "the officer sees the new portrait"
    );

    // The agency accepts it and issues the result online: it lands in the applicant's papers on
    // the citizen's phone as on the volunteer's.
    officer.act_ok(&uuid2, &[("action", "accept")]).await;
    let res = officer
        .upload_result(
            &uuid2,
            b"%PDF-1.4\n% ket qua thu nghiem, du lieu gia\n".to_vec(),
            "ketqua.pdf",
            "application/pdf",
        )
        .await;
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
    let mut stored = false;
    for _ in 0..40 {
        cit.sync_once(&cfg(), &|_| {}).await.unwrap();
        stored = cit
            .person(&applicant)
            .unwrap()
            .documents
            .iter()
            .any(|d| d.kind == DocumentKind::Result);
        if stored {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(stored, "the online result is in the applicant's papers");

    // The citizen withdraws the consent (from their own phone).
    let given = cit.consent_refresh().await.unwrap();
    assert_eq!(given.len(), 1, "{given:?}");
    assert_eq!(given[0].role, "grantor");
    assert!(given[0].volunteer_label.is_some());
    cit.consent_withdraw(&given[0].id).await.unwrap();
    assert_eq!(cit.consent_list(None).unwrap()[0].status, "ended");

    // The volunteer's next dossier for them is set aside with the precise reason …
    let d3 = queue(&vol, &person);
    let r = vol.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert!(r.sent.is_empty(), "{r:?}");
    let t3 = vol.tracked_dossier(&d3).unwrap();
    assert_eq!(t3.state, "quarantined");
    assert_eq!(
        t3.quarantine_reason.as_deref(),
        Some(reason::CONSENT_WITHDRAWN),
        "filed on the citizen's behalf all the same, refused as withdrawn"
    );
    assert_eq!(vol.consent_list(Some(&person)).unwrap()[0].status, "ended");

    // … and on a signed paper consent, photographed into the person's papers, a new dossier
    // goes under the volunteer with `consent_basis: paper`.
    let doc = vol
        .store_document(
            &person,
            DocumentKind::Other,
            &jpeg_like(4096, 7),
            &DocumentMeta::default(),
        )
        .unwrap();
    let stranger = vol.add_person(&dvc_core::people::PersonInput {
        full_name: "Trần Văn Thử".into(),
        ..Default::default()
    });
    let stranger = stranger.unwrap().id;
    assert!(
        vol.consent_paper(&stranger, &doc.0).is_err(),
        "another person's paper is refused"
    );
    let paper = vol.consent_paper(&person, &doc.0).unwrap();
    assert_eq!(paper.basis, "paper");
    // (The form's phone is the person's: the citizen's account phone.)
    let d4 = ReadyPassport::new()
        .person(&person)
        .value("phone", serde_json::json!(DEMO_CITIZEN.0))
        .queue(&vol)
        .unwrap()
        .queued
        .dossier_id;
    let r = vol.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert_eq!(r.sent.len(), 1, "{r:?}");
    let m = frozen_manifest(&vol, &d4);
    assert_eq!(m["consent_basis"], "paper");
    assert!(m.get("on_behalf_of").is_none());
    assert_eq!(
        vol.tracked_dossier(&d4)
            .unwrap()
            .provenance
            .filed_as
            .as_deref(),
        Some("paper")
    );

    // The citizen finds that paper dossier with "Tra cứu hồ sơ" and adds it to their own list
    // ("Thêm vào Hồ sơ của tôi"): the form carries their phone. It shows at once, filed for them
    // by the volunteer, and its form and events come with the next pass.
    let code4 = vol.tracked_dossier(&d4).unwrap().code.unwrap();
    let uuid4 = key_of(&vol, &d4);
    let found = cit
        .dossier_lookup(None, &code4, DEMO_CITIZEN.0)
        .await
        .unwrap();
    assert!(!found.mine, "not linked to the account yet");
    assert_eq!(local_of(&cit, &uuid4), None);
    let claimed = cit.dossier_claim(&code4, DEMO_CITIZEN.0).await.unwrap();
    assert!(claimed.added);
    assert!(claimed.dossier.filed_for_me);
    let local4 = local_of(&cit, &uuid4).expect("kept on the citizen's phone at once");
    let t4 = cit.tracked_dossier(&local4).unwrap();
    assert_eq!(t4.code.as_deref(), Some(code4.as_str()));
    assert!(t4.provenance.filed_by.is_some(), "nộp hộ bởi …: {t4:?}");
    sync_until(&cit, &local4, "the added dossier's form", |_| {
        cit.dossier_view(&local4)
            .is_ok_and(|v| v.agency_code.as_deref() == Some(DEMO_AGENCY))
    })
    .await;
    assert!(
        cit.dossier_lookup(None, &code4, DEMO_CITIZEN.0)
            .await
            .unwrap()
            .mine
    );
    // Adding it again changes nothing; the volunteer cannot add it to an account.
    assert!(
        !cit.dossier_claim(&code4, DEMO_CITIZEN.0)
            .await
            .unwrap()
            .added
    );
    let e = vol.dossier_claim(&code4, DEMO_CITIZEN.0).await.unwrap_err();
    assert!(
        matches!(e, SyncError::Refused { ref code, .. } if code == "403.1"),
        "{e:?}"
    );
}
