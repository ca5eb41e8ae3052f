//! Catalog updates in a sync pass, against the real dvc-sync (in this process, SQLite in a temp
//! dir): a published bundle signed with a trusted key is fetched and applied; a download cut
//! short continues from the byte the phone held; a bundle signed with a key the phone does not
//! trust is refused once, recorded with its reason, and not downloaded again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use dvc_core::catalog::signed::{build, embedded_files, generate_signing_key};
use dvc_core::secrets::KeystoreKind;
use dvc_core::sync::db as syncdb;
use dvc_core::sync::SyncConfig;
use dvc_core::test_support::quick_sync_config;
use dvc_core::{Core, OpenOptions};
use dvc_sync::seed::{DEMO_AGENCY, DEMO_CITIZEN};
use ed25519_dalek::SigningKey;
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

/// The embedded catalog as `version`, with the passport's first fee set to `fee`.
fn bundle(version: &str, fee: i64, key: &SigningKey) -> Vec<u8> {
    let mut files = embedded_files();
    let mut m: serde_json::Value = serde_json::from_str(&files["manifest.json"]).unwrap();
    m["catalog_version"] = version.into();
    files.insert("manifest.json".into(), m.to_string());
    let mut p: serde_json::Value =
        serde_json::from_str(&files["procedures/passport-domestic.json"]).unwrap();
    p["fees"]["items"][0]["amount_vnd"] = fee.into();
    files.insert("procedures/passport-domestic.json".into(), p.to_string());
    build(&files, key, "2026-12-07T10:00:00Z").unwrap()
}

async fn publish(srv: &dvc_sync::server::RunningServer, bytes: Vec<u8>, key: &SigningKey) {
    dvc_sync::api::catalog::publish_bundle(
        &srv.state.db,
        &srv.state.blobs,
        bytes,
        &key.verifying_key(),
        dvc_sync::clock::system_now_ms(),
    )
    .await
    .unwrap();
}

fn passport_fee(core: &Core) -> Option<i64> {
    core.catalog_show("passport-domestic")
        .unwrap()
        .procedure
        .fees
        .items[0]
        .amount_vnd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_pass_brings_a_newer_signed_catalog() {
    let sdir = tempfile::tempdir().unwrap();
    let srv = dvc_sync::test_support::demo_server(sdir.path(), true).await;
    let key = generate_signing_key();
    let cfg = SyncConfig {
        catalog_updates: true,
        catalog_check_every: std::time::Duration::ZERO,
        catalog_keys: Some(vec![key.verifying_key().to_bytes()]),
        ..quick_sync_config()
    };
    let dir = tempfile::tempdir().unwrap();
    let phone = open(dir.path());
    phone
        .sync_login(&srv.url(), DEMO_CITIZEN.0, DEMO_CITIZEN.1, None)
        .await
        .unwrap();
    let embedded = phone.catalog_version().unwrap();

    // Nothing published: the pass goes on as before.
    phone.sync_once(&cfg, &|_| {}).await.unwrap();
    assert_eq!(phone.catalog_version().unwrap(), embedded);
    assert!(phone.catalog_last_update().unwrap().is_none());

    // A newer bundle: applied in the next pass.
    publish(&srv, bundle("2027.1.7.1", 260_000, &key), &key).await;
    phone.sync_once(&cfg, &|_| {}).await.unwrap();
    assert_eq!(
        phone.catalog_version().unwrap().as_deref(),
        Some("2027.1.7.1")
    );
    assert_eq!(passport_fee(&phone), Some(260_000));
    assert_eq!(
        phone.catalog_last_update().unwrap().unwrap().outcome,
        "applied"
    );

    // A download cut after 1,000 bytes (held on the phone) continues from there.
    let v2 = bundle("2027.1.8.1", 270_000, &key);
    let sha = hex::encode(Sha256::digest(&v2));
    publish(&srv, v2.clone(), &key).await;
    assert!(syncdb::append_download(phone.store(), &sha, 0, &v2[..1000]).unwrap());
    let report = phone.sync_once(&cfg, &|_| {}).await.unwrap();
    assert_eq!(report.downloads_resumed, 1);
    assert_eq!(report.downloaded_bytes, v2.len() as u64 - 1000);
    assert_eq!(
        phone.catalog_version().unwrap().as_deref(),
        Some("2027.1.8.1")
    );
    assert_eq!(passport_fee(&phone), Some(270_000));

    // Signed with a key the phone does not trust: refused, recorded, not fetched again.
    let stranger = generate_signing_key();
    publish(&srv, bundle("2027.1.9.1", 999_000, &stranger), &stranger).await;
    let report = phone.sync_once(&cfg, &|_| {}).await.unwrap();
    assert!(report.downloaded_bytes > 0);
    assert_eq!(
        phone.catalog_version().unwrap().as_deref(),
        Some("2027.1.8.1")
    );
    assert_eq!(passport_fee(&phone), Some(270_000));
    let status = phone.catalog_last_update().unwrap().unwrap();
    assert_eq!(status.outcome, "refused");
    assert_eq!(status.reason.as_deref(), Some("bad_signature"));
    assert_eq!(status.version.as_deref(), Some("2027.1.9.1"));
    let report = phone.sync_once(&cfg, &|_| {}).await.unwrap();
    assert_eq!(report.downloaded_bytes, 0);

    // The build's own keys (no test key) do not trust the test bundles either.
    let v3 = bundle("2027.1.10.1", 280_000, &key);
    publish(&srv, v3, &key).await;
    let own_keys = SyncConfig {
        catalog_keys: None,
        ..cfg.clone()
    };
    phone.sync_once(&own_keys, &|_| {}).await.unwrap();
    assert_eq!(
        phone.catalog_version().unwrap().as_deref(),
        Some("2027.1.8.1")
    );
    assert_eq!(
        phone
            .catalog_last_update()
            .unwrap()
            .unwrap()
            .reason
            .as_deref(),
        Some("bad_signature")
    );

    // Checks are spaced: within the interval the server is not asked, after it the update comes.
    let spaced = SyncConfig {
        catalog_check_every: std::time::Duration::from_secs(3600),
        ..cfg.clone()
    };
    publish(&srv, bundle("2027.1.11.1", 290_000, &key), &key).await;
    phone.sync_once(&spaced, &|_| {}).await.unwrap();
    assert_eq!(
        phone.catalog_version().unwrap().as_deref(),
        Some("2027.1.8.1")
    );
    phone.sync_once(&cfg, &|_| {}).await.unwrap();
    assert_eq!(
        phone.catalog_version().unwrap().as_deref(),
        Some("2027.1.11.1")
    );
    assert_eq!(passport_fee(&phone), Some(290_000));
}
