//! Power loss on the server (SQLite database and blob folder): `dvc-sync serve` runs under the
//! power-loss shim (`tests/powerloss/shim.c`, harness `tests/src/powerloss.rs`) while clients
//! upload photos and submit dossiers; it is killed at a random moment and every write the server
//! had not made durable with fsync is undone, as a disk losing its cache would. After a restart
//! every acknowledged dossier is there with its code and every acknowledged photo reads back
//! with its hash. The negative control runs the same story with fsync not counting: it must lose
//! something acknowledged, or the test above would prove nothing.
//!
//! SIGKILL alone (kill9.rs) keeps the page cache, so only this test fails when an fsync or
//! `synchronous = FULL` is removed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

mod common;
#[path = "../../../tests/src/powerloss.rs"]
#[allow(dead_code)]
mod powerloss;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use dvc_sync::test_support::{login_token, ServeProcess};
use powerloss::PowerCut;
use rand::Rng;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn bin() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_BIN_EXE_dvc-sync"))
}

/// uuid → (code, photo hash) of every acknowledged submission.
type Acked = Arc<Mutex<BTreeMap<String, (String, String)>>>;

/// Uploads a photo and submits a dossier with it, again and again; records what was acknowledged.
async fn client(url: String, token: String, acked: Acked, client: u8) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for round in 0u32.. {
        let data = jpeg(20_000 + usize::from(client) * 1000 + round as usize, client);
        let hash = upload(&http, &url, &token, &data, 8 * 1024).await;
        let uuid = uuid::Uuid::now_v7().to_string();
        let mut m = manifest(dvc_sync::seed::DEMO_AGENCY, &[(&hash, data.len())]);
        m["form"]["round"] = json!(round);
        let Ok(res) = http
            .put(format!("{url}/v1/dossiers/{uuid}"))
            .bearer_auth(&token)
            .json(&m)
            .send()
            .await
        else {
            return;
        };
        if res.status() != StatusCode::CREATED {
            return;
        }
        let Ok(v) = res.json::<Value>().await else {
            return;
        };
        let code = v["code"].as_str().unwrap().to_owned();
        acked.lock().unwrap().insert(uuid, (code, hash));
    }
}

/// Runs clients against a server under the shim, kills it after `ms`, cuts the power.
async fn run_and_cut(
    pc: &PowerCut,
    db: &str,
    blobs: &std::path::Path,
    ignore_sync: bool,
    ms: u64,
    acked: &Acked,
) -> powerloss::CutReport {
    let (phone, password) = dvc_sync::seed::DEMO_CITIZEN;
    let http = reqwest::Client::new();
    let mut server = ServeProcess::spawn_with_env(bin(), db, blobs, &pc.env(ignore_sync).unwrap());
    let token = login_token(&http, &server.url, phone, password).await;
    let tasks: Vec<_> = (0..3u8)
        .map(|i| tokio::spawn(client(server.url.clone(), token.clone(), acked.clone(), i)))
        .collect();
    tokio::time::sleep(Duration::from_millis(ms)).await;
    server.kill();
    for t in tasks {
        let _ = t.await; // the clients stop on the first failed request
    }
    pc.cut().unwrap()
}

/// What a restarted server (no shim) has of `acked`: the dossiers missing or with another code,
/// and the photos missing or damaged.
async fn lost(db: &str, blobs: &std::path::Path, acked: &Acked) -> Vec<String> {
    let (phone, password) = dvc_sync::seed::DEMO_CITIZEN;
    let http = reqwest::Client::new();
    let server = ServeProcess::spawn(bin(), db, blobs);
    let token = login_token(&http, &server.url, phone, password).await;
    let mut lost = Vec::new();
    let acked = acked.lock().unwrap().clone();
    for (uuid, (code, hash)) in &acked {
        let res = http
            .get(format!("{}/v1/dossiers/{uuid}", server.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let kept = if res.status() == StatusCode::OK {
            let v: Value = res.json().await.unwrap();
            v["receipt"]["code"].as_str() == Some(code.as_str())
        } else {
            false
        };
        if !kept {
            lost.push(format!("dossier {code}"));
        }
        let res = http
            .get(format!("{}/v1/blobs/{hash}", server.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let ok = res.status() == StatusCode::OK && sha(&res.bytes().await.unwrap()) == *hash;
        if !ok {
            lost.push(format!("photo {hash}"));
        }
    }
    lost
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_power_cut_loses_nothing_the_server_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("data");
    let pc = PowerCut::new(&root, &dir.path().join("work")).unwrap();
    let db = root.join("sync.db").display().to_string();
    let blobs = root.join("blobs");
    dvc_sync::test_support::demo_seed_with(bin(), &db);
    let acked: Acked = Arc::default();
    let mut rng = rand::rng();
    let mut undone = 0;
    for round in 0..4 {
        let ms = rng.random_range(300..1200);
        let report = run_and_cut(&pc, &db, &blobs, false, ms, &acked).await;
        eprintln!("round {round}: killed after {ms} ms; {report:?}");
        assert!(report.syncs > 0, "the server synced nothing: {report:?}");
        undone += report.undone;
        let lost = lost(&db, &blobs, &acked).await;
        assert!(
            lost.is_empty(),
            "round {round}: lost after a power cut: {lost:?}"
        );
    }
    let n = acked.lock().unwrap().len();
    assert!(
        n >= 4,
        "too few acknowledged submissions to mean anything: {n}"
    );
    // A cut that undoes nothing would prove nothing.
    assert!(undone > 0, "no power cut found a write in flight");
    eprintln!("power loss: {n} acknowledged submissions kept, {undone} unsynced changes undone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_power_cut_does_catch_a_server_that_never_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("data");
    let pc = PowerCut::new(&root, &dir.path().join("work")).unwrap();
    let db = root.join("sync.db").display().to_string();
    let blobs = root.join("blobs");
    dvc_sync::test_support::demo_seed_with(bin(), &db);
    let acked: Acked = Arc::default();
    let report = run_and_cut(&pc, &db, &blobs, true, 800, &acked).await;
    assert!(
        !acked.lock().unwrap().is_empty(),
        "nothing was acknowledged"
    );
    let lost = lost(&db, &blobs, &acked).await;
    assert!(
        !lost.is_empty(),
        "with fsync not counting, the cut should lose acknowledged data: {report:?}"
    );
}
