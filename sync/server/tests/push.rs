//! `POST /v1/push` (protocol 1.1): blobs and a dossier in one streamed request, on SQLite and
//! PostgreSQL. The same guarantees as the 1.0 routes: every frame checksummed, a blob owned only
//! once its own bytes hash right, the server's offset kept across a broken connection and
//! continued by either route, a repeat answered like the first time.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod common;
mod push_support;

use common::*;
use dvc_protocol::auth::Role;
use push_support::*;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

both_backends!(
    one_request_uploads_submits_and_brings_the_events_back,
    a_cut_push_keeps_its_checked_bytes_and_either_route_continues,
    frames_are_checked_and_stray_ones_ignored,
    a_wrong_blob_is_discarded_and_owned_by_nobody,
    bad_pushes_are_refused_before_anything_is_opened,
    a_push_outlasts_the_request_timeout,
    a_push_ends_at_its_own_limit_keeping_its_bytes,
    the_clean_up_never_removes_an_upload_a_push_came_back_to,
    a_head_opens_nothing_and_whole_blobs_need_no_upload,
    the_quota_counts_every_new_blob_of_a_push,
);

fn random(n: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0u8; n];
    rand::rngs::StdRng::seed_from_u64(seed).fill(&mut v[..]);
    v[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
    v
}

