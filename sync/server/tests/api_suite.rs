//! The API story suite, run against SQLite and PostgreSQL alike (`sqlite::*` and `postgres::*`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

mod common;

use common::*;
use dvc_protocol::auth::Role;
use dvc_protocol::dossiers::{DossierList, DossierReceipt, DossierView};
use dvc_protocol::events::EventsPage;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

both_backends!(
    health_metrics_and_openapi,
    registration_login_and_tokens,
    login_is_rate_limited,
    resumable_upload,
    upload_limits_and_hash_mismatch,
    idempotent_submission,
    codes_restart_each_day_per_agency,
    concurrent_submitters_get_gap_free_codes,
    volunteer_consent,
    event_feed_cursor_and_long_poll,
    console_actions_become_events,
    bad_input_is_json,
    agencies_list,
    revisions_after_supplement,
    payment_claims,
    ratings,
    cancel_is_idempotent,
    blob_ranges,
    console_supplement_and_fee_forms,
    linked_citizen_resubmits_volunteer_dossier,
);

/// `<agency>-YYMMDD-NNNN`.
fn code_re_ok(code: &str, agency: &str) -> bool {
    let Some(rest) = code.strip_prefix(&format!("{agency}-")) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('-').collect();
    parts.len() == 2
        && parts[0].len() == 6
        && parts[1].len() == 4
        && rest.chars().all(|c| c.is_ascii_digit() || c == '-')
}

async fn health_metrics_and_openapi(b: Backend) {
    let h = Harness::start(b).await;
    let (s, v) = h.json(Method::GET, "/healthz", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "ok");
    assert_eq!(
        v["backend"],
        if b == Backend::Sqlite {
            "sqlite"
        } else {
            "postgres"
        }
    );
    let res = h.req(Method::GET, "/metrics", None).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert!(text.contains("dvc_dossiers_created_total 0"), "{text}");
    let (s, doc) = h.json(Method::GET, "/v1/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    // Every path constant of the protocol crate is documented...
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        dvc_protocol::paths::HEALTHZ,
        dvc_protocol::paths::METRICS,
        dvc_protocol::paths::REGISTER,
        dvc_protocol::paths::REGISTER_VERIFY,
        dvc_protocol::paths::LOGIN,
        dvc_protocol::paths::LOGOUT,
        dvc_protocol::paths::TOKENS,
        dvc_protocol::paths::TOKEN,
        dvc_protocol::paths::ME,
        dvc_protocol::paths::CONSENTS,
        dvc_protocol::paths::CONSENT,
        dvc_protocol::paths::BLOBS_MISSING,
        dvc_protocol::paths::BLOB,
        dvc_protocol::paths::UPLOADS,
        dvc_protocol::paths::UPLOAD,
        dvc_protocol::paths::DOSSIERS,
        dvc_protocol::paths::DOSSIER,
        dvc_protocol::paths::DOSSIER_CANCEL,
        dvc_protocol::paths::EVENTS,
        dvc_protocol::paths::ADMIN_ACCOUNTS,
        dvc_protocol::paths::ADMIN_REVOKE_TOKENS,
        dvc_protocol::paths::AGENCIES,
        dvc_protocol::paths::DOSSIER_REVISION,
        dvc_protocol::paths::DOSSIER_REVISIONS,
        dvc_protocol::paths::DOSSIER_PAYMENT_CLAIM,
        dvc_protocol::paths::DOSSIER_RATING,
    ] {
        assert!(paths.contains_key(p), "{p} missing from openapi.json");
    }
    // ...and every documented operation is routed (never the router's own 404/405).
    for (path, ops) in paths {
        let concrete = path
            .replace("{dossier_uuid}", &uuid::Uuid::now_v7().to_string())
            .replace("{sha256}", &"a".repeat(64))
            .replace("{upload_id}", "x")
            .replace("{token_id}", "x")
            .replace("{consent_id}", "x")
            .replace("{account_id}", "x")
            .replace("{revision}", "2");
        for method in ops.as_object().unwrap().keys() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let res = h.req(m.clone(), &concrete, None).send().await.unwrap();
            let status = res.status();
            let body = res.text().await.unwrap();
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{m} {path}");
            assert!(
                !body.contains("no such route"),
                "{m} {path} is documented but not routed"
            );
        }
    }
    assert_eq!(
        paths.len(),
        26,
        "documented paths changed: update the protocol crate and this test"
    );
}

