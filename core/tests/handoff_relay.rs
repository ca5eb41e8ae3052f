//! The hand-off relay end to end (issue 19 item 3, protocol 1.3): the volunteer's phone makes a
//! bundle with no signal; once online it uploads and offers the ciphertext; the citizen's phone,
//! having only scanned the QR's key, brings the record down in its next pass, erases the key and
//! tells the server, which drops its copy; the volunteer's phone then learns it was received.
//! A wrong key imports nothing and says why; a bundle that went by file is acknowledged too.
//! Against the real dvc-sync (in this process, SQLite in a temp dir, demo accounts).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use dvc_core::documents::{DocumentKind, DocumentMeta};
use dvc_core::secrets::KeystoreKind;
use dvc_core::sync::db as syncdb;
use dvc_core::test_support::{
    applicant, jpeg_like, quick_sync_config, rows_containing, ReadyPassport, ID_NUMBER,
};
use dvc_core::{Core, OpenOptions};
use dvc_sync::seed::{DEMO_AGENCY, DEMO_CITIZEN, DEMO_VOLUNTEER};
use dvc_sync::test_support::login_token;
use sha2::{Digest, Sha256};

fn open(dir: &Path) -> Core {
    let core = Core::open(&OpenOptions {
        data_dir: dir.to_path_buf(),
        keystore: KeystoreKind::File,
    })
    .unwrap();
    syncdb::set(core.store(), "agency_code", DEMO_AGENCY).unwrap();
    core
}

fn person_with_paper(core: &Core, name: &str, id_number: Option<&str>) -> String {
    let mut p = applicant();
    p.full_name = name.into();
    p.id_number = id_number.map(str::to_owned);
    let id = core.add_person(&p).unwrap().id;
    let mut pdf = b"%PDF-1.4 synthetic birth certificate ".to_vec();
    pdf.extend(jpeg_like(2_000, 9));
    core.store_document(
        &id,
        DocumentKind::BirthCertificate,
        &pdf,
        &DocumentMeta::default(),
    )
    .unwrap();
    id
}

/// The relay copies waiting on the phone.
fn copies(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("handoff-out")).map_or(0, |d| d.count())
}

