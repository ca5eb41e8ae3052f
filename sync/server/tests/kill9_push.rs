//! `kill -9` of the real `dvc-sync` binary while clients push (protocol 1.1): blobs streamed in
//! frames with their dossiers. After a restart nothing acknowledged is lost: every dossier whose
//! push answered a receipt is there with that code, an offset the server reported (in a `head`
//! line) is still held, bytes acknowledged past a commit point ([`COMMIT_BYTES`]) are still held,
//! every interrupted push continues from the server's offset to exactly the
//! bytes sent, and pushing an interrupted dossier again stores it once (one code per dossier).
//! The server's dossiers (the event feed read to its end) are compared with the ledger as sets,
//! before and after the interrupted pushes are repeated, and every blob is hashed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod common;
mod push_support;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use dvc_protocol::push::COMMIT_BYTES;
use dvc_sync::test_support::{login_token, ServeProcess};
use push_support::*;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::Value;

both_backends!(kill_dash_nine_during_pushes_loses_nothing_acknowledged);

fn bin() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_BIN_EXE_dvc-sync"))
}

struct Entry {
    data: Vec<u8>,
    manifest: Value,
    /// The highest offset a `head` line reported for the blob.
    reported: u64,
    /// The receipt's code, once a push answered `done`.
    code: Option<String>,
}

type Ledger = Arc<Mutex<HashMap<String, Entry>>>;

