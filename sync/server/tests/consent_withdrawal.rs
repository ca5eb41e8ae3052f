//! Withdrawing consent cuts the volunteer off from the citizen's dossiers: after withdrawal the
//! volunteer keeps only the receipt of what it sent (a byte-identical repeat of its submission
//! answers the same receipt). It cannot read the dossier, its events, revisions or result file,
//! nor cancel, resubmit, claim a payment or rate. The citizen keeps everything; a new consent
//! gives the volunteer its access back. On both databases.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

mod common;

use common::*;
use dvc_protocol::auth::Role;
use dvc_protocol::events::{EventKind, EventsPage, ResultDelivery};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

both_backends!(withdrawn_consent_leaves_the_volunteer_only_the_receipt);

async fn grant(h: &Harness, citizen: &User, volunteer: &User) -> String {
    let (s, c) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&citizen.token),
            Some(json!({"volunteer_phone": volunteer.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    c["consent_id"].as_str().unwrap().to_owned()
}

/// Status of each after-submission route for `token` on `uuid`.
async fn statuses(h: &Harness, token: &str, uuid: &str, manifest: &Value) -> Vec<(String, u16)> {
    let mut out = Vec::new();
    let tries: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/v1/dossiers/{uuid}"), None),
        (Method::GET, format!("/v1/dossiers/{uuid}/revisions"), None),
        (
            Method::POST,
            format!("/v1/dossiers/{uuid}/cancel"),
            Some(json!({})),
        ),
        (
            Method::PUT,
            format!("/v1/dossiers/{uuid}/revisions/2"),
            Some(manifest.clone()),
        ),
        (
            Method::POST,
            format!("/v1/dossiers/{uuid}/payment-claim"),
            Some(json!({"amount_vnd": 200000})),
        ),
        (
            Method::PUT,
            format!("/v1/dossiers/{uuid}/rating"),
            Some(json!({"stars": 4})),
        ),
    ];
    for (m, path, body) in tries {
        let (s, _) = h.json(m.clone(), &path, Some(token), body).await;
        out.push((format!("{m} {path}"), s.as_u16()));
    }
    out
}

async fn withdrawn_consent_leaves_the_volunteer_only_the_receipt(b: Backend) {
    let h = Harness::start(b).await;
    let citizen = h.user(Role::Citizen).await;
    let vol = h.user(Role::Volunteer).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let consent = grant(&h, &citizen, &vol).await;

    // The volunteer submits for the citizen, with a photo it uploaded; the agency finishes it
    // with a result file.
    let photo = jpeg(3_000, 21);
    let hash = h.upload(&vol.token, &photo, 1024).await;
    let mut m = manifest(AGENCY_X, &[(&hash, photo.len())]);
    m["on_behalf_of"] = json!({"citizen_phone": citizen.phone});
    let uuid = uuid::Uuid::now_v7().to_string();
    let (s, receipt) = h.submit(&vol.token, &uuid, &m).await;
    assert_eq!(s, StatusCode::CREATED, "{receipt}");
    let console = h.console(&officer).await;
    console.act_ok(&uuid, &[("action", "accept")]).await;
    let res = console
        .upload_result(
            &uuid,
            b"%PDF-1.4\n% ket qua thu nghiem\n".to_vec(),
            "ketqua.pdf",
            "application/pdf",
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    console.act_ok(&uuid, &[("action", "complete")]).await;
    let (_, v) = h
        .json(Method::GET, "/v1/events", Some(&citizen.token), None)
        .await;
    let page: EventsPage = serde_json::from_value(v).unwrap();
    let result_sha = page
        .events
        .iter()
        .find_map(|e| match &e.event {
            EventKind::ResultReady {
                result: ResultDelivery::Online { sha256, .. },
            } => Some(sha256.clone()),
            _ => None,
        })
        .expect("a result file");

    // Before withdrawal the volunteer sees all of it.
    let (s, _) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}"),
            Some(&vol.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let res = h
        .req(
            Method::GET,
            &format!("/v1/blobs/{result_sha}"),
            Some(&vol.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let (s, _) = h
        .json(
            Method::DELETE,
            &format!("/v1/consents/{consent}"),
            Some(&citizen.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    // The volunteer: every route answers as if the dossier did not exist.
    for (route, status) in statuses(&h, &vol.token, &uuid, &m).await {
        assert_eq!(status, 404, "volunteer after withdrawal: {route}");
    }
    let (_, l) = h
        .json(Method::GET, "/v1/dossiers", Some(&vol.token), None)
        .await;
    assert!(!l.to_string().contains(&uuid), "volunteer's list: {l}");
    let (_, e) = h
        .json(Method::GET, "/v1/events", Some(&vol.token), None)
        .await;
    assert_eq!(e["events"], json!([]), "volunteer's feed: {e}");
    let res = h
        .req(
            Method::GET,
            &format!("/v1/blobs/{result_sha}"),
            Some(&vol.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "the result file");
    // ...except the receipt of its own submission, byte for byte.
    let (s, again) = h.submit(&vol.token, &uuid, &m).await;
    assert_eq!((s, &again), (StatusCode::CREATED, &receipt));
    let mut changed = m.clone();
    changed["form"]["so_ban"] = json!(2);
    let (s, v) = h.submit(&vol.token, &uuid, &changed).await;
    // (a different body is refused: the consent was withdrawn)
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("403.8"))
    );

    // The citizen keeps everything (the routes reach their state checks, not a 404).
    let got: Vec<u16> = statuses(&h, &citizen.token, &uuid, &m)
        .await
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(got, [200, 200, 409, 409, 409, 200]);
    let res = h
        .req(
            Method::GET,
            &format!("/v1/blobs/{result_sha}"),
            Some(&citizen.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (_, e) = h
        .json(Method::GET, "/v1/events", Some(&citizen.token), None)
        .await;
    assert!(e.to_string().contains(&uuid));

    // A new consent gives the volunteer its access back.
    grant(&h, &citizen, &vol).await;
    let (s, view) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}"),
            Some(&vol.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{view}");
    assert_eq!(view["rating"]["stars"], 4, "the citizen's rating");
    let (_, e) = h
        .json(Method::GET, "/v1/events", Some(&vol.token), None)
        .await;
    assert!(e.to_string().contains(&uuid));
}