async fn registration_login_and_tokens(b: Backend) {
    let h = Harness::start(b).await;
    // bad phone, short password, staff role
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/auth/register",
            None,
            Some(json!({"phone": "12345", "password": "longenough", "role": "citizen"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str(), v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("400.2"), Some("phone"))
    );
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/auth/register",
            None,
            Some(json!({"phone": "0912345678", "password": "short", "role": "citizen"})),
        )
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("password"))
    );
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/auth/register",
            None,
            Some(json!({"phone": "0912345678", "password": "longenough", "role": "officer"})),
        )
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("role"))
    );
    // wrong OTP, then right one
    let phone = next_phone();
    let (s, v) = h.json(Method::POST, "/v1/auth/register", None, Some(json!({"phone": format!("+84{}", &phone[1..]), "password": "mật khẩu dài", "role": "citizen"}))).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let reg = v["registration_id"].as_str().unwrap().to_owned();
    let otp = h.otp.code_for(&reg).unwrap();
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/auth/register/verify",
            None,
            Some(json!({"registration_id": reg, "otp": wrong})),
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
            Some(json!({"registration_id": reg, "otp": otp})),
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
            Some(json!({"registration_id": reg, "otp": otp})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // registering the same phone again ends in 409.4 at verification (only the phone's owner learns it)
    let (_, v) = h
        .json(
            Method::POST,
            "/v1/auth/register",
            None,
            Some(json!({"phone": phone, "password": "another one", "role": "volunteer"})),
        )
        .await;
    let reg2 = v["registration_id"].as_str().unwrap().to_owned();
    let otp2 = h.otp.code_for(&reg2).unwrap();
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/auth/register/verify",
            None,
            Some(json!({"registration_id": reg2, "otp": otp2})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.4"))
    );
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
        (StatusCode::UNAUTHORIZED, Some("401.1"))
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

async fn resumable_upload(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let data = jpeg(300_000, 7);
    let hash = sha(&data);
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/blobs/missing",
            Some(&u.token),
            Some(json!({"sha256": [hash, hash]})),
        )
        .await;
    assert_eq!(
        (s, v["missing"].as_array().unwrap().len()),
        (StatusCode::OK, 1)
    );
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": hash, "length": data.len()})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["upload_id"].as_str().unwrap().to_owned();
    let patch = |off: usize, part: Vec<u8>, sum: String| {
        h.req(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&u.token))
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", off.to_string())
            .header("upload-checksum", format!("sha256 {sum}"))
            .body(part)
            .send()
    };
    let res = patch(0, data[..100_000].to_vec(), sha(&data[..100_000]))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["upload-offset"], "100000");
    // HEAD tells the offset
    let res = h
        .req(Method::HEAD, &format!("/v1/uploads/{id}"), Some(&u.token))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            res.status(),
            res.headers()["upload-offset"].to_str().unwrap()
        ),
        (StatusCode::NO_CONTENT, "100000")
    );
    assert_eq!(
        res.headers()["upload-length"].to_str().unwrap(),
        data.len().to_string()
    );
    // wrong offset: 409 with the right one
    let res = patch(
        50_000,
        data[50_000..60_000].to_vec(),
        sha(&data[50_000..60_000]),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        (v["code"].as_str(), v["offset"].as_u64()),
        (Some("409.2"), Some(100_000))
    );
    // bad checksum: chunk discarded, offset unchanged
    let res = patch(100_000, data[100_000..200_000].to_vec(), sha(b"other"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "422.4");
    let res = h
        .req(Method::HEAD, &format!("/v1/uploads/{id}"), Some(&u.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["upload-offset"], "100000");
    // re-creating resumes the same upload
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": hash, "length": data.len()})),
        )
        .await;
    assert_eq!(
        (s, v["upload_id"].as_str(), v["offset"].as_u64()),
        (StatusCode::OK, Some(id.as_str()), Some(100_000))
    );
    // another account cannot see or touch it
    let other = h.user(Role::Citizen).await;
    let res = h
        .req(
            Method::HEAD,
            &format!("/v1/uploads/{id}"),
            Some(&other.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // finish
    let res = patch(100_000, data[100_000..].to_vec(), sha(&data[100_000..]))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["complete"], true);
    let (_, v) = h
        .json(
            Method::POST,
            "/v1/blobs/missing",
            Some(&u.token),
            Some(json!({"sha256": [hash]})),
        )
        .await;
    assert_eq!(v["missing"], json!([]));
    // still missing for the other account (no cross-account oracle), who must send the bytes too
    let (_, v) = h
        .json(
            Method::POST,
            "/v1/blobs/missing",
            Some(&other.token),
            Some(json!({"sha256": [hash]})),
        )
        .await;
    assert_eq!(v["missing"], json!([hash]));
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": hash, "length": data.len()})),
        )
        .await;
    assert_eq!((s, v["complete"].as_bool()), (StatusCode::OK, Some(true)));
    // read back
    let res = h
        .req(Method::GET, &format!("/v1/blobs/{hash}"), Some(&u.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.bytes().await.unwrap().to_vec(), data);
    let res = h
        .req(
            Method::GET,
            &format!("/v1/blobs/{hash}"),
            Some(&other.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    h.upload(&other.token, &data, 64 * 1024).await;
    let res = h
        .req(
            Method::GET,
            &format!("/v1/blobs/{hash}"),
            Some(&other.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

async fn upload_limits_and_hash_mismatch(b: Backend) {
    let cfg = dvc_sync::config::Config {
        max_blob_bytes: 1000,
        account_quota_bytes: 2500,
        secure_cookies: false,
        ..Default::default()
    };
    let h = Harness::start_with(b, cfg).await;
    let u = h.user(Role::Volunteer).await;
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": sha(b"x"), "length": 1001})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("413.3"))
    );
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": "ABC", "length": 10})),
        )
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("sha256"))
    );
    // declared hash does not match the bytes: discarded with 422.3
    let data = jpeg(500, 1);
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": sha(b"something else"), "length": data.len()})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = v["upload_id"].as_str().unwrap();
    let res = h
        .req(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&u.token))
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", "0")
        .header("upload-checksum", format!("sha256 {}", sha(&data)))
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "422.3");
    let res = h
        .req(Method::HEAD, &format!("/v1/uploads/{id}"), Some(&u.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // chunk past the declared length; missing headers; wrong content type; oversized chunk
    let (_, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": sha(&data), "length": data.len()})),
        )
        .await;
    let id = v["upload_id"].as_str().unwrap().to_owned();
    let big = vec![0u8; data.len() + 1];
    let res = h
        .req(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&u.token))
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", "0")
        .header("upload-checksum", format!("sha256 {}", sha(&big)))
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = h
        .req(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&u.token))
        .header("content-type", "application/offset+octet-stream")
        .body(data.clone())
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        (v["code"].as_str(), v["field"].as_str()),
        (Some("400.3"), Some("upload-offset"))
    );
    let res = h
        .req(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&u.token))
        .header("content-type", "text/plain")
        .header("upload-offset", "0")
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = vec![1u8; dvc_protocol::blobs::MAX_CHUNK_BYTES + 1];
    let res = h
        .req(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&u.token))
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", "0")
        .header("upload-checksum", format!("sha256 {}", sha(&huge)))
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "413.1");
    // quota: 500 (open) + 1000 + 1000 > 2500
    h.upload(&u.token, &jpeg(996, 2), 400).await;
    let (s, v) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&u.token),
            Some(json!({"sha256": sha(b"q"), "length": 1000})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("413.2"))
    );
}

async fn idempotent_submission(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let photo = jpeg(20_000, 3);
    let hash = sha(&photo);
    let m = manifest(AGENCY_X, &[(&hash, photo.len())]);
    let uuid = uuid::Uuid::now_v7().to_string();
    // attachments first
    let (s, v) = h.submit(&u.token, &uuid, &m).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("422.1"))
    );
    assert_eq!(v["missing"], json!([hash]));
    h.upload(&u.token, &photo, 8192).await;
    let (s, first) = h.submit(&u.token, &uuid, &m).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let r: DossierReceipt = serde_json::from_value(first.clone()).unwrap();
    assert!(code_re_ok(&r.code, AGENCY_X), "{}", r.code);
    assert!(r.code.ends_with("-0001"));
    // the same request again, and with keys reordered: the same answer
    let (s, again) = h.submit(&u.token, &uuid, &m).await;
    assert_eq!((s, &again), (StatusCode::CREATED, &first));
    let reordered: Value = serde_json::from_str(&{
        let mut o = serde_json::Map::new();
        for k in [
            "delivery",
            "attachments",
            "form",
            "agency_code",
            "procedure_code",
        ] {
            o.insert(k.into(), m[k].clone());
        }
        serde_json::to_string(&Value::Object(o)).unwrap()
    })
    .unwrap();
    let (s, again) = h.submit(&u.token, &uuid, &reordered).await;
    assert_eq!((s, &again), (StatusCode::CREATED, &first));
    // different content under the same uuid
    let mut changed = m.clone();
    changed["form"]["ho_ten"] = json!("Người Khác");
    let (s, v) = h.submit(&u.token, &uuid, &changed).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.1"))
    );
    // another account reusing the uuid
    let other = h.user(Role::Citizen).await;
    let (s, v) = h.submit(&other.token, &uuid, &json!({"procedure_code": "1.001456", "agency_code": AGENCY_X, "form": {}, "delivery": {"method": "online"}})).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.1"))
    );
    // the next dossier gets the next number; unknown agency; bad uuid; malformed JSON
    let r2 = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    assert!(r2.code.ends_with("-0002"), "{}", r2.code);
    let (s, v) = h
        .submit(
            &u.token,
            &uuid::Uuid::now_v7().to_string(),
            &manifest("999.99.99.Z99", &[]),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str(), v["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("422.2"),
            Some("agency_code")
        )
    );
    let (s, v) = h.submit(&u.token, "not-a-uuid", &m).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("dossier_uuid"))
    );
    let mut bad = m.clone();
    bad["delivery"] = json!({"method": "carrier pigeon"});
    let (s, v) = h
        .submit(&u.token, &uuid::Uuid::now_v7().to_string(), &bad)
        .await;
    assert_eq!(
        (s, v["code"].as_str(), v["field"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("400.1"),
            Some("delivery.method")
        )
    );
    let mut bad = m.clone();
    bad["attachments"][0]["sha256"] = json!("XYZ");
    let (s, v) = h
        .submit(&u.token, &uuid::Uuid::now_v7().to_string(), &bad)
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("attachments[0].sha256"))
    );
    // read back, list
    let (s, v) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}"),
            Some(&u.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let view: DossierView = serde_json::from_value(v).unwrap();
    assert_eq!(view.receipt, r);
    assert_eq!(view.events.len(), 1);
    assert_eq!(
        view.manifest.form["ho_ten"],
        dvc_protocol::dossiers::FormValue::Text("Nguyễn Văn Thử".into())
    );
    let (_, v) = h
        .json(Method::GET, "/v1/dossiers", Some(&u.token), None)
        .await;
    let list: DossierList = serde_json::from_value(v).unwrap();
    assert_eq!(list.dossiers.len(), 2);
    assert_eq!(list.dossiers[0].code, r2.code, "newest first");
    let (_, v) = h
        .json(Method::GET, "/v1/dossiers", Some(&other.token), None)
        .await;
    assert_eq!(v["dossiers"], json!([]));
    let (s, _) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}"),
            Some(&other.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // cancel
    let (s, v) = h
        .json(
            Method::POST,
            &format!("/v1/dossiers/{}/cancel", r2.dossier_uuid),
            Some(&u.token),
            Some(json!({"reason": "nộp nhầm"})),
        )
        .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    let (s, v) = h
        .json(
            Method::POST,
            &format!("/v1/dossiers/{}/cancel", r2.dossier_uuid),
            Some(&u.token),
            Some(json!({})),
        )
        .await;
    // cancelling again is idempotent: the view, no second event
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    assert_eq!(v["events"].as_array().unwrap().len(), 2);
}