/// Pushes new dossiers, one after the other, each blob streamed in small frames with short
/// pauses so that a kill lands in the middle of pushes.
async fn client_loop(url: String, token: String, ledger: Ledger, seed: u64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    for _ in 0..u32::MAX {
        let mut data = vec![0u8; rng.random_range(100_000..260_000)];
        rng.fill(&mut data[..]);
        let hash = sha(&data);
        let uuid = uuid::Uuid::now_v7().to_string();
        let m = manifest(dvc_sync::seed::DEMO_AGENCY, &[(&hash, data.len())]);
        ledger.lock().unwrap().insert(
            uuid.clone(),
            Entry {
                data: data.clone(),
                manifest: m.clone(),
                reported: 0,
                code: None,
            },
        );
        let Ok(Some(mut p)) =
            tokio::time::timeout(Duration::from_secs(2), RawPush::try_start(&url, &token)).await
        else {
            return;
        };
        let mut start = head(&[(&hash, data.len())], Some(&uuid), None);
        start.extend(manifest_frame(&m));
        if !send(&mut p, &start).await {
            return;
        }
        let Some(h) = p.next_line().await else { return };
        let Some(offset) = h["blobs"][0]["offset"].as_u64() else {
            return;
        };
        ledger.lock().unwrap().get_mut(&uuid).unwrap().reported = offset;
        let mut at = offset as usize;
        while at < data.len() {
            let end = (at + 8192).min(data.len());
            if !send(&mut p, &push_support::data(0, at, &data[at..end])).await {
                return;
            }
            at = end;
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        if !send(&mut p, &end()).await || !p.finish().await {
            return;
        }
        let Some(done) = p.until("done").await else {
            return;
        };
        let code = done["receipt"]["code"].as_str().unwrap().to_owned();
        ledger.lock().unwrap().get_mut(&uuid).unwrap().code = Some(code);
    }
}

/// Streams more than [`COMMIT_BYTES`] of a blob, waits until the server acknowledged them (it has
/// written them durably at that point), and then holds the push open until the kill.
async fn hold_past_a_commit(url: String, token: String, ledger: Ledger, seed: u64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut data = vec![0u8; 400_000];
    rng.fill(&mut data[..]);
    let hash = sha(&data);
    let uuid = uuid::Uuid::now_v7().to_string();
    let m = manifest(dvc_sync::seed::DEMO_AGENCY, &[(&hash, data.len())]);
    let mut p = RawPush::start(&url, &token).await;
    let mut body = head(&[(&hash, data.len())], Some(&uuid), None);
    body.extend(manifest_frame(&m));
    p.send(&body).await;
    let first = frames(0, &data, 0, 200_000, 8192);
    p.send(&first).await;
    p.acked(first.len() as u64).await;
    ledger.lock().unwrap().insert(
        uuid,
        Entry {
            data,
            manifest: m,
            reported: COMMIT_BYTES as u64,
            code: None,
        },
    );
    // Held open: the kill comes while this push waits for more.
    let _ = p.next_line().await;
}

/// Every dossier the account has on the server, uuid → code: the event feed read to its end.
async fn all_dossiers(http: &reqwest::Client, url: &str, token: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut after = String::new();
    loop {
        let q = if after.is_empty() {
            "limit=500".to_owned()
        } else {
            format!("after={after}&limit=500")
        };
        let page: dvc_protocol::events::EventsPage = http
            .get(format!("{url}/v1/events?{q}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for e in &page.events {
            let old = out.insert(e.dossier_uuid.clone(), e.dossier_code.clone());
            assert!(
                old.is_none_or(|c| c == e.dossier_code),
                "{} changed code",
                e.dossier_uuid
            );
        }
        if !page.more {
            return out;
        }
        assert_ne!(page.next_cursor, after, "the feed did not move on");
        after = page.next_cursor;
    }
}

/// Sends bytes unless the server is gone (then false).
async fn send(p: &mut RawPush, bytes: &[u8]) -> bool {
    tokio::time::timeout(Duration::from_secs(2), p.send_checked(bytes))
        .await
        .unwrap_or(false)
}

async fn kill_dash_nine_during_pushes_loses_nothing_acknowledged(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_url(b, dir.path()).await;
    let blobs = dir.path().join("blobs");
    dvc_sync::test_support::demo_seed_with(bin(), &db);
    let ledger: Ledger = Arc::default();
    let (phone, password) = dvc_sync::seed::DEMO_CITIZEN;
    let http = reqwest::Client::new();
    for cycle in 0..3u64 {
        let mut server = ServeProcess::spawn(bin(), &db, &blobs);
        let token = login_token(&http, &server.url, phone, password).await;
        let mut tasks: Vec<_> = (0..4u64)
            .map(|i| {
                tokio::spawn(client_loop(
                    server.url.clone(),
                    token.clone(),
                    ledger.clone(),
                    cycle * 10 + i,
                ))
            })
            .collect();
        tasks.push(tokio::spawn(hold_past_a_commit(
            server.url.clone(),
            token.clone(),
            ledger.clone(),
            cycle + 100,
        )));
        tokio::time::sleep(Duration::from_millis(1500 + cycle * 400)).await;
        server.kill(); // SIGKILL
        for t in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
        }
    }
    let mut server = ServeProcess::spawn(bin(), &db, &blobs);
    let url = server.url.clone();
    let token = login_token(&http, &url, phone, password).await;
    let ledger = Arc::try_unwrap(ledger).ok().unwrap().into_inner().unwrap();
    let acked = ledger.values().filter(|e| e.code.is_some()).count();
    let open = ledger.len() - acked;
    assert!(
        acked >= 3 && open >= 3,
        "the workload proves too little ({acked} acknowledged, {open} interrupted)"
    );
    // Before anything is pushed again: the acknowledged dossiers with their codes, nothing else.
    let before = all_dossiers(&http, &url, &token).await;
    for (uuid, code) in &before {
        let e = ledger
            .get(uuid)
            .unwrap_or_else(|| panic!("stray dossier {uuid} on the server"));
        if let Some(c) = &e.code {
            assert_eq!(c, code, "dossier {uuid} changed its code");
        }
    }
    for (uuid, e) in &ledger {
        if e.code.is_some() {
            assert!(
                before.contains_key(uuid),
                "acknowledged dossier {uuid} lost"
            );
        }
    }
    let mut resumed_mid_blob = 0;
    let mut final_codes: Vec<(String, String)> = Vec::new();
    for (uuid, e) in &ledger {
        let hash = sha(&e.data);
        let mut p = RawPush::start(&url, &token).await;
        let mut start = head(&[(&hash, e.data.len())], Some(uuid), None);
        start.extend(manifest_frame(&e.manifest));
        p.send(&start).await;
        let h = p.next_line().await.unwrap();
        let st = &h["blobs"][0];
        let offset = st["offset"].as_u64().unwrap();
        if st["complete"] == false {
            assert!(
                offset >= e.reported,
                "dossier {uuid}: offset {offset} < reported {}",
                e.reported
            );
            if offset > 0 {
                resumed_mid_blob += 1;
            }
        } else {
            assert_eq!(offset, e.data.len() as u64);
        }
        p.send(&frames(
            0,
            &e.data,
            offset as usize,
            e.data.len(),
            32 * 1024,
        ))
        .await;
        p.send(&end()).await;
        assert!(p.finish().await);
        let done = p
            .until("done")
            .await
            .expect("no done line after the restart");
        let code = done["receipt"]["code"].as_str().unwrap();
        if let Some(c) = &e.code {
            assert_eq!(c, code, "dossier {uuid} changed its code");
        }
        final_codes.push((uuid.clone(), code.to_owned()));
        let res = http
            .get(format!("{url}/v1/blobs/{hash}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(sha(&res.bytes().await.unwrap()), hash, "dossier {uuid}");
    }
    assert!(
        resumed_mid_blob > 0,
        "no interrupted push had durable bytes to resume from"
    );
    // Each dossier is there once, under its uuid, with the code its push answered.
    let mut codes: Vec<String> = Vec::new();
    for (uuid, code) in &final_codes {
        let v: Value = http
            .request(Method::GET, format!("{url}/v1/dossiers/{uuid}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["receipt"]["code"].as_str(), Some(code.as_str()), "{v}");
        codes.push(code.clone());
    }
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), ledger.len(), "two dossiers share a code");
    // The server holds exactly the ledger's dossiers.
    let after = all_dossiers(&http, &url, &token).await;
    let want: BTreeMap<String, String> = final_codes.into_iter().collect();
    assert_eq!(
        after, want,
        "the server's dossiers differ from the ledger's"
    );
    server.kill();
}
