//! The periodic clean-up and its retention policy, on the manual clock, on both databases:
//! idle uploads (and their part files, and their share of the quota), expired registrations,
//! dead tokens, and the attachment files of dossiers finished long ago — while result files,
//! files of dossiers still open, and files uploaded again meanwhile are kept.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

mod common;

use common::*;
use dvc_protocol::auth::Role;
use dvc_protocol::events::{EventKind, EventsPage, ResultDelivery};
use dvc_sync::cleanup::run_once;
use dvc_sync::clock::Clock;
use reqwest::{Method, StatusCode};
use serde_json::json;

both_backends!(
    idle_uploads_registrations_and_tokens_expire,
    finished_dossiers_lose_their_attachment_files
);

const HOUR: i64 = 3600 * 1000;
const DAY: i64 = 24 * HOUR;

fn blob_file(h: &Harness, sha: &str) -> std::path::PathBuf {
    h._dir.path().join("blobs/sha256").join(&sha[..2]).join(sha)
}

async fn idle_uploads_registrations_and_tokens_expire(b: Backend) {
    let h = Harness::start(b).await;
    let st = &h.server.state;
    let a = h.user(Role::Citizen).await;
    let data = jpeg(1_000, 3);
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&a.token),
            Some(json!({"sha256": sha(&data), "length": data.len()})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["upload_id"].as_str().unwrap().to_owned();
    let res = h
        .req(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&a.token))
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", "0")
        .header("upload-checksum", format!("sha256 {}", sha(&data[..100])))
        .body(data[..100].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let part = h._dir.path().join(format!("blobs/uploads/{id}.part"));
    assert!(part.exists());
    let usage = |h: &Harness| {
        let db = h.db.clone();
        let id = a.account.account_id.clone();
        async move { db.account_usage(&id).await.unwrap() }
    };
    assert_eq!(usage(&h).await, data.len() as i64, "an open upload counts");

    // A registration nobody confirmed, and a revoked token.
    let now = h.clock.now_ms();
    let reg_id = uuid::Uuid::now_v7().to_string();
    h.db.create_registration(&dvc_sync::db::Registration {
        id: reg_id.clone(),
        login: next_phone(),
        role: Role::Citizen,
        display_name: None,
        password_hash: "$argon2id$synthetic".into(),
        otp_hash: sha(b"123456"),
        attempts: 0,
        expires_at: now + 10 * 60 * 1000,
        created_at: now,
    })
    .await
    .unwrap();
    let spare = h.login(&a.phone, &a.password).await;
    let (s, _) = h
        .json(Method::POST, "/v1/auth/logout", Some(&spare.token), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    // Within the policy: nothing goes.
    h.clock.advance(47 * HOUR);
    let r = run_once(st).await.unwrap();
    assert_eq!(
        (r.expired.uploads, r.expired.tokens),
        (0, 0),
        "too early: {r:?}"
    );
    assert_eq!(r.expired.registrations, 1, "expired for over a day: {r:?}");
    assert!(h.db.registration(&reg_id).await.unwrap().is_none());
    let res = h
        .req(Method::HEAD, &format!("/v1/uploads/{id}"), Some(&a.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // Two days without a byte: the upload goes, and with it its share of the quota.
    h.clock.advance(2 * HOUR);
    let r = run_once(st).await.unwrap();
    assert_eq!(r.expired.uploads, 1, "{r:?}");
    let res = h
        .req(Method::HEAD, &format!("/v1/uploads/{id}"), Some(&a.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(usage(&h).await, 0);
    // Its part file goes one pass later.
    assert!(part.exists(), "files wait for a later pass");
    h.clock.advance(2 * HOUR);
    let r = run_once(st).await.unwrap();
    assert_eq!(r.files_removed, 1, "{r:?}");
    assert!(!part.exists());

    // The revoked token is kept 30 days, then removed; the live one stays usable.
    h.clock.advance(30 * DAY);
    let r = run_once(st).await.unwrap();
    assert_eq!(r.expired.tokens, 1, "{r:?}");
    let (s, _) = h.json(Method::GET, "/v1/me", Some(&a.token), None).await;
    assert_eq!(s, StatusCode::OK);
    // Nothing left to do.
    let r = run_once(st).await.unwrap();
    assert_eq!(r, dvc_sync::cleanup::Report::default());
}

async fn finished_dossiers_lose_their_attachment_files(b: Backend) {
    let h = Harness::start(b).await;
    let st = &h.server.state;
    let a = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let (p, q, unused) = (jpeg(2_000, 1), jpeg(2_000, 2), jpeg(2_000, 3));
    let hp = h.upload(&a.token, &p, 4096).await;
    let hq = h.upload(&a.token, &q, 4096).await;
    let hu = h.upload(&a.token, &unused, 4096).await;
    let done = h
        .submit_ok(&a.token, &manifest(AGENCY_X, &[(&hp, p.len())]))
        .await;
    let open = h
        .submit_ok(&a.token, &manifest(AGENCY_X, &[(&hq, q.len())]))
        .await;
    let console = h.console(&officer).await;
    console
        .act_ok(&done.dossier_uuid, &[("action", "accept")])
        .await;
    let res = console
        .upload_result(
            &done.dossier_uuid,
            b"%PDF-1.4\n% ket qua\n".to_vec(),
            "ketqua.pdf",
            "application/pdf",
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    console
        .act_ok(&done.dossier_uuid, &[("action", "complete")])
        .await;
    let (_, v) = h
        .json(Method::GET, "/v1/events", Some(&a.token), None)
        .await;
    let page: EventsPage = serde_json::from_value(v).unwrap();
    let hr = page
        .events
        .iter()
        .find_map(|e| match &e.event {
            EventKind::ResultReady {
                result: ResultDelivery::Online { sha256, .. },
            } => Some(sha256.clone()),
            _ => None,
        })
        .unwrap();

    let readable = |sha: &str| {
        let r = h.req(Method::GET, &format!("/v1/blobs/{sha}"), Some(&a.token));
        async move { r.send().await.unwrap().status() }
    };
    // 89 days after completion: everything is kept.
    h.clock.advance(89 * DAY);
    let r = run_once(st).await.unwrap();
    assert_eq!(r.expired.blobs, 0, "{r:?}");

    // 91 days: the finished dossier's attachment and the never-used upload go; the result file,
    // and the attachment of the dossier still open, stay.
    h.clock.advance(2 * DAY);
    let r = run_once(st).await.unwrap();
    assert_eq!(r.expired.blobs, 2, "{r:?}");
    for gone in [&hp, &hu] {
        assert_eq!(readable(gone).await, StatusCode::NOT_FOUND);
        assert!(blob_file(&h, gone).exists(), "files wait for a later pass");
    }
    for kept in [&hq, &hr] {
        assert_eq!(readable(kept).await, StatusCode::OK);
    }
    // The owner has to send P again to use it in a new dossier.
    let (_, v) = h
        .json(
            Method::POST,
            "/v1/blobs/missing",
            Some(&a.token),
            Some(json!({"sha256": [hp, hq]})),
        )
        .await;
    assert_eq!(v["missing"], json!([hp]));
    // The dossiers themselves, and the code's events, stay.
    let (s, view) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{}", done.dossier_uuid),
            Some(&a.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(view["state"], "completed");

    // The unused file is re-uploaded before its deletion comes due: it is kept.
    assert_eq!(h.upload(&a.token, &unused, 4096).await, hu);
    h.clock.advance(2 * HOUR);
    let r = run_once(st).await.unwrap();
    assert_eq!((r.files_removed, r.files_kept), (1, 1), "{r:?}");
    assert!(!blob_file(&h, &hp).exists());
    assert!(blob_file(&h, &hu).exists());
    assert_eq!(readable(&hu).await, StatusCode::OK);
    for kept in [&hq, &hr] {
        assert!(blob_file(&h, kept).exists());
    }
    // The open dossier is untouched, however old (the device token has expired by then).
    h.clock.advance(400 * DAY);
    run_once(st).await.unwrap();
    let again = h.login(&a.phone, &a.password).await;
    let res = h
        .req(Method::GET, &format!("/v1/blobs/{hq}"), Some(&again.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (s, _) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{}", open.dossier_uuid),
            Some(&again.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}
