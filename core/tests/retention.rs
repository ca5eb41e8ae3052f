//! Retention on a volunteer's phone, end to end against a real dvc-sync server: a citizen filed
//! for on a paper consent, whose dossier the agency completes, leaves the volunteer's phone once
//! `retention_days` have passed — profile, papers, dossier, timeline, manifest — and nothing of
//! them stays readable: not in the files of the data directory, not in any live row (read with
//! the key), not in the WAL. The volunteer's own family (filed under their own name) and a
//! citizen whose dossier is still open stay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use dvc_core::documents::{DocumentKind, DocumentMeta};
use dvc_core::people::{PersonInput, Relation};
use dvc_core::secrets::KeystoreKind;
use dvc_core::sync::{db as syncdb, SyncConfig};
use dvc_core::test_support::{
    applicant, files_containing, jpeg_like, rows_containing, ReadyPassport,
};
use dvc_core::{Core, OpenOptions};
use dvc_sync::seed::{DEMO_AGENCY, DEMO_VOLUNTEER};
use dvc_sync::test_support::Console;
use time::OffsetDateTime;

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

fn count(core: &Core, sql: &str) -> i64 {
    core.store()
        .read(|c| c.query_row(sql, [], |r| r.get::<_, i64>(0)))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizens_data_leaves_the_volunteers_phone_after_the_retention_days() {
    let dir = tempfile::tempdir().unwrap();
    let server = dvc_sync::test_support::demo_server(dir.path(), true).await;
    let url = server.url();
    let vdir = tempfile::tempdir().unwrap();
    let vol = open(vdir.path());
    vol.sync_login(&url, DEMO_VOLUNTEER.0, DEMO_VOLUNTEER.1, None)
        .await
        .unwrap();

    // A citizen without a phone: a paper consent photographed into their papers.
    let citizen = vol.add_person(&applicant()).unwrap();
    let name = citizen.full_name.clone();
    let id_number = citizen.id_number.clone().unwrap();
    let paper = vol
        .store_document(
            &citizen.id,
            DocumentKind::Other,
            &jpeg_like(6000, 3),
            &DocumentMeta::default(),
        )
        .unwrap();
    vol.consent_paper(&citizen.id, &paper.0).unwrap();
    let household = vol
        .add_household("Hộ Thử Nghiệm", Some("12 ngõ Thử, phường Mẫu"))
        .unwrap();
    vol.set_household_member(&household.id, &citizen.id, Relation::Head)
        .unwrap();
    let filed = ReadyPassport::new()
        .person(&citizen.id)
        .queue(&vol)
        .unwrap();
    // The volunteer's own mother, filed under the volunteer's own name: never cleared.
    let mother = vol
        .add_person(&PersonInput {
            full_name: "Lê Thị Mẹ Thử".into(),
            ..PersonInput::default()
        })
        .unwrap();
    ReadyPassport::new()
        .person(&mother.id)
        .value("full_name", serde_json::json!("Lê Thị Mẹ Thử"))
        .value("id_number", serde_json::json!("001170000456"))
        .queue(&vol)
        .unwrap();
    let r = vol.sync_once(&cfg(), &|_| {}).await.unwrap();
    assert_eq!(r.sent.len(), 2, "{r:?}");

    // Nothing to clear while the dossier is open, even long after.
    let later = OffsetDateTime::now_utc() + time::Duration::days(400);
    let r = vol.apply_retention_at(later).unwrap();
    assert!(r.applied);
    assert_eq!(r.people_deleted, 0, "{r:?}");

    // Deleting by hand is refused while a dossier waits to be sent, and changes nothing.
    let waiting = ReadyPassport::new()
        .person(&citizen.id)
        .queue(&vol)
        .unwrap();
    let e = vol.delete_person(&citizen.id, true).unwrap_err();
    assert_eq!(e.message_key(), "people.delete_pending");
    assert!(vol.person(&citizen.id).is_ok());
    vol.sync_once(&cfg(), &|_| {}).await.unwrap();

    // The agency completes both of the citizen's dossiers.
    let officer = Console::demo_officer(&url).await;
    for d in [&filed.queued, &waiting.queued] {
        let uuid = d.idempotency_key.clone();
        officer.act_ok(&uuid, &[("action", "accept")]).await;
        officer
            .act_ok(
                &uuid,
                &[
                    ("action", "postal"),
                    ("carrier", "VNPost"),
                    ("tracking_number", "EB123456789VN"),
                ],
            )
            .await;
        officer.act_ok(&uuid, &[("action", "complete")]).await;
    }
    for _ in 0..40 {
        vol.sync_once(&cfg(), &|_| {}).await.unwrap();
        let done = [&filed.queued, &waiting.queued].iter().all(|d| {
            vol.tracked_dossier(&d.dossier_id)
                .is_ok_and(|t| t.state == "completed")
        });
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        vol.tracked_dossier(&filed.queued.dossier_id).unwrap().state,
        "completed"
    );
    let paper_file = vdir
        .path()
        .join(dvc_core::documents::DOC_DIR)
        .join(vol.document(&paper).unwrap().sha256);
    assert!(paper_file.exists());

    // Not yet: 30 days (the default) have not passed.
    let r = vol
        .apply_retention_at(OffsetDateTime::now_utc() + time::Duration::days(29))
        .unwrap();
    assert_eq!((r.retention_days, r.people_deleted), (30, 0), "{r:?}");
    // A setting out of the allowed values is refused and changes nothing.
    assert!(vol.set_setting("retention_days", "1").is_err());

    // Past them: the citizen leaves the phone, whole.
    let r = vol
        .apply_retention_at(OffsetDateTime::now_utc() + time::Duration::days(31))
        .unwrap();
    assert_eq!(r.people_deleted, 1, "{r:?}");
    assert_eq!(r.dossiers_deleted, 2, "{r:?}");
    assert!(vol.person(&citizen.id).is_err());
    assert!(vol.tracked_dossier(&filed.queued.dossier_id).is_err());
    assert!(
        rows_containing(&vol, &id_number).unwrap().is_empty(),
        "{:?}",
        rows_containing(&vol, &id_number).unwrap()
    );
    assert!(
        rows_containing(&vol, &name).unwrap().is_empty(),
        "{:?}",
        rows_containing(&vol, &name).unwrap()
    );
    // Freed pages are zeroed on delete, and the WAL was emptied.
    assert_eq!(count(&vol, "PRAGMA secure_delete"), 1);
    let wal = vdir.path().join(format!("{}-wal", dvc_core::DB_FILE));
    if let Ok(m) = std::fs::metadata(&wal) {
        assert_eq!(m.len(), 0, "the WAL still holds pages");
    }
    // No file of the data directory holds the name or the ID number in the clear.
    for needle in [id_number.as_bytes(), name.as_bytes()] {
        assert!(files_containing(vdir.path(), needle).unwrap().is_empty());
    }
    // The citizen's papers' encrypted files are gone; the mother's stay.
    assert!(!paper_file.exists(), "the paper consent's encrypted file");
    assert_eq!(
        count(
            &vol,
            "SELECT count(*) FROM documents d JOIN people p ON p.id = d.person_id"
        ),
        count(&vol, "SELECT count(*) FROM documents")
    );
    assert!(vol.person(&mother.id).is_ok());
    // The household they alone made up goes with them (its address is theirs).
    assert!(vol.household(&household.id).is_err());
    assert_eq!(vol.draft_overview().unwrap().len(), 1);
    // Applying again changes nothing.
    let r = vol
        .apply_retention_at(OffsetDateTime::now_utc() + time::Duration::days(31))
        .unwrap();
    assert_eq!(r.people_deleted, 0);
}

#[test]
fn a_citizens_phone_clears_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path());
    let p = core.add_person(&applicant()).unwrap();
    let r = core
        .apply_retention_at(OffsetDateTime::now_utc() + time::Duration::days(3650))
        .unwrap();
    assert!(!r.applied);
    assert_eq!(r.people_deleted, 0);
    assert!(core.person(&p.id).is_ok());
}
