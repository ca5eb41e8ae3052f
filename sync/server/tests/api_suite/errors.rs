//! Bad input anywhere is answered with the JSON error body (`src/error.rs`).

use crate::common::*;
use dvc_protocol::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

crate::both_backends!(bad_input_is_json);

async fn bad_input_is_json(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let check = |s: StatusCode, v: &Value, status: u16, code: &str| {
        assert_eq!(s.as_u16(), status, "{v}");
        assert_eq!(v["code"], code, "{v}");
        assert!(v["message"].is_string());
    };
    let (s, v) = h.json(Method::GET, "/v1/nothing-here", None, None).await;
    check(s, &v, 404, "404.1");
    let (s, v) = h
        .json(Method::DELETE, "/v1/events", Some(&u.token), None)
        .await;
    check(s, &v, 405, "405.1");
    let (s, v) = h
        .json(Method::GET, "/v1/me", Some("dvc1_bogus"), None)
        .await;
    check(s, &v, 401, "401.1");
    let (s, v) = h.json(Method::GET, "/v1/me", None, None).await;
    check(s, &v, 401, "401.1");
    let res = h
        .req(Method::POST, "/v1/auth/login", None)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    let s = res.status();
    check(s, &res.json().await.unwrap(), 415, "415.1");
    let res = h
        .req(Method::POST, "/v1/auth/login", None)
        .header("content-type", "application/json")
        .body("{\"login\": ")
        .send()
        .await
        .unwrap();
    let s = res.status();
    check(s, &res.json().await.unwrap(), 400, "400.1");
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"login": "a", "password": "b", "extra": 1})),
        )
        .await;
    check(s, &v, 400, "400.1");
    assert_eq!(v["field"], "extra");
    let big = json!({"procedure_code": "1", "agency_code": AGENCY_X, "form": {"x": "a".repeat(300 * 1024)}, "delivery": {"method": "online"}});
    let (s, v) = h
        .submit(&u.token, &uuid::Uuid::now_v7().to_string(), &big)
        .await;
    check(s, &v, 413, "413.1");
    let res = h
        .req(Method::GET, "/v1/me", Some(&u.token))
        .header("x-dvc-protocol", "2")
        .send()
        .await
        .unwrap();
    let s = res.status();
    check(s, &res.json().await.unwrap(), 400, "400.4");
    let res = h
        .req(Method::GET, "/v1/me", Some(&u.token))
        .header("x-dvc-protocol", "1.3")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["x-dvc-protocol"],
        dvc_protocol::PROTOCOL_VERSION
    );
    let (s, v) = h
        .json(
            Method::GET,
            "/v1/dossiers?state=flying",
            Some(&u.token),
            None,
        )
        .await;
    check(s, &v, 400, "400.2");
    assert_eq!(v["field"], "state");
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/blobs/missing",
            Some(&u.token),
            Some(json!({"sha256": vec!["a".repeat(64); 300]})),
        )
        .await;
    check(s, &v, 400, "400.2");
}
