//! Fuzzing the request decoders: random methods, paths, headers and bodies (random bytes and random
//! JSON shaped like the real requests) against the in-process router. The server must never
//! answer 5xx or panic, and every API error must be JSON with a stable code.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use dvc_protocol::auth::Role;
use proptest::prelude::*;
use serde_json::{json, Value};
use tower::ServiceExt;

struct Fixture {
    rt: tokio::runtime::Runtime,
    app: axum::Router,
    token: String,
    vol_token: String,
    dossier: String,
    upload: String,
    _h: common::Harness,
}

fn fixture() -> Arc<Fixture> {
    static F: std::sync::OnceLock<Arc<Fixture>> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (h, token, vol_token, dossier, upload) = rt.block_on(async {
            let h = common::Harness::start(common::Backend::Sqlite).await;
            let u = h.user(Role::Citizen).await;
            let v = h.user(Role::Volunteer).await;
            let r = h
                .submit_ok(&u.token, &common::manifest(common::AGENCY_X, &[]))
                .await;
            let (_, up) = h
                .json(
                    reqwest::Method::POST,
                    "/v1/uploads",
                    Some(&u.token),
                    Some(json!({"sha256": common::sha(b"abc"), "length": 3})),
                )
                .await;
            (
                h,
                u.token,
                v.token,
                r.dossier_uuid,
                up["upload_id"].as_str().unwrap().to_owned(),
            )
        });
        let app = dvc_sync::server::app(h.server.state.clone());
        Arc::new(Fixture {
            rt,
            app,
            token,
            vol_token,
            dossier,
            upload,
            _h: h,
        })
    })
    .clone()
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,30}".prop_map(Value::String),
        Just(json!("0912345678")),
        Just(json!("000.30.27.H23")),
        Just(json!("a".repeat(64))),
        Just(json!({"method": "postal"})),
        Just(json!("paper")),
        Just(json!(["1.001456"])),
        Just(json!("DVCVOL1:0193a5c2-7d1e-7000-8000-00000000abcd:00")),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("phone".to_owned()),
                    Just("password".to_owned()),
                    Just("role".to_owned()),
                    Just("login".to_owned()),
                    Just("sha256".to_owned()),
                    Just("length".to_owned()),
                    Just("procedure_code".to_owned()),
                    Just("agency_code".to_owned()),
                    Just("form".to_owned()),
                    Just("attachments".to_owned()),
                    Just("delivery".to_owned()),
                    Just("on_behalf_of".to_owned()),
                    Just("registration_id".to_owned()),
                    Just("otp".to_owned()),
                    Just("volunteer_phone".to_owned()),
                    Just("reason".to_owned()),
                    Just("citizen_phone".to_owned()),
                    Just("procedures".to_owned()),
                    Just("valid_days".to_owned()),
                    Just("text_version".to_owned()),
                    Just("volunteer_qr".to_owned()),
                    Just("consent_basis".to_owned()),
                    "[a-z_]{1,10}",
                ],
                inner,
                0..8,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        proptest::collection::vec(any::<u8>(), 0..300),
        Just(b"{\"procedure_code\":\"1.001456\",\"agency_code\":\"000.30.27.H23\",\"form\":{},\"delivery\":{\"method\":\"online\"}}".to_vec()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn api_never_fails_on_bad_input(
        route in 0usize..20,
        method in prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("PATCH"), Just("HEAD"), Just("DELETE")],
        body in body(),
        ct in prop_oneof![Just("application/json"), Just("application/offset+octet-stream"), Just("text/plain"), Just(""), Just("application/x-www-form-urlencoded")],
        who in 0u8..3,
        offset in prop_oneof![Just("0".to_owned()), "[0-9a-z-]{0,6}".prop_map(String::from)],
        checksum in prop_oneof![Just(String::new()), "sha256 [0-9a-f]{0,64}".prop_map(String::from), "[ -~]{0,20}".prop_map(String::from)],
        query in "[a-z]{0,6}=[0-9a-z%-]{0,8}",
        seg in "[0-9a-zA-Z%._-]{0,70}",
    ) {
        let f = fixture();
        let paths = [
            "/v1/auth/register".to_owned(), "/v1/auth/register/verify".to_owned(), "/v1/auth/login".to_owned(),
            "/v1/auth/logout".to_owned(), "/v1/auth/tokens".to_owned(), format!("/v1/auth/tokens/{seg}"),
            "/v1/consents".to_owned(), "/v1/blobs/missing".to_owned(), format!("/v1/blobs/{seg}"),
            "/v1/uploads".to_owned(), format!("/v1/uploads/{}", f.upload), format!("/v1/dossiers/{seg}"),
            format!("/v1/dossiers/{}", f.dossier), format!("/v1/dossiers/{}/cancel", f.dossier),
            format!("/v1/events?{query}"), format!("/v1/dossiers?{query}"),
            "/v1/consent-requests".to_owned(), format!("/v1/consent-requests/{seg}/confirm"),
            format!("/v1/consent-requests/{seg}"), format!("/v1/consents/{seg}"),
        ];
        let path = &paths[route];
        let mut req = Request::builder().method(method).uri(path.as_str());
        if !ct.is_empty() { req = req.header("content-type", ct); }
        match who {
            1 => req = req.header("authorization", format!("Bearer {}", f.token)),
            2 => req = req.header("authorization", format!("Bearer {}", f.vol_token)),
            _ => {}
        }
        req = req.header("upload-offset", offset.as_str()).header("upload-checksum", checksum.as_str());
        let req = req.body(Body::from(body)).unwrap();
        let (status, bytes) = f.rt.block_on(async {
            let res = f.app.clone().oneshot(req).await.unwrap();
            let status = res.status();
            (status, axum::body::to_bytes(res.into_body(), 4 << 20).await.unwrap())
        });
        prop_assert!(status.as_u16() < 500, "{method} {path} → {status}: {}", String::from_utf8_lossy(&bytes));
        if status.as_u16() >= 400 && method != "HEAD" {
            let v: Value = serde_json::from_slice(&bytes).map_err(|e| TestCaseError::fail(format!("{method} {path} → {status}: non-JSON error: {e}")))?;
            prop_assert!(dvc_protocol::ErrorCode::from_code(v["code"].as_str().unwrap_or("")).is_some(), "{v}");
        }
    }

    #[test]
    fn manifest_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400), v in json_value()) {
        let _ = dvc_sync::extract::parse_json::<dvc_protocol::dossiers::DossierManifest>(&bytes);
        let raw = serde_json::to_vec(&v).unwrap();
        if let Ok(m) = dvc_sync::extract::parse_json::<dvc_protocol::dossiers::DossierManifest>(&raw) {
            let _ = dvc_sync::api::dossiers::validate(&m);
        }
        let _ = dvc_sync::extract::parse_json::<dvc_protocol::auth::RegisterRequest>(&raw);
        let _ = dvc_sync::extract::parse_json::<dvc_protocol::blobs::CreateUploadRequest>(&raw);
        let _ = dvc_sync::extract::parse_json::<dvc_protocol::auth::ConsentRequest>(&raw);
        let _ = dvc_sync::extract::parse_json::<dvc_protocol::auth::ConsentOtpRequest>(&raw);
        let _ = dvc_sync::extract::parse_json::<dvc_protocol::auth::ConsentConfirmRequest>(&raw);
        if let Some(qr) = v.as_str() {
            let _ = dvc_protocol::auth::parse_volunteer_qr(qr);
        }
        let (_, h1) = dvc_sync::domain::canonical_hash(&v);
        let (_, h2) = dvc_sync::domain::canonical_hash(&v.clone());
        prop_assert_eq!(h1, h2);
    }
}
