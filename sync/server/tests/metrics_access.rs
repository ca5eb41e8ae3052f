//! Answers that must not tell outsiders anything: `/metrics` only for the scraper holding the
//! metrics token; a consent grant answers the same `404.1`, byte for byte, for every phone that
//! may not receive consent (unknown, a citizen's, one's own, a disabled volunteer's). The API
//! description stays public: it documents the open-source protocol the app speaks and holds no
//! data. On both databases.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

mod common;

use common::*;
use dvc_protocol::auth::Role;
use dvc_sync::config::{Config, MetricsToken};
use reqwest::{Method, StatusCode};
use serde_json::json;

both_backends!(metrics_need_the_token, consent_grant_answers_are_uniform);

const TOKEN: &str = "metrics-0123456789abcdefghij";

async fn metrics_need_the_token(b: Backend) {
    let h = Harness::start_with(
        b,
        Config {
            secure_cookies: false,
            metrics_token: MetricsToken::new(TOKEN),
            ..Config::default()
        },
    )
    .await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    for auth in [
        None,
        Some("Bearer wrong-token-0123456789abcdefgh".to_owned()),
        Some(format!("Bearer {}", &TOKEN[..TOKEN.len() - 1])),
        Some(format!("Basic {TOKEN}")),
        Some(format!("Bearer {}", officer.token)),
    ] {
        let mut r = h.http.get(h.url("/metrics"));
        if let Some(a) = &auth {
            r = r.header("authorization", a);
        }
        let res = r.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        let body = res.text().await.unwrap();
        assert!(!body.contains("dvc_"), "{body}");
    }
    let res = h
        .http
        .get(h.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert!(text.contains("dvc_dossiers_created_total 0"), "{text}");

    // Without a configured token the route answers like any unknown path.
    let off = Harness::start(b).await;
    let a = off
        .http
        .get(off.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let z = off.http.get(off.url("/no-such-path")).send().await.unwrap();
    assert_eq!(
        (a.status(), z.status()),
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
    );
    assert_eq!(a.text().await.unwrap(), z.text().await.unwrap());

    // The API description is public.
    let (s, doc) = off.json(Method::GET, "/v1/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["paths"]["/metrics"]["get"].is_object());
}

async fn consent_grant_answers_are_uniform(b: Backend) {
    let h = Harness::start(b).await;
    let citizen = h.user(Role::Citizen).await;
    let other = h.user(Role::Citizen).await;
    let vol = h.user(Role::Volunteer).await;
    let disabled_phone = next_phone();
    h.db.create_account(
        &dvc_sync::db::Account {
            id: uuid::Uuid::now_v7().to_string(),
            login: disabled_phone.clone(),
            role: Role::Volunteer,
            agency_code: None,
            display_name: None,
            password_hash: "$argon2id$synthetic".into(),
            disabled: true,
        },
        0,
    )
    .await
    .unwrap();
    let mut answers = Vec::new();
    for phone in [
        next_phone(),          // nobody
        other.phone.clone(),   // a citizen
        citizen.phone.clone(), // oneself
        disabled_phone,        // a disabled volunteer
    ] {
        let res = h
            .req(Method::POST, "/v1/consents", Some(&citizen.token))
            .json(&json!({"volunteer_phone": phone}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        answers.push(res.text().await.unwrap());
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "the answers differ: {answers:?}"
    );
    // nothing was recorded for any of them; the real volunteer works
    let (_, list) = h
        .json(Method::GET, "/v1/consents", Some(&citizen.token), None)
        .await;
    assert_eq!(list["consents"], json!([]));
    let (s, _) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&citizen.token),
            Some(json!({"volunteer_phone": vol.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
}
