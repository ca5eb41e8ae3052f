//! Accounts end to end, on SQLite and PostgreSQL: registration by code, resend, reset, change,
//! devices, enumeration resistance, the budgets (concurrent wrong codes and passwords, spoofed and
//! trusted forwarding headers, IPv6 /64 rotation), admin actions, self-service off, and status
//! messages through the outbox (retries, once per event and channel), and the periodic clean-up
//! of codes, counters and sent messages.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

mod common;

use std::sync::Arc;

use common::*;
use dvc_protocol::auth::Role;
use dvc_protocol::dossiers::DossierState;
use dvc_protocol::events::EventKind;
use dvc_sync::clock::ManualClock;
use dvc_sync::config::Config;
use dvc_sync::db::Transition;
use dvc_sync::domain::{Actor, Scope};
use dvc_sync::limits::Budget;
use dvc_sync::notify::outbox::{self, OutboxConfig};
use dvc_sync::notify::{Body, MemoryNotifier, Notifiers};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

both_backends!(
    register_verify_login_and_devices,
    resend_waits_for_the_countdown_and_replaces_the_code,
    forgotten_password_by_code_signs_out_everywhere,
    change_password_keeps_this_device_only,
    known_and_unknown_phones_get_the_same_answers,
    concurrent_wrong_codes_are_counted_before_comparing,
    concurrent_wrong_passwords_are_counted_before_argon2,
    forwarding_headers_count_only_from_trusted_proxies,
    ipv6_clients_are_limited_by_their_slash_64,
    admin_disables_enables_and_sets_passwords,
    registration_is_off_without_a_sender,
    status_messages_go_out_once_per_event_and_channel,
    clean_up_removes_dead_codes_counters_and_sent_messages,
);

/// A server whose every sender is one memory notifier (`h.otp`).
async fn start(b: Backend, cfg: Config) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_db_url(b, dir.path()).await;
    let db = dvc_sync::db::open(&url).await.unwrap();
    let clock = Arc::new(ManualClock::default());
    let otp = Arc::new(MemoryNotifier::default());
    let state = dvc_sync::server::build_state_with(
        db.clone(),
        &dir.path().join("blobs"),
        cfg,
        clock.clone(),
        Notifiers::all(otp.clone()),
    )
    .await
    .unwrap();
    let now = dvc_sync::clock::Clock::now_ms(clock.as_ref());
    db.upsert_agency(AGENCY_X, "Công an xã X (thử nghiệm)", now)
        .await
        .unwrap();
    let server = dvc_sync::server::spawn("127.0.0.1:0", state).await.unwrap();
    Harness {
        server,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        clock,
        otp,
        db,
        backend: b,
        _dir: dir,
    }
}

fn cfg() -> Config {
    Config {
        secure_cookies: false,
        ..Config::default()
    }
}

async fn post(h: &Harness, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
    h.json(Method::POST, path, token, Some(body)).await
}