/// The same key string with its secret part changed (still well-formed).
fn tampered(key: &str) -> String {
    let (head, secret) = key.rsplit_once('.').unwrap();
    let first = if secret.starts_with('A') { 'B' } else { 'A' };
    format!("{head}.{first}{}", &secret[1..])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scanned_code_brings_the_record_through_the_server_once() {
    let sdir = tempfile::tempdir().unwrap();
    let srv = dvc_sync::test_support::demo_server(sdir.path(), true).await;
    let url = srv.url();
    let cfg = quick_sync_config();

    // The volunteer's phone: the citizen, a paper, a dossier sent for them.
    let vdir = tempfile::tempdir().unwrap();
    let vol = open(vdir.path());
    let head = person_with_paper(&vol, "Trần Thị Mẫu", Some(ID_NUMBER));
    ReadyPassport::new().person(&head).queue(&vol).unwrap();
    vol.sync_login(&url, DEMO_VOLUNTEER.0, DEMO_VOLUNTEER.1, None)
        .await
        .unwrap();
    assert_eq!(vol.sync_once(&cfg, &|_| {}).await.unwrap().sent.len(), 1);

    // Made with no signal: the copy waits on the phone.
    let papers = vol.list_documents(&head).unwrap().len();
    assert!(papers >= 1);
    let bundle = vol.handoff_export(&head).unwrap();
    let key = bundle.summary.key.clone();
    assert_eq!(copies(vdir.path()), 1);
    let st = vol.handoff_status(&head).unwrap().unwrap();
    assert_eq!(st.relay.as_deref(), Some("pending"));

    // Online: one pass uploads and offers it; the copy goes.
    let pass = vol.sync_once(&cfg, &|_| {}).await.unwrap();
    assert_eq!(pass.handoffs_offered, 1, "{pass:?}");
    assert_eq!(copies(vdir.path()), 0);
    let st = vol.handoff_status(&head).unwrap().unwrap();
    assert_eq!(
        (st.relay.as_deref(), st.received_at.as_deref()),
        (Some("offered"), None)
    );
    let again = vol.sync_once(&cfg, &|_| {}).await.unwrap();
    assert_eq!(
        (again.handoffs_offered, again.handoffs_received),
        (0, 0),
        "offered once, not received yet"
    );

    // The citizen's phone scans the QR: the key waits; the next pass brings the record.
    let cdir = tempfile::tempdir().unwrap();
    let cit = open(cdir.path());
    cit.sync_login(&url, DEMO_CITIZEN.0, DEMO_CITIZEN.1, None)
        .await
        .unwrap();
    let scanned = cit.handoff_receive(&key).unwrap();
    assert_eq!(
        (scanned.state.as_str(), scanned.bundle_id.as_str()),
        ("waiting", bundle.summary.bundle_id.as_str())
    );
    assert!(rows_containing(&cit, ID_NUMBER).unwrap().is_empty());
    let pass = cit.sync_once(&cfg, &|_| {}).await.unwrap();
    assert_eq!(
        (pass.handoffs_imported, pass.handoffs_waiting),
        (1, 0),
        "{pass:?}"
    );
    // (The demo citizen's own restored dossiers may bring other people: count around it.)
    let people = cit.list_people(None).unwrap();
    assert!(
        people.iter().any(|p| p.id == head),
        "the same person id on both phones"
    );
    assert_eq!(cit.list_documents(&head).unwrap().len(), papers);
    let inc = cit.handoff_incoming().unwrap();
    assert_eq!(
        (inc[0].state.as_str(), inc[0].person_id.as_deref()),
        ("imported", Some(head.as_str()))
    );
    // The key is gone from the citizen's phone once used.
    let secret = key.rsplit_once('.').unwrap().1;
    assert!(
        rows_containing(&cit, secret).unwrap().is_empty(),
        "the key is erased"
    );
    // Scanning it again changes nothing.
    assert_eq!(cit.handoff_receive(&key).unwrap().state, "imported");
    let pass = cit.sync_once(&cfg, &|_| {}).await.unwrap();
    assert_eq!(pass.handoffs_imported, 0);
    assert_eq!(cit.list_people(None).unwrap().len(), people.len());

    // The volunteer's phone learns it arrived: received and confirmed, ready to delete.
    let pass = vol.sync_once(&cfg, &|_| {}).await.unwrap();
    assert_eq!(pass.handoffs_received, 1, "{pass:?}");
    let st = vol.handoff_status(&head).unwrap().unwrap();
    assert_eq!(st.relay.as_deref(), Some("received"));
    assert!(st.received_at.is_some() && st.confirmed_at.is_some());
    // The server no longer serves its copy, not even to the volunteer who uploaded it (its
    // file goes with the clean-up, `sync/server/tests/api_suite/handoffs.rs`).
    let http = reqwest::Client::new();
    let token = login_token(&http, &url, DEMO_VOLUNTEER.0, DEMO_VOLUNTEER.1).await;
    let sha = hex::encode(Sha256::digest(&bundle.file));
    let res = http
        .get(format!("{url}/v1/blobs/{sha}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    vol.delete_person(&head, true).unwrap();
    assert!(rows_containing(&vol, ID_NUMBER).unwrap().is_empty());

    // A key that does not open the bundle: nothing imported, the reason kept, the key erased.
    let second = person_with_paper(&vol, "Lê Văn Thử", None);
    let b2 = vol.handoff_export(&second).unwrap();
    assert_eq!(
        vol.sync_once(&cfg, &|_| {}).await.unwrap().handoffs_offered,
        1
    );
    let bad = tampered(&b2.summary.key);
    assert_eq!(cit.handoff_receive(&bad).unwrap().state, "waiting");
    let pass = cit.sync_once(&cfg, &|_| {}).await.unwrap();
    assert_eq!(pass.handoffs_imported, 0);
    let failed = cit
        .handoff_incoming()
        .unwrap()
        .into_iter()
        .find(|i| i.bundle_id == b2.summary.bundle_id)
        .unwrap();
    assert_eq!(
        (failed.state.as_str(), failed.error.as_deref()),
        ("failed", Some("handoff.wrong_key"))
    );
    assert!(rows_containing(&cit, "Lê Văn Thử").unwrap().is_empty());
    assert!(rows_containing(&cit, bad.rsplit_once('.').unwrap().1)
        .unwrap()
        .is_empty());

    // A bundle that travelled as a file: the server is told anyway, and drops its copy.
    let third = person_with_paper(&vol, "Phạm Thị Thử", None);
    let b3 = vol.handoff_export(&third).unwrap();
    assert_eq!(
        vol.sync_once(&cfg, &|_| {}).await.unwrap().handoffs_offered,
        1
    );
    let got = cit.handoff_import(&b3.file, &b3.summary.key).unwrap();
    assert!(got.imported);
    cit.sync_once(&cfg, &|_| {}).await.unwrap();
    let pass = vol.sync_once(&cfg, &|_| {}).await.unwrap();
    assert_eq!(pass.handoffs_received, 1, "{pass:?}");
    assert_eq!(
        vol.handoff_status(&third)
            .unwrap()
            .unwrap()
            .relay
            .as_deref(),
        Some("received")
    );
    assert_eq!(copies(vdir.path()), 0);
}

#[test]
fn a_malformed_code_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path());
    for bad in [
        "",
        "DVCH1",
        "DVCH1.abc.def",
        "DVCVOL1:0900000002",
        "https://example.invalid/",
    ] {
        let e = core.handoff_receive(bad).unwrap_err();
        assert_eq!(e.message_key(), "handoff.key_invalid", "{bad:?}");
    }
    assert!(core.handoff_incoming().unwrap().is_empty());
}
