//! Knowing a blob's SHA-256 must never be enough to own it. An account that creates an upload for
//! a hash someone else stored, sends garbage and races more creates for the same hash (the moment
//! the garbage is found out, the upload row and its part file go away) must end up owning
//! nothing: `GET /v1/blobs/{sha256}` stays 404, the hash stays missing for it, and the real
//! owner's bytes are untouched. Many rounds, on both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod common;
mod push_support;

use common::*;
use dvc_protocol::auth::Role;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

both_backends!(
    garbage_and_racing_creates_never_grant_ownership,
    garbage_pushes_and_racing_opens_never_grant_ownership
);

/// Rounds per backend (`DVC_RACE_ROUNDS` for more).
fn rounds() -> usize {
    std::env::var("DVC_RACE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40)
}

async fn create(h: &Harness, token: &str, hash: &str, len: usize) -> (StatusCode, Value) {
    h.json(
        Method::POST,
        "/v1/uploads",
        Some(token),
        Some(json!({"sha256": hash, "length": len})),
    )
    .await
}

async fn garbage_and_racing_creates_never_grant_ownership(b: Backend) {
    let h = Harness::start(b).await;
    let owner = h.user(Role::Citizen).await;
    let thief = h.user(Role::Citizen).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(0xB10B);
    let mut garbage_refused = 0;
    for round in 0..rounds() {
        let mut data = vec![0u8; rng.random_range(60_000..200_000)];
        rng.fill(&mut data[..]);
        let hash = h.upload(&owner.token, &data, 64 * 1024).await;
        let len = data.len();

        let (s, v) = create(&h, &thief.token, &hash, len).await;
        assert_eq!(s, StatusCode::CREATED, "round {round}: {v}");
        let id = v["upload_id"].as_str().unwrap().to_owned();
        let mut junk = vec![0u8; len];
        rng.fill(&mut junk[..]);
        let junk_sum = sha(&junk);
        let patch = async {
            h.req(
                Method::PATCH,
                &format!("/v1/uploads/{id}"),
                Some(&thief.token),
            )
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", "0")
            .header("upload-checksum", format!("sha256 {junk_sum}"))
            .body(junk.clone())
            .send()
            .await
            .unwrap()
            .status()
        };
        // Creates spread around the moment the garbage is verified.
        let racer = |delay_us: u64| {
            let (h, token, hash) = (&h, &thief.token, &hash);
            async move {
                tokio::time::sleep(std::time::Duration::from_micros(delay_us)).await;
                create(h, token, hash, len).await
            }
        };
        let delays: Vec<u64> = (0..4).map(|_| rng.random_range(0..4_000)).collect();
        let (patched, r0, r1, r2, r3) = tokio::join!(
            patch,
            racer(delays[0]),
            racer(delays[1]),
            racer(delays[2]),
            racer(delays[3])
        );
        if patched == StatusCode::UNPROCESSABLE_ENTITY {
            garbage_refused += 1;
        }
        for (s, v) in [r0, r1, r2, r3] {
            assert!(s.is_success(), "round {round}: create answered {s} {v}");
            assert_eq!(
                v["complete"], false,
                "round {round}: a create claimed the blob without its bytes: {v}"
            );
        }
        let (s, v) = h
            .json(
                Method::GET,
                &format!("/v1/blobs/{hash}"),
                Some(&thief.token),
                None,
            )
            .await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "round {round}: blob readable: {v}"
        );
        let (s, v) = h
            .json(
                Method::POST,
                "/v1/blobs/missing",
                Some(&thief.token),
                Some(json!({"sha256": [hash]})),
            )
            .await;
        assert_eq!(
            (s, v["missing"].as_array().map(Vec::len)),
            (StatusCode::OK, Some(1)),
            "round {round}: {v}"
        );
        // A last create after the dust settled: still not complete.
        let (_, v) = create(&h, &thief.token, &hash, len).await;
        assert_eq!(v["complete"], false, "round {round}: {v}");
        // The owner's bytes are intact.
        let res = h
            .req(
                Method::GET,
                &format!("/v1/blobs/{hash}"),
                Some(&owner.token),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(sha(&res.bytes().await.unwrap()), hash);
    }
    // The garbage really was sent and found out (otherwise the race was never run).
    assert!(garbage_refused > 0, "no PATCH of garbage was refused");
}

/// The same race through the push stream: garbage pushed for a hash someone else stored, while
/// more pushes and creates of the same hash race it.
async fn garbage_pushes_and_racing_opens_never_grant_ownership(b: Backend) {
    let h = Harness::start(b).await;
    let owner = h.user(Role::Citizen).await;
    let thief = h.user(Role::Citizen).await;
    let base = h.server.url();
    let mut rng = rand::rngs::StdRng::seed_from_u64(0xF00D);
    let mut refused = 0;
    for round in 0..rounds() {
        let mut data = vec![0u8; rng.random_range(30_000..120_000)];
        rng.fill(&mut data[..]);
        let hash = h.upload(&owner.token, &data, 64 * 1024).await;
        let len = data.len();
        let mut junk = vec![0u8; len];
        rng.fill(&mut junk[..]);
        let mut garbage = push_support::head(&[(&hash, len)], None, None);
        garbage.extend(push_support::frames(0, &junk, 0, len, 16 * 1024));
        garbage.extend(push_support::end());
        let mut probe = push_support::head(&[(&hash, len)], None, None);
        probe.extend(push_support::end());
        let pusher = |body: Vec<u8>, delay_us: u64| {
            let (h, token, base) = (&h, &thief.token, &base);
            async move {
                tokio::time::sleep(std::time::Duration::from_micros(delay_us)).await;
                push_support::push(&h.http, base, token, body).await
            }
        };
        let creator = |delay_us: u64| {
            let (h, token, hash) = (&h, &thief.token, &hash);
            async move {
                tokio::time::sleep(std::time::Duration::from_micros(delay_us)).await;
                create(h, token, hash, len).await
            }
        };
        let d: Vec<u64> = (0..4).map(|_| rng.random_range(0..4_000)).collect();
        let ((s0, g0), (s1, p1), (s2, p2), (c0, v0), (c1, v1)) = tokio::join!(
            pusher(garbage.clone(), 0),
            pusher(probe.clone(), d[0]),
            pusher(garbage.clone(), d[1]),
            creator(d[2]),
            creator(d[3])
        );
        for (s, lines) in [(s0, &g0), (s1, &p1), (s2, &p2)] {
            assert_eq!(s, StatusCode::OK, "round {round}: {lines:?}");
            for l in lines.iter() {
                for st in l["blobs"].as_array().into_iter().flatten() {
                    assert_eq!(st["complete"], false, "round {round}: {l}");
                }
            }
            if lines.last().is_some_and(|l| l["error"]["code"] == "422.3") {
                refused += 1;
            }
        }
        for (s, v) in [(c0, v0), (c1, v1)] {
            assert!(s.is_success(), "round {round}: {s} {v}");
            assert_eq!(v["complete"], false, "round {round}: {v}");
        }
        let (s, _) = h
            .json(
                Method::GET,
                &format!("/v1/blobs/{hash}"),
                Some(&thief.token),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "round {round}");
    }
    assert!(refused > 0, "no garbage push was refused");
}
