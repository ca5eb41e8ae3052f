//! The hand-off relay (`src/api/handoffs.rs`, protocol 1.3): a volunteer offers an uploaded blob
//! under a bundle id; the first account to claim it is the only one that may read it; once it
//! says it received the bundle, the blob is gone for everyone; an offer nobody received goes
//! after its keep time.

use crate::common::*;
use dvc_protocol::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

crate::both_backends!(
    a_bundle_goes_to_the_one_who_claims_it_then_leaves_the_server,
    offers_are_checked_and_unreceived_ones_expire
);

const BUNDLE: &str = "abcdefghijklmnop-_012Q";
const OTHER_BUNDLE: &str = "ZYXWVUTSRQPONMLKJIHGFw";
const DAY_MS: i64 = 86_400_000;

/// Ciphertext-like bytes: no image, no PDF, nothing the server could read.
fn ciphertext(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ 0x5a)
        .collect()
}

async fn offer(h: &Harness, token: &str, id: &str, sha: &str, size: usize) -> (StatusCode, Value) {
    h.json(
        Method::PUT,
        &format!("/v1/handoffs/{id}"),
        Some(token),
        Some(json!({"sha256": sha, "size": size})),
    )
    .await
}

async fn post(h: &Harness, token: &str, path: &str) -> (StatusCode, Value) {
    h.json(Method::POST, path, Some(token), None).await
}

async fn blob(h: &Harness, token: &str, sha: &str, range: Option<&str>) -> (StatusCode, Vec<u8>) {
    let mut r = h.req(Method::GET, &format!("/v1/blobs/{sha}"), Some(token));
    if let Some(range) = range {
        r = r.header("range", range);
    }
    let res = r.send().await.unwrap();
    (res.status(), res.bytes().await.unwrap().to_vec())
}

async fn a_bundle_goes_to_the_one_who_claims_it_then_leaves_the_server(b: Backend) {
    let h = Harness::start(b).await;
    let volunteer = h.user(Role::Volunteer).await;
    let citizen = h.user(Role::Citizen).await;
    let stranger = h.user(Role::Citizen).await;
    let data = ciphertext(70_000, 7);
    let sha = h.upload(&volunteer.token, &data, 16_384).await;

    // Nothing to claim before the offer.
    let claim = format!("/v1/handoffs/{BUNDLE}/claim");
    let (s, _) = post(&h, &citizen.token, &claim).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, v) = offer(&h, &volunteer.token, BUNDLE, &sha, data.len()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (v["bundle_id"].as_str(), v["claimed"].as_bool()),
        (Some(BUNDLE), Some(false))
    );
    let (s, again) = offer(&h, &volunteer.token, BUNDLE, &sha, data.len()).await;
    assert_eq!((s, &again), (StatusCode::OK, &v), "the same offer again");

    // The citizen cannot read the blob until it claims the bundle.
    assert_eq!(
        blob(&h, &citizen.token, &sha, None).await.0,
        StatusCode::NOT_FOUND
    );
    let (s, v) = post(&h, &citizen.token, &claim).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (
            v["sha256"].as_str(),
            v["size"].as_u64(),
            v["claimed"].as_bool()
        ),
        (Some(sha.as_str()), Some(data.len() as u64), Some(true))
    );
    let (s, _) = post(&h, &citizen.token, &claim).await;
    assert_eq!(s, StatusCode::OK, "claiming again is fine");
    // Claimed: nobody else can claim or read it.
    let (s, _) = post(&h, &stranger.token, &claim).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        blob(&h, &stranger.token, &sha, None).await.0,
        StatusCode::NOT_FOUND
    );

    // The claimer reads it, and resumes a broken download with Range.
    let (s, got) = blob(&h, &citizen.token, &sha, None).await;
    assert_eq!((s, got == data), (StatusCode::OK, true));
    let (s, tail) = blob(&h, &citizen.token, &sha, Some("bytes=50000-")).await;
    assert_eq!(
        (s, tail.as_slice()),
        (StatusCode::PARTIAL_CONTENT, &data[50_000..])
    );

    // The sender sees it claimed, not yet received.
    let (s, list) = h
        .json(Method::GET, "/v1/handoffs", Some(&volunteer.token), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["handoffs"][0]["claimed"], json!(true));
    assert!(list["handoffs"][0].get("received_at").is_none(), "{list}");
    let (_, theirs) = h
        .json(Method::GET, "/v1/handoffs", Some(&citizen.token), None)
        .await;
    assert_eq!(theirs["handoffs"], json!([]), "only the sender lists it");

    // Only the claimer can say it received it; then the bytes are gone for everyone. (The
    // clean-up compares the files' real times with the clock: bring it to the real now.)
    h.clock.set(dvc_sync::clock::system_now_ms() + 1_000);
    let received = format!("/v1/handoffs/{BUNDLE}/received");
    assert_eq!(
        post(&h, &stranger.token, &received).await.0,
        StatusCode::NOT_FOUND
    );
    let (s, v) = post(&h, &citizen.token, &received).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["received_at"].is_string(), "{v}");
    let (s, v2) = post(&h, &citizen.token, &received).await;
    assert_eq!((s, &v2), (StatusCode::OK, &v), "saying it twice is fine");
    for who in [&citizen, &volunteer, &stranger] {
        assert_eq!(
            blob(&h, &who.token, &sha, None).await.0,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        post(&h, &citizen.token, &claim).await.0,
        StatusCode::NOT_FOUND,
        "a received bundle is not claimed again"
    );
    let (_, list) = h
        .json(Method::GET, "/v1/handoffs", Some(&volunteer.token), None)
        .await;
    assert!(list["handoffs"][0]["received_at"].is_string(), "{list}");

    // Its file goes with the next clean-up passes (after the grace time).
    let st = &h.server.state;
    dvc_sync::cleanup::run_once(st).await.unwrap();
    h.clock.advance(2 * 3_600_000);
    let r = dvc_sync::cleanup::run_once(st).await.unwrap();
    assert_eq!(r.files_removed, 1, "{r:?}");
    let stored = h._dir.path().join("blobs");
    let names: Vec<String> = walk(&stored);
    assert!(
        !names.iter().any(|n| n.contains(&sha)),
        "the ciphertext file is gone: {names:?}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p.to_string_lossy().into_owned());
            }
        }
    }
    out
}

