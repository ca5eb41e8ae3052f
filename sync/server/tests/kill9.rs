//! `kill -9` durability: the real `dvc-sync` binary is killed (SIGKILL) while clients upload and
//! submit. After a restart nothing acknowledged is lost: every acknowledged dossier is there with
//! its code, codes stay gap-free, acknowledged upload offsets survive and the uploads resume to
//! completion, and re-sending interrupted submissions gets one dossier each.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use dvc_sync::test_support::{login_token, ServeProcess};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

both_backends!(kill_dash_nine_loses_nothing_acknowledged);

fn bin() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_BIN_EXE_dvc-sync"))
}

#[derive(Default)]
struct Ledger {
    /// uuid → (manifest, acknowledged code if any)
    dossiers: HashMap<String, (Value, Option<String>)>,
    /// upload id → (data, acknowledged offset)
    uploads: HashMap<String, (Vec<u8>, u64)>,
}

async fn client_loop(url: String, token: String, ledger: Arc<Mutex<Ledger>>, seed: u8) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for round in 0..u32::MAX {
        let data = jpeg(
            120_000 + usize::from(seed) * 1000 + round as usize,
            seed.wrapping_add(round as u8),
        );
        let hash = sha(&data);
        let Ok(res) = http
            .post(format!("{url}/v1/uploads"))
            .bearer_auth(&token)
            .json(&json!({"sha256": hash, "length": data.len()}))
            .send()
            .await
        else {
            return;
        };
        let Ok(st) = res.json::<Value>().await else {
            return;
        };
        let Some(id) = st["upload_id"].as_str().map(str::to_owned) else {
            return;
        };
        ledger
            .lock()
            .unwrap()
            .uploads
            .insert(id.clone(), (data.clone(), 0));
        let mut off = 0usize;
        while off < data.len() {
            let end = (off + 16 * 1024).min(data.len());
            let res = http
                .patch(format!("{url}/v1/uploads/{id}"))
                .bearer_auth(&token)
                .header("content-type", "application/offset+octet-stream")
                .header("upload-offset", off.to_string())
                .header(
                    "upload-checksum",
                    format!("sha256 {}", sha(&data[off..end])),
                )
                .body(data[off..end].to_vec())
                .send()
                .await;
            match res {
                Ok(r) if r.status() == StatusCode::OK => {
                    off = end;
                    ledger.lock().unwrap().uploads.get_mut(&id).unwrap().1 = off as u64;
                }
                _ => return,
            }
        }
        ledger.lock().unwrap().uploads.remove(&id);
        let uuid = uuid::Uuid::now_v7().to_string();
        let mut m = manifest(dvc_sync::seed::DEMO_AGENCY, &[(&hash, data.len())]);
        m["form"]["round"] = json!(round);
        ledger
            .lock()
            .unwrap()
            .dossiers
            .insert(uuid.clone(), (m.clone(), None));
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
        ledger.lock().unwrap().dossiers.get_mut(&uuid).unwrap().1 =
            Some(v["code"].as_str().unwrap().to_owned());
    }
}

async fn kill_dash_nine_loses_nothing_acknowledged(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_url(b, dir.path()).await;
    let blobs = dir.path().join("blobs");
    dvc_sync::test_support::demo_seed_with(bin(), &db);
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let (phone, password) = dvc_sync::seed::DEMO_CITIZEN;
    let http = reqwest::Client::new();
    for cycle in 0..3u64 {
        let mut server = ServeProcess::spawn(bin(), &db, &blobs);
        let token = login_token(&http, &server.url, phone, password).await;
        let tasks: Vec<_> = (0..6u8)
            .map(|i| {
                tokio::spawn(client_loop(
                    server.url.clone(),
                    token.clone(),
                    ledger.clone(),
                    i * 7 + cycle as u8,
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(1200 + cycle * 450)).await;
        server.kill(); // SIGKILL
        for t in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
        }
    }
    // Restart and check.
    let mut server = ServeProcess::spawn(bin(), &db, &blobs);
    let url = server.url.clone();
    let token = login_token(&http, &url, phone, password).await;
    let h = |m: Method, p: String| http.request(m, format!("{url}{p}")).bearer_auth(&token);
    let ledger = Arc::try_unwrap(ledger).ok().unwrap().into_inner().unwrap();
    let acked = ledger
        .dossiers
        .values()
        .filter(|(_, c)| c.is_some())
        .count();
    assert!(
        acked >= 3,
        "the workload acknowledged too little to prove anything ({acked})"
    );
    // 1. Interrupted uploads: the acknowledged offset survived; resume to completion.
    let mut resumed = 0;
    for (id, (data, acked_off)) in &ledger.uploads {
        let res = h(Method::HEAD, format!("/v1/uploads/{id}"))
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::NOT_FOUND {
            // completed just before the kill: the blob must be there
            let (_, v) = (
                0,
                h(Method::POST, "/v1/blobs/missing".into())
                    .json(&json!({"sha256": [sha(data)]}))
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap(),
            );
            assert_eq!(v["missing"], json!([]), "upload {id} vanished");
            continue;
        }
        let off: u64 = res.headers()["upload-offset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            off >= *acked_off,
            "upload {id}: server offset {off} < acknowledged {acked_off}"
        );
        let mut off = off as usize;
        while off < data.len() {
            let end = (off + 64 * 1024).min(data.len());
            let res = h(Method::PATCH, format!("/v1/uploads/{id}"))
                .header("content-type", "application/offset+octet-stream")
                .header("upload-offset", off.to_string())
                .header(
                    "upload-checksum",
                    format!("sha256 {}", sha(&data[off..end])),
                )
                .body(data[off..end].to_vec())
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status(),
                StatusCode::OK,
                "resume {id}: {}",
                res.text().await.unwrap()
            );
            off = end;
        }
        resumed += 1;
    }
    // 2. Every acknowledged dossier is there with its code; interrupted ones are re-sent once.
    let mut codes = Vec::new();
    for (uuid, (m, code)) in &ledger.dossiers {
        let res = h(Method::PUT, format!("/v1/dossiers/{uuid}"))
            .json(m)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{uuid}: {}",
            res.text().await.unwrap()
        );
        let v: Value = res.json().await.unwrap();
        codes.push(v["code"].as_str().unwrap().to_owned());
        if let Some(code) = code {
            assert_eq!(
                v["code"].as_str(),
                Some(code.as_str()),
                "acknowledged dossier {uuid} changed code"
            );
        }
    }
    // 3. Codes are unique and gap-free per day.
    let list: Value = h(Method::GET, "/v1/dossiers?limit=200".into())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["dossiers"].as_array().unwrap().len(),
        ledger.dossiers.len().min(200),
        "no stray dossiers"
    );
    assert_eq!(codes.len(), ledger.dossiers.len());
    let mut by_day: HashMap<String, Vec<u32>> = HashMap::new();
    for c in &codes {
        let mut parts = c.rsplitn(3, '-');
        let seq: u32 = parts.next().unwrap().parse().unwrap();
        by_day
            .entry(parts.next().unwrap().to_owned())
            .or_default()
            .push(seq);
    }
    for (day, mut seqs) in by_day {
        seqs.sort_unstable();
        assert_eq!(
            seqs,
            (1..=seqs.len() as u32).collect::<Vec<_>>(),
            "gap or duplicate on {day}"
        );
    }
    eprintln!("kill -9 ({b:?}): {acked} acknowledged dossiers kept, {} in flight re-sent, {resumed} uploads resumed", ledger.dossiers.len() - acked);
    server.kill();
}
