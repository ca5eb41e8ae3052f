//! GET /healthz, /metrics and the OpenAPI document (`src/api/health.rs`).

use crate::common::*;
use reqwest::{Method, StatusCode};

crate::both_backends!(health_metrics_and_openapi);

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
    // Without a metrics token the route is off (metrics_access.rs tests it with one).
    let res = h.req(Method::GET, "/metrics", None).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let (s, doc) = h.json(Method::GET, "/v1/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    // The consent bodies are described (the device half is generated from them).
    for schema in [
        "ConsentOtpRequest",
        "ConsentOtpPending",
        "ConsentConfirmRequest",
        "ConsentInfo",
        "ConsentMethod",
        "ConsentBasis",
        "DossierList",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} missing from openapi.json"
        );
    }
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
        dvc_protocol::paths::CONSENT_REQUESTS,
        dvc_protocol::paths::CONSENT_REQUEST,
        dvc_protocol::paths::CONSENT_REQUEST_CONFIRM,
        dvc_protocol::paths::BLOBS_MISSING,
        dvc_protocol::paths::BLOB,
        dvc_protocol::paths::UPLOADS,
        dvc_protocol::paths::UPLOAD,
        dvc_protocol::paths::DOSSIERS,
        dvc_protocol::paths::DOSSIER,
        dvc_protocol::paths::DOSSIER_CANCEL,
        dvc_protocol::paths::DOSSIER_LOOKUP,
        dvc_protocol::paths::EVENTS,
        dvc_protocol::paths::ADMIN_ACCOUNTS,
        dvc_protocol::paths::ADMIN_REVOKE_TOKENS,
        dvc_protocol::paths::AGENCIES,
        dvc_protocol::paths::DOSSIER_REVISION,
        dvc_protocol::paths::DOSSIER_REVISIONS,
        dvc_protocol::paths::DOSSIER_PAYMENT_CLAIM,
        dvc_protocol::paths::DOSSIER_RATING,
        dvc_protocol::paths::VISIT,
        dvc_protocol::paths::REPORTS,
        dvc_protocol::paths::TEAMS,
        dvc_protocol::paths::ADMIN_TEAMS,
        dvc_protocol::paths::ADMIN_TEAM_MEMBERS,
        dvc_protocol::paths::ADMIN_CAMPAIGNS,
        dvc_protocol::paths::HANDOFFS,
        dvc_protocol::paths::HANDOFF,
        dvc_protocol::paths::HANDOFF_CLAIM,
        dvc_protocol::paths::HANDOFF_RECEIVED,
        dvc_protocol::paths::CATALOG_LATEST,
        dvc_protocol::paths::CATALOG_BUNDLE,
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
            .replace("{revision}", "2")
            .replace("{visit_id}", &uuid::Uuid::now_v7().to_string())
            .replace("{team_id}", "x")
            .replace("{bundle_id}", "abcdefghijklmnop-_012Q")
            .replace("{version}", "2026.1.1");
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
        54,
        "documented paths changed: update the protocol crate and this test"
    );
}