async fn codes_restart_each_day_per_agency(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    // 2026-03-01 16:59:00 UTC = 23:59 in Vietnam
    h.clock.set(1_772_384_340_000);
    let a1 = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let a2 = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let y1 = h.submit_ok(&u.token, &manifest(AGENCY_Y, &[])).await;
    assert_eq!(a1.code, format!("{AGENCY_X}-260301-0001"));
    assert_eq!(a2.code, format!("{AGENCY_X}-260301-0002"));
    assert_eq!(y1.code, format!("{AGENCY_Y}-260301-0001"));
    h.clock.advance(2 * 60 * 1000); // 00:01 on 2 March in Vietnam, still 1 March in UTC
    let a3 = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    assert_eq!(a3.code, format!("{AGENCY_X}-260302-0001"));
}

async fn concurrent_submitters_get_gap_free_codes(b: Backend) {
    let h = std::sync::Arc::new(Harness::start(b).await);
    let mut users = Vec::new();
    for _ in 0..8 {
        users.push(h.user(Role::Citizen).await);
    }
    let tokens: Vec<String> = users.iter().map(|u| u.token.clone()).collect();
    let per_user = 25;
    let mut tasks = Vec::new();
    for t in &tokens {
        for i in 0..per_user {
            let h = h.clone();
            let t = t.clone();
            tasks.push(tokio::spawn(async move {
                let uuid = uuid::Uuid::now_v7().to_string();
                let mut m = manifest(AGENCY_X, &[]);
                m["form"]["i"] = json!(i);
                // every submission is also retried concurrently: a retry must get the same code
                let (a, b2) = tokio::join!(h.submit(&t, &uuid, &m), h.submit(&t, &uuid, &m));
                assert_eq!(a.0, StatusCode::CREATED, "{}", a.1);
                assert_eq!(a, b2, "concurrent repeats disagree");
                a.1["code"].as_str().unwrap().to_owned()
            }));
        }
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    let n = tokens.len() * per_user;
    let mut seqs: Vec<u32> = codes
        .iter()
        .map(|c| c.rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (1..=n as u32).collect::<Vec<_>>(),
        "codes must be unique and gap-free"
    );
    let days: std::collections::HashSet<&str> = codes
        .iter()
        .map(|c| c.rsplit('-').nth(1).unwrap())
        .collect();
    assert_eq!(days.len(), 1);
}

async fn volunteer_consent(b: Backend) {
    let h = Harness::start(b).await;
    let citizen = h.user(Role::Citizen).await;
    let vol = h.user(Role::Volunteer).await;
    let stranger = h.user(Role::Citizen).await;
    let mut m = manifest(AGENCY_X, &[]);
    m["on_behalf_of"] = json!({"citizen_phone": citizen.phone});
    let uuid = uuid::Uuid::now_v7().to_string();
    let (s, v) = h.submit(&vol.token, &uuid, &m).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("403.2"))
    );
    // citizens cannot submit on behalf; consents are for volunteers only
    let (s, v) = h.submit(&citizen.token, &uuid, &m).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("on_behalf_of"))
    );
    let (s, _) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&citizen.token),
            Some(json!({"volunteer_phone": stranger.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, c) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&citizen.token),
            Some(json!({"volunteer_phone": vol.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let (s, c2) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&citizen.token),
            Some(json!({"volunteer_phone": vol.phone})),
        )
        .await;
    assert_eq!(
        (s, &c2["consent_id"]),
        (StatusCode::CREATED, &c["consent_id"]),
        "idempotent"
    );
    let (s, first) = h.submit(&vol.token, &uuid, &m).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    // both see it; a stranger does not
    for t in [&citizen.token, &vol.token] {
        let (s, _) = h
            .json(Method::GET, &format!("/v1/dossiers/{uuid}"), Some(t), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        let (_, ev) = h.json(Method::GET, "/v1/events", Some(t), None).await;
        assert_eq!(ev["events"].as_array().unwrap().len(), 1);
    }
    let (s, _) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}"),
            Some(&stranger.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // withdraw consent: the volunteer's repeat still gets its answer, a new one is refused
    let (s, _) = h
        .json(
            Method::DELETE,
            &format!("/v1/consents/{}", c["consent_id"].as_str().unwrap()),
            Some(&citizen.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, again) = h.submit(&vol.token, &uuid, &m).await;
    assert_eq!((s, &again), (StatusCode::CREATED, &first));
    let (s, _) = h
        .submit(&vol.token, &uuid::Uuid::now_v7().to_string(), &m)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, list) = h
        .json(Method::GET, "/v1/consents", Some(&citizen.token), None)
        .await;
    assert_eq!(list["consents"], json!([]));
}

async fn event_feed_cursor_and_long_poll(b: Backend) {
    let h = std::sync::Arc::new(Harness::start(b).await);
    let u = h.user(Role::Citizen).await;
    let other = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let officer_y = h.staff(Role::Officer, Some(AGENCY_Y)).await;
    let mut receipts = Vec::new();
    for _ in 0..3 {
        receipts.push(h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await);
    }
    h.submit_ok(&other.token, &manifest(AGENCY_X, &[])).await;
    let (s, v) = h
        .json(Method::GET, "/v1/events?limit=2", Some(&u.token), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let p1: EventsPage = serde_json::from_value(v).unwrap();
    assert_eq!((p1.events.len(), p1.more), (2, true));
    assert_eq!(p1.events[0].dossier_code, receipts[0].code);
    assert_eq!(p1.events[0].cursor, receipts[0].event_cursor);
    let (_, v) = h
        .json(
            Method::GET,
            &format!("/v1/events?after={}&limit=2", p1.next_cursor),
            Some(&u.token),
            None,
        )
        .await;
    let p2: EventsPage = serde_json::from_value(v).unwrap();
    assert_eq!((p2.events.len(), p2.more), (1, false));
    assert_eq!(p2.events[0].dossier_code, receipts[2].code);
    let (_, v) = h
        .json(
            Method::GET,
            &format!("/v1/events?after={}", p2.next_cursor),
            Some(&u.token),
            None,
        )
        .await;
    let p3: EventsPage = serde_json::from_value(v).unwrap();
    assert_eq!(
        (p3.events.len(), p3.next_cursor.as_str()),
        (0, p2.next_cursor.as_str())
    );
    // officers see their agency's events; the other agency's officer none
    let (_, v) = h
        .json(Method::GET, "/v1/events", Some(&officer.token), None)
        .await;
    assert_eq!(v["events"].as_array().unwrap().len(), 4);
    let (_, v) = h
        .json(Method::GET, "/v1/events", Some(&officer_y.token), None)
        .await;
    assert_eq!(v["events"], json!([]));
    // long-poll: nothing for 0.3 s, then an officer accepts the dossier in the console
    let cursor = p2.next_cursor.clone();
    let poller = {
        let h = h.clone();
        let token = u.token.clone();
        tokio::spawn(async move {
            let t0 = std::time::Instant::now();
            let (s, v) = h
                .json(
                    Method::GET,
                    &format!("/v1/events?after={cursor}&wait=10"),
                    Some(&token),
                    None,
                )
                .await;
            (s, v, t0.elapsed())
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let console = h.console(&officer).await;
    let res = console
        .act(&receipts[1].dossier_uuid, &[("action", "accept")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (s, v, elapsed) = poller.await.unwrap();
    assert_eq!(s, StatusCode::OK);
    let page: EventsPage = serde_json::from_value(v).unwrap();
    assert_eq!(page.events.len(), 1, "{page:?}");
    assert_eq!(
        page.events[0].state,
        dvc_protocol::dossiers::DossierState::Accepted
    );
    assert!(
        elapsed >= std::time::Duration::from_millis(250)
            && elapsed < std::time::Duration::from_secs(8),
        "{elapsed:?}"
    );
    // the other citizen's long-poll times out empty and is not woken by foreign events
    let t0 = std::time::Instant::now();
    let (_, v) = h
        .json(
            Method::GET,
            &format!("/v1/events?after={}&wait=1", i64::MAX / 4),
            Some(&other.token),
            None,
        )
        .await;
    assert_eq!(v["events"], json!([]));
    assert!(t0.elapsed() >= std::time::Duration::from_millis(900));
    // bad cursors and limits
    for q in [
        "after=-1",
        "after=abc",
        "limit=0",
        "limit=501",
        "wait=31",
        "bogus=1",
    ] {
        let (s, v) = h
            .json(
                Method::GET,
                &format!("/v1/events?{q}"),
                Some(&u.token),
                None,
            )
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("400.2")),
            "{q}: {v}"
        );
    }
}

async fn console_actions_become_events(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let officer_y = h.staff(Role::Officer, Some(AGENCY_Y)).await;
    let photo = jpeg(5_000, 9);
    let hash = h.upload(&u.token, &photo, 4096).await;
    let r = h
        .submit_ok(&u.token, &manifest(AGENCY_X, &[(&hash, photo.len())]))
        .await;
    // not logged in → login page; citizens cannot log in
    let res = h.http.get(h.url("/console/dossiers")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = h.http.get(h.url("/console/login")).send().await.unwrap();
    assert!(res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let pre = cookie_from(&res, "dvc_login").unwrap();
    let csrf = hidden_csrf(&res.text().await.unwrap());
    let res = h
        .http
        .post(h.url("/console/login"))
        .header("cookie", format!("dvc_login={pre}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", u.phone.as_str()),
            ("password", u.password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.text().await.unwrap().contains("chỉ dành cho cán bộ"));
    // without the login CSRF cookie
    let res = h
        .http
        .post(h.url("/console/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", officer.phone.as_str()),
            ("password", officer.password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let console = h.console(&officer).await;
    // list, search, page
    let (_, page) = console.page("/console/dossiers?state=received").await;
    assert!(page.contains(&r.code) && page.contains("Chờ tiếp nhận"));
    let (_, page) = console
        .page(&format!(
            "/console/dossiers?q={}",
            &r.code[r.code.len() - 11..]
        ))
        .await;
    assert!(page.contains(&r.code));
    let (_, page) = console.page("/console/dossiers?q=ZZZZ").await;
    assert!(!page.contains(&r.code));
    let (_, page) = console
        .page(&format!("/console/dossiers/{}", r.dossier_uuid))
        .await;
    assert!(
        page.contains("Nguyễn Văn Thử") && page.contains(&format!("/console/blobs/{hash}")),
        "{page}"
    );
    let img = h
        .http
        .get(h.url(&format!("/console/blobs/{hash}")))
        .header("cookie", &console.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(img.status(), StatusCode::OK);
    assert_eq!(img.bytes().await.unwrap().to_vec(), photo);
    // the other agency's officer sees nothing of it
    let console_y = h.console(&officer_y).await;
    assert_eq!(
        console_y
            .page(&format!("/console/dossiers/{}", r.dossier_uuid))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        console_y.page(&format!("/console/blobs/{hash}")).await.0,
        StatusCode::NOT_FOUND
    );
    // CSRF: missing token, foreign Origin
    let res = console
        .act_with_csrf("wrong", &r.dossier_uuid, &[("action", "accept")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = h
        .http
        .post(h.url(&format!("/console/dossiers/{}/action", r.dossier_uuid)))
        .header("cookie", &console.cookie)
        .header("origin", "http://evil.example")
        .form(&[("csrf", console.csrf.as_str()), ("action", "accept")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // What browsers send. Chromium under `Referrer-Policy: no-referrer` sent `Origin: null`
    // with every form POST, so no officer could sign in; pages now say `same-origin`.
    let res = h.http.get(h.url("/console/login")).send().await.unwrap();
    assert_eq!(res.headers()["referrer-policy"], "same-origin");
    let own_origin = h.url("");
    let own_origin = own_origin.trim_end_matches('/');
    for (origin, site, want) in [
        ("null", None, StatusCode::FORBIDDEN),
        ("null", Some("cross-site"), StatusCode::FORBIDDEN),
        (own_origin, Some("same-site"), StatusCode::FORBIDDEN),
        (
            "http://evil.example",
            Some("cross-site"),
            StatusCode::FORBIDDEN,
        ),
        // the console's own form in a browser: refused only by the state machine (see below)
        (own_origin, Some("same-origin"), StatusCode::CONFLICT),
        ("null", Some("same-origin"), StatusCode::CONFLICT),
        (own_origin, None, StatusCode::CONFLICT),
    ] {
        let mut req = h
            .http
            .post(h.url(&format!("/console/dossiers/{}/action", r.dossier_uuid)))
            .header("cookie", &console.cookie)
            .header("origin", origin);
        if let Some(site) = site {
            req = req
                .header("sec-fetch-site", site)
                .header("sec-fetch-mode", "navigate");
        }
        let res = req
            .form(&[("csrf", console.csrf.as_str()), ("action", "complete")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            want,
            "Origin {origin}, Sec-Fetch-Site {site:?}"
        );
    }
    // invalid transition: complete before anything
    let res = console
        .act(&r.dossier_uuid, &[("action", "complete")])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // the whole flow
    let steps: Vec<Vec<(&str, &str)>> = vec![
        vec![
            ("action", "supplement"),
            ("note", "Ảnh chân dung bị mờ, vui lòng chụp lại."),
        ],
        vec![("action", "accept")],
        vec![
            ("action", "fee"),
            ("amount_vnd", "200.000"),
            ("bank_bin", "970415"),
            ("account_number", "113000001"),
            ("account_name", "CONG AN TINH THU"),
        ],
        vec![("action", "paid")],
    ];
    for s in &steps {
        console.act_ok(&r.dossier_uuid, s).await;
    }
    // invalid form input names the field
    let res = console
        .act(
            &r.dossier_uuid,
            &[("action", "postal"), ("carrier", "VNPost")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("mã vận đơn"));
    // result PDF by multipart
    let pdf = b"%PDF-1.4\n% ket qua thu nghiem\n".to_vec();
    let res = console
        .upload_result(
            &r.dossier_uuid,
            pdf.clone(),
            "ketqua.pdf",
            "application/pdf",
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap()
    );
    console
        .act_ok(&r.dossier_uuid, &[("action", "complete")])
        .await;
    // the citizen sees every step in the feed, with the result PDF readable
    let (_, v) = h
        .json(
            Method::GET,
            &format!("/v1/events?after={}", r.event_cursor),
            Some(&u.token),
            None,
        )
        .await;
    let page: EventsPage = serde_json::from_value(v).unwrap();
    let kinds: Vec<&str> = page.events.iter().map(|e| e.state.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "supplement_requested",
            "accepted",
            "fee_requested",
            "paid",
            "result_ready",
            "completed"
        ]
    );
    let dvc_protocol::events::EventKind::ResultReady {
        result: dvc_protocol::events::ResultDelivery::Online { sha256, .. },
    } = &page.events[4].event
    else {
        panic!("expected an online result")
    };
    let res = h
        .req(Method::GET, &format!("/v1/blobs/{sha256}"), Some(&u.token))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            res.status(),
            res.headers()["content-type"].to_str().unwrap()
        ),
        (StatusCode::OK, "application/pdf")
    );
    if let dvc_protocol::events::EventKind::FeeRequested {
        amount_vnd,
        transfer_note,
        ..
    } = &page.events[2].event
    {
        assert_eq!(
            (*amount_vnd, transfer_note.as_str()),
            (200_000, r.code.as_str())
        );
    } else {
        panic!("expected a fee request")
    }
    // audit rows: one per action, shown on the page
    let audit = h.db.dossier_audit(&r.dossier_uuid).await.unwrap();
    assert_eq!(audit.len(), 6);
    assert!(audit.iter().all(|a| a.actor_login == officer.phone));
    let (_, page) = console
        .page(&format!("/console/dossiers/{}", r.dossier_uuid))
        .await;
    assert!(
        page.contains("Nhật ký thao tác")
            && page.contains("fee_requested")
            && page.contains("Hoàn thành")
    );
    // logout ends the session
    assert_eq!(console.logout().await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        console.page("/console/dossiers").await.0,
        StatusCode::SEE_OTHER
    );
}

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
    assert_eq!(res.headers()["x-dvc-protocol"], "1");
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

mod shutdown {
    use super::*;

    /// Graceful shutdown wakes long-polls (they answer at once) and lets in-flight requests finish.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn graceful_shutdown_answers_long_polls() {
        let h = Harness::start(Backend::Sqlite).await;
        let u = h.user(Role::Citizen).await;
        let url = h.url("/v1/events?wait=30");
        let token = u.token.clone();
        let poll = tokio::spawn(async move {
            let t0 = std::time::Instant::now();
            let res = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            (res.status(), t0.elapsed())
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let Harness { server, .. } = h;
        let t0 = std::time::Instant::now();
        server.shutdown().await.unwrap();
        let (status, elapsed) = poll.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert!(
            elapsed < std::time::Duration::from_secs(5)
                && t0.elapsed() < std::time::Duration::from_secs(5)
        );
    }
}

async fn agencies_list(b: Backend) {
    let h = Harness::start(b).await;
    // Signed-in accounts only.
    let (s, v) = h.json(Method::GET, "/v1/agencies", None, None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("401.1"))
    );
    let u = h.user(Role::Citizen).await;
    let (s, v) = h
        .json(Method::GET, "/v1/agencies", Some(&u.token), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let list: dvc_protocol::agencies::AgencyList = serde_json::from_value(v).unwrap();
    let codes: Vec<&str> = list.agencies.iter().map(|a| a.code.as_str()).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    assert_eq!(codes, sorted);
    assert!(
        codes.contains(&AGENCY_X) && codes.contains(&AGENCY_Y),
        "{codes:?}"
    );
    let x = list.agencies.iter().find(|a| a.code == AGENCY_X).unwrap();
    assert_eq!(x.name, "Công an xã X (thử nghiệm)");
}

/// A dossier as its owner reads it (`GET /v1/dossiers/{uuid}`), which must answer 200.
async fn view_of(h: &Harness, token: &str, uuid: &str) -> DossierView {
    let (s, v) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    serde_json::from_value(v).unwrap()
}

/// The kinds of a dossier's events, oldest first.
fn kinds(v: &DossierView) -> Vec<String> {
    v.events
        .iter()
        .map(|e| dvc_sync::domain::event_kind_name(&e.event).to_owned())
        .collect()
}

/// The console's fee form: 200,000 VND to the test agencies' (synthetic) bank account.
const FEE: [(&str, &str); 5] = [
    ("action", "fee"),
    ("amount_vnd", "200.000"),
    ("bank_bin", "970415"),
    ("account_number", "0000123456789"),
    ("account_name", "DEMO CO QUAN"),
];

async fn revisions_after_supplement(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let other = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let console = h.console(&officer).await;
    let photo = jpeg(3_000, 1);
    let h1 = h.upload(&u.token, &photo, 4096).await;
    let m1 = manifest(AGENCY_X, &[(&h1, photo.len())]);
    let r = h.submit_ok(&u.token, &m1).await;
    let uuid = r.dossier_uuid.clone();
    let rev = |n: &str| format!("/v1/dossiers/{uuid}/revisions/{n}");
    let (s, v) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}/revisions"),
            Some(&u.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["revision"], 1);
    assert_eq!(v[0]["changed_fields"], json!([]));
    // a new revision while the dossier is only received: 409.3
    let (s, v) = h
        .json(Method::PUT, &rev("2"), Some(&u.token), Some(m1.clone()))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.3")),
        "{v}"
    );
    // the officer asks for a new portrait and the birth date
    console
        .act_ok(
            &uuid,
            &[
                ("action", "supplement"),
                ("item_field", "ngay_sinh"),
                ("item_attachment", "portrait_4x6"),
                ("note", "Ảnh mờ; ngày sinh chưa đúng."),
            ],
        )
        .await;
    let v = view_of(&h, &u.token, &uuid).await;
    assert_eq!(v.state.as_str(), "supplement_requested");
    assert_eq!(
        serde_json::to_value(&v.events.last().unwrap().event).unwrap(),
        json!({"type": "supplement_requested", "note": "Ảnh mờ; ngày sinh chưa đúng.",
               "items": [{"target": "field", "name": "ngay_sinh"}, {"target": "attachment", "kind": "portrait_4x6"}]})
    );
    // hostile numbers and callers
    for bad in ["0", "abc", "-1", "99999999999", "1000001", "2.0"] {
        let (s, v) = h
            .json(Method::PUT, &rev(bad), Some(&u.token), Some(m1.clone()))
            .await;
        assert_eq!(
            (s, v["code"].as_str(), v["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("400.2"), Some("revision")),
            "{bad}: {v}"
        );
    }
    let photo2 = jpeg(3_500, 2);
    let mut m2 = manifest(AGENCY_X, &[(&sha(&photo2), photo2.len())]);
    m2["form"]["ngay_sinh"] = json!("02/01/1990");
    for n in ["3", "1000"] {
        let (s, v) = h
            .json(Method::PUT, &rev(n), Some(&u.token), Some(m2.clone()))
            .await;
        assert_eq!(
            (s, v["code"].as_str()),
            (StatusCode::CONFLICT, Some("409.6")),
            "{n}: {v}"
        );
    }
    // revision 1 is the original: other content conflicts, the same content is a replay
    let (s, v) = h
        .json(Method::PUT, &rev("1"), Some(&u.token), Some(m2.clone()))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.6"))
    );
    let (s, v) = h
        .json(Method::PUT, &rev("1"), Some(&u.token), Some(m1.clone()))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (
            v["revision"]["revision"].as_u64(),
            v["event_cursor"].as_str()
        ),
        (Some(1), Some(r.event_cursor.as_str()))
    );
    // someone else's dossier is not found; officers and anonymous callers are refused
    let (s, _) = h
        .json(Method::PUT, &rev("2"), Some(&other.token), Some(m2.clone()))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = h
        .json(
            Method::PUT,
            &rev("2"),
            Some(&officer.token),
            Some(m2.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = h.json(Method::PUT, &rev("2"), None, Some(m2.clone())).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}/revisions"),
            Some(&other.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // procedure and agency stay
    let mut moved = m2.clone();
    moved["agency_code"] = json!(AGENCY_Y);
    let (s, v) = h
        .json(Method::PUT, &rev("2"), Some(&u.token), Some(moved))
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("agency_code"))
    );
    let mut other_proc = m2.clone();
    other_proc["procedure_code"] = json!("2.000001");
    let (s, v) = h
        .json(Method::PUT, &rev("2"), Some(&u.token), Some(other_proc))
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("procedure_code"))
    );
    // the new photo must be uploaded first
    let (s, v) = h
        .json(Method::PUT, &rev("2"), Some(&u.token), Some(m2.clone()))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("422.1"))
    );
    assert_eq!(v["missing"], json!([sha(&photo2)]));
    let h2 = h.upload(&u.token, &photo2, 4096).await;
    let (s, first) = h
        .json(Method::PUT, &rev("2"), Some(&u.token), Some(m2.clone()))
        .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(first["code"], json!(r.code));
    assert_eq!(first["revision"]["revision"], 2);
    assert_eq!(first["revision"]["changed_fields"], json!(["ngay_sinh"]));
    assert_eq!(
        first["revision"]["changed_attachments"],
        json!(["portrait_4x6"])
    );
    // replay: the same answer, no second event, in any state
    let (s, again) = h
        .json(Method::PUT, &rev("2"), Some(&u.token), Some(m2.clone()))
        .await;
    assert_eq!((s, &again), (StatusCode::OK, &first));
    let mut m2b = m2.clone();
    m2b["form"]["ho_ten"] = json!("Nguyễn Văn Khác");
    let (s, v) = h
        .json(Method::PUT, &rev("2"), Some(&u.token), Some(m2b.clone()))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.6"))
    );
    // back in the officer's queue with the new content
    let v = view_of(&h, &u.token, &uuid).await;
    assert_eq!((v.state.as_str(), v.revision), ("received", 2));
    assert_eq!(v.manifest.attachments[0].sha256, h2);
    assert_eq!(
        kinds(&v),
        ["received", "supplement_requested", "resubmitted"]
    );
    assert_eq!(
        v.events.last().unwrap().cursor,
        first["event_cursor"].as_str().unwrap()
    );
    // a third revision needs a new supplement request
    let (s, v) = h
        .json(Method::PUT, &rev("3"), Some(&u.token), Some(m2b.clone()))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.3"))
    );
    let (s, again) = h
        .json(Method::PUT, &rev("2"), Some(&u.token), Some(m2.clone()))
        .await;
    assert_eq!((s, &again), (StatusCode::OK, &first));
    // the original PUT still answers its receipt
    let (s, v) = h.submit(&u.token, &uuid, &m1).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CREATED, Some(r.code.as_str()))
    );
    let (_, list) = h
        .json(
            Method::GET,
            &format!("/v1/dossiers/{uuid}/revisions"),
            Some(&officer.token),
            None,
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[1]["changed_attachments"], json!(["portrait_4x6"]));
    // the console shows the diff with both photos, and the officer can accept it
    let (s, p) = console.page(&format!("/console/dossiers/{uuid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        p.contains("Các lần nộp") && p.contains("01/01/1990") && p.contains("02/01/1990"),
        "{p}"
    );
    assert!(
        p.contains(&format!("/console/blobs/{h1}")) && p.contains(&format!("/console/blobs/{h2}"))
    );
    assert!(p.contains("đã gửi lại hồ sơ (lần 2)"));
    let (s, _) = console.page(&format!("/console/blobs/{h1}")).await;
    assert_eq!(s, StatusCode::OK, "the replaced photo stays viewable");
    console.act_ok(&uuid, &[("action", "accept")]).await;
    let audit = h.db.dossier_audit(&uuid).await.unwrap();
    assert!(audit
        .iter()
        .any(|a| a.action == "resubmitted" && a.actor_login == u.phone));
}

async fn payment_claims(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let other = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let console = h.console(&officer).await;
    let r = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let uuid = r.dossier_uuid.clone();
    let claim = format!("/v1/dossiers/{uuid}/payment-claim");
    let (s, v) = h
        .json(
            Method::POST,
            &claim,
            Some(&u.token),
            Some(json!({"amount_vnd": 200000})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.3")),
        "no fee asked yet"
    );
    console.act_ok(&uuid, &[("action", "accept")]).await;
    console.act_ok(&uuid, &FEE).await;
    for bad in [
        json!({"amount_vnd": 0}),
        json!({"amount_vnd": -5}),
        json!({"amount_vnd": "200000"}),
        json!({}),
        json!({"amount_vnd": 1, "x": 1}),
    ] {
        let (s, v) = h
            .json(Method::POST, &claim, Some(&u.token), Some(bad.clone()))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
    }
    let (s, v) = h
        .json(
            Method::POST,
            &claim,
            Some(&u.token),
            Some(json!({"amount_vnd": 0})),
        )
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("amount_vnd"))
    );
    let (s, _) = h
        .json(
            Method::POST,
            &claim,
            Some(&other.token),
            Some(json!({"amount_vnd": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = h
        .json(
            Method::POST,
            &claim,
            Some(&officer.token),
            Some(json!({"amount_vnd": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // the claim: an event, the state stays
    let (s, v) = h
        .json(
            Method::POST,
            &claim,
            Some(&u.token),
            Some(json!({"amount_vnd": 150000})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let v: DossierView = serde_json::from_value(v).unwrap();
    assert_eq!(v.state.as_str(), "fee_requested");
    assert_eq!(
        kinds(&v),
        ["received", "accepted", "fee_requested", "payment_claimed"]
    );
    // repeating it while pending adds nothing
    let (s, v) = h
        .json(
            Method::POST,
            &claim,
            Some(&u.token),
            Some(json!({"amount_vnd": 200000})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let v: DossierView = serde_json::from_value(v).unwrap();
    assert_eq!(v.events.len(), 4);
    assert_eq!(
        serde_json::to_value(&v.events[3].event).unwrap(),
        json!({"type": "payment_claimed", "amount_vnd": 150000})
    );
    let (_, feed) = h
        .json(
            Method::GET,
            &format!("/v1/events?after={}", r.event_cursor),
            Some(&u.token),
            None,
        )
        .await;
    let page_: EventsPage = serde_json::from_value(feed).unwrap();
    assert_eq!(page_.events.len(), 3);
    // the console shows the fee and the claim beside the confirmation
    let (_, p) = console.page(&format!("/console/dossiers/{uuid}")).await;
    assert!(p.contains("Người nộp báo đã chuyển khoản"), "{p}");
    assert!(p.contains("150.000") && p.contains("200.000") && p.contains("khác số phí yêu cầu"));
    console.act_ok(&uuid, &[("action", "paid")]).await;
    let (s, v) = h
        .json(
            Method::POST,
            &claim,
            Some(&u.token),
            Some(json!({"amount_vnd": 200000})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.3")),
        "already paid"
    );
}

async fn ratings(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let other = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let console = h.console(&officer).await;
    let r = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let uuid = r.dossier_uuid.clone();
    let rate = format!("/v1/dossiers/{uuid}/rating");
    let (s, v) = h
        .json(
            Method::PUT,
            &rate,
            Some(&u.token),
            Some(json!({"stars": 5})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.3")),
        "not completed"
    );
    console.act_ok(&uuid, &[("action", "accept")]).await;
    console
        .act_ok(
            &uuid,
            &[
                ("action", "postal"),
                ("carrier", "VNPost"),
                ("tracking_number", "EB123456789VN"),
            ],
        )
        .await;
    console.act_ok(&uuid, &[("action", "complete")]).await;
    for (bad, field) in [
        (json!({"stars": 0}), "stars"),
        (json!({"stars": 6}), "stars"),
        (json!({"stars": 3, "comment": "a".repeat(1001)}), "comment"),
        (json!({"stars": 300}), "stars"),
        (json!({"stars": "5"}), "stars"),
        (json!({"stars": 5, "extra": 1}), "extra"),
    ] {
        let (s, v) = h
            .json(Method::PUT, &rate, Some(&u.token), Some(bad.clone()))
            .await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{bad}: {v}"
        );
    }
    let (s, _) = h
        .json(
            Method::PUT,
            &rate,
            Some(&other.token),
            Some(json!({"stars": 5})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = h
        .json(
            Method::PUT,
            &rate,
            Some(&officer.token),
            Some(json!({"stars": 5})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Cleaned like the phone cleans it: a tab becomes a space, the ends are trimmed.
    let body = json!({"stars": 4, "comment": "  Cán bộ nhiệt tình,\tnhanh gọn.\r\n  "});
    let (s, first) = h
        .json(Method::PUT, &rate, Some(&u.token), Some(body.clone()))
        .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(
        (first["stars"].as_u64(), first["comment"].as_str()),
        (Some(4), Some("Cán bộ nhiệt tình, nhanh gọn."))
    );
    h.clock.advance(60_000);
    let (s, again) = h.json(Method::PUT, &rate, Some(&u.token), Some(body)).await;
    assert_eq!(
        (s, &again),
        (StatusCode::OK, &first),
        "same rating, same answer"
    );
    let (s, v) = h
        .json(
            Method::PUT,
            &rate,
            Some(&u.token),
            Some(json!({"stars": 1})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.7"))
    );
    let v = view_of(&h, &u.token, &uuid).await;
    assert_eq!(v.rating.as_ref().map(|r| r.stars), Some(4));
    let v = view_of(&h, &officer.token, &uuid).await;
    assert_eq!(
        v.rating.unwrap().comment.as_deref(),
        Some("Cán bộ nhiệt tình, nhanh gọn.")
    );
    let (_, p) = console.page(&format!("/console/dossiers/{uuid}")).await;
    assert!(
        p.contains("Đánh giá của người nộp")
            && p.contains("4/5")
            && p.contains("Cán bộ nhiệt tình"),
        "{p}"
    );
}

async fn cancel_is_idempotent(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let other = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let console = h.console(&officer).await;
    let r = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    let cancel = format!("/v1/dossiers/{}/cancel", r.dossier_uuid);
    let (s, _) = h
        .json(Method::POST, &cancel, Some(&other.token), Some(json!({})))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = h
        .json(
            Method::POST,
            &cancel,
            Some(&u.token),
            Some(json!({"reason": "Nộp nhầm"})),
        )
        .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("cancelled")),
        "{v}"
    );
    let (s, v) = h
        .json(Method::POST, &cancel, Some(&u.token), Some(json!({})))
        .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("cancelled")),
        "{v}"
    );
    let v: DossierView = serde_json::from_value(v).unwrap();
    assert_eq!(kinds(&v), ["received", "cancelled"], "no second event");
    // once accepted, the agency is handling it: no cancelling
    let r2 = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    console
        .act_ok(&r2.dossier_uuid, &[("action", "accept")])
        .await;
    let (s, v) = h
        .json(
            Method::POST,
            &format!("/v1/dossiers/{}/cancel", r2.dossier_uuid),
            Some(&u.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("409.3"))
    );
    // while a supplement or a fee is asked, it still may be withdrawn
    let r3 = h.submit_ok(&u.token, &manifest(AGENCY_X, &[])).await;
    console
        .act_ok(
            &r3.dossier_uuid,
            &[("action", "supplement"), ("note", "Thiếu giấy tờ")],
        )
        .await;
    let (s, _) = h
        .json(
            Method::POST,
            &format!("/v1/dossiers/{}/cancel", r3.dossier_uuid),
            Some(&u.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

async fn blob_ranges(b: Backend) {
    let h = Harness::start(b).await;
    let u = h.user(Role::Citizen).await;
    let other = h.user(Role::Citizen).await;
    let data = jpeg(9_996, 7);
    assert_eq!(data.len(), 10_000);
    let hash = h.upload(&u.token, &data, 4096).await;
    let get = |range: Option<&str>, token: &str| {
        let mut r = h.req(Method::GET, &format!("/v1/blobs/{hash}"), Some(token));
        if let Some(v) = range {
            r = r.header("range", v);
        }
        r.send()
    };
    let res = get(None, &u.token).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["accept-ranges"], "bytes");
    assert_eq!(
        res.headers()["etag"].to_str().unwrap(),
        format!("\"{hash}\"")
    );
    assert_eq!(res.bytes().await.unwrap().len(), 10_000);
    let res = get(Some("bytes=4000-"), &u.token).await.unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(res.headers()["content-range"], "bytes 4000-9999/10000");
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(
        res.headers()["etag"].to_str().unwrap(),
        format!("\"{hash}\"")
    );
    assert_eq!(res.bytes().await.unwrap().to_vec(), data[4000..]);
    let res = get(Some("bytes=10-19"), &u.token).await.unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(res.headers()["content-range"], "bytes 10-19/10000");
    assert_eq!(res.bytes().await.unwrap().to_vec(), data[10..20]);
    let res = get(Some("bytes=9999-"), &u.token).await.unwrap();
    assert_eq!(res.bytes().await.unwrap().to_vec(), data[9999..]);
    for past in [
        "bytes=10000-",
        "bytes=20000-30000",
        "bytes=99999999999999999999999-",
    ] {
        let res = get(Some(past), &u.token).await.unwrap();
        assert_eq!(res.status(), StatusCode::RANGE_NOT_SATISFIABLE, "{past}");
        assert_eq!(res.headers()["content-range"], "bytes */10000");
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["code"], "416.1");
    }
    // malformed or multi-part ranges are ignored: the whole blob
    for odd in [
        "bytes=abc",
        "bytes=5-2",
        "bytes=1-2,5-6",
        "pages=1-",
        "bytes",
        "bytes=--1",
    ] {
        let res = get(Some(odd), &u.token).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{odd}");
        assert_eq!(res.bytes().await.unwrap().len(), 10_000, "{odd}");
    }
    // a range does not open someone else's blob
    let res = get(Some("bytes=0-"), &other.token).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // resuming a broken download gives back the exact file
    let mut got = Vec::new();
    while got.len() < data.len() {
        let res = get(
            Some(&format!("bytes={}-{}", got.len(), got.len() + 2999)),
            &u.token,
        )
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
        got.extend_from_slice(&res.bytes().await.unwrap());
    }
    assert_eq!(sha(&got), hash);
}

async fn console_supplement_and_fee_forms(b: Backend) {
    let h = Harness::start(b).await;
    h.db.set_agency_bank(
        AGENCY_X,
        &dvc_protocol::events::BankAccount {
            bank_bin: "970415".into(),
            account_number: "0000123456789".into(),
            account_name: "DEMO CO QUAN".into(),
        },
    )
    .await
    .unwrap();
    let u = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let officer_y = h.staff(Role::Officer, Some(AGENCY_Y)).await;
    let console = h.console(&officer).await;
    let photo = jpeg(1_000, 3);
    let hash = h.upload(&u.token, &photo, 4096).await;
    let r = h
        .submit_ok(&u.token, &manifest(AGENCY_X, &[(&hash, photo.len())]))
        .await;
    let uuid = r.dossier_uuid.clone();
    let (_, p) = console.page(&format!("/console/dossiers/{uuid}")).await;
    // supplement: a checkbox per form field and attachment kind
    for needle in [
        r#"name="item_field" value="ho_ten""#,
        r#"name="item_field" value="ngay_sinh""#,
        r#"name="item_attachment" value="portrait_4x6""#,
        r#"name="bank_bin" inputmode="numeric" pattern="[0-9]{6}" required value="970415""#,
        r#"value="0000123456789""#,
        r#"value="DEMO CO QUAN""#,
    ] {
        assert!(p.contains(needle), "{needle} missing");
    }
    // the other agency's form is not prefilled with X's account
    let r_y = h.submit_ok(&u.token, &manifest(AGENCY_Y, &[])).await;
    let console_y = h.console(&officer_y).await;
    let (_, p) = console_y
        .page(&format!("/console/dossiers/{}", r_y.dossier_uuid))
        .await;
    assert!(!p.contains("0000123456789") && p.contains("chưa khai báo tài khoản"));
    // neither an item nor a note: refused, nothing appended
    let res = console
        .act(&uuid, &[("action", "supplement"), ("note", "  ")])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("ít nhất một mục"));
    // an item that is not in the dossier
    let res = console
        .act(
            &uuid,
            &[("action", "supplement"), ("item_field", "khong_co")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = console
        .act(
            &uuid,
            &[("action", "supplement"), ("item_attachment", "<script>")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(kinds(&view_of(&h, &u.token, &uuid).await), ["received"]);
    // items only (no note), repeated boxes once
    console
        .act_ok(
            &uuid,
            &[
                ("action", "supplement"),
                ("item_attachment", "portrait_4x6"),
                ("item_field", "ho_ten"),
                ("item_field", "ho_ten"),
            ],
        )
        .await;
    let v = view_of(&h, &u.token, &uuid).await;
    assert_eq!(
        serde_json::to_value(&v.events[1].event).unwrap(),
        json!({"type": "supplement_requested", "note": "",
               "items": [{"target": "field", "name": "ho_ten"}, {"target": "attachment", "kind": "portrait_4x6"}]})
    );
    let (_, p) = console.page(&format!("/console/dossiers/{uuid}")).await;
    assert!(
        p.contains("Yêu cầu bổ sung (trường ho_ten, tệp portrait_4x6)"),
        "{p}"
    );
    let audit = h.db.dossier_audit(&uuid).await.unwrap();
    assert!(audit[0].detail.contains("ho_ten, portrait_4x6"));
    // the fee form sends the prefilled account
    console.act_ok(&uuid, &[("action", "accept")]).await;
    console.act_ok(&uuid, &FEE).await;
    let (_, p) = console.page(&format!("/console/dossiers/{uuid}")).await;
    assert!(p.contains("Người nộp chưa báo đã chuyển khoản") && p.contains("Phí đã yêu cầu"));
    let css = h
        .http
        .get(h.url("/console/static/console.css"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(css.contains("@media (max-width: 600px)"));
}

async fn linked_citizen_resubmits_volunteer_dossier(b: Backend) {
    let h = Harness::start(b).await;
    let citizen = h.user(Role::Citizen).await;
    let volunteer = h.user(Role::Volunteer).await;
    let stranger = h.user(Role::Citizen).await;
    let officer = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let console = h.console(&officer).await;
    let (s, _) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&citizen.token),
            Some(json!({"volunteer_phone": volunteer.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // the volunteer uploads the photo and submits for the citizen
    let photo = jpeg(2_000, 4);
    let hp = h.upload(&volunteer.token, &photo, 4096).await;
    let mut m1 = manifest(AGENCY_X, &[(&hp, photo.len())]);
    m1["on_behalf_of"] = json!({"citizen_phone": citizen.phone});
    let r = h.submit_ok(&volunteer.token, &m1).await;
    let uuid = r.dossier_uuid.clone();
    console
        .act_ok(&uuid, &[("action", "supplement"), ("item_field", "ho_ten")])
        .await;
    // the citizen corrects the name; the photo is the volunteer's upload, already in the dossier
    let mut m2 = m1.clone();
    m2["form"]["ho_ten"] = json!("Nguyễn Văn Sửa");
    // who the dossier is for cannot change
    let mut retarget = m2.clone();
    retarget["on_behalf_of"] = json!({"citizen_phone": stranger.phone});
    let path = format!("/v1/dossiers/{uuid}/revisions/2");
    let (s, v) = h
        .json(Method::PUT, &path, Some(&citizen.token), Some(retarget))
        .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("on_behalf_of"))
    );
    // a blob that is neither the citizen's nor the dossier's is missing
    let foreign = jpeg(900, 8);
    let hf = h.upload(&stranger.token, &foreign, 4096).await;
    let mut sneaky = m2.clone();
    sneaky["attachments"][0]["sha256"] = json!(hf);
    let (s, v) = h
        .json(Method::PUT, &path, Some(&citizen.token), Some(sneaky))
        .await;
    assert_eq!(
        (s, v["missing"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!([hf]))
    );
    let (s, _) = h
        .json(Method::PUT, &path, Some(&stranger.token), Some(m2.clone()))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = h
        .json(Method::PUT, &path, Some(&citizen.token), Some(m2.clone()))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["revision"]["changed_fields"], json!(["ho_ten"]));
    assert_eq!(v["revision"]["changed_attachments"], json!([]));
    // the volunteer replaying the citizen's revision gets the same answer
    let (s, again) = h
        .json(Method::PUT, &path, Some(&volunteer.token), Some(m2.clone()))
        .await;
    assert_eq!((s, &again), (StatusCode::OK, &v));
    let view = view_of(&h, &volunteer.token, &uuid).await;
    assert_eq!(
        view.manifest.form["ho_ten"],
        serde_json::from_value(json!("Nguyễn Văn Sửa")).unwrap()
    );
    let (_, p) = console.page(&format!("/console/dossiers/{uuid}")).await;
    assert!(p.contains("Nguyễn Văn Sửa") && p.contains("Nguyễn Văn Thử"));
}