async fn missing(h: &Harness, token: &str, hash: &str) -> bool {
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/blobs/missing",
            Some(token),
            Some(json!({"sha256": [hash]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    v["missing"].as_array().unwrap().len() == 1
}

async fn blob(h: &Harness, token: &str, hash: &str) -> (StatusCode, Vec<u8>) {
    let res = h
        .req(Method::GET, &format!("/v1/blobs/{hash}"), Some(token))
        .send()
        .await
        .unwrap();
    (res.status(), res.bytes().await.unwrap().to_vec())
}

async fn one_request_uploads_submits_and_brings_the_events_back(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let files: Vec<Vec<u8>> = (0..3)
        .map(|i| random(20_000 + i * 7_777, i as u64))
        .collect();
    let hashes: Vec<String> = files.iter().map(|f| sha(f)).collect();
    let blobs: Vec<(&str, usize)> = hashes
        .iter()
        .map(String::as_str)
        .zip(files.iter().map(Vec::len))
        .collect();
    let m = manifest(AGENCY_X, &blobs);
    let uuid = uuid::Uuid::now_v7().to_string();
    let mut body = head(&blobs, Some(&uuid), Some(""));
    body.extend(manifest_frame(&m));
    let mut data_bytes = 0;
    for (i, f) in files.iter().enumerate() {
        let fr = frames(i as u16, f, 0, f.len(), 8192);
        data_bytes += fr.len();
        body.extend(fr);
    }
    body.extend(end());
    let (s, lines) = push(&h.http, &h.server.url(), &u.token, body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{lines:?}");
    assert_eq!(lines[0]["t"], "head");
    assert_eq!(
        lines[0]["blobs"],
        json!([{"offset":0,"complete":false},{"offset":0,"complete":false},{"offset":0,"complete":false}])
    );
    let acks: Vec<u64> = lines
        .iter()
        .filter(|l| l["t"] == "ack")
        .map(|l| l["n"].as_u64().unwrap())
        .collect();
    assert!(acks.windows(2).all(|w| w[0] < w[1]), "{acks:?}");
    assert_eq!(acks.last().copied(), Some(data_bytes as u64));
    let d = done(&lines);
    assert!(d["blobs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["complete"] == true));
    let code = d["receipt"]["code"].as_str().unwrap().to_owned();
    assert!(code.starts_with(AGENCY_X), "{code}");
    let events = d["events"]["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["dossier_uuid"] == json!(uuid) && e["event"]["type"] == "received"),
        "{d}"
    );
    assert_eq!(d["events"]["more"], false);
    for (f, hash) in files.iter().zip(&hashes) {
        assert_eq!(blob(&h, &u.token, hash).await, (StatusCode::OK, f.clone()));
    }
    // The same push again: the blobs are owned (their frames are skipped), the same receipt.
    let (s, again) = push(&h.http, &h.server.url(), &u.token, body).await;
    assert_eq!(s, StatusCode::OK);
    assert!(again[0]["blobs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["complete"] == true));
    assert_eq!(done(&again)["receipt"]["code"], json!(code));
    let (_, list) = h
        .json(Method::GET, "/v1/dossiers", Some(&u.token), None)
        .await;
    assert_eq!(list["dossiers"].as_array().unwrap().len(), 1);
    // Only what is new comes back once the cursor moved on.
    let cursor = d["events"]["next_cursor"].as_str().unwrap();
    let mut body = head(&[], None, Some(cursor));
    body.extend(end());
    let (_, lines) = push(&h.http, &h.server.url(), &u.token, body).await;
    assert_eq!(done(&lines)["events"]["events"], json!([]));
}

async fn a_cut_push_keeps_its_checked_bytes_and_either_route_continues(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let f = random(300_000, 9);
    let hash = sha(&f);
    let base = h.server.url();
    // 1. Half the blob, then the connection drops (after the server acknowledged it).
    let mut p = RawPush::start(&base, &u.token).await;
    p.send(&head(&[(&hash, f.len())], None, None)).await;
    let first = frames(0, &f, 0, 160_000, 10_000);
    p.send(&first).await;
    let l = p.next_line().await.unwrap();
    assert_eq!((p.status, &l["t"]), (200, &json!("head")));
    p.acked(first.len() as u64).await;
    drop(p);
    // The server keeps every checked byte: the 1.0 route sees the offset …
    let mut offset = 0;
    for _ in 0..100 {
        let (s, v) = h
            .json(
                Method::POST,
                "/v1/uploads",
                Some(&u.token),
                Some(json!({"sha256": hash, "length": f.len()})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        offset = v["offset"].as_u64().unwrap();
        if offset == 160_000 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(offset, 160_000);
    // … and so does the next push, which goes on from there.
    let mut p = RawPush::start(&base, &u.token).await;
    p.send(&head(&[(&hash, f.len())], None, None)).await;
    let l = p.next_line().await.unwrap();
    assert_eq!(l["blobs"][0], json!({"offset": 160_000, "complete": false}));
    p.send(&frames(0, &f, 160_000, 220_000, 10_000)).await;
    p.acked(1).await;
    drop(p);
    // 2. The 1.0 route finishes what the push started.
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": hash, "length": f.len()})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let id = v["upload_id"].as_str().unwrap().to_owned();
    let mut off = v["offset"].as_u64().unwrap() as usize;
    assert!(
        (160_000..=220_000).contains(&off),
        "offset {off} after the second push"
    );
    let mut mismatches = 0;
    while off < f.len() {
        let end = (off + 50_000).min(f.len());
        let res = h
            .req(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&u.token))
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", off.to_string())
            .header("upload-checksum", format!("sha256 {}", sha(&f[off..end])))
            .body(f[off..end].to_vec())
            .send()
            .await
            .unwrap();
        // The cut push may still be writing its last checked bytes when this PATCH arrives: the
        // server then answers 409.2 with its own offset, and a client continues from there (as
        // the sync client does). Only a few such answers are possible: each moves forward.
        if res.status() == StatusCode::CONFLICT && mismatches < 5 {
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(body["code"], "409.2", "{body}");
            let server_off = body["offset"].as_u64().unwrap() as usize;
            assert!(
                server_off >= off,
                "the server went back: {server_off} < {off}"
            );
            mismatches += 1;
            off = server_off;
            continue;
        }
        assert_eq!(res.status(), StatusCode::OK);
        off = end;
    }
    assert_eq!(blob(&h, &u.token, &hash).await, (StatusCode::OK, f.clone()));
}

async fn frames_are_checked_and_stray_ones_ignored(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let base = h.server.url();
    let f = random(40_000, 3);
    let hash = sha(&f);
    // Duplicates and a frame after a gap change nothing; the blob ends up exact.
    let mut body = head(&[(&hash, f.len())], None, None);
    body.extend(data(0, 0, &f[..8000]));
    body.extend(data(0, 0, &f[..8000]));
    body.extend(data(0, 20_000, &f[20_000..30_000]));
    body.extend(data(0, 4000, &f[4000..12_000])); // overlaps: only its tail is new
    body.extend(frames(0, &f, 12_000, f.len(), 7000));
    body.extend(end());
    let (s, lines) = push(&h.http, &base, &u.token, body).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(done(&lines)["blobs"][0]["complete"], true);
    assert_eq!(blob(&h, &u.token, &hash).await, (StatusCode::OK, f.clone()));

    // A damaged frame stops the push with 422.4; the frames before it are kept.
    let g = random(50_000, 4);
    let ghash = sha(&g);
    let mut body = head(&[(&ghash, g.len())], None, None);
    body.extend(frames(0, &g, 0, 20_000, 10_000));
    let mut bad = data(0, 20_000, &g[20_000..30_000]);
    let n = bad.len();
    bad[n - 1] ^= 0xFF;
    body.extend(bad);
    body.extend(end());
    let (s, lines) = push(&h.http, &base, &u.token, body).await;
    assert_eq!(s, StatusCode::OK);
    let last = lines.last().unwrap();
    assert_eq!(
        (&last["t"], &last["error"]["code"]),
        (&json!("error"), &json!("422.4"))
    );
    assert_eq!(
        last["blobs"][0],
        json!({"offset": 20_000, "complete": false})
    );

    // Frames for a blob the head does not have, or past a blob's end: 400.2.
    for bad in [data(1, 0, &g[..10]), data(0, g.len() - 5, &g[..10])] {
        let mut body = head(&[(&ghash, g.len())], None, None);
        body.extend(bad);
        body.extend(end());
        let (s, lines) = push(&h.http, &base, &u.token, body).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(lines.last().unwrap()["error"]["code"], "400.2", "{lines:?}");
    }
    // An unknown frame kind after the head: 400.2.
    let mut body = head(&[(&ghash, g.len())], None, None);
    body.extend(b"Z\0\0\0\0");
    let (_, lines) = push(&h.http, &base, &u.token, body).await;
    assert_eq!(lines.last().unwrap()["error"]["code"], "400.2");
}

async fn a_wrong_blob_is_discarded_and_owned_by_nobody(b: Backend) {
    let h = Harness::start(b).await;
    let owner = h.user(Role::Citizen).await;
    let other = h.user(Role::Citizen).await;
    let f = random(30_000, 5);
    let hash = sha(&f);
    h.upload(&owner.token, &f, 64 * 1024).await;
    // Someone who knows the hash sends other bytes of the same length, with a dossier.
    let junk = random(30_000, 6);
    let m = manifest(AGENCY_X, &[(&hash, f.len())]);
    let mut body = head(
        &[(&hash, f.len())],
        Some(&uuid::Uuid::now_v7().to_string()),
        None,
    );
    body.extend(manifest_frame(&m));
    body.extend(frames(0, &junk, 0, junk.len(), 8192));
    body.extend(end());
    let (s, lines) = push(&h.http, &h.server.url(), &other.token, body).await;
    assert_eq!(s, StatusCode::OK);
    let last = lines.last().unwrap();
    assert_eq!(last["error"]["code"], "422.3", "{lines:?}");
    assert_eq!(blob(&h, &other.token, &hash).await.0, StatusCode::NOT_FOUND);
    assert!(missing(&h, &other.token, &hash).await);
    let (_, list) = h
        .json(Method::GET, "/v1/dossiers", Some(&other.token), None)
        .await;
    assert_eq!(list["dossiers"], json!([]));
    assert_eq!(blob(&h, &owner.token, &hash).await, (StatusCode::OK, f));
}

async fn bad_pushes_are_refused_before_anything_is_opened(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let base = h.server.url();
    let f = random(1000, 7);
    let hash = sha(&f);
    let ok_head = head(&[(&hash, f.len())], None, None);
    let send = |body: Vec<u8>, ct: &'static str, token: Option<String>| {
        let mut r = h
            .http
            .post(format!("{base}/v1/push"))
            .header("content-type", ct)
            .body(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        async move {
            let res = r.send().await.unwrap();
            let s = res.status();
            (s, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let t = || Some(u.token.clone());
    let ct = "application/vnd.dvc.push";
    let (s, v) = send(ok_head.clone(), "application/json", t()).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("415.1"))
    );
    let (s, _) = send(ok_head.clone(), ct, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let (s, _) = send(ok_head.clone(), ct, Some(officer.token.clone())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let cases: Vec<(Vec<u8>, &str, Option<&str>)> = vec![
        (end(), "400.2", Some("body")),
        (Vec::new(), "400.2", Some("body")),
        (
            dvc_protocol::push::encode_frame(b'H', b"{\"blobs\": 5}"),
            "400.1",
            Some("blobs"),
        ),
        (
            head(&[(&hash, f.len()), (&hash, f.len())], None, None),
            "400.2",
            Some("blobs[1].sha256"),
        ),
        (
            head(&[("NOTAHASH", 5)], None, None),
            "400.2",
            Some("blobs[0].sha256"),
        ),
        (
            head(&[(&hash, 0)], None, None),
            "400.2",
            Some("blobs[0].length"),
        ),
        (head(&[(&hash, 1 << 40)], None, None), "413.3", None),
        (
            {
                let many: Vec<String> = (0..65).map(|i| sha(&[i as u8])).collect();
                let b: Vec<(&str, usize)> = many.iter().map(|s| (s.as_str(), 1)).collect();
                head(&b, None, None)
            },
            "400.2",
            Some("blobs"),
        ),
        (
            head(&[(&hash, f.len())], Some("not-a-uuid"), None),
            "400.2",
            Some("dossier_uuid"),
        ),
        (
            head(&[(&hash, f.len())], None, Some("-1")),
            "400.2",
            Some("after"),
        ),
        (
            {
                // submit without its manifest frame
                let mut b = head(
                    &[(&hash, f.len())],
                    Some(&uuid::Uuid::now_v7().to_string()),
                    None,
                );
                b.extend(end());
                b
            },
            "400.2",
            Some("body"),
        ),
        (
            {
                let mut m = manifest(AGENCY_X, &[(&hash, f.len())]);
                m["procedure_code"] = json!("bad code!");
                let mut b = head(
                    &[(&hash, f.len())],
                    Some(&uuid::Uuid::now_v7().to_string()),
                    None,
                );
                b.extend(manifest_frame(&m));
                b
            },
            "400.2",
            Some("procedure_code"),
        ),
    ];
    for (body, code, field) in cases {
        let (s, v) = send(body, ct, t()).await;
        assert_eq!(v["code"].as_str(), Some(code), "{s} {v}");
        assert_eq!(v["field"].as_str(), field, "{v}");
    }
    // None of these opened an upload: the first create of the hash makes a new one.
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": hash, "length": f.len()})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

/// The request timeout covers a push only until its answer starts: a slow link's push that lasts
/// longer than it still finishes.
async fn a_push_outlasts_the_request_timeout(b: Backend) {
    let mut cfg = dvc_sync::config::Config {
        secure_cookies: false,
        ..Default::default()
    };
    cfg.http.request_timeout = std::time::Duration::from_millis(500);
    let h = Harness::start_with(b, cfg).await;
    let u = h.user(Role::Citizen).await;
    let f = random(40_000, 21);
    let hash = sha(&f);
    let mut p = RawPush::start(&h.server.url(), &u.token).await;
    p.send(&head(&[(&hash, f.len())], None, None)).await;
    assert_eq!(p.next_line().await.unwrap()["t"], "head");
    for part in 0..4 {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let from = part * 10_000;
        p.send(&frames(0, &f, from, from + 10_000, 5_000)).await;
    }
    p.send(&end()).await;
    assert!(p.finish().await);
    let done = p.until("done").await.expect("the push was cut off");
    assert_eq!(done["blobs"][0]["complete"], json!(true), "{done}");
    assert_eq!(blob(&h, &u.token, &hash).await, (StatusCode::OK, f));
}

/// A push lasts at most `push::max_duration` (here half the uploads' idle limit: 1 s); then it
/// answers `503.1` with where each blob stands, and what arrived is kept for the next push.
async fn a_push_ends_at_its_own_limit_keeping_its_bytes(b: Backend) {
    let mut cfg = dvc_sync::config::Config {
        secure_cookies: false,
        ..Default::default()
    };
    cfg.retention.open_upload_ms = 2_000;
    let h = Harness::start_with(b, cfg).await;
    let u = h.user(Role::Citizen).await;
    let f = random(50_000, 22);
    let hash = sha(&f);
    let mut p = RawPush::start(&h.server.url(), &u.token).await;
    p.send(&head(&[(&hash, f.len())], None, None)).await;
    let first = frames(0, &f, 0, 20_000, 10_000);
    p.send(&first).await;
    p.acked(first.len() as u64).await;
    let last = p.until("error").await.expect("the push did not end");
    assert_eq!(last["error"]["code"], "503.1", "{last}");
    assert_eq!(last["blobs"][0]["offset"], json!(20_000), "{last}");
    let mut p = RawPush::start(&h.server.url(), &u.token).await;
    p.send(&head(&[(&hash, f.len())], None, None)).await;
    let l = p.next_line().await.unwrap();
    assert_eq!(l["blobs"][0], json!({"offset": 20_000, "complete": false}));
    p.send(&frames(0, &f, 20_000, f.len(), 10_000)).await;
    p.send(&end()).await;
    assert!(p.finish().await);
    let done = p
        .until("done")
        .await
        .expect("the second push did not finish");
    assert_eq!(done["blobs"][0]["complete"], json!(true), "{done}");
    assert_eq!(blob(&h, &u.token, &hash).await, (StatusCode::OK, f));
}

/// An upload idle for almost the clean-up's limit, then taken up again by a push: the push's open
/// restarts the idle clock, so a clean-up pass during the push removes nothing and the push
/// finishes the blob.
async fn the_clean_up_never_removes_an_upload_a_push_came_back_to(b: Backend) {
    const HOUR: i64 = 3600 * 1000;
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let f = random(60_000, 23);
    let hash = sha(&f);
    let mut p = RawPush::start(&h.server.url(), &u.token).await;
    p.send(&head(&[(&hash, f.len())], None, None)).await;
    let first = frames(0, &f, 0, 30_000, 10_000);
    p.send(&first).await;
    p.acked(first.len() as u64).await;
    drop(p);
    // The server commits a broken push's bytes as it notices the break.
    let mut offset = 0;
    for _ in 0..100 {
        offset =
            h.db.open_upload(&u.account.account_id, &hash)
                .await
                .unwrap()
                .map_or(0, |up| up.received);
        if offset == 30_000 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(offset, 30_000, "the cut push's bytes were not kept");
    let retention = h.server.state.cfg.retention.open_upload_ms;
    h.clock.advance(retention - HOUR);
    let mut p = RawPush::start(&h.server.url(), &u.token).await;
    p.send(&head(&[(&hash, f.len())], None, None)).await;
    let l = p.next_line().await.unwrap();
    assert_eq!(l["blobs"][0], json!({"offset": 30_000, "complete": false}));
    h.clock.advance(2 * HOUR);
    let r = dvc_sync::cleanup::run_once(&h.server.state).await.unwrap();
    assert_eq!(r.expired.uploads, 0, "{r:?}");
    p.send(&frames(0, &f, 30_000, f.len(), 10_000)).await;
    p.send(&end()).await;
    assert!(p.finish().await);
    let done = p.until("done").await.expect("the push did not finish");
    assert_eq!(done["blobs"][0]["complete"], json!(true), "{done}");
    assert_eq!(blob(&h, &u.token, &hash).await, (StatusCode::OK, f));
}

/// The head only looks: an upload is opened when a blob's first bytes are written, and a blob whose
/// bytes all arrive in the push is stored without one.
async fn a_head_opens_nothing_and_whole_blobs_need_no_upload(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let f = random(25_000, 41);
    let hash = sha(&f);
    let open = || async {
        h.db.open_upload(&u.account.account_id, &hash)
            .await
            .unwrap()
    };
    // a push that names the blob and sends nothing of it
    let mut body = head(&[(&hash, f.len())], None, None);
    body.extend(end());
    let (s, lines) = push(&h.http, &h.server.url(), &u.token, body).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        done(&lines)["blobs"][0],
        json!({"offset": 0, "complete": false})
    );
    assert!(open().await.is_none(), "a head alone opened an upload");
    assert!(missing(&h, &u.token, &hash).await);
    // all of its bytes in one push: stored, owned, and still no upload
    let mut body = head(&[(&hash, f.len())], None, None);
    body.extend(frames(0, &f, 0, f.len(), 4_000));
    body.extend(end());
    let (s, lines) = push(&h.http, &h.server.url(), &u.token, body).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        done(&lines)["blobs"][0],
        json!({"offset": f.len(), "complete": true})
    );
    assert!(open().await.is_none());
    assert!(!missing(&h, &u.token, &hash).await);
    assert_eq!(blob(&h, &u.token, &hash).await, (StatusCode::OK, f.clone()));
    // part of another blob: now an upload holds its bytes, and a second push finishes it
    let g = random(40_000, 42);
    let g_hash = sha(&g);
    let mut body = head(&[(&g_hash, g.len())], None, None);
    body.extend(frames(0, &g, 0, 15_000, 5_000));
    body.extend(end());
    let (_, lines) = push(&h.http, &h.server.url(), &u.token, body).await;
    assert_eq!(
        done(&lines)["blobs"][0],
        json!({"offset": 15_000, "complete": false})
    );
    let up =
        h.db.open_upload(&u.account.account_id, &g_hash)
            .await
            .unwrap()
            .expect("an upload for the partial blob");
    assert_eq!(up.received, 15_000);
    let mut body = head(&[(&g_hash, g.len())], None, None);
    body.extend(frames(0, &g, 15_000, g.len(), 5_000));
    body.extend(end());
    let (_, lines) = push(&h.http, &h.server.url(), &u.token, body).await;
    assert_eq!(done(&lines)["blobs"][0]["complete"], json!(true));
    assert_eq!(blob(&h, &u.token, &g_hash).await, (StatusCode::OK, g));
}

/// Two blobs that each fit the quota but not together are refused at the head, before a byte.
async fn the_quota_counts_every_new_blob_of_a_push(b: Backend) {
    let h = Harness::start_with(
        b,
        dvc_sync::config::Config {
            secure_cookies: false,
            account_quota_bytes: 100_000,
            ..dvc_sync::config::Config::default()
        },
    )
    .await;
    let u = h.user(Role::Citizen).await;
    let (f, g) = (random(60_000, 51), random(60_000, 52));
    let (fh, gh) = (sha(&f), sha(&g));
    let res = h
        .http
        .post(format!("{}/v1/push", h.server.url()))
        .header("content-type", "application/vnd.dvc.push")
        .bearer_auth(&u.token)
        .body(head(&[(&fh, f.len()), (&gh, g.len())], None, None))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "413.2");
    // one of them fits
    let mut body = head(&[(&fh, f.len())], None, None);
    body.extend(frames(0, &f, 0, f.len(), 8_000));
    body.extend(end());
    let (_, lines) = push(&h.http, &h.server.url(), &u.token, body).await;
    assert_eq!(done(&lines)["blobs"][0]["complete"], json!(true));
    // and then the other does not
    let res = h
        .http
        .post(format!("{}/v1/push", h.server.url()))
        .header("content-type", "application/vnd.dvc.push")
        .bearer_auth(&u.token)
        .body(head(&[(&gh, g.len())], None, None))
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "413.2");
}
