//! The authorization matrix: every documented route, tried by every role (and anonymously) on its
//! own and on foreign ids. The test fails if a route in `/v1/openapi.json` has no row here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support code: a panic is the failure report

mod common;

use std::collections::BTreeSet;

use common::*;
use dvc_protocol::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

both_backends!(authorization_matrix);

/// A hand-off bundle id (16 bytes, base64url).
const HANDOFF_ID: &str = "abcdefghijklmnop-_012Q";

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anon,
    /// Citizen A: owns dossier D_A, upload U_A, blob H_A, consent C_A (to volunteer V).
    CitizenA,
    /// Another citizen.
    CitizenB,
    /// Volunteer V: submitted D_V for A (with consent).
    Volunteer,
    /// Officer of agency X (D_A and D_V are X's).
    OfficerX,
    /// Officer of agency Y.
    OfficerY,
    Admin,
}

const ALL: [Who; 7] = [
    Who::Anon,
    Who::CitizenA,
    Who::CitizenB,
    Who::Volunteer,
    Who::OfficerX,
    Who::OfficerY,
    Who::Admin,
];

struct Row {
    method: Method,
    template: &'static str,
    path: String,
    body: Option<Value>,
    /// Expected status for each of [`ALL`], in order; `0` means "not tried" (a destructive call on
    /// the caller's own resource, covered by the story tests).
    expect: [u16; 7],
}

async fn status(h: &Harness, token: Option<&str>, row: &Row) -> u16 {
    let mut r = h.req(row.method.clone(), &row.path, token);
    if row.method == Method::PATCH {
        r = r
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", "0")
            .header("upload-checksum", format!("sha256 {}", sha(b"x")))
            .body(b"x".to_vec());
    } else if row.template == "/v1/push" {
        // A push that opens one blob and sends nothing (protocol 1.1 frames).
        let head = json!({"blobs": [{"sha256": sha(b"pending"), "length": 10}]}).to_string();
        let mut body = dvc_protocol::push::encode_frame(b'H', head.as_bytes());
        body.extend(dvc_protocol::push::encode_frame(b'E', &[]));
        r = r
            .header("content-type", dvc_protocol::push::PUSH_CONTENT_TYPE)
            .body(body);
    } else if let Some(b) = &row.body {
        r = r.json(b);
    }
    let res = r.send().await.unwrap();
    let s = res.status().as_u16();
    if row.method != Method::HEAD && s >= 400 {
        let v: Value = res.json().await.unwrap_or(Value::Null);
        assert!(
            v["code"].is_string(),
            "{} {}: error without a code: {v}",
            row.method,
            row.path
        );
    }
    s
}