/// The first code sent to `phone` after the first `after` messages (codes go out in the
/// background).
async fn code_after(h: &Harness, phone: &str, after: usize) -> String {
    for _ in 0..300 {
        let found = h
            .otp
            .sent()
            .into_iter()
            .skip(after)
            .find_map(|(to, m)| match m.body {
                Body::Otp { code, .. } if to.phone.as_deref() == Some(phone) => Some(code),
                _ => None,
            });
        if let Some(code) = found {
            return code;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no new code was sent to the phone");
}

/// Registers `phone` through the API and confirms it.
async fn register(h: &Harness, phone: &str, password: &str) {
    let before = h.otp.sent().len();
    let (s, v) = post(
        h,
        "/v1/auth/register",
        None,
        registration(phone, password, "citizen"),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let code = code_after(h, phone, before).await;
    let (s, v) = post(
        h,
        "/v1/auth/register/verify",
        None,
        json!({"phone": phone, "otp": code}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

fn wrong(code: &str) -> String {
    if code == "000000" { "000001" } else { "000000" }.to_owned()
}

/// Lets background sends finish.
async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
}

async fn register_verify_login_and_devices(b: Backend) {
    let h = start(b, cfg()).await;
    let phone = next_phone();
    // fields checked with the shared rules
    for (patch, field) in [
        (json!({"id_number": "079185000"}), "id_number"),
        (json!({"id_number": "003185000321"}), "id_number"),
        (json!({"id_number": "079285000321"}), "id_number"),
        (json!({"full_name": "Lê 3"}), "full_name"),
        (json!({"birth_date": "05/06/1985"}), "birth_date"),
        (json!({"birth_date": "2999-01-01"}), "birth_date"),
    ] {
        let mut body = registration(&phone, "mật khẩu dài", "citizen");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, v) = post(&h, "/v1/auth/register", None, body).await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{v}"
        );
    }
    let (s, v) = post(
        &h,
        "/v1/auth/register",
        None,
        registration(&phone, "mật khẩu dài", "volunteer"),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert_eq!(
        v,
        json!({"expires_in_s": 600, "resend_after_s": 60, "code_length": 6})
    );
    let code = wait_code(&h, &phone).await;
    let sent = h.otp.sent();
    let (to, msg) = sent.last().unwrap();
    assert_eq!(to.phone.as_deref(), Some(phone.as_str()));
    assert!(matches!(&msg.body, Body::Otp { code: c, .. } if *c == code));
    // the code expires
    h.clock.advance(600_001);
    let (s, v) = post(
        &h,
        "/v1/auth/register/verify",
        None,
        json!({"phone": phone, "otp": code}),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("400.5"))
    );
    register(&h, &phone, "mật khẩu dài").await;
    let (s, me) = post(
        &h,
        "/v1/auth/login",
        None,
        json!({"login": phone, "password": "mật khẩu dài", "device_name": "Redmi 9A"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{me}");
    let token = me["token"].as_str().unwrap().to_owned();
    assert_eq!(me["account"]["role"], "citizen");
    let second = h.login(&phone, "mật khẩu dài").await;
    let (_, list) = h
        .json(Method::GET, "/v1/auth/tokens", Some(&token), None)
        .await;
    let tokens = list["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    let mine = tokens.iter().find(|t| t["current"] == true).unwrap();
    assert_eq!(mine["device_name"], "Redmi 9A");
    assert_eq!(mine["last_seen_at"], mine["created_at"]);
    // last seen moves when the token is used a while later
    h.clock.advance(6 * 60_000);
    let (s, _) = h.json(Method::GET, "/v1/me", Some(&token), None).await;
    assert_eq!(s, StatusCode::OK);
    let mut moved = false;
    for _ in 0..50 {
        let (_, list) = h
            .json(Method::GET, "/v1/auth/tokens", Some(&token), None)
            .await;
        let t = list["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["current"] == true)
            .unwrap()
            .clone();
        if t["last_seen_at"] != t["created_at"] {
            moved = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(moved, "last_seen_at never moved");
    // revoke the other device: it is told it was signed out
    let other = tokens.iter().find(|t| t["current"] == false).unwrap()["token_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, _) = h
        .json(
            Method::DELETE,
            &format!("/v1/auth/tokens/{other}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = h
        .json(Method::GET, "/v1/dossiers", Some(&second.token), None)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("401.3"))
    );
    // sign-out revokes this token
    let (s, _) = post(&h, "/v1/auth/logout", Some(&token), json!(null)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = h.json(Method::GET, "/v1/me", Some(&token), None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("401.3"))
    );
    // the identity is kept with the account
    let acc = h.db.account_by_login(&phone).await.unwrap().unwrap();
    let id = h.db.identity(&acc.id).await.unwrap().unwrap();
    assert_eq!(
        (
            id.full_name.as_str(),
            id.id_number.as_str(),
            id.birth_date.as_str()
        ),
        ("Lê Thị Mẫu", "079185000321", "1985-06-05")
    );
}

async fn resend_waits_for_the_countdown_and_replaces_the_code(b: Backend) {
    let h = start(b, cfg()).await;
    let phone = next_phone();
    let (s, _) = post(
        &h,
        "/v1/auth/register",
        None,
        registration(&phone, "mật khẩu dài", "citizen"),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let first = wait_code(&h, &phone).await;
    let resend = json!({"phone": phone, "purpose": "register"});
    h.clock.advance(30_000);
    let res = h
        .req(Method::POST, "/v1/auth/otp/resend", None)
        .json(&resend)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers()["retry-after"], "30");
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        (v["code"].as_str(), v["retry_after_s"].as_u64()),
        (Some("429.1"), Some(30))
    );
    h.clock.advance(30_000);
    let (s, v) = post(&h, "/v1/auth/otp/resend", None, resend.clone()).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    settle().await;
    let codes: Vec<String> = h
        .otp
        .sent()
        .into_iter()
        .filter_map(|(_, m)| match m.body {
            Body::Otp { code, .. } => Some(code),
            _ => None,
        })
        .collect();
    assert_eq!(codes.len(), 2);
    let second = codes[1].clone();
    // only the new code works (unless both happen to be equal)
    if first != second {
        let (s, _) = post(
            &h,
            "/v1/auth/register/verify",
            None,
            json!({"phone": phone, "otp": first}),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
    }
    let (s, _) = post(
        &h,
        "/v1/auth/register/verify",
        None,
        json!({"phone": phone, "otp": second}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    // nothing pending: the same 202 as with something pending
    h.clock.advance(60_000);
    let (s, v2) = post(
        &h,
        "/v1/auth/otp/resend",
        None,
        json!({"phone": next_phone(), "purpose": "password_reset"}),
    )
    .await;
    assert_eq!((s, v2.clone()), (StatusCode::ACCEPTED, v));
}

async fn forgotten_password_by_code_signs_out_everywhere(b: Backend) {
    let h = start(b, cfg()).await;
    let phone = next_phone();
    register(&h, &phone, "mật khẩu cũ 1").await;
    let a = h.login(&phone, "mật khẩu cũ 1").await;
    let before = h.otp.sent().len();
    let (s, v) = post(&h, "/v1/auth/password-reset", None, json!({"phone": phone})).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let code = code_after(&h, &phone, before).await;
    assert!(matches!(
        h.otp.sent().last().unwrap().1.body,
        Body::Otp {
            purpose: dvc_protocol::auth::OtpPurpose::PasswordReset,
            ..
        }
    ));
    let confirm = |otp: &str, pw: &str| json!({"phone": phone, "otp": otp, "new_password": pw});
    // a bad new password is refused before the code is tried
    let (s, v) = post(
        &h,
        "/v1/auth/password-reset/confirm",
        None,
        confirm(&code, "short"),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("new_password"))
    );
    let (s, v) = post(
        &h,
        "/v1/auth/password-reset/confirm",
        None,
        confirm(&wrong(&code), "mật khẩu mới 2"),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("400.5"))
    );
    let (s, v) = post(
        &h,
        "/v1/auth/password-reset/confirm",
        None,
        confirm(&code, "mật khẩu mới 2"),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, v) = h.json(Method::GET, "/v1/me", Some(&a.token), None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("401.3"))
    );
    let (s, _) = post(
        &h,
        "/v1/auth/login",
        None,
        json!({"login": phone, "password": "mật khẩu cũ 1"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    h.login(&phone, "mật khẩu mới 2").await;
    // the code was used up
    let (s, _) = post(
        &h,
        "/v1/auth/password-reset/confirm",
        None,
        confirm(&code, "mật khẩu mới 3"),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

async fn change_password_keeps_this_device_only(b: Backend) {
    let h = start(b, cfg()).await;
    let phone = next_phone();
    register(&h, &phone, "mật khẩu cũ 1").await;
    let here = h.login(&phone, "mật khẩu cũ 1").await;
    let there = h.login(&phone, "mật khẩu cũ 1").await;
    let change = |old: &str, new: &str| json!({"old_password": old, "new_password": new});
    let (s, v) = post(
        &h,
        "/v1/auth/password",
        Some(&here.token),
        change("sai rồi nhé", "mật khẩu mới 2"),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("403.5"))
    );
    let (s, v) = post(
        &h,
        "/v1/auth/password",
        Some(&here.token),
        change("mật khẩu cũ 1", "mật khẩu mới 2"),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, _) = h.json(Method::GET, "/v1/me", Some(&here.token), None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = h
        .json(Method::GET, "/v1/me", Some(&there.token), None)
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("401.3"))
    );
    h.login(&phone, "mật khẩu mới 2").await;
    // wrong current passwords are limited per account
    let mut limited = false;
    for _ in 0..6 {
        let (s, _) = post(
            &h,
            "/v1/auth/password",
            Some(&here.token),
            change("sai rồi nhé", "mật khẩu mới 3"),
        )
        .await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
        }
    }
    assert!(limited);
}

async fn known_and_unknown_phones_get_the_same_answers(b: Backend) {
    let h = start(b, cfg()).await;
    let known = next_phone();
    let unknown = next_phone();
    register(&h, &known, "mật khẩu dài").await;
    let before = h.otp.sent().len();
    // registering again: the same answer; the owner gets a notice, not a code
    let (s1, v1) = post(
        &h,
        "/v1/auth/register",
        None,
        registration(&known, "khác hẳn đi", "citizen"),
    )
    .await;
    let (s2, v2) = post(
        &h,
        "/v1/auth/register",
        None,
        registration(&unknown, "khác hẳn đi", "citizen"),
    )
    .await;
    assert_eq!((s1, &v1), (s2, &v2));
    settle().await;
    let sent = h.otp.sent()[before..].to_vec();
    let to_known: Vec<_> = sent
        .iter()
        .filter(|(to, _)| to.phone.as_deref() == Some(known.as_str()))
        .collect();
    assert_eq!(to_known.len(), 1);
    assert_eq!(to_known[0].1.body, Body::AccountExists);
    // no code reaches the known number, so its registration cannot be confirmed
    for code in ["000000", "123456"] {
        let (s, v) = post(
            &h,
            "/v1/auth/register/verify",
            None,
            json!({"phone": known, "otp": code}),
        )
        .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("400.5"))
        );
    }
    // reset: the same answer; a code only for the account
    let before = h.otp.sent().len();
    let (s1, v1) = post(&h, "/v1/auth/password-reset", None, json!({"phone": known})).await;
    let stranger = next_phone();
    let (s2, v2) = post(
        &h,
        "/v1/auth/password-reset",
        None,
        json!({"phone": stranger}),
    )
    .await;
    assert_eq!((s1, &v1), (s2, &v2));
    assert_eq!(s1, StatusCode::ACCEPTED);
    settle().await;
    let sent = h.otp.sent()[before..].to_vec();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0.phone.as_deref(), Some(known.as_str()));
    // wrong codes: the same answer for both
    let (s1, v1) = post(
        &h,
        "/v1/auth/password-reset/confirm",
        None,
        json!({"phone": known, "otp": "999999", "new_password": "mật khẩu mới"}),
    )
    .await;
    let (s2, v2) = post(
        &h,
        "/v1/auth/password-reset/confirm",
        None,
        json!({"phone": stranger, "otp": "999999", "new_password": "mật khẩu mới"}),
    )
    .await;
    assert_eq!((s1, &v1), (s2, &v2));
    // logins: the same answer
    let (s1, v1) = post(
        &h,
        "/v1/auth/login",
        None,
        json!({"login": known, "password": "sai mật khẩu"}),
    )
    .await;
    let (s2, v2) = post(
        &h,
        "/v1/auth/login",
        None,
        json!({"login": stranger, "password": "sai mật khẩu"}),
    )
    .await;
    assert_eq!((s1, &v1), (s2, &v2));
    assert_eq!(v1["code"], "401.2");
}

async fn concurrent_wrong_codes_are_counted_before_comparing(b: Backend) {
    let mut c = cfg();
    c.auth.otp_check_per_ip = Budget {
        max: 10_000,
        window_ms: 3_600_000,
    };
    let h = start(b, c).await;
    let phone = next_phone();
    let (s, _) = post(
        &h,
        "/v1/auth/register",
        None,
        registration(&phone, "mật khẩu dài", "citizen"),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let code = wait_code(&h, &phone).await;
    let bad = wrong(&code);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..300 {
        let (http, url, body) = (
            h.http.clone(),
            h.url("/v1/auth/register/verify"),
            json!({"phone": phone, "otp": bad}),
        );
        tasks.spawn(async move {
            let res = http.post(url).json(&body).send().await.unwrap();
            let status = res.status();
            let v: Value = res.json().await.unwrap();
            (status, v["code"].as_str().unwrap_or("").to_owned())
        });
    }
    let mut answers = Vec::new();
    while let Some(r) = tasks.join_next().await {
        answers.push(r.unwrap());
    }
    assert!(
        answers
            .iter()
            .all(|(s, c)| *s == StatusCode::BAD_REQUEST && c == "400.5"),
        "{answers:?}"
    );
    // every one of the 300 was counted against the address…
    let key = dvc_sync::limits::key("otp-check-ip", "127.0.0.1");
    let now = dvc_sync::clock::Clock::now_ms(h.clock.as_ref());
    let counts =
        h.db.hit_rate_limits(
            &[dvc_sync::db::RateHit {
                key,
                window_ms: 3_600_000,
            }],
            now,
        )
        .await
        .unwrap();
    assert_eq!(counts[0].hits, 301);
    // …but the code itself was compared only up to its limit, and is dead now
    let row =
        h.db.otp(&phone, dvc_protocol::auth::OtpPurpose::Register)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(row.attempts, 5);
    let (s, v) = post(
        &h,
        "/v1/auth/register/verify",
        None,
        json!({"phone": phone, "otp": code}),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("400.5"))
    );
}

async fn concurrent_wrong_passwords_are_counted_before_argon2(b: Backend) {
    let h = start(b, cfg()).await;
    let phone = next_phone();
    register(&h, &phone, "mật khẩu dài").await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..25 {
        let (http, url, body) = (
            h.http.clone(),
            h.url("/v1/auth/login"),
            json!({"login": phone, "password": "sai mật khẩu"}),
        );
        tasks.spawn(async move { http.post(url).json(&body).send().await.unwrap().status() });
    }
    let mut statuses = Vec::new();
    while let Some(r) = tasks.join_next().await {
        statuses.push(r.unwrap());
    }
    let unauthorized = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((unauthorized, limited), (5, 20), "{statuses:?}");
    // the right password waits for the window too
    let (s, _) = post(
        &h,
        "/v1/auth/login",
        None,
        json!({"login": phone, "password": "mật khẩu dài"}),
    )
    .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
}

async fn login_status(h: &Harness, forwarded: Option<(&str, &str)>, login: &str) -> StatusCode {
    let mut r = h
        .req(Method::POST, "/v1/auth/login", None)
        .json(&json!({"login": login, "password": "sai mật khẩu"}));
    if let Some((name, value)) = forwarded {
        r = r.header(name, value);
    }
    r.send().await.unwrap().status()
}

async fn forwarding_headers_count_only_from_trusted_proxies(b: Backend) {
    // no trusted proxy: a client naming other addresses is still itself
    let mut c = cfg();
    c.auth.login_per_ip = Budget::per_minutes(3, 5);
    let h = start(b, c.clone()).await;
    let mut got = Vec::new();
    for i in 0..5 {
        let xff = format!("198.51.100.{i}");
        let fwd = format!("for=203.0.113.{i}");
        let header = if i % 2 == 0 {
            ("x-forwarded-for", xff.as_str())
        } else {
            ("forwarded", fwd.as_str())
        };
        got.push(login_status(&h, Some(header), &format!("nobody{i}")).await);
    }
    assert_eq!(got[..3], [StatusCode::UNAUTHORIZED; 3]);
    assert_eq!(got[3..], [StatusCode::TOO_MANY_REQUESTS; 2]);
    // behind a trusted proxy (the test client's loopback), each forwarded client has its budget
    c.auth.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    let h = start(b, c).await;
    for i in 0..5 {
        let xff = format!("198.51.100.{i}");
        assert_eq!(
            login_status(&h, Some(("x-forwarded-for", &xff)), &format!("nobody{i}")).await,
            StatusCode::UNAUTHORIZED
        );
    }
    // …and one forwarded client is limited, whatever it puts in front of the chain
    let mut got = Vec::new();
    for i in 0..4 {
        let xff = format!("10.9.9.{i}, 198.51.100.77");
        got.push(login_status(&h, Some(("x-forwarded-for", &xff)), &format!("x{i}")).await);
    }
    assert_eq!(got[3], StatusCode::TOO_MANY_REQUESTS, "{got:?}");
}

async fn ipv6_clients_are_limited_by_their_slash_64(b: Backend) {
    let mut c = cfg();
    c.auth.login_per_ip = Budget::per_minutes(3, 5);
    c.auth.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    let h = start(b, c).await;
    let mut got = Vec::new();
    for i in 1..=4 {
        let ip = format!("2001:db8:1:2::{i:x}");
        got.push(login_status(&h, Some(("x-forwarded-for", &ip)), &format!("nobody{i}")).await);
    }
    assert_eq!(
        got,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS
        ],
        "rotating addresses inside one /64 shares one budget"
    );
    let fwd = r#"for="[2001:db8:1:3::1]:443""#;
    assert_eq!(
        login_status(&h, Some(("forwarded", fwd)), "nobody9").await,
        StatusCode::UNAUTHORIZED,
        "the next /64 has its own"
    );
}

async fn admin_disables_enables_and_sets_passwords(b: Backend) {
    let h = start(b, cfg()).await;
    let admin = h.staff(Role::Admin, None).await;
    let phone = next_phone();
    register(&h, &phone, "mật khẩu dài").await;
    let user = h.login(&phone, "mật khẩu dài").await;
    let id = user.account.account_id.clone();
    let path = |what: &str| format!("/v1/admin/accounts/{id}/{what}");
    let (s, _) = post(&h, &path("disable"), Some(&admin.token), json!(null)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = h.json(Method::GET, "/v1/me", Some(&user.token), None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("401.3"))
    );
    // the right password of a disabled account: the wrong-password answer
    let (s1, v1) = post(
        &h,
        "/v1/auth/login",
        None,
        json!({"login": phone, "password": "mật khẩu dài"}),
    )
    .await;
    let (s2, v2) = post(
        &h,
        "/v1/auth/login",
        None,
        json!({"login": phone, "password": "sai mật khẩu"}),
    )
    .await;
    assert_eq!((s1, &v1), (s2, &v2));
    assert_eq!(v1["code"], "401.2");
    let (s, _) = post(&h, &path("enable"), Some(&admin.token), json!(null)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    h.login(&phone, "mật khẩu dài").await;
    let (s, v) = post(
        &h,
        &path("password"),
        Some(&admin.token),
        json!({"new_password": "ngắn"}),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("new_password"))
    );
    let (s, _) = post(
        &h,
        &path("password"),
        Some(&admin.token),
        json!({"new_password": "mật khẩu quầy 9"}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    h.login(&phone, "mật khẩu quầy 9").await;
    let (s, _) = post(&h, &path("revoke-tokens"), Some(&admin.token), json!(null)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = h
        .json(Method::GET, &path("audit"), Some(&admin.token), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let actions: Vec<(&str, &str)> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor_login"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
            )
        })
        .collect();
    let who = admin.phone.as_str();
    assert_eq!(
        actions,
        [
            (who, "account_disabled"),
            (who, "account_enabled"),
            (who, "password_set"),
            (who, "tokens_revoked")
        ]
    );
    // not oneself
    let (s, v) = post(
        &h,
        &format!("/v1/admin/accounts/{}/disable", admin.account.account_id),
        Some(&admin.token),
        json!(null),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("400.2"))
    );
}

async fn registration_is_off_without_a_sender(b: Backend) {
    let mut c = cfg();
    c.auth.self_service = false;
    let h = start(b, c).await;
    let phone = next_phone();
    for (path, body) in [
        (
            "/v1/auth/register",
            registration(&phone, "mật khẩu dài", "citizen"),
        ),
        ("/v1/auth/password-reset", json!({"phone": phone})),
        (
            "/v1/auth/otp/resend",
            json!({"phone": phone, "purpose": "register"}),
        ),
    ] {
        let (s, v) = post(&h, path, None, body).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("403.6")),
            "{path}"
        );
    }
    settle().await;
    assert!(h.otp.sent().is_empty());
}

async fn status_messages_go_out_once_per_event_and_channel(b: Backend) {
    let h = start(b, cfg()).await;
    let phone = next_phone();
    register(&h, &phone, "mật khẩu dài").await;
    let u = h.login(&phone, "mật khẩu dài").await;
    let admin = h.staff(Role::Admin, None).await;
    // e-mail needs an address
    let (s, v) = h
        .json(
            Method::PUT,
            "/v1/me/notifications",
            Some(&u.token),
            Some(json!({"channels": ["email"]})),
        )
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("email"))
    );
    let (s, v) = h
        .json(
            Method::PUT,
            "/v1/me/notifications",
            Some(&u.token),
            Some(
                json!({"channels": ["zalo", "email", "sms", "sms"], "email": "Mau.Le@Example.VN"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v,
        json!({"channels": ["sms", "email", "zalo"], "email": "Mau.Le@example.vn", "available": ["sms", "email", "zalo"]})
    );
    let before = h.otp.sent().len();
    let receipt = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let now = dvc_sync::clock::Clock::now_ms(h.clock.as_ref());
    let step = Transition {
        dossier_uuid: receipt.dossier_uuid.clone(),
        scope: Scope::Agency(AGENCY_X.into()),
        actor_id: officer.account.account_id.clone(),
        actor: Actor::Officer,
        event: EventKind::Accepted,
        result_blob: None,
        now,
        audit_detail: String::new(),
    };
    h.db.transition(&step).await.unwrap();
    // the applicant's own cancel would not be announced; nothing is sent before the worker runs
    assert_eq!(h.otp.sent().len(), before);
    let ocfg = OutboxConfig {
        backoff_base_ms: 1000,
        ..OutboxConfig::default()
    };
    // the first attempt of one message fails and is retried after the backoff
    h.otp.fail_next(1);
    let state = &h.server.state;
    assert_eq!(outbox::run_once(state, &ocfg).await.unwrap(), 6);
    let (_, list) = h
        .json(Method::GET, "/v1/admin/outbox", Some(&admin.token), None)
        .await;
    assert_eq!(
        (list["sent"].as_u64(), list["pending"].as_u64()),
        (Some(5), Some(1)),
        "{list}"
    );
    let pending = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["status"] == "pending")
        .unwrap()
        .clone();
    assert_eq!(pending["last_error"], "told to fail");
    assert_eq!(
        outbox::run_once(state, &ocfg).await.unwrap(),
        0,
        "not before the backoff"
    );
    h.clock.advance(1000);
    assert_eq!(outbox::run_once(state, &ocfg).await.unwrap(), 1);
    h.clock.advance(3_600_000);
    assert_eq!(
        outbox::run_once(state, &ocfg).await.unwrap(),
        0,
        "sent ones stay sent"
    );
    let sent: Vec<_> = h.otp.sent()[before..].to_vec();
    assert_eq!(sent.len(), 6);
    let mut seen: Vec<(String, DossierState)> = sent
        .iter()
        .map(|(to, m)| match &m.body {
            Body::Status {
                dossier_code,
                state,
            } => {
                assert_eq!(dossier_code, &receipt.code);
                assert!(to.phone.as_deref() == Some(phone.as_str()));
                assert_eq!(to.email.as_deref(), Some("Mau.Le@example.vn"));
                (m.id.clone(), *state)
            }
            other => panic!("{other:?}"),
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    seen.dedup_by(|a, b| a.0 == b.0);
    assert_eq!(
        seen.len(),
        6,
        "one message per event and channel, each with its own id"
    );
    assert_eq!(
        seen.iter()
            .filter(|(_, s)| *s == DossierState::Received)
            .count(),
        3
    );
    assert_eq!(
        seen.iter()
            .filter(|(_, s)| *s == DossierState::Accepted)
            .count(),
        3
    );
    let (_, list) = h
        .json(
            Method::GET,
            "/v1/admin/outbox?status=sent&limit=2",
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        (list["sent"].as_u64(), list["failed"].as_u64()),
        (Some(6), Some(0))
    );
    // a staff account has no channel settings
    let (s, _) = h
        .json(
            Method::GET,
            "/v1/me/notifications",
            Some(&officer.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

async fn clean_up_removes_dead_codes_counters_and_sent_messages(b: Backend) {
    const MINUTE: i64 = 60_000;
    const DAY: i64 = 24 * 60 * MINUTE;
    let h = start(b, cfg()).await;
    let st = &h.server.state;
    let phone = next_phone();
    register(&h, &phone, "mật khẩu dài").await;
    let u = h.login(&phone, "mật khẩu dài").await;
    // a code nobody confirms: it holds the registration's details until it goes
    let other = next_phone();
    let before = h.otp.sent().len();
    let (s, v) = post(
        &h,
        "/v1/auth/register",
        None,
        registration(&other, "mật khẩu khác", "citizen"),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    code_after(&h, &other, before).await;
    let code_row = |phone: String| {
        let db = h.db.clone();
        async move {
            db.otp(&phone, dvc_protocol::auth::OtpPurpose::Register)
                .await
                .unwrap()
        }
    };
    assert!(code_row(other.clone()).await.is_some());
    // a login budget used up (5 wrong passwords per 15 minutes)
    for _ in 0..5 {
        assert_eq!(
            login_status(&h, None, &phone).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login_status(&h, None, &phone).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // two status messages (received, accepted), sent
    let receipt = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    h.db.transition(&Transition {
        dossier_uuid: receipt.dossier_uuid.clone(),
        scope: Scope::Agency(AGENCY_X.into()),
        actor_id: officer.account.account_id.clone(),
        actor: Actor::Officer,
        event: EventKind::Accepted,
        result_blob: None,
        now: dvc_sync::clock::Clock::now_ms(h.clock.as_ref()),
        audit_detail: String::new(),
    })
    .await
    .unwrap();
    assert_eq!(
        outbox::run_once(st, &OutboxConfig::default())
            .await
            .unwrap(),
        2
    );
    assert_eq!(h.db.outbox_counts().await.unwrap(), (0, 2, 0));

    // Nine minutes on: the code is still live and stays; of the counters only those whose window
    // ended (the one-minute global login count) go — the used-up budget still holds.
    h.clock.advance(9 * MINUTE);
    let r = dvc_sync::cleanup::run_once(st).await.unwrap();
    assert_eq!((r.expired.codes, r.expired.messages), (0, 0));
    assert!(r.expired.counters > 0, "{r:?}");
    assert!(code_row(other.clone()).await.is_some());
    assert_eq!(
        login_status(&h, None, &phone).await,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Past the code's ten minutes and every counter's window (the longest is an hour): both go;
    // the sent messages stay for the admin's list.
    h.clock.advance(2 * 60 * MINUTE);
    let r = dvc_sync::cleanup::run_once(st).await.unwrap();
    assert_eq!(r.expired.codes, 1, "the unconfirmed code");
    assert!(r.expired.counters > 0, "{r:?}");
    assert_eq!(r.expired.messages, 0);
    assert!(code_row(other.clone()).await.is_none());
    let r = dvc_sync::cleanup::run_once(st).await.unwrap();
    assert_eq!(
        (r.expired.codes, r.expired.counters, r.expired.messages),
        (0, 0, 0),
        "nothing left to remove"
    );
    // the budget starts afresh; the account is untouched
    h.login(&phone, "mật khẩu dài").await;

    // Thirty days after sending, the sent messages go (a pending or failed one would stay).
    h.clock.advance(30 * DAY);
    let r = dvc_sync::cleanup::run_once(st).await.unwrap();
    assert_eq!(r.expired.messages, 2);
    assert_eq!(h.db.outbox_counts().await.unwrap(), (0, 0, 0));
}