async fn offers_are_checked_and_unreceived_ones_expire(b: Backend) {
    let h = Harness::start(b).await;
    let volunteer = h.user(Role::Volunteer).await;
    let other = h.user(Role::Volunteer).await;
    let citizen = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let data = ciphertext(5_000, 1);
    let sha = h.upload(&volunteer.token, &data, 5_000).await;
    let theirs = ciphertext(4_000, 2);
    let their_sha = h.upload(&other.token, &theirs, 4_000).await;

    // Bad ids are unknown; bad bodies are precise; officers have no hand-offs.
    for bad in ["short", "abcdefghijklmnop-_012B", "abcdefghijklmnop+_012Q"] {
        let (s, v) = offer(&h, &volunteer.token, bad, &sha, data.len()).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{bad}: {v}");
    }
    let (s, v) = offer(&h, &volunteer.token, BUNDLE, "ABC", data.len()).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("sha256"))
    );
    let (s, v) = offer(&h, &volunteer.token, BUNDLE, &sha, 0).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("size"))
    );
    let (s, v) = offer(&h, &officer.token, BUNDLE, &sha, data.len()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    // Someone else's blob, or the wrong size: upload first.
    let (s, v) = offer(&h, &volunteer.token, BUNDLE, &their_sha, theirs.len()).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("422.1"))
    );
    assert_eq!(v["missing"], json!([their_sha]));
    let (s, _) = offer(&h, &volunteer.token, BUNDLE, &sha, data.len() + 1).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // One id, one offer: another blob or another account under it conflicts.
    let (s, _) = offer(&h, &volunteer.token, BUNDLE, &sha, data.len()).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, v) = offer(&h, &other.token, BUNDLE, &their_sha, theirs.len()).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.1"))
    );
    let more = ciphertext(3_000, 3);
    let more_sha = h.upload(&volunteer.token, &more, 3_000).await;
    let (s, _) = offer(&h, &volunteer.token, BUNDLE, &more_sha, more.len()).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = offer(&h, &volunteer.token, OTHER_BUNDLE, &more_sha, more.len()).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, v) = h
        .json(Method::GET, "/v1/handoffs", Some(&volunteer.token), None)
        .await;
    assert_eq!(v["handoffs"].as_array().unwrap().len(), 2, "{v}");

    // Nobody came for 14 days: the offer and its bytes are gone, even for the sender.
    let st = &h.server.state;
    h.clock.advance(13 * DAY_MS);
    let r = dvc_sync::cleanup::run_once(st).await.unwrap();
    assert_eq!(r.expired.handoffs, 0);
    assert_eq!(
        post(&h, &citizen.token, &format!("/v1/handoffs/{BUNDLE}/claim"))
            .await
            .0,
        StatusCode::OK
    );
    h.clock.advance(DAY_MS + 1);
    // Past the keep time a claim finds nothing even before the clean-up ran.
    assert_eq!(
        post(
            &h,
            &citizen.token,
            &format!("/v1/handoffs/{OTHER_BUNDLE}/claim")
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let r = dvc_sync::cleanup::run_once(st).await.unwrap();
    assert_eq!(r.expired.handoffs, 2, "{r:?}");
    let (_, v) = h
        .json(Method::GET, "/v1/handoffs", Some(&volunteer.token), None)
        .await;
    assert_eq!(v["handoffs"], json!([]));
    for (who, sha) in [
        (&volunteer, &sha),
        (&citizen, &sha),
        (&volunteer, &more_sha),
    ] {
        assert_eq!(
            blob(&h, &who.token, sha, None).await.0,
            StatusCode::NOT_FOUND
        );
    }
    // Another account's blob that was never offered is untouched.
    assert_eq!(
        blob(&h, &other.token, &their_sha, None).await.0,
        StatusCode::OK
    );
}