async fn authorization_matrix(b: Backend) {
    let h = Harness::start(b).await;
    // A published catalog bundle (public to everyone).
    let catalog_key = dvc_protocol::catalog::bundle::generate_signing_key();
    let assets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets");
    let mut files =
        dvc_protocol::catalog::bundle::read_dirs(&assets.join("catalog"), None).unwrap();
    let mut m: Value = serde_json::from_str(&files["manifest.json"]).unwrap();
    m["catalog_version"] = "2026.12.7.1".into();
    files.insert("manifest.json".into(), m.to_string());
    let bundle =
        dvc_protocol::catalog::bundle::pack(&files, &catalog_key, "2026-12-07T10:00:00Z").unwrap();
    dvc_sync::api::catalog::publish_bundle(
        &h.db,
        &h.server.state.blobs,
        bundle,
        &catalog_key.verifying_key(),
        dvc_sync::clock::Clock::now_ms(&*h.clock),
    )
    .await
    .unwrap();
    let a = h.user(Role::Citizen).await;
    let bb = h.user(Role::Citizen).await;
    let v = h.user(Role::Volunteer).await;
    let ox = h.staff(Role::Officer, Some(AGENCY_X)).await;
    let oy = h.staff(Role::Officer, Some(AGENCY_Y)).await;
    let admin = h.staff(Role::Admin, None).await;
    let token = |w: Who| -> Option<String> {
        match w {
            Who::Anon => None,
            Who::CitizenA => Some(a.token.clone()),
            Who::CitizenB => Some(bb.token.clone()),
            Who::Volunteer => Some(v.token.clone()),
            Who::OfficerX => Some(ox.token.clone()),
            Who::OfficerY => Some(oy.token.clone()),
            Who::Admin => Some(admin.token.clone()),
        }
    };
    // A's resources
    let photo = jpeg(2000, 5);
    let h_a = h.upload(&a.token, &photo, 1000).await;
    let d_a = h
        .submit_ok(&a.token, &manifest(AGENCY_X, &[(&h_a, photo.len())]))
        .await
        .dossier_uuid;
    let (_, up) = h
        .json(
            Method::POST,
            "/v1/uploads",
            Some(&a.token),
            Some(json!({"sha256": sha(b"pending"), "length": 10})),
        )
        .await;
    let u_a = up["upload_id"].as_str().unwrap().to_owned();
    let (_, c) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&a.token),
            Some(json!({"volunteer_phone": v.phone})),
        )
        .await;
    let c_a = c["consent_id"].as_str().unwrap().to_owned();
    let mut mv = manifest(AGENCY_X, &[]);
    mv["on_behalf_of"] = json!({"citizen_phone": a.phone});
    let d_v = h.submit_ok(&v.token, &mv).await.dossier_uuid;
    // D_W: V submitted it for citizen W, who then withdrew the consent. V keeps only the receipt.
    let w = h.user(Role::Citizen).await;
    let (_, c) = h
        .json(
            Method::POST,
            "/v1/consents",
            Some(&w.token),
            Some(json!({"volunteer_phone": v.phone})),
        )
        .await;
    let c_w = c["consent_id"].as_str().unwrap().to_owned();
    let mut m_w = manifest(AGENCY_X, &[]);
    m_w["on_behalf_of"] = json!({"citizen_phone": w.phone});
    let d_w = h.submit_ok(&v.token, &m_w).await.dossier_uuid;
    let (s, _) = h
        .json(
            Method::DELETE,
            &format!("/v1/consents/{c_w}"),
            Some(&w.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, toks) = h
        .json(Method::GET, "/v1/auth/tokens", Some(&a.token), None)
        .await;
    let t_a = toks["tokens"][0]["token_id"].as_str().unwrap().to_owned();
    // R_V: V's pending consent request to W's phone.
    let (s, r) = h
        .json(
            Method::POST,
            "/v1/consent-requests",
            Some(&v.token),
            Some(json!({"citizen_phone": w.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{r}");
    let r_v = r["request_id"].as_str().unwrap().to_owned();
    let victim = h.user(Role::Citizen).await;
    let fresh = || uuid::Uuid::now_v7().to_string();
    let m_a = manifest(AGENCY_X, &[(&h_a, photo.len())]);
    // L_A: a dossier of A's to look up by code and A's ID number's last 4 digits.
    let l_a = h.submit_ok(&a.token, &manifest(AGENCY_X, &[])).await.code;
    // T_V: a team of agency X led by V, with a campaign.
    let (s, t) = h
        .json(
            Method::POST,
            "/v1/admin/teams",
            Some(&admin.token),
            Some(json!({"name": "Tổ 1", "agency_code": AGENCY_X, "leader_login": v.phone})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let t_v = t["id"].as_str().unwrap().to_owned();
    let visit = json!({"household_id": fresh(), "started_at": "2026-12-01T01:00:00Z",
                       "ended_at": "2026-12-01T02:00:00Z", "tasks": [{"task": "vneid"}]});

    use Who::*;
    let _ = (
        Anon, CitizenA, CitizenB, Volunteer, OfficerX, OfficerY, Admin,
    );
    //                                                       anon  A    B    V    OX   OY   admin
    let rows = vec![
        Row {
            method: Method::GET,
            template: "/healthz",
            path: "/healthz".into(),
            body: None,
            expect: [200, 200, 200, 200, 200, 200, 200],
        },
        // Catalog bundles: public reference data (the phone checks the signature).
        Row {
            method: Method::GET,
            template: "/v1/catalog/latest",
            path: "/v1/catalog/latest".into(),
            body: None,
            expect: [200, 200, 200, 200, 200, 200, 200],
        },
        Row {
            method: Method::GET,
            template: "/v1/catalog/bundles/{version}",
            path: "/v1/catalog/bundles/2026.12.7.1".into(),
            body: None,
            expect: [200, 200, 200, 200, 200, 200, 200],
        },
        Row {
            method: Method::GET,
            template: "/v1/catalog/bundles/{version}",
            path: "/v1/catalog/bundles/2026.1.1".into(),
            body: None,
            expect: [404, 404, 404, 404, 404, 404, 404],
        },
        // No metrics token configured: the route does not exist for anyone (metrics_access.rs).
        Row {
            method: Method::GET,
            template: "/metrics",
            path: "/metrics".into(),
            body: None,
            expect: [404, 404, 404, 404, 404, 404, 404],
        },
        Row {
            method: Method::POST,
            template: "/v1/auth/register",
            path: "/v1/auth/register".into(),
            body: Some(json!({"phone": "1", "password": "x", "role": "citizen"})),
            expect: [400; 7],
        },
        Row {
            method: Method::POST,
            template: "/v1/auth/register/verify",
            path: "/v1/auth/register/verify".into(),
            body: Some(json!({"registration_id": "x", "otp": "1"})),
            expect: [400; 7],
        },
        Row {
            method: Method::POST,
            template: "/v1/auth/login",
            path: "/v1/auth/login".into(),
            body: Some(json!({"login": "nobody", "password": "wrong-password"})),
            expect: [401, 401, 401, 401, 401, 429, 429],
        }, // 6th failure for one login: rate-limited
        Row {
            method: Method::POST,
            template: "/v1/auth/logout",
            path: "/v1/auth/logout".into(),
            body: None,
            expect: [401, 0, 0, 0, 0, 0, 0],
        },
        Row {
            method: Method::GET,
            template: "/v1/auth/tokens",
            path: "/v1/auth/tokens".into(),
            body: None,
            expect: [401, 200, 200, 200, 200, 200, 200],
        },
        Row {
            method: Method::DELETE,
            template: "/v1/auth/tokens/{token_id}",
            path: format!("/v1/auth/tokens/{t_a}"),
            body: None,
            expect: [401, 0, 404, 404, 404, 404, 404],
        },
        Row {
            method: Method::GET,
            template: "/v1/me",
            path: "/v1/me".into(),
            body: None,
            expect: [401, 200, 200, 200, 200, 200, 200],
        },
        Row {
            method: Method::POST,
            template: "/v1/auth/otp/resend",
            path: "/v1/auth/otp/resend".into(),
            body: Some(json!({"phone": "1", "purpose": "register"})),
            expect: [400; 7],
        },
        Row {
            method: Method::POST,
            template: "/v1/auth/password-reset",
            path: "/v1/auth/password-reset".into(),
            body: Some(json!({"phone": "1"})),
            expect: [400; 7],
        },
        Row {
            method: Method::POST,
            template: "/v1/auth/password-reset/confirm",
            path: "/v1/auth/password-reset/confirm".into(),
            body: Some(json!({"phone": "1", "otp": "1", "new_password": "x"})),
            expect: [400; 7],
        },
        Row {
            method: Method::POST,
            template: "/v1/auth/password",
            path: "/v1/auth/password".into(),
            body: Some(json!({"old_password": "x", "new_password": "short"})),
            expect: [401, 400, 400, 400, 400, 400, 400],
        },
        Row {
            method: Method::GET,
            template: "/v1/me/notifications",
            path: "/v1/me/notifications".into(),
            body: None,
            expect: [401, 200, 200, 200, 403, 403, 403],
        },
        Row {
            method: Method::PUT,
            template: "/v1/me/notifications",
            path: "/v1/me/notifications".into(),
            body: Some(json!({"channels": ["sms"]})),
            expect: [401, 200, 200, 200, 403, 403, 403],
        },
        Row {
            method: Method::GET,
            template: "/v1/agencies",
            path: "/v1/agencies".into(),
            body: None,
            expect: [401, 200, 200, 200, 200, 200, 200],
        },
        Row {
            method: Method::GET,
            template: "/v1/consents",
            path: "/v1/consents".into(),
            body: None,
            expect: [401, 200, 200, 200, 403, 403, 403],
        },
        Row {
            method: Method::POST,
            template: "/v1/consents",
            path: "/v1/consents".into(),
            body: Some(json!({"volunteer_phone": v.phone})),
            expect: [401, 201, 201, 403, 403, 403, 403],
        },
        Row {
            method: Method::DELETE,
            template: "/v1/consents/{consent_id}",
            path: format!("/v1/consents/{c_a}"),
            body: None,
            expect: [401, 0, 404, 403, 403, 403, 403],
        },
        Row {
            method: Method::POST,
            template: "/v1/consent-requests",
            path: "/v1/consent-requests".into(),
            body: Some(json!({"citizen_phone": bb.phone})),
            expect: [401, 403, 403, 202, 403, 403, 403],
        },
        Row {
            method: Method::POST,
            template: "/v1/consent-requests/{request_id}/confirm",
            path: format!("/v1/consent-requests/{r_v}/confirm"),
            body: Some(json!({"otp": "1"})),
            expect: [401, 403, 403, 400, 403, 403, 403],
        },
        Row {
            method: Method::DELETE,
            template: "/v1/consent-requests/{request_id}",
            path: format!("/v1/consent-requests/{r_v}"),
            body: None,
            expect: [401, 403, 403, 0, 403, 403, 403],
        },
        Row {
            method: Method::POST,
            template: "/v1/blobs/missing",
            path: "/v1/blobs/missing".into(),
            body: Some(json!({"sha256": [h_a]})),
            expect: [401, 200, 200, 200, 403, 403, 403],
        },
        Row {
            method: Method::GET,
            template: "/v1/blobs/{sha256}",
            path: format!("/v1/blobs/{h_a}"),
            body: None,
            expect: [401, 200, 404, 404, 200, 404, 404],
        },
        Row {
            method: Method::POST,
            template: "/v1/uploads",
            path: "/v1/uploads".into(),
            body: Some(json!({"sha256": sha(b"pending"), "length": 10})),
            expect: [401, 200, 201, 201, 403, 403, 403],
        },
        Row {
            method: Method::HEAD,
            template: "/v1/uploads/{upload_id}",
            path: format!("/v1/uploads/{u_a}"),
            body: None,
            expect: [401, 204, 404, 404, 403, 403, 403],
        },
        Row {
            method: Method::PATCH,
            template: "/v1/uploads/{upload_id}",
            path: format!("/v1/uploads/{u_a}"),
            body: None,
            expect: [401, 0, 404, 404, 403, 403, 403],
        },
        Row {
            method: Method::POST,
            template: "/v1/push",
            path: "/v1/push".into(),
            body: None,
            expect: [401, 200, 200, 200, 403, 403, 403],
        },
        Row {
            method: Method::GET,
            template: "/v1/dossiers",
            path: "/v1/dossiers".into(),
            body: None,
            expect: [401, 200, 200, 200, 200, 200, 403],
        },
        Row {
            method: Method::GET,
            template: "/v1/dossiers/{dossier_uuid}",
            path: format!("/v1/dossiers/{d_a}"),
            body: None,
            expect: [401, 200, 404, 404, 200, 404, 403],
        },
        Row {
            method: Method::GET,
            template: "/v1/dossiers/{dossier_uuid}",
            path: format!("/v1/dossiers/{d_v}"),
            body: None,
            expect: [401, 200, 404, 200, 200, 404, 403],
        },
        Row {
            method: Method::GET,
            template: "/v1/dossiers/{dossier_uuid}",
            path: format!("/v1/dossiers/{}", fresh()),
            body: None,
            expect: [401, 404, 404, 404, 404, 404, 403],
        },
        Row {
            method: Method::PUT,
            template: "/v1/dossiers/{dossier_uuid}",
            path: format!("/v1/dossiers/{d_a}"),
            body: Some(m_a.clone()),
            expect: [401, 201, 409, 409, 403, 403, 403],
        },
        Row {
            method: Method::PUT,
            template: "/v1/dossiers/{dossier_uuid}",
            path: format!("/v1/dossiers/{}", fresh()),
            body: Some(manifest(AGENCY_Y, &[])),
            expect: [401, 201, 409, 409, 403, 403, 403],
        },
        Row {
            method: Method::POST,
            template: "/v1/dossiers/{dossier_uuid}/cancel",
            path: format!("/v1/dossiers/{d_a}/cancel"),
            body: Some(json!({})),
            expect: [401, 0, 404, 404, 403, 403, 403],
        },
        // "Tra cứu hồ sơ": anyone holding the code and the second factor, signed in or not.
        Row {
            method: Method::POST,
            template: "/v1/dossiers/lookup",
            path: "/v1/dossiers/lookup".into(),
            body: Some(json!({"code": l_a, "factor": "0321"})),
            expect: [200, 200, 200, 200, 200, 200, 200],
        },
        // "Thêm vào Hồ sơ của tôi": citizens only; A's own dossier is already A's (200, nothing
        // added); B opens it (every test citizen's registered ID ends in 0321) but it does not
        // name B (403.11).
        Row {
            method: Method::POST,
            template: "/v1/dossiers/claim",
            path: "/v1/dossiers/claim".into(),
            body: Some(json!({"code": l_a, "factor": "0321"})),
            expect: [401, 200, 403, 403, 403, 403, 403],
        },
        // D_A is `received`: its own applicant reaches the state check (409.3); nobody else may.
        Row {
            method: Method::PUT,
            template: "/v1/dossiers/{dossier_uuid}/revisions/{revision}",
            path: format!("/v1/dossiers/{d_a}/revisions/2"),
            body: Some(m_a.clone()),
            expect: [401, 409, 404, 404, 403, 403, 403],
        },
        Row {
            method: Method::PUT,
            template: "/v1/dossiers/{dossier_uuid}/revisions/{revision}",
            path: format!("/v1/dossiers/{}/revisions/2", fresh()),
            body: Some(m_a.clone()),
            expect: [401, 404, 404, 404, 403, 403, 403],
        },
        Row {
            method: Method::GET,
            template: "/v1/dossiers/{dossier_uuid}/revisions",
            path: format!("/v1/dossiers/{d_a}/revisions"),
            body: None,
            expect: [401, 200, 404, 404, 200, 404, 403],
        },
        Row {
            method: Method::GET,
            template: "/v1/dossiers/{dossier_uuid}/revisions",
            path: format!("/v1/dossiers/{d_v}/revisions"),
            body: None,
            expect: [401, 200, 404, 200, 200, 404, 403],
        },
        Row {
            method: Method::POST,
            template: "/v1/dossiers/{dossier_uuid}/payment-claim",
            path: format!("/v1/dossiers/{d_a}/payment-claim"),
            body: Some(json!({"amount_vnd": 200000})),
            expect: [401, 409, 404, 404, 403, 403, 403],
        },
        Row {
            method: Method::PUT,
            template: "/v1/dossiers/{dossier_uuid}/rating",
            path: format!("/v1/dossiers/{d_a}/rating"),
            body: Some(json!({"stars": 5})),
            expect: [401, 409, 404, 404, 403, 403, 403],
        },
        Row {
            method: Method::PUT,
            template: "/v1/dossiers/{dossier_uuid}/rating",
            path: format!("/v1/dossiers/{d_v}/rating"),
            body: Some(json!({"stars": 5})),
            expect: [401, 409, 404, 409, 403, 403, 403],
        },
        // Consent withdrawn: D_W is gone for V (its officer still sees it); V's repeat of its
        // own submission still gets the receipt.
        Row {
            method: Method::GET,
            template: "/v1/dossiers/{dossier_uuid}",
            path: format!("/v1/dossiers/{d_w}"),
            body: None,
            expect: [401, 404, 404, 404, 200, 404, 403],
        },
        Row {
            method: Method::GET,
            template: "/v1/dossiers/{dossier_uuid}/revisions",
            path: format!("/v1/dossiers/{d_w}/revisions"),
            body: None,
            expect: [401, 404, 404, 404, 200, 404, 403],
        },
        Row {
            method: Method::PUT,
            template: "/v1/dossiers/{dossier_uuid}",
            path: format!("/v1/dossiers/{d_w}"),
            body: Some(m_w.clone()),
            // citizens may not submit on behalf of anyone (400); officers and admins may not submit
            expect: [401, 400, 400, 201, 403, 403, 403],
        },
        Row {
            method: Method::PUT,
            template: "/v1/dossiers/{dossier_uuid}/revisions/{revision}",
            path: format!("/v1/dossiers/{d_w}/revisions/2"),
            body: Some(m_w.clone()),
            expect: [401, 404, 404, 404, 403, 403, 403],
        },
        Row {
            method: Method::POST,
            template: "/v1/dossiers/{dossier_uuid}/payment-claim",
            path: format!("/v1/dossiers/{d_w}/payment-claim"),
            body: Some(json!({"amount_vnd": 200000})),
            expect: [401, 404, 404, 404, 403, 403, 403],
        },
        Row {
            method: Method::PUT,
            template: "/v1/dossiers/{dossier_uuid}/rating",
            path: format!("/v1/dossiers/{d_w}/rating"),
            body: Some(json!({"stars": 5})),
            expect: [401, 404, 404, 404, 403, 403, 403],
        },
        Row {
            method: Method::POST,
            template: "/v1/dossiers/{dossier_uuid}/cancel",
            path: format!("/v1/dossiers/{d_w}/cancel"),
            body: Some(json!({})),
            expect: [401, 404, 404, 404, 403, 403, 403],
        },
        Row {
            method: Method::GET,
            template: "/v1/events",
            path: "/v1/events".into(),
            body: None,
            expect: [401, 200, 200, 200, 200, 200, 403],
        },
        Row {
            method: Method::POST,
            template: "/v1/admin/accounts",
            path: "/v1/admin/accounts".into(),
            body: Some(json!({"login": "x", "password": "p", "role": "officer"})),
            expect: [401, 403, 403, 403, 403, 403, 400],
        },
        Row {
            method: Method::POST,
            template: "/v1/admin/accounts/{account_id}/revoke-tokens",
            path: format!(
                "/v1/admin/accounts/{}/revoke-tokens",
                victim.account.account_id
            ),
            body: None,
            expect: [401, 403, 403, 403, 403, 403, 204],
        },
        Row {
            method: Method::POST,
            template: "/v1/admin/accounts/{account_id}/revoke-tokens",
            path: format!("/v1/admin/accounts/{}/revoke-tokens", fresh()),
            body: None,
            expect: [401, 403, 403, 403, 403, 403, 404],
        },
        Row {
            method: Method::POST,
            template: "/v1/admin/accounts/{account_id}/disable",
            path: format!("/v1/admin/accounts/{}/disable", fresh()),
            body: None,
            expect: [401, 403, 403, 403, 403, 403, 404],
        },
        Row {
            method: Method::POST,
            template: "/v1/admin/accounts/{account_id}/enable",
            path: format!("/v1/admin/accounts/{}/enable", fresh()),
            body: None,
            expect: [401, 403, 403, 403, 403, 403, 404],
        },
        Row {
            method: Method::POST,
            template: "/v1/admin/accounts/{account_id}/password",
            path: format!("/v1/admin/accounts/{}/password", fresh()),
            body: Some(json!({"new_password": "longenough1"})),
            expect: [401, 403, 403, 403, 403, 403, 404],
        },
        Row {
            method: Method::GET,
            template: "/v1/admin/accounts/{account_id}/audit",
            path: format!("/v1/admin/accounts/{}/audit", fresh()),
            body: None,
            expect: [401, 403, 403, 403, 403, 403, 404],
        },
        Row {
            method: Method::GET,
            template: "/v1/admin/outbox",
            path: "/v1/admin/outbox".into(),
            body: None,
            expect: [401, 403, 403, 403, 403, 403, 200],
        },
        Row {
            method: Method::PUT,
            template: "/v1/visits/{visit_id}",
            path: format!("/v1/visits/{}", fresh()),
            body: Some(visit.clone()),
            expect: [401, 403, 403, 201, 403, 403, 403],
        },
        Row {
            method: Method::GET,
            template: "/v1/reports",
            path: format!("/v1/reports?team={t_v}"),
            body: None,
            // the leader, the team's agency's officers and admins; another agency: as if none
            expect: [401, 403, 403, 200, 200, 404, 200],
        },
        Row {
            method: Method::GET,
            template: "/v1/teams",
            path: "/v1/teams".into(),
            body: None,
            expect: [401, 403, 403, 200, 200, 200, 200],
        },
        Row {
            method: Method::POST,
            template: "/v1/admin/teams",
            path: "/v1/admin/teams".into(),
            body: Some(json!({"name": "Tổ 2", "agency_code": AGENCY_Y})),
            expect: [401, 403, 403, 403, 403, 403, 201],
        },
        Row {
            method: Method::POST,
            template: "/v1/admin/teams/{team_id}/members",
            path: format!("/v1/admin/teams/{t_v}/members"),
            body: Some(json!({"login": v.phone})),
            expect: [401, 403, 403, 403, 403, 403, 200],
        },
        Row {
            method: Method::POST,
            template: "/v1/admin/teams/{team_id}/members",
            path: format!("/v1/admin/teams/{}/members", fresh()),
            body: Some(json!({"login": v.phone})),
            expect: [401, 403, 403, 403, 403, 403, 404],
        },
        Row {
            method: Method::POST,
            template: "/v1/admin/campaigns",
            path: "/v1/admin/campaigns".into(),
            body: Some(
                json!({"team_id": t_v, "name": "Tháng 12", "starts_on": "2026-12-01", "ends_on": "2026-12-31"}),
            ),
            expect: [401, 403, 403, 403, 403, 403, 201],
        },
        // The hand-off relay: citizen A offers its own blob (the one D_A also uses, so the
        // blob stays when the hand-off is received), claims it, receives it.
        Row {
            method: Method::PUT,
            template: "/v1/handoffs/{bundle_id}",
            path: format!("/v1/handoffs/{HANDOFF_ID}"),
            body: Some(json!({"sha256": h_a, "size": photo.len()})),
            // once A offered it, anyone else's offer under the id conflicts
            expect: [401, 201, 409, 409, 403, 403, 403],
        },
        Row {
            method: Method::GET,
            template: "/v1/handoffs",
            path: "/v1/handoffs".into(),
            body: None,
            expect: [401, 200, 200, 200, 403, 403, 403],
        },
        Row {
            method: Method::POST,
            template: "/v1/handoffs/{bundle_id}/claim",
            path: format!("/v1/handoffs/{HANDOFF_ID}/claim"),
            body: None,
            // the first to claim holds it; everyone else: as if none
            expect: [401, 200, 404, 404, 403, 403, 403],
        },
        Row {
            method: Method::POST,
            template: "/v1/handoffs/{bundle_id}/received",
            path: format!("/v1/handoffs/{HANDOFF_ID}/received"),
            body: None,
            expect: [401, 200, 404, 404, 403, 403, 403],
        },
    ];
    // The matrix covers every documented operation.
    let (_, doc) = h.json(Method::GET, "/v1/openapi.json", None, None).await;
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), p.clone()))
        })
        .collect();
    let covered: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.method.to_string(), r.template.to_owned()))
        .collect();
    assert_eq!(
        documented, covered,
        "every documented route needs a matrix row"
    );

    let mut failures = Vec::new();
    for row in &rows {
        for (i, who) in ALL.iter().enumerate() {
            let want = row.expect[i];
            if want == 0 {
                continue;
            }
            let got = status(&h, token(*who).as_deref(), row).await;
            if got != want {
                failures.push(format!(
                    "{:?} {} {} → {got}, expected {want}",
                    who, row.method, row.path
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization matrix failures:\n{}",
        failures.join("\n")
    );

    // A withdrawn consent: V's list and feed no longer hold D_W; the officer's feed still does.
    let (_, l) = h
        .json(Method::GET, "/v1/dossiers", Some(&v.token), None)
        .await;
    assert!(!l.to_string().contains(&d_w), "V sees D_W in the list");
    let (_, e) = h
        .json(Method::GET, "/v1/events", Some(&v.token), None)
        .await;
    assert!(!e.to_string().contains(&d_w), "V sees D_W in the feed");
    let (_, e) = h
        .json(Method::GET, "/v1/events", Some(&ox.token), None)
        .await;
    assert!(e.to_string().contains(&d_w));
    // Lists and feeds never leak: B, OfficerY and the volunteer see none of A's own dossier.
    for (who, t) in [
        (CitizenB, &bb.token),
        (OfficerY, &oy.token),
        (Volunteer, &v.token),
    ] {
        let (_, l) = h.json(Method::GET, "/v1/dossiers", Some(t), None).await;
        assert!(
            !l.to_string().contains(&d_a),
            "{who:?} sees D_A in the list"
        );
        let (_, e) = h.json(Method::GET, "/v1/events", Some(t), None).await;
        assert!(
            !e.to_string().contains(&d_a),
            "{who:?} sees D_A in the feed"
        );
    }
    let (_, e) = h
        .json(Method::GET, "/v1/events", Some(&ox.token), None)
        .await;
    assert!(e.to_string().contains(&d_a) && e.to_string().contains(&d_v));
    // revoked by the admin above
    let (s, _) = h
        .json(Method::GET, "/v1/me", Some(&victim.token), None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
