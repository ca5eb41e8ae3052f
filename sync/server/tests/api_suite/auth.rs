//! Registration with an OTP, login, tokens and the login rate limit (`src/api/auth.rs`); the
//! account stories (resend, reset, budgets, admin, outbox) are in `tests/api_accounts.rs`.

use crate::common::*;
use dvc_protocol::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

crate::both_backends!(registration_login_and_tokens, login_is_rate_limited);

async fn registration_login_and_tokens(b: Backend) {
    let h = Harness::start(b).await;
    // bad phone, short password, staff role
    for (body, field) in [
        (registration("12345", "longenough", "citizen"), "phone"),
        (registration("0912345678", "short", "citizen"), "password"),
        (registration("0912345678", "longenough", "officer"), "role"),
    ] {
        let (s, v) = h
            .json(Method::POST, "/v1/auth/register", None, Some(body))
            .await;
        assert_eq!(
            (s, v["code"].as_str(), v["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("400.2"), Some(field))
        );
    }
    // wrong OTP, then right one
    let phone = next_phone();
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/auth/register",
            None,
            Some(registration(
                &format!("+84{}", &phone[1..]),
                "mật khẩu dài",
                "citizen",
            )),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let otp = wait_code(&h, &phone).await;
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    let verify = |code: &str| json!({"phone": phone, "otp": code});
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/auth/register/verify",
            None,
            Some(verify(wrong)),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("400.5"))
    );
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/auth/register/verify",
            None,
            Some(verify(&otp)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["login"], phone.as_str());
    assert_eq!(v["role"], "citizen");
    // the code is single-use
    let (s, _) = h
        .json(
            Method::POST,
            "/v1/auth/register/verify",
            None,
            Some(verify(&otp)),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // wrong password and unknown login look the same
    let (s1, v1) = h
        .json(
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"login": phone, "password": "nope nope"})),
        )
        .await;
    let (s2, v2) = h
        .json(
            Method::POST,
            "/v1/auth/login",
            None,
            Some(json!({"login": "0999999999", "password": "nope nope"})),
        )
        .await;
    assert_eq!(
        (s1, s2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(v1, v2);
    // two devices; revoke one from the other
    let a = h.login(&phone, "mật khẩu dài").await;
    let b2 = h
        .login(&format!("+84 {}", &phone[1..]), "mật khẩu dài")
        .await;
    let (s, me) = h.json(Method::GET, "/v1/me", Some(&a.token), None).await;
    assert_eq!(
        (s, me["login"].as_str()),
        (StatusCode::OK, Some(phone.as_str()))
    );
    let (_, list) = h
        .json(Method::GET, "/v1/auth/tokens", Some(&a.token), None)
        .await;
    let tokens = list["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    let other = tokens.iter().find(|t| t["current"] == false).unwrap()["token_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, _) = h
        .json(
            Method::DELETE,
            &format!("/v1/auth/tokens/{other}"),
            Some(&a.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = h.json(Method::GET, "/v1/me", Some(&b2.token), None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("401.3"))
    );
    let (s, _) = h
        .json(
            Method::DELETE,
            &format!("/v1/auth/tokens/{other}"),
            Some(&a.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // logout revokes the calling token; tokens are stored hashed
    let (s, _) = h
        .json(Method::POST, "/v1/auth/logout", Some(&a.token), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = h.json(Method::GET, "/v1/me", Some(&a.token), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(h
        .db
        .token_by_hash(&a.token, i64::MAX / 2)
        .await
        .unwrap()
        .is_none());
    // expiry
    let c = h.login(&phone, "mật khẩu dài").await;
    h.clock.advance(181 * 24 * 3600 * 1000);
    let (s, _) = h.json(Method::GET, "/v1/me", Some(&c.token), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

async fn login_is_rate_limited(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    for _ in 0..5 {
        let (s, _) = h
            .json(
                Method::POST,
                "/v1/auth/login",
                None,
                Some(json!({"login": u.phone, "password": "wrong password"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let res = h
        .req(Method::POST, "/v1/auth/login", None)
        .json(&json!({"login": u.phone, "password": u.password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 900);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["code"], "429.1");
    // after the window the right password works again
    h.clock.advance(15 * 60 * 1000 + 1);
    h.login(&u.phone, &u.password).await;
    // per-IP limit: many logins for different accounts from one address
    let mut limited = false;
    for i in 0..40 {
        let (s, _) = h
            .json(
                Method::POST,
                "/v1/auth/login",
                None,
                Some(json!({"login": format!("nobody{i}"), "password": "whatever1"})),
            )
            .await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "per-IP login limit never triggered");
}
